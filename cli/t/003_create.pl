# create, merge and sql: new files on the heads the server names, refused
# with several heads or with an applied revision that has no file (the
# branch-switch defect, issue 12 item 1); messages of any content read back
# exactly; sql prints the bodies of the plan and changes nothing.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MigrateCLI;

my $node = app_cluster();
my $dir = migrations_dir();
my @base = ('-h', $node->host, '-p', $node->port, '-d', 'app', '--dir', $dir);
sub sql { return $node->safe_psql('app', shift) }
sub files { return join(' ', map { s{.*/}{}r } sort glob("$dir/*.sql")) }

# the first revision: on base, in a folder that create makes
rmdir $dir;
my ($rc, $out, $err) = migrate([ @base, 'create', 'first one' ]);
is($rc, 0, 'create on base: exit 0');
my ($first) = $out =~ m{/([0-9a-f]{12})_first_one\.sql$}m;
ok($first, 'create: a 12-hex id and the slug in the name');
like($out, qr/^wrote revision $first on <base>$/m, 'create: closing line');

# a message with quotes, backslashes, a dollar quote and a newline reads back exactly
my $message = qq{it's "x" \\n \$\$ \$upgrade\$ back\\slash\nsecond \\\\ line};
($rc, $out) = migrate([ @base, 'create', $message ]);
my ($second) = $out =~ m{/([0-9a-f]{12})_it_s_x_n_upgrade_back_slash_second_line\.sql$}m;
ok($second, 'create: the slug of a message with punctuation');
like($out, qr/^wrote revision $second on $first$/m, 'create: on the head');
($rc, $out) = migrate([ @base, 'upgrade' ]);
is($rc, 0, 'the written files upgrade');
is(sql("SELECT message FROM migrate.revision WHERE revision = '$second'"), $message,
	'the message reads back exactly');
my ($file) = glob("$dir/${second}_*.sql");
my ($psql_rc) = $node->psql('app', "BEGIN; \\i $file\nROLLBACK;", on_error_stop => 1);
is($psql_rc, 0, 'psql loads the written file too');

# --dry-run writes nothing
my $before = files();
($rc, $out) = migrate([ @base, 'create', 'not written', '--dry-run' ]);
like($out, qr/^would write .*_not_written\.sql:\n-- not written\n/m, 'create --dry-run shows the file');
is(files(), $before, 'create --dry-run wrote nothing');

# two heads: create refuses, merge joins them
revision_file($dir, 'bbbb00000001', 'side', [$first], q{'side branch'}, 'SELECT 1;', 'SELECT 1;');
($rc, undef, $err) = migrate([ @base, 'create', 'third' ]);
is($rc, 1, 'create with two heads: refused');
like($err, qr/the migrations have 2 heads: .*\n.*migrate merge/, 'create with two heads: says to merge');
($rc, $out) = migrate([ @base, 'branches' ]);
like($out, qr/^$first \(branchpoint\), first one\n(  -> (bbbb00000001, side branch|$second, it's.*)\n){2}\z/,
	'branches: the branch point and both children, a pending file among them');
($rc, $out) = migrate([ @base, 'merge' ]);
is($rc, 0, 'merge: exit 0');
like($out, qr/^wrote revision [0-9a-f]{12} on (?:$second,bbbb00000001|bbbb00000001,$second)$/m, 'merge: over both heads');
($rc, $out) = migrate([ @base, 'heads' ]);
like($out, qr/^[0-9a-f]{12} \(head\) \(pending\)\n\z/, 'one head again');
($rc, undef, $err) = migrate([ @base, 'merge' ]);
like($err, qr/single head: nothing to merge/, 'merge with one head: refused');

# sql: the plan's bodies, nothing changes
($rc, $out) = migrate([ @base, 'sql', 'head' ]);
is($rc, 0, 'sql: exit 0');
like($out, qr/-- upgrading $first -> bbbb00000001, side branch\n\nSELECT 1;\n/, 'sql: a step and its body');
like($out, qr/^BEGIN;\n.*^COMMIT;\n\z/ms, 'sql: one transaction');
($rc, $out) = migrate([ @base, 'sql', 'base:' . $first ]);
like($out, qr/upgrading <base> -> $first, first one/, 'sql FROM:TARGET plans from FROM');
is(sql("SELECT string_agg(c, ',') FROM migrate_current() c"), $second, 'sql changed nothing');
is(sql("SELECT count(*) FROM migrate.revision WHERE revision = 'bbbb00000001'"), '0', 'sql registered nothing');

# the branch switch: an applied revision whose file is not in this checkout
($rc, $out) = migrate([ @base, 'upgrade' ]);
is($rc, 0, 'upgrade the merge');
my $away = PostgreSQL::Test::Utils::tempdir();
rename $_, $away . '/' . (s{.*/}{}r) for glob("$dir/bbbb00000001_*.sql");
($rc, $out, $err) = migrate([ @base, 'create', 'on another branch' ]);
is($rc, 1, 'create with an applied revision without a file: refused');
like($err, qr/revision "bbbb00000001" \(side branch\) is applied in database "app" but has no file/,
	'create names the revision');
like($err, qr/check out the branch.*downgrade/s, 'create names both ways out');
like($out, qr/^nothing written$/m, 'create wrote nothing');

done_testing();

# upgrade, downgrade, stamp and the reading commands against one database:
# progress and the closing line (issue 12, item 2), a failure rolls back
# and says so, --dry-run changes nothing, an applied revision without a
# file stops upgrade (item 1), files not registered show as pending
# (item 5), user text with quotes and newlines round-trips, bad file names
# are refused.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use MigrateCLI;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');
my $dir = migrations_dir();
my @base = ('-h', $node->host, '-p', $node->port, '-d', 'app', '--dir', $dir);
sub sql { return $node->safe_psql('app', shift) }

revision_file($dir, 'aaaa00000001', 'users', [], q{'create users'},
	'CREATE TABLE users (id int PRIMARY KEY);', 'DROP TABLE users;');
revision_file($dir, 'bbbb00000002', 'phone', ['aaaa00000001'], q{'add phone'},
	'ALTER TABLE users ADD COLUMN phone text;', 'ALTER TABLE users DROP COLUMN phone;');

# --dry-run: the plan, and nothing changes (not even the extension)
my ($rc, $out, $err) = migrate([ @base, 'upgrade', '--dry-run' ]);
is($rc, 0, 'dry run: exit 0');
like($out, qr/^would create the migrate extension/m, 'dry run: says it would create the extension');
like($out, qr/^upgrading <base> -> aaaa00000001, create users \(dry run\)\nupgrading aaaa00000001 -> bbbb00000002, add phone \(dry run\)$/m,
	'dry run: the plan in order');
like($out, qr/^dry run: 2 revision\(s\) would be applied; nothing changed$/m, 'dry run: closing line');
is(sql("SELECT count(*) FROM pg_extension WHERE extname = 'migrate'"), '0', 'dry run: no extension created');
is(sql("SELECT to_regclass('users') IS NULL"), 't', 'dry run: no table created');

# upgrade: says it creates the extension, one progress line per step, one closing line
($rc, $out, $err) = migrate([ @base, 'upgrade' ]);
is($rc, 0, 'upgrade: exit 0');
like($out, qr/^creating the migrate extension [\d.]+ in database "app"$/m, 'upgrade: says it creates the extension');
like($out, qr/^upgrading <base> -> aaaa00000001, create users \.\.\. [\d.]+ ms\nupgrading aaaa00000001 -> bbbb00000002, add phone \.\.\. [\d.]+ ms\n/m,
	'upgrade: Alembic-style progress with durations');
like($out, qr/\napplied 2 revision\(s\): now at bbbb00000002 \(head\)\n\z/, 'upgrade: the closing line is last');
is(sql('SELECT string_agg(c, \',\') FROM migrate_current() c'), 'bbbb00000002', 'upgrade: applied');
($rc, $out) = migrate([ @base, 'upgrade' ]);
like($out, qr/^nothing to apply: at bbbb00000002 \(head\)$/m, 'no-op upgrade: one line, no table');

# reading
($rc, $out) = migrate([ @base, 'current' ]);
is($out, "bbbb00000002 (head)\n", 'current: Alembic format');
($rc, $out) = migrate([ @base, 'history' ]);
is($out, "aaaa00000001 -> bbbb00000002 (head) (current), add phone\n<base> -> aaaa00000001, create users\n",
	'history: one line per revision, newest first');
($rc, $out) = migrate([ @base, 'history', '-r', 'base:aaaa' ]);
is($out, "<base> -> aaaa00000001, create users\n", 'history -r: a range');

# drift: a change by hand is listed, with its statement on one line
($rc, $out) = migrate([ @base, 'drift' ]);
is($out, "no schema changes outside migrations are recorded\n", 'drift: none yet');
sql("CREATE TABLE handmade -- it's\n(x int)");
($rc, $out) = migrate([ @base, 'drift' ]);
like($out, qr/^\S+ \S+ \S+ CREATE TABLE public\.handmade \(guard log\): CREATE TABLE handmade -- it's\\n\(x int\)$/m,
	'drift: the change, who, and the statement escaped on one line');
sql('DROP TABLE handmade; SELECT migrate_drift_clear(now())');

# a failing revision: everything rolled back, and the last line says so
revision_file($dir, 'cccc00000003', 'email', ['bbbb00000002'], q{'add email'},
	'ALTER TABLE users ADD COLUMN email text;', 'ALTER TABLE users DROP COLUMN email;');
revision_file($dir, 'dddd00000004', 'broken', ['cccc00000003'], q{'broken one'},
	'ALTER TABLE no_such_table ADD COLUMN x int;', 'SELECT 1;');
($rc, $out, $err) = migrate([ @base, 'upgrade' ]);
is($rc, 1, 'failed upgrade: exit 1');
like($out, qr/^upgrading bbbb00000002 -> cccc00000003, add email \.\.\. /m, 'failed upgrade: the step that ran is shown');
like($out, qr/\nnothing applied: rolled back\n\z/, 'failed upgrade: closing line says rolled back');
like($err, qr/relation "no_such_table" does not exist \(SQLSTATE 42P01\)/, 'failed upgrade: the error with its SQLSTATE');
like($err, qr/dddd00000004/, 'failed upgrade: the failing revision is named');
is(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'"),
	'0', 'failed upgrade: the step before it was undone');
is(sql("SELECT count(*) FROM migrate.revision WHERE revision IN ('cccc00000003', 'dddd00000004')"),
	'0', 'failed upgrade: the registrations were undone');
unlink "$dir/dddd00000004_broken.sql";

# files not registered show as pending
($rc, $out) = migrate([ @base, 'heads' ]);
is($out, "cccc00000003 (head) (pending)\n", 'heads: a file not yet registered is the pending head');
($rc, $out) = migrate([ @base, 'status' ]);
like($out, qr/^pending: +cccc00000003 \(migrate upgrade applies them\)$/m, 'status: the file is pending');
($rc, $out, $err) = migrate([ @base, 'check' ]);
is($rc, 1, 'check with a pending file: exit 1');
like($err, qr/not applied: cccc00000003.*\n.*migrate upgrade/, 'check: names the next step (upgrade)');
is(sql("SELECT count(*) FROM migrate.revision WHERE revision = 'cccc00000003'"), '0',
	'reading commands registered nothing for good');

# stamp and downgrade
($rc, $out) = migrate([ @base, 'stamp', 'aaaa00000001', '--dry-run' ]);
like($out, qr/^dry run: would stamp bbbb00000002 -> aaaa00000001; nothing changed$/m, 'stamp --dry-run');
is(sql('SELECT string_agg(c, \',\') FROM migrate_current() c'), 'bbbb00000002', 'stamp --dry-run: nothing changed');
($rc, $out) = migrate([ @base, 'upgrade' ]);
like($out, qr/^applied 1 revision\(s\): now at cccc00000003 \(head\)$/m, 'upgrade to the new head');
($rc, $out) = migrate([ @base, 'downgrade', '-1', '--dry-run' ]);
like($out, qr/^downgrading cccc00000003 -> bbbb00000002, add email \(dry run\)$/m, 'downgrade -1 --dry-run: a relative target is an argument');
is(sql('SELECT string_agg(c, \',\') FROM migrate_current() c'), 'cccc00000003', 'downgrade --dry-run: nothing changed');
($rc, $out) = migrate([ @base, 'check' ]);
is($rc, 0, 'check: files and database agree');
like($out, qr/^files and database agree \(3 migration file\(s\)\)$/m, 'check: says so');

# an applied revision whose file is gone (another git branch): upgrade stops
rename "$dir/cccc00000003_email.sql", "$dir/../cccc00000003_email.sql.away";
revision_file($dir, 'eeee00000005', 'other', ['bbbb00000002'], q{'the other branch'}, 'SELECT 1;', 'SELECT 1;');
($rc, $out, $err) = migrate([ @base, 'upgrade' ]);
is($rc, 1, 'applied revision without a file: upgrade refuses');
like($err, qr/revision "cccc00000003" \(add email\) is applied in database "app" but has no file/,
	'the applied revision without a file is named');
like($err, qr/check out the branch.*downgrade/s, 'both ways out are named');
like($out, qr/nothing applied: rolled back/, 'and nothing was applied');
is(sql("SELECT count(*) FROM migrate.revision WHERE revision = 'eeee00000005'"), '0', 'the new file was not registered');
($rc, undef, $err) = migrate([ @base, 'check' ]);
is($rc, 1, 'check names it too');
# the way out: downgrade, from the stored body
($rc, $out) = migrate([ @base, 'downgrade', 'bbbb00000002' ]);
is($rc, 0, 'downgrade without the file works');
like($out, qr/^downgrading cccc00000003 -> bbbb00000002, add email \.\.\. /m, 'downgrade progress');
($rc, undef, $err) = migrate([ @base, 'upgrade' ]);
like($err, qr/revision "cccc00000003" \(add email\) is registered .* but has no file.*\n.*migrate forget cccc00000003/,
	'a registered revision without a file: the hint names forget');
($rc, $out) = migrate([ @base, 'forget', 'cccc00000003' ]);
like($out, qr/^forgot cccc00000003$/m, 'forget');
($rc, $out) = migrate([ @base, 'upgrade' ]);
like($out, qr/^applied 1 revision\(s\): now at eeee00000005 \(head\)$/m, 'then the upgrade goes through');

# user text with quotes, a dollar quote, a newline and a terminal escape round-trips
revision_file($dir, 'ffff00000006', 'quotes', ['eeee00000005'],
	q{E'it''s "quoted" $x$ ;\\\\ DROP\nsecond line \\x1b[2J'}, 'SELECT 1;', 'SELECT 1;');
($rc, $out, $err) = migrate([ @base, 'upgrade' ]);
is($rc, 0, 'a message with quotes and a newline: upgrade works');
like($out, qr/^upgrading eeee00000005 -> ffff00000006, it's "quoted" \$x\$ ;\\ DROP\\nsecond line \\x1b\[2J \.\.\. /m,
	'progress: newline and escape shown escaped on one line');
is(sql("SELECT message FROM migrate.revision WHERE revision = 'ffff00000006'"),
	qq{it's "quoted" \$x\$ ;\\ DROP\nsecond line \x1b[2J}, 'stored exactly');
($rc, $out) = migrate([ @base, 'show', 'ffff' ]);
like($out, qr/^    it's "quoted" \$x\$ ;\\ DROP\nsecond line \\x1b\[2J$/m, 'show: the newline kept, the escape made harmless');

# a file that is not one migrate_revision call, and a name that lies
write_migration($dir, '99990000aaaa_two.sql', "SELECT 1; SELECT 2;\n");
($rc, undef, $err) = migrate([ @base, 'upgrade' ]);
is($rc, 1, 'two statements in a file: refused');
like($err, qr/99990000aaaa_two\.sql: cannot insert multiple commands/, 'two statements: the server says why, the file is named');
unlink "$dir/99990000aaaa_two.sql";
revision_file($dir, '1234abcd', 'liar', ['ffff00000006'], q{'x'}, 'SELECT 1;', 'SELECT 1;');
rename "$dir/1234abcd_liar.sql", "$dir/4321dcba_liar.sql";
($rc, undef, $err) = migrate([ @base, 'upgrade' ]);
like($err, qr/registers revision "1234abcd", but its name says "4321dcba"/, 'a file registering another id: refused');
unlink "$dir/4321dcba_liar.sql";

# Ctrl-C during a long step: the server cancels it, all is rolled back, the last line says so
revision_file($dir, 'ffff00000007', 'slow', ['ffff00000006'], q{'slow one'},
	'CREATE TABLE slow (id int); SELECT pg_sleep(60);', 'DROP TABLE slow;');
{
	my ($sout, $serr) = ('', '');
	my $h = IPC::Run::start([ $MigrateCLI::program, @base, 'upgrade' ], '<', \'', '>', \$sout, '2>', \$serr);
	$node->poll_query_until('app',
		"SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%migrate_upgrade(\$1)%' AND wait_event = 'PgSleep'")
	  or die 'the slow step did not start';
	$h->signal('INT');
	$h->finish;
	is($? >> 8, 1, 'Ctrl-C: exit 1');
	like($serr, qr/canceling statement due to user request \(SQLSTATE 57014\)/, 'Ctrl-C: the statement was cancelled');
	like($sout, qr/nothing applied: rolled back\n\z/, 'Ctrl-C: closing line says rolled back');
	is(sql("SELECT to_regclass('slow') IS NULL"), 't', 'Ctrl-C: the step was undone');
}
unlink "$dir/ffff00000007_slow.sql";

# amend: an applied revision's file got a better downgrade
revision_file($dir, 'bbbb00000002', 'phone', ['aaaa00000001'], q{'add phone'},
	'ALTER TABLE users ADD COLUMN phone text;', 'ALTER TABLE users DROP COLUMN IF EXISTS phone;');
($rc, $out, $err) = migrate([ @base, 'upgrade' ]);
is($rc, 1, 'an edited applied file: upgrade refuses');
like($err, qr/bbbb00000002_phone\.sql: .*\(SQLSTATE 55000\)/, 'with the server\'s refusal');
($rc, $out) = migrate([ @base, 'amend', 'bbbb00000002', '--dry-run' ]);
like($out, qr/^dry run: would amend bbbb00000002 \(downgrade\); nothing changed$/m, 'amend --dry-run: what would change');
is(sql("SELECT downgrade FROM migrate.revision WHERE revision = 'bbbb00000002'"),
	"\nALTER TABLE users DROP COLUMN phone;\n", 'amend --dry-run: nothing changed');
($rc, $out) = migrate([ @base, 'amend', 'bbbb00000002' ]);
like($out, qr/^amended bbbb00000002 \(downgrade\)$/m, 'amend: the downgrade stored');
is(sql("SELECT downgrade FROM migrate.revision WHERE revision = 'bbbb00000002'"),
	"\nALTER TABLE users DROP COLUMN IF EXISTS phone;\n", 'amend: the new downgrade is stored');
is(sql("SELECT count(*) FROM migrate.amendment WHERE revision = 'bbbb00000002'"), '1', 'amend: logged once');
is(sql("SELECT string_agg(c, ',') FROM migrate_current() c"), 'ffff00000006', 'amend: the state is as it was');
($rc, $out) = migrate([ @base, 'upgrade' ]);
like($out, qr/^nothing to apply/m, 'after amend the files load again');
($rc, $out) = migrate([ @base, 'amend', 'bbbb00000002' ]);
like($out, qr/^nothing to amend/m, 'amend again: nothing to do');
revision_file($dir, 'bbbb00000002', 'phone', [], q{'add phone'},
	'ALTER TABLE users ADD COLUMN phone text;', 'ALTER TABLE users DROP COLUMN IF EXISTS phone;');
($rc, undef, $err) = migrate([ @base, 'amend', 'bbbb00000002' ]);
is($rc, 1, 'amend refuses a file that changes the parents');
like($err, qr/changes the parents, labels or dependencies/, 'and says what it refuses');
revision_file($dir, 'bbbb00000002', 'phone', ['aaaa00000001'], q{'add phone'},
	'ALTER TABLE users ADD COLUMN phone text;', 'ALTER TABLE users DROP COLUMN IF EXISTS phone;');

# bad file names: refused before anything connects or runs
for my $bad ("abc_sp ace.sql", ".hidden_x.sql", "notes.txt", "abc-dash.sql", "abc_it's.sql", "abc_new\nline.sql", "abc_\$(touch x).sql", "noslug.sql")
{
	write_migration($dir, $bad, "SELECT 1;\n");
	($rc, undef, $err) = migrate([ @base, 'upgrade' ]);
	(my $shown = $bad) =~ s/\n/\\n/g;
	is($rc, 2, "bad file name \"$shown\": exit 2");
	like($err, qr/is not <revision>_<slug>\.sql/, "bad file name \"$shown\": named");
	unlink "$dir/$bad";
}
unlike(join('', map { s/\n/\\n/gr } glob("$dir/*")), qr/touch/, 'no file left behind');
ok(!-e "$dir/x" && !-e 'x', 'nothing ran the shell');

done_testing();

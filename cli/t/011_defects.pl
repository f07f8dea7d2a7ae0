# The defects of the old make workflow (issue 12) that the other files do
# not reach, and what every command must offer: reading commands never
# create the extension and all of them work on a hot standby (item 4);
# check after a downgrade names upgrade, not create, and history marks
# files not yet registered (item 5); the README's psql deploy one-liner
# prints the steps and nothing else (item 7); a first create on a new
# project, merge files without placeholders, hints that name commands
# (item 9); files written with positional arguments, like the README's
# first example (item 10); --help on each command, --dry-run on each
# changing one.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use File::Path qw(make_path);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MigrateCLI;

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->start;
my @conn = ('-h', $node->host, '-p', $node->port);
sub sql { my ($db, $q) = @_; return $node->safe_psql($db, $q) }
sub has_extension { return sql($_[0], "SELECT count(*) FROM pg_extension WHERE extname = 'migrate'") }
sub slurp { my ($f) = @_; local $/; open my $fh, '<', $f or die "$f: $!"; return <$fh> }

# the README's first example, one call per file, positional arguments as printed there
my $readme = slurp("$FindBin::Bin/../../README.md");
my @calls = $readme =~ /^(SELECT migrate_revision\('[0-9a-f]{12}', '\{[0-9a-f]*\}', \$\$.*?\$\$,\n\s+\$\$.*?\$\$, '[^']*'\);)$/mg;
is(scalar @calls, 2, "the README's first example has two migrate_revision calls");
my $dir = migrations_dir();
for my $call (@calls)
{
	my ($id) = $call =~ /^SELECT migrate_revision\('([0-9a-f]{12})'/;
	my ($slug) = $call =~ /, '([^']*)'\);$/;
	$slug =~ s/\W+/_/g;
	write_migration($dir, "${id}_$slug.sql", "$call\n");
}

# item 4: without the extension every reading command stops with exit 6 and creates nothing
$node->safe_psql('postgres', 'CREATE DATABASE app');
my @app = (@conn, '-d', 'app', '--dir', $dir);
for my $cmd ([qw(current)], [qw(heads)], [qw(history)], [qw(history -v)], [qw(branches)],
	[qw(show 0819a425f7fd)], [qw(status)], [qw(check)], [qw(drift)], [qw(sql head)])
{
	my ($rc, undef, $err) = migrate([ @app, @$cmd ]);
	is($rc, 6, "@$cmd without the extension: exit 6");
	like($err, qr/not created in database "app"\n.*reading commands never do/, "@$cmd: says it creates nothing");
}
is(has_extension('app'), '0', 'no reading command created the extension');

# item 10: the positional files are read, by every command
my ($rc, $out, $err) = migrate([ @app, 'upgrade' ]);
is($rc, 0, 'upgrade of files with positional arguments: exit 0') or diag($err);
like($out, qr/^upgrading <base> -> 0819a425f7fd, initial schema \.\.\. .*\nupgrading 0819a425f7fd -> a1b2c3d4e5f6, add phone \.\.\. /m,
	'positional files: both steps, with their messages');
($rc, $out) = migrate([ @app, 'history' ]);
is($out, "0819a425f7fd -> a1b2c3d4e5f6 (head) (current), add phone\n<base> -> 0819a425f7fd, initial schema\n",
	'positional files: history');
($rc, $out) = migrate([ @app, 'check' ]);
is($rc, 0, 'positional files: check agrees');
($rc, $out) = migrate([ @app, 'show', 'a1b2c3d4e5f6' ]);
like($out, qr/ALTER TABLE users ADD COLUMN phone text/, 'positional files: show has the upgrade body');

# item 5: a file not registered shows as pending in history, heads and status
revision_file($dir, 'b5e0c7a2d419', 'email', ['a1b2c3d4e5f6'], q{'add email'},
	'ALTER TABLE users ADD COLUMN email text;', 'ALTER TABLE users DROP COLUMN email;');
($rc, $out) = migrate([ @app, 'history' ]);
like($out, qr/\Aa1b2c3d4e5f6 -> b5e0c7a2d419 \(head\) \(pending\), add email\n0819a425f7fd -> a1b2c3d4e5f6 \(current\), add phone\n/,
	'history: the file not registered is the pending head, the applied ones are not pending');
($rc, $out) = migrate([ @app, 'heads' ]);
is($out, "b5e0c7a2d419 (head) (pending)\n", 'heads: pending');
($rc, $out) = migrate([ @app, 'status' ]);
like($out, qr/^pending: +b5e0c7a2d419 /m, 'status: pending');
($rc, $out) = migrate([ @app, 'history', '-v' ]);
like($out, qr/^Rev: b5e0c7a2d419 \(head\)\nParent: a1b2c3d4e5f6\nApplied: no\nFile: .*b5e0c7a2d419_email\.sql\n\n    add email\n/m,
	'history -v: a block per revision, the file named, not applied');
is(sql('app', "SELECT count(*) FROM migrate.revision WHERE revision = 'b5e0c7a2d419'"), '0',
	'the reading commands registered nothing');

# item 4 on a hot standby: every reading command works and registers nothing
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby);
my @on_standby = ('-h', $standby->host, '-p', $standby->port, '-d', 'app', '--dir', $dir);
for my $cmd ([qw(current)], [qw(heads)], [qw(history)], [qw(history -v)], [qw(branches)],
	[qw(show a1b2c3d4e5f6)], [qw(status)], [qw(drift)], [qw(sql head)])
{
	($rc, $out, $err) = migrate([ @on_standby, @$cmd ]);
	is($rc, 0, "@$cmd works on a hot standby") or diag($err);
	unlike($err, qr/could not create|read-only transaction/, "@$cmd on the standby: no attempt to write");
}
($rc, $out) = migrate([ @on_standby, 'show', 'a1b2c3d4e5f6' ]);
like($out, qr/ADD COLUMN phone/, 'show on the standby: the stored body');
($rc, $out, $err) = migrate([ @on_standby, 'sql', 'head' ]);
like($out, qr/^-- left out: b5e0c7a2d419 \(not registered\) b5e0c7a2d419_email\.sql\nBEGIN;\n\nCOMMIT;\n\z/m,
	'sql on the standby: at head, the file it cannot plan named in a comment');
like($err, qr/not registered.*the server is a standby/, 'sql on the standby: says why');
($rc, $out, $err) = migrate([ @on_standby, 'sql', 'base:head' ]);
is($rc, 1, 'sql FROM:TARGET on the standby: refused');
like($err, qr/cannot plan from "base" here: the server is a standby/, 'sql FROM:TARGET on the standby: says why');
($rc, $out, $err) = migrate([ @on_standby, 'check' ]);
is($rc, 1, 'check on the standby: the unregistered file is a problem');
like($err, qr/migrate upgrade/, 'check on the standby: the next step is upgrade');
$standby->stop;
unlink "$dir/b5e0c7a2d419_email.sql";

# item 7: the README's psql deploy one-liner, run as printed: the steps, nothing else
my ($oneliner) = $readme =~ /## Deploying with psql only\n.*?```sh\n(.*?)```/s;
ok($oneliner, 'the README has the psql deploy one-liner');
$node->safe_psql('postgres', 'CREATE DATABASE deploy');
$node->safe_psql('deploy', 'CREATE EXTENSION migrate');
my $project = PostgreSQL::Test::Utils::tempdir();
make_path("$project/migrations");
for my $f (glob("$dir/*.sql"))
{
	write_migration("$project/migrations", $f =~ s{.*/}{}r, slurp($f));
}
revision_file("$project/migrations", 'b5e0c7a2d419', 'email', ['a1b2c3d4e5f6'], q{E'it''s "email"'},
	'ALTER TABLE users ADD COLUMN email text;', 'ALTER TABLE users DROP COLUMN email;');
my $bindir = `pg_config --bindir`;
chomp $bindir;
my %deploy_env = (DATABASE_URL => 'postgresql:///deploy?host=' . $node->host . '&port=' . $node->port,
	PATH => "$bindir:$ENV{PATH}");
sub deploy
{
	my ($dout, $derr) = ('', '');
	local %ENV = (%ENV, %deploy_env);
	IPC::Run::run([ 'sh', '-c', "cd '$project' && $oneliner" ], '<', \'', '>', \$dout, '2>', \$derr);
	return ($? >> 8, $dout, $derr);
}
($rc, $out, $err) = deploy();
is($rc, 0, 'psql deploy: exit 0') or diag($err);
is($err, '', 'psql deploy: nothing on stderr (no NOTICE per file or per step)');
unlike($out, qr/migrate_revision/, 'psql deploy: no table per registered file');
like($out, qr/\A\s*revision\s+\|\s+message\s*\n-+\+-+\n\s*0819a425f7fd \| initial schema\n\s*a1b2c3d4e5f6 \| add phone\n\s*b5e0c7a2d419 \| it's "email"\n\(3 rows\)\n\n\z/,
	'psql deploy: one table, a row per step, in order');
($rc, $out, $err) = deploy();
is($rc, 0, 'psql deploy again: exit 0');
like($out, qr/\(0 rows\)\n\n\z/, 'psql deploy again: (0 rows), nothing else');
unlike($out, qr/migrate_revision|^-\[ RECORD/m, 'psql deploy again: no registration tables');

# item 5: after a downgrade (with models in sync with the head) check says upgrade, never create
my $models = PostgreSQL::Test::Utils::tempdir() . '/models';
make_path($models);
write_migration($models, '01_users.sql',
	"CREATE TABLE public.users (id serial PRIMARY KEY, name text, phone text);\n");
my %menv = (env => { MODELS_DIR => $models });
($rc, $out, $err) = migrate([ @app, 'check' ], %menv);
is($rc, 0, 'check at head with the models: agree') or diag($err);
like($out, qr/models too/, 'check: the models were compared');
($rc) = migrate([ @app, 'downgrade', '-1' ], %menv);
is($rc, 0, 'downgrade -1');
($rc, $out, $err) = migrate([ @app, 'check' ], %menv);
is($rc, 1, 'check after a downgrade: exit 1');
like($err, qr/1 revision\(s\) not applied: a1b2c3d4e5f6\n.*hint: Run migrate upgrade first/, 'check after a downgrade: upgrade is the next step');
unlike($err, qr/migrate create|migrate-create/, 'check after a downgrade: never says to write a migration');
($rc, undef, $err) = migrate([ @app, 'create', 'would drop phone' ], %menv);
is($rc, 1, 'create after a downgrade: refused');
like($err, qr/migrate upgrade first/, 'create after a downgrade: says upgrade first');
is(scalar(() = glob("$dir/*.sql")), 2, 'create after a downgrade: nothing written');
($rc) = migrate([ @app, 'upgrade' ]);
is($rc, 0, 'upgrade again');

# --dry-run on the changing commands that other files do not try, and stamp for real
($rc, $out) = migrate([ @app, 'stamp', '0819a425f7fd' ]);
is($rc, 0, 'stamp: exit 0');
like($out, qr/^stamped a1b2c3d4e5f6 \(head\) -> 0819a425f7fd \(nothing ran\)$/m, 'stamp: says what it did');
is(sql('app', 'SELECT string_agg(c, \',\') FROM migrate_current() c'), '0819a425f7fd', 'stamp: the state is set');
is(sql('app', "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone'"),
	'1', 'stamp: ran nothing');
($rc) = migrate([ @app, 'stamp', 'head' ]);
revision_file($dir, 'cccc00000001', 'gone', ['a1b2c3d4e5f6'], q{'gone soon'}, 'SELECT 1;', 'SELECT 1;');
($rc) = migrate([ @app, 'stamp', 'a1b2c3d4e5f6' ]);
unlink "$dir/cccc00000001_gone.sql";
($rc, $out) = migrate([ @app, 'forget', 'cccc00000001', '--dry-run' ]);
is($rc, 0, 'forget --dry-run: exit 0');
like($out, qr/dry run/, 'forget --dry-run: says so');
is(sql('app', "SELECT count(*) FROM migrate.revision WHERE revision = 'cccc00000001'"), '1', 'forget --dry-run: nothing removed');
($rc) = migrate([ @app, 'forget', 'cccc00000001' ]);
is(sql('app', "SELECT count(*) FROM migrate.revision WHERE revision = 'cccc00000001'"), '0', 'forget: removed');

# item 9: a merge file has no placeholders, and the hints name program commands
revision_file($dir, 'dddd00000001', 'left', ['a1b2c3d4e5f6'], q{'left'}, 'SELECT 1;', 'SELECT 1;');
revision_file($dir, 'eeee00000001', 'right', ['a1b2c3d4e5f6'], q{'right'}, 'SELECT 1;', 'SELECT 1;');
($rc, undef, $err) = migrate([ @app, 'check' ]);
like($err, qr/the migrations have 2 heads: .*\n.*hint: Join them: migrate merge/, 'check with two heads: the hint names migrate merge');
unlike($err, qr/make migrate-/, 'check with two heads: not a make target');
my @before = glob("$dir/*.sql");
($rc, $out) = migrate([ @app, 'merge', '--dry-run' ]);
like($out, qr/^would write .*_merge_heads\.sql:\n/m, 'merge --dry-run: shows the file');
is(scalar(() = glob("$dir/*.sql")), scalar @before, 'merge --dry-run: nothing written');
($rc, $out) = migrate([ @app, 'merge' ]);
is($rc, 0, 'merge: exit 0');
my ($merge) = $out =~ m{^(\S+_merge_heads\.sql)$}m;
my $text = slurp($merge);
unlike($text, qr/the SQL that applies|the SQL that undoes|upgrade +=>|downgrade +=>/, 'merge file: no placeholder bodies');
like($text, qr/down_revision => '\{dddd00000001,eeee00000001\}'/, 'merge file: over both heads');
($rc, $out) = migrate([ @app, 'upgrade' ]);
is($rc, 0, 'the merge file upgrades');
($rc, $out) = migrate([ @app, 'upgrade' ]);
like($out, qr/\Anothing to apply: at [0-9a-f]{12} \(head\)\n\z/, 'a no-op upgrade: one line, no empty table');
($rc, $out) = migrate([ @app, 'history', '-r', 'a1b2c3d4e5f6:' ]);
like($out, qr/\Adddd00000001, eeee00000001 -> [0-9a-f]{12} \(head\) \(mergepoint\) \(current\), merge heads\n/, 'history: the merge point');
like($out, qr/^0819a425f7fd -> a1b2c3d4e5f6 \(branchpoint\), add phone$/m, 'history: the branch point');
($rc, $out) = migrate([ @app, 'heads', '-v' ]);
like($out, qr/\A[0-9a-f]{12} \(head\), merge heads\n\z/, 'heads -v: with the message');
($rc, $out) = migrate([ @app, 'current', '-v' ]);
like($out, qr/\A[0-9a-f]{12} \(head\), merge heads\n\z/, 'current -v: with the message');

# item 1 for stamp and merge: the applied merge revision's file is gone (another branch)
my $away = PostgreSQL::Test::Utils::tempdir() . '/merge.sql';
rename $merge, $away or die;
for my $cmd ([qw(stamp a1b2c3d4e5f6)], [qw(merge)])
{
	($rc, $out, $err) = migrate([ @app, @$cmd ]);
	is($rc, 1, "$cmd->[0] with an applied revision without a file: refused");
	like($err, qr/revision "[0-9a-f]{12}" \(merge heads\) is applied in database "app" but has no file(?s:.*)check out the branch.*downgrade/,
		"$cmd->[0]: names it and both ways out");
}
is(scalar(() = glob("$dir/*_merge_heads.sql")), 0, 'merge wrote nothing');
is(sql('app', 'SELECT count(*) FROM migrate_current()'), '1', 'stamp changed nothing');
rename $away, $merge or die;

sql('app', 'CREATE TABLE handmade (x int)');
($rc, undef, $err) = migrate([ @app, 'check' ]);
like($err, qr/1 schema change\(s\) outside migrations.*\n.*hint: migrate drift lists them/, 'check with drift: the hint names migrate drift');
sql('app', 'DROP TABLE handmade; SELECT migrate_drift_clear(now())');

# the hints of the program name its commands, not SQL functions or make targets
for my $src (glob("$FindBin::Bin/../*.c"))
{
	my $code = slurp($src);
	my @bad = grep { /migrate_(?:upgrade|downgrade|stamp|forget|amend|merge|heads|current|history|status|drift)\(|make migrate-/ }
	  $code =~ /pg_log_error_hint\(\s*("(?:[^"\\]|\\.)*")/g;
	is("@bad", '', 'hints of ' . ($src =~ s{.*/}{}r) . ' name commands');
}

# item 9: a first create on a new project, no migrations folder, no extension yet
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
my $newdir = PostgreSQL::Test::Utils::tempdir() . '/migrations';
my @fresh = (@conn, '-d', 'fresh', '--dir', $newdir);
($rc, $out, $err) = migrate([ @fresh, 'create', 'first' ]);
is($rc, 0, 'first create on a new database without migrations/: exit 0') or diag($err);
like($out, qr/^the migrate extension is not created in database "fresh" yet: migrate upgrade creates it\n/m,
	'first create: says what comes next');
like($out, qr/^wrote revision [0-9a-f]{12} on <base>$/m, 'first create: on base');
is($err, '', 'first create: no error (no find error)');
is(has_extension('fresh'), '0', 'first create: created no extension');
($rc, $out) = migrate([ @fresh, 'upgrade' ]);
is($rc, 0, 'then upgrade creates the extension and applies it');
like($out, qr/^applied 1 revision\(s\)/m, 'the first revision applied');

# item 2 for downgrade: a failing downgrade body, everything rolled back, and the last line says so
my ($first) = map { m{/([0-9a-f]{12})_first\.sql$} ? $1 : () } glob("$newdir/*.sql");
revision_file($newdir, 'ffff00000001', 'bad_down', [$first], q{'bad downgrade'},
	'SELECT 1;', 'DROP TABLE no_such_table;');
revision_file($newdir, 'ffff00000002', 'table', ['ffff00000001'], q{'make t'},
	'CREATE TABLE t (x int);', 'DROP TABLE t;');
($rc) = migrate([ @fresh, 'upgrade' ]);
($rc, $out, $err) = migrate([ @fresh, 'downgrade', 'base' ]);
is($rc, 1, 'failing downgrade: exit 1');
like($err, qr/table "no_such_table" does not exist \(SQLSTATE 42P01\)/, 'failing downgrade: the error with its SQLSTATE');
like($out, qr/^downgrading ffff00000002 -> ffff00000001, make t \.\.\. /m, 'failing downgrade: the step that ran is shown');
like($out, qr/\nnothing applied: rolled back\n\z|\Anothing applied: rolled back\n\z/, 'failing downgrade: closing line says rolled back');
is(sql('fresh', 'SELECT string_agg(c, \',\') FROM migrate_current() c'), 'ffff00000002', 'failing downgrade: the state is as it was');
is(sql('fresh', "SELECT to_regclass('t') IS NOT NULL"), 't', 'failing downgrade: the step that ran was rolled back');

# --help on each command, and --dry-run refused by the commands that change nothing
for my $cmd (qw(create merge upgrade downgrade current history heads branches show stamp check status drift amend forget sql hook))
{
	($rc, $out) = migrate([ $cmd, '--help' ]);
	is($rc, 0, "$cmd --help: exit 0");
	like($out, qr/\AUsage: migrate \[OPTION\]\.\.\. $cmd\b.*\n\n\S/s, "$cmd --help: usage and description");
}
for my $cmd (qw(current history heads branches show check status drift sql))
{
	($rc, undef, $err) = migrate([ @app, $cmd, '--dry-run' ]);
	is($rc, 2, "$cmd --dry-run: refused (it changes nothing)");
}

done_testing();

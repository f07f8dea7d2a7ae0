# migrate db start|stop|reset|backup: the local development cluster, in a
# folder whose path has spaces, quotes and a dollar; the connection of the
# other commands falls back to it when no server is named; stop says what it
# did (issue 12, item 9: db-stop printed nothing); reset --dry-run changes
# nothing.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Utils;
use Test::More;
use MigrateCLI;

# the server refuses root, and so does migrate db, saying why
if ($> == 0)
{
	my ($rc, undef, $err) = migrate([ 'db', 'start' ],
		env => { MIGRATE_DEVDB => PostgreSQL::Test::Utils::tempdir() . '/devdb' });
	is($rc, 1, 'as root: db start refuses');
	like($err, qr/cannot be run as root/, 'as root: says so');
	like($err, qr/hint: Log in .* as the \(unprivileged\) user/, 'as root: the hint PostgreSQL gives');
  SKIP:
	{
		skip 'running as root: the development cluster runs as the invoking user '
		  . '(test/cli_tap.sh runs these tests as postgres)', 1;
	}
	done_testing();
	exit 0;
}

my $top = PostgreSQL::Test::Utils::tempdir();
my $devdb = "$top/dev db 'q\"\$x";
my $backups = "$top/back ups";
my %env = (MIGRATE_DEVDB => $devdb, BACKUP_DIR => $backups);
my $dir = migrations_dir();
revision_file($dir, 'aaaa00000001', 'first', [], q{'first'},
	'CREATE TABLE t1 (id int);', 'DROP TABLE t1;');

sub db
{
	my ($args, %o) = @_;
	return migrate($args, env => { %env, %{ $o{env} // {} } });
}

sub psql_dev    # sql -> output, through the connection string db start printed
{
	my ($conninfo, $sql) = @_;
	my ($out, $err);
	IPC::Run::run([ 'psql', '-X', '-A', '-t', '-d', $conninfo, '-c', $sql ], '>', \$out, '2>', \$err);
	die "psql: $err" if $?;
	chomp $out;
	return $out;
}

# nothing there yet
my ($rc, $out, $err) = db([ 'db', 'stop' ]);
is($rc, 0, 'stop without a cluster: exit 0');
like($out, qr/no development cluster in ".*dev db 'q"\$x": nothing to stop/, 'stop without a cluster: says so');
($rc, $out) = db([ 'db', 'start', '--dry-run' ]);
like($out, qr/would initialize a development cluster/, 'start --dry-run: says what it would do');
ok(!-e "$devdb/data", 'start --dry-run: made nothing');

# start: initdb, start, database and extension, the connection string
($rc, $out, $err) = db([ 'db', 'start' ]);
is($rc, 0, 'start: exit 0') or diag($err);
like($out, qr/^initialized a development cluster in ".*dev db 'q"\$x"$/m, 'start: initialized');
like($out, qr/^started the development cluster .*no TCP/m, 'start: started');
like($out, qr/^created database "migrate_dev" with the migrate extension \d/m, 'start: database and extension');
my ($conninfo) = $out =~ /^connection: (.*)$/m;
ok(defined $conninfo, 'start: prints the connection string');
ok(-S "$devdb/.s.PGSQL.5432", 'the socket is in the folder');
is(psql_dev($conninfo, 'SHOW listen_addresses'), '', 'no TCP listening');
is(psql_dev($conninfo, "SELECT extname FROM pg_extension WHERE extname = 'migrate'"),
	'migrate', 'the connection string reaches migrate_dev, extension created');

($rc, $out) = db([ 'db', 'start' ]);
is($rc, 0, 'start again: exit 0');
like($out, qr/is already running/, 'start again: says it is running');
unlike($out, qr/initialized|created database/, 'start again: nothing made twice');

# the other commands connect to it when no server is named
($rc, $out, $err) = db([ '--dir', $dir, 'upgrade' ]);
is($rc, 0, 'upgrade without a connection: the development cluster') or diag($err);
($rc, $out) = db([ '--dir', $dir, 'current' ]);
like($out, qr/^aaaa00000001 \(head\)/m, 'current in the development cluster');
is(psql_dev($conninfo, "SELECT to_regclass('t1') IS NOT NULL"), 't', 'the upgrade ran there');

# a named server is never replaced by it
my $other = PostgreSQL::Test::Utils::tempdir();
($rc, undef, $err) = db([ '-h', $other, '--dir', $dir, 'current' ]);
is($rc, 3, '-h names a server: no fallback (exit 3, unreachable)');
($rc, undef, $err) = db([ '--dir', $dir, 'current' ], env => { PGHOST => $other });
is($rc, 3, 'PGHOST names a server: no fallback');

# reset --dry-run changes nothing
($rc, $out) = db([ 'db', 'reset', '--dry-run' ]);
is($rc, 0, 'reset --dry-run: exit 0');
like($out, qr/would drop database "migrate_dev"/, 'reset --dry-run: says what it would drop');
is(psql_dev($conninfo, "SELECT to_regclass('t1') IS NOT NULL"), 't', 'reset --dry-run: the table is still there');
($rc, $out) = db([ '--dir', $dir, 'current' ]);
like($out, qr/^aaaa00000001/m, 'reset --dry-run: still at the revision');

# backup: pg_dump -Fc into BACKUP_DIR, the path on stdout
($rc, $out, $err) = db([ 'db', 'backup' ]);
is($rc, 0, 'backup: exit 0') or diag($err);
chomp(my $dump = $out);
like($dump, qr{^\Q$backups\E/migrate_dev-\d{8}T\d{6}Z\.dump$}, 'backup: a timestamped name in BACKUP_DIR');
ok(-s $dump, 'backup: the file is there');
my $list = `pg_restore --list "$dump"`;
like($list, qr/TABLE DATA public t1/, 'backup: a custom-format dump with the table');
($rc, $out) = db([ 'db', 'backup' ]);
chomp $out;
isnt($out, $dump, 'a second backup in the same second does not overwrite the first');
ok(-s $dump && -s $out, 'both backups are there');

# reset: the database again, empty, with the extension
($rc, $out, $err) = db([ 'db', 'reset' ]);
is($rc, 0, 'reset: exit 0') or diag($err);
like($out, qr/dropped and created database "migrate_dev"/, 'reset: says what it did');
is(psql_dev($conninfo, "SELECT to_regclass('t1') IS NULL"), 't', 'reset: the table is gone');
is(psql_dev($conninfo, "SELECT count(*) FROM pg_extension WHERE extname = 'migrate'"), '1',
	'reset: the extension is there');
($rc, $out) = db([ '--dir', $dir, 'current' ]);
is($out, '', 'reset: nothing applied');

# stop says what it did, also when there was nothing to do
($rc, $out) = db([ 'db', 'stop', '--dry-run' ]);
like($out, qr/would stop/, 'stop --dry-run: says so');
ok(-S "$devdb/.s.PGSQL.5432", 'stop --dry-run: still running');
($rc, $out) = db([ 'db', 'stop' ]);
is($rc, 0, 'stop: exit 0');
like($out, qr/^stopped the development cluster in ".*dev db 'q"\$x"/m, 'stop: says it stopped');
ok(!-e "$devdb/.s.PGSQL.5432", 'stop: the socket is gone');
($rc, $out) = db([ 'db', 'stop' ]);
is($rc, 0, 'stop when not running: exit 0');
like($out, qr/is not running: nothing to stop/, 'stop when not running: says so');
($rc, $out) = db([ 'db', 'reset', '--dry-run' ]);
like($out, qr/would start the development cluster/, 'reset --dry-run when stopped: would start it');
ok(!-e "$devdb/.s.PGSQL.5432", 'reset --dry-run when stopped: did not start it');

# a command without a server starts it again, saying so on stderr
($rc, $out, $err) = db([ '--dir', $dir, 'upgrade' ]);
is($rc, 0, 'upgrade with the cluster stopped: started and applied') or diag($err);
like($err, qr/started the development cluster/, 'the start is reported on stderr');
unlike($out, qr/started the development cluster/, 'stdout stays the command\'s');

# usage
($rc, undef, $err) = db([ 'db', 'restart' ]);
is($rc, 2, 'unknown db subcommand: exit 2');
like($err, qr/unknown db subcommand "restart"/, 'unknown db subcommand: named');
($rc, undef, $err) = db([ 'db' ]);
is($rc, 2, 'db without a subcommand: exit 2');
($rc, $out) = db([ 'db', '--help' ]);
like($out, qr/MIGRATE_DEVDB/, 'db --help documents MIGRATE_DEVDB');

($rc, $out) = db([ 'db', 'stop' ]);
like($out, qr/^stopped/m, 'stopped at the end');

done_testing();

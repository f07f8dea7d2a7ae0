# Non-transactional revisions through the program (issue 14), as a deploying
# role that is not a superuser and holds exactly the rights the README gives,
# with migrate.guard = error set for the database: the upgrade and downgrade
# go through CREATE/DROP INDEX CONCURRENTLY; a revision cannot build on a
# table the role has no rights on; the deploy killed in the middle of an
# index build (its backend terminated, or the program itself killed) is
# resumed by the next run, nothing applied twice; a file with its own
# BEGIN/COMMIT is refused with what to do.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MigrateCLI;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', q{
SET client_min_messages = warning;
CREATE EXTENSION migrate;
SET migrate.guard = off;
CREATE ROLE deployer LOGIN;
CREATE ROLE other LOGIN;
GRANT EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean),
  migrate_upgrade(text, boolean, integer), migrate_downgrade(text, boolean),
  migrate_upgrade_commands(text, integer), migrate_downgrade_commands(text),
  migrate_nontransactional_step(text, text, integer), migrate_nontransactional_done(text, text)
  TO deployer;
CREATE SCHEMA shop AUTHORIZATION deployer;
CREATE TABLE public.secret (id int, s text);
ALTER TABLE public.secret OWNER TO other;
GRANT SELECT ON public.secret TO deployer;
ALTER DATABASE app SET migrate.guard = error;
});
my $dir = migrations_dir();
my @base = ('-h', $node->host, '-p', $node->port, '-U', 'deployer', '-d', 'app', '--dir', $dir);
sub sql { return $node->safe_psql('app', shift) }
sub run { my @a = @_; return migrate([ @base, @a ]) }
sub current { return sql('SELECT pg_catalog.string_agg(c, \',\') FROM pg_catalog.migrate_current() AS c') }
sub drift { return sql('SELECT count(*) FROM migrate.drift') }
sub nontx_file
{
	my ($id, $down, $up, $downgrade, $message) = @_;
	write_migration($dir, "${id}_x.sql", <<"SQL");
SELECT migrate_revision('$id', '{$down}', \$u\$$up\$u\$, \$d\$$downgrade\$d\$, \$m\$$message\$m\$, transactional => false);
SQL
}

my $drift0 = drift();
revision_file($dir, 'aaaa00000001', 'items', [], q{'items'},
	q{CREATE TABLE shop.items (id int PRIMARY KEY, name text);
INSERT INTO shop.items SELECT g, 'n' || g FROM generate_series(1, 500) g;},
	'DROP TABLE shop.items;');
nontx_file('bbbb00000002', 'aaaa00000001',
	qq{CREATE INDEX CONCURRENTLY "it's name" ON shop.items (name);\nCREATE UNIQUE INDEX CONCURRENTLY "items name_id" ON shop.items (name, id)},
	qq{DROP INDEX CONCURRENTLY shop."items name_id";\nDROP INDEX CONCURRENTLY shop."it's name"},
	q{index it's name});

my ($rc, $out, $err) = run('upgrade');
is($rc, 0, 'deployer: upgrade through the revision') or diag($err);
like($out, qr/^  recorded bbbb00000002 applied$/m, 'deployer: the revision recorded');
is(current(), 'bbbb00000002', 'deployer: at the head');
is(sql(q{SELECT count(*) FROM pg_index WHERE indisvalid AND indrelid = 'shop.items'::regclass}), 3, 'deployer: the indexes are valid');
is(drift(), $drift0, 'deployer: no drift recorded');
($rc, $out, $err) = run('downgrade', 'aaaa00000001');
is($rc, 0, 'deployer: downgrade through the revision') or diag($err);
like($out, qr/DROP INDEX CONCURRENTLY shop\."it's name"\n  recorded bbbb00000002 unapplied/, 'deployer: dropped concurrently');
is(sql(q{SELECT count(*) FROM pg_index WHERE indrelid = 'shop.items'::regclass}), 1, 'deployer: the indexes are gone');
is(drift(), $drift0, 'deployer: still no drift');
($rc, undef, $err) = run('upgrade');
is($rc, 0, 'deployer: upgrade again') or diag($err);

# a table the deployer has no rights on: the server refuses the build, nothing is recorded done
nontx_file('cccc00000003', 'bbbb00000002', 'CREATE INDEX CONCURRENTLY secret_s ON public.secret (s)',
	'DROP INDEX CONCURRENTLY public.secret_s', 'on secret');
($rc, $out, $err) = run('upgrade');
is($rc, 1, 'no rights: the upgrade fails');
like($err, qr/must be owner of table secret \(SQLSTATE 42501\)/, 'no rights: the server\'s refusal');
like($err, qr/Statement 1 of 1 of revision cccc00000003 failed; it stays in progress/, 'no rights: which statement');
is(sql(q{SELECT to_regclass('public.secret_s') IS NULL}), 't', 'no rights: no index built');
is(sql(q{SELECT revision || ' ' || next FROM migrate_in_progress()}), 'cccc00000003 1', 'no rights: in progress at statement 1');
is(current(), 'bbbb00000002', 'no rights: not applied');
# the owner fixes it: the deployer gets to own the table (and may create in
# its schema), and the same upgrade resumes
sql(q{SET migrate.guard = off; ALTER TABLE public.secret OWNER TO deployer; GRANT CREATE ON SCHEMA public TO deployer});
$drift0 = drift();    # those two, recorded: the guard is off, not blind
($rc, $out, $err) = run('upgrade');
is($rc, 0, 'rights given: the same upgrade finishes') or diag($err);
like($out, qr/^  recorded cccc00000003 applied$/m, 'rights given: the revision recorded');
is(current(), 'cccc00000003', 'rights given: applied');

# killed in the middle of an index build: an open transaction that keeps
# its snapshot (REPEATABLE READ, so even while idle) makes CREATE INDEX
# CONCURRENTLY wait at its end, after it made the (still INVALID) index
sql(q{SET migrate.guard = off; INSERT INTO shop.items SELECT g, 'n' || g FROM generate_series(501, 1000) g});
nontx_file('dddd00000004', 'cccc00000003',
	qq{CREATE INDEX CONCURRENTLY items_lower ON shop.items (lower(name));\nCREATE INDEX CONCURRENTLY items_upper ON shop.items (upper(name))},
	qq{DROP INDEX CONCURRENTLY shop.items_upper;\nDROP INDEX CONCURRENTLY shop.items_lower}, 'lower and upper');
sub hold
{
	my $h = $node->background_psql('app');
	$h->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
	$h->query_safe('SELECT pg_catalog.txid_current()');
	return $h;
}
sub start_upgrade
{
	my ($sout, $serr) = ('', '');
	my $h = IPC::Run::start([ $MigrateCLI::program, @base, 'upgrade' ], '<', \'', '>', \$sout, '2>', \$serr);
	unless ($node->poll_query_until('app',
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX CONCURRENTLY items_lower%'}))
	{
		$h->signal('KILL');
		$h->finish;
		die "the index build did not start waiting: $sout $serr";
	}
	return ($h, \$sout, \$serr);
}

# 1. its backend terminated from the server side
my $holder = hold();
my ($h, $sout, $serr) = start_upgrade();
# a second deployer meanwhile: refused, runs nothing
($rc, $out, $err) = run('upgrade');
is($rc, 1, 'second deployer: refused while the first runs');
like($err, qr/revision "dddd00000004" is being applied by another session/, 'second deployer: says who');
sql(q{SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY items_lower%'});
$h->finish;
is($? >> 8, 1, 'terminated: the program exits 1');
like($$sout, qr/revision dddd00000004 left in progress/, 'terminated: the closing line says in progress');
$holder->quit;
is(sql(q{SELECT revision || ' ' || next || ' ' || session_alive FROM migrate_in_progress()}), 'dddd00000004 1 false',
	'terminated: in progress at statement 1, its session gone');
is(sql(q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'shop.items_lower'::regclass}), 'f', 'terminated: an INVALID index left');
($rc, $out, $err) = run('upgrade');
is($rc, 0, 'terminated: the next upgrade resumes') or diag($err);
like($out, qr/^  before statement 1 of 2, dropping what the failed run left: DROP INDEX CONCURRENTLY IF EXISTS shop\.items_lower\n  statement 1 of 2: CREATE INDEX CONCURRENTLY items_lower/m,
	'terminated: the INVALID index dropped, then built again');
is(sql(q{SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid IN ('shop.items_lower'::regclass, 'shop.items_upper'::regclass)}), 2,
	'terminated: both indexes valid');
is(sql(q{SELECT count(*) FROM migrate.log WHERE revision = 'dddd00000004'}), 1, 'terminated: logged once');
is(drift(), $drift0, 'terminated: no drift recorded');

# 2. the program itself killed (SIGKILL): its backend goes on and completes
# the statement it runs; the next run starts from the statement after it
($rc, undef, $err) = run('downgrade', 'cccc00000003');
is($rc, 0, 'downgrade for the second kill') or diag($err);
$holder = hold();
($h, $sout, $serr) = start_upgrade();
$h->signal('KILL');
$h->finish;
$holder->quit;
$node->poll_query_until('app', q{SELECT next = 2 AND NOT session_alive FROM migrate_in_progress()})
  or die 'the orphaned statement did not complete';
is(sql(q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'shop.items_lower'::regclass}), 't',
	'program killed: the statement it ran completed, valid');
($rc, $out, $err) = run('upgrade');
is($rc, 0, 'program killed: the next upgrade resumes') or diag($err);
unlike($out, qr/statement 1 of 2/, 'program killed: statement 1 is not run again');
like($out, qr/statement 2 of 2: CREATE INDEX CONCURRENTLY items_upper/, 'program killed: statement 2 runs');
is(current(), 'dddd00000004', 'program killed: applied');
is(sql(q{SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid IN ('shop.items_lower'::regclass, 'shop.items_upper'::regclass)}), 2,
	'program killed: both indexes valid');
is(drift(), $drift0, 'program killed: no drift recorded');

# a file written for psql -f, with its own BEGIN/COMMIT: refused, with what to do
write_migration($dir, 'eeee00000005_wrapped.sql', <<'SQL');
SELECT migrate_revision('eeee00000005', '{dddd00000004}',
    E'BEGIN;\nALTER TABLE shop.items ADD COLUMN price int;\nCOMMIT;',
    'ALTER TABLE shop.items DROP COLUMN price', 'wrapped');
SQL
($rc, $out, $err) = run('upgrade');
is($rc, 1, 'BEGIN/COMMIT in a file: refused');
like($err, qr/upgrade of revision "eeee00000005" starts a transaction of its own/, 'BEGIN/COMMIT: the error');
like($err, qr/Its first statement is "BEGIN" and its last "COMMIT"/, 'BEGIN/COMMIT: the detail');
like($err, qr/Remove the BEGIN and the COMMIT: migrate runs every revision in a transaction/, 'BEGIN/COMMIT: the hint');
is(sql(q{SELECT count(*) FROM pg_attribute WHERE attrelid = 'shop.items'::regclass AND attname = 'price'}), 0,
	'BEGIN/COMMIT: nothing applied');
is(sql(q{SELECT count(*) FROM migrate.revision WHERE revision = 'eeee00000005'}), 0, 'BEGIN/COMMIT: nothing registered');

done_testing();

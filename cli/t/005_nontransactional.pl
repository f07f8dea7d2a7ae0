# upgrade and downgrade through a non-transactional revision (issue 14): the
# transactional steps before it are committed, its CREATE INDEX CONCURRENTLY
# statements run one by one outside a transaction block, it is recorded and
# the deploy goes on; a failing unique build leaves the revision in progress
# and says so, and the same upgrade resumes once the data is fixed;
# --dry-run prints the commands and changes nothing; create --nontransactional
# writes transactional => false.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MigrateCLI;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');
my $dir = migrations_dir();
my @base = ('-h', $node->host, '-p', $node->port, '-d', 'app', '--dir', $dir);
# the guard at its strictest: the statements must pass it in band
my %guard = (env => { PGOPTIONS => '-c migrate.guard=error' });
sub sql { return $node->safe_psql('app', shift) }
sub current { return sql('SELECT pg_catalog.string_agg(c, \',\') FROM pg_catalog.migrate_current() AS c') }
sub indexes
{
	return sql(q{SELECT pg_catalog.string_agg(i.indexrelid::regclass::text || ':' || i.indisvalid, ' ' ORDER BY i.indexrelid::regclass::text COLLATE "C")
	               FROM pg_index AS i WHERE i.indrelid = 'users'::regclass});
}

revision_file($dir, 'aaaa00000001', 'users', [], q{'users'},
	q{CREATE TABLE users (id int PRIMARY KEY, email text);
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100) g;},
	'DROP TABLE users;');
# a quote in the index name, a comment and a newline in the body: the statements
# are sent as the server's parser splits them
write_migration($dir, 'bbbb00000002_ix.sql', <<'SQL');
SELECT migrate_revision('bbbb00000002', '{aaaa00000001}',
    E'-- without locking out writes\nCREATE INDEX CONCURRENTLY "users_email''ix" ON users (email);\nCREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)',
    E'DROP INDEX CONCURRENTLY users_email_key;\nDROP INDEX CONCURRENTLY "users_email''ix"',
    E'index it''s\nemail', transactional => false);
SQL
revision_file($dir, 'cccc00000003', 'phone', ['bbbb00000002'], q{'phone'},
	'ALTER TABLE users ADD COLUMN phone text;', 'ALTER TABLE users DROP COLUMN phone;');

# --dry-run: the commands in order, nothing changed (not even the extension)
my ($rc, $out, $err) = migrate([ @base, 'upgrade', '--dry-run' ], %guard);
is($rc, 0, 'dry run: exit 0');
like($out, qr/^SELECT\ revision,\ message\ FROM\ pg_catalog\.migrate_upgrade\('head'\);\n
	SELECT\ pg_catalog\.migrate_nontransactional_step\('bbbb00000002',\ 'upgrade',\ 1\);\n
	CREATE\ INDEX\ CONCURRENTLY\ "users_email'ix"\ ON\ users\ \(email\);\n
	SELECT\ pg_catalog\.migrate_nontransactional_step\('bbbb00000002',\ 'upgrade',\ 2\);\n
	CREATE\ UNIQUE\ INDEX\ CONCURRENTLY\ users_email_key\ ON\ users\ \(email\);\n
	SELECT\ pg_catalog\.migrate_nontransactional_done\('bbbb00000002',\ 'upgrade'\);\n
	SELECT\ revision,\ message\ FROM\ pg_catalog\.migrate_upgrade\('head'\);\n
	dry\ run:\ 7\ command\(s\)\ would\ run,\ outside\ a\ transaction\ block;\ nothing\ changed\n\z/mx,
	'dry run: the commands, then the closing line');
is(sql(q{SELECT count(*) FROM pg_extension WHERE extname = 'migrate'}), '0', 'dry run: nothing created');

# the upgrade: a1 committed, the index built statement by statement, c3 after it
($rc, $out, $err) = migrate([ @base, 'upgrade' ], %guard);
is($rc, 0, 'upgrade through the revision: exit 0') or diag($err);
like($out, qr/^upgrading\ <base>\ ->\ aaaa00000001,\ users\ \.\.\.\ [0-9.]+\ ms\n
	upgrading\ aaaa00000001\ ->\ bbbb00000002,\ index\ it's\\nemail\ \(non-transactional:\ 2\ statement\(s\),\ each\ committed\ on\ its\ own\)\n
	\ \ statement\ 1\ of\ 2:\ CREATE\ INDEX\ CONCURRENTLY\ "users_email'ix"\ ON\ users\ \(email\)\n
	\ \ statement\ 2\ of\ 2:\ CREATE\ UNIQUE\ INDEX\ CONCURRENTLY\ users_email_key\ ON\ users\ \(email\)\n
	\ \ recorded\ bbbb00000002\ applied\n
	upgrading\ bbbb00000002\ ->\ cccc00000003,\ phone\ \.\.\.\ [0-9.]+\ ms\n
	applied\ 3\ revision\(s\),\ 1\ of\ them\ non-transactional:\ now\ at\ cccc00000003\ \(head\)\n\z/mx,
	'upgrade: a line per step and per statement, the closing line');
is(current(), 'cccc00000003', 'upgrade: at the head');
is(indexes(), q{"users_email'ix":true users_email_key:true users_pkey:true}, 'upgrade: the indexes are valid');
is(sql('SELECT drift FROM pg_catalog.migrate_status()'), '0', 'upgrade: no drift recorded');

# nothing left: an ordinary upgrade
($rc, $out) = migrate([ @base, 'upgrade' ], %guard);
like($out, qr/^nothing to apply: at cccc00000003 \(head\)$/m, 'upgrade at head: nothing to apply');

# the downgrade through it, with DROP INDEX CONCURRENTLY
($rc, $out, $err) = migrate([ @base, 'downgrade', 'aaaa00000001' ], %guard);
is($rc, 0, 'downgrade through the revision: exit 0') or diag($err);
like($out, qr/^downgrading\ cccc00000003\ ->\ bbbb00000002,\ phone\ .*\n
	downgrading\ bbbb00000002\ ->\ aaaa00000001,\ index.*\n
	\ \ statement\ 1\ of\ 2:\ DROP\ INDEX\ CONCURRENTLY\ users_email_key\n
	\ \ statement\ 2\ of\ 2:\ DROP\ INDEX\ CONCURRENTLY\ "users_email'ix"\n
	\ \ recorded\ bbbb00000002\ unapplied\n
	unapplied\ 2\ revision\(s\),\ 1\ of\ them\ non-transactional:\ now\ at\ aaaa00000001\n\z/mx,
	'downgrade: the lines and the closing line');
is(current(), 'aaaa00000001', 'downgrade: at aaaa00000001');
is(indexes(), 'users_pkey:true', 'downgrade: the indexes are gone');

# a target short of the revision: an ordinary upgrade in one transaction
($rc, $out) = migrate([ @base, 'downgrade', 'base' ], %guard);
($rc, $out) = migrate([ @base, 'upgrade', 'aaaa00000001' ], %guard);
like($out, qr/\Aupgrading <base> -> aaaa00000001, users .*\napplied 1 revision\(s\): now at aaaa00000001\n\z/,
	'upgrade to before the revision: an ordinary one');

# duplicates: the unique build fails; what ran before it stays, and it says so
sql(q{UPDATE users SET email = 'same' WHERE id <= 2});
($rc, $out, $err) = migrate([ @base, 'upgrade' ], %guard);
is($rc, 1, 'failing unique build: exit 1');
like($err, qr/could not create unique index "users_email_key" \(SQLSTATE 23505\)/, 'failing build: the server error');
like($err, qr/Statement 2 of 2 of revision bbbb00000002 failed; it stays in progress/, 'failing build: which statement');
like($err, qr/hint: Fix the cause and run the same upgrade again: it resumes/, 'failing build: the way on');
like($out, qr/^upgrade failed: 0 revision\(s\) committed before the failure stay applied \(not rolled back\), revision bbbb00000002 left in progress; now at aaaa00000001\n\z/m,
	'failing build: the closing line says what stays');
is(sql('SELECT revision || \' \' || direction || \' \' || next FROM pg_catalog.migrate_in_progress()'),
	'bbbb00000002 upgrade 2', 'failing build: the revision is in progress at statement 2');
is(current(), 'aaaa00000001', 'failing build: still at aaaa00000001');
is(indexes(), q{"users_email'ix":true users_email_key:false users_pkey:true}, 'failing build: an INVALID index left');

($rc, undef, $err) = migrate([ @base, 'check' ]);
like($err, qr/revision bbbb00000002 was left half done/, 'check: names the half-done revision');

# fixed data: the same upgrade resumes at statement 2, after dropping the INVALID index
sql(q{UPDATE users SET email = 'u' || id WHERE email = 'same'});
($rc, $out, $err) = migrate([ @base, 'upgrade' ], %guard);
is($rc, 0, 'resumed upgrade: exit 0') or diag($err);
like($out, qr/^upgrading\ aaaa00000001\ ->\ bbbb00000002,\ .*;\ resuming\)\n
	\ \ before\ statement\ 2\ of\ 2,\ dropping\ what\ the\ failed\ run\ left:\ DROP\ INDEX\ CONCURRENTLY\ IF\ EXISTS\ public\.users_email_key\n
	\ \ statement\ 2\ of\ 2:\ CREATE\ UNIQUE\ INDEX\ CONCURRENTLY\ users_email_key\ ON\ users\ \(email\)\n
	\ \ recorded\ bbbb00000002\ applied\n
	upgrading\ bbbb00000002\ ->\ cccc00000003,\ phone\ .*\n
	applied\ 2\ revision\(s\),\ 1\ of\ them\ non-transactional:\ now\ at\ cccc00000003\ \(head\)\n\z/mx,
	'resumed upgrade: from statement 2, the rest after it');
unlike($out, qr/statement 1 of 2/, 'resumed upgrade: statement 1 does not run again');
is(indexes(), q{"users_email'ix":true users_email_key:true users_pkey:true}, 'resumed upgrade: the indexes are valid');
is(sql('SELECT count(*) FROM pg_catalog.migrate_in_progress()'), '0', 'resumed upgrade: nothing in progress');
is(sql('SELECT drift FROM pg_catalog.migrate_status()'), '0', 'resumed upgrade: no drift recorded');

# a failure in a transactional step after it: that step rolls back, the revision stays applied
revision_file($dir, 'dddd00000004', 'bad', ['cccc00000003'], q{'bad'},
	'ALTER TABLE users ADD COLUMN zip text; SELECT 1/0;', 'ALTER TABLE users DROP COLUMN zip;');
write_migration($dir, 'eeee00000005_phone_index.sql', <<'SQL');
SELECT migrate_revision('eeee00000005', '{dddd00000004}', 'CREATE INDEX CONCURRENTLY users_phone ON users (phone)', 'DROP INDEX CONCURRENTLY users_phone', 'phone index', transactional => false);
SQL
($rc, $out, $err) = migrate([ @base, 'upgrade' ], %guard);
is($rc, 1, 'failing transactional step: exit 1');
like($err, qr/division by zero/, 'failing transactional step: the server error');
like($out, qr/^upgrade failed: 0 revision\(s\) committed before the failure stay applied \(not rolled back\); now at cccc00000003\n/m,
	'failing transactional step: nothing of it committed');
is(sql(q{SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'zip'}), '0',
	'failing transactional step: rolled back');
is(sql(q{SELECT count(*) FROM migrate.revision WHERE revision = 'dddd00000004'}), '1',
	'failing transactional step: the registration stays committed');
unlink("$dir/dddd00000004_bad.sql", "$dir/eeee00000005_phone_index.sql");
sql(q{SELECT pg_catalog.migrate_forget('eeee00000005'); SELECT pg_catalog.migrate_forget('dddd00000004')});

# create --nontransactional: an empty non-transactional revision that says so
($rc, $out, $err) = migrate([ @base, 'create', '--nontransactional', 'concurrent index' ]);
is($rc, 0, 'create --nontransactional: exit 0') or diag($err);
my ($id) = $out =~ m{/([0-9a-f]{12})_concurrent_index\.sql$}m;
ok($id, 'create --nontransactional: the file');
my $text = slurp_file("$dir/${id}_concurrent_index.sql");
like($text, qr/^-- Non-transactional \(transactional => false\)/m, 'create --nontransactional: the header says so');
like($text, qr/^    transactional => false,$/m, 'create --nontransactional: the flag in the call');
($rc, $out, $err) = migrate([ @base, 'upgrade' ]);
is($rc, 0, 'create --nontransactional: its file registers') or diag($err);
is(sql("SELECT transactional FROM migrate.revision WHERE revision = '$id'"), 'f',
	'create --nontransactional: registered non-transactional');
($rc, undef, $err) = migrate([ @base, 'downgrade', '-1', '--nontransactional' ]);
is($rc, 2, '--nontransactional belongs to create');

done_testing();

# Long deploys in batches and enum values added then used (issue 14).
# upgrade --commit-every N commits after every N revisions: each batch is
# atomic, a failure in batch 3 leaves batches 1 and 2 committed and the
# closing line says so, and the same upgrade resumes from there.  It works
# through a non-transactional revision, with the same command loop.  A
# revision that adds an enum value ends its batch even without the option,
# so the next revision can use the value; the server finds ADD VALUE by
# parsing, so the words in a comment or a string do not split a deploy.
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
sub sql { return $node->safe_psql('app', shift) }
sub current { return sql('SELECT pg_catalog.string_agg(c, \',\') FROM pg_catalog.migrate_current() AS c') }
sub tables { return sql(q{SELECT pg_catalog.count(*) FROM pg_class WHERE relname ~ '^t[0-9]+$' AND relkind = 'r'}) }

my $id = sub { sprintf('b%011d', shift) };
sub table_revision
{
	my ($i, $upgrade) = @_;
	my $down = $i == 1 ? [] : [ $id->($i - 1) ];
	# a quote and a newline in the message
	revision_file($dir, $id->($i), "t$i", $down, qq{E'table t$i''s\\nsecond line'},
		$upgrade // "CREATE TABLE t$i (a int);", "DROP TABLE t$i;");
}
table_revision($_) for 1 .. 7;
# revision 8 fails: batch 3 of 3 is t7, t8, t9
table_revision(8, 'CREATE TABLE t8 (a int); SELECT 1 / 0;');
table_revision(9);

# bad values are usage errors, before any connection
my ($rc, $out, $err) = migrate([ @base, 'upgrade', '--commit-every', '0' ]);
is($rc, 2, '--commit-every 0: usage error');
like($err, qr/--commit-every takes a number of revisions \(1 or more\), not "0"/, '--commit-every 0: says why');
($rc, $out, $err) = migrate([ @base, 'upgrade', '--commit-every', '3x' ]);
is($rc, 2, '--commit-every 3x: usage error');
($rc, $out, $err) = migrate([ @base, 'downgrade', 'base', '--commit-every', '3' ]);
is($rc, 2, '--commit-every on downgrade: usage error');
like($err, qr/--commit-every belongs to upgrade/, 'downgrade: says the option belongs to upgrade');

# the dry run shows the batches as commands; nothing changes
($rc, $out, $err) = migrate([ @base, 'upgrade', '--commit-every', '3', '--dry-run' ]);
is($rc, 0, 'dry run: exit 0');
like($out, qr/^SELECT\ revision,\ message\ FROM\ pg_catalog\.migrate_upgrade\('head',\ false,\ 3\);\n
	SELECT\ revision,\ message\ FROM\ pg_catalog\.migrate_upgrade\('head',\ false,\ 3\);\n
	SELECT\ revision,\ message\ FROM\ pg_catalog\.migrate_upgrade\('head'\);\n
	dry\ run:\ 3\ command\(s\)\ would\ run/mx, 'dry run: three batches, the last without a limit');
is(sql(q{SELECT pg_catalog.count(*) FROM pg_extension WHERE extname = 'migrate'}), '0', 'dry run: not even the extension');

# batch 3 fails: batches 1 and 2 stay, nothing of batch 3 (t7 included)
($rc, $out, $err) = migrate([ @base, 'upgrade', '--commit-every', '3' ]);
is($rc, 1, 'failure in batch 3: exit 1');
like($out, qr/batch 1 committed: 3 revision\(s\)\n(?:.*\n)*?  batch 2 committed: 3 revision\(s\)\n/,
	'failure in batch 3: batches 1 and 2 reported committed');
unlike($out, qr/batch 3 committed/, 'failure in batch 3: batch 3 not reported committed');
like($err, qr/division by zero/, 'failure in batch 3: the error');
like($out, qr/^upgrade failed: 2 batch\(es\) committed \(6 revision\(s\)\); batch 3 rolled back: nothing of it applied; now at b00000000006\n\z/m,
	'failure in batch 3: the closing line says what was committed and what not');
is(current(), $id->(6), 'failure in batch 3: at the end of batch 2');
is(tables(), '6', 'failure in batch 3: t7 of batch 3 rolled back with t8');
is(sql(q{SELECT pg_catalog.count(*) FROM migrate_log() WHERE direction = 'upgrade'}), '6',
	'failure in batch 3: six steps logged');

# fixed, the same upgrade resumes from the last batch committed
table_revision(8);
($rc, $out, $err) = migrate([ @base, 'upgrade', '--commit-every', '3' ]);
is($rc, 0, 'rerun: exit 0') or diag($err);
unlike($out, qr/-> b00000000006,/, 'rerun: nothing of batches 1 and 2 again');
like($out, qr/^applied 3 revision\(s\) in 1 batch\(es\): now at b00000000009 \(head\)\n\z/m, 'rerun: the closing line');
is(tables(), '9', 'rerun: every table');

# a non-transactional revision in the middle: the same command loop
table_revision(10);
write_migration($dir, 'b00000000011_ix.sql', <<'SQL');
SELECT migrate_revision('b00000000011', '{b00000000010}',
    'CREATE INDEX CONCURRENTLY "t1''ix" ON t1 (a)', 'DROP INDEX CONCURRENTLY "t1''ix"',
    'index', transactional => false);
SQL
revision_file($dir, $id->($_), "t$_", [ $id->($_ - 1) ], q{'t'}, "CREATE TABLE t$_ (a int);", "DROP TABLE t$_;")
  for 12 .. 14;
($rc, $out, $err) = migrate([ @base, 'upgrade', '--commit-every', '2' ]);
is($rc, 0, 'through a non-transactional revision: exit 0') or diag($err);
like($out, qr/->\ b00000000010,.*\n\ \ batch\ 1\ committed:\ 1\ revision\(s\)\n
	(?:.*\n)*?\ \ statement\ 1\ of\ 1:\ CREATE\ INDEX\ CONCURRENTLY\ "t1'ix"\ ON\ t1\ \(a\)\n
	\ \ recorded\ b00000000011\ applied\n
	(?:.*\n)*?\ \ batch\ 2\ committed:\ 2\ revision\(s\)\n
	(?:.*\n)*?\ \ batch\ 3\ committed:\ 1\ revision\(s\)\n/x,
	'through a non-transactional revision: a batch, the statement, two batches');
like($out, qr/^applied 5 revision\(s\) in 3 batch\(es\) and 1 non-transactional revision\(s\): now at b00000000014 \(head\)\n\z/m,
	'through a non-transactional revision: the closing line');
is(sql(q{SELECT indisvalid FROM pg_index WHERE indexrelid = '"t1''ix"'::regclass}), 't', 'the index is built and valid');

# ---- enum values added, then used ----
$node->safe_psql('postgres', 'CREATE DATABASE enums');
$node->safe_psql('postgres', 'CREATE DATABASE onetx');
my $edir = migrations_dir();
my @ebase = ('-h', $node->host, '-p', $node->port, '-d', 'enums', '--dir', $edir);
revision_file($edir, 'e00000000001', 'mood', [], q{'mood'},
	q{CREATE TYPE mood AS ENUM ('sad');
-- ALTER TYPE mood ADD VALUE 'not really': a comment
COMMENT ON TYPE mood IS 'ALTER TYPE mood ADD VALUE ''nor this''';
CREATE TABLE feeling (id int, value text);}, 'DROP TABLE feeling; DROP TYPE mood;');
# a quote in the new value
revision_file($edir, 'e00000000002', 'add_value', ['e00000000001'], q{'add'},
	q{ALTER TYPE mood ADD VALUE IF NOT EXISTS 'it''s ok';}, q{SELECT 'enum values cannot be removed';});
revision_file($edir, 'e00000000003', 'use_value', ['e00000000002'], q{'use'},
	q{ALTER TABLE feeling ADD COLUMN m mood DEFAULT 'it''s ok';
INSERT INTO feeling (id) VALUES (1);}, 'ALTER TABLE feeling DROP COLUMN m;');

# in one transaction, as psql's migrate_upgrade('head') runs it, the use fails
$node->safe_psql('onetx', 'CREATE EXTENSION migrate');
for my $f (glob("$edir/*.sql"))
{
	$node->safe_psql('onetx', slurp_file($f));
}
my ($prc, $pout, $perr) = $node->psql('onetx', q{SELECT pg_catalog.count(*) FROM migrate_upgrade('head')});
isnt($prc, 0, 'one transaction: the upgrade fails');
like($perr, qr/unsafe use of new value "it's ok" of enum type mood/, 'one transaction: unsafe use of new value');

# the program commits between the two revisions, without being asked
($rc, $out, $err) = migrate([ @ebase, 'upgrade' ]);
is($rc, 0, 'enum: the deploy succeeds') or diag($err);
like($out, qr/-> e00000000002, add .*\n  batch 1 committed: 2 revision\(s\)\n.*-> e00000000003, use .*\n  batch 2 committed: 1 revision\(s\)\n/,
	'enum: a commit after the revision that adds the value');
like($out, qr/^applied 3 revision\(s\) in 2 batch\(es\): now at e00000000003 \(head\)\n\z/m, 'enum: the closing line');
is($node->safe_psql('enums', 'SELECT m FROM feeling'), "it's ok", 'enum: the value is used');

# the words ADD VALUE in a comment or a string, a column named value, and
# RENAME VALUE do not split: one transaction, as before
revision_file($edir, 'e00000000004', 'rename', ['e00000000003'], q{'rename'},
	q{ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';
COMMENT ON COLUMN feeling.value IS 'no ALTER TYPE ... ADD VALUE here';}, q{ALTER TYPE mood RENAME VALUE 'blue' TO 'sad';});
revision_file($edir, 'e00000000005', 'more', ['e00000000004'], q{'more'},
	q{UPDATE feeling SET value = 'blue';}, q{UPDATE feeling SET value = NULL;});
($rc, $out, $err) = migrate([ @ebase, 'upgrade' ]);
is($rc, 0, 'no enum value added: exit 0') or diag($err);
unlike($out, qr/batch/, 'no enum value added: no batches');
like($out, qr/^applied 2 revision\(s\): now at e00000000005 \(head\)\n\z/m, 'no enum value added: one transaction');

# a failure after the enum batch: the value stays, the rest rolls back, a rerun resumes
revision_file($edir, 'e00000000006', 'add2', ['e00000000005'], q{'add2'},
	q{ALTER TYPE mood ADD VALUE 'glad';}, q{SELECT 1;});
revision_file($edir, 'e00000000007', 'use2', ['e00000000006'], q{'use2'},
	q{UPDATE feeling SET m = 'glad'; SELECT 1 / 0;}, q{UPDATE feeling SET m = NULL;});
($rc, $out, $err) = migrate([ @ebase, 'upgrade' ]);
is($rc, 1, 'enum, failure after: exit 1');
like($out, qr/^upgrade failed: 1 batch\(es\) committed \(1 revision\(s\)\); batch 2 rolled back: nothing of it applied; now at e00000000006\n\z/m,
	'enum, failure after: the closing line');
is($node->safe_psql('enums', q{SELECT pg_catalog.count(*) FROM feeling WHERE m = 'glad'}), '0', 'enum, failure after: the use rolled back');
revision_file($edir, 'e00000000007', 'use2', ['e00000000006'], q{'use2'},
	q{UPDATE feeling SET m = 'glad';}, q{UPDATE feeling SET m = NULL;});
($rc, $out, $err) = migrate([ @ebase, 'upgrade' ]);
is($rc, 0, 'enum, rerun: exit 0') or diag($err);
like($out, qr/^applied 1 revision\(s\): now at e00000000007 \(head\)\n\z/m, 'enum, rerun: the rest in one transaction');
is($node->safe_psql('enums', q{SELECT m FROM feeling}), 'glad', 'enum, rerun: the new value used');

done_testing();

# Reading commands on a hot standby and as a role with no rights beyond
# connecting (issue 12, items 4 and 8): they work, register nothing, say
# what they could not compare; check still catches a file that is not
# registered, and, where it can register, an applied revision's file
# that was edited.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MigrateCLI;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE DATABASE app');
$primary->safe_psql('postgres', 'CREATE ROLE regress_reader LOGIN');
my $dir = migrations_dir();
my @on_primary = ('-h', $primary->host, '-p', $primary->port, '-d', 'app', '--dir', $dir);
revision_file($dir, 'aaaa00000001', 'users', [], q{'create users'},
	'CREATE TABLE users (id int);', 'DROP TABLE users;');
my ($rc, $out, $err) = migrate([ @on_primary, 'upgrade' ]);
is($rc, 0, 'upgrade on the primary');

$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);
my @on_standby = ('-h', $standby->host, '-p', $standby->port, '-d', 'app', '--dir', $dir);

for my $cmd (qw(current heads history status check))
{
	($rc, $out, $err) = migrate([ @on_standby, $cmd ]);
	is($rc, 0, "$cmd works on a hot standby");
}
like($err, qr/not compared with the database: the server is a standby/, 'check on a standby says what it did not compare');
($rc, $out) = migrate([ @on_standby, 'current' ]);
is($out, "aaaa00000001 (head)\n", 'current on the standby');

# a file the database does not know: pending on the primary, named on the standby
revision_file($dir, 'bbbb00000002', 'phone', ['aaaa00000001'], q{'add phone'},
	'ALTER TABLE users ADD COLUMN phone text;', 'ALTER TABLE users DROP COLUMN phone;');
($rc, $out, $err) = migrate([ @on_standby, 'check' ]);
is($rc, 1, 'check on the standby: an unregistered file is a problem');
like($out, qr/^bbbb00000002 \(not registered\) bbbb00000002_phone\.sql$/m, 'the file is named');
($rc, $out) = migrate([ @on_standby, 'history' ]);
like($out, qr/^bbbb00000002 \(not registered\)/m, 'history on the standby lists it as not registered');

# a role with no grants: reads, and check compares what it can
my @as_reader = (@on_primary, '-U', 'regress_reader');
($rc, $out) = migrate([ @as_reader, 'current' ]);
is($out, "aaaa00000001 (head)\n", 'a role without grants reads current');
($rc, $out, $err) = migrate([ @as_reader, 'check' ]);
is($rc, 1, 'check as a plain role: the unregistered file is a problem');
like($err, qr/this role may not call migrate_revision/, 'check as a plain role says why contents were not compared');
($rc, $out, $err) = migrate([ @as_reader, 'upgrade' ]);
is($rc, 1, 'upgrade as a plain role: refused');
like($err, qr/permission denied for function migrate_revision \(SQLSTATE 42501\)/, 'with the server\'s SQLSTATE');
unlink "$dir/bbbb00000002_phone.sql";
($rc) = migrate([ @as_reader, 'check' ]);
is($rc, 0, 'check as a plain role: agree once the file is gone');

# an applied revision's file edited: the server refuses it, check reports it
revision_file($dir, 'aaaa00000001', 'users', [], q{'create users'},
	'CREATE TABLE users (id bigint);', 'DROP TABLE users;');
($rc, $out, $err) = migrate([ @on_primary, 'check' ]);
is($rc, 1, 'check: an edited applied file is a problem');
like($err, qr/aaaa00000001_users\.sql: .*applied.* \(SQLSTATE 55000\)/, 'the file and the server\'s refusal');
($rc, $out, $err) = migrate([ @on_primary, 'upgrade' ]);
is($rc, 1, 'upgrade refuses it too');
like($out, qr/nothing applied: rolled back/, 'and says it rolled back');

done_testing();

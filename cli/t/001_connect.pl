# Connection failures told apart, and the extension checks: each with its
# exit code and a message that names the real cause (issue 12, item 3);
# reading commands never create the extension (item 4).
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use File::Basename qw(dirname);
use File::Path qw(make_path);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MigrateCLI;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');
my $dir = migrations_dir();
my @conn = ('-h', $node->host, '-p', $node->port);

# database missing: 3D000 on the server, exit 5
my ($rc, $out, $err) = migrate([ @conn, '-d', 'nosuchdb', '--dir', $dir, 'current' ]);
is($rc, 5, 'missing database: exit 5');
like($err, qr/database "nosuchdb" does not exist/, 'missing database: named');
unlike($err, qr/extension/, 'missing database: not reported as a missing extension');

# the same through a URL and through DATABASE_URL
($rc, undef, $err) = migrate([ '--dir', $dir, 'current' ],
	env => { DATABASE_URL => 'postgresql:///nosuchdb?host=' . $node->host . '&port=' . $node->port });
is($rc, 5, 'DATABASE_URL is the default connection');

# a role that does not exist: 28000, exit 4
($rc, undef, $err) = migrate([ @conn, '-U', 'regress_nobody', '-d', 'app', '--dir', $dir, 'current' ]);
is($rc, 4, 'unknown role: exit 4');
like($err, qr/authentication failed for user "regress_nobody"/, 'unknown role: authentication failed');

# extension available but not created: reading commands stop and create nothing
($rc, undef, $err) = migrate([ @conn, '-d', 'app', '--dir', $dir, 'current' ]);
is($rc, 6, 'extension not created: exit 6');
like($err, qr/the migrate extension is not created in database "app"/, 'extension not created: named');
for my $cmd (qw(heads history status check))
{
	($rc) = migrate([ @conn, '-d', 'app', '--dir', $dir, $cmd ]);
	is($rc, 6, "$cmd without the extension: exit 6");
}
# upgrade without its folder: stops before it creates anything
($rc, undef, $err) = migrate([ @conn, '-d', 'app', '--dir', "$dir/none", 'upgrade' ]);
is($rc, 2, 'no migrations folder: exit 2');
like($err, qr/the migrations folder ".*none" does not exist/, 'no migrations folder: named');
is($node->safe_psql('app', "SELECT count(*) FROM pg_extension WHERE extname = 'migrate'"),
	'0', 'reading commands (and an upgrade without files) created no extension');

# created at an older version
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', "CREATE EXTENSION migrate VERSION '1.1'");
($rc, undef, $err) = migrate([ @conn, '-d', 'old', '--dir', $dir, 'current' ]);
is($rc, 6, 'old extension version: exit 6');
like($err, qr/is at version 1\.1, this program needs/, 'old extension version: both versions named');
like($err, qr/ALTER EXTENSION migrate UPDATE/, 'old extension version: the way forward');

# password authentication: wrong password and none at all
$node->safe_psql('postgres',
	"SET password_encryption = 'scram-sha-256'; CREATE ROLE regress_pw LOGIN PASSWORD 'right'");
open my $hba, '>', $node->data_dir . '/pg_hba.conf' or die $!;
print $hba "local all regress_pw scram-sha-256\nlocal all all trust\n";
close $hba;
$node->reload;
($rc, undef, $err) = migrate([ @conn, '-U', 'regress_pw', '-d', 'app', '--dir', $dir, 'current' ],
	env => { PGPASSWORD => 'wrong' });
is($rc, 4, 'wrong password: exit 4');
like($err, qr/authentication failed for user "regress_pw"/, 'wrong password: authentication failed');
unlike($err, qr/does not exist/, 'wrong password: not reported as a missing database');
($rc, undef, $err) = migrate([ @conn, '-U', 'regress_pw', '-d', 'app', '--dir', $dir, 'current' ],
	env => { PGPASSFILE => '/dev/null' });
is($rc, 4, 'no password: exit 4');
like($err, qr/asks for a password/, 'no password: says a password is needed');
($rc, undef, $err) = migrate([ @conn, '-U', 'regress_pw', '-d', 'app', '--dir', $dir, 'current' ],
	env => { PGPASSWORD => 'right' });
is($rc, 6, 'right password: connected (the extension check comes next)');
($rc, undef, $err) = migrate([ @conn, '-W', '-U', 'regress_pw', '-d', 'app', '--dir', $dir, 'current' ],
	env => { PGPASSFILE => '/dev/null' }, stdin => "right\n");
is($rc, 6, '-W: the password read from the prompt (stdin without a terminal) connects');
($rc, undef, $err) = migrate([ @conn, '-w', '-U', 'regress_pw', '-d', 'app', '--dir', $dir, 'current' ],
	env => { PGPASSFILE => '/dev/null' }, stdin => "right\n");
is($rc, 4, '-w: never asks');

# server down
$node->stop;
($rc, undef, $err) = migrate([ @conn, '-d', 'app', '--dir', $dir, 'current' ]);
is($rc, 3, 'server down: exit 3');
like($err, qr/cannot reach the server/, 'server down: unreachable');
unlike($err, qr/extension/, 'server down: not reported as a missing extension');

# a server without the extension: a copy of the installation without its files
my $bindir = `pg_config --bindir`;
chomp $bindir;
(my $prefix = $bindir) =~ s{/lib/postgresql/\d+/bin$}{};
my $copy = PostgreSQL::Test::Utils::tempdir() . '/inst';
SKIP:
{
	my ($major) = $bindir =~ m{/lib/postgresql/(\d+)/bin$};
	skip 'not a Debian layout: cannot copy the installation', 2 unless $major;
	for my $part ("lib/postgresql/$major/bin", "lib/postgresql/$major/lib", "share/postgresql/$major")
	{
		make_path("$copy/" . dirname($part));
		system('cp', '-a', "$prefix/$part", "$copy/" . dirname($part)) == 0
		  or die "copying $part failed";
	}
	unlink glob("$copy/share/postgresql/$major/extension/migrate*");
	my $bare = PostgreSQL::Test::Cluster->new('bare', install_path => "$copy/lib/postgresql/$major");
	$bare->init;
	$bare->start;
	($rc, undef, $err) = migrate([ '-h', $bare->host, '-p', $bare->port, '-d', 'postgres',
		'--dir', $dir, 'upgrade' ]);
	is($rc, 6, 'extension not installed on the server: exit 6');
	like($err, qr/not installed on the server/, 'extension not installed: named');
	$bare->stop;
}

done_testing();

# Helpers for the TAP tests of the migrate program: run it, write
# migration files.
package MigrateCLI;

use strict;
use warnings;

use Exporter 'import';
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Spec;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(migrate write_migration revision_file migrations_dir app_cluster read_revision);

# the program under test: the build in cli/, unless MIGRATE names another
our $program = File::Spec->rel2abs($ENV{MIGRATE} // dirname(__FILE__) . '/../migrate');

# it runs in a folder of its own: ./models and ./migrations are the
# defaults, and the project's own models/ must not be taken for the test's
our $cwd;

# the tests name every connection themselves: the program runs without
# these unless a test passes them.  Deleting them once at load time is not
# enough, because PostgreSQL::Test::Cluster's INIT block sets PGHOST and
# PGPORT afterwards (and db's fallback is taken only when no server is named)
our @connection_env = qw(DATABASE_URL PGDATABASE PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD
  MIGRATIONS_DIR MODELS_DIR MODELS_DATABASE_URL);

# migrate(@args) -> (exit code, stdout, stderr); %opts: env => {...}, stdin => text
sub migrate
{
	my ($args, %opts) = @_;
	my ($out, $err) = ('', '');
	my $in = $opts{stdin} // '';
	local %ENV = %ENV;
	delete @ENV{@connection_env};
	%ENV = (%ENV, %{ $opts{env} // {} });
	$cwd //= PostgreSQL::Test::Utils::tempdir();
	IPC::Run::run([ $program, @$args ], '<', \$in, '>', \$out, '2>', \$err,
		init => sub { chdir $cwd or die "chdir: $!" });
	return ($? >> 8, $out, $err);
}

# a started cluster (named $name, 'main' by default) with a database app
# in which the extension is installed: what most tests begin with
sub app_cluster
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name // 'main');
	$node->init;
	$node->start;
	$node->safe_psql('postgres', 'CREATE DATABASE app');
	$node->safe_psql('app', 'CREATE EXTENSION migrate');
	return $node;
}

# the text of the revision file $id in $dir (the first, if several match)
sub read_revision
{
	my ($dir, $id) = @_;
	my ($f) = glob("$dir/${id}_*.sql");
	die "no revision file $id in $dir" unless defined $f;
	local $/;
	open my $fh, '<', $f or die "$f: $!";
	return <$fh>;
}

sub migrations_dir
{
	my $dir = PostgreSQL::Test::Utils::tempdir() . '/migrations';
	make_path($dir);
	return $dir;
}

sub write_migration
{
	my ($dir, $name, $content) = @_;
	open my $fh, '>', "$dir/$name" or die "$dir/$name: $!";
	print $fh $content;
	close $fh;
	return "$dir/$name";
}

# a file in the format migrate-create writes; the message is an SQL literal
sub revision_file
{
	my ($dir, $id, $slug, $down, $message_literal, $upgrade, $downgrade) = @_;
	$down = join(',', @$down);
	return write_migration($dir, "${id}_${slug}.sql", <<"SQL");
-- $slug
--
-- Revision ID: $id
SELECT migrate_revision(
    revision      => '$id',
    down_revision => '{$down}',
    message       => $message_literal,
    upgrade       => \$upgrade\$
$upgrade
\$upgrade\$,
    downgrade     => \$downgrade\$
$downgrade
\$downgrade\$
);
SQL
}

1;

# create and check compare privileges only with MIGRATE_WITH_PRIVILEGES,
# and owners only with MIGRATE_WITH_OWNERS (issue 13): off by default (a
# GRANT or an OWNER TO in the models is not a difference), on with 1, the
# statement written and undone, a role name with quotes, and a value that
# is not a boolean named in a warning.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MigrateCLI;

my $node = app_cluster();
$node->safe_psql('postgres', q{CREATE ROLE "it's ""r"""});
my $dir = migrations_dir();
my $models = PostgreSQL::Test::Utils::tempdir() . '/models';
mkdir $models or die "$models: $!";
my @base = ('-h', $node->host, '-p', $node->port, '-U', 'postgres', '-d', 'app', '--dir', $dir);
sub sql { return $node->safe_psql('app', shift) }
sub run { my ($env, @a) = @_; return migrate([ @base, @a ], env => { MODELS_DIR => $models, %$env }) }
sub file_of { return read_revision($dir, $_[0]) }
my $on = { MIGRATE_WITH_PRIVILEGES => '1' };
my $priv = q{SELECT has_table_privilege($$it's "r"$$, 'public.t', 'SELECT')};

write_migration($models, '01.sql', "CREATE TABLE public.t (id int);\n");
my ($rc, $out, $err) = run({}, 'create', 'table');
is($rc, 0, 'create the table') or diag($err);
($rc) = run({}, 'upgrade');
is($rc, 0, 'upgrade');

# a GRANT in the models: not compared by default
write_migration($models, '01.sql', qq{CREATE TABLE public.t (id int);\nGRANT SELECT ON public.t TO "it's ""r""";\n});
($rc, $out, $err) = run({}, 'check');
is($rc, 0, 'check without MIGRATE_WITH_PRIVILEGES: the grant is no difference') or diag($err);
like($out . $err, qr/models too/, 'the models were compared');
($rc, undef, $err) = run({ MIGRATE_WITH_PRIVILEGES => 'off' }, 'create', 'nothing');
is($rc, 1, 'create with MIGRATE_WITH_PRIVILEGES=off: nothing to autogenerate');

# on: check sees it, create writes it
($rc, undef, $err) = run($on, 'check');
is($rc, 1, 'check with MIGRATE_WITH_PRIVILEGES=1: the models differ');
like($err, qr/differ: 1 change/, 'one change');
($rc, $out, $err) = run($on, 'create', 'grant');
is($rc, 0, 'create with MIGRATE_WITH_PRIVILEGES=1') or diag($err);
my ($id) = $out =~ m{/([0-9a-f]{12})_grant\.sql$}m;
my $text = file_of($id);
like($text, qr/GRANT SELECT ON TABLE public\.t TO "it's ""r"""/, 'the upgrade grants, the role quoted');
like($text, qr/REVOKE SELECT ON TABLE public\.t FROM "it's ""r""" CASCADE/, 'the downgrade revokes');
($rc, undef, $err) = run($on, 'upgrade');
is($rc, 0, 'the grant applies') or diag($err);
is(sql($priv), 't', 'the role has the privilege');
($rc, $out, $err) = run($on, 'check');
is($rc, 0, 'check with privileges after the upgrade: agree') or diag($err);
($rc) = run($on, 'downgrade', '-1');
is($rc, 0, 'the downgrade runs');
is(sql($priv), 'f', 'and revokes the privilege');

# not a boolean: a warning, and taken as off
($rc) = run($on, 'upgrade');
($rc, $out, $err) = run({ MIGRATE_WITH_PRIVILEGES => "maybe\n" }, 'check');
like($err, qr/MIGRATE_WITH_PRIVILEGES="maybe\\n" is not a boolean: privileges are not compared/,
	'a value that is not a boolean is named, escaped');

# owners: an ALTER ... OWNER TO in the models is no difference by default
my $owner = q{SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 't'};
my $both = { MIGRATE_WITH_OWNERS => 'on' };
write_migration($models, '01.sql', qq{CREATE TABLE public.t (id int);\nGRANT SELECT ON public.t TO "it's ""r""";\n}
	. qq{ALTER TABLE public.t OWNER TO "it's ""r""";\n});
($rc, $out, $err) = run({}, 'check');
is($rc, 0, 'check without MIGRATE_WITH_OWNERS: the owner is no difference') or diag($err);
($rc, undef, $err) = run($both, 'check');
is($rc, 1, 'check with MIGRATE_WITH_OWNERS=on: the models differ');
($rc, $out, $err) = run($both, 'create', 'owner');
is($rc, 0, 'create with MIGRATE_WITH_OWNERS=on') or diag($err);
($id) = $out =~ m{/([0-9a-f]{12})_owner\.sql$}m;
$text = file_of($id);
like($text, qr/ALTER TABLE public\.t OWNER TO "it's ""r"""/, 'the upgrade gives the table to the role, quoted');
like($text, qr/ALTER TABLE public\.t OWNER TO postgres/, 'the downgrade gives it back');
($rc, undef, $err) = run($both, 'upgrade');
is($rc, 0, 'the owner changes') or diag($err);
is(sql($owner), q{it's "r"}, 'the role owns the table');
($rc, $out, $err) = run($both, 'check');
is($rc, 0, 'check with owners after the upgrade: agree') or diag($err);
($rc) = run($both, 'downgrade', '-1');
is($rc, 0, 'the downgrade runs');
is(sql($owner), 'postgres', 'and gives the table back');
($rc) = run($both, 'upgrade');
($rc, $out, $err) = run({ MIGRATE_WITH_OWNERS => 'sometimes' }, 'check');
like($err, qr/MIGRATE_WITH_OWNERS="sometimes" is not a boolean: owners are not compared/,
	'a value that is not a boolean is named');

done_testing();

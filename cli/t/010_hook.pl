# migrate hook install|run (issue 12, item 6), in real git repositories:
# an existing hook is kept and still runs, installing twice changes
# nothing, core.hooksPath is honoured; an edit or deletion of a migration
# already on the main branch is refused whether main is master, main
# through origin/HEAD, or configured; a merge of two branches that each
# added a migration passes without contradictory refusals; new files are
# read by the server (positional arguments too); names with spaces and
# quotes, in the repository's path and in migrations/, are handled.
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

my $node = app_cluster();

# what git and the hooks it runs see: the development database, no user config
my %env = (PGHOST => $node->host, PGPORT => $node->port, PGDATABASE => 'app',
	GIT_CONFIG_NOSYSTEM => 1, HOME => PostgreSQL::Test::Utils::tempdir(),
	GIT_AUTHOR_NAME => 'dev', GIT_AUTHOR_EMAIL => 'dev@example.com',
	GIT_COMMITTER_NAME => 'dev', GIT_COMMITTER_EMAIL => 'dev@example.com');

# run(dir, [argv], env) -> (exit code, stdout, stderr)
sub run
{
	my ($dir, $argv, $extra) = @_;
	my ($out, $err) = ('', '');
	local %ENV = (%ENV, %env, %{ $extra // {} });
	IPC::Run::run($argv, '<', \'', '>', \$out, '2>', \$err,
		init => sub { chdir $dir or die "chdir $dir: $!" });
	return ($? >> 8, $out, $err);
}
sub git { my $dir = shift; return run($dir, [ 'git', @_ ]) }
sub git_ok { my ($rc, $out, $err) = git(@_); die "git @_[1..$#_]: $err" if $rc; return $out }
sub hook { my ($dir, @args) = @_; return run($dir, [ $MigrateCLI::program, 'hook', @args ]) }
sub slurp { open my $fh, '<', shift or return undef; local $/; return <$fh> }

# a repository whose path has a space and both quotes
my $n = 0;
sub new_repo
{
	my ($branch) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir() . "/it's a \"repo\" " . $n++;
	make_path($dir);
	git_ok($dir, 'init', '-q', '-b', $branch);
	make_path("$dir/migrations");
	return $dir;
}

# a file in the migrations folder, as create writes it
sub revision { my ($repo, @rest) = @_; return revision_file("$repo/migrations", @rest) }

# ---------------------------------------------------------------------------
# install: an existing hook is kept, runs first; twice changes nothing
my $repo = new_repo('master');
my $hooks = "$repo/.git/hooks";
open my $fh, '>', "$hooks/pre-commit" or die;
print $fh "#!/bin/sh\necho ran >> \"\$(git rev-parse --git-dir)/team-hook-ran\"\nexit \${TEAM_HOOK_EXIT:-0}\n";
close $fh;
chmod 0755, "$hooks/pre-commit";
my $team_hook = slurp("$hooks/pre-commit");

my ($rc, $out, $err) = hook($repo, 'install', '--dry-run');
is($rc, 0, 'install --dry-run: exit 0');
like($out, qr{pre-commit: would be installed; the hook that was there is kept as pre-commit\.local and runs first}, 'install --dry-run: says it would keep the hook');
is(slurp("$hooks/pre-commit"), $team_hook, 'install --dry-run: the existing hook untouched');
ok(!-e "$hooks/pre-merge-commit", 'install --dry-run: nothing written');

($rc, $out, $err) = hook($repo, 'install');
is($rc, 0, 'install: exit 0');
like($out, qr{pre-commit: installed; the hook that was there is kept as pre-commit\.local}, 'install: says the hook is kept');
like($out, qr{pre-merge-commit: installed\n}, 'install: pre-merge-commit written');
is(slurp("$hooks/pre-commit.local"), $team_hook, 'the existing hook is kept as pre-commit.local');
like(slurp("$hooks/pre-commit"), qr/migrate.* hook run/, 'the new pre-commit runs migrate hook run');
ok(-x "$hooks/pre-commit" && -x "$hooks/pre-merge-commit", 'both hooks are executable');

my %before = map { $_ => slurp("$hooks/$_") } qw(pre-commit pre-merge-commit pre-commit.local);
($rc, $out, $err) = hook($repo, 'install');
is($rc, 0, 'install again: exit 0');
is($out, ".git/hooks/pre-commit: already installed, unchanged\n.git/hooks/pre-merge-commit: already installed, unchanged\n",
	'install again: says nothing changed');
is_deeply({ map { $_ => slurp("$hooks/$_") } keys %before }, \%before, 'install again: the files are the same');
ok(!-e "$hooks/pre-commit.local.local", 'install again: the new hook is not chained to itself');

# the kept hook still runs, first, and its refusal stands
revision($repo, 'aaaa00000001', 'users', [], q{'users'}, 'CREATE TABLE users (id int);', 'DROP TABLE users;');
revision($repo, 'aaaa00000002', 'phone', ['aaaa00000001'], q{'phone'}, 'ALTER TABLE users ADD phone text;', 'ALTER TABLE users DROP phone;');
git_ok($repo, 'add', '-A');
($rc, undef, $err) = run($repo, [ 'git', 'commit', '-q', '-m', 'refused by the team hook' ], { TEAM_HOOK_EXIT => 1 });
isnt($rc, 0, 'the kept hook refuses: the commit is refused');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'migrations');
is($rc, 0, 'first commit with two migrations on one head: accepted') or diag($err);
is(slurp("$repo/.git/team-hook-ran"), "ran\nran\n", 'the kept hook ran on each commit');
unlike($err, qr/error/, 'no error on an accepted commit');

# ---------------------------------------------------------------------------
# main named master (no origin): edit and deletion refused, with what to do
open $fh, '>>', "$repo/migrations/aaaa00000002_phone.sql" or die;
print $fh "-- an edit\n";
close $fh;
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'edit');
isnt($rc, 0, 'edit of a migration on master: refused');
like($err, qr{"migrations/aaaa00000002_phone\.sql" is already on master: a migration on the main branch may not be changed}, 'edit: names the file and master');
like($err, qr{hint: Restore it \(git restore --staged --worktree --source=HEAD -- 'migrations/aaaa00000002_phone\.sql'\) and write the change as a new revision: migrate create MESSAGE}, 'edit: says what to do');
git_ok($repo, 'reset', '-q', '--hard');
git_ok($repo, 'rm', '-q', 'migrations/aaaa00000001_users.sql');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'delete');
isnt($rc, 0, 'deletion of a migration on master: refused');
like($err, qr{aaaa00000001_users\.sql" is already on master: a migration on the main branch may not be deleted}, 'deletion: says so');
git_ok($repo, 'reset', '-q', '--hard');

# a new file not on the head: refused, with the head to base it on
revision($repo, 'aaaa00000003', 'stale', ['aaaa00000001'], q{'stale'}, 'SELECT 1;', 'SELECT 1;');
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'stale');
isnt($rc, 0, 'a new file on an old revision: refused');
like($err, qr{"migrations/aaaa00000003_stale\.sql" revises aaaa00000001, which is not a head of the migrations \(heads: aaaa00000002\)}, 'stale: names the parent and the head');
like($err, qr{hint: Base it on aaaa00000002: set its down_revision to '\{aaaa00000002\}'}, 'stale: says what to do');
unlike($err, qr/leaves .* heads/, 'stale: one refusal, not a second one for the same cause');
git_ok($repo, 'rm', '-q', '-f', 'migrations/aaaa00000003_stale.sql');

# a new file with positional arguments, on the head: the server reads it
open $fh, '>', "$repo/migrations/aaaa00000004_positional.sql" or die;
print $fh "SELECT migrate_revision('aaaa00000004', '{aaaa00000002}', 'SELECT 1', 'SELECT 1', 'positional');\n";
close $fh;
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'positional');
is($rc, 0, 'a file with positional arguments on the head: accepted') or diag($err);
is($node->safe_psql('app', "SELECT count(*) FROM migrate.revision"), '0', 'the hook registered nothing for good');

# file names with spaces and quotes: refused in migrations/, shown, fine elsewhere
my $bad = qq{it's a "bad" name.sql};
open $fh, '>', "$repo/migrations/$bad" or die;
print $fh "SELECT 1;\n";
close $fh;
open $fh, '>', "$repo/notes with 'quotes' and \"more\".txt" or die;
print $fh "fine\n";
close $fh;
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'names');
isnt($rc, 0, 'a file in migrations/ with a space and quotes: refused');
like($err, qr{"migrations/it's a "bad" name\.sql" is not a migration file name}, 'the name is shown as it is');
like($err, qr{hint: Rename it \(git mv\), or move it out of migrations/}, 'names: says what to do');
git_ok($repo, 'rm', '-q', '--cached', "migrations/$bad");
unlink "$repo/migrations/$bad";
# a name git would quote (core.quotepath): read NUL-separated, shown plainly
git_ok($repo, 'config', 'core.quotepath', 'true');
open $fh, '>', "$repo/migrations/cccccccccccc_na\x{c3}\x{af}ve.sql" or die;
print $fh "SELECT 1;\n";
close $fh;
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'quoted');
isnt($rc, 0, 'a name git quotes: refused');
like($err, qr{"migrations/cccccccccccc_na\x{c3}\x{af}ve\.sql" is not a migration file name}, 'a name git quotes: shown as it is');
git_ok($repo, 'rm', '-q', '--cached', "migrations/cccccccccccc_na\x{c3}\x{af}ve.sql");
unlink "$repo/migrations/cccccccccccc_na\x{c3}\x{af}ve.sql";
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'notes');
is($rc, 0, 'a name with spaces and quotes outside migrations/: accepted') or diag($err);

# ---------------------------------------------------------------------------
# a merge of two branches that each add a migration: no contradictions
git_ok($repo, 'checkout', '-q', '-b', 'feature');
revision($repo, 'bbbb00000001', 'feature', ['aaaa00000004'], q{'feature'}, 'SELECT 1;', 'SELECT 1;');
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'feature');
is($rc, 0, 'the feature branch adds a migration on the head') or diag($err);
# a file added on this branch only may still be edited
open $fh, '>>', "$repo/migrations/bbbb00000001_feature.sql" or die;
print $fh "-- reviewed\n";
close $fh;
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'edit feature');
is($rc, 0, 'edit of a migration not yet on master: accepted') or diag($err);
git_ok($repo, 'checkout', '-q', 'master');
revision($repo, 'cccc00000001', 'mainline', ['aaaa00000004'], q{'mainline'}, 'SELECT 1;', 'SELECT 1;');
git_ok($repo, 'add', '-A');
git_ok($repo, 'commit', '-q', '-m', 'mainline');

($rc, $out, $err) = git($repo, 'merge', '--no-edit', 'feature');
is($rc, 0, 'merge of two branches that each added a migration: accepted (pre-merge-commit)') or diag($err);
like($err, qr{this merge leaves migrations with 2 heads \(bbbb00000001, cccc00000001\): once it is committed, join them with migrate merge}, 'merge: a note names the next step');
unlike($err, qr/error|not a head|migrate create/, 'merge: no refusal, no "not a head", no suggestion of create');
($rc, $out, $err) = run($repo, [ $MigrateCLI::program, 'merge', 'join' ]);
is($rc, 0, 'migrate merge, as the note says') or diag($err);
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'join');
is($rc, 0, 'the merge revision commits') or diag($err);
unlike($err, qr/heads|error/, 'one head again: nothing to say');

# the same merge concluded by git commit after a conflict (pre-commit, MERGE_HEAD)
git_ok($repo, 'checkout', '-q', '-b', 'side2', 'HEAD~1');
my ($join) = map { m{/(\w+)_join\.sql$} } glob("$repo/migrations/*_join.sql");
ok(!$join, 'side2 starts before the merge revision');
revision($repo, 'dddd00000001', 'side2', ['bbbb00000001', 'cccc00000001'], q{'side2'}, 'SELECT 1;', 'SELECT 1;');
open $fh, '>', "$repo/conflict.txt" or die; print $fh "side2\n"; close $fh;
git_ok($repo, 'add', '-A');
git_ok($repo, 'commit', '-q', '-m', 'side2');
git_ok($repo, 'checkout', '-q', 'master');
open $fh, '>', "$repo/conflict.txt" or die; print $fh "master\n"; close $fh;
git_ok($repo, 'add', '-A');
git_ok($repo, 'commit', '-q', '-m', 'conflicting');
($rc) = git($repo, 'merge', '--no-edit', 'side2');
isnt($rc, 0, 'a conflicting merge stops');
open $fh, '>', "$repo/conflict.txt" or die; print $fh "both\n"; close $fh;
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '--no-edit');
is($rc, 0, 'the merge concluded with git commit: the merged-in file is exempt') or diag($err);
like($err, qr{leaves migrations with 2 heads}, 'and the note names the heads left');
unlike($err, qr/error|not a head/, 'and nothing contradicts it');

# ---------------------------------------------------------------------------
# main named main, known only through origin/HEAD, in a clone
my $upstream = new_repo('main');
revision($upstream, 'eeee00000001', 'first', [], q{'first'}, 'SELECT 1;', 'SELECT 1;');
git_ok($upstream, 'add', '-A');
git_ok($upstream, 'commit', '-q', '-m', 'first');
my $clone = PostgreSQL::Test::Utils::tempdir() . "/clone 'with' \"quotes\"";
git_ok($upstream, 'clone', '-q', $upstream, $clone);
($rc, $out) = git($clone, 'symbolic-ref', 'refs/remotes/origin/HEAD');
is($out, "refs/remotes/origin/main\n", 'the clone has origin/HEAD');
git_ok($clone, 'checkout', '-q', '-b', 'work');
git_ok($clone, 'branch', '-q', '-D', 'main');
hook($clone, 'install');
open $fh, '>>', "$clone/migrations/eeee00000001_first.sql" or die;
print $fh "-- an edit\n";
close $fh;
git_ok($clone, 'add', '-A');
($rc, undef, $err) = git($clone, 'commit', '-q', '-m', 'edit');
isnt($rc, 0, 'edit of a migration on origin/main (no local main): refused');
like($err, qr{eeee00000001_first\.sql" is already on main: }, 'the main branch named from origin/HEAD');
git_ok($clone, 'reset', '-q', '--hard');

# no main branch to find: a note says how to name it; configured: refused
my $trunk = new_repo('trunk');
revision($trunk, 'ffff00000001', 'first', [], q{'first'}, 'SELECT 1;', 'SELECT 1;');
git_ok($trunk, 'add', '-A');
git_ok($trunk, 'commit', '-q', '-m', 'first');
hook($trunk, 'install');
open $fh, '>>', "$trunk/migrations/ffff00000001_first.sql" or die;
print $fh "-- an edit\n";
close $fh;
git_ok($trunk, 'add', '-A');
($rc, undef, $err) = hook($trunk, 'run');
is($rc, 0, 'no main branch found: the edit is not checked');
like($err, qr{no main branch found .*set git config migrate\.mainBranch}, 'and a note says how to name it');
($rc, undef, $err) = run($trunk, [ $MigrateCLI::program, 'hook', 'run' ], { MIGRATE_MAIN_BRANCH => 'trunk' });
isnt($rc, 0, 'MIGRATE_MAIN_BRANCH=trunk: the edit is refused');
like($err, qr{is already on trunk: }, 'MIGRATE_MAIN_BRANCH names it');
($rc, undef, $err) = run($trunk, [ $MigrateCLI::program, 'hook', 'run' ], { MIGRATE_MAIN_BRANCH => 'trnuk' });
is($rc, 0, 'MIGRATE_MAIN_BRANCH naming no branch: not checked');
like($err, qr{warning: the main branch "trnuk" \(MIGRATE_MAIN_BRANCH\) names no commit: changes to existing migrations are not checked}, 'and a warning says so');
unlike($err, qr{no main branch found}, 'and only that');
git_ok($trunk, 'config', 'migrate.mainBranch', 'trunk');
($rc, undef, $err) = git($trunk, 'commit', '-q', '-m', 'edit');
isnt($rc, 0, 'git config migrate.mainBranch trunk: the commit is refused');
like($err, qr{is already on trunk: }, 'migrate.mainBranch names it');
git_ok($trunk, 'reset', '-q', '--hard');

# core.hooksPath is where install writes
my $shared = new_repo('main');
git_ok($shared, 'config', 'core.hooksPath', 'team hooks');
($rc, $out, $err) = hook($shared, 'install');
is($rc, 0, 'install with core.hooksPath: exit 0');
ok(-x "$shared/team hooks/pre-commit" && -x "$shared/team hooks/pre-merge-commit", 'the hooks are in core.hooksPath');
ok(!-e "$shared/.git/hooks/pre-commit", 'and not in .git/hooks');

# a models change while migrate check finds a problem (here: nothing applied)
($rc, undef, $err) = run($repo, [ $MigrateCLI::program, 'merge', 'join again' ]);
is($rc, 0, 'join the heads the conflicting merge left') or diag($err);
git_ok($repo, 'add', '-A');
git_ok($repo, 'commit', '-q', '-m', 'join again');
make_path("$repo/models");
open $fh, '>', "$repo/models/schema.sql" or die;
print $fh "CREATE TABLE users (id int, phone text);\n";
close $fh;
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'models');
isnt($rc, 0, 'a models change with migrate check failing: refused');
like($err, qr{models changed, and migrate check finds a problem \(above\)}, 'models: says check found a problem');
like($err, qr{revision\(s\) not applied}, 'models: check\'s own report is shown');
($rc, $out, $err) = run($repo, [ $MigrateCLI::program, 'upgrade' ]);
is($rc, 0, 'upgrade the development database') or diag($err);
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'models');
is($rc, 0, 'the models match the database at head: accepted') or diag($err);

# a file of a branch, applied by the development database, then edited, and
# a new file on it: the edit is allowed (not on master) and the new file is read
git_ok($repo, 'checkout', '-q', '-b', 'applied');
($rc, $out, $err) = run($repo, [ $MigrateCLI::program, 'create', '--empty', 'branch work' ]);
my ($work) = $out =~ m{/([0-9a-f]{12})_branch_work\.sql$}m;
git_ok($repo, 'add', '-A');
git_ok($repo, 'commit', '-q', '-m', 'branch work');
($rc, undef, $err) = run($repo, [ $MigrateCLI::program, 'upgrade' ]);
is($rc, 0, 'the development database applies the branch') or diag($err);
my ($work_file) = glob("$repo/migrations/${work}_*.sql");
my $content = slurp($work_file);
ok($content =~ s/'branch work'/'branch work, reviewed'/, 'the message of the applied file is edited');
open $fh, '>', $work_file or die;
print $fh $content;
close $fh;
revision($repo, 'ffff00000009', 'after_work', [$work], q{'after work'}, 'SELECT 1;', 'SELECT 1;');
git_ok($repo, 'add', '-A');
($rc, undef, $err) = git($repo, 'commit', '-q', '-m', 'edit an applied branch file, add one on it');
is($rc, 0, 'an applied, edited branch file and a new file on it: accepted') or diag($err);
is($node->safe_psql('app', "SELECT string_agg(c, ',') FROM migrate_current() c"), $work, 'the hook changed nothing in the database');
($rc, undef, $err) = run($repo, [ $MigrateCLI::program, 'downgrade', '-1' ]);
is($rc, 0, 'downgrade the branch again') or diag($err);
git_ok($repo, 'checkout', '-q', 'master');

# another hook where NAME.local is taken too: refused for that hook, nothing lost
my $taken = new_repo('main');
for my $f ('pre-commit', 'pre-commit.local')
{
	open $fh, '>', "$taken/.git/hooks/$f" or die;
	print $fh "#!/bin/sh\n# $f\n";
	close $fh;
}
($rc, $out, $err) = hook($taken, 'install');
is($rc, 1, 'pre-commit and pre-commit.local both there: install fails');
like($err, qr{"\.git/hooks/pre-commit" is another hook, and "\.git/hooks/pre-commit\.local" exists already.*\n.*\n.*hint: Merge the two into pre-commit\.local}, 'and says what to do');
is(slurp("$taken/.git/hooks/pre-commit"), "#!/bin/sh\n# pre-commit\n", 'the hook is untouched');
like($out, qr{pre-merge-commit: installed}, 'the other hook is installed');

# the link the old make hooks installed is replaced, not kept as .local
my $old = new_repo('main');
symlink('../../.migration-check.sh', "$old/.git/hooks/pre-commit") or die;
($rc, $out, $err) = hook($old, 'install');
like($out, qr{pre-commit: installed in place of the link to \.migration-check\.sh}, 'the old link: replaced, and said so');
ok(!-l "$old/.git/hooks/pre-commit" && !-e "$old/.git/hooks/pre-commit.local", 'the old link: gone, nothing kept');

# usage
($rc, undef, $err) = hook($repo, 'run', '--dry-run');
is($rc, 2, 'hook run --dry-run: usage error');
($rc, undef, $err) = hook($repo, 'bogus');
is($rc, 2, 'hook bogus: usage error');
like($err, qr/hook takes install or run/, 'hook bogus: says what it takes');
($rc, $out) = run($repo, [ $MigrateCLI::program, 'hook', '--help' ]);
like($out, qr/MIGRATE_MAIN_BRANCH.*migrate\.mainBranch/s, 'hook --help documents the main branch settings');

done_testing();

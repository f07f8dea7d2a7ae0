/*
 * hook install | hook run: the git hook that guards migrations/.
 *
 * install writes pre-commit and pre-merge-commit into the repository's
 * hooks folder (git rev-parse --git-path hooks, so core.hooksPath is
 * honoured).  A hook that is already there is kept: renamed NAME.local and
 * run first by the new one, so installing never silently drops a team's
 * own checks.  Installing again changes nothing and says so.
 *
 * run refuses a commit that
 *  - stages an entry in migrations/ that is not a migration file name;
 *  - edits, renames or deletes a migration file already on the main branch
 *    (databases anywhere may have applied it: an edit never reaches them);
 *  - adds a migration that is not on a head of the other files, or leaves
 *    several heads (outside a merge: a merge of two branches that each
 *    added a migration leaves two heads by nature, and the files the merge
 *    brings in were checked on their own branch, so it passes with a note
 *    that names the next step, migrate merge);
 *  - changes the models while migrate check finds a problem.
 *
 * The main branch: $MIGRATE_MAIN_BRANCH, else git config migrate.mainBranch,
 * else the branch origin/HEAD names, else main or master, whichever exists.
 *
 * git is run as a child process with an argv (never a shell string built
 * from file names), paths are read NUL-separated (no core.quotepath
 * quoting) and passed with GIT_LITERAL_PATHSPECS.  The revisions and
 * parents of the staged files are read the way every command reads files:
 * the server registers them (cli/files.c) in a transaction that is rolled
 * back, so positional and named arguments are both understood.
 */
#include "migrate.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/logging.h"
#include "pqexpbuffer.h"

#define HOOK_MARK "# installed by migrate hook install"

static const char *const hook_names[] = {"pre-commit", "pre-merge-commit"};

/* ---------------------------------------------------------------------------
 * git as a child process
 */

/*
 * Runs git with argv (argv[0] is "git"); its stdout is returned in *out
 * (NUL-terminated, *len bytes), its stderr goes to ours unless quiet.
 * Returns git's exit status, or -1 when it could not be run.
 */
static int
run_git(const char *const *argv, char **out, size_t *len, bool quiet)
{
	int			fds[2];
	pid_t		pid;
	PQExpBufferData buf;
	char		chunk[8192];
	ssize_t		n;
	int			wstatus;

	if (pipe(fds) != 0)
	{
		pg_log_error("could not create a pipe: %m");
		exit(EXIT_FAILED);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
	{
		pg_log_error("could not fork: %m");
		exit(EXIT_FAILED);
	}
	if (pid == 0)
	{
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (quiet)
		{
			int			null = open("/dev/null", O_WRONLY);

			if (null >= 0)
				dup2(null, STDERR_FILENO);
		}
		/* a path is a path, never a pattern */
		setenv("GIT_LITERAL_PATHSPECS", "1", 1);
		execvp("git", (char *const *) argv);
		fprintf(stderr, "migrate: could not run git: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	initPQExpBuffer(&buf);
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0)
	{
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			break;
		}
		appendBinaryPQExpBuffer(&buf, chunk, n);
	}
	close(fds[0]);
	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (out)
	{
		*out = buf.data;
		if (len)
			*len = buf.len;
	}
	else
		termPQExpBuffer(&buf);
	if (!WIFEXITED(wstatus))
		return -1;
	return WEXITSTATUS(wstatus) == 127 ? -1 : WEXITSTATUS(wstatus);
}

/* git's one-line answer without its newline, or NULL when git fails */
static char *
git_line(const char *const *argv)
{
	char	   *out;
	size_t		len;

	if (run_git(argv, &out, &len, true) != 0)
		return NULL;
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	return out;
}

static bool
git_ok(const char *const *argv)
{
	return run_git(argv, NULL, NULL, true) == 0;
}

static char *
toplevel(void)
{
	const char *argv[] = {"git", "rev-parse", "--show-toplevel", NULL};
	char	   *top = git_line(argv);

	if (top == NULL || top[0] == '\0')
	{
		pg_log_error("not in a git work tree");
		pg_log_error_hint("Run migrate hook in the project's git repository.");
		exit(EXIT_USAGE);
	}
	return top;
}

/* ---------------------------------------------------------------------------
 * hook install
 */

/* s as a single-quoted shell word */
static void
append_shell_quoted(PQExpBuffer buf, const char *s)
{
	appendPQExpBufferChar(buf, '\'');
	for (; *s; s++)
	{
		if (*s == '\'')
			appendPQExpBufferStr(buf, "'\\''");
		else
			appendPQExpBufferChar(buf, *s);
	}
	appendPQExpBufferChar(buf, '\'');
}

static char *
hook_script(const char *name, const char *program)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	appendPQExpBuffer(&buf,
					  "#!/bin/sh\n"
					  HOOK_MARK "\n"
					  "# Runs the hook that was here before (kept as %s.local), then the\n"
					  "# migration checks: migrate hook run (migrate hook run --help).\n"
					  "hooks=$(dirname \"$0\")\n"
					  "if [ -x \"$hooks/%s.local\" ]; then\n"
					  "\t\"$hooks/%s.local\" \"$@\" || exit $?\n"
					  "fi\n"
					  "migrate=",
					  name, name, name);
	append_shell_quoted(&buf, program);
	appendPQExpBufferStr(&buf,
						 "\n"
						 "[ -x \"$migrate\" ] || migrate=migrate\n"
						 "exec \"$migrate\" hook run\n");
	return buf.data;
}

static char *
read_small_file(const char *path)
{
	FILE	   *fp = fopen(path, "rb");
	PQExpBufferData buf;
	char		chunk[4096];
	size_t		n;

	if (fp == NULL)
		return NULL;
	initPQExpBuffer(&buf);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && buf.len < 1024 * 1024)
		appendBinaryPQExpBuffer(&buf, chunk, n);
	fclose(fp);
	return buf.data;
}

/*
 * The program's own path, for the hook to call (the PATH git runs hooks
 * with may not have it); "migrate" from the PATH where that is not known.
 */
static char *
program_path(void)
{
	char		path[MAXPGPATH];
	ssize_t		n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return pg_strdup("migrate");
	path[n] = '\0';
	return pg_strdup(path);
}

/* an old hook: the symlink `make hooks` used to install */
static bool
is_old_check_link(const char *path)
{
	char		target[MAXPGPATH];
	ssize_t		n = readlink(path, target, sizeof(target) - 1);
	const char *old = ".migration-check.sh";

	if (n <= 0)
		return false;
	target[n] = '\0';
	return (size_t) n >= strlen(old) && strcmp(target + n - strlen(old), old) == 0;
}

static int
install_one(const char *hooks, const char *name, const char *program, bool dry_run)
{
	char	   *path = psprintf("%s/%s", hooks, name);
	char	   *local = psprintf("%s/%s.local", hooks, name);
	char	   *script = hook_script(name, program);
	char	   *shown = escape_text(path, true);
	struct stat st;
	const char *what;
	FILE	   *fp;

	if (lstat(path, &st) == 0)
	{
		char	   *old = read_small_file(path);

		if (old && strstr(old, HOOK_MARK) != NULL)
		{
			if (strcmp(old, script) == 0)
			{
				printf("%s: already installed, unchanged\n", shown);
				return 0;
			}
			what = "updated";
		}
		else if (is_old_check_link(path))
		{
			/* the old hook of this project, which migrate hook run replaces */
			if (!dry_run && unlink(path) != 0)
			{
				pg_log_error("could not remove \"%s\": %m", shown);
				return 1;
			}
			what = "installed in place of the link to .migration-check.sh";
		}
		else
		{
			struct stat lst;

			if (lstat(local, &lst) == 0)
			{
				pg_log_error("\"%s\" is another hook, and \"%s.local\" exists already", shown, shown);
				pg_log_error_detail("migrate keeps an existing hook as NAME.local and runs it first; both names are taken.");
				pg_log_error_hint("Merge the two into %s.local yourself, then run migrate hook install again.", name);
				return 1;
			}
			if (!dry_run && rename(path, local) != 0)
			{
				pg_log_error("could not rename \"%s\": %m", shown);
				return 1;
			}
			what = psprintf("installed; the hook that was there is kept as %s.local and runs first", name);
		}
	}
	else
		what = "installed";

	if (dry_run)
	{
		printf("%s: would be %s\n", shown, what);
		return 0;
	}
	fp = fopen(path, "w");
	if (fp == NULL || fputs(script, fp) == EOF || fclose(fp) != 0 || chmod(path, 0755) != 0)
	{
		pg_log_error("could not write \"%s\": %m", shown);
		return 1;
	}
	printf("%s: %s\n", shown, what);
	return 0;
}

static int
hook_install(Options *opts)
{
	const char *argv[] = {"git", "rev-parse", "--git-path", "hooks", NULL};
	char	   *hooks;
	char	   *program = program_path();
	int			failed = 0;

	(void) toplevel();
	hooks = git_line(argv);
	if (hooks == NULL || hooks[0] == '\0')
	{
		pg_log_error("git does not name a hooks folder");
		exit(EXIT_FAILED);
	}
	if (!opts->dry_run && mkdir(hooks, 0777) != 0 && errno != EEXIST)
	{
		pg_log_error("could not create the hooks folder \"%s\": %m", escape_text(hooks, true));
		exit(EXIT_FAILED);
	}
	for (int i = 0; i < (int) lengthof(hook_names); i++)
		failed += install_one(hooks, hook_names[i], program, opts->dry_run);
	return failed ? EXIT_FAILED : EXIT_OK;
}

/* ---------------------------------------------------------------------------
 * hook run
 */

typedef struct Staged
{
	char		status;			/* git's A, M, D, T, ... */
	char	   *path;			/* from the top of the work tree */
} Staged;

typedef struct GraphFile
{
	char	   *path;
	char	   *id;
	char	  **parents;
	int			nparents;
	bool		added;			/* this commit adds it */
	bool		merged_in;		/* the branch being merged has it */
} GraphFile;

static int	refusals = 0;
static bool main_warned = false;	/* a configured main branch is missing: said */

extern char **environ;

/*
 * The commits being merged in.  A commit that concludes a merge (git
 * commit after conflicts: pre-commit) has them in MERGE_HEAD; git merge
 * runs pre-merge-commit before it writes MERGE_HEAD, but it exports
 * GITHEAD_<object id> for each (the labels of its merge strategies).
 */
static char **
merge_heads(int *count)
{
	const char *path_argv[] = {"git", "rev-parse", "--git-path", "MERGE_HEAD", NULL};
	char	   *path = git_line(path_argv);
	char	  **heads = pg_malloc(sizeof(char *));
	int			n = 0;
	char	   *content = path ? read_small_file(path) : NULL;

	if (content)
	{
		char	   *save;

		for (char *line = strtok_r(content, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		{
			heads = pg_realloc(heads, (n + 2) * sizeof(char *));
			heads[n++] = line;
		}
	}
	for (char **e = environ; *e; e++)
	{
		const char *eq = strchr(*e, '=');

		if (strncmp(*e, "GITHEAD_", 8) != 0 || eq == NULL ||
			strspn(*e + 8, "0123456789abcdef") != (size_t) (eq - *e - 8) || eq - *e - 8 < 40)
			continue;
		heads = pg_realloc(heads, (n + 2) * sizeof(char *));
		heads[n++] = pnstrdup(*e + 8, eq - *e - 8);
	}
	*count = n;
	return heads;
}

/* the refs that stand for the main branch, most authoritative first */
static char **
main_refs(char **label)
{
	char	  **refs = pg_malloc0(4 * sizeof(char *));
	int			n = 0;
	const char *name = getenv("MIGRATE_MAIN_BRANCH");
	char	   *configured = NULL;
	const char *cfg[] = {"git", "config", "--get", "migrate.mainBranch", NULL};
	const char *origin_head[] = {"git", "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD", NULL};

	if (name == NULL || name[0] == '\0')
		name = configured = git_line(cfg);
	if (name && name[0])
	{
		char	   *commit = psprintf("%s^{commit}", name);
		const char *verify[] = {"git", "rev-parse", "--verify", "-q", "--end-of-options", commit, NULL};

		*label = pg_strdup(name);
		if (name[0] == '-' || !git_ok(verify))
		{
			pg_log_warning("the main branch \"%s\" (%s) names no commit: changes to existing migrations are not checked",
						   escape_text(name, true), configured ? "git config migrate.mainBranch" : "MIGRATE_MAIN_BRANCH");
			*label = NULL;
			main_warned = true;
			return refs;
		}
		refs[n++] = pg_strdup(name);
		return refs;
	}
	name = git_line(origin_head);
	if (name && strncmp(name, "origin/", 7) == 0)
	{
		/* origin's branch, and the local branch of the same name */
		*label = pg_strdup(name + 7);
		refs[n++] = pg_strdup(name);
		refs[n++] = psprintf("refs/heads/%s", name + 7);
		return refs;
	}
	for (int i = 0; i < 2; i++)
	{
		const char *b = i == 0 ? "main" : "master";
		char	   *ref = psprintf("refs/heads/%s", b);
		const char *verify[] = {"git", "rev-parse", "--verify", "-q", ref, NULL};

		if (git_ok(verify))
		{
			*label = pg_strdup(b);
			refs[n++] = ref;
			return refs;
		}
	}
	*label = NULL;
	return refs;
}

static bool
on_main(char **refs, const char *path)
{
	for (int i = 0; refs[i]; i++)
	{
		char	   *verify_ref = psprintf("%s^{commit}", refs[i]);
		const char *verify[] = {"git", "rev-parse", "--verify", "-q", verify_ref, NULL};
		const char *log[] = {"git", "log", "-1", "--format=%H", refs[i], "--", path, NULL};
		char	   *out;

		if (!git_ok(verify))
			continue;
		out = git_line(log);
		if (out && out[0])
			return true;
	}
	return false;
}

/* a path for a command line in a hint: shell-quoted, or "the file" when it cannot be shown so */
static char *
shell_word(const char *path)
{
	PQExpBufferData buf;

	for (const unsigned char *p = (const unsigned char *) path; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return pg_strdup("the file");
	initPQExpBuffer(&buf);
	append_shell_quoted(&buf, path);
	return buf.data;
}

static Staged *
staged_changes(int *count)
{
	const char *argv[] = {"git", "diff", "--cached", "--name-status", "--no-renames", "-z", NULL};
	char	   *out;
	size_t		len;
	size_t		pos = 0;
	int			cap = 16;
	Staged	   *items = pg_malloc(cap * sizeof(Staged));

	*count = 0;
	if (run_git(argv, &out, &len, false) != 0)
	{
		pg_log_error("git diff --cached failed");
		exit(EXIT_FAILED);
	}
	while (pos < len)
	{
		char	   *st = out + pos;
		char	   *path;

		pos += strlen(st) + 1;
		if (pos >= len)
			break;
		path = out + pos;
		pos += strlen(path) + 1;
		if (*count == cap)
		{
			cap *= 2;
			items = pg_realloc(items, cap * sizeof(Staged));
		}
		items[*count].status = st[0];
		items[*count].path = path;
		(*count)++;
	}
	return items;
}

/* the migrations folder as a path from the top of the work tree, no slash at the end */
static char *
dir_from_top(const char *dir, const char *top)
{
	char	   *real = realpath(dir, NULL);
	char	   *d;
	size_t		toplen = strlen(top);

	if (real != NULL &&
		strncmp(real, top, toplen) == 0 && (real[toplen] == '/' || real[toplen] == '\0'))
		d = pg_strdup(real[toplen] ? real + toplen + 1 : "");
	else
		d = pg_strdup(dir);
	while (strncmp(d, "./", 2) == 0)
		d += 2;
	for (size_t n = strlen(d); n > 0 && d[n - 1] == '/'; n--)
		d[n - 1] = '\0';
	return d;
}

static bool
in_dir(const char *path, const char *dir, const char **rest)
{
	size_t		n = strlen(dir);

	if (n == 0 || strncmp(path, dir, n) != 0 || path[n] != '/')
		return false;
	*rest = path + n + 1;
	return true;
}

static void
split_words(char *s, char ***words, int *n)
{
	char	   *tok;
	char	   *save;

	*words = pg_malloc((strlen(s) / 2 + 2) * sizeof(char *));
	*n = 0;
	for (tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		(*words)[(*n)++] = tok;
}

static bool
word_in(const char *w, char **list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

/* heads among files[] (only those keep(f) selects): ids no kept file names as a parent */
static int
graph_heads(GraphFile *files, int n, bool only_old, char ***heads)
{
	int			nh = 0;

	*heads = pg_malloc((n + 1) * sizeof(char *));
	for (int i = 0; i < n; i++)
	{
		bool		named = false;

		if (only_old && files[i].added)
			continue;
		for (int j = 0; j < n && !named; j++)
		{
			if (only_old && files[j].added)
				continue;
			named = word_in(files[i].id, files[j].parents, files[j].nparents);
		}
		if (!named)
			(*heads)[nh++] = files[i].id;
	}
	return nh;
}

static char *
join_words(char **w, int n)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	for (int i = 0; i < n; i++)
		appendPQExpBuffer(&buf, "%s%s", i ? ", " : "", w[i]);
	if (n == 0)
		appendPQExpBufferStr(&buf, "<base>");
	return buf.data;
}

/*
 * The staged migration files, with their revision and parents as the
 * server reads them: each staged blob is copied into a scratch folder,
 * registered there in a transaction that is rolled back.
 */
static GraphFile *
staged_graph(Options *opts, const char *dir, Staged *changes, int nchanges,
			 char **mheads, int nmheads, int *count)
{
	const char *ls[] = {"git", "ls-files", "-z", "-s", "--", dir, NULL};
	char	   *out;
	size_t		len;
	size_t		pos = 0;
	char		tmpl[MAXPGPATH];
	char	   *tmp;
	GraphFile  *g;
	int			n = 0;
	MigFiles   *files;
	PGconn	   *conn;
	PGresult   *res;
	char	   *ids;
	const char *values[1];

	if (run_git(ls, &out, &len, false) != 0)
	{
		pg_log_error("git ls-files failed");
		exit(EXIT_FAILED);
	}
	snprintf(tmpl, sizeof(tmpl), "%s/migrate-hook-XXXXXX",
			 getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp");
	tmp = mkdtemp(tmpl);
	if (tmp == NULL)
	{
		pg_log_error("could not create a scratch folder: %m");
		exit(EXIT_FAILED);
	}
	g = pg_malloc0((len / 40 + 1) * sizeof(GraphFile));
	while (pos < len)
	{
		/* "<mode> <object> <stage>\t<path>" */
		char	   *entry = out + pos;
		char	   *tab = strchr(entry, '\t');
		const char *rest;
		char		object[64];
		const char *cat[] = {"git", "cat-file", "blob", object, NULL};
		char	   *blob;
		size_t		bloblen;
		char	   *copy;
		FILE	   *fp;

		pos += strlen(entry) + 1;
		if (tab == NULL || !in_dir(tab + 1, dir, &rest) || !migration_file_name_ok(rest))
			continue;
		if (sscanf(entry, "%*s %63s", object) != 1 || run_git(cat, &blob, &bloblen, false) != 0)
		{
			pg_log_error("could not read the staged \"%s\"", escape_text(tab + 1, true));
			exit(EXIT_FAILED);
		}
		copy = psprintf("%s/%s", tmp, rest);
		fp = fopen(copy, "wb");
		if (fp == NULL || fwrite(blob, 1, bloblen, fp) != bloblen || fclose(fp) != 0)
		{
			pg_log_error("could not write \"%s\": %m", copy);
			exit(EXIT_FAILED);
		}
		g[n].path = pg_strdup(tab + 1);
		for (int i = 0; i < nchanges; i++)
			if (changes[i].status == 'A' && strcmp(changes[i].path, g[n].path) == 0)
				g[n].added = true;
		for (int m = 0; m < nmheads && g[n].added && !g[n].merged_in; m++)
		{
			char	   *spec = psprintf("%s:%s", mheads[m], g[n].path);
			const char *exists[] = {"git", "cat-file", "-e", spec, NULL};

			g[n].merged_in = git_ok(exists);
		}
		n++;
	}

	files = read_migration_files(tmp);
	conn = connect_database(&opts->conn);
	install_notice_receiver(conn);
	check_extension(conn, EXT_READ, false);
	/*
	 * Unapplied first (rolled back with the rest): a file of this branch may
	 * be edited after the development database applied it, and the server
	 * refuses new content for an applied revision.
	 */
	if (!begin_transaction(conn, false) ||
		!command_ok(conn, "SELECT pg_catalog.set_config('lock_timeout', '2s', true)") ||
		!command_ok(conn, "SELECT pg_catalog.migrate_stamp('base')"))
		exit(EXIT_FAILED);
	if (register_files(conn, files, true) > 0)
	{
		pg_log_error("the staged migration files could not all be read (see above)");
		pg_log_error_hint("Fix the files, git add them, and commit again.");
		exit(EXIT_FAILED);
	}
	ids = files_id_array(files);
	values[0] = ids;
	res = query(conn,
				"SELECT h.revision, pg_catalog.array_to_string(h.down_revision, ' ') "
				"  FROM pg_catalog.migrate_history() AS h "
				" WHERE h.revision OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])",
				1, values);
	if (res == NULL)
		exit(EXIT_FAILED);
	for (int i = 0; i < n; i++)
	{
		const char *name = strrchr(g[i].path, '/') + 1;
		char	   *rev = pnstrdup(name, strcspn(name, "_"));

		g[i].id = rev;
		for (int r = 0; r < PQntuples(res); r++)
			if (strcmp(PQgetvalue(res, r, 0), rev) == 0)
				split_words(pg_strdup(PQgetvalue(res, r, 1)), &g[i].parents, &g[i].nparents);
		if (g[i].parents == NULL)
			split_words(pg_strdup(""), &g[i].parents, &g[i].nparents);
	}
	PQclear(res);
	rollback(conn);
	PQfinish(conn);
	for (int i = 0; i < files->count; i++)
		unlink(files->items[i].path);
	rmdir(tmp);
	*count = n;
	return g;
}

static void
check_graph(Options *opts, const char *dir, Staged *changes, int nchanges,
			char **mheads, int nmheads)
{
	bool		merging = nmheads > 0;
	int			n;
	GraphFile  *g = staged_graph(opts, dir, changes, nchanges, mheads, nmheads, &n);
	char	  **old_heads;
	int			nold = graph_heads(g, n, true, &old_heads);
	char	  **heads;
	int			nheads;
	char	  **added = pg_malloc((n + 1) * sizeof(char *));
	int			nadded = 0;
	int			before = refusals;

	for (int i = 0; i < n; i++)
		if (g[i].added)
			added[nadded++] = g[i].id;
	for (int i = 0; i < n; i++)
	{
		char	   *shown;

		/* what a merge brings in was checked on its own branch */
		if (!g[i].added || g[i].merged_in)
			continue;
		shown = escape_text(g[i].path, true);
		for (int p = 0; p < g[i].nparents; p++)
		{
			const char *parent = g[i].parents[p];

			if (word_in(parent, old_heads, nold) || word_in(parent, added, nadded))
				continue;
			pg_log_error("\"%s\" revises %s, which is not a head of the migrations (heads: %s)",
						 shown, parent, join_words(old_heads, nold));
			if (nold == 1)
				pg_log_error_hint("Base it on %s: set its down_revision to '{%s}' (or delete it and run migrate create MESSAGE again), then git add it.",
								  old_heads[0], old_heads[0]);
			else
				pg_log_error_hint("Join the heads first with migrate merge, then base it on the merge revision.");
			refusals++;
		}
	}
	if (refusals > before)
		return;
	nheads = graph_heads(g, n, false, &heads);
	if (nheads > 1 && merging)
		pg_log_info("this merge leaves %s with %d heads (%s): once it is committed, join them with migrate merge and commit the merge revision",
					dir, nheads, join_words(heads, nheads));
	else if (nheads > 1)
	{
		pg_log_error("this commit leaves %s with %d heads (%s)", dir, nheads, join_words(heads, nheads));
		pg_log_error_hint("Join them: migrate merge, git add the file it writes, and commit again.");
		refusals++;
	}
}

/* models changed: the program's own check, as a child with an argv */
static void
check_models_changed(Options *opts)
{
	char	   *self = program_path();
	const char *argv[16];
	int			n = 0;
	pid_t		pid;
	int			wstatus;

	argv[n++] = self;
	if (opts->conn.host)
		argv[n++] = "-h", argv[n++] = opts->conn.host;
	if (opts->conn.port)
		argv[n++] = "-p", argv[n++] = opts->conn.port;
	if (opts->conn.user)
		argv[n++] = "-U", argv[n++] = opts->conn.user;
	if (opts->conn.dbname)
		argv[n++] = "-d", argv[n++] = opts->conn.dbname;
	argv[n++] = "--dir";
	argv[n++] = opts->dir;
	argv[n++] = "check";
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0)
	{
		/* check's report goes to stderr, where git shows a hook's messages */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execv(self, (char *const *) argv);
		execvp("migrate", (char *const *) argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &wstatus, 0) < 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
	{
		pg_log_error("%s changed, and migrate check finds a problem (above)", models_dir());
		pg_log_error_hint("Follow its next step (a model change needs its migration: migrate create MESSAGE, then migrate upgrade), git add, and commit again.");
		refusals++;
	}
}

static int
hook_run(Options *opts)
{
	char	   *top = toplevel();
	char	   *dir = dir_from_top(opts->dir, top);
	char	   *models = dir_from_top(models_dir(), top);
	char	  **mheads;
	int			nmheads;
	bool		merging;
	char	   *main_label;
	char	  **refs;
	int			nchanges;
	Staged	   *changes;
	bool		any_added = false;
	bool		models_changed = false;
	bool		noted_no_main = false;

	if (chdir(top) != 0)
	{
		pg_log_error("could not change to \"%s\": %m", top);
		exit(EXIT_FAILED);
	}
	mheads = merge_heads(&nmheads);
	merging = nmheads > 0;
	refs = main_refs(&main_label);
	changes = staged_changes(&nchanges);

	for (int i = 0; i < nchanges; i++)
	{
		const Staged *c = &changes[i];
		const char *rest;
		char	   *shown;
		size_t		len = strlen(c->path);

		if (in_dir(c->path, models, &rest) && len > 4 && strcmp(c->path + len - 4, ".sql") == 0)
			models_changed = true;
		if (!in_dir(c->path, dir, &rest))
			continue;
		shown = escape_text(c->path, true);
		if (c->status != 'D' && !migration_file_name_ok(rest))
		{
			pg_log_error("\"%s\" is not a migration file name", shown);
			pg_log_error_detail("%s/ holds only <revision>_<slug>.sql: the revision of [0-9A-Za-z], the slug of [0-9A-Za-z_-].", dir);
			pg_log_error_hint("Rename it (git mv), or move it out of %s/.", dir);
			refusals++;
			continue;
		}
		if (c->status == 'A')
		{
			any_added = true;
			continue;
		}
		if (main_label == NULL)
		{
			if (!noted_no_main && !main_warned)
				pg_log_info("no main branch found (no origin/HEAD, no main, no master): changes to existing migrations are not checked; set git config migrate.mainBranch");
			noted_no_main = true;
		}
		else if (on_main(refs, c->path))
		{
			char	   *word = shell_word(c->path);
			bool		deleted = c->status == 'D';

			pg_log_error("\"%s\" is already on %s: a migration on the main branch may not be %s",
						 shown, main_label, deleted ? "deleted" : "changed");
			pg_log_error_detail(deleted ?
								"Databases may have applied it: they would keep a revision that has no file." :
								"Databases may have applied it already: the change would never reach them.");
			if (merging)
				pg_log_error_hint("Keep %s's version (git checkout %s -- %s, then git add it); once the merge is committed, write the change as a new revision.",
								  main_label, main_label, word);
			else
				pg_log_error_hint("Restore it (git restore --staged --worktree --source=HEAD -- %s) and write the %s as a new revision: migrate create MESSAGE.",
								  word, deleted ? "undoing" : "change");
			refusals++;
		}
	}
	if (any_added && refusals == 0)
		check_graph(opts, dir, changes, nchanges, mheads, nmheads);
	if (models_changed && refusals == 0)
		check_models_changed(opts);
	if (refusals > 0)
	{
		pg_log_error("commit refused: %d problem(s) above", refusals);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

int
cmd_hook(PGconn *conn, Options *opts, int argc, char **argv)
{
	(void) conn;
	if (argc == 1 && strcmp(argv[0], "install") == 0)
		return hook_install(opts);
	if (argc == 1 && strcmp(argv[0], "run") == 0)
	{
		if (opts->dry_run)
		{
			pg_log_error("hook run changes nothing: it takes no --dry-run");
			return EXIT_USAGE;
		}
		return hook_run(opts);
	}
	pg_log_error("hook takes install or run");
	pg_log_error_hint("Try \"migrate hook --help\".");
	return EXIT_USAGE;
}

/*
 * The commands.  Each asks the server: the graph, the plan, heads and
 * state come from the SQL interface (migrate_history, migrate_upgrade with
 * dry_run, migrate_status, ...); nothing here recomputes them.
 *
 * Changing commands run in one transaction: the extension created when
 * missing (writing commands only, and they say so), every file registered,
 * the move, COMMIT.  Any failure rolls all of it back and the closing line
 * says so.  Reading commands that should see files not yet registered
 * register them in a transaction that is rolled back; on a hot standby,
 * or for a role that may not register, they read what is registered and
 * say that files are missing from the picture.
 */
#include "migrate.h"

#include "common/logging.h"
#include "pqexpbuffer.h"

#define MARK_NOT_REGISTERED "(not registered)"

/* ---------------------------------------------------------------------------
 * shared steps
 */

static MigFiles *
load_files(const Options *opts, bool required)
{
	MigFiles   *files = read_migration_files(opts->dir);

	if (!files->exists && required)
	{
		pg_log_error("the migrations folder \"%s\" does not exist", opts->dir);
		pg_log_error_hint("Run migrate in the project's folder, or name the folder with --dir or MIGRATIONS_DIR.");
		exit(EXIT_USAGE);
	}
	return files;
}

/*
 * For reading commands: a transaction, rolled back by the caller, that
 * sees the files registered when that is possible.  When they are not all
 * registered, *why says why (for a note).
 */
static FilesState
begin_reading(PGconn *conn, MigFiles *files, const char **why)
{
	int			failed;

	PGresult   *res;
	bool		can;

	*why = NULL;
	res = query(conn,
				/* by name: the signature grew an argument in 1.2 */
				"SELECT NOT pg_catalog.pg_is_in_recovery() "
				"   AND coalesce((SELECT pg_catalog.bool_and(pg_catalog.has_function_privilege(p.oid, 'EXECUTE')) "
				"                 FROM pg_catalog.pg_proc p "
				"                 WHERE p.proname OPERATOR(pg_catalog.=) 'migrate_revision' "
				"                   AND p.pronamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace), false), "
				"       pg_catalog.pg_is_in_recovery()",
				0, NULL);
	if (res == NULL)
		exit(EXIT_FAILED);
	can = PQgetvalue(res, 0, 0)[0] == 't';
	if (!can)
		*why = PQgetvalue(res, 0, 1)[0] == 't' ? "the server is a standby" :
			"this role may not call migrate_revision";
	PQclear(res);

	if (can && files->count > 0)
	{
		if (!begin_transaction(conn, false))
			exit(EXIT_FAILED);
		/* a running deploy holds the state lock: do not wait for it */
		if (!command_ok(conn, "SELECT pg_catalog.set_config('lock_timeout', '2s', true)"))
			exit(EXIT_FAILED);
		failed = register_files(conn, files, true);
		if (failed == 0)
			return FILES_REGISTERED;
		*why = psprintf("%d file(s) could not be registered (see above)", failed);
		return FILES_FAILED;
	}
	if (!begin_transaction(conn, true))
		exit(EXIT_FAILED);
	return files->count == 0 ? FILES_REGISTERED : FILES_NOT_REGISTERABLE;
}

/* lists the files not registered (when they could not be); returns how many */
static int
note_unregistered_as(PGconn *conn, MigFiles *files, const char *why, const char *prefix)
{
	char	   *ids;
	const char *values[1];
	PGresult   *res;
	int			n;

	if (why == NULL || files->count == 0)
		return 0;
	ids = files_id_array(files);
	values[0] = ids;
	res = query(conn,
				"SELECT f FROM pg_catalog.unnest($1::pg_catalog.text[]) AS f "
				" WHERE f OPERATOR(pg_catalog.<>) ALL ("
				"       SELECT h.revision FROM pg_catalog.migrate_history() AS h) ORDER BY f",
				1, values);
	free(ids);
	if (res == NULL)
		return 0;
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
	{
		const MigFile *f = find_file(files, PQgetvalue(res, i, 0));

		printf("%s%s %s %s\n", prefix, f->revision, MARK_NOT_REGISTERED, f->name);
	}
	if (n > 0)
		pg_log_info("%d file(s) not registered, so not part of this picture: %s", n, why);
	PQclear(res);
	return n;
}

static int
note_unregistered(PGconn *conn, MigFiles *files, const char *why)
{
	return note_unregistered_as(conn, files, why, "");
}

/* "a (label) (head) (current)" markers */
static void
append_markers(PQExpBuffer buf, const char *labels, bool head, bool current,
			   bool branchpoint, bool mergepoint)
{
	if (labels && labels[0])
		appendPQExpBuffer(buf, " (%s)", labels);
	if (head)
		appendPQExpBufferStr(buf, " (head)");
	if (branchpoint)
		appendPQExpBufferStr(buf, " (branchpoint)");
	if (mergepoint)
		appendPQExpBufferStr(buf, " (mergepoint)");
	if (current)
		appendPQExpBufferStr(buf, " (current)");
}

static int
too_many(int argc, int max, const char *usage)
{
	if (argc > max)
	{
		pg_log_error("too many arguments");
		pg_log_error_hint("Usage: migrate %s", usage);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---------------------------------------------------------------------------
 * reading
 */

/*
 * current and heads: one line per revision, "id (labels) (head)", then
 * (pending) for an unapplied head, and the message with -v.  The query
 * gives revision, labels, is_head, is_applied, message.
 */
static int
list_revisions(PGconn *conn, Options *opts, const char *sql)
{
	PGresult   *res = query(conn, sql, 0, NULL);

	if (res == NULL)
		return EXIT_FAILED;
	for (int i = 0; i < PQntuples(res); i++)
	{
		PQExpBufferData line;
		char	   *msg = escape_text(PQgetvalue(res, i, 4), true);

		initPQExpBuffer(&line);
		appendPQExpBufferStr(&line, PQgetvalue(res, i, 0));
		append_markers(&line, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2)[0] == 't', false, false, false);
		if (PQgetvalue(res, i, 3)[0] != 't')
			appendPQExpBufferStr(&line, " (pending)");
		if (opts->verbose)
			appendPQExpBuffer(&line, ", %s", msg);
		printf("%s\n", line.data);
		termPQExpBuffer(&line);
		free(msg);
	}
	PQclear(res);
	return EXIT_OK;
}

/*
 * The start of a reading command that shows files: arguments counted, the
 * extension checked (never created), the files read and, where possible,
 * registered in a transaction the command rolls back.
 */
static bool
start_reading(PGconn *conn, Options *opts, int argc, int max_args, const char *usage,
			  MigFiles **files, const char **why, FilesState *state)
{
	FilesState	st;

	if (too_many(argc, max_args, usage))
		return false;
	check_extension(conn, EXT_READ, false);
	*files = load_files(opts, false);
	st = begin_reading(conn, *files, why);
	if (state)
		*state = st;
	return true;
}

/* the end of one: the files the picture lacks, and the rollback */
static int
end_reading(PGconn *conn, MigFiles *files, const char *why, int status)
{
	if (status == EXIT_OK)
		note_unregistered(conn, files, why);
	rollback(conn);
	return status;
}

int
cmd_current(PGconn *conn, Options *opts, int argc, char **argv)
{
	(void) argv;
	if (too_many(argc, 0, "current"))
		return EXIT_USAGE;
	check_extension(conn, EXT_READ, false);
	return list_revisions(conn, opts,
						  "SELECT h.revision, pg_catalog.array_to_string(h.branch_labels, ', '), h.is_head, true, h.message "
						  "  FROM pg_catalog.migrate_current() AS c(revision) "
						  "  JOIN pg_catalog.migrate_history() AS h "
						  "    ON h.revision OPERATOR(pg_catalog.=) c.revision "
						  " ORDER BY h.revision");
}

int
cmd_heads(PGconn *conn, Options *opts, int argc, char **argv)
{
	MigFiles   *files;
	const char *why;

	(void) argv;
	if (!start_reading(conn, opts, argc, 0, "heads", &files, &why, NULL))
		return EXIT_USAGE;
	return end_reading(conn, files, why,
					   list_revisions(conn, opts,
									  "SELECT h.revision, pg_catalog.array_to_string(h.branch_labels, ', '), true, h.is_applied, h.message "
									  "  FROM pg_catalog.migrate_heads() AS hd(revision) "
									  "  JOIN pg_catalog.migrate_history() AS h "
									  "    ON h.revision OPERATOR(pg_catalog.=) hd.revision "
									  " ORDER BY h.revision"));
}

/*
 * history: one line per revision, children before parents (the server's
 * order), with Alembic's markers.  -r LOWER:UPPER keeps the revisions that
 * descend from LOWER and lead to UPPER (either may be left out; base,
 * head, heads, current and any target the server resolves).
 */
static const char *history_sql =
"WITH RECURSIVE h AS ("
"  SELECT h.*, h.revision OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT pg_catalog.migrate_current())) AS is_current"
"    FROM pg_catalog.migrate_history() WITH ORDINALITY"
"         AS h(revision, down_revision, message, branch_labels, depends_on,"
"              is_head, is_applied, applied_at, n)),"
" children AS ("
"  SELECT d.parent, pg_catalog.count(*) AS n"
"    FROM h, pg_catalog.unnest(h.down_revision) AS d(parent) GROUP BY d.parent),"
" ends AS ("
"  SELECT CASE WHEN $1::pg_catalog.text IS NULL THEN NULL"
"              WHEN $1::pg_catalog.text OPERATOR(pg_catalog.=) 'current' THEN ARRAY(SELECT pg_catalog.migrate_current())"
"              ELSE ARRAY(SELECT pg_catalog.migrate_resolve($1::pg_catalog.text)) END AS lower,"
"         CASE WHEN $2::pg_catalog.text IS NULL THEN NULL"
"              WHEN $2::pg_catalog.text OPERATOR(pg_catalog.=) 'current' THEN ARRAY(SELECT pg_catalog.migrate_current())"
"              ELSE ARRAY(SELECT pg_catalog.migrate_resolve($2::pg_catalog.text)) END AS upper),"
" below(revision) AS ("
"  SELECT pg_catalog.unnest(upper) FROM ends"
"  UNION"
"  SELECT p.parent FROM below JOIN h ON h.revision OPERATOR(pg_catalog.=) below.revision,"
"         pg_catalog.unnest(h.down_revision) AS p(parent)),"
" above(revision) AS ("
"  SELECT pg_catalog.unnest(lower) FROM ends"
"  UNION"
"  SELECT h.revision FROM above JOIN h ON above.revision OPERATOR(pg_catalog.=) ANY (h.down_revision))"
"SELECT h.revision, pg_catalog.array_to_string(h.down_revision, ', '),"
"       pg_catalog.array_to_string(h.branch_labels, ', '),"
"       pg_catalog.array_to_string(h.depends_on, ', '),"
"       h.is_head, h.is_current,"
"       COALESCE(c.n, 0) OPERATOR(pg_catalog.>) 1,"
"       pg_catalog.cardinality(h.down_revision) OPERATOR(pg_catalog.>) 1,"
"       h.message, h.is_applied, h.applied_at"
"  FROM h LEFT JOIN children AS c ON c.parent OPERATOR(pg_catalog.=) h.revision, ends"
" WHERE (ends.upper IS NULL OR h.revision IN (SELECT revision FROM below))"
"   AND (ends.lower IS NULL OR h.revision IN (SELECT revision FROM above))"
" ORDER BY h.n";

static void
print_revision_block(PGresult *res, int i, const MigFiles *files)
{
	PQExpBufferData line;
	const char *rev = PQgetvalue(res, i, 0);
	const MigFile *f = find_file(files, rev);
	char	   *msg = escape_text(PQgetvalue(res, i, 8), false);

	initPQExpBuffer(&line);
	appendPQExpBuffer(&line, "Rev: %s", rev);
	append_markers(&line, NULL, PQgetvalue(res, i, 4)[0] == 't', PQgetvalue(res, i, 5)[0] == 't',
				   PQgetvalue(res, i, 6)[0] == 't', PQgetvalue(res, i, 7)[0] == 't');
	printf("%s\n", line.data);
	termPQExpBuffer(&line);
	printf("Parent: %s\n", PQgetvalue(res, i, 1)[0] ? PQgetvalue(res, i, 1) : "<base>");
	if (PQgetvalue(res, i, 2)[0])
		printf("Branch names: %s\n", PQgetvalue(res, i, 2));
	if (PQgetvalue(res, i, 3)[0])
		printf("Depends on: %s\n", PQgetvalue(res, i, 3));
	printf("Applied: %s\n", PQgetvalue(res, i, 9)[0] == 't' ?
		   (PQgetisnull(res, i, 10) ? "yes" : PQgetvalue(res, i, 10)) : "no");
	printf("File: %s\n", f ? f->path : "(none in the migrations folder)");
	printf("\n    %s\n\n", msg);
	free(msg);
}

int
cmd_history(PGconn *conn, Options *opts, int argc, char **argv)
{
	MigFiles   *files;
	const char *why;
	PGresult   *res;
	char	   *lower = NULL;
	char	   *upper = NULL;
	const char *values[2];

	(void) argv;
	if (opts->range)
	{
		const char *colon = strchr(opts->range, ':');

		if (colon == NULL)
		{
			pg_log_error("a range is LOWER:UPPER (either may be empty), not \"%s\"", opts->range);
			return EXIT_USAGE;
		}
		lower = pnstrdup(opts->range, colon - opts->range);
		upper = pg_strdup(colon + 1);
	}
	if (lower && (lower[0] == '\0' || strcmp(lower, "base") == 0))
		lower = NULL;
	if (upper && upper[0] == '\0')
		upper = NULL;
	if (!start_reading(conn, opts, argc, 0, "history [-r RANGE] [-v]", &files, &why, NULL))
		return EXIT_USAGE;
	values[0] = lower;
	values[1] = upper;
	res = query(conn, history_sql, 2, values);
	if (res == NULL)
		return end_reading(conn, files, why, EXIT_FAILED);
	for (int i = 0; i < PQntuples(res); i++)
	{
		PQExpBufferData line;
		char	   *msg;

		if (opts->verbose)
		{
			print_revision_block(res, i, files);
			continue;
		}
		msg = escape_text(PQgetvalue(res, i, 8), true);
		initPQExpBuffer(&line);
		appendPQExpBuffer(&line, "%s -> %s",
						  PQgetvalue(res, i, 1)[0] ? PQgetvalue(res, i, 1) : "<base>",
						  PQgetvalue(res, i, 0));
		append_markers(&line, PQgetvalue(res, i, 2), PQgetvalue(res, i, 4)[0] == 't',
					   PQgetvalue(res, i, 5)[0] == 't', PQgetvalue(res, i, 6)[0] == 't',
					   PQgetvalue(res, i, 7)[0] == 't');
		/* as in heads: what an upgrade would apply, files not yet registered included */
		if (PQgetvalue(res, i, 9)[0] != 't')
			appendPQExpBufferStr(&line, " (pending)");
		appendPQExpBuffer(&line, ", %s", msg);
		printf("%s\n", line.data);
		termPQExpBuffer(&line);
		free(msg);
	}
	PQclear(res);
	return end_reading(conn, files, why, EXIT_OK);
}

/* branches: each branch point and the revisions that leave it (Alembic's branches) */
int
cmd_branches(PGconn *conn, Options *opts, int argc, char **argv)
{
	MigFiles   *files;
	const char *why;
	PGresult   *res;
	const char *last = "";

	(void) argv;
	if (!start_reading(conn, opts, argc, 0, "branches", &files, &why, NULL))
		return EXIT_USAGE;
	res = query(conn,
				"WITH h AS ("
				"  SELECT h.revision, h.down_revision, h.message, h.n"
				"    FROM pg_catalog.migrate_history() WITH ORDINALITY"
				"         AS h(revision, down_revision, message, branch_labels, depends_on,"
				"              is_head, is_applied, applied_at, n)),"
				" points AS ("
				"  SELECT d.parent FROM h, pg_catalog.unnest(h.down_revision) AS d(parent)"
				"   GROUP BY d.parent HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1)"
				"SELECT p.revision, p.message, c.revision, c.message"
				"  FROM h AS p JOIN points ON points.parent OPERATOR(pg_catalog.=) p.revision"
				"  JOIN h AS c ON p.revision OPERATOR(pg_catalog.=) ANY (c.down_revision)"
				" ORDER BY p.n, c.n",
				0, NULL);
	if (res == NULL)
		return end_reading(conn, files, why, EXIT_FAILED);
	for (int i = 0; i < PQntuples(res); i++)
	{
		char	   *pmsg = escape_text(PQgetvalue(res, i, 1), true);
		char	   *cmsg = escape_text(PQgetvalue(res, i, 3), true);

		if (strcmp(last, PQgetvalue(res, i, 0)) != 0)
			printf("%s (branchpoint), %s\n", PQgetvalue(res, i, 0), pmsg);
		printf("  -> %s, %s\n", PQgetvalue(res, i, 2), cmsg);
		last = PQgetvalue(res, i, 0);
		free(pmsg);
		free(cmsg);
	}
	PQclear(res);
	return end_reading(conn, files, why, EXIT_OK);
}

/* drift: the guard's record of schema changes made outside migrations */
int
cmd_drift(PGconn *conn, Options *opts, int argc, char **argv)
{
	PGresult   *res;

	(void) argv;
	if (too_many(argc, 0, "drift"))
		return EXIT_USAGE;
	check_extension(conn, EXT_READ, false);
	res = query(conn,
				"SELECT d.at, d.role, d.command_tag, d.object_identity, d.statement,"
				"       d.guard, d.guard_set_by_session"
				"  FROM pg_catalog.migrate_drift() AS d ORDER BY d.id",
				0, NULL);
	if (res == NULL)
		return EXIT_FAILED;
	for (int i = 0; i < PQntuples(res); i++)
	{
		char	   *role = escape_text(PQgetvalue(res, i, 1), true);
		char	   *object = escape_text(PQgetvalue(res, i, 3), true);
		char	   *stmt = escape_text(PQgetvalue(res, i, 4), true);

		printf("%s %s %s %s (guard %s%s): %s\n", PQgetvalue(res, i, 0), role,
			   PQgetvalue(res, i, 2), object, PQgetvalue(res, i, 5),
			   PQgetvalue(res, i, 6)[0] == 't' ? ", set by the session" : "", stmt);
		free(role);
		free(object);
		free(stmt);
	}
	if (PQntuples(res) == 0)
		printf("no schema changes outside migrations are recorded\n");
	PQclear(res);
	return EXIT_OK;
}

int
cmd_show(PGconn *conn, Options *opts, int argc, char **argv)
{
	MigFiles   *files;
	const char *why;
	PGresult   *res;
	const char *values[2];

	if (argc != 1)
	{
		pg_log_error("show takes one revision");
		pg_log_error_hint("Usage: migrate show REV");
		return EXIT_USAGE;
	}
	if (!start_reading(conn, opts, 0, 0, "show REV", &files, &why, NULL))
		return EXIT_USAGE;
	/* the history query for exactly what REV resolves to (an upper=lower range) */
	values[0] = argv[0];
	values[1] = argv[0];
	res = query(conn, history_sql, 2, values);
	if (res == NULL)
		return end_reading(conn, files, NULL, EXIT_FAILED);
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *v[1] = {PQgetvalue(res, i, 0)};
		PGresult   *bodies;

		print_revision_block(res, i, files);
		/* the stored bodies: what a downgrade would run, file or no file */
		bodies = query(conn,
					   "SELECT r.upgrade, r.downgrade, r.registered_by FROM migrate.revision AS r "
					   " WHERE r.revision OPERATOR(pg_catalog.=) $1",
					   1, v);
		if (bodies && PQntuples(bodies) == 1)
		{
			char	   *up = escape_text(PQgetvalue(bodies, 0, 0), false);
			char	   *down = escape_text(PQgetvalue(bodies, 0, 1), false);
			char	   *who = escape_text(PQgetvalue(bodies, 0, 2), true);

			printf("Registered by: %s\n", who);
			printf("-- upgrade\n%s\n-- downgrade\n%s\n", up, down);
			free(up);
			free(down);
			free(who);
		}
		PQclear(bodies);
	}
	PQclear(res);
	return end_reading(conn, files, NULL, EXIT_OK);
}

int
cmd_status(PGconn *conn, Options *opts, int argc, char **argv)
{
	MigFiles   *files;
	const char *why;
	PGresult   *res;

	(void) argv;
	if (!start_reading(conn, opts, argc, 0, "status", &files, &why, NULL))
		return EXIT_USAGE;
	res = query(conn,
				"SELECT pg_catalog.array_to_string(s.current_heads, ', '),"
				"       pg_catalog.array_to_string(s.heads, ', '),"
				"       pg_catalog.cardinality(s.pending),"
				"       pg_catalog.array_to_string(s.pending, ', '),"
				"       s.last_migration_at, s.drift,"
				"       CASE s.schema_matches WHEN true THEN 'yes' WHEN false THEN 'no (changed since the last migration)'"
				"            ELSE 'not known yet' END,"
				"       s.guard, s.in_progress"
				"  FROM pg_catalog.migrate_status() AS s",
				0, NULL);
	if (res == NULL)
		return end_reading(conn, files, why, EXIT_FAILED);
	printf("database:        %s\n", PQdb(conn));
	printf("migrations:      %s (%d file(s))\n", files->dir, files->count);
	printf("current:         %s\n", PQgetvalue(res, 0, 0)[0] ? PQgetvalue(res, 0, 0) : "<base>");
	printf("heads:           %s\n", PQgetvalue(res, 0, 1));
	printf("pending:         %s%s%s\n",
		   atoi(PQgetvalue(res, 0, 2)) > 0 ? PQgetvalue(res, 0, 3) : "none",
		   atoi(PQgetvalue(res, 0, 2)) > 0 ? " (migrate upgrade applies them)" : "", "");
	printf("last migration:  %s\n", PQgetisnull(res, 0, 4) ? "never" : PQgetvalue(res, 0, 4));
	printf("drift:           %s change(s) outside migrations since then\n", PQgetvalue(res, 0, 5));
	printf("schema matches:  %s\n", PQgetvalue(res, 0, 6));
	printf("guard:           %s\n", PQgetvalue(res, 0, 7));
	/* a non-transactional revision left half done: the one thing to do next */
	if (!PQgetisnull(res, 0, 8))
		printf("in progress:     %s (left half done: fix the cause, run migrate upgrade again)\n",
			   PQgetvalue(res, 0, 8));
	PQclear(res);
	return end_reading(conn, files, why, EXIT_OK);
}

/*
 * check: do files and database agree, and if not, what is the next step?
 * Each file is registered in a savepoint of a transaction that is rolled
 * back, so every problem is reported, not just the first (an applied
 * revision whose file changed is refused by the server).  Where files
 * cannot be registered (a standby, a role without EXECUTE on
 * migrate_revision) only their presence is compared.
 */
int
cmd_check(PGconn *conn, Options *opts, int argc, char **argv)
{
	MigFiles   *files;
	const char *why;
	PGresult   *res;
	int			problems = 0;
	FilesState	state;
	bool		at_head;
	bool		models_compared;

	(void) argv;
	if (too_many(argc, 0, "check"))
		return EXIT_USAGE;
	check_extension(conn, EXT_READ, false);
	files = load_files(opts, true);
	state = begin_reading(conn, files, &why);
	if (state == FILES_FAILED)
		problems++;
	if (state == FILES_NOT_REGISTERABLE)
	{
		/* which files are new can be seen; whether one changed cannot */
		int			n = note_unregistered(conn, files, why);

		if (n > 0)
		{
			pg_log_error("%d file(s) not registered", n);
			pg_log_error_hint("Run migrate upgrade: it registers and applies them.");
			problems++;
		}
		pg_log_info("file contents not compared with the database: %s", why);
	}
	if (refuse_revisions_without_files(conn, files))
		problems++;
	res = query(conn,
				"SELECT pg_catalog.cardinality(s.heads), pg_catalog.array_to_string(s.heads, ', '),"
				"       pg_catalog.cardinality(s.pending), pg_catalog.array_to_string(s.pending, ', '),"
				"       s.drift, s.schema_matches, s.in_progress"
				"  FROM pg_catalog.migrate_status() AS s",
				0, NULL);
	if (res == NULL)
	{
		rollback(conn);
		return EXIT_FAILED;
	}
	if (atoi(PQgetvalue(res, 0, 0)) > 1)
	{
		pg_log_error("the migrations have %s heads: %s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		pg_log_error_hint("Join them: migrate merge \"merge\".");
		problems++;
	}
	if (atoi(PQgetvalue(res, 0, 2)) > 0)
	{
		pg_log_error("%s revision(s) not applied: %s", PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
		pg_log_error_hint("Run migrate upgrade first: the database is behind its files.");
		problems++;
	}
	if (atol(PQgetvalue(res, 0, 4)) > 0)
	{
		pg_log_error("%s schema change(s) outside migrations since the last migration", PQgetvalue(res, 0, 4));
		pg_log_error_hint("migrate drift lists them; write a migration that makes them.");
		problems++;
	}
	if (!PQgetisnull(res, 0, 5) && PQgetvalue(res, 0, 5)[0] == 'f')
	{
		pg_log_error("the schema no longer matches the fingerprint taken after the last migration");
		pg_log_error_hint("Something changed it that the guard did not see; compare with migrate_describe().");
		problems++;
	}
	if (!PQgetisnull(res, 0, 6))
	{
		pg_log_error("revision %s was left half done (a non-transactional revision that failed or was interrupted)",
					 PQgetvalue(res, 0, 6));
		pg_log_error_hint("Fix the cause and run the same upgrade again (migrate upgrade): it resumes from the statement reached, which migrate status shows.");
		problems++;
	}
	at_head = atoi(PQgetvalue(res, 0, 0)) <= 1 && atoi(PQgetvalue(res, 0, 2)) == 0 &&
		PQgetisnull(res, 0, 6);
	PQclear(res);
	/* the models: compared only with a database at the head of its files */
	problems += check_models(conn, at_head, &models_compared);
	rollback(conn);
	if (problems > 0)
	{
		closing_line("files and database disagree: %d problem(s)", problems);
		return EXIT_FAILED;
	}
	/* never a plain "agree" for what this role could not compare */
	closing_line("files and database agree (%d migration file(s)%s%s)", files->count,
				 models_compared ? ", models too" : "",
				 state == FILES_NOT_REGISTERABLE ? "; their contents not compared" : "");
	return EXIT_OK;
}

/* ---------------------------------------------------------------------------
 * changing
 */

static const char *plan_sql_up =
"SELECT p.revision, p.message, pg_catalog.array_to_string(h.down_revision, ', ')"
"  FROM pg_catalog.migrate_upgrade($1, true) WITH ORDINALITY AS p(revision, message, n)"
"  JOIN pg_catalog.migrate_history() AS h ON h.revision OPERATOR(pg_catalog.=) p.revision"
" ORDER BY p.n";
static const char *plan_sql_down =
"SELECT p.revision, p.message, pg_catalog.array_to_string(h.down_revision, ', ')"
"  FROM pg_catalog.migrate_downgrade($1, true) WITH ORDINALITY AS p(revision, message, n)"
"  JOIN pg_catalog.migrate_history() AS h ON h.revision OPERATOR(pg_catalog.=) p.revision"
" ORDER BY p.n";

static char *
current_line(PGconn *conn)
{
	PGresult   *res = query(conn,
							"SELECT COALESCE(pg_catalog.string_agg(c.r || "
							"         CASE WHEN c.r OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT pg_catalog.migrate_heads()))"
							"              THEN ' (head)' ELSE '' END, ', ' ORDER BY c.r), '<base>')"
							"  FROM pg_catalog.migrate_current() AS c(r)",
							0, NULL);
	char	   *s = pg_strdup(res ? PQgetvalue(res, 0, 0) : "?");

	PQclear(res);
	return s;
}

static int
fail_rolled_back(PGconn *conn)
{
	rollback(conn);
	closing_line("nothing applied: rolled back");
	return EXIT_FAILED;
}

static int
commit_or_fail(PGconn *conn)
{
	if (commit_transaction(conn))
		return EXIT_OK;
	closing_line("nothing applied: rolled back");
	return EXIT_FAILED;
}

/* upgrade and downgrade: plan (dry run), then the move with progress */
static int
move(PGconn *conn, Options *opts, bool upgrade, const char *target)
{
	const char *values[1] = {target};
	MigFiles   *files = NULL;
	PGresult   *plan;
	PGresult   *res;
	int			steps;
	int			nontx;
	char	   *now;

	/* downgrade runs stored bodies: it needs no file, and is the way out when one is gone */
	if (upgrade)
		files = load_files(opts, true);
	if (!begin_transaction(conn, false))
		return EXIT_FAILED;
	/* only an upgrade has a use for a new extension */
	check_extension(conn, upgrade ? EXT_WRITE : EXT_READ, opts->dry_run);
	if (upgrade)
	{
		if (register_files(conn, files, false) > 0)
			return fail_rolled_back(conn);
		if (refuse_revisions_without_files(conn, files))
			return fail_rolled_back(conn);
	}
	/* through a non-transactional revision: statement by statement (nontx.c) */
	if ((nontx = nontx_move(conn, opts, upgrade, target)) >= 0)
		return nontx;
	plan = query(conn, upgrade ? plan_sql_up : plan_sql_down, 1, values);
	if (plan == NULL)
		return fail_rolled_back(conn);
	steps = PQntuples(plan);
	if (opts->dry_run)
	{
		print_plan(upgrade, plan);
		PQclear(plan);
		rollback(conn);
		closing_line("dry run: %d revision(s) would be %s; nothing changed",
					 steps, upgrade ? "applied" : "unapplied");
		return EXIT_OK;
	}
	progress_begin(upgrade, plan);
	res = query(conn, upgrade ?
				"SELECT p.revision FROM pg_catalog.migrate_upgrade($1) AS p" :
				"SELECT p.revision FROM pg_catalog.migrate_downgrade($1) AS p",
				1, values);
	progress_end();
	PQclear(plan);
	if (res == NULL)
		return fail_rolled_back(conn);
	steps = PQntuples(res);
	PQclear(res);
	now = current_line(conn);
	if (commit_or_fail(conn) != EXIT_OK)
		return EXIT_FAILED;
	if (steps == 0)
		closing_line("nothing to %s: at %s", upgrade ? "apply" : "unapply", now);
	else
		closing_line("%s %d revision(s): now at %s", upgrade ? "applied" : "unapplied", steps, now);
	free(now);
	return EXIT_OK;
}

int
cmd_upgrade(PGconn *conn, Options *opts, int argc, char **argv)
{
	if (too_many(argc, 1, "upgrade [TARGET] [--dry-run]"))
		return EXIT_USAGE;
	return move(conn, opts, true, argc == 1 ? argv[0] : "head");
}

int
cmd_downgrade(PGconn *conn, Options *opts, int argc, char **argv)
{
	if (argc != 1)
	{
		pg_log_error("downgrade needs a target (-1, a revision, base)");
		pg_log_error_hint("Usage: migrate downgrade TARGET [--dry-run]");
		return EXIT_USAGE;
	}
	return move(conn, opts, false, argv[0]);
}

/* stamp TARGET...: the applied set becomes exactly that, nothing runs */
int
cmd_stamp(PGconn *conn, Options *opts, int argc, char **argv)
{
	PQExpBufferData arr;
	const char *values[1];
	PGresult   *res;
	MigFiles   *files;
	char	   *before;
	char	   *after;

	if (argc < 1)
	{
		pg_log_error("stamp needs one or more targets (head, a revision, base)");
		pg_log_error_hint("Usage: migrate stamp TARGET... [--dry-run]");
		return EXIT_USAGE;
	}
	files = load_files(opts, true);
	if (!begin_transaction(conn, false))
		return EXIT_FAILED;
	check_extension(conn, EXT_WRITE, opts->dry_run);
	if (register_files(conn, files, false) > 0 || refuse_revisions_without_files(conn, files))
		return fail_rolled_back(conn);
	before = current_line(conn);

	/* the targets as an array parameter: each quoted and escaped as array syntax asks */
	initPQExpBuffer(&arr);
	appendPQExpBufferChar(&arr, '{');
	for (int i = 0; i < argc; i++)
	{
		appendPQExpBufferStr(&arr, i ? ",\"" : "\"");
		for (const char *p = argv[i]; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				appendPQExpBufferChar(&arr, '\\');
			appendPQExpBufferChar(&arr, *p);
		}
		appendPQExpBufferChar(&arr, '"');
	}
	appendPQExpBufferChar(&arr, '}');
	values[0] = arr.data;
	res = query(conn, "SELECT s FROM pg_catalog.migrate_stamp(VARIADIC $1::pg_catalog.text[]) AS s", 1, values);
	termPQExpBuffer(&arr);
	if (res == NULL)
		return fail_rolled_back(conn);
	PQclear(res);
	after = current_line(conn);
	if (opts->dry_run)
	{
		rollback(conn);
		closing_line("dry run: would stamp %s -> %s; nothing changed", before, after);
		return EXIT_OK;
	}
	if (commit_or_fail(conn) != EXIT_OK)
		return EXIT_FAILED;
	closing_line("stamped %s -> %s (nothing ran)", before, after);
	return EXIT_OK;
}

/* forget REV: removes an unapplied revision nothing references */
int
cmd_forget(PGconn *conn, Options *opts, int argc, char **argv)
{
	const char *values[1];
	PGresult   *res;

	if (argc != 1)
	{
		pg_log_error("forget takes one revision id");
		pg_log_error_hint("Usage: migrate forget REV [--dry-run]");
		return EXIT_USAGE;
	}
	values[0] = argv[0];
	if (!begin_transaction(conn, false))
		return EXIT_FAILED;
	check_extension(conn, EXT_READ, opts->dry_run);
	res = query(conn, "SELECT pg_catalog.migrate_forget($1)", 1, values);
	if (res == NULL)
	{
		rollback(conn);
		closing_line("nothing forgotten: rolled back");
		return EXIT_FAILED;
	}
	PQclear(res);
	if (opts->dry_run)
	{
		rollback(conn);
		closing_line("dry run: would forget %s; nothing changed", argv[0]);
		return EXIT_OK;
	}
	if (commit_or_fail(conn) != EXIT_OK)
		return EXIT_FAILED;
	/* the server accepted it as an id ([A-Za-z0-9_]): safe to print */
	closing_line("forgot %s", argv[0]);
	return EXIT_OK;
}

/*
 * sql [FROM:]TARGET: the bodies an upgrade would run, for a DBA to read
 * (Alembic's --sql).  The plan is the server's dry run, from the current
 * state or from FROM stamped in this transaction; it is rolled back.
 * The bodies are printed as stored, byte for byte: the output is SQL.
 */
int
cmd_sql(PGconn *conn, Options *opts, int argc, char **argv)
{
	MigFiles   *files;
	char	   *from = NULL;
	const char *target;
	const char *values[1];
	const char *colon;
	PGresult   *res;
	char	   *start;
	const char *why;
	FilesState	state;

	if (argc != 1)
	{
		pg_log_error("sql takes one [FROM:]TARGET");
		pg_log_error_hint("Usage: migrate sql [FROM:]TARGET");
		return EXIT_USAGE;
	}
	colon = strchr(argv[0], ':');
	target = colon ? colon + 1 : argv[0];
	if (colon)
		from = pnstrdup(argv[0], colon - argv[0]);
	check_extension(conn, EXT_READ, false);
	files = load_files(opts, true);
	state = begin_reading(conn, files, &why);
	if (state == FILES_FAILED)
	{
		rollback(conn);
		return EXIT_FAILED;
	}
	if (from && state == FILES_NOT_REGISTERABLE)
	{
		/* FROM is stamped in the transaction that is rolled back: a write */
		pg_log_error("sql FROM:TARGET cannot plan from \"%s\" here: %s", escape_text(from, true), why);
		pg_log_error_hint("Run it against the primary as a role that may register files, or leave FROM out.");
		rollback(conn);
		return EXIT_FAILED;
	}
	if (from)
	{
		values[0] = from;
		res = query(conn, "SELECT pg_catalog.migrate_stamp(VARIADIC ARRAY[$1::pg_catalog.text])", 1, values);
		if (res == NULL)
		{
			rollback(conn);
			return EXIT_FAILED;
		}
		PQclear(res);
	}
	start = current_line(conn);
	values[0] = target;
	res = query(conn,
				"SELECT p.revision, pg_catalog.array_to_string(h.down_revision, ', '), p.message, r.upgrade"
				"  FROM pg_catalog.migrate_upgrade($1, true) WITH ORDINALITY AS p(revision, message, n)"
				"  JOIN pg_catalog.migrate_history() AS h ON h.revision OPERATOR(pg_catalog.=) p.revision"
				"  JOIN migrate.revision AS r ON r.revision OPERATOR(pg_catalog.=) p.revision"
				" ORDER BY p.n",
				1, values);
	if (res == NULL)
	{
		rollback(conn);
		return EXIT_FAILED;
	}
	printf("-- The SQL an upgrade from %s would run, in order, for review.\n"
		   "-- Running this file records nothing in migrate's catalog: deploy with migrate upgrade.\n",
		   start);
	/* on a standby the files not registered yet cannot be planned: say which */
	if (state == FILES_NOT_REGISTERABLE)
		note_unregistered_as(conn, files, why, "-- left out: ");
	rollback(conn);
	printf("BEGIN;\n");
	for (int i = 0; i < PQntuples(res); i++)
	{
		char	   *msg = escape_text(PQgetvalue(res, i, 2), true);

		printf("\n-- upgrading %s -> %s, %s\n%s\n",
			   PQgetvalue(res, i, 1)[0] ? PQgetvalue(res, i, 1) : "<base>",
			   PQgetvalue(res, i, 0), msg, PQgetvalue(res, i, 3));
		free(msg);
	}
	printf("\nCOMMIT;\n");
	PQclear(res);
	free(start);
	return EXIT_OK;
}

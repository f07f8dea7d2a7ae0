/*
 * nontx.c: upgrade and downgrade through non-transactional revisions.
 *
 * Such a revision's statements (CREATE INDEX CONCURRENTLY, ...) must each be
 * a top-level command outside any transaction block, which no server
 * function can run.  The server gives the whole deploy as commands
 * (migrate_upgrade_commands(), migrate_downgrade_commands()): a
 * migrate_upgrade(T) call per run of transactional steps, and for each
 * non-transactional revision a step call before each statement, the
 * statement, and a done call that records it.  This file sends them one by
 * one, as psql's \gexec would, and keeps the progress and closing lines
 * honest: from the first commit on, what ran stays; the server records how
 * far a revision got, so running the same command again resumes.
 *
 * The same loop runs a long deploy in batches (--commit-every N), and a
 * deploy through a revision that adds an enum value: the server then splits
 * a run of transactional steps into several migrate_upgrade(T, false, K)
 * calls, each its own transaction (src/batch.c).
 */
#include "migrate.h"

#include "common/logging.h"

/* the shapes of the commands the server writes (src/nontx.c) */
#define MOVE_PREFIX_UP		"SELECT revision, message FROM pg_catalog.migrate_upgrade("
#define MOVE_PREFIX_DOWN	"SELECT revision, message FROM pg_catalog.migrate_downgrade("
#define STEP_PREFIX			"SELECT pg_catalog.migrate_nontransactional_step("
#define DONE_PREFIX			"SELECT pg_catalog.migrate_nontransactional_done("

typedef enum CommandKind
{
	CMD_MOVE,					/* a run of transactional steps */
	CMD_STEP,					/* before statement k of a revision */
	CMD_DONE,					/* the revision is recorded */
	CMD_STATEMENT				/* a statement of the revision (or its repair) */
} CommandKind;

static CommandKind
kind_of(const char *cmd, bool upgrade)
{
	const char *move = upgrade ? MOVE_PREFIX_UP : MOVE_PREFIX_DOWN;

	if (strncmp(cmd, move, strlen(move)) == 0)
		return CMD_MOVE;
	if (strncmp(cmd, STEP_PREFIX, strlen(STEP_PREFIX)) == 0)
		return CMD_STEP;
	if (strncmp(cmd, DONE_PREFIX, strlen(DONE_PREFIX)) == 0)
		return CMD_DONE;
	return CMD_STATEMENT;
}

/*
 * The target of a move command, which the server wrote as a plain quoted
 * literal, and its steps argument (*steps, 0 when there is none, for the
 * last batch of a run or a run not split): its dry run gives the plan for
 * the progress lines.  NULL for any other shape (then the steps print
 * without their lines' parents).
 */
static char *
move_target(const char *cmd, bool upgrade, int *steps)
{
	const char *p = cmd + strlen(upgrade ? MOVE_PREFIX_UP : MOVE_PREFIX_DOWN);
	size_t		len = strlen(p);
	const char *batch = strstr(p, "', false, ");
	char	   *out;
	int			n = 0;

	*steps = 0;
	/* a batch: 'target', false, K) -- the quote doubled in a target never precedes ", false, " */
	if (batch && strchr(batch + 10, '\'') == NULL)
	{
		*steps = atoi(batch + 10);
		len = batch + 1 - p + 1;	/* as if the command ended after the literal */
		if (*steps < 1)
			return NULL;
	}
	else if (len < 3 || strcmp(p + len - 2, "')") != 0)
		return NULL;
	if (p[0] != '\'')
		return NULL;
	out = pg_malloc(len);
	for (size_t i = 1; i < len - 2; i++)
	{
		if (p[i] == '\'')
		{
			if (p[i + 1] != '\'')
			{
				free(out);
				return NULL;
			}
			i++;
		}
		out[n++] = p[i];
	}
	out[n] = '\0';
	return out;
}

/*
 * Whether this deploy may cross a non-transactional revision at all, or a
 * revision that adds an enum value.  The latter is only a cheap first look
 * (an unapplied upgrade that has the word "value"): the server decides, by
 * parsing the bodies, whether the commands split the deploy.
 */
static int
maybe_needed(PGconn *conn, bool upgrade)
{
	const char *values[1] = {upgrade ? "t" : "f"};
	PGresult   *res = query(conn,
							"SELECT EXISTS (SELECT FROM migrate.revision AS r"
							"                 JOIN pg_catalog.migrate_history() AS h"
							"                   ON h.revision OPERATOR(pg_catalog.=) r.revision"
							"                WHERE (NOT r.transactional"
							"                       OR ($1::pg_catalog.bool AND r.upgrade OPERATOR(pg_catalog.~*) 'value'))"
							"                  AND h.is_applied OPERATOR(pg_catalog.<>) $1::pg_catalog.bool)"
							"    OR EXISTS (SELECT FROM migrate.in_progress)",
							1, values);
	int			needed;

	if (res == NULL)
		return -1;
	needed = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return needed;
}

/* a revision's line: parents, message (from migrate_history()) */
static PGresult *
revision_row(PGconn *conn, const char *revision)
{
	const char *values[1] = {revision};

	return query(conn,
				 "SELECT h.revision, h.message, pg_catalog.array_to_string(h.down_revision, ', ')"
				 "  FROM pg_catalog.migrate_history() AS h"
				 " WHERE h.revision OPERATOR(pg_catalog.=) $1",
				 1, values);
}

static PGresult *
move_plan(PGconn *conn, bool upgrade, const char *target, int steps)
{
	char		nsteps[16];
	const char *values[2] = {target, NULL};

	if (steps > 0)
	{
		snprintf(nsteps, sizeof(nsteps), "%d", steps);
		values[1] = nsteps;
	}
	return query(conn, upgrade ?
				 "SELECT p.revision, p.message, pg_catalog.array_to_string(h.down_revision, ', ')"
				 "  FROM pg_catalog.migrate_upgrade($1, true, $2::pg_catalog.int4) WITH ORDINALITY AS p(revision, message, n)"
				 "  JOIN pg_catalog.migrate_history() AS h ON h.revision OPERATOR(pg_catalog.=) p.revision"
				 " ORDER BY p.n" :
				 "SELECT p.revision, p.message, pg_catalog.array_to_string(h.down_revision, ', ')"
				 "  FROM pg_catalog.migrate_downgrade($1, true) WITH ORDINALITY AS p(revision, message, n)"
				 "  JOIN pg_catalog.migrate_history() AS h ON h.revision OPERATOR(pg_catalog.=) p.revision"
				 " ORDER BY p.n",
				 upgrade ? 2 : 1, values);
}

/* the current revisions, as the closing line says them; NULL without a connection */
static char *
now_at(PGconn *conn)
{
	PGresult   *res;
	char	   *s;

	if (PQstatus(conn) != CONNECTION_OK)
		return NULL;
	res = query(conn,
				"SELECT COALESCE(pg_catalog.string_agg(c.r || "
				"         CASE WHEN c.r OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT pg_catalog.migrate_heads()))"
				"              THEN ' (head)' ELSE '' END, ', ' ORDER BY c.r), '<base>')"
				"  FROM pg_catalog.migrate_current() AS c(r)",
				0, NULL);
	s = res ? pg_strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	return s;
}

/* one command, alone, outside a transaction block (as \gexec sends it) */
static PGresult *
run_command(PGconn *conn, const char *cmd)
{
	PGresult   *res = PQexec(conn, cmd);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	report_error(res, NULL);
	PQclear(res);
	return NULL;
}

static void
dry_run(bool upgrade, PGresult *commands)
{
	int			n = PQntuples(commands);

	printf("-- the %s as top-level commands, each run on its own outside a transaction block\n",
		   upgrade ? "upgrade" : "downgrade");
	for (int i = 0; i < n; i++)
	{
		const char *c = PQgetvalue(commands, i, 0);

		/* a statement may end in a line comment: its semicolon goes on a line of its own */
		printf(strchr(c, '\n') ? "%s\n;\n" : "%s;\n", c);
	}
	closing_line("dry run: %d command(s) would run, outside a transaction block; nothing changed", n);
}

/*
 * After registration (in the open transaction): when the deploy crosses a
 * non-transactional revision, or resumes one, run it here and return the
 * exit status; otherwise return -1 with the transaction still open, and
 * move() goes on as for any deploy.
 */
int
nontx_move(PGconn *conn, Options *opts, bool upgrade, const char *target)
{
	const char *verb = upgrade ? "upgrade" : "downgrade";
	char		every[16];
	const char *values[2] = {target, NULL};
	PGresult   *commands;
	int			ncommands;
	int			needed;
	int			applied = 0;	/* revisions committed by this run */
	int			nontx = 0;		/* of them non-transactional */
	int			batches = 0;	/* move commands committed */
	int			batch_revisions = 0;	/* the revisions they applied */
	bool		split = false;	/* some run of steps is split into batches */
	bool		in_move = false;	/* the failure, if any, is in a move */
	char	   *revision = NULL;	/* the non-transactional one under way */
	int			k = 0;
	int			nstatements = 0;
	char	   *now;
	int			i;

	needed = maybe_needed(conn, upgrade);
	if (needed < 0)
	{
		rollback(conn);
		closing_line("nothing applied: rolled back");
		return EXIT_FAILED;
	}
	if (!needed && opts->commit_every == 0)
		return -1;
	if (opts->commit_every > 0)
	{
		snprintf(every, sizeof(every), "%d", opts->commit_every);
		values[1] = every;
	}
	commands = query(conn, upgrade ?
					 "SELECT c.command FROM pg_catalog.migrate_upgrade_commands($1, $2::pg_catalog.int4) AS c" :
					 "SELECT c.command FROM pg_catalog.migrate_downgrade_commands($1) AS c",
					 upgrade ? 2 : 1, values);
	if (commands == NULL)
	{
		rollback(conn);
		closing_line("nothing applied: rolled back");
		return EXIT_FAILED;
	}
	ncommands = PQntuples(commands);
	for (i = 0; i < ncommands; i++)
		if (kind_of(PQgetvalue(commands, i, 0), upgrade) != CMD_MOVE)
			break;
	/*
	 * One move and nothing else (the target stops short of the revision, or
	 * nothing splits the steps): an ordinary deploy, in one transaction.  With
	 * --commit-every the batch loop runs even for one batch, so that the
	 * closing line says what was committed as the option promised.
	 */
	if (ncommands == 0 || (i == ncommands && ncommands == 1 && opts->commit_every == 0))
	{
		PQclear(commands);
		return -1;
	}
	if (opts->dry_run)
	{
		dry_run(upgrade, commands);
		PQclear(commands);
		rollback(conn);
		return EXIT_OK;
	}

	/* the registration first: the commands run outside any transaction */
	if (!commit_transaction(conn))
	{
		PQclear(commands);
		closing_line("nothing applied: rolled back");
		return EXIT_FAILED;
	}
	progress_hide_moves(true);
	for (i = 0; i < ncommands; i++)
	{
		const char *cmd = PQgetvalue(commands, i, 0);
		CommandKind kind = kind_of(cmd, upgrade);
		PGresult   *res;

		if (kind == CMD_MOVE)
		{
			int			steps;
			char	   *t = move_target(cmd, upgrade, &steps);
			PGresult   *plan = t ? move_plan(conn, upgrade, t, steps) : NULL;

			free(t);
			split |= steps > 0;
			if (plan)
				progress_begin(upgrade, plan);
			in_move = true;
			res = run_command(conn, cmd);
			progress_end();
			PQclear(plan);
			if (res == NULL)
				break;
			in_move = false;
			applied += PQntuples(res);
			/* a batch that found nothing left (a run ended early) is no batch */
			if (PQntuples(res) > 0)
			{
				batches++;
				batch_revisions += PQntuples(res);
				if (split || opts->commit_every > 0)
					printf("  batch %d committed: %d revision(s)\n", batches, PQntuples(res));
			}
		}
		else if (kind == CMD_STEP)
		{
			PGresult   *p;
			bool		first;

			res = run_command(conn, cmd);
			if (res == NULL)
				break;
			/* which statement of which revision: the server's record */
			p = query(conn,
					  "SELECT i.revision, i.next, i.statements FROM pg_catalog.migrate_in_progress() AS i",
					  0, NULL);
			if (p == NULL || PQntuples(p) != 1)
			{
				PQclear(p);
				PQclear(res);
				res = NULL;
				break;
			}
			first = revision == NULL || strcmp(revision, PQgetvalue(p, 0, 0)) != 0;
			free(revision);
			revision = pg_strdup(PQgetvalue(p, 0, 0));
			k = atoi(PQgetvalue(p, 0, 1));
			nstatements = atoi(PQgetvalue(p, 0, 2));
			PQclear(p);
			if (first)
			{
				PGresult   *row = revision_row(conn, revision);
				char		suffix[128];

				snprintf(suffix, sizeof(suffix),
						 " (non-transactional: %d statement(s), each committed on its own%s)",
						 nstatements, k > 1 ? "; resuming" : "");
				if (row && PQntuples(row) == 1)
					print_plan_step(upgrade, row, 0, suffix);
				PQclear(row);
			}
		}
		else if (kind == CMD_DONE)
		{
			res = run_command(conn, cmd);
			if (res == NULL)
				break;
			printf("  recorded %s %s\n", revision ? revision : "?", upgrade ? "applied" : "unapplied");
			applied++;
			nontx++;
			free(revision);
			revision = NULL;
		}
		else
		{
			/* a repair (DROP INDEX CONCURRENTLY IF EXISTS) comes before its statement */
			bool		repair = i + 1 < ncommands &&
				kind_of(PQgetvalue(commands, i + 1, 0), upgrade) == CMD_STATEMENT;
			char	   *text = escape_text(cmd, true);

			printf(repair ? "  before statement %d of %d, dropping what the failed run left: %s\n" :
				   "  statement %d of %d: %s\n", k, nstatements, text);
			fflush(stdout);
			free(text);
			res = run_command(conn, cmd);
			if (res == NULL)
				break;
		}
		PQclear(res);
	}
	progress_hide_moves(false);
	PQclear(commands);
	now = now_at(conn);
	if (i < ncommands)
	{
		/* what stays: the registration, and every step committed before this one */
		if (revision)
			pg_log_error_detail("Statement %d of %d of revision %s failed; it stays in progress (migrate_in_progress()).",
								k, nstatements, revision);
		pg_log_error_hint("Fix the cause and run the same %s again: it resumes from where this one stopped.", verb);
		if ((split || opts->commit_every > 0) && in_move)
		{
			if (nontx > 0)
				closing_line("%s failed: %d batch(es) committed (%d revision(s)) and %d non-transactional revision(s); batch %d rolled back: nothing of it applied; now at %s",
							 verb, batches, batch_revisions, nontx, batches + 1,
							 now ? now : "? (connection lost)");
			else
				closing_line("%s failed: %d batch(es) committed (%d revision(s)); batch %d rolled back: nothing of it applied; now at %s",
							 verb, batches, batch_revisions, batches + 1,
							 now ? now : "? (connection lost)");
			free(now);
			free(revision);
			return EXIT_FAILED;
		}
		closing_line("%s failed: %d revision(s) committed before the failure stay %s (not rolled back)%s%s%s; now at %s",
					 verb, applied, upgrade ? "applied" : "unapplied",
					 revision ? ", revision " : "", revision ? revision : "",
					 revision ? " left in progress" : "", now ? now : "? (connection lost)");
		free(now);
		free(revision);
		return EXIT_FAILED;
	}
	if (split || opts->commit_every > 0)
	{
		if (nontx > 0)
			closing_line("applied %d revision(s) in %d batch(es) and %d non-transactional revision(s): now at %s",
						 applied, batches, nontx, now ? now : "?");
		else
			closing_line("applied %d revision(s) in %d batch(es): now at %s",
						 applied, batches, now ? now : "?");
	}
	else
		closing_line("%s %d revision(s), %d of them non-transactional: now at %s",
					 upgrade ? "applied" : "unapplied", applied, nontx, now ? now : "?");
	free(now);
	return EXIT_OK;
}

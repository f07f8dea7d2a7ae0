/*-------------------------------------------------------------------------
 *
 * nontx.c
 *	  Non-transactional revisions: CREATE INDEX CONCURRENTLY and the other
 *	  statements that cannot run inside a transaction block.
 *
 * PostgreSQL refuses those statements inside any function (SQLSTATE 25001),
 * so the server cannot run them: the client sends them, each as its own
 * top-level command.  A revision registered with transactional => false
 * has bodies that are lists of such commands.  migrate_upgrade() and
 * migrate_downgrade() stop before the first one (nontx_stop_before);
 * migrate_upgrade_commands() and migrate_downgrade_commands() give the whole
 * deploy as commands for psql's \gexec (nontx_commands):
 *
 *	SELECT revision, message FROM migrate_upgrade('T')	the transactional steps
 *	SELECT migrate_nontransactional_step('X', 'upgrade', 1)
 *	CREATE INDEX CONCURRENTLY ...						statement 1 of X
 *	...
 *	SELECT migrate_nontransactional_done('X', 'upgrade')
 *	SELECT revision, message FROM migrate_upgrade('T')	what comes after X
 *
 * migrate.in_progress records the revision under way, the statement to run
 * next and the session running it.  A step call checks that its statement
 * is the next one, makes its session the runner (taking over from a session
 * that is gone, never from a live one) and arms this backend with the
 * statement's text.  The ProcessUtility hook below runs the armed statement
 * in band (the guard lets it through and records no drift) and, once it has
 * succeeded, advances "next" in the statement's own last transaction: for
 * CREATE INDEX CONCURRENTLY the same transaction that marks the index
 * valid.  So "next" never passes a statement that did not complete, and a
 * statement that completed is never run again.  A failed or interrupted
 * CREATE INDEX CONCURRENTLY leaves an INVALID index; the commands of the
 * next run drop it (DROP INDEX CONCURRENTLY IF EXISTS, also in band) before
 * building it again.
 *
 * An armed statement runs with migrate.lock_timeout; the first lock of a
 * CREATE INDEX CONCURRENTLY is taken before it starts and retried as
 * migrate.lock_retries says, a timeout later on fails it (run_armed).
 *
 * Only the armed session, and only the exact text of the armed statement
 * (compared after the parser's statement boundaries, less leading comments
 * and surrounding white space), passes the guard: arming needs EXECUTE on
 * the step function and a body whose registrant the caller trusts
 * (trust.c), like migrate_upgrade() itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scansup.h"
#include "storage/lmgr.h"
#include "storage/lockdefs.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "apply.h"
#include "batch.h"
#include "catalog.h"
#include "drift.h"
#include "graph.h"
#include "nontx.h"
#include "trust.h"

static ProcessUtility_hook_type prev_process_utility = NULL;

/* What this backend may run in band next; lives in armed_cxt. */
typedef struct Armed
{
	char	   *revision;
	bool		upgrade;
	int			statement;		/* 1-based */
	List	   *statements;		/* every statement of the body, trimmed */
	char	   *repair;			/* DROP INDEX CONCURRENTLY before it, or NULL */
} Armed;

static MemoryContext armed_cxt = NULL;
static Armed *armed = NULL;

/* how many times the armed statement waited for its first lock, for the error */
static int	lock_attempts = 1;

/* true while an armed statement runs: the guard counts it as in band */
static bool running_statement = false;

/*
 * This session asked for the commands of a deploy: the stops of the
 * migrate_upgrade() calls among them are expected, a NOTICE, not a WARNING.
 */
static bool commands_given = false;

bool
nontx_in_statement(void)
{
	return running_statement;
}

static void
disarm(void)
{
	if (armed_cxt)
		MemoryContextReset(armed_cxt);
	armed = NULL;
}

/*
 * The statement in text[start, start+len), without leading white space and
 * comments and without trailing white space: the form stored, sent and
 * compared.
 */
static char *
trim_statement(const char *text, int start, int len)
{
	const char *p = text + start;
	const char *end = text + start + len;

	for (;;)
	{
		while (p < end && scanner_isspace(*p))
			p++;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
		{
			while (p < end && *p != '\n' && *p != '\r')
				p++;
		}
		else if (end - p >= 2 && p[0] == '/' && p[1] == '*')
		{
			int			depth = 1;

			p += 2;
			while (p < end && depth > 0)
			{
				if (end - p >= 2 && p[0] == '/' && p[1] == '*')
					depth++, p += 2;
				else if (end - p >= 2 && p[0] == '*' && p[1] == '/')
					depth--, p += 2;
				else
					p++;
			}
		}
		else
			break;
	}
	while (end > p && scanner_isspace(end[-1]))
		end--;
	return pnstrdup(p, end - p);
}

/* The raw statements of a body, as the server's parser splits it. */
static List *
raw_statements(const char *body)
{
	return raw_parser(body, RAW_PARSE_DEFAULT);
}

static char *
raw_text(const char *body, RawStmt *rs)
{
	int			len = rs->stmt_len ? rs->stmt_len : (int) strlen(body) - rs->stmt_location;

	return trim_statement(body, rs->stmt_location, len);
}

/* The statements of a body, trimmed, in order. */
List *
nontx_statements(const char *body)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, raw_statements(body))
		out = lappend(out, raw_text(body, lfirst_node(RawStmt, lc)));
	return out;
}

/* The first word of a body, lower case, skipping white space and comments. */
static bool
starts_with_begin(const char *body)
{
	char	   *t = trim_statement(body, 0, strlen(body));

	return pg_strncasecmp(t, "begin", 5) == 0 || pg_strncasecmp(t, "start", 5) == 0;
}

static bool
is_transaction_stmt(Node *n, TransactionStmtKind kind)
{
	return IsA(n, TransactionStmt) && ((TransactionStmt *) n)->kind == kind;
}

/* A syntax error in a body points into the body, not into the call. */
typedef struct BodyContext
{
	const char *revision;
	const char *which;
	const char *body;
} BodyContext;

static void
body_error_callback(void *arg)
{
	BodyContext *bc = (BodyContext *) arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(bc->body);
	}
	errcontext("%s of revision \"%s\"", bc->which, bc->revision);
}

static List *
parse_body(const char *revision, const char *which, const char *body)
{
	BodyContext bc = {revision, which, body};
	ErrorContextCallback cb;
	List	   *raw;

	cb.callback = body_error_callback;
	cb.arg = &bc;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	raw = raw_statements(body);
	error_context_stack = cb.previous;
	return raw;
}

/*
 * Registration-time checks of one body.  A transactional body that opens a
 * transaction of its own (a file written for psql -f) is refused with what
 * to do.  A non-transactional body must parse, and each statement must be
 * one that runs through ProcessUtility (what cannot run in a transaction
 * is), without transaction control: the client runs each as its own
 * command, and data changes belong in transactional revisions.
 */
void
nontx_check_body(const char *revision, const char *which, const char *body,
				 bool transactional)
{
	List	   *raw;
	ListCell   *lc;

	if (transactional)
	{
		RawStmt    *first,
				   *last;

		/* parse only what may start with BEGIN: registration stays cheap */
		if (!starts_with_begin(body))
			return;
		raw = parse_body(revision, which, body);
		if (raw == NIL)
			return;
		first = linitial_node(RawStmt, raw);
		last = llast_node(RawStmt, raw);
		if (is_transaction_stmt(first->stmt, TRANS_STMT_BEGIN) ||
			is_transaction_stmt(first->stmt, TRANS_STMT_START))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("%s of revision \"%s\" starts a transaction of its own", which, revision),
					 is_transaction_stmt(last->stmt, TRANS_STMT_COMMIT) ?
					 errdetail("Its first statement is \"%s\" and its last \"%s\".",
							   raw_text(body, first), raw_text(body, last)) :
					 errdetail("Its first statement is \"%s\".", raw_text(body, first)),
					 errhint("Remove the BEGIN and the COMMIT: migrate runs every revision in a transaction. Statements that cannot run in a transaction belong in a revision registered with transactional => false.")));
		return;
	}

	foreach(lc, parse_body(revision, which, body))
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		Node	   *n = rs->stmt;
		const char *problem = NULL;

		if (IsA(n, TransactionStmt))
			problem = "Each statement of a non-transactional revision runs as its own command: transaction control has no place in it.";
		/*
		 * EXPLAIN (ANALYZE runs its query), COPY and EXECUTE (a prepared
		 * query) go through ProcessUtility but are queries and data changes
		 * all the same.  DO and CALL stay: at top level they may commit, as
		 * a batched backfill does, which no transactional revision can.
		 */
		else if (IsA(n, SelectStmt) || IsA(n, InsertStmt) || IsA(n, UpdateStmt) ||
				 IsA(n, DeleteStmt) || IsA(n, ExplainStmt) || IsA(n, CopyStmt) ||
				 IsA(n, ExecuteStmt)
#if PG_VERSION_NUM >= 150000
				 || IsA(n, MergeStmt)
#endif
			)
			problem = "A non-transactional revision holds only statements that cannot run in a transaction and other utility commands; queries and data changes belong in a transactional revision before or after it.";
		if (problem)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s of non-transactional revision \"%s\" contains \"%s\"",
							which, revision, raw_text(body, rs)),
					 errdetail("%s", problem),
					 errhint("Move the statement into a revision of its own, registered without transactional => false.")));
	}
}

/*
 * The non-transactional statements of a CREATE INDEX CONCURRENTLY: if an
 * index of that name is left INVALID on the statement's table by an
 * earlier attempt, the DROP that clears it; else NULL.  With
 * only_if_invalid false, the DROP is given whether or not such an index
 * exists (arming: the text to recognize; armed_kind checks again, when it
 * runs, that the index is one to repair).
 */
static char *
repair_for(const char *statement, bool only_if_invalid)
{
	List	   *raw = raw_statements(statement);
	IndexStmt  *is;
	Oid			relid,
				nsp,
				indexid;
	bool		invalid = false;

	if (list_length(raw) != 1 || !IsA(linitial_node(RawStmt, raw)->stmt, IndexStmt))
		return NULL;
	is = (IndexStmt *) linitial_node(RawStmt, raw)->stmt;
	if (!is->concurrent || is->idxname == NULL)
		return NULL;
	relid = RangeVarGetRelid(is->relation, NoLock, true);
	if (!OidIsValid(relid))
		return NULL;
	nsp = get_rel_namespace(relid);
	indexid = get_relname_relid(is->idxname, nsp);
	if (OidIsValid(indexid))
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));

		if (HeapTupleIsValid(tup))
		{
			Form_pg_index ix = (Form_pg_index) GETSTRUCT(tup);

			/* what an interrupted build of this statement leaves: on its table */
			invalid = !ix->indisvalid && ix->indrelid == relid;
			ReleaseSysCache(tup);
		}
	}
	if (only_if_invalid && !invalid)
		return NULL;
	return psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
					quote_qualified_identifier(get_namespace_name(nsp), is->idxname));
}

/* ---- the catalog ---- */

/* The body of revision r of the graph in one direction, and its flag. */
static char *
load_body(Graph *g, int r, bool upgrade, bool *transactional)
{
	return catalog_read_bodies(g, list_make1_int(r), upgrade, false, transactional)[0];
}

/*
 * Does the catalog know non-transactional revisions?  The library also runs
 * with the tables of 1.0 and 1.1 until ALTER EXTENSION migrate UPDATE.
 */
bool
nontx_catalog(void)
{
	return catalog_has_table("in_progress");
}

bool
nontx_read_progress(NontxProgress *p)
{
	CatalogAccess ca;
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	int			rc;

	if (!nontx_catalog())
		return false;
	catalog_enter(&ca);
	rc = SPI_execute("SELECT i.revision, i.direction OPERATOR(pg_catalog.=) 'upgrade', i.next, "
					 "i.statements, i.role, i.started_at, i.pid, i.backend_start, "
					 "EXISTS (SELECT FROM pg_catalog.pg_stat_activity a "
					 "        WHERE a.pid OPERATOR(pg_catalog.=) i.pid "
					 "        AND a.backend_start OPERATOR(pg_catalog.=) i.backend_start) "
					 "FROM migrate.in_progress i", false, 0);
	catalog_check_spi(rc, SPI_OK_SELECT, "reading migrate.in_progress");
	catalog_leave(&ca);
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return false;
	}
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	p->revision = TextDatumGetCString(SPI_getbinval(tup, desc, 1, &isnull));
	p->upgrade = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
	p->next = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	p->statements = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
	p->role = pstrdup(NameStr(*DatumGetName(SPI_getbinval(tup, desc, 5, &isnull))));
	p->started_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 6, &isnull));
	p->pid = DatumGetInt32(SPI_getbinval(tup, desc, 7, &isnull));
	p->backend_start = DatumGetTimestampTz(SPI_getbinval(tup, desc, 8, &isnull));
	p->alive = DatumGetBool(SPI_getbinval(tup, desc, 9, &isnull));
	SPI_freetuptable(SPI_tuptable);
	return true;
}

static bool
is_mine(const NontxProgress *p)
{
	return p->pid == MyProcPid && p->backend_start == MyStartTimestamp;
}

static void
write_progress(const char *sql, const char *revision, bool upgrade, int next, int statements)
{
	CatalogAccess ca;
	Oid			argtypes[7] = {TEXTOID, TEXTOID, INT4OID, INT4OID, NAMEOID, INT4OID, TIMESTAMPTZOID};
	Datum		values[7];
	int			rc;

	values[0] = CStringGetTextDatum(revision);
	values[1] = CStringGetTextDatum(upgrade ? "upgrade" : "downgrade");
	values[2] = Int32GetDatum(next);
	values[3] = Int32GetDatum(statements);
	values[4] = NameGetDatum(catalog_caller_name());
	values[5] = Int32GetDatum(MyProcPid);
	values[6] = TimestampTzGetDatum(MyStartTimestamp);
	catalog_enter(&ca);
	rc = SPI_execute_with_args(sql, 7, argtypes, values, NULL, false, 0);
	catalog_leave(&ca);
	if (rc < 0)
		elog(ERROR, "writing migrate.in_progress failed: %s", SPI_result_code_string(rc));
}

static const char *
verb(bool upgrade)
{
	return upgrade ? "applied" : "unapplied";
}

/* The error for any change to a revision while it is half applied. */
void
nontx_check_not_in_progress(const char *revision, const char *action)
{
	NontxProgress p;

	if (nontx_read_progress(&p) && strcmp(p.revision, revision) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is being %s and cannot be %s", revision,
						verb(p.upgrade), action),
				 errdetail("Statement %d of its %d has not completed yet.", p.next, p.statements),
				 errhint("Finish the %s with migrate_%s_commands(), or record the state with migrate_stamp().",
						 p.upgrade ? "upgrade" : "downgrade", p.upgrade ? "upgrade" : "downgrade")));
}

/* migrate_stamp(): the caller says where the schema stands. */
bool
nontx_clear_in_progress(void)
{
	CatalogAccess ca;
	NontxProgress p;
	int			rc;

	if (!nontx_read_progress(&p))
		return false;
	catalog_enter(&ca);
	rc = SPI_execute("DELETE FROM migrate.in_progress", false, 0);
	catalog_check_spi(rc, SPI_OK_DELETE, "clearing migrate.in_progress");
	catalog_leave(&ca);
	ereport(WARNING,
			(errmsg("revision \"%s\" was being %s: it is no longer recorded as in progress",
					p.revision, verb(p.upgrade)),
			 p.next > 1 ?
			 errdetail("Statements 1 to %d of its %d had completed.", p.next - 1, p.statements) :
			 errdetail("None of its %d statements had completed.", p.statements)));
	return true;
}

char *
nontx_in_progress_revision(void)
{
	NontxProgress p;

	return nontx_read_progress(&p) ? p.revision : NULL;
}

/* ---- planning ---- */

/*
 * The statements of the non-transactional revisions among steps that have
 * statements in this direction, indexed by revision (NIL for the others);
 * *any tells whether there is one.  A non-transactional revision with
 * nothing to run in this direction is an ordinary step.
 */
static List **
nontx_set(Graph *g, List *steps, bool upgrade, bool *any)
{
	List	  **set = palloc0(sizeof(List *) * Max(g->n, 1));
	char	  **bodies;
	ListCell   *lc;
	int			i = 0;

	*any = false;
	if (steps == NIL)
		return set;
	bodies = catalog_read_bodies(g, steps, upgrade, true, NULL);
	foreach(lc, steps)
	{
		char	   *body = bodies[i++];

		if (body == NULL)
			continue;
		set[lfirst_int(lc)] = nontx_statements(body);
		*any |= set[lfirst_int(lc)] != NIL;
	}
	return set;
}

/*
 * migrate_upgrade() and migrate_downgrade() run the steps before the first
 * non-transactional revision and stop there, with a WARNING that says how
 * to go on; while a revision is half applied they run nothing.
 */
List *
nontx_stop_before(Graph *g, List *steps, bool upgrade)
{
	NontxProgress p;
	bool		any;
	List	  **set;
	List	   *kept = NIL;
	ListCell   *lc;
	const char *dir = upgrade ? "upgrade" : "downgrade";

	if (steps == NIL)
		return steps;
	if (nontx_read_progress(&p))
	{
		ereport(WARNING,
				(errmsg("%s stopped: revision \"%s\" is being %s", dir, p.revision, verb(p.upgrade)),
				 errdetail("Statement %d of its %d is next; nothing was run.", p.next, p.statements),
				 errhint("Finish it, and the rest of the deploy, with: SELECT command FROM migrate_%s_commands('<target>') \\gexec",
						 p.upgrade ? "upgrade" : "downgrade")));
		return NIL;
	}
	set = nontx_set(g, steps, upgrade, &any);
	if (!any)
		return steps;
	foreach(lc, steps)
	{
		int			r = lfirst_int(lc);

		if (set[r] != NIL)
		{
			ereport(commands_given ? NOTICE : WARNING,
					(errmsg("%s stopped before revision \"%s\", which cannot run in a transaction",
							dir, g->revs[r].id),
					 errdetail("It is step %d of %d: the call runs the steps before it only.",
							   list_length(kept) + 1, list_length(steps)),
					 errhint("Run the whole deploy outside a transaction block, in psql with: SELECT command FROM migrate_%s_commands('<target>') \\gexec",
							 dir)));
			break;
		}
		kept = lappend_int(kept, r);
	}
	return kept;
}

/*
 * The target the commands hand to migrate_upgrade()/migrate_downgrade():
 * a relative step means something else once part of the deploy is done, so
 * it is replaced by the revision it names now.
 */
static char *
absolute_target(Graph *g, const TargetSpec *spec, bool upgrade)
{
	if (spec->steps == 0)
		return pstrdup(spec->text);
	if (upgrade)
	{
		List	   *t = target_for_upgrade(g, spec);

		if (list_length(t) == 1)
			return pstrdup(g->revs[linitial_int(t)].id);
		return pstrdup(spec->text);
	}
	else
	{
		const char *branch;
		int			t = target_for_downgrade(g, spec, &branch);
		const char *name = t >= 0 ? g->revs[t].id : "base";

		return branch ? psprintf("%s@%s", branch, name) : pstrdup(name);
	}
}

static void
revision_commands(List **out, const char *id, bool upgrade, List *statements, int from)
{
	const char *dir = upgrade ? "upgrade" : "downgrade";
	int			k;

	for (k = from; k <= list_length(statements); k++)
	{
		char	   *s = list_nth(statements, k - 1);
		char	   *repair = repair_for(s, true);

		*out = lappend(*out, psprintf("SELECT pg_catalog.migrate_nontransactional_step(%s, '%s', %d)",
									  quote_literal_cstr(id), dir, k));
		if (repair)
			*out = lappend(*out, repair);
		*out = lappend(*out, s);
	}
	*out = lappend(*out, psprintf("SELECT pg_catalog.migrate_nontransactional_done(%s, '%s')",
								  quote_literal_cstr(id), dir));
}

/*
 * The move commands of one run of transactional steps: one migrate_upgrade()
 * call for the run when it is not split; else one call per batch, with the
 * batch's size as its steps argument, the last one without (it applies the
 * rest of the run, as an unsplit run does).  *chunks is emptied.
 */
static void
batch_moves(List **out, const char *move, List **chunks, int chunk)
{
	ListCell   *lc;
	int			left;

	if (chunk > 0)
		*chunks = lappend_int(*chunks, chunk);
	left = list_length(*chunks);
	foreach(lc, *chunks)
	{
		if (--left == 0)
			*out = lappend(*out, pstrdup(move));
		else
			*out = lappend(*out, psprintf("%.*s, false, %d)", (int) strlen(move) - 1, move,
										  lfirst_int(lc)));
	}
	list_free(*chunks);
	*chunks = NIL;
}

/*
 * The whole deploy to a target as top-level commands: a migrate_upgrade()
 * (or migrate_downgrade()) call for each run of transactional steps, and
 * each non-transactional revision's statements between step calls.  A
 * revision left half done comes first, from the statement it reached.
 * Nothing changes here; every command checks the state it expects.
 */
List *
nontx_commands(Graph *g, const TargetSpec *spec, bool upgrade, int commit_every)
{
	List	   *steps = upgrade ? plan_upgrade(g, spec) : plan_downgrade(g, spec);
	const char *dir = upgrade ? "upgrade" : "downgrade";
	char	   *move;
	List	   *out = NIL;
	NontxProgress p;
	bool		any;
	List	  **set;
	List	   *chunks = NIL;	/* sizes of the batches of the current run */
	int			chunk = 0;		/* steps of the batch being filled */
	bool	   *adds;
	int			resumed = -1;
	ListCell   *lc;

	trust_check_steps(g, steps, upgrade);
	commands_given = true;
	move = psprintf("SELECT revision, message FROM pg_catalog.migrate_%s(%s)", dir,
					quote_literal_cstr(absolute_target(g, spec, upgrade)));
	if (nontx_read_progress(&p))
	{
		bool		transactional;
		char	   *body;

		if (p.upgrade != upgrade || !list_member_int(steps, graph_lookup(g, p.revision)))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is being %s, which this %s does not finish",
							p.revision, verb(p.upgrade), dir),
					 errdetail("Statement %d of its %d is next.", p.next, p.statements),
					 errhint("Finish it first with migrate_%s_commands() and a target %s it.",
							 p.upgrade ? "upgrade" : "downgrade", p.upgrade ? "at or above" : "below")));
		if (p.alive && !is_mine(&p))
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("revision \"%s\" is being %s by another session", p.revision, verb(p.upgrade)),
					 errdetail("The session with process ID %d runs its statement %d of %d.",
							   p.pid, p.next, p.statements),
					 errhint("Wait for that deploy to finish, then run this again: it does what is left.")));
		resumed = graph_lookup(g, p.revision);
		body = load_body(g, resumed, upgrade, &transactional);
		revision_commands(&out, p.revision, upgrade, nontx_statements(body), p.next);
	}
	set = nontx_set(g, steps, upgrade, &any);
	/* a revision that adds an enum value ends its batch: the next may use the value */
	adds = upgrade ? batch_enum_adders(g, steps) : palloc0(sizeof(bool) * Max(g->n, 1));
	foreach(lc, steps)
	{
		int			r = lfirst_int(lc);

		if (r == resumed)
			continue;
		if (set[r] != NIL)
		{
			batch_moves(&out, move, &chunks, chunk);
			chunk = 0;
			revision_commands(&out, g->revs[r].id, upgrade, set[r], 1);
			continue;
		}
		chunk++;
		if ((commit_every > 0 && chunk == commit_every) || adds[r])
		{
			chunks = lappend_int(chunks, chunk);
			chunk = 0;
		}
	}
	batch_moves(&out, move, &chunks, chunk);
	return out;
}

/* ---- the calls around each statement ---- */

static void
check_next_step(Graph *g, int r, bool upgrade)
{
	Revision   *rev = &g->revs[r];
	int			j;

	if (upgrade)
	{
		if (rev->applied)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is already applied", rev->id)));
		for (j = 0; j < rev->ndown + rev->ndeps; j++)
		{
			int			q = j < rev->ndown ? rev->down[j] : rev->deps[j - rev->ndown];

			if (!g->revs[q].applied)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("revision \"%s\" cannot be applied before revision \"%s\"",
								rev->id, g->revs[q].id),
						 errhint("Run the commands of migrate_upgrade_commands() in their order.")));
		}
	}
	else
	{
		if (!rev->applied)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is not applied", rev->id)));
		for (j = 0; j < rev->nallchildren; j++)
			if (g->revs[rev->allchildren[j]].applied)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("revision \"%s\" cannot be unapplied before revision \"%s\"",
								rev->id, g->revs[rev->allchildren[j]].id),
						 errhint("Run the commands of migrate_downgrade_commands() in their order.")));
	}
}

/* The statements of a non-transactional revision; errors for others. */
static List *
revision_statements(Graph *g, int r, bool upgrade)
{
	const char *revision = g->revs[r].id;
	bool		transactional;
	char	   *body = load_body(g, r, upgrade, &transactional);

	if (transactional)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("revision \"%s\" is transactional", revision),
				 errhint("migrate_%s() runs it.", upgrade ? "upgrade" : "downgrade")));
	return nontx_statements(body);
}

/*
 * Before statement k of a revision: check that it is the next one, make
 * this session the one running it (recording the start at statement 1) and
 * arm the backend with its text.  The caller holds the state lock.
 */
char *
nontx_step(const char *revision, bool upgrade, int k)
{
	Graph	   *g = catalog_graph(catalog_lock_state());
	int			r = graph_lookup(g, revision);
	List	   *statements;
	NontxProgress p;
	const char *dir = upgrade ? "upgrade" : "downgrade";
	MemoryContext old;

	if (r < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", revision)));
	statements = revision_statements(g, r, upgrade);
	if (k < 1 || k > list_length(statements))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revision \"%s\" has no statement %d in its %s", revision, k, dir),
				 errdetail("It has %d.", list_length(statements))));
	trust_check_steps(g, list_make1_int(r), upgrade);

	if (!nontx_read_progress(&p))
	{
		if (k != 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is not being %s", revision, verb(upgrade)),
					 errhint("Its statements run from the first, as migrate_%s_commands() gives them.", dir)));
		check_next_step(g, r, upgrade);
		write_progress("INSERT INTO migrate.in_progress "
					   "(revision, direction, next, statements, role, started_at, pid, backend_start) "
					   "VALUES ($1, $2, $3, $4, $5, pg_catalog.now(), $6, $7)",
					   revision, upgrade, 1, list_length(statements));
	}
	else
	{
		if (strcmp(p.revision, revision) != 0 || p.upgrade != upgrade)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is being %s", p.revision, verb(p.upgrade)),
					 errdetail("Statement %d of its %d is next.", p.next, p.statements),
					 errhint("Finish it first: SELECT command FROM migrate_%s_commands('<target>') \\gexec",
							 p.upgrade ? "upgrade" : "downgrade")));
		if (p.statements != list_length(statements))
			elog(ERROR, "revision \"%s\" has %d statements, %d when it was started",
				 revision, list_length(statements), p.statements);
		if (p.next < k)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("statement %d of revision \"%s\" has not completed", p.next, revision),
					 errdetail("It failed or did not run, so statement %d cannot run yet.", k),
					 errhint("Fix the cause, then run migrate_%s_commands() again: it starts from statement %d.",
							 dir, p.next)));
		if (p.next > k)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("statement %d of revision \"%s\" has already run", k, revision),
					 errhint("Run migrate_%s_commands() again: it starts from statement %d.", dir, p.next)));
		if (!is_mine(&p))
		{
			if (p.alive)
				ereport(ERROR,
						(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
						 errmsg("revision \"%s\" is being %s by another session", revision, verb(upgrade)),
						 errdetail("The session with process ID %d runs its statement %d of %d.",
								   p.pid, p.next, p.statements),
						 errhint("Wait for that deploy to finish, then run this again: it does what is left.")));
			write_progress("UPDATE migrate.in_progress SET pid = $6, backend_start = $7, role = $5 "
						   "WHERE revision OPERATOR(pg_catalog.=) $1 AND direction OPERATOR(pg_catalog.=) $2 "
						   "AND next OPERATOR(pg_catalog.=) $3 AND statements OPERATOR(pg_catalog.=) $4",
						   revision, upgrade, k, list_length(statements));
		}
	}

	/* arm: the text lives until the next step call or the statement's end */
	if (armed_cxt == NULL)
		armed_cxt = AllocSetContextCreate(TopMemoryContext, "migrate armed statement",
										  ALLOCSET_SMALL_SIZES);
	disarm();
	old = MemoryContextSwitchTo(armed_cxt);
	armed = palloc0(sizeof(Armed));
	armed->revision = pstrdup(revision);
	armed->upgrade = upgrade;
	armed->statement = k;
	{
		ListCell   *lc;

		foreach(lc, statements)
			armed->statements = lappend(armed->statements, pstrdup(lfirst(lc)));
	}
	armed->repair = repair_for(list_nth(statements, k - 1), false);
	if (armed->repair)
		armed->repair = pstrdup(armed->repair);
	MemoryContextSwitchTo(old);

	return psprintf("statement %d of %d of revision %s", k, list_length(statements), revision);
}

/* After the last statement: record the revision as applied (unapplied). */
char *
nontx_done(const char *revision, bool upgrade)
{
	Graph	   *g = catalog_graph(catalog_lock_state());
	int			r = graph_lookup(g, revision);
	NontxProgress p;
	StepRecord	rec;
	CatalogAccess ca;
	int			rc;
	const char *dir = upgrade ? "upgrade" : "downgrade";

	if (r < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", revision)));
	(void) revision_statements(g, r, upgrade);
	if (!nontx_read_progress(&p) || strcmp(p.revision, revision) != 0 || p.upgrade != upgrade)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is not being %s", revision, verb(upgrade)),
				 errhint("Its statements run from the first, as migrate_%s_commands() gives them.", dir)));
	if (p.next <= p.statements)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("statement %d of revision \"%s\" has not completed", p.next, revision),
				 errdetail("The revision is recorded as %s only once all its %d statements have run.",
						   verb(upgrade), p.statements),
				 errhint("Fix the cause, then run migrate_%s_commands() again: it starts from statement %d.",
						 dir, p.next)));
	if (!is_mine(&p) && p.alive)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("revision \"%s\" is being %s by another session", revision, verb(upgrade)),
				 errdetail("The session with process ID %d ran its statements.", p.pid)));
	trust_check_steps(g, list_make1_int(r), upgrade);

	rec.rev = r;
	rec.at = p.started_at;
	rec.usecs = GetCurrentTimestamp() - p.started_at;
	catalog_record_steps(g, &rec, 1, upgrade, false, GetUserNameFromId(GetUserId(), false));
	catalog_enter(&ca);
	rc = SPI_execute("DELETE FROM migrate.in_progress", false, 0);
	catalog_check_spi(rc, SPI_OK_DELETE, "clearing migrate.in_progress");
	catalog_leave(&ca);
	drift_record_fingerprint();
	disarm();
	ereport(NOTICE,
			(errmsg("%s %s%s%s", verb(upgrade), revision,
					g->revs[r].message[0] ? ": " : "", g->revs[r].message)));
	return psprintf("%s %s", verb(upgrade), revision);
}

/* ---- running the armed statement ---- */

typedef enum ArmedKind
{
	ARMED_NONE,
	ARMED_REPAIR,
	ARMED_STATEMENT
} ArmedKind;

/* Is the in_progress row still this session's, at the armed statement? */
static bool
still_armed(void)
{
	NontxProgress p;
	bool		ok;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	ok = nontx_read_progress(&p) && is_mine(&p) &&
		strcmp(p.revision, armed->revision) == 0 && p.upgrade == armed->upgrade &&
		p.next == armed->statement;
	PopActiveSnapshot();
	SPI_finish();
	return ok;
}

/* In the statement's last transaction: statement k has completed. */
static void
record_completed(void)
{
	CatalogAccess ca;
	Oid			argtypes[3] = {TEXTOID, INT4OID, INT4OID};
	Datum		values[3];
	int			rc;

	values[0] = CStringGetTextDatum(armed->revision);
	values[1] = Int32GetDatum(armed->statement);
	values[2] = Int32GetDatum(MyProcPid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	catalog_enter(&ca);
	rc = SPI_execute_with_args("UPDATE migrate.in_progress SET next = next OPERATOR(pg_catalog.+) 1 "
							   "WHERE revision OPERATOR(pg_catalog.=) $1 "
							   "AND next OPERATOR(pg_catalog.=) $2 AND pid OPERATOR(pg_catalog.=) $3",
							   3, argtypes, values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_UPDATE, "updating migrate.in_progress");
	catalog_leave(&ca);
	if (SPI_processed != 1)
		ereport(WARNING,
				(errmsg("statement %d of revision \"%s\" completed but could not be recorded",
						armed->statement, armed->revision),
				 errdetail("migrate.in_progress changed while it ran.")));
	PopActiveSnapshot();
	SPI_finish();
}

static ArmedKind
armed_kind(PlannedStmt *pstmt, const char *queryString, ProcessUtilityContext context)
{
	char	   *text;
	int			len;
	int			j = 0;
	ListCell   *lc;

	if (armed == NULL || running_statement || context != PROCESS_UTILITY_TOPLEVEL ||
		queryString == NULL || pstmt->stmt_location < 0)
		return ARMED_NONE;
	len = pstmt->stmt_len ? pstmt->stmt_len : (int) strlen(queryString) - pstmt->stmt_location;
	text = trim_statement(queryString, pstmt->stmt_location, len);
	/*
	 * The repair passes only while it drops what it is for: an INVALID
	 * index of the statement's name on the statement's table.  Otherwise
	 * the armed session could drop in band any index of that name (a valid
	 * one, on another table) that no revision drops.
	 */
	if (armed->repair && strcmp(text, armed->repair) == 0)
	{
		char	   *now = repair_for(list_nth(armed->statements, armed->statement - 1), true);

		return now && strcmp(now, armed->repair) == 0 ? ARMED_REPAIR : ARMED_NONE;
	}
	/* first: a body may hold the same statement twice */
	if (strcmp(text, list_nth(armed->statements, armed->statement - 1)) == 0)
		return ARMED_STATEMENT;
	foreach(lc, armed->statements)
	{
		j++;
		if (strcmp(text, lfirst(lc)) != 0)
			continue;
		/* psql's \gexec goes on after an error unless ON_ERROR_STOP is set */
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("statement %d of revision \"%s\" is out of order", j, armed->revision),
				 errdetail("Statement %d is the one to run now.", armed->statement),
				 errhint("Run the deploy with \\set ON_ERROR_STOP on, so that it stops at the first error.")));
	}
	return ARMED_NONE;
}

/*
 * An armed statement that waited longer than migrate.lock_timeout: say
 * which statement of which revision, that nothing of it counts as done, and
 * how to go on.
 */
static void
throw_statement_lock_timeout(ErrorData *edata, ArmedKind kind)
{
	edata->message_id = "revision \"%s\" could not get its locks within migrate.lock_timeout";
	edata->message = psprintf("revision \"%s\" could not get its locks within migrate.lock_timeout",
							  armed->revision);
	if (lock_attempts > 1)
		edata->detail = psprintf("Statement %d of its %d waited longer than %d ms for its table on each of %d attempts.",
								 armed->statement, list_length(armed->statements),
								 apply_lock_timeout_ms(), lock_attempts);
	else
		edata->detail = psprintf(kind == ARMED_REPAIR ?
								 "The DROP INDEX CONCURRENTLY before statement %d of its %d waited longer than %d ms for a lock." :
								 "Statement %d of its %d waited longer than %d ms for a lock.",
								 armed->statement, list_length(armed->statements),
								 apply_lock_timeout_ms());
	edata->hint = pstrdup("Another session holds a lock that the statement needs. It is not recorded as done: run the deploy again later and it resumes from this statement (dropping an INVALID index the statement left), or raise migrate.lock_timeout.");
	ReThrowError(edata);
}

/*
 * The table of an armed CREATE INDEX CONCURRENTLY, when the caller owns it
 * (the statement checks that before it locks: migrate must not let anyone
 * lock a table it could not lock itself); else InvalidOid.
 */
static Oid
concurrent_index_table(PlannedStmt *pstmt)
{
	IndexStmt  *is;
	Oid			relid;

	if (!IsA(pstmt->utilityStmt, IndexStmt))
		return InvalidOid;
	is = (IndexStmt *) pstmt->utilityStmt;
	if (!is->concurrent)
		return InvalidOid;
	relid = RangeVarGetRelid(is->relation, NoLock, true);
	if (!OidIsValid(relid))
		return InvalidOid;
#if PG_VERSION_NUM >= 160000
	if (!object_ownercheck(RelationRelationId, relid, GetUserId()))
#else
	if (!pg_class_ownercheck(relid, GetUserId()))
#endif
		return InvalidOid;
	return relid;
}

/*
 * Take the lock an armed CREATE INDEX CONCURRENTLY takes first, SHARE UPDATE
 * EXCLUSIVE on its table, before the statement starts, retrying after a lock
 * timeout as the transactional steps do (100 ms, 200 ms, 400 ms ... with a
 * NOTICE each time).  Each attempt is a subtransaction that is rolled back
 * alone after a timeout; the one that succeeds hands its lock to the
 * statement's transaction, where the statement finds it already held.  This
 * is the wait that matters: the one during which every later conflicting
 * request (another DDL, VACUUM) queues behind ours.  Nothing has been built
 * yet, so a retry is always safe.  Returns after the lock is held, or throws
 * the last timeout.
 */
static void
lock_before_statement(Oid relid)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	int			retries = apply_lock_retries_count();
	int			retry = 0;

	for (;;)
	{
		ErrorData  *volatile edata;
		int			pause;

		lock_attempts = retry + 1;
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(cxt);
		PG_TRY();
		{
			LockRelationOid(relid, ShareUpdateExclusiveLock);
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			edata = NULL;
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			if (!apply_is_lock_timeout(edata) || retry >= retries)
				ReThrowError(edata);
		}
		PG_END_TRY();
		if (edata == NULL)
			return;
		retry++;
		pause = 100 << Min(retry - 1, 7);
		ereport(NOTICE,
				(errmsg("lock wait timed out in revision \"%s\", retry %d of %d in %d ms",
						armed->revision, retry, retries, pause),
				 errdetail("Statement %d of its %d waited longer than migrate.lock_timeout (%d ms) for its table; it had not started.",
						   armed->statement, list_length(armed->statements),
						   apply_lock_timeout_ms())));
		FreeErrorData(edata);
		apply_pause_ms(pause);
	}
}

/* The hook before ours, or the server's own ProcessUtility. */
static void
next_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					 ProcessUtilityContext context, ParamListInfo params,
					 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree,
							 context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree,
								context, params, queryEnv, dest, qc);
}

/*
 * Run an armed statement with migrate.lock_timeout as its lock_timeout.
 *
 * The statement commits and starts transactions of its own (CREATE INDEX
 * CONCURRENTLY does, three times), and GUC nest levels end with the
 * transaction that opened them: a value set at one would be gone before
 * the statement's later lock waits (the ones for older transactions), and
 * a session-level SET would survive an error in a later transaction.  So
 * the timeout is the lock manager's variable itself, set for the statement
 * and put back however it ends; the GUC machinery never sees it change.
 *
 * migrate.lock_retries applies to the first lock of a CREATE INDEX
 * CONCURRENTLY, taken before the statement starts (lock_before_statement).
 * A lock timeout inside the statement is not retried: at top level an error
 * aborts the transaction the statement runs in (there is no subtransaction
 * to roll back to: these statements refuse to run in one), and what the
 * statement already committed cannot be undone.  The error says so, and the
 * next run of the deploy is the retry: it starts from this statement,
 * dropping first an INVALID index a CREATE INDEX CONCURRENTLY left.
 */
static void
run_armed(ArmedKind kind, PlannedStmt *pstmt, const char *queryString,
		  bool readOnlyTree,
		  ProcessUtilityContext context, ParamListInfo params,
		  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	int			saved_lock_timeout = LockTimeout;
	MemoryContext cxt = CurrentMemoryContext;

	running_statement = true;
	lock_attempts = 1;
	if (apply_lock_timeout_ms() > 0)
		LockTimeout = apply_lock_timeout_ms();
	PG_TRY();
	{
		Oid			table = kind == ARMED_STATEMENT && apply_lock_timeout_ms() > 0 ?
			concurrent_index_table(pstmt) : InvalidOid;

		if (OidIsValid(table))
			lock_before_statement(table);
		next_process_utility(pstmt, queryString, readOnlyTree,
							 context, params, queryEnv, dest, qc);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		running_statement = false;
		LockTimeout = saved_lock_timeout;
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (apply_lock_timeout_ms() <= 0 || !apply_is_lock_timeout(edata))
			PG_RE_THROW();
		FlushErrorState();
		throw_statement_lock_timeout(edata, kind);
	}
	PG_END_TRY();
	running_statement = false;
	LockTimeout = saved_lock_timeout;
}

static void
nontx_process_utility(PlannedStmt *pstmt, const char *queryString,
					  bool readOnlyTree,
					  ProcessUtilityContext context, ParamListInfo params,
					  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	ArmedKind	kind = armed_kind(pstmt, queryString, context);

	if (kind != ARMED_NONE && !still_armed())
	{
		disarm();
		kind = ARMED_NONE;
	}
	if (kind == ARMED_NONE)
	{
		next_process_utility(pstmt, queryString, readOnlyTree,
							 context, params, queryEnv, dest, qc);
		return;
	}

	run_armed(kind, pstmt, queryString,
			  readOnlyTree,
			  context, params, queryEnv, dest, qc);
	if (kind == ARMED_STATEMENT)
	{
		record_completed();
		disarm();
	}
	else
		armed->repair = NULL;
}

void
nontx_init(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = nontx_process_utility;
}

/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  Long deploys in batches.
 *
 * A deploy of thousands of table-creating revisions in one transaction
 * runs out of lock table (about four locks per table, and the default
 * max_locks_per_transaction is 64 per connection).  migrate_upgrade()'s
 * optional steps argument applies only the first N steps of the plan in
 * the caller's transaction, so the client can commit between calls; the
 * procedure migrate_upgrade_batched() does that loop for psql.
 *
 * A batch also ends after a revision that adds an enum value: PostgreSQL
 * refuses to use a value added in the same transaction ("unsafe use of new
 * value"), so the revision that uses it must run after a commit.  Which
 * revisions add one is decided by the server's parser, not by the text.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "batch.h"
#include "catalog.h"

PG_FUNCTION_INFO_V1(migrate_upgrade_batched);

/* whether "value" occurs in s, in any case (a cheap test before parsing) */
static bool
has_word_value(const char *s)
{
	for (; *s; s++)
		if ((*s == 'v' || *s == 'V') && pg_strncasecmp(s, "value", 5) == 0)
			return true;
	return false;
}

/*
 * Whether a body has an ALTER TYPE ... ADD VALUE among its top-level
 * statements.  Only a body that has the word at all is parsed (registration
 * and planning stay cheap for the thousands that do not); one that does not
 * parse adds nothing here, and fails where it runs, with its own error.
 */
bool
batch_adds_enum_value(const char *body)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	List	   *raw = NIL;
	ListCell   *lc;
	bool		parsed = true;

	/* ADD VALUE cannot be spelled without the keyword VALUE */
	if (body == NULL || !has_word_value(body))
		return false;

	/* a syntax error must not abort the caller: a subtransaction catches it */
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		raw = raw_parser(body, RAW_PARSE_DEFAULT);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		parsed = false;
	}
	PG_END_TRY();
	if (!parsed)
		return false;

	foreach(lc, raw)
	{
		Node	   *n = lfirst_node(RawStmt, lc)->stmt;

		/* RENAME VALUE has oldVal set: it adds nothing */
		if (IsA(n, AlterEnumStmt) &&
			((AlterEnumStmt *) n)->newVal != NULL &&
			((AlterEnumStmt *) n)->oldVal == NULL)
			return true;
	}
	return false;
}

/*
 * For upgrade steps, which add an enum value, indexed by revision.  The
 * bodies of transactional and non-transactional revisions alike are read;
 * only the former matter to callers.
 */
bool *
batch_enum_adders(Graph *g, List *steps)
{
	bool	   *adds = palloc0(sizeof(bool) * Max(g->n, 1));
	char	  **bodies;
	ListCell   *lc;
	int			i = 0;

	if (steps == NIL)
		return adds;
	bodies = catalog_read_bodies(g, steps, true, false, NULL);
	foreach(lc, steps)
		adds[lfirst_int(lc)] = batch_adds_enum_value(bodies[i++]);
	return adds;
}

/*
 * The first max_steps of the steps (all of them for max_steps <= 0), cut
 * after the first upgrade step that adds an enum value when more follow:
 * what one batch applies.  Planning is done once per call; this only
 * shortens the list.
 */
List *
batch_first(Graph *g, List *steps, int max_steps, bool upgrade)
{
	List	   *kept;
	bool	   *adds;
	ListCell   *lc;
	int			n = 0;

	if (max_steps <= 0 || steps == NIL)
		return steps;
	kept = list_truncate(list_copy(steps), max_steps);
	if (!upgrade || list_length(kept) < 2)
		return kept;
	adds = batch_enum_adders(g, kept);
	foreach(lc, kept)
	{
		n++;
		if (adds[lfirst_int(lc)] && n < list_length(kept))
			return list_truncate(kept, n);
	}
	return kept;
}

/* ---- CALL migrate_upgrade_batched(target, batch_size) ---- */

typedef struct BatchContext
{
	int			batch;			/* the batch under way, from 1 */
	int			revisions;		/* revisions of the batches committed */
} BatchContext;

static void
batch_error_callback(void *arg)
{
	BatchContext *bc = (BatchContext *) arg;

	if (bc->batch == 1)
		errcontext("batch 1 of migrate_upgrade_batched(): rolled back, nothing applied");
	else
		errcontext("batch %d of migrate_upgrade_batched(): %d batch(es) committed before it (%d revision(s)) stay applied; batch %d rolled back: nothing of it applied",
				   bc->batch, bc->batch - 1, bc->revisions, bc->batch);
}

/*
 * The procedure: migrate_upgrade(target, false, batch_size) and COMMIT,
 * until a call applies nothing.  It is written in C and has no SET clause
 * and no SECURITY DEFINER, which would forbid transaction control; every
 * query it runs is schema-qualified instead.  It runs migrate_upgrade()
 * through SPI, so a role may use it only if it may call migrate_upgrade()
 * itself, and the bodies run as the calling role.
 */
Datum
migrate_upgrade_batched(PG_FUNCTION_ARGS)
{
	bool		nonatomic = fcinfo->context != NULL &&
		IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		values[2];
	BatchContext bc = {1, 0};
	ErrorContextCallback cb;
	int			batch_size;

	if (!nonatomic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("migrate_upgrade_batched() cannot commit here"),
				 errdetail("It was called inside a transaction block or from a function, where a procedure cannot COMMIT."),
				 errhint("CALL it on its own, outside BEGIN ... COMMIT (psql in autocommit mode does), or run SELECT * FROM migrate_upgrade('<target>') to upgrade in the current transaction.")));
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", PG_ARGISNULL(0) ? "target" : "batch_size")));
	batch_size = PG_GETARG_INT32(1);
	if (batch_size < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be at least 1, not %d", batch_size)));
	/* the argument lives in the CALL's memory, which outlives the commits */
	values[0] = PG_GETARG_DATUM(0);
	values[1] = Int32GetDatum(batch_size);

	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	cb.callback = batch_error_callback;
	cb.arg = &bc;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	for (;;)
	{
		int			rc;
		int			n;
		bool		isnull;

		rc = SPI_execute_with_args("SELECT pg_catalog.count(*)::pg_catalog.int4 "
								   "FROM pg_catalog.migrate_upgrade($1, false, $2)",
								   2, argtypes, values, NULL, false, 0);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "migrate_upgrade() in a batch: SPI result %d", rc);
		n = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (n == 0)
			break;
		SPI_commit();
		bc.revisions += n;
		ereport(NOTICE,
				(errmsg("batch %d committed: %d revision(s), %d in all", bc.batch, n, bc.revisions)));
		bc.batch++;
	}
	error_context_stack = cb.previous;
	if (bc.batch == 1)
		ereport(NOTICE, (errmsg("nothing to apply")));
	else
		ereport(NOTICE,
				(errmsg("applied %d revision(s) in %d batch(es)", bc.revisions, bc.batch - 1)));
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	PG_RETURN_VOID();
}

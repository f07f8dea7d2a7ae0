/*-------------------------------------------------------------------------
 *
 * apply.c
 *	  Running revision bodies inside the caller's transaction.
 *
 * Bodies run through SPI as the calling role, one after the other; an error
 * anywhere aborts the caller's transaction, so a deploy applies completely
 * or not at all.  An error context callback names the revision in every
 * error raised inside a body, and adds a hint for the two errors that come
 * from running inside a transaction: statements that refuse to run in one,
 * and enum values used in the transaction that added them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/timestamp.h"

#include "apply.h"
#include "catalog.h"
#include "drift.h"

/* true while a body runs: migrate must not be re-entered from one */
static bool running_body = false;

typedef struct StepContext
{
	const Revision *rev;
	bool		upgrade;
} StepContext;

/* Is a revision body running?  The guard counts its DDL as in band. */
bool
apply_in_body(void)
{
	return running_body;
}

void
apply_check_not_in_body(const char *function)
{
	if (running_body)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s cannot be called from a revision body", function),
				 errdetail("Revision bodies run inside migrate, which cannot register, apply or stamp revisions at the same time."),
				 errhint("Split the work into separate revisions and let migrate_upgrade() apply them.")));
}

static void
step_error_callback(void *arg)
{
	StepContext *sc = (StepContext *) arg;

	switch (geterrcode())
	{
		case ERRCODE_ACTIVE_SQL_TRANSACTION:
			errhint("migrate runs revisions inside the caller's transaction; put this statement in a revision registered with transactional => false.");
			break;
		case ERRCODE_UNSAFE_NEW_ENUM_VALUE_USAGE:
			errhint("Add the enum value in one migrate_upgrade() call and use it in a later one: a new value is usable only after its transaction commits.");
			break;
		default:
			break;
	}
	if (sc->rev->message[0])
		errcontext("while %s revision \"%s\" (%s)",
				   sc->upgrade ? "applying" : "unapplying",
				   sc->rev->id, sc->rev->message);
	else
		errcontext("while %s revision \"%s\"",
				   sc->upgrade ? "applying" : "unapplying", sc->rev->id);
}

static void
run_body(const Revision *r, const char *body, bool upgrade)
{
	int			rc = SPI_execute(body, false, 0);

	if (rc == SPI_ERROR_TRANSACTION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("%s of revision \"%s\" contains transaction control",
						upgrade ? "upgrade" : "downgrade", r->id),
				 errdetail("migrate runs every revision inside the caller's transaction, so BEGIN, COMMIT, ROLLBACK and SAVEPOINT cannot appear in a revision."),
				 errhint("Remove the statement from the revision; to split the work, write several revisions.")));
	if (rc < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Run the steps in order, then record them all at once.  A NOTICE per step
 * gives its duration (in the DETAIL, so that terse output stays stable).
 */
void
apply_steps(Graph *g, List *steps, bool upgrade)
{
	int			n = list_length(steps);
	char	  **bodies;
	StepRecord *records;
	const char *role;

	if (n == 0)
		return;
	bodies = catalog_load_bodies(g, steps, upgrade);
	records = palloc(sizeof(StepRecord) * n);
	role = GetUserNameFromId(GetUserId(), false);

	PG_TRY();
	{
		ListCell   *lc;
		int			i = 0;

		running_body = true;
		foreach(lc, steps)
		{
			Revision   *r = &g->revs[lfirst_int(lc)];
			StepContext sc;
			ErrorContextCallback cb;
			TimestampTz start;

			sc.rev = r;
			sc.upgrade = upgrade;
			cb.callback = step_error_callback;
			cb.arg = &sc;
			cb.previous = error_context_stack;
			error_context_stack = &cb;

			start = GetCurrentTimestamp();
			run_body(r, bodies[i], upgrade);
			records[i].rev = lfirst_int(lc);
			records[i].at = start;
			records[i].usecs = GetCurrentTimestamp() - start;

			error_context_stack = cb.previous;

			ereport(NOTICE,
					(errmsg("%s %s%s%s", upgrade ? "applied" : "unapplied", r->id,
							r->message[0] ? ": " : "", r->message),
					 errdetail("Took %.3f ms.", records[i].usecs / 1000.0)));
			i++;
		}
	}
	PG_FINALLY();
	{
		running_body = false;
	}
	PG_END_TRY();

	catalog_record_steps(g, records, n, upgrade, false, role);
	drift_record_fingerprint();
}

static StepRecord *
stamp_records(List *revs, TimestampTz now)
{
	StepRecord *records = palloc(sizeof(StepRecord) * Max(list_length(revs), 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, revs)
	{
		records[i].rev = lfirst_int(lc);
		records[i].at = now;
		records[i].usecs = 0;
		i++;
	}
	return records;
}

/* Record a stamp: nothing runs, the log shows each change as stamped. */
void
apply_stamp(Graph *g, List *removed, List *added)
{
	TimestampTz now = GetCurrentTimestamp();
	const char *role = GetUserNameFromId(GetUserId(), false);

	catalog_record_steps(g, stamp_records(removed, now), list_length(removed),
						 false, true, role);
	catalog_record_steps(g, stamp_records(added, now), list_length(added),
						 true, true, role);
	/* a stamp says "the schema is at this revision": take it at its word */
	if (removed != NIL || added != NIL)
		drift_record_fingerprint();
}

/*-------------------------------------------------------------------------
 *
 * apply.c
 *	  Running revision bodies inside the caller's transaction.
 *
 * Bodies run one after the other as the calling role, each through
 * script.c (statement by statement, inside a GUC nest level of its own); an
 * error anywhere aborts the caller's transaction, so a deploy applies
 * completely or not at all, and the error says which earlier steps of the
 * call went with it.  An error context callback adds a hint for the two
 * errors that come from running inside a transaction: statements that
 * refuse to run in one, and enum values used in the transaction that added
 * them.
 *
 * With migrate.lock_timeout set, each body waits at most that long for each
 * lock; with migrate.lock_retries, a step that timed out runs in a
 * subtransaction, is rolled back alone and tried again after a growing
 * pause, while the steps before it keep their work and their locks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "apply.h"
#include "catalog.h"
#include "drift.h"
#include "script.h"

/* how many revisions an error names before it says "and N more" */
#define APPLY_NAMES_MAX 5

/* migrate.lock_timeout (ms, 0 = off) and migrate.lock_retries */
static int	apply_lock_timeout = 0;
static int	apply_lock_retries = 0;

/*
 * migrate.progress: a NOTICE per step.  Off by default: each NOTICE is sent
 * and flushed on its own (elog.c flushes after every message), which costs a
 * deploy of a thousand small revisions more than its registration does, and
 * the call's result already lists the steps.  The migrate program turns it
 * on for its progress lines.
 */
static bool apply_progress = false;

/* true while a body runs: migrate must not be re-entered from one */
static bool running_body = false;

typedef struct StepContext
{
	const Revision *rev;
	ScriptOptions opts;
} StepContext;

/* The settings, defined before guard_init() reserves the prefix. */
void
apply_init(void)
{
	DefineCustomIntVariable("migrate.lock_timeout",
							"Longest wait for each lock a revision step takes; 0 leaves lock_timeout as it is.",
							"A step that waits longer fails, or is rolled back and tried again as migrate.lock_retries says.",
							&apply_lock_timeout,
							0, 0, INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("migrate.lock_retries",
							"How many times a step that timed out waiting for a lock is tried again.",
							"Only with migrate.lock_timeout set; the steps before it are not repeated.",
							&apply_lock_retries,
							0, 0, 1000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("migrate.progress",
							 "Sends a NOTICE after each revision step, with the time it took.",
							 NULL,
							 &apply_progress,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

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
	switch (geterrcode())
	{
		case ERRCODE_ACTIVE_SQL_TRANSACTION:
			errhint("migrate runs revisions inside the caller's transaction; put this statement in a revision registered with transactional => false.");
			break;
		case ERRCODE_UNSAFE_NEW_ENUM_VALUE_USAGE:
			errhint("A new enum value is usable only after its transaction commits: deploy with migrate upgrade, CALL migrate_upgrade_batched() or migrate_upgrade_commands(), which commit after the revision that adds it.");
			break;
		default:
			break;
	}
}

/* "while applying revision "x" (message)": starts the statement's context line */
static char *
step_context(const Revision *r, bool upgrade)
{
	if (r->message[0])
		return psprintf("while %s revision \"%s\" (%s)",
						upgrade ? "applying" : "unapplying", r->id, r->message);
	return psprintf("while %s revision \"%s\"",
					upgrade ? "applying" : "unapplying", r->id);
}

/* migrate.lock_timeout, for the statements nontx.c runs in band */
int
apply_lock_timeout_ms(void)
{
	return apply_lock_timeout;
}

int
apply_lock_retries_count(void)
{
	return apply_lock_timeout > 0 ? apply_lock_retries : 0;
}

bool
apply_is_lock_timeout(const ErrorData *edata)
{
	/* the lock_timeout error, not a NOWAIT the body asked for */
	return edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE &&
		edata->message_id != NULL &&
		strcmp(edata->message_id, "canceling statement due to lock timeout") == 0;
}

/* Turn the last lock timeout of a step into an error that names the revision. */
static void
throw_lock_timeout(const StepContext *sc, ErrorData *edata, int attempts)
{
	int			number;
	int			line;

	script_last_statement(&number, &line);
	edata->message_id = "revision \"%s\" could not get its locks within migrate.lock_timeout";
	edata->message = psprintf("revision \"%s\" could not get its locks within migrate.lock_timeout",
							  sc->rev->id);
	if (attempts == 1)
		edata->detail = psprintf("Statement %d at line %d waited longer than %d ms for a lock.",
								 number, line, apply_lock_timeout);
	else
		edata->detail = psprintf("Statement %d at line %d waited longer than %d ms for a lock on each of %d attempts.",
								 number, line, apply_lock_timeout, attempts);
	edata->hint = pstrdup("Another session holds a lock that the revision needs: deploy again later, or raise migrate.lock_timeout or migrate.lock_retries.");
	ReThrowError(edata);
}

/*
 * One attempt at a step.  With a retry left, it runs in a subtransaction,
 * like a PL/pgSQL block with an exception handler, and a lock timeout rolls
 * back only this step and comes back as the ErrorData; otherwise it returns
 * NULL, or the error propagates.
 */
static ErrorData *
attempt_step(const StepContext *sc, const char *body, bool may_retry, int attempt)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	/*
	 * What a failed attempt leaves in memory (the body's copy, its parse
	 * state) is freed after the rollback, or up to 1000 retries of a large
	 * body would pile up in the call's context.
	 */
	MemoryContext attempt_cxt = may_retry ?
		AllocSetContextCreate(cxt, "migrate step attempt", ALLOCSET_DEFAULT_SIZES) : cxt;

	if (may_retry)
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(attempt_cxt);
	}
	PG_TRY();
	{
		script_run(body, &sc->opts);
		if (may_retry)
		{
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			MemoryContextDelete(attempt_cxt);
		}
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		if (!may_retry)
		{
			/* the caller's transaction is failing: only reword a lock timeout */
			edata = CopyErrorData();
			if (apply_lock_timeout <= 0 || !apply_is_lock_timeout(edata))
				PG_RE_THROW();
			FlushErrorState();
			throw_lock_timeout(sc, edata, attempt);
		}
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		MemoryContextDelete(attempt_cxt);
		if (!apply_is_lock_timeout(edata))
			ReThrowError(edata);
	}
	PG_END_TRY();
	return edata;
}

/* Wait ms milliseconds, or less when the backend is told to stop. */
void
apply_pause_ms(int ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);
	long		left;

	while ((left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end)) > 0)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Run one step's body; after a lock timeout, only this step is tried again,
 * up to migrate.lock_retries times, after 100 ms, 200 ms, 400 ms ... (at
 * most 12.8 s).  A subtransaction is opened only where a retry may follow, so
 * a deploy without retries costs no subtransaction per step.
 */
static void
run_step(const StepContext *sc, const char *body)
{
	int			retry = 0;

	for (;;)
	{
		bool		may_retry = apply_lock_timeout > 0 && retry < apply_lock_retries;
		ErrorData  *edata = attempt_step(sc, body, may_retry, retry + 1);
		int			pause;
		int			number;
		int			line;

		if (edata == NULL)
			return;
		retry++;
		pause = 100 << Min(retry - 1, 7);
		script_last_statement(&number, &line);
		ereport(NOTICE,
				(errmsg("lock wait timed out in revision \"%s\", retry %d of %d in %d ms",
						sc->rev->id, retry, apply_lock_retries, pause),
				 errdetail("Statement %d at line %d waited longer than migrate.lock_timeout (%d ms); only this step is rolled back and tried again.",
						   number, line, apply_lock_timeout)));
		FreeErrorData(edata);
		apply_pause_ms(pause);
	}
}

/*
 * Put "this call is rolled back, with the N earlier steps it applied (...)"
 * into the error's context, after the failing step's line, and throw it on.
 */
static void
throw_rolled_back(Graph *g, List *steps, int done, bool upgrade, MemoryContext cxt)
{
	ErrorData  *edata;
	StringInfoData note;
	StringInfoData ctx;
	const char *prefix;
	const char *at = NULL;
	int			i;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();

	initStringInfo(&note);
	if (done == 1)
		appendStringInfo(&note, "this call is rolled back, with the earlier step it %s (",
						 upgrade ? "applied" : "unapplied");
	else
		appendStringInfo(&note, "this call is rolled back, with the %d earlier steps it %s (",
						 done, upgrade ? "applied" : "unapplied");
	for (i = 0; i < done && i < APPLY_NAMES_MAX; i++)
		appendStringInfo(&note, "%s%s", i ? ", " : "",
						 g->revs[list_nth_int(steps, i)].id);
	if (done > APPLY_NAMES_MAX)
		appendStringInfo(&note, " and %d more", done - APPLY_NAMES_MAX);
	appendStringInfoChar(&note, ')');

	/* after the line that names the failing step, before the callers' lines */
	prefix = step_context(&g->revs[list_nth_int(steps, done)], upgrade);
	initStringInfo(&ctx);
	if (edata->context)
	{
		if (strncmp(edata->context, prefix, strlen(prefix)) == 0)
			at = edata->context;
		else
		{
			appendStringInfo(&ctx, "\n%s", prefix);
			at = strstr(edata->context, ctx.data);
			if (at)
				at++;
			resetStringInfo(&ctx);
		}
	}
	if (at)
	{
		const char *eol = strchr(at, '\n');
		int			keep = eol ? (int) (eol - edata->context) : (int) strlen(edata->context);

		appendBinaryStringInfo(&ctx, edata->context, keep);
		appendStringInfo(&ctx, "\n%s%s", note.data, edata->context + keep);
	}
	else if (edata->context)
		appendStringInfo(&ctx, "%s\n%s", edata->context, note.data);
	else
		appendStringInfoString(&ctx, note.data);
	edata->context = ctx.data;
	ReThrowError(edata);
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
	MemoryContext cxt = CurrentMemoryContext;
	volatile int done = 0;

	if (n == 0)
		return;
	bodies = catalog_read_bodies(g, steps, upgrade, false, NULL);
	records = palloc(sizeof(StepRecord) * n);
	role = GetUserNameFromId(GetUserId(), false);

	PG_TRY();
	{
		ListCell   *lc;

		running_body = true;
		foreach(lc, steps)
		{
			Revision   *r = &g->revs[lfirst_int(lc)];
			int			i = foreach_current_index(lc);
			StepContext sc;
			ErrorContextCallback cb;
			TimestampTz start;

			sc.rev = r;
			sc.opts.label = psprintf("%s of revision \"%s\"",
									 upgrade ? "upgrade" : "downgrade", r->id);
			sc.opts.context = step_context(r, upgrade);
			sc.opts.lock_timeout = apply_lock_timeout;
			cb.callback = step_error_callback;
			cb.arg = &sc;
			cb.previous = error_context_stack;
			error_context_stack = &cb;

			done = i;
			start = GetCurrentTimestamp();
			run_step(&sc, bodies[i]);
			records[i].rev = lfirst_int(lc);
			records[i].at = start;
			records[i].usecs = GetCurrentTimestamp() - start;

			error_context_stack = cb.previous;

			if (apply_progress)
				ereport(NOTICE,
						(errmsg("%s %s%s%s", upgrade ? "applied" : "unapplied", r->id,
								r->message[0] ? ": " : "", r->message),
						 errdetail("Took %.3f ms.", records[i].usecs / 1000.0)));
		}
	}
	PG_CATCH();
	{
		running_body = false;
		if (done > 0)
			throw_rolled_back(g, steps, done, upgrade, cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	running_body = false;

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

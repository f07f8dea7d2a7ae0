/*-------------------------------------------------------------------------
 *
 * migrate.c
 *	  SQL-callable entry points of the migrate extension.
 *
 * Each function checks its arguments, connects to SPI, asks catalog.c for
 * the graph, target.c/plan.c for what to do and apply.c to do it, and
 * returns the result.  Per-call work happens in a child memory context that
 * is deleted before returning.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "access/htup_details.h"
#include "funcapi.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "apply.h"
#include "batch.h"
#include "catalog.h"
#include "drift.h"
#include "fingerprint.h"
#include "graph.h"
#include "guard.h"
#include "nontx.h"
#include "register.h"
#include "setting.h"
#include "trust.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

PG_FUNCTION_INFO_V1(migrate_revision);
PG_FUNCTION_INFO_V1(migrate_forget);
PG_FUNCTION_INFO_V1(migrate_amend);
PG_FUNCTION_INFO_V1(migrate_upgrade);
PG_FUNCTION_INFO_V1(migrate_downgrade);
PG_FUNCTION_INFO_V1(migrate_stamp);
PG_FUNCTION_INFO_V1(migrate_current);
PG_FUNCTION_INFO_V1(migrate_heads);
PG_FUNCTION_INFO_V1(migrate_resolve);
PG_FUNCTION_INFO_V1(migrate_history);
PG_FUNCTION_INFO_V1(migrate_status);
PG_FUNCTION_INFO_V1(migrate_schema_fingerprint);
PG_FUNCTION_INFO_V1(migrate_upgrade_commands);
PG_FUNCTION_INFO_V1(migrate_downgrade_commands);
PG_FUNCTION_INFO_V1(migrate_nontransactional_step);
PG_FUNCTION_INFO_V1(migrate_nontransactional_done);
PG_FUNCTION_INFO_V1(migrate_in_progress);
PG_FUNCTION_INFO_V1(migrate_bump_generation);
PG_FUNCTION_INFO_V1(migrate_guard_ddl_command_start);
PG_FUNCTION_INFO_V1(migrate_guard_ddl_command_end);
PG_FUNCTION_INFO_V1(migrate_guard_sql_drop);
PG_FUNCTION_INFO_V1(migrate_guard_table_rewrite);

void
_PG_init(void)
{
	/* taken before the definitions replace them: see setting.c */
	List	   *placeholders = setting_placeholders("migrate");

	catalog_init();
	/* migrate.lock_timeout and migrate.lock_retries (issue 15), before the prefix is reserved */
	apply_init();
	guard_init();
	nontx_init();
	/* after every DefineCustom*Variable */
	setting_keep_configured(placeholders);
}

/* State shared by one call: its memory context and its result set. */
typedef struct CallState
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
} CallState;

static char *
text_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/*
 * Set up a materialized result (for SRFs), a per-call memory context and an
 * SPI connection.
 */
static void
call_begin(FunctionCallInfo fcinfo, CallState *cs, bool srf)
{
	cs->tupstore = NULL;
	cs->tupdesc = NULL;
	if (srf)
	{
		ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

#if PG_VERSION_NUM >= 150001	/* 15.0 named it SetSingleFuncCall */
		InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
#else
		MemoryContext old;

		if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
			!(rsinfo->allowedModes & SFRM_Materialize) || rsinfo->expectedDesc == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("set-valued function called in context that cannot accept a set")));
		old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
		rsinfo->returnMode = SFRM_Materialize;
		rsinfo->setDesc = CreateTupleDescCopy(rsinfo->expectedDesc);
		rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
		MemoryContextSwitchTo(old);
#endif
		cs->tupstore = rsinfo->setResult;
		cs->tupdesc = rsinfo->setDesc;
	}
	cs->cxt = AllocSetContextCreate(CurrentMemoryContext, "migrate call",
									ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	cs->oldcxt = MemoryContextSwitchTo(cs->cxt);
}

static void
call_end(CallState *cs)
{
	MemoryContextSwitchTo(cs->oldcxt);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	MemoryContextDelete(cs->cxt);
}

static void
put_text(CallState *cs, const char *s)
{
	Datum		value = CStringGetTextDatum(s);
	bool		isnull = false;

	tuplestore_putvalues(cs->tupstore, cs->tupdesc, &value, &isnull);
}

static void
put_revisions(CallState *cs, Graph *g, List *revs)
{
	ListCell   *lc;

	foreach(lc, revs)
		put_text(cs, g->revs[lfirst_int(lc)].id);
}

static void
put_steps(CallState *cs, Graph *g, List *steps)
{
	ListCell   *lc;

	foreach(lc, steps)
	{
		Revision   *r = &g->revs[lfirst_int(lc)];
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(r->id);
		values[1] = CStringGetTextDatum(r->message);
		tuplestore_putvalues(cs->tupstore, cs->tupdesc, values, nulls);
	}
}

Datum
migrate_revision(PG_FUNCTION_ARGS)
{
	RevisionDef def;
	CallState	cs;

	apply_check_not_in_body("migrate_revision()");
	def.revision = text_arg(fcinfo, 0, "revision id");
	def.down_revision = PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1);
	def.upgrade = text_arg(fcinfo, 2, "upgrade");
	def.downgrade = text_arg(fcinfo, 3, "downgrade");
	def.message = PG_ARGISNULL(4) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(4));
	def.branch_labels = PG_ARGISNULL(5) ? NULL : PG_GETARG_ARRAYTYPE_P(5);
	def.depends_on = PG_ARGISNULL(6) ? NULL : PG_GETARG_ARRAYTYPE_P(6);
	/* a 1.1 declaration has seven arguments */
	def.transactional = PG_NARGS() < 8 || PG_ARGISNULL(7) ? true : PG_GETARG_BOOL(7);
	register_check_def(&def);
	nontx_check_body(def.revision, "upgrade", def.upgrade, def.transactional);
	nontx_check_body(def.revision, "downgrade", def.downgrade, def.transactional);

	call_begin(fcinfo, &cs, false);
	catalog_lock_state();
	if (catalog_register(&def))
		register_warn_one_way(def.revision, def.upgrade, def.downgrade);
	call_end(&cs);
	PG_RETURN_TEXT_P(cstring_to_text(def.revision));
}

Datum
migrate_forget(PG_FUNCTION_ARGS)
{
	char	   *revision = text_arg(fcinfo, 0, "revision id");
	CallState	cs;

	apply_check_not_in_body("migrate_forget()");
	register_check_id(revision);
	call_begin(fcinfo, &cs, false);
	catalog_lock_state();
	nontx_check_not_in_progress(revision, "forgotten");
	catalog_forget(revision);
	call_end(&cs);
	PG_RETURN_VOID();
}

Datum
migrate_amend(PG_FUNCTION_ARGS)
{
	char	   *revision = text_arg(fcinfo, 0, "revision id");
	char	   *upgrade = text_arg(fcinfo, 1, "upgrade");
	char	   *downgrade = text_arg(fcinfo, 2, "downgrade");
	char	   *message = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	CallState	cs;

	apply_check_not_in_body("migrate_amend()");
	register_check_id(revision);
	call_begin(fcinfo, &cs, false);
	catalog_lock_state();
	nontx_check_not_in_progress(revision, "amended");
	if (amend_revision(revision, upgrade, downgrade, message))
		register_warn_one_way(revision, upgrade, downgrade);
	call_end(&cs);
	PG_RETURN_TEXT_P(cstring_to_text(revision));
}

/* an optional count: NULL means no limit; otherwise at least 1 */
static int
positive_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	int			n = PG_GETARG_INT32(argno);

	if (n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least 1, not %d", name, n)));
	return n;
}

/* upgrade and downgrade differ only in the plan and the direction */
static Datum
move(FunctionCallInfo fcinfo, bool upgrade)
{
	char	   *target = text_arg(fcinfo, 0, "target");
	bool		dry_run;
	TargetSpec	spec;
	CallState	cs;
	Graph	   *g;
	List	   *steps;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("dry_run must not be null")));
	dry_run = PG_GETARG_BOOL(1);
	if (!dry_run)
		apply_check_not_in_body(upgrade ? "migrate_upgrade()" : "migrate_downgrade()");
	target_parse(target, &spec);

	call_begin(fcinfo, &cs, true);
	/* a dry run changes nothing, so it neither waits nor blocks */
	g = catalog_graph(dry_run ? CATALOG_UNLOCKED : catalog_lock_state());
	steps = upgrade ? plan_upgrade(g, &spec) : plan_downgrade(g, &spec);
	/* up to the first revision that cannot run in a transaction */
	steps = nontx_stop_before(g, steps, upgrade);
	/* steps: only the first N, for a caller that commits between batches (batch.c) */
	if (upgrade && PG_NARGS() > 2 && !PG_ARGISNULL(2))
		steps = batch_first(g, steps, positive_arg(fcinfo, 2, "steps"), upgrade);
	/* a dry run is the review step: it refuses what the real call would */
	trust_check_steps(g, steps, upgrade);
	if (!dry_run)
		apply_steps(g, steps, upgrade);
	put_steps(&cs, g, steps);
	call_end(&cs);
	return (Datum) 0;
}

Datum
migrate_upgrade(PG_FUNCTION_ARGS)
{
	return move(fcinfo, true);
}

Datum
migrate_downgrade(PG_FUNCTION_ARGS)
{
	return move(fcinfo, false);
}

Datum
migrate_stamp(PG_FUNCTION_ARGS)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	TargetSpec *specs;
	CallState	cs;
	Graph	   *g;
	List	   *targets = NIL;
	List	   *removed,
			   *added;
	ListCell   *lc;

	apply_check_not_in_body("migrate_stamp()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("stamp targets must not be null"),
				 errhint("Use migrate_stamp('base') to mark nothing as applied.")));
	arr = PG_GETARG_ARRAYTYPE_P(0);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migrate_stamp() needs at least one target"),
				 errhint("Use migrate_stamp('base') to mark nothing as applied.")));
	specs = palloc(sizeof(TargetSpec) * n);
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("stamp targets must not be null")));
		target_parse(TextDatumGetCString(elems[i]), &specs[i]);
	}

	call_begin(fcinfo, &cs, true);
	g = catalog_graph(catalog_lock_state());
	for (i = 0; i < n; i++)
		targets = list_concat_unique_int(targets, target_resolve(g, &specs[i]));
	/* the caller says where the schema stands, a half-applied revision too */
	(void) nontx_clear_in_progress();
	plan_stamp(g, targets, &removed, &added);
	apply_stamp(g, removed, added);

	/* the new current heads, from the graph changed in place */
	catalog_graph_changed();
	foreach(lc, removed)
		g->revs[lfirst_int(lc)].applied = false;
	foreach(lc, added)
		g->revs[lfirst_int(lc)].applied = true;
	put_revisions(&cs, g, graph_sorted_by_id(g, graph_current_heads(g)));
	call_end(&cs);
	return (Datum) 0;
}

Datum
migrate_current(PG_FUNCTION_ARGS)
{
	CallState	cs;
	Graph	   *g;

	call_begin(fcinfo, &cs, true);
	g = catalog_graph(CATALOG_UNLOCKED);
	put_revisions(&cs, g, graph_sorted_by_id(g, graph_current_heads(g)));
	call_end(&cs);
	return (Datum) 0;
}

Datum
migrate_heads(PG_FUNCTION_ARGS)
{
	CallState	cs;
	Graph	   *g;

	call_begin(fcinfo, &cs, true);
	g = catalog_graph(CATALOG_UNLOCKED);
	put_revisions(&cs, g, graph_sorted_by_id(g, graph_heads(g)));
	call_end(&cs);
	return (Datum) 0;
}

Datum
migrate_resolve(PG_FUNCTION_ARGS)
{
	char	   *target = text_arg(fcinfo, 0, "target");
	TargetSpec	spec;
	CallState	cs;
	Graph	   *g;

	target_parse(target, &spec);
	call_begin(fcinfo, &cs, true);
	g = catalog_graph(CATALOG_UNLOCKED);
	put_revisions(&cs, g, graph_sorted_by_id(g, target_resolve(g, &spec)));
	call_end(&cs);
	return (Datum) 0;
}

static Datum
names_array(char **names, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(names[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

Datum
migrate_history(PG_FUNCTION_ARGS)
{
	CallState	cs;
	Graph	   *g;
	ListCell   *lc;

	call_begin(fcinfo, &cs, true);
	g = catalog_graph(CATALOG_UNLOCKED);
	foreach(lc, plan_history(g))
	{
		Revision   *r = &g->revs[lfirst_int(lc)];
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(r->id);
		values[1] = names_array(r->down_names, r->ndown_names);
		values[2] = CStringGetTextDatum(r->message);
		values[3] = names_array(r->labels, r->nlabels);
		values[4] = names_array(r->dep_names, r->ndep_names);
		values[5] = BoolGetDatum(r->nchildren == 0);
		values[6] = BoolGetDatum(r->applied);
		values[7] = TimestampTzGetDatum(r->applied_at);
		nulls[7] = !r->applied;
		tuplestore_putvalues(cs.tupstore, cs.tupdesc, values, nulls);
	}
	call_end(&cs);
	return (Datum) 0;
}

/*
 * One row: where the database stands (current heads, heads, what is
 * pending) and whether its schema is still what the last migration left.
 */
Datum
migrate_status(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	MemoryContext callercxt = CurrentMemoryContext;
	CallState	cs;
	Graph	   *g;
	TargetSpec	spec;
	DriftStatus st;
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};
	char	   *in_progress;
	HeapTuple	tuple;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	target_parse("heads", &spec);

	call_begin(fcinfo, &cs, false);
	g = catalog_graph(CATALOG_UNLOCKED);
	drift_status(&st);
	in_progress = nontx_in_progress_revision();
	/* the result outlives the call's memory context and SPI's */
	MemoryContextSwitchTo(callercxt);
	values[0] = graph_ids_array(g, graph_sorted_by_id(g, graph_current_heads(g)));
	values[1] = graph_ids_array(g, graph_sorted_by_id(g, graph_heads(g)));
	values[2] = graph_ids_array(g, plan_upgrade(g, &spec));
	values[3] = TimestampTzGetDatum(st.last_migration_at);
	nulls[3] = !st.has_migration;
	values[4] = Int64GetDatum(st.drift);
	values[5] = BoolGetDatum(st.schema_matches);
	nulls[5] = !st.has_fingerprint;
	values[6] = CStringGetTextDatum(guard_mode_name());
	values[7] = in_progress ? CStringGetTextDatum(in_progress) : (Datum) 0;
	nulls[7] = in_progress == NULL;
	tuple = heap_form_tuple(tupdesc, values, nulls);
	MemoryContextSwitchTo(cs.cxt);
	call_end(&cs);
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}

/* migrate.schema_fingerprint(): see fingerprint.c */
Datum
migrate_schema_fingerprint(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(fingerprint_schema());
}

/*
 * Non-transactional revisions (nontx.c): the deploy as commands for psql's
 * \gexec, and the calls those commands make around each statement.
 */
static Datum
commands(FunctionCallInfo fcinfo, bool upgrade)
{
	char	   *target = text_arg(fcinfo, 0, "target");
	TargetSpec	spec;
	CallState	cs;
	Graph	   *g;
	ListCell   *lc;

	int			commit_every = 0;

	if (upgrade && PG_NARGS() > 1 && !PG_ARGISNULL(1))
		commit_every = positive_arg(fcinfo, 1, "commit_every");
	target_parse(target, &spec);
	call_begin(fcinfo, &cs, true);
	g = catalog_graph(CATALOG_UNLOCKED);
	foreach(lc, nontx_commands(g, &spec, upgrade, commit_every))
		put_text(&cs, lfirst(lc));
	call_end(&cs);
	return (Datum) 0;
}

Datum
migrate_upgrade_commands(PG_FUNCTION_ARGS)
{
	return commands(fcinfo, true);
}

Datum
migrate_downgrade_commands(PG_FUNCTION_ARGS)
{
	return commands(fcinfo, false);
}

static bool
direction_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *d = text_arg(fcinfo, argno, "direction");

	if (strcmp(d, "upgrade") != 0 && strcmp(d, "downgrade") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid direction \"%s\"", d),
				 errhint("The direction is \"upgrade\" or \"downgrade\".")));
	return d[0] == 'u';
}

/* the step call (statement > 0) and the done call (statement 0) */
static Datum
nontx_call(FunctionCallInfo fcinfo, int statement)
{
	char	   *revision = text_arg(fcinfo, 0, "revision id");
	bool		upgrade = direction_arg(fcinfo, 1);
	CallState	cs;
	char	   *result;

	apply_check_not_in_body(statement ? "migrate_nontransactional_step()" :
							"migrate_nontransactional_done()");
	register_check_id(revision);
	call_begin(fcinfo, &cs, false);
	result = statement ? nontx_step(revision, upgrade, statement) : nontx_done(revision, upgrade);
	MemoryContextSwitchTo(cs.oldcxt);
	result = pstrdup(result);
	MemoryContextSwitchTo(cs.cxt);
	call_end(&cs);
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

Datum
migrate_nontransactional_step(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("statement must not be null")));
	/* statement 0 is refused there as out of range, never taken for "done" */
	if (PG_GETARG_INT32(2) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("statement numbers start at 1")));
	return nontx_call(fcinfo, PG_GETARG_INT32(2));
}

Datum
migrate_nontransactional_done(PG_FUNCTION_ARGS)
{
	return nontx_call(fcinfo, 0);
}

Datum
migrate_in_progress(PG_FUNCTION_ARGS)
{
	CallState	cs;
	NontxProgress p;

	call_begin(fcinfo, &cs, true);
	if (nontx_read_progress(&p))
	{
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(p.revision);
		values[1] = CStringGetTextDatum(p.upgrade ? "upgrade" : "downgrade");
		values[2] = Int32GetDatum(p.next);
		values[3] = Int32GetDatum(p.statements);
		{
			Name		role = palloc0(NAMEDATALEN);

			namestrcpy(role, p.role);
			values[4] = NameGetDatum(role);
		}
		values[5] = TimestampTzGetDatum(p.started_at);
		values[6] = Int32GetDatum(p.pid);
		values[7] = BoolGetDatum(p.alive);
		tuplestore_putvalues(cs.tupstore, cs.tupdesc, values, nulls);
	}
	call_end(&cs);
	return (Datum) 0;
}

/* the statement trigger on migrate.revision and migrate.applied */
Datum
migrate_bump_generation(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("migrate.bump_generation() must be called as a trigger")));
	catalog_bump_generation();
	return PointerGetDatum(NULL);
}

/* the guard's event triggers: see guard.c */
Datum
migrate_guard_ddl_command_start(PG_FUNCTION_ARGS)
{
	guard_ddl_command_start(fcinfo);
	PG_RETURN_VOID();
}

Datum
migrate_guard_ddl_command_end(PG_FUNCTION_ARGS)
{
	guard_ddl_command_end(fcinfo);
	PG_RETURN_VOID();
}

Datum
migrate_guard_sql_drop(PG_FUNCTION_ARGS)
{
	guard_sql_drop(fcinfo);
	PG_RETURN_VOID();
}

Datum
migrate_guard_table_rewrite(PG_FUNCTION_ARGS)
{
	guard_table_rewrite(fcinfo);
	PG_RETURN_VOID();
}

/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reading and writing the extension's tables.
 *
 * All values travel as typed SPI parameters, every operator is qualified
 * with pg_catalog, and each access runs as the owner of the catalog tables
 * with search_path set to "pg_catalog, pg_temp": the caller may lack any
 * privilege on the tables, and nothing in the caller's search_path can
 * intercept our queries.  Planning needs one query for the whole graph;
 * executing needs one for the bodies of all steps and one per table written.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#if PG_VERSION_NUM >= 160000
/* 16 moved VARDATA_ANY, VARSIZE_ANY_EXHDR out of postgres.h into varatt.h */
#include "varatt.h"
#endif
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "nontx.h"
#include "trust.h"


static Oid
catalog_owner(void)
{
	Oid			nsp = get_namespace_oid("migrate", false);
	Oid			relid = get_relname_relid("revision", nsp);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"migrate.revision\" does not exist"),
				 errhint("Run DROP EXTENSION migrate and CREATE EXTENSION migrate to repair the installation.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* Same dance as PostgreSQL's own index builds and matview refreshes. */
void
catalog_enter(CatalogAccess *ca)
{
	Oid			owner = catalog_owner();

	GetUserIdAndSecContext(&ca->saved_userid, &ca->saved_sec_context);
	SetUserIdAndSecContext(owner, ca->saved_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	ca->guc_nestlevel = catalog_pin_search_path();
}

/*
 * search_path "pg_catalog, pg_temp" until AtEOXact_GUC(false, <the level
 * returned>): nothing a caller planted in a schema of its search_path can
 * then stand in for a table, type, function or operator of our queries
 * (pg_temp is never searched for functions or operators).  An error unwinds
 * the level with the (sub)transaction.
 */
int
catalog_pin_search_path(void)
{
	int			nestlevel = NewGUCNestLevel();

#if PG_VERSION_NUM >= 170000
	/* 17 provides this: the same "pg_catalog, pg_temp", saved at this level */
	RestrictSearchPath();
#else
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
#endif
	return nestlevel;
}

void
catalog_leave(CatalogAccess *ca)
{
	AtEOXact_GUC(false, ca->guc_nestlevel);
	SetUserIdAndSecContext(ca->saved_userid, ca->saved_sec_context);
}

void
catalog_check_spi(int rc, int expected, const char *what)
{
	if (rc != expected)
		elog(ERROR, "%s failed: %s", what, SPI_result_code_string(rc));
}

/* The generation from the single-row result of a query on migrate.state. */
static int64
state_generation(void)
{
	bool		isnull;
	int64		generation;

	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("table \"migrate.state\" must hold exactly one row"),
				 errhint("INSERT INTO migrate.state DEFAULT VALUES as the extension owner.")));
	generation = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											 1, &isnull));
	SPI_freetuptable(SPI_tuptable);
	return generation;
}

/*
 * A REPEATABLE READ or SERIALIZABLE caller whose snapshot predates another
 * deploy's commit fails on the state row; say what happened and what to do.
 */
static void
lock_error_callback(void *arg)
{
	if (geterrcode() == ERRCODE_T_R_SERIALIZATION_FAILURE)
	{
		errdetail("Another transaction changed the revision graph or the applied revisions after this transaction took its snapshot.");
		errhint("Retry the transaction; under REPEATABLE READ or SERIALIZABLE, call migrate functions before anything else in it.");
	}
}

/*
 * The (sub)transaction whose update of the state row this transaction
 * holds, or InvalidSubTransactionId.  One update per transaction is enough:
 * it takes the row lock (held to the end of the transaction) and gives the
 * generation a value no other committed state has; later changes in the same
 * transaction drop this backend's cache directly (catalog_bump_generation).
 * Updating the row again at every call would leave one row version per call
 * that every later call's scan of the table has to step over, which made
 * registering N revisions in one transaction cost N^2.
 */
static SubTransactionId state_bumped_by = InvalidSubTransactionId;

/*
 * The generation that update gave, while state_bumped_by is set.  Nobody
 * else can change the row until we end (we hold its lock), and every later
 * write of ours drops the cache, so later calls of the transaction need not
 * read it again: a deploy registering N files asked for it N times.
 */
static int64 state_bumped_generation;

static void cache_drop(bool in_use);
static MemoryContext cache_cxt;
static Graph *cached_graph;
static int64 cached_generation;

/* A query kept prepared for the life of the backend. */
static SPIPlanPtr
saved_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*plan = p;
	}
	return *plan;
}

/*
 * Update the state row unless this transaction already did, and return the
 * generation it holds now.  The caller is inside catalog_enter().
 */
static int64
bump_state(bool *bumped)
{
	static SPIPlanPtr update_plan = NULL;
	ErrorContextCallback cb;
	int			rc;

	*bumped = false;
	if (state_bumped_by != InvalidSubTransactionId)
		return state_bumped_generation;
	cb.callback = lock_error_callback;
	cb.arg = NULL;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	rc = SPI_execute_plan(saved_plan(&update_plan,
									 "UPDATE migrate.state "
									 "SET generation = generation OPERATOR(pg_catalog.+) 1 "
									 "RETURNING generation",
									 0, NULL),
						  NULL, NULL, false, 0);
	error_context_stack = cb.previous;
	catalog_check_spi(rc, SPI_OK_UPDATE_RETURNING, "locking migrate.state");
	state_bumped_generation = state_generation();
	state_bumped_by = GetCurrentSubTransactionId();
	*bumped = true;
	return state_bumped_generation;
}

/*
 * Serialize every caller that changes the graph or the state.  A waiter
 * resumes once the other transaction ends; in READ COMMITTED its next query
 * takes a new snapshot and so sees the other's result.  Returns the
 * generation the graph must have been read at.
 */
int64
catalog_lock_state(void)
{
	CatalogAccess ca;
	int64		generation;
	bool		bumped;

	/* a later call of the transaction: nothing to run as the owner */
	if (state_bumped_by != InvalidSubTransactionId)
		return state_bumped_generation;
	catalog_enter(&ca);
	generation = bump_state(&bumped);
	catalog_leave(&ca);
	/* the bump itself changes no content: a graph read just before holds */
	if (bumped && cached_graph && cached_generation == generation - 1)
		cached_generation = generation;
	return generation;
}

/*
 * The statement trigger on migrate.revision and migrate.applied, for
 * migrate's own writes and writes by hand alike: other backends learn of
 * the change from the generation (bumped once per transaction), this one
 * drops its graph at once.
 */
void
catalog_bump_generation(void)
{
	CatalogAccess ca;
	bool		bumped;

	cache_drop(true);
	if (state_bumped_by != InvalidSubTransactionId)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	catalog_enter(&ca);
	(void) bump_state(&bumped);
	catalog_leave(&ca);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
}

/*
 * A text datum as a string in the graph's arena.  Detoasting, when needed,
 * happens in the caller's (per-row) memory context.
 */
static char *
graph_text(Graph *g, Datum d)
{
	text	   *t = DatumGetTextPP(d);

	return graph_strdup(g, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/*
 * Is this text[] datum '{}'?  Most depends_on and branch_labels are, and
 * answering from the stored bytes spares a detoasted copy: an inline array
 * (short header or not) starts with its number of dimensions.
 */
static bool
text_array_is_empty(Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	int32		ndim;

	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		return false;			/* let detoasting decide */
	memcpy(&ndim, VARDATA_ANY(v), sizeof(int32));
	return ndim == 0;
}

/* A text[] datum as strings in the graph's arena. */
static char **
graph_text_array(Graph *g, Datum d, int *n, const char *what, const char *rev)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;
	int			i;

	if (text_array_is_empty(d))
	{
		*n = 0;
		return NULL;
	}
	arr = DatumGetArrayTypeP(d);
	if (ARR_NDIM(arr) == 0)
	{
		*n = 0;
		return NULL;
	}
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	out = graph_alloc(g, sizeof(char *) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("%s of revision \"%s\" holds a null", what, rev)));
		out[i] = graph_text(g, elems[i]);
	}
	return out;
}

static int
cmp_seq(const void *a, const void *b)
{
	int64		x = ((const Revision *) a)->seq;
	int64		y = ((const Revision *) b)->seq;

	return (x > y) - (x < y);
}

/*
 * Attribute numbers of the named columns of rel, so that reading by heap
 * scan does not depend on column order (a dropped column, say).
 */
static void
column_numbers(Relation rel, const char *const *names, int n, int *attnums)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i,
				j;

	for (j = 0; j < n; j++)
	{
		attnums[j] = -1;
		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), names[j]) == 0)
				attnums[j] = i;
		}
		if (attnums[j] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of table \"migrate.%s\" does not exist",
							names[j], RelationGetRelationName(rel)),
					 errhint("Run DROP EXTENSION migrate and CREATE EXTENSION migrate to repair the installation.")));
	}
}

static Relation
open_catalog_table(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("migrate", false));

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"migrate.%s\" does not exist", name),
				 errhint("Run DROP EXTENSION migrate and CREATE EXTENSION migrate to repair the installation.")));
	return table_open(relid, AccessShareLock);
}

/*
 * The whole graph and the applied state, read under the active snapshot and
 * linked and checked.  This is the cost of a backend's first call, so it
 * avoids what adds up at 100,000 rows: the two tables are read by table scan
 * (what SELECT would do, minus the executor and a copy of every row), one
 * deform per row, names carved from the graph's arena, per-row
 * scratch in a context reset each row.  Rows come in heap order, which is
 * registration order unless rows were updated; they are sorted by seq only
 * when they are not.
 */
static Graph *
load_graph(MemoryContext cxt)
{
	static const char *const rev_columns[] = {
		"revision", "down_revision", "depends_on", "branch_labels", "message", "seq"
	};
	static const char *const applied_columns[] = {"revision", "applied_at"};
	int			rc[6],
				ac[2];
	Graph	   *g;
	MemoryContext rowcxt,
				old;
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	int			capacity;
	int			rev_natts,
				i;
	int			n = 0;
	int			next = 0;
	bool		sorted = true;

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "migrate graph row",
								   ALLOCSET_SMALL_SIZES);

	rel = open_catalog_table("revision");
	column_numbers(rel, rev_columns, 6, rc);
	/* deform up to the last column read, not the bodies' neighbours after it */
	for (rev_natts = 0, i = 0; i < 6; i++)
		rev_natts = Max(rev_natts, rc[i] + 1);
	g = graph_create(cxt);
	/* the planner's row estimate saves regrowing the array most times */
	capacity = Max(1024, (int) Min(rel->rd_rel->reltuples * 1.05, (double) MaxAllocSize / sizeof(Revision) / 2));
	g->revs = MemoryContextAllocZero(cxt, sizeof(Revision) * capacity);

	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	old = MemoryContextSwitchTo(rowcxt);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		Datum	   *values = slot->tts_values;
		Revision   *r;

		if (n == capacity)
		{
			g->revs = repalloc(g->revs, sizeof(Revision) * capacity * 2);
			memset(&g->revs[capacity], 0, sizeof(Revision) * capacity);
			capacity *= 2;
		}
		r = &g->revs[n];
		MemoryContextReset(rowcxt);
		slot_getsomeattrs(slot, rev_natts);
		r->id = graph_text(g, values[rc[0]]);
		r->down_names = graph_text_array(g, values[rc[1]], &r->ndown_names, "down_revision", r->id);
		r->dep_names = graph_text_array(g, values[rc[2]], &r->ndep_names, "depends_on", r->id);
		r->labels = graph_text_array(g, values[rc[3]], &r->nlabels, "branch_labels", r->id);
		r->message = graph_text(g, values[rc[4]]);
		r->seq = DatumGetInt64(values[rc[5]]);
		if (n > 0 && r->seq < r[-1].seq)
			sorted = false;
		n++;
	}
	MemoryContextSwitchTo(old);
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);
	if (!sorted)
		qsort(g->revs, n, sizeof(Revision), cmp_seq);
	graph_set_size(g, n);
	graph_link(g);

	rel = open_catalog_table("applied");
	column_numbers(rel, applied_columns, 2, ac);
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	old = MemoryContextSwitchTo(rowcxt);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		Datum	   *values = slot->tts_values;
		text	   *t;
		char		id[MIGRATE_NAME_MAXLEN + 1];
		bool		is_label = false;
		int			rev = -1;

		MemoryContextReset(rowcxt);
		slot_getallattrs(slot);
		t = DatumGetTextPP(values[ac[0]]);
		if (VARSIZE_ANY_EXHDR(t) <= MIGRATE_NAME_MAXLEN)
		{
			memcpy(id, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			id[VARSIZE_ANY_EXHDR(t)] = '\0';
			/* applied in registration order, mostly: try the next one first */
			if (next < g->n && strcmp(g->revs[next].id, id) == 0)
				rev = next;
			else
				rev = graph_find(g, id, &is_label);
		}
		if (rev < 0 || is_label)
		{
			char	   *name = text_to_cstring(t);

			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("applied revision \"%s\" is not registered", name),
					 errhint("Register revision \"%s\" again, or delete it from migrate.applied as the extension owner.",
							 name)));
		}
		g->revs[rev].applied = true;
		g->revs[rev].applied_at = DatumGetTimestampTz(values[ac[1]]);
		next = rev + 1;
	}
	MemoryContextSwitchTo(old);
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);
	MemoryContextDelete(rowcxt);
	return g;
}

/*
 * The graph of the last call, kept across calls and transactions.
 *
 * Every change to migrate.revision or migrate.applied bumps
 * migrate.state.generation in the same transaction (migrate's own calls take
 * the state lock; statement triggers catch every other write), so two
 * snapshots that see the same generation of the same state table see the
 * same graph.  migrate's own writes also drop this backend's graph
 * themselves (catalog_wrote), so they do not depend on the triggers firing.
 * A graph read inside a transaction that later aborts (or a
 * subtransaction that rolls back) may hold changes that never committed,
 * and is dropped then.  This turns a no-op upgrade or migrate_current() on
 * a large graph from a full catalog read into one single-row read.
 */
static MemoryContext cache_cxt = NULL;
static Graph *cached_graph = NULL;
static Oid	cached_state_relid = InvalidOid;
static int64 cached_generation = -1;

/*
 * Stop caching the graph.  While the transaction goes on (a new generation,
 * a subtransaction that aborts) the graph may still be in use by a call in
 * progress: a body that rolls back to a savepoint of its own, or one that
 * writes the catalog by hand and then reads migrate's state.  It then lives
 * until the end of the transaction.  When the transaction itself ends
 * nothing can use it any more.
 */
static void
cache_drop(bool in_use)
{
	if (cache_cxt)
	{
		if (in_use)
			MemoryContextSetParent(cache_cxt, TopTransactionContext);
		else
			MemoryContextDelete(cache_cxt);
	}
	cache_cxt = NULL;
	cached_graph = NULL;
	cached_generation = -1;
}

/*
 * A prepared transaction is as uncertain as an aborted one: ROLLBACK
 * PREPARED, possibly from another session, can undo it after this backend
 * has moved on, and another writer can then bring the state table back to
 * the generation we cached.
 */
static void
cache_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			cache_drop(false);
			state_bumped_by = InvalidSubTransactionId;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			state_bumped_by = InvalidSubTransactionId;
			break;
		default:
			break;
	}
}

static void
cache_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		cache_drop(true);
		/* the update (and the row lock) went with the subtransaction */
		if (state_bumped_by != InvalidSubTransactionId && state_bumped_by >= mySubid)
			state_bumped_by = InvalidSubTransactionId;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB && state_bumped_by == mySubid)
		state_bumped_by = parentSubid;
}

void
catalog_init(void)
{
	RegisterXactCallback(cache_xact_callback, NULL);
	RegisterSubXactCallback(cache_subxact_callback, NULL);
}

/*
 * Forget the cached graph: the caller is changing it in memory.  It stays
 * usable until the end of the call, whose memory context takes it over.
 */
void
catalog_graph_changed(void)
{
	if (cache_cxt)
		MemoryContextSetParent(cache_cxt, CurrentMemoryContext);
	cache_cxt = NULL;
	cached_graph = NULL;
	cached_generation = -1;
}

/*
 * The call has written migrate.revision or migrate.applied: forget the
 * cached graph now.  The statement triggers do the same, but their owner can
 * disable them, and on a 1.0 install session_replication_role = replica
 * skips them; the generation this transaction already bumped would then
 * make the pre-write graph look current to this backend's next call.
 */
void
catalog_wrote(void)
{
	cache_drop(true);
}

/*
 * The graph and the applied state.  locked_generation is what
 * catalog_lock_state() returned, or CATALOG_UNLOCKED for a reader.  The
 * graph is shared with later calls: callers must not change it, or must call
 * catalog_graph_changed() first.
 */
Graph *
catalog_graph(int64 locked_generation)
{
	CatalogAccess ca;
	Oid			relid = get_relname_relid("state", get_namespace_oid("migrate", false));
	int64		generation;
	Graph	   *g;

	catalog_enter(&ca);
	PushActiveSnapshot(GetTransactionSnapshot());
	if (locked_generation != CATALOG_UNLOCKED)
		generation = locked_generation;
	else
	{
		catalog_check_spi(SPI_execute("SELECT generation FROM migrate.state", true, 0),
				  SPI_OK_SELECT, "reading migrate.state");
		generation = state_generation();
	}

	if (cached_graph && relid == cached_state_relid && generation == cached_generation)
		g = cached_graph;
	else
	{
		/* built under the call's context, kept only once it is complete */
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "migrate graph",
												  ALLOCSET_DEFAULT_SIZES);

		cache_drop(true);
		g = load_graph(cxt);
		MemoryContextSetParent(cxt, CacheMemoryContext);
		cache_cxt = cxt;
		cached_graph = g;
		cached_state_relid = relid;
	}
	PopActiveSnapshot();
	catalog_leave(&ca);

	cached_generation = generation;
	return g;
}

/*
 * The upgrade (or downgrade) bodies of the steps, in step order, in one
 * query: what applying runs, and what the non-transactional paths split
 * into statements.  With nontx_only, only the bodies of non-transactional
 * revisions are read (the others are NULL): planning every deploy asks this,
 * and should not fetch bodies it does not need.  Otherwise every step must
 * have a body.  transactional, when given, gets each step's flag (true on
 * a catalog that predates the flag).
 */
char **
catalog_read_bodies(Graph *g, List *steps, bool upgrade, bool nontx_only,
					bool *transactional)
{
	CatalogAccess ca;
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		values[1];
	char	  **bodies = palloc0(sizeof(char *) * Max(list_length(steps), 1));
	int		   *pos = palloc(sizeof(int) * Max(g->n, 1));
	bool		has_flag = nontx_catalog();
	ListCell   *lc;
	uint64		i;
	int			rc;
	int			n = 0;

	if (nontx_only && !has_flag)
		return bodies;
	foreach(lc, steps)
		pos[lfirst_int(lc)] = n++;
	values[0] = graph_ids_array(g, steps);

	catalog_enter(&ca);
	rc = SPI_execute_with_args(psprintf("SELECT revision, %s, %s FROM migrate.revision "
										"WHERE revision OPERATOR(pg_catalog.=) ANY ($1)%s",
										has_flag ? "transactional" : "true",
										upgrade ? "upgrade" : "downgrade",
										nontx_only ? " AND NOT transactional" : ""),
							   1, argtypes, values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_SELECT, "reading revision bodies");
	catalog_leave(&ca);

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *id = TextDatumGetCString(SPI_getbinval(tup, desc, 1, &isnull));
		int			at = pos[graph_lookup(g, id)];

		if (transactional)
			transactional[at] = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
		bodies[at] = TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull));
		pfree(id);
	}
	SPI_freetuptable(SPI_tuptable);
	if (!nontx_only)
		for (i = 0; i < (uint64) n; i++)
			if (bodies[i] == NULL)
				elog(ERROR, "body of a planned revision vanished");
	pfree(pos);
	return bodies;
}

/*
 * Record the steps: the applied set gains (or loses) the revisions, and the
 * log gets one row per step.  Done once, after every body ran, as two
 * statements whatever the number of steps.
 */
void
catalog_record_steps(Graph *g, StepRecord *records, int n, bool upgrade,
					 bool stamped, const char *role)
{
	CatalogAccess ca;
	Datum	   *ids = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *ats = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *durations = palloc(sizeof(Datum) * Max(n, 1));
	Oid			tstz_array = get_array_type(TIMESTAMPTZOID);
	Oid			interval_array = get_array_type(INTERVALOID);
	Datum		idarr,
				atarr;
	int			i,
				rc;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
	{
		Interval   *iv = palloc0(sizeof(Interval));

		iv->time = records[i].usecs;
		ids[i] = CStringGetTextDatum(g->revs[records[i].rev].id);
		ats[i] = TimestampTzGetDatum(records[i].at);
		durations[i] = IntervalPGetDatum(iv);
	}
	idarr = PointerGetDatum(construct_array(ids, n, TEXTOID, -1, false, TYPALIGN_INT));
	atarr = PointerGetDatum(construct_array(ats, n, TIMESTAMPTZOID, sizeof(TimestampTz),
											FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));

	catalog_enter(&ca);
	if (upgrade)
	{
		Oid			argtypes[2] = {TEXTARRAYOID, tstz_array};
		Datum		values[2] = {idarr, atarr};

		rc = SPI_execute_with_args("INSERT INTO migrate.applied (revision, applied_at) "
								   "SELECT * FROM ROWS FROM (pg_catalog.unnest($1), "
								   "pg_catalog.unnest($2))",
								   2, argtypes, values, NULL, false, 0);
		catalog_check_spi(rc, SPI_OK_INSERT, "recording applied revisions");
	}
	else
	{
		Oid			argtypes[1] = {TEXTARRAYOID};
		Datum		values[1] = {idarr};

		rc = SPI_execute_with_args("DELETE FROM migrate.applied "
								   "WHERE revision OPERATOR(pg_catalog.=) ANY ($1)",
								   1, argtypes, values, NULL, false, 0);
		catalog_check_spi(rc, SPI_OK_DELETE, "recording unapplied revisions");
	}
	{
		Oid			argtypes[6] = {TEXTARRAYOID, TEXTOID, BOOLOID, TEXTOID,
		tstz_array, interval_array};
		Datum		values[6];

		values[0] = idarr;
		values[1] = CStringGetTextDatum(upgrade ? "upgrade" : "downgrade");
		values[2] = BoolGetDatum(stamped);
		values[3] = CStringGetTextDatum(role);
		values[4] = atarr;
		values[5] = PointerGetDatum(construct_array(durations, n, INTERVALOID,
													sizeof(Interval), false,
													TYPALIGN_DOUBLE));
		rc = SPI_execute_with_args("INSERT INTO migrate.log "
								   "(revision, direction, stamped, role, at, duration) "
								   "SELECT u.r, $2, $3, $4, u.t, u.d "
								   "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($5), "
								   "pg_catalog.unnest($6)) WITH ORDINALITY AS u(r, t, d, o) "
								   "ORDER BY u.o",
								   6, argtypes, values, NULL, false, 0);
		catalog_check_spi(rc, SPI_OK_INSERT, "writing migrate.log");
	}
	catalog_leave(&ca);
	catalog_wrote();
}

static bool
text_arrays_equal(Datum a, ArrayType *b)
{
	int			na,
				nb,
				i;
	Datum	   *ea,
			   *eb;
	bool	   *nulla,
			   *nullb;

	deconstruct_array(DatumGetArrayTypeP(a), TEXTOID, -1, false, TYPALIGN_INT,
					  &ea, &nulla, &na);
	deconstruct_array(b, TEXTOID, -1, false, TYPALIGN_INT, &eb, &nullb, &nb);
	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(TextDatumGetCString(ea[i]), TextDatumGetCString(eb[i])) != 0)
			return false;
	return true;
}

static bool
text_equal(Datum a, const char *b)
{
	return strcmp(TextDatumGetCString(a), b) == 0;
}

/*
 * The calling role's name, as registered_by records it: taken before
 * catalog_enter() switches to the catalog owner.
 */
Name
catalog_caller_name(void)
{
	Name		name = palloc0(NAMEDATALEN);

	namestrcpy(name, GetUserNameFromId(GetUserId(), false));
	return name;
}

/*
 * Identical content offered by a caller who does not trust its stored
 * registrant (see trust.c): the caller vouches for it and becomes the
 * registrant.  Runs inside catalog_enter().
 */
void
catalog_vouch(Datum revision, Datum caller_name)
{
	Oid			argtypes[2] = {TEXTOID, NAMEOID};
	Datum		values[2] = {revision, caller_name};
	int			rc;

	rc = SPI_execute_with_args("UPDATE migrate.revision SET registered_by = $2, "
							   "registered_at = pg_catalog.now() "
							   "WHERE revision OPERATOR(pg_catalog.=) $1",
							   2, argtypes, values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_UPDATE, "updating migrate.revision");
	catalog_wrote();
}

/*
 * Insert a new revision or replace an unapplied one; identical content is a
 * no-op, except that a caller who does not trust the stored registrant (see
 * trust.c) takes the revision over.  Returns whether content was written.
 * The caller holds the state lock, so "applied" cannot change under us.
 * registered_by is the calling role, captured before the owner switch.
 */
bool
catalog_register(const RevisionDef *def)
{
	/*
	 * Kept prepared: a deploy registers every file in one transaction, and
	 * parsing and planning these three queries at each call was half the
	 * cost of registering.  One of each for a catalog with and one without
	 * the transactional column (1.2, and 1.0/1.1 before the update).
	 */
	static SPIPlanPtr select_plan[2] = {NULL, NULL};
	static SPIPlanPtr update_plan[2] = {NULL, NULL};
	static SPIPlanPtr insert_plan[2] = {NULL, NULL};
	CatalogAccess ca;
	Oid			argtypes[9] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTOID, TEXTOID, TEXTOID, NAMEOID, BOOLOID};
	Datum		values[9];
	Oid			caller = GetUserId();
	Name		caller_name = catalog_caller_name();
	int			rc;
	bool		exists = false;
	bool		same = false;
	bool		applied = false;
	bool		trusted = true;
	const char *changed = NULL;
	bool		has_flag = nontx_catalog();

	values[0] = CStringGetTextDatum(def->revision);
	values[1] = PointerGetDatum(def->down_revision);
	values[2] = PointerGetDatum(def->depends_on);
	values[3] = PointerGetDatum(def->branch_labels);
	values[4] = CStringGetTextDatum(def->message);
	values[5] = CStringGetTextDatum(def->upgrade);
	values[6] = CStringGetTextDatum(def->downgrade);
	values[7] = NameGetDatum(caller_name);
	values[8] = BoolGetDatum(def->transactional);

	/* a 1.0 or 1.1 catalog has no transactional column: all are */
	if (!has_flag && !def->transactional)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("non-transactional revisions need migrate 1.2"),
				 errhint("Run ALTER EXTENSION migrate UPDATE.")));
	catalog_enter(&ca);
	rc = SPI_execute_plan(saved_plan(&select_plan[has_flag],
									 psprintf("SELECT r.down_revision, r.depends_on, r.branch_labels, "
											  "r.message, r.upgrade, r.downgrade, "
											  "EXISTS (SELECT FROM migrate.applied a "
											  "        WHERE a.revision OPERATOR(pg_catalog.=) r.revision), "
											  "r.registered_by, %s "
											  "FROM migrate.revision r "
											  "WHERE r.revision OPERATOR(pg_catalog.=) $1",
											  has_flag ? "r.transactional" : "true"),
									 1, argtypes),
						  values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_SELECT, "reading migrate.revision");
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		exists = true;
		if (!text_arrays_equal(SPI_getbinval(tup, desc, 1, &isnull), def->down_revision))
			changed = "down_revision";
		else if (!text_arrays_equal(SPI_getbinval(tup, desc, 2, &isnull), def->depends_on))
			changed = "depends_on";
		else if (!text_arrays_equal(SPI_getbinval(tup, desc, 3, &isnull), def->branch_labels))
			changed = "branch_labels";
		else if (!text_equal(SPI_getbinval(tup, desc, 4, &isnull), def->message))
			changed = "message";
		else if (!text_equal(SPI_getbinval(tup, desc, 5, &isnull), def->upgrade))
			changed = "upgrade";
		else if (!text_equal(SPI_getbinval(tup, desc, 6, &isnull), def->downgrade))
			changed = "downgrade";
		else if (DatumGetBool(SPI_getbinval(tup, desc, 9, &isnull)) != def->transactional)
			changed = "transactional flag";
		same = (changed == NULL);
		applied = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
		if (same)
			trusted = trust_registrant(NameStr(*DatumGetName(SPI_getbinval(tup, desc, 8, &isnull))),
									   caller);
	}
	SPI_freetuptable(SPI_tuptable);

	if (same)
	{
		/* the caller vouches for content whose registrant it cannot trust */
		if (!trusted)
			catalog_vouch(values[0], values[7]);
		catalog_leave(&ca);
		return false;
	}
	if (applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is applied and cannot be changed", def->revision),
				 errdetail("The given %s differs from the registered one.", changed),
				 errhint("Write a new revision for the change, or downgrade below \"%s\" before registering it again.",
						 def->revision)));

	if (exists)
	{
		/* a revision half applied keeps the statements it started with */
		nontx_check_not_in_progress(def->revision, "changed");
		rc = SPI_execute_plan(saved_plan(&update_plan[has_flag],
										 psprintf("UPDATE migrate.revision SET down_revision = $2, "
												  "depends_on = $3, branch_labels = $4, message = $5, "
												  "upgrade = $6, downgrade = $7, "
												  "registered_at = pg_catalog.now(), "
												  "registered_by = $8 %s"
												  "WHERE revision OPERATOR(pg_catalog.=) $1",
												  has_flag ? ", transactional = $9 " : ""),
										 has_flag ? 9 : 8, argtypes),
							  values, NULL, false, 0);
		catalog_check_spi(rc, SPI_OK_UPDATE, "updating migrate.revision");
	}
	else
	{
		rc = SPI_execute_plan(saved_plan(&insert_plan[has_flag], has_flag ?
										 "INSERT INTO migrate.revision (revision, down_revision, "
										 "depends_on, branch_labels, message, upgrade, downgrade, "
										 "registered_by, transactional) "
										 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)" :
										 "INSERT INTO migrate.revision (revision, down_revision, "
										 "depends_on, branch_labels, message, upgrade, downgrade, "
										 "registered_by) "
										 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
										 has_flag ? 9 : 8, argtypes),
							  values, NULL, false, 0);
		catalog_check_spi(rc, SPI_OK_INSERT, "inserting into migrate.revision");
	}
	catalog_leave(&ca);
	catalog_wrote();
	return true;
}

/*
 * Remove an unapplied revision that no other revision names, as
 * down_revision or in depends_on (by id or by one of its branch labels).
 */
void
catalog_forget(const char *revision)
{
	CatalogAccess ca;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	int			rc;
	bool		isnull;
	bool		applied;

	values[0] = CStringGetTextDatum(revision);
	catalog_enter(&ca);
	rc = SPI_execute_with_args("SELECT EXISTS (SELECT FROM migrate.applied a "
							   "  WHERE a.revision OPERATOR(pg_catalog.=) r.revision), "
							   "(SELECT o.revision FROM migrate.revision o "
							   "  WHERE o.revision OPERATOR(pg_catalog.<>) r.revision "
							   "    AND (r.revision OPERATOR(pg_catalog.=) ANY (o.down_revision) "
							   "     OR o.depends_on OPERATOR(pg_catalog.&&) "
							   "        (r.branch_labels OPERATOR(pg_catalog.||) r.revision)) "
							   "  ORDER BY o.revision LIMIT 1) "
							   "FROM migrate.revision r "
							   "WHERE r.revision OPERATOR(pg_catalog.=) $1",
							   1, argtypes, values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_SELECT, "reading migrate.revision");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", revision),
				 errhint("Call migrate_history() to list the registered revisions.")));
	applied = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is applied and cannot be forgotten", revision),
				 errhint("Downgrade below \"%s\" first.", revision)));
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);

		if (!isnull)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("revision \"%s\" is referenced by other revisions", revision),
					 errdetail("Revision \"%s\" names it as down_revision or in depends_on.",
							   TextDatumGetCString(d)),
					 errhint("Forget or re-register the revisions that reference it first.")));
	}
	SPI_freetuptable(SPI_tuptable);

	rc = SPI_execute_with_args("DELETE FROM migrate.revision "
							   "WHERE revision OPERATOR(pg_catalog.=) $1",
							   1, argtypes, values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_DELETE, "deleting from migrate.revision");
	catalog_leave(&ca);
	catalog_wrote();
}

/* Does migrate's schema hold this table?  False mid-DROP EXTENSION. */
bool
catalog_has_table(const char *name)
{
	Oid			nsp = get_namespace_oid("migrate", true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid(name, nsp));
}

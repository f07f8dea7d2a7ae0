/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  The guard: schema changes made outside migrations are recorded in
 *	  migrate.drift, or refused, as the migrate.guard setting says.
 *
 * Three event triggers see every DDL command.  A command run while migrate
 * applies or unapplies a revision belongs to that revision, as does the
 * statement of a non-transactional revision that its deploy session runs
 * at its turn (nontx.c: the exact text, armed by the step call); so do the
 * commands of an extension's install script, temporary objects and
 * restores (see guard_restoring).  Anything else is out of band:
 *
 *	off		nothing happens, unless the session itself turned the guard off
 *			(SET, or options at connection), which is recorded: a bypass
 *			leaves a trail
 *	log		recorded (the default)
 *	warn	recorded, with a WARNING
 *	error	refused.  table_rewrite refuses before the rewrite starts, so a
 *			refused ALTER TABLE does not first rewrite a large table.
 *
 * A refused command rolls back with its transaction, and so would any row
 * recording it: the attempt is kept in the server log only, as a LOG line
 * naming the command, the object and the roles.
 *
 * migrate.guard is PGC_SUSET: superusers set it, and from PostgreSQL 15 any
 * role granted SET ON PARAMETER migrate.guard.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "apply.h"
#include "catalog.h"
#include "drift.h"
#include "graph.h"
#include "guard.h"
#include "nontx.h"

typedef enum GuardMode
{
	GUARD_OFF,
	GUARD_LOG,
	GUARD_WARN,
	GUARD_ERROR
} GuardMode;

static const struct config_enum_entry guard_options[] = {
	{"off", GUARD_OFF, false},
	{"log", GUARD_LOG, false},
	{"warn", GUARD_WARN, false},
	{"error", GUARD_ERROR, false},
	{NULL, 0, false}
};

static int	guard_mode = GUARD_LOG;

/*
 * Whether the value in effect was chosen by the session (SET, a function's
 * SET clause, or options given at connection) rather than by the server,
 * database or role configuration.  The check hook sees the source of every
 * value; it hands it to the assign hook through "extra", which the GUC
 * machinery keeps with the value, so SET LOCAL, RESET and rollbacks restore
 * the right answer with the value.
 */
static bool guard_set_by_session = false;

static bool
guard_check(int *newval, void **extra, GucSource source)
{
	bool	   *by_session;

#if PG_VERSION_NUM >= 160000
	by_session = guc_malloc(LOG, sizeof(bool));
#else
	by_session = malloc(sizeof(bool));
#endif
	if (by_session == NULL)
		return false;
	*by_session = (source == PGC_S_CLIENT || source >= PGC_S_INTERACTIVE);
	*extra = by_session;
	return true;
}

static void
guard_assign(int newval, void *extra)
{
	guard_set_by_session = extra ? *(bool *) extra : false;
}

void
guard_init(void)
{
	DefineCustomEnumVariable("migrate.guard",
							 "What happens to schema changes made outside migrations.",
							 "off: nothing; log: recorded in migrate.drift; warn: recorded, with a warning; error: refused.",
							 &guard_mode,
							 GUARD_LOG,
							 guard_options,
							 PGC_SUSET,
							 0,
							 guard_check,
							 guard_assign,
							 NULL);
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("migrate");
#else
	EmitWarningsOnPlaceholders("migrate");
#endif
}

const char *
guard_mode_name(void)
{
	return guard_options[guard_mode].name;
}

/* May the current role set migrate.guard (and so turn it off)? */
static bool
guard_may_set(void)
{
	if (superuser())
		return true;
#if PG_VERSION_NUM >= 150000
	return pg_parameter_aclcheck("migrate.guard", GetUserId(), ACL_SET) == ACLCHECK_OK;
#else
	return false;
#endif
}

/*
 * A restore: pg_dump's scripts and pg_restore (each of its parallel workers
 * too) set check_function_bodies = off before anything else, which is
 * PostgreSQL's own sign of a restore.  It counts only for a role that may
 * set migrate.guard, which could turn the guard off anyway; anyone else
 * restoring gets the guard as configured.  What such a session changes is
 * not recorded: the fingerprint check (migrate_status) still sees a schema
 * that differs from the last migration's.
 */
static bool
guard_restoring(void)
{
	return !check_function_bodies && guard_may_set();
}

/*
 * Should the current command be looked at at all?  False inside a revision
 * body, inside an extension's script (migrate's own install included), for
 * restores, and when the guard is off by configuration.
 */
static bool
guard_active(void)
{
	if (apply_in_body() || nontx_in_statement() || creating_extension)
		return false;
	if (guard_mode == GUARD_OFF && !guard_set_by_session)
		return false;
	if (guard_restoring())
		return false;
	/* mid-DROP EXTENSION migrate, or a broken install: nothing to record in */
	return OidIsValid(get_extension_oid("migrate", true)) &&
		catalog_has_table("drift");
}

/* One out-of-band object change, as the event trigger functions report it. */
typedef struct DriftItem
{
	char	   *object_type;
	char	   *object_identity;
} DriftItem;

/*
 * The current heads for the record, or NULL when the graph cannot be read
 * (a dangling reference, say): the user's command must not fail because of
 * the revision graph, so the read runs in a subtransaction.
 */
static Datum
current_heads_or_null(bool *isnull)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile Datum result = (Datum) 0;

	*isnull = true;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		Graph	   *g = catalog_graph(CATALOG_UNLOCKED);
		List	   *heads = graph_sorted_by_id(g, graph_current_heads(g));
		Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(heads), 1));
		ListCell   *lc;
		int			i = 0;

		foreach(lc, heads)
			elems[i++] = CStringGetTextDatum(g->revs[lfirst_int(lc)].id);
		result = PointerGetDatum(construct_array(elems, i, TEXTOID, -1, false, TYPALIGN_INT));
		*isnull = false;
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		/* a cancel is the user's, not the graph's: let it through */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		FreeErrorData(edata);
		*isnull = true;
	}
	PG_END_TRY();
	return result;
}

static void
guard_refuse(const char *tag, DriftItem *item)
{
	const char *what = item && item->object_identity ? item->object_identity : "";
	const char *sep = what[0] ? " " : "";

	/*
	 * The refusal rolls back any row that would record it: the server log
	 * keeps the attempt instead, with who made it (and, at the default
	 * log_min_error_statement, the statement), whatever the client sees.
	 */
	ereport(LOG,
			(errmsg("migrate.guard refused %s%s%s by role \"%s\" (session role \"%s\")",
					tag, sep, what,
					GetUserNameFromId(GetUserId(), false),
					GetUserNameFromId(GetSessionUserId(), false))));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s%s%s is not part of a migration", tag, sep, what),
			 errdetail("migrate.guard is \"error\", so schema changes outside migrate_upgrade() and migrate_downgrade() are refused."),
			 errhint("Write a migration for the change and apply it with migrate_upgrade().")));
}

/* Record (and with "warn", report) the out-of-band changes of one command. */
static void
guard_handle(const char *tag, List *items)
{
	ListCell   *lc;

	if (items == NIL)
		return;
	if (guard_mode == GUARD_ERROR)
		guard_refuse(tag, linitial(items));

	{
		bool		heads_null;
		Datum		heads = current_heads_or_null(&heads_null);
		const char *role = GetUserNameFromId(GetUserId(), false);
		const char *session_role = GetUserNameFromId(GetSessionUserId(), false);

		foreach(lc, items)
		{
			DriftItem  *item = lfirst(lc);

			drift_record(role, session_role, tag, item->object_type,
								 item->object_identity, heads, heads_null,
								 guard_mode_name(), guard_set_by_session);
		}
	}
	if (guard_mode == GUARD_WARN)
	{
		DriftItem  *item = linitial(items);

		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s%s%s is not part of a migration", tag,
						item->object_identity ? " " : "",
						item->object_identity ? item->object_identity : ""),
				 errdetail("The change was recorded in migrate.drift."),
				 errhint("Write a migration for the change, so that every database gets it.")));
	}
}

/*
 * Run a query over one of the event trigger set-returning functions and
 * collect the (object_type, object_identity) rows it returns.
 */
static List *
collect_items(const char *query)
{
	List	   *items = NIL;
	uint64		i;
	int			rc;
	int			nest;

	/*
	 * The query runs as the user who ran the DDL, a superuser perhaps: with
	 * the session's search_path, an operator or function planted in a
	 * writable schema would run with the user's rights.  Every operator in
	 * the queries is qualified too, but the search_path is pinned anyway.
	 */
	nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	/* not read-only: the query must see what the command itself just wrote */
	rc = SPI_execute(query, false, 0);
	AtEOXact_GUC(false, nest);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading event trigger data failed: %s", SPI_result_code_string(rc));
	for (i = 0; i < SPI_processed; i++)
	{
		DriftItem  *item = palloc(sizeof(DriftItem));

		/* SPI_getvalue gives NULL for NULL */
		item->object_type = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		item->object_identity = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		items = lappend(items, item);
	}
	return items;
}

static const char *
event_tag(FunctionCallInfo fcinfo)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function can only be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	return GetCommandTagName(trigdata->tag);
}

/* The out-of-band objects the query finds, recorded, warned about or refused. */
static void
guard_event(FunctionCallInfo fcinfo, const char *query)
{
	const char *tag = event_tag(fcinfo);

	if (!guard_active())
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	guard_handle(tag, collect_items(query));
	SPI_finish();
}

/*
 * ddl_command_end: every object a command created or altered.  Temporary
 * objects are reported in schema "pg_temp", except those without a schema
 * of their own (triggers, rules, policies), looked up through their table;
 * objects made by an extension's script have in_extension set.  CREATE and
 * ALTER EXTENSION themselves are changes like any other (installing an
 * extension in production is one), except for migrate's own install and
 * updates.
 */
void
guard_ddl_command_end(FunctionCallInfo fcinfo)
{
	guard_event(fcinfo,
		"SELECT object_type, object_identity "
		"FROM pg_catalog.pg_event_trigger_ddl_commands() "
		"WHERE NOT in_extension "
		"AND (schema_name IS NULL OR schema_name OPERATOR(pg_catalog.<>) 'pg_temp') "
		"AND NOT (object_type OPERATOR(pg_catalog.=) 'extension' "
		"AND object_identity OPERATOR(pg_catalog.=) 'migrate') "
		"AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c "
		"  WHERE c.relpersistence OPERATOR(pg_catalog.=) 't' AND c.oid OPERATOR(pg_catalog.=) "
		"  CASE WHEN classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_trigger'::pg_catalog.regclass::pg_catalog.oid "
		"    THEN (SELECT tgrelid FROM pg_catalog.pg_trigger t WHERE t.oid OPERATOR(pg_catalog.=) objid) "
		"  WHEN classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass::pg_catalog.oid "
		"    THEN (SELECT ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid OPERATOR(pg_catalog.=) objid) "
		"  WHEN classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_policy'::pg_catalog.regclass::pg_catalog.oid "
		"    THEN (SELECT polrelid FROM pg_catalog.pg_policy p WHERE p.oid OPERATOR(pg_catalog.=) objid) END)");
}

/*
 * sql_drop: what a DROP (or an ALTER TABLE ... DROP) removed.  Only the
 * objects the command named are recorded; what went with them (indexes,
 * defaults, types of a table) is implied.  A rule is not "temporary" by
 * itself: its identity names its table, in pg_temp (or pg_temp_N).
 */
void
guard_sql_drop(FunctionCallInfo fcinfo)
{
	guard_event(fcinfo,
		"SELECT object_type, object_identity "
		"FROM pg_catalog.pg_event_trigger_dropped_objects() "
		"WHERE original AND NOT is_temporary "
		"AND object_identity OPERATOR(pg_catalog.!~) ' on pg_temp(_[0-9]+)?\\.'");
}

/*
 * table_rewrite: fires before the rewrite.  Only "error" acts here, so that
 * the user does not wait for a table to be rewritten before being refused;
 * the other settings record the command at ddl_command_end.
 */
void
guard_table_rewrite(FunctionCallInfo fcinfo)
{
	const char *tag = event_tag(fcinfo);
	List	   *items;

	if (guard_mode != GUARD_ERROR || !guard_active())
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	items = collect_items("SELECT 'table', pg_catalog.quote_ident(n.nspname) "
						  "OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname) "
						  "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
						  "ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
						  "WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.pg_event_trigger_table_rewrite_oid() "
						  "AND c.relpersistence OPERATOR(pg_catalog.<>) 't'");
	if (items != NIL)
		guard_refuse(tag, linitial(items));
	SPI_finish();
}

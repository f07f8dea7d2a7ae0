/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  The guard: schema changes made outside migrations are recorded in
 *	  migrate.drift, or refused, as the migrate.guard setting says.
 *
 * Four event triggers see every DDL command.  A command run while migrate
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
 *			refused ALTER TABLE does not first rewrite a large table, and
 *			ddl_command_start refuses the commands that commit part of their
 *			work before they end (CONCURRENTLY) before they start.
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
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#if PG_VERSION_NUM >= 170000
#include "commands/defrem.h"
#endif
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/cmdtag.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
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

/* May this role set migrate.guard (and so turn it off)? */
static bool
guard_may_set(Oid roleid)
{
	if (superuser_arg(roleid))
		return true;
#if PG_VERSION_NUM >= 150000
	return pg_parameter_aclcheck("migrate.guard", roleid, ACL_SET) == ACLCHECK_OK;
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
 *
 * Both the current role and the role that logged in must be such a role:
 * check_function_bodies is a user setting, so a plain login could set it
 * and then call a SECURITY DEFINER function of a superuser, whose DDL would
 * otherwise pass as a restore, neither refused nor recorded.
 */
static bool
guard_restoring(void)
{
	return !check_function_bodies && guard_may_set(GetUserId()) &&
		guard_may_set(GetAuthenticatedUserId());
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

/*
 * The refusal rolls back any row that would record it: the server log keeps
 * the attempt instead, with who made it (and, at the default
 * log_min_error_statement, the statement), whatever the client sees.
 */
static void
guard_log_refusal(const char *command)
{
	ereport(LOG,
			(errmsg("migrate.guard refused %s by role \"%s\" (session role \"%s\")",
					command,
					GetUserNameFromId(GetUserId(), false),
					GetUserNameFromId(GetSessionUserId(), false))));
}

static void
guard_refuse(const char *tag, DriftItem *item)
{
	const char *what = item && item->object_identity ? item->object_identity : "";
	const char *sep = what[0] ? " " : "";

	guard_log_refusal(psprintf("%s%s%s", tag, sep, what));
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
	 * the session's search_path, an operator, function, type or view planted
	 * in a writable schema would run with the user's rights.  Every name and
	 * operator in the queries is qualified, and the search_path is pinned as
	 * well, the same way as for the catalog queries.
	 */
	nest = catalog_pin_search_path();
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

/*
 * Commands that fire the event triggers but change no definition: REFRESH
 * MATERIALIZED VIEW [CONCURRENTLY] replaces a materialized view's rows, and
 * REINDEX (seen from PostgreSQL 17) rebuilds an index as it is defined.
 * Whatever else fires them changes the schema: objects, columns, comments,
 * owners, privileges, security labels, whether or not the fingerprint
 * covers them.
 */
static bool
guard_routine_command(FunctionCallInfo fcinfo)
{
	CommandTag	tag = ((EventTriggerData *) fcinfo->context)->tag;

	return tag == CMDTAG_REFRESH_MATERIALIZED_VIEW || tag == CMDTAG_REINDEX;
}

/* The out-of-band objects the query finds, recorded, warned about or refused. */
static void
guard_event(FunctionCallInfo fcinfo, const char *query)
{
	const char *tag = event_tag(fcinfo);

	if (guard_routine_command(fcinfo) || !guard_active())
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	guard_handle(tag, collect_items(query));
	SPI_finish();
}

/*
 * ddl_command_end: every object a command created or altered.  Whether an
 * object is temporary comes from the catalog, never from its name: schema_name
 * is PostgreSQL's own answer for the object's namespace (it reports every
 * temporary schema as "pg_temp", a name no other schema can have), and the
 * objects without a schema of their own (triggers, rules, policies) are
 * temporary when their table is.  Objects made by an extension's script have
 * in_extension set.  CREATE and ALTER EXTENSION themselves are changes like
 * any other (installing an extension in production is one), except for
 * migrate's own install and updates.
 */
void
guard_ddl_command_end(FunctionCallInfo fcinfo)
{
	guard_event(fcinfo,
		"SELECT object_type, object_identity "
		"FROM pg_catalog.pg_event_trigger_ddl_commands() "
		"WHERE NOT in_extension "
		"AND (schema_name IS NULL OR schema_name OPERATOR(pg_catalog.<>) 'pg_temp'::pg_catalog.text) "
		"AND NOT (object_type OPERATOR(pg_catalog.=) 'extension'::pg_catalog.text "
		"AND object_identity OPERATOR(pg_catalog.=) 'migrate'::pg_catalog.text) "
		"AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c "
		"  WHERE c.relpersistence OPERATOR(pg_catalog.=) 't'::pg_catalog.\"char\" AND c.oid OPERATOR(pg_catalog.=) "
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
 * defaults, types of a table) is implied.  is_temporary is PostgreSQL's
 * answer from the object's namespace, but a rule has none: it is temporary
 * when its table, which the rule's address names (schema, table, rule) and
 * which still exists, is.  The address is the list of names, not the
 * identity text, in which a name may contain " on pg_temp.".
 */
void
guard_sql_drop(FunctionCallInfo fcinfo)
{
	guard_event(fcinfo,
		"SELECT object_type, object_identity "
		"FROM pg_catalog.pg_event_trigger_dropped_objects() "
		"WHERE original AND NOT is_temporary "
		"AND NOT (classid OPERATOR(pg_catalog.=) ANY (ARRAY["
		"  'pg_catalog.pg_rewrite'::pg_catalog.regclass, 'pg_catalog.pg_trigger'::pg_catalog.regclass, "
		"  'pg_catalog.pg_policy'::pg_catalog.regclass, 'pg_catalog.pg_attrdef'::pg_catalog.regclass"
		"  ]::pg_catalog.oid[]) "
		"  AND EXISTS (SELECT FROM pg_catalog.pg_class c "
		"    WHERE c.relpersistence OPERATOR(pg_catalog.=) 't'::pg_catalog.\"char\" "
		"    AND c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass("
		"      pg_catalog.quote_ident(address_names[1]) OPERATOR(pg_catalog.||) '.'::pg_catalog.text "
		"      OPERATOR(pg_catalog.||) pg_catalog.quote_ident(address_names[2]))::pg_catalog.oid))");
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
	items = collect_items("SELECT 'table'::pg_catalog.text, pg_catalog.quote_ident(n.nspname) "
						  "OPERATOR(pg_catalog.||) '.'::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname) "
						  "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
						  "ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
						  "WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.pg_event_trigger_table_rewrite_oid() "
						  "AND c.relpersistence OPERATOR(pg_catalog.<>) 't'::pg_catalog.\"char\"");
	if (items != NIL)
		guard_refuse(tag, linitial(items));
	SPI_finish();
}

/*
 * The relation a command names, for its message: as found, or as written
 * when it does not exist.  *temporary says whether it is a temporary
 * relation (of this session), which is never out of band.  The name is
 * looked up the way the command will look it up, without a lock: only the
 * command's own lookup decides what it acts on.
 */
static char *
named_relation(RangeVar *rv, bool *temporary)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);
	char	   *nspname = OidIsValid(relid) ? get_namespace_name(get_rel_namespace(relid)) : NULL;
	char	   *relname = OidIsValid(relid) ? get_rel_name(relid) : NULL;

	*temporary = OidIsValid(relid) && get_rel_persistence(relid) == RELPERSISTENCE_TEMP;
	if (nspname == NULL || relname == NULL)
		return quote_qualified_identifier(rv->schemaname, rv->relname);
	return quote_qualified_identifier(nspname, relname);
}

/*
 * Does the command commit part of its work before it ends?  Those are the
 * CONCURRENTLY forms; *command is set to what the messages call it.  False
 * for one that acts on a temporary relation (PostgreSQL does that part
 * non-concurrently, and temporary objects are never out of band).  A
 * relation that does not exist counts as not temporary: refusing the
 * command costs nothing then.
 */
static bool
commits_as_it_goes(Node *parsetree, char **command)
{
	bool		temporary = false;
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_IndexStmt:
			{
				IndexStmt  *stmt = (IndexStmt *) parsetree;

				if (!stmt->concurrent)
					return false;
				*command = psprintf("CREATE INDEX CONCURRENTLY on %s",
									named_relation(stmt->relation, &temporary));
				break;
			}
		case T_DropStmt:
			{
				/* only DROP INDEX has CONCURRENTLY */
				DropStmt   *stmt = (DropStmt *) parsetree;
				StringInfoData names;

				if (!stmt->concurrent)
					return false;
				/* PostgreSQL takes one index here; every name is checked anyway */
				initStringInfo(&names);
				temporary = stmt->objects != NIL;
				foreach(lc, stmt->objects)
				{
					bool		temp;

					appendStringInfo(&names, "%s%s", names.len > 0 ? ", " : "",
									 named_relation(makeRangeVarFromNameList(lfirst(lc)), &temp));
					temporary = temporary && temp;
				}
				*command = psprintf("DROP INDEX CONCURRENTLY %s", names.data);
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
				PartitionCmd *detach = NULL;
				bool		temp;

				foreach(lc, stmt->cmds)
				{
					AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

					if (IsA(cmd, AlterTableCmd) && cmd->subtype == AT_DetachPartition &&
						((PartitionCmd *) cmd->def)->concurrent)
						detach = (PartitionCmd *) cmd->def;
				}
				if (detach == NULL)
					return false;
				*command = psprintf("ALTER TABLE %s DETACH PARTITION %s CONCURRENTLY",
									named_relation(stmt->relation, &temporary),
									named_relation(detach->name, &temp));
				break;
			}
#if PG_VERSION_NUM >= 170000

			/*
			 * Event triggers see REINDEX from PostgreSQL 17 only; before, it
			 * never reaches this trigger (nor ddl_command_end), so a REINDEX
			 * ... CONCURRENTLY is neither refused nor recorded there.
			 */
		case T_ReindexStmt:
			{
				ReindexStmt *stmt = (ReindexStmt *) parsetree;
				bool		concurrently = false;

				foreach(lc, stmt->params)
				{
					DefElem    *opt = (DefElem *) lfirst(lc);

					if (strcmp(opt->defname, "concurrently") == 0)
						concurrently = defGetBoolean(opt);
				}
				if (!concurrently)
					return false;
				switch (stmt->kind)
				{
					case REINDEX_OBJECT_INDEX:
						*command = psprintf("REINDEX INDEX CONCURRENTLY %s",
											named_relation(stmt->relation, &temporary));
						break;
					case REINDEX_OBJECT_TABLE:
						*command = psprintf("REINDEX TABLE CONCURRENTLY %s",
											named_relation(stmt->relation, &temporary));
						break;
					case REINDEX_OBJECT_SCHEMA:
						*command = psprintf("REINDEX SCHEMA CONCURRENTLY %s",
											quote_identifier(stmt->name));
						break;
					default:
						/* the database, or its catalogs: every user index with it */
						*command = psprintf("REINDEX %s CONCURRENTLY%s%s",
											stmt->kind == REINDEX_OBJECT_SYSTEM ? "SYSTEM" : "DATABASE",
											stmt->name ? " " : "",
											stmt->name ? quote_identifier(stmt->name) : "");
						break;
				}
				break;
			}
#endif
		default:
			return false;
	}
	return !temporary;
}

/*
 * ddl_command_start: a command that commits part of its work before it
 * ends cannot be undone by a refusal at ddl_command_end.  A DROP INDEX
 * CONCURRENTLY refused there leaves its index invalid (a unique index stops
 * enforcing), a CREATE INDEX CONCURRENTLY an invalid index that every write
 * still maintains, a DETACH PARTITION CONCURRENTLY a partition pending
 * detach.  Under "error" they are refused here, before they start; under
 * the other settings they run and ddl_command_end and sql_drop record them
 * like any command.  Migrations are not concerned: PostgreSQL runs none of
 * these commands in a function, migrate_upgrade() included.
 */
void
guard_ddl_command_start(FunctionCallInfo fcinfo)
{
	EventTriggerData *trigdata;
	char	   *command;

	(void) event_tag(fcinfo);	/* checks that it runs as an event trigger */
	trigdata = (EventTriggerData *) fcinfo->context;
	if (guard_mode != GUARD_ERROR ||
		!commits_as_it_goes(trigdata->parsetree, &command) ||
		!guard_active())
		return;
	guard_log_refusal(command);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s is not part of a migration", command),
			 errdetail("migrate.guard is \"error\", so schema changes outside migrate_upgrade() and migrate_downgrade() are refused; "
					   "a command that commits part of its work before it ends is refused before it starts."),
			 errhint("A migration cannot run a CONCURRENTLY command: write the change without CONCURRENTLY in a migration, "
					 "or run the command in a session where migrate.guard is \"log\", which records it.")));
}

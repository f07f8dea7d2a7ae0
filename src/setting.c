/*-------------------------------------------------------------------------
 *
 * setting.c
 *	  A superuser setting keeps its configured value when the library loads
 *	  after the session asked for a value it may not set.
 *
 * A session loads migrate's library at its first migrate call or DDL
 * command.  Until then the server knows migrate.guard only as a placeholder,
 * which takes any value from anyone.  Options given at connection
 * (options='-c migrate.guard=off') become the placeholder's value and its
 * reset value, and they outrank the configuration: the settings of the
 * database and the role are then never applied, and the configuration
 * file's value is overwritten.  When the library defines the real setting,
 * PostgreSQL applies the placeholder's values again with the privileges of
 * the role that gave them, and drops with a WARNING those that role may not
 * set, leaving the boot value: a plain role's options turned a configured
 * "error" into "log".
 *
 * So when the definition lost the placeholder's reset value (dropped for
 * lack of privilege, or invalid), the values it had shadowed are applied
 * again from where PostgreSQL takes them when a session starts: the
 * configuration files (postgresql.conf with its includes, then
 * postgresql.auto.conf, as written by ALTER SYSTEM), then ALTER ROLE ALL,
 * ALTER DATABASE, ALTER ROLE and ALTER ROLE ... IN DATABASE (for the role
 * that logged in, as at connection), each over the one before.  They are
 * read as they are when the library loads.  A value
 * given on the server's command line (postgres -c) cannot be read back.
 *
 * With the library in shared_preload_libraries the setting is defined before
 * any session starts: PostgreSQL then refuses the connection of a role that
 * asks for a value it may not set, and none of this is needed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "setting.h"

/* A placeholder of the library's, as it was before the definition. */
typedef struct SettingPlaceholder
{
	char	   *name;
	GucSource	reset_source;
} SettingPlaceholder;

static struct config_generic **
all_settings(int *n)
{
#if PG_VERSION_NUM >= 160000
	return get_guc_variables(n);
#else
	*n = GetNumConfigOptions();
	return get_guc_variables();
#endif
}

static struct config_generic *
setting_find(const char *name)
{
	int			n,
				i;
	struct config_generic **vars = all_settings(&n);

	for (i = 0; i < n; i++)
		if (pg_strcasecmp(vars[i]->name, name) == 0)
			return vars[i];
	return NULL;
}

/* The placeholders named "<prefix>.*", before the library defines them. */
List *
setting_placeholders(const char *prefix)
{
	int			n,
				i;
	struct config_generic **vars = all_settings(&n);
	size_t		len = strlen(prefix);
	List	   *result = NIL;

	for (i = 0; i < n; i++)
	{
		struct config_generic *v = vars[i];

		if ((v->flags & GUC_CUSTOM_PLACEHOLDER) &&
			pg_strncasecmp(v->name, prefix, len) == 0 && v->name[len] == '.')
		{
			SettingPlaceholder *p = palloc(sizeof(SettingPlaceholder));

			p->name = pstrdup(v->name);
			p->reset_source = v->reset_source;
			result = lappend(result, p);
		}
	}
	return result;
}

static void
apply_value(const char *name, const char *value, GucContext context, GucSource source)
{
	/* an invalid value is reported in the server log, as at a reload */
	(void) set_config_option(name, value, context, source, GUC_ACTION_SET,
							 true, LOG, false);
}

/*
 * The last value the configuration files give the setting, or NULL.  The
 * files are read as a reload reads them; one with a syntax error is not
 * used, as a reload would not use it either.
 */
static char *
file_value(const char *name)
{
	ConfigVariable *head = NULL;
	ConfigVariable *tail = NULL;
	ConfigVariable *item;
	char	   *value = NULL;

	if (ConfigFileName == NULL ||
		!ParseConfigFile(ConfigFileName, true, NULL, 0, 0, LOG, &head, &tail) ||
		(DataDir != NULL &&
		 !ParseConfigFile(PG_AUTOCONF_FILENAME, false, NULL, 0, 0, LOG, &head, &tail)))
	{
		FreeConfigVariables(head);
		return NULL;
	}
	for (item = head; item != NULL; item = item->next)
		if (item->errmsg == NULL && pg_strcasecmp(item->name, name) == 0)
			value = item->value;
	value = value ? pstrdup(value) : NULL;
	FreeConfigVariables(head);
	return value;
}

/*
 * Apply the setting from one row of pg_db_role_setting, as PostgreSQL's
 * ApplySetting() does for every setting at connection: at superuser level,
 * since whoever stored it was checked then.
 */
static void
apply_role_setting(Relation rel, Snapshot snapshot, Oid databaseid, Oid roleid,
				   GucSource source, const char *name)
{
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&keys[0], Anum_pg_db_role_setting_setdatabase,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(databaseid));
	ScanKeyInit(&keys[1], Anum_pg_db_role_setting_setrole,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(roleid));
	scan = systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true,
							  snapshot, 2, keys);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum		cols[Natts_pg_db_role_setting];
		bool		colnulls[Natts_pg_db_role_setting];
		bool		isnull;
		Datum		d;
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					i;
		char	   *value = NULL;

		/*
		 * heap_deform_tuple, not heap_getattr: the inline heap_getattr of the
		 * 15.20 and 17.12 headers calls heap_datum_check(), which a server of
		 * an earlier minor release of the same major (17.10) does not have,
		 * so a library built against the newer headers would not load there.
		 */
		heap_deform_tuple(tup, RelationGetDescr(rel), cols, colnulls);
		d = cols[Anum_pg_db_role_setting_setconfig - 1];
		isnull = colnulls[Anum_pg_db_role_setting_setconfig - 1];
		if (isnull)
			continue;
		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (i = 0; i < n; i++)
		{
			char	   *opt_name;
			char	   *opt_value;

			if (nulls[i])
				continue;
			ParseLongOption(TextDatumGetCString(elems[i]), &opt_name, &opt_value);
			if (opt_value != NULL && pg_strcasecmp(opt_name, name) == 0)
				value = opt_value;
		}
		if (value != NULL)
			apply_value(name, value, PGC_SUSET, source);
	}
	systable_endscan(scan);
}

/* Apply the configured values of one setting, lowest priority first. */
static void
apply_configured(const char *name)
{
	bool		own_xact = !IsTransactionState();
	char	   *value;
	Relation	rel;
	Snapshot	snapshot;
	Oid			role;

	value = file_value(name);
	if (value != NULL)
		apply_value(name, value, PGC_SIGHUP, PGC_S_FILE);

	/* session_preload_libraries loads the library between transactions */
	if (own_xact)
		StartTransactionCommand();
	role = GetAuthenticatedUserId();
	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	snapshot = RegisterSnapshot(GetCatalogSnapshot(DbRoleSettingRelationId));
	apply_role_setting(rel, snapshot, InvalidOid, InvalidOid, PGC_S_GLOBAL, name);
	apply_role_setting(rel, snapshot, MyDatabaseId, InvalidOid, PGC_S_DATABASE, name);
	apply_role_setting(rel, snapshot, InvalidOid, role, PGC_S_USER, name);
	apply_role_setting(rel, snapshot, MyDatabaseId, role, PGC_S_DATABASE_USER, name);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	if (own_xact)
		CommitTransactionCommand();
}

/*
 * After the library defined its settings: where a placeholder's reset value
 * did not survive, put back what the server, database and role configure.
 * Only a client backend can have had options at connection; elsewhere
 * (the postmaster, parallel workers, which get the leader's values) there
 * is nothing to restore.
 */
void
setting_keep_configured(List *placeholders)
{
	MemoryContext cxt;
	MemoryContext old;
	ListCell   *lc;

	if (MyProcPort == NULL || !OidIsValid(MyDatabaseId))
		return;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "migrate settings",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	foreach(lc, placeholders)
	{
		SettingPlaceholder *p = lfirst(lc);
		struct config_generic *v = setting_find(p->name);

		/* gone (a stray name under the reserved prefix) or not ours */
		if (v == NULL || (v->flags & GUC_CUSTOM_PLACEHOLDER))
			continue;
		if (v->reset_source < p->reset_source)
			apply_configured(v->name);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

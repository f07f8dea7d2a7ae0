/*-------------------------------------------------------------------------
 *
 * drift.c
 *	  Recording and detecting drift.
 *
 * Two independent records: migrate.drift holds the out-of-band changes the
 * guard's event triggers saw, and migrate.fingerprint the schema's
 * fingerprint after every call that migrated or stamped.  The fingerprint
 * catches what event triggers cannot see (triggers disabled, a session in
 * restore mode, changes made before migrate was installed); the drift rows
 * say who did what.  Tables that an extension at version 1.0 does not have
 * are skipped, so a 1.0 install keeps working with this library.
 *
 * A fingerprint is an md5 over deparsed text (migrate.schema_description()),
 * and deparsing changes between PostgreSQL majors (16 stopped qualifying a
 * single-table view's columns): from 1.2 each fingerprint records the major
 * it was taken on, and one taken on another major that differs says "not
 * comparable" (schema_matches NULL and a NOTICE) instead of "changed".
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "drift.h"

void
drift_record(const char *role, const char *session_role, const char *command_tag,
			 const char *object_type, const char *object_identity,
			 Datum heads, bool heads_null, const char *guard, bool guard_set_by_session)
{
	CatalogAccess ca;
	Oid			argtypes[8] = {NAMEOID, NAMEOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTARRAYOID, TEXTOID, BOOLOID};
	Datum		values[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int			rc;

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(role));
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(session_role));
	values[2] = CStringGetTextDatum(command_tag);
	if (object_type)
		values[3] = CStringGetTextDatum(object_type);
	else
		nulls[3] = 'n';
	if (object_identity)
		values[4] = CStringGetTextDatum(object_identity);
	else
		nulls[4] = 'n';
	values[5] = heads;
	if (heads_null)
		nulls[5] = 'n';
	values[6] = CStringGetTextDatum(guard);
	values[7] = BoolGetDatum(guard_set_by_session);

	catalog_enter(&ca);
	rc = SPI_execute_with_args("INSERT INTO migrate.drift (at, role, session_role, "
							   "application_name, client_addr, command_tag, object_type, "
							   "object_identity, statement, heads, guard, guard_set_by_session) "
							   "VALUES (pg_catalog.clock_timestamp(), $1, $2, "
							   "pg_catalog.current_setting('application_name'::pg_catalog.text), "
							   "pg_catalog.inet_client_addr(), $3, $4, $5, "
							   "pg_catalog.current_query(), $6, $7, $8)",
							   8, argtypes, values, nulls, false, 0);
	catalog_check_spi(rc, SPI_OK_INSERT, "writing migrate.drift");
	catalog_leave(&ca);
}

/* the major the fingerprint was taken on: a column from 1.2 on */
static bool
fingerprint_has_major(void)
{
	Oid			nsp = get_namespace_oid("migrate", true);
	Oid			rel = OidIsValid(nsp) ? get_relname_relid("fingerprint", nsp) : InvalidOid;

	return OidIsValid(rel) && get_attnum(rel, "server_major") != InvalidAttrNumber;
}

/*
 * Called once per call that changed the applied set, after its last step:
 * the steps of one call run in one transaction, so no one can see the
 * schema between them, and a fingerprint per step would cost a catalog
 * scan per revision of a long deploy.
 */
void
drift_record_fingerprint(void)
{
	CatalogAccess ca;
	bool		major;
	int			rc;

	if (!catalog_has_table("fingerprint"))
		return;
	catalog_enter(&ca);
	/* the library is built for the server's major: PG_VERSION_NUM is its own */
	major = fingerprint_has_major();
	rc = SPI_execute(psprintf("INSERT INTO migrate.fingerprint (log_id, at, fingerprint%s) "
							  "SELECT pg_catalog.max(id), pg_catalog.now(), migrate.schema_fingerprint()%s "
							  "FROM migrate.log "
							  "ON CONFLICT (log_id) DO UPDATE SET at = excluded.at, "
							  "fingerprint = excluded.fingerprint%s",
							  major ? ", server_major" : "",
							  major ? psprintf(", %d", PG_VERSION_NUM / 10000) : "",
							  major ? ", server_major = excluded.server_major" : ""),
					 false, 0);
	catalog_check_spi(rc, SPI_OK_INSERT, "writing migrate.fingerprint");
	catalog_leave(&ca);
}

void
drift_status(DriftStatus *st)
{
	CatalogAccess ca;
	TupleDesc	desc;
	HeapTuple	tup;
	bool		isnull;
	Datum		d;
	int			rc;

	catalog_enter(&ca);
	/* a 1.1 catalog has no server_major: its fingerprints count as this major's */
	rc = SPI_execute(psprintf("WITH last AS (SELECT pg_catalog.max(at) AS at FROM migrate.log), "
							  "fp AS (SELECT fingerprint, %s AS server_major FROM migrate.fingerprint "
							  "       ORDER BY log_id DESC LIMIT 1) "
							  "SELECT last.at, "
							  "(SELECT pg_catalog.count(*) FROM migrate.drift d "
							  " WHERE d.at OPERATOR(pg_catalog.>) "
							  "       COALESCE(last.at, '-infinity'::pg_catalog.timestamptz)), "
							  "(SELECT fp.fingerprint OPERATOR(pg_catalog.=) migrate.schema_fingerprint() "
							  " FROM fp), "
							  "(SELECT fp.server_major FROM fp) "
							  "FROM last",
							  fingerprint_has_major() ? "server_major" : "NULL::pg_catalog.int4"),
					 true, 0);
	catalog_check_spi(rc, SPI_OK_SELECT, "reading the drift status");
	desc = SPI_tuptable->tupdesc;
	tup = SPI_tuptable->vals[0];

	d = SPI_getbinval(tup, desc, 1, &isnull);
	st->has_migration = !isnull;
	st->last_migration_at = isnull ? 0 : DatumGetTimestampTz(d);
	st->drift = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
	d = SPI_getbinval(tup, desc, 3, &isnull);
	st->has_fingerprint = !isnull;
	st->schema_matches = isnull ? false : DatumGetBool(d);
	d = SPI_getbinval(tup, desc, 4, &isnull);
	/* another major's different fingerprint: not comparable, not changed */
	if (st->has_fingerprint && !st->schema_matches && !isnull &&
		DatumGetInt32(d) != PG_VERSION_NUM / 10000)
	{
		ereport(NOTICE,
				(errmsg("the schema's last fingerprint was taken on PostgreSQL %d: not comparable",
						DatumGetInt32(d)),
				 errdetail("The schema description's deparsed text differs between PostgreSQL majors, so a different fingerprint does not say that the schema changed."),
				 errhint("The next migration or stamp that changes the applied revisions records a fingerprint on this major.")));
		st->has_fingerprint = false;
	}
	SPI_freetuptable(SPI_tuptable);
	catalog_leave(&ca);
}

/*-------------------------------------------------------------------------
 *
 * amend.c
 *	  migrate_amend(): replacing the bodies of a revision in any state.
 *
 * Re-registering an applied revision with other content is refused, which
 * leaves no way to fix a wrong downgrade.  An amendment replaces the stored
 * upgrade and downgrade (and, when given, the message) whatever the state,
 * makes the amender the registrant (trust.c), and leaves a row in
 * migrate.amendment with the checksums of the old and the new bodies, the
 * role and the time.  The state lock the caller takes bumps the graph's
 * generation, so every backend's cached graph is dropped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "catalog.h"
#include "register.h"
#include "trust.h"

/*
 * Returns whether anything changed.  message NULL keeps the stored one.
 * The caller holds the state lock.
 */
bool
amend_revision(const char *revision, const char *upgrade, const char *downgrade,
			   const char *message)
{
	CatalogAccess ca;
	Oid			caller = GetUserId();
	Name		caller_name = catalog_caller_name();
	Oid			argtypes[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, NAMEOID,
	BOOLOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[9];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	char	   *old_upgrade,
			   *old_downgrade,
			   *old_message;
	bool		applied;
	bool		trusted;
	int			rc;

	values[0] = CStringGetTextDatum(revision);

	catalog_enter(&ca);
	rc = SPI_execute_with_args("SELECT r.upgrade, r.downgrade, r.message, "
							   "EXISTS (SELECT FROM migrate.applied a "
							   "        WHERE a.revision OPERATOR(pg_catalog.=) r.revision), "
							   "r.registered_by "
							   "FROM migrate.revision r "
							   "WHERE r.revision OPERATOR(pg_catalog.=) $1",
							   1, argtypes, values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_SELECT, "reading migrate.revision");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", revision),
				 errhint("Register it with migrate_revision(); migrate_amend() changes registered revisions only.")));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	old_upgrade = TextDatumGetCString(SPI_getbinval(tup, desc, 1, &isnull));
	old_downgrade = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
	old_message = TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull));
	applied = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
	trusted = trust_registrant(NameStr(*DatumGetName(SPI_getbinval(tup, desc, 5, &isnull))),
							   caller);
	SPI_freetuptable(SPI_tuptable);
	if (message == NULL)
		message = old_message;

	values[1] = CStringGetTextDatum(upgrade);
	values[2] = CStringGetTextDatum(downgrade);
	values[3] = CStringGetTextDatum(message);
	values[4] = NameGetDatum(caller_name);
	values[5] = BoolGetDatum(applied);
	values[6] = CStringGetTextDatum(old_upgrade);
	values[7] = CStringGetTextDatum(old_downgrade);
	values[8] = CStringGetTextDatum(old_message);

	if (strcmp(upgrade, old_upgrade) == 0 && strcmp(downgrade, old_downgrade) == 0 &&
		strcmp(message, old_message) == 0)
	{
		/* nothing to amend; as for registration, the caller may vouch */
		if (!trusted)
			catalog_vouch(values[0], values[4]);
		catalog_leave(&ca);
		return false;
	}

	if (applied && strcmp(upgrade, old_upgrade) != 0)
		ereport(WARNING,
				(errmsg("revision \"%s\" is applied: its new upgrade has not run here", revision),
				 errdetail("The schema is what the old upgrade made; the new upgrade runs only where the revision is applied from now on."),
				 errhint("If this database needs the change, write a new revision for it.")));

	rc = SPI_execute_with_args("UPDATE migrate.revision SET upgrade = $2, downgrade = $3, "
							   "message = $4, registered_by = $5, "
							   "registered_at = pg_catalog.now() "
							   "WHERE revision OPERATOR(pg_catalog.=) $1",
							   5, argtypes, values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_UPDATE, "updating migrate.revision");
	rc = SPI_execute_with_args("INSERT INTO migrate.amendment (revision, at, role, applied, "
							   "old_upgrade_md5, new_upgrade_md5, "
							   "old_downgrade_md5, new_downgrade_md5, old_message, new_message) "
							   "VALUES ($1, pg_catalog.now(), $5, $6, pg_catalog.md5($7), "
							   "pg_catalog.md5($2), pg_catalog.md5($8), pg_catalog.md5($3), $9, $4)",
							   9, argtypes, values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_INSERT, "writing migrate.amendment");
	catalog_leave(&ca);
	catalog_wrote();
	return true;
}

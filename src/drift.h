/*-------------------------------------------------------------------------
 *
 * drift.h
 *	  Recording and detecting drift: out-of-band changes, schema
 *	  fingerprints, and the status they add up to.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_DRIFT_H
#define MIGRATE_DRIFT_H

#include "datatype/timestamp.h"

/* what migrate_status() reads from the catalog */
typedef struct DriftStatus
{
	bool		has_migration;	/* has anything been migrated (or stamped)? */
	TimestampTz last_migration_at;
	int64		drift;			/* out-of-band changes recorded since then */
	bool		has_fingerprint;
	bool		schema_matches; /* valid when has_fingerprint */
} DriftStatus;

extern void drift_record(const char *role, const char *session_role,
						 const char *command_tag, const char *object_type,
						 const char *object_identity, Datum heads, bool heads_null,
						 const char *guard, bool guard_set_by_session);
extern void drift_record_fingerprint(void);
extern void drift_status(DriftStatus *st);

#endif							/* MIGRATE_DRIFT_H */

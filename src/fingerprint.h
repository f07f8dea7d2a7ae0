/*-------------------------------------------------------------------------
 *
 * fingerprint.h
 *	  The schema's fingerprint, hashed as migrate.schema_description()
 *	  produces its lines.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_FINGERPRINT_H
#define MIGRATE_FINGERPRINT_H

extern text *fingerprint_schema(void);

#endif							/* MIGRATE_FINGERPRINT_H */

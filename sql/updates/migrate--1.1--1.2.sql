/*
 * migrate 1.1 -> 1.2: catalog changes and a new event trigger.  The build appends every
 * function source (sql/parts/api.sql, describe.sql, guard.sql, diff.sql) to this file,
 * so functions are re-created from the same text as a fresh install; a
 * function whose signature or result changes is dropped here first.
 */

/*
 * migrate_amend(): one row per amendment of a revision's bodies, with the
 * md5 of the old and the new upgrade and downgrade, and the messages.
 */
CREATE SEQUENCE migrate.amendment_seq;

CREATE TABLE migrate.amendment (
    id                bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migrate.amendment_seq'),
    revision          text NOT NULL,
    at                timestamptz NOT NULL,
    role              name NOT NULL,      -- the amender, now the registrant
    applied           boolean NOT NULL,   -- was the revision applied then
    old_upgrade_md5   text NOT NULL,
    new_upgrade_md5   text NOT NULL,
    old_downgrade_md5 text NOT NULL,
    new_downgrade_md5 text NOT NULL,
    old_message       text NOT NULL,
    new_message       text NOT NULL
);

GRANT SELECT ON migrate.amendment TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.amendment', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.amendment_seq', '');

/*
 * Before 1.2, registered_by recorded the extension owner whoever registered
 * (the insert ran as the table owner), so every stored body looked as if a
 * superuser had registered it.  The real registrant is unknown: nobody
 * trusts those bodies until a trusted role registers them again (identical
 * content takes a revision over; `make migrate-upgrade` and the psql deploy
 * register every file).  The name is src/trust.h's TRUST_UNKNOWN_REGISTRANT;
 * "pg_" names are reserved, so no role can take it.
 */
UPDATE migrate.revision SET registered_by = 'pg_migrate_unknown_registrant';

-- The PostgreSQL major each fingerprint was taken on: a fingerprint of
-- another major that differs is not comparable (src/drift.c).  Those taken
-- before are NULL, and compared as before.
ALTER TABLE migrate.fingerprint ADD COLUMN server_major integer;

-- The generation trigger in C: one update of migrate.state per transaction
-- instead of one per statement (N registrations in one transaction cost N^2).
CREATE OR REPLACE FUNCTION migrate.bump_generation() RETURNS trigger
AS 'MODULE_PATHNAME', 'migrate_bump_generation'
LANGUAGE C;

-- The guard refuses the commands that commit as they go (CONCURRENTLY)
-- before they start (src/guard.c).  The trigger needs its function now;
-- guard.sql, appended below, re-creates it from the same text.
CREATE OR REPLACE FUNCTION migrate.guard_ddl_command_start()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_ddl_command_start'
LANGUAGE C;
CREATE EVENT TRIGGER migrate_guard_ddl_command_start ON ddl_command_start
    EXECUTE FUNCTION migrate.guard_ddl_command_start();
ALTER EVENT TRIGGER migrate_guard_ddl_command_start ENABLE ALWAYS;

/*
 * migrate 1.1 -> 1.2: catalog changes and a new event trigger.  The build appends every
 * function source (sql/parts/api.sql, describe.sql, guard.sql, diff.sql) to this file,
 * so functions are re-created from the same text as a fresh install; a
 * function whose signature or result changes is dropped here first.
 */

/*
 * The id check without a counted repetition (the same rule, a fifth of the
 * cost per registered revision): see sql/parts/catalog.sql.
 */
ALTER TABLE migrate.revision
    DROP CONSTRAINT revision_revision_check,
    ADD CONSTRAINT revision_revision_check
        CHECK (revision OPERATOR(pg_catalog.~) '^[A-Za-z0-9_]+$'
               AND pg_catalog.length(revision) OPERATOR(pg_catalog.<=) 64);

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

-- Non-transactional revisions (src/nontx.c)
ALTER TABLE migrate.revision ADD COLUMN transactional boolean NOT NULL DEFAULT true;

CREATE TABLE migrate.in_progress (
    revision      text PRIMARY KEY,
    direction     text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),
    next          integer NOT NULL,
    statements    integer NOT NULL,
    role          name NOT NULL,
    started_at    timestamptz NOT NULL,
    pid           integer NOT NULL,
    backend_start timestamptz NOT NULL
);
CREATE UNIQUE INDEX in_progress_one ON migrate.in_progress ((true));

GRANT SELECT ON migrate.in_progress TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.in_progress', '');

-- migrate_status() has a new column, in_progress
DROP FUNCTION @extschema@.migrate_status();

/*
 * Two functions have a new optional argument: migrate_revision()
 * transactional (non-transactional revisions, src/nontx.c), migrate_upgrade()
 * steps (long deploys in batches, src/batch.c).  The old signature goes, and
 * the roles granted EXECUTE on it keep the right on the new one (api.sql then
 * re-creates each from the same text as a fresh install).
 */
DO $update$
DECLARE
    f record;
    grantees text[];
    grantee text;
BEGIN
    FOR f IN SELECT * FROM (VALUES
        ('@extschema@.migrate_revision(text, text[], text, text, text, text[], text[])',
         '@extschema@.migrate_revision(text, text[], text, text, text, text[], text[], boolean)',
         $create$
    CREATE FUNCTION @extschema@.migrate_revision(
        revision      text,
        down_revision text[] DEFAULT '{}',
        upgrade       text   DEFAULT '',
        downgrade     text   DEFAULT '',
        message       text   DEFAULT '',
        branch_labels text[] DEFAULT '{}',
        depends_on    text[] DEFAULT '{}',
        transactional boolean DEFAULT true)
    RETURNS text
    AS 'MODULE_PATHNAME', 'migrate_revision'
    LANGUAGE C VOLATILE
         $create$),
        ('@extschema@.migrate_upgrade(text, boolean)',
         '@extschema@.migrate_upgrade(text, boolean, integer)',
         $create$
    CREATE FUNCTION @extschema@.migrate_upgrade(target text, dry_run boolean DEFAULT false,
                                                steps integer DEFAULT NULL)
    RETURNS TABLE (revision text, message text)
    AS 'MODULE_PATHNAME', 'migrate_upgrade'
    LANGUAGE C VOLATILE
         $create$)) AS v(old_signature, new_signature, create_statement)
    LOOP
        SELECT pg_catalog.array_agg(a.grantee::pg_catalog.regrole::text) INTO grantees
            FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
            WHERE p.oid OPERATOR(pg_catalog.=) f.old_signature::pg_catalog.regprocedure
              AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
              AND a.grantee OPERATOR(pg_catalog.<>) 0
              AND a.grantee OPERATOR(pg_catalog.<>) p.proowner;
        EXECUTE 'DROP FUNCTION ' || f.old_signature;
        EXECUTE f.create_statement;
        EXECUTE 'REVOKE ALL ON FUNCTION ' || f.new_signature || ' FROM PUBLIC';
        -- regrole's output is already a quoted identifier
        FOREACH grantee IN ARRAY COALESCE(grantees, '{}') LOOP
            EXECUTE 'GRANT EXECUTE ON FUNCTION ' || f.new_signature || ' TO ' || grantee;
        END LOOP;
    END LOOP;
END
$update$;

-- migrate_describe() has a new optional argument, privileges: the old
-- signature goes (describe.sql re-creates it; it keeps the default EXECUTE
-- for PUBLIC, as before)
DROP FUNCTION @extschema@.migrate_describe(text[]);

/*
 * migrate: the guard's event-trigger functions, the drift log and the schema's status (src/guard.c, src/drift.c).
 * Built into the install script and re-run by the update script of the
 * current version, so everything here is CREATE OR REPLACE.
 */

-- md5 of the lines of migrate.schema_description() joined by newlines (as
-- md5(coalesce(string_agg(line, E'\n'), '')) was in 1.1), hashed line by line in C so
-- that the description never has to fit in memory as one string
CREATE OR REPLACE FUNCTION migrate.schema_fingerprint()
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_schema_fingerprint'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;

-- The guard's event-trigger functions: see src/guard.c; the triggers
-- themselves are in guard_triggers.sql.

CREATE OR REPLACE FUNCTION migrate.guard_ddl_command_start()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_ddl_command_start'
LANGUAGE C;

CREATE OR REPLACE FUNCTION migrate.guard_ddl_command_end()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_ddl_command_end'
LANGUAGE C;

CREATE OR REPLACE FUNCTION migrate.guard_sql_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_sql_drop'
LANGUAGE C;

CREATE OR REPLACE FUNCTION migrate.guard_table_rewrite()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_table_rewrite'
LANGUAGE C;

-- Looking at the guard's record and the schema's state

CREATE OR REPLACE FUNCTION @extschema@.migrate_status(
    OUT current_heads text[],       -- as migrate_current()
    OUT heads text[],               -- as migrate_heads()
    OUT pending text[],             -- what migrate_upgrade('heads') would apply, in order
    OUT last_migration_at timestamptz,
    OUT drift bigint,               -- out-of-band changes recorded since the last migration
    OUT schema_matches boolean,     -- the schema still has the last migration's fingerprint
    OUT guard text)                 -- migrate.guard in this session
RETURNS record
AS 'MODULE_PATHNAME', 'migrate_status'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION @extschema@.migrate_drift()
RETURNS TABLE (id bigint, at timestamptz, role name, session_role name,
               application_name text, client_addr inet, command_tag text,
               object_type text, object_identity text, statement text,
               heads text[], guard text, guard_set_by_session boolean)
AS $$ SELECT id, at, role, session_role, application_name, client_addr, command_tag,
             object_type, object_identity, statement, heads, guard, guard_set_by_session
      FROM migrate.drift ORDER BY id $$
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.migrate_drift() FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.migrate_drift_clear(before timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF before IS NULL THEN
        RAISE EXCEPTION 'before must not be null'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass now() to clear every entry recorded so far.';
    END IF;
    DELETE FROM migrate.drift d WHERE d.at < before;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION @extschema@.migrate_drift_clear(timestamptz) FROM PUBLIC;

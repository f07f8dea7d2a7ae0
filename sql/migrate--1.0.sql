/* migrate 1.0: revision graph, applied state and history log, and the SQL interface */

\echo Use "CREATE EXTENSION migrate" to load this file. \quit

/*
 * The catalog lives in its own schema so that it never mixes with the user's
 * objects.  Nobody but the extension owner writes it: the functions below
 * switch to the owner for their catalog reads and writes, so a role that may
 * only call migrate_upgrade() cannot forge the applied state.
 */
CREATE SCHEMA migrate;
GRANT USAGE ON SCHEMA migrate TO PUBLIC;

CREATE SEQUENCE migrate.revision_seq;

CREATE TABLE migrate.revision (
    revision      text PRIMARY KEY
                  CHECK (revision OPERATOR(pg_catalog.~) '^[A-Za-z0-9_]{1,64}$'),
    down_revision text[] NOT NULL DEFAULT '{}',
    depends_on    text[] NOT NULL DEFAULT '{}',
    branch_labels text[] NOT NULL DEFAULT '{}',
    message       text NOT NULL DEFAULT '',
    upgrade       text NOT NULL DEFAULT '',
    downgrade     text NOT NULL DEFAULT '',
    -- registration order: Alembic orders parallel branches by the order in
    -- which revisions were loaded, and so do we
    seq           bigint NOT NULL UNIQUE
                  DEFAULT pg_catalog.nextval('migrate.revision_seq'),
    registered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by name NOT NULL DEFAULT CURRENT_USER
);

CREATE TABLE migrate.applied (
    revision   text PRIMARY KEY,
    applied_at timestamptz NOT NULL
);

CREATE SEQUENCE migrate.log_seq;

CREATE TABLE migrate.log (
    id        bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migrate.log_seq'),
    revision  text NOT NULL,
    direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),
    stamped   boolean NOT NULL,          -- recorded by migrate_stamp, nothing ran
    role      name NOT NULL,
    at        timestamptz NOT NULL,
    duration  interval NOT NULL
);

/*
 * One row whose update serializes every call that changes the graph or the
 * state.  Under REPEATABLE READ the update also fails with a serialization
 * error when another deploy committed after the caller's snapshot, which is
 * exactly the case where the caller would otherwise apply revisions twice.
 * It is not dumped: CREATE EXTENSION recreates it.
 */
CREATE TABLE migrate.state (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    generation bigint NOT NULL DEFAULT 0
);
INSERT INTO migrate.state DEFAULT VALUES;

/*
 * Any write to the graph or the applied set, migrate's own or by hand, bumps
 * the generation: backends keep the graph of their last call and reuse it
 * while the generation they see is unchanged.
 */
CREATE FUNCTION migrate.bump_generation() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE migrate.state SET generation = generation + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON migrate.revision FOR EACH STATEMENT EXECUTE FUNCTION migrate.bump_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON migrate.applied FOR EACH STATEMENT EXECUTE FUNCTION migrate.bump_generation();

GRANT SELECT ON migrate.revision, migrate.applied, migrate.log TO PUBLIC;

-- without these, pg_dump/pg_restore bring the graph back empty
SELECT pg_catalog.pg_extension_config_dump('migrate.revision', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.revision_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.applied', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log_seq', '');

-- Registering revisions.  Not STRICT: NULL arguments get a clear error.

CREATE FUNCTION @extschema@.migrate_revision(
    revision      text,
    down_revision text[] DEFAULT '{}',
    upgrade       text   DEFAULT '',
    downgrade     text   DEFAULT '',
    message       text   DEFAULT '',
    branch_labels text[] DEFAULT '{}',
    depends_on    text[] DEFAULT '{}')
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_revision'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_revision(text, text[], text, text, text, text[], text[]) FROM PUBLIC;

CREATE FUNCTION @extschema@.migrate_forget(revision text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_forget'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_forget(text) FROM PUBLIC;

-- Moving

CREATE FUNCTION @extschema@.migrate_upgrade(target text, dry_run boolean DEFAULT false)
RETURNS TABLE (revision text, message text)
AS 'MODULE_PATHNAME', 'migrate_upgrade'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_upgrade(text, boolean) FROM PUBLIC;

CREATE FUNCTION @extschema@.migrate_downgrade(target text, dry_run boolean DEFAULT false)
RETURNS TABLE (revision text, message text)
AS 'MODULE_PATHNAME', 'migrate_downgrade'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_downgrade(text, boolean) FROM PUBLIC;

CREATE FUNCTION @extschema@.migrate_stamp(VARIADIC target text[])
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_stamp'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_stamp(text[]) FROM PUBLIC;

-- Looking: open to everyone

CREATE FUNCTION @extschema@.migrate_current()
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_current'
LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.migrate_heads()
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_heads'
LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.migrate_resolve(target text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_resolve'
LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.migrate_history()
RETURNS TABLE (revision text, down_revision text[], message text,
               branch_labels text[], depends_on text[],
               is_head boolean, is_applied boolean, applied_at timestamptz)
AS 'MODULE_PATHNAME', 'migrate_history'
LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.migrate_log()
RETURNS TABLE (id bigint, revision text, direction text, stamped boolean,
               role name, at timestamptz, duration interval)
AS $$ SELECT id, revision, direction, stamped, role, at, duration
      FROM migrate.log ORDER BY id $$
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp;

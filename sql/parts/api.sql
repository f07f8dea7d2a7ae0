/*
 * migrate: the SQL interface of the revision graph (C entry points, src/migrate.c).
 * Built into the install script and re-run by the update script of the
 * current version, so everything here is CREATE OR REPLACE.
 */

-- Registering revisions.  Not STRICT: NULL arguments get a clear error.

CREATE OR REPLACE FUNCTION @extschema@.migrate_revision(
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
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_revision(text, text[], text, text, text, text[], text[], boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.migrate_forget(revision text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_forget'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_forget(text) FROM PUBLIC;

-- replaces the bodies of a revision in any state; logged in migrate.amendment
CREATE OR REPLACE FUNCTION @extschema@.migrate_amend(
    revision  text,
    upgrade   text,
    downgrade text,
    message   text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_amend'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_amend(text, text, text, text) FROM PUBLIC;

-- Moving

-- steps: apply only the first N steps of the plan (a batch of a long deploy, src/batch.c)
CREATE OR REPLACE FUNCTION @extschema@.migrate_upgrade(target text, dry_run boolean DEFAULT false,
                                                       steps integer DEFAULT NULL)
RETURNS TABLE (revision text, message text)
AS 'MODULE_PATHNAME', 'migrate_upgrade'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_upgrade(text, boolean, integer) FROM PUBLIC;

/*
 * A long deploy from psql: migrate_upgrade(target, false, batch_size) and
 * COMMIT until nothing is left.  No SET clause and no SECURITY DEFINER: either
 * would forbid the COMMIT; the C code qualifies every name instead.
 */
CREATE OR REPLACE PROCEDURE @extschema@.migrate_upgrade_batched(target text DEFAULT 'head',
                                                                batch_size integer DEFAULT 500)
AS 'MODULE_PATHNAME', 'migrate_upgrade_batched'
LANGUAGE C;
REVOKE ALL ON PROCEDURE @extschema@.migrate_upgrade_batched(text, integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.migrate_downgrade(target text, dry_run boolean DEFAULT false)
RETURNS TABLE (revision text, message text)
AS 'MODULE_PATHNAME', 'migrate_downgrade'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_downgrade(text, boolean) FROM PUBLIC;

/*
 * Non-transactional revisions (src/nontx.c): the whole deploy as top-level
 * commands for psql's \gexec, and the calls those commands make around each
 * statement.  Granted like migrate_upgrade() and migrate_downgrade().
 */
-- commit_every: split each run of transactional steps into batches of at most N
CREATE OR REPLACE FUNCTION @extschema@.migrate_upgrade_commands(target text,
                                                                commit_every integer DEFAULT NULL)
RETURNS TABLE (command text)
AS 'MODULE_PATHNAME', 'migrate_upgrade_commands'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_upgrade_commands(text, integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.migrate_downgrade_commands(target text)
RETURNS TABLE (command text)
AS 'MODULE_PATHNAME', 'migrate_downgrade_commands'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_downgrade_commands(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.migrate_nontransactional_step(
    revision text, direction text, statement integer)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_nontransactional_step'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_nontransactional_step(text, text, integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.migrate_nontransactional_done(
    revision text, direction text)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_nontransactional_done'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_nontransactional_done(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.migrate_in_progress()
RETURNS TABLE (revision text, direction text, next integer, statements integer,
               role name, started_at timestamptz, pid integer, session_alive boolean)
AS 'MODULE_PATHNAME', 'migrate_in_progress'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION @extschema@.migrate_stamp(VARIADIC target text[])
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_stamp'
LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.migrate_stamp(text[]) FROM PUBLIC;

-- Looking: open to everyone

CREATE OR REPLACE FUNCTION @extschema@.migrate_current()
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_current'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION @extschema@.migrate_heads()
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_heads'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION @extschema@.migrate_resolve(target text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_resolve'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION @extschema@.migrate_history()
RETURNS TABLE (revision text, down_revision text[], message text,
               branch_labels text[], depends_on text[],
               is_head boolean, is_applied boolean, applied_at timestamptz)
AS 'MODULE_PATHNAME', 'migrate_history'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION @extschema@.migrate_log()
RETURNS TABLE (id bigint, revision text, direction text, stamped boolean,
               role name, at timestamptz, duration interval)
AS $$ SELECT id, revision, direction, stamped, role, at, duration
      FROM migrate.log ORDER BY id $$
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp;

/*
 * migrate: the catalog (tables, sequences, types and the triggers on them).
 * Part of the install script of the current version; changes to it go, as
 * ALTER statements, into the update script of the next version too.
 */

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
    -- the length apart: the regex engine rebuilds its DFA at each match, and
    -- a counted repetition {1,64} made this check 5 us of every insert
    revision      text PRIMARY KEY
                  CHECK (revision OPERATOR(pg_catalog.~) '^[A-Za-z0-9_]+$'
                         AND pg_catalog.length(revision) OPERATOR(pg_catalog.<=) 64),
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
    -- the role that registered (or last amended or took over) the bodies:
    -- deploys run them only for roles it could act as (src/trust.c)
    registered_by name NOT NULL DEFAULT CURRENT_USER,
    -- false: the bodies are lists of statements each run as its own
    -- top-level command by the client (src/nontx.c)
    transactional boolean NOT NULL DEFAULT true
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
 * while the generation they see is unchanged.  The row is updated once per
 * transaction (src/catalog.c), and the writing backend drops its own graph.
 */
CREATE FUNCTION migrate.bump_generation() RETURNS trigger
AS 'MODULE_PATHNAME', 'migrate_bump_generation'
LANGUAGE C;
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON migrate.revision FOR EACH STATEMENT EXECUTE FUNCTION migrate.bump_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON migrate.applied FOR EACH STATEMENT EXECUTE FUNCTION migrate.bump_generation();

/*
 * Fire the generation triggers under session_replication_role = replica too
 * (logical replication's apply worker, some restore tools): otherwise such
 * writes would leave other backends' cached graphs stale.
 */
ALTER TABLE migrate.revision ENABLE ALWAYS TRIGGER bump_generation;
ALTER TABLE migrate.applied ENABLE ALWAYS TRIGGER bump_generation;

GRANT SELECT ON migrate.revision, migrate.applied, migrate.log TO PUBLIC;

-- without these, pg_dump/pg_restore bring the graph back empty
SELECT pg_catalog.pg_extension_config_dump('migrate.revision', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.revision_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.applied', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log_seq', '');

/*
 * Out-of-band schema changes: one row per object a DDL command outside
 * migrate_upgrade()/migrate_downgrade() created, altered or dropped.  The
 * statement text can hold secrets (USER MAPPING options, say), so only the
 * owner reads it; grant SELECT to auditors.
 */
CREATE SEQUENCE migrate.drift_seq;

CREATE TABLE migrate.drift (
    id               bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migrate.drift_seq'),
    at               timestamptz NOT NULL,
    role             name NOT NULL,          -- current_user at the change
    session_role     name NOT NULL,          -- the login, when SET ROLE was used
    application_name text NOT NULL,
    client_addr      inet,                   -- NULL over a Unix socket
    command_tag      text NOT NULL,
    object_type      text,
    object_identity  text,
    statement        text,
    heads            text[],                 -- current heads then; NULL if unreadable
    guard            text NOT NULL,          -- migrate.guard in effect
    guard_set_by_session boolean NOT NULL    -- by SET or connection options: a bypass trail
);
CREATE INDEX ON migrate.drift (at);

/*
 * The schema's fingerprint after every migrate_upgrade(), migrate_downgrade()
 * and migrate_stamp() call that changed something: migrate_status() compares
 * the schema against the latest one.
 */
CREATE TABLE migrate.fingerprint (
    log_id      bigint PRIMARY KEY,          -- the call's last migrate.log row
    at          timestamptz NOT NULL,
    fingerprint text NOT NULL,
    -- the PostgreSQL major it was taken on (deparsed text differs between
    -- majors); NULL for those taken before 1.2
    server_major integer
);

GRANT SELECT ON migrate.fingerprint TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('migrate.drift', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.drift_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.fingerprint', '');

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
 * A non-transactional revision being applied or unapplied (src/nontx.c):
 * its statements run one by one as top-level commands, so a failure or a
 * lost connection can leave it half done.  "next" is the statement to run
 * next (1-based; statements + 1 when all ran); pid and backend_start name
 * the session running it, which alone may run its statements in band.
 * At most one row.  Dumped: the schema it describes is dumped with it.
 */
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

-- one step of migrate_diff(), before it is numbered
CREATE TYPE migrate.diff_step AS (operation text, object text, upgrade text, downgrade text, warning text);

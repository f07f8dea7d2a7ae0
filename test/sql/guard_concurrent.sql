-- Commands that commit part of their work before they end (the CONCURRENTLY
-- forms) are refused before they start under migrate.guard = error, so a
-- refusal leaves nothing half done; under log they run and are recorded;
-- an index they leave invalid changes the schema's fingerprint.
-- (REINDEX ... CONCURRENTLY reaches event triggers from PostgreSQL 17 only.)
SET client_min_messages = warning;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;

-- helpers in pg_temp: neither recorded nor part of the fingerprint
CREATE FUNCTION pg_temp.indexes() RETURNS TABLE (index text, valid boolean, ready boolean)
LANGUAGE sql AS $$
    SELECT i.indexrelid::regclass::text, i.indisvalid, i.indisready
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
    WHERE c.relname LIKE 'gc%' AND c.relnamespace = 'public'::regnamespace
    ORDER BY 1
$$;
CREATE FUNCTION pg_temp.partitions() RETURNS TABLE (partition text, detach_pending boolean)
LANGUAGE sql AS $$
    SELECT inhrelid::regclass::text, inhdetachpending FROM pg_inherits
    WHERE inhparent::regclass::text = 'gc_parent' ORDER BY 1
$$;

-- the schema, made by a migration
SELECT migrate_revision('gc1', '{}', $up$
    CREATE TABLE gc_acct (id int, email text);
    CREATE UNIQUE INDEX gc_acct_email_key ON gc_acct (email);
    CREATE TABLE gc_parent (id int) PARTITION BY RANGE (id);
    CREATE TABLE gc_p1 PARTITION OF gc_parent FOR VALUES FROM (0) TO (10);
    CREATE TABLE "gc ""odd""; name" (id int);
$up$, $down$
    DROP TABLE IF EXISTS gc_p1;
    DROP TABLE gc_parent, gc_acct, "gc ""odd""; name";
$down$, 'gc1');
SELECT revision FROM migrate_upgrade('head');
INSERT INTO gc_acct VALUES (1, 'a@example.com');

-- error: each form is refused before it starts
SET migrate.guard = error;
DROP INDEX CONCURRENTLY gc_acct_email_key;
CREATE INDEX CONCURRENTLY gc_acct_id ON gc_acct (id);
CREATE UNIQUE INDEX CONCURRENTLY ON gc_acct (id);
ALTER TABLE gc_parent DETACH PARTITION gc_p1 CONCURRENTLY;
CREATE INDEX CONCURRENTLY ON "gc ""odd""; name" (id);
-- an index that does not exist is no reason to let the command through
DROP INDEX CONCURRENTLY IF EXISTS gc_missing;
-- inside a transaction block too (PostgreSQL would refuse it after)
BEGIN;
CREATE INDEX CONCURRENTLY ON gc_acct (id);
ROLLBACK;
-- nothing is left half done: no new or invalid index, the unique index
-- still enforces, the partition is not pending detach
SELECT * FROM pg_temp.indexes();
INSERT INTO gc_acct VALUES (2, 'a@example.com');
SELECT * FROM pg_temp.partitions();
-- nothing recorded, the schema is the migration's
SELECT count(*) AS recorded FROM migrate_drift();
SELECT drift, schema_matches FROM migrate_status();

-- temporary tables are never out of band, CONCURRENTLY or not
CREATE TEMP TABLE gc_tmp (id int);
CREATE INDEX CONCURRENTLY gc_tmp_id ON gc_tmp (id);
DROP INDEX CONCURRENTLY gc_tmp_id;
DROP TABLE gc_tmp;
SELECT count(*) AS recorded FROM migrate_drift();

-- a migration cannot run them at all: PostgreSQL refuses them in a function,
-- before the guard would have a say
SELECT migrate_revision('gc2', '{gc1}', 'CREATE INDEX CONCURRENTLY ON gc_acct (id)',
                        'SELECT 1', 'gc2');
\set VERBOSITY terse
SELECT revision FROM migrate_upgrade('head');
\set VERBOSITY default
SELECT migrate_forget('gc2');

-- log: they run and are recorded
SET migrate.guard = log;
CREATE INDEX CONCURRENTLY gc_acct_id ON gc_acct (id);
DROP INDEX CONCURRENTLY gc_acct_id;
ALTER TABLE gc_parent DETACH PARTITION gc_p1 CONCURRENTLY;
SELECT command_tag, object_type, object_identity, guard FROM migrate_drift();
SELECT * FROM pg_temp.partitions();
SELECT drift, schema_matches FROM migrate_status();

-- an index left invalid changes the fingerprint: a unique index built
-- concurrently over duplicates fails and stays, invalid
SELECT revision FROM migrate_downgrade('base');
SELECT revision FROM migrate_upgrade('head');
SELECT schema_matches FROM migrate_status();
INSERT INTO gc_acct VALUES (1, 'a@example.com'), (1, 'b@example.com');
CREATE UNIQUE INDEX CONCURRENTLY gc_acct_id_key ON gc_acct (id);
SELECT * FROM pg_temp.indexes();
SELECT line FROM migrate.schema_description() line WHERE line LIKE 'index %gc_acct_id_key%';
SELECT schema_matches FROM migrate_status();
-- and so does its validity alone: record the invalid index with a
-- migration, then make the same index valid again
SELECT migrate_revision('gc3', '{gc1}', 'CREATE TABLE gc_other (id int)', 'DROP TABLE gc_other', 'gc3');
SELECT revision FROM migrate_upgrade('head');
SELECT schema_matches FROM migrate_status();
DELETE FROM gc_acct WHERE email = 'b@example.com';
REINDEX INDEX gc_acct_id_key;
SELECT * FROM pg_temp.indexes();
SELECT schema_matches FROM migrate_status();
-- a valid index's line is as it always was
SELECT line FROM migrate.schema_description() line WHERE line LIKE 'index %gc_acct_id_key%';

DROP INDEX gc_acct_id_key;
SELECT revision FROM migrate_downgrade('base');
RESET migrate.guard;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;

-- migrate_status(): where the database stands, and whether its schema is
-- still what the last migration left, even when the event triggers did
-- not see a change.
SET client_min_messages = warning;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;

-- an empty graph
SELECT * FROM migrate_status();

SELECT migrate_revision('s1', '{}', 'CREATE TABLE s_t (id int)', 'DROP TABLE s_t', 'one');
SELECT migrate_revision('s2', '{s1}', 'ALTER TABLE s_t ADD COLUMN a int', 'ALTER TABLE s_t DROP COLUMN a', 'two');
SELECT migrate_revision('s3', '{s2}', 'ALTER TABLE s_t ADD COLUMN b int', 'ALTER TABLE s_t DROP COLUMN b', 'three');
SELECT migrate_revision('t1', '{}', '', '', 'another branch');
SELECT current_heads, heads, pending, last_migration_at IS NULL AS never_migrated,
       drift, schema_matches, guard FROM migrate_status();

SELECT revision FROM migrate_upgrade('s2');
SELECT current_heads, heads, pending, last_migration_at <= now() AS migrated,
       drift, schema_matches FROM migrate_status();

-- a change by hand: recorded, and the schema no longer matches
CREATE INDEX s_t_id ON s_t (id);
SELECT drift, schema_matches FROM migrate_status();
-- undone by hand: it matches again, and the record stays
DROP INDEX s_t_id;
SELECT drift, schema_matches FROM migrate_status();

-- a change the event triggers cannot see
ALTER EVENT TRIGGER migrate_guard_ddl_command_end DISABLE;
ALTER TABLE s_t ADD COLUMN unseen int;
ALTER EVENT TRIGGER migrate_guard_ddl_command_end ENABLE ALWAYS;
SELECT drift, schema_matches FROM migrate_status();

-- the next migration takes the schema as it then is; earlier drift no
-- longer counts as "since the last migration"
SELECT revision FROM migrate_upgrade('heads');
SELECT current_heads, pending, drift, schema_matches FROM migrate_status();
SELECT count(*) AS still_recorded FROM migrate_drift();

-- everyone may look
CREATE ROLE regress_status_reader;
SET ROLE regress_status_reader;
SELECT current_heads, drift, schema_matches FROM migrate_status();
SELECT count(*) FROM migrate_drift();
RESET ROLE;
DROP ROLE regress_status_reader;

SELECT revision FROM migrate_downgrade('base');
SELECT to_regclass('s_t') IS NULL AS gone;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;

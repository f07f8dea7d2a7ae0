-- The guard: schema changes outside migrations are recorded, warned about
-- or refused, as migrate.guard says; temporary objects, migrations and
-- restores are never out of band; turning the guard off leaves a trail.
SET client_min_messages = warning;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint;

CREATE FUNCTION drift() RETURNS TABLE (command_tag text, object_type text,
    object_identity text, guard text, by_session boolean, heads text[])
LANGUAGE sql AS $$
    SELECT command_tag, object_type, object_identity, guard, guard_set_by_session, heads
    FROM migrate_drift()
$$;
-- SELECT format('ALTER DATABASE %I SET migrate.guard = ...'): the database
-- is named by pg_regress
CREATE FUNCTION set_database_guard(value text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF value IS NULL THEN
        EXECUTE format('ALTER DATABASE %I RESET migrate.guard', current_database());
    ELSE
        EXECUTE format('ALTER DATABASE %I SET migrate.guard = %L', current_database(), value);
    END IF;
END $$;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;

-- log, the default: recorded, silently
SHOW migrate.guard;
CREATE TABLE g_manual (id int);
ALTER TABLE g_manual ADD COLUMN name text;
CREATE INDEX g_manual_name ON g_manual (name);
COMMENT ON TABLE g_manual IS 'made by hand';
DROP INDEX g_manual_name;
SELECT * FROM drift();
SELECT role = current_user AS role_ok, session_role = session_user AS session_role_ok,
       application_name, statement, at <= clock_timestamp() AS at_ok
FROM migrate_drift() ORDER BY id LIMIT 2;

-- changes made by a migration, both ways, are in band
SELECT migrate_drift_clear('infinity');
SELECT migrate_revision('g1', '{}', 'CREATE TABLE g_mig (id int); CREATE INDEX ON g_mig (id)',
                        'DROP TABLE g_mig', 'g1');
SELECT revision FROM migrate_upgrade('head');
SELECT revision FROM migrate_downgrade('base');
SELECT revision FROM migrate_upgrade('head');
SELECT count(*) AS recorded FROM migrate_drift();

-- temporary objects never are out of band
CREATE TEMP TABLE g_tmp (id serial PRIMARY KEY);
ALTER TABLE g_tmp ADD COLUMN x int;
CREATE INDEX ON g_tmp (x);
ALTER TABLE g_tmp ALTER COLUMN x TYPE bigint;
CREATE TEMP VIEW g_tmp_v AS SELECT * FROM g_tmp;
-- nor are triggers, rules and policies on temporary tables, which have no
-- schema of their own
CREATE FUNCTION pg_temp.g_trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER g_tmp_trg BEFORE INSERT ON g_tmp FOR EACH ROW EXECUTE FUNCTION pg_temp.g_trg();
CREATE RULE g_tmp_rule AS ON UPDATE TO g_tmp DO INSTEAD NOTHING;
CREATE POLICY g_tmp_pol ON g_tmp USING (true);
DROP TRIGGER g_tmp_trg ON g_tmp;
DROP RULE g_tmp_rule ON g_tmp;
DROP POLICY g_tmp_pol ON g_tmp;
DROP TABLE g_tmp CASCADE;
SELECT count(*) AS recorded FROM migrate_drift();

-- a record names the heads applied at that moment
ALTER TABLE g_manual ADD COLUMN created timestamptz;
SELECT command_tag, object_identity, heads FROM drift();

-- warn, set for the database: recorded, with a warning
SELECT set_database_guard('warn');
\c -
SET client_min_messages = warning;
SHOW migrate.guard;
CREATE TABLE g_warned (id int);
SELECT command_tag, object_identity, guard, by_session FROM drift() WHERE object_identity = 'public.g_warned';

-- error, set for the database: refused, nothing changes, nothing is recorded
SELECT set_database_guard('error');
\c -
SET client_min_messages = warning;
SELECT migrate_drift_clear('infinity');
CREATE TABLE g_refused (id int);
SELECT to_regclass('g_refused') IS NULL AS not_created;
DROP TABLE g_manual;
SELECT to_regclass('g_manual') IS NOT NULL AS still_there;
-- a rewrite is refused before it starts
ALTER TABLE g_manual ALTER COLUMN id TYPE bigint;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'g_manual'::regclass AND attname = 'id';
CREATE SCHEMA g_schema;
CREATE FUNCTION g_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
-- the error's SQLSTATE
DO $$
BEGIN
    CREATE TABLE g_refused (id int);
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'refused with SQLSTATE %', SQLSTATE;
END $$;
SELECT count(*) AS recorded FROM migrate_drift();
-- still allowed: temporary objects, migrations
CREATE TEMP TABLE g_tmp (id int);
DROP TABLE g_tmp;
SELECT migrate_revision('g2', '{g1}', 'ALTER TABLE g_mig ADD COLUMN note text', 'ALTER TABLE g_mig DROP COLUMN note', 'g2');
SELECT revision FROM migrate_upgrade('head');
SELECT revision FROM migrate_downgrade('-1');
SELECT revision FROM migrate_upgrade('head');

-- turning the guard off in the session lets a fix through, and leaves a trail
SET migrate.guard = off;
ALTER TABLE g_manual ADD COLUMN fixed boolean;
RESET migrate.guard;
ALTER TABLE g_manual ADD COLUMN refused_again boolean;
SELECT command_tag, object_identity, guard, by_session FROM drift();
-- so does a guard turned off by a function's SET clause
CREATE OR REPLACE FUNCTION pg_temp.quiet_fix() RETURNS void LANGUAGE sql
SET migrate.guard = off AS 'ALTER TABLE g_manual ADD COLUMN quiet int';
SELECT migrate_drift_clear('infinity');
SELECT pg_temp.quiet_fix();
SELECT command_tag, object_identity, guard, guard_set_by_session, statement FROM migrate_drift();

-- a restore (check_function_bodies = off, as pg_dump and pg_restore set
-- it) by a role that may set the guard is neither refused nor recorded
SELECT migrate_drift_clear('infinity');
SET check_function_bodies = off;
CREATE TABLE g_restored (id int);
RESET check_function_bodies;
SELECT to_regclass('g_restored') IS NOT NULL AS restored, count(*) AS recorded FROM migrate_drift();

-- who may turn it off: superusers and roles granted SET on the parameter
CREATE ROLE regress_guard_user;
GRANT CREATE ON SCHEMA public TO regress_guard_user;   -- a privilege change is one too
SET migrate.guard = off;
GRANT CREATE ON SCHEMA public TO regress_guard_user;
RESET migrate.guard;
SELECT migrate_drift_clear('infinity');
SET ROLE regress_guard_user;
SET migrate.guard = off;
SET check_function_bodies = off;    -- not a restore for this role
CREATE TABLE g_user_table (id int);
RESET check_function_bodies;
SELECT * FROM migrate_drift();      -- the record is not for everyone
SELECT guard, drift FROM migrate_status();
RESET ROLE;
GRANT SET ON PARAMETER migrate.guard TO regress_guard_user;
SET ROLE regress_guard_user;
SET migrate.guard = off;
CREATE TABLE g_user_table (id int);
RESET ROLE;
RESET migrate.guard;
SELECT command_tag, object_identity, guard, by_session FROM drift();
SELECT role FROM migrate_drift();
DROP TABLE g_user_table;            -- refused: the guard is back to error
SET migrate.guard = off;
DROP TABLE g_user_table;
-- a value set before the library was loaded (a placeholder) is checked
-- when it loads: a role without the privilege gets the guard as configured
REVOKE SET ON PARAMETER migrate.guard FROM regress_guard_user;
\c -
SET client_min_messages = warning;
SET ROLE regress_guard_user;
SET migrate.guard = off;
CREATE TABLE g_user_table2 (id int);
SHOW migrate.guard;
RESET ROLE;
SET migrate.guard = off;
REVOKE CREATE ON SCHEMA public FROM regress_guard_user;
RESET migrate.guard;
DROP ROLE regress_guard_user;

-- off, set for the database: nothing is recorded
SELECT set_database_guard('off');
\c -
SET client_min_messages = warning;
SELECT migrate_drift_clear('infinity');
CREATE TABLE g_off (id int);
DROP TABLE g_off;
SELECT count(*) AS recorded FROM migrate_drift();
SELECT set_database_guard(NULL);
\c -
SET client_min_messages = warning;
-- the setting exists once the library is loaded (by any migrate call or DDL)
SELECT count(*) FROM migrate_heads();
SHOW migrate.guard;

-- bad values and the clearing function's input
SET migrate.guard = sometimes;
SELECT migrate_drift_clear(NULL);
CREATE TABLE g_clear (id int);
SELECT migrate_drift_clear(now() - interval '1 hour') AS cleared_old,
       migrate_drift_clear('infinity') AS cleared_all;

DROP TABLE g_manual, g_restored, g_clear;
SELECT revision FROM migrate_downgrade('base');
DROP FUNCTION drift(), set_database_guard(text);
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;

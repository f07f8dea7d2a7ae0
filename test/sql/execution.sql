-- Bodies run in the caller's transaction: a failing step leaves nothing of
-- the call behind, and every error names the revision that failed.
SET client_min_messages = warning;

CREATE FUNCTION state() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT string_agg(r, ' ') FROM migrate_current() r), '(base)')
        || ' | ' || (SELECT count(*) FROM migrate.log) || ' logged | tables: '
        || coalesce((SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class
                      WHERE relname LIKE 'ex\_%' AND relkind = 'r'), '-')
$$;

SELECT migrate_revision('e1', '{}', $$
    CREATE TABLE ex_one (id int PRIMARY KEY);
    INSERT INTO ex_one VALUES (1), (2);
$$, 'DROP TABLE ex_one', 'first');
SELECT migrate_revision('e2', '{e1}', 'CREATE TABLE ex_two (id int)', 'DROP TABLE ex_two', 'second');
SELECT migrate_revision('e3', '{e2}', 'INSERT INTO ex_one VALUES (1)', 'SELECT 1', 'breaks');

-- the third step fails: the first two are undone with it
SELECT * FROM migrate_upgrade('head');
SELECT state();

-- inside an explicit transaction, the caller decides
BEGIN;
SELECT revision FROM migrate_upgrade('e2');
SELECT state();
ROLLBACK;
SELECT state();

-- a failed call inside a savepoint can be rolled back and retried
BEGIN;
SAVEPOINT before_deploy;
SELECT * FROM migrate_upgrade('head');
ROLLBACK TO SAVEPOINT before_deploy;
SELECT revision FROM migrate_upgrade('e2');
COMMIT;
SELECT state();

-- a failing downgrade is named too, and leaves the state as it was
SELECT migrate_revision('e3', '{e2}', 'SELECT 1', 'DROP TABLE ex_missing', 'breaks down');
SELECT revision FROM migrate_upgrade('head');
SELECT * FROM migrate_downgrade('base');
SELECT state();

-- errors inside PL/pgSQL keep their own context under ours
SELECT migrate_revision('e4', '{e3}', $body$
    DO $do$ BEGIN RAISE EXCEPTION 'custom failure'; END $do$;
$body$);
SELECT * FROM migrate_upgrade('e4');
SELECT migrate_forget('e4');

-- transaction control cannot run inside the caller's transaction
SELECT migrate_revision('tx', '{e3}', 'CREATE TABLE ex_tx (); COMMIT;', '', 'commits');
SELECT * FROM migrate_upgrade('tx');
SELECT migrate_revision('tx', '{e3}', 'ROLLBACK', '', 'rolls back');
SELECT * FROM migrate_upgrade('tx');
SELECT migrate_revision('tx', '{e3}', 'SAVEPOINT x', '', 'savepoint');
SELECT * FROM migrate_upgrade('tx');

-- nor can statements that refuse to run in a transaction block
SELECT migrate_revision('tx', '{e3}', 'CREATE INDEX CONCURRENTLY ex_idx ON ex_one (id)', '', 'concurrent index');
SELECT * FROM migrate_upgrade('tx');
SELECT migrate_revision('tx', '{e3}', 'VACUUM ex_one', '', 'vacuum');
SELECT * FROM migrate_upgrade('tx');

-- an enum value is usable only after its transaction commits
SELECT migrate_revision('tx', '{e3}', $$
    CREATE TYPE ex_mood AS ENUM ('ok');
    CREATE TABLE ex_enum (m ex_mood);
$$, 'DROP TABLE ex_enum; DROP TYPE ex_mood', 'enum');
SELECT revision FROM migrate_upgrade('tx');
SELECT migrate_revision('tx2', '{tx}', $$
    ALTER TYPE ex_mood ADD VALUE 'great';
    INSERT INTO ex_enum VALUES ('great');
$$, '', 'add and use enum value');
SELECT * FROM migrate_upgrade('tx2');
SELECT migrate_forget('tx2');
SELECT revision FROM migrate_downgrade('e3');

-- a body cannot call migrate itself
SELECT migrate_revision('nested', '{e3}', $$SELECT * FROM migrate_upgrade('head')$$, '', 'nested');
SELECT * FROM migrate_upgrade('nested');
SELECT migrate_revision('nested', '{e3}', $$SELECT migrate_revision('sneaky')$$, '', 'nested');
SELECT * FROM migrate_upgrade('nested');
SELECT migrate_revision('nested', '{e3}', $$SELECT migrate_stamp('base')$$, '', 'nested');
SELECT * FROM migrate_upgrade('nested');
-- reading is allowed, and sees the state before the call
SELECT migrate_revision('nested', '{e3}',
    $$CREATE TABLE ex_seen AS SELECT r FROM migrate_current() r$$, 'DROP TABLE ex_seen', 'reads');
SELECT revision FROM migrate_upgrade('nested');
SELECT * FROM ex_seen;
-- after an error inside a body, migrate is usable again in the same session
SELECT revision FROM migrate_downgrade('e3');
-- an applied revision with a broken downgrade: stamp past it, then go on
SELECT revision FROM migrate_downgrade('base');
SELECT migrate_stamp('e2');
SELECT revision FROM migrate_downgrade('base');
SELECT state();

DROP FUNCTION state();
TRUNCATE migrate.revision, migrate.applied, migrate.log;

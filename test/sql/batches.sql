-- Long deploys from psql: CALL migrate_upgrade_batched(target, batch_size)
-- commits after every batch_size revisions (pg_regress runs psql in
-- autocommit mode, as a deploy would).  A failure in batch 3 leaves
-- batches 1 and 2 committed and says so; a rerun resumes.  A revision that
-- adds an enum value ends its batch.  Inside a transaction block the
-- procedure cannot commit and says what to do.  Only roles that may call
-- migrate_upgrade() may use it, and it calls nothing planted in the
-- caller's search_path.
SET client_min_messages = warning;
SET migrate.guard = off;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;

SELECT pg_catalog.count(migrate_revision('b' || i,
           CASE WHEN i = 1 THEN '{}' ELSE ARRAY['b' || (i - 1)] END,
           pg_catalog.format('CREATE TABLE %I (a int)', 'b''t' || i),
           pg_catalog.format('DROP TABLE %I', 'b''t' || i),
           E'table\n' || i))
  FROM pg_catalog.generate_series(1, 7) AS i;

-- steps: only the first N of the plan, in the caller's transaction
SELECT revision FROM migrate_upgrade('head', true, 2);
SELECT revision FROM migrate_upgrade('head', false, 0);
SELECT command FROM migrate_upgrade_commands('head', 3);

SET client_min_messages = notice;
CALL migrate_upgrade_batched('head', 3);
SELECT * FROM migrate_current();
SELECT pg_catalog.count(*) AS tables FROM pg_catalog.pg_class WHERE relname LIKE 'b''t%';
-- nothing left
CALL migrate_upgrade_batched('head', 3);

-- batch 3 fails: batches 1 and 2 stay committed, nothing of batch 3 does
SET client_min_messages = warning;
SELECT pg_catalog.count(migrate_revision('b' || i, ARRAY['b' || (i - 1)],
           CASE WHEN i = 15 THEN 'CREATE TABLE bfail (a int); SELECT 1 / 0'
                ELSE pg_catalog.format('CREATE TABLE %I (a int)', 'b''t' || i) END,
           pg_catalog.format('DROP TABLE IF EXISTS %I', 'b''t' || i)))
  FROM pg_catalog.generate_series(8, 16) AS i;
SET client_min_messages = notice;
CALL migrate_upgrade_batched('head', 3);
SELECT * FROM migrate_current();
SELECT pg_catalog.count(*) AS tables FROM pg_catalog.pg_class WHERE relname LIKE 'b''t%';
SELECT pg_catalog.to_regclass('bfail') AS bfail, pg_catalog.to_regclass('"b''t14"') AS bt14;
-- fixed, the rerun resumes from the last batch committed
SET client_min_messages = warning;
SELECT migrate_revision('b15', '{b14}', 'CREATE TABLE "b''t15" (a int)', 'DROP TABLE "b''t15"');
SET client_min_messages = notice;
CALL migrate_upgrade_batched('head', 3);
SELECT * FROM migrate_current();
SELECT pg_catalog.count(*) AS steps FROM migrate_log() WHERE direction = 'upgrade';

-- an enum value added, then used: in one transaction the use fails ...
SET client_min_messages = warning;
SELECT migrate_revision('e1', '{b16}', E'CREATE TYPE b_mood AS ENUM (\'sad\'); CREATE TABLE b_feel (m b_mood)', 'DROP TABLE b_feel; DROP TYPE b_mood');
SELECT migrate_revision('e2', '{e1}', E'ALTER TYPE b_mood ADD VALUE \'it\'\'s ok\'', 'SELECT 1');
SELECT migrate_revision('e3', '{e2}', E'INSERT INTO b_feel VALUES (\'it\'\'s ok\')', 'DELETE FROM b_feel');
-- the type committed first: from PostgreSQL 17 a value added to a type
-- created in the same transaction is usable at once
SELECT revision FROM migrate_upgrade('e1');
SELECT revision FROM migrate_upgrade('head');
-- ... in batches it does not, however large the batches
SELECT command FROM migrate_upgrade_commands('head');
SET client_min_messages = notice;
CALL migrate_upgrade_batched('head', 500);
SELECT m FROM b_feel;

-- in a transaction block, or from a function, a procedure cannot commit
CALL migrate_upgrade_batched('head', 0);
CALL migrate_upgrade_batched(NULL, 3);
BEGIN;
CALL migrate_upgrade_batched('head', 3);
ROLLBACK;
CREATE FUNCTION regress_batch_call() RETURNS void LANGUAGE plpgsql
AS $$ BEGIN CALL migrate_upgrade_batched('head', 3); END $$;
SELECT regress_batch_call();
DROP FUNCTION regress_batch_call();
-- a DO block at top level may commit
DO $$ BEGIN CALL migrate_upgrade_batched('head', 3); END $$;

-- who may call it: EXECUTE on it is revoked from PUBLIC, and it calls
-- migrate_upgrade(), so that right is needed too
SET client_min_messages = warning;
SELECT migrate_revision('b17', '{e3}', 'CREATE TABLE public.b_who AS SELECT current_user AS who', 'DROP TABLE public.b_who');
CREATE ROLE regress_batch_nobody;
CREATE ROLE regress_batch_half;
CREATE ROLE regress_batch_deployer;
GRANT CREATE ON SCHEMA public TO regress_batch_deployer;
GRANT EXECUTE ON PROCEDURE migrate_upgrade_batched(text, integer) TO regress_batch_half, regress_batch_deployer;
GRANT EXECUTE ON FUNCTION migrate_upgrade(text, boolean, integer) TO regress_batch_deployer;
SET client_min_messages = notice;
SET ROLE regress_batch_nobody;
CALL migrate_upgrade_batched('head', 3);
SET ROLE regress_batch_half;
CALL migrate_upgrade_batched('head', 3);
RESET ROLE;
SELECT * FROM migrate_current();
-- a deployer runs the bodies as itself; nothing planted in its search_path is called
CREATE SCHEMA regress_batch_evil;
CREATE TABLE regress_batch_evil.calls (what text);
GRANT ALL ON SCHEMA regress_batch_evil TO PUBLIC;
GRANT ALL ON regress_batch_evil.calls TO PUBLIC;
CREATE FUNCTION regress_batch_evil.migrate_upgrade(target text, dry_run boolean, steps integer)
RETURNS TABLE (revision text, message text) LANGUAGE sql
AS $$ INSERT INTO regress_batch_evil.calls VALUES ('migrate_upgrade') RETURNING 'x', 'y' $$;
CREATE FUNCTION regress_batch_evil.count(anyelement) RETURNS int LANGUAGE sql
AS $$ INSERT INTO regress_batch_evil.calls VALUES ('count') RETURNING 0 $$;
SET ROLE regress_batch_deployer;
SET search_path = regress_batch_evil, public, pg_catalog;
CALL migrate_upgrade_batched('head', 3);
RESET search_path;
RESET ROLE;
SELECT who FROM b_who;
SELECT pg_catalog.count(*) AS planted_calls FROM regress_batch_evil.calls;

-- clean up
SET client_min_messages = warning;
DROP SCHEMA regress_batch_evil CASCADE;
SELECT pg_catalog.count(*) FROM migrate_downgrade('base');
REVOKE CREATE ON SCHEMA public FROM regress_batch_deployer;
DROP OWNED BY regress_batch_nobody, regress_batch_half, regress_batch_deployer;
DROP ROLE regress_batch_nobody, regress_batch_half, regress_batch_deployer;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;

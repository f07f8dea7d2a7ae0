-- The descriptions leave extension members out with NOT EXISTS, never with
-- NOT IN (SELECT ...): NOT IN is an anti-join only while the planner can
-- hash the list; past work_mem it rescans the list for each row.  Any table
-- owner may add its objects to an extension it owns (a trusted extension
-- created by a database owner), and 300,000 members made one
-- migrate_status() or migrate_upgrade() run for more than five minutes
-- (59 ms with 2,000): a denial of service for every deploy.
SET client_min_messages = warning;
SET migrate.guard = off;
SELECT p.oid::regprocedure AS uses_not_in_subquery
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'migrate'
WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
  AND p.prosrc ~* 'not\s+in\s*\(\s*select'
ORDER BY 1;

-- members are still left out: a table, a function, an enum and a free
-- sequence added to an extension disappear from both descriptions
CREATE SCHEMA dm;
CREATE TABLE dm.t (id int);
CREATE FUNCTION dm.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TYPE dm.e AS ENUM ('a');
CREATE SEQUENCE dm.s;
SELECT migrate.schema_fingerprint() AS with_objects \gset
SELECT count(*) AS lines FROM migrate.schema_description() l WHERE l ~ 'dm\.';
SELECT d->'tables' ? 'dm.t' AS t, d->'enums' ? 'dm.e' AS e, d->'sequences' ? 'dm.s' AS s
FROM migrate_describe('{dm}') d;
ALTER EXTENSION plpgsql ADD TABLE dm.t;
ALTER EXTENSION plpgsql ADD FUNCTION dm.f();
ALTER EXTENSION plpgsql ADD TYPE dm.e;
ALTER EXTENSION plpgsql ADD SEQUENCE dm.s;
SELECT l AS left_over FROM migrate.schema_description() l WHERE l ~ 'dm\.' ORDER BY 1;
SELECT d->'tables' ? 'dm.t' AS t, d->'enums' ? 'dm.e' AS e, d->'sequences' ? 'dm.s' AS s
FROM migrate_describe('{dm}') d;
SELECT migrate.schema_fingerprint() <> :'with_objects' AS fingerprint_changed;
ALTER EXTENSION plpgsql DROP TABLE dm.t;
ALTER EXTENSION plpgsql DROP FUNCTION dm.f();
ALTER EXTENSION plpgsql DROP TYPE dm.e;
ALTER EXTENSION plpgsql DROP SEQUENCE dm.s;
SELECT migrate.schema_fingerprint() = :'with_objects' AS fingerprint_back;
DROP SCHEMA dm CASCADE;
RESET migrate.guard;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;

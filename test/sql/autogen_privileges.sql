-- migrate_describe(schemas, true) and migrate_diff(): privileges, opt-in.
-- Each diff checked by running it both ways, as in autogen.sql, with the
-- privileges described.
\i test/sql/include/autogen_diff.sql
\i test/sql/include/described_diff.sql
CREATE ROLE regress_ag_reader;
CREATE ROLE "regress ag ""w"" r";
CREATE ROLE regress_ag_owner;

-- the same diff() with privileges described
CREATE FUNCTION pdiff(a_sql text, b_sql text)
RETURNS TABLE (step int, operation text, object text, upgrade text, downgrade text)
LANGUAGE sql AS $$ SELECT * FROM described_diff(a_sql, b_sql, true, false) $$;

-- off by default: no "privileges" in the description, and none compared
CREATE SCHEMA ag;
CREATE TABLE ag.t (a int);
GRANT SELECT ON ag.t TO regress_ag_reader;
SELECT migrate_describe(ARRAY['ag']) ? 'privileges' AS described_by_default,
       jsonb_pretty(migrate_describe(ARRAY['ag'], true)->'privileges') AS privileges;
-- one side without privileges: nothing to grant or revoke
SELECT count(*) AS steps FROM migrate_diff(migrate_describe(ARRAY['ag'], true),
                                           migrate_describe(ARRAY['ag']) - 'privileges');
DROP SCHEMA ag CASCADE;

-- every kind, granted: tables, columns, sequences, functions, procedures,
-- schemas, types, domains, default privileges; with grant option
SELECT * FROM pdiff(
$$CREATE SCHEMA ag;
CREATE TABLE ag."T ""q""" ("c 1" int, b text);
CREATE SEQUENCE ag.s;
CREATE FUNCTION ag.f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
CREATE PROCEDURE ag.pr() LANGUAGE sql AS 'SELECT 1';
CREATE TYPE ag.e AS ENUM ('x');
CREATE DOMAIN ag.d AS int;
CREATE VIEW ag.v AS SELECT 1 AS one;$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag."T ""q""" ("c 1" int, b text);
CREATE SEQUENCE ag.s;
CREATE FUNCTION ag.f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
CREATE PROCEDURE ag.pr() LANGUAGE sql AS 'SELECT 1';
CREATE TYPE ag.e AS ENUM ('x');
CREATE DOMAIN ag.d AS int;
CREATE VIEW ag.v AS SELECT 1 AS one;
GRANT SELECT, INSERT ON ag."T ""q""" TO regress_ag_reader;
GRANT UPDATE ("c 1") ON ag."T ""q""" TO "regress ag ""w"" r";
GRANT USAGE ON SEQUENCE ag.s TO "regress ag ""w"" r" WITH GRANT OPTION;
REVOKE EXECUTE ON FUNCTION ag.f(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ag.f(int) TO regress_ag_reader;
GRANT EXECUTE ON PROCEDURE ag.pr() TO regress_ag_reader;
GRANT USAGE, CREATE ON SCHEMA ag TO "regress ag ""w"" r";
REVOKE USAGE ON TYPE ag.e FROM PUBLIC;
GRANT USAGE ON DOMAIN ag.d TO regress_ag_reader;
GRANT SELECT ON ag.v TO PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE regress_ag_owner IN SCHEMA ag GRANT SELECT ON TABLES TO regress_ag_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE regress_ag_owner IN SCHEMA ag GRANT EXECUTE ON FUNCTIONS TO "regress ag ""w"" r";$$);

-- changes: a grant option taken back, a grantee that changes, on objects
-- that are new, go, or are made again (a view whose query changes, a
-- function whose result changes): they get theirs again
SELECT * FROM pdiff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (a int);
CREATE TABLE ag.gone (a int);
CREATE VIEW ag.v AS SELECT 1 AS one;
CREATE FUNCTION ag.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
GRANT SELECT ON ag.t TO regress_ag_reader WITH GRANT OPTION;
GRANT DELETE ON ag.t TO "regress ag ""w"" r";
GRANT SELECT ON ag.gone TO regress_ag_reader;
GRANT SELECT ON ag.v TO regress_ag_reader;
REVOKE EXECUTE ON FUNCTION ag.f() FROM PUBLIC;$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (a int);
CREATE TABLE ag."new one" (a int);
CREATE VIEW ag.v AS SELECT 2 AS one;
CREATE FUNCTION ag.f() RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint';
GRANT SELECT ON ag.t TO regress_ag_reader;
GRANT DELETE ON ag.t TO regress_ag_reader;
GRANT SELECT ON ag."new one" TO "regress ag ""w"" r";
GRANT SELECT ON ag.v TO regress_ag_reader;
REVOKE EXECUTE ON FUNCTION ag.f() FROM PUBLIC;$$);

-- a new function with EXECUTE taken from PUBLIC, a dropped domain that had
-- USAGE taken from PUBLIC: their steps run after the function is made and
-- before the domain goes
SELECT * FROM pdiff(
$$CREATE SCHEMA ag;
CREATE DOMAIN ag."d q" AS int;
REVOKE USAGE ON DOMAIN ag."d q" FROM PUBLIC;$$,
$$CREATE SCHEMA ag;
CREATE FUNCTION ag."f q"(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
REVOKE EXECUTE ON FUNCTION ag."f q"(int) FROM PUBLIC;$$);

-- SELECT on the table granted next to a column's SELECT that stays: the
-- downgrade's REVOKE on the table takes the column's too, so it is given back
SELECT * FROM pdiff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.t ("c q" int, d int);
GRANT SELECT ("c q") ON ag.t TO regress_ag_reader WITH GRANT OPTION;$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.t ("c q" int, d int);
GRANT SELECT ("c q") ON ag.t TO regress_ag_reader WITH GRANT OPTION;
GRANT UPDATE (d) ON ag.t TO regress_ag_reader;
GRANT SELECT ON ag.t TO regress_ag_reader;$$);

-- default privileges for every schema, described when schemas is NULL: a
-- default taken away is "revoked"; each way by the steps
ALTER DEFAULT PRIVILEGES FOR ROLE regress_ag_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE regress_ag_owner GRANT USAGE ON TYPES TO "regress ag ""w"" r" WITH GRANT OPTION;
SELECT k, v FROM jsonb_each(migrate_describe(NULL, true)->'privileges') e(k, v) WHERE k LIKE 'DEFAULT %' ORDER BY 1;
SELECT migrate_describe(NULL, true) AS b \gset
ALTER DEFAULT PRIVILEGES FOR ROLE regress_ag_owner GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE regress_ag_owner REVOKE USAGE ON TYPES FROM "regress ag ""w"" r" CASCADE;
SELECT migrate_describe(NULL, true) AS a \gset
SELECT step, operation, object, upgrade, downgrade FROM migrate_diff(:'a', :'b');
SELECT upgrade FROM migrate_diff(:'a', :'b') ORDER BY step \gexec
SELECT migrate_describe(NULL, true) = :'b' AS reaches_b;
SELECT downgrade FROM migrate_diff(:'a', :'b') ORDER BY step DESC \gexec
SELECT migrate_describe(NULL, true) = :'a' AS back_to_a;
-- a description without privileges on one side: none compared
SELECT count(*) AS steps FROM migrate_diff(:'a'::jsonb - 'privileges', :'b');

DROP ROLE regress_ag_reader;
DROP ROLE "regress ag ""w"" r";
DROP ROLE regress_ag_owner;
DROP FUNCTION pdiff(text, text), described_diff(text, text, boolean, boolean), diff(text, text), norm(jsonb);

-- migrate_describe(schemas, privileges, owners => true) and migrate_diff():
-- owners, opt-in.  Each diff checked by running it both ways, as in
-- autogen.sql, with owners and privileges described.  Every object is
-- given to a role of the test (the superuser's name differs between
-- machines, and must not show in the steps).
\i test/sql/include/autogen_diff.sql
\i test/sql/include/described_diff.sql
CREATE ROLE regress_ag_owner;
CREATE ROLE "regress ag 'o"" 2";
-- (a publication's owner needs CREATE on the database)
SELECT format('GRANT CREATE ON DATABASE %I TO regress_ag_owner, %I', current_database(), 'regress ag ''o" 2') \gexec

-- diff() with owners and privileges described
CREATE FUNCTION odiff(a_sql text, b_sql text)
RETURNS TABLE (step int, operation text, object text, upgrade text, downgrade text)
LANGUAGE sql AS $$ SELECT * FROM described_diff(a_sql, b_sql, true, true) $$;

-- off by default: no "owners" in the description, and none compared when
-- either side lacks them
CREATE SCHEMA ag;
CREATE TABLE ag.t (id int);
SELECT migrate_describe(ARRAY['ag']) ? 'owners' AS owners_by_default,
       migrate_describe(ARRAY['ag'], owners => true) ? 'privileges' AS privileges_with_owners;
SELECT migrate_describe(ARRAY['ag'], false, true) AS a \gset
ALTER TABLE ag.t OWNER TO regress_ag_owner;
SELECT count(*) AS steps_without_owners_on_one_side
FROM migrate_diff(:'a'::jsonb - 'owners', migrate_describe(ARRAY['ag'], false, true));

-- what the description holds: one entry per object with an owner of its
-- own, named as ALTER ... OWNER TO names it; not indexes, a table's row
-- type, nor the sequences of a serial, an identity or OWNED BY a column,
-- which follow their table (PostgreSQL refuses to change them alone)
CREATE SEQUENCE ag."S 'q""" ;
CREATE TABLE ag.i (id int GENERATED ALWAYS AS IDENTITY, s serial, o int);
CREATE SEQUENCE ag.owned OWNED BY ag.i.o;
CREATE INDEX ON ag.i (o);
CREATE VIEW ag.v AS SELECT id FROM ag.t;
CREATE MATERIALIZED VIEW ag.m AS SELECT id FROM ag.t;
CREATE FUNCTION ag."f'n"(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
CREATE PROCEDURE ag.p() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE ag.agg(int) (SFUNC = int4pl, STYPE = int);
CREATE DOMAIN ag.d AS int;
CREATE TYPE ag.e AS ENUM ('a');
CREATE TYPE ag.c AS (x int);
CREATE TYPE ag.r AS RANGE (SUBTYPE = int8);
CREATE OPERATOR ag.## (FUNCTION = ag."f'n", RIGHTARG = int);
CREATE STATISTICS ag.st ON id, o FROM ag.i;
CREATE COLLATION ag.co (locale = 'C');
SELECT k, v->>'object' AS object, v->>'owner' = current_user AS by_current_user
FROM jsonb_each(migrate_describe(ARRAY['ag'], false, true)->'owners') e(k, v) ORDER BY k COLLATE "C";
DROP SCHEMA ag CASCADE;

-- the owner of each kind changes, each way (B is A run by the other role)
SELECT $$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
SET LOCAL ROLE regress_ag_owner;
CREATE TABLE ag.t (id serial, v int);
CREATE TABLE ag.p (k int) PARTITION BY RANGE (k);
CREATE TABLE ag.p1 PARTITION OF ag.p FOR VALUES FROM (0) TO (10);
CREATE VIEW ag.v AS SELECT v FROM ag.t;
CREATE MATERIALIZED VIEW ag.m AS SELECT v FROM ag.t;
CREATE SEQUENCE ag.s;
CREATE FUNCTION ag."f'n"(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
CREATE PROCEDURE ag.p() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE ag.agg(int) (SFUNC = int4pl, STYPE = int);
CREATE DOMAIN ag.d AS int;
CREATE TYPE ag.e AS ENUM ('a');
CREATE TYPE ag.c AS (x int);
CREATE TYPE ag.r AS RANGE (SUBTYPE = int8);
CREATE OPERATOR ag.## (FUNCTION = ag."f'n", RIGHTARG = int);
CREATE STATISTICS ag.st ON id, v FROM ag.t;
CREATE COLLATION ag.co (locale = 'C');
CREATE PUBLICATION ag_pub FOR TABLE ag.t;
RESET ROLE;$$ AS objects \gset
-- (CREATE PUBLICATION warns when wal_level is not logical, in words that
-- differ between majors)
SET client_min_messages = error;
SELECT * FROM odiff(:'objects', replace(:'objects', 'regress_ag_owner', '"regress ag ''o"" 2"'));
SET client_min_messages = warning;

-- new objects are given to their owner last (they belong to the role that
-- runs the migration until then); objects that go are given back by the
-- downgrade once it has made them again; a view made again (its definition
-- changes) gets its owner back, each way, as do its privileges
SELECT * FROM odiff(
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int, v int);
CREATE TABLE ag.gone (id int);
CREATE FUNCTION ag.gone_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE VIEW ag.v AS SELECT id FROM ag.t;
GRANT SELECT ON ag.v TO regress_ag_owner;
ALTER TABLE ag.t OWNER TO regress_ag_owner;
ALTER TABLE ag.gone OWNER TO "regress ag 'o"" 2";
ALTER FUNCTION ag.gone_f() OWNER TO "regress ag 'o"" 2";
ALTER VIEW ag.v OWNER TO "regress ag 'o"" 2";$$,
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int, v int);
CREATE TABLE ag.new (id int);
CREATE TYPE ag.new_e AS ENUM ('x');
CREATE VIEW ag.v AS SELECT id, v FROM ag.t;
GRANT SELECT ON ag.v TO regress_ag_owner;
ALTER TABLE ag.t OWNER TO regress_ag_owner;
ALTER TABLE ag.new OWNER TO "regress ag 'o"" 2";
ALTER TYPE ag.new_e OWNER TO "regress ag 'o"" 2";
ALTER VIEW ag.v OWNER TO "regress ag 'o"" 2";$$);

-- a table given to the role it granted SELECT to, and back: the owner
-- changes after the revoke and before the grant, each way (ALTER ... OWNER
-- TO merges the new owner's grants into its own privileges, and a GRANT to
-- the owner is merged into them)
SELECT * FROM odiff(
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int);
ALTER TABLE ag.t OWNER TO regress_ag_owner;
GRANT SELECT ON ag.t TO "regress ag 'o"" 2";$$,
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int);
ALTER TABLE ag.t OWNER TO "regress ag 'o"" 2";
GRANT SELECT ON ag.t TO regress_ag_owner;$$);

-- a sequence that becomes owned by a column (it then has its table's
-- owner, and is no longer listed): no owner step, each way
SELECT * FROM odiff(
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int); ALTER TABLE ag.t OWNER TO regress_ag_owner;
CREATE SEQUENCE ag.s; ALTER SEQUENCE ag.s OWNER TO regress_ag_owner;$$,
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int); ALTER TABLE ag.t OWNER TO regress_ag_owner;
CREATE SEQUENCE ag.s; ALTER SEQUENCE ag.s OWNER TO regress_ag_owner; ALTER SEQUENCE ag.s OWNED BY ag.t.id;$$);
-- the same, with the sequence owned by another role than the table's: it
-- is given to the table's owner before OWNED BY (PostgreSQL wants it), and
-- back after OWNED BY NONE, each way; and a new sequence owned by a column
-- of a new table of another owner
SELECT * FROM odiff(
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int); ALTER TABLE ag.t OWNER TO "regress ag 'o"" 2";
CREATE SEQUENCE ag.s; ALTER SEQUENCE ag.s OWNER TO regress_ag_owner;$$,
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int); ALTER TABLE ag.t OWNER TO "regress ag 'o"" 2";
CREATE SEQUENCE ag.s; ALTER SEQUENCE ag.s OWNER TO "regress ag 'o"" 2"; ALTER SEQUENCE ag.s OWNED BY ag.t.id;
CREATE TABLE ag.n (id int); ALTER TABLE ag.n OWNER TO regress_ag_owner;
CREATE SEQUENCE ag.ns; ALTER SEQUENCE ag.ns OWNER TO regress_ag_owner; ALTER SEQUENCE ag.ns OWNED BY ag.n.id;$$);
-- a grant to the role that runs the migration, on a view made again and on
-- a table that goes: kept, each way (the owner is given back before the
-- grant is); only checked (the role's name differs between machines)
SELECT format($f$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int, v int); ALTER TABLE ag.t OWNER TO regress_ag_owner;
CREATE TABLE ag.gone (id int); ALTER TABLE ag.gone OWNER TO regress_ag_owner;
GRANT SELECT ON ag.gone TO %1$I;
CREATE VIEW ag.v AS SELECT id, v FROM ag.t; ALTER VIEW ag.v OWNER TO regress_ag_owner;
GRANT SELECT ON ag.v TO %1$I;$f$, current_user) AS a,
       format($f$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int, v int); ALTER TABLE ag.t OWNER TO regress_ag_owner;
CREATE VIEW ag.v AS SELECT v FROM ag.t; ALTER VIEW ag.v OWNER TO regress_ag_owner;
GRANT SELECT ON ag.v TO %1$I;$f$, current_user) AS b \gset
SELECT count(*) AS steps FROM odiff(:'a', :'b');
-- a serial's sequence renamed, with a grant on it that goes: the rename
-- comes first, before the revoke that names it as the target does
SELECT * FROM odiff(
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id serial); ALTER TABLE ag.t OWNER TO regress_ag_owner;
GRANT USAGE ON SEQUENCE ag.t_id_seq TO "regress ag 'o"" 2";$$,
$$CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id serial); ALTER TABLE ag.t OWNER TO regress_ag_owner;
ALTER SEQUENCE ag.t_id_seq RENAME TO n;$$);

-- a role that cannot create in the schema cannot be given a new object
-- there, and the step says so with the server's error: nothing is
-- granted by migrate itself (the steps run as the caller)
CREATE ROLE regress_ag_runner;
CREATE SCHEMA ag AUTHORIZATION regress_ag_owner;
CREATE TABLE ag.t (id int);
ALTER TABLE ag.t OWNER TO regress_ag_owner;
SELECT migrate_describe(ARRAY['ag'], false, true) AS a \gset
ALTER TABLE ag.t OWNER TO regress_ag_runner;
SELECT migrate_describe(ARRAY['ag'], false, true) AS b \gset
ALTER TABLE ag.t OWNER TO regress_ag_owner;
SET ROLE regress_ag_runner;
SELECT upgrade FROM migrate_diff(:'a', :'b') \gexec
RESET ROLE;
SELECT tableowner FROM pg_tables WHERE schemaname = 'ag';
DROP SCHEMA ag CASCADE;

DROP FUNCTION odiff(text, text), described_diff(text, text, boolean, boolean), diff(text, text), norm(jsonb);
SELECT format('REVOKE CREATE ON DATABASE %I FROM regress_ag_owner, %I', current_database(), 'regress ag ''o" 2') \gexec
DROP ROLE regress_ag_owner, "regress ag 'o"" 2", regress_ag_runner;

-- migrate_diff() and the kinds described through migrate.describe_kinds2:
-- collations, casts, operators, operator classes, publications, a table's
-- CLUSTER ON index.
-- Each diff is checked by running it both ways, as in autogen.sql; names
-- have quotes and spaces.  Publications belong to no schema: DROP SCHEMA
-- ag leaves them (without their tables), so each case that has one drops
-- it first.  CREATE PUBLICATION warns when wal_level is not logical: the
-- warnings are off.
\i test/sql/include/autogen_diff.sql
SET client_min_messages = error;

-- what the description holds
CREATE SCHEMA ag;
CREATE COLLATION ag."c ""1""" (locale = 'C');
CREATE COLLATION ag."ci q" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
COMMENT ON COLLATION ag."ci q" IS 'case-insensitive';
CREATE TYPE ag."E q" AS ENUM ('a', 'b');
CREATE FUNCTION ag.e2int(ag."E q") RETURNS int LANGUAGE sql IMMUTABLE AS $$SELECT 1$$;
CREATE CAST (ag."E q" AS int) WITH FUNCTION ag.e2int(ag."E q") AS ASSIGNMENT;
CREATE CAST (ag."E q" AS text) WITH INOUT;
COMMENT ON CAST (ag."E q" AS text) IS 'as text';
CREATE FUNCTION ag."eq f"(int, text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$SELECT $1::text = $2$$;
CREATE FUNCTION ag."eq f"(text, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$SELECT $2::text = $1$$;
CREATE OPERATOR ag.=== (FUNCTION = ag."eq f", LEFTARG = int, RIGHTARG = text,
    RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR ag.=== (FUNCTION = ag."eq f", LEFTARG = text, RIGHTARG = int);
COMMENT ON OPERATOR ag.=== (int, text) IS 'int is text';
CREATE TABLE ag."T q" (id int PRIMARY KEY, "v ""1""" text COLLATE ag."c ""1""", w int);
CREATE INDEX "w i" ON ag."T q" (w);
ALTER TABLE ag."T q" CLUSTER ON "w i";
CREATE PUBLICATION "p ""1""" FOR TABLE ag."T q" (id, "v ""1""") WHERE (id > 0) WITH (publish = 'insert, update');
CREATE PUBLICATION "s q" FOR TABLES IN SCHEMA ag WITH (publish_via_partition_root);
COMMENT ON PUBLICATION "s q" IS 'the schema''s';
SELECT jsonb_pretty(jsonb_build_object(
           'cluster_on', d->'tables'->'ag.T q'->'cluster_on',
           'collations', d->'collations', 'casts', d->'casts', 'operators', d->'operators',
           'publications', d->'publications'))
FROM migrate_describe(ARRAY['ag']) d;
DROP SCHEMA ag CASCADE;
DROP PUBLICATION "p ""1""", "s q";

-- everything new, each way: the collation before the table's column, the
-- operator after its function and before the check that uses it, the cast
-- after its function, the publication after its table, CLUSTER ON after
-- the index
SELECT * FROM diff(
$$DROP PUBLICATION IF EXISTS "p ""1"""; CREATE SCHEMA ag;$$,
$$DROP PUBLICATION IF EXISTS "p ""1"""; CREATE SCHEMA ag;
CREATE COLLATION ag."c ""1""" (locale = 'C');
COMMENT ON COLLATION ag."c ""1""" IS 'plain';
CREATE TYPE ag."E q" AS ENUM ('a', 'b');
CREATE FUNCTION ag.e2int(ag."E q") RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT 1$b$;
CREATE CAST (ag."E q" AS int) WITH FUNCTION ag.e2int(ag."E q") AS ASSIGNMENT;
CREATE FUNCTION ag."eq f"(int, text) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1::text = $2$b$;
CREATE OPERATOR ag.=== (FUNCTION = ag."eq f", LEFTARG = int, RIGHTARG = text);
CREATE TABLE ag."T q" (id int PRIMARY KEY, "v ""1""" text COLLATE ag."c ""1""", w int CHECK (w OPERATOR(ag.===) 'x'),
    e ag."E q" DEFAULT 'a');
CREATE INDEX "w i" ON ag."T q" (w);
ALTER TABLE ag."T q" CLUSTER ON "w i";
CREATE PUBLICATION "p ""1""" FOR TABLE ag."T q" (id, "v ""1""") WHERE (id > 0) WITH (publish = 'insert, update');$$);
SELECT * FROM diff(
$$DROP PUBLICATION IF EXISTS "p ""1"""; CREATE SCHEMA ag;
CREATE COLLATION ag."c ""1""" (locale = 'C');
CREATE TYPE ag."E q" AS ENUM ('a', 'b');
CREATE FUNCTION ag.e2int(ag."E q") RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT 1$b$;
CREATE CAST (ag."E q" AS int) WITH FUNCTION ag.e2int(ag."E q") AS ASSIGNMENT;
CREATE FUNCTION ag."eq f"(int, text) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1::text = $2$b$;
CREATE OPERATOR ag.=== (FUNCTION = ag."eq f", LEFTARG = int, RIGHTARG = text);
CREATE TABLE ag."T q" (id int PRIMARY KEY, "v ""1""" text COLLATE ag."c ""1""", w int CHECK (w OPERATOR(ag.===) 'x'));
CREATE INDEX "w i" ON ag."T q" (w);
ALTER TABLE ag."T q" CLUSTER ON "w i";
CREATE PUBLICATION "p ""1""" FOR TABLE ag."T q" (id, "v ""1""") WHERE (id > 0) WITH (publish = 'insert, update');$$,
$$DROP PUBLICATION IF EXISTS "p ""1"""; CREATE SCHEMA ag;$$);

-- collations: a nondeterministic ICU one, one changed (made again), a
-- comment changed, one that goes with the column using it
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE COLLATION ag.a (locale = 'C');
CREATE COLLATION ag.b (locale = 'POSIX');
COMMENT ON COLLATION ag.b IS 'b';
CREATE COLLATION ag."gone q" (locale = 'C');
CREATE TABLE ag.t (id int, g text COLLATE ag."gone q");$$,
$$CREATE SCHEMA ag;
CREATE COLLATION ag.a (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE COLLATION ag.b (locale = 'POSIX');
COMMENT ON COLLATION ag.b IS 'now b';
CREATE COLLATION ag."new q" (provider = icu, locale = 'de');
CREATE TABLE ag.t (id int, n text COLLATE ag."new q");$$);

-- operators: the function changes (made again), a comment, a pair of
-- commutators where one goes, one over a function made again (its result
-- type changes)
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE FUNCTION ag.f1(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 < $2$b$;
CREATE FUNCTION ag.f2(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 <= $2$b$;
CREATE FUNCTION ag.g(text, text) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 < $2$b$;
CREATE FUNCTION ag.h(text, text) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 > $2$b$;
CREATE OPERATOR ag.<<< (FUNCTION = ag.f1, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR ag.<<< (FUNCTION = ag.g, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR ag.>>> (FUNCTION = ag.h, LEFTARG = text, RIGHTARG = text);
CREATE FUNCTION ag.r(int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 > 0$b$;
CREATE OPERATOR ag.@@ (FUNCTION = ag.r, RIGHTARG = int);$$,
$$CREATE SCHEMA ag;
CREATE FUNCTION ag.f1(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 < $2$b$;
CREATE FUNCTION ag.f2(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 <= $2$b$;
CREATE FUNCTION ag.g(text, text) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 < $2$b$;
CREATE OPERATOR ag.<<< (FUNCTION = ag.f2, LEFTARG = int, RIGHTARG = int);
COMMENT ON OPERATOR ag.<<< (int, int) IS 'less ''or'' equal';
CREATE OPERATOR ag.<<< (FUNCTION = ag.g, LEFTARG = text, RIGHTARG = text);
CREATE FUNCTION ag.r(int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $b$SELECT $1 > 1$b$;
CREATE OPERATOR ag.@@ (FUNCTION = ag.r, RIGHTARG = int);
CREATE FUNCTION ag.r2(bigint) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT 1$b$;
CREATE OPERATOR ag.@@ (FUNCTION = ag.r2, RIGHTARG = bigint);$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE FUNCTION ag.r(int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 > 0$b$;
CREATE OPERATOR ag.@@ (FUNCTION = ag.r, RIGHTARG = int);$$,
$$CREATE SCHEMA ag;
CREATE FUNCTION ag.r(int) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT $1$b$;
CREATE OPERATOR ag.@@ (FUNCTION = ag.r, RIGHTARG = int);$$);

-- operator classes: a btree class over new operators and a function,
-- created before the index that uses it; one whose support function
-- changes (made again; an index over it would make that fail, and the
-- step says so); one that goes
SELECT * FROM diff(
$$CREATE SCHEMA ag;$$,
$$CREATE SCHEMA ag;
CREATE FUNCTION ag.lt(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 > $2$b$;
CREATE FUNCTION ag.le(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 >= $2$b$;
CREATE FUNCTION ag.eq(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 = $2$b$;
CREATE FUNCTION ag.ge(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 <= $2$b$;
CREATE FUNCTION ag.gt(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $b$SELECT $1 < $2$b$;
CREATE FUNCTION ag."cmp q"(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT btint4cmp($2, $1)$b$;
CREATE OPERATOR ag.<# (FUNCTION = ag.lt, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR ag.<=# (FUNCTION = ag.le, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR ag.=# (FUNCTION = ag.eq, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR ag.>=# (FUNCTION = ag.ge, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR ag.># (FUNCTION = ag.gt, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR CLASS ag."rev q" FOR TYPE int USING btree AS
    OPERATOR 1 ag.<#, OPERATOR 2 ag.<=#, OPERATOR 3 ag.=#, OPERATOR 4 ag.>=#, OPERATOR 5 ag.>#,
    FUNCTION 1 ag."cmp q"(int, int);
COMMENT ON OPERATOR CLASS ag."rev q" USING btree IS 'reversed';
CREATE TABLE ag.t (a int);
CREATE INDEX r ON ag.t (a ag."rev q");$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE FUNCTION ag.cmp(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT btint4cmp($2, $1)$b$;
CREATE FUNCTION ag.cmp2(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT btint4cmp($1, $2)$b$;
CREATE OPERATOR CLASS ag.c FOR TYPE int USING btree AS OPERATOR 1 <, OPERATOR 3 =, FUNCTION 1 ag.cmp(int, int);
CREATE OPERATOR CLASS ag.gone FOR TYPE int USING hash AS OPERATOR 1 =, FUNCTION 1 hashint4(int);$$,
$$CREATE SCHEMA ag;
CREATE FUNCTION ag.cmp(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT btint4cmp($2, $1)$b$;
CREATE FUNCTION ag.cmp2(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT btint4cmp($1, $2)$b$;
CREATE OPERATOR CLASS ag.c FOR TYPE int USING btree AS OPERATOR 1 <, OPERATOR 3 =, FUNCTION 1 ag.cmp2(int, int);$$);

-- casts: the context changes (made again), a comment, one between a
-- domain-free pair of user types that goes, one over a function made again
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TYPE ag."E q" AS ENUM ('a');
CREATE TYPE ag.f AS ENUM ('a');
CREATE CAST (ag."E q" AS text) WITH INOUT;
CREATE CAST (ag."E q" AS ag.f) WITH INOUT AS IMPLICIT;
CREATE FUNCTION ag.c(ag.f) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT 1$b$;
CREATE CAST (ag.f AS int) WITH FUNCTION ag.c(ag.f);$$,
$$CREATE SCHEMA ag;
CREATE TYPE ag."E q" AS ENUM ('a');
CREATE TYPE ag.f AS ENUM ('a');
CREATE CAST (ag."E q" AS text) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (ag."E q" AS text) IS 'to ''text''';
CREATE FUNCTION ag.c(ag.f) RETURNS bigint LANGUAGE sql IMMUTABLE AS $b$SELECT 1$b$;
CREATE CAST (ag.f AS bigint) WITH FUNCTION ag.c(ag.f);$$);

-- publications: options, tables added and removed, a column list and a
-- WHERE changed, a column it names changes type, schemas, a comment; one
-- whose table goes, one that becomes FOR TABLES IN SCHEMA
SELECT * FROM diff(
$$DROP PUBLICATION IF EXISTS "p ""1""", "s q", gone; CREATE SCHEMA ag;
CREATE TABLE ag."T q" (id int, "v ""1""" text, w int);
CREATE TABLE ag.u (id int, k int);
CREATE TABLE ag.x (id int);
CREATE PUBLICATION "p ""1""" FOR TABLE ag."T q" ("v ""1""", id), ag.u WHERE (k > 1) WITH (publish = 'insert');
CREATE PUBLICATION gone FOR TABLE ag.x;
COMMENT ON PUBLICATION gone IS 'goes';$$,
$$DROP PUBLICATION IF EXISTS "p ""1""", "s q", gone; CREATE SCHEMA ag;
CREATE TABLE ag."T q" (id int, "v ""1""" text, w int);
CREATE TABLE ag.u (id int, k bigint);
CREATE TABLE ag.n (id int);
CREATE PUBLICATION "p ""1""" FOR TABLE ag."T q" (id, w) WHERE (w IS NOT NULL), ag.u WHERE (k > 1), ag.n
    WITH (publish = 'insert, delete', publish_via_partition_root = true);
COMMENT ON PUBLICATION "p ""1""" IS 'p''s';
CREATE PUBLICATION "s q" FOR TABLES IN SCHEMA ag;$$);
DROP PUBLICATION IF EXISTS "p ""1""", "s q", gone;

-- CLUSTER ON: set, moved to another index, its index changed (made again),
-- on a primary key, reset, and on a table that goes
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag."T q" (id int PRIMARY KEY, a int, b int);
CREATE INDEX "a i" ON ag."T q" (a); CREATE INDEX b ON ag."T q" (b);
ALTER TABLE ag."T q" CLUSTER ON "a i";
CREATE TABLE ag.u (id int PRIMARY KEY, a int); CREATE INDEX ua ON ag.u (a);
ALTER TABLE ag.u CLUSTER ON ua;
CREATE TABLE ag.v (id int PRIMARY KEY); ALTER TABLE ag.v CLUSTER ON v_pkey;
CREATE TABLE ag.gone (id int PRIMARY KEY); ALTER TABLE ag.gone CLUSTER ON gone_pkey;$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag."T q" (id int PRIMARY KEY, a int, b int);
CREATE INDEX "a i" ON ag."T q" (a); CREATE INDEX b ON ag."T q" (b);
ALTER TABLE ag."T q" CLUSTER ON b;
CREATE TABLE ag.u (id int PRIMARY KEY, a int); CREATE INDEX ua ON ag.u (a, id);
ALTER TABLE ag.u CLUSTER ON ua;
CREATE TABLE ag.v (id int PRIMARY KEY);
CREATE TABLE ag.w (id int PRIMARY KEY); ALTER TABLE ag.w CLUSTER ON w_pkey;$$);

-- a description without the new objects (an older one) still diffs; a
-- malformed one is refused
SELECT count(*) FROM migrate_diff('{}', '{"operators": {}}');
\set SHOW_CONTEXT never
SELECT * FROM migrate_diff('{}', '{"publications": []}');
\set SHOW_CONTEXT errors

-- a composite type whose attributes change order is made again (ADD
-- ATTRIBUTE puts a new one last: the downgrade of a dropped first attribute
-- could not put it back first); one whose new attribute comes last is altered
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TYPE ag."C q" AS (a int, b text);$$,
$$CREATE SCHEMA ag;
CREATE TYPE ag."C q" AS (b text);$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TYPE ag."C q" AS (a int, b text);$$,
$$CREATE SCHEMA ag;
CREATE TYPE ag."C q" AS (b text, a int);$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TYPE ag."C q" AS (a int, b text);$$,
$$CREATE SCHEMA ag;
CREATE TYPE ag."C q" AS (a int, c bigint);$$);

-- a column made again (identity to serial) that owns a sequence of its
-- own: the sequence is let go of and taken back, not dropped with it; an
-- identity column that owns another sequence is described by its identity's
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);
CREATE SEQUENCE ag."s q" CACHE 20 OWNED BY ag.t.id;$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (id serial PRIMARY KEY);
CREATE SEQUENCE ag."s q" CACHE 20 OWNED BY ag.t.id;$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (id bigint PRIMARY KEY);
CREATE SEQUENCE ag."s q" CACHE 20 OWNED BY ag.t.id;$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE SEQUENCE ag."s q" CACHE 20 OWNED BY ag.t.id;$$);

DROP FUNCTION diff(text, text), norm(jsonb);

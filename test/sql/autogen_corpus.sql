-- migrate_diff() on pairs like those of other diff tools' test suites: each
-- case is a shape that used to fail the round trip.  Checked both ways by
-- the harness, as in autogen.sql; names have quotes and spaces.
\i test/sql/include/autogen_diff.sql

-- a serial whose sequence is not what CREATE TABLE makes for one (a bigint
-- sequence, a comment, other options) is described as a sequence of its
-- own, OWNED BY the column, with the column's nextval default
CREATE SCHEMA ag;
CREATE TABLE ag."T q" ("i d" serial);
ALTER SEQUENCE ag."T q_i d_seq" AS bigint MAXVALUE 9223372036854775807 CACHE 5;
COMMENT ON SEQUENCE ag."T q_i d_seq" IS 'the "key''s" sequence';
CREATE TABLE ag.plain (id serial);
SELECT jsonb_pretty(jsonb_build_object('sequences', d->'sequences',
           'columns', (SELECT jsonb_agg(c - 'uses' - 'comment' - 'generated' - 'identity' - 'collation' ORDER BY k)
                       FROM jsonb_each(d->'tables') t(k, v), jsonb_array_elements(v->'columns') c)))
FROM migrate_describe(ARRAY['ag']) d;
DROP SCHEMA ag CASCADE;

-- a new table with such a serial: its sequence first, OWNED BY once the
-- column exists
SELECT * FROM diff($$CREATE SCHEMA ag;$$,
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" ("i d" serial);
ALTER SEQUENCE ag."T q_i d_seq" AS bigint MAXVALUE 9223372036854775807 START 10 RESTART 10;
COMMENT ON SEQUENCE ag."T q_i d_seq" IS 'the "key''s" sequence';$$);

-- a serial whose sequence is let go of (kept, OWNED BY NONE, still the
-- default): the column stays, only its sequence changes hands
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" ("i d" serial PRIMARY KEY);$$,
$$CREATE SCHEMA ag; CREATE SEQUENCE ag."T q_i d_seq";
CREATE TABLE ag."T q" ("i d" integer NOT NULL DEFAULT nextval('ag."T q_i d_seq"') PRIMARY KEY);$$);

-- and one table's serial whose sequence becomes another table's serial's
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.a (id serial); CREATE SEQUENCE ag.b_id_seq;
CREATE TABLE ag.b (id integer NOT NULL DEFAULT nextval('ag.b_id_seq'));$$,
$$CREATE SCHEMA ag; CREATE SEQUENCE ag.a_id_seq;
CREATE TABLE ag.a (id integer NOT NULL DEFAULT nextval('ag.a_id_seq')); CREATE TABLE ag.b (id serial);$$);

-- the comment of a key's own index: on a new table, changed, dropped, and
-- back with a key made again
SELECT * FROM diff($$CREATE SCHEMA ag;$$,
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (id int CONSTRAINT "the ""pk""" PRIMARY KEY, u int UNIQUE);
COMMENT ON INDEX ag."the ""pk""" IS 'the key''s index';
COMMENT ON CONSTRAINT "the ""pk""" ON ag."T q" IS 'the key';$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (id int CONSTRAINT "the ""pk""" PRIMARY KEY, u int UNIQUE);
COMMENT ON INDEX ag."the ""pk""" IS 'old';
COMMENT ON INDEX ag."T q_u_key" IS 'unique';$$,
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (id int CONSTRAINT "the ""pk""" PRIMARY KEY, u int UNIQUE);
COMMENT ON INDEX ag."the ""pk""" IS 'new';$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (id int CONSTRAINT "the ""pk""" PRIMARY KEY);
COMMENT ON INDEX ag."the ""pk""" IS 'kept';$$,
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (id int, j int, CONSTRAINT "the ""pk""" PRIMARY KEY (id, j));
COMMENT ON INDEX ag."the ""pk""" IS 'kept';$$);

-- a column from one enum to another (no cast between enums: through text),
-- and an array of one
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TYPE ag."E 1" AS ENUM ('x', 'y'); CREATE TYPE ag."E 2" AS ENUM ('x', 'y', 'z');
CREATE TABLE ag.t ("c q" ag."E 1", l ag."E 1"[]);$$,
$$CREATE SCHEMA ag; CREATE TYPE ag."E 1" AS ENUM ('x', 'y'); CREATE TYPE ag."E 2" AS ENUM ('x', 'y', 'z');
CREATE TABLE ag.t ("c q" ag."E 2", l ag."E 2"[]);$$);

-- a function whose argument is renamed, used by a default:
-- CREATE OR REPLACE cannot rename it, so it is dropped (after its users)
-- and created again
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE FUNCTION ag."f q"("a 1" int, b text) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT $1$b$;
CREATE TABLE ag.t (v int DEFAULT ag."f q"(1, 'x'));$$,
$$CREATE SCHEMA ag; CREATE FUNCTION ag."f q"("a ""2""" int, b text) RETURNS int LANGUAGE sql IMMUTABLE AS $b$SELECT $1$b$;
CREATE TABLE ag.t (v int DEFAULT ag."f q"(1, 'x'));$$);

-- a sequence's MINVALUE raised above its current value: the value is moved
-- up to it first (ALTER SEQUENCE refuses a bound above it)
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE SEQUENCE ag."s ""q""" START 1;$$,
$$CREATE SCHEMA ag; CREATE SEQUENCE ag."s ""q""" MINVALUE 500 START 500;$$);

DROP FUNCTION diff(text, text), norm(jsonb);

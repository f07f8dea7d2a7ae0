-- One schema, one verdict: every change that migrate_describe() (and so
-- migrate_diff and migrate-check) sees also changes the fingerprint, so that
-- migrate-check cannot say the models match while migrate_status() says the
-- schema changed since the last migration, or the other way round.  Each
-- statement below is a change of one kind the description covers; each is
-- undone, and both must come back.  Names carry quotes, spaces and newlines.
SET client_min_messages = warning;
SET migrate.guard = off;

CREATE SCHEMA "fc ""s""";
SET search_path = "fc ""s""", public;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN word AS text;
CREATE TYPE pair AS (a int, b text);
CREATE FUNCTION float8_minus(float8, float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 - $2';
CREATE TYPE span AS RANGE (subtype = float8);
CREATE TABLE "t ""1""" (id int PRIMARY KEY, "b
x" text, c int, m mood);
CREATE INDEX t_c ON "t ""1""" (c);
CREATE UNIQUE INDEX t_c_u ON "t ""1""" (c);
ALTER TABLE "t ""1""" ALTER c SET NOT NULL;
CREATE VIEW v AS SELECT id, c FROM "t ""1""";
CREATE MATERIALIZED VIEW mv AS SELECT id FROM "t ""1""";
CREATE FUNCTION f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER tg BEFORE INSERT ON "t ""1""" FOR EACH ROW EXECUTE FUNCTION trg();
CREATE FUNCTION evt() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END';
CREATE FUNCTION sum_state(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2';
CREATE FUNCTION max_state(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT greatest($1, $2)';
CREATE AGGREGATE agg(int) (sfunc = sum_state, stype = int);
CREATE FUNCTION eq(pair, pair) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1.a = $2.a';
CREATE OPERATOR === (leftarg = pair, rightarg = pair, function = eq);
CREATE FUNCTION pair_text(pair) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1.b';
CREATE SEQUENCE seq;
CREATE TABLE pub_t (id int PRIMARY KEY, c int);
-- (17 and later warn that wal_level is not logical)
SET client_min_messages = error;
CREATE PUBLICATION "p ""1""" FOR TABLE pub_t;
SET client_min_messages = warning;
ALTER TABLE "t ""1""" ENABLE ROW LEVEL SECURITY;
CREATE POLICY pol ON "t ""1""" USING (c > 0);

CREATE FUNCTION seen(stmt text, undo text, OUT describe boolean, OUT fingerprint boolean)
LANGUAGE plpgsql AS $$
DECLARE
    d0 jsonb := migrate_describe();
    f0 text := migrate.schema_fingerprint();
    d1 jsonb;
    f1 text;
BEGIN
    EXECUTE stmt;
    d1 := migrate_describe();
    f1 := migrate.schema_fingerprint();
    EXECUTE undo;
    IF migrate_describe() <> d0 OR migrate.schema_fingerprint() <> f0 THEN
        RAISE EXCEPTION 'undo of "%" did not restore the schema', stmt;
    END IF;
    describe := d1 <> d0;
    fingerprint := f1 <> f0;
END $$;

SELECT kind, (seen(stmt, undo)).* FROM (VALUES
    ('unlogged', 'ALTER TABLE "t ""1""" SET UNLOGGED', 'ALTER TABLE "t ""1""" SET LOGGED'),
    ('storage parameter', 'ALTER TABLE "t ""1""" SET (fillfactor = 70)', 'ALTER TABLE "t ""1""" RESET (fillfactor)'),
    ('toast parameter', 'ALTER TABLE "t ""1""" SET (toast.autovacuum_enabled = false)',
     'ALTER TABLE "t ""1""" RESET (toast.autovacuum_enabled)'),
    ('replica identity full', 'ALTER TABLE "t ""1""" REPLICA IDENTITY FULL', 'ALTER TABLE "t ""1""" REPLICA IDENTITY DEFAULT'),
    ('replica identity index', 'ALTER TABLE "t ""1""" REPLICA IDENTITY USING INDEX t_c_u',
     'ALTER TABLE "t ""1""" REPLICA IDENTITY DEFAULT'),
    ('force row security', 'ALTER TABLE "t ""1""" FORCE ROW LEVEL SECURITY', 'ALTER TABLE "t ""1""" NO FORCE ROW LEVEL SECURITY'),
    ('column storage', 'ALTER TABLE "t ""1""" ALTER "b
x" SET STORAGE EXTERNAL', 'ALTER TABLE "t ""1""" ALTER "b
x" SET STORAGE EXTENDED'),
    ('column statistics', 'ALTER TABLE "t ""1""" ALTER c SET STATISTICS 500', 'ALTER TABLE "t ""1""" ALTER c SET STATISTICS -1'),
    ('view option', 'ALTER VIEW v SET (security_barrier)', 'ALTER VIEW v RESET (security_barrier)'),
    ('check option', 'ALTER VIEW v SET (check_option = local)', 'ALTER VIEW v RESET (check_option)'),
    ('cluster on', 'ALTER TABLE "t ""1""" CLUSTER ON t_c', 'ALTER TABLE "t ""1""" SET WITHOUT CLUSTER'),
    ('rule', 'CREATE RULE "r ""1""" AS ON DELETE TO v DO INSTEAD NOTHING', 'DROP RULE "r ""1""" ON v'),
    ('rule disabled', 'CREATE RULE r2 AS ON UPDATE TO "t ""1""" DO ALSO NOTIFY x; ALTER TABLE "t ""1""" DISABLE RULE r2',
     'DROP RULE r2 ON "t ""1"""'),
    ('event trigger', 'CREATE EVENT TRIGGER "e ""1""" ON ddl_command_end EXECUTE FUNCTION evt()', 'DROP EVENT TRIGGER "e ""1"""'),
    ('event trigger tags', 'CREATE EVENT TRIGGER e2 ON ddl_command_end WHEN TAG IN (''CREATE TABLE'') EXECUTE FUNCTION evt()',
     'DROP EVENT TRIGGER e2'),
    ('statistics', 'CREATE STATISTICS st (ndistinct) ON id, c FROM "t ""1"""', 'DROP STATISTICS st'),
    ('statistics target', 'CREATE STATISTICS st ON id, c FROM "t ""1"""; ALTER STATISTICS st SET STATISTICS 50',
     'DROP STATISTICS st'),
    ('collation', 'CREATE COLLATION "c ""1""" (provider = libc, locale = ''C'')', 'DROP COLLATION "c ""1"""'),
    ('cast', 'CREATE CAST (pair AS text) WITH FUNCTION pair_text(pair)', 'DROP CAST (pair AS text)'),
    ('operator', 'CREATE OPERATOR !== (leftarg = pair, rightarg = pair, function = eq)', 'DROP OPERATOR !== (pair, pair)'),
    ('operator class', 'CREATE OPERATOR CLASS pc FOR TYPE pair USING hash AS OPERATOR 1 ===',
     'DROP OPERATOR FAMILY pc USING hash'),
    ('publication table', 'CREATE TABLE pt (id int PRIMARY KEY); ALTER PUBLICATION "p ""1""" ADD TABLE pt',
     'DROP TABLE pt'),
    ('publication where', 'ALTER PUBLICATION "p ""1""" SET TABLE pub_t WHERE (c > 1)',
     'ALTER PUBLICATION "p ""1""" SET TABLE pub_t'),
    ('publication options', 'ALTER PUBLICATION "p ""1""" SET (publish = ''insert'')',
     'ALTER PUBLICATION "p ""1""" SET (publish = ''insert, update, delete, truncate'')'),
    ('aggregate', 'CREATE OR REPLACE AGGREGATE agg(int) (sfunc = max_state, stype = int)',
     'CREATE OR REPLACE AGGREGATE agg(int) (sfunc = sum_state, stype = int)'),
    ('domain collation', 'DROP DOMAIN word; CREATE DOMAIN word AS text COLLATE "C"', 'DROP DOMAIN word; CREATE DOMAIN word AS text'),
    ('domain check', 'ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 100)', 'ALTER DOMAIN posint DROP CONSTRAINT small'),
    ('range subtype diff', 'DROP TYPE span; CREATE TYPE span AS RANGE (subtype = float8, subtype_diff = float8_minus)',
     'DROP TYPE span; CREATE TYPE span AS RANGE (subtype = float8)'),
    ('enum value renamed', 'ALTER TYPE mood RENAME VALUE ''ok'' TO ''fine''', 'ALTER TYPE mood RENAME VALUE ''fine'' TO ''ok'''),
    ('composite attribute', 'ALTER TYPE pair ADD ATTRIBUTE c int', 'ALTER TYPE pair DROP ATTRIBUTE c'),
    ('sequence option', 'ALTER SEQUENCE seq CACHE 10', 'ALTER SEQUENCE seq CACHE 1'),
    ('policy', 'ALTER POLICY pol ON "t ""1""" USING (c > 1)', 'ALTER POLICY pol ON "t ""1""" USING (c > 0)'),
    ('trigger disabled', 'ALTER TABLE "t ""1""" DISABLE TRIGGER tg', 'ALTER TABLE "t ""1""" ENABLE TRIGGER tg'),
    ('matview index', 'CREATE INDEX mv_id ON mv (id)', 'DROP INDEX mv_id'),
    -- comments on every kind
    ('comment on schema', 'COMMENT ON SCHEMA "fc ""s""" IS ''s''', 'COMMENT ON SCHEMA "fc ""s""" IS NULL'),
    ('comment on type', 'COMMENT ON TYPE mood IS ''it''''s
new''', 'COMMENT ON TYPE mood IS NULL'),
    ('comment on domain', 'COMMENT ON DOMAIN posint IS ''d''', 'COMMENT ON DOMAIN posint IS NULL'),
    ('comment on domain check', 'COMMENT ON CONSTRAINT posint_check ON DOMAIN posint IS ''d''',
     'COMMENT ON CONSTRAINT posint_check ON DOMAIN posint IS NULL'),
    ('comment on function', 'COMMENT ON FUNCTION f(int) IS ''$$ f''', 'COMMENT ON FUNCTION f(int) IS NULL'),
    ('comment on aggregate', 'COMMENT ON AGGREGATE agg(int) IS ''a''', 'COMMENT ON AGGREGATE agg(int) IS NULL'),
    ('comment on sequence', 'COMMENT ON SEQUENCE seq IS ''s''', 'COMMENT ON SEQUENCE seq IS NULL'),
    ('comment on index', 'COMMENT ON INDEX t_c IS ''i''', 'COMMENT ON INDEX t_c IS NULL'),
    ('comment on constraint', 'COMMENT ON CONSTRAINT "t ""1""_pkey" ON "t ""1""" IS ''k''',
     'COMMENT ON CONSTRAINT "t ""1""_pkey" ON "t ""1""" IS NULL'),
    ('comment on trigger', 'COMMENT ON TRIGGER tg ON "t ""1""" IS ''t''', 'COMMENT ON TRIGGER tg ON "t ""1""" IS NULL'),
    ('comment on policy', 'COMMENT ON POLICY pol ON "t ""1""" IS ''p''', 'COMMENT ON POLICY pol ON "t ""1""" IS NULL'),
    ('comment on matview column', 'COMMENT ON COLUMN mv.id IS ''c''', 'COMMENT ON COLUMN mv.id IS NULL'),
    ('comment on composite attribute', 'COMMENT ON COLUMN pair.a IS ''c''', 'COMMENT ON COLUMN pair.a IS NULL'),
    ('comment on operator', 'COMMENT ON OPERATOR === (pair, pair) IS ''o''', 'COMMENT ON OPERATOR === (pair, pair) IS NULL'),
    ('comment on publication', 'COMMENT ON PUBLICATION "p ""1""" IS ''p''', 'COMMENT ON PUBLICATION "p ""1""" IS NULL'),
    ('comment on rule', 'CREATE RULE r3 AS ON DELETE TO v DO INSTEAD NOTHING; COMMENT ON RULE r3 ON v IS ''r''',
     'DROP RULE r3 ON v'),
    ('comment on statistics', 'CREATE STATISTICS st ON id, c FROM "t ""1"""; COMMENT ON STATISTICS st IS ''s''',
     'DROP STATISTICS st')
) AS t(kind, stmt, undo)
ORDER BY kind;

-- the lines they make, all at once (undone by the savepoint)
BEGIN;
ALTER TABLE "t ""1""" SET (fillfactor = 70, toast.autovacuum_enabled = false), FORCE ROW LEVEL SECURITY,
    REPLICA IDENTITY USING INDEX t_c_u, ALTER c SET STATISTICS 500, ALTER "b
x" SET STORAGE EXTERNAL;
ALTER VIEW v SET (security_barrier);
CREATE RULE "r ""1""" AS ON DELETE TO v DO INSTEAD NOTHING;
CREATE EVENT TRIGGER "e ""1""" ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION evt();
CREATE STATISTICS st (ndistinct) ON id, c FROM "t ""1""";
CREATE COLLATION "c ""1""" (provider = libc, locale = 'C');
CREATE CAST (pair AS text) WITH FUNCTION pair_text(pair);
CREATE OPERATOR CLASS pc FOR TYPE pair USING hash AS OPERATOR 1 ===;
ALTER PUBLICATION "p ""1""" SET TABLE pub_t (id, c) WHERE (c > 1);
COMMENT ON PUBLICATION "p ""1""" IS E'it''s\n$$';
COMMENT ON TRIGGER tg ON "t ""1""" IS 't';
SELECT line FROM migrate.schema_description() line
WHERE line ~ '^(rule|event trigger|statistics|collation|cast|operator|publication|comment) '
   OR line ~ '^relation "fc ""s"""\.("t ""1"""|v) '
   OR line ~ '^column "fc ""s"""\."t ""1""" (c|"b)'
   OR line ~ '^index .* t_c_u ';
ROLLBACK;
SET search_path = "fc ""s""", public;

-- the members of an extension (cube comments its type and functions) say
-- nothing, their comments neither, in whatever schema it is installed
SELECT migrate.schema_fingerprint() AS before_extension \gset
CREATE EXTENSION cube SCHEMA "fc ""s""";
SELECT line FROM migrate.schema_description() line WHERE line LIKE '%cube%';
DROP EXTENSION cube;
SELECT migrate.schema_fingerprint() = :'before_extension' AS same_without_it;

-- an aggregate whose initial value passes 1 MB is described by its md5 and
-- catalog fields (CREATE AGGREGATE would double its quotes: a table owner's
-- 512 MB of quotes made every fingerprint fail), and a change to it shows
CREATE FUNCTION big_init(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE OR REPLACE AGGREGATE big(text) (sfunc = textcat, stype = text, initcond = %L)', repeat('''', n));
END $$;
SELECT big_init(1048576);
SELECT line = 'function "fc ""s""".big(text) a ' || md5(migrate.aggregate_ddl('big(text)'::regprocedure)) AS by_definition
FROM migrate.schema_description() line WHERE line LIKE 'function "fc ""s""".big(%';
SELECT big_init(1048577);
SELECT line = 'function "fc ""s""".big(text) a ' || md5(migrate.aggregate_ddl('big(text)'::regprocedure)) AS by_definition
FROM migrate.schema_description() line WHERE line LIKE 'function "fc ""s""".big(%';
SELECT migrate.schema_fingerprint() AS big1 \gset
SELECT big_init(1048578);
SELECT migrate.schema_fingerprint() <> :'big1' AS long_initcond_change_shows;
DROP AGGREGATE big(text);
DROP FUNCTION big_init(int);

-- a shell operator left by a commutator dropped says nothing: pg_dump does
-- not make it again
SELECT migrate.schema_fingerprint() AS before_shell \gset
CREATE OPERATOR ## (leftarg = int, rightarg = int, function = int4pl, commutator = @@);
DROP OPERATOR ## (int, int);
SELECT migrate.schema_fingerprint() = :'before_shell' AS shell_says_nothing;
DROP OPERATOR @@ (int, int);

-- nor do the comments pg_dump leaves out (a view's own rule, an array type)
SELECT migrate.schema_fingerprint() AS before_undumped \gset
COMMENT ON RULE "_RETURN" ON v IS 'r';
COMMENT ON TYPE _mood IS 'a';
SELECT migrate.schema_fingerprint() = :'before_undumped' AS undumped_comments_say_nothing;
COMMENT ON RULE "_RETURN" ON v IS NULL;
COMMENT ON TYPE _mood IS NULL;

RESET search_path;
DROP PUBLICATION "p ""1""";
DROP SCHEMA "fc ""s""" CASCADE;

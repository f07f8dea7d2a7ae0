-- migrate_diff() and the kinds described through migrate.describe_kinds:
-- rules (on tables and views), event triggers, table properties (UNLOGGED,
-- storage parameters, REPLICA IDENTITY), column STORAGE and STATISTICS,
-- view options, extended statistics.  Each diff is checked by running it
-- both ways, as in autogen.sql; names have quotes and spaces.
\i test/sql/include/autogen_diff.sql

-- what the description holds
CREATE SCHEMA ag;
CREATE UNLOGGED TABLE ag."T ""q""" (id int PRIMARY KEY, "b ""x""" text, c int)
    WITH (fillfactor = 70, toast.autovacuum_enabled = false);
ALTER TABLE ag."T ""q""" ALTER c SET STATISTICS 500, ALTER "b ""x""" SET STORAGE EXTERNAL,
    REPLICA IDENTITY USING INDEX "T ""q""_pkey";
CREATE VIEW ag."V q" WITH (security_barrier, check_option = local) AS SELECT id, c FROM ag."T ""q""" WHERE c > 0;
CREATE RULE "r ""1""" AS ON DELETE TO ag."V q" DO INSTEAD DELETE FROM ag."T ""q""" WHERE id = old.id;
CREATE STATISTICS ag."s ""1""" (ndistinct) ON id, c FROM ag."T ""q""";
CREATE FUNCTION ag.evt() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;
CREATE EVENT TRIGGER "e ""t""" ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'drop table') EXECUTE FUNCTION ag.evt();
ALTER EVENT TRIGGER "e ""t""" DISABLE;
SELECT jsonb_pretty(jsonb_build_object(
           'table', (d->'tables'->'ag.T "q"') - 'columns' - 'constraints' - 'indexes' - 'policies',
           'columns', d->'tables'->'ag.T "q"'->'columns',
           'view options', d->'views'->'ag.V q'->'options',
           'rules', d->'rules', 'statistics', d->'statistics', 'event_triggers', d->'event_triggers'))
FROM migrate_describe(ARRAY['ag']) d;
DROP SCHEMA ag CASCADE;

-- table properties: a new table with all of them, each way
SELECT * FROM diff(
$$CREATE SCHEMA ag;$$,
$$CREATE SCHEMA ag;
CREATE UNLOGGED TABLE ag."T q" (id int, "c ""1""" text, k int NOT NULL) WITH (fillfactor = 60, autovacuum_enabled = off);
CREATE UNIQUE INDEX "k ix" ON ag."T q" (k);
ALTER TABLE ag."T q" REPLICA IDENTITY USING INDEX "k ix", ALTER "c ""1""" SET STORAGE MAIN, ALTER id SET STATISTICS 300;$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE UNLOGGED TABLE ag."T q" (id int, "c ""1""" text, k int NOT NULL) WITH (fillfactor = 60, autovacuum_enabled = off);
CREATE UNIQUE INDEX "k ix" ON ag."T q" (k);
ALTER TABLE ag."T q" REPLICA IDENTITY USING INDEX "k ix", ALTER "c ""1""" SET STORAGE MAIN, ALTER id SET STATISTICS 300;$$,
$$CREATE SCHEMA ag;$$);
-- and changed on a table that stays: logged, options changed, added and
-- reset, the replica identity index dropped (reset before it goes)
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE UNLOGGED TABLE ag.t (id int, "c ""1""" text, k int NOT NULL) WITH (fillfactor = 60, autovacuum_enabled = off);
CREATE UNIQUE INDEX "k ix" ON ag.t (k);
ALTER TABLE ag.t REPLICA IDENTITY USING INDEX "k ix", ALTER "c ""1""" SET STORAGE MAIN, ALTER id SET STATISTICS 300;$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (id int, "c ""1""" text, k int NOT NULL) WITH (fillfactor = 80, toast.autovacuum_enabled = off);
ALTER TABLE ag.t REPLICA IDENTITY FULL, ALTER "c ""1""" SET STORAGE EXTERNAL, ALTER k SET STATISTICS 10;$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (id int, k int NOT NULL);
ALTER TABLE ag.t REPLICA IDENTITY NOTHING;$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (id int, k int NOT NULL);$$);
-- UNLOGGED and LOGGED between tables that reference each other: the foreign
-- keys to and from a table whose persistence changes go first and come back
-- after (PostgreSQL checks them against it), each way
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.p (id int PRIMARY KEY);
CREATE TABLE ag."c q" (id int PRIMARY KEY, p int REFERENCES ag.p);
CREATE TABLE ag.gone (c int REFERENCES ag."c q");$$,
$$CREATE SCHEMA ag; CREATE UNLOGGED TABLE ag.p (id int PRIMARY KEY);
CREATE UNLOGGED TABLE ag."c q" (id int PRIMARY KEY, p int REFERENCES ag.p);
CREATE UNLOGGED TABLE ag.new (c int REFERENCES ag."c q");$$);
-- STORAGE and STATISTICS change in place: the view over the table stays
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int, v text);
CREATE VIEW ag.v AS SELECT id, v FROM ag.t;$$,
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int, v text);
ALTER TABLE ag.t ALTER v SET STORAGE EXTERNAL, ALTER id SET STATISTICS 0;
CREATE VIEW ag.v AS SELECT id, v FROM ag.t;$$);
-- a column whose type changes takes its new type's storage: reset before
-- (for the downgrade), set after (the view goes and comes back for the type)
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int, v text, w text);
ALTER TABLE ag.t ALTER v SET STORAGE MAIN, ALTER w SET STORAGE EXTERNAL;
CREATE VIEW ag.v AS SELECT id, v FROM ag.t;$$,
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int, v text, w character varying(10));
ALTER TABLE ag.t ALTER v SET STORAGE EXTERNAL, ALTER w SET STORAGE EXTERNAL, ALTER id SET STATISTICS 0;
CREATE VIEW ag.v AS SELECT id, v FROM ag.t;$$);
-- a column with them that goes, and one made again (serial to integer)
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id serial, v text, gone text);
ALTER TABLE ag.t ALTER v SET STORAGE MAIN, ALTER gone SET STORAGE EXTERNAL, ALTER gone SET STATISTICS 5,
    ALTER id SET STATISTICS 7;$$,
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id integer, v text);
ALTER TABLE ag.t ALTER v SET STORAGE MAIN, ALTER id SET STATISTICS 7;$$);
-- index storage parameters are part of the index's definition
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int); CREATE INDEX i ON ag.t (id);$$,
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int); CREATE INDEX i ON ag.t (id) WITH (fillfactor = 50);$$);

-- view options: created with the view, changed in place, reset
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int);$$,
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int);
CREATE VIEW ag."V ""q""" WITH (security_barrier = true, security_invoker = true) AS SELECT id FROM ag.t WHERE id > 0 WITH CASCADED CHECK OPTION;$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int);
CREATE VIEW ag."V ""q""" WITH (security_barrier = true) AS SELECT id FROM ag.t WHERE id > 0 WITH LOCAL CHECK OPTION;
CREATE MATERIALIZED VIEW ag.m AS SELECT id FROM ag.t;$$,
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int);
CREATE VIEW ag."V ""q""" WITH (security_invoker = true) AS SELECT id FROM ag.t WHERE id > 0;
CREATE MATERIALIZED VIEW ag.m WITH (fillfactor = 90) AS SELECT id FROM ag.t;$$);

-- rules: on a table (into another table) and on a view, disabled, with a
-- comment; created, dropped, changed, enabled
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (id int, v text); CREATE TABLE ag.log (id int);
CREATE VIEW ag.v AS SELECT id, v FROM ag."T q";$$,
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (id int, v text); CREATE TABLE ag.log (id int);
CREATE VIEW ag.v AS SELECT id, v FROM ag."T q";
CREATE RULE "keep ""it""" AS ON DELETE TO ag."T q" DO ALSO INSERT INTO ag.log VALUES (old.id);
CREATE RULE ins AS ON INSERT TO ag.v DO INSTEAD INSERT INTO ag."T q" VALUES (new.id, new.v);
ALTER TABLE ag."T q" DISABLE RULE "keep ""it""";
COMMENT ON RULE ins ON ag.v IS 'the view''s insert';$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (id int, v text); CREATE TABLE ag.log (id int);
CREATE VIEW ag.v AS SELECT id, v FROM ag."T q";
CREATE RULE "keep ""it""" AS ON DELETE TO ag."T q" DO ALSO INSERT INTO ag.log VALUES (old.id);
CREATE RULE ins AS ON INSERT TO ag.v DO INSTEAD INSERT INTO ag."T q" VALUES (new.id, new.v);
ALTER TABLE ag."T q" DISABLE RULE "keep ""it""";$$,
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (id int, v text); CREATE TABLE ag.log (id int);
CREATE VIEW ag.v AS SELECT id, v FROM ag."T q";
CREATE RULE "keep ""it""" AS ON DELETE TO ag."T q" DO ALSO INSERT INTO ag.log VALUES (old.id + 1);
CREATE RULE ins AS ON INSERT TO ag.v DO INSTEAD INSERT INTO ag."T q" VALUES (new.id, new.v);
COMMENT ON RULE ins ON ag.v IS 'now with a comment';$$);
-- a rule over a table that goes, and over a column whose type changes
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int, v text); CREATE TABLE ag.log (id int);
CREATE RULE r AS ON DELETE TO ag.t DO ALSO INSERT INTO ag.log VALUES (old.id);$$,
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id bigint, v text);$$);
-- a view made again (its definition changes) takes its rule with it
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int, v text);
CREATE VIEW ag.v AS SELECT id FROM ag.t;
CREATE RULE ins AS ON INSERT TO ag.v DO INSTEAD INSERT INTO ag.t VALUES (new.id);$$,
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id int, v text);
CREATE VIEW ag.v AS SELECT id, v FROM ag.t;
CREATE RULE ins AS ON INSERT TO ag.v DO INSTEAD INSERT INTO ag.t VALUES (new.id);$$);

-- extended statistics: kinds, expressions, a target, a comment
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (a int, "b ""q""" int, c text);$$,
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (a int, "b ""q""" int, c text);
CREATE STATISTICS ag."s ""1""" (ndistinct, dependencies) ON a, "b ""q""" FROM ag."T q";
CREATE STATISTICS ag.e ON (a + "b ""q"""), lower(c) FROM ag."T q";
ALTER STATISTICS ag.e SET STATISTICS 200;
COMMENT ON STATISTICS ag."s ""1""" IS 'a and b';$$);
-- changed: a kind added (made again), the target reset, one over a column
-- whose type changes (made again), one that goes
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (a int, "b ""q""" int, c text);
CREATE STATISTICS ag."s ""1""" (ndistinct) ON a, "b ""q""" FROM ag."T q";
CREATE STATISTICS ag.e ON (a + "b ""q"""), lower(c) FROM ag."T q";
ALTER STATISTICS ag.e SET STATISTICS 200;
CREATE STATISTICS ag.gone ON a, c FROM ag."T q";$$,
$$CREATE SCHEMA ag; CREATE TABLE ag."T q" (a bigint, "b ""q""" int, c text);
CREATE STATISTICS ag."s ""1""" (ndistinct, mcv) ON a, "b ""q""" FROM ag."T q";
CREATE STATISTICS ag.e ON (a + "b ""q"""), lower(c) FROM ag."T q";$$);
-- over a column made again (serial to bigint), which goes last: the
-- columns are written in name order, so the statistics read the same
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id serial, b int); CREATE STATISTICS ag.s ON id, b FROM ag.t;$$,
$$CREATE SCHEMA ag; CREATE TABLE ag.t (id bigint, b int); CREATE STATISTICS ag.s ON id, b FROM ag.t;$$);
-- a table that goes with its statistics
SELECT * FROM diff(
$$CREATE SCHEMA ag; CREATE TABLE ag.t (a int, b int); CREATE STATISTICS ag.s ON a, b FROM ag.t;$$,
$$CREATE SCHEMA ag;$$);

-- event triggers: WHEN TAG IN, disabled, a comment; created, changed,
-- enabled, dropped (the events and tags changed: made again)
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE FUNCTION ag."f q"() RETURNS event_trigger LANGUAGE plpgsql AS $b$BEGIN END$b$;$$,
$$CREATE SCHEMA ag;
CREATE FUNCTION ag."f q"() RETURNS event_trigger LANGUAGE plpgsql AS $b$BEGIN END$b$;
CREATE EVENT TRIGGER "e ""1""" ON ddl_command_start WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE') EXECUTE FUNCTION ag."f q"();
CREATE EVENT TRIGGER e2 ON sql_drop EXECUTE FUNCTION ag."f q"();
ALTER EVENT TRIGGER e2 DISABLE;
COMMENT ON EVENT TRIGGER e2 IS 'on drops';$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE FUNCTION ag."f q"() RETURNS event_trigger LANGUAGE plpgsql AS $b$BEGIN END$b$;
CREATE EVENT TRIGGER "e ""1""" ON ddl_command_start WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE') EXECUTE FUNCTION ag."f q"();
CREATE EVENT TRIGGER e2 ON sql_drop EXECUTE FUNCTION ag."f q"();
ALTER EVENT TRIGGER e2 DISABLE;
CREATE EVENT TRIGGER gone ON ddl_command_end EXECUTE FUNCTION ag."f q"();$$,
$$CREATE SCHEMA ag;
CREATE FUNCTION ag."f q"() RETURNS event_trigger LANGUAGE plpgsql AS $b$BEGIN END$b$;
CREATE EVENT TRIGGER "e ""1""" ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION ag."f q"();
CREATE EVENT TRIGGER e2 ON sql_drop EXECUTE FUNCTION ag."f q"();
ALTER EVENT TRIGGER e2 ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER e2 IS 'on drops';$$);

-- a description without the new objects (an older one) still diffs; a
-- malformed one is refused
SELECT count(*) FROM migrate_diff('{}', '{"rules": {}}');
-- (no CONTEXT: its line number in migrate_diff moves with every edit)
\set SHOW_CONTEXT never
SELECT * FROM migrate_diff('{}', '{"rules": []}');
\set SHOW_CONTEXT errors

DROP FUNCTION diff(text, text), norm(jsonb);

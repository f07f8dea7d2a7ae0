-- The guard decides what is temporary from the catalog, never from a name:
-- objects whose names contain " on pg_temp." are recorded and refused like
-- any other, and real temporary objects (rules, triggers, policies,
-- defaults and columns of temporary tables too) stay out of band.
SET client_min_messages = warning;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;

CREATE FUNCTION gt_trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE FUNCTION gt_make() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE public."a on pg_temp.b" (id int);
    CREATE SCHEMA "s on pg_temp.";
    CREATE TABLE "s on pg_temp.".t (id int);
    CREATE TABLE gt_host (id int, "c on pg_temp.x" int DEFAULT 1);
    CREATE POLICY "p on pg_temp.x" ON gt_host USING (true);
    CREATE TRIGGER "t on pg_temp.x" BEFORE INSERT ON gt_host FOR EACH ROW EXECUTE FUNCTION gt_trg();
    CREATE RULE "r on pg_temp.x" AS ON UPDATE TO gt_host DO INSTEAD NOTHING;
END $$;
-- what a drop of each of them records
CREATE FUNCTION gt_drops() RETURNS TABLE (command_tag text, object_type text, object_identity text)
LANGUAGE sql AS $$
    SELECT command_tag, object_type, object_identity FROM migrate_drift()
    WHERE command_tag LIKE 'DROP%' OR command_tag = 'ALTER TABLE' ORDER BY id
$$;

-- log: every drop is recorded
SELECT gt_make();
DROP TABLE public."a on pg_temp.b";
DROP POLICY "p on pg_temp.x" ON gt_host;
DROP TRIGGER "t on pg_temp.x" ON gt_host;
DROP RULE "r on pg_temp.x" ON gt_host;
ALTER TABLE gt_host ALTER COLUMN "c on pg_temp.x" DROP DEFAULT;
ALTER TABLE gt_host DROP COLUMN "c on pg_temp.x";
DROP SCHEMA "s on pg_temp." CASCADE;
SELECT * FROM gt_drops();
DROP TABLE gt_host;

-- error: every drop is refused, and each object is still there
SELECT gt_make();
SET migrate.guard = error;
DROP TABLE public."a on pg_temp.b";
DROP SCHEMA "s on pg_temp." CASCADE;
DROP POLICY "p on pg_temp.x" ON gt_host;
DROP TRIGGER "t on pg_temp.x" ON gt_host;
DROP RULE "r on pg_temp.x" ON gt_host;
ALTER TABLE gt_host ALTER COLUMN "c on pg_temp.x" DROP DEFAULT;
ALTER TABLE gt_host DROP COLUMN "c on pg_temp.x";
SELECT to_regclass('public."a on pg_temp.b"') IS NOT NULL AS table_kept,
       to_regclass('"s on pg_temp.".t') IS NOT NULL AS schema_kept,
       (SELECT count(*) FROM pg_policy WHERE polrelid = 'gt_host'::regclass) AS policies,
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'gt_host'::regclass) AS triggers,
       (SELECT count(*) FROM pg_rewrite WHERE ev_class = 'gt_host'::regclass) AS rules,
       (SELECT count(*) FROM pg_attrdef WHERE adrelid = 'gt_host'::regclass) AS defaults,
       (SELECT count(*) FROM pg_attribute WHERE attrelid = 'gt_host'::regclass
                                            AND attname = 'c on pg_temp.x') AS columns;

-- error still lets temporary objects through, and the same drops of theirs
-- (a rule has no schema of its own: its table is temporary)
CREATE TEMP TABLE gt_tmp (id int, c int DEFAULT 1);
CREATE POLICY "p on pg_temp.x" ON gt_tmp USING (true);
CREATE TRIGGER "t on pg_temp.x" BEFORE INSERT ON gt_tmp FOR EACH ROW EXECUTE FUNCTION gt_trg();
CREATE RULE "r on pg_temp.x" AS ON UPDATE TO gt_tmp DO INSTEAD NOTHING;
CREATE RULE gt_tmp_rule AS ON DELETE TO gt_tmp DO INSTEAD NOTHING;
CREATE TEMP VIEW gt_tmp_v AS SELECT id FROM gt_tmp;
CREATE RULE gt_tmp_v_rule AS ON INSERT TO gt_tmp_v DO INSTEAD NOTHING;
DROP POLICY "p on pg_temp.x" ON gt_tmp;
DROP TRIGGER "t on pg_temp.x" ON gt_tmp;
DROP RULE "r on pg_temp.x" ON gt_tmp;
DROP RULE gt_tmp_rule ON gt_tmp;
DROP RULE gt_tmp_v_rule ON gt_tmp_v;
ALTER TABLE gt_tmp ALTER COLUMN c DROP DEFAULT;
ALTER TABLE gt_tmp DROP COLUMN c;
DROP VIEW gt_tmp_v;
DROP TABLE gt_tmp;
RESET migrate.guard;
-- and under log, nothing of theirs is recorded
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;
CREATE TEMP TABLE gt_tmp (id int, c int DEFAULT 1);
CREATE RULE gt_tmp_rule AS ON DELETE TO gt_tmp DO INSTEAD NOTHING;
CREATE POLICY gt_tmp_pol ON gt_tmp USING (true);
DROP RULE gt_tmp_rule ON gt_tmp;
DROP POLICY gt_tmp_pol ON gt_tmp;
ALTER TABLE gt_tmp DROP COLUMN c;
DROP TABLE gt_tmp;
SELECT count(*) AS recorded FROM migrate_drift();

SET migrate.guard = off;
DROP TABLE public."a on pg_temp.b", gt_host;
DROP SCHEMA "s on pg_temp." CASCADE;
DROP FUNCTION gt_trg(), gt_make(), gt_drops();
RESET migrate.guard;
TRUNCATE migrate.drift;

-- The schema description behind the fingerprint: deterministic, canonical,
-- blind to what does not change the schema (creation order, dropped
-- columns, owners) and to migrate's own objects and temporary ones.
SET client_min_messages = warning;
SET migrate.guard = off;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint;

CREATE FUNCTION make_schema() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE SCHEMA fp;
    CREATE TYPE fp.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN fp.posint AS integer NOT NULL CHECK (VALUE > 0);
    CREATE TABLE fp.parent (
        id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code  text COLLATE "C" NOT NULL UNIQUE,
        mood  fp.mood DEFAULT 'ok',
        n     fp.posint,
        big   numeric(10, 2) CHECK (big >= 0),
        twice int GENERATED ALWAYS AS (n * 2) STORED
    );
    CREATE TABLE fp.child (
        id        serial PRIMARY KEY,
        parent_id bigint REFERENCES fp.parent (id) ON DELETE CASCADE,
        at        timestamptz DEFAULT '2024-01-01 12:00:00+00',
        EXCLUDE USING btree (parent_id WITH =) WHERE (parent_id > 100)
    );
    CREATE INDEX child_at ON fp.child (at DESC) WHERE at IS NOT NULL;
    CREATE INDEX child_expr ON fp.child (lower(parent_id::text));
    CREATE SEQUENCE fp.standalone START 10 INCREMENT 5;
    CREATE VIEW fp.v AS SELECT p.code, count(c.id) AS children
        FROM fp.parent p LEFT JOIN fp.child c ON c.parent_id = p.id GROUP BY p.code;
    CREATE MATERIALIZED VIEW fp.mv AS SELECT code FROM fp.parent;
    COMMENT ON TABLE fp.parent IS 'parents';
    COMMENT ON COLUMN fp.parent.code IS 'the code';
    CREATE FUNCTION fp.f(a int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + 1';
    CREATE FUNCTION fp.trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
    CREATE TRIGGER child_trg BEFORE INSERT ON fp.child FOR EACH ROW EXECUTE FUNCTION fp.trg();
    ALTER TABLE fp.child ENABLE ROW LEVEL SECURITY;
    CREATE POLICY child_pol ON fp.child USING (parent_id IS NOT NULL);
END $$;

SELECT make_schema();
SELECT * FROM migrate.schema_description() line
WHERE line NOT LIKE 'function fp.%';
-- functions are described by a hash of their definition
SELECT line ~ '^function fp\.f\(integer\) f [0-9a-f]{32}$' AS function_line
FROM migrate.schema_description() line WHERE line LIKE 'function fp.f(%';
SELECT migrate.schema_fingerprint() AS first \gset
-- the md5 of the lines joined by newlines, as 1.1 computed it in SQL (the
-- lines are hashed as they come now): stored fingerprints stay comparable
SELECT :'first' = (SELECT md5(coalesce(string_agg(line, E'\n'), ''))
                   FROM migrate.schema_description() line) AS same_as_string_agg;

-- the same schema made again gives the same fingerprint, even with a
-- dropped column left behind and temporary objects around
DROP SCHEMA fp CASCADE;
SELECT migrate.schema_fingerprint() = :'first' AS same_when_gone;
SELECT make_schema();
ALTER TABLE fp.child ADD COLUMN gone int;
ALTER TABLE fp.child DROP COLUMN gone;
CREATE TEMP TABLE fp_temp (id int);
SELECT migrate.schema_fingerprint() = :'first' AS same_again;

-- each kind of change shows
CREATE FUNCTION changed(stmt text, undo text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    before text := migrate.schema_fingerprint();
    after text;
BEGIN
    EXECUTE stmt;
    after := migrate.schema_fingerprint();
    EXECUTE undo;
    IF migrate.schema_fingerprint() <> before THEN
        RAISE EXCEPTION 'undo of "%" did not restore the fingerprint', stmt;
    END IF;
    RETURN after <> before;
END $$;
SELECT stmt, changed(stmt, undo) FROM (VALUES
    ('ALTER TABLE fp.child ADD COLUMN extra int', 'ALTER TABLE fp.child DROP COLUMN extra'),
    ('ALTER TABLE fp.child ALTER COLUMN at SET DEFAULT now()',
     $$ALTER TABLE fp.child ALTER COLUMN at SET DEFAULT '2024-01-01 12:00:00+00'$$),
    ('ALTER TABLE fp.parent ALTER COLUMN mood SET NOT NULL', 'ALTER TABLE fp.parent ALTER COLUMN mood DROP NOT NULL'),
    ('ALTER TABLE fp.parent ALTER COLUMN big TYPE numeric(12, 2)', 'ALTER TABLE fp.parent ALTER COLUMN big TYPE numeric(10, 2)'),
    ('DROP INDEX fp.child_at', 'CREATE INDEX child_at ON fp.child (at DESC) WHERE at IS NOT NULL'),
    ('ALTER TABLE fp.child RENAME CONSTRAINT child_parent_id_fkey TO fk',
     'ALTER TABLE fp.child RENAME CONSTRAINT fk TO child_parent_id_fkey'),
    ('COMMENT ON COLUMN fp.parent.code IS NULL', $$COMMENT ON COLUMN fp.parent.code IS 'the code'$$),
    ('CREATE OR REPLACE FUNCTION fp.f(a int) RETURNS int LANGUAGE sql IMMUTABLE AS ''SELECT a + 2''',
     'CREATE OR REPLACE FUNCTION fp.f(a int) RETURNS int LANGUAGE sql IMMUTABLE AS ''SELECT a + 1'''),
    ('ALTER SEQUENCE fp.standalone INCREMENT 6', 'ALTER SEQUENCE fp.standalone INCREMENT 5'),
    ('ALTER TABLE fp.child DISABLE TRIGGER child_trg', 'ALTER TABLE fp.child ENABLE TRIGGER child_trg'),
    ('ALTER TABLE fp.child DISABLE ROW LEVEL SECURITY', 'ALTER TABLE fp.child ENABLE ROW LEVEL SECURITY'),
    ('CREATE TABLE fp.new ()', 'DROP TABLE fp.new'),
    ('CREATE OR REPLACE VIEW fp.v AS SELECT p.code, count(c.id) AS children, 1 AS one FROM fp.parent p LEFT JOIN fp.child c ON c.parent_id = p.id GROUP BY p.code',
     'DROP VIEW fp.v; CREATE VIEW fp.v AS SELECT p.code, count(c.id) AS children FROM fp.parent p LEFT JOIN fp.child c ON c.parent_id = p.id GROUP BY p.code')
) AS t(stmt, undo);
-- a comment over 1 MB is described by its md5, so that no line needs memory
-- in proportion to a comment (any table owner may write one); up to 1 MB it
-- is quoted as it always was
SELECT migrate.schema_fingerprint() AS before_comments \gset
DO $$ BEGIN EXECUTE format('COMMENT ON TABLE fp.child IS %L', repeat('''', 1048576)); END $$;
SELECT line = 'comment table fp.child ' || quote_literal(repeat('''', 1048576)) AS quoted
FROM migrate.schema_description() line WHERE line LIKE 'comment table fp.child %';
DO $$ BEGIN EXECUTE format('COMMENT ON TABLE fp.child IS %L', repeat('''', 1048577)); END $$;
SELECT line = 'comment table fp.child md5 ' || md5(repeat('''', 1048577)) AS hashed
FROM migrate.schema_description() line WHERE line LIKE 'comment table fp.child %';
-- and a change to it shows like any other
SELECT changed(format('COMMENT ON TABLE fp.child IS %L', repeat('''', 1048576) || 'y'),
               format('COMMENT ON TABLE fp.child IS %L', repeat('''', 1048577))) AS long_comment_change_shows;
COMMENT ON TABLE fp.child IS NULL;
SELECT migrate.schema_fingerprint() = :'before_comments' AS same_without_it;

-- and what is not the schema does not
SELECT stmt, changed(stmt, undo) FROM (VALUES
    ('INSERT INTO fp.parent (code, n) VALUES (''a'', 1)', 'DELETE FROM fp.parent'),
    ('ANALYZE fp.child', 'SELECT 1'),
    ('CREATE TEMP TABLE t2 (id int)', 'DROP TABLE t2')
) AS t(stmt, undo);

-- settings that change how values print do not change it
SELECT migrate.schema_fingerprint() AS before_settings \gset
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
SET search_path = fp, public;
SET quote_all_identifiers = on;
SELECT migrate.schema_fingerprint() = :'before_settings' AS same_under_other_settings;
RESET ALL;
SET client_min_messages = warning;
SET migrate.guard = off;

-- every call that moves the state records the fingerprint after it
SELECT migrate_revision('f1', '{}', 'CREATE TABLE fp.by_migration (id int)', 'DROP TABLE fp.by_migration', 'f1');
SELECT revision FROM migrate_upgrade('head');
SELECT count(*) AS fingerprints, bool_and(fingerprint = migrate.schema_fingerprint()) AS matches
FROM migrate.fingerprint;
SELECT revision FROM migrate_upgrade('head');   -- nothing to do: nothing recorded
SELECT count(*) AS fingerprints FROM migrate.fingerprint;
SELECT migrate_stamp('base');
SELECT count(*) AS fingerprints FROM migrate.fingerprint;

DROP SCHEMA fp CASCADE;
DROP FUNCTION make_schema(), changed(text, text);
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;

-- Lines of the schema description stay short whatever a table owner writes
-- into a trigger's arguments or a function's body: pg_get_triggerdef doubles
-- every quote of the arguments, so a table owner (allowed under the default
-- guard, log) who gave a trigger two arguments of 280 MB of quotes made the
-- trigger's line pass 1 GB, and every migrate_status() and migrate_upgrade()
-- failed with "out of memory" in the fingerprint (issue 10 item 13, through
-- a trigger instead of a comment).  Past 1 MB such a trigger or function is
-- described by the md5 of its arguments or body and its catalog fields.
SET client_min_messages = warning;
SET migrate.guard = off;
CREATE SCHEMA dl;
CREATE TABLE dl.t (id int);
CREATE FUNCTION dl.trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE FUNCTION pg_temp.args(n int) RETURNS text LANGUAGE sql
AS $$ SELECT '$q$' || repeat('''', n) || '$q$, $q$' || repeat('x', n) || '$q$' $$;
CREATE FUNCTION pg_temp.longest() RETURNS int LANGUAGE sql
AS $$ SELECT max(octet_length(l)) FROM migrate.schema_description() l WHERE l ~ '^(trigger|function) ' $$;

-- small: the definition as PostgreSQL writes it
DO $$ BEGIN EXECUTE format('CREATE TRIGGER small BEFORE INSERT ON dl.t FOR EACH ROW EXECUTE FUNCTION dl.trg(%s)', pg_temp.args(3)); END $$;
SELECT l FROM migrate.schema_description() l WHERE l ~ '^trigger ' ORDER BY 1;
DROP TRIGGER small ON dl.t;

-- large: a short line, which changes with the arguments
DO $$ BEGIN EXECUTE format('CREATE TRIGGER large BEFORE INSERT ON dl.t FOR EACH ROW EXECUTE FUNCTION dl.trg(%s)', pg_temp.args(1100000)); END $$;
SELECT pg_temp.longest() < 1000 AS short;
SELECT migrate.schema_fingerprint() AS before \gset
SELECT l FROM migrate.schema_description() l WHERE l ~ '^trigger ' ORDER BY 1;
DROP TRIGGER large ON dl.t;
DO $$ BEGIN EXECUTE format('CREATE TRIGGER large BEFORE INSERT ON dl.t FOR EACH ROW EXECUTE FUNCTION dl.trg(%s)', pg_temp.args(1100001)); END $$;
SELECT migrate.schema_fingerprint() <> :'before' AS arguments_seen;
DROP TRIGGER large ON dl.t;
CREATE TRIGGER large BEFORE INSERT OR UPDATE ON dl.t FOR EACH ROW EXECUTE FUNCTION dl.trg();
SELECT migrate.schema_fingerprint() <> :'before' AS events_seen;

-- a function over 1 MB: its line holds an md5 as before, which follows the body
-- and its catalog fields
DO $$ BEGIN EXECUTE format('CREATE FUNCTION dl.big() RETURNS text LANGUAGE sql AS %L', 'SELECT ' || quote_literal(repeat('y', 1100000))); END $$;
SELECT migrate.schema_fingerprint() AS fbefore \gset
SELECT l FROM migrate.schema_description() l WHERE l ~ '^function dl\.big' ORDER BY 1;
DO $$ BEGIN EXECUTE format('CREATE OR REPLACE FUNCTION dl.big() RETURNS text LANGUAGE sql AS %L', 'SELECT ' || quote_literal(repeat('z', 1100000))); END $$;
SELECT migrate.schema_fingerprint() <> :'fbefore' AS body_seen;
ALTER FUNCTION dl.big() STABLE;
SELECT l FROM migrate.schema_description() l WHERE l ~ '^function dl\.big' ORDER BY 1;

DROP SCHEMA dl CASCADE;
RESET migrate.guard;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;

-- How bodies run (script.c): statement by statement like an extension
-- script, each body inside its own GUC nest level, rows sent nowhere, and
-- errors that point at the failing statement and say what the failure
-- rolled back.
SET client_min_messages = warning;

CREATE TABLE eng_seen (rev text, search_path text, datestyle text, work_mem text, lock_timeout text);

-- a SET in a body lasts until the end of that body: SET, SET LOCAL and
-- set_config() alike; the later statements of the body see it
SELECT migrate_revision('g1', '{}', $$
    SET search_path = nowhere;
    SET LOCAL datestyle = 'German';
    SELECT set_config('work_mem', '7MB', false);
    INSERT INTO public.eng_seen SELECT 'g1', current_setting('search_path'),
        current_setting('datestyle'), current_setting('work_mem'), current_setting('lock_timeout');
$$, 'SELECT 1', 'sets');
SELECT migrate_revision('g2', '{g1}', $$
    INSERT INTO public.eng_seen SELECT 'g2', current_setting('search_path'),
        current_setting('datestyle'), current_setting('work_mem'), current_setting('lock_timeout');
$$, 'SELECT 1', 'looks');
SHOW search_path;
BEGIN;
SELECT revision FROM migrate_upgrade('head');
-- not even SET LOCAL outlives the body inside the caller's transaction
SHOW search_path;
SHOW datestyle;
SHOW work_mem;
COMMIT;
SHOW search_path;

-- applying the two together is applying them one by one
SELECT revision FROM migrate_downgrade('base');
SELECT revision FROM migrate_upgrade('g1');
SELECT revision FROM migrate_upgrade('g2');
SELECT rev, search_path, datestyle, work_mem, count(*) FROM eng_seen GROUP BY 1, 2, 3, 4 ORDER BY 1;
SELECT revision FROM migrate_downgrade('base');

-- migrate.lock_timeout is the body's lock_timeout, and only the body's
SHOW migrate.lock_timeout;
SHOW migrate.lock_retries;
TRUNCATE eng_seen;
SET migrate.lock_timeout = '1500ms';
SELECT revision FROM migrate_upgrade('head');
SELECT rev, lock_timeout FROM eng_seen ORDER BY 1;
SHOW lock_timeout;
RESET migrate.lock_timeout;
\set VERBOSITY sqlstate
SET migrate.lock_retries = -1;
\set VERBOSITY default
SELECT revision FROM migrate_downgrade('base');
TRUNCATE migrate.revision, migrate.applied, migrate.log;

-- each statement sees the ones before it; dollar-quoted and SQL-standard
-- function bodies, DO blocks, semicolons in strings, comments and quoted
-- names do not end a statement
SELECT migrate_revision('f1', '{}', $body$
    -- a comment; with a semicolon
    CREATE TABLE eng_t (id int PRIMARY KEY, "odd;name" text DEFAULT 'a;b');
    CREATE FUNCTION eng_plpgsql(x int) RETURNS int LANGUAGE plpgsql AS $f$
    BEGIN
        RETURN x + 1;  -- ; inside
    END $f$;
    CREATE FUNCTION eng_atomic(x int) RETURNS int LANGUAGE sql
    BEGIN ATOMIC
        SELECT CASE WHEN x > 0 THEN x ELSE 0 END;
    END;
    CREATE OR REPLACE PROCEDURE eng_proc(x int) LANGUAGE sql
    BEGIN ATOMIC
        INSERT INTO eng_t VALUES (x, 'from ' || 'proc;');
        INSERT INTO eng_t VALUES (x + 100, E'it''s\';');
    END;
    /* a block comment; still nothing */
    DO $do$ BEGIN PERFORM eng_plpgsql(1); INSERT INTO eng_t (id) VALUES (eng_atomic(5)); END $do$;
    CALL eng_proc(7);
    CREATE VIEW eng_v AS SELECT count(*) AS n FROM eng_t;
    INSERT INTO eng_t (id) SELECT n + 1000 FROM eng_v;;;
$body$, $$DROP VIEW eng_v; DROP PROCEDURE eng_proc(int); DROP FUNCTION eng_atomic(int), eng_plpgsql(int); DROP TABLE eng_t$$, 'functions');
SELECT revision FROM migrate_upgrade('f1');
SELECT id, "odd;name" FROM eng_t ORDER BY id;
SELECT eng_plpgsql(41), eng_atomic(-3);

-- each statement is split with the settings the body set before it
SELECT migrate_revision('f1b', '{f1}', $b$
    SET standard_conforming_strings = off;
    INSERT INTO eng_t VALUES (8, 'a\'b;c');
    RESET standard_conforming_strings;
    INSERT INTO eng_t VALUES (9, 'd\e');
$b$, 'DELETE FROM eng_t WHERE id IN (8, 9)', 'string settings');
SELECT revision FROM migrate_upgrade('f1b');
SELECT id, "odd;name" FROM eng_t WHERE id IN (8, 9) ORDER BY id;

-- rows of a SELECT are discarded, but every row is computed
CREATE SEQUENCE eng_calls;
SELECT migrate_revision('f2', '{f1b}', $$SELECT nextval('eng_calls'), repeat('x', 1000) FROM generate_series(1, 5000)$$, 'SELECT 1', 'backfill');
SELECT revision FROM migrate_upgrade('f2');
SELECT last_value AS rows_computed FROM eng_calls;
-- a body of only comments and empty statements runs nothing
SELECT migrate_revision('f3', '{f2}', E'-- nothing\n;\n/* here */ ;', E'-- nothing either', 'empty');
SELECT revision FROM migrate_upgrade('f3');

-- an error names the revision, the statement's number and line, and shows
-- that statement only
SELECT migrate_revision('x1', '{f3}', $$
    INSERT INTO eng_t (id) VALUES (2001);

    INSERT INTO eng_t (id) VALUES (2002);
    INSERT INTO eng_t (id)
        VALUES (1/0);
    INSERT INTO eng_t (id) VALUES (2003);
$$, 'SELECT 1', 'divides by zero');
SELECT * FROM migrate_upgrade('x1');
-- a long statement is cut
SELECT migrate_revision('x1', '{f3}', 'SELECT 1; SELECT 1/0' || repeat(' + 1', 200), 'SELECT 1', 'long');
SELECT * FROM migrate_upgrade('x1');
-- a syntax error points into the statement, at its line in the body
SELECT migrate_revision('x1', '{f3}', E'SELECT 1;\nSELECT 2;\n\nCREATE TABLE eng_bad (id int,, x int);\nSELECT 3;', 'SELECT 1', 'syntax');
SELECT * FROM migrate_upgrade('x1');
-- and so does an unterminated string, found while splitting the body
SELECT migrate_revision('x1', '{f3}', E'SELECT 1;\nSELECT ''never closed;\nSELECT 3;', 'SELECT 1', 'unterminated');
SELECT * FROM migrate_upgrade('x1');
-- quotes and a newline in the revision's message are shown as they are
SELECT migrate_revision('x1', '{f3}', 'SELECT 1/0', 'SELECT 1', E'it''s "odd"\nsecond line');
SELECT * FROM migrate_upgrade('x1');

-- a failure says what it rolled back: the earlier steps of the call, the
-- first five by name
SELECT migrate_revision('s' || i, CASE WHEN i = 1 THEN '{x1}' ELSE ARRAY['s' || (i - 1)] END,
                        format('INSERT INTO eng_t (id) VALUES (%s)', 3000 + i), 'SELECT 1', 'step ' || i)
FROM generate_series(1, 7) i;
SELECT migrate_revision('x1', '{f3}', 'SELECT 1', 'SELECT 1', 'fixed');
SELECT migrate_revision('s8', '{s7}', 'INSERT INTO eng_t (id) VALUES (2001); INSERT INTO eng_t (id) VALUES (2001)', 'SELECT 1', 'duplicate');
SELECT * FROM migrate_upgrade('s8');
SELECT (SELECT count(*) FROM eng_t WHERE id > 2000) AS rows_left, (SELECT string_agg(r, ',') FROM migrate_current() r) AS current;
SELECT migrate_forget('s8');

-- transaction control is refused, with its SQLSTATE
SELECT migrate_revision('x2', '{s7}', 'INSERT INTO eng_t (id) VALUES (4000); COMMIT', 'SELECT 1', 'commits');
SELECT * FROM migrate_upgrade('x2');
-- a BEGIN first is refused at registration (nontx); later in a body, by the engine
SELECT migrate_revision('x2', '{s7}', 'BEGIN', 'SELECT 1', 'begins');
SELECT migrate_revision('x2', '{s7}', 'SELECT 1; SAVEPOINT sp', 'SELECT 1', 'savepoint');
\set VERBOSITY sqlstate
SELECT * FROM migrate_upgrade('x2');
\set VERBOSITY default
-- a procedure's COMMIT is refused by PostgreSQL itself
SELECT migrate_revision('x2', '{s7}', $$CREATE PROCEDURE eng_commits() LANGUAGE plpgsql AS 'BEGIN COMMIT; END'; CALL eng_commits()$$, 'SELECT 1', 'commits inside');
SELECT * FROM migrate_upgrade('x2');
-- statements that refuse a transaction block, with the hint
SELECT migrate_revision('x2', '{s7}', 'VACUUM eng_t', 'SELECT 1', 'vacuum');
\set VERBOSITY sqlstate
SELECT * FROM migrate_upgrade('x2');
\set VERBOSITY default
-- COPY from or to the client cannot work inside the server
SELECT migrate_revision('x2', '{s7}', E'COPY eng_t (id) FROM STDIN;\n1\n\\.', 'SELECT 1', 'copy in');
SELECT * FROM migrate_upgrade('x2');
SELECT migrate_revision('x2', '{s7}', 'COPY eng_t TO STDOUT', 'SELECT 1', 'copy out');
SELECT * FROM migrate_upgrade('x2');
SELECT migrate_forget('x2');
SELECT to_regproc('eng_commits') AS no_procedure;

SELECT revision FROM migrate_downgrade('base');
DROP TABLE eng_seen;
DROP SEQUENCE eng_calls;
TRUNCATE migrate.revision, migrate.applied, migrate.log;

-- REINDEX ... CONCURRENTLY commits as it goes, like the other CONCURRENTLY
-- commands.  Event triggers see REINDEX from PostgreSQL 17: there it is
-- refused before it starts under migrate.guard = error, and under log it
-- runs unrecorded, as a routine command that changes no definition (see
-- guard_routine) (expected/guard_reindex.out, run on 17.10 and 18.4); on 15
-- and 16 it reaches no event trigger and is neither refused nor recorded
-- (expected/guard_reindex_1.out).
SET client_min_messages = warning;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;
CREATE FUNCTION pg_temp.indexes() RETURNS TABLE (index text, valid boolean)
LANGUAGE sql AS $$
    SELECT i.indexrelid::regclass::text, i.indisvalid
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
    WHERE c.relname = 'gr_acct' AND c.relnamespace = 'public'::regnamespace
    ORDER BY 1
$$;
SELECT migrate_revision('gr1', '{}', 'CREATE TABLE gr_acct (email text); CREATE UNIQUE INDEX gr_acct_email_key ON gr_acct (email)',
                        'DROP TABLE gr_acct', 'gr1');
SELECT revision FROM migrate_upgrade('head');
INSERT INTO gr_acct VALUES ('a@example.com');

SET migrate.guard = error;
REINDEX INDEX CONCURRENTLY gr_acct_email_key;
REINDEX TABLE CONCURRENTLY gr_acct;
REINDEX (CONCURRENTLY) TABLE gr_acct;
-- nothing half done: no _ccnew or _ccold index, the unique index enforces
SELECT * FROM pg_temp.indexes();
INSERT INTO gr_acct VALUES ('a@example.com');
SELECT count(*) AS recorded FROM migrate_drift();
-- on a temporary table it always runs
CREATE TEMP TABLE gr_tmp (id int PRIMARY KEY);
REINDEX TABLE CONCURRENTLY gr_tmp;

SET migrate.guard = log;
REINDEX INDEX CONCURRENTLY gr_acct_email_key;
SELECT command_tag, object_type, object_identity FROM migrate_drift();
SELECT * FROM pg_temp.indexes();
SELECT schema_matches FROM migrate_status();

RESET migrate.guard;
SELECT revision FROM migrate_downgrade('base');
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;

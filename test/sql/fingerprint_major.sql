-- Each fingerprint records the PostgreSQL major it was taken on: the schema
-- description's deparsed text differs between majors (16 stopped qualifying
-- a single-table view's columns), so after a dump and restore or a
-- pg_upgrade into another major a different fingerprint says "not
-- comparable" (NULL and a NOTICE), an equal one still says true, and on the
-- same major a different one says false.
SET migrate.guard = off;
SET client_min_messages = warning;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint;
SELECT migrate_revision('fm1', '{}', 'CREATE TABLE fm_t (id int); CREATE VIEW fm_v AS SELECT id FROM fm_t',
                        'DROP VIEW fm_v; DROP TABLE fm_t', 'a view');
SELECT count(*) FROM migrate_upgrade('heads');
-- taken on this server's major
SELECT server_major = current_setting('server_version_num')::int / 10000 AS this_major,
       fingerprint = migrate.schema_fingerprint() AS this_schema
FROM migrate.fingerprint;
SELECT schema_matches FROM migrate_status();

-- as if taken on an older major: equal still matches
UPDATE migrate.fingerprint SET server_major = 9;
SELECT schema_matches FROM migrate_status();
-- different: not comparable, not "changed"
UPDATE migrate.fingerprint SET fingerprint = md5('another major''s text');
SET client_min_messages = notice;
SELECT schema_matches IS NULL AS not_comparable FROM migrate_status();
SET client_min_messages = warning;
-- on this major, the same difference is a change
UPDATE migrate.fingerprint SET server_major = current_setting('server_version_num')::int / 10000;
SELECT schema_matches FROM migrate_status();
-- a fingerprint from before 1.2 (no major) is compared as before
UPDATE migrate.fingerprint SET server_major = NULL;
SELECT schema_matches FROM migrate_status();

-- the next migration on this major records a comparable fingerprint again
UPDATE migrate.fingerprint SET server_major = 9;
SELECT migrate_revision('fm2', '{fm1}', 'CREATE TABLE fm_u ()', 'DROP TABLE fm_u', 'one more');
SELECT count(*) FROM migrate_upgrade('heads');
SELECT schema_matches FROM migrate_status();
SELECT count(*) AS rows, count(*) FILTER (WHERE server_major = current_setting('server_version_num')::int / 10000) AS this_major
FROM migrate.fingerprint;
SELECT count(*) FROM migrate_downgrade('base');
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint;

-- Non-transactional revisions: registration, the stop of migrate_upgrade()
-- and migrate_downgrade() before them, the deploy commands, and the step
-- calls' checks.  The psql recipe itself runs in test/nontx.sh (pg_regress
-- runs every line in one session, and CONCURRENTLY needs top-level commands).
SET client_min_messages = warning;
SET migrate.guard = off;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;

-- a transactional body wrapped in BEGIN/COMMIT, as written for psql -f
SELECT migrate_revision('n0', '{}', E'-- header\nBEGIN;\nCREATE TABLE n_t (id int);\nCOMMIT;', 'DROP TABLE n_t');
SELECT migrate_revision('n0', '{}', 'CREATE TABLE n_t (id int)', E'start transaction;\nDROP TABLE n_t;\nend;');
SELECT migrate_revision('n0', '{}', E'/* x */ BEGIN ISOLATION LEVEL SERIALIZABLE; CREATE TABLE n_t (id int)', 'DROP TABLE n_t');
-- BEGIN inside a body is not a transaction of its own
SELECT migrate_revision('n0', '{}', $b$CREATE TABLE n_t (id int); DO $$ BEGIN NULL; END $$$b$, 'DROP TABLE n_t', 'base');

-- a non-transactional body: only statements that ProcessUtility runs
SELECT migrate_revision('n1', '{n0}', 'CREATE INDEX CONCURRENTLY n_i ON n_t (id); UPDATE n_t SET id = 1', 'DROP INDEX CONCURRENTLY n_i', transactional => false);
SELECT migrate_revision('n1', '{n0}', 'CREATE INDEX CONCURRENTLY n_i ON n_t (id); COMMIT', 'DROP INDEX CONCURRENTLY n_i', transactional => false);
-- queries and data changes that ProcessUtility runs are refused too
SELECT migrate_revision('n1', '{n0}', 'CREATE INDEX CONCURRENTLY n_i ON n_t (id); EXPLAIN ANALYZE DELETE FROM n_t', 'DROP INDEX CONCURRENTLY n_i', transactional => false);
SELECT migrate_revision('n1', '{n0}', E'COPY n_t FROM PROGRAM ''echo 1''', 'DROP INDEX CONCURRENTLY n_i', transactional => false);
SELECT migrate_revision('n1', '{n0}', 'EXECUTE p(1)', 'DROP INDEX CONCURRENTLY n_i', transactional => false);
SELECT migrate_revision('n1', '{n0}', 'CREATE INDEX CONCURRENTLY n_i ON n_t (id', 'DROP INDEX CONCURRENTLY n_i', transactional => false);
SELECT migrate_revision('n1', '{n0}', E'CREATE INDEX CONCURRENTLY n_i ON n_t (id);\n-- and a second one\nCREATE INDEX CONCURRENTLY "n i2" ON n_t (id);', 'DROP INDEX CONCURRENTLY "n i2"; DROP INDEX CONCURRENTLY n_i', 'indexes', transactional => false);
SELECT migrate_revision('n2', '{n1}', 'ALTER TABLE n_t ADD v int', 'ALTER TABLE n_t DROP v', 'column');
SELECT revision, transactional FROM migrate.revision ORDER BY seq;

-- the identical-content rule includes the flag
SELECT migrate_revision('n1', '{n0}', E'CREATE INDEX CONCURRENTLY n_i ON n_t (id);\n-- and a second one\nCREATE INDEX CONCURRENTLY "n i2" ON n_t (id);', 'DROP INDEX CONCURRENTLY "n i2"; DROP INDEX CONCURRENTLY n_i', 'indexes', transactional => false);
SELECT migrate_revision('n2', '{n1}', 'ALTER TABLE n_t ADD v int', 'ALTER TABLE n_t DROP v', 'column', transactional => NULL);
SELECT count(*) FROM migrate.revision;

-- migrate_upgrade() applies what comes before and stops there
SET client_min_messages = warning;
SELECT * FROM migrate_upgrade('head', dry_run => true);
SELECT * FROM migrate_upgrade('head');
SELECT current_heads, pending, in_progress FROM migrate_status();
SELECT * FROM migrate_upgrade('head');

-- the deploy as commands; a relative target is given as the revision it names
SELECT command FROM migrate_upgrade_commands('head');
SELECT command FROM migrate_upgrade_commands('+2');

-- applied revisions cannot change their flag
SELECT migrate_revision('n0', '{}', $b$CREATE TABLE n_t (id int); DO $$ BEGIN NULL; END $$$b$, 'DROP TABLE n_t', 'base', transactional => false);

-- the step calls check the order and the revision
SELECT migrate_nontransactional_step('n0', 'upgrade', 1);
SELECT migrate_nontransactional_step('n1', 'upgrade', 2);
SELECT migrate_nontransactional_step('n1', 'upgrade', 3);
SELECT migrate_nontransactional_step('n1', 'sideways', 1);
SELECT migrate_nontransactional_done('n1', 'upgrade');
SELECT migrate_nontransactional_step('n2', 'upgrade', 1);
-- statement 1 recorded as started; its statement cannot run here (in a
-- transaction block), so the revision stays in progress at statement 1
SELECT migrate_nontransactional_step('n1', 'upgrade', 1);
SELECT revision, direction, next, statements, role, session_alive FROM migrate_in_progress();
SELECT in_progress, pending FROM migrate_status();
SELECT migrate_nontransactional_step('n1', 'upgrade', 2);
SELECT migrate_nontransactional_done('n1', 'upgrade');
-- while it is in progress: no other deploy, no change to it
SELECT * FROM migrate_upgrade('head');
SELECT * FROM migrate_downgrade('base');
SELECT command FROM migrate_downgrade_commands('base');
SELECT migrate_revision('n1', '{n0}', 'CREATE INDEX CONCURRENTLY n_i ON n_t (id)', 'DROP INDEX CONCURRENTLY n_i', 'indexes', transactional => false);
SELECT migrate_amend('n1', 'CREATE INDEX CONCURRENTLY n_i ON n_t (id)', 'DROP INDEX CONCURRENTLY n_i');
SELECT migrate_forget('n1');
-- the commands resume it from the statement reached
SELECT command FROM migrate_upgrade_commands('head');
-- a stamp says where the schema stands, and ends it
SELECT migrate_stamp('n0');
SELECT count(*) FROM migrate_in_progress();

-- amending a non-transactional revision checks the new bodies too
SELECT migrate_amend('n1', 'CREATE INDEX CONCURRENTLY n_i ON n_t (id); SELECT 1', 'DROP INDEX CONCURRENTLY n_i');
SELECT migrate_amend('n0', E'BEGIN;\nCREATE TABLE n_t (id int);\nCOMMIT;', 'DROP TABLE n_t');

-- downgrade stops before it too, in reverse
SELECT migrate_stamp('n1');
SELECT * FROM migrate_upgrade('head');
SELECT * FROM migrate_downgrade('base');
SELECT command FROM migrate_downgrade_commands('base');

-- trust: the commands are refused when the deployer does not trust the registrant
CREATE ROLE regress_nontx_writer;
GRANT EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean) TO regress_nontx_writer;
SET ROLE regress_nontx_writer;
SELECT migrate_revision('n3', '{n2}', 'VACUUM n_t', '', 'vacuum', transactional => false);
RESET ROLE;
SELECT command FROM migrate_upgrade_commands('head');
SELECT migrate_nontransactional_step('n3', 'upgrade', 1);
SELECT migrate_forget('n3');
DROP OWNED BY regress_nontx_writer;
DROP ROLE regress_nontx_writer;

-- clean up
SELECT migrate_stamp('base');
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;
DROP TABLE n_t;

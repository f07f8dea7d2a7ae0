-- migrate_amend(): replacing the bodies of a revision whatever its state,
-- logged with checksums in migrate.amendment; and the WARNING for a
-- revision whose body is empty (or only comments) in one direction only.
SET client_min_messages = warning;

CREATE FUNCTION sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- an applied revision with a wrong downgrade cannot be fixed by registering it
SELECT migrate_revision('a1', '{}', 'CREATE TABLE am_t (id int)', 'DROP TABLE am_wrong', 'first');
SELECT migrate_revision('a2', '{a1}', 'ALTER TABLE am_t ADD COLUMN x int', 'ALTER TABLE am_t DROP COLUMN x', 'second');
SELECT revision FROM migrate_upgrade('head');
SELECT * FROM migrate_downgrade('base');
SELECT migrate_revision('a1', '{}', 'CREATE TABLE am_t (id int)', 'DROP TABLE am_t', 'first');

-- cache the graph in this backend, then amend: the next call sees it
SELECT revision, message FROM migrate_history();
SELECT migrate_amend('a1', 'CREATE TABLE am_t (id int)', 'DROP TABLE am_t');
SELECT revision, message FROM migrate_history();
SELECT revision, upgrade, downgrade, message FROM migrate.revision WHERE revision = 'a1';
SELECT revision FROM migrate_downgrade('base');
SELECT to_regclass('am_t') AS gone;

-- a new message; then an unapplied revision's upgrade, run by the next call
SELECT migrate_amend('a2', 'ALTER TABLE am_t ADD COLUMN y int', 'ALTER TABLE am_t DROP COLUMN y', 'second, fixed');
SELECT revision, message FROM migrate_history();
SELECT revision, message FROM migrate_upgrade('head');
SELECT attname FROM pg_attribute WHERE attrelid = 'am_t'::regclass AND attnum > 0 ORDER BY attnum;

-- changing the upgrade of an applied revision warns: it does not run again
SELECT migrate_amend('a2', 'ALTER TABLE am_t ADD COLUMN y bigint', 'ALTER TABLE am_t DROP COLUMN y');
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'am_t'::regclass AND attname = 'y';

-- registering the amended content is a no-op; the old content of an
-- applied revision is refused like any other change
SELECT migrate_revision('a2', '{a1}', 'ALTER TABLE am_t ADD COLUMN y bigint', 'ALTER TABLE am_t DROP COLUMN y', 'second, fixed');
SELECT migrate_revision('a2', '{a1}', 'ALTER TABLE am_t ADD COLUMN x int', 'ALTER TABLE am_t DROP COLUMN x', 'second');
-- amending to identical content changes nothing and logs nothing
SELECT migrate_amend('a2', 'ALTER TABLE am_t ADD COLUMN y bigint', 'ALTER TABLE am_t DROP COLUMN y');

-- bodies hold anything: quotes, dollar quotes, CR, newlines, backslashes
SELECT migrate_amend('a2', 'ALTER TABLE am_t ADD COLUMN y bigint',
    E'ALTER TABLE am_t DROP COLUMN y;\r\n-- it''s $$ and $q$ and \\! id\r\nSELECT $x$ \\ '' " $x$');
SELECT downgrade = E'ALTER TABLE am_t DROP COLUMN y;\r\n-- it''s $$ and $q$ and \\! id\r\nSELECT $x$ \\ '' " $x$' AS exact
FROM migrate.revision WHERE revision = 'a2';

-- the log: one row per amendment, old and new checksums, role, state
SELECT revision, role = current_user AS by_me, applied,
       old_upgrade_md5 = new_upgrade_md5 AS same_upgrade,
       old_downgrade_md5 = new_downgrade_md5 AS same_downgrade,
       old_message, new_message, at <= now() AS at_ok
FROM migrate.amendment ORDER BY id;
SELECT a.new_upgrade_md5 = md5(r.upgrade) AND a.new_downgrade_md5 = md5(r.downgrade) AS checksums_match
FROM migrate.amendment a JOIN migrate.revision r USING (revision)
WHERE a.id = (SELECT max(id) FROM migrate.amendment);
SELECT old_downgrade_md5 = md5('DROP TABLE am_wrong') AS old_checksum FROM migrate.amendment ORDER BY id LIMIT 1;
SELECT revision FROM migrate_downgrade('base');

-- failures
SELECT migrate_amend('nosuch', 'SELECT 1', 'SELECT 1');
SELECT migrate_amend(NULL, 'SELECT 1', 'SELECT 1');
SELECT migrate_amend('a1', NULL, 'SELECT 1');
SELECT migrate_amend('a1', 'SELECT 1', NULL);
SELECT migrate_amend('bad-id', 'SELECT 1', 'SELECT 1');
SELECT sqlstate_of($$SELECT migrate_amend('nosuch', '', '')$$) AS unknown,
       sqlstate_of($$SELECT migrate_amend('a1', NULL, '')$$) AS null_body,
       sqlstate_of($$SELECT migrate_amend('a-1', '', '')$$) AS bad_id;
-- writers only
CREATE ROLE regress_amend_reader;
SET ROLE regress_amend_reader;
SELECT migrate_amend('a1', 'SELECT 1', 'SELECT 1');
SELECT sqlstate_of($$SELECT migrate_amend('a1', '', '')$$) AS not_granted;
RESET ROLE;
DROP ROLE regress_amend_reader;
-- not from a body
SELECT migrate_revision('a3', '{a2}', $$SELECT migrate_amend('a1', '', '')$$, 'SELECT 1', 'nested');
SELECT * FROM migrate_upgrade('a3');
SELECT migrate_forget('a3');
-- nothing of the failed calls was logged
SELECT count(*) FROM migrate.amendment;

-- one-way revisions: empty, or only comments and semicolons, in one direction
SELECT migrate_revision('w1', '{}', 'CREATE TABLE am_w ()', '', 'no downgrade');
SELECT migrate_revision('w1', '{}', 'CREATE TABLE am_w ()', '', 'no downgrade');  -- no-op: no warning
SELECT migrate_revision('w2', '{}', 'CREATE TABLE am_w ()',
    E'-- nothing to undo\r\n  /* a /* nested */ block ; */ ;\n\t', 'comments only');
SELECT migrate_revision('w3', '{}', E'-- later\n', 'DROP TABLE am_w', 'no upgrade');
SELECT migrate_revision('w4', '{}', '', '  ', 'both empty: a placeholder');
SELECT migrate_revision('w5', '{}', 'SELECT 1', 'SELECT 1 -- a comment after SQL', 'both ways');
SELECT migrate_revision('w6', '{}', 'SELECT 1', '$$ -- $$', 'a dollar quote is a token');
SELECT migrate_revision('w7', '{}', 'SELECT 1', '/* unterminated', 'not blank: running it fails');
SELECT migrate_revision('w8', '{}', 'SELECT 1', '-/* */', 'a lone minus is a token');
-- amending warns the same way
SELECT migrate_amend('w5', 'SELECT 1', '/* later */');

DROP FUNCTION sqlstate_of(text);
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.amendment;

-- The everyday path: register, upgrade, look, downgrade, re-register, forget.
-- VERBOSITY terse hides the NOTICE details, which hold step durations.
\set VERBOSITY terse

SELECT migrate_revision('0819a425f7fd', '{}',
    $$CREATE TABLE users (id serial PRIMARY KEY, name text)$$,
    $$DROP TABLE users$$, 'initial schema');
SELECT migrate_revision('a1b2c3d4e5f6', '{0819a425f7fd}',
    $$ALTER TABLE users ADD COLUMN phone text$$,
    $$ALTER TABLE users DROP COLUMN phone$$, 'add phone');

-- nothing applied yet
SELECT * FROM migrate_current();
SELECT * FROM migrate_heads();

-- a dry run lists the steps and changes nothing
SELECT * FROM migrate_upgrade('head', dry_run => true);
SELECT * FROM migrate_current();
SELECT to_regclass('users') IS NULL AS no_users_table;

-- two rows in order, a NOTICE per step with migrate.progress on (off by default)
SHOW migrate.progress;
SET migrate.progress = on;
SELECT * FROM migrate_upgrade('head');
SELECT * FROM migrate_current();
SELECT attname FROM pg_attribute
 WHERE attrelid = 'users'::regclass AND attnum > 0 ORDER BY attnum;

-- upgrading to what is applied does nothing
SELECT * FROM migrate_upgrade('head');
SELECT * FROM migrate_upgrade('0819a425f7fd');

SELECT * FROM migrate_downgrade('-1');
SELECT * FROM migrate_current();
SELECT attname FROM pg_attribute
 WHERE attrelid = 'users'::regclass AND attnum > 0 ORDER BY attnum;
-- progress off: the step is in the result only
RESET migrate.progress;
SELECT * FROM migrate_upgrade('head');
SELECT * FROM migrate_downgrade('-1');
SET migrate.progress = on;

-- downgrading to a current head does nothing
SELECT * FROM migrate_downgrade('0819a425f7fd');

SELECT revision, down_revision, message, branch_labels, depends_on, is_head,
       is_applied, applied_at IS NOT NULL AS has_applied_at
  FROM migrate_history();

-- every step is logged with direction, role, time and duration
SELECT revision, direction, stamped, role = current_user AS by_me,
       at IS NOT NULL AS has_time, duration >= '0'::interval AS has_duration
  FROM migrate_log();

-- registering identical content again is a no-op
SELECT migrate_revision('0819a425f7fd', '{}',
    $$CREATE TABLE users (id serial PRIMARY KEY, name text)$$,
    $$DROP TABLE users$$, 'initial schema');
SELECT count(*) FROM migrate.revision;

-- different content replaces an unapplied revision, keeping its place
SELECT seq AS old_seq FROM migrate.revision WHERE revision = 'a1b2c3d4e5f6' \gset
SELECT migrate_revision('a1b2c3d4e5f6', '{0819a425f7fd}',
    $$ALTER TABLE users ADD COLUMN phone varchar(32)$$,
    $$ALTER TABLE users DROP COLUMN phone$$, 'add phone');
SELECT upgrade, seq = :old_seq AS same_place FROM migrate.revision
 WHERE revision = 'a1b2c3d4e5f6';

-- ... and is an error for an applied one, which stays as it was
\set VERBOSITY default
SELECT migrate_revision('0819a425f7fd', '{}',
    $$CREATE TABLE users (id bigserial PRIMARY KEY, name text)$$,
    $$DROP TABLE users$$, 'initial schema');
SELECT upgrade FROM migrate.revision WHERE revision = '0819a425f7fd';

-- forgetting: applied and referenced revisions refuse, unknown ones too
SELECT migrate_forget('0819a425f7fd');
SELECT migrate_revision('f00dfeedbeef', '{a1b2c3d4e5f6}', message => 'leaf');
SELECT migrate_forget('a1b2c3d4e5f6');
SELECT migrate_forget('nosuchrev');
SELECT migrate_forget('f00dfeedbeef');
SELECT revision FROM migrate.revision ORDER BY seq;

-- a revision named by a branch label in depends_on is referenced too
SELECT migrate_revision('labelled', '{0819a425f7fd}', branch_labels => '{lbl}');
SELECT migrate_revision('needs_lbl', '{}', depends_on => '{lbl}');
SELECT migrate_forget('labelled');
SELECT migrate_forget('needs_lbl');
SELECT migrate_forget('labelled');

-- upgrade applies the replaced body
\set VERBOSITY terse
SELECT * FROM migrate_upgrade('heads');
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'users'::regclass AND attname = 'phone';

-- everything down again: the tables are gone, the graph stays
SELECT * FROM migrate_downgrade('base');
SELECT * FROM migrate_current();
SELECT to_regclass('users') IS NULL AS no_users_table;
SELECT count(*) FROM migrate_history();

-- messages and bodies round-trip exactly, whatever they hold; names are
-- refused unless plain
SELECT migrate_revision('odd', '{}', E'SELECT \'it''s $$ \\ Zoë 日本\'',
                        E'SELECT 1 -- \\x', E'l\'initial $1 \\n $$ Zoë 日本');
SELECT message = E'l\'initial $1 \\n $$ Zoë 日本' AS message_exact,
       upgrade = E'SELECT \'it''s $$ \\ Zoë 日本\'' AS upgrade_exact
  FROM migrate_history() JOIN migrate.revision USING (revision, message)
 WHERE revision = 'odd';
SELECT migrate_revision('Zoë');
SELECT migrate_revision('it''s');
SELECT migrate_revision('a$b', '{}', branch_labels => '{"x\\y"}');
SELECT migrate_revision('ok', '{}', branch_labels => '{"日本"}');

TRUNCATE migrate.revision, migrate.applied, migrate.log;

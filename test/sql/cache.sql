-- Backends keep the graph of their last call while the generation in
-- migrate.state is unchanged.  Every way the graph or the state can change
-- must show in the next call: writes by hand, rolled back transactions and
-- savepoints, and a re-created extension.
SET client_min_messages = warning;

CREATE FUNCTION cur() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(r, ' '), '(base)') FROM migrate_current() r
$$;

SELECT migrate_revision('ca', '{}', message => 'a');
SELECT migrate_revision('cb', '{ca}', message => 'b');
SELECT count(*) FROM migrate_upgrade('ca');
SELECT cur();

-- writes by hand bump the generation through the triggers
INSERT INTO migrate.applied VALUES ('cb', now());
SELECT cur();
DELETE FROM migrate.applied WHERE revision = 'cb';
SELECT cur();
UPDATE migrate.revision SET message = 'renamed by hand' WHERE revision = 'cb';
SELECT message FROM migrate_history() WHERE revision = 'cb';
TRUNCATE migrate.applied;
SELECT cur();
SELECT count(*) FROM migrate_upgrade('ca');

-- a graph read inside a transaction that rolls back is not reused
BEGIN;
SELECT migrate_revision('cc', '{ca}', message => 'c');
SELECT count(*) FROM migrate_upgrade('cc');
SELECT cur();
ROLLBACK;
SELECT cur();
SELECT string_agg(h, ' ') FROM migrate_heads() h;

-- nor one read inside a savepoint that rolls back, even when the same
-- number of changes follows
BEGIN;
SAVEPOINT s;
SELECT migrate_revision('cd', '{cb}', message => 'd');
SELECT count(*) FROM migrate_upgrade('cd');
SELECT cur();
ROLLBACK TO SAVEPOINT s;
-- four writes by hand: the generation is back where the dropped graph was read
INSERT INTO migrate.revision (revision, down_revision) VALUES ('ce', '{cb}');
INSERT INTO migrate.applied VALUES ('cb', now());
INSERT INTO migrate.applied VALUES ('ce', now());
UPDATE migrate.revision SET message = 'e' WHERE revision = 'ce';
SELECT cur();
COMMIT;
SELECT cur();

-- writes made under session_replication_role = replica (as logical
-- replication's apply worker does) bump it as well
SET session_replication_role = replica;
DELETE FROM migrate.applied WHERE revision = 'ce';
RESET session_replication_role;
SELECT cur();
SELECT tgname, tgenabled FROM pg_trigger
WHERE tgrelid IN ('migrate.revision'::regclass, 'migrate.applied'::regclass)
  AND NOT tgisinternal ORDER BY tgrelid::regclass::text;

-- a body that rolls back to a savepoint of its own (an EXCEPTION block)
-- drops the cache, while the graph is still in use by the later steps
SELECT migrate_revision('cf', '{ce}',
    $body$DO $b$ BEGIN PERFORM 1 / 0; EXCEPTION WHEN division_by_zero THEN NULL; END $b$$body$, '', 'f');
SELECT migrate_revision('cg', '{cf}', '', '', 'g');
SELECT revision, message FROM migrate_upgrade('cg');
SELECT revision, direction FROM migrate_log() WHERE revision IN ('ce', 'cf', 'cg') ORDER BY id;
SELECT cur();

-- migrate's own writes drop the cache themselves: with the triggers
-- switched off (as their owner can, or on a 1.0 install, whose triggers
-- session_replication_role = replica skips), one backend's calls in and
-- across transactions still see what the previous call did
SELECT migrate_revision('ch', '{cg}', '', '', 'h');
SELECT migrate_revision('ci', '{ch}', '', '', 'i');
ALTER TABLE migrate.applied ENABLE TRIGGER bump_generation;
ALTER TABLE migrate.revision ENABLE TRIGGER bump_generation;
SET session_replication_role = replica;
SELECT cur();
SELECT revision FROM migrate_upgrade('ch');
SELECT cur();
SELECT revision FROM migrate_upgrade('+1');
SELECT cur();
SELECT revision FROM migrate_downgrade('-1');
SELECT cur();
BEGIN;
SELECT revision FROM migrate_upgrade('ci');
SELECT cur();
SELECT revision FROM migrate_downgrade('cg');
SELECT cur();
SELECT revision FROM migrate_upgrade('heads', dry_run => true);
COMMIT;
SELECT migrate_stamp('ci');
SELECT cur();
SELECT revision FROM migrate_downgrade('cg');
SELECT migrate_revision('cj', '{ci}', '', '', 'j');
SELECT string_agg(h, ' ') FROM migrate_heads() h;
SELECT migrate_amend('cj', 'SELECT 1', 'SELECT 2', 'j amended');
SELECT message FROM migrate_history() WHERE revision = 'cj';
SELECT migrate_forget('cj');
SELECT string_agg(h, ' ') FROM migrate_heads() h;
RESET session_replication_role;
ALTER TABLE migrate.applied DISABLE TRIGGER bump_generation;
ALTER TABLE migrate.revision DISABLE TRIGGER bump_generation;
SELECT revision FROM migrate_upgrade('ci');
SELECT cur();
SELECT revision FROM migrate_downgrade('cg');
SELECT cur();
ALTER TABLE migrate.applied ENABLE ALWAYS TRIGGER bump_generation;
ALTER TABLE migrate.revision ENABLE ALWAYS TRIGGER bump_generation;

-- a re-created extension starts over, even though its generation does too
DROP EXTENSION migrate;
CREATE EXTENSION migrate;
SELECT cur();
SELECT count(*) FROM migrate_history();

DROP FUNCTION cur();

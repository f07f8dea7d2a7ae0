-- migrate.state is updated once per transaction, however many revisions it
-- registers or steps it records; the backend that writes drops its own
-- cached graph at each write, by migrate or by hand.
SET client_min_messages = warning;

CREATE FUNCTION gen() RETURNS bigint LANGUAGE sql AS $$
    SELECT generation FROM migrate.state
$$;
CREATE FUNCTION cur() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(r, ' '), '(base)') FROM migrate_current() r
$$;
CREATE TABLE g0 AS SELECT gen() AS g;

-- 200 registrations, an upgrade and a downgrade in one transaction: one
-- update of the state row (the row's versions stay at one per transaction)
BEGIN;
SELECT count(migrate_revision('g' || i, CASE WHEN i > 1 THEN ARRAY['g' || (i - 1)] ELSE '{}' END))
  FROM generate_series(1, 200) i;
SELECT count(*) FROM migrate_upgrade('head');
SELECT count(*) FROM migrate_downgrade('g150');
SELECT gen() - g AS bumps FROM g0;
COMMIT;
SELECT gen() - g AS bumps FROM g0;
SELECT cur();

-- within the transaction, after the one bump, every change still shows
BEGIN;
SELECT cur();
SELECT migrate_revision('h1', '{g200}');
SELECT count(*) FROM migrate_upgrade('h1');
SELECT cur();
-- by hand, after the bump: no new generation, but the graph is re-read
INSERT INTO migrate.revision (revision, down_revision) VALUES ('h2', '{h1}');
SELECT string_agg(h, ' ') FROM migrate_heads() h;
INSERT INTO migrate.applied VALUES ('h2', now());
SELECT cur();
DELETE FROM migrate.applied WHERE revision IN ('h2', 'h1');
SELECT cur();
SELECT count(*) FROM migrate_upgrade('h2');
SELECT cur();
COMMIT;
TRUNCATE g0;
INSERT INTO g0 SELECT gen();

-- a savepoint that rolls back takes the bump (and the row lock) with it:
-- the next write bumps again, so the generation still moves at commit
BEGIN;
SAVEPOINT s;
SELECT migrate_revision('h3', '{h2}');
SELECT gen() - g AS bumps FROM g0;
ROLLBACK TO SAVEPOINT s;
SELECT gen() - g AS bumps FROM g0;
SELECT string_agg(h, ' ') FROM migrate_heads() h;
-- a bump made in a savepoint that is released stays with the transaction:
-- a later savepoint that rolls back does not undo it
SAVEPOINT t;
SELECT migrate_revision('h3', '{h2}');
SELECT gen() - g AS bumps FROM g0;
RELEASE SAVEPOINT t;
SELECT count(*) FROM migrate_upgrade('h3');
SAVEPOINT u;
SELECT migrate_revision('h4', '{h3}');
ROLLBACK TO SAVEPOINT u;
SELECT gen() - g AS bumps FROM g0;
SELECT cur(), (SELECT string_agg(h, ' ') FROM migrate_heads() h);
COMMIT;
SELECT gen() - g AS bumps FROM g0;

-- the trigger is for triggers only
SELECT migrate.bump_generation();

SELECT count(*) FROM migrate_stamp('base');
TRUNCATE migrate.revision, migrate.applied, migrate.log;
DROP TABLE g0;
DROP FUNCTION gen();
DROP FUNCTION cur();

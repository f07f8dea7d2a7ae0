-- Current heads (what migrate_current() shows: down_revision edges only)
-- against version rows (Alembic's alembic_version rows: applied revisions no
-- applied revision follows through down_revision or depends_on).  Relative
-- steps and the order of a downgrade start from the version rows, as in
-- Alembic; every expected order below is what Alembic 1.8 gives.
SET client_min_messages = warning;

CREATE TABLE vr_log (n serial, rev text, dir text);
CREATE FUNCTION vr_reg(id text, downs text[], deps text[] DEFAULT '{}') RETURNS text
LANGUAGE sql AS $$
    SELECT migrate_revision(id, downs,
        format($f$INSERT INTO vr_log (rev, dir) VALUES (%L, 'up')$f$, id),
        format($f$INSERT INTO vr_log (rev, dir) VALUES (%L, 'down')$f$, id),
        depends_on => deps)
$$;
CREATE FUNCTION cur() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(r, ' '), '(base)') FROM migrate_current() r
$$;
CREATE FUNCTION ran() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(rev || ':' || dir, ' ' ORDER BY n), '(none)') FROM vr_log
$$;

-- 1. h; x; y depends_on h.  Rows x, y; h is a current head only.
SELECT vr_reg('h', '{}'), vr_reg('x', '{}'), vr_reg('y', '{}', '{h}');
SELECT string_agg(revision, ' ') FROM migrate_upgrade('heads');
SELECT cur();
-- Alembic: x y h (from rows x, y), not y x h
SELECT string_agg(revision, ' ') FROM migrate_downgrade('base', dry_run => true);
TRUNCATE vr_log;
SELECT string_agg(revision, ' ') FROM migrate_downgrade('base');
SELECT ran(), cur();
-- with two version rows a bare step is still refused (deliberate deviation)
SELECT count(*) FROM migrate_upgrade('heads');
\set VERBOSITY default
SELECT * FROM migrate_downgrade('-1', dry_run => true);
-- three current heads, two rows: the message names the rows
SELECT * FROM migrate_resolve('-1');
\set VERBOSITY terse
-- downgrading to h, a current head that is no row: nothing to do (the
-- contract's rule; Alembic refuses it with "Nothing to drop")
SELECT count(*) FROM migrate_downgrade('h');
SELECT cur();
-- a branch step finds the branch among the rows: y@-1 removes y only
SELECT string_agg(revision, ' ') FROM migrate_downgrade('y@-1', dry_run => true);
-- and h@-1 names h, which is no row: its current head is used
SELECT string_agg(revision, ' ') FROM migrate_downgrade('h@-1', dry_run => true);
SELECT count(*) FROM migrate_stamp('base');
TRUNCATE migrate.revision, migrate.applied, vr_log;

-- 2. Neutron's shape in five revisions: a; b -> a; c -> b depends_on e;
--    d -> c depends_on a; e a base.  Row [d]; current heads d and e.
SELECT vr_reg('a', '{}'), vr_reg('b', '{a}'), vr_reg('c', '{b}', '{e}'),
       vr_reg('d', '{c}', '{a}'), vr_reg('e', '{}');
SELECT string_agg(revision, ' ') FROM migrate_upgrade('d');
SELECT cur();
-- Alembic: d c b a e (migrate gave d c b e a from its current heads)
SELECT string_agg(revision, ' ') FROM migrate_downgrade('base', dry_run => true);
-- one row: -1 is not ambiguous (it was refused with current heads d, e)
SELECT string_agg(revision, ' ') FROM migrate_downgrade('-1', dry_run => true);
SELECT * FROM migrate_resolve('-1');
SELECT string_agg(revision, ' ') FROM migrate_downgrade('-3', dry_run => true);
TRUNCATE vr_log;
SELECT string_agg(revision, ' ') FROM migrate_downgrade('-2');
SELECT ran(), cur();
-- rows b and e now (nothing applied depends on e): +1 is ambiguous, in
-- Alembic too
SELECT * FROM migrate_resolve('+1');
SELECT string_agg(revision, ' ') FROM migrate_upgrade('+1');
SELECT cur();
SELECT count(*) FROM migrate_stamp('base');
TRUNCATE migrate.revision, migrate.applied, vr_log;

-- 3. h; x a base with depends_on h; x2 -> x.  At x: row x, current heads h, x.
SELECT vr_reg('h', '{}'), vr_reg('x', '{}', '{h}'), vr_reg('x2', '{x}');
SELECT string_agg(revision, ' ') FROM migrate_upgrade('x');
SELECT cur();
-- Alembic: x2 (migrate refused it as ambiguous)
SELECT * FROM migrate_resolve('+1');
SELECT string_agg(revision, ' ') FROM migrate_upgrade('+1');
SELECT cur();
SELECT string_agg(revision, ' ') FROM migrate_downgrade('-1');
-- X@Y still checks Y against X's lineage (deliberate deviation)
SELECT * FROM migrate_resolve('x@h');
SELECT count(*) FROM migrate_stamp('base');
TRUNCATE migrate.revision, migrate.applied, vr_log;

-- 4. Two lines, expand and contract, each depending on the other's past:
--    e1 <- e2 <- e3 (expand), c1 depends_on e1, c2 -> c1 depends_on e2.
SELECT vr_reg('e1', '{}'), vr_reg('e2', '{e1}'), vr_reg('e3', '{e2}'),
       vr_reg('c1', '{}', '{e1}'), vr_reg('c2', '{c1}', '{e2}');
SELECT string_agg(revision, ' ') FROM migrate_upgrade('c2');
SELECT cur();
-- the one row is c2: -1 steps down the contract line, +1 fails (c2 is a head)
SELECT * FROM migrate_resolve('-1');
SELECT * FROM migrate_resolve('+1');
-- along the expand line, whose current head e2 is no row
SELECT * FROM migrate_resolve('e1@+1');
SELECT string_agg(revision, ' ') FROM migrate_upgrade('e1@+1');
SELECT cur();
SELECT string_agg(revision, ' ') FROM migrate_downgrade('base', dry_run => true);
SELECT count(*) FROM migrate_stamp('base');
TRUNCATE migrate.revision, migrate.applied, vr_log;

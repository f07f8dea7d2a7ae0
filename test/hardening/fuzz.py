#!/usr/bin/python3
"""Fuzz: random graphs and random moves, checking invariants after each.

Random revision graphs (up to 500 revisions: several bases, branches,
merges, depends_on by id and label, branch labels) whose bodies create or
drop a marker table per revision, then random sequences of upgrade,
downgrade and stamp to random valid and invalid targets.  After every
operation:
  - the applied set is closed under ancestry (down_revision and depends_on);
  - the applied set is what the history log says (last entry per revision);
  - a marker table exists exactly when the last step that ran (not stamped)
    for its revision was an upgrade;
  - an operation that failed raised a clean error (a specific SQLSTATE, not
    an internal one) and changed nothing;
  - the server is still up.
A seed makes every failure reproducible.  Uses psql and the PG* environment.

    test/hardening/fuzz.py [--seed S] [--graphs N] [--ops N] [--max-size N]
"""
import argparse
import random
import subprocess
import sys

DB = "migrate_fuzz"

SETUP = r"""
CREATE EXTENSION migrate;
CREATE FUNCTION fuzz_state() RETURNS text LANGUAGE sql AS $$
    SELECT (SELECT coalesce(string_agg(revision, ',' ORDER BY revision), '') FROM migrate.applied)
        || '|' || (SELECT count(*) FROM migrate.log)
$$;
-- violations of the invariants, one per row
CREATE FUNCTION fuzz_check() RETURNS SETOF text LANGUAGE sql AS $$
    WITH names AS (
        SELECT revision AS name, revision FROM migrate.revision
        UNION ALL
        SELECT unnest(branch_labels), revision FROM migrate.revision),
    needs AS (
        SELECT r.revision, unnest(r.down_revision) AS need FROM migrate.revision r
        UNION ALL
        SELECT r.revision, n.revision FROM migrate.revision r
          CROSS JOIN LATERAL unnest(r.depends_on) d(name) JOIN names n ON n.name = d.name),
    last_any AS (
        SELECT DISTINCT ON (revision) revision, direction FROM migrate.log ORDER BY revision, id DESC),
    last_run AS (
        SELECT DISTINCT ON (revision) revision, direction FROM migrate.log
         WHERE NOT stamped ORDER BY revision, id DESC)
    SELECT 'applied ' || n.revision || ' without ' || n.need
      FROM needs n JOIN migrate.applied a USING (revision)
     WHERE n.need NOT IN (SELECT revision FROM migrate.applied)
    UNION ALL
    SELECT 'log and applied disagree on ' || r.revision
      FROM migrate.revision r LEFT JOIN last_any l USING (revision)
     WHERE (r.revision IN (SELECT revision FROM migrate.applied))
           IS DISTINCT FROM (coalesce(l.direction, 'downgrade') = 'upgrade')
    UNION ALL
    SELECT 'marker table of ' || r.revision || ' disagrees with the log'
      FROM migrate.revision r LEFT JOIN last_run l USING (revision)
     WHERE (to_regclass('m_' || r.revision) IS NOT NULL)
           IS DISTINCT FROM (coalesce(l.direction, 'downgrade') = 'upgrade')
$$;
CREATE FUNCTION fuzz_op(kind text, targets text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    IF kind = 'upgrade' THEN
        SELECT count(*) INTO n FROM migrate_upgrade(targets[1]);
    ELSIF kind = 'downgrade' THEN
        SELECT count(*) INTO n FROM migrate_downgrade(targets[1]);
    ELSE
        SELECT count(*) INTO n FROM migrate_stamp(VARIADIC targets);
    END IF;
    RETURN 'ok ' || n;
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE || ' ' || SQLERRM;
END $$;
"""


def psql(sql, db=DB, check=True):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db],
                         input=sql, capture_output=True, text=True)
    if check and out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return out


def make_graph(rng, n):
    revs = []
    for i in range(n):
        rid = "x%03d" % i
        earlier = [r[0] for r in revs]
        roll = rng.random()
        if not earlier or roll < 0.06:
            downs = []
        elif roll < 0.2 and len(earlier) >= 2:
            downs = rng.sample(earlier[-12:], 2)
        else:
            downs = [rng.choice(earlier[-8:])]
        deps = [rng.choice(earlier)] if earlier and rng.random() < 0.08 else []
        deps = [d for d in deps if d not in downs]
        labels = ["lab%03d" % i] if rng.random() < 0.08 else []
        revs.append((rid, downs, deps, labels))
    by_id = {r[0]: r for r in revs}
    return [(rid, downs, [by_id[d][3][0] if by_id[d][3] and rng.random() < 0.5 else d for d in deps], labels)
            for rid, downs, deps, labels in revs]


def random_target(rng, revs):
    ids = [r[0] for r in revs]
    labels = [l for r in revs for l in r[3]]
    rid = rng.choice(ids)
    name = rng.choice(labels or ids)
    step = rng.randint(1, 4)
    if rng.random() < 0.12:
        return rng.choice(["nosuch", "", "a@", "@b", "+0", "-0", "x" * 70, "head@@x", "x 1",
                           "+99999999", rid[:2]])
    return rng.choice([
        rid, rid, rid, rid[:4], "head", "heads", "heads", "heads", "base",
        name, name + "@head", name + "@heads", name + "@base", rid + "@" + rng.choice(ids),
        "+%d" % step, "-%d" % step, name + "@+%d" % step, name + "@-%d" % step,
        rid + "+%d" % step, rid + "-%d" % step, "base+%d" % step, name + "@head-1",
    ])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--graphs", type=int, default=4)
    ap.add_argument("--ops", type=int, default=250)
    ap.add_argument("--max-size", type=int, default=500)
    ap.add_argument("--verbose", action="store_true", help="print every error raised")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", "SET client_min_messages = warning",
                    "-c", "DROP DATABASE IF EXISTS " + DB], check=True)
    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", "CREATE DATABASE " + DB], check=True)
    psql(SETUP)

    checked = 0
    errors = 0
    failures = 0
    sizes = [rng.randint(20, args.max_size) for _ in range(args.graphs - 1)] + [args.max_size]
    for g, size in enumerate(sizes):
        revs = make_graph(rng, size)
        reg = ["SET client_min_messages = warning;",
               "TRUNCATE migrate.revision, migrate.applied, migrate.log;"]
        reg += ["DROP TABLE IF EXISTS m_%s;" % r[0] for r in revs]
        for rid, downs, deps, labels in rng.sample(revs, len(revs)):
            reg.append("SELECT migrate_revision('%s', '{%s}', 'CREATE TABLE IF NOT EXISTS m_%s ()', "
                       "'DROP TABLE IF EXISTS m_%s', branch_labels => '{%s}', depends_on => '{%s}');"
                       % (rid, ",".join(downs), rid, rid, ",".join(labels), ",".join(deps)))
        psql("\n".join(reg) + "\n", check=True)
        for op in range(args.ops):
            kind = rng.choice(["upgrade", "upgrade", "downgrade", "downgrade", "stamp"])
            targets = [random_target(rng, revs) for _ in range(rng.randint(1, 2) if kind == "stamp" else 1)]
            arr = "ARRAY[%s]::text[]" % ",".join("$t$%s$t$" % t for t in targets)
            sql = ("SET client_min_messages = warning;\n"
                   "SELECT fuzz_state();\n"
                   "SELECT fuzz_op('%s', %s);\n"
                   "SELECT fuzz_state();\n"
                   "SELECT * FROM fuzz_check();\n" % (kind, arr))
            out = psql(sql, check=False)
            where = "seed %d, graph %d (%d revisions), operation %d: %s %r" % (args.seed, g, size, op, kind, targets)
            if out.returncode != 0:
                failures += 1
                print("FAIL %s: %s" % (where, out.stderr.strip()))
                if "server closed the connection" in out.stderr or "could not connect" in out.stderr:
                    print("FAIL fuzz: the server went away")
                    return 1
                continue
            lines = out.stdout.splitlines()
            before, result, after, violations = lines[0], lines[1], lines[2], lines[3:]
            checked += 1
            if result.startswith("error"):
                errors += 1
                if args.verbose:
                    print("error %s" % result)
                sqlstate = result.split()[1]
                if sqlstate.startswith("XX") or sqlstate == "P0001":
                    failures += 1
                    print("FAIL %s: unclean error %s" % (where, result))
                if before != after:
                    failures += 1
                    print("FAIL %s: failed but changed the state" % where)
            for v in violations:
                failures += 1
                print("FAIL %s: %s" % (where, v))
    psql("TRUNCATE migrate.revision, migrate.applied, migrate.log;")
    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", "DROP DATABASE " + DB], check=True)
    print("%s fuzz (%d operations checked, %d of them clean errors, %d graphs up to %d revisions, seed %d)"
          % ("PASS" if failures == 0 else "FAIL", checked, errors, len(sizes), max(sizes), args.seed))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

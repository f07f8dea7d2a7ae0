#!/usr/bin/python3
"""Differential test: migrate against Alembic's own RevisionMap.

Random revision graphs (several bases, branch points, merges, depends_on by id
and by label, branch labels, registered in random order) are loaded into
migrate and into alembic.script.revision.RevisionMap in the same order.  For
random applied states, the heads, the history order, and the steps and their
order for upgrades to "heads" and to single revisions, and for downgrades to
applied revisions and to base, must be identical.  Needs Debian's
python3-alembic and a server reachable by psql (PG* environment variables).

    test/alembic_compare.py [--graphs N] [--seed S]

Prints PASS/FAIL and the number of comparisons; a failure prints the seed and
the graph so that it can be reproduced.
"""
import argparse
import random
import subprocess
import sys

from alembic.script.revision import Revision, RevisionMap

DB = "migrate_alembic_compare"


def psql(sql, db=DB):
    out = subprocess.run(
        ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", db],
        input=sql, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return out.stdout


def make_graph(rng, n):
    revs = []           # (id, downs, deps, labels) in creation order
    for i in range(n):
        rid = "r%02d" % i
        earlier = [r[0] for r in revs]
        roll = rng.random()
        if not earlier or roll < 0.12:
            downs = []
        elif roll < 0.25 and len(earlier) >= 2:
            downs = rng.sample(earlier, 2)
        else:
            downs = [rng.choice(earlier[-6:])]
        deps = []
        if earlier and rng.random() < 0.15:
            dep = rng.choice(earlier)
            if dep not in downs:
                deps = [dep]
        labels = ["L%02d" % i] if rng.random() < 0.12 else []
        revs.append((rid, downs, deps, labels))
    # some depends_on name a label instead of the id
    by_id = {r[0]: r for r in revs}
    out = []
    for rid, downs, deps, labels in revs:
        named = [by_id[d][3][0] if by_id[d][3] and rng.random() < 0.5 else d for d in deps]
        out.append((rid, downs, named, labels))
    return out


def make_cross_graph(rng, n):
    """Several lines (Neutron's expand/contract branches, Invenio's packages),
    each a chain from its own base with the odd branch point and merge, and
    many depends_on from one line into another: states built from them hold
    revisions applied only because another line depends on them."""
    nlines = rng.randint(2, 4)
    tips = [[] for _ in range(nlines)]
    revs = []
    for i in range(n):
        rid = "r%02d" % i
        line = rng.randrange(nlines)
        own = tips[line]
        roll = rng.random()
        if not own:
            downs = []
        elif roll < 0.1 and len(own) >= 2:
            downs = rng.sample(own, 2)
        elif roll < 0.2:
            downs = [rng.choice(own)]          # a branch point within the line
        else:
            downs = [own[-1]]
        others = [r[0] for r in revs if r[0] not in own]
        # one depends_on per revision: Alembic orders several of one revision
        # by Python's set order (hash-seeded), which gives no fixed order to
        # compare with
        deps = []
        if others and rng.random() < 0.45:
            deps = [rng.choice(others)]
        labels = ["L%02d" % i] if not own or rng.random() < 0.08 else []
        revs.append((rid, downs, deps, labels))
        own.append(rid)
    by_id = {r[0]: r for r in revs}
    out = []
    for rid, downs, deps, labels in revs:
        named = [by_id[d][3][0] if by_id[d][3] and rng.random() < 0.3 else d for d in deps]
        out.append((rid, downs, named, labels))
    return out


def alembic_map(order):
    revisions = [Revision(rid, tuple(downs) or None, dependencies=tuple(deps) or None,
                          branch_labels=tuple(labels) or None)
                 for rid, downs, deps, labels in order]
    return RevisionMap(lambda: revisions)


def sql_array(items):
    return "'{" + ",".join(items) + "}'"


def register_sql(order):
    lines = ["TRUNCATE migrate.revision, migrate.applied, migrate.log;"]
    for rid, downs, deps, labels in order:
        lines.append("SELECT migrate_revision('%s', %s, branch_labels => %s, depends_on => %s);"
                     % (rid, sql_array(downs), sql_array(labels), sql_array(deps)))
    return "\n".join(lines) + "\n"


def closure(m, targets):
    return {r.revision for r in m._get_ancestor_nodes(m.get_revisions(targets))}


def current_heads(order, applied):
    named = {d for rid, downs, _, _ in order if rid in applied for d in downs}
    return sorted(a for a in applied if a not in named)


def version_rows(m, applied):
    """What Alembic's version table holds for this applied set: the applied
    revisions that no applied revision follows or depends on."""
    below = {d for a in applied for d in m.get_revision(a)._all_down_revisions}
    return sorted(a for a in applied if a not in below)


def downgrade_target(m, rows, target):
    """The revision id a downgrade target names, as Alembic resolves it."""
    rev = m._parse_downgrade_target(tuple(rows), target, True)[1]
    return getattr(rev, "revision", None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--graphs", type=int, default=150)
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()

    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", "DROP DATABASE IF EXISTS " + DB],
                   check=True, capture_output=True)
    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", "CREATE DATABASE " + DB],
                   check=True, capture_output=True)
    psql("""CREATE EXTENSION migrate;
CREATE FUNCTION cmp_steps(kind text, target text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    steps text;
BEGIN
    IF kind = 'upgrade' THEN
        SELECT coalesce(string_agg(revision, ' '), '') INTO steps
          FROM migrate_upgrade(target, dry_run => true);
    ELSE
        SELECT coalesce(string_agg(revision, ' '), '') INTO steps
          FROM migrate_downgrade(target, dry_run => true);
    END IF;
    RETURN steps;
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR';
END $$;""")

    rng = random.Random(args.seed)
    compared = 0
    failures = 0
    split_states = 0    # states with a current head that is not a version row
    for g in range(args.graphs):
        if g % 2:
            order = make_cross_graph(rng, rng.randint(4, 28))
        else:
            order = make_graph(rng, rng.randint(3, 28))
        rng.shuffle(order)          # registration order breaks ties, in both
        m = alembic_map(order)
        ids = [r[0] for r in order]

        # Build one script: register, then for several states, stamp and query.
        queries = []            # (description, sql, expected)
        errors = {}             # query index -> Alembic's message
        queries.append(("heads", "SELECT string_agg(h, ' ') FROM migrate_heads() h;",
                        " ".join(sorted(m.heads))))
        hist = [r.revision for r in m.iterate_revisions(
            "heads", "base", inclusive=True, assert_relative_length=False)]
        queries.append(("history",
                        "SELECT string_agg(revision, ' ') FROM migrate_history();",
                        " ".join(hist)))
        for _ in range(4):
            applied = closure(m, rng.sample(ids, rng.randint(0, min(3, len(ids)))))
            # Alembic is given its version table's rows; migrate is stamped
            # to the same applied set and finds its rows itself
            cur = version_rows(m, applied)
            shown = current_heads(order, applied)
            split_states += shown != cur
            stamp = ("SELECT count(*) FROM migrate_stamp(%s);"
                     % (", ".join("'%s'" % c for c in shown) if shown else "'base'"))
            if applied:
                all_current = sorted(r.revision for r in m._get_all_current(tuple(cur)))
            else:
                all_current = []
            queries.append(("current (alembic current) from rows [%s]" % " ".join(cur),
                            stamp + "SELECT coalesce(string_agg(c, ' '), '') FROM migrate_current() c;",
                            " ".join(all_current)))
            labels = [lab for r in order for lab in r[3]]
            ops = [("upgrade", "heads"), ("upgrade", "head"), ("downgrade", "base")]
            ops += [("upgrade", t) for t in rng.sample(ids, 2)]
            ops += [("downgrade", t) for t in rng.sample(ids, 2)]
            ops += [("upgrade", "+1"), ("upgrade", "+2"),
                    ("upgrade", rng.choice(ids) + "+1"), ("downgrade", rng.choice(ids) + "-1")]
            if len(cur) <= 1:
                # with several version rows Alembic picks one; migrate refuses
                ops += [("downgrade", "-1"), ("downgrade", "-2")]
            for lab in rng.sample(labels, min(2, len(labels))):
                ops += [("upgrade", lab + "@head"), ("upgrade", lab + "@+1"),
                        ("downgrade", lab + "@base"), ("downgrade", lab + "@-1")]
            for kind, target in ops:
                try:
                    if kind == "upgrade":
                        steps = list(reversed(list(m.iterate_revisions(
                            target, tuple(cur), implicit_base=True))))
                    else:
                        steps = list(m.iterate_revisions(
                            tuple(cur), target, select_for_downgrade=True))
                    expected = " ".join(r.revision for r in steps)
                except (AssertionError, TypeError, AttributeError, KeyError):
                    continue    # Alembic crashes rather than refusing: not compared
                except Exception as e:
                    if ("Nothing to drop" in str(e) and kind == "downgrade"
                            and downgrade_target(m, cur, target) in shown):
                        # a current head that is not a version row (applied
                        # because a row depends on it): the contract makes
                        # downgrading to a current head a no-op, Alembic
                        # refuses it
                        expected = ""
                    else:
                        expected = "ERROR"
                        errors[len(queries)] = " (%s)" % e
                sql = stamp + "SELECT cmp_steps('%s', '%s');" % (kind, target)
                queries.append(("%s %s from rows [%s]" % (kind, target, " ".join(cur)), sql, expected))

        script = register_sql(order)
        for i, (_, sql, _) in enumerate(queries):
            script += "\\echo @@%d\n%s\n" % (i, sql)
        try:
            out = psql(script)
        except RuntimeError as e:
            failures += 1
            print("FAIL graph %d: %s\n  graph: %r" % (g, e, order))
            continue
        results = {}
        key = None
        for line in out.splitlines():
            if line.startswith("@@"):
                key = int(line[2:])
                results[key] = []
            elif key is not None:
                results[key].append(line)
        for i, (desc, _, expected) in enumerate(queries):
            got = results.get(i, [])
            got = got[-1] if got else None
            compared += 1
            if got != expected:
                failures += 1
                print("FAIL graph %d, %s\n  migrate: %s\n  alembic: %s%s\n  graph (registration order): %r"
                      % (g, desc, got, expected, errors.get(i, ""), order))
    psql("TRUNCATE migrate.revision, migrate.applied, migrate.log;")
    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", "DROP DATABASE " + DB],
                   check=True, capture_output=True)
    print("%s alembic_compare (%d comparisons over %d graphs, seed %d, %d mismatches; "
          "%d states had a current head that is not a version row)"
          % ("PASS" if failures == 0 else "FAIL", compared, args.graphs, args.seed, failures,
             split_states))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The whole deploy against its floor, measured in interleaved pairs.

Run by bench/run.sh in a throw-away cluster with fsync off: at this ratio
disk noise would otherwise swamp the difference.  For each N, PAIRS times:

  floor    a fresh database without the extension; the upgrade bodies of the
           N revisions through one `psql -1 -f`
  migrate  a fresh database with the extension; the README's deploy, one
           `psql -1` that registers the N revision files and runs
           migrate_upgrade('head')

The two runs of a pair follow each other, the order alternating between
pairs, so that a slow minute of the machine hits both.  The figure is the
median of the N per-pair ratios, with PASS/MISS against TARGET.

Usage: paired_deploy.py RESULTS_DIR WORK_DIR   (libpq's PG* variables name the cluster)
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the workload, fresh_db, timed, psql, check_deployed)

OUT, WORK = sys.argv[1], sys.argv[2]
SIZES = [int(x) for x in os.environ.get("BENCH_PAIRED_SIZES", "1000 5000").split()]
PAIRS = int(os.environ.get("BENCH_PAIRS", "9"))
TARGET = 1.05


def deploy_files(n):
    """One directory per N: the revision files as migrations/ holds them
    (one migrate_revision call each) and the floor's one script."""
    d = os.path.join(WORK, f"paired{n}")
    files = os.path.join(d, "migrations")
    os.makedirs(files, exist_ok=True)
    revs = bench.deploy_workload(n)
    bench.write_psql(revs, os.path.join(d, "up.sql"))
    paths = []
    for i, rev in enumerate(revs):
        p = os.path.join(files, f"{rev[0]}_step_{i}.sql")
        bench.write_migrate([rev], p)
        paths.append(p)
    return d, paths


def main():
    lines = []

    def say(line=""):
        print(line, flush=True)
        lines.append(line)

    say(f"== whole deploy in one psql -1 against psql -1 -f (fsync off, {PAIRS} interleaved pairs)")
    say(f"{'N':>6}{'floor':>12}{'migrate':>12}{'median ratio':>15}{'min':>8}{'max':>8}")
    verdicts = []
    for n in SIZES:
        d, paths = deploy_files(n)
        files_args = []
        for p in paths:
            files_args += ["-f", p]
        ratios, floors, deploys = [], [], []
        for k in range(PAIRS):
            order = ("floor", "migrate") if k % 2 == 0 else ("migrate", "floor")
            got = {}
            for side in order:
                db = f"paired_{n}_{k}_{side}"
                bench.fresh_db(db, extension=(side == "migrate"))
                try:
                    if side == "floor":
                        got[side] = bench.timed(bench.psql(db, "-1", "-f", os.path.join(d, "up.sql")))
                    else:
                        got[side] = bench.timed(bench.psql(db, "-1", "-c", r"\o /dev/null", *files_args,
                                                           "-c", r"\o", "-c",
                                                           "SELECT * FROM migrate_upgrade('head')"))
                    bench.check_deployed(db, n)
                finally:
                    bench.admin(f'DROP DATABASE IF EXISTS "{db}"')
            floors.append(got["floor"])
            deploys.append(got["migrate"])
            ratios.append(got["migrate"] / got["floor"])
            print(f"  N={n} pair {k + 1}/{PAIRS}: floor {bench.fmt(got['floor'])}, "
                  f"migrate {bench.fmt(got['migrate'])}, {ratios[-1]:.3f}x", flush=True)
        med = statistics.median(ratios)
        verdicts.append((n, med))
        say(f"{n:>6}{bench.fmt(statistics.median(floors)):>12}{bench.fmt(statistics.median(deploys)):>12}"
            f"{med:>14.3f}x{min(ratios):>7.2f}x{max(ratios):>7.2f}x")
    for n, med in verdicts:
        say(f"{bench.verdict(med <= TARGET)}  whole deploy of {n:,} within {TARGET:.2f}x of psql -1 -f "
            f"(median of {PAIRS} pairs, fsync off): {med:.3f}x")
    with open(os.path.join(OUT, "paired.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

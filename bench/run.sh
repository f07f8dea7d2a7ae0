#!/usr/bin/env bash
# `make bench`: installs what the comparison needs (Alembic, Sqitch, gnuplot),
# builds and installs migrate, then runs bench/bench.py in one throw-away
# cluster.  The report, the raw figures and the plots go to
# bench/results/<timestamp>/ (git-ignored).  Not a test: it prints figures
# and PASS/MISS against the targets, and exits 0 either way.
#
# Knobs (environment):
#   BENCH_DEPLOY_SIZES  revisions per deploy          (default "100 1000 5000")
#   BENCH_GRAPH_SIZES   revisions per graph           (default "1000 10000 100000")
#   BENCH_RUNS          repetitions, median reported  (default 5)
#   BENCH_SQITCH_MAX    largest deploy Sqitch runs 3 times, not once (default 1000)
#   BENCH_ALEMBIC_MAX   largest graph given to Alembic's CLI      (default 10000)
#   BENCH_COMMENT_MB    size of each large table comment, MB     (default 50)
#   BENCH_COMMENTS      large table comments for the fingerprint (default 4)
#   BENCH_PAIRED_SIZES  revisions of the paired whole-deploy figure (default "1000 5000")
#   BENCH_PAIRS         interleaved pairs per size, median reported (default 9)
#   BENCH_AUTOGEN_SIZES tables per autogenerate schema    (default "1000 2000 4000")
set -euo pipefail
cd "$(dirname "$0")/.."

PGVERSION=15
PG_CONFIG=/usr/lib/postgresql/$PGVERSION/bin/pg_config

bash scripts/install-deps.sh python3-alembic python3-psycopg2 sqitch libdbd-pg-perl gnuplot-nox

echo "== building and installing migrate"
make -s PG_CONFIG="$PG_CONFIG"
if [ -w "$($PG_CONFIG --sharedir)/extension" ]; then
	make -s install PG_CONFIG="$PG_CONFIG"
else
	sudo make -s install PG_CONFIG="$PG_CONFIG"
fi

out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the cluster's postgres user writes nothing here, but the benchmark user
# (root under CI) must be able to hand files to psql, Alembic and Sqitch
chmod 755 "$work"

# fsync stays on: a deploy pays for its commit like it does in production
pg_virtualenv -t -v "$PGVERSION" /usr/bin/python3 bench/bench.py "$out" "$work"
# the whole deploy against psql -1 -f in interleaved pairs, on a cluster of
# its own with fsync off: a ratio near 1 drowns in disk noise otherwise
pg_virtualenv -t -v "$PGVERSION" -o fsync=off /usr/bin/python3 bench/paired_deploy.py "$out" "$work"
echo "== results in $out"

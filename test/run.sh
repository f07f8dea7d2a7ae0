#!/usr/bin/env bash
# The one test command (`make test`): installs what is missing, builds with
# warnings as errors, installs the extension, starts a throw-away cluster and
# runs every test in it: pg_regress, isolation specs, the dump/restore round
# trip, the workflow tests and the TAP tests of the migrate program.  Then,
# for each newer major in PGVERSIONS (default "15 17 18"),
# test/run-version.sh: the library built against that
# major's headers, the regression suite, the isolation specs and the
# dump/restore tests (that major alone, and 15 -> that major) on an embedded
# server of that major.  The Python, hardening and workflow suites run on 15
# only.  Prints "N passed, N failed" last, counting every version; each line
# of a newer major's run starts with "pgN| ".
#     make test PGVERSIONS=15       # one version
#     make test PGVERSIONS="17"     # 17 (15 is still built: the 15 -> 17 source)
set -euo pipefail
cd "$(dirname "$0")/.."

PGVERSIONS=${PGVERSIONS:-"15 17 18"}
PGVERSION=15
PG_CONFIG=/usr/lib/postgresql/$PGVERSION/bin/pg_config

# python3-alembic is the reference implementation test/alembic_compare.py checks against;
# libipc-run-perl is what prove needs for the TAP tests of the migrate program (cli/t)
deps=(python3-alembic libipc-run-perl)
# newer majors come from the npm registry (scripts/pg-versions.sh); Debian's
# npm only when no npm is there (NodeSource's nodejs carries its own)
for v in $PGVERSIONS; do
	[ "$v" = "$PGVERSION" ] || command -v npm >/dev/null || { deps+=(npm); break; }
done
bash scripts/install-deps.sh "${deps[@]}"

echo "== building (-Wall -Wextra -Werror)"
make -s clean PG_CONFIG="$PG_CONFIG"
make -s PG_CONFIG="$PG_CONFIG"
echo "== installing"
if [ -w "$($PG_CONFIG --sharedir)/extension" ]; then
	make -s install PG_CONFIG="$PG_CONFIG"
else
	sudo make -s install PG_CONFIG="$PG_CONFIG"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
bash test/meta.sh 2>&1 | tee -a "$log" || status=1
for v in $PGVERSIONS; do
	if [ "$v" = "$PGVERSION" ]; then
		echo "== PostgreSQL $v: testing in a throw-away cluster"
		pg_virtualenv -t -v "$PGVERSION" -o max_prepared_transactions=10 bash test/run-in-cluster.sh "$PG_CONFIG" 2>&1 | tee -a "$log" || status=$?
	else
		bash test/run-version.sh "$v" 2>&1 | sed -u "s/^/pg$v| /" | tee -a "$log" || status=1
	fi
done

# pg_regress and isolation print "... ok" / "... FAILED" per test; the shell
# tests (the workflow suite and the TAP tests included) print "PASS name" /
# "FAIL name", each counted once (the workflow suite's own summary line is
# not added again).
passed=$(grep -cE '\.\.\. ok|^(pg[0-9]+\| )?PASS ' "$log" || true)
failed=$(grep -cE '\.\.\. FAILED|^(pg[0-9]+\| )?FAIL ' "$log" || true)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

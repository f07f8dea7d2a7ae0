#!/usr/bin/env bash
# The one test command (`make test`): installs what is missing, builds with
# warnings as errors, installs the extension, starts a throw-away cluster and
# runs every test in it: pg_regress, isolation specs, the dump/restore round
# trip, the workflow tests and the TAP tests of the migrate program.  Prints
# "N passed, N failed" last.
set -euo pipefail
cd "$(dirname "$0")/.."

PGVERSION=15
PG_CONFIG=/usr/lib/postgresql/$PGVERSION/bin/pg_config

# python3-alembic is the reference implementation test/alembic_compare.py checks against;
# libipc-run-perl is what prove needs for the TAP tests of the migrate program (cli/t)
bash scripts/install-deps.sh python3-alembic libipc-run-perl

echo "== building (-Wall -Wextra -Werror)"
make -s clean PG_CONFIG="$PG_CONFIG"
make -s PG_CONFIG="$PG_CONFIG"
echo "== installing"
if [ -w "$($PG_CONFIG --sharedir)/extension" ]; then
	make -s install PG_CONFIG="$PG_CONFIG"
else
	sudo make -s install PG_CONFIG="$PG_CONFIG"
fi

echo "== testing in a throw-away cluster"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
pg_virtualenv -t -v "$PGVERSION" -o max_prepared_transactions=10 bash test/run-in-cluster.sh "$PG_CONFIG" 2>&1 | tee "$log" || status=$?

# pg_regress and isolation print "... ok" / "... FAILED" per test; the shell
# tests print "PASS name" / "FAIL name"; the workflow suite sums itself up.
passed=$(grep -cE '\.\.\. ok|^PASS ' "$log" || true)
failed=$(grep -cE '\.\.\. FAILED|^FAIL ' "$log" || true)
if summary=$(grep -oE '^workflow: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1); then
	passed=$((passed + $(echo "$summary" | awk '{print $2}')))
	failed=$((failed + $(echo "$summary" | awk '{print $4}')))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

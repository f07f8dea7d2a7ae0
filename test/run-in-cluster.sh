#!/usr/bin/env bash
# Runs inside pg_virtualenv (PGHOST, PGPORT, PGUSER, PGPASSWORD set to a
# throw-away cluster): every suite runs even when an earlier one fails.
set -uo pipefail
PG_CONFIG=$1
status=0

# one make call each, so that a failing regression test does not skip the specs
make -s installcheck ISOLATION= PG_CONFIG="$PG_CONFIG" || { status=1; head -200 regression.diffs 2>/dev/null; }
make -s installcheck REGRESS= PG_CONFIG="$PG_CONFIG" || { status=1; head -200 regression.diffs 2>/dev/null; }
bash test/dump_restore.sh || status=1
bash test/nontx.sh || status=1
/usr/bin/python3 test/alembic_compare.py || status=1
/usr/bin/python3 test/autogen_property.py || status=1
/usr/bin/python3 test/hardening/fuzz.py || status=1
bash test/hardening/faults.sh || status=1
bash test/hardening/load.sh || status=1
# the migrate program: TAP tests with clusters of their own, a PASS/FAIL line per assertion
bash test/cli_tap.sh "$PG_CONFIG" || status=1
# prefixed so that only test/run.sh prints the closing summary line
bash test/workflow/run.sh 2>&1 | sed -E 's/^([0-9]+ passed, [0-9]+ failed)$/workflow: \1/'
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
exit $status

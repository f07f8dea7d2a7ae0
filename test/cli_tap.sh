#!/usr/bin/env bash
# The TAP tests of the migrate program (cli/t/*.pl), counted by test/run.sh:
# one "PASS cli/t/FILE: name" or "FAIL ..." line per assertion, and a FAIL
# line for a test file that dies.  Each file starts its own clusters with
# PostgreSQL::Test::Cluster, from the installation whose pg_config is given
# (the extension must be installed there).  initdb refuses to run as root:
# root runs the tests as the postgres user.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${1:-${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}}
bindir=$("$PG_CONFIG" --bindir)
perl_lib=$("$PG_CONFIG" --pgxs | sed 's,/src/makefiles/pgxs.mk$,,')/src/test/perl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
as_tester=()
if [ "$(id -u)" -eq 0 ]; then
	chown postgres "$work"
	as_tester=(runuser -u postgres --)
fi

status=0
for t in ${CLI_TAP_TESTS:-cli/t/*.pl}; do
	name=${t#cli/t/}
	out="$work/${name%.pl}.out"
	"${as_tester[@]}" env PATH="$bindir:$PATH" TESTDIR="$work" PG_REGRESS="$(dirname "$perl_lib")/regress/pg_regress" \
		MIGRATE="$PWD/cli/migrate" PERL5LIB="$perl_lib:$PWD/cli/t" \
		prove -v "$t" >"$out" 2>&1
	rc=$?
	# assertions become PASS/FAIL lines; prove's own "... ok" lines are not repeated
	sed -nE -e "s|^ok [0-9]+ - (.*)|PASS cli/t/$name: \1|p" \
		-e "s|^not ok [0-9]+ - (.*)|FAIL cli/t/$name: \1|p" "$out"
	if [ $rc -ne 0 ]; then
		status=1
		grep -vE '^(ok|not ok) [0-9]+' "$out" | grep -vE '\.\.\. ?ok' | sed 's/^/  | /' | tail -40
		grep -qE '^not ok' "$out" || echo "FAIL cli/t/$name: exited $rc"
	fi
done
exit $status

#!/usr/bin/env bash
# The regression and isolation suites against a server running under
# valgrind (memcheck): no report may remain.  Slow (minutes), so it is not
# part of `make test`; run it with `make test-valgrind` after touching memory
# handling.  Debian's server is not built with USE_VALGRIND, so memcheck sees
# malloc-level errors, uninitialised reads and bad frees, not overruns inside
# palloc chunks.
set -euo pipefail
cd "$(dirname "$0")/../.."

bindir=$(/usr/lib/postgresql/15/bin/pg_config --bindir)
command -v valgrind >/dev/null || bash scripts/install-deps.sh valgrind
work=$(mktemp -d)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -ne 0 ] || chown postgres "$work"
user=$(if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi)
cp test/hardening/valgrind.supp "$work/"
trap 'as_pg "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1; rm -rf "$work"' EXIT

as_pg "$bindir/initdb" -D "$work/data" -A trust -U "$user" >/dev/null
# started directly (pg_ctl would check the binary it starts): a socket in
# $work only, stopped by the trap
# PostgreSQL's own flags (src/tools/valgrind.supp's users, the buildfarm):
# origins say where an uninitialised value was made, the markers delimit
# each report, 30 frames reach the migrate function a report came through
as_pg valgrind --quiet --trace-children=yes --track-origins=yes --read-var-info=no \
	--leak-check=no --error-limit=no --num-callers=30 \
	--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \
	--suppressions="$work/valgrind.supp" --log-file="$work/valgrind.%p.log" \
	"$bindir/postgres" -D "$work/data" -c listen_addresses= -k "$work" -p 5432 \
	-c max_parallel_workers_per_gather=0 >"$work/server.log" 2>&1 &
for _ in $(seq 1 600); do
	"$bindir/pg_isready" -q -h "$work" -p 5432 && break
	sleep 0.5
done
"$bindir/pg_isready" -q -h "$work" -p 5432 || { cat "$work/server.log"; echo "FAIL valgrind: the server did not start"; exit 1; }

status=0
make -s installcheck PGHOST="$work" PGPORT=5432 PGUSER="$user" || status=1
reports=$(cat "$work"/valgrind.*.log 2>/dev/null | grep -c 'VALGRINDERROR-BEGIN' || true)
if [ "$reports" -ne 0 ]; then
	cat "$work"/valgrind.*.log | head -200
	echo "FAIL valgrind: $reports reports"
	status=1
else
	echo "PASS valgrind: regression and isolation suites, no reports"
fi
exit $status

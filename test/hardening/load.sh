#!/usr/bin/env bash
# Load: 8 pgbench clients call migrate_upgrade('head') over and over while
# another session registers a chain of new revisions.  Every revision must be
# applied exactly once (its body would fail the second time), and no client
# may see an error: no deadlock, no double application.
# Uses the server in the PG* environment; the request loop is bounded.
set -euo pipefail

db=migrate_load
revisions=${LOAD_REVISIONS:-120}
work=$(mktemp -d)
pgbench=$(/usr/lib/postgresql/15/bin/pg_config --bindir 2>/dev/null || pg_config --bindir)/pgbench
trap 'rm -rf "$work"; dropdb --if-exists $db 2>/dev/null' EXIT
failed=0

dropdb --if-exists $db 2>/dev/null
createdb $db
psql -X -q -v ON_ERROR_STOP=1 -d $db -c "CREATE EXTENSION migrate" \
	-c "SELECT migrate_revision('l0', '{}', 'CREATE TABLE l_0 (id int)', 'DROP TABLE l_0')" >/dev/null

cat >"$work/upgrade.sql" <<'EOF'
SET client_min_messages = warning;
SELECT count(*) FROM migrate_upgrade('head');
EOF

"$pgbench" -n -c 8 -j 2 -t 60 -f "$work/upgrade.sql" -d $db >"$work/pgbench.out" 2>&1 &
bench=$!
# register the chain while the clients upgrade
for i in $(seq 1 "$revisions"); do
	psql -X -q -At -v ON_ERROR_STOP=1 -d $db \
		-c "SELECT migrate_revision('l$i', '{l$((i - 1))}', 'CREATE TABLE l_$i (id int)', 'DROP TABLE l_$i')" >/dev/null
done
bench_status=0
wait $bench || bench_status=$?
psql -X -q -At -d $db -c "SET client_min_messages = warning" -c "SELECT count(*) FROM migrate_upgrade('head')" >/dev/null

check() {
	if [ "$2" = "$3" ]; then echo "PASS load: $1"; else echo "FAIL load: $1 (expected $2, got $3)"; failed=1; fi
}
check "pgbench clients finished without errors" "0" "$bench_status"
check "no client aborted" "0" "$(grep -c -i -e 'aborted' -e 'error' "$work/pgbench.out" || true)"
n=$((revisions + 1))
check "every revision applied" "$n" "$(psql -X -At -d $db -c "SELECT count(*) FROM migrate.applied")"
check "each applied exactly once" "$n $n" "$(psql -X -At -d $db -c "SELECT count(*), count(DISTINCT revision) FROM migrate.log WHERE direction = 'upgrade'" | tr '|' ' ')"
check "every body ran" "$n" "$(psql -X -At -d $db -c "SELECT count(*) FROM pg_class WHERE relname ~ '^l_[0-9]+$' AND relkind = 'r'")"
[ $failed -eq 0 ] || cat "$work/pgbench.out"
exit $failed

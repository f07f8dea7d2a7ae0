#!/usr/bin/env bash
# Faults in the middle of a deploy: the deploying backend terminated, killed
# with SIGKILL (the server goes through crash recovery), and the server
# stopped in immediate mode.  After each, the applied state, the log and the
# user's schema are exactly as before the call, and a new
# migrate_upgrade('head') completes.
#
# The deploy is held in the middle deterministically: revision 15's body waits
# for a table lock that another session holds.  Runs its own throw-away
# cluster (it stops and kills servers), as the postgres user when root.
set -euo pipefail

bindir=$(/usr/lib/postgresql/15/bin/pg_config --bindir 2>/dev/null || pg_config --bindir)
work=$(mktemp -d)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -ne 0 ] || chown postgres "$work"
user=$(if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi)
failed=0

start() { as_pg "$bindir/pg_ctl" -D "$work/data" -l "$work/log" -w -s -o "-c listen_addresses='' -k $work -p 5432" start; }
stop() { as_pg "$bindir/pg_ctl" -D "$work/data" -w -s -m "${1:-fast}" stop; }
trap 'exec {blk}>&- 2>/dev/null; stop immediate 2>/dev/null; rm -rf "$work"' EXIT

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$work" -p 5432 -U "$user" -d faults -c "$1"; }

as_pg "$bindir/initdb" -D "$work/data" -A trust -U "$user" >/dev/null
start
psql -X -q -h "$work" -p 5432 -U "$user" -d postgres -c "CREATE DATABASE faults"
sql "CREATE EXTENSION migrate"
sql "CREATE TABLE blocker ()"
for i in $(seq 1 30); do
	body="CREATE TABLE f_$i (id int PRIMARY KEY, v text); INSERT INTO f_$i VALUES ($i, 'x')"
	[ "$i" -ne 15 ] || body="$body; LOCK TABLE blocker"
	down=$([ "$i" -eq 1 ] && echo '{}' || echo "{r$((i - 1))}")
	sql "SELECT migrate_revision('r$i', '$down', \$b\$$body\$b\$, 'DROP TABLE f_$i', 'step $i')" >/dev/null
done

state() {
	sql "SELECT coalesce(string_agg(r, ' '), '-') FROM migrate_current() r" 
	sql "SELECT count(*) FROM migrate.applied"
	sql "SELECT count(*) FROM migrate.log"
	sql "SELECT count(*) FROM pg_class WHERE relname LIKE 'f\\_%' AND relkind = 'r'"
}

check() {
	if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1"; echo "  expected: $2"; echo "  got: $3"; failed=1; fi
}

run_fault() {  # name, how
	local before pid deploy_status
	before=$(state | tr '\n' ' ')
	# hold the lock revision 15 needs, in a session kept open on a pipe
	coproc BLOCK { psql -X -q -h "$work" -p 5432 -U "$user" -d faults; }
	blk=${BLOCK[1]}
	echo "BEGIN; LOCK TABLE blocker;" >&"$blk"
	until [ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'blocker' AND l.granted")" = 1 ]; do sleep 0.05; done
	psql -X -q -h "$work" -p 5432 -U "$user" -d faults -c "SET client_min_messages = warning" \
		-c "SELECT count(*) FROM migrate_upgrade('head')" >"$work/deploy.out" 2>&1 &
	local deploy=$!
	# wait until the deploy is blocked inside revision 15
	for _ in $(seq 1 400); do
		pid=$(sql "SELECT pid FROM pg_stat_activity WHERE query LIKE '%migrate_upgrade%' AND wait_event_type = 'Lock'")
		[ -n "$pid" ] && break
		sleep 0.05
	done
	[ -n "$pid" ] || { echo "FAIL $1: the deploy never reached revision 15"; failed=1; return; }
	case $2 in
		terminate) sql "SELECT pg_terminate_backend($pid)" >/dev/null ;;
		sigkill) kill -9 "$pid" ;;
		immediate) stop immediate ;;
	esac
	deploy_status=0
	wait "$deploy" || deploy_status=$?
	exec {blk}>&- 2>/dev/null || true
	wait "$BLOCK_PID" 2>/dev/null || true
	[ "$2" != immediate ] || start
	# after a SIGKILL the server restarts by itself: wait until it accepts queries
	for _ in $(seq 1 200); do sql "SELECT 1" >/dev/null 2>&1 && break; sleep 0.05; done
	check "$1: the deploy failed" "nonzero" "$([ $deploy_status -ne 0 ] && echo nonzero || echo zero)"
	check "$1: state, log and schema as before" "$before" "$(state | tr '\n' ' ')"
	check "$1: a new upgrade completes" "30" "$(sql "SET client_min_messages = warning; SELECT count(*) FROM migrate_upgrade('head')")"
	check "$1: everything applied once" "30 30 30" "$(sql "SELECT count(*) FROM migrate.applied") $(sql "SELECT count(*) FROM migrate.log WHERE direction = 'upgrade'") $(sql "SELECT count(*) FROM pg_class WHERE relname LIKE 'f\\_%' AND relkind = 'r'")"
	# back to base for the next fault
	sql "SET client_min_messages = warning; SELECT count(*) FROM migrate_downgrade('base')" >/dev/null
	sql "TRUNCATE migrate.log"
}

run_fault "pg_terminate_backend mid-deploy" terminate
run_fault "SIGKILL mid-deploy, crash recovery" sigkill
run_fault "immediate shutdown mid-deploy" immediate
exit $failed

#!/usr/bin/env bash
# The everyday workflow behind the make targets (mk/workflow.mk).
#
#   scripts/migrate.sh create "message"     new migration file on the head of migrations/
#   scripts/migrate.sh merge "message"      merge revision over all heads of migrations/
#   scripts/migrate.sh upgrade [target]     register every file and upgrade, one transaction
#   scripts/migrate.sh downgrade target     downgrade (e.g. -1)
#   scripts/migrate.sh stamp target...      register every file and stamp
#   scripts/migrate.sh current|history|heads|status|drift
#   scripts/migrate.sh check                files and database agree?
#   scripts/migrate.sh db-backup            pg_dump into backups/
#   scripts/migrate.sh db-start|db-stop|db-reset
#
# Target database: DATABASE_URL when set (any libpq connection string);
# otherwise a project-local cluster in .devdb/ (MIGRATE_DEVDB), listening on
# a Unix socket in that folder only, created and started on first use.
# Every failure is one line on stderr that says what to do next.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
migrations=${MIGRATIONS_DIR:-$root/migrations}
devdb=${MIGRATE_DEVDB:-$root/.devdb}
devdb_name=migrate_dev
devdb_port=5432     # names the socket file only: nothing listens on TCP
backups=${BACKUP_DIR:-$root/backups}
if [ -z "${PG_CONFIG:-}" ]; then
	PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
	[ -x "$PG_CONFIG" ] || PG_CONFIG=pg_config
fi

die() { echo "migrate: $*" >&2; exit 1; }

command -v "$PG_CONFIG" >/dev/null 2>&1 || die "pg_config not found: install postgresql-server-dev-15 (make test does it) or set PG_CONFIG"
bindir=$("$PG_CONFIG" --bindir)

# --- the local development cluster -------------------------------------------

# The server refuses to run as root: root runs it as the postgres user.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
dev_user() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }

dev_running() { as_owner "$bindir/pg_ctl" -D "$devdb/data" status >/dev/null 2>&1; }

db_start() {
	if [ ! -f "$devdb/data/PG_VERSION" ]; then
		mkdir -p "$devdb"
		[ "$(id -u)" -ne 0 ] || chown postgres "$devdb"
		chmod 700 "$devdb"
		as_owner "$bindir/initdb" -D "$devdb/data" -A trust -U "$(dev_user)" >"$devdb/initdb.log" 2>&1 ||
			die "initdb failed (see $devdb/initdb.log)"
	fi
	if ! dev_running; then
		as_owner "$bindir/pg_ctl" -D "$devdb/data" -l "$devdb/server.log" -w -s \
			-o "-c listen_addresses='' -k $devdb -p $devdb_port -c unix_socket_permissions=0700" start ||
			die "the development server did not start (see $devdb/server.log)"
	fi
	if ! psql -X -q -At -h "$devdb" -p $devdb_port -U "$(dev_user)" -d postgres \
		-c "SELECT 1 FROM pg_database WHERE datname = '$devdb_name'" | grep -q 1; then
		psql -X -q -h "$devdb" -p $devdb_port -U "$(dev_user)" -d postgres -c "CREATE DATABASE $devdb_name" ||
			die "could not create database $devdb_name"
	fi
}

db_stop() {
	if [ -f "$devdb/data/PG_VERSION" ] && dev_running; then
		as_owner "$bindir/pg_ctl" -D "$devdb/data" -m fast -w -s stop
	fi
}

db_reset() {
	db_stop
	rm -rf "$devdb"
	db_start
}

# --- connecting ----------------------------------------------------------------

psql_db() {
	if [ -n "${DATABASE_URL:-}" ]; then
		psql -X -v ON_ERROR_STOP=1 "$@" "$DATABASE_URL"
	else
		psql -X -v ON_ERROR_STOP=1 -h "$devdb" -p $devdb_port -U "$(dev_user)" "$@" "$devdb_name"
	fi
}

# The extension must be available to the server and created in the database.
ensure_extension() {
	[ -n "${DATABASE_URL:-}" ] || db_start
	if ! psql_db -q -At -c "SELECT 1 FROM pg_available_extensions WHERE name = 'migrate'" | grep -q 1; then
		if [ -n "${DATABASE_URL:-}" ]; then
			die "the server behind DATABASE_URL does not have the migrate extension: install it there (make install)"
		fi
		if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
			make -s -C "$root" install PG_CONFIG="$PG_CONFIG" >/dev/null || die "building the extension failed: run make to see why"
		else
			die "the migrate extension is not installed: run 'sudo make install' once"
		fi
	fi
	psql_db -q -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS migrate" >/dev/null ||
		die "could not create the migrate extension (it needs a superuser once: CREATE EXTENSION migrate)"
}

# --- migration files -----------------------------------------------------------

files() { find "$migrations" -maxdepth 1 -name '*.sql' | sort; }

file_id() { basename "$1" | sed -E 's/^([A-Za-z0-9]+)_.*/\1/'; }

# "id down1 down2 ..." per file, read from the named arguments in the file
file_graph() {
	local f
	for f in $(files); do
		local id downs
		id=$(sed -nE "s/^[[:space:]]*revision[[:space:]]*=>[[:space:]]*'([A-Za-z0-9_]+)'.*/\1/p" "$f" | head -1)
		downs=$(sed -nE "s/^[[:space:]]*down_revision[[:space:]]*=>[[:space:]]*'\{([^}]*)\}'.*/\1/p" "$f" | head -1 | tr ',' ' ')
		[ -n "$id" ] || die "$f has no \"revision => '...'\" line: fix the file"
		echo "$id $downs"
	done
}

file_heads() {
	file_graph | awk '{ ids[$1] = 1; for (i = 2; i <= NF; i++) named[$i] = 1 }
		END { for (id in ids) if (!(id in named)) print id }' | sort
}

new_file() {   # message, down revisions
	local message=$1; shift
	[ -n "$message" ] || die "give a message: make migrate-create MESSAGE=\"add phone\""
	local id slug down path created
	id=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	slug=$(echo "$message" | tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9]+/_/g; s/^_+|_+$//g' | cut -c1-40)
	down=$(IFS=,; echo "$*")
	path="$migrations/${id}_${slug:-revision}.sql"
	created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	mkdir -p "$migrations"
	cat >"$path" <<EOF
-- ${message}
--
-- Revision ID: ${id}
-- Revises: ${down:-(base)}
-- Create Date: ${created}
SELECT migrate_revision(
    revision      => '${id}',
    down_revision => '{${down}}',
    message       => '${message//\'/\'\'}',
    upgrade       => \$upgrade\$
-- the SQL that applies this revision
\$upgrade\$,
    downgrade     => \$downgrade\$
-- the SQL that undoes it
\$downgrade\$
);
EOF
	echo "$path"
}

cmd_create() {
	local heads
	heads=$(file_heads)
	if [ "$(echo "$heads" | grep -c .)" -gt 1 ]; then
		die "migrations/ has several heads ($(echo $heads | tr ' ' ',')): run make migrate-merge MESSAGE=\"merge\" first"
	fi
	new_file "${1:-}" $heads
}

cmd_merge() {
	local heads
	heads=$(file_heads)
	[ "$(echo "$heads" | grep -c .)" -gt 1 ] || die "migrations/ has a single head: nothing to merge"
	new_file "${1:-merge heads}" $heads
}

# Register every file, then run the SQL given on stdin, all in one
# transaction; the registrations' own output is not shown.
with_files() {
	local f
	{
		echo 'BEGIN;'
		echo '\o /dev/null'
		for f in $(files); do printf '\\i %s\n' "$f"; done
		echo '\o'
		cat
		echo 'COMMIT;'
	} | psql_db -q "$@"
}

cmd_upgrade() {
	ensure_extension
	with_files -v target="${1:-head}" <<'EOF'
\pset footer off
SELECT revision AS applied, message FROM migrate_upgrade(:'target');
EOF
}

cmd_downgrade() {
	[ -n "${1:-}" ] || die "give a target: make migrate-downgrade REVISION=-1"
	ensure_extension
	psql_db -q -v target="$1" <<'EOF'
BEGIN;
\pset footer off
SELECT revision AS unapplied, message FROM migrate_downgrade(:'target');
COMMIT;
EOF
}

cmd_stamp() {
	[ $# -gt 0 ] || die "give a target: make migrate-stamp REVISION=head"
	ensure_extension
	with_files -v targets="{$(IFS=,; echo "$*")}" <<'EOF'
\pset footer off
SELECT s AS current FROM migrate_stamp(VARIADIC :'targets'::text[]) s;
EOF
}

cmd_show() {
	ensure_extension
	case $1 in
		current) psql_db -q -c "SELECT * FROM migrate_current() AS current" ;;
		heads) psql_db -q -c "SELECT * FROM migrate_heads() AS heads" ;;
		history) psql_db -q -c "SELECT revision, down_revision, message, branch_labels, depends_on,
		                               is_head, is_applied, applied_at FROM migrate_history()" ;;
		status) psql_db -q -x -c "SELECT * FROM migrate_status()" ;;
		drift) psql_db -q -c "SELECT at, role, application_name, client_addr, command_tag,
		                             object_identity, guard, guard_set_by_session AS by_session,
		                             statement FROM migrate_drift()" ;;
	esac
}

# Files and database must agree: every file registered, every registered
# revision has a file, no applied revision's file was changed.
cmd_check() {
	ensure_extension
	local problems=0 f id out
	local -A file_ids=()
	for f in $(files); do
		id=$(file_id "$f")
		file_ids[$id]=$f
	done
	local registered
	registered=$(psql_db -q -At -c "SELECT revision FROM migrate.revision ORDER BY revision")
	for id in "${!file_ids[@]}"; do
		if ! grep -qx "$id" <<<"$registered"; then
			echo "not registered: ${file_ids[$id]#$root/} (run make migrate-upgrade)"
			problems=1
		fi
	done
	for id in $registered; do
		if [ -z "${file_ids[$id]:-}" ]; then
			echo "registered but its file is gone: $id (restore the file, or downgrade below it and call migrate_forget('$id'))"
			problems=1
		fi
	done
	# register each file in a savepoint of a transaction that is rolled back:
	# an applied revision with other content is refused by migrate_revision
	local script
	script=$(mktemp)
	{
		echo "BEGIN;"
		echo "CREATE TEMP TABLE migrate_check_before AS SELECT revision, md5(ROW(down_revision, depends_on, branch_labels, message, upgrade, downgrade)::text) AS h FROM migrate.revision;"
		for id in "${!file_ids[@]}"; do
			echo "SAVEPOINT one_file;"
			echo "\\echo @@file ${file_ids[$id]#$root/}"
			echo "\\i ${file_ids[$id]}"
			echo "SELECT 'changed, not applied: ${file_ids[$id]#$root/}' FROM migrate.revision r JOIN migrate_check_before b USING (revision) WHERE r.revision = '$id' AND md5(ROW(r.down_revision, r.depends_on, r.branch_labels, r.message, r.upgrade, r.downgrade)::text) <> b.h;"
			echo "ROLLBACK TO SAVEPOINT one_file;"
		done
		echo "ROLLBACK;"
	} >"$script"
	out=$(psql_db -q -At -v ON_ERROR_STOP=0 -f "$script" 2>&1 || true)
	rm -f "$script"
	local current=""
	while IFS= read -r line; do
		case $line in
			@@file*) current=${line#@@file } ;;
			*"is applied and cannot be changed"*)
				echo "applied revision's file changed: $current (revert the edit and write a new migration)"
				problems=1 ;;
			"changed, not applied: "*) echo "note: $line (make migrate-upgrade registers the new content)" ;;
		esac
	done <<<"$out"
	# the schema must be what the migrations made it
	local drift matches
	IFS='|' read -r drift matches < <(psql_db -q -At -c "SELECT drift, schema_matches FROM migrate_status()")
	if [ "${drift:-0}" -gt 0 ]; then
		echo "schema changed outside migrations: $drift change(s) since the last migration (make migrate-drift lists them; write a migration)"
		problems=1
	fi
	if [ "$matches" = f ]; then
		echo "schema drifted: it no longer matches the fingerprint taken after the last migration (make migrate-status)"
		problems=1
	fi
	if [ $problems -ne 0 ]; then
		echo "migrate: files and database disagree" >&2
		exit 1
	fi
	echo "files and database agree ($(files | grep -c . || true) migration files)"
}

cmd_backup() {
	[ -n "${DATABASE_URL:-}" ] || db_start
	mkdir -p "$backups"
	local name path
	name=$(psql_db -q -At -c "SELECT current_database()")
	path="$backups/${name}-$(date -u +%Y%m%dT%H%M%SZ).dump"
	if [ -n "${DATABASE_URL:-}" ]; then
		pg_dump -Fc -f "$path" "$DATABASE_URL"
	else
		pg_dump -Fc -f "$path" -h "$devdb" -p $devdb_port -U "$(dev_user)" "$devdb_name"
	fi || die "pg_dump failed: nothing was written"
	echo "$path"
}

cmd=${1:-}
shift || true
case $cmd in
	create) cmd_create "$@" ;;
	merge) cmd_merge "$@" ;;
	upgrade) cmd_upgrade "$@" ;;
	downgrade) cmd_downgrade "$@" ;;
	stamp) cmd_stamp "$@" ;;
	current|history|heads|status|drift) cmd_show "$cmd" ;;
	check) cmd_check ;;
	db-backup) cmd_backup ;;
	db-start) db_start; echo "development database running: psql -h $devdb -p $devdb_port -U $(dev_user) $devdb_name" ;;
	db-stop) db_stop ;;
	db-reset) db_reset; echo "development database recreated" ;;
	*) die "unknown command '$cmd': see the comment at the top of scripts/migrate.sh" ;;
esac

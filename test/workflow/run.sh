#!/usr/bin/env bash
# Shell tests of the workflow (the make targets, each a call of the migrate
# program, migration files, the local development cluster, DATABASE_URL, the
# deploy one-liner; the git hook is tested in cli/t/010_hook.pl).  Each test works in a throw-away
# project folder with its own development cluster, so a developer's own
# .devdb/ is never touched.  DATABASE_URL tests use the server in
# PGHOST/PGPORT/PGUSER/PGPASSWORD; the make targets run with PGHOST and
# PGPORT unset, so that they fall back to the development cluster.
# Prints PASS/FAIL per test and "N passed, N failed" last.
set -uo pipefail

# the development cluster runs as the invoking user and the server refuses
# root: as root, the tests run as the postgres user (as test/cli_tap.sh does)
if [ "$(id -u)" -eq 0 ]; then
	exec runuser -p -u postgres -- env HOME="$(getent passwd postgres | cut -d: -f6)" bash "$0" "$@"
fi

repo=$(cd "$(dirname "$0")/../.." && pwd)
migrate=$repo/cli/migrate
passed=0
failed=0
scratch=$(mktemp -d)
chmod 755 "$scratch"
cleanup() {
	for d in "$scratch"/*/devdb; do
		[ -d "$d" ] && MIGRATE_DEVDB=$d "$migrate" db stop >/dev/null 2>&1
	done
	rm -rf "$scratch"
}
trap cleanup EXIT

# a project folder: the repo's make targets, a copy of the example migrations
new_project() {
	local p="$scratch/$1"
	mkdir -p "$p"
	cp -r "$repo/migrations" "$p/migrations"
	echo "$p"
}

# make in the repo, against a project's migrations and development cluster
# (PGHOST/PGPORT unset: with DATABASE_URL unset, the development cluster)
mk() {
	local p=$1; shift
	env -u PGHOST -u PGPORT -u PGHOSTADDR -u PGDATABASE -u PGSERVICE make -s --no-print-directory -C "$repo" MIGRATIONS_DIR="$p/migrations" MODELS_DIR="$p/models" \
		MIGRATE_DEVDB="$p/devdb" BACKUP_DIR="$p/backups" "$@"
}

devpsql() {  # project, sql
	psql -X -q -At -h "$1/devdb" -p 5432 -U "$(id -un)" -d migrate_dev -c "$2"
}

# the file create or merge wrote: the first line of its output
created() {  # command...
	local out
	out=$("$@") || { echo "$out"; return 1; }
	head -1 <<<"$out"
}

t() {  # name, function; WORKFLOW_ONLY=pattern runs the matching functions only,
	   # WORKFLOW_TRACE=1 traces them (a failure shows the trace's last 40 lines)
	local out
	[ -z "${WORKFLOW_ONLY:-}" ] || [[ $2 == $WORKFLOW_ONLY ]] || return 0
	if out=$([ -z "${WORKFLOW_TRACE:-}" ] || set -x; "$2" 2>&1); then
		echo "PASS $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		echo "$out" | sed 's/^/    /' | tail -40
		failed=$((failed + 1))
	fi
}

expect_fail() {  # command... : must fail with a one-line message
	local out
	if out=$("$@" 2>&1); then
		echo "expected a failure from: $*"; return 1
	fi
	echo "$out"
}

# create -> fill -> upgrade -> current -> downgrade -> check, on a fresh database
test_daily_flow() {
	local p f id out
	p=$(new_project daily)
	mk "$p" migrate-upgrade >/dev/null
	[ "$(devpsql "$p" "SELECT * FROM migrate_current()")" = e2f81c5a7b36 ] || return 1
	f=$(created mk "$p" migrate-create MESSAGE="Add users' nickname")
	[ -f "$f" ] || { echo "no file: $f"; return 1; }
	id=$(basename "$f" | cut -d_ -f1)
	[[ $id =~ ^[0-9a-f]{12}$ ]] || { echo "bad id $id"; return 1; }
	[[ $(basename "$f") == "${id}_add_users_nickname.sql" ]] || { echo "bad name $f"; return 1; }
	grep -q "down_revision => '{e2f81c5a7b36}'" "$f" || return 1
	grep -q "message       => E\?'Add users'' nickname'" "$f" || return 1
	# an empty revision loads and applies
	mk "$p" migrate-check >/dev/null && { echo "check passed with an unregistered file"; return 1; }
	sed -i 's/^-- the SQL that applies this revision$/ALTER TABLE users ADD COLUMN nickname text;/;
	        s/^-- the SQL that undoes it$/ALTER TABLE users DROP COLUMN nickname;/' "$f"
	mk "$p" migrate-upgrade | grep >/dev/null "$id" || return 1
	[ "$(devpsql "$p" "SELECT * FROM migrate_current()")" = "$id" ] || return 1
	devpsql "$p" "SELECT nickname FROM users" >/dev/null || return 1
	mk "$p" migrate-check | grep >/dev/null "agree" || return 1
	mk "$p" migrate-history | grep >/dev/null "Add users' nickname" || return 1
	mk "$p" migrate-heads | grep >/dev/null "$id" || return 1
	mk "$p" migrate-downgrade REVISION=-1 >/dev/null || return 1
	[ "$(devpsql "$p" "SELECT * FROM migrate_current()")" = e2f81c5a7b36 ] || return 1
	devpsql "$p" "SELECT nickname FROM users" >/dev/null 2>&1 && { echo "column still there"; return 1; }
	# downgraded, the revision is pending: the check names the next step (issue 12, item 5)
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -q "1 revision(s) not applied: $id" <<<"$out" && grep -q "migrate upgrade" <<<"$out" || { echo "$out"; return 1; }
}

# files and database disagreeing, each way
test_check_failures() {
	local p out
	p=$(new_project check)
	mk "$p" migrate-upgrade >/dev/null
	mk "$p" migrate-check >/dev/null || return 1
	# an applied revision's file edited
	sed -i 's/ADD COLUMN phone text/ADD COLUMN phone varchar(20)/' "$p/migrations/a1b2c3d4e5f6_add_phone.sql"
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -q 'a1b2c3d4e5f6_add_phone.sql: revision "a1b2c3d4e5f6" is applied and cannot be changed' <<<"$out" || { echo "$out"; return 1; }
	git -C "$repo" show HEAD:migrations/a1b2c3d4e5f6_add_phone.sql >"$p/migrations/a1b2c3d4e5f6_add_phone.sql" 2>/dev/null ||
		cp "$repo/migrations/a1b2c3d4e5f6_add_phone.sql" "$p/migrations/"
	# a registered revision whose file is gone
	mv "$p/migrations/e2f81c5a7b36_merge_email_and_plan.sql" "$scratch/"
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -q 'revision "e2f81c5a7b36" (.*) is applied in database "migrate_dev" but has no file' <<<"$out" || { echo "$out"; return 1; }
	mv "$scratch/e2f81c5a7b36_merge_email_and_plan.sql" "$p/migrations/"
	# a file not registered
	mk "$p" migrate-create MESSAGE="later" >/dev/null
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -q "1 revision(s) not applied: " <<<"$out" || { echo "$out"; return 1; }
	# upgrading registers it; the check is clean again
	mk "$p" migrate-upgrade >/dev/null && mk "$p" migrate-check >/dev/null
}

# a change made by hand: migrate-check fails and names the make targets that
# show it; a change the event triggers missed fails the fingerprint check
test_check_drift() {
	local p out
	p=$(new_project drift)
	mk "$p" migrate-upgrade >/dev/null
	mk "$p" migrate-status | grep -E >/dev/null "^schema matches: +yes" || { mk "$p" migrate-status; return 1; }
	devpsql "$p" "CREATE INDEX users_by_hand ON users (name)" || return 1
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -q "1 schema change(s) outside migrations" <<<"$out" || { echo "$out"; return 1; }
	grep -q "no longer matches the fingerprint" <<<"$out" || { echo "$out"; return 1; }
	mk "$p" migrate-drift | grep -q "CREATE INDEX.*public.users_by_hand" || { mk "$p" migrate-drift; return 1; }
	# undone and acknowledged: clean again
	devpsql "$p" "DROP INDEX users_by_hand" || return 1
	devpsql "$p" "SELECT migrate_drift_clear(now())" >/dev/null || return 1
	mk "$p" migrate-check >/dev/null || { mk "$p" migrate-check; return 1; }
	# unseen by the event triggers: only the fingerprint catches it
	devpsql "$p" "ALTER EVENT TRIGGER migrate_guard_ddl_command_end DISABLE;
	              ALTER TABLE users ADD COLUMN unseen int;
	              ALTER EVENT TRIGGER migrate_guard_ddl_command_end ENABLE ALWAYS" || return 1
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -q "no longer matches the fingerprint" <<<"$out" || { echo "$out"; return 1; }
	grep -q "schema change(s) outside" <<<"$out" && { echo "$out"; return 1; }
	# with the guard at error a change by hand is refused; the server log keeps the attempt
	devpsql "$p" "ALTER DATABASE migrate_dev SET migrate.guard = error" || return 1
	out=$(devpsql "$p" "CREATE TABLE refused_by_guard (id int)" 2>&1) && { echo "not refused"; return 1; }
	grep -q "is not part of a migration" <<<"$out" || { echo "$out"; return 1; }
	grep -q 'migrate.guard refused CREATE TABLE public.refused_by_guard by role' "$p/devdb/server.log" ||
		{ tail -5 "$p/devdb/server.log"; return 1; }
	devpsql "$p" "ALTER DATABASE migrate_dev RESET migrate.guard"
}

# models/: the check compares them with the database, create writes the
# migration from them (warnings on top), and without a change refuses
test_autogenerate() {
	local p f f2 out
	p=$(new_project autogen)
	cp -r "$repo/models" "$p/models"
	mk "$p" migrate-upgrade >/dev/null
	mk "$p" migrate-check | grep -q "models too" || { mk "$p" migrate-check; return 1; }
	out=$(expect_fail mk "$p" migrate-create MESSAGE="nothing") || return 1
	grep -q "nothing to autogenerate" <<<"$out" || { echo "$out"; return 1; }
	# a model change: the check lists it
	sed -i 's/^    email      text$/    email      text,\n    "Nick Name" varchar(40)/; /^    phone      text,$/d' "$p/models/schema.sql"
	echo 'CREATE INDEX users_created_idx ON users (created_at);' >>"$p/models/schema.sql"
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -q 'add column public.users.Nick Name' <<<"$out" || { echo "$out"; return 1; }
	grep -q 'drop column public.users.phone' <<<"$out" || { echo "$out"; return 1; }
	# create writes it, warnings on top
	# (the index of an existing table: built concurrently, in a second,
	# non-transactional revision on the first)
	out=$(mk "$p" migrate-create MESSAGE="nick name, no phone") || { echo "$out"; return 1; }
	f=$(head -1 <<<"$out")
	f2=$(sed -n 2p <<<"$out")
	[[ $f2 == */migrations/*_nick_name_no_phone_concurrent*.sql ]] || { echo "$out"; return 1; }
	grep -q '^-- WARNING (step [0-9], drop column public.users.phone): drops the column and its data$' "$f" || { cat "$f"; return 1; }
	grep -q 'ALTER TABLE public.users ADD COLUMN "Nick Name" character varying(40);' "$f" || { cat "$f"; return 1; }
	grep -q 'CREATE INDEX' "$f" && { cat "$f"; return 1; }
	grep -q 'CREATE INDEX CONCURRENTLY users_created_idx ON public.users USING btree (created_at)' "$f2" || { cat "$f2"; return 1; }
	grep -q 'transactional => false' "$f2" || { cat "$f2"; return 1; }
	grep -q 'ALTER TABLE public.users ADD COLUMN phone text;' "$f" || { cat "$f"; return 1; }
	# review, apply, clean; and the way back works
	mk "$p" migrate-upgrade >/dev/null || return 1
	mk "$p" migrate-check >/dev/null || { mk "$p" migrate-check; return 1; }
	devpsql "$p" 'SELECT "Nick Name" FROM users' >/dev/null || return 1
	mk "$p" migrate-downgrade REVISION=-2 >/dev/null || return 1
	devpsql "$p" "SELECT phone FROM users" >/dev/null || return 1
	mk "$p" migrate-upgrade >/dev/null || return 1
	# AUTOGENERATE=0: an empty revision
	f=$(created mk "$p" migrate-create MESSAGE="by hand" AUTOGENERATE=0) || return 1
	grep -q "^-- the SQL that applies this revision$" "$f" || { cat "$f"; return 1; }
	mk "$p" migrate-upgrade >/dev/null || return 1
	# a broken model file: one line that names the error
	echo 'CREATE TABLE broken (' >"$p/models/zz_broken.sql"
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -q 'models file ".*zz_broken.sql", line 2: syntax error' <<<"$out" || { echo "$out"; return 1; }
	grep -q "superuser" <<<"$out" && { echo "$out"; return 1; }
	[ "$(devpsql "$p" "SELECT count(*) FROM pg_database WHERE datname LIKE 'migrate_shadow%'")" = 0 ] ||
		{ echo "shadow database left behind"; return 1; }
}

# two branches, create refuses, merge joins them
test_merge_flow() {
	local p a b m out
	p=$(new_project merge)
	a=$(created mk "$p" migrate-create MESSAGE="branch a")
	# a second migration on the same head, as another developer made it
	sed "s/$(basename "$a" | cut -d_ -f1)/0000000000bb/g; s/branch a/branch b/" "$a" >"$p/migrations/0000000000bb_branch_b.sql"
	out=$(expect_fail mk "$p" migrate-create MESSAGE="third") || return 1
	grep -q "the migrations have 2 heads" <<<"$out" && grep -q "migrate merge" <<<"$out" || { echo "$out"; return 1; }
	m=$(created mk "$p" migrate-merge MESSAGE="join a and b")
	grep -q "down_revision => '{0000000000bb,$(basename "$a" | cut -d_ -f1)}'" "$m" ||
		grep -q "down_revision => '{$(basename "$a" | cut -d_ -f1),0000000000bb}'" "$m" || { cat "$m"; return 1; }
	mk "$p" migrate-upgrade >/dev/null || return 1
	[ "$(devpsql "$p" "SELECT * FROM migrate_current()")" = "$(basename "$m" | cut -d_ -f1)" ] || return 1
	out=$(expect_fail mk "$p" migrate-merge MESSAGE="again") || return 1
	grep -q "single head: nothing to merge" <<<"$out"
}

# a failing migration changes nothing: registration and upgrade are one transaction
test_upgrade_failure_changes_nothing() {
	local p out
	p=$(new_project failing)
	mk "$p" migrate-upgrade REVISION=a1b2c3d4e5f6 >/dev/null || return 1
	sed -i 's/CREATE INDEX users_name_idx ON users (name);/CREATE INDEX users_name_idx ON users (no_such_column);/' \
		"$p/migrations/3f6e2b9c1d07_index_users_name.sql"
	out=$(expect_fail mk "$p" migrate-upgrade) || return 1
	grep -q 'while applying revision "3f6e2b9c1d07"' <<<"$out" || { echo "$out"; return 1; }
	[ "$(devpsql "$p" "SELECT * FROM migrate_current()")" = a1b2c3d4e5f6 ] || return 1
	# the edited file was not registered either: the call is one transaction
	[ "$(devpsql "$p" "SELECT upgrade LIKE '%(name)%' FROM migrate.revision WHERE revision = '3f6e2b9c1d07'")" = t ] || return 1
	[ "$(devpsql "$p" "SELECT to_regclass('accounts') IS NULL")" = t ]
}

test_stamp_backup_and_cluster() {
	local p dump out
	p=$(new_project stamp)
	mk "$p" migrate-stamp REVISION=3f6e2b9c1d07 | grep >/dev/null 3f6e2b9c1d07 || return 1
	[ "$(devpsql "$p" "SELECT to_regclass('users') IS NULL")" = t ] || return 1
	mk "$p" migrate-stamp REVISION=base >/dev/null || return 1
	[ -z "$(devpsql "$p" "SELECT * FROM migrate_current()")" ] || return 1
	dump=$(mk "$p" db-backup) || return 1
	[ -s "$dump" ] || return 1
	pg_restore --list "$dump" | grep >/dev/null "TABLE DATA migrate revision" || return 1
	# db-stop says what it did (issue 12, item 9), also when there was nothing to do
	mk "$p" db-stop | grep -q "^stopped the development cluster" || return 1
	mk "$p" db-stop | grep -q "is not running: nothing to stop" || return 1
	# stopped: the next target starts it again, and says so on stderr
	out=$(mk "$p" migrate-current 2>&1) || { echo "$out"; return 1; }
	grep -q "started the development cluster" <<<"$out" || { echo "$out"; return 1; }
	mk "$p" db-reset | grep -q 'dropped and created database "migrate_dev"' || return 1
	[ -z "$(devpsql "$p" "SELECT * FROM migrate_current()")" ] || return 1
	mk "$p" migrate-upgrade >/dev/null || return 1
	[ "$(devpsql "$p" "SELECT * FROM migrate_current()")" = e2f81c5a7b36 ] || return 1
	# the cluster listens on its socket only
	[ "$(devpsql "$p" "SHOW listen_addresses")" = "" ] || return 1
	[ -S "$p/devdb/.s.PGSQL.5432" ]
}

url_for() {   # a libpq connection string for a database of the PG* server
	echo "host=${PGHOST:-localhost} port=${PGPORT:-5432} user=${PGUSER:-postgres} dbname=$1${PGPASSWORD:+ password=$PGPASSWORD}"
}

# DATABASE_URL pointing at another database: no local cluster is made
test_database_url() {
	local p url
	p=$(new_project url)
	dropdb --if-exists migrate_wf_second >/dev/null 2>&1
	createdb migrate_wf_second || return 1
	url=$(url_for migrate_wf_second)
	DATABASE_URL=$url mk "$p" migrate-upgrade >/dev/null || return 1
	[ "$(psql -X -At "$url" -c "SELECT * FROM migrate_current()")" = e2f81c5a7b36 ] || return 1
	[ ! -d "$p/devdb" ] || { echo "a local cluster was created"; return 1; }
	DATABASE_URL=$url mk "$p" migrate-check >/dev/null || return 1
	DATABASE_URL=$url mk "$p" migrate-downgrade REVISION=7c4d1e8f2a90 >/dev/null || return 1
	[ "$(psql -X -At "$url" -c "SELECT * FROM migrate_current()")" = 7c4d1e8f2a90 ] || return 1
	DATABASE_URL=$url mk "$p" db-backup | grep >/dev/null "migrate_wf_second-" || return 1
	dropdb migrate_wf_second
}

# the deploy one-liner from the README: psql only, one transaction
test_deploy_one_liner() {
	local p url out
	p=$(new_project deploy)
	dropdb --if-exists migrate_wf_deploy >/dev/null 2>&1
	createdb migrate_wf_deploy || return 1
	url=$(url_for migrate_wf_deploy)
	psql -X -q "$url" -c "CREATE EXTENSION migrate" || return 1
	out=$(psql "$url" -X -q -v ON_ERROR_STOP=1 -1 -c '\o /dev/null' $(printf -- '-f %s ' "$p"/migrations/*.sql) \
		-c '\o' -c "SELECT * FROM migrate_upgrade('head')" 2>&1) || { echo "$out"; return 1; }
	[ "$(psql -X -At "$url" -c "SELECT * FROM migrate_current()")" = e2f81c5a7b36 ] || return 1
	# quiet registration: the output is the upgrade's result alone, seven steps
	grep -q migrate_revision <<<"$out" && { echo "$out"; return 1; }
	grep -q '^(7 rows)$' <<<"$out" || { echo "$out"; return 1; }
	[ "$(grep -c '|' <<<"$out")" = 8 ] || { echo "$out"; return 1; }
	# a broken new migration: nothing of the deploy remains
	mk "$p" migrate-create MESSAGE="broken" >/dev/null
	sed -i 's/^-- the SQL that applies this revision$/SELECT 1 FROM no_such_table;/' "$p"/migrations/*_broken.sql
	out=$(psql "$url" -X -q -v ON_ERROR_STOP=1 -1 -c '\o /dev/null' $(printf -- '-f %s ' "$p"/migrations/*.sql) \
		-c '\o' -c "SELECT * FROM migrate_upgrade('head')" 2>&1) && return 1
	# the failure still reaches stderr through \o /dev/null
	grep -q 'relation "no_such_table" does not exist' <<<"$out" || { echo "$out"; return 1; }
	[ "$(psql -X -At "$url" -c "SELECT count(*) FROM migrate.revision")" = 7 ] || return 1
	[ "$(psql -X -At "$url" -c "SELECT * FROM migrate_current()")" = e2f81c5a7b36 ] || return 1
	dropdb migrate_wf_deploy
}

# the program run from the project folder itself, so that a relative path in an
# injected command would land there (make -C runs in the repo)
wf() {  # project, command...
	local p=$1; shift
	(cd "$p" && MIGRATIONS_DIR="$p/migrations" MODELS_DIR="$p/models" MIGRATE_DEVDB="$p/devdb" BACKUP_DIR="$p/backups" \
		env -u PGHOST -u PGPORT -u PGHOSTADDR -u PGDATABASE -u PGSERVICE "$migrate" "$@")
}

# the message of a revision is exactly the given text
message_is() {  # project, revision, message
	[ "$(psql -X -q -At -h "$1/devdb" -p 5432 -U "$(id -un)" -d migrate_dev -v m="$3" <<<"SELECT message OPERATOR(pg_catalog.=) :'m' FROM migrate.revision WHERE revision = '$2'")" = t ] ||
		{ echo "message of $2 differs: $(devpsql "$1" "SELECT message FROM migrate.revision WHERE revision = '$2'" | od -c | head -20)"; return 1; }
}

# lines of a generated file above the migrate_revision call are all "-- "
# comments without a carriage return
header_is_comments() {  # file
	local line
	while IFS= read -r line; do
		case $line in "SELECT migrate_revision("*) return 0 ;; esac
		[[ $line == "--" || $line == "-- "* ]] || { echo "not a comment line: $(printf %q "$line")"; return 1; }
		[[ $line != *$'\r'* ]] || { echo "carriage return in: $(printf %q "$line")"; return 1; }
	done <"$1"
	echo "no migrate_revision call in $1"; return 1
}

# item 7: a role that may read the catalog but not call migrate_revision
# cannot compare the files' contents with the database: the check says so
# (issue 12, item 8: the rest of the check works for such a role)
test_check_cannot_compare() {
	local p out url
	p=$(new_project cannot_compare)
	mk "$p" migrate-upgrade >/dev/null || return 1
	devpsql "$p" "CREATE ROLE checker LOGIN" || return 1
	[ "$(devpsql "$p" "SELECT has_table_privilege('checker', 'migrate.revision', 'SELECT')")" = t ] || return 1
	sed -i 's/^ALTER TABLE users ADD COLUMN phone text;$/ALTER TABLE users ADD COLUMN phone text;\nDROP TABLE accounts CASCADE;/' \
		"$p/migrations/a1b2c3d4e5f6_add_phone.sql"
	grep -q "DROP TABLE accounts CASCADE" "$p/migrations/a1b2c3d4e5f6_add_phone.sql" || return 1
	url="host=$p/devdb port=5432 user=checker dbname=migrate_dev"
	out=$(DATABASE_URL=$url mk "$p" migrate-check 2>&1)
	grep -q 'file contents not compared with the database: this role may not call migrate_revision' <<<"$out" || { echo "$out"; return 1; }
	grep -q 'files and database agree (7 migration file(s); their contents not compared)' <<<"$out" || { echo "$out"; return 1; }
	# with the privilege it compares, and sees the edit
	devpsql "$p" "GRANT EXECUTE ON FUNCTION migrate_revision TO checker" || return 1
	devpsql "$p" "SELECT migrate_drift_clear(now())" >/dev/null || return 1
	out=$(DATABASE_URL=$url expect_fail mk "$p" migrate-check) || return 1
	grep -q 'a1b2c3d4e5f6_add_phone.sql: revision "a1b2c3d4e5f6" is applied and cannot be changed' <<<"$out" || { echo "$out"; return 1; }
	# a file that fails to load for another reason is no agreement either
	git -C "$repo" show HEAD:migrations/a1b2c3d4e5f6_add_phone.sql >"$p/migrations/a1b2c3d4e5f6_add_phone.sql" 2>/dev/null ||
		cp "$repo/migrations/a1b2c3d4e5f6_add_phone.sql" "$p/migrations/"
	mk "$p" migrate-check >/dev/null || { mk "$p" migrate-check; return 1; }
	sed -i '1i SELECT 1 FROM no_such_table;' "$p/migrations/3f6e2b9c1d07_index_users_name.sql"
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -q 'error: 3f6e2b9c1d07_index_users_name.sql: ' <<<"$out" || { echo "$out"; return 1; }
	grep -q "files and database agree" <<<"$out" && { echo "$out"; return 1; }
	grep -q "files and database disagree" <<<"$out" || { echo "$out"; return 1; }
}

# item 8: a body that contains the dollar-quote tags cannot end its quote
test_dollar_quote_tags() {
	local p f g out default
	p=$(new_project dollar)
	cp -r "$repo/models" "$p/models"
	wf "$p" upgrade >/dev/null || return 1
	# a model default that closes $upgrade$ (and $upgrade_1$, and $downgrade$)
	default="'\$upgrade\$);
\\! touch $p/pwned_up
SELECT (\$upgrade\$ \$upgrade_1\$ \$downgrade\$ \$downgrade_1\$);
\\! touch $p/pwned_down
SELECT (\$downgrade\$'"
	printf 'CREATE TABLE notes (id int, body text DEFAULT %s);\n' "$default" >"$p/models/zz_notes.sql"
	f=$(created wf "$p" create "notes") || { echo "$f"; return 1; }
	grep -q '^    upgrade       => \$upgrade_2\$$' "$f" || { cat "$f"; return 1; }
	wf "$p" upgrade >/dev/null || { wf "$p" upgrade; cat "$f"; return 1; }
	[ ! -e "$p/pwned_up" ] && [ ! -e "$p/pwned_down" ] || { echo "a command in the default ran"; cat "$f"; return 1; }
	# the default arrived byte for byte
	[ "$(devpsql "$p" "SELECT column_default FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'body'")" = "$default::text" ] ||
		{ devpsql "$p" "SELECT column_default FROM information_schema.columns WHERE table_name = 'notes'"; return 1; }
	# dropping it: the downgrade re-creates the default, under a tag it does not contain
	rm "$p/models/zz_notes.sql"
	g=$(created wf "$p" create "no notes") || { echo "$g"; return 1; }
	grep -q '^    downgrade     => \$downgrade_2\$$' "$g" || { cat "$g"; return 1; }
	wf "$p" upgrade >/dev/null || return 1
	wf "$p" downgrade -1 >/dev/null || return 1
	[ ! -e "$p/pwned_up" ] && [ ! -e "$p/pwned_down" ] || { echo "a command in the default ran"; cat "$g"; return 1; }
	[ "$(devpsql "$p" "SELECT column_default FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'body'")" = "$default::text" ] || return 1
	# the plain case keeps the plain tags
	f=$(created wf "$p" create --empty "by hand") || return 1
	grep -q '^    upgrade       => \$upgrade\$$' "$f" && grep -q '^\$downgrade\$$' "$f" || { cat "$f"; return 1; }
}

# item 9: a line break in a table name (a WARNING comment) or in MESSAGE (the
# header comment) does not end the comment line
test_comment_lines() {
	local p f out table table_lf message x
	p=$(new_project comments)
	cp -r "$repo/models" "$p/models"
	wf "$p" upgrade >/dev/null || return 1
	# tables the models do not have: the migration drops them, with a warning naming each
	table=$'x\r\\! touch pwned_table #'
	table_lf=$'y\n\\! touch pwned_table_lf #'
	devpsql "$p" "CREATE TABLE public.\"$table\" (id int); CREATE TABLE public.\"$table_lf\" (id int)" || return 1
	message=$'drop them\r\\! touch pwned_message #\x0b\x1b[31m\xc2\x9b'
	[ "${MESSAGE_PLAIN:-}" != 1 ] || message="drop them"
	f=$(created wf "$p" create "$message") || { echo "$f"; return 1; }
	[ "$(grep -c '^-- WARNING (step [0-9], drop table public\.[xy]\\[rn]\\! touch pwned_table\(_lf\)\? #): ' "$f")" = 2 ] || { cat -A "$f"; return 1; }
	header_is_comments "$f" || { cat -A "$f"; return 1; }
	# no escape or C1 control reaches a comment line raw (a terminal that shows the file would obey it)
	! grep -n '^--' "$f" | LC_ALL=C grep -q $'\x1b\|\xc2[\x80-\x9f]' || { cat -A "$f"; return 1; }
	wf "$p" upgrade >/dev/null || { wf "$p" upgrade; return 1; }
	for x in pwned_table pwned_table_lf pwned_message; do
		[ ! -e "$p/$x" ] || { echo "$x: a command in a comment ran"; cat -A "$f"; return 1; }
	done
	[ "$(devpsql "$p" "SELECT count(*) FROM pg_class WHERE relname IN ('$table', '$table_lf')")" = 0 ] || return 1
	# the message itself is kept as given
	message_is "$p" "$(basename "$f" | cut -d_ -f1)" "$message"
}

# item 10: make variables reach the script as given, never through the shell
test_make_variables() {
	local p f out msg id dd x
	p=$(new_project makevars)
	msg=$'quotes \' " $5 $$ $(shell touch '"$p"$'/pwned_shell) `touch '"$p"$'/pwned_bt` $(touch '"$p"$'/pwned_sub) ; \\ \\n \ttab caf\xc3\xa9 \xe2\x82\xac # end \\'
	f=$(created mk "$p" migrate-create MESSAGE="$msg" AUTOGENERATE=0) || { echo "$f"; return 1; }
	for x in pwned_shell pwned_bt pwned_sub; do
		[ ! -e "$p/$x" ] && [ ! -e "$repo/$x" ] || { echo "$x: the message ran"; return 1; }
	done
	[ -f "$f" ] || { echo "no file: $f"; return 1; }
	header_is_comments "$f" || return 1
	mk "$p" migrate-upgrade >/dev/null || return 1
	id=$(basename "$f" | cut -d_ -f1)
	message_is "$p" "$id" "$msg" || return 1
	# the same from the environment
	f=$(MESSAGE="$msg" AUTOGENERATE=0 created mk "$p" migrate-create) || return 1
	mk "$p" migrate-upgrade >/dev/null || return 1
	message_is "$p" "$(basename "$f" | cut -d_ -f1)" "$msg" || return 1
	# REVISION: no shell, no glob
	out=$(expect_fail mk "$p" migrate-downgrade REVISION='-1"; echo INJECTED; echo "') || return 1
	grep -qx "INJECTED" <<<"$out" && { echo "$out"; return 1; }
	out=$(expect_fail mk "$p" migrate-stamp REVISION='*') || return 1
	grep -q '"\*"' <<<"$out" || { echo "$out"; return 1; }
	grep -q 'Makefile\|README' <<<"$out" && { echo "$out"; return 1; }
	out=$(expect_fail mk "$p" migrate-upgrade REVISION='$(shell echo e2f81c5a7b36)') || return 1
	grep -q 'shell echo' <<<"$out" || { echo "$out"; return 1; }
	# the development cluster's path arrives byte for byte and never reaches a shell
	dd="$p/dev db\$(touch pwned_devdb) 'q\"\`touch pwned_bt\`"
	out=$(env -u PGHOST -u PGPORT -u PGHOSTADDR -u PGDATABASE -u PGSERVICE make -s --no-print-directory -C "$repo" MIGRATIONS_DIR="$p/migrations" \
		MIGRATE_DEVDB="$dd" db-start) || { echo "$out"; return 1; }
	[ -d "$dd/data" ] && [ -S "$dd/.s.PGSQL.5432" ] || { echo "$out"; ls -la "$p"; return 1; }
	for x in "$p/pwned_devdb" "$repo/pwned_devdb" "$dd/pwned_devdb" "$p/pwned_bt" "$repo/pwned_bt"; do
		[ ! -e "$x" ] || { echo "the path ran: $x"; return 1; }
	done
	env -u PGHOST -u PGPORT -u PGHOSTADDR -u PGDATABASE -u PGSERVICE make -s --no-print-directory -C "$repo" MIGRATE_DEVDB="$dd" db-stop | grep -q "^stopped" || return 1
	# several stamp targets in one REVISION still work
	mk "$p" migrate-stamp REVISION="b5e0c7a2d419 d93a6f4b8e21" >/dev/null || return 1
	[ "$(devpsql "$p" "SELECT string_agg(c, ' ' ORDER BY c) FROM migrate_current() c")" = "b5e0c7a2d419 d93a6f4b8e21" ]
}

# item 11: only <revision>_<slug>.sql files are loaded; anything else in
# migrations/ is an error that names it, before anything runs
test_file_names() {
	local p out bad
	p=$(new_project names)
	bad=$'x\'\\!\ftouch${IFS}pwned;#.sql'
	cp "$p/migrations/a1b2c3d4e5f6_add_phone.sql" "$p/migrations/$bad"
	out=$(expect_fail wf "$p" upgrade) || return 1
	[ ! -e "$p/pwned" ] && [ ! -e "$repo/pwned" ] || { echo "a file name ran"; return 1; }
	grep -qF "is not <revision>_<slug>.sql" <<<"$out" || { echo "$out"; return 1; }
	# the name shown escaped (the form feed as \x0c), never raw
	grep -qF 'migration file name "x'"'"'\!\x0ctouch${IFS}pwned;#.sql"' <<<"$out" || { echo "$out"; return 1; }
	[[ $out != *$'\f'* ]] || { echo "the name was printed raw"; return 1; }
	[ -z "$(devpsql "$p" "SELECT revision FROM migrate.revision" 2>/dev/null)" ] || { echo "something was registered"; return 1; }
	out=$(expect_fail mk "$p" migrate-check) || return 1
	grep -qF "is not <revision>_<slug>.sql" <<<"$out" || { echo "$out"; return 1; }
	rm "$p/migrations/$bad"
	# other names: a space, non-ASCII, no slug, not .sql, a folder
	for bad in "dddddddddddd_with space.sql" "bbbbbbbbbbbb_café.sql" "0819a425f7fd.sql" "notes.txt" ".hidden_x.sql" "sub"; do
		if [ "$bad" = sub ]; then mkdir "$p/migrations/sub"; else echo "-- x" >"$p/migrations/$bad"; fi
		out=$(expect_fail wf "$p" upgrade) || return 1
		grep -qF "migration file name \"$bad\" is not" <<<"$out" || { echo "$out"; return 1; }
		rm -rf "$p/migrations/$bad"
	done
	# a file whose name does not start with the revision it registers
	cp "$p/migrations/a1b2c3d4e5f6_add_phone.sql" "$p/migrations/a1b2c3d4e5f7_add_phone.sql"
	out=$(expect_fail wf "$p" upgrade) || return 1
	grep -q 'migration file "a1b2c3d4e5f7_add_phone.sql" registers revision "a1b2c3d4e5f6", but its name says "a1b2c3d4e5f7"' <<<"$out" || { echo "$out"; return 1; }
	rm "$p/migrations/a1b2c3d4e5f7_add_phone.sql"
	wf "$p" upgrade >/dev/null || return 1
	[ "$(devpsql "$p" "SELECT * FROM migrate_current()")" = e2f81c5a7b36 ]
}

t "daily flow: create, fill, upgrade, current, downgrade, check" test_daily_flow
t "check: unregistered file, missing file, edited applied file" test_check_failures
t "check: changes by hand, seen by the guard or only by the fingerprint" test_check_drift
t "autogenerate: check against models/, create from them" test_autogenerate
t "merge flow: create refuses two heads, merge joins them" test_merge_flow
t "a failing upgrade changes nothing" test_upgrade_failure_changes_nothing
t "stamp, db-backup, db-stop, db-reset, socket only" test_stamp_backup_and_cluster
t "DATABASE_URL targets another database" test_database_url
t "deploy one-liner with psql only, all or nothing" test_deploy_one_liner
t "check: a role that cannot call migrate_revision cannot compare (issue 10.7)" test_check_cannot_compare
t "generated bodies: dollar-quote tags absent from the body (issue 10.8)" test_dollar_quote_tags
t "generated comments: one line, no meta-command (issue 10.9)" test_comment_lines
t "make variables: through the environment, byte for byte (issue 10.10)" test_make_variables
t "file names: only <revision>_<slug>.sql loads (issue 10.11)" test_file_names

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Non-transactional revisions deployed with psql alone (README, "Statements
# that cannot run in a transaction"): the recipe
#     \set ON_ERROR_STOP on
#     SELECT command FROM migrate_upgrade_commands('head') \gexec
# upgrades and downgrades through CREATE/DROP INDEX CONCURRENTLY with
# migrate.guard = error and records no drift; a CREATE UNIQUE INDEX
# CONCURRENTLY that fails on duplicates leaves the revision in progress and
# an INVALID index, which the next run drops and builds again; a deploy
# killed in the middle of an index build is resumed by another session,
# while a second deployer is refused as long as the first one lives; only
# the armed session's expected statement passes the guard; a deployer that
# is not a superuser, with the rights the README gives, deploys through the
# recipe, cannot pass the guard with the repair of an index that needs none,
# cannot build on a table it has no rights on, and cannot forge progress;
# nor run a revision that a role without rights on its table registered.
#
# Runs from the repository root against the server in PGHOST/PGPORT/PGUSER
# (a superuser, the extension installed).  Prints "PASS name" or "FAIL name"
# per check; exits non-zero if any check failed.
set -euo pipefail

db=migrate_nontx
failed=0
work=$(mktemp -d)
holder_pid=
cleanup() {
	[ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
	psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db'" >/dev/null 2>&1 || true
	dropdb --if-exists "$db" >/dev/null 2>&1 || true
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS migrate_nontx_deployer" -c "DROP ROLE IF EXISTS migrate_nontx_other" -c "DROP ROLE IF EXISTS migrate_nontx_mallory" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

export PGTZ=UTC PGDATESTYLE=ISO PGCLIENTENCODING=UTF8
export PGOPTIONS='-c migrate.guard=error'

q() {  # sql: unaligned tuples only
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"
}
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; failed=1; }
check() {  # name, expected, actual
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1"; diff <(echo "$2") <(echo "$3") || true; fi
}
# the recipe, as the README gives it; output and exit status kept
deploy() {  # direction target logfile
	psql -X -d "$db" -v ON_ERROR_STOP=1 >"$3" 2>&1 <<-EOF
	SELECT command FROM migrate_$1_commands('$2') \gexec
	EOF
}

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
PGOPTIONS= psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'EOF'
SET migrate.guard = off;
CREATE EXTENSION migrate;
SELECT migrate_revision('a1', '{}',
  'CREATE TABLE users (id int PRIMARY KEY, email text); INSERT INTO users SELECT g, ''u'' || g FROM generate_series(1, 2000) g',
  'DROP TABLE users', 'users');
-- a comment and a quote in the text: the statements are sent as stored
SELECT migrate_revision('b2', '{a1}',
  E'-- index on email, without locking out writes\nCREATE INDEX CONCURRENTLY "users_email ix" ON users (email);\nCREATE INDEX CONCURRENTLY users_id_email ON users (id, email)',
  E'DROP INDEX CONCURRENTLY "users_email ix";\nDROP INDEX CONCURRENTLY users_id_email;',
  'index users'' email', transactional => false);
SELECT migrate_revision('c3', '{b2}', 'ALTER TABLE users ADD name text', 'ALTER TABLE users DROP name', 'name');
EOF
drift0=$(q "SELECT count(*) FROM migrate.drift")

# 1. upgrade with the recipe, guard = error
if deploy upgrade head "$work/up.log"; then pass "recipe upgrade runs"; else fail "recipe upgrade runs"; cat "$work/up.log"; fi
check "recipe upgrade: every revision applied" "c3" "$(q "SELECT string_agg(x, ',') FROM migrate_current() x")"
check "recipe upgrade: indexes built and valid" "t|t" \
	"$(q "SELECT bool_and(indisvalid), count(*) = 2 FROM pg_index WHERE indrelid = 'users'::regclass AND NOT indisprimary")"
check "recipe upgrade: logged once each, in order" "a1 upgrade,b2 upgrade,c3 upgrade" \
	"$(q "SELECT string_agg(revision || ' ' || direction, ',' ORDER BY id) FROM migrate.log")"
check "recipe upgrade: nothing in progress, schema matches" "|t" \
	"$(q "SELECT in_progress, schema_matches FROM migrate_status()")"
check "recipe upgrade: no drift recorded" "$drift0" "$(q "SELECT count(*) FROM migrate.drift")"
check "recipe upgrade: again does nothing" "" "$(q "SELECT command FROM migrate_upgrade_commands('head')")"

# 2. downgrade with the recipe
if deploy downgrade base "$work/down.log"; then pass "recipe downgrade runs"; else fail "recipe downgrade runs"; cat "$work/down.log"; fi
check "recipe downgrade: nothing applied, table gone" "0|" \
	"$(q "SELECT count(*), to_regclass('users') FROM migrate_current()")"
check "recipe downgrade: no drift recorded" "$drift0" "$(q "SELECT count(*) FROM migrate.drift")"

# 3. a unique index that fails on duplicates, then fixed and deployed again
q "SELECT migrate_revision('d4', '{c3}', 'CREATE UNIQUE INDEX CONCURRENTLY users_name ON users (name)', 'DROP INDEX CONCURRENTLY users_name', 'unique name', transactional => false)" >/dev/null
deploy upgrade c3 "$work/up1.log" >/dev/null || true
PGOPTIONS= q "SET migrate.guard = off; UPDATE users SET name = 'same' WHERE id <= 2" >/dev/null
if deploy upgrade head "$work/dup.log"; then fail "duplicates: deploy fails"; else pass "duplicates: deploy fails"; fi
grep -q 'could not create unique index "users_name"' "$work/dup.log" && pass "duplicates: the error is the index's" || { fail "duplicates: the error is the index's"; cat "$work/dup.log"; }
check "duplicates: in progress at statement 1, not applied" "d4|upgrade|1|1|f" \
	"$(q "SELECT revision, direction, next, statements, session_alive FROM migrate_in_progress()")"
check "duplicates: status shows it" "d4|{d4}" "$(q "SELECT in_progress, pending FROM migrate_status()")"
check "duplicates: INVALID index left" "f" "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_name'::regclass")"
psql -X -d "$db" -c "SELECT * FROM migrate_upgrade('head')" >"$work/stop.log" 2>&1
grep -q 'WARNING:  upgrade stopped: revision "d4" is being applied' "$work/stop.log" && pass "duplicates: migrate_upgrade stops with a warning" || { fail "duplicates: migrate_upgrade stops with a warning"; cat "$work/stop.log"; }
check "duplicates: the next run drops the invalid index first" \
	"SELECT pg_catalog.migrate_nontransactional_step('d4', 'upgrade', 1)
DROP INDEX CONCURRENTLY IF EXISTS public.users_name
CREATE UNIQUE INDEX CONCURRENTLY users_name ON users (name)
SELECT pg_catalog.migrate_nontransactional_done('d4', 'upgrade')" \
	"$(q "SELECT command FROM migrate_upgrade_commands('head')")"
PGOPTIONS= q "SET migrate.guard = off; UPDATE users SET name = NULL" >/dev/null
if deploy upgrade head "$work/fixed.log"; then pass "duplicates fixed: deploy runs"; else fail "duplicates fixed: deploy runs"; cat "$work/fixed.log"; fi
check "duplicates fixed: index rebuilt valid, revision applied once" "t|d4|1|" \
	"$(q "SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_name'::regclass), (SELECT string_agg(x, ',') FROM migrate_current() x), (SELECT count(*) FROM migrate.log WHERE revision = 'd4'), (SELECT in_progress FROM migrate_status())")"
check "duplicates fixed: no drift recorded" "$drift0" "$(q "SELECT count(*) FROM migrate.drift")"

# 4. killed in the middle of an index build; a second deployer meanwhile
q "SELECT migrate_revision('e5', '{d4}', E'CREATE INDEX CONCURRENTLY users_lower ON users (lower(email));\nCREATE INDEX CONCURRENTLY users_upper ON users (upper(email))', E'DROP INDEX CONCURRENTLY users_upper;\nDROP INDEX CONCURRENTLY users_lower', 'lower/upper', transactional => false)" >/dev/null
# an open transaction with an xid: CREATE INDEX CONCURRENTLY waits for it
# after creating the (still invalid) index
mkfifo "$work/holder"
psql -X -q -d "$db" <"$work/holder" >/dev/null 2>&1 &
holder_pid=$!
exec 7>"$work/holder"
echo "BEGIN; SELECT txid_current(); SELECT pg_sleep(600);" >&7
until [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL AND query LIKE '%pg_sleep(600)%'")" = 1 ]; do sleep 0.1; done
PGAPPNAME=deploy1 deploy upgrade head "$work/killed.log" &
deploy_pid=$!
until [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'deploy1' AND wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX CONCURRENTLY users_lower%'")" = 1 ]; do sleep 0.1; done
check "second deployer: commands refused while the first runs" \
	'ERROR:  revision "e5" is being applied by another session' \
	"$(psql -X -q -At -d "$db" -c "SELECT command FROM migrate_upgrade_commands('head')" 2>&1 | head -1)"
check "second deployer: its step call is refused" \
	'ERROR:  revision "e5" is being applied by another session' \
	"$(psql -X -q -At -d "$db" -c "SELECT migrate_nontransactional_step('e5', 'upgrade', 1)" 2>&1 | head -1)"
check "second deployer: migrate_upgrade runs nothing" \
	'WARNING:  upgrade stopped: revision "e5" is being applied' \
	"$(psql -X -q -At -d "$db" -c "SELECT * FROM migrate_upgrade('head')" 2>&1 | head -1)"
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'deploy1'" >/dev/null
wait "$deploy_pid" || true
# the holder's backend sleeps on: end it from the server side
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()" >/dev/null
exec 7>&-
wait "$holder_pid" 2>/dev/null || true
holder_pid=
check "killed: in progress at statement 1, its session gone" "e5|1|2|f" \
	"$(q "SELECT revision, next, statements, session_alive FROM migrate_in_progress()")"
check "killed: INVALID index left" "f" "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_lower'::regclass")"
if deploy upgrade head "$work/resumed.log"; then pass "killed: resumed by another session"; else fail "killed: resumed by another session"; cat "$work/resumed.log"; fi
grep -q 'DROP INDEX' "$work/resumed.log" && pass "killed: invalid index dropped before the rebuild" || { fail "killed: invalid index dropped before the rebuild"; cat "$work/resumed.log"; }
check "killed: both indexes valid, applied once" "2|e5|1" \
	"$(q "SELECT (SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid IN ('users_lower'::regclass, 'users_upper'::regclass)), (SELECT string_agg(x, ',') FROM migrate_current() x), (SELECT count(*) FROM migrate.log WHERE revision = 'e5')")"
check "killed: no drift recorded" "$drift0" "$(q "SELECT count(*) FROM migrate.drift")"

# 5. the guard passes the armed session's expected statement, only it
out=$(psql -X -q -At -d "$db" 2>&1 <<'EOF'
SELECT migrate_nontransactional_step('e5', 'downgrade', 1);
CREATE TABLE sneaky (id int);
DROP INDEX CONCURRENTLY users_lower;
DROP INDEX CONCURRENTLY users_upper;
SELECT to_regclass('users_upper') IS NULL;
EOF
)
check "guard: other DDL refused, out-of-order statement refused, expected one passes" \
	'statement 1 of 2 of revision e5
ERROR:  CREATE TABLE public.sneaky is not part of a migration
ERROR:  statement 2 of revision "e5" is out of order
t' "$(echo "$out" | grep -v '^DETAIL\|^HINT')"
check "guard: the in-band statement was recorded" "2" "$(q "SELECT next FROM migrate_in_progress()")"
if deploy downgrade d4 "$work/down2.log"; then pass "guard: the rest of the downgrade runs"; else fail "guard: the rest of the downgrade runs"; cat "$work/down2.log"; fi
check "guard: downgraded, no drift recorded" "d4|$drift0" \
	"$(q "SELECT (SELECT string_agg(x, ',') FROM migrate_current() x), (SELECT count(*) FROM migrate.drift)")"

# 6. a session that did not arm the statement does not pass the guard with it
q "SELECT migrate_revision('f6', '{e5}', E'CREATE TYPE mood AS ENUM (''ok'');\nALTER TYPE mood ADD VALUE ''sad'';\nVACUUM (ANALYZE) users;\nREINDEX INDEX CONCURRENTLY users_lower', 'DROP TYPE mood', 'mood', transactional => false)" >/dev/null
deploy upgrade e5 "$work/up6.log" >/dev/null
q "SELECT migrate_nontransactional_step('f6', 'upgrade', 1)" >/dev/null
check "guard: the expected statement from another session is refused" \
	'ERROR:  CREATE TYPE public.mood is not part of a migration' \
	"$(psql -X -q -At -d "$db" -c "CREATE TYPE mood AS ENUM ('ok')" 2>&1 | head -1)"
if deploy upgrade head "$work/up7.log"; then pass "guard: the deploy then finishes it"; else fail "guard: the deploy then finishes it"; cat "$work/up7.log"; fi
check "guard: enum built, VACUUM and REINDEX run by the deploy, no drift" "ok,sad|t|f6|$drift0" \
	"$(q "SELECT (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'mood'::regtype), (SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'users'), (SELECT string_agg(x, ',') FROM migrate_current() x), (SELECT count(*) FROM migrate.drift)")"

# 7. a deployer that is not a superuser, with exactly the rights the README
# gives (EXECUTE on migrate_revision, migrate_upgrade, migrate_downgrade and
# the four functions of the recipe), owning the schema it changes; the guard
# set for the database, which the deployer cannot change
PGOPTIONS= psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<EOF
SET migrate.guard = off;
SET client_min_messages = warning;
DROP ROLE IF EXISTS migrate_nontx_deployer;
DROP ROLE IF EXISTS migrate_nontx_other;
CREATE ROLE migrate_nontx_deployer LOGIN PASSWORD 'nontx-test';
CREATE ROLE migrate_nontx_other LOGIN PASSWORD 'nontx-test';
GRANT EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean),
  migrate_upgrade(text, boolean, integer), migrate_downgrade(text, boolean),
  migrate_upgrade_commands(text, integer), migrate_downgrade_commands(text),
  migrate_nontransactional_step(text, text, integer), migrate_nontransactional_done(text, text)
  TO migrate_nontx_deployer;
CREATE SCHEMA app AUTHORIZATION migrate_nontx_deployer;
-- a table of another role, which the deployer may read but not change
CREATE TABLE public.secret (id int, s text);
ALTER TABLE public.secret OWNER TO migrate_nontx_other;
GRANT SELECT ON public.secret TO migrate_nontx_deployer;
ALTER DATABASE $db SET migrate.guard = error;
EOF
export PGOPTIONS=
drift0=$(q "SELECT count(*) FROM migrate.drift")   # the setup above is recorded
dq() {  # sql as the deployer
	PGUSER=migrate_nontx_deployer PGPASSWORD=nontx-test psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"
}
dq "SELECT migrate_revision('g7', '{f6}', 'CREATE TABLE app.items (id int PRIMARY KEY, name text); CREATE TABLE app.items2 (id int)', 'DROP TABLE app.items, app.items2', 'items')" >/dev/null
dq "SELECT migrate_revision('h8', '{g7}', E'CREATE INDEX CONCURRENTLY \"it''s name\" ON app.items (name);\nCREATE UNIQUE INDEX CONCURRENTLY items_name ON app.items (name, id)', E'DROP INDEX CONCURRENTLY app.items_name;\nDROP INDEX CONCURRENTLY app.\"it''s name\"', 'items name', transactional => false)" >/dev/null
if PGUSER=migrate_nontx_deployer PGPASSWORD=nontx-test deploy upgrade head "$work/dep_up.log"; then pass "deployer: the recipe upgrades"; else fail "deployer: the recipe upgrades"; cat "$work/dep_up.log"; fi
check "deployer: indexes valid, applied, no drift" "2|h8|$drift0" \
	"$(q "SELECT (SELECT count(*) FROM pg_index WHERE indisvalid AND indrelid = 'app.items'::regclass AND indexrelid <> 'app.items_pkey'::regclass), (SELECT string_agg(x, ',') FROM migrate_current() x), (SELECT count(*) FROM migrate.drift)")"
check "deployer: the guard is in force for it" 'ERROR:  CREATE TABLE app.loose is not part of a migration' \
	"$(dq "CREATE TABLE app.loose ()" 2>&1 | head -1)"
if PGUSER=migrate_nontx_deployer PGPASSWORD=nontx-test deploy downgrade g7 "$work/dep_down.log"; then pass "deployer: the recipe downgrades"; else fail "deployer: the recipe downgrades"; cat "$work/dep_down.log"; fi
check "deployer: indexes dropped, no drift" "0|g7|$drift0" \
	"$(q "SELECT (SELECT count(*) FROM pg_index WHERE indrelid = 'app.items'::regclass AND indexrelid <> 'app.items_pkey'::regclass), (SELECT string_agg(x, ',') FROM migrate_current() x), (SELECT count(*) FROM migrate.drift)")"
PGUSER=migrate_nontx_deployer PGPASSWORD=nontx-test deploy upgrade h8 "$work/dep_up2.log" || { fail "deployer: upgrade again"; cat "$work/dep_up2.log"; }

# the repair before a CREATE INDEX CONCURRENTLY (DROP INDEX CONCURRENTLY IF
# EXISTS of its name) passes the guard only for an INVALID index of that
# name on that statement's table: armed with a revision whose index has the
# name of a valid index elsewhere, the deployer cannot drop that one in band
dq "SELECT migrate_revision('i9', '{h8}', 'CREATE INDEX CONCURRENTLY items_name ON app.items2 (id)', 'DROP INDEX CONCURRENTLY app.items_name', 'same name', transactional => false)" >/dev/null
out=$(PGUSER=migrate_nontx_deployer PGPASSWORD=nontx-test psql -X -q -At -d "$db" 2>&1 <<'EOF'
SELECT migrate_nontransactional_step('i9', 'upgrade', 1);
DROP INDEX CONCURRENTLY IF EXISTS app.items_name;
EOF
)
check "forged repair: refused by the guard" 'statement 1 of 1 of revision i9
ERROR:  DROP INDEX CONCURRENTLY app.items_name is not part of a migration' "$(echo "$out" | grep -v '^DETAIL\|^HINT')"
check "forged repair: the valid index stays, no drift" "t|$drift0" \
	"$(q "SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = 'app.items_name'::regclass), (SELECT count(*) FROM migrate.drift)")"
# the deployer cannot write the progress it is checked against
check "deployer: migrate.in_progress is read-only to it" 'ERROR:  permission denied for table in_progress' \
	"$(dq "UPDATE migrate.in_progress SET next = 2" 2>&1 | head -1)"
check "deployer: cannot record the revision before its statement ran" 'ERROR:  statement 1 of revision "i9" has not completed' \
	"$(dq "SELECT migrate_nontransactional_done('i9', 'upgrade')" 2>&1 | head -1)"
q "SELECT migrate_stamp('h8')" >/dev/null 2>&1; q "SELECT migrate_forget('i9')" >/dev/null

# a revision cannot build on a table the deployer has no rights on
dq "SELECT migrate_revision('j10', '{h8}', 'CREATE INDEX CONCURRENTLY secret_s ON public.secret (s)', 'DROP INDEX CONCURRENTLY public.secret_s', 'on secret', transactional => false)" >/dev/null
if PGUSER=migrate_nontx_deployer PGPASSWORD=nontx-test deploy upgrade head "$work/dep_secret.log"; then fail "no rights: the deploy fails"; else pass "no rights: the deploy fails"; fi
grep -q 'must be owner of table secret' "$work/dep_secret.log" && pass "no rights: the server's permission error" || { fail "no rights: the server's permission error"; cat "$work/dep_secret.log"; }
check "no rights: no index, j10 not applied, in progress at statement 1" "|h8|j10|1" \
	"$(q "SELECT to_regclass('public.secret_s'), (SELECT string_agg(x, ',') FROM migrate_current() x), (SELECT revision || '|' || next FROM migrate_in_progress())")"

# a role with only EXECUTE on migrate_revision and no rights on the
# deployer's table registers a revision that builds on it: neither the
# deployer's recipe nor its step call runs it (the trust rule)
q "SELECT migrate_stamp('h8')" >/dev/null 2>&1
q "SELECT migrate_forget('j10')" >/dev/null
PGOPTIONS= psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<EOF
SET client_min_messages = warning;
SET migrate.guard = off;
DROP ROLE IF EXISTS migrate_nontx_mallory;
CREATE ROLE migrate_nontx_mallory LOGIN PASSWORD 'nontx-test';
GRANT EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean) TO migrate_nontx_mallory;
EOF
PGUSER=migrate_nontx_mallory PGPASSWORD=nontx-test psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "SELECT migrate_revision('k11', '{h8}', 'CREATE INDEX CONCURRENTLY planted ON app.items (id, name)', 'DROP INDEX CONCURRENTLY app.planted', 'planted', transactional => false)" >/dev/null
check "untrusted registrant: the deployer's commands refuse it" \
	'ERROR:  revision "k11" was registered by role "migrate_nontx_mallory", which role "migrate_nontx_deployer" does not trust' \
	"$(dq "SELECT command FROM migrate_upgrade_commands('head')" 2>&1 | head -1)"
check "untrusted registrant: the deployer's step call refuses it" \
	'ERROR:  revision "k11" was registered by role "migrate_nontx_mallory", which role "migrate_nontx_deployer" does not trust' \
	"$(dq "SELECT migrate_nontransactional_step('k11', 'upgrade', 1)" 2>&1 | head -1)"
# drift: the GRANT above only, recorded with the guard off
check "untrusted registrant: nothing built or in progress, no drift" "||$((drift0 + 1))" \
	"$(q "SELECT to_regclass('app.planted'), (SELECT revision FROM migrate_in_progress()), (SELECT count(*) FROM migrate.drift)")"

[ $failed -eq 0 ] && echo "nontx: all passed" || echo "nontx: some checks FAILED"
exit $failed

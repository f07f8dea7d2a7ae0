#!/usr/bin/env bash
# pg_dump / pg_restore round trip: the graph (every column), the bodies, the
# applied state, the log and the user's schema and data come back identical,
# from a custom-format dump through pg_restore and from a plain SQL dump
# through psql; and the restored database keeps working: the lock row exists,
# the registration order is kept, the sequences continue, and every restored
# upgrade and downgrade body runs.  The guard is set to "error" in every
# database: restores must pass it, bring back its record (migrate.drift) and
# the fingerprints, and the restored schema must match the last fingerprint.
#
# Runs from the repository root against the server in PGHOST/PGPORT/PGUSER
# (a throw-away superuser cluster with the extension installed):
#     pg_virtualenv -t bash test/dump_restore.sh
# With SRC_PGHOST and SRC_PGPORT, the source database is made on that server
# instead (an older major: test/run-version.sh runs it from 15 into 17 and
# 18), dumped by the pg_dump in SRC_BINDIR (default: the one on PATH), and
# restored into PGHOST/PGPORT.
# Prints "PASS name" or "FAIL name" (with a diff) per check; exits non-zero
# if any check failed.
set -euo pipefail

src=migrate_dump_src
dst=migrate_dump_dst            # pg_dump -Fc | pg_restore
dst_plain=migrate_dump_dst_plain  # pg_dump | psql
vsrc=migrate_dump_view_src vdst=migrate_dump_view  # a view across majors
work=$(mktemp -d)
failed=0

# the source's server: PGHOST/PGPORT, or SRC_PGHOST/SRC_PGPORT
src_server=()
if [ -n "${SRC_PGHOST:-}" ]; then
	src_server=(--host="$SRC_PGHOST" --port="${SRC_PGPORT:-5432}")
fi
conn() {  # database: a connection string for it
	if { [ "$1" = "$src" ] || [ "$1" = "$vsrc" ]; } && [ -n "${SRC_PGHOST:-}" ]; then
		echo "host='$SRC_PGHOST' port='${SRC_PGPORT:-5432}' dbname=$1"
	else
		echo "dbname=$1"
	fi
}

cleanup() {
	for db in "$src" "$vsrc"; do
		dropdb "${src_server[@]}" --if-exists "$db" >/dev/null 2>&1 || true
	done
	for db in "$dst" "$dst_plain" "$vdst"; do
		dropdb --if-exists "$db" >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# deterministic output: no step NOTICEs, one time zone, UTF-8 both ways
export PGOPTIONS='-c client_min_messages=warning'
export PGTZ=UTC PGDATESTYLE=ISO PGCLIENTENCODING=UTF8

q() {  # database, sql: unaligned tuples only
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$(conn "$1")" -c "$2"
}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; failed=1; }

check_same() {  # name, expected file, actual file
	if diff -u "$2" "$3" >"$work/diff" 2>&1; then
		pass "$1"
	else
		fail "$1"
		cat "$work/diff"
	fi
}

check_sql() {  # name, database, sql that must return exactly "t"
	local out
	if out=$(q "$2" "$3" 2>&1) && [ "$out" = t ]; then
		pass "$1"
	else
		fail "$1"
		echo "    query: $3"
		echo "    got:   $out"
	fi
}

# pg_dump output without comments (they name the database) nor the random
# \restrict key of newer minor releases, nor the column version option that
# Debian's 15.20 server keeps on every column and only 18.6's pg_dump writes
# out (SET (pg_attver=N)): the server's bookkeeping, not the user's schema
dump_filter() {
	grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' -e '^ALTER TABLE ONLY .* SET (pg_attver=[0-9]*);$'
}

CAPTURES="history current heads resolve log revision applied plan schema data drift fingerprint status"

capture() {  # database, directory
	local db=$1 dir=$2
	mkdir -p "$dir"
	q "$db" "SELECT * FROM migrate_history()" >"$dir/history"
	q "$db" "SELECT * FROM migrate_current()" >"$dir/current"
	q "$db" "SELECT * FROM migrate_heads()" >"$dir/heads"
	for t in left right lib library heads head right@head lib@heads m1@base a m; do
		echo "$t: $(q "$db" "SELECT string_agg(r, ',') FROM migrate_resolve('$t') r" 2>&1)"
	done >"$dir/resolve"
	q "$db" "SELECT * FROM migrate_log()" >"$dir/log"
	# every column of the catalog, byte for byte (COPY escapes newlines and backslashes)
	q "$db" "COPY (SELECT * FROM migrate.revision ORDER BY seq) TO STDOUT" >"$dir/revision"
	q "$db" "COPY (SELECT * FROM migrate.applied ORDER BY revision) TO STDOUT" >"$dir/applied"
	# what the graph would do next: same order, same steps
	{
		q "$db" "SELECT 'up', * FROM migrate_upgrade('heads', dry_run => true)"
		q "$db" "SELECT 'down', * FROM migrate_downgrade('base', dry_run => true)"
	} >"$dir/plan"
	pg_dump --schema-only --schema=public -d "$(conn "$db")" | dump_filter >"$dir/schema"
	q "$db" "COPY (SELECT * FROM migrate.drift ORDER BY id) TO STDOUT" >"$dir/drift"
	q "$db" "COPY (SELECT * FROM migrate.fingerprint ORDER BY log_id) TO STDOUT" >"$dir/fingerprint"
	q "$db" "SELECT * FROM migrate_status()" >"$dir/status"
	{
		q "$db" "COPY (SELECT * FROM shop_users ORDER BY id) TO STDOUT"
		q "$db" "COPY (SELECT * FROM shop_lib ORDER BY x) TO STDOUT"
		q "$db" "SELECT shop_greet()"
	} >"$dir/data"
}

createdb "${src_server[@]}" -T template0 -E UTF8 --locale=C "$src"
psql -X -q -v ON_ERROR_STOP=1 -d "$(conn "$src")" >/dev/null <<'EOF'
CREATE EXTENSION migrate;
-- Two bases (a0, lib0), a branch point (a0) whose branches carry labels, a
-- merge (m1), depends_on by label (m2 -> lib) and by id (lib1 -> a0), two
-- labels on one revision, and messages and bodies with quotes, dollar signs,
-- dollar-quoted strings, backslashes, newlines, tabs and non-ASCII text.
SELECT migrate_revision('a0', '{}',
    $body$CREATE TABLE shop_users (id int PRIMARY KEY, name text NOT NULL);
COMMENT ON TABLE shop_users IS 'l''équipe $1 \n';$body$,
    'DROP TABLE shop_users',
    E'users: l''initial $1 \\n\nsecond line\tend');
SELECT migrate_revision('a1', '{a0}',
    $q$INSERT INTO shop_users VALUES (1, 'Zoë O''Brien $$ \x'), (2, E'tab\there \\ back');$q$,
    $q$DELETE FROM shop_users WHERE id IN (1, 2)$q$,
    'données « ünïcödé » ✓ 日本語', branch_labels => '{left}');
SELECT migrate_revision('b1', '{a0}',
    $body$ALTER TABLE shop_users ADD COLUMN email text DEFAULT $d$o'brien@example.org$d$;
CREATE FUNCTION shop_greet() RETURNS text LANGUAGE sql
AS $f$ SELECT 'Grüße, \ $$ ''quoted'' $1 日本' $f$;$body$,
    $body$DROP FUNCTION shop_greet();
ALTER TABLE shop_users DROP COLUMN email;$body$,
    $m$email and a "greeting" with $f$ inside$m$, branch_labels => '{right}');
SELECT migrate_revision('m1', '{a1,b1}', 'CREATE INDEX shop_users_name_idx ON shop_users (name)',
    'DROP INDEX shop_users_name_idx', 'merge left and right');
SELECT migrate_revision('lib0', '{}', 'CREATE TABLE shop_lib (x int); INSERT INTO shop_lib VALUES (42)',
    'DROP TABLE shop_lib', 'library', branch_labels => '{lib,library}');
SELECT migrate_revision('m2', '{m1}', 'ALTER TABLE shop_users ADD COLUMN lib int',
    'ALTER TABLE shop_users DROP COLUMN lib', 'uses lib', depends_on => '{lib}');
SELECT migrate_revision('lib1', '{lib0}', 'ALTER TABLE shop_lib ADD COLUMN owner int',
    'ALTER TABLE shop_lib DROP COLUMN owner', 'needs a0', depends_on => '{a0}');

-- a history with upgrades, downgrades and stamps
SELECT count(*) FROM migrate_upgrade('m1');
SELECT count(*) FROM migrate_downgrade('right@a0');
SELECT count(*) FROM migrate_upgrade('m1');
SELECT count(*) FROM migrate_upgrade('lib');
SELECT count(*) FROM migrate_stamp('m1');          -- forgets lib0 without running anything
SELECT count(*) FROM migrate_stamp('m1', 'lib0');  -- and takes it back
-- changes by hand, recorded by the guard (log, the default)
CREATE TABLE shop_scratch (id int);
DROP TABLE shop_scratch;
EOF
q "$src" "ALTER DATABASE $src SET migrate.guard = error" >/dev/null
capture "$src" "$work/src"

# sanity: the source is what this test means it to be
check_sql "source: applied state is non-trivial" "$src" \
	"SELECT array_agg(r ORDER BY r) = '{lib0,m1}' FROM migrate_current() r"
check_sql "source: log has upgrades, downgrades and stamps" "$src" \
	"SELECT bool_or(direction = 'downgrade') AND bool_or(stamped) AND bool_or(NOT stamped) FROM migrate.log"
check_sql "source: something is left to upgrade" "$src" \
	"SELECT count(*) = 2 FROM migrate_upgrade('heads', dry_run => true)"
check_sql "source: the guard recorded the changes by hand" "$src" \
	"SELECT count(*) = 2 FROM migrate.drift WHERE object_identity = 'public.shop_scratch'"
check_sql "source: the schema matches its last fingerprint" "$src" \
	"SELECT schema_matches FROM migrate_status()"
if [ -n "${SRC_PGHOST:-}" ]; then
	check_sql "source: on an older major than the destination" "$src" \
		"SELECT current_setting('server_version_num')::int / 10000 < $(psql -X -At -c 'SHOW server_version_num') / 10000"
fi

# across majors, the source's own pg_dump: 18.6's writes that column option,
# which an older 18 server rejects
src_dump=${SRC_BINDIR:+$SRC_BINDIR/}pg_dump
"$src_dump" -Fc -d "$(conn "$src")" -f "$work/dump.custom"
"$src_dump" -d "$(conn "$src")" -f "$work/dump.sql"
pg_dump -d "$(conn "$src")" | dump_filter >"$work/src.dump"

createdb -T template0 -E UTF8 --locale=C "$dst"
q "$dst" "ALTER DATABASE $dst SET migrate.guard = error" >/dev/null
if pg_restore --exit-on-error -d "$dst" "$work/dump.custom" >"$work/restore.log" 2>&1; then
	pass "$dst: pg_restore --exit-on-error"
else
	fail "$dst: pg_restore --exit-on-error"
	cat "$work/restore.log"
fi
createdb -T template0 -E UTF8 --locale=C "$dst_plain"
q "$dst_plain" "ALTER DATABASE $dst_plain SET migrate.guard = error" >/dev/null
if psql -X -q -v ON_ERROR_STOP=1 -d "$dst_plain" -f "$work/dump.sql" >"$work/restore.log" 2>&1; then
	pass "$dst_plain: psql -v ON_ERROR_STOP=1 -f plain dump"
else
	fail "$dst_plain: psql -v ON_ERROR_STOP=1 -f plain dump"
	cat "$work/restore.log"
fi

for db in "$dst" "$dst_plain"; do
	# identical before anything runs in it
	capture "$db" "$work/$db"
	for what in $CAPTURES; do
		check_same "$db: $what" "$work/src/$what" "$work/$db/$what"
	done
	pg_dump -d "$db" | dump_filter >"$work/$db.dump"
	check_same "$db: dumps again to the same dump" "$work/src.dump" "$work/$db.dump"

	# still working
	check_sql "$db: the lock row exists" "$db" "SELECT count(*) = 1 FROM migrate.state"
	check_sql "$db: the restored schema matches the last fingerprint" "$db" \
		"SELECT schema_matches FROM migrate_status()"
	check_sql "$db: the guard refuses a change by hand after the restore" "$db" \
		"DO \$\$ BEGIN CREATE TABLE shop_by_hand (id int);
		 EXCEPTION WHEN insufficient_privilege THEN NULL; END \$\$;
		 SELECT to_regclass('shop_by_hand') IS NULL AND current_setting('migrate.guard') = 'error'"
	check_sql "$db: extension version kept" "$db" \
		"SELECT extversion = '$(q "$src" "SELECT extversion FROM pg_extension WHERE extname = 'migrate'")'
		 FROM pg_extension WHERE extname = 'migrate'"
	maxseq=$(q "$db" "SELECT max(seq) FROM migrate.revision")
	maxlog=$(q "$db" "SELECT max(id) FROM migrate.log")

	q "$db" "SELECT revision FROM migrate_upgrade('heads', dry_run => true)" >"$work/planned"
	if q "$db" "SELECT revision FROM migrate_upgrade('heads')" >"$work/steps" 2>&1; then
		check_same "$db: upgrade heads runs the planned steps" "$work/planned" "$work/steps"
	else
		fail "$db: upgrade heads"
		cat "$work/steps"
	fi
	check_sql "$db: everything applied after upgrade heads" "$db" \
		"SELECT array_agg(r ORDER BY r) = '{lib1,m2}' FROM migrate_current() r"
	check_sql "$db: restored bodies ran" "$db" \
		"SELECT to_regclass('shop_users') IS NOT NULL
		    AND (SELECT count(*) = 2 FROM pg_attribute WHERE attrelid IN ('shop_users'::regclass, 'shop_lib'::regclass)
		                                                  AND attname IN ('lib', 'owner'))"
	check_sql "$db: log ids continue after the restored ones" "$db" \
		"SELECT count(*) = 2 AND min(id) > $maxlog FROM migrate.log WHERE revision IN ('lib1', 'm2')"

	q "$db" "SELECT migrate_revision('n1', '{m2}', 'CREATE TABLE shop_new ()', 'DROP TABLE shop_new', 'new')" >/dev/null
	check_sql "$db: a new registration gets a larger seq than every restored one" "$db" \
		"SELECT seq > $maxseq FROM migrate.revision WHERE revision = 'n1'"
	check_sql "$db: registration order kept" "$db" \
		"SELECT array_agg(revision ORDER BY seq) = '{a0,a1,b1,m1,lib0,m2,lib1,n1}' FROM migrate.revision"
	check_sql "$db: the new revision is the head" "$db" \
		"SELECT array_agg(r ORDER BY r) = '{lib1,n1}' FROM migrate_heads() r"

	# every restored downgrade body runs, and the upgrade bodies run again from base
	if q "$db" "SELECT count(*) FROM migrate_downgrade('base')" >"$work/out" 2>&1 &&
	   [ "$(q "$db" "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	                 WHERE n.nspname = 'public'") $(q "$db" "SELECT count(*) FROM pg_proc
	                 WHERE pronamespace = 'public'::regnamespace")" = "0 0" ]; then
		pass "$db: downgrade base runs every restored downgrade body"
	else
		fail "$db: downgrade base runs every restored downgrade body"
		cat "$work/out"
	fi
	if q "$db" "SELECT count(*) FROM migrate_upgrade('heads')" >"$work/out" 2>&1; then
		check_same "$db: upgrade heads from base restores the data" "$work/src/data" \
			<(q "$db" "COPY (SELECT id, name, email FROM shop_users ORDER BY id) TO STDOUT"
			  q "$db" "COPY (SELECT x FROM shop_lib) TO STDOUT"
			  q "$db" "SELECT shop_greet()")
	else
		fail "$db: upgrade heads from base"
		cat "$work/out"
	fi
	check_sql "$db: log ids still increase" "$db" \
		"SELECT bool_and(id > $maxlog) AND count(*) = 2 + 7 + 8 FROM migrate.log WHERE id > $maxlog"
done

# Across majors a view's deparsed text differs (16 stopped qualifying a
# single-table view's columns), and so does the fingerprint: the restored
# database says "not comparable" (NULL and a NOTICE), not "changed", until
# its next migration records a fingerprint on the new major.
if [ -n "${SRC_PGHOST:-}" ]; then
	createdb "${src_server[@]}" -T template0 -E UTF8 --locale=C "$vsrc"
	q "$vsrc" "CREATE EXTENSION migrate" >/dev/null
	q "$vsrc" "SELECT migrate_revision('v1', '{}', 'CREATE TABLE shop_t (id int); CREATE VIEW shop_v AS SELECT id FROM shop_t',
	           'DROP VIEW shop_v; DROP TABLE shop_t', 'a view'); SELECT count(*) FROM migrate_upgrade('heads')" >/dev/null
	check_sql "view source: the schema matches its last fingerprint" "$vsrc" "SELECT schema_matches FROM migrate_status()"
	"$src_dump" -Fc -d "$(conn "$vsrc")" -f "$work/view.custom"
	createdb -T template0 -E UTF8 --locale=C "$vdst"
	if pg_restore --exit-on-error -d "$vdst" "$work/view.custom" >"$work/restore.log" 2>&1; then
		pass "$vdst: pg_restore --exit-on-error"
	else
		fail "$vdst: pg_restore --exit-on-error"
		cat "$work/restore.log"
	fi
	check_sql "$vdst: the view deparses differently on this major" "$vdst" \
		"SELECT fingerprint <> migrate.schema_fingerprint() AND server_major < current_setting('server_version_num')::int / 10000
		 FROM migrate.fingerprint"
	out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$vdst" -c "SET client_min_messages = notice" \
		-c "SELECT schema_matches IS NULL FROM migrate_status()" 2>&1)
	if [ "$(echo "$out" | tail -1)" = t ] && echo "$out" | grep -q "last fingerprint was taken on PostgreSQL [0-9]*: not comparable"; then
		pass "$vdst: status says not comparable, not changed"
	else
		fail "$vdst: status says not comparable, not changed"
		echo "    got: $out"
	fi
	q "$vdst" "SELECT migrate_revision('v2', '{v1}', 'CREATE TABLE shop_u ()', 'DROP TABLE shop_u', 'on the new major');
	          SELECT count(*) FROM migrate_upgrade('heads')" >/dev/null
	check_sql "$vdst: the next migration records a comparable fingerprint" "$vdst" "SELECT schema_matches FROM migrate_status()"
fi

exit $failed

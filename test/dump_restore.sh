#!/usr/bin/env bash
# pg_dump / pg_restore round trip: the graph, the bodies, the applied state,
# the log and the user's schema come back identical, and the restored
# database keeps working (lock row, registration order, sequences).
# Runs against the server in PGHOST/PGPORT/PGUSER (a throw-away cluster).
set -euo pipefail

src=migrate_dump_src
work=$(mktemp -d)
failed=0
trap 'rm -rf "$work"; for db in $src migrate_dump_custom migrate_dump_plain; do dropdb --if-exists $db 2>/dev/null; done' EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

check() {   # name, expected file, actual file
	if diff -u "$2" "$3" >"$work/diff"; then
		echo "PASS $1"
	else
		echo "FAIL $1"
		cat "$work/diff"
		failed=1
	fi
}

capture() {  # database -> directory of outputs
	mkdir -p "$2"
	q "$1" "SELECT * FROM migrate_history()" >"$2/history"
	q "$1" "SELECT * FROM migrate_current()" >"$2/current"
	q "$1" "SELECT * FROM migrate_heads()" >"$2/heads"
	q "$1" "SELECT * FROM migrate_log()" >"$2/log"
	q "$1" "SELECT revision, upgrade, downgrade, message, seq FROM migrate.revision ORDER BY seq" >"$2/bodies"
	pg_dump --schema-only --schema=public -d "$1" | grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' >"$2/schema"
	q "$1" "SELECT * FROM shop_users ORDER BY id" >"$2/data"
}

dropdb --if-exists $src 2>/dev/null
createdb $src
psql -X -q -v ON_ERROR_STOP=1 -d $src >/dev/null <<'EOF'
CREATE EXTENSION migrate;
SET client_min_messages = warning;
-- two bases, a branch point with labels, a merge, depends_on by label, and
-- bodies and messages with quotes, dollar signs, backslashes and non-ASCII
SELECT migrate_revision('a0', '{}', $q$CREATE TABLE shop_users (id int PRIMARY KEY, name text)$q$,
                        'DROP TABLE shop_users', 'users: l''initial $1 \n');
SELECT migrate_revision('a1', '{a0}', $q$INSERT INTO shop_users VALUES (1, 'Zoë O''Brien $$ \x')$q$,
                        $q$DELETE FROM shop_users WHERE id = 1$q$, 'données', branch_labels => '{left}');
SELECT migrate_revision('b1', '{a0}', 'ALTER TABLE shop_users ADD COLUMN email text',
                        'ALTER TABLE shop_users DROP COLUMN email', 'email', branch_labels => '{right}');
SELECT migrate_revision('m1', '{a1,b1}', 'CREATE INDEX ON shop_users (name)', 'DROP INDEX shop_users_name_idx', 'merge');
SELECT migrate_revision('lib0', '{}', 'CREATE TABLE shop_lib (x int)', 'DROP TABLE shop_lib', 'library',
                        branch_labels => '{lib}');
SELECT migrate_revision('m2', '{m1}', 'ALTER TABLE shop_users ADD COLUMN lib int', 'ALTER TABLE shop_users DROP COLUMN lib',
                        'uses lib', depends_on => '{lib}');
SELECT count(*) FROM migrate_upgrade('m1');
SELECT count(*) FROM migrate_downgrade('right@a0');
SELECT count(*) FROM migrate_upgrade('m1');
EOF
capture $src "$work/before"

# custom format through pg_restore, and plain SQL through psql
pg_dump -Fc -d $src -f "$work/dump.custom"
pg_dump -d $src -f "$work/dump.sql"
createdb migrate_dump_custom
pg_restore --exit-on-error -d migrate_dump_custom "$work/dump.custom"
createdb migrate_dump_plain
psql -X -q -v ON_ERROR_STOP=1 -d migrate_dump_plain -f "$work/dump.sql" >/dev/null

for db in migrate_dump_custom migrate_dump_plain; do
	capture $db "$work/$db"
	for what in history current heads log bodies schema data; do
		check "$db: $what" "$work/before/$what" "$work/$db/$what"
	done

	# still working: the lock row exists, the rest of the graph applies
	maxseq=$(q $db "SELECT max(seq) FROM migrate.revision")
	maxlog=$(q $db "SELECT max(id) FROM migrate.log")
	steps=$(q $db "SET client_min_messages = warning; SELECT string_agg(revision, ' ') FROM migrate_upgrade('heads')")
	check "$db: upgrade after restore" <(echo "lib0 m2") <(echo "$steps")
	q $db "SELECT migrate_revision('n1', '{m2}')" >/dev/null
	newseq=$(q $db "SELECT seq FROM migrate.revision WHERE revision = 'n1'")
	newlog=$(q $db "SELECT min(id) FROM migrate.log WHERE id > $maxlog")
	check "$db: registration order continues" <(echo t) <(q $db "SELECT $newseq > $maxseq")
	check "$db: log ids continue" <(echo t) <(q $db "SELECT ${newlog:-0} > $maxlog")
done

exit $failed

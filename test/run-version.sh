#!/usr/bin/env bash
# The suites against one newer PostgreSQL major (17, 18): called by
# test/run.sh for each of PGVERSIONS other than 15.
#
#   1. scripts/pg-versions.sh gets that major's headers, PGXS, client
#      programs and an embedded server (cached);
#   2. the library is built from a copy of the work tree in .pgbuild/N
#      (objects of different majors never mix) with -Werror against that
#      major's headers, and installed into the embedded server's tree;
#   3. a throw-away cluster of that major runs the regression suite and the
#      isolation specs, driven by Debian 12's pg_regress and isolationtester
#      (they talk to any newer server over the socket; psql is the major's
#      own), and test/dump_restore.sh with that major's pg_dump and psql;
#   4. a throw-away PostgreSQL 15 cluster (the system's, where migrate is
#      installed, or PG15_BINDIR) is the source of test/dump_restore.sh once
#      more: a database made on 15, dumped by N's pg_dump, restored into N.
#
# usage: test/run-version.sh MAJOR    (root, or the owner of the cache)
# Prints pg_regress' "... ok" lines and dump_restore.sh's PASS/FAIL lines;
# exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
major=${1:?usage: $0 MAJOR}
root=$PWD
PG15_BINDIR=${PG15_BINDIR:-/usr/lib/postgresql/15/bin}
PG15_CONFIG=$PG15_BINDIR/pg_config
# Debian 12's test drivers, whatever the server
PG15_PGXS=$(dirname "$("$PG15_CONFIG" --pgxs)")/../..

if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL PostgreSQL $major: the throw-away servers run as postgres (su): run as root"
	exit 1
fi
bash scripts/pg-versions.sh "$major" || exit 1
pgdir=$(bash scripts/pg-versions.sh --cache)/$major
bin=$pgdir/bin

echo "== PostgreSQL $major: building against $("$bin/pg_config" --version)'s headers (-Wall -Wextra -Werror)"
build=$root/.pgbuild/$major
rm -rf "$build"
mkdir -p "$build"
# the work tree as it is (tracked and new files), without what is ignored
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard | sort -zu | xargs -0 cp --parents -t "$build"
else
	tar -cf - --exclude=./.pgbuild --exclude=./.cache --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		--exclude=./results --exclude=./output_iso . | tar -xf - -C "$build"
fi
(cd "$build" && make -s WITH_CLI=no PG_CONFIG="$bin/pg_config" && make -s WITH_CLI=no install PG_CONFIG="$bin/pg_config") || exit 1

work=$(mktemp -d /tmp/migrate-pg$major.XXXXXX)
chown postgres "$work"
servers=()
cleanup() {
	local d
	for d in "${servers[@]}"; do
		case $d in
		*/pg15) su postgres -c "'$PG15_BINDIR/pg_ctl' -D '$d' -m immediate stop" >/dev/null 2>&1 ;;
		*) su postgres -c "'$bin/pg_ctl' -D '$d' -m immediate stop" >/dev/null 2>&1 ;;
		esac
	done
	rm -rf "$work"
}
trap cleanup EXIT

start_cluster() {  # bindir, data directory, port: a throw-away cluster, socket in $work
	local b=$1 d=$2 port=$3
	su postgres -c "'$b/initdb' -D '$d' -U postgres -A trust -E UTF8 --locale=C.UTF-8" >"$d.initdb.log" 2>&1 ||
		{ cat "$d.initdb.log"; return 1; }
	servers+=("$d")
	su postgres -c "'$b/pg_ctl' -D '$d' -w -l '$d.log' -o \"-p $port -k '$work' -c listen_addresses= -c max_prepared_transactions=10\" start" >/dev/null ||
		{ cat "$d.log"; return 1; }
}

port=${MIGRATE_TEST_PORT:-5432}
start_cluster "$bin" "$work/pg$major" "$port" || exit 1
export PGHOST=$work PGPORT=$port PGUSER=postgres PGDATABASE=postgres
unset PGPASSWORD PGSERVICE
echo "== PostgreSQL $major: $(psql -X -At -c 'SHOW server_version') in a throw-away cluster"

status=0
cd "$build"
# pg_regress from Debian 12, psql of this major (bindir)
make -s installcheck ISOLATION= PG_CONFIG="$PG15_CONFIG" bindir="$bin" ||
	{ status=1; head -200 regression.diffs 2>/dev/null; }
make -s installcheck REGRESS= PG_CONFIG="$PG15_CONFIG" bindir="$bin" ||
	{ status=1; head -200 regression.diffs 2>/dev/null; }
PATH=$bin:$PATH bash test/dump_restore.sh || status=1

# 15 -> N: the source database on a PostgreSQL 15 cluster
if [ -x "$PG15_BINDIR/initdb" ] && [ -e "$("$PG15_CONFIG" --sharedir)/extension/migrate.control" ]; then
	start_cluster "$PG15_BINDIR" "$work/pg15" $((port + 1)) || exit 1
	echo "== PostgreSQL 15 -> $major: dump on 15 ($PG15_BINDIR), restore into $major"
	PATH=$bin:$PATH SRC_BINDIR=$PG15_BINDIR SRC_PGHOST=$work SRC_PGPORT=$((port + 1)) bash test/dump_restore.sh 2>&1 |
		sed -E "s/^(PASS|FAIL) /\1 15->$major: /"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
else
	echo "FAIL 15 -> $major: no PostgreSQL 15 with migrate installed in $PG15_BINDIR"
	status=1
fi
exit $status

#!/usr/bin/env bash
# Installs from Debian's packages what building and running migrate needs,
# when it is missing: PostgreSQL 15, its server headers and PGXS, libpq's
# headers (for the migrate program), make, gcc,
# plus any extra packages named on the command line.  Needs root or sudo
# only when something is missing.  Other majors (17, 18) are not installed:
# scripts/pg-versions.sh fetches them into a cache.
set -euo pipefail

PGVERSION=15
missing=()
[ -x "/usr/lib/postgresql/$PGVERSION/bin/postgres" ] || missing+=("postgresql-$PGVERSION")
# pgxs.mk alone is not enough: Debian ships it with the client package, the
# server headers come only with postgresql-server-dev
[ -e "/usr/include/postgresql/$PGVERSION/server/postgres.h" ] || missing+=("postgresql-server-dev-$PGVERSION")
# the migrate program (cli/) is a libpq client
[ -e /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
command -v pg_virtualenv >/dev/null || missing+=(postgresql-common)
command -v make >/dev/null || missing+=(make)
command -v gcc >/dev/null || missing+=(gcc)
for pkg in "$@"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -gt 0 ] || exit 0

echo "== installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "migrate: run as root, or install: ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

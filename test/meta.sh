#!/usr/bin/env bash
# META.json (PGXN) against migrate.control, where the version is written:
# the distribution's and the extension's version are the control file's
# default_version (as a semantic version, "1.2" -> "1.2.0"), the extension's
# file is the install script of that version, and the spec fields PGXN
# requires are there.  Prints PASS/FAIL per check; exits non-zero on a FAIL.
set -uo pipefail
cd "$(dirname "$0")/.."
/usr/bin/python3 - <<'PY'
import json, re, sys
control = open("migrate.control").read()
version = re.search(r"^default_version = '([^']*)'", control, re.M).group(1)
semver = version if version.count(".") == 2 else version + ".0"
failed = False
def check(name, ok, detail=""):
    global failed
    print(("PASS " if ok else "FAIL ") + "META.json: " + name + ("" if ok else ": " + detail))
    failed |= not ok
try:
    meta = json.load(open("META.json"))
except ValueError as e:
    check("is JSON", False, str(e))
    sys.exit(1)
ext = meta.get("provides", {}).get("migrate", {})
check("version is migrate.control's", meta.get("version") == semver, f"{meta.get('version')} != {semver}")
check("extension version is migrate.control's", ext.get("version") == semver, f"{ext.get('version')} != {semver}")
check("extension file is the install script", ext.get("file") == f"sql/migrate--{version}.sql", str(ext.get("file")))
required = ["name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"]
check("has the fields PGXN requires", all(k in meta for k in required), str([k for k in required if k not in meta]))
check("meta-spec 1.0.0", meta.get("meta-spec", {}).get("version") == "1.0.0", str(meta.get("meta-spec")))
check("licence is the PostgreSQL licence", meta.get("license") == "postgresql" and
      open("LICENSE").read().startswith("PostgreSQL License"), str(meta.get("license")))
sys.exit(1 if failed else 0)
PY

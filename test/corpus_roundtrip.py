#!/usr/bin/python3
"""Round trip of schema pairs through migrate_describe() and migrate_diff().

    test/corpus_roundtrip.py DIR [DIR...] [--out OUTDIR] [--only REGEX]
                             [--privileges] [--autocommit] [--prefix P]

Each DIR holds one subdirectory per pair with a.sql and b.sql.  For each
pair: A and B are loaded into fresh databases, dumped with pg_dump
--schema-only --no-owner --no-privileges and described; A is loaded into a
third database, the upgrade steps run (autocommit, step order), its dump
must equal B's; then the downgrade steps run in reverse order and its dump
must equal A's.  The dumps are compared as sorted sets of entries with the
member lines of CREATE TABLE / CREATE TYPE sorted (column order is not
compared: PostgreSQL cannot reorder columns).  The steps run in one
transaction, as a revision does, or each on its own with --autocommit.
A pair whose A or B does not load is counted as skipped; roles that the SQL
names (OWNER TO, GRANT ... TO) are created first, and CREATE LANGUAGE or
EXTENSION plpgsql and CREATE SCHEMA public of old dumps are made harmless.
Each pair's result, descriptions and steps are written under OUTDIR.  Uses
psql, createdb, dropdb and pg_dump of PATH against PGHOST/PGPORT/PGUSER, in
databases PREFIX{a,b,w} that it drops and creates again.  No pairs ship with
the project: point it at directories of another tool's test pairs.
"""
import argparse
import json
import os
import re
import subprocess
import sys

ENV = dict(os.environ)
ENV["PGOPTIONS"] = (ENV.get("PGOPTIONS", "") + " -c migrate.guard=off -c client_min_messages=error").strip()


def run(args, inp=None, check=False):
    p = subprocess.run(args, input=inp, capture_output=True, text=True, env=ENV)
    if check and p.returncode != 0:
        raise RuntimeError(" ".join(args) + ": " + p.stderr)
    return p


def psql(db, *args, inp=None):
    return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db] + list(args), inp=inp)


PREFIX = "corpus_rt_"


def fresh(db):
    run(["dropdb", "--if-exists", "-f", db], check=True)
    run(["createdb", "-T", "template0", db], check=True)
    psql(db, "-c", "CREATE EXTENSION migrate")


ROLE_RE = re.compile(r'(?:OWNER\s+TO|\bTO|\bFROM|FOR\s+ROLE|FOR\s+USER)\s+((?:"[^"]+"|\w+)(?:\s*,\s*(?:"[^"]+"|\w+))*)', re.I)
NOT_ROLES = {"public", "current_user", "session_user", "current_role", "group", "role", "user",
             "none", "default", "schema", "stdin", "stdout", "true", "false", "on", "off"}


def make_roles(sql):
    for m in ROLE_RE.finditer(sql):
        for r in re.split(r"\s*,\s*", m.group(1)):
            name = r.strip('"')
            if name.lower() in NOT_ROLES or name.isdigit() or not re.match(r"^[A-Za-z_][\w ]*$", name):
                continue
            if not r.startswith('"'):
                name = name.lower()
            psql("postgres", "-c", "DO $r$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) "
                 "THEN EXECUTE format('CREATE ROLE %%I', %s); END IF; END $r$" % (lit(name), lit(name)))


def prep(sql):
    """What a dump of an older server has that a fresh database already holds."""
    sql = re.sub(r"(?im)^([ \t]*CREATE\s+(?:OR\s+REPLACE\s+)?(?:PROCEDURAL\s+)?)(LANGUAGE|EXTENSION)\s+plpgsql\b",
                 lambda m: m.group(1) + m.group(2) + " IF NOT EXISTS plpgsql" if m.group(2).upper() == "EXTENSION" else "-- " + m.group(0), sql)
    sql = re.sub(r"(?im)^([ \t]*CREATE\s+SCHEMA\s+)(public\b)", r"\1IF NOT EXISTS \2", sql)
    return sql


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def dump(db):
    p = run(["pg_dump", "--schema-only", "--no-owner", "--no-privileges", "-d", db], check=True)
    return p.stdout


def norm(text):
    """Entries of a dump, each normalized, as a sorted list."""
    entries = []
    cur = []
    for line in text.split("\n"):
        if line.startswith("-- Name:") or line.startswith("-- PostgreSQL database dump"):
            if cur:
                entries.append(cur)
            cur = []
            continue
        if line.startswith("--") or line.startswith("SET ") or line.startswith("SELECT pg_catalog.set_config") \
                or line.startswith("\\restrict") or line.startswith("\\unrestrict"):
            continue
        cur.append(line)
    if cur:
        entries.append(cur)
    out = []
    for e in entries:
        lines = [l for l in e if l.strip() != ""]
        if not lines:
            continue
        res = []
        i = 0
        while i < len(lines):
            l = lines[i]
            res.append(l)
            if re.match(r"^CREATE (UNLOGGED |FOREIGN )?TABLE .* \($|^CREATE TYPE .* AS \($", l):
                members = []
                i += 1
                while i < len(lines) and not re.match(r"^\)", lines[i]):
                    members.append(lines[i].rstrip(","))
                    i += 1
                res.extend(sorted(members))
                continue
            i += 1
        out.append("\n".join(res))
    return sorted(out)


def difflines(a, b):
    sa, sb = set(a), set(b)
    return ["- " + x for x in a if x not in sb] + ["+ " + x for x in b if x not in sa]


TX = True


def run_steps(db, steps, key, reverse=False):
    order = sorted(steps, key=lambda s: s["step"], reverse=reverse)
    if TX:
        script = ["BEGIN;"]
        for s in order:
            if s[key] is None:
                continue
            script.append("\\echo STEP %d" % s["step"])
            script.append(s[key] + "\n;")
        script.append("COMMIT;")
        p = psql(db, inp="\n".join(script) + "\n")
        if p.returncode == 0:
            return None
        last = [l for l in p.stdout.split("\n") if l.startswith("STEP ")]
        n = int(last[-1].split()[1]) if last else -1
        s = [x for x in order if x["step"] == n]
        s = s[0] if s else {"step": n, "operation": "?", "object": "?", key: ""}
        return "step %d (%s %s): %s\n%s" % (s["step"], s["operation"], s["object"], p.stderr.strip(), s[key])
    for s in order:
        sql = s[key]
        if sql is None:
            continue
        p = psql(db, inp=sql + "\n;\n")
        if p.returncode != 0:
            return "step %d (%s %s): %s\n%s" % (s["step"], s["operation"], s["object"], p.stderr.strip(), sql)
    return None


def one(pair, outdir, privileges):
    a_sql = open(os.path.join(pair, "a.sql"), errors="replace").read()
    b_sql = open(os.path.join(pair, "b.sql"), errors="replace").read()
    a_sql, b_sql = prep(a_sql), prep(b_sql)
    make_roles(a_sql)
    make_roles(b_sql)
    desc = "SELECT migrate_describe(NULL, %s)" % ("true" if privileges else "false")
    res = {}
    for side, sql in (("a", a_sql), ("b", b_sql)):
        db = PREFIX + side
        fresh(db)
        p = psql(db, inp=sql)
        if p.returncode != 0:
            return "skip-load-" + side, p.stderr.strip()[-2000:]
        p = psql(db, "-At", "-c", desc)
        if p.returncode != 0:
            return "fail-describe", p.stderr.strip()
        res[side + "desc"] = p.stdout.strip()
        res[side + "dump"] = norm(dump(db))
    if res["adump"] == res["bdump"]:
        same = True
    else:
        same = False
    w = PREFIX + "w"
    fresh(w)
    p = psql(w, inp=a_sql)
    with open(os.path.join(outdir, "da.json"), "w") as f:
        f.write(res["adesc"])
    with open(os.path.join(outdir, "db.json"), "w") as f:
        f.write(res["bdesc"])
    q = ("\\set da `cat %s`\n\\set db `cat %s`\n"
         "SELECT coalesce(json_agg(json_build_object('step', step, 'operation', operation, 'object', object,"
         " 'upgrade', upgrade, 'downgrade', downgrade, 'warning', warning) ORDER BY step), '[]')"
         " FROM migrate_diff(:'da'::jsonb, :'db'::jsonb);\n") % (os.path.join(outdir, "da.json"), os.path.join(outdir, "db.json"))
    p = psql(w, "-At", inp=q)
    if p.returncode != 0:
        return "fail-diff", p.stderr.strip()
    steps = json.loads(p.stdout)
    with open(os.path.join(outdir, "steps.json"), "w") as f:
        json.dump(steps, f, indent=1)
    err = run_steps(w, steps, "upgrade")
    if err:
        return "fail-upgrade-error", err
    d = norm(dump(w))
    if d != res["bdump"]:
        return "fail-upgrade-mismatch", "\n".join(difflines(res["bdump"], d))
    if any(s["downgrade"] is None or s["downgrade"].startswith("--") for s in steps):
        return "pass-upgrade-only", ""
    err = run_steps(w, steps, "downgrade", reverse=True)
    if err:
        return "fail-downgrade-error", err
    d = norm(dump(w))
    if d != res["adump"]:
        return "fail-downgrade-mismatch", "\n".join(difflines(res["adump"], d))
    return "pass", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--out", default="corpus_roundtrip.out")
    ap.add_argument("--only")
    ap.add_argument("--privileges", action="store_true")
    ap.add_argument("--autocommit", action="store_true", help="each step on its own, not one transaction")
    ap.add_argument("--prefix", default="corpus_rt_", help="names of the scratch databases")
    args = ap.parse_args()
    global TX, PREFIX
    TX = not args.autocommit
    PREFIX = args.prefix
    counts = {}
    for d in args.dirs:
        corpus = os.path.basename(os.path.normpath(d))
        for name in sorted(os.listdir(d)):
            pair = os.path.join(d, name)
            if not os.path.isfile(os.path.join(pair, "a.sql")) or not os.path.isfile(os.path.join(pair, "b.sql")):
                continue
            if args.only and not re.search(args.only, corpus + "/" + name):
                continue
            outdir = os.path.join(args.out, corpus, name)
            os.makedirs(outdir, exist_ok=True)
            try:
                status, detail = one(pair, outdir, args.privileges)
            except Exception as e:  # noqa
                status, detail = "fail-runner", str(e)
            with open(os.path.join(outdir, "result.txt"), "w") as f:
                f.write(status + "\n" + detail + "\n")
            counts.setdefault(corpus, {}).setdefault(status, []).append(name)
            print("%-24s %-40s %s" % (status, corpus + "/" + name, detail.split("\n")[0][:150]), flush=True)
    for c, st in counts.items():
        print("== %s: %s" % (c, ", ".join("%s %d" % (k, len(v)) for k, v in sorted(st.items()))))


if __name__ == "__main__":
    main()

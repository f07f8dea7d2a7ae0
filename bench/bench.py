#!/usr/bin/python3
"""migrate benchmark, run by bench/run.sh inside a throw-away cluster.

Part 1, deploy: from an empty database to the head of N revisions of
realistic DDL, with migrate_upgrade('head'), with the same SQL run by
`psql -1 -f` (the floor: no bookkeeping at all), with Alembic (op.execute of
the same SQL, one transaction) and with Sqitch (one change per revision).
Every figure is the wall time of one client process run, as a deploy script
would see it, the median of BENCH_RUNS runs.

Part 2, graph operations at 1k/10k/100k revisions, linear and with a merge
every 3 revisions: dry-run plan from base, no-op upgrade, migrate_current()
and migrate_heads(), each on a new connection ("cold": the backend reads the
graph) and again on the same one ("warm": the per-backend graph cache), plus
the backend's peak memory for the plan; Alembic's `heads` and
`upgrade head --sql` on the sizes it handles in reasonable time.

Part 3, the schema fingerprint with BENCH_COMMENTS table comments of
BENCH_COMMENT_MB each (which any table owner may write): time and the
backend's peak memory of migrate.schema_fingerprint() and migrate_status().

Part 5, long deploy: base to head of BENCH_LONG_SIZE (10,000) table-creating
revisions with the `migrate` program and the default max_locks_per_transaction:
in one transaction (which runs out of lock table: recorded as a figure), with
`--commit-every 500`, and with CALL migrate_upgrade_batched('head', 500) in
psql.  BENCH_ONLY=long runs this part alone (it needs neither Alembic nor
Sqitch).

Part 4, body memory: the backend's peak memory while one migrate_upgrade()
applies one big body (300,000 INSERTs, 10 MB of SELECT 1, a backfill SELECT
of 3,000,000 rows); it should follow the largest statement.

Part 6, autogenerate: schemas of BENCH_AUTOGEN_SIZES tables (6 columns, 2
indexes and a foreign key each, 100 views per 1,000 tables): migrate_describe(),
migrate_diff from '{}' to it and from it to '{}', and describe plus diff for
one added column, each on a new connection.  BENCH_ONLY=autogen runs this
part alone.

Usage: bench.py RESULTS_DIR WORK_DIR   (libpq's PG* variables name the cluster)
"""
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

import psycopg2

OUT, WORK = sys.argv[1], sys.argv[2]
DEPLOY_SIZES = [int(x) for x in os.environ.get("BENCH_DEPLOY_SIZES", "100 1000 5000").split()]
GRAPH_SIZES = [int(x) for x in os.environ.get("BENCH_GRAPH_SIZES", "1000 10000 100000").split()]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SQITCH_MAX = int(os.environ.get("BENCH_SQITCH_MAX", "1000"))
SQITCH_RUNS = 3   # Sqitch takes about a minute per 1,000 changes
ALEMBIC_MAX = int(os.environ.get("BENCH_ALEMBIC_MAX", "10000"))
SCALE_SIZES = [int(x) for x in os.environ.get("BENCH_SCALE_SIZES", "5000 10000 20000 40000").split()]
COMMENT_MB = int(os.environ.get("BENCH_COMMENT_MB", "50"))
COMMENTS = int(os.environ.get("BENCH_COMMENTS", "4"))
AUTOGEN_SIZES = [int(x) for x in os.environ.get("BENCH_AUTOGEN_SIZES", "1000 2000 4000").split()]
LONG_SIZE = int(os.environ.get("BENCH_LONG_SIZE", "10000"))
LONG_BATCH = int(os.environ.get("BENCH_LONG_BATCH", "500"))
ONLY = os.environ.get("BENCH_ONLY", "")
MIGRATE_CLI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli", "migrate")
PY = "/usr/bin/python3"
TOOLS = ["psql -1 -f", "migrate", "alembic", "sqitch"]

report_lines = []


def say(line=""):
    print(line, flush=True)
    report_lines.append(line)


def admin(sql):
    conn = psycopg2.connect(dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def fresh_db(name, extension=False):
    admin(f'DROP DATABASE IF EXISTS "{name}"')
    admin(f'CREATE DATABASE "{name}" TEMPLATE template0')
    if extension:
        conn = psycopg2.connect(dbname=name)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION migrate")
        conn.close()
    # flush what creating the database wrote, so that no checkpoint runs
    # behind the timed part
    admin("CHECKPOINT")


def timed(cmd, cwd=None, env=None):
    """Wall time of one process run; raises with its stderr when it fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr.strip()[-600:]}")
    return elapsed


def fmt(seconds):
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


# ---------------------------------------------------------------- workload

def rid(i):
    return f"r{i:05d}"


def deploy_workload(n):
    """n revisions in a chain: every table gets created with some rows, a
    column, an index, a foreign key to the previous table and a data update."""
    revs = []
    for i in range(n):
        g, k = divmod(i, 5)
        t = f"t{g}"
        if k == 0:
            up = (f"CREATE TABLE {t} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                  f"name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\n"
                  f"INSERT INTO {t} (name) SELECT 'row ' || n FROM generate_series(1, 20) n;")
            down = f"DROP TABLE {t};"
            msg = f"create table {t}"
        elif k == 1:
            up = f"ALTER TABLE {t} ADD COLUMN status text NOT NULL DEFAULT 'new';"
            down = f"ALTER TABLE {t} DROP COLUMN status;"
            msg = f"add {t}.status"
        elif k == 2:
            up = f"CREATE INDEX {t}_name_idx ON {t} (name);"
            down = f"DROP INDEX {t}_name_idx;"
            msg = f"index {t}.name"
        elif k == 3:
            ref = f"t{g - 1}" if g > 0 else t
            up = f"ALTER TABLE {t} ADD COLUMN parent_id bigint REFERENCES {ref} (id);"
            down = f"ALTER TABLE {t} DROP COLUMN parent_id;"
            msg = f"{t}.parent_id references {ref}"
        else:
            up = f"UPDATE {t} SET status = 'active' WHERE mod(id, 2) = 0;"
            down = f"UPDATE {t} SET status = 'new';"
            msg = f"activate even rows of {t}"
        revs.append((rid(i), rid(i - 1) if i else None, up, down, msg))
    return revs


def write_psql(revs, path):
    with open(path, "w") as f:
        for _, _, up, _, _ in revs:
            f.write(up + "\n")


def write_migrate(revs, path):
    """The same form as the files in migrations/."""
    with open(path, "w") as f:
        for r, down, up, dn, msg in revs:
            parents = "'{%s}'" % (down or "")
            f.write(f"SELECT migrate_revision(revision => '{r}', down_revision => {parents}, "
                    f"message => $m${msg}$m$, upgrade => $u${up}$u$, downgrade => $d${dn}$d$);\n")


ALEMBIC_ENV = '''
from alembic import context
from sqlalchemy import create_engine

def run():
    db = context.get_x_argument(as_dictionary=True).get("db", "postgres")
    if context.is_offline_mode():
        context.configure(dialect_name="postgresql", literal_binds=True,
                          transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine("postgresql+psycopg2:///" + db)
    with engine.connect() as connection:
        context.configure(connection=connection, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()

run()
'''


def write_alembic(revs, root):
    """revs: (id, [parents], upgrade sql or None)."""
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "versions"))
    with open(os.path.join(root, "alembic.ini"), "w") as f:
        f.write(f"[alembic]\nscript_location = {root}\n")
    with open(os.path.join(root, "env.py"), "w") as f:
        f.write(ALEMBIC_ENV)
    with open(os.path.join(root, "script.py.mako"), "w") as f:
        f.write("")
    for r, parents, up in revs:
        if not parents:
            down = "None"
        elif len(parents) == 1:
            down = repr(parents[0])
        else:
            down = repr(tuple(parents))
        body = f"    op.execute({up!r})\n" if up else "    pass\n"
        with open(os.path.join(root, "versions", f"{r}.py"), "w") as f:
            f.write(f"from alembic import op\nrevision = {r!r}\ndown_revision = {down}\n"
                    f"branch_labels = None\ndepends_on = None\n\n"
                    f"def upgrade():\n{body}\ndef downgrade():\n    pass\n")
    return os.path.join(root, "alembic.ini")


def write_sqitch(revs, root):
    shutil.rmtree(root, ignore_errors=True)
    for d in ("deploy", "revert", "verify"):
        os.makedirs(os.path.join(root, d))
    with open(os.path.join(root, "sqitch.conf"), "w") as f:
        f.write("[core]\n\tengine = pg\n")
    with open(os.path.join(root, "sqitch.plan"), "w") as f:
        f.write("%syntax-version=1.0.0\n%project=bench\n\n")
        for r, _, up, dn, msg in revs:
            f.write(f"{r} 2026-01-01T00:00:00Z Bench <bench@example.com> # {msg}\n")
            # sqitch add's own templates: each change is its own transaction
            with open(os.path.join(root, "deploy", r + ".sql"), "w") as s:
                s.write(f"BEGIN;\n{up}\nCOMMIT;\n")
            with open(os.path.join(root, "revert", r + ".sql"), "w") as s:
                s.write(f"BEGIN;\n{dn}\nCOMMIT;\n")
            with open(os.path.join(root, "verify", r + ".sql"), "w") as s:
                s.write("SELECT 1;\n")


# ------------------------------------------------------------------ deploy

def psql(db, *args):
    return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, *args]


def bench_deploy():
    results = {}          # (tool, n) -> median seconds
    register = {}         # n -> median seconds to load the migrate files
    sqitch_env = dict(os.environ, SQITCH_FULLNAME="Bench", SQITCH_EMAIL="bench@example.com")
    for n in DEPLOY_SIZES:
        revs = deploy_workload(n)
        d = os.path.join(WORK, f"deploy{n}")
        os.makedirs(d, exist_ok=True)
        write_psql(revs, os.path.join(d, "up.sql"))
        write_migrate(revs, os.path.join(d, "migrate.sql"))
        ini = write_alembic([(r, [p] if p else [], up) for r, p, up, _, _ in revs],
                            os.path.join(d, "alembic"))
        write_sqitch(revs, os.path.join(d, "sqitch"))
        times = {t: [] for t in TOOLS}
        reg = []
        for run in range(RUNS):
            # a different tool goes first each run, so that none always
            # follows the same one
            for tool in TOOLS[run % len(TOOLS):] + TOOLS[:run % len(TOOLS)]:
                if tool == "sqitch" and run >= (SQITCH_RUNS if n <= SQITCH_MAX else 1):
                    continue
                db = f"deploy_{n}_{run}_{tool.split()[0]}"
                try:
                    if tool == "psql -1 -f":
                        fresh_db(db)
                        t = timed(psql(db, "-1", "-f", os.path.join(d, "up.sql")))
                    elif tool == "migrate":
                        fresh_db(db, extension=True)
                        reg.append(timed(psql(db, "-1", "-f", os.path.join(d, "migrate.sql"))))
                        t = timed(psql(db, "-c", "SELECT count(*) FROM migrate_upgrade('heads')"))
                    elif tool == "alembic":
                        fresh_db(db)
                        t = timed([PY, "-m", "alembic", "-c", ini, "-x", f"db={db}",
                                   "upgrade", "head"])
                    else:
                        fresh_db(db)
                        t = timed(["sqitch", "deploy", "--no-verify", f"db:pg:{db}"],
                                  cwd=os.path.join(d, "sqitch"), env=sqitch_env)
                    times[tool].append(t)
                    check_deployed(db, n)
                except Exception as e:  # a tool that fails is reported, not fatal
                    say(f"  {tool} at N={n} failed: {e}")
                finally:
                    admin(f'DROP DATABASE IF EXISTS "{db}"')
            print(f"  deploy N={n} run {run + 1}/{RUNS}: " +
                  ", ".join(f"{t} {fmt(v[-1]) if v else '-'}" for t, v in times.items()), flush=True)
        for tool in TOOLS:
            results[(tool, n)] = statistics.median(times[tool]) if times[tool] else None
        register[n] = statistics.median(reg) if reg else None
    return results, register


def check_deployed(db, n):
    """Every tool must leave the same schema: as many tables as the workload creates."""
    conn = psycopg2.connect(dbname=db)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'")
        tables = cur.fetchone()[0]
    conn.close()
    if tables != (n + 4) // 5:
        raise RuntimeError(f"{tables} tables after deploy, expected {(n + 4) // 5}")


# ------------------------------------------------------------------- graph

def parents_of(i, shape):
    if i == 0:
        return []
    if shape == "linear":
        return [i - 1]
    # merge every 3: i%3==1 and i%3==2 branch off the last merge (or base),
    # i%3==0 merges them
    return {0: [i - 1, i - 2], 1: [i - 1], 2: [i - 2]}[i % 3]


GRAPH_SQL = {
    "linear": """INSERT INTO migrate.revision (revision, down_revision, message)
        SELECT 'g' || i, CASE WHEN i = 0 THEN '{}'::text[] ELSE ARRAY['g' || (i - 1)] END, 'r' || i
        FROM generate_series(0, %s - 1) i ORDER BY i""",
    "merge3": """INSERT INTO migrate.revision (revision, down_revision, message)
        SELECT 'g' || i, CASE WHEN i = 0 THEN '{}'::text[]
                              WHEN i %% 3 = 0 THEN ARRAY['g' || (i - 1), 'g' || (i - 2)]
                              WHEN i %% 3 = 1 THEN ARRAY['g' || (i - 1)]
                              ELSE ARRAY['g' || (i - 2)] END, 'r' || i
        FROM generate_series(0, %s - 1) i ORDER BY i""",
}


def backend_memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon"):
                fields[key] = int(value.split()[0])  # kB
    return fields


def call(db, sql, warm=False):
    """(cold, warm) seconds of one statement on a new connection; connecting
    is not counted, the backend's first call is."""
    conn = psycopg2.connect(dbname=db)
    try:
        with conn.cursor() as cur:
            cur.execute("SET client_min_messages = warning")
            start = time.perf_counter()
            cur.execute(sql)
            cur.fetchall()
            cold = time.perf_counter() - start
            start = time.perf_counter()
            cur.execute(sql)
            cur.fetchall()
            warm = time.perf_counter() - start
            conn.rollback()
    finally:
        conn.close()
    return cold, warm


def first_call(db, sql, setup=None):
    """Seconds of the first call of one statement on a new connection, after
    an untimed setup statement in the same transaction; rolled back."""
    conn = psycopg2.connect(dbname=db)
    try:
        with conn.cursor() as cur:
            cur.execute("SET client_min_messages = warning")
            if setup:
                cur.execute(setup)
            start = time.perf_counter()
            cur.execute(sql)
            cur.fetchall()
            elapsed = time.perf_counter() - start
            conn.rollback()
    finally:
        conn.close()
    return elapsed


def median_call(db, sql):
    pairs = [call(db, sql) for _ in range(RUNS)]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def bench_graph():
    rows = {}   # (shape, n, op) -> (cold, warm)
    memory = {}  # (shape, n) -> dict
    alembic = {}  # (shape, n, op) -> seconds or None
    for shape in ("linear", "merge3"):
        for n in GRAPH_SIZES:
            db = f"graph_{shape}_{n}"
            fresh_db(db, extension=True)
            conn = psycopg2.connect(dbname=db)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(GRAPH_SQL[shape] % n)
            conn.close()
            plan = "SELECT count(*) FROM migrate_upgrade('heads', dry_run => true)"
            rows[(shape, n, "dry-run plan base->head")] = median_call(db, plan)

            conn = psycopg2.connect(dbname=db)
            with conn.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
                before = backend_memory(pid)
                cur.execute(plan)
                planned = cur.fetchone()[0]
                after = backend_memory(pid)
            conn.close()
            if planned != n:
                raise RuntimeError(f"plan of {shape} {n} has {planned} steps")
            memory[(shape, n)] = (before, after)

            conn = psycopg2.connect(dbname=db)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SET client_min_messages = warning")
                cur.execute("SELECT count(*) FROM migrate_stamp('heads')")
            conn.close()
            rows[(shape, n, "no-op upgrade heads")] = median_call(
                db, "SELECT count(*) FROM migrate_upgrade('heads')")
            rows[(shape, n, "migrate_current()")] = median_call(db, "SELECT * FROM migrate_current()")
            rows[(shape, n, "migrate_heads()")] = median_call(db, "SELECT * FROM migrate_heads()")
            admin(f'DROP DATABASE "{db}"')

            if n <= ALEMBIC_MAX:
                root = os.path.join(WORK, f"alembic_{shape}_{n}")
                ini = write_alembic([(f"g{i}", [f"g{p}" for p in parents_of(i, shape)], None)
                                     for i in range(n)], root)
                for op, args in (("alembic heads", ["heads"]),
                                 ("alembic upgrade head --sql", ["upgrade", "head", "--sql"])):
                    try:
                        # a minute a run at 10,000 with merges: three are enough
                        alembic[(shape, n, op)] = statistics.median(
                            timed([PY, "-m", "alembic", "-c", ini, *args]) for _ in range(min(RUNS, 3)))
                    except Exception as e:
                        say(f"  {op} at {shape} {n} failed: {e}")
                        alembic[(shape, n, op)] = None
                shutil.rmtree(root)
            print(f"  graph {shape} {n}: done", flush=True)
    return rows, memory, alembic


# ------------------------------------------------------------------ scaling

SCALE_GRAPH_SQL = {
    # a chain where each revision also depends_on its grandparent
    "grandparent depends_on: dry-run plan": """INSERT INTO migrate.revision (revision, down_revision, depends_on)
        SELECT 'g' || i, CASE WHEN i = 0 THEN '{}'::text[] ELSE ARRAY['g' || (i - 1)] END,
               CASE WHEN i < 2 THEN '{}'::text[] ELSE ARRAY['g' || (i - 2)] END
        FROM generate_series(0, %(n)s - 1) i ORDER BY i""",
    # a chain with a side head on every revision
    "side head on every revision: dry-run plan": """INSERT INTO migrate.revision (revision, down_revision)
        SELECT r, d FROM generate_series(0, %(n)s - 1) i,
          LATERAL (VALUES ('g' || i, CASE WHEN i = 0 THEN '{}'::text[] ELSE ARRAY['g' || (i - 1)] END),
                          ('s' || i, ARRAY['g' || i])) v(r, d)
        ORDER BY i""",
}


def bench_scaling():
    """Seconds per shape and size: each shape should grow about 2x per doubling."""
    rows = {}
    for n in SCALE_SIZES:
        db = f"scale_{n}"
        for shape, sql in SCALE_GRAPH_SQL.items():
            fresh_db(db, extension=True)
            conn = psycopg2.connect(dbname=db)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql % {"n": n})
            conn.close()
            rows[(shape, n)] = statistics.median(
                call(db, "SELECT count(*) FROM migrate_upgrade('heads', dry_run => true)")[0]
                for _ in range(3))
        # registering N revisions in one transaction, the way the psql deploy does
        path = os.path.join(WORK, f"register_{n}.sql")
        with open(path, "w") as f:
            for i in range(n):
                down = "'{g%d}'" % (i - 1) if i else "'{}'"
                f.write("SELECT migrate_revision('g%d', %s, $u$CREATE TABLE t%d ();$u$, "
                        "$d$DROP TABLE t%d;$d$, 'revision %d');\n" % (i, down, i, i, i))
        times = []
        for _ in range(3):
            fresh_db(db, extension=True)
            times.append(timed(psql(db, "-1", "-f", path)))
        rows[("register N in one transaction (psql -1 -f)", n)] = statistics.median(times)
        # one merge revision over N bases
        path = os.path.join(WORK, f"merge_{n}.sql")
        with open(path, "w") as f:
            f.write("SELECT count(migrate_revision('b' || i, '{}')) FROM generate_series(1, %d) i;\n" % n)
        fresh_db(db, extension=True)
        subprocess.run(psql(db, "-1", "-f", path), check=True, capture_output=True)
        merge = ("SELECT migrate_revision('m', ARRAY(SELECT 'b' || i FROM generate_series(1, %d) i))" % n)
        rows[("merge of N down_revisions: migrate_revision", n)] = statistics.median(
            call(db, merge)[0] for _ in range(3))
        admin(f'DROP DATABASE "{db}"')
        print(f"  scaling {n}: done", flush=True)
    return rows


# ------------------------------------------------------------- fingerprint

def bench_fingerprint():
    """(seconds, peak kB, kB before) of the fingerprint and of migrate_status()
    with large comments, each on a new connection."""
    db = "fingerprint_comments"
    fresh_db(db, extension=True)
    conn = psycopg2.connect(dbname=db)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET client_min_messages = warning")
        for i in range(COMMENTS):
            cur.execute(f"CREATE TABLE commented_{i} (id int)")
            # distinct text per table; written server-side, not sent
            cur.execute("DO $$ BEGIN EXECUTE format('COMMENT ON TABLE commented_%s IS %%L', "
                        "repeat(md5('%s'), %s * 1024 * 1024 / 32)); END $$" % (i, i, COMMENT_MB))
        cur.execute("SELECT migrate_revision('c1', '{}', 'CREATE TABLE c1 ()', 'DROP TABLE c1', 'c1')")
        cur.execute("SELECT count(*) FROM migrate_upgrade('head')")
    conn.close()
    rows = {}
    for label, sql in (("migrate.schema_fingerprint()", "SELECT migrate.schema_fingerprint()"),
                       ("migrate_status()", "SELECT schema_matches FROM migrate_status()")):
        conn = psycopg2.connect(dbname=db)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
            before = backend_memory(pid)
            start = time.perf_counter()
            cur.execute(sql)
            result = cur.fetchone()[0]
            elapsed = time.perf_counter() - start
            after = backend_memory(pid)
        conn.close()
        if label == "migrate_status()" and result is not True:
            raise RuntimeError(f"schema_matches is {result} right after the migration")
        rows[label] = (elapsed, after["VmHWM"], before["VmHWM"])
    admin(f'DROP DATABASE "{db}"')
    return rows


# ------------------------------------------------------------ body memory

BODY_WORKLOADS = [
    # (name, the upgrade body): the cases issue 15 reproduced
    ("300,000 INSERT statements",
     lambda: "CREATE TABLE bench_rows (id int, note text);\n" +
     "".join(f"INSERT INTO bench_rows (id, note) VALUES ({i}, 'row {i}');\n" for i in range(300000))),
    ("10 MB of SELECT 1;", lambda: "SELECT 1;\n" * 1000000),
    ("backfill SELECT of 3,000,000 rows",
     lambda: "SELECT g, repeat('x', 100) FROM generate_series(1, 3000000) g"),
]
BODY_PEAK_MAX_MB = 200


def bench_body_memory():
    """Peak backend memory (VmHWM) of migrate_upgrade() applying one big body:
    it should follow the largest statement, not the length of the body."""
    rows = []
    for name, make_body in BODY_WORKLOADS:
        body = make_body()
        db = "body_memory"
        fresh_db(db, extension=True)
        conn = psycopg2.connect(dbname=db)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SET client_min_messages = warning")
            cur.execute("SELECT migrate_revision('big', '{}', %s, 'SELECT 1')", (body,))
        conn.close()
        conn = psycopg2.connect(dbname=db)
        with conn.cursor() as cur:
            cur.execute("SET client_min_messages = warning")
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
            before = backend_memory(pid)
            start = time.perf_counter()
            cur.execute("SELECT count(*) FROM migrate_upgrade('head')")
            cur.fetchall()
            elapsed = time.perf_counter() - start
            after = backend_memory(pid)
            conn.commit()
        conn.close()
        admin(f'DROP DATABASE "{db}"')
        rows.append((name, len(body.encode()), elapsed, before["VmRSS"], after["VmHWM"]))
        print(f"  body memory {name}: done", flush=True)
    return rows


# ------------------------------------------------------------ autogenerate

AUTOGEN_OPS = ["migrate_describe()", "diff '{}' -> schema", "diff schema -> '{}'",
               "describe + diff, one added column"]
AUTOGEN_LIMIT = 0.5      # seconds, every figure at 1,000 tables
AUTOGEN_RUNS = 3         # the slow directions took tens of seconds


def autogen_schema(n):
    """n tables of 6 columns, 2 indexes besides the key and a foreign key to
    the previous table, and a view over every tenth table and its parent."""
    out = ["CREATE SCHEMA app;"]
    for i in range(n):
        ref = f"app.t{i - 1}" if i else f"app.t{i}"
        out.append(f"CREATE TABLE app.t{i} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                   f"name text NOT NULL, status text NOT NULL DEFAULT 'new', "
                   f"amount numeric(12,2) CHECK (amount >= 0), "
                   f"created_at timestamptz NOT NULL DEFAULT now(), "
                   f"parent_id bigint REFERENCES {ref} (id) ON DELETE CASCADE);")
        out.append(f"CREATE INDEX t{i}_name_idx ON app.t{i} (name);")
        out.append(f"CREATE INDEX t{i}_status_idx ON app.t{i} (status, created_at) WHERE status <> 'done';")
    for i in range(0, n, 10):
        p = max(i - 1, 0)
        out.append(f"CREATE VIEW app.v{i} AS SELECT t.id, t.name, t.amount, p.name AS parent "
                   f"FROM app.t{i} t LEFT JOIN app.t{p} p ON p.id = t.parent_id WHERE t.status <> 'done';")
    return "\n".join(out) + "\n"


def bench_autogen():
    """Seconds (median of AUTOGEN_RUNS first calls in a new backend) per
    operation and size."""
    rows = {}
    for n in AUTOGEN_SIZES:
        db = f"autogen_{n}"
        fresh_db(db, extension=True)
        path = os.path.join(WORK, f"autogen_{n}.sql")
        with open(path, "w") as f:
            f.write(autogen_schema(n))
        # a statement per transaction: one transaction would lock every
        # table at once, more than max_locks_per_transaction holds
        subprocess.run(psql(db, "-f", path), check=True, capture_output=True)
        conn = psycopg2.connect(dbname=db)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
            # the description the diffs start from, kept in a table of its own
            cur.execute("CREATE TABLE public.autogen_desc AS SELECT migrate_describe('{app}') AS d")
        conn.close()
        sqls = {
            "migrate_describe()": "SELECT pg_column_size(migrate_describe('{app}'))",
            "diff '{}' -> schema": "SELECT count(*) FROM public.autogen_desc, migrate_diff('{}', d)",
            "diff schema -> '{}'": "SELECT count(*) FROM public.autogen_desc, migrate_diff(d, '{}')",
            # the loop of migrate-create: the models gained a column
            "describe + diff, one added column":
                "SELECT count(*) FROM public.autogen_desc, migrate_diff(d, migrate_describe('{app}'))",
        }
        for op in AUTOGEN_OPS:
            # the loop of migrate-create: the models gained a column (rolled back)
            setup = "ALTER TABLE app.t0 ADD COLUMN note text" if "added column" in op else None
            rows[(op, n)] = statistics.median(first_call(db, sqls[op], setup) for _ in range(AUTOGEN_RUNS))
        admin(f'DROP DATABASE "{db}"')
        print(f"  autogen {n}: done", flush=True)
    return rows


def bench_long_deploy():
    """Base to head of LONG_SIZE revisions that each create a table (about
    four locks each: table, its index, its sequence, its type), as files in a
    migrations folder deployed by the program.  Returns the rows
    (label, seconds, outcome, ok-as-expected)."""
    d = os.path.join(WORK, "long", "migrations")
    os.makedirs(d, exist_ok=True)
    prev = ""
    for i in range(1, LONG_SIZE + 1):
        r = f"l{i:011d}"
        with open(os.path.join(d, f"{r}_t{i}.sql"), "w") as f:
            f.write(f"SELECT migrate_revision(revision => '{r}', down_revision => '{{{prev}}}', "
                    f"message => 'table lt{i}', "
                    f"upgrade => $u$CREATE TABLE lt{i} (id bigint GENERATED BY DEFAULT AS IDENTITY "
                    f"PRIMARY KEY, name text);$u$, downgrade => $d$DROP TABLE lt{i};$d$);\n")
        prev = r
    rows = []
    runs = [("migrate upgrade (one transaction)", [], False),
            (f"migrate upgrade --commit-every {LONG_BATCH}", ["--commit-every", str(LONG_BATCH)], True)]
    for label, extra, must_succeed in runs:
        db = "long_deploy"
        fresh_db(db)
        start = time.perf_counter()
        proc = subprocess.run([MIGRATE_CLI, "-d", db, "--dir", d, "upgrade", *extra],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        last = (proc.stdout.strip().splitlines() or [""])[-1]
        if proc.returncode == 0:
            outcome = last
        elif "out of shared memory" in proc.stderr:
            outcome = "failed: out of shared memory (max_locks_per_transaction)"
        else:
            outcome = f"failed: {proc.stderr.strip()[-300:]}"
        ok = (proc.returncode == 0) == must_succeed
        rows.append((label, elapsed, outcome, ok))
        admin(f'DROP DATABASE IF EXISTS "{db}"')
        print(f"  long deploy {label}: {fmt(elapsed)}", flush=True)
    # the psql form: register the files (committed), then CALL
    db = "long_deploy"
    fresh_db(db, extension=True)
    with open(os.path.join(WORK, "long", "all.sql"), "w") as f:
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name)) as g:
                f.write(g.read())
    subprocess.run(psql(db, "-q", "-1", "-f", os.path.join(WORK, "long", "all.sql")),
                   check=True, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    proc = subprocess.run(psql(db, "-c", f"CALL migrate_upgrade_batched('head', {LONG_BATCH})"),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    notices = [l for l in proc.stderr.splitlines() if l.startswith("NOTICE:  applied")]
    outcome = notices[-1][len("NOTICE:  "):] if proc.returncode == 0 and notices else \
        f"failed: {proc.stderr.strip()[-300:]}"
    rows.append((f"CALL migrate_upgrade_batched('head', {LONG_BATCH}) (files registered before)",
                 elapsed, outcome, proc.returncode == 0))
    admin(f'DROP DATABASE IF EXISTS "{db}"')
    shutil.rmtree(os.path.join(WORK, "long"))
    return rows


def report_long_deploy():
    conn = psycopg2.connect(dbname="postgres")
    with conn.cursor() as cur:
        cur.execute("SHOW max_locks_per_transaction")
        locks = cur.fetchone()[0]
    conn.close()
    say(f"== long deploy: base to head of {LONG_SIZE:,} table-creating revisions, "
        f"max_locks_per_transaction = {locks} (one run each)")
    rows = bench_long_deploy()
    for label, elapsed, outcome, _ in rows:
        say(f"{label:<72}{fmt(elapsed):>10}  {outcome}")
    say()
    return rows


def report_long_targets(rows):
    one, batched, call = rows
    say(f"{verdict(one[3])}  one transaction of {LONG_SIZE:,} table-creating revisions runs out of "
        f"lock table under the default settings: {one[2]} after {fmt(one[1])}")
    say(f"{verdict(batched[3])}  --commit-every {LONG_BATCH} deploys all {LONG_SIZE:,}: "
        f"{fmt(batched[1])}, {batched[2]}")
    say(f"{verdict(call[3])}  CALL migrate_upgrade_batched() deploys all {LONG_SIZE:,}: "
        f"{fmt(call[1])}, {call[2]}")


def report_autogen():
    say("== autogenerate: seconds at each size (first call in a new backend, median of "
        f"{AUTOGEN_RUNS}), and the growth per doubling (2.0x = linear)")
    autogen = bench_autogen()
    say(f"{'operation':<40}" + "".join(f"{n:>10}" for n in AUTOGEN_SIZES) + f"{'per doubling':>14}")
    for op in AUTOGEN_OPS:
        vals = [autogen[(op, n)] for n in AUTOGEN_SIZES]
        growth = [(b / a) ** (1 / math.log2(nb / na))
                  for (na, a), (nb, b) in zip(zip(AUTOGEN_SIZES, vals), zip(AUTOGEN_SIZES[1:], vals[1:]))
                  if a > 0 and nb > na]
        worst = max(growth) if growth else 0
        # the limit holds at 1,000 tables, scaled linearly at other sizes
        ok = all(v < AUTOGEN_LIMIT * max(k, 1000) / 1000 for k, v in zip(AUTOGEN_SIZES, vals))
        say(f"{op:<40}" + "".join(f"{fmt(v):>10}" for v in vals) +
            (f"{worst:>12.2f}x" if growth else f"{'-':>13}") +
            f" {verdict(ok and (worst < 2.6 or not growth))}")
    say(f"target: each under {fmt(AUTOGEN_LIMIT)} at 1,000 tables (6 columns, 2 indexes, a foreign key "
        f"each, 100 views per 1,000) and about 2x per doubling (below 2.6x); BENCH_AUTOGEN_SIZES")
    say()
    return autogen


# ------------------------------------------------------------------ report

def verdict(ok):
    return "PASS" if ok else "MISS"


def main():
    if ONLY == "autogen":
        say(f"migrate benchmark (autogenerate only), {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
        report_autogen()
        with open(os.path.join(OUT, "report.txt"), "w") as f:
            f.write("\n".join(report_lines) + "\n")
        return
    if ONLY == "long":
        say(f"migrate benchmark (long deploy only), {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
        rows = report_long_deploy()
        say("== targets")
        report_long_targets(rows)
        with open(os.path.join(OUT, "report.txt"), "w") as f:
            f.write("\n".join(report_lines) + "\n")
        return
    conn = psycopg2.connect(dbname="postgres")
    with conn.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0]
    conn.close()
    alembic_version = subprocess.run([PY, "-m", "alembic", "--version"], capture_output=True,
                                     text=True).stdout.strip()
    sqitch_version = subprocess.run(["sqitch", "--version"], capture_output=True,
                                    text=True).stdout.strip()
    say(f"migrate benchmark, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    say(f"server: {version}")
    say(f"tools: {alembic_version}; {sqitch_version}; {os.cpu_count()} cores; "
        f"median of {RUNS} runs unless said otherwise")
    say()

    say("== deploy: empty database to head (wall time of the client process)")
    deploy, register = bench_deploy()
    say(f"{'N':>6} " + "".join(f"{t:>14}" for t in TOOLS) +
        f"{'migrate/floor':>15}{'alembic/floor':>15}{'sqitch/floor':>14}{'register':>11}")
    for n in DEPLOY_SIZES:
        floor = deploy[("psql -1 -f", n)]
        ratios = []
        for tool in ("migrate", "alembic", "sqitch"):
            v = deploy[(tool, n)]
            ratios.append(f"{v / floor:.2f}x" if v and floor else "-")
        say(f"{n:>6} " + "".join(f"{fmt(deploy[(t, n)]):>14}" for t in TOOLS) +
            f"{ratios[0]:>15}{ratios[1]:>15}{ratios[2]:>14}{fmt(register[n]):>11}")
    say("register = loading the migrate files (migrate_revision calls) before the deploy, not counted in it")
    say(f"sqitch: {SQITCH_RUNS} runs up to N={SQITCH_MAX}, one run above (BENCH_SQITCH_MAX)")
    say()

    say("== scaling: seconds at each size, and the growth per doubling (2.0x = linear)")
    scale = bench_scaling()
    shapes = list(dict.fromkeys(k[0] for k in scale))
    say(f"{'shape':<48}" + "".join(f"{n:>10}" for n in SCALE_SIZES) + f"{'per doubling':>14}")
    for shape in shapes:
        vals = [scale[(shape, n)] for n in SCALE_SIZES]
        growth = [b / a for a, b in zip(vals, vals[1:]) if a > 0]
        worst = max(growth) if growth else 0
        say(f"{shape:<48}" + "".join(f"{fmt(v):>10}" for v in vals) +
            f"{worst:>12.2f}x {verdict(worst < 2.6)}")
    say("per doubling: the largest ratio between consecutive sizes; target below 2.6x (n log n with noise)")
    say()

    say("== body memory: one migrate_upgrade() applying one big body (new backend, /proc/<pid>/status)")
    body_rows = bench_body_memory()
    say(f"{'body':<36}{'text':>9}{'time':>10}{'RSS before':>13}{'peak (VmHWM)':>15}")
    for name, size, elapsed, before_kb, peak_kb in body_rows:
        say(f"{name:<36}{size / 1e6:>6.1f} MB{fmt(elapsed):>10}{before_kb / 1024:>10.1f} MB"
            f"{peak_kb / 1024:>12.1f} MB  {verdict(peak_kb / 1024 <= BODY_PEAK_MAX_MB)}")
    say(f"target: peak under {BODY_PEAK_MAX_MB} MB each (issue 15 measured 3.1 GB for the 300,000 "
        f"INSERTs, out of memory for the SELECT 1s)")
    say()

    report_autogen()

    long_rows = report_long_deploy()

    say("== graph operations (server call on a new connection: cold = first call, warm = second)")
    graph, memory, alembic = bench_graph()
    ops = ["dry-run plan base->head", "no-op upgrade heads", "migrate_current()", "migrate_heads()"]
    say(f"{'shape':<8}{'N':>8}  {'operation':<26}{'cold':>11}{'warm':>11}{'cold per 1k':>13}")
    for shape in ("linear", "merge3"):
        for n in GRAPH_SIZES:
            for op in ops:
                cold, warm = graph[(shape, n, op)]
                say(f"{shape:<8}{n:>8}  {op:<26}{fmt(cold):>11}{fmt(warm):>11}"
                    f"{fmt(cold / n * 1000):>13}")
            for op in ("alembic heads", "alembic upgrade head --sql"):
                if (shape, n, op) in alembic:
                    say(f"{shape:<8}{n:>8}  {op:<26}{fmt(alembic[(shape, n, op)]):>11}"
                        f"{'(process)':>11}")
    say(f"Alembic runs only up to N={ALEMBIC_MAX} (BENCH_ALEMBIC_MAX); its figures include "
        f"starting Python and loading the revision files, as its CLI always does")
    say()

    say("== backend memory for the dry-run plan (new backend, /proc/<pid>/status)")
    say(f"{'shape':<8}{'N':>8}{'RSS before':>13}{'peak (VmHWM)':>15}{'anon after':>13}")
    for shape in ("linear", "merge3"):
        for n in GRAPH_SIZES:
            before, after = memory[(shape, n)]
            say(f"{shape:<8}{n:>8}{before['VmRSS'] / 1024:>10.1f} MB{after['VmHWM'] / 1024:>12.1f} MB"
                f"{after['RssAnon'] / 1024:>10.1f} MB")
    say()

    say(f"== schema fingerprint with {COMMENTS} table comments of {COMMENT_MB} MB "
        f"(new backend, /proc/<pid>/status)")
    fingerprint = bench_fingerprint()
    say(f"{'call':<32}{'time':>11}{'peak (VmHWM)':>15}{'before':>11}")
    for label, (elapsed, peak, before) in fingerprint.items():
        say(f"{label:<32}{fmt(elapsed):>11}{peak / 1024:>12.1f} MB{before / 1024:>8.1f} MB")
    say("each line of the description is hashed as it comes and a comment over 1 MB is described "
        "by its md5: the peak follows the largest comment, not their sum")
    say()

    say("== targets")
    n = 1000
    if n in DEPLOY_SIZES and all(deploy[(t, n)] for t in TOOLS):
        floor, m, a, s = (deploy[(t, n)] for t in TOOLS)
        say(f"{verdict(m <= 1.10 * floor)}  deploy 1,000 within 1.10x of psql -1 -f: {m / floor:.3f}x")
        say(f"{verdict(m - floor <= 0.1 * (a - floor))}  migrate's bookkeeping at most 1/10 of Alembic's: "
            f"{fmt(m - floor)} vs {fmt(a - floor)}")
        say(f"{verdict(m - floor <= 0.01 * (s - floor))}  migrate's bookkeeping at most 1/100 of Sqitch's: "
            f"{fmt(m - floor)} vs {fmt(s - floor)}")
    big = max(GRAPH_SIZES)
    plan = graph[("merge3", big, "dry-run plan base->head")][0]
    say(f"{verdict(plan < 1.0)}  dry-run plan of {big:,} revisions with merges under 1 s: {fmt(plan)}")
    sizes = sorted(GRAPH_SIZES)
    if len(sizes) > 1:
        per = [graph[("merge3", k, "dry-run plan base->head")][0] / k for k in sizes]
        growth = per[-1] / per[-2]
        say(f"{verdict(growth < 1.5)}  plan cost grows linearly: per-revision cost at {sizes[-1]:,} is "
            f"{growth:.2f}x that at {sizes[-2]:,} (" +
            ", ".join(f"{k:,}: {fmt(p * 1000)}/1k" for k, p in zip(sizes, per)) + ")")
    for op, limit in (("no-op upgrade heads", 0.100), ("migrate_current()", 0.050)):
        for shape in ("linear", "merge3"):
            cold, warm = graph[(shape, big, op)]
            say(f"{verdict(cold < limit)}  {op} at {big:,} ({shape}) under {fmt(limit)}: "
                f"{fmt(cold)} first call in a backend, {fmt(warm)} after")
    peak = max(p for _, p, _ in fingerprint.values())
    limit = (COMMENT_MB * 2 + 64) * 1024
    say(f"{verdict(peak < limit)}  fingerprint peak memory under twice one comment plus 64 MB "
        f"({limit / 1024:.0f} MB) with {COMMENTS} comments of {COMMENT_MB} MB: {peak / 1024:.1f} MB")

    report_long_targets(long_rows)

    with open(os.path.join(OUT, "report.txt"), "w") as f:
        f.write("\n".join(report_lines) + "\n")
    with open(os.path.join(OUT, "deploy.dat"), "w") as f:
        f.write("# N " + " ".join(t.split()[0] for t in TOOLS) + "\n")
        for n in DEPLOY_SIZES:
            f.write(f"{n} " + " ".join(f"{deploy[(t, n)]:.4f}" if deploy[(t, n)] else "NaN"
                                       for t in TOOLS) + "\n")
    with open(os.path.join(OUT, "graph.dat"), "w") as f:
        f.write("# N linear_plan merge3_plan merge3_noop_cold merge3_current_cold\n")
        for n in GRAPH_SIZES:
            f.write(f"{n} {graph[('linear', n, ops[0])][0]:.5f} {graph[('merge3', n, ops[0])][0]:.5f} "
                    f"{graph[('merge3', n, ops[1])][0]:.5f} {graph[('merge3', n, ops[2])][0]:.5f}\n")
    plot()


def plot():
    script = f"""
set terminal pngcairo size 1000,420 font ',10'
set output '{OUT}/bench.png'
set multiplot layout 1,2
set logscale xy
set grid
set key top left
set xlabel 'revisions'
set ylabel 'seconds'
set title 'deploy from empty to head'
plot '{OUT}/deploy.dat' using 1:2 with linespoints title 'psql -1 -f (floor)', \\
     '' using 1:3 with linespoints title 'migrate', \\
     '' using 1:4 with linespoints title 'Alembic', \\
     '' using 1:5 with linespoints title 'Sqitch'
set title 'graph operations, first call in a backend'
plot '{OUT}/graph.dat' using 1:2 with linespoints title 'plan, linear', \\
     '' using 1:3 with linespoints title 'plan, merge every 3', \\
     '' using 1:4 with linespoints title 'no-op upgrade, merge every 3', \\
     '' using 1:5 with linespoints title 'migrate\\_current(), merge every 3'
unset multiplot
"""
    proc = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if proc.returncode != 0:
        print(f"gnuplot failed: {proc.stderr}", flush=True)
    else:
        print(f"plot: {OUT}/bench.png", flush=True)


if __name__ == "__main__":
    main()

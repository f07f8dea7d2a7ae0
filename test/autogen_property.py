#!/usr/bin/python3
"""Property test of migrate_describe() and migrate_diff().

Random pairs of schemas A and B over the covered objects (tables, columns
with types, nullability, defaults, identity and collations, primary keys,
unique, check and foreign key constraints, plain, partial, expression and
unique indexes, standalone sequences, enum types, views, comments;
functions used by defaults, checks and indexes, whose body or result type
changes; triggers, with WHEN clauses, disabled, constraint triggers;
domains with checks, defaults and NOT NULL, and columns of them; row-level
security and policies, some over functions; table properties (UNLOGGED,
storage parameters, REPLICA IDENTITY), column STORAGE and STATISTICS, view
options, rules and extended statistics).  B is A
after random edits, so the pairs differ the way successive versions of a
schema do.  For each pair, in one database: A is loaded and described, B is
loaded and described, A is loaded again and the generated upgrade run: the
description must equal B's.  Then the generated downgrade is run in reverse
order: the description must equal A's again, unless a step says it cannot
be undone (enum values, which PostgreSQL cannot drop).  Column order is not
compared: PostgreSQL cannot reorder columns, so migrate_diff does not try.

    test/autogen_property.py [--seed S] [--pairs N]

Runs against the server in PGHOST/PGPORT/PGUSER; prints "PASS autogen
property (...)" or "FAIL ..." with the seed and the two schemas.
"""
import argparse
import copy
import random
import subprocess
import sys

DB = "migrate_autogen_property"

INTS = ["smallint", "integer", "bigint", "numeric(12,2)"]
TEXTS = ["text", "character varying(20)", "character varying(40)"]

HELPER = r"""
CREATE EXTENSION migrate;
DO $r$
BEGIN
    -- the roles the privileges go to (cluster-wide: dropped at the end)
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrate_prop_reader') THEN
        CREATE ROLE migrate_prop_reader;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrate prop "w2') THEN
        CREATE ROLE "migrate prop ""w2";
    END IF;
END $r$;
ALTER DATABASE migrate_autogen_property SET migrate.guard = off;
-- column order is not part of the comparison
CREATE FUNCTION norm(d jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_set(d, '{tables}', coalesce((
        SELECT jsonb_object_agg(k, jsonb_set(v, '{columns}', coalesce((
            SELECT jsonb_agg(c ORDER BY c->>'name') FROM jsonb_array_elements(v->'columns') c), '[]')))
        FROM jsonb_each(d->'tables') t(k, v)), '{}'))
$$;
-- where two descriptions differ (their parts and entries), for a mismatch the diff has no step for
CREATE FUNCTION differs(x jsonb, y jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(p || '.' || coalesce(e, '') || ': ' || coalesce(xv::text, 'none') || ' / ' || coalesce(yv::text, 'none'), '; ')
    FROM (SELECT p, e, xv, yv FROM (SELECT coalesce(a.k, b.k) AS p, a.v AS av, b.v AS bv
                                    FROM jsonb_each(x) a(k, v) FULL JOIN jsonb_each(y) b(k, v) ON a.k = b.k) parts
          CROSS JOIN LATERAL (
              SELECT coalesce(i.k, j.k) AS e, i.v AS xv, j.v AS yv
              FROM jsonb_each(CASE WHEN jsonb_typeof(av) = 'object' THEN av ELSE '{}' END) i(k, v)
              FULL JOIN jsonb_each(CASE WHEN jsonb_typeof(bv) = 'object' THEN bv ELSE '{}' END) j(k, v) ON i.k = j.k
              WHERE i.v IS DISTINCT FROM j.v
              UNION ALL
              SELECT NULL, av, bv WHERE jsonb_typeof(coalesce(av, bv)) <> 'object' AND av IS DISTINCT FROM bv) d
          WHERE av IS DISTINCT FROM bv) z
$$;
CREATE FUNCTION check_pair(a_sql text, b_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    da jsonb;
    db jsonb;
    s record;
    n int := 0;
    irreversible boolean;
BEGIN
    DROP SCHEMA IF EXISTS prop CASCADE;
    DROP TYPE IF EXISTS public.prop_dummy;
    EXECUTE b_sql;
    db := migrate_describe(ARRAY['prop'], true, true);
    DROP SCHEMA prop CASCADE;
    EXECUTE a_sql;
    da := migrate_describe(ARRAY['prop'], true, true);
    BEGIN
        FOR s IN SELECT * FROM migrate_diff(da, db) ORDER BY step LOOP
            n := n + 1;
            EXECUTE s.upgrade;
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        RETURN format('upgrade step %s failed: %s', n, SQLERRM);
    END;
    IF norm(migrate_describe(ARRAY['prop'], true, true)) <> norm(db) THEN
        RETURN 'upgrade mismatch: ' || coalesce((SELECT string_agg(operation || ' ' || object, ', ')
                                        FROM migrate_diff(migrate_describe(ARRAY['prop'], true, true), db)),
                                       'no step for ' || differs(norm(migrate_describe(ARRAY['prop'], true, true)), norm(db)));
    END IF;
    SELECT bool_or(downgrade LIKE '--%') INTO irreversible FROM migrate_diff(da, db);
    IF irreversible THEN
        DROP SCHEMA prop CASCADE;
        RETURN 'ok, irreversible';
    END IF;
    n := 0;
    BEGIN
        FOR s IN SELECT * FROM migrate_diff(da, db) ORDER BY step DESC LOOP
            n := n + 1;
            EXECUTE s.downgrade;
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        RETURN format('downgrade step %s (from the end) failed: %s', n, SQLERRM);
    END;
    IF norm(migrate_describe(ARRAY['prop'], true, true)) <> norm(da) THEN
        RETURN 'downgrade mismatch: ' || coalesce((SELECT string_agg(operation || ' ' || object, ', ')
                                          FROM migrate_diff(migrate_describe(ARRAY['prop'], true, true), da)),
                                         'no step for ' || differs(norm(migrate_describe(ARRAY['prop'], true, true)), norm(da)));
    END IF;
    DROP SCHEMA prop CASCADE;
    RETURN 'ok';
END $$;
"""


def psql(db, sql):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db],
                          input=sql, text=True, capture_output=True, check=True).stdout


def q(name):
    return '"' + name.replace('"', '""') + '"'


def lit(text):
    return "'" + text.replace("'", "''") + "'"


# ------------------------------------------------------------------ model

def new_column(rng, name, enums):
    kind = rng.choice(["int", "int", "text", "text", "bool", "time", "enum"])
    if kind == "enum" and not enums:
        kind = "int"
    col = {"name": name, "not_null": rng.random() < 0.3, "default": None, "comment": None, "collation": None}
    if kind == "int":
        col["type"] = rng.choice(INTS)
        col["default"] = rng.choice([None, None, "0", "42"])
    elif kind == "text":
        col["type"] = rng.choice(TEXTS)
        col["default"] = rng.choice([None, None, "'x'", "'it''s'"])
        col["collation"] = rng.choice([None, None, None, '"C"'])
    elif kind == "bool":
        col["type"] = "boolean"
        col["default"] = rng.choice([None, "true"])
    elif kind == "time":
        col["type"] = "timestamp with time zone"
        col["default"] = rng.choice([None, "now()"])
    else:
        enum = rng.choice(sorted(enums))
        col["type"] = "prop." + q(enum)
        col["default"] = None
    if rng.random() < 0.1:
        col["comment"] = rng.choice(["a note", "l'autre"])
    return col


def new_table(rng, name, enums):
    t = {"name": name, "id": rng.choice(["identity", "serial", "plain"]), "comment": None,
         "columns": [], "checks": {}, "uniques": {}, "fks": {}, "indexes": {},
         "fchecks": {}, "findexes": {}, "triggers": {}, "rls": (False, False), "policies": {}}
    for i in range(rng.randint(1, 4)):
        t["columns"].append(new_column(rng, f"c{i}", enums))
    if rng.random() < 0.2:
        t["comment"] = "table of " + name
    return t


def fresh_name(t, prefix):
    """A column name the table does not use yet."""
    used = {c["name"] for c in t["columns"]}
    return next(f"{prefix}{i}" for i in range(1000) if f"{prefix}{i}" not in used)


def col_by_name(t, name):
    return next((c for c in t["columns"] if c["name"] == name), None)


def add_random_constraint(rng, schema, t):
    cols = t["columns"]
    ints = [c for c in cols if c["type"] in INTS]
    texts = [c for c in cols if c["type"] in TEXTS]
    roll = rng.random()
    if roll < 0.25 and ints:
        c = rng.choice(ints)
        t["checks"][f"{t['name']}_{c['name']}_pos"] = c["name"]
    elif roll < 0.45 and cols:
        c = rng.choice(cols)
        t["uniques"][f"{t['name']}_{c['name']}_uq"] = c["name"]
    elif roll < 0.65:
        others = [o for o in schema["tables"].values() if o["name"] != t["name"]]
        if others:
            o = rng.choice(others)
            fkcol = f"{o['name']}_id"
            if not col_by_name(t, fkcol):
                t["columns"].append({"name": fkcol, "type": "bigint" if o["id"] != "serial" else "integer",
                                     "not_null": False, "default": None, "comment": None, "collation": None})
            t["fks"][f"{t['name']}_{fkcol}_fk"] = (fkcol, o["name"], rng.choice(["", " ON DELETE CASCADE"]))
    elif cols:
        c = rng.choice(cols)
        kind = rng.choice(["plain", "partial", "unique", "expr"])
        if kind == "expr" and c not in texts:
            kind = "plain"
        t["indexes"][f"{t['name']}_{c['name']}_{kind}"] = (kind, c["name"])


def new_function(rng):
    return {"ret": rng.choice(["integer", "bigint"]), "add": rng.choice([1, 2])}


def new_domain(rng):
    return {"base": rng.choice(["integer", "bigint"]), "check": rng.choice([None, ">", ">="]),
            "default": rng.choice([None, "1"]), "not_null": rng.random() < 0.3}


def add_function_uses(rng, s, t):
    """Function uses on table t: a default, a check, an index, a policy; or
    a check or default of a domain (made without them, added once the
    functions exist)."""
    if not s["functions"]:
        return
    f = rng.choice(sorted(s["functions"]))
    roll = rng.random()
    ints = [c for c in t["columns"] if c["type"] in INTS and not c.get("fn")]
    if roll < 0.3 and ints:
        c = rng.choice(ints)
        c["default"], c["fn"] = f"prop.{f}(1)", f
    elif roll < 0.55:
        t["fchecks"][f"{t['name']}_{f}_chk"] = f
    elif roll < 0.8:
        t["findexes"][f"{t['name']}_{f}_idx"] = f
    elif roll < 0.9 or not s["domains"]:
        t["policies"][f"{f}_pol"] = ("SELECT", f"prop.{f}(id::int) > 0")
    else:
        d = s["domains"][rng.choice(sorted(s["domains"]))]
        d["fn"] = f
        d["fn_default"] = rng.random() < 0.4


def add_trigger(rng, t):
    name = f"tr{rng.randint(0, 3)}"
    t["triggers"][name] = {"kind": rng.choice(["plain", "when", "constraint"]),
                           "event": rng.choice(["INSERT", "UPDATE"]), "disabled": rng.random() < 0.2}


def random_extras(rng, s):
    for i in range(rng.randint(0, 2)):
        s["functions"][f"f{i}"] = new_function(rng)
    for i in range(rng.randint(0, 2)):
        s["domains"][f"d{i}"] = new_domain(rng)
    for t in s["tables"].values():
        for _ in range(rng.randint(0, 2)):
            add_function_uses(rng, s, t)
        for _ in range(rng.randint(0, 2)):
            add_trigger(rng, t)
        if rng.random() < 0.3:
            t["rls"] = (True, rng.random() < 0.5)
            t["policies"]["own"] = (rng.choice(["ALL", "SELECT", "UPDATE"]), rng.choice(["id > 0", "true"]))
        if s["domains"] and rng.random() < 0.4:
            t["columns"].append({"name": "dom", "type": "prop." + rng.choice(sorted(s["domains"])),
                                 "not_null": False, "default": None, "comment": None, "collation": None})


def drop_function_uses(s, f):
    for d in s["domains"].values():
        if d.get("fn") == f:
            d["fn"] = None
    for t in s["tables"].values():
        for c in t["columns"]:
            if c.get("fn") == f:
                c["default"], c["fn"] = None, None
        t["fchecks"] = {k: v for k, v in t["fchecks"].items() if v != f}
        t["findexes"] = {k: v for k, v in t["findexes"].items() if v != f}
        t["policies"] = {k: v for k, v in t["policies"].items() if f"prop.{f}(" not in v[1]}


def mutate_extras(rng, s):
    roll = rng.random()
    tables = sorted(s["tables"])
    t = s["tables"][rng.choice(tables)] if tables else None
    if roll < 0.15 and s["functions"]:
        f = s["functions"][rng.choice(sorted(s["functions"]))]
        f["add"] = f["add"] + 1                         # a new body: CREATE OR REPLACE
    elif roll < 0.3 and s["functions"]:
        f = s["functions"][rng.choice(sorted(s["functions"]))]
        f["ret"] = "bigint" if f["ret"] == "integer" else "integer"   # dropped and created
    elif roll < 0.38 and s["functions"]:
        f = rng.choice(sorted(s["functions"]))
        del s["functions"][f]
        drop_function_uses(s, f)
    elif roll < 0.45:
        s["functions"][f"f{rng.randint(3, 5)}"] = new_function(rng)
    elif roll < 0.55 and t:
        add_function_uses(rng, s, t)
    elif roll < 0.65 and t:
        if t["triggers"] and rng.random() < 0.5:
            k = rng.choice(sorted(t["triggers"]))
            if rng.random() < 0.5:
                del t["triggers"][k]
            else:
                t["triggers"][k]["disabled"] = not t["triggers"][k]["disabled"]
        else:
            add_trigger(rng, t)
    elif roll < 0.75 and t:
        en, force = t["rls"]
        if rng.random() < 0.4:
            t["rls"] = (not en, force) if rng.random() < 0.5 else (en, not force)
        elif t["policies"] and rng.random() < 0.5:
            del t["policies"][rng.choice(sorted(t["policies"]))]
        else:
            t["policies"][rng.choice(["own", "other"])] = (rng.choice(["ALL", "INSERT", "DELETE"]),
                                                         rng.choice(["id > 1", "false"]))
    elif roll < 0.88 and s["domains"]:
        d = s["domains"][rng.choice(sorted(s["domains"]))]
        what = rng.choice(["check", "default", "not_null"])
        if what == "check":
            d["check"] = rng.choice([None, ">", ">="])
        elif what == "default":
            d["default"] = rng.choice([None, "1", "2"])
        else:
            d["not_null"] = not d["not_null"]
    elif roll < 0.94:
        s["domains"][f"d{rng.randint(3, 5)}"] = new_domain(rng)
    elif s["domains"]:
        dname = rng.choice(sorted(s["domains"]))
        del s["domains"][dname]
        for o in s["tables"].values():
            for c in [c for c in o["columns"] if c["type"] == "prop." + dname]:
                o["columns"].remove(c)
                drop_column_refs(s, o, c["name"])



# table, column and view properties, rules and extended statistics: kept
# apart ("kinds") and rendered only over what still exists, so that the
# other edits need not know of them
def random_kinds(rng, s):
    k = {"tprops": {}, "cprops": {}, "vopts": {}, "rules": {}, "stats": {}}
    for _ in range(rng.randint(0, 3)):
        edit_kinds(rng, s, k)
    s["kinds"] = k


def edit_kinds(rng, s, k):
    tables = sorted(s["tables"])
    if not tables:
        return
    t = rng.choice(tables)
    cols = [c["name"] for c in s["tables"][t]["columns"]]
    roll = rng.random()
    if roll < 0.2:
        k["tprops"][t] = {"unlogged": rng.random() < 0.3,
                          "fillfactor": rng.choice([None, 70, 90]),
                          "replica": rng.choice([None, "FULL", "NOTHING"])}
    elif roll < 0.4:
        c = rng.choice(cols)
        k["cprops"][(t, c)] = (rng.choice([None, "MAIN", "EXTERNAL"]), rng.choice([None, 0, 200]))
    elif roll < 0.55 and s["views"]:
        v = rng.choice(sorted(s["views"]))
        k["vopts"][v] = rng.choice([None, "security_barrier", "check_option=local", "security_invoker"])
    elif roll < 0.75:
        name = rng.choice(["r0", "r 1", 'r"2'])
        if name in k["rules"] and rng.random() < 0.4:
            del k["rules"][name]
        else:
            k["rules"][name] = (t, rng.choice(tables), rng.choice(["DELETE", "UPDATE"]), rng.random() < 0.3)
    else:
        name = rng.choice(["st0", "st 1"])
        if name in k["stats"] and rng.random() < 0.4:
            del k["stats"][name]
        else:
            k["stats"][name] = (t, sorted(rng.sample(cols + ["id"], min(2, len(cols) + 1))),
                                rng.choice(["ndistinct", "dependencies", "mcv"]), rng.choice([None, 100]))


def render_kinds(s):
    k = s.get("kinds")
    out = []
    if not k:
        return out
    tables = s["tables"]
    for t, p in sorted(k["tprops"].items()):
        if t not in tables:
            continue
        tn = f"prop.{q(t)}"
        # (an unlogged table and a logged one cannot reference each other)
        if (p["unlogged"] and not tables[t]["fks"]
                and not any(v[1] == t for o in tables.values() for v in o["fks"].values())):
            out.append(f"ALTER TABLE {tn} SET UNLOGGED;")
        if p["fillfactor"]:
            out.append(f"ALTER TABLE {tn} SET (fillfactor = {p['fillfactor']});")
        if p["replica"]:
            out.append(f"ALTER TABLE {tn} REPLICA IDENTITY {p['replica']};")
    for (t, c), (storage, stat) in sorted(k["cprops"].items()):
        col = col_by_name(tables[t], c) if t in tables else None
        if not col:
            continue
        tn = f"prop.{q(t)}"
        if storage and col["type"] in TEXTS:
            out.append(f"ALTER TABLE {tn} ALTER COLUMN {q(c)} SET STORAGE {storage};")
        if stat is not None:
            out.append(f"ALTER TABLE {tn} ALTER COLUMN {q(c)} SET STATISTICS {stat};")
    for v, opt in sorted(k["vopts"].items()):
        if v not in s["views"] or not opt:
            continue
        if s["views"][v][2]:
            out.append(f"ALTER MATERIALIZED VIEW prop.{q(v)} SET (fillfactor = 80);")
        else:
            out.append(f"ALTER VIEW prop.{q(v)} SET ({opt});")
    for name, (t, other, event, disabled) in sorted(k["rules"].items()):
        if t not in tables or other not in tables:
            continue
        out.append(f"CREATE RULE {q(name)} AS ON {event} TO prop.{q(t)} "
                   f"DO ALSO DELETE FROM prop.{q(other)} WHERE id = old.id;")
        if disabled:
            out.append(f"ALTER TABLE prop.{q(t)} DISABLE RULE {q(name)};")
    for name, (t, cols, kind, target) in sorted(k["stats"].items()):
        if t not in tables or any(c != "id" and not col_by_name(tables[t], c) for c in cols) or len(cols) < 2:
            continue
        out.append(f"CREATE STATISTICS prop.{q(name)} ({kind}) ON {', '.join(q(c) for c in cols)} FROM prop.{q(t)};")
        if target is not None:
            out.append(f"ALTER STATISTICS prop.{q(name)} SET STATISTICS {target};")
    return out


# partitioned tables, inheritance, composite and range types, sequence
# options, aggregates, materialized view indexes, comments on the other
# kinds and privileges: kept apart ("more") like the kinds above, each
# rendered only over what exists, so that the edits above need not know
ROLES = ["migrate_prop_reader", 'migrate prop "w2']
RANGE_SLOTS = {"p0": (0, 10), "p1": (10, 20), "p2": (20, 30), "p3": (30, 40)}
NOTES = ["a note", "l'autre", "two\nlines", "dollar $$ and $x$"]


def new_parts(rng, strategy):
    p = {"strategy": strategy, "children": {}, "default": rng.random() < 0.4,
         "index": rng.random() < 0.5, "pk": rng.random() < 0.5, "extra": False, "child_idx": None}
    for name in rng.sample(sorted(RANGE_SLOTS), rng.randint(1, 3)):
        p["children"][name] = new_part_child(rng, strategy, name)
    return p


def new_part_child(rng, strategy, name):
    lo, hi = RANGE_SLOTS[name]
    bound = (lo, hi) if strategy == "range" else tuple(range(lo, lo + rng.randint(1, 3)))
    # a child partitioned again (by list of id): always p1, since a table
    # that becomes partitioned or stops being is reported, not generated
    sub = {"a": (1, 2), "b": (3,)} if name == "p1" else None
    return {"bound": bound, "sub": sub}


def edit_parts(rng, p):
    roll = rng.random()
    if roll < 0.25:
        free = [n for n in sorted(RANGE_SLOTS) if n not in p["children"]]
        if free:
            n = rng.choice(free)
            p["children"][n] = new_part_child(rng, p["strategy"], n)
    elif roll < 0.4 and len(p["children"]) > 1:
        del p["children"][rng.choice(sorted(p["children"]))]
    elif roll < 0.55 and p["children"]:
        c = p["children"][rng.choice(sorted(p["children"]))]
        lo = c["bound"][0]
        c["bound"] = (lo, lo + rng.choice([5, 10])) if p["strategy"] == "range" else (lo, lo + 1) \
            if c["bound"] != (lo, lo + 1) else (lo,)
    elif roll < 0.65:
        p["default"] = not p["default"]
    elif roll < 0.75:
        p["index"] = not p["index"]
    elif roll < 0.82:
        p["pk"] = not p["pk"]
    elif roll < 0.9:
        p["extra"] = not p["extra"]
    elif p["children"]:
        c = rng.choice(sorted(p["children"]))
        p["child_idx"] = None if p["child_idx"] else c


def render_parts(p):
    out = []
    by = "RANGE (k)" if p["strategy"] == "range" else "LIST (k)"
    extra = ", x text DEFAULT 'x'" if p["extra"] else ""
    pk = ", PRIMARY KEY (id, k)" if p["pk"] else ""
    out.append(f"CREATE TABLE prop.pt (id integer NOT NULL, k integer NOT NULL, v text{extra}{pk}) PARTITION BY {by};")
    for name, c in sorted(p["children"].items()):
        if p["strategy"] == "range":
            bound = f"FROM ({c['bound'][0]}) TO ({c['bound'][1]})"
        else:
            bound = f"IN ({', '.join(str(v) for v in c['bound'])})"
        sub = " PARTITION BY LIST (id)" if c["sub"] else ""
        out.append(f"CREATE TABLE prop.pt_{name} PARTITION OF prop.pt FOR VALUES {bound}{sub};")
        for sname, values in sorted((c["sub"] or {}).items()):
            out.append(f"CREATE TABLE prop.pt_{name}_{sname} PARTITION OF prop.pt_{name} "
                       f"FOR VALUES IN ({', '.join(str(v) for v in values)});")
    if p["default"]:
        out.append("CREATE TABLE prop.pt_other PARTITION OF prop.pt DEFAULT;")
    if p["index"]:
        out.append("CREATE INDEX pt_v_idx ON prop.pt (v);")
    if p["child_idx"] in p["children"] and not p["children"][p["child_idx"]]["sub"]:
        out.append(f"CREATE INDEX pt_{p['child_idx']}_id_idx ON prop.pt_{p['child_idx']} (id);")
    return out


def new_inherit(rng):
    return {"extra": False, "check": rng.random() < 0.3, "children": {f"ih_c{i}": rng.random() < 0.5
                                                                       for i in range(rng.randint(1, 2))}}


def edit_inherit(rng, h):
    roll = rng.random()
    if roll < 0.3:
        h["extra"] = not h["extra"]
    elif roll < 0.5:
        h["check"] = not h["check"]
    elif roll < 0.75:
        n = f"ih_c{rng.randint(0, 3)}"
        if n in h["children"] and len(h["children"]) > 1:
            del h["children"][n]
        else:
            h["children"][n] = rng.random() < 0.5
    else:
        n = rng.choice(sorted(h["children"]))
        h["children"][n] = not h["children"][n]


def render_inherit(h):
    out = ["CREATE TABLE prop.ih_p (id integer NOT NULL, a text"
           + (", n numeric(8,2)" if h["extra"] else "")
           + (", CONSTRAINT ih_p_a_chk CHECK (a <> '')" if h["check"] else "") + ");"]
    for n, own in sorted(h["children"].items()):
        out.append(f"CREATE TABLE prop.{n} ({'b integer' if own else ''}) INHERITS (prop.ih_p);")
    return out


def random_more(rng, s):
    # (one strategy for A and B: a changed partition key is reported, not generated)
    strategy = rng.choice(["range", "list"])
    m = {"strategy": strategy, "parts": new_parts(rng, strategy) if rng.random() < 0.3 else None,
         "inherit": new_inherit(rng) if rng.random() < 0.2 else None,
         "composites": {}, "ranges": {}, "seqopts": {}, "aggs": {}, "mvidx": {}, "comments": {},
         "privs": set(), "owners": {}, "seq_names": {}}
    s["more"] = m
    for _ in range(rng.randint(0, 4)):
        edit_more(rng, s)


def privilege_targets(s):
    """(kind, object, privileges) that exist in s."""
    out = [("schema", "prop", ["USAGE", "CREATE"]), ("default", "TABLES", ["SELECT", "INSERT"]),
           ("default", "SEQUENCES", ["USAGE"]), ("default", "FUNCTIONS", ["EXECUTE"])]
    for t in sorted(s["tables"]):
        out.append(("table", t, ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES"]))
        for c in s["tables"][t]["columns"]:
            out.append(("column", (t, c["name"]), ["SELECT", "UPDATE"]))
    for v in sorted(s["views"]):
        out.append(("table", v, ["SELECT"]))
    for q_ in sorted(s["sequences"]):
        out.append(("sequence", q_, ["USAGE", "SELECT", "UPDATE"]))
    for f in sorted(s["functions"]):
        out.append(("function", f, ["EXECUTE"]))
    for e in sorted(s["enums"]) + sorted(s["domains"]):
        out.append(("type", e, ["USAGE"]))
    return out


def edit_more(rng, s):
    m = s["more"]
    roll = rng.random()
    if roll < 0.12:
        if m["parts"] and rng.random() < 0.85:
            edit_parts(rng, m["parts"])
        else:
            m["parts"] = None if m["parts"] else new_parts(rng, m["strategy"])
    elif roll < 0.2:
        if m["inherit"] and rng.random() < 0.85:
            edit_inherit(rng, m["inherit"])
        else:
            m["inherit"] = None if m["inherit"] else new_inherit(rng)
    elif roll < 0.3:
        name = rng.choice(["ct0", "ct1"])
        attrs = m["composites"].get(name)
        if attrs is None or rng.random() < 0.15:
            m["composites"][name] = [("a", "integer"), ("b", rng.choice(["text", "numeric(6,2)"]))]
        elif rng.random() < 0.4:
            del m["composites"][name]
        else:
            what = rng.random()
            if what < 0.4:
                attrs.append((f"x{len(attrs)}", rng.choice(["integer", "boolean"])))
            elif what < 0.7 and len(attrs) > 1:
                attrs.pop(rng.randrange(len(attrs)))
            else:
                i = rng.randrange(len(attrs))
                attrs[i] = (attrs[i][0], "bigint" if attrs[i][1] != "bigint" else "integer")
    elif roll < 0.36:
        name = rng.choice(["rg0", "rg1"])
        if name in m["ranges"] and rng.random() < 0.4:
            del m["ranges"][name]
        else:
            m["ranges"][name] = rng.choice(["integer", "numeric", "date"])
    elif roll < 0.44:
        name = rng.choice(["so0", "so1"])
        if name in m["seqopts"] and rng.random() < 0.3:
            del m["seqopts"][name]
        else:
            owner = None
            if s["tables"] and rng.random() < 0.5:
                t = rng.choice(sorted(s["tables"]))
                owner = (t, "id")
            m["seqopts"][name] = {"cache": rng.choice([1, 20]), "cycle": rng.random() < 0.3,
                                  "max": rng.choice([None, 1000]), "owned": owner}
    elif roll < 0.5:
        name = rng.choice(["agg0", "agg 1"])
        if name in m["aggs"] and rng.random() < 0.3:
            del m["aggs"][name]
        else:
            m["aggs"][name] = (rng.choice(["int4pl", "int4larger"]), rng.choice(["0", "1"]))
    elif roll < 0.53 and set(s["enums"]) - s.get("enums_grown", set()):
        # a value renamed in place (RENAME VALUE); not in an enum that also
        # grew, where it would read as a value removed (PostgreSQL cannot)
        values = s["enums"][rng.choice(sorted(set(s["enums"]) - s.get("enums_grown", set())))]
        i = rng.randrange(len(values))
        new = rng.choice(["it's", "violet", "grey"])
        if new not in values:
            values[i] = new
    elif roll < 0.56:
        mvs = [v for v in sorted(s["views"]) if s["views"][v][2]]
        if mvs:
            v = rng.choice(mvs)
            if v in m["mvidx"] and rng.random() < 0.4:
                del m["mvidx"][v]
            else:
                m["mvidx"][v] = rng.choice(s["views"][v][1])
    elif roll < 0.7:
        kinds = [("SCHEMA", "prop")] + [("TYPE", e) for e in sorted(s["enums"])] \
            + [("DOMAIN", d) for d in sorted(s["domains"])] + [("FUNCTION", f) for f in sorted(s["functions"])] \
            + [("SEQUENCE", x) for x in sorted(s["sequences"])] + [("TYPE", c) for c in sorted(m["composites"])] \
            + [("AGGREGATE", a) for a in sorted(m["aggs"])]
        k = rng.choice(kinds)
        m["comments"][k] = rng.choice([None] + NOTES)
    elif roll < 0.77:
        # an owner of its own (or back to the role that runs the test)
        kinds = [("SCHEMA", "prop")] + [("TABLE", t) for t in sorted(s["tables"])] \
            + [("MATERIALIZED VIEW" if s["views"][v][2] else "VIEW", v) for v in sorted(s["views"])] \
            + [("SEQUENCE", x) for x in sorted(s["sequences"])] + [("FUNCTION", f) for f in sorted(s["functions"])] \
            + [("TYPE", e) for e in sorted(s["enums"])] + [("DOMAIN", d) for d in sorted(s["domains"])] \
            + [("TYPE", c) for c in sorted(m["composites"])] + [("TYPE", r) for r in sorted(m["ranges"])] \
            + [("AGGREGATE", a) for a in sorted(m["aggs"])]
        k = rng.choice(kinds)
        m["owners"][k] = rng.choice([None] + ROLES)
    elif roll < 0.81:
        # a serial's sequence renamed (ALTER SEQUENCE ... RENAME keeps its value)
        serials = [t for t in sorted(s["tables"]) if s["tables"][t]["id"] == "serial"]
        if serials:
            t = rng.choice(serials)
            m["seq_names"][t] = rng.choice([None, "ids", "it's ids", t + " seq"])
    else:
        kind, obj, privs = rng.choice(privilege_targets(s))
        key = (kind, obj, rng.choice(privs), rng.choice(ROLES + (["PUBLIC"] if kind in ("function", "type") else [])))
        if kind in ("function", "type") and rng.random() < 0.5:
            key = (kind, obj, privs[0], "PUBLIC")        # taken from PUBLIC
        if key in m["privs"] or any(p[:4] == key for p in m["privs"]):
            m["privs"] = {p for p in m["privs"] if p[:4] != key}
        else:
            m["privs"].add(key + (rng.random() < 0.2 and key[3] != "PUBLIC" and kind != "default",))


def render_more(s):
    m = s.get("more")
    if not m:
        return []
    out = []
    if m["parts"]:
        out.extend(render_parts(m["parts"]))
    if m["inherit"]:
        out.extend(render_inherit(m["inherit"]))
    for name, attrs in sorted(m["composites"].items()):
        out.append(f"CREATE TYPE prop.{q(name)} AS ({', '.join(f'{a} {t}' for a, t in attrs)});")
    for name, sub in sorted(m["ranges"].items()):
        out.append(f"CREATE TYPE prop.{q(name)} AS RANGE (subtype = {sub});")
    for name, o in sorted(m["seqopts"].items()):
        owned = ""
        if o["owned"] and o["owned"][0] in s["tables"]:
            owned = f" OWNED BY prop.{q(o['owned'][0])}.id"
        cycle = " CYCLE" if o["cycle"] else ""
        maxvalue = f" MAXVALUE {o['max']}" if o["max"] else ""
        out.append(f"CREATE SEQUENCE prop.{q(name)} CACHE {o['cache']}{cycle}{maxvalue}{owned};")
    for name, (sfunc, init) in sorted(m["aggs"].items()):
        out.append(f"CREATE AGGREGATE prop.{q(name)}(integer) (SFUNC = {sfunc}, STYPE = integer, INITCOND = '{init}');")
    for v, col in sorted(m["mvidx"].items()):
        if v in s["views"] and s["views"][v][2] and col in s["views"][v][1]:
            out.append(f"CREATE INDEX {q(v + '_' + col + '_idx')} ON prop.{q(v)} ({q(col)});")
    exists = {"SCHEMA": lambda n: True, "TYPE": lambda n: n in s["enums"] or n in m["composites"],
              "DOMAIN": lambda n: n in s["domains"], "FUNCTION": lambda n: n in s["functions"],
              "SEQUENCE": lambda n: n in s["sequences"], "AGGREGATE": lambda n: n in m["aggs"]}
    for (kind, name), text in sorted(m["comments"].items()):
        if text is None or not exists[kind](name):
            continue
        target = "prop" if kind == "SCHEMA" else f"prop.{q(name)}"
        if kind == "FUNCTION":
            target += "(integer)"
        elif kind == "AGGREGATE":
            target += "(integer)"
        out.append(f"COMMENT ON {kind} {target} IS '{text.replace(chr(39), chr(39) * 2)}';")
    for t, name in sorted(m["seq_names"].items()):
        # (not when another table's renamed sequence took the name)
        if name and t in s["tables"] and s["tables"][t]["id"] == "serial" \
                and list(m["seq_names"].values()).count(name) == 1:
            out.append(f"ALTER SEQUENCE prop.{q(t + '_id_seq')} RENAME TO {q(name)};")
    for kind, obj, priv, role, option in sorted(m["privs"], key=repr):
        who = role if role == "PUBLIC" else q(role)
        opt = " WITH GRANT OPTION" if option else ""
        verb = f"REVOKE {priv} ON %s FROM {who}" if role == "PUBLIC" else f"GRANT {priv} ON %s TO {who}{opt}"
        if kind == "schema":
            target = "SCHEMA prop"
        elif kind == "table" and (obj in s["tables"] or obj in s["views"]):
            target = f"TABLE prop.{q(obj)}"
        elif kind == "column" and obj[0] in s["tables"] and col_by_name(s["tables"][obj[0]], obj[1]):
            out.append(f"GRANT {priv} ({q(obj[1])}) ON prop.{q(obj[0])} TO {who}{opt};")
            continue
        elif kind == "sequence" and obj in s["sequences"]:
            target = f"SEQUENCE prop.{q(obj)}"
        elif kind == "function" and obj in s["functions"]:
            target = f"FUNCTION prop.{q(obj)}(integer)"
        elif kind == "type" and (obj in s["enums"] or obj in s["domains"]):
            target = f"TYPE prop.{q(obj)}"
        elif kind == "default":
            # first in the file (render() puts it there): the objects made
            # after it get it, as in a schema file that starts with it
            continue
        else:
            continue
        out.append((verb % target) + ";")
    # owners last, as a schema file that ends with them (what a role was
    # granted before it owns the object merges into its own privileges)
    owned = {"SCHEMA": lambda n: True, "TABLE": lambda n: n in s["tables"],
             "VIEW": lambda n: n in s["views"] and not s["views"][n][2],
             "MATERIALIZED VIEW": lambda n: n in s["views"] and s["views"][n][2],
             "SEQUENCE": lambda n: n in s["sequences"], "FUNCTION": lambda n: n in s["functions"],
             "TYPE": lambda n: n in s["enums"] or n in m["composites"] or n in m["ranges"],
             "DOMAIN": lambda n: n in s["domains"], "AGGREGATE": lambda n: n in m["aggs"]}
    for (kind, name), role in sorted(m["owners"].items()):
        if role is None or not owned[kind](name):
            continue
        target = "prop" if kind == "SCHEMA" else f"prop.{q(name)}"
        if kind in ("FUNCTION", "AGGREGATE"):
            target += "(integer)"
        out.append(f"ALTER {kind} {target} OWNER TO {q(role)};")
    return out


def render_default_privileges(s):
    m = s.get("more")
    out = []
    for kind, obj, priv, role, option in sorted((m or {}).get("privs", ()), key=repr):
        if kind == "default":
            out.append(f"ALTER DEFAULT PRIVILEGES IN SCHEMA prop GRANT {priv} ON {obj} TO {q(role)};")
    return out


def random_schema(rng):
    s = {"enums": {}, "sequences": {}, "tables": {}, "views": {}, "functions": {}, "domains": {}}
    for i in range(rng.randint(0, 2)):
        s["enums"][f"e{i}"] = rng.sample(["red", "green", "blue", "gold"], rng.randint(1, 3))
    for i in range(rng.randint(0, 2)):
        s["sequences"][f"s{i}"] = (rng.choice([1, 100]), rng.choice([1, 5]))
    for i in range(rng.randint(1, 4)):
        t = new_table(rng, f"t{i}", s["enums"])
        s["tables"][t["name"]] = t
    for t in s["tables"].values():
        for _ in range(rng.randint(0, 3)):
            add_random_constraint(rng, s, t)
    for i in range(rng.randint(0, 2)):
        add_view(rng, s, f"v{i}")
    random_extras(rng, s)
    random_kinds(rng, s)
    random_more(rng, s)
    return s


def add_view(rng, s, name):
    t = rng.choice(sorted(s["tables"]))
    cols = [c["name"] for c in s["tables"][t]["columns"]]
    s["views"][name] = (t, sorted(rng.sample(cols, rng.randint(1, len(cols)))), rng.random() < 0.3)


def drop_column_refs(s, t, cname):
    t["checks"] = {k: v for k, v in t["checks"].items() if v != cname}
    t["uniques"] = {k: v for k, v in t["uniques"].items() if v != cname}
    t["fks"] = {k: v for k, v in t["fks"].items() if v[0] != cname}
    t["indexes"] = {k: v for k, v in t["indexes"].items() if v[1] != cname}
    t["policies"] = {k: v for k, v in t["policies"].items() if cname not in v[1]}
    s["views"] = {k: v for k, v in s["views"].items() if not (v[0] == t["name"] and cname in v[1])}


def mutate(rng, s):
    s = copy.deepcopy(s)
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        tables = sorted(s["tables"])
        t = s["tables"][rng.choice(tables)] if tables else None
        if roll < 0.10:
            name = f"t{len(tables) + rng.randint(10, 99)}"
            s["tables"][name] = new_table(rng, name, s["enums"])
        elif roll < 0.16 and len(tables) > 1:
            gone = t["name"]
            del s["tables"][gone]
            for o in s["tables"].values():
                for k, v in list(o["fks"].items()):
                    if v[1] == gone:
                        del o["fks"][k]
            s["views"] = {k: v for k, v in s["views"].items() if v[0] != gone}
        elif roll < 0.30 and t:
            t["columns"].append(new_column(rng, fresh_name(t, f"n{rng.randint(0, 9)}_"), s["enums"]))
        elif roll < 0.38 and t and len(t["columns"]) > 1:
            c = rng.choice(t["columns"])
            t["columns"].remove(c)
            drop_column_refs(s, t, c["name"])
        elif roll < 0.50 and t:
            c = rng.choice(t["columns"])
            fk_cols = {v[0] for v in t["fks"].values()}
            if c["type"] in INTS and c["name"] not in fk_cols:
                c["type"] = rng.choice(INTS)
            elif c["type"] in TEXTS:
                c["type"] = rng.choice(TEXTS)
                c["collation"] = rng.choice([None, '"C"'])
        elif roll < 0.58 and t:
            c = rng.choice(t["columns"])
            c["not_null"] = not c["not_null"]
        elif roll < 0.66 and t:
            c = rng.choice(t["columns"])
            if c["type"] in INTS:
                c["default"] = rng.choice([None, "0", "7"])
            elif c["type"] in TEXTS:
                c["default"] = rng.choice([None, "'y'"])
        elif roll < 0.72 and t:
            c = rng.choice(t["columns"])
            c["comment"] = rng.choice([None, "changed note"])
            t["comment"] = rng.choice([None, t["comment"], "new table note"])
        elif roll < 0.82 and t:
            if rng.random() < 0.5 and (t["checks"] or t["uniques"] or t["indexes"]):
                which = rng.choice([d for d in ("checks", "uniques", "indexes") if t[d]])
                del t[which][rng.choice(sorted(t[which]))]
            else:
                add_random_constraint(rng, s, t)
        elif roll < 0.86 and t:
            t["id"] = rng.choice(["identity", "serial", "plain", "identity_always"])
        elif roll < 0.90 and s["enums"]:
            e = rng.choice(sorted(s["enums"]))
            new = rng.choice(["pink", "teal", "black"])
            if new not in s["enums"][e]:
                s["enums"][e].insert(rng.randint(0, len(s["enums"][e])), new)
                s.setdefault("enums_grown", set()).add(e)
        elif roll < 0.94:
            if s["sequences"] and rng.random() < 0.5:
                k = rng.choice(sorted(s["sequences"]))
                if rng.random() < 0.5:
                    del s["sequences"][k]
                else:
                    s["sequences"][k] = (s["sequences"][k][0], rng.choice([1, 2, 9]))
            else:
                s["sequences"][f"s{rng.randint(5, 9)}"] = (1, 1)
        elif tables:
            if s["views"] and rng.random() < 0.4:
                del s["views"][rng.choice(sorted(s["views"]))]
            else:
                add_view(rng, s, f"v{rng.randint(0, 4)}")
    for _ in range(rng.randint(0, 3)):
        mutate_extras(rng, s)
    for _ in range(rng.randint(0, 2)):
        edit_kinds(rng, s, s["kinds"])
    for _ in range(rng.randint(0, 3)):
        edit_more(rng, s)
    # referencing tables need the referenced ids to keep their type
    for o in s["tables"].values():
        for k, (col, ref, _) in o["fks"].items():
            c = col_by_name(o, col)
            c["type"] = "integer" if s["tables"][ref]["id"] == "serial" else "bigint"
    return s


def render(s):
    out = ["CREATE SCHEMA prop;"] + render_default_privileges(s)
    for name, f in sorted(s["functions"].items()):
        out.append(f"CREATE FUNCTION prop.{q(name)}(x int) RETURNS {f['ret']} LANGUAGE sql IMMUTABLE "
                   f"AS $f$SELECT x + {f['add']}$f$;")
    # (after the functions: a domain's check or default may call one)
    for name, d in sorted(s["domains"].items()):
        out.append(f"CREATE DOMAIN prop.{q(name)} AS {d['base']}"
                   + (f" DEFAULT {d['default']}" if d["default"] else "")
                   + (" NOT NULL" if d["not_null"] else "")
                   + (f" CHECK (VALUE {d['check']} 0)" if d["check"] else "")
                   + (f" DEFAULT prop.{q(d['fn'])}(2)" if d.get("fn") and d.get("fn_default") and not d["default"] else "")
                   + (f" CONSTRAINT fn_chk CHECK (prop.{q(d['fn'])}(VALUE::int) IS NOT NULL)" if d.get("fn") else "")
                   + ";")
    if any(t["triggers"] for t in s["tables"].values()):
        out.append("CREATE FUNCTION prop.tg() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NEW; END$f$;")
    for e, values in sorted(s["enums"].items()):
        out.append(f"CREATE TYPE prop.{q(e)} AS ENUM ({', '.join(lit(v) for v in values)});")
    for name, (start, inc) in sorted(s["sequences"].items()):
        out.append(f"CREATE SEQUENCE prop.{q(name)} START {start} INCREMENT {inc};")
    for t in s["tables"].values():
        cols = []
        idcol = {"identity": "id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                 "identity_always": "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                 "serial": "id serial PRIMARY KEY",
                 "plain": "id bigint PRIMARY KEY"}[t["id"]]
        cols.append(idcol)
        for c in t["columns"]:
            d = f"{q(c['name'])} {c['type']}"
            if c["collation"]:
                d += f" COLLATE {c['collation']}"
            if c["default"]:
                d += f" DEFAULT {c['default']}"
            if c["not_null"]:
                d += " NOT NULL"
            cols.append(d)
        out.append(f"CREATE TABLE prop.{q(t['name'])} ({', '.join(cols)});")
    for t in s["tables"].values():
        tn = f"prop.{q(t['name'])}"
        for k, col in sorted(t["checks"].items()):
            out.append(f"ALTER TABLE {tn} ADD CONSTRAINT {q(k)} CHECK ({q(col)} > 0);")
        for k, col in sorted(t["uniques"].items()):
            out.append(f"ALTER TABLE {tn} ADD CONSTRAINT {q(k)} UNIQUE ({q(col)});")
        for k, (col, ref, action) in sorted(t["fks"].items()):
            out.append(f"ALTER TABLE {tn} ADD CONSTRAINT {q(k)} FOREIGN KEY ({q(col)}) "
                       f"REFERENCES prop.{q(ref)} (id){action};")
        for k, (kind, col) in sorted(t["indexes"].items()):
            if kind == "plain":
                out.append(f"CREATE INDEX {q(k)} ON {tn} ({q(col)});")
            elif kind == "partial":
                out.append(f"CREATE INDEX {q(k)} ON {tn} ({q(col)}) WHERE {q(col)} IS NOT NULL;")
            elif kind == "unique":
                out.append(f"CREATE UNIQUE INDEX {q(k)} ON {tn} ({q(col)});")
            else:
                out.append(f"CREATE INDEX {q(k)} ON {tn} (lower({q(col)}));")
        for k, f in sorted(t["fchecks"].items()):
            out.append(f"ALTER TABLE {tn} ADD CONSTRAINT {q(k)} CHECK (prop.{q(f)}(id::int) <> 0);")
        for k, f in sorted(t["findexes"].items()):
            out.append(f"CREATE INDEX {q(k)} ON {tn} (prop.{q(f)}(id::int));")
            out.append(f"COMMENT ON INDEX prop.{q(k)} IS 'over {f}';")
        for k, tr in sorted(t["triggers"].items()):
            if tr["kind"] == "constraint":
                out.append(f"CREATE CONSTRAINT TRIGGER {q(k)} AFTER {tr['event']} ON {tn} "
                           f"DEFERRABLE FOR EACH ROW EXECUTE FUNCTION prop.tg();")
            else:
                when = " WHEN (NEW.id > 0)" if tr["kind"] == "when" else ""
                out.append(f"CREATE TRIGGER {q(k)} BEFORE {tr['event']} ON {tn} FOR EACH ROW{when} "
                           f"EXECUTE FUNCTION prop.tg();")
            if tr["disabled"]:
                out.append(f"ALTER TABLE {tn} DISABLE TRIGGER {q(k)};")
        if t["rls"][0]:
            out.append(f"ALTER TABLE {tn} ENABLE ROW LEVEL SECURITY;")
        if t["rls"][1]:
            out.append(f"ALTER TABLE {tn} FORCE ROW LEVEL SECURITY;")
        for k, (cmd, expr) in sorted(t["policies"].items()):
            clause = f"WITH CHECK ({expr})" if cmd == "INSERT" else f"USING ({expr})"
            out.append(f"CREATE POLICY {q(k)} ON {tn} FOR {cmd} {clause};")
        if t["comment"]:
            out.append(f"COMMENT ON TABLE {tn} IS '{t['comment']}';")
        for c in t["columns"]:
            if c["comment"]:
                out.append(f"COMMENT ON COLUMN {tn}.{q(c['name'])} IS '{c['comment'].replace(chr(39), chr(39) * 2)}';")
    for name, (t, cols, materialized) in sorted(s["views"].items()):
        kind = "MATERIALIZED VIEW" if materialized else "VIEW"
        out.append(f"CREATE {kind} prop.{q(name)} AS SELECT {', '.join(q(c) for c in cols)} FROM prop.{q(t)};")
    out.extend(render_kinds(s))
    out.extend(render_more(s))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--show", type=int, help="print the schemas of this failed pair")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", "SET client_min_messages = warning",
                    "-c", f"DROP DATABASE IF EXISTS {DB}"], check=True)
    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", f"CREATE DATABASE {DB}"], check=True)
    try:
        psql(DB, HELPER)
        pairs = []
        for _ in range(args.pairs):
            a = random_schema(rng)
            b = mutate(rng, a)
            pairs.append((render(a), render(b)))
        script = ["SET client_min_messages = warning;"]
        for a, b in pairs:
            # one line per pair, whatever the message holds
            script.append(f"SELECT replace(check_pair($A${a}$A$, $B${b}$B$), E'\\n', ' ');")
        results = psql(DB, "\n".join(script)).splitlines()
    finally:
        subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB}",
                        "-c", "DROP ROLE IF EXISTS migrate_prop_reader",
                        "-c", 'DROP ROLE IF EXISTS "migrate prop ""w2"'])

    bad = [(i, r) for i, r in enumerate(results) if not r.startswith("ok")]
    irreversible = sum(1 for r in results if r == "ok, irreversible")
    for i, r in bad:
        print(f"  pair {i}: {r}")
    if len(results) != len(pairs) or bad:
        print(f"FAIL autogen property (seed {args.seed}): {len(bad)} of {len(pairs)} pairs failed")
        for i, r in [x for x in bad if args.show in (None, x[0])][:1]:
            print(f"  pair {i}: {r}\n--- A:\n{pairs[i][0]}\n--- B:\n{pairs[i][1]}")
        sys.exit(1)
    print(f"PASS autogen property ({len(pairs)} pairs checked, {len(pairs) - irreversible} of them "
          f"both ways, seed {args.seed})")


if __name__ == "__main__":
    main()

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
ALTER DATABASE migrate_autogen_property SET migrate.guard = off;
-- column order is not part of the comparison
CREATE FUNCTION norm(d jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_set(d, '{tables}', coalesce((
        SELECT jsonb_object_agg(k, jsonb_set(v, '{columns}', coalesce((
            SELECT jsonb_agg(c ORDER BY c->>'name') FROM jsonb_array_elements(v->'columns') c), '[]')))
        FROM jsonb_each(d->'tables') t(k, v)), '{}'))
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
    db := migrate_describe(ARRAY['prop']);
    DROP SCHEMA prop CASCADE;
    EXECUTE a_sql;
    da := migrate_describe(ARRAY['prop']);
    BEGIN
        FOR s IN SELECT * FROM migrate_diff(da, db) ORDER BY step LOOP
            n := n + 1;
            EXECUTE s.upgrade;
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        RETURN format('upgrade step %s failed: %s', n, SQLERRM);
    END;
    IF norm(migrate_describe(ARRAY['prop'])) <> norm(db) THEN
        RETURN 'upgrade mismatch: ' || (SELECT string_agg(operation || ' ' || object, ', ')
                                        FROM migrate_diff(migrate_describe(ARRAY['prop']), db));
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
    IF norm(migrate_describe(ARRAY['prop'])) <> norm(da) THEN
        RETURN 'downgrade mismatch: ' || (SELECT string_agg(operation || ' ' || object, ', ')
                                          FROM migrate_diff(migrate_describe(ARRAY['prop']), da));
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
    """Function uses on table t: a default, a check, an index, a policy."""
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
    else:
        t["policies"][f"{f}_pol"] = ("SELECT", f"prop.{f}(id::int) > 0")


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
    # referencing tables need the referenced ids to keep their type
    for o in s["tables"].values():
        for k, (col, ref, _) in o["fks"].items():
            c = col_by_name(o, col)
            c["type"] = "integer" if s["tables"][ref]["id"] == "serial" else "bigint"
    return s


def render(s):
    out = ["CREATE SCHEMA prop;"]
    for name, d in sorted(s["domains"].items()):
        out.append(f"CREATE DOMAIN prop.{q(name)} AS {d['base']}"
                   + (f" DEFAULT {d['default']}" if d["default"] else "")
                   + (" NOT NULL" if d["not_null"] else "")
                   + (f" CHECK (VALUE {d['check']} 0)" if d["check"] else "") + ";")
    for name, f in sorted(s["functions"].items()):
        out.append(f"CREATE FUNCTION prop.{q(name)}(x int) RETURNS {f['ret']} LANGUAGE sql IMMUTABLE "
                   f"AS $f$SELECT x + {f['add']}$f$;")
    if any(t["triggers"] for t in s["tables"].values()):
        out.append("CREATE FUNCTION prop.tg() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NEW; END$f$;")
    for e, values in sorted(s["enums"].items()):
        out.append(f"CREATE TYPE prop.{q(e)} AS ENUM ({', '.join(repr(v) for v in values)});")
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
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pairs", type=int, default=300)
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
            script.append(f"SELECT check_pair($A${a}$A$, $B${b}$B$);")
        results = psql(DB, "\n".join(script)).splitlines()
    finally:
        subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB}"])

    bad = [(i, r) for i, r in enumerate(results) if not r.startswith("ok")]
    irreversible = sum(1 for r in results if r == "ok, irreversible")
    for i, r in bad:
        print(f"  pair {i}: {r}")
    if len(results) != len(pairs) or bad:
        print(f"FAIL autogen property (seed {args.seed}): {len(bad)} of {len(pairs)} pairs failed")
        for i, r in bad[:1]:
            print(f"  pair {i}: {r}\n--- A:\n{pairs[i][0]}\n--- B:\n{pairs[i][1]}")
        sys.exit(1)
    print(f"PASS autogen property ({len(pairs)} pairs checked, {len(pairs) - irreversible} of them "
          f"both ways, seed {args.seed})")


if __name__ == "__main__":
    main()

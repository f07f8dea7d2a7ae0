/*
 * migrate: the steps from one schema description to another (autogenerate).
 * Built into the install script and re-run by the update script of the
 * current version, so everything here is CREATE OR REPLACE.
 */

/*
 * The options of sequence s (start, increment, min, max, cache, cycle as
 * migrate_describe() gives them) that differ from those of base, or, with no
 * base, from the defaults of a sequence of type typ (an identity column's).
 */
CREATE OR REPLACE FUNCTION migrate.sequence_options(s jsonb, base jsonb, typ text)
RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT array_remove(ARRAY[
    CASE WHEN s->>'increment' IS DISTINCT FROM coalesce(base->>'increment', '1')
         THEN 'INCREMENT BY ' || (s->>'increment') END,
    CASE WHEN s->>'min' IS DISTINCT FROM coalesce(base->>'min', CASE WHEN up THEN '1' ELSE lo END)
         THEN 'MINVALUE ' || (s->>'min') END,
    CASE WHEN s->>'max' IS DISTINCT FROM coalesce(base->>'max', CASE WHEN up THEN hi ELSE '-1' END)
         THEN 'MAXVALUE ' || (s->>'max') END,
    CASE WHEN s->>'start' IS DISTINCT FROM coalesce(base->>'start', CASE WHEN up THEN s->>'min' ELSE s->>'max' END)
         THEN 'START WITH ' || (s->>'start') END,
    CASE WHEN s->>'cache' IS DISTINCT FROM coalesce(base->>'cache', '1')
         THEN 'CACHE ' || (s->>'cache') END,
    CASE WHEN (s->>'cycle')::boolean IS DISTINCT FROM coalesce((base->>'cycle')::boolean, false)
         THEN CASE WHEN (s->>'cycle')::boolean THEN 'CYCLE' ELSE 'NO CYCLE' END END], NULL)
FROM (SELECT (s->>'increment')::bigint > 0 AS up,
             CASE typ WHEN 'smallint' THEN '-32768' WHEN 'integer' THEN '-2147483648'
                      WHEN 'bigint' THEN '-9223372036854775808' END AS lo,
             CASE typ WHEN 'smallint' THEN '32767' WHEN 'integer' THEN '2147483647'
                      WHEN 'bigint' THEN '9223372036854775807' END AS hi) d
$$;

-- GENERATED ... AS IDENTITY with the options that are not the defaults.
-- (This and the other helpers that call helpers, or that migrate_diff calls
-- once per object from a query, are plpgsql: a SQL function with SET is
-- never inlined, and one called from a query or another SQL function is
-- parsed and planned again at every call, which made the diff of 1,000
-- tables spend most of its time planning.  plpgsql keeps its plans.)
CREATE OR REPLACE FUNCTION migrate.identity_ddl(c jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN 'GENERATED ' || upper(c->>'identity') || ' AS IDENTITY'
        || coalesce(' (' || nullif(array_to_string(migrate.sequence_options(c->'identity_options', NULL, c->>'type'), ' '), '') || ')', '');
END
$$;

-- ALTER SEQUENCE ... OWNED BY: the column of o (a description's owned_by) or none
CREATE OR REPLACE FUNCTION migrate.owned_by_ddl(qs text, o jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('ALTER SEQUENCE %s OWNED BY %s', qs,
              CASE WHEN o IS NULL OR jsonb_typeof(o) = 'null' THEN 'NONE'
                   ELSE format('%I.%I.%I', o->>'schema', o->>'table', o->>'column') END)
$$;

/*
 * owned_by_ddl with owners described (migrate_describe(..., true) on both
 * sides; NULLs otherwise): PostgreSQL wants a sequence owned by a column
 * to have its table's owner, so it is given to it first (the owner the
 * table has when the step runs: now_owners', or then_owners' for a table
 * this migration makes); one let go of is given after to the owner
 * then_owners, the side the step leads to, lists for it.
 */
CREATE OR REPLACE FUNCTION migrate.owned_by_with_owners(qs text, o jsonb, now_owners jsonb, then_owners jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
SET quote_all_identifiers = off
AS $$
SELECT concat_ws(E';\n',
    CASE WHEN jsonb_typeof(o) = 'object' THEN
        'ALTER SEQUENCE ' || qs || ' OWNER TO '
        || quote_ident(coalesce(now_owners->(format('TABLE %I.%I', o->>'schema', o->>'table'))->>'owner',
                                then_owners->(format('TABLE %I.%I', o->>'schema', o->>'table'))->>'owner')) END,
    migrate.owned_by_ddl(qs, o),
    CASE WHEN o IS NULL OR jsonb_typeof(o) = 'null' THEN
        'ALTER SEQUENCE ' || qs || ' OWNER TO ' || quote_ident(then_owners->('SEQUENCE ' || qs)->>'owner') END)
$$;

/*
 * Whether composite type a becomes b by ALTER TYPE each way: the attributes
 * both have come first in both, in the same order, since ADD ATTRIBUTE puts
 * a new one last (the upgrade's new ones, and the downgrade's dropped ones).
 * Otherwise the type is made again: the order of a row type's fields is
 * part of it (row constructors, SELECT *).
 */
CREATE OR REPLACE FUNCTION migrate.attributes_appended(a jsonb, b jsonb)
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH n AS (
    SELECT ARRAY(SELECT x->>'name' FROM jsonb_array_elements(coalesce(a->'attributes', '[]')) WITH ORDINALITY e(x, o) ORDER BY o) AS an,
           ARRAY(SELECT x->>'name' FROM jsonb_array_elements(coalesce(b->'attributes', '[]')) WITH ORDINALITY e(x, o) ORDER BY o) AS bn
)
SELECT n.an[1:c.k] = n.bn[1:c.k]
FROM n, LATERAL (SELECT count(*)::int AS k FROM unnest(n.an) x WHERE x = ANY (n.bn)) c
$$;

/*
 * The sequences OWNED BY column col of table t (a description's table) when
 * the column is made again (dropped and added), which would take them with
 * it: release, the ones from_s has that to_s keeps, let go of before the
 * drop; else the ones to_s has owned by it as from_s had them, owned again
 * after the add (one whose owner changes gets its own step).
 */
CREATE OR REPLACE FUNCTION migrate.column_sequences(from_s jsonb, to_s jsonb, t jsonb, col text, release boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT string_agg(migrate.owned_by_ddl(format('%I.%I', q.v->>'schema', q.v->>'name'),
                                       CASE WHEN NOT release THEN q.v->'owned_by' END), E';\n' ORDER BY q.k)
FROM jsonb_each(CASE WHEN release THEN from_s ELSE to_s END) q(k, v)
WHERE q.v->'owned_by' = jsonb_build_object('schema', t->>'schema', 'table', t->>'name', 'column', col)
  AND CASE WHEN release THEN coalesce(to_s, '{}') ? q.k
           ELSE (from_s->q.k->'owned_by') IS NOT DISTINCT FROM q.v->'owned_by' END
$$;

-- the warning on a sequence whose bounds narrow from those of base to its own
CREATE OR REPLACE FUNCTION migrate.sequence_narrows(s jsonb, base jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN (s->>'min')::numeric > (base->>'min')::numeric OR (s->>'max')::numeric < (base->>'max')::numeric
            THEN format('fails if the sequence''s current value is outside %s to %s (it is not restarted)',
                        s->>'min', s->>'max') END
$$;

-- a sequence whose MINVALUE rises above its current value (one never used
-- stands at its old start): ALTER SEQUENCE refuses the new bound, so the
-- value is first moved up to it, where it is below (values under the new
-- bound could not be given out any more anyway)
CREATE OR REPLACE FUNCTION migrate.sequence_raise(qs text, s jsonb, base jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN (s->>'min')::numeric > (base->>'min')::numeric AND (s->>'min')::numeric <= (base->>'max')::numeric
            THEN format('SELECT pg_catalog.setval(%L, %s, false) FROM %s WHERE last_value OPERATOR(pg_catalog.<) %s',
                        qs, s->>'min', qs, s->>'min') END
$$;

/* ------------------------------------------------------------------------
 * Partitions, table inheritance and privileges (for migrate_diff)
 * ------------------------------------------------------------------------ */

-- the columns that table k of description tables has from its parents and their parents
CREATE OR REPLACE FUNCTION migrate.inherited_columns(tables jsonb, k text)
RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH RECURSIVE up(key, depth) AS (
    SELECT p, 1 FROM jsonb_array_elements_text(coalesce(tables->k->'inherits', '[]')) p
    UNION
    SELECT p, up.depth + 1 FROM up, jsonb_array_elements_text(coalesce(tables->up.key->'inherits', '[]')) p
    WHERE up.depth < 100
)
SELECT coalesce(array_agg(DISTINCT c->>'name'), '{}')
FROM up, jsonb_array_elements(coalesce(tables->up.key->'columns', '[]')) c
$$;

-- CREATE TABLE ... PARTITION OF, or the INHERITS clause, of table t.  A
-- partition's own keys whose indexes are the children of its parent's
-- plain unique indexes are made with it: the parent's index then takes
-- them as its children instead of making its own on the new partition
CREATE OR REPLACE FUNCTION migrate.inheritance_ddl(t jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN t->>'partition_bound' IS NOT NULL
            THEN format('CREATE TABLE %I.%I PARTITION OF %s%s %s', t->>'schema', t->>'name', t->>'inherits_sql',
                        (SELECT ' (' || string_agg(format('CONSTRAINT %I %s', n, c->>'definition'), ', ' ORDER BY n) || ')'
                         FROM jsonb_each_text(CASE WHEN jsonb_typeof(t->'index_children') = 'object' THEN t->'index_children' END) e(p, n)
                         JOIN jsonb_each(coalesce(t->'constraints', '{}')) k(kn, c) ON kn = n),
                        t->>'partition_bound')
                 || coalesce(' PARTITION BY ' || (t->>'partition_by'), '')
            WHEN t->>'inherits_sql' IS NOT NULL THEN ' INHERITS (' || (t->>'inherits_sql') || ')' END
$$;

-- ATTACH PARTITION or INHERIT (attach) and DETACH PARTITION or NO INHERIT of table t to its parents
CREATE OR REPLACE FUNCTION migrate.attach_ddl(t jsonb, attach boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN t->>'partition_bound' IS NOT NULL
            THEN format('ALTER TABLE %s %s PARTITION %I.%I%s', t->>'inherits_sql',
                        CASE WHEN attach THEN 'ATTACH' ELSE 'DETACH' END, t->>'schema', t->>'name',
                        CASE WHEN attach THEN ' ' || (t->>'partition_bound') ELSE '' END)
            ELSE (SELECT string_agg(format('ALTER TABLE %I.%I %s %s', t->>'schema', t->>'name',
                                           CASE WHEN attach THEN 'INHERIT' ELSE 'NO INHERIT' END, p), E';\n' ORDER BY o)
                  FROM regexp_split_to_table(t->>'inherits_sql', ', (?=(?:[^"]*"[^"]*")*[^"]*$)') WITH ORDINALITY AS x(p, o)) END
$$;

/*
 * When the table t of one description becomes (or stops being) a partition
 * of parent in the other (part: the table as a partition there): its own
 * indexes and keys that match one of the parent's, which ATTACH takes as
 * the parent's children instead of making new ones (and DETACH leaves it),
 * with the name each has as a partition (NULL: unknown).
 */
CREATE OR REPLACE FUNCTION migrate.partition_matches(t jsonb, part jsonb, parent jsonb)
RETURNS TABLE (kind text, own text, child text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT 'index', n, part->'index_children'->>pn
FROM jsonb_each(coalesce(t->'indexes', '{}')) x(n, d), jsonb_each(coalesce(parent->'indexes', '{}')) y(pn, pd)
WHERE substr(d->>'definition', length(format('CREATE %sINDEX %I ON %I.%I ',
                 CASE WHEN d->>'definition' LIKE 'CREATE UNIQUE %' THEN 'UNIQUE ' ELSE '' END, n, t->>'schema', t->>'name')))
      = substr(pd->>'definition', length(format('CREATE %sINDEX %I ON %I.%I ',
                 CASE WHEN pd->>'definition' LIKE 'CREATE UNIQUE %' THEN 'UNIQUE ' ELSE '' END, pn, parent->>'schema', parent->>'name')))
UNION ALL
SELECT 'constraint', n, part->'constraint_children'->>pn
FROM jsonb_each(coalesce(t->'constraints', '{}')) x(n, d), jsonb_each(coalesce(parent->'constraints', '{}')) y(pn, pd)
WHERE d->>'type' IN ('p', 'u', 'f', 'x') AND d->>'type' = pd->>'type' AND d->>'definition' = pd->>'definition'
$$;

-- the renames of what partition_matches finds, from its own name to its name as a partition (or back)
CREATE OR REPLACE FUNCTION migrate.partition_renames(t jsonb, part jsonb, parent jsonb, to_child boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT string_agg(CASE WHEN m.kind = 'index' THEN format('ALTER INDEX %I.%I RENAME TO %I', t->>'schema', f, g)
                       ELSE format('ALTER TABLE %I.%I RENAME CONSTRAINT %I TO %I', t->>'schema', t->>'name', f, g) END,
                  E';\n' ORDER BY m.kind, m.own)
FROM migrate.partition_matches(t, part, parent) m,
     LATERAL (SELECT CASE WHEN to_child THEN m.own ELSE m.child END,
                     CASE WHEN to_child THEN m.child ELSE m.own END) x(f, g)
WHERE m.child IS NOT NULL AND m.child <> m.own
$$;

/*
 * The renames that give the children PostgreSQL makes for index or key
 * pname (is_key) of table parent, on its partitions in description tables
 * (parts: parent -> its partitions), the names they have there: a
 * partition's "index_children_made" holds the name PostgreSQL gives a child
 * it makes, where that is not the child's name.  For the step that makes
 * them (CREATE INDEX or ADD CONSTRAINT on the parent, whose children reach
 * every partition and sub-partition; CREATE TABLE ... PARTITION OF, for
 * only that partition).  skip: partitions that get theirs otherwise
 * (attached or detached by the diff).  A child that is a partition's own
 * key attached to a plain index of the parent is not made but kept.
 */
CREATE OR REPLACE FUNCTION migrate.child_renames(tables jsonb, parts jsonb, parent text, pname text,
                                                 is_key boolean, only_part text, skip text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k text;
    p jsonb;
    cn text;
    made text;
    out text[] := '{}';
BEGIN
    FOR k IN SELECT x FROM jsonb_array_elements_text(coalesce(parts->parent, '[]')) x
             WHERE (only_part IS NULL OR x = only_part) AND NOT x = ANY (skip) ORDER BY 1 LOOP
        p := tables->k;
        cn := CASE WHEN is_key THEN p->'constraint_children'->>pname ELSE p->'index_children'->>pname END;
        CONTINUE WHEN cn IS NULL OR coalesce(p->'constraints', '{}') ? cn;
        made := p->'index_children_made'->>pname;
        IF made IS NOT NULL THEN
            out := out || CASE WHEN is_key
                               THEN format('ALTER TABLE %I.%I RENAME CONSTRAINT %I TO %I', p->>'schema', p->>'name', made, cn)
                               ELSE format('ALTER INDEX %I.%I RENAME TO %I', p->>'schema', made, cn) END;
        END IF;
        -- its own partitions exist too when the parent's index is made
        IF only_part IS NULL AND parts ? k THEN
            out := out || migrate.child_renames(tables, parts, k, cn, is_key, NULL, skip);
        END IF;
    END LOOP;
    RETURN nullif(array_to_string(out, E';\n'), '');
END
$$;

-- the own keys of partition t that are the children of a plain index of its parent
CREATE OR REPLACE FUNCTION migrate.own_key_children(t jsonb)
RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(array_agg(n ORDER BY n), '{}')
FROM jsonb_each_text(CASE WHEN jsonb_typeof(t->'index_children') = 'object' THEN t->'index_children' END) e(p, n)
WHERE coalesce(t->'constraints', '{}') ? n
$$;

-- does index pname of table parent take an own key of one of its partitions as a child?
CREATE OR REPLACE FUNCTION migrate.takes_own_keys(tables jsonb, parts jsonb, parent text, pname text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT EXISTS (SELECT FROM jsonb_array_elements_text(coalesce(parts->parent, '[]')) k
               WHERE coalesce(tables->k->'constraints', '{}') ? (tables->k->'index_children'->>pname))
$$;

/*
 * Inherited columns that a partition or inheritance child sets itself
 * ("column_own" of its description: a NOT NULL, a default).  ALTER TABLE
 * ... ALTER COLUMN on a parent reaches every child, so a statement that sets
 * attr ("default" or "not_null") of a column is followed by the statements
 * that put back what its children set themselves.
 */
-- the children of each table of description tables: parent -> [child]
CREATE OR REPLACE FUNCTION migrate.children_of(tables jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(jsonb_object_agg(parent, kids), '{}')
FROM (SELECT p AS parent, jsonb_agg(x ORDER BY x) AS kids
      FROM jsonb_each(tables) e(x, y), jsonb_array_elements_text(y->'inherits') p
      WHERE jsonb_typeof(y->'inherits') = 'array'
      GROUP BY 1) g
$$;

-- SET or DROP of attr ("default", "not_null") of column c of table qt, to val
CREATE OR REPLACE FUNCTION migrate.column_attr_ddl(qt text, c text, attr text, val jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('ALTER TABLE %s ALTER COLUMN %I ', qt, c)
       || CASE WHEN attr = 'not_null' THEN CASE WHEN val = 'true' THEN 'SET NOT NULL' ELSE 'DROP NOT NULL' END
               WHEN val IS NULL OR jsonb_typeof(val) = 'null' THEN 'DROP DEFAULT'
               ELSE 'SET DEFAULT ' || (val #>> '{}') END
$$;

-- attr of column c of table t in description tables, as {"v": value}
-- (null: t has no such column): its own, or what it has from its parent
CREATE OR REPLACE FUNCTION migrate.column_value(tables jsonb, t text, c text, attr text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    x jsonb := tables->t;
    r jsonb;
    p text;
BEGIN
    IF x IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT e INTO r FROM jsonb_array_elements(x->'columns') e WHERE e->>'name' = c;
    IF r IS NOT NULL THEN
        -- (a serial's default is its sequence's nextval, which the children have)
        IF attr = 'default' AND r->>'type' ~ 'serial$' THEN
            RETURN jsonb_build_object('v', migrate.nextval_default(r->>'sequence'));
        END IF;
        RETURN jsonb_build_object('v', coalesce(r->attr, 'null'));
    END IF;
    IF jsonb_typeof(x->'column_own'->c) = 'object' AND x->'column_own'->c ? attr THEN
        RETURN jsonb_build_object('v', x->'column_own'->c->attr);
    END IF;
    FOR p IN SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(x->'inherits') = 'array' THEN x->'inherits' END) LOOP
        r := migrate.column_value(tables, p, c, attr);
        IF r IS NOT NULL THEN
            RETURN r;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- after a statement set attr of column c of table p to val (reaching its
-- children): the statements that give its children (and theirs) the value
-- they have in description tables, parents first; null when none differs
CREATE OR REPLACE FUNCTION migrate.inherited_fixes(tables jsonb, kids jsonb, p text, c text, attr text, val jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k text;
    mine jsonb;
    out text[] := '{}';
BEGIN
    IF NOT kids ? p THEN
        RETURN NULL;
    END IF;
    FOR k IN SELECT jsonb_array_elements_text(kids->p) LOOP
        -- (a child that has the column as its own, not inherited, is left alone)
        CONTINUE WHEN EXISTS (SELECT FROM jsonb_array_elements(tables->k->'columns') e WHERE e->>'name' = c);
        mine := CASE WHEN jsonb_typeof(tables->k->'column_own'->c) = 'object' AND tables->k->'column_own'->c ? attr
                     THEN tables->k->'column_own'->c->attr ELSE val END;
        IF mine IS DISTINCT FROM val THEN
            out := out || migrate.column_attr_ddl(format('%I.%I', tables->k->>'schema', tables->k->>'name'), c, attr, mine);
        END IF;
        out := out || migrate.inherited_fixes(tables, kids, k, c, attr, mine);
    END LOOP;
    RETURN nullif(array_to_string(out, E';\n'), '');
END
$$;

-- do the parents of t (up to the table whose column c is its own) have
-- the same attr of c in descriptions a and b?
CREATE OR REPLACE FUNCTION migrate.parents_keep(a jsonb, b jsonb, t text, c text, attr text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p text;
BEGIN
    FOR p IN SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(b->t->'inherits') = 'array' THEN b->t->'inherits' END) LOOP
        CONTINUE WHEN migrate.column_value(b, p, c, attr) IS NULL;
        IF migrate.column_value(a, p, c, attr) IS DISTINCT FROM migrate.column_value(b, p, c, attr)
           OR NOT migrate.parents_keep(a, b, p, c, attr) THEN
            RETURN false;
        END IF;
        RETURN true;
    END LOOP;
    RETURN true;
END
$$;

-- DROP TABLE of table t of description tables, which a foreign key to
-- one of its ancestors (the tables refd) depends on when it is a
-- partition: detached first, as PostgreSQL asks
CREATE OR REPLACE FUNCTION migrate.drop_table_ddl(t jsonb, tables jsonb, refd text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p text := t->'inherits'->>0;
    depth int := 0;
BEGIN
    IF t->>'partition_bound' IS NOT NULL AND cardinality(refd) > 0 THEN
        -- (bounded: a description's partitions form a tree)
        WHILE p IS NOT NULL AND depth < 100 LOOP
            IF p = ANY (refd) THEN
                RETURN concat_ws(E';\n', migrate.attach_ddl(t, false), format('DROP TABLE %I.%I', t->>'schema', t->>'name'));
            END IF;
            p := CASE WHEN tables->p->>'partition_bound' IS NOT NULL THEN tables->p->'inherits'->>0 END;
            depth := depth + 1;
        END LOOP;
    END IF;
    RETURN format('DROP TABLE %I.%I', t->>'schema', t->>'name');
END
$$;

-- the partitioned tables of description tables that a foreign key
-- references, but for the keys gone ("table.key" in gone)
CREATE OR REPLACE FUNCTION migrate.referenced_parents(tables jsonb, gone text[])
RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(array_agg(DISTINCT c->>'references'), '{}')
FROM jsonb_each(tables) e(k, v), jsonb_each(coalesce(v->'constraints', '{}')) x(n, c)
WHERE c->>'type' = 'f' AND tables->(c->>'references')->>'partition_by' IS NOT NULL
  AND NOT (k || '.' || n) = ANY (gone)
$$;

-- the partitions of each partitioned table of description tables: parent -> [partition]
CREATE OR REPLACE FUNCTION migrate.partitions_of(tables jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(jsonb_object_agg(parent, kids), '{}')
FROM (SELECT y->'inherits'->>0 AS parent, jsonb_agg(x ORDER BY x) AS kids
      FROM jsonb_each(tables) e(x, y)
      WHERE y->>'partition_bound' IS NOT NULL
      GROUP BY 1) g
$$;

/*
 * One privilege of description entry e (from describe_privileges) moved
 * from state from_state to to_state (NULL: the default; "granted", "with
 * grant option", "revoked"): the GRANT or REVOKE that does it.
 */
CREATE OR REPLACE FUNCTION migrate.privilege_ddl(e jsonb, item text, from_state text, to_state text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce('ALTER DEFAULT PRIVILEGES ' || (e->>'defaults') || ' ', '')
    || CASE WHEN to_state = 'with grant option' OR (to_state = 'granted' AND from_state IS DISTINCT FROM 'with grant option')
                 OR (to_state IS NULL AND from_state = 'revoked')
            THEN format('GRANT %s%s ON %s TO %s', p, coalesce(' (' || (e->>'column') || ')', ''), e->>'on', g)
                 || CASE WHEN to_state = 'with grant option' THEN ' WITH GRANT OPTION' ELSE '' END
            ELSE format('REVOKE %s%s%s ON %s FROM %s CASCADE', CASE WHEN to_state = 'granted' THEN 'GRANT OPTION FOR ' ELSE '' END,
                        p, coalesce(' (' || (e->>'column') || ')', ''), e->>'on', g) END
FROM (SELECT split_part(item, ' ', 1) AS p, substr(item, strpos(item, ' ') + 1) AS g) x
$$;

/*
 * The privilege steps from description privileges a to b (both from
 * describe_privileges), in two phases: 1, first, while every object of a
 * exists (its downgrade runs last): what is revoked, and every move of an
 * object only a lists; 2, last, once every object of b exists: what is
 * granted, and every move of an object only b lists.  remade: the objects (as the steps
 * name them) dropped and created again, which lose their privileges: all
 * of theirs are granted again, each way.
 */
CREATE OR REPLACE FUNCTION migrate.privilege_steps(a jsonb, b jsonb, remade text[])
RETURNS TABLE (phase int, step migrate.diff_step)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH e AS (
    SELECT coalesce(b.k, a.k) AS k, coalesce(b.v, a.v) AS v, a.v AS av, b.v AS bv,
           a.v IS NOT NULL AND b.v IS NOT NULL AND coalesce(b.v->>'object', '') = ANY (remade) AS remade
    FROM jsonb_each(a) a(k, v) FULL JOIN jsonb_each(b) b(k, v) ON b.k = a.k
), it AS (
    SELECT e.k, e.v, e.remade, e.av IS NOT NULL AS in_a, e.bv IS NULL AS gone, z.item, z.a_state, z.b_state
    FROM e CROSS JOIN LATERAL (
        SELECT coalesce(x.i, y.i) AS item, x.s AS a_state, y.s AS b_state
        FROM jsonb_each_text(coalesce(e.av->'grants', '{}')) x(i, s)
        FULL JOIN jsonb_each_text(coalesce(e.bv->'grants', '{}')) y(i, s) ON y.i = x.i) z
), moves AS (
    -- made again: from the default to b's, and a's back from the default
    SELECT 1 AS phase, k, v, item, a_state AS f, NULL AS t FROM it WHERE remade AND a_state IS NOT NULL
    UNION ALL
    SELECT 2, k, v, item, NULL, b_state FROM it WHERE remade AND b_state IS NOT NULL
    UNION ALL
    -- an object only a lists may go: its moves first, while it exists (a
    -- PUBLIC grant given back to a dropped domain, say); one only b lists
    -- may be new: last (EXECUTE taken from PUBLIC on a new function); on one
    -- both list, revokes first and grants last
    SELECT CASE WHEN gone THEN 1
                WHEN NOT in_a THEN 2
                WHEN migrate.privilege_ddl(v, item, a_state, b_state) LIKE 'REVOKE %'
                  OR migrate.privilege_ddl(v, item, a_state, b_state) LIKE 'ALTER DEFAULT PRIVILEGES % REVOKE %'
                THEN 1 ELSE 2 END,
           k, v, item, a_state, b_state
    FROM it WHERE NOT remade AND a_state IS DISTINCT FROM b_state
), column_grants AS (
    -- a REVOKE on a table revokes the privilege on its columns too: the
    -- column grants each side holds, per table entry and privilege, to
    -- give back after it (grouped once: looked up per move, every revoke
    -- read every entry)
    SELECT s.side, c.v->>'on' AS k, g.item,
           string_agg(migrate.privilege_ddl(c.v, g.item, NULL, g.state), E';\n' ORDER BY c.k COLLATE "C") AS ddl
    FROM (VALUES ('a', a), ('b', b)) s(side, d)
    CROSS JOIN LATERAL jsonb_each(s.d) c(k, v)
    CROSS JOIN LATERAL jsonb_each_text(c.v->'grants') g(item, state)
    WHERE c.v ? 'column' AND g.state <> 'revoked'
    GROUP BY 1, 2, 3
), ddl AS (
    SELECT m.*, migrate.privilege_ddl(m.v, m.item, m.f, m.t) AS up, migrate.privilege_ddl(m.v, m.item, m.t, m.f) AS down
    FROM moves m
)
SELECT d.phase, ROW(CASE WHEN d.t IS NULL AND d.f <> 'revoked' OR d.t = 'revoked' OR (d.t = 'granted' AND d.f = 'with grant option')
                         THEN 'revoke' ELSE 'grant' END, d.k || ': ' || d.item,
                    concat_ws(E';\n', d.up, CASE WHEN d.up LIKE 'REVOKE %' THEN cb.ddl END),
                    concat_ws(E';\n', d.down, CASE WHEN d.down LIKE 'REVOKE %' THEN ca.ddl END),
                    NULL)::migrate.diff_step
FROM ddl d
LEFT JOIN column_grants ca ON ca.side = 'a' AND ca.k = d.k AND ca.item = d.item
LEFT JOIN column_grants cb ON cb.side = 'b' AND cb.k = d.k AND cb.item = d.item
ORDER BY d.phase, d.k COLLATE "C", d.item COLLATE "C"
$$;

/*
 * The steps with the owners of descriptions a and b (both from
 * describe_owners): an object belongs to the role that makes it, so each
 * step that makes one of b (a create step of its kind and name: new, or
 * made again) gives it to its owner right after, and each that drops one of
 * a gives it back in its downgrade, right after making it again.  Both come
 * before the privileges granted last (and after those revoked first, each
 * way): OWNER TO merges the new owner's grants into its own privileges.  A
 * hash join of the steps with the entries, so linear in both.
 */
CREATE OR REPLACE FUNCTION migrate.with_owners(steps migrate.diff_step[], a jsonb, b jsonb)
RETURNS migrate.diff_step[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH s AS (
    SELECT x.* FROM unnest(steps) WITH ORDINALITY AS x(operation, object, upgrade, downgrade, warning, o)
), made AS (
    SELECT 'create ' || (v->>'kind') AS op, v->>'object' AS object,
           string_agg(format('ALTER %s OWNER TO %I', k, v->>'owner'), E';\n' ORDER BY k COLLATE "C") AS ddl
    FROM jsonb_each(b) e(k, v) GROUP BY 1, 2
), gone AS (
    SELECT 'drop ' || (v->>'kind') AS op, v->>'object' AS object,
           string_agg(format('ALTER %s OWNER TO %I', k, v->>'owner'), E';\n' ORDER BY k COLLATE "C") AS ddl
    FROM jsonb_each(a) e(k, v) GROUP BY 1, 2
)
SELECT coalesce(array_agg(ROW(s.operation, s.object, concat_ws(E';\n', s.upgrade, m.ddl),
                              concat_ws(E';\n', s.downgrade, g.ddl), s.warning)::migrate.diff_step ORDER BY s.o), '{}')
FROM s
LEFT JOIN made m ON m.op = s.operation AND m.object = s.object
LEFT JOIN gone g ON g.op = s.operation AND g.object = s.object
$$;

/*
 * The owner changes of the objects a and b both list that steps neither
 * make nor drop: ALTER ... OWNER TO, once every object exists.  An entry
 * one side lists alone whose object the steps do not make or drop (a
 * sequence that becomes or stops being owned by a column, which then has
 * its table's owner) needs no step of its own.
 */
CREATE OR REPLACE FUNCTION migrate.owner_changes(steps migrate.diff_step[], a jsonb, b jsonb)
RETURNS SETOF migrate.diff_step
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH made AS (
    SELECT DISTINCT s.operation, s.object FROM unnest(steps) s WHERE s.operation LIKE 'create %'
)
SELECT ROW('owner', x.k, format('ALTER %s OWNER TO %I', x.k, y.v->>'owner'),
           format('ALTER %s OWNER TO %I', x.k, x.v->>'owner'), NULL)::migrate.diff_step
FROM jsonb_each(a) x(k, v) JOIN jsonb_each(b) y(k, v) ON y.k = x.k
WHERE x.v->>'owner' <> y.v->>'owner'
  AND NOT EXISTS (SELECT FROM made m WHERE m.operation = 'create ' || (y.v->>'kind') AND m.object = y.v->>'object')
ORDER BY x.k COLLATE "C"
$$;

-- a column as CREATE TABLE and ADD COLUMN write it
CREATE OR REPLACE FUNCTION migrate.column_ddl(c jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN format('%I %s', c->>'name', c->>'type')
        || coalesce(' COLLATE ' || (c->>'collation'), '')
        || CASE WHEN c->>'identity' IS NOT NULL THEN ' ' || migrate.identity_ddl(c) ELSE '' END
        || coalesce(' GENERATED ALWAYS AS (' || (c->>'generated') || ') STORED', '')
        || coalesce(' DEFAULT ' || (c->>'default'), '')
        || CASE WHEN (c->>'not_null')::boolean THEN ' NOT NULL' ELSE '' END;
END
$$;

-- CREATE TABLE with its columns only: constraints and indexes are steps of their own
CREATE OR REPLACE FUNCTION migrate.table_ddl(t jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN CASE WHEN t->>'partition_bound' IS NOT NULL THEN migrate.inheritance_ddl(t) ELSE
               format('CREATE %sTABLE %I.%I (', CASE WHEN (t->>'unlogged')::boolean THEN 'UNLOGGED ' ELSE '' END, t->>'schema', t->>'name')
            || coalesce((SELECT string_agg(E'\n    ' || migrate.column_ddl(c), ',' ORDER BY o)
                         FROM jsonb_array_elements(t->'columns') WITH ORDINALITY AS x(c, o)) || E'\n', '')
            || ')' || CASE WHEN t ? 'inherits_sql' THEN coalesce(migrate.inheritance_ddl(t), '') ELSE '' END
            || coalesce(' PARTITION BY ' || (t->>'partition_by'), '') END
        -- what it sets itself on the columns it inherits
        || coalesce(E';\n' || (SELECT string_agg(migrate.column_attr_ddl(format('%I.%I', t->>'schema', t->>'name'), c, attr, val),
                                                  E';\n' ORDER BY c, attr)
                                FROM jsonb_each(CASE WHEN jsonb_typeof(t->'column_own') = 'object' THEN t->'column_own' END) e(c, o),
                                     jsonb_each(o) f(attr, val)), '');
END
$$;

-- table_ddl of partition t, when the parent's indexes named in existing are
-- already there: CREATE TABLE ... PARTITION OF makes their children on it
-- first, so a key of its own that is one of those children is added USING
-- the index made for it (made with the table, it would be a second index)
CREATE OR REPLACE FUNCTION migrate.partition_ddl(t jsonb, existing text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
-- (PL/pgSQL, with the common case first: a SQL function with a SET clause
-- is planned again at every call, once per table made or dropped)
IF existing IS NULL OR cardinality(existing) = 0 OR jsonb_typeof(t->'index_children') IS DISTINCT FROM 'object' THEN
    RETURN migrate.table_ddl(t);
END IF;
RETURN (SELECT concat_ws(E';\n',
    migrate.table_ddl(CASE WHEN u.keys IS NULL THEN t
                           ELSE jsonb_set(t, '{index_children}', (t->'index_children') - u.keys) END),
    u.ddl)
FROM (SELECT array_agg(p) AS keys,
             string_agg(format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s USING INDEX %I', t->>'schema', t->>'name', n,
                               CASE c->>'type' WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                               coalesce(t->'index_children_made'->>p, n)), E';\n' ORDER BY n) AS ddl
      FROM jsonb_each_text(CASE WHEN jsonb_typeof(t->'index_children') = 'object' THEN t->'index_children' END) e(p, n)
      JOIN jsonb_each(coalesce(t->'constraints', '{}')) k(kn, c) ON kn = n
      WHERE p = ANY (existing) AND c->>'type' IN ('p', 'u')) u);
END
$$;

CREATE OR REPLACE FUNCTION migrate.view_ddl(v jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('CREATE %sVIEW %I.%I%s AS%s', CASE WHEN (v->>'materialized')::boolean THEN 'MATERIALIZED ' ELSE '' END,
              v->>'schema', v->>'name', coalesce(' WITH (' || migrate.options_list(v->'options') || ')', ''),
              rtrim(v->>'definition', ';'))
$$;

CREATE OR REPLACE FUNCTION migrate.view_drop(v jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('DROP %sVIEW %I.%I', CASE WHEN (v->>'materialized')::boolean THEN 'MATERIALIZED ' ELSE '' END,
              v->>'schema', v->>'name')
$$;

CREATE OR REPLACE FUNCTION migrate.sequence_ddl(s jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('CREATE SEQUENCE %I.%I AS %s INCREMENT %s MINVALUE %s MAXVALUE %s START %s CACHE %s %s',
              s->>'schema', s->>'name', s->>'type', s->>'increment', s->>'min', s->>'max',
              s->>'start', s->>'cache', CASE WHEN (s->>'cycle')::boolean THEN 'CYCLE' ELSE 'NO CYCLE' END)
$$;

-- the type a serial column really has, for ALTER COLUMN ... TYPE
CREATE OR REPLACE FUNCTION migrate.base_type(t text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE t WHEN 'smallserial' THEN 'smallint' WHEN 'serial' THEN 'integer'
                    WHEN 'bigserial' THEN 'bigint' ELSE t END $$;

/*
 * A serial column of d written out as what it stands for, where the other
 * description has the same column without serial or a sequence of the same
 * name: a standalone sequence OWNED BY the column and a nextval default.
 * Then a column that becomes or stops being a serial, or a serial whose
 * sequence is let go of, is a change of its default and its sequence's
 * OWNED BY, not a column dropped and added (nor a sequence made twice).
 */
CREATE OR REPLACE FUNCTION migrate.expand_serials(d jsonb, other jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    seq text[];
    typ text;
BEGIN
    FOR r IN SELECT t.k, t.v, c.o, c.col
             FROM jsonb_each(d->'tables') t(k, v), jsonb_array_elements(t.v->'columns') WITH ORDINALITY c(col, o)
             WHERE c.col->>'type' ~ 'serial$' AND c.col->>'sequence' IS NOT NULL
             ORDER BY 1, 3 LOOP
        seq := parse_ident(r.col->>'sequence');
        CONTINUE WHEN NOT ((other->'sequences') ? (seq[1] || '.' || seq[2])
                           OR EXISTS (SELECT FROM jsonb_array_elements(other->'tables'->r.k->'columns') oc
                                      WHERE oc->>'name' = r.col->>'name' AND oc->>'type' !~ 'serial$'
                                        -- (an identity's sequence takes the serial's name: the
                                        -- column is made again)
                                        AND oc->>'identity' IS NULL));
        typ := migrate.base_type(r.col->>'type');
        d := jsonb_set(d, ARRAY['tables', r.k, 'columns', (r.o - 1)::text],
                       r.col || jsonb_build_object('type', typ, 'sequence', NULL,
                                                   'default', migrate.nextval_default(r.col->>'sequence')));
        d := jsonb_set(d, ARRAY['sequences', seq[1] || '.' || seq[2]], jsonb_build_object(
                 'schema', seq[1], 'name', seq[2], 'type', typ, 'start', 1, 'increment', 1, 'min', 1,
                 'max', CASE typ WHEN 'smallint' THEN 32767 WHEN 'integer' THEN 2147483647 ELSE 9223372036854775807 END,
                 'cache', 1, 'cycle', false, 'comment', NULL,
                 'owned_by', jsonb_build_object('schema', r.v->>'schema', 'table', r.v->>'name', 'column', r.col->>'name')));
    END LOOP;
    RETURN d;
END
$$;

/*
 * d with each function that the other description lacks renamed to the key
 * of the other's function of the same schema, name and input types, where
 * that one is not in d: one whose argument names change.  CREATE OR REPLACE
 * cannot rename an argument, nor can the new one be created beside the old
 * (same input types), so the pair is one function made again: dropped
 * (after its users) before it is created.  The key is renamed wherever the
 * document names it (users' "uses" lists).
 */
CREATE OR REPLACE FUNCTION migrate.pair_functions(d jsonb, other jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT e.x AS old_key, m.new_key
             FROM jsonb_each(d->'functions') e(x, y)
             CROSS JOIN LATERAL (SELECT z AS new_key FROM jsonb_each(other->'functions') f(z, u)
                                 WHERE NOT (d->'functions') ? z AND u->>'schema' = y->>'schema'
                                   AND u->>'name' = y->>'name' AND u->>'argument_types' = y->>'argument_types'
                                 ORDER BY 1 LIMIT 1) m
             WHERE jsonb_typeof(other->'functions') = 'object' AND NOT (other->'functions') ? e.x
               AND y->>'argument_types' IS NOT NULL
             ORDER BY 1 LOOP
        d := replace(d::text, to_jsonb(r.old_key)::text, to_jsonb(r.new_key)::text)::jsonb;
    END LOOP;
    RETURN d;
END
$$;

/*
 * The sequences of a that b has under another name in the same schema, each
 * owned by the same column, which takes its default from it on each side: a
 * serial's (or any owned sequence's) sequence renamed.  The diff renames it,
 * which keeps its value; dropping it and creating the new one would start
 * the column's numbers again at 1, and the next insert would collide with
 * the rows it already has.  Only pairs that match one to one, and not to a
 * name that another relation of a has.
 */
CREATE OR REPLACE FUNCTION migrate.renamed_sequences(a jsonb, b jsonb)
RETURNS TABLE (old_key text, new_key text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH gone AS (
    SELECT x AS k, y AS s FROM jsonb_each(a->'sequences') e(x, y)
    WHERE NOT (b->'sequences') ? x AND jsonb_typeof(y->'owned_by') = 'object'
      AND migrate.nextval_of(a->'tables', y->'owned_by') = migrate.nextval_default(format('%I.%I', y->>'schema', y->>'name'))
), made AS (
    SELECT x AS k, y AS s FROM jsonb_each(b->'sequences') e(x, y)
    WHERE NOT (a->'sequences') ? x AND jsonb_typeof(y->'owned_by') = 'object'
      AND migrate.nextval_of(b->'tables', y->'owned_by') = migrate.nextval_default(format('%I.%I', y->>'schema', y->>'name'))
), pairs AS (
    SELECT g.k AS old_key, m.k AS new_key, m.s,
           count(*) OVER (PARTITION BY g.k) AS olds, count(*) OVER (PARTITION BY m.k) AS news
    FROM gone g JOIN made m ON m.s->'owned_by' = g.s->'owned_by' AND m.s->>'schema' = g.s->>'schema'
)
SELECT p.old_key, p.new_key FROM pairs p
WHERE p.olds = 1 AND p.news = 1
  -- not to a name a relation of a still has: it goes later, after the
  -- rename, which comes first (looked at for the pairs only)
  AND NOT (a->'tables') ? p.new_key AND NOT (a->'views') ? p.new_key AND NOT (a->'types') ? p.new_key
  AND NOT EXISTS (SELECT FROM jsonb_each(a->'tables') t(tk, tv)
                  WHERE tv->>'schema' = p.s->>'schema' AND (tv->'indexes') ? (p.s->>'name'))
$$;

-- the default of the column col ({schema, table, column}) of tables
CREATE OR REPLACE FUNCTION migrate.nextval_of(tables jsonb, col jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT c->>'default' FROM jsonb_array_elements(tables->((col->>'schema') || '.' || (col->>'table'))->'columns') c
WHERE c->>'name' = col->>'column'
$$;

-- sequence seq (its name as regclass prints it) as pg_get_expr writes it in
-- an expression: a literal with its quotes doubled (and not its
-- backslashes, as quote_literal would: standard_conforming_strings)
CREATE OR REPLACE FUNCTION migrate.regclass_literal(seq text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT '''' || replace(seq, '''', '''''') || '''::regclass' $$;

-- a default of nextval of sequence seq, as pg_get_expr writes it
CREATE OR REPLACE FUNCTION migrate.nextval_default(seq text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 'nextval(' || migrate.regclass_literal(seq) || ')' $$;

-- description d with exactly the named parts, a missing one empty; d itself
-- when it has them all (building it again copies the whole document)
CREATE OR REPLACE FUNCTION migrate.with_parts(d jsonb, parts text[])
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF d ?& parts THEN
        RETURN d;
    END IF;
    RETURN (SELECT jsonb_object_agg(p, coalesce(d->p, '{}')) FROM unnest(parts) p);
END
$$;

-- the USING of ALTER COLUMN ... TYPE: col::typ, through text where either
-- type is an enum of the descriptions (or an array of one), since there is
-- no cast between two enums (nor from most types to one but text)
CREATE OR REPLACE FUNCTION migrate.using_cast(qc text, old_type text, new_type text, enums text[])
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN old_type = ANY (enums) OR new_type = ANY (enums) THEN qc || '::text::' || new_type
            WHEN old_type LIKE '%[]' AND new_type LIKE '%[]'
                 AND (left(old_type, -2) = ANY (enums) OR left(new_type, -2) = ANY (enums))
            THEN qc || '::text[]::' || new_type
            ELSE qc || '::' || new_type END
$$;

CREATE OR REPLACE FUNCTION migrate.comment_ddl(kind text, target text, comment text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT format('COMMENT ON %s %s IS %s', kind, target, coalesce(quote_literal(comment), 'NULL')) $$;

-- COMMENT ON ... appended to a DDL statement when there is a comment
CREATE OR REPLACE FUNCTION migrate.with_comment(ddl text, kind text, target text, comment text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN RETURN concat_ws(E';\n', ddl, CASE WHEN comment IS NOT NULL THEN migrate.comment_ddl(kind, target, comment) END); END $$;

-- ALTER TABLE ... ADD CONSTRAINT with the constraint's comment and its
-- index's (a key's index is named as the key)
CREATE OR REPLACE FUNCTION migrate.constraint_ddl(qt text, sch text, cname text, c jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN concat_ws(E';\n', format('ALTER TABLE %s ADD CONSTRAINT %I %s', qt, cname, c->>'definition'),
        CASE WHEN c->>'comment' IS NOT NULL
             THEN migrate.comment_ddl('CONSTRAINT', format('%I ON %s', cname, qt), c->>'comment') END,
        CASE WHEN c->>'index_comment' IS NOT NULL
             THEN migrate.comment_ddl('INDEX', format('%I.%I', sch, cname), c->>'index_comment') END);
END
$$;

-- does an object (its "uses" or "columns" list) name one of keys?
CREATE OR REPLACE FUNCTION migrate.uses_any(obj jsonb, field text, keys text[])
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN RETURN coalesce(jsonb_typeof(obj->field) = 'array' AND (obj->field) ?| keys, false); END $$;

/*
 * keys ordered so that each comes after the others of keys that its
 * objs->key->field list names (what it uses first).  Objects in a cycle,
 * which PostgreSQL cannot have, come last in name order.
 */
CREATE OR REPLACE FUNCTION migrate.dep_order(objs jsonb, keys text[], field text)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    done text[] := '{}';
    ready text[];
    remaining text[] := ARRAY(SELECT DISTINCT x FROM unnest(keys) x ORDER BY 1);
BEGIN
    WHILE cardinality(remaining) > 0 LOOP
        ready := ARRAY(SELECT x FROM unnest(remaining) x
                       WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(
                                             CASE WHEN jsonb_typeof(objs->x->field) = 'array' THEN objs->x->field ELSE '[]' END) u
                                         WHERE u OPERATOR(pg_catalog.<>) x AND u OPERATOR(pg_catalog.=) ANY (remaining))
                       ORDER BY 1);
        IF cardinality(ready) = 0 THEN
            RETURN done || remaining;
        END IF;
        done := done || ready;
        remaining := ARRAY(SELECT x FROM unnest(remaining) x WHERE NOT x OPERATOR(pg_catalog.=) ANY (ready) ORDER BY 1);
    END LOOP;
    RETURN done;
END
$$;

-- a function, procedure or aggregate: what COMMENT ON and DROP name it by
CREATE OR REPLACE FUNCTION migrate.function_target(f jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('%s %I.%I(%s)', CASE f->>'kind' WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
              f->>'schema', f->>'name', f->>'signature')
$$;

/*
 * A function as pg_get_functiondef writes it (with its comment).  The body
 * of a non-atomic SQL function is checked when it is created, against tables
 * the same upgrade may create after it: as pg_dump does, the check is off
 * (for the transaction) while it is created.
 */
CREATE OR REPLACE FUNCTION migrate.function_ddl(f jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT migrate.with_comment(
           CASE WHEN f->>'language' = 'sql' AND f->>'definition' !~ '\mBEGIN ATOMIC\M'
                THEN E'SET LOCAL check_function_bodies = off;\n' ELSE '' END
           || rtrim(f->>'definition', E'\n'),
           split_part(migrate.function_target(f), ' ', 1),
           substr(migrate.function_target(f), length(split_part(migrate.function_target(f), ' ', 1)) + 2),
           f->>'comment')
$$;

/*
 * The parts of the domains of types (a description's "types") that call
 * user functions: each check that does (part: its name; def: its
 * definition, comment and uses) and a default that does (part NULL; def:
 * {"definition": the default, "uses": ...}).  A domain is made without
 * them (type_ddl) and they are added once the functions exist.
 */
CREATE OR REPLACE FUNCTION migrate.domain_function_parts(types jsonb)
RETURNS TABLE (k text, part text, def jsonb, dom jsonb)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT e.k, c.n, c.d, e.v
FROM jsonb_each(types) e(k, v)
CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(e.v->'constraints') = 'object' THEN e.v->'constraints' ELSE '{}' END) c(n, d)
WHERE e.v->>'kind' = 'domain' AND jsonb_typeof(c.d->'uses') = 'array'
UNION ALL
SELECT e.k, NULL, jsonb_build_object('definition', e.v->>'default', 'uses', e.v->'default_uses'), e.v
FROM jsonb_each(types) e(k, v)
WHERE e.v->>'kind' = 'domain' AND jsonb_typeof(e.v->'default_uses') = 'array'
$$;

-- the step that adds part of domain dom (from domain_function_parts), the
-- domain of key k: ALTER DOMAIN ... ADD CONSTRAINT (with its comment) or SET
-- DEFAULT, undone by DROP; with adding false its mirror, which drops it
CREATE OR REPLACE FUNCTION migrate.domain_part_step(k text, part text, def jsonb, dom jsonb, adding boolean, warning text)
RETURNS migrate.diff_step
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
SET quote_all_identifiers = off
AS $$
SELECT CASE WHEN adding THEN ROW(x.op, x.obj, x.make, x.unmake, warning)::migrate.diff_step
            ELSE ROW(CASE WHEN part IS NULL THEN 'alter domain' ELSE 'drop domain constraint' END,
                     x.obj, x.unmake, x.make, warning)::migrate.diff_step END
FROM (SELECT format('%I.%I', dom->>'schema', dom->>'name') AS qt) q,
LATERAL (SELECT CASE WHEN part IS NULL THEN 'alter domain' ELSE 'add domain constraint' END AS op,
                CASE WHEN part IS NULL THEN k ELSE k || '.' || part END AS obj,
                CASE WHEN part IS NULL THEN format('ALTER DOMAIN %s SET DEFAULT %s', q.qt, def->>'definition')
                     ELSE migrate.with_comment(format('ALTER DOMAIN %s ADD CONSTRAINT %I %s', q.qt, part, def->>'definition'),
                                               'CONSTRAINT', format('%I ON DOMAIN %s', part, q.qt), def->>'comment') END AS make,
                CASE WHEN part IS NULL THEN format('ALTER DOMAIN %s DROP DEFAULT', q.qt)
                     ELSE format('ALTER DOMAIN %s DROP CONSTRAINT %I', q.qt, part) END AS unmake) x
$$;

-- whether part of domain dom (from domain_function_parts) is the same in
-- other, the same domain on the other side (NULL: none), which is not made
-- again, and calls none of the functions remade
CREATE OR REPLACE FUNCTION migrate.domain_part_stays(dom jsonb, other jsonb, part text, def jsonb, remade text[])
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(other->>'kind' = 'domain'
                AND (other->>'base', other->>'collation') IS NOT DISTINCT FROM (dom->>'base', dom->>'collation')
                AND CASE WHEN part IS NULL
                         THEN (other->>'default', other->'default_uses') IS NOT DISTINCT FROM (def->>'definition', def->'uses')
                         ELSE (other->'constraints'->part->>'definition', other->'constraints'->part->'uses')
                              IS NOT DISTINCT FROM (def->>'definition', def->'uses') END
                AND NOT migrate.uses_any(def, 'uses', remade), false)
$$;

-- a domain, composite or range type with its comments
CREATE OR REPLACE FUNCTION migrate.type_ddl(t jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n',
    CASE t->>'kind'
    WHEN 'domain' THEN
        format('CREATE DOMAIN %I.%I AS %s', t->>'schema', t->>'name', t->>'base')
        || coalesce(' COLLATE ' || (t->>'collation'), '')
        -- (not the default and checks that call user functions: added once
        -- the functions exist, see domain_function_parts)
        || CASE WHEN t ? 'default_uses' THEN '' ELSE coalesce(' DEFAULT ' || (t->>'default'), '') END
        || CASE WHEN (t->>'not_null')::boolean THEN ' NOT NULL' ELSE '' END
        || coalesce((SELECT string_agg(format(' CONSTRAINT %I %s', n, d->>'definition'), '' ORDER BY n)
                     FROM jsonb_each(CASE WHEN jsonb_typeof(t->'constraints') = 'object' THEN t->'constraints' ELSE '{}' END) c(n, d)
                     WHERE NOT d ? 'uses'), '')
    WHEN 'composite' THEN
        format('CREATE TYPE %I.%I AS (%s)', t->>'schema', t->>'name',
               coalesce((SELECT string_agg(format('%I %s', x->>'name', x->>'type')
                                           || coalesce(' COLLATE ' || (x->>'collation'), ''), ', ' ORDER BY o)
                         FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t->'attributes') = 'array' THEN t->'attributes' ELSE '[]' END) WITH ORDINALITY AS e(x, o)), ''))
    ELSE
        format('CREATE TYPE %I.%I AS RANGE (SUBTYPE = %s', t->>'schema', t->>'name', t->>'subtype')
        || coalesce(', SUBTYPE_DIFF = ' || (t->>'subtype_diff'), '')
        || coalesce(', COLLATION = ' || (t->>'range_collation'), '') || ')'
    END,
    CASE WHEN t->>'comment' IS NOT NULL
         THEN migrate.comment_ddl(CASE WHEN t->>'kind' = 'domain' THEN 'DOMAIN' ELSE 'TYPE' END,
                                  format('%I.%I', t->>'schema', t->>'name'), t->>'comment') END,
    (SELECT string_agg(migrate.comment_ddl('CONSTRAINT', format('%I ON DOMAIN %I.%I', n, t->>'schema', t->>'name'),
                                           d->>'comment'), E';\n' ORDER BY n)
     FROM jsonb_each(CASE WHEN jsonb_typeof(t->'constraints') = 'object' THEN t->'constraints' ELSE '{}' END) c(n, d)
     WHERE d->>'comment' IS NOT NULL AND NOT d ? 'uses'),
    (SELECT string_agg(migrate.comment_ddl('COLUMN', format('%I.%I.%I', t->>'schema', t->>'name', x->>'name'),
                                           x->>'comment'), E';\n' ORDER BY o)
     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t->'attributes') = 'array' THEN t->'attributes' ELSE '[]' END) WITH ORDINALITY AS e(x, o) WHERE x->>'comment' IS NOT NULL))
$$;

-- a trigger as pg_get_triggerdef writes it, with its state and comment
CREATE OR REPLACE FUNCTION migrate.trigger_ddl(t jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n', t->>'definition',
    CASE WHEN t->>'enabled' <> 'O' THEN migrate.trigger_state(t) END,
    CASE WHEN t->>'comment' IS NOT NULL
         THEN migrate.comment_ddl('TRIGGER', format('%I ON %I.%I', t->>'name', t->>'schema', t->>'table'), t->>'comment') END)
$$;

CREATE OR REPLACE FUNCTION migrate.trigger_state(t jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('ALTER TABLE %I.%I %s TRIGGER %I', t->>'schema', t->>'table',
              CASE t->>'enabled' WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA'
                                 WHEN 'A' THEN 'ENABLE ALWAYS' ELSE 'ENABLE' END, t->>'name')
$$;

-- a row-level security policy of table qt (quoted), with its comment
CREATE OR REPLACE FUNCTION migrate.policy_ddl(qt text, name text, p jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT migrate.with_comment(
    format('CREATE POLICY %I ON %s AS %s FOR %s TO %s', name, qt,
           CASE WHEN (p->>'permissive')::boolean THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
           CASE p->>'command' WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                              WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
           (SELECT string_agg(x, ', ' ORDER BY o) FROM jsonb_array_elements_text(p->'roles') WITH ORDINALITY AS r(x, o)))
    || coalesce(' USING (' || (p->>'using') || ')', '')
    || coalesce(' WITH CHECK (' || (p->>'check') || ')', ''),
    'POLICY', format('%I ON %s', name, qt), p->>'comment')
$$;

-- ENABLE/FORCE ROW LEVEL SECURITY of a table as it is in t (NULL: a new table)
CREATE OR REPLACE FUNCTION migrate.row_security_ddl(qt text, t jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('ALTER TABLE %s %s ROW LEVEL SECURITY, %s ROW LEVEL SECURITY', qt,
              CASE WHEN coalesce((t->>'row_security')::boolean, false) THEN 'ENABLE' ELSE 'DISABLE' END,
              CASE WHEN coalesce((t->>'force_row_security')::boolean, false) THEN 'FORCE' ELSE 'NO FORCE' END)
$$;

/*
 * The comments of a description on the objects other than tables, their
 * columns and views: id (the kind and key, as migrate_diff records what it
 * drops), the COMMENT ON kind and target, and the text.
 */
CREATE OR REPLACE FUNCTION migrate.comment_targets(d jsonb)
RETURNS TABLE (id text, kind text, target text, comment text, view text)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT 'sequence:' || k, 'SEQUENCE', format('%I.%I', v->>'schema', v->>'name'), v->>'comment', NULL
FROM jsonb_each(d->'sequences') e(k, v)
UNION ALL
SELECT 'enum:' || k, 'TYPE', format('%I.%I', v->>'schema', v->>'name'), v->>'comment', NULL
FROM jsonb_each(d->'enums') e(k, v)
UNION ALL
SELECT 'type:' || k, CASE WHEN v->>'kind' = 'domain' THEN 'DOMAIN' ELSE 'TYPE' END,
       format('%I.%I', v->>'schema', v->>'name'), v->>'comment', NULL
FROM jsonb_each(d->'types') e(k, v)
UNION ALL
SELECT 'domain constraint:' || k || '.' || n, 'CONSTRAINT', format('%I ON DOMAIN %I.%I', n, v->>'schema', v->>'name'), c->>'comment', NULL
FROM jsonb_each(d->'types') e(k, v), jsonb_each(CASE WHEN jsonb_typeof(v->'constraints') = 'object' THEN v->'constraints' ELSE '{}' END) x(n, c)
UNION ALL
SELECT 'attribute:' || k || '.' || (c->>'name'), 'COLUMN', format('%I.%I.%I', v->>'schema', v->>'name', c->>'name'), c->>'comment', NULL
FROM jsonb_each(d->'types') e(k, v), jsonb_array_elements(CASE WHEN jsonb_typeof(v->'attributes') = 'array' THEN v->'attributes' ELSE '[]' END) c
UNION ALL
SELECT 'function:' || k, split_part(migrate.function_target(v), ' ', 1),
       substr(migrate.function_target(v), length(split_part(migrate.function_target(v), ' ', 1)) + 2), v->>'comment', NULL
FROM jsonb_each(d->'functions') e(k, v)
UNION ALL
SELECT 'constraint:' || k || '.' || n, 'CONSTRAINT', format('%I ON %I.%I', n, v->>'schema', v->>'name'), c->>'comment', NULL
FROM jsonb_each(d->'tables') e(k, v), jsonb_each(coalesce(v->'constraints', '{}')) x(n, c)
UNION ALL
SELECT 'constraint index:' || k || '.' || n, 'INDEX', format('%I.%I', v->>'schema', n), c->>'index_comment', NULL
FROM jsonb_each(d->'tables') e(k, v), jsonb_each(coalesce(v->'constraints', '{}')) x(n, c)
WHERE c->>'type' IN ('p', 'u', 'x')
UNION ALL
SELECT 'index:' || k || '.' || n, 'INDEX', format('%I.%I', v->>'schema', n), c->>'comment', NULL
FROM jsonb_each(d->'tables') e(k, v), jsonb_each(coalesce(v->'indexes', '{}')) x(n, c)
UNION ALL
SELECT 'index:' || k || '.' || n, 'INDEX', format('%I.%I', v->>'schema', n), c->>'comment', NULL
FROM jsonb_each(d->'views') e(k, v), jsonb_each(CASE WHEN jsonb_typeof(v->'indexes') = 'object' THEN v->'indexes' ELSE '{}' END) x(n, c)
UNION ALL
SELECT 'view column:' || k || '.' || n, 'COLUMN', format('%I.%I.%I', v->>'schema', v->>'name', n), c, k
FROM jsonb_each(d->'views') e(k, v),
     jsonb_each_text(CASE WHEN jsonb_typeof(v->'column_comments') = 'object' THEN v->'column_comments' ELSE '{}' END) x(n, c)
UNION ALL
SELECT 'policy:' || k || '.' || n, 'POLICY', format('%I ON %I.%I', n, v->>'schema', v->>'name'), c->>'comment', NULL
FROM jsonb_each(d->'tables') e(k, v), jsonb_each(coalesce(v->'policies', '{}')) x(n, c)
UNION ALL
SELECT 'trigger:' || k, 'TRIGGER', format('%I ON %I.%I', v->>'name', v->>'schema', v->>'table'), v->>'comment', NULL
FROM jsonb_each(d->'triggers') e(k, v)
$$;

-- a view with its comments and (materialized) its indexes
CREATE OR REPLACE FUNCTION migrate.view_full_ddl(v jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n',
    migrate.with_comment(migrate.view_ddl(v), CASE WHEN (v->>'materialized')::boolean THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                         format('%I.%I', v->>'schema', v->>'name'), v->>'comment'),
    (SELECT string_agg(migrate.comment_ddl('COLUMN', format('%I.%I.%I', v->>'schema', v->>'name', n), c), E';\n' ORDER BY n)
     FROM jsonb_each_text(CASE WHEN jsonb_typeof(v->'column_comments') = 'object' THEN v->'column_comments' ELSE '{}' END) x(n, c)),
    (SELECT string_agg(migrate.with_comment(c->>'definition', 'INDEX', format('%I.%I', v->>'schema', n), c->>'comment'), E';\n' ORDER BY n)
     FROM jsonb_each(CASE WHEN jsonb_typeof(v->'indexes') = 'object' THEN v->'indexes' ELSE '{}' END) x(n, c)))
$$;

/*
 * Does a constraint or index of table tbl cover a column in replaced
 * ("table.column"), or is it a foreign key to a table with one?
 */
CREATE OR REPLACE FUNCTION migrate.touches_replaced(tbl text, obj jsonb, replaced text[])
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM jsonb_array_elements_text(obj->'columns') c WHERE tbl || '.' || c = ANY (replaced))
        OR EXISTS (SELECT 1 FROM unnest(replaced) r WHERE r LIKE replace(replace(obj->>'references', '_', '\_'), '%', '\%') || '.%');
END
$$;

/*
 * Is changing a column from type a to type b safe for every value (a
 * widening)?  Anything else may fail or lose data and gets a warning.
 */
CREATE OR REPLACE FUNCTION migrate.type_widens(a text, b text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT b = 'text'
    OR (a, b) IN (('smallint', 'integer'), ('smallint', 'bigint'), ('integer', 'bigint'),
                  ('smallint', 'numeric'), ('integer', 'numeric'), ('bigint', 'numeric'),
                  ('real', 'double precision'), ('character varying', 'text'),
                  ('timestamp without time zone', 'timestamp with time zone'))
    OR (b = 'character varying' AND a ~ '^character varying\(\d+\)$')
    OR (a ~ '^character varying\(\d+\)$' AND b ~ '^character varying\(\d+\)$'
        AND substring(b FROM '\d+')::int >= substring(a FROM '\d+')::int)
    OR (a ~ '^numeric\(\d+,\d+\)$' AND b ~ '^numeric\(\d+,\d+\)$'
        AND split_part(substring(a FROM '\d+,\d+'), ',', 2) = split_part(substring(b FROM '\d+,\d+'), ',', 2)
        AND substring(b FROM '\d+')::int >= substring(a FROM '\d+')::int)
    OR (a ~ '^numeric\(' AND b = 'numeric')
$$;

/*
 * ---- Autogenerate: rules, event triggers, extended statistics, table,
 * column and view properties (migrate_diff's sections for them below) ----
 */

-- storage parameters (a description's "options") as SET ( ... ) writes them
CREATE OR REPLACE FUNCTION migrate.options_list(opts jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT string_agg((SELECT string_agg(quote_ident(p), '.' ORDER BY o) FROM unnest(string_to_array(k, '.')) WITH ORDINALITY AS x(p, o))
                  || '=' || quote_literal(v), ', ' ORDER BY k COLLATE "C")
FROM jsonb_each_text(CASE WHEN jsonb_typeof(opts) = 'object' THEN opts ELSE '{}' END) e(k, v)
$$;

-- ALTER <kind> target SET (...) and RESET (...): from options old to new
CREATE OR REPLACE FUNCTION migrate.options_ddl(kind text, target text, old jsonb, new jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT nullif(concat_ws(E';\n',
    (SELECT format('ALTER %s %s SET (%s)', kind, target, migrate.options_list(jsonb_object_agg(k, v)))
     FROM jsonb_each(CASE WHEN jsonb_typeof(new) = 'object' THEN new ELSE '{}' END) e(k, v)
     WHERE (old->k) IS DISTINCT FROM v
     HAVING count(*) > 0),
    (SELECT format('ALTER %s %s RESET (%s)', kind, target,
                   string_agg((SELECT string_agg(quote_ident(p), '.' ORDER BY o) FROM unnest(string_to_array(k, '.')) WITH ORDINALITY AS x(p, o)),
                              ', ' ORDER BY k COLLATE "C"))
     FROM jsonb_object_keys(CASE WHEN jsonb_typeof(old) = 'object' THEN old ELSE '{}' END) k
     WHERE NOT coalesce(new ? k, false)
     HAVING count(*) > 0)), '')
$$;

CREATE OR REPLACE FUNCTION migrate.replica_identity_ddl(qt text, t jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('ALTER TABLE %s REPLICA IDENTITY %s', qt,
              CASE t->>'replica_identity' WHEN 'full' THEN 'FULL' WHEN 'nothing' THEN 'NOTHING'
                   WHEN 'index' THEN format('USING INDEX %I', t->>'replica_index') ELSE 'DEFAULT' END)
$$;

/*
 * The steps that turn the properties of table k from those of old (NULL:
 * a new table, all at their defaults) into those of new: storage
 * parameters, replica identity, and each column's STORAGE and STATISTICS.
 * Each step's downgrade turns them back.  (UNLOGGED is in CREATE TABLE,
 * and SET LOGGED/UNLOGGED a step of migrate_diff's, ordered by the foreign
 * keys.)
 */
CREATE OR REPLACE FUNCTION migrate.table_property_steps(k text, old jsonb, new jsonb)
RETURNS migrate.diff_step[]
-- (PL/pgSQL for its cached plan: a SQL function that cannot be inlined is
-- planned again at each call, which cost more than the rest of a table's
-- steps)
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
RETURN (WITH q AS (SELECT format('%I.%I', new->>'schema', new->>'name') AS qt),
cols AS (
    SELECT c->>'name' AS name, c AS nc, (SELECT x FROM jsonb_array_elements(old->'columns') x WHERE x->>'name' = c->>'name') AS oc, o
    FROM jsonb_array_elements(new->'columns') WITH ORDINALITY AS e(c, o)
), s(n, operation, object, upgrade, downgrade, warning) AS (
    SELECT 2, 'storage parameters', k,
           migrate.options_ddl('TABLE', qt, old->'options', new->'options'),
           migrate.options_ddl('TABLE', qt, new->'options', old->'options'), NULL
    FROM q WHERE (old->'options') IS DISTINCT FROM (new->'options')
    UNION ALL
    SELECT 3, 'replica identity', k, migrate.replica_identity_ddl(qt, new), migrate.replica_identity_ddl(qt, old), NULL
    FROM q WHERE (old->>'replica_identity', old->>'replica_index') IS DISTINCT FROM (new->>'replica_identity', new->>'replica_index')
    UNION ALL
    SELECT 4, 'column storage', k || '.' || name,
           format('ALTER TABLE %s ALTER COLUMN %I SET STORAGE %s', qt, name, coalesce(nc->>'storage', oc->>'storage_default')),
           format('ALTER TABLE %s ALTER COLUMN %I SET STORAGE %s', qt, name, coalesce(oc->>'storage', nc->>'storage_default')),
           NULL
    FROM q, cols WHERE (oc->>'storage') IS DISTINCT FROM (nc->>'storage')
    UNION ALL
    SELECT 5, 'column statistics', k || '.' || name,
           format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS %s', qt, name, coalesce(nc->>'statistics', '-1')),
           format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS %s', qt, name, coalesce(oc->>'statistics', '-1')),
           NULL
    FROM q, cols WHERE (oc->>'statistics') IS DISTINCT FROM (nc->>'statistics')
)
SELECT coalesce(array_agg(ROW(operation, object, upgrade, downgrade, warning)::migrate.diff_step ORDER BY n, object COLLATE "C"), '{}')
FROM s);
END
$$;

-- a rule as pg_get_ruledef writes it, with its state and comment
CREATE OR REPLACE FUNCTION migrate.rule_state(r jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('ALTER %s %I.%I %s RULE %I', CASE WHEN (r->>'view')::boolean THEN 'VIEW' ELSE 'TABLE' END,
              r->>'schema', r->>'table',
              CASE r->>'enabled' WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA'
                                 WHEN 'A' THEN 'ENABLE ALWAYS' ELSE 'ENABLE' END, r->>'name')
$$;

CREATE OR REPLACE FUNCTION migrate.rule_ddl(r jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n', rtrim(r->>'definition', ';'),
    CASE WHEN r->>'enabled' <> 'O' THEN migrate.rule_state(r) END,
    CASE WHEN r->>'comment' IS NOT NULL
         THEN migrate.comment_ddl('RULE', format('%I ON %I.%I', r->>'name', r->>'schema', r->>'table'), r->>'comment') END)
$$;

-- an event trigger, with its state and comment
CREATE OR REPLACE FUNCTION migrate.event_trigger_state(e jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('ALTER EVENT TRIGGER %I %s', e->>'name',
              CASE e->>'enabled' WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA'
                                 WHEN 'A' THEN 'ENABLE ALWAYS' ELSE 'ENABLE' END)
$$;

CREATE OR REPLACE FUNCTION migrate.event_trigger_ddl(e jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n',
    format('CREATE EVENT TRIGGER %I ON %I', e->>'name', e->>'event')
    || coalesce(' WHEN TAG IN (' || (SELECT string_agg(quote_literal(x), ', ' ORDER BY o)
                                     FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(e->'tags') = 'array' THEN e->'tags' ELSE '[]' END)
                                          WITH ORDINALITY AS t(x, o)) || ')', '')
    || ' EXECUTE FUNCTION ' || (e->>'function') || '()',
    CASE WHEN e->>'enabled' <> 'O' THEN migrate.event_trigger_state(e) END,
    CASE WHEN e->>'comment' IS NOT NULL THEN migrate.comment_ddl('EVENT TRIGGER', quote_ident(e->>'name'), e->>'comment') END)
$$;

-- extended statistics as migrate_describe writes them, with the target and comment
CREATE OR REPLACE FUNCTION migrate.statistics_target(s jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT format('ALTER STATISTICS %I.%I SET STATISTICS %s', s->>'schema', s->>'name', coalesce(s->>'target', '-1')) $$;

CREATE OR REPLACE FUNCTION migrate.statistics_ddl(s jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n', s->>'definition',
    CASE WHEN s->>'target' IS NOT NULL THEN migrate.statistics_target(s) END,
    CASE WHEN s->>'comment' IS NOT NULL
         THEN migrate.comment_ddl('STATISTICS', format('%I.%I', s->>'schema', s->>'name'), s->>'comment') END)
$$;

-- ---- end of the helpers for rules, event triggers, statistics and properties ----

/*
 * ---- Autogenerate: collations, casts, operators, publications, CLUSTER ON
 * (migrate_diff's sections for them below) ----
 */

-- how COMMENT ON and DROP name an operator and a cast
CREATE OR REPLACE FUNCTION migrate.operator_target(o jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT format('%I.%s (%s, %s)', o->>'schema', o->>'name', coalesce(o->>'left', 'NONE'), coalesce(o->>'right', 'NONE')) $$;

/*
 * 0 for an operator that names a commutator or negator (among ops) which
 * does not name it back, else 1: such an operator is created before the
 * one it names and dropped after it.  From PostgreSQL 17, CREATE OPERATOR
 * filling a shell (the operator a commutator or negator named before it
 * existed) without naming the link itself leaves the shell's link unset, so
 * "A names B, B names nothing" is what the catalog holds after the usual
 * "CREATE OPERATOR A (..., COMMUTATOR = B); CREATE OPERATOR B (...)": only
 * that order makes it again (B made first and A naming it would link B
 * back).  On 15 and 16 filling a shell keeps the link, and the pair names
 * each other either way.
 */
CREATE OR REPLACE FUNCTION migrate.operator_rank(ops jsonb, k text, o jsonb)
RETURNS int
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN EXISTS (
        SELECT 1 FROM jsonb_array_elements_text(
                          CASE WHEN jsonb_typeof(o->'operators') = 'array' THEN o->'operators' ELSE '[]' END) c
        WHERE ops ? c
          AND NOT (CASE WHEN jsonb_typeof(ops->c->'operators') = 'array' THEN ops->c->'operators' ELSE '[]' END) ? k)
    THEN 0 ELSE 1 END
$$;

-- the operators among ops (other than k, whose entry is o) that name k as
-- commutator or negator when k does not name them back: see operator_rank
CREATE OR REPLACE FUNCTION migrate.operators_naming(ops jsonb, k text, o jsonb)
RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(n ORDER BY n), '{}')
    FROM jsonb_each(ops) e(n, v)
    WHERE n <> k
      AND (CASE WHEN jsonb_typeof(v->'operators') = 'array' THEN v->'operators' ELSE '[]' END) ? k
      AND NOT (CASE WHEN jsonb_typeof(o->'operators') = 'array' THEN o->'operators' ELSE '[]' END) ? n
$$;

CREATE OR REPLACE FUNCTION migrate.cast_target(c jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT format('(%s AS %s)', c->>'source', c->>'target') $$;

-- a table of a publication as FOR TABLE and ADD TABLE write it
CREATE OR REPLACE FUNCTION migrate.publication_table(t jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('%I.%I', t->>'schema', t->>'name')
       || coalesce(' (' || (SELECT string_agg(quote_ident(x), ', ' ORDER BY o)
                            FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(t->'column_list') = 'array'
                                                                THEN t->'column_list' END) WITH ORDINALITY AS e(x, o)) || ')', '')
       || coalesce(' WHERE (' || (t->>'where') || ')', '')
$$;

CREATE OR REPLACE FUNCTION migrate.publication_options(p jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT format('publish = %L, publish_via_partition_root = %s', p->>'publish', coalesce(p->>'via_root', 'false')) $$;

CREATE OR REPLACE FUNCTION migrate.publication_ddl(p jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n',
    format('CREATE PUBLICATION %I', p->>'name')
    || CASE WHEN (p->>'all_tables')::boolean THEN ' FOR ALL TABLES'
            ELSE coalesce(' FOR ' || nullif(concat_ws(', ',
                     (SELECT 'TABLE ' || string_agg(migrate.publication_table(t), ', ' ORDER BY k COLLATE "C")
                      FROM jsonb_each(CASE WHEN jsonb_typeof(p->'tables') = 'object' THEN p->'tables' ELSE '{}' END) e(k, t)),
                     (SELECT 'TABLES IN SCHEMA ' || string_agg(quote_ident(s), ', ' ORDER BY s COLLATE "C")
                      FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(p->'schemas') = 'array' THEN p->'schemas' ELSE '[]' END) s)), ''), '') END
    || ' WITH (' || migrate.publication_options(p) || ')',
    CASE WHEN p->>'comment' IS NOT NULL THEN migrate.comment_ddl('PUBLICATION', quote_ident(p->>'name'), p->>'comment') END)
$$;

-- ---- end of the helpers for collations, casts, operators, publications ----

/*
 * The ordered operations that turn the schema described by from_schema into
 * the one described by to_schema (both from migrate_describe()).  The
 * upgrade script is the upgrade column in step order; the downgrade script
 * is the downgrade column in reverse step order.  Pure: it reads no catalog.
 *
 * Order: schemas, extensions, enum types and new enum values, sequences;
 * views that must go (removed, changed, or over a table whose columns
 * change); constraints and indexes that are removed or changed; new tables;
 * new and changed columns; constraints and indexes, foreign keys last;
 * columns and tables that are removed; views; comments; and last the
 * sequences, types, extensions and schemas that are removed.
 */
CREATE OR REPLACE FUNCTION @extschema@.migrate_diff(from_schema jsonb, to_schema jsonb)
RETURNS TABLE (step int, operation text, object text, upgrade text, downgrade text, warning text)
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
SET quote_all_identifiers = off
SET jit = off
-- a custom plan copies the value of each variable a query names into the
-- plan: a query over the whole description run once per table made that
-- quadratic; a generic plan takes them as parameters
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    a jsonb := from_schema;
    b jsonb := to_schema;
    -- a step is appended in place only when the appending expression is simple
    -- (no subquery); one with a subquery is built in "one" first, else every
    -- append copies the whole array and a schema of N tables costs N^2
    steps migrate.diff_step[] := '{}';
    k text;
    v jsonb;
    w jsonb;
    t jsonb;
    c jsonb;
    oc jsonb;
    qt text;
    qc text;
    cname text;
    changed_tables text[] := '{}';
    replaced text[] := '{}';         -- table.column made again (no ALTER for the change)
    early_fks text[] := '{}';        -- table.constraint of tables that go, dropped before them
    key_tables text[] := '{}';       -- tables that stay whose keys go or change
    drop_views text[] := '{}';
    touched_cols text[] := '{}';     -- table.column that goes, is made again or changes type
    dropped_funcs text[] := '{}';    -- functions of from_schema that are dropped (gone or made again)
    remade_funcs text[] := '{}';     -- functions in both that are dropped and created again
    late_funcs text[] := '{}';       -- functions to create once the tables exist (they take a row type)
    dropped text[] := '{}';          -- kind:key of objects in both that are dropped and made again
    early_idx text[] := '{}';        -- table.index of tables that go, dropped before them
    a_parts jsonb; b_parts jsonb;    -- partitioned table -> its partitions (migrate.partitions_of)
    a_kids jsonb; b_kids jsonb;      -- table -> its partitions and children (migrate.children_of)
    a_refd text[]; b_refd text[];    -- partitioned tables a foreign key references
    moved text[];                    -- tables in both that are attached, detached or change bounds
    a_t jsonb; b_t jsonb; a_v jsonb; b_v jsonb; a_f jsonb; b_f jsonb;
    a_ty jsonb; b_ty jsonb; a_tr jsonb; b_tr jsonb;
    persist_tables text[] := '{}';   -- tables in both that become UNLOGGED or LOGGED
    a_ru jsonb; b_ru jsonb; a_et jsonb; b_et jsonb; a_st jsonb; b_st jsonb;  -- rules, event triggers, statistics
    a_co jsonb; b_co jsonb; a_ca jsonb; b_ca jsonb; a_op jsonb; b_op jsonb; a_pu jsonb; b_pu jsonb;  -- collations, casts, operators, publications
    made_early text[] := '{}';       -- kind:key of operators, casts and operator classes created with the functions
    a_oc jsonb; b_oc jsonb;          -- operator classes
    drop_ops text[];                 -- operators dropped first (and made again)
    one migrate.diff_step;
    more migrate.diff_step[];
    own_keys text[];                 -- a partition's own keys under its parent's plain indexes
    later int;
    renamed migrate.diff_step[] := '{}';  -- sequences renamed: first of all
    revoked migrate.diff_step[];     -- the privilege steps that come first
    granted migrate.diff_step[];     -- and last
    pos jsonb;                       -- position of each table that goes
    refs int[];                      -- foreign keys still referencing it, by position
    gone boolean[];                  -- dropped already, by position
    going text[];                    -- the tables that go, in name order
    ready text[];                    -- those whose count fell in the last round
    tables_left int;
    tpos int;
    fk jsonb;                        -- the foreign keys between them: table -> [referenced table]
    tfk jsonb;
    inh jsonb;                       -- the tables they are partitions or children of: table -> [parent]
    a_gone jsonb;                    -- the tables of from_schema that go
    sql_old text;
    sql_new text;
    ordered text[];
    remaining text[];
    dropped_cols text[];
    i int;
    prev text;
    nxt text;
    warn text;
    enum_types text[];               -- the enum types of both, as format_type writes them
    parts constant text[] := ARRAY['schemas', 'extensions', 'enums', 'types', 'functions', 'sequences',
                                   'tables', 'views', 'triggers'];
BEGIN
    IF a IS NULL OR b IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN a IS NULL THEN 'from_schema' ELSE 'to_schema' END
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass migrate_describe() of each database, or ''{}'' for an empty one.';
    END IF;
    -- each taken out of its TOAST form once: a document read from a table
    -- comes compressed, and every -> on it would decompress all of it (||
    -- with an empty object returns the other object as it is)
    IF jsonb_typeof(from_schema) = 'object' THEN
        from_schema := '{}'::jsonb || from_schema;
        a := from_schema;
    END IF;
    IF jsonb_typeof(to_schema) = 'object' THEN
        to_schema := '{}'::jsonb || to_schema;
        b := to_schema;
    END IF;
    FOREACH k IN ARRAY parts LOOP
        IF jsonb_typeof(coalesce(a->k, '{}')) <> 'object' OR jsonb_typeof(coalesce(b->k, '{}')) <> 'object' THEN
            RAISE EXCEPTION 'schema description has no valid "%" object', k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'migrate_diff() takes the documents migrate_describe() returns.';
        END IF;
    END LOOP;
    -- a function whose argument names change: one function made again
    from_schema := migrate.pair_functions(from_schema, to_schema);
    a := from_schema;
    -- (made again only when a part is missing: that copies the whole
    -- document; the parts not named here are read from the arguments)
    a := migrate.with_parts(a, parts);
    b := migrate.with_parts(b, parts);
    enum_types := ARRAY(SELECT format('%I.%I', y->>'schema', y->>'name') FROM jsonb_each(a->'enums') e(x, y)
                        UNION SELECT format('%I.%I', y->>'schema', y->>'name') FROM jsonb_each(b->'enums') e(x, y));
    -- a serial on one side only, or whose sequence the other side has alone
    w := migrate.expand_serials(a, b);
    b := migrate.expand_serials(b, a);
    a := w;
    w := NULL;
    -- a sequence owned by a column renamed (a serial's, say): renamed, first
    -- of all (before the privileges revoked first, which name it as b
    -- does), which keeps its value.  a is then read with the new name: its
    -- sequence, every nextval('old'::regclass) of its defaults, views and
    -- function bodies, which follow the sequence's OID and so print the new
    -- name after the rename (no step remakes them), the "uses" lists that
    -- name its key, and its privileges
    FOR k, qt IN SELECT r.old_key, r.new_key FROM migrate.renamed_sequences(a, b) r ORDER BY 1 LOOP
        v := a->'sequences'->k;
        w := b->'sequences'->qt;
        renamed := renamed || ROW('rename sequence', k,
            format('ALTER SEQUENCE %I.%I RENAME TO %I', v->>'schema', v->>'name', w->>'name'),
            format('ALTER SEQUENCE %I.%I RENAME TO %I', w->>'schema', w->>'name', v->>'name'),
            format('taken as a rename of sequence %I.%I to %I, since column %I.%I.%I takes its default from each '
                   '(a rename keeps the sequence''s value)', v->>'schema', v->>'name', w->>'name',
                   v->'owned_by'->>'schema', v->'owned_by'->>'table', v->'owned_by'->>'column'))::migrate.diff_step;
        -- (the regclass literals as the JSON text holds them: inside a string)
        prev := to_jsonb(migrate.regclass_literal(format('%I.%I', v->>'schema', v->>'name')))::text;
        nxt := to_jsonb(migrate.regclass_literal(format('%I.%I', w->>'schema', w->>'name')))::text;
        a := replace(replace(a::text, substr(prev, 2, length(prev) - 2), substr(nxt, 2, length(nxt) - 2)),
                     to_jsonb(k)::text, to_jsonb(qt)::text)::jsonb;
        a := jsonb_set(a #- ARRAY['sequences', k], ARRAY['sequences', qt], v || jsonb_build_object('name', w->>'name'));
        prev := 'SEQUENCE ' || format('%I.%I', v->>'schema', v->>'name');
        nxt := 'SEQUENCE ' || format('%I.%I', w->>'schema', w->>'name');
        IF jsonb_typeof(from_schema->'privileges'->prev) = 'object' THEN
            from_schema := jsonb_set(from_schema #- ARRAY['privileges', prev], ARRAY['privileges', nxt],
                (from_schema->'privileges'->prev)
                || jsonb_build_object('on', nxt, 'object', (w->>'schema') || '.' || (w->>'name')));
        END IF;
    END LOOP;
    v := NULL; w := NULL; prev := NULL; nxt := NULL;
    -- the parts, taken out once: each -> on the whole document copies it
    a_t := a->'tables'; b_t := b->'tables'; a_v := a->'views'; b_v := b->'views';
    a_f := a->'functions'; b_f := b->'functions'; a_ty := a->'types'; b_ty := b->'types';
    a_tr := a->'triggers'; b_tr := b->'triggers';

    -- ---- rules, event triggers, extended statistics (from the documents
    -- as given: a and b above keep only the other kinds) ----
    FOREACH k IN ARRAY ARRAY['rules', 'event_triggers', 'statistics'] LOOP
        IF jsonb_typeof(coalesce(from_schema->k, '{}')) <> 'object' OR jsonb_typeof(coalesce(to_schema->k, '{}')) <> 'object' THEN
            RAISE EXCEPTION 'schema description has no valid "%" object', k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'migrate_diff() takes the documents migrate_describe() returns.';
        END IF;
    END LOOP;
    a_ru := coalesce(from_schema->'rules', '{}'); b_ru := coalesce(to_schema->'rules', '{}');
    a_et := coalesce(from_schema->'event_triggers', '{}'); b_et := coalesce(to_schema->'event_triggers', '{}');
    a_st := coalesce(from_schema->'statistics', '{}'); b_st := coalesce(to_schema->'statistics', '{}');
    -- ---- end ----

    -- ---- collations, casts, operators, publications (from the documents
    -- as given, like the rules above) ----
    FOREACH k IN ARRAY ARRAY['collations', 'casts', 'operators', 'operator_classes', 'publications'] LOOP
        IF jsonb_typeof(coalesce(from_schema->k, '{}')) <> 'object' OR jsonb_typeof(coalesce(to_schema->k, '{}')) <> 'object' THEN
            RAISE EXCEPTION 'schema description has no valid "%" object', k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'migrate_diff() takes the documents migrate_describe() returns.';
        END IF;
    END LOOP;
    a_co := coalesce(from_schema->'collations', '{}'); b_co := coalesce(to_schema->'collations', '{}');
    a_ca := coalesce(from_schema->'casts', '{}'); b_ca := coalesce(to_schema->'casts', '{}');
    a_op := coalesce(from_schema->'operators', '{}'); b_op := coalesce(to_schema->'operators', '{}');
    a_pu := coalesce(from_schema->'publications', '{}'); b_pu := coalesce(to_schema->'publications', '{}');
    a_oc := coalesce(from_schema->'operator_classes', '{}'); b_oc := coalesce(to_schema->'operator_classes', '{}');
    -- ---- end ----

    -- partitions and inheritance: a table that becomes (or stops being) a
    -- child keeps the columns and checks it has from its new (or old)
    -- parents: they are not dropped and added, ATTACH/INHERIT merges them
    -- (and DETACH/NO INHERIT makes them its own); the steps are below
    FOR k IN SELECT x FROM jsonb_object_keys(b_t) x
             WHERE a_t ? x AND (a_t->x->'inherits', a_t->x->>'partition_bound')
                               IS DISTINCT FROM (b_t->x->'inherits', b_t->x->>'partition_bound') LOOP
        a_t := jsonb_set(a_t, ARRAY[k], jsonb_set(jsonb_set(a_t->k, '{columns}', coalesce((
                   SELECT jsonb_agg(x ORDER BY o) FROM jsonb_array_elements(a_t->k->'columns') WITH ORDINALITY AS e(x, o)
                   WHERE NOT x->>'name' = ANY (migrate.inherited_columns(b_t, k))), '[]')),
                   '{constraints}', coalesce(a_t->k->'constraints', '{}') - ARRAY(
                   SELECT n FROM jsonb_array_elements_text(coalesce(b_t->k->'inherits', '[]')) pk,
                                 jsonb_each(coalesce(b_t->pk->'constraints', '{}')) con(n, d) WHERE d->>'type' = 'c')));
        b_t := jsonb_set(b_t, ARRAY[k], jsonb_set(jsonb_set(b_t->k, '{columns}', coalesce((
                   SELECT jsonb_agg(x ORDER BY o) FROM jsonb_array_elements(b_t->k->'columns') WITH ORDINALITY AS e(x, o)
                   WHERE NOT x->>'name' = ANY (migrate.inherited_columns(a_t, k))), '[]')),
                   '{constraints}', coalesce(b_t->k->'constraints', '{}') - ARRAY(
                   SELECT n FROM jsonb_array_elements_text(coalesce(a_t->k->'inherits', '[]')) pk,
                                 jsonb_each(coalesce(a_t->pk->'constraints', '{}')) con(n, d) WHERE d->>'type' = 'c')));
        -- and the indexes and keys that ATTACH takes as its parent's children (DETACH leaves them)
        IF b_t->k->>'partition_bound' IS NOT NULL THEN
            a_t := jsonb_set(a_t, ARRAY[k], jsonb_set(jsonb_set(a_t->k,
                       '{indexes}', coalesce(a_t->k->'indexes', '{}') - ARRAY(
                           SELECT m.own FROM migrate.partition_matches(a_t->k, b_t->k, b_t->(b_t->k->'inherits'->>0)) m
                           WHERE m.kind = 'index')),
                       '{constraints}', coalesce(a_t->k->'constraints', '{}') - ARRAY(
                           SELECT m.own FROM migrate.partition_matches(a_t->k, b_t->k, b_t->(b_t->k->'inherits'->>0)) m
                           WHERE m.kind = 'constraint')));
        END IF;
        IF a_t->k->>'partition_bound' IS NOT NULL THEN
            b_t := jsonb_set(b_t, ARRAY[k], jsonb_set(jsonb_set(b_t->k,
                       '{indexes}', coalesce(b_t->k->'indexes', '{}') - ARRAY(
                           SELECT m.own FROM migrate.partition_matches(b_t->k, a_t->k, a_t->(a_t->k->'inherits'->>0)) m
                           WHERE m.kind = 'index')),
                       '{constraints}', coalesce(b_t->k->'constraints', '{}') - ARRAY(
                           SELECT m.own FROM migrate.partition_matches(b_t->k, a_t->k, a_t->(a_t->k->'inherits'->>0)) m
                           WHERE m.kind = 'constraint')));
        END IF;
    END LOOP;

    -- the children PostgreSQL makes for a partitioned index or key get the
    -- names of the target right after the step that makes them (the
    -- downgrade's likewise): migrate.child_renames
    a_parts := migrate.partitions_of(a_t);
    b_parts := migrate.partitions_of(b_t);
    a_kids := migrate.children_of(a_t);
    b_kids := migrate.children_of(b_t);
    b_refd := migrate.referenced_parents(b_t, '{}');
    moved := ARRAY(SELECT x FROM jsonb_object_keys(b_t) x
                   WHERE a_t ? x AND (a_t->x->'inherits', a_t->x->>'partition_bound')
                                     IS DISTINCT FROM (b_t->x->'inherits', b_t->x->>'partition_bound'));

    -- schemas
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'schemas') e(x, y) WHERE NOT (a->'schemas') ? x ORDER BY 1 LOOP
        steps := steps || ROW('create schema', k,
            migrate.with_comment(format('CREATE SCHEMA %I', k), 'SCHEMA', quote_ident(k), v->>'comment'),
            format('DROP SCHEMA %I', k), NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'schemas') e(x, y)
                WHERE (a->'schemas') ? x AND (a->'schemas'->x->>'comment') IS DISTINCT FROM y->>'comment' ORDER BY 1 LOOP
        steps := steps || ROW('comment', k, migrate.comment_ddl('SCHEMA', quote_ident(k), v->>'comment'),
            migrate.comment_ddl('SCHEMA', quote_ident(k), a->'schemas'->k->>'comment'), NULL)::migrate.diff_step;
    END LOOP;

    -- extensions
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'extensions') e(x, y) ORDER BY 1 LOOP
        w := a->'extensions'->k;
        IF w IS NULL THEN
            steps := steps || ROW('create extension', k,
                format('CREATE EXTENSION %I WITH SCHEMA %I VERSION %L', k, v->>'schema', v->>'version'),
                format('DROP EXTENSION %I', k), NULL)::migrate.diff_step;
        ELSIF w->>'version' IS DISTINCT FROM v->>'version' THEN
            steps := steps || ROW('update extension', k,
                format('ALTER EXTENSION %I UPDATE TO %L', k, v->>'version'),
                format('ALTER EXTENSION %I UPDATE TO %L', k, w->>'version'),
                'downgrading an extension needs an update script to the old version')::migrate.diff_step;
        END IF;
    END LOOP;

    -- ---- collations: new ones before the types, domains and columns that
    -- use them; a changed one (there is no ALTER for its locale) made again ----
    FOR k, v IN SELECT x, y FROM jsonb_each(b_co) e(x, y) ORDER BY 1 LOOP
        w := a_co->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF w IS NOT NULL AND w->>'definition' <> v->>'definition' THEN
            steps := steps || ROW('drop collation', k, format('DROP COLLATION %s', qt),
                migrate.with_comment(w->>'definition', 'COLLATION', qt, w->>'comment'),
                'the collation is dropped and created again: fails while columns, types or indexes use it')::migrate.diff_step;
        ELSIF w IS NOT NULL THEN
            IF (w->>'comment') IS DISTINCT FROM (v->>'comment') THEN
                steps := steps || ROW('comment', k, migrate.comment_ddl('COLLATION', qt, v->>'comment'),
                    migrate.comment_ddl('COLLATION', qt, w->>'comment'), NULL)::migrate.diff_step;
            END IF;
            CONTINUE;
        END IF;
        steps := steps || ROW('create collation', k, migrate.with_comment(v->>'definition', 'COLLATION', qt, v->>'comment'),
            format('DROP COLLATION %s', qt), NULL)::migrate.diff_step;
    END LOOP;
    -- ---- end ----
    -- enum types, and values added to them (at their place)
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'enums') e(x, y) ORDER BY 1 LOOP
        w := a->'enums'->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF w IS NULL THEN
            one := ROW('create type', k,
                migrate.with_comment(format('CREATE TYPE %s AS ENUM (%s)', qt,
                       (SELECT string_agg(quote_literal(x), ', ' ORDER BY o)
                        FROM jsonb_array_elements_text(v->'values') WITH ORDINALITY AS e(x, o))), 'TYPE', qt, v->>'comment'),
                format('DROP TYPE %s', qt), NULL)::migrate.diff_step;
            steps := steps || one;
            CONTINUE;
        END IF;
        -- as many values, each the same or new in place of one that went: renamed
        IF jsonb_array_length(w->'values') = jsonb_array_length(v->'values') AND w->'values' <> v->'values'
           AND NOT EXISTS (SELECT 1 FROM generate_series(0, jsonb_array_length(v->'values') - 1) n
                           WHERE w->'values'->>n <> v->'values'->>n
                             AND ((v->'values') ? (w->'values'->>n) OR (w->'values') ? (v->'values'->>n))) THEN
            FOR i IN 0 .. jsonb_array_length(v->'values') - 1 LOOP
                CONTINUE WHEN w->'values'->>i = v->'values'->>i;
                steps := steps || ROW('rename enum value', k || '.' || (w->'values'->>i),
                    format('ALTER TYPE %s RENAME VALUE %L TO %L', qt, w->'values'->>i, v->'values'->>i),
                    format('ALTER TYPE %s RENAME VALUE %L TO %L', qt, v->'values'->>i, w->'values'->>i),
                    format('value %L in place of %L is taken as a rename', v->'values'->>i, w->'values'->>i))::migrate.diff_step;
            END LOOP;
            CONTINUE;
        END IF;
        IF EXISTS (SELECT 1 FROM jsonb_array_elements_text(w->'values') x
                   WHERE NOT (v->'values') ? x) THEN
            one := ROW('alter type', k,
                format('-- values of %s removed: PostgreSQL cannot drop enum values; recreate the type by hand', qt),
                NULL,
                format('enum type %s loses values %s: not generated', qt,
                       (SELECT string_agg(quote_literal(x), ', ') FROM jsonb_array_elements_text(w->'values') x
                        WHERE NOT (v->'values') ? x)))::migrate.diff_step;
            steps := steps || one;
        END IF;
        FOR i IN 0 .. jsonb_array_length(v->'values') - 1 LOOP
            cname := v->'values'->>i;
            CONTINUE WHEN (w->'values') ? cname;
            -- place it before the next value that already exists, or after the last one
            nxt := (SELECT x FROM jsonb_array_elements_text(v->'values') WITH ORDINALITY AS e(x, o)
                    WHERE o > i + 1 AND (w->'values') ? x ORDER BY o LIMIT 1);
            steps := steps || ROW('add enum value', k || '.' || cname,
                format('ALTER TYPE %s ADD VALUE %L%s', qt, cname,
                       coalesce(' BEFORE ' || quote_literal(nxt), '')),
                format('-- value %L of %s stays: PostgreSQL cannot drop enum values', cname, qt),
                format('enum value %L cannot be removed by the downgrade', cname))::migrate.diff_step;
        END LOOP;
    END LOOP;

    -- the functions made again: a changed body (same arguments, result and
    -- kind) is CREATE OR REPLACE (below); any other change drops and
    -- creates it again, and with it the functions that use it
    SELECT coalesce(array_agg(x), '{}') INTO remade_funcs
    FROM jsonb_each(a_f) e(x, y)
    WHERE b_f ? x AND (b_f->x) - 'comment' <> y - 'comment'
      AND (y->>'kind' = 'a' OR (b_f->x->>'kind', b_f->x->>'returns', b_f->x->>'arguments')
                               IS DISTINCT FROM (y->>'kind', y->>'returns', y->>'arguments'));
    dropped_funcs := remade_funcs || ARRAY(SELECT x FROM jsonb_object_keys(a_f) x WHERE NOT b_f ? x);
    LOOP
        remaining := ARRAY(SELECT x FROM jsonb_each(a_f) e(x, y)
                           WHERE b_f ? x AND NOT x = ANY (dropped_funcs)
                             AND migrate.uses_any(y, 'uses', dropped_funcs));
        EXIT WHEN cardinality(remaining) = 0;
        remade_funcs := remade_funcs || remaining;
        dropped_funcs := dropped_funcs || remaining;
    END LOOP;

    -- the checks and defaults of domains that call user functions: a
    -- domain is made (and made again by a downgrade) without them, since
    -- the functions may take it as an argument and so come after it; they
    -- are added once the functions exist (below) and dropped here, before
    -- any function goes, when they change, their domain goes or is made
    -- again, or a function they call is made again
    FOR k, cname, c, v IN SELECT p.k, p.part, p.def, p.dom FROM migrate.domain_function_parts(a_ty) p
                          WHERE NOT migrate.domain_part_stays(p.dom, b_ty->p.k, p.part, p.def, dropped_funcs)
                          ORDER BY 1, 2 LOOP
        IF cname IS NOT NULL THEN
            dropped := dropped || ('domain constraint:' || k || '.' || cname);
        END IF;
        one := migrate.domain_part_step(k, cname, c, v, false, NULL);
        steps := steps || one;
    END LOOP;

    -- domains, composite and range types: new ones (those they are made of
    -- first), and changes
    FOREACH k IN ARRAY migrate.dep_order(b_ty, ARRAY(SELECT jsonb_object_keys(b_ty)), 'types') LOOP
        v := b_ty->k;
        w := a_ty->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF w IS NOT NULL AND w->>'kind' = v->>'kind' AND v->>'kind' = 'domain'
           AND (w->>'base', w->>'collation') IS NOT DISTINCT FROM (v->>'base', v->>'collation') THEN
            -- (a default or check that calls user functions is dropped above
            -- and added after the functions: here as if it had none)
            prev := CASE WHEN w ? 'default_uses' THEN NULL ELSE w->>'default' END;
            nxt := CASE WHEN v ? 'default_uses' THEN NULL ELSE v->>'default' END;
            IF prev IS DISTINCT FROM nxt THEN
                steps := steps || ROW('alter domain', k,
                    format('ALTER DOMAIN %s %s', qt, coalesce('SET DEFAULT ' || nxt, 'DROP DEFAULT')),
                    format('ALTER DOMAIN %s %s', qt, coalesce('SET DEFAULT ' || prev, 'DROP DEFAULT')),
                    NULL)::migrate.diff_step;
            END IF;
            IF (w->>'not_null')::boolean <> (v->>'not_null')::boolean THEN
                steps := steps || ROW('alter domain', k,
                    format('ALTER DOMAIN %s %s NOT NULL', qt, CASE WHEN (v->>'not_null')::boolean THEN 'SET' ELSE 'DROP' END),
                    format('ALTER DOMAIN %s %s NOT NULL', qt, CASE WHEN (w->>'not_null')::boolean THEN 'SET' ELSE 'DROP' END),
                    CASE WHEN (v->>'not_null')::boolean THEN 'fails if a column of the domain holds NULLs' END)::migrate.diff_step;
            END IF;
            FOR cname, c IN SELECT x, y FROM jsonb_each(w->'constraints') e(x, y)
                            WHERE NOT y ? 'uses'
                              AND (CASE WHEN v->'constraints'->x ? 'uses' THEN NULL ELSE v->'constraints'->x->>'definition' END)
                                  IS DISTINCT FROM y->>'definition' ORDER BY 1 LOOP
                dropped := dropped || ('domain constraint:' || k || '.' || cname);
                steps := steps || ROW('drop domain constraint', k || '.' || cname,
                    format('ALTER DOMAIN %s DROP CONSTRAINT %I', qt, cname),
                    migrate.with_comment(format('ALTER DOMAIN %s ADD CONSTRAINT %I %s', qt, cname, c->>'definition'),
                                         'CONSTRAINT', format('%I ON DOMAIN %s', cname, qt), c->>'comment'),
                    NULL)::migrate.diff_step;
            END LOOP;
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'constraints') e(x, y)
                            WHERE NOT y ? 'uses'
                              AND (CASE WHEN w->'constraints'->x ? 'uses' THEN NULL ELSE w->'constraints'->x->>'definition' END)
                                  IS DISTINCT FROM y->>'definition' ORDER BY 1 LOOP
                steps := steps || ROW('add domain constraint', k || '.' || cname,
                    migrate.with_comment(format('ALTER DOMAIN %s ADD CONSTRAINT %I %s', qt, cname, c->>'definition'),
                                         'CONSTRAINT', format('%I ON DOMAIN %s', cname, qt), c->>'comment'),
                    format('ALTER DOMAIN %s DROP CONSTRAINT %I', qt, cname),
                    'fails if a column of the domain holds a value it rejects')::migrate.diff_step;
            END LOOP;
            CONTINUE;
        END IF;
        IF w IS NOT NULL AND w->>'kind' = v->>'kind' AND v->>'kind' = 'composite'
           AND migrate.attributes_appended(w, v) THEN
            -- attributes that go, change type or collation, and new ones (last)
            FOR c IN SELECT x FROM jsonb_array_elements(w->'attributes') WITH ORDINALITY AS e(x, o)
                     WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v->'attributes') y WHERE y->>'name' = x->>'name')
                     ORDER BY o LOOP
                steps := steps || ROW('drop attribute', k || '.' || (c->>'name'),
                    format('ALTER TYPE %s DROP ATTRIBUTE %I', qt, c->>'name'),
                    migrate.with_comment(format('ALTER TYPE %s ADD ATTRIBUTE %I %s', qt, c->>'name', c->>'type')
                                         || coalesce(' COLLATE ' || (c->>'collation'), ''),
                                         'COLUMN', qt || '.' || quote_ident(c->>'name'), c->>'comment'),
                    NULL)::migrate.diff_step;
            END LOOP;
            FOR c, oc IN SELECT y, x FROM jsonb_array_elements(v->'attributes') WITH ORDINALITY AS e(y, o)
                         LEFT JOIN LATERAL (SELECT x FROM jsonb_array_elements(w->'attributes') x
                                            WHERE x->>'name' = y->>'name') old ON true
                         ORDER BY o LOOP
                IF oc IS NULL THEN
                    steps := steps || ROW('add attribute', k || '.' || (c->>'name'),
                        migrate.with_comment(format('ALTER TYPE %s ADD ATTRIBUTE %I %s', qt, c->>'name', c->>'type')
                                             || coalesce(' COLLATE ' || (c->>'collation'), ''),
                                             'COLUMN', qt || '.' || quote_ident(c->>'name'), c->>'comment'),
                        format('ALTER TYPE %s DROP ATTRIBUTE %I', qt, c->>'name'), NULL)::migrate.diff_step;
                ELSIF (oc->>'type', oc->>'collation') IS DISTINCT FROM (c->>'type', c->>'collation') THEN
                    steps := steps || ROW('alter attribute', k || '.' || (c->>'name'),
                        format('ALTER TYPE %s ALTER ATTRIBUTE %I TYPE %s%s', qt, c->>'name', c->>'type',
                               coalesce(' COLLATE ' || (c->>'collation'), '')),
                        format('ALTER TYPE %s ALTER ATTRIBUTE %I TYPE %s%s', qt, c->>'name', oc->>'type',
                               coalesce(' COLLATE ' || (oc->>'collation'), '')),
                        NULL)::migrate.diff_step;
                END IF;
            END LOOP;
            CONTINUE;
        END IF;
        IF w IS NOT NULL AND (w - 'comment') = (v - 'comment') THEN
            CONTINUE;
        END IF;
        IF w IS NOT NULL THEN
            -- a domain over another type, a range, a kind that changes, a
            -- composite type whose attributes change order: made again
            dropped := dropped || ('type:' || k);
            steps := steps || ROW('drop type', k,
                format('DROP %s %s', CASE WHEN w->>'kind' = 'domain' THEN 'DOMAIN' ELSE 'TYPE' END, qt),
                migrate.type_ddl(w),
                'the type is dropped and created again: fails while columns or functions use it')::migrate.diff_step;
        END IF;
        steps := steps || ROW('create type', k, migrate.type_ddl(v),
            format('DROP %s %s', CASE WHEN v->>'kind' = 'domain' THEN 'DOMAIN' ELSE 'TYPE' END, qt), NULL)::migrate.diff_step;
    END LOOP;

    -- functions, procedures and aggregates: a changed body (same arguments,
    -- result and kind) is CREATE OR REPLACE; any other change drops and
    -- creates it again, and with it the functions that use it
    -- created once the tables exist: those that take or return a row type
    late_funcs := ARRAY(SELECT x FROM jsonb_each(b_f) e(x, y) WHERE jsonb_typeof(y->'tables') = 'array');
    FOREACH k IN ARRAY migrate.dep_order(b_f, ARRAY(SELECT jsonb_object_keys(b_f)), 'uses') LOOP
        v := b_f->k;
        w := a_f->k;
        IF w IS NULL AND NOT k = ANY (late_funcs) THEN
            steps := steps || ROW('create function', k, migrate.function_ddl(v),
                'DROP ' || migrate.function_target(v), NULL)::migrate.diff_step;
        ELSIF w IS NOT NULL AND NOT k = ANY (remade_funcs) AND w->>'definition' <> v->>'definition' THEN
            steps := steps || ROW('replace function', k, migrate.function_ddl(v - 'comment'),
                migrate.function_ddl(w - 'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;

    -- ---- new operators and casts over functions made above (and types):
    -- before the defaults, checks, indexes and views that may use them.
    -- Those over a function made later, or made again, come at the end ----
    FOR k, v IN SELECT x, y FROM jsonb_each(b_op) e(x, y)
                WHERE NOT a_op ? x AND NOT migrate.uses_any(y, 'uses', late_funcs || remade_funcs)
                  -- not before an operator made below that names it one way
                  -- (operator_rank): that one comes first
                  AND NOT EXISTS (SELECT 1 FROM unnest(migrate.operators_naming(b_op, x, y)) n
                                  WHERE (a_op->n->>'definition') IS DISTINCT FROM (b_op->n->>'definition')
                                     OR migrate.uses_any(b_op->n, 'uses', late_funcs || remade_funcs))
                ORDER BY migrate.operator_rank(b_op, x, y), 1 LOOP
        made_early := made_early || ('operator:' || k);
        steps := steps || ROW('create operator', k,
            migrate.with_comment(v->>'definition', 'OPERATOR', migrate.operator_target(v), v->>'comment'),
            'DROP OPERATOR ' || migrate.operator_target(v), NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_ca) e(x, y)
                WHERE NOT a_ca ? x AND NOT migrate.uses_any(y, 'uses', late_funcs || remade_funcs) ORDER BY 1 LOOP
        made_early := made_early || ('cast:' || k);
        steps := steps || ROW('create cast', k,
            migrate.with_comment(v->>'definition', 'CAST', migrate.cast_target(v), v->>'comment'),
            'DROP CAST ' || migrate.cast_target(v), NULL)::migrate.diff_step;
    END LOOP;
    -- operator classes whose operators exist by now (made above, or the same in both)
    FOR k, v IN SELECT x, y FROM jsonb_each(b_oc) e(x, y)
                WHERE NOT a_oc ? x AND NOT migrate.uses_any(y, 'uses', late_funcs || remade_funcs)
                  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(
                                      CASE WHEN jsonb_typeof(y->'operators') = 'array' THEN y->'operators' ELSE '[]' END) o
                                  WHERE NOT ('operator:' || o) = ANY (made_early)
                                    AND ((a_op->o->>'definition') IS DISTINCT FROM (b_op->o->>'definition')
                                         OR migrate.uses_any(a_op->o, 'uses', dropped_funcs)))
                ORDER BY 1 LOOP
        made_early := made_early || ('opclass:' || k);
        steps := steps || ROW('create operator class', k,
            migrate.with_comment(v->>'definition', 'OPERATOR CLASS', format('%I.%I USING %I', v->>'schema', v->>'name', v->>'method'), v->>'comment'),
            format('DROP OPERATOR FAMILY %I.%I USING %I', v->>'schema', v->>'name', v->>'method'), NULL)::migrate.diff_step;
    END LOOP;
    -- ---- end ----
    -- standalone sequences
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'sequences') e(x, y) ORDER BY 1 LOOP
        w := a->'sequences'->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF w IS NULL THEN
            steps := steps || ROW('create sequence', k, migrate.with_comment(migrate.sequence_ddl(v), 'SEQUENCE', qt, v->>'comment'),
                format('DROP SEQUENCE %s', qt), NULL)::migrate.diff_step;
        ELSIF w - 'comment' - 'owned_by' <> v - 'comment' - 'owned_by' THEN
            -- the options that change (OWNED BY is a step once the columns exist)
            steps := steps || ROW('alter sequence', k,
                concat_ws(E';\n', migrate.sequence_raise(qt, v, w), format('ALTER SEQUENCE %s %s', qt, array_to_string(
                    CASE WHEN w->>'type' <> v->>'type' THEN ARRAY['AS ' || (v->>'type')] ELSE '{}' END
                    || migrate.sequence_options(v, w, NULL), ' '))),
                concat_ws(E';\n', migrate.sequence_raise(qt, w, v), format('ALTER SEQUENCE %s %s', qt, array_to_string(
                    CASE WHEN w->>'type' <> v->>'type' THEN ARRAY['AS ' || (w->>'type')] ELSE '{}' END
                    || migrate.sequence_options(w, v, NULL), ' '))),
                -- (a raised MINVALUE moves the value up: only a lowered MAXVALUE can fail)
                CASE WHEN (v->>'max')::numeric < (w->>'max')::numeric OR (v->>'min')::numeric > (w->>'max')::numeric
                     THEN migrate.sequence_narrows(v, w) END)::migrate.diff_step;
        END IF;
    END LOOP;

    -- columns that cannot be altered into their new form are dropped and added
    -- again; the constraints and indexes over them, and the foreign keys
    -- that reference their table, go and come back with them
    SELECT coalesce(array_agg(t.k || '.' || (nc->>'name')), '{}') INTO replaced
    FROM jsonb_each(b_t) t(k, v)
    CROSS JOIN LATERAL jsonb_array_elements(t.v->'columns') nc
    JOIN LATERAL jsonb_array_elements(a_t->t.k->'columns') old_c ON old_c->>'name' = nc->>'name'
    WHERE (old_c->>'generated') IS DISTINCT FROM (nc->>'generated')
       OR ((old_c->>'type' ~ 'serial$') <> (nc->>'type' ~ 'serial$'));

    -- columns that go, are made again or change type: the triggers and
    -- policies over them go first and come back after
    SELECT coalesce(array_agg(t.k || '.' || (old_c->>'name')), '{}') INTO touched_cols
    FROM jsonb_each(a_t) t(k, v)
    CROSS JOIN LATERAL jsonb_array_elements(t.v->'columns') old_c
    LEFT JOIN LATERAL (SELECT x FROM jsonb_array_elements(b_t->t.k->'columns') x
                       WHERE x->>'name' = old_c->>'name') nc ON true
    WHERE nc.x IS NULL OR (nc.x->>'type', nc.x->>'collation') IS DISTINCT FROM (old_c->>'type', old_c->>'collation')
       OR (t.k || '.' || (old_c->>'name')) = ANY (replaced);

    -- tables whose keys (primary, unique, exclusion, unique indexes) go or
    -- change: the foreign keys to them go first and come back after
    SELECT coalesce(array_agg(t.k), '{}') INTO key_tables
    FROM jsonb_each(a_t) t(k, v)
    WHERE b_t ? t.k
      AND (EXISTS (SELECT 1 FROM jsonb_each(t.v->'constraints') con(n, d)
                   WHERE d->>'type' IN ('p', 'u', 'x')
                     AND ((b_t->t.k->'constraints'->n) - '{comment,index_comment}'::text[] IS DISTINCT FROM d - '{comment,index_comment}'::text[]
                          OR migrate.touches_replaced(t.k, d, replaced)
                          OR migrate.uses_any(d, 'uses', dropped_funcs)))
           OR EXISTS (SELECT 1 FROM jsonb_each(t.v->'indexes') ix(n, d)
                      WHERE d->>'definition' LIKE 'CREATE UNIQUE INDEX %'
                        AND ((b_t->t.k->'indexes'->n) - 'comment' IS DISTINCT FROM d - 'comment'
                             OR migrate.touches_replaced(t.k, d, replaced)
                             OR migrate.uses_any(d, 'uses', dropped_funcs))));
    -- ---- tables that become UNLOGGED or LOGGED: their foreign keys, to and
    -- from them, go first and come back after ----
    persist_tables := ARRAY(SELECT x FROM jsonb_object_keys(b_t) x
                            WHERE a_t ? x AND coalesce((b_t->x->>'unlogged')::boolean, false)
                                              <> coalesce((a_t->x->>'unlogged')::boolean, false) ORDER BY 1);
    key_tables := key_tables || persist_tables;
    -- ---- end ----

    -- tables whose existing columns change or go: the views over them are recreated
    FOR k, v IN SELECT x, y FROM jsonb_each(a_t) e(x, y) LOOP
        w := b_t->k;
        IF w IS NULL OR (w->'columns' <> v->'columns' AND EXISTS (
            SELECT 1 FROM jsonb_array_elements(v->'columns') old_c
            WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(w->'columns') nc
                              WHERE nc->>'name' = old_c->>'name'
                                -- (STORAGE and STATISTICS are altered in place)
                                AND nc - 'comment' - 'storage' - 'storage_default' - 'statistics'
                                    = old_c - 'comment' - 'storage' - 'storage_default' - 'statistics'))) THEN
            changed_tables := changed_tables || k;
        END IF;
    END LOOP;
    -- views to drop: removed, changed, over a changed table or over a view that goes
    SELECT coalesce(array_agg(x), '{}') INTO drop_views
    FROM jsonb_each(a_v) e(x, y)
    WHERE NOT b_v ? x
       OR (b_v->x) - 'comment' - 'column_comments' - 'indexes' - 'options' <> y - 'comment' - 'column_comments' - 'indexes' - 'options'
       OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(y->'uses') u WHERE u = ANY (changed_tables))
       OR migrate.uses_any(y, 'uses', dropped_funcs);
    LOOP
        SELECT coalesce(array_agg(x), '{}') INTO remaining
        FROM jsonb_each(a_v) e(x, y)
        WHERE NOT x = ANY (drop_views)
          AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(y->'uses') u WHERE u = ANY (drop_views));
        EXIT WHEN cardinality(remaining) = 0;
        drop_views := drop_views || remaining;
    END LOOP;
    -- dropped users first: a view goes before the views it uses
    ordered := '{}';
    remaining := drop_views;
    WHILE cardinality(remaining) > 0 LOOP
        SELECT coalesce(array_agg(x ORDER BY x), '{}') INTO drop_views
        FROM unnest(remaining) x
        WHERE NOT EXISTS (SELECT 1 FROM unnest(remaining) y
                          WHERE y <> x AND (a_v->y->'uses') ? x);
        IF cardinality(drop_views) = 0 THEN
            RAISE EXCEPTION 'views % use each other in a cycle', remaining USING ERRCODE = 'invalid_parameter_value';
        END IF;
        ordered := ordered || drop_views;
        remaining := ARRAY(SELECT x FROM unnest(remaining) x WHERE NOT x = ANY (drop_views));
    END LOOP;
    drop_views := ordered;

    -- triggers that go or change, on a relation that goes, over a function
    -- that is dropped or a column that changes
    FOR k, v IN SELECT x, y FROM jsonb_each(a_tr) e(x, y)
                WHERE NOT b_tr ? x
                   OR (b_tr->x) - 'comment' - 'enabled' <> y - 'comment' - 'enabled'
                   OR y->>'relation' = ANY (drop_views)
                   OR migrate.uses_any(y, 'uses', dropped_funcs)
                   OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(
                                  CASE WHEN jsonb_typeof(y->'columns') = 'array' THEN y->'columns' ELSE '[]' END) tc
                              WHERE (y->>'relation') || '.' || tc = ANY (touched_cols))
                ORDER BY 1 LOOP
        dropped := dropped || ('trigger:' || k);
        steps := steps || ROW('drop trigger', k,
            format('DROP TRIGGER %I ON %I.%I', v->>'name', v->>'schema', v->>'table'),
            migrate.trigger_ddl(v), NULL)::migrate.diff_step;
    END LOOP;

    -- policies likewise
    FOR k, v IN SELECT x, y FROM jsonb_each(a_t) e(x, y) ORDER BY 1 LOOP
        CONTINUE WHEN coalesce(v->'policies', '{}') = '{}';   -- (no query for a table without)
        w := b_t->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        FOR cname, c IN SELECT x, y FROM jsonb_each(coalesce(v->'policies', '{}')) e(x, y)
                        WHERE (w->'policies'->x) IS NULL
                           OR (w->'policies'->x) - 'comment' <> y - 'comment'
                           OR migrate.uses_any(y, 'uses', dropped_funcs)
                           OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(
                                          CASE WHEN jsonb_typeof(y->'columns') = 'array' THEN y->'columns' ELSE '[]' END) pc
                                      WHERE k || '.' || pc = ANY (touched_cols))
                        ORDER BY 1 LOOP
            dropped := dropped || ('policy:' || k || '.' || cname);
            steps := steps || ROW('drop policy', k || '.' || cname,
                format('DROP POLICY %I ON %s', cname, qt), migrate.policy_ddl(qt, cname, c), NULL)::migrate.diff_step;
        END LOOP;
    END LOOP;

    -- indexes of materialized views that stay
    FOR k, v IN SELECT x, y FROM jsonb_each(a_v) e(x, y) WHERE NOT x = ANY (drop_views) ORDER BY 1 LOOP
        FOR cname, c IN SELECT x, y FROM jsonb_each(coalesce(v->'indexes', '{}')) e(x, y)
                        WHERE (b_v->k->'indexes'->x) - 'comment' IS DISTINCT FROM y - 'comment' ORDER BY 1 LOOP
            dropped := dropped || ('index:' || k || '.' || cname);
            steps := steps || ROW('drop index', k || '.' || cname, format('DROP INDEX %I.%I', v->>'schema', cname),
                migrate.with_comment(c->>'definition', 'INDEX', format('%I.%I', v->>'schema', cname), c->>'comment'),
                NULL)::migrate.diff_step;
        END LOOP;
    END LOOP;

    -- ---- rules, event triggers, extended statistics and replica
    -- identities that go first: removed, changed, or over what goes or
    -- changes (a relation, a column, a function); the downgrade makes them
    -- again once what they use is back ----
    FOR k, v IN SELECT x, y FROM jsonb_each(a_ru) e(x, y)
                WHERE NOT b_ru ? x
                   OR (b_ru->x) - 'comment' - 'enabled' <> y - 'comment' - 'enabled'
                   OR y->>'relation' = ANY (drop_views || changed_tables)
                   OR migrate.uses_any(y, 'relations', drop_views || changed_tables)
                   OR migrate.uses_any(y, 'uses', dropped_funcs)
                ORDER BY 1 LOOP
        dropped := dropped || ('rule:' || k);
        steps := steps || ROW('drop rule', k, format('DROP RULE %I ON %I.%I', v->>'name', v->>'schema', v->>'table'),
            migrate.rule_ddl(v), NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a_et) e(x, y)
                WHERE NOT b_et ? x
                   OR (b_et->x) - 'comment' - 'enabled' <> y - 'comment' - 'enabled'
                   OR migrate.uses_any(y, 'uses', dropped_funcs)
                ORDER BY 1 LOOP
        dropped := dropped || ('event trigger:' || k);
        steps := steps || ROW('drop event trigger', k, format('DROP EVENT TRIGGER %I', k),
            migrate.event_trigger_ddl(v), NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a_st) e(x, y)
                WHERE NOT b_st ? x
                   OR (b_st->x) - 'comment' - 'target' <> y - 'comment' - 'target'
                   OR NOT b_t ? (y->>'relation')
                   OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(
                                  CASE WHEN jsonb_typeof(y->'columns') = 'array' THEN y->'columns' ELSE '[]' END) sc
                              WHERE (y->>'relation') || '.' || sc = ANY (touched_cols))
                   OR migrate.uses_any(y, 'uses', dropped_funcs)
                ORDER BY 1 LOOP
        dropped := dropped || ('statistics:' || k);
        steps := steps || ROW('drop statistics', k, format('DROP STATISTICS %I.%I', v->>'schema', v->>'name'),
            migrate.statistics_ddl(v), NULL)::migrate.diff_step;
    END LOOP;
    -- STORAGE and STATISTICS of columns that go, are made again, or change
    -- type (which resets STORAGE to the new type's): back to the defaults
    -- first, so that the downgrade sets them again once the column is back
    FOR k, v IN SELECT x, y FROM jsonb_each(a_t) e(x, y) WHERE b_t ? x ORDER BY 1 LOOP
        w := b_t->k;
        t := jsonb_build_object('schema', v->>'schema', 'name', v->>'name', 'columns', coalesce((
            SELECT jsonb_agg(CASE WHEN nc.x IS NULL OR (k || '.' || (old_c->>'name')) = ANY (replaced)
                                  THEN old_c ELSE old_c - 'statistics' END ORDER BY o)
            FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS e(old_c, o)
            LEFT JOIN LATERAL (SELECT x FROM jsonb_array_elements(w->'columns') x
                               WHERE x->>'name' = old_c->>'name') nc ON true
            WHERE (old_c ? 'storage' OR old_c ? 'statistics')
              AND (nc.x IS NULL OR (k || '.' || (old_c->>'name')) = ANY (replaced)
                   OR (old_c ? 'storage' AND nc.x->>'type' <> old_c->>'type'))), '[]'));
        CONTINUE WHEN jsonb_array_length(t->'columns') = 0;
        steps := steps || migrate.table_property_steps(k, t, jsonb_set(t, '{columns}', (
            SELECT jsonb_agg(x - 'storage' - 'statistics' ORDER BY o)
            FROM jsonb_array_elements(t->'columns') WITH ORDINALITY AS e(x, o))));
    END LOOP;
    -- a replica identity index that may go: back to the default first
    FOR k, v IN SELECT x, y FROM jsonb_each(a_t) e(x, y)
                WHERE b_t ? x AND y->>'replica_identity' = 'index'
                  AND (b_t->x->>'replica_identity', b_t->x->>'replica_index') IS DISTINCT FROM ('index', y->>'replica_index')
                ORDER BY 1 LOOP
        qt := format('%I.%I', v->>'schema', v->>'name');
        dropped := dropped || ('replica identity:' || k);
        steps := steps || ROW('replica identity', k, migrate.replica_identity_ddl(qt, '{}'),
            migrate.replica_identity_ddl(qt, v), NULL)::migrate.diff_step;
    END LOOP;
    -- ---- end ----

    -- ---- publications, tables' CLUSTER ON, operators and casts that go
    -- first: a publication (or its entry for a table) that goes or changes,
    -- or names a column that goes or changes; the CLUSTER ON of a table
    -- whose index may go; an operator or cast that changes or is over a
    -- function dropped.  The downgrade makes them again once what they use
    -- is back ----
    FOR k, v IN SELECT x, y FROM jsonb_each(a_pu) e(x, y) ORDER BY 1 LOOP
        w := b_pu->k;
        IF w IS NULL OR (w->>'all_tables')::boolean <> (v->>'all_tables')::boolean THEN
            dropped := dropped || ('publication:' || k);
            steps := steps || ROW('drop publication', k, format('DROP PUBLICATION %I', k), migrate.publication_ddl(v),
                NULL)::migrate.diff_step;
            CONTINUE;
        END IF;
        FOR cname, c IN SELECT x, y FROM jsonb_each(coalesce(v->'tables', '{}')) e(x, y)
                        WHERE (w->'tables'->x) IS DISTINCT FROM y
                           OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(
                                          CASE WHEN jsonb_typeof(y->'columns') = 'array' THEN y->'columns' ELSE '[]' END) pc
                                      WHERE x || '.' || pc = ANY (touched_cols))
                        ORDER BY 1 LOOP
            dropped := dropped || ('publication table:' || k || ':' || cname);
            steps := steps || ROW('alter publication', k || ':' || cname,
                format('ALTER PUBLICATION %I DROP TABLE %I.%I', k, c->>'schema', c->>'name'),
                format('ALTER PUBLICATION %I ADD TABLE %s', k, migrate.publication_table(c)), NULL)::migrate.diff_step;
        END LOOP;
        FOR cname IN SELECT x FROM jsonb_array_elements_text(coalesce(v->'schemas', '[]')) x
                     WHERE NOT coalesce(w->'schemas', '[]') ? x ORDER BY 1 LOOP
            steps := steps || ROW('alter publication', k || ':' || cname,
                format('ALTER PUBLICATION %I DROP TABLES IN SCHEMA %I', k, cname),
                format('ALTER PUBLICATION %I ADD TABLES IN SCHEMA %I', k, cname), NULL)::migrate.diff_step;
        END LOOP;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a_t) e(x, y) WHERE y ? 'cluster_on' ORDER BY 1 LOOP
        w := b_t->k;
        CONTINUE WHEN w IS NOT NULL AND w->>'cluster_on' = v->>'cluster_on'
                      AND (w->'indexes'->(v->>'cluster_on')) - 'comment' IS NOT DISTINCT FROM (v->'indexes'->(v->>'cluster_on')) - 'comment'
                      AND (w->'constraints'->(v->>'cluster_on')) - 'comment' IS NOT DISTINCT FROM (v->'constraints'->(v->>'cluster_on')) - 'comment'
                      AND NOT k = ANY (key_tables)
                      AND NOT EXISTS (SELECT 1 FROM unnest(touched_cols || replaced) x WHERE x LIKE k || '.%')
                      AND cardinality(dropped_funcs) = 0;
        qt := format('%I.%I', v->>'schema', v->>'name');
        dropped := dropped || ('cluster:' || k);
        steps := steps || ROW('cluster on', k, format('ALTER TABLE %s SET WITHOUT CLUSTER', qt),
            format('ALTER TABLE %s CLUSTER ON %I', qt, v->>'cluster_on'), NULL)::migrate.diff_step;
    END LOOP;
    drop_ops := ARRAY(SELECT x FROM jsonb_each(a_op) e(x, y)
                      WHERE (b_op ? x AND (b_op->x->>'definition' <> y->>'definition' OR migrate.uses_any(y, 'uses', dropped_funcs)))
                         OR (NOT b_op ? x AND migrate.uses_any(y, 'uses', remade_funcs)));
    -- and an operator that goes, named one way by one of those: dropped
    -- before it, so that the downgrade makes it after (operator_rank)
    drop_ops := drop_ops || ARRAY(SELECT x FROM jsonb_each(a_op) e(x, y)
                                  WHERE NOT b_op ? x AND NOT x = ANY (drop_ops)
                                    AND migrate.operators_naming(a_op, x, y) && drop_ops);
    -- operator classes before their operators (DROP OPERATOR FAMILY: the
    -- class goes with the family it was made with)
    FOR k, v IN SELECT x, y FROM jsonb_each(a_oc) e(x, y)
                WHERE (b_oc ? x AND (b_oc->x->>'definition' <> y->>'definition' OR migrate.uses_any(y, 'uses', dropped_funcs)
                                     OR migrate.uses_any(y, 'operators', drop_ops)))
                   OR (NOT b_oc ? x AND (migrate.uses_any(y, 'uses', remade_funcs) OR migrate.uses_any(y, 'operators', drop_ops)))
                ORDER BY 1 LOOP
        dropped := dropped || ('opclass:' || k);
        steps := steps || ROW('drop operator class', k, format('DROP OPERATOR FAMILY %I.%I USING %I', v->>'schema', v->>'name', v->>'method'),
            migrate.with_comment(v->>'definition', 'OPERATOR CLASS', format('%I.%I USING %I', v->>'schema', v->>'name', v->>'method'), v->>'comment'),
            CASE WHEN b_oc ? k THEN 'the operator class is dropped and created again: fails while indexes use it' END)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a_op) e(x, y) WHERE x = ANY (drop_ops) ORDER BY migrate.operator_rank(a_op, x, y) DESC, 1 LOOP
        dropped := dropped || ('operator:' || k);
        steps := steps || ROW('drop operator', k, 'DROP OPERATOR ' || migrate.operator_target(v),
            migrate.with_comment(v->>'definition', 'OPERATOR', migrate.operator_target(v), v->>'comment'),
            CASE WHEN b_op ? k THEN 'the operator is dropped and created again: fails while indexes, constraints or views use it' END)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a_ca) e(x, y)
                WHERE (b_ca ? x AND (b_ca->x->>'definition' <> y->>'definition' OR migrate.uses_any(y, 'uses', dropped_funcs)))
                   OR (NOT b_ca ? x AND migrate.uses_any(y, 'uses', remade_funcs))
                ORDER BY 1 LOOP
        dropped := dropped || ('cast:' || k);
        steps := steps || ROW('drop cast', k, 'DROP CAST ' || migrate.cast_target(v),
            migrate.with_comment(v->>'definition', 'CAST', migrate.cast_target(v), v->>'comment'),
            CASE WHEN b_ca ? k THEN 'the cast is dropped and created again: fails while views or defaults use it' END)::migrate.diff_step;
    END LOOP;
    -- ---- end ----

    FOREACH k IN ARRAY drop_views LOOP
        v := a_v->k;
        steps := steps || ROW('drop view', k, migrate.view_drop(v), migrate.view_full_ddl(v),
            CASE WHEN (v->>'materialized')::boolean THEN 'the materialized view is refilled when it is created again' END)::migrate.diff_step;
    END LOOP;

    -- constraints and indexes that go or change, on tables that stay: every
    -- foreign key first, since one may use the key of another table that goes
    -- (a table that goes drops here only its foreign keys to a key made again)
    FOR i IN 1 .. 2 LOOP
        FOR k, v IN SELECT x, y FROM jsonb_each(a_t) e(x, y)
                    WHERE b_t ? x OR i = 1 ORDER BY 1 LOOP
            w := b_t->k;
            -- nothing goes from a table that goes or stays the same unless
            -- a column is made again, a key changes or a function goes
            CONTINUE WHEN cardinality(replaced) = 0 AND cardinality(key_tables) = 0
                          AND (w IS NULL OR (cardinality(dropped_funcs) = 0 AND w->'constraints' = v->'constraints'
                                             AND w->'indexes' = v->'indexes'));
            qt := format('%I.%I', v->>'schema', v->>'name');
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'constraints') e(x, y)
                            WHERE (CASE WHEN w IS NULL THEN migrate.touches_replaced(k, y, replaced)
                                        ELSE (w->'constraints'->x) - '{comment,index_comment}'::text[] IS DISTINCT FROM y - '{comment,index_comment}'::text[]
                                             OR migrate.touches_replaced(k, y, replaced)
                                             OR migrate.uses_any(y, 'uses', dropped_funcs) END
                                   OR (y->>'type' = 'f' AND y->>'references' = ANY (key_tables))
                                   OR (y->>'type' = 'f' AND k = ANY (persist_tables)))
                              AND ((y->>'type' = 'f') = (i = 1))
                            ORDER BY x LOOP
                IF w IS NULL THEN
                    early_fks := early_fks || (k || '.' || cname);
                END IF;
                dropped := dropped || ('constraint:' || k || '.' || cname);
                steps := steps || ROW('drop constraint', k || '.' || cname,
                    -- (a child of its parent's index, dropped with it just before)
                    format('ALTER TABLE %s DROP CONSTRAINT %s%I', qt,
                           CASE WHEN v->>'partition_bound' IS NOT NULL AND cname = ANY (migrate.own_key_children(v)) THEN 'IF EXISTS ' ELSE '' END, cname),
                    concat_ws(E';\n', migrate.constraint_ddl(qt, v->>'schema', cname, c),
                              CASE WHEN a_parts ? k AND c->>'type' IN ('p', 'u', 'x') THEN
                                   migrate.child_renames(a_t, a_parts, k, cname, true, NULL, moved) END),
                    NULL)::migrate.diff_step;
            END LOOP;
            CONTINUE WHEN i = 1;
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'indexes') e(x, y)
                            WHERE (w->'indexes'->x) - 'comment' IS DISTINCT FROM y - 'comment'
                               OR migrate.touches_replaced(k, y, replaced)
                               OR migrate.uses_any(y, 'uses', dropped_funcs) ORDER BY 1 LOOP
                dropped := dropped || ('index:' || k || '.' || cname);
                steps := steps || ROW('drop index', k || '.' || cname,
                    format('DROP INDEX %I.%I', v->>'schema', cname)
                    || CASE WHEN a_parts ? k AND migrate.takes_own_keys(a_t, a_parts, k, cname) THEN ' CASCADE' ELSE '' END,
                    concat_ws(E';\n', migrate.with_comment(c->>'definition', 'INDEX', format('%I.%I', v->>'schema', cname), c->>'comment'),
                              CASE WHEN a_parts ? k THEN migrate.child_renames(a_t, a_parts, k, cname, false, NULL, moved) END),
                    NULL)::migrate.diff_step;
            END LOOP;
        END LOOP;
    END LOOP;

    -- defaults over a function that is dropped, on tables that stay, and
    -- the defaults, checks and indexes of tables that go over a function
    -- made again (the table goes later; the function goes now)
    FOR k, v IN SELECT x, y FROM jsonb_each(a_t) e(x, y) ORDER BY 1 LOOP
        w := b_t->k;
        -- (nothing to look for without such functions: a query per table
        -- costs more than the rest of the diff)
        CONTINUE WHEN cardinality(CASE WHEN w IS NULL THEN remade_funcs ELSE dropped_funcs END) = 0;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF w IS NULL THEN
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'constraints') e(x, y)
                            WHERE migrate.uses_any(y, 'uses', remade_funcs) AND NOT (k || '.' || x) = ANY (early_fks)
                            ORDER BY 1 LOOP
                early_fks := early_fks || (k || '.' || cname);
                steps := steps || ROW('drop constraint', k || '.' || cname,
                    format('ALTER TABLE %s DROP CONSTRAINT %I', qt, cname),
                    migrate.constraint_ddl(qt, v->>'schema', cname, c),
                    NULL)::migrate.diff_step;
            END LOOP;
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'indexes') e(x, y)
                            WHERE migrate.uses_any(y, 'uses', remade_funcs) ORDER BY 1 LOOP
                early_idx := early_idx || (k || '.' || cname);
                steps := steps || ROW('drop index', k || '.' || cname,
                    format('DROP INDEX %I.%I', v->>'schema', cname),
                    migrate.with_comment(c->>'definition', 'INDEX', format('%I.%I', v->>'schema', cname), c->>'comment'),
                    NULL)::migrate.diff_step;
            END LOOP;
        END IF;
        FOR c IN SELECT x FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS e(x, o)
                 WHERE migrate.uses_any(x, 'uses', CASE WHEN w IS NULL THEN remade_funcs ELSE dropped_funcs END)
                 ORDER BY o LOOP
            steps := steps || ROW('drop default', k || '.' || (c->>'name'),
                format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT', qt, c->>'name'),
                format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT %s', qt, c->>'name', c->>'default'),
                NULL)::migrate.diff_step;
        END LOOP;
    END LOOP;

    -- functions made again: dropped now that nothing uses them (users
    -- first), created again before what uses them
    ordered := migrate.dep_order(a_f, remade_funcs, 'uses');
    FOR i IN REVERSE cardinality(ordered) .. 1 LOOP
        k := ordered[i];
        w := a_f->k;
        dropped := dropped || ('function:' || k);
        steps := steps || ROW('drop function', k, 'DROP ' || migrate.function_target(w), migrate.function_ddl(w),
            'dropped and created again: its arguments, result or kind change')::migrate.diff_step;
    END LOOP;
    FOREACH k IN ARRAY migrate.dep_order(b_f, remade_funcs, 'uses') LOOP
        CONTINUE WHEN k = ANY (late_funcs);
        v := b_f->k;
        steps := steps || ROW('create function', k, migrate.function_ddl(v),
            'DROP ' || migrate.function_target(v), NULL)::migrate.diff_step;
    END LOOP;

    -- the checks and defaults of domains that call user functions, now
    -- that the functions exist (dropped above when they change)
    FOR k, cname, c, v IN SELECT p.k, p.part, p.def, p.dom FROM migrate.domain_function_parts(b_ty) p
                          WHERE NOT migrate.domain_part_stays(p.dom, a_ty->p.k, p.part, p.def, remade_funcs)
                          ORDER BY 1, 2 LOOP
        one := migrate.domain_part_step(k, cname, c, v, true,
            CASE WHEN cname IS NOT NULL AND a_ty ? k THEN 'fails if a column of the domain holds a value it rejects, '
                 'or while a column holds it in an array, composite or range type (PostgreSQL cannot check those)' END);
        steps := steps || one;
    END LOOP;


    -- tables that stop being a partition or child of a table, or change
    -- bounds: detached before their old parent or columns change
    FOR k, v IN SELECT x, y FROM jsonb_each(a_t) e(x, y)
                WHERE b_t ? x AND y->'inherits' IS NOT NULL
                  AND (y->'inherits', y->>'partition_bound') IS DISTINCT FROM (b_t->x->'inherits', b_t->x->>'partition_bound')
                ORDER BY 1 LOOP
        steps := steps || ROW('detach', k, migrate.attach_ddl(v, false), migrate.attach_ddl(v, true),
            NULL)::migrate.diff_step;
        -- what it keeps of its parent's, under the names it has as its own
        w := from_schema->'tables'->(v->'inherits'->>0);
        sql_new := migrate.partition_renames(to_schema->'tables'->k, v, w, false);
        IF v->>'partition_bound' IS NOT NULL AND sql_new IS NOT NULL THEN
            steps := steps || ROW('rename', k, sql_new, migrate.partition_renames(to_schema->'tables'->k, v, w, true),
                NULL)::migrate.diff_step;
        END IF;
    END LOOP;

    -- new tables, columns only (parents before their partitions and children)
    -- (the query per new table names the tables that go, not b_t: its
    -- parameters are copied into its plan, and b_t each time made it N^2)
    remaining := ARRAY(SELECT x FROM jsonb_object_keys(b_t) x WHERE NOT a_t ? x);
    -- (made only when some table is new: it copies every table that goes)
    a_gone := CASE WHEN cardinality(remaining) > 0
                   THEN coalesce((SELECT jsonb_object_agg(x, y) FROM jsonb_each(a_t) e(x, y) WHERE NOT b_t ? x), '{}')
                   ELSE '{}' END;
    FOREACH k IN ARRAY migrate.dep_order(b_t, remaining, 'inherits') LOOP
        v := b_t->k;
        warn := NULL;
        -- a table that goes with the same columns may be this one renamed
        cname := NULL;
        IF a_gone <> '{}' THEN
            SELECT string_agg(x, ', ') INTO cname FROM jsonb_each(a_gone) e(x, y)
            WHERE y->'columns' = v->'columns' AND jsonb_array_length(v->'columns') > 0;
        END IF;
        IF cname IS NOT NULL THEN
            warn := format('may be a rename of %s, whose data the drop would lose', cname);
        END IF;
        -- a new partition of a table that keeps indexes or keys: their
        -- children on it, under its names
        sql_new := NULL;
        own_keys := '{}';
        IF v->>'partition_bound' IS NOT NULL AND a_t ? (v->'inherits'->>0) THEN
            w := a_t->(v->'inherits'->>0);
            -- (the parent's indexes that are there when it is made)
            own_keys := ARRAY(SELECT n FROM jsonb_object_keys(coalesce(w->'indexes', '{}')) n
                              WHERE NOT ('index:' || (v->'inherits'->>0) || '.' || n) = ANY (dropped));
            SELECT string_agg(r, E';\n' ORDER BY o, n) INTO sql_new
            FROM (SELECT n, 0 AS o, migrate.child_renames(b_t, b_parts, v->'inherits'->>0, n, false, k, '{}') AS r
                  FROM jsonb_object_keys(coalesce(w->'indexes', '{}')) n
                  WHERE NOT ('index:' || (v->'inherits'->>0) || '.' || n) = ANY (dropped)
                    -- (a key of its own: added USING the child, by partition_ddl)
                    AND NOT coalesce(v->'constraints', '{}') ? (v->'index_children'->>n)
                  UNION ALL
                  SELECT n, 1, migrate.child_renames(b_t, b_parts, v->'inherits'->>0, n, true, k, '{}')
                  FROM jsonb_each(coalesce(w->'constraints', '{}')) e(n, d)
                  WHERE d->>'type' IN ('p', 'u', 'x')
                    AND NOT ('constraint:' || (v->'inherits'->>0) || '.' || n) = ANY (dropped)) x;
        END IF;
        steps := steps || ROW('create table', k, concat_ws(E';\n', migrate.partition_ddl(v, own_keys), sql_new),
            migrate.drop_table_ddl(v, b_t, b_refd), warn)::migrate.diff_step;
    END LOOP;

    -- columns of tables that stay: new ones, then changes
    FOR k, v IN SELECT x, y FROM jsonb_each(b_t) e(x, y) WHERE a_t ? x ORDER BY 1 LOOP
        w := a_t->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF (w->>'partition_by') IS DISTINCT FROM (v->>'partition_by') THEN
            steps := steps || ROW('alter table', k,
                format('-- partitioning of %s changed: not generated; recreate the table by hand', qt), NULL,
                format('partitioning of %s changes from %s to %s: not generated', qt,
                       coalesce(w->>'partition_by', 'none'), coalesce(v->>'partition_by', 'none')))::migrate.diff_step;
        END IF;
        -- (no step for a column that stays the same, unless its default
        -- uses a function that is dropped: it is set again)
        CONTINUE WHEN w->'columns' = v->'columns' AND cardinality(dropped_funcs) = 0;
        dropped_cols := ARRAY(SELECT old_c->>'name' FROM jsonb_array_elements(w->'columns') old_c
                              WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v->'columns') nc
                                                WHERE old_c->>'name' = nc->>'name'));
        FOR c IN SELECT nc FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS e(nc, o) ORDER BY o LOOP
            cname := c->>'name';
            qc := format('%I', cname);
            oc := (SELECT x FROM jsonb_array_elements(w->'columns') x WHERE x->>'name' = cname);
            IF oc IS NULL THEN
                warn := NULL;
                IF (c->>'not_null')::boolean AND c->>'default' IS NULL AND c->>'identity' IS NULL
                   AND c->>'generated' IS NULL AND c->>'type' !~ 'serial$' THEN
                    warn := 'NOT NULL without a default fails if the table has rows';
                END IF;
                -- a column of the same type that goes may be this one renamed
                -- (whatever else the table gains)
                SELECT string_agg(format('%I', x->>'name'), ', ' ORDER BY o) INTO prev
                FROM jsonb_array_elements(w->'columns') WITH ORDINALITY AS e(x, o)
                WHERE x->>'name' = ANY (dropped_cols) AND x->>'type' = c->>'type';
                IF prev IS NOT NULL THEN
                    warn := concat_ws('; ', warn, format('may be a rename of column %s, whose data the drop would lose', prev));
                END IF;
                steps := steps || ROW('add column', k || '.' || cname,
                    concat_ws(E';\n', format('ALTER TABLE %s ADD COLUMN %s', qt, migrate.column_ddl(c)),
                              migrate.inherited_fixes(b_t, b_kids, k, cname, 'default', migrate.column_value(b_t, k, cname, 'default')->'v'),
                              migrate.inherited_fixes(b_t, b_kids, k, cname, 'not_null', c->'not_null')),
                    format('ALTER TABLE %s DROP COLUMN %s', qt, qc), warn)::migrate.diff_step;
                CONTINUE;
            END IF;
            IF (oc->>'generated') IS DISTINCT FROM (c->>'generated')
               OR ((oc->>'type' ~ 'serial$') <> (c->>'type' ~ 'serial$')) THEN
                -- no ALTER for these: the column is made again
                -- (its comment goes with it: put back the one it had)
                -- (and the sequences it owns, which would go with it, are let go of and taken back)
                steps := steps || ROW('replace column', k || '.' || cname,
                    concat_ws(E';\n', migrate.column_sequences(a->'sequences', b->'sequences', v, cname, true),
                              format('ALTER TABLE %s DROP COLUMN %s, ADD COLUMN %s', qt, qc, migrate.column_ddl(c)),
                              CASE WHEN oc->>'comment' IS NOT NULL
                                   THEN migrate.comment_ddl('COLUMN', qt || '.' || qc, oc->>'comment') END,
                              migrate.column_sequences(a->'sequences', b->'sequences', v, cname, false)),
                    concat_ws(E';\n', migrate.column_sequences(b->'sequences', a->'sequences', v, cname, true),
                              format('ALTER TABLE %s DROP COLUMN %s, ADD COLUMN %s', qt, qc, migrate.column_ddl(oc)),
                              CASE WHEN oc->>'comment' IS NOT NULL
                                   THEN migrate.comment_ddl('COLUMN', qt || '.' || qc, oc->>'comment') END,
                              migrate.column_sequences(b->'sequences', a->'sequences', v, cname, false)),
                    'the column is dropped and added again: its data is lost')::migrate.diff_step;
                CONTINUE;
            END IF;
            -- a default that goes, or that the new type may not take; a
            -- default that only changes is simply set below
            IF (oc->>'default') IS DISTINCT FROM (c->>'default') AND oc->>'default' IS NOT NULL
               AND NOT migrate.uses_any(oc, 'uses', dropped_funcs)
               AND (c->>'default' IS NULL OR oc->>'type' <> c->>'type'
                    OR (oc->>'collation') IS DISTINCT FROM (c->>'collation')) THEN
                steps := steps || ROW('drop default', k || '.' || cname,
                    concat_ws(E';\n', format('ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT', qt, qc),
                              migrate.inherited_fixes(b_t, b_kids, k, cname, 'default', 'null')),
                    concat_ws(E';\n', format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', qt, qc, oc->>'default'),
                              migrate.inherited_fixes(a_t, a_kids, k, cname, 'default', oc->'default')), NULL)::migrate.diff_step;
            END IF;
            IF (oc->>'identity') IS NOT NULL AND (c->>'identity') IS NULL THEN
                steps := steps || ROW('drop identity', k || '.' || cname,
                    format('ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY', qt, qc),
                    format('ALTER TABLE %s ALTER COLUMN %s ADD %s', qt, qc, migrate.identity_ddl(oc)),
                    NULL)::migrate.diff_step;
            END IF;
            IF oc->>'type' <> c->>'type' OR (oc->>'collation') IS DISTINCT FROM (c->>'collation') THEN
                -- serial to bigserial: the column's type, and its sequence's
                prev := migrate.base_type(oc->>'type');
                nxt := migrate.base_type(c->>'type');
                steps := steps || ROW('alter column type', k || '.' || cname,
                    concat_ws(E';\n', format('ALTER TABLE %s ALTER COLUMN %s TYPE %s%s USING %s', qt, qc, nxt,
                                             coalesce(' COLLATE ' || (c->>'collation'), ''),
                                             migrate.using_cast(qc, prev, nxt, enum_types)),
                              CASE WHEN c->>'sequence' IS NOT NULL AND prev <> nxt
                                   THEN format('ALTER SEQUENCE %s AS %s', c->>'sequence', nxt) END),
                    concat_ws(E';\n', CASE WHEN oc->>'sequence' IS NOT NULL AND prev <> nxt
                                            THEN format('ALTER SEQUENCE %s AS %s', oc->>'sequence', prev) END,
                              format('ALTER TABLE %s ALTER COLUMN %s TYPE %s%s USING %s', qt, qc, prev,
                                     coalesce(' COLLATE ' || (oc->>'collation'), ''),
                                     migrate.using_cast(qc, nxt, prev, enum_types))),
                    CASE WHEN NOT migrate.type_widens(prev, nxt)
                         THEN format('%s to %s may fail or lose data', oc->>'type', c->>'type')
                         WHEN prev = 'timestamp without time zone' AND nxt = 'timestamp with time zone'
                         THEN format('%s to %s rewrites every value, read in the session''s time zone (TimeZone)',
                                     oc->>'type', c->>'type') END)::migrate.diff_step;
            END IF;
            IF ((c->>'default') IS DISTINCT FROM (oc->>'default') OR migrate.uses_any(oc, 'uses', dropped_funcs))
               AND c->>'default' IS NOT NULL THEN
                -- the downgrade puts back the old default unless a step above
                -- dropped it (and puts it back itself)
                steps := steps || ROW('set default', k || '.' || cname,
                    concat_ws(E';\n', format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', qt, qc, c->>'default'),
                              migrate.inherited_fixes(b_t, b_kids, k, cname, 'default', c->'default')),
                    CASE WHEN oc->>'default' IS NOT NULL AND NOT migrate.uses_any(oc, 'uses', dropped_funcs)
                              AND oc->>'type' = c->>'type' AND (oc->>'collation') IS NOT DISTINCT FROM (c->>'collation')
                         THEN concat_ws(E';\n', format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', qt, qc, oc->>'default'),
                                        migrate.inherited_fixes(a_t, a_kids, k, cname, 'default', oc->'default'))
                         ELSE concat_ws(E';\n', format('ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT', qt, qc),
                                        migrate.inherited_fixes(a_t, a_kids, k, cname, 'default', 'null')) END,
                    NULL)::migrate.diff_step;
            END IF;
            IF (oc->>'not_null')::boolean <> (c->>'not_null')::boolean THEN
                IF (c->>'not_null')::boolean THEN
                    steps := steps || ROW('set not null', k || '.' || cname,
                        format('ALTER TABLE %s ALTER COLUMN %s SET NOT NULL', qt, qc),
                        concat_ws(E';\n', format('ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL', qt, qc),
                                  migrate.inherited_fixes(a_t, a_kids, k, cname, 'not_null', 'false')),
                        'SET NOT NULL fails if the column holds NULLs')::migrate.diff_step;
                ELSE
                    steps := steps || ROW('drop not null', k || '.' || cname,
                        concat_ws(E';\n', format('ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL', qt, qc),
                                  migrate.inherited_fixes(b_t, b_kids, k, cname, 'not_null', 'false')),
                        format('ALTER TABLE %s ALTER COLUMN %s SET NOT NULL', qt, qc),
                        NULL)::migrate.diff_step;
                END IF;
            END IF;
            IF (c->>'identity') IS NOT NULL AND (oc->>'identity') IS NULL THEN
                steps := steps || ROW('add identity', k || '.' || cname,
                    format('ALTER TABLE %s ALTER COLUMN %s ADD %s', qt, qc, migrate.identity_ddl(c)),
                    format('ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY', qt, qc), NULL)::migrate.diff_step;
            ELSIF (c->>'identity') IS NOT NULL AND (oc->>'identity') <> (c->>'identity') THEN
                steps := steps || ROW('alter identity', k || '.' || cname,
                    format('ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s', qt, qc, upper(c->>'identity')),
                    format('ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s', qt, qc, upper(oc->>'identity')),
                    NULL)::migrate.diff_step;
            END IF;
            IF (c->>'identity') IS NOT NULL AND (oc->>'identity') IS NOT NULL
               AND (c->'identity_options') IS DISTINCT FROM (oc->'identity_options') THEN
                one := ROW('alter identity', k || '.' || cname,
                    format('ALTER TABLE %s ALTER COLUMN %s %s', qt, qc, (SELECT string_agg('SET ' || x, ' ' ORDER BY o)
                           FROM unnest(migrate.sequence_options(c->'identity_options', oc->'identity_options', NULL)) WITH ORDINALITY AS u(x, o))),
                    format('ALTER TABLE %s ALTER COLUMN %s %s', qt, qc, (SELECT string_agg('SET ' || x, ' ' ORDER BY o)
                           FROM unnest(migrate.sequence_options(oc->'identity_options', c->'identity_options', NULL)) WITH ORDINALITY AS u(x, o))),
                    migrate.sequence_narrows(c->'identity_options', oc->'identity_options'))::migrate.diff_step;
                steps := steps || one;
            END IF;
        END LOOP;
    END LOOP;

    -- sequences OWNED BY a column: once the new columns exist and before
    -- the old ones go (a sequence that goes is let go of first, or it would
    -- go with its column)
    FOR k IN SELECT x FROM jsonb_object_keys((a->'sequences') || (b->'sequences')) x
             WHERE (a->'sequences'->x->'owned_by') IS DISTINCT FROM (b->'sequences'->x->'owned_by') ORDER BY 1 LOOP
        v := coalesce(b->'sequences'->k, a->'sequences'->k);
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF jsonb_typeof(from_schema->'owners') = 'object' AND jsonb_typeof(to_schema->'owners') = 'object' THEN
            one := ROW('sequence owned by', k,
                migrate.owned_by_with_owners(qt, b->'sequences'->k->'owned_by', from_schema->'owners', to_schema->'owners'),
                migrate.owned_by_with_owners(qt, a->'sequences'->k->'owned_by', from_schema->'owners', from_schema->'owners'),
                NULL)::migrate.diff_step;
        ELSE
            one := ROW('sequence owned by', k,
                migrate.owned_by_ddl(qt, b->'sequences'->k->'owned_by'),
                migrate.owned_by_ddl(qt, a->'sequences'->k->'owned_by'), NULL)::migrate.diff_step;
        END IF;
        steps := steps || one;
    END LOOP;

    -- functions that take or return a row type, now that the tables exist
    FOREACH k IN ARRAY migrate.dep_order(b_f, late_funcs, 'uses') LOOP
        CONTINUE WHEN a_f ? k AND NOT k = ANY (remade_funcs);
        v := b_f->k;
        steps := steps || ROW('create function', k, migrate.function_ddl(v),
            'DROP ' || migrate.function_target(v), NULL)::migrate.diff_step;
    END LOOP;

    -- ---- UNLOGGED/LOGGED of tables that stay, with no foreign key to or from
    -- them (dropped above, added again below: PostgreSQL checks them on
    -- either side against the persistence) ----
    FOREACH k IN ARRAY persist_tables LOOP
        qt := format('%I.%I', b_t->k->>'schema', b_t->k->>'name');
        steps := steps || ROW('alter table', k,
            format('ALTER TABLE %s SET %s', qt, CASE WHEN (b_t->k->>'unlogged')::boolean THEN 'UNLOGGED' ELSE 'LOGGED' END),
            format('ALTER TABLE %s SET %s', qt, CASE WHEN (a_t->k->>'unlogged')::boolean THEN 'UNLOGGED' ELSE 'LOGGED' END),
            'rewrites the table' || CASE WHEN EXISTS (
                SELECT 1 FROM jsonb_each(a_t) e(x, y), jsonb_each(y->'constraints') c(n, d)
                WHERE d->>'type' = 'f' AND (x = k OR d->>'references' = k))
                THEN ' (its foreign keys are dropped and added again, and checked)' ELSE '' END)::migrate.diff_step;
    END LOOP;
    -- ---- end ----

    -- what a partition or child that stays sets itself on a column it
    -- inherits, where its parents keep theirs (a parent's change reached
    -- it above, and what it sets itself came back with it); before the
    -- keys, which the downgrade's DROP NOT NULL must follow
    FOR k, cname, nxt IN SELECT x, cn, an
                         FROM jsonb_each(b_t) e(x, y),
                              LATERAL (SELECT jsonb_object_keys(CASE WHEN jsonb_typeof(y->'column_own') = 'object' THEN y->'column_own' END)
                                       UNION
                                       SELECT jsonb_object_keys(CASE WHEN jsonb_typeof(a_t->x->'column_own') = 'object' THEN a_t->x->'column_own' END)) o(cn),
                              (VALUES ('default'), ('not_null')) f(an)
                         WHERE a_t ? x AND y->'inherits' = a_t->x->'inherits'
                           AND (y->'column_own') IS DISTINCT FROM (a_t->x->'column_own')
                         ORDER BY 1, 2, 3 LOOP
        w := migrate.column_value(a_t, k, cname, nxt);
        c := migrate.column_value(b_t, k, cname, nxt);
        CONTINUE WHEN w IS NULL OR c IS NULL OR w = c OR NOT migrate.parents_keep(a_t, b_t, k, cname, nxt);
        qt := format('%I.%I', b_t->k->>'schema', b_t->k->>'name');
        steps := steps || ROW(CASE WHEN nxt = 'default' THEN CASE WHEN c->'v' = 'null' THEN 'drop default' ELSE 'set default' END
                                   WHEN c->'v' = 'true' THEN 'set not null' ELSE 'drop not null' END,
            k || '.' || cname,
            concat_ws(E';\n', migrate.column_attr_ddl(qt, cname, nxt, c->'v'),
                      migrate.inherited_fixes(b_t, b_kids, k, cname, nxt, c->'v')),
            concat_ws(E';\n', migrate.column_attr_ddl(qt, cname, nxt, w->'v'),
                      migrate.inherited_fixes(a_t, a_kids, k, cname, nxt, w->'v')),
            CASE WHEN nxt = 'not_null' AND c->'v' = 'true' THEN 'SET NOT NULL fails if the column holds NULLs' END)::migrate.diff_step;
    END LOOP;

    -- constraints and indexes that are new or changed (foreign keys after every table exists)
    -- (pass 0: a partition's own keys that are the children of a plain
    -- index of its parent, before every other: CREATE INDEX on the parent
    -- takes such a key as its child when it is there, and makes one when
    -- it is not; a partition's other own indexes come after the parent's,
    -- which would take them too.  Pass 2: foreign keys.)
    FOR i IN 0 .. 2 LOOP
        FOR k, v IN SELECT x, y FROM jsonb_each(b_t) e(x, y)
                    WHERE i > 0 OR (y->>'partition_bound' IS NOT NULL AND migrate.own_key_children(y) <> '{}') ORDER BY 1 LOOP
            w := a_t->k;
            own_keys := CASE WHEN v->>'partition_bound' IS NOT NULL THEN migrate.own_key_children(v) ELSE '{}' END;
            -- (a table that stays the same, likewise)
            CONTINUE WHEN w IS NOT NULL AND cardinality(replaced) = 0 AND cardinality(key_tables) = 0
                          AND cardinality(dropped_funcs) = 0 AND w->'constraints' = v->'constraints'
                          AND w->'indexes' = v->'indexes';
            qt := format('%I.%I', v->>'schema', v->>'name');
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'constraints') e(x, y)
                            WHERE ((w->'constraints'->x) - '{comment,index_comment}'::text[] IS DISTINCT FROM y - '{comment,index_comment}'::text[]
                                   OR (w IS NOT NULL AND migrate.touches_replaced(k, y, replaced))
                                   OR migrate.uses_any(w->'constraints'->x, 'uses', dropped_funcs)
                                   OR (w IS NOT NULL AND y->>'type' = 'f' AND y->>'references' = ANY (key_tables))
                                   OR (y->>'type' = 'f' AND k = ANY (persist_tables)))
                              AND ((y->>'type' = 'f') = (i = 2))
                              AND (x = ANY (own_keys)) = (i = 0)
                              -- (a new partition is made with them)
                              AND NOT (i = 0 AND w IS NULL)
                            ORDER BY CASE y->>'type' WHEN 'p' THEN 0 WHEN 'u' THEN 1 ELSE 2 END, x LOOP
                steps := steps || ROW('add constraint', k || '.' || cname,
                    concat_ws(E';\n', migrate.constraint_ddl(qt, v->>'schema', cname, c),
                              CASE WHEN b_parts ? k AND c->>'type' IN ('p', 'u', 'x') THEN
                                   migrate.child_renames(b_t, b_parts, k, cname, true, NULL, moved) END),
                    -- (a child of its parent's index goes with that index,
                    -- which the downgrade may have dropped first: see below)
                    format('ALTER TABLE %s DROP CONSTRAINT %s%I', qt, CASE WHEN i = 0 THEN 'IF EXISTS ' ELSE '' END, cname),
                    CASE WHEN w IS NOT NULL
                         THEN 'fails if existing rows violate it' END)::migrate.diff_step;
            END LOOP;
            CONTINUE WHEN i <> 1;
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'indexes') e(x, y)
                            WHERE (w->'indexes'->x) - 'comment' IS DISTINCT FROM y - 'comment'
                               OR (w IS NOT NULL AND migrate.touches_replaced(k, y, replaced))
                               OR migrate.uses_any(w->'indexes'->x, 'uses', dropped_funcs) ORDER BY 1 LOOP
                -- partitions' own keys it takes as children: PostgreSQL
                -- drops neither one alone, and the index only with them
                sql_old := CASE WHEN b_parts ? k AND migrate.takes_own_keys(b_t, b_parts, k, cname) THEN ' CASCADE' ELSE '' END;
                steps := steps || ROW('create index', k || '.' || cname,
                    concat_ws(E';\n', migrate.with_comment(c->>'definition', 'INDEX', format('%I.%I', v->>'schema', cname), c->>'comment'),
                              CASE WHEN b_parts ? k THEN migrate.child_renames(b_t, b_parts, k, cname, false, NULL, moved) END),
                    format('DROP INDEX %I.%I', v->>'schema', cname) || sql_old, NULL)::migrate.diff_step;
            END LOOP;
        END LOOP;
    END LOOP;

    -- children of a parent's index or key that stays, on a partition that
    -- stays, whose name changes
    FOR k, v IN SELECT x, y FROM jsonb_each(b_t) e(x, y)
                WHERE y->>'partition_bound' IS NOT NULL AND a_t ? x AND NOT x = ANY (moved) ORDER BY 1 LOOP
        w := a_t->k;
        FOR cname, sql_old, sql_new, i IN
                SELECT n, w->'index_children'->>n, v->'index_children'->>n, 0
                FROM jsonb_object_keys(coalesce(nullif(v->'index_children', 'null'), '{}')) n
                WHERE NOT coalesce(b_t->(v->'inherits'->>0)->'constraints', '{}') ? n
                UNION ALL
                SELECT n, w->'constraint_children'->>n, v->'constraint_children'->>n, 1
                FROM jsonb_object_keys(coalesce(nullif(v->'constraint_children', 'null'), '{}')) n
                WHERE b_t->(v->'inherits'->>0)->'constraints'->n->>'type' IN ('p', 'u', 'x')
                ORDER BY 4, 1 LOOP
            CONTINUE WHEN sql_old IS NULL OR sql_old = sql_new
                          OR ((CASE WHEN i = 0 THEN 'index:' ELSE 'constraint:' END) || (v->'inherits'->>0) || '.' || cname) = ANY (dropped)
                          OR coalesce(w->'constraints', '{}') ? sql_old OR coalesce(v->'constraints', '{}') ? sql_new;
            steps := steps || ROW('rename', k || '.' || sql_old,
                CASE WHEN i = 0 THEN format('ALTER INDEX %I.%I RENAME TO %I', v->>'schema', sql_old, sql_new)
                     ELSE format('ALTER TABLE %I.%I RENAME CONSTRAINT %I TO %I', v->>'schema', v->>'name', sql_old, sql_new) END,
                CASE WHEN i = 0 THEN format('ALTER INDEX %I.%I RENAME TO %I', v->>'schema', sql_new, sql_old)
                     ELSE format('ALTER TABLE %I.%I RENAME CONSTRAINT %I TO %I', v->>'schema', v->>'name', sql_new, sql_old) END,
                NULL)::migrate.diff_step;
        END LOOP;
    END LOOP;

    -- tables that become a partition or child of a table (or change
    -- bounds): attached once their columns and their parent's are there,
    -- and its keys and indexes (which then take the table's own that match
    -- as their children: in the downgrade, the detach comes before they go)
    FOR k, v IN SELECT x, y FROM jsonb_each(b_t) e(x, y)
                WHERE a_t ? x AND y->'inherits' IS NOT NULL
                  AND (y->'inherits', y->>'partition_bound') IS DISTINCT FROM (a_t->x->'inherits', a_t->x->>'partition_bound')
                ORDER BY 1 LOOP
        steps := steps || ROW('attach', k, migrate.attach_ddl(v, true), migrate.attach_ddl(v, false),
            CASE WHEN v->>'partition_bound' IS NOT NULL THEN 'fails if a row is outside the partition''s bounds' END)::migrate.diff_step;
        -- its own indexes and keys that became its parent's children, under their names as such
        w := to_schema->'tables'->(v->'inherits'->>0);
        sql_new := migrate.partition_renames(from_schema->'tables'->k, v, w, true);
        IF v->>'partition_bound' IS NOT NULL AND sql_new IS NOT NULL THEN
            steps := steps || ROW('rename', k, sql_new, migrate.partition_renames(from_schema->'tables'->k, v, w, false),
                NULL)::migrate.diff_step;
        END IF;
    END LOOP;

    -- columns that go, from tables that stay
    FOR k, v IN SELECT x, y FROM jsonb_each(a_t) e(x, y) WHERE b_t ? x ORDER BY 1 LOOP
        w := b_t->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        FOR c IN SELECT old_c FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS e(old_c, o)
                 WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(w->'columns') nc
                                   WHERE nc->>'name' = old_c->>'name')
                 ORDER BY o LOOP
            steps := steps || ROW('drop column', k || '.' || (c->>'name'),
                format('ALTER TABLE %s DROP COLUMN %I', qt, c->>'name'),
                concat_ws(E';\n', format('ALTER TABLE %s ADD COLUMN %s', qt,
                                         migrate.column_ddl(CASE WHEN migrate.uses_any(c, 'uses', dropped_funcs)
                                                                 THEN c - 'default' ELSE c END)),
                          CASE WHEN c->>'comment' IS NOT NULL
                               THEN migrate.comment_ddl('COLUMN', qt || '.' || quote_ident(c->>'name'), c->>'comment') END),
                'drops the column and its data')::migrate.diff_step;
        END LOOP;
    END LOOP;

    -- tables that go: those referencing others first.  refs counts, for
    -- each, the foreign keys of the others that still reference it (a table
    -- is dropped once none does), so the rounds cost the tables once each.
    -- A round looks only at the tables whose count fell in the round before
    -- (ready): the others cannot have reached 0, and a chain of N foreign
    -- keys takes N rounds, which scanning every table left made quadratic.
    -- Inside the rounds no query names a_t, pos, refs or gone: a query's
    -- parameters are copied into its plan, which costs their whole size
    -- each round (simple expressions read them in place)
    going := ARRAY(SELECT x FROM jsonb_object_keys(a_t) x WHERE NOT b_t ? x ORDER BY 1);
    ready := going;
    pos := coalesce((SELECT jsonb_object_agg(x, o) FROM unnest(going) WITH ORDINALITY AS u(x, o)), '{}');
    refs := array_fill(0, ARRAY[greatest(cardinality(going), 1)]);
    gone := array_fill(false, ARRAY[greatest(cardinality(going), 1)]);
    fk := coalesce((SELECT jsonb_object_agg(y, r)
                    FROM (SELECT y, jsonb_agg(d->'references') AS r
                          FROM unnest(going) y, jsonb_each(a_t->y->'constraints') con(n, d)
                          WHERE d->>'type' = 'f' AND pos ? (d->>'references') AND d->>'references' <> y
                            AND NOT (y || '.' || n) = ANY (early_fks)
                          GROUP BY y) f), '{}');
    -- partitions and children go before their parents
    inh := coalesce((SELECT jsonb_object_agg(y, r)
                     FROM (SELECT y, jsonb_agg(p) AS r
                           FROM unnest(going) y, jsonb_array_elements_text(coalesce(a_t->y->'inherits', '[]')) p
                           WHERE pos ? p
                           GROUP BY y) f), '{}');
    FOR nxt IN SELECT x FROM jsonb_each(fk) e(y, r), jsonb_array_elements_text(r) x
               UNION ALL
               SELECT x FROM jsonb_each(inh) e(y, r), jsonb_array_elements_text(r) x LOOP
        refs[(pos->>nxt)::int] := refs[(pos->>nxt)::int] + 1;
    END LOOP;
    tables_left := cardinality(going);
    -- (the foreign keys dropped above no longer hold a partition)
    a_refd := migrate.referenced_parents(a_t, early_fks || ARRAY(SELECT substr(x, 12) FROM unnest(dropped) x
                                                                 WHERE x LIKE 'constraint:%'));
    WHILE tables_left > 0 LOOP
        ordered := '{}';
        FOREACH k IN ARRAY ready LOOP
            tpos := (pos->>k)::int;
            CONTINUE WHEN refs[tpos] > 0 OR gone[tpos];
            gone[tpos] := true;
            ordered := ordered || k;
        END LOOP;
        ordered := ARRAY(SELECT x FROM unnest(ordered) x ORDER BY 1);
        IF cardinality(ordered) = 0 THEN
            remaining := ARRAY(SELECT x FROM unnest(going) x WHERE NOT gone[(pos->>x)::int] ORDER BY 1);
            ready := remaining;
            -- tables that reference each other: their foreign keys go first
            FOR k, cname, c IN SELECT y, n, d FROM unnest(remaining) y, jsonb_each(a_t->y->'constraints') con(n, d)
                               WHERE d->>'references' = ANY (remaining) AND d->>'references' <> y
                                 AND NOT (y || '.' || n) = ANY (early_fks)
                               ORDER BY 1, 2 LOOP
                v := a_t->k;
                qt := format('%I.%I', v->>'schema', v->>'name');
                steps := steps || ROW('drop constraint', k || '.' || cname,
                    format('ALTER TABLE %s DROP CONSTRAINT %I', qt, cname),
                    format('ALTER TABLE %s ADD CONSTRAINT %I %s', qt, cname, c->>'definition'),
                    NULL)::migrate.diff_step;
                early_fks := early_fks || (k || '.' || cname);
                refs[(pos->>(c->>'references'))::int] := refs[(pos->>(c->>'references'))::int] - 1;
            END LOOP;
            -- (a table left references only tables left: no foreign key between
            -- them is left; a partition still goes before its parent)
            fk := '{}';
            CONTINUE;
        END IF;
        -- what they reference is referenced once less
        ready := '{}';
        FOREACH k IN ARRAY ordered LOOP
            tfk := coalesce(fk->k, '[]') || coalesce(inh->k, '[]');
            CONTINUE WHEN tfk = '[]';
            FOR nxt IN SELECT x FROM jsonb_array_elements_text(tfk) x LOOP
                refs[(pos->>nxt)::int] := refs[(pos->>nxt)::int] - 1;
                ready := ready || nxt;
            END LOOP;
        END LOOP;
        FOREACH k IN ARRAY ordered LOOP
            v := a_t->k;
            qt := format('%I.%I', v->>'schema', v->>'name');
            -- (the defaults dropped before it come back after it)
            one := ROW('drop table', k, migrate.drop_table_ddl(v, a_t, a_refd),
                concat_ws(E';\n', migrate.partition_ddl(CASE WHEN cardinality(remade_funcs) = 0 THEN v
                              ELSE jsonb_set(v, '{columns}', coalesce((
                              SELECT jsonb_agg(CASE WHEN migrate.uses_any(col, 'uses', remade_funcs) THEN col - 'default' ELSE col END
                                               ORDER BY o)
                              FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS x(col, o)), '[]')) END,
                              -- (the parent's indexes that are there when it is made again)
                              CASE WHEN v->>'partition_bound' IS NOT NULL THEN
                                  ARRAY(SELECT n FROM jsonb_object_keys(coalesce(a_t->(v->'inherits'->>0)->'indexes', '{}')) n
                                        WHERE NOT ('index:' || (v->'inherits'->>0) || '.' || n) = ANY (dropped)) END),
                          -- a partition: the children its parent's indexes and
                          -- keys make on it, under its names
                          CASE WHEN v->>'partition_bound' IS NOT NULL THEN
                              (SELECT string_agg(r, E';\n' ORDER BY o, n)
                               FROM (SELECT n, 0 AS o, migrate.child_renames(a_t, a_parts, v->'inherits'->>0, n, false, k, '{}') AS r
                                     FROM jsonb_object_keys(coalesce(a_t->(v->'inherits'->>0)->'indexes', '{}')) n
                                     WHERE NOT ('index:' || (v->'inherits'->>0) || '.' || n) = ANY (dropped)
                                       AND NOT coalesce(v->'constraints', '{}') ? (v->'index_children'->>n)
                                     UNION ALL
                                     SELECT n, 1, migrate.child_renames(a_t, a_parts, v->'inherits'->>0, n, true, k, '{}')
                                     FROM jsonb_each(coalesce(a_t->(v->'inherits'->>0)->'constraints', '{}')) e(n, d)
                                     WHERE d->>'type' IN ('p', 'u', 'x')
                                       AND NOT ('constraint:' || (v->'inherits'->>0) || '.' || n) = ANY (dropped)) x) END,
                          (SELECT string_agg(format('ALTER TABLE %s ADD CONSTRAINT %I %s', qt, n, d->>'definition'), E';\n'
                                             ORDER BY CASE d->>'type' WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'f' THEN 3 ELSE 2 END, n)
                           FROM jsonb_each(v->'constraints') con(n, d)
                           WHERE NOT (k || '.' || n) = ANY (early_fks)
                             -- (made with the partition)
                             AND NOT (jsonb_typeof(v->'index_children') = 'object'
                                      AND EXISTS (SELECT FROM jsonb_each_text(v->'index_children') ic(p, cn) WHERE cn = n))),
                          (SELECT string_agg(d->>'definition', E';\n' ORDER BY n) FROM jsonb_each(v->'indexes') ix(n, d)
                           WHERE NOT (k || '.' || n) = ANY (early_idx)),
                          CASE WHEN v->>'comment' IS NOT NULL THEN migrate.comment_ddl('TABLE', qt, v->>'comment') END,
                          (SELECT string_agg(migrate.comment_ddl('CONSTRAINT', format('%I ON %s', n, qt), d->>'comment'), E';\n' ORDER BY n)
                           FROM jsonb_each(v->'constraints') con(n, d)
                           WHERE d->>'comment' IS NOT NULL AND NOT (k || '.' || n) = ANY (early_fks)),
                          (SELECT string_agg(migrate.comment_ddl('INDEX', format('%I.%I', v->>'schema', n), d->>'index_comment'), E';\n' ORDER BY n)
                           FROM jsonb_each(v->'constraints') con(n, d)
                           WHERE d->>'index_comment' IS NOT NULL AND NOT (k || '.' || n) = ANY (early_fks)),
                          (SELECT string_agg(migrate.comment_ddl('INDEX', format('%I.%I', v->>'schema', n), d->>'comment'), E';\n' ORDER BY n)
                           FROM jsonb_each(v->'indexes') ix(n, d)
                           WHERE d->>'comment' IS NOT NULL AND NOT (k || '.' || n) = ANY (early_idx)),
                          CASE WHEN coalesce((v->>'row_security')::boolean OR (v->>'force_row_security')::boolean, false)
                               THEN migrate.row_security_ddl(qt, v) END,
                          -- unlogged, storage parameters, replica identity, column storage and statistics
                          (SELECT string_agg(p.upgrade, E';\n') FROM unnest(migrate.table_property_steps(k, NULL, v)) p),
                          (SELECT string_agg(migrate.comment_ddl('COLUMN', qt || '.' || quote_ident(col->>'name'), col->>'comment'), E';\n' ORDER BY o)
                           FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS x(col, o)
                           WHERE col->>'comment' IS NOT NULL)),
                'drops the table and its data')::migrate.diff_step;
            steps := steps || one;
        END LOOP;
        tables_left := tables_left - cardinality(ordered);
    END LOOP;

    -- views: new, changed or dropped above, those used by others first
    remaining := ARRAY(SELECT x FROM jsonb_object_keys(b_v) x
                       WHERE NOT a_v ? x OR x = ANY (drop_views));
    WHILE cardinality(remaining) > 0 LOOP
        ordered := ARRAY(SELECT x FROM unnest(remaining) x
                         WHERE NOT EXISTS (SELECT 1 FROM unnest(remaining) y
                                           WHERE y <> x AND (b_v->x->'uses') ? y)
                         ORDER BY 1);
        IF cardinality(ordered) = 0 THEN
            RAISE EXCEPTION 'views % use each other in a cycle', remaining USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOREACH k IN ARRAY ordered LOOP
            v := b_v->k;
            steps := steps || ROW('create view', k, migrate.view_full_ddl(v), migrate.view_drop(v), NULL)::migrate.diff_step;
        END LOOP;
        remaining := ARRAY(SELECT x FROM unnest(remaining) x WHERE NOT x = ANY (ordered));
    END LOOP;

    -- indexes of materialized views that stay, new or changed
    FOR k, v IN SELECT x, y FROM jsonb_each(b_v) e(x, y) WHERE a_v ? x AND NOT x = ANY (drop_views) ORDER BY 1 LOOP
        FOR cname, c IN SELECT x, y FROM jsonb_each(coalesce(v->'indexes', '{}')) e(x, y)
                        WHERE (a_v->k->'indexes'->x) - 'comment' IS DISTINCT FROM y - 'comment' ORDER BY 1 LOOP
            steps := steps || ROW('create index', k || '.' || cname,
                migrate.with_comment(c->>'definition', 'INDEX', format('%I.%I', v->>'schema', cname), c->>'comment'),
                format('DROP INDEX %I.%I', v->>'schema', cname), NULL)::migrate.diff_step;
        END LOOP;
    END LOOP;

    -- triggers: new, or dropped above; and those enabled or disabled
    FOR k, v IN SELECT x, y FROM jsonb_each(b_tr) e(x, y) ORDER BY 1 LOOP
        w := a_tr->k;
        IF w IS NULL OR ('trigger:' || k) = ANY (dropped) THEN
            steps := steps || ROW('create trigger', k, migrate.trigger_ddl(v),
                format('DROP TRIGGER %I ON %I.%I', v->>'name', v->>'schema', v->>'table'), NULL)::migrate.diff_step;
        ELSIF w->>'enabled' <> v->>'enabled' THEN
            steps := steps || ROW('alter trigger', k, migrate.trigger_state(v), migrate.trigger_state(w), NULL)::migrate.diff_step;
        END IF;
    END LOOP;

    -- row-level security: policies, new or dropped above, and the switches
    FOR k, v IN SELECT x, y FROM jsonb_each(b_t) e(x, y) ORDER BY 1 LOOP
        w := a_t->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        FOR cname, c IN SELECT x, y FROM jsonb_each(coalesce(v->'policies', '{}')) e(x, y)
                        WHERE (w->'policies'->x) IS NULL OR ('policy:' || k || '.' || x) = ANY (dropped) ORDER BY 1 LOOP
            steps := steps || ROW('create policy', k || '.' || cname, migrate.policy_ddl(qt, cname, c),
                format('DROP POLICY %I ON %s', cname, qt), NULL)::migrate.diff_step;
        END LOOP;
        IF (coalesce((v->>'row_security')::boolean, false), coalesce((v->>'force_row_security')::boolean, false))
           IS DISTINCT FROM (coalesce((w->>'row_security')::boolean, false), coalesce((w->>'force_row_security')::boolean, false)) THEN
            steps := steps || ROW('row security', k, migrate.row_security_ddl(qt, v), migrate.row_security_ddl(qt, w),
                NULL)::migrate.diff_step;
        END IF;
    END LOOP;

    -- ---- table, column and view properties; rules, extended statistics
    -- and event triggers: new, changed, or dropped above (now that every
    -- relation, column, index and function exists) ----
    FOR k, v IN SELECT x, y FROM jsonb_each(b_t) e(x, y) ORDER BY 1 LOOP
        w := a_t->k;
        -- (a table the same on both sides, none of whose columns or replica
        -- identity was reset above, has no property step)
        CONTINUE WHEN w = v AND cardinality(replaced) = 0 AND NOT ('replica identity:' || k) = ANY (dropped);
        IF w IS NOT NULL THEN
            -- reset above; a column made again has the defaults, and one
            -- whose type changes its new type's storage
            IF ('replica identity:' || k) = ANY (dropped) THEN
                w := w - 'replica_identity' - 'replica_index';
            END IF;
            w := jsonb_set(w, '{columns}', coalesce((
                SELECT jsonb_agg(CASE WHEN (k || '.' || (x->>'name')) = ANY (replaced) THEN x - 'storage' - 'statistics'
                                      WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(v->'columns') y
                                                   WHERE y->>'name' = x->>'name' AND y->>'type' <> x->>'type')
                                      THEN x - 'storage' ELSE x END ORDER BY o)
                FROM jsonb_array_elements(w->'columns') WITH ORDINALITY AS e(x, o)), '[]'));
        END IF;
        -- (appended one by one: steps || an array copies all of steps, and
        -- once per table that made this quadratic)
        more := migrate.table_property_steps(k, w, v);
        IF cardinality(more) > 0 THEN
            FOREACH one IN ARRAY more LOOP
                steps := steps || one;
            END LOOP;
        END IF;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_v) e(x, y) WHERE a_v ? x AND NOT x = ANY (drop_views) ORDER BY 1 LOOP
        w := a_v->k;
        CONTINUE WHEN (w->'options') IS NOT DISTINCT FROM (v->'options');
        qt := format('%s %I.%I', CASE WHEN (v->>'materialized')::boolean THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                     v->>'schema', v->>'name');
        steps := steps || ROW('view options', k, migrate.options_ddl(split_part(qt, ' ', 1), substr(qt, strpos(qt, ' ') + 1), w->'options', v->'options'),
            migrate.options_ddl(split_part(qt, ' ', 1), substr(qt, strpos(qt, ' ') + 1), v->'options', w->'options'), NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_st) e(x, y) ORDER BY 1 LOOP
        w := a_st->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF w IS NULL OR ('statistics:' || k) = ANY (dropped) THEN
            steps := steps || ROW('create statistics', k, migrate.statistics_ddl(v), format('DROP STATISTICS %s', qt), NULL)::migrate.diff_step;
            CONTINUE;
        END IF;
        IF (w->>'target') IS DISTINCT FROM (v->>'target') THEN
            steps := steps || ROW('alter statistics', k, migrate.statistics_target(v), migrate.statistics_target(w), NULL)::migrate.diff_step;
        END IF;
        IF (w->>'comment') IS DISTINCT FROM (v->>'comment') THEN
            steps := steps || ROW('comment', k, migrate.comment_ddl('STATISTICS', qt, v->>'comment'),
                migrate.comment_ddl('STATISTICS', qt, w->>'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_ru) e(x, y) ORDER BY 1 LOOP
        w := a_ru->k;
        qt := format('%I ON %I.%I', v->>'name', v->>'schema', v->>'table');
        IF w IS NULL OR ('rule:' || k) = ANY (dropped) THEN
            steps := steps || ROW('create rule', k, migrate.rule_ddl(v), 'DROP RULE ' || qt, NULL)::migrate.diff_step;
            CONTINUE;
        END IF;
        IF w->>'enabled' <> v->>'enabled' THEN
            steps := steps || ROW('alter rule', k, migrate.rule_state(v), migrate.rule_state(w), NULL)::migrate.diff_step;
        END IF;
        IF (w->>'comment') IS DISTINCT FROM (v->>'comment') THEN
            steps := steps || ROW('comment', k, migrate.comment_ddl('RULE', qt, v->>'comment'),
                migrate.comment_ddl('RULE', qt, w->>'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_et) e(x, y) ORDER BY 1 LOOP
        w := a_et->k;
        IF w IS NULL OR ('event trigger:' || k) = ANY (dropped) THEN
            steps := steps || ROW('create event trigger', k, migrate.event_trigger_ddl(v), format('DROP EVENT TRIGGER %I', k),
                NULL)::migrate.diff_step;
            CONTINUE;
        END IF;
        IF w->>'enabled' <> v->>'enabled' THEN
            steps := steps || ROW('alter event trigger', k, migrate.event_trigger_state(v), migrate.event_trigger_state(w),
                NULL)::migrate.diff_step;
        END IF;
        IF (w->>'comment') IS DISTINCT FROM (v->>'comment') THEN
            steps := steps || ROW('comment', k, migrate.comment_ddl('EVENT TRIGGER', quote_ident(k), v->>'comment'),
                migrate.comment_ddl('EVENT TRIGGER', quote_ident(k), w->>'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;
    -- ---- end ----

    -- ---- operators and casts, publications and CLUSTER ON: new, changed,
    -- or dropped above, now that every function, table, column and index
    -- exists ----
    FOR k, v IN SELECT x, y FROM jsonb_each(b_op) e(x, y) ORDER BY migrate.operator_rank(b_op, x, y), 1 LOOP
        CONTINUE WHEN ('operator:' || k) = ANY (made_early);
        w := a_op->k;
        IF w IS NULL OR ('operator:' || k) = ANY (dropped) THEN
            steps := steps || ROW('create operator', k,
                migrate.with_comment(v->>'definition', 'OPERATOR', migrate.operator_target(v), v->>'comment'),
                'DROP OPERATOR ' || migrate.operator_target(v), NULL)::migrate.diff_step;
        ELSIF (w->>'comment') IS DISTINCT FROM (v->>'comment') THEN
            steps := steps || ROW('comment', k, migrate.comment_ddl('OPERATOR', migrate.operator_target(v), v->>'comment'),
                migrate.comment_ddl('OPERATOR', migrate.operator_target(v), w->>'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_oc) e(x, y) ORDER BY 1 LOOP
        CONTINUE WHEN ('opclass:' || k) = ANY (made_early);
        w := a_oc->k;
        qt := format('%I.%I USING %I', v->>'schema', v->>'name', v->>'method');
        IF w IS NULL OR ('opclass:' || k) = ANY (dropped) THEN
            steps := steps || ROW('create operator class', k, migrate.with_comment(v->>'definition', 'OPERATOR CLASS', qt, v->>'comment'),
                'DROP OPERATOR FAMILY ' || qt, NULL)::migrate.diff_step;
        ELSIF (w->>'comment') IS DISTINCT FROM (v->>'comment') THEN
            steps := steps || ROW('comment', k, migrate.comment_ddl('OPERATOR CLASS', qt, v->>'comment'),
                migrate.comment_ddl('OPERATOR CLASS', qt, w->>'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_ca) e(x, y) ORDER BY 1 LOOP
        CONTINUE WHEN ('cast:' || k) = ANY (made_early);
        w := a_ca->k;
        IF w IS NULL OR ('cast:' || k) = ANY (dropped) THEN
            steps := steps || ROW('create cast', k,
                migrate.with_comment(v->>'definition', 'CAST', migrate.cast_target(v), v->>'comment'),
                'DROP CAST ' || migrate.cast_target(v), NULL)::migrate.diff_step;
        ELSIF (w->>'comment') IS DISTINCT FROM (v->>'comment') THEN
            steps := steps || ROW('comment', k, migrate.comment_ddl('CAST', migrate.cast_target(v), v->>'comment'),
                migrate.comment_ddl('CAST', migrate.cast_target(v), w->>'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_pu) e(x, y) ORDER BY 1 LOOP
        w := a_pu->k;
        IF w IS NULL OR ('publication:' || k) = ANY (dropped) THEN
            steps := steps || ROW('create publication', k, migrate.publication_ddl(v), format('DROP PUBLICATION %I', k),
                NULL)::migrate.diff_step;
            CONTINUE;
        END IF;
        IF migrate.publication_options(w) <> migrate.publication_options(v) THEN
            steps := steps || ROW('alter publication', k,
                format('ALTER PUBLICATION %I SET (%s)', k, migrate.publication_options(v)),
                format('ALTER PUBLICATION %I SET (%s)', k, migrate.publication_options(w)), NULL)::migrate.diff_step;
        END IF;
        FOR cname, c IN SELECT x, y FROM jsonb_each(coalesce(v->'tables', '{}')) e(x, y)
                        WHERE NOT coalesce(w->'tables', '{}') ? x OR ('publication table:' || k || ':' || x) = ANY (dropped)
                        ORDER BY 1 LOOP
            steps := steps || ROW('alter publication', k || ':' || cname,
                format('ALTER PUBLICATION %I ADD TABLE %s', k, migrate.publication_table(c)),
                format('ALTER PUBLICATION %I DROP TABLE %I.%I', k, c->>'schema', c->>'name'), NULL)::migrate.diff_step;
        END LOOP;
        FOR cname IN SELECT x FROM jsonb_array_elements_text(coalesce(v->'schemas', '[]')) x
                     WHERE NOT coalesce(w->'schemas', '[]') ? x ORDER BY 1 LOOP
            steps := steps || ROW('alter publication', k || ':' || cname,
                format('ALTER PUBLICATION %I ADD TABLES IN SCHEMA %I', k, cname),
                format('ALTER PUBLICATION %I DROP TABLES IN SCHEMA %I', k, cname), NULL)::migrate.diff_step;
        END LOOP;
        IF (w->>'comment') IS DISTINCT FROM (v->>'comment') THEN
            steps := steps || ROW('comment', k, migrate.comment_ddl('PUBLICATION', quote_ident(k), v->>'comment'),
                migrate.comment_ddl('PUBLICATION', quote_ident(k), w->>'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_t) e(x, y) WHERE y ? 'cluster_on' ORDER BY 1 LOOP
        w := a_t->k;
        CONTINUE WHEN w->>'cluster_on' = v->>'cluster_on' AND NOT ('cluster:' || k) = ANY (dropped);
        qt := format('%I.%I', v->>'schema', v->>'name');
        steps := steps || ROW('cluster on', k, format('ALTER TABLE %s CLUSTER ON %I', qt, v->>'cluster_on'),
            format('ALTER TABLE %s SET WITHOUT CLUSTER', qt), NULL)::migrate.diff_step;
    END LOOP;
    -- ---- end ----

    -- comments on tables, columns and views
    FOR k, v IN SELECT x, y FROM jsonb_each(b_t) e(x, y) ORDER BY 1 LOOP
        w := a_t->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF (v->>'comment') IS DISTINCT FROM (w->>'comment') THEN
            steps := steps || ROW('comment', k, migrate.comment_ddl('TABLE', qt, v->>'comment'),
                migrate.comment_ddl('TABLE', qt, w->>'comment'), NULL)::migrate.diff_step;
        END IF;
        CONTINUE WHEN w->'columns' = v->'columns';
        FOR c IN SELECT nc FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS e(nc, o) ORDER BY o LOOP
            oc := (SELECT x FROM jsonb_array_elements(w->'columns') x WHERE x->>'name' = c->>'name');
            IF (c->>'comment') IS DISTINCT FROM (oc->>'comment') THEN
                qc := qt || '.' || format('%I', c->>'name');
                steps := steps || ROW('comment', k || '.' || (c->>'name'), migrate.comment_ddl('COLUMN', qc, c->>'comment'),
                    migrate.comment_ddl('COLUMN', qc, oc->>'comment'), NULL)::migrate.diff_step;
            END IF;
        END LOOP;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b_v) e(x, y) ORDER BY 1 LOOP
        -- a view created here has its comments already
        CONTINUE WHEN NOT a_v ? k OR k = ANY (drop_views);
        w := a_v->k;
        IF (v->>'comment') IS DISTINCT FROM (w->>'comment') THEN
            qt := format('%I.%I', v->>'schema', v->>'name');
            cname := CASE WHEN (v->>'materialized')::boolean THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END;
            steps := steps || ROW('comment', k, migrate.comment_ddl(cname, qt, v->>'comment'),
                migrate.comment_ddl(cname, qt, w->>'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;

    -- comments on the other objects that are in both and were not made again
    FOR k, cname, qt, prev, nxt IN
        SELECT coalesce(n.id, o.id), coalesce(n.kind, o.kind), coalesce(n.target, o.target), o.comment, n.comment
        FROM migrate.comment_targets(b) n FULL JOIN migrate.comment_targets(a) o ON o.id = n.id
        WHERE o.comment IS DISTINCT FROM n.comment
          -- a view's column comments are listed when there are some
          AND ((n.id IS NOT NULL AND o.id IS NOT NULL)
               OR (a_v ? coalesce(n.view, o.view) AND b_v ? coalesce(n.view, o.view)
                   AND NOT coalesce(n.view, o.view) = ANY (drop_views)))
        ORDER BY coalesce(n.id, o.id) COLLATE "C" LOOP
        CONTINUE WHEN k = ANY (dropped)
            -- (a key made again has its index's comment with it)
            OR (k LIKE 'constraint index:%' AND 'constraint:' || substr(k, 18) = ANY (dropped));
        steps := steps || ROW('comment', substr(k, strpos(k, ':') + 1), migrate.comment_ddl(cname, qt, nxt),
            migrate.comment_ddl(cname, qt, prev), NULL)::migrate.diff_step;
    END LOOP;

    -- ---- operators and casts that go (not dropped above): before their
    -- functions ----
    FOR k, v IN SELECT x, y FROM jsonb_each(a_oc) e(x, y) WHERE NOT b_oc ? x ORDER BY 1 LOOP
        CONTINUE WHEN ('opclass:' || k) = ANY (dropped);
        qt := format('%I.%I USING %I', v->>'schema', v->>'name', v->>'method');
        steps := steps || ROW('drop operator class', k, 'DROP OPERATOR FAMILY ' || qt,
            migrate.with_comment(v->>'definition', 'OPERATOR CLASS', qt, v->>'comment'), NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a_op) e(x, y) WHERE NOT b_op ? x ORDER BY migrate.operator_rank(a_op, x, y) DESC, 1 LOOP
        CONTINUE WHEN ('operator:' || k) = ANY (dropped);
        steps := steps || ROW('drop operator', k, 'DROP OPERATOR ' || migrate.operator_target(v),
            migrate.with_comment(v->>'definition', 'OPERATOR', migrate.operator_target(v), v->>'comment'), NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a_ca) e(x, y) WHERE NOT b_ca ? x ORDER BY 1 LOOP
        CONTINUE WHEN ('cast:' || k) = ANY (dropped);
        steps := steps || ROW('drop cast', k, 'DROP CAST ' || migrate.cast_target(v),
            migrate.with_comment(v->>'definition', 'CAST', migrate.cast_target(v), v->>'comment'), NULL)::migrate.diff_step;
    END LOOP;
    -- ---- end ----
    -- what goes last: functions (users first), sequences, types, extensions, schemas
    ordered := migrate.dep_order(a_f, ARRAY(SELECT x FROM jsonb_object_keys(a_f) x
                                                       WHERE NOT b_f ? x), 'uses');
    FOR i IN REVERSE cardinality(ordered) .. 1 LOOP
        k := ordered[i];
        w := a_f->k;
        steps := steps || ROW('drop function', k, 'DROP ' || migrate.function_target(w), migrate.function_ddl(w),
            NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a->'sequences') e(x, y) WHERE NOT (b->'sequences') ? x ORDER BY 1 LOOP
        steps := steps || ROW('drop sequence', k, format('DROP SEQUENCE %I.%I', v->>'schema', v->>'name'),
            migrate.with_comment(migrate.sequence_ddl(v), 'SEQUENCE', format('%I.%I', v->>'schema', v->>'name'), v->>'comment'),
            'the downgrade restarts the sequence')::migrate.diff_step;
    END LOOP;
    ordered := migrate.dep_order(a_ty, ARRAY(SELECT x FROM jsonb_object_keys(a_ty) x
                                                   WHERE NOT b_ty ? x), 'types');
    FOR i IN REVERSE cardinality(ordered) .. 1 LOOP
        k := ordered[i];
        w := a_ty->k;
        steps := steps || ROW('drop type', k,
            format('DROP %s %I.%I', CASE WHEN w->>'kind' = 'domain' THEN 'DOMAIN' ELSE 'TYPE' END, w->>'schema', w->>'name'),
            migrate.type_ddl(w), NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a->'enums') e(x, y) WHERE NOT (b->'enums') ? x ORDER BY 1 LOOP
        one := ROW('drop type', k, format('DROP TYPE %I.%I', v->>'schema', v->>'name'),
            migrate.with_comment(format('CREATE TYPE %I.%I AS ENUM (%s)', v->>'schema', v->>'name',
                   (SELECT string_agg(quote_literal(x), ', ' ORDER BY o)
                    FROM jsonb_array_elements_text(v->'values') WITH ORDINALITY AS e(x, o))),
                   'TYPE', format('%I.%I', v->>'schema', v->>'name'), v->>'comment'),
            NULL)::migrate.diff_step;
        steps := steps || one;
    END LOOP;
    -- ---- collations that go: after the columns and types that used them ----
    FOR k, v IN SELECT x, y FROM jsonb_each(a_co) e(x, y) WHERE NOT b_co ? x ORDER BY 1 LOOP
        steps := steps || ROW('drop collation', k, format('DROP COLLATION %I.%I', v->>'schema', v->>'name'),
            migrate.with_comment(v->>'definition', 'COLLATION', format('%I.%I', v->>'schema', v->>'name'), v->>'comment'),
            NULL)::migrate.diff_step;
    END LOOP;
    -- ---- end ----
    FOR k, v IN SELECT x, y FROM jsonb_each(a->'extensions') e(x, y) WHERE NOT (b->'extensions') ? x ORDER BY 1 LOOP
        steps := steps || ROW('drop extension', k, format('DROP EXTENSION %I', k),
            format('CREATE EXTENSION %I WITH SCHEMA %I VERSION %L', k, v->>'schema', v->>'version'),
            'drops the extension''s objects and their data')::migrate.diff_step;
    END LOOP;
    FOR k IN SELECT x FROM jsonb_object_keys(a->'schemas') x WHERE NOT (b->'schemas') ? x ORDER BY 1 LOOP
        steps := steps || ROW('drop schema', k, format('DROP SCHEMA %I', k),
            migrate.with_comment(format('CREATE SCHEMA %I', k), 'SCHEMA', quote_ident(k), a->'schemas'->k->>'comment'),
            NULL)::migrate.diff_step;
    END LOOP;

    -- privileges, when both descriptions have them (migrate_describe(schemas,
    -- true)): revoked first, granted last; objects made again get theirs
    -- back.  Owners likewise (migrate_describe(schemas, ..., true) on both
    -- sides): each object made is given to its owner where it is made (and
    -- back where the downgrade makes it again), and a changed owner
    -- changes at the end.  Both come after the revokes and before the
    -- grants, each way: ALTER ... OWNER TO merges the grants to the new
    -- owner into its own privileges (and a GRANT to the owner is merged
    -- into them), so a revoke after it or a grant before it would change
    -- the owner's own
    IF jsonb_typeof(from_schema->'privileges') = 'object' AND jsonb_typeof(to_schema->'privileges') = 'object' THEN
        remaining := ARRAY(SELECT DISTINCT s.object FROM unnest(steps) s
                           WHERE s.operation IN ('drop view', 'drop function', 'drop type', 'drop table',
                                                 'drop sequence', 'replace column', 'drop column'));
        revoked := ARRAY(SELECT p.step FROM migrate.privilege_steps(from_schema->'privileges', to_schema->'privileges', remaining) p
                         WHERE p.phase = 1);
        granted := ARRAY(SELECT p.step FROM migrate.privilege_steps(from_schema->'privileges', to_schema->'privileges', remaining) p
                         WHERE p.phase = 2);
    END IF;
    IF jsonb_typeof(from_schema->'owners') = 'object' AND jsonb_typeof(to_schema->'owners') = 'object' THEN
        steps := migrate.with_owners(steps, from_schema->'owners', to_schema->'owners')
                 || ARRAY(SELECT migrate.owner_changes(steps, from_schema->'owners', to_schema->'owners'));
    END IF;
    steps := renamed || coalesce(revoked, '{}') || steps || coalesce(granted, '{}');

    -- a value added to an enum cannot be used before the transaction that
    -- added it commits ("unsafe use of new value"): say so on the step
    FOR i IN 1 .. cardinality(steps) LOOP
        CONTINUE WHEN steps[i].operation <> 'add enum value';
        nxt := substring(steps[i].upgrade FROM 'ADD VALUE (''(?:[^'']|'''')*'')');
        FOR later IN i + 1 .. cardinality(steps) LOOP
            CONTINUE WHEN strpos(steps[later].upgrade, nxt) = 0;
            one := steps[i];
            one.warning := concat_ws('; ', one.warning,
                format('the new value is used by step %s (%s %s) of the same upgrade, which fails: '
                       'PostgreSQL cannot use an enum value before the transaction that adds it commits; '
                       'split this revision in two, the new values first', later, steps[later].operation, steps[later].object));
            steps[i] := one;
            EXIT;
        END LOOP;
    END LOOP;

    RETURN QUERY SELECT o::int, s.operation, s.object, s.upgrade, s.downgrade, s.warning
                 FROM unnest(steps) WITH ORDINALITY AS s(operation, object, upgrade, downgrade, warning, o)
                 ORDER BY o;
END
$fn$;

/*
 * migrate: the steps from one schema description to another (autogenerate).
 * Built into the install script and re-run by the update script of the
 * current version, so everything here is CREATE OR REPLACE.
 */

-- a column as CREATE TABLE and ADD COLUMN write it
CREATE OR REPLACE FUNCTION migrate.column_ddl(c jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('%I %s', c->>'name', c->>'type')
    || coalesce(' COLLATE ' || (c->>'collation'), '')
    || coalesce(' GENERATED ' || upper(c->>'identity') || ' AS IDENTITY', '')
    || coalesce(' GENERATED ALWAYS AS (' || (c->>'generated') || ') STORED', '')
    || coalesce(' DEFAULT ' || (c->>'default'), '')
    || CASE WHEN (c->>'not_null')::boolean THEN ' NOT NULL' ELSE '' END
$$;

-- CREATE TABLE with its columns only: constraints and indexes are steps of their own
CREATE OR REPLACE FUNCTION migrate.table_ddl(t jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('CREATE TABLE %I.%I (', t->>'schema', t->>'name')
    || coalesce((SELECT string_agg(E'\n    ' || migrate.column_ddl(c), ',' ORDER BY o)
                 FROM jsonb_array_elements(t->'columns') WITH ORDINALITY AS x(c, o)) || E'\n', '')
    || ')' || coalesce(' PARTITION BY ' || (t->>'partition_by'), '')
$$;

CREATE OR REPLACE FUNCTION migrate.view_ddl(v jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('CREATE %sVIEW %I.%I AS%s', CASE WHEN (v->>'materialized')::boolean THEN 'MATERIALIZED ' ELSE '' END,
              v->>'schema', v->>'name', rtrim(v->>'definition', ';'))
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

CREATE OR REPLACE FUNCTION migrate.comment_ddl(kind text, target text, comment text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT format('COMMENT ON %s %s IS %s', kind, target, coalesce(quote_literal(comment), 'NULL')) $$;

/*
 * Does a constraint or index of table tbl cover a column in replaced
 * ("table.column"), or is it a foreign key to a table with one?
 */
CREATE OR REPLACE FUNCTION migrate.touches_replaced(tbl text, obj jsonb, replaced text[])
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT EXISTS (SELECT 1 FROM jsonb_array_elements_text(obj->'columns') c WHERE tbl || '.' || c = ANY (replaced))
    OR EXISTS (SELECT 1 FROM unnest(replaced) r WHERE r LIKE replace(replace(obj->>'references', '_', '\_'), '%', '\%') || '.%')
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
AS $fn$
DECLARE
    a jsonb := from_schema;
    b jsonb := to_schema;
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
    ordered text[];
    remaining text[];
    added_cols text[];
    dropped_cols text[];
    i int;
    prev text;
    nxt text;
    warn text;
BEGIN
    IF a IS NULL OR b IS NULL THEN
        RAISE EXCEPTION '% must not be null', CASE WHEN a IS NULL THEN 'from_schema' ELSE 'to_schema' END
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass migrate_describe() of each database, or ''{}'' for an empty one.';
    END IF;
    FOREACH k IN ARRAY ARRAY['schemas', 'extensions', 'enums', 'sequences', 'tables', 'views'] LOOP
        IF jsonb_typeof(coalesce(a->k, '{}')) <> 'object' OR jsonb_typeof(coalesce(b->k, '{}')) <> 'object' THEN
            RAISE EXCEPTION 'schema description has no valid "%" object', k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'migrate_diff() takes the documents migrate_describe() returns.';
        END IF;
    END LOOP;
    a := jsonb_build_object('schemas', coalesce(a->'schemas', '{}'), 'extensions', coalesce(a->'extensions', '{}'),
                            'enums', coalesce(a->'enums', '{}'), 'sequences', coalesce(a->'sequences', '{}'),
                            'tables', coalesce(a->'tables', '{}'), 'views', coalesce(a->'views', '{}'));
    b := jsonb_build_object('schemas', coalesce(b->'schemas', '{}'), 'extensions', coalesce(b->'extensions', '{}'),
                            'enums', coalesce(b->'enums', '{}'), 'sequences', coalesce(b->'sequences', '{}'),
                            'tables', coalesce(b->'tables', '{}'), 'views', coalesce(b->'views', '{}'));

    -- schemas
    FOR k IN SELECT x FROM jsonb_object_keys(b->'schemas') x WHERE NOT (a->'schemas') ? x ORDER BY 1 LOOP
        steps := steps || ROW('create schema', k, format('CREATE SCHEMA %I', k), format('DROP SCHEMA %I', k), NULL)::migrate.diff_step;
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

    -- enum types, and values added to them (at their place)
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'enums') e(x, y) ORDER BY 1 LOOP
        w := a->'enums'->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF w IS NULL THEN
            steps := steps || ROW('create type', k,
                format('CREATE TYPE %s AS ENUM (%s)', qt,
                       (SELECT string_agg(quote_literal(x), ', ' ORDER BY o)
                        FROM jsonb_array_elements_text(v->'values') WITH ORDINALITY AS e(x, o))),
                format('DROP TYPE %s', qt), NULL)::migrate.diff_step;
            CONTINUE;
        END IF;
        IF EXISTS (SELECT 1 FROM jsonb_array_elements_text(w->'values') x
                   WHERE NOT (v->'values') ? x) THEN
            steps := steps || ROW('alter type', k,
                format('-- values of %s removed: PostgreSQL cannot drop enum values; recreate the type by hand', qt),
                NULL,
                format('enum type %s loses values %s: not generated', qt,
                       (SELECT string_agg(quote_literal(x), ', ') FROM jsonb_array_elements_text(w->'values') x
                        WHERE NOT (v->'values') ? x)))::migrate.diff_step;
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

    -- standalone sequences
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'sequences') e(x, y) ORDER BY 1 LOOP
        w := a->'sequences'->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF w IS NULL THEN
            steps := steps || ROW('create sequence', k, migrate.sequence_ddl(v), format('DROP SEQUENCE %s', qt), NULL)::migrate.diff_step;
        ELSIF w <> v THEN
            steps := steps || ROW('alter sequence', k,
                format('ALTER SEQUENCE %s AS %s INCREMENT %s MINVALUE %s MAXVALUE %s START %s CACHE %s %s', qt,
                       v->>'type', v->>'increment', v->>'min', v->>'max', v->>'start', v->>'cache',
                       CASE WHEN (v->>'cycle')::boolean THEN 'CYCLE' ELSE 'NO CYCLE' END),
                format('ALTER SEQUENCE %s AS %s INCREMENT %s MINVALUE %s MAXVALUE %s START %s CACHE %s %s', qt,
                       w->>'type', w->>'increment', w->>'min', w->>'max', w->>'start', w->>'cache',
                       CASE WHEN (w->>'cycle')::boolean THEN 'CYCLE' ELSE 'NO CYCLE' END),
                NULL)::migrate.diff_step;
        END IF;
    END LOOP;

    -- columns that cannot be altered into their new form are dropped and added
    -- again; the constraints and indexes over them, and the foreign keys
    -- that reference their table, go and come back with them
    SELECT coalesce(array_agg(t.k || '.' || (nc->>'name')), '{}') INTO replaced
    FROM jsonb_each(b->'tables') t(k, v)
    CROSS JOIN LATERAL jsonb_array_elements(t.v->'columns') nc
    JOIN LATERAL jsonb_array_elements(a->'tables'->t.k->'columns') old_c ON old_c->>'name' = nc->>'name'
    WHERE (old_c->>'generated') IS DISTINCT FROM (nc->>'generated')
       OR ((old_c->>'type' ~ 'serial$') <> (nc->>'type' ~ 'serial$'));

    -- tables whose keys (primary, unique, exclusion, unique indexes) go or
    -- change: the foreign keys to them go first and come back after
    SELECT coalesce(array_agg(t.k), '{}') INTO key_tables
    FROM jsonb_each(a->'tables') t(k, v)
    WHERE (b->'tables') ? t.k
      AND (EXISTS (SELECT 1 FROM jsonb_each(t.v->'constraints') con(n, d)
                   WHERE d->>'type' IN ('p', 'u', 'x')
                     AND ((b->'tables'->t.k->'constraints'->n) IS DISTINCT FROM d
                          OR migrate.touches_replaced(t.k, d, replaced)))
           OR EXISTS (SELECT 1 FROM jsonb_each(t.v->'indexes') ix(n, d)
                      WHERE d->>'definition' LIKE 'CREATE UNIQUE INDEX %'
                        AND ((b->'tables'->t.k->'indexes'->n) IS DISTINCT FROM d
                             OR migrate.touches_replaced(t.k, d, replaced))));

    -- tables whose existing columns change or go: the views over them are recreated
    FOR k, v IN SELECT x, y FROM jsonb_each(a->'tables') e(x, y) LOOP
        w := b->'tables'->k;
        IF w IS NULL OR EXISTS (
            SELECT 1 FROM jsonb_array_elements(v->'columns') old_c
            WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(w->'columns') nc
                              WHERE nc->>'name' = old_c->>'name'
                                AND nc - 'comment' = old_c - 'comment')) THEN
            changed_tables := changed_tables || k;
        END IF;
    END LOOP;
    -- views to drop: removed, changed, over a changed table or over a view that goes
    SELECT coalesce(array_agg(x), '{}') INTO drop_views
    FROM jsonb_each(a->'views') e(x, y)
    WHERE NOT (b->'views') ? x OR (b->'views'->x) - 'comment' <> y - 'comment'
       OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(y->'uses') u WHERE u = ANY (changed_tables));
    LOOP
        SELECT coalesce(array_agg(x), '{}') INTO remaining
        FROM jsonb_each(a->'views') e(x, y)
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
                          WHERE y <> x AND (a->'views'->y->'uses') ? x);
        IF cardinality(drop_views) = 0 THEN
            RAISE EXCEPTION 'views % use each other in a cycle', remaining USING ERRCODE = 'invalid_parameter_value';
        END IF;
        ordered := ordered || drop_views;
        remaining := ARRAY(SELECT x FROM unnest(remaining) x WHERE NOT x = ANY (drop_views));
    END LOOP;
    drop_views := ordered;
    FOREACH k IN ARRAY drop_views LOOP
        v := a->'views'->k;
        steps := steps || ROW('drop view', k, migrate.view_drop(v),
            concat_ws(E';\n', migrate.view_ddl(v),
                      CASE WHEN v->>'comment' IS NOT NULL
                           THEN migrate.comment_ddl(CASE WHEN (v->>'materialized')::boolean THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                                                    format('%I.%I', v->>'schema', v->>'name'), v->>'comment') END),
            CASE WHEN (v->>'materialized')::boolean THEN 'the materialized view is refilled when it is created again' END)::migrate.diff_step;
    END LOOP;

    -- constraints and indexes that go or change, on tables that stay: every
    -- foreign key first, since one may use the key of another table that goes
    -- (a table that goes drops here only its foreign keys to a key made again)
    FOR i IN 1 .. 2 LOOP
        FOR k, v IN SELECT x, y FROM jsonb_each(a->'tables') e(x, y)
                    WHERE (b->'tables') ? x OR i = 1 ORDER BY 1 LOOP
            w := b->'tables'->k;
            qt := format('%I.%I', v->>'schema', v->>'name');
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'constraints') e(x, y)
                            WHERE (CASE WHEN w IS NULL THEN migrate.touches_replaced(k, y, replaced)
                                        ELSE (w->'constraints'->x) IS DISTINCT FROM y
                                             OR migrate.touches_replaced(k, y, replaced) END
                                   OR (y->>'type' = 'f' AND y->>'references' = ANY (key_tables)))
                              AND ((y->>'type' = 'f') = (i = 1))
                            ORDER BY x LOOP
                IF w IS NULL THEN
                    early_fks := early_fks || (k || '.' || cname);
                END IF;
                steps := steps || ROW('drop constraint', k || '.' || cname,
                    format('ALTER TABLE %s DROP CONSTRAINT %I', qt, cname),
                    format('ALTER TABLE %s ADD CONSTRAINT %I %s', qt, cname, c->>'definition'),
                    NULL)::migrate.diff_step;
            END LOOP;
            CONTINUE WHEN i = 1;
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'indexes') e(x, y)
                            WHERE (w->'indexes'->x) IS DISTINCT FROM y
                               OR migrate.touches_replaced(k, y, replaced) ORDER BY 1 LOOP
                steps := steps || ROW('drop index', k || '.' || cname,
                    format('DROP INDEX %I.%I', v->>'schema', cname), c->>'definition', NULL)::migrate.diff_step;
            END LOOP;
        END LOOP;
    END LOOP;

    -- new tables, columns only
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'tables') e(x, y) WHERE NOT (a->'tables') ? x ORDER BY 1 LOOP
        warn := NULL;
        -- a table that goes with the same columns may be this one renamed
        SELECT string_agg(x, ', ') INTO cname FROM jsonb_each(a->'tables') e(x, y)
        WHERE NOT (b->'tables') ? x AND y->'columns' = v->'columns';
        IF cname IS NOT NULL THEN
            warn := format('may be a rename of %s, whose data the drop would lose', cname);
        END IF;
        steps := steps || ROW('create table', k, migrate.table_ddl(v),
            format('DROP TABLE %I.%I', v->>'schema', v->>'name'), warn)::migrate.diff_step;
    END LOOP;

    -- columns of tables that stay: new ones, then changes
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'tables') e(x, y) WHERE (a->'tables') ? x ORDER BY 1 LOOP
        w := a->'tables'->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF (w->>'partition_by') IS DISTINCT FROM (v->>'partition_by') THEN
            steps := steps || ROW('alter table', k,
                format('-- partitioning of %s changed: not generated; recreate the table by hand', qt), NULL,
                format('partitioning of %s changes from %s to %s: not generated', qt,
                       coalesce(w->>'partition_by', 'none'), coalesce(v->>'partition_by', 'none')))::migrate.diff_step;
        END IF;
        added_cols := ARRAY(SELECT nc->>'name' FROM jsonb_array_elements(v->'columns') nc
                            WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(w->'columns') old_c
                                              WHERE old_c->>'name' = nc->>'name'));
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
                IF cardinality(dropped_cols) = 1 AND cardinality(added_cols) = 1
                   AND (SELECT x->>'type' FROM jsonb_array_elements(w->'columns') x
                        WHERE x->>'name' = dropped_cols[1]) = c->>'type' THEN
                    warn := concat_ws('; ', warn, format('may be a rename of column %I, whose data the drop would lose', dropped_cols[1]));
                END IF;
                steps := steps || ROW('add column', k || '.' || cname,
                    format('ALTER TABLE %s ADD COLUMN %s', qt, migrate.column_ddl(c)),
                    format('ALTER TABLE %s DROP COLUMN %s', qt, qc), warn)::migrate.diff_step;
                CONTINUE;
            END IF;
            IF (oc->>'generated') IS DISTINCT FROM (c->>'generated')
               OR ((oc->>'type' ~ 'serial$') <> (c->>'type' ~ 'serial$')) THEN
                -- no ALTER for these: the column is made again
                -- (its comment goes with it: put back the one it had)
                steps := steps || ROW('replace column', k || '.' || cname,
                    concat_ws(E';\n', format('ALTER TABLE %s DROP COLUMN %s, ADD COLUMN %s', qt, qc, migrate.column_ddl(c)),
                              CASE WHEN oc->>'comment' IS NOT NULL
                                   THEN migrate.comment_ddl('COLUMN', qt || '.' || qc, oc->>'comment') END),
                    concat_ws(E';\n', format('ALTER TABLE %s DROP COLUMN %s, ADD COLUMN %s', qt, qc, migrate.column_ddl(oc)),
                              CASE WHEN oc->>'comment' IS NOT NULL
                                   THEN migrate.comment_ddl('COLUMN', qt || '.' || qc, oc->>'comment') END),
                    'the column is dropped and added again: its data is lost')::migrate.diff_step;
                CONTINUE;
            END IF;
            IF (oc->>'default') IS DISTINCT FROM (c->>'default') AND oc->>'default' IS NOT NULL THEN
                steps := steps || ROW('drop default', k || '.' || cname,
                    format('ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT', qt, qc),
                    format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', qt, qc, oc->>'default'), NULL)::migrate.diff_step;
            END IF;
            IF (oc->>'identity') IS NOT NULL AND (c->>'identity') IS NULL THEN
                steps := steps || ROW('drop identity', k || '.' || cname,
                    format('ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY', qt, qc),
                    format('ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY', qt, qc, upper(oc->>'identity')),
                    NULL)::migrate.diff_step;
            END IF;
            IF oc->>'type' <> c->>'type' OR (oc->>'collation') IS DISTINCT FROM (c->>'collation') THEN
                -- serial to bigserial: the column's type, and its sequence's
                prev := migrate.base_type(oc->>'type');
                nxt := migrate.base_type(c->>'type');
                steps := steps || ROW('alter column type', k || '.' || cname,
                    concat_ws(E';\n', format('ALTER TABLE %s ALTER COLUMN %s TYPE %s%s USING %s::%s', qt, qc, nxt,
                                             coalesce(' COLLATE ' || (c->>'collation'), ''), qc, nxt),
                              CASE WHEN c->>'sequence' IS NOT NULL AND prev <> nxt
                                   THEN format('ALTER SEQUENCE %s AS %s', c->>'sequence', nxt) END),
                    concat_ws(E';\n', CASE WHEN oc->>'sequence' IS NOT NULL AND prev <> nxt
                                            THEN format('ALTER SEQUENCE %s AS %s', oc->>'sequence', prev) END,
                              format('ALTER TABLE %s ALTER COLUMN %s TYPE %s%s USING %s::%s', qt, qc, prev,
                                     coalesce(' COLLATE ' || (oc->>'collation'), ''), qc, prev)),
                    CASE WHEN NOT migrate.type_widens(prev, nxt)
                         THEN format('%s to %s may fail or lose data', oc->>'type', c->>'type') END)::migrate.diff_step;
            END IF;
            IF (c->>'default') IS DISTINCT FROM (oc->>'default') AND c->>'default' IS NOT NULL THEN
                steps := steps || ROW('set default', k || '.' || cname,
                    format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', qt, qc, c->>'default'),
                    format('ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT', qt, qc), NULL)::migrate.diff_step;
            END IF;
            IF (oc->>'not_null')::boolean <> (c->>'not_null')::boolean THEN
                IF (c->>'not_null')::boolean THEN
                    steps := steps || ROW('set not null', k || '.' || cname,
                        format('ALTER TABLE %s ALTER COLUMN %s SET NOT NULL', qt, qc),
                        format('ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL', qt, qc),
                        'SET NOT NULL fails if the column holds NULLs')::migrate.diff_step;
                ELSE
                    steps := steps || ROW('drop not null', k || '.' || cname,
                        format('ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL', qt, qc),
                        format('ALTER TABLE %s ALTER COLUMN %s SET NOT NULL', qt, qc),
                        NULL)::migrate.diff_step;
                END IF;
            END IF;
            IF (c->>'identity') IS NOT NULL AND (oc->>'identity') IS NULL THEN
                steps := steps || ROW('add identity', k || '.' || cname,
                    format('ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY', qt, qc, upper(c->>'identity')),
                    format('ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY', qt, qc), NULL)::migrate.diff_step;
            ELSIF (c->>'identity') IS NOT NULL AND (oc->>'identity') <> (c->>'identity') THEN
                steps := steps || ROW('alter identity', k || '.' || cname,
                    format('ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s', qt, qc, upper(c->>'identity')),
                    format('ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s', qt, qc, upper(oc->>'identity')),
                    NULL)::migrate.diff_step;
            END IF;
        END LOOP;
    END LOOP;

    -- constraints and indexes that are new or changed (foreign keys after every table exists)
    FOR i IN 1 .. 2 LOOP
        FOR k, v IN SELECT x, y FROM jsonb_each(b->'tables') e(x, y) ORDER BY 1 LOOP
            w := a->'tables'->k;
            qt := format('%I.%I', v->>'schema', v->>'name');
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'constraints') e(x, y)
                            WHERE ((w->'constraints'->x) IS DISTINCT FROM y
                                   OR (w IS NOT NULL AND migrate.touches_replaced(k, y, replaced))
                                   OR (w IS NOT NULL AND y->>'type' = 'f' AND y->>'references' = ANY (key_tables)))
                              AND ((y->>'type' = 'f') = (i = 2))
                            ORDER BY CASE y->>'type' WHEN 'p' THEN 0 WHEN 'u' THEN 1 ELSE 2 END, x LOOP
                steps := steps || ROW('add constraint', k || '.' || cname,
                    format('ALTER TABLE %s ADD CONSTRAINT %I %s', qt, cname, c->>'definition'),
                    format('ALTER TABLE %s DROP CONSTRAINT %I', qt, cname),
                    CASE WHEN w IS NOT NULL
                         THEN 'fails if existing rows violate it' END)::migrate.diff_step;
            END LOOP;
            CONTINUE WHEN i = 2;
            FOR cname, c IN SELECT x, y FROM jsonb_each(v->'indexes') e(x, y)
                            WHERE (w->'indexes'->x) IS DISTINCT FROM y
                               OR (w IS NOT NULL AND migrate.touches_replaced(k, y, replaced)) ORDER BY 1 LOOP
                steps := steps || ROW('create index', k || '.' || cname, c->>'definition',
                    format('DROP INDEX %I.%I', v->>'schema', cname), NULL)::migrate.diff_step;
            END LOOP;
        END LOOP;
    END LOOP;

    -- columns that go, from tables that stay
    FOR k, v IN SELECT x, y FROM jsonb_each(a->'tables') e(x, y) WHERE (b->'tables') ? x ORDER BY 1 LOOP
        w := b->'tables'->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        FOR c IN SELECT old_c FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS e(old_c, o)
                 WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(w->'columns') nc
                                   WHERE nc->>'name' = old_c->>'name')
                 ORDER BY o LOOP
            steps := steps || ROW('drop column', k || '.' || (c->>'name'),
                format('ALTER TABLE %s DROP COLUMN %I', qt, c->>'name'),
                concat_ws(E';\n', format('ALTER TABLE %s ADD COLUMN %s', qt, migrate.column_ddl(c)),
                          CASE WHEN c->>'comment' IS NOT NULL
                               THEN migrate.comment_ddl('COLUMN', qt || '.' || quote_ident(c->>'name'), c->>'comment') END),
                'drops the column and its data')::migrate.diff_step;
        END LOOP;
    END LOOP;

    -- tables that go: those referencing others first
    remaining := ARRAY(SELECT x FROM jsonb_object_keys(a->'tables') x WHERE NOT (b->'tables') ? x);
    WHILE cardinality(remaining) > 0 LOOP
        ordered := ARRAY(SELECT x FROM unnest(remaining) x
                         WHERE NOT EXISTS (SELECT 1 FROM unnest(remaining) y, jsonb_each(a->'tables'->y->'constraints') con(n, d)
                                           WHERE y <> x AND d->>'references' = x
                                             AND NOT (y || '.' || n) = ANY (early_fks))
                         ORDER BY 1);
        IF cardinality(ordered) = 0 THEN
            -- tables that reference each other: their foreign keys go first
            FOR k, cname, c IN SELECT y, n, d FROM unnest(remaining) y, jsonb_each(a->'tables'->y->'constraints') con(n, d)
                               WHERE d->>'references' = ANY (remaining) AND d->>'references' <> y
                                 AND NOT (y || '.' || n) = ANY (early_fks)
                               ORDER BY 1, 2 LOOP
                v := a->'tables'->k;
                qt := format('%I.%I', v->>'schema', v->>'name');
                steps := steps || ROW('drop constraint', k || '.' || cname,
                    format('ALTER TABLE %s DROP CONSTRAINT %I', qt, cname),
                    format('ALTER TABLE %s ADD CONSTRAINT %I %s', qt, cname, c->>'definition'),
                    NULL)::migrate.diff_step;
                early_fks := early_fks || (k || '.' || cname);
            END LOOP;
            CONTINUE;
        END IF;
        FOREACH k IN ARRAY ordered LOOP
            v := a->'tables'->k;
            qt := format('%I.%I', v->>'schema', v->>'name');
            steps := steps || ROW('drop table', k, format('DROP TABLE %s', qt),
                concat_ws(E';\n', migrate.table_ddl(v),
                          (SELECT string_agg(format('ALTER TABLE %s ADD CONSTRAINT %I %s', qt, n, d->>'definition'), E';\n'
                                             ORDER BY CASE d->>'type' WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'f' THEN 3 ELSE 2 END, n)
                           FROM jsonb_each(v->'constraints') con(n, d)
                           WHERE NOT (k || '.' || n) = ANY (early_fks)),
                          (SELECT string_agg(d->>'definition', E';\n' ORDER BY n) FROM jsonb_each(v->'indexes') ix(n, d)),
                          CASE WHEN v->>'comment' IS NOT NULL THEN migrate.comment_ddl('TABLE', qt, v->>'comment') END,
                          (SELECT string_agg(migrate.comment_ddl('COLUMN', qt || '.' || quote_ident(col->>'name'), col->>'comment'), E';\n' ORDER BY o)
                           FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS x(col, o)
                           WHERE col->>'comment' IS NOT NULL)),
                'drops the table and its data')::migrate.diff_step;
        END LOOP;
        remaining := ARRAY(SELECT x FROM unnest(remaining) x WHERE NOT x = ANY (ordered));
    END LOOP;

    -- views: new, changed or dropped above, those used by others first
    remaining := ARRAY(SELECT x FROM jsonb_object_keys(b->'views') x
                       WHERE NOT (a->'views') ? x OR x = ANY (drop_views));
    WHILE cardinality(remaining) > 0 LOOP
        ordered := ARRAY(SELECT x FROM unnest(remaining) x
                         WHERE NOT EXISTS (SELECT 1 FROM unnest(remaining) y
                                           WHERE y <> x AND (b->'views'->x->'uses') ? y)
                         ORDER BY 1);
        IF cardinality(ordered) = 0 THEN
            RAISE EXCEPTION 'views % use each other in a cycle', remaining USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOREACH k IN ARRAY ordered LOOP
            v := b->'views'->k;
            steps := steps || ROW('create view', k, migrate.view_ddl(v), migrate.view_drop(v), NULL)::migrate.diff_step;
        END LOOP;
        remaining := ARRAY(SELECT x FROM unnest(remaining) x WHERE NOT x = ANY (ordered));
    END LOOP;

    -- comments on tables, columns and views
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'tables') e(x, y) ORDER BY 1 LOOP
        w := a->'tables'->k;
        qt := format('%I.%I', v->>'schema', v->>'name');
        IF (v->>'comment') IS DISTINCT FROM (w->>'comment') THEN
            steps := steps || ROW('comment', k, migrate.comment_ddl('TABLE', qt, v->>'comment'),
                migrate.comment_ddl('TABLE', qt, w->>'comment'), NULL)::migrate.diff_step;
        END IF;
        FOR c IN SELECT nc FROM jsonb_array_elements(v->'columns') WITH ORDINALITY AS e(nc, o) ORDER BY o LOOP
            oc := (SELECT x FROM jsonb_array_elements(w->'columns') x WHERE x->>'name' = c->>'name');
            IF (c->>'comment') IS DISTINCT FROM (oc->>'comment') THEN
                qc := qt || '.' || format('%I', c->>'name');
                steps := steps || ROW('comment', k || '.' || (c->>'name'), migrate.comment_ddl('COLUMN', qc, c->>'comment'),
                    migrate.comment_ddl('COLUMN', qc, oc->>'comment'), NULL)::migrate.diff_step;
            END IF;
        END LOOP;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(b->'views') e(x, y) ORDER BY 1 LOOP
        w := CASE WHEN k = ANY (drop_views) THEN NULL ELSE a->'views'->k END;
        IF (v->>'comment') IS DISTINCT FROM (w->>'comment') THEN
            qt := format('%I.%I', v->>'schema', v->>'name');
            cname := CASE WHEN (v->>'materialized')::boolean THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END;
            steps := steps || ROW('comment', k, migrate.comment_ddl(cname, qt, v->>'comment'),
                migrate.comment_ddl(cname, qt, w->>'comment'), NULL)::migrate.diff_step;
        END IF;
    END LOOP;

    -- what goes last: sequences, types, extensions, schemas
    FOR k, v IN SELECT x, y FROM jsonb_each(a->'sequences') e(x, y) WHERE NOT (b->'sequences') ? x ORDER BY 1 LOOP
        steps := steps || ROW('drop sequence', k, format('DROP SEQUENCE %I.%I', v->>'schema', v->>'name'),
            migrate.sequence_ddl(v), 'the downgrade restarts the sequence')::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a->'enums') e(x, y) WHERE NOT (b->'enums') ? x ORDER BY 1 LOOP
        steps := steps || ROW('drop type', k, format('DROP TYPE %I.%I', v->>'schema', v->>'name'),
            format('CREATE TYPE %I.%I AS ENUM (%s)', v->>'schema', v->>'name',
                   (SELECT string_agg(quote_literal(x), ', ' ORDER BY o)
                    FROM jsonb_array_elements_text(v->'values') WITH ORDINALITY AS e(x, o))),
            NULL)::migrate.diff_step;
    END LOOP;
    FOR k, v IN SELECT x, y FROM jsonb_each(a->'extensions') e(x, y) WHERE NOT (b->'extensions') ? x ORDER BY 1 LOOP
        steps := steps || ROW('drop extension', k, format('DROP EXTENSION %I', k),
            format('CREATE EXTENSION %I WITH SCHEMA %I VERSION %L', k, v->>'schema', v->>'version'),
            'drops the extension''s objects and their data')::migrate.diff_step;
    END LOOP;
    FOR k IN SELECT x FROM jsonb_object_keys(a->'schemas') x WHERE NOT (b->'schemas') ? x ORDER BY 1 LOOP
        steps := steps || ROW('drop schema', k, format('DROP SCHEMA %I', k), format('CREATE SCHEMA %I', k), NULL)::migrate.diff_step;
    END LOOP;

    RETURN QUERY SELECT o::int, s.operation, s.object, s.upgrade, s.downgrade, s.warning
                 FROM unnest(steps) WITH ORDINALITY AS s(operation, object, upgrade, downgrade, warning, o)
                 ORDER BY o;
END
$fn$;

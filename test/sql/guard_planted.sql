-- Nothing planted in a schema of a superuser's search_path runs when that
-- superuser runs DDL by hand (the guard's event triggers, under log, warn
-- and error) or migrate's functions: their queries run with search_path
-- pinned to pg_catalog, pg_temp and qualified operators (issue 10 item 1).
--
-- A role with CREATE on public plants there operators, functions,
-- aggregates, domains, an implicit cast and views shadowing what those
-- queries use, plus temporary views over the catalogs in the session's
-- pg_temp.  Each planted object records its use (a WARNING, which survives
-- a refused command, and a row), and tries to make the planter superuser.
SET client_min_messages = warning;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.fingerprint, migrate.drift;
CREATE ROLE regress_planter;
GRANT CREATE ON SCHEMA public TO regress_planter;
CREATE SCHEMA gp;
CREATE FUNCTION gp.trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TABLE gp.t (id int, old int);
CREATE INDEX gp_t_old ON gp.t (old);
CREATE RULE gp_t_rule AS ON UPDATE TO gp.t DO INSTEAD NOTHING;
CREATE TRIGGER gp_t_trg BEFORE INSERT ON gp.t FOR EACH ROW EXECUTE FUNCTION gp.trg();
CREATE POLICY gp_t_pol ON gp.t USING (true);
SELECT migrate_revision('gp1', '{}', 'CREATE TABLE gp.m (id pg_catalog.int4)', 'DROP TABLE gp.m', 'gp1') IS NOT NULL AS registered;

-- the same DDL by hand and calls under each setting of the guard, run with
-- \gexec: each trigger's query runs (ddl_command_end, sql_drop,
-- table_rewrite) on permanent and temporary objects, and the schema is left
-- as it was.  Every name in them is qualified, so that only migrate's own
-- queries could meet a planted object.
CREATE SCHEMA gp_script;
CREATE TABLE gp_script.ddl (n serial, s text);
INSERT INTO gp_script.ddl (s) VALUES
    ($s$CREATE TABLE gp.t2 (id pg_catalog.int4)$s$),
    ($s$DROP TABLE gp.t2$s$),
    ($s$ALTER TABLE gp.t ADD COLUMN extra pg_catalog.int4$s$),
    ($s$ALTER TABLE gp.t DROP COLUMN extra$s$),
    ($s$ALTER TABLE gp.t ALTER COLUMN id TYPE pg_catalog.int8$s$),
    ($s$ALTER TABLE gp.t ALTER COLUMN id TYPE pg_catalog.int4$s$),
    ($s$DROP INDEX gp.gp_t_old$s$),
    ($s$CREATE INDEX gp_t_old ON gp.t (old)$s$),
    ($s$DROP RULE gp_t_rule ON gp.t$s$),
    ($s$CREATE RULE gp_t_rule AS ON UPDATE TO gp.t DO INSTEAD NOTHING$s$),
    ($s$DROP TRIGGER gp_t_trg ON gp.t$s$),
    ($s$CREATE TRIGGER gp_t_trg BEFORE INSERT ON gp.t FOR EACH ROW EXECUTE FUNCTION gp.trg()$s$),
    ($s$DROP POLICY gp_t_pol ON gp.t$s$),
    ($s$CREATE POLICY gp_t_pol ON gp.t USING (true)$s$),
    ($s$COMMENT ON TABLE gp.t IS 'by hand'$s$),
    ($s$CREATE TEMP TABLE gp_tmp (id pg_catalog.int4)$s$),
    ($s$CREATE RULE gp_tmp_rule AS ON UPDATE TO gp_tmp DO INSTEAD NOTHING$s$),
    ($s$DROP RULE gp_tmp_rule ON gp_tmp$s$),
    ($s$DROP TABLE gp_tmp$s$),
    ($s$SELECT guard, drift OPERATOR(pg_catalog.>) 0 AS drift, schema_matches FROM migrate_status()$s$),
    ($s$SELECT pg_catalog.count(*) AS steps FROM migrate_diff('{}', migrate_describe('{gp}'))$s$),
    ($s$SELECT pg_catalog.jsonb_typeof(migrate_describe()) AS described$s$),
    ($s$SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 AS recorded FROM migrate_drift()$s$),
    ($s$SELECT revision FROM migrate_upgrade('head')$s$),
    ($s$SELECT revision FROM migrate_downgrade('base')$s$);

SET ROLE regress_planter;
SET search_path = pg_catalog, pg_temp;
CREATE TABLE public.planted_log (what text, by_role name, superuser boolean);
GRANT ALL ON public.planted_log TO PUBLIC;
CREATE FUNCTION public.planted(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE WARNING 'planted % ran as %', what, current_user;
    INSERT INTO public.planted_log
    SELECT what, current_user, rolsuper FROM pg_roles WHERE rolname = current_user;
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER ROLE regress_planter SUPERUSER;
    END IF;
    RETURN true;
END $$;
-- a fully qualified name for a type
CREATE FUNCTION public.planted_type(t regtype) RETURNS text LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%I.%I', n.nspname, y.typname) FROM pg_type y JOIN pg_namespace n ON n.oid = y.typnamespace
    WHERE y.oid = t
$$;
DO $plant$
DECLARE
    r record;
    ret regtype;
    sig text[];
    args text;
    done text[] := '{}';
    n int := 0;
BEGIN
    -- operators for the argument types migrate's queries compare, exact
    -- matches and better matches (oid = regclass) than pg_catalog's own
    FOR r IN SELECT op, l::regtype AS l, rt::regtype AS rt FROM (
             SELECT op, l, rt FROM unnest('{=,<>}'::text[]) op,
                  (VALUES ('oid', 'regclass'), ('regclass', 'oid'), ('oid', 'oid'), ('regclass', 'regclass'),
                          ('text', 'text'), ('name', 'text'), ('text', 'name'), ('name', 'name'),
                          ('"char"', '"char"'), ('"char"', 'text'), ('bigint', 'bigint'), ('integer', 'integer'),
                          ('smallint', 'integer'), ('boolean', 'boolean'), ('jsonb', 'jsonb'),
                          ('timestamptz', 'timestamptz'), ('regnamespace', 'oid'), ('regtype', 'oid')) v(l, rt)
             UNION ALL
             SELECT '||', l, rt FROM (VALUES ('text', 'text'), ('name', 'text'), ('text', 'name'), ('name', 'name'),
                                             ('text', 'integer'), ('text', 'bigint'),
                                             ('text', 'regclass'), ('text', 'oid'), ('text[]', 'text')) v(l, rt)
             UNION ALL
             SELECT op, l, rt FROM unnest('{~~,!~~,~,!~}'::text[]) op,
                                   (VALUES ('text', 'text'), ('name', 'text')) v(l, rt)
             UNION ALL
             SELECT op, l, rt FROM unnest('{<,>,<=,>=}'::text[]) op,
                                   (VALUES ('bigint', 'integer'), ('integer', 'integer'), ('bigint', 'bigint'),
                                           ('timestamptz', 'timestamptz'), ('text', 'text'), ('smallint', 'integer')) v(l, rt)
             UNION ALL
             SELECT '+', l, rt FROM (VALUES ('bigint', 'integer'), ('bigint', 'bigint'), ('integer', 'integer')) v(l, rt)
             UNION ALL
             SELECT op, 'jsonb', 'text' FROM unnest('{->,->>,?}'::text[]) op) ops
    LOOP
        EXECUTE format('SELECT pg_typeof(NULL::%s OPERATOR(pg_catalog.%s) NULL::%s)', r.l, r.op, r.rt) INTO ret;
        n := n + 1;
        EXECUTE format('CREATE FUNCTION public.planted_op_%s(%s, %s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog, pg_temp AS %L',
                       n, public.planted_type(r.l), public.planted_type(r.rt), public.planted_type(ret),
                       format('SELECT CASE WHEN public.planted(%L) THEN $1 OPERATOR(pg_catalog.%s) $2 END',
                              format('operator %s(%s, %s)', r.op, r.l, r.rt), r.op));
        EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.planted_op_%s)',
                       r.op, public.planted_type(r.l), public.planted_type(r.rt), n);
    END LOOP;

    -- functions with every name the queries call: pg_catalog's signatures
    -- (exact shadows, for a search_path that puts pg_catalog later) and
    -- better matches (name for text, regclass for oid, text[] for anyarray)
    FOR r IN SELECT DISTINCT p.proname, p.oid AS fn, v.variant
             FROM pg_proc p, (VALUES ('same'), ('name'), ('regclass'), ('varchar')) v(variant)
             WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f' AND NOT p.proretset
               AND p.proname IN ('cardinality', 'clock_timestamp', 'col_description', 'current_query',
                                 'current_setting', 'format', 'format_type', 'inet_client_addr',
                                 'jsonb_array_length', 'jsonb_typeof', 'md5', 'nextval', 'now',
                                 'obj_description', 'pg_describe_object', 'pg_get_constraintdef',
                                 'pg_get_expr', 'pg_get_functiondef', 'pg_get_indexdef',
                                 'pg_get_partkeydef', 'pg_get_triggerdef', 'pg_get_viewdef',
                                 'pg_event_trigger_table_rewrite_oid', 'pg_my_temp_schema',
                                 'pg_is_other_temp_schema', 'pg_get_userbyid', 'pg_has_role',
                                 'quote_ident', 'quote_literal', 'replace', 'rtrim', 'split_part',
                                 'substring', 'to_regclass', 'upper', 'lower', 'length', 'concat_ws',
                                 'current_database', 'session_user', 'current_user')
    LOOP
        SELECT array_agg(CASE WHEN r.variant = 'name' AND t = 'text'::regtype THEN 'name'::regtype
                              WHEN r.variant = 'varchar' AND t = 'text'::regtype THEN 'varchar'::regtype
                              WHEN r.variant = 'regclass' AND t = 'oid'::regtype THEN 'regclass'::regtype
                              WHEN t = 'anyarray'::regtype THEN 'text[]'::regtype
                              WHEN t = 'anyelement'::regtype THEN 'text'::regtype
                              ELSE t::regtype END::text ORDER BY o)
        INTO sig
        FROM pg_proc p, unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, o) WHERE p.oid = r.fn;
        CONTINUE WHEN r.variant <> 'same' AND NOT EXISTS (
            SELECT FROM pg_proc p, unnest(p.proargtypes::oid[]) a(t)
            WHERE p.oid = r.fn AND t IN ('text'::regtype, 'oid'::regtype));
        -- pseudo-typed arguments ("any", internal) cannot be planted in SQL
        CONTINUE WHEN EXISTS (SELECT FROM unnest(sig) s WHERE (SELECT typtype FROM pg_type WHERE oid = s::regtype) = 'p');
        CONTINUE WHEN (SELECT typtype FROM pg_type y JOIN pg_proc p ON y.oid = p.prorettype WHERE p.oid = r.fn) = 'p';
        CONTINUE WHEN format('%s(%s)', r.proname, array_to_string(sig, ', ')) = ANY (done);
        done := done || format('%s(%s)', r.proname, array_to_string(sig, ', '));
        SELECT string_agg(public.planted_type(s::regtype), ', ' ORDER BY o) INTO args
        FROM unnest(sig) WITH ORDINALITY x(s, o);
        EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE sql SET search_path = pg_catalog, pg_temp AS %L',
                       r.proname, coalesce(args, ''),
                       (SELECT public.planted_type(prorettype) FROM pg_proc WHERE oid = r.fn),
                       format('SELECT CASE WHEN public.planted(%L) THEN pg_catalog.%I(%s) END',
                              format('function %s(%s)', r.proname, array_to_string(sig, ', ')), r.proname,
                              (SELECT string_agg(format('$%s::%s', o, public.planted_type(t::regtype)), ', ' ORDER BY o)
                               FROM pg_proc p, unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, o)
                               WHERE p.oid = r.fn)));
    END LOOP;
END
$plant$;
-- set-returning functions and aggregates the queries use
CREATE FUNCTION public.unnest(text[]) RETURNS SETOF text LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT x FROM pg_catalog.unnest($1) x WHERE public.planted('function unnest(text[])') $$;
CREATE FUNCTION public.unnest(oid[]) RETURNS SETOF oid LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT x FROM pg_catalog.unnest($1) x WHERE public.planted('function unnest(oid[])') $$;
CREATE FUNCTION public.unnest(name[]) RETURNS SETOF name LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT x FROM pg_catalog.unnest($1) x WHERE public.planted('function unnest(name[])') $$;
CREATE FUNCTION public.planted_agg(text, text, text) RETURNS text LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN public.planted('aggregate string_agg(text, text)') THEN $1 || $3 || $2 END $$;
CREATE AGGREGATE public.string_agg(text, text) (SFUNC = public.planted_agg, STYPE = text);
CREATE FUNCTION public.planted_agg(text, name, text) RETURNS text LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN public.planted('aggregate string_agg(name, text)') THEN $1 || $3 || $2 END $$;
CREATE AGGREGATE public.string_agg(name, text) (SFUNC = public.planted_agg, STYPE = text);
CREATE FUNCTION public.planted_max(bigint, bigint) RETURNS bigint LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN public.planted('aggregate max(bigint)') THEN greatest($1, $2) END $$;
CREATE AGGREGATE public.max(bigint) (SFUNC = public.planted_max, STYPE = bigint);
CREATE FUNCTION public.planted_max_ts(timestamptz, timestamptz) RETURNS timestamptz LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN public.planted('aggregate max(timestamptz)') THEN greatest($1, $2) END $$;
CREATE AGGREGATE public.max(timestamptz) (SFUNC = public.planted_max_ts, STYPE = timestamptz);
CREATE FUNCTION public.planted_count(bigint) RETURNS bigint LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN public.planted('aggregate count(*)') THEN $1 + 1 END $$;
CREATE AGGREGATE public.count(*) (SFUNC = public.planted_count, STYPE = bigint, INITCOND = 0);
CREATE FUNCTION public.planted_array_agg(text[], text) RETURNS text[] LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN public.planted('aggregate array_agg(text)') THEN $1 || $2 END $$;
CREATE AGGREGATE public.array_agg(text) (SFUNC = public.planted_array_agg, STYPE = text[]);
CREATE FUNCTION public.planted_array_agg(name[], name) RETURNS name[] LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN public.planted('aggregate array_agg(name)') THEN $1 || $2 END $$;
CREATE AGGREGATE public.array_agg(name) (SFUNC = public.planted_array_agg, STYPE = name[]);
-- types named like pg_catalog's, whose check runs at every cast to them
CREATE DOMAIN public.regclass AS pg_catalog.regclass CHECK (public.planted('domain regclass'));
CREATE DOMAIN public.oid AS pg_catalog.oid CHECK (public.planted('domain oid'));
CREATE DOMAIN public.text AS pg_catalog.text CHECK (public.planted('domain text'));
CREATE DOMAIN public.name AS pg_catalog.name CHECK (public.planted('domain name'));
CREATE DOMAIN public."char" AS pg_catalog."char" CHECK (public.planted('domain "char"'));
CREATE DOMAIN public.timestamptz AS pg_catalog.timestamptz CHECK (public.planted('domain timestamptz'));
CREATE DOMAIN public.jsonb AS pg_catalog.jsonb CHECK (public.planted('domain jsonb'));
-- a type of the planter's with implicit casts from text and name, and its =
CREATE TYPE public.planted_t AS ENUM ('x');
CREATE FUNCTION public.planted_cast(pg_catalog.text) RETURNS public.planted_t LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN public.planted('cast to planted_t') THEN 'x'::public.planted_t END $$;
CREATE FUNCTION public.planted_cast(pg_catalog.name) RETURNS public.planted_t LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN public.planted('cast to planted_t') THEN 'x'::public.planted_t END $$;
CREATE CAST (pg_catalog.text AS public.planted_t) WITH FUNCTION public.planted_cast(pg_catalog.text) AS IMPLICIT;
CREATE CAST (pg_catalog.name AS public.planted_t) WITH FUNCTION public.planted_cast(pg_catalog.name) AS IMPLICIT;
CREATE FUNCTION public.planted_t_eq(public.planted_t, public.planted_t) RETURNS boolean LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT public.planted('operator =(planted_t, planted_t)') $$;
CREATE OPERATOR public.= (LEFTARG = public.planted_t, RIGHTARG = public.planted_t, FUNCTION = public.planted_t_eq);
-- views named like the catalogs, in public and (temporary) in pg_temp
DO $plant$
DECLARE
    c text;
    cols text;
BEGIN
    FOREACH c IN ARRAY '{pg_class,pg_namespace,pg_trigger,pg_rewrite,pg_policy,pg_depend,pg_attribute,pg_type,pg_proc,pg_constraint,pg_index,pg_description,pg_extension,pg_inherits,pg_attrdef,pg_sequence,pg_enum,pg_range,pg_roles,pg_auth_members,pg_authid}'::text[] LOOP
        -- every column a view can have (not pg_attribute's anyarray)
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
        FROM pg_attribute a JOIN pg_type y ON y.oid = a.atttypid
        WHERE a.attrelid = ('pg_catalog.' || c)::regclass AND a.attnum > 0 AND y.typtype <> 'p';
        EXECUTE format('CREATE VIEW public.%I AS SELECT %s FROM pg_catalog.%I WHERE public.planted(%L)',
                       c, cols, c, 'view public.' || c);
        EXECUTE format('CREATE TEMP VIEW %I AS SELECT %s FROM pg_catalog.%I WHERE public.planted(%L)',
                       c, cols, c, 'view pg_temp.' || c);
    END LOOP;
END
$plant$;
CREATE TEMP TABLE planted_kept (id int);
RESET ROLE;
SELECT count(*) > 100 AS planted FROM pg_proc WHERE pronamespace = 'public'::regnamespace
                                                 AND proowner = 'regress_planter'::regrole;

SELECT migrate_drift_clear('infinity') > 0 AS cleared;

-- the script under each setting of the guard, first with the planter's
-- schemas ahead and pg_catalog where PostgreSQL puts it when it is not
-- named (first): the attack as the issue describes it; then worse, with
-- pg_catalog named after them, so that exact shadows win too
SELECT x.s
FROM (VALUES (1, 'public, pg_temp'), (2, 'public, pg_temp, pg_catalog')) AS p(i, path),
     (VALUES (1, 'log'), (2, 'warn'), (3, 'error')) AS g(j, mode),
     LATERAL (SELECT -1, format('SET search_path = %s', p.path)
              UNION ALL SELECT 0, format('SET migrate.guard = %s', g.mode)
              UNION ALL SELECT n, s FROM gp_script.ddl) AS x(n, s)
ORDER BY p.i, g.j, x.n \gexec
RESET migrate.guard;
-- (pg_temp named last: unnamed, it comes first for relations, before pg_catalog)
SET search_path = pg_catalog, pg_temp;

-- nothing planted ran, and the guard did its work
SELECT * FROM public.planted_log;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_planter';
SELECT command_tag, object_type, object_identity, guard, count(*)
FROM migrate_drift() GROUP BY 1, 2, 3, 4 ORDER BY 4, 1, 2, 3;
-- every SQL and PL/pgSQL function of migrate's pins its search_path (the
-- C ones pin it around each query they run)
SELECT coalesce(array_agg(p.oid::regprocedure) FILTER (WHERE l.lanname <> 'c' AND NOT pinned), '{}') AS unpinned,
       count(*) FILTER (WHERE pinned) > 10 AS pinned
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'migrate'
JOIN pg_language l ON l.oid = p.prolang,
LATERAL (SELECT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)) AS x(pinned);

SET migrate.guard = off;
DROP SCHEMA gp, gp_script CASCADE;
DROP OWNED BY regress_planter CASCADE;
DROP ROLE regress_planter;
RESET migrate.guard;
SELECT migrate_forget('gp1');
TRUNCATE migrate.drift, migrate.log, migrate.fingerprint;

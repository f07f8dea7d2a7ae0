/* migrate 1.1: the guard (schema changes outside migrations are recorded or refused) and schema fingerprints */

\echo Use "ALTER EXTENSION migrate UPDATE TO '1.1'" to load this file. \quit

/*
 * Fire the generation triggers under session_replication_role = replica too
 * (logical replication's apply worker, some restore tools): otherwise such
 * writes would leave other backends' cached graphs stale.
 */
ALTER TABLE migrate.revision ENABLE ALWAYS TRIGGER bump_generation;
ALTER TABLE migrate.applied ENABLE ALWAYS TRIGGER bump_generation;

/*
 * Out-of-band schema changes: one row per object a DDL command outside
 * migrate_upgrade()/migrate_downgrade() created, altered or dropped.  The
 * statement text can hold secrets (USER MAPPING options, say), so only the
 * owner reads it; grant SELECT to auditors.
 */
CREATE SEQUENCE migrate.drift_seq;

CREATE TABLE migrate.drift (
    id               bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migrate.drift_seq'),
    at               timestamptz NOT NULL,
    role             name NOT NULL,          -- current_user at the change
    session_role     name NOT NULL,          -- the login, when SET ROLE was used
    application_name text NOT NULL,
    client_addr      inet,                   -- NULL over a Unix socket
    command_tag      text NOT NULL,
    object_type      text,
    object_identity  text,
    statement        text,
    heads            text[],                 -- current heads then; NULL if unreadable
    guard            text NOT NULL,          -- migrate.guard in effect
    guard_set_by_session boolean NOT NULL    -- by SET or connection options: a bypass trail
);
CREATE INDEX ON migrate.drift (at);

/*
 * The schema's fingerprint after every migrate_upgrade(), migrate_downgrade()
 * and migrate_stamp() call that changed something: migrate_status() compares
 * the schema against the latest one.
 */
CREATE TABLE migrate.fingerprint (
    log_id      bigint PRIMARY KEY,          -- the call's last migrate.log row
    at          timestamptz NOT NULL,
    fingerprint text NOT NULL
);

GRANT SELECT ON migrate.fingerprint TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('migrate.drift', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.drift_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.fingerprint', '');

/*
 * A deterministic description of the user's schema, one line per fact, from
 * the server's own canonical forms.  Two databases with the same schema give
 * the same lines: no OIDs, owners, privileges or physical positions (a
 * column's position counts among the live columns only), and the settings
 * that change how values print are pinned.  System schemas, temporary
 * objects, migrate's own schema and the members of extensions are left out;
 * an installed extension is one line with its version.
 */
CREATE FUNCTION migrate.schema_description()
RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET quote_all_identifiers = off
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = postgres
SET TimeZone = 'UTC'
SET extra_float_digits = 1
AS $$
WITH member AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), ns AS (
    SELECT n.oid, n.nspname FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate')
      AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
      AND (n.tableoid, n.oid) NOT IN (SELECT classid, objid FROM member)
), rel AS (
    SELECT c.oid, c.relkind, c.relpersistence, c.relrowsecurity, c.oid::regclass::text AS name
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
      AND (c.tableoid, c.oid) NOT IN (SELECT classid, objid FROM member)
), line(line) AS (
SELECT 'schema ' || quote_ident(nspname) FROM ns
UNION ALL
SELECT 'relation ' || rel.name || ' kind ' || rel.relkind::text || ' persistence ' || rel.relpersistence::text
       || CASE WHEN rel.relrowsecurity THEN ' row security' ELSE '' END
       || coalesce(' partition of ' || (SELECT string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)
                                        FROM pg_inherits i WHERE i.inhrelid = rel.oid), '')
       || coalesce(' ' || pg_get_expr(c.relpartbound, c.oid), '')
       || coalesce(' partition by ' || pg_get_partkeydef(c.oid), '')
FROM rel JOIN pg_class c ON c.oid = rel.oid
UNION ALL
SELECT 'column ' || rel.name || ' ' || quote_ident(a.attname)
       || ' #' || row_number() OVER (PARTITION BY rel.oid ORDER BY a.attnum)
       || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END
       || CASE a.attgenerated WHEN 's' THEN ' generated' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attcollation <> t.typcollation THEN ' collate ' || a.attcollation::regcollation::text ELSE '' END
FROM rel
JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE rel.relkind <> 'S'            -- a sequence's columns are its fixed layout
UNION ALL
SELECT 'constraint ' || coalesce(rel.name, format_type(con.contypid, NULL)) || ' ' || quote_ident(con.conname)
       || ' ' || pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN ns ON ns.oid = con.connamespace
LEFT JOIN rel ON rel.oid = con.conrelid
WHERE con.conrelid = 0 OR rel.oid IS NOT NULL
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
       || CASE WHEN i.indisclustered THEN ' clustered' ELSE '' END
FROM pg_index i JOIN rel ON rel.oid = i.indrelid
UNION ALL
SELECT 'view ' || name || ' ' || pg_get_viewdef(oid) FROM rel WHERE relkind IN ('v', 'm')
UNION ALL
SELECT 'sequence ' || rel.name || ' ' || format_type(s.seqtypid, NULL)
       || ' start ' || s.seqstart || ' increment ' || s.seqincrement
       || ' min ' || s.seqmin || ' max ' || s.seqmax || ' cache ' || s.seqcache
       || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END
       || coalesce(' owned by ' || (SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname)
                                    FROM pg_depend d
                                    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                    WHERE d.classid = 'pg_class'::regclass AND d.objid = rel.oid
                                      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                                    LIMIT 1), '')
FROM rel JOIN pg_sequence s ON s.seqrelid = rel.oid
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(tg.oid) || ' enabled ' || tg.tgenabled::text
FROM pg_trigger tg JOIN rel ON rel.oid = tg.tgrelid
WHERE NOT tg.tgisinternal
UNION ALL
SELECT 'policy ' || rel.name || ' ' || quote_ident(p.polname) || ' ' || p.polcmd::text
       || CASE WHEN p.polpermissive THEN ' permissive' ELSE ' restrictive' END
       || ' to ' || (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END, ',' ORDER BY 1)
                     FROM unnest(p.polroles) r)
       || coalesce(' using ' || pg_get_expr(p.polqual, p.polrelid), '')
       || coalesce(' check ' || pg_get_expr(p.polwithcheck, p.polrelid), '')
FROM pg_policy p JOIN rel ON rel.oid = p.polrelid
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text || ' ' || p.prokind::text || ' '
       || md5(CASE WHEN p.prokind = 'a' THEN p.prosrc ELSE pg_get_functiondef(p.oid) END)
FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
WHERE (p.tableoid, p.oid) NOT IN (SELECT classid, objid FROM member)
UNION ALL
SELECT 'type ' || format_type(t.oid, NULL) || ' ' || t.typtype::text
       || coalesce(' values ' || (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder)
                                  FROM pg_enum e WHERE e.enumtypid = t.oid), '')
       || CASE WHEN t.typtype = 'd' THEN ' over ' || format_type(t.typbasetype, t.typtypmod)
               || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
               || coalesce(' default ' || t.typdefault, '') ELSE '' END
       || coalesce(' range of ' || (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r
                                     WHERE r.rngtypid = t.oid), '')
FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
WHERE t.typtype IN ('e', 'd', 'r', 'm') AND (t.tableoid, t.oid) NOT IN (SELECT classid, objid FROM member)
UNION ALL
SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' ' || quote_literal(d.description)
FROM pg_description d
WHERE (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT oid FROM rel))
   OR (d.classoid = 'pg_namespace'::regclass AND d.objoid IN (SELECT oid FROM ns))
UNION ALL
SELECT 'extension ' || quote_ident(e.extname) || ' ' || e.extversion || ' in ' || quote_ident(n.nspname)
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'migrate'
)
SELECT line FROM line ORDER BY line COLLATE "C"
$$;

CREATE FUNCTION migrate.schema_fingerprint()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT md5(coalesce(string_agg(line, E'\n'), '')) FROM migrate.schema_description() line $$;

-- The guard's event triggers: see src/guard.c.  ENABLE ALWAYS, so that
-- session_replication_role = replica does not silence them.

CREATE FUNCTION migrate.guard_ddl_command_end()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_ddl_command_end'
LANGUAGE C;

CREATE FUNCTION migrate.guard_sql_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_sql_drop'
LANGUAGE C;

CREATE FUNCTION migrate.guard_table_rewrite()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_table_rewrite'
LANGUAGE C;

CREATE EVENT TRIGGER migrate_guard_ddl_command_end ON ddl_command_end
    EXECUTE FUNCTION migrate.guard_ddl_command_end();
CREATE EVENT TRIGGER migrate_guard_sql_drop ON sql_drop
    EXECUTE FUNCTION migrate.guard_sql_drop();
CREATE EVENT TRIGGER migrate_guard_table_rewrite ON table_rewrite
    EXECUTE FUNCTION migrate.guard_table_rewrite();
ALTER EVENT TRIGGER migrate_guard_ddl_command_end ENABLE ALWAYS;
ALTER EVENT TRIGGER migrate_guard_sql_drop ENABLE ALWAYS;
ALTER EVENT TRIGGER migrate_guard_table_rewrite ENABLE ALWAYS;

-- Looking at the guard's record and the schema's state

CREATE FUNCTION @extschema@.migrate_status(
    OUT current_heads text[],       -- as migrate_current()
    OUT heads text[],               -- as migrate_heads()
    OUT pending text[],             -- what migrate_upgrade('heads') would apply, in order
    OUT last_migration_at timestamptz,
    OUT drift bigint,               -- out-of-band changes recorded since the last migration
    OUT schema_matches boolean,     -- the schema still has the last migration's fingerprint
    OUT guard text)                 -- migrate.guard in this session
RETURNS record
AS 'MODULE_PATHNAME', 'migrate_status'
LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.migrate_drift()
RETURNS TABLE (id bigint, at timestamptz, role name, session_role name,
               application_name text, client_addr inet, command_tag text,
               object_type text, object_identity text, statement text,
               heads text[], guard text, guard_set_by_session boolean)
AS $$ SELECT id, at, role, session_role, application_name, client_addr, command_tag,
             object_type, object_identity, statement, heads, guard, guard_set_by_session
      FROM migrate.drift ORDER BY id $$
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.migrate_drift() FROM PUBLIC;

CREATE FUNCTION @extschema@.migrate_drift_clear(before timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF before IS NULL THEN
        RAISE EXCEPTION 'before must not be null'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass now() to clear every entry recorded so far.';
    END IF;
    DELETE FROM migrate.drift d WHERE d.at < before;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION @extschema@.migrate_drift_clear(timestamptz) FROM PUBLIC;

-- Installing version 1.0 and walking every update gives the same objects
-- (and the same function definitions and table columns) as a fresh install
-- of the current version, keeps the graph, and 1.0 works with the current
-- library.
SET client_min_messages = warning;

CREATE FUNCTION members() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT pg_describe_object(classid, objid, 0)
    FROM pg_depend
    WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
      AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate')
    UNION ALL
    SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass || ' ' || tgenabled::text
    FROM pg_trigger WHERE tgrelid::regclass::text LIKE 'migrate.%' AND NOT tgisinternal
    UNION ALL
    SELECT 'event trigger ' || evtname || ' ' || evtevent || ' ' || evtenabled::text FROM pg_event_trigger
    UNION ALL
    SELECT 'definition of ' || p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid))
    FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
    WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate') AND p.prokind <> 'a'
    UNION ALL
    SELECT 'constraint ' || c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
    FROM pg_constraint c WHERE c.connamespace = 'migrate'::regnamespace
    UNION ALL
    SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '')
    FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attrelid IN (SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind IN ('r', 'c'))
      AND a.attnum > 0 AND NOT a.attisdropped
$$;

DROP EXTENSION migrate;
CREATE EXTENSION migrate VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
SELECT migrate_revision('u1', '{}', 'CREATE TABLE u_t (id int)', 'DROP TABLE u_t', 'u1');
SELECT revision FROM migrate_upgrade('head');

ALTER EXTENSION migrate UPDATE TO '1.1';
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
-- 1.2 adds an argument to migrate_revision() and to migrate_upgrade(): their
-- grants move to the new signatures (a role name that needs quoting)
CREATE ROLE regress_update_writer;
CREATE ROLE "regress_update ""deployer""";
GRANT EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[]) TO regress_update_writer;
GRANT EXECUTE ON FUNCTION migrate_upgrade(text, boolean) TO "regress_update ""deployer""";
ALTER EXTENSION migrate UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
SELECT has_function_privilege('regress_update_writer',
    'migrate_revision(text, text[], text, text, text, text[], text[], boolean)', 'EXECUTE') AS writer_keeps_it,
    has_function_privilege('regress_update "deployer"',
    'migrate_upgrade(text, boolean, integer)', 'EXECUTE') AS deployer_keeps_it,
    has_function_privilege('regress_update_writer',
    'migrate_upgrade(text, boolean, integer)', 'EXECUTE') AS writer_cannot_upgrade,
    (SELECT count(*) FROM pg_proc p, aclexplode(p.proacl) a
     WHERE p.oid IN ('migrate_revision(text, text[], text, text, text, text[], text[], boolean)'::regprocedure,
                     'migrate_upgrade(text, boolean, integer)'::regprocedure)
       AND a.grantee = 0) AS public_grants;
REVOKE EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean) FROM regress_update_writer;
REVOKE EXECUTE ON FUNCTION migrate_upgrade(text, boolean, integer) FROM "regress_update ""deployer""";
-- the grant made by the update script is one of the extension's initial
-- privileges (pg_init_privs); from PostgreSQL 17 the role cannot be dropped
-- while it is named there, and DROP OWNED removes it
DROP OWNED BY regress_update_writer, "regress_update ""deployer""";
DROP ROLE regress_update_writer, "regress_update ""deployer""";
CREATE TEMP TABLE updated AS SELECT * FROM members() m;
SELECT * FROM migrate_current();
SELECT current_heads, schema_matches FROM migrate_status();
-- who registered u1 under 1.0 is unknown (1.0 and 1.1 recorded the
-- extension owner): nobody trusts its bodies until they are registered again
SELECT registered_by FROM migrate.revision;
SELECT revision FROM migrate_downgrade('base');
SELECT migrate_revision('u1', '{}', 'CREATE TABLE u_t (id int)', 'DROP TABLE u_t', 'u1');
SELECT registered_by = current_user AS taken_over FROM migrate.revision;
SELECT revision FROM migrate_downgrade('base');

DROP EXTENSION migrate;
CREATE EXTENSION migrate;
CREATE TEMP TABLE fresh AS SELECT * FROM members() m;
SELECT 'only after update' AS side, m FROM (SELECT * FROM updated EXCEPT SELECT * FROM fresh) x(m)
UNION ALL
SELECT 'only when fresh', m FROM (SELECT * FROM fresh EXCEPT SELECT * FROM updated) x(m);
SELECT count(*) > 20 AS compared FROM fresh;

DROP FUNCTION members();

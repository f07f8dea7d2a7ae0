-- Installing version 1.0 and updating to 1.1 gives the same objects as
-- installing 1.1, keeps the graph, and 1.0 works with the 1.1 library.
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
$$;

DROP EXTENSION migrate;
CREATE EXTENSION migrate VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
SELECT migrate_revision('u1', '{}', 'CREATE TABLE u_t (id int)', 'DROP TABLE u_t', 'u1');
SELECT revision FROM migrate_upgrade('head');

ALTER EXTENSION migrate UPDATE TO '1.1';
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
CREATE TEMP TABLE updated AS SELECT * FROM members() m;
SELECT * FROM migrate_current();
SELECT current_heads, schema_matches FROM migrate_status();
SELECT revision FROM migrate_downgrade('base');

DROP EXTENSION migrate;
CREATE EXTENSION migrate;
CREATE TEMP TABLE fresh AS SELECT * FROM members() m;
SELECT 'only after update' AS side, m FROM (SELECT * FROM updated EXCEPT SELECT * FROM fresh) x(m)
UNION ALL
SELECT 'only when fresh', m FROM (SELECT * FROM fresh EXCEPT SELECT * FROM updated) x(m);
SELECT count(*) > 20 AS compared FROM fresh;

DROP FUNCTION members();

-- Who may do what.  Functions that change the graph or the state are
-- revoked from PUBLIC; reading functions are open.  Bodies run as the
-- calling role; the catalog is written as its owner, so a role allowed to
-- deploy cannot write the catalog tables itself.
SET client_min_messages = warning;

CREATE ROLE regress_reader;
CREATE ROLE regress_deployer;
GRANT CREATE ON SCHEMA public TO regress_deployer;
GRANT EXECUTE ON FUNCTION migrate_upgrade(text, boolean, integer),
                          migrate_downgrade(text, boolean) TO regress_deployer;

SELECT migrate_revision('p1', '{}',
    'CREATE TABLE priv_t AS SELECT current_user AS who',
    'DROP TABLE priv_t', 'as the caller');
SELECT migrate_revision('p2', '{p1}', 'CREATE ROLE regress_not_allowed', 'DROP ROLE regress_not_allowed', 'needs CREATEROLE');

-- a role with no grants can look but not touch
SET ROLE regress_reader;
SELECT * FROM migrate_current();
SELECT * FROM migrate_heads();
SELECT * FROM migrate_resolve('p1');
SELECT revision, is_applied FROM migrate_history();
SELECT count(*) FROM migrate_log();
SELECT count(*) FROM migrate.revision;
SELECT migrate_revision('sneaky');
SELECT migrate_forget('p2');
SELECT * FROM migrate_upgrade('head');
SELECT * FROM migrate_downgrade('base');
SELECT migrate_stamp('p1');
INSERT INTO migrate.applied VALUES ('p1', now());
UPDATE migrate.revision SET upgrade = 'DROP SCHEMA public CASCADE';
DELETE FROM migrate.log;
UPDATE migrate.state SET generation = 0;
RESET ROLE;
SELECT count(*) AS applied FROM migrate.applied;

-- a deployer runs bodies as itself, and the log says so
SET ROLE regress_deployer;
SELECT revision FROM migrate_upgrade('p1');
SELECT who FROM priv_t;
SELECT tableowner FROM pg_tables WHERE tablename = 'priv_t';
-- it cannot do in a body what it cannot do outside
SELECT * FROM migrate_upgrade('p2');
SELECT * FROM migrate_current();
-- nor write the catalog, register or stamp
INSERT INTO migrate.applied VALUES ('p2', now());
SELECT migrate_revision('sneaky');
SELECT migrate_stamp('p2');
RESET ROLE;
SELECT revision, direction, role FROM migrate_log();

-- objects planted in the caller's search_path are never called by migrate's
-- own queries, even though the caller's bodies see them
CREATE SCHEMA regress_evil;
CREATE TABLE regress_evil.calls (what text);
CREATE FUNCTION regress_evil.text_eq(a text, b text) RETURNS boolean
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO regress_evil.calls VALUES ('=');
    RETURN a OPERATOR(pg_catalog.=) b;
END $$;
CREATE OPERATOR regress_evil.= (LEFTARG = text, RIGHTARG = text,
                                FUNCTION = regress_evil.text_eq);
CREATE FUNCTION regress_evil.unnest(anyarray) RETURNS SETOF anyelement
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO regress_evil.calls VALUES ('unnest');
    RETURN QUERY SELECT * FROM pg_catalog.unnest($1);
END $$;
CREATE FUNCTION regress_evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO regress_evil.calls VALUES ('now');
    RETURN pg_catalog.now();
END $$;
CREATE FUNCTION regress_evil.nextval(regclass) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO regress_evil.calls VALUES ('nextval');
    RETURN pg_catalog.nextval($1);
END $$;
-- the planted operator works for the caller's own queries
SET search_path = regress_evil, pg_catalog, public;
SELECT 'x'::text = 'x'::text AS planted_operator_works;
TRUNCATE regress_evil.calls;
SELECT migrate_revision('p3', '{p1}', 'SELECT 1', '', 'planted');
SELECT migrate_revision('p3', '{p1}', 'SELECT 1', '', 'planted');
SELECT revision FROM migrate_upgrade('p3');
SELECT revision FROM migrate_downgrade('p1');
SELECT migrate_stamp('p3');
SELECT * FROM migrate_current();
SELECT revision FROM migrate_history();
SELECT migrate_stamp('p1');
SELECT migrate_forget('p3');
SELECT count(*) AS planted_calls FROM regress_evil.calls;
RESET search_path;

SELECT revision FROM migrate_downgrade('base');
DROP SCHEMA regress_evil CASCADE;
REVOKE CREATE ON SCHEMA public FROM regress_deployer;
REVOKE EXECUTE ON FUNCTION migrate_upgrade(text, boolean, integer),
                           migrate_downgrade(text, boolean) FROM regress_deployer;
DROP ROLE regress_reader;
DROP ROLE regress_deployer;
TRUNCATE migrate.revision, migrate.applied, migrate.log;

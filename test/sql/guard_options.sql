-- migrate.guard as the server, the database or the role configures it holds
-- for a role that asks for another value at connection
-- (options='-c migrate.guard=off') without the right to set it.  A session
-- loads migrate's library at its first DDL command, after its options were
-- taken; PostgreSQL drops the value then (the WARNING below), and what is
-- left must be the configured value, never the boot value "log".
SET client_min_messages = warning;
CREATE ROLE regress_guard_plain LOGIN;
-- a cluster with password authentication (pg_virtualenv): the role logs in
-- with the password the test was given
\getenv pw PGPASSWORD
\if :{?pw}
ALTER ROLE regress_guard_plain PASSWORD :'pw';
\endif
GRANT CREATE ON SCHEMA public TO regress_guard_plain;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;
SELECT format('dbname=%s user=regress_guard_plain options=''-c migrate.guard=off''',
              current_database()) AS plain_off,
       format('dbname=%s user=%s', current_database(), current_user) AS admin,
       current_database() AS db \gset
CREATE FUNCTION drift() RETURNS TABLE (object_identity text, role name, guard text,
                                       by_session boolean)
LANGUAGE sql AS $$
    SELECT object_identity, role, guard, guard_set_by_session FROM migrate_drift()
    WHERE object_identity LIKE 'public.go\_%' ORDER BY id
$$;

-- the database says error
ALTER DATABASE :"db" SET migrate.guard = error;
\c :plain_off
SHOW migrate.guard;
CREATE TABLE go_db (a int);
SHOW migrate.guard;
SELECT to_regclass('go_db') IS NULL AS refused;

-- the role says warn, over the database
\c :admin
ALTER ROLE regress_guard_plain SET migrate.guard = warn;
\c :plain_off
CREATE TABLE go_role (a int);
SHOW migrate.guard;

-- the role in this database says error, over both
\c :admin
ALTER ROLE regress_guard_plain IN DATABASE :"db" SET migrate.guard = error;
\c :plain_off
CREATE TABLE go_role_db (a int);
SHOW migrate.guard;

-- the server says error (ALTER SYSTEM), nothing else does.  The file is read
-- when the library loads, so the value counts before any reload.  ALTER
-- SYSTEM needs the parameter known: LOAD 'migrate' first (PostgreSQL 15 and
-- 16 do not know a custom parameter of a library not loaded yet), which also
-- checks the value
\c :admin
ALTER ROLE regress_guard_plain IN DATABASE :"db" RESET migrate.guard;
ALTER ROLE regress_guard_plain RESET migrate.guard;
ALTER DATABASE :"db" RESET migrate.guard;
\c :admin
LOAD 'migrate';
ALTER SYSTEM SET migrate.guard = erro;
ALTER SYSTEM SET migrate.guard = error;
\c :plain_off
CREATE TABLE go_system (a int);
SHOW migrate.guard;
\c :admin
LOAD 'migrate';
ALTER SYSTEM RESET migrate.guard;

-- ALTER ROLE ALL says error
\c :admin
ALTER ROLE ALL SET migrate.guard = error;
\c :plain_off
CREATE TABLE go_all_roles (a int);
SHOW migrate.guard;
\c :admin
ALTER ROLE ALL RESET migrate.guard;

-- SET in the session before the library loads: dropped too, and the
-- database's value stays
ALTER DATABASE :"db" SET migrate.guard = error;
\c :plain_off
SET migrate.guard = off;
CREATE TABLE go_set (a int);
SHOW migrate.guard;

-- the library loaded at connection (session_preload_libraries), between
-- transactions
\c :admin
ALTER ROLE regress_guard_plain SET session_preload_libraries = 'migrate';
\c :plain_off
SHOW migrate.guard;
CREATE TABLE go_preloaded (a int);
\c :admin
ALTER ROLE regress_guard_plain RESET session_preload_libraries;
ALTER DATABASE :"db" RESET migrate.guard;

-- with nothing configured the boot value is what there is
\c :plain_off
CREATE TABLE go_nothing (a int);
SHOW migrate.guard;

-- a role that may set the guard keeps its value: a session's own choice,
-- recorded as such even when off
\c :admin
GRANT SET ON PARAMETER migrate.guard TO regress_guard_plain;
ALTER DATABASE :"db" SET migrate.guard = error;
\c :plain_off
CREATE TABLE go_granted (a int);
SHOW migrate.guard;

\c :admin
ALTER DATABASE :"db" RESET migrate.guard;
\c :admin
SET client_min_messages = warning;
SELECT * FROM drift();
REVOKE SET ON PARAMETER migrate.guard FROM regress_guard_plain;
DROP OWNED BY regress_guard_plain;
DROP ROLE regress_guard_plain;
DROP FUNCTION drift();
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;

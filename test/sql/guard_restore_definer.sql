-- The restore rule (check_function_bodies = off: neither refused nor
-- recorded) holds only when the role that logged in may set migrate.guard
-- too.  check_function_bodies is a user setting: a plain login that set it
-- and then called a superuser's SECURITY DEFINER function had that
-- function's DDL pass migrate.guard = error unrecorded.
SET client_min_messages = warning;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;
CREATE ROLE regress_definer_caller LOGIN;
\getenv pw PGPASSWORD
\if :{?pw}
ALTER ROLE regress_definer_caller PASSWORD :'pw';
\endif
SET migrate.guard = off;
CREATE FUNCTION public.rd_make(n int) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format('CREATE TABLE public.rd_t%s (id int)', n);
END $$;
REVOKE ALL ON FUNCTION public.rd_make(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.rd_make(int) TO regress_definer_caller;
RESET migrate.guard;
SELECT format('dbname=%s user=regress_definer_caller', current_database()) AS caller,
       format('dbname=%s user=%s', current_database(), current_user) AS admin,
       current_database() AS db \gset
ALTER DATABASE :"db" SET migrate.guard = error;

\c :caller
SET client_min_messages = warning;
SHOW migrate.guard;
SET check_function_bodies = off;
-- refused, although the function runs as a superuser
\set VERBOSITY terse
SELECT public.rd_make(1);
\set VERBOSITY default
SELECT to_regclass('public.rd_t1') IS NULL AS refused;

\c :admin
SET client_min_messages = warning;
ALTER DATABASE :"db" SET migrate.guard = log;
\c :caller
SET client_min_messages = warning;
SET check_function_bodies = off;
SELECT public.rd_make(2);
\c :admin
SET client_min_messages = warning;
-- recorded, as the function's owner
SELECT command_tag, object_identity, role, session_role FROM migrate_drift()
WHERE object_identity LIKE 'public.rd\_%' ORDER BY id;

-- a superuser that logged in still restores: neither recorded nor refused
ALTER DATABASE :"db" SET migrate.guard = error;
\c :admin
SET client_min_messages = warning;
SET check_function_bodies = off;
SELECT public.rd_make(3);
CREATE TABLE public.rd_t4 (id int);
RESET check_function_bodies;
SELECT to_regclass('public.rd_t3') IS NOT NULL AS t3, to_regclass('public.rd_t4') IS NOT NULL AS t4,
       (SELECT count(*) FROM migrate_drift() WHERE object_identity IN ('public.rd_t3', 'public.rd_t4')) AS recorded;

ALTER DATABASE :"db" RESET migrate.guard;
\c :admin
SET client_min_messages = warning;
SET migrate.guard = off;
DROP TABLE public.rd_t2, public.rd_t3, public.rd_t4;
DROP FUNCTION public.rd_make(int);
RESET migrate.guard;
DROP ROLE regress_definer_caller;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;

-- The guard refuses what changes the schema and lets through what does
-- not: REFRESH MATERIALIZED VIEW [CONCURRENTLY] replaces rows, not
-- definitions.  Comments, privileges, owners, storage parameters and new
-- objects are changes, whether or not the fingerprint covers them.
SET client_min_messages = warning;
CREATE TABLE gr_src (id int);
INSERT INTO gr_src VALUES (1);
CREATE MATERIALIZED VIEW gr_mv AS SELECT id FROM gr_src;
CREATE UNIQUE INDEX gr_mv_id ON gr_mv (id);
CREATE ROLE regress_gr_reader;
SELECT migrate_drift_clear('infinity') >= 0 AS cleared;

-- error: refreshing is data, both ways
SET migrate.guard = error;
INSERT INTO gr_src VALUES (2);
REFRESH MATERIALIZED VIEW gr_mv;
SELECT count(*) AS refreshed FROM gr_mv;
INSERT INTO gr_src VALUES (3);
REFRESH MATERIALIZED VIEW CONCURRENTLY gr_mv;
SELECT count(*) AS refreshed FROM gr_mv;
REFRESH MATERIALIZED VIEW gr_mv WITH NO DATA;
SELECT relispopulated FROM pg_class WHERE oid = 'gr_mv'::regclass;
REFRESH MATERIALIZED VIEW gr_mv WITH DATA;
-- and whatever else touches the view's definition, privileges, owner or
-- storage is refused
COMMENT ON MATERIALIZED VIEW gr_mv IS 'by hand';
GRANT SELECT ON gr_mv TO regress_gr_reader;
ALTER MATERIALIZED VIEW gr_mv OWNER TO regress_gr_reader;
ALTER MATERIALIZED VIEW gr_mv SET (fillfactor = 50);
ALTER MATERIALIZED VIEW gr_mv ALTER COLUMN id SET STATISTICS 500;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO regress_gr_reader;
CREATE INDEX gr_mv_id2 ON gr_mv (id);
CREATE TABLE gr_copy AS SELECT * FROM gr_mv;
SELECT obj_description('gr_mv'::regclass, 'pg_class') AS comment,
       has_table_privilege('regress_gr_reader', 'gr_mv', 'SELECT') AS granted,
       pg_get_userbyid(relowner) = current_user AS same_owner, reloptions,
       to_regclass('gr_copy') AS copy
FROM pg_class WHERE oid = 'gr_mv'::regclass;
RESET migrate.guard;

-- log: a refresh is not recorded, a comment is
REFRESH MATERIALIZED VIEW gr_mv;
REFRESH MATERIALIZED VIEW CONCURRENTLY gr_mv;
COMMENT ON MATERIALIZED VIEW gr_mv IS 'by hand';
SELECT command_tag, object_type, object_identity FROM migrate_drift();

SET migrate.guard = off;
DROP MATERIALIZED VIEW gr_mv;
DROP TABLE gr_src;
DROP ROLE regress_gr_reader;
RESET migrate.guard;
TRUNCATE migrate.drift;

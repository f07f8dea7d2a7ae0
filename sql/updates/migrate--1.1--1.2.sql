/*
 * migrate 1.1 -> 1.2: catalog changes only.  The build appends every
 * function source (sql/parts/api.sql, describe.sql, guard.sql, diff.sql) to this file,
 * so functions are re-created from the same text as a fresh install; a
 * function whose signature or result changes is dropped here first.
 */

/*
 * migrate_amend(): one row per amendment of a revision's bodies, with the
 * md5 of the old and the new upgrade and downgrade, and the messages.
 */
CREATE SEQUENCE migrate.amendment_seq;

CREATE TABLE migrate.amendment (
    id                bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migrate.amendment_seq'),
    revision          text NOT NULL,
    at                timestamptz NOT NULL,
    role              name NOT NULL,      -- the amender, now the registrant
    applied           boolean NOT NULL,   -- was the revision applied then
    old_upgrade_md5   text NOT NULL,
    new_upgrade_md5   text NOT NULL,
    old_downgrade_md5 text NOT NULL,
    new_downgrade_md5 text NOT NULL,
    old_message       text NOT NULL,
    new_message       text NOT NULL
);

GRANT SELECT ON migrate.amendment TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.amendment', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.amendment_seq', '');

-- The PostgreSQL major each fingerprint was taken on: a fingerprint of
-- another major that differs is not comparable (src/drift.c).  Those taken
-- before are NULL, and compared as before.
ALTER TABLE migrate.fingerprint ADD COLUMN server_major integer;

-- The generation trigger in C: one update of migrate.state per transaction
-- instead of one per statement (N registrations in one transaction cost N^2).
CREATE OR REPLACE FUNCTION migrate.bump_generation() RETURNS trigger
AS 'MODULE_PATHNAME', 'migrate_bump_generation'
LANGUAGE C;

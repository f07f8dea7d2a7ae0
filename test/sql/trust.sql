-- Whose SQL a deploy runs.  A role allowed to register revisions must not
-- be able to run SQL as whoever deploys next: a body runs only when its
-- registrant could act as the caller anyway (it is the caller, or a member
-- of the caller's role).  The check covers the whole plan before anything
-- runs, dry runs included; registered_by is the real registering role.
SET client_min_messages = warning;

-- the deployer: a superuser of the test's own, so that names are stable
CREATE ROLE regress_admin SUPERUSER;
SET ROLE regress_admin;
CREATE ROLE regress_writer;
GRANT EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean),
                          migrate_amend(text, text, text, text) TO regress_writer;

SELECT migrate_revision('t1', '{}', 'CREATE TABLE trust_t (id int)', 'DROP TABLE trust_t', 'base');
SELECT revision FROM migrate_upgrade('head');

-- the writer puts a privilege escalation on top of the head
SET ROLE regress_writer;
SELECT migrate_revision('t2', '{t1}', $q$ALTER ROLE regress_writer SUPERUSER$q$,
                        $q$ALTER ROLE regress_writer NOSUPERUSER$q$, 'innocent');
SET ROLE regress_admin;
-- registered_by is the real caller, not the owner of the catalog
SELECT revision, registered_by FROM migrate.revision ORDER BY seq;

-- the superuser's deploy is refused before anything runs, dry run too
SELECT * FROM migrate_upgrade('head');
SELECT * FROM migrate_upgrade('head', dry_run => true);
DO $$
BEGIN
    PERFORM * FROM migrate_upgrade('heads');
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'refused with SQLSTATE %', SQLSTATE;
END $$;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_writer';
SELECT * FROM migrate_current();
-- a plan with one trusted step and an untrusted one runs neither
SELECT migrate_revision('t2a', '{t1}', 'CREATE TABLE trust_t2a ()', 'DROP TABLE trust_t2a', 'trusted sibling');
SELECT migrate_revision('t2m', '{t2a,t2}', '', '', 'merge');
SELECT * FROM migrate_upgrade('head');
SELECT to_regclass('trust_t2a') AS not_created;
SELECT migrate_forget('t2m');
SELECT migrate_forget('t2a');
-- stamping runs no body: no check
SELECT migrate_stamp('t2');
SELECT migrate_stamp('t1');

-- after review, the superuser registers the same content: it takes it over
SELECT migrate_revision('t2', '{t1}', $q$ALTER ROLE regress_writer SUPERUSER$q$,
                        $q$ALTER ROLE regress_writer NOSUPERUSER$q$, 'innocent');
SELECT revision, registered_by FROM migrate.revision ORDER BY seq;
SELECT revision FROM migrate_upgrade('head');
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_writer';
SELECT revision FROM migrate_downgrade('t1');
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_writer';
-- identical content from a role the registrant is trusted by changes nothing
SET ROLE regress_writer;
SELECT migrate_revision('t2', '{t1}', $q$ALTER ROLE regress_writer SUPERUSER$q$,
                        $q$ALTER ROLE regress_writer NOSUPERUSER$q$, 'innocent');
SET ROLE regress_admin;
SELECT registered_by FROM migrate.revision WHERE revision = 't2';
SELECT migrate_forget('t2');

-- a reviewed, unapplied revision whose body the writer replaces
SELECT migrate_revision('t3', '{t1}', 'CREATE TABLE trust_t3 ()', 'DROP TABLE trust_t3', 'reviewed');
SET ROLE regress_writer;
SELECT migrate_revision('t3', '{t1}', $q$CREATE TABLE trust_t3 (); ALTER ROLE regress_writer SUPERUSER$q$,
                        'DROP TABLE trust_t3', 'reviewed');
SET ROLE regress_admin;
SELECT * FROM migrate_upgrade('t3');
SELECT to_regclass('trust_t3') AS not_created,
       (SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_writer');
-- registering the reviewed content again replaces the body and trusts it
SELECT migrate_revision('t3', '{t1}', 'CREATE TABLE trust_t3 ()', 'DROP TABLE trust_t3', 'reviewed');
SELECT revision FROM migrate_upgrade('t3');
SELECT to_regclass('trust_t3') AS created,
       (SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_writer');

-- the downgrade body of an applied revision counts too: the writer amends
-- it, and becomes its registrant
SET ROLE regress_writer;
SELECT migrate_amend('t3', 'CREATE TABLE trust_t3 ()',
                     $q$DROP TABLE trust_t3; ALTER ROLE regress_writer SUPERUSER$q$);
SET ROLE regress_admin;
SELECT registered_by FROM migrate.revision WHERE revision = 't3';
SELECT * FROM migrate_downgrade('t1');
SELECT * FROM migrate_current();
SELECT migrate_amend('t3', 'CREATE TABLE trust_t3 ()', 'DROP TABLE trust_t3');
SELECT revision FROM migrate_downgrade('t1');

-- a member of the deployer's role is trusted by it; not the other way round
CREATE ROLE regress_deployer;
CREATE ROLE regress_member IN ROLE regress_deployer;
GRANT CREATE ON SCHEMA public TO regress_deployer;
GRANT EXECUTE ON FUNCTION migrate_upgrade(text, boolean, integer), migrate_downgrade(text, boolean)
    TO regress_deployer, regress_member;
GRANT EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean)
    TO regress_deployer, regress_member;
SET ROLE regress_member;
SELECT migrate_revision('t4', '{t1}', 'CREATE TABLE trust_t4 ()', 'DROP TABLE trust_t4', 'by a member');
SET ROLE regress_deployer;
SELECT revision FROM migrate_upgrade('t4');
SELECT migrate_revision('t5', '{t4}', 'CREATE TABLE trust_t5 ()', 'DROP TABLE trust_t5', 'by the deployer');
SET ROLE regress_member;
SELECT * FROM migrate_upgrade('t5');
SET ROLE regress_admin;
-- the superuser trusts neither plain role
SELECT * FROM migrate_downgrade('t1');
SET ROLE regress_deployer;
SELECT revision FROM migrate_downgrade('t1');
SET ROLE regress_admin;
SELECT migrate_forget('t5');
SELECT migrate_forget('t4');

-- a registrant that no longer exists (dropped, or restored from another
-- cluster) is trusted by nobody until a trusted role registers it again
CREATE ROLE regress_gone;
GRANT EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean) TO regress_gone;
SET ROLE regress_gone;
SELECT migrate_revision('t6', '{t1}', 'CREATE TABLE trust_t6 ()', 'DROP TABLE trust_t6', 'orphan');
SET ROLE regress_admin;
REVOKE EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean) FROM regress_gone;
DROP ROLE regress_gone;
SELECT revision, registered_by FROM migrate.revision WHERE revision = 't6';
SELECT * FROM migrate_upgrade('t6');
CREATE ROLE regress_gone;   -- a new role of that name is not the registrant's privileges...
SELECT * FROM migrate_upgrade('t6', dry_run => true);   -- ...and is still no member of ours
DROP ROLE regress_gone;
SELECT migrate_revision('t6', '{t1}', 'CREATE TABLE trust_t6 ()', 'DROP TABLE trust_t6', 'orphan');
SELECT revision, registered_by FROM migrate.revision WHERE revision = 't6';
SELECT revision FROM migrate_upgrade('t6');

SELECT revision FROM migrate_downgrade('base');
REVOKE EXECUTE ON FUNCTION migrate_upgrade(text, boolean, integer), migrate_downgrade(text, boolean),
    migrate_revision(text, text[], text, text, text, text[], text[], boolean)
    FROM regress_deployer, regress_member;
REVOKE EXECUTE ON FUNCTION migrate_revision(text, text[], text, text, text, text[], text[], boolean),
    migrate_amend(text, text, text, text) FROM regress_writer;
REVOKE CREATE ON SCHEMA public FROM regress_deployer;
DROP ROLE regress_member;
DROP ROLE regress_deployer;
DROP ROLE regress_writer;
RESET ROLE;
DROP ROLE regress_admin;
TRUNCATE migrate.revision, migrate.applied, migrate.log, migrate.amendment;

-- Branch points, merge points, several bases, depends_on across branches,
-- downgrading one branch, un-merging, stamping, and the order of steps.
--
--        +- a1 (alpha) -- a2 -+
--   m1 --+                    +- mg -- after -- d1
--        +- b1 (beta)  -- b2 -+                 |  depends_on lib
--   lib1 (lib) ------------------------------------+
SET client_min_messages = warning;

SELECT migrate_revision('m1', '{}', 'CREATE TABLE br_log (rev text)', 'DROP TABLE br_log', 'root');
SELECT migrate_revision('a1', '{m1}', $$INSERT INTO br_log VALUES ('a1')$$, $$DELETE FROM br_log WHERE rev = 'a1'$$, branch_labels => '{alpha}');
SELECT migrate_revision('a2', '{a1}', $$INSERT INTO br_log VALUES ('a2')$$, $$DELETE FROM br_log WHERE rev = 'a2'$$);
SELECT migrate_revision('b1', '{m1}', $$INSERT INTO br_log VALUES ('b1')$$, $$DELETE FROM br_log WHERE rev = 'b1'$$, branch_labels => '{beta}');
SELECT migrate_revision('b2', '{b1}', $$INSERT INTO br_log VALUES ('b2')$$, $$DELETE FROM br_log WHERE rev = 'b2'$$);
SELECT migrate_revision('mg', '{a2,b2}', $$INSERT INTO br_log VALUES ('mg')$$, $$DELETE FROM br_log WHERE rev = 'mg'$$, 'merge');
SELECT migrate_revision('after', '{mg}', $$INSERT INTO br_log VALUES ('after')$$, $$DELETE FROM br_log WHERE rev = 'after'$$);
SELECT migrate_revision('d1', '{after}', $$INSERT INTO br_log VALUES ('d1')$$, $$DELETE FROM br_log WHERE rev = 'd1'$$, depends_on => '{lib}');
SELECT migrate_revision('lib1', '{}', 'CREATE TABLE br_lib (x int)', 'DROP TABLE br_lib', 'library', branch_labels => '{lib}');

CREATE FUNCTION cur() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(r, ' '), '(base)') FROM migrate_current() r
$$;
CREATE FUNCTION steps(t text, up boolean) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(revision, ' ' ORDER BY n)
      FROM (SELECT revision, row_number() OVER () AS n
              FROM migrate_upgrade(t) WHERE up
            UNION ALL
            SELECT revision, row_number() OVER ()
              FROM migrate_downgrade(t) WHERE NOT up) s
$$;

-- lib1 is a head, but "heads" leaves it out: d1 depends on it
SELECT string_agg(h, ' ') AS graph_heads FROM migrate_heads() h;
SELECT string_agg(h, ' ') AS heads_target FROM migrate_resolve('heads') h;

SELECT revision, down_revision, branch_labels, depends_on, is_head
  FROM migrate_history();

-- a label's head is the head of its whole line of descent, past the merge
SELECT string_agg(r, ' ') AS alpha_head FROM migrate_resolve('alpha@head') r;
-- upgrade along one branch, then to the merge: parents first, branch by branch
SELECT steps('a2', true);
SELECT cur();
SELECT steps('mg', true);
SELECT cur();
-- a merge point has two ways down
SELECT migrate_downgrade('-1');
SELECT migrate_downgrade('mg-1');
SELECT steps('after', true);
SELECT steps('-1', false);
-- un-merge: downgrading to one parent removes the merge, keeps both branches
SELECT steps('a2', false);
SELECT cur();
-- downgrade one branch only
SELECT steps('beta@m1', false);
SELECT cur();
SELECT string_agg(rev, ' ' ORDER BY rev) AS rows_left FROM br_log;

-- depends_on pulls in the other base; the dependency stays a current head
SELECT steps('d1', true);
SELECT cur();
SELECT to_regclass('br_lib') IS NOT NULL AS lib_table;
-- removing the library removes what depends on it, and only that
SELECT steps('lib@base', false);
SELECT cur();
SELECT to_regclass('br_lib') IS NULL AS lib_table_gone;
-- a downgrade target that is not applied
SELECT migrate_downgrade('lib1');
SELECT migrate_downgrade('d1');
-- X@R with R outside X's lineage, or no child of R on X's line
SELECT migrate_downgrade('alpha@b1');
SELECT migrate_downgrade('m1@m1');

-- stamp sets the applied set to the targets and their ancestors, running nothing
SELECT steps('base', false);
SELECT string_agg(s, ' ') AS stamped FROM migrate_stamp('a2', 'b1') s;
SELECT cur();
SELECT to_regclass('br_log') IS NULL AS nothing_ran;
SELECT string_agg(s, ' ') AS stamped FROM migrate_stamp('d1') s;
SELECT cur();
SELECT string_agg(s, ' ') AS stamped FROM migrate_stamp('heads', 'beta@head') s;
SELECT string_agg(s, ' ') AS stamped FROM migrate_stamp('base') s;
SELECT cur();
SELECT migrate_stamp(VARIADIC '{}'::text[]);
SELECT migrate_stamp(VARIADIC NULL::text[]);
SELECT migrate_stamp('a2', NULL);
SELECT migrate_stamp('nosuch');
-- stamps are logged as such
SELECT direction, stamped, count(*) FROM migrate_log() GROUP BY 1, 2 ORDER BY 1, 2;
SELECT revision, direction FROM migrate_log() WHERE stamped ORDER BY id LIMIT 6;

-- dry runs change nothing and return the same steps
SELECT string_agg(revision, ' ') AS planned FROM migrate_upgrade('heads', dry_run => true);
SELECT cur();
SELECT steps('heads', true);
SELECT string_agg(revision, ' ') AS planned FROM migrate_downgrade('base', dry_run => true);
SELECT steps('base', false);
SELECT cur();

DROP FUNCTION cur();
DROP FUNCTION steps(text, boolean);
DROP TABLE IF EXISTS br_log;
TRUNCATE migrate.revision, migrate.applied, migrate.log;

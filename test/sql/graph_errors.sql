-- A broken graph is refused whenever it is used, naming the revisions
-- involved, and nothing changes.  Registration itself accepts references to
-- revisions that do not exist yet: migration files load in any order.
SET client_min_messages = warning;

CREATE FUNCTION state() RETURNS text LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM migrate.revision) || ' registered, '
        || (SELECT count(*) FROM migrate.applied) || ' applied, '
        || (SELECT count(*) FROM migrate.log) || ' logged'
$$;

-- files in any order: the child first
SELECT migrate_revision('child', '{parent}', 'CREATE TABLE ge_child ()', 'DROP TABLE ge_child');
-- dangling until the parent arrives
SELECT * FROM migrate_upgrade('heads');
SELECT * FROM migrate_heads();
SELECT state();
SELECT migrate_revision('parent', '{}', 'CREATE TABLE ge_parent ()', 'DROP TABLE ge_parent');
SELECT revision FROM migrate_upgrade('heads');
SELECT state();

-- dangling depends_on, by id or label
SELECT migrate_revision('needs', '{child}', depends_on => '{nolabel}');
SELECT * FROM migrate_current();
SELECT migrate_forget('needs');

-- a down_revision must be an id, not a label
SELECT migrate_revision('labelled', '{child}', branch_labels => '{lab}');
SELECT migrate_revision('bylabel', '{lab}');
SELECT * FROM migrate_history();
SELECT migrate_forget('bylabel');

-- self-loops are refused at registration
SELECT migrate_revision('selfish', '{selfish}');
SELECT migrate_revision('selfdep', '{child}', depends_on => '{selfdep}');
SELECT migrate_revision('selflabel', '{child}', branch_labels => '{selflabel}');
-- a revision depending on itself through its own label
SELECT migrate_revision('viaown', '{child}', branch_labels => '{mylab}', depends_on => '{mylab}');
-- ... or through rows written by hand: caught on use
INSERT INTO migrate.revision (revision, down_revision, branch_labels, depends_on)
VALUES ('byhand', '{child}', '{hand}', '{hand}');
SELECT * FROM migrate_heads();
SELECT migrate_forget('byhand');

-- cycles: through down_revision, and through depends_on
SELECT migrate_revision('cyc1', '{cyc3}');
SELECT migrate_revision('cyc2', '{cyc1}');
SELECT migrate_revision('cyc3', '{cyc2}');
SELECT * FROM migrate_upgrade('heads');
SELECT * FROM migrate_downgrade('base');
SELECT migrate_stamp('base');
SELECT state();
-- replacing one revision breaks the cycle
SELECT migrate_revision('cyc1', '{labelled}');
SELECT string_agg(h, ' ') FROM migrate_heads() h;
SELECT migrate_revision('dep1', '{}', depends_on => '{dep2}');
SELECT migrate_revision('dep2', '{dep1}');
SELECT * FROM migrate_resolve('heads');
SELECT migrate_forget('dep2');
SELECT migrate_revision('dep1', '{}');
SELECT migrate_forget('dep2');
SELECT migrate_forget('dep1');

-- branch labels: used twice, equal to an id
SELECT migrate_revision('twin1', '{parent}', branch_labels => '{twin}');
SELECT migrate_revision('twin2', '{parent}', branch_labels => '{twin}');
SELECT * FROM migrate_upgrade('twin');
SELECT migrate_forget('twin2');
SELECT migrate_revision('clash', '{parent}', branch_labels => '{twin1}');
SELECT * FROM migrate_current();
SELECT migrate_forget('clash');

-- bad names and arguments are refused before anything is stored
SELECT migrate_revision('');
SELECT migrate_revision(repeat('x', 65));
SELECT migrate_revision('has-dash');
SELECT migrate_revision('head');
SELECT migrate_revision('ok_name', '{parent,parent}');
SELECT migrate_revision('ok_name', '{"bad name"}');
SELECT migrate_revision('ok_name', ARRAY['parent', NULL]);
SELECT migrate_revision('ok_name', '{{parent}}');
SELECT migrate_revision('ok_name', '{parent}', branch_labels => '{base}');
SELECT migrate_revision(NULL);
SELECT migrate_revision('ok_name', '{parent}', NULL);
SELECT migrate_revision('ok_name', '{parent}', '', NULL);
SELECT migrate_forget(NULL);
SELECT migrate_forget('bad name');
-- NULL arrays and message mean none
SELECT migrate_revision('ok_name', NULL, '', '', NULL, NULL, NULL);
SELECT down_revision, branch_labels, depends_on, message FROM migrate.revision WHERE revision = 'ok_name';
SELECT migrate_forget('ok_name');

SELECT state();
SELECT revision FROM migrate_downgrade('base');
DROP FUNCTION state();
TRUNCATE migrate.revision, migrate.applied, migrate.log;

-- error messages name the first ten revisions and count the rest
TRUNCATE migrate.revision, migrate.applied;
SELECT count(migrate_revision('cy' || i, ARRAY['cy' || ((i + 1) % 30)])) FROM generate_series(0, 29) i;
SELECT * FROM migrate_heads();
TRUNCATE migrate.revision;
SELECT count(migrate_revision('p' || lpad(i::text, 2, '0'), '{}')) FROM generate_series(1, 15) i;
SELECT migrate_revision('mp', ARRAY(SELECT 'p' || lpad(i::text, 2, '0') FROM generate_series(1, 15) i));
SELECT count(*) FROM migrate_stamp('mp');
SELECT * FROM migrate_resolve('-2');
SELECT * FROM migrate_upgrade('+1');
SELECT count(*) FROM migrate_stamp('base');
TRUNCATE migrate.revision, migrate.applied, migrate.log;

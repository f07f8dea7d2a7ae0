-- Every target form, resolved with migrate_resolve() and used by upgrade,
-- downgrade and stamp, and every way a target can be wrong.
--
--   aaa111 -- aaa222 -+- bbb333 (left) -- bbb444
--                     +- ccc555 (right) -- ccc666
--   ccc (other)                              a second base
SET client_min_messages = warning;

SELECT migrate_revision('aaa111', '{}', message => 'one');
SELECT migrate_revision('aaa222', '{aaa111}', message => 'two');
SELECT migrate_revision('bbb333', '{aaa222}', message => 'left one', branch_labels => '{left}');
SELECT migrate_revision('bbb444', '{bbb333}', message => 'left two');
SELECT migrate_revision('ccc555', '{aaa222}', message => 'right one', branch_labels => '{right}');
SELECT migrate_revision('ccc666', '{ccc555}', message => 'right two');
SELECT migrate_revision('ccc', '{}', message => 'other base', branch_labels => '{other}');

CREATE FUNCTION res(target text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(r, ' '), '(none)') FROM migrate_resolve(target) r
$$;
CREATE FUNCTION cur() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(r, ' '), '(base)') FROM migrate_current() r
$$;

SELECT * FROM migrate_heads();

-- ids, prefixes, labels
SELECT res('aaa111') AS exact, res('aaa1') AS prefix, res('bbb3') AS prefix2,
       res('ccc') AS exact_beats_prefix, res('left') AS label, res('lef') AS label_prefix;
SELECT migrate_resolve('aaa');
SELECT migrate_resolve('cc');
SELECT migrate_resolve('zzz');

-- head, heads, base
SELECT migrate_resolve('head');
SELECT res('heads') AS heads, res('base') AS base;

-- qualified by a branch: label@head, label@heads, label@base, X@Y
SELECT res('left@head') AS left_head, res('right@head') AS right_head,
       res('other@head') AS other_head, res('aaa222@heads') AS lineage_heads,
       res('left@base') AS left_base, res('left@aaa2') AS left_ancestor,
       res('bbb333@bbb4') AS by_id, res('ccc5@head') AS by_prefix;
SELECT migrate_resolve('aaa222@head');
SELECT migrate_resolve('left@ccc555');
SELECT migrate_resolve('left@ccc5');
SELECT migrate_resolve('right@ccc');
SELECT migrate_resolve('nosuch@head');
SELECT migrate_resolve('aaa@head');
-- a prefix ambiguous on its own is unique within a lineage
SELECT res('other@cc') AS within_other, res('right@ccc6') AS within_right;
SELECT migrate_resolve('left@bbb');

-- relative to a named revision
SELECT res('bbb333+1') AS up1, res('bbb444-2') AS down2, res('ccc666-3') AS down3,
       res('ccc666-4') AS to_base, res('left@aaa222+1') AS branch_up,
       res('left@base+2') AS base_up2, res('left@base+3') AS base_up3,
       res('other@base+1') AS other_up1, res('left@head-1') AS head_down;
SELECT migrate_resolve('aaa222+1');
SELECT migrate_resolve('base+1');
SELECT migrate_resolve('ccc666-5');
SELECT migrate_resolve('bbb444+1');
SELECT migrate_resolve('heads-1');

-- relative to the current heads, at base
SELECT res('left@+1') AS left_up, res('other@+1') AS other_up;
SELECT migrate_resolve('+1');
SELECT migrate_resolve('-1');

-- from a branch point
SELECT migrate_stamp('aaa222');
SELECT res('left@+1') AS left_up, res('right@+2') AS right_up2,
       res('-1') AS down1, res('-2') AS down2;
SELECT migrate_resolve('+1');
SELECT migrate_resolve('-3');
SELECT migrate_resolve('right@+3');

-- from two current heads: a bare step is ambiguous, a named branch is not
SELECT migrate_stamp('bbb444', 'ccc666');
SELECT res('left@-1') AS left_down, res('right@-1') AS right_down,
       res('right@-2') AS right_down2;
SELECT migrate_resolve('-1');
SELECT migrate_resolve('+1');
SELECT migrate_resolve('other@-1');
-- a branch that is not at a current head starts from its tip
SELECT res('other@+1') AS other_up;

-- targets drive upgrade and downgrade the same way
SELECT migrate_stamp('base');
SELECT revision FROM migrate_upgrade('left@+2', dry_run => true);
SELECT revision FROM migrate_upgrade('right@head');
SELECT cur();
SELECT revision FROM migrate_upgrade('left@+1');
SELECT cur();
SELECT revision FROM migrate_downgrade('right@-1');
SELECT cur();
SELECT revision FROM migrate_upgrade('heads');
SELECT cur();
SELECT revision FROM migrate_downgrade('left@aaa222');
SELECT cur();
SELECT revision FROM migrate_downgrade('other@base');
SELECT cur();
SELECT revision FROM migrate_downgrade('-2');
SELECT cur();
SELECT revision FROM migrate_downgrade('base');
SELECT cur();

-- malformed targets
SELECT migrate_resolve('');
SELECT migrate_resolve('left@');
SELECT migrate_resolve('@head');
SELECT migrate_resolve('has space');
SELECT migrate_resolve('a@b@c');
SELECT migrate_resolve('++1');
SELECT migrate_resolve('head+-1');
SELECT migrate_resolve('+0');
SELECT migrate_resolve('bbb333-0');
SELECT migrate_resolve('+1000000');
SELECT migrate_resolve(repeat('a', 65));
SELECT migrate_resolve(NULL);
SELECT migrate_upgrade(NULL);
SELECT migrate_upgrade('head', NULL);
SELECT migrate_upgrade('-1');
SELECT migrate_downgrade('+1');

DROP FUNCTION res(text);
DROP FUNCTION cur();
TRUNCATE migrate.revision, migrate.applied, migrate.log;

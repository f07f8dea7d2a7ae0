-- migrate_diff() and declarative partitioning and table inheritance: each
-- diff checked by running it both ways, as in autogen.sql.
\i test/sql/include/autogen_diff.sql

-- what the description holds: a partition says its parent and bound, and
-- not the columns, constraints, index children and triggers it has from it
CREATE SCHEMA ag;
CREATE TABLE ag."P ""q""" (id int NOT NULL, "at x" date, CHECK (id > 0)) PARTITION BY RANGE ("at x");
CREATE INDEX "P i" ON ag."P ""q""" (id);
CREATE TABLE ag."p 1" PARTITION OF ag."P ""q""" FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE INDEX own ON ag."p 1" ("at x");
SELECT jsonb_pretty(d->'tables'->'ag.p 1') AS partition FROM migrate_describe(ARRAY['ag']) d;
DROP SCHEMA ag CASCADE;

-- a new partitioned table with partitions, a default partition, a
-- sub-partitioned one, a partitioned index, key and check, and an index
-- of one partition's own: each partition is PARTITION OF its parent, and
-- its index children are not made twice
SELECT * FROM diff(
$$CREATE SCHEMA ag;$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag."P ""q""" (id int NOT NULL, "at x" date NOT NULL, region text, CHECK (id > 0),
                          PRIMARY KEY (id, "at x")) PARTITION BY RANGE ("at x");
CREATE INDEX "P i" ON ag."P ""q""" (region);
CREATE TABLE ag."p 2020" PARTITION OF ag."P ""q""" FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE ag."p 2021" PARTITION OF ag."P ""q""" FOR VALUES FROM ('2021-01-01') TO ('2022-01-01')
    PARTITION BY LIST (id);
CREATE TABLE ag."p 2021 low" PARTITION OF ag."p 2021" FOR VALUES IN (1, 2);
CREATE TABLE ag.p_rest PARTITION OF ag."P ""q""" DEFAULT;
CREATE TABLE ag.r (region text) PARTITION BY LIST (region);
CREATE TABLE ag."r eu" PARTITION OF ag.r FOR VALUES IN ('eu', 'it''s');
CREATE TABLE ag."r other" PARTITION OF ag.r DEFAULT;
CREATE INDEX "own ""i""" ON ag."p 2020" (region);$$);

-- partitions that come and go on a table that stays; a bound that changes
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.h (id int NOT NULL, v text) PARTITION BY HASH (id);
CREATE INDEX h_v ON ag.h (v);
CREATE TABLE ag.h0 PARTITION OF ag.h FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE ag.h1 PARTITION OF ag.h FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE ag.l (k int) PARTITION BY LIST (k);
CREATE TABLE ag.l1 PARTITION OF ag.l FOR VALUES IN (1);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.h (id int NOT NULL, v text) PARTITION BY HASH (id);
CREATE INDEX h_v ON ag.h (v);
CREATE TABLE ag.h0 PARTITION OF ag.h FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE ag.l (k int) PARTITION BY LIST (k);
CREATE TABLE ag.l1 PARTITION OF ag.l FOR VALUES IN (1, 2);
CREATE TABLE ag."l ""3""" PARTITION OF ag.l FOR VALUES IN (3);$$);

-- a table that becomes a partition (ATTACH), and one that stops being one
-- (DETACH); its own index stays its own
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.p (id int, note text, CHECK (id <> 0)) PARTITION BY RANGE (id);
CREATE TABLE ag."old one" PARTITION OF ag.p FOR VALUES FROM (100) TO (200);
CREATE TABLE ag."T ""q""" (id int, note text, CONSTRAINT p_id_check CHECK (id <> 0));
CREATE INDEX t_note ON ag."T ""q""" (note);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.p (id int, note text, CHECK (id <> 0)) PARTITION BY RANGE (id);
CREATE TABLE ag."old one" (id int, note text, CONSTRAINT p_id_check CHECK (id <> 0));
CREATE TABLE ag."T ""q""" PARTITION OF ag.p FOR VALUES FROM (0) TO (100);
CREATE INDEX t_note ON ag."T ""q""" (note);$$);

-- the same with a key and an index on the parent: the table's own that
-- match them become their children (ATTACH takes them; renamed to the
-- names they have in B), and DETACH leaves its children to the table
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.p (id int, note text, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE INDEX p_note ON ag.p (note);
CREATE TABLE ag."old one" PARTITION OF ag.p FOR VALUES FROM (100) TO (200);
CREATE TABLE ag."T ""q""" (id int PRIMARY KEY, note text);
CREATE INDEX "t note" ON ag."T ""q""" (note);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.p (id int, note text, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE INDEX p_note ON ag.p (note);
CREATE TABLE ag."old one" (id int, note text, CONSTRAINT "old pk" PRIMARY KEY (id));
CREATE INDEX "old one_note_idx" ON ag."old one" (note);
CREATE TABLE ag."T ""q""" PARTITION OF ag.p FOR VALUES FROM (0) TO (100);$$);

-- a new parent: its key and index are made before the table is attached
-- (which takes the table's own as their children), so that the downgrade
-- detaches it before they go; and the other way
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (id int PRIMARY KEY, note text);
CREATE INDEX t_note ON ag.t (note);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.p (id int, note text, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE INDEX p_note ON ag.p (note);
CREATE TABLE ag.t PARTITION OF ag.p FOR VALUES FROM (0) TO (100);$$);
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.p (id int, note text, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE INDEX p_note ON ag.p (note);
CREATE TABLE ag.t PARTITION OF ag.p FOR VALUES FROM (0) TO (100);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.t (id int PRIMARY KEY, note text);
CREATE INDEX t_note ON ag.t (note);$$);

-- table inheritance: a child with its own column, one that stops
-- inheriting, a new child; the inherited columns and check are not repeated
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag."Base" (id int NOT NULL, name text, CHECK (id > 0));
CREATE TABLE ag.c1 (extra int) INHERITS (ag."Base");
CREATE TABLE ag.c2 (id int NOT NULL, name text, CONSTRAINT "Base_id_check" CHECK (id > 0));$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag."Base" (id int NOT NULL, name text, CHECK (id > 0));
CREATE TABLE ag.c1 (extra int, more text) INHERITS (ag."Base");
CREATE TABLE ag.c2 () INHERITS (ag."Base");
CREATE TABLE ag."c ""3""" (x int) INHERITS (ag."Base", ag.c1);$$);

-- the whole partitioned table goes: its partitions first, so that the
-- downgrade makes the parent before them
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.z (id int) PARTITION BY LIST (id);
CREATE TABLE ag.a1 PARTITION OF ag.z FOR VALUES IN (1) PARTITION BY LIST (id);
CREATE TABLE ag.a11 PARTITION OF ag.a1 FOR VALUES IN (1);
CREATE TABLE ag.b (x int);
CREATE TABLE ag.a_child () INHERITS (ag.b);$$,
$$CREATE SCHEMA ag;$$);

-- a new partition of a table with an index, a key, a foreign key and a
-- trigger: only the partition is made (no index, constraint or trigger
-- step for it), and it has each of them from its parent once it ran
CREATE SCHEMA ag;
CREATE TABLE ag.r (id int PRIMARY KEY);
CREATE FUNCTION ag.tf() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TABLE ag.p (id int PRIMARY KEY, v text, r int REFERENCES ag.r) PARTITION BY RANGE (id);
CREATE INDEX "p v" ON ag.p (v);
CREATE TRIGGER t BEFORE INSERT ON ag.p FOR EACH ROW EXECUTE FUNCTION ag.tf();
CREATE TABLE ag.p1 PARTITION OF ag.p FOR VALUES FROM (0) TO (10);
SELECT migrate_describe(ARRAY['ag']) AS a \gset
CREATE TABLE ag.p2 PARTITION OF ag.p FOR VALUES FROM (10) TO (20);
SELECT migrate_describe(ARRAY['ag']) AS b \gset
DROP TABLE ag.p2;
SELECT step, operation, object, upgrade FROM migrate_diff(:'a', :'b');
SELECT upgrade FROM migrate_diff(:'a', :'b') \gexec
SELECT (SELECT count(*) FROM pg_index WHERE indrelid = 'ag.p2'::regclass) AS indexes,
       (SELECT string_agg(contype::text, ',' ORDER BY contype) FROM pg_constraint WHERE conrelid = 'ag.p2'::regclass AND contype <> 'n') AS constraints,
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'ag.p2'::regclass AND NOT tgisinternal) AS triggers,
       migrate_describe(ARRAY['ag']) = :'b' AS reaches_b;
-- from an empty database: the parent's indexes are valid and each
-- partition has one child of each
DROP SCHEMA ag CASCADE;
CREATE SCHEMA ag;
SELECT upgrade FROM migrate_diff(migrate_describe(ARRAY['ag']), :'b') \gexec
SELECT c.relname, i.indisvalid, (SELECT count(*) FROM pg_inherits h WHERE h.inhparent = i.indexrelid) AS children
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'ag.p'::regclass ORDER BY 1;
SELECT migrate_describe(ARRAY['ag']) = :'b' AS reaches_b;
DROP SCHEMA ag CASCADE;

-- a new partitioned index and key on a table with partitions: the
-- children PostgreSQL makes on the partitions are renamed to the names the
-- target gives them (a quote, a space and a long name among them)
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag."Ev" (id int NOT NULL, "at" date NOT NULL, v text) PARTITION BY RANGE ("at");
CREATE TABLE ag."ev 1" PARTITION OF ag."Ev" FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE ag.ev_2_with_a_name_long_enough_to_be_clipped_by_the_server_xyz PARTITION OF ag."Ev"
    FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag."Ev" (id int NOT NULL, "at" date NOT NULL, v text) PARTITION BY RANGE ("at");
CREATE TABLE ag."ev 1" PARTITION OF ag."Ev" FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE ag.ev_2_with_a_name_long_enough_to_be_clipped_by_the_server_xyz PARTITION OF ag."Ev"
    FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
CREATE INDEX "ev v" ON ONLY ag."Ev" (v);
CREATE INDEX "it's ""v""" ON ag."ev 1" (v);
ALTER INDEX ag."ev v" ATTACH PARTITION ag."it's ""v""";
CREATE INDEX ev2_v ON ag.ev_2_with_a_name_long_enough_to_be_clipped_by_the_server_xyz (v);
ALTER INDEX ag."ev v" ATTACH PARTITION ag.ev2_v;
ALTER TABLE ONLY ag."Ev" ADD CONSTRAINT "Ev_pk" PRIMARY KEY (id, "at");
ALTER TABLE ag."ev 1" ADD CONSTRAINT "ev 1 pk" PRIMARY KEY (id, "at");
ALTER INDEX ag."Ev_pk" ATTACH PARTITION ag."ev 1 pk";
ALTER TABLE ag.ev_2_with_a_name_long_enough_to_be_clipped_by_the_server_xyz ADD CONSTRAINT "ev2 pk" PRIMARY KEY (id, "at");
ALTER INDEX ag."Ev_pk" ATTACH PARTITION ag."ev2 pk";$$);

-- a child index that changes its name on a partition that stays
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.q (id int, v text) PARTITION BY LIST (id);
CREATE TABLE ag.q1 PARTITION OF ag.q FOR VALUES IN (1);
CREATE INDEX q_v ON ag.q (v);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.q (id int, v text) PARTITION BY LIST (id);
CREATE TABLE ag.q1 PARTITION OF ag.q FOR VALUES IN (1);
CREATE INDEX q_v ON ag.q (v);
ALTER INDEX ag.q1_v_idx RENAME TO "q1 'v'";$$);

-- a partition's own primary key attached to a parent's plain unique
-- index: the key is made before the parent index, which then takes it as
-- its child, and goes with it (CASCADE) when the parent index is dropped
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.u (id int NOT NULL, k int NOT NULL) PARTITION BY LIST (k);
CREATE TABLE ag."u 1" PARTITION OF ag.u FOR VALUES IN (1);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.u (id int NOT NULL, k int NOT NULL) PARTITION BY LIST (k);
CREATE TABLE ag."u 1" PARTITION OF ag.u FOR VALUES IN (1);
CREATE UNIQUE INDEX u_key ON ONLY ag.u (id, k);
ALTER TABLE ag."u 1" ADD CONSTRAINT "u 1's key" PRIMARY KEY (id, k);
ALTER INDEX ag.u_key ATTACH PARTITION ag."u 1's key";$$);

-- what partitions and children set themselves on a column they inherit
-- (a NOT NULL, a default): kept when the parent's default changes (the
-- ALTER reaches them: theirs is set again after it), made with a new
-- partition, gained and lost, down to a sub-partition
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.o (id int, note text DEFAULT 'p', k int) PARTITION BY LIST (k);
CREATE TABLE ag.o1 PARTITION OF ag.o FOR VALUES IN (1);
CREATE TABLE ag.o2 PARTITION OF ag.o (note DEFAULT 'o2''s') FOR VALUES IN (2) PARTITION BY LIST (id);
CREATE TABLE ag.o21 PARTITION OF ag.o2 FOR VALUES IN (1);
CREATE TABLE ag.base (v int DEFAULT 1, w int NOT NULL);
CREATE TABLE ag."kid ""1""" (v int NOT NULL) INHERITS (ag.base);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.o (id int, note text DEFAULT 'q', k int) PARTITION BY LIST (k);
CREATE TABLE ag.o1 PARTITION OF ag.o (id NOT NULL) FOR VALUES IN (1);
CREATE TABLE ag.o2 PARTITION OF ag.o (note DEFAULT 'o2''s') FOR VALUES IN (2) PARTITION BY LIST (id);
CREATE TABLE ag.o21 PARTITION OF ag.o2 (note DEFAULT E'line\nbreak') FOR VALUES IN (1);
CREATE TABLE ag.o3 PARTITION OF ag.o (note NOT NULL DEFAULT 'new') FOR VALUES IN (3);
CREATE TABLE ag.base (v int DEFAULT 1, w int NOT NULL);
CREATE TABLE ag."kid ""1""" (v int DEFAULT 2) INHERITS (ag.base);$$);

-- a new partition whose own primary key is the child of its parent's
-- unique index (which is there before it): the key is added USING the
-- index PostgreSQL makes for it; and a partition of a table that a foreign
-- key references is detached before it is dropped
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag.f (foo text NOT NULL, bar text NOT NULL) PARTITION BY LIST (foo);
CREATE UNIQUE INDEX "f's key" ON ag.f (foo, bar);
CREATE TABLE ag.rf (foo text, bar text, PRIMARY KEY (foo, bar)) PARTITION BY LIST (foo);
CREATE TABLE ag.rf1 PARTITION OF ag.rf FOR VALUES IN ('a');
CREATE TABLE ag.src (foo text, bar text, FOREIGN KEY (foo, bar) REFERENCES ag.rf);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag.f (foo text NOT NULL, bar text NOT NULL) PARTITION BY LIST (foo);
CREATE TABLE ag."f 1" PARTITION OF ag.f (CONSTRAINT "f 1 pk" PRIMARY KEY (foo, bar)) FOR VALUES IN ('a');
CREATE UNIQUE INDEX "f's key" ON ag.f (foo, bar);
CREATE TABLE ag.rf (foo text, bar text, PRIMARY KEY (foo, bar)) PARTITION BY LIST (foo);
CREATE TABLE ag.src (foo text, bar text, FOREIGN KEY (foo, bar) REFERENCES ag.rf);$$);

DROP FUNCTION diff(text, text), norm(jsonb);

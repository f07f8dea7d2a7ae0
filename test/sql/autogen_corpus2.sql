-- migrate_diff() on pairs of schemas like those other diff tools test
-- with, each checked by running it both ways as in autogen.sql; names have
-- quotes and spaces.
\i test/sql/include/autogen_diff.sql
SET client_min_messages = error;

-- a foreign key to a partitioned table: the server keeps a copy of it for
-- each partition of the referenced table (on the referencing table, named
-- like the key with a number); the copies are not described, the key makes
-- and drops them
CREATE SCHEMA ag;
CREATE TABLE ag."P q" (k text, id int, PRIMARY KEY (k, id)) PARTITION BY LIST (k);
CREATE TABLE ag."P q 1" PARTITION OF ag."P q" FOR VALUES IN ('1');
CREATE TABLE ag."P q 2" PARTITION OF ag."P q" FOR VALUES IN ('2');
CREATE TABLE ag."R ""r""" (k text, id int, CONSTRAINT "to ""P""" FOREIGN KEY (k, id) REFERENCES ag."P q");
SELECT count(*) AS server_copies FROM pg_constraint WHERE conrelid = 'ag."R ""r"""'::regclass;
SELECT jsonb_pretty(d->'tables'->'ag.R "r"'->'constraints') FROM migrate_describe(ARRAY['ag']) d;
DROP SCHEMA ag CASCADE;

-- the key added, and dropped on the way back
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag."P q" (k text, id int, PRIMARY KEY (k, id)) PARTITION BY LIST (k);
CREATE TABLE ag."P q 1" PARTITION OF ag."P q" FOR VALUES IN ('1');
CREATE TABLE ag."P q 2" PARTITION OF ag."P q" FOR VALUES IN ('2');
CREATE TABLE ag."R ""r""" (k text, id int);$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag."P q" (k text, id int, PRIMARY KEY (k, id)) PARTITION BY LIST (k);
CREATE TABLE ag."P q 1" PARTITION OF ag."P q" FOR VALUES IN ('1');
CREATE TABLE ag."P q 2" PARTITION OF ag."P q" FOR VALUES IN ('2');
CREATE TABLE ag."R ""r""" (k text, id int, CONSTRAINT "to ""P""" FOREIGN KEY (k, id) REFERENCES ag."P q");$$);

-- the referencing table is itself partitioned, and gains a partition: the
-- new partition takes the key from its parent (with its own copies for the
-- referenced partitions)
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag."P q" (k text, id int, PRIMARY KEY (k, id)) PARTITION BY LIST (k);
CREATE TABLE ag."P q 1" PARTITION OF ag."P q" FOR VALUES IN ('1');
CREATE TABLE ag."R ""r""" (k text, id int, CONSTRAINT "to ""P""" FOREIGN KEY (k, id) REFERENCES ag."P q")
    PARTITION BY LIST (k);
CREATE TABLE ag."R a" PARTITION OF ag."R ""r""" FOR VALUES IN ('1');$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag."P q" (k text, id int, PRIMARY KEY (k, id)) PARTITION BY LIST (k);
CREATE TABLE ag."P q 1" PARTITION OF ag."P q" FOR VALUES IN ('1');
CREATE TABLE ag."R ""r""" (k text, id int, CONSTRAINT "to ""P""" FOREIGN KEY (k, id) REFERENCES ag."P q")
    PARTITION BY LIST (k);
CREATE TABLE ag."R a" PARTITION OF ag."R ""r""" FOR VALUES IN ('1');
CREATE TABLE ag."R b" PARTITION OF ag."R ""r""" FOR VALUES IN ('2');$$);

-- the referenced table goes with its partitions, and the key with it
SELECT * FROM diff(
$$CREATE SCHEMA ag;
CREATE TABLE ag."P q" (k text, id int, PRIMARY KEY (k, id)) PARTITION BY LIST (k);
CREATE TABLE ag."P q 1" PARTITION OF ag."P q" FOR VALUES IN ('1');
CREATE TABLE ag."R ""r""" (k text, id int, CONSTRAINT "to ""P""" FOREIGN KEY (k, id) REFERENCES ag."P q");$$,
$$CREATE SCHEMA ag;
CREATE TABLE ag."R ""r""" (k text, id int);$$);

DROP FUNCTION diff(text, text), norm(jsonb);

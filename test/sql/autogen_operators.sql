-- migrate_diff() and operators that name a commutator or a negator, judged
-- by the catalog itself (each operator, its function, and the operators its
-- oprcom and oprnegate link to), not by migrate's own description: the
-- links are what differs between versions.  From PostgreSQL 17, filling a
-- shell operator (one a COMMUTATOR or NEGATOR named before it existed)
-- without naming the link leaves it unset, so the usual
-- "CREATE OPERATOR a (..., COMMUTATOR = b); CREATE OPERATOR b (...)"
-- links only a to b; on 15 and 16 it links both ways.  Either way the
-- upgrade must reach B and the downgrade return to A.  Only operations and
-- objects are printed, in name order (the definitions name the links, and
-- the order of the steps follows them, which differ by version).  Names have quotes and spaces where operators allow them.
\i test/sql/include/autogen_diff.sql

CREATE FUNCTION op_links() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(format('%s(%s,%s) %s com %s neg %s', o.oprname,
                                      o.oprleft::regtype, o.oprright::regtype, o.oprcode::regproc,
                                      CASE WHEN o.oprcom = 0 THEN '-' ELSE o.oprcom::regoperator::text END,
                                      CASE WHEN o.oprnegate = 0 THEN '-' ELSE o.oprnegate::regoperator::text END),
                               E'\n' ORDER BY o.oprname, o.oprleft::regtype::text, o.oprright::regtype::text), '')
    FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE n.nspname = 'ag' AND o.oprcode <> 0
$$;

-- A and B by the catalog: the upgrade reaches B's links, the downgrade A's
CREATE FUNCTION op_diff(a_sql text, b_sql text)
RETURNS TABLE (operation text, object text)
LANGUAGE plpgsql AS $$
DECLARE
    da jsonb;
    db jsonb;
    la text;
    lb text;
    s record;
BEGIN
    DROP SCHEMA IF EXISTS ag CASCADE;
    EXECUTE b_sql;
    db := migrate_describe(ARRAY['ag']);
    lb := op_links();
    DROP SCHEMA ag CASCADE;
    EXECUTE a_sql;
    da := migrate_describe(ARRAY['ag']);
    la := op_links();
    FOR s IN SELECT * FROM migrate_diff(da, db) d ORDER BY d.step LOOP
        EXECUTE s.upgrade;
    END LOOP;
    IF op_links() <> lb THEN
        RAISE EXCEPTION E'upgrade did not reach B:\n%\nexpected:\n%', op_links(), lb;
    END IF;
    IF norm(migrate_describe(ARRAY['ag'])) <> norm(db) THEN
        RAISE EXCEPTION 'upgrade did not reach B''s description';
    END IF;
    FOR s IN SELECT * FROM migrate_diff(da, db) d ORDER BY d.step DESC LOOP
        EXECUTE s.downgrade;
    END LOOP;
    IF op_links() <> la THEN
        RAISE EXCEPTION E'downgrade did not return to A:\n%\nexpected:\n%', op_links(), la;
    END IF;
    DROP SCHEMA ag CASCADE;
    -- in name order: the order of the steps differs by version (see above)
    RETURN QUERY SELECT d.operation, d.object FROM migrate_diff(da, db) d ORDER BY d.object COLLATE "C", d.operation;
END $$;

-- the functions every case has
CREATE FUNCTION public."lt q"(int, text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$SELECT $1::text < $2$$;
CREATE FUNCTION public."gt q"(text, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$SELECT $1 > $2::text$$;
CREATE FUNCTION public."ge q"(int, text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$SELECT $1::text >= $2$$;
CREATE FUNCTION public.eq2(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$SELECT $1 = $2$$;
CREATE FUNCTION public.ne2(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$SELECT $1 <> $2$$;

-- a pair where only the first names the other (on 17 only it links), both
-- ways from nothing
SELECT * FROM op_diff($$CREATE SCHEMA ag;$$,
$$CREATE SCHEMA ag;
CREATE OPERATOR ag.<<< (FUNCTION = public."lt q", LEFTARG = int, RIGHTARG = text, COMMUTATOR = OPERATOR(ag.>>>));
CREATE OPERATOR ag.>>> (FUNCTION = public."gt q", LEFTARG = text, RIGHTARG = int);$$);
SELECT * FROM op_diff($$CREATE SCHEMA ag;
CREATE OPERATOR ag.<<< (FUNCTION = public."lt q", LEFTARG = int, RIGHTARG = text, COMMUTATOR = OPERATOR(ag.>>>));
CREATE OPERATOR ag.>>> (FUNCTION = public."gt q", LEFTARG = text, RIGHTARG = int);$$,
$$CREATE SCHEMA ag;$$);
-- the same with the names the other way round (the one that links sorts last)
SELECT * FROM op_diff($$CREATE SCHEMA ag;$$,
$$CREATE SCHEMA ag;
CREATE OPERATOR ag.>>> (FUNCTION = public."gt q", LEFTARG = text, RIGHTARG = int, COMMUTATOR = OPERATOR(ag.<<<));
CREATE OPERATOR ag.<<< (FUNCTION = public."lt q", LEFTARG = int, RIGHTARG = text);$$);
-- a pair that names each other (both name the link)
SELECT * FROM op_diff($$CREATE SCHEMA ag;$$,
$$CREATE SCHEMA ag;
CREATE OPERATOR ag.<<< (FUNCTION = public."lt q", LEFTARG = int, RIGHTARG = text, COMMUTATOR = OPERATOR(ag.>>>));
CREATE OPERATOR ag.>>> (FUNCTION = public."gt q", LEFTARG = text, RIGHTARG = int, COMMUTATOR = OPERATOR(ag.<<<));$$);
-- an operator that is its own commutator, and a negator pair written once
SELECT * FROM op_diff($$CREATE SCHEMA ag;$$,
$$CREATE SCHEMA ag;
CREATE OPERATOR ag.=== (FUNCTION = public.eq2, LEFTARG = int, RIGHTARG = int, COMMUTATOR = OPERATOR(ag.===),
    NEGATOR = OPERATOR(ag.!==));
CREATE OPERATOR ag.!== (FUNCTION = public.ne2, LEFTARG = int, RIGHTARG = int, COMMUTATOR = OPERATOR(ag.!==));$$);
-- one of a pair goes, and the other's function changes (made again)
SELECT * FROM op_diff($$CREATE SCHEMA ag;
CREATE OPERATOR ag.<<< (FUNCTION = public."lt q", LEFTARG = int, RIGHTARG = text, COMMUTATOR = OPERATOR(ag.>>>));
CREATE OPERATOR ag.>>> (FUNCTION = public."gt q", LEFTARG = text, RIGHTARG = int);$$,
$$CREATE SCHEMA ag;
CREATE OPERATOR ag.<<< (FUNCTION = public."ge q", LEFTARG = int, RIGHTARG = text);$$);
-- a lone operator gains a commutator
SELECT * FROM op_diff($$CREATE SCHEMA ag;
CREATE OPERATOR ag.<<< (FUNCTION = public."lt q", LEFTARG = int, RIGHTARG = text);$$,
$$CREATE SCHEMA ag;
CREATE OPERATOR ag.<<< (FUNCTION = public."lt q", LEFTARG = int, RIGHTARG = text, COMMUTATOR = OPERATOR(ag.>>>));
CREATE OPERATOR ag.>>> (FUNCTION = public."gt q", LEFTARG = text, RIGHTARG = int);$$);

DROP FUNCTION op_diff(text, text), op_links(), diff(text, text), norm(jsonb);
DROP FUNCTION public."lt q"(int, text), public."gt q"(text, int), public."ge q"(int, text),
    public.eq2(int, int), public.ne2(int, int);

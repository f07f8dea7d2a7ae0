-- Shared by autogen_privileges and autogen_owners, after autogen_diff.sql:
-- diff() with the privileges and owners described as asked, both ways.
-- Their objects may include the publication ag_pub, which belongs to no
-- schema.
CREATE FUNCTION described_diff(a_sql text, b_sql text, privileges boolean, owners boolean)
RETURNS TABLE (step int, operation text, object text, upgrade text, downgrade text)
LANGUAGE plpgsql AS $$
DECLARE
    da jsonb;
    db jsonb;
    s record;
BEGIN
    DROP SCHEMA IF EXISTS ag CASCADE;
    DROP PUBLICATION IF EXISTS ag_pub;
    EXECUTE b_sql;
    db := migrate_describe(ARRAY['ag'], privileges, owners);
    DROP SCHEMA ag CASCADE;
    DROP PUBLICATION IF EXISTS ag_pub;
    EXECUTE a_sql;
    da := migrate_describe(ARRAY['ag'], privileges, owners);
    FOR s IN SELECT * FROM migrate_diff(da, db) d ORDER BY d.step LOOP
        EXECUTE s.upgrade;
    END LOOP;
    IF norm(migrate_describe(ARRAY['ag'], privileges, owners)) <> norm(db) THEN
        RAISE EXCEPTION 'upgrade did not reach B: %', jsonb_build_object(
            'privileges', migrate_describe(ARRAY['ag'], privileges, owners)->'privileges',
            'owners', migrate_describe(ARRAY['ag'], privileges, owners)->'owners');
    END IF;
    FOR s IN SELECT * FROM migrate_diff(da, db) d ORDER BY d.step DESC LOOP
        EXECUTE s.downgrade;
    END LOOP;
    IF norm(migrate_describe(ARRAY['ag'], privileges, owners)) <> norm(da) THEN
        RAISE EXCEPTION 'downgrade did not return to A: %', jsonb_build_object(
            'privileges', migrate_describe(ARRAY['ag'], privileges, owners)->'privileges',
            'owners', migrate_describe(ARRAY['ag'], privileges, owners)->'owners');
    END IF;
    DROP SCHEMA ag CASCADE;
    DROP PUBLICATION IF EXISTS ag_pub;
    RETURN QUERY SELECT d.step, d.operation, d.object, d.upgrade, d.downgrade FROM migrate_diff(da, db) d ORDER BY d.step;
END $$;

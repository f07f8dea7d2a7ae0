-- Shared by the autogenerate tests (autogen, autogen_seq): norm() and diff(),
-- which runs A and B and checks the diff both ways.  Read with \i from the
-- directory pg_regress runs in.
SET client_min_messages = warning;
SET migrate.guard = off;

-- column order is not compared: PostgreSQL cannot reorder columns, and a
-- column made again goes last
CREATE FUNCTION norm(d jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_set(d, '{tables}', coalesce((
        SELECT jsonb_object_agg(k, jsonb_set(v, '{columns}', coalesce((
            SELECT jsonb_agg(c ORDER BY c->>'name') FROM jsonb_array_elements(v->'columns') c), '[]')))
        FROM jsonb_each(d->'tables') t(k, v)), '{}'))
$$;

-- run A and B (each creates schema ag), return the diff, check both ways
CREATE FUNCTION diff(a_sql text, b_sql text)
RETURNS TABLE (step int, operation text, object text, upgrade text, warning text)
LANGUAGE plpgsql AS $$
DECLARE
    da jsonb;
    db jsonb;
    s record;
    irreversible boolean;
BEGIN
    DROP SCHEMA IF EXISTS ag CASCADE;
    EXECUTE b_sql;
    db := migrate_describe(ARRAY['ag']);
    DROP SCHEMA ag CASCADE;
    EXECUTE a_sql;
    da := migrate_describe(ARRAY['ag']);
    FOR s IN SELECT * FROM migrate_diff(da, db) d ORDER BY d.step LOOP
        EXECUTE s.upgrade;
    END LOOP;
    IF norm(migrate_describe(ARRAY['ag'])) <> norm(db) THEN
        RAISE EXCEPTION 'upgrade did not reach B: % steps left', (SELECT count(*) FROM migrate_diff(migrate_describe(ARRAY['ag']), db));
    END IF;
    SELECT bool_or(d.downgrade IS NULL OR d.downgrade LIKE '--%') INTO irreversible FROM migrate_diff(da, db) d;
    IF NOT coalesce(irreversible, false) THEN
        FOR s IN SELECT * FROM migrate_diff(da, db) d ORDER BY d.step DESC LOOP
            EXECUTE s.downgrade;
        END LOOP;
        IF norm(migrate_describe(ARRAY['ag'])) <> norm(da) THEN
            RAISE EXCEPTION 'downgrade did not return to A';
        END IF;
    END IF;
    DROP SCHEMA ag CASCADE;
    RETURN QUERY SELECT d.step, d.operation, d.object, d.upgrade, d.warning FROM migrate_diff(da, db) d ORDER BY d.step;
END $$;


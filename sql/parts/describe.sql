/*
 * migrate: describing the user's schema, for autogenerate and the fingerprint.
 * Built into the install script and re-run by the update script of the
 * current version, so everything here is CREATE OR REPLACE.
 */

/*
 * The user's schemas (all of them, or those named): not the system ones,
 * not migrate's, not one an extension made.  Both descriptions below start
 * from here.
 */
CREATE OR REPLACE FUNCTION migrate.user_schemas(schemas text[])
RETURNS TABLE (oid oid, nspname name)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT n.oid, n.nspname FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT FROM pg_depend d
                  WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
  AND (schemas IS NULL OR n.nspname = ANY (schemas))
$$;

/*
 * A deterministic description of the user's schema, one line per fact, from
 * the server's own canonical forms.  Two databases with the same schema give
 * the same lines: no OIDs, owners, privileges or physical positions (a
 * column's position counts among the live columns only), and the settings
 * that change how values print are pinned.  System schemas, temporary
 * objects, migrate's own schema and the members of extensions are left out;
 * an installed extension is one line with its version.
 */
CREATE OR REPLACE FUNCTION migrate.schema_description()
RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
-- the planner's guesses for the catalog scans are far above what they hold,
-- so the query passed jit_above_cost: compiling it was 60% of every
-- fingerprint, which each deploy takes once
SET jit = off
SET quote_all_identifiers = off
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = postgres
SET TimeZone = 'UTC'
SET extra_float_digits = 1
AS $$
-- the members of extensions, looked up with NOT EXISTS: NOT IN over them is an
-- anti-join only while the planner hashes the list, and past work_mem it
-- rescans the list for every row, which any table owner could make quadratic by
-- adding objects to an extension of its own (ALTER EXTENSION ... ADD)
WITH member AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), ns AS (
    SELECT * FROM migrate.user_schemas(NULL)
), rel AS (
    SELECT c.oid, c.relkind, c.relpersistence, c.relrowsecurity, c.oid::regclass::text AS name
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
), cast_ AS (
    -- as migrate_describe() takes them: from or to a type of the described
    -- schemas, or made with one of their functions; not an extension's, not
    -- those a range type makes to its multirange
    SELECT k.*, format_type(k.castsource, NULL) AS source
    FROM pg_cast k
    WHERE (EXISTS (SELECT FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.oid IN (k.castsource, k.casttarget))
           OR EXISTS (SELECT FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace WHERE p.oid = k.castfunc))
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = k.tableoid AND m.objid = k.oid)
      AND NOT EXISTS (SELECT FROM pg_depend dp
                      WHERE dp.classid = 'pg_cast'::regclass AND dp.objid = k.oid AND dp.deptype = 'i')
), commented(classid, oid) AS (
    -- the objects whose comments are described
    SELECT 'pg_namespace'::regclass, oid FROM ns
    UNION ALL SELECT 'pg_class'::regclass, oid FROM rel
    UNION ALL SELECT 'pg_class'::regclass, i.indexrelid FROM pg_index i JOIN rel ON rel.oid = i.indrelid
    UNION ALL SELECT 'pg_constraint'::regclass, con.oid FROM pg_constraint con JOIN ns ON ns.oid = con.connamespace
              LEFT JOIN rel ON rel.oid = con.conrelid WHERE con.conrelid = 0 OR (rel.oid IS NOT NULL AND con.conislocal)
    -- (not what pg_dump leaves out, so that a restored copy reads the same:
    -- the comments of a partition's clone of its parent's trigger or copy of
    -- its check, of a view's own rule, of array, multirange and row types)
    UNION ALL SELECT 'pg_trigger'::regclass, tg.oid FROM pg_trigger tg JOIN rel ON rel.oid = tg.tgrelid
              WHERE tg.tgparentid = 0
    UNION ALL SELECT 'pg_policy'::regclass, p.oid FROM pg_policy p JOIN rel ON rel.oid = p.polrelid
    UNION ALL SELECT 'pg_rewrite'::regclass, rw.oid FROM pg_rewrite rw JOIN rel ON rel.oid = rw.ev_class
              WHERE rw.rulename <> '_RETURN'
    UNION ALL SELECT 'pg_cast'::regclass, oid FROM cast_
    UNION ALL SELECT x.tableoid, x.oid FROM pg_type x JOIN ns ON ns.oid = x.typnamespace
              WHERE (x.typtype IN ('b', 'e', 'd', 'r', 'p') AND NOT EXISTS (SELECT FROM pg_type e WHERE e.typarray = x.oid))
                 OR (x.typtype = 'c' AND EXISTS (SELECT FROM pg_class tc WHERE tc.oid = x.typrelid AND tc.relkind = 'c'))
    UNION ALL SELECT x.tableoid, x.oid FROM pg_proc x JOIN ns ON ns.oid = x.pronamespace
    UNION ALL SELECT x.tableoid, x.oid FROM pg_statistic_ext x JOIN ns ON ns.oid = x.stxnamespace
    UNION ALL SELECT x.tableoid, x.oid FROM pg_collation x JOIN ns ON ns.oid = x.collnamespace
    UNION ALL SELECT x.tableoid, x.oid FROM pg_operator x JOIN ns ON ns.oid = x.oprnamespace
    UNION ALL SELECT x.tableoid, x.oid FROM pg_opclass x JOIN ns ON ns.oid = x.opcnamespace
    UNION ALL SELECT x.tableoid, x.oid FROM pg_opfamily x JOIN ns ON ns.oid = x.opfnamespace
    UNION ALL SELECT x.tableoid, x.oid FROM pg_event_trigger x
    UNION ALL SELECT x.tableoid, x.oid FROM pg_publication x
), line(line) AS (
SELECT 'schema ' || quote_ident(nspname) FROM ns
UNION ALL
SELECT 'relation ' || rel.name || ' kind ' || rel.relkind::text || ' persistence ' || rel.relpersistence::text
       || CASE WHEN rel.relrowsecurity THEN ' row security' ELSE '' END
       || coalesce(' partition of ' || (SELECT string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)
                                        FROM pg_inherits i WHERE i.inhrelid = rel.oid), '')
       || coalesce(' ' || pg_get_expr(c.relpartbound, c.oid), '')
       || coalesce(' partition by ' || pg_get_partkeydef(c.oid), '')
       -- what migrate_describe() says of a table or view beyond its kind,
       -- each only when it is not the default, so that the lines of a
       -- schema without them read as they always did
       || CASE WHEN c.relforcerowsecurity THEN ' force row security' ELSE '' END
       || CASE WHEN rel.relkind IN ('r', 'p', 'm') AND c.relreplident <> 'd'
               THEN ' replica identity ' || c.relreplident::text ELSE '' END
       || coalesce(' options ' || (SELECT string_agg(x, ',' ORDER BY x COLLATE "C") FROM unnest(c.reloptions) x), '')
       || coalesce(' toast options ' || (SELECT string_agg(x, ',' ORDER BY x COLLATE "C")
                                         FROM pg_class tc, unnest(tc.reloptions) x
                                         WHERE tc.oid = c.reltoastrelid AND c.reltoastrelid <> 0), '')
FROM rel JOIN pg_class c ON c.oid = rel.oid
UNION ALL
SELECT 'column ' || rel.name || ' ' || quote_ident(a.attname)
       || ' #' || row_number() OVER (PARTITION BY rel.oid ORDER BY a.attnum)
       || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END
       || CASE a.attgenerated WHEN 's' THEN ' generated' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attcollation <> t.typcollation THEN ' collate ' || a.attcollation::regcollation::text ELSE '' END
       || CASE WHEN a.attstorage <> t.typstorage THEN ' storage ' || a.attstorage::text ELSE '' END
       || CASE WHEN a.attstattarget >= 0 THEN ' statistics ' || a.attstattarget ELSE '' END
FROM rel
JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE rel.relkind <> 'S'            -- a sequence's columns are its fixed layout
UNION ALL
SELECT 'constraint ' || coalesce(rel.name, format_type(con.contypid, NULL)) || ' ' || quote_ident(con.conname)
       || ' ' || pg_get_constraintdef(con.oid)
FROM pg_constraint con
JOIN ns ON ns.oid = con.connamespace
LEFT JOIN rel ON rel.oid = con.conrelid
WHERE (con.conrelid = 0 OR rel.oid IS NOT NULL)
  -- 17 records a domain's NOT NULL, 18 a column's, as a constraint that the
  -- domain and column lines already say ("not null"): left out, so that one
  -- schema reads the same on 15 to 18; what only 18 can say (NOT VALID, NO
  -- INHERIT) is kept
  AND NOT (con.contype = 'n' AND con.convalidated AND NOT con.connoinherit)
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
       || CASE WHEN i.indisclustered THEN ' clustered' ELSE '' END
       -- left so by a failed or cancelled CONCURRENTLY command: a valid
       -- index's line does not change
       || CASE WHEN NOT i.indisvalid THEN ' invalid' ELSE '' END
       || CASE WHEN NOT i.indisready THEN ' not ready' ELSE '' END
       || CASE WHEN i.indisreplident THEN ' replica identity' ELSE '' END
FROM pg_index i JOIN rel ON rel.oid = i.indrelid
UNION ALL
SELECT 'view ' || name || ' ' || pg_get_viewdef(oid) FROM rel WHERE relkind IN ('v', 'm')
UNION ALL
SELECT 'sequence ' || rel.name || ' ' || format_type(s.seqtypid, NULL)
       || ' start ' || s.seqstart || ' increment ' || s.seqincrement
       || ' min ' || s.seqmin || ' max ' || s.seqmax || ' cache ' || s.seqcache
       || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END
       || coalesce(' owned by ' || (SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname)
                                    FROM pg_depend d
                                    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                    WHERE d.classid = 'pg_class'::regclass AND d.objid = rel.oid
                                      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                                    LIMIT 1), '')
FROM rel JOIN pg_sequence s ON s.seqrelid = rel.oid
UNION ALL
-- a trigger whose arguments pass 1 MB by their md5 and its catalog fields:
-- pg_get_triggerdef doubles every quote in them, so two arguments of 280 MB
-- (which any table owner may write) made a definition over 1 GB, and every
-- fingerprint failed with "out of memory" (octet_length reads the stored size)
SELECT 'trigger ' || CASE WHEN octet_length(tg.tgargs) > 1048576
                          THEN concat_ws(' ', quote_ident(tg.tgname), 'on', rel.name, 'type', tg.tgtype,
                                         'columns', tg.tgattr::text, 'function', tg.tgfoid::regprocedure,
                                         'deferrable', tg.tgdeferrable, 'initially deferred', tg.tginitdeferred,
                                         'old', quote_ident(tg.tgoldtable), 'new', quote_ident(tg.tgnewtable),
                                         'when', pg_get_expr(tg.tgqual, tg.tgrelid),
                                         'args', tg.tgnargs, 'md5', md5(tg.tgargs))
                          ELSE pg_get_triggerdef(tg.oid) END
       || ' enabled ' || tg.tgenabled::text
FROM pg_trigger tg JOIN rel ON rel.oid = tg.tgrelid
WHERE NOT tg.tgisinternal
UNION ALL
SELECT 'policy ' || rel.name || ' ' || quote_ident(p.polname) || ' ' || p.polcmd::text
       || CASE WHEN p.polpermissive THEN ' permissive' ELSE ' restrictive' END
       || ' to ' || (SELECT string_agg(x, ',' ORDER BY x COLLATE "C")
                     FROM unnest(p.polroles) r,
                          LATERAL (SELECT CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END) AS n(x))
       || coalesce(' using ' || pg_get_expr(p.polqual, p.polrelid), '')
       || coalesce(' check ' || pg_get_expr(p.polwithcheck, p.polrelid), '')
FROM pg_policy p JOIN rel ON rel.oid = p.polrelid
UNION ALL
-- a function whose body and SET clauses pass 1 MB by their md5s and its
-- catalog fields: pg_get_functiondef copies the body and quotes the SET values
-- (doubling their quotes), and a definition over 1 GB would fail every
-- fingerprint
SELECT 'function ' || p.oid::regprocedure::text || ' ' || p.prokind::text || ' '
       -- (an aggregate whose initial values pass 1 MB by their md5s and its
       -- catalog fields: aggregate_ddl quotes them, doubling their quotes)
       || md5(CASE WHEN p.prokind = 'a' THEN
                   (SELECT CASE WHEN coalesce(octet_length(g.agginitval), 0) + coalesce(octet_length(g.aggminitval), 0) > 1048576
                                THEN concat_ws(' ', 'large', pg_get_function_arguments(p.oid), g.aggkind, g.aggnumdirectargs,
                                               g.aggtransfn, g.aggfinalfn, g.aggcombinefn, g.aggserialfn, g.aggdeserialfn,
                                               g.aggmtransfn, g.aggminvtransfn, g.aggmfinalfn, g.aggfinalextra, g.aggmfinalextra,
                                               g.aggfinalmodify, g.aggmfinalmodify, g.aggsortop::regoperator,
                                               g.aggtranstype::regtype, g.aggtransspace, g.aggmtranstype::regtype,
                                               g.aggmtransspace, md5(g.agginitval), md5(g.aggminitval))
                                ELSE migrate.aggregate_ddl(p.oid) END
                    FROM pg_aggregate g WHERE g.aggfnoid = p.oid)
                   WHEN octet_length(p.prosrc)
                        + coalesce((SELECT sum(octet_length(c)) FROM unnest(p.proconfig) c), 0) > 1048576
                   THEN concat_ws(' ', 'large', pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                                  (SELECT l.lanname FROM pg_language l WHERE l.oid = p.prolang),
                                  p.provolatile, p.proisstrict, p.prosecdef, p.proleakproof, p.proparallel,
                                  p.proretset, p.procost, p.prorows, p.prosupport::regproc, p.probin,
                                  md5(p.prosrc),
                                  (SELECT string_agg(md5(c), ',' ORDER BY o) FROM unnest(p.proconfig) WITH ORDINALITY u(c, o)))
                   ELSE pg_get_functiondef(p.oid) END)
FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = p.tableoid AND m.objid = p.oid)
UNION ALL
SELECT 'type ' || format_type(t.oid, NULL) || ' ' || t.typtype::text
       || coalesce(' values ' || (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder)
                                  FROM pg_enum e WHERE e.enumtypid = t.oid), '')
       || CASE WHEN t.typtype = 'd' THEN ' over ' || format_type(t.typbasetype, t.typtypmod)
               || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
               || coalesce(' default ' || t.typdefault, '')
               || CASE WHEN t.typcollation <> bt.typcollation THEN ' collate ' || t.typcollation::regcollation::text
                       ELSE '' END ELSE '' END
       || coalesce(' range of ' || (SELECT format_type(r.rngsubtype, NULL)
                                           || coalesce(' subtype diff ' || nullif(r.rngsubdiff, 0)::regproc::text, '')
                                           || CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                                                   THEN ' collate ' || r.rngcollation::regcollation::text ELSE '' END
                                    FROM pg_range r JOIN pg_type st ON st.oid = r.rngsubtype
                                    WHERE r.rngtypid = t.oid), '')
FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
WHERE t.typtype IN ('e', 'd', 'r', 'm') AND NOT EXISTS (SELECT FROM member m WHERE m.classid = t.tableoid AND m.objid = t.oid)
UNION ALL
-- rules, other than a view's own
SELECT 'rule ' || rel.name || ' ' || quote_ident(rw.rulename) || ' ' || pg_get_ruledef(rw.oid)
       || ' enabled ' || rw.ev_enabled::text
FROM pg_rewrite rw JOIN rel ON rel.oid = rw.ev_class
WHERE rw.rulename <> '_RETURN'
UNION ALL
-- event triggers (of the database, in no schema) but an extension's
SELECT 'event trigger ' || quote_ident(e.evtname) || ' on ' || e.evtevent
       || coalesce(' tags ' || array_to_string(e.evttags, ','), '')
       || ' function ' || e.evtfoid::regprocedure::text || ' enabled ' || e.evtenabled::text
FROM pg_event_trigger e
WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = e.tableoid AND m.objid = e.oid)
UNION ALL
SELECT 'statistics ' || pg_get_statisticsobjdef(s.oid)
       || CASE WHEN s.stxstattarget >= 0 THEN ' target ' || s.stxstattarget ELSE '' END
FROM pg_statistic_ext s JOIN ns ON ns.oid = s.stxnamespace
WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = s.tableoid AND m.objid = s.oid)
UNION ALL
-- a collation as CREATE COLLATION says it, not the library version it was
-- made with (which differs between copies of one schema); the columns of
-- the ICU locale, the rules and the builtin provider differ between majors,
-- so they are read through to_jsonb of the row
-- (not its encoding: a copy of "C" has none, and pg_dump makes it again with
-- the database's)
SELECT 'collation ' || c.oid::regcollation::text || ' provider ' || c.collprovider::text
       || coalesce(' collate ' || quote_literal(j->>'collcollate'), '')
       || coalesce(' ctype ' || quote_literal(j->>'collctype'), '')
       || coalesce(' locale ' || quote_literal(coalesce(j->>'colllocale', j->>'colliculocale')), '')
       || coalesce(' rules ' || quote_literal(j->>'collicurules'), '')
       || CASE WHEN c.collisdeterministic THEN '' ELSE ' nondeterministic' END
FROM pg_collation c JOIN ns ON ns.oid = c.collnamespace, LATERAL to_jsonb(c) j
WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
UNION ALL
SELECT 'cast ' || k.source || ' as ' || format_type(k.casttarget, NULL) || ' method ' || k.castmethod::text
       || coalesce(' function ' || nullif(k.castfunc, 0)::regprocedure::text, '')
       || ' context ' || k.castcontext::text
FROM cast_ k
UNION ALL
SELECT 'operator ' || o.oid::regoperator::text
       || ' function ' || o.oprcode::regprocedure::text
       || coalesce(' commutator ' || nullif(o.oprcom, 0)::regoperator::text, '')
       || coalesce(' negator ' || nullif(o.oprnegate, 0)::regoperator::text, '')
       || coalesce(' restrict ' || nullif(o.oprrest, 0)::regprocedure::text, '')
       || coalesce(' join ' || nullif(o.oprjoin, 0)::regprocedure::text, '')
       || CASE WHEN o.oprcanhash THEN ' hashes' ELSE '' END
       || CASE WHEN o.oprcanmerge THEN ' merges' ELSE '' END
FROM pg_operator o JOIN ns ON ns.oid = o.oprnamespace
-- (not a shell left by a commutator or negator dropped: pg_dump does not
-- make it, and migrate_describe() does not say it)
WHERE o.oprcode <> 0
  AND NOT EXISTS (SELECT FROM member m WHERE m.classid = o.tableoid AND m.objid = o.oid)
UNION ALL
SELECT pg_describe_object(c.tableoid, c.oid, 0) || ' for type ' || format_type(c.opcintype, NULL)
       || ' in ' || pg_describe_object('pg_opfamily'::regclass, c.opcfamily, 0)
       || CASE WHEN c.opcdefault THEN ' default' ELSE '' END
       || coalesce(' storage ' || format_type(nullif(c.opckeytype, 0), NULL), '')
FROM pg_opclass c JOIN ns ON ns.oid = c.opcnamespace
WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
UNION ALL
-- an operator family with its members (an operator class's are its family's)
SELECT pg_describe_object(f.tableoid, f.oid, 0)
       || coalesce(' operators ' || (SELECT string_agg(ao.amopstrategy || ' ' || ao.amopopr::regoperator::text
                                                       || ' ' || ao.amoppurpose::text
                                                       || coalesce(' order by ' || pg_describe_object('pg_opfamily'::regclass, nullif(ao.amopsortfamily, 0), 0), ''),
                                                       ', ' ORDER BY ao.amopstrategy, ao.amopopr::regoperator::text COLLATE "C")
                                     FROM pg_amop ao WHERE ao.amopfamily = f.oid), '')
       || coalesce(' functions ' || (SELECT string_agg(ap.amprocnum || ' (' || format_type(ap.amproclefttype, NULL) || ', '
                                                       || format_type(ap.amprocrighttype, NULL) || ') '
                                                       || ap.amproc::regprocedure::text,
                                                       ', ' ORDER BY ap.amprocnum, format_type(ap.amproclefttype, NULL) COLLATE "C",
                                                                format_type(ap.amprocrighttype, NULL) COLLATE "C")
                                     FROM pg_amproc ap WHERE ap.amprocfamily = f.oid), '')
FROM pg_opfamily f JOIN ns ON ns.oid = f.opfnamespace
WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = f.tableoid AND m.objid = f.oid)
UNION ALL
-- publications (of the database) but an extension's, and what they publish
-- of the described schemas
SELECT 'publication ' || quote_ident(p.pubname)
       || CASE WHEN p.puballtables THEN ' all tables' ELSE '' END
       || ' publish ' || concat_ws(',', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
                                   CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END)
       || CASE WHEN p.pubviaroot THEN ' via root' ELSE '' END
FROM pg_publication p
WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = p.tableoid AND m.objid = p.oid)
UNION ALL
SELECT 'publication ' || quote_ident(p.pubname) || ' table ' || rel.name
       || coalesce(' columns ' || (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum)
                                   FROM pg_attribute a
                                   WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs::int2[])), '')
       || coalesce(' where ' || pg_get_expr(pr.prqual, pr.prrelid), '')
FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid JOIN rel ON rel.oid = pr.prrelid
UNION ALL
SELECT 'publication ' || quote_ident(p.pubname) || ' schema ' || quote_ident(ns.nspname)
FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid JOIN ns ON ns.oid = pn.pnnspid
UNION ALL
-- the comments of every object described (but extensions'), a comment over
-- 1 MB by its md5: any table owner may write comments, and lines that long
-- would make the description cost a multiple of its size (octet_length reads
-- the stored size without detoasting; a quoted literal never starts with "md5")
SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' '
       || CASE WHEN octet_length(d.description) > 1048576 THEN 'md5 ' || md5(d.description)
               ELSE quote_literal(d.description) END
FROM pg_description d
WHERE EXISTS (SELECT FROM commented o WHERE o.classid = d.classoid AND o.oid = d.objoid)
  AND NOT EXISTS (SELECT FROM member m WHERE m.classid = d.classoid AND m.objid = d.objoid)
UNION ALL
SELECT 'extension ' || quote_ident(e.extname) || ' ' || e.extversion || ' in ' || quote_ident(n.nspname)
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'migrate'
)
SELECT line FROM line ORDER BY line COLLATE "C"
$$;

-- Autogenerate: describing a schema, and the steps from one description to another

/*
 * CREATE AGGREGATE for an aggregate (pg_get_functiondef does not do them):
 * its state and final functions and their options, in a fixed form.
 */
CREATE OR REPLACE FUNCTION migrate.aggregate_ddl(agg oid)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET quote_all_identifiers = off
AS $$
SELECT format('CREATE AGGREGATE %I.%I(%s) (', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
    || concat_ws(', ',
           'SFUNC = ' || a.aggtransfn::regproc::text,
           'STYPE = ' || format_type(a.aggtranstype, NULL),
           CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END,
           CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc::text END,
           CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
           CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc::text END,
           CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::regproc::text END,
           CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::regproc::text END,
           'INITCOND = ' || quote_literal(a.agginitval),
           -- (READ_ONLY is the default of a normal aggregate, READ_WRITE of
           -- an ordered-set one)
           CASE WHEN a.aggfinalmodify <> CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END
                THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE'
                                                                    ELSE 'READ_WRITE' END END,
           -- the moving-aggregate mode
           CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::regproc::text END,
           CASE WHEN a.aggminvtransfn <> 0 THEN 'MINVFUNC = ' || a.aggminvtransfn::regproc::text END,
           CASE WHEN a.aggmtranstype <> 0 THEN 'MSTYPE = ' || format_type(a.aggmtranstype, NULL) END,
           CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END,
           CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::regproc::text END,
           CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
           CASE WHEN a.aggmtransfn <> 0 AND a.aggmfinalmodify <> CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END
                THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE'
                                                                      ELSE 'READ_WRITE' END END,
           'MINITCOND = ' || quote_literal(a.aggminitval),
           -- (OPERATOR() takes the operator's name, not its signature)
           CASE WHEN a.aggsortop <> 0
                THEN (SELECT format('SORTOP = OPERATOR(%I.%s)', sn.nspname, so.oprname)
                      FROM pg_operator so JOIN pg_namespace sn ON sn.oid = so.oprnamespace
                      WHERE so.oid = a.aggsortop) END,
           CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END,
           CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END)
    || ')'
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE a.aggfnoid = agg
$$;

/* ------------------------------------------------------------------------
 * Partitions, table inheritance and privileges (for migrate_describe)
 * ------------------------------------------------------------------------ */

/*
 * Partitions and inheritance children in a description d of migrate_describe:
 * each child table says its parents ("inherits", in order, and the quoted
 * list "inherits_sql") and, a partition, its bound; and what it holds only
 * because of them is left out, since the parent makes it: inherited columns,
 * constraints inherited or cloned from the parent's, the per-partition
 * children of a partitioned index (ATTACH and CREATE TABLE ... PARTITION OF
 * make them) and the triggers cloned from the parent's.  A partition says
 * the names its parent's indexes and keys have on it ("index_children",
 * "constraint_children"), for DETACH and ATTACH to keep them, and what it
 * sets itself on a column it inherits ("column_own": a NOT NULL, a default,
 * where its parent's column differs).  Whether a column or
 * constraint was also declared locally is not kept: ATTACH PARTITION leaves
 * it so, CREATE TABLE ... PARTITION OF does not, for the same schema.
 */
/*
 * The name PostgreSQL gives the index it makes on partition part for the
 * partitioned index parent_index (CREATE INDEX on the parent, CREATE TABLE
 * ... PARTITION OF, ATTACH PARTITION without a matching index), from the
 * column names of child_index (an index's own column names are what
 * ChooseIndexColumnNames chose: "expr" for an expression): indexcmds.c's
 * ChooseIndexName and ChooseIndexNameAddition and makeObjectName, byte for
 * byte.  A name already taken gets a number there, which is not guessed
 * here: a rename from such a name fails and says so.
 */
CREATE OR REPLACE FUNCTION migrate.made_child_name(part oid, child_index oid, parent_index oid)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    name1 text;
    name2 text := '';
    label text;
    col text;
    avail int;
    n1 int;
    n2 int;
BEGIN
    SELECT c.relname INTO name1 FROM pg_class c WHERE c.oid = part;
    SELECT CASE WHEN i.indisprimary THEN 'pkey'
                WHEN con.contype = 'x' THEN 'excl'
                WHEN con.contype IS NOT NULL THEN 'key'
                ELSE 'idx' END
    INTO label
    FROM pg_index i LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
    WHERE i.indexrelid = parent_index;
    IF label = 'pkey' THEN
        name2 := NULL;
    ELSE
        -- ChooseIndexNameAddition: names joined by "_", each cut to 63
        -- bytes, until 64 bytes are reached
        FOR col IN SELECT a.attname FROM pg_attribute a
                   WHERE a.attrelid = child_index AND a.attnum > 0 ORDER BY a.attnum LOOP
            IF name2 <> '' THEN
                name2 := name2 || '_';
            END IF;
            name2 := name2 || migrate.clip_bytes(col, 63);
            EXIT WHEN octet_length(name2) >= 64;
        END LOOP;
    END IF;
    -- makeObjectName: the longer of the two parts is shortened first
    avail := 63 - CASE WHEN name2 IS NULL THEN 0 ELSE 1 END - octet_length(label) - 1;
    n1 := octet_length(name1);
    n2 := coalesce(octet_length(name2), 0);
    WHILE n1 + n2 > avail LOOP
        IF n1 > n2 THEN
            n1 := n1 - 1;
        ELSE
            n2 := n2 - 1;
        END IF;
    END LOOP;
    RETURN concat_ws('_', migrate.clip_bytes(name1, n1), migrate.clip_bytes(name2, n2), label);
END
$$;

-- the longest start of s that fits in n bytes and ends on a character (pg_mbcliplen)
CREATE OR REPLACE FUNCTION migrate.clip_bytes(s text, n int)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k int;
BEGIN
    IF s IS NULL OR octet_length(s) <= n THEN
        RETURN s;
    END IF;
    k := least(length(s), n);
    WHILE octet_length(left(s, k)) > n LOOP
        k := k - 1;
    END LOOP;
    RETURN left(s, k);
END
$$;

CREATE OR REPLACE FUNCTION migrate.describe_inheritance(d jsonb, schemas text[])
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
-- the planner's guesses for the catalog scans are far above what they hold:
-- compiling the query would cost more than running it
SET jit = off
SET quote_all_identifiers = off
AS $$
-- the tables are taken out of d once and put back once: each d->'tables'
-- copies the whole of them, which for every child made this quadratic
WITH rel AS (
    SELECT c.oid, ns.nspname || '.' || c.relname AS key, c.relkind, c.relispartition,
           pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_class c JOIN migrate.user_schemas(schemas) ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND (c.relkind = 'p' OR c.relispartition OR EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = c.oid))
), tab AS (
    SELECT t.k, t.v, r.oid, r.relkind, r.relispartition, r.bound,
           r.relispartition OR EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = r.oid) AS child
    FROM rel r JOIN jsonb_each(d->'tables') t(k, v) ON t.k = r.key
), patched AS (
    SELECT tb.k, tb.v
        || CASE WHEN tb.child THEN jsonb_build_object(
        'inherits', (SELECT jsonb_agg(pn.nspname || '.' || pc.relname ORDER BY i.inhseqno)
                     FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
                     JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = tb.oid),
        'inherits_sql', (SELECT string_agg(format('%I.%I', pn.nspname, pc.relname), ', ' ORDER BY i.inhseqno)
                         FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
                         JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = tb.oid),
        'partition_bound', CASE WHEN tb.relispartition THEN tb.bound END,
        -- the names its parent's indexes and keys have on it, which DETACH
        -- leaves to it as its own
        'index_children', CASE WHEN tb.relispartition THEN (
                              SELECT jsonb_object_agg(pc.relname, ic.relname)
                              FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                              JOIN pg_inherits ii ON ii.inhrelid = i.indexrelid
                              JOIN pg_class pc ON pc.oid = ii.inhparent
                              WHERE i.indrelid = tb.oid) END,
        -- and the names PostgreSQL gives them when it makes them, where
        -- those differ: what is renamed after they are made
        'index_children_made', CASE WHEN tb.relispartition THEN (
                              SELECT jsonb_object_agg(pc.relname, m.made)
                              FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                              JOIN pg_inherits ii ON ii.inhrelid = i.indexrelid
                              JOIN pg_class pc ON pc.oid = ii.inhparent,
                                   LATERAL (SELECT migrate.made_child_name(tb.oid, i.indexrelid, ii.inhparent)) m(made)
                              WHERE i.indrelid = tb.oid AND m.made <> ic.relname) END,
        'constraint_children', CASE WHEN tb.relispartition THEN (
                                   SELECT jsonb_object_agg(pcon.conname, con.conname)
                                   FROM pg_constraint con JOIN pg_constraint pcon ON pcon.oid = con.conparentid
                                   -- (keys and foreign keys: what DETACH leaves)
                                   WHERE con.conrelid = tb.oid AND con.contype IN ('p', 'u', 'f', 'x')
                                     -- (not the copies of its own foreign keys for the
                                     -- partitions of the table they reference)
                                     AND pcon.conrelid <> con.conrelid) END,
        -- what it sets itself on a column it inherits: a NOT NULL or a
        -- default its parent's column does not have (only what differs)
        'column_own', (SELECT jsonb_object_agg(a.attname,
                                  CASE WHEN a.attnotnull <> p.nn THEN jsonb_build_object('not_null', a.attnotnull) ELSE '{}' END
                                  || CASE WHEN pg_get_expr(cd.adbin, cd.adrelid) IS DISTINCT FROM p.def
                                          THEN jsonb_build_object('default', pg_get_expr(cd.adbin, 0)) ELSE '{}' END)
                       FROM pg_attribute a
                       LEFT JOIN pg_attrdef cd ON cd.adrelid = a.attrelid AND cd.adnum = a.attnum
                       -- (the first parent that has the column, as MergeAttributes takes it)
                       CROSS JOIN LATERAL (SELECT pa.attnotnull, pg_get_expr(pd.adbin, pd.adrelid)
                                           FROM pg_inherits ih
                                           JOIN pg_attribute pa ON pa.attrelid = ih.inhparent AND pa.attname = a.attname
                                                               AND NOT pa.attisdropped
                                           LEFT JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
                                           WHERE ih.inhrelid = tb.oid ORDER BY ih.inhseqno LIMIT 1) p(nn, def)
                       WHERE a.attrelid = tb.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attinhcount > 0
                         AND a.attgenerated = ''
                         AND (a.attnotnull <> p.nn OR pg_get_expr(cd.adbin, cd.adrelid) IS DISTINCT FROM p.def)),
        'columns', coalesce((SELECT jsonb_agg(x ORDER BY o)
                             FROM jsonb_array_elements(tb.v->'columns') WITH ORDINALITY AS e(x, o)
                             WHERE NOT EXISTS (SELECT FROM pg_attribute a
                                               WHERE a.attrelid = tb.oid AND a.attname = x->>'name'
                                                 AND a.attinhcount > 0)), '[]'),
        'constraints', coalesce((SELECT jsonb_object_agg(n, x)
                                 FROM jsonb_each(tb.v->'constraints') e(n, x)
                                 WHERE NOT EXISTS (SELECT FROM pg_constraint con
                                                   WHERE con.conrelid = tb.oid AND con.conname = n
                                                     AND (con.coninhcount > 0 OR con.conparentid <> 0))), '{}')) ELSE '{}' END
        AS v, tb.oid, tb.relkind, tb.child
    FROM tab tb
), fixed AS (
    SELECT p.k, p.v || CASE WHEN p.child OR p.relkind = 'p' THEN jsonb_build_object('indexes', coalesce((
               SELECT jsonb_object_agg(n, CASE WHEN left(x->>'definition', length(f.with_only)) = f.with_only
                                               THEN jsonb_set(x, '{definition}', to_jsonb(
                                                        f.plain || substr(x->>'definition', length(f.with_only) + 1)))
                                               ELSE x END)
               FROM jsonb_each(p.v->'indexes') e(n, x),
                    -- pg_get_indexdef writes a partitioned table's index ON
                    -- ONLY the table, which would make it without its
                    -- children: written to make them
                    LATERAL (SELECT CASE WHEN x->>'definition' LIKE 'CREATE UNIQUE %' THEN 'CREATE UNIQUE INDEX '
                                         ELSE 'CREATE INDEX ' END || quote_ident(n) || ' ON ') g(pre),
                    LATERAL (SELECT g.pre || 'ONLY ', g.pre) f(with_only, plain)
               -- a partition's children of its parent's indexes are the parent's
               WHERE NOT (p.child AND EXISTS (SELECT FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                                              JOIN pg_inherits ii ON ii.inhrelid = i.indexrelid
                                              WHERE i.indrelid = p.oid AND ic.relname = n))), '{}'))
           ELSE '{}' END AS v
    FROM patched p
), cloned AS (
    SELECT tb.k || '.' || tg.tgname AS key
    FROM tab tb JOIN pg_trigger tg ON tg.tgrelid = tb.oid
    WHERE tb.child AND tg.tgparentid <> 0
)
-- (most schemas have neither: the document is then returned as it is)
SELECT CASE WHEN NOT EXISTS (SELECT FROM tab) THEN d ELSE
       jsonb_set(jsonb_set(d, '{tables}', (d->'tables') || (SELECT jsonb_object_agg(k, v) FROM fixed)),
                 '{triggers}', (d->'triggers') - coalesce((SELECT array_agg(key) FROM cloned), '{}')) END
$$;

/*
 * The user's objects that have an owner and an ACL (relations, routines,
 * schemas, types), for describe_privileges and describe_owners: "on" as
 * GRANT names it ("TABLE s.t", "ROUTINE s.f(integer)"), "target" as ALTER
 * ... OWNER TO names it ("VIEW s.v", "AGGREGATE s.a(integer)"), "object"
 * as migrate_diff's steps name it, the owner, the ACL and its default
 * (acldefault's kind), and kind, the object's kind as migrate_diff's create
 * and drop steps name it ("create table", "drop view").  own_owner is false for what takes its owner from
 * another object (a sequence owned by a column or an identity, a
 * multirange) or is not described (a foreign table): no owner of its own.
 */
CREATE OR REPLACE FUNCTION migrate.owned_objects(schemas text[])
RETURNS TABLE ("on" text, target text, kind text, object text, owner oid, acl aclitem[], base aclitem[],
               own_owner boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
SET quote_all_identifiers = off
AS $$
WITH member AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), ns AS (
    SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n
    JOIN migrate.user_schemas(schemas) u ON u.oid = n.oid
)
SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || format('%I.%I', ns.nspname, c.relname),
       CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
            WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END || format(' %I.%I', ns.nspname, c.relname),
       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' WHEN 'S' THEN 'sequence' ELSE 'table' END,
       ns.nspname || '.' || c.relname, c.relowner,
       c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner),
       c.relkind <> 'f'
       AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d
                                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
UNION ALL
SELECT format('ROUTINE %I.%I(%s)', ns.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
       format('%s %I.%I(%s)', CASE p.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
              ns.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
       'function', ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       p.proowner, p.proacl, acldefault('f', p.proowner), true
FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = p.tableoid AND m.objid = p.oid)
  -- not the constructors a range type makes for itself
  AND NOT EXISTS (SELECT FROM pg_depend d
                  WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')
UNION ALL
SELECT format('SCHEMA %I', ns.nspname), format('SCHEMA %I', ns.nspname), 'schema', ns.nspname,
       ns.nspowner, ns.nspacl, acldefault('n', ns.nspowner), true
FROM ns
UNION ALL
SELECT format('TYPE %I.%I', ns.nspname, t.typname),
       CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END || format(' %I.%I', ns.nspname, t.typname),
       'type', ns.nspname || '.' || t.typname, t.typowner, t.typacl, acldefault('T', t.typowner), t.typtype <> 'm'
FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND c.relkind = 'c'))
  AND NOT EXISTS (SELECT FROM member m WHERE m.classid = t.tableoid AND m.objid = t.oid)
$$;

/*
 * The privileges on the user's objects, for migrate_describe(schemas, true):
 * one entry per object whose privileges are not the default ones, keyed by
 * what GRANT names it ("TABLE s.t", "COLUMN s.t c", "ROUTINE s.f(integer)",
 * "SEQUENCE", "SCHEMA", "TYPE", and "DEFAULT FOR ROLE r [IN SCHEMA s] ON
 * TABLES" for default privileges).  Each entry has "on" (the GRANT's ON
 * clause), "column" (quoted), "defaults" (ALTER DEFAULT PRIVILEGES' FOR ROLE
 * and IN SCHEMA), "object" (the object as migrate_diff's steps name it) and
 * "grants": privilege and grantee ("SELECT PUBLIC", "USAGE \"r\"") to
 * "granted", "with grant option" or "revoked" (a default taken away, such
 * as EXECUTE from PUBLIC on a function).  The owner's own privileges and
 * the grantors are left out: owners differ between environments.  Only
 * objects with an ACL of their own are looked at (NULL is the default), in
 * one pass over all of them.
 */
CREATE OR REPLACE FUNCTION migrate.describe_privileges(schemas text[])
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
-- the planner's guesses for the catalog scans are far above what they hold:
-- compiling the query would cost more than running it
SET jit = off
SET quote_all_identifiers = off
AS $$
WITH member AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), ns AS (
    SELECT * FROM migrate.user_schemas(schemas)
), obj AS (
    -- key, ON clause, column, defaults, object, owner, ACL, the default ACL
    SELECT o."on" AS key, o."on", NULL::text AS col, NULL::text AS defaults, o.object, o.owner, o.acl, o.base
    FROM migrate.owned_objects(schemas) o WHERE o.acl IS NOT NULL
    UNION ALL
    SELECT format('COLUMN %I.%I %I', ns.nspname, c.relname, a.attname), format('TABLE %I.%I', ns.nspname, c.relname),
           quote_ident(a.attname), NULL, ns.nspname || '.' || c.relname || '.' || a.attname, c.relowner,
           a.attacl, NULL
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
    WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
    UNION ALL
    -- default privileges: those for all schemas stand in place of the
    -- built-in defaults, those of one schema add to them
    SELECT 'DEFAULT ' || concat_ws(' ', 'FOR ROLE ' || da.defaclrole::regrole::text, 'IN SCHEMA ' || quote_ident(ns.nspname))
           || ' ON ' || kind.name,
           kind.name, NULL,
           concat_ws(' ', 'FOR ROLE ' || da.defaclrole::regrole::text, 'IN SCHEMA ' || quote_ident(ns.nspname)),
           NULL, da.defaclrole, da.defaclacl,
           CASE WHEN da.defaclnamespace = 0 THEN acldefault(da.defaclobjtype, da.defaclrole) END
    FROM pg_default_acl da
    LEFT JOIN ns ON ns.oid = da.defaclnamespace
    CROSS JOIN LATERAL (SELECT CASE da.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
                                   WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' END) AS kind(name)
    WHERE (da.defaclnamespace = 0 AND schemas IS NULL) OR ns.oid IS NOT NULL
), now AS (
    -- (aclexplode rejects an empty array)
    SELECT o.key, x.privilege_type || ' ' || CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END AS privilege,
           bool_or(x.is_grantable) AS grantable
    FROM obj o CROSS JOIN LATERAL aclexplode(CASE WHEN cardinality(o.acl) > 0 THEN o.acl END) x
    WHERE x.grantee <> o.owner GROUP BY 1, 2
), dflt AS (
    SELECT o.key, x.privilege_type || ' ' || CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END AS privilege,
           bool_or(x.is_grantable) AS grantable
    FROM obj o CROSS JOIN LATERAL aclexplode(CASE WHEN cardinality(o.base) > 0 THEN o.base END) x
    WHERE x.grantee <> o.owner GROUP BY 1, 2
), item AS (
    SELECT coalesce(n.key, b.key) AS key, coalesce(n.privilege, b.privilege) AS privilege,
           CASE WHEN n.privilege IS NULL THEN 'revoked' WHEN n.grantable THEN 'with grant option' ELSE 'granted' END AS state
    FROM now n FULL JOIN dflt b ON b.key = n.key AND b.privilege = n.privilege
    WHERE b.privilege IS NULL OR n.privilege IS NULL OR b.grantable <> n.grantable
), grants AS (
    SELECT key, jsonb_object_agg(privilege, state) AS grants FROM item GROUP BY key
)
SELECT coalesce(jsonb_object_agg(o.key, jsonb_strip_nulls(jsonb_build_object(
           'on', o."on", 'column', o.col, 'defaults', o.defaults, 'object', o.object)) || jsonb_build_object('grants', g.grants)), '{}')
FROM obj o JOIN grants g ON g.key = o.key
$$;

/*
 * The owners of the user's objects, for migrate_describe(schemas, ..., true):
 * one entry per object that has an owner of its own, keyed by what ALTER ...
 * OWNER TO names it ("TABLE s.t", "VIEW s.v", "FUNCTION s.f(integer)",
 * "AGGREGATE", "PROCEDURE", "SEQUENCE", "SCHEMA s", "TYPE", "DOMAIN",
 * "COLLATION", "OPERATOR s.+ (integer, integer)", "OPERATOR CLASS s.c USING
 * btree", "OPERATOR FAMILY", "STATISTICS", "EVENT TRIGGER e", "PUBLICATION
 * p"), with "owner" (the role's name), "kind" and "object" (the object
 * as migrate_diff's create and drop steps name it: "create " || kind).  What has its owner from another object is
 * left out: indexes, a table's row type, a range's multirange, and a
 * sequence owned by a column or an identity (ALTER TABLE ... OWNER TO moves
 * them with the table; PostgreSQL refuses to change them on their own).
 */
CREATE OR REPLACE FUNCTION migrate.describe_owners(schemas text[])
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
-- (as migrate_describe: compiling the catalog query costs more than running it)
SET jit = off
SET quote_all_identifiers = off
AS $$
WITH member AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), ns AS (
    SELECT * FROM migrate.user_schemas(schemas)
), obj AS (
    SELECT o.target AS key, o.kind, o.object, o.owner FROM migrate.owned_objects(schemas) o WHERE o.own_owner
    UNION ALL
    SELECT format('COLLATION %I.%I', ns.nspname, c.collname), 'collation', ns.nspname || '.' || c.collname, c.collowner
    FROM pg_collation c JOIN ns ON ns.oid = c.collnamespace
    WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
    UNION ALL
    SELECT format('OPERATOR %I.%s (%s, %s)', ns.nspname, o.oprname, coalesce(format_type(nullif(o.oprleft, 0), NULL), 'NONE'),
                  coalesce(format_type(nullif(o.oprright, 0), NULL), 'NONE')),
           'operator', format('%s.%s(%s, %s)', ns.nspname, o.oprname, coalesce(format_type(nullif(o.oprleft, 0), NULL), 'NONE'),
                  coalesce(format_type(nullif(o.oprright, 0), NULL), 'NONE')), o.oprowner
    FROM pg_operator o JOIN ns ON ns.oid = o.oprnamespace
    WHERE o.oprcode <> 0
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = o.tableoid AND m.objid = o.oid)
    UNION ALL
    SELECT format('OPERATOR CLASS %I.%I USING %I', ns.nspname, c.opcname, am.amname), 'operator class',
           ns.nspname || '.' || c.opcname || ' USING ' || am.amname, c.opcowner
    FROM pg_opclass c JOIN ns ON ns.oid = c.opcnamespace JOIN pg_am am ON am.oid = c.opcmethod
    JOIN pg_opfamily f ON f.oid = c.opcfamily
    -- (as described: the classes with the family CREATE OPERATOR CLASS
    -- makes for them, which is made again with them)
    WHERE f.opfname = c.opcname AND f.opfnamespace = c.opcnamespace
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
    UNION ALL
    SELECT format('OPERATOR FAMILY %I.%I USING %I', ns.nspname, f.opfname, am.amname), 'operator class',
           ns.nspname || '.' || f.opfname || ' USING ' || am.amname, f.opfowner
    FROM pg_opclass c JOIN ns ON ns.oid = c.opcnamespace JOIN pg_am am ON am.oid = c.opcmethod
    JOIN pg_opfamily f ON f.oid = c.opcfamily
    WHERE f.opfname = c.opcname AND f.opfnamespace = c.opcnamespace
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
    UNION ALL
    SELECT format('STATISTICS %I.%I', ns.nspname, s.stxname), 'statistics', ns.nspname || '.' || s.stxname, s.stxowner
    FROM pg_statistic_ext s JOIN ns ON ns.oid = s.stxnamespace
    WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = s.tableoid AND m.objid = s.oid)
    UNION ALL
    -- event triggers and publications belong to no schema: those the
    -- description names (an event trigger whose function is in its schemas;
    -- a publication of its tables or schemas, or any when it is of all)
    SELECT format('EVENT TRIGGER %I', e.evtname), 'event trigger', e.evtname, e.evtowner
    FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid JOIN ns ON ns.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = e.tableoid AND m.objid = e.oid)
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = p.tableoid AND m.objid = p.oid)
    UNION ALL
    SELECT format('PUBLICATION %I', p.pubname), 'publication', p.pubname, p.pubowner
    FROM pg_publication p
    WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = p.tableoid AND m.objid = p.oid)
      AND (schemas IS NULL
           OR EXISTS (SELECT FROM pg_publication_rel r JOIN pg_class c ON c.oid = r.prrelid JOIN ns ON ns.oid = c.relnamespace
                      WHERE r.prpubid = p.oid AND c.relkind IN ('r', 'p'))
           OR EXISTS (SELECT FROM pg_publication_namespace pn JOIN ns ON ns.oid = pn.pnnspid WHERE pn.pnpubid = p.oid))
)
SELECT coalesce(jsonb_object_agg(o.key, jsonb_build_object('owner', r.rolname, 'kind', o.kind, 'object', o.object)), '{}')
FROM obj o JOIN pg_roles r ON r.oid = o.owner
$$;

/*
 * ---- Autogenerate: rules, event triggers, extended statistics, table,
 * column and view properties ----
 *
 * migrate_describe() passes its document through here, which adds what it
 * does not say itself: to each table, its non-default properties (unlogged,
 * storage parameters, replica identity) and to each column its non-default
 * STORAGE and STATISTICS; to each view and materialized view its options
 * (security_barrier, check_option, security_invoker, storage parameters);
 * and the "rules", "event_triggers" and "statistics" objects.  A property
 * at its default is left out, so that descriptions of schemas without them
 * read as before.  Keys are those migrate_describe() gives (schema.name).
 */
-- a column's STORAGE as ALTER TABLE ... SET STORAGE writes it
CREATE OR REPLACE FUNCTION migrate.storage_name(s "char")
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE s WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external' WHEN 'm' THEN 'main' WHEN 'x' THEN 'extended' END $$;

CREATE OR REPLACE FUNCTION migrate.describe_kinds(schemas text[], d jsonb)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET quote_all_identifiers = off
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = postgres
SET TimeZone = 'UTC'
SET extra_float_digits = 1
AS $$
WITH member AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), ns AS (
    SELECT * FROM migrate.user_schemas(schemas)
), rel AS (
    SELECT c.oid, c.relname, c.relkind, ns.nspname, ns.nspname || '.' || c.relname AS key
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm')
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
), fn AS (
    SELECT p.oid, ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = p.tableoid AND m.objid = p.oid)
), fn_use AS (
    -- the user functions that rules and statistics use
    SELECT dp.classid, dp.objid, jsonb_agg(DISTINCT f.key) AS uses
    FROM pg_depend dp JOIN fn f ON f.oid = dp.refobjid
    WHERE dp.refclassid = 'pg_proc'::regclass AND dp.deptype = 'n'
      AND dp.classid IN ('pg_rewrite'::regclass, 'pg_statistic_ext'::regclass)
    GROUP BY dp.classid, dp.objid
), relopt AS MATERIALIZED (
    -- storage parameters as an object (a TOAST table's with "toast.")
    SELECT r.oid, (SELECT jsonb_object_agg(o.name, o.value)
                   FROM (SELECT split_part(x, '=', 1) AS name, substr(x, strpos(x, '=') + 1) AS value
                         FROM unnest(c.reloptions) x
                         UNION ALL
                         SELECT 'toast.' || split_part(x, '=', 1), substr(x, strpos(x, '=') + 1)
                         FROM pg_class tc, unnest(tc.reloptions) x
                         WHERE tc.oid = c.reltoastrelid AND c.reltoastrelid <> 0) o) AS options
    FROM rel r JOIN pg_class c ON c.oid = r.oid
), tprop AS MATERIALIZED (
    SELECT r.key, jsonb_strip_nulls(jsonb_build_object(
               'unlogged', CASE WHEN c.relpersistence = 'u' THEN true END,
               'options', o.options,
               'replica_identity', CASE c.relreplident WHEN 'f' THEN 'full' WHEN 'n' THEN 'nothing'
                                                       WHEN 'i' THEN 'index' END,
               'replica_index', CASE WHEN c.relreplident = 'i'
                                     THEN (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                                           WHERE i.indrelid = r.oid AND i.indisreplident) END)) AS props,
           (SELECT jsonb_object_agg(a.attname, jsonb_strip_nulls(jsonb_build_object(
                       'storage', CASE WHEN a.attstorage <> t.typstorage THEN migrate.storage_name(a.attstorage) END,
                       'storage_default', CASE WHEN a.attstorage <> t.typstorage THEN migrate.storage_name(t.typstorage) END,
                       'statistics', CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END)))
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
              AND (a.attstorage <> t.typstorage OR a.attstattarget >= 0)) AS columns
    FROM rel r JOIN pg_class c ON c.oid = r.oid JOIN relopt o ON o.oid = r.oid
    WHERE r.relkind IN ('r', 'p')
), vprop AS MATERIALIZED (
    SELECT r.key, o.options FROM rel r JOIN relopt o ON o.oid = r.oid
    WHERE r.relkind IN ('v', 'm') AND o.options IS NOT NULL
)
-- one concatenation with the whole document (each copies it), and the
-- tables and views made again only when some have properties
SELECT d || (
       coalesce((SELECT jsonb_build_object('tables', d->'tables' || jsonb_object_agg(p.key, t.v || p.props
                      || CASE WHEN p.columns IS NULL THEN '{}'
                              ELSE jsonb_build_object('columns', (
                                       SELECT coalesce(jsonb_agg(c || coalesce(p.columns->(c->>'name'), '{}') ORDER BY o), '[]')
                                       FROM jsonb_array_elements(t.v->'columns') WITH ORDINALITY AS x(c, o))) END))
                 FROM tprop p JOIN LATERAL (SELECT d->'tables'->p.key AS v) t ON t.v IS NOT NULL
                 WHERE p.props <> '{}' OR p.columns IS NOT NULL
                 HAVING count(*) > 0), '{}')
    || coalesce((SELECT jsonb_build_object('views', d->'views' || jsonb_object_agg(p.key, t.v || jsonb_build_object('options', p.options)))
                 FROM vprop p JOIN LATERAL (SELECT d->'views'->p.key AS v) t ON t.v IS NOT NULL
                 HAVING count(*) > 0), '{}')
    -- rules (not a view's own _RETURN rule), on tables and views
    || jsonb_build_object('rules', coalesce((
           SELECT jsonb_object_agg(r.key || '.' || rw.rulename, jsonb_build_object(
                      'relation', r.key, 'schema', r.nspname, 'table', r.relname, 'name', rw.rulename,
                      'view', r.relkind IN ('v', 'm'),
                      'definition', pg_get_ruledef(rw.oid), 'enabled', rw.ev_enabled::text,
                      'comment', obj_description(rw.oid, 'pg_rewrite'),
                      'uses', u.uses,
                      -- the other relations it reads or writes
                      'relations', (SELECT jsonb_agg(DISTINCT o.key) FROM pg_depend dp JOIN rel o ON o.oid = dp.refobjid
                                    WHERE dp.classid = 'pg_rewrite'::regclass AND dp.objid = rw.oid
                                      AND dp.refclassid = 'pg_class'::regclass AND o.oid <> r.oid),
                      'columns', (SELECT jsonb_agg(DISTINCT o.key || '.' || a.attname)
                                  FROM pg_depend dp JOIN rel o ON o.oid = dp.refobjid
                                  JOIN pg_attribute a ON a.attrelid = dp.refobjid AND a.attnum = dp.refobjsubid
                                  WHERE dp.classid = 'pg_rewrite'::regclass AND dp.objid = rw.oid
                                    AND dp.refclassid = 'pg_class'::regclass AND dp.refobjsubid > 0)))
           FROM pg_rewrite rw JOIN rel r ON r.oid = rw.ev_class
           LEFT JOIN fn_use u ON u.classid = 'pg_rewrite'::regclass AND u.objid = rw.oid
           WHERE rw.rulename <> '_RETURN'), '{}'))
    -- event triggers: those whose function is described (they belong to no schema)
    || jsonb_build_object('event_triggers', coalesce((
           SELECT jsonb_object_agg(e.evtname, jsonb_build_object(
                      'name', e.evtname, 'event', e.evtevent,
                      'tags', (SELECT jsonb_agg(x ORDER BY o) FROM unnest(e.evttags) WITH ORDINALITY AS u(x, o)),
                      'function', format('%I.%I', n.nspname, p.proname),
                      'enabled', e.evtenabled::text,
                      'comment', obj_description(e.oid, 'pg_event_trigger'),
                      'uses', jsonb_build_array(f.key)))
           FROM pg_event_trigger e JOIN fn f ON f.oid = e.evtfoid
           JOIN pg_proc p ON p.oid = e.evtfoid JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = e.tableoid AND m.objid = e.oid)), '{}'))
    -- extended statistics, with their target when set
    || jsonb_build_object('statistics', coalesce((
           SELECT jsonb_object_agg(sn.nspname || '.' || s.stxname, jsonb_strip_nulls(jsonb_build_object(
                      'schema', sn.nspname, 'name', s.stxname, 'relation', r.key,
                      -- as pg_get_statisticsobjdef writes it, but with the columns
                      -- in name order: it lists them by position, which a column
                      -- made again (it goes last) would change
                      'definition', format('CREATE STATISTICS %I.%I%s ON %s FROM %I.%I', sn.nspname, s.stxname,
                                           CASE WHEN s.stxkind && '{d,f,m}'::"char"[] THEN ' (' || concat_ws(', ',
                                                CASE WHEN 'd' = ANY (s.stxkind) THEN 'ndistinct' END,
                                                CASE WHEN 'f' = ANY (s.stxkind) THEN 'dependencies' END,
                                                CASE WHEN 'm' = ANY (s.stxkind) THEN 'mcv' END) || ')' ELSE '' END,
                                           concat_ws(', ',
                                               (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attname COLLATE "C")
                                                FROM unnest(s.stxkeys::int2[]) x JOIN pg_attribute a ON a.attrelid = s.stxrelid AND a.attnum = x),
                                               array_to_string(pg_get_statisticsobjdef_expressions(s.oid), ', ')),
                                           r.nspname, r.relname),
                      'target', CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget END,
                      'uses', u.uses,
                      'columns', (SELECT jsonb_agg(DISTINCT a.attname)
                                  FROM pg_depend dp JOIN pg_attribute a ON a.attrelid = dp.refobjid AND a.attnum = dp.refobjsubid
                                  WHERE dp.classid = 'pg_statistic_ext'::regclass AND dp.objid = s.oid
                                    AND dp.refclassid = 'pg_class'::regclass AND dp.refobjid = r.oid
                                    AND dp.refobjsubid > 0)))
                  || jsonb_build_object('comment', obj_description(s.oid, 'pg_statistic_ext')))
           FROM pg_statistic_ext s JOIN ns sn ON sn.oid = s.stxnamespace JOIN rel r ON r.oid = s.stxrelid
           LEFT JOIN fn_use u ON u.classid = 'pg_statistic_ext'::regclass AND u.objid = s.oid
           WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = s.tableoid AND m.objid = s.oid)), '{}')))
$$;

-- ---- end of rules, event triggers, statistics and properties ----

/*
 * ---- Autogenerate: collations, casts, operators, publications, CLUSTER ON ----
 *
 * migrate_describe() passes its document through here last.  It adds the
 * "collations", "casts", "operators", "operator_classes" (with the family
 * of the same name CREATE OPERATOR CLASS makes) and "publications"
 * objects, each only when it has members (so that descriptions of schemas without them read as
 * before), and to each table clustered on an index its "cluster_on".
 * Casts are those from or to a type of the described schemas, or made
 * with one of their functions; publications those that publish a table or
 * schema described (FOR ALL TABLES and empty ones only when every schema
 * is described).  The collation columns that differ between versions (ICU
 * locale, rules, the builtin provider) are read through to_jsonb of the row.
 */
CREATE OR REPLACE FUNCTION migrate.describe_kinds2(schemas text[], d jsonb)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
-- (as migrate_describe: compiling the catalog query costs more than running it)
SET jit = off
SET quote_all_identifiers = off
AS $$
WITH member AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), ns AS (
    SELECT * FROM migrate.user_schemas(schemas)
), fn AS (
    SELECT p.oid, ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = p.tableoid AND m.objid = p.oid)
), coll AS (
    SELECT c.oid, ns.nspname, c.collname, to_jsonb(c) AS j
    FROM pg_collation c JOIN ns ON ns.oid = c.collnamespace
    WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
), coll_out AS (
    SELECT jsonb_object_agg(c.nspname || '.' || c.collname, jsonb_build_object(
               'schema', c.nspname, 'name', c.collname,
               'definition', format('CREATE COLLATION %I.%I (%s)', c.nspname, c.collname, concat_ws(', ',
                   'provider = ' || CASE c.j->>'collprovider' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END,
                   CASE WHEN c.j->>'collprovider' = 'c'
                        THEN format('lc_collate = %L, lc_ctype = %L', c.j->>'collcollate', c.j->>'collctype')
                        ELSE format('locale = %L', coalesce(c.j->>'colllocale', c.j->>'colliculocale')) END,
                   CASE WHEN NOT (c.j->>'collisdeterministic')::boolean THEN 'deterministic = false' END,
                   CASE WHEN c.j->>'collicurules' IS NOT NULL THEN format('rules = %L', c.j->>'collicurules') END)),
               'comment', obj_description(c.oid, 'pg_collation'))) AS v
    FROM coll c
), cast_out AS (
    SELECT jsonb_object_agg(format_type(k.castsource, NULL) || ' AS ' || format_type(k.casttarget, NULL), jsonb_build_object(
               'source', format_type(k.castsource, NULL), 'target', format_type(k.casttarget, NULL),
               'definition', format('CREATE CAST (%s AS %s) %s%s', format_type(k.castsource, NULL), format_type(k.casttarget, NULL),
                   CASE k.castmethod WHEN 'f' THEN 'WITH FUNCTION ' || k.castfunc::regprocedure::text
                                     WHEN 'i' THEN 'WITH INOUT' ELSE 'WITHOUT FUNCTION' END,
                   CASE k.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT' ELSE '' END),
               'comment', obj_description(k.oid, 'pg_cast'),
               'uses', (SELECT jsonb_agg(f.key) FROM fn f WHERE f.oid = k.castfunc))) AS v
    FROM pg_cast k
    WHERE (EXISTS (SELECT FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.oid IN (k.castsource, k.casttarget))
           OR EXISTS (SELECT FROM fn f WHERE f.oid = k.castfunc))
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = k.tableoid AND m.objid = k.oid)
      -- not the casts a range type makes to its multirange
      AND NOT EXISTS (SELECT FROM pg_depend dp
                      WHERE dp.classid = 'pg_cast'::regclass AND dp.objid = k.oid AND dp.deptype = 'i')
), op AS (
    SELECT o.*, ns.nspname,
           format('%s.%s(%s, %s)', ns.nspname, o.oprname, coalesce(format_type(nullif(o.oprleft, 0), NULL), 'NONE'),
                  coalesce(format_type(nullif(o.oprright, 0), NULL), 'NONE')) AS key
    FROM pg_operator o JOIN ns ON ns.oid = o.oprnamespace
    -- (not a shell: a commutator or negator named before it is made)
    WHERE o.oprcode <> 0
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = o.tableoid AND m.objid = o.oid)
), op_out AS (
    SELECT jsonb_object_agg(o.key, jsonb_build_object(
               'schema', o.nspname, 'name', o.oprname,
               'left', format_type(nullif(o.oprleft, 0), NULL), 'right', format_type(nullif(o.oprright, 0), NULL),
               'definition', format('CREATE OPERATOR %I.%s (%s)', o.nspname, o.oprname, concat_ws(', ',
                   'FUNCTION = ' || (SELECT format('%I.%I', pn.nspname, p.proname)
                                     FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace WHERE p.oid = o.oprcode),
                   'LEFTARG = ' || format_type(nullif(o.oprleft, 0), NULL),
                   'RIGHTARG = ' || format_type(nullif(o.oprright, 0), NULL),
                   (SELECT format('COMMUTATOR = OPERATOR(%I.%s)', cn.nspname, c.oprname)
                    FROM pg_operator c JOIN pg_namespace cn ON cn.oid = c.oprnamespace WHERE c.oid = o.oprcom),
                   (SELECT format('NEGATOR = OPERATOR(%I.%s)', cn.nspname, c.oprname)
                    FROM pg_operator c JOIN pg_namespace cn ON cn.oid = c.oprnamespace WHERE c.oid = o.oprnegate),
                   'RESTRICT = ' || (SELECT format('%I.%I', pn.nspname, p.proname)
                                     FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace WHERE p.oid = o.oprrest),
                   'JOIN = ' || (SELECT format('%I.%I', pn.nspname, p.proname)
                                 FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace WHERE p.oid = o.oprjoin),
                   CASE WHEN o.oprcanhash THEN 'HASHES' END,
                   CASE WHEN o.oprcanmerge THEN 'MERGES' END)),
               'comment', obj_description(o.oid, 'pg_operator'),
               'uses', (SELECT jsonb_agg(DISTINCT f.key) FROM fn f WHERE f.oid IN (o.oprcode, o.oprrest, o.oprjoin)),
               -- its commutator and negator, made again with it
               'operators', (SELECT jsonb_agg(DISTINCT c.key) FROM op c
                             WHERE c.oid IN (o.oprcom, o.oprnegate) AND c.oid <> o.oid))) AS v
    FROM op o
), opc AS (
    -- operator classes, with the family CREATE OPERATOR CLASS makes for
    -- them (same name and schema); all the family's members are written
    -- into the class
    SELECT c.oid, c.opcname, c.opcdefault, c.opcintype, c.opckeytype, c.opcfamily, ns.nspname, am.amname,
           ns.nspname || '.' || c.opcname || ' USING ' || am.amname AS key
    FROM pg_opclass c JOIN ns ON ns.oid = c.opcnamespace JOIN pg_am am ON am.oid = c.opcmethod
    JOIN pg_opfamily f ON f.oid = c.opcfamily
    WHERE f.opfname = c.opcname AND f.opfnamespace = c.opcnamespace
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
), opc_out AS (
    SELECT jsonb_object_agg(c.key, jsonb_build_object(
               'schema', c.nspname, 'name', c.opcname, 'method', c.amname,
               'definition', format('CREATE OPERATOR CLASS %I.%I %sFOR TYPE %s USING %I AS %s', c.nspname, c.opcname,
                   CASE WHEN c.opcdefault THEN 'DEFAULT ' ELSE '' END, format_type(c.opcintype, NULL), c.amname,
                   concat_ws(', ',
                       (SELECT string_agg(format('OPERATOR %s %I.%s (%s, %s)%s', ao.amopstrategy, opn.nspname, o.oprname,
                                                 format_type(ao.amoplefttype, NULL), format_type(ao.amoprighttype, NULL),
                                                 CASE WHEN ao.amoppurpose = 's' THEN ''
                                                      ELSE (SELECT format(' FOR ORDER BY %I.%I', sn.nspname, sf.opfname)
                                                            FROM pg_opfamily sf JOIN pg_namespace sn ON sn.oid = sf.opfnamespace
                                                            WHERE sf.oid = ao.amopsortfamily) END),
                                          ', ' ORDER BY ao.amopstrategy, ao.amoplefttype::regtype::text, ao.amoprighttype::regtype::text)
                        FROM pg_amop ao JOIN pg_operator o ON o.oid = ao.amopopr JOIN pg_namespace opn ON opn.oid = o.oprnamespace
                        WHERE ao.amopfamily = c.opcfamily),
                       (SELECT string_agg(format('FUNCTION %s (%s, %s) %s', ap.amprocnum, format_type(ap.amproclefttype, NULL),
                                                 format_type(ap.amprocrighttype, NULL), ap.amproc::regprocedure::text),
                                          ', ' ORDER BY ap.amprocnum, ap.amproclefttype::regtype::text, ap.amprocrighttype::regtype::text)
                        FROM pg_amproc ap WHERE ap.amprocfamily = c.opcfamily),
                       CASE WHEN c.opckeytype <> 0 THEN 'STORAGE ' || format_type(c.opckeytype, NULL) END)),
               'comment', obj_description(c.oid, 'pg_opclass'),
               'uses', (SELECT jsonb_agg(DISTINCT f.key) FROM pg_amproc ap JOIN fn f ON f.oid = ap.amproc
                        WHERE ap.amprocfamily = c.opcfamily),
               'operators', (SELECT jsonb_agg(DISTINCT o.key) FROM pg_amop ao JOIN op o ON o.oid = ao.amopopr
                             WHERE ao.amopfamily = c.opcfamily))) AS v
    FROM opc c
), rel AS (
    SELECT c.oid, ns.nspname, c.relname, ns.nspname || '.' || c.relname AS key
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
), pub AS (
    SELECT p.oid, p.pubname, to_jsonb(p) AS j,
           (SELECT jsonb_object_agg(r.key, jsonb_strip_nulls(jsonb_build_object(
                       'schema', r.nspname, 'name', r.relname,
                       'column_list', (SELECT jsonb_agg(a.attname ORDER BY a.attnum)
                                       FROM pg_attribute a
                                       WHERE a.attrelid = r.oid AND a.attnum = ANY (pr.prattrs::int2[])),
                       'where', pg_get_expr(pr.prqual, r.oid),
                       -- the columns it names, in the list or the WHERE
                       'columns', (SELECT jsonb_agg(DISTINCT a.attname)
                                   FROM pg_depend dp JOIN pg_attribute a ON a.attrelid = dp.refobjid AND a.attnum = dp.refobjsubid
                                   WHERE dp.classid = 'pg_publication_rel'::regclass AND dp.objid = pr.oid
                                     AND dp.refclassid = 'pg_class'::regclass AND dp.refobjsubid > 0))))
            FROM (SELECT x.oid, x.prrelid, x.prqual, x.prattrs FROM pg_publication_rel x WHERE x.prpubid = p.oid) pr
            JOIN rel r ON r.oid = pr.prrelid) AS tables,
           -- FOR TABLES IN SCHEMA
           (SELECT jsonb_agg(n.nspname ORDER BY n.nspname COLLATE "C")
            FROM pg_publication_namespace pn JOIN ns n ON n.oid = pn.pnnspid
            WHERE pn.pnpubid = p.oid) AS pschemas
    FROM pg_publication p
    WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = p.tableoid AND m.objid = p.oid)
), pub_out AS (
    SELECT jsonb_object_agg(p.pubname, jsonb_strip_nulls(jsonb_build_object(
               'name', p.pubname,
               'all_tables', (p.j->>'puballtables')::boolean,
               'publish', concat_ws(', ', CASE WHEN (p.j->>'pubinsert')::boolean THEN 'insert' END,
                                    CASE WHEN (p.j->>'pubupdate')::boolean THEN 'update' END,
                                    CASE WHEN (p.j->>'pubdelete')::boolean THEN 'delete' END,
                                    CASE WHEN (p.j->>'pubtruncate')::boolean THEN 'truncate' END),
               'via_root', coalesce((p.j->>'pubviaroot')::boolean, false),
               'tables', coalesce(p.tables, '{}'),
               'schemas', coalesce(p.pschemas, '[]')))
           || jsonb_build_object('comment', obj_description(p.oid, 'pg_publication'))) AS v
    FROM pub p
    WHERE p.tables IS NOT NULL OR p.pschemas IS NOT NULL OR schemas IS NULL
), clu AS (
    SELECT r.key, ic.relname AS idx
    FROM rel r JOIN pg_index i ON i.indrelid = r.oid AND i.indisclustered
    JOIN pg_class ic ON ic.oid = i.indexrelid
)
SELECT d
    || coalesce((SELECT jsonb_build_object('tables', d->'tables' || jsonb_object_agg(c.key, (d->'tables'->c.key)
                                              || jsonb_build_object('cluster_on', c.idx)))
                 FROM clu c WHERE d->'tables' ? c.key HAVING count(*) > 0), '{}')
    || coalesce((SELECT jsonb_build_object('collations', v) FROM coll_out WHERE v IS NOT NULL), '{}')
    || coalesce((SELECT jsonb_build_object('casts', v) FROM cast_out WHERE v IS NOT NULL), '{}')
    || coalesce((SELECT jsonb_build_object('operators', v) FROM op_out WHERE v IS NOT NULL), '{}')
    || coalesce((SELECT jsonb_build_object('publications', v) FROM pub_out WHERE v IS NOT NULL), '{}')
    || coalesce((SELECT jsonb_build_object('operator_classes', v) FROM opc_out WHERE v IS NOT NULL), '{}')
$$;

-- ---- end of collations, casts, operators, publications, CLUSTER ON ----

/*
 * A normalized description of the user's schema objects, for migrate_diff.
 * Deterministic (jsonb orders object keys) and built from the server's own
 * canonical forms; no OIDs, and owners and privileges only when asked
 * (privileges, owners: roles differ between environments).  schemas limits it to the
 * named schemas; NULL means every schema but the system ones and migrate's.
 * Objects that belong to an extension are left out: the extension stands for
 * them.  An object that uses user functions lists them in "uses" (from
 * pg_depend), so that migrate_diff can order it after them and make it again
 * when one of them is dropped and created.
 */
CREATE OR REPLACE FUNCTION @extschema@.migrate_describe(schemas text[] DEFAULT NULL, privileges boolean DEFAULT false,
                                                         owners boolean DEFAULT false)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
-- the planner's guesses for the catalog CTEs are far above what they hold:
-- compiling the query would cost more than running it
SET jit = off
SET quote_all_identifiers = off
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = postgres
SET TimeZone = 'UTC'
SET extra_float_digits = 1
AS $$
-- the members of extensions, looked up with NOT EXISTS: NOT IN over them is an
-- anti-join only while the planner hashes the list, and past work_mem it
-- rescans the list for every row, which any table owner could make quadratic by
-- adding objects to an extension of its own (ALTER EXTENSION ... ADD)
WITH member AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), ns AS (
    SELECT * FROM migrate.user_schemas(schemas)
), rel AS (
    SELECT c.oid, c.relname, c.relkind, ns.nspname, ns.nspname || '.' || c.relname AS key,
           c.relrowsecurity, c.relforcerowsecurity, c.relnamespace
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = c.tableoid AND m.objid = c.oid)
), fn AS (
    -- functions, procedures and aggregates, keyed by name and identity arguments
    SELECT p.oid, p.proname, p.prokind, ns.nspname, pg_get_function_identity_arguments(p.oid) AS signature,
           ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = p.tableoid AND m.objid = p.oid)
      -- not the constructors a range type makes for itself
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')
), fn_use AS (
    -- the user functions each object uses (defaults, constraints, indexes,
    -- views, triggers, policies, other functions)
    SELECT d.classid, d.objid, jsonb_agg(DISTINCT f.key) AS uses
    FROM pg_depend d JOIN fn f ON f.oid = d.refobjid
    WHERE d.refclassid = 'pg_proc'::regclass AND d.deptype = 'n'
    GROUP BY d.classid, d.objid
), col_dep AS (
    -- the columns each trigger and policy uses
    SELECT d.classid, d.objid, jsonb_agg(DISTINCT a.attname) AS columns
    FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid IN ('pg_trigger'::regclass, 'pg_policy'::regclass)
      AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
    GROUP BY d.classid, d.objid
), typ AS (
    -- domains, composite types and range types
    SELECT t.oid, t.typname, t.typtype, t.typrelid, ns.nspname, ns.nspname || '.' || t.typname AS key
    FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
    LEFT JOIN pg_class c ON c.oid = t.typrelid
    WHERE (t.typtype IN ('d', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
      AND NOT EXISTS (SELECT FROM member m WHERE m.classid = t.tableoid AND m.objid = t.oid)
), owned_seq AS (
    -- sequences that belong to a column (serial, identity)
    SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid AS col, d.deptype
    FROM pg_depend d JOIN pg_class sc ON sc.oid = d.objid AND sc.relkind = 'S'
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
), col AS (
    -- (a default other than a generated column's names no column, and
    -- pg_get_expr given no table does not open it: opening every table built
    -- a relation cache entry and took a lock for each in a new backend)
    SELECT r.oid AS rel, a.attnum, a.attname,
           -- a serial column: the type name it was written with, no default
           CASE WHEN s.serial
                THEN CASE a.atttypid WHEN 'int2'::regtype THEN 'smallserial'
                                     WHEN 'int4'::regtype THEN 'serial'
                                     ELSE 'bigserial' END
                ELSE format_type(a.atttypid, a.atttypmod) END AS type,
           CASE WHEN s.serial THEN NULL
                WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0) END AS "default",
           a.attnotnull AS not_null,
           CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
           CASE WHEN a.attgenerated = 's' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated,
           CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END AS collation,
           cd.description AS comment,
           -- a serial column's sequence, to follow its type
           CASE WHEN s.serial THEN s.seq::regclass::text END AS sequence,
           CASE WHEN s.serial THEN s.seq END AS serial_seq,
           u.uses,
           -- an identity column's sequence options
           (SELECT jsonb_build_object('start', ps.seqstart, 'increment', ps.seqincrement, 'min', ps.seqmin,
                                      'max', ps.seqmax, 'cache', ps.seqcache, 'cycle', ps.seqcycle)
            FROM pg_sequence ps WHERE ps.seqrelid = s.seq AND s.deptype = 'i') AS identity_options
    FROM rel r
    JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    -- (col_description, a SQL function, costs a query per column)
    LEFT JOIN pg_description cd ON cd.objoid = a.attrelid AND cd.classoid = 'pg_class'::regclass
                                   AND cd.objsubid = a.attnum
    -- looked up per column through the index (a join with owned_seq would
    -- scan all of it for every table)
    LEFT JOIN LATERAL (SELECT sd.objid AS seq, sd.deptype,
                              -- a serial column: its sequence is exactly what
                              -- CREATE TABLE makes for one (name, schema,
                              -- options, no comment); any other owned sequence
                              -- is described on its own, with OWNED BY and the
                              -- column's nextval default, so that it is made
                              -- again as it is
                              (sd.deptype = 'a' AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
                               AND pg_get_expr(d.adbin, 0) = format('nextval(%L::regclass)', sd.objid::regclass::text)
                               AND sc.relnamespace = r.relnamespace
                               AND sc.relname = r.relname || '_' || a.attname || '_seq'
                               AND ps.seqtypid = a.atttypid AND ps.seqstart = 1 AND ps.seqincrement = 1
                               AND ps.seqmin = 1 AND ps.seqcache = 1 AND NOT ps.seqcycle
                               AND ps.seqmax = CASE a.atttypid WHEN 'int2'::regtype THEN 32767
                                                               WHEN 'int4'::regtype THEN 2147483647
                                                               ELSE 9223372036854775807 END
                               AND NOT EXISTS (SELECT FROM pg_description sdc
                                               WHERE sdc.objoid = sd.objid AND sdc.classoid = 'pg_class'::regclass)) AS serial
                       FROM pg_depend sd
                       JOIN pg_class sc ON sc.oid = sd.objid AND sc.relkind = 'S'
                       JOIN pg_sequence ps ON ps.seqrelid = sd.objid
                       WHERE sd.refclassid = 'pg_class'::regclass AND sd.refobjid = r.oid
                         AND sd.refobjsubid = a.attnum AND sd.classid = 'pg_class'::regclass
                         AND sd.deptype IN ('a', 'i')
                       -- (a column owns one identity or serial sequence, and
                       -- may own others, OWNED BY it: that one first)
                       ORDER BY sd.deptype = 'i' DESC,
                                pg_get_expr(d.adbin, 0) = format('nextval(%L::regclass)', sd.objid::regclass::text) DESC NULLS LAST,
                                sd.objid
                       LIMIT 1) s ON true
    LEFT JOIN fn_use u ON u.classid = 'pg_attrdef'::regclass AND u.objid = d.oid
    WHERE r.relkind IN ('r', 'p')
), col_json AS (
    -- each table's columns, aggregated at once: looked up per table, the
    -- scan of rel for col's rows of that table made the description quadratic
    SELECT c.rel, jsonb_agg(jsonb_build_object(
               'name', c.attname, 'type', c.type, 'not_null', c.not_null,
               'default', c."default", 'identity', c.identity,
               'generated', c.generated, 'collation', c.collation,
               'comment', c.comment, 'sequence', c.sequence, 'uses', c.uses)
               || CASE WHEN c.identity IS NOT NULL THEN jsonb_build_object('identity_options', c.identity_options)
                       ELSE '{}' END ORDER BY c.attnum) AS columns
    FROM col c GROUP BY c.rel
)
-- (the comments of tables, sequences, views, constraints and indexes are read
-- from pg_description directly: obj_description, a SQL function that looks
-- the catalog up by name, costs a query per object)
-- partitions, inheritance and privileges: sql/parts/describe.sql's last section;
-- rules, event triggers, statistics and properties: migrate.describe_kinds
-- collations, casts, operators, publications, CLUSTER ON: migrate.describe_kinds2
SELECT migrate.describe_kinds2(schemas, migrate.describe_kinds(schemas, migrate.describe_inheritance(jsonb_build_object(
    'schemas', coalesce((SELECT jsonb_object_agg(nspname, jsonb_build_object(
                    'comment', obj_description(oid, 'pg_namespace'))) FROM ns), '{}'),
    'extensions', coalesce((SELECT jsonb_object_agg(e.extname, jsonb_build_object(
                    'schema', n.nspname, 'version', e.extversion))
                FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                WHERE e.extname NOT IN ('plpgsql', 'migrate')
                  AND (schemas IS NULL OR n.nspname = ANY (schemas))), '{}'),
    'enums', coalesce((SELECT jsonb_object_agg(ns.nspname || '.' || t.typname, jsonb_build_object(
                    'schema', ns.nspname, 'name', t.typname,
                    'comment', obj_description(t.oid, 'pg_type'),
                    'values', (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder)
                               FROM pg_enum e WHERE e.enumtypid = t.oid)))
                FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
                WHERE t.typtype = 'e'
                  AND NOT EXISTS (SELECT FROM member m WHERE m.classid = t.tableoid AND m.objid = t.oid)), '{}'),
    'types', coalesce((SELECT jsonb_object_agg(ty.key, jsonb_build_object(
                    'schema', ty.nspname, 'name', ty.typname,
                    'kind', CASE ty.typtype WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite' ELSE 'range' END,
                    'comment', obj_description(ty.oid, 'pg_type'),
                    -- a domain: its base type, collation, default, NOT NULL and checks
                    'base', CASE WHEN ty.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                    'collation', CASE WHEN ty.typtype = 'd' AND t.typcollation <> bt.typcollation
                                      THEN t.typcollation::regcollation::text END,
                    'default', CASE WHEN ty.typtype = 'd' THEN pg_get_expr(t.typdefaultbin, 0) END,
                    'not_null', CASE WHEN ty.typtype = 'd' THEN t.typnotnull END,
                    'constraints', CASE WHEN ty.typtype = 'd' THEN coalesce((
                                    SELECT jsonb_object_agg(con.conname, jsonb_build_object(
                                        'definition', pg_get_constraintdef(con.oid),
                                        'comment', obj_description(con.oid, 'pg_constraint'))
                                        -- the user functions a check calls, only when it calls any
                                        || CASE WHEN u.uses IS NOT NULL THEN jsonb_build_object('uses', u.uses) ELSE '{}' END)
                                    FROM pg_constraint con
                                    LEFT JOIN fn_use u ON u.classid = 'pg_constraint'::regclass AND u.objid = con.oid
                                    WHERE con.contypid = ty.oid AND con.contype = 'c'), '{}') END,
                    -- a composite type: its attributes in order
                    'attributes', CASE WHEN ty.typtype = 'c' THEN coalesce((
                                    SELECT jsonb_agg(jsonb_build_object(
                                        'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                                        'collation', CASE WHEN a.attcollation <> at.typcollation
                                                          THEN a.attcollation::regcollation::text END,
                                        'comment', col_description(ty.typrelid, a.attnum)) ORDER BY a.attnum)
                                    FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
                                    WHERE a.attrelid = ty.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '[]') END,
                    -- a range type: its subtype and the functions it was made with
                    'subtype', (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = ty.oid),
                    'subtype_diff', (SELECT nullif(r.rngsubdiff, 0)::regproc::text FROM pg_range r WHERE r.rngtypid = ty.oid),
                    'range_collation', (SELECT CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                                                    THEN r.rngcollation::regcollation::text END
                                        FROM pg_range r JOIN pg_type st ON st.oid = r.rngsubtype
                                        WHERE r.rngtypid = ty.oid),
                    -- the other user types it is made of, to create them first
                    'types', (SELECT jsonb_agg(DISTINCT o.key) FROM pg_depend d JOIN typ o ON o.oid = d.refobjid
                              WHERE d.refclassid = 'pg_type'::regclass AND d.deptype = 'n' AND o.oid <> ty.oid
                                AND ((d.classid = 'pg_type'::regclass AND d.objid = ty.oid)
                                     OR (d.classid = 'pg_class'::regclass AND d.objid = ty.typrelid AND ty.typrelid <> 0))))
                -- the user functions a domain's default calls, only when it calls any
                || CASE WHEN ty.typtype = 'd' AND t.typdefaultbin IS NOT NULL AND du.uses IS NOT NULL
                        THEN jsonb_build_object('default_uses', du.uses) ELSE '{}' END)
                FROM typ ty JOIN pg_type t ON t.oid = ty.oid
                LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
                LEFT JOIN fn_use du ON du.classid = 'pg_type'::regclass AND du.objid = ty.oid), '{}'),
    'functions', coalesce((SELECT jsonb_object_agg(f.key, jsonb_build_object(
                    'schema', f.nspname, 'name', f.proname, 'signature', f.signature,
                    'kind', f.prokind::text,
                    'arguments', pg_get_function_arguments(f.oid),
                    -- the input types alone: what CREATE OR REPLACE matches on
                    'argument_types', oidvectortypes(p.proargtypes),
                    'returns', CASE WHEN f.prokind <> 'p' THEN pg_get_function_result(f.oid) END,
                    'language', l.lanname,
                    'definition', CASE WHEN f.prokind = 'a' THEN migrate.aggregate_ddl(f.oid)
                                       ELSE pg_get_functiondef(f.oid) END,
                    'comment', obj_description(f.oid, 'pg_proc'),
                    'uses', u.uses,
                    -- tables whose row type it takes or returns (or an atomic body uses)
                    'tables', (SELECT jsonb_agg(DISTINCT r.key) FROM pg_depend d
                               LEFT JOIN pg_type rt ON d.refclassid = 'pg_type'::regclass AND rt.oid = d.refobjid
                               JOIN rel r ON r.oid = CASE WHEN d.refclassid = 'pg_class'::regclass THEN d.refobjid
                                                          ELSE rt.typrelid END
                               WHERE d.classid = 'pg_proc'::regclass AND d.objid = f.oid AND d.deptype = 'n')))
                FROM fn f JOIN pg_proc p ON p.oid = f.oid JOIN pg_language l ON l.oid = p.prolang
                LEFT JOIN fn_use u ON u.classid = 'pg_proc'::regclass AND u.objid = f.oid), '{}'),
    'sequences', coalesce((SELECT jsonb_object_agg(r.key, jsonb_build_object(
                    'schema', r.nspname, 'name', r.relname,
                    'type', format_type(s.seqtypid, NULL), 'start', s.seqstart,
                    'increment', s.seqincrement, 'min', s.seqmin, 'max', s.seqmax,
                    'cache', s.seqcache, 'cycle', s.seqcycle,
                    'comment', (SELECT dsc.description FROM pg_description dsc WHERE dsc.objoid = r.oid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0))
                    || CASE WHEN o.seq IS NOT NULL THEN jsonb_build_object('owned_by', jsonb_build_object(
                           'schema', ons.nspname, 'table', oc.relname, 'column', oa.attname)) ELSE '{}' END)
                FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid
                -- OWNED BY a column: still standalone unless it is the
                -- column's serial or identity sequence (described with it)
                LEFT JOIN owned_seq o ON o.seq = r.oid AND o.deptype = 'a'
                LEFT JOIN pg_class oc ON oc.oid = o.rel
                LEFT JOIN pg_namespace ons ON ons.oid = oc.relnamespace
                LEFT JOIN pg_attribute oa ON oa.attrelid = o.rel AND oa.attnum = o.col
                WHERE NOT EXISTS (SELECT FROM owned_seq i WHERE i.seq = r.oid AND i.deptype = 'i')
                  AND NOT EXISTS (SELECT FROM col WHERE col.serial_seq = r.oid)), '{}'),
    'tables', coalesce((SELECT jsonb_object_agg(r.key, jsonb_build_object(
                    'schema', r.nspname, 'name', r.relname,
                    'comment', (SELECT dsc.description FROM pg_description dsc WHERE dsc.objoid = r.oid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0),
                    'partition_by', CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
                    'row_security', r.relrowsecurity, 'force_row_security', r.relforcerowsecurity,
                    'columns', coalesce(cj.columns, '[]'),
                    'constraints', coalesce((SELECT jsonb_object_agg(con.conname, jsonb_build_object(
                                    'type', con.contype,
                                    'definition', pg_get_constraintdef(con.oid),
                                    'comment', (SELECT dsc.description FROM pg_description dsc WHERE dsc.objoid = con.oid AND dsc.classoid = 'pg_constraint'::regclass AND dsc.objsubid = 0),
                                    'uses', (SELECT u.uses FROM fn_use u
                                             WHERE u.classid = 'pg_constraint'::regclass AND u.objid = con.oid),
                                    'columns', (SELECT coalesce(jsonb_agg(a.attname ORDER BY a.attnum), '[]')
                                                FROM pg_attribute a
                                                WHERE a.attrelid = r.oid AND a.attnum = ANY (con.conkey)),
                                    'references', CASE WHEN con.contype = 'f'
                                                       THEN (SELECT n.nspname || '.' || c.relname
                                                             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                                             WHERE c.oid = con.confrelid) END)
                                    -- the comment of a key's own index (named as the key), when it has one
                                    || coalesce((SELECT jsonb_build_object('index_comment', dsc.description)
                                                 FROM pg_description dsc
                                                 WHERE con.contype IN ('p', 'u', 'x') AND dsc.objoid = con.conindid
                                                   AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0), '{}'))
                                FROM pg_constraint con
                                WHERE con.conrelid = r.oid AND con.contype IN ('p', 'u', 'c', 'f', 'x')
                                  -- not the copies of a foreign key to a partitioned
                                  -- table that the server keeps for each of its
                                  -- partitions: the key makes them, and drops them
                                  AND NOT (con.contype = 'f' AND con.conparentid <> 0
                                           AND EXISTS (SELECT FROM pg_constraint pcon
                                                       WHERE pcon.oid = con.conparentid
                                                         AND pcon.conrelid = con.conrelid))), '{}'),
                    'indexes', coalesce((SELECT jsonb_object_agg(ic.relname, jsonb_build_object(
                                    'definition', pg_get_indexdef(i.indexrelid),
                                    'comment', (SELECT dsc.description FROM pg_description dsc WHERE dsc.objoid = i.indexrelid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0),
                                    'uses', (SELECT u.uses FROM fn_use u
                                             WHERE u.classid = 'pg_class'::regclass AND u.objid = i.indexrelid),
                                    -- key, expression and predicate columns alike
                                    'columns', (SELECT coalesce(jsonb_agg(DISTINCT a.attname), '[]')
                                                FROM pg_depend d
                                                JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                                WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
                                                  AND d.refclassid = 'pg_class'::regclass AND d.refobjid = r.oid
                                                  AND d.refobjsubid > 0)))
                                FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                                WHERE i.indrelid = r.oid
                                  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                                                  WHERE con.conindid = i.indexrelid
                                                    AND con.conrelid = r.oid)), '{}'),
                    'policies', coalesce((SELECT jsonb_object_agg(p.polname, jsonb_build_object(
                                    'command', p.polcmd::text, 'permissive', p.polpermissive,
                                    'roles', (SELECT jsonb_agg(CASE WHEN x = 0 THEN 'PUBLIC' ELSE x::regrole::text END
                                                               ORDER BY CASE WHEN x = 0 THEN 'PUBLIC' ELSE x::regrole::text END COLLATE "C")
                                              FROM unnest(p.polroles) x),
                                    'using', pg_get_expr(p.polqual, p.polrelid),
                                    'check', pg_get_expr(p.polwithcheck, p.polrelid),
                                    'comment', obj_description(p.oid, 'pg_policy'),
                                    'uses', (SELECT u.uses FROM fn_use u
                                             WHERE u.classid = 'pg_policy'::regclass AND u.objid = p.oid),
                                    'columns', (SELECT cd.columns FROM col_dep cd
                                                WHERE cd.classid = 'pg_policy'::regclass AND cd.objid = p.oid)))
                                FROM pg_policy p WHERE p.polrelid = r.oid), '{}')))
                FROM rel r LEFT JOIN col_json cj ON cj.rel = r.oid WHERE r.relkind IN ('r', 'p')), '{}'),
    'views', coalesce((SELECT jsonb_object_agg(r.key, jsonb_build_object(
                    'schema', r.nspname, 'name', r.relname,
                    'materialized', r.relkind = 'm',
                    'definition', pg_get_viewdef(r.oid),
                    'comment', (SELECT dsc.description FROM pg_description dsc WHERE dsc.objoid = r.oid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0),
                    'column_comments', (SELECT jsonb_object_agg(a.attname, d.description)
                                        FROM pg_description d
                                        JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = d.objsubid
                                        WHERE d.classoid = 'pg_class'::regclass AND d.objoid = r.oid
                                          AND d.objsubid > 0),
                    'indexes', CASE WHEN r.relkind = 'm' THEN coalesce((
                                    SELECT jsonb_object_agg(ic.relname, jsonb_build_object(
                                        'definition', pg_get_indexdef(i.indexrelid),
                                        'comment', (SELECT dsc.description FROM pg_description dsc WHERE dsc.objoid = i.indexrelid AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0)))
                                    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                                    WHERE i.indrelid = r.oid), '{}') ELSE '{}' END,
                    'uses', coalesce((SELECT jsonb_agg(DISTINCT n.nspname || '.' || c.relname)
                                      FROM pg_rewrite rw
                                      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                                      JOIN pg_class c ON c.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
                                      JOIN pg_namespace n ON n.oid = c.relnamespace
                                      WHERE rw.ev_class = r.oid AND c.oid <> r.oid), '[]')
                            || coalesce((SELECT u.uses FROM pg_rewrite rw
                                         JOIN fn_use u ON u.classid = 'pg_rewrite'::regclass AND u.objid = rw.oid
                                         WHERE rw.ev_class = r.oid AND rw.rulename = '_RETURN'), '[]')))
                FROM rel r WHERE r.relkind IN ('v', 'm')), '{}'),
    'triggers', coalesce((SELECT jsonb_object_agg(r.key || '.' || tg.tgname, jsonb_build_object(
                    'relation', r.key, 'schema', r.nspname, 'table', r.relname, 'name', tg.tgname,
                    'definition', pg_get_triggerdef(tg.oid), 'enabled', tg.tgenabled::text,
                    'comment', obj_description(tg.oid, 'pg_trigger'),
                    'uses', u.uses, 'columns', cd.columns))
                FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid
                LEFT JOIN fn_use u ON u.classid = 'pg_trigger'::regclass AND u.objid = tg.oid
                LEFT JOIN col_dep cd ON cd.classid = 'pg_trigger'::regclass AND cd.objid = tg.oid
                WHERE NOT tg.tgisinternal), '{}')
), schemas)))
|| CASE WHEN privileges THEN jsonb_build_object('privileges', migrate.describe_privileges(schemas)) ELSE '{}' END
|| CASE WHEN owners THEN jsonb_build_object('owners', migrate.describe_owners(schemas)) ELSE '{}' END
$$;

-- Access to the marts: who may read what. Applied last (after every mart exists); idempotent.
--
-- Roles (cluster-wide, NOLOGIN group roles; people get a login role that is GRANTed one of them):
--   finance_reader   planning & control of the region: reads every relation in schema mart, and
--                    nothing in meta/staging/core/dq/cbs (no USAGE on those schemas).
--   gemeente_XXXX    one per gemeente (CBS code): reads only its own rows, and only through the
--                    secured views mart.*_beveiligd; no access to the materialized views themselves.
--
-- Design: PostgreSQL row-level security cannot be put on a materialized view, and copying the
-- marts into RLS tables would add a second refresh path. Instead each gemeente-level mart gets a
-- view WITH (security_barrier) that filters on the mapping core.gemeente_rol (gemeente -> role)
-- and pg_has_role(current_user, role, 'MEMBER'):
--   * the view runs with its owner's rights on the matview, so gemeente roles need SELECT on the
--     view only; current_user inside the view is still the reading user;
--   * security_barrier keeps a reader's own (leaky) functions/predicates from being evaluated
--     before the gemeente filter, so rows of other gemeenten cannot leak through e.g. error messages;
--   * membership is inherited: GRANT gemeente_0193 TO a login role (or an LDAP-synced group);
--     several gemeente roles give several gemeenten; finance_reader sees every row;
--   * a role that is in no mapped role sees zero rows; a role without grants gets
--     "permission denied".
-- Roles are created only when missing and only when the migrating user may create roles;
-- otherwise the grants are skipped with a NOTICE (a DBA creates the roles and reruns migrate).

CREATE TABLE IF NOT EXISTS core.gemeente_rol (
    gemeente  text NOT NULL REFERENCES core.gemeente DEFERRABLE INITIALLY DEFERRED,
    rol       name NOT NULL,
    PRIMARY KEY (gemeente, rol)
);
COMMENT ON TABLE core.gemeente_rol IS
    'Welke databaserol (en haar leden) de rijen van welke gemeente mag zien in de beveiligde martviews (mart.*_beveiligd).';

-- core.gemeente is filled by migrate after the SQL files; the FK is checked at commit.
INSERT INTO core.gemeente_rol (gemeente, rol) VALUES
    ('0148', 'gemeente_0148'), ('0150', 'gemeente_0150'), ('0160', 'gemeente_0160'),
    ('0166', 'gemeente_0166'), ('1773', 'gemeente_1773'), ('0175', 'gemeente_0175'),
    ('0177', 'gemeente_0177'), ('0180', 'gemeente_0180'), ('1708', 'gemeente_1708'),
    ('1896', 'gemeente_1896'), ('0193', 'gemeente_0193')
ON CONFLICT DO NOTHING;

-- One secured view per gemeente-level relation in mart (every table, view or materialized view
-- with a column "gemeente"), named <relation>_beveiligd, with the relation's comments.
DO $$
DECLARE
    rel record;
    kol record;
BEGIN
    FOR rel IN
        SELECT c.oid, c.relname
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'mart'
        WHERE c.relkind IN ('r', 'v', 'm') AND c.relname NOT LIKE '%\_beveiligd'
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'gemeente' AND NOT a.attisdropped)
        ORDER BY c.relname
    LOOP
        EXECUTE format($v$
            CREATE OR REPLACE VIEW mart.%I WITH (security_barrier = true) AS
            SELECT d.*
            FROM mart.%I d
            WHERE EXISTS (SELECT 1 FROM pg_roles f           -- the region's finance staff see every gemeente
                          WHERE f.rolname = 'finance_reader' AND pg_has_role(current_user, f.oid, 'MEMBER'))
               OR EXISTS (
                    SELECT 1
                    FROM core.gemeente_rol gr
                    JOIN pg_roles r ON r.rolname = gr.rol    -- a mapped role that does not exist matches nothing
                    WHERE gr.gemeente = d.gemeente
                      AND pg_has_role(current_user, r.oid, 'MEMBER'))$v$,
            rel.relname || '_beveiligd', rel.relname);
        EXECUTE format('COMMENT ON VIEW mart.%I IS %L', rel.relname || '_beveiligd',
            'Als mart.' || rel.relname || ', maar u ziet alleen de rijen van de gemeente(n) waarvoor uw databaserol bevoegd is (core.gemeente_rol).');
        FOR kol IN SELECT a.attname, col_description(rel.oid, a.attnum) AS txt
                   FROM pg_attribute a WHERE a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
        LOOP
            EXECUTE format('COMMENT ON COLUMN mart.%I.%I IS %L', rel.relname || '_beveiligd', kol.attname, kol.txt);
        END LOOP;
    END LOOP;
END $$;

DO $$
DECLARE
    may_create boolean;
    rol name;
    gemeente_rollen name[];
BEGIN
    SELECT rolsuper OR rolcreaterole INTO may_create FROM pg_roles WHERE rolname = current_user;
    SELECT array_agg(DISTINCT gr.rol) INTO gemeente_rollen FROM core.gemeente_rol gr;

    FOREACH rol IN ARRAY array_prepend('finance_reader'::name, gemeente_rollen) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = rol) THEN
            IF may_create THEN
                EXECUTE format('CREATE ROLE %I NOLOGIN', rol);
            ELSE
                RAISE NOTICE 'role % is missing and % may not create roles: grants for it skipped', rol, current_user;
            END IF;
        END IF;
    END LOOP;

    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'finance_reader') THEN
        GRANT USAGE ON SCHEMA mart TO finance_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA mart TO finance_reader;   -- includes (materialized) views
        -- marts created later by the same migrating user are readable too
        ALTER DEFAULT PRIVILEGES IN SCHEMA mart GRANT SELECT ON TABLES TO finance_reader;
    END IF;

    FOREACH rol IN ARRAY gemeente_rollen LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = rol) THEN
            EXECUTE format('GRANT USAGE ON SCHEMA mart TO %I', rol);
            EXECUTE (SELECT string_agg(format('GRANT SELECT ON mart.%I TO %I', c.relname, rol), '; ')
                     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'mart'
                     WHERE c.relname LIKE '%\_beveiligd');
        END IF;
    END LOOP;
END $$;

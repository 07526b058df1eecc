-- Roles of the regional warehouse, run by a superuser (the DBA) in the database `warehouse`:
--   psql -d warehouse -f roles.sql     with WAREHOUSE_DB_USER / WAREHOUSE_DB_PASSWORD in the environment
-- docker compose runs it once, at the first start of an empty volume (initdb/10-roles.sh); run it
-- by hand to upgrade an existing warehouse (docs/deployment.md, "Warehouse roles"). Idempotent.
--
-- WAREHOUSE_DB_USER (default jeugdhulp_pipeline), the role the pipeline connects as:
--   * LOGIN, NOT superuser, no CREATEDB / CREATEROLE / REPLICATION / BYPASSRLS;
--   * CONNECT, CREATE (schemas) and TEMPORARY on this database only: `jeugdhulp` migrate creates
--     the schemas meta, staging, core, dq, cbs, mart and owns them and everything in them;
--   * the read roles below exist already, so migrate (include/sql/marts/090_access.sql) only grants.
-- Read roles (NOLOGIN; people get a login role that is a member): finance_reader and one
-- gemeente_<CBS code> per gemeente of the region (core.gemeente_rol maps gemeente -> role; a test
-- checks that this list equals jeugdhulp.reference.GEMEENTEN).
\set ON_ERROR_STOP on
\getenv pipeline_role WAREHOUSE_DB_USER
\getenv pipeline_password WAREHOUSE_DB_PASSWORD
\if :{?pipeline_role}
\else
  \warn 'roles.sql: set WAREHOUSE_DB_USER (and WAREHOUSE_DB_PASSWORD) in the environment'
  \quit
\endif
\if :{?pipeline_password}
\else
  \warn 'roles.sql: set WAREHOUSE_DB_PASSWORD in the environment'
  \quit
\endif

SELECT format('CREATE ROLE %I LOGIN', :'pipeline_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'pipeline_role') \gexec
-- also when the role existed: take away whatever it may have had
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT '
              'CONNECTION LIMIT 64 PASSWORD %L', :'pipeline_role', :'pipeline_password') \gexec

-- nobody but the named roles connects to or creates in the warehouse database
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %I TO %I', current_database(), :'pipeline_role') \gexec

SELECT format('CREATE ROLE %I NOLOGIN', r)
  FROM unnest(ARRAY['finance_reader', 'gemeente_0148', 'gemeente_0150', 'gemeente_0160', 'gemeente_0166',
                    'gemeente_0175', 'gemeente_0177', 'gemeente_0180', 'gemeente_0193', 'gemeente_1708',
                    'gemeente_1773', 'gemeente_1896']) AS r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), rolname)
  FROM pg_roles WHERE rolname = 'finance_reader' OR rolname ~ '^gemeente_[0-9]{4}$' \gexec

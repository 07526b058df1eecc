"""The pipeline's warehouse role (docker/warehouse-db/roles.sql, as docker compose runs it) on the
real PostgreSQL: migrate, an ingest and a mart refresh work as that role, and the role is no
superuser, cannot create roles or databases, read pg_authid, run programs or change the server.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from conftest import TEST_KEY
from ijw_berichten import jw301, jw323, line

from jeugdhulp import pipeline
from jeugdhulp.reference import GEMEENTEN

pytestmark = pytest.mark.integration

ROLES_SQL = Path(__file__).resolve().parents[2] / "docker" / "warehouse-db" / "roles.sql"


def _psql() -> str:
    from jeugdhulp.db import find_bindir

    candidate = find_bindir() / "psql"
    found = str(candidate) if candidate.exists() else shutil.which("psql")
    if not found:
        pytest.skip("psql is not installed")
    return found


def _as(url: str, user: str, password: str, database: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, f"/{database}" if database else parts.path, "", ""))


def run_roles_sql(admin_url: str, role: str, password: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WAREHOUSE_DB_USER": role, "WAREHOUSE_DB_PASSWORD": password}
    return subprocess.run([_psql(), admin_url, "-X", "-q", "-f", str(ROLES_SQL)], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def pipeline_role(pg_server):
    """A fresh database set up with roles.sql by the superuser; yields (pipeline URL, admin URL)."""
    role = f"t_pipeline_{uuid.uuid4().hex[:8]}"
    password = secrets.token_hex(24)
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    admin_url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    res = run_roles_sql(admin_url, role, password)
    assert res.returncode == 0, res.stderr
    again = run_roles_sql(admin_url, role, password)  # idempotent
    assert again.returncode == 0, again.stderr
    yield _as(admin_url, role, password), admin_url, role
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_roles_sql_refuses_to_run_without_the_role_settings(pg_server):
    env = {k: v for k, v in os.environ.items() if k not in ("WAREHOUSE_DB_USER", "WAREHOUSE_DB_PASSWORD")}
    res = subprocess.run([_psql(), pg_server, "-X", "-q", "-f", str(ROLES_SQL)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert "set WAREHOUSE_DB_USER" in res.stderr


def test_pipeline_role_migrates_ingests_and_refreshes_but_is_no_superuser(pipeline_role, tmp_path):
    url, admin_url, role = pipeline_role
    dirs = {k: tmp_path / k for k in ("landing", "archive", "quarantine")}
    for d in dirs.values():
        d.mkdir()
    (dirs["landing"] / "a.xml").write_bytes(jw301("TW1", 250000001))
    (dirs["landing"] / "b.xml").write_bytes(jw323("D1", [line(ref="R1", nummer=250000001)]))

    result = pipeline.run_ingest(url, TEST_KEY, **dirs)
    assert result["staged"] == 2 and not result["quarantined"]
    refreshed = pipeline.refresh_marts(url)
    assert refreshed["mart_rules_passed"] > 0

    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == role
        assert conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0] == 1
        flags = conn.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
                             "FROM pg_roles WHERE rolname = current_user").fetchone()
        assert flags == (False, False, False, False, False)
        owners = dict(conn.execute("SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = "
                                   "ANY (ARRAY['meta', 'staging', 'core', 'dq', 'cbs', 'mart'])").fetchall())
        assert owners == {s: role for s in ("meta", "staging", "core", "dq", "cbs", "mart")}
        for statement in (
            "CREATE ROLE t_intruder",
            "CREATE DATABASE t_intruder",
            "SELECT rolpassword FROM pg_authid",
            "COPY (SELECT 1) TO PROGRAM 'true'",
            "SELECT pg_read_file('postgresql.conf')",
            "ALTER SYSTEM SET fsync = off",
            f"ALTER ROLE \"{role}\" SUPERUSER",
            f"GRANT pg_read_server_files TO \"{role}\"",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        # the read roles exist (made by roles.sql, not by the pipeline) and migrate granted them the marts
        roles = {r for (r,) in conn.execute("SELECT rolname FROM pg_roles")}
        assert {"finance_reader", *(f"gemeente_{g}" for g in GEMEENTEN)} <= roles
        assert conn.execute("SELECT has_table_privilege('finance_reader', 'mart.declaratie_gemeente_maand', "
                            "'SELECT')").fetchone()[0]
        assert not conn.execute("SELECT has_table_privilege('finance_reader', 'core.declaratie_regel', "
                                "'SELECT')").fetchone()[0]
    with psycopg.connect(admin_url) as admin:  # PUBLIC may not connect to the warehouse
        assert not admin.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT')").fetchone()[0]


def test_roles_sql_read_roles_are_the_regions_gemeenten():
    """roles.sql names the read roles literally (it runs before any schema exists): the same set as
    jeugdhulp.reference.GEMEENTEN, which core.gemeente_rol maps."""
    import re

    text = ROLES_SQL.read_text()
    assert set(re.findall(r"'gemeente_([0-9]{4})'", text)) == set(GEMEENTEN)
    assert "'finance_reader'" in text

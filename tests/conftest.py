"""Shared fixtures: a throwaway PostgreSQL for the whole session, a fresh database per test,
an isolated Airflow home (SQLite metadata), the official XSDs when ../shared is present.

Set JEUGDHULP_TEST_DB_URL to a libpq URL of a server whose role may CREATE DATABASE to use an
existing server instead of starting one.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# Airflow reads its configuration once, at first import: isolate it before anything imports it.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="jeugdhulp-airflow-"))
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        "JEUGDHULP_MODE": "test",
        # local state (Data Docs, secrets, folders) of the test session, never the project's .local
        "JEUGDHULP_LOCAL": str(_AIRFLOW_HOME / "local"),
    }
)
for var in ("JEUGDHULP_PSEUDONYM_KEY", "JEUGDHULP_WAREHOUSE_URL", "IJW_XSD_DIR"):
    os.environ.pop(var, None)

TEST_KEY = "test-key-" + "0" * 32


def xsd_dir() -> Path | None:
    d = Path(os.environ["IJW_XSD_DIR_TESTS"]) if os.environ.get("IJW_XSD_DIR_TESTS") else SHARED / "ijw-3.2" / "xsd"
    return d if (d / "JW323.xsd").exists() else None


@pytest.fixture(scope="session")
def official_xsd_dir() -> Path:
    d = xsd_dir()
    if d is None:
        pytest.skip("official iJw XSDs not available (../shared absent)")
    return d


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """libpq URL (database 'postgres') of a server the tests may create databases on."""
    if os.environ.get("JEUGDHULP_TEST_DB_URL"):
        yield os.environ["JEUGDHULP_TEST_DB_URL"]
        return
    from jeugdhulp.db import Cluster

    base = Path(tempfile.mkdtemp(prefix="jeugdhulp-pg-", dir="/var/tmp" if Path("/var/tmp").exists() else None))
    base.chmod(0o755)  # the postgres OS user must reach it when we run as root
    cluster = Cluster(base / "data", _free_port())
    cluster.start()
    try:
        yield cluster.url("postgres")
    finally:
        cluster.destroy()
        base.rmdir()


@contextmanager
def database(server: str):
    """A fresh, empty database on ``server`` (a libpq URL); its URL, dropped on exit."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(pg_server):
    """A fresh, empty database for one test; dropped afterwards."""
    with database(pg_server) as url:
        yield url


@pytest.fixture
def conn(db_url):
    from jeugdhulp import warehouse

    with warehouse.connect(db_url) as c:
        warehouse.migrate(c)
        yield c


@pytest.fixture
def data_dirs(tmp_path) -> dict[str, Path]:
    dirs = {name: tmp_path / name for name in ("landing", "archive", "quarantine")}
    for d in dirs.values():
        d.mkdir()
    return dirs


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """A small synthetic corpus (read-only: copy files out of it before ingesting)."""
    from jeugdhulp import synth

    out = tmp_path_factory.mktemp("corpus")
    synth.generate(out, seed=7, year=2025, clients=80, providers=6)
    return out


@pytest.fixture(scope="session")
def airflow_db():
    """Airflow metadata (SQLite in the session's AIRFLOW_HOME), migrated once, for dag.test()."""
    import subprocess
    import sys

    airflow = Path(sys.executable).with_name("airflow")
    res = subprocess.run([str(airflow), "db", "migrate"], capture_output=True, text=True, env=os.environ)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]

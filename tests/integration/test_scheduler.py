"""The real scheduler path, not dag.test(): Airflow's scheduler (LocalExecutor), dag-processor and
api-server (the execution API the task processes call back on) against PostgreSQL metadata, for a
bounded time. Files dropped in landing are ingested by ``ijw_ingest`` on its own schedule (the run
the scheduler creates when the DAG is unpaused), ``marts_refresh`` follows on the asset event, and
an ingest that finds nothing new emits no event, so no second refresh follows.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from conftest import TEST_KEY, _free_port, database
from corpus import copy_corpus

pytestmark = [pytest.mark.integration, pytest.mark.dags]

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = Path(sys.executable).with_name("airflow")
BOUND = 420  # seconds the whole scenario may take before the test gives up


@pytest.fixture
def metadata_url(pg_server):
    """A PostgreSQL database of its own for Airflow's metadata (never the warehouse's)."""
    with database(pg_server) as url:
        yield url


@pytest.fixture
def airflow_services(tmp_path, metadata_url, db_url, data_dirs):
    """Environment of a real Airflow deployment in miniature, and a starter for its components."""
    port = _free_port()
    home = tmp_path / "airflow"
    home.mkdir()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url.replace("postgresql://", "postgresql+psycopg2://", 1),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex * 2,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW_CONN_JEUGDHULP_WAREHOUSE": db_url,
        "AIRFLOW_CONN_JEUGDHULP_PSEUDONYM": json.dumps({"conn_type": "generic", "password": TEST_KEY}),
        "JEUGDHULP_LANDING": str(data_dirs["landing"]),
        "JEUGDHULP_ARCHIVE": str(data_dirs["archive"]),
        "JEUGDHULP_QUARANTINE": str(data_dirs["quarantine"]),
        "JEUGDHULP_PARSE_WORKERS": "0",
        "PATH": os.pathsep.join([str(AIRFLOW.parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "plugins"), os.environ.get("PYTHONPATH")) if p),
    }
    res = subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]

    procs: list[subprocess.Popen] = []

    def start(*component: str) -> None:
        log = open(home / f"{component[0]}.out", "wb")
        procs.append(subprocess.Popen([str(AIRFLOW), *component], env=env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True))

    def cli(*args: str) -> str:
        r = subprocess.run([str(AIRFLOW), *args], env=env, capture_output=True, text=True)
        assert r.returncode == 0, f"airflow {' '.join(args)}: {r.stdout[-1500:]}{r.stderr[-1500:]}"
        return r.stdout

    yield start, cli, home
    for p in procs:  # each component leads its own process group: stop it with its children
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 30
    for p in procs:
        try:
            p.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def _runs(metadata_url: str, dag_id: str) -> list[tuple[str, str]]:
    """(run_type, state) of every run of ``dag_id``, oldest first."""
    with psycopg.connect(metadata_url) as c:
        return [(str(t), str(s)) for t, s in c.execute(
            "SELECT run_type, state FROM dag_run WHERE dag_id = %s ORDER BY id", (dag_id,)).fetchall()]


def _wait(what: str, predicate, deadline: float, home: Path, poll: float = 3.0):
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(home.glob("*.out")))
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def test_scheduler_runs_ingest_on_schedule_and_marts_on_the_asset_event(
        airflow_services, metadata_url, db_url, data_dirs, small_corpus):
    start, cli, home = airflow_services
    deadline = time.monotonic() + BOUND
    files = copy_corpus(small_corpus, data_dirs["landing"])

    start("api-server")
    start("dag-processor")
    start("scheduler")

    # the dag-processor has serialised the DAGs: unpause them as an operator would
    def parsed():
        with psycopg.connect(metadata_url) as c:
            ids = {r[0] for r in c.execute("SELECT dag_id FROM dag").fetchall()}
        return {"ijw_ingest", "marts_refresh"} <= ids
    _wait("the DAGs to be parsed", parsed, deadline, home)
    cli("dags", "unpause", "marts_refresh")
    cli("dags", "unpause", "ijw_ingest")  # the scheduler creates the run of the latest interval itself

    ingest = _wait("a scheduled ijw_ingest run to finish",
                   lambda: [r for r in _runs(metadata_url, "ijw_ingest") if r[1] in ("success", "failed")],
                   deadline, home)
    assert ingest[0] == ("scheduled", "success"), _runs(metadata_url, "ijw_ingest")
    refresh = _wait("marts_refresh to follow on the asset event",
                    lambda: [r for r in _runs(metadata_url, "marts_refresh") if r[1] in ("success", "failed")],
                    deadline, home)
    assert refresh == [("asset_triggered", "success")], refresh

    with psycopg.connect(db_url) as c:
        states = dict(c.execute("SELECT state, count(*) FROM meta.file_manifest GROUP BY state").fetchall())
        assert states == {"loaded": len(files)}
        assert c.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0] > 0
        assert c.execute("SELECT count(*) FROM mart.pc_gemeente_maand").fetchone()[0] > 0
    assert list(data_dirs["landing"].iterdir()) == []

    # nothing new in landing: the ingest succeeds, emits no asset event, so no refresh follows
    cli("dags", "trigger", "ijw_ingest")
    _wait("the manual ijw_ingest run to finish",
          lambda: [r for r in _runs(metadata_url, "ijw_ingest") if r[0] == "manual" and r[1] in ("success", "failed")],
          deadline, home)
    assert {state for _, state in _runs(metadata_url, "ijw_ingest")} == {"success"}, _runs(metadata_url, "ijw_ingest")
    time.sleep(15)  # several scheduler loops: an asset event would have queued a run by now
    assert len(_runs(metadata_url, "marts_refresh")) == 1, _runs(metadata_url, "marts_refresh")

"""End-to-end through Airflow itself: dag.test() of ijw_ingest then marts_refresh on a real
PostgreSQL warehouse, checked against the generated corpus; a rerun changes nothing."""

from __future__ import annotations

import json
import os

import pytest
from conftest import TEST_KEY
from corpus import copy_corpus, expected_mart, mart_rows, prestaties

pytestmark = [pytest.mark.integration, pytest.mark.dags]


@pytest.fixture
def airflow_env(monkeypatch, db_url, data_dirs):
    monkeypatch.setenv("AIRFLOW_CONN_JEUGDHULP_WAREHOUSE", db_url)
    monkeypatch.setenv("AIRFLOW_CONN_JEUGDHULP_PSEUDONYM", json.dumps({"conn_type": "generic", "password": TEST_KEY}))
    monkeypatch.setenv("JEUGDHULP_LANDING", str(data_dirs["landing"]))
    monkeypatch.setenv("JEUGDHULP_ARCHIVE", str(data_dirs["archive"]))
    monkeypatch.setenv("JEUGDHULP_QUARANTINE", str(data_dirs["quarantine"]))
    return data_dirs


def run_dag(dag_id: str) -> str:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert bag.import_errors == {}
    return str(bag.dags[dag_id].test().state)


def test_ingest_and_marts_through_airflow(airflow_db, airflow_env, db_url, small_corpus):
    from jeugdhulp import warehouse

    files = copy_corpus(small_corpus, airflow_env["landing"])
    (airflow_env["landing"] / "JW301_afgebroken.xml").write_bytes(files[0].read_bytes()[:700])
    expected = expected_mart(prestaties(f for f in files if f.name.startswith("JW323")))

    assert run_dag("ijw_ingest") == "success"
    assert run_dag("marts_refresh") == "success"

    with warehouse.connect(db_url) as conn:
        assert mart_rows(conn) == expected
        states = dict(conn.execute("SELECT state, count(*) FROM meta.file_manifest GROUP BY state").fetchall())
        assert states == {"loaded": len(files), "quarantined": 1}
        # the batch knows its Airflow run (the UI's Data Docs tab finds it by run_id)
        assert conn.execute("SELECT run_id FROM meta.load_batch").fetchone()[0].startswith("manual__")
        before = conn.execute("SELECT count(*), sum(ingediend_bedrag_saldo) FROM core.declaratie_regel").fetchone()

        copy_corpus(small_corpus, airflow_env["landing"])
        assert run_dag("ijw_ingest") == "success"
        assert run_dag("marts_refresh") == "success"
        assert conn.execute("SELECT count(*), sum(ingediend_bedrag_saldo) FROM core.declaratie_regel").fetchone() == before
        assert mart_rows(conn) == expected
        assert conn.execute("SELECT count(*) FROM meta.file_manifest").fetchone()[0] == len(files) + 1

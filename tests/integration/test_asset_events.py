"""Asset events as Airflow records them (dag.test(), then the AssetEvent table of the metadata DB):
an ingest that staged nothing emits no event (no marts refresh for nothing), marts_refresh emits the
marts asset, and the P&C report plan refuses marts older than their data."""

from __future__ import annotations

import json
import os

import pytest
from conftest import TEST_KEY
from corpus import copy_corpus

from jeugdhulp.config import CORE_IJW_ASSET_URI, MARTS_ASSET_URI

pytestmark = [pytest.mark.integration, pytest.mark.dags]


@pytest.fixture
def airflow_env(monkeypatch, db_url, data_dirs, tmp_path):
    monkeypatch.setenv("AIRFLOW_CONN_JEUGDHULP_WAREHOUSE", db_url)
    monkeypatch.setenv("AIRFLOW_CONN_JEUGDHULP_PSEUDONYM", json.dumps({"conn_type": "generic", "password": TEST_KEY}))
    monkeypatch.setenv("JEUGDHULP_LANDING", str(data_dirs["landing"]))
    monkeypatch.setenv("JEUGDHULP_ARCHIVE", str(data_dirs["archive"]))
    monkeypatch.setenv("JEUGDHULP_QUARANTINE", str(data_dirs["quarantine"]))
    monkeypatch.setenv("JEUGDHULP_OUTBOX", str(tmp_path / "outbox"))
    return data_dirs


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert bag.import_errors == {}
    return bag.dags


def events(uri: str, run) -> list:
    """The asset events of ``uri`` that the DAG run ``run`` emitted."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        return (session.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                .filter(AssetModel.uri == uri, AssetEvent.source_dag_id == run.dag_id,
                        AssetEvent.source_run_id == run.run_id).all())


def task_states(run) -> dict[str, str]:
    from airflow.utils.session import create_session

    with create_session() as session:
        return {ti.task_id: str(ti.state) for ti in run.get_task_instances(session=session)}


def test_ingest_emits_its_asset_event_only_when_it_staged_something(airflow_db, airflow_env, dags, small_corpus):
    empty = dags["ijw_ingest"].test()
    assert str(empty.state) == "success"
    assert task_states(empty)["publish"] == "skipped"
    assert events(CORE_IJW_ASSET_URI, empty) == []

    copy_corpus(small_corpus, airflow_env["landing"])
    loaded = dags["ijw_ingest"].test()
    assert str(loaded.state) == "success" and task_states(loaded)["publish"] == "success"
    assert len(events(CORE_IJW_ASSET_URI, loaded)) == 1

    copy_corpus(small_corpus, airflow_env["landing"])  # the same files again: archived, nothing new
    again = dags["ijw_ingest"].test()
    assert str(again.state) == "success" and task_states(again)["publish"] == "skipped"
    assert events(CORE_IJW_ASSET_URI, again) == []


def test_report_plan_checks_the_marts_asset_is_newer_than_the_data(airflow_db, airflow_env, dags, small_corpus, capfd):
    report = dags["pc_reports_quarterly"]
    report.task_dict["plan"].retries = 0  # in production plan retries while marts_refresh catches up

    copy_corpus(small_corpus, airflow_env["landing"])
    assert str(dags["ijw_ingest"].test().state) == "success"  # new iJw data, marts not refreshed yet
    capfd.readouterr()
    stale = report.test(run_conf={"period": "2025-Q4", "gemeenten": ["regio"]})
    assert str(stale.state) == "failed" and task_states(stale)["plan"] == "failed"
    out = "".join(capfd.readouterr())
    assert f"the marts are older than their data: {CORE_IJW_ASSET_URI} changed at" in out
    assert "(by ijw_ingest)" in out and "wait for it to finish" in out

    refreshed = dags["marts_refresh"].test()
    assert str(refreshed.state) == "success"
    assert len(events(MARTS_ASSET_URI, refreshed)) == 1
    fresh = report.test(run_conf={"period": "2025-Q4", "gemeenten": ["regio"]}, mark_success_pattern="render|manifest")
    assert task_states(fresh)["plan"] == "success"


def test_report_of_a_period_without_data_fails_in_plan_with_the_reason(airflow_db, airflow_env, dags, capfd, tmp_path):
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:  # freshness is the other test's subject
        session.query(AssetEvent).delete()
    assert str(dags["marts_refresh"].test().state) == "success"  # an empty warehouse, refreshed
    report = dags["pc_reports_quarterly"]
    report.task_dict["plan"].retries = 0
    capfd.readouterr()
    run = report.test(run_conf={"period": "2016-Q1", "gemeenten": ["regio"]})
    out = "".join(capfd.readouterr())
    assert str(run.state) == "failed" and task_states(run)["plan"] == "failed"
    assert task_states(run)["render"] in ("upstream_failed", "None")
    assert "2016-Q1" in out and "declaration" in out
    assert not (tmp_path / "outbox" / "2016-Q1").exists()

"""The cbs_statline DAG end to end through Airflow (dag.test()) against the local CBS-shaped
server: the first run loads every table, the second skips them all and changes no row, and the
marts can read population denominators for all 11 gemeenten."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jeugdhulp.cbs.server import SnapshotServer

pytestmark = [pytest.mark.integration, pytest.mark.dags]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cbs"
TABLES = {"85100NED", "84135NED", "85098NED", "83454NED", "03759ned"}


@pytest.fixture
def cbs_server():
    with SnapshotServer(FIXTURES, page_size=400, lifetime=600) as srv:
        yield srv


@pytest.fixture
def airflow_env(monkeypatch, db_url, cbs_server):
    monkeypatch.setenv("AIRFLOW_CONN_JEUGDHULP_WAREHOUSE", db_url)
    monkeypatch.setenv("AIRFLOW_CONN_CBS_STATLINE", json.dumps({"conn_type": "http", "host": cbs_server.base_url}))
    monkeypatch.setenv("JEUGDHULP_CBS_BACKOFF", "0")


def run_dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert bag.import_errors == {}
    dagrun = bag.dags[dag_id].test()
    return dagrun, {(ti.task_id, ti.map_index): str(ti.state) for ti in dagrun.get_task_instances()}


def asset_events() -> int:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    from jeugdhulp.cbs import CBS_ASSET_URI

    with create_session() as session:
        return session.scalar(
            select(func.count()).select_from(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri == CBS_ASSET_URI)
        )


def snapshot_rows(conn) -> dict:
    tables = ["regio", "periode", "tabel", "tabel_eigenschap", "code", "jeugdzorg_gebruik", "jeugdzorg_indicator",
              "jeugdzorg_kosten", "bevolking", "tabel_load"]
    return {t: conn.execute(f"SELECT to_jsonb(x)::text FROM cbs.{t} x ORDER BY 1").fetchall() for t in tables}


def test_cbs_statline_loads_then_skips_unchanged_tables(airflow_db, airflow_env, db_url, cbs_server):
    from jeugdhulp import warehouse

    events = asset_events()
    dagrun, states = run_dag("cbs_statline")
    assert str(dagrun.state) == "success", states
    assert states[("tables", -1)] == "success"
    assert sorted(s for (t, _), s in states.items() if t == "load_table") == ["success"] * 5
    assert states[("announce", -1)] == "success"  # something new: the asset is updated
    assert asset_events() == events + 1

    with warehouse.connect(db_url) as conn:
        loads = conn.execute("SELECT tabel_id, status, gemeld_op IS NOT NULL, run_id FROM cbs.tabel_load").fetchall()
        assert {r[0] for r in loads} == TABLES and {(r[1], r[2]) for r in loads} == {("loaded", True)}
        assert {r[3] for r in loads} == {dagrun.run_id}
        # the marts' denominators: every gemeente of core.gemeente, every loaded year
        denominators = conn.execute(
            "SELECT g.gemeente, b.jaar, b.aantal_0_17, b.aantal_18_22 FROM core.gemeente g "
            "JOIN cbs.bevolking_jeugd b USING (gemeente) WHERE b.volledig ORDER BY 1, 2"
        ).fetchall()
        assert len({r[0] for r in denominators}) == 11 and len(denominators) == 22
        assert all(r[2] > 1000 and r[3] > 300 for r in denominators)
        rates = conn.execute(
            "SELECT count(*) FROM cbs.jeugdzorg_per_1000_jongeren WHERE regio_soort = 'gemeente' "
            "AND per_1000_0_22 IS NOT NULL AND nl_per_1000_0_22 IS NOT NULL"
        ).fetchone()[0]
        assert rates > 0
        before = snapshot_rows(conn)
        requests_before = len(cbs_server.requests)

        dagrun, states = run_dag("cbs_statline")
        assert str(dagrun.state) == "success", states
        assert sorted(s for (t, _), s in states.items() if t == "load_table") == ["success"] * 5
        assert states[("announce", -1)] == "skipped"  # nothing new: no asset event
        assert asset_events() == events + 1
        assert snapshot_rows(conn) == before  # not one row changed, the manifest included
        # the second run asked CBS only for each table's properties
        assert len(cbs_server.requests) - requests_before == len(TABLES)

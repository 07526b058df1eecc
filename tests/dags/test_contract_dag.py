"""The contract master-data DAG: daily, emits the contract asset, house-style metadata."""

from __future__ import annotations

from pathlib import Path

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


def test_contract_dag_wiring():
    from airflow.dag_processing.dagbag import DagBag

    from jeugdhulp.config import CORE_CONTRACT_ASSET_URI

    bag = DagBag(dag_folder=str(DAGS_DIR / "contract_master_data.py"))
    assert bag.import_errors == {}
    dag = bag.dags["contract_master_data"]
    task = dag.task_dict["load_contract_workbook"]
    assert [o.uri for o in task.outlets] == [CORE_CONTRACT_ASSET_URI]
    assert task.owner == "regio-ijsselland-data" and task.retries >= 1
    assert "contract" in dag.tags and "JEUGDHULP_CONTRACT_DIR" in dag.doc_md
    assert "@daily" in repr(dag.schedule) or "0 0 * * *" in str(dag.timetable.description) + repr(dag.timetable)

"""
### Data-quality replay

Re-audits what an earlier `ijw_ingest` batch left unpublished and publishes what now passes —
for example declaration lines that arrived before their toewijzing (rule TR338), or a whole
batch stopped by its quality gate after the cause was fixed.

Trigger it from the UI with the `batch_id` of the batch (see `meta.load_batch` or the failed
`validate` task's log). The lines are copied into a new batch, audited with the current suites
(`include/expectations/`), quarantined or published, and the old quarantine entries point to the
new batch, so no line is counted twice. A batch a killed run left open (never audited or
published) is audited and published itself. Publishing updates the core asset, which refreshes the marts.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, task

from jeugdhulp.config import CORE_IJW_ASSET_URI


@dag(
    dag_id="dq_replay",
    description="Re-audit what an ingest batch left unpublished and publish what passes now (param batch_id)",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["ijw", "data-quality", "jeugdhulp"],
    params={"batch_id": Param(type="integer", minimum=1, description="meta.load_batch.batch_id to replay")},
    default_args={"owner": "regio-ijsselland-data", "retries": 1, "retry_delay": pendulum.duration(minutes=2)},
)
def dq_replay():
    @task(outlets=[Asset(CORE_IJW_ASSET_URI)])
    def replay(params: dict | None = None, run_id: str | None = None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from jeugdhulp import airflow_support, pipeline, quality

        try:
            return pipeline.replay(airflow_support.warehouse_url(), int(params["batch_id"]), run_id,
                                   quarantine=airflow_support.storage("quarantine"))
        except (quality.QualityGateError, ValueError) as exc:  # a verdict, not a glitch: no retry
            raise AirflowFailException(str(exc)) from exc

    replay()


dq_replay()

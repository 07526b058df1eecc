"""
### Marts refresh

Rebuilds the steering marts in schema `mart` (materialized views, refreshed concurrently so
finance staff reading them in Excel are never blocked) whenever `ijw_ingest` publishes new data
to core (asset `jeugdhulp://warehouse/core/ijw`).

* `mart.declaratie_gemeente_maand` – declared amount (euro cents, credits netted), debit and
  credit lines and unique youths per gemeente × month of delivery × productcategorie.

Every mart column is documented with `COMMENT ON` (see `include/sql/marts/`).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from jeugdhulp.config import CORE_IJW_ASSET_URI

CORE_IJW = Asset(CORE_IJW_ASSET_URI)


@dag(
    dag_id="marts_refresh",
    schedule=[CORE_IJW],
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["marts", "jeugdhulp"],
    default_args={"owner": "regio-ijsselland-data", "retries": 2, "retry_delay": pendulum.duration(minutes=2)},
)
def marts_refresh():
    @task
    def refresh() -> dict:
        from jeugdhulp import airflow_support, pipeline

        return pipeline.refresh_marts(airflow_support.warehouse_url())

    refresh()


marts_refresh()

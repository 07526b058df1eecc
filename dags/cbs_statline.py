"""
### CBS StatLine: youth-care use, costs and population per gemeente → schema `cbs`

Loads the CBS open-data tables listed in `include/cbs/tables.yaml` for the 11 IJsselland
gemeenten, the jeugdregio, Overijssel (PV23) and Nederland (NL01):

| table | what | warehouse |
|---|---|---|
| 85100NED (2021→), 84135NED (2015–2020) | youths with jeugdzorg by form (rounded to 5) | `cbs.jeugdzorg_gebruik` |
| 85098NED | indicators jeugdzorg in natura (%) | `cbs.jeugdzorg_indicator` |
| 83454NED | municipal youth-care costs (CBS: × €1 000; stored in euro cents) | `cbs.jeugdzorg_kosten` |
| 03759ned | population on 1 January, single years 0–22 | `cbs.bevolking` → view `cbs.bevolking_jeugd` |

One mapped `load_table` task per table: a table whose CBS `Modified` date (and configuration)
did not change since its last load is **skipped** without writing anything; otherwise its
filtered cells are paged from CBS into staging with COPY, audited by the GX suite
`include/expectations/cbs_<table>.json` (non-negative, multiples of 5 where CBS rounds, known
regions and periods, no duplicate keys, all 11 gemeenten) and only then replace the published
rows. A shape change at CBS (a dimension, measure or code the configuration expects is gone) or a
failed suite fails the task without retries and leaves the published data as it was.

CBS host: HTTP connection `cbs_statline` (default `https://odata4.cbs.nl`; v3 calls go to
`opendata.cbs.nl`). When new data was published, the asset `jeugdhulp://warehouse/cbs` is
updated; a month without changes emits nothing. See `docs/cbs.md`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from jeugdhulp.cbs import CBS_ASSET_URI

CBS = Asset(CBS_ASSET_URI)


@dag(
    dag_id="cbs_statline",
    description="Monthly CBS StatLine youth-care, cost and population figures per gemeente into schema cbs",
    # monthly, on the 3rd at 06:00: CBS publishes youth-care and population updates irregularly
    schedule="0 6 3 * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["cbs", "statline", "open-data", "jeugdhulp"],
    default_args={"owner": "regio-ijsselland-data", "retries": 2, "retry_delay": pendulum.duration(minutes=10)},
)
def cbs_statline():
    @task
    def tables() -> list[str]:
        """Migrate the warehouse and list the configured tables (read at run time, not parse time)."""
        from jeugdhulp import airflow_support, warehouse
        from jeugdhulp.cbs import spec

        with warehouse.connect(airflow_support.warehouse_url()) as conn:
            warehouse.migrate(conn)
        return list(spec.load_config().tables)

    @task(max_active_tis_per_dagrun=2)
    def load_table(table_id: str, run_id: str | None = None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from jeugdhulp import airflow_support
        from jeugdhulp.cbs import load
        from jeugdhulp.cbs.client import CbsShapeError
        from jeugdhulp.cbs.connection import client_from_connection

        try:
            result = load.load_table(
                airflow_support.warehouse_url(), client_from_connection(), table_id, run_id=run_id
            )
        except (CbsShapeError, load.CbsQualityError) as exc:  # retrying will not help
            raise AirflowFailException(str(exc)) from exc
        return result.as_dict()

    @task(outlets=[CBS])
    def announce(results: list[dict]) -> list[str]:
        """Emit the asset only when something new was published (skip otherwise)."""
        from airflow.sdk.exceptions import AirflowSkipException

        from jeugdhulp import airflow_support
        from jeugdhulp.cbs import load

        changed = load.announce(airflow_support.warehouse_url())
        summary = ", ".join(f"{r['table_id']} {r['status']}" for r in results)
        if not changed:
            raise AirflowSkipException(f"no CBS table changed ({summary})")
        return changed

    announce(load_table.expand(table_id=tables()))


cbs_statline()

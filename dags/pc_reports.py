"""
### P&C reports: bestuursrapportage per quarter, jaarverslag input per year

For every gemeente of jeugdhulpregio IJsselland and for the region as a whole, one report per
period in three files: **PDF** and **HTML** with charts, and an **XLSX** with the underlying tables.

* budget vs realisation vs forecast per productcategorie, and the monthly trend;
* youths in care per 1,000 inhabitants aged 0-17 next to the other gemeenten and CBS Nederland;
* inflow/outflow of care trajectories with the reasons they ended; the largest providers by cost;
* the declaration-lag completion estimate (chain-ladder) with its uncertainty band;
* on the cover the data state: period **closed or provisional** (`mart.pc_gemeente_maand_vastgesteld`),
  the **peildatum** (latest declaration date) and the data-quality caveats.

Counts of 1-4 youths or trajectories are shown as `<5` in every output. Dutch notation
(€ 1.234,56; dd-mm-jjjj).

Two DAGs from this file:

| DAG | schedule | default period |
|---|---|---|
| `pc_reports_quarterly` | 20 Jan/Apr/Jul/Oct 07:00 | the previous quarter (`2025-Q4`) |
| `pc_reports_annual` | 1 April 07:00 | the previous year (`2025`) |

Trigger with the param `period` (e.g. `2025-Q3` / `2025`) to rerun a period, and `gemeenten`
(CBS codes, `regio` for the region) to limit the run; both may stay empty. An empty `period` is the
quarter/year before the run's logical date, so a backfill gives every run its own period. A period
that is not a quarter/year, or one the reports library refuses (no data, in the future), fails the
`plan`/`render` task with that sentence in its log; nothing is written for it.

**Freshness.** The DAGs keep their cron schedule (a report per quarter, not per data change), and
`plan` checks the asset `jeugdhulp://warehouse/marts` (emitted by `marts_refresh`) against the
source assets (iJw core, contract, CBS): when data arrived after the last mart refresh, `plan` fails
with what changed when, and retries (2 x 5 min) while `marts_refresh` catches up.

Files go to the outbox
(`ObjectStoragePath`: Variable `jeugdhulp_outbox_url`, else `JEUGDHULP_OUTBOX`, locally
`.local/data/outbox`) under `<period>/`, with a `manifest.json`; a rerun overwrites them.
The logic is `jeugdhulp.reports`; `jeugdhulp report --period 2025-Q4` does the same from the CLI.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, task

from jeugdhulp.cbs import CBS_ASSET_URI
from jeugdhulp.config import CORE_CONTRACT_ASSET_URI, CORE_IJW_ASSET_URI, MARTS_ASSET_URI
from jeugdhulp.reference import GEMEENTEN

DEFAULT_ARGS = {"owner": "regio-ijsselland-data", "retries": 2, "retry_delay": pendulum.duration(minutes=5)}
MARTS = Asset(MARTS_ASSET_URI)
SOURCES = [Asset(CORE_IJW_ASSET_URI), Asset(CORE_CONTRACT_ASSET_URI), Asset(CBS_ASSET_URI)]
SCOPES = {"regio": "regio (heel IJsselland)", **{code: f"{code} {naam}" for code, naam in GEMEENTEN.items()}}


def pc_reports(dag_id: str, kind: str, schedule: str, example: str, description: str):
    @dag(
        dag_id=dag_id,
        description=description,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
        catchup=False,
        max_active_runs=1,
        doc_md=__doc__,
        tags=["p&c", "reports", "jeugdhulp"],
        params={
            # both may be empty (null): the Trigger form stays usable; plan() checks them and says what is wrong
            "period": Param(None, type=["null", "string"], title="Period",
                            description=f"a {kind} like {example}; empty: the {kind} before the run's logical date"),
            "gemeenten": Param(None, type=["null", "array"], items={"type": "string"}, title="Gemeenten",
                               examples=list(SCOPES), values_display=SCOPES,
                               description="CBS codes, or regio for the region; empty: the region and every gemeente"),
        },
        default_args=DEFAULT_ARGS,
    )
    def pc_reports_dag():
        @task(inlets=[MARTS, *SOURCES])
        def plan(params: dict | None = None, logical_date=None, dag_run=None, inlet_events=None) -> list[dict]:
            """The period (param, else the one before the logical date), fresh marts, the reports to make."""
            from airflow.sdk.exceptions import AirflowFailException

            from jeugdhulp import airflow_support, reports, warehouse

            stale = airflow_support.stale_marts(inlet_events, MARTS, SOURCES)
            if stale:
                raise RuntimeError(stale)  # retried: marts_refresh is expected to catch up
            params = params or {}
            try:
                period = airflow_support.report_period(
                    kind, params.get("period"), logical_date or getattr(dag_run, "run_after", None) or pendulum.now())
                with warehouse.connect(airflow_support.warehouse_url()) as conn:
                    reports.check_ready(conn)
                    reports.check_period(conn, period)  # not begun, or no declaration in it: no reports of zeros
                    known = ["regio"] + [s.gemeente for s in reports.scopes(conn) if s.gemeente]
                wanted = airflow_support.report_gemeenten(params.get("gemeenten"), known)
            except (reports.PeriodError, reports.ReportDataError, ValueError) as exc:  # retrying will not help
                raise AirflowFailException(str(exc)) from exc
            return [{"period": period.code, "gemeente": g} for g in wanted]

        @task(max_active_tis_per_dagrun=2, map_index_template="{{ scope }}")
        def render(period: str, gemeente: str) -> dict:
            from airflow.sdk import get_current_context
            from airflow.sdk.exceptions import AirflowFailException

            from jeugdhulp import airflow_support, reports, warehouse

            get_current_context()["scope"] = SCOPES.get(gemeente, gemeente)  # the task's name in the UI
            try:
                with warehouse.connect(airflow_support.warehouse_url()) as conn:
                    return reports.run(conn, period, gemeente, airflow_support.storage("outbox"))
            except (reports.PeriodError, reports.ReportDataError) as exc:  # no data for it: no empty report
                raise AirflowFailException(str(exc)) from exc

        @task
        def manifest(results: list[dict]) -> str:
            from jeugdhulp import airflow_support, reports

            results = list(results)
            return reports.write_manifest(results, airflow_support.storage("outbox"), results[0]["period"])

        manifest(render.expand_kwargs(plan()))

    return pc_reports_dag()


pc_reports("pc_reports_quarterly", "quarter", "0 7 20 1,4,7,10 *", "2025-Q3",
           "Bestuursrapportage per gemeente and region (PDF, HTML, XLSX) for the previous quarter")
pc_reports("pc_reports_annual", "year", "0 7 1 4 *", "2025",
           "Jaarverslag input per gemeente and region (PDF, HTML, XLSX) for the previous year")

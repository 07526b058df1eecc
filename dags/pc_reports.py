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

Trigger with the param `period` (e.g. `2025-Q3` / `2025`) to rerun or backfill a period, and
`gemeenten` (CBS codes, `regio` for the region) to limit the run. Files go to the outbox
(`ObjectStoragePath`: Variable `jeugdhulp_outbox_url`, else `JEUGDHULP_OUTBOX`, locally
`.local/data/outbox`) under `<period>/`, with a `manifest.json`; a rerun overwrites them.
The logic is `jeugdhulp.reports`; `jeugdhulp report --period 2025-Q4` does the same from the CLI.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

DEFAULT_ARGS = {"owner": "regio-ijsselland-data", "retries": 2, "retry_delay": pendulum.duration(minutes=5)}


def pc_reports(dag_id: str, kind: str, schedule: str, pattern: str, example: str):
    @dag(
        dag_id=dag_id,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
        catchup=False,
        max_active_runs=1,
        doc_md=__doc__,
        tags=["p&c", "reports", "jeugdhulp"],
        params={
            "period": Param("", type="string", pattern=pattern,
                            description=f"e.g. {example}; empty: the previous {kind} before the run date"),
            "gemeenten": Param([], type="array", items={"type": "string"},
                               description="CBS codes (e.g. 0193) or 'regio'; empty: the region and every gemeente"),
        },
        default_args=DEFAULT_ARGS,
    )
    def pc_reports_dag():
        @task
        def plan(params: dict | None = None, logical_date=None, dag_run=None) -> list[dict]:
            """The period (param, else the one before the run date) and the reports to make."""
            from airflow.sdk.exceptions import AirflowFailException

            from jeugdhulp import airflow_support, reports, warehouse

            params = params or {}
            when = logical_date or getattr(dag_run, "run_after", None) or pendulum.now()
            try:
                period = (reports.Period.parse(params["period"]) if params.get("period")
                          else reports.Period.previous(kind, pendulum.instance(when).in_tz("Europe/Amsterdam").date()))
                with warehouse.connect(airflow_support.warehouse_url()) as conn:
                    reports.check_ready(conn)
                    known = ["regio"] + [s.gemeente for s in reports.scopes(conn) if s.gemeente]
            except (reports.PeriodError, reports.ReportDataError) as exc:  # retrying will not help
                raise AirflowFailException(str(exc)) from exc
            wanted = [str(g) for g in params.get("gemeenten") or []] or known
            unknown = sorted(set(wanted) - set(known))
            if unknown:
                raise AirflowFailException(f"unknown gemeente(n) {unknown}; known: {known}")
            return [{"period": period.code, "gemeente": g} for g in wanted]

        @task(max_active_tis_per_dagrun=2)
        def render(period: str, gemeente: str) -> dict:
            from jeugdhulp import airflow_support, reports, warehouse

            with warehouse.connect(airflow_support.warehouse_url()) as conn:
                return reports.run(conn, period, gemeente, airflow_support.storage("outbox"))

        @task
        def manifest(results: list[dict]) -> str:
            from jeugdhulp import airflow_support, reports

            results = list(results)
            return reports.write_manifest(results, airflow_support.storage("outbox"), results[0]["period"])

        manifest(render.expand_kwargs(plan()))

    return pc_reports_dag()


pc_reports("pc_reports_quarterly", "quarter", "0 7 20 1,4,7,10 *", r"^(\d{4}-Q[1-4])?$", "2025-Q3")
pc_reports("pc_reports_annual", "year", "0 7 1 4 *", r"^(\d{4})?$", "2025")

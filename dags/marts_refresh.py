"""
### Marts refresh

Recomputes the declaration-lag forecast and rebuilds the steering marts in schema `mart`
(materialized views, refreshed concurrently so finance staff reading them in Excel are never
blocked) whenever new data reaches core: iJw messages (`ijw_ingest`, `dq_replay`), the contract
workbook (`contract_master_data`) or CBS StatLine (`cbs_statline`).

| mart | grain | for |
|---|---|---|
| `declaratie_gemeente_maand` | gemeente × month × productcategorie | declared amount |
| `contract_realisatie` | aanbieder × month × product | declared / approved / rejected / credited vs contract tariff |
| `contract_plafond_aanbieder_jaar` | aanbieder × year | budget ceiling utilisation |
| `declaratiegedrag_aanbieder_maand`, `afwijzing_retourcode_aanbieder_maand` | aanbieder × month | rejections by retour code, credits, lag, DQ score |
| `dq_scorecard_aanbieder_maand` | aanbieder × month × message type | data quality |
| `instroom_uitstroom_gemeente_maand`, `trajectduur_gemeente_jaar`, `wachttijd_gemeente_maand` | gemeente | inflow/outflow and reasons, duration, waiting time |
| `pc_gemeente_maand`, `pc_gemeente_jaar`, `pc_gemeente_maand_vastgesteld` | gemeente | budget vs realisation vs commitments vs forecast; closed months frozen |
| `prognose_*` | gemeente × month | chain-ladder forecast of late declarations and its backtest |

Every mart column is documented with `COMMENT ON` (see `include/sql/marts/`); gemeente roles read
the `*_beveiligd` views. Closing a P&C month: `jeugdhulp pc close YYYY-MM`.

A successful refresh updates the asset `jeugdhulp://warehouse/marts`; the P&C report DAGs check it
is newer than the data before they render.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from jeugdhulp.cbs import CBS_ASSET_URI
from jeugdhulp.config import CORE_CONTRACT_ASSET_URI, CORE_IJW_ASSET_URI, MARTS_ASSET_URI


@dag(
    dag_id="marts_refresh",
    description="Recompute the forecast and refresh every mart when iJw, contract or CBS data changed",
    # any of the three sources changed
    schedule=(Asset(CORE_IJW_ASSET_URI) | Asset(CORE_CONTRACT_ASSET_URI) | Asset(CBS_ASSET_URI)),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["marts", "jeugdhulp"],
    default_args={"owner": "regio-ijsselland-data", "retries": 2, "retry_delay": pendulum.duration(minutes=2)},
)
def marts_refresh():
    @task(outlets=[Asset(MARTS_ASSET_URI)])
    def refresh() -> dict:
        from jeugdhulp import airflow_support, pipeline

        return pipeline.refresh_marts(airflow_support.warehouse_url())

    refresh()


marts_refresh()

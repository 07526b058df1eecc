"""
### Contract master data: Excel workbook → core.contract_* (versioned)

Contract management maintains the contracted providers, the tariff per product per year, the
budget ceiling per provider per year and the municipal budget (begroting) per productcategorie
per year in one Excel workbook (template `include/contract/contract_template.xlsx`, or
`jeugdhulp contract template OUT.xlsx`) and drops it in the folder `JEUGDHULP_CONTRACT_DIR`
(default `.local/data/contract`).

Once a day the newest `*.xlsx` there is validated and loaded by `jeugdhulp.contract`:

* **all or nothing** – if any row is bad (AGB not 8 digits, unknown gemeente or JZ020
  categorie, negative or non-integer cents, implausible year, duplicate key) the task fails
  with every problem listed (sheet, row, what to fix) and nothing is stored;
* **versioned** – an accepted workbook becomes a new `core.contract_versie`; the views
  `core.contract_tarief_actueel`, `core.contract_plafond_actueel`, `core.begroting_actueel`,
  `core.contract_aanbieder_actueel` show the latest;
* **idempotent** – a workbook whose SHA-256 was loaded before is skipped (the task is skipped,
  no asset event).

A new version updates the asset `jeugdhulp://warehouse/core/contract`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from jeugdhulp.config import CORE_CONTRACT_ASSET_URI

CORE_CONTRACT = Asset(CORE_CONTRACT_ASSET_URI)


@dag(
    dag_id="contract_master_data",
    description="Validate and load the newest contract workbook (tariffs, ceilings, begroting) as a new version",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["contract", "master-data", "jeugdhulp"],
    default_args={"owner": "regio-ijsselland-data", "retries": 1, "retry_delay": pendulum.duration(minutes=5)},
)
def contract_master_data():
    @task(outlets=[CORE_CONTRACT])
    def load_contract_workbook() -> dict:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from jeugdhulp import airflow_support, config, contract, warehouse

        folder = config.contract_dir()
        path = contract.newest_workbook(folder)
        if path is None:
            raise AirflowSkipException(f"no contract workbook (*.xlsx) in {folder}")
        try:
            with warehouse.connect(airflow_support.warehouse_url()) as conn:
                warehouse.migrate(conn)
                result = contract.load(conn, path)
        except contract.ContractWorkbookError as exc:  # a verdict on the file: retrying will not help
            raise AirflowFailException(str(exc)) from exc
        if not result.loaded:
            raise AirflowSkipException(f"{path.name} already loaded as versie {result.versie_id}")
        return result.as_dict()

    load_contract_workbook()


contract_master_data()

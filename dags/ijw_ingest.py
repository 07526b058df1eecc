"""
### iJw ingest: landing folder → staging → Great Expectations audit → core

Picks up every iJw 3.2 file (JW301 toewijzing, JW305/JW307 start/stop zorg, JW315/JW317
verzoeken, JW319 antwoord, JW323 declaratie, JW325 declaratie-antwoord) waiting in the landing
folder and ends each one in exactly one state in `meta.file_manifest`:

* **loaded** – parsed, BSN pseudonymised (HMAC key from connection `jeugdhulp_pseudonym`),
  COPYed to `staging`, audited, published to `core`;
* **quarantined** – with the reason (not well-formed, wrong message, duplicate
  BerichtIdentificatie, or its batch failed the quality gate); the file moves to
  `JEUGDHULP_QUARANTINE`.

Folders: Airflow Variables `jeugdhulp_landing_url`, `jeugdhulp_archive_url`,
`jeugdhulp_quarantine_url` (any `ObjectStoragePath` URL: `file://`, `s3://`, `sftp://`, with the
connection in Variable `jeugdhulp_storage_conn_id`), else the local folders `JEUGDHULP_LANDING`,
`JEUGDHULP_ARCHIVE`, `JEUGDHULP_QUARANTINE`. With Variable `ijw_xsd_dir` (or env `IJW_XSD_DIR`)
every file is also validated against the official iJw XSDs.

A file whose SHA-256 is already in the manifest is archived without touching the warehouse, so a
rerun changes nothing. Links, FIFOs and devices in landing are refused without being read,
sub-folders skipped (both recorded in the manifest); `*.part`, `*.tmp` and `.name` files are
uploads still being written and wait.

Crash-safe: a retry or the next run continues the batch a killed run left (never a second batch
beside it), ends the killed run's PostgreSQL work, finishes its file moves, and `validate` /
`publish` work on every batch not yet published or failed. Lines that break an iJw rule land in `dq.quarantine` with the rule and
retour code (suites in `include/expectations/`). When more lines fail than a suite allows the
`validate` task fails and nothing of the batch is published.

On a failed `validate`, open the task instance's **Data Docs** tab: it leads to the Great
Expectations page of the failing suite (plugin `plugins/jeugdhulp_ui.py`).

On success the asset `jeugdhulp://warehouse/core/ijw` is updated, which triggers `marts_refresh`; a run
that found no new file skips `publish` and emits nothing.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from jeugdhulp.config import CORE_IJW_ASSET_URI

CORE_IJW = Asset(CORE_IJW_ASSET_URI)


@dag(
    dag_id="ijw_ingest",
    description="iJw files from landing: pseudonymise, stage, audit with GX, publish to core (every 15 min)",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["ijw", "ingest", "jeugdhulp"],
    default_args={"owner": "regio-ijsselland-data", "retries": 2, "retry_delay": pendulum.duration(minutes=2)},
)
def ijw_ingest():
    @task
    def stage(run_id: str | None = None) -> dict:
        from jeugdhulp import airflow_support, pipeline

        return pipeline.stage(
            airflow_support.warehouse_url(),
            airflow_support.pseudonym_key(),
            run_id,
            landing=airflow_support.storage("landing"),
            archive=airflow_support.storage("archive"),
            quarantine=airflow_support.storage("quarantine"),
            xsd_dir=airflow_support.xsd_dir(),
        )

    @task
    def validate(staged: dict) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from jeugdhulp import airflow_support, pipeline, quality

        try:
            # every batch not yet published or failed: a batch a killed run left is audited too
            return pipeline.validate(airflow_support.warehouse_url(), quarantine=airflow_support.storage("quarantine"))
        except quality.QualityGateError as exc:  # a verdict, not a glitch: no retry
            raise AirflowFailException(str(exc)) from exc

    @task(outlets=[CORE_IJW])
    def publish(staged: dict, validated: dict) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from jeugdhulp import airflow_support, pipeline

        published = pipeline.publish(airflow_support.warehouse_url(), staged["batch_id"])
        if not staged.get("staged") and not staged.get("quarantined"):  # a skipped task emits no asset event
            raise AirflowSkipException("no new file in landing: nothing changed in core, marts_refresh is not triggered")
        return published

    staged = stage()
    publish(staged, validate(staged))


ijw_ingest()

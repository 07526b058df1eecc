"""
### Archive retention

Every day, removes archived and quarantined iJw originals (they hold raw BSNs) older than the
retention: `JEUGDHULP_ARCHIVE_RETENTION_DAYS` (default 730 days). A file whose batch is not
finished, or whose move is still pending, stays. The manifest rows stay, marked `purged_at`, so a
re-delivered file is still recognised. The same as `jeugdhulp archive purge [--dry-run]`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="archive_retention",
    description="Remove archived and quarantined originals past JEUGDHULP_ARCHIVE_RETENTION_DAYS (daily)",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["ijw", "privacy", "jeugdhulp"],
    default_args={"owner": "regio-ijsselland-data", "retries": 1, "retry_delay": pendulum.duration(minutes=10)},
)
def archive_retention():
    @task
    def purge() -> dict:
        from jeugdhulp import airflow_support, landing, warehouse

        days = landing.retention_days()
        with warehouse.connect(airflow_support.warehouse_url()) as conn:
            warehouse.migrate(conn)
            report = landing.purge(conn, [airflow_support.storage("archive"), airflow_support.storage("quarantine")], days)
        return {"older_than_days": days, "files": report.files, "bytes": report.bytes, "kept": report.kept}

    purge()


archive_retention()

"""The ingest and refresh steps as plain functions: the DAG tasks call these, so do tests.

Each step opens its own connection from a libpq URL, so it runs the same in an Airflow worker,
in the CLI and in tests.
"""

from __future__ import annotations

import logging

from jeugdhulp import mart_quality, marts, quality, warehouse
from jeugdhulp.privacy import Pseudonymiser

log = logging.getLogger(__name__)

#: every staging table has a GX suite of the same name in include/expectations/
DATASETS = tuple(
    warehouse.dataset(table) for tables in warehouse.STAGING.values() for table, _ in tables
)


def stage(url: str, pseudonym_key: str, run_id: str | None = None, **paths) -> dict:
    """Migrate, open a batch and stage every waiting landing file. Returns a JSON-able report."""
    with warehouse.connect(url) as conn:
        warehouse.migrate(conn)
        batch_id = warehouse.start_batch(conn, run_id)
        report = warehouse.stage_landing(conn, batch_id, Pseudonymiser(pseudonym_key), **paths)
    log.info(report.summary())  # each quarantined file was logged with its reason while staging
    return {
        "batch_id": batch_id,
        "staged": len(report.staged),
        "quarantined": report.quarantined,
        "already_processed": len(report.already_processed),
        "rows": report.rows,
    }


def validate(url: str, batch_id: int) -> dict:
    """Audit the staged batch; on a quality-gate failure the batch is marked failed and re-raised."""
    with warehouse.connect(url) as conn:
        outcomes = [quality.validate_batch(conn, url, dataset, batch_id) for dataset in DATASETS]
        warehouse.quarantine_orphans(conn, batch_id)
        try:
            quality.gate(outcomes)
        except quality.QualityGateError as exc:
            warehouse.fail_batch(conn, batch_id, str(exc))
            raise
    return {o.dataset: {"rows_checked": o.rows_checked, "rows_quarantined": o.rows_quarantined} for o in outcomes}


def publish(url: str, batch_id: int) -> dict:
    with warehouse.connect(url) as conn:
        added = warehouse.publish(conn, batch_id)
    log.info("batch %s published: %s", batch_id, added)
    return added


def refresh_marts(url: str) -> dict:
    """Refresh the forecast and every mart, then check each mart with its GX suite (raises
    MartQualityError naming the failing rules)."""
    with warehouse.connect(url) as conn:
        warehouse.migrate(conn)
        counts = marts.refresh(conn)
    rules = mart_quality.check(url, marts.MARTS)
    return {**counts, "mart_rules_passed": len(rules)}


def replay(url: str, batch_id: int, run_id: str | None = None) -> dict:
    """Re-audit what batch ``batch_id`` left unpublished (after a fix of the rules or of the
    reference data) in a new batch, and publish what now passes."""
    with warehouse.connect(url) as conn:
        warehouse.migrate(conn)
        new = warehouse.restage_for_replay(conn, batch_id, run_id)
    validated = validate(url, new)
    return {"batch_id": new, "replay_of": batch_id, "validated": validated, "published": publish(url, new)}


def run_ingest(url: str, pseudonym_key: str, run_id: str | None = None, **paths) -> dict:
    """stage -> validate -> publish in one call (CLI and benchmarks; the DAG runs them as tasks)."""
    staged = stage(url, pseudonym_key, run_id, **paths)
    validated = validate(url, staged["batch_id"])
    return {**staged, "validated": validated, "published": publish(url, staged["batch_id"])}

"""The ingest and refresh steps as plain functions: the DAG tasks call these, so do tests.

Each step opens its own connection from a libpq URL, so it runs the same in an Airflow worker,
in the CLI and in tests. Each ingest step first takes over from a run that died
(``recovery.ingest_session``) and works on every batch not yet published or failed, so whatever
dies when, a rerun or retry brings every batch to published or failed-with-reason.
"""

from __future__ import annotations

import logging

from jeugdhulp import landing, mart_quality, marts, publish as publishing, quality, recovery, staging, warehouse
from jeugdhulp.privacy import checked_pseudonymiser

log = logging.getLogger(__name__)

#: every staging table has a GX suite of the same name in include/expectations/
DATASETS = tuple(
    warehouse.dataset(table) for tables in warehouse.STAGING.values() for table, _ in tables
)


def stage(url: str, pseudonym_key: str, run_id: str | None = None, **paths) -> dict:
    """Migrate, finish what a dead run left (file moves, the open batch) and stage every waiting
    landing file into the open batch. Returns a JSON-able report."""
    with recovery.ingest_session(url) as (conn, _):
        warehouse.migrate(conn)
        pseudonymise = checked_pseudonymiser(conn, pseudonym_key)  # refuses a key other than the warehouse's
        not_moved = landing.finish_moves(conn)
        batch_id = staging.open_batch(conn, run_id)
        report = staging.stage_landing(conn, batch_id, pseudonymise, **paths)
    log.info(report.summary())  # each quarantined file was logged with its reason while staging
    return {
        "batch_id": batch_id,
        "staged": len(report.staged),
        "quarantined": report.quarantined,
        "already_processed": len(report.already_processed),
        "rows": report.rows,
        "refused": report.refused,
        "not_moved": {**not_moved, **report.not_moved},
    }


def _validate(conn, step_url: str, batch_id: int, quarantine) -> dict:
    outcomes = [quality.validate_batch(conn, step_url, dataset, batch_id) for dataset in DATASETS]
    publishing.quarantine_orphans(conn, batch_id)
    try:
        quality.gate(outcomes)
    except quality.QualityGateError as exc:
        publishing.fail_batch(conn, batch_id, str(exc), quarantine)
        raise
    publishing.mark_validated(conn, batch_id)
    return {o.dataset: {"rows_checked": o.rows_checked, "rows_quarantined": o.rows_quarantined} for o in outcomes}


def _summed(results: list[dict]) -> dict:
    total: dict = {}
    for result in results:
        for key, value in result.items():
            if isinstance(value, dict):
                total[key] = {k: total.get(key, {}).get(k, 0) + v for k, v in value.items()}
            else:
                total[key] = total.get(key, 0) + value
    return total


def validate(url: str, batch_id: int | None = None, *, quarantine=None) -> dict:
    """Audit ``batch_id``, or every batch not yet published or failed (oldest first). A batch that
    fails its quality gate is marked failed, its files quarantined (moved to ``quarantine``), and
    the first QualityGateError is raised once every batch was audited. Returns per dataset the
    rows checked and quarantined."""
    with recovery.ingest_session(url) as (conn, step_url):
        ids = [batch_id] if batch_id is not None else publishing.batches(conn, *staging.OPEN)
        results, errors = [], []
        for batch in ids:
            status = publishing.batch_status(conn, batch)
            if status not in staging.OPEN:
                raise ValueError(f"batch {batch} is {status}: there is nothing to audit")
            try:
                results.append(_validate(conn, step_url, batch, quarantine))
            except quality.QualityGateError as exc:
                errors.append(exc)
    if errors:
        raise errors[0]
    return _summed(results)


def publish(url: str, batch_id: int | None = None) -> dict:
    """Publish ``batch_id``, or every validated batch (oldest first); rows added per core table."""
    with recovery.ingest_session(url) as (conn, _):
        ids = [batch_id] if batch_id is not None else publishing.batches(conn, "validated")
        added = _summed([publishing.publish(conn, batch) for batch in ids])
    log.info("batches %s published: %s", ids, added)
    return added


def refresh_marts(url: str, progress=None) -> dict:
    """Refresh the forecast and every mart, then check each mart with its GX suite (raises
    MartQualityError naming the failing rules). ``progress``: see ``marts.refresh``."""
    with warehouse.connect(url) as conn:
        warehouse.migrate(conn)
        counts = marts.refresh(conn, progress)
    rules = mart_quality.check(url, marts.MARTS)
    return {**counts, "mart_rules_passed": len(rules)}


def replay(url: str, batch_id: int, run_id: str | None = None, *, quarantine=None) -> dict:
    """Re-audit what batch ``batch_id`` left unpublished (after a fix of the rules or of the
    reference data) in a new batch, and publish what now passes. A batch a dead run left open
    (never audited or published) is itself audited and published."""
    with recovery.ingest_session(url) as (conn, step_url):
        warehouse.migrate(conn)
        if publishing.batch_status(conn, batch_id) in staging.OPEN:
            new = batch_id
        else:
            new = publishing.restage_for_replay(conn, batch_id, run_id)
        validated = _validate(conn, step_url, new, quarantine)
        published = publishing.publish(conn, new)
    return {"batch_id": new, "replay_of": batch_id, "validated": validated, "published": published}


def run_ingest(url: str, pseudonym_key: str, run_id: str | None = None, **paths) -> dict:
    """stage -> validate -> publish in one call (CLI and benchmarks; the DAG runs them as tasks)."""
    staged = stage(url, pseudonym_key, run_id, **paths)
    validated = validate(url, quarantine=paths.get("quarantine"))
    return {**staged, "validated": validated, "published": publish(url)}

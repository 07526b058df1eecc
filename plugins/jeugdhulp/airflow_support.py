"""The only module that talks to Airflow: connections to URLs and keys, and what a task reads from its
run (the report period of a run, the freshness of the marts asset). Imported by DAG tasks."""

from __future__ import annotations

from urllib.parse import quote

from jeugdhulp import config, privacy


def warehouse_url() -> str:
    """libpq URL of the warehouse from the Airflow connection ``jeugdhulp_warehouse``."""
    from airflow.sdk import BaseHook

    c = BaseHook.get_connection(config.WAREHOUSE_CONN_ID)
    auth = quote(c.login or "", safe="") + (":" + quote(c.password, safe="") if c.password else "")
    return f"postgresql://{auth}@{c.host or 'localhost'}:{c.port or 5432}/{c.schema or 'warehouse'}"


def pseudonym_key() -> str:
    """HMAC key from the connection ``jeugdhulp_pseudonym`` (password), else the env var."""
    from airflow.sdk.exceptions import AirflowNotFoundException
    from airflow.sdk import BaseHook

    try:
        password = BaseHook.get_connection(privacy.KEY_CONN_ID).password
    except AirflowNotFoundException:
        password = None
    return password or privacy.key_from_env()


def storage(kind: str):
    """Landing/archive/quarantine/outbox folder as an ObjectStoragePath.

    The Airflow Variable ``jeugdhulp_<kind>_url`` (e.g. ``s3://ijw-landing/ijsselland/``) wins;
    otherwise the local folder from ``JEUGDHULP_<KIND>``. The Variable ``jeugdhulp_storage_conn_id``
    names the connection for remote storage.
    """
    from airflow.sdk import ObjectStoragePath, Variable

    local = {"landing": config.landing_dir, "archive": config.archive_dir, "quarantine": config.quarantine_dir,
             "outbox": config.outbox_dir}[kind]
    url = Variable.get(f"jeugdhulp_{kind}_url", default=None) or f"file://{local()}"
    return ObjectStoragePath(url, conn_id=Variable.get("jeugdhulp_storage_conn_id", default=None))


def xsd_dir() -> str | None:
    """Folder with the official iJw XSDs (Variable ``ijw_xsd_dir`` or env ``IJW_XSD_DIR``); optional."""
    import os

    from airflow.sdk import Variable

    return Variable.get("ijw_xsd_dir", default=None) or os.environ.get("IJW_XSD_DIR") or None


def report_period(kind: str, text: str | None, when):
    """The period a P&C report run makes: the ``period`` param when given, else the last complete
    quarter/year (``kind``) before ``when`` (the run's logical date, so every backfill run gets its own
    period). Raises ``reports.PeriodError`` with a sentence a person can act on."""
    import pendulum

    from jeugdhulp.reports import Period, PeriodError

    if text is not None and str(text).strip():
        period = Period.parse(text)
        if period.is_year != (kind == "year"):
            wanted = "a year like 2025" if kind == "year" else "a quarter like 2025-Q3"
            raise PeriodError(f"period {text!r}: this DAG makes {kind}ly reports, give {wanted} (or leave it empty)")
        return period
    return Period.previous(kind, pendulum.instance(when).in_tz("Europe/Amsterdam").date())


def report_gemeenten(wanted: list | None, known: list[str]) -> list[str]:
    """The scopes to render: the ``gemeenten`` param (CBS codes or ``regio``), else every known one."""
    wanted = [str(g).strip() for g in wanted or [] if str(g).strip()] or list(known)
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError(f"unknown gemeente(n) {', '.join(unknown)}: give CBS codes like 0193, or regio "
                         f"(known: {', '.join(known)}); leave it empty for all")
    return list(dict.fromkeys(wanted))


def stale_marts(inlet_events, marts, sources) -> str | None:
    """Why the marts are older than the data they are built from (None when they are not).

    Compares the newest asset event of ``marts`` with the newest event of each source asset, as
    Airflow recorded them (``inlet_events`` of a task whose ``inlets`` are all of these)."""

    def newest(asset):
        events = list(inlet_events[asset].ascending(False).limit(1))
        return events[0] if events else None

    refreshed = newest(marts)
    newer = [(asset, ev) for asset in sources if (ev := newest(asset)) is not None
             and (refreshed is None or ev.timestamp > refreshed.timestamp)]
    if not newer:
        return None
    changes = "; ".join(f"{asset.uri} changed at {ev.timestamp:%Y-%m-%d %H:%M:%S %Z} (by {ev.source_dag_id or 'an API call'})"
                        for asset, ev in newer)
    last = (f"the marts were last refreshed at {refreshed.timestamp:%Y-%m-%d %H:%M:%S %Z}" if refreshed
            else "the marts were never refreshed by marts_refresh")
    return (f"the marts are older than their data: {changes}, but {last}. marts_refresh runs on these changes; "
            "wait for it to finish (this task retries), or trigger marts_refresh when it is paused")

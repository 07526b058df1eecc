"""P&C cycle reports (bestuursrapportage per quarter, jaarverslag input per year) per gemeente and
for the region: HTML and PDF with charts, and an XLSX with the underlying tables.

    report = reports.build(conn, Period.parse("2025-Q4"), "0193")   # figures, suppressed
    files = reports.render(report)                                   # {file name: bytes}
    reports.write(files, Path("out") / "2025-Q4")                    # or an ObjectStoragePath

Plain functions on a psycopg connection: the DAG ``pc_reports_*``, the CLI (``jeugdhulp report``)
and the tests call the same code. Privacy: counts of 1-4 youths or trajectories are shown as "<5"
in every output, a cell hidden to protect one as "x" (:mod:`jeugdhulp.reports.model`).

A period that has not begun, or without a single declaration in the warehouse, is refused with
:class:`ReportPeriodError` (a :class:`PeriodError`): ``check_period`` lets a scheduler refuse it
before planning any report.
"""

from __future__ import annotations

import datetime as dt
import json

from jeugdhulp.reports.data import ReportDataError, ReportPeriodError, check_ready, scope_for, scopes
from jeugdhulp.reports.data import check_period as _check_period
from jeugdhulp.reports.fmt import HIDDEN, SUPPRESSED
from jeugdhulp.reports.model import Report, Scope
from jeugdhulp.reports.period import Period, PeriodError

__all__ = ["Period", "PeriodError", "Report", "ReportDataError", "ReportPeriodError", "check_period", "check_ready",
           "Scope", "SUPPRESSED", "HIDDEN", "build", "render", "write", "run", "scopes", "scope_for"]


def check_period(conn, period: Period | str, today: dt.date | None = None) -> Period:
    """The period, parsed; raises :class:`ReportPeriodError` if it has not begun on ``today`` or the
    warehouse holds no declaration for it (call it before planning reports: retrying does not help)."""
    period = Period.parse(str(period)) if not isinstance(period, Period) else period
    _check_period(conn, period, today)
    return period


def build(conn, period: Period | str, gemeente: str | None = None, now: dt.datetime | None = None) -> Report:
    """The report for ``gemeente`` (CBS code or name; None or 'regio' = the region) over ``period``."""
    from jeugdhulp.reports import data

    if isinstance(period, str):
        period = Period.parse(period)
    return data.collect(conn, period, scope_for(conn, gemeente), now=now)


def render(report: Report) -> dict[str, bytes]:
    """{'<stem>.html': …, '<stem>.pdf': …, '<stem>.xlsx': …}."""
    from jeugdhulp.reports import charts, output as r

    images = charts.render_all(report)
    stem = report.file_stem()
    return {
        f"{stem}.html": r.html(report, images).encode("utf-8"),
        f"{stem}.pdf": r.pdf(report, images),
        f"{stem}.xlsx": r.xlsx(report),
    }


def write(files: dict[str, bytes], dest) -> list[str]:
    """Write the files into ``dest`` (a pathlib.Path or an Airflow ObjectStoragePath); returns their paths."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name, content in files.items():
        target = dest / name
        target.write_bytes(content)
        out.append(str(target))
    return out


def run(conn, period: Period | str, gemeente: str | None, dest, now: dt.datetime | None = None) -> dict:
    """Build, render and write one report into ``dest``/<period>/; a JSON-able summary."""
    report = build(conn, period, gemeente, now=now)
    files = render(report)
    paths = write(files, dest / report.period.code)
    return {"period": report.period.code, "scope": report.scope.slug, "status": report.state.status,
            "peildatum": report.state.peildatum.isoformat(), "suppressed_cells": report.suppressed_cells,
            "files": paths}


def write_manifest(results: list[dict], dest, period: Period | str) -> str:
    """``<period>/manifest.json``: which reports were written, with their data state."""
    period = Period.parse(str(period))
    target = dest / period.code / "manifest.json"
    target.write_bytes(json.dumps({"period": period.code, "reports": results}, indent=2, ensure_ascii=False).encode())
    return str(target)

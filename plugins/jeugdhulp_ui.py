"""Airflow UI plugin: the Great Expectations Data Docs of the iJw ingest, one click from a task.

Airflow 3.1+ plugin interfaces (``airflow.plugins_manager.AirflowPlugin``):

* ``fastapi_apps`` mounts a small FastAPI app at ``/jeugdhulp`` in the Airflow API server:

  - ``/jeugdhulp/``: recent load batches with their validation summary and Data Docs links;
  - ``/jeugdhulp/dq/task-instance?dag_id=…&run_id=…[&task_id=…]``: the load batch of that DAG run
    (``meta.load_batch.run_id``) → redirect to the Data Docs page of the failing suite, scrolled to
    the failing expectation; a short list when several suites failed;
  - ``/jeugdhulp/data-docs/…``: the Data Docs folder (``JEUGDHULP_DATA_DOCS``) as static files.

  Every route requires an Airflow login with read access to the DAG's task instances (the
  API server's own JWT cookie / bearer token, checked by Airflow's ``requires_access_dag``).
* ``external_views`` put "Data Docs" in the Browse menu and a "Data Docs" tab on every DAG run and
  task instance (the UI fills ``{DAG_ID}``/``{RUN_ID}``/``{TASK_ID}`` and shows it in an iframe).

This file is imported by every Airflow component: the FastAPI app is only built when the API
server asks for ``fastapi_apps`` (a cached property), and the warehouse is only read per request.
"""

from __future__ import annotations

from functools import cached_property

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/jeugdhulp"
INGEST_DAG_ID = "ijw_ingest"
RECENT_BATCHES = 50


class JeugdhulpUIPlugin(AirflowPlugin):
    name = "jeugdhulp_ui"
    # hrefs without a leading slash: the UI resolves them against its base URL (works behind a proxy)
    external_views = [
        {
            "name": "Data Docs",
            "href": "jeugdhulp/",
            "destination": "nav",
            "category": "browse",
            "url_route": "jeugdhulp-data-docs",
        },
        {
            "name": "Data Docs",
            "href": "jeugdhulp/dq/task-instance?dag_id={DAG_ID}&run_id={RUN_ID}",
            "destination": "dag_run",
            "url_route": "jeugdhulp-data-docs-run",
        },
        {
            "name": "Data Docs",
            "href": "jeugdhulp/dq/task-instance?dag_id={DAG_ID}&run_id={RUN_ID}&task_id={TASK_ID}",
            "destination": "task_instance",
            "url_route": "jeugdhulp-data-docs-task",
        },
    ]

    @cached_property
    def fastapi_apps(self) -> list[dict]:  # type: ignore[override]
        return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "jeugdhulp Data Docs"}]


# --------------------------------------------------------------------------- warehouse reads


def warehouse_url() -> str:
    """libpq URL from the Airflow connection ``jeugdhulp_warehouse`` (env, secrets backend or DB)."""
    from urllib.parse import quote

    from airflow.models.connection import Connection

    from jeugdhulp import config

    c = Connection.get_connection_from_secrets(config.WAREHOUSE_CONN_ID)
    auth = quote(c.login or "", safe="") + (":" + quote(c.password, safe="") if c.password else "")
    return f"postgresql://{auth}@{c.host or 'localhost'}:{c.port or 5432}/{c.schema or 'warehouse'}"


def _query(sql: str, params: tuple = ()) -> list[dict]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(warehouse_url(), connect_timeout=10, row_factory=dict_row) as conn:
        conn.execute("SET TRANSACTION READ ONLY")
        return conn.execute(sql, params).fetchall()


def batch_of_run(run_id: str) -> dict | None:
    """The load batch of a DAG run; when a retried stage opened several, the last one audited."""
    rows = _query(
        "SELECT b.batch_id, b.run_id, b.status, b.message, b.started_at FROM meta.load_batch b "
        "WHERE b.run_id = %s ORDER BY EXISTS (SELECT 1 FROM dq.validation_result v "
        "WHERE v.batch_id = b.batch_id) DESC, b.batch_id DESC LIMIT 1",
        (run_id,),
    )
    return rows[0] if rows else None


def results_of_batch(batch_id: int) -> list[dict]:
    return _query(
        "SELECT dataset, regel_code, expectation, success, rows_checked, rows_failed, data_docs_page "
        "FROM dq.validation_result WHERE batch_id = %s "
        "ORDER BY rows_failed DESC, dataset, regel_code",
        (batch_id,),
    )


def recent_batches(limit: int = RECENT_BATCHES) -> list[dict]:
    return _query(
        """
        SELECT b.batch_id, b.run_id, b.status, b.started_at,
               count(v.regel_code) AS rules, count(v.regel_code) FILTER (WHERE NOT v.success) AS rules_failed,
               coalesce(sum(v.rows_failed), 0) AS rows_failed,
               (array_agg(v.data_docs_page ORDER BY v.rows_failed DESC, v.dataset)
                    FILTER (WHERE v.data_docs_page IS NOT NULL))[1] AS data_docs_page
        FROM meta.load_batch b LEFT JOIN dq.validation_result v USING (batch_id)
        GROUP BY b.batch_id ORDER BY b.batch_id DESC LIMIT %s
        """,
        (limit,),
    )


# --------------------------------------------------------------------------- Data Docs files


def docs_file(page: str | None):
    """Path of a Data Docs page inside the Data Docs folder, or None (missing / outside it)."""
    from jeugdhulp import config

    if not page:
        return None
    root = config.data_docs_dir().resolve()
    path = (root / page).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def expectation_anchor(page: str, regel_code: str) -> str:
    """``#section-N`` of the GX page section that shows the rule's expectation (descriptions start
    with ``iJw <regel_code> ``), so the browser scrolls to the failing expectation."""
    import re

    path = docs_file(page)
    if path is None:
        return ""
    html = path.read_text(errors="replace")
    at = html.find(f"iJw {regel_code} ")
    sections = re.findall(r'id="(section-\d+)"', html[:at]) if at >= 0 else []
    return f"#{sections[-1]}" if sections else ""


def docs_href(page: str, prefix: str) -> str:
    from urllib.parse import quote

    return prefix + "data-docs/" + quote(page)


# --------------------------------------------------------------------------- HTML

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a202c}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #cbd5e0;padding:.25rem .6rem;text-align:left}
th{background:#edf2f7}.failed{color:#c53030;font-weight:600}.ok{color:#2f855a}.muted{color:#718096}
"""


def page(title: str, body: str) -> str:
    from html import escape

    return (
        f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h2>{escape(title)}</h2>{body}</body></html>"
    )


def run_page(dag_id: str, run_id: str, task_id: str | None, batch: dict | None, results: list[dict], prefix: str) -> str:
    from html import escape

    head = f"<p class='muted'>DAG <b>{escape(dag_id)}</b>, run <b>{escape(run_id)}</b>" + (
        f", task <b>{escape(task_id)}</b>" if task_id else ""
    ) + "</p>"
    if batch is None:
        body = f"<p>No load batch was recorded for this DAG run (only <code>{INGEST_DAG_ID}</code> runs stage batches).</p>"
        return page("Data quality", head + body + f"<p><a href='{prefix}'>All recent batches</a></p>")
    body = (
        f"<p>Load batch <b>{batch['batch_id']}</b>, status <b>{escape(batch['status'])}</b></p>"
        + (f"<p class='failed'>{escape(batch['message'])}</p>" if batch.get("message") else "")
    )
    if not results:
        body += "<p>This batch has no validation results (nothing staged, or <code>validate</code> did not run).</p>"
    else:
        rows = []
        found = {p: docs_file(p) is not None for p in {r["data_docs_page"] for r in results}}
        for r in results:
            anchor = expectation_anchor(r["data_docs_page"], r["regel_code"]) if r["rows_failed"] else ""
            link = (
                f"<a href='{escape(docs_href(r['data_docs_page'], prefix) + anchor)}'>Data Docs</a>"
                if found[r["data_docs_page"]] else "<span class='muted'>page not found</span>"
            )
            css = "ok" if r["success"] else "failed"
            rows.append(
                f"<tr><td>{escape(r['dataset'])}</td><td class='{css}'>{escape(r['regel_code'])}</td>"
                f"<td>{escape(r['expectation'])}</td><td>{r['rows_failed']} / {r['rows_checked']}</td><td>{link}</td></tr>"
            )
        body += (
            "<table><tr><th>dataset</th><th>rule</th><th>expectation</th><th>rows failed</th><th></th></tr>"
            + "".join(rows) + "</table>"
        )
    return page("Data quality", head + body + f"<p><a href='{prefix}'>All recent batches</a></p>")


def index_page(batches: list[dict], prefix: str) -> str:
    from html import escape

    from jeugdhulp import config

    rows = []
    for b in batches:
        link = (
            f"<a href='{escape(docs_href(b['data_docs_page'], prefix))}'>Data Docs</a>"
            if docs_file(b["data_docs_page"]) else ""
        )
        css = "failed" if b["status"] == "failed" or b["rules_failed"] else "ok"
        run = escape(b["run_id"] or "")
        run_link = (
            f"<a href='{prefix}dq/task-instance?dag_id={INGEST_DAG_ID}&amp;run_id={escape(_q(b['run_id']))}'>{run}</a>"
            if b["run_id"] else "<span class='muted'>(outside Airflow)</span>"
        )
        rows.append(
            f"<tr><td>{b['batch_id']}</td><td>{run_link}</td><td>{escape(str(b['started_at'])[:19])}</td>"
            f"<td class='{css}'>{escape(b['status'])}</td><td>{b['rules']}</td><td class='{css}'>{b['rules_failed']}</td>"
            f"<td>{b['rows_failed']}</td><td>{link}</td></tr>"
        )
    body = (
        f"<p class='muted'>Data Docs folder: <code>{escape(str(config.data_docs_dir()))}</code> — "
        f"<a href='{prefix}data-docs/index.html'>GX site index</a></p>"
        "<table><tr><th>batch</th><th>DAG run</th><th>started</th><th>status</th><th>rules</th>"
        "<th>rules failed</th><th>rows failed</th><th></th></tr>" + "".join(rows) + "</table>"
        if rows else "<p>No load batches yet.</p>"
    )
    return page(f"Data quality: the last {RECENT_BATCHES} load batches", body)


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# --------------------------------------------------------------------------- the FastAPI app


def create_app():
    import logging

    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag

    log = logging.getLogger(__name__)
    app = FastAPI(title="jeugdhulp Data Docs", docs_url=None, redoc_url=None, openapi_url=None)
    # the Data Docs and the batch list belong to the ingest DAG; the run view to the DAG in the query
    read_ingest = [Depends(requires_access_dag("GET", DagAccessEntity.TASK_INSTANCE, param_dag_id=INGEST_DAG_ID))]
    read_run = [Depends(requires_access_dag("GET", DagAccessEntity.TASK_INSTANCE))]

    def unavailable(exc: Exception) -> HTMLResponse:
        log.exception("jeugdhulp Data Docs: warehouse query failed")
        return HTMLResponse(
            page("Data quality", f"<p class='failed'>The warehouse could not be read ({type(exc).__name__}); "
                 "see the API server log.</p>"),
            status_code=503,
        )

    @app.get("/", response_class=HTMLResponse, dependencies=read_ingest)
    def index():
        try:
            return HTMLResponse(index_page(recent_batches(), prefix=""))
        except Exception as exc:  # unreachable warehouse, missing connection, schema not migrated
            return unavailable(exc)

    @app.get("/dq/task-instance", dependencies=read_run)
    def task_instance(dag_id: str, run_id: str, task_id: str | None = None):
        try:
            # meta.load_batch has no dag_id and run ids repeat across DAGs (scheduled__<time>)
            batch = batch_of_run(run_id) if dag_id == INGEST_DAG_ID else None
            results = results_of_batch(batch["batch_id"]) if batch else []
        except Exception as exc:  # unreachable warehouse, missing connection, schema not migrated
            return unavailable(exc)
        # one failing suite (the usual stopped batch): straight to its failing expectation
        failed = [r for r in results if r["rows_failed"]]
        if len({r["dataset"] for r in failed}) == 1 and docs_file(failed[0]["data_docs_page"]):
            worst = failed[0]  # most rows failed first
            return RedirectResponse(
                docs_href(worst["data_docs_page"], "../") + expectation_anchor(worst["data_docs_page"], worst["regel_code"]),
                status_code=307,
            )
        pages = {r["data_docs_page"] for r in results if docs_file(r["data_docs_page"])}
        if not failed and len(pages) == 1:
            return RedirectResponse(docs_href(pages.pop(), "../"), status_code=307)
        # several failing suites, or several clean ones: the list, each rule with its link
        return HTMLResponse(run_page(dag_id, run_id, task_id, batch, results, prefix="../"))

    @app.get("/data-docs/{path:path}", dependencies=read_ingest)
    def data_docs(path: str = ""):
        target = docs_file(path or "index.html")
        if target is None:
            raise HTTPException(status_code=404, detail="not in the Data Docs folder")
        return FileResponse(target)

    return app

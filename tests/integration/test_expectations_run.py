"""Bug 5 of issue #11: an expectation that cannot run must never count as passed.

* every expectation of every suite (the nine staging suites, the four CBS suites, every mart suite)
  runs on clean data without raising (GX ``exception_info``: ``raised_exception`` false);
* an expectation forced to raise fails the quality gate of the ingest like a violation: the batch is
  marked failed and nothing of it reaches core; the mart check fails the same way.

Before the fix WJ001 of jw325_declaratie_antwoord raised on every run (``'{}'`` in its SQL is a
``str.format`` placeholder for GX), GX put the exception one level down in exception_info where the
gate did not look, no row was quarantined and the batch was published.
"""

from __future__ import annotations

import json
import shutil
import string

import mart_corpus
import pytest
from conftest import TEST_KEY
from ijw_berichten import (
    aangevraagd_product, jw301, jw305, jw307, jw315, jw317, jw319, jw323, jw325, line, run_batch, start_product,
    stop_product,
)
from test_dq_rules_cbs import TARGETS, _stage, rows

from jeugdhulp import config, gx_support, mart_quality, marts, pipeline, quality, warehouse
from jeugdhulp.cbs import load

pytestmark = pytest.mark.integration

SUITES = sorted(config.EXPECTATIONS_DIR.glob("*.json"))


def _raised(results) -> dict[str, str]:
    """{regel_code: exception message} of the expectations that raised."""
    return {(r.expectation_config.meta or {}).get("regel_code"): gx_support.raised(r.exception_info)
            for r in results if gx_support.raised(r.exception_info)}


def _codes(suite: dict) -> list[str]:
    return sorted(e["meta"]["regel_code"] for e in suite["expectations"])


@pytest.mark.parametrize("path", SUITES, ids=lambda p: p.stem)
def test_every_query_has_only_the_batch_placeholder(path):
    """GX fills an unexpected_rows query with str.format(batch=...): any other brace in the SQL
    ('{}' as an empty Postgres array, a regex quantifier) raises at run time."""
    for e in json.loads(path.read_text())["expectations"]:
        query = e["kwargs"].get("unexpected_rows_query")
        if query:
            fields = {f for _, f, _, _ in string.Formatter().parse(query) if f is not None}
            assert fields == {"batch"}, f"{path.name} {e['meta']['regel_code']}: placeholders {fields}"


def _clean_batch() -> list[tuple[str, bytes]]:
    """One clean message of every type, so every staging table has rows: assignment 1 (cat 45, 10 uur
    per maand) is started, stopped, declared (8 uur in March) and its line rejected (0611) by the JW325."""
    p1 = line(ref="P1", nummer=1)
    return [
        ("jw301.xml", jw301("T1", 1)),
        ("jw305.xml", jw305("S1", [start_product(1)])),
        ("jw307.xml", jw307("E1", [stop_product(1)])),
        ("jw315.xml", jw315("V1", [aangevraagd_product("V1")])),
        ("jw317.xml", jw317("W1", "W1", 1, 1)),
        ("jw319.xml", jw319("R1", "V1")),
        ("jw323.xml", jw323("D1", [p1])),
        ("jw325.xml", jw325("A1", "D1", [(p1, ["0611"])], ingediend=80000)),
    ]


def test_every_staging_expectation_runs_on_a_clean_batch(db_url, tmp_path):
    batch_id, passed = run_batch(db_url, tmp_path, _clean_batch(), key=TEST_KEY)
    assert passed
    for dataset in pipeline.DATASETS:
        suite = quality.load_suite_json(dataset)
        with warehouse.connect(db_url) as conn:
            assert conn.execute(f"SELECT count(*) FROM {suite['meta']['table']} WHERE batch_id = %s",
                                (batch_id,)).fetchone()[0] > 0, f"{dataset}: the clean batch must give it rows"
        result, _ = quality.run_suite(db_url, dataset, batch_id)
        assert sorted(r.expectation_config.meta["regel_code"] for r in result.results) == _codes(suite)
        assert _raised(result.results) == {}, dataset
        assert all(r.success for r in result.results), dataset


def test_every_cbs_expectation_runs_on_a_clean_load(db_url):
    with warehouse.connect(db_url) as conn:
        warehouse.migrate(conn)
        for load_id, target in enumerate(TARGETS, start=1):
            _stage(conn, target, load_id, rows(target))
    for load_id, target in enumerate(TARGETS, start=1):
        suite = load.load_suite(target)
        result = load.run_suite(db_url, suite, load_id)
        assert sorted(r.expectation_config.meta["regel_code"] for r in result.results) == _codes(suite)
        assert _raised(result.results) == {}, target
        assert all(r.success for r in result.results), target


def test_every_mart_expectation_runs_on_a_clean_warehouse(conn, db_url):
    mart_corpus.seed(conn)
    marts.refresh(conn)
    for mart in marts.MARTS:
        suite = json.loads(mart_quality.suite_path(mart).read_text())
        result = mart_quality.run_suite(db_url, mart)
        assert sorted(r.expectation_config.meta["regel_code"] for r in result.results) == _codes(suite)
        assert _raised(result.results) == {}, mart


# ------------------------------------------------------------------------ a rule that cannot run

#: the WJ001 query as it was before the fix: GX raises on its '{}'
RAISING = {
    "type": "unexpected_rows_expectation",
    "kwargs": {"unexpected_rows_query": "SELECT row_id FROM {batch} WHERE NOT (header_retour_codes || "
                                        "coalesce(antwoord_retour_codes, '{}') <@ ARRAY['0200', '8001', '0611'])"},
    "meta": {"regel_code": "KAPOT", "retour_code": "0001", "omschrijving": "een regel die niet kan draaien"},
}


@pytest.fixture
def raising_suites(tmp_path, monkeypatch):
    """The production suites, with RAISING added to jw325_declaratie_antwoord."""
    directory = tmp_path / "expectations"
    shutil.copytree(config.EXPECTATIONS_DIR, directory)
    path = directory / "jw325_declaratie_antwoord.json"
    suite = json.loads(path.read_text())
    suite["expectations"].append(RAISING)
    path.write_text(json.dumps(suite))
    monkeypatch.setattr(config, "EXPECTATIONS_DIR", directory)


def test_a_rule_that_cannot_run_fails_the_gate_and_nothing_is_published(db_url, tmp_path, raising_suites):
    batch_id, passed = run_batch(db_url, tmp_path / "files", _clean_batch(), publish=True, key=TEST_KEY)
    assert not passed  # before the fix: True, and the batch was published
    with warehouse.connect(db_url) as conn:
        status, message = conn.execute("SELECT status, message FROM meta.load_batch WHERE batch_id = %s",
                                       (batch_id,)).fetchone()
        assert status == "failed"
        assert "KAPOT could not run" in message and "jeugdhulp dq replay" in message
        assert conn.execute("SELECT success, rows_failed FROM dq.validation_result WHERE batch_id = %s "
                            "AND regel_code = 'KAPOT'", (batch_id,)).fetchone() == (False, 0)
        for table in ("core.toewijzing", "core.declaratie_regel", "core.declaratie_antwoord", "core.zorg_start_mutatie"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        assert {s for (s,) in conn.execute("SELECT DISTINCT state FROM meta.file_manifest WHERE batch_id = %s",
                                           (batch_id,))} == {"quarantined"}


def test_the_gate_names_a_rule_that_cannot_run():
    ok = quality.RuleResult("TR135", "8848", "unexpected_rows_expectation", True, [])
    kapot = quality.RuleResult("KAPOT", "0001", "unexpected_rows_expectation", False, [], "Unsubstitutable brace")
    outcome = quality.ValidationOutcome("jw325_declaratie_antwoord", 7, rows_checked=10, rules=[ok, kapot],
                                        max_failed_share=0.5)
    assert outcome.failed_share == 0  # no row failed, yet the batch may not pass
    with pytest.raises(quality.QualityGateError, match="KAPOT could not run: Unsubstitutable brace"):
        quality.gate([outcome])
    quality.gate([quality.ValidationOutcome("jw325_declaratie_antwoord", 7, 10, rules=[ok], max_failed_share=0.5)])


def test_a_mart_rule_that_cannot_run_fails_the_mart_check(conn, db_url, monkeypatch, tmp_path):
    mart_corpus.seed(conn)
    marts.refresh(conn)
    mart = "mart.trajectduur_gemeente_jaar"
    path = tmp_path / mart_quality.suite_path(mart).name
    suite = json.loads(mart_quality.suite_path(mart).read_text())
    suite["expectations"].append({**RAISING, "kwargs": {"unexpected_rows_query": "SELECT * FROM {batch} WHERE '{}' = ''"}})
    path.write_text(json.dumps(suite))
    monkeypatch.setattr(mart_quality, "suite_path", lambda m: path if m == mart else tmp_path / "unused")
    results = mart_quality.validate(db_url, mart)
    kapot = [r for r in results if r.regel_code == "KAPOT"]
    assert len(kapot) == 1 and not kapot[0].success and kapot[0].error
    assert all(r.success for r in results if r.regel_code != "KAPOT")
    with pytest.raises(mart_quality.MartQualityError, match="KAPOT .*could not run"):
        mart_quality.check(db_url, (mart,))

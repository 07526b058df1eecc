"""Every expectation of every GX suite in include/expectations/ is broken by at least one violation
case: the message suites (jw*) by test_dq_rules.py (JW301/JW323) and test_dq_rules_berichten.py
(JW305 … JW325), the CBS suites (cbs_*) by test_dq_rules_cbs.py, the mart suites (mart_*) by the
tampered marts of test_marts_figures.py. A rule added to a suite without a case fails here, and so
does a case that still expects a rule no suite has any more. Needs no database.
"""

from __future__ import annotations

import json

import test_dq_rules
import test_dq_rules_berichten
import test_dq_rules_cbs

from jeugdhulp import config


def suite_rules() -> set[tuple[str, str]]:
    """(dataset, regel_code) of every expectation of every suite."""
    rules = set()
    for path in sorted(config.EXPECTATIONS_DIR.glob("*.json")):
        suite = json.loads(path.read_text())
        assert suite["meta"]["dataset"] == path.stem, path
        codes = [e["meta"]["regel_code"] for e in suite["expectations"]]
        assert len(codes) == len(set(codes)), f"{path.name}: a regel_code twice (results are keyed on it)"
        rules |= {(path.stem, code) for code in codes}
    return rules


def mart_cases() -> set[tuple[str, str]]:
    """(mart suite, regel_code) the tampered-mart cases of test_marts_figures.py break."""
    import test_marts_figures

    test = test_marts_figures.test_mart_suites_catch_an_inconsistent_mart
    (params,) = [m.args[1] for m in test.pytestmark if m.name == "parametrize"]
    return {(f"mart_{mart.split('.', 1)[1]}", code) for mart, _, codes in params for code in codes}


def covered() -> set[tuple[str, str]]:
    return test_dq_rules.covered() | test_dq_rules_berichten.covered() | test_dq_rules_cbs.covered()


def test_every_message_and_cbs_expectation_has_a_violation_case():
    rules = {r for r in suite_rules() if not r[0].startswith("mart_")}
    assert {dataset for dataset, _ in rules} >= {"jw301_toegewezen_product", "jw323_prestatie", "cbs_bevolking"}
    missing = sorted(rules - covered())
    assert missing == [], f"expectations without a violation case (add one to tests/integration/test_dq_rules*.py): {missing}"


def test_every_mart_expectation_has_a_tampered_mart_case():
    rules = {r for r in suite_rules() if r[0].startswith("mart_")}
    assert {dataset for dataset, _ in rules} >= {"mart_pc_gemeente_maand", "mart_contract_realisatie"}
    missing = sorted(rules - mart_cases())
    assert missing == [], f"mart rules without a case in test_marts_figures.py: {missing}"


def test_every_case_breaks_a_rule_that_exists():
    stale = sorted((covered() | mart_cases()) - suite_rules())
    assert stale == [], f"cases expect rules no suite has: {stale}"

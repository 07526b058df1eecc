"""Every expectation of the four CBS suites (include/expectations/cbs_*.json), fed a staged load
with one known defect: the production audit (jeugdhulp.cbs.load.audit) fails exactly the expected
rules, and each rule finds exactly the broken rows; a clean load passes.

A load is written straight into cbs.stg_<target> (as jeugdhulp.cbs.load._stage does after reading
CBS) with its own batch_id: 11 gemeenten, the jeugdregio, Overijssel and Nederland for one year.
Which rows break a rule is compared per rule: for an unexpected_rows rule the rows its query
returns, for a column rule the number of unexpected values the audit reports.
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass, field

import pytest
from ijw_berichten import rules_database

from jeugdhulp import config, quality, warehouse
from jeugdhulp.cbs import load

pytestmark = pytest.mark.integration

GM = ["GM0148", "GM0150", "GM0160", "GM0166", "GM1773", "GM0175", "GM0177", "GM0180", "GM1708", "GM1896", "GM0193"]
JAAR = "2024JJ00"


@dataclass(frozen=True)
class Target:
    tabel_id: str
    maat: str
    value: str  # the value column
    clean: object  # a clean value
    dim: str | None = None  # the extra dimension column (leeftijd, vorm)
    dim_values: tuple = ()
    regions: tuple = (*GM, "JZ06", "PV23", "NL01")


TARGETS = {
    "bevolking": Target("03759ned", "bevolking_1_januari", "aantal", 1200, "leeftijd",
                        tuple(f"{10000 + 100 * a}" for a in range(23))),
    "jeugdzorg_gebruik": Target("85100NED", "jongeren_met_jeugdzorg", "aantal", 125, "vorm", ("A028869", "A028870")),
    "jeugdzorg_indicator": Target("85098NED", "jeugdhulp_in_natura_pct", "waarde", 9.5),
    "jeugdzorg_kosten": Target("83454NED", "begrote_kosten", "bedrag_cent", 1_234_500_000, "vorm", ("A028869",),
                               regions=(*GM, "PV23", "NL01")),
}


def rows(target: str, periode: str = JAAR) -> list[dict]:
    """A clean load of ``target`` for one period."""
    t = TARGETS[target]
    out = []
    for regio in t.regions:
        for d in t.dim_values or (None,):
            row = {"tabel_id": t.tabel_id, "maat": t.maat, "regio": regio, "periode": periode, t.value: t.clean,
                   "geheim": False, "waarde_attribuut": None}
            if t.dim:
                row[t.dim] = d
            out.append(row)
    return out


@dataclass
class Case:
    """A load of ``target``: ``edit(rows)`` breaks the clean rows; ``expected`` {regel_code: SQL
    condition on the staged rows that must break it (None: a rule about the whole load)}."""

    target: str
    edit: object = None
    expected: dict[str, str | None] = field(default_factory=dict)


def _set(where, **values):
    """An edit: set ``values`` on the rows for which ``where(row)`` holds."""
    def edit(rs):
        for r in rs:
            if where(r):
                r.update(values)
        return rs
    return edit


def _first(**values):
    def edit(rs):
        rs[0].update(values)
        return rs
    return edit


def _drop(where):
    return lambda rs: [r for r in rs if not where(r)]


def _plus_year(periode):
    return lambda rs: rs + [{**r, "periode": periode} for r in rs]


def _duplicate_first(rs):
    return rs + [copy.deepcopy(rs[0])]


def _cases() -> dict[str, Case]:
    cases = {}
    for target, t in TARGETS.items():
        v = t.value
        first_key = f"regio = 'GM0148'" + (f" AND {t.dim} = '{t.dim_values[0]}'" if t.dim else "")
        cases |= {
            f"{target}: clean": Case(target),
            f"{target}: CBS-RIJEN an empty load": Case(target, lambda rs: [], {"CBS-RIJEN": None}),
            f"{target}: CBS-MAAT a cell without a measure": Case(target, _first(maat=None), {"CBS-MAAT": "maat IS NULL"}),
            f"{target}: CBS-REGIO a region outside the scope": Case(
                target, _set(lambda r: r["regio"] == "PV23", regio="PV25"), {"CBS-REGIO": "regio = 'PV25'"}),
            f"{target}: CBS-PERIODE a year before the Jeugdwet": Case(
                target, _plus_year("2014JJ00"), {"CBS-PERIODE": "periode = '2014JJ00'"}),
            f"{target}: CBS-UNIEK a cell twice": Case(target, _duplicate_first, {"CBS-UNIEK": first_key}),
            f"{target}: CBS-GEHEIM a value on a suppressed cell": Case(
                target, _first(geheim=True), {"CBS-GEHEIM": f"geheim AND {v} IS NOT NULL"}),
            f"{target}: CBS-GEMEENTEN a gemeente missing": Case(
                target, _drop(lambda r: r["regio"] == "GM0177"), {"CBS-GEMEENTEN": "true"}),
        }
    cases |= {
        # bevolking: single years 0-22 as denominators, never suppressed
        "bevolking: CBS-NIETNEG a negative count": Case("bevolking", _first(aantal=-5), {"CBS-NIETNEG": "aantal < 0"}),
        "bevolking: CBS-NOEMER a suppressed denominator": Case(
            "bevolking", _first(aantal=None, geheim=True), {"CBS-NOEMER": "aantal IS NULL"}),
        "bevolking: CBS-LEEFTIJDEN an age missing": Case(
            "bevolking", _drop(lambda r: r["regio"] == "GM0193" and r["leeftijd"] == "10500"),
            {"CBS-LEEFTIJDEN": "regio = 'GM0193'"}),
        "bevolking: CBS-PERIODE a half year (only years)": Case(
            "bevolking", _plus_year("2024HJ01"), {"CBS-PERIODE": "periode = '2024HJ01'"}),
        # jeugdzorg_gebruik: counts rounded to 5, half years allowed
        "jeugdzorg_gebruik: half years are allowed": Case("jeugdzorg_gebruik", _plus_year("2024HJ01")),
        "jeugdzorg_gebruik: a suppressed cell": Case("jeugdzorg_gebruik", _first(aantal=None, geheim=True)),
        "jeugdzorg_gebruik: CBS-NIETNEG a negative count": Case(
            "jeugdzorg_gebruik", _first(aantal=-5), {"CBS-NIETNEG": "aantal < 0"}),
        "jeugdzorg_gebruik: CBS-AFRONDING a count not rounded to 5": Case(
            "jeugdzorg_gebruik", _first(aantal=7), {"CBS-AFRONDING": "aantal = 7"}),
        "jeugdzorg_gebruik: CBS-VORM a cell without a form of care": Case(
            "jeugdzorg_gebruik", _first(vorm=None), {"CBS-VORM": "vorm IS NULL"}),
        # jeugdzorg_indicator: percentages
        "jeugdzorg_indicator: CBS-PERCENTAGE above 100": Case(
            "jeugdzorg_indicator", _first(waarde=100.5), {"CBS-PERCENTAGE": "waarde > 100"}),
        "jeugdzorg_indicator: CBS-PERCENTAGE below 0": Case(
            "jeugdzorg_indicator", _first(waarde=-0.1), {"CBS-PERCENTAGE": "waarde < 0"}),
        # jeugdzorg_kosten: whole thousands of euros in cents, no jeugdregio
        "jeugdzorg_kosten: CBS-REGIO the jeugdregio (CBS has no costs for it)": Case(
            "jeugdzorg_kosten", lambda rs: rs + [{**rs[0], "regio": "JZ06"}], {"CBS-REGIO": "regio = 'JZ06'"}),
        "jeugdzorg_kosten: CBS-NIETNEG negative costs": Case(
            "jeugdzorg_kosten", _first(bedrag_cent=-100_000), {"CBS-NIETNEG": "bedrag_cent < 0"}),
        "jeugdzorg_kosten: CBS-DUIZENDEN not whole thousands of euros": Case(
            "jeugdzorg_kosten", _first(bedrag_cent=1_234_567), {"CBS-DUIZENDEN": "bedrag_cent = 1234567"}),
        "jeugdzorg_kosten: CBS-VORM a cell without a form of care": Case(
            "jeugdzorg_kosten", _first(vorm=None), {"CBS-VORM": "vorm IS NULL"}),
    }
    return cases


CASES = _cases()
_loads = itertools.count(1_000_001)


@pytest.fixture(scope="module")
def cbs_db(pg_server):
    yield from rules_database(pg_server, "t_rules_cbs")


def _stage(conn, target: str, load_id: int, staged: list[dict]) -> None:
    if not staged:
        return
    cols = list(staged[0])
    with conn.transaction(), conn.cursor().copy(
        f"COPY cbs.stg_{target} (batch_id, {', '.join(cols)}) FROM STDIN"
    ) as copy_:
        for r in staged:
            copy_.write_row((load_id, *[r[c] for c in cols]))


@pytest.mark.parametrize("name", list(CASES))
def test_rule(name, cbs_db):
    case = CASES[name]
    table = f"cbs.stg_{case.target}"
    suite = load.load_suite(case.target)
    by_code = {e["meta"]["regel_code"]: e for e in suite["expectations"]}
    load_id = next(_loads)
    staged = rows(case.target)
    if case.edit:
        staged = case.edit(staged)
    with warehouse.connect(cbs_db) as conn:
        _stage(conn, case.target, load_id, staged)

        dq = load.audit(cbs_db, case.target, load_id)  # the production audit of a staged load

        assert {r["regel_code"] for r in dq["rules"] if not r["success"]} == set(case.expected)
        assert dq["success"] == (not case.expected)
        unexpected = {r["regel_code"]: r["unexpected"] for r in dq["rules"]}
        for code, where in case.expected.items():
            if where is None:
                continue
            want = {r[0] for r in conn.execute(
                f"SELECT row_id FROM {table} WHERE batch_id = %s AND ({where})", (load_id,))}
            assert want, f"{name}: the condition for {code} selects no row"
            exp = by_code[code]
            if exp["type"] == "unexpected_rows_expectation":
                query = quality._substitute_batch(exp["kwargs"]["unexpected_rows_query"], table, load_id)
                assert {r[0] for r in conn.execute(query)} == want, code
            else:
                assert unexpected[code] == len(want), code
        conn.execute(f"DELETE FROM {table} WHERE batch_id = %s", (load_id,))


def covered() -> set[tuple[str, str]]:
    """(suite, regel_code) the cases above break (for the suite-coverage test)."""
    return {(f"cbs_{case.target}", code) for case in CASES.values() for code in case.expected}


def test_the_targets_match_the_suites():
    """Each CBS suite in include/expectations has a target here, on the table the loader fills."""
    suites = {p.stem: json.loads(p.read_text()) for p in config.EXPECTATIONS_DIR.glob("cbs_*.json")}
    assert set(suites) == {f"cbs_{t}" for t in TARGETS}
    for target in TARGETS:
        assert suites[f"cbs_{target}"]["meta"]["table"] == f"cbs.stg_{target}"

"""Every iJw rule of the JW301 and JW323 suites, fed a batch with one known violation: exactly the
broken lines are quarantined, with exactly the expected rule and retour codes; a clean batch
passes. Cases that need history (an earlier declaration, its JW325, a credit) publish that
history in an earlier batch first; TR418 runs against a database with a contract loaded.

Messages are built from the small templates in tests/ijw_berichten.py (one assignment, one
declaration) so each case changes one thing; nothing is shared with the synthetic generator.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
from conftest import TEST_KEY
from ijw_berichten import BAD_BSN, jw301, jw323, jw325, line, omvang, rules_database, run_batch

from jeugdhulp import warehouse

pytestmark = pytest.mark.integration

_ids = itertools.count(1)
#: the tariff table of the contract database (TR418 cases): (jaar, categorie, code, eenheid, tarief)
CONTRACT = [(2025, "45", "45A03", "04", 10000), (2025, "45", "45A12", "01", 172), (2025, "50", "50A01", "83", None)]


@dataclass
class Case:
    """One batch: an assignment (JW301 overrides; ``toewijzingen``: more assignments of the same
    client, numbered +1, +2, ...) and declaration lines (``decl: 2`` puts a line in a second
    JW323), with the expected quarantine {'L1' (ReferentieNummer) | 'toewijzing' | 'toewijzing1'
    ...: {codes}}.

    History, published in an earlier batch together with the assignments: ``earlier`` (lines
    'E1', 'E2', ... of an earlier JW323), ``earlier_answer`` (its JW325: {'rejected': {ref:
    codes}, other jw325() keywords}) and ``answer_first`` (a JW325 on this batch's JW323 that
    arrived before it). ``answer``: a JW325 on the earlier JW323 arriving in this batch.
    ``tamper``: SQL run on the staged batch (``%(b)s``) for rules the parser already enforces.
    """

    lines: list[dict] = field(default_factory=lambda: [{}])
    expected: dict[str, set[str]] = field(default_factory=dict)
    toewijzing: dict = field(default_factory=dict)
    header: dict = field(default_factory=dict)
    toewijzingen: list[dict] = field(default_factory=list)
    earlier: list[dict] = field(default_factory=list)
    earlier_answer: dict | None = None
    answer_first: dict | None = None
    answer: dict | None = None
    tamper: list[str] = field(default_factory=list)
    contract: bool = False

    @property
    def has_history(self) -> bool:
        return bool(self.earlier or self.answer_first)


UUR = omvang(10, "04", "4")  # the default: 10 hours a month
CASES = {
    "clean": Case(),
    # --------------------------------------------------------------- JW301 ToegewezenProduct
    "CS002 assignment: BSN fails the 11-proef": Case(
        toewijzing={"bsn": BAD_BSN}, expected={"toewijzing": {"CS002/0001"}, "L1": {"TR338/9338"}}),
    "TR378 assignment from a gemeente outside the region": Case(
        toewijzing={"gemeente": "0363"}, expected={"toewijzing": {"TR378/S300"}, "L1": {"TR338/9338"}}),
    "JZ020 assignment: unknown productcategorie": Case(
        toewijzing={"cat": "99", "code": "99A01"}, expected={"toewijzing": {"JZ020/0001"}, "L1": {"TR338/9338"}}),
    "WJ756 assignment: unknown eenheid": Case(
        toewijzing={"omvang": omvang(10, "99", "4")}, expected={"toewijzing": {"WJ756/0001"}, "L1": {"TR338/9338"}}),
    "CS003 assignment ends before it starts": Case(
        toewijzing={"eind": "2024-12-31"}, expected={"toewijzing": {"CS003/0001"}, "L1": {"TR338/9338"}}),
    "CS335 reden 13 without Einddatum = Ingangsdatum": Case(
        toewijzing={"reden": "13"}, expected={"toewijzing": {"CS335/0001"}, "L1": {"TR338/9338"}}),
    "CD077 omvang and budget together": Case(
        toewijzing={"budget": "500000"}, expected={"toewijzing": {"CD077/0001"}, "L1": {"TR338/9338"}}),
    "CD075 budget without Einddatum": Case(
        toewijzing={"omvang": "", "budget": "500000", "eind": ""}, expected={"toewijzing": {"CD075/0001"}, "L1": {"TR338/9338"}}),
    "TR302 two assignments of the same product overlap": Case(
        toewijzingen=[{"ingang": "2025-06-01", "eind": "2026-05-31", "tijd": "11:00:00"}],
        expected={"toewijzing": {"TR302/0001"}, "toewijzing1": {"TR302/0001"}, "L1": {"TR338/9338"}}),
    "TR302 aspecific assignment overlaps a specific one of its category": Case(
        toewijzingen=[{"code": "", "omvang": "", "budget": "300000", "tijd": "11:00:00"}],
        expected={"toewijzing": {"TR302/0001"}, "toewijzing1": {"TR302/0001"}, "L1": {"TR338/9338"}}),
    "TR302 consecutive assignments do not stack": Case(
        toewijzing={"eind": "2025-05-31"}, toewijzingen=[{"ingang": "2025-06-01", "tijd": "11:00:00"}]),
    "TR302 another product may overlap": Case(toewijzingen=[{"code": "45A05", "tijd": "11:00:00"}]),
    "TR302 a deleted assignment (13) does not stack": Case(
        toewijzingen=[{"ingang": "2025-02-01", "eind": "2025-02-01", "reden": "13", "tijd": "11:00:00"}]),
    "TR302 only the current version counts (shortened, then a new number)": Case(
        toewijzingen=[{"nummer": 0, "eind": "2025-05-31", "reden": "12", "dag": "2024-12-21"},
                      {"ingang": "2025-06-01", "dag": "2024-12-21"}]),
    # --------------------------------------------------------------- JW323 Prestatie, one message
    "CS002 BSN fails the 11-proef": Case([{"bsn": BAD_BSN}], {"L1": {"CS002/0001", "TR338/9338"}}),
    "TR378 gemeente outside the region": Case(header={"gemeente": "0363"}, expected={"L1": {"TR378/S300", "TR338/9338"}}),
    "JZ020 unknown productcategorie": Case([{"cat": "99", "code": "99A01"}], {"L1": {"JZ020/0001", "TR339/9339"}}),
    "WJ756 unknown eenheid": Case([{"eenheid": "99"}], {"L1": {"WJ756/0001"}}),
    "COD043 DebetCredit other than D/C (the parser refuses it; tampered in staging)": Case(
        tamper=["UPDATE staging.jw323_prestatie SET debet_credit = 'X', totaal_ingediend_bedrag = -totaal_ingediend_bedrag "
                "WHERE batch_id = %(b)s"],
        expected={"L1": {"COD043/0001"}}),
    "LDT_Bedrag above the maximum": Case([{"volume": 10000}], {"L1": {"LDT_Bedrag/0001"}},
                                         toewijzing={"omvang": omvang(10000)}),
    "TR346 bedrag != volume x tarief": Case([{"bedrag": 80001}], {"L1": {"TR346/9346"}}),
    "CS339 euro line with a tarief": Case([{"eenheid": "83", "volume": 5000, "tarief": 100, "bedrag": 5000}], {"L1": {"CS339/0001"}}),
    "CS325 zero amount as credit": Case([{"volume": 0, "bedrag": 0, "dc": "C", "vorig": "X0"}], {"L1": {"CS325/0001", "TR323/8017"}}),
    "CS003 period ends before it begins": Case([{"begin": "2025-03-20", "eind": "2025-03-10"}], {"L1": {"CS003/0001"}}),
    "CS337 period spans two months": Case([{"begin": "2025-02-15", "eind": "2025-03-10"}], {"L1": {"CS337/0001"}}),
    "TR319 period after the declaratieperiode": Case(
        [{"begin": "2025-04-01", "eind": "2025-04-30"}], {"L1": {"TR319/9319"}}, header={"dag": "2025-05-05"}),
    "CD060 debit with VorigReferentieNummer": Case([{"vorig": "X0"}], {"L1": {"CD060/0001"}}),
    "TR314 ReferentieNummer twice": Case([{}, {"ref": "L1", "begin": "2025-02-01", "eind": "2025-02-28"}], {"L1": {"TR314/8021"}}),
    "TR358 header total != lines": Case(header={"total_delta": 1}, expected={"L1": {"TR358/0001"}}),
    "CS319 DeclaratieNummer not alphanumeric": Case(header={"nummer": "D-1"}, expected={"L1": {"CS319/0001"}}),
    "CS340 declaratieperiode not a whole month": Case(
        [{"eind": "2025-03-30"}], {"L1": {"CS340/0001"}}, header={"peind": "2025-03-30"}),
    "CS100 product period before 2021": Case(
        [{"begin": "2020-12-01", "eind": "2020-12-31"}], {"L1": {"CS100/0001"}}, toewijzing={"ingang": "2020-01-01"}),
    "TR335 more than 5 years late": Case(
        [{"begin": "2021-01-01", "eind": "2021-01-31"}], {"L1": {"TR335/0001"}}, toewijzing={"ingang": "2021-01-01"},
        header={"dag": "2026-03-01", "ddag": "2026-03-01", "pbegin": "2026-02-01", "peind": "2026-02-28"}),
    "TR134 period ends after the Dagtekening": Case(header={"dag": "2025-03-20"}, expected={"L1": {"TR134/0001"}}),
    "TR135 Dagtekening in the future": Case(header={"dag": "2099-01-01"}, expected={"L1": {"TR135/8848"}}),
    "TR381 productcode of another category": Case(
        [{"code": "54002"}], {"L1": {"TR381/S329"}}, toewijzing={"code": "54002"}),
    "TR338 unknown toewijzing": Case([{"nummer": 999_999}], {"L1": {"TR338/9338"}}),
    "TR339 other product than assigned": Case([{"code": "45A04"}], {"L1": {"TR339/9339"}}),
    "TR307 period before the toewijzing starts": Case(expected={"L1": {"TR307/9307"}}, toewijzing={"ingang": "2025-03-15"}),
    "TR308 period after the toewijzing ends": Case(expected={"L1": {"TR308/9308"}}, toewijzing={"eind": "2025-03-15"}),
    "TR323 credit of an unknown debit": Case([{"dc": "C", "vorig": "X9"}], {"L1": {"TR323/8017"}}),
    "TR390 debit credited twice": Case(
        [{}, {"ref": "L2", "dc": "C", "vorig": "L1"}, {"ref": "L3", "dc": "C", "vorig": "L1"}],
        {"L2": {"TR390/9390"}, "L3": {"TR390/9390"}}),
    # --------------------------------------------------------------- TR389: one open debit per product period
    "TR389 the same product period declared twice": Case([{}, {}], {"L1": {"TR389/9389"}, "L2": {"TR389/9389"}}),
    "TR389 declared again after an earlier, still open debit": Case(earlier=[{}], expected={"L1": {"TR389/9389"}}),
    "TR389 a credited debit may be declared again (same message)": Case(
        [{}, {"dc": "C", "vorig": "L1"}, {}]),
    "TR389 a debit credited now may be declared again": Case([{"dc": "C", "vorig": "E1"}, {}], earlier=[{}]),
    "TR389 a line the gemeente rejected may be declared again": Case(
        earlier=[{}], earlier_answer={"rejected": {"E1": ["0611"]}}),
    "TR389 a line of a rejected declaration may be declared again": Case(
        earlier=[{}], earlier_answer={"header_codes": ["0001"], "antwoord": ""}),
    "TR389 the rejection arrives with the new debit": Case(earlier=[{}], answer={"rejected": {"E1": ["0611"]}}),
    "TR389 the JW325 arrived before the declaration it rejects": Case(
        [{}, {"decl": 2}], answer_first={"rejected": {"L1": ["0611"]}}),
    "TR389 a different product period is another key": Case([{}, {"begin": "2025-02-01", "eind": "2025-02-28"}]),
    # --------------------------------------------------------------- TR321/TR322/TR369: volume and budget
    "TR321 more hours than the monthly omvang": Case([{"volume": 11}], {"L1": {"TR321/9321"}}),
    "TR321 more than the weekly omvang in the ISO weeks of the period": Case(
        [{"volume": 13}], {"L1": {"TR321/9321"}}, toewijzing={"omvang": omvang(2, "04", "2")}),  # March 2025: 6 weeks
    "TR321 the weekly omvang over the ISO weeks of the period is allowed": Case(
        [{"volume": 12}], toewijzing={"omvang": omvang(2, "04", "2")}),
    "TR321 output per week counts the Sundays of the period": Case(
        [{"eenheid": "82", "volume": 6, "tarief": 5000}], {"L1": {"TR321/9321"}},
        toewijzing={"omvang": omvang(1, "82", "2")}),  # March 2025 has 5 Sundays
    "TR321 daily omvang times the days of the period": Case(
        [{"volume": 32}], {"L1": {"TR321/9321"}}, toewijzing={"omvang": omvang(1, "04", "1")}),  # March: 31 days
    "TR321 minutes against an hourly omvang": Case(
        [{"eenheid": "01", "volume": 601, "tarief": 167, "bedrag": 100367}], {"L1": {"TR321/9321"}}),
    "TR321 minutes within an hourly omvang": Case([{"eenheid": "01", "volume": 600, "tarief": 167, "bedrag": 100200}]),
    "TR322 the total omvang (frequentie 6) is used up": Case(
        [{"begin": "2025-02-01", "eind": "2025-02-28", "volume": 6}, {"volume": 6}], {"L2": {"TR322/9322"}},
        toewijzing={"omvang": omvang(10, "04", "6")}),
    "TR322 earlier declarations count": Case(
        [{"volume": 6}], {"L1": {"TR322/9322"}}, toewijzing={"omvang": omvang(10, "04", "6")},
        earlier=[{"begin": "2025-02-01", "eind": "2025-02-28", "volume": 6}]),
    "TR322 weeks split over two months count once over the assignment": Case(
        [{"begin": "2025-01-01", "eind": "2025-01-31", "volume": 10}, {"begin": "2025-02-01", "eind": "2025-02-28", "volume": 10}],
        {"L2": {"TR322/9322"}}, toewijzing={"omvang": omvang(2, "04", "2")}),  # Jan, Feb: 5 weeks each, together 9
    "TR322 a credited line does not count": Case(
        [{"begin": "2025-02-01", "eind": "2025-02-28", "volume": 6},
         {"begin": "2025-02-01", "eind": "2025-02-28", "volume": 6, "dc": "C", "vorig": "L1"}, {"volume": 6}],
        toewijzing={"omvang": omvang(10, "04", "6")}),
    "TR322 a rejected line does not count": Case(
        [{"volume": 6}], toewijzing={"omvang": omvang(10, "04", "6")},
        earlier=[{"begin": "2025-02-01", "eind": "2025-02-28", "volume": 6}], earlier_answer={"rejected": {"E1": ["9307"]}}),
    "TR369 the budget is used up": Case(
        [{"begin": "2025-02-01", "eind": "2025-02-28"}, {}], {"L2": {"TR369/9369"}},
        toewijzing={"omvang": "", "budget": "150000"}),  # 2 x 8 h x 100 euro > 1,500 euro
    "TR369 euro lines count their volume": Case(
        [{"eenheid": "83", "volume": 150001, "tarief": None}], {"L1": {"TR369/9369"}},
        toewijzing={"omvang": "", "budget": "150000"}),
    "TR369 within the budget": Case([{"eenheid": "83", "volume": 150000, "tarief": None}],
                                    toewijzing={"omvang": "", "budget": "150000"}),
    # --------------------------------------------------------------- TR418: tariff against the contract
    "TR418 tariff above the contract tariff": Case([{"tarief": 10500}], {"L1": {"TR418/0611"}}, contract=True),
    "TR418 the contract tariff": Case(contract=True),
    "TR418 minutes at the hourly contract tariff / 60": Case(
        [{"eenheid": "01", "volume": 480, "tarief": 167}], contract=True),
    "TR418 minutes at another per-minute tariff": Case(
        [{"eenheid": "01", "volume": 480, "tarief": 170}], {"L1": {"TR418/0611"}}, contract=True),
    "TR418 a product without contract tariff is not judged": Case(
        [{"code": "45A05", "tarief": 12345}], toewijzing={"code": "45A05"}, contract=True),
    "TR418 a credit is not judged (IV085)": Case(
        [{"tarief": 10500}, {"dc": "C", "vorig": "L1", "tarief": 10500}], {"L1": {"TR418/0611"}}, contract=True),
    "TR418 never fires without a contract": Case([{"tarief": 10500}]),
}


@pytest.fixture(scope="module")
def rules_db(pg_server):
    """One database for all cases: each case is its own batch (history in batches of its own)."""
    yield from rules_database(pg_server, "t_rules")


@pytest.fixture(scope="module")
def contract_db(pg_server):
    """Like rules_db, with a contract tariff table loaded (core.contract_tarief_actueel)."""
    for url in rules_database(pg_server, "t_rules_contract"):
        with warehouse.connect(url) as conn, conn.transaction():
            versie = conn.execute(
                "INSERT INTO core.contract_versie (file_sha256, bestandsnaam) VALUES (%s, 'test.xlsx') RETURNING versie_id",
                ("c" * 64,),
            ).fetchone()[0]
            for row in CONTRACT:
                conn.execute(
                    "INSERT INTO core.contract_tarief (versie_id, jaar, product_categorie, product_code, eenheid, tarief) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (versie, *row),
                )
        yield url


def _files(case: Case, n: int) -> tuple[list, list, str, int]:
    """(earlier batch files, this batch's files, reference prefix, ToewijzingNummer) of a case."""
    nummer = 700_000 + 10 * n
    prefix = f"C{n}"
    agb = f"9990{n:04d}"  # a provider per case: history published by one case is no other case's

    def lines(specs, letter):
        out = []
        for i, overrides in enumerate(specs, 1):
            ln = line(**{"ref": f"{letter}{i}", "nummer": nummer, **overrides})
            ln["ref"] = prefix + ln["ref"]
            ln["vorig"] = prefix + ln["vorig"] if ln["vorig"] else None
            out.append(ln)
        return out

    toewijzingen = [("a_jw301.xml", jw301(f"T{n}", nummer, **{"agb": agb, **case.toewijzing}))]
    for k, overrides in enumerate(case.toewijzingen, 1):
        overrides = {**overrides}
        nr = nummer + overrides.pop("nummer", k)
        toewijzingen.append((f"a_jw301_{k}.xml", jw301(f"T{n}x{k}", nr, **{"agb": agb, **overrides})))
    current = lines(case.lines, "L")
    earlier = lines(case.earlier, "E")
    by_ref = {ln["ref"].removeprefix(prefix): ln for ln in current + earlier}

    def answer(ident, declaratie, spec):
        spec = dict(spec)
        rejected = [(by_ref[ref], codes) for ref, codes in spec.pop("rejected", {}).items()]
        return jw325(ident, declaratie, rejected, **{"agb": agb, **spec})

    first, second = [ln for ln in current if ln.get("decl", 1) == 1], [ln for ln in current if ln.get("decl") == 2]
    header = {"agb": agb, **case.header}
    now = [("b_jw323.xml", jw323(f"D{n}", first, **header))]
    if second:
        now.append(("b_jw323_2.xml", jw323(f"F{n}", second, **header)))
    if case.answer:
        now.append(("c_jw325.xml", answer(f"A{n}", f"E{n}", case.answer)))
    before = []
    if case.has_history:
        before = list(toewijzingen)
        if earlier:
            before.append(("b_jw323.xml", jw323(f"E{n}", earlier, agb=agb)))
        if case.earlier_answer:
            before.append(("c_jw325.xml", answer(f"G{n}", f"E{n}", case.earlier_answer)))
        if case.answer_first:
            before.append(("c_jw325_first.xml", answer(f"H{n}", f"D{n}", case.answer_first)))
    else:
        now = toewijzingen + now
    return before, now, prefix, nummer


@pytest.mark.parametrize("name", list(CASES))
def test_rule(name, request, tmp_path):
    case = CASES[name]
    url = request.getfixturevalue("contract_db" if case.contract else "rules_db")
    n = next(_ids)
    before, now, prefix, nummer = _files(case, n)
    if before:
        earlier_batch, passed = run_batch(url, tmp_path / "earlier", before, publish=True, key=TEST_KEY)
        with warehouse.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM dq.quarantine WHERE batch_id = %s", (earlier_batch,)).fetchone()[0] == 0
    batch_id, passed = run_batch(url, tmp_path / "now", now, tamper=case.tamper, key=TEST_KEY)
    assert passed or case.expected, "a clean batch must pass the quality gate"

    with warehouse.connect(url) as conn:
        got = {}
        for ref, codes in conn.execute(
            """
            SELECT s.referentie_nummer, q.regel_codes FROM dq.quarantine q
            JOIN staging.jw323_prestatie s ON q.dataset = 'jw323_prestatie' AND s.row_id = q.row_id
            WHERE q.batch_id = %(b)s
            UNION ALL
            SELECT 'toewijzing' || coalesce(nullif((s.toewijzing_nummer - %(nummer)s)::text, '0'), ''), q.regel_codes
            FROM dq.quarantine q JOIN staging.jw301_toegewezen_product s ON s.row_id = q.row_id
            WHERE q.dataset = 'jw301_toegewezen_product' AND q.batch_id = %(b)s
            UNION ALL
            SELECT q.dataset, q.regel_codes FROM dq.quarantine q
            WHERE q.batch_id = %(b)s AND q.dataset NOT IN ('jw323_prestatie', 'jw301_toegewezen_product')
            """,
            {"b": batch_id, "nummer": nummer},
        ):
            got[ref.removeprefix(prefix)] = set(codes)
    assert got == case.expected


def covered() -> set[tuple[str, str]]:
    """(dataset, regel_code) the cases above break (for the suite-coverage test)."""
    return {
        ("jw301_toegewezen_product" if label.startswith("toewijzing") else "jw323_prestatie", code.split("/")[0])
        for case in CASES.values() for label, codes in case.expected.items() for code in codes
    }

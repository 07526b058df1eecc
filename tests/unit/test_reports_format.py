"""P&C reports without a database: Dutch notation, report periods, and the small-cell rule."""

from __future__ import annotations

import datetime as dt

import pytest

from jeugdhulp.reports import fmt
from jeugdhulp.reports.fmt import SUPPRESSED
from jeugdhulp.reports.model import Col, Table
from jeugdhulp.reports.period import Period, PeriodError


# --------------------------------------------------------------------------- notation


@pytest.mark.parametrize("cents, shown", [
    (0, "€ 0,00"), (5, "€ 0,05"), (123456, "€ 1.234,56"), (123456789, "€ 1.234.567,89"),
    (-2550, "-€ 25,50"), (100_000_000_00, "€ 100.000.000,00"),
])
def test_euro_is_dutch_and_matches_the_marts_notation(cents, shown):
    from jeugdhulp.marts import euro

    assert fmt.euro(cents) == shown == euro(cents)


def test_numbers_percentages_dates_in_dutch():
    assert fmt.getal(1234567) == "1.234.567"
    assert fmt.getal(-1234) == "-1.234"
    assert fmt.getal(78.04, 1) == "78,0"
    assert fmt.getal(1234.56, 1) == "1.234,6"
    assert fmt.pct(97.83) == "97,8%"
    assert fmt.datum(dt.date(2026, 1, 8)) == "08-01-2026"
    assert fmt.datum(dt.datetime(2025, 12, 31, 23, 59)) == "31-12-2025"
    assert fmt.maand(dt.date(2025, 10, 1)) == "oktober 2025"
    assert fmt.maand(dt.date(2025, 3, 1), kort=True) == "mrt 2025"


def test_cell_by_kind():
    assert fmt.cell(123456, "bedrag") == "€ 1.234,56"
    assert fmt.cell(1500, "jeugdigen") == "1.500"
    assert fmt.cell(79.7, "per1000") == "79,7"
    assert fmt.cell(None, "bedrag") == "–"
    assert fmt.cell(SUPPRESSED, "jeugdigen") == "<5"
    assert fmt.cell(dt.date(2025, 11, 1), "maand") == "nov 2025"


# --------------------------------------------------------------------------- periods


def test_period_parse_quarter_and_year():
    q = Period.parse("2025-Q3")
    assert (q.jaar, q.kwartaal, q.code, q.label, q.soort) == (2025, 3, "2025-Q3", "3e kwartaal 2025", "Bestuursrapportage")
    assert q.months == [dt.date(2025, 7, 1), dt.date(2025, 8, 1), dt.date(2025, 9, 1)]
    assert (q.start, q.end) == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    assert Period.parse("2025-k4") == Period.parse("2025q4") == Period(2025, 4)
    y = Period.parse("2024")
    assert (y.is_year, y.code, y.soort, len(y.months), y.end) == (True, "2024", "Jaarverslag (input)", 12, dt.date(2024, 12, 31))
    assert Period.parse("2024-Q1").end == dt.date(2024, 3, 31)


@pytest.mark.parametrize("text", ["", "2025-Q5", "2025-Q0", "25-Q1", "2025-03", "1999", "Q3 2025"])
def test_period_rejects_what_it_cannot_read(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


@pytest.mark.parametrize("on, kind, expected", [
    (dt.date(2026, 1, 20), "quarter", "2025-Q4"),
    (dt.date(2025, 4, 20), "quarter", "2025-Q1"),
    (dt.date(2025, 10, 20), "quarter", "2025-Q3"),
    (dt.date(2025, 12, 31), "quarter", "2025-Q3"),
    (dt.date(2026, 4, 1), "year", "2025"),
])
def test_default_period_is_the_last_complete_one(on, kind, expected):
    assert Period.previous(kind, on).code == expected


# --------------------------------------------------------------------------- suppression


def _table(rows, total=None, columns=None):
    columns = columns or [
        Col("naam", "Naam"),
        Col("jeugdigen", "Jeugdigen", "jeugdigen", additief=True),
        Col("per1000", "Per 1.000", "per1000", basis="jeugdigen"),
        Col("bedrag", "Bedrag", "bedrag"),
    ]
    return Table("t", "T", columns, rows, total)


def test_counts_of_one_to_four_are_suppressed_with_what_derives_from_them():
    t = _table([{"naam": "a", "jeugdigen": 3, "per1000": 0.4, "bedrag": 12345},
                {"naam": "b", "jeugdigen": 5, "per1000": 0.7, "bedrag": 99},
                {"naam": "c", "jeugdigen": 0, "per1000": 0.0, "bedrag": 0},
                {"naam": "d", "jeugdigen": 4, "per1000": 0.5, "bedrag": 1}]).suppressed()
    assert [r["jeugdigen"] for r in t.rows] == [SUPPRESSED, 5, 0, SUPPRESSED]
    assert [r["per1000"] for r in t.rows] == [SUPPRESSED, 0.7, 0.0, SUPPRESSED]
    # amounts are not counts of youths: they stay (documented on the cover)
    assert [r["bedrag"] for r in t.rows] == [12345, 99, 0, 1]
    assert t.suppressed_cells == 4


def test_one_suppressed_cell_cannot_be_recomputed_from_the_total():
    t = _table([{"naam": "a", "jeugdigen": 2}, {"naam": "b", "jeugdigen": 40}, {"naam": "c", "jeugdigen": 7}],
               total={"naam": "Totaal", "jeugdigen": 49}).suppressed()
    # 49 - 40 - 7 would give away the 2: the next smallest cell is suppressed as well
    assert [r["jeugdigen"] for r in t.rows] == [SUPPRESSED, 40, SUPPRESSED]
    assert t.total["jeugdigen"] == 49


def test_row_wise_complement_for_parts_of_a_shown_total():
    cols = [Col("maand", "Maand", "maand"),
            Col("uitstroom", "Uitstroom", "aantal"),
            Col("plan", "Volgens plan", "aantal", groep="uitstroom"),
            Col("voortijdig", "Voortijdig", "aantal", groep="uitstroom"),
            Col("overig", "Overig", "aantal", groep="uitstroom"),
            Col("pct", "% volgens plan", "pct", basis="plan")]
    t = _table([{"maand": dt.date(2025, 1, 1), "uitstroom": 20, "plan": 10, "voortijdig": 8, "overig": 2, "pct": 50.0},
                {"maand": dt.date(2025, 2, 1), "uitstroom": 3, "plan": 3, "voortijdig": 0, "overig": 0, "pct": 100.0}],
               columns=cols).suppressed()
    jan, feb = t.rows
    assert (jan["plan"], jan["voortijdig"], jan["overig"], jan["pct"]) == (10, SUPPRESSED, SUPPRESSED, 50.0)
    assert (feb["uitstroom"], feb["plan"], feb["pct"]) == (SUPPRESSED, SUPPRESSED, SUPPRESSED)


def test_suppression_is_idempotent_and_leaves_the_source_alone():
    src = _table([{"naam": "a", "jeugdigen": 1}, {"naam": "b", "jeugdigen": 9}])
    once = src.suppressed()
    assert once.suppressed().rows == once.rows
    assert src.rows[0]["jeugdigen"] == 1


def test_a_report_only_holds_suppressed_tables():
    from jeugdhulp.reports.model import DataState, Report, Scope

    state = DataState(dt.date(2026, 1, 8), "voorlopig", "", None, None, None, [], dt.datetime(2026, 1, 9))
    report = Report(Scope("0175", "Ommen"), Period(2025, 4), state, {"t": _table([{"naam": "a", "jeugdigen": 2}])})
    assert report.tables["t"].rows[0]["jeugdigen"] == SUPPRESSED
    assert report.suppressed_cells == 1
    assert report.file_stem() == "pc-rapportage_2025-Q4_0175-ommen"

"""P&C reports without a database: Dutch notation, report periods, and the small-cell rule."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from jeugdhulp.reports import fmt
from jeugdhulp.reports.fmt import HIDDEN, SUPPRESSED
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
    # a rate of a hidden count is not itself a count of 1-4: "x", not "<5"
    assert [r["per1000"] for r in t.rows] == [HIDDEN, 0.7, 0.0, HIDDEN]
    # amounts are not counts of youths: they stay (documented on the cover)
    assert [r["bedrag"] for r in t.rows] == [12345, 99, 0, 1]
    assert t.suppressed_cells == 4


def test_one_suppressed_cell_cannot_be_recomputed_from_the_total():
    t = _table([{"naam": "a", "jeugdigen": 2}, {"naam": "b", "jeugdigen": 40}, {"naam": "c", "jeugdigen": 7}],
               total={"naam": "Totaal", "jeugdigen": 49}).suppressed()
    # 49 - 40 - 7 would give away the 2: the next smallest cell is hidden as well, marked "x" (it is 7, not <5)
    assert [r["jeugdigen"] for r in t.rows] == [SUPPRESSED, 40, HIDDEN]
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
    # overig 2 is <5; voortijdig 8 is hidden to protect it: "x", never "<5" for 8
    assert (jan["plan"], jan["voortijdig"], jan["overig"], jan["pct"]) == (10, HIDDEN, SUPPRESSED, 50.0)
    assert (feb["uitstroom"], feb["plan"], feb["pct"]) == (SUPPRESSED, SUPPRESSED, HIDDEN)


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


def test_lt5_is_shown_only_for_counts_of_one_to_four_the_issue_row():
    """The reported row '118 = 100 + <5 + <5': 118 uitstroom = 100 volgens plan + 3 voortijdig + 15 overig.
    The 3 is <5; the 15 is hidden so the 3 cannot be recomputed (118 - 100 - 15), and reads "x"."""
    cols = [Col("maand", "Maand", "maand"),
            Col("uitstroom", "Uitstroom", "aantal", additief=True),
            Col("plan", "Volgens plan", "aantal", groep="uitstroom", additief=True),
            Col("voortijdig", "Voortijdig", "aantal", groep="uitstroom", additief=True),
            Col("overig", "Overig", "aantal", groep="uitstroom", additief=True)]
    t = _table([{"maand": dt.date(2025, 1, 1), "uitstroom": 118, "plan": 100, "voortijdig": 3, "overig": 15}],
               columns=cols).suppressed()
    r = t.rows[0]
    assert (r["uitstroom"], r["plan"], r["voortijdig"], r["overig"]) == (118, 100, SUPPRESSED, HIDDEN)
    assert t.suppressed_cells == 2


def test_a_column_complement_that_exposes_a_row_is_protected_too():
    """Column-wise the 6 protects the 2 (total 48 shown); that leaves the 6 alone in its row next to a shown
    total, so a second cell of that row is hidden as well — repeated until nothing can be recomputed."""
    cols = [Col("naam", "Naam"),
            Col("uit", "Uitstroom", "aantal", additief=True),
            Col("a", "A", "aantal", groep="uit", additief=True),
            Col("b", "B", "aantal", groep="uit", additief=True)]
    t = _table([{"naam": "p", "uit": 8, "a": 2, "b": 6},
                {"naam": "q", "uit": 46, "a": 6, "b": 40},
                {"naam": "r", "uit": 20, "a": 10, "b": 10}],
               total={"naam": "Totaal", "uit": 74, "a": 18, "b": 56}, columns=cols).suppressed()
    p, q, r = t.rows
    assert p["a"] == SUPPRESSED
    for row in t.rows + [t.total]:  # no row has exactly one hidden part next to a shown total
        hidden = [k for k in ("a", "b") if row[k] in (SUPPRESSED, HIDDEN)]
        assert len(hidden) != 1 or row["uit"] in (SUPPRESSED, HIDDEN), row
    for k in ("uit", "a", "b"):  # nor a column next to its shown total
        hidden = [row for row in t.rows if row[k] in (SUPPRESSED, HIDDEN)]
        assert len(hidden) != 1, k
    # and every cell hidden without being 1-4 reads "x"
    src = {("p", "a"): 2, ("p", "b"): 6, ("q", "a"): 6, ("q", "b"): 40, ("r", "a"): 10, ("r", "b"): 10,
           ("p", "uit"): 8, ("q", "uit"): 46, ("r", "uit"): 20}
    for row in t.rows:
        for k in ("uit", "a", "b"):
            if row[k] == SUPPRESSED:
                assert 1 <= src[(row["naam"], k)] <= 4
            elif row[k] == HIDDEN:
                assert src[(row["naam"], k)] >= 5


@pytest.mark.parametrize("seed", range(20))
def test_lt5_never_stands_for_five_or_more(seed):
    import random

    rnd = random.Random(seed)
    cols = [Col("naam", "Naam"), Col("n", "N", "aantal", additief=True),
            Col("a", "A", "aantal", groep="n", additief=True), Col("b", "B", "aantal", groep="n", additief=True),
            Col("pct", "%", "pct", basis="a")]
    rows = []
    for i in range(rnd.randint(2, 8)):
        a, b = rnd.choice([0, 1, 2, 3, 4, 5, 8, 10, 30]), rnd.choice([0, 1, 3, 5, 7, 12, 50])
        rows.append({"naam": str(i), "n": a + b, "a": a, "b": b, "pct": 100.0 * a / (a + b) if a + b else None})
    total = {"naam": "Totaal", **{k: sum(r[k] for r in rows) for k in ("n", "a", "b")}, "pct": None}
    src = copy.deepcopy(rows + [total])
    t = _table(rows, total=total, columns=cols).suppressed()
    for before, after in zip(src, t.rows + [t.total]):
        for k in ("n", "a", "b"):
            if after[k] == SUPPRESSED:
                assert 1 <= before[k] <= 4, (k, before, after)
            elif after[k] != HIDDEN:
                assert after[k] == before[k] and not 1 <= before[k] <= 4


def test_a_table_says_what_its_markers_mean():
    from jeugdhulp.reports import layout

    t = _table([{"naam": "a", "jeugdigen": 2}, {"naam": "b", "jeugdigen": 40}, {"naam": "c", "jeugdigen": 7}],
               total={"naam": "Totaal", "jeugdigen": 49}).suppressed()
    notes = layout.notes(t)
    assert any("<5" in n and "x =" in n for n in notes)
    assert [c[0] for c in layout.cells(t, t.rows[2])][1] == "x"
    clean = _table([{"naam": "a", "jeugdigen": 20}]).suppressed()
    assert not layout.notes(clean)


# --------------------------------------------------------------------------- chart axes


@pytest.mark.parametrize("top_cents, unit", [(130_000_000, "mln"), (195_000_000, "mln"), (6_000_000, ""),
                                             (1_800_000_000, "mln"), (95_000, "")])
def test_money_axis_ticks_are_round_in_one_unit(top_cents, unit):
    """The axis of a chart up to ``top_cents``: every tick label in one unit, at round values, and each label
    names its value exactly (no "€ 1,25 mln" printed as "1,2"; no "€ 0k" next to "€ 1,0 mln")."""
    import re

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from jeugdhulp.reports import charts

    fig, ax = plt.subplots()
    ax.bar([0, 1], [0, top_cents])
    charts._euro_axis(ax)
    fig.canvas.draw()
    ticks = [(v, lbl.get_text()) for v, lbl in zip(ax.get_yticks(), ax.get_yticklabels())
             if ax.get_ylim()[0] <= v <= ax.get_ylim()[1]]
    plt.close(fig)
    assert ticks[0] == (0, "€ 0")
    labels = [lbl for _v, lbl in ticks[1:]]
    assert all(lbl.endswith(" mln") for lbl in labels) if unit else not any("mln" in lbl or "k" in lbl for lbl in labels)
    for v, lbl in ticks[1:]:
        number = re.sub(r"[€ mln.]", "", lbl).replace(",", ".")
        shown = float(number) * (100_000_000 if unit else 100)
        assert shown == pytest.approx(v), (v, lbl)  # the label is the tick's exact value
    step = ticks[1][0] - ticks[0][0]
    assert str(int(step)).rstrip("0") in ("1", "2", "5"), step  # ticks every 1, 2 or 5 x 10^n
    assert len({len(lbl.split(",")[-1]) if "," in lbl else 0 for lbl in labels}) == 1  # same decimals on every tick


def test_two_lt5_cells_whose_sum_is_known_get_an_x_beside_them():
    """Total 80 shown, two gemeenten <5 and the rest shown: the two add up to 8 and, each being at most 4,
    are both 4. A third cell (the smallest shown one, 5) is hidden as "x" so their sum is unknown."""
    t = _table([{"naam": "a", "jeugdigen": 4}, {"naam": "b", "jeugdigen": 4}, {"naam": "c", "jeugdigen": 5},
                {"naam": "d", "jeugdigen": 67}], total={"naam": "Totaal", "jeugdigen": 80}).suppressed()
    assert [r["jeugdigen"] for r in t.rows] == [SUPPRESSED, SUPPRESSED, HIDDEN, 67]
    assert t.total["jeugdigen"] == 80

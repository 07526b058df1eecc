"""The forecast on small in-memory triangles whose answer is known (every expected figure is
worked out by hand in the comments)."""

from __future__ import annotations

import datetime as dt

import pytest

from jeugdhulp import forecast as f

D = dt.date
JAN = f.month_index(D(2025, 1, 1))


def region(counts: list[int], *, rate: int = 1000, parts=((0.6, 5), (0.4, 20)), gemeente: str = "0193",
           cat: str = "45", rates: list[int] | None = None) -> tuple[list[f.Line], list[f.Care]]:
    """Month i (from January 2025) has ``counts[i]`` youths in care all month at ``rate`` cents per
    care day; each month is declared in ``parts``: (share, days after the end of the month)."""
    lines, care = [], []
    for i, n in enumerate(counts):
        o = JAN + i
        start, end = f.month_start(o), f.month_end(o)
        total = n * (rates[i] if rates else rate) * end.day
        care.append(f.Care(gemeente, cat, start, end, n))
        for share, days in parts:
            lines.append(f.Line(gemeente, cat, start, end, end + dt.timedelta(days=days), round(total * share)))
    return lines, care


def by_origin(estimates: list[f.Estimate]) -> dict[int, f.Estimate]:
    return {e.origin: e for e in estimates}


def test_month_just_ended_is_developed_in_days():
    # 60 % is declared 5 days after the month, 40 % after 20 days. On 10 July (valuation) June is
    # 10 days past its end: 60 % in, so its ultimate is declared / 0.6 = 20 youths x 1000 x 30 days.
    lines, care = region([20] * 7)
    est = by_origin(f.estimate(f.Data(lines, care), D(2025, 7, 10)))
    june = est[JAN + 5]
    assert june.days == 10 and june.share == pytest.approx(0.6)
    assert june.declared == 360_000 and june.ultimate == 600_000 and june.outstanding == 240_000
    assert est[JAN + 4].share == pytest.approx(1.0) and est[JAN + 4].outstanding == 0


def test_partial_peildatum_month_counts_only_the_days_up_to_the_peildatum():
    # On 10 July nothing of July is declared; 10 of its 31 days are delivered: 20 youths x 10 days
    # x 1000 cents = 200 000, the cost per care day (1000) learnt from the developed months.
    lines, care = region([20] * 7)
    july = by_origin(f.estimate(f.Data(lines, care), D(2025, 7, 10)))[JAN + 6]
    assert (july.days, july.declared, july.care_days, july.method) == (-21, 0, 200, "bornhuetter-ferguson")
    assert july.cost_per_day == pytest.approx(1000)
    assert july.ultimate == 200_000
    # a line for 1-31 July declared on 5 July counts for its first 10 days (10/31) only
    early = f.Line("0193", "45", D(2025, 7, 1), D(2025, 7, 31), D(2025, 7, 5), 31_000)
    assert f.Data([early], care).declared(("0193", "45"), JAN + 6, D(2025, 7, 10)) == pytest.approx(10_000)


def test_growth_is_followed_by_the_care_days_not_lagged_by_the_previous_months():
    # +10 % youths every month. On 31 July (a month end) July has nothing in; its ultimate is its
    # own care days x 1000, whereas the mean of May-June-April (the CURRENT method's prior) is far
    # below it: the bias the issue found at lag 0.
    counts = [round(20 * 1.1 ** i) for i in range(7)]
    lines, care = region(counts)
    july = by_origin(f.estimate(f.Data(lines, care), D(2025, 7, 31)))[JAN + 6]
    truth = counts[6] * 31 * 1000
    assert july.ultimate == truth
    previous_three = sum(counts[3:6]) / 3 * 30.33 * 1000
    assert previous_three < 0.92 * truth  # what the previous method would have predicted


def test_seasonal_dip_in_care_is_followed():
    # fewer youths in July and August: the a-priori follows the care days of the month itself
    counts = [30, 30, 30, 30, 30, 30, 18, 18]
    lines, care = region(counts)
    est = by_origin(f.estimate(f.Data(lines, care), D(2025, 8, 31)))
    assert est[JAN + 7].ultimate == 18 * 31 * 1000
    assert est[JAN + 6].ultimate == 18 * 31 * 1000  # 31 days past July: 100 % in


def test_cell_without_care_days_falls_back_to_the_chain_ladder_or_the_mean():
    lines, _ = region([20] * 7)
    est = by_origin(f.estimate(f.Data(lines, []), D(2025, 7, 10)))
    assert est[JAN + 5].method == "chain-ladder" and est[JAN + 5].ultimate == 600_000
    july = est[JAN + 6]  # nothing in: the mean of April-June (600 000 / 620 000)
    assert july.method == "gemiddelde"
    assert july.ultimate == round((620_000 + 600_000 + 600_000) / 3)


def test_backtest_of_a_stable_pattern_has_no_error_and_a_zero_width_band():
    lines, care = region([20] * 12)
    lines2, care2 = region([50] * 12, gemeente="0150", rate=700)
    data = f.Data(lines + lines2, care + care2)
    bt = f.backtest(data, D(2026, 1, 10))
    assert bt and {r.gemeente for r in bt} == {"0150", "0193"}
    assert {r.age for r in bt} == {0, 1, 2}
    assert all(r.error_pct == pytest.approx(0, abs=0.01) for r in bt)
    q = f.band_quantiles(bt)
    assert all(lo == pytest.approx(0, abs=1e-6) and hi == pytest.approx(0, abs=1e-6) for lo, hi in q.values())


def test_valuations_repeat_the_day_of_the_peildatum_and_wait_for_maturity():
    vs = f.valuations(D(2026, 1, 10), JAN)
    assert vs[0] == D(2025, 3, 10) and vs[-1] == D(2025, 9, 10)  # 10 Sep + 120 days <= 10 Jan
    assert f.valuations(D(2026, 1, 31), JAN)[-1] == D(2025, 9, 30)  # a month end: month ends


def test_band_contains_the_estimate_and_narrows_with_completeness():
    # backtest errors (relative to what was outstanding) all positive: the estimates were too low
    rows = [f.BacktestRow(D(2025, 3, 10), "0193", JAN, 0, 0, 1000, 1000 + 100 * i, 0.0, "bornhuetter-ferguson")
            for i in range(1, 11)]
    rows += [f.BacktestRow(D(2025, 3, 10), "0193", JAN, 1, 950, 1000, 1000 + 5 * i, 0.95, "bornhuetter-ferguson")
             for i in range(1, 11)]
    q = f.band_quantiles(rows)
    assert q[0][0] == 0.0 and q[0][1] > 0  # widened to contain the estimate
    low0, high0 = f.band(100_000, 0, 0.0, q)  # nothing in
    low99, high99 = f.band(100_000, 99_000, 0.99, q)  # 99 % in
    assert low0 <= 100_000 <= high0 and low99 <= 100_000 <= high99
    assert high99 - low99 <= (high0 - low0) / 50
    assert f.band(100_000, 100_000, 1.0, q) == (100_000, 100_000)  # nothing outstanding: no band


def test_no_negative_nog_te_declareren_without_credits():
    counts = [20, 25, 18, 30, 22, 27, 19]
    lines, care = region(counts, parts=((0.7, -3), (0.25, 12), (0.05, 70)))
    for v in (D(2025, 7, 5), D(2025, 7, 20), D(2025, 7, 31)):
        assert all(e.outstanding >= 0 for e in f.estimate(f.Data(lines, care), v))


def test_expected_net_credits_give_a_negative_flagged_amount():
    # every month is declared at 110 % after 5 days and credited back 10 % after 40 days: on
    # 10 July June shows 110 % of its ultimate, so 1/11 of what is in is still to be credited
    lines, care = region([20] * 7, parts=((1.1, 5), (-0.1, 40)))
    june = by_origin(f.estimate(f.Data(lines, care), D(2025, 7, 10)))[JAN + 5]
    assert june.share == pytest.approx(1.1)
    assert june.outstanding == -60_000 and june.ultimate == 600_000


def test_immaterial_net_credits_do_not_make_the_amount_negative():
    lines, care = region([20] * 7, parts=((1.002, 5), (-0.002, 40)))
    june = by_origin(f.estimate(f.Data(lines, care), D(2025, 7, 10)))[JAN + 5]
    assert june.share == 1.0 and june.outstanding == 0


def test_tariff_jump_is_corrected_as_declarations_come_in():
    # the cost per care day rises 3.2 % in July; on 10 August July is 60 % in: the old rate applies
    # to the 40 % outstanding only (error at most 0.4 x 3.1 % = 1.24 %), and July's own 60 % already
    # lifts the Cape Cod cost per care day (Jan-Jun at 1000 and July at 1032, weighted by care days
    # x share in: 1000 < rate < 1032)
    rates = [1000] * 6 + [1032, 1032]
    lines, care = region([20] * 8, rates=rates)
    july = by_origin(f.estimate(f.Data(lines, care), D(2025, 8, 10)))[JAN + 6]
    truth = 20 * 31 * 1032
    assert 1000 < july.cost_per_day < 1032
    assert round(0.6 * truth + 0.4 * 20 * 31 * 1000) < july.ultimate < truth
    assert abs(july.ultimate - truth) / truth < 0.013

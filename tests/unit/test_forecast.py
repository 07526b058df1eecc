"""Chain-ladder forecast on small triangles whose answer is known."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from jeugdhulp import forecast

JAN = forecast.month_index(dt.date(2025, 1, 1))


def triangle(first_share: int, months: int = 6, ultimate: int = 1000, gemeente: str = "0193") -> list[tuple]:
    """Every month of delivery costs ``ultimate``: ``first_share`` declared the next month, the rest
    the month after."""
    out = []
    for o in range(JAN, JAN + months):
        out.append((gemeente, "45", forecast.month_start(o), forecast.month_start(o + 1), first_share))
        out.append((gemeente, "45", forecast.month_start(o), forecast.month_start(o + 2), ultimate - first_share))
    return out


def test_factors_and_chain_ladder_complete_a_recent_month():
    rows = triangle(600)
    valuation = JAN + 6  # July: June was declared for 600 so far
    tri = forecast.Triangle.from_rows(rows, valuation=valuation)
    f = forecast.development_factors(tri, valuation)
    assert math.isinf(f.factor[0])  # nothing is declared in the month of delivery itself
    assert f.factor[1] == pytest.approx(1000 / 600)
    by_origin = {e.origin: e for e in forecast.estimate(tri, valuation)}
    june = by_origin[JAN + 5]
    assert (june.age, june.declared, june.method, june.ultimate) == (1, 600, "chain-ladder", 1000)
    assert by_origin[JAN + 4].ultimate == 1000 and by_origin[JAN + 4].method == "chain-ladder"
    july = by_origin[JAN + 6]  # nothing in yet: Bornhuetter-Ferguson on the mean of the three months before
    assert (july.declared, july.method, july.ultimate) == (0, "bornhuetter-ferguson", 1000)


def test_less_than_half_in_uses_bornhuetter_ferguson():
    tri = forecast.Triangle.from_rows(triangle(300), valuation=JAN + 6)
    june = {e.origin: e for e in forecast.estimate(tri, JAN + 6)}[JAN + 5]
    assert (june.method, june.ultimate) == ("bornhuetter-ferguson", 1000)  # 300 + 1000 x (1 - 0.3)


def test_valuation_hides_later_declarations():
    rows = triangle(600)
    tri = forecast.Triangle.from_rows(rows, valuation=JAN + 2)
    assert tri.cumulative(("0193", "45"), JAN, 5) == 1000
    assert tri.cumulative(("0193", "45"), JAN + 1, 5) == 600  # its second part is declared in April


def test_backtest_of_a_stable_pattern_has_no_error():
    rows = triangle(600, months=10) + triangle(3000, months=10, ultimate=5000, gemeente="0150")
    bt = forecast.backtest(rows, JAN + 10)
    assert bt and {r.gemeente for r in bt} == {"0150", "0193"}
    assert all(r.error_pct == pytest.approx(0, abs=0.2) for r in bt)
    lo, hi = forecast.error_range(bt)[1]
    assert lo == pytest.approx(0, abs=0.002) and hi == pytest.approx(0, abs=0.002)


def test_backtest_sees_a_pattern_change():
    """Providers start declaring later: the old factors under-estimate, the backtest shows a negative bias."""
    rows = triangle(900, months=6) + [
        r for r in triangle(300, months=12) if forecast.month_index(r[2]) >= JAN + 6
    ]
    bt = forecast.backtest(rows, JAN + 12)
    late = [r for r in bt if r.origin >= JAN + 6 and r.age == 1]
    assert late and all(r.error_pct < -10 for r in late)

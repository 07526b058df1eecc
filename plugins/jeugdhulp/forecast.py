"""Forecast of the not-yet-declared cost (late declarations) with a chain-ladder on lag triangles.

Providers declare a month of care in the months after it, so the most recent months always look
cheap. For every gemeente × productcategorie × month of delivery (*origin*) we know the amount
declared so far, split by the month it was declared in (*development*, k months after the origin).

* Development factors are estimated for the region as a whole (pooled over gemeenten and
  categories: the lag pattern is a property of the providers' administration, and the pooled
  triangle is large enough to be stable): ``f_k = Σ C(o, k+1) / Σ C(o, k)`` over the origins with
  both cells observed, with ``C`` the cumulative declared amount.
* An origin observed for ``d`` months is projected to ``C × Π_{k≥d} f_k`` (chain-ladder). When less
  than half of a month is expected to be in (typically the current month), the chain-ladder
  multiplies noise, so the estimate is Bornhuetter-Ferguson with the mean of the three previous
  months of the same cell as prior: ``C + prior × (1 − 1/cdf)``.
* The backtest replays history: for every month-end valuation it cuts the triangle to what had
  been declared by then, estimates the origins of the last three months per gemeente, and compares
  with what is known now for origins that have since matured. The 10th and 90th percentile of the
  relative error per development age give the range reported with each estimate.

Amounts are integer euro cents (rejected lines excluded; credits netted). Everything here is a
pure function of the triangle except :func:`refresh`, which reads core and writes the three
``mart.prognose_*`` tables.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

import psycopg

#: an origin less developed than this share is estimated with Bornhuetter-Ferguson
BF_BELOW_SHARE = 0.5
#: origins estimated per backtest valuation (development ages 0..BACKTEST_AGES-1)
BACKTEST_AGES = 3
#: an origin counts as matured (its current amount is "actual") after this many months
MATURE_MONTHS = 4

Cell = tuple[str, str]  # (gemeente, product_categorie)


def month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> dt.date:
    return month_start(index + 1) - dt.timedelta(days=1)


@dataclass
class Triangle:
    """Incremental declared amounts: cells[(gemeente, categorie)][origin][lag] = cents."""

    cells: dict[Cell, dict[int, dict[int, int]]]

    @classmethod
    def from_rows(cls, rows, valuation: int | None = None) -> Triangle:
        """rows: (gemeente, categorie, origin date, declaration month date, cents); declarations
        after ``valuation`` (a month index) are left out, as if not yet received."""
        cells: dict[Cell, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        for gemeente, categorie, origin, declared, cents in rows:
            o, m = month_index(origin), month_index(declared)
            if valuation is not None and m > valuation:
                continue
            cells[gemeente, categorie][o][max(m - o, 0)] += cents
        return cls(cells)

    def cumulative(self, cell: Cell, origin: int, age: int) -> int:
        return sum(v for k, v in self.cells[cell].get(origin, {}).items() if k <= age)


@dataclass
class Factors:
    factor: list[float]  # f_k, k = 0..len-1
    origins: list[int]  # number of origins each f_k is estimated on

    def cdf(self, age: int) -> float:
        """Ultimate / declared-after-``age``-months (inf when nothing is in yet at that age)."""
        out = 1.0
        for f in self.factor[age:]:
            out *= f
        return out


def development_factors(tri: Triangle, valuation: int) -> Factors:
    pooled: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for origins in tri.cells.values():
        for o, lags in origins.items():
            for k, v in lags.items():
                pooled[o][k] += v
    if not pooled:
        return Factors([], [])
    max_lag = max(k for lags in pooled.values() for k in lags)
    factor, counts = [], []
    for k in range(max_lag):
        num = den = n = 0
        for o, lags in pooled.items():
            if o + k + 1 > valuation:
                continue
            cum_k = sum(v for j, v in lags.items() if j <= k)
            num += cum_k + lags.get(k + 1, 0)
            den += cum_k
            n += 1
        # nothing in yet at age k while later amounts exist: the factor is unbounded (inf)
        factor.append(num / den if den > 0 else (math.inf if num > 0 else 1.0))
        counts.append(n)
    return Factors(factor, counts)


@dataclass
class Estimate:
    gemeente: str
    categorie: str
    origin: int
    age: int
    declared: int
    method: str
    cdf: float
    ultimate: int


def estimate(tri: Triangle, valuation: int, factors: Factors | None = None) -> list[Estimate]:
    """Ultimate per cell and origin (from the cell's first origin up to the valuation month)."""
    factors = factors or development_factors(tri, valuation)
    out = []
    for (gemeente, categorie), origins in tri.cells.items():
        history: list[int] = []
        for o in range(min(origins), valuation + 1):
            age = valuation - o
            declared = tri.cumulative((gemeente, categorie), o, age)
            cdf = factors.cdf(age)
            if math.isfinite(cdf) and (1 / cdf >= BF_BELOW_SHARE or not history):
                method, ultimate = "chain-ladder", round(declared * cdf)
            elif history:
                prior = statistics.fmean(history[-3:])
                method, ultimate = "bornhuetter-ferguson", round(declared + prior * (1 - 1 / cdf))
            else:  # the cell's first month, nothing in yet: no basis for an estimate
                method, ultimate = "geen schatting", declared
            history.append(ultimate)
            out.append(Estimate(gemeente, categorie, o, age, declared, method, cdf, ultimate))
    return out


@dataclass
class BacktestRow:
    valuation: int
    gemeente: str
    origin: int
    age: int
    estimated: int
    actual: int

    @property
    def error_pct(self) -> float:
        return 100.0 * (self.estimated - self.actual) / self.actual


def backtest(rows: list, valuation: int) -> list[BacktestRow]:
    """Replay every month-end valuation whose recent origins have matured by ``valuation``."""
    now = Triangle.from_rows(rows)
    actual: dict[tuple[str, int], int] = defaultdict(int)
    for (gemeente, _), origins in now.cells.items():
        for o, lags in origins.items():
            actual[gemeente, o] += sum(lags.values())
    first = min((o for origins in now.cells.values() for o in origins), default=valuation)
    out = []
    # start once a few origins have developed: before that the factors rest on nothing
    for v in range(first + BACKTEST_AGES + 1, valuation - MATURE_MONTHS + 1):
        past = Triangle.from_rows(rows, valuation=v)
        per_gemeente: dict[tuple[str, int], int] = defaultdict(int)
        for e in estimate(past, v):
            if e.age < BACKTEST_AGES:
                per_gemeente[e.gemeente, e.origin] += e.ultimate
        for (gemeente, o), est in sorted(per_gemeente.items()):
            if actual.get((gemeente, o), 0) > 0:
                out.append(BacktestRow(v, gemeente, o, v - o, est, actual[gemeente, o]))
    return out


def error_range(bt: list[BacktestRow]) -> dict[int, tuple[float, float]]:
    """Per development age: (10th, 90th) percentile of the relative error (fraction)."""
    by_age: dict[int, list[float]] = defaultdict(list)
    for r in bt:
        by_age[r.age].append(r.error_pct / 100)
    out = {}
    for age, errors in by_age.items():
        if len(errors) >= 2:
            q = statistics.quantiles(errors, n=10, method="inclusive")
            out[age] = (q[0], q[-1])
        else:
            out[age] = (errors[0], errors[0])
    return out


TRIANGLE_SQL = """
SELECT gemeente, product_categorie, maand, declaratie_maand, sum(ingediend_bedrag_saldo)::bigint
FROM core.declaratie_regel_feit
WHERE status <> 'rejected'
GROUP BY gemeente, product_categorie, maand, declaratie_maand
"""


def refresh(conn: psycopg.Connection) -> dict[str, int]:
    """Recompute the forecast from core into mart.prognose_* (one transaction)."""
    rows = conn.execute(TRIANGLE_SQL).fetchall()
    peildatum = conn.execute("SELECT peildatum FROM core.peildatum").fetchone()[0]
    valuation = month_index(peildatum)
    tri = Triangle.from_rows(rows, valuation=valuation)
    factors = development_factors(tri, valuation)
    estimates = estimate(tri, valuation, factors)
    bt = backtest(rows, valuation)
    ranges = error_range(bt)
    pooled_range = error_range([BacktestRow(r.valuation, r.gemeente, r.origin, 0, r.estimated, r.actual) for r in bt])
    with conn.transaction():
        conn.execute("DELETE FROM mart.prognose_nog_te_declareren")
        conn.execute("DELETE FROM mart.prognose_ontwikkelfactor")
        conn.execute("DELETE FROM mart.prognose_backtest")
        with conn.cursor() as cur:
            with cur.copy("COPY mart.prognose_nog_te_declareren FROM STDIN") as copy:
                for e in estimates:
                    lo, hi = ranges.get(e.age, pooled_range.get(0, (0.0, 0.0)))
                    lo, hi = max(lo, -0.9), max(hi, -0.9)  # an estimate of 0 against a real amount: -100 %
                    nog = e.ultimate - e.declared
                    low = max(e.declared, round(e.ultimate / (1 + hi))) if nog else e.ultimate
                    high = max(low, round(e.ultimate / (1 + lo))) if nog else e.ultimate
                    copy.write_row((peildatum, e.gemeente, month_start(e.origin), e.categorie, e.age, e.declared,
                                    e.method, _finite(e.cdf), nog, e.ultimate, low, high))
            with cur.copy("COPY mart.prognose_ontwikkelfactor FROM STDIN") as copy:
                for k, (f, n) in enumerate(zip(factors.factor, factors.origins, strict=True)):
                    cdf = factors.cdf(k)
                    copy.write_row((peildatum, k, _finite(f), _finite(cdf), round(100 / cdf, 1), n))
            with cur.copy("COPY mart.prognose_backtest FROM STDIN") as copy:
                for r in bt:
                    copy.write_row((month_end(r.valuation), r.gemeente, month_start(r.origin), r.age, r.estimated,
                                    r.actual, round(r.error_pct, 2)))
    return {"mart.prognose_nog_te_declareren": len(estimates), "mart.prognose_backtest": len(bt)}


def _finite(x: float) -> float | None:
    """A factor for the warehouse: NULL when unbounded (nothing declared yet at that age)."""
    return round(x, 4) if math.isfinite(x) else None


def backtest_summary(conn: psycopg.Connection) -> list[tuple]:
    """(ontwikkelmaanden, n, mean absolute % error, mean % error = bias) from mart.prognose_backtest."""
    return conn.execute(
        "SELECT ontwikkelmaanden, count(*), round(avg(abs(fout_pct)), 2), round(avg(fout_pct), 2) "
        "FROM mart.prognose_backtest GROUP BY 1 ORDER BY 1"
    ).fetchall()

"""Forecast of what is still to be declared for delivered care (late declarations).

Providers declare a month of care days to weeks after it, so the most recent months always look
cheap. For every gemeente × productcategorie × month of delivery (*origin*) we know the amount
declared so far (non-rejected lines, credits netted, integer euro cents) and the care that was
running (youths in care from the JW305/JW307 start and stop messages, ``core.zorgperiode``).

* **Development in days.** An origin's development at valuation date ``V`` is the number of days
  since the END of its month (negative while the month is still running). Declarations are dated
  throughout the month, so months are too coarse: the share declared after ``t`` days comes from a
  chain-ladder on the region's pooled triangle with the development points of the origins at
  ``V`` itself (``f = Σ C(t_next) / Σ C(t)`` over the latest origins observed at ``t_next``).
* **Partial months.** The month of the valuation is delivered only up to ``V``: its declared
  amount counts each line pro rata to the days of its ProductPeriode up to ``V``, and its care days
  only the days up to ``V``. Months after ``V`` are not estimated (their prognose is the verplichting).
* **A-priori from exposure (Cape Cod).** Each cell's expected cost per care day is estimated from
  its developed months (``Σ declared / Σ care days × share in``, the latest ``ELR_MONTHS``; at least
  ``MIN_CARE_DAYS``), falling back to the category, then the region. Bornhuetter-Ferguson then gives every delivered month:
  ``ultimate = declared + cost per care day × care days × (1 − share in)`` – a month with more
  running care expects more cost, whatever happened the months before.
  A cell without care days (no start messages) falls back to the chain-ladder when at least half
  is in, else to the mean of its previous three months.
* **Band.** The backtest replays the valuation on the same day of every earlier month (what had
  been declared and started by then), estimates the cells of the last ``BACKTEST_AGES`` months and
  compares with what is known now for months that have since matured. The error is measured
  relative to the amount that was still outstanding (``(actual − estimate) / (estimate − declared)``),
  and its 10th/90th percentile per completeness class gives the band
  ``ultimate + q × outstanding``: it always contains the estimate and narrows as a month fills up.
* **Never negative** unless net credits are expected (the share in exceeds 100 % by more than
  ``CREDIT_MATERIAL``, or the cost per care day is negative); then ``creditering_verwacht`` says so.

Everything is a pure function of the input rows except :func:`refresh` (reads core, writes the
three ``mart.prognose_*`` tables) and :func:`backtest_summary`.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

import psycopg

#: months estimated per backtest valuation (ages 0..BACKTEST_AGES-1)
BACKTEST_AGES = 3
#: an origin counts as matured (its current amount is "actual") this many days after its month
MATURE_DAYS = 120
#: development beyond this many days after the month counts as complete (tail factor 1)
MAX_DAYS = 400
#: origins used per development link and for the cost per care day (recency)
LINK_ORIGINS = 12
ELR_MONTHS = 6
#: a cell needs this many care days over its developed months for a cost per care day of its own
MIN_CARE_DAYS = 300
#: net credits below this share of the ultimate are immaterial: such a month counts as complete
CREDIT_MATERIAL = 0.005
#: completeness classes of the band (share in, lower bounds)
BAND_CLASSES = (0.0, 0.5, 0.9)
#: band quantiles
BAND_LOW, BAND_HIGH = 0.1, 0.9

Cell = tuple[str, str]  # (gemeente, product_categorie)


def month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> dt.date:
    return month_start(index + 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Line:
    """Declared lines aggregated: cents for ProductPeriode begin..eind, declared on ``dagtekening``."""

    gemeente: str
    categorie: str
    begin: dt.date
    eind: dt.date
    dagtekening: dt.date
    cents: int

    def delivered_by(self, cut: dt.date) -> float:
        """The part of the amount for the days of the ProductPeriode up to ``cut``."""
        if cut >= self.eind:
            return self.cents
        days = (self.eind - self.begin).days + 1
        return self.cents * max(0, (cut - self.begin).days + 1) / days


@dataclass(frozen=True)
class Care:
    """``count`` care periods of a cell running begin..eind (``eind`` None: still running)."""

    gemeente: str
    categorie: str
    begin: dt.date
    eind: dt.date | None
    count: int = 1


class Data:
    """The inputs, indexed by cell and origin month."""

    def __init__(self, lines: list[Line], care: list[Care]):
        self.lines: dict[Cell, dict[int, list[Line]]] = defaultdict(lambda: defaultdict(list))
        self.pooled: dict[int, list[Line]] = defaultdict(list)
        for ln in lines:
            o = month_index(ln.begin)
            self.lines[ln.gemeente, ln.categorie][o].append(ln)
            self.pooled[o].append(ln)
        self.care: dict[Cell, list[Care]] = defaultdict(list)
        for c in care:
            self.care[c.gemeente, c.categorie].append(c)
        self.cells = sorted(set(self.lines) | set(self.care))
        # per (cell or None = pooled, origin): declaration dates in order and the running sum of cents
        self._cum: dict[tuple[Cell | None, int], tuple[list[dt.date], list[int]]] = {}
        for key, lines in [((cell, o), ls) for cell, origins in self.lines.items() for o, ls in origins.items()] + \
                [((None, o), ls) for o, ls in self.pooled.items()]:
            ordered = sorted(lines, key=lambda ln: ln.dagtekening)
            self._cum[key] = ([ln.dagtekening for ln in ordered], list(accumulate(ln.cents for ln in ordered)))

    def cumulative(self, cell: Cell | None, origin: int, v: dt.date) -> int:
        """Cents declared by ``v`` for the whole month ``origin`` of ``cell`` (None: the region)."""
        dates, sums = self._cum.get((cell, origin), ((), ()))
        i = bisect_right(dates, v)
        return sums[i - 1] if i else 0

    def declared(self, cell: Cell, origin: int, v: dt.date) -> float:
        """Declared by ``v`` for ``origin``; a month still running at ``v`` pro rata up to ``v``."""
        if month_end(origin) <= v:
            return self.cumulative(cell, origin, v)
        return sum(ln.delivered_by(v) for ln in self.lines.get(cell, {}).get(origin, ()) if ln.dagtekening <= v)

    def actual(self, lines: list[Line], origin: int, v: dt.date) -> float:
        """What is known now of the part of ``origin`` delivered by ``v``."""
        cut = min(month_end(origin), v)
        return sum(ln.delivered_by(cut) for ln in lines)

    def care_days(self, cell: Cell, origin: int, v: dt.date) -> int:
        """Care days in ``origin`` up to ``v``, as known at ``v`` (a later stop is not yet known)."""
        lo, hi = month_start(origin), min(month_end(origin), v)
        out = 0
        for c in self.care.get(cell, ()):
            end = c.eind if c.eind is not None and c.eind <= v else hi
            days = (min(end, hi) - max(c.begin, lo)).days + 1
            if days > 0:
                out += days * c.count
        return out


# --------------------------------------------------------------------------- development


def development(data: Data, v: dt.date) -> dict[int, float]:
    """Share of the ultimate declared by ``v``, per origin month up to the month of ``v``
    (day-based chain-ladder on the pooled triangle; see the module docstring)."""
    vm = month_index(v)
    first = min((o for o in data.pooled if o <= vm), default=vm + 1)
    full = [o for o in range(vm, first - 1, -1) if month_end(o) <= v]  # every month, latest first
    t = {o: (v - month_end(o)).days for o in full}
    grid = sorted({min(t[o], MAX_DAYS) for o in full})

    def cum(o: int, days: int) -> float:
        return data.cumulative(None, o, month_end(o) + dt.timedelta(days=days))

    share: dict[int, float] = {}
    cdf = 1.0
    cdf_at = {grid[-1]: 1.0} if grid else {}
    for a, b in zip(reversed(grid[:-1]), reversed(grid[1:]), strict=True):
        used = [o for o in full if t[o] >= b][:LINK_ORIGINS]
        num, den = sum(cum(o, b) for o in used), sum(cum(o, a) for o in used)
        cdf *= num / den if den > 0 else math.inf
        cdf_at[a] = cdf
    for o in full:
        c = cdf_at[min(t[o], MAX_DAYS)]
        share[o] = 0.0 if math.isinf(c) or c == 0 else 1 / c
        if 1 < share[o] <= 1 + CREDIT_MATERIAL:  # immaterial net credits: fully developed
            share[o] = 1.0
    if first <= vm and vm not in share:  # the month still running at v
        share[vm] = _partial_share(data, v, full[:LINK_ORIGINS], share)
    return share


def _partial_share(data: Data, v: dt.date, history: list[int], share: dict[int, float]) -> float:
    """Share of a running month's part-to-date declared by ``v``: how much of the same days of
    earlier months had been declared by the same day of those months."""
    day = (v - month_start(month_index(v))).days
    num = den = 0.0
    for o in history:
        cut = min(month_start(o) + dt.timedelta(days=day), month_end(o))
        lines = data.pooled.get(o, ())
        num += sum(ln.delivered_by(cut) for ln in lines if ln.dagtekening <= cut)
        if share[o] > 0:
            den += sum(ln.delivered_by(cut) for ln in lines if ln.dagtekening <= v) / share[o]
    return num / den if den > 0 else 0.0


# --------------------------------------------------------------------------- estimate


@dataclass
class Estimate:
    gemeente: str
    categorie: str
    origin: int
    days: int  # days since the end of the origin month at the valuation (negative: still running)
    declared: int
    share: float  # share of the ultimate declared (development)
    care_days: int
    cost_per_day: float | None
    method: str
    ultimate: int

    @property
    def age(self) -> int:
        return month_index(month_end(self.origin) + dt.timedelta(days=self.days)) - self.origin

    @property
    def outstanding(self) -> int:
        return self.ultimate - self.declared


def _cost_per_day(pairs: list[tuple[float, float]], minimum: float = MIN_CARE_DAYS) -> float | None:
    """Cape Cod: Σ declared / Σ (care days × share in) over the latest developed months (None
    below ``minimum`` care days)."""
    pairs = pairs[-ELR_MONTHS:]
    used = sum(e for _, e in pairs)
    return sum(c for c, _ in pairs) / used if used >= minimum and used > 0 else None


def estimate(data: Data, v: dt.date) -> list[Estimate]:
    """Ultimate per cell and origin, from the cell's first month up to the month of ``v``."""
    vm = month_index(v)
    share = development(data, v)
    rows: dict[Cell, list[tuple[int, float, int, float]]] = {}
    history: dict[Cell, list[tuple[float, float]]] = defaultdict(list)
    pooled_cat: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    pooled_all: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for cell in data.cells:
        origins = list(data.lines.get(cell, {})) + [month_index(c.begin) for c in data.care.get(cell, ())]
        first = max(min(origins), min(share, default=vm))
        out = []
        for o in range(first, vm + 1):
            c = data.declared(cell, o, v)
            e = data.care_days(cell, o, v)
            f = share.get(o, 0.0)
            out.append((o, c, e, f))
            if o < vm and f >= 0.5 and e > 0:
                history[cell].append((c, e * f))
                for acc in (pooled_cat[cell[1]][o], pooled_all[o]):
                    acc[0] += c
                    acc[1] += e * f
        rows[cell] = out
    cat_rate = {k: _cost_per_day([tuple(p[o]) for o in sorted(p)]) for k, p in pooled_cat.items()}
    all_rate = _cost_per_day([tuple(pooled_all[o]) for o in sorted(pooled_all)], minimum=0)
    result = []
    for cell, out in rows.items():
        rate = _cost_per_day(history[cell])
        rate = rate if rate is not None else cat_rate.get(cell[1])
        rate = rate if rate is not None else all_rate
        ultimates: list[float] = []
        for o, c, e, f in out:
            if e > 0 and rate is not None:
                method, u = "bornhuetter-ferguson", c + rate * e * (1 - f)
            elif f >= 0.5:
                method, u = "chain-ladder", c / f
            elif ultimates:
                method, u = "gemiddelde", c + statistics.fmean(ultimates[-3:]) * (1 - f)
            else:
                method, u = "geen schatting", c
            ultimates.append(u)
            days = (v - month_end(o)).days
            result.append(Estimate(cell[0], cell[1], o, days, round(c), f, e,
                                   rate if method == "bornhuetter-ferguson" else None, method, round(u)))
    return result


# --------------------------------------------------------------------------- backtest and band


def valuations(peildatum: dt.date, first: int) -> list[dt.date]:
    """Earlier valuation dates on the same day of the month as the peildatum (month ends when the
    peildatum is one), whose last BACKTEST_AGES months have matured by the peildatum."""
    last_day = peildatum == month_end(month_index(peildatum))
    out = []
    for m in range(first + 2, month_index(peildatum)):
        v = month_end(m) if last_day else min(month_start(m) + dt.timedelta(days=peildatum.day - 1), month_end(m))
        if v + dt.timedelta(days=MATURE_DAYS) <= peildatum:
            out.append(v)
    return out


@dataclass
class BacktestRow:
    valuation: dt.date
    gemeente: str
    origin: int
    age: int
    declared: int
    estimated: int
    actual: int
    share: float
    method: str

    @property
    def error_pct(self) -> float:
        return 100.0 * (self.estimated - self.actual) / self.actual

    @property
    def outstanding_error(self) -> float | None:
        """(actual − estimate) relative to what was still outstanding then."""
        out = self.estimated - self.declared
        return (self.actual - self.estimated) / abs(out) if abs(out) >= 0.005 * abs(self.estimated) else None


def backtest(data: Data, peildatum: dt.date) -> list[BacktestRow]:
    """Replay every earlier valuation and compare per gemeente with what is known now."""
    first = min((o for o in data.pooled), default=month_index(peildatum))
    out = []
    for v in valuations(peildatum, first):
        vm = month_index(v)
        per: dict[tuple[str, int], list] = {}
        for e in estimate(data, v):
            if vm - e.origin >= BACKTEST_AGES:
                continue
            acc = per.setdefault((e.gemeente, e.origin), [0, 0, 0.0, set()])
            acc[0] += e.declared
            acc[1] += e.ultimate
            acc[2] += data.actual(data.lines.get((e.gemeente, e.categorie), {}).get(e.origin, []), e.origin, v)
            acc[3].add(e.method)
        for (gemeente, o), (declared, est, act, methods) in sorted(per.items()):
            if act > 0:
                share = declared / est if est > 0 else 0.0
                method = methods.pop() if len(methods) == 1 else "gemengd"
                out.append(BacktestRow(v, gemeente, o, vm - o, declared, est, round(act), share, method))
    return out


def band_class(share: float) -> int:
    return max(i for i, lo in enumerate(BAND_CLASSES) if share >= lo or i == 0)


def band_quantiles(bt: list[BacktestRow]) -> dict[int | None, tuple[float, float]]:
    """Per completeness class (and None: all): 10th/90th percentile of the outstanding error,
    widened to contain 0 so the estimate is always inside its band."""
    groups: dict[int | None, list[float]] = defaultdict(list)
    for r in bt:
        err = r.outstanding_error
        if err is not None:
            groups[band_class(r.share)].append(err)
            groups[None].append(err)
    out = {}
    for k, errs in groups.items():
        if len(errs) >= 5:
            q = statistics.quantiles(errs, n=10, method="inclusive")
            out[k] = (min(q[0], 0.0), max(q[-1], 0.0))
    return out


def band(ultimate: int, declared: int, share: float, quantiles: dict) -> tuple[int, int]:
    """(low, high) around ``ultimate``: the quantiles of its completeness class × the outstanding."""
    lo, hi = quantiles.get(band_class(share), quantiles.get(None, (0.0, 0.0)))
    outstanding = abs(ultimate - declared)
    return round(ultimate + lo * outstanding), round(ultimate + hi * outstanding)


# --------------------------------------------------------------------------- warehouse

LINES_SQL = """
SELECT gemeente, product_categorie, product_periode_begindatum, product_periode_einddatum,
       declaratie_dagtekening, sum(ingediend_bedrag_saldo)::bigint
FROM core.declaratie_regel_feit
WHERE status IS DISTINCT FROM 'rejected' AND product_categorie IS NOT NULL
  AND declaratie_dagtekening IS NOT NULL AND product_periode_begindatum IS NOT NULL
  AND product_periode_einddatum >= product_periode_begindatum
GROUP BY 1, 2, 3, 4, 5
"""
CARE_SQL = """
SELECT gemeente, product_categorie, begindatum, einddatum, count(*)::integer
FROM core.zorgperiode
WHERE product_categorie IS NOT NULL AND gemeente IS NOT NULL AND begindatum IS NOT NULL
  AND (einddatum IS NULL OR einddatum >= begindatum)
GROUP BY 1, 2, 3, 4
"""


def load(conn: psycopg.Connection) -> tuple[Data, dt.date]:
    lines = [Line(*r) for r in conn.execute(LINES_SQL)]
    care = [Care(*r) for r in conn.execute(CARE_SQL)]
    peildatum = conn.execute("SELECT peildatum FROM core.peildatum").fetchone()[0]
    return Data(lines, care), peildatum


def refresh(conn: psycopg.Connection) -> dict[str, int]:
    """Recompute the forecast from core into mart.prognose_* (one transaction)."""
    data, peildatum = load(conn)
    estimates = estimate(data, peildatum)
    bt = backtest(data, peildatum)
    quantiles = band_quantiles(bt)
    share = development(data, peildatum)
    vm = month_index(peildatum)
    with conn.transaction():
        conn.execute("DELETE FROM mart.prognose_nog_te_declareren")
        conn.execute("DELETE FROM mart.prognose_ontwikkelfactor")
        conn.execute("DELETE FROM mart.prognose_backtest")
        with conn.cursor() as cur:
            with cur.copy("COPY mart.prognose_nog_te_declareren FROM STDIN") as copy:
                for e in estimates:
                    low, high = band(e.ultimate, e.declared, e.share, quantiles)
                    copy.write_row((
                        peildatum, e.gemeente, month_start(e.origin), e.categorie, vm - e.origin, e.declared,
                        e.method, _factor(e.share), e.outstanding, e.ultimate, low, high, e.days,
                        min(month_end(e.origin), peildatum), round(100 * e.share, 1), e.care_days,
                        None if e.cost_per_day is None else round(e.cost_per_day, 2), e.outstanding < 0))
            with cur.copy("COPY mart.prognose_ontwikkelfactor FROM STDIN") as copy:
                days = {o: (peildatum - month_end(o)).days for o in share}
                for o in sorted((o for o in share if days[o] <= MATURE_DAYS + 31), reverse=True):  # still moving
                    k = vm - o
                    basis = min(LINK_ORIGINS, sum(1 for x in share if days[x] > days[o]))
                    nxt = share.get(o - 1)
                    factor = nxt / share[o] if nxt is not None and share[o] > 0 else None
                    copy.write_row((peildatum, k, None if factor is None else round(factor, 4), _factor(share[o]),
                                    round(100 * share[o], 1), basis, days[o]))
            with cur.copy("COPY mart.prognose_backtest FROM STDIN") as copy:
                for r in bt:
                    copy.write_row((r.valuation, r.gemeente, month_start(r.origin), r.age, r.estimated, r.actual,
                                    round(r.error_pct, 2), r.declared, round(100 * r.share, 1), r.method))
    return {"mart.prognose_nog_te_declareren": len(estimates), "mart.prognose_backtest": len(bt)}


def _factor(share: float) -> float | None:
    """Cumulative development factor (ultimate / declared): NULL when nothing is in yet."""
    return round(1 / share, 4) if share > 0 else None


def backtest_summary(conn: psycopg.Connection) -> list[tuple]:
    """(ontwikkelmaanden, n, mean absolute % error, mean % error = bias) from mart.prognose_backtest."""
    return conn.execute(
        "SELECT ontwikkelmaanden, count(*), round(avg(abs(fout_pct)), 2), round(avg(fout_pct), 2) "
        "FROM mart.prognose_backtest GROUP BY 1 ORDER BY 1"
    ).fetchall()

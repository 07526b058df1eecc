"""Charts as PNG bytes (matplotlib, Agg backend), drawn only from suppressed report tables:
a suppressed count is not drawn and its place is labelled "<5" (or "x" for a hidden one).
Money axes tick at round values in one unit (€ 0 – € 2,0 mln); months whose data is still
incomplete (the declaration lag before the peildatum) are drawn hatched and labelled."""

from __future__ import annotations

import io

from matplotlib.ticker import Formatter

from jeugdhulp.reports import fmt
from jeugdhulp.reports.fmt import MARKERS
from jeugdhulp.reports.model import Report

# a quiet palette that prints well in black and white too
BEGROTING = "#9aa5b1"
REALISATIE = "#1f4e79"
NOG = "#6fa8dc"
PROGNOSE = "#e69138"
VERPLICHTING = "#c9daf8"
BEHANDELING = "#76a5af"
ONVOLLEDIG = "#999999"
EIGEN = "#e69138"
ANDERE = "#1f4e79"
DPI = 150


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "axes.spines.top": False,
                         "axes.spines.right": False, "axes.titlesize": 9, "legend.fontsize": 7,
                         "legend.frameon": False, "svg.fonttype": "none"})
    return plt


class EuroFormatter(Formatter):
    """Tick labels for an axis in euro cents: one unit for the whole axis, as many decimals as the
    tick step needs (0 - 0,5 - 1,0 - 1,5 mln; 0 - 20.000 - 40.000), zero as "€ 0"."""

    def __call__(self, v, pos=None):
        return euro_tick(v, list(self.locs))


def euro_tick(v: float, locs: list[float]) -> str:
    """The label of the tick ``v`` (cents) on an axis with the ticks ``locs`` (cents)."""
    if abs(v) < 0.5:
        return "€ 0"
    top = max((abs(x) for x in locs), default=abs(v)) or abs(v)
    positive = sorted({round(abs(x)) for x in locs if abs(x) >= 0.5})
    step = min((b - a for a, b in zip(positive, positive[1:])), default=positive[0] if positive else abs(v))
    if top >= 100_000_000:  # from € 1 mln: in millions
        scale, unit = 100_000_000, " mln"
    else:
        scale, unit = 100, ""
    decimals = 0
    while decimals < 3 and abs(step / scale * 10 ** decimals - round(step / scale * 10 ** decimals)) > 1e-6:
        decimals += 1
    if unit and top < 1_000_000_000:  # under € 10 mln: "€ 2,0 mln", the unit's usual notation
        decimals = max(decimals, 1)
    return "€ " + fmt.getal(v / scale, decimals) + unit


def _euro_axis(ax, axis: str = "y"):
    from matplotlib.ticker import MaxNLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    # steps 1, 2, 5: every tick is a round number in the unit, never 1,25 (shown as "1,2")
    target.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], min_n_ticks=3))
    target.set_major_formatter(EuroFormatter())


def _count_axis(ax):
    """Whole numbers from 0; at least up to 5, so a chart of only hidden (<5) counts still has an axis."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.set_ylim(0, max(ax.get_ylim()[1], 5))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.getal(v)))


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _month_tick(r: dict) -> str:
    return fmt.MAANDEN_KORT[r["maand"].month - 1] + (" *" if r.get("onvolledig") else "")


def _mark_incomplete(ax, rows: list[dict]) -> None:
    """Hatch the months whose data is still incomplete and say so on the chart (the legend gets an entry)."""
    first = True
    for i, r in enumerate(rows):
        if r.get("onvolledig"):
            ax.axvspan(i - 0.5, i + 0.5, facecolor="none", edgecolor=ONVOLLEDIG, hatch="..", linewidth=0, zorder=0,
                       label="* onvolledig (declaratievertraging)" if first else None)
            first = False


def _num(v) -> float:
    return 0.0 if v is None or v in MARKERS else float(v)


def categorie(report: Report) -> bytes:
    plt = _plt()
    t = report.tables["categorie"]
    rows = list(reversed(t.rows))
    fig, ax = plt.subplots(figsize=(9.0, 0.3 * len(rows) + 1.2))
    y = range(len(rows))
    h = 0.26
    ax.barh([i + h for i in y], [r["begroting"] for r in rows], h, color=BEGROTING, label="Begroting")
    ax.barh(list(y), [r["realisatie"] for r in rows], h, color=REALISATIE, label=t.col("realisatie").label)
    ax.barh([i - h for i in y], [r["prognose"] for r in rows], h, color=PROGNOSE, label="Prognose")
    ax.set_yticks(list(y), [r["categorie"] for r in rows])
    _euro_axis(ax, "x")
    ax.set_title(f"Begroting, realisatie en prognose per productcategorie – {report.period.label}")
    ax.legend(loc="lower right")
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    return _png(fig)


def maandverloop(report: Report) -> bytes:
    plt = _plt()
    t = report.tables["maand"]
    rows = t.rows
    x = list(range(len(rows)))
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    months = set(report.period.months)
    for i, r in enumerate(rows):
        if r["maand"] in months:
            ax.axvspan(i - 0.5, i + 0.5, color="#fff2cc", zorder=0)
    real = [r["realisatie"] if r["soort"] != "verplichting" else 0 for r in rows]
    nog = [r["nog_te_declareren"] if r["soort"] != "verplichting" else 0 for r in rows]
    verpl = [r["prognose"] if r["soort"] == "verplichting" else 0 for r in rows]
    behandeling = [r["in_behandeling"] if r["soort"] != "verplichting" else 0 for r in rows]
    ax.bar(x, real, 0.7, color=REALISATIE, label=t.col("realisatie").label)
    if any(behandeling):
        ax.bar(x, behandeling, 0.7, bottom=real, color=BEHANDELING, label="In behandeling")
    ax.bar(x, nog, 0.7, bottom=[a + b for a, b in zip(real, behandeling)], color=NOG, label="Nog te declareren (schatting)")
    ax.bar(x, verpl, 0.7, color=VERPLICHTING, hatch="///", edgecolor="#6d9eeb", label="Verplichting (na peildatum)")
    err = [(i, r) for i, r in enumerate(rows) if r["prognose_laag"] is not None]
    if err:
        ax.errorbar([i for i, _ in err], [r["prognose"] for _, r in err],
                    yerr=[[max(r["prognose"] - r["prognose_laag"], 0) for _, r in err],
                          [max(r["prognose_hoog"] - r["prognose"], 0) for _, r in err]],
                    fmt="none", ecolor="#444444", capsize=3, linewidth=0.8, label="Bandbreedte prognose")
    ax.plot(x, [r["begroting"] for r in rows], color=BEGROTING, marker="o", markersize=3, linewidth=1.5, label="Begroting")
    _mark_incomplete(ax, rows)
    ax.set_xticks(x, [_month_tick(r) for r in rows])
    _euro_axis(ax)
    ax.set_title(f"Maandverloop {report.period.jaar} (geel: de rapportageperiode)")
    ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    return _png(fig)


def per1000(report: Report) -> bytes:
    plt = _plt()
    t = report.tables["per1000"]
    rows = t.rows
    fig, ax = plt.subplots(figsize=(7.2, 3.0))
    x = list(range(len(rows)))
    vals = [_num(r["jeugdigen_per_1000"]) for r in rows]
    ax.bar(x, vals, 0.7, color=[EIGEN if r.get("eigen") else ANDERE for r in rows])
    for i, r in enumerate(rows):
        if r["jeugdigen_per_1000"] in MARKERS:
            ax.text(i, 0, r["jeugdigen_per_1000"], ha="center", va="bottom", fontsize=7)
    if t.total and t.total.get("jeugdigen_per_1000") not in (None, *MARKERS):
        ax.axhline(t.total["jeugdigen_per_1000"], color="#444444", linestyle="--", linewidth=1,
                   label=f"Regio: {fmt.getal(t.total['jeugdigen_per_1000'], 1)}")
    cbs = [(i, r["cbs_gemeente_per_1000_0_22"]) for i, r in enumerate(rows) if r["cbs_gemeente_per_1000_0_22"] is not None]
    if cbs:
        ax.scatter([i for i, _ in cbs], [v for _, v in cbs], marker="_", s=200, color="#cc0000",
                   label="CBS gemeente (0-22 jaar)", zorder=3)
    nl = _nl(t.note)
    if nl is not None:
        ax.axhline(nl, color="#cc0000", linestyle=":", linewidth=1, label=f"CBS Nederland (0-22): {fmt.getal(nl, 1)}")
    if not any(vals) and not cbs:
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.text(0.5, 0.5, "Geen inwonertallen (CBS) geladen: per 1.000 jongeren is niet te berekenen",
                transform=ax.transAxes, ha="center", va="center", fontsize=8, color="#777777")
    ax.set_xticks(x, [r["gemeente_naam"] for r in rows], rotation=35, ha="right")
    ax.set_ylabel("per 1.000 jongeren")
    ax.set_title(f"Jeugdigen in zorg per 1.000 inwoners van 0-17 jaar, {report.period.jaar}")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    return _png(fig)


def _nl(note: str) -> float | None:
    import re

    m = re.match(r"CBS Nederland: ([\d.]+,\d)", note or "")
    return float(m.group(1).replace(".", "").replace(",", ".")) if m else None


def instroom(report: Report) -> bytes:
    plt = _plt()
    rows = report.tables["instroom"].rows
    fig, ax = plt.subplots(figsize=(7.2, 3.0))
    x = list(range(len(rows)))
    w = 0.38
    ax.bar([i - w / 2 for i in x], [_num(r["instroom"]) for r in rows], w, color=REALISATIE, label="Instroom")
    ax.bar([i + w / 2 for i in x], [_num(r["uitstroom"]) for r in rows], w, color=PROGNOSE, label="Uitstroom")
    for i, r in enumerate(rows):
        for key, dx in (("instroom", -w / 2), ("uitstroom", w / 2)):
            if r[key] in MARKERS:
                ax.text(i + dx, 0, r[key], ha="center", va="bottom", fontsize=6)
    ax2 = ax.twinx()
    # a hidden or undefined month is a gap in the line, not a straight line across it
    pct = [float("nan") if r["volgens_plan_pct"] in (None, *MARKERS) else r["volgens_plan_pct"] for r in rows]
    if any(v == v for v in pct):
        ax2.plot(x, pct, color="#38761d", marker="o", markersize=3, label="% uitstroom volgens plan")
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("% volgens plan")
    ax2.spines["right"].set_visible(True)
    _mark_incomplete(ax, rows)
    ax.set_xticks(x, [_month_tick(r) for r in rows])
    _count_axis(ax)
    ax.set_ylabel("trajecten")
    ax.set_title("Instroom en uitstroom van zorgtrajecten per maand")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    return _png(fig)


def aanbieders(report: Report) -> bytes:
    plt = _plt()
    t = report.tables["aanbieders"]
    rows = t.rows[::-1]
    fig, ax = plt.subplots(figsize=(7.2, 0.32 * len(rows) + 1.0))
    ax.barh(range(len(rows)), [r["realisatie"] for r in rows],
            color=[BEGROTING if not r["aanbieder"] else REALISATIE for r in rows])
    ax.set_yticks(range(len(rows)), [r["aanbieder_naam"] for r in rows])
    _euro_axis(ax, "x")
    ax.set_title(f"Grootste aanbieders naar {t.col('realisatie').label.lower()} – {report.period.label}")
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    return _png(fig)


def vertraging(report: Report) -> bytes:
    plt = _plt()
    rows = report.tables["vertraging"].rows
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(7.2, 2.8), gridspec_kw={"width_ratios": [3, 2]})
    x = list(range(len(rows)))
    ged = [r["gedeclareerd"] for r in rows]
    ax.bar(x, ged, 0.6, color=REALISATIE, label="Gedeclareerd (ingediend)")
    ax.bar(x, [max(r["nog_te_declareren"], 0) for r in rows], 0.6, bottom=ged, color=NOG, label="Nog te declareren")
    ax.errorbar(x, [r["prognose"] for r in rows],
                yerr=[[max(r["prognose"] - r["laag"], 0) for r in rows], [max(r["hoog"] - r["prognose"], 0) for r in rows]],
                fmt="none", ecolor="#444444", capsize=4, linewidth=0.8, label="Bandbreedte (10-90%)")
    _mark_incomplete(ax, rows)
    ax.set_xticks(x, [fmt.maand(r["maand"], kort=True) + (" *" if r.get("onvolledig") else "") for r in rows],
                  rotation=0 if len(rows) <= 4 else 45)
    _euro_axis(ax)
    ax.set_title("Verwacht eindbedrag per leveringsmaand")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    ont = report.tables["ontwikkeling"].rows
    if ont:
        ax2.plot([r["ontwikkelmaanden"] for r in ont], [r["aandeel_binnen_pct"] for r in ont], color=REALISATIE, marker="o",
                 markersize=3)
        ax2.set_ylim(0, 105)
    ax2.set_xlabel("maanden na levering")
    ax2.set_ylabel("% van eindbedrag gedeclareerd")
    ax2.set_title("Declaratievertraging (regio)")
    ax2.grid(color="#dddddd", linewidth=0.5)
    fig.tight_layout()
    return _png(fig)


#: chart key -> (function, the table it illustrates)
CHARTS = {
    "categorie": categorie,
    "maand": maandverloop,
    "per1000": per1000,
    "instroom": instroom,
    "aanbieders": aanbieders,
    "vertraging": vertraging,
}


def render_all(report: Report) -> dict[str, bytes]:
    return {key: f(report) for key, f in CHARTS.items()}

"""The figures of one report, read from the marts (money) and core (distinct youths over a period).

Every amount comes from ``mart.pc_gemeente_maand_vastgesteld`` (closed months frozen, open months
provisional), ``mart.pc_gemeente_jaar``, ``mart.prognose_*``, ``mart.instroom_uitstroom_gemeente_maand``
and ``mart.dq_scorecard_aanbieder_maand``. Counts of *unique* youths over a quarter or a year
cannot be added up from monthly cells, so those (and the providers per gemeente, which no mart
carries) are counted in ``core.declaratie_regel_feit`` with the marts' definition: a non-rejected
debit line in a month of delivery inside the period.
"""

from __future__ import annotations

import datetime as dt

import psycopg

from jeugdhulp.reports import fmt
from jeugdhulp.reports.model import Col, DataState, Report, Scope, Table
from jeugdhulp.reports.period import Period, PeriodError

TOP_AANBIEDERS = 10
#: providers below this data-quality score in the period are named on the cover
DQ_DREMPEL = 95.0

_SCOPE = "(%(g)s::text IS NULL OR {col} = %(g)s)"


#: a delivered month with less than this share of its expected final amount declared is marked
#: incomplete (the declaration lag before the peildatum, not a trend)
VOLLEDIG_PCT = 95.0


class ReportDataError(RuntimeError):
    """The marts a report reads are missing or not refreshed yet."""


class ReportPeriodError(PeriodError):
    """The period cannot be reported: it lies in the future, or the warehouse holds no data for it.
    Retrying does not help (a DAG fails the run, the CLI exits with this message)."""


def check_period(conn: psycopg.Connection, period: Period, today: dt.date | None = None) -> None:
    """Refuse a period that has not started yet, or one without a single declaration line in it
    (a report of zeros would read as 'no care was given')."""
    today = today or dt.date.today()
    if period.start > today:
        raise ReportPeriodError(f"period {period.code} starts on {period.start:%d-%m-%Y}, after today "
                                f"({today:%d-%m-%Y}): a report can only be made for a period that has begun")
    lo, hi, n = conn.execute(
        """SELECT min(maand), max(maand), count(*) FILTER (WHERE maand BETWEEN %s AND %s)
           FROM core.declaratie_regel_feit""", (period.start, period.months[-1])).fetchone()
    if not n:
        held = (f"the warehouse holds declarations for care from {lo:%m-%Y} to {hi:%m-%Y}" if lo
                else "the warehouse holds no declarations at all")
        raise ReportPeriodError(f"period {period.code}: no declaration (JW323) for care in "
                                f"{period.start:%m-%Y} – {period.months[-1]:%m-%Y}; {held}. "
                                "Choose a period with data, or ingest its messages first")


def check_ready(conn: psycopg.Connection) -> None:
    rows = dict(conn.execute(
        "SELECT matviewname, ispopulated FROM pg_matviews WHERE schemaname = 'mart' AND matviewname = ANY(%s)",
        (["pc_gemeente_maand", "pc_gemeente_jaar", "instroom_uitstroom_gemeente_maand", "dq_scorecard_aanbieder_maand"],),
    ).fetchall())
    missing = [m for m in ("pc_gemeente_maand", "pc_gemeente_jaar", "instroom_uitstroom_gemeente_maand",
                           "dq_scorecard_aanbieder_maand") if not rows.get(m)]
    if missing:
        raise ReportDataError("the marts are not refreshed yet (" + ", ".join(f"mart.{m}" for m in missing)
                              + "): run the DAG marts_refresh (or jeugdhulp.marts.refresh) first")


def scopes(conn: psycopg.Connection) -> list[Scope]:
    """The region first, then every gemeente (core.gemeente)."""
    rows = conn.execute("SELECT gemeente, gemeente_naam FROM core.gemeente ORDER BY gemeente_naam").fetchall()
    return [regio_scope(len(rows))] + [Scope(g, naam) for g, naam in rows]


#: the region: the reports' author (PDF/XLSX metadata) and the region report's subject
REGIO = "Jeugdhulpregio IJsselland"


def regio_scope(n: int = 11) -> Scope:
    return Scope(None, f"{REGIO} ({n} gemeenten)")


def scope_for(conn: psycopg.Connection, gemeente: str | None) -> Scope:
    if gemeente in (None, "", "regio"):
        return regio_scope(conn.execute("SELECT count(*) FROM core.gemeente").fetchone()[0])
    row = conn.execute("SELECT gemeente, gemeente_naam FROM core.gemeente WHERE gemeente = %s OR "
                       "lower(gemeente_naam) = lower(%s)", (gemeente, gemeente)).fetchone()
    if row is None:
        raise ValueError(f"unknown gemeente {gemeente!r} (a CBS code like 0193, or a name)")
    return Scope(*row)


def _params(scope: Scope, period: Period) -> dict:
    return {"g": scope.gemeente, "van": period.start, "tot": period.months[-1], "jaar": period.jaar,
            "jaar_van": dt.date(period.jaar, 1, 1), "eind": period.end}


#: realisatie is what the gemeente granted (INTERFACES.md); what awaits an answer stands beside it
REALISATIE = "Realisatie (toegekend)"
REALISATIE_TOELICHTING = ("Toegekend bedrag (JW325 met een positief antwoord) voor zorg geleverd in de periode: debet "
                          "min credit, plus de vaste maandbedragen voor taakgerichte zorg; afgesloten maanden zoals bij "
                          "afsluiten.")


IN_BEHANDELING_TOELICHTING = ("Ingediend voor zorg in de periode, nog zonder antwoord (JW325): debet min credit. "
                              "Nog niet toegekend, telt wel mee in de prognose.")


def _dicts(cur) -> list[dict]:
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _q(conn, sql: str, params: dict) -> list[dict]:
    return _dicts(conn.execute(sql, params))


# --------------------------------------------------------------------------- tables


def categorie_table(conn, p: dict) -> Table:
    rows = _q(conn, f"""
        WITH periode AS (
            SELECT v.product_categorie,
                   sum(v.begroting_bedrag) AS begroting, sum(v.realisatie_bedrag) AS realisatie,
                   sum(v.in_behandeling_bedrag) AS in_behandeling,
                   sum(v.nog_te_declareren_bedrag) AS nog_te_declareren,
                   sum(CASE WHEN m.geleverd THEN v.realisatie_bedrag + v.in_behandeling_bedrag + v.nog_te_declareren_bedrag
                            ELSE v.verplichting_bedrag END) AS prognose,
                   sum(v.correctie_na_afsluiting_bedrag) AS correctie
            FROM mart.pc_gemeente_maand_vastgesteld v
            JOIN mart.pc_gemeente_maand m USING (gemeente, maand, product_categorie)
            WHERE v.maand BETWEEN %(van)s AND %(tot)s AND {_SCOPE.format(col='v.gemeente')}
            GROUP BY v.product_categorie
        ), jaar AS (
            SELECT product_categorie, sum(begroting_bedrag) AS begroting_jaar, sum(prognose_bedrag) AS prognose_jaar
            FROM mart.pc_gemeente_maand
            WHERE jaar = %(jaar)s AND {_SCOPE.format(col='gemeente')}
            GROUP BY product_categorie
        ), jeugdigen AS (
            SELECT product_categorie, count(DISTINCT client_pseudoniem) AS jeugdigen
            FROM core.declaratie_regel_feit
            WHERE status <> 'rejected' AND debet_credit = 'D' AND maand BETWEEN %(van)s AND %(tot)s
              AND {_SCOPE.format(col='gemeente')}
            GROUP BY product_categorie
        )
        SELECT product_categorie, coalesce(pc.omschrijving, 'onbekend') AS omschrijving,
               coalesce(p.begroting, 0)::bigint AS begroting, coalesce(p.realisatie, 0)::bigint AS realisatie,
               coalesce(p.in_behandeling, 0)::bigint AS in_behandeling,
               coalesce(p.nog_te_declareren, 0)::bigint AS nog_te_declareren,
               coalesce(p.prognose, 0)::bigint AS prognose,
               coalesce(j.begroting_jaar, 0)::bigint AS begroting_jaar,
               coalesce(j.prognose_jaar, 0)::bigint AS prognose_jaar,
               (coalesce(j.prognose_jaar, 0) - coalesce(j.begroting_jaar, 0))::bigint AS verschil_jaar,
               coalesce(y.jeugdigen, 0)::integer AS jeugdigen,
               coalesce(p.correctie, 0)::bigint AS correctie
        FROM periode p
        FULL JOIN jaar j USING (product_categorie)
        FULL JOIN jeugdigen y USING (product_categorie)
        LEFT JOIN core.productcategorie pc USING (product_categorie)
        ORDER BY product_categorie
        """, p)
    rows = [r for r in rows if any(r[k] for k in ("begroting", "realisatie", "in_behandeling", "prognose",
                                                   "begroting_jaar", "prognose_jaar", "jeugdigen"))]
    for r in rows:
        r["categorie"] = f"{r['product_categorie']} {_kort(r.pop('omschrijving'))}"
    total = {k: sum(r[k] for r in rows) for k in ("begroting", "realisatie", "in_behandeling", "nog_te_declareren",
                                                  "prognose", "begroting_jaar", "prognose_jaar", "verschil_jaar", "correctie")}
    total["categorie"] = "Totaal"
    total["jeugdigen"] = _distinct_jeugdigen(conn, p, p["van"], p["tot"])
    return Table(
        "categorie", "Begroting, realisatie en prognose per productcategorie",
        [
            Col("categorie", "Productcategorie", toelichting="ProductCategorie (JZ020) met omschrijving."),
            Col("begroting", "Begroting periode", "bedrag", toelichting="Begroting voor de maanden van de periode (een twaalfde van de jaarbegroting per maand)."),
            Col("realisatie", REALISATIE, "bedrag", toelichting=REALISATIE_TOELICHTING),
            Col("in_behandeling", "In behandeling", "bedrag", toelichting=IN_BEHANDELING_TOELICHTING),
            Col("nog_te_declareren", "Nog te declareren (schatting)", "bedrag", toelichting="Schatting van wat voor de geleverde maanden nog gedeclareerd gaat worden (late declaraties, chain-ladder)."),
            Col("prognose", "Prognose periode", "bedrag", toelichting="Realisatie (toegekend) + in behandeling + nog te declareren; voor maanden na de peildatum de verplichting uit toewijzingen."),
            Col("begroting_jaar", "Begroting jaar", "bedrag", toelichting="Jaarbegroting (contractwerkboek)."),
            Col("prognose_jaar", "Prognose jaareinde", "bedrag", toelichting="Verwachte kosten over het hele jaar (actueel): realisatie + nog te declareren + resterende verplichtingen."),
            Col("verschil_jaar", "Prognose − begroting", "bedrag", toelichting="Prognose jaareinde min jaarbegroting (positief = overschrijding)."),
            Col("jeugdigen", "Jeugdigen", "jeugdigen", toelichting="Unieke jeugdigen met een niet-afgewezen declaratie voor zorg in de periode."),
        ],
        rows, total,
        note="Bedragen in euro. Prognose periode = realisatie (toegekend) + in behandeling + nog te declareren. Jeugdigen zijn unieke personen; het totaal telt iedere jeugdige één keer, "
             "ook als die zorg in meer productcategorieën kreeg.",
    )


def _kort(text: str, n: int = 42) -> str:
    text = text.replace("(2015) ", "")
    return text if len(text) <= n else text[: n - 1] + "…"


def _distinct_jeugdigen(conn, p: dict, van: dt.date, tot: dt.date) -> int:
    return conn.execute(
        f"""SELECT count(DISTINCT client_pseudoniem) FROM core.declaratie_regel_feit
            WHERE status <> 'rejected' AND debet_credit = 'D' AND maand BETWEEN %(a)s AND %(b)s
              AND {_SCOPE.format(col='gemeente')}""", {**p, "a": van, "b": tot}).fetchone()[0]


def maand_table(conn, p: dict) -> Table:
    rows = _q(conn, f"""
        WITH v AS (
            SELECT v.maand, v.status, v.begroting_bedrag, v.realisatie_bedrag, v.in_behandeling_bedrag,
                   v.nog_te_declareren_bedrag, v.verplichting_bedrag, m.geleverd
            FROM mart.pc_gemeente_maand_vastgesteld v
            JOIN mart.pc_gemeente_maand m USING (gemeente, maand, product_categorie)
            WHERE v.jaar = %(jaar)s AND {_SCOPE.format(col='v.gemeente')}
        ), band AS (
            SELECT maand, sum(prognose_laag_bedrag) AS laag, sum(prognose_hoog_bedrag) AS hoog,
                   sum(prognose_bedrag) AS prognose,
                   round(100.0 * sum(gedeclareerd_bedrag) / NULLIF(sum(prognose_bedrag), 0), 1)::float AS binnen_pct
            FROM mart.prognose_nog_te_declareren
            WHERE extract(year FROM maand) = %(jaar)s AND {_SCOPE.format(col='gemeente')}
            GROUP BY maand
        ), jeugdigen AS (
            SELECT maand, count(DISTINCT client_pseudoniem) AS jeugdigen
            FROM core.declaratie_regel_feit
            WHERE status <> 'rejected' AND debet_credit = 'D' AND extract(year FROM maand) = %(jaar)s
              AND {_SCOPE.format(col='gemeente')}
            GROUP BY maand
        )
        SELECT p.maand,
               CASE WHEN bool_and(v.status = 'afgesloten') THEN 'afgesloten' ELSE 'voorlopig' END AS status,
               bool_or(coalesce(v.geleverd, p.maand <= date_trunc('month', (SELECT peildatum FROM core.peildatum))))
                   AS geleverd,
               p.maand >= date_trunc('month', (SELECT peildatum FROM core.peildatum)) AS peilmaand_of_later,
               coalesce(sum(v.begroting_bedrag), 0)::bigint AS begroting,
               coalesce(sum(v.realisatie_bedrag), 0)::bigint AS realisatie,
               coalesce(sum(v.in_behandeling_bedrag), 0)::bigint AS in_behandeling,
               coalesce(sum(v.nog_te_declareren_bedrag), 0)::bigint AS nog_te_declareren,
               coalesce(sum(v.verplichting_bedrag), 0)::bigint AS verplichting,
               coalesce(sum(CASE WHEN v.geleverd THEN v.realisatie_bedrag + v.in_behandeling_bedrag
                                                      + v.nog_te_declareren_bedrag
                                 ELSE v.verplichting_bedrag END), 0)::bigint AS prognose,
               min(b.laag)::bigint AS laag_mart, min(b.hoog)::bigint AS hoog_mart, min(b.prognose)::bigint AS prognose_mart,
               min(b.binnen_pct) AS binnen_pct,
               coalesce(min(j.jeugdigen), 0)::integer AS jeugdigen
        FROM core.periode p
        LEFT JOIN v ON v.maand = p.maand
        LEFT JOIN band b ON b.maand = p.maand
        LEFT JOIN jeugdigen j ON j.maand = p.maand
        WHERE p.jaar = %(jaar)s
        GROUP BY p.maand ORDER BY p.maand
        """, p)
    for r in rows:
        # the uncertainty band of the declaration-lag estimate, around this month's prognose (open months only)
        laag, hoog, pm = r.pop("laag_mart"), r.pop("hoog_mart"), r.pop("prognose_mart")
        if r["status"] == "voorlopig" and r["geleverd"] and laag is not None:
            r["prognose_laag"] = r["prognose"] - (pm - laag)
            r["prognose_hoog"] = r["prognose"] + (hoog - pm)
        else:
            r["prognose_laag"] = r["prognose_hoog"] = None
        r["onvolledig"] = onvolledig(r)
        binnen = r.pop("binnen_pct")
        r["soort"] = ("afgesloten" if r["status"] == "afgesloten" else
                      "verplichting" if not r["geleverd"] else
                      ("onvolledig" + (f", {fmt.pct(binnen, 0)} binnen" if binnen is not None else ""))
                      if r["onvolledig"] else "voorlopig")
        r.pop("peilmaand_of_later")
    total = {k: sum(r[k] for r in rows)
             for k in ("begroting", "realisatie", "in_behandeling", "nog_te_declareren", "verplichting", "prognose")}
    total["maand"] = None
    total["soort"] = f"jaar {p['jaar']}"
    return Table(
        "maand", f"Maandverloop {p['jaar']}",
        [
            Col("maand", "Maand", "maand", toelichting="Maand van levering (ProductPeriode); * = nog onvolledig."),
            Col("soort", "Stand", toelichting="afgesloten (bevroren cijfers), voorlopig (geleverd, nog niet afgesloten), "
                "onvolledig (voorlopig en naar schatting nog geen " + fmt.pct(VOLLEDIG_PCT, 0) + " van het eindbedrag "
                "gedeclareerd: de declaratievertraging, geen trend) of verplichting (maand na de peildatum: prognose uit toewijzingen)."),
            Col("begroting", "Begroting", "bedrag", toelichting="Een twaalfde van de jaarbegroting."),
            Col("realisatie", REALISATIE, "bedrag", toelichting=REALISATIE_TOELICHTING.replace("de periode", "de maand")),
            Col("in_behandeling", "In behandeling", "bedrag", toelichting=IN_BEHANDELING_TOELICHTING.replace("de periode", "de maand")),
            Col("nog_te_declareren", "Nog te declareren (schatting)", "bedrag", toelichting="Schatting van late declaraties (chain-ladder)."),
            Col("verplichting", "Verplichting", "bedrag", toelichting="Waarde van de toegewezen zorg in actuele toewijzingen."),
            Col("prognose", "Prognose", "bedrag", toelichting="Realisatie (toegekend) + in behandeling + nog te declareren; na de peildatum de verplichting."),
            Col("prognose_laag", "Prognose laag", "bedrag", toelichting="Ondergrens (10e percentiel backtest) voor voorlopige maanden."),
            Col("prognose_hoog", "Prognose hoog", "bedrag", toelichting="Bovengrens (90e percentiel backtest) voor voorlopige maanden."),
            Col("jeugdigen", "Jeugdigen", "jeugdigen", toelichting="Unieke jeugdigen met een niet-afgewezen declaratie voor zorg in de maand."),
        ],
        rows, total, mark="onvolledig", mark_note=ONVOLLEDIG_NOTE,
    )


ONVOLLEDIG_NOTE = ("* onvolledig: van deze maand is naar schatting nog geen " + fmt.pct(VOLLEDIG_PCT, 0) +
                   " gedeclareerd (declaraties komen met vertraging binnen); een daling in deze maanden is de "
                   "stand van de data, geen trend.")


def onvolledig(r: dict) -> bool:
    """A delivered, not closed month whose declarations are still coming in: less than VOLLEDIG_PCT of
    its expected final amount declared (mart.prognose_nog_te_declareren), or the month of the peildatum."""
    if r["status"] == "afgesloten" or not r["geleverd"]:
        return False
    binnen = r.get("binnen_pct")
    return bool(r.get("peilmaand_of_later")) or (binnen is not None and binnen < VOLLEDIG_PCT)


def per1000_table(conn, p: dict, scope: Scope) -> tuple[Table, float | None]:
    rows = _q(conn, """
        SELECT gemeente, gemeente_naam, aantal_jeugdigen AS jeugdigen, inwoners_0_17, jeugdigen_per_1000,
               cbs_gemeente_per_1000_0_22, prognose_per_inwoner_0_17_bedrag AS prognose_per_inwoner,
               regio_jeugdigen_per_1000, regio_prognose_per_inwoner_0_17_bedrag, cbs_nederland_per_1000_0_22
        FROM mart.pc_gemeente_jaar WHERE jaar = %(jaar)s ORDER BY gemeente_naam
        """, p)
    nl = next((r["cbs_nederland_per_1000_0_22"] for r in rows if r["cbs_nederland_per_1000_0_22"] is not None), None)
    total = None
    if rows:
        total = {"gemeente_naam": "Regio (alle gemeenten)", "jeugdigen": sum(r["jeugdigen"] for r in rows),
                 "inwoners_0_17": (sum(r["inwoners_0_17"] for r in rows if r["inwoners_0_17"] is not None)
                                   if any(r["inwoners_0_17"] is not None for r in rows) else None),
                 "jeugdigen_per_1000": rows[0]["regio_jeugdigen_per_1000"],
                 "prognose_per_inwoner": rows[0]["regio_prognose_per_inwoner_0_17_bedrag"],
                 "cbs_gemeente_per_1000_0_22": None}
    for r in rows:
        for k in ("regio_jeugdigen_per_1000", "regio_prognose_per_inwoner_0_17_bedrag", "cbs_nederland_per_1000_0_22"):
            r.pop(k)
        r["eigen"] = r["gemeente"] == scope.gemeente
        for k in ("jeugdigen_per_1000", "cbs_gemeente_per_1000_0_22"):
            r[k] = None if r[k] is None else float(r[k])
    if total and total["jeugdigen_per_1000"] is not None:
        total["jeugdigen_per_1000"] = float(total["jeugdigen_per_1000"])
    t = Table(
        "per1000", f"Jeugdigen in zorg per 1.000 inwoners van 0-17 jaar, {p['jaar']}",
        [
            Col("gemeente_naam", "Gemeente", toelichting="Gemeente van de regio; de eigen gemeente is gemarkeerd."),
            Col("jeugdigen", "Jeugdigen", "jeugdigen", additief=True, toelichting="Unieke jeugdigen met een niet-afgewezen declaratie in het jaar (t/m de peildatum)."),
            Col("inwoners_0_17", "Inwoners 0-17", "getal", toelichting="CBS, 1 januari (illustratieve snapshot in de demo)."),
            Col("jeugdigen_per_1000", "Per 1.000 (iJw)", "per1000", basis="jeugdigen", toelichting="Jeugdigen per 1.000 inwoners van 0-17 jaar."),
            Col("cbs_gemeente_per_1000_0_22", "CBS per 1.000 (0-22)", "per1000", toelichting="CBS: jongeren met jeugdzorg in natura per 1.000 jongeren van 0-22 jaar (laatst beschikbare jaar)."),
            Col("prognose_per_inwoner", "Prognose per inwoner 0-17", "bedrag", toelichting="Prognose jaareinde (realisatie toegekend + in behandeling + nog te declareren + verplichtingen) gedeeld door het aantal inwoners van 0-17 jaar."),
        ],
        rows, total, highlight="eigen",
        note=("CBS Nederland: " + fmt.getal(float(nl), 1) + " jongeren met jeugdzorg in natura per 1.000 jongeren van 0-22 jaar. "
              if nl is not None else "Geen CBS-cijfer voor Nederland beschikbaar. ")
             + "Let op: CBS telt 0-22 jaar en het woonplaatsbeginsel, de iJw-telling 0-17 jaar en de declarerende gemeente.",
    )
    return t, (float(nl) if nl is not None else None)


def instroom_table(conn, p: dict, onvolledige_maanden: set[dt.date]) -> Table:
    rows = _q(conn, f"""
        SELECT p.maand,
               coalesce(sum(i.instroom), 0)::integer AS instroom,
               coalesce(sum(i.uitstroom), 0)::integer AS uitstroom,
               coalesce(sum(i.uitstroom_volgens_plan), 0)::integer AS volgens_plan,
               coalesce(sum(i.uitstroom_voortijdig), 0)::integer AS voortijdig,
               coalesce(sum(i.uitstroom_overig), 0)::integer AS overig,
               coalesce(sum(i.lopend_einde_maand), 0)::integer AS lopend
        FROM core.periode p
        LEFT JOIN mart.instroom_uitstroom_gemeente_maand i
               ON i.maand = p.maand AND {_SCOPE.format(col='i.gemeente')}
        WHERE p.maand BETWEEN %(jaar_van)s AND %(tot)s
        GROUP BY p.maand ORDER BY p.maand
        """, p)
    total = {k: sum(r[k] for r in rows) for k in ("instroom", "uitstroom", "volgens_plan", "voortijdig", "overig")}
    total["maand"] = None
    total["lopend"] = rows[-1]["lopend"] if rows else 0
    for r in rows + [total]:
        r["volgens_plan_pct"] = round(100.0 * r["volgens_plan"] / r["uitstroom"], 1) if r["uitstroom"] else None
    for r in rows:
        r["onvolledig"] = r["maand"] in onvolledige_maanden
    return Table(
        "instroom", f"Instroom en uitstroom van zorgtrajecten, januari t/m {fmt.maand(p['tot'])}",
        [
            Col("maand", "Maand", "maand", toelichting="Maand van de start of stop; * = nog onvolledig."),
            Col("instroom", "Instroom", "aantal", additief=True, toelichting="Trajecten met een start (JW305) in de maand."),
            Col("uitstroom", "Uitstroom", "aantal", additief=True, toelichting="Trajecten met een definitieve stop (JW307) in de maand."),
            Col("volgens_plan", "Volgens plan", "aantal", groep="uitstroom", additief=True, toelichting="Uitstroom met reden 31: volgens plan beëindigd."),
            Col("voortijdig", "Voortijdig", "aantal", groep="uitstroom", additief=True, toelichting="Uitstroom met reden 32-35: voortijdig afgesloten."),
            Col("overig", "Overig", "aantal", groep="uitstroom", additief=True, toelichting="Uitstroom met reden 02, 36-39 (o.a. overstap, ander domein)."),
            Col("volgens_plan_pct", "% volgens plan", "pct", basis="volgens_plan", toelichting="Uitstroom volgens plan als percentage van de uitstroom."),
            Col("lopend", "Lopend einde maand", "aantal", toelichting="Trajecten die op de laatste dag van de maand lopen (totaalregel: laatste maand)."),
        ],
        rows, total, mark="onvolledig", mark_note=ONVOLLEDIG_NOTE,
        note="Aantallen trajecten (een jeugdige kan meer trajecten hebben). Totaalregel: januari t/m de laatste maand van de periode.",
    )


def aanbieder_table(conn, p: dict) -> Table:
    # realisatie per provider as mart.pc_gemeente_maand defines it: the lines the gemeente granted
    # (core.declaratie_regel_feit.status) plus, for taakgericht care, the lump sum of each delivered month
    rows = _q(conn, f"""
        WITH regels AS (
            SELECT f.aanbieder,
                   sum(f.ingediend_bedrag_saldo) FILTER (WHERE f.status = 'approved') AS toegekend,
                   sum(f.ingediend_bedrag_saldo) FILTER (WHERE f.status = 'pending') AS in_behandeling,
                   count(DISTINCT f.client_pseudoniem) FILTER (WHERE f.debet_credit = 'D') AS jeugdigen
            FROM core.declaratie_regel_feit f
            WHERE f.status <> 'rejected' AND f.maand BETWEEN %(van)s AND %(tot)s AND {_SCOPE.format(col='f.gemeente')}
            GROUP BY f.aanbieder
        ), taak AS (
            SELECT t.aanbieder, sum(t.bedrag) AS taakgericht
            FROM core.contract_taakgericht_actueel t
            JOIN (SELECT DISTINCT maand FROM mart.pc_gemeente_maand WHERE geleverd) m ON m.maand = t.periode_maand
            WHERE t.periode_maand BETWEEN %(van)s AND %(tot)s AND {_SCOPE.format(col='t.gemeente')}
            GROUP BY t.aanbieder
        )
        SELECT aanbieder, a.aanbieder_naam,
               (coalesce(r.toegekend, 0) + coalesce(t.taakgericht, 0))::bigint AS realisatie,
               coalesce(t.taakgericht, 0)::bigint AS taakgericht,
               coalesce(r.in_behandeling, 0)::bigint AS in_behandeling,
               coalesce(r.jeugdigen, 0)::integer AS jeugdigen
        FROM regels r
        FULL JOIN taak t USING (aanbieder)
        JOIN core.aanbieder a USING (aanbieder)
        ORDER BY realisatie DESC, aanbieder
        """, p)
    totaal = sum(r["realisatie"] for r in rows)
    top, rest = rows[:TOP_AANBIEDERS], rows[TOP_AANBIEDERS:]
    if rest:
        overig = {"aanbieder": "", "aanbieder_naam": f"Overige aanbieders ({len(rest)})",
                  "realisatie": sum(r["realisatie"] for r in rest),
                  "taakgericht": sum(r["taakgericht"] for r in rest),
                  "in_behandeling": sum(r["in_behandeling"] for r in rest),
                  "jeugdigen": _distinct_jeugdigen_aanbieders(conn, p, [r["aanbieder"] for r in rest])}
        top = top + [overig]
    for r in top:
        r["aandeel"] = round(100.0 * r["realisatie"] / totaal, 1) if totaal else None
    total = {"aanbieder": "", "aanbieder_naam": "Totaal", "realisatie": totaal, "aandeel": 100.0 if totaal else None,
             "in_behandeling": sum(r["in_behandeling"] for r in rows),
             "taakgericht": sum(r["taakgericht"] for r in rows),
             "jeugdigen": _distinct_jeugdigen(conn, p, p["van"], p["tot"])}
    return Table(
        "aanbieders", f"Grootste aanbieders naar {REALISATIE.lower()} (top {TOP_AANBIEDERS})",
        [
            Col("aanbieder", "AGB-code", toelichting="AGB-code van de aanbieder (leeg voor de overige aanbieders samen)."),
            Col("aanbieder_naam", "Aanbieder", toelichting="Naam van de aanbieder."),
            Col("realisatie", REALISATIE, "bedrag", toelichting=REALISATIE_TOELICHTING.replace(
                "afgesloten maanden zoals bij afsluiten", "actueel, ook voor afgesloten maanden")),
            Col("aandeel", "Aandeel", "pct", toelichting="Aandeel van de aanbieder in de realisatie (toegekend) van de periode."),
            Col("taakgericht", "Waarvan taakgericht", "bedrag", toelichting="Vaste maandbedragen voor taakgerichte zorg (contractwerkboek) van de geleverde maanden; zitten in de realisatie."),
            Col("in_behandeling", "In behandeling", "bedrag", toelichting=IN_BEHANDELING_TOELICHTING),
            Col("jeugdigen", "Jeugdigen", "jeugdigen", toelichting="Unieke jeugdigen bij deze aanbieder in de periode."),
        ],
        top, total,
    )


def _distinct_jeugdigen_aanbieders(conn, p: dict, aanbieders: list[str]) -> int:
    return conn.execute(
        f"""SELECT count(DISTINCT client_pseudoniem) FROM core.declaratie_regel_feit
            WHERE status <> 'rejected' AND debet_credit = 'D' AND maand BETWEEN %(van)s AND %(tot)s
              AND {_SCOPE.format(col='gemeente')} AND aanbieder = ANY(%(a)s)""", {**p, "a": aanbieders}).fetchone()[0]


def vertraging_table(conn, p: dict, onvolledige_maanden: set[dt.date]) -> Table:
    rows = _q(conn, f"""
        WITH real AS (
            SELECT maand, sum(realisatie_bedrag) AS realisatie
            FROM mart.pc_gemeente_maand
            WHERE maand BETWEEN %(van)s AND %(tot)s AND {_SCOPE.format(col='gemeente')}
            GROUP BY maand
        ), f AS (
            SELECT maand, sum(gedeclareerd_bedrag) AS gedeclareerd, sum(nog_te_declareren_bedrag) AS nog,
                   sum(prognose_bedrag) AS prognose, sum(prognose_laag_bedrag) AS laag, sum(prognose_hoog_bedrag) AS hoog,
                   string_agg(DISTINCT methode, ', ' ORDER BY methode) AS methode, max(ontwikkelmaanden) AS ontwikkelmaanden
            FROM mart.prognose_nog_te_declareren
            WHERE maand BETWEEN %(van)s AND %(tot)s AND {_SCOPE.format(col='gemeente')}
            GROUP BY maand
        )
        SELECT p.maand,
               coalesce(f.gedeclareerd, r.realisatie, 0)::bigint AS gedeclareerd,
               coalesce(f.nog, 0)::bigint AS nog_te_declareren,
               coalesce(f.prognose, r.realisatie, 0)::bigint AS prognose,
               coalesce(f.laag, f.prognose, r.realisatie, 0)::bigint AS laag,
               coalesce(f.hoog, f.prognose, r.realisatie, 0)::bigint AS hoog,
               f.ontwikkelmaanden::integer AS ontwikkelmaanden,
               coalesce(f.methode, 'geen schatting') AS methode
        FROM core.periode p
        LEFT JOIN real r USING (maand)
        LEFT JOIN f USING (maand)
        WHERE p.maand BETWEEN %(van)s AND %(tot)s
        ORDER BY p.maand
        """, p)
    total = {k: sum(r[k] for r in rows) for k in ("gedeclareerd", "nog_te_declareren", "prognose", "laag", "hoog")}
    total.update(maand=None, methode="", ontwikkelmaanden=None)
    for r in rows + [total]:
        r["binnen_pct"] = round(100.0 * r["gedeclareerd"] / r["prognose"], 1) if r["prognose"] > 0 else None
    for r in rows:
        r["onvolledig"] = r["maand"] in onvolledige_maanden
    return Table(
        "vertraging", "Declaratievertraging: hoeveel van de periode is al gedeclareerd",
        [
            Col("maand", "Maand van levering", "maand", toelichting="Maand waarin de zorg geleverd is; * = nog onvolledig."),
            Col("gedeclareerd", "Gedeclareerd (ingediend)", "bedrag", toelichting="Tot de peildatum ingediend (actueel): toegekend plus in behandeling, zonder afgewezen regels."),
            Col("nog_te_declareren", "Nog te declareren (schatting)", "bedrag", toelichting="Schatting van wat nog ingediend gaat worden (chain-ladder)."),
            Col("prognose", "Verwacht eindbedrag", "bedrag", toelichting="Gedeclareerd + nog te declareren."),
            Col("laag", "Ondergrens", "bedrag", toelichting="10e percentiel van de fout in de backtest, opgeteld over de productcategorieën."),
            Col("hoog", "Bovengrens", "bedrag", toelichting="90e percentiel van de fout in de backtest, opgeteld over de productcategorieën."),
            Col("binnen_pct", "% binnen", "pct", toelichting="Gedeclareerd als percentage van het verwachte eindbedrag."),
            Col("ontwikkelmaanden", "Maanden na levering", "getal", toelichting="Maanden tussen de maand van levering en de maand van de peildatum."),
            Col("methode", "Methode", toelichting="chain-ladder of bornhuetter-ferguson (mart.prognose_nog_te_declareren)."),
        ],
        rows, total, mark="onvolledig", mark_note=ONVOLLEDIG_NOTE,
        note="Schatting met chain-ladder op de driehoek van declaratievertraging (regionaal geschat); "
             "de bandbreedte komt uit de backtest op eerdere peildata.",
    )


def ontwikkel_table(conn, p: dict) -> Table:
    rows = _q(conn, f"""
        SELECT o.ontwikkelmaanden::integer AS ontwikkelmaanden, o.aandeel_binnen_pct::float AS aandeel_binnen_pct,
               o.cumulatieve_factor::float AS cumulatieve_factor, o.aantal_herkomstmaanden::integer AS herkomstmaanden,
               b.n::integer AS backtest_n, b.gem_abs_fout::float AS gem_abs_fout, b.bias::float AS bias
        FROM mart.prognose_ontwikkelfactor o
        LEFT JOIN (
            SELECT ontwikkelmaanden, count(*) AS n, round(avg(abs(fout_pct)), 1) AS gem_abs_fout,
                   round(avg(fout_pct), 1) AS bias
            FROM mart.prognose_backtest WHERE {_SCOPE.format(col='gemeente')}
            GROUP BY ontwikkelmaanden
        ) b USING (ontwikkelmaanden)
        ORDER BY o.ontwikkelmaanden
        """, p)
    return Table(
        "ontwikkeling", "Declaratievertraging van de regio en betrouwbaarheid van de schatting",
        [
            Col("ontwikkelmaanden", "Maanden na levering", "getal", toelichting="Aantal maanden na de maand van levering."),
            Col("aandeel_binnen_pct", "% van eindbedrag binnen", "pct", toelichting="Deel van het eindbedrag dat na zoveel maanden gedeclareerd is (regio)."),
            Col("cumulatieve_factor", "Ontwikkelfactor", "factor", toelichting="Eindbedrag gedeeld door het bedrag dat na zoveel maanden binnen is (chain-ladder)."),
            Col("herkomstmaanden", "Leveringsmaanden", "getal", toelichting="Aantal leveringsmaanden waarop de factor is geschat."),
            Col("backtest_n", "Backtest: schattingen", "getal", toelichting="Aantal schattingen op eerdere peildata waarmee de fout is gemeten."),
            Col("gem_abs_fout", "Gem. absolute fout", "pct", toelichting="Gemiddelde absolute afwijking van de schatting t.o.v. het werkelijke eindbedrag, in %."),
            Col("bias", "Gem. fout (bias)", "pct", toelichting="Gemiddelde afwijking met teken (positief = overschatting), in %."),
        ],
        rows,
    )


def quarantaine(conn, p: dict) -> dict:
    """Files and lines in quarantine (not repaired) for the scope, by the gemeente the ingest read from
    the message header (dq.quarantine / meta.file_manifest ``gemeente``; NULL = not known, e.g. an
    unreadable file): a gemeente's report counts its own and says how many have no known gemeente."""
    if p["g"] is None:
        bestanden, regels = conn.execute(
            """SELECT (SELECT count(*) FROM meta.file_manifest WHERE state = 'quarantined')::integer,
                      (SELECT count(*) FROM dq.quarantine WHERE replay_batch_id IS NULL)::integer""").fetchone()
        zonder = (None, None)
    else:
        bestanden, regels, *zonder = conn.execute(
            """SELECT (SELECT count(*) FROM meta.file_manifest WHERE state = 'quarantined' AND gemeente = %(g)s)::integer,
                      (SELECT count(*) FROM dq.quarantine WHERE replay_batch_id IS NULL AND gemeente = %(g)s)::integer,
                      (SELECT count(*) FROM meta.file_manifest WHERE state = 'quarantined' AND gemeente IS NULL)::integer,
                      (SELECT count(*) FROM dq.quarantine WHERE replay_batch_id IS NULL AND gemeente IS NULL)::integer""",
            p).fetchone()
    batches = conn.execute("SELECT count(*)::integer FROM meta.load_batch WHERE status = 'failed'").fetchone()[0]
    return {"bestanden_quarantaine": bestanden, "regels_quarantaine": regels,
            "bestanden_zonder_gemeente": zonder[0], "regels_zonder_gemeente": zonder[1],
            "batches_afgekeurd": batches, "per_gemeente": p["g"] is not None}


def dq_tables(conn, p: dict) -> tuple[Table, Table, dict]:
    providers = _q(conn, f"""
        WITH eigen AS (
            SELECT DISTINCT aanbieder FROM core.declaratie_regel_feit
            WHERE maand BETWEEN %(van)s AND %(tot)s AND {_SCOPE.format(col='gemeente')}
        )
        SELECT s.aanbieder, a.aanbieder_naam, sum(s.aantal_regels)::integer AS regels,
               sum(s.aantal_afgekeurd)::integer AS afgekeurd,
               round(100.0 - 100.0 * sum(s.aantal_afgekeurd) / NULLIF(sum(s.aantal_regels), 0), 2)::float AS dq_score,
               string_agg(DISTINCT s.meest_geschonden_regel, ', ') AS regels_geschonden
        FROM mart.dq_scorecard_aanbieder_maand s
        JOIN eigen USING (aanbieder)
        JOIN core.aanbieder a USING (aanbieder)
        WHERE s.maand BETWEEN %(van)s AND %(tot)s
        GROUP BY s.aanbieder, a.aanbieder_naam
        ORDER BY dq_score, s.aanbieder
        """, p)
    status = _q(conn, f"""
        SELECT count(*) FILTER (WHERE status = 'rejected')::integer AS afgewezen_regels,
               coalesce(sum(ingediend_bedrag) FILTER (WHERE status = 'rejected'), 0)::bigint AS afgewezen_bedrag,
               count(*) FILTER (WHERE status = 'pending')::integer AS onbeantwoord_regels,
               coalesce(sum(ingediend_bedrag_saldo) FILTER (WHERE status = 'pending'), 0)::bigint AS onbeantwoord_bedrag
        FROM core.declaratie_regel_feit
        WHERE maand BETWEEN %(van)s AND %(tot)s AND {_SCOPE.format(col='gemeente')}
        """, p)[0]
    overzicht = {**status, **quarantaine(conn, p)}
    wie = "deze gemeente" if overzicht["per_gemeente"] else "regio, totaal"
    t_prov = Table(
        "datakwaliteit", "Datakwaliteit per aanbieder (berichten ontvangen in de periode)",
        [
            Col("aanbieder", "AGB-code", toelichting="AGB-code van de aanbieder."),
            Col("aanbieder_naam", "Aanbieder", toelichting="Naam van de aanbieder."),
            Col("regels", "Regels ontvangen", "getal", toelichting="Berichtregels van alle berichtsoorten met een dagtekening in de periode."),
            Col("afgekeurd", "Regels afgekeurd", "getal", toelichting="Regels in quarantaine: minstens één iJw-regel geschonden (Great Expectations)."),
            Col("dq_score", "DQ-score", "pct", toelichting="100 min het percentage afgekeurde regels."),
            Col("regels_geschonden", "Meest geschonden regel", toelichting="iJw-regelcode die het vaakst geschonden is."),
        ],
        providers,
        note="De aanbieders die voor " + ("de regio" if p["g"] is None else "deze gemeente") + " declareerden, met hun "
             "score over alle berichten aan de regio (de scorecard is per aanbieder); uit mart.dq_scorecard_aanbieder_maand.",
    )
    t_over = Table(
        "dq_overzicht", "Datakwaliteit: overzicht",
        [
            Col("afgewezen_regels", "Afgewezen declaratieregels (JW325) in de periode", "getal",
                toelichting="Declaratieregels voor zorg in de periode die de gemeente heeft afgewezen (JW325)."),
            Col("afgewezen_bedrag", "Afgewezen bedrag (ingediend, telt niet mee)", "bedrag",
                toelichting="Ingediend bedrag van de afgewezen regels; telt niet mee in realisatie of prognose."),
            Col("onbeantwoord_regels", "Declaratieregels nog zonder antwoord (JW325)", "getal",
                toelichting="Declaratieregels voor zorg in de periode zonder antwoord van de gemeente."),
            Col("onbeantwoord_bedrag", "Bedrag in behandeling (nog niet toegekend, telt mee in de prognose)", "bedrag",
                toelichting="Debet min credit van de regels zonder antwoord (actueel)."),
        ] + ([
            Col("bestanden_quarantaine", f"Bestanden in quarantaine ({wie})", "getal",
                toelichting="Bestanden die niet verwerkt zijn (onleesbaar, ongeldig of dubbel), actueel."),
            Col("regels_quarantaine", f"Regels in quarantaine, niet hersteld ({wie})", "getal",
                toelichting="Berichtregels die een iJw-regel schenden en niet opnieuw zijn aangeboden, actueel."),
        ]) + ([
            Col("bestanden_zonder_gemeente", "Bestanden in quarantaine zonder bekende gemeente (regio)", "getal",
                toelichting="Bestanden waarvan de gemeente niet te lezen was; ze kunnen ook deze gemeente betreffen."),
            Col("regels_zonder_gemeente", "Regels in quarantaine zonder bekende gemeente (regio)", "getal",
                toelichting="Regels van bestanden waarvan de gemeente niet te lezen was."),
        ] if overzicht["per_gemeente"] else []) + [
            Col("batches_afgekeurd", "Afgekeurde batches (regio, totaal)", "getal",
                toelichting="Laadbatches die de kwaliteitspoort niet doorkwamen; een batch bevat berichten van alle gemeenten."),
        ],
        [overzicht], vertical=True,
    )
    return t_prov, t_over, overzicht


# --------------------------------------------------------------------------- the report


def _regels(n: int) -> str:
    return f"{fmt.getal(n)} declaratieregel" + ("" if n == 1 else "s")


def collect(conn: psycopg.Connection, period: Period, scope: Scope, now: dt.datetime | None = None) -> Report:
    now = now or dt.datetime.now().astimezone()
    check_ready(conn)
    check_period(conn, period, now.date())
    p = _params(scope, period)
    peildatum = conn.execute("SELECT peildatum FROM core.peildatum").fetchone()[0]
    cat = categorie_table(conn, p)
    maanden = maand_table(conn, p)
    onvolledig_ = {r["maand"] for r in maanden.rows if r["onvolledig"]}
    per1000, nl = per1000_table(conn, p, scope)
    instroom = instroom_table(conn, p, onvolledig_)
    aanbieders = aanbieder_table(conn, p)
    vertraging = vertraging_table(conn, p, onvolledig_)
    ontwikkeling = ontwikkel_table(conn, p)
    dq_prov, dq_over, dq = dq_tables(conn, p)

    # kerncijfers
    jaar = conn.execute(
        f"""SELECT coalesce(sum(begroting_bedrag), 0)::bigint, coalesce(sum(prognose_bedrag), 0)::bigint
            FROM mart.pc_gemeente_jaar WHERE jaar = %(jaar)s AND {_SCOPE.format(col='gemeente')}""", p).fetchone()
    ct = cat.total
    kern = Table(
        "kerncijfers", "Kerncijfers",
        [
            Col("begroting", "Begroting periode", "bedrag", toelichting=cat.col("begroting").toelichting),
            Col("realisatie", REALISATIE + " periode", "bedrag", toelichting=cat.col("realisatie").toelichting),
            Col("in_behandeling", "In behandeling (nog niet toegekend)", "bedrag", toelichting=IN_BEHANDELING_TOELICHTING),
            Col("nog_te_declareren", "Nog te declareren (schatting)", "bedrag", toelichting=cat.col("nog_te_declareren").toelichting),
            Col("prognose", "Prognose periode", "bedrag", toelichting=cat.col("prognose").toelichting),
            Col("begroting_jaar", f"Begroting {period.jaar}", "bedrag", toelichting=cat.col("begroting_jaar").toelichting),
            Col("prognose_jaar", f"Prognose jaareinde {period.jaar}", "bedrag", toelichting=cat.col("prognose_jaar").toelichting),
            Col("verschil_jaar", "Prognose − begroting (jaar)", "bedrag", toelichting=cat.col("verschil_jaar").toelichting),
            Col("prognose_begroting_pct", "Prognose als % van de begroting", "pct", toelichting="Prognose jaareinde gedeeld door de jaarbegroting."),
            Col("jeugdigen", "Jeugdigen in zorg in de periode", "jeugdigen", toelichting=cat.col("jeugdigen").toelichting),
            Col("correctie", "Correcties na afsluiten", "bedrag", toelichting="Verschil tussen de realisatie nu en bij het afsluiten van de maanden (late declaraties, credits, afwijzingen)."),
        ],
        [{"begroting": ct["begroting"], "realisatie": ct["realisatie"], "in_behandeling": ct["in_behandeling"],
          "nog_te_declareren": ct["nog_te_declareren"],
          "prognose": ct["prognose"], "begroting_jaar": jaar[0], "prognose_jaar": jaar[1],
          "verschil_jaar": jaar[1] - jaar[0],
          "prognose_begroting_pct": round(100.0 * jaar[1] / jaar[0], 1) if jaar[0] else None,
          "jeugdigen": ct["jeugdigen"], "correctie": ct["correctie"]}],
        vertical=True,
    )

    # data state
    statuses = conn.execute(
        f"""SELECT maand, bool_and(status = 'afgesloten'), max(gesloten_op)
            FROM mart.pc_gemeente_maand_vastgesteld
            WHERE maand BETWEEN %(van)s AND %(tot)s AND {_SCOPE.format(col='gemeente')}
            GROUP BY maand ORDER BY maand""", p).fetchall()
    gesloten = [(m, op) for m, closed, op in statuses if closed]
    if statuses and len(gesloten) == len(period.months):
        status = "afgesloten"
        uitleg = "Alle maanden van de periode zijn afgesloten (laatste op " + fmt.datum(max(op for _, op in gesloten)) + \
                 "); de cijfers zijn bevroren."
    elif gesloten:
        status = "deels afgesloten"
        uitleg = ("Afgesloten: " + ", ".join(fmt.maand(m) for m, _ in gesloten) + "; de overige maanden zijn voorlopig.")
    else:
        status = "voorlopig"
        uitleg = "Geen maand van de periode is afgesloten: alle cijfers zijn voorlopig en kunnen nog veranderen."
    vt = vertraging.total
    compleet = (100.0 * vt["gedeclareerd"] / vt["prognose"]) if vt["prognose"] > 0 else None
    compleet_laag = (100.0 * vt["gedeclareerd"] / vt["hoog"]) if vt["hoog"] > 0 else None
    compleet_hoog = (100.0 * vt["gedeclareerd"] / vt["laag"]) if vt["laag"] > 0 else None

    voorbehouden = []
    if period.end > peildatum:
        voorbehouden.append(f"De periode loopt tot {fmt.datum(period.end)}, na de peildatum {fmt.datum(peildatum)}: "
                            "voor latere maanden is de prognose de verplichting uit toewijzingen.")
    if compleet is not None and compleet < 99.5:
        band = (f" (bandbreedte {fmt.pct(min(compleet_laag, 100.0))} – {fmt.pct(min(compleet_hoog, 100.0))})"
                if compleet_laag and compleet_hoog else "")
        voorbehouden.append(
            f"Van het verwachte eindbedrag van de periode is {fmt.pct(compleet)} gedeclareerd{band}; "
            f"de rest ({fmt.euro(vt['nog_te_declareren'])}) is geschat.")
    if jaar[0] == 0:
        voorbehouden.append("Er is geen begroting geladen (contractwerkboek, DAG contract_master_data): "
                            "begroting en verschillen zijn € 0,00.")
    if ct["correctie"]:
        voorbehouden.append(f"Na het afsluiten is nog {fmt.euro(ct['correctie'])} gecorrigeerd (late declaraties, "
                            "credits, afwijzingen); dat staat niet in de bevroren realisatie.")
    in_periode = [r["maand"] for r in maanden.rows if r["onvolledig"] and r["maand"] in period.months]
    if in_periode:
        voorbehouden.append(
            "Onvolledig (gemarkeerd met *): " + ", ".join(fmt.maand(m) for m in in_periode) + " – naar schatting is "
            f"nog geen {fmt.pct(VOLLEDIG_PCT, 0)} gedeclareerd. Lagere bedragen en minder instroom in deze maanden "
            "zijn de stand van de data (declaraties komen met vertraging), geen trend.")
    if dq["onbeantwoord_regels"]:
        voorbehouden.append(f"{_regels(dq['onbeantwoord_regels'])} ({fmt.euro(dq['onbeantwoord_bedrag'])}) "
                            "zonder antwoord (JW325) staan als 'in behandeling' naast de realisatie (toegekend) en "
                            "tellen mee in de prognose.")
    if dq["afgewezen_regels"]:
        voorbehouden.append(f"{_regels(dq['afgewezen_regels'])} ({fmt.euro(dq['afgewezen_bedrag'])}) afgewezen: "
                            "telt niet mee.")
    if dq["bestanden_quarantaine"] or dq["regels_quarantaine"] or dq["batches_afgekeurd"] or \
            dq["bestanden_zonder_gemeente"] or dq["regels_zonder_gemeente"]:
        wie = "deze gemeente" if dq["per_gemeente"] else "regio"
        zonder = (f" (daarnaast zonder bekende gemeente: {fmt.getal(dq['bestanden_zonder_gemeente'])} bestand(en), "
                  f"{fmt.getal(dq['regels_zonder_gemeente'])} regel(s))" if dq["per_gemeente"] and
                  (dq["bestanden_zonder_gemeente"] or dq["regels_zonder_gemeente"]) else "")
        voorbehouden.append(
            f"Niet verwerkt ({wie}): {fmt.getal(dq['bestanden_quarantaine'])} bestand(en) en "
            f"{fmt.getal(dq['regels_quarantaine'])} regel(s) in quarantaine{zonder}; "
            f"{fmt.getal(dq['batches_afgekeurd'])} afgekeurde batch(es) in de regio. Hun bedragen ontbreken in deze cijfers.")
    laag = [r for r in dq_prov.rows if r["dq_score"] is not None and r["dq_score"] < DQ_DREMPEL]
    if laag:
        voorbehouden.append("Aanbieders met een datakwaliteitsscore onder " + fmt.pct(DQ_DREMPEL, 0) + ": "
                            + ", ".join(f"{r['aanbieder_naam']} ({fmt.pct(r['dq_score'])})" for r in laag[:5]) + ".")
    if nl is not None:
        voorbehouden.append("CBS-cijfers tellen jongeren van 0-22 jaar naar woonplaats; de iJw-cijfers jeugdigen van "
                            "0-17 jaar naar declarerende gemeente. Vergelijk de orde van grootte, niet de decimalen.")
    voorbehouden.append("Aantallen van 1 tot 5 jeugdigen of trajecten worden weergegeven als <5 (privacy); een cel die "
                        "anders zo'n aantal zou verraden (aanvullende onderdrukking) of daarvan is afgeleid, als x. "
                        "Bedragen worden niet onderdrukt.")

    state = DataState(peildatum=peildatum, status=status, status_toelichting=uitleg,
                      compleet_pct=compleet, compleet_laag_pct=compleet_laag, compleet_hoog_pct=compleet_hoog,
                      voorbehouden=voorbehouden, gemaakt_op=now)
    return Report(scope, period, state, {
        "kerncijfers": kern, "categorie": cat, "maand": maanden, "per1000": per1000, "instroom": instroom,
        "aanbieders": aanbieders, "vertraging": vertraging, "ontwikkeling": ontwikkeling,
        "datakwaliteit": dq_prov, "dq_overzicht": dq_over,
    })

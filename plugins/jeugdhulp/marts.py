"""Mart refresh, closing a P&C month, and the read-outs the demo and reports print."""

from __future__ import annotations

import datetime as dt

import psycopg

from jeugdhulp import forecast

#: materialized views in schema ``mart``, refreshed in this order (later ones read earlier ones)
MARTS = (
    "mart.declaratie_gemeente_maand",
    "mart.dq_scorecard_aanbieder_maand",
    "mart.contract_realisatie",
    "mart.contract_aanbieder_gemeente_maand",
    "mart.contract_plafond_aanbieder_jaar",
    "mart.declaratiegedrag_aanbieder_maand",
    "mart.afwijzing_retourcode_aanbieder_maand",
    "mart.instroom_uitstroom_gemeente_maand",
    "mart.trajectduur_gemeente_jaar",
    "mart.wachttijd_gemeente_maand",
    "mart.pc_gemeente_maand",
    "mart.pc_gemeente_jaar",
)


def refresh(conn: psycopg.Connection, progress=None) -> dict[str, int]:
    """Recompute the forecast tables, then refresh every mart (CONCURRENTLY once populated, so
    readers are never blocked). Returns the row count per mart. ``progress(step)`` is called after
    the forecast and after each mart (``len(MARTS) + 1`` calls)."""
    counts = forecast.refresh(conn)
    if progress:
        progress("forecast")
    for mart in MARTS:
        schema, name = mart.split(".")
        populated = conn.execute(
            "SELECT ispopulated FROM pg_matviews WHERE schemaname = %s AND matviewname = %s",
            (schema, name),
        ).fetchone()[0]
        conn.execute(f"REFRESH MATERIALIZED VIEW {'CONCURRENTLY ' if populated else ''}{mart}")
        counts[mart] = conn.execute(f"SELECT count(*) FROM {mart}").fetchone()[0]
        if progress:
            progress(mart)
    return counts


class PeriodClosedError(ValueError):
    pass


def close_month(conn: psycopg.Connection, maand: dt.date) -> int:
    """Freeze the P&C figures of ``maand`` (mart.pc_gemeente_maand as refreshed now). A closed month
    is never rewritten: closing it again raises :class:`PeriodClosedError`. Returns frozen rows."""
    maand = maand.replace(day=1)
    with conn.transaction():
        conn.execute("LOCK TABLE core.pc_afsluiting IN EXCLUSIVE MODE")
        gesloten = conn.execute("SELECT gesloten_op FROM core.pc_afsluiting WHERE maand = %s", (maand,)).fetchone()
        if gesloten:
            raise PeriodClosedError(
                f"{maand:%Y-%m} was already closed on {gesloten[0]:%d-%m-%Y %H:%M}; its figures stay as they were. "
                "Later corrections show as correctie_na_afsluiting_bedrag in mart.pc_gemeente_maand_vastgesteld."
            )
        conn.execute(
            "INSERT INTO core.pc_afsluiting (maand, peildatum) SELECT %s, peildatum FROM core.peildatum", (maand,)
        )
        return conn.execute(
            """
            INSERT INTO core.pc_afsluiting_cijfer (maand, gemeente, product_categorie, begroting_bedrag,
                realisatie_bedrag, in_behandeling_bedrag, ingediend_bedrag, nog_te_declareren_bedrag,
                verplichting_bedrag, aantal_jeugdigen)
            SELECT maand, gemeente, product_categorie, begroting_bedrag, realisatie_bedrag, in_behandeling_bedrag,
                   ingediend_bedrag, nog_te_declareren_bedrag, verplichting_bedrag, aantal_jeugdigen
            FROM mart.pc_gemeente_maand WHERE maand = %s
            """,
            (maand,),
        ).rowcount


def realisatie_per_gemeente_maand(conn: psycopg.Connection) -> list[tuple]:
    """(gemeente_naam, maand, realisatie = toegekend cents, in behandeling cents) per delivered month
    from the first month with anything declared, summed over product categories."""
    return conn.execute(
        """
        SELECT gemeente_naam, maand, sum(realisatie_bedrag)::bigint, sum(in_behandeling_bedrag)::bigint
        FROM mart.pc_gemeente_maand
        WHERE geleverd AND maand >= (SELECT min(maand) FROM mart.pc_gemeente_maand WHERE ingediend_bedrag <> 0)
        GROUP BY gemeente_naam, maand
        ORDER BY gemeente_naam, maand
        """
    ).fetchall()


def pc_summary(conn: psycopg.Connection, jaar: int | None = None) -> list[tuple]:
    """(gemeente_naam, begroting, realisatie = toegekend, in behandeling, nog te declareren, rest
    verplichting, prognose, prognose % begroting, jeugdigen per 1000, toegekend per inhabitant 0-17)
    per gemeente for ``jaar`` (default: latest); amounts in cents."""
    return conn.execute(
        """
        SELECT gemeente_naam, begroting_bedrag, realisatie_bedrag, in_behandeling_bedrag, nog_te_declareren_bedrag,
               verplichting_rest_jaar_bedrag, prognose_bedrag, prognose_begroting_pct, jeugdigen_per_1000,
               realisatie_per_inwoner_0_17_bedrag
        FROM mart.pc_gemeente_jaar
        WHERE jaar = coalesce(%s, (SELECT max(jaar) FROM mart.pc_gemeente_jaar WHERE realisatie_bedrag <> 0))
        ORDER BY gemeente_naam
        """,
        (jaar,),
    ).fetchall()


def euro(cents: int) -> str:
    """Dutch notation: 123456789 -> '€ 1.234.567,89'."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{rest:02d}"

"""Mart refresh and the read-outs the demo and reports print."""

from __future__ import annotations

import psycopg

#: materialized views in schema ``mart``, refreshed in this order
MARTS = ("mart.declaratie_gemeente_maand", "mart.dq_scorecard_aanbieder_maand")


def refresh(conn: psycopg.Connection) -> dict[str, int]:
    """Refresh every mart (CONCURRENTLY once populated, so readers are never blocked)."""
    counts = {}
    for mart in MARTS:
        schema, name = mart.split(".")
        populated = conn.execute(
            "SELECT ispopulated FROM pg_matviews WHERE schemaname = %s AND matviewname = %s",
            (schema, name),
        ).fetchone()[0]
        conn.execute(f"REFRESH MATERIALIZED VIEW {'CONCURRENTLY ' if populated else ''}{mart}")
        counts[mart] = conn.execute(f"SELECT count(*) FROM {mart}").fetchone()[0]
    return counts


def declared_per_gemeente_maand(conn: psycopg.Connection) -> list[tuple]:
    """(gemeente_naam, maand, ingediend_bedrag cents) summed over product categories."""
    return conn.execute(
        """
        SELECT gemeente_naam, maand, sum(ingediend_bedrag)::bigint
        FROM mart.declaratie_gemeente_maand
        GROUP BY gemeente_naam, maand
        ORDER BY gemeente_naam, maand
        """
    ).fetchall()


def euro(cents: int) -> str:
    """Dutch notation: 123456789 -> '€ 1.234.567,89'."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{rest:02d}"

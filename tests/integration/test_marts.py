"""Mart contracts: every mart column is documented for finance users; money stays in cents."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_every_mart_column_has_a_dutch_comment(conn):
    rows = conn.execute(
        """
        SELECT c.relname, a.attname, col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class')
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'mart'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'v', 'm')
        """
    ).fetchall()
    assert rows, "schema mart has no relations"
    missing = [f"{rel}.{col}" for rel, col, comment, _ in rows if not (comment or "").strip()]
    assert missing == []
    assert all(table_comment for *_, table_comment in rows)


def test_amount_columns_are_integer_cents(conn):
    types = dict(
        conn.execute(
            """
            SELECT n.nspname || '.' || c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('core', 'mart') AND c.relkind IN ('r', 'v', 'm') AND a.attnum > 0
              AND a.attname ~ '(bedrag|tarief|plafond|begroting)$'
            """
        ).fetchall()
    )
    assert "mart.declaratie_gemeente_maand.ingediend_bedrag" in types
    assert set(types.values()) == {"bigint"}, types


def test_code_list_copies_in_sql_match_the_reference_module(conn):
    from jeugdhulp.reference import PRODUCT_CATEGORIEEN

    assert dict(conn.execute("SELECT product_categorie, omschrijving FROM core.productcategorie")) == PRODUCT_CATEGORIEEN
    assert conn.execute("SELECT count(*) FROM core.retourcode").fetchone()[0] > 50
    groups = dict(conn.execute("SELECT reden_beeindiging, reden_groep FROM core.reden_beeindiging"))
    assert groups["31"] == "volgens plan" and groups["20"] == "tijdelijk"
    assert {groups[c] for c in ("32", "33", "34", "35")} == {"voortijdig"}

"""The warehouse: connections, schema migration and the catalogue of staging and core tables.

The ingest is write-audit-publish, one module per job:

1. ``jeugdhulp.staging`` stages every waiting landing file (``jeugdhulp.landing`` decides what may
   be read and where a file goes, ``jeugdhulp.parse_pool`` parses, ``jeugdhulp.copy_encoding``
   writes the COPY text), each file ending in one state in ``meta.file_manifest``;
2. ``jeugdhulp.quality`` audits the staged batch and quarantines failing rows;
3. ``jeugdhulp.publish`` moves the batch's remaining rows into core with the iJw keys as primary
   keys (``ON CONFLICT DO NOTHING``), so a rerun changes nothing.

``jeugdhulp.recovery`` makes each step safe to rerun after a crash (see there).
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from jeugdhulp import config
from jeugdhulp.reference import GEMEENTEN

SQL_LAYERS = ("meta", "staging", "core", "cbs", "marts")

#: staging tables per message type: (table, what fills it). "records" gives one row per item
#: (ToegewezenProduct, Prestatie, ...), "header" one row per message. Columns come from the table.
STAGING: dict[str, tuple[tuple[str, str], ...]] = {
    "JW301": (("staging.jw301_toegewezen_product", "records"),),
    "JW305": (("staging.jw305_start_product", "records"),),
    "JW307": (("staging.jw307_stop_product", "records"),),
    "JW315": (("staging.jw315_aangevraagd_product", "records"),),
    "JW317": (("staging.jw317_verzoek_product", "records"),),
    "JW319": (("staging.jw319_antwoord", "records"),),
    "JW323": (("staging.jw323_prestatie", "records"),),
    "JW325": (("staging.jw325_declaratie_antwoord", "header"), ("staging.jw325_prestatie", "records")),
}

#: staging table -> core table, in publish order (parents before children)
PUBLISH = (
    ("staging.jw301_toegewezen_product", "core.toewijzing"),
    ("staging.jw323_prestatie", "core.declaratie"),
    ("staging.jw323_prestatie", "core.declaratie_regel"),
    ("staging.jw305_start_product", "core.zorg_start_mutatie"),
    ("staging.jw307_stop_product", "core.zorg_stop_mutatie"),
    ("staging.jw315_aangevraagd_product", "core.verzoek_om_toewijzing"),
    ("staging.jw317_verzoek_product", "core.verzoek_om_wijziging"),
    ("staging.jw319_antwoord", "core.verzoek_antwoord"),
    ("staging.jw325_declaratie_antwoord", "core.declaratie_antwoord"),
    ("staging.jw325_prestatie", "core.declaratie_antwoord_regel"),
)

LINEAGE = ("row_id", "batch_id", "file_sha256")


def dataset(table: str) -> str:
    """Dataset name of a staging table (its GX suite and its rows in dq.quarantine)."""
    return table.split(".", 1)[1]


def table_columns(conn: psycopg.Connection, table: str, *, generated: bool = True) -> list[str]:
    schema, name = table.split(".")
    return [
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "AND (%s OR is_generated = 'NEVER') ORDER BY ordinal_position",
            (schema, name, generated),
        )
    ]


def primary_key(conn: psycopg.Connection, table: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)",
            (table,),
        )
    ]


def warehouse_url() -> str:
    url = os.environ.get(config.WAREHOUSE_URL_ENV)
    if not url:
        raise RuntimeError(
            f"no warehouse configured: set {config.WAREHOUSE_URL_ENV} (e.g. `jeugdhulp db url`) "
            f"or run inside Airflow with the connection '{config.WAREHOUSE_CONN_ID}'"
        )
    return url


def connect(url: str | None = None) -> psycopg.Connection:
    """Autocommit connection: every unit of work below is an explicit ``conn.transaction()``."""
    return psycopg.connect(url or warehouse_url(), autocommit=True)


def sql_files() -> list[Path]:
    return [p for layer in SQL_LAYERS for p in sorted((config.SQL_DIR / layer).glob("*.sql"))]


def migrate(conn: psycopg.Connection) -> None:
    """Create/upgrade all schemas (idempotent files, applied in layer order under a lock)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('jeugdhulp.migrate'))")
        for path in sql_files():
            conn.execute(path.read_text())
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO core.gemeente (gemeente, gemeente_naam) VALUES (%s, %s) "
                "ON CONFLICT (gemeente) DO UPDATE SET gemeente_naam = EXCLUDED.gemeente_naam",
                list(GEMEENTEN.items()),
            )


def staging_columns(conn: psycopg.Connection) -> dict[str, list[str]]:
    """COPY columns (all but the lineage) of every staging table, in one catalogue query."""
    tables = sorted({t for types in STAGING.values() for t, _ in types})
    columns: dict[str, list[str]] = {t: [] for t in tables}
    for schema, name, column in conn.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_schema || '.' || table_name = ANY(%s) ORDER BY table_schema, table_name, ordinal_position",
        (tables,),
    ):
        if column not in LINEAGE:
            columns[f"{schema}.{name}"].append(column)
    return columns

"""Warehouse loading: schema migration, the SHA-256 file manifest, staging by COPY, publishing.

The ingest is write-audit-publish:

1. :func:`stage_landing` takes every file in the landing folder, hashes it, and ends it in one
   state: a file whose hash is already in the manifest is archived untouched; a file that cannot
   be parsed is quarantined with its reason; a good file is parsed, pseudonymised and COPYed into
   its staging table in the same transaction that records it in the manifest.
2. ``jeugdhulp.quality`` audits the staged batch and quarantines failing rows.
3. :func:`publish` moves the batch's remaining rows into core with the iJw keys as primary keys
   (``ON CONFLICT DO NOTHING``), so a rerun changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from jeugdhulp import config, ijw
from jeugdhulp.reference import GEMEENTEN

log = logging.getLogger(__name__)

SQL_LAYERS = ("meta", "staging", "core", "marts")

#: staging table and its columns (COPY order) per message type
STAGING = {
    "JW301": (
        "staging.jw301_toegewezen_product",
        (
            "bericht_identificatie", "dagtekening", "gemeente", "aanbieder",
            "client_pseudoniem", "bsn_elfproef", "geboortejaar", "geslacht", "postcode4",
            "toewijzing_nummer", "referentie_aanbieder", "product_categorie", "product_code",
            "toewijzingsdatum", "toewijzingstijd", "ingangsdatum", "einddatum", "reden_wijziging",
            "volume", "eenheid", "frequentie", "budget", "bron_regel",
        ),
    ),
    "JW323": (
        "staging.jw323_prestatie",
        (
            "bericht_identificatie", "dagtekening", "gemeente", "aanbieder", "declaratie_nummer",
            "declaratie_periode_begindatum", "declaratie_periode_einddatum",
            "declaratie_dagtekening", "totaal_ingediend_bedrag", "client_pseudoniem",
            "bsn_elfproef", "referentie_nummer", "vorig_referentie_nummer", "toewijzing_nummer",
            "product_categorie", "product_code", "product_periode_begindatum",
            "product_periode_einddatum", "geleverd_volume", "eenheid", "product_tarief",
            "ingediend_bedrag", "debet_credit", "bron_regel",
        ),
    ),
}


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


# --------------------------------------------------------------------------- manifest + staging


@dataclass
class StageReport:
    batch_id: int
    staged: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)
    already_processed: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"batch {self.batch_id}: {len(self.staged)} files staged "
            f"({', '.join(f'{k} {v} rows' for k, v in sorted(self.rows.items())) or 'no rows'}), "
            f"{len(self.quarantined)} quarantined, {len(self.already_processed)} already processed"
        )


def start_batch(conn: psycopg.Connection, run_id: str | None = None) -> int:
    with conn.transaction():
        return conn.execute(
            "INSERT INTO meta.load_batch (run_id) VALUES (%s) RETURNING batch_id", (run_id,)
        ).fetchone()[0]


def landing_files(landing: Path) -> list[Path]:
    """Files waiting in landing; hidden and partial uploads (``.*``, ``*.part``, ``*.tmp``) wait."""
    if not landing.exists():
        return []
    return sorted(
        p for p in landing.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix not in (".part", ".tmp")
    )


def _move(src: Path, dest_dir: Path, sha: str) -> Path:
    day_dir = dest_dir / dt.date.today().isoformat()
    day_dir.mkdir(parents=True, exist_ok=True)
    dest = day_dir / f"{sha[:12]}_{src.name}"
    shutil.move(str(src), dest)
    return dest


def _copy_rows(conn: psycopg.Connection, msg: ijw.Message, batch_id: int, sha: str) -> int:
    table, columns = STAGING[msg.bericht_type]
    header = msg.header
    with conn.cursor().copy(
        f"COPY {table} (batch_id, file_sha256, {', '.join(columns)}) FROM STDIN"
    ) as copy:
        for rec in msg.records:
            row = rec.flat(header)
            copy.write_row((batch_id, sha, *[row.get(c) for c in columns]))
    return len(msg.records)


def stage_file(
    conn: psycopg.Connection,
    path: Path,
    batch_id: int,
    pseudonymise: Callable[[str], str],
    *,
    archive: Path,
    quarantine: Path,
    xsd_dir: str | None = None,
) -> tuple[str, str | None, ijw.Message | None]:
    """Stage one file; returns (state, reason, message). state: staged|quarantined|duplicate."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    known = conn.execute(
        "SELECT state FROM meta.file_manifest WHERE file_sha256 = %s", (sha,)
    ).fetchone()
    if known:
        _move(path, archive, sha)
        return "duplicate", None, None
    try:
        if len(data) > ijw.MAX_FILE_BYTES:
            raise ijw.IjwParseError(path.name, f"file is {len(data)} bytes, above the iJw limit of 25 MB (OP179)")
        msg = ijw.parse(path.name, pseudonymise, data=data, xsd_dir=xsd_dir)
        reason = None
    except ijw.IjwParseError as exc:
        msg, reason = None, exc.reason
    try:
        with conn.transaction():
            if msg is not None:
                dup = conn.execute(
                    "SELECT file_name FROM meta.file_manifest WHERE bericht_type = %s AND afzender = %s "
                    "AND bericht_identificatie = %s AND state <> 'quarantined'",
                    (msg.bericht_type, msg.header["afzender"], msg.header["bericht_identificatie"]),
                ).fetchone()
                if dup:
                    reason = (
                        f"duplicate BerichtIdentificatie {msg.header['bericht_identificatie']} from "
                        f"{msg.header['afzender']} (TR056, retour 9056): already received in {dup[0]}"
                    )
            state = "quarantined" if reason else "staged"
            h = msg.header if msg else {}
            conn.execute(
                "INSERT INTO meta.file_manifest (file_sha256, file_name, file_size, bericht_type, afzender, "
                "bericht_identificatie, state, reason, batch_id, record_count) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (sha, path.name, len(data), msg.bericht_type if msg else None, h.get("afzender"),
                 h.get("bericht_identificatie"), state, reason, batch_id,
                 None if reason else len(msg.records)),
            )
            if not reason:
                _copy_rows(conn, msg, batch_id, sha)
    except psycopg.Error as exc:  # e.g. a value the staging table cannot hold
        reason = f"could not be staged: {exc.diag.message_primary or exc}"
        with conn.transaction():
            conn.execute(
                "INSERT INTO meta.file_manifest (file_sha256, file_name, file_size, state, reason, batch_id) "
                "VALUES (%s, %s, %s, 'quarantined', %s, %s)",
                (sha, path.name, len(data), reason, batch_id),
            )
        state = "quarantined"
    dest = _move(path, quarantine if state == "quarantined" else archive, sha)
    with conn.transaction():
        conn.execute(
            "UPDATE meta.file_manifest SET archived_as = %s WHERE file_sha256 = %s", (str(dest), sha)
        )
    return state, reason, msg


def stage_landing(
    conn: psycopg.Connection,
    batch_id: int,
    pseudonymise: Callable[[str], str],
    *,
    landing: Path | None = None,
    archive: Path | None = None,
    quarantine: Path | None = None,
    files: Iterable[Path] | None = None,
    xsd_dir: str | None = None,
) -> StageReport:
    landing = landing or config.landing_dir()
    archive = archive or config.archive_dir()
    quarantine = quarantine or config.quarantine_dir()
    report = StageReport(batch_id)
    for path in files if files is not None else landing_files(landing):
        state, reason, msg = stage_file(
            conn, path, batch_id, pseudonymise, archive=archive, quarantine=quarantine, xsd_dir=xsd_dir
        )
        if state == "duplicate":
            report.already_processed.append(path.name)
        elif state == "quarantined":
            report.quarantined[path.name] = reason
            log.warning("quarantined %s: %s", path.name, reason)
        else:
            report.staged.append(path.name)
            report.rows[msg.bericht_type] = report.rows.get(msg.bericht_type, 0) + len(msg.records)
    with conn.transaction():
        conn.execute(
            "UPDATE meta.load_batch SET status = 'staged' WHERE batch_id = %s", (batch_id,)
        )
    return report


# --------------------------------------------------------------------------- publish


_PUBLISH_SQL = """
-- clients: latest known attributes win
INSERT INTO core.client (client_pseudoniem, bsn_elfproef, geboortejaar, geslacht, postcode4)
SELECT DISTINCT ON (client_pseudoniem) client_pseudoniem, bsn_elfproef, geboortejaar, geslacht, postcode4
FROM (
    SELECT client_pseudoniem, bsn_elfproef, geboortejaar, geslacht, postcode4, dagtekening, row_id
    FROM staging.jw301_toegewezen_product s
    WHERE batch_id = %(batch)s AND NOT EXISTS (
        SELECT 1 FROM dq.quarantine q WHERE q.dataset = 'jw301_toegewezen_product' AND q.row_id = s.row_id)
    UNION ALL
    SELECT client_pseudoniem, bsn_elfproef, NULL, NULL, NULL, dagtekening, row_id
    FROM staging.jw323_prestatie s
    WHERE batch_id = %(batch)s AND NOT EXISTS (
        SELECT 1 FROM dq.quarantine q WHERE q.dataset = 'jw323_prestatie' AND q.row_id = s.row_id)
) c
ORDER BY client_pseudoniem, geboortejaar IS NULL, dagtekening DESC, row_id DESC
ON CONFLICT (client_pseudoniem) DO UPDATE SET
    geboortejaar = COALESCE(EXCLUDED.geboortejaar, core.client.geboortejaar),
    geslacht = COALESCE(EXCLUDED.geslacht, core.client.geslacht),
    postcode4 = COALESCE(EXCLUDED.postcode4, core.client.postcode4),
    bijgewerkt_op = now()
WHERE EXCLUDED.geboortejaar IS NOT NULL
  AND (core.client.geboortejaar, core.client.geslacht, core.client.postcode4)
      IS DISTINCT FROM (EXCLUDED.geboortejaar, EXCLUDED.geslacht, EXCLUDED.postcode4);

INSERT INTO core.toewijzing (
    gemeente, toewijzing_nummer, toewijzingsdatum, toewijzingstijd, aanbieder, client_pseudoniem,
    referentie_aanbieder, product_categorie, product_code, ingangsdatum, einddatum, reden_wijziging,
    volume, eenheid, frequentie, budget, bericht_identificatie, file_sha256, batch_id)
SELECT DISTINCT ON (gemeente, toewijzing_nummer, toewijzingsdatum, toewijzingstijd)
    gemeente, toewijzing_nummer, toewijzingsdatum, toewijzingstijd, aanbieder, client_pseudoniem,
    referentie_aanbieder, product_categorie, product_code, ingangsdatum, einddatum, reden_wijziging,
    volume, eenheid, frequentie, budget, bericht_identificatie, file_sha256, batch_id
FROM staging.jw301_toegewezen_product s
WHERE batch_id = %(batch)s AND NOT EXISTS (
    SELECT 1 FROM dq.quarantine q WHERE q.dataset = 'jw301_toegewezen_product' AND q.row_id = s.row_id)
ORDER BY gemeente, toewijzing_nummer, toewijzingsdatum, toewijzingstijd, dagtekening, row_id
ON CONFLICT DO NOTHING;

INSERT INTO core.declaratie (
    aanbieder, declaratie_nummer, gemeente, declaratie_periode_begindatum, declaratie_periode_einddatum,
    declaratie_dagtekening, totaal_ingediend_bedrag, bericht_identificatie, dagtekening, file_sha256, batch_id)
SELECT DISTINCT ON (aanbieder, declaratie_nummer)
    aanbieder, declaratie_nummer, gemeente, declaratie_periode_begindatum, declaratie_periode_einddatum,
    declaratie_dagtekening, totaal_ingediend_bedrag, bericht_identificatie, dagtekening, file_sha256, batch_id
FROM staging.jw323_prestatie s
WHERE batch_id = %(batch)s AND NOT EXISTS (
    SELECT 1 FROM dq.quarantine q WHERE q.dataset = 'jw323_prestatie' AND q.row_id = s.row_id)
ORDER BY aanbieder, declaratie_nummer, row_id
ON CONFLICT DO NOTHING;

INSERT INTO core.declaratie_regel (
    aanbieder, referentie_nummer, declaratie_nummer, gemeente, client_pseudoniem, vorig_referentie_nummer,
    toewijzing_nummer, product_categorie, product_code, product_periode_begindatum, product_periode_einddatum,
    geleverd_volume, eenheid, product_tarief, ingediend_bedrag, debet_credit, bron_regel, file_sha256, batch_id)
SELECT
    aanbieder, referentie_nummer, declaratie_nummer, gemeente, client_pseudoniem, vorig_referentie_nummer,
    toewijzing_nummer, product_categorie, product_code, product_periode_begindatum, product_periode_einddatum,
    geleverd_volume, eenheid, product_tarief, ingediend_bedrag, debet_credit, bron_regel, file_sha256, batch_id
FROM staging.jw323_prestatie s
WHERE batch_id = %(batch)s AND NOT EXISTS (
    SELECT 1 FROM dq.quarantine q WHERE q.dataset = 'jw323_prestatie' AND q.row_id = s.row_id)
ON CONFLICT DO NOTHING;

UPDATE meta.file_manifest SET state = 'loaded' WHERE batch_id = %(batch)s AND state = 'staged';
UPDATE meta.load_batch SET status = 'published', finished_at = now() WHERE batch_id = %(batch)s;
"""


def publish(conn: psycopg.Connection, batch_id: int) -> dict[str, int]:
    """Publish a validated batch to core; returns the rows added per core table."""
    tables = ("core.client", "core.toewijzing", "core.declaratie", "core.declaratie_regel")
    with conn.transaction():
        before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        for statement in _PUBLISH_SQL.split(";\n"):
            if statement.strip():
                conn.execute(statement, {"batch": batch_id}, prepare=False)
        after = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    return {t: after[t] - before[t] for t in tables}


def fail_batch(conn: psycopg.Connection, batch_id: int, message: str) -> None:
    """Mark a batch failed; its staged files end quarantined with the reason (nothing published)."""
    with conn.transaction():
        conn.execute(
            "UPDATE meta.load_batch SET status = 'failed', finished_at = now(), message = %s "
            "WHERE batch_id = %s",
            (message, batch_id),
        )
        conn.execute(
            "UPDATE meta.file_manifest SET state = 'quarantined', reason = %s "
            "WHERE batch_id = %s AND state = 'staged'",
            (f"batch {batch_id} failed its quality gate: {message}", batch_id),
        )

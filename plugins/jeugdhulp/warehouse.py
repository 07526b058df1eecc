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
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from jeugdhulp import config, ijw
from jeugdhulp.reference import GEMEENTEN

log = logging.getLogger(__name__)

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


def _move(src, dest_dir, sha: str, data: bytes):
    """Move a processed file to ``dest_dir/<date>/<sha12>_<name>``; works for local paths and
    Airflow ObjectStoragePath (S3, SFTP, …) alike."""
    day_dir = dest_dir / dt.date.today().isoformat()
    day_dir.mkdir(parents=True, exist_ok=True)
    dest = day_dir / f"{sha[:12]}_{src.name}"
    if isinstance(src, Path) and isinstance(dest, Path):
        shutil.move(str(src), dest)
    else:
        dest.write_bytes(data)
        src.unlink()
    return dest


#: COPY column lists per connection and staging table (one catalogue query per table, not per file)
_COPY_COLUMNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _copy_columns(conn: psycopg.Connection, table: str) -> list[str]:
    per_conn = _COPY_COLUMNS.setdefault(conn, {})
    if table not in per_conn:
        per_conn[table] = [c for c in table_columns(conn, table) if c not in LINEAGE]
    return per_conn[table]


def _copy_rows(conn: psycopg.Connection, msg: ijw.Message, batch_id: int, sha: str) -> None:
    for table, source in STAGING[msg.bericht_type]:
        columns = _copy_columns(conn, table)
        rows = [msg.header] if source == "header" else (rec.flat(msg.header) for rec in msg.records)
        with conn.cursor().copy(
            f"COPY {table} (batch_id, file_sha256, {', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row((batch_id, sha, *[row.get(c) for c in columns]))


@dataclass
class ReadFile:
    """A landing file read, hashed and parsed (or with the reason it could not be parsed)."""

    data: bytes
    sha: str
    msg: ijw.Message | None
    reason: str | None


def read_file(path, pseudonymise: Callable[[str], str], xsd_dir: str | None = None) -> ReadFile:
    """Read, hash and parse one file; no database work, so it can run ahead of the COPYs."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    try:
        if len(data) > ijw.MAX_FILE_BYTES:
            raise ijw.IjwParseError(path.name, f"file is {len(data)} bytes, above the iJw limit of 25 MB (OP179)")
        return ReadFile(data, sha, ijw.parse(path.name, pseudonymise, data=data, xsd_dir=xsd_dir), None)
    except ijw.IjwParseError as exc:
        return ReadFile(data, sha, None, exc.reason)
    except Exception as exc:  # a parser bug on odd input still ends the file in one state
        log.exception("unexpected error parsing %s", path.name)
        return ReadFile(data, sha, None, f"could not be parsed ({type(exc).__name__}: {exc}); please report this file")


def stage_file(
    conn: psycopg.Connection,
    path: Path,
    batch_id: int,
    read: ReadFile,
    *,
    archive: Path,
    quarantine: Path,
) -> tuple[str, str | None, ijw.Message | None]:
    """Stage one read file; returns (state, reason, message). state: staged|quarantined|duplicate."""
    data, sha, msg, reason = read.data, read.sha, read.msg, read.reason
    known = conn.execute(
        "SELECT state FROM meta.file_manifest WHERE file_sha256 = %s", (sha,)
    ).fetchone()
    if known:  # same content as a file already processed: it goes where that one went
        _move(path, quarantine if known[0] == "quarantined" else archive, sha, data)
        return "duplicate", None, None
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
    dest = _move(path, quarantine if state == "quarantined" else archive, sha, data)
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
    xsd_dir: str | None = None,
) -> StageReport:
    landing = landing or config.landing_dir()
    archive = archive or config.archive_dir()
    quarantine = quarantine or config.quarantine_dir()
    report = StageReport(batch_id)
    paths = landing_files(landing)
    # one file is read and parsed in a thread while the previous one is COPYed (bounded: one ahead)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ijw-parse") as pool:
        ahead = pool.submit(read_file, paths[0], pseudonymise, xsd_dir) if paths else None
        for i, path in enumerate(paths):
            read = ahead.result()
            ahead = pool.submit(read_file, paths[i + 1], pseudonymise, xsd_dir) if i + 1 < len(paths) else None
            state, reason, msg = stage_file(conn, path, batch_id, read, archive=archive, quarantine=quarantine)
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


_NOT_QUARANTINED = (
    "NOT EXISTS (SELECT 1 FROM dq.quarantine q WHERE q.dataset = '{dataset}' AND q.row_id = s.row_id)"
)


def _publish_clients(conn: psycopg.Connection, batch_id: int) -> None:
    """Upsert core.client from every staged row with a pseudonym; the latest known attributes win."""
    parts = []
    for table in dict.fromkeys(t for types in STAGING.values() for t, _ in types):
        cols = set(table_columns(conn, table))
        if "client_pseudoniem" not in cols:
            continue
        attr = {c: c if c in cols else "NULL" for c in ("geboortejaar", "geslacht", "postcode4")}
        parts.append(
            f"SELECT client_pseudoniem, bsn_elfproef, {attr['geboortejaar']}::smallint AS geboortejaar, "
            f"{attr['geslacht']}::text AS geslacht, {attr['postcode4']}::text AS postcode4, dagtekening, row_id "
            f"FROM {table} s WHERE batch_id = %(batch)s AND {_NOT_QUARANTINED.format(dataset=dataset(table))}"
        )
    conn.execute(
        f"""
        INSERT INTO core.client (client_pseudoniem, bsn_elfproef, geboortejaar, geslacht, postcode4)
        SELECT DISTINCT ON (client_pseudoniem) client_pseudoniem, bsn_elfproef, geboortejaar, geslacht, postcode4
        FROM ({" UNION ALL ".join(parts)}) c
        ORDER BY client_pseudoniem, geboortejaar IS NULL, dagtekening DESC, row_id DESC
        ON CONFLICT (client_pseudoniem) DO UPDATE SET
            geboortejaar = COALESCE(EXCLUDED.geboortejaar, core.client.geboortejaar),
            geslacht = COALESCE(EXCLUDED.geslacht, core.client.geslacht),
            postcode4 = COALESCE(EXCLUDED.postcode4, core.client.postcode4),
            bijgewerkt_op = now()
        WHERE EXCLUDED.geboortejaar IS NOT NULL
          AND (core.client.geboortejaar, core.client.geslacht, core.client.postcode4)
              IS DISTINCT FROM (EXCLUDED.geboortejaar, EXCLUDED.geslacht, EXCLUDED.postcode4)
        """,
        {"batch": batch_id},
    )


def _publish_table(conn: psycopg.Connection, batch_id: int, staging: str, core: str) -> None:
    """Insert the batch's unquarantined rows; the core primary key makes a rerun a no-op."""
    columns = table_columns(conn, core, generated=False)
    missing = set(columns) - set(table_columns(conn, staging))
    if missing:
        raise RuntimeError(f"{core} needs columns {sorted(missing)} that {staging} does not have")
    pk = ", ".join(primary_key(conn, core))
    cols = ", ".join(columns)
    conn.execute(
        f"INSERT INTO {core} ({cols}) "
        f"SELECT DISTINCT ON ({pk}) {cols} FROM {staging} s "
        f"WHERE batch_id = %(batch)s AND {_NOT_QUARANTINED.format(dataset=dataset(staging))} "
        f"ORDER BY {pk}, row_id ON CONFLICT DO NOTHING",
        {"batch": batch_id},
    )


def publish(conn: psycopg.Connection, batch_id: int) -> dict[str, int]:
    """Publish a validated batch to core; returns the rows added per core table."""
    tables = ["core.client", *dict.fromkeys(core for _, core in PUBLISH)]
    with conn.transaction():
        before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        _publish_clients(conn, batch_id)
        for staging, core in PUBLISH:
            _publish_table(conn, batch_id, staging, core)
        conn.execute(
            "UPDATE meta.file_manifest SET state = 'loaded' WHERE batch_id = %s AND state = 'staged'", (batch_id,)
        )
        conn.execute(
            "UPDATE meta.load_batch SET status = 'published', finished_at = now() WHERE batch_id = %s", (batch_id,)
        )
        after = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    return {t: after[t] - before[t] for t in tables}


def quarantine_orphans(conn: psycopg.Connection, batch_id: int) -> int:
    """Lines of a JW325 whose message row was quarantined cannot be published: quarantine them too."""
    with conn.transaction():
        cur = conn.execute(
            """
            INSERT INTO dq.quarantine (dataset, row_id, batch_id, file_sha256, bron_regel, regel_codes, reden)
            SELECT 'jw325_prestatie', p.row_id, p.batch_id, p.file_sha256, p.bron_regel, ARRAY['BERICHT'],
                   'het JW325-bericht zelf is in quarantaine: ' || q.reden
            FROM staging.jw325_prestatie p
            JOIN staging.jw325_declaratie_antwoord a ON a.batch_id = p.batch_id AND a.file_sha256 = p.file_sha256
            JOIN dq.quarantine q ON q.dataset = 'jw325_declaratie_antwoord' AND q.row_id = a.row_id
            WHERE p.batch_id = %s
            ON CONFLICT (dataset, row_id) DO NOTHING
            """,
            (batch_id,),
        )
        return cur.rowcount


def restage_for_replay(conn: psycopg.Connection, batch_id: int, run_id: str | None = None) -> int:
    """Copy the lines of ``batch_id`` that still wait for a verdict into a new batch: every line
    of a batch that failed its quality gate, else the quarantined lines not yet replayed. The old
    quarantine entries point to the new batch; the new batch goes through audit and publish like
    any other. Returns the new batch id (no lines to replay: ValueError)."""
    with conn.transaction():
        status = conn.execute("SELECT status FROM meta.load_batch WHERE batch_id = %s", (batch_id,)).fetchone()
        if status is None:
            raise ValueError(f"batch {batch_id} does not exist")
        failed = status[0] == "failed"
        new = conn.execute(
            "INSERT INTO meta.load_batch (run_id, message) VALUES (%s, %s) RETURNING batch_id",
            (run_id, f"replay of batch {batch_id}"),
        ).fetchone()[0]
        copied = 0
        for table in dict.fromkeys(t for types in STAGING.values() for t, _ in types):
            cols = ", ".join(c for c in table_columns(conn, table) if c not in ("row_id", "batch_id"))
            copied += conn.execute(
                f"INSERT INTO {table} (batch_id, {cols}) SELECT %(new)s, {cols} FROM {table} s "
                f"WHERE s.batch_id = %(old)s AND (%(failed)s OR EXISTS (SELECT 1 FROM dq.quarantine q "
                f"WHERE q.dataset = %(ds)s AND q.row_id = s.row_id AND q.replay_batch_id IS NULL)) ORDER BY s.row_id",
                {"new": new, "old": batch_id, "failed": failed, "ds": dataset(table)},
            ).rowcount
        if not copied:
            raise ValueError(f"batch {batch_id} has no lines waiting for a replay")
        conn.execute(
            "UPDATE dq.quarantine SET replay_batch_id = %s WHERE batch_id = %s AND replay_batch_id IS NULL",
            (new, batch_id),
        )
        if failed:  # its files wait for the new verdict
            conn.execute(
                "UPDATE meta.file_manifest SET state = 'staged', reason = NULL, batch_id = %s "
                "WHERE batch_id = %s AND record_count IS NOT NULL",  # not the files that never parsed
                (new, batch_id),
            )
        conn.execute("UPDATE meta.load_batch SET status = 'staged' WHERE batch_id = %s", (new,))
    return new


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

"""Publish an audited batch to core; fail a batch; replay what a batch left unpublished.

:func:`publish` moves the batch's unquarantined rows into core with the iJw keys as primary keys
(``ON CONFLICT DO NOTHING``) in one transaction, so a rerun changes nothing and a crash publishes
all or nothing. :func:`fail_batch` ends a batch stopped by its quality gate: its files are
quarantined in the manifest and moved from the archive to the quarantine folder.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import psycopg

from jeugdhulp import config, landing
from jeugdhulp.warehouse import PUBLISH, STAGING, dataset, primary_key, table_columns

log = logging.getLogger(__name__)

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


def batches(conn: psycopg.Connection, *statuses: str) -> list[int]:
    """Batches in one of ``statuses``, oldest first."""
    return [b for (b,) in conn.execute(
        "SELECT batch_id FROM meta.load_batch WHERE status = ANY(%s) ORDER BY batch_id", (list(statuses),))]


def batch_status(conn: psycopg.Connection, batch_id: int) -> str:
    row = conn.execute("SELECT status FROM meta.load_batch WHERE batch_id = %s", (batch_id,)).fetchone()
    if row is None:
        raise ValueError(f"batch {batch_id} does not exist")
    return row[0]


def mark_validated(conn: psycopg.Connection, batch_id: int) -> None:
    with conn.transaction():
        conn.execute("UPDATE meta.load_batch SET status = 'validated' WHERE batch_id = %s", (batch_id,))


def publish(conn: psycopg.Connection, batch_id: int) -> dict[str, int]:
    """Publish a validated batch to core; returns the rows added per core table (nothing for a
    batch published before)."""
    tables = ["core.client", *dict.fromkeys(core for _, core in PUBLISH)]
    with conn.transaction():
        status = conn.execute(
            "SELECT status FROM meta.load_batch WHERE batch_id = %s FOR UPDATE", (batch_id,)).fetchone()
        if status == ("published",):
            return {t: 0 for t in tables}
        if status != ("validated",):
            raise ValueError(f"batch {batch_id} is {status[0] if status else 'unknown'}, not validated: "
                             "run the audit (validate) first")
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
        if status[0] not in ("published", "failed"):
            raise ValueError(f"batch {batch_id} is {status[0]}: audit and publish it, do not copy it")
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


def fail_batch(conn: psycopg.Connection, batch_id: int, message: str, quarantine=None) -> dict[str, str]:
    """Mark a batch failed; its staged files end quarantined with the reason (nothing published)
    and move from the archive to the ``quarantine`` folder (default ``JEUGDHULP_QUARANTINE``):
    first the manifest says where each goes, then the files move. Returns the moves that could
    not be done now ({file name: problem}; the next stage retries them)."""
    root = landing.local(quarantine or config.quarantine_dir())
    day = root / dt.date.today().isoformat()
    reason = f"batch {batch_id} failed its quality gate: {message}"
    with conn.transaction():
        conn.execute(
            "UPDATE meta.load_batch SET status = 'failed', finished_at = now(), message = %s WHERE batch_id = %s",
            (message, batch_id),
        )
        files = conn.execute(
            "SELECT file_sha256, file_name, archived_as FROM meta.file_manifest "
            "WHERE batch_id = %s AND state = 'staged' FOR UPDATE", (batch_id,)
        ).fetchall()
        movable = isinstance(root, Path)
        moves = [(sha, str(day / landing.stored_name(sha, name)), stored)
                 for sha, name, stored in files
                 if movable and stored and not landing.stored_text_in(stored, root)]
        conn.execute(
            "UPDATE meta.file_manifest SET state = 'quarantined', reason = %s WHERE batch_id = %s AND state = 'staged'",
            (reason, batch_id),
        )
        if moves:
            conn.execute(
                "UPDATE meta.file_manifest m SET archived_as = f.target, move_from = COALESCE(m.move_from, f.source) "
                "FROM unnest(%s::text[], %s::text[], %s::text[]) AS f(sha, target, source) WHERE m.file_sha256 = f.sha",
                [list(col) for col in zip(*moves)],
            )
    if moves:
        landing.secure_dir(day)
    return landing.finish_moves(conn)

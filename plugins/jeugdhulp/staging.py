"""Stage the landing folder into the open batch: every file ends in exactly one state.

:func:`stage_landing` takes every waiting landing file (``jeugdhulp.landing`` says which may be
read), hashes it, and ends it in one state: a file whose hash is already in the manifest goes
where that one went; a file that cannot be parsed is quarantined with its reason; a good file is
parsed, pseudonymised and COPYed into its staging table in the same transaction that records it
in the manifest. Parsing runs in worker processes for a large batch (``jeugdhulp.parse_pool``);
this process alone talks to the database, in landing order.

Crash safety: the batch is the *open* one (:func:`open_batch`: a rerun or retry continues the
batch a dead run left, it never opens a second one beside it), and a file moves only after the
manifest row that says where it goes is committed (``move_from`` stays set until the move is
synced; ``landing.finish_moves`` completes it after a crash).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import psycopg

from jeugdhulp import config, landing
from jeugdhulp.parse_pool import PARALLEL_MIN_BYTES, Prepared, _Done, _Parser, _Preparer, parse_workers
from jeugdhulp.warehouse import staging_columns

log = logging.getLogger(__name__)

#: batch states before published/failed
OPEN = ("staging", "staged", "validated")
#: files per manifest + COPY transaction (a failing group is retried file by file) and per
#: window of files checked and parsed together; a group or window also ends at GROUP_BYTES, so
#: what is in flight stays bounded with 25 MB files too
GROUP_FILES = 16
GROUP_BYTES = 16 * 2**20


@dataclass
class StageReport:
    batch_id: int
    staged: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)
    already_processed: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # landing entries not read (links, folders, ...)
    not_moved: dict[str, str] = field(default_factory=dict)  # recorded, but the move failed: retried next run

    def summary(self) -> str:
        return (
            f"batch {self.batch_id}: {len(self.staged)} files staged "
            f"({', '.join(f'{k} {v} rows' for k, v in sorted(self.rows.items())) or 'no rows'}), "
            f"{len(self.quarantined)} quarantined, {len(self.already_processed)} already processed, "
            f"{len(self.refused)} refused or skipped, {len(self.not_moved)} not moved"
        )


def open_batch(conn: psycopg.Connection, run_id: str | None = None) -> int:
    """The batch new files join: the open batch if there is one (a dead run's, continued), else a
    new one. Call under the ingest lock (``recovery.take_over``)."""
    with conn.transaction():
        row = conn.execute(
            "SELECT batch_id, status, run_id FROM meta.load_batch WHERE status = ANY(%s) "
            "ORDER BY batch_id DESC LIMIT 1", (list(OPEN),)
        ).fetchone()
        if row is None:
            return conn.execute(
                "INSERT INTO meta.load_batch (run_id) VALUES (%s) RETURNING batch_id", (run_id,)
            ).fetchone()[0]
        batch_id, status, old_run = row
        conn.execute("UPDATE meta.load_batch SET status = 'staging' WHERE batch_id = %s", (batch_id,))
    log.warning("continuing batch %s (status %s, run %s) that was not published or failed", batch_id, status, old_run)
    return batch_id


# --------------------------------------------------------------------------- read ahead


def _read(path) -> landing.Read | None:
    try:
        return landing.read(path)
    except FileNotFoundError:
        log.info("%s left landing while it was read (picked up by someone else?)", path.name)
    except OSError as exc:  # e.g. no permission: the file waits in landing, the others go on
        log.error("could not read %s from landing (%s); it stays there and is tried again next run",
                  path.name, exc.strerror or exc)
    return None


def _read_ahead(pool: ThreadPoolExecutor, paths: list, depth: int) -> Iterator[landing.Read]:
    """Each path read and hashed in order, at most ``depth`` files ahead (unreadable ones left out)."""
    todo = iter(paths)
    ahead = deque(pool.submit(_read, p) for p in islice(todo, depth))
    while ahead:
        done = ahead.popleft().result()
        nxt = next(todo, None)
        if nxt is not None:
            ahead.append(pool.submit(_read, nxt))
        if done is not None:
            yield done


def _windows(reads: Iterator[landing.Read]) -> Iterator[list[landing.Read]]:
    """Consecutive reads in windows of GROUP_FILES files or GROUP_BYTES bytes."""
    window, size = [], 0
    for read in reads:
        window.append(read)
        size += len(read.data or b"")
        if len(window) >= GROUP_FILES or size >= GROUP_BYTES:
            yield window
            window, size = [], 0
    if window:
        yield window


# --------------------------------------------------------------------------- manifest + COPY


_MANIFEST_INSERT = (
    "INSERT INTO meta.file_manifest (file_sha256, file_name, file_size, bericht_type, afzender, "
    "bericht_identificatie, gemeente, state, reason, batch_id, record_count, archived_as, move_from) "
    "SELECT sha, name, size, bericht_type, afzender, ident, gemeente, state, reason, %s, records, archived_as, "
    "move_from FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::text[], %s::text[], %s::int[], %s::text[], %s::text[]) "
    "AS f(sha, name, size, bericht_type, afzender, ident, gemeente, state, reason, records, archived_as, move_from)"
)


def record_refusals(conn: psycopg.Connection, batch_id: int, refusals: list[landing.Refusal]) -> None:
    """Landing entries that are not read: recorded once (a rerun finds the same row)."""
    if refusals:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO meta.file_manifest (file_sha256, file_name, file_size, state, reason, batch_id) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (file_sha256) DO NOTHING",
                [(r.ident, r.name, r.size, r.state, r.reason, batch_id) for r in refusals],
            )


class _Stager:
    """Ends each file in one state, in landing order. Files go in groups: one transaction writes
    the manifest rows (with ``archived_as`` and ``move_from``) and COPYs the rows of the group's
    good files; the files move after the commit. A group that fails is retried file by file, so a
    file that PostgreSQL refuses is quarantined alone; a file that cannot move stays recorded as
    pending and the others go on."""

    def __init__(self, conn: psycopg.Connection, report: StageReport, destinations: landing.Destinations):
        self.conn, self.report, self.dest = conn, report, destinations
        self.outcome: dict[str, bool] = {}  # sha of a file ended in this run -> quarantined?
        self.owner: dict[tuple, str] = {}  # (type, afzender, identificatie) staged in this run -> file name
        self.group: list[tuple] = []  # [(Read, Prepared)]
        self.group_bytes = 0  # COPY text in the group

    def known(self, shas: list[str]) -> dict[str, str]:
        """State of the shas already in the manifest (one query for a window of files)."""
        if not shas:
            return {}
        return dict(self.conn.execute(
            "SELECT file_sha256, state FROM meta.file_manifest WHERE file_sha256 = ANY(%s)", (shas,)
        ).fetchall())

    def taken(self, keys: list[tuple]) -> dict[tuple, str]:
        """BerichtIdentificaties of a window already received in a file not quarantined (TR056)."""
        if not keys:
            return {}
        return {
            (t, a, i): name
            for t, a, i, name in self.conn.execute(
                "SELECT m.bericht_type, m.afzender, m.bericht_identificatie, m.file_name FROM meta.file_manifest m "
                "JOIN unnest(%s::text[], %s::text[], %s::text[]) AS k(t, a, i) "
                "ON m.bericht_type = k.t AND m.afzender = k.a AND m.bericht_identificatie = k.i "
                "WHERE m.state <> 'quarantined'",
                [list(col) for col in zip(*keys)],
            )
        }

    def already_processed(self, read: landing.Read, quarantined: bool) -> None:
        """Same content as a file already processed: it goes where that one went."""
        if any(p.sha == read.sha for _, p in self.group):
            self.flush()
            quarantined = self.outcome[read.sha]
        target = self.dest(quarantined, read.sha, read.name)
        if self._move(read, target):
            landing.sync_dirs([read.path, target])
        self.report.already_processed.append(read.name)

    def add(self, read: landing.Read, prep: Prepared, taken: dict[tuple, str]) -> None:
        if prep.sha in self.outcome or any(p.sha == prep.sha for _, p in self.group):
            self.flush()
            return self.already_processed(read, self.outcome[prep.sha])
        if prep.reason is None:
            if any(p.reason is None and p.key == prep.key for _, p in self.group):
                self.flush()  # the earlier file with this BerichtIdentificatie ends first
            owner = self.owner.get(prep.key) or taken.get(prep.key)
            if owner:
                prep.reason = (
                    f"duplicate BerichtIdentificatie {prep.bericht_identificatie} from {prep.afzender} "
                    f"(TR056, retour 9056): already received in {owner}"
                )
                prep.copies = []
        self.group.append((read, prep))
        self.group_bytes += sum(len(text) for *_, text in prep.copies)
        if len(self.group) >= GROUP_FILES or self.group_bytes >= GROUP_BYTES:
            self.flush()

    def flush(self) -> None:
        group, self.group, self.group_bytes = self.group, [], 0
        if not group:
            return
        try:
            targets = self._commit(group)
        except psycopg.Error as exc:
            if len(group) > 1:
                for item in group:  # find the file PostgreSQL refuses; the others stage
                    self.group = [item]
                    self.flush()
                return
            read, prep = group[0]
            reason = f"could not be staged: {exc.diag.message_primary or exc}"
            prep.reason, prep.copies = reason, []
            targets = self._commit(group)
        done = []
        for (read, prep), target in zip(group, targets):
            if self._move(read, target):
                done.append(prep.sha)
            self._ended(read.name, prep)
        landing.sync_dirs([read.path for read, _ in group] + targets)
        landing.moved(self.conn, done)

    def _move(self, read: landing.Read, target) -> bool:
        try:
            landing.move(read.path, target, read.data)
            return True
        except OSError as exc:  # recorded as pending; the next run's finish_moves retries it
            self.report.not_moved[read.name] = f"could not be moved to {target}: {exc.strerror or exc}"
            log.error("%s: %s", read.name, self.report.not_moved[read.name])
            return False

    def _commit(self, group: list[tuple]) -> list:
        targets = [self.dest(p.reason is not None, p.sha, read.name) for read, p in group]
        rows = [
            (p.sha, read.name, p.size, p.bericht_type, p.afzender, p.bericht_identificatie, p.gemeente,
             "quarantined" if p.reason else "staged", p.reason, None if p.reason else p.records, str(target),
             str(read.path))
            for (read, p), target in zip(group, targets)
        ]
        copies: dict[tuple, list[bytes]] = {}
        for _, p in group:
            for table, cols, text in p.copies:
                copies.setdefault((table, cols), []).append(text)
        with self.conn.transaction():
            self.conn.execute(_MANIFEST_INSERT, [self.report.batch_id, *(list(col) for col in zip(*rows))])
            for (table, cols), texts in copies.items():
                with self.conn.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for text in texts:
                        copy.write(text)
        return targets

    def _ended(self, name: str, prep: Prepared) -> None:
        self.outcome[prep.sha] = prep.reason is not None
        if prep.reason is not None:
            self.report.quarantined[name] = prep.reason
            log.warning("quarantined %s: %s", name, prep.reason)
        else:
            self.owner[prep.key] = name
            self.report.staged.append(name)
            self.report.rows[prep.bericht_type] = self.report.rows.get(prep.bericht_type, 0) + prep.records


def stage_landing(
    conn: psycopg.Connection,
    batch_id: int,
    pseudonymise: Callable[[str], str],
    *,
    landing: Path | None = None,
    archive: Path | None = None,
    quarantine: Path | None = None,
    xsd_dir: str | None = None,
    workers: int | None = None,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
) -> StageReport:
    """Stage every waiting landing file; each ends staged, quarantined (with its reason) or, when
    its content was processed before, already processed (moved where that one went); entries that
    may not be read are refused or skipped (recorded, left in landing).
    ``parallel_min_bytes=0``: every file is parsed in a worker (the pool's start is awaited).

    Files are read and hashed a few ahead in a thread, parsed (and pseudonymised, and turned
    into COPY text) in ``workers`` processes (default :func:`parse_workers`) once
    ``parallel_min_bytes`` were read, in-process before, and staged in landing order by this
    process, which alone talks to the database."""
    from jeugdhulp import landing as zone  # the parameter ``landing`` shadows the module

    landing_dir = zone.local(landing or config.landing_dir())
    destinations = zone.Destinations(archive or config.archive_dir(), quarantine or config.quarantine_dir())
    report = StageReport(batch_id)
    paths, refusals = zone.scan(landing_dir)
    record_refusals(conn, batch_id, refusals)
    report.refused = {r.name: r.reason for r in refusals}
    workers = parse_workers() if workers is None else workers
    preparer = _Preparer(pseudonymise, staging_columns(conn), batch_id, xsd_dir, conn.info.encoding)
    parser = _Parser(preparer, workers, parallel_min_bytes)
    stager = _Stager(conn, report, destinations)
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ijw-read") as io:
            pending: deque = deque()  # windows submitted for parsing, oldest first; at most 3
            for window in _windows(_read_ahead(io, paths, 8)):
                refused = [r.refusal for r in window if r.refusal is not None]
                if refused:  # swapped for a link or FIFO after the scan
                    record_refusals(conn, batch_id, refused)
                    report.refused.update((r.name, r.reason) for r in refused)
                window = [r for r in window if r.refusal is None]
                known = stager.known([r.sha for r in window])
                todo = [(r.name, r.data, r.sha) for r in window if r.sha not in known and r.reason is None]
                pending.append((window, known, todo, parser.submit(todo) if todo else _Done([])))
                if len(pending) > 2:
                    _finish_window(stager, parser, pending.popleft())
            while pending:
                _finish_window(stager, parser, pending.popleft())
            stager.flush()
    finally:
        parser.close()
    with conn.transaction():
        conn.execute("UPDATE meta.load_batch SET status = 'staged' WHERE batch_id = %s", (batch_id,))
    return report


def _finish_window(stager: _Stager, parser: _Parser, pending: tuple) -> None:
    window, known, todo, future = pending
    prepared = iter(parser.result(future, todo))
    done = []
    for r in window:
        if r.sha in known:
            prep = None
        elif r.reason is not None:  # refused by its size: never parsed
            prep = Prepared(r.name, r.sha, r.size, r.reason)
        else:
            prep = next(prepared)
        done.append((r, known.get(r.sha), prep))
    for r, _, prep in done:
        if prep is not None and prep.error:
            log.error("unexpected error preparing %s:\n%s", r.name, prep.error)
    taken = stager.taken([prep.key for *_, prep in done if prep is not None and prep.reason is None])
    for r, state, prep in done:
        if prep is None:
            stager.already_processed(r, state == "quarantined")
        else:
            stager.add(r, prep, taken)

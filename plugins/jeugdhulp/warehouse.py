"""Warehouse loading: schema migration, the SHA-256 file manifest, staging by COPY, publishing.

The ingest is write-audit-publish:

1. :func:`stage_landing` takes every file in the landing folder, hashes it, and ends it in one
   state: a file whose hash is already in the manifest is archived untouched; a file that cannot
   be parsed is quarantined with its reason; a good file is parsed, pseudonymised and COPYed into
   its staging table in the same transaction that records it in the manifest. Parsing (with
   pseudonymisation and the COPY text) runs in worker processes for a large batch
   (``JEUGDHULP_PARSE_WORKERS``); this process alone talks to the database, in landing order.
2. ``jeugdhulp.quality`` audits the staged batch and quarantines failing rows.
3. :func:`publish` moves the batch's remaining rows into core with the iJw keys as primary keys
   (``ON CONFLICT DO NOTHING``), so a rerun changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import multiprocessing
import os
import pickle
import shutil
import sys
import traceback
import types
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
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


# --------------------------------------------------------------------------- file moves


class _Destinations:
    """``<archive|quarantine>/<date>/<sha12>_<name>`` for one run (each day folder made once);
    works for local paths and Airflow ObjectStoragePath (S3, SFTP, …) alike."""

    def __init__(self, archive, quarantine):
        self.dirs = {"archive": archive, "quarantine": quarantine}
        self._made: dict = {}

    def __call__(self, quarantined: bool, sha: str, name: str):
        kind, day = "quarantine" if quarantined else "archive", dt.date.today().isoformat()
        day_dir = self._made.get((kind, day))
        if day_dir is None:
            day_dir = self._made[kind, day] = self.dirs[kind] / day
            day_dir.mkdir(parents=True, exist_ok=True)
        return day_dir / f"{sha[:12]}_{name}"


def _move(src, dest, data: bytes) -> None:
    if isinstance(src, Path) and isinstance(dest, Path):
        shutil.move(str(src), dest)
    else:
        dest.write_bytes(data)
        src.unlink()


# --------------------------------------------------------------------------- COPY text

_NULL = "\\N"


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_str(text: str) -> str:
    # \t, \n and \r are not printable: one test for the three separators COPY would misread
    return _copy_escape(text) if "\\" in text or not text.isprintable() else text


def _copy_array(values: list) -> str:
    """A text[] literal, e.g. ``{"8001","0233"}``, escaped for COPY."""
    items = ("NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return _copy_escape("{" + ",".join(items) + "}")


#: exact type -> COPY text format (what psycopg's write_row would send for these types)
_COPY_TEXT: dict = {
    str: _copy_str,
    int: int.__repr__,
    bool: lambda v: "t" if v else "f",
    dt.date: dt.date.isoformat,
    dt.time: dt.time.isoformat,
    list: _copy_array,
    type(None): lambda v: _NULL,
}


def _copy_value(value) -> str:
    fmt = _COPY_TEXT.get(type(value))
    if fmt is not None:
        return fmt(value)
    for kind in (str, int, list, tuple):  # subclasses (not bool, date or time: their own formats)
        if isinstance(value, kind):
            return _copy_array(list(value)) if kind is tuple else _COPY_TEXT[kind](value)
    raise TypeError(f"no COPY text format for a {type(value).__name__} value")


class _Irregular(Exception):
    """Records whose items do not all have the same fields: take the row-by-row way."""


def _records_copy(msg: ijw.Message, columns: list[str], prefix: str) -> tuple[tuple[str, ...], list[str]]:
    """COPY lines of one row per record, the values of ``Record.flat(msg.header)``.

    Header and client values are formatted once (per message, per client), only the item values
    per line; the COPY column order is therefore header, client, item columns, ``bron_regel``.
    A Prestatie read as texts (``ijw.parse(texts=True)``) is joined as it is, escaped only when
    it holds a backslash, tab, newline or carriage return.
    """
    records = msg.records
    clients: dict = {}
    for rec in records:
        clients.setdefault(id(rec.client), rec.client)
    first = records[0].item
    keys = ijw.PRESTATIE_FIELDS if type(first) is tuple else tuple(first)
    client_keys = set().union(*clients.values())
    item_cols = [c for c in keys if c in columns and c != "bron_regel"]
    if any(type(rec.item) is tuple for rec in records) and item_cols != list(ijw.PRESTATIE_FIELDS):
        return _rows_copy(msg, columns, prefix)  # a table without some Prestatie field
    client_cols = [c for c in columns if c in client_keys and c not in keys and c != "bron_regel"]
    header_cols = [c for c in columns if c not in keys and c not in client_keys and c != "bron_regel"]
    with_line = "bron_regel" in columns
    header = msg.header
    head = [prefix, *(_copy_value(header.get(c)) for c in header_cols)]
    segments = {
        key: "\t".join(head + [_copy_value(client[c] if c in client else header.get(c)) for c in client_cols]) + "\t"
        for key, client in clients.items()
    }
    if not item_cols:
        values_of = lambda item: ()  # noqa: E731
    elif len(item_cols) == 1:
        values_of = lambda item, c=item_cols[0]: (item[c],)  # noqa: E731
    else:
        values_of = itemgetter(*item_cols)
    width, text, null, tabs = len(keys), _COPY_TEXT, _NULL, len(ijw.PRESTATIE_FIELDS) - 1
    lines = []
    try:
        for rec in records:
            item = rec.item
            if type(item) is tuple:
                values = "\t".join([null if v is None else v for v in item])
                # texts hold only str and None: escaping needed iff a \ beyond the \N, a \t, \n or \r
                if (values.count("\\") != item.count(None) or values.count("\t") != tabs
                        or "\n" in values or "\r" in values):
                    values = "\t".join([null if v is None else _copy_str(v) for v in item])
            elif len(item) != width:
                raise _Irregular
            else:
                values = "\t".join([text[type(v)](v) for v in values_of(item)])
            if with_line:
                number = null if rec.line is None else str(rec.line)
                values = values + "\t" + number if item_cols else number
            lines.append(segments[id(rec.client)] + values)
    except (KeyError, _Irregular):  # a missing field or a value type without a fast format
        return _rows_copy(msg, columns, prefix)
    if not with_line and not item_cols:
        lines = [line[:-1] for line in lines]  # no item columns: drop the tab after the client values
    return ("batch_id", "file_sha256", *header_cols, *client_cols, *item_cols, *(["bron_regel"] if with_line else [])), lines


def _rows_copy(msg: ijw.Message, columns: list[str], prefix: str) -> tuple[tuple[str, ...], list[str]]:
    """COPY lines of ``Record.flat`` row by row, in table order (the reference of the above)."""
    return ("batch_id", "file_sha256", *columns), [
        prefix + "\t" + "\t".join([_copy_value(row.get(c)) for c in columns])
        for row in (rec.flat(msg.header) for rec in msg.records)
    ]


def copy_data(msg: ijw.Message, columns: dict[str, list[str]], batch_id: int, sha: str,
              encoding: str = "utf-8") -> list[tuple[str, tuple[str, ...], bytes]]:
    """The COPY input of a parsed message: ``(table, COPY columns, text)`` per staging table."""
    prefix = f"{batch_id}\t{sha}"
    out = []
    for table, source in STAGING[msg.bericht_type]:
        cols = columns[table]
        if source == "header":
            copy_cols = ("batch_id", "file_sha256", *cols)
            lines = [prefix + "\t" + "\t".join([_copy_value(msg.header.get(c)) for c in cols])]
        elif msg.records:
            copy_cols, lines = _records_copy(msg, cols, prefix)
        else:
            continue
        out.append((table, copy_cols, ("\n".join(lines) + "\n").encode(encoding)))
    return out


# --------------------------------------------------------------------------- parse (in-process or in workers)

#: env var: parse worker processes for a large landing batch (0: parse in the staging process)
PARSE_WORKERS_ENV = "JEUGDHULP_PARSE_WORKERS"
#: the first bytes of a landing batch are parsed in-process; parse workers (~0.3 s to start)
#: only start once this much was read (~10,000 declaration lines)
PARALLEL_MIN_BYTES = 8 * 2**20
#: files per manifest + COPY transaction (a failing group is retried file by file) and per
#: window of files checked and parsed together; a group or window also ends at GROUP_BYTES, so
#: what is in flight stays bounded with 25 MB files too
GROUP_FILES = 16
GROUP_BYTES = 16 * 2**20


def parse_workers() -> int:
    """Worker processes from ``JEUGDHULP_PARSE_WORKERS``; by default two thirds of the cores,
    rounded up, at most four (parsing is ~2/3 of the CPU a line costs, the staging process and
    PostgreSQL's COPY the rest; beyond four workers the one COPY stream is the limit); none on
    one core."""
    value = os.environ.get(PARSE_WORKERS_ENV, "").strip()
    if value:
        if not value.isdigit():
            raise ValueError(f"{PARSE_WORKERS_ENV} must be a whole number >= 0, not {value!r}")
        return int(value)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if cores < 2 else min(4, -(-2 * cores // 3))


@dataclass
class Prepared:
    """A landing file parsed, pseudonymised and turned into COPY text (or the reason it cannot be).

    Built in a worker process; holds no BSN and no file content, only what is staged."""

    name: str
    sha: str
    size: int
    reason: str | None = None
    bericht_type: str | None = None
    afzender: str | None = None
    bericht_identificatie: str | None = None
    records: int = 0
    copies: list = field(default_factory=list)  # [(table, COPY columns, text)]
    error: str | None = None  # traceback of an unexpected parser error, logged by the stager

    @property
    def key(self) -> tuple:
        return self.bericht_type, self.afzender, self.bericht_identificatie


class _Preparer:
    """Parse + pseudonymise + COPY text of one file; picklable (the key, not the cache, travels)."""

    def __init__(self, pseudonymise: Callable[[str], str], columns: dict[str, list[str]], batch_id: int,
                 xsd_dir: str | None, encoding: str):
        self.pseudonymise, self.columns, self.batch_id = pseudonymise, columns, batch_id
        self.xsd_dir, self.encoding = xsd_dir, encoding

    def __call__(self, name: str, data: bytes, sha: str) -> Prepared:
        size = len(data)
        try:
            if size > ijw.MAX_FILE_BYTES:
                raise ijw.IjwParseError(name, f"file is {size} bytes, above the iJw limit of 25 MB (OP179)")
            msg = ijw.parse(name, self.pseudonymise, data=data, xsd_dir=self.xsd_dir, texts=True)
        except ijw.IjwParseError as exc:
            return Prepared(name, sha, size, exc.reason)
        except Exception as exc:  # a parser bug on odd input still ends the file in one state
            return Prepared(name, sha, size, f"could not be parsed ({type(exc).__name__}: {exc}); please report this file",
                            error=traceback.format_exc())
        try:
            copies = copy_data(msg, self.columns, self.batch_id, sha, self.encoding)
        except (TypeError, ValueError) as exc:  # e.g. a character the database encoding lacks
            return Prepared(name, sha, size, f"could not be staged: {exc}")
        except Exception as exc:
            return Prepared(name, sha, size, f"could not be staged ({type(exc).__name__}: {exc}); please report this file",
                            error=traceback.format_exc())
        h = msg.header
        return Prepared(name, sha, size, None, msg.bericht_type, h.get("afzender"), h.get("bericht_identificatie"),
                        len(msg.records), copies)


_WORKER_PREPARER: _Preparer | None = None


def _init_worker(preparer: _Preparer) -> None:
    global _WORKER_PREPARER
    _WORKER_PREPARER = preparer


def _prepare_in_worker(files: list[tuple]) -> list[Prepared]:
    return [_WORKER_PREPARER(name, data, sha) for name, data, sha in files]


class _Done:
    """A finished 'future' of an in-process parse."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


@contextmanager
def _main_module_hidden():
    """A spawned worker runs the parent's ``__main__`` again before it starts (to find pickled
    functions there); ours need nothing of it, and a script calling the ingest without an
    ``if __name__ == "__main__"`` guard (or the ``airflow`` command, ~2 s of imports) must not
    run again in each worker. So workers start while ``__main__`` is an empty module."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _ready() -> None:
    """A worker's first task: it has started (imported this module, run the initializer)."""


class _Parser:
    """Parses files in order, in-process until ``min_bytes`` have been read, then in ``workers``
    processes (spawned: nothing of this process is inherited but the preparer). A small batch
    never starts a worker; while the workers start (~0.3 s) parsing goes on here; when the pool
    cannot start, parsing stays here."""

    def __init__(self, preparer: _Preparer, workers: int, min_bytes: int):
        self.preparer, self.workers, self.min_bytes = preparer, workers, min_bytes
        self.pool: ProcessPoolExecutor | None = None
        self.started: list = []  # a _ready task per worker
        self.read = 0
        self.parsed = {"in workers": 0, "in-process": 0}

    def _start(self) -> None:
        workers, self.workers = self.workers, 0  # one attempt
        try:
            pickle.dumps(self.preparer)
        except Exception as exc:  # e.g. a pseudonymiser that is a lambda
            log.warning("parsing in-process: the pseudonymiser cannot go to a worker (%s)", exc)
            return
        try:
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker, initargs=(self.preparer,))
            with _main_module_hidden():  # each submit starts a worker until there are ``workers``
                self.started = [self.pool.submit(_ready) for _ in range(workers)]
            if not self.min_bytes:  # every file in a worker: wait for them
                wait(self.started)
        except Exception as exc:
            self._give_up(exc)
            return
        log.info("parsing in %d worker processes", workers)

    def _pool_ready(self) -> bool:
        if self.pool is None or not any(f.done() for f in self.started):
            return False
        for f in self.started:
            if f.done() and f.exception() is not None:  # a worker could not start
                self._give_up(f.exception())
                return False
        return True

    def submit(self, files: list[tuple]):
        """Parse ``[(name, data, sha)]`` (one task per window: a task costs the pool ~0.3 ms)."""
        self.read += sum(len(data) for _, data, _ in files)
        if self.workers and self.read >= self.min_bytes:
            self._start()
        if self._pool_ready():
            try:
                with _main_module_hidden():  # (the pool may replace a worker)
                    future = self.pool.submit(_prepare_in_worker, files)
                self.parsed["in workers"] += len(files)
                return future
            except Exception as exc:  # the pool broke: go on in-process
                self._give_up(exc)
        self.parsed["in-process"] += len(files)
        return _Done([self.preparer(name, data, sha) for name, data, sha in files])

    def result(self, future, files: list[tuple]) -> list[Prepared]:
        try:
            return future.result()
        except BrokenProcessPool as exc:  # a worker died (killed, out of memory): parse them here
            self._give_up(exc)
            self.parsed["in workers"] -= len(files)
            self.parsed["in-process"] += len(files)
            return [self.preparer(name, data, sha) for name, data, sha in files]

    def _give_up(self, exc: BaseException) -> None:
        if self.pool is not None:
            log.warning("parse workers unavailable (%s: %s); parsing in-process", type(exc).__name__, exc)
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.parsed["in workers"]:
            log.info("parsed %d files in worker processes, %d in-process",
                     self.parsed["in workers"], self.parsed["in-process"])


def _read(path) -> tuple:
    data = path.read_bytes()
    return path, data, hashlib.sha256(data).hexdigest()


def _read_ahead(pool: ThreadPoolExecutor, paths: list, depth: int) -> Iterator[tuple]:
    """(path, data, sha) of each path in order, read and hashed at most ``depth`` files ahead."""
    todo = iter(paths)
    ahead = deque(pool.submit(_read, p) for p in islice(todo, depth))
    while ahead:
        done = ahead.popleft().result()
        nxt = next(todo, None)
        if nxt is not None:
            ahead.append(pool.submit(_read, nxt))
        yield done


def _windows(reads: Iterator[tuple]) -> Iterator[list[tuple]]:
    """Consecutive reads in windows of GROUP_FILES files or GROUP_BYTES bytes."""
    window, size = [], 0
    for read in reads:
        window.append(read)
        size += len(read[1])
        if len(window) >= GROUP_FILES or size >= GROUP_BYTES:
            yield window
            window, size = [], 0
    if window:
        yield window


# --------------------------------------------------------------------------- stage: manifest + COPY


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


_MANIFEST_INSERT = (
    "INSERT INTO meta.file_manifest (file_sha256, file_name, file_size, bericht_type, afzender, "
    "bericht_identificatie, state, reason, batch_id, record_count, archived_as) "
    "SELECT sha, name, size, bericht_type, afzender, ident, state, reason, %s, records, archived_as "
    "FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], "
    "%s::text[], %s::int[], %s::text[]) "
    "AS f(sha, name, size, bericht_type, afzender, ident, state, reason, records, archived_as)"
)


class _Stager:
    """Ends each file in one state, in landing order. Files go in groups: one transaction writes
    the manifest rows (with ``archived_as``) and COPYs the rows of the group's good files; the
    files move after the commit. A group that fails is retried file by file, so a file that
    PostgreSQL refuses is quarantined alone."""

    def __init__(self, conn: psycopg.Connection, report: StageReport, destinations: _Destinations):
        self.conn, self.report, self.dest = conn, report, destinations
        self.outcome: dict[str, bool] = {}  # sha of a file ended in this run -> quarantined?
        self.owner: dict[tuple, str] = {}  # (type, afzender, identificatie) staged in this run -> file name
        self.group: list[tuple] = []  # [(path, data, Prepared)]
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

    def already_processed(self, path, data: bytes, sha: str, quarantined: bool) -> None:
        """Same content as a file already processed: it goes where that one went."""
        if any(p.sha == sha for _, _, p in self.group):
            self.flush()
            quarantined = self.outcome[sha]
        _move(path, self.dest(quarantined, sha, path.name), data)
        self.report.already_processed.append(path.name)

    def add(self, path, data: bytes, prep: Prepared, taken: dict[tuple, str]) -> None:
        if prep.sha in self.outcome or any(p.sha == prep.sha for _, _, p in self.group):
            self.flush()
            return self.already_processed(path, data, prep.sha, self.outcome[prep.sha])
        if prep.reason is None:
            if any(p.reason is None and p.key == prep.key for _, _, p in self.group):
                self.flush()  # the earlier file with this BerichtIdentificatie ends first
            owner = self.owner.get(prep.key) or taken.get(prep.key)
            if owner:
                prep.reason = (
                    f"duplicate BerichtIdentificatie {prep.bericht_identificatie} from {prep.afzender} "
                    f"(TR056, retour 9056): already received in {owner}"
                )
                prep.copies = []
        self.group.append((path, data, prep))
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
            path, data, prep = group[0]
            reason = f"could not be staged: {exc.diag.message_primary or exc}"
            target = self.dest(True, prep.sha, path.name)
            with self.conn.transaction():
                self.conn.execute(
                    "INSERT INTO meta.file_manifest (file_sha256, file_name, file_size, state, reason, batch_id, "
                    "archived_as) VALUES (%s, %s, %s, 'quarantined', %s, %s, %s)",
                    (prep.sha, path.name, prep.size, reason, self.report.batch_id, str(target)),
                )
            prep.reason, targets = reason, [target]
        for (path, data, prep), target in zip(group, targets):
            _move(path, target, data)
            self._ended(path.name, prep)

    def _commit(self, group: list[tuple]) -> list:
        targets = [self.dest(p.reason is not None, p.sha, path.name) for path, _, p in group]
        rows = [
            (p.sha, path.name, p.size, p.bericht_type, p.afzender, p.bericht_identificatie,
             "quarantined" if p.reason else "staged", p.reason, None if p.reason else p.records, str(target))
            for (path, _, p), target in zip(group, targets)
        ]
        copies: dict[tuple, list[bytes]] = {}
        for _, _, p in group:
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
    its content was processed before, already processed (moved where that one went).
    ``parallel_min_bytes=0``: every file is parsed in a worker (the pool's start is awaited).

    Files are read and hashed a few ahead in a thread, parsed (and pseudonymised, and turned
    into COPY text) in ``workers`` processes (default :func:`parse_workers`) once
    ``parallel_min_bytes`` were read, in-process before, and staged in landing order by this
    process, which alone talks to the database."""
    landing = landing or config.landing_dir()
    archive = archive or config.archive_dir()
    quarantine = quarantine or config.quarantine_dir()
    report = StageReport(batch_id)
    paths = landing_files(landing)
    workers = parse_workers() if workers is None else workers
    preparer = _Preparer(pseudonymise, staging_columns(conn), batch_id, xsd_dir, conn.info.encoding)
    parser = _Parser(preparer, workers, parallel_min_bytes)
    stager = _Stager(conn, report, _Destinations(archive, quarantine))
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ijw-read") as io:
            pending: deque = deque()  # windows submitted for parsing, oldest first; at most 3
            for window in _windows(_read_ahead(io, paths, 8)):
                known = stager.known([sha for _, _, sha in window])
                todo = [(path.name, data, sha) for path, data, sha in window if sha not in known]
                pending.append((window, known, todo, parser.submit(todo) if todo else _Done([])))
                if len(pending) > 2:
                    _finish_window(stager, parser, pending.popleft())
            while pending:
                _finish_window(stager, parser, pending.popleft())
            stager.flush()
    finally:
        parser.close()
    with conn.transaction():
        conn.execute(
            "UPDATE meta.load_batch SET status = 'staged' WHERE batch_id = %s", (batch_id,)
        )
    return report


def _finish_window(stager: _Stager, parser: _Parser, pending: tuple) -> None:
    window, known, todo, future = pending
    prepared = iter(parser.result(future, todo))
    done = [(path, data, sha, known.get(sha), None if sha in known else next(prepared)) for path, data, sha in window]
    for path, _, _, _, prep in done:
        if prep is not None and prep.error:
            log.error("unexpected error preparing %s:\n%s", path.name, prep.error)
    taken = stager.taken([prep.key for *_, prep in done if prep is not None and prep.reason is None])
    for path, data, sha, state, prep in done:
        if prep is None:
            stager.already_processed(path, data, sha, state == "quarantined")
        else:
            stager.add(path, data, prep, taken)


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

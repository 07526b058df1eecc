"""Parsing landing files, in this process or in a pool of worker processes.

A file is parsed, pseudonymised and turned into COPY text (:class:`Prepared`) by :class:`_Preparer`;
:class:`_Parser` runs it in-process for the first bytes of a batch and in ``JEUGDHULP_PARSE_WORKERS``
spawned processes after (the staging process alone talks to the database). A worker holds no
connection and no BSN leaves it: only pseudonymised COPY text comes back.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import sys
import traceback
import types
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field

from jeugdhulp import ijw
from jeugdhulp.copy_encoding import copy_data

log = logging.getLogger(__name__)

#: env var: parse worker processes for a large landing batch (0: parse in the staging process)
PARSE_WORKERS_ENV = "JEUGDHULP_PARSE_WORKERS"
#: the first bytes of a landing batch are parsed in-process; parse workers (~0.3 s to start)
#: only start once this much was read (~10,000 declaration lines)
PARALLEL_MIN_BYTES = 8 * 2**20


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
    gemeente: str | None = None  # the gemeente the header names (sender or receiver)
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
        size = len(data)  # (landing refused a file above ijw.MAX_FILE_BYTES before reading it)
        try:
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
                        h.get("gemeente"), len(msg.records), copies)


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


"""Each ingest step may die at any moment (kill -9, OOM, a lost worker, PostgreSQL itself): this
module makes the next step start from a clean, known state.

* Every connection of an ingest step (its own, and Great Expectations') is named
  ``jeugdhulp-ingest <host> <pid>`` and asks PostgreSQL to end its work when the client is gone
  (``client_connection_check_interval``), to abort a transaction left idle
  (``idle_in_transaction_session_timeout``) and to probe the connection (TCP keepalives).
* A step first *takes over*: it ends the backends of ingest processes on this host that are dead
  (``pg_terminate_backend``; their queries and locks would otherwise keep running for minutes),
  then takes the ingest advisory lock (steps of different runs never overlap: a live run on
  another host is waited for), then drops the ``staging.gx_batch_*`` views a killed audit left.
* Then ``landing.finish_moves`` completes file moves a crash interrupted, and the open batch is
  continued instead of a new one (``staging.open_batch``).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg

log = logging.getLogger(__name__)

APPLICATION = "jeugdhulp-ingest"
LOCK = "jeugdhulp.ingest"
#: how long a step waits for a live step of another run before it gives up
LOCK_WAIT = "30min"
SESSION_OPTIONS = (
    "-c client_connection_check_interval=1000 "  # ms: a query of a vanished client is cancelled
    "-c idle_in_transaction_session_timeout=900000"  # ms: an open transaction left idle is aborted
)


def _host() -> str:
    return socket.gethostname()[:32]


def application_name(pid: int | None = None) -> str:
    return f"{APPLICATION} {_host()} {os.getpid() if pid is None else pid}"


def session_url(url: str) -> str:
    """``url`` with this process's application_name, the session options and TCP keepalives (a
    libpq URL; the same parameters work through SQLAlchemy + psycopg for GX)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(application_name=application_name(), options=SESSION_OPTIONS,
                 keepalives="1", keepalives_idle="30", keepalives_interval="10", keepalives_count="3")
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))  # %20, not +


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def end_dead_backends(conn: psycopg.Connection) -> list[int]:
    """Terminate the backends of ingest processes of this host that no longer exist; returns
    their backend pids."""
    ended = []
    for backend, name in conn.execute(
        "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name LIKE %s AND pid <> pg_backend_pid()",
        (APPLICATION + " %",),
    ).fetchall():
        _, host, client = (name.split(" ") + ["", ""])[:3]
        if host != _host() or not client.isdigit() or _alive(int(client)):
            continue
        if conn.execute("SELECT pg_terminate_backend(%s, 10000)", (backend,)).fetchone()[0]:
            log.warning("ended backend %s left by the dead ingest process %s (its work is rolled back)",
                        backend, client)
            ended.append(backend)
    return ended


def drop_audit_views(conn: psycopg.Connection) -> list[str]:
    """Drop the ``staging.gx_batch_*`` views of audits that did not finish (call under the lock)."""
    views = [v for (v,) in conn.execute(
        "SELECT viewname FROM pg_views WHERE schemaname = 'staging' AND viewname LIKE 'gx\\_batch\\_%'")]
    for view in views:
        conn.execute(f'DROP VIEW IF EXISTS staging."{view}"')
    if views:
        log.warning("dropped %d audit views a killed run left: %s", len(views), ", ".join(views))
    return views


def take_over(conn: psycopg.Connection) -> None:
    """End what dead runs left running, wait for a live one, clean up after the dead."""
    end_dead_backends(conn)
    with conn.transaction():
        conn.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
        try:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (LOCK,))
        except psycopg.errors.LockNotAvailable:
            holders = conn.execute(
                "SELECT string_agg(a.application_name || ' (backend ' || a.pid || ')', ', ') FROM pg_locks l "
                "JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.objid = hashtext(%s)::oid",
                (LOCK,),
            ).fetchone()[0]
            raise RuntimeError(
                f"another ingest step ({holders}) has held the ingest lock for {LOCK_WAIT}; if that process "
                "is gone, end its backend with pg_terminate_backend(<backend>) and retry"
            ) from None
    drop_audit_views(conn)


@contextmanager
def ingest_session(url: str) -> Iterator[tuple[psycopg.Connection, str]]:
    """(autocommit connection holding the ingest lock, URL for this step's other connections)."""
    step_url = session_url(url)
    with psycopg.connect(step_url, autocommit=True) as conn:
        take_over(conn)
        yield conn, step_url

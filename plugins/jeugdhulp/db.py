"""An embedded local PostgreSQL for the warehouse (demo, tests, a developer's laptop).

The cluster lives in a data directory inside the project (``.local/pg`` by default), listens on
localhost only, and has one role ``jeugdhulp`` with a generated password (scram-sha-256) kept in
``<data dir>.password`` (mode 600). Two databases: ``warehouse`` (the regional warehouse) and
``airflow`` (Airflow's metadata; kept separate from the warehouse).

PostgreSQL refuses to run as root. When we are root, the cluster is owned by and run as the
``postgres`` OS user (created if it is missing). Binaries are looked up in ``$PG_BIN``, the
Debian layout ``/usr/lib/postgresql/<ver>/bin``, ``pg_config --bindir``, ``$PATH``, and the
``pgserver`` wheel; when none is found the error says how to get one.

The cluster keeps PostgreSQL's durability (``fsync``, ``synchronous_commit``, ``full_page_writes``
on): a committed manifest row survives a crash of PostgreSQL or of the machine, which the
ingest's crash safety relies on. A throwaway demo may trade that for speed, explicitly: set
``JEUGDHULP_PG_UNSAFE_FAST=1`` (a warning says so at every start; never for data that matters).
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jeugdhulp import config

log = logging.getLogger(__name__)

ROLE = "jeugdhulp"
#: env var: "1" runs the cluster without fsync/synchronous_commit/full_page_writes (demo speed;
#: a crash of PostgreSQL or the machine can then lose or corrupt committed data)
UNSAFE_FAST_ENV = "JEUGDHULP_PG_UNSAFE_FAST"
DURABLE = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
UNSAFE_FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
DATABASES = ("warehouse", "airflow")


class EmbeddedPostgresError(RuntimeError):
    pass


def find_bindir() -> Path:
    """Directory holding initdb/pg_ctl/postgres, newest version first."""
    candidates: list[Path] = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]))
    candidates += sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)
    try:  # the pgserver wheel bundles a PostgreSQL build
        import pgserver  # type: ignore[import-not-found]

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists() and (c / "postgres").exists():
            return c
    raise EmbeddedPostgresError(
        "no PostgreSQL server binaries found (initdb, pg_ctl, postgres). Install them with "
        "`apt-get install postgresql` (Debian/Ubuntu), or `pip install pgserver`, "
        "or point PG_BIN at a bin directory."
    )


def _as_root() -> bool:
    return os.geteuid() == 0


def _run_as_owner(args: list[str], **kw) -> subprocess.CompletedProcess:
    if _as_root():
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, **kw)


def _ensure_postgres_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
            check=True,
        )
        return pwd.getpwnam("postgres")


def _owner_can_reach(path: Path) -> bool:
    probe = _run_as_owner(["test", "-w", str(path)])
    return probe.returncode == 0


@dataclass
class Cluster:
    """A local PostgreSQL cluster: its data directory and port."""

    data_dir: Path
    port: int
    #: False only when asked for (``JEUGDHULP_PG_UNSAFE_FAST=1`` or explicitly): see the module doc
    durable: bool = True

    @classmethod
    def default(cls) -> "Cluster":
        return cls(config.pg_data_dir(), config.pg_port(), durable=os.environ.get(UNSAFE_FAST_ENV, "") != "1")

    @property
    def socket_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def password_file(self) -> Path:
        return self.data_dir.with_name(self.data_dir.name + ".password")

    @property
    def log_file(self) -> Path:
        return self.data_dir.with_name(self.data_dir.name + ".log")

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def url(self, database: str = "warehouse", driver: str = "postgresql") -> str:
        """libpq / SQLAlchemy URL (``driver='postgresql+psycopg'`` for SQLAlchemy 2)."""
        return f"{driver}://{ROLE}:{quote(self.password(), safe='')}@localhost:{self.port}/{database}"

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        res = _run_as_owner([str(find_bindir() / "pg_ctl"), "status", "-D", str(self.data_dir)])
        return res.returncode == 0

    def init(self) -> None:
        bindir = find_bindir()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.password_file.write_text(secrets.token_urlsafe(24) + "\n")
        self.password_file.chmod(0o600)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        pwfile = self.data_dir.parent / f".{self.data_dir.name}.initpw"
        pwfile.write_text(self.password() + "\n")
        if _as_root():
            owner = _ensure_postgres_user()
            for p in (self.data_dir, pwfile):
                os.chown(p, owner.pw_uid, owner.pw_gid)
            if not _owner_can_reach(self.data_dir):
                pwfile.unlink()
                raise EmbeddedPostgresError(
                    f"the postgres OS user cannot write {self.data_dir} (a parent directory is "
                    f"not traversable for it). Set JEUGDHULP_PG_DATA to a directory it can reach, "
                    f"e.g. /var/tmp/jeugdhulp-pg"
                )
        try:
            res = _run_as_owner(
                [
                    str(bindir / "initdb"),
                    "-D", str(self.data_dir),
                    "-U", ROLE,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-E", "UTF8",
                    "--locale=C",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if res.returncode != 0:
            raise EmbeddedPostgresError(f"initdb failed in {self.data_dir}:\n{res.stderr.strip()}")
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# jeugdhulp embedded warehouse\n"
                "listen_addresses = 'localhost'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "max_connections = 100\nshared_buffers = 256MB\nwork_mem = 32MB\n"
                "maintenance_work_mem = 256MB\nmax_wal_size = 2GB\n"
            )

    def start(self, timeout: float = 30.0) -> None:
        if not self.initialised():
            self.init()
        if self.running():
            return
        self.socket_dir.mkdir(exist_ok=True)
        self.log_file.touch()
        if _as_root():
            owner = pwd.getpwnam("postgres")
            os.chown(self.socket_dir, owner.pw_uid, owner.pw_gid)
            os.chown(self.log_file, owner.pw_uid, owner.pw_gid)
        if not self.durable:
            log.warning(
                "PostgreSQL in %s runs WITHOUT fsync, synchronous_commit and full_page_writes (%s=1): "
                "fast, but a crash can lose or corrupt committed data. Never use this for data that matters.",
                self.data_dir, UNSAFE_FAST_ENV,
            )
        # on the command line, so it also overrides the fsync=off an earlier version wrote into postgresql.conf
        durability = DURABLE if self.durable else UNSAFE_FAST
        res = _run_as_owner(
            [
                str(find_bindir() / "pg_ctl"), "start", "-w", "-t", str(int(timeout)),
                "-D", str(self.data_dir), "-l", str(self.log_file),
                "-o", f"-p {self.port} {durability}",
            ]
        )
        if res.returncode != 0:
            tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise EmbeddedPostgresError(
                f"PostgreSQL did not start on port {self.port} (data dir {self.data_dir}). "
                f"Is the port taken? Set JEUGDHULP_PG_PORT. Log tail:\n{tail}"
            )
        self._create_databases()

    def _create_databases(self) -> None:
        import psycopg

        deadline = time.monotonic() + 10
        while True:
            try:
                conn = psycopg.connect(self.url("postgres"), autocommit=True)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with conn:
            existing = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
            for db in DATABASES:
                if db not in existing:
                    conn.execute(f'CREATE DATABASE "{db}"')

    def stop(self) -> None:
        if self.running():
            res = _run_as_owner(
                [str(find_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data_dir)]
            )
            if res.returncode != 0:
                raise EmbeddedPostgresError(f"pg_ctl stop failed: {res.stderr.strip()}")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.password_file.unlink(missing_ok=True)
        self.log_file.unlink(missing_ok=True)

    def status(self) -> str:
        if not self.initialised():
            return f"not initialised ({self.data_dir})"
        state = "running" if self.running() else "stopped"
        return f"{state} on localhost:{self.port} (data dir {self.data_dir})"

"""kill -9 at every step of the ingest, and of PostgreSQL itself, each followed by a rerun: the
warehouse ends exactly where a clean run over the same files ends — same core counts, every file
in exactly one state (manifest versus folders), no batch left in an intermediate state, no audit
view left behind, and the rerun does not wait on the dead run's locks.

The ingest runs in a subprocess (``pipeline.run_ingest``) that the test kills with SIGKILL at a
point it recognises from outside: the stage is held on a lock the test takes on the staging
tables once some files are committed; the audit when its ``staging.gx_batch_*`` view appears;
the publish while its INSERT into core waits on a lock the test holds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from conftest import ROOT, TEST_KEY, _free_port, database
from corpus import copy_corpus, prestaties

from jeugdhulp import pipeline

pytestmark = pytest.mark.integration

CORE = ("core.client", "core.toewijzing", "core.declaratie", "core.declaratie_regel", "core.zorg_start_mutatie",
        "core.zorg_stop_mutatie", "core.verzoek_om_toewijzing", "core.verzoek_om_wijziging", "core.verzoek_antwoord",
        "core.declaratie_antwoord", "core.declaratie_antwoord_regel")
STAGING = ("staging.jw301_toegewezen_product", "staging.jw305_start_product", "staging.jw307_stop_product",
           "staging.jw315_aangevraagd_product", "staging.jw317_verzoek_product", "staging.jw319_antwoord",
           "staging.jw323_prestatie", "staging.jw325_declaratie_antwoord", "staging.jw325_prestatie")
INGEST = """
import sys
from pathlib import Path
from jeugdhulp import pipeline
url, key, root = sys.argv[1:]
pipeline.run_ingest(url, key, **{d: Path(root) / d for d in ("landing", "archive", "quarantine")})
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A few hundred clients: every message type, a few hundred files."""
    from jeugdhulp import synth

    out = tmp_path_factory.mktemp("crash_corpus")
    synth.generate(out, seed=11, year=2025, clients=200, providers=5)
    return out


def folders(root: Path, corpus: Path) -> dict[str, Path]:
    dirs = {d: root / d for d in ("landing", "archive", "quarantine")}
    for d in dirs.values():
        d.mkdir(parents=True)
    copy_corpus(corpus, dirs["landing"])
    return dirs


def start_ingest(url: str, root: Path) -> subprocess.Popen:
    env = {**os.environ, "JEUGDHULP_PARSE_WORKERS": "0",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), os.environ.get("PYTHONPATH", "")])}
    # the log goes to a file: a pipe nobody reads fills up (64 KB) and blocks the ingest mid-step
    with open(root / "ingest.log", "ab") as log:
        return subprocess.Popen([sys.executable, "-c", INGEST, url, TEST_KEY, str(root)], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)


def wait_for(what: str, check, proc: subprocess.Popen, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except psycopg.errors.UndefinedTable:  # not migrated yet
            value = None
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"the ingest ended (rc {proc.returncode}) before {what}: {_log_tail(proc)}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"timed out waiting for {what}: {_log_tail(proc)}")


def _log_tail(proc: subprocess.Popen) -> str:
    root = Path(proc.args[-1])
    return (root / "ingest.log").read_text(errors="replace")[-3000:]


def one(url: str, sql: str, params=()):
    with psycopg.connect(url, autocommit=True) as c:
        return c.execute(sql, params).fetchone()[0]


def kill9(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL


def waiting_on_lock(url: str, query_prefix: str) -> bool:
    return one(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name LIKE 'jeugdhulp-ingest %%' AND wait_event_type = 'Lock' "
                    "AND query LIKE %s", (query_prefix + "%",)) > 0


def outcome(url: str, dirs: dict[str, Path]) -> dict:
    """What the warehouse and the folders say after a run, checked for consistency on the way."""
    with psycopg.connect(url, autocommit=True) as c:
        counts = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CORE}
        counts["sum ingediend_bedrag_saldo"] = c.execute(
            "SELECT sum(ingediend_bedrag_saldo) FROM core.declaratie_regel").fetchone()[0]
        counts["dq.quarantine"] = c.execute("SELECT count(*) FROM dq.quarantine").fetchone()[0]
        # every staging row that is not quarantined is in a published batch (nothing stranded)
        counts["unpublished staging rows"] = sum(c.execute(
            f"SELECT count(*) FROM {t} s JOIN meta.load_batch b USING (batch_id) WHERE b.status <> 'published'"
        ).fetchone()[0] for t in STAGING)
        states = dict(c.execute("SELECT state, count(*) FROM meta.file_manifest GROUP BY state").fetchall())
        batches = dict(c.execute("SELECT status, count(*) FROM meta.load_batch GROUP BY status").fetchall())
        manifest = c.execute("SELECT file_name, state, archived_as, move_from FROM meta.file_manifest").fetchall()
        views = c.execute("SELECT count(*) FROM pg_views WHERE viewname LIKE 'gx\\_batch\\_%%'").fetchone()[0]
    # every file in exactly one state: its manifest row, and the one place that row names
    stored = {str(p) for d in ("archive", "quarantine") for p in dirs[d].rglob("*") if p.is_file()}
    assert list(dirs["landing"].iterdir()) == []
    assert all(move_from is None for *_, move_from in manifest)
    assert stored == {archived_as for _, _, archived_as, _ in manifest}, "a stored file without a manifest row"
    assert len(stored) == len(manifest)
    for _, state, archived_as, _ in manifest:
        assert archived_as.startswith(str(dirs["quarantine" if state == "quarantined" else "archive"]))
    assert set(batches) <= {"published", "failed"}, batches
    assert views == 0
    return {"core": counts, "files": states, "names": sorted(name for name, *_ in manifest)}


@pytest.fixture(scope="module")
def clean(corpus, pg_server, tmp_path_factory) -> dict:
    """The reference: one uninterrupted run over the same files."""
    dirs = folders(tmp_path_factory.mktemp("clean"), corpus)
    with database(pg_server) as url:
        pipeline.run_ingest(url, TEST_KEY, **dirs)
        result = outcome(url, dirs)
    # checked a second, independent way: the declaration lines of the corpus, read with lxml
    lines = prestaties(sorted(corpus.glob("JW323_*.xml")))
    assert result["core"]["core.declaratie_regel"] == len(lines)
    assert result["core"]["sum ingediend_bedrag_saldo"] == sum(r["saldo"] for r in lines)
    assert result["files"] == {"loaded": len(list(corpus.glob("*.xml")))}
    return result


def rerun_and_compare(url: str, dirs: dict[str, Path], clean: dict, dead: int | None = None) -> dict:
    started = time.monotonic()
    pipeline.run_ingest(url, TEST_KEY, **dirs)
    took = time.monotonic() - started
    assert took < 90, f"the rerun took {took:.0f} s: it waited on the dead run's locks"
    after = outcome(url, dirs)
    assert after == clean
    if dead is not None:  # nothing of the killed process is left running in PostgreSQL
        assert one(url, "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s",
                   (f"jeugdhulp-ingest % {dead}",)) == 0
    return after


def test_kill_during_stage(corpus, pg_server, tmp_path, clean):
    dirs = folders(tmp_path, corpus)
    with database(pg_server) as url, psycopg.connect(url) as lock:
        proc = start_ingest(url, tmp_path)
        wait_for("some files staged", lambda: _count(url, "meta.file_manifest") >= 20, proc)
        # the next group's COPY waits on this lock, its manifest rows written but not committed
        lock.execute(f"LOCK TABLE {', '.join(STAGING)} IN EXCLUSIVE MODE")
        wait_for("a COPY waiting", lambda: waiting_on_lock(url, "COPY staging."), proc)
        kill9(proc)
        lock.rollback()
        staged_before = _count(url, "meta.file_manifest")
        assert 20 <= staged_before < len(clean["names"])
        assert one(url, "SELECT status FROM meta.load_batch") == "staging"

        after = rerun_and_compare(url, dirs, clean)
        # the rerun continued the dead run's batch instead of opening a second one beside it
        assert one(url, "SELECT count(*) FROM meta.load_batch") == 1
    print(f"kill -9 at stage: crash+rerun {after['core']} == clean {clean['core']}")


def _count(url: str, table: str) -> int:
    try:
        return one(url, f"SELECT count(*) FROM {table}")
    except psycopg.errors.UndefinedTable:  # not migrated yet
        return 0


def test_kill_during_audit(corpus, pg_server, tmp_path, clean):
    dirs = folders(tmp_path, corpus)
    with database(pg_server) as url:
        proc = start_ingest(url, tmp_path)
        wait_for("an audit view", lambda: one(
            url, "SELECT count(*) FROM pg_views WHERE viewname LIKE 'gx\\_batch\\_%%jw323_prestatie'"), proc, 300)
        kill9(proc)
        assert one(url, "SELECT status FROM meta.load_batch") == "staged"
        assert one(url, "SELECT count(*) FROM pg_views WHERE viewname LIKE 'gx\\_batch\\_%%'") == 1  # left behind

        after = rerun_and_compare(url, dirs, clean, proc.pid)
        assert one(url, "SELECT count(*) FROM meta.load_batch") == 1
    print(f"kill -9 at audit: crash+rerun {after['core']} == clean {clean['core']}")


def test_kill_during_publish(corpus, pg_server, tmp_path, clean):
    dirs = folders(tmp_path, corpus)
    with database(pg_server) as url:
        proc = start_ingest(url, tmp_path)
        wait_for("the stage done", lambda: one(
            url, "SELECT count(*) FROM meta.load_batch WHERE status IN ('staged', 'validated')"), proc, 300)
        with psycopg.connect(url) as lock:
            lock.execute("LOCK TABLE core.declaratie_regel IN EXCLUSIVE MODE")  # reads pass, the INSERT waits
            wait_for("publish waiting", lambda: waiting_on_lock(url, "INSERT INTO core.declaratie_regel"), proc, 300)
            kill9(proc)
            assert one(url, "SELECT status FROM meta.load_batch") == "validated"
            # the dead client's INSERT still holds its locks on core.client etc. until PostgreSQL ends it
            lock.rollback()

        after = rerun_and_compare(url, dirs, clean, proc.pid)
        assert one(url, "SELECT count(*) FROM meta.load_batch") == 1
    print(f"kill -9 at publish: crash+rerun {after['core']} == clean {clean['core']}")


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def test_kill_postgres_during_stage(corpus, tmp_path, clean):
    """The postmaster and all its backends die (SIGKILL) while files are being staged."""
    from jeugdhulp import db

    base = Path(tempfile.mkdtemp(prefix="jeugdhulp-crash-", dir="/var/tmp" if Path("/var/tmp").exists() else None))
    base.chmod(0o755)
    cluster = db.Cluster(base / "data", _free_port())
    cluster.init()
    # the first postmaster is this test's child (pg_ctl would hand it to PID 1, which need not reap
    # it: a killed postmaster left as a zombie looks alive to pg_ctl), with the durability the
    # cluster always runs with
    owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    cluster.socket_dir.mkdir()
    if owner:
        shutil.chown(cluster.socket_dir, "postgres", "postgres")
    postmaster = subprocess.Popen([*owner, str(db.find_bindir() / "postgres"), "-D", str(cluster.data_dir),
                                   "-p", str(cluster.port), *db.DURABLE.split()],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for("PostgreSQL", lambda: (cluster.data_dir / "postmaster.pid").exists() and cluster.running(),
                 postmaster, 30)
        cluster._create_databases()
        url = cluster.url()
        dirs = folders(tmp_path, corpus)
        proc = start_ingest(url, tmp_path)
        wait_for("some files staged", lambda: _count(url, "meta.file_manifest") >= 20, proc)
        pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
        backends = _children(pid)
        os.kill(pid, signal.SIGKILL)
        for backend in backends:
            try:
                os.kill(backend, signal.SIGKILL)
            except ProcessLookupError:
                pass
        postmaster.wait(30)
        assert proc.wait(60) != 0  # the ingest lost its database
        cluster.start()  # pg_ctl: crash recovery from the WAL
        assert one(url, "SHOW fsync") == "on" and one(url, "SHOW synchronous_commit") == "on"
        assert one(url, "SHOW full_page_writes") == "on"
        assert _count(url, "meta.file_manifest") >= 20  # what was committed survived

        after = rerun_and_compare(url, dirs, clean)
    finally:
        if postmaster.poll() is None:
            postmaster.kill()
            postmaster.wait(30)
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)
    print(f"kill -9 of PostgreSQL at stage: crash+rerun {after['core']} == clean {clean['core']}")


def test_a_move_interrupted_after_its_commit_is_finished(corpus, pg_server, tmp_path, clean):
    """The window between a group's commit and its file moves: the manifest row says where the
    file goes (move_from set), the file is still in landing. The next run finishes the move and
    does not count the file as new."""
    dirs = folders(tmp_path, corpus)
    with database(pg_server) as url:
        pipeline.run_ingest(url, TEST_KEY, **dirs)
        with psycopg.connect(url, autocommit=True) as c:
            name, archived = c.execute(
                "SELECT file_name, archived_as FROM meta.file_manifest WHERE file_name LIKE 'JW323%' LIMIT 1").fetchone()
            os.rename(archived, dirs["landing"] / name)  # as if the move had not happened
            c.execute("UPDATE meta.file_manifest SET move_from = %s WHERE file_name = %s",
                      (str(dirs["landing"] / name), name))
        again = pipeline.stage(url, TEST_KEY, **dirs)
        assert again["already_processed"] == 0 and again["staged"] == 0  # finished before landing was read
        assert Path(archived).exists()
        pipeline.validate(url)
        pipeline.publish(url)
        assert outcome(url, dirs) == clean


def test_the_backend_of_a_dead_run_is_ended_not_waited_for(db_url, data_dirs, small_corpus, monkeypatch):
    """A killed run's session that still holds the ingest lock (its client died where PostgreSQL
    cannot notice, e.g. between statements of an open transaction) is terminated by the next step,
    which then goes on at once instead of waiting."""
    from jeugdhulp import recovery

    monkeypatch.setattr(recovery, "LOCK_WAIT", "5s")  # a step that waited would fail, not hang
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)
    ghost = psycopg.connect(db_url, application_name=recovery.application_name(dead))
    ghost.execute("SELECT pg_advisory_lock(hashtext(%s))", (recovery.LOCK,))
    ghost_pid = ghost.info.backend_pid
    copy_corpus(small_corpus, data_dirs["landing"])

    result = pipeline.stage(db_url, TEST_KEY, **data_dirs)

    assert result["staged"] > 0
    assert one(db_url, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (ghost_pid,)) == 0
    with pytest.raises(psycopg.OperationalError):
        ghost.execute("SELECT 1")
    ghost.close()

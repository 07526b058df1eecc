"""The landing zone and the file store (archive, quarantine): what may be read, where a file goes.

Landing is hostile. Only regular files directly in the landing folder are read, each opened with
``O_NOFOLLOW | O_NONBLOCK`` and checked with ``fstat`` on the open descriptor (no check-then-use
race): a symbolic link, FIFO, socket or device is **refused** without being read, a sub-folder is
**skipped**, both recorded once in ``meta.file_manifest`` (``file_sha256`` is then a hash of the
entry's name and inode, not of content that was never read) and named in the log of every run
while they stay. A file above the iJw limit (25 MB, OP179) is refused by its size before it is
read; its hash is computed streaming and it is quarantined.

Upload convention: a sender writes ``<name>.part`` / ``<name>.tmp`` or ``.<name>`` and renames
it when complete. Such files are left alone while they are written; one unchanged for
``JEUGDHULP_UPLOAD_STALE_HOURS`` (default 24) is recorded as skipped (an abandoned upload).

Archive and quarantine hold raw BSNs: their folders are 0700 and files 0600 (the service only).
A stored file is named ``<yyyy-mm-dd>/<sha256>_<sanitised name, ≤ 48 bytes>``, so no landing
name (up to 255 bytes, any characters) can make a move fail. A file moves only after the manifest
row saying where it goes is committed, with ``move_from`` set; the move clears it after an fsync
of the folders. :func:`finish_moves` completes what a crash interrupted. Originals are kept
``JEUGDHULP_ARCHIVE_RETENTION_DAYS`` days (default 730); :func:`purge` removes older ones and
marks their manifest rows purged.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import logging
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from jeugdhulp import ijw

log = logging.getLogger(__name__)

MAX_FILE_BYTES = ijw.MAX_FILE_BYTES
UPLOAD_SUFFIXES = (".part", ".tmp")
UPLOAD_STALE_ENV = "JEUGDHULP_UPLOAD_STALE_HOURS"
RETENTION_ENV = "JEUGDHULP_ARCHIVE_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 730
#: longest sanitised original name kept in a stored file's name (after the 64-hex sha and "_")
NAME_BYTES = 48
_CHUNK = 1 << 20
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
#: manifest states whose file will not move again (purge may remove it)
FINAL_STATES = ("loaded", "quarantined")


def local(path):
    """A ``file://`` ObjectStoragePath as a plain Path (safe local I/O); any other path as it is."""
    if path is None or isinstance(path, Path):
        return path
    if getattr(path, "protocol", None) in ("file", "local"):
        return Path(path.path)
    return path


def _is_local(path) -> bool:
    return isinstance(path, Path)


# --------------------------------------------------------------------------- what is in landing


@dataclass
class Refusal:
    """A landing entry that is not read: refused (link, FIFO, device, socket) or skipped (folder,
    abandoned upload). ``ident`` stands in for the content hash in the manifest."""

    name: str
    state: str  # 'refused' | 'skipped'
    reason: str
    ident: str
    size: int


def _ident(kind: str, name: str, st: os.stat_result, with_mtime: bool = True) -> str:
    key = f"{kind}\0{name}\0{st.st_dev}:{st.st_ino}" + (f"\0{st.st_mtime_ns}" if with_mtime else "")
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _refused(name: str, st: os.stat_result) -> Refusal:
    if stat.S_ISLNK(st.st_mode):
        reason = ("a symbolic link: links in landing are never followed and nothing was read; "
                  "put the file itself in landing and remove the link")
    else:
        what = next((label for test, label in _KINDS if test(st.st_mode)), "not a regular file")
        reason = f"{what}, not a regular file: it was not read; remove it from landing"
    return Refusal(name, "refused", reason, _ident("refused", name, st), st.st_size)


def _upload_stale_seconds() -> float:
    value = os.environ.get(UPLOAD_STALE_ENV, "").strip()
    try:
        return float(value) * 3600 if value else 24 * 3600.0
    except ValueError:
        raise ValueError(f"{UPLOAD_STALE_ENV} must be a number of hours, not {value!r}") from None


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def is_upload(name: str) -> bool:
    """An upload still being written by the upload convention (``.name``, ``*.part``, ``*.tmp``)."""
    return name.startswith(".") or name.endswith(UPLOAD_SUFFIXES)


def scan(landing) -> tuple[list, list[Refusal]]:
    """(regular files to read in name order, entries not to read). Nothing is opened here."""
    landing = local(landing)
    if landing is None or not landing.exists():
        return [], []
    if not _is_local(landing):  # object storage: no links, devices or half-written files to fear
        return sorted(p for p in landing.iterdir() if p.is_file() and not is_upload(p.name)), []
    files, refusals, uploads = [], [], []
    stale = time.time() - _upload_stale_seconds()
    with os.scandir(landing) as entries:
        for entry in entries:
            st = entry.stat(follow_symlinks=False)
            if not _utf8(entry.name):
                shown = entry.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                refusals.append(Refusal(
                    shown, "refused", "a file name that is not valid UTF-8: it was not read; rename it",
                    _ident("name", entry.name, st), st.st_size))
            elif stat.S_ISDIR(st.st_mode):
                refusals.append(Refusal(
                    entry.name, "skipped",
                    "a sub-folder: only files directly in landing are ingested (its content was not "
                    "read); move its files into landing itself",
                    _ident("folder", entry.name, st, with_mtime=False), 0))
            elif not stat.S_ISREG(st.st_mode):
                refusals.append(_refused(entry.name, st))
            elif is_upload(entry.name):
                if st.st_mtime < stale:
                    refusals.append(Refusal(
                        entry.name, "skipped",
                        "an unfinished upload (a name starting with '.' or ending in .part/.tmp) unchanged "
                        f"for more than {_upload_stale_seconds() / 3600:g} hours; rename it to its final "
                        "name when it is complete, or remove it",
                        _ident("upload", entry.name, st), st.st_size))
                else:
                    uploads.append(entry.name)
            else:
                files.append(landing / entry.name)
    if uploads:
        log.info("%d file(s) still being uploaded wait in landing: %s", len(uploads), ", ".join(sorted(uploads)[:10]))
    for r in refusals:
        log.warning("landing entry %r %s: %s", r.name, r.state, r.reason)
    return sorted(files), refusals


@dataclass
class Read:
    """A landing file read and hashed. ``data`` is None for a file refused by its size (hashed
    streaming, never held) or for an entry that turned out not to be a regular file."""

    path: object
    data: bytes | None
    sha: str
    size: int
    reason: str | None = None  # why it is quarantined without parsing (size)
    refusal: Refusal | None = None  # not a regular file after all (swapped after the scan)

    @property
    def name(self) -> str:
        return self.path.name


def _oversize(size: int) -> str:
    return f"file is {size} bytes, above the iJw limit of {MAX_FILE_BYTES // 2**20} MB (OP179); it was not parsed"


def read(path) -> Read:
    """Read and hash one landing file: opened without following a link, checked on the open
    descriptor, refused by size before reading, hashed streaming when too large."""
    if not _is_local(path):
        return _read_remote(path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EOPNOTSUPP):  # a link or socket swapped in
            st = os.lstat(path)
            return Read(path, None, "", st.st_size, refusal=_refused(path.name, st))
        raise
    with os.fdopen(fd, "rb", buffering=0) as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Read(path, None, "", st.st_size, refusal=_refused(path.name, st))
        if st.st_size > MAX_FILE_BYTES:
            return _hash_only(path, f, hashlib.sha256(), 0)
        chunks, size = [], 0
        while chunk := f.read(_CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_FILE_BYTES:  # it grew while we read: stop holding it
                digest = hashlib.sha256()
                for c in chunks:
                    digest.update(c)
                return _hash_only(path, f, digest, size)
    data = b"".join(chunks)
    return Read(path, data, hashlib.sha256(data).hexdigest(), size)


def _hash_only(path, f, digest, size: int) -> Read:
    while chunk := f.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return Read(path, None, digest.hexdigest(), size, reason=_oversize(size))


def _read_remote(path) -> Read:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        with path.open("rb") as f:
            return _hash_only(path, f, hashlib.sha256(), 0)
    data = path.read_bytes()
    return Read(path, data, hashlib.sha256(data).hexdigest(), len(data))


# --------------------------------------------------------------------------- the file store


def stored_name(sha: str, name: str) -> str:
    """``<sha256>_<name>`` with the name reduced to ``[A-Za-z0-9._-]`` and at most NAME_BYTES
    bytes (its extension kept), so every stored name is at most 113 bytes."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "file"
    if len(safe) > NAME_BYTES:
        stem, ext = os.path.splitext(safe)
        ext = ext[:12]
        safe = stem[: NAME_BYTES - len(ext)] + ext
    return f"{sha}_{safe}"


def secure_dir(path) -> None:
    """Create a store folder readable by the service only (0700), or tighten an existing one."""
    path = local(path)
    if _is_local(path):
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if stat.S_IMODE(path.stat().st_mode) != 0o700:
            path.chmod(0o700)
    else:
        path.mkdir(parents=True, exist_ok=True)


class Destinations:
    """``<archive|quarantine>/<date>/<stored name>`` for one run (each day folder made once)."""

    def __init__(self, archive, quarantine):
        self.dirs = {"archive": local(archive), "quarantine": local(quarantine)}
        for d in self.dirs.values():
            secure_dir(d)
        self._made: dict = {}

    def __call__(self, quarantined: bool, sha: str, name: str):
        kind, day = "quarantine" if quarantined else "archive", dt.date.today().isoformat()
        day_dir = self._made.get((kind, day))
        if day_dir is None:
            day_dir = self._made[kind, day] = self.dirs[kind] / day
            secure_dir(day_dir)
        return day_dir / stored_name(sha, name)


def stored_text_in(stored: str, root) -> bool:
    """Is the path a manifest column holds inside folder ``root``?"""
    return _path_text(stored).startswith(str(root).rstrip("/") + "/")


def _path_text(stored: str) -> str:
    return stored[len("file://"):] if stored.startswith("file://") else stored


def stored_path(stored: str):
    """The path a manifest column holds (a local path, or a ``file://`` URL of an earlier version)."""
    text = _path_text(stored)
    return Path(text) if text.startswith("/") else None


def move(src, dest, data: bytes | None = None) -> None:
    """Move one file into the store, 0600. Locally a rename (a copy when across file systems)."""
    if _is_local(src) and _is_local(dest):
        try:
            os.rename(src, dest)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            shutil.copyfile(src, dest, follow_symlinks=False)
            os.unlink(src)
        os.chmod(dest, 0o600)
        return
    if data is None:
        with src.open("rb") as fin, dest.open("wb") as fout:
            shutil.copyfileobj(fin, fout, _CHUNK)
    else:
        dest.write_bytes(data)
    src.unlink()


def sync_dirs(paths) -> None:
    """fsync the folders a move touched, so a rename survives a crash of the machine too."""
    for d in {p.parent for p in paths if _is_local(p)}:
        try:
            fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def moved(conn: psycopg.Connection, shas: list[str]) -> None:
    """The moves of these manifest rows are done (and synced)."""
    if shas:
        conn.execute("UPDATE meta.file_manifest SET move_from = NULL WHERE file_sha256 = ANY(%s)", (shas,))


def finish_moves(conn: psycopg.Connection) -> dict[str, str]:
    """Complete the moves a crash interrupted: every manifest row with ``move_from`` set. Returns
    ``{file name: problem}`` of the moves that cannot be done now (they stay pending)."""
    rows = conn.execute(
        "SELECT file_sha256, file_name, move_from, archived_as FROM meta.file_manifest "
        "WHERE move_from IS NOT NULL ORDER BY received_at"
    ).fetchall()
    done, targets, problems = [], [], {}
    for sha, name, src_text, dest_text in rows:
        src, dest = stored_path(src_text), stored_path(dest_text or "")
        if src is None or dest is None:
            problems[name] = f"cannot move {src_text} to {dest_text} here (not a local path)"
            continue
        try:
            if dest.exists() and not src.exists():
                pass  # the move happened; only its bookkeeping was lost
            elif src.is_symlink() or not src.is_file():
                problems[name] = f"{src} is gone or not a regular file; it was recorded in {dest} " \
                                 "before and cannot be moved"
                log.error("pending move of %s: %s", name, problems[name])
                done.append(sha)  # nothing left to move: do not try again
                continue
            else:
                secure_dir(dest.parent)
                move(src, dest)
                targets.append(dest)
                log.warning("finished the interrupted move of %s to %s", name, dest)
        except OSError as exc:
            problems[name] = f"could not be moved to {dest}: {exc.strerror or exc}"
            log.error("pending move of %s: %s", name, problems[name])
            continue
        done.append(sha)
    sync_dirs(targets + [stored_path(s) for _, _, s, _ in rows if stored_path(s)])
    moved(conn, done)
    return problems


# --------------------------------------------------------------------------- retention


def retention_days() -> int:
    value = os.environ.get(RETENTION_ENV, "").strip()
    if not value:
        return DEFAULT_RETENTION_DAYS
    if not value.isdigit():
        raise ValueError(f"{RETENTION_ENV} must be a whole number of days, not {value!r}")
    return int(value)


@dataclass
class PurgeReport:
    files: int = 0
    bytes: int = 0
    kept: int = 0  # old files whose batch is not finished yet (or whose move is pending)
    folders: int = 0

    def summary(self, dry_run: bool) -> str:
        verb = "would remove" if dry_run else "removed"
        return (f"{verb} {self.files} stored originals ({self.bytes / 2**20:.1f} MB) in {self.folders} day folders; "
                f"kept {self.kept} old files of unfinished batches")


def purge(conn: psycopg.Connection, roots: list, older_than_days: int, *, dry_run: bool = False,
          today: dt.date | None = None) -> PurgeReport:
    """Remove archived and quarantined originals stored more than ``older_than_days`` days ago
    (by their day folder). A file whose manifest row is not final or has a pending move stays.
    Manifest rows stay too, marked ``purged_at``."""
    cutoff = (today or dt.date.today()) - dt.timedelta(days=older_than_days)
    report = PurgeReport()
    for root in map(local, roots):
        if not _is_local(root) or not root.is_dir():
            continue
        for day_dir in sorted(root.iterdir()):
            try:
                day = dt.date.fromisoformat(day_dir.name)
            except ValueError:
                continue
            if day >= cutoff or day_dir.is_symlink() or not day_dir.is_dir():
                continue
            files = [p for p in day_dir.iterdir() if not p.is_dir()]
            names = [str(p) for p in files] + [f"file://{p}" for p in files]
            busy = {
                _path_text(a) for (a,) in conn.execute(
                    "SELECT archived_as FROM meta.file_manifest WHERE archived_as = ANY(%s) "
                    "AND (state <> ALL(%s) OR move_from IS NOT NULL)", (names, list(FINAL_STATES)))
            }
            report.folders += 1
            gone = []
            for p in files:
                if str(p) in busy:
                    report.kept += 1
                    continue
                report.files += 1
                report.bytes += p.lstat().st_size
                if not dry_run:
                    p.unlink()
                    gone.append(p)
            if not dry_run:
                with conn.transaction():
                    conn.execute(
                        "UPDATE meta.file_manifest SET purged_at = now() WHERE archived_as = ANY(%s) AND purged_at IS NULL",
                        ([str(p) for p in gone] + [f"file://{p}" for p in gone],),
                    )
                if not any(day_dir.iterdir()):
                    day_dir.rmdir()
    return report

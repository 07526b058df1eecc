"""Hostile and broken files in landing: each ends quarantined with a precise reason, the run goes
on and the good files load. (Parser-level detail is in tests/unit/test_ijw_parse.py.)"""

from __future__ import annotations

import pytest
from conftest import TEST_KEY
from corpus import NS, copy_corpus, edit_xml, prestaties

from jeugdhulp import pipeline

pytestmark = pytest.mark.integration

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Bericht [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw323/schema">&x;</Bericht>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw323/schema">&lol3;</Bericht>"""


def hostile_files(good_jw323: bytes) -> dict[str, tuple[bytes, str]]:
    """name -> (content, words the quarantine reason must contain)"""
    text = good_jw323.decode()
    return {
        "xxe.xml": (XXE, "DOCTYPE"),
        "billion_laughs.xml": (LAUGHS, "DOCTYPE"),
        "wrong_namespace.xml": (text.replace("ijw/3_2/jw323/schema", "ijw/3_1/jw323/schema").encode(), "namespace"),
        "unknown_message.xml": (text.replace("jw323/schema", "jw399/schema").encode(), "JW399"),
        "wrong_berichtcode.xml": (text.replace(">490<", ">436<", 1).encode(), "BerichtCode does not match JW323"),
        "invalid_date.xml": (_invalid_date(text), "DeclaratiePeriode/Begindatum is not a valid date"),
        "truncated.xml": (good_jw323[: len(good_jw323) // 2], "not well-formed"),
        "empty.xml": (b"", "empty"),
        "not_utf8.xml": (good_jw323.replace(b"<Bericht", b"<Bericht \xff\xfe", 1), "not well-formed"),
    }


def _invalid_date(text: str) -> bytes:
    """The first Begindatum (DeclaratiePeriode) becomes 31 June."""
    start = text.index("<ijw:Begindatum>") + len("<ijw:Begindatum>")
    return (text[:start] + "2027-06-31" + text[start + 10:]).encode()


def test_every_hostile_file_is_quarantined_and_the_rest_loads(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    jw323 = [f for f in files if f.name.startswith("JW323")]
    hostile = hostile_files(jw323[0].read_bytes())
    for name, (content, _) in hostile.items():
        (data_dirs["landing"] / name).write_bytes(content)
    # same BerichtIdentificatie as a good file, different content (TR056)
    (data_dirs["landing"] / "zz_duplicate.xml").write_bytes(jw323[1].read_bytes() + b"\n")
    # header total != sum of lines: the file loads, its lines are quarantined (TR358)
    edit_xml(jw323[2], lambda d: d.find(".//jw323:TotaalIngediendBedrag/ijw:TotaalBedrag", NS).__setattr__(
        "text", str(int(d.findtext(".//jw323:TotaalIngediendBedrag/ijw:TotaalBedrag", namespaces=NS)) + 7)))
    bad_total_lines = len(prestaties([jw323[2]]))
    all_lines = len(prestaties(jw323))

    result = pipeline.run_ingest(
        db_url, TEST_KEY, landing=data_dirs["landing"], archive=data_dirs["archive"], quarantine=data_dirs["quarantine"]
    )

    reasons = result["quarantined"]
    assert set(reasons) == set(hostile) | {"zz_duplicate.xml"}
    for name, (_, words) in hostile.items():
        assert words in reasons[name], (name, reasons[name])
    assert "duplicate BerichtIdentificatie" in reasons["zz_duplicate.xml"]
    assert result["staged"] == len(files)
    assert conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0] == all_lines - bad_total_lines
    codes = conn.execute("SELECT DISTINCT unnest(regel_codes) FROM dq.quarantine").fetchall()
    assert codes == [("TR358/0001",)]
    # nothing left behind, nothing lost: every file has exactly one manifest row
    assert list(data_dirs["landing"].iterdir()) == []
    assert conn.execute("SELECT count(*) FROM meta.file_manifest").fetchone()[0] == len(files) + len(hostile) + 1


# --------------------------------------------------------------------------- a hostile landing zone


def stage(db_url, dirs, **kw):
    return pipeline.stage(db_url, TEST_KEY, landing=dirs["landing"], archive=dirs["archive"],
                          quarantine=dirs["quarantine"], **kw)


def manifest(conn) -> dict[str, tuple]:
    return {name: (state, reason) for name, state, reason in conn.execute(
        "SELECT file_name, state, reason FROM meta.file_manifest")}


def stored_files(dirs) -> list:
    return [p for d in ("archive", "quarantine") for p in dirs[d].rglob("*") if not p.is_dir()]


def test_links_are_refused_without_being_read(conn, db_url, data_dirs, small_corpus, tmp_path):
    """A link to a secret (the pseudonym key) or to /etc/passwd is never followed: nothing of the
    target reaches archive, quarantine or the warehouse; the link is recorded as refused once."""
    secret = tmp_path / "pseudonym.key"
    secret.write_text("the-real-key-" + "x" * 40)
    (data_dirs["landing"] / "x.xml").symlink_to("/etc/passwd")
    (data_dirs["landing"] / "key.xml").symlink_to(secret)
    (data_dirs["landing"] / "dangling.xml").symlink_to(tmp_path / "nowhere")
    files = copy_corpus(small_corpus, data_dirs["landing"])[:5]
    for f in set(data_dirs["landing"].glob("*.xml")) - set(files) - {data_dirs["landing"] / n for n in
                                                                     ("x.xml", "key.xml", "dangling.xml")}:
        f.unlink()

    result = stage(db_url, data_dirs)

    assert result["staged"] == 5
    assert set(result["refused"]) == {"x.xml", "key.xml", "dangling.xml"}
    rows = manifest(conn)
    for name in ("x.xml", "key.xml", "dangling.xml"):
        state, reason = rows[name]
        assert state == "refused" and "symbolic link" in reason and "never followed" in reason
    # nothing of the targets was copied anywhere; the links stay where they were
    for p in stored_files(data_dirs):
        assert b"the-real-key" not in p.read_bytes() and b"root:" not in p.read_bytes()
    assert len(stored_files(data_dirs)) == 5
    assert all((data_dirs["landing"] / n).is_symlink() for n in ("x.xml", "key.xml", "dangling.xml"))
    assert secret.read_text().startswith("the-real-key")
    # a rerun reports them again but records nothing new
    again = stage(db_url, data_dirs)
    assert set(again["refused"]) == {"x.xml", "key.xml", "dangling.xml"}
    assert len(manifest(conn)) == 8


def test_a_fifo_is_refused_without_blocking(conn, db_url, data_dirs):
    import os

    os.mkfifo(data_dirs["landing"] / "pipe.xml")  # opening it for reading would block for ever
    result = stage(db_url, data_dirs)
    assert result["refused"] == {"pipe.xml": manifest(conn)["pipe.xml"][1]}
    assert manifest(conn)["pipe.xml"][0] == "refused" and "FIFO" in manifest(conn)["pipe.xml"][1]


def test_a_link_swapped_in_after_the_scan_is_not_followed(tmp_path):
    """The check is on the open descriptor (O_NOFOLLOW), not a look at the name before opening."""
    from jeugdhulp import landing

    target = tmp_path / "secret"
    target.write_text("secret")
    link = tmp_path / "file.xml"
    link.symlink_to(target)
    read = landing.read(link)
    assert read.data is None and read.refusal is not None and read.refusal.state == "refused"


def test_a_very_long_name_does_not_block_ingest(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    for f in files[3:]:
        f.unlink()
    long_name = "JW323_" + "ä" * 120 + ".xml"  # 250 bytes in UTF-8: the most a file system allows
    assert len(long_name.encode()) == 250
    files[1].rename(data_dirs["landing"] / long_name)
    (data_dirs["landing"] / ("B" * 246 + ".xml")).write_bytes(b"<broken")

    result = stage(db_url, data_dirs)

    assert result["staged"] == 3 and result["not_moved"] == {}
    assert list(data_dirs["landing"].iterdir()) == []
    assert all(len(p.name.encode()) <= 113 for p in stored_files(data_dirs))
    rows = manifest(conn)
    assert rows[long_name][0] == "staged" and rows["B" * 246 + ".xml"][0] == "quarantined"


def test_a_file_that_cannot_move_does_not_stop_the_others(conn, db_url, data_dirs, small_corpus):
    """Its manifest row keeps the pending move; the others move; the next run finishes it."""
    import datetime as dt
    import hashlib

    files = copy_corpus(small_corpus, data_dirs["landing"])[:6]
    for f in set(data_dirs["landing"].iterdir()) - set(files):
        f.unlink()
    from jeugdhulp import landing

    stuck = files[2]
    day = data_dirs["archive"] / dt.date.today().isoformat()
    obstacle = day / landing.stored_name(hashlib.sha256(stuck.read_bytes()).hexdigest(), stuck.name)
    (obstacle / "in_the_way").mkdir(parents=True)  # a non-empty folder where the file must go

    result = stage(db_url, data_dirs)

    assert result["staged"] == 6 and list(result["not_moved"]) == [stuck.name]
    assert [p.name for p in data_dirs["landing"].iterdir()] == [stuck.name]
    assert conn.execute("SELECT count(*) FROM meta.file_manifest WHERE move_from IS NOT NULL").fetchone()[0] == 1

    (obstacle / "in_the_way").rmdir()
    obstacle.rmdir()
    again = stage(db_url, data_dirs)
    assert again["not_moved"] == {} and again["already_processed"] == 0
    assert list(data_dirs["landing"].iterdir()) == [] and obstacle.is_file()
    assert conn.execute("SELECT count(*) FROM meta.file_manifest WHERE move_from IS NOT NULL").fetchone()[0] == 0


def test_hidden_files_and_folders_are_reported_not_grabbed(conn, db_url, data_dirs, small_corpus, caplog):
    import logging
    import os
    import time

    caplog.set_level(logging.INFO, logger="jeugdhulp.landing")
    good = small_corpus / sorted(p.name for p in small_corpus.glob("JW301_*.xml"))[0]
    landing = data_dirs["landing"]
    (landing / "upload.xml.part").write_bytes(good.read_bytes()[:300])  # being written right now
    (landing / ".upload.xml").write_bytes(good.read_bytes()[:300])
    old = landing / ".abandoned.xml"
    old.write_bytes(good.read_bytes()[:300])
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    (landing / "sub").mkdir()
    (landing / "sub" / good.name).write_bytes(good.read_bytes())

    result = stage(db_url, data_dirs)

    rows = manifest(conn)
    assert rows["sub"][0] == "skipped" and "sub-folder" in rows["sub"][1]
    assert rows[".abandoned.xml"][0] == "skipped" and "unfinished upload" in rows[".abandoned.xml"][1]
    assert "upload.xml.part" not in rows and ".upload.xml" not in rows  # still being written: left alone
    assert set(result["refused"]) == {"sub", ".abandoned.xml"}
    assert "still being uploaded" in caplog.text and "'sub' skipped" in caplog.text
    assert sorted(p.name for p in landing.iterdir()) == [".abandoned.xml", ".upload.xml", "sub", "upload.xml.part"]
    stage(db_url, data_dirs)
    assert len(manifest(conn)) == 2  # said again in the log, recorded once


def test_a_huge_file_is_refused_by_its_size_before_it_is_read(conn, db_url, data_dirs):
    import hashlib
    import tracemalloc

    from jeugdhulp import ijw, landing

    huge = data_dirs["landing"] / "JW323_huge.xml"
    with open(huge, "wb") as f:
        f.write(b"<?xml version='1.0'?><Bericht>")
        f.truncate(ijw.MAX_FILE_BYTES + 1_000_000)  # sparse: 26 MB of zeros
    expected_sha = hashlib.sha256(huge.read_bytes()).hexdigest()  # computed the plain way, for comparison

    tracemalloc.start()
    read = landing.read(huge)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert read.data is None and read.sha == expected_sha and "OP179" in read.reason
    assert peak < 4 * 2**20, f"{peak} bytes held while hashing a {read.size}-byte file"

    result = stage(db_url, data_dirs)
    assert "above the iJw limit" in result["quarantined"]["JW323_huge.xml"]
    assert conn.execute("SELECT file_sha256 FROM meta.file_manifest").fetchone()[0] == expected_sha
    assert len(list(data_dirs["quarantine"].rglob("*JW323_huge.xml"))) == 1


def test_archive_and_quarantine_are_for_the_service_only(conn, db_url, data_dirs, small_corpus):
    import stat

    copy_corpus(small_corpus, data_dirs["landing"])
    (data_dirs["landing"] / "kapot.xml").write_bytes(b"<kapot")
    data_dirs["archive"].chmod(0o755)  # as an earlier version left it
    stage(db_url, data_dirs)
    for d in ("archive", "quarantine"):
        folders = [data_dirs[d], *(p for p in data_dirs[d].rglob("*") if p.is_dir())]
        files = [p for p in data_dirs[d].rglob("*") if p.is_file()]
        assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in folders), d
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), d

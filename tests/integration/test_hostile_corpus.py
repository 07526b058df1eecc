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

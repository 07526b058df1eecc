"""Staging with parse worker processes gives exactly what staging in-process gives: the same
manifest, staging, quarantine and core rows, the same verdicts on hostile files, a rerun that
changes nothing; and the COPY text carries every value (tabs, backslashes, newlines, quotes,
non-ASCII, arrays) unchanged into PostgreSQL."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import psycopg
import pytest
from conftest import TEST_KEY, database
from corpus import NS, copy_corpus, edit_xml

from jeugdhulp import copy_encoding, ijw, pipeline, staging, warehouse
from jeugdhulp.privacy import Pseudonymiser

pytestmark = pytest.mark.integration

PARALLEL = {"workers": 2, "parallel_min_bytes": 0}  # workers from the first file on
IN_PROCESS = {"workers": 0}

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Bericht [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw323/schema">&x;</Bericht>"""


def landing_with_trouble(small_corpus: Path, root: Path) -> dict[str, Path]:
    """The corpus plus hostile, broken and duplicate files, in landing order among the good ones."""
    dirs = {name: root / name for name in ("landing", "archive", "quarantine")}
    for d in dirs.values():
        d.mkdir(parents=True)
    files = copy_corpus(small_corpus, dirs["landing"])
    jw323 = [f for f in files if f.name.startswith("JW323")]
    good = jw323[0].read_bytes()
    (dirs["landing"] / "JW323_xxe.xml").write_bytes(XXE)
    (dirs["landing"] / "JW323_truncated.xml").write_bytes(good[: len(good) // 2])
    start = good.index(b"<ijw:Begindatum>") + len(b"<ijw:Begindatum>")
    (dirs["landing"] / "JW323_invalid_date.xml").write_bytes(good[:start] + b"2027-06-31" + good[start + 10:])
    (dirs["landing"] / "JW323_empty.xml").write_bytes(b"")
    shutil.copy2(jw323[1], dirs["landing"] / "JW323_same_content_other_name.xml")  # same sha: already processed
    (dirs["landing"] / "JW323_same_identificatie.xml").write_bytes(jw323[2].read_bytes() + b"\n")  # TR056
    (dirs["landing"] / "JW301_zz_same_identificatie.xml").write_bytes(
        next(f for f in files if f.name.startswith("JW301")).read_bytes() + b"\n")
    return dirs


def _run_independent_columns(conn, table: str) -> list[str]:
    """Columns without a timestamp of the run (nor the Data Docs page, named after one)."""
    schema, name = table.split(".")
    return [c for (c,) in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "AND data_type NOT LIKE 'timestamp%%' AND column_name <> 'data_docs_page' ORDER BY ordinal_position",
        (schema, name))]


def warehouse_state(url: str, root: Path) -> dict:
    """Everything the ingest wrote, without timestamps; paths relative to the run's folder."""
    with warehouse.connect(url) as conn:
        tables = [f"{s}.{t}" for s, t in conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('meta', 'staging', 'core', 'dq') "
            "ORDER BY 1, 2")]
        state = {}
        for table in tables:
            cols = _run_independent_columns(conn, table)
            rows = conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(map(str, range(1, len(cols) + 1)))}").fetchall()
            state[table] = [tuple(str(v).replace(str(root), "<root>") if isinstance(v, str) else v for v in r) for r in rows]
        return state


def test_workers_stage_exactly_what_in_process_staging_stages(pg_server, tmp_path, small_corpus, caplog):
    caplog.set_level(logging.INFO, logger="jeugdhulp.parse_pool")
    results, states = {}, {}
    for mode, options in (("in_process", IN_PROCESS), ("workers", PARALLEL)):
        root = tmp_path / mode
        dirs = landing_with_trouble(small_corpus, root)
        with database(pg_server) as url:
            results[mode] = pipeline.run_ingest(url, TEST_KEY, **dirs, **options)
            states[mode] = warehouse_state(url, root)
            # a rerun on the same files changes nothing
            n = len(copy_corpus(small_corpus, dirs["landing"]))
            again = pipeline.stage(url, TEST_KEY, **dirs, **options)
            assert again["already_processed"] == n and again["staged"] == 0 and again["quarantined"] == {}
            after = warehouse_state(url, root)
            assert {t: rows for t, rows in after.items() if t != "meta.load_batch"} == {
                t: rows for t, rows in states[mode].items() if t != "meta.load_batch"}
        assert list(dirs["landing"].iterdir()) == []
        assert sorted(p.name.split("_", 1)[1] for p in dirs["quarantine"].rglob("*.xml")) == sorted(
            results[mode]["quarantined"])
    assert "parsing in 2 worker processes" in caplog.text
    assert re.search(r"parsed \d+ files in worker processes, 0 in-process", caplog.text)

    assert results["workers"] == results["in_process"]
    assert states["workers"] == states["in_process"]
    assert states["workers"]["core.declaratie_regel"] and states["workers"]["staging.jw325_prestatie"]
    quarantined = results["workers"]["quarantined"]
    assert set(quarantined) == {"JW323_xxe.xml", "JW323_truncated.xml", "JW323_invalid_date.xml", "JW323_empty.xml",
                                "JW323_same_identificatie.xml", "JW301_zz_same_identificatie.xml"}
    assert "DOCTYPE" in quarantined["JW323_xxe.xml"]
    assert "not well-formed" in quarantined["JW323_truncated.xml"]
    assert "Begindatum is not a valid date" in quarantined["JW323_invalid_date.xml"]  # the element, never the value
    assert "empty" in quarantined["JW323_empty.xml"]
    assert "duplicate BerichtIdentificatie" in quarantined["JW323_same_identificatie.xml"]
    assert results["workers"]["already_processed"] == 1


def test_only_hostile_files_with_workers(db_url, data_dirs):
    (data_dirs["landing"] / "a_xxe.xml").write_bytes(XXE)
    (data_dirs["landing"] / "b_empty.xml").write_bytes(b"")
    (data_dirs["landing"] / "c_not_xml.xml").write_bytes(b"PK\x03\x04 zip, not XML")

    result = pipeline.stage(db_url, TEST_KEY, **data_dirs, **PARALLEL)

    assert sorted(result["quarantined"]) == ["a_xxe.xml", "b_empty.xml", "c_not_xml.xml"]
    with warehouse.connect(db_url) as conn:
        rows = conn.execute("SELECT file_name, state, record_count, archived_as FROM meta.file_manifest ORDER BY 1").fetchall()
    assert [(name, state, count) for name, state, count, _ in rows] == [
        ("a_xxe.xml", "quarantined", None), ("b_empty.xml", "quarantined", None), ("c_not_xml.xml", "quarantined", None)]
    assert all(Path(archived).exists() and Path(archived).parent.parent == data_dirs["quarantine"] for *_, archived in rows)


ODD = ["\\N", "back\\\\slash\\t", "tab\there", "new\nline", "cr\rhere", "é€\u00a0x", '"quoted"', "{brace},comma"]


def _odd_jw323(src: Path, dest: Path) -> None:
    shutil.copy2(src, dest)
    texts = iter(ODD)

    def put(doc):
        for el in doc.iterfind(".//jw323:Prestatie/jw323:ProductReferentie/ijw:ReferentieNummer", NS):
            el.text = f"R{next(texts, 'plain')}9"
        doc.find(".//jw323:DeclaratieNummer", NS).text = "\\N"  # COPY's NULL, as text
        volume = doc.find(".//jw323:Prestatie/jw323:GeleverdVolume", NS)
        volume.text = f" 000{volume.text} "  # leading zeros and blanks: the same whole number

    edit_xml(dest, put)


def _odd_jw325(src: Path, dest: Path) -> None:
    shutil.copy2(src, dest)
    ns = {"m": "http://www.istandaarden.nl/ijw/3_2/jw325/schema"}

    def put(doc):
        for i, el in enumerate(doc.iter(f"{{{ns['m']}}}RetourCode")):
            el.text = ['a,"b', "c\\d", "{e}", "f\tg"][i % 4]

    edit_xml(dest, put)


@pytest.mark.parametrize("options", [IN_PROCESS, PARALLEL], ids=["in_process", "workers"])
def test_copy_text_carries_every_value(db_url, data_dirs, small_corpus, options, caplog):
    caplog.set_level(logging.INFO, logger="jeugdhulp.parse_pool")
    jw323 = max(small_corpus.glob("JW323_*.xml"), key=lambda f: (f.read_bytes().count(b"<Prestatie>"), f.name))
    jw325 = next(f for f in sorted(small_corpus.glob("JW325_*.xml")) if b"RetourCode" in f.read_bytes()
                 and b"<Prestatie>" in f.read_bytes())
    _odd_jw323(jw323, data_dirs["landing"] / jw323.name)
    _odd_jw325(jw325, data_dirs["landing"] / jw325.name)
    pseudonymise = Pseudonymiser(TEST_KEY)
    messages = {f.name: ijw.parse(f, pseudonymise) for f in sorted(data_dirs["landing"].iterdir())}

    result = pipeline.stage(db_url, TEST_KEY, **data_dirs, **options)

    assert result["staged"] == 2, result
    assert ("parsed 2 files in worker processes, 0 in-process" in caplog.text) == (options is PARALLEL)
    with warehouse.connect(db_url) as conn:
        for name, msg in messages.items():
            for table, source in warehouse.STAGING[msg.bericht_type]:
                cols = warehouse.staging_columns(conn)[table]
                got = [dict(zip(cols, row)) for row in conn.execute(
                    f"SELECT {', '.join(cols)} FROM {table} WHERE file_sha256 = "
                    f"(SELECT file_sha256 FROM meta.file_manifest WHERE file_name = %s) ORDER BY row_id", (name,))]
                rows = [msg.header] if source == "header" else [rec.flat(msg.header) for rec in msg.records]
                assert got == [{c: row.get(c) for c in cols} for row in rows], (name, table)
    refs = [r.item["referentie_nummer"] for r in messages[jw323.name].records]
    assert len(refs) >= 6 and refs[:len(ODD)] == [f"R{v}9" for v in ODD][:len(refs)]
    assert messages[jw323.name].header["declaratie_nummer"] == "\\N"
    odd_codes = {'a,"b', "c\\d", "{e}", "f\tg"}
    assert any(odd_codes & set(r.item["retour_codes"]) for r in messages[jw325.name].records)


def _by_column(cols, lines) -> list[dict]:
    return [dict(zip(cols, line.split("\t"))) for line in lines]


@pytest.mark.parametrize("texts", [False, True], ids=["items", "texts"])
def test_fast_copy_lines_are_the_row_by_row_lines(conn, small_corpus, texts):
    """The per-client/per-message formatting equals formatting ``Record.flat`` row by row."""
    columns = warehouse.staging_columns(conn)
    pseudonymise = Pseudonymiser(TEST_KEY)
    seen = set()
    for f in sorted(small_corpus.glob("*.xml")):
        msg = ijw.parse(f, pseudonymise, texts=texts)
        for table, source in warehouse.STAGING[msg.bericht_type]:
            if source != "records" or not msg.records:
                continue
            seen.add(table)
            fast_cols, fast = copy_encoding._records_copy(msg, columns[table], "1\tsha")
            slow_cols, slow = copy_encoding._rows_copy(msg, columns[table], "1\tsha")
            assert _by_column(fast_cols, fast) == _by_column(slow_cols, slow), (f.name, table)
            if texts and msg.bericht_type == "JW323":
                assert all(type(r.item) is tuple for r in msg.records)
    assert len(seen) == 8  # every staging table with one row per record


def test_texts_with_odd_characters_and_a_careful_line_in_one_message(conn):
    """Texts that need COPY escapes, absent optionals and an item the careful read gave (a dict)
    in one message: the same lines as row by row."""
    plain = ("R1", None, "100", "45", "45A03", "2025-01-01", "2025-01-31", "12", "04", "10450", "125400", "D")
    odd = ("R\\N\t2", "V\n1", "101", "45", "45\rA", "2025-01-01", "2025-01-31", "1", "04", None, "9", "C")
    careful = {**ijw.prestatie_item(plain), "referentie_nummer": "R3"}  # a dict in the field order
    header = {"gemeente": "0148", "dagtekening": ijw.dt.date(2025, 2, 3), "declaratie_nummer": "D\\N"}
    client = {"client_pseudoniem": "p" * 64, "bsn_elfproef": True}
    msg = ijw.Message("JW323", header, [ijw.Record(client, plain, 7), ijw.Record(client, odd, 8),
                                        ijw.Record(client, careful, None)])
    columns = warehouse.staging_columns(conn)["staging.jw323_prestatie"]
    fast_cols, fast = copy_encoding._records_copy(msg, columns, "1\tsha")
    slow_cols, slow = copy_encoding._rows_copy(msg, columns, "1\tsha")
    assert _by_column(fast_cols, fast) == _by_column(slow_cols, slow)
    rows = _by_column(fast_cols, fast)
    assert [r["referentie_nummer"] for r in rows] == ["R1", "R\\\\N\\t2", "R3"]
    assert [r["vorig_referentie_nummer"] for r in rows] == ["\\N", "V\\n1", "\\N"]
    assert rows[1]["product_code"] == "45\\rA" and rows[1]["product_tarief"] == "\\N"
    assert [r["bron_regel"] for r in rows] == ["7", "8", "\\N"] and rows[0]["declaratie_nummer"] == "D\\\\N"


def test_items_that_differ_in_fields_take_the_row_by_row_way(conn):
    columns = warehouse.staging_columns(conn)
    msg = ijw.Message("JW323", {"gemeente": "0148", "dagtekening": None}, [
        ijw.Record({"client_pseudoniem": "p1", "bsn_elfproef": True}, {"referentie_nummer": "R1", "eenheid": "01"}, 3),
        ijw.Record({"client_pseudoniem": "p2"}, {"referentie_nummer": "R2", "gemeente": "0193"}, None),
    ])
    cols, lines = copy_encoding._records_copy(msg, columns["staging.jw323_prestatie"], "1\tsha")
    rows = [dict(zip(cols, line.split("\t"))) for line in lines]
    assert [(r["referentie_nummer"], r["gemeente"], r["eenheid"], r["bsn_elfproef"], r["bron_regel"]) for r in rows] == [
        ("R1", "0148", "01", "t", "3"), ("R2", "0193", "\\N", "\\N", "\\N")]


@pytest.mark.parametrize("group_bytes", [staging.GROUP_BYTES, 1], ids=["groups", "one_file_groups"])
def test_duplicates_next_to_their_original(pg_server, tmp_path, small_corpus, monkeypatch, group_bytes):
    """Same content or same BerichtIdentificatie right after the original: in the same group of
    files (or the next one), the original ends first and the copy follows it."""
    monkeypatch.setattr(staging, "GROUP_BYTES", group_bytes)
    results = {}
    for mode, options in (("in_process", IN_PROCESS), ("workers", PARALLEL)):
        dirs = {name: tmp_path / mode / name for name in ("landing", "archive", "quarantine")}
        for d in dirs.values():
            d.mkdir(parents=True)
        files = sorted(small_corpus.glob("JW323_*.xml"))[:20]
        for f in files:
            shutil.copy2(f, dirs["landing"] / f.name)
        for f in files[3:5]:
            shutil.copy2(f, dirs["landing"] / f"{f.stem}_again.xml")  # sorts right after the original
            (dirs["landing"] / f"{f.stem}_resent.xml").write_bytes(f.read_bytes() + b"\n")
        with database(pg_server) as url:
            results[mode] = pipeline.stage(url, TEST_KEY, **dirs, **options)
            with warehouse.connect(url) as conn:
                results[mode]["manifest"] = conn.execute(
                    "SELECT file_name, state, reason, record_count FROM meta.file_manifest ORDER BY file_name").fetchall()
        results[mode].pop("batch_id")
    assert results["workers"] == results["in_process"]
    assert results["workers"]["staged"] == 20 and results["workers"]["already_processed"] == 2
    assert sorted(results["workers"]["quarantined"]) == sorted(f"{f.stem}_resent.xml" for f in files[3:5])
    assert all(f"already received in {name.replace('_resent', '')}" in reason
               for name, reason in results["workers"]["quarantined"].items())

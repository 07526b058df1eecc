"""Write-audit-publish on a real PostgreSQL: staging by COPY, GX audit, quarantine, publish, marts."""

from __future__ import annotations

import pytest
from lxml import etree
from conftest import TEST_KEY
from corpus import NS, bsns, copy_corpus, edit_xml, expected_mart, mart_rows, prestaties, toegewezen_producten

from jeugdhulp import config, pipeline, quality

pytestmark = pytest.mark.integration


def ingest(db_url, dirs):
    return pipeline.run_ingest(
        db_url, TEST_KEY, landing=dirs["landing"], archive=dirs["archive"], quarantine=dirs["quarantine"]
    )


def snapshot(conn) -> dict:
    tables = [
        "meta.file_manifest", "staging.jw301_toegewezen_product", "staging.jw323_prestatie",
        "core.client", "core.toewijzing", "core.declaratie", "core.declaratie_regel", "dq.quarantine",
    ]
    snap = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    snap["sum"] = conn.execute("SELECT sum(ingediend_bedrag_saldo) FROM core.declaratie_regel").fetchone()[0]
    return snap


def test_corpus_loads_and_broken_file_is_quarantined(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    (data_dirs["landing"] / "JW323_kapot.xml").write_text("<Bericht xmlns='x'><Header>")
    lines = prestaties(f for f in files if f.name.startswith("JW323"))
    versions = {(r["gemeente"], r["toewijzing_nummer"], r["toewijzingsdatum"], r["toewijzingstijd"])
                for r in toegewezen_producten(f for f in files if f.name.startswith("JW301"))}

    result = ingest(db_url, data_dirs)

    assert result["staged"] == len(files)
    assert list(result["quarantined"]) == ["JW323_kapot.xml"]
    assert "not well-formed XML" in result["quarantined"]["JW323_kapot.xml"]
    # every file ends in exactly one state and left the landing folder
    states = dict(conn.execute("SELECT state, count(*) FROM meta.file_manifest GROUP BY state").fetchall())
    assert states == {"loaded": len(files), "quarantined": 1}
    assert list(data_dirs["landing"].iterdir()) == []
    assert len(list(data_dirs["quarantine"].rglob("*kapot.xml"))) == 1
    assert len(list(data_dirs["archive"].rglob("*.xml"))) == len(files)

    assert conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0] == len(lines)
    assert conn.execute("SELECT sum(ingediend_bedrag_saldo) FROM core.declaratie_regel").fetchone()[0] == sum(
        r["saldo"] for r in lines
    )
    assert conn.execute("SELECT count(*) FROM core.toewijzing").fetchone()[0] == len(versions)
    assert conn.execute("SELECT count(*) FROM dq.quarantine").fetchone()[0] == 0


def test_rerun_on_the_same_files_changes_nothing(conn, db_url, data_dirs, small_corpus):
    copy_corpus(small_corpus, data_dirs["landing"])
    ingest(db_url, data_dirs)
    before = snapshot(conn)

    n = len(copy_corpus(small_corpus, data_dirs["landing"]))
    again = ingest(db_url, data_dirs)

    assert again["already_processed"] == n and again["staged"] == 0
    assert snapshot(conn) == before


def test_mart_matches_the_corpus(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    expected = expected_mart(prestaties(f for f in files if f.name.startswith("JW323")))
    ingest(db_url, data_dirs)
    pipeline.refresh_marts(db_url)

    assert mart_rows(conn) == expected
    assert any(v[2] > 0 for v in expected.values()), "corpus should contain credit lines"


def test_no_bsn_reaches_the_warehouse(conn, db_url, data_dirs, small_corpus):
    known = bsns(copy_corpus(small_corpus, data_dirs["landing"]))
    ingest(db_url, data_dirs)
    pipeline.refresh_marts(db_url)
    tables = conn.execute(
        "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname IN ('meta','staging','core','dq') "
        "UNION ALL SELECT schemaname || '.' || matviewname FROM pg_matviews WHERE schemaname = 'mart'"
    ).fetchall()
    assert len(tables) >= 10
    for (table,) in tables:
        for (row,) in conn.execute(f"SELECT t::text FROM {table} t"):
            assert not any(b in row for b in known), f"a BSN was stored in {table}"


def _first_prestatie(doc, *default):
    """The first line with a per-unit tariff (not minutes, which allow rounding, nor euros)."""
    return next(
        (p for p in doc.iterfind(".//jw323:Prestatie", NS) if p.findtext("jw323:Eenheid", namespaces=NS) not in ("01", "83")),
        *default,
    )


def test_rule_violations_are_quarantined_with_their_codes(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    jw323 = [f for f in files if f.name.startswith("JW323")]
    bad_amount = next(f for f in jw323 if _first_prestatie(etree.parse(str(f)), None) is not None)
    bad_total = next(f for f in jw323 if f != bad_amount)

    def raise_amount(doc):  # TR346: Bedrag != volume x tarief (header total kept consistent)
        p = _first_prestatie(doc)
        bedrag = p.find("jw323:IngediendBedrag/ijw:Bedrag", NS)
        sign = 1 if p.findtext("jw323:IngediendBedrag/ijw:DebetCredit", namespaces=NS) == "D" else -1
        bedrag.text = str(int(bedrag.text) + 100)
        totaal = doc.find(".//jw323:TotaalIngediendBedrag", NS)
        signed = int(totaal.findtext("ijw:TotaalBedrag", namespaces=NS)) * (
            1 if totaal.findtext("ijw:DebetCredit", namespaces=NS) == "D" else -1
        ) + 100 * sign
        totaal.find("ijw:TotaalBedrag", NS).text = str(abs(signed))
        totaal.find("ijw:DebetCredit", NS).text = "D" if signed >= 0 else "C"

    def break_total(doc):  # TR358: header total != sum of lines
        t = doc.find(".//jw323:TotaalIngediendBedrag/ijw:TotaalBedrag", NS)
        t.text = str(int(t.text) + 1)

    edit_xml(bad_amount, raise_amount)
    edit_xml(bad_total, break_total)
    amount_line = _first_prestatie(etree.parse(str(bad_amount))).sourceline
    total_lines = {r["line"] for r in prestaties([bad_total])}
    all_lines = prestaties(jw323)

    ingest(db_url, data_dirs)

    rows = conn.execute(
        "SELECT m.file_name, q.bron_regel, q.regel_codes, q.reden FROM dq.quarantine q "
        "JOIN meta.file_manifest m USING (file_sha256)"
    ).fetchall()
    got = {(name, line): codes for name, line, codes, _ in rows}
    expected = {(bad_amount.name, amount_line): ["TR346/9346"]}
    expected |= {(bad_total.name, line): ["TR358/0001"] for line in total_lines}
    assert got == expected
    assert all("IngediendBedrag" in reden or "TotaalIngediendBedrag" in reden for *_, reden in rows)
    # the good lines were published, the quarantined ones were not
    assert conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0] == len(all_lines) - len(expected)
    results = dict(conn.execute(
        "SELECT regel_code, rows_failed FROM dq.validation_result WHERE dataset = 'jw323_prestatie'"
    ).fetchall())
    assert results["TR346"] == 1 and results["TR358"] == len(total_lines) and results["TR319"] == 0
    # the run's Data Docs page exists and shows the failing rule
    (page,) = conn.execute(
        "SELECT DISTINCT data_docs_page FROM dq.validation_result WHERE dataset = 'jw323_prestatie'"
    ).fetchone()
    html = (config.data_docs_dir() / page).read_text()
    assert "iJw TR346 (retourcode 9346)" in html
    assert (config.data_docs_dir() / "index.html").exists()


def test_quality_gate_stops_a_bad_batch(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    for f in files:
        if f.name.startswith("JW323"):
            edit_xml(f, lambda doc: doc.find(".//jw323:Ontvanger", NS).__setattr__("text", "0363"))  # Amsterdam

    with pytest.raises(quality.QualityGateError, match="TR378"):
        ingest(db_url, data_dirs)

    assert conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM core.toewijzing").fetchone()[0] == 0
    assert conn.execute("SELECT status FROM meta.load_batch").fetchone()[0] == "failed"
    states = dict(conn.execute("SELECT state, count(*) FROM meta.file_manifest GROUP BY state").fetchall())
    assert states == {"quarantined": len(files)}
    reason = conn.execute("SELECT reason FROM meta.file_manifest LIMIT 1").fetchone()[0]
    assert "quality gate" in reason and "dq.quarantine" in reason
    # the files the gate quarantined are in the quarantine folder, none is left in the archive
    assert [p for p in data_dirs["archive"].rglob("*") if p.is_file()] == []
    assert len([p for p in data_dirs["quarantine"].rglob("*.xml")]) == len(files)
    stored = conn.execute("SELECT archived_as, move_from FROM meta.file_manifest").fetchall()
    assert all(a.startswith(str(data_dirs["quarantine"])) and m is None for a, m in stored)


def test_manifest_and_quarantine_know_the_gemeente(conn, db_url, data_dirs, small_corpus):
    """The gemeente of a file is the one its header names (read here with lxml): the receiver of a
    declaration, the sender of an assignment; a quarantined line carries its file's gemeente."""
    files = copy_corpus(small_corpus, data_dirs["landing"])
    jw323 = [f for f in files if f.name.startswith("JW323")]
    edit_xml(jw323[0], lambda d: d.find(".//jw323:TotaalIngediendBedrag/ijw:TotaalBedrag", NS).__setattr__(
        "text", str(int(d.findtext(".//jw323:TotaalIngediendBedrag/ijw:TotaalBedrag", namespaces=NS)) + 1)))
    header = {f.name: (etree.parse(str(f)).getroot(), f.name[:5]) for f in files}
    expected = {
        name: root.findtext(f"{{*}}Header/{{*}}{'Afzender' if kind in ('JW301', 'JW319', 'JW325') else 'Ontvanger'}")
        for name, (root, kind) in header.items()
    }

    ingest(db_url, data_dirs)

    got = dict(conn.execute("SELECT file_name, gemeente FROM meta.file_manifest").fetchall())
    assert got == expected and all(expected.values())
    quarantined = conn.execute("SELECT DISTINCT gemeente FROM dq.quarantine").fetchall()
    assert quarantined == [(expected[jw323[0].name],)]


def test_duplicate_bericht_identificatie_is_quarantined(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    src = next(f for f in files if f.name.startswith("JW323"))
    (data_dirs["landing"] / ("Z_" + src.name)).write_bytes(src.read_bytes() + b"\n<!-- resent -->\n")

    result = ingest(db_url, data_dirs)

    assert result["staged"] == len(files)
    assert list(result["quarantined"]) == ["Z_" + src.name]
    assert "duplicate BerichtIdentificatie" in result["quarantined"]["Z_" + src.name]
    assert "9056" in result["quarantined"]["Z_" + src.name]


def test_data_docs_of_earlier_runs_survive_a_new_process(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    second = data_dirs["landing"].parent / "second"
    second.mkdir()
    for f in [f for f in files if f.name.startswith("JW323")][1::2]:
        f.rename(second / f.name)
    ingest(db_url, data_dirs)
    quality._gx_datasource.cache_clear()  # the next run is another process with a fresh GX context
    pipeline.run_ingest(db_url, TEST_KEY, landing=second, archive=data_dirs["archive"], quarantine=data_dirs["quarantine"])

    pages = [p for (p,) in conn.execute("SELECT DISTINCT data_docs_page FROM dq.validation_result ORDER BY 1")]
    batches = {p.split("/")[2] for p in pages}
    assert batches == {"batch_1", "batch_2"}, pages
    assert all((config.data_docs_dir() / p).exists() for p in pages)

"""Tests for ``benchmarks/ingest.py``: its corpus obeys the iJw rules the GX suite checks, its
arguments, and (integration) one small end-to-end run with the exact last line."""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from jeugdhulp import ijw
from jeugdhulp.privacy import Pseudonymiser, is_test_bsn
from jeugdhulp.reference import EENHEDEN, GEMEENTEN, PRODUCT_CATEGORIEEN

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "ingest.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("benchmark_ingest", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(bench, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "corpus"
    bench.generate_corpus(out, 6_001, 100)
    return out


@pytest.fixture(scope="module")
def messages(corpus) -> dict[str, list[ijw.Message]]:
    pseudonymise = Pseudonymiser("k" * 32)
    return {
        kind: [ijw.parse(f, pseudonymise) for f in sorted((corpus / kind).iterdir())]
        for kind in ("jw301", "jw323")
    }


def test_corpus_has_the_requested_lines_and_files(messages):
    assert len(messages["jw323"]) == 100
    assert sum(len(m.records) for m in messages["jw323"]) == 6_001
    assert {m.bericht_type for m in messages["jw323"]} == {"JW323"}
    assert {m.bericht_type for m in messages["jw301"]} == {"JW301"}


def test_bsns_are_test_bsns(corpus):
    bsns = {b for f in corpus.glob("*/*.xml") for b in re.findall(r"<Bsn>(\d+)</Bsn>", f.read_text())}
    assert bsns and all(is_test_bsn(b) for b in bsns)


def test_declarations_obey_the_rules_of_the_gx_suite(messages):
    """The rules of include/expectations/jw323_prestatie.json, checked in Python."""
    toewijzingen = {
        (m.header["gemeente"], rec.item["toewijzing_nummer"]): (m.header["aanbieder"], rec.client["client_pseudoniem"],
                                                               rec.item["product_code"], rec.item["ingangsdatum"])
        for m in messages["jw301"] for rec in m.records
    }
    debits, credited, identificaties = {}, Counter(), Counter()
    rows = [rec.flat(m.header) for m in messages["jw323"] for rec in m.records]
    for m in messages["jw323"]:
        h = m.header
        identificaties[h["afzender"], h["bericht_identificatie"]] += 1
        assert h["gemeente"] in GEMEENTEN and re.fullmatch(r"[A-Za-z0-9]{1,12}", h["declaratie_nummer"])
        first, last = h["declaratie_periode_begindatum"], h["declaratie_periode_einddatum"]
        assert first.day == 1 and last.day == calendar.monthrange(first.year, first.month)[1]
        assert first.year >= 2021 and h["dagtekening"] <= dt.date.today()
        assert sum(r.item["ingediend_bedrag"] * (1 if r.item["debet_credit"] == "D" else -1)
                   for r in m.records) == h["totaal_ingediend_bedrag"]
        assert max(Counter(r.client["client_pseudoniem"] for r in m.records).values()) <= 4
    for row in rows:
        assert row["bsn_elfproef"]
        assert row["product_categorie"] in PRODUCT_CATEGORIEEN and row["eenheid"] in EENHEDEN
        assert row["product_code"].startswith(row["product_categorie"])
        if row["eenheid"] == "83":
            assert row["product_tarief"] is None and row["ingediend_bedrag"] == row["geleverd_volume"]
        else:
            assert row["ingediend_bedrag"] == row["geleverd_volume"] * row["product_tarief"]
        assert 0 < row["ingediend_bedrag"] <= 99_999_999
        begin, eind = row["product_periode_begindatum"], row["product_periode_einddatum"]
        assert begin <= eind and (begin.year, begin.month) == (eind.year, eind.month)
        assert eind <= row["declaratie_periode_einddatum"] and eind <= row["dagtekening"]
        if row["eenheid"] == "14":
            assert row["geleverd_volume"] <= (eind - begin).days + 1
        aanbieder, client, code, ingang = toewijzingen[row["gemeente"], row["toewijzing_nummer"]]
        assert (aanbieder, client, code) == (row["aanbieder"], row["client_pseudoniem"], row["product_code"])
        assert ingang <= begin
        assert (row["debet_credit"] == "C") == (row["vorig_referentie_nummer"] is not None)
        if row["debet_credit"] == "D":
            debits[row["aanbieder"], row["referentie_nummer"]] = row
    assert len({(r["aanbieder"], r["referentie_nummer"]) for r in rows}) == len(rows)
    credits = [r for r in rows if r["debet_credit"] == "C"]
    assert 0 < len(credits) < 0.05 * len(rows)
    for credit in credits:
        debit = debits[credit["aanbieder"], credit["vorig_referentie_nummer"]]
        credited[credit["aanbieder"], credit["vorig_referentie_nummer"]] += 1
        assert debit["toewijzing_nummer"] == credit["toewijzing_nummer"]
        assert debit["ingediend_bedrag"] == credit["ingediend_bedrag"]
    assert max(credited.values()) == 1
    assert max(identificaties.values()) == 1


def test_corpus_is_valid_against_the_official_xsds(corpus, official_xsd_dir):
    for path in sorted(corpus.glob("*/*.xml")):
        ijw.parse(path, Pseudonymiser("k" * 32), xsd_dir=official_xsd_dir)


def test_files_default_to_one_per_200_lines(bench):
    assert bench.parse_args([]).files == 5_000
    assert bench.parse_args(["--lines", "1000"]).files == 5
    assert bench.parse_args(["--lines", "50"]).files == 1
    with pytest.raises(SystemExit):
        bench.parse_args(["--lines", "3", "--files", "4"])


@pytest.mark.integration
def test_small_run_ends_with_the_summary_line(pg_server):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--lines", "2000", "--files", "10", "--db", pg_server],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr
    last = out.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"ingest: \d+ lines/s end-to-end, \d+\.\d times to_sql, peak RSS \d+ MB", last), last


def test_report_counts_the_parse_workers_in_the_peak(bench):
    step = {"seconds": 2.0, "peak_rss_mb": 60.0}
    stage = {"seconds": 4.0, "peak_rss_mb": 150.0, "own_peak_rss_mb": 60.0, "children_peak_rss_mb": [45.0, 45.0]}
    ingest = {"lines": 200_000, "steps": {"stage": stage, "validate": step, "publish": step}}
    gen = {"files": 1_000, "bytes": 150 * 2**20, "providers": 4, "jw301_files": 10, "seconds": 1.0}
    out = bench.report(gen, {"seconds": 1.0}, ingest, None).splitlines()
    assert "60 MB in the staging process + 90 MB in 2 child processes (45, 45 MB)" in out[-2]
    assert out[-1] == "ingest: 50000 lines/s end-to-end, n/a times to_sql, peak RSS 150 MB"

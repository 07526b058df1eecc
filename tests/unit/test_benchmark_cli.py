"""Tests for ``benchmarks/ingest.py``: its corpus obeys the iJw rules the GX suite checks, its
arguments, and (integration) one small end-to-end run with the exact last line."""

from __future__ import annotations

import calendar
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
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(bench, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "corpus"
    bench.generate_corpus(out, 3_001, 12)
    return out


def _bsns(path: Path) -> list[str]:
    return re.findall(r"<Bsn>(\d+)</Bsn>", path.read_text())


def test_corpus_has_the_requested_lines_and_files(corpus):
    files = sorted(corpus.glob("JW323_*.xml"))
    assert len(files) == 12
    messages = [ijw.parse(f, Pseudonymiser("k" * 32)) for f in files]
    assert sum(len(m.records) for m in messages) == 3_001
    assert {m.bericht_type for m in messages} == {"JW323"}


def test_corpus_obeys_the_rules_of_the_gx_suite(corpus):
    """The same rules as include/expectations/jw323_prestatie.json, checked in Python."""
    pseudonymise = Pseudonymiser("k" * 32)
    references, identificaties = Counter(), Counter()
    credits = 0
    for path in sorted(corpus.glob("JW323_*.xml")):
        assert all(is_test_bsn(b) for b in _bsns(path))
        msg = ijw.parse(path, pseudonymise)
        h = msg.header
        identificaties[h["afzender"], h["bericht_identificatie"]] += 1
        assert h["gemeente"] in GEMEENTEN
        saldo = 0
        clients_per_line = Counter(rec.client["client_pseudoniem"] for rec in msg.records)
        assert max(clients_per_line.values()) <= 4
        for rec in msg.records:
            row = rec.flat(h)
            assert row["bsn_elfproef"]
            assert row["product_categorie"] in PRODUCT_CATEGORIEEN and row["eenheid"] in EENHEDEN
            if row["eenheid"] == "83":
                assert row["product_tarief"] is None and row["ingediend_bedrag"] == row["geleverd_volume"]
            else:
                assert row["ingediend_bedrag"] == row["geleverd_volume"] * row["product_tarief"]
            assert 0 < row["ingediend_bedrag"] <= 99_999_999
            begin, eind = row["product_periode_begindatum"], row["product_periode_einddatum"]
            assert begin <= eind and (begin.year, begin.month) == (eind.year, eind.month)
            assert eind <= row["declaratie_periode_einddatum"]
            if row["eenheid"] == "14":
                assert row["geleverd_volume"] <= (eind - begin).days + 1
            assert (row["debet_credit"] == "C") == (row["vorig_referentie_nummer"] is not None)
            credits += row["debet_credit"] == "C"
            references[row["aanbieder"], row["referentie_nummer"]] += 1
            saldo += row["ingediend_bedrag"] if row["debet_credit"] == "D" else -row["ingediend_bedrag"]
        assert saldo == h["totaal_ingediend_bedrag"]
        first = h["declaratie_periode_begindatum"]
        assert first.day == 1
        assert h["declaratie_periode_einddatum"].day == calendar.monthrange(first.year, first.month)[1]
    assert max(references.values()) == 1
    assert max(identificaties.values()) == 1
    assert 0 < credits < 0.05 * sum(references.values())


def test_corpus_is_valid_against_the_official_xsd(corpus, official_xsd_dir):
    for path in sorted(corpus.glob("JW323_*.xml")):
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

"""Tests for the ``jeugdhulp`` command line: ``ijw parse`` output and errors, key handling, ``synth``."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from conftest import TEST_KEY
from jeugdhulp import cli, ijw
from jeugdhulp.privacy import Pseudonymiser

NS323 = "{http://www.istandaarden.nl/ijw/3_2/jw323/schema}"
NS301 = "{http://www.istandaarden.nl/ijw/3_2/jw301/schema}"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """A key in the env, an empty local dir, no debug mode, no XSD dir from the environment."""
    local = tmp_path / "local"
    local.mkdir()
    monkeypatch.setenv("JEUGDHULP_LOCAL", str(local))
    monkeypatch.setenv("JEUGDHULP_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.delenv("JEUGDHULP_DEBUG", raising=False)
    monkeypatch.delenv("IJW_XSD_DIR", raising=False)
    return local


@pytest.fixture(scope="module")
def good_jw323(small_corpus) -> Path:
    files = sorted(small_corpus.glob("JW323_*.xml"))
    assert files
    return max(files, key=lambda f: (f.read_bytes().count(b"<Prestatie>"), f.name))


@pytest.fixture(scope="module")
def good_jw301(small_corpus) -> Path:
    files = sorted(small_corpus.glob("JW301_*.xml"))
    assert files
    return files[0]


@pytest.fixture
def bad_file(tmp_path, good_jw323) -> Path:
    data = good_jw323.read_bytes()
    path = tmp_path / "JW323_kapot.xml"
    path.write_bytes(data[: len(data) // 2])
    return path


def _bsns_per_prestatie(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    return [
        client.findtext(f"{NS323}Bsn")
        for client in root.iter(f"{NS323}Client")
        for _ in client.iter(f"{NS323}Prestatie")
    ]


def _expected_reason(path: Path) -> str:
    with pytest.raises(ijw.IjwParseError) as info:
        ijw.parse(path, Pseudonymiser(TEST_KEY))
    return info.value.reason


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


# --------------------------------------------------------------------------- ijw parse


def test_parse_good_jw323_prints_one_json_line_per_prestatie(good_jw323, capsys):
    rc = cli.main(["ijw", "parse", str(good_jw323)])
    out, err = capsys.readouterr()
    assert rc == 0
    assert err == ""
    bsns = _bsns_per_prestatie(good_jw323)
    rows = _json_lines(out)
    assert len(bsns) >= 2
    assert len(rows) == len(bsns)
    pseudo = Pseudonymiser(TEST_KEY)
    for row, bsn in zip(rows, bsns):
        assert {"header", "client", "prestatie"} <= row.keys()
        assert "toegewezen_product" not in row
        assert row["header"]["bericht_type"] == "JW323"
        assert dt.date.fromisoformat(row["header"]["dagtekening"])
        assert type(row["prestatie"]["ingediend_bedrag"]) is int
        assert row["prestatie"]["debet_credit"] in ("D", "C")
        assert row["client"]["client_pseudoniem"] == pseudo(bsn)
        assert row["file"] == str(good_jw323)
    for bsn in set(bsns):
        assert bsn not in out


def test_parse_good_jw301_uses_toegewezen_product_key(good_jw301, capsys):
    rc = cli.main(["ijw", "parse", str(good_jw301)])
    out, err = capsys.readouterr()
    assert rc == 0 and err == ""
    root = etree.parse(str(good_jw301)).getroot()
    rows = _json_lines(out)
    assert len(rows) == len(list(root.iter(f"{NS301}ToegewezenProduct"))) >= 1
    for row in rows:
        assert {"header", "client", "toegewezen_product"} <= row.keys()
        assert row["header"]["gemeente"] == root.findtext(f"{NS301}Header/{NS301}Afzender")
        assert type(row["toegewezen_product"]["toewijzing_nummer"]) is int


def test_parse_bad_file_one_line_error_exit_1(bad_file, capsys):
    rc = cli.main(["ijw", "parse", str(bad_file)])
    out, err = capsys.readouterr()
    assert rc == 1
    assert out == ""
    assert err == f"jeugdhulp: {bad_file}: {_expected_reason(bad_file)}\n"
    assert "not well-formed" in err
    assert "Traceback" not in err


def test_parse_missing_file_and_directory(tmp_path, capsys):
    missing = tmp_path / "bestaat_niet.xml"
    rc = cli.main(["ijw", "parse", str(missing), str(tmp_path)])
    out, err = capsys.readouterr()
    assert rc == 1
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"jeugdhulp: {missing}: ") and "cannot read file" in lines[0]
    assert lines[1].startswith(f"jeugdhulp: {tmp_path}: ")
    assert "Traceback" not in err


def test_parse_mix_of_good_and_bad_files(good_jw323, good_jw301, bad_file, capsys):
    rc = cli.main(["ijw", "parse", str(good_jw323), str(bad_file), str(good_jw301)])
    out, err = capsys.readouterr()
    assert rc == 1
    rows = _json_lines(out)
    files = [row["file"] for row in rows]
    assert files.count(str(good_jw323)) == len(_bsns_per_prestatie(good_jw323))
    assert str(good_jw301) in files  # the good file after the bad one is still parsed
    assert str(bad_file) not in files
    assert err.splitlines() == [f"jeugdhulp: {bad_file}: {_expected_reason(bad_file)}"]
    assert "Traceback" not in err


def test_parse_unexpected_error_is_one_line(good_jw323, capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kapot")

    monkeypatch.setattr(ijw, "parse", boom)
    rc = cli.main(["ijw", "parse", str(good_jw323)])
    _, err = capsys.readouterr()
    assert rc == 1
    assert err == "jeugdhulp: kapot\n"  # a sentence, not the exception class


def test_parse_with_xsd_dir_option(tmp_path, good_jw323, official_xsd_dir, capsys):
    bad = tmp_path / "bsn10.xml"
    bad.write_bytes(good_jw323.read_bytes().replace(b"</Bsn>", b"0</Bsn>", 1))
    rc = cli.main(["ijw", "parse", "--xsd-dir", str(official_xsd_dir), str(good_jw323), str(bad)])
    out, err = capsys.readouterr()
    assert rc == 1
    assert len(out.splitlines()) == len(_bsns_per_prestatie(good_jw323))
    assert len(err.splitlines()) == 1 and str(bad) in err and "JW323.xsd" in err


# --------------------------------------------------------------------------- key handling


def test_no_key_configured(good_jw323, capsys, monkeypatch, clean_env):
    monkeypatch.delenv("JEUGDHULP_PSEUDONYM_KEY")
    assert not any(clean_env.iterdir())
    rc = cli.main(["ijw", "parse", str(good_jw323)])
    out, err = capsys.readouterr()
    assert rc != 0
    assert out == ""
    assert "JEUGDHULP_PSEUDONYM_KEY" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_key_from_local_secrets_file(good_jw323, capsys, monkeypatch, clean_env):
    monkeypatch.delenv("JEUGDHULP_PSEUDONYM_KEY")
    file_key = "file-key-" + "1" * 32
    (clean_env / "secrets").mkdir()
    (clean_env / "secrets" / "pseudonym.key").write_text(file_key + "\n")
    rc = cli.main(["ijw", "parse", str(good_jw323)])
    out, _ = capsys.readouterr()
    assert rc == 0
    first = _json_lines(out)[0]
    assert first["client"]["client_pseudoniem"] == Pseudonymiser(file_key)(_bsns_per_prestatie(good_jw323)[0])


def test_env_key_wins_over_local_file(good_jw323, capsys, clean_env):
    (clean_env / "secrets").mkdir()
    (clean_env / "secrets" / "pseudonym.key").write_text("file-key-" + "1" * 32 + "\n")
    assert cli.main(["ijw", "parse", str(good_jw323)]) == 0
    first = _json_lines(capsys.readouterr().out)[0]
    assert first["client"]["client_pseudoniem"] == Pseudonymiser(TEST_KEY)(_bsns_per_prestatie(good_jw323)[0])


def test_short_key_refused(good_jw323, capsys, monkeypatch):
    monkeypatch.setenv("JEUGDHULP_PSEUDONYM_KEY", "te-kort")
    rc = cli.main(["ijw", "parse", str(good_jw323)])
    out, err = capsys.readouterr()
    assert rc != 0 and out == ""
    assert "at least" in err and len(err.splitlines()) == 1


# --------------------------------------------------------------------------- synth


def test_synth_writes_files(tmp_path, capsys):
    out_dir = tmp_path / "synth"
    rc = cli.main(["synth", "--out", str(out_dir), "--clients", "20", "--seed", "3"])
    out, _ = capsys.readouterr()
    assert rc == 0
    jw301 = sorted(out_dir.glob("JW301_*.xml"))
    jw323 = sorted(out_dir.glob("JW323_*.xml"))
    assert jw301 and jw323
    assert f"{len(jw301)} JW301," in out and f"{len(jw323)} JW323," in out
    assert "20 youths" in out
    # what it wrote parses
    assert ijw.parse(jw323[0], Pseudonymiser(TEST_KEY)).records


# --------------------------------------------------------------------------- installed script


def test_installed_script_bad_file_no_traceback(bad_file):
    exe = Path(sys.executable).with_name("jeugdhulp")
    if not exe.exists():
        pytest.skip(f"{exe} not installed")
    env = {**os.environ, "JEUGDHULP_PSEUDONYM_KEY": TEST_KEY}
    env.pop("JEUGDHULP_DEBUG", None)
    res = subprocess.run([str(exe), "ijw", "parse", str(bad_file)], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 1
    assert res.stdout == ""
    assert "Traceback" not in res.stderr
    assert res.stderr.splitlines() == [f"jeugdhulp: {bad_file}: {_expected_reason(bad_file)}"]

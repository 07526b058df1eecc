"""Mart exports for Excel: CSV (; and decimal comma, BOM) and XLSX (typed cells + kolommen sheet)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from mart_seed import seed_declaraties
from openpyxl import load_workbook

from jeugdhulp import cli, export

pytestmark = pytest.mark.integration


@pytest.fixture
def seeded(conn):
    seed_declaraties(conn)
    return conn


def test_csv_is_dutch_excel(seeded, tmp_path):
    path, n = export.export(seeded, "declaratie_gemeente_maand", "csv", tmp_path / "m.csv")
    assert n == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("gemeente;gemeente_naam;maand;product_categorie;ingediend_bedrag (euro);"
                        "aantal_debet_regels;aantal_credit_regels;aantal_clienten")
    assert lines[1] == "0150;Deventer;2025-02-01;54;974,50;1;1;1"
    assert lines[2] == "0193;Zwolle;2025-01-01;45;1234,56;1;0;1"
    assert lines[3] == ""


def test_csv_negative_amounts_and_numeric_decimal_comma():
    col = export.Column("ingediend_bedrag", "bigint", None)
    assert export._csv_value(-2550, col) == "-25,50"
    assert export._csv_value(5, col) == "0,05"
    import decimal

    assert export._csv_value(decimal.Decimal("97.25"), export.Column("dq_score", "numeric", None)) == "97,25"
    assert not export.Column("aantal_regels", "integer", "Aantal").cents
    assert export.Column("saldo", "bigint", "Saldo in eurocent").cents


def test_csv_streams_through_a_server_side_cursor(seeded, monkeypatch):
    seen = []
    original = seeded.cursor

    def spy(*args, **kwargs):
        seen.append(kwargs.get("name"))
        return original(*args, **kwargs)

    monkeypatch.setattr(seeded, "cursor", spy)
    buf = io.StringIO()
    assert export.write_csv(seeded, "mart.declaratie_gemeente_maand", buf) == 2
    assert "jeugdhulp_export" in seen


def test_xlsx_typed_cells_and_kolommen_sheet(seeded, tmp_path):
    path, n = export.export(seeded, "declaratie_gemeente_maand", "xlsx", tmp_path / "m.xlsx")
    assert n == 2
    wb = load_workbook(path)
    assert wb.sheetnames == ["declaratie_gemeente_maand", "kolommen"]
    ws = wb["declaratie_gemeente_maand"]
    header = [c.value for c in ws[1]]
    assert header[4] == "ingediend_bedrag (euro)"
    row = [c for c in ws[3]]
    assert row[0].value == "0193" and row[0].data_type == "s"
    assert isinstance(row[2].value, dt.datetime) and row[2].value.date() == dt.date(2025, 1, 1)
    assert row[2].is_date and row[2].number_format == export.DATE_FORMAT
    assert row[4].value == pytest.approx(1234.56) and row[4].data_type == "n"
    assert "€" in row[4].number_format and "0.00" in row[4].number_format
    assert row[5].value == 1 and isinstance(row[5].value, int)
    kolommen = [[c.value for c in r] for r in wb["kolommen"].iter_rows()]
    assert kolommen[0] == ["kolom", "type", "omschrijving"]
    described = {r[0]: r for r in kolommen[1:]}
    assert described["ingediend_bedrag (euro)"][1] == "euro"
    assert described["ingediend_bedrag (euro)"][2].startswith("Saldo ingediend bedrag in eurocent")
    assert described["maand"][1] == "datum"
    assert described["gemeente"][2].startswith("CBS-gemeentecode")
    assert len(kolommen) == 1 + len(header)


def test_cli_export_and_unknown_mart(seeded, db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JEUGDHULP_WAREHOUSE_URL", db_url)
    out = tmp_path / "x.xlsx"
    assert cli.main(["export", "declaratie_gemeente_maand", "--format", "xlsx", "--out", str(out)]) == 0
    assert load_workbook(out).sheetnames[1] == "kolommen"
    assert cli.main(["export", "core.declaratie_regel", "--format", "csv"]) == 1
    err = capsys.readouterr().err
    assert "no mart 'core.declaratie_regel'" in err and "declaratie_gemeente_maand" in err
    assert cli.main(["export", "x; DROP TABLE core.gemeente", "--format", "csv"]) == 1

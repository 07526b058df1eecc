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
    col = export.Column("ingediend_bedrag", "bigint", "Som in eurocent.")
    assert export._csv_value(-2550, col) == "-25,50"
    assert export._csv_value(5, col) == "0,05"
    import decimal

    assert export._csv_value(decimal.Decimal("97.25"), export.Column("dq_score", "numeric", None)) == "97,25"
    assert not export.Column("aantal_regels", "integer", "Aantal").cents
    assert export.Column("saldo", "bigint", "Saldo in eurocent").cents


def test_the_unit_comes_from_the_catalogue_not_the_name():
    # the bug of issue #11: a count named after a tariff was written as euro (1 became € 0,01)
    count = export.Column("aantal_tariefafwijkingen", "integer",
                          "Aantal debetregels waarvan ProductTarief afwijkt van het contracttarief.")
    assert not count.cents and count.kind == "getal" and export._csv_value(1, count) == "1"
    # a money column whose name says nothing about money is still money when the catalogue says so
    assert export.Column("saldo", "bigint", "Saldo in eurocent.").cents
    assert not export.Column("ingediend_bedrag", "bigint", None).cents   # no catalogue entry: not guessed
    volume = export.Column("ingediend_volume", "bigint", "Som van GeleverdVolume, in de eenheid van kolom eenheid.")
    assert volume.eenheid_kolom == "eenheid" and not volume.cents
    assert export._csv_value(12345, volume, export._in_euro(volume, {"eenheid": "83"})) == "123,45"
    assert export._csv_value(12345, volume, export._in_euro(volume, {"eenheid": "04"})) == "12345"
    assert export._csv_value(12345, volume, export._in_euro(volume, {"eenheid": None})) == "12345"


def test_every_mart_money_column_is_in_the_catalogue(conn):
    """A column named like money must be documented as eurocent (or as a volume), else the export
    would show it as a plain number; and every documented volume names an existing unit column."""
    cols = conn.execute("""
        SELECT c.relname, a.attname, format_type(a.atttypid, NULL), col_description(c.oid, a.attnum)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'mart'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'v', 'm')""").fetchall()
    by_rel: dict[str, set] = {}
    for rel, name, *_ in cols:
        by_rel.setdefault(rel, set()).add(name)
    undocumented = [f"{rel}.{name}" for rel, name, typ, comment in cols
                    if name.endswith(("_bedrag", "tarief", "plafond", "begroting"))
                    and not export.Column(name, typ, comment).cents]
    assert undocumented == []
    volumes = [(rel, export.Column(name, typ, comment).eenheid_kolom) for rel, name, typ, comment in cols
               if export.Column(name, typ, comment).eenheid_kolom]
    assert ("contract_realisatie", "eenheid") in volumes
    assert all(unit in by_rel[rel] for rel, unit in volumes)


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


def test_contract_realisatie_xlsx_number_formats_per_column(conn, tmp_path):
    """Bug 7 of issue #11, checked in the file as Excel opens it: counts are whole numbers, amounts euros,
    a volume in Eenheid 83 is euros and a volume in hours a plain number."""
    import mart_corpus as mc

    from jeugdhulp import marts

    mc.seed(conn)
    # a line in Eenheid 83 (euro's): GeleverdVolume is the amount in cents, there is no ProductTarief
    mc._declaratie(conn, mc.P2, "P2-09", "0150", dt.date(2025, 4, 1), dt.date(2025, 5, 2), [
        ("R209", None, mc.C, 201, "54", "54005", dt.date(2025, 4, 1), dt.date(2025, 4, 30), 12345, "83", None, 12345,
         "D")])
    marts.refresh(conn)
    path, n = export.export(conn, "contract_realisatie", "xlsx", tmp_path / "c.xlsx")
    ws = load_workbook(path)["contract_realisatie"]
    header = [c.value for c in ws[1]]
    rows = {(r[header.index("aanbieder")].value, r[header.index("maand")].value.month, r[header.index("eenheid")].value): r
            for r in ws.iter_rows(min_row=2)}
    assert n == len(rows) == 6

    def cell(key, column):
        return rows[key][header.index(column)]

    # P1 February: one tariff deviation (R103) -> 1, a count, not € 0,01
    afwijkingen = cell((mc.P1, 2, "04"), "aantal_tariefafwijkingen")
    assert afwijkingen.value == 1 and afwijkingen.number_format == export.INTEGER_FORMAT
    assert "aantal_tariefafwijkingen (euro)" not in header
    bedrag = cell((mc.P1, 2, "04"), "ingediend_bedrag (euro)")
    assert bedrag.value == pytest.approx(1880.00) and bedrag.number_format == export.EURO_FORMAT   # R102 + R103
    tarief = cell((mc.P1, 2, "04"), "contract_tarief (euro)")
    assert tarief.value == pytest.approx(100.00) and tarief.number_format == export.EURO_FORMAT
    # volumes: 18 uur as a number; the Eenheid 83 line's 12345 as € 123,45
    uren = cell((mc.P1, 2, "04"), "ingediend_volume")
    assert uren.value == 18 and uren.number_format == export.VOLUME_FORMAT
    euro_volume = cell((mc.P2, 4, "83"), "ingediend_volume")
    assert euro_volume.value == pytest.approx(123.45) and euro_volume.number_format == export.EURO_FORMAT
    assert cell((mc.P2, 4, "83"), "ingediend_bedrag (euro)").value == pytest.approx(123.45)
    assert cell((mc.P2, 4, "83"), "aantal_debet_regels").number_format == export.INTEGER_FORMAT
    kolommen = {r[0].value: r[1].value for r in load_workbook(path)["kolommen"].iter_rows(min_row=2)}
    assert kolommen["aantal_tariefafwijkingen"] == "getal"
    assert kolommen["ingediend_volume"].startswith("volume (eenheid: kolom eenheid")
    assert kolommen["ingediend_bedrag (euro)"] == "euro"
    # the CSV says the same
    csv_path, _ = export.export(conn, "contract_realisatie", "csv", tmp_path / "c.csv")
    lines = csv_path.read_bytes().decode("utf-8-sig").split("\r\n")
    names = lines[0].split(";")
    euro_row = next(line.split(";") for line in lines[1:] if ";83;" in line)
    assert euro_row[names.index("ingediend_volume")] == "123,45"
    feb = next(line.split(";") for line in lines[1:] if line.startswith(f"{mc.P1};") and ";2025-02-01;" in line)
    assert feb[names.index("aantal_tariefafwijkingen")] == "1" and feb[names.index("ingediend_volume")] == "18"


def test_export_handles_the_contract_management_mart(conn, db_url, tmp_path, monkeypatch):
    import mart_corpus as mc

    from jeugdhulp import marts

    mc.seed(conn)
    mc.seed_extra(conn)
    marts.refresh(conn)
    monkeypatch.setenv("JEUGDHULP_WAREHOUSE_URL", db_url)
    out = tmp_path / "cagm.xlsx"
    assert cli.main(["export", "contract_aanbieder_gemeente_maand", "--format", "xlsx", "--out", str(out)]) == 0
    ws = load_workbook(out).worksheets[0]   # the name is cut to Excel's 31 characters
    header = [c.value for c in ws[1]]
    assert {"toegekend_netto_bedrag (euro)", "kosten_per_jeugdige_bedrag (euro)", "aantal_jeugdigen",
            "toegekend_netto_volume", "aandeel_regio_pct"} <= set(header)
    minuten = next(r for r in ws.iter_rows(min_row=2)
                   if r[header.index("eenheid")].value == "01" and r[header.index("maand")].value.month == 1)
    assert minuten[header.index("toegekend_netto_volume")].value == 2600   # minutes, not euros
    assert minuten[header.index("toegekend_netto_bedrag (euro)")].value == pytest.approx(4333.33)
    assert minuten[header.index("aantal_jeugdigen")].number_format == export.INTEGER_FORMAT

"""Contract workbook: template layout, validation with precise messages, demo consistency."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook

from jeugdhulp import config, contract, synth
from jeugdhulp.reference import GEMEENTEN


def _good_rows() -> dict[str, list[list]]:
    return {
        "aanbieders": [["99900001", "Jeugdzorg Testhaven", dt.date(2025, 1, 1), None],
                       ["99900002", "Stichting Proefveld", dt.date(2024, 1, 1), dt.date(2026, 12, 31)]],
        "tarieven": [[2025, "45", "45A03", "04", 10450, "inspanningsgericht"], [2025, "50", "50A01", "83", None, None],
                     [2025, "55", "55A01", "84", None, "taakgericht"]],
        "plafonds": [[2025, "99900001", 150_000_000]],
        "begroting": [[2025, "0193", "45", 2_500_000_00]],
        "indexatie": [[2026, 32]],
        "taakgericht": [[2025, 1, "0193", "99900002", "55", 1_000_000]],
    }


def _workbook(path, rows=None, *, headers=None):
    rows = _good_rows() if rows is None else rows
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, columns in contract.SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append(list((headers or {}).get(sheet, columns)))
        for row in rows.get(sheet, []):
            ws.append(row)
    wb.save(path)
    return path


def _problems(path) -> list[str]:
    with pytest.raises(contract.ContractWorkbookError) as exc:
        contract.read_workbook(path)
    return [str(p) for p in exc.value.problems]


def test_good_workbook_reads_as_typed_rows(tmp_path):
    data = contract.read_workbook(_workbook(tmp_path / "c.xlsx"))
    assert data.aanbieders[0] == ("99900001", "Jeugdzorg Testhaven", dt.date(2025, 1, 1), None)
    # an empty uitvoeringsvariant is inspanningsgericht; a taakgericht product needs no tariff
    assert data.tarieven == [(2025, "45", "45A03", "04", 10450, "inspanningsgericht"),
                             (2025, "50", "50A01", "83", None, "inspanningsgericht"),
                             (2025, "55", "55A01", "84", None, "taakgericht")]
    assert data.plafonds == [(2025, "99900001", 150_000_000)]
    assert data.begroting == [(2025, "0193", "45", 250_000_000)]
    assert data.indexatie == [(2026, 32)]
    assert data.taakgericht == [(2025, 1, "0193", "99900002", "55", 1_000_000)]


def test_workbook_without_the_newer_sheets_still_loads(tmp_path):
    path = _workbook(tmp_path / "c.xlsx")
    wb = load_workbook(path)
    del wb["indexatie"], wb["taakgericht"]
    wb.save(path)
    data = contract.read_workbook(path)
    assert (data.indexatie, data.taakgericht) == ([], [])


def test_lump_sum_must_name_a_contracted_provider(tmp_path):
    rows = _good_rows()
    rows["taakgericht"].append([2025, 2, "0193", "99900009", "55", 5])
    assert _problems(_workbook(tmp_path / "c.xlsx", rows)) == [
        "sheet 'taakgericht' row 3, column aanbieder: AGB-code 99900009 is not on sheet 'aanbieders'; add the "
        "provider there"]


def test_codes_typed_as_numbers_by_excel_are_restored(tmp_path):
    rows = _good_rows()
    rows["begroting"] = [[2025, 193, 45, 100]]
    rows["tarieven"][0][3] = 4
    data = contract.read_workbook(_workbook(tmp_path / "c.xlsx", rows))
    assert data.begroting == [(2025, "0193", "45", 100)]
    assert data.tarieven[0][3] == "04"


@pytest.mark.parametrize(
    ("sheet", "index", "value", "expected"),
    [
        ("aanbieders", 0, "1234567", "sheet 'aanbieders' row 2: AGB-code '1234567' must be exactly 8 digits"),
        ("aanbieders", 0, 1234567, "must be exactly 8 digits (a number lost its leading zeros: format the column as Text)"),
        ("aanbieders", 2, "morgen", "sheet 'aanbieders' row 2: gecontracteerd_vanaf 'morgen' is not a date"),
        ("aanbieders", 3, dt.date(2020, 1, 1), "gecontracteerd_tot 2020-01-01 is before gecontracteerd_vanaf 2025-01-01"),
        ("tarieven", 0, 1999, "sheet 'tarieven' row 2: jaar 1999 is outside 2015.."),
        ("tarieven", 1, "99", "sheet 'tarieven' row 2: product_categorie (JZ020) '99' is not one of"),
        ("tarieven", 3, "07", "sheet 'tarieven' row 2: eenheid (WJ756) '07' is not one of"),
        ("tarieven", 4, -5, "sheet 'tarieven' row 2: tarief -5 is negative"),
        ("tarieven", 4, 104.5, "sheet 'tarieven' row 2: tarief 104.5 is not a whole number of euro cents"),
        ("tarieven", 4, "€ 104,50", "tarief '€ 104,50' is not a number; enter whole euro cents"),
        ("tarieven", 4, None, "sheet 'tarieven' row 2: tarief is empty"),
        ("tarieven", 5, "taak", "sheet 'tarieven' row 2: uitvoeringsvariant 'taak' is not one of inspanningsgericht, "
                                "outputgericht, taakgericht"),
        ("indexatie", 1, 3.2, "sheet 'indexatie' row 2: indexatie_promille 3.2 is not a whole number of promille"),
        ("indexatie", 1, 1000, "sheet 'indexatie' row 2: indexatie_promille 1000 is outside -500..500"),
        ("indexatie", 0, "volgend jaar", "sheet 'indexatie' row 2: jaar 'volgend jaar' is not a year"),
        ("taakgericht", 1, 13, "sheet 'taakgericht' row 2: maand 13 is not a month number 1-12"),
        ("taakgericht", 1, None, "sheet 'taakgericht' row 2: maand None is not a month number 1-12"),
        ("taakgericht", 5, -1, "sheet 'taakgericht' row 2: bedrag -1 is negative"),
        ("taakgericht", 2, "0000", "sheet 'taakgericht' row 2: gemeente '0000' is not one of"),
        ("plafonds", 2, -1, "sheet 'plafonds' row 2: budgetplafond -1 is negative"),
        ("plafonds", 1, "99900099", "sheet 'plafonds' row 2, column aanbieder: AGB-code 99900099 is not on sheet 'aanbieders'"),
        ("begroting", 1, "0999", "sheet 'begroting' row 2: gemeente '0999' is not one of 0148, 0150"),
        ("begroting", 3, 12.5, "sheet 'begroting' row 2: begroting 12.5 is not a whole number"),
    ],
)
def test_bad_cell_is_reported_with_sheet_row_and_reason(tmp_path, sheet, index, value, expected):
    rows = _good_rows()
    rows[sheet][0][index] = value
    problems = _problems(_workbook(tmp_path / "c.xlsx", rows))
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_every_bad_row_is_listed_and_message_says_nothing_was_loaded(tmp_path):
    rows = _good_rows()
    rows["tarieven"].append([2025, "45", "45A05", "04", -1])       # row 5
    rows["tarieven"].append([])                                     # row 6: empty, skipped
    rows["tarieven"].append([2025, "45", "45A03", "04", 999])      # row 7: duplicate of row 2
    rows["begroting"].append([2025, "0000", "45", 1])              # row 3
    path = _workbook(tmp_path / "contract_2025.xlsx", rows)
    with pytest.raises(contract.ContractWorkbookError) as exc:
        contract.read_workbook(path)
    assert [str(p) for p in exc.value.problems] == [
        "sheet 'tarieven' row 5: tarief -1 is negative; amounts are 0 or more",
        "sheet 'tarieven' row 7: duplicate jaar/product_categorie/product_code 2025/45/45A03: already on row 2",
        "sheet 'begroting' row 3: gemeente '0000' is not one of " + ", ".join(sorted(GEMEENTEN)),
    ]
    message = str(exc.value)
    assert message.startswith("contract_2025.xlsx: 3 problems; the workbook was NOT loaded")
    assert "sheet 'tarieven' row 7" in message


def test_tarief_for_eenheid_euro_must_be_empty(tmp_path):
    rows = _good_rows()
    rows["tarieven"][1][4] = 100
    assert _problems(_workbook(tmp_path / "c.xlsx", rows)) == [
        "sheet 'tarieven' row 3: tarief must be empty for eenheid 83 (euro's): the delivered volume is the amount"
    ]


def test_missing_sheet_wrong_header_and_extra_values(tmp_path):
    rows = _good_rows()
    rows["plafonds"][0].append("opmerking")
    path = _workbook(tmp_path / "c.xlsx", rows, headers={"begroting": ("jaar", "gemeente", "categorie", "begroting")})
    problems = _problems(path)
    assert problems[0].startswith("sheet 'plafonds' row 2: values right of column budgetplafond")
    assert problems[1] == ("sheet 'begroting' row 1: header row is ['jaar', 'gemeente', 'categorie', 'begroting']; "
                           "expected exactly ['jaar', 'gemeente', 'product_categorie', 'begroting']")
    wb = load_workbook(path)
    del wb["tarieven"]
    wb.save(path)
    assert "sheet 'tarieven': sheet is missing" in _problems(path)[0]


def test_not_an_xlsx_file(tmp_path):
    path = tmp_path / "c.xlsx"
    path.write_text("geen excel")
    assert "cannot be opened as .xlsx" in _problems(path)[0]


def test_template_round_trip(tmp_path):
    path = contract.write_template(tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [*contract.SHEETS, "toelichting"]
    for sheet, columns in contract.SHEETS.items():
        ws = wb[sheet]
        assert [c.value for c in ws[1]] == list(columns)
        assert all(c.data_type == "s" and c.font.bold for c in ws[1])
        assert ws.data_validations.dataValidation, f"{sheet} has no data validation"
    gemeente_dv = [dv for dv in wb["begroting"].data_validations.dataValidation if dv.type == "list"]
    assert "0193" in gemeente_dv[0].formula1
    toelichting = " ".join(str(c.value) for row in wb["toelichting"].iter_rows() for c in row if c.value)
    assert "eurocent" in toelichting and "geweigerd" in toelichting
    # an empty template is rejected only for having no rows; filled in, it loads
    assert _problems(path) == ["sheet 'aanbieders': sheet has no rows; it must list at least one",
                               "sheet 'tarieven': sheet has no rows; it must list at least one"]
    data = contract.read_workbook(_workbook(tmp_path / "good.xlsx"))
    filled = contract.write_workbook(tmp_path / "f.xlsx", data)
    assert contract.read_workbook(filled) == data


def test_committed_template_is_current(tmp_path):
    committed = load_workbook(config.INCLUDE_DIR / "contract" / "contract_template.xlsx")
    fresh = load_workbook(contract.write_template(tmp_path / "t.xlsx"))
    assert committed.sheetnames == fresh.sheetnames
    for name in fresh.sheetnames:
        assert [[c.value for c in r] for r in committed[name].iter_rows()] == \
               [[c.value for c in r] for r in fresh[name].iter_rows()], name


def test_demo_workbook_matches_the_synthetic_region(tmp_path):
    data = contract.read_workbook(contract.generate_demo_workbook(tmp_path / "demo.xlsx", 2025))
    assert [a[0] for a in data.aanbieders] == [a.agb for a in synth.aanbieders(12)]
    # two tariff years (the declarations' tariffs, indexed on 1 January) and an indexation for the next
    for jaar in (2024, 2025):
        assert {(t[1], t[2]): (t[4], t[5]) for t in data.tarieven if t[0] == jaar} == {
            (p.categorie, p.code): (None if p.variant == "taakgericht" else synth.tarief(p, jaar), p.variant)
            for p in synth.CATALOGUS}
    assert data.indexatie == [(2026, synth.INDEXATIE_PROMILLE)]
    assert {t[5] for t in data.tarieven} == set(synth.UITVOERINGSVARIANTEN)
    assert data.taakgericht and {t[1] for t in data.taakgericht} == set(range(1, 13))
    assert {b[1] for b in data.begroting} == set(GEMEENTEN)
    per_gemeente = {}
    for _, g, _, cents in data.begroting:
        per_gemeente[g] = per_gemeente.get(g, 0) + cents
    assert per_gemeente["0193"] > per_gemeente["0150"] > per_gemeente["0180"]  # Zwolle > Deventer > Staphorst
    assert all(t[0] == 2025 for t in data.plafonds + data.begroting + data.taakgericht)


def test_newest_workbook_ignores_lock_files(tmp_path):
    import os

    assert contract.newest_workbook(tmp_path / "missing") is None
    old = _workbook(tmp_path / "a.xlsx")
    new = _workbook(tmp_path / "b.xlsx")
    os.utime(old, (1, 1))
    (tmp_path / "~$b.xlsx").write_text("lock")
    (tmp_path / "notes.txt").write_text("x")
    assert contract.newest_workbook(tmp_path) == new

"""Contract master data in the warehouse: load, versions, idempotent reload, latest-version views."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from jeugdhulp import contract, synth

pytestmark = pytest.mark.integration

TABLES = ("core.contract_aanbieder", "core.contract_tarief", "core.contract_plafond", "core.begroting")


def counts(conn) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("core.contract_versie", *TABLES)}


def test_demo_workbook_loads_as_version_1(conn, tmp_path):
    path = contract.generate_demo_workbook(tmp_path / "contract_2025.xlsx", 2025)
    result = contract.load(conn, path)
    assert result.loaded and result.versie_id == 1
    assert result.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert counts(conn) == {"core.contract_versie": 1, "core.contract_aanbieder": 12,
                            "core.contract_tarief": 2 * len(synth.CATALOGUS), "core.contract_plafond": 12,
                            "core.begroting": 11 * len({p.categorie for p in synth.CATALOGUS})}
    versie = conn.execute("SELECT versie_id, file_sha256, bestandsnaam, geladen_op IS NOT NULL "
                          "FROM core.contract_versie").fetchone()
    assert versie == (1, result.file_sha256, "contract_2025.xlsx", True)
    assert conn.execute("SELECT tarief, eenheid FROM core.contract_tarief_actueel WHERE product_code = '45A03' "
                        "AND jaar = 2025").fetchone() == (10_450, "04")
    assert conn.execute("SELECT tarief FROM core.contract_tarief_actueel WHERE product_code = '50A01'"
                        ).fetchone() == (None,)


def test_same_file_twice_is_a_no_op(conn, tmp_path):
    path = contract.generate_demo_workbook(tmp_path / "c.xlsx", 2025)
    first = contract.load(conn, path)
    before = counts(conn)
    again = contract.load(conn, path)
    assert (again.loaded, again.versie_id) == (False, first.versie_id)
    assert counts(conn) == before
    # the same content under another name is the same workbook
    copy = tmp_path / "kopie.xlsx"
    copy.write_bytes(path.read_bytes())
    assert contract.load(conn, copy).loaded is False


def test_new_version_becomes_current_and_old_versions_are_kept(conn, tmp_path):
    v1 = contract.load(conn, contract.generate_demo_workbook(tmp_path / "v1.xlsx", 2025))
    data = contract.demo_data(2025)
    data.tarieven = [(*t[:4], None if t[4] is None else t[4] + 100, *t[5:]) for t in data.tarieven if t[0] == 2025]
    data.aanbieders = data.aanbieders[:10]
    data.plafonds = data.plafonds[:10]
    data.taakgericht = [t for t in data.taakgericht if t[3] in {a[0] for a in data.aanbieders}]
    v2 = contract.load(conn, contract.write_workbook(tmp_path / "v2.xlsx", data))
    assert v2.loaded and v2.versie_id == v1.versie_id + 1
    assert conn.execute("SELECT versie_id FROM core.contract_versie_actueel").fetchone() == (v2.versie_id,)
    assert conn.execute("SELECT tarief FROM core.contract_tarief_actueel WHERE product_code = '45A03'"
                        ).fetchone() == (10_550,)
    assert conn.execute("SELECT count(*) FROM core.contract_aanbieder_actueel").fetchone() == (10,)
    assert conn.execute("SELECT count(*) FROM core.contract_plafond_actueel").fetchone() == (10,)
    assert conn.execute("SELECT count(DISTINCT versie_id) FROM core.contract_tarief_actueel").fetchone() == (1,)
    # history stays
    assert conn.execute("SELECT tarief FROM core.contract_tarief WHERE versie_id = %s AND product_code = '45A03' "
                        "AND jaar = 2025", (v1.versie_id,)).fetchone() == (10_450,)
    # re-delivering the old file does not bring it back
    assert contract.load(conn, tmp_path / "v1.xlsx").loaded is False
    assert conn.execute("SELECT versie_id FROM core.contract_versie_actueel").fetchone() == (v2.versie_id,)


def test_bad_workbook_stores_nothing(conn, tmp_path):
    data = contract.demo_data(2025)
    data.begroting[5] = (2025, "0193", "45", -1)
    path = contract.write_workbook(tmp_path / "kapot.xlsx", data)
    with pytest.raises(contract.ContractWorkbookError, match=r"sheet 'begroting' row 7: begroting -1 is negative"):
        contract.load(conn, path)
    assert set(counts(conn).values()) == {0}


def test_begroting_views_join_gemeente(conn, tmp_path):
    contract.load(conn, contract.generate_demo_workbook(tmp_path / "c.xlsx", 2025))
    rows = conn.execute("SELECT g.gemeente_naam, sum(b.begroting) FROM core.begroting_actueel b "
                        "JOIN core.gemeente g USING (gemeente) GROUP BY 1 ORDER BY 2 DESC").fetchall()
    assert rows[0][0] == "Zwolle" and len(rows) == 11


def test_cli_load(conn, db_url, tmp_path, monkeypatch, capsys):
    import json

    from jeugdhulp import cli

    monkeypatch.setenv("JEUGDHULP_WAREHOUSE_URL", db_url)
    out = tmp_path / "demo.xlsx"
    assert cli.main(["contract", "demo", str(out), "--year", "2025"]) == 0
    assert cli.main(["contract", "template", str(tmp_path / "t.xlsx")]) == 0
    capsys.readouterr()
    assert cli.main(["contract", "load", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["loaded"] is True
    assert cli.main(["contract", "load", str(tmp_path / "t.xlsx")]) == 1
    assert "sheet 'aanbieders': sheet has no rows" in capsys.readouterr().err


def test_dag_task_logic_picks_newest_workbook(conn, db_url, tmp_path, monkeypatch):
    """What the DAG task does (without dag.test): newest workbook from JEUGDHULP_CONTRACT_DIR."""
    import os

    from jeugdhulp import config

    monkeypatch.setenv("JEUGDHULP_CONTRACT_DIR", str(tmp_path))
    old = contract.write_workbook(tmp_path / "oud.xlsx", contract.demo_data(2024))
    new = contract.generate_demo_workbook(tmp_path / "nieuw.xlsx", 2025)
    os.utime(old, (1, 1))
    assert config.contract_dir() == tmp_path
    assert contract.newest_workbook(config.contract_dir()) == new
    assert contract.load(conn, contract.newest_workbook(config.contract_dir())).loaded
    # the demo workbook of a year holds that year's tariffs and the year before (the old one: 2023-2024)
    assert conn.execute("SELECT min(jaar), max(jaar) FROM core.contract_tarief_actueel").fetchone() == (2024, 2025)


def _workbook_data(tarieven, indexatie=(), taakgericht=()) -> contract.ContractData:
    return contract.ContractData(
        aanbieders=[("99900001", "Zorg Een", dt.date(2024, 1, 1), None)], tarieven=list(tarieven),
        indexatie=list(indexatie), taakgericht=list(taakgericht))


def test_indexation_variants_and_lump_sums_load_and_give_a_tariff_for_every_later_year(conn, tmp_path):
    data = _workbook_data(
        tarieven=[(2024, "45", "45A03", "04", 10000, "inspanningsgericht"),
                  (2025, "45", "45A03", "04", 10500, "inspanningsgericht"),
                  (2024, "55", "55B01", "82", 250000, "outputgericht"),
                  (2025, "50", "50A01", "83", None, "inspanningsgericht"),
                  (2025, "41", "41T01", "84", None, "taakgericht")],
        indexatie=[(2025, 30), (2026, 20), (2028, -10)],
        taakgericht=[(2025, 1, "0193", "99900001", "41", 400_000), (2025, 2, "0193", "99900001", "41", 400_000)])
    result = contract.load(conn, contract.write_workbook(tmp_path / "c.xlsx", data))
    assert result.counts == {"aanbieders": 1, "tarieven": 5, "plafonds": 0, "begroting": 0, "indexatie": 3,
                             "taakgericht": 2}
    got = {(code, jaar): rest for code, jaar, *rest in conn.execute(
        "SELECT product_code, jaar, tarief, tarief_bron, tarief_jaar, uitvoeringsvariant, eenheid "
        "FROM core.contract_tarief_jaar WHERE jaar <= 2029")}
    # by hand: a year with its own tariff keeps it; a later year takes the previous year's tariff
    # x (1000 + promille) / 1000, rounded to whole cents, year after year (no row = 0 promille)
    assert got["45A03", 2024] == [10000, "contract", 2024, "inspanningsgericht", "04"]
    assert got["45A03", 2025] == [10500, "contract", 2025, "inspanningsgericht", "04"]   # not 10000 x 1.03
    assert got["45A03", 2026] == [10710, "geindexeerd", 2025, "inspanningsgericht", "04"]  # 10500 x 1.020
    assert got["45A03", 2027] == [10710, "geindexeerd", 2025, "inspanningsgericht", "04"]  # no indexatie row
    assert got["45A03", 2028] == [10603, "geindexeerd", 2025, "inspanningsgericht", "04"]  # 10710 x 0.990 = 10602.9
    assert got["55B01", 2025] == [257500, "geindexeerd", 2024, "outputgericht", "82"]     # 250000 x 1.030
    assert got["55B01", 2026] == [262650, "geindexeerd", 2024, "outputgericht", "82"]     # 257500 x 1.020
    assert got["50A01", 2026] == [None, "geindexeerd", 2025, "inspanningsgericht", "83"]  # euro: no tariff
    assert got["41T01", 2025] == [None, "contract", 2025, "taakgericht", "84"]
    assert ("45A03", 2023) not in got and ("55B01", 2029) in got
    # every product has exactly one row per year up to the end of the month dimension (2040)
    assert conn.execute("SELECT count(*), count(DISTINCT (product_code, jaar)), max(jaar) = (SELECT max(jaar) FROM "
                        "core.periode) FROM core.contract_tarief_jaar").fetchone() == (17 + 17 + 16 + 16, 66, True)
    assert conn.execute("SELECT periode_maand, gemeente, aanbieder, product_categorie, bedrag "
                        "FROM core.contract_taakgericht_actueel ORDER BY periode_maand").fetchall() == [
        (dt.date(2025, 1, 1), "0193", "99900001", "41", 400_000), (dt.date(2025, 2, 1), "0193", "99900001", "41", 400_000)]

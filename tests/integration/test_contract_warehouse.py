"""Contract master data in the warehouse: load, versions, idempotent reload, latest-version views."""

from __future__ import annotations

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
                            "core.contract_tarief": len(synth.CATALOGUS), "core.contract_plafond": 12,
                            "core.begroting": 11 * len({p.categorie for p in synth.CATALOGUS})}
    versie = conn.execute("SELECT versie_id, file_sha256, bestandsnaam, geladen_op IS NOT NULL "
                          "FROM core.contract_versie").fetchone()
    assert versie == (1, result.file_sha256, "contract_2025.xlsx", True)
    assert conn.execute("SELECT tarief, eenheid FROM core.contract_tarief_actueel WHERE product_code = '45A03'"
                        ).fetchone() == (10_450, "04")
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
    data.tarieven = [(j, c, p, e, None if t is None else t + 100) for j, c, p, e, t in data.tarieven]
    data.aanbieders = data.aanbieders[:10]
    data.plafonds = data.plafonds[:10]
    v2 = contract.load(conn, contract.write_workbook(tmp_path / "v2.xlsx", data))
    assert v2.loaded and v2.versie_id == v1.versie_id + 1
    assert conn.execute("SELECT versie_id FROM core.contract_versie_actueel").fetchone() == (v2.versie_id,)
    assert conn.execute("SELECT tarief FROM core.contract_tarief_actueel WHERE product_code = '45A03'"
                        ).fetchone() == (10_550,)
    assert conn.execute("SELECT count(*) FROM core.contract_aanbieder_actueel").fetchone() == (10,)
    assert conn.execute("SELECT count(*) FROM core.contract_plafond_actueel").fetchone() == (10,)
    assert conn.execute("SELECT count(DISTINCT versie_id) FROM core.contract_tarief_actueel").fetchone() == (1,)
    # history stays
    assert conn.execute("SELECT tarief FROM core.contract_tarief WHERE versie_id = %s AND product_code = '45A03'",
                        (v1.versie_id,)).fetchone() == (10_450,)
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
    assert conn.execute("SELECT DISTINCT jaar FROM core.contract_tarief_actueel").fetchall() == [(2025,)]

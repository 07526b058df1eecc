"""Loading CBS tables into schema cbs on a real PostgreSQL, from the local CBS-shaped server:
skip when Modified is unchanged, idempotent reruns, GX rejection, conformed dimensions, the
population denominators and the per-1,000 view."""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from jeugdhulp.cbs import load, spec
from jeugdhulp.cbs.client import CbsClient, CbsShapeError
from jeugdhulp.cbs.server import SnapshotServer

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cbs"
GM = ["GM0148", "GM0150", "GM0160", "GM0166", "GM1773", "GM0175", "GM0177", "GM0180", "GM1708", "GM1896", "GM0193"]
TABLES = ["85100NED", "84135NED", "85098NED", "83454NED", "03759ned"]
CBS_TABLES = ["regio", "periode", "tabel", "tabel_eigenschap", "code", "jeugdzorg_gebruik", "jeugdzorg_indicator",
              "jeugdzorg_kosten", "bevolking"]


@pytest.fixture
def snapshot(tmp_path):
    """A private copy of the recorded responses (tests edit it) and a server for it."""
    root = tmp_path / "cbs"
    shutil.copytree(FIXTURES, root)
    with SnapshotServer(root, page_size=250, lifetime=300) as srv:
        yield root, CbsClient(srv.base_url, backoff=0.0, sleep=lambda s: None)


def edit(root: Path, api: str, table: str, name: str, fn) -> None:
    path = root / api / table / f"{name}.json"
    body = json.loads(path.read_text())
    fn(body)
    path.write_text(json.dumps(body))


def recorded(api: str, table: str, name: str):
    return json.loads((FIXTURES / api / table / f"{name}.json").read_text())


def contents(conn) -> dict[str, list]:
    """Every row of every cbs table, for 'nothing changed' comparisons."""
    out = {}
    for t in CBS_TABLES + ["tabel_load"]:
        out[t] = conn.execute(f"SELECT to_jsonb(x)::text FROM cbs.{t} x ORDER BY 1").fetchall()
    return out


def test_first_load_then_rerun_skips_and_changes_nothing(conn, db_url, snapshot):
    _, client = snapshot
    first = load.load_all(db_url, client)
    assert [(r.table_id, r.status) for r in first] == [(t, "loaded") for t in TABLES]
    assert all(r.rows > 0 for r in first)
    before = contents(conn)
    assert load.announce(db_url) == sorted(TABLES)
    announced = contents(conn)

    n_requests = client.requests_made
    second = load.load_all(db_url, client)
    assert [(r.table_id, r.status) for r in second] == [(t, "skipped") for t in TABLES]
    assert client.requests_made - n_requests == len(TABLES)  # one Properties/TableInfos request each
    assert contents(conn) == announced
    assert load.announce(db_url) == []
    assert {k: v for k, v in contents(conn).items() if k != "tabel_load"} == {
        k: v for k, v in before.items() if k != "tabel_load"
    }
    statuses = conn.execute("SELECT status, count(*) FROM cbs.tabel_load GROUP BY 1").fetchall()
    assert statuses == [("loaded", 5)]
    assert conn.execute("SELECT count(*) FROM cbs.stg_bevolking").fetchone()[0] == 0


def test_population_denominators_for_all_11_gemeenten(conn, db_url, snapshot):
    _, client = snapshot
    load.load_all(db_url, client)
    # expected: sum of the recorded single-year ages (Leeftijd titles 'n jaar'), totals only
    ages = {c["Key"]: int(m.group(1)) for c in recorded("v3", "03759ned", "Leeftijd")["value"]
            if (m := re.fullmatch(r"(\d+) jaar", c["Title"]))}  # not the classes ('0 tot 5 jaar')
    expected = defaultdict(lambda: [0, 0])
    for r in recorded("v3", "03759ned", "TypedDataSet")["value"]:
        if r["Geslacht"] != "T001038" or r["BurgerlijkeStaat"] != "T001019" or r["Leeftijd"] not in ages:
            continue
        a = ages[r["Leeftijd"]]
        if a <= 22:
            expected[(r["RegioS"].strip(), int(r["Perioden"][:4]))][0 if a < 18 else 1] += r["BevolkingOp1Januari_1"]
    rows = conn.execute(
        "SELECT regio, gemeente, jaar, aantal_0_17, aantal_18_22, aantal_0_22, volledig, afgeleid, regio_soort "
        "FROM cbs.bevolking_jeugd ORDER BY regio, jaar"
    ).fetchall()
    got = {(r[0], r[2]): r for r in rows}
    for year in (2020, 2024):
        for gm in GM:
            r = got[(gm, year)]
            assert r[1] == gm[2:] and r[8] == "gemeente"
            assert [r[3], r[4]] == expected[(gm, year)] and r[5] == r[3] + r[4]
            assert r[6] is True and r[7] is False
        # Overijssel and Nederland from CBS; the jeugdregio derived from the 11 gemeenten
        assert [got[("NL01", year)][3], got[("NL01", year)][4]] == expected[("NL01", year)]
        assert got[("PV23", year)][8] == "provincie"
        jz = got[("JZ06", year)]
        assert jz[7] is True and jz[6] is True and jz[8] == "jeugdregio"
        assert jz[3] == sum(expected[(gm, year)][0] for gm in GM)
    assert not {"GM0200", "PV25"} & {r[0] for r in rows}
    # the marts join on core.gemeente: every gemeente has a denominator every year
    missing = conn.execute(
        "SELECT g.gemeente, y.jaar FROM core.gemeente g CROSS JOIN (VALUES (2020), (2024)) y(jaar) "
        "LEFT JOIN cbs.bevolking_jeugd b ON b.gemeente = g.gemeente AND b.jaar = y.jaar WHERE b.aantal_0_17 IS NULL"
    ).fetchall()
    assert missing == []


def test_counts_codes_suppressed_cells_and_money(conn, db_url, snapshot):
    _, client = snapshot
    load.load_all(db_url, client)
    # youth-care counts: multiples of 5, suppressed cells NULL + geheim, codes stripped
    stats = conn.execute(
        "SELECT tabel_id, count(*), count(*) FILTER (WHERE geheim), count(*) FILTER (WHERE aantal % 5 <> 0), "
        "count(*) FILTER (WHERE waarde_attribuut = 'Confidential') FROM cbs.jeugdzorg_gebruik GROUP BY 1 ORDER BY 1"
    ).fetchall()
    obs = [r for r in recorded("v4", "85100NED", "Observations")["value"]
           if r["Persoonskenmerken"] == "T009002" and r["RegioS"] in set(GM) | {"JZ06", "PV23", "NL01"}]
    typed = [r for r in recorded("v3", "84135NED", "TypedDataSet")["value"]
             if r["Persoonskenmerken"] == "T009002" and r["RegioS"].strip() in set(GM) | {"JZ06", "PV23", "NL01"}]
    assert stats == [
        ("84135NED", len(typed), sum(r["TotaalJongerenMetJeugdzorg_1"] is None for r in typed), 0, 0),
        ("85100NED", len(obs), sum(r["Value"] is None for r in obs), 0, sum(r["Value"] is None for r in obs)),
    ]
    assert stats[0][2] > 0 and stats[1][2] > 0
    assert conn.execute("SELECT count(*) FROM cbs.jeugdzorg_gebruik WHERE regio <> btrim(regio)").fetchone()[0] == 0
    # money: thousands of euros -> cents; the not yet realised year is NULL and flagged
    kosten = {(r["RegioS"].strip(), r["Perioden"], r["VormenVanJeugdzorg"].strip()): r
              for r in recorded("v3", "83454NED", "TypedDataSet")["value"]}
    rows = conn.execute("SELECT regio, periode, vorm, maat, bedrag_cent, geheim FROM cbs.jeugdzorg_kosten").fetchall()
    assert rows
    for regio, periode, vorm, maat, cents, geheim in rows:
        src = kosten[(regio, periode, vorm)]
        value = src["BegroteKosten_1" if maat == "begrote_kosten" else "GerealiseerdeKosten_2"]
        assert cents == (None if value is None else value * 100_000) and geheim == (value is None)
    assert conn.execute(
        "SELECT count(*) FROM cbs.jeugdzorg_kosten WHERE maat = 'gerealiseerde_kosten' AND periode = '2024JJ00' AND NOT geheim"
    ).fetchone()[0] == 0
    # percentages keep their decimals
    pct = conn.execute(
        "SELECT waarde FROM cbs.jeugdzorg_indicator WHERE regio = 'NL01' AND maat = 'jeugdhulp_in_natura_pct'"
    ).fetchone()[0]
    assert isinstance(pct, Decimal) and 5 < pct < 15


def test_metadata_and_conformed_dimensions_are_stored(conn, db_url, snapshot):
    _, client = snapshot
    load.load_all(db_url, client)
    tabel = dict(conn.execute("SELECT tabel_id, modified FROM cbs.tabel").fetchall())
    assert tabel == {"85100NED": "2025-11-27T02:00:00+01:00", "84135NED": "2021-10-29T02:00:00",
                     "85098NED": "2025-06-30T02:00:00+02:00", "83454NED": "2025-05-15T02:00:00",
                     "03759ned": "2024-06-27T02:00:00"}
    props = conn.execute(
        "SELECT sleutel, soort, kolom, maat, eenheid FROM cbs.tabel_eigenschap WHERE tabel_id = '03759ned' ORDER BY positie"
    ).fetchall()
    assert props[:5] == [("Geslacht", "Dimension", None, None, None), ("Leeftijd", "Dimension", "leeftijd", None, None),
                         ("BurgerlijkeStaat", "Dimension", None, None, None), ("RegioS", "GeoDimension", "regio", None, None),
                         ("Perioden", "TimeDimension", "periode", None, None)]
    assert ("BevolkingOp1Januari_1", "Topic", None, "bevolking_1_januari", "aantal") in props
    code = conn.execute(
        "SELECT code, code_ruw, titel FROM cbs.code WHERE tabel_id = '03759ned' AND dimensie = 'RegioS' AND code = 'NL01'"
    ).fetchone()
    assert code == ("NL01", "NL01  ", "Nederland")
    status = conn.execute(
        "SELECT status FROM cbs.code WHERE tabel_id = '85100NED' AND dimensie = 'Perioden' AND code = '2025HJ01'"
    ).fetchone()[0]
    assert status == "Voorlopig"
    regio = dict(conn.execute("SELECT regio, regio_soort FROM cbs.regio").fetchall())
    assert regio == {**{g: "gemeente" for g in GM}, "JZ06": "jeugdregio", "PV23": "provincie", "NL01": "land"}
    assert conn.execute("SELECT count(*) FROM cbs.regio WHERE regio_soort = 'gemeente' AND gemeente IS NULL").fetchone()[0] == 0
    periode = conn.execute(
        "SELECT periode, periode_soort, jaar, volgnummer, begindatum::text, einddatum::text FROM cbs.periode "
        "WHERE periode IN ('2024JJ00', '2024HJ02') ORDER BY 1"
    ).fetchall()
    assert periode == [("2024HJ02", "halfjaar", 2024, 2, "2024-07-01", "2024-12-31"),
                       ("2024JJ00", "jaar", 2024, 0, "2024-01-01", "2024-12-31")]
    sel = conn.execute("SELECT selectie FROM cbs.tabel_load WHERE tabel_id = '84135NED'").fetchone()[0]
    assert sel["fixed"] == {"Persoonskenmerken": {"code": "T009002", "title": "Totaal personen"}}


def test_rates_per_1000_and_national_benchmark(conn, db_url, snapshot):
    _, client = snapshot
    load.load_all(db_url, client)
    rows = conn.execute(
        "SELECT regio, jaar, aantal, aantal_0_22, per_1000_0_22, nl_per_1000_0_22, index_nl FROM cbs.jeugdzorg_per_1000_jongeren "
        "WHERE vorm_naam = 'JZ  Totaal jeugdzorg' ORDER BY regio, jaar"
    ).fetchall()
    by = {(r[0], r[1]): r for r in rows}
    assert {r[1] for r in rows} == {2020, 2024}  # years only, not half-years
    for gm in GM:
        for year in (2020, 2024):
            regio, _, aantal, noemer, rate, nl, index = by[(gm, year)]
            assert noemer > 0 and rate == round(Decimal(1000 * aantal) / noemer, 2)
            assert nl == by[("NL01", year)][4] and index == round(100 * rate / nl, 1)
    # Staphorst uses far less youth care than the national rate (snapshot built that way)
    assert by[("GM0180", 2024)][6] < 70 and by[("GM0150", 2024)][6] > 100
    assert by[("JZ06", 2024)][3] == sum(by[(gm, 2024)][3] for gm in GM)


def test_changed_modified_reloads_only_that_table(conn, db_url, snapshot):
    root, client = snapshot
    load.load_all(db_url, client)
    before = conn.execute("SELECT to_jsonb(b) - 'load_id' FROM cbs.bevolking b ORDER BY regio, periode, leeftijd").fetchall()
    edit(root, "v3", "03759ned", "TableInfos", lambda b: b["value"][0].update(Modified="2025-06-27T02:00:00"))
    results = {r.table_id: r.status for r in load.load_all(db_url, client)}
    assert results == {**{t: "skipped" for t in TABLES}, "03759ned": "loaded"}
    after = conn.execute("SELECT to_jsonb(b) - 'load_id' FROM cbs.bevolking b ORDER BY regio, periode, leeftijd").fetchall()
    assert after == before  # same cells, replaced not duplicated
    assert conn.execute("SELECT modified FROM cbs.tabel WHERE tabel_id = '03759ned'").fetchone()[0] == "2025-06-27T02:00:00"
    assert conn.execute("SELECT count(DISTINCT load_id) FROM cbs.bevolking").fetchone()[0] == 1
    assert load.announce(db_url) == sorted(TABLES)  # first loads and the reload, none announced yet


def test_a_configuration_change_reloads_even_if_modified_did_not_change(conn, db_url, snapshot, tmp_path):
    _, client = snapshot
    cfg = spec.load_config()
    load.load_table(db_url, client, "85098NED", cfg)
    raw = json.loads(json.dumps(cfg.tables["85098NED"].raw))
    raw["measures"].pop("jeugdreclassering_pct")
    data = {"regions": cfg.regions, "tables": [raw]}
    changed = spec.parse(data)
    assert load.load_table(db_url, client, "85098NED", changed).status == "loaded"
    assert load.load_table(db_url, client, "85098NED", changed).status == "skipped"
    maten = {r[0] for r in conn.execute("SELECT DISTINCT maat FROM cbs.jeugdzorg_indicator")}
    assert "jeugdreclassering_pct" not in maten and len(maten) == 4


def test_gx_rejects_a_bad_load_and_keeps_the_published_rows(conn, db_url, snapshot):
    root, client = snapshot
    load.load_all(db_url, client)
    before = contents(conn)

    def corrupt(body):
        hits = 0
        for r in body["value"]:
            if r["RegioS"] == "GM0193" and r["Persoonskenmerken"] == "T009002" and r["TotaalJongerenMetJeugdzorg_1"]:
                r["TotaalJongerenMetJeugdzorg_1"] += 2  # not a multiple of 5
                hits += 1
        assert hits

    edit(root, "v3", "84135NED", "TypedDataSet", corrupt)
    edit(root, "v3", "84135NED", "TableInfos", lambda b: b["value"][0].update(Modified="2022-01-01T02:00:00"))
    with pytest.raises(load.CbsQualityError, match=r"84135NED load \d+ rejected.*CBS-AFRONDING"):
        load.load_table(db_url, client, "84135NED")
    after = contents(conn)
    assert {k: v for k, v in after.items() if k != "tabel_load"} == {k: v for k, v in before.items() if k != "tabel_load"}
    status, reden, dq = conn.execute(
        "SELECT status, reden, dq_resultaat FROM cbs.tabel_load WHERE tabel_id = '84135NED' ORDER BY load_id DESC LIMIT 1"
    ).fetchone()
    assert status == "rejected" and "CBS-AFRONDING" in reden
    failed = {r["regel_code"]: r["unexpected"] for r in dq["rules"] if not r["success"]}
    assert set(failed) == {"CBS-AFRONDING"} and failed["CBS-AFRONDING"] > 0
    assert conn.execute("SELECT count(*) FROM cbs.stg_jeugdzorg_gebruik").fetchone()[0] == 0
    # still rejected (not skipped) on the next try: only a 'loaded' row counts for skipping
    with pytest.raises(load.CbsQualityError):
        load.load_table(db_url, client, "84135NED")


def test_a_shape_change_stops_the_load_before_anything_is_written(conn, db_url, snapshot):
    root, client = snapshot
    edit(root, "v4", "85100NED", "MeasureCodes", lambda b: b["value"][0].update(Title="Jongeren met jeugdzorg"))
    with pytest.raises(CbsShapeError, match="measures titled 'Totaal jongeren met jeugdzorg'"):
        load.load_table(db_url, client, "85100NED")
    assert conn.execute("SELECT count(*) FROM cbs.tabel_load").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM cbs.jeugdzorg_gebruik").fetchone()[0] == 0


def test_a_failure_mid_stream_is_recorded_and_rolled_back(conn, db_url, snapshot):
    root, client = snapshot
    load.load_table(db_url, client, "03759ned")
    before = conn.execute("SELECT count(*), max(load_id) FROM cbs.bevolking").fetchone()
    edit(root, "v3", "03759ned", "TableInfos", lambda b: b["value"][0].update(Modified="2025-06-27T02:00:00"))
    # the last row (a later page) carries an age code that is not in the Leeftijd code list
    edit(root, "v3", "03759ned", "TypedDataSet", lambda b: b["value"][-1].update(
        Geslacht="T001038", BurgerlijkeStaat="T001019", RegioS="GM0193", Perioden="2024JJ00", Leeftijd="99999  "))
    cfg = spec.load_config()
    raw = json.loads(json.dumps(cfg.tables["03759ned"].raw))
    raw["dimensions"]["Leeftijd"] = {"column": "leeftijd"}  # every age, so the row is requested
    wide = spec.parse({"regions": cfg.regions, "tables": [raw]})
    with pytest.raises(CbsShapeError, match="code '99999' of dimension Leeftijd is in the data but not in its code list"):
        load.load_table(db_url, client, "03759ned", wide)
    assert conn.execute("SELECT count(*), max(load_id) FROM cbs.bevolking").fetchone() == before
    status, reden = conn.execute("SELECT status, reden FROM cbs.tabel_load ORDER BY load_id DESC LIMIT 1").fetchone()
    assert status == "failed" and "99999" in reden
    assert conn.execute("SELECT count(*) FROM cbs.stg_bevolking").fetchone()[0] == 0


def test_a_suite_that_cannot_run_is_an_error_not_a_pass(conn, db_url, snapshot, monkeypatch):
    _, client = snapshot
    original = load.load_suite

    def broken(target):
        suite = original(target)
        suite["expectations"].append({  # a regex quantifier GX's str.format chokes on
            "type": "unexpected_rows_expectation",
            "kwargs": {"unexpected_rows_query": "SELECT row_id FROM {batch} WHERE regio ~ 'x{2}'"},
            "meta": {"regel_code": "BROKEN"},
        })
        return suite

    monkeypatch.setattr(load, "load_suite", broken)
    with pytest.raises(load.CbsError, match="BROKEN of suite cbs_jeugdzorg_indicator could not run"):
        load.load_table(db_url, client, "85098NED")
    assert conn.execute("SELECT status FROM cbs.tabel_load").fetchall() == [("failed",)]
    assert conn.execute("SELECT count(*) FROM cbs.jeugdzorg_indicator").fetchone()[0] == 0


def test_the_bundled_demo_snapshot_loads_and_passes_its_suites(conn, db_url):
    from jeugdhulp import config

    with SnapshotServer(config.INCLUDE_DIR / "cbs" / "snapshot", lifetime=300) as srv:
        results = load.load_all(db_url, CbsClient(srv.base_url, backoff=0.0, sleep=lambda s: None))
    assert [r.status for r in results] == ["loaded"] * 5
    years = conn.execute(
        "SELECT min(jaar), max(jaar), count(DISTINCT gemeente) FROM cbs.jeugdzorg_per_1000_jongeren "
        "WHERE regio_soort = 'gemeente' AND per_1000_0_22 IS NOT NULL AND nl_per_1000_0_22 IS NOT NULL"
    ).fetchone()
    assert years == (2015, 2024, 11)

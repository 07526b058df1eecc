"""The CBS table configuration (include/cbs/tables.yaml), its validation and fingerprint, and the
value/period conversions of the loader."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest

from jeugdhulp.cbs import load, spec
from jeugdhulp.cbs.client import CbsShapeError, Code
from jeugdhulp.reference import GEMEENTEN


@pytest.fixture(scope="module")
def cfg():
    return spec.load_config()


def raw(cfg) -> dict:
    return {"regions": copy.deepcopy(cfg.regions), "tables": [copy.deepcopy(t.raw) for t in cfg.tables.values()]}


def test_the_configured_tables(cfg):
    assert list(cfg.tables) == ["85100NED", "84135NED", "85098NED", "83454NED", "03759ned"]
    assert {t.table_id: t.target for t in cfg.tables.values()} == {
        "85100NED": "jeugdzorg_gebruik", "84135NED": "jeugdzorg_gebruik", "85098NED": "jeugdzorg_indicator",
        "83454NED": "jeugdzorg_kosten", "03759ned": "bevolking",
    }
    assert cfg.table("83454NED").value_column == "bedrag_cent"
    assert {m.type for m in cfg.table("83454NED").measures} == {"money_k_eur"}


def test_the_regions_are_the_11_gemeenten_the_jeugdregio_overijssel_and_nederland(cfg):
    assert cfg.regions["gemeenten"]["keys"] == ["GM" + g for g in GEMEENTEN]
    assert cfg.regions["jeugdregio"] == {"title": "IJsselland (JZ)"}
    assert cfg.regions["provincie"]["keys"] == ["PV23"]
    assert cfg.regions["land"]["keys"] == ["NL01"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["tables"][0].update(api="v2"), "api must be v3 or v4"),
        (lambda d: d["tables"][0].update(target="mart"), "target must be one of"),
        (lambda d: d["tables"][0]["dimensions"].pop("VormenVanJeugdzorg"), r"needs dimension columns \['periode', 'regio', 'vorm'\]"),
        (lambda d: d["tables"][0]["dimensions"]["Persoonskenmerken"].pop("select"), "either stored"),
        (lambda d: d["tables"][0]["dimensions"]["RegioS"].update(regions=["gemeenten", "wijken"]), "unknown region group 'wijken'"),
        (lambda d: d["tables"][0]["measures"]["jongeren_met_jeugdzorg"].update(type="money_k_eur"), "measure types do not fit"),
        (lambda d: d["tables"][0]["measures"]["jongeren_met_jeugdzorg"].update(type="euro"), "type must be one of"),
        (lambda d: d["tables"][0]["dimensions"]["Perioden"].pop("periods"), "needs a 'periods' selection"),
        (lambda d: d["tables"].append(d["tables"][0]), "configured twice"),
        (lambda d: d["regions"].update(wijk={}), "needs 'keys' or 'title'"),
    ],
)
def test_configuration_errors_are_named(cfg, mutate, message):
    data = raw(cfg)
    mutate(data)
    with pytest.raises(ValueError, match=message):
        spec.parse(data)


def test_fingerprint_changes_with_the_table_or_the_regions_only(cfg):
    same = spec.parse(raw(cfg))
    assert same.fingerprint("03759ned") == cfg.fingerprint("03759ned")
    data = raw(cfg)
    data["tables"][4]["measures"]["bevolking_1_januari"]["title"] = "Bevolking"
    other = spec.parse(data)
    assert other.fingerprint("03759ned") != cfg.fingerprint("03759ned")
    assert other.fingerprint("85100NED") == cfg.fingerprint("85100NED")
    data = raw(cfg)
    data["regions"]["provincie"]["keys"] = ["PV23", "PV21"]
    assert spec.parse(data).fingerprint("85100NED") != cfg.fingerprint("85100NED")


def _codes(*pairs):
    return [Code(k, k, t, position=i) for i, (k, t) in enumerate(pairs)]


def test_title_patterns_pick_single_years_and_demand_every_one():
    codes = _codes(("10000", "Totaal"), ("70100", "0 tot 5 jaar"), *[(f"1{a:02d}00", f"{a} jaar") for a in range(0, 30)])
    picked = spec._select("X", "Leeftijd", codes, {"title_pattern": r"^(\d+) jaar$", "min": 0, "max": 22})
    assert [c.title for c in picked] == [f"{a} jaar" for a in range(23)]
    missing = [c for c in codes if c.title != "17 jaar"]
    with pytest.raises(CbsShapeError, match=r"no code titled like .* for \[17\]"):
        spec._select("X", "Leeftijd", missing, {"title_pattern": r"^(\d+) jaar$", "min": 0, "max": 22})


def test_titles_match_without_the_provisional_star_and_extra_spaces():
    codes = _codes(("T009002", "Totaal  personen*"))
    assert spec._select("X", "P", codes, {"title": "Totaal personen"})[0].key == "T009002"


def test_periods_select_kind_and_years():
    codes = _codes(("2014JJ00", "2014"), ("2015HJ01", "2015 1e halfjaar"), ("2015JJ00", "2015"), ("2016KW01", "x"),
                   ("30 juni 2016", "peildatum"))
    assert [c.key for c in spec._periods("X", "Perioden", codes, {"from": 2015, "kinds": ["JJ", "HJ"]})] == [
        "2015HJ01", "2015JJ00"]
    with pytest.raises(CbsShapeError, match="no period of kind"):
        spec._periods("X", "Perioden", codes, {"from": 2030})


def test_value_conversions():
    assert load.convert(None, "count") is None
    assert load.convert(15.0, "count") == 15 and isinstance(load.convert(15.0, "count"), int)
    assert load.convert(1234, "money_k_eur") == 123_400_000  # x 1 000 euro -> cents
    assert load.convert(12.345, "money_k_eur") == 1_234_500
    assert load.convert(0.1, "money_k_eur") == 10_000
    assert load.convert(9.1, "percentage") == Decimal("9.1")


@pytest.mark.parametrize(
    ("code", "row"),
    [
        ("2023JJ00", ("2023JJ00", "jaar", 2023, 0, dt.date(2023, 1, 1), dt.date(2023, 12, 31), "2023")),
        ("2023HJ01", ("2023HJ01", "halfjaar", 2023, 1, dt.date(2023, 1, 1), dt.date(2023, 6, 30), "2023 1e halfjaar")),
        ("2024HJ02", ("2024HJ02", "halfjaar", 2024, 2, dt.date(2024, 7, 1), dt.date(2024, 12, 31), "2024 2e halfjaar")),
        ("2024KW01", ("2024KW01", "kwartaal", 2024, 1, dt.date(2024, 1, 1), dt.date(2024, 3, 31), "2024 1e kwartaal")),
        ("2024MM02", ("2024MM02", "maand", 2024, 2, dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024 februari")),
    ],
)
def test_period_rows(code, row):
    assert load.period_row(code) == row


@pytest.mark.parametrize("code", ["2023", "2023HJ03", "30 juni 2023"])
def test_unknown_period_codes_are_shape_errors(code):
    with pytest.raises(CbsShapeError):
        load.period_row(code)


def test_region_kinds():
    assert [load.region_kind(c) for c in ("GM0193", "JZ06", "PV23", "NL01", "LD02", "CR10", "VR04")] == [
        "gemeente", "jeugdregio", "provincie", "land", "landsdeel", "corop", "overig"]


def test_every_suite_is_valid_gx_json_for_a_staging_table():
    import great_expectations as gx

    from jeugdhulp import config

    for target in spec.TARGETS:
        suite = json.loads((config.EXPECTATIONS_DIR / f"cbs_{target}.json").read_text())
        assert suite["meta"]["table"] == f"cbs.stg_{target}"
        gx.ExpectationSuite(**suite)  # parses
        for e in suite["expectations"]:
            query = e["kwargs"].get("unexpected_rows_query", "")
            # GX runs str.format on the query: only {batch} may carry braces
            assert query.replace("{batch}", "").count("{") == 0, e["meta"]["regel_code"]
        codes = [e["meta"]["regel_code"] for e in suite["expectations"]]
        assert {"CBS-REGIO", "CBS-PERIODE", "CBS-UNIEK"} <= set(codes)

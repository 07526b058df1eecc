"""The CBS OData client against a local server serving recorded CBS-shaped responses
(tests/fixtures/cbs): paging, padded keys, suppressed cells, filters, retries, shape errors."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests

from jeugdhulp.cbs import spec
from jeugdhulp.cbs.client import CbsClient, CbsHttpError, CbsShapeError, default_bases
from jeugdhulp.cbs.server import SnapshotServer, compile_filter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cbs"
GM = ["GM0148", "GM0150", "GM0160", "GM0166", "GM1773", "GM0175", "GM0177", "GM0180", "GM1708", "GM1896", "GM0193"]


def recorded(api: str, table: str, name: str) -> list[dict]:
    return json.loads((FIXTURES / api / table / f"{name}.json").read_text())["value"]


@pytest.fixture
def server():
    with SnapshotServer(FIXTURES, page_size=100, lifetime=120) as srv:
        yield srv


@pytest.fixture
def client(server):
    return CbsClient(server.base_url, backoff=0.0, sleep=lambda s: None)


@pytest.fixture
def cfg():
    return spec.load_config()


def plan_for(client, cfg, table_id):
    ts = cfg.table(table_id)
    return spec.resolve(cfg, ts, client.metadata(table_id, ts.api))


def data_requests(server, name):
    return [unquote(r) for r in server.requests if f"/{name}?" in r]


# --------------------------------------------------------------------------- paging


def test_v3_feed_pages_follow_odata_nextlink(server, client, cfg):
    plan = plan_for(client, cfg, "03759ned")
    obs = list(client.observations(plan.meta, plan.measure_keys.values(), plan.filters))
    # 11 gemeenten + PV23 + NL01, 2 years, 23 single ages
    assert len(obs) == 13 * 2 * 23
    feed = data_requests(server, "TypedDataSet")
    assert len(feed) == math.ceil(len(obs) / 100)
    assert all(r.startswith("/ODataFeed/odata/03759ned/TypedDataSet") for r in feed)
    assert [r.split("$skip=")[1] if "$skip=" in r else "0" for r in feed] == [str(100 * i) for i in range(len(feed))]
    assert len({(tuple(sorted(o.dims.items())), o.measure) for o in obs}) == len(obs)  # no page read twice


def test_v4_pages_follow_at_odata_nextlink(server, client, cfg):
    plan = plan_for(client, cfg, "85100NED")
    obs = list(client.observations(plan.meta, plan.measure_keys.values(), plan.filters))
    expected = [
        r for r in recorded("v4", "85100NED", "Observations")
        if r["Persoonskenmerken"] == "T009002" and r["RegioS"] in set(GM) | {"JZ06", "PV23", "NL01"}
    ]
    assert len(obs) == len(expected) > 100
    pages = data_requests(server, "Observations")
    assert len(pages) == math.ceil(len(obs) / 100)
    assert all("Measure eq 'M004112'" in p for p in pages)


def test_nextlink_naming_the_public_host_is_followed_on_the_configured_host():
    with SnapshotServer(FIXTURES, page_size=50, public_links=True, lifetime=60) as srv:
        c = CbsClient(srv.base_url, backoff=0.0, sleep=lambda s: None)
        rows = c.collection(c.url("v3", "03759ned", "TypedDataSet", {"$top": 120}, feed=True))
        assert len(rows) == 120
        assert len([r for r in srv.requests if "TypedDataSet" in r]) == 3


def test_paging_loop_is_detected(monkeypatch, client):
    body = {"value": [{"a": 1}], "odata.nextLink": "http://x/ODataFeed/odata/t/TypedDataSet?$skip=1"}
    monkeypatch.setattr(client, "get_json", lambda url: body)
    with pytest.raises(Exception, match="paging loop"):
        list(client.paged("http://x/ODataFeed/odata/t/TypedDataSet?$skip=1"))


def test_long_filters_are_split_over_several_requests(server, cfg):
    small = CbsClient(server.base_url, backoff=0.0, sleep=lambda s: None, max_url=700)
    big = CbsClient(server.base_url, backoff=0.0, sleep=lambda s: None)
    plan = plan_for(big, cfg, "03759ned")
    a = sorted(str(o) for o in big.observations(plan.meta, plan.measure_keys.values(), plan.filters))
    n_before = len(server.requests)
    b = sorted(str(o) for o in small.observations(plan.meta, plan.measure_keys.values(), plan.filters))
    assert a == b
    firsts = [r for r in server.requests[n_before:] if "TypedDataSet" in r and "$skip" not in r]
    assert len(firsts) > 1 and all(len(small.bases["v3"]) + len(r) <= 700 for r in firsts)


# --------------------------------------------------------------------------- keys, codes, filters


def test_padded_v3_keys_are_stripped_and_sent_padded_in_the_filter(server, client, cfg):
    plan = plan_for(client, cfg, "03759ned")
    regions = {c.raw_key: c.key for c in plan.meta.codes["RegioS"]}
    assert regions["NL01  "] == "NL01" and regions["PV23  "] == "PV23"
    ages = {c.raw_key: c.key for c in plan.meta.codes["Leeftijd"]}
    assert ages["10010  "] == "10010"
    obs = list(client.observations(plan.meta, plan.measure_keys.values(), plan.filters))
    assert {o.dims["RegioS"] for o in obs} == set(GM) | {"PV23", "NL01"}
    assert all(v == v.strip() for o in obs for v in o.dims.values())
    first = data_requests(server, "TypedDataSet")[0]
    assert "RegioS eq 'NL01  '" in first and "Leeftijd eq '10010  '" in first


def test_an_unpadded_v3_key_matches_nothing_like_at_cbs(client):
    rows = client.collection(client.url("v3", "03759ned", "TypedDataSet", {"$filter": "RegioS eq 'NL01'"}, feed=True))
    assert rows == []
    rows = client.collection(client.url("v3", "03759ned", "TypedDataSet", {"$filter": "RegioS eq 'NL01  '", "$top": 3}, feed=True))
    assert len(rows) == 3


def test_codes_are_kept_not_labels(client, cfg):
    plan = plan_for(client, cfg, "84135NED")
    obs = list(client.observations(plan.meta, plan.measure_keys.values(), plan.filters))
    assert "GM0193" in {o.dims["RegioS"] for o in obs}
    assert "Zwolle" not in {o.dims["RegioS"] for o in obs}
    assert {o.dims["Perioden"] for o in obs} == {"2020HJ01", "2020HJ02", "2020JJ00"}
    assert all(o.dims["VormenVanJeugdzorg"].startswith("A0") for o in obs)


def test_server_side_filter_drops_other_regions_and_persons(server, client, cfg):
    plan = plan_for(client, cfg, "84135NED")
    obs = list(client.observations(plan.meta, plan.measure_keys.values(), plan.filters))
    assert not {"GM0200", "PV25", "JZ05"} & {o.dims["RegioS"] for o in obs}
    assert {o.dims["Persoonskenmerken"] for o in obs} == {"T009002"}
    # the server sent only the selected rows: (14 regions x 23 forms x 3 periods)
    assert len(obs) == 14 * 23 * 3
    first = data_requests(server, "TypedDataSet")[0]
    assert "Persoonskenmerken eq 'T009002'" in first and "RegioS eq 'JZ06  '" in first


def test_jeugdregio_is_found_by_title(client, cfg):
    plan = plan_for(client, cfg, "85100NED")
    assert plan.regions["JZ06"] == "jeugdregio"
    assert "JZ05" not in plan.filters["RegioS"]


def test_suppressed_cells_are_none_in_v3_and_v4(client, cfg):
    p3 = plan_for(client, cfg, "84135NED")
    o3 = list(client.observations(p3.meta, p3.measure_keys.values(), p3.filters))
    nulls3 = [o for o in o3 if o.value is None]
    assert nulls3 and all(o.value_attribute is None for o in nulls3)
    assert all(o.value % 5 == 0 for o in o3 if o.value is not None)
    p4 = plan_for(client, cfg, "85100NED")
    o4 = list(client.observations(p4.meta, p4.measure_keys.values(), p4.filters))
    nulls4 = [o for o in o4 if o.value is None]
    assert nulls4 and {o.value_attribute for o in nulls4} == {"Confidential"}
    assert all(o.value_attribute is None for o in o4 if o.value is not None)


def test_metadata_has_modified_properties_and_code_lists(client):
    meta = client.metadata("85100NED", "v4")
    assert meta.info.modified == "2025-11-27T02:00:00+01:00"
    assert set(meta.dimensions) == {"Persoonskenmerken", "VormenVanJeugdzorg", "RegioS", "Perioden"}
    assert meta.dimensions["Perioden"].kind == "TimeDimension"
    assert meta.measures["M004112"].title == "Totaal jongeren met jeugdzorg"
    assert [c.status for c in meta.codes["Perioden"]][-1] == "Voorlopig"
    m3 = client.metadata("03759ned", "v3")
    assert m3.info.modified == "2024-06-27T02:00:00"
    assert set(m3.measures) == {"BevolkingOp1Januari_1", "GemiddeldeBevolking_2"}
    assert m3.measures["BevolkingOp1Januari_1"].unit == "aantal"


# --------------------------------------------------------------------------- retries


def test_429_and_5xx_are_retried_with_backoff(server):
    waits = []
    c = CbsClient(server.base_url, backoff=0.5, max_backoff=10, sleep=waits.append)
    server.inject([429, 503, 502])
    info = c.table_info("85100NED", "v4")
    assert info.table_id == "85100NED"
    assert waits == [0.5, 1.0, 2.0]  # exponential
    assert c.requests_made == 4


def test_retry_after_is_honoured(server):
    waits = []
    c = CbsClient(server.base_url, backoff=0.01, sleep=waits.append)
    server.inject([429], retry_after="3")
    c.table_info("03759ned", "v3")
    assert waits == [3.0]


def test_out_of_attempts_is_a_clear_error(server):
    c = CbsClient(server.base_url, attempts=3, backoff=0.0, sleep=lambda s: None)
    server.inject([503, 503, 503])
    with pytest.raises(CbsHttpError, match=r"did not answer after 3 attempts \(HTTP 503") as exc:
        c.table_info("85100NED", "v4")
    assert exc.value.status == 503


def test_connection_errors_are_retried_then_reported():
    waits = []
    c = CbsClient("http://127.0.0.1:9", attempts=2, backoff=0.0, sleep=waits.append, timeout=2)
    with pytest.raises(CbsHttpError, match="ConnectionError"):
        c.table_info("85100NED", "v4")
    assert len(waits) == 1


def test_a_4xx_is_not_retried(server, client):
    server.inject([400])
    with pytest.raises(CbsHttpError, match="HTTP 400"):
        client.table_info("85100NED", "v4")
    assert client.requests_made == 1


# --------------------------------------------------------------------------- shape changes


class Changed:
    """A copy of the fixtures to break, served by its own server."""

    def __init__(self, root: Path, client: CbsClient):
        self.root, self.client = root, client

    def edit(self, api, table, name, fn):
        path = self.root / api / table / f"{name}.json"
        body = json.loads(path.read_text())
        fn(body)
        path.write_text(json.dumps(body))

    def rename(self, api, table, old, new):
        (self.root / api / table / f"{old}.json").rename(self.root / api / table / f"{new}.json")


@pytest.fixture
def changed(tmp_path):
    root = tmp_path / "cbs"
    shutil.copytree(FIXTURES, root)
    with SnapshotServer(root, lifetime=120) as srv:
        yield Changed(root, CbsClient(srv.base_url, backoff=0.0, sleep=lambda s: None))


def test_a_removed_table_is_a_clear_error(client):
    with pytest.raises(CbsShapeError, match=r"CBS table 99999NED \(v4\) has no Properties .*removed, renamed"):
        client.table_info("99999NED", "v4")
    with pytest.raises(CbsShapeError, match=r"99999ned \(v3\) has no TableInfos"):
        client.table_info("99999ned", "v3")


def test_a_new_dimension_is_a_shape_change(changed, cfg):
    changed.edit("v3", "03759ned", "DataProperties", lambda b: b["value"].insert(2, {
        "odata.type": "Cbs.OData.Dimension", "ID": 9, "Position": 9, "Type": "Dimension",
        "Key": "Migratieachtergrond", "Title": "Migratieachtergrond"}))
    with pytest.raises(CbsShapeError, match="dimension Migratieachtergrond has no code list"):
        changed.client.metadata("03759ned", "v3")
    (changed.root / "v3" / "03759ned" / "Migratieachtergrond.json").write_text(
        json.dumps({"value": [{"Key": "T001040", "Title": "Totaal"}]}))
    meta = changed.client.metadata("03759ned", "v3")
    with pytest.raises(CbsShapeError, match=r"03759ned changed shape: .*new: \['Migratieachtergrond'\], gone: -\). "
                                            r"Update 03759ned in include/cbs/tables.yaml"):
        spec.resolve(cfg, cfg.table("03759ned"), meta)


def test_a_renamed_dimension_names_new_and_gone(changed, cfg):
    def rename(body):
        for p in body["value"]:
            if p["Identifier"] == "VormenVanJeugdzorg":
                p["Identifier"] = "SoortJeugdzorg"

    changed.edit("v4", "85100NED", "Dimensions", rename)
    changed.rename("v4", "85100NED", "VormenVanJeugdzorgCodes", "SoortJeugdzorgCodes")
    meta = changed.client.metadata("85100NED", "v4")
    with pytest.raises(CbsShapeError, match=r"new: \['SoortJeugdzorg'\], gone: \['VormenVanJeugdzorg'\]"):
        spec.resolve(cfg, cfg.table("85100NED"), meta)


def test_measure_title_change_lists_the_measures(changed, cfg):
    def retitle(body):
        body["value"][0]["Title"] = "Jongeren met jeugdzorg (totaal)"

    c = changed.client
    changed.edit("v4", "85100NED", "MeasureCodes", retitle)
    with pytest.raises(CbsShapeError, match=r"0 measures titled 'Totaal jongeren met jeugdzorg'.*M004112='Jongeren met jeugdzorg \(totaal\)'"):
        spec.resolve(cfg, cfg.table("85100NED"), c.metadata("85100NED", "v4"))


def test_a_pinned_code_that_disappeared_is_named(changed, cfg):
    def retitle(body):
        body["value"][0]["Title"] = "Totaal"

    c = changed.client
    changed.edit("v3", "84135NED", "Persoonskenmerken", retitle)
    with pytest.raises(CbsShapeError, match=r"Persoonskenmerken has 0 codes titled 'Totaal personen'.*T009002='Totaal'"):
        spec.resolve(cfg, cfg.table("84135NED"), c.metadata("84135NED", "v3"))


def test_a_region_that_disappeared_is_named(changed, cfg):
    c = changed.client
    changed.edit("v3", "84135NED", "RegioS", lambda b: b["value"].__setitem__(
        slice(None), [r for r in b["value"] if r["Title"] != "IJsselland (JZ)"]))
    with pytest.raises(CbsShapeError, match=r"region group jeugdregio not found in RegioS: \['IJsselland \(JZ\)'\]"):
        spec.resolve(cfg, cfg.table("84135NED"), c.metadata("84135NED", "v3"))


def test_a_row_without_a_dimension_is_a_shape_change(changed, cfg):
    def drop(body):
        for r in body["value"]:
            r.pop("VormenVanJeugdzorg")  # not filtered on: all forms are loaded

    c = changed.client
    changed.edit("v3", "83454NED", "TypedDataSet", drop)
    ts = cfg.table("83454NED")
    plan = spec.resolve(cfg, ts, c.metadata("83454NED", "v3"))
    with pytest.raises(CbsShapeError, match="has no dimension 'VormenVanJeugdzorg'.*changed shape"):
        list(c.observations(plan.meta, plan.measure_keys.values(), plan.filters))


def test_a_code_missing_from_its_code_list_is_a_shape_change(changed, cfg):
    def recode(body):
        for r in body["value"]:
            if r["RegioS"] == "GM0193":
                r["RegioS"] = "GM0194"

    c = changed.client
    changed.edit("v4", "85098NED", "Observations", recode)
    ts = cfg.table("85098NED")
    plan = spec.resolve(cfg, ts, c.metadata("85098NED", "v4"))
    plan.filters.pop("RegioS")  # ask for every region so the recoded rows come back
    with pytest.raises(CbsShapeError, match="code 'GM0194' of dimension RegioS is in the data but not in its code list"):
        list(c.observations(plan.meta, plan.measure_keys.values(), plan.filters))


# --------------------------------------------------------------------------- small parts


def test_public_hosts_map_to_each_other_and_other_hosts_serve_both():
    assert default_bases("https://odata4.cbs.nl") == {"v3": "https://opendata.cbs.nl", "v4": "https://odata4.cbs.nl"}
    assert default_bases("https://opendata.cbs.nl/") == {"v3": "https://opendata.cbs.nl", "v4": "https://odata4.cbs.nl"}
    assert default_bases("http://127.0.0.1:8000/") == {"v3": "http://127.0.0.1:8000", "v4": "http://127.0.0.1:8000"}


def test_v3_urls_ask_for_json_with_percent_encoded_spaces():
    c = CbsClient("https://odata4.cbs.nl")
    url = c.url("v3", "03759ned", "TypedDataSet", {"$filter": "RegioS eq 'NL01  '"}, feed=True)
    assert url == "https://opendata.cbs.nl/ODataFeed/odata/03759ned/TypedDataSet?$filter=RegioS%20eq%20'NL01%20%20'&$format=json"
    assert c.url("v4", "85100NED", "Observations") == "https://odata4.cbs.nl/CBS/85100NED/Observations"


@pytest.mark.parametrize(
    ("expr", "row", "expected"),
    [
        ("RegioS eq 'NL01  '", {"RegioS": "NL01  "}, True),
        ("RegioS eq 'NL01'", {"RegioS": "NL01  "}, False),
        ("(A eq 'x' or A eq 'y') and not B eq 'z'", {"A": "y", "B": "q"}, True),
        ("startswith(RegioS,'GM') and substringof('JJ',Perioden)", {"RegioS": "GM0193", "Perioden": "2023JJ00"}, True),
        ("Value gt 10 and Value le 20", {"Value": 15}, True),
        ("A eq 'it''s'", {"A": "it's"}, True),
    ],
)
def test_the_servers_filter_evaluator(expr, row, expected):
    assert compile_filter(expr)(row) is expected


def test_the_server_refuses_what_cbs_refuses():
    small = SnapshotServer(FIXTURES, api_limit=50, lifetime=30)
    with small:
        r = requests.get(f"{small.base_url}/ODataApi/odata/03759ned/TypedDataSet?$format=json", timeout=10)
        assert r.status_code == 500 and "ODataFeed" in r.text
        r = requests.get(f"{small.base_url}/ODataApi/odata/03759ned/TableInfos", timeout=10)
        assert r.status_code == 415
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{small.base_url}/CBS/85100NED", timeout=2)


def test_the_server_stops_itself():
    import time

    srv = SnapshotServer(FIXTURES, lifetime=0.3)
    srv.start()
    time.sleep(0.8)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{srv.base_url}/CBS/85100NED/Properties", timeout=2)
    srv.stop()

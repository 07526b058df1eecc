"""Tests for the hardened iJw 3.2 parser: field names and types, agreement with an independent
namespace-aware lxml read, privacy (no BSN, postcode4, birth year), source lines, and hostile or
broken input that must end in an :class:`IjwParseError` with a readable reason.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
from lxml import etree

from conftest import TEST_KEY
from jeugdhulp import ijw
from jeugdhulp.ijw import IjwParseError
from jeugdhulp.privacy import Pseudonymiser, elfproef

B = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
NS301 = "http://www.istandaarden.nl/ijw/3_2/jw301/schema"
NS323 = "http://www.istandaarden.nl/ijw/3_2/jw323/schema"
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")

PSEUDO = Pseudonymiser(TEST_KEY)


# --------------------------------------------------------------------------- corpus files


@pytest.fixture(scope="module")
def jw323_file(small_corpus) -> Path:
    files = sorted(small_corpus.glob("JW323_*_0148_*.xml"))
    assert files, "corpus has no JW323 for gemeente 0148"
    # the one with the most Prestaties, so several records and clients are exercised
    return max(files, key=lambda f: (f.read_bytes().count(b"<Prestatie>"), f.name))


@pytest.fixture(scope="module")
def jw301_file(small_corpus) -> Path:
    files = sorted(small_corpus.glob("JW301_0148_*.xml"))
    assert files, "corpus has no JW301 from gemeente 0148"
    return files[0]


@pytest.fixture(scope="module")
def jw323_bytes(jw323_file) -> bytes:
    return jw323_file.read_bytes()


# --------------------------------------------------------------------------- independent read


def _xp(ns_msg: str):
    ns = {"m": ns_msg, "b": B}

    def one(el, q):
        found = el.xpath(q, namespaces=ns)
        assert len(found) <= 1, q
        return found[0].text.strip() if found else None

    def many(el, q):
        return el.xpath(q, namespaces=ns)

    return one, many


def _date(text):
    return None if text is None else dt.date.fromisoformat(text)


def _int(text):
    return None if text is None else int(text)


def _header(root, one):
    return {
        "afzender": one(root, "m:Header/m:Afzender"),
        "ontvanger": one(root, "m:Header/m:Ontvanger"),
        "bericht_identificatie": one(root, "m:Header/m:BerichtIdentificatie/b:Identificatie"),
        "dagtekening": _date(one(root, "m:Header/m:BerichtIdentificatie/b:Dagtekening")),
    }


def independent_jw323(path: Path):
    """(header, [(bsn, item, line)]) read with plain namespace-aware XPath."""
    one, many = _xp(NS323)
    root = etree.parse(str(path)).getroot()
    h = _header(root, one)
    sign = 1 if one(root, "m:Declaratie/m:TotaalIngediendBedrag/b:DebetCredit") == "D" else -1
    header = {
        **h,
        "bericht_type": "JW323",
        "gemeente": h["ontvanger"],
        "aanbieder": h["afzender"],
        "declaratie_nummer": one(root, "m:Declaratie/m:DeclaratieNummer"),
        "declaratie_periode_begindatum": _date(one(root, "m:Declaratie/m:DeclaratiePeriode/b:Begindatum")),
        "declaratie_periode_einddatum": _date(one(root, "m:Declaratie/m:DeclaratiePeriode/b:Einddatum")),
        "declaratie_dagtekening": _date(one(root, "m:Declaratie/m:DeclaratieDagtekening")),
        "totaal_ingediend_bedrag": sign * int(one(root, "m:Declaratie/m:TotaalIngediendBedrag/b:TotaalBedrag")),
    }
    rows = []
    for client in many(root, "m:Declaratie/m:Clienten/m:Client"):
        bsn = one(client, "m:Bsn")
        for p in many(client, "m:Prestaties/m:Prestatie"):
            item = {
                "referentie_nummer": one(p, "m:ProductReferentie/b:ReferentieNummer"),
                "vorig_referentie_nummer": one(p, "m:ProductReferentie/b:VorigReferentieNummer"),
                "toewijzing_nummer": _int(one(p, "m:ToewijzingNummer")),
                "product_categorie": one(p, "m:ProductCategorie"),
                "product_code": one(p, "m:ProductCode"),
                "product_periode_begindatum": _date(one(p, "m:ProductPeriode/b:Begindatum")),
                "product_periode_einddatum": _date(one(p, "m:ProductPeriode/b:Einddatum")),
                "geleverd_volume": _int(one(p, "m:GeleverdVolume")),
                "eenheid": one(p, "m:Eenheid"),
                "product_tarief": _int(one(p, "m:ProductTarief")),
                "ingediend_bedrag": _int(one(p, "m:IngediendBedrag/b:Bedrag")),
                "debet_credit": one(p, "m:IngediendBedrag/b:DebetCredit"),
            }
            rows.append((bsn, {}, item, p.sourceline))
    return header, rows


def independent_jw301(path: Path):
    one, many = _xp(NS301)
    root = etree.parse(str(path)).getroot()
    h = _header(root, one)
    header = {**h, "bericht_type": "JW301", "gemeente": h["afzender"], "aanbieder": h["ontvanger"]}
    (client,) = many(root, "m:Client")
    bsn = one(client, "m:Bsn")
    extra = {}
    geboren = one(client, "m:Geboortedatum/b:Datum")
    if geboren is not None:
        extra["geboortejaar"] = dt.date.fromisoformat(geboren).year
    if one(client, "m:Geslacht") is not None:
        extra["geslacht"] = one(client, "m:Geslacht")
    postcodes = [pc.text.strip() for pc in many(client, ".//b:Postcode")]
    extra["postcode4"] = postcodes[0][:4] if postcodes else None
    rows = []
    for tp in many(client, "m:ToegewezenProducten/m:ToegewezenProduct"):
        tijd = one(tp, "m:Toewijzingstijd")
        item = {
            "toewijzing_nummer": _int(one(tp, "m:ToewijzingNummer")),
            "referentie_aanbieder": one(tp, "m:ReferentieAanbieder"),
            "product_categorie": one(tp, "m:Product/b:Categorie"),
            "product_code": one(tp, "m:Product/b:Code"),
            "toewijzingsdatum": _date(one(tp, "m:Toewijzingsdatum")),
            "toewijzingstijd": dt.time.fromisoformat(tijd),
            "ingangsdatum": _date(one(tp, "m:Ingangsdatum")),
            "einddatum": _date(one(tp, "m:Einddatum")),
            "reden_wijziging": one(tp, "m:RedenWijziging"),
            "volume": _int(one(tp, "m:Omvang/b:Volume")),
            "eenheid": one(tp, "m:Omvang/b:Eenheid"),
            "frequentie": one(tp, "m:Omvang/b:Frequentie"),
            "budget": _int(one(tp, "m:Budget")),
        }
        rows.append((bsn, extra, item, tp.sourceline))
    return header, rows


def assert_matches_independent_read(path: Path):
    msg = ijw.parse(path, PSEUDO)
    independent = independent_jw323 if path.name.startswith("JW323") else independent_jw301
    header, rows = independent(path)
    assert msg.bericht_type == header["bericht_type"]
    assert msg.header == header
    assert len(msg.records) == len(rows)
    for rec, (bsn, extra, item, line) in zip(msg.records, rows):
        assert rec.client == {"client_pseudoniem": PSEUDO(bsn), "bsn_elfproef": elfproef(bsn), **extra}
        assert rec.item == item
        assert rec.line == line
    return msg


# --------------------------------------------------------------------------- good files


def test_jw323_values_equal_independent_read(jw323_file):
    msg = assert_matches_independent_read(jw323_file)
    assert len(msg.records) >= 2


def test_jw301_values_equal_independent_read(jw301_file):
    assert_matches_independent_read(jw301_file)


def test_every_corpus_file_equals_independent_read(small_corpus):
    files = sorted([*small_corpus.glob("JW301_*.xml"), *small_corpus.glob("JW323_*.xml")])
    assert len(files) > 50
    kinds = set()
    for path in files:
        kinds.add(assert_matches_independent_read(path).bericht_type)
    assert kinds == {"JW301", "JW323"}


def test_corpus_has_credit_lines_and_they_keep_sign_separately(small_corpus):
    credits = [
        rec.item
        for path in sorted(small_corpus.glob("JW323_*.xml"))
        if b">C</ijw:DebetCredit>" in path.read_bytes()
        for rec in ijw.parse(path, PSEUDO).records
        if rec.item["debet_credit"] == "C"
    ]
    assert credits, "corpus has no credit lines"
    assert all(item["ingediend_bedrag"] >= 0 for item in credits)  # unsigned cents; sign in debet_credit


def _assert_snake_case(d: dict):
    for key in d:
        assert SNAKE.fullmatch(key), key


def test_jw323_names_and_types(jw323_file):
    msg = ijw.parse(jw323_file, PSEUDO)
    h = msg.header
    assert msg.bericht_type == "JW323"
    _assert_snake_case(h)
    assert h["gemeente"] == "0148"  # a code: string with its leading zero
    assert h["bericht_type"] == "JW323"
    assert isinstance(h["aanbieder"], str) and len(h["aanbieder"]) == 8
    for name in ("dagtekening", "declaratie_periode_begindatum", "declaratie_periode_einddatum", "declaratie_dagtekening"):
        assert type(h[name]) is dt.date, name
    assert type(h["totaal_ingediend_bedrag"]) is int
    for rec in msg.records:
        _assert_snake_case(rec.client)
        _assert_snake_case(rec.item)
        it = rec.item
        for name in ("ingediend_bedrag", "geleverd_volume", "toewijzing_nummer", "product_tarief"):
            assert type(it[name]) is int, name
        assert type(it["product_periode_begindatum"]) is dt.date
        assert type(it["product_periode_einddatum"]) is dt.date
        assert isinstance(it["product_categorie"], str) and len(it["product_categorie"]) == 2
        assert isinstance(it["eenheid"], str) and len(it["eenheid"]) == 2
        assert it["debet_credit"] in ("D", "C")
        assert type(rec.client["bsn_elfproef"]) is bool
    assert any(rec.item["eenheid"].startswith("0") for rec in msg.records)  # e.g. '04', not 4


def test_amounts_are_cents_not_euros(jw323_file, jw323_bytes):
    msg = ijw.parse(jw323_file, PSEUDO)
    first_bedrag = re.search(rb"<ijw:Bedrag>(\d+)</ijw:Bedrag>", jw323_bytes).group(1)
    assert msg.records[0].item["ingediend_bedrag"] == int(first_bedrag)


def test_jw301_names_and_types(jw301_file):
    msg = ijw.parse(jw301_file, PSEUDO)
    assert msg.bericht_type == "JW301"
    assert msg.header["gemeente"] == "0148"
    _assert_snake_case(msg.header)
    for rec in msg.records:
        _assert_snake_case(rec.client)
        _assert_snake_case(rec.item)
        it = rec.item
        assert type(it["toewijzing_nummer"]) is int
        assert type(it["toewijzingsdatum"]) is dt.date and type(it["ingangsdatum"]) is dt.date
        assert type(it["toewijzingstijd"]) is dt.time
        assert it["volume"] is None or type(it["volume"]) is int
        assert it["budget"] is None or type(it["budget"]) is int
        assert isinstance(it["product_categorie"], str) and len(it["product_categorie"]) == 2
        assert it["eenheid"] is None or (isinstance(it["eenheid"], str) and len(it["eenheid"]) == 2)


def _bsns(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    found = [el.text.strip() for el in root.iter() if etree.QName(el).localname == "Bsn"]
    assert found
    return found


@pytest.mark.parametrize("kind", ["jw323_file", "jw301_file"])
def test_bsn_never_leaves_the_parser(kind, request):
    path = request.getfixturevalue(kind)
    msg = ijw.parse(path, PSEUDO)
    everything = repr(msg) + json.dumps(
        [{"h": msg.header, "c": r.client, "i": r.item, "l": r.line} for r in msg.records], default=str
    )
    for bsn in _bsns(path):
        assert bsn not in everything
    for rec in msg.records:
        assert len(rec.client["client_pseudoniem"]) == 64


def test_jw301_reduces_postcode_and_birth_date_and_drops_names(jw301_file):
    text = jw301_file.read_text()
    postcode = re.search(r"<ijw:Postcode>(\w+)</ijw:Postcode>", text).group(1)
    born = dt.date.fromisoformat(re.search(r"<Geboortedatum><ijw:Datum>([\d-]+)<", text).group(1))
    achternaam = re.search(r"<ijw:Achternaam>([^<]+)<", text).group(1)
    straat = re.search(r"<ijw:Straatnaam>([^<]+)<", text).group(1)
    msg = ijw.parse(jw301_file, PSEUDO)
    for rec in msg.records:
        assert rec.client["postcode4"] == postcode[:4]
        assert len(rec.client["postcode4"]) == 4
        assert rec.client["geboortejaar"] == born.year
        assert not any(isinstance(v, dt.date) for v in rec.client.values())  # no full birth date
    everything = repr(msg)
    assert postcode not in everything and born.isoformat() not in everything and repr(born) not in everything
    assert achternaam not in everything and straat not in everything


@pytest.mark.parametrize("kind,tag", [("jw323_file", "<Prestatie>"), ("jw301_file", "<ToegewezenProduct>")])
def test_record_line_points_at_item_element(kind, tag, request):
    path = request.getfixturevalue(kind)
    lines = path.read_text().splitlines()
    msg = ijw.parse(path, PSEUDO)
    item_lines = [i + 1 for i, line in enumerate(lines) if line.strip().startswith(tag)]
    assert [rec.line for rec in msg.records] == item_lines


def test_data_argument_gives_same_result_as_path(jw323_file, jw323_bytes):
    assert ijw.parse("elsewhere.xml", PSEUDO, data=jw323_bytes) == ijw.parse(jw323_file, PSEUDO)


def test_pseudonym_depends_on_key(jw323_file):
    a = ijw.parse(jw323_file, PSEUDO).records[0].client["client_pseudoniem"]
    b = ijw.parse(jw323_file, Pseudonymiser(TEST_KEY + "2")).records[0].client["client_pseudoniem"]
    assert a != b


# --------------------------------------------------------------------------- hostile / broken input


def expect_error(tmp_path: Path, data: bytes, *words: str, name: str = "bad.xml") -> IjwParseError:
    """Parse ``data`` from a file; it must fail fast with a one-line reason containing ``words``."""
    path = tmp_path / name
    path.write_bytes(data)
    t0 = time.monotonic()
    with pytest.raises(IjwParseError) as info:
        ijw.parse(path, PSEUDO)
    assert time.monotonic() - t0 < 5
    exc = info.value
    assert exc.path == str(path)
    assert exc.reason and "\n" not in exc.reason
    assert str(exc) == f"{path}: {exc.reason}"
    for word in words:
        assert word.lower() in exc.reason.lower(), (word, exc.reason)
    return exc


def _body(data: bytes) -> bytes:
    """The document without its XML declaration."""
    assert data.startswith(b"<?xml")
    return data.split(b"?>", 1)[1]


def _with_doctype(data: bytes, doctype: bytes, afzender: bytes | None = None) -> bytes:
    body = _body(data)
    if afzender is not None:
        body = re.sub(rb"<Afzender>\d+</Afzender>", b"<Afzender>" + afzender + b"</Afzender>", body, count=1)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + doctype + body


def test_xxe_external_entity_refused_and_not_read(tmp_path, jw323_bytes):
    data = _with_doctype(jw323_bytes, b'<!DOCTYPE Bericht [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;")
    exc = expect_error(tmp_path, data, "DOCTYPE")
    assert "root:" not in str(exc)


def test_xxe_external_dtd_refused(tmp_path, jw323_bytes):
    expect_error(tmp_path, _with_doctype(jw323_bytes, b'<!DOCTYPE Bericht SYSTEM "file:///etc/passwd">'), "DOCTYPE")


def test_xxe_parameter_entity_refused(tmp_path, jw323_bytes):
    data = _with_doctype(jw323_bytes, b'<!DOCTYPE Bericht [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>')
    exc = expect_error(tmp_path, data, "DOCTYPE")
    assert "root:" not in str(exc)


def test_billion_laughs_refused_without_expansion(tmp_path, jw323_bytes):
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * 10) for i in range(1, 11)
    )
    data = _with_doctype(jw323_bytes, b"<!DOCTYPE Bericht [" + entities + b"]>", b"&lol10;")
    # refused either by the DOCTYPE rule or by libxml2's entity amplification guard; fast either way
    exc = expect_error(tmp_path, data, "entit")
    assert "lollol" not in str(exc)


@pytest.mark.parametrize(
    "doctype",
    [b"<!DOCTYPE Bericht>", b'<!DOCTYPE Bericht [<!ENTITY naam "x">]>', b"<!DOCTYPE Bericht [<!ELEMENT Bericht ANY>]>"],
)
def test_any_doctype_refused(tmp_path, jw323_bytes, doctype):
    expect_error(tmp_path, _with_doctype(jw323_bytes, doctype), "DOCTYPE")


@pytest.mark.parametrize(
    "namespace",
    [b"http://example.org/not-ijw", b"http://www.istandaarden.nl/ijw/3_1/jw323/schema", b"urn:jw323"],
)
def test_wrong_namespace(tmp_path, jw323_bytes, namespace):
    data = jw323_bytes.replace(NS323.encode(), namespace)
    exc = expect_error(tmp_path, data, "namespace", "another namespace", "ijw/3_2/jwNNN/schema")
    assert namespace.decode() not in exc.reason  # what the file holds is never quoted


def test_no_namespace(tmp_path, jw323_bytes):
    data = jw323_bytes.replace(b' xmlns="' + NS323.encode() + b'"', b"")
    expect_error(tmp_path, data, "no namespace")


def test_unknown_message_type(tmp_path, jw323_bytes):
    data = jw323_bytes.replace(NS323.encode(), NS323.replace("jw323", "jw399").encode())
    expect_error(tmp_path, data, "JW399", "not supported")


def test_root_element_not_bericht(tmp_path, jw323_bytes):
    data = jw323_bytes.replace(b"<Bericht ", b"<Melding ").replace(b"</Bericht>", b"</Melding>")
    exc = expect_error(tmp_path, data, "root element is not Bericht")
    assert "Melding" not in exc.reason


def test_berichtcode_not_matching_namespace(tmp_path, jw323_bytes):
    data = jw323_bytes.replace(b"<BerichtCode>490</BerichtCode>", b"<BerichtCode>436</BerichtCode>")
    assert data != jw323_bytes
    exc = expect_error(tmp_path, data, "Header/BerichtCode", "JW323", "expected 490")
    assert "436" not in exc.reason


def test_berichtversie_3_1(tmp_path, jw323_bytes):
    data = jw323_bytes.replace(b"<BerichtSubversie>2</BerichtSubversie>", b"<BerichtSubversie>1</BerichtSubversie>")
    assert data != jw323_bytes
    exc = expect_error(tmp_path, data, "BerichtSubversie", "iJw 3.2")
    assert "3.1" not in exc.reason


@pytest.mark.parametrize("element", [b"DeclaratieDagtekening", b"ijw:Begindatum"])
@pytest.mark.parametrize("bad", [b"2027-06-31", b"2025-02-30", b"2025-W05-4", b"20250101", b"2025-1-01"])
def test_invalid_date(tmp_path, jw323_bytes, element, bad):
    pattern = rb"(<" + element + rb">)\d{4}-\d{2}-\d{2}(<)"
    # the last occurrence: for Begindatum that is a Prestatie's ProductPeriode, not the declaration period
    last = list(re.finditer(pattern, jw323_bytes))[-1]
    data = jw323_bytes[: last.start()] + last.group(1) + bad + last.group(2) + jw323_bytes[last.end():]
    exc = expect_error(tmp_path, data, element.decode().removeprefix("ijw:"), "not a valid date")
    assert exc.line is not None
    assert bad.decode() not in exc.reason


def test_truncated_file(tmp_path, jw323_bytes):
    exc = expect_error(tmp_path, jw323_bytes[: len(jw323_bytes) // 2], "not well-formed")
    assert exc.line is not None


def test_empty_file(tmp_path):
    expect_error(tmp_path, b"", "empty")


def test_whitespace_only_file(tmp_path):
    expect_error(tmp_path, b"  \n\t\r\n   \n", "empty")


def test_non_utf8_bytes_declared_utf8(tmp_path, jw323_bytes):
    assert b'encoding="UTF-8"' in jw323_bytes[:60]
    data = re.sub(rb"<DeclaratieNummer>[^<]+<", b"<DeclaratieNummer>D\xe9\xff\xfe<", jw323_bytes, count=1)
    exc = expect_error(tmp_path, data, "not well-formed", "encoding")
    assert exc.line == jw323_bytes[: jw323_bytes.index(b"<DeclaratieNummer>")].count(b"\n") + 1


def test_prestatie_missing_ingediend_bedrag(tmp_path, jw323_bytes):
    data = re.sub(rb"\s*<IngediendBedrag>.*?</IngediendBedrag>", b"", jw323_bytes, count=1, flags=re.S)
    exc = expect_error(tmp_path, data, "Prestatie", "IngediendBedrag")
    assert exc.line == jw323_bytes[: jw323_bytes.index(b"<Prestatie>")].count(b"\n") + 1


def test_debet_credit_x(tmp_path, jw323_bytes):
    at = jw323_bytes.rindex(b"<ijw:DebetCredit>") + len(b"<ijw:DebetCredit>")
    assert jw323_bytes.rindex(b"<IngediendBedrag>") < at  # a Prestatie's, not the declaration total
    data = jw323_bytes[:at] + b"X" + jw323_bytes[at + 1:]
    exc = expect_error(tmp_path, data, "IngediendBedrag/DebetCredit", "not D or C")
    assert "'X'" not in exc.reason


@pytest.mark.parametrize("bad", ["1²", "١٢", "-5", "1.5", "12 5"])
def test_non_ascii_or_signed_number_is_a_parse_error(tmp_path, jw323_bytes, bad):
    data = re.sub(rb"<GeleverdVolume>\d+<", b"<GeleverdVolume>" + bad.encode() + b"<", jw323_bytes, count=1)
    expect_error(tmp_path, data, "GeleverdVolume", "not a whole number")


def test_bsn_with_non_ascii_digit_is_flagged_not_a_crash(jw323_bytes):
    data = re.sub(rb"<Bsn>(\d{8})\d<", "<Bsn>\\g<1>²<".encode(), jw323_bytes, count=1)
    msg = ijw.parse("x.xml", PSEUDO, data=data)
    assert msg.records[0].client["bsn_elfproef"] is False


def test_file_above_25_mb_refused_before_parsing(tmp_path, jw323_bytes, monkeypatch):
    path = tmp_path / "groot.xml"
    padding = ijw.MAX_FILE_BYTES - len(jw323_bytes) + 1024
    with open(path, "wb") as fh:
        fh.write(jw323_bytes)
        fh.write(b"<!--")
        fh.write(b" " * padding)
        fh.write(b"-->\n")
    assert path.stat().st_size > ijw.MAX_FILE_BYTES

    def no_parsing():
        raise AssertionError("the size check must come before parsing")

    monkeypatch.setattr(ijw, "_parser", no_parsing)
    with pytest.raises(IjwParseError) as info:
        ijw.parse(path, PSEUDO)
    assert "25 MB" in info.value.reason and str(path.stat().st_size) in info.value.reason


def test_file_of_exactly_25_mb_reaches_the_parser(tmp_path, monkeypatch):
    path = tmp_path / "precies.xml"
    with open(path, "wb") as fh:
        fh.truncate(ijw.MAX_FILE_BYTES)  # sparse: cheap

    class Reached(Exception):
        pass

    def reached():
        raise Reached

    monkeypatch.setattr(ijw, "_parser", reached)
    with pytest.raises(Reached):
        ijw.parse(path, PSEUDO)


# --------------------------------------------------------------------------- official XSDs


@pytest.mark.parametrize("kind", ["jw323_file", "jw301_file"])
def test_synth_file_valid_against_official_xsd(kind, request, official_xsd_dir):
    path = request.getfixturevalue(kind)
    assert ijw.parse(path, PSEUDO, xsd_dir=official_xsd_dir) == ijw.parse(path, PSEUDO)


def _ten_digit_bsn(data: bytes) -> bytes:
    out = re.sub(rb"<Bsn>(\d{9})</Bsn>", rb"<Bsn>\g<1>0</Bsn>", data, count=1)
    assert out != data
    return out


def test_ten_digit_bsn_fails_xsd_validation(tmp_path, jw323_bytes, official_xsd_dir):
    path = tmp_path / "bsn10.xml"
    path.write_bytes(_ten_digit_bsn(jw323_bytes))
    with pytest.raises(IjwParseError) as info:
        ijw.parse(path, PSEUDO, xsd_dir=official_xsd_dir)
    reason = info.value.reason
    assert "JW323.xsd" in reason and "Bsn" in reason
    assert "\n" not in reason
    assert info.value.line == jw323_bytes[: jw323_bytes.index(b"<Bsn>")].count(b"\n") + 1


def test_xsd_dir_from_env(jw323_bytes, official_xsd_dir, monkeypatch):
    monkeypatch.setenv("IJW_XSD_DIR", str(official_xsd_dir))
    with pytest.raises(IjwParseError, match="xsd"):
        ijw.parse("bsn10.xml", PSEUDO, data=_ten_digit_bsn(jw323_bytes))


def test_ten_digit_bsn_without_xsd_is_parsed_but_flagged(jw323_bytes):
    msg = ijw.parse("bsn10.xml", PSEUDO, data=_ten_digit_bsn(jw323_bytes))
    assert msg.records[0].client["bsn_elfproef"] is False

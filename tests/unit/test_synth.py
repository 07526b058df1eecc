"""Tests for the synthetic iJw generator: XSD validity, determinism, cross-message consistency."""

from __future__ import annotations

import calendar
import hashlib
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from jeugdhulp import synth
from jeugdhulp.privacy import elfproef, is_test_bsn
from jeugdhulp.reference import EENHEDEN, FREQUENTIES, GEMEENTEN, PRODUCT_CATEGORIEEN

B = "{http://www.istandaarden.nl/ijw/3_2/basisschema/schema}"
J301 = "{http://www.istandaarden.nl/ijw/3_2/jw301/schema}"
J323 = "{http://www.istandaarden.nl/ijw/3_2/jw323/schema}"
SEED, CLIENTS = 1, 60


def ijw_xsd_dir() -> Path:
    """The official iJw 3.2 XSDs: $IJW_XSD_DIR or <repo>/../shared/ijw-3.2/xsd."""
    default = Path(__file__).resolve().parents[2].parent / "shared" / "ijw-3.2" / "xsd"
    return Path(os.environ.get("IJW_XSD_DIR", default))


def _date(text: str) -> date:
    return date.fromisoformat(text)


@dataclass
class Corpus:
    dir: Path
    summary: synth.SynthSummary
    #: (gemeente, ToewijzingNummer) -> toewijzing fields (+ agb, bsn, dagtekening of its JW301).
    toewijzingen: dict[tuple[str, int], dict] = field(default_factory=dict)
    jw301_headers: list[dict] = field(default_factory=list)
    declaraties: list[dict] = field(default_factory=list)
    geboortedata: list[tuple[date, date]] = field(default_factory=list)  # (geboren, dagtekening)

    @property
    def regels(self) -> list[dict]:
        return [r for d in self.declaraties for r in d["regels"]]


def _header(root: etree._Element, ns: str, path: Path) -> dict:
    h = root.find(f"{ns}Header")
    return {
        "file": path.name,
        "code": h.findtext(f"{ns}BerichtCode"),
        "afzender": h.findtext(f"{ns}Afzender"),
        "ontvanger": h.findtext(f"{ns}Ontvanger"),
        "id": h.findtext(f"{ns}BerichtIdentificatie/{B}Identificatie"),
        "dagtekening": _date(h.findtext(f"{ns}BerichtIdentificatie/{B}Dagtekening")),
    }


def _read_jw301(path: Path, corpus: Corpus) -> None:
    root = etree.parse(str(path)).getroot()
    header = _header(root, J301, path)
    corpus.jw301_headers.append(header)
    client = root.find(f"{J301}Client")
    bsn = client.findtext(f"{J301}Bsn")
    geboren = _date(client.findtext(f"{J301}Geboortedatum/{B}Datum"))
    corpus.geboortedata.append((geboren, header["dagtekening"]))
    for tp in client.iterfind(f"{J301}ToegewezenProducten/{J301}ToegewezenProduct"):
        key = (header["afzender"], int(tp.findtext(f"{J301}ToewijzingNummer")))
        assert key not in corpus.toewijzingen, f"ToewijzingNummer {key} issued twice"
        eind = tp.findtext(f"{J301}Einddatum")
        corpus.toewijzingen[key] = {
            "agb": header["ontvanger"],
            "bsn": bsn,
            "dagtekening": header["dagtekening"],
            "categorie": tp.findtext(f"{J301}Product/{B}Categorie"),
            "code": tp.findtext(f"{J301}Product/{B}Code"),
            "toewijzingsdatum": _date(tp.findtext(f"{J301}Toewijzingsdatum")),
            "ingang": _date(tp.findtext(f"{J301}Ingangsdatum")),
            "eind": _date(eind) if eind else None,
            "eenheid": tp.findtext(f"{J301}Omvang/{B}Eenheid"),
            "frequentie": tp.findtext(f"{J301}Omvang/{B}Frequentie"),
        }


def _read_jw323(path: Path, corpus: Corpus) -> None:
    root = etree.parse(str(path)).getroot()
    header = _header(root, J323, path)
    d = root.find(f"{J323}Declaratie")
    totaal = int(d.findtext(f"{J323}TotaalIngediendBedrag/{B}TotaalBedrag"))
    if d.findtext(f"{J323}TotaalIngediendBedrag/{B}DebetCredit") == "C":
        totaal = -totaal
    regels = []
    for client in d.iterfind(f"{J323}Clienten/{J323}Client"):
        bsn = client.findtext(f"{J323}Bsn")
        for p in client.iterfind(f"{J323}Prestaties/{J323}Prestatie"):
            tarief = p.findtext(f"{J323}ProductTarief")
            regels.append({
                "bsn": bsn,
                "ref": p.findtext(f"{J323}ProductReferentie/{B}ReferentieNummer"),
                "vorig": p.findtext(f"{J323}ProductReferentie/{B}VorigReferentieNummer"),
                "nummer": int(p.findtext(f"{J323}ToewijzingNummer")),
                "categorie": p.findtext(f"{J323}ProductCategorie"),
                "code": p.findtext(f"{J323}ProductCode"),
                "begin": _date(p.findtext(f"{J323}ProductPeriode/{B}Begindatum")),
                "eind": _date(p.findtext(f"{J323}ProductPeriode/{B}Einddatum")),
                "volume": int(p.findtext(f"{J323}GeleverdVolume")),
                "eenheid": p.findtext(f"{J323}Eenheid"),
                "tarief": int(tarief) if tarief is not None else None,
                "bedrag": int(p.findtext(f"{J323}IngediendBedrag/{B}Bedrag")),
                "dc": p.findtext(f"{J323}IngediendBedrag/{B}DebetCredit"),
            })
    corpus.declaraties.append({
        **header,
        "nummer": d.findtext(f"{J323}DeclaratieNummer"),
        "begin": _date(d.findtext(f"{J323}DeclaratiePeriode/{B}Begindatum")),
        "eind": _date(d.findtext(f"{J323}DeclaratiePeriode/{B}Einddatum")),
        "declaratie_dagtekening": _date(d.findtext(f"{J323}DeclaratieDagtekening")),
        "totaal": totaal,
        "regels": regels,
    })


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    out = tmp_path_factory.mktemp("synth")
    result = Corpus(out, synth.generate(out, seed=SEED, clients=CLIENTS))
    for path in sorted(out.iterdir()):
        if path.name.startswith("JW301_"):
            _read_jw301(path, result)
        elif path.name.startswith("JW323_"):
            _read_jw323(path, result)
        else:
            pytest.fail(f"unexpected file {path.name}")
    return result


def _signed(regel: dict) -> int:
    return regel["bedrag"] if regel["dc"] == "D" else -regel["bedrag"]


def _hashes(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


# ------------------------------------------------------------------------------------ tests


def test_every_file_validates_against_official_xsd(corpus):
    xsd_dir = ijw_xsd_dir()
    if not (xsd_dir / "JW301.xsd").is_file():
        pytest.skip("official iJw XSDs not available (../shared absent)")
    schemas = {
        m: etree.XMLSchema(etree.parse(str(xsd_dir / f"{m}.xsd"))) for m in ("JW301", "JW323")
    }
    files = sorted(corpus.dir.iterdir())
    assert {f.name[:5] for f in files} == {"JW301", "JW323"}
    for path in files:
        schema = schemas[path.name[:5]]
        assert schema.validate(etree.parse(str(path))), f"{path.name}: {schema.error_log}"


def test_same_seed_gives_identical_bytes_other_seed_differs(corpus, tmp_path):
    synth.generate(tmp_path / "again", seed=SEED, clients=CLIENTS)
    synth.generate(tmp_path / "other", seed=SEED + 1, clients=CLIENTS)
    assert _hashes(tmp_path / "again") == _hashes(corpus.dir)
    assert _hashes(tmp_path / "other") != _hashes(corpus.dir)


def test_bsns_are_unique_test_bsns_passing_elfproef(corpus):
    client_bsns = [t["bsn"] for t in corpus.toewijzingen.values()]
    all_bsns = set(client_bsns) | {r["bsn"] for r in corpus.regels}
    assert all_bsns
    for bsn in all_bsns:
        assert is_test_bsn(bsn) and elfproef(bsn), bsn
    # one JW301 per client: every message has a client of its own
    bsn_per_file = {(t["agb"], t["bsn"]) for t in corpus.toewijzingen.values()}
    assert len({bsn for _, bsn in bsn_per_file}) == len(corpus.jw301_headers) == CLIENTS


def test_headers_gemeenten_and_identifiers(corpus):
    for h in corpus.jw301_headers:
        assert h["code"] == "436" and h["afzender"] in GEMEENTEN and len(h["ontvanger"]) == 8
        assert h["file"] == f"JW301_{h['afzender']}_{h['ontvanger']}_{h['id']}.xml"
    for d in corpus.declaraties:
        assert d["code"] == "490" and d["ontvanger"] in GEMEENTEN and len(d["afzender"]) == 8
        assert d["file"] == f"JW323_{d['afzender']}_{d['ontvanger']}_{d['begin']:%Y%m}.xml"
        assert d["nummer"].isalnum() and len(d["nummer"]) <= 12
    for headers in (corpus.jw301_headers, corpus.declaraties):
        ids = [(h["afzender"], h["id"]) for h in headers]
        assert len(ids) == len(set(ids)), "BerichtIdentificatie not unique per sender"
        assert all(len(i) <= 12 for _, i in ids)
    nummers = [(d["afzender"], d["nummer"]) for d in corpus.declaraties]
    assert len(nummers) == len(set(nummers)), "DeclaratieNummer not unique per provider"
    # several gemeenten are used, the largest most
    per_gemeente = Counter(h["afzender"] for h in corpus.jw301_headers)
    assert len(per_gemeente) >= 6 and per_gemeente["0193"] > per_gemeente["0180"]


def test_toewijzingen_follow_the_omvang_rules(corpus):
    assert corpus.toewijzingen
    for (_, nummer), t in corpus.toewijzingen.items():
        assert t["code"].startswith(t["categorie"]), nummer
        assert t["toewijzingsdatum"] == t["dagtekening"] <= t["ingang"], nummer
        assert t["eind"] is None or t["eind"] >= t["ingang"], nummer
        if t["frequentie"] in ("2", "6"):
            assert t["eind"] is not None, f"{nummer}: Frequentie {t['frequentie']} needs Einddatum"
        if t["eenheid"] in ("14", "16", "83", "84"):
            assert t["frequentie"] != "1", nummer
    for geboren, dagtekening in corpus.geboortedata:
        assert geboren <= dagtekening and dagtekening.year - geboren.year <= 18


def test_prestaties_belong_to_a_toewijzing_of_the_same_client_and_provider(corpus):
    assert corpus.regels
    for d in corpus.declaraties:
        for r in d["regels"]:
            t = corpus.toewijzingen.get((d["ontvanger"], r["nummer"]))
            assert t is not None, f"{d['file']}: unknown toewijzing {r['nummer']}"
            assert (t["agb"], t["bsn"]) == (d["afzender"], r["bsn"]), d["file"]
            product = ("categorie", "code", "eenheid")
            assert [t[k] for k in product] == [r[k] for k in product], d["file"]


def test_product_periode_lies_in_one_month_in_the_toewijzing_and_not_after_declaratie(corpus):
    for d in corpus.declaraties:
        last_day = calendar.monthrange(d["begin"].year, d["begin"].month)[1]
        assert d["begin"].day == 1 and d["eind"] == d["begin"].replace(day=last_day)
        assert d["eind"] < d["declaratie_dagtekening"] <= d["dagtekening"]
        for r in d["regels"]:
            begin, eind = r["begin"], r["eind"]
            t = corpus.toewijzingen[d["ontvanger"], r["nummer"]]
            assert (begin.year, begin.month) == (eind.year, eind.month) and begin <= eind
            assert eind <= d["eind"], f"{d['file']}: ProductPeriode after DeclaratiePeriode"
            assert t["ingang"] <= begin and (t["eind"] is None or eind <= t["eind"])
            month_end = eind.replace(day=calendar.monthrange(eind.year, eind.month)[1])
            assert begin.day == 1 or begin == t["ingang"]
            assert eind == month_end or eind == t["eind"]


def test_amounts(corpus):
    for r in corpus.regels:
        assert r["volume"] >= 1 and 0 <= r["bedrag"] <= 99_999_999
        if r["eenheid"] == "83":
            assert r["tarief"] is None and r["bedrag"] == r["volume"]
        else:
            assert r["tarief"] and r["bedrag"] == r["volume"] * r["tarief"]
    tarieven = defaultdict(set)
    for r in corpus.regels:
        tarieven[r["code"]].add(r["tarief"])
    assert all(len(t) == 1 for t in tarieven.values()), "one contract tariff per product code"


def test_header_total_is_signed_sum_of_lines(corpus):
    for d in corpus.declaraties:
        assert d["regels"], d["file"]
        assert d["totaal"] == sum(_signed(r) for r in d["regels"]), d["file"]


def test_credits_reverse_one_earlier_debit_and_late_claims_exist(corpus):
    lines = {}  # (agb, ref) -> (declaration begin, gemeente, line)
    for d in corpus.declaraties:
        for r in d["regels"]:
            key = (d["afzender"], r["ref"])
            assert key not in lines, f"ReferentieNummer {key} used twice"
            assert len(r["ref"]) <= 20
            lines[key] = (d["begin"], d["ontvanger"], r)
    credits = [(agb, begin, r) for (agb, _), (begin, _, r) in lines.items() if r["dc"] == "C"]
    assert credits, "corpus should contain credit lines"
    credited = Counter()
    for agb, begin, credit in credits:
        assert credit["vorig"], credit["ref"]
        debit_begin, _, debit = lines[agb, credit["vorig"]]
        assert debit["dc"] == "D" and debit_begin < begin, credit["ref"]
        assert {k: v for k, v in credit.items() if k not in ("ref", "vorig", "dc")} == {
            k: v for k, v in debit.items() if k not in ("ref", "vorig", "dc")
        }
        credited[agb, credit["vorig"]] += 1
    assert max(credited.values()) == 1, "a debit is credited at most once"
    assert all(r["vorig"] is None for _, _, r in lines.values() if r["dc"] == "D")
    # at most one open debit per (toewijzing = gemeente + nummer, product, ProductPeriode)
    open_debits = Counter()
    for (agb, ref), (_, gemeente, r) in lines.items():
        if r["dc"] == "D" and (agb, ref) not in credited:
            open_debits[gemeente, r["nummer"], r["code"], r["begin"]] += 1
    assert max(open_debits.values()) == 1


def test_summary_counts_equal_the_files(corpus):
    s = corpus.summary
    regels = corpus.regels
    assert s.files_jw301 == len(corpus.jw301_headers)
    assert s.files_jw323 == len(corpus.declaraties)
    assert s.toegewezen_producten == len(corpus.toewijzingen)
    assert s.clients == len({t["bsn"] for t in corpus.toewijzingen.values()})
    assert s.prestaties == len(regels)
    assert s.credits == sum(r["dc"] == "C" for r in regels)
    assert s.ingediend_bedrag_cents == sum(_signed(r) for r in regels)
    assert s.ingediend_bedrag_cents == sum(d["totaal"] for d in corpus.declaraties)
    # late claims: debits for an earlier month whose product period had no debit before
    # (debits for an earlier month that do share one are corrections after a credit)
    gezien, late = set(), 0
    for d in sorted(corpus.declaraties, key=lambda d: d["begin"]):
        for r in d["regels"]:
            key = (d["ontvanger"], r["nummer"], r["code"], r["begin"])
            if r["dc"] == "D" and r["begin"] < d["begin"] and key not in gezien:
                late += 1
            gezien.add(key)
    assert s.late_claims == late > 0


def test_catalogue_and_profiles_use_reference_codes():
    assert set(synth.GEMEENTE_PROFIEL) == set(GEMEENTEN)
    for _, laag, hoog in synth.GEMEENTE_PROFIEL.values():
        assert 7400 <= laag <= hoog <= 8399
    for p in synth.CATALOGUS:
        assert p.categorie in PRODUCT_CATEGORIEEN and p.code.startswith(p.categorie)
        assert p.eenheid in EENHEDEN and (p.tarief is None) == (p.eenheid == "83")
        assert all(f in FREQUENTIES and f != "1" for f, _, _ in p.omvang)
    pool = synth.bsn_pool()
    assert len(pool) == len(set(pool)) == synth.MAX_CLIENTS
    assert all(is_test_bsn(b) and elfproef(b) for b in pool)


def test_providers_are_stable_and_distinct():
    twelve = synth.aanbieders(12)
    assert synth.aanbieders(3) == twelve[:3]
    assert len({a.agb for a in twelve}) == len({a.naam for a in twelve}) == 12
    assert all(len(a.agb) == 8 and a.agb.isdigit() and len(a.producten) >= 2 for a in twelve)


def test_rejects_more_clients_than_test_bsns(tmp_path):
    with pytest.raises(ValueError, match="11-proef"):
        synth.generate(tmp_path / "x", clients=synth.MAX_CLIENTS + 1)
    assert not (tmp_path / "x").exists()

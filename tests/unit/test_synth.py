"""Tests for the synthetic iJw generator: XSD validity, determinism, cross-message consistency."""

from __future__ import annotations

import calendar
import hashlib
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree

from jeugdhulp import synth
from jeugdhulp.privacy import elfproef, is_test_bsn
from jeugdhulp.reference import EENHEDEN, FREQUENTIES, GEMEENTEN, PRODUCT_CATEGORIEEN

B = "{http://www.istandaarden.nl/ijw/3_2/basisschema/schema}"
TYPES = synth.BERICHTEN
SEED, CLIENTS, PROVIDERS = 2, 200, 6
VIOLATION_SHARE = 0.2
#: The second corpus raises the shares of the rare (1-3 %) features so that each surely occurs.
BOOST = {
    "VOW_SHARE": 0.5, "VOT_REJECTED_SHARE": 0.2, "VOT_INVESTIGATION_SHARE": 0.2,
    "START_CORRECTION_SHARE": 0.1, "TEMPORARY_STOP_SHARE": 0.2, "DECLARATION_REJECTED_SHARE": 0.05,
    "STOP_DELETED_SHARE": 0.1, "TOEWIJZING_DELETED_SHARE": 0.1,
}
CONTRACT = {p.code: synth.tarief(p, 2025) for p in synth.CATALOGUS}
CATEGORIE_VORM = {c: vorm for vorm, cs in synth.VORM_CATEGORIEEN.items() for c in cs}


def ijw_xsd_dir() -> Path:
    """The official iJw 3.2 XSDs: $IJW_XSD_DIR or <repo>/../shared/ijw-3.2/xsd."""
    default = Path(__file__).resolve().parents[2].parent / "shared" / "ijw-3.2" / "xsd"
    return Path(os.environ.get("IJW_XSD_DIR", default))


def _ns(bericht: str) -> str:
    return f"{{http://www.istandaarden.nl/ijw/3_2/{bericht.lower()}/schema}}"


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _signed(bedrag: int, dc: str) -> int:
    return bedrag if dc == "D" else -bedrag


@dataclass
class Corpus:
    dir: Path
    summary: synth.SynthSummary
    year: int = 2025
    boosted: bool = False
    files: dict[str, list[Path]] = field(default_factory=lambda: defaultdict(list))
    headers: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    #: every ToegewezenProduct of every JW301 (all versions)
    toegewezen: list[dict] = field(default_factory=list)
    starts: list[dict] = field(default_factory=list)
    stops: list[dict] = field(default_factory=list)
    vot: list[dict] = field(default_factory=list)
    vow: list[dict] = field(default_factory=list)
    antwoorden: list[dict] = field(default_factory=list)
    declaraties: list[dict] = field(default_factory=list)
    antwoord_declaraties: list[dict] = field(default_factory=list)
    #: (gemeente, bsn) -> set of (geboortedatum, geslacht, achternaam) seen in the messages
    personen: dict[tuple[str, str], set] = field(default_factory=lambda: defaultdict(set))

    @property
    def regels(self) -> list[dict]:
        return [r for d in self.declaraties for r in d["regels"]]

    def huidige_toewijzingen(self) -> dict[tuple[str, int], dict]:
        """(gemeente, ToewijzingNummer) -> the current version (latest datum + tijd)."""
        huidig = {}
        for tp in self.toegewezen:
            key = (tp["gemeente"], tp["nummer"])
            if key not in huidig or (tp["datum"], tp["tijd"]) > (huidig[key]["datum"], huidig[key]["tijd"]):
                huidig[key] = tp
        return huidig

    def beoordeling(self) -> tuple[dict, set]:
        """(declaratie file -> its JW325, set of rejected (declaratie file, ReferentieNummer))."""
        per_id = {(d["afzender"], d["id"], d["dagtekening"]): d for d in self.declaraties}
        antwoord = {}
        afgewezen = set()
        for a in self.antwoord_declaraties:
            d = per_id[a["ontvanger"], a["declaratie_id"], a["declaratie_dag"]]
            antwoord[d["file"]] = a
            if a["header_codes"] != ["0200"] or a["da_codes"] not in (["8001"], ["0200"]):
                afgewezen |= {(d["file"], r["ref"]) for r in d["regels"]}
            else:
                afgewezen |= {(d["file"], r["ref"]) for r in a["regels"]}
        return antwoord, afgewezen


def _header(root, ns: str, path: Path) -> dict:
    h = root.find(f"{ns}Header")
    return {
        "file": path.name,
        "code": h.findtext(f"{ns}BerichtCode"),
        "afzender": h.findtext(f"{ns}Afzender"),
        "ontvanger": h.findtext(f"{ns}Ontvanger"),
        "id": h.findtext(f"{ns}BerichtIdentificatie/{B}Identificatie"),
        "dagtekening": _date(h.findtext(f"{ns}BerichtIdentificatie/{B}Dagtekening")),
    }


def _persoon(corpus: Corpus, client, ns: str, gemeente: str) -> str:
    bsn = client.findtext(f"{ns}Bsn")
    corpus.personen[gemeente, bsn].add((
        client.findtext(f"{ns}Geboortedatum/{B}Datum"),
        client.findtext(f"{ns}Geslacht"),
        client.findtext(f"{ns}Naam/{B}Geslachtsnaam/{B}Achternaam"),
    ))
    return bsn


def _omvang(el, ns: str) -> tuple | None:
    o = el.find(f"{ns}Omvang")
    if o is None:
        return None
    return (int(o.findtext(f"{B}Volume")), o.findtext(f"{B}Eenheid"), o.findtext(f"{B}Frequentie"))


def _prestatie(p, ns: str, bsn: str) -> dict:
    tarief = p.findtext(f"{ns}ProductTarief")
    return {
        "bsn": bsn,
        "ref": p.findtext(f"{ns}ProductReferentie/{B}ReferentieNummer"),
        "vorig": p.findtext(f"{ns}ProductReferentie/{B}VorigReferentieNummer"),
        "nummer": int(p.findtext(f"{ns}ToewijzingNummer")),
        "categorie": p.findtext(f"{ns}ProductCategorie"),
        "code": p.findtext(f"{ns}ProductCode"),
        "begin": _date(p.findtext(f"{ns}ProductPeriode/{B}Begindatum")),
        "eind": _date(p.findtext(f"{ns}ProductPeriode/{B}Einddatum")),
        "volume": int(p.findtext(f"{ns}GeleverdVolume")),
        "eenheid": p.findtext(f"{ns}Eenheid"),
        "tarief": int(tarief) if tarief is not None else None,
        "bedrag": int(p.findtext(f"{ns}IngediendBedrag/{B}Bedrag")),
        "dc": p.findtext(f"{ns}IngediendBedrag/{B}DebetCredit"),
        "codes": [c.text for c in p.iterfind(f"{ns}RetourCodes/{ns}RetourCode")],
    }


def _totaal(el, ns: str, tag: str) -> int:
    return _signed(int(el.findtext(f"{ns}{tag}/{B}TotaalBedrag")), el.findtext(f"{ns}{tag}/{B}DebetCredit"))


def _read(path: Path, corpus: Corpus) -> None:
    bericht = path.name[:5]
    ns = _ns(bericht)
    root = etree.parse(str(path)).getroot()
    h = _header(root, ns, path)
    corpus.files[bericht].append(path)
    corpus.headers[bericht].append(h)
    client = root.find(f"{ns}Client")
    if bericht == "JW301":
        bsn = _persoon(corpus, client, ns, h["afzender"])
        for tp in client.iterfind(f"{ns}ToegewezenProducten/{ns}ToegewezenProduct"):
            corpus.toegewezen.append({
                "file": path.name, "gemeente": h["afzender"], "agb": h["ontvanger"], "bsn": bsn,
                "dagtekening": h["dagtekening"],
                "nummer": int(tp.findtext(f"{ns}ToewijzingNummer")),
                "ref": tp.findtext(f"{ns}ReferentieAanbieder"),
                "categorie": tp.findtext(f"{ns}Product/{B}Categorie"),
                "code": tp.findtext(f"{ns}Product/{B}Code"),
                "datum": _date(tp.findtext(f"{ns}Toewijzingsdatum")),
                "tijd": tp.findtext(f"{ns}Toewijzingstijd"),
                "ingang": _date(tp.findtext(f"{ns}Ingangsdatum")),
                "eind": _date(tp.findtext(f"{ns}Einddatum")),
                "reden": tp.findtext(f"{ns}RedenWijziging"),
                "omvang": _omvang(tp, ns),
                "budget": int(tp.findtext(f"{ns}Budget")) if tp.find(f"{ns}Budget") is not None else None,
            })
    elif bericht in ("JW305", "JW307"):
        bsn = _persoon(corpus, client, ns, h["ontvanger"])
        tag = "StartProduct" if bericht == "JW305" else "StopProduct"
        for sp in client.iterfind(f"{ns}{tag}en/{ns}{tag}"):
            (corpus.starts if bericht == "JW305" else corpus.stops).append({
                **h, "gemeente": h["ontvanger"], "agb": h["afzender"], "bsn": bsn,
                "nummer": int(sp.findtext(f"{ns}ToewijzingNummer")),
                "categorie": sp.findtext(f"{ns}Product/{B}Categorie"),
                "code": sp.findtext(f"{ns}Product/{B}Code"),
                "toewijzing_ingang": _date(sp.findtext(f"{ns}ToewijzingIngangsdatum")),
                "begin": _date(sp.findtext(f"{ns}Begindatum")),
                "reden": sp.findtext(f"{ns}RedenBeeindiging"),
                "einde": _date(sp.findtext(f"{ns}Einddatum")),
                "status": sp.findtext(f"{ns}StatusAanlevering"),
            })
    elif bericht == "JW315":
        bsn = _persoon(corpus, client, ns, h["ontvanger"])
        for ap in client.iterfind(f"{ns}AangevraagdeProducten/{ns}AangevraagdProduct"):
            corpus.vot.append({
                **h, "gemeente": h["ontvanger"], "agb": h["afzender"], "bsn": bsn,
                "ref": ap.findtext(f"{ns}ReferentieAanbieder"),
                "categorie": ap.findtext(f"{ns}Product/{B}Categorie"),
                "code": ap.findtext(f"{ns}Product/{B}Code"),
                "ingang": _date(ap.findtext(f"{ns}ToewijzingIngangsdatum")),
                "eind": _date(ap.findtext(f"{ns}ToewijzingEinddatum")),
                "omvang": _omvang(ap, ns),
                "verwijzer": (ap.findtext(f"{ns}Verwijzer/{B}Type"), ap.findtext(f"{ns}Verwijzer/{B}Naam"),
                              ap.findtext(f"{ns}Verwijzer/{B}ZorgverlenerCode")),
            })
    elif bericht == "JW317":
        v = client.find(f"{ns}Verzoek")
        te = v.findall(f"{ns}TeWijzigenProducten/{ns}TeWijzigenProduct")
        corpus.vow.append({
            **h, "gemeente": h["ontvanger"], "agb": h["afzender"], "bsn": client.findtext(f"{ns}Bsn"),
            "ref": v.findtext(f"{ns}ReferentieAanbieder"),
            "reden": v.findtext(f"{ns}RedenVerzoek"),
            "ongewijzigd": [int(x.text) for x in v.iterfind(
                f"{ns}OngewijzigdeProducten/{ns}OngewijzigdProduct/{ns}ToewijzingNummer")],
            "te_wijzigen": [(int(x.findtext(f"{ns}ToewijzingNummer")), _date(x.findtext(f"{ns}GewensteIngangsdatum")),
                             _date(x.findtext(f"{ns}Einddatum")), _omvang(x, ns)) for x in te],
            "nieuw": len(v.findall(f"{ns}NieuweProducten/{ns}NieuwProduct")),
        })
    elif bericht == "JW319":
        a = root.find(f"{ns}Antwoord")
        corpus.antwoorden.append({
            **h, "gemeente": h["afzender"], "agb": h["ontvanger"],
            "ref": a.findtext(f"{ns}ReferentieAanbieder"),
            "antwoord": a.findtext(f"{ns}VerzoekAntwoord"),
            "reden": a.findtext(f"{ns}RedenAfwijzingVerzoek"),
        })
    elif bericht == "JW323":
        d = root.find(f"{ns}Declaratie")
        regels = [
            _prestatie(p, ns, c.findtext(f"{ns}Bsn"))
            for c in d.iterfind(f"{ns}Clienten/{ns}Client")
            for p in c.iterfind(f"{ns}Prestaties/{ns}Prestatie")
        ]
        corpus.declaraties.append({
            **h,
            "nummer": d.findtext(f"{ns}DeclaratieNummer"),
            "begin": _date(d.findtext(f"{ns}DeclaratiePeriode/{B}Begindatum")),
            "eind": _date(d.findtext(f"{ns}DeclaratiePeriode/{B}Einddatum")),
            "declaratie_dagtekening": _date(d.findtext(f"{ns}DeclaratieDagtekening")),
            "totaal": _totaal(d, ns, "TotaalIngediendBedrag"),
            "xsd": (root.findtext(f"{ns}Header/{ns}XsdVersie/{B}BasisschemaXsdVersie"),
                    root.findtext(f"{ns}Header/{ns}XsdVersie/{B}BerichtXsdVersie")),
            "regels": regels,
        })
    elif bericht == "JW325":
        hd = root.find(f"{ns}Header")
        da = root.find(f"{ns}DeclaratieAntwoord")
        a = {
            **h,
            "declaratie_id": hd.findtext(f"{ns}DeclaratieIdentificatie/{B}Identificatie"),
            "declaratie_dag": _date(hd.findtext(f"{ns}DeclaratieIdentificatie/{B}Dagtekening")),
            "xsd_declaratie": (hd.findtext(f"{ns}XsdVersieDeclaratie/{B}BasisschemaXsdVersie"),
                               hd.findtext(f"{ns}XsdVersieDeclaratie/{B}BerichtXsdVersie")),
            "header_codes": [c.text for c in hd.iterfind(f"{ns}RetourCodes/{ns}RetourCode")],
            "da_codes": None, "nummer": None, "ingediend": None, "toegekend": None,
            "clienten": [], "regels": [],
        }
        if da is not None:
            a.update(
                nummer=da.findtext(f"{ns}DeclaratieNummer"),
                ingediend=_totaal(da, ns, "TotaalIngediendBedrag"),
                toegekend=_totaal(da, ns, "TotaalToegekendBedrag"),
                da_codes=[c.text for c in da.findall(f"{ns}RetourCodes/{ns}RetourCode")],
            )
            for c in da.iterfind(f"{ns}Clienten/{ns}Client"):
                bsn = c.findtext(f"{ns}Bsn")
                a["clienten"].append((bsn, [x.text for x in c.findall(f"{ns}RetourCodes/{ns}RetourCode")]))
                a["regels"] += [_prestatie(p, ns, bsn) for p in c.iterfind(f"{ns}Prestaties/{ns}Prestatie")]
        corpus.antwoord_declaraties.append(a)
    else:
        pytest.fail(f"unexpected file {path.name}")


def _load(out: Path, boosted: bool = False, **kwargs) -> Corpus:
    corpus = Corpus(out, synth.generate(out, **kwargs), year=kwargs.get("year", 2025), boosted=boosted)
    for path in sorted(out.iterdir()):
        _read(path, corpus)
    return corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return _load(tmp_path_factory.mktemp("synth"), seed=SEED, clients=CLIENTS, providers=PROVIDERS)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> Corpus:
    """A corpus with ``violations`` injected and the rare features boosted (``BOOST``)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, share in BOOST.items():
            mp.setattr(synth, name, share)
        return _load(tmp_path_factory.mktemp("dirty"), boosted=True, seed=SEED + 7, clients=80,
                     providers=PROVIDERS, violations=VIOLATION_SHARE)


@pytest.fixture(params=["clean", "dirty"])
def any_corpus(request) -> Corpus:
    return request.getfixturevalue("corpus" if request.param == "clean" else "dirty")


def _hashes(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


# ------------------------------------------------------------------------------------ files


def test_every_file_of_every_type_validates_against_official_xsd(corpus, dirty):
    xsd_dir = ijw_xsd_dir()
    if not (xsd_dir / "JW301.xsd").is_file():
        pytest.skip("official iJw XSDs not available (../shared absent)")
    schemas = {m: etree.XMLSchema(etree.parse(str(xsd_dir / f"{m}.xsd"))) for m in TYPES}
    for c in (corpus, dirty):
        files = sorted(c.dir.iterdir())
        assert {f.name[:5] for f in files} == set(TYPES)
        for path in files:
            schema = schemas[path.name[:5]]
            assert schema.validate(etree.parse(str(path))), f"{path.name}: {schema.error_log}"


def test_same_seed_gives_identical_bytes_other_seed_differs(corpus, tmp_path):
    synth.generate(tmp_path / "again", seed=SEED, clients=CLIENTS, providers=PROVIDERS, violations=0.0)
    synth.generate(tmp_path / "other", seed=SEED + 1, clients=CLIENTS, providers=PROVIDERS)
    assert _hashes(tmp_path / "again") == _hashes(corpus.dir)
    assert _hashes(tmp_path / "other") != _hashes(corpus.dir)


def test_headers_file_names_and_identifiers(any_corpus):
    c = any_corpus
    gemeente_afzender = {"JW301", "JW319", "JW325"}
    for bericht in TYPES:
        headers = c.headers[bericht]
        assert headers, f"no {bericht}"
        for h in headers:
            assert h["code"] == synth.BERICHT_CODES[bericht], h["file"]
            gemeente, agb = (h["afzender"], h["ontvanger"]) if bericht in gemeente_afzender else (
                h["ontvanger"], h["afzender"])
            assert gemeente in GEMEENTEN and len(agb) == 8 and agb.isdigit(), h["file"]
            if bericht not in ("JW323", "JW325"):  # those are named after their period (below)
                first, second = (gemeente, agb) if bericht in gemeente_afzender else (agb, gemeente)
                assert h["file"] == f"{bericht}_{first}_{second}_{h['id']}.xml"
        ids = [(h["afzender"], h["id"]) for h in headers]
        assert len(ids) == len(set(ids)), f"{bericht}: BerichtIdentificatie not unique per sender"
        assert all(0 < len(i) <= 12 for _, i in ids)
    for d in c.declaraties:
        assert d["file"] == f"JW323_{d['afzender']}_{d['ontvanger']}_{d['begin']:%Y%m}.xml"
        assert d["nummer"].isalnum() and len(d["nummer"]) <= 12
    for a in c.antwoord_declaraties:
        declaratie = a["declaratie_id"][1:7]  # B<YYYYMM><gemeente>
        assert a["file"] == f"JW325_{a['afzender']}_{a['ontvanger']}_{declaratie}.xml"
    nummers = [(d["afzender"], d["nummer"]) for d in c.declaraties]
    assert len(nummers) == len(set(nummers)), "DeclaratieNummer not unique per provider"


def test_summary_counts_equal_the_files(any_corpus):
    c, s = any_corpus, any_corpus.summary
    assert s.files == {t: len(c.files[t]) for t in TYPES}
    assert s.records == {
        "JW301": len(c.toegewezen), "JW305": len(c.starts), "JW307": len(c.stops), "JW315": len(c.vot),
        "JW317": len(c.vow), "JW319": len(c.antwoorden), "JW323": len(c.regels),
        "JW325": sum(len(a["regels"]) for a in c.antwoord_declaraties),
    }
    assert s.files_jw301 == s.files["JW301"] and s.files_jw323 == s.files["JW323"]
    assert s.toegewezen_producten == len(c.toegewezen) and s.prestaties == len(c.regels)
    assert s.clients == len(c.personen) == len({(t["gemeente"], t["bsn"]) for t in c.toegewezen})
    assert s.gemeenten == len({t["gemeente"] for t in c.toegewezen})
    assert s.credits == sum(r["dc"] == "C" for r in c.regels)
    assert s.ingediend_bedrag_cents == sum(_signed(r["bedrag"], r["dc"]) for r in c.regels)
    assert s.ingediend_bedrag_cents == sum(d["totaal"] for d in c.declaraties)
    assert s.toegekend_bedrag_cents == sum(a["toegekend"] or 0 for a in c.antwoord_declaraties)
    afgewezen = [a for a in c.antwoord_declaraties if a["header_codes"] != ["0200"] or a["da_codes"] == ["9333"]]
    assert s.declaraties_afgewezen == len(afgewezen)


def test_late_claims_counted(corpus):
    # late claims: debits for an earlier month whose product period had no debit before
    # (debits for an earlier month that do share one are corrections or declared again)
    gezien, late = set(), 0
    for d in sorted(corpus.declaraties, key=lambda d: d["begin"]):
        for r in d["regels"]:
            key = (d["ontvanger"], r["nummer"], r["code"], r["begin"])
            if r["dc"] == "D" and r["begin"] < d["begin"] and key not in gezien:
                late += 1
            gezien.add(key)
    assert corpus.summary.late_claims == late > 0


# ------------------------------------------------------------------------------------ clients


def test_bsns_are_unique_test_bsns_passing_elfproef(corpus):
    bsns = {bsn for _, bsn in corpus.personen} | {r["bsn"] for r in corpus.regels}
    assert bsns
    for bsn in bsns:
        assert is_test_bsn(bsn) and elfproef(bsn), bsn
    # custom scale: one BSN per youth, none reused
    assert len({bsn for _, bsn in corpus.personen}) == len(corpus.personen) == CLIENTS
    assert corpus.summary.bsn_reused == 0
    # every youth has a toewijzing, several gemeenten are used, the largest most
    assert {(t["gemeente"], t["bsn"]) for t in corpus.toegewezen} == set(corpus.personen)
    per_gemeente = Counter(g for g, _ in corpus.personen)
    assert len(per_gemeente) >= 8 and per_gemeente["0193"] > per_gemeente["0180"]


def test_client_data_is_the_same_in_every_message(any_corpus):
    for key, varianten in any_corpus.personen.items():
        assert len(varianten) == 1, (key, varianten)
        geboren = date.fromisoformat(next(iter(varianten))[0])
        assert geboren < date(any_corpus.year - 1, 1, 1)
    eerste = defaultdict(lambda: date.max)
    for bericht in TYPES:
        for h in any_corpus.headers[bericht]:
            gemeente = h["afzender"] if bericht in ("JW301", "JW319", "JW325") else h["ontvanger"]
            eerste[gemeente] = min(eerste[gemeente], h["dagtekening"])
    for (gemeente, _), varianten in any_corpus.personen.items():
        geboren = date.fromisoformat(next(iter(varianten))[0])
        assert geboren <= eerste[gemeente]


def test_forms_mix_has_all_four_forms(corpus):
    vormen = defaultdict(set)
    for t in corpus.toegewezen:
        if t["categorie"] is not None:  # a generic toewijzing names no product
            vormen[t["gemeente"], t["bsn"]].add(CATEGORIE_VORM[t["categorie"]])
    per_vorm = Counter(v for s in vormen.values() for v in s)
    assert set(per_vorm) == set(synth.VORM_CATEGORIEEN)
    assert per_vorm["zonder_verblijf"] > per_vorm["met_verblijf"] > per_vorm["jeugdreclassering"]
    assert any(len(s) > 1 for s in vormen.values()), "some youths should have more than one form"
    # jeugdbescherming and jeugdreclassering only at a gecertificeerde instelling
    gi = {a.agb for a in synth.aanbieders(PROVIDERS) if a.naam.startswith("Gecertificeerde")}
    assert gi and all(t["agb"] in gi for t in corpus.toegewezen if t["categorie"] in synth.GI_CATEGORIEEN)


# ------------------------------------------------------------------------------------ JW301


def test_toewijzingen_follow_the_omvang_and_version_rules(any_corpus):
    c = any_corpus
    versies = defaultdict(list)
    for tp in c.toegewezen:
        versies[tp["gemeente"], tp["nummer"]].append(tp)
    assert c.toegewezen
    for key, lijst in versies.items():
        lijst.sort(key=lambda t: (t["dagtekening"], t["datum"], t["tijd"]))
        eerste = lijst[0]
        # a ToewijzingNummer keeps its client, provider and product
        assert len({(t["bsn"], t["agb"], t["categorie"], t["code"], t["ingang"]) for t in lijst}) == 1, key
        assert eerste["datum"] == eerste["dagtekening"] <= eerste["ingang"], key
        assert eerste["reden"] is None, f"{key}: first version has a RedenWijziging"
        for t in lijst:
            assert t["datum"] <= t["dagtekening"], key
            assert t["eind"] is None or t["eind"] >= t["ingang"], key
            if t["code"] is None:  # aspecific (category only) or generic (no product): no Omvang
                assert t["omvang"] is None, key
                assert t["categorie"] is not None or t["budget"] is not None, f"{key}: generic needs a Budget"
            else:
                assert t["code"].startswith(t["categorie"]) and t["budget"] is None, key
                volume, eenheid, frequentie = t["omvang"]
                if frequentie in ("2", "6"):
                    assert t["eind"] is not None, f"{key}: Frequentie {frequentie} needs Einddatum"
                if eenheid in ("14", "16", "82", "83", "84"):
                    assert frequentie != "1", key
            if t["budget"] is not None:
                assert t["eind"] is not None and 0 < t["budget"] <= 99_999_999, f"{key}: Budget needs Einddatum"
        for oud, nieuw in zip(lijst, lijst[1:]):
            if (nieuw["datum"], nieuw["tijd"]) == (oud["datum"], oud["tijd"]):
                assert {k: v for k, v in nieuw.items() if k not in ("file", "dagtekening", "ref")} == {
                    k: v for k, v in oud.items() if k not in ("file", "dagtekening", "ref")}, key
                continue
            assert (nieuw["datum"], nieuw["tijd"]) > (oud["datum"], oud["tijd"]), key
            assert nieuw["omvang"] == oud["omvang"] and nieuw["budget"] == oud["budget"], key
            if nieuw["reden"] == "12":  # shortened for a VOW
                assert nieuw["eind"] < (oud["eind"] or date.max), key
            elif nieuw["reden"] == "13":  # deleted: never existed
                assert nieuw["eind"] == nieuw["ingang"] and oud["reden"] is None, key
            else:  # an open-ended toewijzing ended after the care stopped
                assert oud["eind"] is None and nieuw["eind"] is not None, key
                assert nieuw["reden"] in set(synth.REDEN_WIJZIGING_NA_STOP.values()) | {"05"}, key


def test_no_stacking_of_the_same_product(any_corpus):
    # TR302: per client and provider, no overlapping valid toewijzingen of the same product; a
    # toewijzing without ProductCode covers its category, one without Product every product
    huidig = any_corpus.huidige_toewijzingen()
    per_client = defaultdict(list)
    for t in huidig.values():
        if t["reden"] != "13":
            per_client[t["gemeente"], t["bsn"], t["agb"]].append(t)
    for key, lijst in per_client.items():
        for i, a in enumerate(lijst):
            for b in lijst[i + 1:]:
                zelfde = None in (a["categorie"], b["categorie"]) or (
                    a["categorie"] == b["categorie"] and (None in (a["code"], b["code"]) or a["code"] == b["code"]))
                overlap = a["ingang"] <= (b["eind"] or date.max) and b["ingang"] <= (a["eind"] or date.max)
                assert not (zelfde and overlap), (key, a["nummer"], b["nummer"])


# ------------------------------------------------------------------------------------ JW315 / JW317 / JW319


def test_vot_is_answered_by_the_honouring_jw301_or_a_jw319(any_corpus):
    c = any_corpus
    assert c.vot
    refs = Counter((v["agb"], v["ref"]) for v in c.vot) + Counter((v["agb"], v["ref"]) for v in c.vow)
    assert max(refs.values()) == 1, "ReferentieAanbieder not unique per provider"
    in_jw301 = defaultdict(list)
    for tp in c.toegewezen:
        if tp["ref"]:
            in_jw301[tp["agb"], tp["ref"]].append(tp)
    assert all(len(v) == 1 for v in in_jw301.values()), "ReferentieAanbieder sent more than once"
    jw319 = defaultdict(list)
    for a in c.antwoorden:
        jw319[a["agb"], a["ref"]].append(a)
        assert (a["agb"], a["ref"]) in refs, f"{a['file']}: answers no request"
        assert (a["reden"] is not None) == (a["antwoord"] == "1"), a["file"]
    afgewezen = onderzoek = 0
    for v in c.vot:
        key = (v["agb"], v["ref"])
        soort, naam, code = v["verwijzer"]
        assert soort in ("02", "03", "04", "05", "08"), v["file"]
        if soort in ("02", "03", "04", "05"):
            assert bool(naam) != bool(code), f"{v['file']}: Naam or ZorgverlenerCode"
        else:
            assert v["categorie"] in synth.GI_CATEGORIEEN
        antwoorden = sorted(jw319.get(key, []), key=lambda a: a["dagtekening"])
        definitief = [a for a in antwoorden if a["antwoord"] == "1"]
        assert (key in in_jw301) != bool(definitief), f"{key}: honoured xor rejected"
        assert all(a["gemeente"] == v["gemeente"] and a["dagtekening"] > v["dagtekening"] for a in antwoorden)
        assert sum(a["antwoord"] == "2" for a in antwoorden) <= 1
        if key in in_jw301:
            tp = in_jw301[key][0]
            assert (tp["gemeente"], tp["bsn"], tp["categorie"], tp["code"]) == (
                v["gemeente"], v["bsn"], v["categorie"], v["code"]), key
            assert (tp["ingang"], tp["eind"], tp["omvang"]) == (v["ingang"], v["eind"], v["omvang"]), key
            assert v["dagtekening"] < tp["datum"], key
            assert all(a["dagtekening"] < tp["datum"] for a in antwoorden), key
            onderzoek += bool(antwoorden)
        else:
            afgewezen += 1
    if c.boosted:
        assert afgewezen and onderzoek, "expected rejected and 'in onderzoek' requests"


def test_vow_lists_all_current_toewijzingen_and_is_answered(any_corpus):
    c = any_corpus
    assert c.vow
    huidig_op = defaultdict(list)
    for tp in c.toegewezen:
        huidig_op[tp["gemeente"], tp["agb"], tp["bsn"]].append(tp)
    jw319 = {(a["agb"], a["ref"]): a for a in c.antwoorden}
    honoured = {(tp["agb"], tp["ref"]): tp for tp in c.toegewezen if tp["ref"]}
    uitkomsten = Counter()
    for v in c.vow:
        # the state known at the VOW date: latest version per number
        state = {}
        for tp in huidig_op[v["gemeente"], v["agb"], v["bsn"]]:
            if tp["dagtekening"] <= v["dagtekening"]:
                oud = state.get(tp["nummer"])
                if oud is None or (tp["datum"], tp["tijd"]) > (oud["datum"], oud["tijd"]):
                    state[tp["nummer"]] = tp
        lopend = {n for n, tp in state.items() if tp["eind"] is None or tp["eind"] >= v["dagtekening"]}
        (nummer, gewenst, eind, omvang), = v["te_wijzigen"]
        assert set(v["ongewijzigd"]) | {nummer} == lopend and nummer not in v["ongewijzigd"], v["file"]
        assert gewenst > v["dagtekening"] and eind == state[nummer]["eind"], v["file"]
        key = (v["agb"], v["ref"])
        assert (key in jw319) != (key in honoured), v["file"]
        if key in jw319:
            assert jw319[key]["antwoord"] == "1"
            uitkomsten["afgewezen"] += 1
            continue
        uitkomsten["toegewezen"] += 1
        nieuw = honoured[key]
        assert nieuw["nummer"] not in state and nieuw["ingang"] == gewenst and nieuw["omvang"] == omvang
        assert nieuw["eind"] == eind and nieuw["reden"] is None
        same_file = [tp for tp in c.toegewezen if tp["file"] == nieuw["file"]]
        gewijzigd = next(tp for tp in same_file if tp["nummer"] == nummer)
        assert gewijzigd["reden"] == "12" and gewijzigd["eind"] == gewenst - timedelta(days=1)
        still_valid = {n for n, tp in state.items() if tp["eind"] is None or tp["eind"] >= nieuw["dagtekening"]}
        assert {tp["nummer"] for tp in same_file} == still_valid | {nieuw["nummer"]}
    if c.boosted:
        assert set(uitkomsten) == {"afgewezen", "toegewezen"}
        assert any(v["ongewijzigd"] for v in c.vow), "expected a VOW with an OngewijzigdProduct"


# ------------------------------------------------------------------------------------ JW305 / JW307


def _start_stop_events(c: Corpus) -> list[tuple[str, dict]]:
    """Starts and stops in the order they take effect: by Dagtekening, deletions first."""
    events = [("start", s) for s in c.starts] + [("stop", s) for s in c.stops]
    return sorted(events, key=lambda e: (e[1]["dagtekening"], e[1]["status"] == "1", e[0] == "start"))


def _zorg(c: Corpus) -> tuple[dict, dict, list]:
    """Apply the starts and stops in order, checking the iJw pairing rules on the way.

    Returns (toewijzing -> key of its last start, toewijzing -> delivery periods
    [(begin, einde or None)], the effective stops in order). A start needs no running start
    (TR326); a stop copies the running start's key (TR382); after a temporary stop (20) only a
    definitive stop (Einddatum not earlier, TR414) or a new start (TR413); a deletion (3)
    removes the record with the same key (CS058).
    """
    laatste: dict[tuple[str, int], tuple] = {}
    loopt: dict[tuple[str, int], bool] = {}
    stops: dict[tuple, dict] = {}  # key + reden -> the stop in force
    perioden = defaultdict(list)
    volgorde = []
    for soort, e in _start_stop_events(c):
        toewijzing = (e["gemeente"], e["nummer"])
        key = (e["gemeente"], e["bsn"], e["nummer"], e["categorie"], e["code"], e["begin"])
        if soort == "start":
            if e["status"] == "3":
                assert laatste.get(toewijzing) == key and loopt[toewijzing], f"{e['file']}: deletes no running start"
                perioden[toewijzing].pop()
                del laatste[toewijzing], loopt[toewijzing]
                continue
            assert not loopt.get(toewijzing), f"{e['file']}: second running start"
            laatste[toewijzing], loopt[toewijzing] = key, True
            perioden[toewijzing].append([e["begin"], None])
            continue
        assert laatste.get(toewijzing) == key, f"{e['file']}: stop does not copy the start key"
        stop_key = key + (e["reden"],)
        if e["status"] == "3":
            assert stops.pop(stop_key)["einde"] == e["einde"], f"{e['file']}: deletes an unknown stop"
            loopt[toewijzing] = True
            perioden[toewijzing][-1][1] = None
            volgorde.remove(next(s for s in volgorde if s["file"] != e["file"] and
                                 (s["gemeente"], s["bsn"], s["nummer"], s["categorie"], s["code"], s["begin"],
                                  s["reden"]) == stop_key))
            continue
        lopend = [s for k, s in stops.items() if k[:6] == key]
        assert all(s["reden"] == "20" for s in lopend), f"{e['file']}: stop after a definitive stop"
        assert all(e["einde"] >= s["einde"] for s in lopend), f"{e['file']}: ends before the temporary stop"
        stops[stop_key] = e
        if loopt[toewijzing]:
            perioden[toewijzing][-1][1] = e["einde"]
        loopt[toewijzing] = False
        volgorde.append(e)
    return laatste, {k: [tuple(p) for p in v] for k, v in perioden.items()}, volgorde


def test_every_toewijzing_has_a_start_referring_to_it(any_corpus):
    c = any_corpus
    huidig = c.huidige_toewijzingen()
    for s in c.starts:
        t = huidig.get((s["gemeente"], s["nummer"]))
        assert t is not None, f"{s['file']}: unknown toewijzing"
        assert (t["agb"], t["bsn"], t["categorie"], t["code"], t["ingang"]) == (
            s["agb"], s["bsn"], s["categorie"], s["code"], s["toewijzing_ingang"]), s["file"]
        assert t["ingang"] <= s["begin"] <= min(t["eind"] or date.max, date(c.year, 12, 31)), s["file"]
        assert s["begin"] <= s["dagtekening"], s["file"]
    laatste, perioden, _ = _zorg(c)
    verwijderd = {k for k, t in huidig.items() if t["reden"] == "13"}
    assert set(laatste) <= set(huidig) - verwijderd, "a deleted toewijzing gets no start"
    # care begins at most 28 days after the Ingangsdatum: only a toewijzing of the year's last four
    # weeks may still be waiting for its start on 31 December (its JW305 comes next year)
    wachtend = set(huidig) - verwijderd - set(laatste)
    assert all(huidig[k]["ingang"] > date(c.year, 12, 31) - timedelta(days=28) for k in wachtend), \
        "every toewijzing that was not deleted gets a start, unless its care starts after the year"
    if c.boosted:
        assert any(s["status"] == "3" for s in c.starts), "expected a corrected start"
        assert verwijderd, "expected a deleted toewijzing"
    wachttijd = [perioden[k][0][0] - huidig[k]["ingang"] for k in laatste]
    assert max(wachttijd) <= timedelta(days=28) and sum(w.days > 0 for w in wachttijd) > len(wachttijd) / 2


def test_stops_copy_the_start_key_and_end_within_the_toewijzing(any_corpus):
    c = any_corpus
    huidig = c.huidige_toewijzingen()
    _, perioden, stops = _zorg(c)  # checks the key, the order and the deletions
    start_dag = {}
    for s in sorted(c.starts, key=lambda s: s["dagtekening"], reverse=True):
        start_dag[s["gemeente"], s["nummer"], s["begin"]] = s["dagtekening"]
    per_toewijzing = defaultdict(list)
    for s in stops:
        toewijzing = (s["gemeente"], s["nummer"])
        t = huidig[toewijzing]
        assert t["agb"] == s["agb"]
        assert s["begin"] <= s["einde"] <= min(t["eind"] or date.max, date(c.year, 12, 31)), s["file"]
        assert s["einde"] <= s["dagtekening"], s["file"]
        assert s["dagtekening"] > start_dag[toewijzing + (s["begin"],)], f"{s['file']}: stop sent before its start"
        per_toewijzing[toewijzing].append(s)
    for toewijzing, t in huidig.items():
        if t["reden"] == "13":
            continue
        definitief = [s for s in per_toewijzing.get(toewijzing, []) if s["reden"] != "20"]
        assert len(definitief) <= 1, toewijzing
        if t["eind"] is not None and t["eind"] <= date(c.year, 12, 31):
            assert definitief, f"{toewijzing}: ends within the year without a definitive stop"
        if t["reden"] == "12":
            assert definitief[0]["reden"] == "37" and definitief[0]["einde"] == t["eind"], toewijzing
        if t["reden"] not in (None, "12", "13"):  # an open toewijzing ended after its stop
            assert definitief and definitief[0]["einde"] == t["eind"], toewijzing
    redenen = Counter(s["reden"] for s in c.stops)
    assert set(redenen) <= {"20", "31", "32", "33", "34", "35", "36", "37", "38", "39"}
    assert redenen.most_common(1)[0][0] == "31"
    if c.boosted:
        assert redenen["20"] > 0 and sum(redenen[r] for r in synth.REDENEN_VOORTIJDIG) > 0
        assert any(s["status"] == "3" for s in c.stops), "expected a deleted stop"
        assert any(len(p) > 1 for p in perioden.values()), "expected a restart after a temporary stop"


# ------------------------------------------------------------------------------------ JW323


def test_prestaties_belong_to_a_toewijzing_of_the_same_client_and_provider(any_corpus):
    huidig = any_corpus.huidige_toewijzingen()
    producten = {a.agb: {p.code: p for p in a.producten} for a in synth.aanbieders(PROVIDERS)}
    assert any_corpus.regels
    for d in any_corpus.declaraties:
        for r in d["regels"]:
            t = huidig.get((d["ontvanger"], r["nummer"]))
            assert t is not None and t["reden"] != "13", f"{d['file']}: unknown toewijzing {r['nummer']}"
            assert (t["agb"], t["bsn"]) == (d["afzender"], r["bsn"]), d["file"]
            # specific: the same product; aspecific: the same category; generic: any product;
            # always one the provider offers, with its unit, and never a taakgericht one
            assert t["categorie"] in (None, r["categorie"]) and t["code"] in (None, r["code"]), d["file"]
            product = producten[d["afzender"]][r["code"]]
            assert (product.categorie, product.eenheid) == (r["categorie"], r["eenheid"])
            assert product.variant != "taakgericht", d["file"]


def test_product_periode_lies_in_one_month_in_the_toewijzing_and_not_after_declaratie(corpus):
    huidig = corpus.huidige_toewijzingen()
    for d in corpus.declaraties:
        last_day = calendar.monthrange(d["begin"].year, d["begin"].month)[1]
        assert d["begin"].day == 1 and d["eind"] == d["begin"].replace(day=last_day)
        assert d["eind"] < d["declaratie_dagtekening"] <= d["dagtekening"]
        for r in d["regels"]:
            begin, eind = r["begin"], r["eind"]
            t = huidig[d["ontvanger"], r["nummer"]]
            assert (begin.year, begin.month) == (eind.year, eind.month) and begin <= eind
            assert eind <= d["eind"], f"{d['file']}: ProductPeriode after DeclaratiePeriode"
            assert t["ingang"] <= begin and (t["eind"] is None or eind <= t["eind"])
            month_end = eind.replace(day=calendar.monthrange(eind.year, eind.month)[1])
            assert begin.day == 1 or begin == t["ingang"]
            assert eind == month_end or eind == t["eind"]


def test_lines_only_for_days_of_care(corpus):
    # every line's ProductPeriode overlaps a period of care (start to stop; a temporary stop
    # interrupts it until the restart)
    _, perioden, _ = _zorg(corpus)
    for d in corpus.declaraties:
        for r in d["regels"]:
            zorg = perioden[d["ontvanger"], r["nummer"]]
            assert any(b <= r["eind"] and (e is None or r["begin"] <= e) for b, e in zorg), d["file"]


def test_amounts_and_tariffs(any_corpus):
    c = any_corpus
    _, afgewezen = c.beoordeling()
    fout = {"TR346": 0}
    deviating = 0
    for d in c.declaraties:
        for r in d["regels"]:
            assert r["volume"] >= 1 and 0 <= r["bedrag"] <= 99_999_999
            if r["eenheid"] == "83":
                assert r["tarief"] is None and r["bedrag"] == r["volume"]
                continue
            assert r["tarief"]
            if r["bedrag"] != r["volume"] * r["tarief"]:
                fout["TR346"] += 1
                continue
            if r["tarief"] != CONTRACT[r["code"]]:
                deviating += 1
                assert r["tarief"] > CONTRACT[r["code"]] and (d["file"], r["ref"]) in afgewezen, d["file"]
    assert fout["TR346"] == c.summary.violations_by_rule["TR346"]
    assert deviating > 0, "some lines should deviate from the contract tariff (0611)"


def test_header_total_is_signed_sum_of_lines(any_corpus):
    for d in any_corpus.declaraties:
        assert d["regels"], d["file"]
        assert d["totaal"] == sum(_signed(r["bedrag"], r["dc"]) for r in d["regels"]), d["file"]


def test_credits_reverse_one_earlier_approved_debit(any_corpus):
    c = any_corpus
    antwoord, afgewezen = c.beoordeling()
    lines = defaultdict(list)  # (agb, ref) -> [(declaratie, line)]
    for d in c.declaraties:
        for r in d["regels"]:
            assert len(r["ref"]) <= 20
            lines[d["afzender"], r["ref"]].append((d, r))
    credits = [(d, r) for d in c.declaraties for r in d["regels"] if r["dc"] == "C"]
    assert credits, "corpus should contain credit lines"
    credited = Counter()
    for d, credit in credits:
        assert credit["vorig"], credit["ref"]
        debits = [(dd, rr) for dd, rr in lines[d["afzender"], credit["vorig"]] if rr["dc"] == "D"]
        assert len(debits) == 1, credit["ref"]
        debit_decl, debit = debits[0]
        assert (debit_decl["file"], debit["ref"]) not in afgewezen, f"{credit['ref']}: credits a rejected line"
        assert debit_decl["begin"] < d["begin"], credit["ref"]
        assert antwoord[debit_decl["file"]]["dagtekening"] < d["dagtekening"], "credited before approval"
        assert {k: v for k, v in credit.items() if k not in ("ref", "vorig", "dc")} == {
            k: v for k, v in debit.items() if k not in ("ref", "vorig", "dc")
        }
        if (d["file"], credit["ref"]) not in afgewezen:
            credited[d["afzender"], credit["vorig"]] += 1
    assert max(credited.values()) == 1, "a debit is credited at most once"
    assert all(r["vorig"] is None for d in c.declaraties for r in d["regels"] if r["dc"] == "D")
    # at most one open (approved, not credited) debit per (toewijzing, product, ProductPeriode)
    open_debits = Counter()
    for d in c.declaraties:
        for r in d["regels"]:
            if r["dc"] == "D" and (d["file"], r["ref"]) not in afgewezen and (d["afzender"], r["ref"]) not in credited:
                open_debits[d["ontvanger"], r["nummer"], r["code"], r["begin"]] += 1
    assert max(open_debits.values()) == 1


# ------------------------------------------------------------------------------------ JW325


def test_every_jw323_is_answered_by_exactly_one_jw325_that_reconciles(any_corpus):
    c = any_corpus
    per_id = Counter((a["ontvanger"], a["declaratie_id"], a["declaratie_dag"]) for a in c.antwoord_declaraties)
    assert len(c.antwoord_declaraties) == len(c.declaraties)
    declaraties = {(d["afzender"], d["id"], d["dagtekening"]): d for d in c.declaraties}
    assert set(per_id) == set(declaraties) and max(per_id.values()) == 1
    uitkomsten = Counter()
    for a in c.antwoord_declaraties:
        d = declaraties[a["ontvanger"], a["declaratie_id"], a["declaratie_dag"]]
        assert (a["afzender"], a["ontvanger"]) == (d["ontvanger"], d["afzender"])
        assert a["xsd_declaratie"] == d["xsd"] and a["dagtekening"] > d["dagtekening"]
        if a["header_codes"] != ["0200"]:
            assert a["header_codes"] == ["0001"] and a["da_codes"] is None
            uitkomsten["header"] += 1
            continue
        assert a["nummer"] == d["nummer"] and a["ingediend"] == d["totaal"]
        originals = {r["ref"]: r for r in d["regels"]}
        if a["da_codes"] == ["8001"]:
            assert a["toegekend"] == a["ingediend"] and not a["clienten"]
            uitkomsten["volledig"] += 1
        elif a["da_codes"] == ["0200"]:
            assert a["regels"] and all(codes == ["0200"] for _, codes in a["clienten"])
            for r in a["regels"]:
                original = originals[r["ref"]]
                assert {k: v for k, v in r.items() if k != "codes"} == {
                    k: v for k, v in original.items() if k != "codes"}
                assert r["codes"] and r["dc"] == "D"
            # IJW.md section 5: signed sum of returned lines = ingediend - toegekend
            assert sum(_signed(r["bedrag"], r["dc"]) for r in a["regels"]) == a["ingediend"] - a["toegekend"]
            uitkomsten["deels"] += 1
        else:
            assert a["da_codes"] == ["9333"] and a["toegekend"] == 0 and not a["clienten"]
            uitkomsten["declaratie"] += 1
    assert uitkomsten["volledig"] > uitkomsten["deels"] > 0
    if c.boosted:
        assert uitkomsten["header"] + uitkomsten["declaratie"] > 0, "expected a rejected declaration"
    assert 0.03 < uitkomsten["deels"] / len(c.declaraties) < 0.5


def test_rejected_lines_are_declared_again(corpus):
    antwoord, afgewezen = corpus.beoordeling()
    per_key = defaultdict(list)
    for d in corpus.declaraties:
        for r in d["regels"]:
            per_key[d["ontvanger"], r["nummer"], r["code"], r["begin"], r["dc"]].append((d, r))
    again = 0
    for d in corpus.declaraties:
        for r in d["regels"]:
            if (d["file"], r["ref"]) in afgewezen and r["dc"] == "D":
                later = [dd for dd, rr in per_key[d["ontvanger"], r["nummer"], r["code"], r["begin"], "D"]
                         if dd["begin"] > d["begin"]]
                again += bool(later)
    assert again > 0


# ------------------------------------------------------------------------------------ violations


def _violations_found(c: Corpus) -> tuple[dict[str, int], set]:
    """Independent check of the three rules; also the lines breaking them."""
    found = {"TR346": 0, "TR319": 0, "TR314": 0}
    lines = set()
    refs = Counter()
    for d in sorted(c.declaraties, key=lambda d: (d["dagtekening"], d["file"])):
        for r in d["regels"]:
            if r["eenheid"] != "83" and r["bedrag"] != r["volume"] * r["tarief"]:
                found["TR346"] += 1
                lines.add((d["file"], r["ref"], "9346"))
            if r["eind"] > d["eind"]:
                found["TR319"] += 1
                lines.add((d["file"], r["ref"], "9319"))
            refs[d["afzender"], r["ref"]] += 1
            if refs[d["afzender"], r["ref"]] > 1:
                found["TR314"] += 1
                lines.add((d["file"], r["ref"], "8021"))
    return found, lines


def test_clean_corpus_breaks_no_rule(corpus):
    found, _ = _violations_found(corpus)
    assert found == corpus.summary.violations_by_rule == {"TR346": 0, "TR319": 0, "TR314": 0}


def test_injected_violations_are_counted_exactly_and_rejected(dirty):
    found, lines = _violations_found(dirty)
    assert found == dirty.summary.violations_by_rule
    assert all(n > 0 for n in found.values()), found
    share = sum(found.values()) / sum(r["dc"] == "D" for r in dirty.regels)
    assert 0.5 * VIOLATION_SHARE < share < 1.5 * VIOLATION_SHARE
    antwoord, afgewezen = dirty.beoordeling()
    per_file = {d["file"]: d for d in dirty.declaraties}
    for file, ref, code in lines:
        assert (file, ref) in afgewezen
        a = antwoord[file]
        if a["da_codes"] == ["0200"]:
            assert any(r["ref"] == ref and code in r["codes"] for r in a["regels"]), (file, ref, code)
        # a TR319 line stays within one month, in the toewijzing, not after the Dagtekening
        for r in per_file[file]["regels"]:
            if r["ref"] == ref and code == "9319":
                assert r["begin"].month == r["eind"].month and r["eind"] < per_file[file]["dagtekening"]


# ------------------------------------------------------------------------------------ scale


def test_region_calibration_marginals():
    per_vorm = Counter()
    for vormen, n in synth.REGIO_VORMEN.items():
        assert len(set(vormen)) == len(vormen) and set(vormen) <= set(synth.VORM_CATEGORIEEN)
        for vorm in vormen:
            per_vorm[vorm] += n
    assert per_vorm == synth.REGIO_JONGEREN_2019 == {
        "zonder_verblijf": 11_770, "met_verblijf": 1_785, "jeugdbescherming": 1_410, "jeugdreclassering": 245,
    }
    assert "48" in synth.VORM_CATEGORIEEN["jeugdbescherming"] and "47" in synth.VORM_CATEGORIEEN["jeugdreclassering"]
    assert sum(synth.REGIO_VORMEN.values()) > synth.MAX_CLIENTS  # hence BSN reuse at region scale


def test_national_gemeenten_are_invented_and_never_ijsselland():
    regios = synth.landelijke_gemeenten()
    assert len(regios) == synth.LANDELIJK_REGIOS - 1
    codes = [g.code for r in regios for g in r]
    assert all(len(r) == 11 for r in regios)
    assert len(codes) == len(set(codes)) and not set(codes) & set(GEMEENTEN)
    assert all(len(c) == 4 and c.isdigit() for c in codes)
    assert synth.landelijke_gemeenten() == regios


def test_small_national_run_reuses_bsns_only_across_gemeenten(tmp_path, monkeypatch):
    """National scale shrunk (3 regions of 40 youths, a pool of 30 BSNs) to test its logic."""
    monkeypatch.setattr(synth, "REGIO_VORMEN", {
        ("zonder_verblijf",): 25, ("met_verblijf",): 5, ("jeugdbescherming", "zonder_verblijf"): 6,
        ("jeugdreclassering",): 4,
    })
    monkeypatch.setattr(synth, "LANDELIJK_REGIOS", 3)
    pool = synth.bsn_pool()[:30]
    monkeypatch.setattr(synth, "bsn_pool", lambda: pool)
    with pytest.raises(ValueError, match="clients"):
        synth.generate(tmp_path / "x", scale="national", clients=10)
    c = _load(tmp_path / "nat", seed=3, scale="national", providers=12)
    s = c.summary
    assert s.scale == "national" and s.clients == 3 * 40 == len(c.personen)
    gemeenten = {g for g, _ in c.personen}
    assert s.gemeenten == len(gemeenten) and len(gemeenten & set(GEMEENTEN)) >= 6
    assert len(gemeenten - set(GEMEENTEN)) >= 12
    assert {bsn for _, bsn in c.personen} == set(pool)
    assert s.bsn_reused == len(c.personen) - len(pool) > 0
    # within one gemeente a BSN is one youth: its toewijzingen all belong to one client
    per_gemeente_bsn = defaultdict(set)
    for t in c.toegewezen:
        per_gemeente_bsn[t["gemeente"], t["bsn"]].add(t["file"])
    assert len(per_gemeente_bsn) == s.clients
    # each region has providers of its own
    agbs = {g: {t["agb"] for t in c.toegewezen if t["gemeente"] == g} for g in gemeenten}
    ijssel = set().union(*(a for g, a in agbs.items() if g in GEMEENTEN))
    overig = set().union(*(a for g, a in agbs.items() if g not in GEMEENTEN))
    assert ijssel and overig and not ijssel & overig
    # the form mix is exact: youths per form = the (patched) calibration marginals x regions
    vormen = defaultdict(set)
    verwijderd = {(t["gemeente"], t["nummer"]) for t in c.toegewezen if t["reden"] == "13"}
    for t in c.toegewezen:
        if (t["gemeente"], t["nummer"]) not in verwijderd:  # sent by mistake: not a form of care
            vormen[t["gemeente"], t["bsn"]].add(CATEGORIE_VORM.get(t["categorie"], "zonder_verblijf"))
    per_vorm = Counter(v for vs in vormen.values() for v in vs)
    assert per_vorm == {"zonder_verblijf": 3 * 31, "met_verblijf": 3 * 5, "jeugdbescherming": 3 * 6,
                        "jeugdreclassering": 3 * 4}


def test_scale_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        synth.generate(tmp_path / "x", scale="planet")
    with pytest.raises(ValueError, match="clients"):
        synth.generate(tmp_path / "x", scale="region", clients=10)
    with pytest.raises(ValueError, match="violations"):
        synth.generate(tmp_path / "x", clients=10, violations=1.5)
    assert not (tmp_path / "x").exists()


# ------------------------------------------------------------------------------------ reference


def test_catalogue_and_profiles_use_reference_codes():
    assert set(synth.GEMEENTE_PROFIEL) == set(GEMEENTEN)
    for _, laag, hoog in synth.GEMEENTE_PROFIEL.values():
        assert 7400 <= laag <= hoog <= 8399
    for p in synth.CATALOGUS:
        assert p.categorie in PRODUCT_CATEGORIEEN and p.code.startswith(p.categorie)
        assert p.eenheid in EENHEDEN and (p.tarief is None) == (p.eenheid == "83")
        assert all(f in FREQUENTIES and f != "1" for f, _, _ in p.omvang)
    assert {p.categorie for p in synth.CATALOGUS} <= {c for cs in synth.VORM_CATEGORIEEN.values() for c in cs}
    pool = synth.bsn_pool()
    assert len(pool) == len(set(pool)) == synth.MAX_CLIENTS
    assert all(is_test_bsn(b) and elfproef(b) for b in pool)


def test_providers_are_stable_and_distinct():
    twelve = synth.aanbieders(12)
    assert synth.aanbieders(3) == twelve[:3] and synth.aanbieders(2, 5) == twelve[5:7]
    assert len({a.agb for a in twelve}) == len({a.naam for a in twelve}) == 12
    assert all(len(a.agb) == 8 and a.agb.isdigit() and len(a.producten) >= 2 for a in twelve)
    gi = [a for a in twelve if {p.categorie for p in a.producten} & set(synth.GI_CATEGORIEEN)]
    assert gi == [twelve[synth.GI_INDEX]]
    assert {p.categorie for p in gi[0].producten} == set(synth.GI_CATEGORIEEN)


def test_rejects_more_clients_than_test_bsns(tmp_path):
    with pytest.raises(ValueError, match="11-proef"):
        synth.generate(tmp_path / "x", clients=synth.MAX_CLIENTS + 1)
    assert not (tmp_path / "x").exists()

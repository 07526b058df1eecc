"""A synthetic year that looks like a real region's (issue 11): every case a real region sends,
a steady state on 1 January, the default year, and the profiles of the forecast benchmark.

Everything is counted from the files as the warehouse reads them (``jeugdhulp.ijw.parse``),
not from the generator's own bookkeeping; the summary's counts are only compared with that.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from jeugdhulp import ijw, synth

SEED = 11
#: spend per month needs a few thousand youths: one youth in residential care costs as much as
#: ten in ambulant care, so a small year's months differ by chance (± 10 % at 1 500 youths)
CLIENTS_SPEND = 5000


def _ident(bsn: str) -> str:
    return bsn


def _parse(folder: Path, soorten: tuple[str, ...] = synth.BERICHTEN) -> dict[str, list]:
    """Message type -> [(header, [item, ...])] of the files in ``folder``."""
    berichten = defaultdict(list)
    for path in sorted(folder.iterdir()):
        if path.name[:5] in soorten:
            m = ijw.parse(path, _ident)
            berichten[m.bericht_type].append((m.header, [{**r.client, **r.item} for r in m.records]))
    return berichten


def _status(berichten: dict) -> dict[tuple[str, str], str]:
    """(aanbieder, ReferentieNummer) -> toegekend | afgewezen, from the JW325 (IJW.md section 5)."""
    declaraties = {(h["aanbieder"], h["bericht_identificatie"], h["dagtekening"]): regels
                   for h, regels in berichten["JW323"]}
    status = {}
    for h, afgewezen in berichten["JW325"]:
        regels = declaraties[h["aanbieder"], h["declaratie_identificatie"], h["declaratie_identificatie_dagtekening"]]
        geheel = h["header_retour_codes"] != ["0200"] or h.get("antwoord_retour_codes") not in (["8001"], ["0200"])
        refs = {r["referentie_nummer"] for r in afgewezen}
        for r in regels:
            status[h["aanbieder"], r["referentie_nummer"]] = (
                "afgewezen" if geheel or r["referentie_nummer"] in refs else "toegekend")
    return status


def _toegekend_per_maand(berichten: dict) -> dict[int, int]:
    """Approved net amount (D +, C −) per month of the ProductPeriode, in cents."""
    status = _status(berichten)
    per_maand = Counter()
    for h, regels in berichten["JW323"]:
        for r in regels:
            if status[h["aanbieder"], r["referentie_nummer"]] == "toegekend":
                teken = 1 if r["debet_credit"] == "D" else -1
                per_maand[r["product_periode_begindatum"].month] += teken * r["ingediend_bedrag"]
    return per_maand


@pytest.fixture(scope="module")
def spend(tmp_path_factory) -> dict[str, dict[int, int]]:
    """Profile -> approved spend per month of a year of ``CLIENTS_SPEND`` youths (same seed)."""
    uit = {}
    for profile in synth.PROFIELEN:
        folder = tmp_path_factory.mktemp(profile)
        s = synth.generate(folder, seed=SEED, year=2025, clients=CLIENTS_SPEND, profile=profile)
        uit[profile] = _toegekend_per_maand(_parse(folder, ("JW323", "JW325")))
        assert uit[profile] == {m: v for m, v in s.toegekend_per_maand.items() if v}
    return uit


def test_steady_state_on_1_january(spend):
    # trajecten already run on 1 January, as in a region that has existed for years: spend
    # does not build up from January to December (before: December ~2x January)
    m = spend["steady"]
    assert 0.9 < m[12] / m[1] < 1.1, (m[1], m[12])
    per_dag = [m[k] / ((date(2025, k % 12 + 1, 1) if k < 12 else date(2026, 1, 1)) - date(2025, k, 1)).days
               for k in range(1, 13)]
    assert max(per_dag) / min(per_dag) < 1.15, per_dag


def test_growth_profile_grows_15_percent(spend):
    m = spend["growth"]
    assert 1.05 < m[12] / m[1] < 1.3, (m[1], m[12])
    # the first and second half of the year: growth shows, not just noise in two months
    assert sum(m[k] for k in range(7, 13)) > 1.04 * sum(m[k] for k in range(1, 7))


def test_seasonal_profile_dips_in_july_and_august(spend):
    seizoen, vast = spend["seasonal"], spend["steady"]
    # the same seed gives the same trajecten: only the summer volumes differ
    for maand in (7, 8):
        assert 0.75 < seizoen[maand] / vast[maand] < 0.95, maand
    assert all(seizoen[maand] == vast[maand] for maand in (1, 2, 3, 4, 5, 6, 10, 11, 12))
    zomer = (seizoen[7] + seizoen[8]) / (seizoen[6] + seizoen[9])
    assert zomer < 0.93


def test_profile_is_checked(tmp_path):
    with pytest.raises(ValueError, match="profile"):
        synth.generate(tmp_path / "x", clients=10, profile="boom")
    assert not (tmp_path / "x").exists()


def test_default_year_is_the_last_complete_year(tmp_path):
    assert synth.standaard_jaar(date(2026, 12, 5)) == 2025
    # a year's traffic runs to MAX_DAGEN_NA_JAAR after 31 December: early in a year the
    # year before is not complete yet
    assert synth.standaard_jaar(date(2026, 1, 10)) == 2024
    grens = date(2025, 12, 31) + timedelta(days=synth.MAX_DAGEN_NA_JAAR)
    assert synth.standaard_jaar(grens) == 2024 and synth.standaard_jaar(grens + timedelta(days=1)) == 2025
    s = synth.generate(tmp_path, seed=3, clients=150, providers=6)
    assert s.year == synth.standaard_jaar()
    berichten = _parse(tmp_path)
    laatste = max(h["dagtekening"] for soort in berichten.values() for h, _ in soort)
    assert laatste <= date(s.year, 12, 31) + timedelta(days=synth.MAX_DAGEN_NA_JAAR)
    assert laatste < date.today(), "TR135: nothing dated in the future"


# ------------------------------------------------------------------------------------ the cases


@pytest.fixture(scope="module")
def regio(tmp_path_factory) -> tuple[synth.SynthSummary, dict]:
    """A small year (1 200 youths, 12 providers) read as the warehouse reads it, validated
    against the official XSDs when they are present."""
    folder = tmp_path_factory.mktemp("regio")
    s = synth.generate(folder, seed=SEED, year=2025, clients=1200, providers=12)
    xsd = Path(__file__).resolve().parents[2].parent / "shared" / "ijw-3.2" / "xsd"
    berichten = defaultdict(list)
    for path in sorted(folder.iterdir()):
        m = ijw.parse(path, _ident, xsd_dir=xsd if (xsd / "JW301.xsd").is_file() else None)
        berichten[m.bericht_type].append((m.header, [{**r.client, **r.item} for r in m.records]))
    return s, berichten


def _toewijzingen(berichten: dict) -> dict[tuple[str, int], list[dict]]:
    """(gemeente, ToewijzingNummer) -> its versions, oldest first (Toewijzingsdatum + tijd)."""
    versies = defaultdict(list)
    for h, regels in berichten["JW301"]:
        for r in regels:
            versies[h["gemeente"], r["toewijzing_nummer"]].append({**r, "dagtekening": h["dagtekening"]})
    for lijst in versies.values():
        lijst.sort(key=lambda r: (r["toewijzingsdatum"], r["toewijzingstijd"]))
    return versies


def test_every_case_of_a_real_region_is_present(regio):
    s, berichten = regio
    versies = _toewijzingen(berichten)
    eerste = {k: v[0] for k, v in versies.items()}
    verwijderd = {k for k, v in versies.items() if v[-1]["reden_wijziging"] == "13"}
    assert all(versies[k][-1]["einddatum"] == versies[k][-1]["ingangsdatum"] for k in verwijderd)
    echt = {k: t for k, t in eerste.items() if k not in verwijderd}
    gevallen = Counter()
    for k, t in echt.items():
        if t["einddatum"] is None:
            gevallen["open"] += 1
        if t["product_categorie"] is None:
            assert t["budget"] is not None and t["volume"] is None, k
            gevallen["generiek"] += 1
        elif t["product_code"] is None:
            assert t["volume"] is None, k
            gevallen["aspecifiek_budget" if t["budget"] is not None else "aspecifiek"] += 1
        if any(v["reden_wijziging"] not in (None, "12", "13") for v in versies[k]):
            assert t["einddatum"] is None and versies[k][-1]["einddatum"] is not None, k
            gevallen["toewijzing_beeindigd"] += 1
    gevallen["toewijzing_verwijderd"] = len(verwijderd)

    starts = [(h, r) for h, regels in berichten["JW305"] for r in regels]
    stops = [(h, r) for h, regels in berichten["JW307"] for r in regels]
    gevallen["start_verwijderd"] = sum(r["status_aanlevering"] == "3" for _, r in starts)
    gevallen["stop_verwijderd"] = sum(r["status_aanlevering"] == "3" for _, r in stops)
    tijdelijk = [(h, r) for h, r in stops if r["reden_beeindiging"] == "20" and r["status_aanlevering"] == "1"]
    gevallen["tijdelijke_stop"] = len(tijdelijk)
    pauzes = defaultdict(list)
    for h, r in tijdelijk:
        pauzes[h["gemeente"], r["toewijzing_nummer"]].append(r["einddatum"])
    # a restart: a new start of the same toewijzing and product after its temporary stop
    gevallen["herstart"] = sum(
        1 for h, r in starts if r["status_aanlevering"] == "1"
        and any(p < r["begindatum"] for p in pauzes.get((h["gemeente"], r["toewijzing_nummer"]), ())))

    status = _status(berichten)
    regels = sorted(((h, r) for h, rs in berichten["JW323"] for r in rs), key=lambda x: x[0]["dagtekening"])
    debets = defaultdict(list)  # business key -> [(dagtekening, referentie)] of its debits
    for h, r in regels:
        if r["debet_credit"] == "D":
            debets[h["gemeente"], r["toewijzing_nummer"], r["product_code"], r["product_periode_begindatum"]].append(
                (h["dagtekening"], r["referentie_nummer"]))
    for h, r in regels:
        key = (h["gemeente"], r["toewijzing_nummer"], r["product_code"], r["product_periode_begindatum"])
        if r["debet_credit"] == "D" and status[h["aanbieder"], r["referentie_nummer"]] == "afgewezen":
            # rejected by the JW325 and declared again in a later declaration
            gevallen["afgewezen_opnieuw"] += any(d > h["dagtekening"] for d, _ in debets[key])
        elif r["debet_credit"] == "C":
            # a credit, and a new (corrected) debit of the same delivery with it
            opnieuw = any(ref != r["vorig_referentie_nummer"] and d >= h["dagtekening"] for d, ref in debets[key])
            gevallen["credit_opnieuw" if opnieuw else "credit"] += 1

    varianten = {p.code: p.variant for p in synth.CATALOGUS}
    for k, t in echt.items():
        if t["product_code"] is not None:
            gevallen[varianten[t["product_code"]]] += 1
    print("cases in a year of 1 200 youths:", dict(sorted(gevallen.items())))
    for geval in synth.GEVALLEN:
        assert gevallen[geval] > 0, f"no {geval}: {synth.GEVALLEN[geval]}"
    # the summary counts the same (variants: it also counts the product an aspecific or
    # generic toewijzing is declared with, the messages do not name it)
    for geval in set(synth.GEVALLEN) - set(synth.UITVOERINGSVARIANTEN):
        assert s.gevallen[geval] == gevallen[geval], geval

    # taakgericht care is never declared; outputgericht lines are stuks (82) per period
    taak = {k for k, t in echt.items() if varianten.get(t["product_code"]) == "taakgericht"}
    assert not [r for h, r in regels if (h["gemeente"], r["toewijzing_nummer"]) in taak]
    per_variant = Counter(varianten[r["product_code"]] for _, r in regels)
    assert per_variant["inspanningsgericht"] > per_variant["outputgericht"] > 0 == per_variant["taakgericht"]
    assert {r["eenheid"] for _, r in regels if varianten[r["product_code"]] == "outputgericht"} == {"82"}
    # declarations are dated on every day of the month, every month (the month of any peildatum
    # has some of them before and some after it)
    dagen = {h["dagtekening"] for h, _ in berichten["JW323"]}
    assert {d.day for d in dagen} >= set(range(1, 29))
    for maand in range(2, 14):
        jaar, m = (2025, maand) if maand <= 12 else (2026, 1)
        in_maand = [d.day for d in dagen if (d.year, d.month) == (jaar, m)]
        assert min(in_maand) <= 10 and max(in_maand) >= 20, (jaar, m)
    # steady state: trajecten started years before (toewijzingen dated in earlier years)
    assert min(t["ingangsdatum"] for t in echt.values()) < date(2024, 1, 1)


def test_demo_contract_is_calibrated_to_the_synthetic_spend(regio):
    from jeugdhulp import contract

    s, berichten = regio
    data = contract.demo_data(2025, providers=12, clients=1200, seed=SEED)
    status = _status(berichten)
    besteed = Counter()  # (gemeente, categorie) -> approved net, from the messages
    for h, regels in berichten["JW323"]:
        for r in regels:
            if status[h["aanbieder"], r["referentie_nummer"]] == "toegekend":
                besteed[h["gemeente"], r["product_categorie"]] += (1 if r["debet_credit"] == "D" else -1) * r[
                    "ingediend_bedrag"]
    for jaar, _, gemeente, _, categorie, bedrag in data.taakgericht:
        besteed[gemeente, categorie] += bedrag
    for jaar, gemeente, categorie, begroting in data.begroting:
        if besteed[gemeente, categorie] >= 1_000_000:  # € 10.000: rounding and the minimum do not matter
            assert 0.94 <= begroting / besteed[gemeente, categorie] <= 1.09, (gemeente, categorie)
    # per categorie over the region: within -5 % .. +8 % (before: verblijf 4.5x over, JR 12x under)
    per_categorie = Counter()
    for _, _, categorie, begroting in data.begroting:
        per_categorie[categorie] += begroting
    for categorie in {c for _, c in besteed}:
        totaal = sum(v for (_, c), v in besteed.items() if c == categorie)
        if totaal >= 50_000_000:  # € 500.000: the € 1.000 minimum of 11 gemeenten is at most 2 %
            assert 0.94 <= per_categorie[categorie] / totaal <= 1.1, categorie
    # lump sums: 12 months for gemeente x provider pairs with taakgericht toewijzingen
    varianten = {p.code: p.variant for p in synth.CATALOGUS}
    lump = Counter((g, a) for _, _, g, a, _, _ in data.taakgericht)
    assert lump and set(lump.values()) == {12}
    taak_aanbieders = {(h["gemeente"], h["aanbieder"]) for h, regels in berichten["JW301"]
                       for r in regels if varianten.get(r["product_code"]) == "taakgericht"}
    assert set(lump) <= taak_aanbieders


def test_demo_contract_for_more_youths_than_test_bsns_is_the_calibrated_region(monkeypatch):
    # benchmarks/marts.py asks for the 14,000-youth region; the custom scale stops at MAX_CLIENTS
    from jeugdhulp import contract

    monkeypatch.setattr(synth, "REGIO_VORMEN", {("zonder_verblijf",): 150, ("jeugdbescherming",): 30})
    data = contract.demo_data(2025, clients=synth.MAX_CLIENTS + 1)
    assert {c for _, _, c, b in data.begroting if b > 100_000} >= {"45", "48"}
    assert sum(p[2] for p in data.plafonds) > 0

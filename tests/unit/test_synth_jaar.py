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

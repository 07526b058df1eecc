"""Commitments (core.toewijzing_verplichting_maand) for every combination of the toewijzing's Eenheid
with the tariff's eenheid (WJ756), the uitvoeringsvarianten per Frequentie, and NULL inputs
(issue #11 bug 6). Expected values are written out by hand with their reasoning."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

pytestmark = pytest.mark.integration

D = dt.date
SHA = "9" * 64
CLIENT = "c" * 64
EENHEDEN = ("01", "04", "14", "16", "82", "83", "84")
TARIEF = 6000   # cents per eenheid of the tariff
VOLUME = 120    # per maand, in the toewijzing's Eenheid, for all of January 2025

# What 120 of the toewijzing's unit is worth at 6000 per tariff unit. Only units of one kind convert:
# minuut (01), uur (04) and dagdeel (16 = 4 uur, WJ756) into each other; etmaal (14), stuks output (82)
# and stuks inspanning (84) only into themselves; Eenheid 83 (euro's) is the amount itself.
CONVERTIBLE = {
    ("01", "01"): 720_000,        # 120 min x 6000 per minute
    ("01", "04"): 12_000,         # 120 min = 2 uur x 6000 (the minute rule, IV081)
    ("01", "16"): 3_000,          # 120 min = 0,5 dagdeel x 6000
    ("04", "01"): 43_200_000,     # 120 uur = 7200 min x 6000
    ("04", "04"): 720_000,        # 120 uur x 6000
    ("04", "16"): 180_000,        # 120 uur = 30 dagdelen x 6000
    ("16", "01"): 172_800_000,    # 120 dagdelen = 28800 min x 6000
    ("16", "04"): 2_880_000,      # 120 dagdelen = 480 uur x 6000
    ("16", "16"): 720_000,
    ("14", "14"): 720_000,
    ("82", "82"): 720_000,
    ("84", "84"): 720_000,
}


def _insert(conn, table: str, **values) -> None:
    conn.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
                 list(values.values()))


def _tarief(conn, versie, code, eenheid, tarief, variant="inspanningsgericht", jaar=2025, cat="45"):
    _insert(conn, "core.contract_tarief", versie_id=versie, jaar=jaar, product_categorie=cat, product_code=code,
            eenheid=eenheid, tarief=tarief, uitvoeringsvariant=variant)


def _toewijzing(conn, nummer, code, ingang, eind, volume, eenheid, frequentie, cat="45"):
    _insert(conn, "core.toewijzing", gemeente="0193", toewijzing_nummer=nummer, toewijzingsdatum=D(2024, 12, 1),
            toewijzingstijd=dt.time(9), aanbieder="99900001", client_pseudoniem=CLIENT, product_categorie=cat,
            product_code=code, ingangsdatum=ingang, einddatum=eind, volume=volume, eenheid=eenheid,
            frequentie=frequentie, bericht_identificatie=f"T{nummer}", file_sha256=SHA, batch_id=1)


@pytest.fixture
def base(conn):
    _insert(conn, "core.client", client_pseudoniem=CLIENT, bsn_elfproef=True)
    versie = conn.execute("INSERT INTO core.contract_versie (file_sha256, bestandsnaam) VALUES (%s, 'e.xlsx') "
                          "RETURNING versie_id", (SHA,)).fetchone()[0]
    return conn, versie


def _verplichting(conn) -> dict[tuple, tuple]:
    return {(n, m): (bron, bedrag) for n, m, bron, bedrag in conn.execute(
        "SELECT toewijzing_nummer, maand, tarief_bron, verplichting_bedrag FROM core.toewijzing_verplichting_maand")}


def test_every_eenheid_combination(base):
    conn, versie = base
    nummers = {}
    for i, (van, naar) in enumerate(itertools.product(EENHEDEN, EENHEDEN)):
        code = f"V{van}{naar}"
        _tarief(conn, versie, code, naar, None if naar == "83" else TARIEF)
        _toewijzing(conn, 1000 + i, code, D(2025, 1, 1), D(2025, 1, 31), VOLUME, van, "4")
        nummers[van, naar] = 1000 + i
    got = _verplichting(conn)
    assert len(got) == 49
    for (van, naar), nummer in nummers.items():
        if van == "83":
            expected = ("euro", VOLUME)   # the volume is the amount in cents, whatever the tariff's unit
        elif (van, naar) in CONVERTIBLE:
            expected = ("contract", CONVERTIBLE[van, naar])
        else:
            expected = ("niet_omrekenbaar", None)   # flagged, never a silent 0
        assert got[nummer, D(2025, 1, 1)] == expected, (van, naar)
    assert sum(1 for v in got.values() if v[0] == "niet_omrekenbaar") == 49 - 7 - len(CONVERTIBLE)


def test_missing_values_are_flagged_not_zero(base):
    conn, versie = base
    _tarief(conn, versie, "45A03", "04", 10000)
    _tarief(conn, versie, "41T01", "84", None, variant="taakgericht", cat="41")
    _toewijzing(conn, 1, "45A03", D(2025, 1, 1), D(2025, 1, 31), 10, "04", None)    # Frequentie unknown
    _toewijzing(conn, 2, "45A03", D(2025, 1, 1), D(2025, 1, 31), 10, None, "4")     # Eenheid unknown
    _toewijzing(conn, 3, "45ZZZ", D(2025, 1, 1), D(2025, 1, 31), 10, "04", "4")     # no tariff for the product
    _toewijzing(conn, 4, "45A03", D(2024, 12, 1), D(2025, 1, 31), 10, "04", "4")    # 2024: before the first tariff
    _toewijzing(conn, 5, "41T01", D(2025, 1, 1), D(2025, 1, 31), 1, "84", "4", cat="41")  # paid by the lump sum
    _toewijzing(conn, 6, None, D(2025, 1, 1), D(2025, 1, 31), None, None, None)     # aspecific, no Budget, no mean
    got = _verplichting(conn)
    assert got[1, D(2025, 1, 1)] == ("niet_omrekenbaar", None)
    assert got[2, D(2025, 1, 1)] == ("niet_omrekenbaar", None)
    assert got[3, D(2025, 1, 1)] == ("geen", None)
    assert got[4, D(2024, 12, 1)] == ("geen", None)
    assert got[4, D(2025, 1, 1)] == ("contract", 100000)
    assert got[5, D(2025, 1, 1)] == ("taakgericht", 0)
    assert got[6, D(2025, 1, 1)] == ("geen", None)


def test_outputgericht_counts_products_per_period_inspanningsgericht_pro_rata(base):
    conn, versie = base
    _tarief(conn, versie, "45OUT", "82", 1000, variant="outputgericht")
    _tarief(conn, versie, "45INS", "82", 1000)
    # 2 per week, 1 Feb .. 10 Mar 2025
    _toewijzing(conn, 1, "45OUT", D(2025, 2, 1), D(2025, 3, 10), 2, "82", "2")
    _toewijzing(conn, 2, "45INS", D(2025, 2, 1), D(2025, 3, 10), 2, "82", "2")
    # 1 per maand, 20 Jan .. 5 Mar
    _toewijzing(conn, 3, "45OUT", D(2025, 1, 20), D(2025, 3, 5), 1, "82", "4")
    _toewijzing(conn, 4, "45INS", D(2025, 1, 20), D(2025, 3, 5), 1, "82", "4")
    # 3 per dag in February; 10 in total over 1 Jan .. 31 Mar (90 days)
    _toewijzing(conn, 5, "45OUT", D(2025, 2, 1), D(2025, 2, 28), 3, "82", "1")
    _toewijzing(conn, 6, "45OUT", D(2025, 1, 1), D(2025, 3, 31), 10, "82", "6")
    got = _verplichting(conn)
    feb, mar, jan = D(2025, 2, 1), D(2025, 3, 1), D(2025, 1, 1)
    # output per week counts Sundays (IV077): February 2025 has 2, 9, 16, 23 -> 4 weeks x 2 = 8 stuks;
    # 1..10 March has Sundays 2 and 9 -> 4 stuks
    assert (got[1, feb], got[1, mar]) == (("contract", 8000), ("contract", 4000))
    # inspanning per week pro rata per day: 2 x 28/7 = 8; 2 x 10/7 = 2.857 -> 2857
    assert (got[2, feb], got[2, mar]) == (("contract", 8000), ("contract", 2857))
    # output per maand: one product in every month the toewijzing touches
    assert [got[3, m] for m in (jan, feb, mar)] == [("contract", 1000)] * 3
    # inspanning per maand: 12/31, 28/28, 5/31 of it
    assert [got[4, m] for m in (jan, feb, mar)] == [("contract", 387), ("contract", 1000), ("contract", 161)]
    assert got[5, feb] == ("contract", 84000)   # 3 x 28 days x 1000
    # totaal: pro rata per day, 31/90, 28/90, 31/90 of 10 x 1000
    assert [got[6, m] for m in (jan, feb, mar)] == [("contract", 3444), ("contract", 3111), ("contract", 3444)]
    assert {r[0] for r in conn.execute("SELECT DISTINCT uitvoeringsvariant FROM core.toewijzing_verplichting_maand "
                                       "WHERE toewijzing_nummer IN (1, 3, 5, 6)")} == {"outputgericht"}

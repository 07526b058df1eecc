"""Every steering mart against figures computed by hand from tests/mart_corpus.py (read its
docstring first: each expected number below is derived there in words)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import mart_corpus as mc
import psycopg
import pytest

from jeugdhulp import marts

pytestmark = pytest.mark.integration
D = dt.date


@pytest.fixture
def seeded(conn):
    mc.seed(conn)
    marts.refresh(conn)
    return conn


def rows(conn, sql: str, *params) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def test_contract_realisatie(seeded):
    got = rows(seeded, """
        SELECT aanbieder, aanbieder_naam, maand, product_code, aantal_debet_regels, ingediend_bedrag, ingediend_volume,
               toegekend_bedrag, toegekend_volume, afgewezen_bedrag, afgewezen_volume, in_behandeling_bedrag,
               gecrediteerd_bedrag, gecrediteerd_volume, netto_bedrag, contract_tarief, aantal_tariefafwijkingen,
               tariefafwijking_bedrag
        FROM mart.contract_realisatie ORDER BY aanbieder, maand""")
    assert got == [
        # Jan: R101 + corrected R105 debit, R101 credited: netto 100000 - 100000 + 90000
        (mc.P1, "Zorg Een", D(2025, 1, 1), "45A03", 2, 190000, 19, 190000, 19, 0, 0, 0, 100000, 10, 90000, 10000, 0, 0),
        # Feb: R102 approved, R103 rejected 0611 and 1000 cents per hour above contract
        (mc.P1, "Zorg Een", D(2025, 2, 1), "45A03", 2, 188000, 18, 100000, 10, 88000, 8, 0, 0, 0, 100000, 10000, 1, 8000),
        # Mar: R106 declared late, no JW325 yet
        (mc.P1, "Zorg Een", D(2025, 3, 1), "45A03", 1, 100000, 10, 0, 0, 0, 0, 100000, 0, 0, 100000, 10000, 0, 0),
        (mc.P2, "Twee Jeugd", D(2025, 2, 1), "54005", 1, 560000, 28, 560000, 28, 0, 0, 0, 0, 0, 560000, 20000, 0, 0),
        # Mar: whole declaration rejected (header 0001)
        (mc.P2, "Twee Jeugd", D(2025, 3, 1), "54005", 1, 620000, 31, 0, 0, 620000, 31, 0, 0, 0, 0, 20000, 0, 0),
    ]
    plafond = rows(seeded, "SELECT aanbieder, jaar, budgetplafond, netto_bedrag, in_behandeling_bedrag, resterend_plafond, "
                           "benutting_pct FROM mart.contract_plafond_aanbieder_jaar ORDER BY aanbieder")
    assert plafond == [(mc.P1, 2025, 5_000_000, 290000, 100000, 4_710_000, Decimal("5.8")),
                       (mc.P2, 2025, 1_000_000, 560000, 0, 440000, Decimal("56.0"))]


def test_declaratiegedrag_and_retour_codes(seeded):
    got = rows(seeded, """
        SELECT aanbieder, maand, aantal_regels, aantal_debet_regels, aantal_credit_regels, credit_aandeel_pct,
               gecrediteerd_bedrag, aantal_afgewezen, afgewezen_aandeel_pct, afgewezen_bedrag,
               meest_voorkomende_retourcode, aantal_in_behandeling, vertraging_mediaan_dagen, vertraging_p90_dagen,
               vertraging_max_dagen, aantal_laat, laat_aandeel_pct
        FROM mart.declaratiegedrag_aanbieder_maand ORDER BY aanbieder, maand""")
    assert got == [
        (mc.P1, D(2025, 2, 1), 1, 1, 0, Decimal("0.00"), 0, 0, Decimal("0.00"), 0, None, 0, 5, 5, 5, 0, Decimal("0.00")),
        # R102, R103 5 days after February; credit R104 and correction R105 of January 33 days: late
        (mc.P1, D(2025, 3, 1), 4, 3, 1, Decimal("33.33"), 100000, 1, Decimal("25.00"), 88000, "0611", 0, 19, 33, 33, 2,
         Decimal("50.00")),
        # R106: March declared on 6 May, no answer yet
        (mc.P1, D(2025, 5, 1), 1, 1, 0, Decimal("0.00"), 0, 0, None, 0, None, 1, 36, 36, 36, 1, Decimal("100.00")),
        (mc.P2, D(2025, 3, 1), 1, 1, 0, Decimal("0.00"), 0, 0, Decimal("0.00"), 0, None, 0, 4, 4, 4, 0, Decimal("0.00")),
        (mc.P2, D(2025, 4, 1), 1, 1, 0, Decimal("0.00"), 0, 1, Decimal("100.00"), 620000, "0001", 0, 3, 3, 3, 0,
         Decimal("0.00")),
    ]
    assert rows(seeded, "SELECT aanbieder, maand, retour_code, aantal_regels, afgewezen_bedrag, aandeel_pct, "
                        "retour_code_omschrijving IS NOT NULL FROM mart.afwijzing_retourcode_aanbieder_maand "
                        "ORDER BY aanbieder") == [
        (mc.P1, D(2025, 3, 1), "0611", 1, 88000, Decimal("25.00"), True),
        (mc.P2, D(2025, 4, 1), "0001", 1, 620000, Decimal("100.00"), True),
    ]


def test_instroom_uitstroom_with_every_reason_group(seeded):
    got = rows(seeded, """
        SELECT gemeente, maand, product_categorie, instroom, instroom_jeugdigen, uitstroom, uitstroom_volgens_plan,
               uitstroom_voortijdig, uitstroom_overig, volgens_plan_pct, lopend_einde_maand, jeugdigen_in_zorg
        FROM mart.instroom_uitstroom_gemeente_maand ORDER BY gemeente, maand""")
    assert got == [
        ("0150", D(2025, 2, 1), "54", 1, 1, 0, 0, 0, 0, None, 1, 1),
        ("0150", D(2025, 3, 1), "54", 0, 0, 0, 0, 0, 0, None, 1, 1),
        ("0150", D(2025, 4, 1), "54", 0, 0, 0, 0, 0, 0, None, 1, 1),
        ("0150", D(2025, 5, 1), "54", 0, 0, 1, 0, 0, 1, Decimal("0.0"), 0, 1),     # 38: overstap
        ("0193", D(2025, 1, 1), "45", 1, 1, 0, 0, 0, 0, None, 1, 1),
        ("0193", D(2025, 2, 1), "45", 1, 1, 0, 0, 0, 0, None, 2, 2),
        ("0193", D(2025, 3, 1), "45", 0, 0, 1, 1, 0, 0, Decimal("100.0"), 1, 2),  # 31; B's stop 20 is temporary
        ("0193", D(2025, 4, 1), "45", 0, 0, 1, 0, 1, 0, Decimal("0.0"), 0, 1),    # 33: voortijdig
    ]


def test_trajectduur(seeded):
    assert rows(seeded, "SELECT gemeente, jaar, product_categorie, reden_groep, aantal_trajecten, gemiddelde_duur_dagen, "
                        "duur_mediaan_dagen, aantal_tot_3_maanden, aantal_3_tot_12_maanden "
                        "FROM mart.trajectduur_gemeente_jaar ORDER BY gemeente, reden_groep") == [
        ("0150", 2025, "54", "overig", 1, Decimal("120.0"), 120, 0, 1),        # 1 Feb .. 31 May
        ("0193", 2025, "45", "volgens plan", 1, Decimal("85.0"), 85, 1, 0),    # 6 Jan .. 31 Mar
        ("0193", 2025, "45", "voortijdig", 1, Decimal("87.0"), 87, 1, 0),      # 3 Feb .. 30 Apr
    ]


def test_wachttijd(seeded):
    assert rows(seeded, "SELECT gemeente, maand, product_categorie, aantal_toewijzingen, aantal_na_verzoek, "
                        "verzoek_tot_toewijzing_gemiddeld_dagen, aantal_gestart, toewijzing_tot_start_mediaan_dagen, "
                        "aantal_niet_gestart FROM mart.wachttijd_gemeente_maand ORDER BY gemeente, maand") == [
        ("0150", D(2025, 1, 1), "54", 1, 0, None, 1, 12, 0),
        ("0193", D(2024, 12, 1), "45", 1, 1, Decimal("10.0"), 1, 17, 0),   # VOT 10 Dec -> 20 Dec -> start 6 Jan
        ("0193", D(2025, 1, 1), "45", 1, 0, None, 1, 19, 0),               # T4 never existed: not counted
    ]


def nog_te_declareren(conn) -> dict[tuple, int]:
    """The forecast of what is still to be declared, per (gemeente, month number, categorie): an input
    here (jeugdhulp.forecast computes and tests it), so these tests do not restate its method."""
    return {(g, m.month, c): n for g, m, c, n in rows(conn, "SELECT gemeente, maand, product_categorie, "
                                                            "nog_te_declareren_bedrag FROM mart.prognose_nog_te_declareren")}


def test_pc_gemeente_maand_budget_realisation_commitments_forecast(seeded):
    got = {(g, m.month): rest for g, m, *rest in rows(seeded, """
        SELECT gemeente, maand, begroting_bedrag, realisatie_bedrag, in_behandeling_bedrag, ingediend_bedrag,
               nog_te_declareren_bedrag, verplichting_bedrag, prognose_bedrag, aantal_jeugdigen, geleverd,
               uitvoeringsvariant
        FROM mart.pc_gemeente_maand WHERE jaar = 2025""")}
    assert len(got) == 24  # 2 gemeente x categorie cells x 12 months
    ntd = nog_te_declareren(seeded)
    n1935, n1505 = ntd.get(("0193", 5, "45"), 0), ntd.get(("0150", 5, "54"), 0)
    # peildatum 2025-05-06. realisatie = TOEGEKEND netto; in behandeling = no JW325 yet; ingediend = all lines
    # Jan: R101 100000 - credit R104 100000 + R105 90000, all approved
    assert got["0193", 1] == [100000, 90000, 0, 90000, 0, 100000, 90000, 1, True, "inspanningsgericht"]
    # Feb: R102 approved 100000; R103 (88000) rejected: ingediend only; T1 10 h + T2 8 h x 10000
    assert got["0193", 2] == [100000, 100000, 0, 188000, 0, 180000, 100000, 1, True, "inspanningsgericht"]
    # Mar: R106 has no answer: not realised, in behandeling; prognose = 0 + 100000 + 0
    assert got["0193", 3] == [100000, 0, 100000, 100000, 0, 180000, 100000, 1, True, "inspanningsgericht"]
    # Apr: B was in care all April (stop 04-30) and nothing is declared yet: the forecast expects cost
    n1934 = ntd.get(("0193", 4, "45"), 0)
    assert n1934 > 0
    assert got["0193", 4] == [100000, 0, 0, 0, n1934, 80000, n1934, 0, True, "inspanningsgericht"]   # T2 shortened to April
    assert got["0193", 5] == [100000, 0, 0, 0, n1935, 0, n1935, 0, True, "inspanningsgericht"]
    assert got["0193", 6] == [100000, 0, 0, 0, 0, 0, 0, 0, False, "inspanningsgericht"]
    assert got["0150", 2] == [50000, 560000, 0, 560000, 0, 560000, 560000, 1, True, "inspanningsgericht"]  # 28 x 20000
    # Mar: the whole declaration was rejected: ingediend 620000, never realised
    assert got["0150", 3] == [50000, 0, 0, 620000, 0, 620000, 0, 0, True, "inspanningsgericht"]
    assert got["0150", 5] == [50000, 0, 0, 0, n1505, 620000, n1505, 0, True, "inspanningsgericht"]
    assert n1935 > 0 and n1505 > 0   # May has nothing declared yet: the forecast expects something
    assert sum(v[0] for (g, _), v in got.items() if g == "0193") == 1_200_000
    assert rows(seeded, "SELECT DISTINCT peildatum FROM mart.pc_gemeente_maand") == [(D(2025, 5, 6),)]


def test_pc_gemeente_jaar(seeded):
    ntd = nog_te_declareren(seeded)
    n0150 = sum(v for (g, *_), v in ntd.items() if g == "0150")
    n0193 = sum(v for (g, *_), v in ntd.items() if g == "0193")
    got = rows(seeded, "SELECT gemeente, begroting_bedrag, realisatie_bedrag, in_behandeling_bedrag, ingediend_bedrag, "
                       "nog_te_declareren_bedrag, verplichting_rest_jaar_bedrag, prognose_bedrag, "
                       "prognose_min_begroting_bedrag, aantal_jeugdigen FROM mart.pc_gemeente_jaar ORDER BY gemeente")
    assert got == [
        # 0150: R201 approved 560000; R202 620000 rejected (ingediend only)
        ("0150", 600000, 560000, 0, 1_180_000, n0150, 0, 560000 + n0150, 560000 + n0150 - 600000, 1),
        # 0193: approved 90000 (Jan) + 100000 (Feb); R106 100000 in behandeling; R103 88000 rejected
        ("0193", 1_200_000, 190000, 100000, 378000, n0193, 0, 290000 + n0193, 290000 + n0193 - 1_200_000, 1),
    ]


def test_forecast_tables_are_consistent(seeded):
    # peildatum 05-06; development in days after the end of the month: Jan 95, Feb 67, Mar 36, Apr 6.
    # Non-rejected amounts declared by those points: Jan 100000 at t=5, net 90000 from t=33; Feb
    # 660000 at t=4-5; Mar 100000 at t=36. Links: 67->95 (Jan) 1; 36->67 (Feb, Jan) 750000/750000;
    # 6->36 (Mar, Feb, Jan) 850000/760000 = 1.1184: April (t=6) is 1/1.1184 in. May still runs and
    # nothing of the first 5 days of a month was ever declared by then: nothing in (NULL).
    assert rows(seeded, "SELECT ontwikkelmaanden, factor, cumulatieve_factor, ontwikkeldagen "
                        "FROM mart.prognose_ontwikkelfactor ORDER BY 1") == [
        (0, None, None, -25), (1, Decimal("1.1184"), Decimal("1.1184"), 6), (2, Decimal("1.0000"), Decimal("1.0000"), 36),
        (3, Decimal("1.0000"), Decimal("1.0000"), 67), (4, None, Decimal("1.0000"), 95)]
    bad = rows(seeded, "SELECT * FROM mart.prognose_nog_te_declareren WHERE prognose_bedrag <> gedeclareerd_bedrag + "
                       "nog_te_declareren_bedrag OR NOT prognose_laag_bedrag <= prognose_bedrag "
                       "OR NOT prognose_bedrag <= prognose_hoog_bedrag")
    assert bad == []


def test_closing_a_month_freezes_it_and_shows_later_corrections(seeded):
    assert marts.close_month(seeded, D(2025, 2, 14)) == 2
    with pytest.raises(marts.PeriodClosedError, match="2025-02 was already closed"):
        marts.close_month(seeded, D(2025, 2, 1))
    # a later credit of R102 (February) arrives: in behandeling until the gemeente answers
    mc._declaratie(seeded, mc.P1, "P1-05", "0193", D(2025, 5, 1), D(2025, 5, 6), [
        ("R107", "R102", mc.A, 101, "45", "45A03", D(2025, 2, 1), D(2025, 2, 28), 10, "04", 10000, 100000, "C")])
    marts.refresh(seeded)
    assert rows(seeded, "SELECT realisatie_bedrag, in_behandeling_bedrag FROM mart.pc_gemeente_maand WHERE "
                        "gemeente = '0193' AND maand = '2025-02-01'") == [(100000, -100000)]
    # ... and approves the credit: February's toegekend realisatie is now 0
    mc._antwoord(seeded, "0193", mc.P1, "P1-05", D(2025, 5, 6), D(2025, 5, 6), ["0200"], ["8001"])
    marts.refresh(seeded)
    assert rows(seeded, "SELECT realisatie_bedrag, in_behandeling_bedrag FROM mart.pc_gemeente_maand WHERE "
                        "gemeente = '0193' AND maand = '2025-02-01'") == [(0, 0)]
    # the closed month keeps its frozen figures (R106 of March was in behandeling when it was closed)
    assert rows(seeded, "SELECT status, realisatie_bedrag, in_behandeling_bedrag, ingediend_bedrag, "
                        "correctie_na_afsluiting_bedrag FROM mart.pc_gemeente_maand_vastgesteld WHERE gemeente = '0193' "
                        "AND maand IN ('2025-02-01', '2025-03-01') ORDER BY maand") == [
        ("afgesloten", 100000, 0, 188000, -100000), ("voorlopig", 0, 100000, 100000, 0)]


def test_every_gemeente_mart_is_secured_per_gemeente(seeded):
    relations = [r[0] for r in rows(seeded, """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'mart'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'gemeente'
        WHERE c.relkind IN ('r', 'v', 'm') AND c.relname NOT LIKE '%%beveiligd' ORDER BY 1""")]
    assert {"pc_gemeente_maand", "pc_gemeente_jaar", "instroom_uitstroom_gemeente_maand",
            "pc_gemeente_maand_vastgesteld", "wachttijd_gemeente_maand"} <= set(relations)
    for rel in relations:
        with seeded.transaction():
            seeded.execute('SET LOCAL ROLE "gemeente_0150"')
            seen = rows(seeded, f"SELECT DISTINCT gemeente FROM mart.{rel}_beveiligd")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with seeded.transaction():
                    seeded.execute(f"SELECT 1 FROM mart.{rel}")
        assert set(seen) <= {("0150",)}, rel
        total = rows(seeded, f"SELECT count(*) FROM mart.{rel} WHERE gemeente = '0150'")[0][0]
        assert len(seen) == (1 if total else 0), rel


def test_pc_gemeente_jaar_per_1000_youths_uses_cbs_denominators(seeded, db_url):
    from jeugdhulp import config
    from jeugdhulp.cbs import load
    from jeugdhulp.cbs.client import CbsClient
    from jeugdhulp.cbs.server import SnapshotServer

    with SnapshotServer(config.INCLUDE_DIR / "cbs" / "snapshot") as srv:
        load.load_all(db_url, CbsClient(srv.base_url, backoff=0.0, sleep=lambda s: None))
    marts.refresh(seeded)
    noemer = {g: (j, n) for g, j, n in rows(seeded, """
        SELECT DISTINCT ON (gemeente) gemeente, jaar, aantal_0_17 FROM cbs.bevolking_jeugd
        WHERE gemeente IN ('0150', '0193') AND jaar <= 2025 ORDER BY gemeente, jaar DESC""")}
    nl = rows(seeded, "SELECT per_1000_0_22 FROM cbs.jeugdzorg_per_1000_jongeren WHERE regio = 'NL01' AND jaar <= 2025 "
                      "AND vorm_naam ILIKE '%%totaal jeugdzorg in natura%%' ORDER BY jaar DESC LIMIT 1")[0][0]
    got = rows(seeded, "SELECT gemeente, inwoners_0_17, bevolking_jaar, jeugdigen_per_1000, regio_jeugdigen_per_1000, "
                       "prognose_per_inwoner_0_17_bedrag, cbs_nederland_per_1000_0_22 FROM mart.pc_gemeente_jaar "
                       "ORDER BY gemeente")
    beide = noemer["0150"][1] + noemer["0193"][1]
    # the year's prognose itself (incl. the forecast) is proven in test_pc_gemeente_jaar; here the division
    prognose = dict(rows(seeded, "SELECT gemeente, prognose_bedrag FROM mart.pc_gemeente_jaar"))
    assert got == [
        ("0150", noemer["0150"][1], noemer["0150"][0], round(Decimal(1000) / noemer["0150"][1], 1),
         round(Decimal(2000) / beide, 1), round(prognose["0150"] / noemer["0150"][1]), nl),
        ("0193", noemer["0193"][1], noemer["0193"][0], round(Decimal(1000) / noemer["0193"][1], 1),
         round(Decimal(2000) / beide, 1), round(prognose["0193"] / noemer["0193"][1]), nl),
    ]


def test_every_mart_has_a_gx_suite_and_passes_it(seeded, db_url):
    from jeugdhulp import mart_quality

    for mart in marts.MARTS:
        assert mart_quality.suite_path(mart).exists(), mart
    results = mart_quality.check(db_url, marts.MARTS)
    assert {r.mart for r in results} == set(marts.MARTS)


@pytest.mark.parametrize("mart, tamper, rule", [
    ("mart.contract_realisatie", "UPDATE {t} SET netto_bedrag = netto_bedrag + 1 WHERE maand = '2025-01-01'",
     {"MART-NETTO", "MART-AANSLUITING"}),
    ("mart.pc_gemeente_maand", "UPDATE {t} SET prognose_bedrag = 0 WHERE gemeente = '0150' AND maand = '2025-02-01'",
     {"MART-PROGNOSE"}),
    ("mart.pc_gemeente_maand", "UPDATE {t} SET begroting_bedrag = begroting_bedrag + 5 WHERE maand = '2025-07-01'",
     {"MART-BEGROTING"}),
    ("mart.instroom_uitstroom_gemeente_maand", "UPDATE {t} SET uitstroom_voortijdig = 2 WHERE maand = '2025-04-01'",
     {"MART-UITSTROOM"}),
    ("mart.trajectduur_gemeente_jaar", "UPDATE {t} SET aantal_tot_3_maanden = 0 WHERE gemeente = '0193'",
     {"MART-KLASSEN"}),
    ("mart.declaratie_gemeente_maand", "DELETE FROM {t} WHERE gemeente = '0150'", {"MART-AANSLUITING"}),
    ("mart.declaratie_gemeente_maand", "UPDATE {t} SET aantal_clienten = 0 WHERE gemeente = '0150'", {"MART-CLIENTEN"}),
    ("mart.declaratie_gemeente_maand", "UPDATE {t} SET gemeente = NULL WHERE gemeente = '0150'", {"MART-SLEUTEL"}),
    ("mart.contract_realisatie", "UPDATE {t} SET afgewezen_bedrag = afgewezen_bedrag + 1 WHERE maand = '2025-02-01'",
     {"MART-INGEDIEND"}),
    ("mart.contract_realisatie", "UPDATE {t} SET aantal_tariefafwijkingen = -1 WHERE maand = '2025-02-01'",
     {"MART-AFWIJKINGEN"}),
    ("mart.contract_plafond_aanbieder_jaar", "UPDATE {t} SET resterend_plafond = 0 WHERE aanbieder = '99900001'",
     {"MART-RESTEREND"}),
    ("mart.afwijzing_retourcode_aanbieder_maand", "UPDATE {t} SET aandeel_pct = 101 WHERE retour_code = '0611'",
     {"MART-AANDEEL"}),
    ("mart.afwijzing_retourcode_aanbieder_maand", "UPDATE {t} SET retour_code = NULL WHERE retour_code = '0611'",
     {"MART-RETOURCODE"}),
    ("mart.declaratiegedrag_aanbieder_maand", "UPDATE {t} SET afgewezen_aandeel_pct = 120 WHERE maand = '2025-04-01'",
     {"MART-AFGEWEZEN-PCT"}),
    ("mart.declaratiegedrag_aanbieder_maand", "UPDATE {t} SET laat_aandeel_pct = -1 WHERE maand = '2025-04-01'",
     {"MART-LAAT-PCT"}),
    ("mart.declaratiegedrag_aanbieder_maand", "UPDATE {t} SET aantal_regels = 5 WHERE maand = '2025-04-01'",
     {"MART-REGELS"}),
    ("mart.declaratiegedrag_aanbieder_maand",
     "UPDATE {t} SET vertraging_p90_dagen = 1 WHERE maand = '2025-03-01' AND aanbieder = '99900001'", {"MART-VERTRAGING"}),
    ("mart.dq_scorecard_aanbieder_maand", "INSERT INTO {t} (aanbieder, maand, dataset, aantal_regels, aantal_afgekeurd, "
     "dq_score) VALUES ('99900001', '2025-01-01', 'jw323_prestatie', 1, 2, 50)", {"MART-AFGEKEURD"}),
    ("mart.dq_scorecard_aanbieder_maand", "INSERT INTO {t} (aanbieder, maand, dataset, aantal_regels, aantal_afgekeurd, "
     "dq_score) VALUES ('99900001', '2025-01-01', 'jw323_prestatie', 2, 1, 150)", {"MART-SCORE"}),
    ("mart.instroom_uitstroom_gemeente_maand",
     "UPDATE {t} SET instroom_jeugdigen = 5 WHERE gemeente = '0193' AND maand = '2025-01-01'", {"MART-JEUGDIGEN"}),
    ("mart.trajectduur_gemeente_jaar", "UPDATE {t} SET gemiddelde_duur_dagen = 0 WHERE gemeente = '0150'", {"MART-DUUR"}),
    ("mart.trajectduur_gemeente_jaar", "UPDATE {t} SET duur_p90_dagen = 1 WHERE gemeente = '0150'", {"MART-PERCENTIELEN"}),
    ("mart.wachttijd_gemeente_maand", "UPDATE {t} SET aantal_gestart = 0 WHERE gemeente = '0150'", {"MART-GESTART"}),
    ("mart.wachttijd_gemeente_maand", "UPDATE {t} SET toewijzing_tot_start_mediaan_dagen = -3 WHERE gemeente = '0150'",
     {"MART-WACHTTIJD"}),
    ("mart.pc_gemeente_maand", "UPDATE {t} SET nog_te_declareren_bedrag = nog_te_declareren_bedrag + 5, prognose_bedrag = "
     "prognose_bedrag + 5 WHERE gemeente = '0193' AND maand = '2025-01-01'", {"MART-NOG-TE-DECLAREREN", "MART-PROGNOSE"}),
    # pending counted as realised (the bug of issue #11): the total is unchanged, the reconciliation with core fails
    ("mart.pc_gemeente_maand", "UPDATE {t} SET realisatie_bedrag = realisatie_bedrag + in_behandeling_bedrag, "
     "in_behandeling_bedrag = 0 WHERE gemeente = '0193' AND maand = '2025-03-01'", {"MART-REALISATIE"}),
    # a rejected line realised
    ("mart.pc_gemeente_maand", "UPDATE {t} SET realisatie_bedrag = 620000, prognose_bedrag = 620000 WHERE gemeente = '0150' "
     "AND maand = '2025-03-01'", {"MART-REALISATIE", "MART-PROGNOSE"}),
    ("mart.pc_gemeente_maand", "UPDATE {t} SET verplichting_bedrag = verplichting_bedrag + 1 WHERE gemeente = '0193' "
     "AND maand = '2025-02-01'", {"MART-VERPLICHTING"}),
    # a dropped cell: every reconciliation with core notices
    ("mart.pc_gemeente_maand", "DELETE FROM {t} WHERE gemeente = '0150' AND maand = '2025-02-01'",
     {"MART-REALISATIE", "MART-VERPLICHTING", "MART-PROGNOSE", "MART-BEGROTING"}),
    ("mart.pc_gemeente_jaar", "UPDATE {t} SET realisatie_bedrag = realisatie_bedrag + in_behandeling_bedrag, "
     "in_behandeling_bedrag = 0 WHERE gemeente = '0193'", {"MART-REALISATIE"}),
    ("mart.contract_aanbieder_gemeente_maand", "UPDATE {t} SET afgewezen_bedrag = afgewezen_bedrag + 1 "
     "WHERE maand = '2025-02-01'", {"MART-INGEDIEND"}),
    ("mart.contract_aanbieder_gemeente_maand", "UPDATE {t} SET ingediend_bedrag = ingediend_bedrag + 1, "
     "in_behandeling_bedrag = in_behandeling_bedrag + 1 WHERE maand = '2025-02-01'", {"MART-AANSLUITING"}),
    ("mart.contract_aanbieder_gemeente_maand", "UPDATE {t} SET aantal_jeugdigen = 2 WHERE maand = '2025-02-01' "
     "AND aanbieder = '99900001'", {"MART-CASELOAD"}),
    ("mart.contract_aanbieder_gemeente_maand", "UPDATE {t} SET aandeel_regio_pct = 50 WHERE maand = '2025-02-01' "
     "AND aanbieder = '99900001'", {"MART-AANDEEL"}),
    ("mart.pc_gemeente_jaar", "UPDATE {t} SET jeugdigen_per_1000 = 2000 WHERE gemeente = '0193'", {"MART-PER-1000"}),
    ("mart.pc_gemeente_jaar", "UPDATE {t} SET prognose_bedrag = prognose_bedrag + 1 WHERE gemeente = '0193'",
     {"MART-PROGNOSE"}),
])
def test_mart_suites_catch_an_inconsistent_mart(seeded, db_url, mart, tamper, rule):
    """The suites can fail: run them on a tampered copy of the mart."""
    from jeugdhulp import mart_quality

    copy = f"scratch.{mart.split('.')[1]}"
    seeded.execute("CREATE SCHEMA IF NOT EXISTS scratch")
    seeded.execute(f"CREATE TABLE {copy} AS SELECT * FROM {mart}")
    assert all(r.success for r in mart_quality.validate(db_url, mart, copy))
    seeded.execute(tamper.format(t=copy))
    failed = {r.regel_code for r in mart_quality.validate(db_url, mart, copy) if not r.success}
    assert failed == rule


# ----------------------------------------------------------------------------------------- issue #11 cases
# The Kampen (0166) corpus of mart_corpus.seed_extra: open-ended, aspecific, generic and budget
# toewijzingen, minutes against an hourly tariff, the three uitvoeringsvarianten, a 2026 month
# without a tariff (indexed), approved / rejected / pending / credited lines.


@pytest.fixture
def seeded_extra(conn):
    mc.seed(conn)
    mc.seed_extra(conn)
    marts.refresh(conn)
    return conn


def test_commitments_of_every_toewijzing_kind(seeded_extra):
    got = {(n, m.year, m.month): rest for n, m, *rest in rows(seeded_extra, """
        SELECT toewijzing_nummer, maand, soort_toewijzing, uitvoeringsvariant, tarief_bron, tarief, verplichting_bedrag
        FROM core.toewijzing_verplichting_maand WHERE gemeente = '0166'""")}
    # K1: open-ended (no Einddatum) runs to 31-12-2025, the end of the peildatum's year: 12 months.
    # 600 min per week against a tariff per UUR: 600 x days / 7 minutes x 10000 / 60 per minute
    assert sorted(k[2] for k in got if k[0] == 301) == list(range(1, 13))
    assert got[301, 2025, 1] == ["specifiek", "inspanningsgericht", "contract", 10000, 442857]   # 600x31/7/60 x 10000
    assert got[301, 2025, 2] == ["specifiek", "inspanningsgericht", "contract", 10000, 400000]   # 4 weeks x 10 h
    assert got[301, 2025, 4] == ["specifiek", "inspanningsgericht", "contract", 10000, 428571]   # 600x30/7/60 x 10000
    # K2: aspecific with Budget 1200000 over 181 days, pro rata per day; the months add up to the budget
    assert got[302, 2025, 1] == ["aspecifiek", "inspanningsgericht", "budget", None, 205525]     # x 31/181
    assert got[302, 2025, 2] == ["aspecifiek", "inspanningsgericht", "budget", None, 185635]     # x 28/181
    assert sum(v[-1] for k, v in got.items() if k[0] == 302) == 1_200_000
    # K3: aspecific without Budget or Omvang: the region's mean toegekend netto per toewijzing-month in
    # categorie 45. Approved cat-45 lines per (toewijzing, month): 0193/101 Jan 100000 - 100000 + 90000 =
    # 90000, 0193/101 Feb 100000, 0166/301 Jan 440000 - 440000 + 433333 = 433333, 0166/302 Jan 100000,
    # 0166/301 Feb 400000: 1123333 / 5 = 224666.6 per full month
    assert got[303, 2025, 3] == ["aspecifiek", "inspanningsgericht", "gemiddelde", None, 224667]
    assert got[303, 2025, 4] == ["aspecifiek", "inspanningsgericht", "gemiddelde", None, 224667]
    # K4: generic, Budget 900000 over 91 days (April 30, May 31, June 30)
    assert [got[304, 2025, m] for m in (4, 5, 6)] == [["generiek", "inspanningsgericht", "budget", None, b]
                                                     for b in (296703, 306593, 296703)]
    # K5: outputgericht, 1 stuks per maand from 15 Feb to 10 Apr: one product in each month it touches
    # (inspanningsgericht would give 14/28, 1 and 10/30 of it)
    assert [got[305, 2025, m] for m in (2, 3, 4)] == [["specifiek", "outputgericht", "contract", 150000, 150000]] * 3
    # K6: 4 uur per week; 2026 has no tariff: 10000 x (1000 + 30) / 1000 = 10300, flagged geindexeerd
    assert got[306, 2025, 11] == ["specifiek", "inspanningsgericht", "contract", 10000, 171429]  # 4x30/7 x 10000
    assert got[306, 2025, 12] == ["specifiek", "inspanningsgericht", "contract", 10000, 177143]  # 4x31/7 x 10000
    assert got[306, 2026, 1] == ["specifiek", "inspanningsgericht", "geindexeerd", 10300, 182457]  # 4x31/7 x 10300
    assert got[306, 2026, 2] == ["specifiek", "inspanningsgericht", "geindexeerd", 10300, 164800]  # 16 x 10300
    # K7: hours against a tariff per etmaal: not convertible, flagged and NULL (never a silent 0)
    assert got[307, 2025, 6] == ["specifiek", "inspanningsgericht", "niet_omrekenbaar", None, None]
    # K8: Eenheid 83: the volume is the amount in cents
    assert [got[308, 2025, m] for m in (7, 8)] == [["specifiek", "inspanningsgericht", "euro", None, 50000]] * 2


def _python_realisatie() -> dict[tuple, list[int]]:
    """toegekend / in behandeling / ingediend netto per (categorie, month) of Kampen, computed in Python
    from the corpus lines and the status the JW325 answers give them (EXTRA_STATUS)."""
    out: dict[tuple, list[int]] = {}
    for _, _, _, regels in mc.EXTRA_DECLARATIES:
        for ref, _, _, _, cat, _, begin, _, _, _, _, bedrag, dc in regels:
            saldo = bedrag if dc == "D" else -bedrag
            cell = out.setdefault((cat, begin.month), [0, 0, 0])
            cell[0] += saldo if mc.EXTRA_STATUS[ref] == "approved" else 0
            cell[1] += saldo if mc.EXTRA_STATUS[ref] == "pending" else 0
            cell[2] += saldo
    return out


def test_pc_gemeente_maand_variants_statuses_and_commitments(seeded_extra):
    got = {(c, m.year, m.month): rest for c, m, *rest in rows(seeded_extra, """
        SELECT product_categorie, maand, uitvoeringsvariant, realisatie_bedrag, in_behandeling_bedrag, ingediend_bedrag,
               taakgericht_bedrag, verplichting_bedrag, verplichting_geindexeerd_bedrag, aantal_verplichting_zonder_waarde,
               prognose_bedrag, geleverd
        FROM mart.pc_gemeente_maand WHERE gemeente = '0166'""")}
    ntd = {(c, D(2025, m, 1)): n for (g, m, c), n in nog_te_declareren(seeded_extra).items() if g == "0166"}
    # cells: categories 41 (taakgericht), 43, 45, 54 and 'generiek' in 2025; categorie 45 also in 2026 (K6)
    assert {(c, j) for c, j, _ in got} == {("41", 2025), ("43", 2025), ("45", 2025), ("54", 2025), ("generiek", 2025),
                                          ("45", 2026)}
    # the status figures, a second way: in Python from the corpus lines
    for (cat, maand), (toegekend, in_behandeling, ingediend) in _python_realisatie().items():
        assert got[cat, 2025, maand][1:4] == [toegekend, in_behandeling, ingediend], (cat, maand)
    # and by hand. January cat 45: X1 440000 - X5 440000 + X6 433333 + X2 100000 approved = 533333;
    # X11 200000 (X3 sent again) in behandeling; X3 200000 rejected: ingediend 933333, never realised
    assert got["45", 2025, 1][1:4] == [533333, 200000, 933333]
    # February: X4 400000 approved, its credit X10 in behandeling: -400000
    assert got["45", 2025, 2][1:4] == [400000, -400000, 0]
    # commitments cat 45, by hand from test_commitments_of_every_toewijzing_kind: K1 + K2 (+ K3 in Mar/Apr,
    # + K8 in Jul/Aug, + K6 in Nov/Dec)
    verplichting_45 = {1: 442857 + 205525, 2: 400000 + 185635, 3: 442857 + 205525 + 224667,
                       4: 428571 + 198895 + 224667, 5: 442857 + 205525, 6: 428571 + 198895, 7: 442857 + 50000,
                       8: 442857 + 50000, 9: 428571, 10: 442857, 11: 428571 + 171429, 12: 442857 + 177143}
    assert {m: got["45", 2025, m][5] for m in range(1, 13)} == verplichting_45
    # prognose: up to May (peildatum 06-05) toegekend + in behandeling + nog te declareren, after it the commitments
    for m in range(1, 13):
        r, ib, v = got["45", 2025, m][1], got["45", 2025, m][2], got["45", 2025, m][5]
        assert got["45", 2025, m][8] == (r + ib + ntd.get(("45", D(2025, m, 1)), 0) if m <= 5 else v), m
        assert got["45", 2025, m][9] is (m <= 5)
    assert got["45", 2025, 6][8] == 627466
    # 2026: only K6, at the indexed tariff, and flagged so
    assert got["45", 2026, 1][4:9] == [0, 182457, 182457, 0, 182457]
    assert got["45", 2026, 2][4:9] == [0, 164800, 164800, 0, 164800]
    assert all(got["45", 2025, m][6] == 0 for m in range(1, 13))
    # taakgericht: no declarations; the lump sum is the realisatie of a delivered month, the commitment
    # of every month and the prognose
    for m in range(1, 13):
        assert got["41", 2025, m] == ["taakgericht", mc.LUMP_SUM if m <= 5 else 0, 0, 0, mc.LUMP_SUM, mc.LUMP_SUM, 0, 0,
                                      mc.LUMP_SUM + (ntd.get(("41", D(2025, m, 1)), 0) if m <= 5 else 0), m <= 5]
    # outputgericht: X7 (Feb) approved, X8 (Mar) in behandeling; K5 one product in Feb, Mar and Apr
    assert [got["43", 2025, m][:6] for m in (2, 3, 4)] == [
        ["outputgericht", 150000, 0, 150000, 0, 150000], ["outputgericht", 0, 150000, 150000, 0, 150000],
        ["outputgericht", 0, 0, 0, 0, 150000]]
    # the unconvertible June toewijzing is counted, not valued
    assert got["54", 2025, 6][5:8] == [0, 0, 1]
    assert got["54", 2025, 6][8] == 0 and not got["54", 2025, 6][9]   # June is after the peildatum: prognose = 0
    # the generic budget toewijzing has its own row
    assert [got["generiek", 2025, m][5] for m in (4, 5, 6)] == [296703, 306593, 296703]
    assert got["generiek", 2025, 6][0] == "inspanningsgericht"


def test_pc_gemeente_jaar_toegekend_and_per_inhabitant(seeded_extra):
    ntd = sum(v for (g, *_), v in nog_te_declareren(seeded_extra).items() if g == "0166")
    got = rows(seeded_extra, "SELECT jaar, realisatie_bedrag, in_behandeling_bedrag, ingediend_bedrag, taakgericht_bedrag, "
                             "verplichting_rest_jaar_bedrag, prognose_bedrag FROM mart.pc_gemeente_jaar "
                             "WHERE gemeente = '0166' ORDER BY jaar")
    python = _python_realisatie()
    toegekend = sum(v[0] for v in python.values())   # 533333 + 400000 + 150000 = 1083333
    in_behandeling = sum(v[1] for v in python.values())   # 200000 - 400000 + 100000 + 150000 = 50000
    assert (toegekend, in_behandeling) == (1_083_333, 50_000)
    # rest of the year (June..December): cat 45 627466 + 492857 x 2 + 428571 + 442857 + 600000 + 620000,
    # lump sums 7 x 300000, generic June 296703, cat 54 June not valued
    rest = 627466 + 2 * 492857 + 428571 + 442857 + 600000 + 620000 + 7 * mc.LUMP_SUM + 296703
    assert got == [
        (2025, toegekend + 5 * mc.LUMP_SUM, in_behandeling, 933333 + 0 + 100000 + 150000 + 150000, 12 * mc.LUMP_SUM,
         rest, toegekend + 5 * mc.LUMP_SUM + in_behandeling + ntd + rest),
        (2026, 0, 0, 0, 0, 182457 + 164800, 182457 + 164800),
    ]


def test_contract_aanbieder_gemeente_maand(seeded_extra):
    cols = ("aantal_debet_regels, ingediend_bedrag, toegekend_bedrag, afgewezen_bedrag, in_behandeling_bedrag, "
            "gecrediteerd_bedrag, toegekend_netto_bedrag, ingediend_volume, toegekend_netto_volume, afgewezen_volume, "
            "aantal_jeugdigen, kosten_per_jeugdige_bedrag, aandeel_regio_pct")
    got = {(a, g, m.month, code, e): list(r) for a, g, m, code, e, *r in rows(seeded_extra, f"""
        SELECT aanbieder, gemeente, maand, product_code, eenheid, {cols}
        FROM mart.contract_aanbieder_gemeente_maand""")}
    # P3 in Kampen, a second way: in Python from the corpus lines and their status
    expected: dict[tuple, list] = {}
    youths: dict[tuple, set] = {}
    for _, _, _, regels in mc.EXTRA_DECLARATIES:
        for ref, _, client, _, _, code, begin, _, volume, eenheid, _, bedrag, dc in regels:
            key = (mc.P3, "0166", begin.month, code, eenheid)
            e = expected.setdefault(key, [0] * 10)
            status = mc.EXTRA_STATUS[ref]
            if dc == "D":
                e[0] += 1
                e[1] += bedrag
                e[7] += volume
                e[2 if status == "approved" else 3 if status == "rejected" else 4] += bedrag
                e[9] += volume if status == "rejected" else 0
                if status == "approved":
                    youths.setdefault(key, set()).add(client)
            elif status != "rejected":
                e[5] += bedrag
            if status == "approved":
                e[6] += bedrag if dc == "D" else -bedrag
                e[8] += volume if dc == "D" else -volume
    for key, e in expected.items():
        n = len(youths.get(key, ()))
        # P3 is the only provider of these products in the region: Kampen's share is 100 % when anything
        # was approved
        share = Decimal("100.0") if e[6] else None
        assert got[key] == [*e, n, round(e[6] / n) if n else None, share], key
    # by hand: January 45A03 in minutes: X1 2640 min approved then credited (X5), X6 2600 min approved:
    # netto 433333 cents and 2600 minutes for one youth (D)
    assert got[mc.P3, "0166", 1, "45A03", "01"] == [2, 873333, 873333, 0, 0, 440000, 433333, 5240, 2600, 0, 1, 433333,
                                                    Decimal("100.0")]
    # January 45A03 in hours: X2 approved, X3 rejected, X11 (X3 sent again) in behandeling
    assert got[mc.P3, "0166", 1, "45A03", "04"] == [3, 500000, 100000, 200000, 200000, 0, 100000, 50, 10, 20, 1, 100000,
                                                    Decimal("100.0")]
    # Zwolle, P1 February: R102 approved (A), R103 rejected (B): one youth, cost per youth 100000
    assert got[mc.P1, "0193", 2, "45A03", "04"][:7] == [2, 188000, 100000, 88000, 0, 0, 100000]
    assert got[mc.P1, "0193", 2, "45A03", "04"][10:12] == [1, 100000]
    # share of the ceiling: P1 (5,000,000 plafond) January 90000 toegekend = 1.80 %
    assert rows(seeded_extra, "SELECT aandeel_plafond_pct, afgewezen_pct, uitvoeringsvariant FROM "
                              "mart.contract_aanbieder_gemeente_maand WHERE aanbieder = %s AND maand = '2025-01-01'",
                mc.P1) == [(Decimal("1.80"), Decimal("0.0"), "inspanningsgericht")]
    assert rows(seeded_extra, "SELECT DISTINCT uitvoeringsvariant FROM mart.contract_aanbieder_gemeente_maand "
                              "WHERE product_code = '43B02'") == [("outputgericht",)]
    # finance_reader reads it; a gemeente only its own rows through the secured view
    with seeded_extra.transaction():
        seeded_extra.execute('SET LOCAL ROLE "gemeente_0166"')
        assert {r[0] for r in rows(seeded_extra, "SELECT gemeente FROM mart.contract_aanbieder_gemeente_maand_beveiligd")} \
            == {"0166"}

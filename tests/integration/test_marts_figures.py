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


def test_pc_gemeente_maand_budget_realisation_commitments_forecast(seeded):
    got = {(g, m.month): rest for g, m, *rest in rows(seeded, """
        SELECT gemeente, maand, begroting_bedrag, realisatie_bedrag, nog_te_declareren_bedrag, verplichting_bedrag,
               prognose_bedrag, aantal_jeugdigen, geleverd
        FROM mart.pc_gemeente_maand WHERE jaar = 2025""")}
    assert len(got) == 24  # 2 gemeente x categorie cells x 12 months
    # peildatum 2025-05-06; chain-ladder: nothing is ever declared in the month of delivery, so May is
    # Bornhuetter-Ferguson on the mean of Feb..Apr (100000, 100000, 0) and (560000, 0, 0)
    assert got["0193", 1] == [100000, 90000, 0, 100000, 90000, 1, True]
    assert got["0193", 2] == [100000, 100000, 0, 180000, 100000, 1, True]   # T1 10 h + T2 8 h x 10000
    assert got["0193", 3] == [100000, 100000, 0, 180000, 100000, 1, True]
    assert got["0193", 4] == [100000, 0, 0, 80000, 0, 0, True]              # T2 shortened to April
    assert got["0193", 5] == [100000, 0, 66667, 0, 66667, 0, True]
    assert got["0193", 6] == [100000, 0, 0, 0, 0, 0, False]
    assert got["0150", 2] == [50000, 560000, 0, 560000, 560000, 1, True]   # 28 etmalen x 20000
    assert got["0150", 3] == [50000, 0, 0, 620000, 0, 0, True]             # rejected declaration
    assert got["0150", 5] == [50000, 0, 186667, 620000, 186667, 0, True]
    assert sum(v[0] for (g, _), v in got.items() if g == "0193") == 1_200_000
    assert rows(seeded, "SELECT DISTINCT peildatum FROM mart.pc_gemeente_maand") == [(D(2025, 5, 6),)]


def test_pc_gemeente_jaar(seeded):
    got = rows(seeded, "SELECT gemeente, begroting_bedrag, realisatie_bedrag, nog_te_declareren_bedrag, "
                       "verplichting_rest_jaar_bedrag, prognose_bedrag, prognose_min_begroting_bedrag, "
                       "prognose_begroting_pct, aantal_jeugdigen FROM mart.pc_gemeente_jaar ORDER BY gemeente")
    assert got == [
        ("0150", 600000, 560000, 186667, 0, 746667, 146667, Decimal("124.4"), 1),
        ("0193", 1_200_000, 290000, 66667, 0, 356667, -843333, Decimal("29.7"), 1),   # B's only line was rejected
    ]


def test_forecast_tables_are_consistent(seeded):
    assert rows(seeded, "SELECT ontwikkelmaanden, factor, cumulatieve_factor FROM mart.prognose_ontwikkelfactor "
                        "ORDER BY 1") == [(0, None, None), (1, Decimal("1.1184"), Decimal("1.1184"))]  # 850000/760000
    bad = rows(seeded, "SELECT * FROM mart.prognose_nog_te_declareren WHERE prognose_bedrag <> gedeclareerd_bedrag + "
                       "nog_te_declareren_bedrag OR NOT prognose_laag_bedrag <= prognose_bedrag "
                       "OR NOT prognose_bedrag <= prognose_hoog_bedrag")
    assert bad == []


def test_closing_a_month_freezes_it_and_shows_later_corrections(seeded):
    assert marts.close_month(seeded, D(2025, 2, 14)) == 2
    with pytest.raises(marts.PeriodClosedError, match="2025-02 was already closed"):
        marts.close_month(seeded, D(2025, 2, 1))
    # a later credit of R102 (February) arrives
    mc._declaratie(seeded, mc.P1, "P1-05", "0193", D(2025, 5, 1), D(2025, 5, 6), [
        ("R107", "R102", mc.A, 101, "45", "45A03", D(2025, 2, 1), D(2025, 2, 28), 10, "04", 10000, 100000, "C")])
    marts.refresh(seeded)
    assert rows(seeded, "SELECT realisatie_bedrag FROM mart.pc_gemeente_maand WHERE gemeente = '0193' "
                        "AND maand = '2025-02-01'") == [(0,)]
    assert rows(seeded, "SELECT status, realisatie_bedrag, correctie_na_afsluiting_bedrag FROM "
                        "mart.pc_gemeente_maand_vastgesteld WHERE gemeente = '0193' AND maand IN ('2025-02-01', "
                        "'2025-03-01') ORDER BY maand") == [("afgesloten", 100000, -100000), ("voorlopig", 100000, 0)]


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
    assert got == [
        ("0150", noemer["0150"][1], noemer["0150"][0], round(Decimal(1000) / noemer["0150"][1], 1),
         round(Decimal(2000) / beide, 1), round(746667 / noemer["0150"][1]), nl),
        ("0193", noemer["0193"][1], noemer["0193"][0], round(Decimal(1000) / noemer["0193"][1], 1),
         round(Decimal(2000) / beide, 1), round(356667 / noemer["0193"][1]), nl),
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
     "prognose_bedrag + 5 WHERE gemeente = '0193' AND maand = '2025-01-01'", {"MART-NOG-TE-DECLAREREN"}),
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

"""A small fixed corpus written straight into core, so every mart cell can be computed by hand.

Region: Zwolle (0193) and Deventer (0150), providers P1 (99900001, contracted) and P2 (99900002),
youths A, B, C (pseudonyms), year 2025. What it contains and why:

toewijzingen (JW301)
  T1 0193/101 P1 A 45A03 2025-01-01..03-31, 10 uur per maand, honours VOT1 (JW315 of 2024-12-10),
     toegewezen 2024-12-20
  T2 0193/102 P1 B 45A03 2025-02-01..12-31 8 uur per maand, toegewezen 2025-01-15; a second version
     of 2025-03-01 shortens it to 04-30
  T3 0150/201 P2 C 54005 2025-02-01..05-31 1 etmaal per dag, toegewezen 2025-01-20
  T4 0193/103 P2 A 45A03: a second version with RedenWijziging 13 and Einddatum = Ingangsdatum
     (never existed): it must not count anywhere
starts/stops (JW305/JW307)
  A on T1 from 01-06, stopped 03-31 reason 31 (volgens plan)
  B on T2 from 02-03, temporary stop 20 on 03-10 (does not end it), stopped 04-30 reason 33 (voortijdig)
  C on T3 from 02-01, stopped 05-31 reason 38 (overig)
declarations (JW323) and answers (JW325)
  P1-01 (dagtekening 02-05): R101 A Jan 10 uur 100000 D                      -> approved (8001)
  P1-02 (03-05): R102 A Feb 100000 D approved; R103 B Feb 8 uur at 11000 = 88000 D (tariff deviation)
                 rejected 0611; R104 credit of R101 (C 100000) approved; R105 A Jan corrected 9 uur
                 90000 D approved (a late claim: January declared in March)
  P1-04 (05-06): R106 A Mar 100000 D, no answer yet (pending; late claim)
  P2-02 (03-04): R201 C Feb 28 etmaal at 20000 = 560000 D                      -> approved
  P2-03 (04-03): R202 C Mar 31 etmaal 620000 D -> whole declaration rejected (header 0001)
contract workbook: tariffs 45A03 10000 per uur, 54005 20000 per etmaal; plafond P1 5,000,000,
  P2 1,000,000; begroting 2025 0193 cat 45 1,200,000 and 0150 cat 54 600,000 (all cents).
"""

from __future__ import annotations

import datetime as dt

SHA = "1" * 64
A, B, C = "a" * 64, "b" * 64, "e" * 64
P1, P2 = "99900001", "99900002"
D = dt.date


def _insert(conn, table: str, **values) -> None:
    cols = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(values.values()))


def _toewijzing(conn, gemeente, nummer, aanbieder, client, dag, ingang, eind, volume, eenheid, frequentie,
                reden=None, referentie=None, cat="45", code="45A03", budget=None):
    _insert(conn, "core.toewijzing", gemeente=gemeente, toewijzing_nummer=nummer, toewijzingsdatum=dag,
            toewijzingstijd=dt.time(10), aanbieder=aanbieder, client_pseudoniem=client,
            referentie_aanbieder=referentie, product_categorie=cat, product_code=code, ingangsdatum=ingang,
            einddatum=eind, reden_wijziging=reden, volume=volume, eenheid=eenheid, frequentie=frequentie,
            budget=budget, bericht_identificatie=f"T{nummer}-{dag}", file_sha256=SHA, batch_id=1)


def _start(conn, regel, aanbieder, gemeente, client, nummer, begin, cat="45", code="45A03"):
    _insert(conn, "core.zorg_start_mutatie", aanbieder=aanbieder, bericht_identificatie=f"S{regel}",
            bron_regel=regel, dagtekening=begin, gemeente=gemeente, client_pseudoniem=client,
            toewijzing_nummer=nummer, product_categorie=cat, product_code=code, begindatum=begin,
            status_aanlevering="1", file_sha256=SHA, batch_id=1)


def _stop(conn, regel, aanbieder, gemeente, client, nummer, begin, eind, reden, cat="45", code="45A03"):
    _insert(conn, "core.zorg_stop_mutatie", aanbieder=aanbieder, bericht_identificatie=f"E{regel}",
            bron_regel=regel, dagtekening=eind, gemeente=gemeente, client_pseudoniem=client,
            toewijzing_nummer=nummer, product_categorie=cat, product_code=code, begindatum=begin,
            reden_beeindiging=reden, einddatum=eind, status_aanlevering="1", file_sha256=SHA, batch_id=1)


def _declaratie(conn, aanbieder, nummer, gemeente, periode: dt.date, dag: dt.date, regels: list[tuple]):
    eind = (periode.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    totaal = sum(b if dc == "D" else -b for *_, b, dc in regels)
    _insert(conn, "core.declaratie", aanbieder=aanbieder, declaratie_nummer=nummer, gemeente=gemeente,
            declaratie_periode_begindatum=periode, declaratie_periode_einddatum=eind, declaratie_dagtekening=dag,
            totaal_ingediend_bedrag=totaal, bericht_identificatie=nummer, dagtekening=dag, file_sha256=SHA,
            batch_id=1)
    for ref, vorig, client, nummer_t, cat, code, begin, eind_p, volume, eenheid, tarief, bedrag, dc in regels:
        _insert(conn, "core.declaratie_regel", aanbieder=aanbieder, referentie_nummer=ref, declaratie_nummer=nummer,
                gemeente=gemeente, client_pseudoniem=client, vorig_referentie_nummer=vorig,
                toewijzing_nummer=nummer_t, product_categorie=cat, product_code=code,
                product_periode_begindatum=begin, product_periode_einddatum=eind_p, geleverd_volume=volume,
                eenheid=eenheid, product_tarief=tarief, ingediend_bedrag=bedrag, debet_credit=dc, file_sha256=SHA,
                batch_id=1)


def _antwoord(conn, gemeente, aanbieder, declaratie, dag_declaratie, dag, header, antwoord, afgewezen=()):
    ident = f"A-{declaratie}"
    _insert(conn, "core.declaratie_antwoord", gemeente=gemeente, bericht_identificatie=ident, aanbieder=aanbieder,
            dagtekening=dag, declaratie_identificatie=declaratie, declaratie_identificatie_dagtekening=dag_declaratie,
            header_retour_codes=header, declaratie_nummer=declaratie, antwoord_retour_codes=antwoord,
            file_sha256=SHA, batch_id=1)
    for ref, client, codes, bedrag in afgewezen:
        _insert(conn, "core.declaratie_antwoord_regel", gemeente=gemeente, bericht_identificatie=ident,
                aanbieder=aanbieder, referentie_nummer=ref, client_pseudoniem=client, retour_codes=codes,
                ingediend_bedrag=bedrag, debet_credit="D", file_sha256=SHA, batch_id=1)


def seed(conn) -> None:
    with conn.transaction():
        for client, jaar in ((A, 2012), (B, 2015), (C, 2009)):
            _insert(conn, "core.client", client_pseudoniem=client, bsn_elfproef=True, geboortejaar=jaar)
        versie = conn.execute("INSERT INTO core.contract_versie (file_sha256, bestandsnaam) VALUES (%s, 'test.xlsx') "
                              "RETURNING versie_id", (SHA,)).fetchone()[0]
        for agb, naam in ((P1, "Zorg Een"), (P2, "Twee Jeugd")):
            _insert(conn, "core.contract_aanbieder", versie_id=versie, aanbieder=agb, aanbieder_naam=naam,
                    gecontracteerd_vanaf=D(2025, 1, 1))
        _insert(conn, "core.contract_tarief", versie_id=versie, jaar=2025, product_categorie="45",
                product_code="45A03", eenheid="04", tarief=10000)
        _insert(conn, "core.contract_tarief", versie_id=versie, jaar=2025, product_categorie="54",
                product_code="54005", eenheid="14", tarief=20000)
        _insert(conn, "core.contract_plafond", versie_id=versie, jaar=2025, aanbieder=P1, budgetplafond=5_000_000)
        _insert(conn, "core.contract_plafond", versie_id=versie, jaar=2025, aanbieder=P2, budgetplafond=1_000_000)
        _insert(conn, "core.begroting", versie_id=versie, jaar=2025, gemeente="0193", product_categorie="45",
                begroting=1_200_000)
        _insert(conn, "core.begroting", versie_id=versie, jaar=2025, gemeente="0150", product_categorie="54",
                begroting=600_000)

        _insert(conn, "core.verzoek_om_toewijzing", aanbieder=P1, referentie_aanbieder="VOT1", gemeente="0193",
                client_pseudoniem=A, bericht_identificatie="VOT1", dagtekening=D(2024, 12, 10),
                product_categorie="45", product_code="45A03", toewijzing_ingangsdatum=D(2025, 1, 1),
                verwijzer_type="01", file_sha256=SHA, batch_id=1)
        _toewijzing(conn, "0193", 101, P1, A, D(2024, 12, 20), D(2025, 1, 1), D(2025, 3, 31), 10, "04", "4",
                    referentie="VOT1")
        _toewijzing(conn, "0193", 102, P1, B, D(2025, 1, 15), D(2025, 2, 1), D(2025, 12, 31), 8, "04", "4")
        _toewijzing(conn, "0193", 102, P1, B, D(2025, 3, 1), D(2025, 2, 1), D(2025, 4, 30), 8, "04", "4", reden="01")
        _toewijzing(conn, "0150", 201, P2, C, D(2025, 1, 20), D(2025, 2, 1), D(2025, 5, 31), 1, "14", "1",
                    cat="54", code="54005")
        _toewijzing(conn, "0193", 103, P2, A, D(2025, 2, 10), D(2025, 3, 1), D(2025, 3, 31), 5, "04", "4")
        _toewijzing(conn, "0193", 103, P2, A, D(2025, 2, 12), D(2025, 3, 1), D(2025, 3, 1), 5, "04", "4", reden="13")

        _start(conn, 1, P1, "0193", A, 101, D(2025, 1, 6))
        _stop(conn, 1, P1, "0193", A, 101, D(2025, 1, 6), D(2025, 3, 31), "31")
        _start(conn, 2, P1, "0193", B, 102, D(2025, 2, 3))
        _stop(conn, 2, P1, "0193", B, 102, D(2025, 2, 3), D(2025, 3, 10), "20")
        _stop(conn, 3, P1, "0193", B, 102, D(2025, 2, 3), D(2025, 4, 30), "33")
        _start(conn, 3, P2, "0150", C, 201, D(2025, 2, 1), cat="54", code="54005")
        _stop(conn, 4, P2, "0150", C, 201, D(2025, 2, 1), D(2025, 5, 31), "38", cat="54", code="54005")

        jan, feb, mar = (D(2025, 1, 6), D(2025, 1, 31)), (D(2025, 2, 1), D(2025, 2, 28)), (D(2025, 3, 1), D(2025, 3, 31))
        _declaratie(conn, P1, "P1-01", "0193", D(2025, 1, 1), D(2025, 2, 5), [
            ("R101", None, A, 101, "45", "45A03", *jan, 10, "04", 10000, 100000, "D")])
        _declaratie(conn, P1, "P1-02", "0193", D(2025, 2, 1), D(2025, 3, 5), [
            ("R102", None, A, 101, "45", "45A03", *feb, 10, "04", 10000, 100000, "D"),
            ("R103", None, B, 102, "45", "45A03", D(2025, 2, 3), D(2025, 2, 28), 8, "04", 11000, 88000, "D"),
            ("R104", "R101", A, 101, "45", "45A03", *jan, 10, "04", 10000, 100000, "C"),
            ("R105", None, A, 101, "45", "45A03", *jan, 9, "04", 10000, 90000, "D")])
        _declaratie(conn, P1, "P1-04", "0193", D(2025, 4, 1), D(2025, 5, 6), [
            ("R106", None, A, 101, "45", "45A03", *mar, 10, "04", 10000, 100000, "D")])
        _declaratie(conn, P2, "P2-02", "0150", D(2025, 2, 1), D(2025, 3, 4), [
            ("R201", None, C, 201, "54", "54005", *feb, 28, "14", 20000, 560000, "D")])
        _declaratie(conn, P2, "P2-03", "0150", D(2025, 3, 1), D(2025, 4, 3), [
            ("R202", None, C, 201, "54", "54005", *mar, 31, "14", 20000, 620000, "D")])
        _antwoord(conn, "0193", P1, "P1-01", D(2025, 2, 5), D(2025, 2, 12), ["0200"], ["8001"])
        _antwoord(conn, "0193", P1, "P1-02", D(2025, 3, 5), D(2025, 3, 12), ["0200"], ["0200"],
                  [("R103", B, ["0611"], 88000)])
        _antwoord(conn, "0150", P2, "P2-02", D(2025, 3, 4), D(2025, 3, 11), ["0200"], ["8001"])
        _antwoord(conn, "0150", P2, "P2-03", D(2025, 4, 3), D(2025, 4, 10), ["0001"], None)


# --------------------------------------------------------------------------------------------------
# Issue #11 cases, in gemeente Kampen (0166) with provider P3, on top of :func:`seed` (seed_extra).
#
# contract (same workbook version): 43B02 outputgericht, eenheid 82, 150000 per stuk; 41T01
#   taakgericht (no tariff) with a lump sum of 300000 per month of 2025 for 0166/P3/cat 41;
#   indexatie 2026 = 30 promille, so 45A03 costs 10000 x 1.030 = 10300 per uur in 2026.
# toewijzingen (all toegewezen 2024-12-15, all current)
#   K1 301 D 45A03 from 2025-01-01, NO Einddatum (open-ended: runs to 2025-12-31, the end of the
#      peildatum's year), 600 minuten (01) per week: the tariff is per uur, so 10 uur per week
#   K2 302 E aspecifiek (categorie 45, no code) with Budget 1200000, 2025-01-01..06-30 (181 days)
#   K3 303 F aspecifiek categorie 45 without Budget or Omvang, 2025-03-01..04-30
#   K4 304 G generiek (no categorie, no code), Budget 900000, 2025-04-01..06-30 (91 days)
#   K5 305 D 43B02 outputgericht, 1 stuks (82) per maand, 2025-02-15..04-10
#   K6 306 E 45A03 4 uur per week, 2025-11-01..2026-02-28 (2026 has no tariff: indexed)
#   K7 307 F 54005 100 uur per maand in June: the tariff is per etmaal (14): not convertible
#   K8 308 G 45A03 in euro's (83), 50000 per maand, 2025-07-01..08-31
# declarations (P3, 0166) and answers
#   K-01 (dagtekening 2025-02-04), January: X1 D 2640 min = 440000 (K1), X2 E 10 uur 100000 (K2),
#        X3 E 20 uur 200000 (K2) -> answer 0200/0200 with X3 rejected (9321): X1, X2 approved
#   K-02 (2025-03-05): X4 D Feb 2400 min 400000, X5 credit of X1 (C 440000), X6 D Jan corrected
#        2600 min 433333, X7 D 43B02 Feb 1 stuk 150000 -> all approved (8001)
#   K-03 (2025-04-03), no answer yet (in behandeling): X8 D 43B02 Mar 150000, X9 E Mar 10 uur
#        100000, X10 credit of X4 (C 400000, February), X11 E January 20 uur 200000 (the rejected X3
#        sent again)
# --------------------------------------------------------------------------------------------------
P3 = "99900003"
D_, E_, F_, G_ = "d" * 64, "f" * 64, "0" * 63 + "1", "0" * 63 + "2"
KAMPEN = "0166"
LUMP_SUM = 300_000
#: (declaratie, dagtekening, period, lines); a line: (ref, vorig, client, toewijzing, cat, code,
#: begin, end, volume, eenheid, tarief, bedrag, D/C)
EXTRA_DECLARATIES = [
    ("K-01", D(2025, 2, 4), D(2025, 1, 1), [
        ("X1", None, D_, 301, "45", "45A03", D(2025, 1, 1), D(2025, 1, 31), 2640, "01", 167, 440000, "D"),
        ("X2", None, E_, 302, "45", "45A03", D(2025, 1, 1), D(2025, 1, 31), 10, "04", 10000, 100000, "D"),
        ("X3", None, E_, 302, "45", "45A03", D(2025, 1, 1), D(2025, 1, 31), 20, "04", 10000, 200000, "D")]),
    ("K-02", D(2025, 3, 5), D(2025, 2, 1), [
        ("X4", None, D_, 301, "45", "45A03", D(2025, 2, 1), D(2025, 2, 28), 2400, "01", 167, 400000, "D"),
        ("X5", "X1", D_, 301, "45", "45A03", D(2025, 1, 1), D(2025, 1, 31), 2640, "01", 167, 440000, "C"),
        ("X6", None, D_, 301, "45", "45A03", D(2025, 1, 1), D(2025, 1, 31), 2600, "01", 167, 433333, "D"),
        ("X7", None, D_, 305, "43", "43B02", D(2025, 2, 15), D(2025, 2, 28), 1, "82", 150000, 150000, "D")]),
    ("K-03", D(2025, 4, 3), D(2025, 3, 1), [
        ("X8", None, D_, 305, "43", "43B02", D(2025, 3, 1), D(2025, 3, 31), 1, "82", 150000, 150000, "D"),
        ("X9", None, E_, 302, "45", "45A03", D(2025, 3, 1), D(2025, 3, 31), 10, "04", 10000, 100000, "D"),
        ("X10", "X4", D_, 301, "45", "45A03", D(2025, 2, 1), D(2025, 2, 28), 2400, "01", 167, 400000, "C"),
        ("X11", None, E_, 302, "45", "45A03", D(2025, 1, 1), D(2025, 1, 31), 20, "04", 10000, 200000, "D")]),
]
#: status per line as the JW325 answers below make it
EXTRA_STATUS = {"X1": "approved", "X2": "approved", "X3": "rejected", "X4": "approved", "X5": "approved",
                "X6": "approved", "X7": "approved", "X8": "pending", "X9": "pending", "X10": "pending",
                "X11": "pending"}


def seed_extra(conn) -> None:
    """The issue #11 cases (see the block comment above); call after :func:`seed`."""
    with conn.transaction():
        versie = conn.execute("SELECT max(versie_id) FROM core.contract_versie").fetchone()[0]
        for client, jaar in ((D_, 2011), (E_, 2013), (F_, 2016), (G_, 2010)):
            _insert(conn, "core.client", client_pseudoniem=client, bsn_elfproef=True, geboortejaar=jaar)
        _insert(conn, "core.contract_aanbieder", versie_id=versie, aanbieder=P3, aanbieder_naam="Drie Varianten",
                gecontracteerd_vanaf=D(2024, 1, 1))
        _insert(conn, "core.contract_tarief", versie_id=versie, jaar=2025, product_categorie="43",
                product_code="43B02", eenheid="82", tarief=150000, uitvoeringsvariant="outputgericht")
        _insert(conn, "core.contract_tarief", versie_id=versie, jaar=2025, product_categorie="41",
                product_code="41T01", eenheid="84", tarief=None, uitvoeringsvariant="taakgericht")
        _insert(conn, "core.contract_indexatie", versie_id=versie, jaar=2026, indexatie_promille=30)
        for maand in range(1, 13):
            _insert(conn, "core.contract_taakgericht", versie_id=versie, jaar=2025, maand=maand, gemeente=KAMPEN,
                    aanbieder=P3, product_categorie="41", bedrag=LUMP_SUM)
        dag = D(2024, 12, 15)
        _toewijzing(conn, KAMPEN, 301, P3, D_, dag, D(2025, 1, 1), None, 600, "01", "2")
        _toewijzing(conn, KAMPEN, 302, P3, E_, dag, D(2025, 1, 1), D(2025, 6, 30), None, None, None, code=None,
                    budget=1_200_000)
        _toewijzing(conn, KAMPEN, 303, P3, F_, dag, D(2025, 3, 1), D(2025, 4, 30), None, None, None, code=None)
        _toewijzing(conn, KAMPEN, 304, P3, G_, dag, D(2025, 4, 1), D(2025, 6, 30), None, None, None, cat=None,
                    code=None, budget=900_000)
        _toewijzing(conn, KAMPEN, 305, P3, D_, dag, D(2025, 2, 15), D(2025, 4, 10), 1, "82", "4", cat="43",
                    code="43B02")
        _toewijzing(conn, KAMPEN, 306, P3, E_, dag, D(2025, 11, 1), D(2026, 2, 28), 4, "04", "2")
        _toewijzing(conn, KAMPEN, 307, P3, F_, dag, D(2025, 6, 1), D(2025, 6, 30), 100, "04", "4", cat="54",
                    code="54005")
        _toewijzing(conn, KAMPEN, 308, P3, G_, dag, D(2025, 7, 1), D(2025, 8, 31), 50000, "83", "4")
        for nummer, dagtekening, periode, regels in EXTRA_DECLARATIES:
            _declaratie(conn, P3, nummer, KAMPEN, periode, dagtekening, regels)
        _antwoord(conn, KAMPEN, P3, "K-01", D(2025, 2, 4), D(2025, 2, 11), ["0200"], ["0200"],
                  [("X3", E_, ["9321"], 200000)])
        _antwoord(conn, KAMPEN, P3, "K-02", D(2025, 3, 5), D(2025, 3, 12), ["0200"], ["8001"])

"""Three-valued logic: every predicate fixed in the NULL audit of issue #11, fed the NULLs that broke
it, through the real ingest (stage -> GX audit -> publish) or the real GX suites.

Bug 1: ``core.toewijzing_actueel`` filtered ``NOT (reden_wijziging = '13' AND einddatum =
ingangsdatum)``; for an open-ended assignment (Einddatum and RedenWijziging empty) that is NOT NULL,
so the assignment vanished from the current versions, from the commitments and from the waiting-time
mart (as "vervallen")."""

from __future__ import annotations

import mart_corpus
import pytest
from conftest import TEST_KEY
from ijw_berichten import jw301, rules_database, run_batch

from jeugdhulp import mart_quality, marts, warehouse

pytestmark = pytest.mark.integration

OPEN, BEGRENSD, VERWIJDERD = 1001, 1002, 1003


def _toewijzingen() -> list[tuple[str, bytes]]:
    """Three assignments of three providers (no stacking, TR302), all first sent 2024-12-20, cat 45:
    1001 open-ended: no Einddatum, no RedenWijziging (the case of bug 1);
    1002 with an Einddatum, no RedenWijziging (a control: always current);
    1003 sent, then withdrawn on 2025-01-05 (RedenWijziging 13, Einddatum = Ingangsdatum): never existed."""
    return [
        ("open.xml", jw301("T1", OPEN, agb="99900001", eind="", reden="")),
        ("begrensd.xml", jw301("T2", BEGRENSD, agb="99900002", reden="")),
        ("verwijderd_1.xml", jw301("T3", VERWIJDERD, agb="99900003")),
        ("verwijderd_2.xml", jw301("T4", VERWIJDERD, agb="99900003", dag="2025-01-05", eind="2025-01-01",
                                   reden="13")),
    ]


@pytest.fixture
def ingested(db_url, tmp_path):
    _, passed = run_batch(db_url, tmp_path, _toewijzingen(), publish=True, key=TEST_KEY)
    assert passed
    with warehouse.connect(db_url) as conn:
        assert conn.execute("SELECT einddatum, reden_wijziging FROM core.toewijzing WHERE toewijzing_nummer = %s",
                            (OPEN,)).fetchone() == (None, None), "the case needs both NULL in core"
        yield conn


def test_open_ended_toewijzing_is_current(ingested):
    # before the fix: [1002] (1001 dropped by NOT NULL)
    nummers = [r[0] for r in ingested.execute(
        "SELECT toewijzing_nummer FROM core.toewijzing_actueel ORDER BY 1")]
    assert nummers == [OPEN, BEGRENSD]


def test_toewijzing_versie_flags_are_never_null(ingested):
    # (nummer, toewijzingsdatum) -> (is_actueel, vervallen); 1003 has two versions, both vervallen.
    # Before the fix: 1001 was (NULL, true) and 1003's versions had is_actueel NULL.
    got = {(n, str(d)): (a, v) for n, d, a, v in ingested.execute(
        "SELECT toewijzing_nummer, toewijzingsdatum, is_actueel, vervallen FROM core.toewijzing_versie")}
    assert got == {
        (OPEN, "2024-12-20"): (True, False),
        (BEGRENSD, "2024-12-20"): (True, False),
        (VERWIJDERD, "2024-12-20"): (False, True),
        (VERWIJDERD, "2025-01-05"): (False, True),
    }


def test_open_ended_toewijzing_has_commitments(ingested):
    # 1001 runs from 2025-01-01 without end: the commitments run to the end of the peildatum's year
    # (no declarations: peildatum = today, so at least January..December 2025 are covered).
    maanden = [str(r[0]) for r in ingested.execute(
        "SELECT maand FROM core.toewijzing_verplichting_maand WHERE toewijzing_nummer = %s ORDER BY maand",
        (OPEN,))]
    assert maanden[:12] == [f"2025-{m:02d}-01" for m in range(1, 13)]
    assert not ingested.execute(
        "SELECT 1 FROM core.toewijzing_verplichting_maand WHERE toewijzing_nummer = %s", (VERWIJDERD,)).fetchone()


def test_open_ended_toewijzing_counts_in_waiting_time_mart(ingested):
    # New assignments in December 2024, category 45: 1001 and 1002 (1003 was withdrawn), neither started.
    # Before the fix 1001 counted as vervallen: 1 instead of 2.
    marts.refresh(ingested)
    rows = ingested.execute(
        "SELECT maand, product_categorie, aantal_toewijzingen, aantal_gestart, aantal_niet_gestart "
        "FROM mart.wachttijd_gemeente_maand").fetchall()
    assert [(str(m), c, n, g, ns) for m, c, n, g, ns in rows] == [("2024-12-01", "45", 2, 0, 2)]


def test_waiting_time_to_start_is_unknown_without_a_start(ingested):
    # mart.wachttijd_gemeente_maand took greatest(startdatum - toewijzingsdatum, 0): greatest ignores
    # NULL, so a toewijzing that never started counted as started on day 0. With no start at all the
    # average, median and p90 are unknown (NULL), not 0.
    marts.refresh(ingested)
    assert ingested.execute(
        "SELECT toewijzing_tot_start_gemiddeld_dagen, toewijzing_tot_start_mediaan_dagen, "
        "toewijzing_tot_start_p90_dagen FROM mart.wachttijd_gemeente_maand").fetchall() == [(None, None, None)]


# ------------------------------------------------------------------------ mart suites and NULL
# A consistency rule written with <> or NOT (...) passes a row whose figure is NULL (the comparison
# is NULL, the row is not selected): the suite could not see a mart that lost a figure. The rules
# now use IS DISTINCT FROM / IS NOT TRUE; each tamper below nulls a figure of a copy of a correct
# mart, and passed every rule before.

@pytest.fixture(scope="module")
def mart_db(pg_server):
    for url in rules_database(pg_server, "t_null_marts"):
        with warehouse.connect(url) as conn:
            mart_corpus.seed(conn)
            marts.refresh(conn)
        yield url


@pytest.mark.parametrize("mart, tamper, rules", [
    ("mart.contract_realisatie", "toegekend_bedrag = NULL", {"MART-INGEDIEND", "MART-NETTO"}),
    ("mart.declaratiegedrag_aanbieder_maand", "aantal_credit_regels = NULL", {"MART-REGELS"}),
    ("mart.declaratiegedrag_aanbieder_maand", "vertraging_p90_dagen = NULL", {"MART-VERTRAGING"}),
    ("mart.instroom_uitstroom_gemeente_maand", "uitstroom_overig = NULL", {"MART-UITSTROOM"}),
    ("mart.trajectduur_gemeente_jaar", "duur_p75_dagen = NULL", {"MART-PERCENTIELEN"}),
    ("mart.trajectduur_gemeente_jaar", "aantal_trajecten = NULL", {"MART-KLASSEN"}),
    ("mart.wachttijd_gemeente_maand", "aantal_niet_gestart = NULL", {"MART-GESTART"}),
    ("mart.pc_gemeente_maand", "nog_te_declareren_bedrag = NULL", {"MART-NOG-TE-DECLAREREN"}),
    ("mart.contract_aanbieder_gemeente_maand", "afgewezen_bedrag = NULL", {"MART-INGEDIEND"}),
    ("mart.contract_aanbieder_gemeente_maand", "aantal_jeugdigen = NULL, kosten_per_jeugdige_bedrag = NULL",
     {"MART-CASELOAD"}),
])
def test_mart_rules_catch_a_null_figure(mart_db, mart, tamper, rules):
    copy = f"scratch.{mart.split('.')[1]}_{abs(hash(tamper)) % 10**6}"
    with warehouse.connect(mart_db) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS scratch")
        conn.execute(f"CREATE TABLE {copy} AS SELECT * FROM {mart}")
        assert all(r.success for r in mart_quality.validate(mart_db, mart, copy))
        assert conn.execute(f"UPDATE {copy} SET {tamper}").rowcount > 0
    assert {r.regel_code for r in mart_quality.validate(mart_db, mart, copy) if not r.success} == rules

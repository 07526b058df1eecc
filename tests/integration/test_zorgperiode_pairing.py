"""Bug 4 of issue #11: start/stop pairing (core.zorgperiode), every case, through the real ingest.

Each case is one ToewijzingNummer of the same client and provider (the trajectory key is provider,
gemeente, client, ToewijzingNummer and product, so the cases do not touch each other). Its JW305/
JW307 messages are built with tests/ijw_berichten.py, staged, audited and published like any
delivery; then core.zorgperiode must hold exactly the trajectories derived by hand in the comments.

The iJw rules used (../shared/domain/IJW.md 3.2, 3.3; ijw_regels.csv OP289, OP377-OP379):
a stop repeats the Begindatum of the start it closes; RedenBeeindiging 20 is a temporary stop, every
other reason is definitive; after a temporary stop follows a restart (new JW305) or a definitive stop;
after a definitive stop a new start begins a new trajectory; StatusAanlevering 3 deletes the earlier
record with the same key (start: Bsn + ToewijzingNummer + Product + Begindatum; stop: that +
RedenBeeindiging); a correction is 3 + 1; StatusAanlevering 2 is not allowed (CS058).
Days are counted with both ends included (duur_dagen = einddatum - begindatum + 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from conftest import TEST_KEY
from ijw_berichten import jw305, jw307, rules_database, run_batch, start_product, stop_product

from jeugdhulp import pipeline, warehouse

pytestmark = pytest.mark.integration

D = dt.date
TAAKGERICHT = 0  # label of the case without ToewijzingNummer (NULL in core)


def start(nummer: int, begin: str, status: str = "1") -> dict:
    return start_product(nummer, begin=begin, status=status)


def stop(nummer: int, begin: str, reden: str, einde: str, status: str = "1") -> dict:
    return stop_product(nummer, begin=begin, reden=reden, einde=einde, status=status)


@dataclass
class Case:
    """``berichten``: (kind 'jw305'/'jw307', Dagtekening, products) in the order they were sent;
    ``periodes``: the hand-derived trajectories (begindatum, einddatum, reden, reden_groep, duur_dagen)."""

    berichten: list[tuple[str, str, list[dict]]]
    periodes: list[tuple]


CASES: dict[int, Case] = {
    # 1. plain start and definitive stop (31): 2025-01-06 .. 06-30 = 26 (Jan 6-31) + 28 + 31 + 30 + 31 + 30 = 176
    1: Case([("jw305", "2025-01-08", [start(1, "2025-01-06")]),
             ("jw307", "2025-07-02", [stop(1, "2025-01-06", "31", "2025-06-30")])],
            [(D(2025, 1, 6), D(2025, 6, 30), "31", "volgens plan", 176)]),
    # 2. THE BUG: temporary stop (20, Begindatum 01-06) on 03-14, restart 04-01, definitive stop 33 that
    #    repeats the restart's Begindatum 04-01. One trajectory 01-06 .. 06-30 (the temporary stop does
    #    not end it; the restart continues it) = 176 days, voortijdig.
    #    Before the fix: two rows, 01-06 open forever and 04-01 .. 06-30.
    2: Case([("jw305", "2025-01-08", [start(2, "2025-01-06")]),
             ("jw307", "2025-03-17", [stop(2, "2025-01-06", "20", "2025-03-14")]),
             ("jw305", "2025-04-02", [start(2, "2025-04-01")]),
             ("jw307", "2025-07-02", [stop(2, "2025-04-01", "33", "2025-06-30")])],
            [(D(2025, 1, 6), D(2025, 6, 30), "33", "voortijdig", 176)]),
    # 3. temporary stop, then the definitive stop directly (no restart, OP378), both repeating 02-03:
    #    02-03 .. 04-30 = 26 (Feb 3-28) + 31 + 30 = 87
    3: Case([("jw305", "2025-02-04", [start(3, "2025-02-03")]),
             ("jw307", "2025-03-11", [stop(3, "2025-02-03", "20", "2025-03-10")]),
             ("jw307", "2025-05-02", [stop(3, "2025-02-03", "31", "2025-04-30")])],
            [(D(2025, 2, 3), D(2025, 4, 30), "31", "volgens plan", 87)]),
    # 4. a start followed by another start before any stop (against TR326, still delivered): the second
    #    start continues the open trajectory; the stop repeats the second start's 03-03.
    #    01-06 .. 05-31 = 26 + 28 + 31 + 30 + 31 = 146
    4: Case([("jw305", "2025-01-08", [start(4, "2025-01-06")]),
             ("jw305", "2025-03-04", [start(4, "2025-03-03")]),
             ("jw307", "2025-06-02", [stop(4, "2025-03-03", "31", "2025-05-31")])],
            [(D(2025, 1, 6), D(2025, 5, 31), "31", "volgens plan", 146)]),
    # 5. a stop without a start (OP377: none before it) makes no trajectory and does not close the start
    #    that comes after it: only 03-03, open.
    5: Case([("jw307", "2025-03-01", [stop(5, "2025-01-06", "31", "2025-02-28")]),
             ("jw305", "2025-03-04", [start(5, "2025-03-03")])],
            [(D(2025, 3, 3), None, None, None, None)]),
    # 6. stop on the day of the start: 05-12 .. 05-12 = 1 day
    6: Case([("jw305", "2025-05-12", [start(6, "2025-05-12")]),
             ("jw307", "2025-05-13", [stop(6, "2025-05-12", "34", "2025-05-12")])],
            [(D(2025, 5, 12), D(2025, 5, 12), "34", "voortijdig", 1)]),
    # 7. several cycles: 01-06 .. 02-28 stopped 31 (26 + 28 = 54); a new start 04-01, temporary stop
    #    04-30, restart 06-02, stopped 38 on 08-29 (04-01 .. 08-29 = 30 + 31 + 30 + 31 + 29 = 151);
    #    a new start 10-01, still open.
    7: Case([("jw305", "2025-01-08", [start(7, "2025-01-06")]),
             ("jw307", "2025-03-03", [stop(7, "2025-01-06", "31", "2025-02-28")]),
             ("jw305", "2025-04-02", [start(7, "2025-04-01")]),
             ("jw307", "2025-05-02", [stop(7, "2025-04-01", "20", "2025-04-30")]),
             ("jw305", "2025-06-03", [start(7, "2025-06-02")]),
             ("jw307", "2025-09-01", [stop(7, "2025-06-02", "38", "2025-08-29")]),
             ("jw305", "2025-10-02", [start(7, "2025-10-01")])],
            [(D(2025, 1, 6), D(2025, 2, 28), "31", "volgens plan", 54),
             (D(2025, 4, 1), D(2025, 8, 29), "38", "overig", 151),
             (D(2025, 10, 1), None, None, None, None)]),
    # 8. a start corrected in one message (key element Begindatum changes: delete 01-06 (3) + new
    #    01-13 (1)), then stopped: 01-13 .. 03-31 = 19 (Jan 13-31) + 28 + 31 = 78
    8: Case([("jw305", "2025-01-08", [start(8, "2025-01-06")]),
             ("jw305", "2025-01-14", [start(8, "2025-01-06", status="3"), start(8, "2025-01-13")]),
             ("jw307", "2025-04-02", [stop(8, "2025-01-13", "31", "2025-03-31")])],
            [(D(2025, 1, 13), D(2025, 3, 31), "31", "volgens plan", 78)]),
    # 9. a start deleted (3) and nothing else: no trajectory at all
    9: Case([("jw305", "2025-01-08", [start(9, "2025-01-06")]),
             ("jw305", "2025-01-10", [start(9, "2025-01-06", status="3")])],
            []),
    # 10. a definitive stop deleted (3): the trajectory is open again
    10: Case([("jw305", "2025-01-08", [start(10, "2025-01-06")]),
              ("jw307", "2025-04-02", [stop(10, "2025-01-06", "31", "2025-03-31")]),
              ("jw307", "2025-04-05", [stop(10, "2025-01-06", "31", "2025-03-31", status="3")])],
             [(D(2025, 1, 6), None, None, None, None)]),
    # 11. a stop's Einddatum corrected (not a key element: delete and new in two messages, IV008):
    #     01-06 .. 03-15 = 26 + 28 + 15 = 69
    11: Case([("jw305", "2025-01-08", [start(11, "2025-01-06")]),
              ("jw307", "2025-04-02", [stop(11, "2025-01-06", "31", "2025-03-31")]),
              ("jw307", "2025-04-05", [stop(11, "2025-01-06", "31", "2025-03-31", status="3")]),
              ("jw307", "2025-04-06", [stop(11, "2025-01-06", "31", "2025-03-15")])],
             [(D(2025, 1, 6), D(2025, 3, 15), "31", "volgens plan", 69)]),
    # 12. a stop's RedenBeeindiging corrected (a key element: 3 + 1 in one message): 33 -> 31,
    #     01-06 .. 03-31 = 26 + 28 + 31 = 85
    12: Case([("jw305", "2025-01-08", [start(12, "2025-01-06")]),
              ("jw307", "2025-04-02", [stop(12, "2025-01-06", "33", "2025-03-31")]),
              ("jw307", "2025-04-05", [stop(12, "2025-01-06", "33", "2025-03-31", status="3"),
                                       stop(12, "2025-01-06", "31", "2025-03-31")])],
             [(D(2025, 1, 6), D(2025, 3, 31), "31", "volgens plan", 85)]),
    # 13. a temporary stop deleted (3), then a second start and a definitive stop on the second start's
    #     key: with the temporary stop gone the second start came while the first was open (as case 4),
    #     so one trajectory 01-06 .. 05-30 = 26 + 28 + 31 + 30 + 30 = 145
    13: Case([("jw305", "2025-01-08", [start(13, "2025-01-06")]),
              ("jw307", "2025-02-03", [stop(13, "2025-01-06", "20", "2025-01-31")]),
              ("jw307", "2025-02-05", [stop(13, "2025-01-06", "20", "2025-01-31", status="3")]),
              ("jw305", "2025-03-04", [start(13, "2025-03-03")]),
              ("jw307", "2025-06-02", [stop(13, "2025-03-03", "32", "2025-05-30")])],
             [(D(2025, 1, 6), D(2025, 5, 30), "32", "voortijdig", 145)]),
    # 14. a definitive stop that repeats the first start's Begindatum while a second start followed
    #     later: the stop (02-28) closes the first trajectory, the later start 03-03 is a new one.
    #     01-06 .. 02-28 = 54
    14: Case([("jw305", "2025-01-08", [start(14, "2025-01-06")]),
              ("jw307", "2025-03-03", [stop(14, "2025-01-06", "31", "2025-02-28")]),
              ("jw305", "2025-03-04", [start(14, "2025-03-03")])],
             [(D(2025, 1, 6), D(2025, 2, 28), "31", "volgens plan", 54),
              (D(2025, 3, 3), None, None, None, None)]),
    # taakgericht (no ToewijzingNummer; key Product + Begindatum, IV096): temporary stop and restart as
    # in case 2. 03-03 .. 06-30 = 29 (Mar 3-31) + 30 + 31 + 30 = 120
    TAAKGERICHT: Case([("jw305", "2025-03-04", [start(TAAKGERICHT, "2025-03-03")]),
                       ("jw307", "2025-04-01", [stop(TAAKGERICHT, "2025-03-03", "20", "2025-03-31")]),
                       ("jw305", "2025-05-06", [start(TAAKGERICHT, "2025-05-05")]),
                       ("jw307", "2025-07-01", [stop(TAAKGERICHT, "2025-05-05", "31", "2025-06-30")])],
                      [(D(2025, 3, 3), D(2025, 6, 30), "31", "volgens plan", 120)]),
}


def _files() -> list[tuple[str, bytes]]:
    files = []
    for nummer, case in CASES.items():
        for i, (kind, dag, products) in enumerate(case.berichten):
            data = (jw305 if kind == "jw305" else jw307)(f"Z{nummer}x{i}", products, dag=dag)
            if nummer == TAAKGERICHT:  # ToewijzingNummer [0..1]: left out
                data = data.replace(b"<ToewijzingNummer>0</ToewijzingNummer>", b"")
            files.append((f"{kind}_{nummer}_{i}.xml", data))
    return files


@pytest.fixture(scope="module")
def zorgperiodes(pg_server, tmp_path_factory):
    """{nummer (TAAKGERICHT for NULL): [trajectories]} after ingesting every case in one batch."""
    for url in rules_database(pg_server, "t_zorgperiode"):
        _, passed = run_batch(url, tmp_path_factory.mktemp("zorg"), _files(), publish=True, key=TEST_KEY)
        assert passed
        with warehouse.connect(url) as conn:
            got: dict[int, list[tuple]] = {}
            for nummer, *rest in conn.execute(
                "SELECT coalesce(toewijzing_nummer, %s), begindatum, einddatum, reden_beeindiging, reden_groep, "
                "duur_dagen FROM core.zorgperiode ORDER BY 1, begindatum", (TAAKGERICHT,)):
                got.setdefault(nummer, []).append(tuple(rest))
            yield url, got


@pytest.mark.parametrize("nummer", list(CASES))
def test_pairing(zorgperiodes, nummer):
    _, got = zorgperiodes
    assert got.get(nummer, []) == CASES[nummer].periodes


def test_no_trajectory_from_nowhere(zorgperiodes):
    _, got = zorgperiodes
    assert set(got) <= set(CASES)


def test_status_aanlevering_2_is_refused_and_changes_nothing(zorgperiodes, tmp_path):
    """iJw 3.2 allows only 1 and 3 (CS058): a 'change' (2) of case 1's stop is quarantined at staging
    and case 1 keeps its trajectory."""
    url, got = zorgperiodes
    dirs = {k: tmp_path / k for k in ("landing", "archive", "quarantine")}
    for d in dirs.values():
        d.mkdir()
    (dirs["landing"] / "wijziging.xml").write_bytes(
        jw307("Z1x9", [stop(1, "2025-01-06", "31", "2025-05-31", status="2")], dag="2025-07-10"))
    staged = pipeline.stage(url, TEST_KEY, **dirs)
    assert len(staged["quarantined"]) == 1 and "CS058" in next(iter(staged["quarantined"].values()))
    with warehouse.connect(url) as conn:
        assert conn.execute("SELECT begindatum, einddatum FROM core.zorgperiode WHERE toewijzing_nummer = 1"
                            ).fetchall() == [(D(2025, 1, 6), D(2025, 6, 30))]

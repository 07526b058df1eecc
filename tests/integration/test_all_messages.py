"""Every iJw message type round-trips from synthetic XML to core, with lineage, and the JW325
verdicts give each declaration line a status that reconciles with the answer's totals."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import TEST_KEY
from corpus import copy_corpus
from lxml import etree

from jeugdhulp import pipeline

pytestmark = pytest.mark.integration


def count_elements(files) -> Counter:
    """(message type, element local name) -> how many, read with plain lxml."""
    counts: Counter = Counter()
    for f in files:
        kind = f.name[:5]
        for el in etree.parse(str(f)).iter():
            if isinstance(el.tag, str):
                counts[(kind, etree.QName(el).localname)] += 1
    return counts


@pytest.fixture
def loaded(conn, db_url, data_dirs, small_corpus):
    files = copy_corpus(small_corpus, data_dirs["landing"])
    counts = count_elements(files)
    result = pipeline.run_ingest(
        db_url, TEST_KEY, landing=data_dirs["landing"], archive=data_dirs["archive"], quarantine=data_dirs["quarantine"]
    )
    return files, counts, result


def test_every_message_type_reaches_core(conn, loaded):
    files, counts, result = loaded
    assert {f.name[:5] for f in files} == {"JW301", "JW305", "JW307", "JW315", "JW317", "JW319", "JW323", "JW325"}
    assert result["quarantined"] == {}
    assert all(v["rows_quarantined"] == 0 for v in result["validated"].values()), result["validated"]

    def core(table):
        return conn.execute(f"SELECT count(*) FROM core.{table}").fetchone()[0]

    assert core("zorg_start_mutatie") == counts[("JW305", "StartProduct")]
    assert core("zorg_stop_mutatie") == counts[("JW307", "StopProduct")]
    assert core("verzoek_om_toewijzing") == counts[("JW315", "AangevraagdProduct")]
    assert core("verzoek_om_wijziging") == sum(
        counts[("JW317", n)] for n in ("OngewijzigdProduct", "TeWijzigenProduct", "NieuwProduct")
    )
    assert core("verzoek_antwoord") == counts[("JW319", "Antwoord")]
    assert core("declaratie_antwoord") == counts[("JW325", "Bericht")]
    assert core("declaratie_antwoord_regel") == counts[("JW325", "Prestatie")]
    assert core("declaratie_regel") == counts[("JW323", "Prestatie")]
    # lineage: every core row names its file in the manifest
    orphans = conn.execute(
        "SELECT count(*) FROM core.zorg_stop_mutatie z LEFT JOIN meta.file_manifest m USING (file_sha256) "
        "WHERE m.file_sha256 IS NULL OR m.state <> 'loaded'"
    ).fetchone()[0]
    assert orphans == 0


def test_line_status_reconciles_with_the_answers(conn, loaded):
    statuses = dict(conn.execute("SELECT status, count(*) FROM core.declaratie_regel_status GROUP BY status").fetchall())
    assert statuses.get("pending", 0) == 0, "every JW323 in the corpus has its JW325"
    assert statuses.get("rejected", 0) > 0 and statuses.get("approved", 0) > 0
    # IJW.md section 5: per answer, approved signed amounts = TotaalToegekendBedrag
    mismatches = conn.execute(
        """
        SELECT a.gemeente, a.bericht_identificatie, a.totaal_toegekend_bedrag, coalesce(sum(r.ingediend_bedrag_saldo)
               FILTER (WHERE s.status = 'approved'), 0) AS approved
        FROM core.declaratie_antwoord a
        JOIN core.declaratie d ON d.aanbieder = a.aanbieder AND d.gemeente = a.gemeente
         AND d.bericht_identificatie = a.declaratie_identificatie
        JOIN core.declaratie_regel r ON r.aanbieder = d.aanbieder AND r.declaratie_nummer = d.declaratie_nummer
        JOIN core.declaratie_regel_status s ON s.aanbieder = r.aanbieder AND s.referentie_nummer = r.referentie_nummer
        WHERE a.totaal_toegekend_bedrag IS NOT NULL
        GROUP BY a.gemeente, a.bericht_identificatie, a.totaal_toegekend_bedrag
        HAVING a.totaal_toegekend_bedrag <> coalesce(sum(r.ingediend_bedrag_saldo) FILTER (WHERE s.status = 'approved'), 0)
        """
    ).fetchall()
    assert mismatches == []
    # a listed line is rejected with its own retour codes
    listed = conn.execute(
        "SELECT count(*) FROM core.declaratie_antwoord_regel ar JOIN core.declaratie_regel_status s "
        "USING (aanbieder, referentie_nummer) WHERE s.status <> 'rejected' OR s.retour_codes <> ar.retour_codes"
    ).fetchone()[0]
    assert listed == 0


def test_current_starts_and_stops_apply_deletions(conn, loaded):
    # a start deleted with StatusAanlevering 3 is not current; its replacement is
    deleted = conn.execute(
        """
        SELECT count(*) FROM core.zorg_start s
        WHERE EXISTS (SELECT 1 FROM core.zorg_start_mutatie m
                      WHERE m.status_aanlevering = '3' AND m.aanbieder = s.aanbieder
                        AND m.client_pseudoniem = s.client_pseudoniem AND m.toewijzing_nummer = s.toewijzing_nummer
                        AND m.begindatum = s.begindatum AND m.dagtekening >= s.dagtekening)
        """
    ).fetchone()[0]
    assert deleted == 0
    adds = conn.execute("SELECT count(*) FROM core.zorg_start_mutatie WHERE status_aanlevering = '1'").fetchone()[0]
    dels = conn.execute("SELECT count(*) FROM core.zorg_start_mutatie WHERE status_aanlevering = '3'").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM core.zorg_start").fetchone()[0] == adds - dels

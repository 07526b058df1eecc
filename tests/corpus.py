"""Independent reading of an iJw corpus with plain lxml XPath, to check the warehouse against.

Deliberately does not use jeugdhulp.ijw: the expected figures must not share the code under test.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

from lxml import etree

NS = {
    "jw323": "http://www.istandaarden.nl/ijw/3_2/jw323/schema",
    "jw301": "http://www.istandaarden.nl/ijw/3_2/jw301/schema",
    "ijw": "http://www.istandaarden.nl/ijw/3_2/basisschema/schema",
}


def copy_corpus(src: Path, dest: Path) -> list[Path]:
    out = []
    for f in sorted(src.glob("*.xml")):
        out.append(Path(shutil.copy2(f, dest / f.name)))
    return out


def prestaties(files) -> list[dict]:
    rows = []
    for f in files:
        doc = etree.parse(str(f))
        gemeente = doc.findtext("jw323:Header/jw323:Ontvanger", namespaces=NS)
        for client in doc.iterfind(".//jw323:Client", NS):
            bsn = client.findtext("jw323:Bsn", namespaces=NS)
            for p in client.iterfind(".//jw323:Prestatie", NS):
                bedrag = int(p.findtext("jw323:IngediendBedrag/ijw:Bedrag", namespaces=NS))
                dc = p.findtext("jw323:IngediendBedrag/ijw:DebetCredit", namespaces=NS)
                rows.append(
                    {
                        "file": f.name,
                        "gemeente": gemeente,
                        "bsn": bsn,
                        "referentie_nummer": p.findtext("jw323:ProductReferentie/ijw:ReferentieNummer", namespaces=NS),
                        "maand": p.findtext("jw323:ProductPeriode/ijw:Begindatum", namespaces=NS)[:7],
                        "product_categorie": p.findtext("jw323:ProductCategorie", namespaces=NS),
                        "saldo": bedrag if dc == "D" else -bedrag,
                        "debet_credit": dc,
                        "line": p.sourceline,
                    }
                )
    return rows


def toegewezen_producten(files) -> list[dict]:
    rows = []
    for f in files:
        doc = etree.parse(str(f))
        gemeente = doc.findtext("jw301:Header/jw301:Afzender", namespaces=NS)
        for tp in doc.iterfind(".//jw301:ToegewezenProduct", NS):
            rows.append(
                {
                    "gemeente": gemeente,
                    "toewijzing_nummer": int(tp.findtext("jw301:ToewijzingNummer", namespaces=NS)),
                    "toewijzingsdatum": tp.findtext("jw301:Toewijzingsdatum", namespaces=NS),
                    "toewijzingstijd": tp.findtext("jw301:Toewijzingstijd", namespaces=NS),
                }
            )
    return rows


def bsns(files) -> set[str]:
    out = set()
    for f in files:
        doc = etree.parse(str(f))
        out |= {e.text for e in doc.iter(f"{{{NS['jw323']}}}Bsn", f"{{{NS['jw301']}}}Bsn")}
    return out


def expected_mart(rows: list[dict]) -> dict[tuple, tuple]:
    """(gemeente, 'YYYY-MM', categorie) -> (saldo cents, debit lines, credit lines, unique clients)."""
    cells: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, set()])
    for r in rows:
        c = cells[(r["gemeente"], r["maand"], r["product_categorie"])]
        c[0] += r["saldo"]
        c[1 if r["debet_credit"] == "D" else 2] += 1
        c[3].add(r["bsn"])
    return {k: (v[0], v[1], v[2], len(v[3])) for k, v in cells.items()}


def mart_rows(conn) -> dict[tuple, tuple]:
    return {
        (g, m.strftime("%Y-%m"), cat): (amount, d, c, n)
        for g, m, cat, amount, d, c, n in conn.execute(
            "SELECT gemeente, maand, product_categorie, ingediend_bedrag, aantal_debet_regels, "
            "aantal_credit_regels, aantal_clienten FROM mart.declaratie_gemeente_maand"
        )
    }


def edit_xml(path: Path, edit) -> None:
    """Apply ``edit(doc)`` to an XML file in place (for building rule violations)."""
    doc = etree.parse(str(path))
    edit(doc)
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")

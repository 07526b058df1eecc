"""The order and wording of the report sections, shared by the HTML, PDF and XLSX renderers."""

from __future__ import annotations

from dataclasses import dataclass

from jeugdhulp.reports import fmt
from jeugdhulp.reports.model import Report, Table

NUMERIC = ("bedrag", "aantal", "jeugdigen", "getal", "per1000", "pct", "factor")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    chart: str | None
    tables: tuple[str, ...]


SECTIONS = (
    Section("financien", "1. Begroting, realisatie en prognose",
            "Per productcategorie: de begroting voor de maanden van de periode, wat daarvoor gedeclareerd is "
            "(realisatie), de schatting van wat nog gedeclareerd gaat worden en de prognose; daarnaast de "
            "jaarbegroting en de prognose voor het hele jaar.",
            "categorie", ("categorie",)),
    Section("maandverloop", "2. Maandverloop",
            "Realisatie en geschatte late declaraties per maand van levering, met de bandbreedte van de schatting; "
            "na de peildatum de verplichtingen uit actuele toewijzingen.",
            "maand", ("maand",)),
    Section("per1000", "3. Jeugdigen in zorg per 1.000 jongeren",
            "Jeugdigen met een declaratie per 1.000 inwoners van 0-17 jaar, naast de andere gemeenten van de regio "
            "en het landelijke CBS-cijfer.",
            "per1000", ("per1000",)),
    Section("instroom", "4. Instroom en uitstroom",
            "Gestarte en beëindigde zorgtrajecten (JW305/JW307) per maand, met de reden van beëindiging.",
            "instroom", ("instroom",)),
    Section("aanbieders", "5. Grootste aanbieders",
            "De aanbieders met de hoogste realisatie in de periode.",
            "aanbieders", ("aanbieders",)),
    Section("vertraging", "6. Declaratievertraging en volledigheid",
            "Aanbieders declareren met vertraging; hoeveel van de periode al binnen is en hoeveel nog verwacht "
            "wordt, met de onzekerheid van die schatting.",
            "vertraging", ("vertraging", "ontwikkeling")),
    Section("datakwaliteit", "7. Datakwaliteit",
            "Wat niet of nog niet in de cijfers zit, en de kwaliteit van de berichten van de aanbieders.",
            None, ("dq_overzicht", "datakwaliteit")),
)

#: XLSX sheet names (max. 31 characters)
SHEETS = {
    "kerncijfers": "Kerncijfers", "categorie": "Productcategorie", "maand": "Maandverloop",
    "per1000": "Per 1000 jongeren", "instroom": "Instroom uitstroom", "aanbieders": "Aanbieders",
    "vertraging": "Declaratievertraging", "ontwikkeling": "Ontwikkelfactoren", "datakwaliteit": "DQ aanbieders",
    "dq_overzicht": "DQ overzicht",
}


def title(report: Report) -> str:
    return f"{report.period.soort} jeugdhulp {report.period.label}"


def cover_lines(report: Report) -> list[tuple[str, str]]:
    s = report.state
    lines = [
        ("Periode", f"{fmt.datum(report.period.start)} t/m {fmt.datum(report.period.end)}"),
        ("Status", f"{s.status} – {s.status_toelichting}"),
        ("Peildatum", f"declaraties ontvangen t/m {fmt.datum(s.peildatum)} (laatste DeclaratieDagtekening)"),
    ]
    if s.compleet_pct is not None:
        band = ""
        if s.compleet_laag_pct and s.compleet_hoog_pct:
            band = f" (bandbreedte {fmt.pct(min(s.compleet_laag_pct, 100.0))} – {fmt.pct(min(s.compleet_hoog_pct, 100.0))})"
        lines.append(("Volledigheid", f"naar schatting {fmt.pct(min(s.compleet_pct, 100.0))} van het eindbedrag "
                                      f"van de periode is gedeclareerd{band}"))
    lines.append(("Gemaakt op", f"{fmt.datum(s.gemaakt_op)} {s.gemaakt_op:%H:%M}"))
    return lines


def cells(table: Table, row: dict) -> list[tuple[str, bool, bool]]:
    """(shown text, numeric, suppressed) per column; the total row's empty first cell reads 'Totaal',
    a marked row's first cell ends in ' *'."""
    out = [(fmt.cell(row.get(c.key), c.kind), c.kind in NUMERIC, row.get(c.key) in fmt.MARKERS)
           for c in table.columns]
    if row is table.total and row.get(table.columns[0].key) is None:
        out[0] = ("Totaal", False, False)
    if table.marked(row):
        out[0] = (out[0][0] + " *", out[0][1], out[0][2])
    return out


def notes(table: Table) -> list[str]:
    """The footnotes under a table: its own note, the mark's (if a row is marked) and the
    suppression markers' (if a cell is hidden)."""
    out = [table.note] if table.note else []
    if table.mark_note and any(table.marked(r) for r in table.rows):
        out.append(table.mark_note)
    if table.has_markers():
        out.append(fmt.MARKER_NOTE)
    return out

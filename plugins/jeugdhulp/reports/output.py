"""A :class:`~jeugdhulp.reports.model.Report` as HTML (Jinja2), PDF (reportlab) and XLSX (openpyxl).

All three read the same suppressed tables and the same section layout (:mod:`.layout`).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from functools import lru_cache
from pathlib import Path

from jeugdhulp import config
from jeugdhulp.reports import fmt, layout
from jeugdhulp.reports.fmt import MARKERS
from jeugdhulp.reports.data import REGIO
from jeugdhulp.reports.model import Report, Table

TEMPLATE = "pc_rapport.html.j2"
#: font size of table cells in the PDF, and the smallest it may shrink to before a table is split
CELL_SIZE = 7.0
MIN_CELL_SIZE = 5.5
#: room around a cell's text in the PDF (left + right padding and a margin for rounding)
CELL_PAD = 6.0


def templates_dir() -> Path:
    return config.INCLUDE_DIR / "reports"


# --------------------------------------------------------------------------- HTML


def _view(table: Table) -> dict:
    def row(r):
        return [{"text": t, "numeric": n, "suppressed": s} for t, n, s in layout.cells(table, r)]

    return {
        "title": table.title if not table.vertical else "",
        "vertical": table.vertical,
        "headers": [{"label": c.label, "numeric": c.kind in layout.NUMERIC, "toelichting": c.toelichting}
                    for c in table.columns],
        "cells": [row(r) for r in table.rows],
        "highlight": [bool(table.highlight and r.get(table.highlight)) for r in table.rows],
        "marked": [table.marked(r) for r in table.rows],
        "total": row(table.total) if table.total else None,
        "notes": layout.notes(table),
    }


def html(report: Report, charts: dict[str, bytes]) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir()), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template(TEMPLATE).render(
        title=layout.title(report), scope=report.scope.titel, cover=layout.cover_lines(report),
        status=report.state.status, status_class="afgesloten" if report.state.status == "afgesloten" else "voorlopig",
        caveats=report.state.voorbehouden, peildatum=fmt.datum(report.state.peildatum),
        tables={k: _view(t) for k, t in report.tables.items()},
        sections=layout.SECTIONS, charts={k: base64.b64encode(v).decode() for k, v in charts.items()},
    )


# --------------------------------------------------------------------------- PDF


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    """DejaVu Sans (ships with matplotlib): €, –, ≤ and Dutch diacritics in the PDF."""
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(ttf / "DejaVuSans-Bold.ttf")))
    return "DejaVuSans", "DejaVuSans-Bold"


def fit_columns(table: Table, width: float, font: str, bold: str) -> tuple[float, list[list[int]], list[float]]:
    """Font size, column groups and column widths so that every body cell of ``table`` fits on one line
    in ``width`` points: the largest size from CELL_SIZE down to MIN_CELL_SIZE at which all columns fit;
    if none, the columns are split over several tables at MIN_CELL_SIZE, each repeating the leading
    text column(s) (the row labels). Headers wrap at spaces only."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines = [layout.cells(table, r) for r in table.rows + ([table.total] if table.total else [])]

    def needs(size: float) -> list[float]:
        # bold (the total row) is the widest a cell's text gets
        return [max(max((stringWidth(w, font, size) for w in c.label.split()), default=0),
                    max((stringWidth(line[i][0], bold, size) for line in lines), default=0)) + CELL_PAD
                for i, c in enumerate(table.columns)]

    size = CELL_SIZE
    while size > MIN_CELL_SIZE:
        need = needs(size)
        if sum(need) <= width:
            return size, [list(range(len(table.columns)))], need
        size -= 0.25
    size = MIN_CELL_SIZE
    need = needs(size)
    keys = []
    for i, c in enumerate(table.columns):
        if c.kind in layout.NUMERIC:
            break
        keys.append(i)
    groups, current, used = [], [], sum(need[i] for i in keys)
    for i in range(len(keys), len(table.columns)):
        if current and used + need[i] > width:
            groups.append(keys + current)
            current, used = [], sum(need[i] for i in keys)
        current.append(i)
        used += need[i]
    groups.append(keys + current)
    return size, groups, need


def _pdf_date(when: dt.datetime) -> str:
    """PDF date string (D:YYYYMMDDHHmmSS+HH'mm') of the report's creation time."""
    off = when.utcoffset() or dt.timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"D:{when:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


def pdf(report: Report, charts: dict[str, bytes]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer,
                                    Table as RLTable, TableStyle)
    from xml.sax.saxutils import escape

    regular, bold = _fonts()
    blue = colors.HexColor("#1f4e79")
    page = landscape(A4)  # wide tables of amounts fit on one line per cell
    st = {
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=20, leading=24, textColor=blue, spaceAfter=4),
        "sub": ParagraphStyle("sub", fontName=regular, fontSize=14, leading=18, textColor=colors.HexColor("#555555"), spaceAfter=10),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=13, leading=16, textColor=blue, spaceBefore=6, spaceAfter=6),
        "h3": ParagraphStyle("h3", fontName=bold, fontSize=9.5, leading=12, textColor=blue, spaceBefore=6, spaceAfter=3,
                             keepWithNext=1),
        "p": ParagraphStyle("p", fontName=regular, fontSize=8.5, leading=11, spaceAfter=4),
        "note": ParagraphStyle("note", fontName=regular, fontSize=7, leading=9, textColor=colors.HexColor("#555555")),
        "kv": ParagraphStyle("kv", fontName=regular, fontSize=8.5, leading=11),
        "kvb": ParagraphStyle("kvb", fontName=bold, fontSize=8.5, leading=11),
    }
    width = page[0] - 30 * mm
    P = Paragraph

    def cell_styles(size: float) -> dict:
        lead = size + 1.6
        return {
            "cell": ParagraphStyle(f"cell{size}", fontName=regular, fontSize=size, leading=lead),
            "cellr": ParagraphStyle(f"cellr{size}", fontName=regular, fontSize=size, leading=lead, alignment=TA_RIGHT),
            "cellb": ParagraphStyle(f"cellb{size}", fontName=bold, fontSize=size, leading=lead),
            "cellbr": ParagraphStyle(f"cellbr{size}", fontName=bold, fontSize=size, leading=lead, alignment=TA_RIGHT),
            "head": ParagraphStyle(f"head{size}", fontName=regular, fontSize=size, leading=lead, textColor=colors.white),
            "headr": ParagraphStyle(f"headr{size}", fontName=regular, fontSize=size, leading=lead, textColor=colors.white,
                                    alignment=TA_RIGHT),
        }

    def notes(t: Table) -> list:
        return [P(escape(n), st["note"]) for n in layout.notes(t)]

    def table_flow(t: Table, kv_widths: tuple[float, float] = (110 * mm, 50 * mm)) -> list:
        if t.vertical:
            data = [[P(escape(c.label), st["kv"]), P(escape(text).replace(" ", "\u00a0"), st["kvb"])]
                    for c, (text, _n, _s) in zip(t.columns, layout.cells(t, t.rows[0]))]
            tbl = RLTable(data, colWidths=list(kv_widths), hAlign="LEFT")
            tbl.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#dddddd")),
                                     ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            return [tbl] + notes(t)
        size, groups, widths = fit_columns(t, width, regular, bold)
        cs = cell_styles(size)
        lines = [layout.cells(t, r) for r in t.rows + ([t.total] if t.total else [])]
        out = []
        for g, cols in enumerate(groups):
            sub = [t.columns[i] for i in cols]
            numeric = [c.kind in layout.NUMERIC for c in sub]
            head = [P(escape(c.label), cs["headr" if n else "head"]) for c, n in zip(sub, numeric)]
            body = []
            for j, line in enumerate(lines):
                total = bool(t.total) and j == len(lines) - 1
                # one line per cell: no breaking space inside a cell, the column is as wide as its widest cell
                body.append([P(escape(line[i][0]).replace(" ", "\u00a0"),
                               cs[("cellb" if total else "cell") + ("r" if n else "")])
                             for i, n in zip(cols, numeric)])
            need = [widths[i] for i in cols]
            spare = max(width - sum(need), 0)
            text_cols = [k for k, n in enumerate(numeric) if not n]
            if text_cols and spare:  # text columns get the room that is left, up to a readable width
                extra = min(spare, 60 * mm) / len(text_cols)
                need = [w + extra if k in text_cols else w for k, w in enumerate(need)]
            tbl = RLTable([head] + body, colWidths=need, repeatRows=1, hAlign="LEFT")
            style = [("BACKGROUND", (0, 0), (-1, 0), blue), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                     ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#dddddd")),
                     ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                     ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5)]
            for i, r in enumerate(t.rows, start=1):
                if t.highlight and r.get(t.highlight):
                    style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fff2cc")))
                elif t.marked(r):
                    style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f2f2f2")))
                    style.append(("TEXTCOLOR", (0, i), (-1, i), colors.HexColor("#666666")))
            if t.total:
                style += [("LINEABOVE", (0, -1), (-1, -1), 1, blue), ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef3f8"))]
            tbl.setStyle(TableStyle(style))
            if g:
                out.append(P(escape(t.title) + " (vervolg)", st["h3"]))
            out.append(tbl)
        # the footnotes stay with the table's last rows (a long table still splits over pages)
        return out[:-1] + [KeepTogether([out[-1]] + notes(t))]

    def image(png: bytes) -> Image:
        from reportlab.lib.utils import ImageReader

        w, h = ImageReader(io.BytesIO(png)).getSize()
        scale = min(0.8 * width / w, 72 * mm / h)  # a chart and its table share a landscape page
        return Image(io.BytesIO(png), width=w * scale, height=h * scale, hAlign="LEFT")

    title = layout.title(report)
    story = [P(escape(title), st["h1"]), P(escape(report.scope.titel), st["sub"])]
    # the cover: the data state and its caveats on the left, the key figures on the right
    left_w, right_w = width * 0.58, width * 0.39
    state = [[P(escape(label), st["kvb"]), P(escape(text), st["kv"])] for label, text in layout.cover_lines(report)]
    box = RLTable(state, colWidths=[28 * mm, left_w - 28 * mm], hAlign="LEFT")
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, blue), ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f3f7fb")),
                             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 3)]))
    left = [P("Stand van de data", st["h2"]), box, P("Voorbehouden", st["h3"])]
    left += [P("• " + escape(c), st["p"]) for c in report.state.voorbehouden]
    right = [P("Kerncijfers", st["h2"]), *table_flow(report.tables["kerncijfers"], (right_w * 0.66, right_w * 0.32))]
    cover = RLTable([[left, right]], colWidths=[left_w, width - left_w], hAlign="LEFT")
    cover.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (0, 0), 4 * mm), ("LEFTPADDING", (1, 0), (1, 0), 4 * mm)]))
    story += [cover, PageBreak()]
    for s in layout.SECTIONS:
        head = [P(escape(s.title), st["h2"]), P(escape(s.intro), st["p"])]
        if s.chart:
            head.append(image(charts[s.chart]))
        story.append(KeepTogether(head))
        for key in s.tables:
            t = report.tables[key]
            if not t.vertical:
                story.append(P(escape(t.title), st["h3"]))
            story += table_flow(t)
        story.append(Spacer(1, 4 * mm))

    footer_text = f"{title} · {report.scope.titel} · peildatum {fmt.datum(report.state.peildatum)} · {report.state.status}"
    created = _pdf_date(report.state.gemaakt_op)

    def on_page(canvas, doc):
        canvas.setDateFormatter(lambda *_ymdhms: created)  # the report's own creation time, not the clock's
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(15 * mm, 10 * mm, footer_text)
        canvas.drawRightString(page[0] - 15 * mm, 10 * mm, f"pagina {doc.page}")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=page, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=16 * mm, title=f"{title} – {report.scope.titel}",
                            author=REGIO, creator="jeugdhulp.reports (regio-ijsselland-data)",
                            subject=f"{report.period.soort} {report.period.code}, peildatum {fmt.datum(report.state.peildatum)}",
                            lang="nl-NL")
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


# --------------------------------------------------------------------------- XLSX


_XLSX_FORMAT = {"bedrag": '"€" #,##0.00;-"€" #,##0.00', "aantal": "#,##0", "jeugdigen": "#,##0", "getal": "#,##0",
                "per1000": "#,##0.0", "pct": "0.0%", "factor": "0.0000", "datum": "dd-mm-yyyy", "maand": "mm-yyyy"}
#: the extra columns of a data sheet: which cells are suppressed, which rows are incomplete
ONDERDRUKT = "Onderdrukt (privacy)"
ONDERDRUKT_TOELICHTING = ("Welke cellen van deze regel leeg zijn gelaten en waarom: '<5' = een aantal van 1 tot 5 "
                          "jeugdigen of trajecten, 'x' = verborgen omdat het anders zo'n aantal zou verraden of "
                          "ervan is afgeleid. Een lege cel in een getalkolom met een vermelding hier is onderdrukt, "
                          "niet nul.")
ONVOLLEDIG = "Onvolledig"
ONVOLLEDIG_TOELICHTING = ("'ja' als de maand nog onvolledig is: naar schatting is nog niet het hele bedrag gedeclareerd "
                          "(declaratievertraging); een daling is dan de stand van de data, geen trend.")


def _xlsx_value(value, kind: str):
    if value is None or value in MARKERS:
        return None  # a suppressed cell stays empty in a number column; the marker column says why
    if kind == "bedrag":
        return value / 100  # euros with 2 decimals; the cents stay exact as a decimal fraction
    if kind == "pct":
        return value / 100
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def _extra_columns(t: Table) -> list[tuple[str, str]]:
    out = []
    if any(c.kind in ("jeugdigen", "aantal") or c.basis for c in t.columns):
        out.append((ONDERDRUKT, ONDERDRUKT_TOELICHTING))
    if t.mark:
        out.append((ONVOLLEDIG, ONVOLLEDIG_TOELICHTING))
    return out


def _onderdrukt(t: Table, r: dict) -> str | None:
    hidden = [f"{c.label}: {r[c.key]}" for c in t.columns if r.get(c.key) in MARKERS]
    return "; ".join(hidden) or None


def _print_setup(ws, header_rows: int = 1) -> None:
    """A4 landscape, fit to one page wide, header row(s) repeated on every printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{header_rows}"


def xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.properties.title = f"{layout.title(report)} – {report.scope.titel}"
    wb.properties.creator = REGIO
    wb.properties.created = report.state.gemaakt_op.astimezone(dt.timezone.utc).replace(tzinfo=None)
    info = wb.active
    info.title = "Toelichting"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    info.append([layout.title(report)])
    info["A1"].font = Font(bold=True, size=14)
    info.append([report.scope.titel])
    info.append([])
    for label, text in layout.cover_lines(report):
        info.append([label, text])
        info.cell(info.max_row, 1).font = bold
    info.append([])
    info.append(["Voorbehouden"])
    info.cell(info.max_row, 1).font = bold
    for c in report.state.voorbehouden:
        info.append(["", c])
    info.append([])
    info.append(["Tabblad", "Kolom", "Toelichting"])
    for cell in info[info.max_row]:
        cell.font = bold
    for key, t in report.tables.items():
        sheet = layout.SHEETS[key]
        if t.vertical:
            info.append([sheet, "Omschrijving", "Het kengetal (de regels van dit tabblad staan hieronder)."])
            info.append([sheet, "Waarde", "De waarde van het kengetal; bedragen in euro."])
            info.append([sheet, "Opmerking", ONDERDRUKT_TOELICHTING])
            for c in t.columns:
                info.append([sheet, c.label, c.toelichting])
            continue
        for c in t.columns:
            info.append([sheet, c.label, c.toelichting])
        for label, text in _extra_columns(t):
            info.append([sheet, label, text])
    for row in info.iter_rows(min_row=1):
        for cell in row[1:3]:
            cell.alignment = wrap
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 55
    info.column_dimensions["C"].width = 100
    _print_setup(info)

    head_fill = PatternFill("solid", fgColor="1F4E79")
    eigen_fill = PatternFill("solid", fgColor="FFF2CC")
    head_font = Font(bold=True, color="FFFFFF")
    head_align = Alignment(wrap_text=True, vertical="top")
    for key, t in report.tables.items():
        ws = wb.create_sheet(layout.SHEETS[key])
        if t.vertical:  # label | value | remark
            ws.append(["Omschrijving", "Waarde", "Opmerking"])
            for cell in ws[1]:
                cell.font, cell.fill = head_font, head_fill
            for c in t.columns:
                value = t.rows[0].get(c.key)
                ws.append([c.label, _xlsx_value(value, c.kind),
                           f"onderdrukt: {value}" if value in MARKERS else None])
                if c.kind in _XLSX_FORMAT:
                    ws.cell(ws.max_row, 2).number_format = _XLSX_FORMAT[c.kind]
            widths = [max(len(str(c.label)) for c in t.columns) + 2, 20, 16]
            _notes(ws, t)
        else:
            extra = _extra_columns(t)
            ws.append([c.label for c in t.columns] + [label for label, _ in extra])
            for cell in ws[1]:
                cell.font, cell.fill, cell.alignment = head_font, head_fill, head_align
            shown = [[c.label] for c in t.columns] + [[label] for label, _ in extra]
            for r in t.rows + ([t.total] if t.total else []):
                values = [_xlsx_value(r.get(c.key), c.kind) for c in t.columns]
                if r is t.total and values[0] is None:
                    values[0] = "Totaal"
                for label, _ in extra:
                    values.append(_onderdrukt(t, r) if label == ONDERDRUKT else ("ja" if t.marked(r) else None))
                ws.append(values)
                row = ws.max_row
                texts = [text for text, _n, _s in layout.cells(t, r)]
                for i, c in enumerate(t.columns, start=1):
                    cell = ws.cell(row, i)
                    if c.kind in _XLSX_FORMAT:
                        cell.number_format = _XLSX_FORMAT[c.kind]
                    if t.highlight and r.get(t.highlight):
                        cell.fill = eigen_fill
                    if r is t.total:
                        cell.font = bold
                    shown[i - 1].append(texts[i - 1])
                for j in range(len(extra)):
                    shown[len(t.columns) + j].append(str(ws.cell(row, len(t.columns) + 1 + j).value or ""))
            if t.rows:
                last = ws.max_row - (1 if t.total else 0)  # the total row stays out of sorting and filtering
                ws.auto_filter.ref = f"A1:{get_column_letter(len(shown))}{last}"
            ws.freeze_panes = "B2"
            # a column is as wide as its widest shown value, a header may wrap at spaces
            widths = [min(60, max(max((len(v) for v in col[1:]), default=0),
                                  max(len(w) for w in col[0].split())) + 3) for col in shown]
            _notes(ws, t)
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(w, 8)
        _print_setup(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _notes(ws, t: Table) -> None:
    notes = layout.notes(t)
    if notes:
        ws.append([])
        for n in notes:
            ws.append([n])

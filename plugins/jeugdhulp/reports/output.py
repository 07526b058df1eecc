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
from jeugdhulp.reports.fmt import SUPPRESSED
from jeugdhulp.reports.model import Report, Table

TEMPLATE = "pc_rapport.html.j2"
CELL_SIZE = 6.5


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
        "total": row(table.total) if table.total else None,
        "note": table.note,
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


def pdf(report: Report, charts: dict[str, bytes]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer,
                                    Table as RLTable, TableStyle)
    from xml.sax.saxutils import escape

    regular, bold = _fonts()
    blue = colors.HexColor("#1f4e79")
    st = {
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=20, leading=24, textColor=blue, spaceAfter=4),
        "sub": ParagraphStyle("sub", fontName=regular, fontSize=14, leading=18, textColor=colors.HexColor("#555555"), spaceAfter=14),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=13, leading=16, textColor=blue, spaceBefore=6, spaceAfter=6),
        "h3": ParagraphStyle("h3", fontName=bold, fontSize=9.5, leading=12, textColor=blue, spaceBefore=6, spaceAfter=3,
                             keepWithNext=1),
        "p": ParagraphStyle("p", fontName=regular, fontSize=8.5, leading=11, spaceAfter=4),
        "note": ParagraphStyle("note", fontName=regular, fontSize=7, leading=9, textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=CELL_SIZE, leading=CELL_SIZE + 1.4),
        "cellr": ParagraphStyle("cellr", fontName=regular, fontSize=CELL_SIZE, leading=CELL_SIZE + 1.4, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", fontName=regular, fontSize=CELL_SIZE, leading=CELL_SIZE + 1.4, textColor=colors.white),
        "headr": ParagraphStyle("headr", fontName=regular, fontSize=CELL_SIZE, leading=CELL_SIZE + 1.4, textColor=colors.white, alignment=TA_RIGHT),
        "kv": ParagraphStyle("kv", fontName=regular, fontSize=8.5, leading=11),
        "kvb": ParagraphStyle("kvb", fontName=bold, fontSize=8.5, leading=11),
    }
    width = A4[0] - 30 * mm
    P = Paragraph

    def table_flow(t: Table) -> list:
        if t.vertical:
            data = [[P(escape(c.label), st["kv"]), P(escape(text), st["kvb"])]
                    for c, (text, _n, _s) in zip(t.columns, layout.cells(t, t.rows[0]))]
            tbl = RLTable(data, colWidths=[width * 0.55, width * 0.3], hAlign="LEFT")
            tbl.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#dddddd")),
                                     ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            return [tbl]
        from reportlab.pdfbase.pdfmetrics import stringWidth

        numeric = [c.kind in layout.NUMERIC for c in t.columns]
        head = [P(escape(c.label), st["headr" if n else "head"]) for c, n in zip(t.columns, numeric)]
        lines = [layout.cells(t, r) for r in t.rows + ([t.total] if t.total else [])]
        # numbers never wrap (non-breaking space after €); text columns wrap in the room that is left
        body = [[P(escape(text).replace(" ", "\u00a0") if n else escape(text), st["cellr" if n else "cell"])
                 for text, n, _s in line] for line in lines]
        pad = 5.5
        need = []
        for i, (c, n) in enumerate(zip(t.columns, numeric)):
            words = max((stringWidth(w, regular, CELL_SIZE) for w in c.label.split()), default=0)
            cells_w = max((stringWidth(line[i][0], regular, CELL_SIZE) for line in lines), default=0)
            need.append(max(words, cells_w) + pad)
        num_total = sum(w for w, n in zip(need, numeric) if n)
        text_cols = [i for i, n in enumerate(numeric) if not n]
        room = width - num_total
        if text_cols and room > 25 * mm:
            text_need = sum(need[i] for i in text_cols)  # text columns share the rest of the width
            widths = [need[i] if n else room * need[i] / text_need for i, n in enumerate(numeric)]
        else:
            widths = [w * width / sum(need) for w in need]
        tbl = RLTable([head] + body, colWidths=widths, repeatRows=1, hAlign="LEFT")
        style = [("BACKGROUND", (0, 0), (-1, 0), blue), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                 ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#dddddd")),
                 ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                 ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5)]
        for i, r in enumerate(t.rows, start=1):
            if t.highlight and r.get(t.highlight):
                style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fff2cc")))
        if t.total:
            style += [("LINEABOVE", (0, -1), (-1, -1), 1, blue), ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef3f8"))]
        tbl.setStyle(TableStyle(style))
        out = [tbl]
        if t.note:
            out.append(P(escape(t.note), st["note"]))
        return out

    def image(png: bytes) -> Image:
        from reportlab.lib.utils import ImageReader

        w, h = ImageReader(io.BytesIO(png)).getSize()
        scale = min(width / w, 95 * mm / h)
        return Image(io.BytesIO(png), width=w * scale, height=h * scale)

    title = layout.title(report)
    story = [Spacer(1, 30 * mm), P(escape(title), st["h1"]), P(escape(report.scope.titel), st["sub"])]
    state = [[P(escape(label), st["kvb"]), P(escape(text), st["kv"])] for label, text in layout.cover_lines(report)]
    box = RLTable(state, colWidths=[30 * mm, width - 30 * mm], hAlign="LEFT")
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, blue), ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f3f7fb")),
                             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 3)]))
    story += [P("Stand van de data", st["h2"]), box, P("Voorbehouden", st["h3"])]
    story += [P("• " + escape(c), st["p"]) for c in report.state.voorbehouden]
    story += [P("Kerncijfers", st["h2"]), *table_flow(report.tables["kerncijfers"]), PageBreak()]
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

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(15 * mm, 10 * mm, footer_text)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"pagina {doc.page}")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=f"{title} – {report.scope.titel}",
                            author="Jeugdhulpregio IJsselland", subject=report.period.code, lang="nl-NL",
                            invariant=1)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


# --------------------------------------------------------------------------- XLSX


_XLSX_FORMAT = {"bedrag": '"€" #,##0.00;-"€" #,##0.00', "aantal": "#,##0", "jeugdigen": "#,##0", "getal": "#,##0",
                "per1000": "#,##0.0", "pct": "0.0%", "factor": "0.0000", "datum": "dd-mm-yyyy", "maand": "mm-yyyy"}


def _xlsx_value(value, kind: str):
    if value is None or value == SUPPRESSED:
        return value
    if kind == "bedrag":
        return value / 100  # euros with 2 decimals; the cents stay exact as a decimal fraction
    if kind == "pct":
        return value / 100
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    info = wb.active
    info.title = "Toelichting"
    bold = Font(bold=True)
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
        for c in t.columns:
            info.append([layout.SHEETS[key], c.label, c.toelichting or ""])
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 60
    info.column_dimensions["C"].width = 80

    head_fill = PatternFill("solid", fgColor="1F4E79")
    eigen_fill = PatternFill("solid", fgColor="FFF2CC")
    right = Alignment(horizontal="right")
    for key, t in report.tables.items():
        ws = wb.create_sheet(layout.SHEETS[key])
        if t.vertical:  # label | value
            ws.append(["Omschrijving", "Waarde"])
            for cell in ws[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = head_fill
            for c in t.columns:
                value = t.rows[0].get(c.key)
                ws.append([c.label, _xlsx_value(value, c.kind)])
                cell = ws.cell(ws.max_row, 2)
                if value == SUPPRESSED:
                    cell.alignment = right
                elif c.kind in _XLSX_FORMAT:
                    cell.number_format = _XLSX_FORMAT[c.kind]
            ws.column_dimensions["A"].width = 55
            ws.column_dimensions["B"].width = 20
            continue
        ws.append([c.label for c in t.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = head_fill
        for r in t.rows + ([t.total] if t.total else []):
            ws.append([_xlsx_value(r.get(c.key), c.kind) for c in t.columns])
            row = ws.max_row
            for i, c in enumerate(t.columns, start=1):
                cell = ws.cell(row, i)
                if cell.value == SUPPRESSED:
                    cell.alignment = right
                elif c.kind in _XLSX_FORMAT:
                    cell.number_format = _XLSX_FORMAT[c.kind]
                if t.highlight and r.get(t.highlight):
                    cell.fill = eigen_fill
                if r is t.total:
                    cell.font = bold
        if t.total and ws.cell(ws.max_row, 1).value is None:
            ws.cell(ws.max_row, 1).value = "Totaal"
            ws.cell(ws.max_row, 1).font = bold
        for i, c in enumerate(t.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(12, min(45, len(c.label) + 4))
        ws.freeze_panes = "A2"
        if t.note:
            ws.append([])
            ws.append([t.note])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

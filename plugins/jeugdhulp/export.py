"""Export a mart for Excel users: ``jeugdhulp export <mart> --format csv|xlsx [--out FILE]``.

* **CSV** for Dutch Excel: UTF-8 with BOM, ``;`` as separator, decimal comma; amounts in euro
  cents are written as euros with 2 decimals (``123456`` -> ``1234,56``), dates as ISO
  ``YYYY-MM-DD``. Rows are streamed from a server-side cursor, so a mart of any size exports in
  constant memory.
* **XLSX**: a sheet with the mart (numbers as numbers, dates as dates, cents as euros with a
  euro number format; written in openpyxl's streaming write-only mode) and a sheet ``kolommen``
  describing every column from the mart's ``COMMENT ON``.

**The unit of a column comes from the catalogue, never from its name.** The catalogue is the
mart's own documentation (``COMMENT ON COLUMN``, required for every mart column):

* an integer column whose comment says ``eurocent`` holds euro cents: exported as euros (CSV
  ``1234,56``, XLSX a number with a euro format, header suffix `` (euro)``);
* a column whose comment says ``in de eenheid van kolom <x>`` is a volume whose unit is given per
  row by column ``<x>`` (WJ756 Eenheid): in a row with Eenheid 83 (euro's) the volume is an amount
  in cents and is exported as euros, otherwise as a whole number;
* any other integer (a count such as ``aantal_tariefafwijkingen``, a year) is a plain whole number.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg
from psycopg import sql

SCHEMA = "mart"
FETCH_ROWS = 5000
_CENTS = re.compile(r"\beurocent\b", re.IGNORECASE)
_VOLUME = re.compile(r"in de eenheid van kolom (\w+)", re.IGNORECASE)
EENHEID_EURO = "83"
_INTEGER_TYPES = {"smallint", "integer", "bigint"}
EURO_FORMAT = '"€" #,##0.00;-"€" #,##0.00'
INTEGER_FORMAT = "0"
VOLUME_FORMAT = "#,##0"
DATE_FORMAT = "dd-mm-yyyy"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str | None

    @property
    def eenheid_kolom(self) -> str | None:
        """For a volume: the column that gives its unit (WJ756) per row."""
        match = _VOLUME.search(self.comment or "") if self.type in _INTEGER_TYPES else None
        return match.group(1) if match else None

    @property
    def cents(self) -> bool:
        return self.type in _INTEGER_TYPES and self.eenheid_kolom is None and bool(_CENTS.search(self.comment or ""))

    @property
    def kind(self) -> str:
        """How the kolommen sheet names the unit."""
        if self.cents:
            return "euro"
        if self.eenheid_kolom:
            return f"volume (eenheid: kolom {self.eenheid_kolom}; 83 = euro)"
        if self.type in _INTEGER_TYPES or self.type == "numeric":
            return "getal"
        return {"date": "datum", "text": "tekst"}.get(self.type, self.type)


class ExportError(ValueError):
    pass


def marts(conn: psycopg.Connection) -> list[str]:
    """Relations (tables, views, materialized views) in schema mart the user may read."""
    return [r[0] for r in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm', 'p') "
        "AND has_table_privilege(c.oid, 'SELECT') ORDER BY 1",
        (SCHEMA,),
    )]


def columns(conn: psycopg.Connection, mart: str) -> list[Column]:
    name = mart.split(".", 1)[1] if mart.startswith(SCHEMA + ".") else mart
    rows = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, NULL), col_description(c.oid, a.attnum) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY a.attnum",
        (SCHEMA, name),
    ).fetchall()
    if not rows:
        known = ", ".join(marts(conn)) or "none"
        raise ExportError(f"no mart {mart!r} in schema {SCHEMA} (known: {known})")
    return [Column(*r) for r in rows]


def _rows(conn: psycopg.Connection, mart: str, cols: list[Column]):
    """Stream the mart's rows through a server-side cursor (inside a transaction)."""
    name = mart.split(".", 1)[1] if mart.startswith(SCHEMA + ".") else mart
    query = sql.SQL("SELECT {} FROM {}.{} ORDER BY {}").format(
        sql.SQL(", ").join(sql.Identifier(c.name) for c in cols),
        sql.Identifier(SCHEMA), sql.Identifier(name),
        sql.SQL(", ").join(sql.Literal(i) for i in range(1, min(len(cols), 4) + 1)),
    )
    with conn.transaction(), conn.cursor(name="jeugdhulp_export") as cur:
        cur.itersize = FETCH_ROWS
        cur.execute(query)
        yield from cur


def _euros_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}"


def _in_euro(col: Column, row: dict) -> bool:
    """Whether this cell is an amount in cents: a money column, or a volume in a row with Eenheid 83."""
    return col.cents or (col.eenheid_kolom is not None and row.get(col.eenheid_kolom) == EENHEID_EURO)


def _unit_columns(cols: list[Column]) -> None:
    names = {c.name for c in cols}
    for c in cols:
        if c.eenheid_kolom and c.eenheid_kolom not in names:
            raise ExportError(f"column {c.name} is documented as a volume in the unit of column {c.eenheid_kolom}, "
                              "which the mart does not have: fix its COMMENT ON COLUMN")


def _csv_value(value, col: Column, euro: bool = False) -> str:
    if value is None:
        return ""
    if col.cents or euro:
        return _euros_text(int(value))
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, (float, decimal.Decimal)):
        return str(value).replace(".", ",")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def write_csv(conn: psycopg.Connection, mart: str, out: IO[str]) -> int:
    """Write the mart as Dutch-Excel CSV to a text stream (the caller writes/handles the BOM)."""
    cols = columns(conn, mart)
    _unit_columns(cols)
    names = [c.name for c in cols]
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.name + (" (euro)" if c.cents else "") for c in cols])
    n = 0
    for row in _rows(conn, mart, cols):
        values = dict(zip(names, row))
        writer.writerow([_csv_value(v, c, _in_euro(c, values)) for v, c in zip(row, cols)])
        n += 1
    return n


def _xlsx_value(value, col: Column, euro: bool = False):
    if value is None:
        return None
    if col.cents or euro:
        return decimal.Decimal(int(value)) / 100
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    return value


def write_xlsx(conn: psycopg.Connection, mart: str, path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cols = columns(conn, mart)
    _unit_columns(cols)
    names = [c.name for c in cols]
    name = mart.split(".", 1)[1] if mart.startswith(SCHEMA + ".") else mart
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(name[:31])
    bold = Font(bold=True)
    for i, c in enumerate(cols):
        ws.column_dimensions[_letter(i)].width = max(12, min(40, len(c.name) + 4))
    ws.freeze_panes = "A2"
    header = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=c.name + (" (euro)" if c.cents else ""))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    formats = [EURO_FORMAT if c.cents else VOLUME_FORMAT if c.eenheid_kolom else DATE_FORMAT if c.type == "date"
               else "dd-mm-yyyy hh:mm" if c.type.startswith("timestamp")
               else INTEGER_FORMAT if c.type in _INTEGER_TYPES else None for c in cols]
    n = 0
    for row in _rows(conn, mart, cols):
        values = dict(zip(names, row))
        cells = []
        for value, c, fmt in zip(row, cols, formats):
            euro = _in_euro(c, values)
            cell = WriteOnlyCell(ws, value=_xlsx_value(value, c, euro))
            if euro:
                fmt = EURO_FORMAT
            if fmt:
                cell.number_format = fmt
            cells.append(cell)
        ws.append(cells)
        n += 1
    doc = wb.create_sheet("kolommen")
    doc.column_dimensions["A"].width = 28
    doc.column_dimensions["B"].width = 14
    doc.column_dimensions["C"].width = 110
    doc.append([WriteOnlyCell(doc, value=v) for v in ("kolom", "type", "omschrijving")])
    for c in cols:
        comment = c.comment or ""
        if c.cents:
            comment += " (In deze export omgerekend naar euro's.)"
        elif c.eenheid_kolom:
            comment += f" (In rijen met {c.eenheid_kolom} 83 is het volume een bedrag: in deze export in euro's.)"
        doc.append([c.name + (" (euro)" if c.cents else ""), c.kind, comment.strip()])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return n


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def export(conn: psycopg.Connection, mart: str, fmt: str, out: str | Path | None = None) -> tuple[Path | None, int]:
    """Export ``mart`` as ``csv`` or ``xlsx`` to ``out`` (CSV default: stdout; XLSX: ``<mart>.xlsx``)."""
    if fmt == "csv":
        if out is None or str(out) == "-":
            stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8-sig", newline="", write_through=True)
            try:
                return None, write_csv(conn, mart, stream)
            finally:
                stream.detach()
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            return path, write_csv(conn, mart, f)
    if fmt == "xlsx":
        name = mart.split(".", 1)[1] if mart.startswith(SCHEMA + ".") else mart
        path = Path(out) if out else Path(f"{name}.xlsx")
        return path, write_xlsx(conn, mart, path)
    raise ExportError(f"unknown format {fmt!r}: use csv or xlsx")

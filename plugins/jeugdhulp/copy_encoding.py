"""COPY text of a parsed iJw message: one ``(table, COPY columns, text)`` per staging table.

The text is what psycopg's ``write_row`` would send, built in bulk: header and client values are
formatted once per message and per client, only the item values per line (see
:func:`_records_copy`); :func:`_rows_copy` is the row-by-row reference it must equal.
"""

from __future__ import annotations

import datetime as dt
from operator import itemgetter

from jeugdhulp import ijw
from jeugdhulp.warehouse import STAGING

_NULL = "\\N"


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_str(text: str) -> str:
    # \t, \n and \r are not printable: one test for the three separators COPY would misread
    return _copy_escape(text) if "\\" in text or not text.isprintable() else text


def _copy_array(values: list) -> str:
    """A text[] literal, e.g. ``{"8001","0233"}``, escaped for COPY."""
    items = ("NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return _copy_escape("{" + ",".join(items) + "}")


#: exact type -> COPY text format (what psycopg's write_row would send for these types)
_COPY_TEXT: dict = {
    str: _copy_str,
    int: int.__repr__,
    bool: lambda v: "t" if v else "f",
    dt.date: dt.date.isoformat,
    dt.time: dt.time.isoformat,
    list: _copy_array,
    type(None): lambda v: _NULL,
}


def _copy_value(value) -> str:
    fmt = _COPY_TEXT.get(type(value))
    if fmt is not None:
        return fmt(value)
    for kind in (str, int, list, tuple):  # subclasses (not bool, date or time: their own formats)
        if isinstance(value, kind):
            return _copy_array(list(value)) if kind is tuple else _COPY_TEXT[kind](value)
    raise TypeError(f"no COPY text format for a {type(value).__name__} value")


class _Irregular(Exception):
    """Records whose items do not all have the same fields: take the row-by-row way."""


def _records_copy(msg: ijw.Message, columns: list[str], prefix: str) -> tuple[tuple[str, ...], list[str]]:
    """COPY lines of one row per record, the values of ``Record.flat(msg.header)``.

    Header and client values are formatted once (per message, per client), only the item values
    per line; the COPY column order is therefore header, client, item columns, ``bron_regel``.
    A Prestatie read as texts (``ijw.parse(texts=True)``) is joined as it is, escaped only when
    it holds a backslash, tab, newline or carriage return.
    """
    records = msg.records
    clients: dict = {}
    for rec in records:
        clients.setdefault(id(rec.client), rec.client)
    first = records[0].item
    keys = ijw.PRESTATIE_FIELDS if type(first) is tuple else tuple(first)
    client_keys = set().union(*clients.values())
    item_cols = [c for c in keys if c in columns and c != "bron_regel"]
    if any(type(rec.item) is tuple for rec in records) and item_cols != list(ijw.PRESTATIE_FIELDS):
        return _rows_copy(msg, columns, prefix)  # a table without some Prestatie field
    client_cols = [c for c in columns if c in client_keys and c not in keys and c != "bron_regel"]
    header_cols = [c for c in columns if c not in keys and c not in client_keys and c != "bron_regel"]
    with_line = "bron_regel" in columns
    header = msg.header
    head = [prefix, *(_copy_value(header.get(c)) for c in header_cols)]
    segments = {
        key: "\t".join(head + [_copy_value(client[c] if c in client else header.get(c)) for c in client_cols]) + "\t"
        for key, client in clients.items()
    }
    if not item_cols:
        values_of = lambda item: ()  # noqa: E731
    elif len(item_cols) == 1:
        values_of = lambda item, c=item_cols[0]: (item[c],)  # noqa: E731
    else:
        values_of = itemgetter(*item_cols)
    width, text, null, tabs = len(keys), _COPY_TEXT, _NULL, len(ijw.PRESTATIE_FIELDS) - 1
    lines = []
    try:
        for rec in records:
            item = rec.item
            if type(item) is tuple:
                values = "\t".join([null if v is None else v for v in item])
                # texts hold only str and None: escaping needed iff a \ beyond the \N, a \t, \n or \r
                if (values.count("\\") != item.count(None) or values.count("\t") != tabs
                        or "\n" in values or "\r" in values):
                    values = "\t".join([null if v is None else _copy_str(v) for v in item])
            elif len(item) != width:
                raise _Irregular
            else:
                values = "\t".join([text[type(v)](v) for v in values_of(item)])
            if with_line:
                number = null if rec.line is None else str(rec.line)
                values = values + "\t" + number if item_cols else number
            lines.append(segments[id(rec.client)] + values)
    except (KeyError, _Irregular):  # a missing field or a value type without a fast format
        return _rows_copy(msg, columns, prefix)
    if not with_line and not item_cols:
        lines = [line[:-1] for line in lines]  # no item columns: drop the tab after the client values
    return ("batch_id", "file_sha256", *header_cols, *client_cols, *item_cols, *(["bron_regel"] if with_line else [])), lines


def _rows_copy(msg: ijw.Message, columns: list[str], prefix: str) -> tuple[tuple[str, ...], list[str]]:
    """COPY lines of ``Record.flat`` row by row, in table order (the reference of the above)."""
    return ("batch_id", "file_sha256", *columns), [
        prefix + "\t" + "\t".join([_copy_value(row.get(c)) for c in columns])
        for row in (rec.flat(msg.header) for rec in msg.records)
    ]


def copy_data(msg: ijw.Message, columns: dict[str, list[str]], batch_id: int, sha: str,
              encoding: str = "utf-8") -> list[tuple[str, tuple[str, ...], bytes]]:
    """The COPY input of a parsed message: ``(table, COPY columns, text)`` per staging table."""
    prefix = f"{batch_id}\t{sha}"
    out = []
    for table, source in STAGING[msg.bericht_type]:
        cols = columns[table]
        if source == "header":
            copy_cols = ("batch_id", "file_sha256", *cols)
            lines = [prefix + "\t" + "\t".join([_copy_value(msg.header.get(c)) for c in cols])]
        elif msg.records:
            copy_cols, lines = _records_copy(msg, cols, prefix)
        else:
            continue
        out.append((table, copy_cols, ("\n".join(lines) + "\n").encode(encoding)))
    return out


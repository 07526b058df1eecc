"""What a report is made of: tables with typed columns, suppressed before any renderer sees them.

Suppression (privacy): a count column (``kind`` ``jeugdigen`` or ``aantal``: youths or their care
trajectories) with a value of 1-4 becomes ``"<5"``; so does every figure derived from it (a column
whose ``basis`` names that count, e.g. per 1 000 youths or a percentage). Where one suppressed cell
could be recomputed from a shown total, a second cell is suppressed too (complementary suppression):
within a row over the columns of one ``groep`` whose sum is the column ``groep`` itself, and down a
column whose total row is shown.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field

from jeugdhulp.reports.fmt import SUPPRESSED, is_small

COUNT_KINDS = ("jeugdigen", "aantal")


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    #: tekst | bedrag (cents) | jeugdigen | aantal | per1000 | pct | factor | datum | maand
    kind: str = "tekst"
    #: key of the count this figure derives from: suppressed together with it
    basis: str | None = None
    #: for count parts: key of the count column they add up to (row-wise complementary suppression)
    groep: str | None = None
    #: sums down the rows (column-wise complementary suppression against the total row)
    additief: bool = False
    #: description for the XLSX 'Toelichting' and the HTML/PDF note
    toelichting: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list[Col]
    rows: list[dict]
    total: dict | None = None
    note: str = ""
    #: key of a column whose rows are highlighted (e.g. the report's own gemeente)
    highlight: str | None = None
    #: one row shown as label: value lines (the key figures on the cover)
    vertical: bool = False
    suppressed_cells: int = field(default=0, compare=False)

    def col(self, key: str) -> Col:
        return next(c for c in self.columns if c.key == key)

    def values(self, key: str) -> list:
        return [r.get(key) for r in self.rows]

    def suppressed(self) -> Table:
        """A copy with the small-cell rule applied (idempotent)."""
        t = copy.deepcopy(self)
        counts = [c for c in t.columns if c.kind in COUNT_KINDS]
        lines = t.rows + ([t.total] if t.total else [])
        n = 0
        # primary: 1-4
        for r in lines:
            for c in counts:
                if is_small(r.get(c.key)):
                    r[c.key] = SUPPRESSED
                    n += 1
        # complementary, row-wise: parts of a shown total
        for r in lines:
            groups: dict[str, list[Col]] = {}
            for c in counts:
                if c.groep:
                    groups.setdefault(c.groep, []).append(c)
            for total_key, parts in groups.items():
                n += _complement(r, [p.key for p in parts], shown_total=r.get(total_key) not in (None, SUPPRESSED))
        # complementary, column-wise: rows of a shown total row
        if t.total:
            for c in counts:
                if c.additief and t.total.get(c.key) not in (None, SUPPRESSED):
                    n += _complement_column(t.rows, c.key)
        # derived figures follow their basis
        for r in lines:
            for c in t.columns:
                if c.basis and r.get(c.basis) == SUPPRESSED and r.get(c.key) not in (None, SUPPRESSED):
                    r[c.key] = SUPPRESSED
                    n += 1
        t.suppressed_cells = self.suppressed_cells + n
        return t


def _complement(row: dict, keys: list[str], shown_total: bool) -> int:
    hidden = [k for k in keys if row.get(k) == SUPPRESSED]
    if len(hidden) != 1 or not shown_total:
        return 0
    rest = [k for k in keys if isinstance(row.get(k), int) and row.get(k) > 0]
    if not rest:
        return 0
    k = min(rest, key=lambda k: row[k])
    row[k] = SUPPRESSED
    return 1


def _complement_column(rows: list[dict], key: str) -> int:
    hidden = [r for r in rows if r.get(key) == SUPPRESSED]
    if len(hidden) != 1:
        return 0
    rest = [r for r in rows if isinstance(r.get(key), int) and r.get(key) > 0]
    if not rest:
        return 0
    min(rest, key=lambda r: r[key])[key] = SUPPRESSED
    return 1


@dataclass(frozen=True)
class Scope:
    """The report's subject: one gemeente, or the region (gemeente None)."""

    gemeente: str | None
    naam: str

    @property
    def is_regio(self) -> bool:
        return self.gemeente is None

    @property
    def titel(self) -> str:
        return self.naam if self.is_regio else f"Gemeente {self.naam}"

    @property
    def slug(self) -> str:
        if self.is_regio:
            return "regio-ijsselland"
        return f"{self.gemeente}-{self.naam.lower().replace(' ', '-')}"


@dataclass
class DataState:
    """What the cover states about the data."""

    peildatum: dt.date
    status: str  # 'afgesloten' | 'voorlopig' | 'deels afgesloten'
    status_toelichting: str
    compleet_pct: float | None  # share of the estimated final amount of the period already declared
    compleet_laag_pct: float | None
    compleet_hoog_pct: float | None
    voorbehouden: list[str]
    gemaakt_op: dt.datetime


@dataclass
class Report:
    """One report: scope x period, its data state and suppressed tables. Renderers take only this."""

    scope: Scope
    period: object  # jeugdhulp.reports.period.Period
    state: DataState
    tables: dict[str, Table]

    def __post_init__(self):
        # the privacy rule is applied here, once, so no output can be made from unsuppressed tables
        self.tables = {k: t.suppressed() for k, t in self.tables.items()}

    @property
    def suppressed_cells(self) -> int:
        return sum(t.suppressed_cells for t in self.tables.values())

    def file_stem(self) -> str:
        return f"pc-rapportage_{self.period.code}_{self.scope.slug}"

"""What a report is made of: tables with typed columns, suppressed before any renderer sees them.

Suppression (privacy): a count column (``kind`` ``jeugdigen`` or ``aantal``: youths or their care
trajectories) with a value of 1-4 becomes ``"<5"``. Where suppressed cells could be recomputed
from a shown total (one by subtraction, several through their sum), one more cell is hidden
(complementary suppression), marked ``"x"`` as CBS does, because it is not a count of 1-4: within a row over the columns of one ``groep`` whose sum is
the column ``groep`` itself, and down a column whose total row is shown. A figure derived from a
hidden count (a column whose ``basis`` names it, e.g. per 1 000 youths or a percentage) is ``"x"``.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field

from jeugdhulp.reports.fmt import HIDDEN, MARKERS, SUPPRESSED, is_small

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
    #: key of a boolean in the row: such rows are marked "*" (e.g. a month whose data is still incomplete)
    mark: str | None = None
    #: the footnote explaining the mark
    mark_note: str = ""
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
        # primary: 1-4 -> "<5"
        for r in lines:
            for c in counts:
                if is_small(r.get(c.key)):
                    r[c.key] = SUPPRESSED
                    n += 1
        groups: dict[str, list[str]] = {}
        for c in counts:
            if c.groep:
                groups.setdefault(c.groep, []).append(c.key)
        # complementary -> "x", until nothing changes (a cell hidden in a column can expose one in a row)
        changed = True
        while changed:
            changed = False
            for r in lines:  # row-wise: parts of a shown total
                for total_key, parts in groups.items():
                    if _complement([r], parts, shown_total=r.get(total_key) not in (None, *MARKERS)):
                        n, changed = n + 1, True
            if t.total:  # column-wise: rows of a shown total row
                for c in counts:
                    if c.additief and t.total.get(c.key) not in (None, *MARKERS) and \
                            _complement(t.rows, [c.key], shown_total=True):
                        n, changed = n + 1, True
        # derived figures follow their basis: hidden ("x"), they are not a count of 1-4 themselves
        for r in lines:
            for c in t.columns:
                if c.basis and r.get(c.basis) in MARKERS and r.get(c.key) not in (None, *MARKERS):
                    r[c.key] = HIDDEN
                    n += 1
        t.suppressed_cells = self.suppressed_cells + n
        return t

    def marked(self, row: dict) -> bool:
        return bool(self.mark and row.get(self.mark))

    def has_markers(self) -> bool:
        return any(r.get(c.key) in MARKERS for r in self.rows + ([self.total] if self.total else [])
                   for c in self.columns)


def _complement(rows: list[dict], keys: list[str], shown_total: bool) -> bool:
    """Hide the smallest other positive cell among ``keys`` over ``rows`` next to a shown total ("x") when
    the hidden ones could be worked out: a single hidden cell by subtraction (an "x" too, or it would give
    away the "<5" it protects elsewhere); several "<5" through their sum (two adding up to 8 are both 4)."""
    cells = [(r, k) for r in rows for k in keys]
    hidden = [r.get(k) for r, k in cells if r.get(k) in MARKERS]
    if not shown_total or not (len(hidden) == 1 or (hidden and HIDDEN not in hidden)):
        return False
    rest = [(r, k) for r, k in cells if isinstance(r.get(k), int) and r.get(k) > 0]
    if not rest:
        return False
    r, k = min(rest, key=lambda rk: rk[0][rk[1]])
    r[k] = HIDDEN
    return True


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

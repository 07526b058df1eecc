"""Dutch number and date notation, and the small-cell rule every report output applies.

Money is integer euro cents until it is shown: ``euro(123456)`` -> ``'€ 1.234,56'``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jeugdhulp.marts import euro  # noqa: F401  (one money notation for the whole product)

#: what a suppressed cell shows, in HTML, PDF and XLSX alike: a count of 1-4 (primary suppression)
SUPPRESSED = "<5"
#: a cell hidden to protect another one (complementary suppression) or derived from a hidden count;
#: CBS notation ("x" = geheim), explained in a footnote wherever it appears
HIDDEN = "x"
#: both markers: a cell holding one of these is not a number
MARKERS = (SUPPRESSED, HIDDEN)
#: the footnote every output prints under a table with hidden cells, and on the cover
MARKER_NOTE = ("<5 = 1 tot 5 jeugdigen of trajecten (privacy); x = niet getoond omdat het anders een "
               "onderdrukt aantal zou verraden (aanvullende onderdrukking) of daarvan is afgeleid.")
#: a cell counting 1..MIN_CELL-1 youths (or their trajectories) is suppressed; 0 describes nobody
MIN_CELL = 5

MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")
MAANDEN_KORT = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def is_small(n) -> bool:
    """True for a count of 1-4: a cell that would describe fewer than 5 youths."""
    return isinstance(n, int) and not isinstance(n, bool) and 0 < n < MIN_CELL


def _thousands(whole: int) -> str:
    return f"{whole:,}".replace(",", ".")


def getal(value, decimals: int = 0) -> str:
    """1234567 -> '1.234.567'; getal(12.345, 1) -> '12,3'."""
    if decimals == 0:
        return ("-" if value < 0 else "") + _thousands(abs(int(round(value))))
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals))
    whole, _, frac = f"{abs(q):f}".partition(".")
    return ("-" if q < 0 else "") + _thousands(int(whole)) + "," + frac


def pct(value, decimals: int = 1) -> str:
    """97.5 -> '97,5%'."""
    return getal(value, decimals) + "%"


def datum(d: dt.date | dt.datetime) -> str:
    """dd-mm-jjjj."""
    return f"{d:%d-%m-%Y}"


def maand(d: dt.date, kort: bool = False) -> str:
    """2025-10-01 -> 'oktober 2025' (kort: 'okt 2025')."""
    return f"{(MAANDEN_KORT if kort else MAANDEN)[d.month - 1]} {d.year}"


def cell(value, kind: str) -> str:
    """A value as a report shows it, by column kind (see :class:`jeugdhulp.reports.model.Col`)."""
    if value in MARKERS:
        return value
    if value is None:
        return "–"
    if kind == "bedrag":
        return euro(value)
    if kind in ("aantal", "jeugdigen", "getal"):
        return getal(value)
    if kind == "per1000":
        return getal(value, 1)
    if kind == "pct":
        return pct(value)
    if kind == "factor":
        return getal(value, 4)
    if kind == "datum":
        return datum(value)
    if kind == "maand":
        return maand(value, kort=True)
    return str(value)

"""Report periods: a quarter ('2025-Q3', bestuursrapportage) or a year ('2025', jaarverslag)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^\s*(\d{4})(?:\s*-?\s*[QqKk]([1-4]))?\s*$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    jaar: int
    kwartaal: int | None = None  # None: the whole year

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2025-Q3' (also '2025-K3', '2025q3') or '2025'."""
        m = _PATTERN.match(str(text or ""))
        if not m or not 2015 <= int(m.group(1)) <= 2040:
            raise PeriodError(f"period {text!r}: expected a quarter like 2025-Q3 or a year like 2025 (2015-2040)")
        return cls(int(m.group(1)), int(m.group(2)) if m.group(2) else None)

    @classmethod
    def previous(cls, kind: str, on: dt.date) -> Period:
        """The last complete quarter (kind 'quarter') or year (kind 'year') before the date ``on``."""
        if kind == "year":
            return cls(on.year - 1)
        if kind != "quarter":
            raise PeriodError(f"kind {kind!r}: expected quarter or year")
        q = (on.month - 1) // 3  # the current quarter minus one, 0 = last year's Q4
        return cls(on.year, q) if q else cls(on.year - 1, 4)

    @property
    def is_year(self) -> bool:
        return self.kwartaal is None

    @property
    def code(self) -> str:
        """'2025-Q3' / '2025': the param value and the outbox folder."""
        return str(self.jaar) if self.is_year else f"{self.jaar}-Q{self.kwartaal}"

    @property
    def soort(self) -> str:
        return "Jaarverslag (input)" if self.is_year else "Bestuursrapportage"

    @property
    def label(self) -> str:
        """'2025' / '3e kwartaal 2025'."""
        return str(self.jaar) if self.is_year else f"{self.kwartaal}e kwartaal {self.jaar}"

    @property
    def months(self) -> list[dt.date]:
        first = 1 if self.is_year else 3 * self.kwartaal - 2
        last = 12 if self.is_year else 3 * self.kwartaal
        return [dt.date(self.jaar, m, 1) for m in range(first, last + 1)]

    @property
    def start(self) -> dt.date:
        return self.months[0]

    @property
    def end(self) -> dt.date:
        """Last day of the period."""
        last = self.months[-1]
        return (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)

    def __str__(self) -> str:
        return self.code

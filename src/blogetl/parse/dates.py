"""Publication dates as pages print them: found by pattern, read into datetimes.

>>> [(d.value.isoformat(), d.text) for d in find_dates("Politik2016-02-03 08:15")]
[('2016-02-03T08:15:00', '2016-02-03 08:15')]
>>> [d.value.isoformat() for d in find_dates("Tisdag 3 mars 2020")]
['2020-03-03T00:00:00']
>>> [d.value.isoformat() for d in find_dates("Published mar 4, 2019 at 10:30")]
['2019-03-04T10:30:00']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from blogetl.parse.sites.common import DATE_PATTERNS, MONTHS


@dataclass(frozen=True)
class FoundDate:
    """A date in a line: its value, the text as written and where it stands in the line."""

    value: datetime
    text: str
    start: int
    end: int


def _to_datetime(m: re.Match[str]) -> datetime | None:
    """The match's groups as a datetime, or None when they name no real date."""
    month = m.group("month")
    number = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."))
    if number is None:
        return None
    hour, minute = m.group("hour"), m.group("minute")
    try:
        return datetime(int(m.group("year")), number, int(m.group("day")),
                        int(hour) if hour else 0, int(minute) if minute else 0)
    except ValueError:  # 31 februari, 25:70
        return None


def find_dates(text: str) -> list[FoundDate]:
    """Every date written in the text, in order of position (overlaps resolved by the first)."""
    if "19" not in text and "20" not in text:  # every pattern needs a year 19xx or 20xx: no search needed
        return []
    found: list[FoundDate] = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            value = _to_datetime(m)
            if value is None or any(f.start < m.end() and m.start() < f.end for f in found):
                continue
            raw = m.group()
            start = m.start() + len(raw) - len(raw.lstrip(" ,"))
            written = raw.strip(" ,")
            found.append(FoundDate(value, written, start, start + len(written)))
    return sorted(found, key=lambda f: f.start)

"""Calendar dates written in prose, Chinese and English: 2026年12月10日, "2026 年 10 月 25 日
24:00", 2026-12-10, "15 January 2027", "December 10, 2026", and "until December 10" with the
year taken as the next such date on or after publication."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<m>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:,?\s+(?P<y>\d{4}))?"
_PATTERNS = (
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<mn>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(r"(?<![\d年])(?P<mn>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),  # 12月10日: year implied
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<mn>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
    re.compile(
        r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"(?:\s+(?P<y>\d{4}))?\b", re.I
    ),
    re.compile(r"\b" + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b" + _YEAR, re.I),
)


def find_dates(text: str, published: date | None = None) -> list[date]:
    """Valid dates in text in order of appearance; a date without a year is the next such
    date on or after `published` (dropped when there is no publication date)."""
    found: list[tuple[int, date]] = []
    taken: list[range] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            span = range(match.start(), match.end())
            if any(span.start < t.stop and t.start < span.stop for t in taken):
                continue
            day = _to_date(match, published)
            if day is not None:
                taken.append(span)
                found.append((match.start(), day))
    return [day for _, day in sorted(found)]


def _to_date(match: re.Match[str], published: date | None) -> date | None:
    parts = match.groupdict()
    month = int(parts["mn"]) if parts.get("mn") else MONTHS[parts["m"].lower()]
    day = int(parts["d"])
    if parts.get("y"):
        return _valid(int(parts["y"]), month, day)
    if published is None:
        return None
    this_year = _valid(published.year, month, day)
    if this_year is not None and this_year >= published:
        return this_year
    return _valid(published.year + 1, month, day)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None

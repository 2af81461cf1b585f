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
_ZH_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
_ZH_YEAR = r"[〇零○Ｏ一二三四五六七八九]{4}"
_ZH_SMALL = r"[一二三四五六七八九十]{1,3}"
_PATTERNS = (
    # 二〇二六年四月十七日: the dates of formal Chinese documents (GB/T 9704 成文日期)
    re.compile(rf"(?P<zy>{_ZH_YEAR})\s*年\s*(?P<zm>{_ZH_SMALL})\s*月\s*(?P<zd>{_ZH_SMALL})\s*日"),
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
    return [day for _, day in date_spans(text, published)]


def date_spans(
    text: str, published: date | None = None, *, nearest: bool = False
) -> list[tuple[range, date]]:
    """find_dates with where each date stands in text (character range), in order. With
    `nearest`, a date without a year is the one nearest `published` (news looks back,
    deadlines look forward)."""
    found: list[tuple[range, date]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            span = range(match.start(), match.end())
            if any(span.start < t.stop and t.start < span.stop for t, _ in found):
                continue
            day = _to_date(match, published, nearest)
            if day is not None:
                found.append((span, day))
    return sorted(found, key=lambda f: f[0].start)


def _to_date(match: re.Match[str], published: date | None, nearest: bool = False) -> date | None:
    parts = match.groupdict()
    if parts.get("zy"):
        year = int("".join(str(_ZH_DIGITS[c]) for c in parts["zy"]))
        return _valid(year, _zh_number(parts["zm"]), _zh_number(parts["zd"]))
    month = int(parts["mn"]) if parts.get("mn") else MONTHS[parts["m"].lower()]
    day = int(parts["d"])
    if parts.get("y"):
        return _valid(int(parts["y"]), month, day)
    if published is None:
        return None
    this_year = _valid(published.year, month, day)
    if nearest:
        options = [_valid(published.year + n, month, day) for n in (-1, 0, 1)]
        return min((d for d in options if d), key=lambda d: abs(d - published), default=None)
    if this_year is not None and this_year >= published:
        return this_year
    return _valid(published.year + 1, month, day)


def _zh_number(text: str) -> int:
    """一 … 三十一 as a number (month and day numerals); 0 for what is none (never valid)."""
    if "十" not in text:
        return _ZH_DIGITS.get(text, 0) if len(text) == 1 else 0
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return 0
    return (_ZH_DIGITS.get(tens, 0) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None

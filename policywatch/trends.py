"""Items per week by topic and by region over the last weeks, and the one thing that moved.

Pure: callers pass one (week, topics, region) record per briefed item, read from the store
(the email) or from the archive's JSON sidecars (reports/trends.html). An item counts once
under each of its topics and once under its region (none: OTHER_REGION).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from policywatch.render import OTHER_REGION, label

TREND_WEEKS = 12  # weeks in a trend chart, the briefing's week last
AVERAGE_WEEKS = 4  # "4-week average": the weeks before this one that a rise is measured against
# A topic "moved" when this week has at least this many items more than its 4-week average;
# the briefing header names the topic with the largest such rise, or nothing.
MOVED_MIN_RISE = 3
EMAIL_SERIES = 6  # series per dimension in the email chart (the most items over the window)

Record = tuple[str, Sequence[str], str | None]  # (ISO week, topics, region) of one item
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, slots=True)
class Series:
    """One topic's or region's items per week, oldest week first."""

    name: str  # the stored topic or region name ("" for items without a region)
    label: str
    counts: tuple[int, ...]

    @property
    def this_week(self) -> int:
        return self.counts[-1] if self.counts else 0

    @property
    def average(self) -> float:
        """Mean of the AVERAGE_WEEKS weeks before this one (fewer when the window is short)."""
        before = self.counts[-AVERAGE_WEEKS - 1 : -1]
        return sum(before) / len(before) if before else 0.0

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def average_text(self) -> str:
        return number(self.average)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of the email chart: its label, count and CSS width in percent (0-100)."""

    label: str
    count: int
    width: int
    average: float = 0.0
    average_width: int = 0
    counts: tuple[int, ...] = ()  # every week of the window, oldest first

    @property
    def average_text(self) -> str:
        return number(self.average)


@dataclass(frozen=True, slots=True)
class Trends:
    """Per-week counts over a window of ISO weeks (oldest first), by topic and by region."""

    weeks: tuple[str, ...]
    totals: tuple[int, ...]
    topics: tuple[Series, ...]
    regions: tuple[Series, ...]

    @property
    def moved(self) -> str:
        """'regulation: 9 this week, 4-week average 3', or '' when nothing moved."""
        return moved_line(self)

    def week_bars(self) -> tuple[Bar, ...]:
        """Items per week as email bars, oldest week first, widths relative to the busiest."""
        top = max(self.totals, default=0)
        return tuple(
            Bar(short_week(w), n, percent(n, top))
            for w, n in zip(self.weeks, self.totals, strict=True)
        )

    def topic_bars(self) -> tuple[Bar, ...]:
        """The email's topic rows: this week against the 4-week average."""
        return series_bars(self.topics)

    def region_bars(self) -> tuple[Bar, ...]:
        """The email's region rows: this week against the 4-week average."""
        return series_bars(self.regions)


def window(last_week: str, weeks: int = TREND_WEEKS) -> tuple[str, ...]:
    """The `weeks` ISO weeks ending with `last_week` (YYYY-Www), oldest first."""
    m = _WEEK.match(last_week)
    if not m:
        raise ValueError(f"not an ISO week: {last_week!r}")
    monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    return tuple(_label(monday - timedelta(weeks=back)) for back in range(weeks - 1, -1, -1))


def _label(day: date) -> str:
    """The ISO week of a day, YYYY-Www."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def short_week(week: str) -> str:
    """'2026-W07' -> 'W07' (the year is in the chart's caption)."""
    return week.split("-", 1)[-1]


def compute(weeks: Sequence[str], records: Iterable[Record]) -> Trends:
    """Count records per week, topic and region over `weeks`; other weeks are ignored."""
    position = {w: i for i, w in enumerate(weeks)}
    totals = [0] * len(weeks)
    topics: dict[str, list[int]] = {}
    regions: dict[str, list[int]] = {}
    for week, item_topics, region in records:
        i = position.get(week)
        if i is None:
            continue
        totals[i] += 1
        for topic in dict.fromkeys(t for t in item_topics if t):
            topics.setdefault(topic, [0] * len(weeks))[i] += 1
        regions.setdefault(region or "", [0] * len(weeks))[i] += 1
    return Trends(tuple(weeks), tuple(totals), _series(topics), _series(regions))


def _series(counts: dict[str, list[int]]) -> tuple[Series, ...]:
    """Series with most items over the window first, then by label."""
    made = [
        Series(name, label(name) if name else OTHER_REGION, tuple(c)) for name, c in counts.items()
    ]
    return tuple(sorted(made, key=lambda s: (-s.total, s.label.lower())))


def moved_topic(trends: Trends) -> Series | None:
    """The topic with the largest rise over its 4-week average, if the rise is at least
    MOVED_MIN_RISE and some item was briefed in those 4 weeks (a first briefing has no
    average to rise above)."""
    if sum(trends.totals[-AVERAGE_WEEKS - 1 : -1]) == 0:
        return None
    rising = [s for s in trends.topics if s.this_week - s.average >= MOVED_MIN_RISE]
    rising.sort(key=lambda s: (s.average - s.this_week, -s.this_week, s.name))
    return rising[0] if rising else None


def moved_line(trends: Trends) -> str:
    """The header line naming what moved, or ''."""
    s = moved_topic(trends)
    if s is None:
        return ""
    return f"{s.name}: {s.this_week} this week, {AVERAGE_WEEKS}-week average {number(s.average)}"


def number(value: float) -> str:
    """3.0 -> '3', 2.25 -> '2.3': at most one decimal, halves rounded up."""
    return f"{math.floor(value * 10 + 0.5) / 10:.1f}".removesuffix(".0")


def percent(count: float, top: float) -> int:
    """CSS width of a bar: 0 for nothing, at least 1 for any item, 100 for the top value."""
    if count <= 0 or top <= 0:
        return 0
    return max(1, round(100 * count / top))


def series_bars(series: Sequence[Series], limit: int = EMAIL_SERIES) -> tuple[Bar, ...]:
    """This week against the 4-week average for the `limit` largest series, as email bars."""
    shown = series[:limit]
    top = max((max(s.this_week, s.average) for s in shown), default=0)
    return tuple(
        Bar(
            s.label,
            s.this_week,
            percent(s.this_week, top),
            s.average,
            percent(s.average, top),
            s.counts,
        )
        for s in shown
    )

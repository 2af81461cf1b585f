"""Trends (issue 18, part 3): items per week by topic and region, what moved, and how the
briefing shows it (the header line, the email chart without script, SVG or images)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from briefing_samples import sample_briefing, sample_trends
from pg import db_url  # noqa: F401

from policywatch.briefing import build_briefing, claim_items
from policywatch.dedupe import fingerprint
from policywatch.models import Article, Relevance
from policywatch.render import OTHER_REGION, render_html, render_markdown, render_text
from policywatch.storage import Candidate, Store
from policywatch.trends import (
    MOVED_MIN_RISE,
    TREND_WEEKS,
    Trends,
    compute,
    moved_line,
    moved_topic,
    number,
    percent,
    window,
)

WEEKS = window("2026-W47")


def _trends(per_week: dict[str, list[int]]) -> Trends:
    """Trends where topic t has per_week[t][i] items in week i of WEEKS (oldest first)."""
    records = [
        (WEEKS[i], (topic,), "EU")
        for topic, counts in per_week.items()
        for i, n in enumerate(counts)
        for _ in range(n)
    ]
    return compute(WEEKS, records)


def _flat(history: int, now: int) -> list[int]:
    """Twelve weeks: `history` items each week, then `now` items this week."""
    return [history] * (TREND_WEEKS - 1) + [now]


# --- computation ---------------------------------------------------------------------------


def test_window_is_twelve_weeks_oldest_first_across_years() -> None:
    assert len(WEEKS) == TREND_WEEKS == 12
    assert WEEKS[0] == "2026-W36" and WEEKS[-1] == "2026-W47"
    assert window("2027-W02", 4) == ("2026-W52", "2026-W53", "2027-W01", "2027-W02")
    with pytest.raises(ValueError, match="ISO week"):
        window("2026-47")


def test_counts_per_week_topic_and_region() -> None:
    records = [
        ("2026-W47", ("regulation", "safety"), "EU"),
        ("2026-W47", ("regulation", "regulation"), None),  # a topic counts once per item
        ("2026-W46", ("funding",), "China"),
        ("2026-W30", ("funding",), "China"),  # before the window: ignored
        ("2026-W48", ("funding",), "China"),  # after it: ignored
    ]
    t = compute(WEEKS, records)
    assert t.totals == (0,) * 10 + (1, 2)
    topics = {s.name: s.counts[-2:] for s in t.topics}
    assert topics == {"regulation": (0, 2), "safety": (0, 1), "funding": (1, 0)}
    assert [s.name for s in t.topics] == ["regulation", "funding", "safety"]  # most items first
    regions = {s.label: s.counts[-2:] for s in t.regions}
    assert regions == {"EU": (0, 1), OTHER_REGION: (0, 1), "China": (1, 0)}
    assert [s.label for s in t.topics] == ["Regulation", "Funding", "Safety"]


def test_average_is_the_four_weeks_before_this_one() -> None:
    t = _trends({"regulation": [9, 9, 9, 9, 9, 9, 9, 1, 2, 3, 6, 9]})
    (s,) = t.topics
    assert (s.this_week, s.average, s.average_text, s.total) == (9, 3.0, "3", 84)


def test_number_and_percent() -> None:
    assert [number(x) for x in (3.0, 2.25, 0.75, 2.5, 0.0)] == ["3", "2.3", "0.8", "2.5", "0"]
    assert (percent(0, 9), percent(1, 900), percent(9, 9), percent(3, 9), percent(2, 0)) == (
        0,
        1,
        100,
        33,
        0,
    )


# --- what moved ----------------------------------------------------------------------------


def test_header_line_names_the_largest_rise() -> None:
    t = _trends(
        {
            "regulation": _flat(3, 9),  # +6
            "funding": _flat(1, 5),  # +4
            "standards": _flat(8, 1),  # fell
        }
    )
    assert moved_line(t) == "regulation: 9 this week, 4-week average 3"
    assert t.moved == moved_line(t)


def test_nothing_moved_below_the_threshold() -> None:
    at = _trends({"regulation": _flat(2, 2 + MOVED_MIN_RISE)})
    below = _trends({"regulation": _flat(2, 1 + MOVED_MIN_RISE)})
    assert moved_topic(at) is not None and moved_line(below) == ""


def test_fractional_average_and_ties() -> None:
    t = _trends({"funding": [0] * 7 + [1, 1, 2, 1, 6], "privacy": [0] * 7 + [2, 1, 1, 1, 6]})
    assert moved_line(t) == "funding: 6 this week, 4-week average 1.3"  # same rise: by name


def test_no_history_means_no_line() -> None:
    """A first briefing (nothing briefed in the four weeks before) has no average to rise above."""
    assert moved_line(_trends({"regulation": [0] * 11 + [12]})) == ""
    assert moved_line(compute(WEEKS, [])) == ""


# --- the briefing --------------------------------------------------------------------------


def test_briefing_header_line_in_html_text_and_markdown() -> None:
    t = _trends({"regulation": _flat(3, 9), "funding": _flat(1, 1)})
    b = replace(sample_briefing(), trends=t)
    line = "▲ regulation: 9 this week, 4-week average 3"
    html, text, md = render_html(b), render_text(b), render_markdown(b)
    assert line in html
    assert text.splitlines()[2] == line  # under the title and the dates
    assert line in md.split("**7**")[0]  # in the header, before the counts
    quiet = replace(sample_briefing(), trends=_trends({"regulation": _flat(3, 3)}))
    for rendered in (render_html(quiet), render_text(quiet), render_markdown(quiet)):
        assert "▲" not in rendered and "4-week average" not in rendered.split("Trends")[0]


def test_email_chart_is_tables_and_css_widths_only() -> None:
    b = replace(sample_briefing(), trends=sample_trends())
    html = render_html(b)
    chart = html[html.index("Trends · last 12 weeks") : html.index("Source health")]
    for banned in ("<script", "<svg", "<img", "url(", "http"):
        assert banned not in chart.lower()
    widths = [int(w) for w in re.findall(r'width="(\d+)%"', chart)]
    assert 100 in widths and all(0 < w <= 100 for w in widths)  # the busiest bar is full
    assert "W36" in chart and "W47" in chart
    assert "Regulation · 3 this week · average 0.3" in " ".join(
        re.sub("<[^>]+>", " ", chart).split()
    )
    assert "12 weeks: 0 0 1 0 0 0 1 1 0 0 0 3" in chart  # regulation's weeks, oldest first


def test_briefing_without_trends_has_no_chart() -> None:
    html = render_html(sample_briefing())
    assert "Trends · last" not in html and "▲" not in html


# --- from the store ------------------------------------------------------------------------


def _candidate(i: int, week: str, topics: tuple[str, ...], region: str | None) -> Candidate:
    """A distinct relevant item of `week` (its text shares no words with the others')."""
    words = " ".join(hashlib.sha1(f"{i}-{k}".encode()).hexdigest()[:8] for k in range(60))
    url = f"https://example.gov/{i}"
    monday = date.fromisocalendar(int(week[:4]), int(week[-2:]), 1)
    article = Article(url=url, title=f"Item {i}", text=words, published=monday)
    seen = datetime.combine(monday, datetime.min.time(), UTC)
    relevance = Relevance(0.9, True, topics, region)
    return Candidate("src", url, url, week, seen, article, fingerprint(words), relevance)


def test_briefing_trends_come_from_the_claimed_items(db_url: str) -> None:  # noqa: F811
    plan = [("2026-W43", 1), ("2026-W44", 1), ("2026-W45", 1), ("2026-W46", 1), ("2026-W47", 6)]
    store = Store.open(db_url)
    try:
        n = 0
        for week, count in plan:
            store.add([_candidate(n + k, week, ("regulation",), "EU") for k in range(count)])
            n += count
        store.add([_candidate(99, "2026-W47", ("funding", "regulation"), None)])
        for week, _count in plan:
            claim_items(store, week)
        b = build_briefing(store, "2026-W47", ())
    finally:
        store.close()
    assert b.trends is not None and b.trends.weeks == WEEKS
    assert b.trends.totals[-5:] == (1, 1, 1, 1, 7)
    assert {s.name: s.this_week for s in b.trends.topics} == {"regulation": 7, "funding": 1}
    assert {s.label: s.total for s in b.trends.regions} == {"EU": 10, OTHER_REGION: 1}
    assert b.trends.moved == "regulation: 7 this week, 4-week average 1"
    assert len(b.entries) == 7

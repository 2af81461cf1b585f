"""Clock and time zones: a run across the end of daylight saving time in POLICYWATCH_TIMEZONE
(Europe/London, the last Sunday of October: 01:00-02:00 happens twice) files items in the
right ISO weeks, and the weekly briefing schedule fires once a week, at 08:00 local time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prefect.server.schemas.schedules import CronSchedule

from flows.deployments import build_deployments, describe_schedules
from policywatch import app, briefing
from policywatch.briefing import last_complete_week, week_label, week_start
from policywatch.demo.server import SiteServer
from policywatch.pipeline import week_of
from policywatch.settings import ScheduleSettings

LONDON = ZoneInfo("Europe/London")


def dst_end(today: date | None = None) -> date:
    """The latest last Sunday of October at least three days in the past (dates further in
    the future than two days are refused as placeholders)."""
    today = today or datetime.now(UTC).date()
    for year in (today.year, today.year - 1):
        sunday = date(year, 10, 31) - timedelta(days=(date(year, 10, 31).weekday() + 1) % 7)
        if sunday + timedelta(days=3) <= today:
            return sunday
    raise AssertionError("unreachable")


def at(day: date, hour: int, minute: int, offset: str) -> str:
    """An RFC 822 pubDate, e.g. 'Sun, 25 Oct 2026 01:30:00 +0100'."""
    return f"{day:%a, %d %b %Y} {hour:02d}:{minute:02d}:00 {offset}"


def cases(sunday: date) -> dict[str, tuple[str, date]]:
    """Page -> (pubDate as the feed writes it, the day it is in London)."""
    monday_before, monday_after = sunday - timedelta(days=6), sunday + timedelta(days=1)
    return {
        "monday-0030-bst": (at(monday_before, 0, 30, "+0100"), monday_before),  # Sunday in UTC
        "sunday-0130-bst": (at(sunday, 1, 30, "+0100"), sunday),  # the first 01:30
        "sunday-0130-gmt": (at(sunday, 1, 30, "+0000"), sunday),  # the same wall time again
        "sunday-2330-gmt": (at(sunday, 23, 30, "+0000"), sunday),
        "monday-0030-gmt": (at(monday_after, 0, 30, "+0000"), monday_after),
    }


TOPICS = {  # five different AI-policy stories, so none is a near-duplicate of another
    "monday-0030-bst": "The Department for Science published a consultation on licensing "
    "frontier artificial intelligence models, asking developers about compute thresholds, "
    "incident reporting and the powers of a new regulator.",
    "sunday-0130-bst": "The competition authority opened a market study of cloud computing "
    "and foundation models, examining whether access to chips and data centres lets a few "
    "firms shut out smaller AI developers.",
    "sunday-0130-gmt": "Ministers announced a fund for AI skills in further education "
    "colleges, paying for teacher training, apprenticeships in machine learning and "
    "laboratories in regions with few technology employers.",
    "sunday-2330-gmt": "The information commissioner issued guidance on generative AI and "
    "personal data, telling companies how to document a lawful basis when they train models "
    "on material collected from public websites.",
    "monday-0030-gmt": "Parliament's science committee called for statutory duties on "
    "public bodies that use algorithmic decision systems, including impact assessments and "
    "a register of tools used for benefits and policing.",
}


def write_site(root: Path, sunday: date) -> None:
    """One site: an RSS feed of the five pages, and pages that state no date of their own."""
    site = root / "dst"
    site.mkdir(parents=True)
    items = "".join(
        f"<item><title>Item {name}</title><link>{{{{BASE:dst}}}}/story-{name}.html</link>"
        f"<guid>{name}</guid><pubDate>{stamp}</pubDate></item>"
        for name, (stamp, _day) in cases(sunday).items()
    )
    (site / "rss.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Clock</title>{items}'
        "</channel></rss>",
        encoding="utf-8",
    )
    for name, text in TOPICS.items():
        body = " ".join([text] * 3)
        (site / f"story-{name}.html").write_text(
            f"<html><head><title>Item {name}</title></head><body><article><h1>Item {name}</h1>"
            f"<p>{body}</p><p>{text} Officials will publish the responses to the "
            f"consultation and a policy statement on artificial intelligence regulation.</p>"
            "</article></body></html>",
            encoding="utf-8",
        )


@pytest.fixture(scope="module")
def dst_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SiteServer, date]]:
    sunday = dst_end()
    root = tmp_path_factory.mktemp("dst-site")
    write_site(root, sunday)
    with SiteServer(root, first_ip=95) as server:
        yield server, sunday


@pytest.mark.parametrize("zone", ["Europe/London", "UTC"])
def test_ingest_across_the_dst_change_files_items_in_the_local_iso_week(
    zone: str, dst_site: tuple[SiteServer, date], pw_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, sunday = dst_site
    url = server.url("dst", "rss.xml")
    (pw_env / "sources.yaml").write_text(
        "fetch: {delay: 0, timeout: 5, retries: 0, respect_robots: false}\n"
        f'sources:\n  - {{id: clock, name: Clock, kind: feed, url: "{url}"}}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("POLICYWATCH_TIMEZONE", zone)
    ctx = app.load_context()
    try:
        app.ingest(ctx)
        rows = {r["url"].rsplit("story-", 1)[-1][:-5]: r for r in ctx.store.export()}
        # oldest first, as the weekly runs would (a later week claims an earlier one's late finds)
        weeks = {w: app.brief(ctx, w) for w in sorted({r["week"] for r in rows.values()})}
    finally:
        ctx.close()
    assert set(rows) == set(TOPICS)
    for name, (stamp, london_day) in cases(sunday).items():
        utc_day = datetime.strptime(stamp, "%a, %d %b %Y %H:%M:%S %z").astimezone(UTC).date()
        day = london_day if zone == "Europe/London" else utc_day
        assert rows[name]["published"] == day.isoformat(), (name, rows[name]["published"])
        assert rows[name]["week"] == week_label(day), name
    change_week = week_label(sunday)
    assert rows["monday-0030-bst"]["week"] == (
        change_week if zone == "Europe/London" else week_label(sunday - timedelta(days=7))
    )
    for week, outcome in weeks.items():  # each new item briefed in its own week, once
        briefed = {e.url.rsplit("story-", 1)[-1][:-5] for e in outcome.briefing.entries}
        new = {n for n, r in rows.items() if r["week"] == week and r["status"] == "new"}
        assert briefed == new, week


def test_first_sighting_and_week_boundaries_are_local_across_the_change() -> None:
    sunday = dst_end()
    zone = "Europe/London"
    monday_before = datetime.combine(sunday - timedelta(days=6), datetime.min.time(), LONDON)
    monday_after = datetime.combine(sunday + timedelta(days=1), datetime.min.time(), LONDON)
    change, next_week = week_label(sunday), week_label(sunday + timedelta(days=1))
    # Monday 00:00 is 23:00 UTC the day before while summer time lasts, 00:00 UTC after it.
    assert week_start(change, zone) == monday_before.astimezone(UTC)
    assert week_start(change, zone).hour == 23
    assert week_start(next_week, zone) == monday_after.astimezone(UTC)
    assert week_start(next_week, zone).hour == 0
    first_0130 = datetime.combine(sunday, datetime.min.time(), UTC) + timedelta(minutes=30)
    for seen, week in [
        (monday_before.astimezone(UTC) + timedelta(minutes=30), change),  # Sunday in UTC
        (first_0130, change),  # 01:30 BST
        (first_0130 + timedelta(hours=1), change),  # 01:30 GMT, the hour repeated
        (monday_after.astimezone(UTC) - timedelta(minutes=30), change),  # Sunday 23:30 GMT
        (monday_after.astimezone(UTC) + timedelta(minutes=30), next_week),
    ]:
        assert week_of(None, seen, zone) == week, seen
    before = week_label(sunday - timedelta(days=7))
    assert last_complete_week(zone, monday_before.astimezone(UTC) + timedelta(hours=8)) == before
    assert last_complete_week(zone, monday_after.astimezone(UTC) - timedelta(minutes=1)) == before
    assert last_complete_week(zone, monday_after.astimezone(UTC) + timedelta(hours=8)) == change


def fire_times(cron: str, start: datetime, end: datetime, zone: str = "Europe/London") -> list:
    """When the Prefect server would run a deployment with this schedule (no waiting)."""
    schedule = CronSchedule(cron=cron, timezone=zone)
    return list(asyncio.run(schedule.get_dates(n=100, start=start, end=end)))


def test_weekly_briefing_fires_once_a_week_at_eight_local_across_the_change() -> None:
    sunday = dst_end()
    settings = ScheduleSettings(timezone="Europe/London")
    deployment = {d.name: d for d in build_deployments(settings)}["weekly_briefing"]
    cron = deployment.schedules[0].schedule
    assert (cron.cron, cron.timezone) == ("0 8 * * 1", "Europe/London")
    start = datetime.combine(sunday - timedelta(days=7), datetime.min.time(), UTC)
    fired = fire_times(cron.cron, start, start + timedelta(days=21))
    local = [f.astimezone(LONDON) for f in fired]
    assert [(t.date(), t.hour, t.minute) for t in local] == [
        (sunday + timedelta(days=d), 8, 0) for d in (-6, 1, 8)
    ]
    assert [f.astimezone(UTC).hour for f in fired] == [7, 8, 8]  # BST, then GMT
    # each run briefs the week before it: consecutive weeks, each once
    briefed = [briefing.last_complete_week("Europe/London", f) for f in fired]
    assert briefed == [week_label(sunday + timedelta(days=d)) for d in (-13, -6, 1)]
    assert len(set(briefed)) == 3
    monday = datetime.combine(sunday, datetime.min.time(), UTC) + timedelta(hours=2)
    lines = describe_schedules(settings, now=monday)
    assert f"next: {sunday + timedelta(days=1):%Y-%m-%d} 08:00 GMT" in lines[-2]


def test_schedules_in_the_repeated_hour_fire_once() -> None:
    """01:30 happens twice on the day summer time ends: a schedule for it runs once, and the
    six-hourly ingest runs four times that local day."""
    sunday = dst_end()
    start = datetime.combine(sunday - timedelta(days=1), datetime.min.time(), UTC)
    end = start + timedelta(days=2)
    repeated = [
        f for f in fire_times("30 1 * * 0", start, end) if f.astimezone(LONDON).date() == sunday
    ]
    assert len(repeated) == 1
    ingest = [
        f for f in fire_times("0 */6 * * *", start, end) if f.astimezone(LONDON).date() == sunday
    ]
    assert [f.astimezone(LONDON).hour for f in ingest] == [0, 6, 12, 18]

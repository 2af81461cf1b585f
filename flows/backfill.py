"""The `backfill` flow: ingest a past date range, then archive (and maybe mail) its weeks.

Discovery follows listing pagination and sitemap indexes when a window is set, and only items
published in the range are stored; the store's write lock and unique URLs make a backfill
safe to repeat and to run alongside the scheduled ingest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.ingest import ingest
from policywatch import app, briefing
from policywatch.errors import ConfigError


@dataclass(frozen=True)
class BackfillPlan:
    """What a backfill covers: the inclusive date range and the ISO weeks to brief."""

    since: date
    until: date
    weeks: tuple[str, ...]
    skipped: tuple[str, ...] = ()  # weeks in range that have not ended yet


def plan(
    since: date, until: date | None = None, timezone: str = "UTC", now: datetime | None = None
) -> BackfillPlan:
    """Validate the range (until defaults to today) and list its complete ISO weeks.

    A week still running is ingested but not briefed: its briefing belongs to the schedule.
    """
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()
    if since > today:
        raise ConfigError(f"backfill: since {since} is in the future (today is {today})")
    until = until or today
    if since > until:
        raise ConfigError(f"backfill: since {since} is after until {until}")
    weeks = briefing.weeks_between(since, until)
    done = tuple(w for w in weeks if briefing.parse_week(w)[1] < today)
    return BackfillPlan(since, until, done, tuple(w for w in weeks if w not in done))


def brief_weeks(ctx: app.Context, weeks: tuple[str, ...], *, send: bool) -> list[app.BriefOutcome]:
    """Render and archive each week, oldest first (so each week claims its own items)."""
    return [app.brief(ctx, week, send=send) for week in weeks]


def summary_markdown(chosen: BackfillPlan, outcomes: list[app.BriefOutcome]) -> str:
    """The backfill's briefing table (logged and published as an artifact)."""
    lines = [
        f"Backfill {chosen.since} .. {chosen.until}",
        "",
        "| week | new items | sent | note |",
        "|---|---:|---|---|",
    ]
    for o in outcomes:
        note = o.note.replace("|", "\\|")
        lines.append(f"| {o.briefing.week} | {o.briefing.new_count} | {o.sent} | {note} |")
    if chosen.skipped:
        lines.append(f"\nNot briefed (week not over yet): {', '.join(chosen.skipped)}")
    return "\n".join(lines)


@flow(name="backfill")
def backfill(
    since: date,
    until: date | None = None,
    sources: list[str] | None = None,
    send: bool = False,
) -> dict[str, Any]:
    """Ingest items published in [since, until] and archive the briefing of each week."""
    ctx = app.load_context()
    try:
        chosen = plan(since, until, ctx.settings.timezone)
        results = ingest(sources=sources, since=chosen.since, until=chosen.until)
        outcomes = brief_weeks(ctx, chosen.weeks, send=send)
    finally:
        ctx.close()
    summary = summary_markdown(chosen, outcomes)
    get_run_logger().info("%s", summary)
    create_markdown_artifact(markdown=summary, key="backfill-summary", description="backfill")
    return {
        "since": chosen.since.isoformat(),
        "until": chosen.until.isoformat(),
        "new_items": sum(r.new for r in results),
        "weeks": {o.briefing.week: o.briefing.new_count for o in outcomes},
        "results": results,
    }

"""Deployments of the three flows, with cron schedules in an explicit timezone.

`prefect.schedules.Cron(..., timezone=...)` is used on purpose: the `cron=` shorthand of
`to_deployment` silently means UTC. Environment (all optional):

- POLICYWATCH_TIMEZONE        IANA zone of both schedules (default UTC)
- POLICYWATCH_INGEST_CRON     ingest schedule (default every 6 hours: "0 */6 * * *")
- POLICYWATCH_BRIEFING_CRON   weekly briefing schedule (default Monday 08:00: "0 8 * * 1")
- POLICYWATCH_INGEST_SPLIT    comma-separated source tags: one `ingest-<tag>` deployment per
                              tag, and `ingest` takes the sources with none of these tags
prefect.yaml declares the same deployments for a process work pool (`prefect deploy --all`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from cronsim import CronSim
from prefect import Flow
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Schedule

from flows.backfill import backfill
from flows.briefing import weekly_briefing
from flows.ingest import ingest
from policywatch.errors import ConfigError
from policywatch.settings import (
    ScheduleSettings,
    check_timezone,
    schedules_from_env,
)


def schedule_settings(environ: Mapping[str, str] | None = None) -> ScheduleSettings:
    """The schedules of the one settings model (policywatch.settings), validated there."""
    return schedules_from_env(environ)


def cron_schedule(expression: str, timezone: str, variable: str) -> Schedule:
    """A Cron schedule in `timezone`; ConfigError naming the variable when either is invalid."""
    check_timezone(timezone)
    try:
        return Cron(expression, timezone=timezone)
    except ValueError:
        raise ConfigError(
            f"environment {variable}: {expression!r} is not a cron expression "
            "(five fields, e.g. '0 */6 * * *')"
        ) from None


def describe_schedules(
    settings: ScheduleSettings | None = None, now: datetime | None = None
) -> list[str]:
    """One line per scheduled deployment: its cron, timezone and next run (for `serve`)."""
    settings = settings or schedule_settings()
    zone = ZoneInfo(settings.timezone)
    start = (now or datetime.now(UTC)).astimezone(zone)
    names = [d.name for d in ingest_deployments(settings)]
    rows = [(name, settings.ingest_cron) for name in names]
    rows.append(("weekly_briefing", settings.briefing_cron))
    lines = []
    for name, expression in rows:
        upcoming = next(iter(CronSim(expression, start)))
        lines.append(
            f"  {name:18} {expression:14} {settings.timezone}  next: {upcoming:%Y-%m-%d %H:%M %Z}"
        )
    lines.append("  backfill           (no schedule: run it with --param since=YYYY-MM-DD)")
    return lines


def build_deployments(settings: ScheduleSettings | None = None) -> list[RunnerDeployment]:
    """`ingest` (or ingest-<tag> ones), `weekly_briefing` and the unscheduled `backfill`."""
    settings = settings or schedule_settings()
    return [
        *ingest_deployments(settings),
        _deployment(
            weekly_briefing,
            "weekly_briefing",
            cron_schedule(settings.briefing_cron, settings.timezone, "POLICYWATCH_BRIEFING_CRON"),
            "Render, archive and mail last week's briefing (at most once per week).",
        ),
        _deployment(
            backfill,
            "backfill",
            None,
            "Ingest a past date range and archive its weekly briefings; run it with "
            "--param since=YYYY-MM-DD [--param until=...] [--param send=true].",
        ),
    ]


def ingest_deployments(settings: ScheduleSettings) -> list[RunnerDeployment]:
    """One `ingest` deployment, or one per split tag plus `ingest` for the remaining sources."""
    schedule = cron_schedule(settings.ingest_cron, settings.timezone, "POLICYWATCH_INGEST_CRON")
    about = "Fetch every enabled source and store new articles."
    if not settings.split_tags:
        return [_deployment(ingest, "ingest", schedule, about)]
    split = list(settings.split_tags)
    per_tag = [
        _deployment(
            ingest, f"ingest-{tag}", schedule, f"Ingest sources tagged {tag!r}.", tags=[tag]
        )
        for tag in split
    ]
    rest = _deployment(
        ingest,
        "ingest",
        schedule,
        f"Ingest sources with none of the tags {split}.",
        exclude_tags=split,
    )
    return [*per_tag, rest]


def _deployment(
    flow_obj: Flow[Any, Any],
    name: str,
    schedule: Schedule | None,
    description: str,
    **parameters: object,
) -> RunnerDeployment:
    """A deployment by module path (works wherever the package is installed), never paused."""
    deployment = flow_obj.to_deployment(
        name=name,
        schedules=[schedule] if schedule else None,
        parameters=dict(parameters),
        description=description,
        tags=["policywatch"],
        paused=False,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return cast(RunnerDeployment, deployment)  # to_deployment is sync outside an event loop

"""Deployments built in code (no server): schedules, timezones, split by tag, and prefect.yaml
declaring the same deployments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.deployments import build_deployments, schedule_settings
from flows.ingest import select_sources
from policywatch.config import SourcesFile
from policywatch.errors import ConfigError
from policywatch.settings import DEFAULT_BRIEFING_CRON, DEFAULT_INGEST_CRON, ScheduleSettings

REPO = Path(__file__).resolve().parent.parent


def by_name(settings: ScheduleSettings | None = None) -> dict[str, Any]:
    return {d.name: d for d in build_deployments(settings or ScheduleSettings())}


def cron_of(deployment: Any) -> list[tuple[str, str]]:
    return [(s.schedule.cron, s.schedule.timezone) for s in deployment.schedules]


def test_defaults_every_six_hours_and_monday_eight_utc() -> None:
    deployments = by_name(schedule_settings({}))
    assert set(deployments) == {"ingest", "weekly_briefing", "backfill"}
    assert cron_of(deployments["ingest"]) == [("0 */6 * * *", "UTC")]
    assert cron_of(deployments["weekly_briefing"]) == [("0 8 * * 1", "UTC")]
    assert deployments["backfill"].schedules == []
    assert all(d.paused is False for d in deployments.values())


def test_schedules_and_timezone_from_environment() -> None:
    env = {
        "POLICYWATCH_TIMEZONE": "Asia/Shanghai",
        "POLICYWATCH_INGEST_CRON": "15 7-19/3 * * 1-5",
        "POLICYWATCH_BRIEFING_CRON": "30 9 * * 1",
    }
    deployments = by_name(schedule_settings(env))
    assert cron_of(deployments["ingest"]) == [("15 7-19/3 * * 1-5", "Asia/Shanghai")]
    assert cron_of(deployments["weekly_briefing"]) == [("30 9 * * 1", "Asia/Shanghai")]


def test_briefing_fires_at_eight_local_time() -> None:
    """The timezone is the schedule's own (the `cron=` shorthand would have meant UTC)."""
    import asyncio

    from prefect.server.schemas.schedules import CronSchedule

    deployment = by_name(ScheduleSettings(timezone="Asia/Shanghai"))["weekly_briefing"]
    schedule = deployment.schedules[0].schedule
    server_side = CronSchedule(cron=schedule.cron, timezone=schedule.timezone)
    dates = asyncio.run(server_side.get_dates(n=2, start=datetime(2026, 3, 4, tzinfo=UTC)))
    assert [d.astimezone(UTC).isoformat() for d in dates] == [
        "2026-03-09T00:00:00+00:00",  # Monday 08:00 in Shanghai
        "2026-03-16T00:00:00+00:00",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"POLICYWATCH_INGEST_CRON": "every six hours"}, "POLICYWATCH_INGEST_CRON"),
        ({"POLICYWATCH_BRIEFING_CRON": "0 8 * *"}, "POLICYWATCH_BRIEFING_CRON"),
        ({"POLICYWATCH_TIMEZONE": "Mars/Olympus"}, "POLICYWATCH_TIMEZONE"),
        ({"POLICYWATCH_INGEST_SPLIT": "cn, E U"}, "POLICYWATCH_INGEST_SPLIT"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        schedule_settings(env)


def test_backfill_deployment_requires_since() -> None:
    backfill = by_name()["backfill"]
    schema = backfill._parameter_openapi_schema
    assert schema.required == ["since"]
    assert set(schema.properties) == {"since", "until", "sources", "send"}


def test_deployments_load_flows_by_module_path() -> None:
    entrypoints = {name: d.entrypoint for name, d in by_name().items()}
    assert entrypoints == {
        "ingest": "flows.ingest.ingest",
        "weekly_briefing": "flows.briefing.weekly_briefing",
        "backfill": "flows.backfill.backfill",
    }


def test_split_by_tag_partitions_the_sources() -> None:
    deployments = by_name(schedule_settings({"POLICYWATCH_INGEST_SPLIT": "cn,eu,cn"}))
    assert list(deployments) == ["ingest-cn", "ingest-eu", "ingest", "weekly_briefing", "backfill"]
    assert deployments["ingest-cn"].parameters == {"tags": ["cn"]}
    assert deployments["ingest"].parameters == {"exclude_tags": ["cn", "eu"]}
    assert all(
        cron_of(deployments[n]) == [(DEFAULT_INGEST_CRON, "UTC")]
        for n in ("ingest-cn", "ingest-eu", "ingest")
    )
    tagged = {"a": ["cn"], "b": ["eu"], "c": [], "d": ["x"]}
    cfg = SourcesFile.model_validate(
        {
            "sources": [
                {"id": i, "name": i, "kind": "feed", "url": f"http://{i}.example/f", "tags": t}
                for i, t in tagged.items()
            ]
        }
    )
    groups = [
        [s.id for s in select_sources(cfg, None, **deployments[name].parameters)]
        for name in ("ingest-cn", "ingest-eu", "ingest")
    ]
    assert groups == [["a"], ["b"], ["c", "d"]]


def test_prefect_yaml_declares_the_same_deployments() -> None:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    declared = {d["name"]: d for d in config["deployments"]}
    built = by_name(schedule_settings({}))
    assert set(declared) == set(built)
    for name, deployment in built.items():
        entry = declared[name]
        assert entry["entrypoint"] == deployment.entrypoint
        assert entry["work_pool"]["name"] == "policywatch"
        yaml_cron = [(s["cron"], s["timezone"]) for s in entry["schedules"]]
        assert yaml_cron == cron_of(deployment), name
    assert cron_of(built["weekly_briefing"]) == [(DEFAULT_BRIEFING_CRON, "UTC")]


def test_serve_lists_schedules_with_next_runs_in_the_local_zone() -> None:
    from datetime import UTC, datetime

    from flows.deployments import describe_schedules, schedule_settings

    settings = schedule_settings({"POLICYWATCH_TIMEZONE": "Asia/Shanghai"})
    # Sunday 2026-11-22 23:30 UTC is Monday 07:30 in Shanghai.
    lines = describe_schedules(settings, now=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    weekly = next(line for line in lines if "weekly_briefing" in line)
    ingest_line = next(line for line in lines if line.strip().startswith("ingest"))
    assert "next: 2026-11-23 08:00 CST" in weekly
    assert "next: 2026-11-23 12:00 CST" in ingest_line
    assert any("backfill" in line and "no schedule" in line for line in lines)

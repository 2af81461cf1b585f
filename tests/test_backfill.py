"""Backfill over the delta site: exactly the items of the range, one archived briefing per week,
idempotent, and safe while a scheduled ingest runs at the same time."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from delta_site import (
    EXPECTED_IN_RANGE,
    OFF_TOPIC,
    PAGE_ONE,
    SINCE_OFFSET,
    UNTIL_OFFSET,
    key,
    week,
    write_sources,
)
from typer.testing import CliRunner

from flows.backfill import BackfillPlan, brief_weeks, plan
from policywatch import app, briefing
from policywatch.demo.server import SiteServer
from policywatch.errors import ConfigError
from policywatch.models import SourceResult
from policywatch.pipeline import Window


def run_backfill(anchor: date, *, send: bool = False) -> tuple[list[SourceResult], list[Any]]:
    """What the backfill flow does, without Prefect: windowed ingest, then brief each week."""
    ctx = app.load_context()
    try:
        chosen = plan(anchor + timedelta(SINCE_OFFSET), anchor + timedelta(UNTIL_OFFSET))
        results = app.ingest(ctx, window=Window(chosen.since, chosen.until))
        return results, brief_weeks(ctx, chosen.weeks, send=send)
    finally:
        ctx.close()


def stored() -> dict[str, dict[str, Any]]:
    ctx = app.load_context()
    try:
        rows = ctx.store.export()
    finally:
        ctx.close()
    by_key = {key(r["url"]): r for r in rows}
    assert len(by_key) == len(rows), "a URL was stored twice"
    return by_key


@pytest.fixture()
def delta(sites: SiteServer, pw_env: Path) -> date:
    write_sources(sites, pw_env / "sources.yaml")
    return sites.anchor


def test_backfill_stores_exactly_the_range(delta: date) -> None:
    results, _ = run_backfill(delta)
    assert all(r.error is None for r in results), results
    rows = stored()
    assert set(rows) == set(EXPECTED_IN_RANGE)
    for name, offset in EXPECTED_IN_RANGE.items():
        assert rows[name]["published"] == (delta + timedelta(offset)).isoformat(), name
        assert rows[name]["week"] == week(delta, offset)
        assert rows[name]["status"] == ("off_topic" if name in OFF_TOPIC else "new"), name


def test_backfill_follows_every_listing_page(delta: date, sites: SiteServer) -> None:
    before = {p: sites.hit_count("delta", f"/news/{p}") for p in ("", "page-2.html", "page-3.html")}
    run_backfill(delta)
    after = {p: sites.hit_count("delta", f"/news/{p}") for p in before}
    assert all(after[p] == before[p] + 1 for p in before), (before, after)
    # out-of-range sitemap entries are filtered by lastmod, before any fetch
    assert sites.hit_count("delta", "/speeches/speech-digital-skills-week.html") == 0


def test_one_archived_briefing_per_week(delta: date, pw_env: Path) -> None:
    _, outcomes = run_backfill(delta)
    weeks = [week(delta, d) for d in (-19, -12, -5)]
    assert [o.briefing.week for o in outcomes] == weeks
    archived = sorted(p.stem for p in (pw_env / "reports").glob("20*-W*.html"))
    assert archived == weeks
    for o in outcomes:
        expected = {
            n for n, d in EXPECTED_IN_RANGE.items() if week(delta, d) == o.briefing.week
        } - OFF_TOPIC
        assert {key(e.url) for e in o.briefing.entries} == expected, o.briefing.week
        sidecar = json.loads((pw_env / "reports" / f"{o.briefing.week}.json").read_text())
        assert sidecar["new_count"] == len(expected)
        assert not o.sent and o.eml is None
    assert outcomes[1].briefing.off_topic_filtered == 1


def test_backfill_twice_changes_nothing(delta: date, pw_env: Path) -> None:
    _, first = run_backfill(delta)
    rows = stored()
    again, second = run_backfill(delta)
    assert sum(r.new for r in again) == 0
    assert stored() == rows
    assert [[e.item_id for e in o.briefing.entries] for o in second] == [
        [e.item_id for e in o.briefing.entries] for o in first
    ]


def test_send_mails_each_week_once(delta: date, pw_env: Path) -> None:
    _, first = run_backfill(delta, send=True)
    assert all(o.sent and o.eml is not None for o in first)
    emls = {p.name: p.stat().st_mtime_ns for p in (pw_env / "reports").glob("*.eml")}
    assert len(emls) == 3
    _, second = run_backfill(delta, send=True)
    assert not any(o.sent for o in second)
    assert all("already sent" in o.note for o in second)
    assert {p.name: p.stat().st_mtime_ns for p in (pw_env / "reports").glob("*.eml")} == emls
    ctx = app.load_context()
    try:
        assert [row["status"] for row in briefing.ledger(ctx.store)] == ["sent"] * 3
    finally:
        ctx.close()


def test_backfill_during_scheduled_ingest_duplicates_nothing(delta: date) -> None:
    """A scheduled ingest (page 1, whole sitemap) and a backfill at once, on one store."""
    errors: list[BaseException] = []

    def scheduled() -> None:
        ctx = app.load_context()
        try:
            app.ingest(ctx)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            ctx.close()

    thread = threading.Thread(target=scheduled)
    thread.start()
    run_backfill(delta)
    thread.join(120)
    assert not errors and not thread.is_alive()
    rows = stored()
    sitemap_all = {
        "speeches/ai-standards-summit-keynote.html",
        "speeches/speech-digital-skills-week.html",
    }
    assert set(rows) == set(EXPECTED_IN_RANGE) | set(PAGE_ONE) | sitemap_all
    assert [r["status"] for r in rows.values()].count("duplicate") == 0


def test_plan_briefs_only_weeks_that_are_over() -> None:
    now = datetime(2026, 3, 11, 12, tzinfo=UTC)  # a Wednesday, 2026-W11
    chosen = plan(date(2026, 2, 25), None, "UTC", now)
    assert chosen == BackfillPlan(
        date(2026, 2, 25), date(2026, 3, 11), ("2026-W09", "2026-W10"), ("2026-W11",)
    )
    sunday_night = datetime(2026, 3, 8, 20, tzinfo=UTC)  # already Monday in Shanghai
    assert plan(date(2026, 3, 2), None, "Asia/Shanghai", sunday_night).weeks == ("2026-W10",)
    assert plan(date(2026, 3, 2), None, "UTC", sunday_night).weeks == ()


def test_plan_rejects_bad_ranges() -> None:
    now = datetime(2026, 3, 11, 12, tzinfo=UTC)
    with pytest.raises(ConfigError, match="after until"):
        plan(date(2026, 3, 1), date(2026, 2, 1), "UTC", now)
    with pytest.raises(ConfigError, match="in the future"):
        plan(date(2026, 4, 1), None, "UTC", now)


@pytest.mark.prefect
def test_backfill_command_runs_the_flow(delta: date, pw_env: Path, prefect_api: None) -> None:
    from policywatch.cli import app as cli

    since, until = delta + timedelta(SINCE_OFFSET), delta + timedelta(UNTIL_OFFSET)
    args = ["backfill", "--since", str(since), "--until", str(until), "--no-send"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"{week(delta, -12)}: 3 new items" in result.output
    assert set(stored()) == set(EXPECTED_IN_RANGE)
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and ": 0 new" in again.output.splitlines()[-1]
    assert len(list((pw_env / "reports").glob("20*-W*.html"))) == 3


def test_backfill_command_rejects_reversed_range(pw_env: Path) -> None:
    from policywatch.cli import app as cli

    result = CliRunner().invoke(cli, ["backfill", "--since", "2026-03-01", "--until", "2026-02-01"])
    assert isinstance(result.exception, ConfigError)

"""The real `policywatch` command: exports, briefing, exactly-once send, and the Prefect flow."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_ingest import write_sources

from policywatch import app
from policywatch.briefing import week_label
from policywatch.demo.server import SiteServer

CLI = [sys.executable, "-m", "policywatch.cli"]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=300, env=env or dict(os.environ)
    )


@pytest.fixture()
def stored(sites: SiteServer, pw_env: Path) -> Path:
    write_sources(sites, pw_env / "sources.yaml")
    ctx = app.load_context()
    try:
        app.ingest(ctx)
    finally:
        ctx.close()
    return pw_env


def test_items_json_is_one_array_with_the_fields(stored: Path) -> None:
    result = run_cli("items", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and rows
    for key in ("url", "source", "title", "published", "first_seen", "language", "text", "status"):
        assert key in rows[0]
    statuses = {r["status"] for r in rows}
    assert {"new", "failed", "off_topic"} <= statuses


def test_items_jsonl_csv_and_week_filter(stored: Path, sites: SiteServer) -> None:
    week = week_label(sites.anchor)
    jsonl = run_cli("items", "--format", "jsonl", "--week", week, "--explain")
    lines = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert lines and all(row["week"] == week for row in lines)
    assert any(row["explain"] for row in lines)
    table = run_cli("items", "--format", "csv", "--no-text")
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert rows and "text" not in rows[0] and "status" in rows[0]


def test_bad_week_is_a_one_line_error(stored: Path) -> None:
    result = run_cli("items", "--week", "last-week")
    assert result.returncode == 2
    assert "expected ISO week like 2026-W47" in result.stderr
    assert "Traceback" not in result.stderr


def test_week_in_any_case_is_one_week_and_bad_grouping_fails_first(
    stored: Path, sites: SiteServer
) -> None:
    """2026-w47 is 2026-W47 (claims, archive and ledger are keyed by the canonical label), and
    `run --group-by` with a typo fails before the ingest, not after it."""
    week = week_label(sites.anchor)
    lower = run_cli("brief", "--week", week.lower())
    assert lower.returncode == 0, lower.stderr
    upper = run_cli("brief", "--week", week)
    assert (
        lower.stderr.splitlines()[0].split(" -> ")[0]
        == upper.stderr.splitlines()[0].split(" -> ")[0]
    )
    assert lower.stderr.startswith(f"{week}: ")
    assert sorted(p.name for p in (stored / "reports").glob("*.html")) == [
        f"{week}.html",
        "index.html",
        "search.html",
        "trends.html",
    ]
    bad = run_cli("run", "--group-by", "regoin", "--no-send")
    assert bad.returncode == 2 and "'regoin' is not one of" in bad.stderr, bad.stderr
    assert "sources" not in bad.stderr, "the ingest must not have run"


def test_brief_sends_once_then_refuses(stored: Path, sites: SiteServer, smtp_server) -> None:  # type: ignore[no-untyped-def]
    week = week_label(sites.anchor)
    env = dict(
        os.environ,
        POLICYWATCH_SMTP_HOST=smtp_server.host,
        POLICYWATCH_SMTP_PORT=str(smtp_server.port),
        POLICYWATCH_SMTP_SECURITY="none",
        POLICYWATCH_MAIL_TO="analyst@example.org",
    )
    first = run_cli("brief", "--week", week, "--send", env=env)
    assert first.returncode == 0, first.stderr
    second = run_cli("brief", "--week", week, "--send", env=env)
    assert "already sent" in second.stderr
    assert len(smtp_server.messages) == 1
    msg = smtp_server.messages[0]
    assert msg.get_content_type() == "multipart/alternative"
    html = msg.get_body(("html",)).get_content()
    assert "Ministry publishes draft rules on generative AI labelling" in html
    assert "Home side wins derby" not in html, "off-topic sports item must not be briefed"
    assert "农村供水" not in html, "non-AI policy must not be briefed"
    reports = stored / "reports"
    assert (reports / f"{week}.html").exists() and (reports / "index.html").exists()
    assert (reports / "feed.xml").exists()


def test_every_new_item_in_exactly_one_week(stored: Path, sites: SiteServer) -> None:
    from datetime import timedelta

    ctx = app.load_context()
    try:
        weeks = [week_label(sites.anchor + timedelta(days=7 * k)) for k in (-1, 0, 1)]
        seen: list[int] = []
        for week in weeks:
            outcome = app.brief(ctx, week)
            seen.extend(e.item_id for e in outcome.briefing.entries)
        rows = [r for r in ctx.store.export() if r["status"] == "new"]
    finally:
        ctx.close()
    recent = [r["id"] for r in rows if r["week"] >= weeks[0]]
    stale = [r["id"] for r in rows if r["week"] < weeks[0]]
    assert len(seen) == len(set(seen)), "no item in two briefings"
    assert sorted(seen) == sorted(recent), "every recent new item in exactly one briefing"
    assert stale and not set(stale) & set(seen), "a 2019 find is left to backfills (LATE_WEEKS)"


@pytest.mark.prefect
def test_ingest_flow_under_prefect(sites: SiteServer, pw_env: Path, prefect_api: None) -> None:
    from flows.ingest import ingest

    write_sources(sites, pw_env / "sources.yaml")
    results = ingest()
    by_id = {r.source_id: r for r in results}
    assert by_id["alpha"].new >= 2 and by_id["broken"].error
    ctx = app.load_context()
    try:
        assert len(ctx.store.export()) >= 8
    finally:
        ctx.close()


@pytest.mark.prefect
def test_cli_ingest_reports_to_prefect_before_its_fast_exit(
    sites: SiteServer, pw_env: Path, prefect_api: None
) -> None:
    """The CLI skips the interpreter's teardown (os._exit after the exit handlers): the flow
    run's final state, its logs and its artifact must still reach the Prefect API."""
    import httpx
    from prefect.settings import PREFECT_API_URL

    write_sources(sites, pw_env / "sources.yaml")
    api = str(PREFECT_API_URL.value())
    levels = {"POLICYWATCH_LOG_LEVEL": "INFO", "PREFECT_LOGGING_LEVEL": "INFO"}
    result = run_cli("ingest", env=dict(os.environ, PREFECT_API_URL=api, **levels))
    assert result.returncode == 0, result.stderr
    newest = {"sort": "START_TIME_DESC", "limit": 1}
    flow_run = httpx.post(f"{api}/flow_runs/filter", json=newest, timeout=30).json()[0]
    assert flow_run["state_type"] == "COMPLETED" and flow_run["end_time"]
    runs = {"flow_run_id": {"any_": [flow_run["id"]]}}
    logs = httpx.post(f"{api}/logs/filter", json={"logs": runs}, timeout=30).json()
    messages = [log["message"] for log in logs]
    assert any(m.startswith("ingest summary") for m in messages), messages
    assert messages[-1].startswith("Finished in state Completed"), messages
    artifacts = httpx.post(f"{api}/artifacts/filter", json={"artifacts": runs}, timeout=30).json()
    assert [a["key"] for a in artifacts] == ["ingest-summary"]


def test_week_starts_at_local_midnight() -> None:
    from datetime import UTC, datetime

    from policywatch.briefing import week_start

    assert week_start("2026-W47", "UTC") == datetime(2026, 11, 16, tzinfo=UTC)
    # Monday 00:00 in Shanghai is Sunday 16:00 UTC.
    assert week_start("2026-W47", "Asia/Shanghai") == datetime(2026, 11, 15, 16, tzinfo=UTC)


def test_closed_stdout_is_quiet_and_a_full_disk_is_a_failure(pw_env: Path, tmp_path: Path) -> None:
    """A reader that went away (`| head`) ends the command without a traceback; a failed write
    (disk full) is a non-zero exit, never a silent success, although the CLI leaves through
    os._exit after its own final flush."""
    sources = tmp_path / "many.yaml"
    rows = [
        f"  - {{id: s{i}, name: S{i}, kind: feed, url: 'https://example.org/{i}.xml'}}"
        for i in range(3000)
    ]
    sources.write_text("sources:\n" + "\n".join(rows) + "\n", encoding="utf-8")
    env = dict(os.environ, POLICYWATCH_SOURCES=str(sources))
    reader_gone = subprocess.Popen(
        [*CLI, "sources", "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert reader_gone.stdout is not None and reader_gone.stderr is not None
    reader_gone.stdout.close()
    stderr = reader_gone.stderr.read().decode()
    assert reader_gone.wait(timeout=120) == 1
    assert "Traceback" not in stderr, stderr
    with open("/dev/full", "w") as full:  # every write fails: ENOSPC
        disk_full = subprocess.run(
            [*CLI, "sources", "list"], stdout=full, stderr=subprocess.PIPE, env=env, timeout=120
        )
    assert disk_full.returncode != 0, "lost output must not look like success"
    ok = run_cli("sources", "list", env=env)
    assert ok.returncode == 0 and ok.stdout.count("\n") == 3000, ok.stderr


def test_command_line_runs_have_no_heartbeat_thread_unless_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command-line flow run starts no heartbeat thread (its join cost 0.5 s a run); a
    user who sets Prefect's heartbeat variable keeps it."""
    from prefect.settings import get_current_settings

    from policywatch.cli import without_heartbeats

    for name in ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY"):
        monkeypatch.delenv(name, raising=False)
    assert get_current_settings().flows.heartbeat_frequency is not None  # Prefect's default
    with without_heartbeats():
        assert get_current_settings().flows.heartbeat_frequency is None
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "60")
    with without_heartbeats():
        assert get_current_settings().flows.heartbeat_frequency is not None

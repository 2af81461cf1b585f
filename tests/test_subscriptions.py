"""subscriptions.yaml: briefing profiles, alert rules and source-failure notices delivered to
email (aiosmtpd) and webhooks (a loopback receiver, reached through apprise's real json:// and
form:// plugins): what each matches, exactly once, across re-runs, failures, kills and races."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pg import db_url  # noqa: F401
from test_cli import run_cli
from test_ingest import write_sources
from webhook_server import Receiver

from policywatch import app, delivery
from policywatch.briefing import week_label
from policywatch.demo.server import SiteServer
from policywatch.errors import ConfigError
from policywatch.subscriptions import load_subscriptions

TOKEN = "tok-s3cret-4711"  # HOOK_TOKEN: must never appear in any output
CHINESE = "关于加快推进人工智能产业高质量发展的若干措施"  # gamma's Chongqing notice
LABELLING = "Ministry publishes draft rules on generative AI labelling"
STANDARDS = "Regulator opens consultation on AI standards"


def subscriptions_yaml(hook: Receiver) -> str:
    return f"""\
briefings:
  - id: china-desk
    name: "China desk"
    to: ["china@example.org", "{hook.url("${HOOK_TOKEN}/china")}"]
    match: {{languages: [zh]}}
  - id: standards
    name: "Standards team"
    to: ["standards@example.org"]
    match: {{topics: [standards]}}
alerts:
  - id: labelling
    to: ["{hook.url("${HOOK_TOKEN}/alerts")}"]
    match: {{keywords: ["labelling", "标识"]}}
  - id: drafts
    to: ["{hook.url("drafts", scheme="form")}", "drafts@example.org"]
    match: {{stages: [draft]}}
"""


@pytest.fixture()
def subscribed(
    sites: SiteServer, pw_env: Path, smtp_server: Any, webhook: Receiver, monkeypatch: Any
) -> Path:
    """Test sites, the subscriptions file above, SMTP to aiosmtpd and HOOK_TOKEN set."""
    write_sources(sites, pw_env / "sources.yaml")
    (pw_env / "subscriptions.yaml").write_text(subscriptions_yaml(webhook), encoding="utf-8")
    monkeypatch.setenv("HOOK_TOKEN", TOKEN)
    monkeypatch.setenv("POLICYWATCH_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("POLICYWATCH_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("POLICYWATCH_SMTP_SECURITY", "none")
    return pw_env


def ingest_and_alert() -> list[delivery.SendResult]:
    """One ingest run as the flow does it: all sources, then alerts and notices."""
    started = datetime.now(UTC)
    ctx = app.load_context()
    try:
        app.ingest(ctx)
        return app.after_ingest(ctx, started)
    finally:
        ctx.close()


def mails_to(smtp_server: Any, address: str) -> list[Any]:
    return [m for m in smtp_server.messages if address in str(m["To"])]


def body_of(message: Any) -> str:
    part = message.get_body(("html", "plain"))
    return str(part.get_content())


def test_alerts_send_each_matching_story_once(
    subscribed: Path, smtp_server: Any, webhook: Receiver
) -> None:
    first = ingest_and_alert()
    assert {r.status for r in first} == {"sent"}, first
    labelling = webhook.at(f"{TOKEN}/alerts")
    assert len(labelling) == 1
    assert LABELLING in labelling[0]["message"] and STANDARDS not in labelling[0]["message"]
    assert "1 new story" in labelling[0]["title"]
    drafts = webhook.at("drafts")
    assert len(drafts) == 1 and STANDARDS in drafts[0]["message"]
    assert len(mails_to(smtp_server, "drafts@example.org")) == 1
    again = ingest_and_alert()
    assert [r for r in again if r.status == "sent"] == []
    assert len(webhook.requests) == 2 and len(smtp_server.messages) == 1


def test_profiles_get_their_own_briefing_once(
    subscribed: Path, sites: SiteServer, smtp_server: Any, webhook: Receiver
) -> None:
    ingest_and_alert()
    alerts_mail = len(smtp_server.messages)
    week = week_label(sites.anchor)
    ctx = app.load_context()
    try:
        outcome = app.brief(ctx, week, send=True)
        again = app.brief(ctx, week, send=True)
    finally:
        ctx.close()
    assert {r.status for r in outcome.deliveries} == {"sent"}
    assert {r.status for r in again.deliveries} == {"skipped"}
    china = mails_to(smtp_server, "china@example.org")
    assert len(china) == 1 and "China desk" in china[0]["Subject"]
    assert CHINESE in body_of(china[0]) and LABELLING not in body_of(china[0])
    hook = webhook.at(f"{TOKEN}/china")
    assert len(hook) == 1 and CHINESE in hook[0]["message"] and LABELLING not in hook[0]["message"]
    standards = mails_to(smtp_server, "standards@example.org")
    assert len(standards) == 1 and STANDARDS in body_of(standards[0])
    assert CHINESE not in body_of(standards[0])
    assert len(smtp_server.messages) == alerts_mail + 2
    profile_page = subscribed / "reports" / "profiles" / "china-desk" / f"{week}.html"
    assert CHINESE in profile_page.read_text("utf-8")
    assert LABELLING in (subscribed / "reports" / f"{week}.html").read_text("utf-8")


def test_failing_webhook_is_recorded_retried_and_blocks_no_one(
    subscribed: Path, smtp_server: Any, webhook: Receiver
) -> None:
    webhook.fail_next = 1  # the first request (the labelling alert) gets HTTP 500
    first = ingest_and_alert()
    failed = [r for r in first if r.status == "failed"]
    assert len(failed) == 1 and failed[0].subject.startswith("labelling/")
    assert TOKEN not in failed[0].note and TOKEN not in failed[0].recipient
    assert len(mails_to(smtp_server, "drafts@example.org")) == 1  # the others went out
    second = ingest_and_alert()  # nothing new: the failed batch is retried, alone
    assert [(r.subject, r.status) for r in second] == [(failed[0].subject, "sent")]
    assert len(webhook.at(f"{TOKEN}/alerts")) == 2  # the refused one and the retry
    assert ingest_and_alert() == []
    ctx = app.load_context()
    try:
        rows = app.delivery_rows(ctx.store)
    finally:
        ctx.close()
    assert {r["status"] for r in rows} == {"sent"} and all(TOKEN not in str(r) for r in rows)


def test_two_concurrent_runs_alert_each_story_once(
    sites: SiteServer,
    pw_env: Path,
    db_url: str,  # noqa: F811
    webhook: Receiver,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("POLICYWATCH_DB_URL", db_url)
    write_sources(sites, pw_env / "sources.yaml")
    text = subscriptions_yaml(webhook).replace("${HOOK_TOKEN}", "t").split("alerts:")[1]
    (pw_env / "subscriptions.yaml").write_text("alerts:" + text, encoding="utf-8")
    monkeypatch.setenv("POLICYWATCH_SMTP_HOST", "")
    started = datetime.now(UTC)
    ctx = app.load_context()
    app.ingest(ctx)
    ctx.close()
    barrier = threading.Barrier(2)
    outcomes: list[list[delivery.SendResult]] = []

    def alert() -> None:
        one = app.load_context()
        barrier.wait()
        try:
            outcomes.append(app.after_ingest(one, started))
        finally:
            one.close()

    threads = [threading.Thread(target=alert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 2
    assert len(webhook.at("t/alerts")) == 1 and len(webhook.at("drafts")) == 1
    sent = [r for run in outcomes for r in run if r.status == "sent"]
    assert len(sent) == 3  # two webhooks and one .eml file (no SMTP host), once each
    assert len(list((pw_env / "reports" / "alerts").glob("drafts-*.eml"))) == 1
    assert LABELLING in webhook.at("t/alerts")[0]["message"]


def test_send_cut_off_by_sigkill_is_taken_over_after_it_went_stale(
    subscribed: Path, webhook: Receiver, monkeypatch: Any
) -> None:
    started = datetime.now(UTC)
    ctx = app.load_context()
    app.ingest(ctx)
    ctx.close()
    webhook.hold = threading.Event()
    code = (
        "import sys; from datetime import datetime; from policywatch import app; "
        "ctx = app.load_context(); app.after_ingest(ctx, datetime.fromisoformat(sys.argv[1]))"
    )
    sender = subprocess.Popen([sys.executable, "-c", code, started.isoformat()], env=os.environ)
    try:
        assert webhook.arrived.wait(60), "the sender never reached the webhook"
        os.kill(sender.pid, signal.SIGKILL)
    finally:
        sender.wait(30)
    webhook.hold.set()
    webhook.hold = None
    cut = webhook.requests[0].path
    assert cut == f"/{TOKEN}/alerts"
    within = _after_ingest(started)  # the cut-off send is fresh: another run may be at it
    assert [r.status for r in within if r.subject.startswith("labelling/")] == ["skipped"]
    assert sum(1 for r in webhook.requests if r.path == cut) == 1
    monkeypatch.setattr(delivery, "STALE_SENDING", timedelta(0))
    taken = _after_ingest(started)
    assert sum(1 for r in webhook.requests if r.path == cut) == 2  # at least once, then done
    assert any(r.status == "sent" for r in taken)
    assert _after_ingest(started) == []


def _after_ingest(started: datetime) -> list[delivery.SendResult]:
    ctx = app.load_context()
    try:
        return app.after_ingest(ctx, started)
    finally:
        ctx.close()


def test_source_failing_told_once_per_streak(
    pw_env: Path, smtp_server: Any, monkeypatch: Any
) -> None:
    (pw_env / "sources.yaml").write_text(
        "sources:\n  - {id: down, name: Down ministry, kind: feed, url: 'http://127.0.0.1:9/feed'}\n",
        encoding="utf-8",
    )
    (pw_env / "subscriptions.yaml").write_text(
        "source_failing:\n  to: [ops@example.org]\n  after: 2\n", encoding="utf-8"
    )
    monkeypatch.setenv("POLICYWATCH_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("POLICYWATCH_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("POLICYWATCH_SMTP_SECURITY", "none")
    runs = [ingest_and_alert() for _ in range(3)]
    assert [len(r) for r in runs] == [0, 1, 0]
    notices = mails_to(smtp_server, "ops@example.org")
    assert len(notices) == 1 and "down" in notices[0]["Subject"]
    assert "127.0.0.1:9" in body_of(notices[0])


def test_alerts_test_shows_what_would_be_sent_and_sends_nothing(
    subscribed: Path, webhook: Receiver
) -> None:
    ctx = app.load_context()
    app.ingest(ctx)  # stored, but no alert run yet
    ctx.close()
    shown = run_cli("alerts", "test", "labelling")
    assert shown.returncode == 0, shown.stderr
    assert LABELLING in shown.stdout and STANDARDS not in shown.stdout
    assert "${HOOK_TOKEN}" in shown.stdout and TOKEN not in shown.stdout + shown.stderr
    assert webhook.requests == []
    unknown = run_cli("alerts", "test", "nope")
    assert unknown.returncode == 2 and "labelling, drafts" in unknown.stderr


def test_deliveries_lists_sends_and_failures_without_secrets(
    subscribed: Path, webhook: Receiver
) -> None:
    webhook.fail_next = 10
    ingest_and_alert()
    listed = run_cli("deliveries")
    assert listed.returncode == 0, listed.stderr
    assert "failed" in listed.stdout and "sent" in listed.stdout
    assert "labelling/" in listed.stdout and "500" in listed.stdout
    as_json = run_cli("deliveries", "--format", "json")
    config = run_cli("config")
    for output in (listed, as_json, config):
        assert TOKEN not in output.stdout + output.stderr


@pytest.mark.parametrize(
    ("entry", "wanted"),
    [
        ("    to: ['slak://abc']\n", ["subscriptions.yaml:3", "rule 'bad'", "slak", "apprise"]),
        ("    to: ['json://u:hunter2@example.org/x']\n", ["subscriptions.yaml:3", "${VAR}"]),
        ("    to: ['json://example.org/${NOT_SET_ANYWHERE}']\n", ["NOT_SET_ANYWHERE", ":3"]),
        ("    to: ['not-an-address']\n", ["subscriptions.yaml:3", "rule 'bad'", "neither"]),
        ("    to: [a@example.org]\n    match: {stage: [draft]}\n", [":4", "unknown key"]),
        ("    to: [a@example.org]\n    match: {stages: [adopted]}\n", [":4", "draft or final"]),
    ],
)
def test_bad_subscriptions_name_file_line_and_rule(
    tmp_path: Path, entry: str, wanted: list[str]
) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text("alerts:\n  - id: bad\n" + entry, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_subscriptions(path, environ={})
    message = str(caught.value)
    assert all(w in message for w in wanted), message
    assert "hunter2" not in message


def test_duplicate_profile_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "subscriptions.yaml"
    profile = "  - {id: desk, name: Desk, to: [a@example.org]}\n"
    path.write_text("briefings:\n" + profile + profile, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"subscriptions.yaml:3: profile 'desk': duplicate id"):
        load_subscriptions(path)


def test_profile_option_needs_a_known_profile(subscribed: Path, sites: SiteServer) -> None:
    week = week_label(sites.anchor)
    done = run_cli("brief", "--week", week, "--profile", "standards", "--no-send")
    assert done.returncode == 0, done.stderr
    assert (subscribed / "reports" / "profiles" / "standards" / f"{week}.html").is_file()
    assert not (subscribed / "reports" / "profiles" / "china-desk").exists()
    unknown = run_cli("brief", "--week", week, "--profile", "nope")
    assert unknown.returncode == 2 and "china-desk, standards" in unknown.stderr


def test_readme_example_is_a_valid_subscriptions_file(tmp_path: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    section = readme.split("## Subscriptions", 1)[1]
    example = section.split("```yaml", 1)[1].split("```", 1)[0]
    path = tmp_path / "subscriptions.yaml"
    path.write_text(example, encoding="utf-8")
    environ = {
        "HOOK_TOKEN": "h00k",
        "SLACK_TOKEN": "T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
        "DISCORD_WEBHOOK": "123456789012345678/" + "AbCdEfGhIjKlMnOp" * 4,
    }
    subs = load_subscriptions(path, environ=environ)
    assert [p.id for p in subs.briefings] == ["china-desk", "standards"]
    assert [r.id for r in subs.alerts] == ["labelling-rules", "cac"]
    assert subs.source_failing is not None and subs.source_failing.after == 3


@pytest.mark.prefect
def test_ingest_flow_sends_alerts_after_the_run(
    subscribed: Path, webhook: Receiver, prefect_api: None
) -> None:
    """`policywatch ingest` (the Prefect flow) alerts once its sources are stored; its log
    names each send with the secret masked."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, PREFECT_API_URL=str(PREFECT_API_URL.value()))
    env["PREFECT_LOGGING_LEVEL"] = "INFO"
    result = run_cli("ingest", env=env)
    assert result.returncode == 0, result.stderr
    assert len(webhook.at(f"{TOKEN}/alerts")) == 1 and len(webhook.at("drafts")) == 1
    assert "alert labelling/" in result.stderr and TOKEN not in result.stderr

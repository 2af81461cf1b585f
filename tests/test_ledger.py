"""The send ledger: a failure before delivery blocks nothing; a later run sends once."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ingest import write_sources

from policywatch import app, briefing
from policywatch.briefing import week_label
from policywatch.demo.server import SiteServer
from policywatch.errors import PolicywatchError


def test_bad_recipient_fails_without_blocking_the_week(
    sites: SiteServer,
    pw_env: Path,
    smtp_server,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    write_sources(sites, pw_env / "sources.yaml")
    monkeypatch.setenv("POLICYWATCH_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("POLICYWATCH_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("POLICYWATCH_SMTP_SECURITY", "none")
    monkeypatch.setenv("POLICYWATCH_MAIL_TO", "not an address")
    week = week_label(sites.anchor)
    ctx = app.load_context()
    try:
        app.ingest(ctx)
        with pytest.raises(PolicywatchError):
            app.brief(ctx, week, send=True)
        assert all(row["status"] != "sending" for row in briefing.ledger(ctx.store))
    finally:
        ctx.close()
    monkeypatch.setenv("POLICYWATCH_MAIL_TO", "analyst@example.org")
    ctx = app.load_context()
    try:
        first = app.brief(ctx, week, send=True)
        second = app.brief(ctx, week, send=True)
    finally:
        ctx.close()
    assert first.sent and not second.sent
    assert len(smtp_server.messages) == 1

"""SMTP faults through the real send paths (`policywatch brief --send` and `run`), against the
misbehaving server of smtp_faults.py: connection refused, 421 on connect, 451 after DATA, 550
for one of two recipients, the connection dropped in the middle of DATA, a broken STARTTLS
handshake, and a SIGKILL landed inside DATA. Each time the ledger ends right: the next run
retries, nobody who accepted gets a second copy, and the failure is shown in `brief`'s output
and in the next briefing's footer."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fault_env import ledger, one_error_line, point, sends, weeks
from smtp_faults import FaultySmtp, refused_port
from test_cli import CLI, run_cli

from policywatch import briefing, mail
from policywatch.demo.server import SiteServer
from policywatch.storage.deliveries import INTERRUPTED

ANALYST, EDITOR = "analyst@example.org", "editor@example.org"
BOTH = f"{ANALYST},{EDITOR}"
# mode, security, what the one-line error names (smtplib/ssl wording varies by a word or two)
WHOLE_FAULTS = {
    "refused": ("ok", "none", "refused"),
    "greet-421": ("greet-421", "none", "421 4.3.2 faults.test shutting down"),
    "data-451": ("data-451", "none", "451 4.3.0 temporary local problem"),
    "drop-in-data": ("drop-in-data", "none", "SMTP 127.0.0.91:"),
    "tls-garbage": ("tls-garbage", "starttls", "SSL"),
}
REFUSE_EDITOR = {EDITOR: "550 5.1.1 <editor@example.org>: no such user"}


def brief(week: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("brief", "--week", week, "--send", *extra)


def copies(server: FaultySmtp, week: str, address: str) -> int:
    """How many copies of the week's briefing the server accepted for `address`."""
    return sum(
        1
        for t in server.delivered
        if t.message["X-Policywatch-Week"] == week and address in t.rcpt_tos
    )


def footer(path: Path) -> str:
    """The Delivery section of an archived Markdown briefing, Markdown escapes removed."""
    text = path.read_text(encoding="utf-8")
    assert "## Delivery" in text, text[-1500:]
    return text.split("## Delivery", 1)[1].replace("\\", "")


@pytest.mark.parametrize("fault", list(WHOLE_FAULTS))
def test_failed_send_is_recorded_retried_by_the_next_run_and_told_in_its_footer(
    fault: str,
    stored: Path,
    sites: SiteServer,
    faulty: FaultySmtp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mode, security, named = WHOLE_FAULTS[fault]
    week, next_week = weeks(sites)
    faulty.mode = mode
    point(monkeypatch, faulty.env(BOTH, security))
    if fault == "refused":
        monkeypatch.setenv("POLICYWATCH_SMTP_PORT", str(refused_port()))

    line = one_error_line(brief(week))
    assert f"{week} not sent (SMTP 127.0.0.91:" in line and "recorded" in line, line
    assert named.lower() in line.lower(), line
    row = ledger(stored)[(week, BOTH)]
    assert row["status"] == "failed" and named.lower() in row["error"].lower()
    assert faulty.delivered == []

    faulty.mode = "ok"  # the server is back: the next weekly run sends both weeks, once
    point(monkeypatch, faulty.env(BOTH))
    done = brief(next_week)
    assert done.returncode == 0, done.stderr
    assert f"sent to {ANALYST}, {EDITOR}" in done.stderr
    assert [copies(faulty, week, a) for a in (ANALYST, EDITOR)] == [1, 1]
    assert [copies(faulty, next_week, a) for a in (ANALYST, EDITOR)] == [1, 1]
    assert ledger(stored)[(week, BOTH)]["status"] == "sent"
    told = footer(stored / "reports" / f"{next_week}.md")
    assert f"{week} to {BOTH}: delivered" in told and "on a retry" in told
    assert named.lower() in told.lower(), told

    again = brief(next_week)
    assert again.returncode == 0 and "already sent" in again.stderr
    assert len(faulty.delivered) == 2  # nothing more, to anyone


def test_550_for_one_recipient_retries_only_that_recipient(
    stored: Path, sites: SiteServer, faulty: FaultySmtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    week, next_week = weeks(sites)
    point(monkeypatch, faulty.env(BOTH))
    faulty.refuse = dict(REFUSE_EDITOR)

    first = brief(week)
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    assert f"{week} sent, but SMTP 127.0.0.91:" in first.stderr
    assert "editor@example.org (550 5.1.1" in first.stderr
    assert [t.rcpt_tos for t in faulty.delivered] == [[ANALYST]]
    rows = ledger(stored)
    assert rows[(week, BOTH)]["status"] == "sent"
    assert rows[(week, EDITOR)]["status"] == "failed" and "550" in rows[(week, EDITOR)]["error"]

    still = brief(week)  # the same week again, the address still refused: tried alone
    assert still.returncode == 1 and "550 5.1.1" in still.stderr
    assert copies(faulty, week, ANALYST) == 1

    faulty.refuse = {}
    done = brief(next_week)
    assert done.returncode == 0, done.stderr
    assert [t.rcpt_tos for t in faulty.delivered if t.message["X-Policywatch-Week"] == week] == [
        [ANALYST],
        [EDITOR],
    ]
    assert [copies(faulty, next_week, a) for a in (ANALYST, EDITOR)] == [1, 1]
    told = footer(stored / "reports" / f"{next_week}.md")
    assert EDITOR in told and "550 5.1.1" in told and ANALYST not in told
    assert brief(next_week).returncode == 0
    assert len(faulty.delivered) == 3


def write_profile(root: Path) -> None:
    (root / "subscriptions.yaml").write_text(
        f'briefings:\n  - {{id: desk, name: "Policy desk", to: ["{ANALYST}", "{EDITOR}"]}}\n',
        encoding="utf-8",
    )


@pytest.mark.parametrize("fault", ["data-451", "550-one"])
def test_profile_send_fault_is_recorded_per_recipient_and_retried(
    fault: str,
    stored: Path,
    sites: SiteServer,
    faulty: FaultySmtp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    week, next_week = weeks(sites)
    write_profile(stored)
    point(monkeypatch, faulty.env(""))
    monkeypatch.delenv("POLICYWATCH_MAIL_TO")
    if fault == "550-one":
        faulty.refuse = dict(REFUSE_EDITOR)
    else:
        faulty.mode = fault

    first = brief(week)
    assert first.returncode == 1 and "Traceback" not in first.stderr, first.stderr
    subject = f"{week}/desk"
    rows = sends(stored)
    if fault == "550-one":
        assert f"{subject}: failed {EDITOR} SMTP 127.0.0.91:" in first.stderr
        assert rows[(subject, BOTH)]["status"] == "sent"
        assert rows[(subject, EDITOR)]["status"] == "failed"
        assert [t.rcpt_tos for t in faulty.delivered] == [[ANALYST]]
    else:
        assert f"{subject}: failed {BOTH} SMTP 127.0.0.91:" in first.stderr
        assert "451 4.3.0" in first.stderr
        assert rows[(subject, BOTH)]["status"] == "failed" and faulty.delivered == []

    faulty.mode, faulty.refuse = "ok", {}
    done = brief(next_week)
    assert done.returncode == 0, done.stderr
    got = [(t.message["Subject"], t.rcpt_tos) for t in faulty.delivered]
    assert sum(1 for s, r in got if week in s and ANALYST in r) == 1, got  # never twice
    assert sum(1 for s, r in got if week in s and EDITOR in r) == 1, got
    assert sum(1 for s, r in got if next_week in s) == 1, got
    told = footer(stored / "reports" / "profiles" / "desk" / f"{next_week}.md")
    assert ("550 5.1.1" if fault == "550-one" else "451 4.3.0") in told
    assert brief(next_week).returncode == 0
    assert len(faulty.delivered) == len(got)


# -- interrupted delivery: SIGKILL inside DATA ----------------------------------------------


def kill_inside_data(args: list[str], faulty: FaultySmtp, mode: str) -> None:
    """Start the command, SIGKILL its process group once the server is inside DATA (before
    its 354, or with the body arriving), then let the stalled session end."""
    faulty.mode = mode
    proc = subprocess.Popen(
        [*CLI, *args],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert faulty.data_started.wait(180), "the send never reached DATA"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    faulty.mode = "ok"
    faulty.release.set()
    faulty.wait_idle()


def age(root: Path, table: str, minutes: int = 16) -> None:
    """Let time pass for the ledger: move every `sending` reservation `minutes` back."""
    con = sqlite3.connect(root / "data" / "pw.db")
    try:
        rows = con.execute(f"SELECT id, attempted_at FROM {table} WHERE status = 'sending'")
        for row_id, attempted in rows.fetchall():
            earlier = datetime.fromisoformat(attempted) - timedelta(minutes=minutes)
            con.execute(
                f"UPDATE {table} SET attempted_at = ? WHERE id = ?",
                (earlier.isoformat(sep=" "), row_id),
            )
        con.commit()
    finally:
        con.close()


# Killed before the server's 354: the message never arrived. Killed with the body arriving:
# the server has it, the client never saw it confirmed; the re-send is a second copy with the
# same Message-ID (SMTP has no two-phase commit; clients that dedupe by Message-ID show one).
KILLS = {"stall-at-data": 0, "stall-in-data": 1}  # copies the server had before the re-send


@pytest.mark.slow
@pytest.mark.prefect
@pytest.mark.parametrize("mode", list(KILLS))
def test_run_killed_inside_data_is_re_sent_by_the_next_run_with_the_same_message_id(
    mode: str,
    stored: Path,
    sites: SiteServer,
    faulty: FaultySmtp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`policywatch run` SIGKILLed inside the SMTP DATA of its send: within the bound the next
    run says it may have arrived and leaves it; after the bound the next weekly run re-sends
    it once, with the same Message-ID, says so, and its briefing's footer tells it."""
    week, next_week = weeks(sites)
    point(monkeypatch, faulty.env(BOTH))
    monkeypatch.setenv("PREFECT_HOME", str(stored / "prefect"))
    kill_inside_data(["run", "--week", week], faulty, mode)
    assert ledger(stored)[(week, BOTH)]["status"] == "sending"
    assert len(faulty.delivered) == KILLS[mode]

    soon = brief(week)
    assert soon.returncode == 0, soon.stderr
    assert "may have arrived" in soon.stderr and "15 minutes" in soon.stderr
    assert len(faulty.delivered) == KILLS[mode]

    age(stored, "briefings")
    done = run_cli("run", "--week", next_week)
    assert done.returncode == 0, done.stderr
    assert f"{week} re-sent" in done.stderr and "cut off" in done.stderr
    resent = [t.message for t in faulty.delivered if t.message["X-Policywatch-Week"] == week]
    assert len(resent) == KILLS[mode] + 1
    assert {m["Message-ID"] for m in resent} == {briefing.message_id(week, BOTH)}
    assert [copies(faulty, next_week, a) for a in (ANALYST, EDITOR)] == [1, 1]
    row = ledger(stored)[(week, BOTH)]
    assert row["status"] == "sent" and row["error"] == INTERRUPTED
    told = footer(stored / "reports" / f"{next_week}.md")
    assert f"{week} to {BOTH}: re-sent" in told and "same Message-ID" in told
    assert brief(next_week).returncode == 0
    assert len(faulty.delivered) == KILLS[mode] + 2


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(KILLS))
def test_profile_send_killed_inside_data_is_taken_over_with_the_same_message_id(
    mode: str,
    stored: Path,
    sites: SiteServer,
    faulty: FaultySmtp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    week, _next = weeks(sites)
    write_profile(stored)
    point(monkeypatch, faulty.env(""))
    monkeypatch.delenv("POLICYWATCH_MAIL_TO")
    kill_inside_data(["brief", "--week", week, "--send"], faulty, mode)
    subject = f"{week}/desk"
    assert sends(stored)[(subject, BOTH)]["status"] == "sending"

    soon = brief(week)
    assert soon.returncode == 0 and "being sent by another run" in soon.stderr
    age(stored, "deliveries")
    done = brief(week)
    assert done.returncode == 0, done.stderr
    assert f"{subject}: sent {BOTH}" in done.stderr and "re-sent" in done.stderr
    assert len(faulty.delivered) == KILLS[mode] + 1
    expected = mail.stable_message_id(f"{week}-desk", BOTH)
    assert {m["Message-ID"] for m in faulty.messages} == {expected}
    assert sends(stored)[(subject, BOTH)]["error"] == INTERRUPTED
    assert brief(week).returncode == 0 and len(faulty.delivered) == KILLS[mode] + 1

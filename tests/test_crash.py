"""Crash safety: SIGKILL `ingest` and `brief --send` at random points, then finish the job.

After any number of kills and one run to completion the database is consistent and holds
exactly what an uninterrupted run stores, the briefing is identical, and at most one email per
week reached the SMTP server (the ledger marks a week `sending` before SMTP; a re-send needs
--resend). POLICYWATCH_CRASH_LOOPS sets the number of kills (default 5; run 20 locally);
POLICYWATCH_CRASH_SEED replays a run.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import isolated_vars
from hostile_server import HostileServer
from smtp_server import SmtpServer

from policywatch import app
from policywatch.briefing import ledger, ledger_begin, week_label
from policywatch.storage import Store

LOOPS = int(os.environ.get("POLICYWATCH_CRASH_LOOPS", "5"))
SEED = int(os.environ.get("POLICYWATCH_CRASH_SEED", str(random.randrange(1 << 30))))
SITES = ("alpha", "beta-dup", "gamma")
PER_SITE = 12
INGEST = "from policywatch import app\nctx = app.load_context()\napp.ingest(ctx)\nctx.close()\n"
CLI = [sys.executable, "-m", "policywatch.cli"]


@dataclass
class Env:
    root: Path
    vars: dict[str, str]

    @property
    def db(self) -> Path:
        return self.root / "data" / "pw.db"


def make_env(root: Path, server: HostileServer, sites: Iterable[str] = SITES, **extra: str) -> Env:
    """A policywatch environment in root with a feed of each good site (default: three)."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["fetch: {delay: 0, timeout: 5, retries: 1, respect_robots: false}", "sources:"]
    for site in sites:
        url = server.url(f"good/{site}/feed.xml")
        lines.append(f'  - {{id: {site}, name: "Site {site}", kind: feed, url: "{url}"}}')
    (root / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYWATCH_")}
    env.update(isolated_vars(root), PREFECT_HOME=str(root / "prefect"))
    env.update(extra)
    return Env(root, env)


def start(env: Env, args: list[str]) -> subprocess.Popen[bytes]:
    """A child in its own process group, so a kill also takes its helpers (Prefect server)."""
    return subprocess.Popen(
        args,
        env=env.vars,
        cwd=env.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.stderr is not None
    proc.stderr.close()


def run_to_end(env: Env, args: list[str], timeout: float = 300) -> str:
    done = subprocess.run(args, env=env.vars, cwd=env.root, capture_output=True, timeout=timeout)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return done.stderr.decode()


# -- database checks ----------------------------------------------------------------------------


def consistency_problems(db: Path) -> list[str]:
    """Integrity and referential checks that must hold after any crash."""
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        return _problems(con)
    finally:
        con.close()


def _problems(con: sqlite3.Connection) -> list[str]:
    problems = []
    if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("integrity_check failed")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "items" not in tables:
        return problems
    checks = {
        "duplicate canonical URLs": "SELECT canonical_url FROM items "
        "GROUP BY canonical_url HAVING count(*) > 1",
        "lsh rows without item": "SELECT b.item_id FROM lsh_buckets b "
        "LEFT JOIN items i ON i.id = b.item_id WHERE i.id IS NULL",
        "duplicates without story": "SELECT d.id FROM items d LEFT JOIN items s "
        "ON s.id = d.story_id WHERE d.status = 'duplicate' AND s.id IS NULL",
        "live items without story": "SELECT id FROM items WHERE status IN ('new', 'off_topic') "
        "AND story_id IS NULL",
        "briefed items missing": "SELECT b.item_id FROM briefing_items b "
        "LEFT JOIN items i ON i.id = b.item_id WHERE i.id IS NULL",
    }
    for name, query in checks.items():
        if con.execute(query).fetchall():
            problems.append(name)
    return problems


def snapshot(db: Path) -> tuple[set[tuple[str, str]], set[frozenset[str]]]:
    """(url, status) of every item, and stories as sets of URLs."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT url, status, story_id FROM items").fetchall()
    finally:
        con.close()
    stories: dict[int, set[str]] = {}
    for url, _status, story in rows:
        if story is not None:
            stories.setdefault(story, set()).add(url)
    return {(u, s) for u, s, _ in rows}, {frozenset(v) for v in stories.values()}


def briefing_markdown(env: Env, week: str) -> str:
    """Render the week's briefing in-process, without the generated-at line."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.vars.items():
            if key.startswith("POLICYWATCH_"):
                mp.setenv(key, value)
        ctx = app.load_context()
        try:
            outcome = app.brief(ctx, week)
        finally:
            ctx.close()
    text = outcome.paths["md"].read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("*Generated "))


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    # Sites answer at different speeds, so their items are stored at different moments and a
    # kill can land between them.
    delays = {"alpha": 0.0, "beta-dup": 0.08, "gamma": 0.16}
    with HostileServer(articles_per_site=PER_SITE, site_delays=delays) as srv:
        yield srv


@dataclass
class Reference:
    env: Env
    seconds: float
    items: set[tuple[str, str]]
    stories: set[frozenset[str]]
    markdown: str
    week: str


@pytest.fixture(scope="module")
def reference(server: HostileServer, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """An uninterrupted run: what every interrupted run must end up with."""
    env = make_env(tmp_path_factory.mktemp("reference"), server)
    started = time.monotonic()
    run_to_end(env, [sys.executable, "-c", INGEST])
    seconds = time.monotonic() - started
    items, stories = snapshot(env.db)
    week = week_label(server.anchor)
    return Reference(env, seconds, items, stories, briefing_markdown(env, week), week)


def test_reference_run_is_meaningful(reference: Reference) -> None:
    statuses = [status for _url, status in reference.items]
    assert statuses.count("new") >= 3 * PER_SITE - 2
    assert statuses.count("duplicate") == 1 and statuses.count("failed") == 1
    assert "Reprint" not in reference.markdown  # the copy is filtered, not briefed
    assert reference.markdown.count("\n## ") >= 1


# -- ingest ------------------------------------------------------------------------------------


def test_sigkill_during_ingest_loses_nothing_and_stores_nothing_twice(
    server: HostileServer, reference: Reference, tmp_path: Path
) -> None:
    """Each pass: a fresh database, one ingest killed at a random moment, then a full re-run."""
    rng = random.Random(SEED)
    kills = []
    for attempt in range(LOOPS):
        env = make_env(tmp_path / f"pass{attempt}", server)
        proc = start(env, [sys.executable, "-c", INGEST])
        delay = rng.uniform(0.2, reference.seconds)
        finished = _wait(proc, delay)
        kill(proc)
        kills.append((round(delay, 2), _count(env.db), finished))
        assert consistency_problems(env.db) == [], f"seed {SEED}, kills {kills}"
        run_to_end(env, [sys.executable, "-c", INGEST])
        assert consistency_problems(env.db) == []
        items, stories = snapshot(env.db)
        assert items == reference.items, f"seed {SEED}, kills {kills}"
        assert stories == reference.stories
        assert briefing_markdown(env, reference.week) == reference.markdown
    print(f"crash loop: seed {SEED}, {LOOPS} kills (delay s, items stored, finished): {kills}")


def _wait(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    try:
        proc.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def _article_hits(server: HostileServer) -> int:
    return sum(n for path, n in list(server.hits.items()) if path.endswith(".html"))


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.prefect
def test_sigkill_of_the_real_cli_during_ingest(
    server: HostileServer, reference: Reference, tmp_path: Path
) -> None:
    """`policywatch ingest` (the Prefect flow and its ephemeral API) killed mid-ingest."""
    env = make_env(tmp_path / "cli", server, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    before = _article_hits(server)
    proc = start(env, [*CLI, "ingest"])
    deadline = time.monotonic() + 120  # the ephemeral Prefect API takes 10-20 s to start
    while _article_hits(server) == before and proc.poll() is None:
        assert time.monotonic() < deadline, "the flow never started fetching"
        time.sleep(0.02)
    _wait(proc, random.Random(SEED).uniform(0, 1.5))  # somewhere in fetch/extract/store
    assert proc.poll() is None, "the CLI finished before the kill"
    killed_at = _count(env.db)
    kill(proc)
    assert consistency_problems(env.db) == []
    print(f"CLI killed with {killed_at} of {len(reference.items)} items stored")
    run_to_end(env, [sys.executable, "-c", INGEST])
    assert consistency_problems(env.db) == []
    assert snapshot(env.db) == (reference.items, reference.stories)
    assert briefing_markdown(env, reference.week) == reference.markdown


# -- brief --send ------------------------------------------------------------------------------


def smtp_vars(smtp: SmtpServer) -> dict[str, str]:
    return {
        "POLICYWATCH_SMTP_HOST": smtp.host,
        "POLICYWATCH_SMTP_PORT": str(smtp.port),
        "POLICYWATCH_SMTP_SECURITY": "none",
        "POLICYWATCH_MAIL_TO": "analyst@example.org",
    }


def copy_db(reference: Reference, env: Env) -> None:
    env.db.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(reference.env.db)
    dst = sqlite3.connect(env.db)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def ledger_rows(env: Env) -> list[dict[str, Any]]:
    store = Store.open(f"sqlite:///{env.db}")
    try:
        return ledger(store)
    finally:
        store.close()


def test_sigkill_during_brief_send_mails_at_most_once(
    server: HostileServer, reference: Reference, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Each pass: the reference database, `brief --send` killed at a random moment (the last
    pass: the moment the server has the message), then `brief --send` run to the end."""
    rng = random.Random(SEED + 1)
    send = [*CLI, "brief", "--week", reference.week, "--send"]
    timing = make_env(tmp_path / "timing", server)
    copy_db(reference, timing)
    started = time.monotonic()
    run_to_end(timing, [*CLI, "brief", "--week", reference.week])
    seconds = time.monotonic() - started
    outcomes = []
    for attempt in range(LOOPS):
        env = make_env(tmp_path / f"pass{attempt}", server, **smtp_vars(smtp_server))
        copy_db(reference, env)
        before = len(smtp_server.messages)
        proc = start(env, send)
        if attempt == LOOPS - 1:
            _wait_for_message(proc, smtp_server, before)
        else:
            _wait(proc, rng.uniform(0.3 * seconds, 1.05 * seconds))
        kill(proc)
        killed = (len(smtp_server.messages) - before, _ledger_status(env))
        assert killed[0] <= 1 and consistency_problems(env.db) == []
        note = run_to_end(env, send)
        delivered, status = len(smtp_server.messages) - before, _ledger_status(env)
        outcomes.append((killed, delivered, status))
        assert delivered <= 1, outcomes  # at most once, whatever the kill hit
        if status == "sending":  # cut off during the send: it may have arrived, never again
            assert "may have arrived" in note and "--resend" in note
        else:
            assert status == "sent" and delivered == 1, outcomes
    for msg in smtp_server.messages:
        assert msg["X-Policywatch-Week"] == reference.week
    print(f"brief kills: seed {SEED}, ((delivered, ledger) at kill, delivered, ledger): {outcomes}")


def _ledger_status(env: Env) -> str | None:
    rows = ledger_rows(env)
    return rows[0]["status"] if rows else None


def _wait_for_message(proc: subprocess.Popen[bytes], smtp: SmtpServer, before: int) -> None:
    deadline = time.monotonic() + 60
    while len(smtp.messages) == before and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)


def test_ledger_refuses_a_sending_or_sent_week_without_resend(
    reference: Reference, smtp_server: SmtpServer, tmp_path: Path, server: HostileServer
) -> None:
    """The at-most-once rule itself: a week left `sending` by a crash is never re-sent silently."""
    env = make_env(tmp_path / "ledger", server, **smtp_vars(smtp_server))
    copy_db(reference, env)
    store = Store.open(f"sqlite:///{env.db}")
    try:
        msg_id, previous = ledger_begin(
            store, reference.week, "analyst@example.org", 3, resend=False
        )
        assert msg_id is not None and previous is None
        # the process "dies" here, after SMTP maybe, before ledger_finish
        again = ledger_begin(store, reference.week, "analyst@example.org", 3, resend=False)
        assert again == (None, "sending")
    finally:
        store.close()
    note = run_to_end(env, [*CLI, "brief", "--week", reference.week, "--send"])
    assert smtp_server.messages == [] and "may have arrived" in note
    run_to_end(env, [*CLI, "brief", "--week", reference.week, "--send", "--resend"])
    assert len(smtp_server.messages) == 1
    assert ledger_rows(env)[0]["status"] == "sent"
    note = run_to_end(env, [*CLI, "brief", "--week", reference.week, "--send"])
    assert len(smtp_server.messages) == 1 and "already sent" in note

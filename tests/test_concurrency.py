"""Two `policywatch run --week W` processes at once on one SQLite database and one SMTP server.

Both run the Prefect ingest flow (each with its own ephemeral Prefect API) and then brief and
send the week: the database must stay consistent, every item stored once, one email sent.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_server import HostileServer
from smtp_server import SmtpServer
from test_crash import SITES, consistency_problems, make_env, smtp_vars

from policywatch.briefing import week_label

PER_SITE = 8
CLI = [sys.executable, "-m", "policywatch.cli"]


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer(articles_per_site=PER_SITE, article_delay=0.02) as srv:
        yield srv


@pytest.mark.slow
@pytest.mark.prefect
def test_two_runs_at_once_store_once_and_mail_once(
    server: HostileServer, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    week = week_label(server.anchor)
    shared = make_env(tmp_path / "shared", server, **smtp_vars(smtp_server))
    procs = []
    for name in ("one", "two"):
        env = dict(shared.vars, PREFECT_HOME=str(tmp_path / f"prefect-{name}"))
        procs.append(
            subprocess.Popen(
                [*CLI, "run", "--week", week],
                env=env,
                cwd=shared.root,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
    notes = "\n".join(err for _out, err in outputs)

    assert consistency_problems(shared.db) == []
    con = sqlite3.connect(shared.db)
    try:
        statuses = dict(
            con.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall()
        )
        urls = [r[0] for r in con.execute("SELECT url FROM items")]
        ledger = con.execute("SELECT week, status FROM briefings").fetchall()
    finally:
        con.close()
    # every article of every site once, the reprint a duplicate, the missing page failed
    assert len(urls) == len(set(urls)) == len(SITES) * PER_SITE + 1
    assert statuses.get("duplicate") == 1 and statuses.get("failed") == 1
    assert len(smtp_server.messages) == 1, notes
    assert ledger == [(week, "sent")]
    assert "sent to analyst@example.org" in notes
    assert "already sent" in notes or "being sent by another run" in notes


@pytest.mark.parametrize("write", ["save_validators", "save_robots_txt", "record_run"])
def test_plain_writes_wait_in_the_writer_queue_without_a_connection(
    tmp_path: Path, write: str
) -> None:
    """Upserts and run rows queue behind this process's writers before taking a pooled
    connection, as `write()` does (the pool exhaustion bench/load.py found)."""
    import threading
    from datetime import UTC, datetime

    from policywatch.models import SourceResult, Validators
    from policywatch.storage import Store

    store = Store.open(f"sqlite:///{tmp_path / 'pw.db'}")
    now = datetime.now(UTC)
    calls = {
        "save_validators": lambda: store.save_validators("http://a/", Validators('"e"', None)),
        "save_robots_txt": lambda: store.save_robots_txt({"http://a": "User-agent: *"}),
        "record_run": lambda: store.record_run("run-1", SourceResult("a", now, now)),
    }
    done = threading.Event()
    with store._writers:
        worker = threading.Thread(target=lambda: (calls[write](), done.set()))
        worker.start()
        assert not done.wait(0.5), f"{write} did not wait for the writer queue"
        assert store.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    worker.join(10)
    assert done.is_set()
    store.close()

"""A real PostgreSQL failing under a running store (issue 19, fault 1).

The faults are injected at the exact statement that matters (a SQLAlchemy event hook on the
store's engine): the backend terminated (`pg_terminate_backend`), the server restarted
(`pg_ctl restart -m fast`) or stopped for longer than the retries. The store runs the whole
transaction again after a dropped connection; what still fails is a failed source with a
one-line reason, and a re-run ends with the store of a clean run.
"""

from __future__ import annotations

import logging
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hostile_server import HostileServer
from pg import ensure_running, new_database, pg_ctl, terminate_backends
from smtp_server import SmtpServer
from sqlalchemy import event
from test_crash import CLI, INGEST, SEED, Env, make_env, run_to_end, smtp_vars
from test_ingest import by_url, write_sources
from test_postgres import COMPUTE, LABELLING, LABELLING_SYNDICATED, WEEK, candidate

from policywatch import app, briefing
from policywatch.demo.server import SiteServer
from policywatch.storage import Store, errors

pytestmark = pytest.mark.postgres
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture()
def pg_db(pg_url: str) -> Iterator[str]:
    """A fresh database on the session's server, which is running again afterwards."""
    yield new_database(pg_url)
    ensure_running()


@contextmanager
def fault_on(
    store: Store, prefix: str, fault: Callable[[], None], times: int = 1
) -> Iterator[list[str]]:
    """Run fault() just before the first `times` statements starting with prefix; yields the
    statements it hit."""
    hits: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(prefix) and len(hits) < times:
            hits.append(statement)
            fault()

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        yield hits
    finally:
        event.remove(store.engine, "before_cursor_execute", before)


def terminate(db: str) -> Callable[[], None]:
    """The fault: every connection to db killed by pg_terminate_backend."""
    return lambda: terminate_backends(db)


def restart() -> None:
    """The fault: `pg_ctl restart -m fast` started; the statement runs while it shuts down."""
    pg_ctl("restart", wait=False)
    time.sleep(0.3)


def statuses(store: Store) -> list[tuple[str, str, int | None]]:
    rows = store.export()
    ids = {row["id"]: row["url"] for row in rows}
    return [(r["url"], r["status"], r["story"] and ids[r["story"]]) for r in rows]


BATCH = (("a/1", LABELLING), ("b/1", LABELLING_SYNDICATED), ("c/1", COMPUTE))


@pytest.mark.parametrize("fault", ["terminate", "restart"])
def test_a_connection_dropped_inside_add_is_retried_as_one_transaction(
    pg_db: str, pg_url: str, fault: str
) -> None:
    clean = Store.open(new_database(pg_url))
    clean.add([candidate(url, text) for url, text in BATCH])
    store = Store.open(pg_db)
    try:
        hook = terminate(pg_db) if fault == "terminate" else restart
        with fault_on(store, "INSERT INTO ITEMS", hook, times=2) as hits:
            stored = store.add([candidate(url, text) for url, text in BATCH])
        assert len(hits) == 2, "the fault hit the first insert of two attempts"
        assert [s.status for s in stored] == ["new", "duplicate", "new"]
        assert statuses(store) == statuses(clean), "nothing half-written, nothing twice"
    finally:
        store.close()
        clean.close()


def test_claims_and_ledger_rows_survive_drops_whole(pg_db: str) -> None:
    store = Store.open(pg_db)
    try:
        store.add([candidate(url, text) for url, text in BATCH])
        with fault_on(store, "INSERT INTO BRIEFING_ITEMS", restart):
            claimed = store.claim_items(WEEK, LONG_AGO, WEEK)
        assert claimed == 2 and store.claim_items(WEEK, LONG_AGO, WEEK) == 0
        with fault_on(store, "INSERT INTO BRIEFINGS", terminate(pg_db)) as hits:
            won = store.begin_delivery(WEEK, "a@example.org", "<id@x>", 2, resend=False)
        assert hits and won == (True, None)
        with fault_on(store, "UPDATE BRIEFINGS", restart):
            store.finish_delivery(WEEK, "a@example.org")
        assert [(r["week"], r["status"]) for r in store.deliveries()] == [(WEEK, "sent")]
    finally:
        store.close()


def test_database_down_longer_than_the_retries_fails_sources_in_one_line_and_a_rerun_repairs(
    pg_db: str,
    pg_url: str,
    sites: SiteServer,
    pw_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server stops at the first item insert; the sources whose items were not stored must
    not be hidden from the re-run by a conditional GET (their validators are not saved)."""
    write_sources(sites, pw_env / "sources.yaml")
    monkeypatch.setenv("POLICYWATCH_DB_URL", new_database(pg_url))
    reference = _ingest()[1]
    monkeypatch.setenv("POLICYWATCH_DB_URL", pg_db)
    monkeypatch.setattr(errors, "RETRY_DELAYS", (0.05, 0.1))
    caplog.set_level(logging.INFO)
    ctx = app.load_context()
    try:
        with fault_on(ctx.store, "INSERT INTO ITEMS", lambda: pg_ctl("stop")) as hits:
            results = app.ingest(ctx)
    finally:
        ctx.close()
        ensure_running()
    assert hits
    failed = [r for r in results if r.database_failed]
    assert failed and all(r.error and "\n" not in r.error for r in failed)
    assert any("database error while trying to store items" in (r.error or "") for r in failed)
    assert not [r for r in caplog.records if r.exc_info], "no traceback logged"
    again, rows = _ingest()
    assert not any(r.database_failed for r in again)
    assert _outcome(rows) == _outcome(reference), "the re-run stores what a clean run stores"


def _ingest() -> tuple[list[Any], list[dict[str, Any]]]:
    ctx = app.load_context()
    try:
        return app.ingest(ctx), ctx.store.export()
    finally:
        ctx.close()


def _outcome(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {path: row["status"] for path, row in by_url(rows).items()}


def test_brief_send_survives_restarts_around_the_smtp_exchange(
    pg_db: str,
    sites: SiteServer,
    pw_env: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A restart while the ledger row is reserved and another right after the SMTP server took
    the message: one email, the ledger `sent`, and the next send refused as already sent."""
    write_sources(sites, pw_env / "sources.yaml")
    monkeypatch.setenv("POLICYWATCH_DB_URL", pg_db)
    for name, value in smtp_vars(smtp_server).items():
        monkeypatch.setenv(name, value)
    _ingest()
    sent = app.mail.send_message

    def send_then_restart(*args: Any, **kwargs: Any) -> None:
        sent(*args, **kwargs)
        restart()

    monkeypatch.setattr(app.mail, "send_message", send_then_restart)
    week = briefing.week_label(sites.anchor)
    ctx = app.load_context()
    try:
        with fault_on(ctx.store, "INSERT INTO BRIEFINGS", restart) as hits:
            outcome = app.brief(ctx, week, send=True)
        assert hits and outcome.sent, outcome.note
        assert [(r["week"], r["status"]) for r in ctx.store.deliveries()] == [(week, "sent")]
        again = app.brief(ctx, week, send=True)
    finally:
        ctx.close()
    assert len(smtp_server.messages) == 1 and "already sent" in again.note


# -- the real CLI, with the server restarted and down (slow: a Prefect flow each) ----------------

# Twelve feeds of 12 pages, 2 at a time: each source stores its batch at its own moment,
# from ~2 s to ~14 s after fetching starts, so the restarts meet transactions.
DELAYS = {f"s{n}{'-dup' if n == 0 else ''}": 0.3 + n / 6 for n in range(12)}
PER_SITE = 12


@pytest.fixture(scope="module")
def slow_sites() -> Iterator[HostileServer]:
    """Feeds whose pages answer at different speeds: items are stored over ~14 s."""
    with HostileServer(articles_per_site=PER_SITE, site_delays=DELAYS) as srv:
        yield srv


def cli_env(root: Path, server: HostileServer, db: str) -> dict[str, str]:
    """The environment of a `policywatch` child on db, over the feeds."""
    return make_env(root, server, DELAYS, POLICYWATCH_DB_URL=db).vars


def store_outcome(db: str) -> tuple[set[tuple[str, str]], set[frozenset[str]]]:
    """(url, status) of every item and the stories as sets of URLs."""
    store = Store.open(db)
    try:
        rows = store.export()
    finally:
        store.close()
    ids = {row["id"]: row["url"] for row in rows}
    stories: dict[str, set[str]] = {}
    for row in rows:
        stories.setdefault(ids[row["story"]] if row["story"] else row["url"], set()).add(row["url"])
    return {(r["url"], r["status"]) for r in rows}, {frozenset(s) for s in stories.values()}


def ingest_cli(
    env: dict[str, str], server: HostileServer, faults: Callable[[], list[str]]
) -> tuple[int, str, list[str]]:
    """`policywatch ingest`, with faults() run once its flow has started fetching pages."""
    before = sum(server.hits.values())
    proc = subprocess.Popen(
        [*CLI, "ingest"], env=env, cwd=env["POLICYWATCH_HOME"], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while sum(server.hits.values()) - before < len(DELAYS) + 2 and proc.poll() is None:
        assert time.monotonic() < deadline, "the flow never started fetching"
        time.sleep(0.02)
    done = faults()
    _, err = proc.communicate(timeout=300)
    return proc.returncode, err, done


@pytest.mark.slow
@pytest.mark.prefect
def test_cli_ingest_through_four_restarts_then_an_outage(
    pg_url: str, slow_sites: HostileServer, tmp_path: Path
) -> None:
    """Four `pg_ctl restart -m fast`, 1.5-4 s apart, during `policywatch ingest`: retried,
    exit 0, no traceback, the store of a clean run. Then a 12 s outage (longer than the
    retries) during another: exit 1 naming the database failure, and a re-run repairs it."""
    clean = new_database(pg_url)
    run_to_end(
        Env(tmp_path, cli_env(tmp_path / "clean", slow_sites, clean)),
        [sys.executable, "-c", INGEST],
    )
    expected = store_outcome(clean)
    rng = random.Random(SEED)

    def restarts() -> list[str]:
        """Four restarts 1.5-4 s apart: two `pg_ctl restart -m fast`, two with the server down
        1-2.5 s in between (as a real server's recovery takes), so transactions meet them."""
        done, began = [], time.monotonic()
        for n in range(4):
            time.sleep(rng.uniform(1.5, 4))
            down = rng.uniform(1, 2.5) if n % 2 else 0.0
            if down:
                pg_ctl("stop")
                time.sleep(down)
                pg_ctl("start")
            else:
                pg_ctl("restart")
            done.append(f"at {time.monotonic() - began:.1f} s, down {down:.1f} s")
        return done

    db = new_database(pg_url)
    env = cli_env(tmp_path / "restarts", slow_sites, db)
    code, err, done = ingest_cli(env, slow_sites, restarts)
    assert code == 0 and "Traceback" not in err, f"seed {SEED}, {done}:\n{err[-3000:]}"
    assert store_outcome(db) == expected, f"seed {SEED}, {done}"
    retried = [line for line in err.splitlines() if "retrying in" in line]
    print(f"restarts: seed {SEED}, {done}; {len(retried)} retries:", *retried, sep="\n  ")
    assert retried, "the restarts met no transaction: the test proved nothing"

    def outage() -> list[str]:
        pg_ctl("stop")
        time.sleep(12)
        pg_ctl("start")
        return ["down for 12 s"]

    db = new_database(pg_url)
    env = cli_env(tmp_path / "outage", slow_sites, db)
    code, err, _ = ingest_cli(env, slow_sites, outage)
    assert code == 1 and "Traceback" not in err, err[-3000:]
    assert "sources failed for a database reason" in err, err[-3000:]
    run_to_end(Env(tmp_path, env), [sys.executable, "-c", INGEST])
    assert store_outcome(db) == expected

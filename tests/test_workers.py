"""Scale-out for real: a Prefect server, two process workers, one PostgreSQL database.

Two ingest deployments (overlapping sources: the same source twice, and one story reachable
from two sources) run at once on two workers; then two briefing runs race for one send.
Compared with one sequential ingest into SQLite: same items, same story clusters, one email.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from pg import new_database
from smtp_server import SmtpServer
from test_ingest import write_sources

from flows.serve import free_port
from policywatch import app
from policywatch.briefing import ledger, week_label
from policywatch.demo.server import SiteServer
from policywatch.storage import Store

REPO = Path(__file__).resolve().parent.parent
POOL = "pw-test-pool"
RUN_TIMEOUT = 90  # seconds for a flow run to finish once scheduled

# alpha and gamma are in both deployments; beta's Atom feed and sitemap list the same posts.
SOURCES = """
fetch: {delay: 0, timeout: 1.5, retries: 1, respect_robots: true}
sources:
  - {id: alpha, name: Alpha Daily, kind: feed, url: "{{BASE:alpha}}/rss.xml", tags: [east, west]}
  - {id: beta-atom, name: Beta Institute, kind: feed, url: "{{BASE:beta}}/atom.xml", tags: [east]}
  - {id: beta-map, name: Beta map, kind: sitemap, url: "{{BASE:beta}}/sitemap.xml", tags: [west]}
  - id: gamma
    name: 某市人民政府 政策文件
    kind: listing
    url: "{{BASE:gamma}}/zcwj/index.html"
    link_selector: ".title-list-box ul.list li a"
    tags: [east, west]
"""


def _prefect(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("prefect")), *args]


@contextmanager
def process(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A subprocess in its own process group (a test may SIGKILL the group), stopped on exit;
    output to log."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


def wait_healthy(api_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{api_url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"prefect server not healthy after 60 s:\n{log.read_text()[-3000:]}")


def wait_for_workers(api_url: str, names: set[str], timeout: float = 120) -> None:
    """Until every named worker has sent a heartbeat to the pool (a run created earlier may
    all go to whichever worker came up first)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    deadline = time.monotonic() + timeout
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        while True:
            online = {w.name for w in client.read_workers_for_work_pool(POOL)}
            if names <= online:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"workers {sorted(names - online)} never came online")
            time.sleep(0.5)


def deploy_and_run(api_url: str, runs: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    """Deploy (from the local repo) and start each (entrypoint, name, parameters) at once;
    the flow runs once all are final."""
    return wait_final(api_url, deploy_and_start(api_url, runs))


def deploy_and_start(api_url: str, runs: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    """Deploy each (entrypoint, name, parameters) and start a run of each; the flow runs."""
    from prefect import Flow
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        ids: dict[str, Any] = {}
        for entrypoint, name, parameters in runs:
            flow = cast(Flow[..., Any], Flow.from_source(source=str(REPO), entrypoint=entrypoint))
            ids[name] = flow.deploy(
                name=name,
                work_pool_name=POOL,
                parameters=parameters,
                print_next_steps=False,
                ignore_warnings=True,
            )
        return [cast(FlowRun, run_deployment(ids[name], timeout=0)) for _e, name, _p in runs]


def wait_final(api_url: str, started: list[Any], timeout: float = RUN_TIMEOUT) -> list[Any]:
    """The flow runs, read again until every one is in a final state (AssertionError after
    timeout seconds)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        deadline = time.monotonic() + timeout
        with get_client(sync_client=True) as client:
            while True:
                done = [client.read_flow_run(r.id) for r in started]
                if all(r.state is not None and r.state.is_final() for r in done):
                    return done
                if time.monotonic() > deadline:
                    states = [(r.name, r.state.name if r.state else None) for r in done]
                    raise AssertionError(f"flow runs did not finish in {timeout} s: {states}")
                time.sleep(0.5)


def stories(rows: list[dict[str, Any]]) -> set[frozenset[str]]:
    """Story clusters as sets of URL paths (ports differ between runs; hosts do not)."""
    by_story: dict[int, set[str]] = {}
    for row in rows:
        if row["story"] is not None:
            by_story.setdefault(row["story"], set()).add(row["url"])
    return {frozenset(urls) for urls in by_story.values()}


def sequential_baseline(env: dict[str, str], db: str) -> list[dict[str, Any]]:
    """The same sources ingested once, in this process, into SQLite: the expected outcome."""
    saved = dict(os.environ)
    os.environ.update({**env, "POLICYWATCH_DB_URL": db})
    try:
        ctx = app.load_context()
        try:
            app.ingest(ctx)
            return ctx.store.export()
        finally:
            ctx.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def pw_vars(root: Path, smtp: SmtpServer) -> dict[str, str]:
    """POLICYWATCH_* of every worker: paths under root, one extraction process, the SMTP sink."""
    return {
        "POLICYWATCH_SOURCES": str(root / "sources.yaml"),
        "POLICYWATCH_DATA_DIR": str(root / "data"),
        "POLICYWATCH_REPORTS_DIR": str(root / "reports"),
        "POLICYWATCH_HOME": str(root),
        "POLICYWATCH_WORKERS": "1",
        "POLICYWATCH_SOURCE_RETRY_DELAY": "0",
        "POLICYWATCH_SMTP_HOST": smtp.host,
        "POLICYWATCH_SMTP_PORT": str(smtp.port),
        "POLICYWATCH_SMTP_SECURITY": "none",
        "POLICYWATCH_MAIL_TO": "analyst@example.org",
    }


def prefect_vars(pw_env: dict[str, str], db: str, root: Path) -> dict[str, str]:
    """The whole environment of the server and workers: pw_env on db, a Prefect API on a
    free port (PREFECT_API_URL), its home under root."""
    return {
        **os.environ,
        **pw_env,
        "POLICYWATCH_DB_URL": db,
        "PREFECT_HOME": str(root / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }


@contextmanager
def two_workers(
    env: dict[str, str], root: Path
) -> Iterator[tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]]:
    """A Prefect server at PREFECT_API_URL, the work pool and process workers w1 and w2
    (limit 1 each, logs root/w1.log and root/w2.log), all online; stopped on exit."""
    api_url = env["PREFECT_API_URL"]
    port = api_url.rsplit(":", 1)[1].split("/")[0]
    server_cmd = _prefect("server", "start", "--host", "127.0.0.1", "--port", port)
    with process(server_cmd, env, root / "server.log") as server:
        wait_healthy(api_url, server, root / "server.log")
        subprocess.run(
            _prefect("work-pool", "create", POOL, "--type", "process"), env=env, check=True
        )
        worker = ("worker", "start", "--pool", POOL, "--type", "process", "--limit", "1")
        with (
            process(_prefect(*worker, "--name", "w1"), env, root / "w1.log") as w1,
            process(_prefect(*worker, "--name", "w2"), env, root / "w2.log") as w2,
        ):
            wait_for_workers(api_url, {"w1", "w2"})
            yield w1, w2


@pytest.mark.slow
@pytest.mark.prefect
@pytest.mark.postgres
def test_two_workers_ingest_at_once_and_brief_once(
    pg_url: str, sites: SiteServer, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    db = new_database(pg_url)
    Store.open(db).close()
    write_sources(sites, tmp_path / "sources.yaml", SOURCES)
    week = week_label(sites.anchor)
    pw_env = pw_vars(tmp_path, smtp_server)
    expected = sequential_baseline(pw_env, f"sqlite:///{tmp_path / 'baseline.db'}")
    env = prefect_vars(pw_env, db, tmp_path)
    api_url = env["PREFECT_API_URL"]
    with two_workers(env, tmp_path):
        ingests = deploy_and_run(
            api_url,
            [
                ("flows/ingest.py:ingest", "ingest-east", {"tags": ["east"]}),
                ("flows/ingest.py:ingest", "ingest-west", {"tags": ["west"]}),
            ],
        )
        briefs = deploy_and_run(
            api_url,
            [
                ("flows/briefing.py:weekly_briefing", "brief-1", {"week": week}),
                ("flows/briefing.py:weekly_briefing", "brief-2", {"week": week}),
            ],
        )
    logs = "\n".join((tmp_path / f).read_text()[-2000:] for f in ("w1.log", "w2.log"))
    assert all(r.state.is_completed() for r in ingests + briefs), logs
    # Each worker (limit 1) ran one of the two ingests: two processes wrote one database.
    # (Whether they also overlapped in time depends on load: a worker polls every second.)
    ran = {f: (tmp_path / f).read_text() for f in ("w1.log", "w2.log")}
    owners = [
        [f for f, text in ran.items() if f"Flow run '{r.name}' submitted to infrastructure" in text]
        for r in ingests
    ]
    assert sorted(o[0] for o in owners if len(o) == 1) == ["w1.log", "w2.log"], owners

    store = Store.open(db)
    rows = store.export()
    sent = ledger(store)
    store.close()
    urls = [r["url"] for r in rows]
    assert len(urls) == len(set(urls)), "every item stored once"
    assert sorted(urls) == sorted(r["url"] for r in expected)
    assert Counter(r["status"] for r in rows) == Counter(r["status"] for r in expected)
    assert stories(rows) == stories(expected), "story clusters as in a sequential run"
    roots = {r["id"] for r in rows if r["story"] == r["id"]}
    assert all(r["story"] in roots for r in rows if r["story"] is not None)

    assert len(smtp_server.messages) == 1, "the weekly briefing is sent once"
    assert week in smtp_server.messages[0]["Subject"]
    assert [(row["week"], row["status"]) for row in sent] == [(week, "sent")]


def test_the_main_process_start_up_imports_no_extractor() -> None:
    """trafilatura, courlan and urllib3 (0.2 s) are the extraction workers' imports (the
    forkserver warms them), not every command's start-up."""
    import subprocess
    import sys

    heavy = ("trafilatura", "courlan", "urllib3")
    loaded = f"[m for m in {heavy!r} if m in sys.modules]"
    code = f"import sys, flows.ingest, policywatch.cli; print({loaded})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

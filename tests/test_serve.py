"""`policywatch serve` end to end: its own Prefect server, runs triggered through the API,
a clean SIGTERM shutdown with no process left, and a restart that unpauses the schedules."""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import isolated_vars
from delta_site import DELTA_SOURCES, EXPECTED_IN_RANGE, PAGE_ONE, REPO, key, write_sources

from flows.serve import free_port
from policywatch.demo.server import SiteServer
from policywatch.storage import Store

pytestmark = [pytest.mark.slow, pytest.mark.prefect]

RUN_TIMEOUT = 150.0


class Serve:
    """A `policywatch serve` subprocess and the API URL it announced."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "policywatch.cli", "serve", "--port", env["TEST_PORT"]],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=log.open("ab"),
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.api = self._announced("PREFECT_API_URL=", timeout=180).split("=", 1)[1]

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def _announced(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.proc.poll() is None, f"serve exited early:\n{self.log.read_text()}"
                continue
            if line.startswith(prefix):
                return line
        raise AssertionError(f"serve did not announce {prefix} in time:\n{self.log.read_text()}")

    def deployment(self, name: str, timeout: float = 60) -> dict[str, Any]:
        """The deployment once serve has registered it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = httpx.get(f"{self.api}/deployments/name/{name}")
            if response.status_code == 200:
                return dict(response.json())
            time.sleep(0.5)
        raise AssertionError(f"deployment {name} not registered:\n{self.log.read_text()}")

    def unpaused(self, name: str, timeout: float = 60) -> bool:
        """Wait until the deployment is registered and not paused (the restart re-applies it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.deployment(name)["paused"] is False:
                return True
            time.sleep(0.5)
        return False

    def run(self, name: str, parameters: dict[str, Any]) -> str:
        """Create a flow run; a loaded 2-core CI box makes the server answer 503 now and then."""
        deployment = self.deployment(name)
        url = f"{self.api}/deployments/{deployment['id']}/create_flow_run"
        for attempt in range(8):
            try:
                response = httpx.post(url, json={"parameters": parameters}, timeout=30)
            except httpx.TimeoutException:
                time.sleep(1 + attempt)
                continue
            if response.status_code < 500:
                break
            time.sleep(1 + attempt)
        response.raise_for_status()
        return str(response.json()["id"])

    def wait(self, run_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            try:
                run = httpx.get(f"{self.api}/flow_runs/{run_id}", timeout=30).json()
            except (httpx.TimeoutException, ValueError):
                time.sleep(1)
                continue
            if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                return dict(run)
            time.sleep(1)
        raise AssertionError(f"flow run {run_id} did not finish:\n{self.log.read_text()}")

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def processes_with(marker: str) -> list[str]:
    """Live processes whose environment mentions marker (serve, its server, flow runs)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if marker.encode() in environ and "State:\tZ" not in status:
            found.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()[:200]!r}")
    return found


def serve_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLICYWATCH_"))}
    env.update(
        **isolated_vars(tmp_path),
        POLICYWATCH_TIMEZONE="Asia/Shanghai",
        POLICYWATCH_SOURCE_RETRY_DELAY="0",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        TEST_PORT=str(free_port()),
    )
    return env


def test_serve_runs_deployments_and_shuts_down_cleanly(sites: SiteServer, tmp_path: Path) -> None:
    write_sources(sites, tmp_path / "sources.yaml", DELTA_SOURCES)
    env, marker = serve_env(tmp_path), str(tmp_path / "data")
    log = tmp_path / "serve.log"
    anchor = sites.anchor
    serve = Serve(env, log)
    try:
        ingest = serve.deployment("ingest/ingest")
        assert ingest["paused"] is False
        assert ingest["schedules"][0]["schedule"]["timezone"] == "Asia/Shanghai"
        assert ingest["schedules"][0]["schedule"]["cron"] == "0 */6 * * *"
        since, until = anchor - timedelta(days=19), anchor - timedelta(days=1)
        runs = [
            serve.run("ingest/ingest", {"sources": ["delta-news"]}),
            serve.run("backfill/backfill", {"since": str(since), "until": str(until)}),
        ]
        finished = [serve.wait(run_id) for run_id in runs]
        assert [r["state"]["type"] for r in finished] == ["COMPLETED", "COMPLETED"], log.read_text()
    finally:
        code = serve.terminate()
    assert code == 0, log.read_text()
    _assert_gone(marker, serve.api)
    _assert_stored(tmp_path, anchor)
    assert _paused(tmp_path) == {"ingest": 1, "weekly_briefing": 1, "backfill": 1}

    again = Serve(env, log)
    try:
        for name in ("ingest/ingest", "weekly_briefing/weekly_briefing", "backfill/backfill"):
            assert again.unpaused(name), f"{name} still paused after restart"
    finally:
        assert again.terminate() == 0
    _assert_gone(marker, again.api)
    assert _paused(tmp_path) == {"ingest": 1, "weekly_briefing": 1, "backfill": 1}


def _assert_gone(marker: str, api: str) -> None:
    deadline = time.monotonic() + 10
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with(marker) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{api}/health", timeout=2)


def _assert_stored(tmp_path: Path, anchor: Any) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'data' / 'pw.db'}")
    try:
        rows = store.export()
    finally:
        store.close()
    urls = [key(r["url"]) for r in rows]
    assert len(urls) == len(set(urls)), "a URL stored twice"
    assert set(urls) == set(EXPECTED_IN_RANGE) | set(PAGE_ONE)
    reports = sorted(p.name for p in (tmp_path / "reports").glob("20*-W*.html"))
    assert len(reports) == 3


def _paused(tmp_path: Path) -> dict[str, int]:
    """Deployment pause flags as the stopped server left them in its SQLite database."""
    db = tmp_path / "data" / "prefect" / "prefect.db"
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT name, paused FROM deployment").fetchall())

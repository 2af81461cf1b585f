"""`policywatch serve`: run the schedules on one machine.

Uses the Prefect API at PREFECT_API_URL when set; otherwise starts `prefect server start` on
127.0.0.1 as a child process (SQLite under PREFECT_HOME, i.e. the data folder), waits until
it is healthy, serves the deployments of flows/deployments.py and, on Ctrl-C or SIGTERM,
stops serving and then stops the server (its whole process group), leaving nothing behind.
It lives in flows/ with everything else that touches Prefect (imported lazily here, so
`policywatch serve --help` and the server start stay quick); policywatch/ stays Prefect-free.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx

from policywatch.errors import PolicywatchError

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = 180.0  # seconds; a fresh PREFECT_HOME takes 15-25 s on a slow machine
STOP_TIMEOUT = 15.0


@dataclass
class LocalServer:
    """A `prefect server start` child process in its own process group."""

    process: subprocess.Popen[bytes]
    url: str  # http://host:port (the UI); the API is under /api
    log_path: Path

    @property
    def api_url(self) -> str:
        return self.url + "/api"

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM the server's process group, then SIGKILL whatever is left after timeout."""
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        _signal_group(self.process.pid, signal.SIGKILL)  # stragglers that ignored SIGTERM


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_server(
    prefect_home: Path, host: str = "127.0.0.1", port: int | None = None
) -> LocalServer:
    """Start `prefect server start` (log in PREFECT_HOME/server.log); does not wait for it."""
    port = port or free_port(host)
    prefect_home.mkdir(parents=True, exist_ok=True)
    log_path = prefect_home / "server.log"
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_API_HOST=host,
        PREFECT_SERVER_API_PORT=str(port),
    )
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", host]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop the server after serve()
            preexec_fn=_die_with_parent,
        )
    return LocalServer(process, f"http://{host}:{port}", log_path)


def _die_with_parent() -> None:
    """Linux: SIGTERM the server if `policywatch serve` itself is killed (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def wait_healthy(
    api_url: str, timeout: float = HEALTH_TIMEOUT, server: LocalServer | None = None
) -> None:
    """Poll GET {api_url}/health until it answers true; fail early if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.process.poll() is not None:
            raise PolicywatchError(
                f"Prefect server exited with code {server.process.returncode}; "
                f"see {server.log_path}:\n{_tail(server.log_path)}"
            )
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(api_url.rstrip("/") + "/health", timeout=2)
            if response.status_code == 200 and response.json() is True:
                return
        time.sleep(0.3)
    where = f"; see {server.log_path}" if server else ""
    raise PolicywatchError(f"Prefect API {api_url} not healthy after {timeout:.0f} s{where}")


API_CHECK_TIMEOUT = 10.0  # seconds a configured Prefect API may take to answer at start


def check_api() -> None:
    """Before a flow starts: a configured Prefect API (PREFECT_API_URL or the profile) must
    answer, else one line naming it and what to do (no temporary server is started instead)."""
    from prefect.settings import get_current_settings

    api_url = get_current_settings().api.url
    if not api_url:  # no server configured: the flow starts a temporary local one
        return
    try:
        wait_healthy(api_url, timeout=API_CHECK_TIMEOUT)
    except PolicywatchError:
        raise PolicywatchError(
            f"Prefect API {api_url} is unreachable (no healthy answer within "
            f"{API_CHECK_TIMEOUT:.0f} s): start the server, or unset PREFECT_API_URL to run "
            "with a temporary local one; nothing was fetched"
        ) from None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into a clean exit so `finally` blocks run (exit code 0, like Prefect's
    runner, which installs its own handler once serving)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def prefect_api(prefect_home: Path, host: str, port: int | None) -> Iterator[str]:
    """PREFECT_API_URL if set, else a local server started here and stopped on exit."""
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        wait_healthy(existing, timeout=30)
        yield existing
        return
    server = start_server(prefect_home, host, port)
    try:
        wait_healthy(server.api_url, server=server)
        os.environ["PREFECT_API_URL"] = server.api_url  # before Prefect is imported
        yield server.api_url
    finally:
        server.stop()


def serve_deployments(limit: int | None = None) -> None:
    """Register the deployments unpaused, execute their runs until interrupted, then pause them.

    Prefect's own pause-on-shutdown is unreliable on SIGTERM (its handler exits mid-loop and
    pauses only some deployments), so the pause is done here, while the API is still up.
    """
    from prefect import serve

    from flows.deployments import build_deployments

    deployments = build_deployments()
    warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited")
    try:
        serve(*deployments, limit=limit, pause_on_shutdown=False, print_starting_message=False)
    finally:
        pause([f"{d.flow_name}/{d.name}" for d in deployments])


def pause(names: list[str]) -> None:
    """Pause deployments by 'flow/deployment' name, so no runs pile up while nobody serves."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for name in names:
            try:
                client.pause_deployment(client.read_deployment_by_name(name).id)
            except Exception as exc:  # best effort at shutdown: the API may be gone already
                log.warning("could not pause deployment %s: %s", name, exc)


def run_serve(
    prefect_home: Path,
    host: str = "127.0.0.1",
    port: int | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """The `policywatch serve` command: API (maybe a local server), deployments, clean exit."""
    with sigterm_as_exit(), prefect_api(prefect_home, host, port) as api_url:
        ui = api_url.removesuffix("/").removesuffix("/api")
        echo(f"Prefect UI: {ui}")
        echo(f"PREFECT_API_URL={api_url}")
        from flows.deployments import describe_schedules

        echo("Serving the policywatch deployments (Ctrl-C stops):")
        for line in describe_schedules():
            echo(line)
        with contextlib.suppress(KeyboardInterrupt):
            serve_deployments()

"""Shared fixtures: fixture sites on loopback, an isolated policywatch environment, Prefect."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):  # parallel test processes: a Prefect home each
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="pw-prefect-home-")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("POLICYWATCH_SOURCE_RETRY_DELAY", "0")

from pg import pg_url  # noqa: F401
from smtp_server import smtp_server  # noqa: F401  (re-exported fixture)
from webhook_server import webhook  # noqa: F401  (re-exported fixture)

from policywatch.demo.server import SiteServer

pytest_plugins = ["fault_env"]  # the fault tests' fixtures (template_db, stored, faulty)

TESTS = Path(__file__).parent
SITES = TESTS / "sites"
REPO = TESTS.parent


@pytest.fixture(scope="session")
def sites() -> Iterator[SiteServer]:
    """The test fixture sites (alpha, beta, broken, gamma), each on its own 127.0.0.x."""
    with SiteServer(SITES, first_ip=20, slow_seconds=10) as server:
        yield server


def isolated_vars(root: Path) -> dict[str, str]:
    """POLICYWATCH_* settings with every path under root and one extraction worker."""
    return {
        "POLICYWATCH_SOURCES": str(root / "sources.yaml"),
        "POLICYWATCH_DB_URL": f"sqlite:///{root / 'data' / 'pw.db'}",
        "POLICYWATCH_DATA_DIR": str(root / "data"),
        "POLICYWATCH_REPORTS_DIR": str(root / "reports"),
        "POLICYWATCH_HOME": str(root),  # the baseline: built-in seeds (+ root/baseline)
        "POLICYWATCH_WORKERS": "1",
    }


def isolate_env(mp: pytest.MonkeyPatch, root: Path) -> None:
    """Point every POLICYWATCH_* path under root; one extraction worker; no SMTP."""
    for name, value in isolated_vars(root).items():
        mp.setenv(name, value)
    for name in ("SMTP_HOST", "MAIL_TO", "TOPICS", "TIMEZONE", "BASELINE_DIR", "BUILTIN_BASELINE"):
        mp.delenv("POLICYWATCH_" + name, raising=False)


@pytest.fixture()
def pw_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated policywatch environment under tmp_path; returns tmp_path."""
    isolate_env(monkeypatch, tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One Prefect test harness (temporary API) for the whole session: it takes ~15 s."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield

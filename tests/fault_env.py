"""Shared by the fault tests: the fixture sites ingested once (each test starts from a copy of
the database), and reading the ledgers and the CLI's error line."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import isolate_env
from smtp_faults import FaultySmtp
from test_ingest import write_sources

from policywatch import app
from policywatch.briefing import week_label
from policywatch.demo.server import SiteServer
from policywatch.storage import Store


@pytest.fixture(scope="module")
def template_db(sites: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture sites ingested once; each test starts from a copy."""
    root = tmp_path_factory.mktemp("smtp-template")
    with pytest.MonkeyPatch.context() as mp:
        isolate_env(mp, root)
        write_sources(sites, root / "sources.yaml")
        ctx = app.load_context()
        try:
            app.ingest(ctx)
        finally:
            ctx.close()
    return root / "data" / "pw.db"


@pytest.fixture()
def stored(template_db: Path, sites: SiteServer, pw_env: Path) -> Path:
    write_sources(sites, pw_env / "sources.yaml")
    copy_db(template_db, pw_env / "data" / "pw.db")
    return pw_env


@pytest.fixture()
def faulty() -> Iterator[FaultySmtp]:
    with FaultySmtp() as server:
        yield server


def copy_db(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def point(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def weeks(sites: SiteServer) -> tuple[str, str]:
    """The fixture sites' week and the week after it (the next weekly run)."""
    return week_label(sites.anchor), week_label(sites.anchor + timedelta(days=7))


def ledger(root: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The POLICYWATCH_MAIL_TO ledger: (week, recipients) -> row."""
    store = Store.open(f"sqlite:///{root / 'data' / 'pw.db'}")
    try:
        return {(r["week"], r["recipients"]): r for r in store.deliveries()}
    finally:
        store.close()


def sends(root: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The subscriptions ledger: (subject, recipient) -> row."""
    store = Store.open(f"sqlite:///{root / 'data' / 'pw.db'}")
    try:
        return {(r["subject"], r["recipient"]): r for r in store.sends()}
    finally:
        store.close()


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The run failed with exit 1 and exactly one 'policywatch: error:' line, no traceback."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("policywatch: error")]
    assert len(errors) == 1, result.stderr
    return errors[0]

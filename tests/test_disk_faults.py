"""Disk faults through the real CLI: the reports folder on a full 1 MB tmpfs and on a read-only
one, and the SQLite database on a full filesystem. Each gives one clear error line and exit 1,
leaves no partial file and nothing marked sent, corrupts nothing, and a re-run after the fault
is gone completes (sending exactly once). The tmpfs mounts need root; elsewhere these skip."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fault_env import ledger, one_error_line, point, weeks
from smtp_server import SmtpServer
from test_cli import run_cli

from policywatch import app
from policywatch.demo.server import SiteServer
from policywatch.models import SourceResult
from policywatch.storage import Store


@contextmanager
def tmpfs(size: str, *options: str) -> Iterator[Path]:
    """A fresh tmpfs of `size` mounted on a temporary folder (skip when mounting is refused)."""
    where = Path(tempfile.mkdtemp(prefix="pw-tmpfs-"))
    opts = ",".join([f"size={size}", *options])
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], capture_output=True, text=True
    )
    if done.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs (needs root): {done.stderr.strip() or done.returncode}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        where.rmdir()


def remount(where: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True)


def fill(where: Path, leave: int = 0) -> Path:
    """Fill the filesystem up to `leave` bytes free; returns the filler file."""
    filler = where / "filler.bin"
    with filler.open("wb") as fh:
        try:
            while True:
                room = os.statvfs(where).f_bavail * os.statvfs(where).f_frsize - leave
                if room <= 0:
                    break
                fh.write(b"\0" * min(room, 1 << 16))
                fh.flush()
        except OSError:  # ENOSPC: full
            pass
    return filler


def smtp_env(smtp: SmtpServer) -> dict[str, str]:
    return {
        "POLICYWATCH_SMTP_HOST": smtp.host,
        "POLICYWATCH_SMTP_PORT": str(smtp.port),
        "POLICYWATCH_SMTP_SECURITY": "none",
        "POLICYWATCH_MAIL_TO": "analyst@example.org",
    }


def assert_whole_archive(folder: Path) -> None:
    """No temporary or empty file is left; every sidecar is valid JSON."""
    files = [p for p in folder.rglob("*") if p.is_file() and p.name != "filler.bin"]
    assert not [p for p in files if p.name.endswith(".tmp")], files
    assert not [p for p in files if p.stat().st_size == 0], files
    for sidecar in folder.glob("*-W*.json"):
        json.loads(sidecar.read_text(encoding="utf-8"))


def brief_send(week: str) -> subprocess.CompletedProcess[str]:
    return run_cli("brief", "--week", week, "--send")


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_reports_folder_full_or_read_only_fails_cleanly_and_sends_nothing(
    fault: str,
    stored: Path,
    sites: SiteServer,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    week, _next = weeks(sites)
    point(monkeypatch, smtp_env(smtp_server))
    with tmpfs("1m") as reports:
        monkeypatch.setenv("POLICYWATCH_REPORTS_DIR", str(reports))
        filler = fill(reports, leave=16 * 1024) if fault == "full" else None
        if fault == "read-only":
            remount(reports, "ro")
        line = one_error_line(brief_send(week))
        reason = "No space left on device" if fault == "full" else "Read-only file system"
        assert f"{reports}/" in line and f"cannot write: {reason}" in line, line
        assert_whole_archive(reports)
        assert ledger(stored) == {} and smtp_server.messages == []  # the week is not sent

        if filler is not None:
            filler.unlink()
        else:
            remount(reports, "rw")
        done = brief_send(week)
        assert done.returncode == 0, done.stderr
        assert len(smtp_server.messages) == 1
        assert {f"{week}.{ext}" for ext in ("html", "md", "txt", "json")} <= {
            p.name for p in reports.iterdir()
        }
        assert_whole_archive(reports)
    assert brief_send(week).returncode == 0 and len(smtp_server.messages) == 1


def test_database_on_a_full_disk_fails_cleanly_corrupts_nothing_and_recovers(
    template_db: Path,
    stored: Path,
    sites: SiteServer,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Full at start: `brief` cannot open the database and says the disk is full. Filling up
    during an ingest: the source whose batch did not fit fails with the reason, the others are
    stored, integrity holds. After space is freed the re-run stores what a clean run stores,
    and the briefing goes out once."""
    week, _next = weeks(sites)
    point(monkeypatch, smtp_env(smtp_server))
    with tmpfs("2m") as data:
        db = data / "pw.db"
        monkeypatch.setenv("POLICYWATCH_DB_URL", f"sqlite:///{db}")
        Store.open(f"sqlite:///{db}").close()  # the schema, nothing stored yet
        filler = fill(data)
        line = one_error_line(brief_send(week))
        assert "cannot open database" in line and "its filesystem is full" in line, line

        filler.unlink()
        filler = fill(data, leave=96 * 1024)
        results = ingest()
        failed = [r.error for r in results if r.error and "disk is full" in r.error]
        assert failed and all(len(e.splitlines()) == 1 for e in failed), results
        assert integrity(db) == "ok"

        filler.unlink()
        ingest()
        assert integrity(db) == "ok" and items(db) == items(template_db)
        done = brief_send(week)
        assert done.returncode == 0, done.stderr
        assert len(smtp_server.messages) == 1
        assert [r["status"] for r in ledger_at(db)] == ["sent"]


def ingest() -> list[SourceResult]:
    ctx = app.load_context()
    try:
        return app.ingest(ctx)
    finally:
        ctx.close()


def items(db: Path) -> set[tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        return set(con.execute("SELECT url, status FROM items"))
    finally:
        con.close()


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def ledger_at(db: Path) -> list[sqlite3.Row]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return list(con.execute("SELECT * FROM briefings"))
    finally:
        con.close()

"""The working-folder model: POLICYWATCH_HOME, `init`, `config` and `--version` (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from policywatch import __version__
from policywatch.errors import ConfigError
from policywatch.scaffold import shipped_text
from policywatch.settings import VARIABLES, settings_from_env

REPO = Path(__file__).parent.parent


def cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICYWATCH_")}
    clean.update(env, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "policywatch.cli", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_init_scaffolds_a_folder_that_checks_and_keeps_files(tmp_path: Path) -> None:
    out = cli(tmp_path, "init", "work")
    assert out.returncode == 0, out.stderr
    work = tmp_path / "work"
    for name in ("sources.yaml", "topics.yaml", ".env.example", "prefect.yaml"):
        assert (work / name).is_file() and f"created work/{name}" in out.stdout
    assert (work / "baseline").is_dir() and not any((work / "baseline").iterdir())
    check = cli(work, "sources", "check", "--offline")
    assert check.returncode == 0 and "OK, 21 sources" in check.stderr, check.stderr
    assert cli(work, "items").returncode == 0  # topics.yaml example is a valid lexicon
    (work / "sources.yaml").write_text("sources: []\n")
    again = cli(tmp_path, "init", "work")
    assert "kept    work/sources.yaml" in again.stdout and "created" not in again.stdout
    assert (work / "sources.yaml").read_text() == "sources: []\n"


def test_env_example_lists_every_variable(tmp_path: Path) -> None:
    cli(tmp_path, "init", ".")
    text = (tmp_path / ".env.example").read_text()
    for var in VARIABLES:
        assert f"# POLICYWATCH_{var.name}=" in text


def test_shipped_files_equal_the_checkout_ones() -> None:
    assert shipped_text("sources.yaml") == (REPO / "sources.yaml").read_text(encoding="utf-8")
    assert shipped_text("prefect.yaml") == (REPO / "prefect.yaml").read_text(encoding="utf-8")


def test_home_resolves_every_path(tmp_path: Path) -> None:
    (tmp_path / "topics.yaml").write_text("threshold: 0.4\n")
    s = settings_from_env({"POLICYWATCH_HOME": str(tmp_path), "POLICYWATCH_REPORTS_DIR": "out"})
    assert s.sources_path == tmp_path / "sources.yaml"
    assert s.topics_path == tmp_path / "topics.yaml"
    assert s.baseline_dir == tmp_path / "baseline"
    assert s.reports_dir == tmp_path / "out"  # relative variables are relative to the home
    assert s.db_url == f"sqlite:///{tmp_path / 'data' / 'policywatch.db'}"
    with pytest.raises(ConfigError, match="POLICYWATCH_HOME"):
        settings_from_env({"POLICYWATCH_HOME": str(tmp_path / "missing")})
    with pytest.raises(ConfigError, match="POLICYWATCH_BUILTIN_BASELINE"):
        settings_from_env({"POLICYWATCH_BUILTIN_BASELINE": "maybe"})


def test_config_shows_origins_and_masks_secrets(tmp_path: Path) -> None:
    out = cli(
        tmp_path,
        "config",
        POLICYWATCH_SMTP_PASSWORD="hunter2-secret",
        POLICYWATCH_DB_URL="postgresql+psycopg://pw:dbsecret@db/pw",
        POLICYWATCH_TIMEZONE="Asia/Shanghai",
    )
    assert out.returncode == 0, out.stderr
    assert "hunter2-secret" not in out.stdout and "dbsecret" not in out.stdout
    lines = {line.split("=", 1)[0]: line for line in out.stdout.splitlines()}
    assert lines["POLICYWATCH_TIMEZONE"].endswith("(environment)")
    assert "Asia/Shanghai" in lines["POLICYWATCH_TIMEZONE"]
    assert lines["POLICYWATCH_SMTP_PASSWORD"].split()[0].endswith("********")
    assert str(tmp_path / "sources.yaml") in lines["POLICYWATCH_SOURCES"]
    assert lines["POLICYWATCH_SOURCES"].endswith("(default)")
    assert "pw:********@db/pw" in lines["POLICYWATCH_DB_URL"]


def test_version(tmp_path: Path) -> None:
    out = cli(tmp_path, "--version")
    assert out.returncode == 0 and out.stdout.strip() == f"policywatch {__version__}"

"""The README stays true: its commands exist, its env vars are the ones the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from policywatch.cli import app

REPO = Path(__file__).parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_exactly_two_commands() -> None:
    block = README.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [
        line for line in block.splitlines()[1:] if line.strip() and not line.startswith("#")
    ]
    assert commands == ["./pw demo", "./pw test"]


def test_every_documented_command_has_help() -> None:
    documented = set(re.findall(r"^\| `policywatch ([a-z]+(?: [a-z]+)?)", README, re.M))
    assert {"ingest", "items", "brief", "run", "backfill", "serve", "demo"} <= {
        d.split()[0] for d in documented
    }
    runner = CliRunner()
    for command in sorted(documented):
        result = runner.invoke(app, [*command.split(), "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_every_env_var_in_code_is_documented() -> None:
    code = "".join(p.read_text(encoding="utf-8") for p in (REPO / "policywatch").rglob("*.py"))
    code += "".join(p.read_text(encoding="utf-8") for p in (REPO / "flows").rglob("*.py"))
    used = set(re.findall(r"POLICYWATCH_[A-Z_]+[A-Z]", code))
    config = (REPO / "policywatch" / "settings.py").read_text(encoding="utf-8")
    used |= {"POLICYWATCH_" + n for n in re.findall(r'get\("([A-Z_]+)"\)', config)}
    used |= {"POLICYWATCH_" + n for n in re.findall(r'Variable\("([A-Z_]+)"', config)}
    internal = {"POLICYWATCH_DEMO_DIR", "POLICYWATCH_VENV", "POLICYWATCH_SOURCE_RETRY_DELAY"}
    undocumented = {v for v in used - internal if v not in README}
    assert not undocumented, undocumented


def test_log_level_any_case_and_bad_value_is_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, POLICYWATCH_SOURCES=str(REPO / "sources.yaml"))
    cmd = [sys.executable, "-m", "policywatch.cli", "sources", "list"]
    ok = subprocess.run(
        cmd, env={**env, "POLICYWATCH_LOG_LEVEL": "info"}, capture_output=True, text=True
    )
    bad = subprocess.run(
        cmd, env={**env, "POLICYWATCH_LOG_LEVEL": "loud"}, capture_output=True, text=True
    )
    assert ok.returncode == 0 and "gov-cn-latest-policy" in ok.stdout
    assert bad.returncode == 2 and "POLICYWATCH_LOG_LEVEL" in bad.stderr
    assert "Traceback" not in bad.stderr

"""Smoke tests: every benchmark script runs in its quick mode and prints its figure lines.

Figures are not checked (this machine is shared and noisy); that the scripts still run against
the current code, and report what BENCHMARKS.md quotes, is. Together they take about a minute.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def run_bench(script: str, *args: str, timeout: float = 150) -> str:
    """Run a bench script with this interpreter; its stdout, failing the test on exit != 0."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


NUMBER = r"\d+(?:\.\d+)?"


def test_ingest_quick_prints_every_figure() -> None:
    out = run_bench("ingest.py", "--quick")
    for pattern in (
        rf"^floor: .* -> {NUMBER} pages/s",
        rf"^floor in \d+ processes: {NUMBER} s \(slowest share; {NUMBER} x floor\)",
        rf"^peer: trafilatura CLI .* -> {NUMBER} pages/s",
        rf"^prefect server start .*: {NUMBER} s",
        rf"^policywatch: {NUMBER} s -> {NUMBER} pages/s",
        rf"^ratio policywatch/floor: -?{NUMBER}",  # negative: start-up varied by more than 16 pages
        rf"^ratio policywatch/peer: {NUMBER}",
        rf"^peak RSS: {NUMBER} MB policywatch process tree",
        rf"^prefect overhead: -?{NUMBER} ms per task run \(1 task runs",
        rf"^cpu: policywatch main process {NUMBER} s, forkserver \+ extraction workers {NUMBER} s",
        rf"^cpu bound: {NUMBER} s of CPU / \d+ cores = {NUMBER} s",
    ):
        assert re.search(pattern, out, re.MULTILINE), f"missing {pattern!r} in:\n{out}"
    stored = re.search(r"stored \{(.*)\}", out)
    assert stored and "'new'" in stored.group(1), out  # pages went all the way into the store
    workers = re.search(rf"extraction workers ({NUMBER}) s", out)
    assert workers and float(workers.group(1)) > 0, out  # the sampler saw the worker processes


def test_dedup_scale_quick() -> None:
    out = run_bench("dedup_scale.py", "--quick")
    assert re.search(rf"candidates/lookup {NUMBER}, correct \d+/\d+", out), out
    assert re.search(rf"lookup \(SQL\+compare\)\s+median {NUMBER} ms", out), out
    assert re.search(rf"cross-language lookup\s+median {NUMBER} ms", out), out


def test_dedup_quality_quick() -> None:
    out = run_bench("dedup_quality.py", "--quick")
    assert re.search(rf"fingerprint {NUMBER} ms", out), out
    assert "Targets recall" in out, out


def test_relevance_quality_quiet() -> None:
    out = run_bench("relevance_quality.py", "--quiet")
    assert re.search(rf"\[heldout\] items=\d+ precision={NUMBER} recall={NUMBER}", out), out


def test_policy_quality_prints_every_figure() -> None:
    out = run_bench("policy_quality.py", "--set", "tune", "--quiet")
    assert re.search(r"^tune: \d+ pages \(\d+ drafts, \d+ finals", out, re.MULTILINE), out
    for name in ("title", "document_number", "issuer", "consultation_deadline", "link recall"):
        assert re.search(rf"^  {name} +{NUMBER}", out, re.MULTILINE), f"{name} missing:\n{out}"


def test_crosslang_quality_meets_its_targets_on_the_held_out_half() -> None:
    out = run_bench("crosslang_quality.py", "--set", "all", "--check")
    for half in ("tune", "heldout"):
        assert re.search(rf"^{half}: \d+ same-story pairs, \d+ different-story", out, re.M), out
    assert re.search(rf"^  precision {NUMBER} .*\n  recall    {NUMBER}", out, re.M), out


@pytest.mark.slow
@pytest.mark.prefect
def test_load_quick_stores_every_good_item_and_records_every_fault() -> None:
    """bench/load.py --quick: 50 sources through the CLI and a Prefect server, every fault
    kind once (~50 s)."""
    out = run_bench("load.py", "--quick", timeout=300)
    assert re.search(r"^good items stored: (\d+) of \1 \(lost 0\)", out, re.M), out
    assert re.search(r"^misbehaving sources recorded as failed: (\d+) of \1$", out, re.M), out
    assert re.search(rf"^peak RSS: {NUMBER} MB policywatch process tree", out, re.M), out
    assert "load check: passed" in out, out

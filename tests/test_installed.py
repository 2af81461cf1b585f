"""The built package, installed (not editable), run from an unrelated folder: the seed baseline
ships inside it and applies whatever the working directory (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from policywatch.demo import DEMO_SITES, SiteServer, demo_sources_text, expected_items

REPO = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the checkout, unpacked (as pip installs it) into a folder of its own."""
    out = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps"]
    subprocess.run([*build, "-w", str(out), str(REPO)], check=True, capture_output=True)
    (wheel,) = out.glob("policywatch-*.whl")
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    return target


def _run(
    site: Path, cwd: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """Run python with only the installed package importable from `site` (not the checkout)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICYWATCH_")}
    clean.update(env, PYTHONPATH=str(site), PYTHONSAFEPATH="1")
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=300
    )


def test_wheel_ships_the_seed_baseline(installed: Path) -> None:
    seeds = sorted((installed / "policywatch" / "data" / "baseline").glob("*.txt"))
    assert len(seeds) == 4
    assert (installed / "policywatch" / "data" / "sources.yaml").is_file()


def test_installed_package_applies_the_baseline_from_any_folder(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    with SiteServer(DEMO_SITES, first_ip=90) as server:
        sources = tmp_path / "sources.yaml"
        sources.write_text(demo_sources_text(server), encoding="utf-8")
        env = {"POLICYWATCH_SOURCES": str(sources), "POLICYWATCH_WORKERS": "1"}
        where = _run(
            installed, elsewhere, env, "-c", "import policywatch; print(policywatch.__file__)"
        )
        assert where.stdout.startswith(str(installed)), where.stderr
        code = "from policywatch import app; ctx = app.load_context(); app.ingest(ctx); ctx.close()"
        ingest = _run(installed, elsewhere, env, "-c", code)
        assert ingest.returncode == 0, ingest.stderr
        export = _run(installed, elsewhere, env, "-m", "policywatch.cli", "items", "--no-text")
        listing = _run(installed, elsewhere, env, "-m", "policywatch.cli", "baseline", "list")
    (seed_copy,) = [i for i in expected_items() if i["expect"] == "baseline"]
    rows = {r["url"].split("/", 3)[3]: r for r in json.loads(export.stdout)}
    assert rows[seed_copy["path"].lstrip("/")]["status"] == "baseline"
    assert (elsewhere / "data" / "policywatch.db").is_file()  # the working folder is the cwd
    assert len(listing.stdout.splitlines()) == 4 and "built-in" in listing.stdout

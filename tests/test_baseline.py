"""The baseline corpus: list, add (text, HTML, URL), override folder, and matching copies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from policywatch.baseline import load_baseline, match_baseline
from policywatch.dedupe import fingerprint
from policywatch.demo.server import SiteServer

REPO = Path(__file__).parent.parent
CLI = [sys.executable, "-m", "policywatch.cli"]
ANNOUNCEMENT = (
    "The provincial science department announced a three-year programme to support public "
    "computing platforms for artificial intelligence research in universities. The programme "
    "funds shared GPU clusters, open datasets for Chinese language models and training for "
    "local government staff. Applications open in January and close at the end of March.\n"
    "Officials said the programme complements the national plan for new infrastructure and "
    "will be evaluated by an independent panel after eighteen months of operation."
)


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "baseline"
    target.mkdir()
    monkeypatch.setenv("POLICYWATCH_BASELINE_DIR", str(target))
    monkeypatch.delenv("POLICYWATCH_BUILTIN_BASELINE", raising=False)
    return target


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )


def test_list_shows_the_four_seeds(folder: Path) -> None:
    out = cli("baseline", "list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 4
    assert all(" built-in " in line for line in lines)
    assert any("Chinese High-tech Zones Collaborate" in line for line in lines)
    assert "4 baseline documents (4 built-in, 0 from" in out.stderr


def test_user_documents_extend_the_built_in_ones(folder: Path, tmp_path: Path) -> None:
    doc = tmp_path / "note.txt"
    doc.write_text(ANNOUNCEMENT, encoding="utf-8")
    assert cli("baseline", "add", str(doc)).returncode == 0
    out = cli("baseline", "list")
    assert len(out.stdout.splitlines()) == 5
    assert str(folder) in out.stdout and "5 baseline documents (4 built-in, 1 from" in out.stderr


def test_built_in_documents_can_be_left_out(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYWATCH_BUILTIN_BASELINE", "false")
    assert cli("baseline", "list").stdout == ""
    doc = tmp_path / "note.txt"
    doc.write_text(ANNOUNCEMENT, encoding="utf-8")
    cli("baseline", "add", str(doc))
    assert [d.origin for d in load_baseline(folder, builtin=False)] == [str(next(folder.iterdir()))]


def test_missing_baseline_folder_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYWATCH_BASELINE_DIR", str(tmp_path / "typo"))
    out = cli("baseline", "list")
    assert out.returncode == 2 and "POLICYWATCH_BASELINE_DIR" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("POLICYWATCH_BASELINE_DIR", str(tmp_path / "file"))
    assert "is not a folder" in cli("ingest").stderr


def test_default_folder_in_the_working_folder_may_be_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POLICYWATCH_BASELINE_DIR", raising=False)
    monkeypatch.setenv("POLICYWATCH_HOME", str(tmp_path))
    out = cli("baseline", "list")
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 4


def test_add_text_file_is_idempotent(folder: Path, tmp_path: Path) -> None:
    doc = tmp_path / "note.txt"
    doc.write_text(ANNOUNCEMENT, encoding="utf-8")
    first, second = cli("baseline", "add", str(doc)), cli("baseline", "add", str(doc))
    assert first.returncode == 0 and first.stdout == second.stdout
    assert len(load_baseline(folder)) == 5  # the four built-in ones and the new one


def test_add_html_file_extracts_main_text(folder: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in ANNOUNCEMENT.split("\n"))
    page.write_text(
        f"<html><head><title>Programme</title></head><body><nav>Home | News</nav>"
        f"<article><h1>Computing programme</h1>{paragraphs}</article>"
        f"<footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    assert cli("baseline", "add", str(page)).returncode == 0
    added = [d for d in load_baseline(folder) if "computing platforms" in d.text]
    assert added and "Copyright" not in added[0].text


def test_add_url_fetches_and_extracts(folder: Path, sites: SiteServer) -> None:
    out = cli("baseline", "add", sites.url("alpha", "/news/compute-fund.html"))
    assert out.returncode == 0, out.stderr
    docs = load_baseline(folder)
    assert any("five billion yuan investment fund" in d.text for d in docs)


def test_missing_file_is_a_one_line_error(folder: Path) -> None:
    out = cli("baseline", "add", str(folder / "nope.txt"))
    assert out.returncode == 2 and "nope.txt: cannot read" in out.stderr
    assert "Traceback" not in out.stderr


def test_republished_seed_matches_its_id() -> None:
    docs = load_baseline(None)
    seed = next(d for d in docs if d.id.startswith("003_"))
    body = seed.text.split("\n", 2)[2]  # drop the first lines: a new headline and byline
    copy = "Tech zones team up on AI\n" + body + "\nRelated: subscribe to our newsletter."
    assert match_baseline(copy, fingerprint(copy), docs) == seed.id
    other = ANNOUNCEMENT
    assert match_baseline(other, fingerprint(other), docs) is None

"""Layout of the briefing email in headless Chromium at phone (375px) and desktop (1280px) widths.

A measuring script is injected into a test copy of the HTML only (the email itself has no
JavaScript); it records in a data attribute whether the page scrolls sideways and whether every
text element is visible and inside the viewport. Headless Chromium never makes a window narrower
than 500px (--window-size=375,800 still lays out at 500px), so the copy is shown in an iframe
of exactly the tested width inside a wrapper page, and the script reports to the wrapper, which
--dump-dom prints. Screenshots go to tests/artifacts/ (git-ignored). Skipped without Chromium,
unless CI=true, where a missing browser is a failure. The archive's topic, region and trends
pages are measured the same way; its search page is opened from file:// with ?q=.
"""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from briefing_samples import (
    archive_briefings,
    empty_briefing,
    sample_briefing,
    sample_entries,
    sample_trends,
)

from policywatch.archive import write_briefing
from policywatch.models import Briefing
from policywatch.render import render_html, render_markdown, render_text

ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE, DESKTOP = 375, 1280
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)

MEASURE = """
<script>
(function () {
  var width = window.innerWidth, problems = [], count = 0, minFont = 99;
  var nodes = document.body.querySelectorAll("*");
  for (var i = 0; i < nodes.length; i++) {
    var el = nodes[i], own = "";
    if (el.tagName === "SCRIPT") continue;
    for (var j = 0; j < el.childNodes.length; j++) {
      if (el.childNodes[j].nodeType === 3) own += el.childNodes[j].textContent;
    }
    if (!own.trim()) continue;
    count++;
    var r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    var visible = r.width > 0 && r.height > 0 && cs.visibility !== "hidden"
      && cs.display !== "none" && parseFloat(cs.opacity) > 0;
    var inside = r.left >= -0.5 && r.right <= width + 0.5;
    var clipped = el.scrollWidth > el.clientWidth + 1 && cs.display !== "inline";
    minFont = Math.min(minFont, parseFloat(cs.fontSize));
    if (!visible || !inside || clipped) {
      problems.push({text: own.trim().slice(0, 60), cls: el.className, left: r.left,
                     right: r.right, visible: visible, clipped: clipped});
    }
  }
  var box = document.querySelector(".container").getBoundingClientRect();
  parent.document.documentElement.setAttribute("data-layout", JSON.stringify({
    innerWidth: width, scrollWidth: document.documentElement.scrollWidth,
    scrollHeight: document.documentElement.scrollHeight, textElements: count,
    containerWidth: box.width, minFontPx: minFont, problems: problems
  }));
})();
</script>
"""


@pytest.fixture(scope="module")
def chromium() -> str:
    """Path of a Chromium binary; skip (or fail when CI=true) if there is none."""
    found = os.environ.get("POLICYWATCH_CHROMIUM") or next(
        (p for p in ("chromium", "chromium-browser", "google-chrome") if shutil.which(p)), None
    )
    path = shutil.which(found) if found else None
    if path is None:
        reason = "Chromium not installed (apt-get install -y chromium), layout not checked"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def _run(chromium: str, tmp: Path, args: list[str]) -> str:
    """Run headless Chromium with a fresh profile; return its stdout."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    done = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


def _framed(html: str, tmp: Path, width: int, height: int) -> Path:
    """A wrapper page showing `html` in an iframe of exactly width x height CSS pixels."""
    page = tmp / f"framed-{width}x{height}.html"
    style = f"width:{width}px;height:{height}px;border:0;display:block"
    page.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe style="{style}" srcdoc="{htmllib.escape(html, quote=True)}"></iframe>'
        "</body></html>",
        encoding="utf-8",
    )
    return page


def _measure(chromium: str, html: str, tmp: Path, width: int) -> dict[str, Any]:
    """Show the page at `width` x 800 and return what the injected script measured."""
    page = _framed(html, tmp, width, 800)
    dom = _run(chromium, tmp, [f"--window-size={max(width, 500)},800", "--dump-dom", page.as_uri()])
    match = re.search(r'<html[^>]*\sdata-layout="([^"]*)"', dom)
    assert match, f"measuring script did not run; DOM starts: {dom[:300]!r}"
    result: dict[str, Any] = json.loads(htmllib.unescape(match.group(1)))
    return result


def _check(chromium: str, b: Briefing, name: str, tmp: Path) -> dict[int, dict[str, Any]]:
    """Measure and screenshot the rendered briefing at both widths."""
    html = render_html(b)
    assert "<script" not in html.lower()
    return _check_html(chromium, html, name, tmp)


def _check_html(chromium: str, html: str, name: str, tmp: Path) -> dict[int, dict[str, Any]]:
    """Measure and screenshot a page (its CSS inline, its text in `.container`) at both widths."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.html").write_text(html, encoding="utf-8")
    measured = html.replace("</body>", MEASURE + "</body>")
    results = {}
    for width in (PHONE, DESKTOP):
        result = _measure(chromium, measured, tmp, width)
        shot = ARTIFACTS / f"{name}-{width}.png"
        height = min(int(result["scrollHeight"]), 8000)
        page = _framed(html, tmp, width, height)
        _run(
            chromium,
            tmp,
            [f"--window-size={width},{height}", f"--screenshot={shot}", page.as_uri()],
        )
        assert shot.stat().st_size > 10_000
        results[width] = result
    return results


def _assert_fits(result: dict[str, Any], width: int) -> None:
    assert result["innerWidth"] == width
    assert result["scrollWidth"] <= result["innerWidth"], "page scrolls sideways"
    assert result["problems"] == [], "text hidden, clipped or outside the viewport"
    assert result["minFontPx"] >= 11


def _stress_briefing() -> Briefing:
    """The sample week plus an unbreakable title, a non-http URL shown as text, many sources."""
    base = sample_entries()
    unbreakable = replace(
        base[3],
        item_id=900,
        title="Regulation(EU)2024/1689-ArtificialIntelligenceAct-ConsolidatedTextWithCorrigenda"
        "AndImplementingActsAnnexesI-XIII",
        url="ftp://files.example.gov/very/long/path/without/any/spaces/" + "segment-" * 20,
    )
    crowded = replace(
        base[0],
        item_id=901,
        also_reported_by=tuple(
            (f"Regional newspaper number {i}", f"https://news{i}.example.com/{'x' * 80}")
            for i in range(8)
        ),
    )
    return sample_briefing(entries=(*base, unbreakable, crowded), trends=sample_trends(rising=6))


def test_briefing_fits_phone_and_desktop(chromium: str, tmp_path: Path) -> None:
    results = _check(chromium, _stress_briefing(), "briefing", tmp_path)
    for width, result in results.items():
        _assert_fits(result, width)
        assert result["textElements"] > 60
    assert results[PHONE]["containerWidth"] <= PHONE - 16 + 0.5
    assert 630 <= results[DESKTOP]["containerWidth"] <= 642


def test_empty_week_fits_phone_and_desktop(chromium: str, tmp_path: Path) -> None:
    results = _check(chromium, empty_briefing(), "briefing-empty", tmp_path)
    for width, result in results.items():
        _assert_fits(result, width)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """reports/ after briefing weeks 38-47 (the archive pages are rebuilt with each)."""
    reports = tmp_path_factory.mktemp("archive") / "reports"
    for b in archive_briefings():
        write_briefing(reports, b, render_html(b), render_text(b), render_markdown(b))
    return reports


def _search(chromium: str, archive: Path, tmp: Path, query: str) -> tuple[str, list[str]]:
    """Open search.html?q=query from file:// and return the status line and result titles."""
    url = f"{(archive / 'search.html').as_uri()}?q={quote(query)}"
    dom = _run(chromium, tmp, ["--window-size=1280,900", "--dump-dom", url])
    status = re.search(r'<p id="status"[^>]*>([^<]*)</p>', dom)
    assert status, f"no status line; DOM starts: {dom[:300]!r}"
    titles = re.findall(r'<h3 class="item-title">(.*?)</h3>', dom)
    return status.group(1), [htmllib.unescape(re.sub(r"<[^>]+>", "", t)) for t in titles]


def test_archive_search_finds_chinese_and_english_from_file_urls(
    chromium: str, archive: Path, tmp_path: Path
) -> None:
    status, titles = _search(chromium, archive, tmp_path, "算力")
    expected = [e for b in archive_briefings() for e in b.entries if "算力" in e.title]
    assert status == f"{len(expected)} matches" and len(titles) == len(expected)
    assert all("算力" in t for t in titles) and titles[0].endswith("(46)")  # newest first
    status, titles = _search(chromium, archive, tmp_path, "COMPUTE Vouchers -w44")
    assert titles and all(t.startswith("UK launches compute vouchers") for t in titles)
    assert status == f"{len(titles)} matches"
    status, titles = _search(chromium, archive, tmp_path, "标识 OR labelling")
    assert titles == ["国家网信办发布《人工智能生成合成内容标识办法》实施指引"]
    status, titles = _search(chromium, archive, tmp_path, "算力 Brussels")
    assert (status, titles) == ("No briefed item matches.", [])
    shot = ARTIFACTS / "archive-search-1280.png"
    ARTIFACTS.mkdir(exist_ok=True)
    url = f"{(archive / 'search.html').as_uri()}?q={quote('算力')}"
    _run(chromium, tmp_path, ["--window-size=1280,900", f"--screenshot={shot}", url])
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize(
    "page", ["topics/regulation.html", "regions/chongqing.html", "trends.html"]
)
def test_archive_pages_fit_phone_and_desktop(
    chromium: str, archive: Path, tmp_path: Path, page: str
) -> None:
    html = (archive / page).read_text(encoding="utf-8")
    name = "archive-" + page.removesuffix(".html").replace("/", "-")
    results = _check_html(chromium, html, name, tmp_path)
    for width, result in results.items():
        _assert_fits(result, width)
        assert result["textElements"] > 20
    assert results[PHONE]["containerWidth"] <= PHONE - 24 + 0.5

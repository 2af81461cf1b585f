"""The browsable archive (issue 18, part 2): topic and region pages, the search index and page,
and trends.html, rebuilt from the sidecars with every briefing; relative links only."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefing_samples import archive_briefings, history_week, sample_briefing, sample_entries

from policywatch.archive import read_archive, rebuild_index, write_briefing
from policywatch.archive_pages import INDEX_GLOBAL, build_site, slug
from policywatch.models import Briefing
from policywatch.render import render_html, render_markdown, render_text


def _archive(reports: Path, *briefings: Briefing) -> Path:
    for b in briefings or archive_briefings():
        write_briefing(reports, b, render_html(b), render_text(b), render_markdown(b))
    return reports


class _Links(HTMLParser):
    """Every href and src of a page, and the text of its elements with a class."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v for k, v in attrs if k in ("href", "src", "action") and v]


def _links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def _index(reports: Path) -> dict:  # type: ignore[type-arg]
    """The data search-index.js assigns to its global."""
    js = (reports / "search-index.js").read_text(encoding="utf-8")
    prefix = f"window.{INDEX_GLOBAL} = "
    assert js.startswith(prefix) and js.endswith(";\n")
    return json.loads(js[len(prefix) : -2])  # type: ignore[no-any-return]


def test_every_link_of_every_page_is_relative_and_resolves(tmp_path: Path) -> None:
    reports = _archive(tmp_path / "reports")
    pages = sorted(reports.rglob("*.html"))
    assert {"index.html", "search.html", "trends.html"} <= {p.name for p in pages}
    external = set()
    for page in pages:
        for link in _links(page):
            parts = urlsplit(link)
            if parts.scheme:
                assert parts.scheme in ("http", "https"), (page, link)
                external.add(link)
                continue
            assert not link.startswith("/"), (page, link)
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file() and reports.resolve() in target.parents, (page, link)
    briefed = {e.url for b in archive_briefings() for e in b.entries}
    also = {u for e in sample_entries() for _, u in e.also_reported_by}
    also |= {u for e in sample_entries() for _, u, _lang in e.translations}
    assert briefed <= external <= briefed | also


def test_sidecars_list_every_briefed_item(tmp_path: Path) -> None:
    reports = _archive(tmp_path)
    (newest, *_older) = read_archive(reports)
    assert newest.week == "2026-W47" and len(newest.items) == 7
    cac = next(i for i in newest.items if i.url and "cac.gov.cn" in i.url)
    assert (cac.region, cac.topics, cac.source) == (
        "CN",
        ("regulation", "content-labelling"),
        "国家互联网信息办公室",
    )
    assert cac.summary.startswith("国家互联网信息办公室19日发布")


def test_topic_page_lists_items_across_weeks_newest_first(tmp_path: Path) -> None:
    reports = _archive(tmp_path)
    page = (reports / "topics" / "funding.html").read_text(encoding="utf-8")
    weeks = re.findall(r'<section class="week" data-week="(2026-W\d\d)"', page)
    assert weeks == sorted(weeks, reverse=True) and len(weeks) >= 5
    funded = [e for b in archive_briefings() for e in b.entries if "funding" in e.topics]
    assert page.count('<li class="item">') == len(funded)
    assert '<a href="../2026-W46.html">Week 46, 2026</a>' in page
    assert '<a href="https://example.gov/2026/w46/1">' not in page  # W46 item 1 is strategy
    assert '<a href="../regions/chongqing.html">Chongqing</a>' in page
    titles = re.findall(r'<h3 class="item-title"><a href="[^"]+">([^<]+)</a>', page)
    numbers = [int(t.rsplit("(", 1)[1].rstrip(")")) for t in titles]
    assert numbers == sorted(numbers, reverse=True)  # week 46 first, week 38 last


def test_region_pages_and_the_unspecified_region(tmp_path: Path) -> None:
    reports = _archive(tmp_path)
    cn = (reports / "regions" / "chongqing.html").read_text(encoding="utf-8")
    assert '<p class="eyebrow">Region</p>' in cn and "重庆市印发《算力券管理办法（试行）》" in cn
    other = (reports / "regions" / "unspecified.html").read_text(encoding="utf-8")
    assert "International / unspecified" in other and "OECD releases updated inventory" in other


def test_pages_escape_text_and_link_only_http_urls(tmp_path: Path) -> None:
    hostile = replace(
        sample_entries()[0],
        title='<script>alert("x")</script> rules',
        url="javascript:alert(1)",
        topics=("regulation",),
    )
    reports = _archive(tmp_path, sample_briefing(entries=(hostile,)))
    page = (reports / "topics" / "regulation.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "javascript:" not in page
    item = _index(reports)["items"][0]
    assert item[1] == '<script>alert("x")</script> rules' and item[2] is None  # text, no link


def test_stale_pages_are_removed_and_the_index_links_the_sections(tmp_path: Path) -> None:
    reports = _archive(tmp_path, history_week(45), sample_briefing())
    assert (reports / "topics" / "export-controls.html").is_file()
    _archive(reports, sample_briefing(entries=sample_entries()[:3]))  # no export controls now
    assert not (reports / "topics" / "export-controls.html").exists()
    assert (reports / "topics" / "funding.html").is_file()  # week 45 still has it
    index = (reports / "index.html").read_text(encoding="utf-8")
    for href in ("search.html", "trends.html", "topics/funding.html", "regions/eu.html"):
        assert f'href="{href}"' in index
    assert not list(reports.rglob(".*.tmp"))


def test_search_index_holds_every_briefed_item_newest_first(tmp_path: Path) -> None:
    reports = _archive(tmp_path)
    data = _index(reports)
    items = data["items"]
    assert len(items) == sum(len(b.entries) for b in archive_briefings())
    assert [i[0] for i in items] == sorted((i[0] for i in items), reverse=True)
    weeks = {b.week for b in archive_briefings()}
    assert set(data["weeks"]) == weeks and data["weeks"]["2026-W47"][1] == "2026-W47.html"
    assert data["topics"]["funding"] == ["Funding", "topics/funding.html"]
    assert data["regions"][""][1] == "regions/unspecified.html"
    search = (reports / "search.html").read_text(encoding="utf-8")
    assert '<script src="search-index.js"></script>' in search
    assert f"window.{INDEX_GLOBAL});" in search
    assert "fetch(" not in search  # file:// pages cannot fetch


def test_trends_page_has_an_svg_chart_per_series(tmp_path: Path) -> None:
    reports = _archive(tmp_path)
    page = (reports / "trends.html").read_text(encoding="utf-8")
    site = build_site(read_archive(reports))
    charts = page.count("<svg")
    assert charts == 1 + len(site.topics) + len(site.regions)
    assert page.count("<rect") == 12 * charts
    assert "2026-W36" in page and "2026-W47" in page
    assert '<a class="chart-label" href="topics/regulation.html">Regulation</a>' in page
    assert "3 this week · 4-week average 0.3 · 6 in 12 weeks" in page


def test_empty_archive_pages(tmp_path: Path) -> None:
    rebuild_index(tmp_path)
    assert "No briefings yet." in (tmp_path / "trends.html").read_text(encoding="utf-8")
    assert _index(tmp_path)["items"] == []
    assert not (tmp_path / "topics").exists() or not list((tmp_path / "topics").iterdir())


def test_older_sidecars_without_items_and_bad_items_are_tolerated(tmp_path: Path) -> None:
    reports = _archive(tmp_path, history_week(46), sample_briefing())
    sidecar = reports / "2026-W46.json"
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    data["items"] = [{"title": "ok", "published": "not a date"}, {"no": "title"}, data["items"][0]]
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    old = json.loads((reports / "2026-W47.json").read_text(encoding="utf-8"))
    del old["items"]  # a sidecar written before the archive kept its items
    (reports / "2026-W47.json").write_text(json.dumps(old), encoding="utf-8")
    rebuild_index(reports)
    assert [len(a.items) for a in read_archive(reports)] == [0, 1]
    assert len(_index(reports)["items"]) == 1


def test_slugs_are_safe_file_names_and_unique(tmp_path: Path) -> None:
    assert slug("Hong Kong") == "hong-kong" and slug("export-controls") == "export-controls"
    chinese = slug("重庆")
    assert re.fullmatch(r"x-[0-9a-f]{8}", chinese) and chinese != slug("上海")
    assert re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{8}", slug("../../etc/passwd"))
    clash = tuple(
        replace(sample_entries()[0], region=r, item_id=i) for i, r in enumerate(("EU", "eu"))
    )
    reports = _archive(tmp_path, sample_briefing(entries=clash))
    site = build_site(read_archive(reports))
    assert sorted(t.href for t in site.regions) == ["regions/eu-2.html", "regions/eu.html"]
    assert len(list((reports / "regions").glob("*.html"))) == 2

"""Ingest end to end against the fixture sites on loopback: what is stored, and re-runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch import app
from policywatch.demo.server import SiteServer, render_template

SOURCES = """
fetch: {delay: 0, timeout: 1.5, retries: 1, respect_robots: true}
sources:
  - {id: alpha, name: Alpha Daily, kind: feed, url: "{{BASE:alpha}}/rss.xml", language: en}
  - {id: beta-atom, name: Beta Institute, kind: feed, url: "{{BASE:beta}}/atom.xml"}
  - {id: beta-map, name: Beta sitemap, kind: sitemap, url: "{{BASE:beta}}/sitemap.xml"}
  - id: gamma
    name: 某市人民政府 政策文件
    kind: listing
    url: "{{BASE:gamma}}/zcwj/index.html"
    link_selector: ".title-list-box ul.list li a"
    region: Chongqing
  - {id: broken, name: Broken feed, kind: feed, url: "{{BASE:broken}}/feed.xml"}
  - {id: missing, name: Missing, kind: feed, url: "{{BASE:alpha}}/_status/404/rss.xml"}
"""


def write_sources(sites: SiteServer, path: Path, text: str = SOURCES) -> None:
    path.write_text(render_template(text, sites.base_urls, sites.anchor), encoding="utf-8")


def by_url(rows: list[dict]) -> dict[str, dict]:  # type: ignore[type-arg]
    return {row["url"].split("/", 3)[-1]: row for row in rows}


@pytest.fixture()
def ingested(sites: SiteServer, pw_env: Path) -> tuple[list, list]:  # type: ignore[type-arg]
    write_sources(sites, pw_env / "sources.yaml")
    ctx = app.load_context()
    try:
        results = app.ingest(ctx)
        rows = ctx.store.export()
    finally:
        ctx.close()
    return results, rows


def test_feed_articles_stored_with_text_title_and_date(ingested, sites: SiteServer) -> None:
    _results, rows = ingested
    items = by_url(rows)
    rules = items["news/ai-rules.html?utm_source=rss&utm_medium=feed"]
    assert rules["title"] == "Ministry publishes draft rules on generative AI labelling"
    assert "label synthetic text" in rules["text"]
    assert "cookies" not in rules["text"] and "Related stories" not in rules["text"]
    assert rules["published"] == _day(sites, 1)
    assert rules["status"] == "new"
    fund = items["news/compute-fund.html"]
    assert fund["published"] == _day(sites, 2) and fund["status"] == "new"


def _day(sites: SiteServer, offset: int) -> str:
    from datetime import timedelta

    return (sites.anchor + timedelta(days=offset)).isoformat()


def test_gbk_page_with_wrong_charset_decodes(ingested) -> None:
    _results, rows = ingested
    items = by_url(rows)
    page = items["zcwj/t20261116_1001.html"]
    assert page["title"] == "关于加快推进人工智能产业高质量发展的若干措施"
    assert "算力基础设施" in page["text"] and "网站标识码" not in page["text"]
    water = items["zcwj/t20261117_1002.html"]
    assert "农村供水" in water["text"]


def test_failures_recorded_per_source_and_per_page(ingested) -> None:
    results, rows = ingested
    by_source = {r.source_id: r for r in results}
    assert "malformed feed" in (by_source["broken"].error or "")
    assert "HTTP 404" in (by_source["missing"].error or "")
    assert by_source["alpha"].error is None
    items = by_url(rows)
    assert items["news/gone.html"]["status"] == "failed"
    assert "HTTP 404" in items["news/gone.html"]["error"]
    slow = items["_slow/news/slow.html"]
    assert slow["status"] == "failed" and "timed out" in slow["error"]


def test_500_recovers_on_retry(ingested) -> None:
    _results, rows = ingested
    flaky = by_url(rows)["_status/500-once/news/flaky.html"]
    assert flaky["status"] == "new"
    assert "autonomous driving" in flaky["text"]


def test_untrusted_private_link_refused(ingested) -> None:
    _results, rows = ingested
    assert not [r for r in rows if "127.0.0.1:9" in r["url"]]


def test_sitemap_index_and_atom_share_items(ingested) -> None:
    _results, rows = ingested
    eu = [r for r in rows if r["url"].endswith("/posts/eu-code.html")]
    assert len(eu) == 1, "the same canonical URL from two sources is stored once"
    old = by_url(rows)["posts/old.html"]
    assert old["published"] == "2019-03-04"


def test_rerun_stores_nothing_twice(ingested, sites: SiteServer) -> None:
    _results, rows = ingested
    ctx = app.load_context()
    try:
        again = app.ingest(ctx)
        rows2 = ctx.store.export()
    finally:
        ctx.close()
    assert len(rows2) == len(rows)
    assert sum(r.new for r in again) == 0
    assert len({r["url"] for r in rows2}) == len(rows2)


def test_malformed_link_skips_only_itself(ingested) -> None:
    results, rows = ingested
    alpha = {r.source_id: r for r in results}["alpha"]
    assert alpha.error is None and alpha.new >= 3
    assert not [r for r in rows if "99999" in r["url"]]


def test_an_empty_feed_is_valid_and_a_page_is_not() -> None:
    from policywatch.discover import parse_feed
    from policywatch.errors import DiscoveryError

    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>New</title></channel></rss>'
    assert parse_feed(rss, "http://127.0.0.1/feed.xml") == ()
    with pytest.raises(DiscoveryError, match="malformed feed"):
        parse_feed(b"<html><body><p>moved</p></body></html>", "http://127.0.0.1/feed.xml")

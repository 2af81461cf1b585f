"""The local site server and the bundled demo sites: addresses, templates, encodings, statuses."""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from email.utils import formatdate
from pathlib import Path

import feedparser
import httpx
import pytest
from lxml import html as lxml_html

from policywatch.config import load_sources
from policywatch.demo import DEMO_SITES, demo_sources_text, expected_ignored, expected_items
from policywatch.demo.server import SiteServer, default_anchor, render_template
from policywatch.errors import ConfigError

ANCHOR = date(2026, 11, 16)  # a Monday
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def demo() -> Iterator[SiteServer]:
    with SiteServer(DEMO_SITES, first_ip=40, anchor=ANCHOR, slow_seconds=30) as server:
        yield server


@pytest.fixture()
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, trust_env=False) as c:
        yield c


# -- render_template ---------------------------------------------------------------------------


def test_render_template_fills_every_placeholder_kind() -> None:
    text = "{{BASE:a}}/x {{DATE:+0}} {{DATE:-3}} {{RFC822:+1}} {{RFC3339:+2}} "
    text += "{{ZHDATE:+6}} {{YEAR:+0}}"
    out = render_template(text, {"a": "http://127.0.0.2:8000"}, ANCHOR)
    assert out == (
        "http://127.0.0.2:8000/x 2026-11-16 2026-11-13 Tue, 17 Nov 2026 09:00:00 +0000 "
        "2026-11-18T09:00:00+00:00 2026年11月22日 2026"
    )


def test_render_template_names_unknown_site_and_bad_offset() -> None:
    with pytest.raises(ConfigError, match=r"\{\{BASE:nope\}\}.*known: a"):
        render_template("{{BASE:nope}}", {"a": "http://x"}, ANCHOR)
    with pytest.raises(ConfigError, match="offset"):
        render_template("{{DATE:soon}}", {}, ANCHOR)


@pytest.mark.parametrize("today", [date(2026, 11, 16), date(2026, 11, 19), date(2026, 11, 22)])
def test_default_anchor_is_monday_of_last_complete_week(today: date) -> None:
    anchor = default_anchor(today)
    assert anchor.weekday() == 0
    assert anchor + timedelta(days=6) < today <= anchor + timedelta(days=13)


# -- addresses and basic serving ---------------------------------------------------------------


def test_each_site_has_its_own_loopback_address(demo: SiteServer) -> None:
    assert set(demo.base_urls) == {"gov", "news", "tank", "third", "wire"}
    hosts = [httpx.URL(u).host for u in demo.base_urls.values()]
    assert all(h.startswith("127.0.0.") for h in hosts)
    if sys.platform.startswith("linux"):
        assert len(set(hosts)) == len(hosts)
        assert hosts == [f"127.0.0.{40 + i}" for i in range(5)]
    assert demo.url("gov", "zwgk/") == demo.base_urls["gov"] + "/zwgk/"


def test_placeholders_substituted_in_served_pages(demo: SiteServer, client: httpx.Client) -> None:
    page = client.get(demo.url("gov", "/zwgk/zcwj/art_1001.html"))
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "{{" not in page.text
    assert "2026-11-16" in page.text and "2026年11月16日" in page.text
    assert "临政办发〔2026〕12号" in page.text
    rss = client.get(demo.url("news", "/rss/tech.xml"))
    assert rss.headers["content-type"].startswith("application/xml")
    assert "{{" not in rss.text and demo.base_urls["news"] + "/tech/" in rss.text


def test_directories_serve_index_unknown_404(demo: SiteServer, client: httpx.Client) -> None:
    piece = demo.url("tank", "/analysis/eu-ai-act-general-purpose-ai-obligations/")
    assert client.get(piece).status_code == 200
    assert client.get(demo.url("tank", "/")).status_code == 200
    assert client.get(demo.url("tank", "/no/such/page.html")).status_code == 404
    assert client.get(demo.url("tank", "/../gov/index.html")).status_code == 404


def test_gbk_page_is_gbk_with_a_misleading_charset(demo: SiteServer, client: httpx.Client) -> None:
    response = client.get(demo.url("gov", "/zwgk/zcwj/art_1003.html"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html"
    raw = response.content
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert "临江市算力基础设施建设三年行动方案" in text
    assert "charset=iso-8859-1" in text
    assert "临江" not in raw.decode("iso-8859-1")
    assert client.get(demo.url("gov", "/zwgk/zcwj/art_1003.gbk.html")).status_code == 200


# -- behaviours --------------------------------------------------------------------------------


def test_500_once_then_200(demo: SiteServer, client: httpx.Client) -> None:
    rovers = "/tech/rovers-clinch-league-title-with-stoppage-time-winner-20471.html"
    url = demo.url("news", "/_status/500-once" + rovers)
    assert client.get(url).status_code == 500
    second = client.get(url)
    assert second.status_code == 200
    assert "Rovers clinch league title" in second.text
    assert client.get(demo.url("news", "/_status/500-once/anything")).status_code == 500
    assert client.get(demo.url("news", "/_status/500-once/anything")).status_code == 200


def test_status_404_always(demo: SiteServer, client: httpx.Client) -> None:
    for _ in range(2):
        assert client.get(demo.url("news", "/_status/404/rss/tech.xml")).status_code == 404
    assert client.get(demo.url("news", "/_status/404")).status_code == 404


def test_redirect_points_at_the_rest_of_the_path(demo: SiteServer, client: httpx.Client) -> None:
    response = client.get(demo.url("wire", "/_redirect/feeds/atom.xml"))
    assert response.status_code == 301
    assert response.headers["location"] == demo.url("wire", "/feeds/atom.xml")


def test_slow_path_times_out_the_client_and_stop_wakes_it() -> None:
    server = SiteServer(DEMO_SITES, first_ip=60, anchor=ANCHOR).start()
    try:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(server.url("news", "/_slow/rss/tech.xml"), timeout=0.5, trust_env=False)
        assert time.monotonic() - started < 3
    finally:
        started = time.monotonic()
        server.stop()
    assert time.monotonic() - started < 3


def test_slow_path_answers_after_the_delay(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.txt").write_text("hello {{DATE:+1}}", encoding="utf-8")
    with SiteServer(tmp_path, first_ip=70, anchor=ANCHOR, slow_seconds=0.3) as server:
        started = time.monotonic()
        response = httpx.get(server.url("s", "/_slow/a.txt"), timeout=5, trust_env=False)
        assert time.monotonic() - started >= 0.3
    assert response.status_code == 200 and response.text == "hello 2026-11-17"


# -- conditional GET ---------------------------------------------------------------------------


def test_etag_and_last_modified_give_304(demo: SiteServer, client: httpx.Client) -> None:
    url = demo.url("news", "/rss/tech.xml")
    first = client.get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    old = formatdate(0, usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": old}).status_code == 200


def test_changed_file_gets_new_etag(tmp_path: Path) -> None:
    page = tmp_path / "s" / "p.html"
    page.parent.mkdir()
    page.write_text("<p>one</p>", encoding="utf-8")
    with (
        SiteServer(tmp_path, first_ip=80, anchor=ANCHOR) as server,
        httpx.Client(trust_env=False) as c,
    ):
        etag = c.get(server.url("s", "/p.html")).headers["etag"]
        page.write_text("<p>two</p>", encoding="utf-8")
        changed = c.get(server.url("s", "/p.html"), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.text == "<p>two</p>"


def test_hits_count_every_request(demo: SiteServer, client: httpx.Client) -> None:
    before = demo.hit_count("third", "/latest/index.html")
    client.get(demo.url("third", "/latest/index.html"))
    client.head(demo.url("third", "/latest/index.html"))
    assert demo.hit_count("third", "/latest/index.html") == before + 2
    assert demo.hits["third/latest/index.html"] == before + 2
    last = demo.requests[-1]
    assert (last.site, last.method, last.status) == ("third", "HEAD", 200)
    assert last.path == "/latest/index.html"


# -- the demo content --------------------------------------------------------------------------


def test_rss_feed_parses_with_anchored_dates(demo: SiteServer, client: httpx.Client) -> None:
    feed = feedparser.parse(client.get(demo.url("news", "/rss/tech.xml")).content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == 8
    days = sorted(date(*e.published_parsed[:3]) for e in feed.entries)
    assert days[0] == ANCHOR - timedelta(days=9) and days[-1] == ANCHOR + timedelta(days=5)
    assert all(e.link.startswith(demo.base_urls["news"] + "/tech/") for e in feed.entries)


def test_atom_feed_parses(demo: SiteServer, client: httpx.Client) -> None:
    feed = feedparser.parse(client.get(demo.url("wire", "/feeds/atom.xml")).content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert len(feed.entries) == 4
    for entry in feed.entries:
        assert client.get(entry.link).status_code == 200


def test_sitemap_index_and_posts_are_valid_xml(demo: SiteServer, client: httpx.Client) -> None:
    index = ET.fromstring(client.get(demo.url("tank", "/sitemap.xml")).content)
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    locs = [e.text for e in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert demo.url("tank", "/sitemap-posts.xml") in locs
    posts = ET.fromstring(client.get(demo.url("tank", "/sitemap-posts.xml")).content)
    urls = posts.findall("sm:url", SITEMAP_NS)
    assert len(urls) == 6
    for url in urls:
        date.fromisoformat(url.findtext("sm:lastmod", namespaces=SITEMAP_NS) or "")
        assert client.get(url.findtext("sm:loc", namespaces=SITEMAP_NS) or "").status_code == 200


def test_json_feed_is_valid(demo: SiteServer, client: httpx.Client) -> None:
    response = client.get(demo.url("tank", "/feed.json"))
    assert response.headers["content-type"].startswith("application/feed+json")
    feed = json.loads(response.text)
    assert feed["version"].endswith("1.1") and len(feed["items"]) == 6


def test_gov_listing_links_and_pagination(demo: SiteServer, client: httpx.Client) -> None:
    doc = lxml_html.fromstring(client.get(demo.url("gov", "/zwgk/zcwj/index.html")).content)
    hrefs = [a.get("href") for a in doc.cssselect("ul.list li a")]
    assert len(hrefs) == 6 and "/private/zqyj_0421.html" in hrefs
    assert len(doc.cssselect("a")) > 3 * len(hrefs)  # nav, sidebar and footer links around the list
    assert [a.get("href") for a in doc.cssselect("a.next")] == ["index_1.html"]
    older = lxml_html.fromstring(client.get(demo.url("gov", "/zwgk/zcwj/index_1.html")).content)
    assert len(older.cssselect("ul.list li a")) == 4 and not older.cssselect("a.next")


def test_robots_txt_disallows_the_private_page(demo: SiteServer, client: httpx.Client) -> None:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(client.get(demo.url("gov", "/robots.txt")).text.splitlines())
    assert not parser.can_fetch("policywatch", demo.url("gov", "/private/zqyj_0421.html"))
    assert parser.can_fetch("policywatch", demo.url("gov", "/zwgk/zcwj/art_1001.html"))
    for site in demo.sites:
        assert client.get(demo.url(site, "/robots.txt")).status_code == 200


def test_demo_sources_yaml_validates(demo: SiteServer, tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(demo_sources_text(demo), encoding="utf-8")
    config = load_sources(path)
    assert config.fetch.delay == 0 and config.fetch.respect_robots
    assert {s.kind for s in config.sources} == {"feed", "sitemap", "listing"}
    hosts = {s.host for s in config.sources}
    assert len(hosts) == 5 and all(h.startswith("127.0.0.") for h in hosts)


def test_expected_items_are_all_served(demo: SiteServer, client: httpx.Client) -> None:
    items = expected_items()
    assert len(items) == 31
    counts = Counter(i["expect"] for i in items)
    assert counts == {
        "new": 13,
        "duplicate": 3,
        "off-topic": 6,
        "older": 7,
        "baseline": 1,
        "blocked": 1,
    }
    paths = {i["site"] + i["path"] for i in items}
    for item in items:
        response = client.get(demo.url(item["site"], item["path"]))
        assert response.status_code == 200, item["path"]
        assert 0 <= item["offset"] <= 6 or item["expect"] == "older"
        original = item.get("duplicate_of")
        assert original is None or (original.startswith("news/") and original in paths)
    assert 4_000 < len(client.get(demo.url("gov", "/zwgk/zcwj/art_1001.html")).content) < 60_000


def test_baseline_page_carries_the_seed_text(demo: SiteServer, client: httpx.Client) -> None:
    (item,) = [i for i in expected_items() if i["expect"] == "baseline"]
    page = client.get(demo.url(item["site"], item["path"])).text
    assert "Intelligent Manufacturing Creates New Industries" in page
    assert "Yao Qizhi, winner of Turing prize" in page


def test_story_groups_have_one_original_and_link_pattern_drops_ignored(
    demo: SiteServer, tmp_path: Path
) -> None:
    items = expected_items()
    stories = Counter(i["story"] for i in items if "story" in i)
    assert stories == {"geneva-summit": 3, "ai-labels": 2}
    originals = [i for i in items if "story" in i and i["expect"] == "new"]
    assert sorted(i["story"] for i in originals) == ["ai-labels", "geneva-summit"]
    path = tmp_path / "sources.yaml"
    path.write_text(demo_sources_text(demo), encoding="utf-8")
    (tank,) = [s for s in load_sources(path).sources if s.kind == "sitemap"]
    pattern = re.compile(tank.link_pattern or "")
    assert all(pattern.search(i["path"]) for i in items if i["site"] == "tank")
    assert not any(pattern.search(i["path"]) for i in expected_ignored())

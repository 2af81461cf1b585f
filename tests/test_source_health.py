"""A configured source whose own URL fails is named in the run summary, the briefing footer and
`sources check` from its first failed run (issue 13, item 5)."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from policywatch import app, briefing, render
from policywatch.config import FetchSettings, load_sources, settings_from_env
from policywatch.demo.server import SiteServer, render_template
from policywatch.errors import FetchError
from policywatch.fetch import Fetcher
from policywatch.health import probe_sources

SOURCES = """
fetch: {delay: 0, timeout: 1.5, retries: 0, respect_robots: true}
sources:
  - {id: alpha, name: Alpha Daily, kind: feed, url: "{{BASE:alpha}}/rss.xml"}
  - {id: gone-page, name: Watched page, kind: page, url: "{{BASE:alpha}}/_status/404/plan.html"}
  - {id: gone-list, name: Old listing, kind: listing, url: "{{BASE:alpha}}/_status/410/list.html"}
"""


def test_page_404_and_listing_410_fail_from_the_first_run(sites: SiteServer, pw_env: Path) -> None:
    path = pw_env / "sources.yaml"
    path.write_text(render_template(SOURCES, sites.base_urls, sites.anchor), encoding="utf-8")
    ctx = app.load_context()
    try:
        results = {r.source_id: r for r in app.ingest(ctx)}
        this_week = briefing.week_label(results["alpha"].started.date())
        b = briefing.build_briefing(ctx.store, this_week, ctx.sources.sources)
    finally:
        ctx.close()
    assert results["alpha"].error is None
    assert results["gone-page"].error and "page gone: HTTP 404" in results["gone-page"].error
    assert results["gone-list"].error and "page gone: HTTP 410" in results["gone-list"].error
    assert "gone-page" in app.summary_markdown(list(results.values()))
    footer = " ".join(render.render_text(b).split())  # the text template wraps lines
    assert {h.source_id for h in b.unhealthy} == {"gone-page", "gone-list"}
    assert "Watched page" in footer and "page gone: HTTP 404" in footer
    assert "Old listing" in footer and "page gone: HTTP 410" in footer
    rows = {r.source_id: r for r in probe_sources(load_sources(path), settings_from_env(), [])}
    assert not rows["gone-page"].ok and "page gone: HTTP 404" in rows["gone-page"].line()
    assert not rows["gone-list"].ok and rows["gone-list"].line().startswith("FAIL")
    assert rows["alpha"].ok


def _robots_site(robots_status: int) -> tuple[ThreadingHTTPServer, str]:
    """A loopback site whose robots.txt answers `robots_status` and whose pages answer 200."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = robots_status if self.path == "/robots.txt" else 200
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.41", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.41:{server.server_address[1]}"


@pytest.mark.parametrize(
    ("status", "allowed"), [(503, False), (500, False), (404, True), (403, True)]
)
def test_robots_txt_per_rfc_9309(status: int, allowed: bool) -> None:
    """4xx robots.txt allows everything; 5xx disallows the site for the run."""
    server, base = _robots_site(status)
    settings = FetchSettings(delay=0, timeout=2, retries=0, respect_robots=True)

    async def fetch() -> str:
        async with Fetcher(settings) as fetcher:
            try:
                await fetcher.get(base + "/page.html")
            except FetchError as exc:
                return str(exc)
            return "allowed"

    try:
        outcome = asyncio.run(fetch())
    finally:
        server.shutdown()
    if allowed:
        assert outcome == "allowed"
    else:
        assert f"robots.txt unreachable (HTTP {status})" in outcome and "RFC 9309" in outcome

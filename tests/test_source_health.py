"""A configured source whose own URL fails is named in the run summary, the briefing footer and
`sources check` from its first failed run (issue 13, item 5)."""

from __future__ import annotations

from pathlib import Path

from policywatch import app, briefing, render
from policywatch.config import load_sources, settings_from_env
from policywatch.demo.server import SiteServer, render_template
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

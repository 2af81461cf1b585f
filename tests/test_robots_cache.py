"""robots.txt is kept in the store for ROBOTS_MAX_AGE (24 hours, RFC 9309): an unchanged
scheduled run then makes one request per source, not two (issue 17). An unreachable
robots.txt is never cached (it disallows the site for one run only)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from test_ingest import write_sources

from policywatch import app
from policywatch.demo.server import SiteServer
from policywatch.pipeline import ROBOTS_MAX_AGE

SOURCES = """
fetch: {delay: 0, timeout: 3, retries: 1, respect_robots: true}
sources:
  - {id: alpha, name: Alpha Daily, kind: feed, url: "{{BASE:alpha}}/rss.xml", language: en}
  - {id: beta-atom, name: Beta Institute, kind: feed, url: "{{BASE:beta}}/atom.xml"}
  - {id: beta-map, name: Beta sitemap, kind: sitemap, url: "{{BASE:beta}}/sitemap.xml"}
"""


def _ingest() -> list[str]:
    """Ingest every source; the failures as 'id: error'."""
    ctx = app.load_context()
    try:
        return [f"{r.source_id}: {r.error}" for r in app.ingest(ctx) if r.error]
    finally:
        ctx.close()


def _robots_hits(sites: SiteServer) -> int:
    return sites.hit_count("alpha", "robots.txt") + sites.hit_count("beta", "robots.txt")


def test_a_fresh_copy_is_reused_and_an_old_one_fetched_again(
    sites: SiteServer, pw_env: Path
) -> None:
    write_sources(sites, pw_env / "sources.yaml", SOURCES)
    before = _robots_hits(sites)
    assert _ingest() == []
    assert _robots_hits(sites) == before + 2  # one per origin, though beta has two sources
    stored = _ingest()
    assert stored == [] and _robots_hits(sites) == before + 2  # the cached copies served

    old = (datetime.now(UTC) - ROBOTS_MAX_AGE - timedelta(minutes=1)).replace(tzinfo=None)
    with sqlite3.connect(pw_env / "data" / "pw.db") as db:
        db.execute("UPDATE robots_txt SET fetched_at = ?", (old.isoformat(" "),))
    assert _ingest() == []
    assert _robots_hits(sites) == before + 4


def test_cached_robots_txt_still_disallows(sites: SiteServer, pw_env: Path) -> None:
    """A cached body is obeyed like a fetched one: its Disallow lines still hold."""
    write_sources(sites, pw_env / "sources.yaml", SOURCES)
    assert _ingest() == []
    with sqlite3.connect(pw_env / "data" / "pw.db") as db:
        db.execute("UPDATE robots_txt SET body = 'User-agent: *\nDisallow: /'")
    failed = _ingest()
    assert len(failed) == 3 and all("disallowed by robots.txt" in f for f in failed), failed

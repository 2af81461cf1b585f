"""The `delta` fixture site (a ministry newsroom): its sources and what a backfill must store.

Offsets are days from the server's anchor A (Monday of the last complete ISO week, W-1).
The archive listing has three pages linked by `a.next`; speeches come from a sitemap index
whose child sitemap carries lastmod dates. The backfill range used by the tests is
A-19 (Wednesday of W-4) .. A-1 (Sunday of W-2): three ISO weeks.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from policywatch.demo.server import SiteServer, render_template

REPO = Path(__file__).resolve().parent.parent

DELTA_SOURCES = """
fetch: {delay: 0, timeout: 5, retries: 1}
sources:
  - id: delta-news
    name: Ministry of Digital Affairs news
    kind: listing
    url: "{{BASE:delta}}/news/"
    link_selector: "ul.doc-list a.doc-link"
    next_page: "a.next"
    max_pages: 5
    tags: [news]
  - id: delta-speeches
    name: Ministry of Digital Affairs speeches
    kind: sitemap
    url: "{{BASE:delta}}/sitemap.xml"
    tags: [speeches]
"""

# listing page 1 (what a scheduled ingest sees), newest first
PAGE_ONE = {
    "news/ai-in-recruitment-consultation.html": 5,
    "news/buying-ai-guidance-public-bodies.html": 2,
    "news/ai-sandbox-first-cohort.html": -2,
    "news/ai-incident-reporting-portal.html": -4,
}
# everything published in A-19 .. A-1, from listing pages 1-3 and the speeches sitemap
EXPECTED_IN_RANGE = {
    "news/ai-sandbox-first-cohort.html": -2,
    "news/ai-incident-reporting-portal.html": -4,
    "news/copyright-and-ai-government-response.html": -6,
    "news/ai-safety-research-funding.html": -9,
    "news/rural-broadband-vouchers-extended.html": -10,  # off topic
    "news/frontier-ai-bill-timetable.html": -12,
    "news/police-facial-recognition-rules.html": -16,
    "news/algorithmic-transparency-standard-mandatory.html": -18,
    "speeches/speech-ai-liability-conference.html": -3,
    "speeches/speech-council-ai-public-services.html": -11,
    "speeches/keynote-international-ai-governance.html": -17,
}
OFF_TOPIC = {"news/rural-broadband-vouchers-extended.html"}
# published outside the range: A+1 and A-30 (sitemap), A-20 and A-35 (listing page 3)
OUT_OF_RANGE = {
    "speeches/ai-standards-summit-keynote.html": 1,
    "speeches/speech-digital-skills-week.html": -30,
    "news/data-centre-planning-reforms.html": -20,
    "news/ai-assurance-roadmap.html": -35,
}
SINCE_OFFSET, UNTIL_OFFSET = -19, -1


def write_sources(sites: SiteServer, path: Path, text: str = DELTA_SOURCES) -> None:
    path.write_text(render_template(text, sites.base_urls, sites.anchor), encoding="utf-8")


def key(url: str) -> str:
    """'news/slug.html' of an item URL."""
    return "/".join(url.rsplit("/", 2)[-2:])


def day(anchor: date, offset: int) -> date:
    return anchor + timedelta(days=offset)


def week(anchor: date, offset: int) -> str:
    year, number, _ = day(anchor, offset).isocalendar()
    return f"{year}-W{number:02d}"

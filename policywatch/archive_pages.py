"""The browsable archive beside the weekly pages: topic and region pages, search and trends.

Built from the briefings on disk (each JSON sidecar lists the week's briefed items), so these
pages list exactly what the weekly pages show. Paths are relative to reports/:
topics/<slug>.html, regions/<slug>.html, search.html with its index search-index.js (a script
assigning a global: browsers refuse fetch() of file:// pages), and trends.html. Every link is
relative, to a page written here or to an item's own http(s) URL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policywatch import trends
from policywatch.models import BriefingEntry
from policywatch.render import ENV, OTHER_REGION, clean, format_date, label, safe_url, week_heading

if TYPE_CHECKING:
    from policywatch.archive import ArchivedBriefing

log = logging.getLogger(__name__)

FOLDERS = {"topic": "topics", "region": "regions"}  # page kind -> folder under reports/
INDEX_GLOBAL = "policywatchSearchIndex"  # the global search-index.js assigns
SPARK_HEIGHT = 40  # SVG units of the tallest bar of a trend chart
_SLUG = re.compile(r"[^a-z0-9]+")
Nav = dict[str, list[tuple[str, str, int]]]  # "topics"/"regions": (label, path, item count)


@dataclass(frozen=True, slots=True)
class ArchivedItem:
    """One briefed item as its week's sidecar keeps it."""

    week: str
    title: str
    url: str | None  # only http(s) URLs are kept
    source: str
    published: date | None
    region: str | None
    topics: tuple[str, ...]
    summary: str


@dataclass(frozen=True, slots=True)
class Tag:
    """A topic or region page: its label, path under reports/ and items, newest first."""

    kind: str  # "topic" or "region"
    name: str  # as stored ("" for items without a region)
    label: str
    href: str
    items: tuple[ArchivedItem, ...]


@dataclass(frozen=True, slots=True)
class Site:
    """The topic and region pages of an archive, and where each name's page is."""

    topics: tuple[Tag, ...]
    regions: tuple[Tag, ...]

    def href(self, kind: str, name: str | None) -> str:
        """Path of a topic's or region's page (region None: the unspecified one); '' if none."""
        tags = {"topic": self.topics, "region": self.regions}.get(kind, ())
        return next((t.href for t in tags if t.name == (name or "")), "")


def item_record(e: BriefingEntry) -> dict[str, Any]:
    """An entry as the sidecar keeps it: what the topic, region and search pages show."""
    return {
        "title": clean(e.title) or "(untitled)",
        "url": safe_url(e.url),
        "source": clean(e.source_name),
        "published": e.published.isoformat() if e.published else None,
        "region": clean(e.region or "") or None,
        "topics": [t for t in (clean(t) for t in e.topics) if t],
        "summary": clean(e.summary),
    }


def parse_items(week: str, raw: object) -> tuple[ArchivedItem, ...]:
    """The items of a sidecar's "items" list; malformed ones skipped (older sidecars have none)."""
    if not isinstance(raw, list):
        return ()
    items = []
    for record in raw:
        try:
            items.append(_item(week, record))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            log.warning("%s: skipping unreadable archived item: %s", week, exc)
    return tuple(items)


def _item(week: str, r: Mapping[str, Any]) -> ArchivedItem:
    """One sidecar item, cleaned again (the file may have been edited by hand)."""
    published = r.get("published")
    return ArchivedItem(
        week=week,
        title=clean(r["title"]) or "(untitled)",
        url=safe_url(str(r.get("url") or "")),
        source=clean(r.get("source") or ""),
        published=date.fromisoformat(published) if published else None,
        region=clean(r.get("region") or "") or None,
        topics=tuple(t for t in (clean(t) for t in r.get("topics") or ()) if t),
        summary=clean(r.get("summary") or ""),
    )


def slug(name: str) -> str:
    """A file name for a topic or region: 'Hong Kong' -> 'hong-kong', '重庆' -> 'x-1a2b3c4d'."""
    base = _SLUG.sub("-", name.lower()).strip("-") or "x"
    if re.fullmatch(r"[A-Za-z0-9 _-]+", name):
        return base
    return f"{base}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def all_items(archive: Sequence[ArchivedBriefing]) -> list[ArchivedItem]:
    """Every archived item, newest week first, newest publication first within a week."""
    items = (i for a in archive for i in a.items)
    return sorted(items, key=lambda i: (i.week, i.published or date.min), reverse=True)


def build_site(archive: Sequence[ArchivedBriefing]) -> Site:
    """One page per topic and per region that has briefed items, most items first."""
    items = all_items(archive)
    by_topic: dict[str, list[ArchivedItem]] = {}
    by_region: dict[str, list[ArchivedItem]] = {}
    for item in items:
        for topic in dict.fromkeys(item.topics):
            by_topic.setdefault(topic, []).append(item)
        by_region.setdefault(item.region or "", []).append(item)
    return Site(_tags("topic", by_topic), _tags("region", by_region))


def _tags(kind: str, grouped: dict[str, list[ArchivedItem]]) -> tuple[Tag, ...]:
    """Tags with unique file names (a clash gets -2, -3, ...), most items first."""
    taken: set[str] = set()
    tags = []
    for name in sorted(grouped):
        base = slug(name) if name else "unspecified"
        page, n = base, 1
        while page in taken:
            n += 1
            page = f"{base}-{n}"
        taken.add(page)
        text = label(name) if name else OTHER_REGION
        href = f"{FOLDERS[kind]}/{page}.html"
        tags.append(Tag(kind, name, text, href, tuple(grouped[name])))
    return tuple(sorted(tags, key=lambda t: (-len(t.items), t.label.lower())))


def write_site(reports_dir: Path, archive: Sequence[ArchivedBriefing]) -> Nav:
    """Write every page atomically, then delete topic and region pages no longer listed;
    returns the navigation for index.html."""
    from policywatch.archive import atomic_write  # archive imports this module

    site = build_site(archive)
    pages = site_pages(archive, site)
    for path, content in pages.items():
        atomic_write(reports_dir / path, content)
    for folder in FOLDERS.values():
        for old in (reports_dir / folder).glob("*.html"):
            if f"{folder}/{old.name}" not in pages:
                try:
                    old.unlink()
                except OSError as exc:
                    log.warning("%s: cannot remove stale archive page: %s", old, exc)
    return site_nav(site)


def site_pages(archive: Sequence[ArchivedBriefing], site: Site) -> dict[str, str]:
    """Every archive page besides the weekly files, index and feed, by path under reports/."""
    nav = site_nav(site)
    pages = {
        tag.href: ENV.get_template(f"{tag.kind}.html").render(
            tag=tag, weeks=_week_groups(tag.items, site), nav=nav, root="../"
        )
        for tag in (*site.topics, *site.regions)
    }
    pages["search.html"] = ENV.get_template("search.html").render(
        nav=nav,
        root="",
        items=sum(len(a.items) for a in archive),
        weeks=len(archive),
        index_global=INDEX_GLOBAL,
    )
    pages["search-index.js"] = search_index(archive, site)
    pages["trends.html"] = render_trends(archive, site, nav)
    return pages


def site_nav(site: Site) -> Nav:
    """(label, path, item count) of every topic and region page, for the navigation."""
    return {
        "topics": [(t.label, t.href, len(t.items)) for t in site.topics],
        "regions": [(t.label, t.href, len(t.items)) for t in site.regions],
    }


@dataclass(frozen=True, slots=True)
class ItemView:
    """An archived item as a topic or region page shows it."""

    item: ArchivedItem
    published: str | None
    tags: tuple[tuple[str, str], ...]  # (label, path) of its region and topic pages


def _week_groups(
    items: Iterable[ArchivedItem], site: Site
) -> list[tuple[str, str, list[ItemView]]]:
    """(week, heading, items) per week, newest week first, in the items' order."""
    groups: dict[str, list[ItemView]] = {}
    for item in items:
        groups.setdefault(item.week, []).append(_item_view(item, site))
    return [(week, week_heading(week), views) for week, views in groups.items()]


def _item_view(item: ArchivedItem, site: Site) -> ItemView:
    """Tags link the item's region first, then its topics."""
    region = (label(item.region) if item.region else OTHER_REGION, site.href("region", item.region))
    topics = [(label(t), site.href("topic", t)) for t in item.topics]
    return ItemView(item, format_date(item.published), (region, *topics))


def search_index(archive: Sequence[ArchivedBriefing], site: Site) -> str:
    """search-index.js: one global holding every briefed item, newest first, as arrays of
    [week, title, url, source, published, region, topics, summary], and the page paths."""
    items = all_items(archive)
    data = {
        "weeks": {a.week: [week_heading(a.week), f"{a.week}.html"] for a in archive},
        "topics": {t.name: [t.label, t.href] for t in site.topics},
        "regions": {t.name: [t.label, t.href] for t in site.regions},
        "items": [
            [
                i.week,
                i.title,
                i.url,
                i.source,
                format_date(i.published) or "",
                i.region or "",
                list(i.topics),
                i.summary,
            ]
            for i in items
        ],
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"window.{INDEX_GLOBAL} = {body};\n"


@dataclass(frozen=True, slots=True)
class SparkBar:
    """One bar of an SVG trend chart, in SVG units."""

    x: int
    y: int
    height: int
    week: str
    count: int
    now: bool


@dataclass(frozen=True, slots=True)
class Chart:
    """One row of trends.html: a label, its page, the figures and the bars."""

    label: str
    href: str
    series: trends.Series
    bars: tuple[SparkBar, ...]


def spark(weeks: Sequence[str], counts: Sequence[int], top: int) -> tuple[SparkBar, ...]:
    """Bars 8 units wide every 10 units; a week without items is a 1-unit baseline."""
    heights = [max(1, round(SPARK_HEIGHT * n / top)) if n and top else 1 for n in counts]
    return tuple(
        SparkBar(10 * i + 1, SPARK_HEIGHT - h, h, week, n, now=i == len(counts) - 1)
        for i, (week, n, h) in enumerate(zip(weeks, counts, heights, strict=True))
    )


def _charts(
    weeks: Sequence[str], series: Sequence[trends.Series], site: Site, kind: str
) -> list[Chart]:
    """Charts sharing one scale: the busiest week of any series is full height."""
    top = max((max(s.counts, default=0) for s in series), default=0)
    return [
        Chart(s.label, site.href(kind, s.name or None), s, spark(weeks, s.counts, top))
        for s in series
    ]


def archive_trends(archive: Sequence[ArchivedBriefing]) -> trends.Trends | None:
    """Trends over the TREND_WEEKS weeks ending at the newest archived week (None if empty)."""
    if not archive:
        return None
    weeks = trends.window(max(a.week for a in archive))
    return trends.compute(weeks, ((i.week, i.topics, i.region) for a in archive for i in a.items))


def render_trends(archive: Sequence[ArchivedBriefing], site: Site, nav: Nav) -> str:
    """trends.html: inline SVG bar charts of items per week, in total, by topic, by region."""
    t = archive_trends(archive)
    context: dict[str, object] = {"nav": nav, "root": "", "t": t, "height": SPARK_HEIGHT}
    if t is not None:
        total = trends.Series("", "All briefed items", t.totals)
        context |= {
            "first": week_heading(t.weeks[0]),
            "last": week_heading(t.weeks[-1]),
            "total": _charts(t.weeks, [total], site, "total"),
            "topics": _charts(t.weeks, t.topics, site, "topic"),
            "regions": _charts(t.weeks, t.regions, site, "region"),
        }
    return ENV.get_template("trends.html").render(context)

"""Discovery: turn a feed, sitemap or listing page into candidate article links (pure parsing).

Feeds go through feedparser (RSS 0.9x/1.0/2.0, Atom) or json (JSON Feed); sitemaps through a
hardened lxml parser (no entities, no network); listings through lxml.html with CSS selectors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser
import feedparser.api
import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

from policywatch.errors import DiscoveryError
from policywatch.models import Link

MAX_LINKS = 5000  # per document: bounds memory on hostile feeds and sitemaps
MIN_YEAR = 1995  # dates before this (e.g. 1900 placeholders) are treated as unknown
MAX_FUTURE_DAYS = 2  # dates further ahead (typos, 2099 placeholders) are treated as unknown
ARTICLE_PATH = re.compile(
    r"/[^/]*\d[^/]*\.s?html?$|/\d{4}[-/]?\d{2}|/(article|news|post|content)s?/", re.I
)
# feedparser asks the SAX factory for libxml2's Python driver first; it is absent here, so
# every parse paid a failed import (a search of sys.path under the import lock, contended by
# the run's threads). Python's expat is what it falls back to; ask for it directly
# (feedparser issue #506 proposes dropping the driver for the same nondeterminism).
feedparser.api.PREFERRED_XML_PARSERS[:] = []
_XML_PARSER = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, recover=True, load_dtd=False
)


@dataclass(frozen=True, slots=True)
class SitemapResult:
    """Article links of one sitemap document, plus child sitemaps of an index."""

    links: tuple[Link, ...]
    sitemaps: tuple[str, ...]


def parse_feed(body: bytes, base_url: str) -> tuple[Link, ...]:
    """Entries of an RSS/Atom/RDF or JSON Feed document as Links (URL, title, date)."""
    if not body.strip():
        raise DiscoveryError(base_url, "empty feed (the response had no content)")
    if body.lstrip()[:1] in (b"{", b"["):
        return _parse_json_feed(body, base_url)
    try:
        parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    except Exception as exc:  # feedparser wraps most errors, but not all
        raise DiscoveryError(base_url, f"unreadable feed ({type(exc).__name__})") from None
    if not parsed.entries:
        reason = parsed.get("bozo_exception")
        detail = f": {str(reason).splitlines()[0][:120]}" if reason else ""
        # A recognised feed with no items is valid: we pass no Content-Type, hence the flag.
        empty = parsed.get("version") and isinstance(reason, feedparser.NonXMLContentType)
        if parsed.get("bozo") and not empty:
            raise DiscoveryError(base_url, f"malformed feed with no entries{detail}")
        return ()
    links = (_feed_entry(entry, base_url) for entry in parsed.entries[:MAX_LINKS])
    return _dedupe_links(link for link in links if link is not None)


def _feed_entry(entry: Any, base_url: str) -> Link | None:
    href = entry.get("link") or _first_alternate(entry.get("links") or [])
    if not href and str(entry.get("id", "")).startswith(("http://", "https://")):
        href = entry.get("id")
    url = _absolute(base_url, href)
    if url is None:
        return None
    # Look keys up explicitly: feedparser's entry.get("updated_parsed") falls back to the
    # published date with a DeprecationWarning when the feed has no updated date.
    keys = set(entry.keys())
    key = next(
        (k for k in ("published", "updated") if f"{k}_parsed" in keys and entry[k + "_parsed"]),
        None,
    )
    stamp = entry[f"{key}_parsed"] if key else None
    published = plausible_date(date(*stamp[:3])) if stamp else None
    # feedparser gives UTC: keep the instant when the feed wrote a time of day (a bare date
    # is the publisher's own day), so the pipeline can date it in POLICYWATCH_TIMEZONE.
    instant = None
    if stamp and published is not None and ":" in str(entry[key] if key in keys else ""):
        instant = datetime(*stamp[:6]).replace(tzinfo=UTC)
    return Link(
        url=url, title=_clean(entry.get("title")), published=published, published_at=instant
    )


def _first_alternate(links: list[Any]) -> str | None:
    for item in links:
        if item.get("rel", "alternate") == "alternate" and item.get("href"):
            return str(item["href"])
    return None


def _parse_json_feed(body: bytes, base_url: str) -> tuple[Link, ...]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise DiscoveryError(base_url, f"malformed JSON feed ({exc})") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise DiscoveryError(base_url, "JSON document is not a JSON Feed (no 'items' list)")
    links = []
    for item in items[:MAX_LINKS]:
        if not isinstance(item, dict):
            continue
        url = _absolute(base_url, item.get("url") or item.get("external_url"))
        if url:
            stamp = item.get("date_published") or item.get("date_modified")
            links.append(Link(url, _clean(item.get("title")), *_parse_stamp(stamp)))
    return _dedupe_links(links)


def parse_sitemap(body: bytes, base_url: str) -> SitemapResult:
    """An XML sitemap (urlset or sitemapindex, with lastmod) or a plain-text list of URLs."""
    head = body.lstrip()[:200].lower()
    if not head.startswith(b"<"):
        return SitemapResult(_plain_sitemap(body, base_url), ())
    try:
        root = lxml.etree.fromstring(body, _XML_PARSER)
    except lxml.etree.XMLSyntaxError as exc:
        raise DiscoveryError(base_url, f"malformed sitemap XML ({exc})") from None
    if root is None:
        raise DiscoveryError(base_url, "empty or unreadable sitemap XML")
    entries = [_sitemap_entry(el, base_url) for el in root if isinstance(el.tag, str)]
    found = [e for e in entries[:MAX_LINKS] if e is not None]
    if _local(root.tag) == "sitemapindex":
        return SitemapResult((), tuple(dict.fromkeys(link.url for link in found)))
    return SitemapResult(_dedupe_links(found), ())


def _sitemap_entry(element: Any, base_url: str) -> Link | None:
    values = {
        _local(child.tag): (child.text or "").strip()
        for child in element
        if isinstance(child.tag, str)
    }
    url = _absolute(base_url, values.get("loc"))
    return Link(url, None, *_parse_stamp(values.get("lastmod"))) if url else None


def _plain_sitemap(body: bytes, base_url: str) -> tuple[Link, ...]:
    lines = body.decode("utf-8", "replace").splitlines()
    urls = (_absolute(base_url, line.strip()) for line in lines[:MAX_LINKS] if line.strip())
    return _dedupe_links(Link(url) for url in urls if url)


def parse_listing(
    html: str, base_url: str, selector: str | None = None, pattern: str | None = None
) -> tuple[Link, ...]:
    """Article links of an HTML listing, picked by CSS selector and/or regex on absolute URLs."""
    anchors = _anchors(html, base_url, selector)
    links = []
    for href, text in anchors:
        url = _absolute(base_url, href)
        if url is None or (pattern and not re.search(pattern, url)):
            continue
        if not selector and not pattern and not _looks_like_article(url, base_url):
            continue
        links.append(Link(url=url, title=_clean(text)))
    return _dedupe_links(links[:MAX_LINKS])


def next_page_url(html: str, base_url: str, selector: str) -> str | None:
    """The 'older posts' link of a paginated listing, or None on the last page."""
    anchors = _anchors(html, base_url, selector)
    for href, _text in anchors:
        url = _absolute(base_url, href)
        if url and url != base_url:
            return url
    return None


def _anchors(html: str, base_url: str, selector: str | None) -> list[tuple[str, str]]:
    try:
        doc = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise DiscoveryError(base_url, f"unparseable listing HTML ({exc})") from None
    elements = CSSSelector(selector)(doc) if selector else doc.iter("a")
    found = []
    for element in elements:
        anchor = element if element.tag == "a" else next(element.iter("a"), None)
        if anchor is not None and anchor.get("href"):
            found.append((anchor.get("href"), anchor.get("title") or anchor.text_content()))
    return found


def _looks_like_article(url: str, base_url: str) -> bool:
    """Without selector or pattern: same-site links whose path looks like an article."""
    parts, base = urlsplit(url), urlsplit(base_url)
    return parts.netloc == base.netloc and bool(ARTICLE_PATH.search(parts.path))


def _absolute(base_url: str, href: Any) -> str | None:
    """Resolve relative and protocol-relative links; only http(s) URLs survive."""
    if not isinstance(href, str) or not href.strip() or len(href) > 2048:
        return None
    try:
        url = urljoin(base_url, href.strip())
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts._replace(fragment="").geturl()


def _parse_stamp(value: Any) -> tuple[date | None, datetime | None]:
    """The date as written, and the instant when the value has a time and a UTC offset."""
    day = _parse_date(value)
    try:
        instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return day, None
    return day, instant if day is not None and instant.tzinfo is not None else None


def local_dates(links: Iterable[Link], timezone: str) -> list[Link]:
    """Links dated by the day, in `timezone`, of the instant their feed or sitemap gave: weeks
    are local, so 00:30 on a Monday in London is that Monday while UTC still says Sunday."""
    zone = ZoneInfo(timezone)
    return [
        replace(link, published=plausible_date(link.published_at.astimezone(zone).date()))
        if link.published_at is not None
        else link
        for link in links
    ]


def _parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 8:
        return None
    try:
        return plausible_date(datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date())
    except ValueError:
        pass
    try:
        return plausible_date(date.fromisoformat(value.strip()[:10]))
    except ValueError:
        return None


def plausible_date(value: date) -> date | None:
    """Drop placeholder dates (1900, 2099) that would file items in weeks never briefed."""
    latest = datetime.now(UTC).date() + timedelta(days=MAX_FUTURE_DAYS)
    return value if value.year >= MIN_YEAR and value <= latest else None


def _clean(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    cleaned = " ".join(text.split())
    return cleaned[:500] or None


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


def _dedupe_links(links: Iterable[Link]) -> tuple[Link, ...]:
    seen: dict[str, Link] = {}
    for link in links:
        seen.setdefault(link.url, link)
    return tuple(seen.values())

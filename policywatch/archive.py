"""The briefing archive on disk: reports/YYYY-Www.{html,md,txt,json}, index.html and feed.xml.

Every file is written atomically (temporary file in the same directory, then os.replace), so a
reader or a crash never sees half a briefing. The index and the Atom feed are rebuilt from the
JSON sidecars, so they always list exactly the briefings on disk.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from policywatch import archive_pages
from policywatch.archive_pages import ArchivedItem
from policywatch.errors import ArchiveError
from policywatch.models import Briefing
from policywatch.render import ENV, clean, counted, date_range, week_heading

log = logging.getLogger(__name__)

WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "tag:policywatch,2026:briefings"
_TOP_TITLES = 5


@dataclass(frozen=True, slots=True)
class ArchivedBriefing:
    """What the index and the feed need of one archived briefing (read from its sidecar)."""

    week: str
    start: date
    end: date
    generated_at: datetime
    new_count: int
    sources_checked: int
    titles: tuple[str, ...]
    items: tuple[ArchivedItem, ...] = ()  # every briefed item (none in older sidecars)


def write_briefing(
    reports_dir: Path, b: Briefing, html: str, text: str, markdown: str
) -> dict[str, Path]:
    """Write the week's html/md/txt and JSON sidecar, then rebuild index.html and feed.xml."""
    if not WEEK.match(b.week):
        raise ArchiveError(f"{reports_dir}: refusing to archive briefing with bad week {b.week!r}")
    paths = {
        "html": reports_dir / f"{b.week}.html",
        "md": reports_dir / f"{b.week}.md",
        "txt": reports_dir / f"{b.week}.txt",
        "json": reports_dir / f"{b.week}.json",
    }
    atomic_write(paths["html"], html)
    atomic_write(paths["md"], markdown)
    atomic_write(paths["txt"], text)
    atomic_write(paths["json"], json.dumps(_sidecar(b), ensure_ascii=False, indent=2) + "\n")
    return paths | rebuild_index(reports_dir)


def atomic_write(path: Path, content: str) -> None:
    """Write UTF-8 text to a temporary file next to `path`, fsync it, then os.replace it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _sidecar(b: Briefing) -> dict[str, object]:
    """Metadata kept next to each briefing for the index and the feed."""
    return {
        "week": b.week,
        "start": b.start.isoformat(),
        "end": b.end.isoformat(),
        "generated_at": aware(b.generated_at).isoformat(),
        "new_count": b.new_count,
        "sources_checked": b.sources_checked,
        "duplicates_filtered": b.duplicates_filtered,
        "baseline_filtered": b.baseline_filtered,
        "off_topic_filtered": b.off_topic_filtered,
        "failed_sources": len(b.unhealthy),
        "titles": [clean(e.title) for e in b.entries[:_TOP_TITLES]],
        "items": [archive_pages.item_record(e) for e in b.entries],
    }


def aware(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_archive(reports_dir: Path) -> list[ArchivedBriefing]:
    """Briefings on disk (sidecar plus .html), newest week first; unreadable sidecars skipped."""
    found = []
    for sidecar in reports_dir.glob("*-W*.json"):
        if not WEEK.match(sidecar.stem) or not sidecar.with_suffix(".html").is_file():
            continue
        try:
            found.append(_load_sidecar(sidecar))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s: skipping unreadable briefing sidecar: %s", sidecar, exc)
    return sorted(found, key=lambda a: a.week, reverse=True)


def _load_sidecar(path: Path) -> ArchivedBriefing:
    """Parse one JSON sidecar; the week comes from the file name."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return ArchivedBriefing(
        week=path.stem,
        start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]),
        generated_at=aware(datetime.fromisoformat(data["generated_at"])),
        new_count=int(data["new_count"]),
        sources_checked=int(data.get("sources_checked", 0)),
        titles=tuple(clean(t) for t in data.get("titles", [])),
        items=archive_pages.parse_items(path.stem, data.get("items")),
    )


def rebuild_index(reports_dir: Path) -> dict[str, Path]:
    """Rewrite reports/index.html and reports/feed.xml from the briefings on disk, and the
    topic, region, search and trends pages (archive_pages)."""
    archive = read_archive(reports_dir)
    index, feed = reports_dir / "index.html", reports_dir / "feed.xml"
    rows = [(a, week_heading(a.week), date_range(a.start, a.end)) for a in archive]
    nav = archive_pages.write_site(reports_dir, archive)
    atomic_write(index, ENV.get_template("index.html").render(rows=rows, nav=nav))
    atomic_write(feed, render_feed(archive))
    return {"index": index, "feed": feed}


def render_feed(archive: list[ArchivedBriefing]) -> str:
    """An Atom 1.0 feed with one entry per briefing; links are relative to feed.xml."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "title", "AI policy briefings")
    _sub(feed, "id", FEED_ID)
    newest = max((a.generated_at for a in archive), default=datetime(2026, 1, 1, tzinfo=UTC))
    _sub(feed, "updated", _atom_time(newest))
    _sub(_sub(feed, "author"), "name", "policywatch")
    _sub(feed, "link", rel="self", href="feed.xml")
    _sub(feed, "link", rel="alternate", type="text/html", href="index.html")
    for a in archive:
        _feed_entry(feed, a)
    ET.indent(feed)
    body = ET.tostring(feed, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


def _feed_entry(feed: ET.Element, a: ArchivedBriefing) -> None:
    """One Atom entry: id, title, updated, alternate link and a text summary."""
    entry = _sub(feed, "entry")
    _sub(entry, "id", f"tag:policywatch,2026:briefing:{a.week}")
    _sub(entry, "title", f"AI policy briefing · {a.week} · {a.new_count} new")
    _sub(entry, "updated", _atom_time(a.generated_at))
    _sub(entry, "link", rel="alternate", type="text/html", href=f"{a.week}.html")
    summary = f"{week_heading(a.week)} ({date_range(a.start, a.end)}): "
    summary += f"{counted(a.new_count, 'new item')} from {counted(a.sources_checked, 'source')}."
    if a.titles:
        summary += " Top stories: " + "; ".join(a.titles) + "."
    _sub(entry, "summary", summary, type="text")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append an Atom-namespaced child element."""
    child = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        child.text = text
    return child


def _atom_time(value: datetime) -> str:
    """RFC 3339 timestamp in UTC, as Atom requires."""
    return aware(value).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

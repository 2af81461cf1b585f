"""Render a weekly Briefing to email-safe HTML, plain text and Markdown (Jinja2 templates).

Entries are grouped by their first topic (or by region when `group_by == "region"`), groups
with most entries first and the catch-all group last; newest first within a group. Every
string is cleaned of control characters; only http(s) URLs become links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import css_inline
import jinja2

from policywatch.models import Briefing, BriefingEntry

OTHER_TOPIC = "Other"
OTHER_REGION = "International / unspecified"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&])")
_MD_LIST_START = re.compile(r"^(\d*)([-=.)])")  # "- x", "2026. x" would start a list
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=False)


@dataclass(frozen=True, slots=True)
class LinkView:
    """A source name with its URL, `url` None when the URL is not http(s)."""

    name: str
    url: str | None


@dataclass(frozen=True, slots=True)
class EntryView:
    """One briefing entry with every string cleaned and its URL checked."""

    title: str
    url: str | None
    raw_url: str
    source_name: str
    published: str | None
    tags: tuple[str, ...]
    summary: str
    also: tuple[LinkView, ...]
    instrument: str = ""  # "工信部科〔2026〕215号 · 工业和信息化部": number and issuer
    draft_note: str = ""  # "Draft for comment · comments due 10 Dec 2026"
    final_of: LinkView | None = None  # "Final version of the draft of 15 Sep 2026"
    translations: tuple[LinkView, ...] = ()  # the story's copies in the other language
    translations_label: str = ""  # "Also reported in English by: " / "中文原文："


@dataclass(frozen=True, slots=True)
class ConsultationView:
    """One open consultation: deadline, days left, what it is and who asks."""

    deadline: str
    days_left: str
    title: str
    url: str | None
    raw_url: str
    instrument: str
    source_name: str
    carried: str  # "first reported in 2026-W45" when an earlier briefing reported it


@dataclass(frozen=True, slots=True)
class GroupView:
    """A heading (topic or region) and its entries, newest first."""

    label: str
    entries: tuple[EntryView, ...]


def clean(value: object) -> str:
    """Collapse whitespace and drop control characters, so no string can break a line or header."""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def safe_url(url: str) -> str | None:
    """The URL if it is an absolute http(s) URL without whitespace or control characters."""
    if not url or _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def label(name: str) -> str:
    """Human label for a topic or region slug: 'export-controls' -> 'Export controls'."""
    text = clean(name.replace("_", " ").replace("-", " ") if name.islower() else name)
    return text[:1].upper() + text[1:]


def format_date(day: date | None) -> str | None:
    """'18 Nov 2026' (locale independent), or None."""
    return f"{day.day} {day:%b %Y}" if day else None


def date_range(start: date, end: date) -> str:
    """'16–22 November 2026', '30 November – 6 December 2026' or across years."""
    if start.year != end.year:
        return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"
    if start.month != end.month:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{start.day}–{end.day} {end:%B %Y}"


def week_heading(week: str) -> str:
    """'2026-W47' -> 'Week 47, 2026' (unchanged if not an ISO week)."""
    m = re.fullmatch(r"(\d{4})-W(\d{2})", week)
    return f"Week {int(m.group(2))}, {m.group(1)}" if m else clean(week)


def entry_view(entry: BriefingEntry) -> EntryView:
    """Clean one entry; tags list the region first, then every topic."""
    tags = ([entry.region] if entry.region else []) + list(entry.topics)
    return EntryView(
        title=clean(entry.title) or "(untitled)",
        url=safe_url(entry.url),
        raw_url=clean(entry.url),
        source_name=clean(entry.source_name),
        published=format_date(entry.published),
        tags=tuple(dict.fromkeys(label(t) for t in tags if clean(t))),
        summary=clean(entry.summary),
        also=tuple(LinkView(clean(n), safe_url(u)) for n, u in entry.also_reported_by),
        instrument=_instrument(entry.document_number, entry.issuer),
        draft_note=_draft_note(entry),
        final_of=_final_of(entry),
        translations=tuple(LinkView(clean(n), safe_url(u)) for n, u, _ in entry.translations),
        translations_label=_translations_label(entry),
    )


# How an entry introduces its copies in another language, by (entry, copies) language.
TRANSLATION_LABELS = {"en": "Also reported in English by: ", "zh": "中文原文："}


def _translations_label(entry: BriefingEntry) -> str:
    """How an entry introduces its other-language copies: 中文原文 above an English entry's
    Chinese original, "Also reported in English by" under a Chinese original's reports."""
    languages = {language for _, _, language in entry.translations}
    if len(languages) == 1 and (only := languages.pop()) != entry.language:
        return TRANSLATION_LABELS.get(only, "In other languages: ")
    return "In other languages: "


def _instrument(number: str | None, issuer: str | None) -> str:
    return " · ".join(clean(part) for part in (number, issuer) if part and clean(part))


def _draft_note(entry: BriefingEntry) -> str:
    if entry.stage != "draft":
        return ""
    due = format_date(entry.consultation_deadline)
    return f"Draft for comment · comments due {due}" if due else "Draft for comment"


def _final_of(entry: BriefingEntry) -> LinkView | None:
    if entry.final_of is None:
        return None
    when = format_date(entry.final_of.published)
    text = f"Final version of the draft of {when}" if when else "Final version of an earlier draft"
    return LinkView(text, safe_url(entry.final_of.url))


def consultation_views(b: Briefing) -> tuple[ConsultationView, ...]:
    """Open consultations, deadline first, with days left counted from the Monday the
    briefing goes out."""
    sent_on = b.end + timedelta(days=1)
    return tuple(
        ConsultationView(
            deadline=format_date(c.deadline) or "",
            days_left=_days_left((c.deadline - sent_on).days),
            title=clean(c.title) or "(untitled)",
            url=safe_url(c.url),
            raw_url=clean(c.url),
            instrument=_instrument(c.document_number, c.issuer),
            source_name=clean(c.source_name),
            carried=f"first reported in {clean(c.first_week)}" if c.first_week != b.week else "",
        )
        for c in b.consultations
    )


def _days_left(days: int) -> str:
    if days <= 0:
        return "closes today"
    return "1 day left" if days == 1 else f"{days} days left"


def _group_key(entry: BriefingEntry, group_by: str) -> str:
    """The group an entry belongs to: its first topic, or its region."""
    if group_by == "region":
        return label(entry.region) if entry.region and clean(entry.region) else OTHER_REGION
    first = next((t for t in entry.topics if clean(t)), None)
    return label(first) if first else OTHER_TOPIC


def _newest_first(entry: BriefingEntry) -> tuple[int, str]:
    """Sort key: newest publication date first, undated last, then by title."""
    return (-(entry.published.toordinal() if entry.published else 0), clean(entry.title).lower())


def group_entries(b: Briefing) -> tuple[GroupView, ...]:
    """Group entries (largest group first, catch-all last), newest first within a group."""
    groups: dict[str, list[BriefingEntry]] = {}
    for entry in b.entries:
        groups.setdefault(_group_key(entry, b.group_by), []).append(entry)
    catch_all = {OTHER_TOPIC, OTHER_REGION}
    order = sorted(groups, key=lambda k: (k in catch_all, -len(groups[k]), k.lower()))
    return tuple(
        GroupView(k, tuple(entry_view(e) for e in sorted(groups[k], key=_newest_first)))
        for k in order
    )


def md_escape(value: object) -> str:
    """Backslash-escape Markdown syntax ([ ] ( ) * _ ` < > # ...) in a cleaned string."""
    text = _MD_SPECIAL.sub(r"\\\1", clean(value))
    return _MD_LIST_START.sub(r"\1\\\2", text)


def md_url(url: str) -> str:
    """An http(s) URL for a Markdown link destination written as <...>."""
    return url.replace("<", "%3C").replace(">", "%3E")


def _format_dt(value: datetime) -> str:
    """'2026-11-23 07:00 UTC' for a generation timestamp."""
    zone = (value.tzname() or "UTC") if value.tzinfo else "UTC"
    return f"{value:%Y-%m-%d %H:%M} {zone}"


def counted(count: int, noun: str) -> str:
    """'1 duplicate', '3 duplicates': a count with its noun in the right number."""
    return f"{count} {noun if count == 1 else noun + 's'}"


def _environment() -> jinja2.Environment:
    """Templates from the package; autoescape for .html/.xml, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policywatch", "templates"),
        autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md_escape, md_url=md_url, clean=clean, counted=counted)
    return env


ENV = _environment()


def _context(b: Briefing) -> dict[str, object]:
    """Everything the three briefing templates need."""
    return {
        "b": b,
        "week": week_heading(b.week),
        "week_id": clean(b.week),
        "dates": date_range(b.start, b.end),
        "groups": group_entries(b),
        "consultations": consultation_views(b),
        "generated": _format_dt(b.generated_at),
        "unhealthy": [
            (clean(h.name) or clean(h.source_id), clean(h.error), h.consecutive_failures)
            for h in b.unhealthy
        ],
        "repeats": b.duplicates_filtered + b.baseline_filtered,
        "delivery": [clean(note) for note in b.delivery_notes],
    }


def render_html(b: Briefing) -> str:
    """Email-safe HTML: table layout, CSS inlined, no scripts, no external resources."""
    html = ENV.get_template("briefing.html").render(_context(b))
    return _INLINER.inline(html)


def render_text(b: Briefing) -> str:
    """Plain-text version (the first part of the email)."""
    return ENV.get_template("briefing.txt").render(_context(b))


def render_markdown(b: Briefing) -> str:
    """Markdown version for the archive; extracted strings are escaped."""
    return ENV.get_template("briefing.md").render(_context(b))

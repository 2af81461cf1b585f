"""Plain value types passed between pipeline steps (no I/O, no Prefect)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policywatch.trends import Trends


class ItemStatus(StrEnum):
    """An item's one status, by precedence failed > baseline > duplicate > off_topic > new."""

    failed = "failed"
    baseline = "baseline"
    duplicate = "duplicate"
    off_topic = "off_topic"
    new = "new"


class GroupBy(StrEnum):
    """How a briefing's entries are grouped."""

    topic = "topic"
    region = "region"


@dataclass(frozen=True, slots=True)
class Validators:
    """HTTP validators remembered from a previous response, for conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A candidate article URL found by discovery, with what the feed/sitemap said of it."""

    url: str
    title: str | None = None
    published: date | None = None
    published_at: datetime | None = None  # the instant, when the feed or sitemap gave a time


@dataclass(frozen=True, slots=True)
class Article:
    """Main text and metadata extracted from one fetched page."""

    url: str
    title: str
    text: str
    published: date | None = None
    author: str | None = None
    sitename: str | None = None
    language: str | None = None
    document_number: str | None = None  # its own official number (GB/T 9704 spelling)
    issuer: str | None = None  # the issuing body, when the page states it
    cites: tuple[str, ...] = ()  # identifiers of other instruments the text cites
    stage: str | None = None  # "draft" (inviting comments), "final", or None (news, calls)
    consultation_deadline: date | None = None  # the date comments are due, for a draft
    effective_date: date | None = None  # the date the instrument takes effect
    instrument_key: str | None = None  # normalised instrument name: links a final to its draft


@dataclass(frozen=True, slots=True)
class Relevance:
    """Outcome of AI-policy relevance scoring for one article (see classify.py)."""

    score: float
    relevant: bool
    topics: tuple[str, ...] = ()
    region: str | None = None
    fired: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What one ingest of one source did: counts and, if it failed, why."""

    source_id: str
    started: datetime
    finished: datetime
    found: int = 0
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    failed: int = 0
    error: str | None = None
    failures: tuple[str, ...] = field(default_factory=tuple)
    database_failed: bool = False  # the database failed it (after retries): the CLI exits 1


@dataclass(frozen=True, slots=True)
class BriefingEntry:
    """One story in a weekly briefing (the first-seen copy, plus where else it appeared)."""

    item_id: int
    title: str
    url: str
    source_name: str
    published: date | None
    region: str | None
    topics: tuple[str, ...]
    summary: str
    also_reported_by: tuple[tuple[str, str], ...] = ()  # (source name, url)
    document_number: str | None = None
    issuer: str | None = None
    stage: str | None = None  # draft | final | None
    consultation_deadline: date | None = None
    final_of: DraftLink | None = None  # the draft this final instrument adopts
    # Copies in the other language (source name, url, language): "Also reported in English
    # by …" under a Chinese original, "中文原文" under an English one.
    translations: tuple[tuple[str, str, str], ...] = ()
    language: str | None = None  # of the entry's title and summary (zh, en)


@dataclass(frozen=True, slots=True)
class DraftLink:
    """The stored draft a final instrument adopts, as the briefing links it."""

    url: str
    published: date | None


@dataclass(frozen=True, slots=True)
class Consultation:
    """A stored draft whose comment period is still open when a briefing goes out."""

    item_id: int
    title: str
    url: str
    source_name: str
    deadline: date
    first_week: str  # the briefing week that first reported it
    issuer: str | None = None
    document_number: str | None = None


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source that failed during the briefing's week, and why."""

    source_id: str
    name: str
    error: str
    consecutive_failures: int = 1


@dataclass(frozen=True, slots=True)
class Briefing:
    """Everything a weekly briefing shows; rendered to HTML, text and Markdown."""

    week: str  # ISO week, e.g. "2026-W47"
    start: date  # Monday
    end: date  # Sunday
    generated_at: datetime
    entries: tuple[BriefingEntry, ...] = ()
    sources_checked: int = 0
    duplicates_filtered: int = 0
    baseline_filtered: int = 0
    off_topic_filtered: int = 0
    unhealthy: tuple[SourceHealth, ...] = ()
    group_by: str = "topic"  # "topic" or "region"
    consultations: tuple[Consultation, ...] = ()  # open for comment after the week, by deadline
    profile: str | None = None  # the subscription profile's name, when it is one
    delivery_notes: tuple[str, ...] = ()  # earlier weeks' sends that failed, were cut off or late
    trends: Trends | None = None  # items per week by topic and region, this week last

    @property
    def new_count(self) -> int:
        return len(self.entries)

"""Assemble a week's briefing from the store, and keep the sent ledger (exactly-once mail).

An item is briefed once: the first render of week W claims every eligible `new` item for W
(its own week, or an earlier week when first seen since W began), and a sent week claims no more.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from policywatch import delivery, trends
from policywatch.config import Source
from policywatch.crosslang import LAYER as CROSS_LANGUAGE
from policywatch.crosslang import language_of
from policywatch.errors import ConfigError
from policywatch.mail import stable_message_id
from policywatch.models import Briefing, BriefingEntry, Consultation, DraftLink, SourceHealth
from policywatch.storage import Store
from policywatch.storage.deliveries import is_stale
from policywatch.summary import summarize

FAILING_RUNS_FLAG = 3  # consecutive failed runs after which a source is flagged unhealthy
# A late item (published in an earlier week, first seen after this week began) joins this
# week's briefing if it is at most this many weeks old; older finds belong to a backfill.
LATE_WEEKS = 2


GROUP_BY = ("topic", "region")  # how a briefing's entries can be grouped


def parse_week(value: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written YYYY-Www; ConfigError otherwise."""
    try:
        year, week = value.upper().split("-W")
        start = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ConfigError(f"week {value!r}: expected ISO week like 2026-W47") from None
    return start, start + timedelta(days=6)


def canonical_week(value: str) -> str:
    """The stored spelling of an ISO week (2026-w47 -> 2026-W47): items, claims and the send
    ledger are keyed by it, so any other spelling would miss or re-send a week."""
    return week_label(parse_week(value)[0])


def check_group_by(value: str) -> str:
    """`value` if the briefing can be grouped by it; ConfigError otherwise."""
    if value not in GROUP_BY:
        raise ConfigError(f"group by {value!r}: use one of {', '.join(GROUP_BY)}")
    return value


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(timezone: str = "UTC", now: datetime | None = None) -> str:
    """The ISO week before the current one, in the configured timezone."""
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()
    return week_label(today - timedelta(days=7))


def weeks_between(since: date, until: date) -> list[str]:
    """Every ISO week touching the range, oldest first."""
    weeks, day = [], since - timedelta(days=since.weekday())
    while day <= until:
        weeks.append(week_label(day))
        day += timedelta(days=7)
    return weeks


def week_start(week: str, timezone: str = "UTC") -> datetime:
    """Monday 00:00 of an ISO week in the configured timezone (weeks are local, like items'),
    as a UTC instant: stored timestamps are UTC, and SQLite compares them as text."""
    start, _end = parse_week(week)
    return datetime.combine(start, time(), ZoneInfo(timezone)).astimezone(UTC)


def claim_items(store: Store, week: str, timezone: str = "UTC") -> None:
    """Assign eligible unbriefed `new` items to week (unless that week was already sent):
    the week's own, and late finds of up to LATE_WEEKS earlier weeks first seen since it began."""
    start, _end = parse_week(week)
    oldest = week_label(start - timedelta(weeks=LATE_WEEKS))
    store.claim_items(week, week_start(week, timezone), oldest)


def build_briefing(
    store: Store,
    week: str,
    sources: tuple[Source, ...],
    *,
    group_by: str = "topic",
    timezone: str = "UTC",
) -> Briefing:
    """The Briefing of a week from claimed items, counts of what was filtered, and source health."""
    start, end = parse_week(week)
    names = {s.id: s.name for s in sources}
    entries = _entries(store, week, names)
    counts = store.status_counts(week)
    runs_start = week_start(week, timezone)
    # Runs from the week's start up to now: a briefing made days later (a backfill, or the
    # demo) still reports the checks and failures that produced its items.
    now = datetime.now(UTC)
    runs = store.runs_between(runs_start, max(runs_start + timedelta(days=7), now))
    return Briefing(
        week=week,
        start=start,
        end=end,
        generated_at=now,
        entries=entries,
        sources_checked=len({run.source_id for run in runs}),
        duplicates_filtered=counts.get("duplicate", 0),
        baseline_filtered=counts.get("baseline", 0),
        off_topic_filtered=counts.get("off_topic", 0),
        unhealthy=source_health(store, runs, names),
        group_by=group_by,
        consultations=open_consultations(store, week, names),
        trends=week_trends(store, week),
        delivery_notes=delivery_notes(store, week),
    )


def delivery_notes(store: Store, week: str) -> tuple[str, ...]:
    """Footer lines on the POLICYWATCH_MAIL_TO sends of the weeks before `week` that were not
    clean: failed, cut off, or delivered only on a retry."""
    weeks = delivery.retry_weeks(week)
    rows = [r for r in store.deliveries() if r["week"] in weeks]
    return delivery.ledger_notes((r["week"], r["recipients"], r) for r in rows)


def week_trends(store: Store, week: str) -> trends.Trends:
    """Briefed items per week by topic and region over the TREND_WEEKS weeks ending at `week`."""
    weeks = trends.window(week)
    rows = store.claimed_tags(weeks)
    return trends.compute(weeks, ((w, json.loads(t or "[]"), r) for w, t, r in rows))


def open_consultations(store: Store, week: str, names: dict[str, str]) -> tuple[Consultation, ...]:
    """Drafts reported by this week whose comment period runs past the week's end, deadline
    first: carried from briefing to briefing until the deadline passes."""
    _start, end = parse_week(week)
    return tuple(
        Consultation(
            item_id=row["id"],
            title=row["title"] or row["url"],
            url=row["url"],
            source_name=names.get(row["source_id"], row["source_id"]),
            deadline=row["consultation_deadline"],
            first_week=row["first_week"],
            issuer=row["issuer"],
            document_number=row["document_number"],
        )
        for row in store.open_consultations(week, end)
    )


def _entries(store: Store, week: str, names: dict[str, str]) -> tuple[BriefingEntry, ...]:
    rows = store.claimed_items(week)
    copies = store.story_copies(r["story_id"] for r in rows)
    entries = [_entry(row, names, copies.get(row["story_id"], [])) for row in rows]
    entries.sort(key=lambda e: (e.published or date.min, e.item_id), reverse=True)
    return tuple(entries)


def _entry(row: Any, names: dict[str, str], copies: list[Any]) -> BriefingEntry:
    """One story: led by its original (the earliest published of the claimed item and its
    copies in another language), the other language's copies as translations, the rest as
    "also reported by"."""
    cross = [c for c in copies if c["match_layer"] == CROSS_LANGUAGE]
    lead = min([row, *cross], key=lambda r: (r["published"] or date.max, r is not row))
    language = language_of(lead)
    others = [r for r in [row, *copies] if r is not lead]
    translated = [r for r in others if r in [row, *cross] and language_of(r) != language]
    also = [r for r in others if r not in translated and r["source_id"] != lead["source_id"]]
    final_of = lead["final_of"]
    return BriefingEntry(
        item_id=row["id"],
        title=lead["title"] or lead["url"],
        url=lead["url"],
        source_name=_name(names, lead),
        published=lead["published"],
        region=lead["region"],
        topics=tuple(json.loads(lead["topics"] or "[]")),
        summary=summarize(lead["text"] or ""),
        also_reported_by=tuple(dict.fromkeys((_name(names, r), r["url"]) for r in also)),
        document_number=lead["document_number"],
        issuer=lead["issuer"],
        stage=lead["stage"],
        consultation_deadline=lead["consultation_deadline"],
        final_of=DraftLink(final_of, lead.get("final_of_published")) if final_of else None,
        translations=tuple((_name(names, r), r["url"], language_of(r)) for r in translated),
        language=language,
    )


def _name(names: dict[str, str], row: Any) -> str:
    return names.get(row["source_id"], row["source_id"])


def source_health(store: Store, runs: list[Any], names: dict[str, str]) -> tuple[SourceHealth, ...]:
    """Sources with a failed run among `runs` (oldest first): each with its latest error and
    how many of its latest runs failed in a row."""
    latest_error = {run.source_id: run.error for run in runs if run.error}
    return tuple(
        SourceHealth(sid, names.get(sid, sid), error, consecutive_failures(store, sid))
        for sid, error in sorted(latest_error.items())
    )


def consecutive_failures(store: Store, source_id: str) -> int:
    """How many of the source's latest runs failed in a row."""
    streak = 0
    for run in store.recent_runs(source_id, limit=50):
        if not run.error:
            break
        streak += 1
    return streak


def message_id(week: str, recipients: str) -> str:
    """Deterministic Message-ID per week and recipient list: a resend is recognisably the same."""
    return stable_message_id(week, recipients)


def ledger_begin(
    store: Store,
    week: str,
    recipients: str,
    item_count: int,
    *,
    resend: bool,
    stale_after: timedelta | None = None,
) -> tuple[str | None, str | None]:
    """Reserve the send of week: (message id, previous status); id None when refused.

    A week already `sent`, or `sending` for less than `stale_after` (another run may be at
    it), is not sent again without resend=True. A `sending` reservation older than that was
    cut off by a crash: it is taken over (previous "sending") and re-sent with the same
    Message-ID, so the recipients get it at least once (Store.begin_delivery)."""
    mid = message_id(week, recipients)
    won, previous = store.begin_delivery(
        week, recipients, mid, item_count, resend=resend, stale_after=stale_after
    )
    if won:
        return mid, previous
    if previous in ("sent", "sending") and not resend:
        return None, previous
    return None, "sending"  # another writer reserved it between our read and write


def ledger_finish(store: Store, week: str, recipients: str, *, error: str | None = None) -> None:
    store.finish_delivery(week, recipients, error)


def ledger_refused(store: Store, week: str, address: str, item_count: int, reason: str) -> None:
    """Record that the server refused one address of a list that got the week (its own row,
    `failed`: retried alone by the next run, so the others never get a second copy)."""
    store.begin_delivery(week, address, message_id(week, address), item_count, resend=True)
    store.finish_delivery(week, address, reason)


def owed(
    store: Store, weeks: Sequence[str], groups: Sequence[str], stale_after: timedelta
) -> list[tuple[str, str]]:
    """(week, recipients) of `weeks` whose send to one of `groups` failed, or was cut off
    (`sending` for longer than `stale_after`): what the next run sends again."""
    now = datetime.now(UTC)
    return [
        (row["week"], row["recipients"])
        for row in store.deliveries()
        if row["week"] in weeks
        and row["recipients"] in groups
        and (
            row["status"] == "failed"
            or (row["status"] == "sending" and is_stale(row["attempted_at"], stale_after, now))
        )
    ]


def ledger(store: Store) -> list[dict[str, Any]]:
    return store.deliveries()

"""Assemble a week's briefing from the store, and keep the sent ledger (exactly-once mail).

An item is briefed once: the first render of week W claims every eligible `new` item for W
(its own week, or an earlier week when first seen since W began), and a sent week claims no more.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, or_, select, update

from policywatch import schema
from policywatch.config import Source
from policywatch.errors import ConfigError
from policywatch.models import Briefing, BriefingEntry, Consultation, DraftLink, SourceHealth
from policywatch.store import Store
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
    """Assign eligible unbriefed `new` items to week (unless that week was already sent)."""
    start, _end = parse_week(week)
    since = week_start(week, timezone)
    oldest = week_label(start - timedelta(weeks=LATE_WEEKS))
    items, claimed = schema.items, schema.briefing_items
    with store.write() as conn:
        if _week_sent(conn, week):
            return
        rows = (
            conn.execute(
                select(items.c.id)
                .outerjoin(claimed, claimed.c.item_id == items.c.id)
                .where(
                    claimed.c.item_id.is_(None),
                    items.c.status == "new",
                    or_(
                        items.c.week == week,
                        and_(
                            items.c.week < week, items.c.week >= oldest, items.c.first_seen >= since
                        ),
                    ),
                )
            )
            .scalars()
            .all()
        )
        if rows:
            claim = store.insert(claimed).on_conflict_do_nothing(index_elements=["item_id"])
            conn.execute(claim, [{"item_id": i, "week": week} for i in rows])


def _week_sent(conn: Connection, week: str) -> bool:
    query = select(func.count()).where(
        schema.briefings.c.week == week, schema.briefings.c.status == "sent"
    )
    return bool(conn.execute(query).scalar())


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
    with store.read() as conn:
        entries = _entries(conn, week, names)
        counts = _filtered_counts(conn, week)
    entries = _with_drafts(store, entries)
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
    )


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


def _with_drafts(store: Store, entries: tuple[BriefingEntry, ...]) -> tuple[BriefingEntry, ...]:
    """Entries of final instruments with the date of the draft they adopt."""
    adopted = [e.final_of.url for e in entries if e.final_of is not None]
    if not adopted:
        return entries
    dates = store.published_dates(adopted)
    return tuple(
        replace(e, final_of=DraftLink(e.final_of.url, dates.get(e.final_of.url)))
        if e.final_of is not None
        else e
        for e in entries
    )


def _entries(conn: Connection, week: str, names: dict[str, str]) -> tuple[BriefingEntry, ...]:
    items, claimed = schema.items, schema.briefing_items
    rows = (
        conn.execute(
            select(items)
            .join(claimed, claimed.c.item_id == items.c.id)
            .where(claimed.c.week == week)
        )
        .mappings()
        .all()
    )
    copies = _story_copies(conn, [r["story_id"] for r in rows])
    entries = [_entry(row, names, copies.get(row["story_id"], [])) for row in rows]
    entries.sort(key=lambda e: (e.published or date.min, e.item_id), reverse=True)
    return tuple(entries)


def _story_copies(conn: Connection, stories: list[int]) -> dict[int, list[Any]]:
    items = schema.items
    rows = conn.execute(
        select(items.c.story_id, items.c.id, items.c.source_id, items.c.url)
        .where(items.c.story_id.in_(stories), items.c.status == "duplicate")
        .order_by(items.c.id)
    ).all()
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.story_id].append(row)
    return grouped


def _entry(row: Any, names: dict[str, str], copies: list[Any]) -> BriefingEntry:
    others = tuple(
        (names.get(c.source_id, c.source_id), c.url)
        for c in copies
        if c.source_id != row["source_id"]
    )
    return BriefingEntry(
        item_id=row["id"],
        title=row["title"] or row["url"],
        url=row["url"],
        source_name=names.get(row["source_id"], row["source_id"]),
        published=row["published"],
        region=row["region"],
        topics=tuple(json.loads(row["topics"] or "[]")),
        summary=summarize(row["text"] or ""),
        also_reported_by=tuple(dict.fromkeys(others)),
        document_number=row["document_number"],
        issuer=row["issuer"],
        stage=row["stage"],
        consultation_deadline=row["consultation_deadline"],
        final_of=DraftLink(row["final_of"], None) if row["final_of"] else None,
    )


def _filtered_counts(conn: Connection, week: str) -> dict[str, int]:
    items = schema.items
    rows = conn.execute(
        select(items.c.status, func.count()).where(items.c.week == week).group_by(items.c.status)
    ).all()
    return {status: count for status, count in rows}


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
    digest = hashlib.sha1(f"{week}|{recipients}".encode()).hexdigest()[:16]
    return f"<{week}.{digest}@policywatch>"


def ledger_begin(
    store: Store, week: str, recipients: str, item_count: int, *, resend: bool
) -> tuple[str | None, str | None]:
    """Reserve the send of week: (message id, previous status); id None when refused.

    At-most-once: a week already `sent`, or left `sending` by a crashed run (it may have
    reached the server), is not sent again without resend=True. The database decides: the
    row is created ON CONFLICT DO NOTHING, or moved from the status we read (compare-and-set).
    """
    table = schema.briefings
    mid = message_id(week, recipients)
    now = datetime.now(UTC)
    values = {"status": "sending", "attempted_at": now, "item_count": item_count, "error": None}
    with store.write() as conn:
        row = conn.execute(
            select(table).where(table.c.week == week, table.c.recipients == recipients)
        ).first()
        previous = row.status if row is not None else None
        if previous in ("sent", "sending") and not resend:
            return None, previous
        if row is None:
            stmt = store.insert(table).values(
                week=week, recipients=recipients, message_id=mid, **values
            )
            stmt = stmt.on_conflict_do_nothing().returning(table.c.id)
            won = conn.execute(stmt).first() is not None
        else:
            stmt = update(table).where(table.c.id == row.id, table.c.status == previous)
            won = conn.execute(stmt.values(**values)).rowcount == 1
    if not won:  # another writer reserved it between our read and write
        return None, "sending"
    return mid, previous


def ledger_finish(store: Store, week: str, recipients: str, *, error: str | None = None) -> None:
    table = schema.briefings
    values: dict[str, Any] = (
        {"status": "failed", "error": error}
        if error
        else {"status": "sent", "sent_at": datetime.now(UTC), "error": None}
    )
    with store.write() as conn:
        conn.execute(
            update(table)
            .where(table.c.week == week, table.c.recipients == recipients)
            .values(**values)
        )


def ledger(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        rows = (
            conn.execute(select(schema.briefings).order_by(schema.briefings.c.week))
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]

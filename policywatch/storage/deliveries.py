"""The store's subscription side: the per-recipient delivery ledger, alert claims and alert rule
watermarks. Mixed into `Store`; policywatch.delivery decides what to send and calls these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, select, update

from policywatch.storage import schema
from policywatch.storage.errors import operation

# The error a send taken over after a crash keeps: the recipient may have it twice.
INTERRUPTED = "an earlier send was cut off before it was confirmed (crash or kill)"


class DeliveryQueries:
    """Reserve, finish and list sends per recipient; claim stories for alert rules."""

    if TYPE_CHECKING:  # provided by Store

        def write(self) -> AbstractContextManager[Connection]: ...
        def read(self) -> AbstractContextManager[Connection]: ...
        def insert(self, table: Any) -> Any: ...

    @operation("update the delivery ledger")
    def begin_send(
        self,
        kind: str,
        subject: str,
        recipient: str,
        item_count: int,
        stale_after: timedelta,
        *,
        force: bool = False,
    ) -> tuple[bool, str | None]:
        """Reserve one send: (won, previous status). Refused when `sent` (unless `force`), or
        `sending` for less than `stale_after` (another run is at it); a `sending` row older
        than that was cut off by a crash and is taken over (the recipient may then get it
        twice, never zero times; the row's error says so). A retry keeps the row's error, so
        a `sent` row tells what its send recovered from."""
        table, now = schema.deliveries, datetime.now(UTC)
        key = and_(table.c.kind == kind, table.c.subject == subject, table.c.recipient == recipient)
        with self.write() as conn:
            row = conn.execute(select(table).where(key)).first()
            if row is None:
                stmt = self.insert(table).values(
                    kind=kind,
                    subject=subject,
                    recipient=recipient,
                    status="sending",
                    attempts=1,
                    item_count=item_count,
                    attempted_at=now,
                )
                won = conn.execute(stmt.on_conflict_do_nothing().returning(table.c.id)).first()
                return won is not None, None
            stale = row.status == "sending" and is_stale(row.attempted_at, stale_after, now)
            if (row.status == "sent" and not force) or (row.status == "sending" and not stale):
                return False, row.status
            moved = conn.execute(
                update(table)
                .where(table.c.id == row.id, table.c.attempts == row.attempts)
                .values(
                    status="sending",
                    attempts=row.attempts + 1,
                    attempted_at=now,
                    item_count=item_count,
                    error=INTERRUPTED if stale else row.error,
                )
            )
            return moved.rowcount == 1, row.status

    @operation("update the delivery ledger")
    def finish_send(
        self, kind: str, subject: str, recipient: str, error: str | None = None
    ) -> None:
        """Mark a reserved send `sent` (keeping the error it recovered from), or `failed` with
        the (already masked) error."""
        table = schema.deliveries
        values: dict[str, Any] = (
            {"status": "failed", "error": error}
            if error
            else {"status": "sent", "sent_at": datetime.now(UTC)}
        )
        key = and_(table.c.kind == kind, table.c.subject == subject, table.c.recipient == recipient)
        with self.write() as conn:
            conn.execute(update(table).where(key).values(**values))

    @operation("read the delivery ledger")
    def sends(self, subjects: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Ledger rows (all, or of these subjects), oldest attempt first."""
        table = schema.deliveries
        query = select(table).order_by(table.c.attempted_at, table.c.id)
        if subjects is not None:
            query = query.where(table.c.subject.in_(list(subjects)))
        with self.read() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    # -- alerts --------------------------------------------------------------------------

    @operation("read the alert rules")
    def alert_since(self, rule_id: str, first_seen: datetime) -> datetime:
        """When `rule_id` started alerting: recorded as `first_seen` the first time asked."""
        table = schema.alert_rules
        with self.write() as conn:
            conn.execute(
                self.insert(table)
                .values(rule_id=rule_id, since=first_seen)
                .on_conflict_do_nothing(index_elements=["rule_id"])
            )
            since = conn.execute(
                select(table.c.since).where(table.c.rule_id == rule_id)
            ).scalar_one()
        return _aware(since)

    @operation("read the alert rules")
    def alert_started(self, rule_id: str) -> datetime | None:
        """When `rule_id` started alerting, or None if no run has seen it yet (read only)."""
        table = schema.alert_rules
        with self.read() as conn:
            since = conn.execute(select(table.c.since).where(table.c.rule_id == rule_id)).scalar()
        return _aware(since) if since is not None else None

    @operation("read new stories")
    def new_stories_since(self, since: datetime) -> list[Any]:
        """Rows of `new` items (one per story) first seen at or after `since`, oldest first."""
        items = schema.items
        query = (
            select(items)
            .where(items.c.status == "new", items.c.first_seen >= since)
            .order_by(items.c.first_seen, items.c.id)
        )
        with self.read() as conn:
            return list(conn.execute(query).mappings())

    @operation("claim stories for an alert")
    def claim_alert_stories(self, rule_id: str, story_ids: Sequence[int], batch: str) -> list[int]:
        """Take the stories not yet taken by `rule_id` into `batch`; returns those taken.
        The primary key decides between concurrent runs: each story lands in one batch."""
        if not story_ids:
            return []
        table, now = schema.alert_claims, datetime.now(UTC)
        rows = [
            {"rule_id": rule_id, "story_id": s, "batch": batch, "claimed_at": now}
            for s in story_ids
        ]
        with self.write() as conn:
            conn.execute(self.insert(table).on_conflict_do_nothing(), rows)
            query = select(table.c.story_id).where(table.c.batch == batch)
            return sorted(conn.execute(query).scalars())

    @operation("read alert claims")
    def alert_claimed(self, rule_id: str, story_ids: Sequence[int]) -> set[int]:
        """Those of the stories `rule_id` has already taken into a batch."""
        if not story_ids:
            return set()
        table = schema.alert_claims
        query = select(table.c.story_id).where(
            table.c.rule_id == rule_id, table.c.story_id.in_(list(story_ids))
        )
        with self.read() as conn:
            return set(conn.execute(query).scalars())

    @operation("read alert batches")
    def alert_batches(self, rule_id: str, claimed_since: datetime) -> list[str]:
        """The rule's batches claimed since then, oldest first (candidates for a retry)."""
        table = schema.alert_claims
        query = (
            select(table.c.batch, func.min(table.c.claimed_at).label("at"))
            .where(table.c.rule_id == rule_id, table.c.claimed_at >= claimed_since)
            .group_by(table.c.batch)
            .order_by("at", table.c.batch)
        )
        with self.read() as conn:
            return [row.batch for row in conn.execute(query)]

    @operation("read alert batches")
    def alert_batch_items(self, batch: str) -> list[Any]:
        """The item rows of the stories in a batch, oldest first."""
        items, claims = schema.items, schema.alert_claims
        query = (
            select(items)
            .join(claims, claims.c.story_id == items.c.id)
            .where(claims.c.batch == batch)
            .order_by(items.c.first_seen, items.c.id)
        )
        with self.read() as conn:
            return list(conn.execute(query).mappings())

    @operation("read items")
    def items_by_id(self, ids: Iterable[int]) -> list[Any]:
        """Item rows by id (profile filters need every column)."""
        wanted = list(ids)
        if not wanted:
            return []
        with self.read() as conn:
            query = select(schema.items).where(schema.items.c.id.in_(wanted))
            return list(conn.execute(query).mappings())

    @operation("read fetch runs")
    def failing_streak(self, source_id: str, limit: int = 500) -> list[Any]:
        """The source's latest runs that failed in a row, newest first (empty when its latest
        run succeeded)."""
        runs = schema.fetch_runs
        query = (
            select(runs)
            .where(runs.c.source_id == source_id)
            .order_by(runs.c.started.desc(), runs.c.id.desc())
            .limit(limit)
        )
        streak = []
        with self.read() as conn:
            for row in conn.execute(query):
                if not row.error:
                    break
                streak.append(row)
        return streak


def is_stale(attempted_at: datetime, stale_after: timedelta | None, now: datetime) -> bool:
    """Whether a `sending` reservation made then was cut off (older than `stale_after`)."""
    return stale_after is not None and _aware(attempted_at) <= now - stale_after


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)

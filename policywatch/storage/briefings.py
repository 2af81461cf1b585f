"""The store's briefing side: claims (which items a week's briefing shows) and the delivery
ledger (exactly-once mail). Mixed into `Store`; the week arithmetic stays in
policywatch.briefing, which calls these named methods."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, or_, select, update

from policywatch.storage import schema
from policywatch.storage.deliveries import INTERRUPTED, is_stale
from policywatch.storage.errors import operation


class BriefingQueries:
    """Claims and the delivery ledger, on the store's connections."""

    if TYPE_CHECKING:  # provided by Store

        def write(self) -> AbstractContextManager[Connection]: ...
        def read(self) -> AbstractContextManager[Connection]: ...
        def insert(self, table: Any) -> Any: ...

    @operation("claim items for the briefing")
    def claim_items(self, week: str, first_seen_since: datetime, oldest_week: str) -> int:
        """Claim for `week` every unclaimed `new` item of that week, or of a week back to
        `oldest_week` first seen since `first_seen_since` (a late find); none once the week
        was sent. Returns how many were claimed."""
        items, claimed = schema.items, schema.briefing_items
        late = and_(
            items.c.week < week, items.c.week >= oldest_week, items.c.first_seen >= first_seen_since
        )
        query = (
            select(items.c.id)
            .outerjoin(claimed, claimed.c.item_id == items.c.id)
            .where(claimed.c.item_id.is_(None), items.c.status == "new")
            .where(or_(items.c.week == week, late))
        )
        with self.write() as conn:
            if _week_sent(conn, week):
                return 0
            ids = conn.execute(query).scalars().all()
            if ids:
                claim = self.insert(claimed).on_conflict_do_nothing(index_elements=["item_id"])
                conn.execute(claim, [{"item_id": i, "week": week} for i in ids])
        return len(ids)

    @operation("read the briefing's items")
    def claimed_items(self, week: str) -> list[Any]:
        """Rows of the items claimed by `week`'s briefing, each with `final_of_published`:
        the date of the draft a final adopts (None otherwise)."""
        items, claimed = schema.items, schema.briefing_items
        draft = items.alias("draft")
        query = (
            select(items, draft.c.published.label("final_of_published"))
            .join(claimed, claimed.c.item_id == items.c.id)
            .outerjoin(draft, draft.c.url == items.c.final_of)
            .where(claimed.c.week == week)
        )
        with self.read() as conn:
            return list(conn.execute(query).mappings())

    @operation("read the briefing's items")
    def story_copies(self, stories: Iterable[int]) -> dict[int, list[Any]]:
        """The duplicate copies of each story (whole rows: a copy in another language may
        lead the briefing entry), oldest first."""
        items = schema.items
        query = (
            select(items)
            .where(items.c.story_id.in_(list(stories)), items.c.status == "duplicate")
            .order_by(items.c.id)
        )
        grouped: dict[int, list[Any]] = defaultdict(list)
        with self.read() as conn:
            for row in conn.execute(query).mappings():
                grouped[row["story_id"]].append(row)
        return grouped

    @operation("count the week's items")
    def status_counts(self, week: str) -> dict[str, int]:
        """How many items of `week` have each status."""
        items = schema.items
        query = select(items.c.status, func.count()).where(items.c.week == week)
        with self.read() as conn:
            return {status: n for status, n in conn.execute(query.group_by(items.c.status))}

    @operation("count the briefed items per week")
    def claimed_tags(self, weeks: Iterable[str]) -> list[Any]:
        """(week, topics JSON, region) of every item claimed by one of `weeks` (for trends)."""
        items, claimed = schema.items, schema.briefing_items
        query = (
            select(claimed.c.week, items.c.topics, items.c.region)
            .join(items, items.c.id == claimed.c.item_id)
            .where(claimed.c.week.in_(list(weeks)))
        )
        with self.read() as conn:
            return list(conn.execute(query))

    @operation("update the delivery ledger")
    def begin_delivery(
        self,
        week: str,
        recipients: str,
        message_id: str,
        item_count: int,
        *,
        resend: bool,
        stale_after: timedelta | None = None,
    ) -> tuple[bool, str | None]:
        """Reserve the send of `week` to `recipients`: (won, previous status).

        Refused when already `sent`, or `sending` (another run is at it), unless `resend`; a
        `sending` row older than `stale_after` was cut off by a crash and is taken over (its
        error says so). The database decides: the row is created ON CONFLICT DO NOTHING, or
        moved from the status and time read (compare-and-set). A retry keeps the row's error,
        so a `sent` row tells what its send recovered from."""
        table, now = schema.briefings, datetime.now(UTC)
        values: dict[str, Any] = {
            "status": "sending",
            "attempted_at": now,
            "item_count": item_count,
        }
        with self.write() as conn:
            row = conn.execute(_ledger_row(week, recipients)).first()
            if row is None:
                stmt = self.insert(table).values(
                    week=week, recipients=recipients, message_id=message_id, **values
                )
                won = conn.execute(stmt.on_conflict_do_nothing().returning(table.c.id)).first()
                return won is not None, None
            stale = row.status == "sending" and is_stale(row.attempted_at, stale_after, now)
            if row.status in ("sent", "sending") and not (resend or stale):
                return False, row.status
            if stale:
                values["error"] = INTERRUPTED
            stmt = update(table).where(
                table.c.id == row.id,
                table.c.status == row.status,
                table.c.attempted_at == row.attempted_at,
            )
            return conn.execute(stmt.values(**values)).rowcount == 1, row.status

    @operation("update the delivery ledger")
    def finish_delivery(self, week: str, recipients: str, error: str | None = None) -> None:
        """Mark the reserved send `sent` (keeping the error it recovered from), or `failed`."""
        table = schema.briefings
        values: dict[str, Any] = (
            {"status": "failed", "error": error}
            if error
            else {"status": "sent", "sent_at": datetime.now(UTC)}
        )
        with self.write() as conn:
            conn.execute(
                update(table)
                .where(table.c.week == week, table.c.recipients == recipients)
                .values(**values)
            )

    @operation("read the delivery ledger")
    def deliveries(self) -> list[dict[str, Any]]:
        """Every ledger row, by week."""
        with self.read() as conn:
            rows = conn.execute(select(schema.briefings).order_by(schema.briefings.c.week))
            return [dict(r) for r in rows.mappings()]


def _week_sent(conn: Connection, week: str) -> bool:
    """Whether week's briefing went to anyone: the legacy list, or a subscription profile
    (its ledger subject is `week/profile`). A sent week claims no more items."""
    legacy = select(func.count()).where(
        schema.briefings.c.week == week, schema.briefings.c.status == "sent"
    )
    table = schema.deliveries
    profiles = select(func.count()).where(
        table.c.kind == "briefing", table.c.status == "sent", table.c.subject.like(f"{week}/%")
    )
    return bool(conn.execute(legacy).scalar() or conn.execute(profiles).scalar())


def _ledger_row(week: str, recipients: str) -> Any:
    table = schema.briefings
    return select(table).where(table.c.week == week, table.c.recipients == recipients)

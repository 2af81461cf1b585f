"""The store's maintenance side: items whose stored keys are out of date (band keys of an
older FINGERPRINT_VERSION, live items without cross-language keys) and their replacement.
Mixed into `Store`; `policywatch db refingerprint` (policywatch.app.refingerprint) computes
the new keys and calls these."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, exists, or_, select, update

from policywatch.storage import schema
from policywatch.storage.errors import operation

LIVE = ("new", "duplicate")  # the statuses the cross-language layer matches against


class MaintenanceQueries:
    """Find and refresh the derived keys of stored items."""

    if TYPE_CHECKING:  # provided by Store

        def write(self) -> AbstractContextManager[Connection]: ...
        def read(self) -> AbstractContextManager[Connection]: ...

    @operation("list items to refingerprint")
    def stale_items(self, version: int, after_id: int = 0, limit: int = 200) -> list[Any]:
        """Items with text after `after_id` (id order) whose band keys are older than
        `version`, or that are live and have no cross-language keys."""
        items, keys = schema.items, schema.cross_keys
        has_keys = exists().where(keys.c.item_id == items.c.id)
        stale = or_(
            items.c.fingerprint_version.is_(None),
            items.c.fingerprint_version < version,
            items.c.status.in_(LIVE) & ~has_keys,
        )
        query = (
            select(items)
            .where(items.c.id > after_id, items.c.text.is_not(None), stale)
            .order_by(items.c.id)
            .limit(limit)
        )
        with self.read() as conn:
            return list(conn.execute(query).mappings())

    @operation("refresh an item's keys")
    def refresh_keys(
        self,
        item: Any,
        band_keys: Iterable[int],
        version: int,
        cross: Iterable[str],
        language: str,
    ) -> None:
        """Replace one item's band keys (and, if it is live, its cross-language keys) and
        record the fingerprint version, in one locked transaction."""
        item_id, day = item["id"], _day(item)
        with self.write() as conn:
            conn.execute(schema.lsh_buckets.delete().where(schema.lsh_buckets.c.item_id == item_id))
            rows = [{"key": k, "item_id": item_id} for k in set(band_keys)]
            if rows:
                conn.execute(schema.lsh_buckets.insert(), rows)
            conn.execute(schema.cross_keys.delete().where(schema.cross_keys.c.item_id == item_id))
            crossed = [
                {"key": k[:160], "item_id": item_id, "language": language, "published": day}
                for k in sorted(set(cross))
            ]
            if crossed and item["status"] in LIVE:
                conn.execute(schema.cross_keys.insert(), crossed)
            conn.execute(
                update(schema.items)
                .where(schema.items.c.id == item_id)
                .values(fingerprint_version=version)
            )


def _day(item: Any) -> date:
    """The date an item is matched by: its publication date, else the day first seen."""
    published: date | None = item["published"]
    return published or item["first_seen"].date()

"""Prebuilt SQL for the store's per-item path (`Store.add`), built once per store.

Building a statement, and cache-keying it, for every stored item cost more than executing it;
these are built once with bind parameters, and the inserts are text clauses because SQLAlchemy
2.0 cannot cache a compiled on_conflict_do_nothing().
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Dialect, Table, bindparam, or_, select, text, update
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect

from policywatch.storage import schema

MAX_DRAFTS = 2000  # drafts a final is compared with, newest first (a few years of a busy fleet)
MAX_CROSS_CANDIDATES = 30  # other-language items scored per item (most shared keys first)


class ItemStatements:
    """The per-item statements of `Store.add`, built once with bind parameters: building and
    cache-keying a fresh statement for every item cost more than executing it."""

    def __init__(self, dialect: Dialect, max_candidates: int) -> None:
        items, live = schema.items, schema.items.c.status != "failed"
        cols = (
            items.c.id,
            items.c.url,
            items.c.status,
            items.c.duplicate_of,
            items.c.story_id,
            items.c.stage,
        )
        self.by_url = select(items.c.id, items.c.status).where(
            items.c.canonical_url == bindparam("url")
        )
        self.by_hash = (
            select(*cols).where(items.c.text_hash == bindparam("hash"), live).order_by(items.c.id)
        )
        buckets = schema.lsh_buckets
        sharing_keys = (  # the items sharing most band keys: one query with the candidates
            select(buckets.c.item_id)
            .where(buckets.c.key.in_(bindparam("keys", expanding=True)))
            .group_by(buckets.c.item_id)
            .order_by(text("count(*) DESC"), buckets.c.item_id)
            .limit(max_candidates)
        )
        self.candidates = (
            select(*cols, items.c.text_hash)
            .where(items.c.id.in_(sharing_keys.scalar_subquery()), live)
            .order_by(items.c.id)
        )
        self.insert_item = _insert_or_nothing(dialect, items, "canonical_url", returning="id")
        self.set_story = (
            update(items).where(items.c.id == bindparam("item")).values(story_id=bindparam("story"))
        )
        self.insert_keys = _insert_or_nothing(dialect, buckets)
        self.insert_cross_keys = _insert_or_nothing(dialect, schema.cross_keys)
        refs = (items.c.id, items.c.url, items.c.title, items.c.issuer, items.c.published)
        recent = or_(
            items.c.published.between(bindparam("since"), bindparam("until")),
            items.c.published.is_(None),
        )
        self.drafts_since = (
            select(*refs)
            .where(items.c.stage == "draft", live, recent)
            .order_by(items.c.published.desc(), items.c.id.desc())
            .limit(MAX_DRAFTS)
        )
        self.unlinked_finals_since = select(*refs).where(
            items.c.stage == "final", items.c.final_of.is_(None), live, recent
        )
        self.text_of = select(items.c.text).where(items.c.id == bindparam("item"))
        self._cross_language(cols)
        self.set_final_of = (
            update(items).where(items.c.id == bindparam("item")).values(final_of=bindparam("draft"))
        )

    def _cross_language(self, cols: tuple[Any, ...]) -> None:
        """The cross-language layer's lookups: other-language items sharing most evidence
        keys within the window (index on key, language, date), then all their keys."""
        keys, items = schema.cross_keys, schema.items
        sharing = (
            select(keys.c.item_id)
            .where(
                keys.c.key.in_(bindparam("keys", expanding=True)),
                keys.c.language == bindparam("language"),
                keys.c.published.between(bindparam("since"), bindparam("until")),
            )
            .group_by(keys.c.item_id)
            .order_by(text("count(*) DESC"), keys.c.item_id)
            .limit(MAX_CROSS_CANDIDATES)
        )
        self.cross_candidates = (
            select(*cols, items.c.published)
            .where(items.c.id.in_(sharing.scalar_subquery()))
            .order_by(items.c.id)
        )
        self.cross_keys_of = select(keys.c.item_id, keys.c.key).where(
            keys.c.item_id.in_(bindparam("items", expanding=True))
        )


def _insert_or_nothing(
    dialect: Dialect, table: Table, conflict: str = "", returning: str = ""
) -> TextClause | TextualSelect:
    """INSERT ... ON CONFLICT [(conflict)] DO NOTHING [RETURNING ...] of every column but `id`,
    with the columns' types on the binds. SQLAlchemy 2.0 cannot cache a compiled
    on_conflict_do_nothing(), so it compiled the insert again for every item (0.3 ms)."""
    quote = dialect.identifier_preparer.quote
    names = [c.name for c in table.columns if c.name != "id"]
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) "
        f"VALUES ({', '.join(':' + n for n in names)}) "
        f"ON CONFLICT {'(' + quote(conflict) + ') ' if conflict else ''}DO NOTHING"
    )
    binds = [bindparam(n, type_=table.c[n].type) for n in names]
    if not returning:
        return text(sql).bindparams(*binds)
    return (
        text(f"{sql} RETURNING {quote(returning)}").bindparams(*binds).columns(table.c[returning])
    )

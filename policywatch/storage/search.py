"""The store's search side: candidate items for a parsed query (policywatch.search).

SQLite: an FTS5 index with the trigram tokenizer (revision 0005) finds terms of three or more
characters in any language, Chinese included; shorter terms (算力, AI) are matched by LIKE.
PostgreSQL: a pg_trgm GIN index on title and text serves ILIKE for terms of three or more
characters. Both return the same rows; ranking is done in policywatch.search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, inspect, literal, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from policywatch.search import Query
from policywatch.storage import schema
from policywatch.storage.errors import operation

MIN_INDEXED_CHARS = 3  # the trigram indexes cannot serve shorter terms
MAX_CANDIDATES = 5000  # rows ranked per query; narrower filters find the rest


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What `policywatch search` narrows by, besides the query."""

    since: date | None = None
    until: date | None = None
    status: str | None = None
    topic: str | None = None
    region: str | None = None
    source: str | None = None


class SearchQueries:
    """Search on the store's connections (mixed into Store)."""

    if TYPE_CHECKING:  # provided by Store
        dialect: str

        def read(self) -> Any: ...

    @operation("search items")
    def search_candidates(self, query: Query, filters: SearchFilters) -> list[Any]:
        """Items matching every group of the query (before exclusions and ranking)."""
        items = schema.items
        with self.read() as conn:
            fts = self.dialect == "sqlite" and _has_fts(conn)
            conditions = [_group_condition(g, fts) for g in query.required]
            statement = (
                select(items)
                .where(items.c.status != "failed", *conditions, *_filter_conditions(filters))
                .order_by(items.c.id.desc())
                .limit(MAX_CANDIDATES)
            )
            return list(conn.execute(statement).mappings())


def _group_condition(group: tuple[str, ...], fts: bool) -> ColumnElement[bool]:
    """Any of the group's terms: through the FTS index when every term is long enough."""
    if fts and all(len(t) >= MIN_INDEXED_CHARS for t in group):
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in group)
        found = text("SELECT rowid FROM items_fts WHERE items_fts MATCH :match").bindparams(
            match=match
        )
        return schema.items.c.id.in_(found.columns(rowid=schema.items.c.id.type))
    return or_(*(_searchable().ilike(_like(t), escape="\\") for t in group))


def _searchable() -> ColumnElement[str]:
    """title + ' ' + text: the expression the PostgreSQL trigram index is built on."""
    items = schema.items
    return func.coalesce(items.c.title, "") + literal(" ") + func.coalesce(items.c.text, "")


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filter_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    items = schema.items
    found: list[ColumnElement[bool]] = []
    day = func.coalesce(items.c.published, func.date(items.c.first_seen))
    if filters.since:
        found.append(day >= filters.since)
    if filters.until:
        found.append(day <= filters.until)
    if filters.status:
        found.append(items.c.status == filters.status)
    if filters.topic:
        found.append(items.c.topics.like(_like(f'"{filters.topic}"'), escape="\\"))
    if filters.region:
        found.append(func.lower(items.c.region) == filters.region.lower())
    if filters.source:
        found.append(items.c.source_id == filters.source)
    return found


def _has_fts(conn: Connection) -> bool:
    """Whether revision 0005 could build the FTS5 index (SQLite without trigram: no)."""
    return "items_fts" in inspect(conn).get_table_names()

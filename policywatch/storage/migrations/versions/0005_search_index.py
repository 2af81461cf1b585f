"""Full-text search: an FTS5 trigram index on SQLite, a pg_trgm index on PostgreSQL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Issue 18. `policywatch search` must find Chinese without word spaces and English alike.
SQLite: an external-content FTS5 table `items_fts` (title, text) with the trigram tokenizer,
kept current by triggers on `items`, and built from the existing items on upgrade.
PostgreSQL: the pg_trgm extension and a GIN index on `title || ' ' || text`, which serves
ILIKE '%term%' for terms of three or more characters.

Either part is skipped, with a warning, when the database cannot build it: an SQLite without
the trigram tokenizer (before 3.34) or a PostgreSQL role that may not create extensions.
Search then scans instead. Note for later migrations: Alembic's batch mode on SQLite
recreates `items`, which drops these triggers; such a migration must recreate them
(run SQLITE_INDEX below again).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)
SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE items_fts USING fts5(title, text, content='items', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN "
    "INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, text ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "INSERT INTO items_fts(items_fts) VALUES ('rebuild')",
)
POSTGRES_INDEX = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_items_search_trgm ON items USING gin "
    "((coalesce(title, '') || ' ' || coalesce(text, '')) gin_trgm_ops)",
)


def upgrade() -> None:
    bind = op.get_bind()
    statements = SQLITE_INDEX if bind.dialect.name == "sqlite" else POSTGRES_INDEX
    try:
        with bind.begin_nested():  # a savepoint: a refusal leaves the migration intact
            for statement in statements:
                bind.execute(sa.text(statement))
    except sa.exc.DBAPIError as exc:
        log.warning("search index not built (search will scan): %s", exc.orig)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("items_fts_update", "items_fts_delete", "items_fts_insert"):
            bind.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        bind.execute(sa.text("DROP TABLE IF EXISTS items_fts"))
    else:
        bind.execute(sa.text("DROP INDEX IF EXISTS ix_items_search_trgm"))

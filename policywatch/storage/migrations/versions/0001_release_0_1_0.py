"""The schema of policywatch 0.1.0 (created then by metadata.create_all, before Alembic).

Revision ID: 0001
Revises:
Create Date: 2026-01-12

A frozen copy: later schema changes go into new revisions, never here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _items()
    _lsh_buckets()
    _fetch_runs()
    op.create_table(
        "http_cache",
        sa.Column("url", sa.String(2048), primary_key=True),
        sa.Column("etag", sa.Text, nullable=True),
        sa.Column("last_modified", sa.Text, nullable=True),
    )
    _briefings()


def _items() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("canonical_url", sa.String(2048), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("published", sa.Date, nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("author", sa.Text, nullable=True),
        sa.Column("sitename", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("duplicate_of", sa.String(2048), nullable=True),
        sa.Column("story_id", sa.Integer, nullable=True),
        sa.Column("text_hash", sa.String(40), nullable=True),
        sa.Column("relevance", sa.Float, nullable=True),
        sa.Column("topics", sa.Text, nullable=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("fired", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("canonical_url", name="uq_items_canonical_url"),
    )
    op.create_index("ix_items_week_status", "items", ["week", "status"])
    op.create_index("ix_items_text_hash", "items", ["text_hash"])
    op.create_index("ix_items_story", "items", ["story_id"])


def _lsh_buckets() -> None:
    op.create_table(
        "lsh_buckets",
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column(
            "item_id",
            sa.Integer,
            sa.ForeignKey("items.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key", "item_id", name="pk_lsh_buckets"),
    )


def _fetch_runs() -> None:
    op.create_table(
        "fetch_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=False),
        sa.Column("found", sa.Integer, nullable=False),
        sa.Column("fetched", sa.Integer, nullable=False),
        sa.Column("new", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_fetch_runs_source_started", "fetch_runs", ["source_id", "started"])


def _briefings() -> None:
    op.create_table(
        "briefings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("item_count", sa.Integer, nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("week", "recipients", name="uq_briefings_week_recipients"),
    )
    op.create_table(
        "briefing_items",
        sa.Column(
            "item_id",
            sa.Integer,
            sa.ForeignKey("items.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("week", sa.String(8), nullable=False),
    )
    op.create_index("ix_briefing_items_week", "briefing_items", ["week"])


def downgrade() -> None:
    for table in ("briefing_items", "briefings", "http_cache", "fetch_runs", "lsh_buckets"):
        op.drop_table(table)
    op.drop_table("items")

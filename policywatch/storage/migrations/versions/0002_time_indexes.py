"""Indexes for the time-range queries of briefings and health checks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-19

items(first_seen): the weekly claim ("first seen since Monday") and `items --since` scan it.
fetch_runs(started): "sources checked" and source health select runs by week, not by source.
Both were full-table scans that grow with every run.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_first_seen", "items", ["first_seen"])
    op.create_index("ix_fetch_runs_started", "fetch_runs", ["started"])


def downgrade() -> None:
    op.drop_index("ix_fetch_runs_started", table_name="fetch_runs")
    op.drop_index("ix_items_first_seen", table_name="items")

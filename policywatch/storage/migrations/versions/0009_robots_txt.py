"""robots.txt bodies by origin, reused for up to 24 hours (RFC 9309).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Issue 17: an unchanged scheduled run fetched robots.txt and the feed of every source; with the
body kept here, it makes one conditional GET per source while the copy is fresh. A new table
only (no batch alter of items, so the search triggers of 0005 stay).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "robots_txt",
        sa.Column("origin", sa.String(512), primary_key=True),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("robots_txt")

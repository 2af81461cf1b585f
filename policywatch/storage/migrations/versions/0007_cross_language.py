"""Cross-language stories: the evidence-key index and each duplicate's match layer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

`items` gains two nullable columns by plain ADD COLUMN (no batch alter, so the search
triggers of 0005 stay); existing items keep NULL and have no cross-language keys (items
stored from now on are matched against each other).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("match_layer", sa.String(16), nullable=True))
    op.add_column("items", sa.Column("match_evidence", sa.Text, nullable=True))
    op.create_table(
        "cross_keys",
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column(
            "item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("published", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("key", "item_id", name="pk_cross_keys"),
    )
    op.create_index("ix_cross_keys_lookup", "cross_keys", ["key", "language", "published"])
    op.create_index("ix_cross_keys_item", "cross_keys", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_cross_keys_item", table_name="cross_keys")
    op.drop_index("ix_cross_keys_lookup", table_name="cross_keys")
    op.drop_table("cross_keys")
    op.drop_column("items", "match_evidence")
    op.drop_column("items", "match_layer")

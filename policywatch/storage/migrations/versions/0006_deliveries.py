"""Delivery to subscriptions: per-recipient ledger, alert claims and alert rule watermarks.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

New tables only (no batch alter of `items`, so the search triggers of 0005 stay).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("item_count", sa.Integer, nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint(
            "kind", "subject", "recipient", name="uq_deliveries_kind_subject_recipient"
        ),
    )
    op.create_table(
        "alert_claims",
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("story_id", sa.Integer, nullable=False),
        sa.Column("batch", sa.String(64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", "story_id", name="pk_alert_claims"),
    )
    op.create_index("ix_alert_claims_batch", "alert_claims", ["batch"])
    op.create_table(
        "alert_rules",
        sa.Column("rule_id", sa.String(64), primary_key=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_rules")
    op.drop_index("ix_alert_claims_batch", table_name="alert_claims")
    op.drop_table("alert_claims")
    op.drop_table("deliveries")

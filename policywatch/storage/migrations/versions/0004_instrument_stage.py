"""Stage and dates of an instrument, and the draft a final instrument adopts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Issue 15: `stage` (draft | final), `consultation_deadline` (when comments are due),
`effective_date` (自…起施行, "applies from"), `instrument_key` (the normalised instrument
name of a Chinese instrument) and `final_of` (the URL of the draft a final adopts); an index
on (stage, published) finds the drafts a new final may adopt.
Existing items keep NULL: they were stored before these were read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("stage", sa.String(8), nullable=True))
        batch.add_column(sa.Column("consultation_deadline", sa.Date(), nullable=True))
        batch.add_column(sa.Column("effective_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("instrument_key", sa.String(200), nullable=True))
        batch.add_column(sa.Column("final_of", sa.String(2048), nullable=True))
    op.create_index("ix_items_stage_published", "items", ["stage", "published"])
    op.create_index("ix_items_consultation_deadline", "items", ["consultation_deadline"])


def downgrade() -> None:
    op.drop_index("ix_items_consultation_deadline", table_name="items")
    op.drop_index("ix_items_stage_published", table_name="items")
    with op.batch_alter_table("items") as batch:
        for name in (
            "final_of",
            "instrument_key",
            "effective_date",
            "consultation_deadline",
            "stage",
        ):
            batch.drop_column(name)

"""Instrument fields of an item: its document number, issuer and cited identifiers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Issue 15: the official number (工信部科〔2026〕215号), the issuing body (发文机关,
ContentSource, "Published by …") and the identifiers of instruments the text cites (a JSON
list). Existing items keep NULL: they were stored before these were read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("document_number", sa.String(128), nullable=True))
        batch.add_column(sa.Column("issuer", sa.Text(), nullable=True))
        batch.add_column(sa.Column("cites", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("cites")
        batch.drop_column("issuer")
        batch.drop_column("document_number")

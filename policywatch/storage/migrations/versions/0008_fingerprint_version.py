"""The fingerprint version of each item's band keys.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Issue 14: `policywatch db refingerprint` recomputes band keys computed with an older
dedupe.FINGERPRINT_VERSION (and cross-language keys that live items lack). Existing items
were fingerprinted with version 1, the only one so far. Plain ADD COLUMN (no batch alter, so
the search triggers of 0005 stay).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("fingerprint_version", sa.Integer, nullable=True))
    op.execute("UPDATE items SET fingerprint_version = 1 WHERE text_hash IS NOT NULL")


def downgrade() -> None:
    op.drop_column("items", "fingerprint_version")

"""Pending exports: a Teams export waiting for the person's file consent, any replica's.

Revision ID: 0008_pending_exports
Revises: 0006_directory
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0008_pending_exports"
down_revision = "0006_directory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_exports",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_pending_exports_expires_at", "pending_exports", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_exports_expires_at", "pending_exports")
    op.drop_table("pending_exports")

"""Aktivitetsplan: dated plan items, R-team sharing, sealed (encrypted) case texts.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("item_no", sa.Integer),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("responsible", sa.String(254)),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_plan_items_due", "plan_items", ["school_id", "done", "due_date"])
    # Plain ADD COLUMN on both databases: existing texts are plaintext (sealed false).
    op.add_column("cases", sa.Column("rteam_share", sa.String(12)))
    op.add_column(
        "case_texts", sa.Column("sealed", sa.Boolean, nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    raise NotImplementedError("the case trail is kept permanently; there is no way down")

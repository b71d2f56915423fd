"""Follow-up: rounds that ran, escalation, indexes for the rounds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("escalated_at", UTCDateTime()))
    op.create_index(
        "ix_cases_school_status_created", "cases", ["school_id", "status", "created_at"]
    )
    op.create_index(
        "ix_cases_school_status_investigation",
        "cases",
        ["school_id", "status", "investigation_at"],
    )
    op.create_index("ix_cases_school_created", "cases", ["school_id", "created_at"])
    op.create_index("ix_case_access_role_email", "case_access", ["role", "email"])
    op.create_table(
        "followup_rounds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("school_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("ran_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("school_id", "kind", "period"),
    )


def downgrade() -> None:
    raise NotImplementedError("the case trail is kept permanently; there is no way down")

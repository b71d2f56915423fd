"""Oversight figures: range indexes on when a case was closed and when investigation started.

The figures for a period read the cases closed and the investigations started in that period
by school; without these, the cost would grow with every case ever kept.

Revision ID: 0005_stats
Revises: 0004_delivery
Create Date: 2026-11-30
"""

from alembic import op

revision = "0005_stats"
down_revision = "0004_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_school_closed", "cases", ["school_id", "closed_at"])
    op.create_index("ix_cases_school_investigation", "cases", ["school_id", "investigation_at"])
    op.create_index("ix_plan_items_school_due", "plan_items", ["school_id", "kind", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_plan_items_school_due", "plan_items")
    op.drop_index("ix_cases_school_investigation", "cases")
    op.drop_index("ix_cases_school_closed", "cases")

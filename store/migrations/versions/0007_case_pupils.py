"""The pupils a case is about: picked from the directory or typed, in order.

Revision ID: 0007_case_pupils
Revises: 0006_directory
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_case_pupils"
down_revision = "0006_directory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_pupils",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("pupil_id", sa.Integer, index=True),
        sa.Column("name", sa.Text),
        sa.Column("sealed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("typed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("case_id", "position"),
    )


def downgrade() -> None:
    raise NotImplementedError("the case trail is kept permanently; there is no way down")

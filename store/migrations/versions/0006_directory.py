"""The directory: schools, staff, pupils, foresatte and the keyed search index over names.

Revision ID: 0006_directory
Revises: 0005_stats
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0006_directory"
down_revision = "0005_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dir_schools",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("source_id", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "dir_staff",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(255), unique=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(255)),
        sa.Column("name_key", sa.String(255), nullable=False),
        sa.Column("name_from", sa.String(20), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "dir_staff_schools",
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("dir_staff.id"), primary_key=True),
        sa.Column("school_id", sa.String(64), sa.ForeignKey("dir_schools.id"), primary_key=True),
    )
    op.create_table(
        "dir_pupils",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(255), nullable=False, unique=True),
        sa.Column("school_id", sa.String(64), sa.ForeignKey("dir_schools.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sealed", sa.Boolean, nullable=False),
        sa.Column("birth_date", sa.Date),
        sa.Column("group_name", sa.String(64)),
        sa.Column("group_key", sa.String(64)),
        sa.Column("grade", sa.String(16)),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("left_at", UTCDateTime()),
    )
    op.create_index(
        "ix_dir_pupils_school_status", "dir_pupils", ["school_id", "status", "group_key"]
    )
    op.create_table(
        "dir_guardians",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pupil_id", sa.Integer, sa.ForeignKey("dir_pupils.id"), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sealed", sa.Boolean, nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.UniqueConstraint("pupil_id", "source_id"),
    )
    op.create_index("ix_dir_guardians_pupil_id", "dir_guardians", ["pupil_id"])
    op.create_table(
        "dir_name_keys",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("pupil_id", sa.Integer, sa.ForeignKey("dir_pupils.id"), primary_key=True),
    )
    op.create_index("ix_dir_name_keys_pupil_id", "dir_name_keys", ["pupil_id"])
    op.create_table(
        "case_pupils",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("pupil_id", sa.Integer, sa.ForeignKey("dir_pupils.id")),
        sa.Column("name", sa.Text),
        sa.Column("sealed", sa.Boolean, nullable=False),
        sa.Column("typed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_case_pupils_case_id", "case_pupils", ["case_id"])
    op.create_index("ix_case_pupils_pupil", "case_pupils", ["pupil_id", "case_id"])


def downgrade() -> None:
    for table in (
        "case_pupils",
        "dir_name_keys",
        "dir_guardians",
        "dir_pupils",
        "dir_staff_schools",
        "dir_staff",
        "dir_schools",
    ):
        op.drop_table(table)

"""Journalposter for the municipality's sakarkiv through Fiks Arkiv (issue 22).

Revision ID: 0009_archive
Revises: 0006_directory (re-chained after merging main)
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0009_archive"
down_revision = "0008_pending_exports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journalposts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("klient_melding_id", sa.String(36), nullable=False, unique=True),
        sa.Column("melding_id", sa.String(36)),
        sa.Column("saksnummer", sa.String(40)),
        sa.Column("journalpostnummer", sa.String(50)),
        sa.Column("mappe_system_id", sa.String(100)),
        sa.Column("system_id", sa.String(100)),
        sa.Column("error", sa.String(500)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "seq", "kind"),
    )
    op.create_index("ix_journalposts_case_id", "journalposts", ["case_id"])
    op.create_index("ix_journalposts_melding_id", "journalposts", ["melding_id"])
    op.create_index("ix_journalposts_status", "journalposts", ["status"])


def downgrade() -> None:
    op.drop_table("journalposts")

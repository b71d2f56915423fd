"""Delivery fencing: a claim token on every claimed outbox row, and when its send began.

Revision ID: 0004_delivery
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0004_delivery"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(32)))
        batch.add_column(sa.Column("send_started_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("send_started_at")
        batch.drop_column("claim_token")

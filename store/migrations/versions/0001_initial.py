"""Initial schema: cases, access, append-only events, texts, outbox, identities.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION meldefra_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION meldefra_events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION meldefra_events_append_only();
"""

SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only (UPDATE refused)'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only (DELETE refused)'); END""",
]


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(20), nullable=False, unique=True),
        sa.Column("school_id", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("section", sa.String(8), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("leadership_case", sa.Boolean, nullable=False),
        sa.Column("reporter", sa.String(254), nullable=False, index=True),
        sa.Column("unit", sa.String(120)),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("submission_key", sa.String(128), unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime()),
        sa.Column("investigation_at", UTCDateTime()),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
    )
    op.create_table(
        "case_access",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "email", "role"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("case_id", "seq"),
    )
    op.create_table(
        "case_texts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("body", sa.Text),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("event_id", "field"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(254), index=True),
        sa.Column("channel", sa.String(120)),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), index=True),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("dedupe_key", sa.String(200), unique=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime()),
        sa.Column("last_error", sa.String(200)),
        sa.Column("delivered_at", UTCDateTime()),
        sa.Column("platform", sa.String(20)),
        sa.Column("platform_ref", sa.String(200)),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(120), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "user_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
    else:
        for ddl in SQLITE_APPEND_ONLY:
            op.execute(ddl)


def downgrade() -> None:
    raise NotImplementedError("the case trail is kept permanently; there is no way down")

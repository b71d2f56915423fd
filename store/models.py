"""The database tables: the case trail (append-only), its projection, texts, outbox, identities."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class Case(Base):
    """Current state of a case: a projection of its events, updated in the same transaction."""

    __tablename__ = "cases"
    # The morning round asks "which cases of this school are in this state since before that
    # moment": these keep its cost proportional to the cases due, not to every case kept.
    __table_args__ = (
        Index("ix_cases_school_status_created", "school_id", "status", "created_at"),
        Index("ix_cases_school_status_investigation", "school_id", "status", "investigation_at"),
        Index("ix_cases_school_created", "school_id", "created_at"),
        # The oversight figures (handlers/stats.py) read a period's closures and investigations.
        Index("ix_cases_school_closed", "school_id", "closed_at"),
        Index("ix_cases_school_investigation", "school_id", "investigation_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    school_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    section: Mapped[str] = mapped_column(String(8))  # "12-4" or "12-5"
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    leadership_case: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter: Mapped[str] = mapped_column(String(254), index=True)
    unit: Mapped[str | None] = mapped_column(String(120))
    categories: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of category keys
    submission_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    investigation_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # not acknowledged in time
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The head of the hash chain, so appending needs no query.
    last_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shared with the R-team: "consent" (foresatte agreed: full view) or "anonymous"
    # (discussed without names); None when not shared or the sharing was withdrawn.
    rteam_share: Mapped[str | None] = mapped_column(String(12))


class CaseAccess(Base):
    """Who holds a role on a case (projection of routed/forwarded events)."""

    __tablename__ = "case_access"
    __table_args__ = (
        UniqueConstraint("case_id", "email", "role"),
        # "Which cases is this R-team member excluded from": the few, not all their roles.
        Index("ix_case_access_role_email", "role", "email"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    # leader | rektor | owner | forwarded | rteam | excluded
    role: Mapped[str] = mapped_column(String(20))
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class Event(Base):
    """One fact on a case's trail. Never updated, never deleted; hash-chained per case."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Canonical JSON text (sorted keys), so the hash is over exactly the stored bytes.
    data: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CaseText(Base):
    """Free text belonging to an event (pupil names, what happened).

    Kept apart from the event so that archiving can remove it while the chain, which holds
    only the text's SHA-256, still verifies.
    """

    __tablename__ = "case_texts"
    __table_args__ = (UniqueConstraint("event_id", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    event: Mapped[Event] = relationship()
    field: Mapped[str] = mapped_column(String(40))
    body: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))  # of the plaintext, also when sealed
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)  # body is a Fernet token


class PlanItem(Base):
    """A dated item of an aktivitetsplan: a tiltak's date or an evaluation date.

    A projection of the plan events, written in the same transaction, so that the daily
    reminder round reads only the items that are due instead of replaying every case.
    """

    __tablename__ = "plan_items"
    __table_args__ = (
        Index("ix_plan_items_due", "school_id", "done", "due_date"),
        Index("ix_plan_items_school_due", "school_id", "kind", "due_date"),  # stats: a period's
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    school_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))  # "tiltak" | "evaluation"
    item_no: Mapped[int | None] = mapped_column(Integer)  # the tiltak's number
    due_date: Mapped[date] = mapped_column(Date)  # the school's local date
    responsible: Mapped[str | None] = mapped_column(String(254))  # a staff e-mail, if given
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Outbox(Base):
    """A notice to deliver, written in the same transaction as the event that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str | None] = mapped_column(String(254), index=True)  # a person's e-mail
    channel: Mapped[str | None] = mapped_column(String(120))  # a platform channel, e.g. R-team
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    lang: Mapped[str] = mapped_column(String(5))
    data: Mapped[str] = mapped_column(Text)  # JSON; never pupil names or free text
    # "Sent once" facts: a reminder for (person, kind, day) has one key; a second insert fails.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the claim's lease
    # Fencing: only the worker holding this token may record the row's outcome.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the platform call
    last_error: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    platform: Mapped[str | None] = mapped_column(String(20))
    platform_ref: Mapped[str | None] = mapped_column(String(200))  # e.g. channel:ts, to update


class Identity(Base):
    """A platform user id and the e-mail it belongs to (identity across platforms is e-mail)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), index=True)
    data: Mapped[str] = mapped_column(Text, default="{}")  # platform extras (DM channel, ref)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FollowupRound(Base):
    """A follow-up round that ran: one per (school, kind, period), whichever replica ran it.

    Inserted first in the round's own transaction, together with every notice and event the
    round writes: a second scheduler's insert is skipped on the unique key (on PostgreSQL it
    waits for the first to commit), and a round that died mid-way left nothing behind, not even
    this row, so it runs again.
    """

    __tablename__ = "followup_rounds"
    __table_args__ = (UniqueConstraint("school_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # reminders | digest
    period: Mapped[str] = mapped_column(String(10))  # the local date of the round, YYYY-MM-DD
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- Pending exports (Teams): a file waiting for the person's consent --------------------------


class PendingExport(Base):
    """An export's bytes waiting until the person accepts the file consent card (Teams).

    In the database, so that whichever replica receives the consent can finish it; sealed with
    the keyring when one is configured (it is the case's free text, like `case_texts`); gone
    after `expires_at` or once uploaded.
    """

    __tablename__ = "pending_exports"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)  # Fernet token when sealed, else base64
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


# The directory (schools, staff, pupils, foresatte) lives in a module of its own.
# The directory (schools, staff, pupils, foresatte) and the sakarkiv's journalposter
# (store/journal.py) live in modules of their own; imported here so that Base.metadata
# (Alembic, the tests' create_all) knows their tables.
from store import directory_models as directory_models  # noqa: E402,F401
from store import journal as _journal  # noqa: E402,F401

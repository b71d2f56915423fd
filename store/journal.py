"""Journalposter for the municipality's sakarkiv (Fiks Arkiv): one row per event journalført.

A row is written in the same transaction as the event it journalfører (through the trail's
`on_append` listeners, see handlers/archive/journal.py), with the outbox row that carries it,
so a journalpost is never lost; its unique (case_id, seq, kind) keeps it single. The archive's
replies (mottatt, kvittering, feilmelding) update the row: the projection of what the archive
said, while the trail gets `journalfoert` / `journal_failed`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from store.models import Base
from store.types import UTCDateTime

# queued: waiting in the outbox; sent: Fiks IO took it; received: the archive said mottatt;
# done: kvittering with the numbers; failed: a feilmelding (or the send was refused).
STATES = ("queued", "sent", "received", "done", "failed")
OPEN_STATES = ("queued", "sent", "received")


class JournalPost(Base):
    __tablename__ = "journalposts"
    __table_args__ = (
        # One journalpost per event; the case file's event also closes the saksmappe.
        UniqueConstraint("case_id", "seq", "kind"),
        Index("ix_journalposts_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # the event's place on the case's trail
    # reported | plan | evaluated | foresatte | owner_informed | case_file | close_folder
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    # The Fiks IO message: ours (stable across resends) and the one Fiks IO gave back.
    klient_melding_id: Mapped[str] = mapped_column(String(36), unique=True)
    melding_id: Mapped[str | None] = mapped_column(String(36), index=True)
    saksnummer: Mapped[str | None] = mapped_column(String(40))  # e.g. 2026/1234
    journalpostnummer: Mapped[str | None] = mapped_column(String(50))  # e.g. 2026/1234-3
    mappe_system_id: Mapped[str | None] = mapped_column(String(100))
    system_id: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(String(500))  # the archive's feilmelding
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def of_case(session: Session, case_id: int) -> list[JournalPost]:
    return list(
        session.scalars(
            select(JournalPost).where(JournalPost.case_id == case_id).order_by(JournalPost.seq)
        )
    )


def counts(session: Session) -> dict[str, int]:
    """How many journalposter are in each state (metrics, doctor)."""
    rows = session.execute(
        select(JournalPost.status, func.count()).group_by(JournalPost.status)
    ).all()
    found = {str(status): int(n) for status, n in rows}
    return {state: found.get(state, 0) for state in STATES}

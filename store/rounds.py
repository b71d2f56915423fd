"""Follow-up rounds: the database decides which replica runs a school's round, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import insert_once
from store.models import FollowupRound


def claim(
    session: Session, *, school_id: str, kind: str, period: str, at: datetime
) -> FollowupRound | None:
    """Claim the round in the caller's transaction; None when it already ran (or is running).

    On PostgreSQL a concurrent claim of the same round waits on the unique key until the
    first transaction ends: it fails if that one committed, and succeeds if it rolled back.
    """
    row = FollowupRound(school_id=school_id, kind=kind, period=period, ran_at=at, notices=0)
    return row if insert_once(session, row) else None


def has_run(session: Session, *, school_id: str, kind: str, period: str) -> bool:
    found = session.scalar(
        select(FollowupRound.id).where(
            FollowupRound.school_id == school_id,
            FollowupRound.kind == kind,
            FollowupRound.period == period,
        )
    )
    return found is not None

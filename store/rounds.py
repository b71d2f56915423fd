"""Follow-up rounds: the database decides which replica runs a school's round, once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import chunked, insert_new
from store.models import FollowupRound


def claim(session: Session, *, kind: str, periods: Mapping[str, str], at: datetime) -> set[str]:
    """Claim the rounds (school id → period) in the caller's transaction; returns the schools
    claimed now. A round that ran, or is running in another transaction (PostgreSQL waits for
    it), is not claimed again; if that transaction rolls back, this claim succeeds.
    """
    rows = [
        {"school_id": school, "kind": kind, "period": period, "ran_at": at}
        for school, period in periods.items()
    ]
    added = insert_new(
        session,
        FollowupRound,
        rows,
        unique=["school_id", "kind", "period"],
        returning=[FollowupRound.school_id],
    )
    return {row[0] for row in added}


def already_run(session: Session, *, kind: str, periods: Mapping[str, str]) -> set[str]:
    """The schools whose round for that period has run (a dry run's look, claiming nothing)."""
    ran: set[str] = set()
    for schools in chunked(sorted(periods)):
        rows = session.execute(
            select(FollowupRound.school_id, FollowupRound.period).where(
                FollowupRound.kind == kind, FollowupRound.school_id.in_(schools)
            )
        )
        ran.update(school for school, period in rows if periods[school] == period)
    return ran

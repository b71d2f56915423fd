"""The outbox: notices written with their cause, claimed and delivered by a worker."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import insert_new
from store.models import Outbox


def enqueue(
    session: Session,
    *,
    kind: str,
    lang: str,
    at: datetime,
    data: Mapping[str, Any],
    recipient: str | None = None,
    channel: str | None = None,
    case_id: int | None = None,
    dedupe_key: str | None = None,
) -> Outbox | None:
    """Add a notice. With a dedupe_key, a second notice with the same key is not added (None).

    The insert runs in a savepoint so that a duplicate key leaves the caller's transaction
    usable; the unique key in the database is what makes "sent once" hold across replicas.
    """
    if recipient is None and channel is None:
        raise ValueError("a notice needs a recipient or a channel")
    row = Outbox(
        created_at=at,
        kind=kind,
        recipient=recipient,
        channel=channel,
        case_id=case_id,
        lang=lang,
        data=data_json(data),
        dedupe_key=dedupe_key,
        status="pending",
        attempts=0,
        next_attempt_at=at,
    )
    if dedupe_key is None:
        session.add(row)  # inserted with the rest of the transaction
        return row
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def data_json(data: Mapping[str, Any]) -> str:
    return json.dumps(dict(data), sort_keys=True, ensure_ascii=False)


def enqueue_many(session: Session, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Add many notices, each with a dedupe_key, in one statement; returns {key: id} of those
    added. A key used before is skipped (store.db.insert_new), so a second replica's round adds
    nothing.

    Each row: kind, lang, at, data and recipient or channel, case_id optional, dedupe_key.
    """
    if not rows:
        return {}
    values = []
    for row in rows:
        if row.get("recipient") is None and row.get("channel") is None:
            raise ValueError("a notice needs a recipient or a channel")
        values.append(
            {
                "created_at": row["at"],
                "kind": row["kind"],
                "recipient": row.get("recipient"),
                "channel": row.get("channel"),
                "case_id": row.get("case_id"),
                "lang": row["lang"],
                "data": data_json(row["data"]),
                "dedupe_key": row["dedupe_key"],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": row["at"],
            }
        )
    added = insert_new(
        session,
        Outbox,
        values,
        unique=["dedupe_key"],
        returning=[Outbox.dedupe_key, Outbox.id],
    )
    return {row[0]: row[1] for row in added}


def claim_due(
    session: Session, *, now: datetime, limit: int = 20, lease: timedelta = timedelta(minutes=2)
) -> list[Outbox]:
    """Claim pending notices that are due, for one worker.

    On PostgreSQL, FOR UPDATE SKIP LOCKED lets several replicas claim disjoint rows; the lease
    (claimed_until) hands a row to another worker if its claimer died mid-send.
    """
    q = (
        select(Outbox)
        .where(
            Outbox.status == "pending",
            Outbox.next_attempt_at <= now,
            or_(Outbox.claimed_until.is_(None), Outbox.claimed_until <= now),
        )
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = list(session.scalars(q))
    for row in rows:
        row.claimed_until = now + lease
        row.attempts += 1
    session.flush()
    return rows


def mark_sent(
    session: Session, row: Outbox, *, at: datetime, platform: str, platform_ref: str | None
) -> None:
    row.status = "sent"
    row.delivered_at = at
    row.platform = platform
    row.platform_ref = platform_ref
    row.claimed_until = None
    row.last_error = None


def retry_later(session: Session, row: Outbox, *, at: datetime, error: str) -> None:
    row.next_attempt_at = at
    row.claimed_until = None
    row.last_error = error[:200]


def mark_failed(session: Session, row: Outbox, *, error: str) -> None:
    row.status = "failed"
    row.claimed_until = None
    row.last_error = error[:200]

"""The outbox: notices written with their cause, claimed and delivered by a worker."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Interval, and_, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import insert_new
from store.models import Outbox

# A claim's lease: short, because the holder renews it while it works; a dead worker's rows
# are free again after at most this long.
LEASE = timedelta(seconds=15)


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


def db_now(session: Session, plus: timedelta = timedelta(0)) -> ColumnElement[Any]:
    """The database's clock (+ `plus`), as naive UTC like every stored time: leases are set and
    compared on it, so a replica whose own clock runs ahead or behind cannot take a claim that
    is still held. On PostgreSQL: clock_timestamp() of the server (all replicas share it). On
    SQLite: the clock of the machine holding the file, read by SQLite in the statement; every
    process sharing the file runs on that machine, so they read one clock (a worker's injected
    clock plays no part)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.timezone("UTC", func.clock_timestamp()) + literal(plus, Interval())
    # SQLite's "%f" gives milliseconds; stored times carry microseconds: pad to compare alike.
    modifier = f"{plus.total_seconds():+.3f} seconds"
    return func.strftime("%Y-%m-%d %H:%M:%f", "now", modifier).concat("000")


def claim_due(
    session: Session, *, now: datetime, limit: int = 20, lease: timedelta = LEASE
) -> list[Outbox]:
    """Claim pending notices that are due, for one worker; each gets a fresh claim token.

    On PostgreSQL, FOR UPDATE SKIP LOCKED lets several replicas claim disjoint rows. The lease
    (claimed_until, on the database's clock: `db_now`; `now` only says what is due) is short
    and renewed while the holder works (`renew`), so the rows of a
    worker that died come back within one lease; the token fences a worker whose lease ran
    out: its late `mark_*` changes nothing.
    """
    q = (
        select(Outbox)
        .where(
            Outbox.status == "pending",
            Outbox.next_attempt_at <= now,
            or_(Outbox.claimed_until.is_(None), Outbox.claimed_until <= db_now(session)),
        )
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = list(session.scalars(q))
    for row in rows:
        token = uuid.uuid4().hex
        session.execute(
            update(Outbox)
            .where(Outbox.id == row.id)
            .values(
                claimed_until=db_now(session, lease),
                claim_token=token,
                attempts=Outbox.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        session.expire(row)
    session.flush()
    return rows


def _held(row_id: int, token: str) -> ColumnElement[bool]:
    return and_(Outbox.id == row_id, Outbox.claim_token == token, Outbox.status == "pending")


def _update(session: Session, where: ColumnElement[bool], **values: Any) -> int:
    result = session.execute(update(Outbox).where(where).values(**values))
    return int(result.rowcount)  # type: ignore[attr-defined]


def renew(
    session: Session, tokens: Sequence[str], *, now: datetime, lease: timedelta = LEASE
) -> int:
    """Extend the lease of the rows these tokens still hold; returns how many."""
    if not tokens:
        return 0
    return _update(
        session,
        and_(Outbox.claim_token.in_(list(tokens)), Outbox.status == "pending"),
        claimed_until=db_now(session, lease),
    )


def begin_send(
    session: Session, row_id: int, token: str, *, now: datetime, lease: timedelta = LEASE
) -> bool:
    """Record, just before the platform call, that the holder sends now; False if the claim
    was lost (another worker has the row, or it is done): then the caller must not send."""
    return (
        _update(
            session,
            _held(row_id, token),
            send_started_at=now,
            claimed_until=db_now(session, lease),
        )
        == 1
    )


def mark_sent(
    session: Session,
    row_id: int,
    token: str,
    *,
    at: datetime,
    platform: str,
    platform_ref: str | None,
) -> bool:
    """Only the claim's holder records the outcome; False when the token no longer holds it."""
    return (
        _update(
            session,
            _held(row_id, token),
            status="sent",
            delivered_at=at,
            platform=platform,
            platform_ref=platform_ref,
            claimed_until=None,
            claim_token=None,
            last_error=None,
        )
        == 1
    )


def retry_later(session: Session, row_id: int, token: str, *, at: datetime, error: str) -> bool:
    return (
        _update(
            session,
            _held(row_id, token),
            next_attempt_at=at,
            claimed_until=None,
            claim_token=None,
            send_started_at=None,
            last_error=error[:200],
        )
        == 1
    )


def mark_failed(session: Session, row_id: int, token: str, *, error: str) -> bool:
    return (
        _update(
            session,
            _held(row_id, token),
            status="failed",
            claimed_until=None,
            claim_token=None,
            last_error=error[:200],
        )
        == 1
    )


def release(session: Session, tokens: Sequence[str]) -> int:
    """Hand claimed rows back unsent (a worker stopping): another worker may take them at once.
    The attempt the claim counted is given back too."""
    if not tokens:
        return 0
    return _update(
        session,
        and_(Outbox.claim_token.in_(list(tokens)), Outbox.status == "pending"),
        claimed_until=None,
        claim_token=None,
        attempts=Outbox.attempts - 1,
    )


@dataclass(frozen=True)
class Backlog:
    due: int  # pending notices whose time has come
    oldest_due_at: datetime | None  # the earliest next_attempt_at among them


def backlog(session: Session, *, now: datetime) -> Backlog:
    """How much is waiting to be delivered (health and metrics), from ix_outbox_due."""
    count, oldest = session.execute(
        select(func.count(), func.min(Outbox.next_attempt_at)).where(
            Outbox.status == "pending", Outbox.next_attempt_at <= now
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return Backlog(int(count), oldest)

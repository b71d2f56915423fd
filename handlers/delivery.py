"""Delivery bookkeeping for the outbox worker: claim, record sent, retry, fail and re-route.

The worker (bot/delivery.py) does the network call between `claim` and one of the records;
each record is its own transaction, and delivery is an event on the case's trail.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import access, notices
from handlers.archive import journal
from handlers.report import grant
from handlers.services import Services
from store import outbox, trail
from store.models import Case, Outbox


@dataclass(frozen=True)
class Pending:
    """A claimed notice, detached from the database session."""

    id: int
    kind: str
    recipient: str | None
    channel: str | None
    case_id: int | None
    lang: str
    data: dict[str, Any]
    attempts: int
    platform_ref: str | None
    token: str = ""  # the claim token: only its holder records the outcome
    # Set when an earlier holder began the platform call and never recorded how it went (it
    # died or lost its lease mid-send): the notice may already be out.
    interrupted_send: datetime | None = None


def claim(services: Services, *, limit: int = 20, lease: timedelta = outbox.LEASE) -> list[Pending]:
    with services.uow() as session:
        rows = outbox.claim_due(session, now=services.clock.now(), limit=limit, lease=lease)
        return [
            Pending(
                r.id,
                r.kind,
                r.recipient,
                r.channel,
                r.case_id,
                r.lang,
                json.loads(r.data),
                r.attempts,
                r.platform_ref,
                r.claim_token or "",
                r.send_started_at,
            )
            for r in rows
        ]


def begin_send(services: Services, item: Pending, *, lease: timedelta = outbox.LEASE) -> bool:
    """Just before the platform call: True if this worker still holds the notice."""
    with services.uow() as session:
        return outbox.begin_send(
            session, item.id, item.token, now=services.clock.now(), lease=lease
        )


def renew(services: Services, items: Sequence[Pending], *, lease: timedelta = outbox.LEASE) -> int:
    """The heartbeat: keep the claims of notices still being worked on."""
    with services.uow() as session:
        return outbox.renew(
            session, [i.token for i in items], now=services.clock.now(), lease=lease
        )


def release(services: Services, items: Sequence[Pending]) -> int:
    """Hand claimed, unsent notices back (a worker stopping), for another worker at once."""
    with services.uow() as session:
        return outbox.release(session, [i.token for i in items])


def backlog(services: Services) -> outbox.Backlog:
    with services.uow() as session:
        return outbox.backlog(session, now=services.clock.now())


def sent(services: Services, item: Pending, *, platform: str, ref: str | None) -> bool:
    """Record the delivery, if this worker still holds the claim (False: it did not)."""
    now = services.clock.now()
    with services.uow() as session:
        if not outbox.mark_sent(
            session, item.id, item.token, at=now, platform=platform, platform_ref=ref
        ):
            return False
        case = _case(session, item.case_id)
        if case is not None:
            trail.append(
                session,
                case,
                "delivered",
                "system",
                now,
                {
                    "outbox_id": item.id,
                    "kind": item.kind,
                    "recipient": item.recipient,
                    "channel": item.channel,
                    "platform": platform,
                },
            )
        return True


def retry(services: Services, item: Pending, *, after: float, error: str) -> bool:
    now = services.clock.now()
    with services.uow() as session:
        return outbox.retry_later(
            session, item.id, item.token, at=now + timedelta(seconds=after), error=error
        )


def failed(services: Services, item: Pending, *, error: str) -> str | None:
    """A permanent failure (no such user, deactivated account): record it and re-route.

    A notice for a person who cannot be reached goes to rektor instead, or to skoleeier when
    rektor may not see the case. Returns the e-mail it was re-routed to, if any.
    """
    now = services.clock.now()
    with services.uow() as session:
        if not outbox.mark_failed(session, item.id, item.token, error=error):
            return None
        case = _case(session, item.case_id)
        if case is None:
            return None
        trail.append(
            session,
            case,
            "delivery_failed",
            "system",
            now,
            {
                "outbox_id": item.id,
                "kind": item.kind,
                "recipient": item.recipient,
                "error": error[:100],
            },
        )
        if item.kind == journal.KIND:
            # A journalpost goes to the archive or nowhere: rektor hears that it failed.
            journal.send_failed(services, session, case, item.data, error)
            return None
        if item.kind == notices.RECEIPT or "rerouted_from" in item.data:
            # A reporter's receipt is not re-routed to somebody else, and a notice is re-routed
            # once: when rektor cannot be reached either, the trail says so and it stops there
            # (rektor and skoleeier unreachable must not bounce a notice between them forever).
            return None
        target = _fallback(services, session, case, item.recipient)
        if target is None:
            return None
        school = services.org.school(case.school_id)
        data = dict(item.data)
        data["rerouted_from"] = item.recipient
        grant(session, case, target, "rektor" if target == school.principal else "owner", now)
        notices.emit(
            session,
            notices.Notice(
                kind=item.kind,
                lang=services.org.language_of(target, school),
                recipient=target,
                data=data,
            ),
            now,
            case,
        )
        return target


def _case(session: Session, case_id: int | None) -> Case | None:
    """The case, locked: its chain is appended to while a leader may be acting on it."""
    if case_id is None:
        return None
    return session.get(Case, case_id, with_for_update=True)


def _fallback(
    services: Services, session: Session, case: Case, failed_for: str | None
) -> str | None:
    school = services.org.school(case.school_id)
    candidates = [school.principal, *services.org.owner.contacts]
    for email in candidates:
        if email != failed_for and not access.is_excluded(session, case, email):
            return email
    return None


def delivered_to(services: Services, email: str, *, platform: str) -> list[dict[str, Any]]:
    """Notices delivered to one person on one platform, newest last (the console's inbox)."""
    with services.uow() as session:
        rows = session.scalars(
            select(Outbox)
            .where(Outbox.recipient == email.lower(), Outbox.platform == platform)
            .order_by(Outbox.id)
        )
        return [
            {"kind": r.kind, "lang": r.lang, "data": json.loads(r.data), "at": r.delivered_at}
            for r in rows
        ]


@dataclass(frozen=True)
class SentMessage:
    kind: str
    recipient: str | None
    lang: str
    data: dict[str, Any]
    platform_ref: str | None


def messages_for_case(services: Services, ref: str, *, platform: str) -> list[SentMessage]:
    """Messages already delivered about a case on a platform (to update them in place)."""
    with services.uow() as session:
        rows = session.scalars(
            select(Outbox)
            .join(Case, Case.id == Outbox.case_id)
            .where(Case.ref == ref, Outbox.platform == platform, Outbox.status == "sent")
            .order_by(Outbox.id)
        )
        return [
            SentMessage(r.kind, r.recipient, r.lang, json.loads(r.data), r.platform_ref)
            for r in rows
        ]

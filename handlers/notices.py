"""Notices: what must reach whom. Platform-neutral; the edges render them.

A notice never holds pupil names or free text: a case reference, roles, keys and dates only.
Details are shown only when an authorized person opens the case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from store import outbox, trail
from store.models import Case

# Notice kinds (the edges have a renderer for each).
RECEIPT = "receipt"  # to the reporter: case ref, where it went, what happens next, rights
NEW_CASE = "new_case"  # to a leader/rektor/owner: a case for you, with action buttons
ACKNOWLEDGED = "acknowledged"  # to the reporter: your report was acknowledged
CLOSED = "closed"  # to the reporter: the case was closed (one line, no details)
REOPENED = "reopened"  # to the reporter: the case was opened again (one line, no details)
FORWARDED = "forwarded"  # to the leader a case was forwarded to
ESCALATED = "escalated"  # to rektor: a case was not acknowledged in time
URGENT_REMINDER = "urgent_reminder"  # § 12-5 by the hour: one case, to its holder or skoleeier
REMINDER = "reminder"  # the morning DM: everything due for one person at one school
DIGEST = "digest"  # the R-team's overview: to its channel, or to each member


@dataclass(frozen=True)
class Notice:
    kind: str
    lang: str
    data: Mapping[str, Any] = field(default_factory=dict)
    recipient: str | None = None
    channel: str | None = None
    dedupe_key: str | None = None


def emit(session: Session, notice: Notice, at: datetime, case: Case | None = None) -> bool:
    """Queue a notice in the caller's transaction; on a case, the trail records who was notified.

    Returns False when a notice with the same dedupe key was already queued (sent once).
    """
    row = outbox.enqueue(
        session,
        kind=notice.kind,
        lang=notice.lang,
        at=at,
        data=notice.data,
        recipient=notice.recipient,
        channel=notice.channel,
        case_id=case.id if case else None,
        dedupe_key=notice.dedupe_key,
    )
    if row is None:
        return False
    if case is not None:
        trail.append(
            session,
            case,
            "notified",
            "system",
            at,
            {
                "kind": notice.kind,
                "recipient": notice.recipient,
                "channel": notice.channel,
                "outbox_id": row.id,
            },
        )
    return True


def emit_many(
    session: Session, batch: Sequence[tuple[Notice, Sequence[Case]]], at: datetime
) -> list[Notice]:
    """Queue many notices at once (a follow-up round), each with a dedupe key.

    Each notice comes with the cases it is about (a morning reminder bundles several); each of
    their trails records it, as `emit` does for one. Returns the notices queued now: one whose
    key was queued before is left out (sent once).
    """
    if any(n.dedupe_key is None for n, _ in batch):
        raise ValueError("every notice of a batch needs a dedupe key")
    ids = outbox.enqueue_many(
        session,
        [
            {
                "kind": n.kind,
                "lang": n.lang,
                "at": at,
                "data": n.data,
                "recipient": n.recipient,
                "channel": n.channel,
                "dedupe_key": n.dedupe_key,
            }
            for n, cases in batch
        ],
    )
    queued = [(n, cases) for n, cases in batch if n.dedupe_key in ids]
    trail.append_many(
        session,
        [
            (
                case,
                "notified",
                "system",
                at,
                {
                    "kind": n.kind,
                    "recipient": n.recipient,
                    "channel": n.channel,
                    "outbox_id": ids[n.dedupe_key or ""],
                },
            )
            for n, cases in queued
            for case in cases
        ],
    )
    return [n for n, _ in queued]

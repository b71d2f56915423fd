"""Exports waiting for the person's consent (Teams' file consent card), in the database.

Any replica can finish the consent; the bytes are sealed like the case texts when a keyring is
configured; a row is gone once uploaded, declined or expired.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.crypto import SealedTextError, bytes_of, store_bytes
from store.models import PendingExport


def put(
    session: Session,
    token: str,
    email: str,
    name: str,
    content: bytes,
    *,
    now: datetime,
    expires_at: datetime,
) -> None:
    body, sealed = store_bytes(session, content)
    session.add(
        PendingExport(
            token=token,
            email=email,
            name=name,
            body=body,
            sealed=sealed,
            created_at=now,
            expires_at=expires_at,
        )
    )


def waiting(session: Session, token: str, email: str, *, now: datetime) -> tuple[str, bytes] | None:
    """The file's name and bytes, when `token` is `email`'s and has not expired (else None: a
    key that no longer opens it counts as gone)."""
    row = session.get(PendingExport, token)
    if row is None or row.email != email or row.expires_at <= now:
        return None
    try:
        return row.name, bytes_of(session, row.body, row.sealed)
    except SealedTextError:
        return None


def remove(session: Session, token: str) -> None:
    session.execute(delete(PendingExport).where(PendingExport.token == token))


def purge(session: Session, *, now: datetime) -> int:
    """Drop the expired ones; returns how many."""
    expired = list(
        session.scalars(select(PendingExport.token).where(PendingExport.expires_at <= now))
    )
    if expired:
        session.execute(delete(PendingExport).where(PendingExport.token.in_(expired)))
    return len(expired)

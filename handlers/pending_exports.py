"""An export offered through a consent card waits here until the person accepts it (Teams).

The `exported` event was written when the file was made (`handlers.export`); accepting,
declining or retrying the consent writes nothing on the trail.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from handlers.services import Services
from store import pending_exports

WAIT = timedelta(hours=1)  # how long an export waits for the person to accept it


def offer(services: Services, email: str, files: Sequence[tuple[str, bytes]]) -> list[str]:
    """Keep the files for `email`; one token each (what the consent card carries)."""
    now = services.clock.now()
    tokens = []
    with services.uow() as session:
        pending_exports.purge(session, now=now)
        for name, content in files:
            token = secrets.token_urlsafe(24)
            pending_exports.put(
                session, token, email, name, content, now=now, expires_at=now + WAIT
            )
            tokens.append(token)
    return tokens


def waiting(services: Services, token: str, email: str) -> tuple[str, bytes] | None:
    """The name and bytes waiting under `token` for `email`, or None (expired, taken, not
    theirs)."""
    with services.uow() as session:
        return pending_exports.waiting(session, token, email, now=services.clock.now())


def done(services: Services, token: str) -> None:
    """Uploaded or declined: forget it."""
    with services.uow() as session:
        pending_exports.remove(session, token)

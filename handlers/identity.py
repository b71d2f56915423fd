"""Platform user ids ↔ e-mail (identity across platforms is the e-mail), kept in the store."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from handlers.services import Services
from store.models import Identity


def remember(
    services: Services, platform: str, user_id: str, email: str, data: dict[str, Any] | None = None
) -> None:
    """Insert or update; two threads resolving the same new user at once both succeed."""
    now = services.clock.now()
    with services.uow() as session:
        row = session.scalar(
            select(Identity).where(Identity.platform == platform, Identity.user_id == user_id)
        )
        if row is None:
            try:
                with session.begin_nested():
                    session.add(
                        Identity(
                            platform=platform,
                            user_id=user_id,
                            email=email.lower(),
                            data=json.dumps(data or {}),
                            updated_at=now,
                        )
                    )
                return
            except IntegrityError:  # the other thread inserted it first: update theirs
                row = session.scalar(
                    select(Identity).where(
                        Identity.platform == platform, Identity.user_id == user_id
                    )
                )
                assert row is not None
        merged = {**json.loads(row.data), **(data or {})}
        row.email = email.lower()
        row.data = json.dumps(merged)
        row.updated_at = now


def by_user(services: Services, platform: str, user_id: str) -> tuple[str, dict[str, Any]] | None:
    with services.uow() as session:
        row = session.scalar(
            select(Identity).where(Identity.platform == platform, Identity.user_id == user_id)
        )
        return (row.email, json.loads(row.data)) if row else None


def by_email(services: Services, platform: str, email: str) -> tuple[str, dict[str, Any]] | None:
    with services.uow() as session:
        row = session.scalar(
            select(Identity)
            .where(Identity.platform == platform, Identity.email == email.lower())
            .order_by(Identity.updated_at.desc())
            .limit(1)
        )
        return (row.user_id, json.loads(row.data)) if row else None


def platforms_of(services: Services, email: str) -> list[str]:
    """The platforms where this person has an identity, the most recently seen first."""
    with services.uow() as session:
        rows = session.execute(
            select(Identity.platform, func.max(Identity.updated_at).label("seen"))
            .where(Identity.email == email.lower())
            .group_by(Identity.platform)
            .order_by(func.max(Identity.updated_at).desc())
        )
        return [platform for platform, _ in rows]

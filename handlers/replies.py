"""A reply the edge could not send while answering (the connector or its token failing): it
goes to the outbox and is retried there with the outbox's rules, instead of failing the
request. Platform-specific content, already rendered; no case, so nothing on a trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers import notices
from handlers.services import Services

REPLY = "reply"  # data: platform, service_url, activity (the rendered message)


def queue(
    services: Services,
    *,
    platform: str,
    conversation: str,
    service_url: str | None,
    activity: Mapping[str, Any],
    lang: str,
    key: str,
) -> bool:
    """Queue the reply once per `key`; False when it was already queued."""
    data = {"platform": platform, "service_url": service_url, "activity": dict(activity)}
    notice = notices.Notice(REPLY, lang, data, channel=conversation, dedupe_key=f"reply:{key}")
    with services.uow() as session:
        return notices.emit(session, notice, services.clock.now())

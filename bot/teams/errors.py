"""Bot Connector errors as the outbox worker's RetryLater / PermanentFailure (one set of rules
for sending a notice and for refreshing a card)."""

from __future__ import annotations

from typing import Any

import httpx

from bot.delivery import PermanentFailure, RetryLater

# Teams answers these when the bot is no longer in the conversation (uninstalled, removed).
GONE_CODES = {"BotNotInConversationRoster", "ConversationNotFound"}


def error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code") or "") if isinstance(error, dict) else ""


def retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers else None
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None  # an HTTP date: let the worker's backoff decide
    if seconds is None or seconds != seconds:  # NaN
        return None
    return min(max(seconds, 1.0), 900.0)  # 1e999 or 0 must not stall or spin the worker


def gone(exc: httpx.HTTPStatusError) -> bool:
    status = exc.response.status_code
    return status == 404 or (status == 403 and error_code(exc.response) in GONE_CODES)


def classify(exc: httpx.HTTPStatusError) -> RetryLater | PermanentFailure:
    """A Bot Connector error as the worker's RetryLater or PermanentFailure."""
    status = exc.response.status_code
    code = error_code(exc.response)
    if status == 429:
        return RetryLater("throttled", after=retry_after(exc.response.headers))
    if status >= 500:
        return RetryLater(f"http_{status}")
    return PermanentFailure(f"http_{status}" + (f":{code}" if code else ""))

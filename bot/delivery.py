"""The outbox worker: delivers queued notices through a platform sender, with retries.

429 → wait Retry-After; 5xx and connection errors → exponential backoff; permanent errors
(no such user, deactivated account) → recorded, and the notice re-routed to rektor. The row
is claimed with a lease, so a worker that dies mid-send leaves it to the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from handlers import delivery, identity
from handlers.delivery import Pending
from handlers.services import Services

log = logging.getLogger("meldefra.delivery")


class RetryLater(Exception):
    def __init__(self, error: str, after: float | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.after = after


class PermanentFailure(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class Wakeup(Protocol):
    def set(self) -> None: ...

    def clear(self) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...

    def is_set(self) -> bool: ...


class Sender(Protocol):
    platform: str

    def deliver(self, item: Pending) -> str | None:
        """Send one notice; return a platform reference (e.g. channel:ts) or None.

        Raise RetryLater or PermanentFailure; any other exception counts as a network error.
        """
        ...


class Router:
    """Picks the sender per notice when Slack and Teams are both configured.

    A channel notice goes to the platform it names (`data["platform"]`, Slack when unnamed), and
    nowhere when that platform is not configured; a person gets it where they last used
    Meldefra (their most recent identity), else on the first platform given (Slack looks anyone
    up by e-mail; Teams installs the app via Graph). Used with one sender too: one path.
    """

    def __init__(self, services: Services, senders: Sequence[Sender]) -> None:
        self.services = services
        self.senders = {s.platform: s for s in senders}
        self.default = senders[0]

    def pick(self, item: Pending) -> Sender:
        if item.channel:
            platform = str(item.data.get("platform") or "slack")
            return self.senders.get(platform) or _NotConfigured(platform)
        assert item.recipient is not None
        for platform in identity.platforms_of(self.services, item.recipient):
            if platform in self.senders:
                return self.senders[platform]
        return self.default


class _NotConfigured:
    """A channel of a platform this bot does not serve: recorded as failed, never sent."""

    def __init__(self, platform: str) -> None:
        self.platform = platform

    def deliver(self, item: Pending) -> str | None:
        raise PermanentFailure(f"{self.platform}_not_configured")


class Worker:
    def __init__(
        self,
        services: Services,
        sender: Sender | Router,
        *,
        batch: int = 20,
        base_backoff: float = 2.0,
        max_backoff: float = 600.0,
        max_attempts: int = 50,
        wake: Wakeup | None = None,
    ) -> None:
        self.services = services
        self.sender = sender
        self.batch = batch
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.max_attempts = max_attempts
        # Set when a notice was queued; a multiprocessing.Event when the worker has its own
        # process (see bot/serve.py).
        self.wake: Wakeup = wake or threading.Event()

    def backoff(self, attempts: int) -> float:
        return float(min(self.max_backoff, self.base_backoff * 2 ** max(0, attempts - 1)))

    def run_once(self) -> int:
        """Deliver what is due now; returns how many notices were handled."""
        items = delivery.claim(self.services, limit=self.batch)
        for item in items:
            self._deliver(item)
        return len(items)

    def _deliver(self, item: Pending) -> None:
        sender = self.sender.pick(item) if isinstance(self.sender, Router) else self.sender
        try:
            ref = sender.deliver(item)
        except RetryLater as exc:
            after = exc.after if exc.after is not None else self.backoff(item.attempts)
            log.info("outbox %s: retry in %.0fs (%s)", item.id, after, exc.error)
            delivery.retry(self.services, item, after=after, error=exc.error)
        except PermanentFailure as exc:
            log.warning("outbox %s: permanent failure (%s)", item.id, exc.error)
            delivery.failed(self.services, item, error=exc.error)
        except Exception as exc:  # noqa: BLE001 - network errors of every kind are retried
            error = type(exc).__name__
            if item.attempts >= self.max_attempts:
                delivery.failed(self.services, item, error=f"gave up: {error}")
            else:
                log.info("outbox %s: %s, backing off", item.id, error)
                delivery.retry(self.services, item, after=self.backoff(item.attempts), error=error)
        else:
            delivery.sent(self.services, item, platform=sender.platform, ref=ref)

    def run_forever(self, stop: threading.Event, idle: float = 1.0) -> None:
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:  # keep delivering after a database hiccup
                log.exception("outbox worker round failed")
                handled = 0
            if not handled:
                self.wake.wait(idle)
                self.wake.clear()

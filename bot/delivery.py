"""The outbox worker: delivers queued notices through a platform sender, with retries.

429 → wait Retry-After (clamped to 1 s – 15 min; garbage counts as no value); 5xx and
connection errors → exponential backoff; permanent errors (no such user, deactivated account)
→ recorded, and the notice re-routed to rektor.

Fencing: every claimed row carries a claim token and a short lease. While the worker holds
rows a heartbeat thread renews their lease; just before the platform call the worker checks
(and records) that it still holds the row; only the holder records the outcome. So a worker
that died frees its rows within one lease, and a worker that lost its lease neither sends nor
records. A round that fails (a locked or unreachable database) is logged by type only, and
the loop goes on after a growing pause.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Protocol, TypeVar

from handlers import delivery, identity
from handlers.delivery import Pending
from handlers.services import Services
from store.outbox import LEASE

log = logging.getLogger("meldefra.delivery")


RETRY_AFTER_MIN = 1.0
RETRY_AFTER_MAX = 15 * 60.0
_T = TypeVar("_T")


def retry_after_seconds(raw: object) -> float | None:
    """A platform's Retry-After as seconds in 1 s – 15 min; None for garbage (missing, not a
    number, negative, infinite), so the caller's own backoff applies."""
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = float(raw) if isinstance(raw, int | float) else float(str(raw).strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return min(RETRY_AFTER_MAX, max(RETRY_AFTER_MIN, value))


def describe(exc: BaseException) -> str:
    """An exception for the log without its message (which may quote data): type and place."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}"


class RetryLater(Exception):
    """Try again later; `after` is the platform's Retry-After (seconds, or the raw header)."""

    def __init__(self, error: str, after: float | str | None = None) -> None:
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


class Observer(Protocol):
    """Told the outcome of every delivery attempt (bot/metrics.py counts them)."""

    def delivery(self, outcome: str, platform: str, reason: str) -> None: ...


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
        batch: int = 5,
        base_backoff: float = 2.0,
        max_backoff: float = 600.0,
        max_attempts: int = 50,
        lease: timedelta = LEASE,
        wake: Wakeup | None = None,
        observer: Observer | None = None,
        beat: Callable[[], None] | None = None,
    ) -> None:
        self.services = services
        self.sender = sender
        self.batch = batch
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.max_attempts = max_attempts
        self.lease = lease
        # Set when a notice was queued; a multiprocessing.Event when the worker has its own
        # process (see bot/serve.py).
        self.wake: Wakeup = wake or threading.Event()
        self.observer = observer
        self.beat = beat or (lambda: None)  # "still alive", for /healthz
        self.stopping: Wakeup = threading.Event()  # set: hand back what is not yet sent

    def backoff(self, attempts: int) -> float:
        return float(min(self.max_backoff, self.base_backoff * 2 ** max(0, attempts - 1)))

    def run_once(self) -> int:
        """Deliver what is due now; returns how many notices were handled.

        Rows not yet sent when the worker is told to stop are handed back at once.
        """
        items = delivery.claim(self.services, limit=self.batch, lease=self.lease)
        if not items:
            return 0
        held = list(items)
        done = threading.Event()
        heartbeat = threading.Thread(
            target=self._renew, args=(held, done), name="outbox-lease", daemon=True
        )
        heartbeat.start()
        handled = 0
        try:
            for item in items:
                if self.stopping.is_set():
                    break
                self.beat()
                self._deliver(item)
                held.remove(item)
                handled += 1
        finally:
            done.set()
            heartbeat.join()
            if held:
                delivery.release(self.services, held)
                log.info("outbox: %d claimed notices handed back", len(held))
        return handled

    def _renew(self, held: list[Pending], done: threading.Event) -> None:
        """The lease's heartbeat: renew every third of a lease while the round runs."""
        interval = self.lease.total_seconds() / 3
        while not done.wait(interval):
            try:
                delivery.renew(self.services, list(held), lease=self.lease)
            except Exception as exc:  # noqa: BLE001 - the next beat tries again
                log.warning("outbox lease renewal failed: %s", describe(exc))

    def _deliver(self, item: Pending) -> None:
        sender = self.sender.pick(item) if isinstance(self.sender, Router) else self.sender
        if not delivery.begin_send(self.services, item, lease=self.lease):
            log.info("outbox %s: claim lost to another worker, not sent", item.id)
            self._observe("lost", sender.platform, "claim_lost")
            return
        try:
            ref = sender.deliver(item)
        except RetryLater as exc:
            after = retry_after_seconds(exc.after)
            if after is None:
                after = self.backoff(item.attempts)
            log.info("outbox %s: retry in %.0fs (%s)", item.id, after, exc.error)
            self._record(delivery.retry, item, after=after, error=exc.error)
            self._observe("retried", sender.platform, exc.error)
        except PermanentFailure as exc:
            log.warning("outbox %s: permanent failure (%s)", item.id, exc.error)
            self._record(delivery.failed, item, error=exc.error)
            self._observe("failed", sender.platform, exc.error)
        except Exception as exc:  # noqa: BLE001 - network errors of every kind are retried
            error = type(exc).__name__
            if item.attempts >= self.max_attempts:
                self._record(delivery.failed, item, error=f"gave up: {error}")
                self._observe("failed", sender.platform, "gave_up")
            else:
                log.info("outbox %s: %s, backing off", item.id, error)
                after = self.backoff(item.attempts)
                self._record(delivery.retry, item, after=after, error=error)
                self._observe("retried", sender.platform, error)
        else:
            if self._record(delivery.sent, item, platform=sender.platform, ref=ref):
                self._observe("sent", sender.platform, "ok")
            else:
                log.warning("outbox %s: sent, but the claim had passed to another worker", item.id)
                self._observe("sent", sender.platform, "claim_lost")

    def _record(self, record: Callable[..., _T], item: Pending, **kwargs: object) -> _T:
        """Write the outcome; a database hiccup gets a few tries (the heartbeat keeps the claim
        meanwhile): a sent notice whose record is lost would be sent again."""
        for pause in (0.5, 1.0, 2.0, 4.0):
            try:
                return record(self.services, item, **kwargs)
            except Exception as exc:  # noqa: BLE001 - retried, then raised
                log.warning(
                    "outbox %s: recording failed (%s), trying again", item.id, describe(exc)
                )
                time.sleep(pause)
        return record(self.services, item, **kwargs)

    def _observe(self, outcome: str, platform: str, reason: str) -> None:
        if self.observer is not None:
            self.observer.delivery(outcome, platform, reason)

    def run_forever(
        self, stop: threading.Event | Wakeup, idle: float = 1.0, max_pause: float = 60.0
    ) -> None:
        """The supervised loop: a round that raises is logged (type and place, never data)
        and the loop goes on after 1, 2, 4 … `max_pause` seconds."""
        self.stopping = stop
        failures = 0
        while not stop.is_set():
            self.beat()
            try:
                handled = self.run_once()
                failures = 0
            except Exception as exc:  # noqa: BLE001 - keep delivering after any hiccup
                failures += 1
                pause = min(max_pause, 2.0 ** (failures - 1))
                log.error(
                    "outbox worker round failed (%s); next try in %.0fs", describe(exc), pause
                )
                stop.wait(pause)
                continue
            if not handled and not stop.is_set():
                self.wake.wait(idle)
                self.wake.clear()

"""Prometheus metrics at GET /metrics, in the text exposition format (version 0.0.4).

Written here rather than with prometheus_client: delivery runs in a process of its own, whose
counts reach the server through a queue (`QueueObserver` → `Metrics.drain`), and the outbox
gauges are read from the database at scrape time, so every replica reports the same backlog.
Labels hold platforms, outcomes, error codes, round kinds and route paths: never people.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from typing import Any

from handlers import delivery
from handlers.archive.journal import counts as journal_counts
from handlers.services import Services
from store.db import current_revision, head_revision

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ROUND_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)

Labels = tuple[tuple[str, str], ...]


def _labels(labels: Labels, extra: Iterable[tuple[str, str]] = ()) -> str:
    pairs = [*labels, *extra]
    if not pairs:
        return ""
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + body + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self.values: dict[Labels, float] = {}

    def inc(self, labels: Labels = (), by: float = 1.0) -> None:
        self.values[labels] = self.values.get(labels, 0.0) + by

    def lines(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        out += [f"{self.name}{_labels(k)} {_number(v)}" for k, v in sorted(self.values.items())]
        return out


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: Sequence[float]) -> None:
        self.name, self.help = name, help_text
        self.buckets = tuple(buckets)
        self.series: dict[Labels, list[float]] = {}  # bucket counts..., count, sum

    def observe(self, value: float, labels: Labels = ()) -> None:
        s = self.series.setdefault(labels, [0.0] * (len(self.buckets) + 2))
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                s[i] += 1
        s[-2] += 1
        s[-1] += value

    def lines(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for labels, s in sorted(self.series.items()):
            for bound, count in zip((*self.buckets, math.inf), (*s[:-2], s[-2]), strict=True):
                le = _labels(labels, [("le", _number(bound))])
                out.append(f"{self.name}_bucket{le} {_number(count)}")
            out.append(f"{self.name}_count{_labels(labels)} {_number(s[-2])}")
            out.append(f"{self.name}_sum{_labels(labels)} {_number(s[-1])}")
        return out


def _gauge(name: str, help_text: str, values: Iterable[tuple[Labels, float]]) -> list[str]:
    out = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    out += [f"{name}{_labels(k)} {_number(v)}" for k, v in values]
    return out


class QueueObserver:
    """The delivery process's side: each outcome goes to the server's Metrics by a queue."""

    def __init__(self, outcomes: Any) -> None:
        self.outcomes = outcomes  # a multiprocessing Queue

    def delivery(self, outcome: str, platform: str, reason: str) -> None:
        try:
            self.outcomes.put_nowait((outcome, platform, reason))
        except queue.Full:  # a count lost is better than a delivery held up
            pass


class Metrics:
    """The server's registry. Thread-safe: listeners, the scheduler and delivery report here."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.lock = threading.Lock()
        self.deliveries = Counter(
            "meldefra_outbox_deliveries_total",
            "Delivery attempts by platform, outcome (sent, retried, failed, lost) and reason.",
        )
        self.rounds = Counter(
            "meldefra_followup_rounds_total",
            "Follow-up rounds (reminder, digest) by kind and result, one per school.",
        )
        self.round_seconds = Histogram(
            "meldefra_followup_round_duration_seconds",
            "Time one follow-up round took, all its schools together.",
            ROUND_BUCKETS,
        )
        self.requests = Histogram(
            "meldefra_http_request_duration_seconds",
            "HTTP request latency by route, method and status.",
            LATENCY_BUCKETS,
        )
        self.worker_restarts = Counter(
            "meldefra_delivery_worker_restarts_total", "Times the delivery process was restarted."
        )
        self.head = head_revision()
        self.sources: list[Any] = []  # queues of delivery processes, drained at every scrape

    # ---- what reports here

    def delivery(self, outcome: str, platform: str, reason: str) -> None:
        with self.lock:
            labels = (("platform", platform), ("outcome", outcome), ("reason", reason[:60]))
            self.deliveries.inc(labels)

    def drain(self, outcomes: Any) -> None:
        """Move the delivery process's reports into the counters (called by its supervisor)."""
        while True:
            try:
                outcome, platform, reason = outcomes.get_nowait()
            except (queue.Empty, EOFError, OSError):
                return
            self.delivery(outcome, platform, reason)

    def round(self, kind: str, statuses: Sequence[str], seconds: float) -> None:
        with self.lock:
            for status in statuses:
                self.rounds.inc((("kind", kind), ("status", status)))
            self.round_seconds.observe(seconds, (("kind", kind),))

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        with self.lock:
            labels = (("route", route), ("method", method), ("status", str(status)))
            self.requests.observe(seconds, labels)

    def restarted(self) -> None:
        with self.lock:
            self.worker_restarts.inc()

    # ---- the scrape

    def render(self) -> str:
        for source in self.sources:
            self.drain(source)
        lines: list[str] = []
        try:
            backlog = delivery.backlog(self.services)
            now = self.services.clock.now()
            oldest = (now - backlog.oldest_due_at).total_seconds() if backlog.oldest_due_at else 0
            lines += _gauge(
                "meldefra_outbox_due", "Notices due and not yet delivered.", [((), backlog.due)]
            )
            lines += _gauge(
                "meldefra_outbox_oldest_due_seconds",
                "Age of the oldest notice due and not yet delivered.",
                [((), max(0.0, oldest))],
            )
            lines += _gauge(
                "meldefra_journalposts",
                "Journalposter for the sakarkiv by state: pending (queued, sent, received by the "
                "archive), done (journalført) and failed (refused: rektor was told).",
                [((("state", state),), float(n)) for state, n in journal_counts(self.services)],
            )
            revision = current_revision(self.services.sessions.kw["bind"]) or "none"
            up = 1.0
        except Exception:  # noqa: BLE001 - the scrape still answers, with up = 0
            revision, up = "unknown", 0.0
        lines += _gauge(
            "meldefra_database_up", "1 when the database answered this scrape.", [((), up)]
        )
        lines += _gauge(
            "meldefra_schema_revision_info",
            "The database's schema revision and the one this code expects.",
            [((("revision", revision), ("expected", self.head)), 1.0)],
        )
        with self.lock:
            for metric in (
                self.deliveries,
                self.rounds,
                self.round_seconds,
                self.requests,
                self.worker_restarts,
            ):
                lines += metric.lines()
        return "\n".join(lines) + "\n"


Scope = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


class Measured:
    """ASGI middleware: each HTTP request's latency by route (unknown paths are "other")."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = set(routes)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            path = scope.get("path", "")
            route = path if path in self.routes else "other"
            self.metrics.request(
                route, scope.get("method", ""), status, time.perf_counter() - started
            )

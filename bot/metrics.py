"""Prometheus metrics at GET /metrics, through prometheus_client (text format 0.0.4).

Each server has a registry of its own (`Metrics.registry`, not the library's global one):
- counters and histograms (deliveries, follow-up rounds, HTTP latency, worker restarts) are
  prometheus_client's own; the delivery process runs apart and sends its counts over a queue
  (`QueueObserver` → `Metrics.drain`), so no multi-process directory is needed;
- the outbox gauges and the schema revision are a custom collector (`DatabaseCollector`) that
  reads the database at scrape time, so every replica reports the same backlog.

Labels hold platforms, outcomes, error codes, round kinds, route paths, HTTP methods and
statuses: never people. Every label is bounded: a route is one of the app's paths or
`other`, a method one of GET, POST, HEAD or `other`, so a scanner inventing paths or
methods cannot grow the page.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping, Sequence
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from handlers import delivery, ops
from handlers.archive.journal import counts as journal_counts
from handlers.services import Services

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ROUND_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)
METHODS = frozenset({"GET", "POST", "HEAD"})
OTHER = "other"

# The `*_created` series (a timestamp per label set) would double the page and say nothing a
# restart counter does not.
disable_created_metrics()


def method_label(method: str) -> str:
    return method if method in METHODS else OTHER


class DatabaseCollector(Collector):
    """The gauges read from the database at each scrape: the outbox backlog, whether the
    database answered, its schema revision against the code's."""

    def __init__(self, services: Services, head: str) -> None:
        self.services = services
        self.head = head

    def describe(self) -> Iterable[Metric]:
        return []  # nothing to read at registration; the names are checked at scrape

    def collect(self) -> Iterator[Metric]:
        try:
            backlog = delivery.backlog(self.services)
            now = self.services.clock.now()
            oldest = (now - backlog.oldest_due_at).total_seconds() if backlog.oldest_due_at else 0
            revision = ops.schema(ops.Database(self.services.sessions)).revision or "none"
            journalposts = journal_counts(self.services)
        except Exception:  # noqa: BLE001 - the scrape still answers, with up = 0
            revision, up = "unknown", 0.0
        else:
            up = 1.0
            yield GaugeMetricFamily(
                "meldefra_outbox_due", "Notices due and not yet delivered.", value=backlog.due
            )
            yield GaugeMetricFamily(
                "meldefra_outbox_oldest_due_seconds",
                "Age of the oldest notice due and not yet delivered.",
                value=max(0.0, oldest),
            )
            journal = GaugeMetricFamily(
                "meldefra_journalposts",
                "Journalposter for the sakarkiv by state: pending (queued, sent or received by "
                "the archive), done (journalført), failed (refused: rektor was told).",
                labels=["state"],
            )
            for state, n in journalposts:
                journal.add_metric([state], float(n))
            yield journal
        yield GaugeMetricFamily(
            "meldefra_database_up", "1 when the database answered this scrape.", value=up
        )
        info = GaugeMetricFamily(
            "meldefra_schema_revision_info",
            "The database's schema revision and the one this code expects.",
            labels=["revision", "expected"],
        )
        info.add_metric([revision, self.head], 1.0)
        yield info


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
    """The server's registry. Thread-safe (prometheus_client's metrics lock themselves):
    listeners, the scheduler and delivery report here."""

    def __init__(self, services: Services) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "meldefra_outbox_deliveries",
            "Delivery attempts by platform, outcome (sent, retried, failed, lost) and reason.",
            ["platform", "outcome", "reason"],
            registry=self.registry,
        )
        self.rounds = Counter(
            "meldefra_followup_rounds",
            "Follow-up rounds (reminder, digest) by kind and result, one per school.",
            ["kind", "status"],
            registry=self.registry,
        )
        self.round_seconds = Histogram(
            "meldefra_followup_round_duration_seconds",
            "Time one follow-up round took, all its schools together.",
            ["kind"],
            buckets=ROUND_BUCKETS,
            registry=self.registry,
        )
        self.requests = Histogram(
            "meldefra_http_request_duration_seconds",
            "HTTP request latency by route, method and status.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.worker_restarts = Counter(
            "meldefra_delivery_worker_restarts",
            "Times the delivery process was restarted.",
            registry=self.registry,
        )
        self.registry.register(DatabaseCollector(services, ops.head()))
        self.sources: list[Any] = []  # queues of delivery processes, drained at every scrape

    # ---- what reports here

    def delivery(self, outcome: str, platform: str, reason: str) -> None:
        self.deliveries.labels(platform=platform, outcome=outcome, reason=reason[:60]).inc()

    def drain(self, outcomes: Any) -> None:
        """Move the delivery process's reports into the counters (called by its supervisor)."""
        while True:
            try:
                outcome, platform, reason = outcomes.get_nowait()
            except (queue.Empty, EOFError, OSError):
                return
            self.delivery(outcome, platform, reason)

    def round(self, kind: str, statuses: Sequence[str], seconds: float) -> None:
        for status in statuses:
            self.rounds.labels(kind=kind, status=status).inc()
        self.round_seconds.labels(kind=kind).observe(seconds)

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route=route, method=method_label(method), status=str(status)).observe(
            seconds
        )

    def restarted(self) -> None:
        self.worker_restarts.inc()

    # ---- the scrape

    def render(self) -> bytes:
        for source in list(self.sources):
            self.drain(source)
        return generate_latest(self.registry)


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
            route = path if path in self.routes else OTHER
            self.metrics.request(
                route, scope.get("method", ""), status, time.perf_counter() - started
            )

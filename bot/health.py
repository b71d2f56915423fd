"""What GET /healthz checks: the database for real (for SQLite: the file there and still the one
opened; the schema current) and delivery (the worker alive, nothing due waiting too long). Each
failing check says why in the JSON."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from handlers import delivery, ops
from handlers.services import Services

# A notice due this long and still not delivered means delivery is not working.
STALE_AFTER_SECONDS = 300.0
# The worker says "alive" at least once per notice and per idle second; a minute of silence
# (longer than a platform call's timeout) means it hangs.
STUCK_AFTER_SECONDS = 120.0


class Liveness(Protocol):
    """The delivery worker as the server sees it (a thread or a process of its own)."""

    def problem(self) -> str | None:
        """None when alive and working; otherwise why not, as a short code."""
        ...


class Beat:
    """The time of the worker's last sign of life (in-process worker)."""

    def __init__(self) -> None:
        self.at = time.time()

    def __call__(self) -> None:
        self.at = time.time()


def stuck(last_beat: float) -> str | None:
    return "delivery_worker_stuck" if time.time() - last_beat > STUCK_AFTER_SECONDS else None


@dataclass
class Check:
    ok: bool
    details: dict[str, Any] = field(default_factory=dict)


class Health:
    def __init__(
        self,
        services: Services,
        *,
        worker: Liveness | None = None,
        stale_after: float = STALE_AFTER_SECONDS,
    ) -> None:
        self.services = services
        self.worker = worker
        self.stale_after = stale_after
        self.database_ = ops.Database(services.sessions)

    def database(self) -> Check:
        problem = ops.file_problem(self.database_)
        if problem is not None:  # missing, or replaced under the running server
            return Check(False, {"reason": problem})
        try:
            ops.ping(self.database_)
            schema = ops.schema(self.database_)
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return Check(False, {"reason": "database_unreachable"})
        details: dict[str, Any] = {"revision": schema.revision, "expected": schema.head}
        if not schema.current:  # a file without the schema among them
            return Check(False, {"reason": "schema_not_current", **details})
        return Check(True, details)

    def delivery(self, now: datetime) -> Check:
        details: dict[str, Any] = {}
        problem = self.worker.problem() if self.worker is not None else None
        try:
            backlog = delivery.backlog(self.services)
        except Exception:  # noqa: BLE001 - reported by the database check
            return Check(False, {"reason": problem or "backlog_unknown"})
        details["due"] = backlog.due
        oldest = (now - backlog.oldest_due_at).total_seconds() if backlog.oldest_due_at else 0.0
        details["oldest_due_seconds"] = round(max(0.0, oldest), 1)
        if problem is None and oldest > self.stale_after:
            problem = "oldest_due_too_old"
        if problem is not None:
            return Check(False, {"reason": problem, **details})
        return Check(True, details)

    def report(self) -> tuple[bool, dict[str, Any]]:
        database = self.database()
        body: dict[str, Any] = {"database": {"ok": database.ok, **database.details}}
        ok = database.ok
        if self.worker is not None:
            if database.ok:
                check = self.delivery(self.services.clock.now())
            else:
                problem = self.worker.problem()
                check = Check(problem is None, {"reason": problem} if problem else {})
            body["delivery"] = {"ok": check.ok, **check.details}
            ok = ok and check.ok
        return ok, body

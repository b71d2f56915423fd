"""The outbox worker with a scripted sender: retries, Retry-After, permanent failures."""

from __future__ import annotations

from collections import deque

from sqlalchemy import select

from bot.delivery import PermanentFailure, RetryLater, Worker
from handlers.clock import FixedClock
from handlers.delivery import Pending
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.models import Outbox

TEACHER = "laerer1@nordby.example"


class ScriptedSender:
    platform = "test"

    def __init__(self, failures: dict[str, deque[Exception]] | None = None) -> None:
        self.failures = failures or {}
        self.sent: list[tuple[str, str | None]] = []

    def deliver(self, item: Pending) -> str | None:
        queue = self.failures.get(item.recipient or "")
        if queue:
            raise queue.popleft()
        self.sent.append((item.kind, item.recipient))
        return f"ref-{item.id}"


def rows(services: Services) -> list[Outbox]:
    with services.uow() as s:
        return list(s.scalars(select(Outbox).order_by(Outbox.id)))


def test_429_waits_retry_after_and_5xx_backs_off(services: Services, clock: FixedClock) -> None:
    file_report(services, ReportForm(pupils="X", what="Y"), TEACHER)
    sender = ScriptedSender(
        {
            "trinn8@nordby.example": deque([RetryLater("ratelimited", after=30)]),
            "rektor@nordby.example": deque([ConnectionError("down"), RetryLater("http_500")]),
        }
    )
    worker = Worker(services, sender, base_backoff=2)
    assert worker.run_once() == 3
    assert sender.sent == [("receipt", TEACHER)]
    by_recipient = {r.recipient: r for r in rows(services)}
    assert by_recipient["trinn8@nordby.example"].last_error == "ratelimited"
    clock.advance(seconds=2)
    assert worker.run_once() == 1  # rektor's first backoff (2 s) is over: fails again (5xx)
    clock.advance(seconds=3)
    assert worker.run_once() == 0  # second backoff is 4 s; the leader waits 30 s
    clock.advance(seconds=25)
    assert worker.run_once() == 2
    assert sorted(r for _, r in sender.sent) == sorted(
        [TEACHER, "trinn8@nordby.example", "rektor@nordby.example"]
    )
    clock.advance(minutes=10)
    assert worker.run_once() == 0
    assert {r.status for r in rows(services)} == {"sent"}
    assert len(sender.sent) == 3  # nothing twice


def test_permanent_failure_is_recorded_and_rerouted_to_rektor(services: Services) -> None:
    file_report(services, ReportForm(pupils="X", what="Y"), TEACHER)
    sender = ScriptedSender({"trinn8@nordby.example": deque([PermanentFailure("user_not_found")])})
    worker = Worker(services, sender)
    while worker.run_once():
        pass
    statuses = [(r.kind, r.recipient, r.status) for r in rows(services)]
    assert ("new_case", "trinn8@nordby.example", "failed") in statuses
    assert statuses.count(("new_case", "rektor@nordby.example", "sent")) == 2


def test_a_notice_is_rerouted_once_not_bounced_forever(services: Services) -> None:
    file_report(services, ReportForm(pupils="X", what="Y"), TEACHER)
    everyone_gone = {
        email: deque([PermanentFailure("account_inactive")] * 5)
        for email in ("trinn8@nordby.example", "rektor@nordby.example", "skoleeier@kommune.example")
    }
    worker = Worker(services, ScriptedSender(everyone_gone))
    for _ in range(10):
        worker.run_once()
    failed = [(r.kind, r.recipient) for r in rows(services) if r.status == "failed"]
    # The leader's and rektor's notices failed, each was re-routed once, and that is all.
    assert sorted(failed) == sorted([
        ("new_case", "trinn8@nordby.example"),
        ("new_case", "rektor@nordby.example"),
        ("new_case", "rektor@nordby.example"),
        ("new_case", "skoleeier@kommune.example"),
    ])
    assert all(r.status != "pending" for r in rows(services))

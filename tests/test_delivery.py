"""The outbox worker with a scripted sender: retries, Retry-After, permanent failures."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select, text

from bot.delivery import PermanentFailure, RetryLater, Worker
from bot.slack.directory import SlackDirectory
from bot.slack.sender import SlackSender
from handlers.clock import FixedClock
from handlers.delivery import Pending
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.models import Outbox
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import PEOPLE, TOKEN

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
    assert sorted(failed) == sorted(
        [
            ("new_case", "trinn8@nordby.example"),
            ("new_case", "rektor@nordby.example"),
            ("new_case", "rektor@nordby.example"),
            ("new_case", "skoleeier@kommune.example"),
        ]
    )
    assert all(r.status != "pending" for r in rows(services))


def slack_worker(services: Services, fake: FakeSlack, **kwargs: Any) -> Worker:
    client = WebClient(token=TOKEN, base_url=fake.url)
    return Worker(services, SlackSender(client, SlackDirectory(services, client)), **kwargs)


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("30", 30.0),
        ("0", 1.0),  # clamped up to 1 s
        ("100000", 900.0),  # clamped down to 15 min
        ("1e999", 2.0),  # infinite: garbage, so the worker's own backoff (2 s on attempt 1)
        ("abc", 2.0),
        ("-5", 2.0),
        ("nan", 2.0),
        ("", 2.0),  # 429 without Retry-After
    ],
)
def test_retry_after_is_clamped_and_garbage_means_the_default(
    services: Services, clock: FixedClock, header: str, wait: float
) -> None:
    with FakeSlack(token=TOKEN) as fake:
        for email, user in PEOPLE.items():
            fake.add_user(user, email)
        fake.fail(
            "chat.postMessage",
            status=429,
            retry_after=header,
            channel=fake.dm_channel(PEOPLE[TEACHER]),
        )
        file_report(services, ReportForm(pupils="X", what="Y"), TEACHER)
        worker = slack_worker(services, fake, base_backoff=2)
        assert worker.run_once() == 3
        [receipt] = [r for r in rows(services) if r.recipient == TEACHER]
        assert receipt.status == "pending" and receipt.last_error == "ratelimited"
        assert (receipt.next_attempt_at - clock.now()).total_seconds() == wait
        clock.advance(seconds=wait)
        assert worker.run_once() == 1
        assert {r.status for r in rows(services)} == {"sent"}


def test_a_failing_round_is_logged_without_text_and_delivery_goes_on(
    services: Services, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A database error in a round (here: the outbox table gone for a moment) does not end
    the loop: it is logged by type and place, and delivery resumes when the database does."""
    sender = ScriptedSender()
    worker = Worker(services, sender)
    stop = threading.Event()
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE outbox RENAME TO outbox_away"))
    caplog.set_level(logging.INFO, logger="meldefra.delivery")
    thread = threading.Thread(target=worker.run_forever, args=(stop,), kwargs={"idle": 0.1})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while sum("round failed" in r.getMessage() for r in caplog.records) < 2:
            assert time.monotonic() < deadline, "the failing rounds were not logged"
            time.sleep(0.05)
        assert thread.is_alive()
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE outbox_away RENAME TO outbox"))
        file_report(services, ReportForm(pupils="Kari Nordmann", what="Kari ble dyttet"), TEACHER)
        worker.wake.set()
        while len(sender.sent) < 3:
            assert time.monotonic() < deadline + 10, "delivery did not resume"
            time.sleep(0.05)
    finally:
        stop.set()
        worker.wake.set()
        thread.join(timeout=10)
    failures = [r.getMessage() for r in caplog.records if "round failed" in r.getMessage()]
    assert failures[0].startswith("outbox worker round failed (")
    assert "next try in 1s" in failures[0] and "next try in 2s" in failures[1]  # backing off
    for record in caplog.records:
        text_logged = record.getMessage() + (record.exc_text or "")
        assert "Kari" not in text_logged and "dyttet" not in text_logged
        assert "outbox_away" not in text_logged  # no SQL (nor its data) in the log

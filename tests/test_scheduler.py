"""The scheduler against a controlled clock: on time across DST, caught up the same day only,
once with two schedulers at once, and sent once after a crash between claim and send."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.delivery import Worker
from bot.scheduler import Scheduler
from handlers import delivery
from handlers.clock import FixedClock
from handlers.delivery import Pending
from handlers.followup import RoundResult
from handlers.services import Services
from store import trail
from store.db import session_factory
from store.models import Event, Outbox

from .followup_helpers import LEADER, REKTOR, TEACHER, TEACHER_2, TEACHER_9, oslo, queued, report


def kinds_run(results: list[RoundResult]) -> list[tuple[str, str, str]]:
    return sorted((r.school_id, r.kind, r.status) for r in results)


BOTH_MORNINGS = [("fjellvik", "reminders", "ran"), ("nordby", "reminders", "ran")]


def test_the_morning_round_fires_at_eight_local_time_across_daylight_saving(
    services: Services, clock: FixedClock
) -> None:
    report(services, clock, datetime(2026, 3, 26, 10, 0, tzinfo=UTC), TEACHER)
    report(services, clock, datetime(2026, 10, 22, 10, 0, tzinfo=UTC), TEACHER_2)
    scheduler = Scheduler(services)
    # Both are Mondays of Nordby's fortnightly R-team digest at 08:00, too.
    monday = sorted([*BOTH_MORNINGS, ("nordby", "digest", "ran")])
    # Monday 30 March 2026, the first school day of summer time: 08:00 CEST is 06:00 UTC.
    clock.set(datetime(2026, 3, 30, 5, 59, tzinfo=UTC))
    assert scheduler.tick() == []
    clock.set(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))
    assert kinds_run(scheduler.tick()) == monday
    # Monday 26 October 2026, back on CET: 08:00 is 07:00 UTC.
    clock.set(datetime(2026, 10, 26, 6, 59, tzinfo=UTC))
    assert scheduler.tick() == []
    clock.set(datetime(2026, 10, 26, 7, 0, tzinfo=UTC))
    assert kinds_run(scheduler.tick()) == monday
    assert {json.loads(r.data)["date"] for r in queued(services)} == {"2026-03-30", "2026-10-26"}


def test_a_missed_round_is_caught_up_the_same_school_day_only(
    services: Services, clock: FixedClock
) -> None:
    report(services, clock, oslo(2026, 11, 24, 9))
    # The bot was down on Wednesday morning and starts at 14:00: the round runs now.
    clock.set(oslo(2026, 11, 25, 14))
    late = Scheduler(services)
    assert kinds_run(late.tick()) == BOTH_MORNINGS
    assert late.tick() == []  # seen through: no second attempt, not even a query
    # Down all Thursday, up on Friday before eight: Thursday's round is not sent on Friday.
    clock.set(oslo(2026, 11, 27, 7, 30))
    assert Scheduler(services).tick() == []
    assert {json.loads(r.data)["date"] for r in queued(services)} == {"2026-11-25"}
    # A fresh process later the same day finds the round done in the database.
    clock.set(oslo(2026, 11, 25, 15))
    assert kinds_run(Scheduler(services).tick()) == [
        ("fjellvik", "reminders", "already"),
        ("nordby", "reminders", "already"),
    ]


def test_the_digest_is_caught_up_the_same_day_only(services: Services, clock: FixedClock) -> None:
    # Nordby's R-team: every 2 weeks, Monday 08:00; 23 November 2026 is one of its Mondays.
    clock.set(oslo(2026, 11, 23, 11))
    assert ("nordby", "digest", "ran") in kinds_run(Scheduler(services).tick())
    clock.set(oslo(2026, 12, 7, 7, 59))
    assert Scheduler(services).tick() == []
    clock.set(oslo(2026, 12, 8, 9))  # the bot was down all Monday 7 December
    assert ("nordby", "digest", "ran") not in kinds_run(Scheduler(services).tick())
    assert {json.loads(r.data)["date"] for r in queued(services, "digest")} == {"2026-11-23"}


def test_two_schedulers_at_once_send_every_message_once(
    services: Services, clock: FixedClock
) -> None:
    for i, teacher in enumerate([TEACHER, TEACHER_2, TEACHER_9] * 4):
        report(services, clock, oslo(2026, 11, 19, 9, i), teacher)
    report(services, clock, oslo(2026, 11, 20, 9), "kontaktlaerar1@fjellvik.example")
    # Monday 23 November 08:00: Nordby's reminders and its R-team digest are both due.
    clock.set(oslo(2026, 11, 23, 8))
    engine = services.sessions.kw["bind"]
    barrier = threading.Barrier(2)
    results: list[list] = []  # type: ignore[type-arg]
    errors: list[BaseException] = []

    def replica() -> None:
        # Its own session factory and pool, as another process would have.
        mine = Services(org=services.org, sessions=session_factory(engine), clock=clock)
        scheduler = Scheduler(mine)
        barrier.wait()
        try:
            results.append(scheduler.tick())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    statuses = Counter((r.school_id, r.kind, r.status) for batch in results for r in batch)
    for school, kind in [("nordby", "reminders"), ("nordby", "digest"), ("fjellvik", "reminders")]:
        assert statuses[(school, kind, "ran")] == 1, statuses
        assert statuses[(school, kind, "already")] == 1, statuses
    with services.uow() as s:
        rows = list(s.scalars(select(Outbox).where(Outbox.kind.in_(["reminder", "digest"]))))
        keys = [r.dedupe_key for r in rows]
        escalations = Counter(
            e.case_id for e in s.scalars(select(Event).where(Event.type == "escalated"))
        )
        assert trail.verify_all(s)[2] == []
    assert len(keys) == len(set(keys))
    assert {r.recipient for r in rows if r.kind == "reminder"} == {
        LEADER,
        "trinn9@nordby.example",
        REKTOR,
        "rektor@fjellvik.example",
    }
    assert len(escalations) == 12 and set(escalations.values()) == {1}


class CountingSender:
    platform = "test"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None]] = []

    def deliver(self, item: Pending) -> str | None:
        self.sent.append((item.kind, item.recipient))
        return None


def test_a_crash_between_claim_and_send_is_sent_once_after_restart(
    services: Services, clock: FixedClock
) -> None:
    report(services, clock, oslo(2026, 11, 24, 9))
    clock.set(oslo(2026, 11, 25, 8))
    Worker(services, CountingSender()).run_once()  # the report's own notices are out of the way
    Scheduler(services).tick()
    # A worker claims the reminder and dies before sending it.
    # Leases run on the database's clock (store/outbox.py: db_now), not the injected one: a
    # short lease, and real time passes.
    claimed = delivery.claim(services, lease=timedelta(seconds=1))
    assert [(p.kind, p.recipient) for p in claimed] == [("reminder", LEADER)]
    sender = CountingSender()
    restarted = Worker(services, sender)
    assert restarted.run_once() == 0  # the dead worker's lease still holds
    time.sleep(1.2)  # the lease runs out
    assert restarted.run_once() == 1
    clock.advance(minutes=3)
    assert restarted.run_once() == 0
    # A restarted scheduler finds the rounds done and queues nothing new.
    assert {r.status for r in Scheduler(services).tick()} == {"already"}
    assert restarted.run_once() == 0
    with services.uow() as s:
        assert all(r.status == "sent" for r in s.scalars(select(Outbox)))
    assert sender.sent == [("reminder", LEADER)]

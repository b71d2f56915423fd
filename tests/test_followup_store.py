"""The store pieces a follow-up round relies on, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.scheduler import Scheduler
from handlers.clock import FixedClock
from handlers.org import Org
from handlers.services import Services
from store import outbox, rounds, trail
from store.db import session_factory, transaction

from .followup_helpers import oslo, report
from .test_store import new_case

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def test_append_many_continues_every_chain(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        first, second = new_case(s, "1"), new_case(s, "2")
        trail.append(s, first, "reported", "a@b.example", T0, {})
    with transaction(factory) as s:
        first, second = s.merge(first), s.merge(second)
        trail.append_many(
            s,
            [
                (first, "notified", "system", T0, {"n": 1}),
                (second, "escalated", "system", T0, {"to": ["r@b.example"]}),
                (first, "notified", "system", T0, {"n": 2}),
            ],
        )
        trail.append(s, first, "acknowledged", "l@b.example", T0 + timedelta(minutes=1))
    with transaction(factory) as s:
        cases, events, breaks = trail.verify_all(s)
        assert (cases, events, breaks) == (2, 5, [])
        assert [e.type for e in trail.events_of(s, first.id)] == [
            "reported",
            "notified",
            "notified",
            "acknowledged",
        ]


def test_enqueue_many_and_claims_skip_what_exists(engine: Engine) -> None:
    factory = session_factory(engine)
    note = {"kind": "reminder", "lang": "nb", "at": T0, "data": {}, "recipient": "l@b.example"}
    with transaction(factory) as s:
        added = outbox.enqueue_many(s, [{**note, "dedupe_key": "a"}, {**note, "dedupe_key": "b"}])
        assert sorted(added) == ["a", "b"]
        again = outbox.enqueue_many(s, [{**note, "dedupe_key": "b"}, {**note, "dedupe_key": "c"}])
        assert list(again) == ["c"]
        assert rounds.claim(s, kind="reminders", periods={"x": "2026-11-25"}, at=T0) == {"x"}
        periods = {"x": "2026-11-25", "y": "2026-11-25"}
        assert rounds.claim(s, kind="reminders", periods=periods, at=T0) == {"y"}
        assert rounds.already_run(s, kind="reminders", periods={"x": "2026-11-26"}) == set()
    with pytest.raises(ValueError), transaction(factory) as s:
        outbox.enqueue_many(s, [{**note, "recipient": None, "dedupe_key": "d"}])


def test_one_broken_school_does_not_hold_up_the_others(
    services: Services, org: Org, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    # A typo in org.yml closes Fjellvik for ten years up to today: no school day to count back.
    fjellvik = dataclasses.replace(
        org.school("fjellvik"), closed_days=((date(2016, 11, 1), date(2026, 11, 24)),)
    )
    services.org = dataclasses.replace(org, schools=(org.schools[0], fjellvik))
    report(services, clock, oslo(2026, 11, 24, 9))
    clock.set(oslo(2026, 11, 25, 8))
    scheduler = Scheduler(services)
    with caplog.at_level(logging.ERROR, logger="meldefra.scheduler"):
        results = scheduler.tick()
    # (Fjellvik's first school day of November is today: its monthly report goes out too.)
    reminders = [r for r in results if r.kind == "reminders"]
    assert [(r.school_id, r.kind, r.status) for r in reminders] == [("nordby", "reminders", "ran")]
    assert "reminders round for fjellvik failed" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="meldefra.scheduler"):
        assert scheduler.tick() == []  # Nordby is seen through; Fjellvik is tried again
    assert "reminders round for fjellvik failed" in caplog.text

"""The morning round: who is reminded of what, when, once; on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from handlers import followup, plan, review
from handlers.clock import FixedClock
from handlers.followup import ALREADY, DRY_RUN, NOT_DUE, RAN, run_reminders
from handlers.org import Org
from handlers.services import Services
from store import trail
from store.models import Case

from .followup_helpers import (
    LEADER,
    LEADER_9,
    OWNER,
    PUPILS,
    RADGIVER,
    REKTOR,
    TEACHER,
    TEACHER_2,
    TEACHER_9,
    WHAT,
    counts,
    dms,
    events_of_type,
    oslo,
    queued,
    report,
)


def round_at(services: Services, clock: FixedClock, at: datetime) -> followup.RoundResult:
    clock.set(at)
    return run_reminders(services, ["nordby"])[0]


def test_not_acknowledged_reminds_the_leader_then_escalates_to_rektor_once(
    services: Services, clock: FixedClock
) -> None:
    ref = report(services, clock, oslo(2026, 11, 25, 10, 30))  # Wednesday
    assert round_at(services, clock, oslo(2026, 11, 25, 11)).notices == ()  # same day: not yet

    thursday = round_at(services, clock, oslo(2026, 11, 26))
    assert thursday.status == RAN and thursday.escalated == ()
    assert dms(services, "2026-11-26") == {LEADER: [(ref, "acknowledge")]}

    friday = round_at(services, clock, oslo(2026, 11, 27))
    assert friday.escalated == (ref,)
    assert dms(services, "2026-11-27") == {
        LEADER: [(ref, "acknowledge")],
        REKTOR: [(ref, "escalated")],
    }
    [escalated] = events_of_type(services, ref, "escalated")
    assert escalated["to"] == [REKTOR] and escalated["school_days"] == 2

    # Still not acknowledged on Monday: both are told again, but it is escalated only once.
    monday = round_at(services, clock, oslo(2026, 11, 30))
    assert monday.escalated == ()
    assert dms(services, "2026-11-30") == {
        LEADER: [(ref, "acknowledge")],
        REKTOR: [(ref, "escalated")],
    }
    assert len(events_of_type(services, ref, "escalated")) == 1

    clock.set(oslo(2026, 11, 30, 9))
    review.acknowledge(services, ref, LEADER)
    assert round_at(services, clock, oslo(2026, 12, 1)).notices == ()
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None and trail.verify_case(s, case) == []


def test_one_dm_per_person_bundling_all_their_items(services: Services, clock: FixedClock) -> None:
    first = report(services, clock, oslo(2026, 11, 24, 9), TEACHER)
    second = report(services, clock, oslo(2026, 11, 24, 13), TEACHER_2, urgent=True)
    ninth = report(services, clock, oslo(2026, 11, 25, 9), TEACHER_9)
    result = round_at(services, clock, oslo(2026, 11, 26))
    # Urgent first; the escalated case goes to rektor, who is not also asked to acknowledge it.
    assert dms(services, "2026-11-26") == {
        LEADER: [(second, "acknowledge"), (first, "acknowledge")],
        LEADER_9: [(ninth, "acknowledge")],
        REKTOR: [(second, "escalated"), (first, "escalated")],
    }
    assert len(result.notices) == 3
    # Each case's trail records the reminder that covered it.
    notified = events_of_type(services, first, "notified")
    assert sorted(n["recipient"] for n in notified if n["kind"] == "reminder") == [REKTOR, LEADER]


def test_nothing_is_sent_when_nothing_is_due(services: Services, clock: FixedClock) -> None:
    ref = report(services, clock, oslo(2026, 11, 24, 9))
    clock.set(oslo(2026, 11, 24, 10))
    review.acknowledge(services, ref, LEADER)
    result = round_at(services, clock, oslo(2026, 11, 26))
    assert result.status == RAN and result.notices == () and queued(services) == []


def test_the_reporter_is_never_reminded(services: Services, clock: FixedClock) -> None:
    # Rektor's own report goes to rektor (no unit); a unit leader's own report goes to rektor.
    own = report(services, clock, oslo(2026, 11, 23, 9), REKTOR)
    leaders = report(services, clock, oslo(2026, 11, 23, 9), LEADER)
    round_at(services, clock, oslo(2026, 11, 24))
    round_at(services, clock, oslo(2026, 11, 25))
    assert dms(services, "2026-11-24") == {REKTOR: [(leaders, "acknowledge")]}
    # Escalating rektor's own report goes up to skoleeier; so does the case rektor holds and
    # has not acted on (never "to rektor again"), while rektor is still asked to acknowledge.
    assert dms(services, "2026-11-25") == {
        REKTOR: [(leaders, "acknowledge")],
        OWNER: [(own, "escalated"), (leaders, "escalated")],
    }
    assert events_of_type(services, own, "escalated")[0]["to"] == [OWNER]
    assert events_of_type(services, leaders, "escalated")[0]["to"] == [OWNER]
    reporters = {REKTOR: own, LEADER: leaders}
    for row in queued(services):
        refs = {i["ref"] for i in json.loads(row.data)["items"]}
        assert reporters.get(row.recipient or "") not in refs


def test_a_12_5_case_is_left_to_the_hourly_clock_not_the_morning_round(
    services: Services, clock: FixedClock
) -> None:
    # § 12-5 by the hour: tests/test_duty_clock.py. The morning round neither reminds nor
    # escalates it a second time, in school days.
    ref = report(
        services,
        clock,
        oslo(2026, 11, 23, 9),
        TEACHER,
        categories=("ansatt_krenket_elev",),
        accused=LEADER_9,
    )
    round_at(services, clock, oslo(2026, 11, 24))
    round_at(services, clock, oslo(2026, 11, 25))
    assert dms(services, "2026-11-24") == {} and dms(services, "2026-11-25") == {}
    assert events_of_type(services, ref, "escalated") == []


def test_investigation_without_aktivitetsplan_reminds_the_leader(
    services: Services, clock: FixedClock
) -> None:
    ref = report(services, clock, oslo(2026, 11, 23, 9))  # Monday
    clock.set(oslo(2026, 11, 23, 12))
    review.start_investigation(services, ref, LEADER)
    for day in (24, 25, 26, 27):
        assert round_at(services, clock, oslo(2026, 11, day)).notices == ()
    round_at(services, clock, oslo(2026, 11, 30))  # five school days have ended
    assert dms(services, "2026-11-30") == {LEADER: [(ref, "plan")]}


def test_aktivitetsplan_dates_remind_the_responsible_person_and_the_leader(
    services: Services, clock: FixedClock
) -> None:
    ref = report(services, clock, oslo(2026, 11, 23, 9))
    clock.set(oslo(2026, 11, 23, 12))
    plan.create_plan(
        services,
        ref,
        LEADER,
        plan.PlanForm(
            problem="Holdes utenfor",
            pupils="Ola",
            pupil_voice="«Ingen vil være med meg.»",
            tiltak=[
                plan.TiltakForm("Voksen i storefri", "kontaktlærer", "onsdag 25. november"),
                plan.TiltakForm("Samtale med foresatte", RADGIVER, "torsdag 26. november"),
            ],
            evaluate_when="fredag 4. desember",
        ),
    )
    for day in (24, 25, 26):
        round_at(services, clock, oslo(2026, 11, day))
    assert dms(services, "2026-11-24") == {}
    assert dms(services, "2026-11-25") == {LEADER: [(ref, "tiltak")]}
    # Overdue stays due until the plan says it was carried out; the responsible person too.
    assert dms(services, "2026-11-26") == {
        LEADER: [(ref, "tiltak"), (ref, "tiltak")],
        RADGIVER: [(ref, "tiltak")],
    }
    clock.set(oslo(2026, 11, 26, 15))
    plan.complete_tiltak(services, ref, LEADER, 1)
    plan.complete_tiltak(services, ref, LEADER, 2)
    assert round_at(services, clock, oslo(2026, 11, 27)).notices == ()
    # The evaluation date reminds the leader on its day.
    round_at(services, clock, oslo(2026, 12, 4))
    assert dms(services, "2026-12-04") == {LEADER: [(ref, "evaluation")]}


@pytest.mark.parametrize(
    ("filed", "rounds"),
    [
        # Friday afternoon: the weekend has no rounds; Monday reminds, Tuesday escalates.
        (
            oslo(2026, 11, 27, 15),
            [
                (oslo(2026, 11, 28), None),
                (oslo(2026, 11, 29), None),
                (oslo(2026, 11, 30), "acknowledge"),
                (oslo(2026, 12, 1), "escalated"),
            ],
        ),
        # Kristi himmelfartsdag (Thursday 6 May 2027) is no school day.
        (
            oslo(2027, 5, 5, 10),
            [
                (oslo(2027, 5, 6), None),
                (oslo(2027, 5, 7), "acknowledge"),
                (oslo(2027, 5, 10), "escalated"),
            ],
        ),
        # 17. mai 2027 is a Monday.
        (
            oslo(2027, 5, 14, 10),
            [
                (oslo(2027, 5, 17), None),
                (oslo(2027, 5, 18), "acknowledge"),
                (oslo(2027, 5, 19), "escalated"),
            ],
        ),
        # Filed on a Saturday: it arrives on Monday, and is reminded on Tuesday.
        (
            oslo(2026, 11, 28, 12),
            [(oslo(2026, 11, 30), "none"), (oslo(2026, 12, 1), "acknowledge")],
        ),
    ],
)
def test_weekends_and_public_holidays_do_not_count(
    services: Services,
    clock: FixedClock,
    filed: datetime,
    rounds: list[tuple[datetime, str | None]],
) -> None:
    ref = report(services, clock, filed)
    for at, expected in rounds:
        result = round_at(services, clock, at)
        if expected is None:
            assert result.status == NOT_DUE
            continue
        assert result.status == RAN
        mine = dict(dms(services, at.date().isoformat())).get(
            REKTOR if expected == "escalated" else LEADER, []
        )
        assert mine == ([] if expected == "none" else [(ref, expected)])


def test_the_schools_autumn_break_does_not_count(
    services: Services, org: Org, clock: FixedClock
) -> None:
    nordby = dataclasses.replace(
        org.school("nordby"), closed_days=((date(2026, 10, 5), date(2026, 10, 9)),)
    )
    services.org = dataclasses.replace(org, schools=(nordby, *org.schools[1:]))
    ref = report(services, clock, oslo(2026, 10, 2, 10))  # the Friday before the break
    for day in (5, 6, 7, 8, 9):
        assert round_at(services, clock, oslo(2026, 10, day)).status == NOT_DUE
    round_at(services, clock, oslo(2026, 10, 12))
    round_at(services, clock, oslo(2026, 10, 13))
    assert dms(services, "2026-10-12") == {LEADER: [(ref, "acknowledge")]}
    assert dms(services, "2026-10-13")[REKTOR] == [(ref, "escalated")]


def test_a_school_policy_can_wait_longer_before_escalating(
    services: Services, org: Org, clock: FixedClock
) -> None:
    nordby = org.school("nordby")
    patient = dataclasses.replace(
        nordby, policy=dataclasses.replace(nordby.policy, escalate_after_school_days=3)
    )
    services.org = dataclasses.replace(org, schools=(patient, *org.schools[1:]))
    ref = report(services, clock, oslo(2026, 11, 23, 9))
    for day in (24, 25, 26):
        assert round_at(services, clock, oslo(2026, 11, day)).escalated == ()
    assert round_at(services, clock, oslo(2026, 11, 27)).escalated == (ref,)


def test_a_round_runs_once_and_a_dry_run_writes_nothing(
    services: Services, clock: FixedClock
) -> None:
    ref = report(services, clock, oslo(2026, 11, 24, 9))
    before = counts(services)
    clock.set(oslo(2026, 11, 26))
    dry = run_reminders(services, ["nordby"], dry_run=True)[0]
    assert dry.status == DRY_RUN and counts(services) == before
    assert [n.recipient for n in dry.notices] == [REKTOR, LEADER]
    assert all(
        PUPILS not in json.dumps(n.data) and WHAT not in json.dumps(n.data) for n in dry.notices
    )

    ran = run_reminders(services, ["nordby"])[0]
    assert ran.status == RAN and [n.data for n in ran.notices] == [n.data for n in dry.notices]
    after = counts(services)
    assert run_reminders(services, ["nordby"])[0].status == ALREADY
    assert run_reminders(services, ["nordby"], dry_run=True)[0].status == ALREADY
    assert counts(services) == after
    assert dms(services, "2026-11-26")[LEADER] == [(ref, "acknowledge")]


def test_a_round_that_dies_midway_leaves_nothing_and_runs_again(
    services: Services, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    report(services, clock, oslo(2026, 11, 24, 9), TEACHER)
    report(services, clock, oslo(2026, 11, 24, 9), TEACHER_9)
    before = counts(services)
    real_emit_many = followup.notices.emit_many

    def dies_after_queueing(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_emit_many(*args, **kwargs)  # the DMs, their events, the escalations are written
        raise RuntimeError("the process was killed")

    monkeypatch.setattr(followup.notices, "emit_many", dies_after_queueing)
    clock.set(oslo(2026, 11, 26))
    with pytest.raises(RuntimeError):
        run_reminders(services, ["nordby"])
    assert counts(services) == before  # not the round's claim, no DM, no escalation
    monkeypatch.undo()
    assert run_reminders(services, ["nordby"])[0].status == RAN
    assert sorted(dms(services, "2026-11-26")) == sorted([LEADER, LEADER_9, REKTOR])

"""§ 12-5 by the hour: an unacknowledged case is reminded every `policy.urgent_reminder_hours`
working hours (the school's `day:` hours on school days), skoleeier is brought in when rektor
holds it and does not act, and skoleeier's own clock runs in a leadership case. On SQLite and
PostgreSQL, with the FixedClock."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import threading
from datetime import UTC, datetime, time

from sqlalchemy import select

from bot import text
from bot.scheduler import Scheduler
from handlers import followup, review
from handlers.calendar import SchoolCalendar
from handlers.clock import FixedClock
from handlers.export import export_case
from handlers.org import parse_org
from handlers.services import Services
from store import trail
from store.db import session_factory
from store.models import Case, CaseAccess

from .conftest import SAMPLE_ORG
from .followup_helpers import (
    LEADER,
    LEADER_9,
    OWNER,
    PUPILS,
    REKTOR,
    TEACHER,
    TEACHER_2,
    WHAT,
    counts,
    events_of_type,
    oslo,
    queued,
    report,
)

EMPLOYEE = ("ansatt_krenket_elev",)
# Nordby's day (bot/sample_org.yml): 08:15–14:30. Sunday 22 November 2026, 20:00.
SUNDAY_EVENING = oslo(2026, 11, 22, 20)


def urgent(services: Services) -> list[tuple[str, str, int]]:
    """(recipient, holder|owner, hours) of every § 12-5 reminder queued, in order."""
    return [
        (row.recipient or "", json.loads(row.data)["to"], json.loads(row.data)["hours"])
        for row in queued(services, "urgent_reminder")
    ]


def run_at(services: Services, clock: FixedClock, at: datetime) -> followup.RoundResult:
    clock.set(at)
    [result] = followup.run_urgent(services, ["nordby"])
    return result


def employee_case(services: Services, clock: FixedClock, accused: str = TEACHER_2) -> str:
    return report(services, clock, SUNDAY_EVENING, TEACHER, categories=EMPLOYEE, accused=accused)


def test_working_hours_count_only_the_school_day() -> None:
    calendar = SchoolCalendar.of(parse_org(SAMPLE_ORG.read_text()).school("nordby"))
    assert (calendar.opens, calendar.closes) == (time(8, 15), time(14, 30))
    # Sunday evening to Monday 10:15: two hours, all of them Monday's.
    assert calendar.working_seconds(SUNDAY_EVENING, oslo(2026, 11, 23, 10, 15)) == 2 * 3600
    assert calendar.after_working_hours(SUNDAY_EVENING, 2) == oslo(2026, 11, 23, 10, 15)
    # Friday 14:00 → Monday 09:15: half an hour on Friday, an hour on Monday.
    friday = oslo(2026, 11, 20, 14)
    assert calendar.working_seconds(friday, oslo(2026, 11, 23, 9, 15)) == 1.5 * 3600
    assert calendar.after_working_hours(friday, 1.5) == oslo(2026, 11, 23, 9, 15)
    # Before Christmas (closed 21.12–1.1): Friday 18 December 14:00 + 2 h is 4 January.
    december = oslo(2026, 12, 18, 14)
    assert calendar.after_working_hours(december, 2) == oslo(2027, 1, 4, 9, 45)
    assert calendar.working_seconds(december, oslo(2027, 1, 4, 9, 45)) == 2 * 3600
    # Whole days in between count as the school's day, the same both ways.
    week = calendar.working_seconds(oslo(2026, 11, 23, 8, 15), oslo(2026, 11, 30, 8, 15))
    assert week == 5 * 6.25 * 3600


def test_a_case_filed_on_sunday_evening_is_reminded_two_working_hours_into_monday(
    services: Services, clock: FixedClock
) -> None:
    ref = employee_case(services, clock)
    # Not on Sunday night, not at Monday's start, not a minute early.
    for at in (oslo(2026, 11, 22, 23), oslo(2026, 11, 23, 8, 15), oslo(2026, 11, 23, 10, 14)):
        assert run_at(services, clock, at).notices == ()
    result = run_at(services, clock, oslo(2026, 11, 23, 10, 15))
    assert result.status == followup.RAN and result.escalated == ()
    assert urgent(services) == [(REKTOR, "holder", 2)]
    # Once: the same step again (another tick, another replica) queues nothing.
    assert run_at(services, clock, oslo(2026, 11, 23, 10, 40)).notices == ()
    assert urgent(services) == [(REKTOR, "holder", 2)]
    assert events_of_type(services, ref, "escalated") == []


def test_rektor_who_does_not_act_is_escalated_to_skoleeier_never_to_rektor_again(
    services: Services, clock: FixedClock
) -> None:
    ref = employee_case(services, clock)
    run_at(services, clock, oslo(2026, 11, 23, 10, 15))
    result = run_at(services, clock, oslo(2026, 11, 23, 12, 15))
    assert result.escalated == (ref,)
    assert urgent(services) == [
        (REKTOR, "holder", 2),
        (REKTOR, "holder", 4),
        (OWNER, "owner", 4),
    ]
    [escalated] = events_of_type(services, ref, "escalated")
    assert escalated["to"] == [OWNER] and escalated["working_hours"] == 4
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None
        roles = set(s.execute(select(CaseAccess.email, CaseAccess.role).where(
            CaseAccess.case_id == case.id
        )))  # fmt: skip
    assert (OWNER, "owner") in roles
    # The next step reminds both; the escalation is not written twice. Monday has 6¼ hours:
    # the sixth hour is 14:15, the eighth Tuesday 10:00.
    run_at(services, clock, oslo(2026, 11, 23, 14, 15))
    assert run_at(services, clock, oslo(2026, 11, 24, 9, 59)).notices == ()
    run_at(services, clock, oslo(2026, 11, 24, 10))
    assert [u for u in urgent(services) if u[2] >= 6] == [
        (REKTOR, "holder", 6),
        (OWNER, "owner", 6),
        (REKTOR, "holder", 8),
        (OWNER, "owner", 8),
    ]
    assert len(events_of_type(services, ref, "escalated")) == 1
    # Nobody is ever told who do not hold it: not the accused, not the reporter.
    assert {u[0] for u in urgent(services)} == {REKTOR, OWNER}
    # Acknowledged: the clock stops.
    review.acknowledge(services, ref, REKTOR)
    assert run_at(services, clock, oslo(2026, 11, 24, 14, 30)).notices == ()


def test_a_leadership_case_runs_skoleeiers_own_clock(services: Services, clock: FixedClock) -> None:
    ref = employee_case(services, clock, accused=LEADER_9)
    run_at(services, clock, oslo(2026, 11, 23, 10, 15))
    result = run_at(services, clock, oslo(2026, 11, 23, 12, 15))
    assert result.escalated == ()
    assert urgent(services) == [(OWNER, "holder", 2), (OWNER, "holder", 4)]
    assert events_of_type(services, ref, "escalated") == []
    everyone = {row.recipient for row in queued(services, "urgent_reminder")}
    assert not everyone & {REKTOR, LEADER, LEADER_9, TEACHER}
    # Skoleeier brings rektor in: rektor is reminded too, skoleeier's clock keeps running.
    review.forward(services, ref, OWNER, REKTOR, confirmed=True)
    run_at(services, clock, oslo(2026, 11, 23, 14, 15))
    assert urgent(services)[2:] == [(OWNER, "holder", 6), (REKTOR, "holder", 6)]


def test_a_dry_run_writes_nothing_and_the_hours_are_the_schools_policy(
    services: Services, clock: FixedClock
) -> None:
    employee_case(services, clock)
    school = services.org.school("nordby")
    hourly = dataclasses.replace(
        school, policy=dataclasses.replace(school.policy, urgent_reminder_hours=1)
    )
    org = dataclasses.replace(services.org, schools=(hourly, *services.org.schools[1:]))
    services = dataclasses.replace(services, org=org)
    before = counts(services)
    clock.set(oslo(2026, 11, 23, 9, 15))
    [dry] = followup.run_urgent(services, ["nordby"], dry_run=True)
    assert dry.status == followup.DRY_RUN and [n.recipient for n in dry.notices] == [REKTOR]
    assert counts(services) == before
    assert run_at(services, clock, oslo(2026, 11, 23, 9, 15)).notices != ()
    assert urgent(services) == [(REKTOR, "holder", 1)]


def test_the_reminder_says_hours_and_carries_no_names(
    services: Services, clock: FixedClock
) -> None:
    ref = employee_case(services, clock)
    run_at(services, clock, oslo(2026, 11, 23, 12, 15))
    rows = queued(services, "urgent_reminder")
    owner = next(r for r in rows if r.recipient == OWNER)
    words = text.render(owner.kind, owner.lang, json.loads(owner.data))
    assert f"Sak {ref} (§ 12-5) er ikke bekreftet mottatt av rektor etter 4 arbeidstimer" in words
    assert "hver gang det har gått 2 arbeidstimer" in words
    for row in rows:
        for name in (*PUPILS.split(" og "), WHAT, TEACHER_2):
            assert name not in row.data


def test_the_scheduler_runs_the_clock_inside_the_school_day_only(
    services: Services, clock: FixedClock
) -> None:
    employee_case(services, clock)
    school = services.org.school("nordby")
    assert followup.urgent_due(school, oslo(2026, 11, 22, 22)) is None  # Sunday
    assert followup.urgent_due(school, oslo(2026, 11, 23, 7)) is None  # before the day starts
    assert followup.urgent_due(school, oslo(2026, 11, 23, 10, 17)) == "2026-11-23T10:15"
    scheduler = Scheduler(services)
    clock.set(oslo(2026, 11, 23, 10, 14))
    assert [r for r in scheduler.tick() if r.kind == followup.URGENT] == []
    clock.set(oslo(2026, 11, 23, 10, 15))
    [ran] = [r for r in scheduler.tick() if r.kind == followup.URGENT]
    assert ran.school_id == "nordby" and [n.recipient for n in ran.notices] == [REKTOR]
    clock.set(datetime(2026, 11, 23, 9, 16, tzinfo=UTC))  # 10:16 in Oslo: the same step
    assert [r for r in scheduler.tick() if r.kind == followup.URGENT] == []


def test_org_yml_policy_and_the_municipalitys_team(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    base = SAMPLE_ORG.read_text()
    contacts = "  contacts: [skoleeier@kommune.example]\n"
    org = parse_org(
        base.replace(contacts, contacts + "  team: [Jurist@kommune.example]\n").replace(
            "urgent_reminder_hours: 2", "urgent_reminder_hours: 3"
        )
    )
    assert org.owner.team == ("jurist@kommune.example",)
    assert "jurist@kommune.example" in org.people()
    assert org.school("nordby").policy.urgent_reminder_hours == 3
    assert org.school("fjellvik").policy.urgent_reminder_hours == 2  # the default
    # `meldefra org check` names the line of each mistake.
    path = tmp_path / "org.yml"
    path.write_text(
        base.replace(contacts, contacts + "  team: [jurist]\n").replace(
            "urgent_reminder_hours: 2", "urgent_reminder_hours: 0"
        )
    )
    assert main(["org", "check", str(path)]) == 2
    err = capsys.readouterr().err
    team_line = base.splitlines().index(contacts.rstrip("\n")) + 2
    assert f"{path}:{team_line}: " in err and "jurist" in err
    assert "policy.urgent_reminder_hours må være et helt tall fra 1 til 40" in err


def test_two_replicas_at_once_remind_and_escalate_once(
    services: Services, clock: FixedClock
) -> None:
    refs = [employee_case(services, clock) for _ in range(6)]
    clock.set(oslo(2026, 11, 23, 12, 15))  # the second step: reminders and the escalation
    engine = services.sessions.kw["bind"]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def replica() -> None:
        mine = Services(org=services.org, sessions=session_factory(engine), clock=clock)
        barrier.wait()
        try:
            followup.run_urgent(mine, ["nordby"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    # Whatever one replica skipped (a case the other held) is there once, from the other.
    sent = urgent(services)
    assert sorted(sent) == sorted([(REKTOR, "holder", 4), (OWNER, "owner", 4)] * len(refs))
    for ref in refs:
        assert len(events_of_type(services, ref, "escalated")) == 1
    with services.uow() as s:
        assert trail.verify_all(s)[2] == []


def test_the_case_file_says_hours_and_that_the_forward_was_confirmed(
    services: Services, clock: FixedClock
) -> None:
    ref = employee_case(services, clock)
    run_at(services, clock, oslo(2026, 11, 23, 12, 15))
    review.forward(services, ref, REKTOR, LEADER_9, confirmed=True)
    page = export_case(services, ref, OWNER, fmt="html").content.decode()
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "ikke bekreftet mottatt etter 4 arbeidstimer (skolens rutine) og ble løftet til" in words
    assert "(§ 12-5-sak, bekreftet før den ble sendt)" in words


def test_rektors_own_12_5_report_goes_to_skoleeier_on_the_clock(
    services: Services, clock: FixedClock
) -> None:
    ref = report(services, clock, SUNDAY_EVENING, REKTOR, categories=EMPLOYEE, accused=TEACHER_2)
    run_at(services, clock, oslo(2026, 11, 23, 10, 15))
    run_at(services, clock, oslo(2026, 11, 23, 12, 15))
    # The reporter is never reminded of their own report: skoleeier is, then it is escalated.
    assert urgent(services) == [(OWNER, "holder", 2), (OWNER, "owner", 4)]
    assert [e["to"] for e in events_of_type(services, ref, "escalated")] == [[OWNER]]

"""Follow-up: the morning round that keeps nudging until a case is handled.

On each school morning, per school (policy in org.yml):
- a case not acknowledged by the end of the school day it arrived → its leader is reminded,
  every school morning until it is (not § 12-5: those are followed up by the hour,
  `run_urgent`, at the end of this module);
- still not acknowledged `escalate_after_school_days` school days later → escalated: one
  `escalated` event on the trail, and rektor is told so every morning until it is
  acknowledged (skoleeier instead when rektor holds the case, may not see it, or filed it);
- investigating with no aktivitetsplan after `plan_within_school_days` school days → the
  leader;
- a tiltak or evaluation date of the aktivitetsplan due today or overdue → the person
  responsible and the leader (read from plan_items, which the aktivitetsplan keeps).

One DM per person per school per morning bundles all of it; nobody gets anything when nothing
is due, and the reporter is never reminded. "School day N days back" is counted with
handlers.calendar, so weekends, public holidays and breaks do not count.

Once, whatever happens: a round (one school, or every school whose time has come) is one
transaction that starts by claiming (school, "reminders", date) in followup_rounds; every DM
also has the dedupe key reminder:{email}:{school}:{date}. A second scheduler, a restart or
another replica finds the round claimed and writes nothing; a round that died wrote nothing.

Cost: a handful of statements for the whole round, however many schools: indexed queries for
the cases due (ix_cases_school_status_*), their roles and their deadlines, then one multi-row
insert each for the DMs and the events. Nothing is loaded for a case that is not due.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import access, notices
from handlers.calendar import SchoolCalendar, parse_hhmm
from handlers.org import Org, School
from handlers.review import OPEN_STATES
from handlers.services import Services
from handlers.states import Status
from store import rounds, trail
from store.db import chunked
from store.models import Case, CaseAccess, PlanItem

REMINDERS = "reminders"
URGENT = "urgent"  # § 12-5 by the hour (run_urgent)
URGENT_SECTION = "12-5"

# What is due on a case, most pressing first (the order items are listed in a DM).
ESCALATED = "escalated"  # to rektor/skoleeier: not acknowledged in time
ACKNOWLEDGE = "acknowledge"  # to the leader: not acknowledged yet
PLAN = "plan"  # investigating, no aktivitetsplan yet
TILTAK = "tiltak"  # a tiltak's date (from the aktivitetsplan)
EVALUATION = "evaluation"  # an evaluation's date (from the aktivitetsplan)
FRIST = "frist"  # § 12-6: the statsforvalter's frist for the school (handlers.statsforvalter)
DUE_ORDER = (ESCALATED, ACKNOWLEDGE, PLAN, FRIST, TILTAK, EVALUATION)
DEADLINE_KINDS = (TILTAK, EVALUATION)

# Round outcomes.
RAN = "ran"
ALREADY = "already"  # this school's round for this period ran before (here or elsewhere)
NOT_DUE = "not_due"  # no round at this instant (not a school day, no digest set up)
DRY_RUN = "dry_run"  # computed, nothing written

# Who is reminded: the first of these tiers that has somebody (the nearest leader and anyone a
# case was forwarded to; else rektor, when rektor got it directly; else skoleeier).
TIERS = (("leader", "forwarded"), ("rektor",), ("owner",))
# Buttons an edge shows beside an item (catalog keys action.*).
ACTIONS = {
    ESCALATED: ("acknowledge", "open"),
    ACKNOWLEDGE: ("acknowledge", "open"),
    PLAN: ("open",),
    TILTAK: ("open",),
    EVALUATION: ("open",),
    FRIST: ("open",),
}
# The statsforvalter's frist is reminded from this many school days before it.
FRIST_NOTICE_SCHOOL_DAYS = 3


@dataclass(frozen=True)
class DueItem:
    """One thing due on one case, as a notice may carry it: no pupil names, no free text."""

    ref: str
    due: str  # one of DUE_ORDER
    since: date  # local date the clock started: reported, investigation started, or the date set
    school_days: int  # school days since `since`, up to the round's day
    unit: str | None
    categories: tuple[str, ...]
    urgent: bool
    section: str

    def data(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "due": self.due,
            "since": self.since.isoformat(),
            "school_days": self.school_days,
            "unit": self.unit,
            "categories": list(self.categories),
            "urgent": self.urgent,
            "section": self.section,
            "actions": list(ACTIONS[self.due]),
        }

    def sort_key(self) -> tuple[int, bool, str]:
        return (DUE_ORDER.index(self.due), not self.urgent, self.ref)


@dataclass(frozen=True)
class RoundResult:
    school_id: str
    kind: str  # REMINDERS or digest.DIGEST
    status: str  # RAN | ALREADY | NOT_DUE | DRY_RUN
    period: str | None = None  # the round's local date, YYYY-MM-DD
    notices: tuple[notices.Notice, ...] = ()  # queued (in a dry run: would be queued)
    escalated: tuple[str, ...] = ()  # refs escalated by this round


@dataclass
class Due:
    """The cases of one school with something due on one day, loaded by indexed queries."""

    day: date
    unacknowledged: list[Case] = field(default_factory=list)
    escalate: set[int] = field(default_factory=set)  # ids past the escalation deadline
    plan_missing: list[Case] = field(default_factory=list)
    deadlines: list[tuple[PlanItem, Case]] = field(default_factory=list)

    def cases(self) -> dict[int, Case]:
        found = {c.id: c for c in [*self.unacknowledged, *self.plan_missing]}
        found.update((c.id, c) for _, c in self.deadlines)
        return found


# --- When ------------------------------------------------------------------------------------


def school_day_of(school: School, at: datetime) -> date | None:
    """The local date of `at` when it is a school day at this school, else None."""
    calendar = SchoolCalendar.of(school)
    day = calendar.local_date(at)
    return day if calendar.is_school_day(day) else None


def reminders_due(school: School, at: datetime) -> str | None:
    """The period whose morning round the scheduler should run at `at`, if any.

    On a school day from reminder_time until midnight: a bot that was down at 08:00 catches
    up when it starts, the same school day only.
    """
    day = school_day_of(school, at)
    if day is None:
        return None
    calendar = SchoolCalendar.of(school)
    if at < calendar.local(day, parse_hhmm(school.policy.reminder_time)):
        return None
    return day.isoformat()


def next_round_at(school: School, after: datetime) -> datetime:
    """When the next morning round will run at this school (shown when nothing ran now)."""
    calendar = SchoolCalendar.of(school)
    return calendar.next_school_morning(after, parse_hhmm(school.policy.reminder_time))


# --- What is due -----------------------------------------------------------------------------


def find_due(
    session: Session, work: Sequence[tuple[School, date]], *, lock: bool
) -> dict[str, Due]:
    """Everything due at each school on the morning of its day, by school id.

    "n school days have ended since X" ⇔ X is before the start of the day after the n-th school
    day before the round's day: a report filed on Saturday arrives on Monday, and is reminded
    on Tuesday. Schools that share those moments (one calendar and policy) share a query.
    `lock` takes the case rows (FOR UPDATE on PostgreSQL) for the events the round appends.
    """
    dues = {school.id: Due(day=day) for school, day in work}
    escalate_before: dict[str, datetime] = {}
    groups: dict[tuple[datetime, datetime, date], list[str]] = defaultdict(list)
    for school, day in work:
        calendar = SchoolCalendar.of(school)

        def ended(school_days: int) -> datetime:
            last = calendar.school_day_before(day, school_days)  # noqa: B023 - used at once
            return calendar.start_of(last + timedelta(days=1))  # noqa: B023

        policy = school.policy
        groups[(ended(1), ended(policy.plan_within_school_days), day)].append(school.id)
        escalate_before[school.id] = ended(1 + policy.escalate_after_school_days)

    def cases(*where: Any) -> list[Case]:
        q = select(Case).where(*where).order_by(Case.id)
        return list(session.scalars(q.with_for_update() if lock else q))

    deadlines: list[PlanItem] = []
    for (acknowledge_by, plan_by, day), ids in groups.items():
        in_group = Case.school_id.in_(ids)
        # § 12-5 cases are followed up by the hour instead (run_urgent).
        unacknowledged = (Case.status == Status.NEW, Case.section != URGENT_SECTION)
        for case in cases(in_group, *unacknowledged, Case.created_at < acknowledge_by):
            due = dues[case.school_id]
            due.unacknowledged.append(case)
            if case.created_at < escalate_before[case.school_id]:
                due.escalate.add(case.id)
        for case in cases(
            in_group, Case.status == Status.INVESTIGATING, Case.investigation_at < plan_by
        ):
            dues[case.school_id].plan_missing.append(case)
        deadlines += session.scalars(
            select(PlanItem)
            .where(
                PlanItem.school_id.in_(ids),
                PlanItem.kind.in_(DEADLINE_KINDS),
                PlanItem.done.is_(False),
                PlanItem.due_date <= day,
            )
            .order_by(PlanItem.case_id, PlanItem.due_date, PlanItem.id)
        )
    known: dict[int, Case] = {}
    for due in dues.values():
        known.update(due.cases())
    missing = sorted({d.case_id for d in deadlines} - known.keys())
    for some in chunked(missing):
        known.update((c.id, c) for c in cases(Case.id.in_(some)))
    for deadline in deadlines:
        case = known[deadline.case_id]
        if case.status in OPEN_STATES:
            dues[case.school_id].deadlines.append((deadline, case))
    for item, case in frist_deadlines(session, work):
        dues[case.school_id].deadlines.append((item, case))
    return dues


def frist_deadlines(
    session: Session, work: Sequence[tuple[School, date]]
) -> list[tuple[PlanItem, Case]]:
    """§ 12-6: the statsforvalter's frists not yet met, from FRIST_NOTICE_SCHOOL_DAYS school
    days before each one and every school morning after it, in open and closed cases alike
    (the statsforvalter often has a case the school closed); not in an archived (sperret) one.
    One query per distinct horizon (schools sharing a calendar share it)."""
    by_horizon: dict[date, list[str]] = defaultdict(list)
    for school, day in work:
        by_horizon[_school_days_ahead(SchoolCalendar.of(school), day)].append(school.id)
    found: list[tuple[PlanItem, Case]] = []
    for horizon, ids in by_horizon.items():
        rows = session.execute(
            select(PlanItem, Case)
            .join(Case, Case.id == PlanItem.case_id)
            .where(
                PlanItem.school_id.in_(ids),
                PlanItem.kind == FRIST,
                PlanItem.done.is_(False),
                PlanItem.due_date <= horizon,
                Case.restricted.is_(False),
            )
            .order_by(PlanItem.case_id, PlanItem.id)
        )
        found += [(item, case) for item, case in rows.all()]
    return found


def _school_days_ahead(calendar: SchoolCalendar, day: date) -> date:
    """The FRIST_NOTICE_SCHOOL_DAYS-th school day after `day` (`day` itself when that is 0)."""
    ahead, counted = day, 0
    while counted < FRIST_NOTICE_SCHOOL_DAYS and ahead < day + timedelta(days=366):
        ahead += timedelta(days=1)
        counted += calendar.is_school_day(ahead)
    return ahead


def items_for(calendar: SchoolCalendar, due: Due) -> list[tuple[Case, DueItem]]:
    """Each case's due items (an escalated case is both to acknowledge and escalated)."""

    def item(case: Case, what: str, since: date) -> tuple[Case, DueItem]:
        return case, DueItem(
            ref=case.ref,
            due=what,
            since=since,
            school_days=calendar.school_days_between(since, due.day),
            unit=case.unit,
            categories=tuple(json.loads(case.categories)),
            urgent=case.urgent,
            section=case.section,
        )

    out = []
    for case in due.unacknowledged:
        reported = calendar.local_date(case.created_at)
        out.append(item(case, ACKNOWLEDGE, reported))
        if case.id in due.escalate:
            out.append(item(case, ESCALATED, reported))
    for case in due.plan_missing:
        assert case.investigation_at is not None  # the query asked for it
        out.append(item(case, PLAN, calendar.local_date(case.investigation_at)))
    for deadline, case in due.deadlines:
        out.append(item(case, deadline.kind, deadline.due_date))
    return out


# --- Who -------------------------------------------------------------------------------------


def roles_by_case(session: Session, case_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    """(email, role) per case, in the order the roles were given."""
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for ids in chunked(sorted(set(case_ids))):
        rows = session.execute(
            select(CaseAccess.case_id, CaseAccess.email, CaseAccess.role)
            .where(CaseAccess.case_id.in_(ids))
            .order_by(CaseAccess.id)
        )
        for case_id, email, role in rows:
            out[case_id].append((email, role))
    return out


def leaders_of(case: Case, roles: Sequence[tuple[str, str]]) -> list[str]:
    """Who is reminded about a case: its first tier of handlers, never the reporter."""
    excluded = {email for email, role in roles if role == access.EXCLUDED}
    for tier in TIERS:
        people = [e for e, r in roles if r in tier and e not in excluded]
        if people:
            return [e for e in dict.fromkeys(people) if e != case.reporter]
    return []


def escalation_targets(
    org: Org, school: School, case: Case, roles: Sequence[tuple[str, str]]
) -> list[str]:
    """Rektor; skoleeier when rektor is the one who was reminded (escalating to the holder
    again says nothing new), may not see the case (§ 12-5 leadership) or filed it."""
    excluded = {email for email, role in roles if role == access.EXCLUDED}
    holds = school.principal in leaders_of(case, roles)
    if school.principal not in excluded and school.principal != case.reporter and not holds:
        return [school.principal]
    return owners_of(org, case, roles)


def recipients_of(
    org: Org,
    school: School,
    case: Case,
    item: DueItem,
    roles: Sequence[tuple[str, str]],
    responsible: Sequence[str] = (),
) -> list[str]:
    """Who is told about one due item: the escalation's target, or the people responsible for
    a tiltak or evaluation and the case's leaders; never the reporter or anyone excluded."""
    excluded = {email for email, role in roles if role == access.EXCLUDED}
    if item.due == ESCALATED:
        return escalation_targets(org, school, case, roles)
    doers = [p for p in responsible if p not in excluded and p != case.reporter]
    return list(dict.fromkeys([*doers, *leaders_of(case, roles)]))


# --- The round -------------------------------------------------------------------------------


def run_reminders(
    services: Services,
    school_ids: Iterable[str],
    *,
    at: datetime | None = None,
    dry_run: bool = False,
) -> list[RoundResult]:
    """The morning round of these schools for the school day of `at` (default: now), one
    result per school.

    On demand (`meldefra remind`) it runs whatever the time of day; the scheduler calls it for
    the schools `reminders_due` names. A dry run computes the same DMs and writes nothing.
    """
    org = services.org
    now = services.clock.now()
    schools = [org.school(school_id) for school_id in school_ids]
    days = {school.id: school_day_of(school, at or now) for school in schools}
    results = {s.id: RoundResult(s.id, REMINDERS, NOT_DUE) for s in schools if not days[s.id]}
    periods = {school: day.isoformat() for school, day in days.items() if day}
    if periods:
        with services.uow() as session:
            mine = open_rounds(session, REMINDERS, periods, now, dry_run=dry_run)
            work = [(s, day) for s in schools if s.id in mine and (day := days[s.id])]
            dues = find_due(session, work, lock=not dry_run)
            roles = roles_by_case(session, (c for due in dues.values() for c in due.cases()))
            prepared = {s.id: _prepare(org, s, dues[s.id], roles) for s, _ in work}
            plan = [notice for school_plan, _ in prepared.values() for notice in school_plan]
            escalate = [
                item for _, school_escalate in prepared.values() for item in school_escalate
            ]
            escalated: dict[str, list[str]] = defaultdict(list)
            if dry_run:
                queued = [notice for notice, _ in plan]
            else:
                _escalate(session, org, escalate, now, dues)
                queued = notices.emit_many(session, plan, now)
                for case, _ in escalate:
                    escalated[case.school_id].append(case.ref)
        results.update(round_results(REMINDERS, periods, mine, queued, dry_run, escalated))
    return [results[school.id] for school in schools]


# A round's notices, each with the cases whose trails record it (notices.emit_many).
Plan = list[tuple[notices.Notice, Sequence[Case]]]


def round_results(
    kind: str,
    periods: dict[str, str],
    mine: set[str],
    queued: Iterable[notices.Notice],
    dry_run: bool,
    escalated: dict[str, list[str]] | None = None,
) -> dict[str, RoundResult]:
    """Each school's result: its notices (every round notice's data names its school)."""
    by_school: dict[str, list[notices.Notice]] = defaultdict(list)
    for notice in queued:
        by_school[notice.data["school"]].append(notice)
    ran = DRY_RUN if dry_run else RAN
    return {
        school_id: RoundResult(
            school_id,
            kind,
            ran if school_id in mine else ALREADY,
            period,
            tuple(by_school[school_id]),
            tuple((escalated or {}).get(school_id, ())),
        )
        for school_id, period in periods.items()
    }


def open_rounds(
    session: Session, kind: str, periods: dict[str, str], now: datetime, *, dry_run: bool
) -> set[str]:
    """The schools whose round (school → period) this call runs: claimed now, or in a dry run
    those not run yet (claiming nothing)."""
    if dry_run:
        return periods.keys() - rounds.already_run(session, kind=kind, periods=periods)
    return rounds.claim(session, kind=kind, periods=periods, at=now)


def _prepare(
    org: Org, school: School, due: Due, roles: dict[int, list[tuple[str, str]]]
) -> tuple[Plan, list[tuple[Case, list[tuple[str, str]]]]]:
    """One DM per person with their due items, and the cases to escalate now (with roles)."""
    items = items_for(SchoolCalendar.of(school), due)
    responsible: dict[tuple[int, str, date], list[str]] = defaultdict(list)
    for deadline, _ in due.deadlines:
        if deadline.responsible:
            responsible[(deadline.case_id, deadline.kind, deadline.due_date)].append(
                deadline.responsible
            )
    by_person: dict[str, dict[tuple[str, str, date], tuple[Case, DueItem]]] = defaultdict(dict)
    for case, item in items:
        who = responsible.get((case.id, item.due, item.since), [])
        for person in recipients_of(org, school, case, item, roles[case.id], who):
            by_person[person][(item.ref, item.due, item.since)] = (case, item)
    plan: Plan = []
    for person in sorted(by_person):
        mine = by_person[person]
        # Whoever an escalation goes to is told that, not also asked to acknowledge.
        escalated = {ref for ref, what, _ in mine if what == ESCALATED}
        kept = sorted(
            ((c, i) for c, i in mine.values() if not (i.due == ACKNOWLEDGE and i.ref in escalated)),
            key=lambda ci: ci[1].sort_key(),
        )
        notice = notices.Notice(
            kind=notices.REMINDER,
            lang=org.language_of(person, school),
            recipient=person,
            data={
                "school": school.id,
                "school_name": school.name,
                "date": due.day.isoformat(),
                "items": [item.data() for _, item in kept],
            },
            dedupe_key=f"reminder:{person}:{school.id}:{due.day.isoformat()}",
        )
        plan.append((notice, list({case.id: case for case, _ in kept}.values())))
    escalate = [
        (case, roles[case.id])
        for case in due.unacknowledged
        if case.id in due.escalate and case.escalated_at is None
    ]
    return plan, escalate


def _escalate(
    session: Session,
    org: Org,
    escalate: list[tuple[Case, list[tuple[str, str]]]],
    now: datetime,
    dues: dict[str, Due],
) -> None:
    """The `escalated` events, once per case; the target gets a role so "Åpne" works for them."""
    events = []
    for case, roles in escalate:
        school = org.school(case.school_id)
        calendar = SchoolCalendar.of(school)
        targets = escalation_targets(org, school, case, roles)
        for target in targets:
            role = "rektor" if target == school.principal else "owner"
            if (target, role) not in roles:
                session.add(CaseAccess(case_id=case.id, email=target, role=role, since=now))
        reported = calendar.local_date(case.created_at)
        data = {
            "to": targets,
            "reported_on": reported.isoformat(),
            "school_days": calendar.school_days_between(reported, dues[school.id].day),
            "policy_school_days": school.policy.escalate_after_school_days,
        }
        events.append((case, "escalated", "system", now, data))
        case.escalated_at = now
    trail.append_many(session, events)


# --- § 12-5: skoleeier informed within the hours the school allows ---------------------------

OWNER_NOTICE = "owner_notice"


def owner_notice_due(school: School, at: datetime) -> str | None:
    """Hourly, day and night, at a school that leaves informing skoleeier to rektor (org.yml
    policy.owner_notice: rektor): the clock counts hours, and nights, weekends and holidays
    count, so it is checked every hour, not on school mornings."""
    if school.policy.owner_notice != "rektor":
        return None
    return at.astimezone(school.zone).strftime("%Y-%m-%dT%H")


def run_owner_notices(
    services: Services,
    school_ids: Iterable[str],
    *,
    at: datetime | None = None,
    dry_run: bool = False,
) -> list[RoundResult]:
    """Tell skoleeier about every § 12-5 case whose rektor has not done so within
    `policy.owner_notice_hours`: an `owner_informed` event ("clock") and a notice each.

    Once: the event is written under the case lock, and a case with one is never picked again.
    """
    from handlers.report import inform_owner
    from store.models import Event

    now = services.clock.now()
    results: list[RoundResult] = []
    for school in (services.org.school(s) for s in school_ids):
        period = owner_notice_due(school, at or now)
        if period is None:
            results.append(RoundResult(school.id, OWNER_NOTICE, NOT_DUE))
            continue
        deadline = now - timedelta(hours=school.policy.owner_notice_hours)
        informed = select(Event.case_id).where(Event.type == "owner_informed")
        with services.uow() as session:
            overdue = list(
                session.scalars(
                    select(Case)
                    .where(
                        Case.school_id == school.id,
                        Case.section == "12-5",
                        Case.leadership_case.is_(False),
                        Case.created_at <= deadline,
                        Case.id.not_in(informed),
                    )
                    .order_by(Case.id)
                    .with_for_update(skip_locked=True)
                )
            )
            refs = tuple(case.ref for case in overdue)
            if not dry_run:
                for case in overdue:
                    inform_owner(services, session, case, now, "system", "clock")
        status = DRY_RUN if dry_run else RAN
        results.append(RoundResult(school.id, OWNER_NOTICE, status, period, (), refs))
    return results


# --- § 12-5 by the hour ----------------------------------------------------------------------
#
# "Straks": a § 12-5 case nobody has acknowledged is not left to the next school morning. Every
# `policy.urgent_reminder_hours` working hours (handlers.calendar: the school's `day:` hours on
# school days) whoever holds it is reminded: rektor, or skoleeier in a leadership case (their
# own clock). When rektor holds it and has not acted after the second such step, skoleeier is
# brought in (one `escalated` event, the `owner` role) and reminded from then on too; never
# "rektor again". Once: each step's notice has a dedupe key per case, step and person, the
# escalation is written under the case lock, and a case someone else's round holds is skipped.

URGENT_EVERY_MINUTES = 5  # how often the scheduler looks, inside the school's working hours


def urgent_due(school: School, at: datetime) -> str | None:
    """A period ("YYYY-MM-DDTHH:MM", every five minutes) while the school's working hours
    run on a school day: a step falls due only then."""
    calendar = SchoolCalendar.of(school)
    day = school_day_of(school, at)
    if day is None or not calendar.local(day, calendar.opens) <= at <= calendar.local(
        day, calendar.closes
    ):
        return None
    local = at.astimezone(school.zone)
    minute = local.minute - local.minute % URGENT_EVERY_MINUTES
    return local.replace(minute=minute).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class UrgentStep:
    """Where one unacknowledged § 12-5 case stands on its school's clock."""

    case: Case
    step: int  # how many times `urgent_reminder_hours` working hours have passed
    hours: int  # working hours since the report (step × policy)
    to_owner: bool  # rektor held it too long: skoleeier is brought in


def urgent_steps(
    session: Session, school: School, now: datetime, *, lock: bool
) -> list[UrgentStep]:
    """The school's unacknowledged § 12-5 cases that have reached a step by `now`."""
    every = school.policy.urgent_reminder_hours
    calendar = SchoolCalendar.of(school)
    q = (
        select(Case)
        .where(
            Case.school_id == school.id,
            Case.status == Status.NEW,
            Case.section == URGENT_SECTION,
            # Working hours never run faster than the clock: nothing younger can be due.
            Case.created_at <= now - timedelta(hours=every),
        )
        .order_by(Case.id)
    )
    out = []
    for case in session.scalars(q.with_for_update(skip_locked=True) if lock else q):
        step = int(calendar.working_seconds(case.created_at, now) // (every * 3600))
        if step >= 1:
            out.append(UrgentStep(case, step, step * every, step >= 2 and not case.leadership_case))
    return out


def owners_of(org: Org, case: Case, roles: Sequence[tuple[str, str]]) -> list[str]:
    """Skoleeier's contacts who may be told about the case (not excluded, not the reporter)."""
    excluded = {email for email, role in roles if role == access.EXCLUDED}
    return [c for c in org.owner.contacts if c not in excluded and c != case.reporter]


def urgent_recipients(
    org: Org, due: UrgentStep, roles: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """(person, "holder" | "owner"): whoever holds the case, and skoleeier once brought in (or
    when nobody else may be told); never the reporter or anyone the case is about."""
    case = due.case
    owners = owners_of(org, case, roles)
    holders = leaders_of(case, roles)
    if case.leadership_case:  # skoleeier's case, whoever it was brought to
        holders = list(dict.fromkeys([*owners, *holders]))
    out = {person: "holder" for person in holders or owners}
    if due.to_owner:
        out.update((person, "owner") for person in owners if person not in holders)
    return list(out.items())


def run_urgent(
    services: Services,
    school_ids: Iterable[str],
    *,
    at: datetime | None = None,
    dry_run: bool = False,
) -> list[RoundResult]:
    """Remind about (and escalate) the unacknowledged § 12-5 cases of these schools whose next
    step has come at `at` (default: now). A dry run computes the notices and writes nothing."""
    org = services.org
    now = services.clock.now()
    results: list[RoundResult] = []
    for school in (org.school(s) for s in school_ids):
        period = (at or now).astimezone(school.zone).strftime("%Y-%m-%dT%H:%M")
        with services.uow() as session:
            found = urgent_steps(session, school, now, lock=not dry_run)
            roles = roles_by_case(session, (d.case.id for d in found))
            plan: Plan = []
            escalated: list[str] = []
            for due in found:
                told = urgent_recipients(org, due, roles[due.case.id])
                plan += [(_urgent_notice(org, school, due, p, why), [due.case]) for p, why in told]
                if due.to_owner and due.case.escalated_at is None:
                    escalated.append(due.case.ref)
                    if not dry_run:
                        _escalate_urgent(session, org, due, roles[due.case.id], now, school)
            queued = [n for n, _ in plan] if dry_run else notices.emit_many(session, plan, now)
        status = DRY_RUN if dry_run else RAN
        results.append(
            RoundResult(school.id, URGENT, status, period, tuple(queued), tuple(escalated))
        )
    return results


def _urgent_notice(
    org: Org, school: School, due: UrgentStep, person: str, why: str
) -> notices.Notice:
    case = due.case
    return notices.Notice(
        kind=notices.URGENT_REMINDER,
        lang=org.language_of(person, school),
        recipient=person,
        data={
            "ref": case.ref,
            "school": school.id,
            "school_name": school.name,
            "to": why,
            "hours": due.hours,
            "every": school.policy.urgent_reminder_hours,
            "urgent": case.urgent,
            "section": case.section,
            "leadership": bool(case.leadership_case),
            "unit": case.unit,
            "categories": json.loads(case.categories),
        },
        dedupe_key=f"urgent:{case.id}:{due.step}:{person}",
    )


def _escalate_urgent(
    session: Session,
    org: Org,
    due: UrgentStep,
    roles: Sequence[tuple[str, str]],
    now: datetime,
    school: School,
) -> None:
    """Skoleeier gets the case (the `owner` role, so "Åpne" works) and the trail says why."""
    case = due.case
    owners = owners_of(org, case, roles)
    for person in owners:
        if (person, "owner") not in roles:
            session.add(CaseAccess(case_id=case.id, email=person, role="owner", since=now))
    data = {
        "to": list(owners),
        "section": case.section,
        "working_hours": due.hours,
        "policy_hours": school.policy.urgent_reminder_hours,
    }
    trail.append(session, case, "escalated", "system", now, data)
    case.escalated_at = now

"""Follow-up: the morning round that keeps nudging until a case is handled.

On each school morning, per school (policy in org.yml):
- a case not acknowledged by the end of the school day it arrived → its leader is reminded,
  every school morning until it is;
- still not acknowledged `escalate_after_school_days` school days later → escalated: one
  `escalated` event on the trail, and rektor is told so every morning until it is
  acknowledged (skoleeier instead when rektor may not see the case, or filed it);
- investigating with no aktivitetsplan after `plan_within_school_days` school days → the
  leader;
- a tiltak or evaluation date of the aktivitetsplan due today or overdue → the person
  responsible and the leader (the plan writes its dates with `set_deadline`).

One DM per person per school per morning bundles all of it; nobody gets anything when nothing
is due, and the reporter is never reminded. "School day N days back" is counted with
handlers.calendar, so weekends, public holidays and breaks do not count.

Once, whatever happens: the whole round of a school is one transaction that starts by claiming
(school, "reminders", date) in followup_rounds; every DM also has the dedupe key
reminder:{email}:{school}:{date}. A second scheduler, a restart or another replica finds the
round claimed and writes nothing.

Cost: indexed queries for the cases due (ix_cases_school_status_*), their roles and their
deadlines; nothing is loaded for a case that is not due.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handlers import access, notices
from handlers.calendar import SchoolCalendar, parse_hhmm
from handlers.org import Org, School
from handlers.report import grant
from handlers.review import OPEN_STATES
from handlers.services import Services
from store import rounds, trail
from store.models import Case, CaseAccess, Deadline, FollowupRound

REMINDERS = "reminders"

# What is due on a case, most pressing first (the order items are listed in a DM).
ESCALATED = "escalated"  # to rektor/skoleeier: not acknowledged in time
ACKNOWLEDGE = "acknowledge"  # to the leader: not acknowledged yet
PLAN = "plan"  # investigating, no aktivitetsplan yet
TILTAK = "tiltak"  # a tiltak's date (from the aktivitetsplan)
EVALUATION = "evaluation"  # an evaluation's date (from the aktivitetsplan)
DUE_ORDER = (ESCALATED, ACKNOWLEDGE, PLAN, TILTAK, EVALUATION)
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
}


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
    deadlines: list[tuple[Deadline, Case]] = field(default_factory=list)

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


def find_due(session: Session, school: School, day: date, *, lock: bool) -> Due:
    """Everything due at `school` on the morning of `day`.

    "n school days have ended since X" ⇔ X is before the start of the day after the n-th school
    day before `day`: a report filed on Saturday arrives on Monday, and is reminded on Tuesday.
    `lock` takes the case rows (FOR UPDATE on PostgreSQL) for the events the round appends.
    """
    calendar = SchoolCalendar.of(school)
    policy = school.policy

    def ended(school_days: int) -> datetime:
        last = calendar.school_day_before(day, school_days)
        return calendar.start_of(last + timedelta(days=1))

    def cases(*where: Any) -> list[Case]:
        q = select(Case).where(Case.school_id == school.id, *where).order_by(Case.id)
        return list(session.scalars(q.with_for_update() if lock else q))

    due = Due(day=day)
    due.unacknowledged = cases(Case.status == "new", Case.created_at < ended(1))
    escalate_before = ended(1 + policy.escalate_after_school_days)
    due.escalate = {c.id for c in due.unacknowledged if c.created_at < escalate_before}
    due.plan_missing = cases(
        Case.status == "investigating",
        Case.investigation_at < ended(policy.plan_within_school_days),
    )
    deadlines = list(
        session.scalars(
            select(Deadline)
            .where(Deadline.school_id == school.id, Deadline.due_on <= day)
            .order_by(Deadline.case_id, Deadline.due_on, Deadline.item)
        )
    )
    known = due.cases()
    missing = {d.case_id for d in deadlines} - known.keys()
    if missing:
        known.update((c.id, c) for c in cases(Case.id.in_(missing)))
    due.deadlines = [
        (d, known[d.case_id]) for d in deadlines if known[d.case_id].status in OPEN_STATES
    ]
    return due


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
        out.append(item(case, deadline.kind, deadline.due_on))
    return out


# --- Who -------------------------------------------------------------------------------------


def roles_by_case(session: Session, case_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    """(email, role) per case, in the order the roles were given."""
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), 1000):  # keeps every IN list within SQLite's limits
        rows = session.execute(
            select(CaseAccess.case_id, CaseAccess.email, CaseAccess.role)
            .where(CaseAccess.case_id.in_(ids[start : start + 1000]))
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


def escalation_targets(org: Org, school: School, case: Case, excluded: set[str]) -> list[str]:
    """Rektor; skoleeier when rektor may not see the case (§ 12-5 leadership) or filed it."""
    if school.principal not in excluded and school.principal != case.reporter:
        return [school.principal]
    return [c for c in org.owner.contacts if c not in excluded and c != case.reporter]


def recipients_of(
    org: Org,
    school: School,
    case: Case,
    item: DueItem,
    roles: Sequence[tuple[str, str]],
    responsible: str | None,
) -> list[str]:
    excluded = {email for email, role in roles if role == access.EXCLUDED}
    if item.due == ESCALATED:
        return escalation_targets(org, school, case, excluded)
    people = leaders_of(case, roles)
    if responsible and responsible not in excluded and responsible != case.reporter:
        people = [responsible, *[p for p in people if p != responsible]]
    return people


# --- The round -------------------------------------------------------------------------------


def run_reminders(
    services: Services, school_id: str, *, at: datetime | None = None, dry_run: bool = False
) -> RoundResult:
    """The morning round of one school for the school day of `at` (default: now).

    On demand (`meldefra remind`) it runs whatever the time of day; the scheduler calls it once
    `reminders_due` says the time has come. A dry run computes the same DMs and writes nothing.
    """
    org = services.org
    school = org.school(school_id)
    now = services.clock.now()
    day = school_day_of(school, at or now)
    if day is None:
        return RoundResult(school.id, REMINDERS, NOT_DUE)
    period = day.isoformat()
    with services.uow() as session:
        claimed = open_round(session, school.id, REMINDERS, period, now, dry_run=dry_run)
        if claimed is None:
            return RoundResult(school.id, REMINDERS, ALREADY, period)
        plan, escalate = _prepare(session, org, school, day, lock=not dry_run)
        if dry_run:
            return RoundResult(school.id, REMINDERS, DRY_RUN, period, tuple(n for n, _ in plan))
        escalated = [
            _escalate(session, org, school, case, roles, now, day) for case, roles in escalate
        ]
        queued = queue(session, plan, now)
        claimed.notices = len(queued)
        return RoundResult(school.id, REMINDERS, RAN, period, queued, tuple(escalated))


# A round's notices, each with the cases whose trails record it.
Plan = list[tuple[notices.Notice, Sequence[Case]]]


def open_round(
    session: Session, school_id: str, kind: str, period: str, now: datetime, *, dry_run: bool
) -> FollowupRound | None:
    """The round's claim, or None when it already ran; a dry run only looks (nothing added)."""
    if not dry_run:
        return rounds.claim(session, school_id=school_id, kind=kind, period=period, at=now)
    if rounds.has_run(session, school_id=school_id, kind=kind, period=period):
        return None
    return FollowupRound(school_id=school_id, kind=kind, period=period, ran_at=now, notices=0)


def queue(session: Session, plan: Plan, now: datetime) -> tuple[notices.Notice, ...]:
    """Emit the round's notices; one whose dedupe key was used before is left out."""
    return tuple(n for n, cases in plan if notices.emit(session, n, now, bundle=cases))


def _prepare(
    session: Session, org: Org, school: School, day: date, *, lock: bool
) -> tuple[Plan, list[tuple[Case, list[tuple[str, str]]]]]:
    """One DM per person with their due items, and the cases to escalate now (with roles)."""
    calendar = SchoolCalendar.of(school)
    due = find_due(session, school, day, lock=lock)
    items = items_for(calendar, due)
    roles = roles_by_case(session, (case.id for case, _ in items))
    responsible = {(d.case_id, d.kind, d.due_on): d.responsible for d, _ in due.deadlines}
    by_person: dict[str, dict[tuple[str, str, date], tuple[Case, DueItem]]] = defaultdict(dict)
    for case, item in items:
        who = responsible.get((case.id, item.due, item.since))
        for person in recipients_of(org, school, case, item, roles[case.id], who):
            by_person[person][(item.ref, item.due, item.since)] = (case, item)
    plan: Plan = []
    for person in sorted(by_person):
        mine = by_person[person]
        # Whoever an escalation goes to is told that, not also asked to acknowledge.
        escalated = {ref for ref, what, _ in mine if what == ESCALATED}
        kept = sorted(
            (
                ci
                for ci in mine.values()
                if not (ci[1].due == ACKNOWLEDGE and ci[1].ref in escalated)
            ),
            key=lambda ci: ci[1].sort_key(),
        )
        notice = notices.Notice(
            kind=notices.REMINDER,
            lang=org.language_of(person, school),
            recipient=person,
            data={
                "school": school.id,
                "school_name": school.name,
                "date": day.isoformat(),
                "items": [item.data() for _, item in kept],
            },
            dedupe_key=f"reminder:{person}:{school.id}:{day.isoformat()}",
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
    school: School,
    case: Case,
    roles: Sequence[tuple[str, str]],
    now: datetime,
    day: date,
) -> str:
    """The `escalated` event, once per case; the target gets a role so "Åpne" works for them."""
    calendar = SchoolCalendar.of(school)
    excluded = {email for email, role in roles if role == access.EXCLUDED}
    targets = escalation_targets(org, school, case, excluded)
    for target in targets:
        grant(session, case, target, "rektor" if target == school.principal else "owner", now)
    reported = calendar.local_date(case.created_at)
    trail.append(
        session,
        case,
        "escalated",
        "system",
        now,
        {
            "to": targets,
            "reported_on": reported.isoformat(),
            "school_days": calendar.school_days_between(reported, day),
            "policy_school_days": school.policy.escalate_after_school_days,
        },
    )
    case.escalated_at = now
    return case.ref


# --- The aktivitetsplan's dates (the seam for issue 6) -----------------------------------------


def set_deadline(
    session: Session,
    case: Case,
    *,
    kind: str,
    item: str,
    due_on: date,
    responsible: str | None = None,
) -> None:
    """Record (or move) a tiltak or evaluation date, in the plan event's own transaction.

    `item` is the plan's own key for the tiltak or evaluation (e.g. "tiltak-2", "evaluation-1"):
    setting it again moves the date. From the morning of `due_on` the responsible person and
    the case's leader are reminded every school morning until `clear_deadline`.
    """
    if kind not in DEADLINE_KINDS:
        raise ValueError(f"a deadline is one of {DEADLINE_KINDS}, not {kind!r}")
    row = session.scalar(select(Deadline).where(Deadline.case_id == case.id, Deadline.item == item))
    if row is None:
        row = Deadline(case_id=case.id, school_id=case.school_id, item=item)
        session.add(row)
    row.kind = kind
    row.due_on = due_on
    row.responsible = responsible.lower() if responsible else None
    session.flush()


def clear_deadline(session: Session, case: Case, item: str) -> None:
    """The tiltak was carried out or the evaluation held: no more reminders for it."""
    session.execute(delete(Deadline).where(Deadline.case_id == case.id, Deadline.item == item))

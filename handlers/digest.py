"""The R-team digest: the whole picture of one school, at the time set in org.yml.

`rteam.digest: monday 08:00` sends it every week; `every N weeks monday 08:00` in the weeks
whose number, counted from Monday 5 January 1970 (week 0), is divisible by N. Counting from a
fixed Monday keeps "every 2 weeks" exactly 14 days apart across New Year, which ISO week
numbers (52 or 53 weeks a year) would not. A digest day that is a public holiday or a closed
day of the school is skipped; the next digest covers its days too.

Content: new reports since the previous digest, open cases by state, overdue items and the
evaluations coming up before the next digest, by case ref, unit and category only: never
pupil names or free text, never urgency or § 12-5 flags, and never a case one of the R-team's
members may not know about (the person a report is about). Each case carries its ref, so an
edge can show an "Åpne" button; opening checks access (review.open_case).

It goes to rteam.slack_channel and rteam.teams_channel when set, else to each member as a DM.
Once per (school, period): the round's claim in followup_rounds and the dedupe key
digest:{school}:{period}:{channel or e-mail} on each notice.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers import access
from handlers.calendar import SchoolCalendar
from handlers.followup import (
    ACKNOWLEDGE,
    ALREADY,
    DEADLINE_KINDS,
    DRY_RUN,
    EVALUATION,
    NOT_DUE,
    RAN,
    Plan,
    RoundResult,
    find_due,
    items_for,
    open_round,
    queue,
)
from handlers.notices import DIGEST, Notice
from handlers.org import Org, School
from handlers.review import OPEN_STATES
from handlers.services import Services
from store.models import Case, CaseAccess, Deadline

WEEK_ZERO = date(1970, 1, 5)  # a Monday: "every N weeks" counts weeks from here
MAX_WEEKS_BACK = 120  # how far back to look for the previous digest (breaks skip some)


def in_digest_week(day: date, every_weeks: int) -> bool:
    return ((day - WEEK_ZERO).days // 7) % every_weeks == 0


def latest_slot(school: School, at: datetime) -> datetime | None:
    """The most recent digest time at or before `at` (None when the school has no digest)."""
    digest = school.rteam.digest
    if digest is None:
        return None
    calendar = SchoolCalendar.of(school)
    today = calendar.local_date(at)
    day = today - timedelta(days=(today.weekday() - digest.weekday) % 7)
    for _ in range(MAX_WEEKS_BACK):
        slot = calendar.local(day, time(digest.hour, digest.minute))
        if slot <= at and in_digest_week(day, digest.every_weeks) and not calendar.is_closed(day):
            return slot
        day -= timedelta(days=7)
    return None


def digest_due(school: School, at: datetime) -> str | None:
    """The period the scheduler should send now: a missed digest is caught up the same day."""
    slot = latest_slot(school, at)
    if slot is None or slot.astimezone(school.zone).date() != at.astimezone(school.zone).date():
        return None
    return slot.astimezone(school.zone).date().isoformat()


def run_digest(
    services: Services, school_id: str, *, at: datetime | None = None, dry_run: bool = False
) -> RoundResult:
    """The digest for the latest digest time at or before `at` (default: now), if not sent yet."""
    org = services.org
    school = org.school(school_id)
    now = services.clock.now()
    slot = latest_slot(school, at or now)
    if slot is None:
        return RoundResult(school.id, DIGEST, NOT_DUE)
    day = slot.astimezone(school.zone).date()
    period = day.isoformat()
    previous = latest_slot(school, slot - timedelta(microseconds=1))
    every = school.rteam.digest.every_weeks if school.rteam.digest else 1
    since = previous or slot - timedelta(weeks=every)
    with services.uow() as session:
        claimed = open_round(session, school.id, DIGEST, period, now, dry_run=dry_run)
        if claimed is None:
            return RoundResult(school.id, DIGEST, ALREADY, period)
        content = digest_content(
            session, school, day, since=since, until=slot, next_day=day + timedelta(weeks=every)
        )
        plan: Plan = [(n, ()) for n in _notices(org, school, period, content)]
        if dry_run:
            return RoundResult(school.id, DIGEST, DRY_RUN, period, tuple(n for n, _ in plan))
        queued = queue(session, plan, now)
        claimed.notices = len(queued)
        return RoundResult(school.id, DIGEST, RAN, period, queued)


def digest_content(
    session: Session,
    school: School,
    day: date,
    *,
    since: datetime,
    until: datetime,
    next_day: date,
) -> dict[str, Any]:
    """What the R-team sees: refs, units, categories, states and dates, nothing else."""
    calendar = SchoolCalendar.of(school)
    hidden = set(
        session.scalars(
            select(CaseAccess.case_id).where(
                CaseAccess.role == access.EXCLUDED, CaseAccess.email.in_(school.rteam.members)
            )
        )
    )
    of_school = [Case.school_id == school.id, Case.id.not_in(hidden)]
    new = session.scalars(
        select(Case)
        .where(*of_school, Case.created_at >= since, Case.created_at < until)
        .order_by(Case.id)
    )
    counts = dict(
        session.execute(
            select(Case.status, func.count())
            .where(*of_school, Case.status.in_(OPEN_STATES))
            .group_by(Case.status)
        ).all()
    )
    due = find_due(session, school, day, lock=False)
    overdue = [
        {
            **_entry(case),
            "due": item.due,
            "since": item.since.isoformat(),
            "school_days": item.school_days,
        }
        for case, item in items_for(calendar, due)
        if case.id not in hidden
        # One line per case (escalated says more than "to acknowledge"); a date set for today
        # is not overdue yet.
        and not (item.due == ACKNOWLEDGE and case.id in due.escalate)
        and not (item.due in DEADLINE_KINDS and item.since >= day)
    ]
    upcoming = session.execute(
        select(Deadline, Case)
        .join(Case, Case.id == Deadline.case_id)
        .where(
            Deadline.school_id == school.id,
            Deadline.kind == EVALUATION,
            Deadline.due_on >= day,
            Deadline.due_on < next_day,
            Case.id.not_in(hidden),
            Case.status.in_(OPEN_STATES),
        )
        .order_by(Deadline.due_on, Case.id)
    ).all()
    return {
        "school": school.id,
        "school_name": school.name,
        "date": day.isoformat(),
        "since": calendar.local_date(since).isoformat(),
        "new": [{**_entry(c), "status": c.status} for c in new],
        "open": {state: counts.get(state, 0) for state in OPEN_STATES},
        "overdue": overdue,
        "upcoming": [
            {**_entry(case), "due": deadline.kind, "on": deadline.due_on.isoformat()}
            for deadline, case in upcoming
        ],
    }


def _entry(case: Case) -> dict[str, Any]:
    return {"ref": case.ref, "unit": case.unit, "categories": json.loads(case.categories)}


def _notices(org: Org, school: School, period: str, content: dict[str, Any]) -> list[Notice]:
    """To the R-team's channels when set (each edge sends its own platform's), else DMs."""
    key = f"digest:{school.id}:{period}"
    channels = [
        (platform, channel)
        for platform, channel in (
            ("slack", school.rteam.slack_channel),
            ("teams", school.rteam.teams_channel),
        )
        if channel
    ]
    if channels:
        return [
            Notice(
                DIGEST,
                school.language,
                {**content, "platform": platform},
                channel=channel,
                dedupe_key=f"{key}:{channel}",
            )
            for platform, channel in channels
        ]
    return [
        Notice(
            DIGEST,
            org.language_of(member, school),
            content,
            recipient=member,
            dedupe_key=f"{key}:{member}",
        )
        for member in school.rteam.members
    ]

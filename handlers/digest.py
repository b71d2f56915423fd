"""The R-team digest: the whole picture of one school, at the time set in org.yml.

`rteam.digest: monday 08:00` sends it every week; `every N weeks monday 08:00` in the weeks
whose number, counted from Monday 5 January 1970 (week 0), is divisible by N. Counting from a
fixed Monday keeps "every 2 weeks" exactly 14 days apart across New Year, which ISO week
numbers (52 or 53 weeks a year) would not. A digest day that is a public holiday or a closed
day of the school is skipped; the next digest covers its days too.

Content: new reports since the previous digest, open cases by state, overdue items and the
evaluations coming up before the next digest, by case ref, unit and category only: never
pupil names or free text, never urgency or § 12-5 flags, never a § 12-5 case that was not
shared with the R-team, and never a case someone in the audience may not know about (the
person a report is about; in a channel, whose members the bot does not know, any such case).
Each case carries its ref, so an edge can show an "Åpne" button; opening checks access
(review.open_case).

It goes to rteam.slack_channel and rteam.teams_channel when set, else to each member as a DM.
Once per (school, period): the round's claim in followup_rounds and the dedupe key
digest:{school}:{period}:{channel or e-mail} on each notice.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers import access
from handlers.calendar import SchoolCalendar
from handlers.followup import (
    ACKNOWLEDGE,
    DEADLINE_KINDS,
    EVALUATION,
    NOT_DUE,
    Plan,
    RoundResult,
    find_due,
    items_for,
    open_rounds,
    round_results,
)
from handlers.history import digest_marks
from handlers.notices import DIGEST, Notice, emit_many
from handlers.org import Org, School
from handlers.review import OPEN_STATES
from handlers.services import Services
from store.db import chunked
from store.models import Case, CaseAccess, PlanItem

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


@dataclass(frozen=True)
class Window:
    """One school's digest: its time, and the time of the one before (new reports since)."""

    school: School
    slot: datetime
    since: datetime
    next_day: date  # the next regular digest day: evaluations before it are "coming up"

    @property
    def day(self) -> date:
        return self.slot.astimezone(self.school.zone).date()


def window(school: School, at: datetime) -> Window | None:
    slot = latest_slot(school, at)
    if slot is None or school.rteam.digest is None:
        return None
    every = timedelta(weeks=school.rteam.digest.every_weeks)
    previous = latest_slot(school, slot - timedelta(microseconds=1))
    day = slot.astimezone(school.zone).date()
    return Window(school, slot, previous or slot - every, day + every)


def preview(school: School, at: datetime) -> Window | None:
    """What a dry run shows at `at`: the digest due today when today is a digest day;
    otherwise the period that ends now, from the latest digest time at or before `at` (its
    new reports are those filed since then), up to the next regular digest day."""
    due = window(school, at)
    if due is None or due.day == at.astimezone(school.zone).date():
        return due
    return Window(school, at, due.slot, due.next_day)


def run_digest(
    services: Services,
    school_ids: Iterable[str],
    *,
    at: datetime | None = None,
    dry_run: bool = False,
) -> list[RoundResult]:
    """Each school's digest for its latest digest time at or before `at` (default: now), if
    not sent yet; one result per school. A dry run writes nothing and shows the digest of the
    period that ends at `at` (`preview`): on a day without a digest, what has happened since
    the last one."""
    org = services.org
    now = services.clock.now()
    schools = [org.school(school_id) for school_id in school_ids]
    make = preview if dry_run else window
    windows = {school.id: make(school, at or now) for school in schools}
    results = {s.id: RoundResult(s.id, DIGEST, NOT_DUE) for s in schools if not windows[s.id]}
    periods = {school: w.day.isoformat() for school, w in windows.items() if w}
    if periods:
        with services.uow() as session:
            mine = open_rounds(session, DIGEST, periods, now, dry_run=dry_run)
            todo = [w for school, w in windows.items() if w and school in mine]
            plan: Plan = [
                (notice, ())
                for school_id, content in digest_contents(session, todo).items()
                for notice in _notices(org, org.school(school_id), periods[school_id], content)
            ]
            queued = [n for n, _ in plan] if dry_run else emit_many(session, plan, now)
        results.update(round_results(DIGEST, periods, mine, queued, dry_run))
    return [results[school.id] for school in schools]


def digest_contents(session: Session, windows: Sequence[Window]) -> dict[str, dict[str, Any]]:
    """What each R-team sees: refs, units, categories, states and dates, nothing else.

    A few statements for all the schools together; the cases `_hidden` names are left out of
    lists and counts.
    """
    ids = [w.school.id for w in windows]
    hidden = _hidden(session, [w.school for w in windows])
    new: dict[str, list[Case]] = defaultdict(list)
    for (since, until), group in _grouped(windows, lambda w: (w.since, w.slot)).items():
        for case in session.scalars(
            select(Case)
            .where(Case.school_id.in_(group), Case.created_at >= since, Case.created_at < until)
            .order_by(Case.id)
        ):
            new[case.school_id].append(case)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for school_id, status, count in session.execute(
        select(Case.school_id, Case.status, func.count())
        .where(Case.school_id.in_(ids), Case.status.in_(OPEN_STATES))
        .group_by(Case.school_id, Case.status)
    ):
        counts[school_id][status] += count
    for school_id, statuses in hidden.items():
        counts[school_id].subtract(statuses.values())
    dues = find_due(session, [(w.school, w.day) for w in windows], lock=False)
    upcoming: dict[str, list[tuple[PlanItem, Case]]] = defaultdict(list)
    for (day, next_day), group in _grouped(windows, lambda w: (w.day, w.next_day)).items():
        for deadline, case in session.execute(
            select(PlanItem, Case)
            .join(Case, Case.id == PlanItem.case_id)
            .where(
                PlanItem.school_id.in_(group),
                PlanItem.kind == EVALUATION,
                PlanItem.done.is_(False),
                PlanItem.due_date >= day,
                PlanItem.due_date < next_day,
                Case.status.in_(OPEN_STATES),
            )
            .order_by(PlanItem.due_date, Case.id)
        ):
            upcoming[case.school_id].append((deadline, case))
    out = {}
    for w in windows:
        school, day, left_out = w.school, w.day, hidden.get(w.school.id, {})
        # policy.repeat_reports: a new case whose pupil was reported again and again is marked
        # with the count (handlers/history.py); never a name.
        marks = digest_marks(session, school, w.slot)
        due = dues[school.id]
        overdue = [
            {
                **_entry(case),
                "due": item.due,
                "since": item.since.isoformat(),
                "school_days": item.school_days,
            }  # fmt: skip
            for case, item in items_for(SchoolCalendar.of(school), due)
            if case.id not in left_out
            # One line per case (escalated says more than "to acknowledge"); a date set for
            # today is not overdue yet.
            and not (item.due == ACKNOWLEDGE and case.id in due.escalate)
            and not (item.due in DEADLINE_KINDS and item.since >= day)
        ]
        out[school.id] = {
            "school": school.id,
            "school_name": school.name,
            "date": day.isoformat(),
            "since": w.since.astimezone(school.zone).date().isoformat(),
            "new": [
                {**_entry(c), "status": c.status, **_repeat(marks, c)}
                for c in new[school.id]
                if c.id not in left_out
            ],
            "open": {state: counts[school.id][state] for state in OPEN_STATES},
            "overdue": overdue,
            "upcoming": [
                {**_entry(case), "due": deadline.kind, "on": deadline.due_date.isoformat()}
                for deadline, case in upcoming[school.id]
                if case.id not in left_out
            ],
        }
    return out


def _hidden(session: Session, schools: Sequence[School]) -> dict[str, dict[int, str]]:
    """Per school: the cases its digest leaves out, with each one's status (so the counts can
    leave them out too).

    - § 12-5 cases that were not shared with the R-team: they go to rektor and skoleeier;
    - cases someone in the digest's audience is excluded from (the person a report is about,
      the leadership in a leadership case). A digest by DM goes to the R-team's members; a
      channel's members are not known here (anyone may join it), so a channel digest leaves
      out every case anyone is excluded from.
    """
    audience: dict[str, set[str] | None] = {
        school.id: None if _channels(school) else {school.principal, *school.rteam.members}
        for school in schools
    }
    hidden: dict[str, dict[int, str]] = defaultdict(dict)
    for ids in chunked(sorted(audience)):
        for case_id, school_id, status in session.execute(
            select(Case.id, Case.school_id, Case.status).where(
                Case.school_id.in_(ids), Case.section == "12-5", Case.rteam_share.is_(None)
            )
        ):
            hidden[school_id][case_id] = status
        for case_id, school_id, status, email in session.execute(
            select(Case.id, Case.school_id, Case.status, CaseAccess.email)
            .join(CaseAccess, CaseAccess.case_id == Case.id)
            .where(Case.school_id.in_(ids), CaseAccess.role == access.EXCLUDED)
        ):
            people = audience[school_id]
            if people is None or email in people:
                hidden[school_id][case_id] = status
    return hidden


def _channels(school: School) -> list[tuple[str, str]]:
    """The R-team's channels, per platform: the digest goes there when any is set."""
    return [
        (platform, channel)
        for platform, channel in (
            ("slack", school.rteam.slack_channel),
            ("teams", school.rteam.teams_channel),
        )
        if channel
    ]


_K = TypeVar("_K")


def _grouped(windows: Sequence[Window], key: Callable[[Window], _K]) -> dict[_K, list[str]]:
    """School ids by a shared key (schools on one calendar share one query)."""
    groups: dict[_K, list[str]] = defaultdict(list)
    for w in windows:
        groups[key(w)].append(w.school.id)
    return groups


def _repeat(marks: dict[str, int], case: Case) -> dict[str, int]:
    return {"repeat": marks[case.ref]} if case.ref in marks else {}


def _entry(case: Case) -> dict[str, Any]:
    return {"ref": case.ref, "unit": case.unit, "categories": json.loads(case.categories)}


def _notices(org: Org, school: School, period: str, content: dict[str, Any]) -> list[Notice]:
    """To the R-team's channels when set (each edge sends its own platform's), else DMs."""
    key = f"digest:{school.id}:{period}"
    channels = _channels(school)
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

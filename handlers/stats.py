"""Skoleeier's oversight: does every school act in time? Figures without names, from the trail.

For a period (a month, a term, a school year, any dates) and each school, and for the
municipality: new reports by category and unit type; § 12-5 cases and the time until
skoleeier was informed; the time from report to acknowledgement (median and 90th percentile,
in school days and in hours); investigations with an aktivitetsplan within the school's
`plan_within_school_days`; evaluations held on time or overdue; cases closed with the pupil's
safe school environment or for another reason; open cases at the end of the period by state
and by age.

The events are the truth. The projection (`cases`, `plan_items`) only finds the cases that
touch the period, through indexed range queries (created, investigation started, closed,
evaluation date, open at the end), so the cost grows with those cases, never with the cases
kept from earlier years. Their events are then read and replayed.

Privacy (`publish`): no names, no free text, no case refs; any count from 1 to 4 is shown as
"<5" and cells are hidden until no hidden count can be worked out by subtraction from a total
(secondary suppression); a duration is shown only when it is measured on at least five cases.
Cases that one of a school's R-team members is the subject of are left out of the R-team's
(rektor's) view.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import functools
import json
import math
import re
import statistics
from collections import Counter, defaultdict, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from handlers import access
from handlers.calendar import SchoolCalendar
from handlers.org import Org, School
from handlers.report import CATEGORIES
from handlers.review import OPEN_STATES
from handlers.states import Status
from store.db import chunked
from store.models import Case, CaseAccess, Event, PlanItem

MIN_SHOWN = 5  # counts 1..4 are shown as "<5"; durations need this many cases
SMALL = "<5"
HIDDEN = "*"  # hidden so that a small count cannot be worked out from a total
ALL = "all"  # the municipality's row
MEDIAN = "median"  # the median school's row (rektor's comparison)

UNIT_TYPES = ("barnetrinn", "ungdomstrinn", "sfo", "annet", "ingen")
AGE_BUCKETS = ("0-5", "6-20", "21+")  # open cases' age in school days at the end of the period
PLAN_OUTCOMES = ("within", "late", "missing", "pending")
EVALUATION_OUTCOMES = ("on_time", "overdue")
CLOSE_REASONS = ("safe", "other")
ACK_OUTCOMES = ("acknowledged", "pending")
OWNER_OUTCOMES = ("informed", "pending")
# Events that say skoleeier knows: a notice delivered to skoleeier, a case forwarded to them,
# or an explicit record that rektor told skoleeier (§ 12-5).
OWNER_INFORMED = "owner_informed"
OWNER_EVENTS = ("delivered", "forwarded")
WITH_DATA = ("plan_created", "plan_changed", "evaluated", "closed", "delivered", "forwarded")
REPLAYED = (
    "acknowledged",
    "investigation_started",
    "plan_created",
    "plan_changed",
    "evaluated",
    "closed",
    "delivered",
    "forwarded",
    OWNER_INFORMED,
)


# --- Periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local calendar dates, both included."""

    first: date
    last: date

    @classmethod
    def month(cls, day: date) -> Period:
        first = day.replace(day=1)
        return cls(first, _next_month(first) - timedelta(days=1))

    @classmethod
    def term(cls, day: date) -> Period:
        """Autumn term August–December, spring term January–July."""
        if day.month >= 8:
            return cls(date(day.year, 8, 1), date(day.year, 12, 31))
        return cls(date(day.year, 1, 1), date(day.year, 7, 31))

    @classmethod
    def school_year(cls, day: date) -> Period:
        start = day.year if day.month >= 8 else day.year - 1
        return cls(date(start, 8, 1), date(start + 1, 7, 31))

    def bounds(self, calendar: SchoolCalendar) -> tuple[datetime, datetime]:
        return calendar.start_of(self.first), calendar.start_of(self.last + timedelta(days=1))

    def label(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def months_back(period: Period, n: int) -> list[Period]:
    """The n months ending with the month `period` ends in, oldest first."""
    first = period.last.replace(day=1)
    out = []
    for _ in range(n):
        out.append(Period.month(first))
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


# --- Raw figures (never leave this module unpublished) -------------------------------------


@dataclass
class Figures:
    """One school's (or the municipality's) figures for a period, before suppression."""

    reports: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_unit_type: Counter[str] = field(default_factory=Counter)
    ack: Counter[str] = field(default_factory=Counter)  # acknowledged | pending
    ack_hours: list[float] = field(default_factory=list)
    ack_school_days: list[int] = field(default_factory=list)
    section_12_5: int = 0
    owner: Counter[str] = field(default_factory=Counter)  # informed | pending
    owner_hours: list[float] = field(default_factory=list)
    plan: Counter[str] = field(default_factory=Counter)  # PLAN_OUTCOMES
    evaluations: Counter[str] = field(default_factory=Counter)  # on_time | overdue
    closed: Counter[str] = field(default_factory=Counter)  # safe | other
    open_by_state: Counter[str] = field(default_factory=Counter)
    open_by_age: Counter[str] = field(default_factory=Counter)

    def remove(self, other: Figures) -> None:
        """Take a part counted before back out (a case the view must not hold)."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(value, int):
                setattr(self, name, mine - value)
            elif isinstance(value, Counter):
                mine.subtract(value)
                for key in [k for k, v in mine.items() if v == 0]:
                    del mine[key]
            else:
                for item in value:
                    mine.remove(item)

    def add(self, other: Figures) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(value, int):
                setattr(self, name, mine + value)
            elif isinstance(value, Counter):
                mine.update(value)
            else:
                mine.extend(value)


@functools.lru_cache(maxsize=4096)
def unit_type(unit: str | None) -> str:
    """A unit's type, so figures never name a small group: 1.–7. trinn, 8.–10. trinn, SFO."""
    if not unit:
        return "ingen"
    name = unit.lower()
    if re.search(r"\b(sfo|aks)\b", name):
        return "sfo"
    grades = [
        int(n)
        for pair in re.findall(r"(\d+)\s*\.?\s*(?:[-–]\s*(\d+)\s*\.?\s*)?(?:trinn|klasse)", name)
        for n in pair
        if n
    ]
    if not grades and re.search(r"sm[åa]skul|sm[åa]skol|mellomtrinn|barnetrinn", name):
        return "barnetrinn"
    if not grades and re.search(r"ungdomstrinn|ungdomsskul|ungdomsskol", name):
        return "ungdomstrinn"
    if grades:
        return "ungdomstrinn" if max(grades) >= 8 else "barnetrinn"
    return "annet"


@functools.lru_cache(maxsize=1 << 16)
def _school_days(calendar: SchoolCalendar, first: date, last: date) -> int:
    """School days between two dates; many cases share the same pair of days."""
    return calendar.school_days_between(first, last)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): a value that occurred, no interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def hours(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 2)


@dataclass
class _Case:
    id: int
    school_id: str
    section: str
    unit: str | None
    categories: list[str]
    created_at: datetime
    events: list[tuple[str, datetime, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Loaded:
    """The cases that touch a period, with their events: figures are computed from this."""

    org: Org
    period: Period
    schools: list[School]
    cases: dict[int, _Case]
    as_of: datetime | None
    contacts: frozenset[str] = frozenset()
    full: dict[str, Figures] | None = None  # every case counted, once


def load(
    session: Session,
    org: Org,
    period: Period,
    school_ids: Sequence[str] | None = None,
    *,
    as_of: datetime | None = None,
) -> Loaded:
    """Read the cases with something in the period, or open at its end, and their events.

    `as_of` (default: the end of the period) is when "overdue" and "open" are judged: a
    period that has not ended yet is judged now.
    """
    schools = [org.school(s) for s in (school_ids or [s.id for s in org.schools])]
    cases = _touching(session, schools, period, as_of)
    return Loaded(org, period, schools, cases, as_of, frozenset(org.owner.contacts))


def figures_of(loaded: Loaded, leave_out: Collection[int] = ()) -> dict[str, Figures]:
    """Each school's raw figures, and the municipality's under ALL (cases in `leave_out` are
    not counted: the R-team's view leaves out the cases about one of its members).

    Every case is counted once per `Loaded`; a view that leaves cases out takes their part
    back out of a copy of their schools' figures (they are few).
    """
    if loaded.full is None:
        figures = {s.id: Figures() for s in loaded.schools}
        for case in loaded.cases.values():
            _count_case(loaded, figures[case.school_id], case)
        total = Figures()
        for school in loaded.schools:
            total.add(figures[school.id])
        figures[ALL] = total
        loaded.full = figures
    out = dict(loaded.full)
    gone = [loaded.cases[i] for i in leave_out if i in loaded.cases]
    for school_id in {case.school_id for case in gone}:
        out[school_id] = copy.deepcopy(out[school_id])
    if gone:
        out[ALL] = copy.deepcopy(out[ALL])
    for case in gone:
        part = Figures()
        _count_case(loaded, part, case)
        out[case.school_id].remove(part)
        out[ALL].remove(part)
    return out


def _count_case(loaded: Loaded, figures: Figures, case: _Case) -> None:
    school = loaded.org.school(case.school_id)
    calendar = SchoolCalendar.of(school)
    start, end = loaded.period.bounds(calendar)
    judged = min(end, loaded.as_of) if loaded.as_of else end
    _count(figures, case, school, calendar, start, end, judged, loaded.contacts)


def compute(
    session: Session,
    org: Org,
    period: Period,
    school_ids: Sequence[str] | None = None,
    *,
    as_of: datetime | None = None,
    rteam_view: bool = False,
) -> dict[str, Figures]:
    """Each school's raw figures for the period, and the municipality's under ALL.

    `rteam_view` leaves out the cases one of the school's R-team members is excluded from
    (the person a report is about).
    """
    loaded = load(session, org, period, school_ids, as_of=as_of)
    leave_out = hidden_cases(session, loaded.schools) if rteam_view else ()
    return figures_of(loaded, leave_out)


def _touching(
    session: Session, schools: Sequence[School], period: Period, as_of: datetime | None
) -> dict[int, _Case]:
    """The cases with something in the period, or open at its end, with their events."""
    ids = _touching_ids(schools, period, as_of)
    found: dict[int, _Case] = {}
    for row in session.execute(
        select(
            Case.id, Case.school_id, Case.section, Case.unit, Case.categories, Case.created_at
        ).where(Case.id.in_(ids))
    ):
        found[row.id] = _Case(
            row.id, row.school_id, row.section, row.unit, json.loads(row.categories),
            row.created_at,
        )  # fmt: skip
    # One statement for all their events; the database evaluates the same ranges again rather
    # than receive thousands of ids. Deliveries matter only for § 12-5 (skoleeier informed).
    rows = session.execute(
        select(Event.case_id, Event.type, Event.at, Event.data)
        .where(Event.case_id.in_(ids), Event.type.in_(REPLAYED))
        .order_by(Event.case_id, Event.seq)
    )
    for case_id, type_, at, data in rows:
        case = found.get(case_id)
        if case is None or (type_ in OWNER_EVENTS and case.section != "12-5"):
            continue
        case.events.append((type_, at, json.loads(data) if type_ in WITH_DATA else {}))
    return found


def _touching_ids(schools: Sequence[School], period: Period, as_of: datetime | None) -> Any:
    """The ids of the cases touching the period: a union of indexed range queries."""
    groups: dict[tuple[datetime, datetime], list[str]] = defaultdict(list)
    for school in schools:
        groups[period.bounds(SchoolCalendar.of(school))].append(school.id)
    parts: list[Any] = []
    for (start, end), group in groups.items():
        judged = min(end, as_of) if as_of else end
        for chunk in chunked(group, 1000):
            school_in = Case.school_id.in_(chunk)
            parts += [
                select(Case.id).where(school_in, Case.created_at >= start, Case.created_at < end),
                select(Case.id).where(
                    school_in, Case.investigation_at >= start, Case.investigation_at < end
                ),
                select(Case.id).where(school_in, Case.closed_at >= start, Case.closed_at < end),
                # Open at the end: open now, or closed after the end (two indexed ranges).
                select(Case.id).where(
                    school_in, Case.status.in_(OPEN_STATES), Case.created_at < judged
                ),
                select(Case.id).where(
                    school_in, Case.closed_at >= judged, Case.created_at < judged
                ),
                select(PlanItem.case_id).where(
                    PlanItem.school_id.in_(chunk),
                    PlanItem.kind == "evaluation",
                    PlanItem.due_date >= start.date(),
                    PlanItem.due_date <= end.date(),
                ),
            ]
    return union(*parts)


def hidden_cases(session: Session, schools: Sequence[School]) -> set[int]:
    """The cases one of their school's R-team members is excluded from (the person a report
    is about): from the few `excluded` roles of those members, not from the cases."""
    members = {school.id: set(school.rteam.members) for school in schools}
    excluded: dict[int, set[str]] = defaultdict(set)
    for emails in chunked(sorted(set().union(*members.values())) if members else []):
        for case_id, email in session.execute(
            select(CaseAccess.case_id, CaseAccess.email).where(
                CaseAccess.role == access.EXCLUDED, CaseAccess.email.in_(emails)
            )
        ):
            excluded[case_id].add(email)
    hidden: set[int] = set()
    for ids in chunked(sorted(excluded)):
        for case_id, school_id in session.execute(
            select(Case.id, Case.school_id).where(Case.id.in_(ids))
        ):
            if excluded[case_id] & members.get(school_id, set()):
                hidden.add(case_id)
    return hidden


def _first(case: _Case, *types: str) -> datetime | None:
    return next((at for type_, at, _ in case.events if type_ in types), None)


def _count(
    f: Figures,
    case: _Case,
    school: School,
    calendar: SchoolCalendar,
    start: datetime,
    end: datetime,
    judged: datetime,
    contacts: Collection[str],
) -> None:
    # What happened after the moment judged is not known yet.
    if case.events and case.events[-1][1] >= judged:
        case = dataclasses.replace(case, events=[e for e in case.events if e[1] < judged])
    reported = case.created_at
    day = calendar.local_date
    if start <= reported < min(end, judged):
        f.reports += 1
        f.by_category.update(case.categories)
        f.by_unit_type[unit_type(case.unit)] += 1
        acked = _first(case, "acknowledged")
        if acked is not None and acked < judged:
            f.ack["acknowledged"] += 1
            f.ack_hours.append(hours(reported, acked))
            f.ack_school_days.append(_school_days(calendar, day(reported), day(acked)))
        else:
            f.ack["pending"] += 1
        if case.section == "12-5":
            f.section_12_5 += 1
            informed = _owner_informed(case, contacts)
            if informed is not None and informed < judged:
                f.owner["informed"] += 1
                f.owner_hours.append(hours(reported, informed))
            else:
                f.owner["pending"] += 1
    investigated = _first(case, "investigation_started")
    if investigated is not None and start <= investigated < end:
        f.plan[_plan_outcome(case, school, calendar, investigated, judged)] += 1
    closed = next(
        ((at, data) for type_, at, data in case.events if type_ == "closed" and at < judged),
        None,
    )
    if closed is not None and start <= closed[0] < end:
        f.closed["safe" if closed[1].get("via") == "evaluated" else "other"] += 1
    for due, outcome in _evaluations(case, calendar, judged):
        if start.date() <= due <= (end - timedelta(microseconds=1)).date() and outcome:
            f.evaluations[outcome] += 1
    if reported < judged and closed is None:
        f.open_by_state[_state_at(case, judged)] += 1
        age = _school_days(calendar, day(reported), day(judged))
        f.open_by_age["0-5" if age <= 5 else "6-20" if age <= 20 else "21+"] += 1


def _owner_informed(case: _Case, contacts: Collection[str]) -> datetime | None:
    for type_, at, data in case.events:
        if type_ == OWNER_INFORMED:
            return at
        if type_ == "delivered" and data.get("recipient") in contacts:
            return at
        if type_ == "forwarded" and data.get("to") in contacts:
            return at
    return None


def _plan_outcome(
    case: _Case, school: School, calendar: SchoolCalendar, investigated: datetime, judged: datetime
) -> str:
    """within: the plan came before `plan_within_school_days` school days had ended; late:
    after; missing: no plan and the deadline has passed; pending: no plan yet, still time."""
    limit = school.policy.plan_within_school_days
    since = calendar.local_date(investigated)
    planned = _first(case, "plan_created")
    if planned is not None and planned < judged:
        days = _school_days(calendar, since, calendar.local_date(planned))
        return "within" if days < limit else "late"
    ended = _school_days(calendar, since, calendar.local_date(judged))
    return "missing" if ended >= limit else "pending"


def _evaluations(
    case: _Case, calendar: SchoolCalendar, judged: datetime
) -> Iterable[tuple[date, str | None]]:
    """Every evaluation date the plan set, replayed: held by that date (on time), held later
    or never (overdue), moved before it came (not counted), or still to come (None)."""
    scheduled: date | None = None
    for type_, at, data in case.events:
        if at >= judged:
            break
        today = calendar.local_date(at)
        if type_ in ("plan_created", "plan_changed") and data.get("evaluate_on"):
            if scheduled is not None and scheduled < today:
                yield scheduled, "overdue"  # the date passed unheld, then it was moved
            scheduled = date.fromisoformat(data["evaluate_on"])
        elif type_ == "evaluated" and scheduled is not None:
            yield scheduled, "on_time" if today <= scheduled else "overdue"
            nxt = data.get("next_evaluation")
            scheduled = date.fromisoformat(nxt) if nxt else None
        elif type_ == "closed":
            if scheduled is not None and scheduled < today:
                yield scheduled, "overdue"
            scheduled = None
    if scheduled is not None:
        yield scheduled, "overdue" if scheduled < calendar.local_date(judged) else None


# The events that move an open case on (handlers.states.Status).
_MOVES = {
    "acknowledged": Status.ACKNOWLEDGED,
    "investigation_started": Status.INVESTIGATING,
    "plan_created": Status.PLAN,
}


def _state_at(case: _Case, judged: datetime) -> str:
    state = Status.NEW
    for type_, at, _ in case.events:
        if at >= judged:
            break
        state = _MOVES.get(type_, state)
    return str(state)


# --- Trend (12 months) -------------------------------------------------------------------


def trend(
    session: Session,
    org: Org,
    period: Period,
    school_ids: Sequence[str],
    months: int = 12,
    *,
    leave_out: Collection[int] = (),
) -> dict[str, list[dict[str, Any]]]:
    """Per school and ALL: each month's reports and acknowledgement hours (raw), oldest first.

    Reads the projection's `created_at`/`acknowledged_at` (the `acknowledged` event sets it in
    the same transaction) with one indexed range query per calendar group: a year of cases,
    not their events.
    """
    spans = months_back(period, months)
    schools = [org.school(s) for s in school_ids]
    out: dict[str, list[dict[str, Any]]] = {
        sid: [{"month": p.first.strftime("%Y-%m"), "reports": 0, "hours": []} for p in spans]
        for sid in [*school_ids, ALL]
    }
    groups: dict[SchoolCalendar, list[str]] = defaultdict(list)
    for school in schools:
        groups[SchoolCalendar.of(school)].append(school.id)
    for calendar, group in groups.items():
        start = calendar.start_of(spans[0].first)
        end = calendar.start_of(spans[-1].last + timedelta(days=1))
        starts = [calendar.start_of(p.first) for p in spans]  # each month's first instant
        for chunk in chunked(group, 1000):
            for case_id, school_id, created, acked in session.execute(
                select(Case.id, Case.school_id, Case.created_at, Case.acknowledged_at).where(
                    Case.school_id.in_(chunk), Case.created_at >= start, Case.created_at < end
                )
            ):
                i = bisect.bisect_right(starts, created) - 1
                # The municipality's trend counts every case; a school's (its R-team's view)
                # not those in `leave_out`.
                rows = [out[ALL][i]] if case_id in leave_out else [out[school_id][i], out[ALL][i]]
                for row in rows:
                    row["reports"] += 1
                    if acked is not None:
                        row["hours"].append(hours(created, acked))
    return out


# --- Publishing: suppression of small counts --------------------------------------------


@functools.cache
def columns() -> tuple[tuple[str, str | None], ...]:
    """Every published count column and the column it is a part of (None: no total)."""
    cols: list[tuple[str, str | None]] = [("reports", None)]
    cols += [(f"unit.{u}", "reports") for u in UNIT_TYPES]
    cols += [(f"category.{c}", None) for c in CATEGORIES]
    cols += [(f"ack.{o}", "reports") for o in ACK_OUTCOMES]
    cols += [("section_12_5", None)] + [(f"owner.{o}", "section_12_5") for o in OWNER_OUTCOMES]
    cols += [("plans", None)] + [(f"plan.{o}", "plans") for o in PLAN_OUTCOMES]
    cols += [("evaluations", None)] + [
        (f"evaluation.{o}", "evaluations") for o in EVALUATION_OUTCOMES
    ]
    cols += [("closed", None)] + [(f"closed.{o}", "closed") for o in CLOSE_REASONS]
    cols += [("open", None)] + [(f"open.{s}", "open") for s in OPEN_STATES]
    cols += [(f"age.{a}", "open") for a in AGE_BUCKETS]
    return tuple(cols)


DURATIONS = ("ack_hours", "ack_school_days", "owner_hours")


def counts_of(f: Figures) -> dict[str, int]:
    row = {"reports": f.reports, "section_12_5": f.section_12_5}
    row.update({f"unit.{u}": f.by_unit_type[u] for u in UNIT_TYPES})
    row.update({f"category.{c}": f.by_category[c] for c in CATEGORIES})
    row.update({f"ack.{o}": f.ack[o] for o in ACK_OUTCOMES})
    row.update({f"owner.{o}": f.owner[o] for o in OWNER_OUTCOMES})
    row["plans"] = sum(f.plan.values())
    row.update({f"plan.{o}": f.plan[o] for o in PLAN_OUTCOMES})
    row["evaluations"] = sum(f.evaluations.values())
    row.update({f"evaluation.{o}": f.evaluations[o] for o in EVALUATION_OUTCOMES})
    row["closed"] = sum(f.closed.values())
    row.update({f"closed.{o}": f.closed[o] for o in CLOSE_REASONS})
    row["open"] = sum(f.open_by_state.values())
    row.update({f"open.{s}": f.open_by_state[s] for s in OPEN_STATES})
    row.update({f"age.{a}": f.open_by_age[a] for a in AGE_BUCKETS})
    return row


def durations_of(f: Figures) -> dict[str, dict[str, float | None]]:
    """Median and 90th percentile of each duration, None when measured on fewer than five."""
    out: dict[str, dict[str, float | None]] = {}
    for name, values in (
        ("ack_hours", f.ack_hours),
        ("ack_school_days", [float(v) for v in f.ack_school_days]),
        ("owner_hours", f.owner_hours),
    ):
        shown = len(values) >= MIN_SHOWN
        out[name] = {
            "median": round(statistics.median(values), 1) if shown else None,
            "p90": round(percentile(values, 90), 1) if shown else None,
        }
    return out


Cell = tuple[str, str]  # (row, column)
Relation = tuple[list[Cell], Cell | None]  # parts, and the total they sum to (if shown)


def suppress(
    grid: Mapping[str, Mapping[str, int]], relations: Sequence[Relation]
) -> dict[Cell, str]:
    """Which cells to hide: "<5" for counts 1..4, HIDDEN for cells hidden so that those cannot
    be worked out from a total by subtraction.

    For every relation (parts summing to a total) the hidden members' possible values are
    intervals: a "<5" is 1..4, a HIDDEN cell any count (0 included). While some hidden
    member's interval collapses to one value, another member is hidden (`_next_to_hide`).
    A relation is checked again whenever one of its cells is hidden, until nothing changes.
    """
    hidden: dict[Cell, str] = {
        (r, c): SMALL for r, row in grid.items() for c, v in row.items() if 1 <= v <= 4
    }
    member_of: dict[Cell, list[int]] = defaultdict(list)
    for i, (parts, total) in enumerate(relations):
        for cell in [*parts, *([total] if total is not None else [])]:
            member_of[cell].append(i)
    # First in, first out: the rows settle before a column (200 schools) is looked at again.
    todo = deque(range(len(relations)))
    queued = set(todo)
    while todo:
        i = todo.popleft()
        queued.discard(i)
        parts, total = relations[i]
        if not _exposed(grid, parts, total, hidden):
            continue
        extra = _next_to_hide(grid, parts, total, hidden)
        if extra is None:
            continue
        hidden[extra] = HIDDEN
        for j in member_of[extra]:
            if j not in queued:
                queued.add(j)
                todo.append(j)
    return hidden


def _value(grid: Mapping[str, Mapping[str, int]], cell: Cell) -> int:
    return grid[cell[0]][cell[1]]


def _exposed(
    grid: Mapping[str, Mapping[str, int]],
    parts: Sequence[Cell],
    total: Cell | None,
    hidden: Mapping[Cell, str],
) -> bool:
    """Does sum(parts) = total pin down one hidden member's value?

    Written as sum(sign · x) = target over the hidden members x (parts +1, the total -1), each
    in its interval; a member is pinned when the others' least and greatest sums leave it one
    value. Infinite bounds are counted apart, so this is one pass whatever the size.
    """
    if total is None:
        return False
    members = [(cell, 1) for cell in parts] + [(total, -1)]
    target = 0
    bounds: list[tuple[float, float]] = []
    for cell, sign in members:
        mark = hidden.get(cell)
        if mark is None:
            target -= sign * _value(grid, cell)
        elif mark == SMALL:
            bounds.append((1.0, 4.0) if sign > 0 else (-4.0, -1.0))
        else:
            bounds.append((0.0, math.inf) if sign > 0 else (-math.inf, 0.0))
    if not bounds:
        return False
    lo_sum = sum(lo for lo, _ in bounds if lo != -math.inf)
    lo_inf = sum(lo == -math.inf for lo, _ in bounds)
    hi_sum = sum(hi for _, hi in bounds if hi != math.inf)
    hi_inf = sum(hi == math.inf for _, hi in bounds)
    for lo, hi in bounds:
        others_hi_inf = hi_inf - (hi == math.inf)
        others_lo_inf = lo_inf - (lo == -math.inf)
        others_hi = math.inf if others_hi_inf else hi_sum - (hi if hi != math.inf else 0.0)
        others_lo = -math.inf if others_lo_inf else lo_sum - (lo if lo != -math.inf else 0.0)
        if max(lo, target - others_hi) == min(hi, target - others_lo):
            return True
    return False


def _next_to_hide(
    grid: Mapping[str, Mapping[str, int]],
    parts: Sequence[Cell],
    total: Cell | None,
    hidden: Mapping[Cell, str],
) -> Cell | None:
    """The cell to hide next: the smallest visible part (positive first), else the total, else
    a "<5" that becomes HIDDEN (four parts of "<5" under a total of "<5" are all 1)."""
    members = [*parts] + ([total] if total is not None else [])
    visible = [c for c in parts if c not in hidden]
    if visible:
        return min(visible, key=lambda c: (_value(grid, c) == 0, _value(grid, c), c))
    if total is not None and total not in hidden:
        return total
    small = [c for c in members if hidden.get(c) == SMALL]
    return min(small, key=lambda c: (_value(grid, c), c)) if small else None


def relations_for(rows: Sequence[str], total_row: str | None) -> list[Relation]:
    """Within each row, parts sum to their total column; down each column, the schools sum to
    the municipality's row."""
    out: list[Relation] = []
    cols = columns()
    for row in rows:
        by_total: dict[str, list[Cell]] = defaultdict(list)
        for col, parent in cols:
            if parent is not None:
                by_total[parent].append((row, col))
        for parent, parts in by_total.items():
            groups: dict[str, list[Cell]] = defaultdict(list)
            for cell in parts:  # unit.* and ack.* each sum to reports; open.* and age.* to open
                groups[cell[1].split(".")[0]].append(cell)
            for group in groups.values():
                out.append((group, (row, parent)))
    if total_row is not None:
        for col, _ in cols:
            out.append(([(r, col) for r in rows if r != total_row], (total_row, col)))
    return out


def publish(
    org: Org,
    period: Period,
    figures: Mapping[str, Figures],
    *,
    school_ids: Sequence[str],
    with_total: bool = True,
    median: Median | None = None,
    trends: Mapping[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The figures as they may be shown: counts with "<5"/HIDDEN, durations from five cases.

    Rows are the schools (id and name) and, `with_total`, the municipality (ALL). With
    `median` (from `median_school`) a MEDIAN row holds the median school's values (rektor's
    comparison).
    """
    rows = list(school_ids) + ([ALL] if with_total else [])
    grid = {row: counts_of(figures[row]) for row in rows}
    hidden = suppress(grid, relations_for(rows, ALL if with_total else None))
    table: dict[str, dict[str, int | float | str]] = {
        row: {col: hidden.get((row, col), v) for col, v in grid[row].items()} for row in rows
    }
    durations = {row: durations_of(figures[row]) for row in rows}
    if median is not None:
        table[MEDIAN], durations[MEDIAN] = median
        rows.append(MEDIAN)
    report: dict[str, Any] = {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "rows": [
            {
                "id": row,
                "name": org.school(row).name if row not in (ALL, MEDIAN) else None,
                "plan_within_school_days": (
                    org.school(row).policy.plan_within_school_days
                    if row not in (ALL, MEDIAN)
                    else None
                ),
                "escalate_after_school_days": (
                    org.school(row).policy.escalate_after_school_days
                    if row not in (ALL, MEDIAN)
                    else None
                ),
                "counts": table[row],
                "durations": durations[row],
            }
            for row in rows
        ],
    }
    if trends is not None:
        report["trend"] = {row: publish_trend(trends[row], table.get(row)) for row in trends}
    return report


Median = tuple[dict[str, int | float | str], dict[str, dict[str, float | None]]]


def median_school(org: Org, figures: Mapping[str, Figures]) -> Median:
    """The median school's counts and durations: not a sum of anything, so only its small
    counts are hidden. Computed once for all the rektors of a round."""
    every = [counts_of(figures[s.id]) for s in org.schools if s.id in figures]
    medians = {col: statistics.median(r[col] for r in every) for col, _ in columns()}
    counts: dict[str, int | float | str] = {
        col: (SMALL if 0 < v < MIN_SHOWN else _num(v)) for col, v in medians.items()
    }
    return counts, _median_durations(figures, org)


def _num(v: float) -> int | float:
    return int(v) if float(v).is_integer() else round(v, 1)


def _median_durations(
    figures: Mapping[str, Figures], org: Org
) -> dict[str, dict[str, float | None]]:
    """The median over the schools of each school's shown median and 90th percentile."""
    per_school = [durations_of(figures[s.id]) for s in org.schools if s.id in figures]
    out: dict[str, dict[str, float | None]] = {}
    for name in DURATIONS:
        out[name] = {}
        for stat in ("median", "p90"):
            values = [v for d in per_school if (v := d[name][stat]) is not None]
            out[name][stat] = round(statistics.median(values), 1) if values else None
    return out


def publish_trend(
    months: list[dict[str, Any]], shown: Mapping[str, int | float | str] | None
) -> list[dict[str, Any]]:
    """Each month's reports ("<5" for 1..4) and median hours to acknowledge (from five).

    The last month is the report's own period: it shows exactly what the table shows, so a
    count hidden there is not given away by the chart."""
    out = []
    for i, month in enumerate(months):
        n = month["reports"]
        value: int | float | str = SMALL if 1 <= n <= 4 else n
        if shown is not None and i == len(months) - 1:
            value = shown["reports"]
        acked = month["hours"]
        out.append(
            {
                "month": month["month"],
                "reports": value,
                "ack_median_hours": (
                    round(statistics.median(acked), 1) if len(acked) >= MIN_SHOWN else None
                ),
            }
        )
    return out

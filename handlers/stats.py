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
MEDIAN_FROM = 5  # the median school is shown only when there are at least this many schools
TREND_MONTHS = 12

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

    @property
    def kind(self) -> str | None:
        """ "month", "term" or "year" when the period is one of those, else None: only these
        are published, so that no two published periods differ by a few days."""
        if self == Period.month(self.first):
            return "month"
        if self == Period.term(self.first):
            return "term"
        if self == Period.school_year(self.first):
            return "year"
        return None

    def parts(self) -> list[Period]:
        """The published periods inside this one, shortest first: a term's months; a school
        year's months and its two terms."""
        if self.kind not in ("term", "year"):
            return []
        months = []
        first = self.first
        while first <= self.last:
            months.append(Period.month(first))
            first = _next_month(first)
        if self.kind == "year":
            return [*months, Period.term(self.first), Period.term(self.last)]
        return months


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
    """The cases that touch a period, with their events: figures are computed from this, for
    the period or any period inside it."""

    org: Org
    period: Period
    schools: list[School]
    cases: dict[int, _Case]
    as_of: datetime | None
    contacts: frozenset[str] = frozenset()
    full: dict[Period, dict[str, Figures]] = field(default_factory=dict)  # every case, once


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


def figures_of(
    loaded: Loaded, leave_out: Collection[int] = (), period: Period | None = None
) -> dict[str, Figures]:
    """Each school's raw figures, and the municipality's under ALL (cases in `leave_out` are
    not counted: a recipient's view leaves out the cases they are excluded from). `period`
    (default: the loaded one) may be any period inside the loaded one: the cases touching it
    are among those loaded.

    Every case is counted once per `Loaded` and period; a view that leaves cases out takes
    their part back out of a copy of their schools' figures (they are few).
    """
    period = period or loaded.period
    if period not in loaded.full:
        figures = {s.id: Figures() for s in loaded.schools}
        for case in loaded.cases.values():
            _count_case(loaded, figures[case.school_id], case, period)
        total = Figures()
        for school in loaded.schools:
            total.add(figures[school.id])
        figures[ALL] = total
        loaded.full[period] = figures
    out = dict(loaded.full[period])
    gone = [loaded.cases[i] for i in leave_out if i in loaded.cases]
    for school_id in {case.school_id for case in gone}:
        out[school_id] = copy.deepcopy(out[school_id])
    if gone:
        out[ALL] = copy.deepcopy(out[ALL])
    for case in gone:
        part = Figures()
        _count_case(loaded, part, case, period)
        out[case.school_id].remove(part)
        out[ALL].remove(part)
    return out


def _count_case(loaded: Loaded, figures: Figures, case: _Case, period: Period) -> None:
    school = loaded.org.school(case.school_id)
    calendar = SchoolCalendar.of(school)
    start, end = period.bounds(calendar)
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

    `rteam_view` leaves out the cases rektor or one of the school's R-team members is excluded
    from (the person a report is about, the leadership in a leadership case).
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
    """The cases rektor or one of their school's R-team members is excluded from (the person a
    report is about; rektor and the leadership in a leadership case, whether or not rektor is
    listed in the R-team): from the few `excluded` roles of those people, not from the cases."""
    audience = {school.id: {school.principal, *school.rteam.members} for school in schools}
    excluded: dict[int, set[str]] = defaultdict(set)
    for emails in chunked(sorted(set().union(*audience.values())) if audience else []):
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
            if excluded[case_id] & audience.get(school_id, set()):
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
Bounds = tuple[float, float]


def suppress(
    grid: Mapping[str, Mapping[str, int]],
    relations: Sequence[Relation],
    fixed: Mapping[Cell, str | None] | None = None,
) -> dict[Cell, str]:
    """Which cells to hide: "<5" for counts 1..4, HIDDEN for cells hidden so that those cannot
    be worked out from what is shown.

    `fixed` cells were published before (their mark, or None when shown): they are part of what
    the recipient knows and are never changed. Two passes, repeated until neither hides more:

    - each relation alone (parts summing to a total): while some hidden member's interval
      collapses to one value, another member is hidden (`_next_to_hide`);
    - every relation together (`pinned`): the bounds each hidden cell gets from all relations
      at once, propagated until they settle, as someone combining the table's sums, the
      municipality's totals and the other periods would; a hidden cell left with one value
      gets another cell of one of its relations hidden.
    """
    fixed = dict(fixed or {})
    if fixed:
        # What the earlier periods already determine (a school year's count is its two terms'
        # sum) is known whatever this table shows: hiding it would protect nothing.
        unknown = {(r, c): HIDDEN for r, row in grid.items() for c in row if (r, c) not in fixed}
        marks = {cell: mark for cell, mark in fixed.items() if mark is not None}
        for cell in pinned(grid, relations, {**unknown, **marks}):
            if cell in unknown:
                fixed[cell] = SMALL if 1 <= _value(grid, cell) <= 4 else None
    hidden: dict[Cell, str] = {cell: mark for cell, mark in fixed.items() if mark is not None}
    hidden.update(
        {
            (r, c): SMALL
            for r, row in grid.items()
            for c, v in row.items()
            if 1 <= v <= 4 and (r, c) not in fixed
        }
    )
    member_of: dict[Cell, list[int]] = defaultdict(list)
    for i, (parts, total) in enumerate(relations):
        for cell in [*parts, *([total] if total is not None else [])]:
            member_of[cell].append(i)
    # First in, first out: the rows settle before a column (200 schools) is looked at again.
    todo = deque(range(len(relations)))
    stuck: set[Cell] = set()  # pinned by what was published before: nothing here can help
    while True:
        queued = set(todo)
        while todo:
            i = todo.popleft()
            queued.discard(i)
            parts, total = relations[i]
            if not _exposed(grid, parts, total, hidden):
                continue
            extra = _next_to_hide(grid, parts, total, hidden, fixed)
            if extra is None:
                continue
            hidden[extra] = HIDDEN
            for j in member_of[extra]:
                if j not in queued:
                    queued.add(j)
                    todo.append(j)
        bad = [c for c in pinned(grid, relations, hidden) if c not in stuck]
        if not bad:
            bad = [c for c in without_move(grid, relations, hidden) if c not in stuck]
        if not bad:
            return hidden
        for cell in bad:  # all at once: each check reads the whole table
            choices = [
                c
                for i in member_of[cell]
                if (c := _next_to_hide(grid, *relations[i], hidden, fixed, keep=cell)) is not None
            ]
            if not choices:
                stuck.add(cell)
                continue
            extra = min(choices, key=lambda c: (hidden.get(c) == SMALL, *_order(grid, c)))
            hidden[extra] = HIDDEN
            todo.extend(member_of[extra])


def pinned(
    grid: Mapping[str, Mapping[str, int]],
    relations: Sequence[Relation],
    hidden: Mapping[Cell, str],
) -> list[Cell]:
    """The hidden cells whose value follows from everything shown: each cell's interval
    ("<5": 1..4, HIDDEN: 0 or more, shown: itself) narrowed by every relation in turn until no
    interval changes (bounds consistency over the whole set of sums)."""
    bounds: dict[Cell, Bounds] = {}

    def get(cell: Cell) -> Bounds:
        if cell not in bounds:
            mark = hidden.get(cell)
            v = float(_value(grid, cell))
            bounds[cell] = (1.0, 4.0) if mark == SMALL else (0.0, math.inf) if mark else (v, v)
        return bounds[cell]

    member_of: dict[Cell, list[int]] = defaultdict(list)
    for i, (parts, total) in enumerate(relations):
        if total is not None and any(c in hidden for c in [*parts, total]):
            for cell in [*parts, total]:
                member_of[cell].append(i)
    todo = deque(sorted({i for ids in member_of.values() for i in ids}))
    queued = set(todo)
    while todo:
        i = todo.popleft()
        queued.discard(i)
        parts, total = relations[i]
        assert total is not None
        members = [(c, 1) for c in parts] + [(total, -1)]
        # sum(sign · x) = 0: each member's term lies in [a, b]; the others' sum bounds it.
        terms = []
        for cell, sign in members:
            lo, hi = get(cell)
            terms.append((lo, hi) if sign > 0 else (-hi, -lo))
        a_fin = sum(a for a, _ in terms if a != -math.inf)
        a_inf = sum(a == -math.inf for a, _ in terms)
        b_fin = sum(b for _, b in terms if b != math.inf)
        b_inf = sum(b == math.inf for _, b in terms)
        for (cell, sign), (a, b) in zip(members, terms, strict=True):
            if cell not in hidden:
                continue
            rest_a = -math.inf if a_inf - (a == -math.inf) else a_fin - (a if a != -math.inf else 0)
            rest_b = math.inf if b_inf - (b == math.inf) else b_fin - (b if b != math.inf else 0)
            lo, hi = get(cell)
            if sign > 0:
                new = (max(lo, -rest_b), min(hi, -rest_a))
            else:
                new = (max(lo, rest_a), min(hi, rest_b))
            if new != (lo, hi):
                bounds[cell] = new
                for j in member_of[cell]:
                    if j not in queued:
                        queued.add(j)
                        todo.append(j)
    return sorted(c for c in hidden if c in bounds and bounds[c][0] >= bounds[c][1])


MOVE_BUDGET = 150  # search steps per hidden cell before it counts as fixed (then hide more)


def without_move(
    grid: Mapping[str, Mapping[str, int]],
    relations: Sequence[Relation],
    hidden: Mapping[Cell, str],
) -> list[Cell]:
    """The hidden cells for which no other value could be shown to fit everything published.

    Bounds propagation (`pinned`) is necessary, not sufficient: sums that cross each other
    (rows, columns, periods) can fix a cell whose bounds look open. So each hidden cell needs
    a witness: a change of one up or down to it and to other hidden cells that keeps every
    sum and every interval ("<5": 1..4, HIDDEN: 0 or more), found by a bounded depth-first
    search along the sums (the alternating cycles of cell suppression). A witness moves all
    its cells, so each settles several. No witness in the budget counts as fixed: the caller
    hides more. Sound (every witness is checked by construction), not complete (fewer shown).
    """
    member_of: dict[Cell, list[int]] = defaultdict(list)
    signs: dict[tuple[int, Cell], int] = {}
    movable: dict[int, list[Cell]] = {}  # each sum's hidden members: only they can move
    for i, (parts, total) in enumerate(relations):
        if total is None or not any(c in hidden for c in [*parts, total]):
            continue
        movable[i] = [c for c in [*parts, total] if c in hidden]
        for cell in movable[i]:
            member_of[cell].append(i)
            signs[(i, cell)] = -1 if cell == total else 1

    def sign(i: int, cell: Cell) -> int:
        return signs[(i, cell)]

    def fits(cell: Cell, delta: int) -> bool:
        value = _value(grid, cell) + delta
        mark = hidden.get(cell)
        return mark is not None and (1 <= value <= 4 if mark == SMALL else value >= 0)

    settled: set[Cell] = set()
    out: list[Cell] = []
    for start in sorted(hidden):
        if start in settled:
            continue
        moves = _witness(start, member_of, movable, sign, fits)
        if moves is None:
            out.append(start)
        else:
            settled.update(moves)
    return out


def _witness(
    start: Cell,
    member_of: Mapping[Cell, list[int]],
    movable: Mapping[int, list[Cell]],
    sign: Any,
    fits: Any,
) -> dict[Cell, int] | None:
    """A change of ±1 to `start` and other hidden cells that leaves every sum whole, or None."""
    budget = [MOVE_BUDGET]
    for first in (1, -1):
        if not fits(start, first):
            continue
        moves = {start: first}
        off: dict[int, int] = {}
        _shift(off, member_of.get(start, []), sign, start, first)
        if _balance(moves, off, member_of, movable, sign, fits, budget):
            return moves
    return None


def _shift(off: dict[int, int], ids: Sequence[int], sign: Any, cell: Cell, delta: int) -> None:
    for j in ids:
        value = off.get(j, 0) + sign(j, cell) * delta
        if value:
            off[j] = value
        else:
            off.pop(j, None)


def _balance(
    moves: dict[Cell, int],
    off: dict[int, int],
    member_of: Mapping[Cell, list[int]],
    movable: Mapping[int, list[Cell]],
    sign: Any,
    fits: Any,
    budget: list[int],
) -> bool:
    i = next(iter(off), None)  # `off` holds the unbalanced sums only
    if i is None:
        return True
    budget[0] -= 1
    if budget[0] < 0:
        return False
    for cell in movable[i]:
        if cell in moves:
            continue
        delta = -off[i] * sign(i, cell)  # this cell's change that brings relation i back to 0
        if delta not in (1, -1) or not fits(cell, delta):
            continue
        moves[cell] = delta
        _shift(off, member_of[cell], sign, cell, delta)
        if _balance(moves, off, member_of, movable, sign, fits, budget):
            return True
        _shift(off, member_of[cell], sign, cell, -delta)
        del moves[cell]
        if budget[0] < 0:
            return False
    return False


def _value(grid: Mapping[str, Mapping[str, int]], cell: Cell) -> int:
    return grid[cell[0]][cell[1]]


def _order(grid: Mapping[str, Mapping[str, int]], cell: Cell) -> tuple[bool, int, Cell]:
    """Which cell to hide first: the smallest positive count, zeros last."""
    return (_value(grid, cell) == 0, _value(grid, cell), cell)


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
    fixed: Mapping[Cell, str | None],
    keep: Cell | None = None,
) -> Cell | None:
    """The cell to hide next: the smallest visible part (positive first), else the total, else
    a "<5" that becomes HIDDEN (four parts of "<5" under a total of "<5" are all 1). Cells
    published before (`fixed`) stay as they were; `keep` is the cell being protected."""
    members = [c for c in [*parts, *([total] if total is not None else [])] if c not in fixed]
    visible = [c for c in parts if c not in hidden and c not in fixed]
    if visible:
        return min(visible, key=lambda c: _order(grid, c))
    if total is not None and total not in hidden and total not in fixed:
        return total
    small = [c for c in members if hidden.get(c) == SMALL and c != keep]
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
) -> dict[str, Any]:
    """One table as it may be shown on its own: counts with "<5"/HIDDEN, durations from five
    cases. What a recipient gets with its trend and its other periods is `Publisher`'s."""
    rows = list(school_ids) + ([ALL] if with_total else [])
    grid = {row: counts_of(figures[row]) for row in rows}
    hidden = suppress(grid, relations_for(rows, ALL if with_total else None))
    table = {row: {col: hidden.get((row, col), v) for col, v in grid[row].items()} for row in rows}
    return assemble(org, period, table, {row: durations_of(figures[row]) for row in rows})


def assemble(
    org: Org,
    period: Period,
    table: Mapping[str, Mapping[str, int | float | str]],
    durations: Mapping[str, dict[str, dict[str, float | None]]],
    trends: Mapping[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The published report: rows in the order given (schools by id and name, ALL, MEDIAN)."""

    def policy(row: str, name: str) -> int | None:
        return getattr(org.school(row).policy, name) if row not in (ALL, MEDIAN) else None

    report: dict[str, Any] = {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "rows": [
            {
                "id": row,
                "name": org.school(row).name if row not in (ALL, MEDIAN) else None,
                "plan_within_school_days": policy(row, "plan_within_school_days"),
                "escalate_after_school_days": policy(row, "escalate_after_school_days"),
                "counts": dict(table[row]),
                "durations": durations[row],
            }
            for row in table
        ],
    }
    if trends is not None:
        report["trend"] = dict(trends)
    return report


Median = tuple[dict[str, int | float | str], dict[str, dict[str, float | None]]]


def median_school(org: Org, figures: Mapping[str, Figures]) -> Median | None:
    """The median school's counts and durations, from MEDIAN_FROM schools up (with fewer, the
    median and one's own row give the others away: with two, other = 2 · median − own). Not a
    sum of anything, so only its small counts are hidden. Computed once for all the rektors of
    a round."""
    every = [counts_of(figures[s.id]) for s in org.schools if s.id in figures]
    if len(every) < MEDIAN_FROM:
        return None
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


# --- What one recipient receives, as a whole ------------------------------------------------

# Counts that add up over time (a term's reports are its months' reports) and counts of the
# state at the period's end (a term's open cases are its last month's). The others (acknowledged
# by the end, plan outcomes, skoleeier informed) are judged at each period's end.
ADDITIVE = (
    *("reports", "unit", "category", "section_12_5"),
    *("plans", "evaluations", "evaluation", "closed"),
)
AT_THE_END = ("open", "age")


def across_periods(family: Sequence[Period], rows: Sequence[str]) -> list[Relation]:
    """The sums that tie a term or school year to the months (and terms) inside it."""

    def cell(p: Period, row: str, col: str) -> Cell:
        return (f"{p.label()}|{row}", col)

    out: list[Relation] = []
    for big in family:
        if big.kind not in ("term", "year"):
            continue
        inside = [p for p in family if p.kind == "month" and big.first <= p.first <= big.last]
        groups = [inside]
        if big.kind == "year":
            groups.append([p for p in family if p.kind == "term"])
        for group in groups:
            last = max(group, key=lambda p: p.last)
            for row in rows:
                for col, _ in columns():
                    head = col.split(".")[0]
                    if head in ADDITIVE:
                        out.append(([cell(p, row, col) for p in group], cell(big, row, col)))
                    elif head in AT_THE_END:
                        out.append(([cell(last, row, col)], cell(big, row, col)))
    return out


@dataclass(frozen=True)
class View:
    """One audience's figures: its rows (with the municipality's total or not) and the cases
    left out of them (those someone in the audience is excluded from)."""

    rows: tuple[str, ...]
    with_total: bool
    leave_out: frozenset[int] = frozenset()

    @property
    def all_rows(self) -> list[str]:
        return [*self.rows, *([ALL] if self.with_total else [])]


class Publisher:
    """Everything one recipient receives for a period, decided together so that no hidden
    count can be narrowed to one value by combining it: the table's sums, the municipality's
    totals, the trend's months and the other published periods.

    Only months, terms and school years are published. Each is suppressed once, the same way
    whenever it is asked for (`marks`): a month on its own; a term together with its months as
    they were published; a school year with its months and terms. The trend's months are those
    same month tables' report counts, so the chart says nothing the month tables did not. The
    median school is shown from MEDIAN_FROM schools up.
    """

    def __init__(
        self,
        loaded: Loaded,
        period: Period,
        *,
        left_out: Collection[int] = (),
        trend_months: int = TREND_MONTHS,
    ) -> None:
        self.loaded = loaded
        self.org = loaded.org
        self.period = period
        self.left_out = frozenset(left_out)
        self.trend_months = trend_months
        self.every = tuple(s.id for s in loaded.schools)
        self._marks: dict[tuple[View, Period], dict[Cell, str]] = {}

    @classmethod
    def read(
        cls,
        session: Session,
        org: Org,
        period: Period,
        *,
        as_of: datetime | None = None,
        trend_months: int = TREND_MONTHS,
    ) -> Publisher:
        """Read the period and the trend's months for every school, once."""
        months = months_back(period, trend_months) if trend_months else [period]
        span = Period(min(months[0].first, period.first), period.last)
        loaded = load(session, org, span, as_of=as_of)
        return cls(
            loaded,
            period,
            left_out=hidden_cases(session, loaded.schools),
            trend_months=trend_months,
        )

    def for_period(self, period: Period) -> Publisher:
        """Another period of the same loaded cases, sharing what was decided already."""
        other = Publisher(
            self.loaded, period, left_out=self.left_out, trend_months=self.trend_months
        )
        other._marks = self._marks
        return other

    # The audiences.

    def owner(self, school_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """Skoleeier's report: every school and the municipality, with the municipality's
        trend; `school_ids` shows those rows of the same table (and their trend) only."""
        view = View(self.every, True)
        rows = list(school_ids) if school_ids else view.all_rows
        trend_rows = list(school_ids) if school_ids else [ALL]
        return self._report(view, rows, trend_rows)

    def rektor(self, school_id: str) -> dict[str, Any]:
        """Rektor's report: the school's figures without any case rektor or the R-team is
        excluded from, the median school (from MEDIAN_FROM schools), the school's trend."""
        mine = frozenset(i for i in self.left_out if self._school_of(i) == school_id)
        view = View((school_id,), False, mine)
        median = median_school(self.org, self.figures(View(self.every, False, self.left_out)))
        return self._report(view, [school_id], [school_id], median)

    # The figures and what is hidden of them.

    def figures(self, view: View, period: Period | None = None) -> dict[str, Figures]:
        return figures_of(self.loaded, view.leave_out, period or self.period)

    def marks(self, view: View, period: Period) -> dict[Cell, str]:
        """The period's hidden cells for this audience, decided with the published periods
        inside it (which are decided first and never change)."""
        key = (view, period)
        if key in self._marks:
            return self._marks[key]
        family = [*period.parts(), period]
        grid: dict[str, dict[str, int]] = {}
        relations: list[Relation] = []
        fixed: dict[Cell, str | None] = {}
        for p in family:
            figures = self.figures(view, p)
            named = {f"{p.label()}|{row}": counts_of(figures[row]) for row in view.all_rows}
            grid.update(named)
            relations += relations_for(
                list(named), f"{p.label()}|{ALL}" if view.with_total else None
            )
            if p != period:
                before = self.marks(view, p)
                for row in view.all_rows:
                    for col in named[f"{p.label()}|{row}"]:
                        fixed[(f"{p.label()}|{row}", col)] = before.get((row, col))
        relations += across_periods(family, view.all_rows)
        hidden = suppress(grid, relations, fixed)
        prefix = f"{period.label()}|"
        out = {(r[len(prefix) :], c): m for (r, c), m in hidden.items() if r.startswith(prefix)}
        self._marks[key] = out
        return out

    def trend(self, view: View, row: str) -> list[dict[str, Any]]:
        """Each month's reports as that month's table shows them, and the median hours to
        acknowledge (from five cases), oldest first."""
        out = []
        for month in months_back(self.period, self.trend_months):
            f = self.figures(view, month)[row]
            acked = f.ack_hours
            out.append(
                {
                    "month": month.first.strftime("%Y-%m"),
                    "reports": self.marks(view, month).get((row, "reports"), f.reports),
                    "ack_median_hours": (
                        round(statistics.median(acked), 1) if len(acked) >= MIN_SHOWN else None
                    ),
                }
            )
        return out

    def _report(
        self,
        view: View,
        rows: Sequence[str],
        trend_rows: Sequence[str],
        median: Median | None = None,
    ) -> dict[str, Any]:
        figures = self.figures(view)
        marks = self.marks(view, self.period)
        table: dict[str, Mapping[str, int | float | str]] = {
            row: {col: marks.get((row, col), v) for col, v in counts_of(figures[row]).items()}
            for row in rows
        }
        durations = {row: durations_of(figures[row]) for row in rows}
        if median is not None:
            table[MEDIAN], durations[MEDIAN] = median
        trends = {row: self.trend(view, row) for row in trend_rows} if self.trend_months else None
        return assemble(self.org, self.period, table, durations, trends)

    def _school_of(self, case_id: int) -> str | None:
        case = self.loaded.cases.get(case_id)
        return case.school_id if case else None

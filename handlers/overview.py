"""Rektor's overview: every case of the school in one place, open and closed, by status, age
and who holds it, searchable by case number, date and pupil.

Who sees what: rektor sees every case of the schools they lead, skoleeier's contacts every case
of the owner's schools; anyone else their own list (the cases they hold a leader's role on).
Nobody ever sees a case they are excluded from (the person a report is about, the leadership
in a leadership case). The overview holds no pupil names and no free text: the ref, status,
unit, dates, § 12-5/urgent flags and the holder's name. Opening a case from it goes through
`review.open_case`, which checks access again and logs the opening (innsynslogg).

Search: a case number ("MF-0003", "mf 3", "3"); else a date or a period as people type them
("3.12", "i går", "forrige uke": the cases reported then); else a pupil's name, through the
directory's sealed name index (`directory.search_pupils`: tags, never every name opened)
and `case_pupils`. A typed pupil (not from the register) is sealed free text and is not
searched.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import access, directory, people
from handlers.dates import WhenError, parse_when
from handlers.org import School
from handlers.refs import canonical_ref
from handlers.services import Services
from handlers.states import ALL, Role, Status
from store.db import chunked
from store.directory_models import CasePupil
from store.models import Case, CaseAccess

PAGE_SIZE = 20  # rows a page: within Slack's 100 blocks and a Teams card's size
SORTS = ("status", "age", "holder")
SCHOOL = "school"  # the whole school (rektor, skoleeier)
OWN = "own"  # the cases the person holds a leader's role on
_REF = re.compile(r"\s*(?:mf)?\s*[-–]?\s*\d{1,9}\s*", re.IGNORECASE)
# Who holds a case, most specific first: a leader it was forwarded to (the latest), the
# nearest leader, rektor, skoleeier.
_HOLDERS = (str(Role.FORWARDED), str(Role.LEADER), str(Role.REKTOR), str(Role.SKOLEEIER))


@dataclass(frozen=True)
class Query:
    text: str = ""  # a case number, a date or a pupil's name
    sort: str = "status"  # SORTS
    page: int = 1


@dataclass(frozen=True)
class Row:
    ref: str
    school_id: str
    status: str
    section: str
    urgent: bool
    unit: str | None
    created_at: datetime
    reported_on: date  # the report's day in the school's zone
    closed_at: datetime | None
    holder: str  # e-mail; "" when nobody holds a leader's role
    holder_name: str
    age_days: int  # from the report to today, or to the closing


@dataclass(frozen=True)
class Overview:
    scope: str  # SCHOOL or OWN
    query: Query
    rows: list[Row]  # this page
    total: int  # rows found (all pages)
    pages: int
    counts: dict[str, int]  # found rows per status
    searched: str | None  # "ref", "date", "pupil" or None (no search)
    schools: tuple[str, ...]  # the schools seen whole (empty for OWN)
    zone: ZoneInfo  # the person's school's (for "today")

    @property
    def page(self) -> int:
        return self.query.page


def schools_seen_whole(services: Services, email: str) -> list[School]:
    """The schools whose every case this person may list: rektor's, and skoleeier's all."""
    org = services.org
    email = email.strip().lower()
    if email in org.owner.contacts:
        return list(org.schools)
    return [s for s in org.schools if s.principal == email]


def overview(services: Services, actor: str, query: Query = Query()) -> Overview:
    """The cases this person may list, found by `query`, sorted and cut into pages."""
    actor = actor.strip().lower()
    sort = query.sort if query.sort in SORTS else SORTS[0]
    whole = schools_seen_whole(services, actor)
    text = " ".join(query.text.split())
    now = services.clock.now()
    search = _search(services, whole or services.org.schools_of(actor), text, now)
    with services.uow() as session:
        cases = _listed(session, actor, [s.id for s in whole], search)
        holders = _holders(session, [c.id for c in cases])
    names = people.displays(services, holders.values())
    rows = [_row(services, c, holders.get(c.id, ""), names, now) for c in cases]
    if search.days is not None:  # the report's day in its school's zone
        first, last = search.days
        rows = [r for r in rows if first <= r.reported_on <= last]
    rows.sort(key=_SORT_KEYS[sort])
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page = min(max(1, query.page), pages)
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.status] += 1
    return Overview(
        scope=SCHOOL if whole else OWN,
        query=replace(query, text=text, sort=sort, page=page),
        rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(rows),
        pages=pages,
        counts={s: counts[s] for s in ALL if counts[s]},
        searched=search.kind,
        schools=tuple(s.id for s in whole),
        zone=(whole or services.org.schools_of(actor) or services.org.schools)[0].zone,
    )


@dataclass(frozen=True)
class _Search:
    """What a search selects: one case number, the report days of a period, or the cases
    about some pupils of the register."""

    kind: str | None = None  # "ref", "date", "pupil"
    ref: str | None = None
    days: tuple[date, date] | None = None
    pupils: tuple[int, ...] = ()


def _search(services: Services, schools: list[School], text: str, now: datetime) -> _Search:
    if not text:
        return _Search()
    if _REF.fullmatch(text):
        return _Search("ref", ref=canonical_ref(text))
    zone = schools[0].timezone if schools else "Europe/Oslo"
    try:
        when = parse_when(text, now=now, tz=zone, mode="past")
    except WhenError:
        pass
    else:
        first = when.at.date()
        return _Search("date", days=(first, when.until or first))
    found = tuple(
        int(hit.id)
        for school in schools
        if directory.has_directory(services, school.id)
        for hit in directory.search_pupils(services, school.id, text)
    )
    return _Search("pupil", pupils=found)


def _listed(session: Session, actor: str, whole: list[str], search: _Search) -> list[Case]:
    excluded = select(CaseAccess.case_id).where(
        CaseAccess.email == actor, CaseAccess.role == access.EXCLUDED
    )
    q = select(Case).where(Case.id.not_in(excluded))
    if whole:
        q = q.where(Case.school_id.in_(whole))
    else:
        held = select(CaseAccess.case_id).where(
            CaseAccess.email == actor, CaseAccess.role.in_(access.ACTING_ROLES)
        )
        q = q.where(Case.id.in_(held))
    if search.ref is not None:
        q = q.where(Case.ref == search.ref)
    if search.kind == "pupil":
        if not search.pupils:
            return []
        about = select(CasePupil.case_id).where(CasePupil.pupil_id.in_(search.pupils))
        q = q.where(Case.id.in_(about))
    return list(session.scalars(q.order_by(Case.id)))


def _zone(services: Services, school_id: str) -> ZoneInfo:
    try:
        return services.org.school(school_id).zone
    except KeyError:  # a school removed from org.yml: its cases are still listed
        return ZoneInfo("Europe/Oslo")


def _holders(session: Session, case_ids: list[int]) -> dict[int, str]:
    """Each case's holder: the latest leader it was forwarded to, else its nearest leader,
    else rektor, else skoleeier (never someone excluded from it)."""
    roles: dict[int, dict[str, str]] = defaultdict(dict)
    excluded: dict[int, set[str]] = defaultdict(set)
    for some in chunked(case_ids):
        for case_id, email, role in session.execute(
            select(CaseAccess.case_id, CaseAccess.email, CaseAccess.role)
            .where(CaseAccess.case_id.in_(some))
            .order_by(CaseAccess.id)
        ):
            if role == access.EXCLUDED:
                excluded[case_id].add(email)
            elif role in _HOLDERS and (role == str(Role.FORWARDED) or role not in roles[case_id]):
                roles[case_id][role] = email  # the first of each role; the last forwardee
    out = {}
    for case_id, held in roles.items():
        for role in _HOLDERS:
            if role in held and held[role] not in excluded[case_id]:
                out[case_id] = held[role]
                break
    return out


def _row(services: Services, case: Case, holder: str, names: dict[str, str], now: datetime) -> Row:
    zone = _zone(services, case.school_id)
    until = (case.closed_at or now).astimezone(zone).date()
    return Row(
        ref=case.ref,
        school_id=case.school_id,
        status=case.status,
        section=case.section,
        urgent=case.urgent,
        unit=case.unit,
        created_at=case.created_at,
        reported_on=case.created_at.astimezone(zone).date(),
        closed_at=case.closed_at,
        holder=holder,
        holder_name=names.get(holder, holder),
        age_days=max(0, (until - case.created_at.astimezone(zone).date()).days),
    )


_STATUS_ORDER = {s: n for n, s in enumerate(ALL)}
_SORT_KEYS = {
    # By status (new first, closed last), the urgent and oldest first within each.
    "status": lambda r: (_STATUS_ORDER.get(Status(r.status), 9), not r.urgent, r.created_at),
    # Oldest open case first; closed ones after, most recently closed first.
    "age": lambda r: (r.status == Status.CLOSED, -r.age_days, r.ref),
    "holder": lambda r: (r.holder_name.casefold() or "\uffff", _STATUS_ORDER[Status(r.status)]),
}

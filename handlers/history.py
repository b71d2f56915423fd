"""A pupil's history: the earlier cases about the same pupil, and reports that keep coming.

Cases are linked to a directory pupil through `case_pupils` (written when a report names a
picked pupil). Opening a case shows the other cases about its pupils that the person may open
(their refs) and how many more there are (a count only: that a case exists says nothing of
it). `policy.repeat_reports` ("3 per term") tells the leader and marks the R-team digest,
without names, when a pupil has been reported that many times within the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.access import access_of
from handlers.org import Org, RepeatReports, School
from handlers.services import Services
from store.directory_models import CasePupil
from store.models import Case


@dataclass(frozen=True)
class History:
    visible: list[str]  # refs the viewer may open, newest first
    hidden: int  # the other cases about the pupil


@dataclass(frozen=True)
class Repeat:
    pupil_id: str
    count: int  # cases about the pupil within the period
    refs: list[str]  # those cases, oldest first
    period: str  # week | month | term | year
    since: date


def pupil_history(
    services: Services, pupil_id: str, viewer: str, *, besides: str | None = None
) -> tuple[list[str], int]:
    """(refs of the cases about the pupil the viewer may open, how many others), leaving out
    the case `besides` (the one being opened)."""
    if not pupil_id.isdigit():
        return [], 0
    with services.uow() as session:
        cases = session.scalars(
            select(Case)
            .where(
                Case.id.in_(select(CasePupil.case_id).where(CasePupil.pupil_id == int(pupil_id)))
            )
            .order_by(Case.created_at.desc(), Case.id.desc())
        )
        visible: list[str] = []
        hidden = 0
        for case in cases:
            if case.ref == besides:
                continue
            if access_of(session, services.org, case, viewer).may_open:
                visible.append(case.ref)
            else:
                hidden += 1
    return visible, hidden


def case_history(services: Services, ref: str, viewer: str) -> tuple[list[str], int]:
    """The earlier cases about any pupil of case `ref` picked from the register: the refs the
    viewer may open, and how many others (a count only)."""
    from store import case_pupils

    with services.uow() as session:
        pupil_ids = [p.pupil_id for p in case_pupils.of_ref(session, ref) if p.pupil_id]
    visible: list[str] = []
    hidden = 0
    for pupil_id in pupil_ids:
        refs, others = pupil_history(services, pupil_id, viewer, besides=ref.strip().upper())
        visible += [r for r in refs if r not in visible]
        hidden += others
    return visible, hidden


def period_start(rule: RepeatReports, school: School, at: datetime) -> date:
    """The first day of the period `at` falls in, in the school's zone. A term is a half
    school year: August–December, January–July; a year is the school year from 1 August."""
    day = at.astimezone(school.zone).date()
    if rule.period == "week":
        return day - timedelta(days=day.weekday())
    if rule.period == "month":
        return day.replace(day=1)
    if rule.period == "term":
        return day.replace(month=8, day=1) if day.month >= 8 else day.replace(month=1, day=1)
    return date(day.year if day.month >= 8 else day.year - 1, 8, 1)


def repeats(session: Session, school: School, at: datetime) -> list[Repeat]:
    """The school's pupils reported at least `policy.repeat_reports` times in the period."""
    school_id = school.id
    rule = school.policy.repeat_reports
    if rule is None:
        return []
    since = period_start(rule, school, at)
    start = datetime.combine(since, datetime.min.time(), tzinfo=school.zone)
    counted = (
        select(CasePupil.pupil_id, func.count(func.distinct(CasePupil.case_id)))
        .join(Case, Case.id == CasePupil.case_id)
        .where(
            Case.school_id == school_id,
            Case.created_at >= start,
            Case.created_at <= at,
            CasePupil.pupil_id.is_not(None),
        )
        .group_by(CasePupil.pupil_id)
        .having(func.count(func.distinct(CasePupil.case_id)) >= rule.count)
    )
    out = []
    for pupil_id, count in session.execute(counted):
        refs = list(
            session.scalars(
                select(Case.ref)
                .join(CasePupil, CasePupil.case_id == Case.id)
                .where(
                    CasePupil.pupil_id == pupil_id,
                    Case.school_id == school_id,
                    Case.created_at >= start,
                    Case.created_at <= at,
                )
                .distinct()
                .order_by(Case.ref)
            )
        )
        out.append(Repeat(str(pupil_id), int(count), refs, rule.period, since))
    return sorted(out, key=lambda r: (-r.count, r.refs))


def repeat_of_case(session: Session, school: School, case: Case, at: datetime) -> Repeat | None:
    """The repeat the case belongs to (the most reported of its pupils), if any."""
    found = [r for r in repeats(session, school, at) if case.ref in r.refs]
    return found[0] if found else None


REPEAT_REPORTS = "repeat_reports"  # notice kind: to the case's leaders, no names
_LEADING = ("leader", "rektor", "forwarded")


def notify_repeat(session: Session, org: Org, case: Case, at: datetime) -> int:
    """When the case's pupil has now been reported `policy.repeat_reports` times in the period,
    tell the leaders on the case (once per case and leader): the ref, how many, since when.
    Call after the case's pupils are linked. Returns the number of notices queued."""
    from handlers.notices import Notice, emit
    from store.models import CaseAccess

    school = org.school(case.school_id)
    repeat = repeat_of_case(session, school, case, at)
    if repeat is None:
        return 0
    roles = session.execute(
        select(CaseAccess.email, CaseAccess.role).where(CaseAccess.case_id == case.id)
    ).all()
    excluded = {email for email, role in roles if role == "excluded"}
    leaders = sorted({email for email, role in roles if role in _LEADING} - excluded)
    queued = 0
    for email in leaders:
        notice = Notice(
            kind=REPEAT_REPORTS,
            lang=org.language_of(email, school),
            recipient=email,
            data={
                "ref": case.ref,
                "count": repeat.count,
                "period": repeat.period,
                "since": repeat.since.isoformat(),
            },
            dedupe_key=f"repeat:{case.ref}:{email}",
        )
        queued += emit(session, notice, at, case)
    return queued


def digest_marks(session: Session, school: School, at: datetime) -> dict[str, int]:
    """For the R-team digest: case ref → how many times its pupil was reported in the period,
    for the cases of pupils at or over `policy.repeat_reports` (refs and counts, no names)."""
    marks: dict[str, int] = {}
    for repeat in repeats(session, school, at):
        for ref in repeat.refs:
            marks[ref] = max(marks.get(ref, 0), repeat.count)
    return marks

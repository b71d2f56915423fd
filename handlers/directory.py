"""Reading the directory: the pupil picker, a pupil with their foresatte, every name a copy
must redact, staff by name, display names.

The directory is filled by `meldefra directory sync` (handlers/directory_sync.py). A school
without it works as before: `has_directory` is False and pupils are typed.

Ids handed out here are strings (a pupil's is its row id as text): the edges put them in
option values and button data as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.services import Services
from store.db import chunked
from store.directory import PREFIX, NameIndex, fold, pupils_with_keys, words
from store.directory_models import DirGuardian, DirPupil, DirSchool, DirStaff, DirStaffSchool

# The most candidates opened for one search before giving up on ordering all of them: a
# single letter at a school of 1,500 pupils stays well inside it.
_CANDIDATES = 2000
_CLASS = re.compile(r"\d")


@dataclass(frozen=True)
class PupilHit:
    id: str
    name: str
    group: str | None
    grade: str | None


@dataclass(frozen=True)
class Guardian:
    id: str
    name: str
    relation: str  # parent | guardian | relative | other


@dataclass(frozen=True)
class Pupil:
    id: str
    source_id: str
    name: str
    birth_date: date | None
    school: str
    group: str | None
    grade: str | None
    status: str  # active | left
    guardians: list[Guardian]


@dataclass(frozen=True)
class RedactionName:
    pupil_id: str
    name: str
    kind: str  # pupil | guardian


@dataclass(frozen=True)
class StaffHit:
    email: str
    name: str


def has_directory(services: Services, school: str) -> bool:
    """Whether the school's pupils come from a directory (else they are typed, as before)."""
    with services.uow() as session:
        return bool(session.scalar(select(exists().where(DirPupil.school_id == school))))


def _grade_key(text: str) -> str:
    return text.lstrip("0") or text


def search_pupils(services: Services, school: str, query: str, limit: int = 20) -> list[PupilHit]:
    """Active pupils of `school` whose name parts start with every typed word, in the class
    any typed word with a digit names ("kari 8b", "8B", "ha kari"); by name, then class."""
    tokens = words(query)
    if not tokens or limit <= 0:
        return []
    classes = [t for t in tokens if _CLASS.search(t)]
    names = [t for t in tokens if not _CLASS.search(t)]
    with services.uow() as session:
        index = NameIndex(session)
        stmt = select(
            DirPupil.id, DirPupil.name, DirPupil.sealed, DirPupil.group_name, DirPupil.grade
        ).where(DirPupil.school_id == school, DirPupil.status == "active")
        for token in classes:
            stmt = stmt.where(
                or_(
                    DirPupil.group_key == token,
                    DirPupil.group_key.startswith(token, autoescape=True),
                    func.ltrim(DirPupil.grade, "0") == _grade_key(token),
                )
            )
        # Words of PREFIX letters or more are looked up by their tag; shorter ones (and the
        # rest of a longer one) are checked on the opened names.
        keys = sorted({index.key(school, t) for t in names if len(t) >= PREFIX})
        if keys:
            stmt = stmt.where(DirPupil.id.in_(pupils_with_keys(keys)))
        # Through the connection: plain rows, without the ORM's per-row result processing.
        rows = session.connection().execute(stmt.limit(_CANDIDATES)).all()
        found = []
        for pupil_id, stored, sealed, group, grade in rows:
            name = index.open(stored, sealed)
            folded = fold(name)
            parts = folded.split()
            if all(any(p.startswith(t) for p in parts) for t in names):
                found.append((folded, group or "", pupil_id, name, grade))
    found.sort(key=lambda f: f[:3])
    return [
        PupilHit(id=str(pupil_id), name=name, group=group or None, grade=grade)
        for _folded, group, pupil_id, name, grade in found[:limit]
    ]


def _pupil_id(pupil_id: str) -> int | None:
    return int(pupil_id) if pupil_id.isdigit() else None


def get_pupil(services: Services, pupil_id: str) -> Pupil | None:
    row_id = _pupil_id(pupil_id)
    if row_id is None:
        return None
    with services.uow() as session:
        pupil = session.get(DirPupil, row_id)
        if pupil is None:
            return None
        index = NameIndex(session)
        guardians = session.scalars(
            select(DirGuardian).where(DirGuardian.pupil_id == row_id).order_by(DirGuardian.id)
        )
        return Pupil(
            id=str(pupil.id),
            source_id=pupil.source_id,
            name=index.open(pupil.name, pupil.sealed),
            birth_date=pupil.birth_date,
            school=pupil.school_id,
            group=pupil.group_name,
            grade=pupil.grade,
            status=pupil.status,
            guardians=[
                Guardian(id=str(g.id), name=index.open(g.name, g.sealed), relation=g.relation)
                for g in guardians
            ],
        )


def names_for_redaction(services: Services, school: str) -> list[RedactionName]:
    """Every pupil the directory has known at the school (those who left too) and each one's
    foresatte, pupils first: what a copy for one party must not show."""
    with services.uow() as session:
        index = NameIndex(session)
        pupils = session.execute(
            select(DirPupil.id, DirPupil.name, DirPupil.sealed)
            .where(DirPupil.school_id == school)
            .order_by(DirPupil.id)
        ).all()
        out = [RedactionName(str(i), index.open(n, s), "pupil") for i, n, s in pupils]
        for batch in chunked([i for i, _, _ in pupils]):
            guardians = session.execute(
                select(DirGuardian.pupil_id, DirGuardian.name, DirGuardian.sealed)
                .where(DirGuardian.pupil_id.in_(batch))
                .order_by(DirGuardian.id)
            )
            out.extend(RedactionName(str(i), index.open(n, s), "guardian") for i, n, s in guardians)
    return out


def search_staff(
    services: Services, school: str | None, query: str, limit: int = 20
) -> list[StaffHit]:
    """Active staff (of `school`, or anywhere) whose name parts start with every typed word, or
    whose e-mail starts with what was typed."""
    tokens = words(query)
    typed = query.strip().lower()
    if not tokens or limit <= 0:
        return []
    by_name = and_(
        *(
            or_(
                DirStaff.name_key.startswith(t, autoescape=True),
                DirStaff.name_key.contains(" " + t, autoescape=True),
            )
            for t in tokens
        )
    )
    stmt = select(DirStaff.email, DirStaff.name).where(
        DirStaff.status == "active",
        or_(DirStaff.email.startswith(typed, autoescape=True), by_name),
    )
    if school is not None:
        at_school = select(DirStaffSchool.staff_id).where(DirStaffSchool.school_id == school)
        stmt = stmt.where(DirStaff.id.in_(at_school))
    with services.uow() as session:
        rows = session.execute(stmt.order_by(DirStaff.name_key, DirStaff.email).limit(limit))
        return [StaffHit(email=e, name=n or e) for e, n in rows]


def display_name(services: Services, email: str) -> str | None:
    return display_names(services, [email]).get(email.strip().lower())


def display_names(services: Services, emails: Iterable[str]) -> dict[str, str]:
    """E-mail (lower case) → display name, for the e-mails the directory has a name for."""
    wanted = sorted({e.strip().lower() for e in emails if e})
    out: dict[str, str] = {}
    if not wanted:
        return out
    with services.uow() as session:
        for batch in chunked(wanted):
            rows = session.execute(
                select(DirStaff.email, DirStaff.name).where(
                    DirStaff.email.in_(batch), DirStaff.name.is_not(None)
                )
            )
            out.update({e: n for e, n in rows if n})
    return out


def schools(session: Session) -> list[DirSchool]:
    return list(session.scalars(select(DirSchool).order_by(DirSchool.id)))


@dataclass(frozen=True)
class SchoolCounts:
    school: str
    name: str
    source: str
    synced_at: datetime | None
    pupils: int
    left: int
    guardians: int
    staff: int
    groups: int


def counts(services: Services, school: str | None = None) -> list[SchoolCounts]:
    """Per school: active pupils, pupils who left, foresatte, active staff, classes."""
    with services.uow() as session:
        wanted = select(DirSchool).order_by(DirSchool.id)
        if school is not None:
            wanted = wanted.where(DirSchool.id == school)
        out = []
        for row in session.scalars(wanted):

            def count(stmt: Any) -> int:
                return int(session.scalar(stmt) or 0)

            pupils = select(func.count()).select_from(DirPupil).where(DirPupil.school_id == row.id)
            out.append(
                SchoolCounts(
                    school=row.id,
                    name=row.name,
                    source=row.source,
                    synced_at=row.synced_at,
                    pupils=count(pupils.where(DirPupil.status == "active")),
                    left=count(pupils.where(DirPupil.status == "left")),
                    guardians=count(
                        select(func.count())
                        .select_from(DirGuardian)
                        .join(DirPupil, DirPupil.id == DirGuardian.pupil_id)
                        .where(DirPupil.school_id == row.id, DirPupil.status == "active")
                    ),
                    staff=count(
                        select(func.count())
                        .select_from(DirStaffSchool)
                        .join(DirStaff, DirStaff.id == DirStaffSchool.staff_id)
                        .where(DirStaffSchool.school_id == row.id, DirStaff.status == "active")
                    ),
                    groups=count(
                        select(func.count(func.distinct(DirPupil.group_key))).where(
                            DirPupil.school_id == row.id, DirPupil.status == "active"
                        )
                    ),
                )
            )
        return out


def org_problems(services: Services) -> list[tuple[str, dict[str, str]]] | None:
    """org.yml's people against the directory: (catalog key, values) for each person who is
    not in it, has left, or works at another school; None when the directory has no staff."""
    org = services.org
    with services.uow() as session:
        if not session.scalar(select(exists().where(DirStaff.source_id.is_not(None)))):
            return None
        people = {p for school in org.schools for p in school.staff()}
        rows: dict[str, tuple[str, set[str]]] = {}
        for batch in chunked(sorted(people)):
            found = session.execute(
                select(DirStaff.email, DirStaff.status, DirStaffSchool.school_id)
                .outerjoin(DirStaffSchool, DirStaffSchool.staff_id == DirStaff.id)
                .where(DirStaff.email.in_(batch), DirStaff.source_id.is_not(None))
            )
            for email, status, school_id in found:
                if school_id:
                    rows.setdefault(email, (status, set()))[1].add(school_id)
                else:
                    rows.setdefault(email, (status, set()))
        known_schools = set(session.scalars(select(DirSchool.id)))
    problems: list[tuple[str, dict[str, str]]] = []
    for school in org.schools:
        if school.id not in known_schools:
            continue  # a school the source does not cover: nothing to check it against
        for email in sorted(school.staff()):
            found_entry = rows.get(email)
            if found_entry is None:
                problems.append(("dir.check.unknown", {"school": school.id, "email": email}))
            elif found_entry[0] == "left":
                problems.append(("dir.check.left", {"school": school.id, "email": email}))
            elif school.id not in found_entry[1]:
                where = ", ".join(sorted(found_entry[1])) or "–"
                problems.append(
                    (
                        "dir.check.wrong_school",
                        {"school": school.id, "email": email, "where": where},
                    )
                )
    return problems


def remember_display_name(services: Services, email: str, name: str | None, platform: str) -> None:
    """A display name learnt from Slack (users.info) or Teams (the activity's sender), for a
    person no source names: kept until a source gives one (the source always wins)."""
    email, name = email.strip().lower(), (name or "").strip()
    if not email or not name:
        return
    try:
        with services.uow() as session:
            row = session.scalars(select(DirStaff).where(DirStaff.email == email)).first()
            if row is None:
                session.add(
                    DirStaff(
                        source_id=None,
                        email=email,
                        name=name,
                        name_key=fold(name),
                        name_from=platform,
                        status="active",
                        digest="",
                        updated_at=services.clock.now(),
                    )
                )
            elif (row.name_from != "source" or not row.name) and row.name != name:
                row.name, row.name_key, row.name_from = name, fold(name), platform
                row.updated_at = services.clock.now()
    except IntegrityError:
        pass  # learnt at the same moment by another request: one of them is kept

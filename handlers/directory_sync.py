"""Bringing the directory up to date from a source's snapshot, in one transaction.

A source adapter (handlers/oneroster.py, bot/teams/graph_directory.py) reads everything into a
`Snapshot` first, problems included; `apply` then writes the difference or, when the source
had any problem, nothing at all. Running it twice changes nothing the second time: each pupil
and staff record is compared by a keyed digest (store/directory.py), so an unchanged
municipality costs reading it, not writing it.

Nobody is deleted: a pupil or staff member the source no longer lists is marked left (their
cases keep their link, and redaction still knows the name); one who comes back is active
again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from handlers.org import Org
from handlers.services import Services
from store.db import bulk_insert, chunked, new_ids
from store.directory import NameIndex, drop_keys, fold, pupil_digest, write_keys
from store.directory_models import (
    DirGuardian,
    DirPupil,
    DirSchool,
    DirStaff,
    DirStaffSchool,
    table_of,
)

SOURCES = ("oneroster", "graph")


# The records are named tuples: a municipality's read builds 300,000 of them, and a frozen
# dataclass costs three times as much to make.
class SchoolRecord(NamedTuple):
    source_id: str
    name: str
    identifier: str | None = None  # e.g. the organisation number


class StaffRecord(NamedTuple):
    source_id: str
    email: str
    name: str | None
    schools: tuple[str, ...]  # source ids of schools


class GuardianRecord(NamedTuple):
    source_id: str
    name: str
    relation: str  # parent | guardian | relative | other


class PupilRecord(NamedTuple):
    source_id: str
    name: str
    school: str  # the school's source id
    birth_date: date | None = None
    group: str | None = None
    grade: str | None = None
    guardians: tuple[GuardianRecord, ...] = ()


@dataclass
class Snapshot:
    """Everything a source says, and every problem met while reading it (one line each, in
    the operator's words: "users.csv line 12: birthDate '2011-13-02' is not a date")."""

    source: str
    schools: list[SchoolRecord] = field(default_factory=list)
    staff: list[StaffRecord] = field(default_factory=list)
    pupils: list[PupilRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class SyncProblems(Exception):
    """The source could not be read cleanly; nothing was changed."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Change:
    added: int = 0
    changed: int = 0
    left: int = 0


@dataclass(frozen=True)
class SyncResult:
    schools: Change
    staff: Change
    pupils: Change

    @property
    def unchanged(self) -> bool:
        return all(c == Change() for c in (self.schools, self.staff, self.pupils))


def school_ids(org: Org, schools: Iterable[SchoolRecord]) -> dict[str, str]:
    """Source school id → Meldefra school id: the org.yml school whose `source_id` (or id) is
    the source's id or identifier; a school not in org.yml keeps its source id."""
    known: dict[str, str] = {}
    for school in org.schools:
        known[school.id] = school.id
        if school.source_id:
            known[school.source_id] = school.id
    mapped = {}
    for record in schools:
        candidates = (record.source_id, record.identifier)
        mapped[record.source_id] = next(
            (known[c] for c in candidates if c and c in known), record.source_id
        )
    return mapped


def check(snapshot: Snapshot) -> list[str]:
    """Problems that make the snapshot unusable as a whole, besides those met reading it."""
    problems = list(snapshot.problems)
    schools = {s.source_id for s in snapshot.schools}
    if not schools and not problems:
        problems.append(f"{snapshot.source}: no schools found")
    emails: dict[str, str] = {}
    for staff in snapshot.staff:
        other = emails.setdefault(staff.email.lower(), staff.source_id)
        if other != staff.source_id:
            problems.append(
                f"{snapshot.source}: the e-mail of staff {staff.source_id} is also {other}'s"
            )
    for pupil in snapshot.pupils:
        if pupil.school not in schools:
            problems.append(
                f"{snapshot.source}: pupil {pupil.source_id} is at school {pupil.school}, "
                "which the source does not list"
            )
    return problems


@contextmanager
def paused_gc() -> Iterator[None]:
    """Building hundreds of thousands of small records makes the cyclic collector walk them
    again and again (they hold no cycles): paused while a source is read and written."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def apply(services: Services, snapshot: Snapshot) -> SyncResult:
    """Write the snapshot's difference in one transaction; SyncProblems and no change when the
    snapshot has problems."""
    problems = check(snapshot)
    if problems:
        raise SyncProblems(problems)
    now = services.clock.now()
    ids = school_ids(services.org, snapshot.schools)
    with paused_gc(), services.uow() as session:
        index = NameIndex(session)
        schools = _schools(session, snapshot, ids, now)
        staff = _staff(session, snapshot.staff, ids, now)
        pupils = _pupils(session, index, snapshot.pupils, ids, now)
    return SyncResult(schools=schools, staff=staff, pupils=pupils)


def _schools(session: Session, snapshot: Snapshot, ids: Mapping[str, str], now: object) -> Change:
    existing = {s.id: s for s in session.scalars(select(DirSchool))}
    added = changed = 0
    for record in snapshot.schools:
        school_id = ids[record.source_id]
        row = existing.get(school_id)
        if row is None:
            session.add(
                DirSchool(
                    id=school_id,
                    source_id=record.source_id,
                    name=record.name,
                    source=snapshot.source,
                    synced_at=now,
                )
            )
            added += 1
        elif (row.source_id, row.name, row.source) != (
            record.source_id,
            record.name,
            snapshot.source,
        ):
            row.source_id, row.name, row.source = record.source_id, record.name, snapshot.source
            changed += 1
    session.flush()
    return Change(added=added, changed=changed)


def _staff(
    session: Session, records: Sequence[StaffRecord], ids: Mapping[str, str], now: object
) -> Change:
    rows = {
        email: (staff_id, source_id, digest, status, name_from)
        for staff_id, email, source_id, digest, status, name_from in session.connection().execute(
            select(
                DirStaff.id,
                DirStaff.email,
                DirStaff.source_id,
                DirStaff.digest,
                DirStaff.status,
                DirStaff.name_from,
            )
        )
    }
    added = changed = left = 0
    seen: set[str] = set()
    new_rows: list[dict[str, object]] = []
    new_schools: dict[str, list[str]] = {}
    for record in records:
        email = record.email.strip().lower()
        seen.add(email)
        schools = sorted({ids[s] for s in record.schools if s in ids})
        digest = "\x1f".join([record.source_id, record.name or "", *schools])
        current = rows.get(email)
        values = {
            "source_id": record.source_id,
            "email": email,
            "name": record.name,
            "name_key": fold(record.name or ""),
            "name_from": "source",
            "status": "active",
            "digest": digest,
            "updated_at": now,
        }
        if current is None:
            new_rows.append(values)
            new_schools[email] = schools
            added += 1
            continue
        staff_id, _source_id, old_digest, status, name_from = current
        if old_digest == digest and status == "active":
            continue
        if not record.name and name_from != "source":
            values.pop("name")  # keep a display name learnt from Slack or Teams
            values.pop("name_key")
            values.pop("name_from")
        session.execute(update(DirStaff).where(DirStaff.id == staff_id).values(**values))
        session.execute(delete(DirStaffSchool).where(DirStaffSchool.staff_id == staff_id))
        if schools:
            session.execute(
                insert(table_of(DirStaffSchool)),
                [{"staff_id": staff_id, "school_id": s} for s in schools],
            )
        changed += 1
    for batch in chunked(new_rows, 5000):
        table = table_of(DirStaff)
        inserted = (
            session.connection()
            .execute(insert(table).returning(table.c.id, table.c.email), batch)
            .all()
        )
        links = [
            {"staff_id": staff_id, "school_id": s}
            for staff_id, email in inserted
            for s in new_schools[email]
        ]
        if links:
            session.connection().execute(insert(table_of(DirStaffSchool)), links)
    gone = [
        staff_id
        for email, (staff_id, source_id, _d, status, _n) in rows.items()
        if email not in seen and source_id is not None and status == "active"
    ]
    for ids_left in chunked(gone):
        session.execute(
            update(DirStaff)
            .where(DirStaff.id.in_(ids_left))
            .values(status="left", digest="", updated_at=now)
        )
        left += len(ids_left)
    return Change(added=added, changed=changed, left=left)


def _pupils(
    session: Session,
    index: NameIndex,
    records: Sequence[PupilRecord],
    ids: Mapping[str, str],
    now: object,
) -> Change:
    rows = {
        source_id: (pupil_id, digest, status)
        for pupil_id, source_id, digest, status in session.connection().execute(
            select(DirPupil.id, DirPupil.source_id, DirPupil.digest, DirPupil.status)
        )
    }
    added = changed = left = 0
    seen: set[str] = set()
    inserts: list[tuple[dict[str, object], PupilRecord]] = []
    updates: list[tuple[int, dict[str, object], PupilRecord]] = []
    for record in records:
        seen.add(record.source_id)
        school_id = ids[record.school]
        digest = pupil_digest(
            index,
            school_id=school_id,
            name=record.name,
            birth_date=record.birth_date,
            group=record.group,
            grade=record.grade,
            guardians=[(g.source_id, g.name, g.relation) for g in record.guardians],
        )
        current = rows.get(record.source_id)
        if current is not None and current[1] == digest and current[2] == "active":
            continue
        name, sealed = index.seal(record.name)
        values: dict[str, object] = {
            "source_id": record.source_id,
            "school_id": school_id,
            "name": name,
            "sealed": sealed,
            "birth_date": record.birth_date,
            "group_name": record.group,
            "group_key": fold(record.group) if record.group else None,
            "grade": record.grade,
            "status": "active",
            "digest": digest,
            "updated_at": now,
            "left_at": None,
        }
        if current is None:
            inserts.append((values, record))
            added += 1
        else:
            updates.append((current[0], values, record))
            changed += 1
    # New pupils with ids taken up front, written through the driver: INSERT … RETURNING for
    # 100,000 rows cost minutes on PostgreSQL (psycopg parses each huge statement).
    # In source id order, so the unique index on it is filled from one end (a source's ids
    # are often random GUIDs); the guardians follow in pupil id order.
    inserts.sort(key=lambda insert: insert[1].source_id)
    fresh = new_ids(session, DirPupil.__tablename__, len(inserts))
    columns = ("id", *PUPIL_COLUMNS)
    bulk_insert(
        session,
        DirPupil.__tablename__,
        columns,
        (
            (pupil_id, *(values[c] for c in PUPIL_COLUMNS))
            for pupil_id, (values, _) in zip(fresh, inserts, strict=True)
        ),
        times=("birth_date", "updated_at", "left_at"),
    )
    added_rows = [(new_id, v, r) for new_id, (v, r) in zip(fresh, inserts, strict=True)]
    _write_people(session, index, added_rows)
    for batch2 in chunked(updates, 2000):
        pupil_ids = [pupil_id for pupil_id, _, _ in batch2]
        drop_keys(session, pupil_ids)
        session.execute(delete(DirGuardian).where(DirGuardian.pupil_id.in_(pupil_ids)))
        for pupil_id, values, _ in batch2:
            session.execute(update(DirPupil).where(DirPupil.id == pupil_id).values(**values))
        _write_people(session, index, batch2)
    gone = [
        pupil_id
        for source_id, (pupil_id, _digest, status) in rows.items()
        if source_id not in seen and status == "active"
    ]
    for batch3 in chunked(gone):
        session.execute(
            update(DirPupil)
            .where(DirPupil.id.in_(batch3))
            .values(status="left", left_at=now, updated_at=now)
        )
        left += len(batch3)
    return Change(added=added, changed=changed, left=left)


PUPIL_COLUMNS = (
    "source_id",
    "school_id",
    "name",
    "sealed",
    "birth_date",
    "group_name",
    "group_key",
    "grade",
    "status",
    "digest",
    "updated_at",
    "left_at",
)


def _write_people(
    session: Session,
    index: NameIndex,
    pupils: Sequence[tuple[int, Mapping[str, object], PupilRecord]],
) -> None:
    def guardians() -> Iterator[tuple[object, ...]]:
        for pupil_id, _values, record in pupils:
            for guardian in record.guardians:
                name, sealed = index.seal(guardian.name)
                yield pupil_id, guardian.source_id, name, sealed, guardian.relation

    bulk_insert(
        session,
        DirGuardian.__tablename__,
        ("pupil_id", "source_id", "name", "sealed", "relation"),
        guardians(),
        times=(),
    )
    write_keys(
        session, index, [(pupil_id, str(v["school_id"]), r.name) for pupil_id, v, r in pupils]
    )

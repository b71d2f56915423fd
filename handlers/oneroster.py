"""OneRoster 1.1 CSV (the bulk export of school administration systems, also read by Microsoft
School Data Sync) into a directory `Snapshot`.

Read: orgs.csv (schools), users.csv (students, staff and foresatte; a student's foresatte are
its `agentSourcedIds`, or the foresatte's own `agentSourcedIds` name the student), classes.csv
and enrollments.csv (a student's homeroom class is their class/basisgruppe), demographics.csv
(`birthDate`). Rows with status `tobedeleted` are skipped. Columns are found by their header,
so extra or reordered columns are fine; a missing column, an unreadable file, a row without a
sourcedId, a date that is not a date or a reference to someone who is not there is a problem,
one line each ("users.csv line 12: …"), and a snapshot with problems changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from handlers.directory_sync import (
    GuardianRecord,
    PupilRecord,
    SchoolRecord,
    Snapshot,
    StaffRecord,
    paused_gc,
)

STAFF_ROLES = frozenset({"teacher", "administrator", "aide", "proctor"})
GUARDIAN_ROLES = {"guardian": "guardian", "parent": "parent", "relative": "relative"}
MAX_PROBLEMS = 50

REQUIRED: dict[str, tuple[str, ...]] = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "users.csv": ("sourcedId", "role", "givenName", "familyName"),
    "classes.csv": ("sourcedId", "title", "classType", "schoolSourcedId"),
    "enrollments.csv": ("classSourcedId", "userSourcedId", "role"),
    "demographics.csv": ("sourcedId", "birthDate"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "orgs.csv": ("identifier",),
    "users.csv": ("middleName", "email", "orgSourcedIds", "agentSourcedIds", "grades"),
    "classes.csv": ("classCode", "grades"),
    "enrollments.csv": (),
    "demographics.csv": (),
}
OPTIONAL_FILES = frozenset({"classes.csv", "enrollments.csv", "demographics.csv"})


class _User(NamedTuple):
    line: int
    role: str
    name: str
    email: str
    orgs: list[str]
    agents: list[str]
    grades: str


@dataclass
class _Reader:
    folder: Path
    problems: list[str] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # files that could not be read at all

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def unreadable(self, name: str, text: str) -> None:
        self.broken.add(name)
        self.problem(f"{name}: {text}")

    def rows(self, name: str) -> Iterator[tuple[int, tuple[str, ...]]]:
        """(line number, the values of REQUIRED[name] then OPTIONAL[name], "" for an optional
        column the file does not have) for the live rows of one file."""
        path = self.folder / name
        if not path.exists():
            if name not in OPTIONAL_FILES:
                self.unreadable(name, f"missing in {self.folder}")
            return
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                if header is None:
                    self.unreadable(name, "empty (no header line)")
                    return
                columns = {c.strip(): i for i, c in enumerate(header)}
                missing = [c for c in REQUIRED[name] if c not in columns]
                if missing:
                    self.unreadable(name, f"no column {', '.join(missing)} in the header")
                    return
                width = len(header)
                # An absent optional column reads the "" appended to every row.
                wanted = [columns.get(c, width) for c in (*REQUIRED[name], *OPTIONAL[name])]
                pad = width in wanted
                pick = itemgetter(*wanted)
                status = columns.get("status", width)
                # The loop runs for every one of a municipality's 600,000 lines: kept lean.
                for row in reader:
                    if len(row) != width:
                        if row:
                            self.problem(
                                f"{name} line {reader.line_num}: {len(row)} fields, "
                                f"the header has {width}"
                            )
                        continue
                    if pad:
                        row.append("")
                    if status < width and row[status] == "tobedeleted":
                        continue
                    yield reader.line_num, pick(row)
        except UnicodeDecodeError:
            self.unreadable(name, "not UTF-8 text")
        except csv.Error as exc:
            self.unreadable(name, f"not valid CSV ({exc})")
        except OSError as exc:
            self.unreadable(name, f"cannot be read ({exc.strerror or exc})")


def _ids(text: str) -> list[str]:
    if "," not in text:
        text = text.strip()
        return [text] if text else []
    return [part for part in map(str.strip, text.split(",")) if part]


def read(folder: str | Path) -> Snapshot:
    """Everything the files say, and every problem found (the snapshot is then not applied)."""
    with paused_gc():
        return _read(folder)


def _read(folder: str | Path) -> Snapshot:
    reader = _Reader(Path(folder))
    snapshot = Snapshot(source="oneroster")
    if not reader.folder.is_dir():
        snapshot.problems.append(f"{reader.folder}: not a folder of OneRoster CSV files")
        return snapshot
    schools: dict[str, SchoolRecord] = {}
    for line, (org_id, name, kind, identifier) in reader.rows("orgs.csv"):
        org_id = org_id.strip()
        if not org_id:
            reader.problem(f"orgs.csv line {line}: no sourcedId")
        elif kind.strip() == "school":
            if org_id in schools:
                reader.problem(f"orgs.csv line {line}: sourcedId {org_id} twice")
            schools[org_id] = SchoolRecord(
                org_id, name.strip() or org_id, identifier.strip() or None
            )
    users = _users(reader)
    if reader.broken & {"orgs.csv", "users.csv"}:
        # Without the schools or the people every other line would be a problem too.
        snapshot.problems = _capped(reader.problems)
        return snapshot
    birth = _birth_dates(reader, users)
    groups = _homerooms(reader, users, schools)
    guardians = _guardians(reader, users)
    for source_id, user in users.items():
        user_schools = [o for o in user.orgs if o in schools]
        if user.role == "student":
            group = groups.get(source_id)
            school = user_schools[0] if user_schools else (group[0] if group else None)
            if school is None:
                reader.problem(f"users.csv line {user.line}: student {source_id} has no school")
                continue
            grade = user.grades.split(",")[0].strip() or (group[2] if group else "")
            snapshot.pupils.append(
                PupilRecord(
                    source_id=source_id,
                    name=user.name,
                    school=school,
                    birth_date=birth.get(source_id),
                    group=group[1] if group else None,
                    grade=grade or None,
                    guardians=tuple(guardians.get(source_id, ())),
                )
            )
        elif user.role in STAFF_ROLES and user.email:
            snapshot.staff.append(
                StaffRecord(source_id, user.email.lower(), user.name, tuple(user_schools))
            )
    snapshot.schools = list(schools.values())
    snapshot.problems = _capped(reader.problems)
    return snapshot


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS} more problems"]


def _users(reader: _Reader) -> dict[str, _User]:
    users: dict[str, _User] = {}
    for line, row in reader.rows("users.csv"):
        source_id, role, given, family, middle, email, orgs, agents, grades = row
        source_id = source_id.strip()
        if not source_id:
            reader.problem(f"users.csv line {line}: no sourcedId")
            continue
        if source_id in users:
            reader.problem(f"users.csv line {line}: sourcedId {source_id} twice")
            continue
        name = " ".join(filter(None, (given.strip(), middle.strip(), family.strip())))
        role = role.strip().lower()
        if not name and (role == "student" or role in GUARDIAN_ROLES):
            reader.problem(f"users.csv line {line}: {role} {source_id} has no name")
            continue
        users[source_id] = _User(
            line,
            role,
            name,
            email.strip(),
            _ids(orgs) if orgs else [],
            _ids(agents) if agents else [],
            grades,
        )
    return users


def _birth_dates(reader: _Reader, users: dict[str, _User]) -> dict[str, date]:
    out: dict[str, date] = {}
    for line, (user_id, raw) in reader.rows("demographics.csv"):
        raw, user_id = raw.strip(), user_id.strip()
        if not raw or user_id not in users:
            continue
        try:
            out[user_id] = date.fromisoformat(raw)
        except ValueError:
            reader.problem(f"demographics.csv line {line}: birthDate {raw!r} is not a date")
    return out


def _homerooms(
    reader: _Reader, users: dict[str, _User], schools: dict[str, SchoolRecord]
) -> dict[str, tuple[str, str, str]]:
    """Student → (school, class name, the class's first grade) of their homeroom class."""
    classes: dict[str, tuple[str, str, str]] = {}
    for line, (class_id, title, class_type, school, code, grades) in reader.rows("classes.csv"):
        if class_type.strip() != "homeroom":
            continue
        school = school.strip()
        if school not in schools:
            reader.problem(f"classes.csv line {line}: school {school} is not in orgs.csv")
            continue
        grade = grades.split(",")[0].strip()
        classes[class_id.strip()] = (school, title.strip() or code.strip(), grade)
    out: dict[str, tuple[str, str, str]] = {}
    # An enrollment of someone not in users.csv (deleted since) is not a problem: skipped.
    for _line, (class_id, user_id, role) in reader.rows("enrollments.csv"):
        found = classes.get(class_id.strip())
        user_id = user_id.strip()
        if role.strip() == "student" and found is not None and user_id in users:
            out.setdefault(user_id, found)
    return out


def _guardians(reader: _Reader, users: dict[str, _User]) -> dict[str, list[GuardianRecord]]:
    """Student → their foresatte, from either side's agentSourcedIds."""
    pairs: dict[str, dict[str, None]] = {}
    for source_id, user in users.items():
        for agent in user.agents:
            other = users.get(agent)
            if other is None:
                reader.problem(
                    f"users.csv line {user.line}: agentSourcedIds names {agent}, "
                    "who is not in users.csv"
                )
            elif user.role == "student" and other.role in GUARDIAN_ROLES:
                pairs.setdefault(source_id, {})[agent] = None
            elif user.role in GUARDIAN_ROLES and other.role == "student":
                pairs.setdefault(agent, {})[source_id] = None
    return {
        student: [
            GuardianRecord(g, users[g].name, GUARDIAN_ROLES[users[g].role]) for g in guardians
        ]
        for student, guardians in pairs.items()
    }

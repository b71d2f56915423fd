"""The directory: schools, staff, pupils and their foresatte, copied from the school's systems.

A copy, refreshed by `meldefra directory sync` (OneRoster CSV or Microsoft Graph); the source
stays the system of record. Pupils' and foresatte's names are sealed at rest like the case
texts when a keyring is configured, and found through `dir_name_keys`: keyed (HMAC)
digests of normalised name prefixes (store/directory.py). No national identity numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base
from store.types import UTCDateTime


class DirSchool(Base):
    """A school the directory knows; `id` is the org.yml school id when the school is there."""

    __tablename__ = "dir_schools"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(20))  # oneroster | graph
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DirStaff(Base):
    """An adult who works at one or more schools; the e-mail joins Slack and Teams users."""

    __tablename__ = "dir_staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # None for a person known only from a chat platform (a display name from users.info).
    source_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower case
    name: Mapped[str | None] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255), default="")  # normalised, for search
    name_from: Mapped[str] = mapped_column(String(20))  # oneroster | graph | slack | teams
    status: Mapped[str] = mapped_column(String(8), default="active")  # active | left
    digest: Mapped[str] = mapped_column(String(64), default="")  # of the source record
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DirStaffSchool(Base):
    __tablename__ = "dir_staff_schools"

    staff_id: Mapped[int] = mapped_column(ForeignKey("dir_staff.id"), primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("dir_schools.id"), primary_key=True)


class DirPupil(Base):
    """A pupil. Never deleted: a pupil who is no longer in the source is marked left, so the
    cases about them keep their link and redaction still knows the name."""

    __tablename__ = "dir_pupils"
    __table_args__ = (Index("ix_dir_pupils_school_status", "school_id", "status", "group_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(String(255), unique=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("dir_schools.id"))
    name: Mapped[str] = mapped_column(Text)  # a Fernet token when `sealed`
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    birth_date: Mapped[date | None] = mapped_column(Date)
    group_name: Mapped[str | None] = mapped_column(String(64))  # class / basisgruppe, "8B"
    group_key: Mapped[str | None] = mapped_column(String(64))  # normalised: "8b"
    grade: Mapped[str | None] = mapped_column(String(16))  # trinn, "8"
    status: Mapped[str] = mapped_column(String(8), default="active")  # active | left
    # Keyed digest of everything synced about the pupil (guardians included): an unchanged
    # pupil is recognised without opening a sealed name.
    digest: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DirGuardian(Base):
    """One of a pupil's foresatte (name and relation only: no feature needs contact details)."""

    __tablename__ = "dir_guardians"
    __table_args__ = (UniqueConstraint("pupil_id", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("dir_pupils.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(Text)  # a Fernet token when `sealed`
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    relation: Mapped[str] = mapped_column(String(20))  # parent | guardian | relative | other


class DirNameKey(Base):
    """The search index over sealed names: one row per (normalised name-part prefix, pupil).

    `key` is HMAC-SHA256(index key, school id + prefix), truncated: the database holds no
    name, not even a prefix, and equal prefixes at two schools do not look alike.
    """

    __tablename__ = "dir_name_keys"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("dir_pupils.id"), primary_key=True, index=True)


class CasePupil(Base):
    """A pupil a case is about: picked from the directory (`pupil_id`) or typed (`typed`, the
    name as written, sealed like the case texts). Kept when the pupil leaves the school, so
    their earlier cases are still found (handlers/history.py)."""

    __tablename__ = "case_pupils"
    __table_args__ = (Index("ix_case_pupils_pupil", "pupil_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("dir_pupils.id"))
    name: Mapped[str | None] = mapped_column(Text)  # a sealed token when `sealed`
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    typed: Mapped[bool] = mapped_column(Boolean, default=False)


def table_of(model: type[Base]) -> Table:
    """A model's Table, for Core bulk inserts (the ORM's bulk path costs several times more)."""
    return cast(Table, model.__table__)

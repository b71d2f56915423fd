"""The pupils a case is about (table `case_pupils`): written when the report is filed,
read by the plan (one per pupil), the case file and the 18+ rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import crypto
from store.directory_models import CasePupil
from store.models import Case, CaseAccess, Event


@dataclass(frozen=True)
class OnCase:
    position: int  # from 1, in the order the report named them
    pupil_id: str | None  # the directory's pupil, None when typed
    name: str | None  # None once the case was archived
    typed: bool


def add(session: Session, case_id: int, pupils: Sequence[tuple[str | None, str]]) -> None:
    """Record the pupils of a new case: (directory id or None when typed, name)."""
    rows = []
    for pupil_id, name in pupils:  # in order: a pupil's position is the order of the rows
        body, sealed = crypto.store_body(session, name)
        rows.append(
            CasePupil(
                case_id=case_id,
                pupil_id=int(pupil_id) if pupil_id is not None else None,
                name=body,
                sealed=sealed,
                typed=pupil_id is None,
            )
        )
    session.add_all(rows)


def of_case(session: Session, case_id: int) -> list[OnCase]:
    rows = session.scalars(
        select(CasePupil).where(CasePupil.case_id == case_id).order_by(CasePupil.id)
    )
    return [
        OnCase(
            position,
            str(r.pupil_id) if r.pupil_id is not None else None,
            crypto.opened(session, r.name, r.sealed),
            r.typed,
        )
        for position, r in enumerate(rows, 1)
    ]


def remove_names(session: Session, case_id: int) -> None:
    """Archiving: the names go with the case's other free text; who was picked stays."""
    session.execute(
        update(CasePupil).where(CasePupil.case_id == case_id).values(name=None, sealed=False)
    )


def of_ref(session: Session, ref: str) -> list[OnCase]:
    case_id = session.scalar(select(Case.id).where(Case.ref == ref.strip().upper()))
    return of_case(session, case_id) if case_id is not None else []


def emails_of(session: Session, ref: str) -> tuple[list[str], str | None]:
    """Everyone who acted on the case or holds a role on it (for their display names), and
    the case's school."""
    found = session.execute(select(Case.id, Case.school_id).where(Case.ref == ref.strip().upper()))
    row = found.first()
    if row is None:
        return [], None
    case_id, school_id = row
    actors = session.scalars(select(Event.actor).where(Event.case_id == case_id).distinct())
    roles = session.scalars(select(CaseAccess.email).where(CaseAccess.case_id == case_id))
    return sorted({*actors, *roles}), school_id

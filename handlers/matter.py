"""§ 12-6: a matter the pupil or the foresatte raised with the school, written down by a leader.

Opplæringslova § 12-6: the pupil or the foresatte may take the matter to the statsforvalter
once it has been taken up with rektor (Udir: rektor personally; rektor may leave the handling
to someone else at the school). The date it was taken up with rektor is the first thing the
statsforvalter asks for, so a leader (or rektor) who writes down what a pupil or a foresatt
said (in a meeting, on the phone, in a letter or a digital message) records who raised it,
when and how. The one who raised it stays the source: the case's `reporter` is that source
(`RAISED_PREFIX` + "pupil" | "foresatt", never a person anyone can message), the trail's
actor is the leader who wrote it down, and the leader holds the case as its nearest leader;
rektor is always told (`routing.route_raised`). Nothing is sent to the source.

The report form carries the fields (`bot.core.forms`), shown only to the school's leaders
(`handlers.states.may_at_school`). The name of a foresatt is free text (case_texts), never in
the event's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from handlers import directory, people, states
from handlers.dates import WhenError, format_date, parse_when
from handlers.errors import Problem
from handlers.i18n import t
from handlers.org import School
from handlers.services import Services
from store.directory_models import DirGuardian

PUPIL = "pupil"
FORESATT = "foresatt"
RAISED_BY = (PUPIL, FORESATT)
HOW = ("meeting", "phone", "letter", "digital")
# A foresatt picked from the directory: "g:<the guardian's row id>".
GUARDIAN = "g:"
RAISED_PREFIX = "raised:"  # Case.reporter of a raised matter: "raised:pupil", "raised:foresatt"
MAX_NAME = people.MAX_TYPED
# How many of the pupils found are searched for their foresatte (each is one lookup).
GUARDIAN_PUPILS = 8


def is_raised(reporter: str) -> bool:
    """Whether a case's reporter is the source of a raised matter, not a person to tell."""
    return reporter.startswith(RAISED_PREFIX)


def may_record(school: School, email: str) -> bool:
    """Only the school's leaders (unit leaders, the leadership, rektor) write down a matter
    raised by a pupil or the foresatte."""
    return states.may_at_school("record_matter", school_roles(school, email.strip().lower()))


def school_roles(school: School, email: str) -> frozenset[states.Role]:
    roles: set[states.Role] = set()
    if email == school.principal:
        roles.add(states.Role.REKTOR)
    if email in school.leadership or any(u.leader == email for u in school.units):
        roles.add(states.Role.LEADER)
    return frozenset(roles)


@dataclass(frozen=True)
class Raised:
    """Who raised the matter, when and how, as checked."""

    by: str  # PUPIL | FORESATT
    on: date  # the school's local date
    how: str  # one of HOW
    recorded_by: str  # the leader who wrote it down
    with_rektor: bool  # the leader who wrote it down is rektor
    name: str | None = None  # a foresatt's name (free text)
    guardian_id: str | None = None  # the foresatt picked from the directory

    def data(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "on": self.on.isoformat(),
            "how": self.how,
            "recorded_by": self.recorded_by,
            "with_rektor": self.with_rektor,
            "guardian_id": self.guardian_id,
            "name_typed": self.name is not None and self.guardian_id is None,
        }

    @property
    def reporter(self) -> str:
        return RAISED_PREFIX + self.by


def check(
    services: Services,
    school: School,
    recorder: str,
    *,
    by: str,
    who: str,
    on: str,
    how: str,
    now: datetime,
    errors: dict[str, Problem],
) -> Raised | None:
    """The § 12-6 fields of the report form, checked; problems go into `errors` by field."""
    if not may_record(school, recorder):
        errors["raised_by"] = Problem("matter.error.not_leader")
        return None
    if by not in RAISED_BY:
        errors["raised_by"] = Problem("matter.error.raised_by")
    if how not in HOW:
        errors["raised_how"] = Problem("matter.error.how")
    day = now.astimezone(school.zone).date()
    if on.strip():
        try:
            day = parse_when(on, now=now, tz=school.timezone, mode="past").at.date()
        except WhenError as exc:
            errors["raised_on"] = Problem(exc.key, exc.problem_args())
    name: str | None = None
    guardian: str | None = None
    if by == FORESATT:
        name, guardian = _foresatt(services, school, who, errors)
    if by not in RAISED_BY or how not in HOW or {"raised_on", "raiser"} & errors.keys():
        return None
    return Raised(
        by=by,
        on=day,
        how=how,
        recorded_by=recorder,
        with_rektor=recorder == school.principal,
        name=name,
        guardian_id=guardian,
    )


def _foresatt(
    services: Services, school: School, value: str, errors: dict[str, Problem]
) -> tuple[str | None, str | None]:
    """The foresatt picked ("g:<id>", one of the school's pupils' foresatte) or typed."""
    value = value.strip()
    if value.startswith(GUARDIAN):
        found = guardian(services, value.removeprefix(GUARDIAN))
        if found is None or found[1] != school.id:
            errors["raiser"] = Problem("matter.error.unknown_foresatt")
            return None, None
        return found[0], value.removeprefix(GUARDIAN)
    typed = " ".join(value.removeprefix(people.TYPED).split())
    if len(typed) > MAX_NAME:
        errors["raiser"] = Problem("error.too_long", {"max": MAX_NAME, "length": len(typed)})
        return None, None
    return typed or None, None


def guardian(services: Services, guardian_id: str) -> tuple[str, str] | None:
    """A foresatt of the directory: (name, the pupil's school), or None."""
    if not guardian_id.isdigit():
        return None
    with services.uow() as session:
        pupil_id = session.scalar(
            select(DirGuardian.pupil_id).where(DirGuardian.id == int(guardian_id))
        )
    pupil = directory.get_pupil(services, str(pupil_id)) if pupil_id is not None else None
    if pupil is None:
        return None
    named = next((g for g in pupil.guardians if g.id == guardian_id), None)
    return (named.name, pupil.school) if named else None


def foresatte_options(
    services: Services, school_id: str, query: str, lang: str
) -> list[people.Option]:
    """The picker of a foresatt: the foresatte of the school's pupils whose name matches what
    was typed ("Kari Nordmann, foresatt til Ola Nordmann · 8A"), then the text itself."""
    found: list[people.Option] = []
    if query.strip():
        hits = directory.search_pupils(services, school_id, query, GUARDIAN_PUPILS)
        for hit in hits:
            pupil = directory.get_pupil(services, hit.id)
            for g in pupil.guardians if pupil else []:
                of = f"{hit.name} · {hit.group}" if hit.group else hit.name
                label = t(lang, "matter.foresatt_of", name=g.name, pupil=of)
                found.append(people.Option(GUARDIAN + g.id, label))
    typed = people.typed_option(query, lang)
    return found[: people.SEARCH_LIMIT] + ([typed] if typed else [])


def filed_line(ref: str, raised: Raised) -> tuple[str, dict[str, object]]:
    """The line telling the leader what was written down (no receipt follows: the source is
    nobody the bot writes to), with the day in the reader's words."""
    return f"matter.filed.{raised.by}", {
        "ref": ref,
        "date": Day(raised.on),
        "how": Problem(f"matter.how.{raised.how}"),
    }


@dataclass(frozen=True)
class Day:
    """A day, written in the reader's language when shown ("mandag 23. november 2026")."""

    day: date

    def text(self, lang: str) -> str:
        return format_date(self.day, lang)


# --- as the case shows it ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A raised matter as the case details and the case file word it."""

    by: str
    on: date
    how: str
    recorded_by: str
    with_rektor: bool
    name: str | None


def shown(report_data: dict[str, Any], texts: dict[str, str | None]) -> Shown | None:
    raised = report_data.get("raised")
    if not isinstance(raised, dict):
        return None
    return Shown(
        by=str(raised.get("by")),
        on=date.fromisoformat(str(raised.get("on"))),
        how=str(raised.get("how")),
        recorded_by=str(raised.get("recorded_by")),
        with_rektor=bool(raised.get("with_rektor")),
        name=texts.get("raised_by_name"),
    )


def raised_by_words(lang: str, s: Shown, pupil: str | None = None) -> str:
    """ "foresatt Kari Nordmann" / "eleven (Ola Nordmann)" in the reader's language."""
    if s.by == FORESATT:
        return t(lang, "matter.by.foresatt_named" if s.name else "matter.by.foresatt", name=s.name)
    return t(lang, "matter.by.pupil_named" if pupil else "matter.by.pupil", name=pupil)

"""People on a case, from the directory (handlers/directory.py): pupils picked or typed,
the § 12-5 person picked or typed, staff shown by name, a pupil's age on a given day.

A picker's value says what was picked: `p:<id>` a pupil of the directory, `s:<e-mail>` a
staff member, `t:<text>` a name typed because it is not in the register (a new pupil, one
from another school, a vikar). A value without a prefix is typed text too (the console and
the command line, schools without a directory).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from handlers import directory, names
from handlers.errors import Problem
from handlers.i18n import t
from handlers.org import School
from handlers.services import Services
from store import case_pupils

PUPIL = "p:"
STAFF = "s:"
TYPED = "t:"
# A picker's option value is at most 150 characters on Slack; a typed name is shorter still.
MAX_TYPED = 100
SEARCH_LIMIT = 20
ADULT = 18


@dataclass(frozen=True)
class Option:
    """One line of a picker: what is sent back, and what the person reads."""

    value: str
    label: str


@dataclass(frozen=True)
class PickedPupil:
    pupil_id: str | None  # the directory's id; None: typed
    name: str


@dataclass(frozen=True)
class Accused:
    """The person a § 12-5 report is about: a staff member (e-mail) or a name typed."""

    email: str | None
    typed: str | None = None


# --- the pickers --------------------------------------------------------------------------


def typed_option(query: str, lang: str) -> Option | None:
    """The line that keeps what was typed when the register has no match (or the wrong one)."""
    # No commas: Teams sends several picks as one comma-separated text.
    text = " ".join(query.replace(",", " ").split())[:MAX_TYPED]
    if len(text) < 2:
        return None
    return Option(TYPED + text, t(lang, "people.typed", name=text))


def pupil_matches(
    services: Services, school_id: str, query: str, limit: int = SEARCH_LIMIT
) -> list[Option]:
    """The school's pupils matching what was typed, by name or class ("kari 8b")."""
    found: list[Option] = []
    if query.strip():
        for hit in directory.search_pupils(services, school_id, query, limit):
            label = f"{hit.name} · {hit.group}" if hit.group else hit.name
            found.append(Option(f"{PUPIL}{hit.id}", label))
    return found


def works_at(services: Services, school: School, email: str) -> bool:
    """On the school's staff: in org.yml, or in the directory."""
    return email in school.staff() or _staff_in_directory(services, school, email)


def staff_options(
    services: Services, school: School | None, query: str, lang: str, limit: int = SEARCH_LIMIT
) -> list[Option]:
    """Staff of the school (the directory's, then org.yml's) matching the text, by name or
    e-mail, then the typed text itself (a vikar, an agency assistant, a praksisstudent)."""
    typed_text = query.strip().lower()
    found: dict[str, str] = {}
    if typed_text:
        for hit in directory.search_staff(services, school.id if school else None, query, limit):
            found.setdefault(hit.email, hit.name)
        if school is not None:
            known = directory.display_names(services, sorted(school.staff()))
            for email in sorted(school.staff()):
                name = known.get(email) or ""
                if typed_text in email or typed_text in name.lower():
                    found.setdefault(email, name)
    options = [
        Option(STAFF + email, f"{name} ({email})" if name else email)
        for email, name in list(found.items())[:limit]
    ]
    typed = typed_option(query, lang)
    return options + ([typed] if typed else [])


# --- what was picked ----------------------------------------------------------------------


def resolve_pupils(
    services: Services, school: School, picked: Sequence[str], typed: str
) -> tuple[list[PickedPupil], Problem | None]:
    """The pupils a report is about, in order: picks from the register (which must be pupils
    of `school`), names typed into the picker, and names in the plain text field."""
    out: list[PickedPupil] = []
    for value in picked:
        value = value.strip()
        if value.startswith(PUPIL):
            pupil = directory.get_pupil(services, value.removeprefix(PUPIL))
            if pupil is None or pupil.school != school.id:
                return out, Problem("people.error.unknown_pupil")
            out.append(PickedPupil(pupil.id, pupil.name))
        elif value:
            out += [PickedPupil(None, n) for n in names.split_names(value.removeprefix(TYPED))]
    out += [PickedPupil(None, n) for n in names.split_names(typed)]
    seen: set[tuple[str | None, str]] = set()
    unique = []
    for p in out:
        key = (p.pupil_id, p.name.casefold() if p.pupil_id is None else "")
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, None


def resolve_accused(services: Services, school: School, value: str) -> Accused | Problem:
    """The § 12-5 person: a staff member picked (e-mail), found by e-mail, by the part before @
    or by their name; or the name of someone else who works at the school, typed. A single
    word that matches nobody ("trinn8") is refused, so a leader is never missed by a typo."""
    text = value.strip()
    if text.startswith(STAFF):
        email = text.removeprefix(STAFF).strip().lower()
        if works_at(services, school, email):
            return Accused(email)
        return Problem("people.error.accused_unknown", {"value": email})
    text = " ".join(text.removeprefix(TYPED).split())
    found = staff_email(services, school, text)
    if found is not None:
        return Accused(found)
    if "@" in text or len(text.split()) < 2 or len(text) > MAX_TYPED:
        return Problem("people.error.accused_unknown", {"value": text})
    return Accused(None, text)


def _staff_in_directory(services: Services, school: School, email: str) -> bool:
    return any(h.email == email for h in directory.search_staff(services, school.id, email, 5))


def staff_email(services: Services, school: School, text: str) -> str | None:
    """The one staff member `text` names: their e-mail, the part before @, or their full name."""
    lowered = text.lower()
    staff = school.staff()
    if lowered in staff:
        return lowered
    if "@" not in lowered:
        local = [email for email in staff if email.split("@", 1)[0] == lowered]
        if len(local) == 1:
            return local[0]
    by_name = [
        email
        for email, name in directory.display_names(services, sorted(staff)).items()
        if name and " ".join(name.split()).lower() == lowered
    ]
    if len(by_name) == 1:
        return by_name[0]
    hits = [h for h in directory.search_staff(services, school.id, text, 5) if h.name]
    exact = [h.email for h in hits if " ".join(h.name.split()).lower() == lowered]
    return exact[0] if len(exact) == 1 else None


# --- names and ages -----------------------------------------------------------------------


def display(services: Services, email: str) -> str:
    """A staff member as people read them: their name, or the e-mail when it is unknown."""
    return directory.display_name(services, email) or email


def displays(services: Services, emails: Iterable[str]) -> dict[str, str]:
    wanted = sorted({e for e in emails if e and "@" in e})
    known = directory.display_names(services, wanted) if wanted else {}
    return {e: known.get(e) or e for e in wanted}


def age_on(birth: date, day: date) -> int:
    """Whole years on `day` (born 29 February: a year older on 1 March in common years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def adult_on(birth: date | None, day: date) -> bool | None:
    """18 or older on `day`; None when the birth date is not known (a typed pupil)."""
    return None if birth is None else age_on(birth, day) >= ADULT


# --- a case's people, read before the case's own transaction --------------------------------
# The directory is read in its own transaction: on SQLite a second one inside a case's
# (BEGIN IMMEDIATE) would wait for ever, so what a case needs is gathered first.


@dataclass(frozen=True)
class CasePupil:
    position: int
    pupil_id: str | None
    name: str | None
    typed: bool
    birth_date: date | None  # from the register; None for a typed pupil

    def adult_on(self, day: date) -> bool | None:
        return adult_on(self.birth_date, day)


@dataclass(frozen=True)
class CasePeople:
    pupils: tuple[CasePupil, ...]
    names: dict[str, str]  # e-mail → display name, for everyone who had to do with the case

    def name(self, email: str) -> str:
        return self.names.get(email, email)

    def pupil(self, position: int | None) -> CasePupil | None:
        return next((p for p in self.pupils if p.position == position), None)

    def adult_on(self, day: date, position: int | None = None) -> bool | None:
        """Whether the pupil (or, without one, any of the case's pupils) is 18 or older on
        `day` by the register; None when no pupil's birth date is known."""
        chosen = [p for p in self.pupils if position is None or p.position == position]
        known = [a for a in (p.adult_on(day) for p in chosen) if a is not None]
        return any(known) if known else None


def case_people(services: Services, ref: str) -> CasePeople:
    """The case's pupils with their birth dates, and the display name of everyone on it."""
    with services.uow() as session:
        found = case_pupils.of_ref(session, ref)
    births = {}
    for p in found:
        if p.pupil_id is not None:
            pupil = directory.get_pupil(services, p.pupil_id)
            births[p.position] = pupil.birth_date if pupil else None
    pupils = tuple(
        CasePupil(p.position, p.pupil_id, p.name, p.typed, births.get(p.position)) for p in found
    )
    return CasePeople(pupils, case_names(services, ref))


def case_names(services: Services, ref: str) -> dict[str, str]:
    """E-mail → display name for everyone who acted on the case or holds a role on it, the
    school's leadership and R-team, and skoleeier's contacts."""
    with services.uow() as session:
        emails, school_id = case_pupils.emails_of(session, ref)
    emails += services.org.owner.contacts
    if school_id is not None:
        try:
            school = services.org.school(school_id)
        except KeyError:
            school = None
        if school is not None:
            emails += [school.principal, *school.leadership, *school.rteam.members]
    return displays(services, emails)

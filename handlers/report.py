"""Filing a report (melde fra): validate, store, route, notify, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers import history, matter, notices, people
from handlers.dates import When, WhenError, parse_when
from handlers.errors import FieldErrors, Problem
from handlers.org import School
from handlers.refs import make_ref
from handlers.routing import Routing, route, route_raised
from handlers.services import Services
from handlers.states import Status
from store import case_pupils, trail
from store.models import Case, CaseAccess

CATEGORIES = (
    "krenkelse",
    "mobbing",
    "utestenging",
    "vold",
    "rasisme",
    "diskriminering",
    "digital_krenkelse",
    "seksuell_trakassering",
    "ansatt_krenket_elev",
)
EMPLOYEE_CATEGORY = "ansatt_krenket_elev"


@dataclass(frozen=True)
class Text:
    """One free-text field of the report. Declared once, in `TEXTS`: the report's check
    (limit, required), `ReportForm`, the conversation core's report form (bot/core/forms.py:
    a field labelled `field.<name>`, with the hint `field.<name>.hint` when `hint`), the case
    details every edge shows, and the case file and its export all read it from there. A new
    field is one `Text` here and its catalog entries (`field.<name>` in nb, nn and en)."""

    name: str
    max_length: int  # long enough for a careful account, short enough to stay a report
    required: bool = False
    lines: bool = False  # several lines
    date: bool = False  # a time as staff type it ("i går etter lunsj"), read by handlers.dates
    hint: bool = False
    early: bool = False  # asked with the account, before the categories (else after them)


TEXTS: dict[str, Text] = {
    x.name: x
    for x in (
        Text("pupils", 200, required=True, early=True),
        Text("what", 3000, required=True, lines=True, early=True),
        Text("when", 100, date=True, hint=True, early=True),
        Text("where", 200, early=True),
        Text("action_taken", 2000, lines=True),
        Text("pupil_words", 2000, lines=True),
    )
}


class _Limits(Mapping[str, int]):
    """{name: max_length} of the declared texts, read from `TEXTS` each time."""

    def __getitem__(self, name: str) -> int:
        return TEXTS[name].max_length

    def __iter__(self) -> Iterator[str]:
        return iter(list(TEXTS))

    def __len__(self) -> int:
        return len(TEXTS)


MAX_LENGTH: Mapping[str, int] = _Limits()


def required() -> tuple[str, ...]:
    return tuple(x.name for x in TEXTS.values() if x.required)


REQUIRED = required()  # as declared at import (the check reads `required()`)


class ReportForm:
    """The fields of the report modal/dialog/console prompt, as the person typed them: the
    declared texts (`TEXTS`, by name: `ReportForm(pupils="Ola", what="…")`, read as
    attributes or with `texts()`) and the choices."""

    def __init__(
        self,
        *,
        school_id: str | None = None,
        picked: tuple[str, ...] = (),  # the pupil picker's values (handlers.people)
        categories: tuple[str, ...] = (),
        # § 12-5, when someone who works at the school is the suspected offender: a staff
        # member's e-mail (or "s:<e-mail>" from the picker), or a name typed ("t:<name>")
        accused: str | None = None,
        urgent: bool = False,
        # § 12-6, a leader writing down a matter a pupil or a foresatt raised (handlers.matter):
        # who ("pupil" | "foresatt"; empty: the person filing reports it), the foresatt picked
        # or typed, the day (empty: today) and how (meeting, phone, letter, digital).
        raised_by: str = "",
        raiser: str = "",
        raised_on: str = "",
        raised_how: str = "",
        **typed: str,
    ) -> None:
        unknown = set(typed) - set(TEXTS)
        if unknown:
            raise TypeError(f"not a text of the report: {', '.join(sorted(unknown))}")
        self.school_id, self.picked, self.categories = school_id, picked, categories
        self.accused, self.urgent = accused, urgent
        self.raised_by, self.raiser = raised_by, raiser
        self.raised_on, self.raised_how = raised_on, raised_how
        self.typed = typed  # pupils: names typed (the console, a school without a register)

    def __getattr__(self, name: str) -> str:
        if name in TEXTS:
            return self.__dict__.get("typed", {}).get(name, "")
        raise AttributeError(name)

    def __repr__(self) -> str:  # the texts may name pupils: never in a log or a traceback
        return f"ReportForm(school_id={self.school_id!r}, texts={sorted(self.typed)})"

    def texts(self) -> dict[str, str]:
        return {name: (self.typed.get(name) or "").strip() for name in TEXTS}


@dataclass(frozen=True)
class Checked:
    school: School
    when: When | None
    routing: Routing
    accused: str | None = None  # the staff member's e-mail (§ 12-5)
    pupils: tuple[people.PickedPupil, ...] = ()
    accused_typed: str | None = None  # § 12-5: someone not on the staff lists, by name
    raised: matter.Raised | None = None  # § 12-6: raised by a pupil or a foresatt


@dataclass(frozen=True)
class Filed:
    ref: str
    case_id: int
    routing: Routing
    school: School
    when: When | None
    duplicate: bool = False
    raised: matter.Raised | None = None  # § 12-6: raised by a pupil or a foresatt


def check(
    services: Services, form: ReportForm, reporter: str, *, manager: str | None = None
) -> Checked:
    """Validate every field at once, so the person fixes all mistakes in one go.

    `manager`: the reporter's manager from the directory, see `routing.route`."""
    errors: dict[str, Problem] = {}
    texts = form.texts()
    for name in required():
        if not texts[name] and not (name == "pupils" and form.picked):
            errors[name] = Problem("error.required")
    for name, limit in MAX_LENGTH.items():
        if len(texts[name]) > limit:
            errors[name] = Problem("error.too_long", {"max": limit, "length": len(texts[name])})

    school = _school_for(services, form, reporter)
    if school is None:
        errors["school"] = Problem("error.unknown_school")
    pupils: list[people.PickedPupil] = []
    if school is not None:
        pupils, problem = people.resolve_pupils(services, school, form.picked, texts["pupils"])
        if problem is not None:
            errors["pupils"] = problem
        elif not pupils and not errors.get("pupils"):
            errors["pupils"] = Problem("error.required")

    unknown = [c for c in form.categories if c not in CATEGORIES]
    if unknown:
        errors["categories"] = Problem("error.unknown_category", {"value": ", ".join(unknown)})

    typed = (form.accused or "").strip()
    accused: str | None = None
    accused_typed: str | None = None
    if EMPLOYEE_CATEGORY in form.categories and not typed:
        errors["accused"] = Problem("error.accused_required")
    elif typed and school is not None:
        # Never free text that can miss: "trinn8" that matches nobody would route a
        # leadership case to rektor instead of skoleeier; a full name of someone not on the
        # staff lists (a vikar) goes to rektor as § 12-5.
        found = people.resolve_accused(services, school, typed)
        if isinstance(found, Problem):
            errors["accused"] = found
        else:
            accused, accused_typed = found.email, found.typed
    if accused and accused == reporter.lower():
        errors["accused"] = Problem("error.accused_is_reporter")

    when = None
    if texts["when"] and "when" not in errors and school is not None:
        try:
            when = parse_when(
                texts["when"],
                now=services.clock.now(),
                tz=school.timezone,
                mode="past",
                school_day=school.day,
            )
        except WhenError as exc:
            errors["when"] = Problem(exc.key, exc.problem_args())

    raised = None
    if form.raised_by.strip() and school is not None:
        raised = matter.check(
            services,
            school,
            reporter,
            by=form.raised_by.strip(),
            who=form.raiser,
            on=form.raised_on,
            how=form.raised_how.strip(),
            now=services.clock.now(),
            errors=errors,
        )

    if errors or school is None:
        raise FieldErrors(errors)
    if raised is not None:
        routing = route_raised(
            services.org,
            school,
            reporter,
            accused_employee=accused,
            accused_named=accused_typed is not None,
            urgent=form.urgent,
        )
    else:
        routing = route(
            services.org,
            school,
            reporter,
            accused_employee=accused,
            accused_named=accused_typed is not None,
            urgent=form.urgent,
            manager=manager,
        )
    return Checked(
        school=school,
        when=when,
        routing=routing,
        accused=accused,
        pupils=tuple(pupils),
        accused_typed=accused_typed,
        raised=raised,
    )


def _route(routing: Routing) -> str:
    """'12-4', '12-5' (to rektor, straks) or '12-5_owner' (a leadership case: to skoleeier)."""
    if routing.section != "12-5":
        return "12-4"
    return "12-5_owner" if routing.leadership_case else "12-5"


def file_report(
    services: Services,
    form: ReportForm,
    reporter: str,
    *,
    submission_key: str | None = None,
    manager: str | None = None,
) -> Filed:
    """Store the report and its routing, and queue every notice, in one transaction.

    `submission_key` makes a retried submission (Slack retry, double click) file once.
    `manager`: the reporter's manager from the directory (Entra ID), see `routing.route`.
    """
    reporter = reporter.strip().lower()
    checked = check(services, form, reporter, manager=manager)
    now = services.clock.now()
    with services.uow() as session:
        if submission_key:
            existing = session.scalar(select(Case).where(Case.submission_key == submission_key))
            if existing is not None:
                return Filed(
                    existing.ref,
                    existing.id,
                    checked.routing,
                    checked.school,
                    checked.when,
                    duplicate=True,
                )
        case = _new_case(session, checked, form, reporter, submission_key, now)
        _record(services, session, case, checked, form, reporter, now)
        return Filed(
            case.ref, case.id, checked.routing, checked.school, checked.when, raised=checked.raised
        )


def _texts(form: ReportForm, checked: Checked) -> dict[str, str]:
    """The report's free text; pupils picked are written as the register names them."""
    texts = form.texts()
    if form.picked:
        texts["pupils"] = ", ".join(p.name for p in checked.pupils)
    if checked.accused_typed:
        texts["accused_name"] = checked.accused_typed
    if checked.raised is not None and checked.raised.name:
        texts["raised_by_name"] = checked.raised.name
    return texts


def _school_for(services: Services, form: ReportForm, reporter: str) -> School | None:
    if form.school_id:
        try:
            return services.org.school(form.school_id)
        except KeyError:
            return None
    schools = services.org.schools_of(reporter.lower())
    return schools[0] if len(schools) == 1 else None


def _new_case(
    session: Session,
    checked: Checked,
    form: ReportForm,
    reporter: str,
    submission_key: str | None,
    now: datetime,
) -> Case:
    routing = checked.routing
    case = Case(
        ref="pending",
        school_id=checked.school.id,
        status=Status.NEW,
        section=routing.section,
        urgent=routing.urgent or form.urgent,
        leadership_case=routing.leadership_case,
        # § 12-6: the pupil or the foresatt who raised it is the source, not the leader.
        reporter=checked.raised.reporter if checked.raised else reporter,
        unit=routing.unit,
        categories=json.dumps(sorted(set(form.categories))),
        submission_key=submission_key,
        created_at=now,
        updated_at=now,
        last_seq=0,
        restricted=False,
    )
    session.add(case)
    session.flush()
    # The id is unique across replicas; the ref is what people say on the phone.
    case.ref = make_ref(case.id)
    return case


def _record(
    services: Services,
    session: Session,
    case: Case,
    checked: Checked,
    form: ReportForm,
    reporter: str,
    now: datetime,
) -> None:
    routing, school, when = checked.routing, checked.school, checked.when
    trail.append(
        session,
        case,
        "reported",
        reporter,
        now,
        {
            "school": school.id,
            "section": routing.section,
            "urgent": case.urgent,
            "categories": sorted(set(form.categories)),
            "unit": routing.unit,
            "accused": checked.accused,
            "accused_typed": checked.accused_typed is not None,
            "pupils_typed": [p.pupil_id is None for p in checked.pupils],
            "when_at": when.at.astimezone(UTC).isoformat() if when else None,
            "when_has_time": when.has_time if when else None,
            # What was understood besides the day: a school moment or a period's last day.
            "when_part": when.part if when else None,
            "when_until": when.until.isoformat() if when and when.until else None,
            **({"raised": checked.raised.data()} if checked.raised else {}),
        },
        texts=_texts(form, checked),
    )
    case_pupils.add(session, case.id, [(p.pupil_id, p.name) for p in checked.pupils])
    trail.append(
        session,
        case,
        "routed",
        "system",
        now,
        {
            "recipients": [
                {"email": r.email, "role": r.role, "reason": r.reason} for r in routing.recipients
            ],
            "excluded": sorted(routing.excluded),
            "prompt_owner": routing.prompt_owner,
            "leadership_case": routing.leadership_case,
        },
    )
    # A new case has no roles yet: add them without asking the database first, recipients
    # in routing order (the nearest leader before rektor).
    # A raised matter's source is nobody to tell: no reporter's role, no receipt.
    source = [] if checked.raised else [(reporter, "reporter")]
    roles_given = [*source, *((e, "excluded") for e in sorted(routing.excluded))]
    roles_given += [(r.email, r.role) for r in routing.recipients]
    session.add_all(
        CaseAccess(case_id=case.id, email=email, role=role, since=now)
        for email, role in dict.fromkeys(roles_given)
    )

    org = services.org
    roles = sorted({r.role for r in routing.recipients})
    # § 12-5: rektor melder fra to skoleeier; by default Meldefra does it now, on rektor's
    # behalf, and the trail shows it (org.yml policy.owner_notice).
    owner_now = routing.prompt_owner and school.policy.owner_notice == "at_once"
    rektor_informs = routing.prompt_owner and not owner_now
    if checked.raised is None:  # a raised matter's source gets nothing from the bot
        notices.emit(
            session,
            notices.Notice(
                kind=notices.RECEIPT,
                lang=org.language_of(reporter, school),
                recipient=reporter,
                # The route decides which duty the receipt says was met (§ 12-4, § 12-5 to
                # rektor, or § 12-5 straight to skoleeier in a leadership case).
                data={
                    "ref": case.ref,
                    "roles": roles,
                    "school": school.id,
                    "route": _route(routing),
                },
            ),
            now,
            case,
        )
    for r in routing.recipients:
        notices.emit(
            session,
            notices.Notice(
                kind=notices.NEW_CASE,
                lang=org.language_of(r.email, school),
                recipient=r.email,
                data={
                    "ref": case.ref,
                    "school": school.id,
                    "school_name": school.name,
                    "role": r.role,
                    "reason": r.reason,
                    "unit": routing.unit,
                    "urgent": case.urgent,
                    "section": routing.section,
                    "leadership": routing.leadership_case,
                    "prompt_owner": rektor_informs and r.role == "rektor",
                    "owner_informed": owner_now and r.role == "rektor",
                    "categories": sorted(set(form.categories)),
                },
            ),
            now,
            case,
        )
    if owner_now:
        inform_owner(services, session, case, now, "system", "at_once")
    # policy.repeat_reports: the leaders (their roles granted above) are told when this pupil
    # keeps being reported.
    history.notify_repeat(session, services.org, case, now)


OWNER_NOTICE_HOW = ("at_once", "rektor", "clock")


def inform_owner(
    services: Services, session: Session, case: Case, now: datetime, actor: str, how: str
) -> None:
    """Melde fra to skoleeier about a § 12-5 case (opplæringslova § 12-5 second paragraph):
    an `owner_informed` event on the trail and a notice to each of skoleeier's contacts.

    `how`: "at_once" (Meldefra on rektor's behalf when the report was filed), "rektor" (rektor
    clicked), "clock" (rektor had not done it within the policy's hours)."""
    school = services.org.school(case.school_id)
    contacts = list(services.org.owner.contacts)
    trail.append(
        session,
        case,
        "owner_informed",
        actor,
        now,
        {"to": contacts, "on_behalf_of": school.principal, "how": how},
    )
    tell_owner(services, session, case, now, how)


def tell_owner(services: Services, session: Session, case: Case, now: datetime, how: str) -> None:
    """Give skoleeier's contacts the case and a notice (`route.reason.owner_informed.<how>`)."""
    school = services.org.school(case.school_id)
    contacts = list(services.org.owner.contacts)
    case_categories = json.loads(case.categories)
    for contact in contacts:
        grant(session, case, contact, "owner", now)
        notices.emit(
            session,
            notices.Notice(
                kind=notices.NEW_CASE,
                lang=services.org.language_of(contact, school),
                recipient=contact,
                data={
                    "ref": case.ref,
                    "school": school.id,
                    "school_name": school.name,
                    "role": "owner",
                    "reason": f"route.reason.owner_informed.{how}",
                    "unit": case.unit,
                    "urgent": case.urgent,
                    "section": case.section,
                    "prompt_owner": False,
                    "categories": case_categories,
                },
                dedupe_key=f"owner_informed:{case.id}:{contact}",
            ),
            now,
            case,
        )


def grant(session: Session, case: Case, email: str, role: str, at: datetime) -> None:
    """Give a role on the case (idempotent)."""
    exists = session.scalar(
        select(func.count()).where(
            CaseAccess.case_id == case.id, CaseAccess.email == email, CaseAccess.role == role
        )
    )
    if not exists:
        session.add(CaseAccess(case_id=case.id, email=email, role=role, since=at))
        session.flush()

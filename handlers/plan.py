"""The aktivitetsplan (opplæringslova § 12-4): make it, change it, evaluate it with the pupil.

A plan is its events: `plan_created`, `plan_changed`, `tiltak_added`, `tiltak_ended`,
`tiltak_done`, `evaluated`, and `closed` when the pupil has a safe and good school
environment. It is changed by new events, never by editing old ones; `replay` builds the
current plan from the trail. Free text (the problem, the tiltak, the pupil's words) goes
to the trail's texts, so archiving can remove it.

The dated items (a tiltak's date, the next evaluation) are also written to `plan_items`
in the same transaction, so the reminder round asks `due_items` for what is due today
instead of replaying every case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handlers import access, names, people, redact, review
from handlers.calendar import SchoolCalendar, school_day_problem
from handlers.dates import UNREADABLE, When, WhenError, parse_when
from handlers.errors import FieldErrors, Problem, Refusal
from handlers.org import School
from handlers.refs import canonical_ref
from handlers.review import Outcome, TrailEntry
from handlers.services import Services
from handlers.states import Status
from store import case_pupils, trail
from store.models import Case, PlanItem

EFFECTS = ("virker", "delvis", "virker_ikke")
DECISIONS = ("continue", "change", "close")
SHARE_BASES = (access.SHARE_CONSENT, access.SHARE_ANONYMOUS, "withdrawn")

PLAN_MAX = {
    "problem": 3000,
    "pupils": 500,
    "evaluate_when": 100,
    "pupil_voice": 3000,
    "pupil_heard": 1000,
    "foresatte_heard": 1000,
    "best_interests": 2000,  # barnets beste: how the child's best interests were weighed
    "others_heard": 1000,  # other pupils heard (names stay out of the family's copy)
}
PLAN_REQUIRED = ("problem", "pupils", "evaluate_when", "pupil_voice")
TILTAK_MAX = {"what": 1000, "who": 200, "when": 200}
EVALUATION_MAX = {
    "pupil_says": 3000,
    "foresatte_says": 2000,
    "notes": 3000,
    "next_evaluation": 100,
    "held_on": 100,
    "participants_other": 300,
}
# Who took part in an evaluation (catalog plans.participant.*); others are typed.
PARTICIPANTS = ("pupil", "foresatte", "contact_teacher")
MAX_END_REASON = 2000
MAX_TILTAK = 20
MAX_SHARE_NOTE = 500

TILTAK = "tiltak"
EVALUATION = "evaluation"


# --- Forms: what the modal / dialog / console collects, as typed --------------------------


@dataclass
class TiltakForm:
    what: str = ""  # the tiltak
    # Who carries it out: a staff member (picked "s:<e-mail>", or typed as e-mail, user name
    # or full name: gets the reminders), or words kept as typed ("t:<text>", "kontaktlærer").
    who: str = ""
    when: str = ""  # when: a date ("fredag 12. desember") or words ("hvert friminutt")


@dataclass
class PlanForm:
    problem: str = ""  # the problem the tiltak shall solve
    pupils: str = ""  # the pupil(s) the plan covers, one per line or comma-separated
    tiltak: list[TiltakForm] = field(default_factory=list)
    evaluate_when: str = ""  # when the tiltak are evaluated ("om to uker")
    pupil_voice: str = ""  # elevens stemme: how the pupil experiences it, in their words
    pupil_heard: str = ""  # how the pupil was heard
    foresatte_heard: str = ""  # how foresatte were heard
    best_interests: str = ""  # barnets beste (opplæringslova § 10-1, barnekonvensjonen art. 3)
    others_heard: str = ""  # other pupils heard
    # The pupil the plan is for: their position on the case (one plan per pupil). None with
    # `pupils` typed: one plan covering them (as before); None with nothing typed: the first
    # of the case's pupils who has no plan yet.
    pupil: int | None = None

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name).strip() for name in PLAN_MAX}


@dataclass
class PlanChange:
    """A change to the plan between evaluations: only what is filled in changes."""

    problem: str = ""
    pupils: str = ""
    evaluate_when: str = ""
    pupil_voice: str = ""
    pupil_heard: str = ""
    foresatte_heard: str = ""
    best_interests: str = ""
    others_heard: str = ""
    add_tiltak: list[TiltakForm] = field(default_factory=list)
    end_tiltak: list[int] = field(default_factory=list)
    pupil: int | None = None  # whose plan, when the case has several

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name).strip() for name in PLAN_MAX}


@dataclass
class EvaluationForm:
    effect: str = ""  # virker | delvis | virker_ikke
    pupil_says: str = ""  # what the pupil says, in their words
    foresatte_says: str = ""
    notes: str = ""
    decision: str = "continue"  # continue | change (add/end tiltak) | close
    next_evaluation: str = ""  # required unless the case is closed
    held_on: str = ""  # when the evaluation was held ("i går"); empty: today
    participants: list[str] = field(default_factory=list)  # PARTICIPANTS
    participants_other: str = ""  # others who took part, typed ("helsesykepleier")
    add_tiltak: list[TiltakForm] = field(default_factory=list)
    end_tiltak: list[int] = field(default_factory=list)
    pupil: int | None = None  # whose plan, when the case has several

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name).strip() for name in EVALUATION_MAX}


@dataclass(frozen=True)
class PlanOutcome(Outcome):
    """What happened, and each date as understood, to show the person ("Forstått som …")."""

    understood: Mapping[str, When] = field(default_factory=dict)


# --- The plan as read from the trail ------------------------------------------------------


@dataclass
class Tiltak:
    no: int
    what: str | None
    who: str | None
    when: str | None
    due: date | None
    responsible: str | None
    added_at: datetime
    added_by: str
    ended_at: datetime | None = None
    done_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass
class Evaluation:
    at: datetime
    by: str
    effect: str
    decision: str
    pupil_says: str | None
    foresatte_says: str | None
    notes: str | None
    next_evaluation: date | None
    added: list[int]
    ended: list[int]
    held_on: date | None = None  # None: recorded before the date held was asked
    participants: list[str] = field(default_factory=list)
    participants_other: str | None = None


@dataclass
class PlanVersion:
    """The plan as made or changed at one moment (one transaction): what changed, and the
    evaluation date it planned."""

    no: int
    at: datetime
    by: str
    how: str  # created | changed | evaluated (tiltak changed in an evaluation)
    evaluate_on: date | None
    fields: list[str] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)


@dataclass
class Plan:
    ref: str
    created_at: datetime
    created_by: str
    problem: str | None
    pupils: list[str]
    pupil_voice: str | None
    pupil_heard: str | None
    foresatte_heard: str | None
    evaluate_on: date | None
    evaluate_when: str | None
    best_interests: str | None = None
    others_heard: str | None = None
    tiltak: list[Tiltak] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    changed: list[tuple[datetime, str, list[str]]] = field(default_factory=list)
    closed_at: datetime | None = None
    pupil: int | None = None  # the pupil's position on the case; None: a plan for those named
    versions: list[PlanVersion] = field(default_factory=list)
    # Ended without a final evaluation, when the case was closed: the reason given.
    ended_reason: str | None = None

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def active_tiltak(self) -> list[Tiltak]:
        return [x for x in self.tiltak if x.active]

    def tiltak_no(self, no: int) -> Tiltak | None:
        return next((x for x in self.tiltak if x.no == no), None)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def replay(ref: str, entries: Sequence[TrailEntry], pupil: int | None = None) -> Plan | None:
    """The current plan from the case's events (None when the case has no plan): the plan
    for `pupil` (a position on the case), or without one the first plan made."""
    found = plans(ref, entries)
    if pupil is None:
        return found[0] if found else None
    return next((p for p in found if p.pupil == pupil), None)


def plans(ref: str, entries: Sequence[TrailEntry]) -> list[Plan]:
    """Every plan of the case (one per pupil), in the order they were made. Each plan event
    names its pupil (`data.pupil`); events of a plan made before that name none."""
    made: dict[int | None, Plan] = {}
    closed_with_case: list[Plan] = []  # the plans in force when the case was closed
    for e in entries:
        key = e.data.get("pupil") if e.type not in ("closed", "reopened") else None
        plan = made.get(key)
        if e.type == "plan_created":
            if plan is None:
                made[key] = _created(ref, e, key)
        elif e.type == "closed":
            # The plans in force, and the one whose last evaluation closed the case with it.
            closed_with_case = [p for p in made.values() if p.closed_at in (None, e.at)]
            for each in closed_with_case:
                each.closed_at = e.at
        elif e.type == "reopened":  # the case is open again, and so are the plans it closed
            for each in closed_with_case:
                each.closed_at = None
            closed_with_case = []
        elif plan is not None:
            _apply(plan, e)
    return list(made.values())


def _created(ref: str, e: TrailEntry, pupil: int | None) -> Plan:
    evaluate_on = _day(e.data.get("evaluate_on"))
    first = PlanVersion(1, e.at, e.actor, "created", evaluate_on)
    return Plan(
        versions=[first],
        ref=ref,
        created_at=e.at,
        created_by=e.actor,
        problem=e.texts.get("problem"),
        pupils=names.split_names(e.texts.get("pupils")),
        pupil_voice=e.texts.get("pupil_voice"),
        pupil_heard=e.texts.get("pupil_heard"),
        foresatte_heard=e.texts.get("foresatte_heard"),
        evaluate_on=_day(e.data.get("evaluate_on")),
        evaluate_when=e.texts.get("evaluate_when"),
        best_interests=e.texts.get("best_interests"),
        others_heard=e.texts.get("others_heard"),
        pupil=pupil,
    )


def _version(plan: Plan, e: TrailEntry, how: str) -> PlanVersion:
    """The version an event belongs to: the one made in the same moment, or a new one."""
    last = plan.versions[-1] if plan.versions else None
    if last is not None and last.at == e.at and last.by == e.actor:
        return last
    made = PlanVersion(len(plan.versions) + 1, e.at, e.actor, how, plan.evaluate_on)
    plan.versions.append(made)
    return made


def _apply(plan: Plan, e: TrailEntry) -> None:
    _apply_event(plan, e)
    changes = e.type in ("plan_changed", "tiltak_added", "tiltak_ended")
    if e.type == "evaluated" and (e.data.get("added") or e.data.get("ended")):
        changes = True
    if not changes:
        return
    version = _version(plan, e, "evaluated" if e.type == "evaluated" else "changed")
    if e.type == "plan_changed":
        version.fields += [f for f in e.data.get("fields", []) if f not in version.fields]
    elif e.type == "tiltak_added" and version.how != "created":
        version.added.append(int(e.data["no"]))
    elif e.type == "tiltak_ended":
        version.ended.append(int(e.data["no"]))
    version.evaluate_on = plan.evaluate_on


def _apply_event(plan: Plan, e: TrailEntry) -> None:
    if e.type == "plan_changed":
        changed = list(e.data.get("fields", []))
        for name in changed:
            if name == "pupils":
                plan.pupils = names.split_names(e.texts.get("pupils"))
            elif name in PLAN_MAX:
                setattr(plan, name, e.texts.get(name))
        if "evaluate_when" in changed:
            plan.evaluate_on = _day(e.data.get("evaluate_on"))
        plan.changed.append((e.at, e.actor, changed))
    elif e.type == "tiltak_added":
        plan.tiltak.append(
            Tiltak(
                no=int(e.data["no"]),
                what=e.texts.get("what"),
                who=e.texts.get("who"),
                when=e.texts.get("when"),
                due=_day(e.data.get("due")),
                responsible=e.data.get("responsible"),
                added_at=e.at,
                added_by=e.actor,
            )
        )
    elif e.type in ("tiltak_ended", "tiltak_done"):
        found = plan.tiltak_no(int(e.data["no"]))
        if found is not None and e.type == "tiltak_ended":
            found.ended_at = e.at
        elif found is not None:
            found.done_at = e.at
    elif e.type == "evaluated":
        next_on = _day(e.data.get("next_evaluation"))
        plan.evaluations.append(
            Evaluation(
                at=e.at,
                by=e.actor,
                effect=e.data["effect"],
                decision=e.data["decision"],
                pupil_says=e.texts.get("pupil_says"),
                foresatte_says=e.texts.get("foresatte_says"),
                notes=e.texts.get("notes"),
                next_evaluation=next_on,
                added=list(e.data.get("added", [])),
                ended=list(e.data.get("ended", [])),
                held_on=_day(e.data.get("held_on")),
                participants=list(e.data.get("participants", [])),
                participants_other=e.texts.get("participants_other") or None,
            )
        )
        if next_on is not None:
            plan.evaluate_on, plan.evaluate_when = next_on, e.texts.get("next_evaluation")
        if e.data["decision"] == "close":
            plan.closed_at = e.at  # this pupil's plan ends; the case when every plan has
    elif e.type == "plan_ended":  # ended without a final evaluation, with the reason why
        plan.closed_at = plan.closed_at or e.at
        plan.ended_reason = e.texts.get("reason") or ""


def plan_of(services: Services, ref: str, actor: str, pupil: int | None = None) -> Plan:
    """The plan (for `pupil`, or the first made), for someone allowed to see the case; a
    `viewed` event like every opening.

    Raises FieldErrors (plan.error.no_plan) when the case has no plan yet.
    """
    found = [p for p in plans_of(services, ref, actor) if pupil is None or p.pupil == pupil]
    if not found:
        raise FieldErrors({"plan": Problem("plan.error.no_plan", {"ref": ref.strip().upper()})})
    return found[0]


def plans_of(services: Services, ref: str, actor: str) -> list[Plan]:
    """Every plan of the case (one per pupil), read like `plan_of`."""
    lang = services.org.language_of(actor.strip().lower())

    def read_plans(
        session: Session, case: Case, seen: access.Access
    ) -> tuple[str, str, list[review.TrailEntry], bool]:
        entries = review.trail_entries(session, case)
        return case.ref, case.school_id, entries, seen.level == access.ANONYMOUS

    case_ref, school, entries, anonymous = review.read(services, ref, actor, "plan", read_plans)
    if anonymous:  # after the read: the register is read without holding the case lock
        register = redact.register_of(services, school)
        entries = review.without_names(entries, lang, people=register)
    return plans(case_ref, entries)


# --- Validation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _CheckedTiltak:
    what: str
    who: str
    when: str
    due: When | None
    responsible: str | None


def _check_texts(
    texts: Mapping[str, str], limits: Mapping[str, int], required: Sequence[str]
) -> dict[str, Problem]:
    errors: dict[str, Problem] = {}
    for name in required:
        if not texts.get(name):
            errors[name] = Problem("error.required")
    for name, limit in limits.items():
        if len(texts.get(name, "")) > limit:
            length = len(texts[name])
            errors[name] = Problem("error.too_long", {"max": limit, "length": length})
    return errors


def _future(
    text: str, field_name: str, school: School, now: datetime, errors: dict[str, Problem]
) -> When | None:
    """A date set for the future: readable, not gone by, and a school day."""
    try:
        when = parse_when(text, now=now, tz=school.timezone, mode="future")
    except WhenError as exc:
        errors[field_name] = Problem(exc.key, exc.problem_args())
        return None
    return _on_school_day(when, field_name, school, now, errors)


def _on_school_day(
    when: When, field_name: str, school: School, now: datetime, errors: dict[str, Problem]
) -> When | None:
    today = now.astimezone(school.zone).date()
    problem = school_day_problem(school, when.at.astimezone(school.zone).date(), today)
    if problem is not None:
        errors[field_name] = problem
        return None
    return when


def _held_on(
    text: str, school: School, now: datetime, errors: dict[str, Problem]
) -> tuple[date, When | None]:
    """The day an evaluation was held (and the time understood, to show): today when nothing
    is typed, never in the future."""
    today = now.astimezone(school.zone).date()
    if not text:
        return today, None
    try:
        when = parse_when(text, now=now, tz=school.timezone, mode="past")
    except WhenError as exc:
        errors["held_on"] = Problem(exc.key, exc.problem_args())
        return today, None
    return when.at.astimezone(school.zone).date(), when


@dataclass(frozen=True)
class Owner:
    """Who carries out a tiltak: a staff member (gets the reminders) or words kept as typed."""

    who: str  # the text kept on the plan: the e-mail of a person, or the words
    email: str | None  # None: kept as typed, nobody is reminded


Owners = Mapping[str, "Owner | Problem"]  # by what was typed


def resolve_owner(services: Services, school: School, value: str) -> Owner | Problem:
    """A tiltak's owner as a person of the directory: picked ("s:<e-mail>"), or typed as an
    e-mail, a user name ("laerer2") or a full name. Typed words that name nobody are kept as
    typed when they were kept on purpose ("t:<text>") or match no one at all ("kontaktlærer");
    words that match several or look like someone's address are refused with suggestions.
    Reads the directory: call it before the case's own transaction (see people.case_people)."""
    text = value.strip()
    if not text:
        return Owner("", None)
    contacts = set(services.org.owner.contacts)
    if text.startswith(people.STAFF):
        email = text.removeprefix(people.STAFF).strip().lower()
        if email in contacts or people.works_at(services, school, email):
            return Owner(email, email)
        return Problem("plan.error.unknown_person", {"who": email})
    kept = text.startswith(people.TYPED)
    text = " ".join(text.removeprefix(people.TYPED).split())
    if text.lower() in contacts:
        return Owner(text.lower(), text.lower())
    found = people.staff_email(services, school, text)
    if found is None and "@" in text and people.works_at(services, school, text.lower()):
        found = text.lower()
    if found is not None:
        return Owner(found, found)
    if kept and "@" not in text:
        return Owner(text, None)
    lang = services.org.language_of(school.principal)
    matches = [
        o.label
        for o in people.staff_options(services, school, text, lang, limit=4)
        if o.value.startswith(people.STAFF)
    ]
    if matches:
        return Problem("plans.error.owner_suggest", {"who": text, "matches": "; ".join(matches)})
    if "@" in text:
        return Problem("plan.error.unknown_person", {"who": text})
    return Owner(text, None)


def owners_of(services: Services, ref: str, forms: Sequence[TiltakForm]) -> dict[str, Any]:
    """Each tiltak owner typed, resolved before the case's transaction (the directory is read
    in its own); {} when the case is not found (the action then says so)."""
    with services.uow() as session:
        school_id = session.scalar(select(Case.school_id).where(Case.ref == canonical_ref(ref)))
    if school_id is None:
        return {}
    try:
        school = services.org.school(school_id)
    except KeyError:
        return {}
    return {f.who: resolve_owner(services, school, f.who) for f in forms if f.who.strip()}


def _check_tiltak(
    forms: Sequence[TiltakForm],
    owners: Mapping[str, Any],
    school: School,
    now: datetime,
    errors: dict[str, Problem],
) -> list[_CheckedTiltak]:
    """Each tiltak needs what, who and when. Field names are tiltak.<position>.<field>."""
    checked: list[_CheckedTiltak] = []
    for position, form in enumerate(forms, 1):
        prefix = f"tiltak.{position}."
        texts = {name: getattr(form, name).strip() for name in TILTAK_MAX}
        problems = _check_texts(texts, TILTAK_MAX, tuple(TILTAK_MAX))
        errors.update({prefix + name: problem for name, problem in problems.items()})
        owner = owners.get(form.who)
        who, responsible = texts["who"], None
        if isinstance(owner, Problem):
            errors[prefix + "who"] = owner
        elif isinstance(owner, Owner):
            who, responsible = owner.who, owner.email
        due = None
        if texts["when"] and prefix + "when" not in errors:
            try:
                due = parse_when(texts["when"], now=now, tz=school.timezone, mode="future")
            except WhenError as exc:
                # Not a date ("hvert friminutt", "fortløpende") is fine; a date gone by is not.
                if exc.key != UNREADABLE:
                    errors[prefix + "when"] = Problem(exc.key, exc.problem_args())
            if due is not None:
                due = _on_school_day(due, prefix + "when", school, now, errors)
        checked.append(_CheckedTiltak(texts["what"], who, texts["when"], due, responsible))
    return checked


def _check_ended(plan: Plan, numbers: Sequence[int], errors: dict[str, Problem]) -> list[int]:
    active = {x.no for x in plan.active_tiltak()}
    wrong = [n for n in numbers if n not in active]
    if wrong:
        errors["end_tiltak"] = Problem(
            "plan.error.unknown_tiltak", {"numbers": ", ".join(map(str, wrong))}
        )
    return sorted(set(numbers))


# --- Writing: events and plan items in one transaction ------------------------------------


def _of(pupil: int | None, **data: Any) -> dict[str, Any]:
    """A plan event's data, naming the pupil whose plan it is (when the plan is one pupil's)."""
    return {**data, "pupil": pupil} if pupil is not None else data


def _add_tiltak(
    session: Session,
    case: Case,
    actor: str,
    now: datetime,
    no: int,
    item: _CheckedTiltak,
    pupil: int | None = None,
) -> None:
    due = item.due.at.date() if item.due else None
    trail.append(
        session,
        case,
        "tiltak_added",
        actor,
        now,
        _of(pupil, no=no, due=due.isoformat() if due else None, responsible=item.responsible),
        texts={"what": item.what, "who": item.who, "when": item.when},
    )
    if due is not None:
        _add_item(session, case, TILTAK, no, due, item.responsible, now)


def _add_item(
    session: Session,
    case: Case,
    kind: str,
    no: int | None,
    due: date,
    responsible: str | None,
    now: datetime,
) -> None:
    session.add(
        PlanItem(
            case_id=case.id,
            school_id=case.school_id,
            kind=kind,
            item_no=no,
            due_date=due,
            responsible=responsible,
            done=False,
            created_at=now,
        )
    )


def settle_items(
    session: Session, case: Case, kind: str | None = None, no: int | None = None
) -> None:
    """Mark plan items done: all of the plan's, one kind, or one tiltak. The statsforvalter's
    frist (handlers.statsforvalter) is not the plan's: it runs until it is met."""
    q = update(PlanItem).where(PlanItem.case_id == case.id, PlanItem.done.is_(False))
    q = q.where(PlanItem.kind.in_((TILTAK, EVALUATION)) if kind is None else PlanItem.kind == kind)
    if no is not None:
        q = q.where(PlanItem.item_no == no)
    session.execute(q.values(done=True))


def _schedule_evaluation(
    session: Session, case: Case, on: date, now: datetime, pupil: int | None = None
) -> None:
    """One evaluation date at a time per plan: the newest. An evaluation item's number is
    the pupil whose plan it is (none for a plan made before plans were per pupil)."""
    _settle_evaluation(session, case, pupil)
    _add_item(session, case, EVALUATION, pupil, on, None, now)


def evaluate_again(
    session: Session, services: Services, case: Case, now: datetime, plans_in_force: list[Plan]
) -> None:
    """A reopened case's plans in force again: each without an evaluation date gets one
    within the school's plan deadline (policy.plan_within_school_days school days), so the
    reminders run again until the leader sets its own date (an evaluation, a change)."""
    school = services.org.school(case.school_id)
    calendar = SchoolCalendar.of(school)
    day, left = calendar.local_date(now), school.policy.plan_within_school_days
    while left > 0:
        day += timedelta(days=1)
        left -= calendar.is_school_day(day)
    waiting = set(
        session.scalars(
            select(PlanItem.item_no).where(
                PlanItem.case_id == case.id,
                PlanItem.kind == EVALUATION,
                PlanItem.done.is_(False),
            )
        )
    )
    for each in plans_in_force:
        if each.pupil not in waiting:
            _schedule_evaluation(session, case, day, now, each.pupil)


def _settle_evaluation(session: Session, case: Case, pupil: int | None) -> None:
    q = update(PlanItem).where(
        PlanItem.case_id == case.id, PlanItem.kind == EVALUATION, PlanItem.done.is_(False)
    )
    q = q.where(PlanItem.item_no.is_(None) if pupil is None else PlanItem.item_no == pupil)
    session.execute(q.values(done=True))


def _end_tiltak(
    session: Session, case: Case, actor: str, now: datetime, no: int, pupil: int | None = None
) -> None:
    trail.append(session, case, "tiltak_ended", actor, now, _of(pupil, no=no))
    settle_items(session, case, TILTAK, no)


def _all(session: Session, case: Case) -> list[Plan]:
    return plans(case.ref, review.trail_entries(session, case))


def _which(session: Session, case: Case, pupil: int | None) -> Plan | Refusal:
    """The plan an action is about: the pupil's, or the only plan there is."""
    found = _all(session, case)
    if not found:
        return _no_plan(case)
    if pupil is not None:
        chosen = next((p for p in found if p.pupil == pupil), None)
        return chosen if chosen is not None else _no_plan(case)
    open_plans = [p for p in found if p.open] or found
    if len(open_plans) > 1:
        return Refusal.on_fields({"pupil": Problem("plan.error.which_pupil")})
    return open_plans[0]


def _next_no(found: Sequence[Plan]) -> int:
    """Tiltak are numbered across the case's plans, so a number names one tiltak."""
    return max((x.no for p in found for x in p.tiltak), default=0) + 1


def _no_plan(case: Case) -> Refusal:
    return Refusal.on_fields({"plan": Problem("plan.error.no_plan", {"ref": case.ref})})


def _for_pupil(
    session: Session, case: Case, form: PlanForm, found: Sequence[Plan]
) -> tuple[int | None, str] | Refusal:
    """Whom a new plan is for: (position on the case or None, the pupils' names)."""
    typed = form.pupils.strip()
    if form.pupil is None and typed:
        if any(p.pupil is None for p in found):
            return Refusal.on_fields({"plan": Problem("plan.error.exists", {"ref": case.ref})})
        return None, typed
    on_case = case_pupils.of_case(session, case.id)
    planned = {p.pupil for p in found}
    free = [p for p in on_case if p.position not in planned]
    if form.pupil is not None:
        chosen = next((p for p in on_case if p.position == form.pupil), None)
        if chosen is None:
            return Refusal.on_fields({"pupil": Problem("plan.error.which_pupil")})
        if chosen.position in planned:
            return Refusal.on_fields({"pupil": Problem("plan.error.exists", {"ref": case.ref})})
    elif free:
        chosen = free[0]
    elif found:
        return Refusal.on_fields({"plan": Problem("plan.error.exists", {"ref": case.ref})})
    else:
        return None, typed  # a case without pupils on record: "pupils" is required below
    return chosen.position, chosen.name or ""


def _dates(checked: Sequence[_CheckedTiltak], **more: When | None) -> dict[str, When]:
    understood = {f"tiltak.{i}.when": x.due for i, x in enumerate(checked, 1) if x.due}
    understood.update({name: when for name, when in more.items() if when is not None})
    return understood


def create_plan(
    services: Services,
    ref: str,
    actor: str,
    form: PlanForm,
    *,
    request_key: str | None = None,
) -> PlanOutcome:
    """Make the aktivitetsplan. The case moves to status `plan` (acknowledged and
    investigated first, if nobody recorded that yet). Every field error at once, nothing
    stored; a retried submission (same request_key) makes one plan."""
    actor = actor.strip().lower()
    owners = owners_of(services, ref, form.tiltak)

    def run(session: Session, case: Case, now: datetime) -> PlanOutcome | Refusal:
        found = _all(session, case)
        if found and request_key and review.seen_request(session, case, request_key):
            return PlanOutcome(case.ref, case.status, False, "result.already", {"ref": case.ref})
        whom = _for_pupil(session, case, form, found)
        if isinstance(whom, Refusal):
            return whom
        pupil, pupils = whom
        school = services.org.school(case.school_id)
        texts = {**form.texts(), "pupils": pupils}
        errors = _check_texts(texts, PLAN_MAX, PLAN_REQUIRED)
        if not form.tiltak:
            errors["tiltak"] = Problem("plan.error.no_tiltak")
        elif len(form.tiltak) > MAX_TILTAK:
            errors["tiltak"] = Problem("plan.error.too_many_tiltak", {"max": MAX_TILTAK})
        checked = _check_tiltak(form.tiltak, owners, school, now, errors)
        evaluate = None
        if "evaluate_when" not in errors:
            evaluate = _future(texts["evaluate_when"], "evaluate_when", school, now, errors)
        if errors or evaluate is None:
            return Refusal.on_fields(errors)
        if case.investigation_at is None:
            review.begin_investigation(services, session, case, now, actor)
        texts["pupils"] = "\n".join(names.split_names(texts["pupils"]))
        data: dict[str, Any] = {
            "evaluate_on": evaluate.at.date().isoformat(),
            "pupil_count": len(texts["pupils"].splitlines()),
        }
        if pupil is not None:
            data["pupil"] = pupil
        if request_key:
            data["request_key"] = request_key
        trail.append(session, case, "plan_created", actor, now, data, texts=texts)
        for no, item in enumerate(checked, _next_no(found)):
            _add_tiltak(session, case, actor, now, no, item, pupil)
        _schedule_evaluation(session, case, evaluate.at.date(), now, pupil)
        case.status = Status.PLAN
        return PlanOutcome(
            case.ref,
            case.status,
            True,
            "plan.result.created",
            {"ref": case.ref, "count": len(checked)},
            _dates(checked, evaluate_when=evaluate),
        )

    return review.act(services, ref, actor, "plan", run)


def change_plan(services: Services, ref: str, actor: str, change: PlanChange) -> PlanOutcome:
    """Change the plan between evaluations: new texts, a new evaluation date, tiltak added
    or ended. Each change is a new event; what was written before stays on the trail."""
    actor = actor.strip().lower()
    owners = owners_of(services, ref, change.add_tiltak)

    def run(session: Session, case: Case, now: datetime) -> PlanOutcome | Refusal:
        plan = _which(session, case, change.pupil)
        if isinstance(plan, Refusal):
            return plan
        school = services.org.school(case.school_id)
        texts = {k: v for k, v in change.texts().items() if v}
        if plan.pupil is not None:
            texts.pop("pupils", None)  # a pupil's own plan stays that pupil's
        errors = _check_texts(texts, PLAN_MAX, ())
        checked = _check_tiltak(change.add_tiltak, owners, school, now, errors)
        ended = _check_ended(plan, change.end_tiltak, errors)
        evaluate = None
        if texts.get("evaluate_when") and "evaluate_when" not in errors:
            evaluate = _future(texts["evaluate_when"], "evaluate_when", school, now, errors)
        if not (texts or checked or ended):
            errors["plan"] = Problem("plan.error.nothing_changed")
        if len(plan.active_tiltak()) - len(ended) + len(checked) < 1:
            errors["end_tiltak"] = Problem("plan.error.no_tiltak")
        if errors:
            return Refusal.on_fields(errors)
        if texts:
            if "pupils" in texts:
                texts["pupils"] = "\n".join(names.split_names(texts["pupils"]))
            data: dict[str, Any] = {"fields": sorted(texts)}
            if plan.pupil is not None:
                data["pupil"] = plan.pupil
            if evaluate is not None:
                data["evaluate_on"] = evaluate.at.date().isoformat()
                _schedule_evaluation(session, case, evaluate.at.date(), now, plan.pupil)
            trail.append(session, case, "plan_changed", actor, now, data, texts=texts)
        for no in ended:
            _end_tiltak(session, case, actor, now, no, plan.pupil)
        for no, item in enumerate(checked, _next_no(_all(session, case))):
            _add_tiltak(session, case, actor, now, no, item, plan.pupil)
        return PlanOutcome(
            case.ref,
            case.status,
            True,
            "plan.result.changed",
            {"ref": case.ref},
            _dates(checked, evaluate_when=evaluate),
        )

    return review.act(services, ref, actor, "change_plan", run)


def complete_tiltak(services: Services, ref: str, actor: str, no: int) -> PlanOutcome:
    """Record that a tiltak was carried out (its reminder stops; the tiltak stays in force)."""
    actor = actor.strip().lower()

    def run(session: Session, case: Case, now: datetime) -> PlanOutcome | Refusal:
        every = _all(session, case)
        if not every:
            return _no_plan(case)
        plan = next((p for p in every if p.tiltak_no(no) is not None), every[0])
        found = plan.tiltak_no(no)
        if found is None or not found.active:
            return Refusal.on_fields(
                {"tiltak": Problem("plan.error.unknown_tiltak", {"numbers": no})}
            )
        if found.done_at is not None:
            return PlanOutcome(case.ref, case.status, False, "result.already", {"ref": case.ref})
        trail.append(session, case, "tiltak_done", actor, now, _of(plan.pupil, no=no))
        settle_items(session, case, TILTAK, no)
        return PlanOutcome(
            case.ref, case.status, True, "plan.result.tiltak_done", {"ref": case.ref, "no": no}
        )

    return review.act(services, ref, actor, "tiltak_done", run)


def evaluate(
    services: Services,
    ref: str,
    actor: str,
    form: EvaluationForm,
    *,
    request_key: str | None = None,
) -> PlanOutcome:
    """Evaluate the tiltak with the pupil: the effect, what the pupil (and foresatte) say,
    notes; then continue, change the tiltak, or close the case when the pupil has a safe and
    good school environment, in the pupil's own words (pupil_says): how the pupil experiences
    it now. Dated by the day it was held (asked; today by default), with who took part."""
    actor = actor.strip().lower()
    owners = owners_of(services, ref, form.add_tiltak)

    def run(session: Session, case: Case, now: datetime) -> PlanOutcome | Refusal:
        plan = _which(session, case, form.pupil)
        if isinstance(plan, Refusal):
            return plan
        if request_key and review.seen_request(session, case, request_key):
            return PlanOutcome(case.ref, case.status, False, "result.already", {"ref": case.ref})
        school = services.org.school(case.school_id)
        texts = form.texts()
        required = ["pupil_says"] + (["next_evaluation"] if form.decision != "close" else [])
        errors = _check_texts(texts, EVALUATION_MAX, required)
        if form.effect not in EFFECTS:
            errors["effect"] = Problem("plan.error.unknown_effect")
        if form.decision not in DECISIONS:
            errors["decision"] = Problem("plan.error.unknown_decision")
        checked = _check_tiltak(form.add_tiltak, owners, school, now, errors)
        ended = _check_ended(plan, form.end_tiltak, errors)
        held_on, held = _held_on(texts["held_on"], school, now, errors)
        participants = [p for p in dict.fromkeys(form.participants) if p]
        if any(p not in PARTICIPANTS for p in participants):
            errors["participants"] = Problem("plans.error.unknown_participant")
        if form.decision == "change" and not (checked or ended):
            errors["decision"] = Problem("plan.error.change_needs_tiltak")
        closing = form.decision == "close"
        if not closing and len(plan.active_tiltak()) - len(ended) + len(checked) < 1:
            errors["end_tiltak"] = Problem("plan.error.no_tiltak")
        next_on = None
        if not closing and "next_evaluation" not in errors:
            next_on = _future(texts["next_evaluation"], "next_evaluation", school, now, errors)
        if errors:
            return Refusal.on_fields(errors)
        first = _next_no(_all(session, case))
        added = list(range(first, first + len(checked)))
        data: dict[str, Any] = _of(
            plan.pupil,
            effect=form.effect,
            decision=form.decision,
            next_evaluation=next_on.at.date().isoformat() if next_on else None,
            added=added,
            ended=ended,
            held_on=held_on.isoformat(),
            participants=participants,
        )
        if request_key:
            data["request_key"] = request_key
        texts.pop("held_on", None)  # in the data, as the day understood
        if closing:
            texts.pop("next_evaluation", None)
        trail.append(session, case, "evaluated", actor, now, data, texts=texts)
        # An evaluation settles the tiltak dates of its plan it looked back on.
        session.execute(
            update(PlanItem)
            .where(
                PlanItem.case_id == case.id,
                PlanItem.kind == TILTAK,
                PlanItem.item_no.in_([x.no for x in plan.tiltak]),
                PlanItem.done.is_(False),
                PlanItem.due_date <= now.astimezone(school.zone).date(),
            )
            .values(done=True)
        )
        for no in ended:
            _end_tiltak(session, case, actor, now, no, plan.pupil)
        for no, item in zip(added, checked, strict=True):
            _add_tiltak(session, case, actor, now, no, item, plan.pupil)
        others_open = [p for p in _all(session, case) if p.pupil != plan.pupil and p.open]
        if closing and not others_open:
            trail.append(session, case, "closed", actor, now, {"via": "evaluated"})
            case.closed_at = now
            case.status = Status.CLOSED
            settle_items(session, case)
            key = "plan.result.closed"
        elif closing:
            # This pupil's plan ends; the case stays open for the others' plans.
            for x in plan.tiltak:
                settle_items(session, case, TILTAK, x.no)
            _settle_evaluation(session, case, plan.pupil)
            key = "plan.result.plan_closed"
        else:
            assert next_on is not None
            _schedule_evaluation(session, case, next_on.at.date(), now, plan.pupil)
            key = "plan.result.evaluated"
        return PlanOutcome(
            case.ref,
            case.status,
            True,
            key,
            {"ref": case.ref},
            _dates(checked, held_on=held, next_evaluation=next_on),
        )

    return review.act(services, ref, actor, "evaluate", run)


def in_force(session: Session, case: Case) -> list[Plan]:
    """The case's plans that have not ended."""
    return [p for p in _all(session, case) if p.open]


def end_without_evaluation(
    session: Session, case: Case, actor: str, now: datetime, reason: str
) -> None:
    """The case is closed while plans are in force and no final evaluation was held: each
    plan ends with the reason given, as its own event (`plan_ended`), in the same
    transaction as the closing. The case file shows it beside the plan."""
    for found in in_force(session, case):
        data = _of(found.pupil, via="closed")
        trail.append(session, case, "plan_ended", actor, now, data, texts={"reason": reason})
    settle_items(session, case)


@dataclass(frozen=True)
class ClosingNeeds:
    """What the close form must ask: why no investigation was needed (never investigated),
    and why a plan in force ends without a final evaluation."""

    investigated: bool
    plan_in_force: bool


def closing_needs(services: Services, ref: str, actor: str) -> ClosingNeeds:
    """Before the close form opens, after the same check as closing (a refusal is logged)."""
    found: list[ClosingNeeds] = []

    def run(session: Session, case: Case, now: datetime) -> Outcome:
        plans_open = bool(in_force(session, case))
        found.append(ClosingNeeds(case.investigation_at is not None, plans_open))
        return Outcome(case.ref, case.status, False, "result.already", {"ref": case.ref})

    review.act(services, ref, actor.strip().lower(), "close", run)
    return found[0]


def share_with_rteam(
    services: Services, ref: str, actor: str, basis: str, note: str = ""
) -> PlanOutcome:
    """Share the case with the school's R-team: with foresatte's consent (the R-team sees
    everything), or to discuss it without names (no pupil names shown); "withdrawn" ends it.
    `note` records how consent was given ("mor samtykket på telefon 24.11")."""
    actor = actor.strip().lower()
    note = note.strip()

    def run(session: Session, case: Case, now: datetime) -> PlanOutcome | Refusal:
        errors: dict[str, Problem] = {}
        if basis not in SHARE_BASES:
            errors["basis"] = Problem("plan.error.unknown_basis")
        if len(note) > MAX_SHARE_NOTE:
            errors["note"] = Problem("error.too_long", {"max": MAX_SHARE_NOTE, "length": len(note)})
        if not services.org.school(case.school_id).rteam.members:
            errors["basis"] = Problem("plan.error.no_rteam")
        if errors:
            return Refusal.on_fields(errors)
        share = None if basis == "withdrawn" else basis
        if share == case.rteam_share:
            return PlanOutcome(case.ref, case.status, False, "result.already", {"ref": case.ref})
        trail.append(
            session, case, "rteam_shared", actor, now, {"basis": basis}, texts={"share_note": note}
        )
        case.rteam_share = share
        return PlanOutcome(
            case.ref, case.status, True, f"plan.result.shared.{basis}", {"ref": case.ref}
        )

    return review.act(services, ref, actor, "share_rteam", run)


# --- The seam for the follow-up reminders ------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """A plan date that has come: a tiltak to carry out or an evaluation to hold.

    No free text and no pupil names: the reminder says what is due in which case, and the
    person opens the case to see the rest.
    """

    item_id: int  # plan_items.id: stable, good for a "reminded once" key
    case_id: int
    ref: str
    school_id: str
    kind: str  # "tiltak" | "evaluation"
    tiltak_no: int | None
    due: date
    responsible: str | None  # the staff e-mail given as who carries out the tiltak
    leaders: tuple[str, ...]  # everyone who handles the case (leader, rektor, forwardees…)


def due_items(session: Session, school_id: str, on_date: date) -> list[DueItem]:
    """Plan items of one school due on or before `on_date` and not yet done, in open cases.

    Reads the indexed plan_items (school_id, done, due_date), so its cost grows with the
    items due, not with the number of cases.
    """
    rows = session.execute(
        select(PlanItem, Case.ref)
        .join(Case, Case.id == PlanItem.case_id)
        .where(
            PlanItem.school_id == school_id,
            PlanItem.done.is_(False),
            PlanItem.due_date <= on_date,
            Case.status != Status.CLOSED,
        )
        .order_by(PlanItem.due_date, PlanItem.case_id, PlanItem.kind, PlanItem.item_no)
    ).all()
    leaders: dict[int, tuple[str, ...]] = {}
    out: list[DueItem] = []
    for item, ref in rows:
        if item.case_id not in leaders:
            case = session.get(Case, item.case_id)
            assert case is not None
            leaders[item.case_id] = tuple(access.handlers_of(session, case))
        out.append(
            DueItem(
                item_id=item.id,
                case_id=item.case_id,
                ref=ref,
                school_id=item.school_id,
                kind=item.kind,
                tiltak_no=item.item_no,
                due=item.due_date,
                responsible=item.responsible,
                leaders=leaders[item.case_id],
            )
        )
    return out

"""What a leader does with a case: open, acknowledge, investigate, forward, note, close.

Every action checks who is acting. A refused attempt changes nothing but is written to the
trail. Repeating an action (a retried click) acts once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handlers import access, history, matter, names, notices, people, redact, routing, states
from handlers.dates import WhenError, parse_when
from handlers.errors import FieldErrors, Problem, Refusal, Refused
from handlers.refs import canonical_ref
from handlers.report import grant
from handlers.services import Services
from store import trail
from store.models import Case, CaseAccess, Event

MAX_NOTE = 2000
MAX_REASON = 1000
MAX_REF = 20  # a case number typed in a form
OPEN_STATES = states.OPEN
Status = states.Status
# The command line on the server reads as an operator (see `read`).
OPERATOR = access.Access(access.FULL, True, False)
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    ref: str
    status: str
    changed: bool
    key: str  # catalog key describing what happened
    args: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class TrailEntry:
    seq: int
    type: str
    actor: str
    at: datetime
    data: dict[str, Any]
    texts: dict[str, str | None]


@dataclass(frozen=True)
class CaseSummary:
    """What may be shown without opening: no pupil names, no free text."""

    ref: str
    school_id: str
    status: str
    section: str
    urgent: bool
    unit: str | None
    categories: list[str]
    created_at: datetime


@dataclass(frozen=True)
class CaseDetails(CaseSummary):
    """Everything about a case, for someone allowed to open it."""

    reporter: str
    handlers: list[str]
    report: dict[str, str | None]  # the report's free text, for the authorized eye only
    report_data: dict[str, Any]
    trail: list[TrailEntry]
    restricted: bool
    offered: tuple[str, ...] = ()  # what the reader may do with it now (handlers.states)
    names: dict[str, str] = field(default_factory=dict)  # e-mail → display name
    # Earlier cases about the same pupil (handlers.history): refs the reader may open, and
    # how many others there are
    earlier: tuple[str, ...] = ()
    earlier_hidden: int = 0

    def name(self, email: str | None) -> str:
        """A person on the case as people read them: their name (the e-mail if unknown)."""
        return self.names.get(email or "", email or "")

    @property
    def accused(self) -> str | None:
        """§ 12-5: whom the report is about, by name (a name typed when not on the staff)."""
        email = self.report_data.get("accused")
        return self.name(email) if email else self.report.get("accused_name")


def summary(case: Case) -> CaseSummary:
    return CaseSummary(
        ref=case.ref,
        school_id=case.school_id,
        status=case.status,
        section=case.section,
        urgent=case.urgent,
        unit=case.unit,
        categories=json.loads(case.categories),
        created_at=case.created_at,
    )


def load_case(session: Session, ref: str, *, lock: bool = False) -> Case:
    q = select(Case).where(Case.ref == canonical_ref(ref))
    if lock:
        q = q.with_for_update()
    case = session.scalar(q)
    if case is None:
        raise Refused("refused.unknown_case", ref=ref)
    return case


def open_case(services: Services, ref: str, actor: str) -> CaseDetails:
    """The details, for someone allowed to see them. Each opening is a `viewed` event.

    The R-team, when a case is shared without foresatte's consent, gets the details with
    every pupil of the school and their foresatte replaced ("elev 1"), wherever named.
    """
    lang = services.org.language_of(actor.strip().lower())
    names = people.case_names(services, ref)

    def details(session: Session, case: Case, seen: access.Access) -> tuple[CaseDetails, bool]:
        return _details(services, session, case, seen), seen.level == access.ANONYMOUS

    shown, anonymous = read(services, ref, actor, "details", details)
    shown = replace(shown, names=names)
    if not anonymous:
        earlier, hidden = history.case_history(services, ref, actor)
        return replace(shown, earlier=tuple(earlier), earlier_hidden=hidden)
    # Redacted after the read: the school's register is read without holding the case lock.
    entries = without_names(shown.trail, lang, people=redact.register_of(services, shown.school_id))
    return replace(shown, report=dict(entries[0].texts), trail=entries)


# A read returns what it read; it gets the case and the reader's access.
Reader = Callable[[Session, Case, access.Access], T]


def read(
    services: Services,
    ref: str,
    actor: str,
    what: str,
    reader: Reader[T],
    *,
    as_operator: bool = False,
    need: Callable[[access.Access], bool] = lambda seen: seen.may_open,
) -> T:
    """Open something of a case for someone allowed to see it, logged as a `viewed` event.

    `need` says what the reader must be allowed (default: open the details). `as_operator`
    is the command line on the server (an operator with database access), which may read
    every case; the reading is logged under the operator's name all the same.
    """
    actor = actor.lower()
    with services.uow() as session:
        case = load_case(session, ref, lock=True)
        now = services.clock.now()
        seen = OPERATOR if as_operator else access.access_of(session, services.org, case, actor)
        if not need(seen):
            action = "open" if what == "details" else f"open:{what}"
            trail.append(session, case, "refused", actor, now, {"action": action})
            refusal = Refused("refused.not_allowed", ref=case.ref)
        else:
            trail.append(session, case, "viewed", actor, now, {"what": what})
            return reader(session, case, seen)
    raise refusal


def trail_entries(session: Session, case: Case) -> list[TrailEntry]:
    texts = trail.texts_of(session, case.id)
    return [
        TrailEntry(ev.seq, ev.type, ev.actor, ev.at, json.loads(ev.data), texts.get(ev.id, {}))
        for ev in trail.events_of(session, case.id)
    ]


def without_names(
    entries: list[TrailEntry], lang: str, *, people: list[redact.Person]
) -> list[TrailEntry]:
    """The entries with every pupil of `people` (the school's register) and of the case, and
    their foresatte, replaced ("elev 2"): a case shared without names."""
    return redacted(entries, lang, people)[0]


def redacted(
    entries: list[TrailEntry],
    lang: str,
    people: list[redact.Person],
    pupils: list[str] | None = None,
    *,
    keep: list[str] | None = None,
) -> tuple[list[TrailEntry], redact.Redacted]:
    """The entries with every person of `people` (the school's register) and every pupil
    typed on the case replaced ("elev 2", "foresatt til elev 2"), all but the pupils in `keep`
    (names from `pupils`) and their foresatte; and what was replaced. `pupils` fixes the
    numbering (default: the order the report and the plan name them)."""
    if pupils is None:
        pupils = names.pupil_names((e.type, e.texts) for e in entries)
    where = [(n, name) for n, e in enumerate(entries) for name in e.texts]
    done = redact.redact(
        [entries[n].texts[name] for n, name in where],
        people,
        redact.Labels(lang),
        case_pupils=pupils,
        keep=keep or [],
    )
    texts: list[dict[str, str | None]] = [{} for _ in entries]
    for (n, name), text in zip(where, done.texts, strict=True):
        texts[n][name] = text
    return [replace(e, texts=texts[n]) for n, e in enumerate(entries)], done


def _details(services: Services, session: Session, case: Case, seen: access.Access) -> CaseDetails:
    entries = trail_entries(session, case)
    reported = entries[0]
    data = dict(reported.data)
    texts = dict(reported.texts)
    if seen.level == access.ANONYMOUS:
        data.pop("accused", None)  # discussed without names: no employee's name either
        texts.pop("accused_name", None)
    has_plan, open_tiltak = _plan_facts(entries)
    facts = replace(
        access.facts_of(services.org, case),
        has_plan=has_plan,
        open_tiltak=open_tiltak,
        serious_informed=any(e.type == "owner_informed_serious" for e in entries),
    )
    return CaseDetails(
        **vars(summary(case)),
        reporter=case.reporter,
        handlers=access.handlers_of(session, case),
        report=texts,
        report_data=data,
        trail=entries,
        restricted=case.restricted,
        offered=states.offered(facts, seen),
    )


def _plan_facts(entries: list[TrailEntry]) -> tuple[bool, bool]:
    """Whether the case has a plan, and a tiltak in force not yet carried out."""
    waiting: set[int] = set()
    for e in entries:
        if e.type == "tiltak_added":
            waiting.add(e.data["no"])
        elif e.type in ("tiltak_done", "tiltak_ended"):
            waiting.discard(e.data["no"])
    has_plan = any(e.type == "plan_created" for e in entries)
    return has_plan, bool(waiting)


def status_of(services: Services, ref: str, actor: str) -> CaseSummary:
    """Status only: for the reporter and anyone who may handle the case."""
    with services.uow() as session:
        case = load_case(session, ref)
        if not access.access_of(session, services.org, case, actor).may_see_status:
            raise Refused("refused.not_allowed", ref=case.ref)
        return summary(case)


def my_reports(services: Services, reporter: str) -> list[CaseSummary]:
    with services.uow() as session:
        rows = session.scalars(
            select(Case).where(Case.reporter == reporter.lower()).order_by(Case.id.desc())
        )
        return [summary(c) for c in rows]


def waiting_for(services: Services, email: str) -> list[CaseSummary]:
    """Open cases this person may act on (App Home, console inbox, reminders)."""
    email = email.lower()
    with services.uow() as session:
        excluded = select(CaseAccess.case_id).where(
            CaseAccess.email == email, CaseAccess.role == access.EXCLUDED
        )
        mine = select(CaseAccess.case_id).where(
            CaseAccess.email == email, CaseAccess.role.in_(access.ACTING_ROLES)
        )
        rows = session.scalars(
            select(Case)
            .where(Case.id.in_(mine), Case.id.not_in(excluded), Case.status.in_(OPEN_STATES))
            .order_by(Case.urgent.desc(), Case.id)
        )
        return [summary(c) for c in rows]


# An action returns its outcome, or the refusal to raise once its transaction is committed.
OutcomeT = TypeVar("OutcomeT", bound="Outcome")
Action = Callable[[Session, Case, datetime], OutcomeT | Refusal]


def act(services: Services, ref: str, actor: str, name: str, action: Action[OutcomeT]) -> OutcomeT:
    """Run one action under the case lock when the state machine allows it
    (`handlers.states.RULES[name]`), or raise its refusal (on the trail when it refused the
    person)."""
    actor = actor.lower()
    with services.uow() as session:
        case = load_case(session, ref, lock=True)
        now = services.clock.now()
        seen = access.access_of(session, services.org, case, actor)
        refusal = states.check(name, access.facts_of(services.org, case), seen)
        if refusal is None:
            result = action(session, case, now)
            if not isinstance(result, Refusal):
                return result
            refusal = result
        if refusal.logged:
            trail.append(session, case, "refused", actor, now, {"action": name})
        ref = case.ref
    raise refusal.error(ref)


def authorize(services: Services, ref: str, actor: str, action: str) -> None:
    """Check before showing a form for an action (e.g. the close modal).

    A refusal is written to the trail and raised; allowed changes nothing.
    """
    act(
        services,
        ref,
        actor,
        action,
        lambda session, case, now: Outcome(case.ref, case.status, False, "result.already"),
    )


def already(case: Case) -> Outcome:
    return Outcome(case.ref, case.status, False, "result.already", {"ref": case.ref})


def _tell_reporter(
    services: Services, session: Session, case: Case, now: datetime, kind: str, key: str
) -> None:
    """One line to the reporter about their report (acknowledged, closed): the ref and nothing
    more; what the school found and did is the pupil's and the family's. A matter a pupil or
    a foresatt raised (§ 12-6, handlers.matter) has no reporter to tell."""
    if matter.is_raised(case.reporter):
        return
    school = services.org.school(case.school_id)
    notices.emit(
        session,
        notices.Notice(
            kind=kind,
            lang=services.org.language_of(case.reporter, school),
            recipient=case.reporter,
            data={"ref": case.ref},
            dedupe_key=key,
        ),
        now,
        case,
    )


def _tell_reporter_closed(
    services: Services, session: Session, case: Case, now: datetime, actor: str
) -> None:
    # Skolemiljøknappen closes the loop the same way; a reporter who closed it knows.
    if case.reporter.lower() != actor.lower():
        key = f"closed:{case.id}:{now.isoformat()}"
        _tell_reporter(services, session, case, now, notices.CLOSED, key)


def _tell_reporter_acknowledged(
    services: Services, session: Session, case: Case, now: datetime
) -> None:
    key = f"acknowledged:{case.id}"
    _tell_reporter(services, session, case, now, notices.ACKNOWLEDGED, key)


def acknowledge(services: Services, ref: str, actor: str) -> Outcome:
    who = people.display(services, actor.lower())  # read before the case's transaction

    def run(session: Session, case: Case, now: datetime) -> Outcome:
        if case.acknowledged_at is not None:
            return already(case)
        trail.append(session, case, "acknowledged", actor.lower(), now)
        case.acknowledged_at = now
        case.status = Status.ACKNOWLEDGED
        _tell_reporter_acknowledged(services, session, case, now)
        return Outcome(
            case.ref,
            case.status,
            True,
            "result.acknowledged",
            {"ref": case.ref, "who": who},
        )

    return act(services, ref, actor, "acknowledge", run)


def start_investigation(services: Services, ref: str, actor: str) -> Outcome:
    who = people.display(services, actor.lower())

    def run(session: Session, case: Case, now: datetime) -> Outcome:
        if case.investigation_at is not None:
            return already(case)
        begin_investigation(services, session, case, now, actor.lower())
        return Outcome(
            case.ref,
            case.status,
            True,
            "result.investigating",
            {"ref": case.ref, "who": who},
        )

    return act(services, ref, actor, "investigate", run)


def begin_investigation(
    services: Services, session: Session, case: Case, now: datetime, actor: str
) -> None:
    """Record that the school investigates (undersøke), acknowledging the case if needed."""
    if case.acknowledged_at is None:
        # Starting to investigate is the strongest acknowledgement there is.
        trail.append(session, case, "acknowledged", actor, now, {"implied": True})
        case.acknowledged_at = now
        _tell_reporter_acknowledged(services, session, case, now)
    trail.append(session, case, "investigation_started", actor, now)
    case.investigation_at = now
    case.status = Status.INVESTIGATING


def forward(
    services: Services, ref: str, actor: str, to: str, *, confirmed: bool = False
) -> Outcome:
    """Give another leader the case. Someone the case is about can never receive it.

    A § 12-5 case goes only to those `routing.forward_targets` names (never the accused's own
    unit) and only once the person has confirmed (`confirmed`); otherwise the form asks."""
    to = to.strip().lower()
    who, to_name = people.display(services, actor.lower()), people.display(services, to)

    def run(session: Session, case: Case, now: datetime) -> Outcome | Refusal:
        school = services.org.school(case.school_id)
        target_roles = access.roles_on(session, case, to)
        if to not in forward_targets(services, session, case):
            trail.append(
                session, case, "refused", actor.lower(), now, {"action": "forward", "to": to}
            )
            return Refusal.on_fields({"forward_to": Problem("error.forward_target", {"who": to})})
        if target_roles & access.ACTING_ROLES:
            return already(case)
        data: dict[str, Any] = {"to": to}
        if case.section == "12-5":
            if not confirmed:
                problem = Problem("duty.forward.confirm_needed", {"ref": case.ref})
                return Refusal.on_fields({CONFIRM: problem})
            data["confirmed"] = True
        if access.EXCLUDED in target_roles:
            # Skoleeier brings rektor into a leadership case rektor is not accused in: the
            # route left rektor out; this deliberate, confirmed forward lets rektor in.
            session.execute(
                delete(CaseAccess).where(
                    CaseAccess.case_id == case.id,
                    CaseAccess.email == to,
                    CaseAccess.role == access.EXCLUDED,
                )
            )
            data["let_in"] = True
        trail.append(session, case, "forwarded", actor.lower(), now, data)
        grant(session, case, to, "forwarded", now)
        notices.emit(
            session,
            notices.Notice(
                kind=notices.FORWARDED,
                lang=services.org.language_of(to, school),
                recipient=to,
                data={
                    "ref": case.ref,
                    "school": school.id,
                    "school_name": school.name,
                    "by": actor.lower(),
                    "urgent": case.urgent,
                    "section": case.section,
                    "unit": case.unit,
                    "categories": json.loads(case.categories),
                },
            ),
            now,
            case,
        )
        return Outcome(
            case.ref,
            case.status,
            True,
            "result.forwarded",
            {"ref": case.ref, "to": to_name, "who": who},
        )

    return act(services, ref, actor, "forward", run)


CONFIRM = "confirm"  # the forward form's field that confirms a § 12-5 forward


def forward_targets(services: Services, session: Session, case: Case) -> tuple[str, ...]:
    """Who this case may be forwarded to now (handlers.routing.forward_targets)."""
    rows = session.execute(
        select(CaseAccess.email, CaseAccess.role).where(CaseAccess.case_id == case.id)
    ).all()
    return routing.forward_targets(
        services.org,
        services.org.school(case.school_id),
        section=case.section,
        leadership_case=bool(case.leadership_case),
        accused=accused_of(session, case),
        excluded={email for email, role in rows if role == access.EXCLUDED},
    )


def accused_of(session: Session, case: Case) -> str | None:
    """§ 12-5: the e-mail of the person the report is about, when they are on the staff lists."""
    data = session.scalar(
        select(Event.data).where(Event.case_id == case.id, Event.type == "reported").limit(1)
    )
    accused = json.loads(data).get("accused") if data else None
    return str(accused).lower() if accused else None


def needs_confirmation(services: Services, ref: str) -> bool:
    """Whether forwarding this case asks "are you sure?" first (§ 12-5). Says no more."""
    with services.uow() as session:
        return load_case(session, ref).section == "12-5"


def add_note(
    services: Services, ref: str, actor: str, text: str, *, request_key: str | None = None
) -> Outcome:
    text = text.strip()
    _require_text("note", text, MAX_NOTE)

    def run(session: Session, case: Case, now: datetime) -> Outcome:
        if request_key and seen_request(session, case, request_key):
            return already(case)
        trail.append(
            session,
            case,
            "noted",
            actor.lower(),
            now,
            {"request_key": request_key} if request_key else {},
            texts={"note": text},
        )
        return Outcome(case.ref, case.status, True, "result.noted", {"ref": case.ref})

    return act(services, ref, actor, "note", run)


def close(
    services: Services,
    ref: str,
    actor: str,
    reason: str,
    *,
    why_not_investigated: str = "",
    same_as: str = "",
    plan_end_reason: str = "",
) -> Outcome:
    """Close the case with its conclusion, in the pupil's own terms (does the pupil have a
    safe and good school environment?).

    A case that was never investigated closes only with `why_not_investigated`: a written
    reason why no investigation was needed (a report is a suspicion the school must undersøke,
    opplæringslova § 12-4), and optionally `same_as`, another case of the same school that is
    the same matter. Both go on the trail; the case file says the case closed uninvestigated.

    A case whose aktivitetsplan is in force closes through a final evaluation with the pupil
    (plan.evaluate, "close"); here only with `plan_end_reason`, why the plan ends without
    one, recorded as its own event (plan.end_without_evaluation).
    """
    reason = reason.strip()
    why = why_not_investigated.strip()
    plan_reason = plan_end_reason.strip()
    if len(plan_reason) > MAX_REASON:
        _require_text("plan_end_reason", plan_reason, MAX_REASON)
    _require_text("reason", reason, MAX_REASON)
    if len(why) > MAX_REASON:
        _require_text("why_not_investigated", why, MAX_REASON)
    other = canonical_ref(same_as) if same_as.strip() else None
    who = people.display(services, actor.lower())

    def run(session: Session, case: Case, now: datetime) -> Outcome | Refusal:
        if case.status == Status.CLOSED:
            return already(case)
        data: dict[str, Any] = {}
        texts: dict[str, str] = {"reason": reason}
        if case.investigation_at is None:
            problems: dict[str, Problem] = {}
            if not why:
                problems["why_not_investigated"] = Problem("close.error.why_not_investigated")
            if other is not None:
                problem = _same_matter(session, case, other)
                if problem is not None:
                    problems["same_as"] = problem
            if problems:
                return Refusal.on_fields(problems)
            data = {"no_grounds": True, "without_investigation": True}
            if other is not None:
                data["same_as"] = other
            texts["why_not_investigated"] = why
        from handlers import plan  # plan builds on review: imported when closing

        if plan.in_force(session, case):
            if not plan_reason:
                problem = Problem("plans.error.plan_in_force", {"ref": case.ref})
                return Refusal.on_fields({"plan_end_reason": problem})
            plan.end_without_evaluation(session, case, actor.lower(), now, plan_reason)
        trail.append(session, case, "closed", actor.lower(), now, data, texts=texts)
        case.closed_at = now
        case.status = Status.CLOSED
        _tell_reporter_closed(services, session, case, now, actor)
        return Outcome(case.ref, case.status, True, "result.closed", {"ref": case.ref, "who": who})

    return act(services, ref, actor, "close", run)


def reopen(
    services: Services, ref: str, actor: str, reason: str, *, request_key: str | None = None
) -> Outcome:
    """Open a closed case again, with the reason (the pupil says it has started again): its
    own `reopened` event (who, when, the reason as text), the status it stood in when it was
    closed (`states.reopened`), so the follow-up clocks of that status and the plan's dates
    remind again; the reporter is told in one line, with no details."""
    reason = reason.strip()
    _require_text("reason", reason, MAX_REASON)
    who = people.display(services, actor.lower())

    def run(session: Session, case: Case, now: datetime) -> Outcome:
        if case.status != Status.CLOSED or (
            request_key and seen_request(session, case, request_key)
        ):
            return already(case)
        entries = trail_entries(session, case)
        in_force = _plans_in_force_again(case, entries, now)
        back = states.reopened(
            acknowledged=case.acknowledged_at is not None,
            investigated=case.investigation_at is not None
            or any(e.type == "plan_created" for e in entries),
            plan_in_force=bool(in_force),
        )
        data: dict[str, Any] = {"status": str(back)}
        if request_key:
            data["request_key"] = request_key
        trail.append(session, case, "reopened", actor.lower(), now, data, texts={"reason": reason})
        case.status = back
        case.closed_at = None
        if in_force:  # the plan's clock: an evaluation date when none is set
            from handlers import plan

            plan.evaluate_again(session, services, case, now, in_force)
        # Skolemiljøknappen's loop again: the reporter knows it is open, nothing more.
        if case.reporter.lower() != actor.lower():
            key = f"reopened:{case.id}:{now.isoformat()}"
            _tell_reporter(services, session, case, now, notices.REOPENED, key)
        return Outcome(
            case.ref, case.status, True, "result.reopened", {"ref": case.ref, "who": who}
        )

    return act(services, ref, actor, "reopen", run)


def _plans_in_force_again(case: Case, entries: list[TrailEntry], now: datetime) -> list[Any]:
    """The plans the closing ended (in force, or closed by the evaluation that closed the
    case): in force again once the case is reopened (handlers.plan.plans)."""
    from handlers import plan  # the plan builds on this module

    again = TrailEntry(0, "reopened", "", now, {}, {})
    return [p for p in plan.plans(case.ref, [*entries, again]) if p.open]


def _same_matter(session: Session, case: Case, other: str) -> Problem | None:
    """Why `other` cannot be the case this one repeats: it must be another case of the school."""
    if other == case.ref:
        return Problem("close.error.same_as_self")
    found = session.scalar(select(Case.school_id).where(Case.ref == other))
    if found != case.school_id:
        return Problem("close.error.same_as_unknown", {"same_as": other})
    return None


def _require_text(name: str, text: str, limit: int) -> None:
    if not text:
        raise FieldErrors({name: Problem("error.required")})
    if len(text) > limit:
        raise FieldErrors({name: Problem("error.too_long", {"max": limit, "length": len(text)})})


def seen_request(session: Session, case: Case, key: str) -> bool:
    return any(
        json.loads(ev.data).get("request_key") == key for ev in trail.events_of(session, case.id)
    )


# --- The investigation, the parties and § 12-5 --------------------------------------------

MAX_HEARD = 1000
MAX_OBSERVED = 3000
MAX_HOW = 300
AGE_BANDS = ("under_18", "over_18")
PARTY_EVENTS = ("informed", "heard")


@dataclass
class InvestigationNote:
    """What the investigation (undersøke) found on one day: who was heard, what was seen."""

    heard: str = ""  # who was heard ("Ola, Kari, kontaktlærer")
    observed: str = ""  # what was observed or said
    on: str = ""  # the day, as typed ("i dag", "mandag"); empty: today


def note_investigation(
    services: Services,
    ref: str,
    actor: str,
    note: InvestigationNote,
    *,
    request_key: str | None = None,
) -> Outcome:
    """Record part of the investigation; starts it when it had not started."""
    texts = {"heard": note.heard.strip(), "observed": note.observed.strip()}
    errors: dict[str, Problem] = {}
    if not texts["heard"] and not texts["observed"]:
        errors["observed"] = Problem("error.required")
    for name, limit in (("heard", MAX_HEARD), ("observed", MAX_OBSERVED)):
        if len(texts[name]) > limit:
            errors[name] = Problem("error.too_long", {"max": limit, "length": len(texts[name])})

    def run(session: Session, case: Case, now: datetime) -> Outcome | Refusal:
        on = _day_of(services, case, note.on, now, "on", errors)
        if errors:
            return Refusal.on_fields(errors)
        if request_key and seen_request(session, case, request_key):
            return already(case)
        if case.investigation_at is None:
            begin_investigation(services, session, case, now, actor.lower())
        data: dict[str, Any] = {"on": on.isoformat()}
        if request_key:
            data["request_key"] = request_key
        trail.append(session, case, "investigation_noted", actor.lower(), now, data, texts=texts)
        return Outcome(case.ref, case.status, True, "result.investigation_noted", {"ref": case.ref})

    return act(services, ref, actor, "investigation_note", run)


PUPIL_VIEWS = ("yes", "no", "not_asked")


def record_foresatte(
    services: Services,
    ref: str,
    actor: str,
    what: str,
    how: str,
    on: str = "",
    *,
    pupil: int | None = None,
    pupil_agreed: str = "",
) -> Outcome:
    """Record that foresatte were informed (`what`="informed") or heard ("heard"): the day
    and how ("telefon med mor", "møte på skolen"); `pupil` (position on the case) when the
    case is about several.

    When the register says the pupil is 18 or older on that day, informing foresatte records
    what the pupil thought of it (`pupil_agreed`: yes, no, not_asked). The duty does not
    depend on consent: the answer is recorded, never a reason to refuse."""
    how = how.strip()
    errors: dict[str, Problem] = {}
    if what not in PARTY_EVENTS:
        errors["what"] = Problem("parties.error.what")
    if not how:
        errors["how"] = Problem("error.required")
    elif len(how) > MAX_HOW:
        errors["how"] = Problem("error.too_long", {"max": MAX_HOW, "length": len(how)})
    found = people.case_people(services, ref)
    if pupil is not None and found.pupil(pupil) is None:
        errors["pupil"] = Problem("parties.error.pupil")

    def run(session: Session, case: Case, now: datetime) -> Outcome | Refusal:
        day = _day_of(services, case, on, now, "on", errors)
        adult = found.adult_on(day, pupil)
        if what == "informed" and adult and pupil_agreed not in PUPIL_VIEWS:
            errors["pupil_agreed"] = Problem("parties.error.pupil_agreed")
        if errors:
            return Refusal.on_fields(errors)
        data: dict[str, Any] = {"what": what, "on": day.isoformat()}
        if pupil is not None:
            data["pupil"] = pupil
        if adult is not None:
            data["adult"] = adult  # by the register's birth date, on that day
        if what == "informed" and adult:
            data["pupil_agreed"] = pupil_agreed
        trail.append(
            session, case, "foresatte_recorded", actor.lower(), now, data, texts={"how": how}
        )
        return Outcome(case.ref, case.status, True, f"result.foresatte_{what}", {"ref": case.ref})

    return act(services, ref, actor, "foresatte", run)


def set_age_band(services: Services, ref: str, actor: str, band: str) -> Outcome:
    """Under or over 18: who consents, and who gets the plan and the statsforvaltar
    information (a pupil of 18 or more is the party; below, foresatte)."""
    if band not in AGE_BANDS:
        raise FieldErrors({"age_band": Problem("parties.error.age_band")})

    def run(session: Session, case: Case, now: datetime) -> Outcome:
        if age_band_of(session, case) == band:
            return already(case)
        trail.append(session, case, "age_band_set", actor.lower(), now, {"age_band": band})
        return Outcome(case.ref, case.status, True, f"result.age_band.{band}", {"ref": case.ref})

    return act(services, ref, actor, "age_band", run)


def age_band_of(session: Session, case: Case) -> str | None:
    band = None
    for ev in trail.events_of(session, case.id):
        if ev.type == "age_band_set":
            band = json.loads(ev.data).get("age_band")
    return band


def inform_owner(services: Services, ref: str, actor: str) -> Outcome:
    """Rektor's button: melde fra to skoleeier about this § 12-5 case (when the school's
    policy leaves it to rektor; by default Meldefra did it when the report was filed)."""
    from handlers.report import inform_owner as record

    # Who may (rektor) and when (§ 12-5, not a leadership case): handlers.states.
    def run(session: Session, case: Case, now: datetime) -> Outcome:
        if owner_informed(session, case):
            return already(case)
        record(services, session, case, now, actor.lower(), "rektor")
        return Outcome(case.ref, case.status, True, "result.owner_informed", {"ref": case.ref})

    return act(services, ref, actor, "inform_owner", run)


def owner_informed(session: Session, case: Case) -> bool:
    return any(ev.type == "owner_informed" for ev in trail.events_of(session, case.id))


def _day_of(
    services: Services,
    case: Case,
    typed: str,
    now: datetime,
    field_name: str,
    errors: dict[str, Problem],
) -> date:
    """A day that has been (today when nothing is typed), read like every date people type."""
    school = services.org.school(case.school_id)
    if not typed.strip():
        return now.astimezone(school.zone).date()
    try:
        return parse_when(typed, now=now, tz=school.timezone, mode="past").at.date()
    except WhenError as exc:
        errors[field_name] = Problem(exc.key, exc.problem_args())
        return now.astimezone(school.zone).date()

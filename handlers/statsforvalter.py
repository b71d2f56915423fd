"""§ 12-6: the statsforvalter's handling of a case, as the school follows it.

When the pupil or the foresatte take the matter to the statsforvalter, the school records each
step from the case: the melding received (its date), the vedtak (its date and the outcome in
short), the frist the school was given to act, and the frist met (done). Each step is its own
trail event (`EVENTS`), shown in the case file. The frist is kept as a dated item (`plan_items`,
kind `FRIST`) that the morning round follows like the plan's dates (handlers.followup): the
case's holders are reminded before the frist and at it until the step "done" is recorded.
Offered to whoever handles the case, open or closed (a case often goes to the statsforvalter
after the school closed it): `handlers.states` rule "statsforvalter".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from handlers import review
from handlers.dates import When, WhenError, parse_when
from handlers.errors import Problem, Refusal
from handlers.followup import FRIST as FRIST_ITEM
from handlers.review import Outcome
from handlers.services import Services
from store import trail
from store.models import Case, PlanItem

RECEIVED = "received"
VEDTAK = "vedtak"
FRIST = "frist"
DONE = "done"
STEPS = (RECEIVED, VEDTAK, FRIST, DONE)
EVENTS = {step: f"statsforvalter_{step}" for step in STEPS}
MAX_OUTCOME = 500


@dataclass(frozen=True)
class StepOutcome(Outcome):
    understood: dict[str, When] = field(default_factory=dict)


def record_step(
    services: Services,
    ref: str,
    actor: str,
    step: str,
    *,
    on: str = "",
    outcome: str = "",
    frist: str = "",
) -> StepOutcome:
    """Record one step of the statsforvalter's handling. `on`: the day it happened (past;
    empty: today); `outcome`: the vedtak in short; `frist`: the day the school must have acted
    by (a step of its own)."""
    outcome = outcome.strip()
    errors: dict[str, Problem] = {}
    if step not in STEPS:
        errors["step"] = Problem("sf.error.step")
    if step == VEDTAK and not outcome:
        errors["outcome"] = Problem("sf.error.outcome")
    if len(outcome) > MAX_OUTCOME:
        errors["outcome"] = Problem("error.too_long", {"max": MAX_OUTCOME, "length": len(outcome)})
    if step == FRIST and not frist.strip():
        errors["frist"] = Problem("sf.error.frist")

    def run(session: Session, case: Case, now: datetime) -> StepOutcome | Refusal:
        zone = services.org.school(case.school_id).timezone
        understood: dict[str, When] = {}
        day = now.astimezone(services.org.school(case.school_id).zone).date()
        if step == FRIST and frist.strip():
            try:
                understood["frist"] = parse_when(frist, now=now, tz=zone, mode="future")
            except WhenError as exc:
                errors["frist"] = Problem(exc.key, exc.problem_args())
        elif on.strip():
            try:
                understood["on"] = parse_when(on, now=now, tz=zone, mode="past")
            except WhenError as exc:
                errors["on"] = Problem(exc.key, exc.problem_args())
        if errors:
            return Refusal.on_fields(errors)
        when = understood.get("frist") or understood.get("on")
        day = when.at.date() if when else day
        data = {"step": step, "date": day.isoformat()}
        texts = {"outcome": outcome} if step == VEDTAK or outcome else None
        trail.append(session, case, EVENTS[step], actor.lower(), now, data, texts=texts)
        if step == FRIST:
            _settle(session, case)  # one frist at a time: the newest
            session.add(
                PlanItem(
                    case_id=case.id,
                    school_id=case.school_id,
                    kind=FRIST_ITEM,
                    item_no=None,
                    due_date=day,
                    responsible=None,
                    done=False,
                    created_at=now,
                )
            )
        elif step == DONE:
            _settle(session, case)
        key = f"sf.result.{step}"
        return StepOutcome(case.ref, case.status, True, key, {"ref": case.ref}, understood)

    return review.act(services, ref, actor, "statsforvalter", run)


def _settle(session: Session, case: Case) -> None:
    session.execute(
        update(PlanItem)
        .where(PlanItem.case_id == case.id, PlanItem.kind == FRIST_ITEM, PlanItem.done.is_(False))
        .values(done=True)
    )


@dataclass(frozen=True)
class Step:
    """One step as the case file shows it."""

    step: str
    day: date
    actor: str
    at: datetime
    outcome: str | None


def steps(entries: list[review.TrailEntry]) -> list[Step]:
    """The statsforvalter's steps on the trail, in order."""
    kinds = {event: step for step, event in EVENTS.items()}
    return [
        Step(
            kinds[e.type], date.fromisoformat(e.data["date"]), e.actor, e.at, e.texts.get("outcome")
        )
        for e in entries
        if e.type in kinds
    ]

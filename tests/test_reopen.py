"""Issue 21 #15: a closed case reopened with a reason — its own trail event, the status it
stood in, the follow-up clocks running again, the reporter told in one line, the case file."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot import text
from bot.core import actions, forms
from handlers import export, followup, notices, plan, review, states
from handlers.clock import FixedClock
from handlers.errors import FieldErrors, Refused
from handlers.services import Services
from handlers.states import Status
from store.models import Case, Event, Outbox

from .followup_helpers import LEADER, REKTOR, TEACHER, dms, oslo, report

REASON = "Eleven sier at det har startet igjen i storefri."


def reminders(services: Services, clock: FixedClock, at: object) -> None:
    clock.set(at)  # type: ignore[arg-type]
    followup.run_reminders(services, ["nordby"])


def closed_after_investigation(services: Services, clock: FixedClock) -> str:
    ref = report(services, clock, oslo(2026, 11, 23, 9))
    clock.set(oslo(2026, 11, 23, 12))
    review.start_investigation(services, ref, LEADER)
    review.close(services, ref, LEADER, "Eleven har det trygt og godt nå.")
    return ref


def test_reopen_is_its_own_event_and_the_case_stands_where_it_was(
    services: Services, clock: FixedClock
) -> None:
    ref = closed_after_investigation(services, clock)
    clock.set(oslo(2026, 11, 24, 10))
    outcome = review.reopen(services, ref, REKTOR, REASON)
    assert outcome.changed and outcome.status == Status.INVESTIGATING
    assert outcome.key == "result.reopened"
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None and case.status == Status.INVESTIGATING
        assert case.closed_at is None
        entries = review.trail_entries(s, case)
    last = next(e for e in entries if e.type == "reopened")
    assert (last.type, last.actor, last.texts) == ("reopened", REKTOR, {"reason": REASON})
    assert last.data["status"] == "investigating"
    assert last.at == oslo(2026, 11, 24, 10)
    # A retried click acts once.
    assert not review.reopen(services, ref, REKTOR, REASON).changed
    with services.uow() as s:
        kinds = s.scalars(select(Event.type).where(Event.type == "reopened")).all()
    assert kinds == ["reopened"]


def test_the_reporter_is_told_in_one_line_with_no_details(
    services: Services, clock: FixedClock
) -> None:
    ref = closed_after_investigation(services, clock)
    review.reopen(services, ref, LEADER, REASON)
    with services.uow() as s:
        rows = s.scalars(select(Outbox).where(Outbox.kind == notices.REOPENED)).all()
        assert [(r.recipient, json.loads(r.data)) for r in rows] == [(TEACHER, {"ref": ref})]
    shown = text.render(notices.REOPENED, "nb", {"ref": ref})
    assert shown == f"Saken du meldte fra om (sak {ref}) er åpnet igjen av skolen."
    assert "storefri" not in shown


def test_who_may_reopen_rektor_and_the_leader_not_the_reporter(
    services: Services, clock: FixedClock
) -> None:
    ref = closed_after_investigation(services, clock)
    with pytest.raises(Refused):
        review.reopen(services, ref, TEACHER, REASON)
    with services.uow() as s:
        refused = s.scalars(select(Event.data).where(Event.type == "refused")).all()
    assert [json.loads(d)["action"] for d in refused] == ["reopen"]
    with pytest.raises(FieldErrors):
        review.reopen(services, ref, REKTOR, "  ")
    rule = states.RULES["reopen"]
    assert rule.roles == {
        states.Role.REKTOR,
        states.Role.LEADER,
        states.Role.FORWARDED,
        states.Role.SKOLEEIER,
    }
    # Offered only on a closed case, under the case details.
    assert "reopen" in review.open_case(services, ref, REKTOR).offered
    review.reopen(services, ref, REKTOR, REASON)
    assert "reopen" not in review.open_case(services, ref, REKTOR).offered
    assert actions.ACTIONS["reopen"].form == "reopen"


def test_the_clocks_run_again_after_reopening(services: Services, clock: FixedClock) -> None:
    """Investigated, no plan, closed: no reminder. Reopened: the missing plan is reminded
    again on the next school mornings."""
    ref = closed_after_investigation(services, clock)
    reminders(services, clock, oslo(2026, 11, 30))
    assert dms(services, "2026-11-30") == {}
    clock.set(oslo(2026, 11, 30, 12))
    review.reopen(services, ref, REKTOR, REASON)
    reminders(services, clock, oslo(2026, 12, 1))
    assert dms(services, "2026-12-01") == {LEADER: [(ref, "plan")]}


def test_a_plan_in_force_when_closed_is_in_force_again_and_its_dates_remind(
    services: Services, clock: FixedClock
) -> None:
    ref = report(services, clock, oslo(2026, 11, 23, 9))
    clock.set(oslo(2026, 11, 23, 12))
    plan.create_plan(
        services,
        ref,
        LEADER,
        plan.PlanForm(
            problem="Holdes utenfor",
            pupils="Ola",
            pupil_voice="«Ingen vil være med meg.»",
            tiltak=[plan.TiltakForm("Voksen i storefri", "kontaktlærer", "hver dag")],
            evaluate_when="fredag 4. desember",
        ),
    )
    review.close(
        services, ref, LEADER, "Ola sier han har det bra.", plan_end_reason="Eleven flytter."
    )
    reminders(services, clock, oslo(2026, 12, 4))
    assert dms(services, "2026-12-04") == {}
    clock.set(oslo(2026, 12, 4, 12))
    assert review.reopen(services, ref, LEADER, REASON).status == Status.PLAN
    assert [p.open for p in plan.plans_of(services, ref, LEADER)] == [True]
    # The closing ended the plan and settled its dates; open again, it gets an evaluation
    # within the plan deadline (5 school days: Friday 11 December), and the reminders run.
    reminders(services, clock, oslo(2026, 12, 7))
    assert dms(services, "2026-12-07") == {}
    reminders(services, clock, oslo(2026, 12, 11))
    assert dms(services, "2026-12-11") == {LEADER: [(ref, "evaluation")]}


def test_the_case_file_shows_the_reopening(services: Services, clock: FixedClock) -> None:
    ref = closed_after_investigation(services, clock)
    clock.set(oslo(2026, 11, 24, 10))
    review.reopen(services, ref, REKTOR, REASON)
    made = export.export_case(services, ref, REKTOR, fmt="pdf")
    pdf = " ".join(
        "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(made.content)).pages).split()
    )
    assert f"åpnet saken igjen: {REASON}" in pdf, pdf
    html = export.export_case(services, ref, REKTOR, fmt="html").content.decode()
    assert "åpnet saken igjen" in html and "saken er ikke avsluttet" in html.lower()


def test_the_reopen_form_is_declared_once(services: Services, clock: FixedClock) -> None:
    ref = closed_after_investigation(services, clock)
    opened = forms.open_form(services, "reopen", REKTOR, ref=ref)
    assert [f.name for f in opened.form.fields()] == ["reason"]
    result = forms.submit(services, "reopen", forms.Submission(REKTOR, {"reason": REASON}, ref))
    assert result.outcome is not None and result.outcome.status == Status.INVESTIGATING
    with pytest.raises(Refused):
        forms.open_form(services, "reopen", TEACHER, ref=ref)


def test_a_case_closed_by_its_last_evaluation_gets_its_plan_back_with_a_date(
    services: Services, clock: FixedClock
) -> None:
    """Closed by the evaluation (the pupil has it good): reopened, the plan is in force again
    (a second plan for the same pupil would be refused), and, with no evaluation date left,
    one is set within the plan deadline (5 school days) so the reminders run again."""
    ref = report(services, clock, oslo(2026, 11, 23, 9))
    clock.set(oslo(2026, 11, 23, 12))
    plan.create_plan(
        services,
        ref,
        LEADER,
        plan.PlanForm(
            problem="Holdes utenfor",
            pupils="Ola",
            pupil_voice="«Ingen vil være med meg.»",
            tiltak=[plan.TiltakForm("Voksen i storefri", "kontaktlærer", "hver dag")],
            evaluate_when="fredag 4. desember",
        ),
    )
    clock.set(oslo(2026, 12, 4, 10))
    plan.evaluate(
        services,
        ref,
        LEADER,
        plan.EvaluationForm(effect="virker", pupil_says="Jeg har det bra nå.", decision="close"),
    )
    assert review.status_of(services, ref, LEADER).status == Status.CLOSED
    clock.set(oslo(2026, 12, 7, 10))  # Monday
    assert review.reopen(services, ref, REKTOR, REASON).status == Status.PLAN
    [again] = plan.plans_of(services, ref, LEADER)
    assert again.open
    reminders(services, clock, oslo(2026, 12, 11))
    assert dms(services, "2026-12-11") == {}
    reminders(services, clock, oslo(2026, 12, 14))  # five school days on: Monday 14th
    assert dms(services, "2026-12-14") == {LEADER: [(ref, "evaluation")]}

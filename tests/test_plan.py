"""The aktivitetsplan through the handlers, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from handlers import plan, review
from handlers.clock import FixedClock
from handlers.errors import FieldErrors, Refused
from handlers.plan import EvaluationForm, PlanChange, TiltakForm
from handlers.services import Services
from store import trail
from store.models import Case, Event, PlanItem

from .planning import LEADER, OTHER_LEADER, REKTOR, TEACHER, filed, plan_form, planned


def types(services: Services, ref: str) -> list[str]:
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None
        return [e.type for e in trail.events_of(s, case.id)]


def items(services: Services) -> list[tuple[str, int | None, date, str | None, bool]]:
    with services.uow() as s:
        rows = s.scalars(select(PlanItem).order_by(PlanItem.id))
        return [(r.kind, r.item_no, r.due_date, r.responsible, r.done) for r in rows]


def test_a_plan_holds_what_the_law_requires_and_moves_the_case_to_plan(
    services: Services,
) -> None:
    ref = filed(services)
    out = plan.create_plan(services, ref, LEADER, plan_form())
    assert out.changed and out.status == "plan" and out.args["count"] == 2
    # The dates as understood, to show the leader at once.
    assert out.understood["evaluate_when"].at.date() == date(2026, 12, 9)
    assert out.understood["tiltak.2.when"].at.date() == date(2026, 12, 4)
    assert "tiltak.1.when" not in out.understood  # "hver dag" is words, not a date
    # Nobody had acknowledged it: making a plan acknowledges and investigates first.
    assert types(services, ref)[-6:-3] == ["acknowledged", "notified", "investigation_started"]
    assert types(services, ref)[-3:] == ["plan_created", "tiltak_added", "tiltak_added"]
    current = plan.plan_of(services, ref, REKTOR)
    assert current.pupils == ["Ola Nordmann", "Kari Hansen"]
    assert current.problem and current.problem.startswith("Ola blir holdt utenfor")
    assert [(x.no, x.who, x.due, x.responsible) for x in current.tiltak] == [
        (1, "laerer1@nordby.example", None, "laerer1@nordby.example"),
        (2, "kontaktlærer", date(2026, 12, 4), None),
    ]
    assert current.pupil_voice == "Ola sier: «Jeg gruer meg til storefri.»"
    assert current.evaluate_on == date(2026, 12, 9)
    # Free text is in case_texts, never in the events.
    with services.uow() as s:
        assert all(
            "Ola" not in e.data and "storefri" not in e.data for e in s.scalars(select(Event))
        )
    assert items(services) == [
        ("tiltak", 2, date(2026, 12, 4), None, False),
        ("evaluation", None, date(2026, 12, 9), None, False),
    ]


def test_every_field_error_at_once_and_nothing_stored(services: Services) -> None:
    ref = filed(services)
    before = types(services, ref)
    with pytest.raises(FieldErrors) as err:
        plan.create_plan(
            services,
            ref,
            LEADER,
            plan_form(
                problem="",
                pupil_voice=" ",
                evaluate_when="blablabla",
                tiltak=[
                    TiltakForm("Samtale", "ukjent@elsewhere.example", "i går"),
                    TiltakForm("", "", ""),
                ],
            ),
        )
    errors = err.value.errors
    assert set(errors) == {
        "problem",
        "pupil_voice",
        "evaluate_when",
        "tiltak.1.who",
        "tiltak.1.when",
        "tiltak.2.what",
        "tiltak.2.who",
        "tiltak.2.when",
    }
    assert errors["evaluate_when"].key == "when.unreadable"
    assert errors["tiltak.1.when"].key == "when.past"
    assert err.value.render("nn")["tiltak.1.who"].startswith("Fann ingen ukjent@elsewhere.example")
    with pytest.raises(FieldErrors) as err:
        plan.create_plan(services, ref, LEADER, plan_form(tiltak=[]))
    assert set(err.value.errors) == {"tiltak"}
    assert types(services, ref) == before and items(services) == []


def test_only_those_who_handle_the_case_make_plans(services: Services) -> None:
    ref = filed(services)
    for person in (TEACHER, OTHER_LEADER):
        with pytest.raises(Refused):
            plan.create_plan(services, ref, person, plan_form())
    assert types(services, ref)[-2:] == ["refused", "refused"]
    plan.create_plan(services, ref, REKTOR, plan_form())
    with pytest.raises(FieldErrors) as err:
        plan.create_plan(services, ref, LEADER, plan_form())
    assert err.value.errors["plan"].key == "plan.error.exists"


def test_a_retried_submission_makes_one_plan(services: Services) -> None:
    ref = filed(services)
    plan.create_plan(services, ref, LEADER, plan_form(), request_key="view-1")
    again = plan.create_plan(services, ref, LEADER, plan_form(), request_key="view-1")
    assert not again.changed
    assert types(services, ref).count("plan_created") == 1


def test_evaluations_continue_change_and_close_by_new_events(
    services: Services, clock: FixedClock
) -> None:
    ref = planned(services)
    clock.advance(days=14)
    with pytest.raises(FieldErrors) as err:
        plan.evaluate(services, ref, LEADER, EvaluationForm(effect="kanskje", decision="change"))
    assert set(err.value.errors) == {"effect", "pupil_says", "next_evaluation", "decision"}

    form = EvaluationForm(
        effect="delvis",
        pupil_says="Det er bedre i storefri, men ikke i garderoben.",
        foresatte_says="Mor ser bedring.",
        decision="change",
        end_tiltak=[1],
        add_tiltak=[TiltakForm("Voksen i garderoben", "laerer2@nordby.example", "mandag")],
        next_evaluation="om tre uker",  # onsdag 30. desember: the school's Christmas break
    )
    with pytest.raises(FieldErrors) as err:
        plan.evaluate(services, ref, LEADER, form)
    assert err.value.render("nb")["next_evaluation"] == (
        "onsdag 30. desember er ikke en skoledag (juleferie). "
        "Nærmeste skoledager: fredag 18. desember eller mandag 4. januar."
    )
    form.next_evaluation = "mandag 4. januar"
    out = plan.evaluate(services, ref, LEADER, form)
    assert out.changed and out.understood["next_evaluation"].at.date() == date(2027, 1, 4)
    current = plan.plan_of(services, ref, LEADER)
    assert [(x.no, x.active) for x in current.tiltak] == [(1, False), (2, True), (3, True)]
    assert current.evaluations[0].effect == "delvis" and current.evaluations[0].added == [3]
    assert current.evaluate_on == date(2027, 1, 4)

    # Changed again between evaluations: the old texts stay on the trail.
    plan.change_plan(services, ref, LEADER, PlanChange(problem="Ola blir holdt utenfor."))
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None
        bodies = [t.get("problem") for t in trail.texts_of(s, case.id).values()]
    assert "Ola blir holdt utenfor." in bodies and plan_form().problem in bodies
    assert plan.plan_of(services, ref, LEADER).problem == "Ola blir holdt utenfor."

    clock.advance(days=21)
    with pytest.raises(FieldErrors) as err:
        plan.evaluate(services, ref, LEADER, EvaluationForm(effect="virker", decision="close"))
    assert set(err.value.errors) == {"pupil_says"}  # closing needs the pupil's own words
    out = plan.evaluate(
        services,
        ref,
        LEADER,
        EvaluationForm(effect="virker", pupil_says="Jeg har det fint nå.", decision="close"),
    )
    assert out.status == "closed" and out.key == "plan.result.closed"
    assert types(services, ref)[-2:] == ["evaluated", "closed"]
    assert all(done for *_, done in items(services))
    with pytest.raises(Refused):
        plan.evaluate(services, ref, LEADER, EvaluationForm(effect="virker", pupil_says="x"))
    with services.uow() as s:
        assert trail.verify_all(s)[2] == []


def test_the_last_tiltak_cannot_be_ended_without_a_new_one(services: Services) -> None:
    ref = planned(services)
    with pytest.raises(FieldErrors) as err:
        plan.change_plan(services, ref, LEADER, PlanChange(end_tiltak=[1, 2]))
    assert err.value.errors["end_tiltak"].key == "plan.error.no_tiltak"
    with pytest.raises(FieldErrors) as err:
        plan.change_plan(services, ref, LEADER, PlanChange(end_tiltak=[7]))
    assert err.value.render("nb")["end_tiltak"] == "Finner ikke tiltak 7 i planen."


def test_due_items_are_the_reminder_seam(services: Services, clock: FixedClock) -> None:
    ref = planned(services)
    other = filed(services, school_id="fjellvik")  # another school's case is not listed
    assert other
    with services.uow() as s:
        assert plan.due_items(s, "nordby", date(2026, 12, 3)) == []
        due = plan.due_items(s, "nordby", date(2026, 12, 9))
    assert [(d.ref, d.kind, d.tiltak_no, d.due) for d in due] == [
        (ref, "tiltak", 2, date(2026, 12, 4)),
        (ref, "evaluation", None, date(2026, 12, 9)),
    ]
    assert due[0].leaders == (LEADER, REKTOR)
    plan.complete_tiltak(services, ref, LEADER, 2)
    assert not plan.complete_tiltak(services, ref, LEADER, 2).changed
    with services.uow() as s:
        assert [d.kind for d in plan.due_items(s, "nordby", date(2026, 12, 9))] == ["evaluation"]
        assert plan.due_items(s, "fjellvik", date(2027, 1, 1)) == []
    # A new evaluation date replaces the old one.
    plan.change_plan(services, ref, LEADER, PlanChange(evaluate_when="1. mars"))
    with services.uow() as s:
        assert plan.due_items(s, "nordby", date(2026, 12, 31)) == []
        assert [d.due for d in plan.due_items(s, "nordby", date(2027, 3, 1))] == [date(2027, 3, 1)]
    # A responsible person given by e-mail is who the reminder goes to.
    plan.change_plan(
        services,
        ref,
        LEADER,
        PlanChange(add_tiltak=[TiltakForm("Elevsamtale", "laerer2@nordby.example", "i morgen")]),
    )
    with services.uow() as s:
        tomorrow = plan.due_items(s, "nordby", date(2026, 11, 26))
    assert [(d.tiltak_no, d.responsible) for d in tomorrow] == [(3, "laerer2@nordby.example")]
    # Closing the case by hand, with the plan in force: only with the reason the plan ends
    # without a final evaluation; then every reminder ends.
    with pytest.raises(FieldErrors) as err:
        review.close(services, ref, LEADER, "Flyttet til en annen skole.")
    assert err.value.errors["plan_end_reason"].key == "plans.error.plan_in_force"
    review.close(
        services,
        ref,
        LEADER,
        "Saken avsluttes.",
        plan_end_reason="Ola har flyttet til en annen skole.",
    )
    assert types(services, ref)[-3:-1] == ["plan_ended", "closed"]
    ended = plan.plan_of(services, ref, LEADER)
    assert not ended.open and ended.ended_reason == "Ola har flyttet til en annen skole."
    with services.uow() as s:
        assert plan.due_items(s, "nordby", date(2027, 12, 31)) == []


def test_sharing_with_the_rteam_is_an_event(services: Services) -> None:
    ref = planned(services)
    with pytest.raises(FieldErrors):
        plan.share_with_rteam(services, ref, LEADER, "kanskje")
    out = plan.share_with_rteam(services, ref, LEADER, "consent", "Mor samtykket på telefon")
    assert out.key == "plan.result.shared.consent"
    assert not plan.share_with_rteam(services, ref, LEADER, "consent").changed
    plan.share_with_rteam(services, ref, LEADER, "withdrawn")
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None and case.rteam_share is None
        shares = [
            json.loads(e.data)["basis"]
            for e in trail.events_of(s, case.id)
            if e.type == "rteam_shared"
        ]
    assert shares == ["consent", "withdrawn"]

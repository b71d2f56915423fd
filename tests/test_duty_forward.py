"""Forwards of a § 12-5 case: skoleeier may bring in rektor (when rektor is not accused),
another school's rektor or the municipality's team (`owner.team`); every forward is confirmed;
nobody in the accused's own unit is offered or accepted. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import select

from handlers import access, choices, review
from handlers.errors import FieldErrors
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.models import Case, CaseAccess, Event

from .planning import LEADER, OTHER_LEADER, OWNER, REKTOR, TEACHER

EMPLOYEE = ("ansatt_krenket_elev",)
JURIST = "jurist@kommune.example"
FJELLVIK_REKTOR = "rektor@fjellvik.example"
# 8. trinn (led by trinn8): laerer1 (the reporter), laerer2, miljoterapeut.
# 9. trinn (led by trinn9): laerer3, laerer4.
TEAM_8 = {"laerer2@nordby.example", "miljoterapeut@nordby.example", LEADER}
TEAM_9 = {"laerer3@nordby.example", "laerer4@nordby.example", OTHER_LEADER}


@pytest.fixture
def municipal(services: Services) -> Services:
    """The sample org with a municipality's team."""
    owner = dataclasses.replace(services.org.owner, team=(JURIST,))
    return dataclasses.replace(services, org=dataclasses.replace(services.org, owner=owner))


def employee_case(services: Services, accused: str) -> str:
    form = ReportForm(pupils="Ola", what="Noe skjedde", categories=EMPLOYEE, accused=accused)
    return file_report(services, form, TEACHER).ref


def targets(services: Services, ref: str, actor: str) -> set[str]:
    return set(choices.choices_for(services, ref, actor).forward_to)


def forwards(services: Services, ref: str) -> list[tuple[str, dict[str, object]]]:
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None
        rows = s.execute(
            select(Event.type, Event.data)
            .where(Event.case_id == case.id, Event.type.in_(("forwarded", "refused")))
            .order_by(Event.seq)
        )
        return [(type_, json.loads(data)) for type_, data in rows]


def test_skoleeier_brings_rektor_into_a_case_about_a_trinnleder(municipal: Services) -> None:
    ref = employee_case(municipal, OTHER_LEADER)  # trinn9 is in the leadership
    offered = targets(municipal, ref, OWNER)
    # Rektor (not the accused), another school's rektor, the municipality's team, and the
    # school's staff outside the accused's unit and the leadership.
    assert {REKTOR, FJELLVIK_REKTOR, JURIST, "laerer2@nordby.example"} <= offered
    assert not offered & (TEAM_9 | {LEADER, OWNER})
    # Rektor cannot open the case before skoleeier brings rektor in.
    with pytest.raises(FieldErrors) as unsure:
        review.forward(municipal, ref, OWNER, REKTOR)
    assert unsure.value.errors["confirm"].key == "duty.forward.confirm_needed"
    assert forwards(municipal, ref) == []  # nothing happened, nothing to log
    with municipal.uow() as s:
        case = review.load_case(s, ref)
        assert not access.access_of(s, municipal.org, case, REKTOR).may_open
    done = review.forward(municipal, ref, OWNER, REKTOR, confirmed=True)
    assert done.changed and done.key == "result.forwarded"
    assert forwards(municipal, ref) == [
        ("forwarded", {"to": REKTOR, "confirmed": True, "let_in": True})
    ]
    with municipal.uow() as s:
        case = review.load_case(s, ref)
        assert access.access_of(s, municipal.org, case, REKTOR).may_act
        roles = set(
            s.scalars(
                select(CaseAccess.role).where(
                    CaseAccess.case_id == case.id, CaseAccess.email == REKTOR
                )
            )
        )
    assert roles == {"forwarded"}
    # The accused and the rest of the leadership stay out.
    with municipal.uow() as s:
        case = review.load_case(s, ref)
        for person in (OTHER_LEADER, LEADER):
            assert not access.access_of(s, municipal.org, case, person).may_open
    # Another school's rektor and the team, confirmed.
    review.forward(municipal, ref, OWNER, FJELLVIK_REKTOR, confirmed=True)
    review.forward(municipal, ref, OWNER, JURIST, confirmed=True)
    assert [d["to"] for _, d in forwards(municipal, ref)] == [REKTOR, FJELLVIK_REKTOR, JURIST]


def test_a_forward_never_reaches_the_accuseds_unit_even_when_typed(municipal: Services) -> None:
    ref = employee_case(municipal, OTHER_LEADER)
    for person in (*sorted(TEAM_9), LEADER):
        with pytest.raises(FieldErrors) as refused:
            review.forward(municipal, ref, OWNER, person, confirmed=True)
        assert refused.value.errors["forward_to"].key == "error.forward_target"
    logged = forwards(municipal, ref)
    assert [t for t, _ in logged] == ["refused"] * 4
    assert {d["to"] for _, d in logged} == {*TEAM_9, LEADER}


def test_rektor_accused_is_never_offered_nor_let_in(municipal: Services) -> None:
    ref = employee_case(municipal, REKTOR)
    assert REKTOR not in targets(municipal, ref, OWNER)
    with pytest.raises(FieldErrors):
        review.forward(municipal, ref, OWNER, REKTOR, confirmed=True)
    with municipal.uow() as s:
        case = review.load_case(s, ref)
        assert access.is_excluded(s, case, REKTOR)


def test_rektors_12_5_case_leaves_out_the_accuseds_team_and_asks_first(
    municipal: Services,
) -> None:
    ref = employee_case(municipal, "laerer2@nordby.example")  # 8. trinn, not leadership
    offered = targets(municipal, ref, REKTOR)
    assert JURIST in offered and OTHER_LEADER in offered
    assert not offered & (TEAM_8 | {FJELLVIK_REKTOR})  # other schools: leadership cases only
    with pytest.raises(FieldErrors) as unsure:
        review.forward(municipal, ref, REKTOR, OTHER_LEADER)
    assert set(unsure.value.errors) == {"confirm"}
    assert review.forward(municipal, ref, REKTOR, OTHER_LEADER, confirmed=True).changed


def test_a_12_4_forward_is_as_before(municipal: Services) -> None:
    ref = file_report(municipal, ReportForm(pupils="Ola", what="Erting"), TEACHER).ref
    assert review.forward(municipal, ref, LEADER, OTHER_LEADER).changed
    assert forwards(municipal, ref) == [("forwarded", {"to": OTHER_LEADER})]
    assert JURIST not in targets(municipal, ref, LEADER)

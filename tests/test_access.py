"""Need-to-know across roles, with property tests: every read and every action is checked."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers import access, plan, review
from handlers.errors import FieldErrors, Refused
from handlers.export import export_case
from handlers.report import grant
from handlers.services import Services
from store import trail
from store.models import Case

from .planning import LEADER, OWNER, RADGIVER, REKTOR, TEACHER, filed, planned

PEOPLE = [TEACHER, LEADER, REKTOR, OWNER, RADGIVER, "laerer3@nordby.example"]
ROLES = ["reporter", "leader", "rektor", "owner", "forwarded", "excluded"]
PUPILS = ("Ola Nordmann", "Kari Hansen")


@st.composite
def situations(draw: st.DrawFn) -> dict[str, object]:
    return {
        "person": draw(st.sampled_from(PEOPLE)),
        "roles": draw(st.sets(st.sampled_from(ROLES), max_size=3)),
        "section": draw(st.sampled_from(["12-4", "12-5"])),
        "share": draw(st.sampled_from([None, "consent", "anonymous"])),
        "restricted": draw(st.booleans()),
    }


def _events(services: Services, ref: str) -> list[tuple[str, str, dict[str, object]]]:
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None
        return [(e.type, e.actor, json.loads(e.data)) for e in trail.events_of(s, case.id)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(situation=situations())
def test_need_to_know_holds_for_every_role(services: Services, situation: dict) -> None:  # type: ignore[type-arg]
    person: str = situation["person"]
    roles: set[str] = situation["roles"]
    ref = filed(services, pupils=", ".join(PUPILS), what=f"{PUPILS[1]} dyttet {PUPILS[0]}")
    with services.uow() as s:
        case = review.load_case(s, ref)
        case.section = situation["section"]
        case.rteam_share = situation["share"]
        case.restricted = situation["restricted"]
        for role in roles:
            grant(s, case, person, role, case.created_at)
        seen = access.access_of(s, services.org, case, person)
        all_roles = access.roles_on(s, case, person)
    before = len(_events(services, ref))
    try:
        details = review.open_case(services, ref, person)
    except Refused:
        details = None
    after = _events(services, ref)
    # Every attempt to open is on the trail, once, as a view or a refusal.
    assert len(after) == before + 1
    assert after[-1][:2] == (("viewed" if details else "refused"), person)

    school = services.org.school("nordby")
    if "excluded" in all_roles:
        assert details is None and seen.level == access.NONE and not seen.may_see_status
    handles = bool(all_roles & access.ACTING_ROLES) or (
        person == OWNER and situation["section"] == "12-5"
    )
    if situation["restricted"]:
        # Sperret: rektor and skoleeier only, and nobody may change it.
        assert (details is not None) == (
            handles and "excluded" not in all_roles and person in (school.principal, OWNER)
        )
        assert not seen.may_act
    elif "excluded" not in all_roles:
        in_rteam = person in school.rteam.members and situation["share"] is not None
        assert (details is not None) == (handles or in_rteam)
        assert seen.may_act == handles
    if details is not None and seen.level == access.ANONYMOUS:
        shown = json.dumps([e.texts for e in details.trail], ensure_ascii=False)
        assert not any(part in shown for name in PUPILS for part in name.split())
        assert "elev 1" in shown and "elev 2" in shown
    if details is not None and seen.level == access.FULL:
        assert details.report["pupils"] == ", ".join(PUPILS)
    # The reporter sees the status of their own report, and nothing else.
    if all_roles == {"reporter"} and person != OWNER and person not in school.rteam.members:
        assert details is None and review.status_of(services, ref, person).ref == ref
    # Acting follows the same rule as opening, and a refusal is logged.
    try:
        review.add_note(services, ref, person, "notat")
        acted = True
    except Refused:
        acted = False
    assert acted == (seen.may_act and not situation["restricted"])


def test_rteam_sees_a_case_only_after_a_leader_shares_it(services: Services) -> None:
    ref = planned(services)
    with pytest.raises(Refused):
        review.open_case(services, ref, RADGIVER)
    plan.share_with_rteam(services, ref, LEADER, "anonymous")
    anonymous = plan.plan_of(services, ref, RADGIVER)
    assert anonymous.pupils == ["elev 1", "elev 2"]
    assert anonymous.problem == "elev 1 blir holdt utenfor i friminuttene, og elev 2 er med på det."
    with pytest.raises(Refused):
        plan.share_with_rteam(services, ref, RADGIVER, "consent")  # the R-team does not act
    with pytest.raises(Refused):
        export_case(services, ref, RADGIVER)  # nor export
    plan.share_with_rteam(services, ref, LEADER, "consent", "Far samtykket i møte 26.11")
    assert plan.plan_of(services, ref, RADGIVER).pupils == ["Ola Nordmann", "Kari Hansen"]
    plan.share_with_rteam(services, ref, LEADER, "withdrawn")
    with pytest.raises(Refused):
        plan.plan_of(services, ref, RADGIVER)


def test_owner_contacts_see_section_12_5_cases(services: Services) -> None:
    ref = filed(services, categories=("ansatt_krenket_elev",), accused="laerer2@nordby.example")
    assert review.open_case(services, ref, OWNER).section == "12-5"
    ordinary = filed(services)
    with pytest.raises(Refused):
        review.open_case(services, ordinary, OWNER)
    with pytest.raises(Refused):
        plan.plan_of(services, ref, "laerer2@nordby.example")  # the accused never sees it
    with pytest.raises(FieldErrors):
        plan.plan_of(services, ref, OWNER)  # allowed, but there is no plan yet

"""Routing by § 12-4 and § 12-5, with examples and property tests over random orgs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.org import Org, Owner, RTeam, School, Unit
from handlers.routing import route


def test_teacher_goes_to_nearest_leader_and_rektor(org: Org) -> None:
    r = route(org, org.school("nordby"), "laerer1@nordby.example")
    assert [(x.email, x.role) for x in r.recipients] == [
        ("trinn8@nordby.example", "leader"),
        ("rektor@nordby.example", "rektor"),
    ]
    assert r.section == "12-4" and not r.urgent and r.unit == "8. trinn"


def test_unit_leader_and_person_without_unit_go_to_rektor(org: Org) -> None:
    school = org.school("nordby")
    for reporter in ("trinn8@nordby.example", "vikar@nordby.example"):
        r = route(org, school, reporter)
        assert [(x.email, x.role) for x in r.recipients] == [("rektor@nordby.example", "rektor")]


def test_principal_leading_the_unit_gets_it_once(org: Org) -> None:
    r = route(org, org.school("fjellvik"), "assistent@fjellvik.example")
    assert [x.email for x in r.recipients] == ["rektor@fjellvik.example"]


def test_employee_accused_goes_straight_to_rektor_flagged(org: Org) -> None:
    r = route(
        org,
        org.school("nordby"),
        "laerer1@nordby.example",
        accused_employee="laerer2@nordby.example",
    )
    assert [(x.email, x.role) for x in r.recipients] == [("rektor@nordby.example", "rektor")]
    assert r.section == "12-5" and r.urgent and r.prompt_owner
    assert "laerer2@nordby.example" in r.excluded


def test_leadership_accused_goes_to_owner_and_nobody_in_leadership(org: Org) -> None:
    school = org.school("nordby")
    r = route(org, school, "laerer1@nordby.example", accused_employee="trinn8@nordby.example")
    assert [(x.email, x.role) for x in r.recipients] == [("skoleeier@kommune.example", "owner")]
    assert r.leadership_case and set(school.leadership) <= r.excluded
    r = route(org, school, "laerer1@nordby.example", accused_employee="REKTOR@nordby.example")
    assert r.emails() == ["skoleeier@kommune.example"]


# --- properties over random org files and reports --------------------------------------

people = st.sampled_from([f"p{i}@s.example" for i in range(12)])


@st.composite
def orgs(draw: st.DrawFn) -> tuple[Org, School]:
    principal = draw(people)
    leadership = tuple(draw(st.lists(people, max_size=3, unique=True)))
    units = tuple(
        Unit(
            name=f"u{i}",
            leader=draw(st.none() | people),
            members=tuple(draw(st.lists(people, max_size=5, unique=True))),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    school = School(
        id="s",
        name="S",
        timezone="Europe/Oslo",
        language="nb",
        principal=principal,
        leadership=(principal, *leadership),
        rteam=RTeam(members=()),
        units=units,
    )
    owner = Owner(
        "K",
        tuple(
            draw(
                st.lists(
                    st.sampled_from(["eier1@k.example", "eier2@k.example"]), min_size=1, unique=True
                )
            )
        ),
    )
    return Org(owner=owner, schools=(school,)), school


@settings(max_examples=400, deadline=None)
@given(orgs(), people, st.none() | people)
def test_routing_rules_hold_for_any_org(
    org_school: tuple[Org, School], reporter: str, accused: str | None
) -> None:
    org, school = org_school
    if accused == reporter:
        accused = None  # refused earlier, by validation
    r = route(org, school, reporter, accused_employee=accused)
    emails = r.emails()
    # Never without a recipient, never twice the same person.
    assert emails and len(emails) == len(set(emails))
    # The named employee never receives it, whatever their role.
    if accused:
        assert accused not in emails and accused in r.excluded
        assert r.section == "12-5" and r.urgent
        if school.is_leadership(accused):
            # Nobody in the school's leadership receives it; skoleeier does.
            assert not set(emails) & set(school.leadership)
            assert set(emails) <= set(org.owner.contacts)
        else:
            assert emails == [school.principal] and r.prompt_owner
    else:
        # Rektor personally is always informed.
        assert school.principal in emails
        unit = school.unit_of(reporter)
        if unit and unit.leader and unit.leader != reporter:
            assert unit.leader in emails
        else:
            assert emails == [school.principal]
    # Every recipient carries a reason from the catalog.
    from handlers.i18n import has

    assert all(has(x.reason) for x in r.recipients)

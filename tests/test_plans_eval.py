"""Plans and evaluations (issue 20 #4, #7; issue 21 #3): future dates only on school days,
with the nearest school days offered; tiltak owners resolved to staff (and reminded);
an evaluation's held date and participants; the close form asking only what applies.

Handler tests run on SQLite and PostgreSQL (the `services` fixture); the console's is
through run(), Slack's and Teams' in test_slack_case_run.py and test_teams_flows.py."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core import forms
from handlers import plan, review
from handlers.calendar import break_kind, school_day_problem
from handlers.clock import FixedClock
from handlers.errors import FieldErrors
from handlers.i18n import has
from handlers.org import Org
from handlers.plan import EvaluationForm, TiltakForm
from handlers.services import Services

from .followup_helpers import dms
from .planning import LEADER, evaluated, filed, plan_form, planned
from .test_console import plan_answers, run
from .test_followup import round_at

OSLO = ZoneInfo("Europe/Oslo")
SUNDAY_6_DECEMBER = datetime(2026, 12, 6, 10, 0, tzinfo=OSLO)
CHRISTMAS_MESSAGE = (
    "søndag 27. desember er ikke en skoledag (juleferie). "
    "Nærmeste skoledager: fredag 18. desember eller mandag 4. januar."
)


def refused_plan(services: Services, ref: str, **kw: object) -> dict[str, str]:
    """The field errors (bokmål) of a plan that is refused."""
    with pytest.raises(FieldErrors) as err:
        plan.create_plan(services, ref, LEADER, plan_form(**kw))
    return err.value.render("nb")


# --- one function for every date set for the future --------------------------------------


def test_a_closed_day_is_refused_with_the_nearest_school_days(org: Org) -> None:
    nordby = org.school("nordby")  # closed_days 2026-12-21..2027-01-01
    today = SUNDAY_6_DECEMBER.date()
    problem = school_day_problem(nordby, date(2026, 12, 27), today)
    assert problem is not None and problem.text("nb") == CHRISTMAS_MESSAGE
    assert problem.text("nn") == (
        "søndag 27. desember er ikkje ein skuledag (juleferie). "  # CLDR: søndag
        "Næraste skuledagar: fredag 18. desember eller måndag 4. januar."
    )
    assert problem.text("en") == (
        "Sunday 27 December is not a school day (Christmas break). "
        "Nearest school days: Friday 18 December or Monday 4 January."
    )
    weekend = school_day_problem(nordby, date(2026, 12, 12), today)
    assert weekend is not None and weekend.text("nb") == (
        "lørdag 12. desember er ikke en skoledag (helg). "
        "Nærmeste skoledager: fredag 11. desember eller mandag 14. desember."
    )
    holiday = school_day_problem(nordby, date(2027, 5, 17), today)
    assert holiday is not None
    assert "(andre pinsedag og grunnlovsdag)" in holiday.text("nb")
    assert "(Constitution Day and Pentecost Monday)" in holiday.text("en")
    assert holiday.text("nb").startswith("mandag 17. mai er")  # near: no year
    far = school_day_problem(nordby, date(2027, 12, 25), today)
    assert far is not None and far.text("nb").startswith("lørdag 25. desember 2027 er")
    winter = school_day_problem(nordby, date(2027, 2, 24), today)
    assert winter is not None and "(vinterferie)" in winter.text("nb")
    # Tomorrow is Monday: a school day, nothing to say; a Sunday before a school day that is
    # today offers only the days from today on.
    assert school_day_problem(nordby, date(2026, 12, 7), today) is None
    saturday = school_day_problem(nordby, date(2026, 12, 5), date(2026, 12, 5))
    assert saturday is not None and saturday.key == "calendar.error.not_school_day.one"
    assert saturday.text("nb").endswith("Nærmeste skoledag: mandag 7. desember.")


def test_breaks_are_named_by_when_they_fall() -> None:
    assert break_kind(date(2026, 12, 21), date(2027, 1, 1)) == "christmas"
    assert break_kind(date(2027, 3, 22), date(2027, 3, 29)) == "easter"
    assert break_kind(date(2027, 6, 19), date(2027, 8, 17)) == "summer"
    assert break_kind(date(2026, 10, 5), date(2026, 10, 9)) == "autumn"
    assert break_kind(date(2027, 2, 22), date(2027, 2, 26)) == "winter"
    assert break_kind(date(2026, 11, 30), date(2026, 11, 30)) == "closed"


def test_om_tre_uker_on_a_sunday_in_the_christmas_break_is_refused(
    services: Services, clock: FixedClock
) -> None:
    ref = filed(services)
    clock.set(SUNDAY_6_DECEMBER)
    rendered = refused_plan(
        services,
        ref,
        evaluate_when="om tre uker",
        tiltak=[TiltakForm("Voksen i storefri", "kontaktlærer", "lørdag 12. desember")],
    )
    assert rendered["evaluate_when"] == CHRISTMAS_MESSAGE
    assert rendered["tiltak.1.when"].startswith("lørdag 12. desember er ikke en skoledag (helg)")
    made = plan.create_plan(
        services,
        ref,
        LEADER,
        plan_form(
            evaluate_when="fredag 18. desember",
            tiltak=[TiltakForm("Voksen i storefri", "kontaktlærer", "fredag 11. desember")],
        ),
    )
    assert made.understood["evaluate_when"].at.date() == date(2026, 12, 18)
    # Changing the plan and the next evaluation go through the same check.
    with pytest.raises(FieldErrors) as err:
        plan.change_plan(services, ref, LEADER, plan.PlanChange(evaluate_when="30. desember"))
    assert "(juleferie)" in err.value.render("nb")["evaluate_when"]
    with pytest.raises(FieldErrors) as err:
        plan.evaluate(
            services,
            ref,
            LEADER,
            EvaluationForm(effect="delvis", pupil_says="Bedre.", next_evaluation="om tre uker"),
        )
    assert err.value.render("nb")["next_evaluation"] == CHRISTMAS_MESSAGE


# --- tiltak owners as people ----------------------------------------------------------------


def test_a_tiltak_owner_is_resolved_to_a_staff_member_or_kept_as_typed_on_purpose(
    services: Services, clock: FixedClock
) -> None:
    ref = filed(services)
    tiltak = [
        TiltakForm("Voksen i storefri", "laerer2", "torsdag 26. november"),  # a user name
        TiltakForm("Samtale", "s:laerer1@nordby.example", "hver uke"),  # picked
        TiltakForm("Følge til bussen", "t:kontaktlærer", "hver dag"),  # kept on purpose
        TiltakForm("Lekegrupper", "t:laerer4", "hver dag"),  # "kept", but it names someone
        TiltakForm("Klassemøte", "kontaktlærer", "hver fredag"),  # names nobody: kept
    ]
    plan.create_plan(services, ref, LEADER, plan_form(tiltak=tiltak))
    current = plan.plan_of(services, ref, LEADER)
    assert [(x.who, x.responsible) for x in current.tiltak] == [
        ("laerer2@nordby.example", "laerer2@nordby.example"),
        ("laerer1@nordby.example", "laerer1@nordby.example"),
        ("kontaktlærer", None),
        ("laerer4@nordby.example", "laerer4@nordby.example"),
        ("kontaktlærer", None),
    ]
    # The person resolved gets the reminder on the tiltak's day.
    round_at(services, clock, datetime(2026, 11, 26, 8, 0, tzinfo=OSLO))
    assert dms(services, "2026-11-26")["laerer2@nordby.example"] == [(ref, "tiltak")]


def test_a_name_that_matches_several_is_refused_with_suggestions(services: Services) -> None:
    ref = filed(services)
    errors = refused_plan(
        services,
        ref,
        tiltak=[
            TiltakForm("Voksen i storefri", "laerer", "hver dag"),
            TiltakForm("Samtale", "s:noen@elsewhere.example", "hver uke"),
        ],
    )
    assert errors["tiltak.1.who"].startswith("Fant ingen som heter «laerer». Mente du:")
    assert "laerer1@nordby.example" in errors["tiltak.1.who"]
    assert "behold teksten slik den er skrevet" in errors["tiltak.1.who"]
    assert errors["tiltak.2.who"].startswith("Fant ingen noen@elsewhere.example")


# --- the evaluation: held on, who took part --------------------------------------------------


def test_an_evaluation_is_dated_by_the_day_it_was_held(
    services: Services, clock: FixedClock
) -> None:
    ref = planned(services)
    clock.advance(days=14)  # onsdag 9. desember
    with pytest.raises(FieldErrors) as err:
        evaluated(
            services,
            ref,
            next_evaluation="fredag 18. desember",
            held_on="i morgen",
            participants=["pupil", "rektor"],
        )
    assert set(err.value.errors) == {"held_on", "participants"}
    evaluated(services, ref, next_evaluation="fredag 18. desember")
    done = plan.plan_of(services, ref, LEADER).evaluations[0]
    assert done.held_on == date(2026, 12, 9) and done.participants == []  # today by default
    assert done.next_evaluation == date(2026, 12, 18)


# --- the close form asks only what applies; closing a plan in force --------------------------


def test_the_close_form_asks_only_what_the_case_leaves_open(services: Services) -> None:
    never = filed(services)
    opened = forms.open_form(services, "close", LEADER, ref=never)
    asked = [f.name for f in opened.shown() if isinstance(f, forms.Field)]
    assert asked == ["reason", "why_not_investigated", "same_as"]
    review.start_investigation(services, never, LEADER)
    opened = forms.open_form(services, "close", LEADER, ref=never)
    assert [f.name for f in opened.shown() if isinstance(f, forms.Field)] == ["reason"]
    with_plan = planned(services)
    opened = forms.open_form(services, "close", LEADER, ref=with_plan)
    asked = [f.name for f in opened.shown() if isinstance(f, forms.Field)]
    assert asked == ["reason", "plan_end_reason"]
    # The old one-click "no grounds" words are gone from the catalogs.
    assert not has("field.no_grounds") and not has("close.error.not_investigated")


def test_a_final_evaluation_closes_the_plan_in_force_without_a_reason(
    services: Services, clock: FixedClock
) -> None:
    ref = planned(services)
    clock.advance(days=14)
    with pytest.raises(FieldErrors) as err:  # the pupil's voice is the final evaluation's
        plan.evaluate(services, ref, LEADER, EvaluationForm(effect="virker", decision="close"))
    assert set(err.value.errors) == {"pupil_says"}
    out = plan.evaluate(
        services,
        ref,
        LEADER,
        EvaluationForm(
            effect="virker",
            pupil_says="Jeg har det bra nå, jeg er med de andre i storefri.",
            decision="close",
            participants=["pupil", "foresatte"],
        ),
    )
    assert out.status == "closed" and out.key == "plan.result.closed"
    ended = plan.plan_of(services, ref, LEADER)
    assert not ended.open and ended.ended_reason is None


# --- the console ---------------------------------------------------------------------------


def test_the_console_refuses_om_tre_uker_in_the_christmas_break(
    services: Services, clock: FixedClock
) -> None:
    ref = filed(services)
    clock.set(SUNDAY_6_DECEMBER)
    shown = run(
        services,
        [
            *plan_answers(services, ref),
            "Voksen til stede",
            "laerer2",  # found as laerer2@…: the list is offered, Enter keeps what was typed
            "",
            "hver dag",
            "",
            "om tre uker",
            "fredag 18. desember",  # asked again, with the nearest school days
            "7",
        ],
    )
    assert CHRISTMAS_MESSAGE in shown
    assert f"Aktivitetsplan laget i sak {ref} med 1 tiltak." in shown
    current = plan.plan_of(services, ref, LEADER)
    assert current.evaluate_on == date(2026, 12, 18)
    assert current.tiltak[0].responsible == "laerer2@nordby.example"

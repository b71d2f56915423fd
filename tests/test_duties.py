"""The duties of § 12-4 and § 12-5 recorded where they happen: the employee picked from the
staff, skoleeier informed (at once, or by rektor within hours), the investigation's notes,
closing with a conclusion or an explicit "no grounds", foresatte and the pupil's age band,
and dates that contradict their weekday. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.scheduler import Scheduler
from handlers import followup, review
from handlers.clock import FixedClock
from handlers.dates import WhenError, parse_when
from handlers.errors import FieldErrors, Problem, Refused
from handlers.org import Org
from handlers.report import ReportForm, file_report
from handlers.review import InvestigationNote
from handlers.services import Services
from store.models import Case, Event, Outbox

from .conftest import OSLO
from .planning import LEADER, OWNER, REKTOR, TEACHER

EMPLOYEE = ("ansatt_krenket_elev",)


def report(services: Services, **kw: object) -> str:
    base: dict[str, object] = {"pupils": "Ola", "what": "Noe skjedde"}
    base.update(kw)
    return file_report(services, ReportForm(**base), TEACHER).ref  # type: ignore[arg-type]


def types(services: Services, ref: str) -> list[str]:
    with services.uow() as s:
        query = select(Event.type).join(Case, Case.id == Event.case_id).where(Case.ref == ref)
        return list(s.scalars(query.order_by(Event.id)))


def owner_notices(services: Services) -> list[dict[str, object]]:
    with services.uow() as s:
        rows = s.scalars(select(Outbox).where(Outbox.recipient == OWNER).order_by(Outbox.id))
        return [json.loads(r.data) for r in rows]


def rektor_policy(services: Services, hours: int = 6) -> Services:
    org: Org = services.org
    schools = tuple(
        dataclasses.replace(
            s, policy=dataclasses.replace(s.policy, owner_notice="rektor", owner_notice_hours=hours)
        )
        for s in org.schools
    )
    return dataclasses.replace(services, org=dataclasses.replace(org, schools=schools))


# --- § 12-5: the employee from the staff ------------------------------------------------------


def test_the_employee_is_resolved_from_the_staff_or_refused(services: Services) -> None:
    # "trinn8" is the leader of 8. trinn: a leadership case, so skoleeier, never rektor.
    ref = report(services, categories=EMPLOYEE, accused="trinn8")
    with services.uow() as s:
        reported = s.scalar(select(Event).where(Event.type == "reported"))
        assert reported is not None and json.loads(reported.data)["accused"] == LEADER
    assert [n["role"] for n in owner_notices(services)] == ["owner"]
    with pytest.raises(Refused):
        review.open_case(services, ref, REKTOR)
    for typed in ("trinn7", "someone@else.example", "laerer"):
        with pytest.raises(FieldErrors) as err:
            report(services, categories=EMPLOYEE, accused=typed)
        problem = err.value.errors["accused"]
        assert problem.key == "people.error.accused_unknown"
        assert typed in problem.text("nb") and "{" not in problem.text("nb")


# --- § 12-5: skoleeier informed ----------------------------------------------------------------


def test_skoleeier_is_informed_at_once_on_rektors_behalf(services: Services) -> None:
    ref = report(services, categories=EMPLOYEE, accused="laerer2@nordby.example")
    assert "owner_informed" in types(services, ref)
    [told] = owner_notices(services)
    assert told["reason"] == "route.reason.owner_informed.at_once" and told["section"] == "12-5"
    # skoleeier may open it; rektor's button has nothing left to do.
    assert review.open_case(services, ref, OWNER).ref == ref
    assert not review.inform_owner(services, ref, REKTOR).changed


def test_rektor_informs_with_a_button_when_the_school_says_so(services: Services) -> None:
    services = rektor_policy(services)
    ref = report(services, categories=EMPLOYEE, accused="laerer2@nordby.example")
    assert owner_notices(services) == [] and "owner_informed" not in types(services, ref)
    with pytest.raises(Refused) as err:
        review.inform_owner(services, ref, LEADER)
    assert err.value.problem.key in ("owner_notice.error.rektor_only", "refused.not_allowed")
    assert review.inform_owner(services, ref, REKTOR).changed
    assert [n["reason"] for n in owner_notices(services)] == ["route.reason.owner_informed.rektor"]
    assert not review.inform_owner(services, ref, REKTOR).changed
    # A § 12-4 case is not one rektor reports to skoleeier.
    with pytest.raises(Refused):
        review.inform_owner(services, report(services), REKTOR)


def test_the_hour_clock_escalates_to_skoleeier_nights_and_weekends_too(
    services: Services, clock: FixedClock
) -> None:
    services = rektor_policy(services, hours=6)
    # Friday 27 November 2026, 20.00: the clock runs through the night.
    clock.set(datetime(2026, 11, 27, 20, 0, tzinfo=OSLO))
    ref = report(services, categories=EMPLOYEE, accused="laerer2@nordby.example")
    clock.advance(hours=5)
    scheduler = Scheduler(services)
    scheduler.tick()
    assert owner_notices(services) == []
    clock.advance(hours=1, minutes=1)  # Saturday 02.01: six hours have passed
    results = [r for r in scheduler.tick() if r.kind == followup.OWNER_NOTICE]
    assert [r.escalated for r in results if r.school_id == "nordby"] == [(ref,)]
    assert [n["reason"] for n in owner_notices(services)] == ["route.reason.owner_informed.clock"]
    # Once: the next hour finds nothing to do.
    clock.advance(hours=1)
    scheduler.tick()
    assert len(owner_notices(services)) == 1
    assert types(services, ref).count("owner_informed") == 1


# --- The investigation and closing ------------------------------------------------------------


def test_investigation_notes_start_the_investigation(services: Services) -> None:
    ref = report(services)
    with pytest.raises(FieldErrors) as err:
        review.note_investigation(services, ref, LEADER, InvestigationNote(on="i morgen"))
    assert set(err.value.errors) == {"observed", "on"}
    done = review.note_investigation(
        services,
        ref,
        LEADER,
        InvestigationNote(heard="Ola", observed="Sitter alene", on="fredag forrige uke"),
    )
    assert done.status == "investigating"
    with services.uow() as s:
        noted = s.scalar(select(Event).where(Event.type == "investigation_noted"))
        assert noted is not None and json.loads(noted.data)["on"] == "2026-11-20"


def test_closing_a_case_never_investigated_needs_a_written_reason(services: Services) -> None:
    ref = report(services)
    with pytest.raises(FieldErrors) as err:
        review.close(services, ref, LEADER, "Eleven har det bra")
    problem = err.value.errors["why_not_investigated"]
    assert problem.key == "close.error.why_not_investigated"
    assert "ikke undersøkt" in problem.text("nb")
    why = "Misforståelse, ingen krenkelse"
    done = review.close(services, ref, LEADER, "Eleven har det bra", why_not_investigated=why)
    assert done.status == "closed"
    with services.uow() as s:
        closed = s.scalar(select(Event).where(Event.type == "closed"))
        assert closed is not None
        data = json.loads(closed.data)
        assert data["no_grounds"] is True and data["without_investigation"] is True
        assert set(data["texts"]) == {"reason", "why_not_investigated"}


# --- Foresatte and the pupil as parties -------------------------------------------------------


def test_foresatte_informed_and_heard_and_the_age_band(services: Services) -> None:
    ref = report(services)
    with pytest.raises(FieldErrors) as err:
        review.record_foresatte(services, ref, LEADER, "told", "", "")
    assert set(err.value.errors) == {"what", "how"}
    review.record_foresatte(services, ref, LEADER, "informed", "Telefon med mor", "i går")
    review.record_foresatte(services, ref, LEADER, "heard", "Møte på skolen")
    with pytest.raises(FieldErrors):
        review.set_age_band(services, ref, LEADER, "17")
    assert review.set_age_band(services, ref, LEADER, "over_18").changed
    assert not review.set_age_band(services, ref, LEADER, "over_18").changed
    with pytest.raises(Refused):
        review.record_foresatte(services, ref, TEACHER, "heard", "x")
    assert types(services, ref).count("foresatte_recorded") == 2


# --- Dates ------------------------------------------------------------------------------------


NOW = datetime(2026, 11, 25, 13, 30, tzinfo=OSLO)


def test_a_weekday_that_contradicts_its_date_is_refused_with_both_readings() -> None:
    with pytest.raises(WhenError) as refused:
        parse_when("fredag 12. desember", now=NOW, mode="future")  # a Saturday in 2026
    problem = Problem(refused.value.key, refused.value.problem_args())
    assert problem.text("nb") == (
        "«fredag 12. desember» går ikke opp: mente du fredag 11. desember 2026 eller "
        "lørdag 12. desember 2026? Skriv dagen på nytt."
    )
    assert "Friday 11 December 2026 or Saturday 12 December 2026" in problem.text("en")


def test_weekday_of_last_or_next_week() -> None:
    assert parse_when("fredag forrige uke", now=NOW).at.date().isoformat() == "2026-11-20"
    assert parse_when("tysdag førre veke", now=NOW).at.date().isoformat() == "2026-11-17"
    ahead = parse_when("mandag neste uke", now=NOW, mode="future")
    assert ahead.at.date().isoformat() == "2026-11-30"


def test_the_unreadable_message_gives_an_example_for_its_direction() -> None:
    for mode, example, other in (
        ("future", "om to uker", "i går"),
        ("past", "i går kl 14", "om to uker"),
    ):
        with pytest.raises(WhenError) as refused:
            parse_when("blablabla", now=NOW, mode=mode)  # type: ignore[arg-type]
        text = Problem(refused.value.key, refused.value.problem_args()).text("nb")
        assert example in text and other not in text

"""Filing and handling a case through the handlers, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from handlers import review
from handlers.clock import FixedClock
from handlers.errors import FieldErrors, Refused
from handlers.report import MAX_LENGTH, ReportForm, file_report
from handlers.services import Services
from store import trail
from store.models import Case, CaseText, Event, Outbox

TEACHER = "laerer1@nordby.example"
LEADER = "trinn8@nordby.example"
REKTOR = "rektor@nordby.example"
OWNER = "skoleeier@kommune.example"


def form(**kw: object) -> ReportForm:
    base: dict[str, object] = {"pupils": "A.B. (8B)", "what": "Ble dyttet og kalt stygge ting"}
    base.update(kw)
    return ReportForm(**base)  # type: ignore[arg-type]


def outbox_rows(services: Services) -> list[Outbox]:
    with services.uow() as s:
        return list(s.scalars(select(Outbox).order_by(Outbox.id)))


def event_types(services: Services, ref: str) -> list[str]:
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None
        return [e.type for e in trail.events_of(s, case.id)]


def test_a_report_is_stored_routed_and_notified_in_one_go(services: Services) -> None:
    filed = file_report(services, form(when="i går kl 14", categories=("mobbing",)), TEACHER)
    assert filed.ref == "MF-0001"
    assert filed.when is not None and filed.when.has_time
    assert event_types(services, filed.ref)[:2] == ["reported", "routed"]
    rows = outbox_rows(services)
    assert [(r.kind, r.recipient) for r in rows] == [
        ("receipt", TEACHER),
        ("new_case", LEADER),
        ("new_case", REKTOR),
    ]
    # Notices carry no pupil names or free text.
    for row in rows:
        assert "A.B." not in row.data and "dyttet" not in row.data
    with services.uow() as s:
        texts = {t.field: t.body for t in s.scalars(select(CaseText))}
        events = [e.data for e in s.scalars(select(Event))]
    assert texts["pupils"] == "A.B. (8B)"
    assert all("A.B." not in data and "dyttet" not in data for data in events)
    routed = json.loads(events[1])
    assert [r["reason"] for r in routed["recipients"]] == [
        "route.reason.nearest_leader",
        "route.reason.rektor_always",
    ]


def test_every_field_error_at_once_and_nothing_stored(services: Services) -> None:
    with pytest.raises(FieldErrors) as err:
        file_report(
            services,
            ReportForm(
                pupils="",
                what="x" * (MAX_LENGTH["what"] + 1),
                when="i morgen",
                categories=("ansatt_krenket_elev", "nonsense"),
            ),
            TEACHER,
        )
    assert set(err.value.errors) == {"pupils", "what", "when", "categories", "accused"}
    assert err.value.errors["when"].key == "when.future"
    rendered = err.value.render("nn")
    assert rendered["pupils"] == "Må fyllast ut."
    assert "3000" in rendered["what"]
    assert outbox_rows(services) == []


def test_unreadable_time_is_a_field_error(services: Services) -> None:
    with pytest.raises(FieldErrors) as err:
        file_report(services, form(when="blablabla"), TEACHER)
    assert err.value.render("nb")["when"].startswith("Forstod ikke tidspunktet «blablabla»")


def test_unknown_reporter_must_choose_a_school(services: Services) -> None:
    with pytest.raises(FieldErrors) as err:
        file_report(services, form(), "vikar@nordby.example")
    assert set(err.value.errors) == {"school"}
    filed = file_report(services, form(school_id="nordby"), "vikar@nordby.example")
    assert [r.email for r in filed.routing.recipients] == [REKTOR]


def test_the_same_submission_twice_files_once(services: Services) -> None:
    a = file_report(services, form(), TEACHER, submission_key="view-123")
    b = file_report(services, form(), TEACHER, submission_key="view-123")
    assert a.ref == b.ref and b.duplicate
    assert len(outbox_rows(services)) == 3


def test_section_12_5_employee_never_sees_it(services: Services) -> None:
    filed = file_report(
        services,
        form(categories=("ansatt_krenket_elev",), accused="laerer2@nordby.example"),
        TEACHER,
    )
    # § 12-5: skoleeier is informed at once, on rektor's behalf (the default policy).
    assert [(r.kind, r.recipient) for r in outbox_rows(services)] == [
        ("receipt", TEACHER),
        ("new_case", REKTOR),
        ("new_case", OWNER),
    ]
    told_rektor = json.loads(outbox_rows(services)[1].data)
    assert told_rektor["prompt_owner"] is False and told_rektor["owner_informed"] is True
    assert "owner_informed" in event_types(services, filed.ref)
    with pytest.raises(Refused):
        review.open_case(services, filed.ref, "laerer2@nordby.example")
    # Even if someone tries to forward it to them.
    with pytest.raises(FieldErrors):
        review.forward(services, filed.ref, REKTOR, "laerer2@nordby.example")
    assert event_types(services, filed.ref)[-2:] == ["refused", "refused"]
    assert "laerer2@nordby.example" not in [r.recipient for r in outbox_rows(services)]


def test_leadership_accused_goes_to_owner_and_leadership_is_locked_out(services: Services) -> None:
    filed = file_report(
        services, form(categories=("ansatt_krenket_elev",), accused=LEADER), TEACHER
    )
    recipients = [r.recipient for r in outbox_rows(services) if r.kind == "new_case"]
    assert recipients == [OWNER]
    for person in (REKTOR, LEADER, "trinn9@nordby.example"):
        with pytest.raises(Refused):
            review.open_case(services, filed.ref, person)
    assert review.open_case(services, filed.ref, OWNER).report["pupils"] == "A.B. (8B)"


def test_leader_flow_acknowledge_investigate_note_close(
    services: Services, clock: FixedClock
) -> None:
    ref = file_report(services, form(), TEACHER).ref
    clock.advance(minutes=10)
    out = review.acknowledge(services, ref, LEADER)
    assert out.changed and out.status == "acknowledged"
    again = review.acknowledge(services, ref, LEADER)
    assert not again.changed and again.key == "result.already"
    # The reporter is told once.
    assert [r.recipient for r in outbox_rows(services) if r.kind == "acknowledged"] == [TEACHER]
    assert review.start_investigation(services, ref, REKTOR).status == "investigating"
    review.add_note(services, ref, LEADER, "Snakket med eleven.", request_key="v1")
    assert not review.add_note(
        services, ref, LEADER, "Snakket med eleven.", request_key="v1"
    ).changed
    with pytest.raises(FieldErrors):
        review.close(services, ref, LEADER, "   ")
    assert (
        review.close(services, ref, LEADER, "Eleven har det trygt og godt nå.").status == "closed"
    )
    assert not review.close(services, ref, LEADER, "igjen").changed
    with pytest.raises(Refused):
        review.acknowledge(services, ref, LEADER)
    types = event_types(services, ref)
    assert types.count("acknowledged") == 1 and types.count("noted") == 1
    assert types.count("closed") == 1


def test_refused_attempts_change_nothing_and_are_logged(services: Services) -> None:
    ref = file_report(services, form(), TEACHER).ref
    for action in (
        lambda: review.acknowledge(services, ref, "laerer3@nordby.example"),
        lambda: review.close(services, ref, TEACHER, "vil lukke"),
        lambda: review.open_case(services, ref, TEACHER),
    ):
        with pytest.raises(Refused):
            action()
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None and case.status == "new"
        refused = [
            json.loads(e.data)["action"] for e in trail.events_of(s, case.id) if e.type == "refused"
        ]
    assert refused == ["acknowledge", "close", "open"]
    # The reporter may still see the status of their own report.
    assert review.status_of(services, ref, TEACHER).status == "new"


def test_forward_gives_access_and_notifies(services: Services) -> None:
    ref = file_report(services, form(), TEACHER).ref
    out = review.forward(services, ref, LEADER, "radgiver@nordby.example")
    assert out.changed
    assert not review.forward(services, ref, LEADER, "radgiver@nordby.example").changed
    assert review.open_case(services, ref, "radgiver@nordby.example").ref == ref
    with pytest.raises(FieldErrors):
        review.forward(services, ref, LEADER, "stranger@elsewhere.example")
    assert [r.kind for r in outbox_rows(services)].count("forwarded") == 1


def test_viewing_is_logged_and_lists_work(services: Services) -> None:
    ref = file_report(services, form(urgent=True), TEACHER).ref
    details = review.open_case(services, ref, REKTOR)
    assert details.urgent and details.report["what"] == "Ble dyttet og kalt stygge ting"
    assert event_types(services, ref)[-1] == "viewed"
    assert [c.ref for c in review.waiting_for(services, LEADER)] == [ref]
    assert [c.ref for c in review.my_reports(services, TEACHER)] == [ref]
    assert review.waiting_for(services, TEACHER) == []
    with services.uow() as s:
        assert trail.verify_all(s)[2] == []

"""The duties' forms, declared once in bot/core for Slack, Teams and the console: the
investigation, foresatte, the age band, closing with a conclusion or "no grounds", the plan's
barnets beste and other pupils heard, and rektor's notice to skoleeier."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.core import actions, forms
from bot.core.forms import Field, Submission
from handlers import review
from handlers.errors import FieldErrors, Refused
from handlers.export import export_case
from handlers.report import ReportForm, file_report
from handlers.services import Services

from .planning import LEADER, REKTOR, TEACHER

OTHER = "laerer3@nordby.example"


def _file(services: Services, **kw: object) -> str:
    form = ReportForm(pupils="Ola N.", what="Dyttet", **kw)  # type: ignore[arg-type]
    return file_report(services, form, TEACHER).ref


def _names(name: str) -> list[str]:
    return [f.name for f in forms.FORMS[name].fields() if isinstance(f, Field)]


def test_the_duty_forms_are_declared_with_their_actions() -> None:
    assert _names("investigation") == ["heard", "observed", "on"]
    assert _names("foresatte") == ["what", "how", "on", "pupil", "pupil_agreed"]
    assert _names("age_band") == ["age_band"]
    assert _names("close") == ["reason", "plan_end_reason", "why_not_investigated", "same_as"]
    assert {"others_heard", "best_interests"} <= set(_names("plan"))
    assert {"others_heard", "best_interests"} <= set(_names("change_plan"))
    buttons = {a.verb for a in actions.case_buttons(actions.for_leader("investigating"))}
    assert {"investigation_note", "foresatte", "age_band"} <= buttons
    # Melde fra to skoleeier is rektor's, in a § 12-5 case only (handlers.states).
    assert "inform_owner" not in buttons
    assert "foresatte" not in {a.verb for a in actions.case_buttons(actions.for_leader("closed"))}


def test_the_forms_open_after_the_access_check_and_call_their_handlers(
    services: Services,
) -> None:
    ref = _file(services)
    for name in ("investigation", "foresatte", "age_band"):
        with pytest.raises(Refused):
            forms.open_form(services, name, OTHER, ref=ref)
        assert forms.open_form(services, name, LEADER, ref=ref).ref == ref
    # A never-investigated case: the close form asks why, beside that field.
    with pytest.raises(FieldErrors) as wrong:
        forms.submit(services, "close", Submission(LEADER, {"reason": "Bra nå"}, ref))
    beside, general = forms.CLOSE.place(wrong.value, _names("close"))
    assert "ikke undersøkt" in beside["why_not_investigated"].text("nb") and general == []
    noted = forms.submit(
        services,
        "investigation",
        Submission(LEADER, {"heard": "Ola", "observed": "Alene i friminuttet", "on": ""}, ref),
    )
    assert noted.outcome is not None and noted.outcome.status == "investigating"
    with pytest.raises(FieldErrors) as bad:
        forms.submit(services, "foresatte", Submission(LEADER, {"what": "heard", "how": ""}, ref))
    assert set(bad.value.errors) == {"how"}
    forms.submit(
        services,
        "foresatte",
        Submission(LEADER, {"what": "heard", "how": "Møte med far", "on": "i går"}, ref),
    )
    forms.submit(services, "age_band", Submission(LEADER, {"age_band": "under_18"}, ref))
    closed = forms.submit(
        services, "close", Submission(LEADER, {"reason": "Ola sier han har det bra nå"}, ref)
    )
    assert closed.outcome is not None and closed.outcome.status == "closed"
    page = export_case(services, ref, REKTOR, fmt="html").content.decode()
    for expected in ("Alene i friminuttet", "Møte med far", "under 18 år", "har det bra nå"):
        assert expected in page


def test_a_written_reason_closes_a_case_never_investigated(services: Services) -> None:
    # No one-click "no grounds" any more: the reason why no investigation was needed is written.
    ref = _file(services)
    values = {
        "reason": "Eleven har det trygt og godt",
        "why_not_investigated": "Misforståelse: leken var gjensidig, sett av to voksne",
    }
    closed = forms.submit(services, "close", Submission(LEADER, values, ref))
    assert closed.outcome is not None and closed.outcome.status == "closed"
    page = export_case(services, ref, REKTOR, fmt="html").content.decode()
    assert (
        "Saken ble avsluttet uten undersøkelse. Begrunnelse: Misforståelse: leken var gjensidig"
        in page
    )


def test_rektor_informs_skoleeier_with_the_case_action(services: Services) -> None:
    org = services.org
    schools = tuple(
        dataclasses.replace(s, policy=dataclasses.replace(s.policy, owner_notice="rektor"))
        for s in org.schools
    )
    services = dataclasses.replace(services, org=dataclasses.replace(org, schools=schools))
    ref = _file(services, categories=("ansatt_krenket_elev",), accused="laerer2@nordby.example")
    run = actions.ACTIONS["inform_owner"].run
    assert run is not None
    assert run(services, ref, REKTOR).key == "result.owner_informed"
    page = export_case(services, ref, REKTOR, fmt="html").content.decode()
    assert "rektor@nordby.example (rektor) meldte fra til skoleeier" in page


def test_the_case_details_name_the_employee_for_rektor_and_skoleeier(services: Services) -> None:
    from bot import text

    ref = _file(services, categories=("ansatt_krenket_elev",), accused="laerer2")
    for reader in (REKTOR, "skoleeier@kommune.example"):
        details = review.open_case(services, ref, reader)
        lines = text.case_lines("nb", {"accused": details.report_data.get("accused")})
        assert lines == ["§ 12-5: meldingen gjelder laerer2@nordby.example"]
    with pytest.raises(Refused):
        review.open_case(services, ref, "laerer2@nordby.example")


def test_rektor_is_told_that_skoleeier_was_informed(services: Services) -> None:
    from bot.core.actions import case_message
    from store.models import Outbox

    _file(services, categories=("ansatt_krenket_elev",), accused="laerer2@nordby.example")
    with services.uow() as s:
        row = s.query(Outbox).filter_by(recipient=REKTOR).one()
        data = json.loads(row.data)
    lines = case_message("new_case", "nb", data).lines
    assert "Meldefra har meldt fra til skoleeier på dine vegne, og det står i saken." in lines
    assert "Som rektor skal du melde fra til skoleeier." not in lines

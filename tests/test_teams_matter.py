"""§ 12-6 in Teams (the real Teams app over HTTP against a fake Bot Connector): a leader
writes down a matter the pupil raised from the report dialog; the statsforvalter's frist from
the case dialog, followed by the morning round."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from handlers.directory_sync import apply
from handlers.services import Services
from store.models import Case, Event, PlanItem
from tests.directory_data import snapshot
from tests.teams_harness import TeamsHarness, dialog_card, inputs, teams_bot
from tests.test_teams_defects import Signer, bearer
from tests.test_teams_flows import LEADER, REF, TEACHER, teams_form


@pytest.fixture
def teams(services: Services) -> Iterator[TeamsHarness]:
    with teams_bot(services) as harness:
        yield harness


def test_the_leader_records_a_matter_the_pupil_raised_and_a_frist(teams: TeamsHarness) -> None:
    opened = {"dialog": "form", "form": "report"}
    assert "raised_by" in inputs(dialog_card(teams.open_dialog(LEADER, opened)))
    assert "raised_by" not in inputs(dialog_card(teams.open_dialog(TEACHER, opened)))
    data = {
        **opened,
        "key": "matter",
        "school": "nordby",
        "pupils": "Ola N.",
        "what": "Ola fortalte i et møte at han blir holdt utenfor.",
        "raised_by": "pupil",
        "raised_on": "i går",
        "raised_how": "meeting",
    }
    said = teams.submit_dialog(LEADER, data)["task"]["value"]
    assert f"{REF}: tatt opp av eleven tirsdag 24. november 2026, i et møte" in said
    teams.deliver()
    with teams.services.uow() as s:
        case = s.scalar(select(Case))
        assert case is not None and case.reporter == "raised:pupil"
        assert s.scalar(select(Event.actor).where(Event.type == "reported")) == LEADER

    answer = teams_form(teams, "statsforvalter", {"step": "frist", "frist": "fredag 11. desember"})
    assert answer["task"]["type"] == "message", answer
    assert "fristen er registrert" in answer["task"]["value"]
    with teams.services.uow() as s:
        item = s.scalar(select(PlanItem).where(PlanItem.kind == "frist"))
        assert item is not None and item.due_date.isoformat() == "2026-12-11"
        assert s.scalar(select(Event.actor).where(Event.type == "statsforvalter_frist")) == LEADER


def test_the_foresatte_picker_in_teams(services: Services) -> None:
    apply(services, snapshot())
    with teams_bot(services, signed=True) as teams:
        signer = Signer(teams.fake)
        signer.publish()
        activity = teams.activity(
            LEADER,
            "invoke",
            name="application/search",
            value={"queryText": "Kari", "dataset": "search_foresatte", "kind": "search"},
        )
        answer = teams.post(activity, bearer(signer.token()))
        assert answer.status_code == 200
        titles = [r["title"] for r in answer.json()["value"]["results"]]
        assert "Anne Nordmann, foresatt til Kari Nordmann · 8B" in titles
        # What was typed can be kept: a foresatt the register does not have.
        assert answer.json()["value"]["results"][-1]["value"] == "t:Kari"

"""Issue 21 #15: reopening a closed case through each edge — the console, Slack (the case
modal's button, the declared form as a modal, over HTTP) and Teams (the case dialog's
button, the declared form as a dialog)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handlers import review
from handlers.services import Services
from handlers.states import Status
from tests.fakes.signing import block_actions, button, plain_text_input
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.teams_harness import TeamsHarness, actions_of, dialog_card, inputs, teams_bot
from tests.test_console import events, menu_of, run, who
from tests.test_slack import cases, submit_report
from tests.test_slack_case_run import Run
from tests.test_teams import file_report, make_services

from .planning import LEADER, REKTOR, filed

REASON = "Eleven sier at det har startet igjen."


def close(services: Services, ref: str) -> None:
    review.start_investigation(services, ref, LEADER)
    review.close(services, ref, LEADER, "Eleven har det trygt og godt nå.")


def status(services: Services, ref: str) -> str:
    return review.status_of(services, ref, LEADER).status


def test_the_console_reopens_through_the_declared_form(services: Services) -> None:
    ref = filed(services)
    close(services, ref)
    shown = run(services, [who(services, REKTOR), "4", ref, "3", REASON, "", "7"])
    offered = menu_of(shown, f"Sak {ref} – avsluttet. Hva vil du gjøre?")
    assert "3) Gjenåpne saken" in offered, offered
    assert f"Sak {ref} er åpnet igjen av" in shown
    assert status(services, ref) == Status.INVESTIGATING
    assert ("reopened", REKTOR) in events(services, ref)


@pytest.fixture
def bot(services: Services) -> Iterator[SlackBot]:
    with slack_bot(services) as running:
        yield running


def test_slack_reopens_from_the_case_modal(bot: SlackBot) -> None:
    submit_report(bot, pupils="Kari Nordmann", what="Kari ble dyttet i gangen")
    bot.deliver()
    flow = Run(bot)
    flow.ref = cases(bot)[0].ref
    close(bot.services, flow.ref)
    case_view = flow.opened_case()
    ids = [e.get("action_id") for b in case_view["blocks"] for e in b.get("elements", [])]
    assert "case_reopen" in ids and "case_close" not in ids
    form = flow.form("case_reopen")
    assert form["callback_id"] == "meldefra_reopen"
    flow.submit(form, {"reason": {"value": plain_text_input(REASON)}})
    assert status(bot.services, flow.ref) == Status.INVESTIGATING
    bot.deliver()  # the reporter's one line, through Slack
    lines = [m.get("text", "") for m in bot.dms_to("laerer1@nordby.example")]
    assert any("er åpnet igjen av skolen" in line for line in lines), lines
    assert not any("dyttet" in line for line in lines)


def test_slack_refuses_a_reopen_by_someone_else(bot: SlackBot) -> None:
    submit_report(bot, pupils="Kari Nordmann", what="Kari ble dyttet i gangen")
    bot.deliver()
    ref = cases(bot)[0].ref
    close(bot.services, ref)
    payload: dict[str, Any] = block_actions(
        button("case_reopen", ref, block_id=f"plan:{ref}"),
        user_id=PEOPLE["laerer2@nordby.example"],
    )
    bot.interact(payload)
    bot.fake.wait_for("chat.postEphemeral")
    assert status(bot.services, ref) == Status.CLOSED


@pytest.fixture
def teams(tmp_path: Path) -> Iterator[TeamsHarness]:
    with teams_bot(make_services(tmp_path)) as harness:
        yield harness


def test_teams_reopens_from_the_case_dialog(teams: TeamsHarness) -> None:
    ref = file_report(teams)
    close(teams.services, ref)
    details = dialog_card(teams.open_dialog(LEADER, {"dialog": "case", "ref": ref}))
    reopen = next(a for a in actions_of(details) if a["title"] == "Gjenåpne saken")
    form = dialog_card(teams.submit_dialog(LEADER, reopen["data"]))
    assert inputs(form)["reason"]["isRequired"]
    submit = form["actions"][0]["data"]
    done = teams.submit_dialog(LEADER, {**submit, "reason": REASON})
    assert done["task"]["type"] == "message", done
    assert status(teams.services, ref) == Status.INVESTIGATING

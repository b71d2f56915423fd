"""§ 12-6 in Slack (the real Bolt app over HTTP): a leader writes down a matter a foresatt
raised, from the report form; a statsforvalter step from the case dialog."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from handlers.directory_sync import apply
from handlers.services import Services
from store.models import Case, Event
from tests.directory_data import snapshot
from tests.fakes.signing import (
    block_suggestion,
    external_select,
    plain_text_input,
    radio_buttons,
    view_submission,
)
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.test_slack import LEADER, TEACHER, click, report_values, submit_report
from tests.test_slack_plan import opened_case, press, submit, text

REF = "MF-0001"


@pytest.fixture
def bot(services: Services) -> Iterator[SlackBot]:
    with slack_bot(services) as running:
        yield running


def inputs(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def test_the_leader_records_a_matter_a_foresatt_raised(bot: SlackBot) -> None:
    bot.directory.email_of(PEOPLE[LEADER])  # the form opens from memory: a known person
    bot.directory.email_of(PEOPLE[TEACHER])
    bot.command(LEADER)
    bot.fake.wait_for("views.open")
    assert "raised_by" in inputs(bot.last_view())
    bot.command(TEACHER)
    bot.fake.wait_for("views.open", count=2)
    assert "raised_by" not in inputs(bot.last_view())

    values = report_values(pupils="Kari N.", what="Mor ringte om storefri.")
    values |= {
        "raised_by": {"raised_by": radio_buttons("foresatt")},
        "raiser": {"search_foresatte": external_select("t:Anne Nordmann")},
        "raised_on": {"value": plain_text_input("mandag")},
        "raised_how": {"value": radio_buttons("phone")},
    }
    payload = view_submission(
        "meldefra_report",
        values,
        user_id=PEOPLE[LEADER],
        view_id="V0MATTER",
        private_metadata=json.dumps({"lang": "nb"}),
    )
    assert bot.interact(payload).status_code == 200
    bot.deliver()
    with bot.services.uow() as s:
        case = s.scalar(select(Case))
        assert case is not None and case.reporter == "raised:foresatt"
        actor = s.scalar(select(Event.actor).where(Event.type == "reported"))
        assert actor == LEADER
    # The leader holds the case (its new-case DM), and gets no "you reported" receipt.
    texts = json.dumps(bot.dms_to(LEADER), ensure_ascii=False)
    assert REF in texts and "Du har meldt fra" not in texts

    click(bot, LEADER, "case_open", REF, on_message_of=LEADER)
    bot.fake.wait_for("views.open", count=3)  # after the two report forms
    shown = json.dumps(bot.last_view(), ensure_ascii=False)
    assert "Tatt opp av" in shown and "foresatt Anne Nordmann" in shown
    assert "skrevet ned av" in shown


def test_a_statsforvalter_step_from_the_case_dialog(bot: SlackBot) -> None:
    submit_report(bot, pupils="Ola N.")
    bot.deliver()
    form = press(bot, opened_case(bot), "case_statsforvalter")
    assert form["callback_id"] == "meldefra_statsforvalter"
    values = {
        "step": {"step": radio_buttons("vedtak")},
        "on": text("i går"),
        "outcome": text("Skolen må lage en ny aktivitetsplan."),
    }
    done = submit(bot, form, values).json()
    assert done["response_action"] == "update"
    assert "vedtaket fra statsforvalteren er registrert" in json.dumps(
        done["view"], ensure_ascii=False
    )
    with bot.services.uow() as s:
        assert s.scalar(select(Event.actor).where(Event.type == "statsforvalter_vedtak")) == LEADER
    # The case's trail names the step and its day.
    click(bot, LEADER, "case_open", REF, on_message_of=LEADER)
    bot.fake.wait_for("views.open", count=2)
    shown = json.dumps(bot.last_view(), ensure_ascii=False)
    assert "vedtak fra statsforvalteren tirsdag 24. november 2026" in shown


def test_the_foresatte_picker_in_slack(bot: SlackBot) -> None:
    apply(bot.services, snapshot())
    answer = bot.interact(
        block_suggestion("search_foresatte", "Jonas", user_id=PEOPLE[LEADER], block_id="raiser")
    )
    assert answer.status_code == 200
    options = answer.json()["options"]
    labels = [o["text"]["text"] for o in options]
    assert "Zoé Lund, foresatt til Jonas Kristoffersen · 8B" in labels
    assert options[-1]["value"] == "t:Jonas"


def test_a_leaders_first_form_gets_the_matter_fields_once_slack_says_who_they_are(
    bot: SlackBot,
) -> None:
    """The first /meldefra opens at once, from memory, before users.info has answered: drawn
    for anyone. Once the person is known, a leader's form is drawn again in place with the
    § 12-6 fields (Slack keeps what was typed in the inputs that stay); a teacher's only gets
    their school."""
    bot.command(LEADER, trigger_id="1.leader")
    bot.fake.wait_for("views.open")
    first = bot.last_view()
    assert "raised_by" not in inputs(first)
    [update] = bot.fake.wait_for("views.update", timeout=10)
    assert update.params["view_id"] and update.params["hash"]  # that modal, as it was opened
    again = bot.last_view("views.update")
    assert "raised_by" in inputs(again)
    assert set(inputs(first)) <= set(inputs(again))  # the same blocks: what was typed stays

    bot.command(TEACHER, trigger_id="1.teacher")
    bot.fake.wait_for("views.open", count=2)
    bot.fake.wait_for("views.update", count=2, timeout=10)  # their school, now known
    assert "raised_by" not in inputs(bot.last_view("views.update"))

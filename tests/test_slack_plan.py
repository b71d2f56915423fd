"""The aktivitetsplan in Slack: plan, evaluation and export from the case dialog."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from handlers.services import Services
from store.models import Case
from tests.fakes.signing import (
    block_actions,
    button,
    plain_text_input,
    radio_buttons,
    static_select,
    view_submission,
)
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.test_slack import LEADER, click, submit_report

REF = "MF-0001"


@pytest.fixture
def bot(services: Services) -> Iterator[SlackBot]:
    with slack_bot(services) as running:
        submit_report(running, pupils="Ola N.\nKari M.")
        running.deliver()
        yield running


def opened_case(bot: SlackBot) -> dict[str, Any]:
    click(bot, LEADER, "case_open", REF, on_message_of=LEADER)
    bot.fake.wait_for("views.open")
    return {**bot.last_view(), "id": "V0CASE", "hash": "1.x", "state": {"values": {}}}


def press(bot: SlackBot, view: dict[str, Any], action: str) -> dict[str, Any]:
    before = len(bot.fake.calls("views.push"))
    bot.interact(
        block_actions(
            button(action, REF, block_id=f"plan:{REF}"), user_id=PEOPLE[LEADER], view=view
        )
    )
    bot.fake.wait_for("views.push", count=before + 1)
    return bot.last_view("views.push")


def submit(bot: SlackBot, view: dict[str, Any], values: dict[str, Any]) -> Any:
    return bot.interact(
        view_submission(
            view["callback_id"],
            values,
            user_id=PEOPLE[LEADER],
            private_metadata=view["private_metadata"],
            view_id=f"V{view['callback_id']}",
        )
    )


def text(value: str) -> dict[str, Any]:
    return {"value": plain_text_input(value)}


PLAN = {
    "pupils": text("Ola N.\nKari M."),
    "problem": text("Ola holdes utenfor i friminuttene."),
    "pupil_voice": text("«Jeg har ingen å være med.»"),
    "tiltak.1.what": text("Voksen ute i friminuttene"),
    "tiltak.1.who": text("trinn8@nordby.example"),
    "tiltak.1.when": text("fredag 4. desember"),
    "evaluate_when": text("om to uker"),
}


def test_the_case_dialog_offers_the_plan_and_the_plan_is_made(bot: SlackBot) -> None:
    case_view = opened_case(bot)
    buttons = [
        e["action_id"]
        for b in case_view["blocks"]
        if b.get("block_id") == f"plan:{REF}"
        for e in b["elements"]
    ]
    assert buttons == [
        "case_plan",
        "case_export",
        "case_share",
        "case_note",
        "case_investigation_note",
        "case_foresatte",
        "case_age_band",
        "case_inform_owner_serious",
        "case_statsforvalter",
    ]  # § 12-4: the leader may melde fra about a serious case on rektor's behalf (§ 12-4 andre
    # ledd); no § 12-5 "meld fra til skoleeier" (handlers.states); § 12-6: the statsforvalter
    form = press(bot, case_view, "case_plan")
    assert form["callback_id"] == "meldefra_plan"
    # One plan per pupil: the report named two, so the form asks whose plan it is.
    assert not any(b.get("block_id") == "pupils" for b in form["blocks"])
    pupil = next(b for b in form["blocks"] if b.get("block_id") == "pupil")
    assert [o["value"] for o in pupil["element"]["options"]] == ["1", "2"]
    assert "Kari M." in json.dumps(pupil["element"]["options"], ensure_ascii=False)

    wrong = submit(bot, form, {**PLAN, "evaluate_when": text("i går")}).json()
    assert wrong["response_action"] == "errors" and "evaluate_when" in wrong["errors"]

    done = submit(bot, form, PLAN).json()
    assert done["response_action"] == "update"
    shown = json.dumps(done["view"], ensure_ascii=False)
    assert "Aktivitetsplan laget i sak MF-0001 med 1 tiltak." in shown
    assert "onsdag 9. desember" in shown  # "om to uker" from Wednesday 25 November
    with bot.services.uow() as s:
        assert s.scalar(select(Case.status)) == "plan"


def test_evaluation_after_the_plan(bot: SlackBot) -> None:
    submit(bot, press(bot, opened_case(bot), "case_plan"), PLAN)
    form = press(bot, opened_case(bot), "case_evaluate")
    values = {
        "effect": {"value": radio_buttons("delvis")},
        "pupil_says": text("Det er litt bedre."),
        "decision": {"value": radio_buttons("continue")},
        "next_evaluation": text("om tre uker"),
    }
    result = submit(bot, form, values).json()
    assert result["response_action"] == "update"
    assert "Evalueringen er lagret i sak MF-0001." in json.dumps(result["view"], ensure_ascii=False)


def test_export_goes_to_the_leaders_dm_with_other_pupils_anonymized(bot: SlackBot) -> None:
    submit(bot, press(bot, opened_case(bot), "case_plan"), PLAN)
    form = press(bot, opened_case(bot), "case_export")
    values = {
        "document": {"value": radio_buttons("plan")},
        "anonymize_others": {"value": static_select("1")},
    }
    result = submit(bot, form, values).json()
    assert result["response_action"] == "update"
    bot.fake.wait_for("files.completeUploadExternal")
    completed = bot.fake.calls("files.completeUploadExternal")[0].params
    assert completed["channel_id"] == bot.fake.dm_channel(PEOPLE[LEADER])
    uploaded = next(f for f in bot.fake.uploads.values() if f.filename.endswith(".pdf"))
    pdf = "\n".join(page.extract_text() for page in PdfReader(_bytes(uploaded.data)).pages)
    assert "Ola N." in pdf and "Kari M." not in pdf
    assert "Voksen ute i friminuttene" in pdf
    # The leader's review is in the export's dialog (after the access check), not in a message.
    bot.fake.wait_for("views.update")
    dialog = json.dumps(bot.last_view("views.update"), ensure_ascii=False)
    assert "Les gjennom før kopien gis ut" in dialog
    assert "elev 2: Kari M. (skrevet som Kari M; antall: 2)" in dialog
    posted = json.dumps([c.params for c in bot.fake.calls("chat.postMessage")], ensure_ascii=False)
    assert "Kari" not in posted and "Les gjennom" not in posted


def test_someone_else_cannot_open_the_plan_forms(bot: SlackBot) -> None:
    view = opened_case(bot)
    before = len(bot.fake.calls("chat.postMessage"))
    bot.interact(
        block_actions(
            button("case_plan", REF, block_id=f"plan:{REF}"),
            user_id=PEOPLE["laerer3@nordby.example"],
            view=view,
        )
    )
    refusal = bot.fake.wait_for("chat.postMessage", count=before + 1)[-1].params
    assert "ikke tilgang" in refusal["text"]
    assert not bot.fake.calls("views.push")


def _bytes(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def test_the_investigation_is_written_down_from_the_case_dialog(bot: SlackBot) -> None:
    form = press(bot, opened_case(bot), "case_investigation_note")
    assert form["callback_id"] == "meldefra_investigation"
    assert [b.get("block_id") for b in form["blocks"] if b["type"] == "input"] == [
        "heard",
        "observed",
        "on",
    ]
    values = {"heard": text("Ola og Kari"), "observed": text("Ola står alene"), "on": text("")}
    done = submit(bot, form, values).json()
    assert done["response_action"] == "update"
    assert "Undersøkelsen i sak MF-0001 er skrevet ned." in json.dumps(
        done["view"], ensure_ascii=False
    )
    with bot.services.uow() as s:
        assert s.scalar(select(Case.status)) == "investigating"

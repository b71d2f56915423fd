"""Melde fra from a Slack message (issue 14): the message shortcut, over HTTP and Socket Mode."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack.message_text import plain_text
from handlers.services import Services
from tests.fakes.signing import (
    VERIFICATION_TOKEN,
    new_trigger_id,
    plain_text_input,
    view_submission,
)
from tests.fakes.slack_api import APP_ID, TEAM_ID
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.test_slack import REKTOR, TEACHER, cases, click

CLASS_CHANNEL = "C0KLASSE8B"
ROOT = Path(__file__).resolve().parent.parent


def message_action(text: str | None, *, channel: str = CLASS_CHANNEL) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "user": PEOPLE["laerer2@nordby.example"],
        "ts": "1764000000.001200",
    }
    if text is not None:
        message["text"] = text
    return {
        "type": "message_action",
        "callback_id": "meldefra_message",
        "trigger_id": new_trigger_id(),
        "action_ts": "1764000100.000100",
        "team": {"id": TEAM_ID, "domain": "fake-skole"},
        "user": {"id": PEOPLE[TEACHER], "name": "laerer1", "team_id": TEAM_ID},
        "channel": {"id": channel, "name": "8b"},
        "message": message,
        "message_ts": message["ts"],
        "response_url": "https://hooks.slack.invalid/x",
        "token": VERIFICATION_TOKEN,
        "api_app_id": APP_ID,
    }


@pytest.fixture
def bot(services: Services) -> Iterator[SlackBot]:
    with slack_bot(services) as running:
        yield running


def field(view: dict[str, Any], name: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == name)


def test_the_manifest_declares_the_message_shortcut() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    [shortcut] = manifest["features"]["shortcuts"]
    assert shortcut == {
        "name": "Meld fra om denne meldingen",
        "type": "message",
        "callback_id": "meldefra_message",
        "description": shortcut["description"],
    }


def test_slack_markup_becomes_plain_text() -> None:
    names = {"U1": "Kari Lærer"}.get
    text = (
        "*Se her* <@U1> og <@U9|ola>: _hun_ ble ~dyttet~ i <#C1|8b>. <!here> "
        "<https://x.example/a|bildet> &lt;3 &amp; `kode` file_name_x"
    )
    assert plain_text(text, names) == (
        "Se her @Kari Lærer og @ola: hun ble dyttet i #8b. @here "
        "bildet (https://x.example/a) <3 & kode file_name_x"
    )


def test_the_shortcut_opens_the_report_form_prefilled_and_keeps_the_permalink(
    bot: SlackBot,
) -> None:
    bot.fake.add_user("U0KARI", "kari@nordby.example", name="Kari", real_name="Kari L.")
    text = "Se hva <@U0KARI> skrev om *Ola* &amp; klassen <!channel>"
    assert bot.interact(message_action(text)).status_code == 200
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    assert view["callback_id"] == "meldefra_report"
    what = field(view, "what")["element"]["initial_value"]
    assert what == "Se hva @Kari skrev om Ola & klassen @channel"
    link = f"https://fake-skole.slack.com/archives/{CLASS_CHANNEL}/p1764000000001200"
    assert field(view, "where")["element"]["initial_value"] == link
    # Submitted as usual (the person may have cleared "where"): the link stays with the case.
    submitted = view_submission(
        "meldefra_report",
        {
            "pupils": {"value": plain_text_input("Ola")},
            "what": {"value": plain_text_input(what)},
            "where": {"value": plain_text_input("")},
        },
        user_id=PEOPLE[TEACHER],
        private_metadata=view["private_metadata"],
        view_id="V0SHORTCUT",
    )
    assert bot.interact(submitted).status_code == 200
    [case] = cases(bot)
    bot.deliver()
    # Never in any message; shown to rektor, who may open the case.
    posted = json.dumps([c.params for c in bot.fake.calls("chat.postMessage")])
    assert link not in posted and "klassen" not in posted
    click(bot, REKTOR, "case_open", case.ref, on_message_of=REKTOR)
    bot.fake.wait_for("views.open", count=2)
    assert link in json.dumps(bot.last_view())


def test_a_long_message_is_cut_to_the_limit_with_a_note(bot: SlackBot) -> None:
    text = ("ord " * 1000).strip() + " SLUTT"
    bot.interact(message_action(text))
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    what = field(view, "what")["element"]["initial_value"]
    assert len(what) <= 3000 and what.endswith("ord…") and "SLUTT" not in what
    assert "lengre enn 3000 tegn" in json.dumps(view, ensure_ascii=False)


def test_a_message_the_bot_cannot_read_opens_an_empty_form_saying_why(bot: SlackBot) -> None:
    bot.fake.hide_channel("G0PRIVAT")
    bot.interact(message_action("hemmelig", channel="G0PRIVAT"))
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    assert "initial_value" not in field(view, "what")["element"]
    assert "initial_value" not in field(view, "where")["element"]
    assert "kan ikke lese meldingen" in json.dumps(view, ensure_ascii=False)
    assert "hemmelig" not in json.dumps(view)


def test_the_shortcut_in_socket_mode(tmp_path: Path) -> None:
    from tests.fakes.slack_api import FakeSlack
    from tests.fakes.socket_mode import FakeSocketModeServer
    from tests.test_serve import APP_TOKEN, TOKEN, base_env, meldefra

    with (
        FakeSocketModeServer() as socket_server,
        FakeSlack(token=TOKEN, app_token=APP_TOKEN, socket_mode=socket_server) as fake,
    ):
        for email, user in PEOPLE.items():
            fake.add_user(user, email)
        env = {**base_env(tmp_path, fake), "SLACK_APP_TOKEN": APP_TOKEN}
        with meldefra([], env, tmp_path):
            socket_server.wait_connections(1, timeout=30)
            envelope = socket_server.push("interactive", message_action("Ola gråt i gangen"))
            socket_server.wait_ack(envelope, timeout=5)
            opened = fake.wait_for("views.open", timeout=10)[-1].params["view"]
    view = json.loads(opened) if isinstance(opened, str) else opened
    assert field(view, "what")["element"]["initial_value"] == "Ola gråt i gangen"

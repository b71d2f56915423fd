"""Slack end to end: the real Bolt app over HTTP with signed requests, a loopback fake Slack."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from handlers import review
from handlers.services import Services
from store import trail
from store.models import Case, Outbox
from tests.fakes.signing import (
    app_home_opened,
    block_actions,
    button,
    checkboxes,
    event_body,
    external_select,
    plain_text_input,
    view_submission,
)
from tests.slack_harness import PEOPLE, SlackBot, slack_bot

TEACHER = "laerer1@nordby.example"
LEADER = "trinn8@nordby.example"
REKTOR = "rektor@nordby.example"


@pytest.fixture
def bot(services: Services) -> Iterator[SlackBot]:
    with slack_bot(services) as running:
        yield running


def report_values(**fields: Any) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        "pupils": {"value": plain_text_input(fields.pop("pupils", "Ola N. (8B)"))},
        "what": {"value": plain_text_input(fields.pop("what", "Holdt utenfor i friminuttet"))},
        "when": {"value": plain_text_input(fields.pop("when", None))},
        "categories": {"categories": checkboxes(fields.pop("categories", []))},
    }
    if "accused" in fields:
        values["accused"] = {"search_staff": external_select(fields.pop("accused"))}
    assert not fields
    return values


def submit_report(
    bot: SlackBot, email: str = TEACHER, view_id: str = "V0REPORT1", **fields: Any
) -> Any:
    payload = view_submission(
        "meldefra_report",
        report_values(**fields),
        user_id=PEOPLE[email],
        view_id=view_id,
        private_metadata=json.dumps({"lang": "nb"}),
    )
    return bot.interact(payload)


def cases(bot: SlackBot) -> list[Case]:
    with bot.services.uow() as s:
        return list(s.scalars(select(Case).order_by(Case.id)))


def all_posted_text(bot: SlackBot) -> str:
    return json.dumps(
        [
            c.params
            for c in bot.fake.calls()
            if c.method.startswith("chat.") or c.method == "views.publish"
        ]
    )


def leader_message(bot: SlackBot, email: str) -> dict[str, Any]:
    msg = bot.dms_to(email)[-1]
    blocks = msg["blocks"]
    return {
        "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks,
        "channel": msg["channel"],
    }


def ts_of(bot: SlackBot, email: str) -> str:
    """The ts of the leader's DM about the case, as the delivery recorded it."""
    with bot.services.uow() as s:
        row = s.scalar(select(Outbox).where(Outbox.recipient == email, Outbox.kind == "new_case"))
        assert row is not None and row.platform_ref
        return row.platform_ref.partition(":")[2]


def click(bot: SlackBot, email: str, action_id: str, ref: str, *, on_message_of: str) -> Any:
    payload = block_actions(
        button(action_id, ref, block_id=f"case:{ref}"),
        user_id=PEOPLE[email],
        channel_id=bot.fake.dm_channel(PEOPLE[on_message_of]),
        message_ts=ts_of(bot, on_message_of),
    )
    return bot.interact(payload)


# --- filing -------------------------------------------------------------------------------


def test_slash_command_opens_the_modal_at_once(bot: SlackBot) -> None:
    response = bot.command(TEACHER, trigger_id="123.456.abc")
    assert response.status_code == 200
    call = bot.fake.wait_for("views.open")[0]
    assert call.params["trigger_id"] == "123.456.abc"
    view = bot.last_view()
    assert view["callback_id"] == "meldefra_report"
    required = [b["block_id"] for b in view["blocks"] if b["type"] == "input" and not b["optional"]]
    assert required == ["pupils", "what"]


def test_command_text_prefills_what_happened(bot: SlackBot) -> None:
    bot.command(TEACHER, text="Så at noen ble dyttet")
    bot.fake.wait_for("views.open")
    what = next(b for b in bot.last_view()["blocks"] if b.get("block_id") == "what")
    assert what["element"]["initial_value"] == "Så at noen ble dyttet"


def test_submitting_files_routes_and_sends_dms_without_free_text(bot: SlackBot) -> None:
    response = submit_report(bot, when="i går kl 14", categories=["utestenging"])
    assert response.status_code == 200 and response.text in ("", "null")
    [case] = cases(bot)
    assert case.status == "new" and case.unit == "8. trinn"
    bot.deliver()
    receipt = bot.dms_to(TEACHER)[-1]["text"]
    assert case.ref in receipt
    assert bot.dms_to(LEADER) and bot.dms_to(REKTOR)
    leader = leader_message(bot, LEADER)["blocks"]
    actions = next(b for b in leader if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "case_open",
        "case_ack",
        "case_investigate",
        "case_forward",
        "case_close",
    ]
    posted = all_posted_text(bot)
    assert "Ola N." not in posted and "friminuttet" not in posted


@pytest.mark.parametrize(
    ("fields", "block", "words"),
    [
        ({"pupils": ""}, "pupils", "Må fylles ut"),
        ({"when": "i morgen"}, "when", "fram i tid"),
        ({"when": "blablabla"}, "when", "Forstod ikke"),
        ({"what": "x" * 3001}, "what", "høyst 3000 tegn"),
    ],
)
def test_mistakes_come_back_as_field_errors_and_nothing_is_stored(
    bot: SlackBot, fields: dict[str, Any], block: str, words: str
) -> None:
    response = submit_report(bot, **fields)
    body = response.json()
    assert body["response_action"] == "errors"
    assert words in body["errors"][block]
    assert cases(bot) == []


def test_the_same_submission_twice_files_once(bot: SlackBot) -> None:
    submit_report(bot, view_id="V0SAME")
    submit_report(bot, view_id="V0SAME")
    assert len(cases(bot)) == 1


@pytest.mark.parametrize("bad", ["wrong-secret", "stale"])
def test_bad_or_stale_signature_is_refused_and_files_nothing(bot: SlackBot, bad: str) -> None:
    payload = view_submission("meldefra_report", report_values(), user_id=PEOPLE[TEACHER])
    from tests.fakes.signing import interactive_body

    body = interactive_body(payload)
    if bad == "stale":
        response = bot.post(body, timestamp=int(time.time()) - 60 * 10)
    else:
        response = bot.post(body, secret="wrong-secret")
    assert response.status_code == 401
    assert cases(bot) == []


def test_mine_and_help(bot: SlackBot) -> None:
    submit_report(bot)
    url = bot.fake.response_url()
    bot.command(TEACHER, text="mine", response_url=url)
    answer = bot.fake.wait_for("response_url")[-1].params
    assert "MF-0001" in answer["text"] and "ny" in answer["text"]
    assert answer["response_type"] == "ephemeral"
    help_response = bot.command(TEACHER, text="hjelp")
    assert "/meldefra mine" in help_response.json()["text"]


def test_section_12_5_switches_route_and_the_employee_never_hears(bot: SlackBot) -> None:
    bot.command(TEACHER)
    bot.fake.wait_for("views.open")
    opened = {**bot.last_view(), "id": "V0OPENED", "hash": "1.abc", "state": {"values": {}}}
    change = block_actions(
        {
            **button("categories", None, block_id="categories"),
            "type": "checkboxes",
            "selected_options": [
                {"value": "ansatt_krenket_elev", "text": {"type": "plain_text", "text": "x"}}
            ],
        },
        user_id=PEOPLE[TEACHER],
        view=opened,
    )
    bot.interact(change)
    bot.fake.wait_for("views.update")
    updated = bot.last_view("views.update")
    assert any(b.get("block_id") == "accused" for b in updated["blocks"])

    submit_report(bot, categories=["ansatt_krenket_elev"], accused="s:laerer2@nordby.example")
    [case] = cases(bot)
    assert case.section == "12-5" and case.urgent
    bot.deliver()
    assert bot.dms_to(REKTOR) and not bot.dms_to(LEADER)
    assert not bot.dms_to("laerer2@nordby.example")


# --- acting in chat -----------------------------------------------------------------------


def test_leader_acknowledges_in_place_and_the_reporter_is_told(bot: SlackBot) -> None:
    submit_report(bot)
    bot.deliver()
    ref = cases(bot)[0].ref
    click(bot, LEADER, "case_ack", ref, on_message_of=LEADER)
    updates = bot.fake.wait_for("chat.update", count=2)  # the leader's and rektor's messages
    text = json.dumps([u.params for u in updates])
    assert "mottatt" in text and "<@U0TRINN8>" in text
    bot.deliver()
    assert any("bekreftet mottatt" in m["text"] for m in bot.dms_to(TEACHER))
    # A double click acts once.
    click(bot, LEADER, "case_ack", ref, on_message_of=LEADER)
    bot.fake.wait_for("chat.postEphemeral")
    with bot.services.uow() as s:
        types = [e.type for e in trail.events_of(s, cases(bot)[0].id)]
    assert types.count("acknowledged") == 1


def test_someone_else_clicking_is_refused_and_logged(bot: SlackBot) -> None:
    submit_report(bot)
    bot.deliver()
    ref = cases(bot)[0].ref
    click(bot, "laerer3@nordby.example", "case_ack", ref, on_message_of=LEADER)
    refusal = bot.fake.wait_for("chat.postEphemeral")[0].params
    assert refusal["user"] == PEOPLE["laerer3@nordby.example"]
    assert "ikke tilgang" in refusal["text"]
    case = cases(bot)[0]
    assert case.status == "new"
    with bot.services.uow() as s:
        assert trail.events_of(s, case.id)[-1].type == "refused"


def test_open_case_shows_details_only_to_the_authorized(bot: SlackBot) -> None:
    submit_report(bot)
    bot.deliver()
    ref = cases(bot)[0].ref
    click(bot, REKTOR, "case_open", ref, on_message_of=REKTOR)
    bot.fake.wait_for("views.open")
    shown = json.dumps(bot.last_view())
    assert "Ola N. (8B)" in shown and "friminuttet" in shown
    with bot.services.uow() as s:
        assert trail.events_of(s, cases(bot)[0].id)[-1].type == "viewed"


def test_close_needs_a_reason_in_a_modal(bot: SlackBot) -> None:
    submit_report(bot)
    bot.deliver()
    ref = cases(bot)[0].ref
    click(bot, LEADER, "case_close", ref, on_message_of=LEADER)
    bot.fake.wait_for("views.open")
    meta = bot.last_view()["private_metadata"]
    empty = view_submission(
        "meldefra_close",
        {"reason": {"value": plain_text_input("")}},
        user_id=PEOPLE[LEADER],
        private_metadata=meta,
    )
    assert bot.interact(empty).json()["errors"]["reason"] == "Må fylles ut."
    # A case is closed after it was investigated (or with an explicit "no grounds").
    review.start_investigation(bot.services, ref, LEADER)
    done = view_submission(
        "meldefra_close",
        {"reason": {"value": plain_text_input("Eleven har det bra nå.")}},
        user_id=PEOPLE[LEADER],
        private_metadata=meta,
    )
    assert bot.interact(done).status_code == 200
    assert cases(bot)[0].status == "closed"


def test_forward_with_the_user_picker(bot: SlackBot) -> None:
    submit_report(bot)
    bot.deliver()
    ref = cases(bot)[0].ref
    pick = {
        **button("case_forward", None, block_id=f"case:{ref}"),
        "type": "users_select",
        "selected_user": PEOPLE["radgiver@nordby.example"],
    }
    bot.interact(
        block_actions(
            pick,
            user_id=PEOPLE[LEADER],
            channel_id=bot.fake.dm_channel(PEOPLE[LEADER]),
            message_ts=ts_of(bot, LEADER),
        )
    )
    bot.fake.wait_for("chat.update")
    bot.deliver()
    assert bot.dms_to("radgiver@nordby.example")


def test_app_home_lists_waiting_cases_and_my_reports(bot: SlackBot) -> None:
    submit_report(bot)
    bot.post(event_body(app_home_opened(PEOPLE[LEADER])))
    home = bot.fake.wait_for("views.publish")[0].params
    view = json.loads(home["view"]) if isinstance(home["view"], str) else home["view"]
    assert home["user_id"] == PEOPLE[LEADER]
    assert "MF-0001" in json.dumps(view) and "Ola" not in json.dumps(view)
    bot.post(event_body(app_home_opened(PEOPLE[TEACHER])))
    mine = bot.fake.wait_for("views.publish", count=2)[1].params
    assert "MF-0001" in json.dumps(mine)


# --- delivery when Slack fails -------------------------------------------------------------


def test_nothing_is_lost_when_slack_answers_429_and_500(bot: SlackBot, clock) -> None:  # type: ignore[no-untyped-def]
    bot.fake.fail("chat.postMessage", status=500, times=3)
    bot.fake.fail("chat.postMessage", status=429, retry_after=7)
    submit_report(bot)
    assert len(cases(bot)) == 1  # the report is safe before any DM goes out
    bot.deliver()
    with bot.services.uow() as s:
        pending = s.scalars(select(Outbox).where(Outbox.status == "pending")).all()
        errors = sorted(r.last_error or "" for r in pending)
    assert errors == ["http_500", "http_500", "http_500"] or "ratelimited" in errors
    for _ in range(6):
        clock.advance(seconds=30)
        bot.deliver()
    with bot.services.uow() as s:
        assert {r.status for r in s.scalars(select(Outbox))} == {"sent"}
    # Three messages delivered after four failed tries: nothing was sent twice.
    assert len(bot.fake.calls("chat.postMessage")) == 3 + 4


def test_a_leader_who_left_slack_gets_it_rerouted_to_rektor(bot: SlackBot) -> None:
    bot.fake.fail(
        "chat.postMessage",
        error="account_inactive",
        channel=bot.fake.dm_channel(PEOPLE[LEADER]),
        times=None,
    )
    submit_report(bot)
    bot.deliver()
    with bot.services.uow() as s:
        case = s.scalars(select(Case)).one()
        types = [e.type for e in trail.events_of(s, case.id)]
    assert "delivery_failed" in types
    assert len(bot.dms_to(REKTOR)) == 2  # rektor's own, and the leader's re-routed one


def test_morning_reminder_and_digest_reach_slack_with_buttons(bot: SlackBot, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from handlers.digest import run_digest
    from handlers.followup import run_reminders

    submit_report(bot)
    bot.deliver()
    oslo = ZoneInfo("Europe/Oslo")
    clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=oslo))  # the next school morning
    run_reminders(bot.services, ["nordby"])
    bot.deliver()
    reminder = leader_message(bot, LEADER)["blocks"]
    rows = [b for b in reminder if b["type"] == "actions"]
    assert [e["action_id"] for e in rows[0]["elements"]] == ["case_ack", "case_open"]
    assert "Ola N." not in json.dumps(reminder)
    # Acknowledging from the reminder works like from the first message.
    ref = cases(bot)[0].ref
    channel = bot.fake.dm_channel(PEOPLE[LEADER])
    bot.interact(
        block_actions(
            button("case_ack", ref, block_id=f"case:{ref}"),
            user_id=PEOPLE[LEADER],
            channel_id=channel,
        )
    )
    bot.fake.wait_for("chat.update")
    assert cases(bot)[0].status == "acknowledged"

    clock.set(datetime(2026, 12, 7, 8, 30, tzinfo=oslo))  # Nordby's next fortnightly Monday
    run_digest(bot.services, ["nordby"])
    bot.deliver()
    digests = [m for m in bot.fake.calls("chat.postMessage") if "R-team" in m.params["text"]]
    assert digests, "the digest went out as DMs to the R-team members (no channel set)"
    posted = json.dumps([m.params for m in digests])
    assert ref in posted and "case_open" in posted
    assert "Ola N." not in posted and "friminuttet" not in posted

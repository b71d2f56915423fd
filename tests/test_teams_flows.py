"""Teams has every flow Slack has (issue 9): the aktivitetsplan, evaluations, R-team sharing,
notes, export to the personal chat, forward, the home; one scripted case run through Slack and
through Teams leaves the same trail; a parity check over the core's forms and actions.

Over HTTP against the loopback fakes, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import actions, forms
from bot.core.forms import Field, Kind
from bot.slack import blocks
from handlers import plan
from handlers.services import Services
from store.models import Case, Event
from tests.fakes.signing import (
    block_actions,
    button,
    checkboxes,
    plain_text_input,
    radio_buttons,
)
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.teams_harness import (
    SHAREPOINT,
    TeamsHarness,
    aad,
    actions_of,
    dialog_card,
    dm,
    inputs,
    teams_bot,
    texts,
)
from tests.test_slack import click, submit_report

TEACHER = "laerer1@nordby.example"
LEADER = "trinn8@nordby.example"
PUPILS = "Ola N.\nKari M."
REF = "MF-0001"

# The scripted case: what the leader types into each form, the same in both platforms.
SCRIPT: list[tuple[str, dict[str, Any]]] = [
    ("note", {"note": "Snakket med Ola og kontaktlærer."}),
    (
        "plan",
        {
            "pupil": "1",  # one plan per pupil: Ola's
            "problem": "Ola holdes utenfor i friminuttene.",
            "pupil_voice": "«Jeg har ingen å være med.»",
            "tiltak.1.what": "Voksen ute i friminuttene",
            "tiltak.1.who": LEADER,
            "tiltak.1.when": "fredag 4. desember",
            "evaluate_when": "om to uker",
        },
    ),
    (
        "evaluate",
        {
            "effect": "delvis",
            "pupil_says": "Det er litt bedre.",
            "decision": "continue",
            "next_evaluation": "om tre uker",
            "held_on": "i dag",
            "participants": "pupil,foresatte",
            "participants_other": "helsesykepleier",
        },
    ),
    (
        "evaluate",
        {
            "effect": "virker_ikke",
            "pupil_says": "«Det hjelper ikke når de voksne går inn.»",
            "decision": "change",
            "tiltak.1.what": "Faste lekegrupper",
            "tiltak.1.who": LEADER,
            "tiltak.1.when": "om en uke",
            "next_evaluation": "fredag 18. desember",  # "om fire uker" is in the Christmas break
        },
    ),
    ("share", {"basis": "anonymous"}),
    ("export", {"document": "case-file", "format": "pdf"}),
]
# The plan is in force: closing without a final evaluation says why the plan ends.
CLOSE = {"reason": "Eleven sier det er bra nå.", "plan_end_reason": "Ola har byttet skole."}
DELIVERY = {"notified", "delivered", "delivery_failed"}


def what(action: dict[str, Any]) -> str:
    """What a button does: its verb, the form it opens, or the dialog ("case")."""
    data = action["data"]
    return str(action.get("verb") or data.get("form") or data.get("dialog"))


def kinds(services: Services) -> list[str]:
    with services.uow() as s:
        case_id = s.scalar(select(Case.id).where(Case.ref == REF))
        rows = s.scalars(select(Event.type).where(Event.case_id == case_id).order_by(Event.id))
        return [kind for kind in rows if kind not in DELIVERY]


# --- Teams ------------------------------------------------------------------------------------


def teams_report(teams: TeamsHarness) -> None:
    data = {
        "dialog": "form",
        "form": "report",
        "key": "script",
        "school": "nordby",
        "pupils": PUPILS,
        "what": "Ola ble holdt utenfor i friminuttet",
    }
    assert REF in teams.submit_dialog(TEACHER, data)["task"]["value"]
    teams.deliver()


def teams_form(teams: TeamsHarness, name: str, values: dict[str, Any]) -> dict[str, Any]:
    """Open the case, press the form's button under the details, fill it in, send it."""
    case = dialog_card(teams.open_dialog(LEADER, {"dialog": "case", "ref": REF}))
    [button_] = [a for a in actions_of(case) if a["data"].get("form") == name]
    form = dialog_card(teams.submit_dialog(LEADER, button_["data"]))
    fields = inputs(form)
    if not set(values) <= set(fields) and len(form["actions"]) > 1:
        # A choice reveals more fields: «Sjekk svarene» draws the dialog again, as a person would.
        check = form["actions"][1]["data"]
        form = dialog_card(teams.submit_dialog(LEADER, {**check, **values}))
        fields = inputs(form)
    assert set(values) <= set(fields), set(values) - set(fields)
    submit = form["actions"][0]["data"]
    return teams.submit_dialog(LEADER, {**submit, **values})


def accept_file(teams: TeamsHarness) -> list[str]:
    """Accept every file consent card in the leader's personal chat; the names uploaded."""
    chat = teams.fake.chat_of(aad(LEADER))
    names = []
    for activity in teams.fake.activities_to(chat):
        for item in activity.get("attachments") or []:
            if item["contentType"] != "application/vnd.microsoft.teams.card.file.consent":
                continue
            name = item["name"]
            value = {
                "type": "fileUpload",
                "action": "accept",
                "context": item["content"]["acceptContext"],
                "uploadInfo": {
                    "name": name,
                    "uploadUrl": f"{SHAREPOINT}/upload/{name}",
                    "contentUrl": f"https://onedrive.example/{name}",
                    "uniqueId": f"u-{name}",
                    "fileType": name.rsplit(".", 1)[-1],
                },
            }
            body = teams.activity(LEADER, "invoke", name="fileConsent/invoke", value=value)
            body["conversation"]["id"] = chat
            assert teams.post(body).status_code == 200
            names.append(name)
    return names


def run_in_teams(teams: TeamsHarness) -> None:
    teams_report(teams)
    card_ = teams.cards_to(LEADER)[0]
    for verb in ("acknowledge", "investigate"):
        [action] = [a for a in actions_of(card_) if a.get("verb") == verb]
        teams.card_action(LEADER, verb, action["data"])
    for name, values in SCRIPT:
        answer = teams_form(teams, name, values)
        assert answer["task"]["type"] == "message", answer
    close = next(a for a in actions_of(card_) if a["data"].get("form") == "close")
    form = dialog_card(teams.open_dialog(LEADER, close["data"]))
    teams.submit_dialog(LEADER, {**form["actions"][0]["data"], **CLOSE})
    teams.deliver()


@pytest.fixture
def teams(services: Services) -> Iterator[TeamsHarness]:
    with teams_bot(services) as harness:
        yield harness


def test_a_case_from_report_to_closed_without_leaving_teams(teams: TeamsHarness) -> None:
    teams_report(teams)
    case = dialog_card(teams.open_dialog(LEADER, {"dialog": "case", "ref": REF}))
    offered = {a["data"].get("form") or a["data"]["verb"] for a in actions_of(case)}
    assert offered == {a.form or a.verb for a in actions.case_buttons(actions.for_leader("new"))}
    assert {"plan", "export", "share", "note"} <= offered

    # Field errors come back beside the field, with what was typed kept.
    plan_values = dict(SCRIPT[1][1])
    wrong = teams_form(teams, "plan", {**plan_values, "evaluate_when": "i går"})
    again = inputs(dialog_card(wrong))
    assert "errorMessage" in again["evaluate_when"]
    assert again["problem"]["value"] == plan_values["problem"]
    # A date in the school's Christmas break: refused beside the field, with school days.
    closed = inputs(
        dialog_card(teams_form(teams, "plan", {**plan_values, "evaluate_when": "27.12"}))
    )
    assert closed["evaluate_when"]["errorMessage"] == (
        "søndag 27. desember er ikke en skoledag (juleferie). "
        "Nærmeste skoledager: fredag 18. desember eller mandag 4. januar."
    )

    run_in_teams_after_report(teams)
    with teams.services.uow() as s:
        assert s.scalar(select(Case.status)) == "closed"
    # The evaluation as held, with who took part; the plan ended with its reason.
    [done] = plan.plans_of(teams.services, REF, LEADER)
    first = done.evaluations[0]
    assert first.held_on == first.at.date() and first.participants == ["pupil", "foresatte"]
    assert first.participants_other == "helsesykepleier"
    assert done.ended_reason == CLOSE["plan_end_reason"]
    assert done.tiltak[0].responsible == LEADER
    # The export reached the leader's personal chat only, and was put in their OneDrive.
    uploaded = accept_file(teams)
    assert any(n.endswith(".pdf") for n in uploaded)
    assert any(n.endswith(".metadata.json") for n in uploaded)
    pdf = next(v for n, v in teams.fake.uploads.items() if n.endswith(".pdf"))
    assert pdf.startswith(b"%PDF")
    consent_posts = [
        r
        for r in teams.fake.requests
        if r.method == "POST" and "file.consent" in json.dumps(r.body or {})
    ]
    assert {r.path.split("/")[3] for r in consent_posts} == {teams.fake.chat_of(aad(LEADER))}
    infos = [
        a
        for act in teams.fake.activities_to(teams.fake.chat_of(aad(LEADER)))
        for a in act.get("attachments") or []
        if a["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    ]
    assert len(infos) == 2
    # No pupil names or free text in any chat message.
    for posted in teams.fake.requests:
        if posted.method in ("POST", "PUT") and "/v3/conversations/" in posted.path:
            assert "Ola N." not in json.dumps(posted.body, ensure_ascii=False)


def run_in_teams_after_report(teams: TeamsHarness) -> None:
    card_ = teams.cards_to(LEADER)[0]
    for verb in ("acknowledge", "investigate"):
        [action] = [a for a in actions_of(card_) if a.get("verb") == verb]
        teams.card_action(LEADER, verb, action["data"])
    for name, values in SCRIPT:
        answer = teams_form(teams, name, values)
        assert answer["task"]["type"] == "message", answer
    close = next(a for a in actions_of(card_) if a["data"].get("form") == "close")
    form = dialog_card(teams.open_dialog(LEADER, close["data"]))
    # Investigated, with a plan in force: why the plan ends is asked, why no investigation
    # was needed is not.
    assert "plan_end_reason" in inputs(form) and "why_not_investigated" not in inputs(form)
    submit = form["actions"][0]["data"]
    refused = teams.submit_dialog(LEADER, {**submit, "reason": CLOSE["reason"]})
    assert "errorMessage" in inputs(dialog_card(refused))["plan_end_reason"]
    teams.submit_dialog(LEADER, {**submit, **CLOSE})
    teams.deliver()


def test_saker_is_the_home_and_only_in_the_personal_chat(teams: TeamsHarness) -> None:
    teams_report(teams)
    teams.install(LEADER)
    welcome = teams.fake.activities_to(teams.fake.chat_of(aad(LEADER)))
    teams.say(LEADER, "saker")
    home = teams.fake.activities_to(dm(LEADER))[-1]["attachments"][0]["content"]
    assert any(REF in line for line in texts(home))
    verbs = {
        a.get("verb") or a["data"].get("form") or a["data"].get("dialog") for a in actions_of(home)
    }
    assert {"acknowledge", "investigate", "forward", "close", "case"} <= verbs
    assert welcome  # the leader's chat got the case's card before
    first = teams.fake.activities_to(dm(LEADER))[0]["attachments"][0]["content"]
    assert any(REF in line for line in texts(first))  # the welcome card is the home too


# --- the same case through Slack ---------------------------------------------------------------


def slack_values(name: str, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    form = forms.FORMS[name]
    state: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        f = form.get(key) or form.get(f"{key.split('.')[0]}.1.{key.split('.')[2]}")
        assert isinstance(f, Field)
        if f.kind == Kind.CHOICE:
            state[key] = {"value": radio_buttons(value)}
        elif f.kind == Kind.CHOICES:
            state[key] = {"value": checkboxes(value.split(","))}
        else:
            state[key] = {"value": plain_text_input(value)}
    return state


def slack_form(bot: SlackBot, name: str, values: dict[str, Any]) -> Any:
    count = len(bot.fake.calls("views.open"))
    click(bot, LEADER, "case_open", REF, on_message_of=LEADER)
    bot.fake.wait_for("views.open", count=count + 1)
    case_view = {**bot.last_view(), "id": "V0CASE", "hash": "1.x", "state": {"values": {}}}
    before = len(bot.fake.calls("views.push"))
    verb = next(a.verb for a in actions.CASE_ACTIONS if a.form == name)
    bot.interact(
        block_actions(
            button(blocks.action_id(verb), REF, block_id=f"plan:{REF}"),
            user_id=PEOPLE[LEADER],
            view=case_view,
        )
    )
    bot.fake.wait_for("views.push", count=before + 1)
    form = bot.last_view("views.push")
    return submit_view(bot, form, slack_values(name, values))


def submit_view(bot: SlackBot, view: dict[str, Any], state: dict[str, Any]) -> Any:
    from tests.fakes.signing import view_submission

    return bot.interact(
        view_submission(
            view["callback_id"],
            state,
            user_id=PEOPLE[LEADER],
            private_metadata=view["private_metadata"],
            view_id=f"V{view['callback_id']}{len(bot.fake.calls())}",
        )
    )


def run_in_slack(bot: SlackBot) -> None:
    submit_report(bot, pupils=PUPILS, what="Ola ble holdt utenfor i friminuttet")
    bot.deliver()
    for verb in ("acknowledge", "investigate"):
        click(bot, LEADER, blocks.action_id(verb), REF, on_message_of=LEADER)
        bot.fake.wait_for("chat.update", count=1)
    for name, values in SCRIPT:
        assert slack_form(bot, name, values).status_code == 200
    bot.fake.wait_for("files.completeUploadExternal")
    before = len(bot.fake.calls("views.open"))
    click(bot, LEADER, blocks.action_id("close"), REF, on_message_of=LEADER)
    bot.fake.wait_for("views.open", count=before + 1)
    submit_view(bot, bot.last_view(), slack_values("close", CLOSE))
    bot.deliver()


def test_the_same_case_leaves_the_same_trail_in_slack_and_teams(
    services: Services, engine: Any
) -> None:
    with teams_bot(services) as teams:
        teams_report(teams)
        run_in_teams_after_report(teams)
        in_teams = kinds(services)
    assert in_teams[-1] == "closed" and "exported" in in_teams
    # A fresh database of the same kind for Slack.
    slack_services = fresh(services, engine)
    with slack_bot(slack_services) as bot:
        run_in_slack(bot)
        in_slack = _wait_for_kinds(slack_services, len(in_teams))
    assert in_slack == in_teams, "\n".join(map(str, (in_slack, in_teams)))


def _wait_for_kinds(services: Services, count: int) -> list[str]:
    import time

    deadline = time.monotonic() + 10
    while len(found := kinds(services)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def fresh(services: Services, engine: Any) -> Services:
    """The same kind of database, empty: a second schema on PostgreSQL, a second file on
    SQLite."""
    import uuid

    from sqlalchemy import text

    from handlers.clock import FixedClock
    from store.db import make_engine, session_factory, upgrade

    url = engine.url
    if url.get_backend_name() == "sqlite":
        other = make_engine(f"sqlite:///{url.database}.slack")
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = make_engine(url.render_as_string(hide_password=False))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        other = make_engine(url.render_as_string(hide_password=False), schema=schema)
    upgrade(other)
    clock = services.clock
    assert isinstance(clock, FixedClock)
    return Services(
        org=services.org, sessions=session_factory(other), clock=FixedClock(clock.now())
    )


# --- parity ------------------------------------------------------------------------------------


def test_teams_offers_every_form_and_action_slack_offers(teams: TeamsHarness) -> None:
    """Every form and case action of the core (what Slack registers) is reachable in Teams:
    message actions on the leader's card, case actions under the details, each form opens as
    a dialog with every field the declaration shows."""
    slack_verbs = {v for v in blocks.VERBS.values()}
    assert slack_verbs <= set(actions.ACTIONS)
    teams_report(teams)
    card_ = teams.cards_to(LEADER)[0]
    on_card = {
        a.get("verb") or a["data"].get("form") or a["data"].get("dialog") for a in actions_of(card_)
    }
    expected = {"case" if a.verb == "open" else (a.form or a.verb) for a in actions.MESSAGE_ACTIONS}
    assert expected <= on_card, expected - on_card

    teams_form(teams, "plan", dict(SCRIPT[1][1]))
    case = dialog_card(teams.open_dialog(LEADER, {"dialog": "case", "ref": REF}))
    under = {a["data"].get("form") or a["data"]["verb"] for a in actions_of(case)}
    assert {a.form or a.verb for a in actions.case_buttons(actions.for_leader("plan"))} <= under

    for name, form in forms.FORMS.items():
        data = {"dialog": "form", "form": name, "ref": None if name == "report" else REF}
        answer = teams.open_dialog(LEADER, data)
        shown = inputs(dialog_card(answer))
        opened = forms.open_form(teams.services, name, LEADER, ref=data["ref"])
        # Every field the answers so far leave open (a choice may add more: «Sjekk svarene»).
        declared = {f.name for f in opened.shown() if isinstance(f, Field) and opened.visible(f)}
        assert declared <= set(shown), (name, declared - set(shown))
        assert form.name in forms.FORMS

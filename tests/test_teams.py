"""The Teams edge: the real Teams SDK app over HTTP at /api/messages, a loopback fake of the
Bot Connector and Graph, and the real handlers and database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.delivery import PermanentFailure
from bot.http import build_asgi
from bot.teams.sender import TeamsSender
from bot.teams.server import TeamsBot
from handlers import delivery, review
from handlers.clock import FixedClock
from handlers.delivery import Pending
from handlers.org import load_org, parse_org
from handlers.services import Services
from store.db import make_engine, session_factory, transaction, upgrade
from store.models import Case, Event, Outbox
from tests.conftest import NOW, SAMPLE_ORG
from tests.slack_harness import serve_asgi
from tests.teams_harness import (
    TeamsHarness,
    aad,
    dialog_card,
    dm,
    inputs,
    teams_bot,
    teams_id,
    texts,
)

TEACHER = "laerer1@nordby.example"
LEADER = "trinn8@nordby.example"
REKTOR = "rektor@nordby.example"
PUPIL = "Petter Smart"


def make_services(tmp_path: Path, org_text: str | None = None) -> Services:
    engine = make_engine(f"sqlite:///{tmp_path / 'teams.db'}")
    upgrade(engine)
    org = parse_org(org_text) if org_text else load_org(SAMPLE_ORG)
    return Services(org=org, sessions=session_factory(engine), clock=FixedClock(NOW))


@pytest.fixture
def teams(tmp_path: Path) -> Iterator[TeamsHarness]:
    with teams_bot(make_services(tmp_path)) as harness:
        yield harness


def report_data(**fields: Any) -> dict[str, Any]:
    data = {
        "dialog": "report",
        "key": "form-1",
        "school": "nordby",
        "pupils": PUPIL,
        "what": "Ble holdt utenfor i friminuttet",
        "categories": "utestenging,mobbing",
        "urgent": "no",
    }
    data.update(fields)
    return data


def events(services: Services, kind: str) -> list[Event]:
    with transaction(services.sessions) as s:
        return list(s.scalars(select(Event).where(Event.type == kind).order_by(Event.id)))


def card_id(services: Services, ref: str, email: str) -> str:
    """The activity id of the card the person got about the case (from the outbox)."""
    for msg in delivery.messages_for_case(services, ref, platform="teams"):
        if msg.recipient == email and msg.platform_ref:
            return msg.platform_ref.rpartition("|")[2]
    raise AssertionError(f"no card for {email}")


def file_report(teams: TeamsHarness, email: str = TEACHER, **fields: Any) -> str:
    answer = teams.submit_dialog(email, report_data(**fields))
    assert answer["task"]["type"] == "message", answer
    teams.deliver()
    with transaction(teams.services.sessions) as s:
        return str(s.scalars(select(Case.ref).order_by(Case.id.desc())).first())


def all_posted(teams: TeamsHarness) -> str:
    return json.dumps([r.body for r in teams.fake.requests if r.body], ensure_ascii=False)


# --- filing ---------------------------------------------------------------------------------


def test_meld_fra_in_the_personal_chat_opens_the_dialog_and_files(teams: TeamsHarness) -> None:
    teams.install(TEACHER)
    [welcome] = teams.fake.activities_to(dm(TEACHER))  # the home: nothing waiting yet
    assert "Venter på deg" in json.dumps(welcome, ensure_ascii=False) or welcome["attachments"]
    teams.say(TEACHER, "Meld fra Per ble dyttet i gangen")
    reply = teams.fake.activities_to(dm(TEACHER))[-1]
    button = reply["attachments"][0]["content"]["actions"][0]
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    assert button["data"]["what"] == "Per ble dyttet i gangen"

    form = dialog_card(teams.open_dialog(TEACHER, button["data"]))
    fields = inputs(form)
    assert fields["what"]["value"] == "Per ble dyttet i gangen"
    assert fields["pupils"]["isRequired"] and fields["what"]["isRequired"]
    assert set(fields) >= {"school", "pupils", "what", "when", "where", "categories"}
    assert (
        "accused" not in fields
    )  # asked once the category says an employee (see test_field_hints)

    # Mistakes come back beside the fields, with everything typed kept.
    typed = report_data(pupils="", when="i morgen", where="Gymsalen")
    again = dialog_card(teams.submit_dialog(TEACHER, typed))
    shown = texts(again)
    assert "Må fylles ut." in shown
    assert any("fram i tid" in line for line in shown)
    kept = inputs(again)
    assert kept["where"]["value"] == "Gymsalen" and kept["when"]["value"] == "i morgen"
    assert kept["pupils"]["errorMessage"] == "Må fylles ut."
    assert kept["categories"]["value"] == "utestenging,mobbing"

    answer = teams.submit_dialog(TEACHER, report_data())
    assert "MF-0001" in answer["task"]["value"]
    # A second click on Send files nothing new.
    teams.submit_dialog(TEACHER, report_data())
    with transaction(teams.services.sessions) as s:
        assert len(list(s.scalars(select(Case)))) == 1


def test_message_extension_on_a_message_prefills_what_happened(teams: TeamsHarness) -> None:
    value = {
        "commandId": "meldFra",
        "commandContext": "message",
        "messagePayload": {
            "id": "1",
            "body": {"contentType": "html", "content": "<p>Ola ble kalt <b>stygge</b> ting</p>"},
        },
    }
    form = dialog_card(teams.invoke(TEACHER, "composeExtension/fetchTask", value))
    assert inputs(form)["what"]["value"] == "Ola ble kalt stygge ting"

    submit = {"commandId": "meldFra", "commandContext": "compose", "data": report_data(what="")}
    again = teams.invoke(TEACHER, "composeExtension/submitAction", submit)
    assert inputs(dialog_card(again))["what"]["errorMessage"] == "Må fylles ut."

    submit["data"] = report_data(what="Ola ble kalt stygge ting")
    done = teams.invoke(TEACHER, "composeExtension/submitAction", submit)
    assert done["task"]["type"] == "message" and "MF-0001" in done["task"]["value"]


def test_employee_category_needs_the_employee(teams: TeamsHarness) -> None:
    again = dialog_card(teams.submit_dialog(TEACHER, report_data(categories="ansatt_krenket_elev")))
    assert "errorMessage" in inputs(again)["accused"]
    answer = teams.submit_dialog(
        TEACHER, report_data(categories="ansatt_krenket_elev", accused="laerer2@nordby.example")
    )
    assert answer["task"]["type"] == "message"


# --- the leader's card ------------------------------------------------------------------------


def test_report_to_leader_card_to_action_to_refreshed_card(teams: TeamsHarness) -> None:
    teams.install(TEACHER)
    ref = file_report(teams)

    # The reporter's receipt goes to the stored chat; the leaders had none, so the app was
    # installed for them through Graph and the chat it created was used.
    welcome, receipt = teams.cards_to(TEACHER)
    assert ref in texts(receipt)[0]
    assert teams.fake.find("POST", rf"/users/{aad(LEADER)}/teamwork/installedApps$")
    [leader_card] = teams.cards_to(LEADER)
    titles = [a["title"] for a in leader_card["actions"]]
    assert titles == ["Åpne sak", "Bekreft mottatt", "Start undersøkelse", "Videresend", "Avslutt"]
    assert all("data" in a for a in leader_card["actions"] if a["type"] == "Action.Execute")
    assert len(teams.cards_to(REKTOR)) == 1
    assert PUPIL not in all_posted(teams)  # no pupil names outside the details dialog

    clicked = card_id(teams.services, ref, LEADER)
    answer = teams.card_action(LEADER, "acknowledge", {"ref": ref}, reply_to=clicked)
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Status: mottatt · Bekreft mottatt av trinn8" in texts(answer["value"])
    # Rektor's copy is updated in place; the leader's was replaced by the invoke's answer.
    rektor_chat = teams.fake.chat_of(aad(REKTOR))
    [update] = teams.fake.find("PUT", f"/v3/conversations/{rektor_chat}/activities/")
    assert "Bekreft mottatt av trinn8" in json.dumps(update.body, ensure_ascii=False)
    assert not teams.fake.find("PUT", f"/conversations/{teams.fake.chat_of(aad(LEADER))}/")

    teams.deliver()
    assert any("bekreftet" in texts(c)[0].lower() for c in teams.cards_to(TEACHER))
    assert [e.actor for e in events(teams.services, "acknowledged")] == [LEADER]


def test_others_are_refused_and_the_attempt_is_on_the_trail(teams: TeamsHarness) -> None:
    ref = file_report(teams)
    answer = teams.card_action("laerer2@nordby.example", "investigate", {"ref": ref})
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert "ikke tilgang" in answer["value"] or "ikkje tilgang" in answer["value"]
    [refused] = events(teams.services, "refused")
    assert refused.actor == "laerer2@nordby.example"
    assert not events(teams.services, "investigation_started")


def test_open_case_shows_details_after_the_access_check(teams: TeamsHarness) -> None:
    ref = file_report(teams)
    details = dialog_card(teams.open_dialog(LEADER, {"dialog": "case", "ref": ref}))
    assert PUPIL in texts(details)
    assert "Ble holdt utenfor i friminuttet" in texts(details)
    [viewed] = events(teams.services, "viewed")
    assert viewed.actor == LEADER

    refused = teams.open_dialog("laerer2@nordby.example", {"dialog": "case", "ref": ref})
    assert refused["task"]["type"] == "message"
    assert PUPIL not in json.dumps(refused)
    assert [e.actor for e in events(teams.services, "refused")] == ["laerer2@nordby.example"]


def test_forward_with_the_staff_picker_then_close_with_a_reason(teams: TeamsHarness) -> None:
    ref = file_report(teams)
    button = next(a for a in teams.cards_to(LEADER)[0]["actions"] if a["title"] == "Videresend")
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    form = dialog_card(teams.open_dialog(LEADER, button["data"]))
    picker = inputs(form)["forward_to"]
    dataset = picker["choices.data"]["dataset"]
    assert picker["style"] == "filtered" and dataset == f"staff:{ref}"  # whom this case may go to
    assert "radgiver@nordby.example" in [c["value"] for c in picker["choices"]]
    # Typing in the picker asks the bot (Data.Query): the staff whose address matches.
    found = teams.invoke(
        LEADER, "application/search", {"queryText": "radg", "dataset": dataset, "kind": "search"}
    )
    assert [r["value"] for r in found["value"]["results"]] == ["radgiver@nordby.example"]

    submit = form["actions"][0]["data"]
    teams.submit_dialog(LEADER, {**submit, "forward_to": "radgiver@nordby.example"})
    teams.deliver()
    [forwarded] = teams.cards_to("radgiver@nordby.example")
    assert "videresendt" in texts(forwarded)[0].lower()

    # Closing: the form only for someone who may close; the reason is required.
    refused = teams.open_dialog(TEACHER, {"dialog": "form", "form": "close", "ref": ref})
    assert refused["task"]["type"] == "message"
    form = dialog_card(teams.open_dialog(LEADER, {"dialog": "form", "form": "close", "ref": ref}))
    assert inputs(form)["reason"]["isRequired"]
    empty = dialog_card(teams.submit_dialog(LEADER, {"dialog": "close", "ref": ref, "reason": " "}))
    assert inputs(empty)["reason"]["errorMessage"] == "Må fylles ut."
    # A case is closed after it was investigated (or with an explicit "no grounds").
    review.start_investigation(teams.services, ref, LEADER)
    done = teams.submit_dialog(LEADER, {"dialog": "close", "ref": ref, "reason": "Tiltak virker"})
    assert done["task"]["type"] == "message"
    # Every leader's card now shows the case closed, without the actions.
    updates = teams.fake.find("PUT", f"/conversations/{teams.fake.chat_of(aad(LEADER))}/")
    assert "actions" not in updates[-1].body["attachments"][0]["content"]
    assert "Status: avsluttet" in json.dumps(updates[-1].body, ensure_ascii=False)


def test_cards_are_in_the_recipients_language(tmp_path: Path) -> None:
    with teams_bot(make_services(tmp_path)) as teams:
        teams.submit_dialog(
            "kontaktlaerar1@fjellvik.example",
            report_data(school="fjellvik", categories="mobbing"),
        )
        teams.deliver()
        [card] = teams.cards_to("rektor@fjellvik.example")
        assert texts(card)[:2] == [
            "Ny melding: sak MF-0001 (Fjellvik skule)",
            "Du får saka som rektor: rektor er nærmaste leiar.",
        ]
        assert [a["title"] for a in card["actions"]][:3] == [
            "Opne sak",
            "Stadfest motteke",
            "Start undersøking",
        ]


# --- delivery errors ------------------------------------------------------------------------


def outbox(services: Services) -> list[Outbox]:
    with transaction(services.sessions) as s:
        return list(s.scalars(select(Outbox).order_by(Outbox.id)))


def test_bot_not_in_roster_forgets_the_chat_and_reinstalls(teams: TeamsHarness) -> None:
    teams.install(TEACHER)
    teams.fake.fail(
        "POST",
        f"/v3/conversations/{dm(TEACHER)}/activities",
        403,
        code="BotNotInConversationRoster",
    )
    file_report(teams)
    # The receipt went to the chat the new installation created, which is kept from now on.
    new_chat = teams.fake.chat_of(aad(TEACHER))
    assert len(teams.fake.activities_to(new_chat)) == 1
    assert teams.bot.directory.person(TEACHER).reference.conversation_id == new_chat  # type: ignore[union-attr]
    assert all(row.status == "sent" for row in outbox(teams.services))


def test_throttling_and_server_errors_are_retried(teams: TeamsHarness) -> None:
    teams.install(TEACHER)
    teams.fake.fail(
        "POST", f"/v3/conversations/{dm(TEACHER)}/activities", 429, headers={"Retry-After": "7"}
    )
    teams.submit_dialog(TEACHER, report_data())
    teams.deliver()
    receipt = outbox(teams.services)[0]
    assert receipt.status == "pending" and receipt.attempts == 1
    assert receipt.last_error == "throttled"
    assert (receipt.next_attempt_at - NOW).total_seconds() == pytest.approx(7)

    teams.services.clock.advance(seconds=8)  # type: ignore[attr-defined]
    teams.fake.fail("POST", f"/v3/conversations/{dm(TEACHER)}/activities", 502)
    teams.deliver()
    assert outbox(teams.services)[0].last_error == "http_502"
    teams.services.clock.advance(seconds=60)  # type: ignore[attr-defined]
    teams.deliver()
    assert outbox(teams.services)[0].status == "sent"


def test_no_chat_possible_falls_back_to_the_activity_feed(teams: TeamsHarness) -> None:
    teams.fake.installable = False
    file_report(teams)
    feed = teams.fake.find("POST", r"/teamwork/sendActivityNotification$")
    assert {r.path.split("/")[3] for r in feed} == {aad(TEACHER), aad(LEADER), aad(REKTOR)}
    body = feed[0].body
    assert body["activityType"] == "systemDefault" and "MF-0001" in body["previewText"]["content"]
    assert PUPIL not in json.dumps([r.body for r in feed])
    refs = {row.recipient: row.platform_ref for row in outbox(teams.services)}
    assert refs[LEADER] == f"feed:{aad(LEADER)}"  # the outbox records how it went


def test_unreachable_leader_is_rerouted_to_rektor(teams: TeamsHarness) -> None:
    teams.fake.installable = False
    teams.fake.fail(
        "POST", rf"/users/{aad(LEADER)}/teamwork/sendActivityNotification", 403, code="Forbidden"
    )
    file_report(teams)
    [failed] = events(teams.services, "delivery_failed")
    assert json.loads(failed.data)["recipient"] == LEADER
    assert json.loads(failed.data)["error"].startswith("graph_403")
    new_cases = [r for r in outbox(teams.services) if r.kind == "new_case"]
    assert [r.recipient for r in new_cases] == [LEADER, REKTOR, REKTOR]


def test_unknown_person_is_a_permanent_failure(teams: TeamsHarness) -> None:
    teams.fake.people.pop(aad(LEADER))
    file_report(teams)
    row = next(r for r in outbox(teams.services) if r.recipient == LEADER)
    assert row.status == "failed" and row.last_error == "teams_user_not_found"


# --- identity and auth --------------------------------------------------------------------


def test_identity_from_the_connector_or_graph_kept_with_the_chat(teams: TeamsHarness) -> None:
    teams.install(TEACHER)
    assert teams.fake.find("GET", rf"/members/{teams_id(TEACHER)}$")
    person = teams.bot.directory.person(TEACHER)
    assert person is not None and person.aad_id == aad(TEACHER)
    assert person.reference is not None and person.reference.service_url == teams.fake.url
    # The connector does not know this one; Graph /users/{id} does.
    teams.fake.fail("GET", rf"/members/{teams_id(LEADER)}$", 404)
    teams.install(LEADER)
    assert teams.fake.find("GET", rf"/v1\.0/users/{aad(LEADER)}$")
    assert teams.bot.directory.person(LEADER) is not None


def test_unknown_user_gets_a_clear_error_and_keeps_the_text(teams: TeamsHarness) -> None:
    teams.fake.add_person("aad-ghost", "29:ghost", "ghost@elsewhere.example")
    teams.fake.people.pop("aad-ghost")
    body = teams.activity(TEACHER, "invoke", name="task/submit", value={"data": report_data()})
    body["from"] = {"id": "29:ghost", "aadObjectId": "aad-ghost"}
    answer = teams.post(body).json()
    card = dialog_card(answer)
    assert any("Fant ikke e-postadressen din i Teams" in line for line in texts(card))
    assert inputs(card)["pupils"]["value"] == PUPIL


def test_requests_without_a_token_are_refused_in_production(tmp_path: Path) -> None:
    services = make_services(tmp_path)
    settings = Settings(
        teams_client_id="00000000-0000-0000-0000-00000000a99e",
        teams_client_secret="secret",
        teams_tenant_id="t",
    )
    bot = TeamsBot(services, settings)
    with serve_asgi(build_asgi(services, None, [bot])) as base:
        activity = {"type": "message", "text": "hei", "serviceUrl": "http://127.0.0.1:9"}
        response = httpx.post(f"{base}/api/messages", json=activity)
        assert response.status_code == 401
        assert httpx.get(f"{base}/healthz").json()["teams"] is True


# --- Graph directory --------------------------------------------------------------------------

GRAPH_ORG = """
owner: {name: Kommunen, contacts: [skoleeier@kommune.example]}
schools:
  - id: sor
    name: Sør skole
    principal: rektor@sor.example
    leadership: [rektor@sor.example, leder@sor.example]
    rteam: {members: [rektor@sor.example]}
    graph: {managers: true, rteam_group: 11111111-2222-3333-4444-555555555555}
    units:
      - name: Ledig
        members: [laerer@sor.example]
      - name: Mellomtrinnet
        leader: leder@sor.example
        members: [annen@sor.example]
"""


@pytest.fixture
def graph_teams(tmp_path: Path) -> Iterator[TeamsHarness]:
    with teams_bot(make_services(tmp_path, GRAPH_ORG)) as harness:
        fake = harness.fake
        for email in (
            "rektor@sor.example",
            "leder@sor.example",
            "annen@sor.example",
            "radgiver@sor.example",
        ):
            fake.add_person(aad(email), teams_id(email), email)
        fake.add_person(
            aad("laerer@sor.example"),
            teams_id("laerer@sor.example"),
            "laerer@sor.example",
            manager=aad("leder@sor.example"),
        )
        yield harness


def graph_report(teams: TeamsHarness, key: str) -> list[str]:
    teams.submit_dialog("laerer@sor.example", report_data(school="sor", key=key))
    with transaction(teams.services.sessions) as s:
        routed = s.scalars(select(Event).where(Event.type == "routed").order_by(Event.id.desc()))
        return [
            f"{r['email']}:{r['reason']}" for r in json.loads(routed.first().data)["recipients"]
        ]


def test_manager_from_entra_when_the_unit_has_no_leader(graph_teams: TeamsHarness) -> None:
    assert graph_report(graph_teams, "a") == [
        "leder@sor.example:route.reason.directory_manager",
        "rektor@sor.example:route.reason.rektor_always",
    ]
    graph_report(graph_teams, "b")  # cached: Graph asked once
    assert len(graph_teams.fake.find("GET", r"/manager$")) == 1


def test_manager_expand_fallback_then_org_yml(graph_teams: TeamsHarness) -> None:
    graph_teams.fake.fail("GET", r"/manager$", 500, times=5)
    assert graph_report(graph_teams, "a")[0].startswith("leder@sor.example")
    assert (
        graph_teams.fake.find("GET", rf"/users/{aad('laerer@sor.example')}$")[-1].query["$expand"]
        == "manager"
    )

    graph_teams.bot.directory._managers.clear()
    graph_teams.fake.fail("GET", r"/users/", 500, times=20)
    # Graph down: org.yml and rektor, never an unrouted report.
    assert graph_report(graph_teams, "b") == ["rektor@sor.example:route.reason.unit_no_leader"]


def test_rteam_members_from_an_entra_group(graph_teams: TeamsHarness) -> None:
    # The refresh runs on the server's event loop, as in production.
    directory = graph_teams.bot.directory
    graph_teams.fake.groups["11111111-2222-3333-4444-555555555555"] = [aad("radgiver@sor.example")]
    directory._rteams_until = 0
    graph_teams.bot.run(directory.refresh_rteams())
    school = graph_teams.services.org.school("sor")
    assert school.rteam.members == ("rektor@sor.example", "radgiver@sor.example")

    graph_teams.fake.fail("GET", r"/groups/", 500, times=20)
    directory._rteams_until = 0
    graph_teams.bot.run(directory.refresh_rteams())
    assert graph_teams.services.org.school("sor").rteam.members == school.rteam.members


def test_channel_notice_goes_to_the_rteam_channel(teams: TeamsHarness) -> None:
    teams.install(REKTOR)  # the service URL of a channel is the one Teams last used
    channel = "19:rteam@thread.tacv2"
    item = Pending(
        1,
        "receipt",
        None,
        channel,
        None,
        "nb",
        {"ref": "MF-0009", "roles": ["rektor"], "platform": "teams"},
        0,
        None,
    )
    ref = TeamsSender(teams.bot).deliver(item)
    assert ref is not None and ref.startswith(f"{channel}|")
    teams.fake.fail(
        "POST", f"/v3/conversations/{channel}/activities", 403, code="BotNotInConversationRoster"
    )
    with pytest.raises(PermanentFailure):
        TeamsSender(teams.bot).deliver(item)

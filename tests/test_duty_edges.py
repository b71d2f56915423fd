"""Where a person acts on a § 12-5 case: the forward asks first, in Slack (a pick on the message
opens the form with the person picked and "Er du sikker?"), Teams (the dialog's confirm toggle)
and the console ("Er du sikker? (j/n)"); the picker leaves out the accused's unit. And the
serious-case melding (§ 12-4 andre ledd) clicked through Teams. Real Bolt and the Teams app over
HTTP against the loopback fakes, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.console import Console
from bot.slack import blocks
from handlers import access, followup, review
from handlers.clock import FixedClock
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.models import Case, Event, Outbox
from tests.fakes.signing import block_actions, button, checkboxes, users_select, view_submission
from tests.followup_helpers import oslo, report
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.teams_harness import TeamsHarness, actions_of, dialog_card, inputs, teams_bot, texts
from tests.test_console import Keyboard, who
from tests.test_slack import ts_of

from .planning import LEADER, OTHER_LEADER, OWNER, REKTOR, TEACHER

EMPLOYEE = ("ansatt_krenket_elev",)
FJELLVIK_REKTOR = "rektor@fjellvik.example"
TEAM_9 = ("laerer3@nordby.example", "laerer4@nordby.example", OTHER_LEADER)


def employee_case(services: Services, accused: str) -> str:
    form = ReportForm(pupils="Ola N.", what="Noe skjedde", categories=EMPLOYEE, accused=accused)
    return file_report(services, form, TEACHER).ref


def forwarded(services: Services, ref: str) -> list[dict[str, object]]:
    with services.uow() as s:
        case_id = s.scalar(select(Case.id).where(Case.ref == ref))
        rows = s.scalars(
            select(Event.data).where(Event.case_id == case_id, Event.type == "forwarded")
        )
        return [json.loads(d) for d in rows]


def may_open(services: Services, ref: str, email: str) -> bool:
    with services.uow() as s:
        return access.access_of(s, services.org, review.load_case(s, ref), email).may_open


# --- Slack ------------------------------------------------------------------------------------


@pytest.fixture
def slack(services: Services) -> Iterator[SlackBot]:
    with slack_bot(services) as running:
        yield running


def test_slack_a_pick_on_the_message_asks_before_a_12_5_case_is_forwarded(
    slack: SlackBot,
) -> None:
    ref = employee_case(slack.services, "laerer2@nordby.example")  # rektor holds it
    slack.deliver()
    pick = {
        **button("case_forward", None, block_id=f"case:{ref}"),
        **users_select(PEOPLE[OTHER_LEADER]),
    }
    slack.interact(
        block_actions(
            pick,
            user_id=PEOPLE[REKTOR],
            channel_id=slack.fake.dm_channel(PEOPLE[REKTOR]),
            message_ts=ts_of(slack, REKTOR),
        )
    )
    slack.fake.wait_for("views.open")
    form = slack.last_view()
    # Not forwarded by the pick: the form, with the person picked and the question.
    assert form["callback_id"] == "meldefra_forward" and forwarded(slack.services, ref) == []
    blocks = {b["block_id"]: b for b in form["blocks"] if b["type"] == "input"}
    assert blocks["forward_to"]["element"]["initial_user"] == PEOPLE[OTHER_LEADER]
    assert blocks["confirm"]["label"]["text"] == "Dette er en § 12-5-sak. Er du sikker?"
    assert "initial_options" not in blocks["confirm"]["element"]

    def submit(values: dict[str, object]) -> dict[str, object]:
        payload = view_submission(
            "meldefra_forward",
            values,
            user_id=PEOPLE[REKTOR],
            private_metadata=form["private_metadata"],
        )
        return dict(slack.interact(payload).json() or {})

    person = {"forward_to": {"value": users_select(PEOPLE[OTHER_LEADER])}}
    unsure = submit(person)
    assert unsure["response_action"] == "errors"
    assert "kryss av for at du er sikker" in str(unsure["errors"])
    assert forwarded(slack.services, ref) == []
    done = submit({**person, "confirm": {"value": checkboxes(["yes"])}})
    assert done["response_action"] == "update"
    assert forwarded(slack.services, ref) == [{"to": OTHER_LEADER, "confirmed": True}]
    slack.deliver()
    assert slack.dms_to(OTHER_LEADER)


def test_slack_a_12_4_pick_still_forwards_in_one_step(slack: SlackBot) -> None:
    ref = file_report(slack.services, ReportForm(pupils="Ola", what="Erting"), TEACHER).ref
    slack.deliver()
    pick = {**button("case_forward", None, block_id=f"case:{ref}"), **users_select("U0RADGIVER")}
    slack.interact(
        block_actions(
            pick,
            user_id=PEOPLE[LEADER],
            channel_id=slack.fake.dm_channel(PEOPLE[LEADER]),
            message_ts=ts_of(slack, LEADER),
        )
    )
    slack.fake.wait_for("chat.update")
    assert forwarded(slack.services, ref) == [{"to": "radgiver@nordby.example"}]


# --- Teams ------------------------------------------------------------------------------------


@pytest.fixture
def teams(services: Services) -> Iterator[TeamsHarness]:
    with teams_bot(services) as harness:
        harness.install(OWNER)  # the bot learns where Teams is (its service URL)
        yield harness


def test_teams_skoleeier_brings_rektor_in_after_confirming(teams: TeamsHarness) -> None:
    ref = employee_case(teams.services, OTHER_LEADER)  # a trinnleder: a leadership case
    teams.deliver()
    card = teams.cards_to(OWNER)[-1]  # after the welcome: the case's card
    [forward] = [a for a in actions_of(card) if a["data"].get("form") == "forward"]
    form = dialog_card(teams.open_dialog(OWNER, forward["data"]))
    fields = inputs(form)
    offered = {c["value"] for c in fields["forward_to"]["choices"]}
    assert {REKTOR, FJELLVIK_REKTOR} <= offered and not offered & {*TEAM_9, LEADER}
    assert fields["confirm"]["type"] == "Input.Toggle"
    submit = form["actions"][0]["data"]
    unsure = dialog_card(teams.submit_dialog(OWNER, {**submit, "forward_to": REKTOR}))
    assert "errorMessage" in inputs(unsure)["confirm"]
    assert forwarded(teams.services, ref) == [] and not may_open(teams.services, ref, REKTOR)
    # Typed past the picker: the accused's team is refused by the handler too.
    wrong = {**submit, "forward_to": "laerer3@nordby.example", "confirm": "yes"}
    assert "errorMessage" in inputs(dialog_card(teams.submit_dialog(OWNER, wrong)))["forward_to"]
    done = teams.submit_dialog(OWNER, {**submit, "forward_to": REKTOR, "confirm": "yes"})
    assert done["task"]["type"] == "message"
    assert forwarded(teams.services, ref) == [{"to": REKTOR, "confirmed": True, "let_in": True}]
    assert may_open(teams.services, ref, REKTOR) and not may_open(teams.services, ref, LEADER)
    teams.deliver()
    assert any(ref in json.dumps(c) for c in teams.cards_to(REKTOR))


def test_teams_the_serious_case_melding_clicked_from_the_case_dialog(teams: TeamsHarness) -> None:
    ref = file_report(teams.services, ReportForm(pupils="Ola N.", what="Slått"), TEACHER).ref
    teams.deliver()
    case = dialog_card(teams.open_dialog(LEADER, {"dialog": "case", "ref": ref}))
    [serious] = [a for a in actions_of(case) if a["data"].get("verb") == "inform_owner_serious"]
    assert serious["title"] == "Alvorlig sak: meld fra til skoleeier"
    done = teams.submit_dialog(LEADER, serious["data"])
    assert done["task"]["type"] == "message"
    assert f"Sak {ref}: skoleeier har fått melding om en alvorlig sak." in done["task"]["value"]
    with teams.services.uow() as s:
        case_id = s.scalar(select(Case.id).where(Case.ref == ref))
        melding = s.execute(
            select(Event.actor, Event.data).where(
                Event.case_id == case_id, Event.type == "owner_informed_serious"
            )
        ).one()
    assert melding.actor == LEADER and json.loads(melding.data)["to"] == [OWNER]
    teams.deliver()
    assert any(ref in json.dumps(c) for c in teams.cards_to(OWNER))
    # Once: the button is gone from the details, and a repeated click changes nothing.
    again = dialog_card(teams.open_dialog(LEADER, {"dialog": "case", "ref": ref}))
    assert not [a for a in actions_of(again) if a["data"].get("verb") == "inform_owner_serious"]
    teams.submit_dialog(LEADER, serious["data"])
    with teams.services.uow() as s:
        count = s.scalars(
            select(Event.id).where(Event.case_id == case_id, Event.type == "owner_informed_serious")
        ).all()
    assert len(count) == 1
    # The reporter has no such button and is refused if the click is forged.
    refused = teams.submit_dialog(TEACHER, serious["data"])
    assert refused["task"]["type"] == "message" and "meldt" not in refused["task"]["value"]


# --- the console --------------------------------------------------------------------------------


def test_console_asks_er_du_sikker_and_no_means_nothing_is_sent(services: Services) -> None:
    ref = employee_case(services, OTHER_LEADER)
    keyboard = Keyboard(
        [
            who(services, OWNER),
            "4",
            ref,
            "3",  # videresend
            REKTOR,
            "n",  # Er du sikker? – no
            "3",
            REKTOR,
            "j",
            "",
            "7",
        ]
    )
    out = io.StringIO()
    Console(services, read=keyboard, out=out).run()  # type: ignore[arg-type]
    shown = out.getvalue()
    sure = [p for p in keyboard.prompts if "Er du sikker" in p]
    assert sure == ["Dette er en § 12-5-sak. Er du sikker? (j/n, Enter: nei): "] * 2
    assert "Avbrutt. Ingenting er endret." in shown
    assert f"Sak {ref} er videresendt til" in shown
    # The picker offered rektor and another school's rektor, never the accused's team.
    how = "(Skriv «tilbake» for å gå til forrige spørsmål, «avbryt» for å gå ut uten å lagre.)"
    offered = shown.split(how)[1].split("Avbrutt")[0]
    assert "rektor@fjellvik.example (Fjellvik skule, rektor)" in offered
    for person in (*TEAM_9, LEADER):
        assert f"{person} (" not in offered
    assert forwarded(services, ref) == [{"to": REKTOR, "confirmed": True, "let_in": True}]


# --- the hourly reminder where the person acts ----------------------------------------------------


def urgent_ts(services: Services, email: str) -> str:
    with services.uow() as s:
        row = s.scalar(
            select(Outbox).where(Outbox.recipient == email, Outbox.kind == "urgent_reminder")
        )
        assert row is not None and row.platform_ref
        return row.platform_ref.partition(":")[2]


def sunday_evening_case(services: Services, clock: FixedClock) -> str:
    """A § 12-5 case about a teacher (rektor holds it), filed Sunday 22 November at 20:00."""
    at = oslo(2026, 11, 22, 20)
    return report(
        services, clock, at, TEACHER, categories=EMPLOYEE, accused="laerer2@nordby.example"
    )


def test_slack_the_hourly_reminder_is_acknowledged_from_the_dm(
    slack: SlackBot, clock: FixedClock
) -> None:
    ref = sunday_evening_case(slack.services, clock)
    clock.set(oslo(2026, 11, 23, 10, 15))  # two working hours into Monday
    followup.run_urgent(slack.services, ["nordby"])
    slack.deliver()
    dm = slack.dms_to(REKTOR)[-1]
    posted = json.dumps(dm, ensure_ascii=False)
    assert f"Sak {ref} (§ 12-5) er ikke bekreftet mottatt, 2 arbeidstimer etter" in posted
    acknowledge = blocks.action_id("acknowledge")
    assert f'"action_id": "{acknowledge}"' in posted and "Ola" not in posted
    slack.interact(
        block_actions(
            button(acknowledge, ref, block_id=f"case:{ref}"),
            user_id=PEOPLE[REKTOR],
            channel_id=slack.fake.dm_channel(PEOPLE[REKTOR]),
            message_ts=urgent_ts(slack.services, REKTOR),
        )
    )
    slack.fake.wait_for("chat.update")
    assert review.status_of(slack.services, ref, REKTOR).status == "acknowledged"
    clock.set(oslo(2026, 11, 23, 12, 15))
    [after] = followup.run_urgent(slack.services, ["nordby"])
    assert after.notices == () and after.escalated == ()


def test_teams_skoleeier_gets_the_escalation_as_a_card_with_the_cases_buttons(
    teams: TeamsHarness, clock: FixedClock
) -> None:
    ref = sunday_evening_case(teams.services, clock)
    clock.set(oslo(2026, 11, 23, 12, 15))  # four working hours: skoleeier is brought in
    [result] = followup.run_urgent(teams.services, ["nordby"])
    assert result.escalated == (ref,)
    teams.deliver()
    card = teams.cards_to(OWNER)[-1]
    words = " ".join(texts(card))
    assert f"Sak {ref} (§ 12-5) er ikke bekreftet mottatt av rektor etter 4 arbeidstimer" in words
    verbs = {a.get("verb") or a["data"].get("form") for a in actions_of(card)}
    assert {"acknowledge", "forward"} <= verbs
    [ack] = [a for a in actions_of(card) if a.get("verb") == "acknowledge"]
    teams.card_action(OWNER, "acknowledge", ack["data"])
    assert review.status_of(teams.services, ref, OWNER).status == "acknowledged"


def test_console_runs_the_hourly_round_and_rektor_reads_the_reminder(
    services: Services, clock: FixedClock
) -> None:
    ref = sunday_evening_case(services, clock)
    clock.set(oslo(2026, 11, 23, 10, 15))
    keyboard = Keyboard([who(services, REKTOR), "8", "2", "7"])  # run the rounds, my messages
    out = io.StringIO()
    Console(services, read=keyboard, out=out).run()  # type: ignore[arg-type]
    shown = out.getvalue()
    assert "nordby: påminnelser om § 12-5-saker lagt i kø for sending: 1." in shown
    assert (
        f"Sak {ref} (§ 12-5) er ikke bekreftet mottatt, 2 arbeidstimer etter at den kom inn."
        in shown
    )

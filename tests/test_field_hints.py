"""Each field checked where it is typed, and forms that ask only what applies: the core's
field hints (bot.core.checks, flow.check_field) shown by the console, Slack and Teams."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.console import Console
from bot.core import flow, forms
from bot.core.forms import Field
from handlers import review
from handlers.clock import FixedClock
from handlers.services import Services
from store.models import Case, Event
from tests.conftest import NOW
from tests.fakes.signing import block_actions, button, plain_text_input, radio_buttons
from tests.planning import LEADER, TEACHER, filed, planned
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.teams_harness import TeamsHarness, dialog_card, dm, inputs, teams_bot, texts
from tests.test_console import run, who
from tests.test_slack import click

TODAY_AT_RECESS = "Forstått: onsdag 25. november, i friminuttet"  # NOW: Wed 25 Nov 10.30


def shown_names(opened: forms.Opened, values: dict[str, Any]) -> set[str]:
    return {f.name for f in opened.shown() if isinstance(f, Field) and opened.visible(f, values)}


# --- the core ---------------------------------------------------------------------------


def test_a_time_is_shown_back_as_understood_or_with_what_would_work(services: Services) -> None:
    opened = forms.report_opened(services.org, actor=TEACHER)

    def hint(value: str, lang: str = "nb") -> Any:
        return flow.check_field(services, opened, "when", {"when": value}, TEACHER, lang)

    understood = hint("i dag i friminuttet")
    assert understood.ok and understood.text == TODAY_AT_RECESS
    assert hint("i går på bussen").text == "Forstått: tirsdag 24. november, på bussen"
    assert hint("i forrige uke", "nn").text == "Forstått: veke 47 (16.–22. november)"
    assert hint("yesterday at recess", "en").text.startswith("Understood: Tuesday 24 November")
    future = hint("i morgen")
    assert not future.ok and "fram i tid" in future.text
    unreadable = hint("blåbærtid")
    assert not unreadable.ok and "Prøv for eksempel «i går kl 14»" in unreadable.text
    # Nothing typed in an optional field: nothing to say; a required one says so.
    assert hint("") is None
    missing = flow.check_field(services, opened, "what", {"what": " "}, TEACHER, "nb")
    assert missing is not None and not missing.ok and missing.text == "Må fylles ut."


def test_a_tiltak_when_may_be_words_and_a_due_date_must_be_ahead(services: Services) -> None:
    ref = filed(services)
    opened = forms.open_form(services, "plan", LEADER, ref=ref)
    row = {"tiltak.1.what": "Voksen ute", "tiltak.1.when": "hvert friminutt"}
    words = flow.check_field(services, opened, "tiltak.1.when", row, LEADER, "nb")
    assert words is not None and words.ok and "uten påminnelse" in words.text
    # A tiltak begun needs who carries it out; a row not begun asks nothing.
    who_ = flow.check_field(services, opened, "tiltak.1.who", row, LEADER, "nb")
    assert who_ is not None and who_.text == "Må fylles ut."
    assert flow.check_field(services, opened, "tiltak.2.who", row, LEADER, "nb") is None
    gone = flow.check_field(
        services, opened, "evaluate_when", {"evaluate_when": "i går"}, LEADER, "nb"
    )
    assert gone is not None and not gone.ok and "har allerede vært" in gone.text
    due = flow.hints(services, opened, {"evaluate_when": "om to uker"}, LEADER, "nb")
    assert due["evaluate_when"].text == "Forstått: onsdag 9. desember"


def test_closing_by_evaluation_asks_nothing_about_what_comes_next(services: Services) -> None:
    ref = planned(services)
    opened = forms.open_form(services, "evaluate", LEADER, ref=ref)
    later = {"next_evaluation", "end_tiltak", "tiltak.1.what", "tiltak.1.who", "tiltak.1.when"}
    assert later <= shown_names(opened, {"decision": "continue"})
    assert not later & shown_names(opened, {"decision": "close"})
    # Shown, the next evaluation is required (the handler wants it unless the case closes).
    field = opened.form.get("next_evaluation")
    assert field is not None and field.required


def test_sharing_without_names_does_not_ask_how_consent_was_given(services: Services) -> None:
    ref = planned(services)
    opened = forms.open_form(services, "share", LEADER, ref=ref)
    assert "note" in shown_names(opened, {"basis": "consent"})
    assert "note" not in shown_names(opened, {"basis": "anonymous"})
    assert "note" not in shown_names(opened, {"basis": "withdrawn"})


# --- the console ------------------------------------------------------------------------


def test_console_says_what_was_understood_at_once_and_asks_a_wrong_time_again(
    services: Services,
) -> None:
    shown = run(
        services,
        [
            who(services, TEACHER),
            "1",
            "A.B.",
            "Dyttet i gangen",
            "i morgen",  # in the future: said at once, "when" asked again
            "i dag i friminuttet",
            "",
            "mobbing",  # a category by its name
            "",
            "",
            "n",
            "7",
        ],
    )
    refused = shown.index("fram i tid")
    understood = shown.index(TODAY_AT_RECESS)
    assert refused < understood  # said at once, before the next field (prompts are not in `shown`)
    assert "Rett opp dette" not in shown  # nothing left to fix after the last field
    assert "Meldingen er lagret som sak MF-0001." in shown
    details = review.open_case(services, "MF-0001", LEADER)
    assert details.categories == ["mobbing"]
    assert details.report["when"] == "i dag i friminuttet"


def test_tilbake_goes_back_one_question_and_keeps_the_form(services: Services) -> None:
    shown = run(
        services,
        [
            who(services, TEACHER),
            "1",
            "A.B.",
            "Dyttet",
            "tilbake",  # at "when": back to "what happened"
            "Dyttet i gangen",
            "i dag i friminuttet",
            "",
            "digital, 1",  # the start of one name, and a number
            "",
            "",
            "n",
            "7",
        ],
    )
    assert "(Du skrev: Dyttet)" in shown
    assert "Meldingen er lagret som sak MF-0001." in shown
    details = review.open_case(services, "MF-0001", LEADER)
    assert details.report["what"] == "Dyttet i gangen"
    assert set(details.categories) == {"digital_krenkelse", "krenkelse"}


def test_tilbake_at_the_first_question_stays_in_the_form(services: Services) -> None:
    shown = run(
        services,
        [who(services, TEACHER), "1", "tilbake", "A.B.", "Dyttet"]
        + ["i dag i friminuttet", "", "", "", "", "n", "7"],
    )
    assert "Dette er det første spørsmålet." in shown
    assert "Meldingen er lagret som sak MF-0001." in shown


def test_ctrl_d_at_the_first_field_asks_before_the_text_after_meld_fra_is_lost(
    services: Services,
) -> None:
    shown = run(
        services,
        [who(services, TEACHER), "meld fra Ola ble dyttet i gangen", EOFError(), "1"]
        + ["A.B.", "", "i dag i friminuttet", "", "", "", "", "n", "7"],
    )
    assert "Ingenting er sendt eller lagret ennå." in shown  # asked, and went on
    assert "Meldingen er lagret som sak MF-0001." in shown
    details = review.open_case(services, "MF-0001", LEADER)
    assert details.report["what"] == "Ola ble dyttet i gangen"


def test_an_evaluation_that_closes_the_case_asks_nothing_more(services: Services) -> None:
    ref = planned(services)
    shown = run(
        services,
        [
            who(services, LEADER),
            "4",
            ref,
            "5",  # evaluer
            "",  # held today
            "",  # who took part: nobody ticked
            "",
            "1",  # virker
            "«Jeg har det fint nå»",
            "",
            "",
            "3",  # avslutt saken
            "",  # back to the menu: the case is closed
            "7",
        ],
    )
    assert "Neste evaluering" not in shown and "Nytt tiltak" not in shown
    assert review.status_of(services, ref, LEADER).status == "closed"


def test_sharing_without_names_in_the_console_asks_no_consent(services: Services) -> None:
    ref = planned(services)
    shown = run(services, [who(services, LEADER), "4", ref, "7", "2", "", "7"])
    assert "Slik er samtykket gitt" not in shown
    with services.uow() as session:
        assert session.scalar(select(Case.rteam_share)) == "anonymous"


def test_a_teachers_mine_lists_each_report_with_its_day(services: Services) -> None:
    earlier = replace(services, clock=FixedClock(NOW - timedelta(days=2)))
    filed(earlier)
    filed(services)
    shown = run(services, [who(services, TEACHER), "mine", "7"])
    assert "MF-0001  23.11.2026  ny" in shown and "MF-0002  25.11.2026  ny" in shown


# --- Slack: the modal redrawn with the hint under the field ------------------------------


@pytest.fixture
def bot(services: Services) -> Iterator[SlackBot]:
    with slack_bot(services) as running:
        yield running


def typed(name: str, value: str) -> dict[str, Any]:
    """A block_actions entry for Enter pressed in a dispatching text field."""
    return {**plain_text_input(value), "action_id": name, "block_id": name, "action_ts": "1.2"}


def changed(bot: SlackBot, email: str, view: dict[str, Any], action: dict[str, Any]) -> Any:
    before = len(bot.fake.calls("views.update"))
    response = bot.interact(block_actions(action, user_id=PEOPLE[email], view=view))
    assert response.status_code == 200  # acked at once; the update follows
    bot.fake.wait_for("views.update", count=before + 1)
    return bot.last_view("views.update")


def as_stored(view: dict[str, Any], view_id: str) -> dict[str, Any]:
    return {**view, "id": view_id, "hash": "1.x", "state": {"values": {}}}


def hint_of(view: dict[str, Any], name: str) -> str:
    [block] = [b for b in view["blocks"] if b.get("block_id") == f"hint:{name}"]
    return str(block["elements"][0]["text"])


def test_slack_shows_the_time_understood_under_the_field(bot: SlackBot) -> None:
    bot.command(TEACHER)
    bot.fake.wait_for("views.open")
    opened = as_stored(bot.last_view(), "V0REPORT")
    [when] = [b for b in opened["blocks"] if b.get("block_id") == "when"]
    assert when["dispatch_action"] and when["element"]["action_id"] == "when"

    updated = changed(bot, TEACHER, opened, typed("when", "i dag i friminuttet"))
    assert hint_of(updated, "when") == f"✓ {TODAY_AT_RECESS}"
    blocks = [b.get("block_id") for b in updated["blocks"]]
    assert blocks.index("hint:when") == blocks.index("when") + 1  # under its field
    [field] = [b for b in updated["blocks"] if b.get("block_id") == "when"]
    assert field["element"]["initial_value"] == "i dag i friminuttet"  # the typing kept
    update = bot.fake.calls("views.update")[-1].params
    assert update["view_id"] == "V0REPORT" and update["hash"] == "1.x"

    wrong = changed(bot, TEACHER, as_stored(updated, "V0REPORT"), typed("when", "i morgen"))
    assert hint_of(wrong, "when").startswith("⚠ ") and "fram i tid" in hint_of(wrong, "when")
    with bot.services.uow() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0  # nothing saved


def test_slack_evaluation_closing_the_case_drops_what_comes_next(bot: SlackBot) -> None:
    services = bot.services
    ref = planned(services)
    bot.deliver()  # the leader's message about the case, with its buttons
    click(bot, LEADER, "case_open", ref, on_message_of=LEADER)
    bot.fake.wait_for("views.open")
    case = as_stored(bot.last_view(), "V0CASE")
    bot.interact(
        block_actions(
            button("case_evaluate", ref, block_id=f"plan:{ref}"), user_id=PEOPLE[LEADER], view=case
        )
    )
    bot.fake.wait_for("views.push")
    view = bot.last_view("views.push")
    assert json.loads(view["private_metadata"])["opened"]["choices"]["active_tiltak"]
    with services.uow() as session:
        views_before = session.scalar(select(func.count()).where(Event.type == "viewed"))
    decision = {
        **radio_buttons("close"),
        "action_id": "decision",
        "block_id": "decision",
        "action_ts": "1.2",
    }
    updated = changed(bot, LEADER, as_stored(view, "V0EVAL"), decision)
    shown = {b.get("block_id") for b in updated["blocks"]}
    assert {"effect", "pupil_says", "decision"} <= shown
    assert not shown & {"next_evaluation", "end_tiltak", "tiltak.1.what"}
    assert json.loads(updated["private_metadata"])["ref"] == ref
    going_on = {**decision, **radio_buttons("continue")}
    back = changed(bot, LEADER, as_stored(updated, "V0EVAL"), going_on)
    assert {"next_evaluation", "end_tiltak", "tiltak.1.what"} <= {
        b.get("block_id") for b in back["blocks"]
    }
    [ended] = [b for b in back["blocks"] if b.get("block_id") == "end_tiltak"]
    assert ended["element"]["options"]  # the plan's tiltak, kept from when it opened
    with services.uow() as session:  # redrawn from the dialog: the plan was not read again
        assert session.scalar(select(func.count()).where(Event.type == "viewed")) == views_before


# --- Teams: «Sjekk svarene» draws the dialog again with the hints -------------------------


@pytest.fixture
def teams(services: Services) -> Iterator[TeamsHarness]:
    with teams_bot(services) as harness:
        yield harness


def test_teams_check_shows_the_time_understood_and_the_fields_that_apply(
    teams: TeamsHarness,
) -> None:
    form = dialog_card(teams.open_dialog(TEACHER, {"dialog": "form", "form": "report"}))
    submit, check = form["actions"]
    assert check["title"] == "Sjekk svarene" and submit["data"]["form"] == "report"
    typed_ = {
        **check["data"],
        "pupils": "t:A.B.",
        "what": "Dyttet",
        "when": "i dag i friminuttet",
        "categories": "ansatt_krenket_elev",
    }
    again = dialog_card(teams.submit_dialog(TEACHER, typed_))
    assert f"✓ {TODAY_AT_RECESS}" in texts(again)
    fields = inputs(again)
    assert fields["when"]["value"] == "i dag i friminuttet" and fields["what"]["value"] == "Dyttet"
    assert "accused" in fields  # the category asks which employee
    with teams.services.uow() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0

    wrong = dialog_card(teams.submit_dialog(TEACHER, {**typed_, "when": "i morgen"}))
    assert any(line.startswith("⚠ ") and "fram i tid" in line for line in texts(wrong))


def test_teams_check_hides_what_an_evaluation_closing_the_case_does_not_need(
    teams: TeamsHarness,
) -> None:
    ref = planned(teams.services)
    data = {"dialog": "form", "form": "evaluate", "ref": ref}
    form = dialog_card(teams.open_dialog(LEADER, data))
    assert "next_evaluation" in inputs(form)
    assert not inputs(form)["next_evaluation"]["isRequired"]  # a later choice may hide it
    check = form["actions"][1]["data"]
    closing = dialog_card(teams.submit_dialog(LEADER, {**check, "decision": "close"}))
    fields = inputs(closing)
    assert "decision" in fields and fields["decision"]["value"] == "close"
    assert not {"next_evaluation", "end_tiltak", "tiltak.1.what"} & set(fields)
    going_on = dialog_card(teams.submit_dialog(LEADER, {**check, "decision": "continue"}))
    assert {"next_evaluation", "end_tiltak"} <= set(inputs(going_on))


# --- «mine»: each report with its day, in every edge ---------------------------------------


def two_reports_two_days(services: Services) -> None:
    filed(replace(services, clock=FixedClock(NOW - timedelta(days=2))))
    filed(services)


def test_slack_mine_lists_each_report_with_its_day(bot: SlackBot) -> None:
    two_reports_two_days(bot.services)
    bot.command(TEACHER, text="mine", response_url=bot.fake.response_url())
    answer = bot.fake.wait_for("response_url")[-1].params["text"]
    assert "MF-0001 – ny (meldt 23.11.2026)" in answer
    assert "MF-0002 – ny (meldt 25.11.2026)" in answer


def test_teams_mine_lists_each_report_with_its_day(teams: TeamsHarness) -> None:
    two_reports_two_days(teams.services)
    teams.install(TEACHER)
    teams.say(TEACHER, "mine")
    answer = json.dumps(teams.fake.activities_to(dm(TEACHER))[-1], ensure_ascii=False)
    assert "MF-0001 – ny (meldt 23.11.2026)" in answer
    assert "MF-0002 – ny (meldt 25.11.2026)" in answer


def test_the_console_says_it_under_the_field_before_asking_the_next(services: Services) -> None:
    answers = iter([who(services, TEACHER), "1", "A.B.", "Dyttet", "i dag i friminuttet"])
    out = io.StringIO()
    seen_at_where: list[str] = []

    def read(prompt: str) -> str:
        if prompt.startswith("Hvor?"):
            seen_at_where.append(out.getvalue())
        answer = next(answers, None)
        if answer is None:
            raise EOFError  # the input ends: the console asks, keeps a draft and stops
        return answer

    Console(services, read=read, out=out).run()
    assert seen_at_where and seen_at_where[0].rstrip().endswith(f"→ {TODAY_AT_RECESS}")

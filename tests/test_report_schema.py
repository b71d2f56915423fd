"""One report schema, and edges that only render: a new text of the report is one declaration
(`handlers.report.TEXTS`) and its catalog entries, and a new case action is one declaration
(`bot.core.actions.ACTIONS`, its row in `handlers.states.RULES`) and its label. With no change
in bot/slack, bot/teams or bot/console, both are shown by Slack (real Bolt over HTTP against
the loopback fake Slack), by Teams (its cards) and by the console (typed at its prompts): the
field is asked, limited as declared, kept with the case, shown in the case details and written
into the case file; the action is offered where the state machine allows it and acts."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from bot.console import Console
from bot.core import actions, flow, forms
from bot.core.actions import CASE, CaseAction
from bot.core.forms import Submission
from bot.teams import cards
from handlers import choices, export, i18n, report, review, states
from handlers.services import Services
from handlers.states import HANDLERS, Rule, Status
from tests.fakes.signing import plain_text_input, view_submission
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.test_slack import LEADER, TEACHER, cases, click, report_values

from .planning import filed

WORDS = {
    "nb": {"field.witnesses": "Hvem så det?", "action.seen": "Sett"},
    "nn": {"field.witnesses": "Kven såg det?", "action.seen": "Sett"},
    "en": {"field.witnesses": "Who saw it?", "action.seen": "Seen"},
}
SAW = "Per og Pål i 8B"


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The declarations and the catalog entries: nothing else."""
    monkeypatch.setitem(report.TEXTS, "witnesses", report.Text("witnesses", 40, lines=True))
    monkeypatch.setitem(states.RULES, "seen", Rule("seen", HANDLERS, (Status.NEW,)))
    seen = CaseAction("seen", "action.seen", CASE, run=review.acknowledge, rule="seen")
    monkeypatch.setitem(actions.ACTIONS, "seen", seen)
    monkeypatch.setitem(i18n._REGISTERED, "test_report_schema", WORDS)
    i18n.catalogs.cache_clear()
    yield
    i18n.catalogs.cache_clear()


@pytest.fixture
def bot(services: Services, declared: None) -> Iterator[SlackBot]:
    with slack_bot(services) as running:
        yield running


def test_a_new_field_is_limited_and_kept_by_the_core(services: Services, declared: None) -> None:
    values = {"pupils": "Ola Nordmann", "what": "Ola ble dyttet", "witnesses": "x" * 41}
    step = flow.submit(services, "report", Submission(TEACHER, values), "nb")
    assert isinstance(step, flow.Shown)
    assert step.errors == {"witnesses": "For lang tekst: høyst 40 tegn (du skrev 41)."}
    done = flow.submit(services, "report", Submission(TEACHER, {**values, "witnesses": SAW}), "nb")
    assert isinstance(done, flow.Done) and done.result.filed is not None
    ref = done.result.filed.ref
    opened = flow.open_case(services, ref, LEADER, "nb")
    assert isinstance(opened, flow.Details)
    assert ("Hvem så det?", SAW) in opened.view.report
    made = export.export_case(services, ref, LEADER, fmt="html", lang="nb")
    assert SAW in made.content.decode("utf-8") and "Hvem så det?" in made.content.decode("utf-8")


def test_slack_asks_for_the_field_keeps_it_and_offers_the_action(bot: SlackBot) -> None:
    bot.command(TEACHER, trigger_id="1.2.x")
    bot.fake.wait_for("views.open")
    asked = {b.get("block_id"): b for b in bot.last_view()["blocks"]}["witnesses"]
    assert asked["label"]["text"] == "Hvem så det?" and asked["element"]["max_length"] == 40
    values = {**report_values(), "witnesses": {"value": plain_text_input(SAW)}}
    payload = view_submission(
        "meldefra_report",
        values,
        user_id=PEOPLE[TEACHER],
        view_id="V0REPORT1",
        private_metadata=json.dumps({"lang": "nb"}),
    )
    assert bot.interact(payload).status_code == 200
    bot.deliver()
    ref = cases(bot)[0].ref
    click(bot, LEADER, "case_open", ref, on_message_of=LEADER)
    bot.fake.wait_for("views.open", count=2)
    shown = json.dumps(bot.last_view(), ensure_ascii=False)
    assert "Hvem så det?" in shown and SAW in shown
    assert "case_seen" in shown  # the new action, under the case details
    click(bot, LEADER, "case_seen", ref, on_message_of=LEADER)
    bot.fake.wait_for("chat.update")
    assert cases(bot)[0].status == Status.ACKNOWLEDGED


def test_teams_draws_the_field_and_the_action(services: Services, declared: None) -> None:
    opened = forms.report_opened(services.org, actor=TEACHER)
    form = cards.form_card("nb", opened)
    asked = [e for e in form["body"] if e.get("id") == "witnesses"]
    assert asked and asked[0]["label"] == "Hvem så det?" and asked[0]["maxLength"] == 40
    ref = filed(services, witnesses=SAW)
    step = flow.open_case(services, ref, LEADER, "nb")
    assert isinstance(step, flow.Details)
    card = json.dumps(cards.case_card("nb", step.view), ensure_ascii=False)
    assert "Hvem så det?" in card and SAW in card
    assert '"verb": "seen"' in card
    assert isinstance(flow.click(services, "seen", ref, LEADER, "nb"), flow.Done)


def test_the_console_asks_for_the_field_and_offers_the_action(
    services: Services, declared: None
) -> None:
    answers = {"Hvem så det?": SAW, "Elev(er) det gjelder": "Ola Nordmann", "Hva skjedde": "Dytt"}
    prompts: list[str] = []
    script = ["1"]  # who: filled in below

    def keyboard(prompt: str) -> str:
        prompts.append(prompt)
        for start, answer in answers.items():
            if prompt.startswith(start):
                return answer
        if not script:
            raise EOFError
        return script.pop(0)

    people = services.org.people()
    script[:] = [str(people.index(TEACHER) + 1), "1", *[""] * 8]
    out = io.StringIO()
    Console(services, read=keyboard, out=out).run()
    assert any(p.startswith("Hvem så det?") for p in prompts), (prompts, out.getvalue())
    assert "Meldingen er lagret som sak" in out.getvalue(), out.getvalue()
    ref = cases_of(services)[0]
    step = flow.open_case(services, ref, LEADER, "nb")
    assert isinstance(step, flow.Details)
    number = next(
        no
        for no, verb, _ in Console(services).offered(choices.choices_for(services, ref, LEADER))
        if verb == "seen"
    )
    leader = [str(people.index(LEADER) + 1), "4", "1", str(number), "", "7"]
    out = io.StringIO()
    Console(services, read=lambda prompt: leader.pop(0), out=out).run()
    assert f"Hvem så det?: {SAW}" in out.getvalue()  # in the case as the console shows it
    assert f"  {number}) Sett" in out.getvalue()  # offered under its label, and done:
    assert f"Sak {ref} er bekreftet mottatt av {LEADER}." in out.getvalue()


def cases_of(services: Services) -> list[str]:
    return [c.ref for c in review.waiting_for(services, LEADER)]

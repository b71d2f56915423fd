"""Slack, Teams and the console are renderers of one core: the same case shows the same
buttons on each, everything the console does the chat edges do (a tiltak carried out, the
plan read), and one new field or one new action is a declaration, with no edge changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.console import offered_now
from bot.core import actions, flow, forms
from bot.core.actions import CASE, CaseAction
from bot.core.forms import Field, Kind, Submission
from bot.slack import blocks
from bot.teams import cards
from handlers import choices, plan, states
from handlers.services import Services
from handlers.states import HANDLERS, OPEN, Rule

from .planning import LEADER, filed, planned

LANG = "nb"


def _slack_verbs(view: flow.Details) -> set[str]:
    modal = blocks.case_modal(LANG, view.view)
    ids = [e["action_id"] for b in modal["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return {v for v in map(blocks.verb_of, ids) if v}


def _teams_verbs(view: flow.Details) -> set[str]:
    by_form = {a.form: a.verb for a in actions.ACTIONS.values() if a.form}
    card = cards.case_card(LANG, view.view)
    data = [a["data"] for a in card.get("actions", [])]
    return {d.get("verb") or by_form[d["form"]] for d in data}


def _console_verbs(services: Services, ref: str) -> set[str]:
    return {verb for _, verb, _ in offered_now(choices.choices_for(services, ref, LEADER))}


def _opened(services: Services, ref: str) -> flow.Details:
    step = flow.open_case(services, ref, LEADER, LANG)
    assert isinstance(step, flow.Details)
    return step


def test_every_edge_draws_the_buttons_the_core_offers(services: Services) -> None:
    ref = planned(services)
    view = _opened(services, ref)
    core = {a.verb for a in view.view.buttons}
    assert {"tiltak_done", "show_plan", "evaluate", "change_plan", "export"} <= core
    assert _slack_verbs(view) == core
    assert _teams_verbs(view) == core
    assert core <= _console_verbs(services, ref)


def test_a_tiltak_is_carried_out_and_the_plan_read_through_the_core(services: Services) -> None:
    """The path Slack's and Teams' buttons take (the console's own menu takes it too)."""
    ref = planned(services)
    step = flow.click(services, "tiltak_done", ref, LEADER, LANG)
    assert isinstance(step, flow.Shown)
    assert [c.value for c in step.opened.choices["open_tiltak"]] == ["1", "2"]
    done = flow.submit(services, "tiltak_done", Submission(LEADER, {"tiltak": "2"}, ref), LANG)
    assert isinstance(done, flow.Done) and done.result.outcome is not None
    assert done.result.outcome.changed and done.verb == "tiltak_done"
    assert [x.done_at is not None for x in plan.plan_of(services, ref, LEADER).tiltak] == [
        False,
        True,
    ]
    shown = flow.click(services, "show_plan", ref, LEADER, LANG)
    assert isinstance(shown, flow.PlanShown)
    assert any(
        "Voksen til stede i storefri" in line for _, ls in shown.view.sections for _, line in ls
    )
    assert blocks.plan_modal(shown.view)["blocks"] and cards.plan_card(shown.view)["body"]


def test_one_new_field_and_one_new_action_need_no_edge_change(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = Field("extra", Kind.TEXT, "field.where", max_length=10)
    note = forms.FORMS["note"]
    monkeypatch.setitem(forms.FORMS, "note", replace(note, items=(*note.items, extra)))
    monkeypatch.setitem(states.RULES, "nudge", Rule("nudge", HANDLERS, OPEN))
    nudge = CaseAction("nudge", "action.note", CASE, form="note", rule="nudge")
    monkeypatch.setitem(actions.ACTIONS, "nudge", nudge)
    ref = filed(services)
    view = _opened(services, ref)
    assert "nudge" in {a.verb for a in view.view.buttons}
    assert "nudge" in _slack_verbs(view) and "nudge" in _teams_verbs(view)
    assert "nudge" in _console_verbs(services, ref)
    step = flow.click(services, "nudge", ref, LEADER, LANG)
    assert isinstance(step, flow.Shown)
    slack_form = blocks.form_view(step.opened, LANG)
    assert "extra" in {b.get("block_id") for b in slack_form["blocks"]}
    teams_form = cards.form_card(LANG, step.opened)
    assert "extra" in str(teams_form)
    values = {"note": "Snakket med Ola", "extra": "x" * 11}
    done = flow.submit(services, "note", Submission(LEADER, values, ref), LANG)
    assert isinstance(done, flow.Done)  # submitted from the declaration as it stands

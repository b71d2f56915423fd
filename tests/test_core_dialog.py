"""A dialog's steps decided in the core (`flow.dialog_step`), for an edge that keeps nothing
between them (Teams), and which of a case's cards is the one clicked (`outbound.clicked_among`)."""

from __future__ import annotations

from typing import Any

from bot.core import flow
from bot.core.actions import LastAction
from bot.teams import cards
from bot.teams.outbound import clicked_among
from handlers.delivery import SentMessage
from handlers.i18n import t
from handlers.report import ReportForm, file_report
from handlers.services import Services

TEACHER = "laerer1@nordby.example"
LEADER = "trinn8@nordby.example"
UNKNOWN = "not known here"


def _step(services: Services, data: dict[str, Any], actor: str | None, **kw: Any) -> object:
    asked = cards.asked(data, **kw)
    return flow.dialog_step(services, asked, actor, "nb", unknown=UNKNOWN, platform="teams")


def test_a_dialog_opens_checks_runs_and_submits_as_the_core_says(services: Services) -> None:
    ref = file_report(services, ReportForm(pupils="Ola N.", what="Dyttet"), TEACHER).ref
    # The report opens for anyone, with what was typed in the chat; a case's form only for a
    # person the edge can name, after its access check.
    report = _step(services, {"dialog": "report", "what": "Dyttet"}, None, opens=True)
    assert isinstance(report, flow.Shown) and report.opened.values["what"] == "Dyttet"
    assert _step(services, {"form": "note", "ref": ref}, None, opens=True) == flow.Notice(UNKNOWN)
    note = _step(services, {"form": "note", "ref": ref, "open": True}, LEADER)
    assert isinstance(note, flow.Shown) and note.opened.ref == ref
    # «Sjekk» draws the form again from its memo with what was typed; nothing is sent.
    memo = note.opened.memo()
    data = {"form": "note", "ref": ref, "key": "k", "opened": memo, "note": "Ringte", "check": 1}
    checked = _step(services, data, LEADER)
    assert isinstance(checked, flow.Shown) and checked.values["note"] == "Ringte"
    # A submission's problems keep the dialog open with the text as typed.
    empty = _step(services, {"form": "note", "ref": ref, "key": "k", "note": ""}, LEADER)
    assert isinstance(empty, flow.Shown) and "note" in empty.errors
    assert empty.values["key"] == "k"
    done = _step(services, {"form": "note", "ref": ref, "key": "k", "note": "Ringte"}, LEADER)
    assert isinstance(done, flow.Done) and done.result.outcome is not None
    # The case chosen shows its details; a form's verb is never run in place.
    chosen = _step(services, {"dialog": "case", "ref": ref}, LEADER)
    assert isinstance(chosen, flow.Details)
    forged = _step(services, {"dialog": "run", "verb": "close", "ref": ref}, LEADER)
    assert forged == flow.Notice(t("nb", "chat.error.try_again"))
    assert flow.run(services, "open", ref, LEADER, "nb") == forged  # a card runs actions only


def _refresh(recipient: str, platform_ref: str | None) -> flow.Refresh:
    sent = SentMessage("new_case", recipient, "nb", {}, platform_ref)
    return flow.Refresh(sent, "acknowledged", LastAction("acknowledge", "Line"))


def test_the_clicked_card_is_known_by_its_id_or_else_as_the_actors_own() -> None:
    mine, theirs = _refresh(LEADER, "conv-a|1"), _refresh("rektor@nordby.example", "conv-b|2")
    no_id = _refresh(LEADER, "conv-c")
    assert clicked_among([mine, theirs, no_id], LEADER, "2") == (theirs, [mine])
    # A connector that returns no usable ids (the Agents Playground): the actor's own card.
    assert clicked_among([mine, theirs], LEADER, "unknown") == (mine, [theirs])
    assert clicked_among([mine, theirs], LEADER, None) == (None, [mine, theirs])

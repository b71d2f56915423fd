"""The leader's review of a copy for one party, in Teams: the export dialog answers with what
was replaced (a dialog after the access check), and no chat message carries it."""

from __future__ import annotations

import json

from tests.teams_harness import TeamsHarness, actions_of
from tests.test_teams_flows import LEADER, SCRIPT, teams, teams_form, teams_report

__all__ = ["teams"]  # the fixture


def test_the_export_dialog_shows_the_review_of_the_copy(teams: TeamsHarness) -> None:
    teams_report(teams)
    card_ = teams.cards_to(LEADER)[0]
    for verb in ("acknowledge", "investigate"):
        [action] = [a for a in actions_of(card_) if a.get("verb") == verb]
        teams.card_action(LEADER, verb, action["data"])
    for name, values in SCRIPT[:2]:  # a note and the plan
        teams_form(teams, name, values)
    answer = teams_form(
        teams, "export", {"document": "innsyn", "format": "html", "anonymize_others": "1"}
    )
    shown = answer["task"]["value"]
    assert "Les gjennom før kopien gis ut" in shown
    # Kari is named in the report (the plan is Ola's own: one plan per pupil).
    assert "elev 2: Kari M. (skrevet som Kari M; antall: " in shown
    for posted in teams.fake.requests:
        if posted.method in ("POST", "PUT") and "/v3/conversations/" in posted.path:
            body = json.dumps(posted.body, ensure_ascii=False)
            assert "Kari M" not in body and "Les gjennom" not in body

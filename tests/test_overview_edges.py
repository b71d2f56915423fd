"""Issue 21 #15: rektor's overview on every edge — the console's menu, Slack's App Home
(views.publish, over HTTP) and the Teams home card — with search, sort, pages, and each
opening of a case from it logged once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.teams import cards
from handlers import review
from handlers.clock import FixedClock
from handlers.services import Services
from store.models import Event
from tests.fakes.signing import app_home_opened, block_actions, button, event_body
from tests.followup_helpers import OSLO
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.teams_harness import TeamsHarness, actions_of, dialog_card, teams_bot, texts
from tests.test_console import menu_of, run, who
from tests.test_teams import make_services

from .planning import LEADER, REKTOR, TEACHER, filed


def viewed(services: Services, actor: str) -> list[dict[str, str]]:
    with services.uow() as s:
        rows = s.scalars(select(Event.data).where(Event.type == "viewed", Event.actor == actor))
        return [json.loads(r) for r in rows]


def some_cases(services: Services, clock: FixedClock, count: int = 3) -> list[str]:
    refs = []
    for n in range(count):
        clock.set(datetime(2026, 12, 1 + n % 5, 10, n % 50, tzinfo=OSLO))
        refs.append(filed(services))
    review.start_investigation(services, refs[0], LEADER)
    review.close(services, refs[0], LEADER, "Eleven har det bra.")
    clock.set(datetime(2026, 12, 6, 12, tzinfo=OSLO))
    return refs


def test_the_console_lists_searches_sorts_and_opens(services: Services, clock: FixedClock) -> None:
    refs = some_cases(services, clock)
    shown = run(
        services,
        [who(services, REKTOR), "9", "c", "s", "2", "1", "", "", "7"],
    )
    assert "Oversikt over saker" in menu_of(shown, "Hva vil du gjøre")[-1]
    assert "Alle saker ved skolen – 3 saker: ny 2, avsluttet 1" in shown
    assert "ny (2)" in shown and "avsluttet (1)" in shown
    assert f"1) {refs[1]} · ny · 8. trinn · meldt onsdag 2. desember (4 dager)" in shown
    assert f"{refs[0]} · avsluttet · 8. trinn · meldt tirsdag 1. desember" in shown
    assert "Saksnummer «2»: 1 sak" in shown  # the search
    assert f"Sak {refs[1]} – ny. Hva vil du gjøre?" in shown  # opened from the list
    assert viewed(services, REKTOR) == [{"what": "details"}]  # one opening, one entry


def test_a_teacher_has_no_overview_a_leader_their_own(
    services: Services, clock: FixedClock
) -> None:
    some_cases(services, clock)
    shown = run(services, [who(services, TEACHER), "9", "", "7"])
    assert "Oversikt over saker" not in shown and "Ugyldig valg" in shown  # not offered
    shown = run(services, [who(services, LEADER), "9", "", "7"])
    assert "Saker du har som leder – 3 saker" in shown


# --- Slack: App Home ---------------------------------------------------------------------------


@pytest.fixture
def bot(services: Services) -> Iterator[SlackBot]:
    with slack_bot(services) as running:
        yield running


def published(bot: SlackBot, count: int) -> dict[str, Any]:
    params = bot.fake.wait_for("views.publish", count=count)[count - 1].params
    view = params["view"]
    shown = dict(json.loads(view) if isinstance(view, str) else view)
    return {**shown, "id": f"VHOME{count}", "hash": "1.x", "state": {"values": {}}}


def home_texts(view: dict[str, Any]) -> str:
    """The overview's part of App Home (what waits for the person comes before it)."""
    blocks = view["blocks"]
    start = next(
        (n for n, b in enumerate(blocks) if b.get("block_id") == "overview_search"), len(blocks)
    )
    return json.dumps(blocks[max(0, start - 2) :], ensure_ascii=False)


def test_slack_app_home_shows_rektor_the_school_and_searches_sorts_pages(
    bot: SlackBot, clock: FixedClock
) -> None:
    refs = some_cases(bot.services, clock, count=25)
    bot.post(event_body(app_home_opened(PEOPLE[REKTOR])))
    home = published(bot, 1)
    shown = home_texts(home)
    assert len(home["blocks"]) <= 100
    assert "Alle saker ved skolen" in shown and "25 saker: ny 24, avsluttet 1" in shown
    assert "Side 1 av 2" in shown and "Ola" not in shown
    search = next(b for b in home["blocks"] if b.get("block_id") == "overview_search")
    assert search["dispatch_action"] is True
    # Enter in the search field: the home again, with the one case found.
    bot.interact(
        block_actions(
            {
                "action_id": "overview_search",
                "block_id": "overview_search",
                "value": "MF-0002",
                "type": "plain_text_input",
            },
            user_id=PEOPLE[REKTOR],
            view=home,
        )
    )
    found = home_texts(published(bot, 2))
    assert "Saksnummer «MF-0002»: 1 sak" in found
    assert f"case:{refs[1]}" in found and f"case:{refs[2]}" not in found
    # The next page, then a sort: each is a button carrying the query.
    pages = next(b for b in home["blocks"] if b.get("block_id") == "overview_pages")
    [following] = pages["elements"]
    bot.interact(
        block_actions(
            button(following["action_id"], following["value"]), user_id=PEOPLE[REKTOR], view=home
        )
    )
    second = home_texts(published(bot, 3))
    assert "Side 2 av 2" in second and refs[0] in second  # the closed one comes last
    # Opening a case from the overview: the case modal, logged once.
    line = next(b for b in home["blocks"] if str(b.get("block_id", "")).startswith("case:"))
    ref = line["block_id"].split(":", 1)[1]
    bot.interact(block_actions(button("case_open", ref), user_id=PEOPLE[REKTOR], view=home))
    bot.fake.wait_for("views.open")
    assert viewed(bot.services, REKTOR) == [{"what": "details"}]


def test_slack_app_home_of_a_teacher_has_no_overview(bot: SlackBot, clock: FixedClock) -> None:
    some_cases(bot.services, clock)
    bot.post(event_body(app_home_opened(PEOPLE[TEACHER])))
    shown = home_texts(published(bot, 1))
    assert "overview_search" not in shown and "Alle saker ved skolen" not in shown


# --- Teams: the home card ----------------------------------------------------------------------


def overview_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons of the overview's part of the home card (after its search field)."""
    body = card["body"]
    start = next(n for n, e in enumerate(body) if e.get("id") == "overview_text")
    return actions_of({"body": body[start:]})


@pytest.fixture
def teams(tmp_path: Path) -> Iterator[TeamsHarness]:
    with teams_bot(make_services(tmp_path)) as harness:
        yield harness


def test_teams_home_card_shows_rektor_the_school_and_searches_sorts_pages(
    teams: TeamsHarness,
) -> None:
    clock = teams.services.clock
    assert isinstance(clock, FixedClock)
    refs = some_cases(teams.services, clock, count=25)
    teams.say(REKTOR, "saker")
    home = teams.cards_to(REKTOR)[-1]
    lines = texts(home)
    assert "Alle saker ved skolen" in lines and "25 saker: ny 24, avsluttet 1" in lines
    assert "Side 1 av 2" in lines and not any("Ola" in line for line in lines)
    assert cards.size_of(home) <= cards.MAX_CARD_BYTES  # Teams refuses a bigger message
    buttons = [a for a in actions_of(home) if a.get("verb") == "overview"]
    search = next(a for a in buttons if a["data"].get("search"))
    answer = teams.card_action(REKTOR, "overview", {**search["data"], "overview_text": "MF-0002"})
    found = answer["value"]
    assert "Saksnummer «MF-0002»: 1 sak" in texts(found)
    opened = [
        a["data"]["ref"] for a in overview_actions(found) if a["data"].get("dialog") == "case"
    ]
    assert refs[1] in opened and refs[2] not in opened
    following = next(a for a in buttons if a["title"] == "Neste side")
    second = teams.card_action(REKTOR, "overview", following["data"])["value"]
    assert "Side 2 av 2" in texts(second)
    by_age = next(a for a in buttons if a["title"] == "Etter alder")
    assert teams.card_action(REKTOR, "overview", by_age["data"])["value"]["type"] == "AdaptiveCard"
    # Opening a case from the overview: the case dialog after the access check, logged once.
    details = dialog_card(teams.open_dialog(REKTOR, {"dialog": "case", "ref": opened[0]}))
    assert texts(details)
    assert viewed(teams.services, REKTOR) == [{"what": "details"}]


def test_teams_home_of_a_teacher_has_no_overview(teams: TeamsHarness) -> None:
    clock = teams.services.clock
    assert isinstance(clock, FixedClock)
    some_cases(teams.services, clock)
    teams.say(TEACHER, "saker")
    assert "Alle saker ved skolen" not in texts(teams.cards_to(TEACHER)[-1])

"""Issue 21 #15: rektor's overview on every edge — the console's menu, Slack's App Home
(views.publish, over HTTP) and the Teams home card — with search, sort, pages, and each
opening of a case from it logged once."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from handlers import review
from handlers.clock import FixedClock
from handlers.services import Services
from store.models import Event
from tests.followup_helpers import OSLO
from tests.test_console import menu_of, run, who

from .planning import LEADER, REKTOR, TEACHER, filed


def viewed(services: Services, actor: str) -> list[dict[str, str]]:
    with services.uow() as s:
        rows = s.scalars(select(Event.data).where(Event.type == "viewed", Event.actor == actor))
        return [json.loads(r) for r in rows]


def some_cases(services: Services, clock: FixedClock, count: int = 3) -> list[str]:
    refs = []
    for day in range(1, count + 1):
        clock.set(datetime(2026, 12, day, 10, tzinfo=OSLO))
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
    shown = run(services, [who(services, TEACHER), "9", "7"])
    assert "Ingenting her" in shown or "Ingen" in shown
    shown = run(services, [who(services, LEADER), "9", "", "7"])
    assert "Saker du har som leder – 3 saker" in shown

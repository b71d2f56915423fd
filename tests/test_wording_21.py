"""Issue 21 #6: the wording fixed, one test per item — the yes/no asked once, the role not
said twice, tiltak not numbered twice, "1 skole", rounds dated in words."""

from __future__ import annotations

import io
from datetime import date

import pytest

from bot import text
from bot.console import Console
from bot.core import forms
from handlers.counts import counted, org_counts
from handlers.followup import ALREADY, RAN, RoundResult
from handlers.org import Org
from handlers.services import Services
from tests.test_console import Keyboard, who

from .planning import LEADER, TEACHER, planned


def test_the_urgent_toggle_is_asked_as_one_question(services: Services) -> None:
    answers = [who(services, TEACHER), "1", "A.B.", "Dyttet i gangen", "", "", "", "", "", "j"]
    keyboard = Keyboard([*answers, "7"])
    out = io.StringIO()
    Console(services, read=keyboard, out=out).run()  # type: ignore[arg-type]
    asked = [p for p in keyboard.prompts if "(j/n" in p]
    assert asked == ["Haster det – trenger eleven hjelp nå? (j/n, Enter: nei): "], asked
    assert "Meldingen er lagret som sak MF-0001." in out.getvalue()


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("nb", "Du får saken som nærmeste leder for 8. trinn."),
        ("nn", "Du får saka som nærmaste leiar for 8. trinn."),
        ("en", "You get the case as the nearest leader for 8. trinn."),
    ],
)
def test_the_leaders_role_is_said_once(lang: str, line: str) -> None:
    data = {
        "ref": "MF-0001",
        "school_name": "Nordby skole",
        "role": "leader",
        "reason": "route.reason.nearest_leader",
        "unit": "8. trinn",
        "urgent": False,
        "section": "12-4",
        "categories": ["mobbing"],
    }
    lines = text.lines("new_case", lang, data, edge="console")
    assert line in lines, lines
    rektor = {**data, "role": "rektor", "reason": "route.reason.rektor_always"}
    assert "Du får saken som rektor: rektor skal alltid informeres." in text.lines(
        "new_case", "nb", rektor, edge="console"
    )


def test_tiltak_are_not_numbered_twice(services: Services) -> None:
    ref = planned(services)
    opened = forms.open_form(services, "tiltak_done", LEADER, ref=ref)
    field = next(f for f in opened.form.fields() if isinstance(f, forms.Field))
    labels = [c.text("nb") for c in opened.choices_of(field)]
    assert labels[0] == "Tiltak 1: Voksen til stede i storefri"
    assert not labels[0].startswith("1.")
    assert [c.text("en") for c in opened.choices_of(field)][0].startswith("Measure 1: ")


def test_one_school_is_one_skole(org: Org) -> None:
    assert counted("nb", "school", 1) == "1 skole"
    assert counted("nb", "school", 2) == "2 skoler"
    assert counted("nn", "school", 1) == "1 skule"
    assert counted("en", "person", 1) == "1 person"
    assert org_counts("nb", org).startswith(f"{len(org.schools)} skoler, ")
    one = Org(owner=org.owner, schools=org.schools[:1])
    assert org_counts("nb", one).startswith("1 skole, ")


def test_rounds_are_dated_in_words_not_iso() -> None:
    day = date(2026, 11, 23).isoformat()
    for status in (ALREADY, RAN):  # RAN with nothing queued: "ingenting å sende for …"
        result = RoundResult("nordby", "reminders", status, day)
        [line] = text.round_lines("nb", result)
        assert "mandag 23. november" in line and day not in line, line


def test_months_and_periods_in_titles_are_words_not_iso() -> None:
    from bot.stats_render import month_label, period_label

    month = {"period": {"from": "2026-11-01", "to": "2026-11-30"}}
    assert period_label(month, "nb") == "november 2026"
    year = {"period": {"from": "2026-08-01", "to": "2027-07-31"}}
    assert period_label(year, "nb") == "1. august 2026 – 31. juli 2027"
    assert period_label(year, "en") == "1 August 2026 – 31 July 2027"
    assert month_label("2026-11", "nn") == "november 2026"

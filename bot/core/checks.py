"""A field's hint: what the typed value was understood as, before anything is saved.

A field may declare `Field.understand`, a function of the typed value (and the school it is
read for) that returns a `Hint`: one short line, either what was understood ("Forstått:
mandag 7. desember, i friminuttet") or a problem that says what would work. Every edge shows
it where the person types: the console at once under the field, Slack in the modal under the
field (after a `dispatch_action`), Teams in the dialog (its «Sjekk» button). The handler
still checks everything when the form is submitted; a hint only says it early.

This module knows no form (bot.core.forms imports it), so the functions here take only the
text and a `Reading`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.dates import UNREADABLE, Mode, WhenError, format_when, parse_when
from handlers.errors import Problem
from handlers.i18n import t
from handlers.org import School
from handlers.services import Services


@dataclass(frozen=True)
class Hint:
    text: str
    ok: bool  # True: what was understood; False: a problem (and what would work)


@dataclass(frozen=True)
class Reading:
    """What a value is read against: the school (its zone and day) and the reader's language."""

    services: Services
    school: School
    lang: str


Understand = Callable[[Reading, str], Hint | None]


def _when(mode: Mode, *, words_allowed: bool = False, school_day: bool = False) -> Understand:
    """A time as the handler reads it: `mode` past (it happened) or future (a due date).
    `words_allowed`: a text that is no date at all is kept as it is ("hvert friminutt"), and
    the hint says so. `school_day`: school moments are placed by the school's day (org.yml),
    as the report's handler does."""

    def understand(reading: Reading, typed: str) -> Hint | None:
        if not typed.strip():
            return None
        school = reading.school
        now = reading.services.clock.now()
        try:
            when = parse_when(
                typed,
                now=now,
                tz=school.timezone,
                mode=mode,
                school_day=school.day if school_day else None,
            )
        except WhenError as exc:
            if words_allowed and exc.key == UNREADABLE:
                return Hint(t(reading.lang, "hint.not_a_date"), True)
            return Hint(Problem(exc.key, exc.problem_args()).text(reading.lang), False)
        understood = format_when(when, reading.lang, now=now)
        return Hint(t(reading.lang, "hint.understood", when=understood), True)

    return understand


# The hint functions fields declare (bot.core.forms).
PAST_TIME = _when("past", school_day=True)  # a report's when: "i dag i friminuttet"
PAST_DAY = _when("past")  # the day something was done: "i går", "mandag"
FUTURE_DATE = _when("future")  # an evaluation's date: "om to uker"
FUTURE_OR_WORDS = _when("future", words_allowed=True)  # a tiltak's "when": a date or words

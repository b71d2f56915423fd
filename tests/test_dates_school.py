"""How staff say when: a day and a part of it or a school moment, and periods (nb, nn, en).

Each phrase goes through the real parser with the fixture's base time (Wednesday 25 November
2026, 13.30 in Oslo) and the school day from org.yml (`day: {starts, recess, ends}`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers.dates import SchoolDay, WhenError, format_when, parse_when

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 25, 13, 30, tzinfo=OSLO)  # a Wednesday
DAY = SchoolDay(starts=time(8, 15), recess=(time(10, 0), time(11, 30)), ends=time(14, 30))
TODAY, YESTERDAY = date(2026, 11, 25), date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "day", "part"),
    [
        # The phrases staff used that were refused before (issue 21), and their nn/en forms.
        ("i dag i friminuttet", TODAY, "recess"),
        ("i friminuttet", TODAY, "recess"),
        ("i storefri", TODAY, "long_recess"),
        ("nettopp", TODAY, None),
        ("nett no", TODAY, None),
        ("just now", TODAY, None),
        ("i dag tidlig", TODAY, "morning"),
        ("i dag tidleg", TODAY, "morning"),
        ("this morning", TODAY, "morning"),
        ("i morges", TODAY, "morning"),
        ("at recess", TODAY, "recess"),
        ("yesterday at recess", YESTERDAY, "recess"),
        ("i går i friminuttet", YESTERDAY, "recess"),
        ("i går i storefri", YESTERDAY, "long_recess"),
        ("i midttimen", TODAY, "midday"),
        ("i matpausen", TODAY, "lunch"),
        ("at lunch", TODAY, "lunch"),
        ("før skolen", TODAY, "before_school"),
        ("før skulen", TODAY, "before_school"),
        ("before school", TODAY, "before_school"),
        ("i går etter skolen", YESTERDAY, "after_school"),
        ("i går etter skulen", YESTERDAY, "after_school"),
        ("yesterday after school", YESTERDAY, "after_school"),
        ("i første time", TODAY, "first_lesson"),
        ("i fyrste time", TODAY, "first_lesson"),
        ("i siste time", TODAY, "last_lesson"),
        ("i går i siste time", YESTERDAY, "last_lesson"),
        ("i gymtimen", TODAY, "gym"),
        ("fredag i gymtimen", date(2026, 11, 20), "gym"),
        ("in PE", TODAY, "gym"),
        ("på bussen", TODAY, "bus"),
        ("i går på bussen", YESTERDAY, "bus"),
        ("on the bus", TODAY, "bus"),
        ("på skoleveien", TODAY, "way_to_school"),
        ("på skulevegen", TODAY, "way_to_school"),
        ("on the way to school", TODAY, "way_to_school"),
        ("i kveld", TODAY, "evening"),
        ("i går kveld", YESTERDAY, "evening"),
        ("i går kveld", YESTERDAY, "evening"),
        ("tidligere i dag", TODAY, None),
        ("tidlegare i dag", TODAY, None),
        ("earlier today", TODAY, None),
        ("for en time siden", TODAY, None),
        ("for ein time sidan", TODAY, None),
        ("an hour ago", TODAY, None),
    ],
)
def test_a_day_and_a_part_of_it(text: str, day: date, part: str | None) -> None:
    when = parse_when(text, now=NOW, mode="past", school_day=DAY)
    assert when.at.date() == day
    assert when.part == part
    assert when.until is None


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("i helgen", date(2026, 11, 21), date(2026, 11, 22)),
        ("i helga", date(2026, 11, 21), date(2026, 11, 22)),
        ("at the weekend", date(2026, 11, 21), date(2026, 11, 22)),
        ("over the weekend", date(2026, 11, 21), date(2026, 11, 22)),
        ("i forrige uke", date(2026, 11, 16), date(2026, 11, 22)),
        ("i førre veke", date(2026, 11, 16), date(2026, 11, 22)),
        ("last week", date(2026, 11, 16), date(2026, 11, 22)),
        ("denne uka", date(2026, 11, 23), date(2026, 11, 25)),
        ("this week", date(2026, 11, 23), date(2026, 11, 25)),
    ],
)
def test_periods(text: str, first: date, last: date) -> None:
    when = parse_when(text, now=NOW, mode="past", school_day=DAY)
    assert (when.at.date(), when.until) == (first, last)


def test_the_weekend_on_a_saturday_is_this_one_and_last_weekend_the_one_before() -> None:
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=OSLO)
    assert parse_when("i helgen", now=saturday).until == date(2026, 11, 29)
    assert parse_when("forrige helg", now=saturday).until == date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        # Today's moments that have not come yet are the future; the school day says when.
        ("i dag etter skolen", "when.future"),
        ("etter skolen", "when.future"),
        ("i morgen i friminuttet", "when.future"),
        ("i friminuttet på bussen", "when.unreadable"),
        ("i går i morges", "when.unreadable"),
        ("i friminuttet blabla", "when.unreadable"),
    ],
)
def test_what_cannot_be_placed_or_lies_ahead_is_refused(text: str, key: str) -> None:
    with pytest.raises(WhenError) as refused:
        parse_when(text, now=NOW, mode="past", school_day=DAY)
    assert refused.value.key == key


def test_recess_before_the_first_recess_is_refused_only_when_the_school_day_says_so() -> None:
    early = datetime(2026, 11, 25, 8, 30, tzinfo=OSLO)
    with pytest.raises(WhenError):
        parse_when("i friminuttet", now=early, school_day=DAY)
    assert parse_when("i friminuttet", now=early).at.date() == TODAY  # no day set: no claim


@pytest.mark.parametrize(
    ("text", "lang", "shown"),
    [
        ("i dag i friminuttet", "nb", "onsdag 25. november, i friminuttet"),
        ("i dag i friminuttet", "nn", "onsdag 25. november, i friminuttet"),
        ("i dag i friminuttet", "en", "Wednesday 25 November, at recess"),
        ("i går etter skulen", "nn", "tysdag 24. november, etter skulen"),
        ("i helgen", "nb", "helgen 21.–22. november"),
        ("i helgen", "nn", "helga 21.–22. november"),
        ("i forrige uke", "nb", "uke 47 (16.–22. november)"),
        ("i førre veke", "nn", "veke 47 (16.–22. november)"),
        ("last week", "en", "week 47 (16–22 November)"),
        ("fredag kveld kl 20", "nb", "fredag 20. november kl. 20.00"),
    ],
)
def test_what_was_understood_is_shown_back(text: str, lang: str, shown: str) -> None:
    when = parse_when(text, now=NOW, mode="past", school_day=DAY)
    assert format_when(when, lang, now=NOW) == shown


def test_a_period_across_months_names_both() -> None:
    monday = datetime(2026, 12, 2, 9, 0, tzinfo=OSLO)
    when = parse_when("i forrige uke", now=monday)
    assert format_when(when, "nb", now=monday) == "uke 48 (23.–29. november)"
    sunday = datetime(2026, 11, 1, 18, 0, tzinfo=OSLO)
    weekend = parse_when("i helgen", now=sunday)
    assert format_when(weekend, "nb", now=sunday) == "helgen 31. oktober–1. november"


@pytest.mark.parametrize("mode", ["future"])
def test_periods_are_for_what_happened(mode: Any) -> None:
    # A due date is a day: "neste uke" keeps meaning a week from today.
    assert parse_when("neste uke", now=NOW, mode=mode).until is None

"""Reading the times staff type: the shared fixture, generalisation, DST, formatting, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.dates import (
    FUTURE_TOLERANCE,
    When,
    WhenError,
    format_when,
    parse_when,
)

OSLO = ZoneInfo("Europe/Oslo")
# The fixture's base time: Wednesday 25 November 2026, 13.30 in Oslo.
NOW = datetime(2026, 11, 25, 13, 30, tzinfo=OSLO)
TODAY = NOW.date()


# A copy of the reference expressions staff type (50 rows, measured from real usage), kept in
# the repository so a fresh clone tests them.
FIXTURE = Path(__file__).resolve().parent / "data" / "dates-nb.tsv"


def _fixture_rows() -> list[Any]:
    if not FIXTURE.is_file():
        # A missing fixture must fail the suite, not shrink it to nothing (empty = skipped).
        return [pytest.param("", "", "", id="fixture-missing")]
    rows = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("mode\t"):
            continue
        mode, expression, expected = line.split("\t")
        rows.append(pytest.param(mode, expression, expected, id=f"{mode}:{expression}"))
    return rows


def _shown(when: When) -> str:
    """The fixture's notation: a day, or a day and minute when a time was given."""
    return f"{when.at:%Y-%m-%dT%H:%M}" if when.has_time else f"{when.at:%Y-%m-%d}"


# --- The shared fixture ---------------------------------------------------------------------


def test_fixture_is_present_and_complete() -> None:
    assert FIXTURE.is_file(), f"missing fixture {FIXTURE}"
    assert len(_fixture_rows()) == 50


@pytest.mark.parametrize(("mode", "expression", "expected"), _fixture_rows())
def test_fixture_row(mode: Any, expression: str, expected: str) -> None:
    if not mode:
        pytest.fail(f"missing fixture {FIXTURE}")
    if expected == "ERROR":
        with pytest.raises(WhenError) as refused:
            parse_when(expression, now=NOW, mode=mode)
        assert refused.value.text == expression
        return
    when = parse_when(expression, now=NOW, mode=mode)
    assert _shown(when) == expected
    assert when.has_time == ("T" in expected)
    assert when.at.tzinfo == OSLO


# --- Forms beyond the fixture ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expression", "expected"),
    [
        ("past", "forrige tirsdag kl 8", "2026-11-24T08:00"),
        ("past", "for tre uker siden", "2026-11-04"),
        ("future", "om 3 dagar", "2026-11-28"),
        ("future", "onsdag 2. desember", "2026-12-02"),
        ("past", "i går klokka 9.45", "2026-11-24T09:45"),
        ("future", "2.12.2026", "2026-12-02"),
        ("past", "last monday", "2026-11-23"),
        ("future", "in 3 days", "2026-11-28"),
        # Spacing, case, punctuation and glued forms.
        ("past", "  I GÅR   KL 14! ", "2026-11-24T14:00"),
        ("past", "i går, kl. 14.", "2026-11-24T14:00"),
        ("past", "i går kl14", "2026-11-24T14:00"),
        ("past", "kl.9", "2026-11-25T09:00"),
        ("past", "24/11/2026 kl 0930", "2026-11-24T09:30"),
        ("past", "kl ti", "2026-11-25T10:00"),
        # The dot: a time after a known day, else a date; a weekday plus d.m is a date.
        ("past", "i går 14.30", "2026-11-24T14:30"),
        ("past", "i går 3.11", "2026-11-24T03:11"),
        ("past", "fredag 14.30", "2026-11-20T14:30"),
        ("future", "fredag 4.12", "2026-12-04"),
        ("past", "3.11.26", "2026-11-03"),
        ("past", "2026-11-03", "2026-11-03"),
        ("past", "den 3. nov.", "2026-11-03"),
        ("past", "3 november 2025", "2025-11-03"),
        # Weekdays: the past counts today, the future starts tomorrow, forrige/neste never today.
        ("past", "onsdag", "2026-11-25"),
        ("future", "onsdag", "2026-12-02"),
        ("past", "forrige onsdag", "2026-11-18"),
        ("future", "neste onsdag", "2026-12-02"),
        ("past", "på fredag", "2026-11-20"),
        ("past", "søn", "2026-11-22"),
        ("past", "fredag kveld kl 20", "2026-11-20T20:00"),
        ("past", "i går kveld", "2026-11-24"),
        # Offsets.
        ("past", "for 2 timer siden", "2026-11-25T11:30"),
        ("past", "for 30 minutter siden", "2026-11-25T13:00"),
        ("past", "forrige uke", "2026-11-16"),  # the week: Monday to Sunday
        ("past", "2 veker sidan", "2026-11-11"),
        ("future", "neste uke", "2026-12-02"),
        ("future", "om ei veke", "2026-12-02"),
        ("future", "om to dager kl 10", "2026-11-27T10:00"),
        ("future", "i overmorgon", "2026-11-27"),
        ("future", "29.02", "2028-02-29"),
        # Today is allowed in the future mode, at any time.
        ("future", "i dag", "2026-11-25"),
        ("future", "kl 10", "2026-11-25T10:00"),
        # Within the five minutes' tolerance.
        ("past", "kl 13.34", "2026-11-25T13:34"),
        ("past", "akkurat nå", "2026-11-25T13:30"),
        # English, and English mixed with Norwegian.
        ("past", "now", "2026-11-25T13:30"),
        ("past", "yesterday at 14:30", "2026-11-24T14:30"),
        ("past", "yesterday kl 14", "2026-11-24T14:00"),
        ("past", "2 hours ago", "2026-11-25T11:30"),
        ("past", "tuesday morning", "2026-11-24"),
        ("future", "15 january", "2027-01-15"),
    ],
)
def test_generalises(mode: Any, expression: str, expected: str) -> None:
    assert _shown(parse_when(expression, now=NOW, mode=mode)) == expected


def test_no_time_means_midnight_in_the_zone() -> None:
    when = parse_when("i går", now=NOW)
    assert when == When(datetime(2026, 11, 24, tzinfo=OSLO), has_time=False)


def test_now_in_another_zone_is_read_in_the_schools_zone() -> None:
    assert parse_when("i går kl 14", now=NOW.astimezone(UTC)) == parse_when("i går kl 14", now=NOW)
    # 23.30 UTC is already the next day in Oslo.
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert parse_when("i dag", now=late).at.date() == date(2026, 11, 26)
    assert parse_when("i dag", now=late, tz="UTC").at.date() == date(2026, 11, 25)


def test_naive_now_is_wall_time_in_the_zone() -> None:
    assert parse_when("kl 12", now=NOW.replace(tzinfo=None)) == parse_when("kl 12", now=NOW)


# --- Daylight saving ------------------------------------------------------------------------


def test_yesterday_at_14_after_spring_forward() -> None:
    # Summer time began at 02.00 on Sunday 29 March 2026.
    when = parse_when("i går kl 14", now=datetime(2026, 3, 30, 10, 0, tzinfo=OSLO))
    assert when.at == datetime(2026, 3, 29, 14, 0, tzinfo=OSLO)
    assert when.at.utcoffset() == timedelta(hours=2)


def test_yesterday_at_14_after_fall_back() -> None:
    # Summer time ended at 03.00 on Sunday 25 October 2026.
    when = parse_when("i går kl 14", now=datetime(2026, 10, 26, 10, 0, tzinfo=OSLO))
    assert when.at == datetime(2026, 10, 25, 14, 0, tzinfo=OSLO)
    assert when.at.utcoffset() == timedelta(hours=1)


def test_skipped_wall_time_becomes_the_real_instant() -> None:
    # 02.30 on 29 March 2026 never happened in Oslo; it reads as 03.30 summer time.
    when = parse_when("i går kl 2.30", now=datetime(2026, 3, 30, 10, 0, tzinfo=OSLO))
    assert (when.at.hour, when.at.minute, when.at.utcoffset()) == (3, 30, timedelta(hours=2))
    assert when.at == when.at.astimezone(UTC).astimezone(OSLO)


def test_repeated_wall_time_is_the_first_one() -> None:
    when = parse_when("i går kl 2.30", now=datetime(2026, 10, 26, 10, 0, tzinfo=OSLO))
    assert (when.at.hour, when.at.utcoffset()) == (2, timedelta(hours=2))


def test_hours_ago_count_real_hours_across_the_change() -> None:
    now = datetime(2026, 3, 29, 3, 30, tzinfo=OSLO)  # 01.30 UTC, an hour after the change
    when = parse_when("for 2 timer siden", now=now)
    # Python's same-zone arithmetic is wall-clock arithmetic, so compare in UTC.
    assert when.at == now.astimezone(UTC) - timedelta(hours=2)
    assert (when.at.hour, when.at.minute) == (0, 30)


# --- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expression", "key"),
    [
        ("past", "i morgen", "when.future"),
        ("past", "neste uke", "when.future"),
        ("past", "om to dager", "when.future"),
        ("past", "neste år", "when.future"),
        ("past", "kl 15", "when.future"),
        ("past", "kl 13.36", "when.future"),
        ("past", "in a month", "when.future"),
        ("future", "i går", "when.past"),
        ("future", "forrige fredag", "when.past"),
        ("past", "i går kl 25", "when.out_of_range"),
        ("past", "kl 24", "when.out_of_range"),
        ("past", "kl 10.60", "when.out_of_range"),
        ("past", "32.13", "when.out_of_range"),
        ("past", "31.11", "when.out_of_range"),
        ("past", "29.02.2027", "when.out_of_range"),
        ("past", "3. november 2023", "when.out_of_range"),
        ("past", "for 5000 år siden", "when.out_of_range"),
        ("future", "om 9999 dager", "when.out_of_range"),
        ("future", "1.1.2029", "when.out_of_range"),
        ("past", "blablabla", "when.unreadable"),
        ("past", "", "when.unreadable"),
        ("past", "   ", "when.unreadable"),
        ("past", "den", "when.unreadable"),
        ("past", "12", "when.unreadable"),
        ("past", "november 2026", "when.unreadable"),
        ("past", "i går i dag", "when.unreadable"),
        ("past", "kl 10 kl 11", "when.unreadable"),
        ("past", "nå kl 10", "when.unreadable"),
        ("future", "fredag 4.11", "when.weekday_mismatch"),  # a Wednesday
        ("past", "kl tolvish", "when.unreadable"),  # never handed to dateparser
        ("past", "i går " + "x" * 100, "when.unreadable"),
    ],
)
def test_error_keys(mode: Any, expression: str, key: str) -> None:
    with pytest.raises(WhenError) as refused:
        parse_when(expression, now=NOW, mode=mode)
    assert refused.value.key == key


def test_error_keeps_what_was_typed() -> None:
    typed = "  I går KL 25 "
    with pytest.raises(WhenError) as refused:
        parse_when(typed, now=NOW)
    assert isinstance(refused.value, ValueError)
    assert refused.value.text == typed
    assert str(refused.value) == f"when.out_of_range: {typed!r}"


# --- Showing the time understood ------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "with_time", "without_time"),
    [
        ("nb", "tirsdag 24. november kl. 14.00", "tirsdag 24. november"),
        ("nn", "tysdag 24. november kl. 14.00", "tysdag 24. november"),
        ("en", "Tuesday 24 November 14:00", "Tuesday 24 November"),
    ],
)
def test_format_when(lang: str, with_time: str, without_time: str) -> None:
    at = datetime(2026, 11, 24, 14, 0, tzinfo=OSLO)
    assert format_when(When(at, True), lang, now=NOW) == with_time
    assert format_when(When(at.replace(hour=0), False), lang, now=NOW) == without_time


def test_format_when_names_another_year() -> None:
    when = parse_when("15.01", now=NOW, mode="future")
    assert format_when(when, now=NOW) == "fredag 15. januar 2027"
    assert format_when(when, "nn", now=NOW) == "fredag 15. januar 2027"
    assert format_when(when, "en", now=NOW) == "Friday 15 January 2027"
    assert format_when(parse_when("laurdag kl 9.05", now=NOW), "nn", now=NOW) == (
        "laurdag 21. november kl. 09.05"
    )


def test_format_when_language_codes() -> None:
    when = parse_when("i går kl 14", now=NOW)
    assert format_when(when, "nn-NO", now=NOW) == "tysdag 24. november kl. 14.00"
    assert format_when(when, "en-GB", now=NOW) == "Tuesday 24 November 14:00"
    assert format_when(when, "xx", now=NOW) == format_when(when, "nb", now=NOW)


def test_format_when_uses_the_real_year_without_now() -> None:
    this_year = datetime.now(OSLO).year
    when = When(datetime(this_year, 3, 2, tzinfo=OSLO), False)
    assert str(this_year) not in format_when(when)
    assert format_when(When(datetime(this_year - 1, 3, 2, tzinfo=OSLO), False)).endswith(
        f"mars {this_year - 1}"
    )


# --- Properties -----------------------------------------------------------------------------

NOWS = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 12, 31),
    timezones=st.just(OSLO),
    allow_imaginary=False,
)
VOCABULARY = st.sampled_from(
    "i går igår dag i forgårs morgen morgon kl klokka 14 9.45 25 3.11 20.11. 24/11 32.13 "
    "fredag forrige førre neste mandag tysdag for om to en ein 2 dager dagar uker veker "
    "måned månad år timer siden sidan 3. november desember 2026 15.01.2027 nå den på "
    "yesterday at 2pm last friday ago in weeks 14:30 , . !".split()
)


def _check_mode(when: When, now: datetime, mode: str) -> None:
    assert when.at.tzinfo == OSLO
    if not when.has_time:
        assert (when.at.hour, when.at.minute) == (0, 0)
    if mode == "past":
        assert when.at <= now + FUTURE_TOLERANCE
    else:
        assert when.at.date() >= now.date()


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120), mode=st.sampled_from(["past", "future"]))
def test_any_text_gives_a_when_or_a_when_error(text: str, mode: Any) -> None:
    try:
        when = parse_when(text, now=NOW, mode=mode)
    except WhenError as refused:
        assert refused.text == text
        return
    _check_mode(when, NOW, mode)


@settings(max_examples=500, deadline=None)
@given(
    words=st.lists(VOCABULARY, min_size=1, max_size=5),
    now=NOWS,
    mode=st.sampled_from(["past", "future"]),
)
def test_any_mix_of_our_words_respects_the_mode(words: list[str], now: datetime, mode: Any) -> None:
    try:
        when = parse_when(" ".join(words), now=now, mode=mode)
    except WhenError:
        return
    _check_mode(when, now, mode)

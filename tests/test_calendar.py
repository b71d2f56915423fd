"""School days: weekends, Norwegian public holidays, a school's breaks, and DST in Europe/Oslo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.calendar import SchoolCalendar

OSLO = ZoneInfo("Europe/Oslo")
AUTUMN_BREAK = (date(2026, 10, 5), date(2026, 10, 9))
CAL = SchoolCalendar(zone=OSLO, closed_days=(AUTUMN_BREAK,))
EIGHT = time(8, 0)


@pytest.mark.parametrize(
    ("day", "school_day"),
    [
        (date(2026, 11, 25), True),  # a Wednesday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2027, 5, 17), False),  # 17. mai, a Monday in 2027
        (date(2027, 5, 6), False),  # Kristi himmelfartsdag 2027
        (date(2027, 5, 7), True),  # the Friday after it
        (date(2026, 10, 7), False),  # the school's autumn break
        (date(2026, 10, 12), True),  # back after the break
        (date(2027, 3, 25), False),  # skjærtorsdag
        (date(2026, 12, 24), True),  # not a public holiday: a closed day only if org.yml says so
    ],
)
def test_school_days(day: date, school_day: bool) -> None:
    assert CAL.is_school_day(day) is school_day


def test_stepping_back_over_weekends_holidays_and_breaks() -> None:
    assert CAL.school_day_before(date(2026, 11, 30)) == date(2026, 11, 27)  # Monday → Friday
    assert CAL.school_day_before(date(2027, 5, 7)) == date(2027, 5, 5)  # over Kristi himmelfart
    assert CAL.school_day_before(date(2027, 5, 18)) == date(2027, 5, 14)  # 17. mai, weekend
    assert CAL.school_day_before(date(2026, 10, 12)) == date(2026, 10, 2)  # the autumn break
    assert CAL.school_day_before(date(2026, 10, 12), 2) == date(2026, 10, 1)


def test_counting_school_days() -> None:
    assert CAL.school_days_between(date(2026, 11, 23), date(2026, 11, 25)) == 2
    assert CAL.school_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1  # just Friday
    assert CAL.school_days_between(date(2026, 10, 1), date(2026, 10, 13)) == 3  # 1, 2 and 12 Oct
    assert CAL.school_days_between(date(2027, 5, 5), date(2027, 5, 10)) == 2  # not 6 May
    assert CAL.school_days_between(date(2026, 11, 25), date(2026, 11, 25)) == 0


@given(st.dates(date(2025, 1, 1), date(2028, 12, 31)), st.integers(0, 400))
def test_counting_agrees_with_walking_day_by_day(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    walked = sum(CAL.is_school_day(first + timedelta(days=i)) for i in range(length))
    assert CAL.school_days_between(first, last) == walked


def test_eight_oclock_stays_eight_oclock_across_daylight_saving() -> None:
    # Summer time starts on Sunday 29 March 2026 and ends on Sunday 25 October 2026.
    friday_before = CAL.local(date(2026, 3, 27), EIGHT)
    monday_after = CAL.next_school_morning(friday_before, EIGHT)
    assert monday_after == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # 08:00 CEST
    assert friday_before == datetime(2026, 3, 27, 7, 0, tzinfo=UTC)  # 08:00 CET
    autumn = CAL.next_school_morning(CAL.local(date(2026, 10, 23), EIGHT), EIGHT)
    assert autumn == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)

    # Local midnight too, on the day the clocks change (compared in UTC: Python subtracts
    # datetimes of one zone by their wall clocks).
    def day_length(day: date) -> timedelta:
        nxt = CAL.start_of(day + timedelta(days=1)).astimezone(UTC)
        return nxt - CAL.start_of(day).astimezone(UTC)

    assert day_length(date(2026, 3, 29)) == timedelta(hours=23)
    assert day_length(date(2026, 10, 25)) == timedelta(hours=25)


def test_next_school_morning_after_the_morning_is_the_next_school_day() -> None:
    wednesday_nine = datetime(2026, 11, 25, 9, 0, tzinfo=OSLO)
    assert CAL.next_school_morning(wednesday_nine, EIGHT) == datetime(
        2026, 11, 26, 8, 0, tzinfo=OSLO
    )
    wednesday_seven = datetime(2026, 11, 25, 7, 0, tzinfo=OSLO)
    assert CAL.next_school_morning(wednesday_seven, EIGHT) == datetime(
        2026, 11, 25, 8, 0, tzinfo=OSLO
    )


def test_a_school_that_never_opens_is_an_error_not_a_hang() -> None:
    never = SchoolCalendar(zone=OSLO, closed_days=((date(2020, 1, 1), date(2040, 1, 1)),))
    with pytest.raises(ValueError, match="closed_days"):
        never.school_day_before(date(2039, 1, 1))
    with pytest.raises(ValueError, match="closed_days"):
        never.next_school_morning(datetime(2026, 1, 1, tzinfo=OSLO), EIGHT)

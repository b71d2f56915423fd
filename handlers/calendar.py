"""School days and school mornings, in the school's own time zone.

A school day is a weekday that is neither a Norwegian public holiday (the `holidays` package)
nor one of the school's closed days from org.yml (autumn, Christmas, winter, Easter, summer
breaks). Every deadline in the follow-up counts school days, so a report filed before 17. mai
or the autumn break is not escalated while nobody is at school.

Local times are built with zoneinfo from the calendar date and the wall-clock time, never by
adding hours to an instant, so "08:00" stays 08:00 across the daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

# Imported at start (it loads every country's rules, ~0.2 s), not in the first 08:00 round.
from holidays.countries.norway import Norway

from handlers.org import School

# A school closed for more than ten years on end is a broken org.yml, not a calendar.
MAX_SEARCH_DAYS = 3660


@cache
def public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays in one year (Sundays are not counted as holidays here)."""
    return frozenset(Norway(years=year))


def parse_hhmm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


@dataclass(frozen=True)
class SchoolCalendar:
    zone: ZoneInfo
    closed_days: tuple[tuple[date, date], ...] = ()

    @classmethod
    def of(cls, school: School) -> SchoolCalendar:
        return cls(zone=school.zone, closed_days=school.closed_days)

    def is_closed(self, day: date) -> bool:
        """A public holiday or one of the school's own closed days (weekends aside)."""
        if day in public_holidays(day.year):
            return True
        return any(first <= day <= last for first, last in self.closed_days)

    def is_school_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_closed(day)

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def local(self, day: date, clock: time) -> datetime:
        """That wall-clock time on that day in the school's zone, as an aware datetime."""
        return datetime.combine(day, clock, tzinfo=self.zone)

    def start_of(self, day: date) -> datetime:
        return self.local(day, time(0, 0))

    def school_day_before(self, day: date, n: int = 1) -> date:
        """The n-th school day strictly before `day`."""
        found = 0
        for _ in range(MAX_SEARCH_DAYS):
            day -= timedelta(days=1)
            if self.is_school_day(day):
                found += 1
                if found == n:
                    return day
        raise ValueError("no school day within ten years: check closed_days in org.yml")

    def school_days_between(self, first: date, last: date) -> int:
        """School days from `first` up to but not including `last` (0 when last <= first).

        Arithmetic on weeks, then the closed weekdays subtracted: a case a year old costs no
        more than one from yesterday.
        """
        if last <= first:
            return 0
        full_weeks, rest = divmod((last - first).days, 7)
        weekdays = full_weeks * 5 + sum((first.weekday() + i) % 7 < 5 for i in range(rest))
        closed = {
            day
            for year in range(first.year, last.year + 1)
            for day in public_holidays(year)
            if first <= day < last and day.weekday() < 5
        }
        for start, end in self.closed_days:
            day, stop = max(start, first), min(end, last - timedelta(days=1))
            while day <= stop:
                if day.weekday() < 5:
                    closed.add(day)
                day += timedelta(days=1)
        return weekdays - len(closed)

    def next_school_morning(self, after: datetime, clock: time) -> datetime:
        """The first instant strictly after `after` that is `clock` on a school day."""
        day = self.local_date(after)
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_school_day(day):
                candidate = self.local(day, clock)
                if candidate > after:
                    return candidate
            day += timedelta(days=1)
        raise ValueError("no school day within ten years: check closed_days in org.yml")

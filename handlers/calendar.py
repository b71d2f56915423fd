"""School days and school mornings, in the school's own time zone.

A school day is a weekday that is neither a Norwegian public holiday (the `holidays` package)
nor one of the school's closed days from org.yml (autumn, Christmas, winter, Easter, summer
breaks). Every deadline in the follow-up counts school days, so a report filed before 17. mai
or the autumn break is not escalated while nobody is at school.

Working hours (§ 12-5 cases are followed up by the hour) are the school's own `day:` hours from
org.yml, starts to ends, on school days (08:00–16:00 where the file says nothing): a report filed
on Sunday evening has used none of them before Monday's start.

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
# Working hours where org.yml gives no `day: {starts, ends}`.
DEFAULT_OPENS = time(8, 0)
DEFAULT_CLOSES = time(16, 0)


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
    opens: time = DEFAULT_OPENS  # the school day's working hours (org.yml `day:`)
    closes: time = DEFAULT_CLOSES

    @classmethod
    def of(cls, school: School) -> SchoolCalendar:
        return cls(
            zone=school.zone,
            closed_days=school.closed_days,
            opens=school.day.starts or DEFAULT_OPENS,
            closes=school.day.ends or DEFAULT_CLOSES,
        )

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

    # --- working hours -----------------------------------------------------------------------

    def _window(self, day: date, after: datetime, before: datetime) -> tuple[datetime, float]:
        """Where the working hours of `day` inside [after, before] start, and their seconds."""
        if not self.is_school_day(day):
            return after, 0.0
        start = max(self.local(day, self.opens), after)
        end = min(self.local(day, self.closes), before)
        return start, max(0.0, (end - start).total_seconds())

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of the school's working hours from `start` to `end`.

        The days between the first and the last count whole (school days only, by
        `school_days_between`), so a case weeks old costs no more than one from this morning.
        """
        if end <= start:
            return 0.0
        first, last = self.local_date(start), self.local_date(end)
        if first == last:
            return self._window(first, start, end)[1]
        whole = self.school_days_between(first + timedelta(days=1), last)
        day_length = (
            datetime.combine(first, self.closes) - datetime.combine(first, self.opens)
        ).total_seconds()
        return (
            self._window(first, start, end)[1]
            + whole * max(0.0, day_length)
            + self._window(last, start, end)[1]
        )

    def after_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant when `hours` of the school's working hours have passed since `start`."""
        left = hours * 3600
        day = self.local_date(start)
        for _ in range(MAX_SEARCH_DAYS):
            opens, seconds = self._window(day, start, self.local(day, self.closes))
            if seconds >= left:
                return opens + timedelta(seconds=left)
            left -= seconds
            day += timedelta(days=1)
        raise ValueError("no school day within ten years: check closed_days in org.yml")

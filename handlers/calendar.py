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

from dateutil.easter import easter

# Imported at start (it loads every country's rules, ~0.2 s), not in the first 08:00 round.
from holidays.countries.norway import Norway

from handlers.dates import format_date
from handlers.errors import Problem
from handlers.i18n import t
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


@cache
def _holiday_names(year: int, language: str) -> dict[date, str]:
    return dict(Norway(years=year, language=language))


def holiday_name(day: date, lang: str) -> str | None:
    """The public holiday's name in the reader's language ("Første juledag"), or None."""
    names = _holiday_names(day.year, "en_US" if lang == "en" else "no")
    return names.get(day)


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


# --- A date set for the future must be a school day --------------------------------------

# How far to look for the nearest school day on either side (a summer break is ~8 weeks).
NEAREST_WITHIN_DAYS = 120


def break_kind(first: date, last: date) -> str:
    """What a closed period from org.yml is, by when it falls (org.yml names only dates):
    christmas, easter, summer, autumn, winter, or a single closed day."""
    days = (last - first).days + 1
    years = {first.year, last.year}
    if any(first <= date(y, 12, 24) + timedelta(days=k) <= last for y in years for k in range(9)):
        return "christmas"
    for y in years:
        sunday = easter(y)
        if first <= sunday - timedelta(days=3) <= last or first <= sunday + timedelta(1) <= last:
            return "easter"
    if days >= 3:
        if first.month in (6, 7, 8) and days >= 14:
            return "summer"
        if first.month in (9, 10, 11):
            return "autumn"
        if first.month in (1, 2, 3):
            return "winter"
    return "closed"


class _Day:
    """A day in the reader's language, the year left out when it is near (filled in by
    Problem.text)."""

    def __init__(self, day: date, today: date) -> None:
        self.day, self.today = day, today

    def text(self, lang: str) -> str:
        words = format_date(self.day, lang)
        if abs((self.day - self.today).days) <= 180:
            words = words.removesuffix(f" {self.day.year}")
        return words


class _Why:
    """Why a day is not a school day, in the reader's language."""

    def __init__(self, calendar: SchoolCalendar, day: date) -> None:
        self.calendar, self.day = calendar, day

    def text(self, lang: str) -> str:
        for first, last in self.calendar.closed_days:
            if first <= self.day <= last:
                return t(lang, f"calendar.break.{break_kind(first, last)}")
        name = holiday_name(self.day, lang)
        if name:
            return _holiday_words(name, lang)
        return t(lang, "calendar.weekend")


def _holiday_words(name: str, lang: str) -> str:
    """Holiday names as running text: "Andre pinsedag; Grunnlovsdag" → "andre pinsedag og
    grunnlovsdag"."""
    parts = name.split("; ")
    if lang != "en":  # Norwegian holiday names are common nouns, except Kristi …
        parts = [p if p.startswith("Kristi") else p[:1].lower() + p[1:] for p in parts]
    return f" {t(lang, 'calendar.and')} ".join(parts)


def nearest_school_days(
    calendar: SchoolCalendar, day: date, today: date
) -> tuple[date | None, date | None]:
    """The school day before `day` (not before `today`) and the one after, when they exist
    within NEAREST_WITHIN_DAYS."""
    before = after = None
    for k in range(1, NEAREST_WITHIN_DAYS + 1):
        earlier, later = day - timedelta(days=k), day + timedelta(days=k)
        if before is None and earlier >= today and calendar.is_school_day(earlier):
            before = earlier
        if after is None and calendar.is_school_day(later):
            after = later
        if after is not None and (before is not None or earlier < today):
            break
    return before, after


def school_day_problem(school: School, day: date, today: date) -> Problem | None:
    """None when `day` is a school day; else why not, with the nearest school days offered
    ("søndag 27. desember er ikke en skoledag (juleferie). Nærmeste skoledager: fredag 18.
    desember eller mandag 4. januar"). For every date a person sets for the future: an
    evaluation, a tiltak's date, a frist."""
    calendar = SchoolCalendar.of(school)
    if calendar.is_school_day(day):
        return None
    before, after = nearest_school_days(calendar, day, today)
    args: dict[str, object] = {"day": _Day(day, today), "why": _Why(calendar, day)}
    if before is not None and after is not None:
        key = "calendar.error.not_school_day.two"
        args.update(before=_Day(before, today), after=_Day(after, today))
    elif after is not None or before is not None:
        key = "calendar.error.not_school_day.one"
        args["nearest"] = _Day(after or before or day, today)
    else:
        key = "calendar.error.not_school_day"
    return Problem(key, args)

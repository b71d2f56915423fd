"""Read the dates and times school staff type: "i går kl 14", "forrige fredag", "3.11".

Norwegian forms (bokmål and nynorsk) go through a small parser of our own, because dateparser
misreads them silently ("kl 12" as 12 November, "3.11" as 03:11, "i går kl 14" as yesterday at
the current time). Everything that parser does not recognise, English above all, goes to
dateparser. Either way the result is checked against the mode: a report is about the past, a
due date is in the future, and nothing may be further than two years away.
"""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

Mode = Literal["past", "future"]

UNREADABLE = "when.unreadable"
FUTURE = "when.future"
PAST = "when.past"
OUT_OF_RANGE = "when.out_of_range"
WEEKDAY_MISMATCH = "when.weekday_mismatch"

MAX_TEXT_LENGTH = 100
# Clocks drift and people round up ("kl 13.35" typed at 13.32); a few minutes is still the past.
FUTURE_TOLERANCE = timedelta(minutes=5)
HORIZON_MONTHS = 24
# Bounds counts like "for 9999 år siden" long before date arithmetic could overflow.
MAX_COUNT = 1000


@dataclass(frozen=True)
class When:
    at: datetime  # timezone-aware, in the school's zone; midnight when no time was given
    has_time: bool  # True when the person gave a time of day (or "nå"/"now")
    # What people know when they don't know the minute: a part of the day or a school moment
    # ("i friminuttet", "på bussen": a key of PARTS), or a period ("i helgen", "i forrige uke":
    # `at` is its first day, `until` its last, both included).
    part: str | None = None
    until: date | None = None


@dataclass(frozen=True)
class SchoolDay:
    """The school's own times (org.yml `day: {starts, recess, ends}`), all optional.

    They place school moments on the clock just enough to refuse one that has not happened
    yet ("i dag etter skolen" typed at 13.30 when school ends 14.30); nothing more is claimed.
    """

    starts: time | None = None
    recess: tuple[time, ...] = ()
    ends: time | None = None


class WhenError(ValueError):
    """The text is not a usable time; `key` names the catalog message, `text` is kept to show.

    `readings`: for a weekday that contradicts its date ("fredag 12. desember" in a year where
    the 12th is a Saturday), the two days it could mean: the weekday nearest the date, and
    the date itself. `mode` picks the example the message offers (a past or a future time).
    """

    def __init__(
        self, key: str, text: str, mode: Mode = "past", readings: tuple[date, date] | None = None
    ) -> None:
        super().__init__(key, text)
        self.key = key
        self.text = text
        self.mode = mode
        self.readings = readings

    def __str__(self) -> str:
        return f"{self.key}: {self.text!r}"

    def problem_args(self) -> dict[str, object]:
        """The catalog arguments of `key`, for a handler's Problem (see handlers.errors)."""
        from handlers.errors import Problem  # errors imports the catalogs; dates stays light

        args: dict[str, object] = {
            "text": self.text,
            "example": Problem(f"when.example.{self.mode}"),
        }
        if self.readings is not None:
            weekday_day, dated_day = self.readings
            args["weekday_reading"] = _DayWords(weekday_day)
            args["date_reading"] = _DayWords(dated_day)
        return args


class _DayWords:
    """A day shown in the reader's language, filled in by Problem.text (a Problem-like)."""

    def __init__(self, day: date) -> None:
        self.day = day

    def text(self, lang: str) -> str:
        return format_date(self.day, lang)


class _Refused(Exception):
    """Raised deep in the parser, where the original text is not at hand."""

    def __init__(self, key: str, readings: tuple[date, date] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.readings = readings


# --- Vocabulary (lower case, after normalisation) -------------------------------------------

_DAYS_FROM_TODAY: dict[str, int] = {
    "i dag": 0, "idag": 0, "i morges": 0, "i formiddag": 0, "i ettermiddag": 0, "i kveld": 0,
    "i går": -1, "igår": -1, "i gar": -1, "igar": -1,
    "i forgårs": -2, "iforgårs": -2, "i forgår": -2, "forgårs": -2, "i forgars": -2,
    "i morgen": 1, "imorgen": 1, "i morgon": 1, "imorgon": 1,
    "i overmorgen": 2, "i overmorgon": 2, "overmorgen": 2, "overmorgon": 2,
    # English too, so a mixed "yesterday kl 14" reads; "yesterday at 2pm" is dateparser's.
    "today": 0, "yesterday": -1, "tomorrow": 1,
}  # fmt: skip
# Bare "no" (nynorsk for now) is left out: in a chat it is far more often English "no".
_NOW_WORDS = frozenset({"nå", "akkurat nå", "akkurat no", "rett nå"})
_WEEKDAYS: dict[str, int] = {
    "mandag": 0, "måndag": 0, "man": 0,
    "tirsdag": 1, "tysdag": 1, "tirs": 1, "tir": 1, "tys": 1,
    "onsdag": 2, "ons": 2,
    "torsdag": 3, "tors": 3, "tor": 3,
    "fredag": 4, "fre": 4,
    "lørdag": 5, "laurdag": 5, "lordag": 5, "lør": 5, "laur": 5,
    "søndag": 6, "sundag": 6, "sondag": 6, "søn": 6, "sun": 6,
}  # fmt: skip
_MONTHS: dict[str, int] = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11, "desember": 12, "des": 12,
}  # fmt: skip
_NUMBERS: dict[str, int] = {
    "null": 0, "en": 1, "én": 1, "ei": 1, "ein": 1, "et": 1, "ett": 1, "eitt": 1,
    "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8,
    "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14,
    "femten": 15, "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19,
    "tjue": 20, "tjuge": 20, "tjueen": 21, "tjueein": 21, "tjueto": 22, "tjuetre": 23,
}  # fmt: skip
_UNITS: dict[str, str] = {
    "dag": "day", "dager": "day", "dagar": "day", "døgn": "day",
    "uke": "week", "uka": "week", "uker": "week", "veke": "week", "veka": "week", "veker": "week",
    "måned": "month", "måneden": "month", "måneder": "month", "månad": "month",
    "månaden": "month", "månader": "month", "mnd": "month",
    "år": "year", "året": "year",
    "time": "hour", "timer": "hour", "timar": "hour", "t": "hour",
    "minutt": "minute", "minutter": "minute", "minuttar": "minute", "min": "minute",
}  # fmt: skip
_CLOCK_UNITS = {"hour": timedelta(hours=1), "minute": timedelta(minutes=1)}
_BEFORE = frozenset({"forrige", "førre", "sist", "siste"})
_AFTER = frozenset({"neste", "kommende", "kommande"})
_AGO = frozenset({"siden", "sidan"})
_FILLERS = frozenset({"den", "på", "ca", "cirka", "omtrent", "rundt"})
# "i går kveld", "fredag morgen": the part of the day is kept beside the day.
_PARTS_OF_DAY: dict[str, str] = {
    "morgen": "morning", "morgenen": "morning", "morgon": "morning", "morgonen": "morning",
    "morges": "morning", "tidlig": "morning", "tidleg": "morning",
    "formiddag": "forenoon", "formiddagen": "forenoon",
    "ettermiddag": "afternoon", "ettermiddagen": "afternoon",
    "kveld": "evening", "kvelden": "evening", "natt": "night", "natta": "night", "natten": "night",
    "morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night",
}  # fmt: skip
# School moments and parts of the day as staff say them (nb, nn, en), longest first when
# matched. Each becomes a key of PARTS; the rest of the text names the day ("i dag", "i går",
# "fredag"), and without one it is today.
_MOMENTS: dict[str, str] = {
    **dict.fromkeys((
        "i friminuttet", "i friminutt", "i et friminutt", "i eit friminutt", "på friminuttet",
        "friminuttet", "friminutt", "at recess", "during recess", "in recess", "at break",
        "during break", "in the break", "during the break", "at break time", "at playtime",
    ), "recess"),
    **dict.fromkeys((
        "i storefri", "storefri", "i storefriminuttet", "storefriminuttet", "i langfri",
        "langfri", "i langfriminuttet", "at long break", "during long break",
        "at the long break", "during the long break",
    ), "long_recess"),
    **dict.fromkeys(("i midttimen", "midttimen", "i midttime", "midttime"), "midday"),
    **dict.fromkeys((
        "i matpausen", "matpausen", "i matpause", "matpause", "i matfriminuttet",
        "i lunsjen", "lunsjen", "i lunsj", "i spisepausen", "at lunch", "during lunch",
        "at lunchtime", "in the lunch break", "during the lunch break",
    ), "lunch"),
    **dict.fromkeys((
        "før skolen", "før skulen", "før skoletid", "før skuletid", "før skolestart",
        "før skulestart", "before school",
    ), "before_school"),
    **dict.fromkeys((
        "etter skolen", "etter skulen", "etter skoletid", "etter skuletid", "etter skoletiden",
        "etter skuletida", "after school", "i sfo", "på sfo", "in after-school care",
    ), "after_school"),
    **dict.fromkeys((
        "i første time", "første time", "i første timen", "første timen", "i fyrste time",
        "fyrste time", "i fyrste timen", "in the first lesson", "first lesson",
        "in first period", "first period",
    ), "first_lesson"),
    **dict.fromkeys((
        "i siste time", "siste time", "i siste timen", "siste timen", "in the last lesson",
        "last lesson", "in last period", "last period",
    ), "last_lesson"),
    **dict.fromkeys((
        "i gymtimen", "gymtimen", "i gymmen", "i gym", "på gymmen", "i gymtime",
        "i kroppsøving", "i kroppsøvingstimen", "i kroppsøvingstimen", "i garderoben",
        "in pe", "during pe", "in the pe lesson", "in gym", "in gym class", "during gym",
    ), "gym"),
    **dict.fromkeys((
        "på bussen", "på skolebussen", "på skulebussen", "i bussen", "on the bus",
        "on the school bus",
    ), "bus"),
    **dict.fromkeys((
        "på skoleveien", "på skoleveg", "på skolevegen", "på skulevegen", "på skuleveg",
        "på vei til skolen", "på veg til skulen", "på vei hjem", "på veg heim",
        "på vei fra skolen", "på veg frå skulen", "on the way to school", "on the way home",
        "on the way home from school",
    ), "way_to_school"),
    **dict.fromkeys((
        "i morges", "i dag tidlig", "i dag tidleg", "tidlig i dag", "tidleg i dag",
        "this morning", "early today",
    ), "morning"),
    **dict.fromkeys(("i formiddag", "i formiddags"), "forenoon"),
    **dict.fromkeys(("i ettermiddag", "this afternoon"), "afternoon"),
    **dict.fromkeys(("i kveld", "i kveldes", "this evening", "tonight"), "evening"),
    **dict.fromkeys(("i natt", "last night"), "night"),
    # No part to keep: these only say "today".
    **dict.fromkeys((
        "tidligere i dag", "tidlegare i dag", "tidligere idag", "earlier today",
    ), ""),
}  # fmt: skip
# Moments that say the day by themselves ("i morges" is today; "i natt" the night before).
_MOMENT_DAYS: dict[str, int] = {
    "i morges": 0, "i dag tidlig": 0, "i dag tidleg": 0, "tidlig i dag": 0, "tidleg i dag": 0,
    "this morning": 0, "early today": 0, "i formiddag": 0, "i formiddags": 0,
    "i ettermiddag": 0, "this afternoon": 0, "i kveld": 0, "i kveldes": 0,
    "this evening": 0, "tonight": 0, "i natt": 0, "last night": -1,
    "tidligere i dag": 0, "tidlegare i dag": 0, "tidligere idag": 0, "earlier today": 0,
}  # fmt: skip
_MOMENT_PATTERN = re.compile(
    r"(?<![\wæøå])("
    + "|".join(re.escape(m) for m in sorted(_MOMENTS, key=len, reverse=True))
    + r")(?![\wæøå])"
)
# Periods (past mode only): a weekend or a week, as a first and last day.
_PERIODS: dict[str, tuple[str, int]] = {
    **dict.fromkeys((
        "i helgen", "i helga", "i helgi", "helgen", "helga", "i helg", "over helgen",
        "over helga", "at the weekend", "over the weekend", "this weekend", "on the weekend",
    ), ("weekend", 0)),
    **dict.fromkeys((
        "forrige helg", "i forrige helg", "førre helg", "i førre helg", "sist helg",
        "siste helg", "last weekend",
    ), ("weekend", -1)),
    **dict.fromkeys((
        "forrige uke", "i forrige uke", "forrige veke", "i forrige veke", "førre veke",
        "i førre veke", "førre uke", "i førre uke", "sist uke", "sist veke", "forrige uka",
        "i forrige uka", "førre veka", "i førre veka", "last week", "during last week",
    ), ("week", -1)),
    **dict.fromkeys((
        "denne uka", "i denne uka", "denne uken", "i denne uken", "denne veka",
        "i denne veka", "i veka", "i uka", "i uken", "this week", "earlier this week",
        "tidligere denne uka", "tidligere denne uken", "tidlegare denne veka",
    ), ("week", 0)),
}  # fmt: skip
# Words for "just now": the moment the report is typed.
_JUST_NOW = frozenset({"nettopp", "nett nå", "nett no", "just now"})

# kl, kl., klokka, klokken, kloka (also glued to the hour: "kl14") all become the word "kl".
_CLOCK_WORD = re.compile(r"\b(?:klokka|klokken|kloka|kl)(?![a-zæøå])\.?")
_CLOCK_AFTER_KL = re.compile(r"([0-9]{1,2})(?:[.:]?([0-9]{2}))?")
_COLON_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_DOTTED_PAIR = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})([./])([0-9]{1,2})(?:\2([0-9]{4}|[0-9]{2}))?\.?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DAY_OF_MONTH = re.compile(r"([0-9]{1,2})\.?")
_COUNT = re.compile(r"[0-9]{1,4}")
_YEAR = re.compile(r"[0-9]{4}")
# Text with these that our parser could not read must not reach dateparser, which would
# misread it silently ("kl 12" as the 12th, "3.11" as 03:11).
_NORWEGIAN_ONLY = re.compile(r"\bkl\b|[0-9]\.[0-9]")

_DATEPARSER_LANGUAGES = ["nb", "nn", "en"]
_DATEPARSER_SETTINGS: dict[str, Any] = {
    "DATE_ORDER": "DMY",
    "RETURN_TIME_AS_PERIOD": True,  # period "time" tells us the person gave a time of day
    "RETURN_AS_TIMEZONE_AWARE": False,
    "IGNORE_SURROUNDING_TEXT": False,
}
# Relative phrases first, with whatever they determine; then absolute dates, which must name
# at least a day and a month (else "a" is the 1st and "2611" a year). Timestamps and digit
# runs without spaces are left out: nobody types those for a time.
_DATEPARSER_PASSES: tuple[tuple[list[str], bool], ...] = (
    (["relative-time"], False),
    (["custom-formats", "absolute-time"], True),
)


# --- Public interface ----------------------------------------------------------------------


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: str = "Europe/Oslo",
    mode: Mode = "past",
    school_day: SchoolDay | None = None,
) -> When:
    """Read `text` as a time relative to `now`, in the zone `tz`.

    Besides days and times, a report's time may be a part of the day or a school moment
    ("i dag i friminuttet", "på bussen", "i går kveld": `When.part`) or, in the past mode, a
    period ("i helgen", "i forrige uke": `When.until`). `school_day` places moments on the
    clock so that one which has not happened yet today is refused.

    Raises WhenError with a catalog key: when.unreadable, when.future (past mode, a time
    ahead of now), when.past (future mode, a day before today) or when.out_of_range.
    A naive `now` is taken as wall time in `tz`.
    """
    zone = ZoneInfo(tz)
    local_now = _in_zone(now, zone)
    try:
        if len(text) > MAX_TEXT_LENGTH:
            raise _Refused(UNREADABLE)
        normalised = _normalise(text)
        if not normalised:
            raise _Refused(UNREADABLE)
        if normalised in _JUST_NOW:
            return When(local_now.replace(second=0, microsecond=0), True)
        if mode == "past" and normalised in _PERIODS:
            return _period(*_PERIODS[normalised], local_now)
        moment = _MOMENT_PATTERN.search(normalised)
        if moment is not None:
            return _with_moment(normalised, moment, local_now, mode, school_day)
        found = _scan(normalised.split())
        if found is not None:
            return _resolve(found, local_now, mode)
        if _NORWEGIAN_ONLY.search(normalised):
            raise _Refused(UNREADABLE)
        return _with_dateparser(normalised, local_now, mode)
    except _Refused as refused:
        raise WhenError(refused.key, text, mode, refused.readings) from None


def _with_moment(
    normalised: str,
    moment: re.Match[str],
    now: datetime,
    mode: Mode,
    school_day: SchoolDay | None,
) -> When:
    """'i dag i friminuttet', 'i går på bussen', 'i storefri': the day from the rest, or today."""
    phrase = moment.group(1)
    rest = (normalised[: moment.start()] + " " + normalised[moment.end() :]).split()
    found = _scan(rest) if rest else _Found()
    if found is None or _MOMENT_PATTERN.search(" ".join(rest)):
        raise _Refused(UNREADABLE)  # "i friminuttet på bussen", or words we don't know
    own_day = _MOMENT_DAYS.get(phrase)
    if own_day is not None and found.days_from_today not in (None, own_day):
        raise _Refused(UNREADABLE)  # "i går i morges"
    if own_day is not None:
        found.days_from_today = own_day
    part = _MOMENTS[phrase] or None
    if part is not None:
        found.part = _only_once(found.part, part)
    day_named = (
        found.days_from_today is not None
        or found.weekday is not None
        or found.day_month is not None
        or found.shift is not None
    )
    if not day_named and found.clock is None:
        found.days_from_today = 0  # "i friminuttet": today
    when = _resolve(found, now, mode)
    earliest = _earliest(part, school_day)
    if (
        mode == "past"
        and not when.has_time
        and earliest is not None
        and when.at.date() == now.date()
        and _local(now.date(), earliest, _zone_of(now)) > now + FUTURE_TOLERANCE
    ):
        raise _Refused(FUTURE)  # today's recess has not come yet
    return when


def _earliest(part: str | None, school_day: SchoolDay | None) -> time | None:
    """The earliest a school moment can be today, where the school's day tells."""
    if school_day is None or part is None:
        return None
    recess = sorted(school_day.recess)
    if part == "recess" and recess:
        return recess[0]
    if part in ("long_recess", "lunch", "midday") and recess:
        return recess[-1] if len(recess) > 1 else recess[0]
    if part == "first_lesson":
        return school_day.starts
    if part == "after_school":
        return school_day.ends
    return None


def _period(kind: str, step: int, now: datetime) -> When:
    """'i helgen' (the weekend now or last), 'i forrige uke', 'denne uka': first and last day."""
    today = now.date()
    monday = today - timedelta(days=today.weekday())
    if kind == "weekend":
        saturday = monday + timedelta(days=5)
        if saturday > today or step < 0:
            saturday -= timedelta(weeks=1)
        first, last = saturday, saturday + timedelta(days=1)
    else:
        first = monday + timedelta(weeks=step)
        last = first + timedelta(days=6) if step < 0 else today
    _check_day(first, today, "past")
    return When(_local(first, time(0), _zone_of(now)), False, until=last)


def format_when(when: When, lang: str = "nb", *, now: datetime | None = None) -> str:
    """Show the time understood: "tirsdag 24. november kl. 14.00", "Tuesday 24 November 14:00".

    The year is shown only when it is not the current year (by `now`, else the real clock).
    """
    language = _language(lang)
    at = when.at
    zone = at.tzinfo or UTC
    this_year = _in_zone(now or datetime.now(UTC), zone).year
    year = f" {at.year}" if at.year != this_year else ""
    if when.until is not None:
        return _format_period(at.date(), when.until, language, this_year)
    weekday, month = _weekday_name(at.date(), language), _month(at.date(), language)
    if language == "en":
        day = f"{weekday} {at.day} {month}{year}"
        clock = f"{at:%H:%M}"
    else:
        day = f"{weekday} {at.day}. {month}{year}"
        clock = f"kl. {at:%H.%M}"
    if when.has_time:
        return f"{day} {clock}"
    if when.part is not None:
        return f"{day}, {PARTS[language][when.part]}"
    return day


def _format_period(first: date, last: date, language: str, this_year: int) -> str:
    """ "helgen 5.–6. desember", "uke 48 (23.–29. november)", "week 48 (23–29 November)"."""
    dot = "" if language == "en" else "."

    def day(d: date, with_month: bool) -> str:
        text = f"{d.day}{dot}"
        if with_month:
            text += f" {_month(d, language)}"
            if d.year != this_year:
                text += f" {d.year}"
        return text

    same_month = (first.year, first.month) == (last.year, last.month)
    span = f"{day(first, not same_month)}–{day(last, True)}"
    if first.weekday() == 5 and (last - first).days == 1:
        return f"{_WEEKEND[language]} {span}"
    week = first.isocalendar().week
    return f"{_WEEK[language]} {week} ({span})"


_WEEKEND = {"nb": "helgen", "nn": "helga", "en": "the weekend of"}
_WEEK = {"nb": "uke", "nn": "veke", "en": "week"}
# The part of a day or school moment understood, as it is shown back: "fredag 20. november,
# i friminuttet". Kept here beside the weekday and month names rather than in a catalog.
PARTS: dict[str, dict[str, str]] = {
    "nb": {
        "recess": "i friminuttet", "long_recess": "i storefri", "midday": "i midttimen",
        "lunch": "i matpausen", "before_school": "før skolen", "after_school": "etter skolen",
        "first_lesson": "i første time", "last_lesson": "i siste time", "gym": "i gymtimen",
        "bus": "på bussen", "way_to_school": "på skoleveien", "morning": "om morgenen",
        "forenoon": "om formiddagen", "afternoon": "om ettermiddagen", "evening": "om kvelden",
        "night": "om natten",
    },
    "nn": {
        "recess": "i friminuttet", "long_recess": "i storefri", "midday": "i midttimen",
        "lunch": "i matpausen", "before_school": "før skulen", "after_school": "etter skulen",
        "first_lesson": "i fyrste time", "last_lesson": "i siste time", "gym": "i gymtimen",
        "bus": "på bussen", "way_to_school": "på skulevegen", "morning": "om morgonen",
        "forenoon": "om formiddagen", "afternoon": "om ettermiddagen", "evening": "om kvelden",
        "night": "om natta",
    },
    "en": {
        "recess": "at recess", "long_recess": "at the long break", "midday": "at the midday break",
        "lunch": "at lunch", "before_school": "before school", "after_school": "after school",
        "first_lesson": "in the first lesson", "last_lesson": "in the last lesson",
        "gym": "in the PE lesson", "bus": "on the bus",
        "way_to_school": "on the way to or from school",
        "morning": "in the morning", "forenoon": "in the forenoon", "afternoon": "in the afternoon",
        "evening": "in the evening", "night": "at night",
    },
}  # fmt: skip


def format_date(day: date, lang: str = "nb") -> str:
    """A day for a document, always with its year: "fredag 12. desember 2026"."""
    language = _language(lang)
    weekday, month = _weekday_name(day, language), _month(day, language)
    if language == "en":
        return f"{weekday} {day.day} {month} {day.year}"
    return f"{weekday} {day.day}. {month} {day.year}"


def format_month(day: date, lang: str = "nb") -> str:
    """A month in a sentence or a title: "november 2026", "November 2026"."""
    return f"{_month(day, _language(lang))} {day.year}"


def format_span(first: date, last: date, lang: str = "nb") -> str:
    """A span of days in a title: a whole month as "november 2026", else "1. august 2026 –
    31. juli 2027" ("1 August 2026 – 31 July 2027")."""
    if first.day == 1 and (last + timedelta(days=1)).day == 1 and first.month == last.month:
        return format_month(first, lang)
    dot = "" if lang.lower()[:2] == "en" else "."
    start, end = format_month(first, lang), format_month(last, lang)
    return f"{first.day}{dot} {start} – {last.day}{dot} {end}"


def warm_up() -> None:
    """Import dateparser and load its nb/nn/en data now (about half a second), not on a user."""
    now = datetime.now(UTC).astimezone(ZoneInfo("Europe/Oslo"))
    # One text per dateparser pass; an unreadable one makes every language's data load.
    for text in ("yesterday at 2pm", "24 November 2026", "blablabla"):
        with suppress(_Refused):
            _with_dateparser(text, now, "past")
    for language in LANGUAGES:  # and the CLDR's names of days and months
        _weekday_name(now.date(), language)


LANGUAGES = ("nb", "nn", "en")


def _language(lang: str) -> str:
    """ "nb-NO", "no" and codes we have no words for all read best as bokmål."""
    language = lang.lower()[:2]
    return language if language in LANGUAGES else "nb"


def _weekday_name(day: date, language: str) -> str:
    """The weekday's name, from the Unicode CLDR through Babel ("fredag", "Friday")."""
    from babel.dates import format_date as cldr  # loaded on the first date shown

    return cldr(day, "EEEE", locale=language)


def _month(day: date, language: str) -> str:
    """The month's name as it stands after a day's number ("desember", "December")."""
    from babel.dates import format_date as cldr

    return cldr(day, "MMMM", locale=language)


# --- Our parser: words -> what they pin down -> a day and maybe a time ----------------------


@dataclass
class _Found:
    """What the words pinned down so far; filled left to right by _scan."""

    now: bool = False
    days_from_today: int | None = None
    weekday: int | None = None
    weekday_step: int = 0  # -1 "forrige fredag", +1 "neste fredag", 0: decided by the mode
    day_month: tuple[int, int] | None = None
    year: int | None = None
    shift: tuple[int, str] | None = None  # signed count and unit: "for to dager siden"
    clock: time | None = None
    part: str | None = None  # "i går kveld": a key of PARTS


_T = TypeVar("_T")


def _only_once(current: _T | None, value: _T) -> _T:
    # "i går i dag", "kl 10 kl 11": two answers to one question is no answer.
    if current is not None:
        raise _Refused(UNREADABLE)
    return value


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace(",", " ")
    text = _CLOCK_WORD.sub(" kl ", text)
    words = text.split()
    # "nov.", "fre.", "ca." are abbreviations; a dot after digits ("20.11.") is kept.
    words = [w[:-1] if w.endswith(".") and w[:-1].isalpha() else w for w in words]
    return " ".join(words).rstrip(".!?;:").strip()


def _scan(words: list[str]) -> _Found | None:
    """Read every word, or return None when one is not ours (dateparser may know it)."""
    found = _Found()
    position = 0
    while position < len(words):
        taken = _take(words, position, found)
        if taken == 0:
            return None
        position += taken
    return found


def _take(words: list[str], i: int, found: _Found) -> int:
    """Read the phrase starting at words[i] into `found`; return how many words it used."""
    word = words[i]
    following = words[i + 1 : i + 4] + ["", "", ""]
    pair = f"{word} {following[0]}"
    if pair in _DAYS_FROM_TODAY or word in _DAYS_FROM_TODAY:
        phrase = pair if pair in _DAYS_FROM_TODAY else word
        found.days_from_today = _only_once(found.days_from_today, _DAYS_FROM_TODAY[phrase])
        return 2 if phrase == pair else 1
    if pair in _NOW_WORDS or word in _NOW_WORDS:
        if found.now:
            raise _Refused(UNREADABLE)
        found.now = True
        return 2 if pair in _NOW_WORDS else 1
    if word in _FILLERS:
        return 1
    if word in _PARTS_OF_DAY and (found.days_from_today is not None or found.weekday is not None):
        found.part = _only_once(found.part, _PARTS_OF_DAY[word])
        return 1
    if word == "kl":
        clock = _clock_after_kl(following[0])
        if clock is None:
            return 0
        found.clock = _only_once(found.clock, clock)
        return 2
    if word in _WEEKDAYS:
        found.weekday = _only_once(found.weekday, _WEEKDAYS[word])
        return 1
    if word in _BEFORE or word in _AFTER:
        return _take_before_after(word, following[0], found)
    if word == "om":  # "om to uker", "om ein månad"
        count, unit = _count(following[0]), _UNITS.get(following[1])
        if count is None or unit is None:
            return 0
        found.shift = _only_once(found.shift, (count, unit))
        return 3
    if (word == "for" or _count(word) is not None) and (
        taken := _take_ago(words[i:] + ["", "", ""], found)
    ):
        return taken
    if (day := _DAY_OF_MONTH.fullmatch(word)) and following[0] in _MONTHS:
        year = int(following[1]) if _YEAR.fullmatch(following[1]) else None
        _set_date(found, int(day.group(1)), _MONTHS[following[0]], year)
        return 2 if year is None else 3
    return _take_numeric(word, found)


def _take_before_after(word: str, following: str, found: _Found) -> int:
    step = -1 if word in _BEFORE else 1
    if following in _WEEKDAYS:  # "forrige fredag", "neste tysdag"
        found.weekday = _only_once(found.weekday, _WEEKDAYS[following])
        found.weekday_step = step
        return 2
    if following in _UNITS:  # "neste uke", "førre månad"
        found.shift = _only_once(found.shift, (step, _UNITS[following]))
        return 2
    return 0


def _take_ago(words: list[str], found: _Found) -> int:
    start = 1 if words[0] == "for" else 0
    count, unit = _count(words[start]), _UNITS.get(words[start + 1])
    if count is None or unit is None or words[start + 2] not in _AGO:
        return 0
    found.shift = _only_once(found.shift, (-count, unit))
    return start + 3


def _take_numeric(word: str, found: _Found) -> int:
    if match := _ISO_DATE.fullmatch(word):
        _set_date(found, int(match[3]), int(match[2]), int(match[1]))
    elif match := _COLON_TIME.fullmatch(word):
        found.clock = _only_once(found.clock, _clock(int(match[1]), int(match[2])))
    elif match := _DOTTED_PAIR.fullmatch(word):
        _take_dotted_pair(match, found)
    elif match := _DAY_MONTH_YEAR.fullmatch(word):
        year_text = match[4]
        year = None if year_text is None else int(year_text)
        if year is not None and len(year_text) == 2:
            year += 2000  # "3.11.26"
        _set_date(found, int(match[1]), int(match[3]), year)
    else:
        return 0
    return 1


def _take_dotted_pair(match: re.Match[str], found: _Found) -> None:
    """'3.11' is a date, '14.30' a time; '3.11' after a known day ('i går 3.11') is a time."""
    first, second = int(match[1]), int(match[2])
    as_date = 1 <= second <= 12 and 1 <= first <= _longest(second)
    as_time = len(match[2]) == 2 and first <= 23 and second <= 59
    day_known = found.days_from_today is not None or found.day_month is not None
    if as_time and (day_known or not as_date):
        found.clock = _only_once(found.clock, time(first, second))
    elif as_date:
        _set_date(found, first, second, None)
    else:
        raise _Refused(OUT_OF_RANGE)


def _set_date(found: _Found, day: int, month: int, year: int | None) -> None:
    if not (1 <= month <= 12 and 1 <= day <= _longest(month)):
        raise _Refused(OUT_OF_RANGE)
    found.day_month = _only_once(found.day_month, (day, month))
    found.year = year


def _longest(month: int) -> int:
    return monthrange(2024, month)[1]  # a leap year, so 29.02 passes until the year is known


def _count(word: str) -> int | None:
    if _COUNT.fullmatch(word):
        return int(word)
    return _NUMBERS.get(word)


def _clock_after_kl(word: str) -> time | None:
    """'kl 14', 'kl 14.30', 'kl 14:30', 'kl 1430', 'kl ti'."""
    if match := _CLOCK_AFTER_KL.fullmatch(word):
        return _clock(int(match[1]), int(match[2] or 0))
    if word in _NUMBERS:
        return _clock(_NUMBERS[word], 0)
    return None


def _clock(hour: int, minute: int) -> time:
    if hour > 23 or minute > 59:
        raise _Refused(OUT_OF_RANGE)
    return time(hour, minute)


def _resolve(found: _Found, now: datetime, mode: Mode) -> When:
    """Turn what the words pinned down into a checked When."""
    zone = _zone_of(now)
    if found.now:
        if found != _Found(now=True):
            raise _Refused(UNREADABLE)
        return When(now.replace(second=0, microsecond=0), True)
    part = found.part
    day_sources = [
        found.days_from_today is not None,
        found.weekday is not None,
        found.day_month is not None,
        found.shift is not None,
    ]
    weekday_with_date = found.weekday is not None and found.day_month is not None
    # "fredag forrige uke", "tysdag neste veke": a weekday of a week counted from this one.
    weekday_of_week = (
        found.weekday is not None and found.shift is not None and found.shift[1] == "week"
    )
    pairs_that_read = weekday_with_date or weekday_of_week
    if sum(day_sources) > 1 and not (sum(day_sources) == 2 and pairs_that_read):
        raise _Refused(UNREADABLE)
    if not any(day_sources) and found.clock is None:
        raise _Refused(UNREADABLE)  # only fillers: "den", "på"
    if found.shift is not None and found.shift[1] in _CLOCK_UNITS:
        if found.clock is not None:
            raise _Refused(UNREADABLE)  # "for to timer siden kl 10"
        count, unit = found.shift
        _check_count(count)
        # Hours pass in real time, so count them in UTC: right across a DST change.
        at = (now.astimezone(UTC) + count * _CLOCK_UNITS[unit]).astimezone(zone)
        _check_day(at.date(), now.date(), mode)
        return _checked(at.replace(second=0, microsecond=0), True, now, mode)
    day = _day(found, now.date(), mode)
    _check_day(day, now.date(), mode)
    when = _checked(_local(day, found.clock or time(0), zone), found.clock is not None, now, mode)
    return When(when.at, when.has_time, part=part)


def _day(found: _Found, today: date, mode: Mode) -> date:
    if found.shift is not None and found.weekday is not None:
        count, _ = found.shift
        _check_count(count)
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=count, days=found.weekday)
    if found.shift is not None:
        count, unit = found.shift
        _check_count(count)
        if unit in ("month", "year"):
            return _add_months(today, count * (12 if unit == "year" else 1))
        return today + timedelta(days=count * (7 if unit == "week" else 1))
    if found.days_from_today is not None:
        return today + timedelta(days=found.days_from_today)
    if found.day_month is not None:
        day = _dated(*found.day_month, found.year, today, mode)
        if found.weekday is not None and day.weekday() != found.weekday:
            # "fredag 12. desember" when the 12th is a Saturday: ask, offering both readings
            # (the Friday nearest the date, and the date), never guess.
            back = (day.weekday() - found.weekday) % 7
            nearest = day - timedelta(days=back) if back <= 3 else day + timedelta(days=7 - back)
            raise _Refused(WEEKDAY_MISMATCH, (nearest, day))
        return day
    if found.weekday is not None:
        return _weekday(found.weekday, found.weekday_step, today, mode)
    return today  # only a time: "kl 12"


def _weekday(weekday: int, step: int, today: date, mode: Mode) -> date:
    """Past: the latest such day, today included. Future: the next one after today.

    "forrige"/"neste" always mean strictly before/after today.
    """
    if step < 0 or (step == 0 and mode == "past"):
        back = (today.weekday() - weekday) % 7
        return today - timedelta(days=back or (7 if step else 0))
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _dated(day: int, month: int, year: int | None, today: date, mode: Mode) -> date:
    """A day and month; without a year, the nearest one on the side of today the mode wants."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise _Refused(OUT_OF_RANGE) from None  # 29.02.2027
    step = -1 if mode == "past" else 1
    for years_away in range(9):  # 29.02 may need eight years to come round
        try:
            candidate = date(today.year + step * years_away, month, day)
        except ValueError:
            continue
        if (candidate <= today) if mode == "past" else (candidate >= today):
            return candidate
    raise _Refused(OUT_OF_RANGE)


def _add_months(day: date, months: int) -> date:
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))  # 31.01 + 1 = 28.02


def _check_count(count: int) -> None:
    if abs(count) > MAX_COUNT:
        raise _Refused(OUT_OF_RANGE)


# --- dateparser, for English and whatever else it knows -------------------------------------


def _with_dateparser(text: str, now: datetime, mode: Mode) -> When:
    # Imported here: it takes a quarter of a second, paid in warm_up() rather than at import.
    from dateparser.date import DateDataParser

    zone = _zone_of(now)
    # RELATIVE_BASE changes on every call, so a parser is made per call; that costs ~30 µs
    # next to ~1 ms of parsing, and the languages' data is cached by dateparser itself.
    settings = {
        **_DATEPARSER_SETTINGS,
        "PREFER_DATES_FROM": mode,
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "TIMEZONE": str(zone),
        "TO_TIMEZONE": str(zone),
    }
    for parsers, needs_day_and_month in _DATEPARSER_PASSES:
        try:
            data = DateDataParser(
                languages=_DATEPARSER_LANGUAGES, settings={**settings, "PARSERS": parsers}
            ).get_date_data(text)
        except Exception:  # noqa: BLE001 - odd input can make dateparser raise almost anything
            raise _Refused(UNREADABLE) from None
        found = data.date_obj
        if found is None or (needs_day_and_month and not {"day", "month"} <= set(data.parts)):
            continue
        has_time = data.period == "time"  # not "part_of_day": "tonight" is no time of day
        _check_day(found.date(), now.date(), mode)
        clock = found.time().replace(second=0, microsecond=0) if has_time else time(0)
        return _checked(_local(found.date(), clock, zone), has_time, now, mode)
    raise _Refused(UNREADABLE)


# --- Time zones and checks ------------------------------------------------------------------


def _in_zone(moment: datetime, zone: tzinfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _zone_of(moment: datetime) -> tzinfo:
    assert moment.tzinfo is not None  # every local time here came through _in_zone
    return moment.tzinfo


def _local(day: date, clock: time, zone: tzinfo) -> datetime:
    # Through UTC and back, so a wall time skipped at spring-forward (02.30) becomes the real
    # instant (03.30 summer time) instead of a datetime that never happened.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _check_day(day: date, today: date, mode: Mode) -> None:
    """Refuse a day on the wrong side of today, or beyond the horizon (checked before any
    zone arithmetic, which would overflow at year 1 or 9999)."""
    if mode == "past" and day > today:
        raise _Refused(FUTURE)
    if mode == "future" and day < today:
        raise _Refused(PAST)
    if not _add_months(today, -HORIZON_MONTHS) <= day <= _add_months(today, HORIZON_MONTHS):
        raise _Refused(OUT_OF_RANGE)


def _checked(at: datetime, has_time: bool, now: datetime, mode: Mode) -> When:
    if mode == "past" and has_time and at > now + FUTURE_TOLERANCE:
        raise _Refused(FUTURE)
    return When(at, has_time)

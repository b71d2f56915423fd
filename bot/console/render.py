"""The core's neutral views as lines in a terminal: what `blocks.py` is to Slack and
`cards.py` to Teams. Nothing here decides what is shown; it only lays it out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot import text
from bot.core import forms, views
from bot.core.forms import Result
from handlers import people
from handlers.dates import format_when
from handlers.i18n import t
from handlers.review import CaseSummary
from handlers.services import Services

RULE = "=" * 40


def case_lines(lang: str, view: views.CaseView) -> list[str]:
    """The case details: title and status, the facts, what was reported, who, the trail."""
    out = [RULE, view.title, view.state, *view.facts]
    out.append(t(lang, "console.report_text") + ":")
    out += [f"  {label}: {value}" for label, value in view.report if value]
    out += [f"{label}: {value}" for label, value in view.people if value]
    out.append(view.trail_title + ":")
    out += [f"  {line}" for line in view.trail]
    return [*out, RULE]


def plan_lines(view: views.PlanView) -> list[str]:
    out = [RULE]
    for heading, lines in view.sections:
        out.append(heading.upper())
        out += ["  " * depth + line for depth, line in lines]
    return [*out, RULE]


def case_list(lang: str, cases: Sequence[CaseSummary], zone: object, numbered: bool) -> list[str]:
    """One line a case: its number to pick it by, ref, day, status, unit, urgent and § 12-5."""
    if not cases:
        return [t(lang, "console.nothing")]
    out = []
    for i, c in enumerate(cases, 1):
        flags = " ".join(
            x for x in ("!" if c.urgent else "", "§ 12-5" if c.section == "12-5" else "") if x
        )
        number = f"{i}) " if numbered else ""
        day = f"{c.created_at.astimezone(zone):%d.%m.%Y}"  # type: ignore[arg-type]
        status = t(lang, "status." + c.status)
        out.append(f"  {number}{c.ref}  {day}  {status:<18} {c.unit or ''} {flags}".rstrip())
    return out


def overview_lines(view: views.OverviewView) -> list[str]:
    """Rektor's overview: title and summary, each group's heading and numbered lines."""
    out = [f"{view.title} – {view.summary}"]
    number = 0
    for group in view.groups:
        if group.heading:
            out.append(group.heading)
        for line in group.lines:
            number += 1
            out.append(f"  {number}) {line.text}")
    if view.empty:
        out.append(view.empty)
    if view.pages > 1:
        out.append(view.page_line)
    return out


def described(services: Services, emails: Sequence[str]) -> list[str]:
    """Each person as the console lists them: "Line Lærer, laerer1@… (Nordby skole,
    8. trinn)", the names read from the directory in one query."""
    org = services.org
    names = people.displays(services, emails)
    out = []
    for email in emails:
        parts = []
        for school in org.schools_of(email):
            unit = school.unit_of(email)
            role = "rektor" if email == school.principal else (unit.name if unit else "")
            parts.append(f"{school.name}{', ' + role if role else ''}")
        if email in org.owner.contacts:
            parts.append(org.owner.name)
        name = names.get(email, email)
        who = f"{name}, {email}" if name != email else email
        out.append(f"{who} ({'; '.join(parts)})")
    return out


def home_lines(view: views.HomeView) -> list[str]:
    """The person's home: the cases waiting for them, then their own reports."""
    waiting = case_list(view.lang, view.waiting, view.zone, numbered=False)
    mine = case_list(view.lang, view.mine, view.zone, numbered=False)
    return [t(view.lang, "chat.cases.title"), *waiting, t(view.lang, "chat.mine.title"), *mine]


def filed_lines(lang: str, result: Result) -> list[str]:
    """A report filed: its number (the receipt follows in the inbox), or for a § 12-6 matter
    what was written down; and the time as it was understood."""
    filed = result.filed
    raised = filed is not None and filed.raised is not None
    said = (
        result.lines(lang, forms.REPORT)[0] if raised else t(lang, "console.filed", ref=result.ref)
    )
    out = [said]
    if filed is not None and filed.when is not None:
        out.append(t(lang, "when.understood", when=format_when(filed.when, lang)))
    return out


def inbox_lines(lang: str, received: Sequence[Mapping[str, Any]], edge: str) -> list[str]:
    """Each notice delivered to the person, as the edge words it, between rules."""
    if not received:
        return [t(lang, "console.nothing"), "—" * 40]
    out: list[str] = []
    for item in received:
        out += ["—" * 40, text.render(item["kind"], item["lang"], item["data"], edge=edge)]
    return [*out, "—" * 40]

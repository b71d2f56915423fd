"""Read views, computed once for every edge: the case details (after the access check), the
aktivitetsplan, the lists of cases and the person's home.

An edge draws a `CaseView` as it draws anything (Block Kit, an Adaptive Card, lines in a
terminal); it never picks the report's fields, the facts or the buttons itself. The report's
fields come from the report schema (`handlers.report.TEXTS` through `forms.REPORT`), the buttons
from the state machine (`CaseDetails.offered`, through `actions.case_buttons`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import text
from bot.core import actions, forms
from bot.core.actions import CaseAction
from bot.core.forms import Kind
from handlers import export
from handlers.i18n import t
from handlers.plan import Plan
from handlers.render import Field, Para, Sub
from handlers.review import CaseDetails, CaseSummary

TEXT_KINDS = (Kind.TEXT, Kind.MULTILINE, Kind.DATE)
QUIET_EVENTS = ("notified", "delivered")  # bookkeeping: not shown in the trail
TRAIL_SHOWN = 40  # the last events shown; the case file has them all


@dataclass(frozen=True)
class CaseView:
    ref: str
    title: str  # "Sak MF-0001"
    state: str  # "Status: mottatt"
    facts: list[str]  # urgent, § 12-5, unit, categories, the employee (for who may see it)
    report: list[tuple[str, str]]  # (label, text) of the report's text fields, in form order
    people: list[tuple[str, str]]  # (label, value): who reported, who handles it
    trail_title: str
    trail: list[str]  # "24.11 14.02 · Mottatt · leder@skole.no", the last TRAIL_SHOWN
    buttons: tuple[CaseAction, ...]  # what the reader may do with it now


def _earlier(lang: str, details: CaseDetails) -> list[str]:
    """Earlier cases about the same pupil: the refs this reader may open, the rest a count."""
    lines = []
    if details.earlier:
        lines.append(t(lang, "case.earlier", refs=", ".join(details.earlier)))
    if details.earlier_hidden:
        lines.append(t(lang, "case.earlier_hidden", count=details.earlier_hidden))
    return lines


def case_view(lang: str, details: CaseDetails, zone: Any) -> CaseView:
    removed = t(lang, "chat.case.no_text")
    facts = {
        "urgent": details.urgent,
        "section": details.section,
        "unit": details.unit,
        "categories": details.categories,
        "accused": details.accused,
    }
    report = [
        (t(lang, f.label), value if value is not None else removed)
        for f in forms.REPORT.fields()
        if isinstance(f, forms.Field)
        if f.kind in (*TEXT_KINDS, Kind.SEARCH) and f.name in details.report
        for value in (details.report[f.name],)
    ]
    trail = [
        f"{e.at.astimezone(zone):%d.%m %H.%M} · {text.event_label(lang, e)} · "
        f"{details.name(e.actor)}"
        for e in details.trail
        if e.type not in QUIET_EVENTS
    ]
    return CaseView(
        ref=details.ref,
        title=t(lang, "chat.case.title", ref=details.ref),
        state=t(lang, "chat.case.state", status=t(lang, f"status.{details.status}")),
        facts=[*text.case_lines(lang, facts), *_earlier(lang, details)],
        report=report,
        people=[
            (t(lang, "chat.case.reporter"), details.name(details.reporter)),
            (t(lang, "chat.case.handlers"), ", ".join(map(details.name, details.handlers))),
        ],
        trail_title=t(lang, "case.trail"),
        trail=trail[-TRAIL_SHOWN:],
        buttons=actions.case_buttons(details.offered),
    )


@dataclass(frozen=True)
class PlanView:
    """The aktivitetsplan as the documents word it: sections of (depth, line); depth 1 is a
    sub-heading (a tiltak, an evaluation), 2 a field or a paragraph under it."""

    ref: str
    title: str
    sections: list[tuple[str, list[tuple[int, str]]]]


def plan_view(
    lang: str, plans: list[Plan], zone: Any, names: Mapping[str, str] | None = None
) -> PlanView:
    sections = []
    every_section = [s for p in plans for s in export.plan_text(p, lang, zone, names)]
    for section in every_section:
        lines: list[tuple[int, str]] = []
        for item in section.items:
            if isinstance(item, Sub):
                lines.append((1, item.heading))
            elif isinstance(item, Field):
                lines.append((2, f"{item.label}: {item.value}"))
            elif isinstance(item, Para):
                lines.append((2, item.text))
        sections.append((section.heading, lines))
    return PlanView(plans[0].ref, t(lang, "action.show_plan"), sections)


@dataclass(frozen=True)
class ListView:
    """Cases in a list (the person's reports, or the cases waiting for them): drawn as lines
    with the empty text when there are none."""

    lang: str
    title: str  # catalog key
    cases: tuple[CaseSummary, ...]
    zone: Any
    none: str  # catalog key, said when there are no cases


@dataclass(frozen=True)
class HomeView:
    """The person's home (App Home, the Teams welcome and "saker" card, the console's
    menu): the cases waiting for them, with the leader's actions, and their own reports."""

    lang: str
    waiting: tuple[CaseSummary, ...]
    mine: tuple[CaseSummary, ...]
    zone: Any
    welcome: bool = False


View = CaseView | PlanView | ListView | HomeView

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
from datetime import datetime
from typing import Any

from bot import text
from bot.core import actions, forms
from bot.core.actions import CaseAction
from bot.core.forms import Kind
from handlers import export, matter, names, overview
from handlers.dates import format_date
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


def reporter(lang: str, details: CaseDetails) -> tuple[str, str]:
    """Who reported it; for a matter a pupil or a foresatt raised (§ 12-6), who raised it,
    when and how, and the leader who wrote it down."""
    raised = matter.shown(details.report_data, details.report)
    if raised is None:
        return t(lang, "chat.case.reporter"), details.name(details.reporter)
    pupils = names.split_names(details.report.get("pupils"))
    value = t(
        lang,
        "chat.case.raised",
        by=matter.raised_by_words(lang, raised, pupils[0] if pupils else None),
        date=format_date(raised.on, lang),
        how=t(lang, f"matter.how.{raised.how}"),
        who=details.name(raised.recorded_by),
    )
    return t(lang, "chat.case.raised_by"), value


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
            reporter(lang, details),
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


# --- rektor's overview ----------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewLine:
    ref: str
    text: str  # "MF-0003 · mottatt · 8. trinn · meldt torsdag 3. desember (3 dager) · Lars Leder"


@dataclass(frozen=True)
class OverviewGroup:
    heading: str  # "Ny (2)" when sorted by status; empty otherwise
    lines: list[OverviewLine]


@dataclass(frozen=True)
class OverviewView:
    """The school's cases (or the person's own), one page, computed once: Slack draws it in
    App Home, Teams in the personal chat's home card, the console as lines. Each line is
    opened with the declared "open" action (`review.open_case`: checked and logged)."""

    title: str
    summary: str  # how many were found, and by what
    groups: list[OverviewGroup]
    empty: str | None  # what to say when nothing was found
    page_line: str  # "Side 1 av 3"
    query: overview.Query  # what is shown (the text searched, the sort, the page)
    pages: int
    sorts: tuple[tuple[str, str], ...]  # (sort, label) the person may switch to
    search_label: str
    search_hint: str
    open: CaseAction = actions.ACTIONS["open"]

    @property
    def previous_page(self) -> int | None:
        return self.query.page - 1 if self.query.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.query.page + 1 if self.query.page < self.pages else None

    def at(self, page: int | None = None, sort: str | None = None) -> dict[str, str]:
        """The query of another page or sort, as the values an edge carries in a button."""
        return {
            "text": self.query.text,
            "sort": sort or self.query.sort,
            "page": str(page or (1 if sort else self.query.page)),
        }

    def lines(self) -> list[OverviewLine]:
        return [line for group in self.groups for line in group.lines]


def query_of(values: Mapping[str, Any]) -> overview.Query:
    """A query back from what an edge carried (a button's value, a typed search)."""
    page = str(values.get("page") or "1")
    return overview.Query(
        text=str(values.get("text") or "")[:MAX_SEARCH],
        sort=str(values.get("sort") or "status"),
        page=int(page) if page.isdigit() else 1,
    )


MAX_SEARCH = 100


def overview_view(lang: str, found: overview.Overview, now: datetime) -> OverviewView:
    title = t(lang, f"overview.title.{found.scope}")
    number = t(lang, "overview.count.one" if found.total == 1 else "overview.count.many")
    count = number.format(count=found.total)
    if found.searched:
        summary = t(lang, f"overview.searched.{found.searched}", text=found.query.text, count=count)
    else:
        parts = [f"{t(lang, f'status.{s}')} {n}" for s, n in found.counts.items()]
        summary = f"{count}: {', '.join(parts)}" if parts else count
    today = now.astimezone(found.zone).date().isoformat()
    lines = [OverviewLine(r.ref, _overview_line(lang, r, today)) for r in found.rows]
    groups: list[OverviewGroup] = []
    shown: str | None = None  # the status of the group being filled
    for row, line in zip(found.rows, lines, strict=True):
        if not groups or (found.query.sort == "status" and row.status != shown):
            heading = ""
            if found.query.sort == "status":
                status, many = t(lang, f"status.{row.status}"), found.counts.get(row.status, 0)
                heading = t(lang, "overview.group", status=status, count=many)
            groups.append(OverviewGroup(heading, []))
            shown = row.status
        groups[-1].lines.append(line)
    empty = None
    if not lines:
        empty = t(lang, "overview.none_found" if found.searched else "overview.none")
        empty = empty.format(text=found.query.text) if found.searched else empty
    return OverviewView(
        title=title,
        summary=summary,
        groups=groups,
        empty=empty,
        page_line=t(lang, "overview.page", page=found.page, pages=found.pages),
        query=found.query,
        pages=found.pages,
        sorts=tuple((s, t(lang, f"overview.sort.{s}")) for s in overview.SORTS),
        search_label=t(lang, "overview.search.label"),
        search_hint=t(lang, "overview.search.hint"),
    )


def _overview_line(lang: str, r: overview.Row, today: str) -> str:
    if r.closed_at is not None:
        age = t(lang, "overview.closed_after.one" if r.age_days == 1 else "overview.closed_after")
    else:
        age = t(lang, "overview.age.one" if r.age_days == 1 else "overview.age")
    day = text.day_text(lang, r.reported_on.isoformat(), today)
    parts = [
        r.ref,
        t(lang, f"status.{r.status}"),
        *([r.unit] if r.unit else []),
        t(lang, "overview.reported", day=day, age=age.format(days=r.age_days)),
        r.holder_name or t(lang, "overview.no_holder"),
    ]
    flags = ("❗ " if r.urgent else "") + ("§ 12-5 " if r.section == "12-5" else "")
    return flags + " · ".join(parts)


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

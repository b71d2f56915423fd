"""Notices as plain text, in the recipient's language (the console; fallbacks for chat)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from handlers import export, notices
from handlers.archive.journal import FAILED_NOTICE
from handlers.dates import When, format_date, format_when
from handlers.followup import ALREADY, DRY_RUN, NOT_DUE, REMINDERS, RoundResult
from handlers.history import REPEAT_REPORTS
from handlers.i18n import has, t
from handlers.monthly import MONTHLY_REPORT

Data = Mapping[str, Any]


def roles_text(lang: str, roles: list[str]) -> str:
    return ", ".join(t(lang, f"role.{r}") for r in roles)


def categories_text(lang: str, categories: list[str]) -> str:
    return ", ".join(t(lang, f"category.{c}") for c in categories)


def summary_lines(lang: str, case: Any) -> list[str]:
    """`case_lines` for a case summary (App Home, the Teams home): the same facts, no free text."""
    facts = {
        "urgent": case.urgent,
        "section": case.section,
        "unit": case.unit,
        "categories": case.categories,
    }
    return case_lines(lang, facts)


def case_lines(lang: str, data: Data) -> list[str]:
    """The facts a notice may carry: never pupil names or free text."""
    lines = []
    if data.get("urgent"):
        lines.append(t(lang, "notice.new_case.urgent"))
    if data.get("section") == "12-5":
        # In a leadership case rektor is left out: "rektor shall melde fra" would be wrong there.
        leadership = data.get("leadership")
        lines.append(t(lang, f"notice.new_case.section_12_5{'.leadership' if leadership else ''}"))
    if data.get("unit"):
        lines.append(t(lang, "notice.unit", unit=data["unit"]))
    if data.get("categories"):
        lines.append(
            t(lang, "notice.categories", categories=categories_text(lang, data["categories"]))
        )
    if data.get("accused"):  # only in the case details, after the access check (§ 12-5)
        lines.append(t(lang, "case.accused", who=data["accused"]))
    return lines


def _receipt(lang: str, d: Data, edge: str = "slack") -> list[str]:
    # How to follow the status is said in the edge's own words ("/meldefra mine" is Slack's).
    # The duty met depends on the route (older receipts carry no route: § 12-4).
    route = d.get("route", "12-4")
    suffix = "" if route == "12-4" else f".{route.replace('-', '_')}"
    mine = t(lang, f"notice.receipt.mine.{edge}")
    return [
        t(lang, "notice.receipt.title", ref=d["ref"]),
        t(lang, "notice.receipt.routed", roles=roles_text(lang, d["roles"])),
        t(lang, "notice.receipt.next" if route == "12-4" else "notice.receipt.next.12_5"),
        t(lang, f"notice.receipt.rights{suffix}", mine=mine),
    ]


_NAMES_ROLE = frozenset({"route.reason.nearest_leader"})  # reasons that name the role


def _new_case(lang: str, d: Data) -> list[str]:
    lines = [
        t(lang, "notice.new_case.title", ref=d["ref"], school=d["school_name"]),
        t(
            lang,
            # "nærmeste leder for 8. trinn" already says the role: not "som nærmeste leder: …"
            "notice.new_case.as_reason" if d["reason"] in _NAMES_ROLE else "notice.new_case.role",
            role=t(lang, f"role.{d['role']}"),
            reason=t(lang, d["reason"], unit=d.get("unit") or ""),
        ),
        *case_lines(lang, d),
    ]
    if d.get("prompt_owner"):
        lines.append(t(lang, "notice.new_case.prompt_owner"))
    if d.get("owner_informed"):
        lines.append(t(lang, "notice.new_case.owner_informed"))
    lines.append(t(lang, "notice.new_case.open_hint"))
    return lines


def _forwarded(lang: str, d: Data) -> list[str]:
    return [
        t(lang, "notice.forwarded.title", ref=d["ref"]),
        *case_lines(lang, d),
        t(lang, "notice.new_case.open_hint"),
    ]


def _urgent_reminder(lang: str, d: Data) -> list[str]:
    """§ 12-5 by the hour: to whoever holds the case, or to skoleeier once brought in."""

    def hours(n: int) -> str:
        return t(lang, "duty.hours.one") if n == 1 else t(lang, "duty.hours.many", n=n)

    return [
        t(lang, f"duty.urgent.title.{d['to']}", ref=d["ref"], hours=hours(d["hours"])),
        *case_lines(lang, d),
        t(lang, "duty.urgent.policy", every=hours(d["every"])),
    ]


def day_text(lang: str, day: str, today: str) -> str:
    """ "mandag 23. november" (the year only when it is not the year of `today`)."""
    noon = datetime.combine(date.fromisoformat(today), time(12), UTC)
    return format_when(
        When(datetime.combine(date.fromisoformat(day), time(), UTC), False), lang, now=noon
    )


def school_days_text(lang: str, n: int) -> str:
    return (
        t(lang, "followup.school_days.one") if n == 1 else t(lang, "followup.school_days.many", n=n)
    )


def _facts(lang: str, item: Data) -> str:
    """ " – 8. trinn – mobbing": what a case may be called by outside the case itself."""
    parts = [t(lang, "followup.urgent")] if item.get("urgent") else []
    if item.get("unit"):
        parts.append(item["unit"])
    if item.get("categories"):
        parts.append(categories_text(lang, item["categories"]))
    return "".join(f" – {p}" for p in parts)


def due_text(lang: str, item: Data, today: str) -> str:
    return t(
        lang,
        f"followup.due.{item['due']}",
        since=day_text(lang, item["since"], today),
        days=school_days_text(lang, item.get("school_days", 0)),
    )


def _reminder(lang: str, d: Data) -> list[str]:
    today = d["date"]
    lines = [
        t(
            lang,
            "followup.reminder.title",
            school=d["school_name"],
            date=day_text(lang, today, today),
        )
    ]
    for item in d["items"]:
        what = due_text(lang, item, today)
        lines.append(
            "• " + t(lang, "followup.item", ref=item["ref"], facts=_facts(lang, item), what=what)
        )
    lines.append(t(lang, "followup.reminder.footer"))
    return lines


def _digest(lang: str, d: Data) -> list[str]:
    today = d["date"]

    def entry(item: Data, what: str = "") -> str:
        # Digest entries carry ref, unit and categories only: no urgency or § 12-5 flags.
        facts = _facts(lang, {"unit": item["unit"], "categories": item["categories"]})
        return f"  • {item['ref']}{facts}{': ' + what if what else ''}"

    summary = ", ".join(f"{t(lang, 'status.' + s)} {n}" for s, n in d["open"].items())
    return [
        t(lang, "digest.title", school=d["school_name"], date=day_text(lang, today, today)),
        t(lang, "digest.new", since=day_text(lang, d["since"], today), count=len(d["new"])),
        *(entry(c, _new_status(lang, c)) for c in d["new"]),
        t(lang, "digest.open", summary=summary),
        t(lang, "digest.overdue", count=len(d["overdue"])),
        *(entry(c, due_text(lang, c, today)) for c in d["overdue"]),
        t(lang, "digest.upcoming", count=len(d["upcoming"])),
        *(entry(c, due_text(lang, {**c, "since": c["on"]}, today)) for c in d["upcoming"]),
        t(lang, "digest.footer"),
    ]


def _new_status(lang: str, item: Data) -> str:
    status = t(lang, "status." + item["status"])
    if "repeat" in item:  # policy.repeat_reports: the pupil's n-th report this period
        return f"{status} · {t(lang, 'history.repeat_mark', count=item['repeat'])}"
    return status


def _repeat(lang: str, d: Data) -> list[str]:
    period = t(lang, "history.period." + d["period"])
    return [t(lang, "history.repeat_title", ref=d["ref"], count=d["count"], period=period)]


def _monthly_summary(lang: str, data: Data) -> list[str]:
    from bot.stats_render import summary  # the PDF machinery loads only for this notice

    return summary(dict(data), lang)


def event_label(lang: str, entry: Any) -> str:
    """A trail entry's label in the case details: "Journalført 2026/1234-3" carries its
    number (the sakarkiv's reference, so staff can find the document there)."""
    raised = entry.type == "reported" and entry.data.get("raised")  # § 12-6, handlers.matter
    label = t(lang, "event.raised" if raised else "event." + entry.type)
    number = entry.data.get("journalpostnummer") if entry.type == "journalfoert" else None
    if entry.type.startswith("statsforvalter_") and entry.data.get("date"):  # § 12-6: its day
        number = format_date(date.fromisoformat(entry.data["date"]), lang)
    return f"{label} {number}" if number else label


def _journal_failed(lang: str, d: Data) -> list[str]:
    kind = f"arkiv.kind.{d.get('journal', '')}"
    what = t(lang, kind) if has(kind) else t(lang, "arkiv.kind.case_file")
    return [
        t(lang, "notice.journal_failed.title", what=what, ref=d["ref"]),
        t(lang, "notice.journal_failed.error", error=d.get("error", "")),
        t(lang, "notice.journal_failed.fix", ref=d["ref"]),
    ]


RENDERERS: dict[str, Callable[[str, Data], list[str]]] = {
    notices.RECEIPT: _receipt,
    notices.NEW_CASE: _new_case,
    notices.ACKNOWLEDGED: lambda lang, d: [t(lang, "notice.acknowledged.title", ref=d["ref"])],
    notices.CLOSED: lambda lang, d: [t(lang, "notice.closed.title", ref=d["ref"])],
    notices.REOPENED: lambda lang, d: [t(lang, "notice.reopened.title", ref=d["ref"])],
    notices.FORWARDED: _forwarded,
    notices.ESCALATED: lambda lang, d: [
        t(lang, "notice.escalated.title", ref=d["ref"]),
        *case_lines(lang, d),
    ],
    notices.REMINDER: _reminder,
    notices.URGENT_REMINDER: _urgent_reminder,
    notices.DIGEST: _digest,
    MONTHLY_REPORT: _monthly_summary,
    REPEAT_REPORTS: _repeat,
    FAILED_NOTICE: _journal_failed,
}


def lines(kind: str, lang: str, data: Data, *, edge: str) -> list[str]:
    """A notice's lines for one edge ("slack", "teams", "console")."""
    if kind == notices.RECEIPT:
        return _receipt(lang, data, edge)
    return RENDERERS[kind](lang, data)


def render(kind: str, lang: str, data: Data, *, edge: str = "console") -> str:
    """A notice as plain text: the console's own, unless another edge is named."""
    return "\n".join(lines(kind, lang, data, edge=edge))


def _period_words(lang: str, period: str | None) -> str:
    """A round's period in words: the day ("mandag 23. november"), never ISO in a sentence."""
    try:
        day = date.fromisoformat(period or "")
    except ValueError:
        return period or ""
    return day_text(lang, day.isoformat(), day.isoformat())


def access_line(lang: str, what: str) -> str:
    """One innsynslogg entry in words: "åpnet saken", "eksporterte saksdokumentasjon (pdf)"."""
    return export.access_words(lang, what)


def round_lines(lang: str, result: RoundResult, next_round: datetime | None = None) -> list[str]:
    """What a follow-up round did (or, in a dry run, would send), for the CLI and the console."""
    school, period = result.school_id, _period_words(lang, result.period)
    if result.status == NOT_DUE:
        if result.kind == REMINDERS and next_round is not None:
            when = format_when(When(next_round, True), lang, now=next_round)
            return [t(lang, "cli.round.not_due.reminders", school=school, next=when)]
        return [t(lang, "cli.round.not_due.digest", school=school)]
    if result.status == ALREADY:
        return [t(lang, "cli.round.already", school=school, period=period)]
    if not result.notices:
        return [t(lang, "cli.round.nothing", school=school, period=period)]
    if result.status == DRY_RUN:
        lines = [t(lang, "cli.round.dry_run", school=school, period=period)]
        for n in result.notices:
            lines.append("  " + t(lang, "cli.round.to", who=n.recipient or n.channel))
            lines.extend("    " + line for line in RENDERERS[n.kind](n.lang, n.data))
        return lines
    lines = [
        t(
            lang,
            f"cli.round.ran.{result.kind}",
            school=school,
            period=period,
            count=len(result.notices),
        )
    ]
    if result.escalated:
        lines.append(
            t(lang, "cli.round.escalated", school=school, refs=", ".join(result.escalated))
        )
    return lines

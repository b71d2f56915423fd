"""Every case action, declared once, and the case message computed once for every platform.

See `bot.core` for the contract. A notice's message (the leader's DM or card, a reminder, a
digest) is a `CaseMessage`: its lines (no pupil names, no free text), its state line, and a
row of actions per case. Slack, Teams and the console only draw it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot import text
from handlers import review
from handlers.i18n import t
from handlers.review import Outcome
from handlers.services import Services

OPEN_STATES = frozenset(review.OPEN_STATES)
ALL_STATES = OPEN_STATES | {"closed"}
# Kinds whose message carries the leader's actions.
ACTIONABLE = frozenset({"new_case", "forwarded", "escalated"})
# A reminder or digest lists at most this many cases with actions; the rest are counted.
MAX_ROWS = 20

MESSAGE = "message"  # the leader's message/card and App Home
CASE = "case"  # under the case details, seen only after opening (the access check)

Run = Callable[[Services, str, str], Outcome]


@dataclass(frozen=True)
class CaseAction:
    verb: str
    label: str  # catalog key
    place: str  # MESSAGE or CASE
    statuses: frozenset[str]  # the case states it is offered in
    style: str | None = None  # "primary" | "danger"
    form: str | None = None  # opens this form of bot.core.forms (after its access check)
    run: Run | None = None  # acts in place: run(services, ref, actor)
    confirm: str | None = None  # catalog key of a question to ask first
    # Who sees it: MESSAGE actions are on the messages sent to the case's leaders (each
    # click is checked again); CASE actions only appear for someone who opened the case.


ACTIONS: dict[str, CaseAction] = {
    a.verb: a
    for a in (
        CaseAction("open", "action.open", MESSAGE, ALL_STATES, style="primary"),
        CaseAction(
            "acknowledge", "action.acknowledge", MESSAGE, OPEN_STATES, run=review.acknowledge
        ),
        CaseAction(
            "investigate",
            "action.investigate",
            MESSAGE,
            OPEN_STATES,
            run=review.start_investigation,
        ),
        CaseAction("forward", "action.forward", MESSAGE, OPEN_STATES, form="forward"),
        CaseAction("close", "action.close", MESSAGE, OPEN_STATES, style="danger", form="close"),
        CaseAction(
            "plan",
            "action.plan",
            CASE,
            frozenset({"new", "acknowledged", "investigating"}),
            form="plan",
        ),
        CaseAction("evaluate", "action.evaluate", CASE, frozenset({"plan"}), form="evaluate"),
        CaseAction(
            "change_plan", "action.change_plan", CASE, frozenset({"plan"}), form="change_plan"
        ),
        CaseAction("export", "action.export", CASE, ALL_STATES, form="export"),
        CaseAction("share", "action.share_rteam", CASE, OPEN_STATES, form="share"),
        CaseAction("note", "action.note", CASE, OPEN_STATES, form="note"),
        CaseAction(
            "investigation_note",
            "action.investigation_note",
            CASE,
            OPEN_STATES,
            form="investigation",
        ),
        CaseAction("foresatte", "action.foresatte", CASE, OPEN_STATES, form="foresatte"),
        CaseAction("age_band", "action.age_band", CASE, OPEN_STATES, form="age_band"),
        # § 12-5 where the school leaves it to rektor (org.yml policy.owner_notice: rektor);
        # anyone else, or a case that needs none, is refused by the handler.
        CaseAction(
            "inform_owner", "action.inform_owner", CASE, OPEN_STATES, run=review.inform_owner
        ),
    )
}
MESSAGE_ACTIONS = tuple(a for a in ACTIONS.values() if a.place == MESSAGE)
CASE_ACTIONS = tuple(a for a in ACTIONS.values() if a.place == CASE)
# Verbs of a reminder item's `actions` (handlers.followup) → the action offered.
REMINDER_VERBS = ("acknowledge", "open")


def label_of(verb: str) -> str:
    """The catalog key naming what was done, for "Bekreft mottatt av X"."""
    action = ACTIONS.get(verb)
    return action.label if action else f"action.{verb}"


def message_actions(status: str | None) -> tuple[CaseAction, ...]:
    """The leader's buttons for a case in this state (none once it is closed)."""
    if status == "closed":
        return ()
    return MESSAGE_ACTIONS


def case_buttons(status: str, restricted: bool = False) -> tuple[CaseAction, ...]:
    """The actions under the case details. An archived (sperret) case offers none."""
    if restricted:
        return ()
    return tuple(a for a in CASE_ACTIONS if status in a.statuses)


@dataclass(frozen=True)
class LastAction:
    verb: str
    who: str  # as the platform shows a person (Slack: a mention; Teams: a name)


@dataclass(frozen=True)
class Row:
    ref: str
    actions: tuple[CaseAction, ...]


@dataclass(frozen=True)
class CaseMessage:
    kind: str
    lines: list[str]  # the notice's text: lines[0] is the title
    state: str | None  # "Status: mottatt · Bekreft mottatt av X"
    rows: tuple[Row, ...]
    more: int = 0  # cases listed beyond MAX_ROWS (their lines are there, their buttons not)
    # Whether each row's actions carry the case number in their label ("Åpne sak MF-0003"),
    # as in a reminder or a digest listing several cases.
    numbered: bool = False


def state_line(lang: str, status: str | None, last: LastAction | None) -> str | None:
    parts = [t(lang, "chat.case.state", status=t(lang, f"status.{status}"))] if status else []
    if last is not None:
        parts.append(
            t(lang, "chat.case.last_action", action=t(lang, label_of(last.verb)), who=last.who)
        )
    return " · ".join(parts) or None


def case_message(
    kind: str,
    lang: str,
    data: Mapping[str, Any],
    *,
    status: str | None = None,
    last: LastAction | None = None,
) -> CaseMessage:
    lines = text.RENDERERS[kind](lang, data)
    state = state_line(lang, status, last)
    if kind in ACTIONABLE:
        row = Row(str(data["ref"]), message_actions(status))
        return CaseMessage(kind, lines, state, (row,) if row.actions else ())
    if kind == "reminder":
        return _listed(kind, lines, state, _reminder_rows(data))
    if kind == "digest":
        refs = [c["ref"] for part in ("new", "overdue", "upcoming") for c in data.get(part, [])]
        rows = [Row(ref, (ACTIONS["open"],)) for ref in dict.fromkeys(refs)]
        return _listed(kind, lines, state, rows)
    return CaseMessage(kind, lines, state, ())


def _listed(kind: str, lines: list[str], state: str | None, rows: Sequence[Row]) -> CaseMessage:
    shown = tuple(rows[:MAX_ROWS])
    return CaseMessage(kind, lines, state, shown, more=len(rows) - len(shown), numbered=True)


def _reminder_rows(data: Mapping[str, Any]) -> list[Row]:
    """One row per case in the morning message: the action the items ask for first, then
    opening the case."""
    wanted: dict[str, set[str]] = {}
    for item in data.get("items", []):
        wanted.setdefault(item["ref"], set()).update(item.get("actions", ()))
    return [
        Row(ref, tuple(ACTIONS[v] for v in REMINDER_VERBS if v in verbs))
        for ref, verbs in wanted.items()
    ]

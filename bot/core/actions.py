"""Every case action, declared once, and the case message computed once for every platform.

See `bot.core` for the contract. A notice's message (the leader's DM or card, a reminder, a
digest) is a `CaseMessage`: its lines (no pupil names, no free text), its state line, and a
row of actions per case. Slack, Teams and the console only draw it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot import text
from handlers import review, serious, states
from handlers.i18n import t
from handlers.review import Outcome
from handlers.services import Services
from handlers.states import Status

# Kinds whose message carries the leader's actions.
ACTIONABLE = frozenset({"new_case", "forwarded", "escalated", "urgent_reminder"})
# A reminder or digest lists at most this many cases with actions; the rest are counted.
MAX_ROWS = 20

MESSAGE = "message"  # the leader's message/card and App Home
CASE = "case"  # under the case details, seen only after opening (the access check)
PLAN = "plan"  # the aktivitetsplan (a view)

Run = Callable[[Services, str, str], Outcome]


@dataclass(frozen=True)
class CaseAction:
    verb: str
    label: str  # catalog key
    place: str  # MESSAGE or CASE
    style: str | None = None  # "primary" | "danger"
    form: str | None = None  # opens this form of bot.core.forms (after its access check)
    run: Run | None = None  # acts in place: run(services, ref, actor)
    confirm: str | None = None  # catalog key of a question to ask first
    rule: str = ""  # its row in handlers.states.RULES (default: the verb)
    view: str | None = None  # neither form nor run: the read view it shows (CASE or PLAN)
    # Who sees it, and in which states: the state machine's table. MESSAGE actions are on the
    # messages sent to the case's leaders (each click is checked again); CASE actions appear
    # for someone who opened the case, as the table allows that person.

    @property
    def name(self) -> str:
        return self.rule or self.verb


ACTIONS: dict[str, CaseAction] = {
    a.verb: a
    for a in (
        CaseAction("open", "action.open", MESSAGE, style="primary", view=CASE),
        CaseAction("acknowledge", "action.acknowledge", MESSAGE, run=review.acknowledge),
        CaseAction("investigate", "action.investigate", MESSAGE, run=review.start_investigation),
        CaseAction("forward", "action.forward", MESSAGE, form="forward"),
        CaseAction("close", "action.close", MESSAGE, style="danger", form="close"),
        CaseAction("plan", "action.plan", CASE, form="plan"),
        CaseAction("show_plan", "action.show_plan", CASE, view=PLAN),
        CaseAction("evaluate", "action.evaluate", CASE, form="evaluate"),
        CaseAction("change_plan", "action.change_plan", CASE, form="change_plan"),
        CaseAction("tiltak_done", "action.tiltak_done", CASE, form="tiltak_done"),
        CaseAction("export", "action.export", CASE, form="export"),
        CaseAction("share", "action.share_rteam", CASE, form="share", rule="share_rteam"),
        CaseAction("note", "action.note", CASE, form="note"),
        CaseAction("investigation_note", "action.investigation_note", CASE, form="investigation"),
        CaseAction("foresatte", "action.foresatte", CASE, form="foresatte"),
        CaseAction("age_band", "action.age_band", CASE, form="age_band"),
        # § 12-5 where the school leaves it to rektor (org.yml policy.owner_notice: rektor).
        CaseAction("inform_owner", "action.inform_owner", CASE, run=review.inform_owner),
        # § 12-4 second paragraph: a serious case, told to skoleeier by rektor.
        CaseAction(
            "inform_owner_serious",
            "action.inform_owner_serious",
            CASE,
            run=serious.inform_owner_serious,
        ),
        # § 12-6: the statsforvalter's melding, vedtak, frist and done (handlers.statsforvalter).
        CaseAction("statsforvalter", "action.statsforvalter", CASE, form="statsforvalter"),
        # A closed case opened again, with the reason (handlers.review.reopen). Last, so the
        # console's numbers for the others stay where they were.
        CaseAction("reopen", "action.reopen", CASE, form="reopen"),
    )
}
MESSAGE_ACTIONS = tuple(a for a in ACTIONS.values() if a.place == MESSAGE)
CASE_ACTIONS = tuple(a for a in ACTIONS.values() if a.place == CASE)
# Verbs of a reminder item's `actions` (handlers.followup) → the action offered.
REMINDER_VERBS = ("acknowledge", "open")
assert all(a.name in states.RULES for a in ACTIONS.values()), "an action without a rule"


# The order (and so the numbers) a menu of a case's actions lists them in (the console's case
# menu: the numbers people and scripts know); an action declared later comes after these.
MENU_ORDER = (
    "acknowledge",
    "investigate",
    "forward",
    "note",
    "close",
    "plan",
    "show_plan",
    "evaluate",
    "tiltak_done",
    "share",
    "export",
    "change_plan",
)


def menu(may: Callable[[str], bool]) -> list[CaseAction]:
    """The case's actions a person may take now (`may`: the state machine's table, e.g.
    `CaseChoices.may`), in MENU_ORDER; opening the case itself is not on its own menu."""
    later = (v for v in ACTIONS if v not in MENU_ORDER and v != "open")
    return [ACTIONS[v] for v in (*MENU_ORDER, *later) if may(ACTIONS[v].name)]


def label_of(verb: str) -> str:
    """The catalog key naming what was done, for "Bekreft mottatt av X"."""
    action = ACTIONS.get(verb)
    return action.label if action else f"action.{verb}"


def message_actions(status: str | None) -> tuple[CaseAction, ...]:
    """The leader's buttons for a case in this state (none once it is closed): what the
    state machine offers a leader of the case; each click is checked again."""
    if status == Status.CLOSED:
        return ()
    declared = [a for a in ACTIONS.values() if a.place == MESSAGE]
    names = states.offered_to_leaders(status, (a.name for a in declared))
    return tuple(a for a in declared if a.name in names)


def case_buttons(offered: Iterable[str]) -> tuple[CaseAction, ...]:
    """The actions under the case details: those of the table's `offered` actions (the
    reader's, from `CaseDetails.offered`) that belong there."""
    allowed = set(offered)
    return tuple(a for a in ACTIONS.values() if a.place == CASE and a.name in allowed)


def for_leader(status: str, facts: states.Facts | None = None) -> tuple[str, ...]:
    """What a leader of a case in this status is offered (the table, a § 12-4 case)."""
    return states.offered(facts or states.Facts(Status(status)), states.LEADER)


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
    edge: str = "slack",
) -> CaseMessage:
    # `edge`: whose words the receipt uses for "follow the status" ("/meldefra mine" is Slack's).
    lines = text.lines(kind, lang, data, edge=edge)
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

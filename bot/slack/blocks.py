"""Block Kit: the report modal, the leader's message with its buttons, App Home, case details.

Everything shown in a message comes from a notice (no pupil names, no free text). Free text
appears only in the case modal, which is opened after the access check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot import text
from handlers.i18n import t
from handlers.org import Org
from handlers.report import CATEGORIES, EMPLOYEE_CATEGORY, MAX_LENGTH
from handlers.review import CaseDetails, CaseSummary

Block = dict[str, Any]
REPORT_VIEW = "meldefra_report"
CLOSE_VIEW = "meldefra_close"
CASE_VIEW = "meldefra_case"
CASE_ACTIONS = ("case_open", "case_ack", "case_investigate", "case_forward", "case_close")
# Kinds whose message carries the leader's buttons.
ACTIONABLE = {"new_case", "forwarded", "escalated"}
# Slack allows 50 blocks a message; a morning DM or digest lists at most this many rows.
MAX_ROWS = 20


def plain(value: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": value[:3000], "emoji": True}


def mrkdwn(value: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": value[:3000]}


def section(value: str) -> Block:
    return {"type": "section", "text": mrkdwn(value)}


def _input(
    lang: str,
    block_id: str,
    element: dict[str, Any],
    *,
    optional: bool,
    hint: str | None = None,
    dispatch: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(t(lang, f"field.{block_id}")),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    if dispatch:
        block["dispatch_action"] = True
    return block


def _text_input(
    block_id: str, *, multiline: bool = False, initial: str = "", placeholder: str | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial[: MAX_LENGTH.get(block_id, 3000)]
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return element


def report_modal(
    lang: str,
    org: Org,
    *,
    school_id: str | None,
    what: str = "",
    show_accused: bool = False,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report form. Only pupil(s) and what happened are required."""
    blocks: list[Block] = [{"type": "context", "elements": [mrkdwn(t(lang, "chat.modal.intro"))]}]
    if len(org.schools) > 1 or school_id is None:
        options = [{"text": plain(s.name), "value": s.id} for s in org.schools]
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": "value",
            "options": options,
        }
        initial = next((o for o in options if o["value"] == school_id), None)
        if initial:
            element["initial_option"] = initial
        blocks.append(
            _input(lang, "school", element, optional=True, hint=t(lang, "chat.modal.school_hint"))
        )
    blocks += [
        _input(
            lang,
            "pupils",
            _text_input("pupils", placeholder=t(lang, "field.pupils.hint")),
            optional=False,
        ),
        _input(lang, "what", _text_input("what", multiline=True, initial=what), optional=False),
        _input(
            lang,
            "when",
            _text_input("when", placeholder=t(lang, "field.when.hint")),
            optional=True,
            hint=t(lang, "field.when.hint"),
        ),
        _input(lang, "where", _text_input("where"), optional=True),
        _input(
            lang,
            "categories",
            {
                "type": "checkboxes",
                "action_id": "categories",
                "options": [
                    {"text": plain(t(lang, f"category.{c}")), "value": c} for c in CATEGORIES
                ],
            },
            optional=True,
            dispatch=True,  # choosing "en ansatt har krenket en elev" adds the employee picker
        ),
    ]
    if show_accused:
        blocks.append(
            _input(
                lang,
                "accused",
                {"type": "users_select", "action_id": "value"},
                optional=False,
                hint=t(lang, "chat.modal.accused_hint"),
            )
        )
    blocks += [
        _input(lang, "action_taken", _text_input("action_taken", multiline=True), optional=True),
        _input(lang, "pupil_words", _text_input("pupil_words", multiline=True), optional=True),
        _input(
            lang,
            "urgent",
            {
                "type": "checkboxes",
                "action_id": "value",
                "options": [{"text": plain(t(lang, "field.urgent.yes")), "value": "yes"}],
            },
            optional=True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": REPORT_VIEW,
        "title": plain(t(lang, "chat.modal.title")),
        "submit": plain(t(lang, "chat.modal.submit")),
        "close": plain(t(lang, "chat.modal.cancel")),
        "private_metadata": json.dumps(dict(metadata or {})),
        "blocks": blocks,
    }


def wants_accused(categories: Sequence[str]) -> bool:
    return EMPLOYEE_CATEGORY in categories


def close_modal(lang: str, ref: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CLOSE_VIEW,
        "title": plain(t(lang, "chat.close.title")),
        "submit": plain(t(lang, "chat.close.submit")),
        "close": plain(t(lang, "chat.modal.cancel")),
        "private_metadata": json.dumps({"ref": ref, **metadata}),
        "blocks": [
            section(f"*{t(lang, 'chat.case.title', ref=ref)}*"),
            _input(lang, "reason", _text_input("reason", multiline=True), optional=False),
        ],
    }


def case_actions(lang: str, ref: str) -> Block:
    def button(action: str, label: str, style: str | None = None) -> dict[str, Any]:
        b: dict[str, Any] = {
            "type": "button",
            "action_id": action,
            "text": plain(label),
            "value": ref,
        }
        if style:
            b["style"] = style
        return b

    return {
        "type": "actions",
        "block_id": f"case:{ref}",
        "elements": [
            button("case_open", t(lang, "action.open"), "primary"),
            button("case_ack", t(lang, "action.acknowledge")),
            button("case_investigate", t(lang, "action.investigate")),
            {
                "type": "users_select",
                "action_id": "case_forward",
                "placeholder": plain(t(lang, "chat.forward.placeholder")),
            },
            button("case_close", t(lang, "action.close"), "danger"),
        ],
    }


def notice_message(
    kind: str,
    lang: str,
    data: Mapping[str, Any],
    *,
    status: str | None = None,
    last_action: str | None = None,
) -> tuple[str, list[Block]]:
    """A notice as (fallback text, blocks); leaders' notices carry the action buttons."""
    lines = text.lines(kind, lang, data, edge="slack")
    blocks: list[Block] = [section(f"*{lines[0]}*")]
    if len(lines) > 1:
        blocks.append(section("\n".join(lines[1:])))
    if status or last_action:
        parts = [t(lang, "chat.case.state", status=t(lang, f"status.{status}"))] if status else []
        if last_action:
            parts.append(last_action)
        blocks.append({"type": "context", "elements": [mrkdwn(" · ".join(parts))]})
    if kind in ACTIONABLE and status != "closed":
        blocks.append(case_actions(lang, str(data["ref"])))
    elif kind == "reminder":
        blocks += _reminder_buttons(lang, data)
    elif kind == "digest":
        blocks += _open_buttons(lang, _digest_refs(data))
    return lines[0], blocks


def _button(action: str, label: str, ref: str) -> dict[str, Any]:
    return {"type": "button", "action_id": action, "text": plain(label), "value": ref}


def _reminder_buttons(lang: str, data: Mapping[str, Any]) -> list[Block]:
    """One row per case in the morning DM, with the actions its due items call for."""
    rows: dict[str, set[str]] = {}
    for item in data.get("items", []):
        rows.setdefault(item["ref"], set()).update(item.get("actions", ()))
    # The action the item asks for first, then opening the case.
    labels = {
        "acknowledge": ("case_ack", "action.acknowledge"),
        "open": ("case_open", "action.open"),
    }
    blocks: list[Block] = []
    for ref, wanted in list(rows.items())[:MAX_ROWS]:
        buttons = [
            _button(action, f"{t(lang, key)} {ref}", ref)
            for name, (action, key) in labels.items()
            if name in wanted
        ]
        blocks.append({"type": "actions", "block_id": f"case:{ref}", "elements": buttons})
    return blocks


def _digest_refs(data: Mapping[str, Any]) -> list[str]:
    refs = [c["ref"] for part in ("new", "overdue", "upcoming") for c in data.get(part, [])]
    return list(dict.fromkeys(refs))


def _open_buttons(lang: str, refs: Sequence[str]) -> list[Block]:
    """ "Åpne" per case; opening checks access, so the R-team channel can carry them."""
    blocks: list[Block] = []
    for start in range(0, min(len(refs), MAX_ROWS * 5), 5):
        chunk = refs[start : start + 5]
        blocks.append(
            {
                "type": "actions",
                "block_id": f"open:{start}",
                "elements": [
                    _button("case_open", f"{t(lang, 'action.open')} {ref}", ref) for ref in chunk
                ],
            }
        )
    return blocks


def case_modal(lang: str, details: CaseDetails, zone: Any) -> dict[str, Any]:
    """The details, for the authorized eye only (opened after the access check)."""
    removed = t(lang, "chat.case.no_text")

    def field(name: str, label: str | None = None) -> Block | None:
        value = details.report.get(name)
        if name not in details.report:
            return None
        shown = value if value is not None else removed
        return section(f"*{label or t(lang, 'field.' + name)}*\n{shown}")

    blocks: list[Block] = [
        section(t(lang, "chat.case.state", status=t(lang, f"status.{details.status}"))),
        *[
            {"type": "context", "elements": [mrkdwn(line)]}
            for line in text.case_lines(
                lang,
                {
                    "urgent": details.urgent,
                    "section": details.section,
                    "unit": details.unit,
                    "categories": details.categories,
                },
            )
        ],
    ]
    for name in ("pupils", "what", "when", "where", "action_taken", "pupil_words"):
        block = field(name)
        if block:
            blocks.append(block)
    blocks.append(
        section(
            f"*{t(lang, 'chat.case.reporter')}*: {details.reporter}\n"
            f"*{t(lang, 'chat.case.handlers')}*: {', '.join(details.handlers)}"
        )
    )
    trail_lines = [
        f"{e.at.astimezone(zone):%d.%m %H.%M} · {t(lang, 'event.' + e.type)} · {e.actor}"
        for e in details.trail
        if e.type not in ("notified", "delivered")
    ]
    blocks.append(section(f"*{t(lang, 'case.trail')}*\n" + "\n".join(trail_lines[-40:])))
    return {
        "type": "modal",
        "callback_id": CASE_VIEW,
        "title": plain(t(lang, "chat.case.title", ref=details.ref)),
        "close": plain(t(lang, "chat.case.close_modal")),
        "blocks": blocks[:100],
    }


def summary_line(lang: str, c: CaseSummary, zone: Any) -> str:
    flags = (" ❗" if c.urgent else "") + (" § 12-5" if c.section == "12-5" else "")
    return (
        t(
            lang,
            "chat.mine.line",
            ref=c.ref,
            status=t(lang, f"status.{c.status}"),
            date=f"{c.created_at.astimezone(zone):%d.%m.%Y}",
        )
        + flags
    )


def home_view(
    lang: str, waiting: Sequence[CaseSummary], mine: Sequence[CaseSummary], zone: Any
) -> dict[str, Any]:
    blocks: list[Block] = [
        {"type": "header", "text": plain(t(lang, "chat.home.title"))},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "home_report",
                    "style": "primary",
                    "text": plain(t(lang, "chat.home.new_report")),
                }
            ],
        },
        {"type": "header", "text": plain(t(lang, "chat.home.waiting"))},
    ]
    if not waiting:
        blocks.append(section(t(lang, "chat.home.none")))
    for c in waiting[:15]:
        detail = text.case_lines(
            lang,
            {"urgent": c.urgent, "section": c.section, "unit": c.unit, "categories": c.categories},
        )
        blocks.append(section(f"*{summary_line(lang, c, zone)}*\n" + "\n".join(detail)))
        blocks.append(case_actions(lang, c.ref))
    blocks.append({"type": "divider"})
    blocks.append({"type": "header", "text": plain(t(lang, "chat.home.mine"))})
    lines = [summary_line(lang, c, zone) for c in mine[:30]]
    blocks.append(section("\n".join(lines) if lines else t(lang, "chat.home.none")))
    return {"type": "home", "blocks": blocks[:100]}

"""Adaptive Cards: the report dialog, the leader's card with its actions, case details, close.

Plain dicts (the Teams SDK validates them on the way out), so this module imports no SDK and
can be tested alone. Everything in a chat message comes from a notice (no pupil names, no
free text); free text appears only in the case dialog, opened after the access check.

Dialogs open from `Action.Submit` with `msteams.type = task/fetch` (Teams answers with a
task/fetch invoke); in-place actions are `Action.Execute` with a verb, and each one carries
`data` (the SDK refuses an Action.Execute without it before any handler runs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot import text
from handlers.i18n import t
from handlers.org import Org
from handlers.report import CATEGORIES, MAX_LENGTH
from handlers.review import CaseDetails

Card = dict[str, Any]
Element = dict[str, Any]
ADAPTIVE = "application/vnd.microsoft.card.adaptive"
VERSION = "1.5"
# Dialog names in the Action.Submit data; verbs of the leader's Action.Execute buttons.
REPORT, CASE, CLOSE = "report", "case", "close"
ACKNOWLEDGE, INVESTIGATE, FORWARD = "acknowledge", "investigate", "forward"
# Kinds whose card carries the leader's actions (the same as Slack's buttons).
ACTIONABLE = {"new_case", "forwarded", "escalated"}
TEXT_FIELDS = ("pupils", "what", "when", "where", "action_taken", "pupil_words")
MULTILINE = {"what", "action_taken", "pupil_words"}


def card(body: list[Element], actions: Sequence[Element] = ()) -> Card:
    out: Card = {"type": "AdaptiveCard", "version": VERSION, "body": body}
    if actions:
        out["actions"] = list(actions)
    return out


def textblock(value: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def dialog_button(title: str, dialog: str, **data: Any) -> Element:
    """A button that opens a dialog: Teams sends task/fetch with this data."""
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "task/fetch"}, "dialog": dialog, **data},
    }


def execute(title: str, verb: str, ref: str, **extra: Any) -> Element:
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": {"ref": ref}, **extra}


# --- filing ---------------------------------------------------------------------------


def start_card(lang: str, *, what: str = "") -> Card:
    """The personal chat's answer to "Meld fra": one button opening the report dialog."""
    button = dialog_button(t(lang, "chat.home.new_report"), REPORT, what=what)
    return card([textblock(t(lang, "teams.start.text"))], [button])


def report_form(
    lang: str,
    org: Org,
    *,
    school_id: str | None,
    staff: Iterable[str],
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    submit_data: Mapping[str, Any] | None = None,
) -> Card:
    """The report form (the Slack modal's fields). With `errors`, the person's input is kept and
    each problem is shown under its field; problems for fields the form lacks go on top."""
    values = dict(values or {})
    errors = dict(errors or {})  # each field's problem is taken out as the field is shown
    had_errors = bool(errors)
    body: list[Element] = [textblock(t(lang, "chat.modal.intro"), isSubtle=True)]
    shown: list[Element] = []

    def add(element: Element, name: str, *, required: bool = False) -> None:
        element.update(id=name, label=t(lang, f"field.{name}"), isRequired=required)
        if name in errors:
            element["errorMessage"] = errors[name]
        shown.append(element)
        if name in errors:  # errorMessage alone shows only after the client's own check
            shown.append(
                textblock(errors.pop(name), color="Attention", size="Small", spacing="None")
            )

    if len(org.schools) > 1 or school_id is None:
        school = {
            "type": "Input.ChoiceSet",
            "choices": [{"title": s.name, "value": s.id} for s in org.schools],
            "value": str(values.get("school") or school_id or ""),
            "placeholder": t(lang, "chat.modal.school_hint"),
        }
        add(school, "school")
    for name in TEXT_FIELDS:
        field: Element = {
            "type": "Input.Text",
            "value": str(values.get(name) or "")[: MAX_LENGTH[name]],
            "maxLength": MAX_LENGTH[name],
            "isMultiline": name in MULTILINE,
        }
        if name in ("pupils", "when"):
            field["placeholder"] = t(lang, f"field.{name}.hint")
        add(field, name, required=name in ("pupils", "what"))
        if name == "where":
            categories = {
                "type": "Input.ChoiceSet",
                "isMultiSelect": True,
                "style": "expanded",
                "choices": [{"title": t(lang, f"category.{c}"), "value": c} for c in CATEGORIES],
                "value": str(values.get("categories") or ""),
            }
            add(categories, "categories")
            # Always present (a card cannot grow on a click); required by the check only
            # when "en ansatt har krenket en elev" is chosen.
            accused = {
                "type": "Input.ChoiceSet",
                "style": "filtered",
                "choices": [{"title": e, "value": e} for e in sorted(staff)],
                "value": str(values.get("accused") or ""),
                "placeholder": t(lang, "teams.form.accused_placeholder"),
            }
            add(accused, "accused")
            shown.append(textblock(t(lang, "chat.modal.accused_hint"), isSubtle=True, size="Small"))
    urgent = {
        "type": "Input.Toggle",
        "title": t(lang, "field.urgent.yes"),
        "valueOn": "yes",
        "valueOff": "no",
        "value": "yes" if values.get("urgent") in ("yes", True) else "no",
    }
    add(urgent, "urgent")
    if had_errors:
        body.append(textblock(t(lang, "teams.form.fix"), color="Attention", weight="Bolder"))
        body += [textblock(v, color="Attention") for v in errors.values()]
    submit = {
        "type": "Action.Submit",
        "title": t(lang, "chat.modal.submit"),
        "style": "positive",
        "data": {"dialog": REPORT, **(submit_data or {})},
    }
    return card(body + shown, [submit])


def close_form(lang: str, ref: str, *, reason: str = "", error: str | None = None) -> Card:
    reason_input: Element = {
        "type": "Input.Text",
        "id": "reason",
        "label": t(lang, "field.reason"),
        "isMultiline": True,
        "isRequired": True,
        "value": reason,
    }
    body = [textblock(t(lang, "chat.case.title", ref=ref), weight="Bolder"), reason_input]
    if error:
        reason_input["errorMessage"] = error
        body.append(textblock(error, color="Attention", size="Small", spacing="None"))
    submit = {
        "type": "Action.Submit",
        "title": t(lang, "chat.close.submit"),
        "style": "destructive",
        "data": {"dialog": CLOSE, "ref": ref},
    }
    return card(body, [submit])


# --- the leader's card ----------------------------------------------------------------


def case_actions(lang: str, ref: str, staff: Iterable[str]) -> list[Element]:
    forward_card = card(
        [
            {
                "type": "Input.ChoiceSet",
                "id": "forward_to",
                "label": t(lang, "field.forward_to"),
                "style": "filtered",
                "isRequired": True,
                "placeholder": t(lang, "chat.forward.placeholder"),
                "choices": [{"title": e, "value": e} for e in sorted(staff)],
            }
        ],
        [execute(t(lang, "action.forward"), FORWARD, ref)],
    )
    return [
        {**dialog_button(t(lang, "action.open"), CASE, ref=ref), "style": "positive"},
        execute(t(lang, "action.acknowledge"), ACKNOWLEDGE, ref),
        execute(t(lang, "action.investigate"), INVESTIGATE, ref),
        {"type": "Action.ShowCard", "title": t(lang, "action.forward"), "card": forward_card},
        {**dialog_button(t(lang, "action.close"), CLOSE, ref=ref), "style": "destructive"},
    ]


def notice_card(
    kind: str,
    lang: str,
    data: Mapping[str, Any],
    *,
    staff: Iterable[str] = (),
    status: str | None = None,
    last_action: str | None = None,
) -> tuple[str, Card]:
    """A notice as (summary text, card), rendered from the same lines as Slack and the console;
    leaders' notices carry the actions until the case is closed."""
    lines = text.RENDERERS[kind](lang, data)
    body = [textblock(lines[0], weight="Bolder", size="Medium")]
    body += [textblock(line, spacing="Small") for line in lines[1:]]
    if status or last_action:
        parts = [t(lang, "chat.case.state", status=t(lang, f"status.{status}"))] if status else []
        if last_action:
            parts.append(last_action)
        body.append(textblock(" · ".join(parts), isSubtle=True, spacing="Medium"))
    actions: list[Element] = []
    if kind in ACTIONABLE and status != "closed":
        actions = case_actions(lang, str(data["ref"]), staff)
    elif kind == "reminder":
        actions = _reminder_actions(lang, data)
    elif kind == "digest":
        refs = [c["ref"] for part in ("new", "overdue", "upcoming") for c in data.get(part, [])]
        # "Åpne" per case; opening checks access, so the R-team channel can carry them.
        actions = [
            dialog_button(f"{t(lang, 'action.open')} {ref}", CASE, ref=ref)
            for ref in list(dict.fromkeys(refs))[:MAX_ACTIONS]
        ]
    return lines[0], card(body, actions)


# Teams shows a handful of actions per card; the rest of a long list is in its text.
MAX_ACTIONS = 6


def _reminder_actions(lang: str, data: Mapping[str, Any]) -> list[Element]:
    """The morning DM: acknowledge where that is what is due, else open, per case."""
    wanted: dict[str, set[str]] = {}
    for item in data.get("items", []):
        wanted.setdefault(item["ref"], set()).update(item.get("actions", ()))
    actions: list[Element] = []
    for ref, names in wanted.items():
        if "acknowledge" in names:
            actions.append(execute(f"{t(lang, 'action.acknowledge')} {ref}", ACKNOWLEDGE, ref))
        else:
            actions.append(dialog_button(f"{t(lang, 'action.open')} {ref}", CASE, ref=ref))
    return actions[:MAX_ACTIONS]


def case_card(lang: str, details: CaseDetails, zone: Any) -> Card:
    """The details, for the authorized eye only (shown in a dialog after the access check)."""
    removed = t(lang, "chat.case.no_text")
    facts = text.case_lines(
        lang,
        {
            "urgent": details.urgent,
            "section": details.section,
            "unit": details.unit,
            "categories": details.categories,
            "accused": details.report_data.get("accused"),
        },
    )
    body = [
        textblock(t(lang, "chat.case.state", status=t(lang, f"status.{details.status}"))),
        *(textblock(line, isSubtle=True, spacing="None") for line in facts),
    ]
    for name in TEXT_FIELDS:
        if name in details.report:
            value = details.report[name]
            body.append(textblock(t(lang, f"field.{name}"), weight="Bolder", spacing="Medium"))
            body.append(textblock(value if value is not None else removed, spacing="None"))
    body.append(
        {
            "type": "FactSet",
            "spacing": "Medium",
            "facts": [
                {"title": t(lang, "chat.case.reporter"), "value": details.reporter},
                {"title": t(lang, "chat.case.handlers"), "value": ", ".join(details.handlers)},
            ],
        }
    )
    trail = [
        f"{e.at.astimezone(zone):%d.%m %H.%M} · {t(lang, 'event.' + e.type)} · {e.actor}"
        for e in details.trail
        if e.type not in ("notified", "delivered")
    ]
    body.append(textblock(t(lang, "case.trail"), weight="Bolder", spacing="Medium"))
    body.append(textblock("\n\n".join(trail[-40:]), size="Small", spacing="None"))
    return card(body)

"""Adaptive Cards drawn from the conversation core (bot/core): forms as dialogs, case messages
with their actions, the case details, lists and the home.

Plain dicts (the Teams SDK validates them on the way out), so this module imports no SDK and
can be tested alone. Everything in a chat message comes from a notice (no pupil names, no
free text); free text appears only in dialogs opened after the access check.

Dialogs open from `Action.Submit` with `msteams.type = task/fetch` (Teams answers with a
task/fetch invoke); inside a dialog, a button that leads to another form submits the dialog
(`open` in its data) and is answered with the next form. In-place actions are
`Action.Execute` with a verb, and each one carries `data` (the SDK refuses an Action.Execute
without it before any handler runs). A person picker is a filtered `Input.ChoiceSet` over the
school's staff that also asks the bot as one types (`Data.Query`, dataset "staff").
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot import text
from bot.core import actions, forms, views
from bot.core.actions import CaseAction, CaseMessage, LastAction
from bot.core.checks import Hint
from bot.core.flow import Asked, Refresh
from bot.core.forms import Field, Heading, Kind, Opened
from handlers.i18n import t
from handlers.review import CaseSummary

Card = dict[str, Any]
Element = dict[str, Any]
ADAPTIVE = "application/vnd.microsoft.card.adaptive"
FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
VERSION = "1.5"
# Dialogs named in the Action.Submit data.
REPORT, CASE, FORM, RUN = "report", "case", "form", "run"
ACTIONABLE = actions.ACTIONABLE
# Notices that list several cases, each with its own actions (reminder, digest).
LISTS = {"reminder", "digest"}
STAFF = "staff"  # the Data.Query dataset of the person picker
SEARCH_PREFIX = "search_"  # Data.Query datasets of the core's pickers: search_pupils, …
MAX_CARD_BYTES = 28 * 1024  # Teams refuses a bigger message
STATIC_PEOPLE = 200  # a picker lists this many people; more are found by typing


def card(body: list[Element], actions_: Sequence[Element] = ()) -> Card:
    out: Card = {"type": "AdaptiveCard", "version": VERSION, "body": body}
    if actions_:
        out["actions"] = list(actions_)
    return out


def size_of(value: Card) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


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
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": {"ref": ref, **extra}}


def start_card(lang: str, *, what: str = "") -> Card:
    """The personal chat's answer to "Meld fra": one button opening the report dialog."""
    button = dialog_button(t(lang, "chat.home.new_report"), REPORT, what=what)
    return card([textblock(t(lang, "teams.start.text"))], [button])


# --- forms ------------------------------------------------------------------------------


def staff_dataset(ref: str | None) -> str:
    return f"{STAFF}:{ref}" if ref else STAFF


def person_choices(people: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """(e-mail, label) pairs as the picker's first choices, by label."""
    ordered = sorted(people, key=lambda p: (p[1].lower(), p[0]))
    return [{"title": label, "value": e} for e, label in ordered][:STATIC_PEOPLE]


def _input(
    f: Field, lang: str, opened: Opened, value: Any, staff: Sequence[tuple[str, str]]
) -> Element:
    if f.kind in (Kind.TEXT, Kind.MULTILINE, Kind.DATE):
        element: Element = {
            "type": "Input.Text",
            "value": str(value or "")[: f.max_length] if f.max_length else str(value or ""),
            "isMultiline": f.kind == Kind.MULTILINE,
        }
        if f.max_length:
            element["maxLength"] = f.max_length
        if f.placeholder or f.hint:
            element["placeholder"] = t(lang, f.placeholder or f.hint or "")
        return element
    if f.kind == Kind.TOGGLE:
        [choice] = f.choices or (forms.Choice("yes", f.label),)
        return {
            "type": "Input.Toggle",
            "title": choice.text(lang),
            "valueOn": "yes",
            "valueOff": "no",
            "value": "yes" if forms.as_bool(value) else "no",
        }
    if f.kind == Kind.PERSON:
        return {
            "type": "Input.ChoiceSet",
            "style": "filtered",
            "choices": person_choices(staff),
            # A case's form asks about that case: whom it may go to (see TeamsEdge.on_card_search).
            "choices.data": {"type": "Data.Query", "dataset": staff_dataset(opened.ref)},
            "value": str(value or ""),
            "placeholder": t(lang, f.placeholder) if f.placeholder else "",
        }
    if f.kind == Kind.SEARCH:
        # Typeahead: the choices come from the bot as one types (application/search).
        element = {
            "type": "Input.ChoiceSet",
            "style": "filtered",
            "choices": [],
            "choices.data": {"type": "Data.Query", "dataset": SEARCH_PREFIX + (f.search or "")},
            "value": value if isinstance(value, str) else ",".join(value or ()),
            "placeholder": t(lang, f.placeholder) if f.placeholder else "",
        }
        if f.multi:
            element["isMultiSelect"] = True
        return element
    picked = value if isinstance(value, str) else ",".join(value or ())
    element = {
        "type": "Input.ChoiceSet",
        "choices": [{"title": c.text(lang), "value": c.value} for c in opened.choices_of(f)],
        "value": picked or (f.default or ""),
    }
    if f.kind == Kind.CHOICES:
        element.update(isMultiSelect=True, style="expanded")
    if f.placeholder:
        element["placeholder"] = t(lang, f.placeholder)
    return element


def form_card(
    lang: str,
    opened: Opened,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    general: Sequence[str] = (),
    staff: Sequence[tuple[str, str]] = (),
    data: Mapping[str, Any] | None = None,
    hints: Mapping[str, Hint] | None = None,
) -> Card:
    """A form of bot.core as a dialog card. With `errors`, what the person typed is kept and
    each problem is shown under its field; problems without a field go on top. Only the
    fields the values so far leave open are drawn (`Opened.visible`); «Sjekk» (`CHECK`)
    draws the card again with them and each field's hint (`hints`) under it."""
    form = opened.form
    values = {**opened.values, **(values or {})}
    errors = dict(errors or {})
    body: list[Element] = []
    if form.intro:
        body.append(textblock(t(lang, form.intro), isSubtle=True))
    if errors or general:
        body.append(textblock(t(lang, "teams.form.fix"), color="Attention", weight="Bolder"))
        body += [textblock(problem, color="Attention") for problem in general]
    for item in opened.shown():
        if isinstance(item, Heading):
            body.append(textblock(item.text(lang), weight="Bolder", spacing="Medium"))
            continue
        if not opened.visible(item, values):
            continue
        element = _input(item, lang, opened, values.get(item.name), staff)
        # A field a later choice may hide is not required by the client: it cannot know.
        required = item.required and item.hidden_if is None
        element.update(id=item.name, label=t(lang, item.label), isRequired=required)
        if item.name in errors:
            element["errorMessage"] = errors[item.name]
        body.append(element)
        if item.name in errors:  # errorMessage alone shows only after the client's own check
            body.append(
                textblock(errors[item.name], color="Attention", size="Small", spacing="None")
            )
        if item.hint and item.kind not in (Kind.TEXT, Kind.MULTILINE, Kind.DATE):
            body.append(textblock(t(lang, item.hint), isSubtle=True, size="Small"))
        if hints and item.name in hints:
            found = hints[item.name]
            mark, color = ("✓", "Good") if found.ok else ("⚠", "Attention")
            body.append(
                textblock(f"{mark} {found.text}", color=color, size="Small", spacing="None")
            )
    sent = {"dialog": FORM, "form": form.name, "ref": opened.ref, **(data or {})}
    check = {
        "type": "Action.Submit",
        "title": t(lang, "chat.form.check"),
        "data": {**sent, CHECK: True},
    }
    submit = {
        "type": "Action.Submit",
        "title": t(lang, form.submit_label),
        "style": "destructive" if form.name == "close" else "positive",
        "data": sent,
    }
    return card(body, [submit, check] if _checks(opened) else [submit])


CHECK = "check"  # in a form's submitted data: draw it again with hints, send nothing


def _checks(opened: Opened) -> bool:
    """Whether «Sjekk» has something to do: a field to show back or one that changes the form."""
    return any(
        isinstance(f, Field) and (f.understand is not None or f.dispatch) for f in opened.shown()
    )


def values_from(form: forms.Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a dialog submitted, as the core wants it (lists for CHOICES, bools for TOGGLE)."""
    values: dict[str, Any] = {}
    for item in form.fields():
        if not isinstance(item, Field) or item.name not in data:
            continue
        value = data[item.name]
        if item.kind == Kind.CHOICES or (item.kind == Kind.SEARCH and item.multi):
            value = [v for v in str(value or "").split(",") if v]
        elif item.kind == Kind.TOGGLE:
            value = forms.as_bool(value)
        elif item.kind == Kind.PERSON:
            value = str(value or "").strip().lower() or None
        else:
            value = "" if value is None else str(value)
        values[item.name] = value
    return values


def form_name(data: Mapping[str, Any]) -> str:
    """The form a dialog's data names ("report" for the report dialog and older cards)."""
    name = str(data.get("form") or data.get("dialog") or "")
    return name if name in forms.FORMS else "report"


def asked(data: Mapping[str, Any], *, opens: bool = False, prefill: Any = None) -> Asked:
    """A dialog's data (task/fetch, task/submit, the message extension's) as the step it asks
    of the core: a form opened from a button (`open`; `opens` for a task/fetch), «Sjekk»
    (`CHECK`), the case chosen (`CASE`) or a button under its details run (`RUN`), else the
    form submitted. The dialog's key comes back with every step of one opened form."""
    name, ref = form_name(data), str(data.get("ref") or "") or None
    values = values_from(forms.FORMS[name], data)
    if opens and prefill is None and not forms.FORMS[name].about_case:
        prefill = {"what": data.get("what") or ""}  # "Meld fra om …" typed in the chat
    opens = opens or bool(data.get("open"))
    chosen = data.get("dialog") == CASE
    checks = bool(data.get(CHECK)) and not chosen and not opens
    runs = ref is not None and (chosen or data.get("dialog") == RUN) and not (opens or checks)
    # «Sjekk» draws what was understood; a submission's problems keep the text as typed.
    typed = values if checks else {k: v for k, v in values.items() if isinstance(v, str)}
    memo = data.get("opened")
    return Asked(
        name,
        ref,
        key=str((not opens and data.get("key")) or uuid.uuid4().hex),  # one per opened form
        values=values,
        kept={**data, **typed},
        memo=memo if isinstance(memo, Mapping) else None,
        opens=opens,
        prefill=prefill,
        checks=checks,
        verb=("open" if chosen else str(data.get("verb") or "")) if runs else None,
        chosen=chosen,
    )


def lines_card(lines: Sequence[str]) -> Card:
    return card([textblock(line) for line in lines])


# --- case messages: the leader's card, reminders, digests --------------------------------


def action_element(
    lang: str, action: CaseAction, ref: str, numbered: bool, **extra: Any
) -> Element:
    title = t(lang, action.label) + (f" {ref}" if numbered else "")
    if action.verb == "open":
        return {**dialog_button(title, CASE, ref=ref), "style": "positive"}
    if action.run is not None:
        return execute(title, action.verb, ref, **extra)
    element = dialog_button(title, FORM, form=action.form, ref=ref)
    if action.style == "danger":
        element["style"] = "destructive"
    return element


def message_card(
    lang: str,
    message: CaseMessage,
    *,
    done: Mapping[str, str] | None = None,
    source: Mapping[str, Any] | None = None,
) -> Card:
    """A notice's card: its lines, its state, and the actions still offered per case. A list
    (reminder, digest) shows `done` (ref → what was done) on the line of each case acted on
    from it, and its in-place buttons name the list (`source`) so the answer can redraw it."""
    done = dict(done or {})
    body = [textblock(message.lines[0], weight="Bolder", size="Medium")]
    body += [_with_done(textblock(line, spacing="Small"), done) for line in message.lines[1:]]
    if message.state:
        body.append(textblock(message.state, isSubtle=True, spacing="Medium"))
    if not message.numbered:
        first = message.rows[0] if message.rows else None
        actions = first.actions if first else ()
        ref = first.ref if first else ""
        return card(body, [action_element(lang, a, ref, False) for a in actions])
    extra = {**(source or {}), "done": done}
    for row in message.rows:
        offered = [a for a in row.actions if not (row.ref in done and a.run is not None)]
        body.append(
            {
                "type": "ActionSet",
                "actions": [action_element(lang, a, row.ref, True, **extra) for a in offered],
            }
        )
    if message.more:
        body.append(textblock(t(lang, "chat.more", count=message.more), isSubtle=True))
    return card(body)


def notice_card(
    kind: str,
    lang: str,
    data: Mapping[str, Any],
    *,
    status: str | None = None,
    last: LastAction | None = None,
    done: Mapping[str, str] | None = None,
) -> tuple[str, Card]:
    """A notice as (summary text, card), from the core's case message."""
    message = actions.case_message(kind, lang, data, status=status, last=last, edge="teams")
    source = {"list": kind, "school": data.get("school"), "date": data.get("date")}
    return message.lines[0], message_card(lang, message, done=done, source=source)


def refreshed(refresh: Refresh) -> tuple[str, Card]:
    """A case card sent earlier, drawn again with the case's new state and who acted."""
    sent = refresh.sent
    return notice_card(sent.kind, sent.lang, sent.data, status=refresh.status, last=refresh.last)


def list_done(
    kind: str, lang: str, sent: Mapping[str, Any], data: Mapping[str, Any], done: Mapping[str, str]
) -> Card:
    """A reminder or digest (`sent`: its data) clicked on, drawn again with `done` added to
    what its buttons said was done before (carried in the clicked button's `data`)."""
    previous = data.get("done")
    before: dict[str, str] = dict(previous) if isinstance(previous, dict) else {}
    return notice_card(kind, lang, sent, done={**before, **done})[1]


def _with_done(element: Element, done: Mapping[str, str]) -> Element:
    """A list line for a case somebody acted on shows what was done."""
    line = element["text"]
    if line.lstrip().startswith("•"):
        for ref, what in done.items():
            if re.search(rf"\b{re.escape(ref)}\b", line):
                return {**element, "text": f"{line} — ✓ {what}"}
    return element


# --- the case details, lists, the home ------------------------------------------------------


def case_card(lang: str, view: views.CaseView) -> Card:
    """The details, for the authorized eye only (a dialog after the access check), with the
    case's own actions under them (plan, evaluation, note, R-team, export…)."""
    body = [
        textblock(view.state),
        *(textblock(line, isSubtle=True, spacing="None") for line in view.facts),
    ]
    for label, value in view.report:
        body.append(textblock(label, weight="Bolder", spacing="Medium"))
        body.append(textblock(value, spacing="None"))
    facts = [{"title": k, "value": v} for k, v in view.people]
    body.append({"type": "FactSet", "spacing": "Medium", "facts": facts})
    body.append(textblock(view.trail_title, weight="Bolder", spacing="Medium"))
    body.append(textblock("\n\n".join(view.trail), size="Small", spacing="None"))
    buttons = [
        {
            "type": "Action.Submit",
            "title": t(lang, a.label),
            # A form opens as the dialog's next step; an in-place action runs from it.
            "data": {"dialog": FORM, "form": a.form, "ref": view.ref, "open": True}
            if a.form
            else {"dialog": RUN, "verb": a.verb, "ref": view.ref},
        }
        for a in view.buttons
    ]
    out = card(body, buttons)
    while size_of(out) > MAX_CARD_BYTES and len(body) > 3:  # a very long report
        body.pop(-3)
    return out


def plan_card(view: views.PlanView) -> Card:
    body: list[Element] = []
    for heading, lines in view.sections:
        body.append(textblock(heading, weight="Bolder", spacing="Medium"))
        for depth, line in lines:
            body.append(
                textblock(line, spacing="None", weight="Bolder" if depth == 1 else "Default")
            )
    return card(body, [])


def summary_line(lang: str, c: CaseSummary, zone: Any) -> str:
    flags = (" ❗" if c.urgent else "") + (" § 12-5" if c.section == "12-5" else "")
    date = f"{c.created_at.astimezone(zone):%d.%m.%Y}"
    return (
        t(lang, "chat.mine.line", ref=c.ref, status=t(lang, f"status.{c.status}"), date=date)
        + flags
    )


HOME_WAITING = 15
HOME_MINE = 30


def listing_card(lang: str, title: str, cases: Sequence[CaseSummary], zone: Any) -> Card:
    lines = [summary_line(lang, c, zone) for c in cases[:HOME_MINE]]
    if len(cases) > HOME_MINE:
        lines.append(t(lang, "chat.more", count=len(cases) - HOME_MINE))
    body = [textblock(t(lang, title), weight="Bolder")]
    body.append(textblock("\n\n".join(lines) if lines else t(lang, "chat.home.none")))
    return card(body)


def listing(view: views.ListView) -> tuple[str, Card]:
    """A list of cases as (summary text, card), for the personal chat."""
    lang = view.lang
    lines = [t(lang, view.title), *(summary_line(lang, c, view.zone) for c in view.cases[:30])]
    summary = "\n\n".join(lines) if view.cases else t(lang, view.none)
    return summary, listing_card(lang, view.title, view.cases, view.zone)


def form_title(lang: str, opened: Opened) -> str:
    title = t(lang, opened.form.title)
    return f"{title} ({opened.ref})" if opened.ref else title


def home_card(home: views.HomeView, overview: views.OverviewView | None = None) -> Card:
    """The cases waiting for the person, each with the leader's actions, and their own
    reports (the answer to "saker", and the welcome card); for rektor (skoleeier, a leader
    with cases) the overview after them."""
    lang, waiting, mine, zone, welcome = home.lang, home.waiting, home.mine, home.zone, home.welcome
    body: list[Element] = []
    if welcome:
        body.append(textblock(t(lang, "teams.start.text")))
    body.append(textblock(t(lang, "chat.home.waiting"), weight="Bolder", size="Medium"))
    if not waiting:
        body.append(textblock(t(lang, "chat.home.none"), isSubtle=True))
    for c in waiting[:HOME_WAITING]:
        body.append(textblock(summary_line(lang, c, zone), weight="Bolder", spacing="Medium"))
        body += [
            textblock(line, isSubtle=True, spacing="None") for line in text.summary_lines(lang, c)
        ]
        row = actions.message_actions(c.status)
        body.append(
            {"type": "ActionSet", "actions": [action_element(lang, a, c.ref, False) for a in row]}
        )
    if len(waiting) > HOME_WAITING:
        body.append(textblock(t(lang, "chat.more", count=len(waiting) - HOME_WAITING)))
    body.append(textblock(t(lang, "chat.home.mine"), weight="Bolder", size="Medium"))
    lines = [summary_line(lang, c, zone) for c in mine[:HOME_MINE]]
    if len(mine) > HOME_MINE:
        lines.append(t(lang, "chat.more", count=len(mine) - HOME_MINE))
    body.append(textblock("\n\n".join(lines) if lines else t(lang, "chat.home.none")))
    if overview is not None:
        body += overview_elements(lang, overview)
    button = dialog_button(t(lang, "chat.home.new_report"), REPORT)
    return card(body, [button])


OVERVIEW = "overview"  # the verb of the overview's search, sorts and pages
OVERVIEW_TEXT = "overview_text"  # its search field


def overview_query(data: Mapping[str, Any]) -> dict[str, Any]:
    """The overview's query as its Action.Execute carried it (`overview_elements`): the
    search button's takes the text typed in the search field."""
    query = dict(data)
    if query.get("search"):
        query["text"] = str(query.get(OVERVIEW_TEXT) or "")
    return query


def overview_elements(lang: str, view: views.OverviewView) -> list[Element]:
    """Rektor's overview (bot.core.views.OverviewView) in the home card: a search field, the
    sorts, one page of lines each with the declared "open" button, and the pages. Search,
    sort and page are Action.Execute (verb "overview"): the answer is the home card redrawn."""

    def go(title: str, query: Mapping[str, str]) -> Element:
        return {"type": "Action.Execute", "title": title, "verb": OVERVIEW, "data": dict(query)}

    body: list[Element] = [
        textblock(view.title, weight="Bolder", size="Medium", spacing="Large"),
        textblock(view.summary, isSubtle=True, spacing="None"),
        {
            "type": "Input.Text",
            "id": OVERVIEW_TEXT,
            "label": view.search_label,
            "placeholder": view.search_hint,
            "value": view.query.text,
            "maxLength": views.MAX_SEARCH,
        },
        {
            "type": "ActionSet",
            "actions": [
                go(t(lang, "overview.search.submit"), {**view.at(page=1), "search": "1"}),
                *(go(label, view.at(sort=sort)) for sort, label in view.sorts),
            ],
        },
    ]
    for group in view.groups:
        if group.heading:
            body.append(textblock(group.heading, weight="Bolder", spacing="Medium"))
        for line in group.lines:
            body.append(textblock(line.text, spacing="Small"))
            opener = action_element(lang, view.open, line.ref, False)
            body.append({"type": "ActionSet", "spacing": "None", "actions": [opener]})
    if view.empty:
        body.append(textblock(view.empty, isSubtle=True))
    steps = [
        go(t(lang, key), view.at(page=page))
        for key, page in (
            ("overview.previous", view.previous_page),
            ("overview.next", view.next_page),
        )
        if page is not None
    ]
    if steps:
        body.append(textblock(view.page_line, isSubtle=True))
        body.append({"type": "ActionSet", "actions": steps})
    return body


def case_picker(lang: str, waiting: Sequence[CaseSummary], zone: Any) -> Card:
    """The first step of *Sak*: which of the cases waiting for you (no names, no free text)."""
    choices = [{"title": summary_line(lang, c, zone), "value": c.ref} for c in waiting[:HOME_MINE]]
    picker = {
        "type": "Input.ChoiceSet",
        "id": "ref",
        "label": t(lang, "chat.home.waiting"),
        "isRequired": True,
        "choices": choices,
        "value": choices[0]["value"],
    }
    submit = {"type": "Action.Submit", "title": t(lang, "action.open"), "data": {"dialog": CASE}}
    return card([picker], [submit])


def file_consent(name: str, size: int, description: str, token: str) -> dict[str, Any]:
    """The attachment asking to put an export in the person's OneDrive (personal chat only)."""
    return {
        "contentType": FILE_CONSENT,
        "name": name,
        "content": {
            "description": description,
            "sizeInBytes": size,
            "acceptContext": {"export": token},
            "declineContext": {"export": token},
        },
    }


def file_info(name: str, content_url: str, unique_id: str, file_type: str) -> dict[str, Any]:
    return {
        "contentType": FILE_INFO,
        "name": name,
        "contentUrl": content_url,
        "content": {"uniqueId": unique_id, "fileType": file_type},
    }

"""Block Kit from the conversation core: modals from form declarations, messages from the
case message model, App Home and the case details.

Everything shown in a message comes from a notice (no pupil names, no free text). Free text
appears only in the case modal, opened after the access check. Every text that goes into
mrkdwn is escaped (`escape`), so "<!channel>" or "<http://x|y>" typed in a report stays
text; long text is split across sections (Slack: 3000 characters a section, 50 blocks a
message, 100 a modal or App Home), never cut.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot import text
from bot.core import actions, forms, views
from bot.core.actions import CaseAction, CaseMessage, LastAction
from bot.core.checks import Hint
from bot.core.flow import Refresh, Shown
from bot.core.forms import Field, Heading, Kind, Opened
from handlers.i18n import t
from handlers.review import CaseSummary

Block = dict[str, Any]
VIEW_PREFIX = "meldefra_"
REPORT_VIEW = VIEW_PREFIX + "report"
CASE_VIEW = VIEW_PREFIX + "case"
SECTION_LIMIT = 3000  # characters of a section's text
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
# The button (action_id) of each case verb. Forms whose only field is a person are drawn
# as a user picker on the message itself.
ACTION_IDS = {"acknowledge": "case_ack"}
VERBS = {**{f"case_{v}": v for v in actions.ACTIONS}, **{a: v for v, a in ACTION_IDS.items()}}


def verb_of(action_id: str) -> str | None:
    """The case verb of a button (every verb declared in bot.core.actions, as it is now)."""
    verb = VERBS.get(action_id) or action_id.removeprefix("case_")
    return verb if verb in actions.ACTIONS else None


def action_id(verb: str) -> str:
    return ACTION_IDS.get(verb, f"case_{verb}")


def escape(value: str) -> str:
    """Text for mrkdwn: &, < and > as entities, so nothing typed becomes a mention or link."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(value: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": _shorten(value, limit), "emoji": True}


def _shorten(value: str, limit: int) -> str:
    """For labels and titles (never free text): cut at a word with an ellipsis."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1].rsplit(" ", 1)[0] or value[: limit - 1]
    return cut + "…"


def mrkdwn(value: str) -> dict[str, Any]:
    """`value` must already be escaped (or be a catalog text)."""
    return {"type": "mrkdwn", "text": value}


def split_text(value: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, split at line ends, else at spaces, so
    nothing is lost and no word is cut (a word longer than a piece is split)."""
    pieces: list[str] = []
    current = ""
    for line in value.split("\n"):
        while len(line) > limit:
            head = line[:limit]
            cut = head.rfind(" ")
            cut = cut if cut > limit // 2 else limit
            piece, line = line[:cut], line[cut:].lstrip(" ")
            if current:
                pieces.append(current)
                current = ""
            pieces.append(piece)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def sections(value: str, *, heading: str | None = None) -> list[Block]:
    """An escaped text (with an optional bold heading) as as many sections as it needs."""
    lead = f"*{heading}*\n" if heading else ""
    pieces = split_text(value, SECTION_LIMIT - len(lead))
    out = [{"type": "section", "text": mrkdwn(lead + pieces[0])}]
    out += [{"type": "section", "text": mrkdwn(p)} for p in pieces[1:] if p]
    return out


def section(value: str) -> Block:
    return {"type": "section", "text": mrkdwn(value)}


def context(value: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(value)]}


# --- forms -------------------------------------------------------------------------------


def form_view(
    opened: Opened,
    lang: str,
    *,
    metadata: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
    hints: Mapping[str, Hint] | None = None,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """A modal drawn from the form's declaration. `values` (what was picked so far) decides
    the fields shown (`shown_if`, `hidden_if`); `hints` (bot.core.checks) go under their
    fields, `notes` above them all. The metadata keeps what the form was opened with
    (`Opened.memo`), so it can be drawn again as the person types (`flow.redraw`)."""
    form = opened.form
    current = {**opened.values, **(values or {})}
    blocks: list[Block] = []
    if form.intro:
        blocks.append(context(escape(t(lang, form.intro))))
    blocks.extend(context(escape(note)) for note in notes)
    for item in opened.shown():
        if isinstance(item, Heading):
            blocks.append(section(f"*{escape(item.text(lang))}*"))
        elif opened.visible(item, current):
            blocks.append(_input(item, opened, lang, current.get(item.name)))
            if hints and item.name in hints:
                blocks.append(hint_block(item.name, hints[item.name]))
    meta = {"ref": opened.ref, **(metadata or {})} if opened.ref else dict(metadata or {})
    memo = json.dumps({**meta, "opened": opened.memo()})
    if len(memo) <= METADATA_LIMIT:  # else a change reopens the form (a logged read)
        meta["opened"] = opened.memo()
    return {
        "type": "modal",
        "callback_id": VIEW_PREFIX + form.name,
        "title": plain(t(lang, form.title), 24),
        "submit": plain(t(lang, form.submit_label), 24),
        "close": plain(t(lang, "chat.modal.cancel"), 24),
        "private_metadata": json.dumps(meta),
        "blocks": blocks[:VIEW_BLOCKS],
    }


def shown_view(shown: Shown, lang: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """A form as the core shows it (`flow.Shown`: the values to keep, the hints under their
    fields, the lines above them), opened or drawn again: what it was opened with is kept
    anew (`form_view`)."""
    keep = {k: v for k, v in metadata.items() if k not in ("ref", "opened")}
    values, hints, notes = shown.values, shown.hints, shown.general
    return form_view(shown.opened, lang, metadata=keep, values=values, hints=hints, notes=notes)


METADATA_LIMIT = 3000  # Slack: characters of a view's private_metadata
HINT_PREFIX = "hint:"  # the block_id of a field's hint: hint:when


def hint_block(name: str, hint: Hint) -> Block:
    """What a field's value was understood as (or what is wrong), under the field."""
    mark = "✓" if hint.ok else "⚠"
    return {
        "type": "context",
        "block_id": HINT_PREFIX + name,
        "elements": [mrkdwn(f"{mark} {escape(hint.text)}")],
    }


def sends_changes(f: Field) -> bool:
    """A field whose change redraws the form: it may show or hide others (`dispatch`), or
    its value is understood and shown back (`understand`)."""
    return f.dispatch or f.understand is not None


SEARCH_PREFIX = "search_"  # the action_id of a picker's element: search_pupils, search_staff


def search_options(found: Sequence[forms.Choice], lang: str) -> list[dict[str, Any]]:
    """A picker's options (block_suggestion): at most 100, each label at most 75 characters."""
    return [_option(c.value, c.text(lang)) for c in found[:100]]


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value}


def _input(f: Field, opened: Opened, lang: str, value: Any) -> Block:
    element: dict[str, Any]
    choices = [_option(c.value, c.text(lang)) for c in opened.choices_of(f)]
    if f.kind in (Kind.TEXT, Kind.MULTILINE, Kind.DATE):
        element = {"type": "plain_text_input", "multiline": f.kind == Kind.MULTILINE}
        if f.max_length:
            element["max_length"] = f.max_length
        if isinstance(value, str) and value:
            element["initial_value"] = value[: f.max_length or 3000]
        if f.placeholder:
            element["placeholder"] = plain(t(lang, f.placeholder), 150)
    elif f.kind == Kind.CHOICE:
        # A list made when the form opens (schools, pupils) is a menu; a fixed one, buttons.
        element = {
            "type": "static_select" if f.choices_from else "radio_buttons",
            "options": choices,
        }
        picked = next((o for o in choices if o["value"] == (value or f.default)), None)
        if picked:
            element["initial_option"] = picked
    elif f.kind in (Kind.CHOICES, Kind.TOGGLE):
        element = {"type": "checkboxes", "options": choices}
        chosen = [o for o in choices if o["value"] in _as_list(value, f)]
        if chosen:
            element["initial_options"] = chosen
    elif f.kind == Kind.SEARCH:
        # Options come from the app as one types (block_suggestion, SlackEdge.suggest).
        element = {
            "type": "multi_external_select" if f.multi else "external_select",
            "min_query_length": 1,
        }
        if f.placeholder:
            element["placeholder"] = plain(t(lang, f.placeholder), 150)
    else:  # PERSON
        element = {"type": "users_select"}
        if isinstance(value, str) and value:  # a Slack user picked on the message
            element["initial_user"] = value
        if f.placeholder:
            element["placeholder"] = plain(t(lang, f.placeholder), 150)
    # A field that changes the form sends its own action; the others only their value.
    element["action_id"] = f.name if sends_changes(f) else "value"
    if f.kind == Kind.SEARCH:
        element["action_id"] = SEARCH_PREFIX + (f.search or "")
    block: Block = {
        "type": "input",
        "block_id": f.name,
        "label": plain(_label(f, lang), 2000),
        "element": element,
        "optional": not f.required,
    }
    if f.hint:
        block["hint"] = plain(t(lang, f.hint), 2000)
    if sends_changes(f):
        block["dispatch_action"] = True  # a text field sends it when Enter is pressed
    return block


def _as_list(value: Any, f: Field) -> list[str]:
    if f.kind == Kind.TOGGLE:
        return ["yes"] if forms.as_bool(value) else []
    return list(value) if isinstance(value, list | tuple) else []


def _label(f: Field, lang: str) -> str:
    parts = f.name.split(".")
    label = t(lang, f.label)
    return f"{label} ({parts[1]})" if len(parts) == 3 else label


def done_view(lang: str, lines: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain(t(lang, "chat.done"), 24),
        "close": plain(t(lang, "chat.case.close_modal"), 24),
        "blocks": sections(escape("\n".join(lines)))[:VIEW_BLOCKS],
    }


def working_view(lang: str, title: str) -> dict[str, Any]:
    """Shown at once while slow work goes on (views.update replaces it when done)."""
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain(t(lang, "chat.case.close_modal"), 24),
        "blocks": [section(escape(t(lang, "chat.export.working")))],
    }


# --- the case message --------------------------------------------------------------------


def _button(action: CaseAction, lang: str, ref: str, numbered: bool) -> dict[str, Any]:
    label = t(lang, action.label) + (f" {ref}" if numbered else "")
    if action.form and inline_person(action.form):
        return {
            "type": "users_select",
            "action_id": action_id(action.verb),
            "placeholder": plain(t(lang, "chat.forward.placeholder"), 150),
        }
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id(action.verb),
        "text": plain(label, 75),
        "value": ref,
    }
    if action.style:
        button["style"] = action.style
    return button


def inline_person(form_name: str) -> bool:
    # A confirmation (§ 12-5) is asked in the form's modal after the pick (flow.submit_one).
    declared = forms.FORMS[form_name].fields()
    fields = [f for f in declared if isinstance(f, Field) and f.name != forms.CONFIRM]
    return len(fields) == 1 and fields[0].kind == Kind.PERSON


def actions_block(
    lang: str, ref: str, row: Sequence[CaseAction], *, block_id: str, numbered: bool = False
) -> Block:
    return {
        "type": "actions",
        "block_id": block_id,
        "elements": [_button(a, lang, ref, numbered) for a in row],
    }


def notice_message(
    kind: str,
    lang: str,
    data: Mapping[str, Any],
    *,
    status: str | None = None,
    last: LastAction | None = None,
) -> tuple[str, list[Block]]:
    """A notice as (fallback text, blocks), from the core's case message."""
    return render_message(actions.case_message(kind, lang, data, status=status, last=last), lang)


def refreshed(refresh: Refresh) -> tuple[str, list[Block]]:
    """A case message sent earlier, drawn again with the case's new state and who acted."""
    sent = refresh.sent
    return notice_message(sent.kind, sent.lang, sent.data, status=refresh.status, last=refresh.last)


def render_message(message: CaseMessage, lang: str) -> tuple[str, list[Block]]:
    title, *rest = message.lines
    head = [section(f"*{escape(title)}*")]
    body = sections(escape("\n".join(rest))) if rest else []
    tail: list[Block] = [context(message.state)] if message.state else []
    rows = [
        actions_block(
            lang, row.ref, row.actions, block_id=f"case:{row.ref}", numbered=message.numbered
        )
        for row in message.rows
    ]
    more = message.more
    # Within Slack's 50 blocks: the text first, then as many rows as fit; the rest counted.
    room = MESSAGE_BLOCKS - len(head) - len(tail) - 1
    body = body[: max(room - 1, 1)]
    room -= len(body)
    if len(rows) > room:
        more += len(rows) - room
        rows = rows[:room]
    blocks = head + body + tail + rows
    if more:
        blocks.append(context(escape(t(lang, "chat.more_cases", count=more))))
    return title, blocks


# --- the case details (after the access check) -------------------------------------------


def case_modal(lang: str, view: views.CaseView) -> dict[str, Any]:
    blocks: list[Block] = [
        section(escape(view.state)),
        *(context(escape(line)) for line in view.facts),
    ]
    for label, value in view.report:
        blocks += sections(escape(value), heading=escape(label))
    blocks.append(section("\n".join(f"*{escape(k)}*: {escape(v)}" for k, v in view.people)))
    trail_blocks = sections(escape("\n".join(view.trail)), heading=view.trail_title)
    row = (
        [actions_block(lang, view.ref, view.buttons, block_id=f"plan:{view.ref}")]
        if view.buttons
        else []
    )
    room = VIEW_BLOCKS - len(trail_blocks) - len(row)
    if len(blocks) > room:  # a very long report: the start of the trail stays visible
        blocks = blocks[: room - 1] + [
            context(escape(t(lang, "chat.more", count=len(blocks) - room + 1)))
        ]
    return {
        "type": "modal",
        "callback_id": CASE_VIEW,
        "title": plain(view.title, 24),
        "close": plain(t(lang, "chat.case.close_modal"), 24),
        "blocks": blocks + trail_blocks + row,
    }


def plan_modal(view: views.PlanView) -> dict[str, Any]:
    blocks: list[Block] = []
    for heading, lines in view.sections:
        text_ = "\n".join(("    " * (depth - 1)) + line for depth, line in lines)
        blocks += sections(escape(text_ or "–"), heading=escape(heading))
    return {
        "type": "modal",
        "callback_id": VIEW_PREFIX + "plan_view",
        "title": plain(view.title, 24),
        "blocks": blocks[:VIEW_BLOCKS],
    }


# --- lists and App Home ------------------------------------------------------------------


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


def listing(view: views.ListView, limit: int = 30) -> str:
    """A list for an ephemeral answer (mine, saker); what does not fit is counted."""
    lang, cases = view.lang, view.cases
    if not cases:
        return t(lang, view.none)
    lines = [t(lang, view.title), *(f"• {summary_line(lang, c, view.zone)}" for c in cases[:limit])]
    if len(cases) > limit:
        lines.append(t(lang, "chat.more", count=len(cases) - limit))
    return "\n".join(lines)


HOME_WAITING = 15
HOME_MINE = 30


def home_view(home: views.HomeView, overview: views.OverviewView | None = None) -> dict[str, Any]:
    """The person's home: a new report, what waits for them, their reports; and for rektor
    (skoleeier, a leader with cases) the overview, last, always whole (what waits is cut to
    leave it room within the view's 100 blocks)."""
    lang = home.lang
    head = _home_lists(lang, home.waiting, home.mine, home.zone)
    if overview is None:
        return {"type": "home", "blocks": head[:VIEW_BLOCKS]}
    tail = overview_blocks(lang, overview)
    return {
        "type": "home",
        "blocks": head[: VIEW_BLOCKS - len(tail)] + tail,
        "private_metadata": json.dumps(overview.at()),
    }


OVERVIEW = "overview_"  # action ids of the overview's search, sorts and pages
OVERVIEW_SEARCH = OVERVIEW + "search"


def overview_blocks(lang: str, view: views.OverviewView) -> list[Block]:
    """Rektor's overview (bot.core.views.OverviewView): a search field, the sorts, one page
    of lines each with the declared "open" button, and the pages."""
    out: list[Block] = [
        {"type": "divider"},
        {"type": "header", "text": plain(view.title, 150)},
        context(escape(view.summary)),
        {
            "type": "input",
            "block_id": OVERVIEW_SEARCH,
            "dispatch_action": True,
            "optional": True,
            "label": plain(view.search_label, 2000),
            "hint": plain(view.search_hint, 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": OVERVIEW_SEARCH,
                "initial_value": view.query.text,
                "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
            },
        },
        {
            "type": "actions",
            "block_id": OVERVIEW + "sorts",
            "elements": [
                {
                    "type": "button",
                    "action_id": f"{OVERVIEW}sort_{sort}",
                    "text": plain(label, 75),
                    "value": json.dumps(view.at(sort=sort)),
                    **({"style": "primary"} if sort == view.query.sort else {}),
                }
                for sort, label in view.sorts
            ],
        },
    ]
    for group in view.groups:
        if group.heading:
            out.append(section(f"*{escape(group.heading)}*"))
        for line in group.lines:
            button = _button(view.open, lang, line.ref, False)
            out.append({**section(escape(line.text)), "block_id": f"case:{line.ref}"})
            out[-1]["accessory"] = {**button, "style": "primary"}
    if view.empty:
        out.append(section(escape(view.empty)))
    steps = [
        (f"{OVERVIEW}page_previous", "overview.previous", view.previous_page),
        (f"{OVERVIEW}page_next", "overview.next", view.next_page),
    ]
    pages = [
        {
            "type": "button",
            "action_id": action,
            "text": plain(t(lang, label), 75),
            "value": json.dumps(view.at(page=page)),
        }
        for action, label, page in steps
        if page is not None
    ]
    if pages:
        out.append(context(escape(view.page_line)))
        out.append({"type": "actions", "block_id": OVERVIEW + "pages", "elements": pages})
    return out


def _home_lists(
    lang: str, waiting: Sequence[CaseSummary], mine: Sequence[CaseSummary], zone: Any
) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": plain(t(lang, "chat.home.title"), 150)},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "home_report",
                    "style": "primary",
                    "text": plain(t(lang, "chat.home.new_report"), 75),
                }
            ],
        },
        {"type": "header", "text": plain(t(lang, "chat.home.waiting"), 150)},
    ]
    if not waiting:
        blocks.append(section(escape(t(lang, "chat.home.none"))))
    for c in waiting[:HOME_WAITING]:
        detail = [summary_line(lang, c, zone), *text.summary_lines(lang, c)]
        blocks.append(section(f"*{escape(detail[0])}*\n" + escape("\n".join(detail[1:]))))
        row = actions.message_actions(c.status)
        blocks.append(actions_block(lang, c.ref, row, block_id=f"case:{c.ref}"))
    if len(waiting) > HOME_WAITING:
        blocks.append(context(escape(t(lang, "chat.more", count=len(waiting) - HOME_WAITING))))
    blocks.append({"type": "divider"})
    blocks.append({"type": "header", "text": plain(t(lang, "chat.home.mine"), 150)})
    lines = [summary_line(lang, c, zone) for c in mine[:HOME_MINE]]
    if len(mine) > HOME_MINE:
        lines.append(t(lang, "chat.more", count=len(mine) - HOME_MINE))
    blocks += sections(escape("\n".join(lines) if lines else t(lang, "chat.home.none")))
    return blocks

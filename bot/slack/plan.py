"""The aktivitetsplan in Slack: make the plan, evaluate, share with the R-team, export.

Opened from the case dialog (after the access check). Each form maps one to one onto a
handler form in handlers/plan.py; errors come back beside the fields with the text kept.
The export goes to the leader's own DM, never a channel.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import Block, mrkdwn, plain, section
from handlers import export, plan, review
from handlers.dates import format_when
from handlers.errors import FieldErrors, Refused
from handlers.i18n import t
from handlers.plan import EvaluationForm, PlanForm, TiltakForm

if TYPE_CHECKING:
    from bot.slack.app import SlackEdge

log = logging.getLogger("meldefra.slack.plan")
PLAN_VIEW = "meldefra_plan"
EVALUATE_VIEW = "meldefra_evaluate"
EXPORT_VIEW = "meldefra_export"
SHARE_VIEW = "meldefra_share"
TILTAK_ROWS = 3
TILTAK_FIELDS = ("what", "who", "when")


def plan_buttons(lang: str, ref: str, status: str) -> Block:
    """The plan actions under the case details (only an authorized person sees these)."""
    first = (
        ("case_evaluate", "action.evaluate") if status == "plan" else ("case_plan", "action.plan")
    )
    buttons = [first, ("case_export", "action.export"), ("case_share", "action.share_rteam")]
    return {
        "type": "actions",
        "block_id": f"plan:{ref}",
        "elements": [
            {"type": "button", "action_id": action, "text": plain(t(lang, key)), "value": ref}
            for action, key in buttons
        ],
    }


def _text(
    lang: str,
    block_id: str,
    label_key: str,
    *,
    optional: bool,
    multiline: bool = False,
    initial: str = "",
    hint_key: str | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(t(lang, label_key)),
        "element": element,
        "optional": optional,
    }
    if hint_key:
        block["hint"] = plain(t(lang, hint_key))
    return block


def _radio(
    lang: str,
    block_id: str,
    label_key: str,
    options: list[tuple[str, str]],
    *,
    optional: bool = False,
) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(t(lang, label_key)),
        "optional": optional,
        "element": {
            "type": "radio_buttons",
            "action_id": "value",
            "options": [{"text": plain(label), "value": value} for value, label in options],
        },
    }


def _tiltak_rows(lang: str, rows: int, *, first_required: bool) -> list[Block]:
    blocks: list[Block] = []
    for n in range(1, rows + 1):
        blocks.append(section(f"*{t(lang, 'chat.plan.tiltak_n', n=n)}*"))
        for name in TILTAK_FIELDS:
            hint = f"plan.field.{name}.hint" if name != "what" else None
            blocks.append(
                _text(
                    lang,
                    f"tiltak.{n}.{name}",
                    f"plan.field.{name}",
                    optional=not (first_required and n == 1 and name == "what"),
                    multiline=name == "what",
                    hint_key=hint,
                )
            )
    return blocks


def _modal(
    callback: str, title_key: str, lang: str, ref: str, blocks: list[Block]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": plain(t(lang, title_key)[:24]),
        "submit": plain(t(lang, "chat.modal.submit")),
        "close": plain(t(lang, "chat.modal.cancel")),
        "private_metadata": json.dumps({"ref": ref}),
        "blocks": blocks,
    }


def plan_modal(lang: str, ref: str, pupils: str) -> dict[str, Any]:
    blocks = [
        _text(
            lang,
            "pupils",
            "plan.field.pupils",
            optional=False,
            multiline=True,
            initial=pupils,
            hint_key="plan.field.pupils.hint",
        ),
        _text(lang, "problem", "plan.field.problem", optional=False, multiline=True),
        _text(
            lang,
            "pupil_voice",
            "plan.field.pupil_voice",
            optional=False,
            multiline=True,
            hint_key="plan.field.pupil_voice.hint",
        ),
        _text(lang, "pupil_heard", "plan.field.pupil_heard", optional=True, multiline=True),
        _text(lang, "foresatte_heard", "plan.field.foresatte_heard", optional=True, multiline=True),
        *_tiltak_rows(lang, TILTAK_ROWS, first_required=True),
        _text(
            lang,
            "evaluate_when",
            "plan.field.evaluate_when",
            optional=False,
            hint_key="plan.field.evaluate_when.hint",
        ),
    ]
    return _modal(PLAN_VIEW, "chat.plan.title", lang, ref, blocks)


def evaluate_modal(lang: str, ref: str, active: list[plan.Tiltak]) -> dict[str, Any]:
    blocks: list[Block] = [
        _radio(
            lang,
            "effect",
            "plan.field.effect",
            [(e, t(lang, f"plan.effect.{e}")) for e in plan.EFFECTS],
        ),
        _text(
            lang,
            "pupil_says",
            "plan.field.pupil_says",
            optional=False,
            multiline=True,
            hint_key="plan.field.pupil_says.hint",
        ),
        _text(lang, "foresatte_says", "plan.field.foresatte_says", optional=True, multiline=True),
        _text(lang, "notes", "plan.field.notes", optional=True, multiline=True),
        _radio(
            lang,
            "decision",
            "plan.field.decision",
            [(d, t(lang, f"plan.decision.{d}")) for d in plan.DECISIONS],
        ),
        _text(
            lang,
            "next_evaluation",
            "plan.field.next_evaluation",
            optional=True,
            hint_key="plan.field.evaluate_when.hint",
        ),
    ]
    if active:
        blocks.append(
            {
                "type": "input",
                "block_id": "end_tiltak",
                "optional": True,
                "label": plain(t(lang, "plan.field.end_tiltak")),
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [
                        {"text": plain(f"{x.no}. {(x.what or '')[:60]}"), "value": str(x.no)}
                        for x in active[:10]
                    ],
                },
            }
        )
    blocks.append(section(f"*{t(lang, 'chat.evaluate.add')}*"))
    blocks += [b for b in _tiltak_rows(lang, 1, first_required=False) if b["type"] == "input"]
    return _modal(EVALUATE_VIEW, "chat.evaluate.title", lang, ref, blocks)


def export_modal(lang: str, ref: str, pupils: list[str]) -> dict[str, Any]:
    blocks: list[Block] = [
        _radio(
            lang,
            "document",
            "chat.export.document",
            [(d, t(lang, f"export.document.{d}")) for d in export.DOCUMENTS],
        )
    ]
    if len(pupils) > 1:
        blocks.append(
            {
                "type": "input",
                "block_id": "anonymize_others",
                "optional": True,
                "label": plain(t(lang, "chat.export.keep_pupil")),
                "hint": plain(t(lang, "chat.export.keep_pupil.hint")),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [
                        {"text": plain(p[:70]), "value": str(i)} for i, p in enumerate(pupils, 1)
                    ],
                },
            }
        )
    return _modal(EXPORT_VIEW, "chat.export.title", lang, ref, blocks)


def share_modal(lang: str, ref: str) -> dict[str, Any]:
    return _modal(
        SHARE_VIEW,
        "chat.share.title",
        lang,
        ref,
        [
            _radio(
                lang,
                "basis",
                "plan.field.basis",
                [(b, t(lang, f"plan.share.{b}")) for b in plan.SHARE_BASES],
            ),
            _text(lang, "note", "plan.field.share_note", optional=True),
        ],
    )


def done_view(lang: str, lines: list[str]) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain(t(lang, "chat.done")),
        "close": plain(t(lang, "chat.case.close_modal")),
        "blocks": [{"type": "section", "text": mrkdwn("\n".join(lines))}],
    }


def _value(values: dict[str, Any], block_id: str) -> Any:
    from bot.slack.app import state_value

    return state_value(values, block_id)


def _tiltak(values: dict[str, Any], rows: int) -> list[TiltakForm]:
    out = []
    for n in range(1, rows + 1):
        fields = {name: (_value(values, f"tiltak.{n}.{name}") or "") for name in TILTAK_FIELDS}
        if any(v.strip() for v in fields.values()):
            out.append(TiltakForm(**fields))
    return out


class PlanFlows:
    def __init__(self, edge: SlackEdge) -> None:
        self.edge = edge
        self.services = edge.services

    def register(self, app: App) -> None:
        # Opened from the case dialog, pushed on top of it (SlackEdge.open_form).
        app.action("case_plan")(self.edge.open_form(self._plan_form))
        app.action("case_evaluate")(self.edge.open_form(self._evaluate_form))
        app.action("case_export")(self.edge.open_form(self._export_form))
        app.action("case_share")(self.edge.open_form(lambda lang, ref, *_: share_modal(lang, ref)))
        app.view(PLAN_VIEW)(self.submit(self._create, "action.plan"))
        app.view(EVALUATE_VIEW)(self.submit(self._evaluate, "action.evaluate"))
        app.view(SHARE_VIEW)(self.submit(self._share, "action.share_rteam"))
        app.view(EXPORT_VIEW)(self.submit_export)

    def _plan_form(self, lang: str, ref: str, email: str, body: dict[str, Any]) -> dict[str, Any]:
        details = review.open_case(self.services, ref, email)
        return plan_modal(lang, ref, details.report.get("pupils") or "")

    def _evaluate_form(
        self, lang: str, ref: str, email: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        current = plan.plan_of(self.services, ref, email)
        return evaluate_modal(lang, ref, current.active_tiltak())

    def _export_form(self, lang: str, ref: str, email: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            pupils = plan.plan_of(self.services, ref, email).pupils
        except FieldErrors:  # no plan yet: only the case file can be exported
            pupils = []
        return export_modal(lang, ref, pupils)

    # --- submitting -------------------------------------------------------------------

    def submit(
        self, run: Callable[[str, str, dict[str, Any], str], plan.PlanOutcome], label: str
    ) -> Callable[..., None]:
        def listener(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
        ) -> None:
            email = self.edge.email_for_submit(ack, body, view)
            if email is None:
                return
            lang = self.services.org.language_of(email)
            ref = json.loads(view["private_metadata"])["ref"]
            try:
                outcome = run(ref, email, view["state"]["values"], f"slack:{view['id']}")
            except FieldErrors as errors:
                ack(response_action="errors", errors=self.edge.field_errors(view, errors, lang))
                return
            except Refused as refusal:
                ack(
                    response_action="errors",
                    errors={self.edge.first_block(view): refusal.text(lang)},
                )
                return
            lines = [t(lang, outcome.key, **outcome.args)]
            lines += [
                f"{t(lang, 'plan.field.' + k.rsplit('.', 1)[-1])}: "
                f"{t(lang, 'when.understood', when=format_when(w, lang))}"
                for k, w in outcome.understood.items()
            ]
            ack(response_action="update", view=done_view(lang, lines))
            self.edge.refresh(client, outcome, email, label)
            self.edge.wake()

        return listener

    def _create(self, ref: str, email: str, values: dict[str, Any], key: str) -> plan.PlanOutcome:
        form = PlanForm(
            pupils=_value(values, "pupils") or "",
            problem=_value(values, "problem") or "",
            pupil_voice=_value(values, "pupil_voice") or "",
            pupil_heard=_value(values, "pupil_heard") or "",
            foresatte_heard=_value(values, "foresatte_heard") or "",
            tiltak=_tiltak(values, TILTAK_ROWS),
            evaluate_when=_value(values, "evaluate_when") or "",
        )
        return plan.create_plan(self.services, ref, email, form, request_key=key)

    def _evaluate(self, ref: str, email: str, values: dict[str, Any], key: str) -> plan.PlanOutcome:
        form = EvaluationForm(
            effect=_value(values, "effect") or "",
            pupil_says=_value(values, "pupil_says") or "",
            foresatte_says=_value(values, "foresatte_says") or "",
            notes=_value(values, "notes") or "",
            decision=_value(values, "decision") or "",
            next_evaluation=_value(values, "next_evaluation") or "",
            add_tiltak=_tiltak(values, 1),
            end_tiltak=[int(n) for n in _value(values, "end_tiltak") or []],
        )
        return plan.evaluate(self.services, ref, email, form, request_key=key)

    def _share(self, ref: str, email: str, values: dict[str, Any], key: str) -> plan.PlanOutcome:
        return plan.share_with_rteam(
            self.services, ref, email, _value(values, "basis") or "", _value(values, "note") or ""
        )

    def submit_export(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        email = self.edge.email_for_submit(ack, body, view)
        if email is None:
            return
        lang = self.services.org.language_of(email)
        ref = json.loads(view["private_metadata"])["ref"]
        values = view["state"]["values"]
        try:
            made = export.export_case(
                self.services,
                ref,
                email,
                document=_value(values, "document") or "",
                keep_pupil=_value(values, "anonymize_others"),
            )
        except FieldErrors as errors:
            ack(response_action="errors", errors=self.edge.field_errors(view, errors, lang))
            return
        except Refused as refusal:
            ack(response_action="errors", errors={self.edge.first_block(view): refusal.text(lang)})
            return
        ack(
            response_action="update",
            view=done_view(lang, [t(lang, "chat.export.sent", name=made.name)]),
        )
        dm = self.edge.directory.dm_channel(body["user"]["id"])
        try:
            client.files_upload_v2(
                channel=dm, content=made.content, filename=made.name, title=made.name
            )
            if made.metadata:
                client.files_upload_v2(
                    channel=dm,
                    content=made.metadata_json(),
                    filename=made.metadata_name,
                )
        except SlackApiError as exc:
            log.warning("export upload failed: %s", exc.response.get("error"))
            client.chat_postMessage(channel=dm, text=t(lang, "chat.error.try_again"))

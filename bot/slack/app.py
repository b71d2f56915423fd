"""The Slack edge: Bolt listeners that translate payloads into handler calls.

Ack first, work after. `/meldefra` opens the modal right after the ack, with nothing slow
before it (the reporter's school and language come from the in-memory cache only).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import blocks
from bot.slack.directory import SlackDirectory, UnknownUser
from bot.slack.plan import PlanFlows, plan_buttons
from handlers import delivery, report, review
from handlers.errors import FieldErrors, Refused
from handlers.i18n import t
from handlers.report import ReportForm
from handlers.review import Outcome
from handlers.services import Services

log = logging.getLogger("meldefra.slack")
MINE_WORDS = {"mine", "min", "my", "mine meldinger", "status"}
HELP_WORDS = {"hjelp", "help", "?", "hjelp!"}
LISTENER_THREADS = 20


def build_app(
    services: Services,
    client: WebClient,
    *,
    signing_secret: str | None,
    wake: Callable[[], None] = lambda: None,
    token_verification: bool = True,
) -> tuple[App, SlackDirectory]:
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        token_verification_enabled=token_verification,
        request_verification_enabled=bool(signing_secret),
        process_before_response=False,
        # Listeners work on after ack (views.open, DB); Bolt's default 5 threads queue them.
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS),
        logger=logging.getLogger("meldefra.slack.bolt"),
    )
    directory = SlackDirectory(services, client)
    SlackEdge(services, directory, wake).register(app)
    return app, directory


class SlackEdge:
    def __init__(
        self, services: Services, directory: SlackDirectory, wake: Callable[[], None]
    ) -> None:
        self.services = services
        self.directory = directory
        self.wake = wake
        self.identities = QuietQueue(self.warm_identity)

    # --- helpers ----------------------------------------------------------------------

    def lang_of(self, user_id: str) -> str:
        email = self.directory.cached_email(user_id)
        if email:
            return self.services.org.language_of(email)
        return self.services.org.schools[0].language

    def school_of(self, user_id: str) -> str | None:
        email = self.directory.cached_email(user_id)
        schools = self.services.org.schools_of(email) if email else []
        return schools[0].id if len(schools) == 1 else None

    def zone(self, email: str) -> Any:
        schools = self.services.org.schools_of(email)
        return (schools[0] if schools else self.services.org.schools[0]).zone

    def tell(self, client: WebClient, body: dict[str, Any], message: str) -> None:
        """An ephemeral reply where the person clicked (a DM to them from App Home)."""
        user = body["user"]["id"]
        channel = (body.get("container") or {}).get("channel_id") or (
            body.get("channel") or {}
        ).get("id")
        try:
            if channel:
                client.chat_postEphemeral(channel=channel, user=user, text=message)
            else:
                client.chat_postMessage(channel=user, text=message)
        except SlackApiError as exc:
            log.warning("could not tell user: %s", exc.response.get("error"))

    # --- registration -----------------------------------------------------------------

    def register(self, app: App) -> None:
        app.command("/meldefra")(self.command)
        app.view(blocks.REPORT_VIEW)(self.submit_report)
        app.action("categories")(self.categories_changed)
        app.action("home_report")(self.open_from_home)
        app.action("case_open")(self.open_form(self.case_view))
        app.action(re.compile(r"^case_(ack|investigate)$"))(self.simple_action)
        app.action("case_forward")(self.forward)
        app.action("case_close")(self.open_form(self.close_view))
        app.view(blocks.CLOSE_VIEW)(self.submit_close)
        app.event("app_home_opened")(self.home)
        PlanFlows(self).register(app)

    # --- filing -----------------------------------------------------------------------

    def command(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        words = (body.get("text") or "").strip()
        user = body["user_id"]
        lang = self.lang_of(user)
        if words.lower() in HELP_WORDS:
            ack(response_type="ephemeral", text=t(lang, "chat.help"))
            return
        if words.lower() in MINE_WORDS:
            ack()
            respond(response_type="ephemeral", text=self.mine_text(user))
            return
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=self.report_view(user, what=words))
        if self.directory.cached_email(user) is None:
            self.identities.add(user)

    def warm_identity(self, user: str) -> None:
        # Before the submission, so it needs no users.info call.
        try:
            self.directory.email_of(user)
        except (SlackApiError, UnknownUser) as exc:
            log.info("identity not resolved yet: %s", type(exc).__name__)

    def report_view(
        self, user: str, *, what: str = "", show_accused: bool = False, school: str | None = None
    ) -> dict[str, Any]:
        lang = self.lang_of(user)
        school = school or self.school_of(user)
        return blocks.report_modal(
            lang,
            self.services.org,
            school_id=school,
            what=what,
            show_accused=show_accused,
            metadata={"lang": lang},
        )

    def mine_text(self, user: str) -> str:
        try:
            email = self.directory.email_of(user)
        except UnknownUser:
            return t(self.lang_of(user), "chat.error.unknown_user")
        lang = self.services.org.language_of(email)
        cases = review.my_reports(self.services, email)
        if not cases:
            return t(lang, "chat.mine.none")
        zone = self.zone(email)
        return "\n".join(
            [
                t(lang, "chat.mine.title"),
                *(f"• {blocks.summary_line(lang, c, zone)}" for c in cases[:30]),
            ]
        )

    def open_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=self.report_view(body["user"]["id"]))

    def categories_changed(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Choosing "en ansatt har krenket en elev" adds the employee picker (and back)."""
        ack()
        view = body["view"]
        chosen = [o["value"] for o in (body["actions"][0].get("selected_options") or [])]
        show = blocks.wants_accused(chosen)
        has = any(b.get("block_id") == "accused" for b in view.get("blocks", []))
        if show == has:
            return
        school = state_value(view["state"]["values"], "school")
        new_view = self.report_view(body["user"]["id"], show_accused=show, school=school)
        new_view["private_metadata"] = view.get("private_metadata", "")
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
        except SlackApiError as exc:  # hash_conflict: the person kept typing; their next
            log.info("views.update skipped: %s", exc.response.get("error"))  # change retries

    def submit_report(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        meta = _metadata(view)
        lang = meta.get("lang") or self.lang_of(user)
        values = view["state"]["values"]
        try:
            email = self.directory.email_of(user)
            accused_user = state_value(values, "accused")
            accused = self.directory.email_of(accused_user) if accused_user else None
        except UnknownUser:
            ack(
                response_action="errors",
                errors={first_block_of(view): t(lang, "chat.error.unknown_user")},
            )
            return
        except SlackApiError as exc:
            log.warning("users.info failed on submit: %s", exc.response.get("error"))
            ack(
                response_action="errors",
                errors={first_block_of(view): t(lang, "chat.error.try_again")},
            )
            return
        lang = self.services.org.language_of(email)
        form = form_from_state(values, accused=accused)
        try:
            report.file_report(self.services, form, email, submission_key=f"slack:{view['id']}")
        except FieldErrors as errors:
            ack(response_action="errors", errors=self.field_errors(view, errors, lang))
            return
        except Exception:
            # The modal stays open with the text typed; nothing half-stored (one transaction).
            log.exception("filing a report failed")
            ack(
                response_action="errors",
                errors={first_block_of(view): t(lang, "chat.error.try_again")},
            )
            return
        ack()
        self.wake()

    def email_for_submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> str | None:
        """The submitter's e-mail; on failure the modal shows why and None is returned."""
        user = body["user"]["id"]
        try:
            return self.directory.email_of(user)
        except (UnknownUser, SlackApiError):
            ack(
                response_action="errors",
                errors={first_block_of(view): t(self.lang_of(user), "chat.error.unknown_user")},
            )
            return None

    def first_block(self, view: dict[str, Any]) -> str:
        return first_block_of(view)

    def field_errors(self, view: dict[str, Any], errors: FieldErrors, lang: str) -> dict[str, str]:
        """Errors beside their fields; those without a field go on the first one."""
        rendered = errors.render(lang)
        shown = {k: v for k, v in rendered.items() if _has_block(view, k)}
        missing = [v for k, v in rendered.items() if not _has_block(view, k)]
        if missing:  # e.g. "school" when the form had no school picker
            first = first_block_of(view)
            shown[first] = " ".join(filter(None, [shown.get(first), *missing]))
        return shown

    # --- the leader's actions ---------------------------------------------------------

    def actor(self, body: dict[str, Any], client: WebClient) -> str | None:
        try:
            return self.directory.email_of(body["user"]["id"])
        except (UnknownUser, SlackApiError):
            self.tell(client, body, t(self.lang_of(body["user"]["id"]), "chat.error.unknown_user"))
            return None

    def open_form(
        self, build: Callable[[str, str, str, dict[str, Any]], dict[str, Any]]
    ) -> Callable[..., None]:
        """A button that opens a dialog after a check: `build(lang, ref, email, body)` makes
        the view or raises Refused (already on the trail), which the person is told."""

        def listener(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
        ) -> None:
            ack()
            email = self.actor(body, client)
            if email is None:
                return
            lang = self.services.org.language_of(email)
            try:
                view = build(lang, action["value"], email, body)
            except Refused as refusal:
                self.tell(client, body, refusal.text(lang))
                return
            if (body.get("view") or {}).get("type") == "modal":  # on top of the case dialog
                client.views_push(trigger_id=body["trigger_id"], view=view)
            else:
                client.views_open(trigger_id=body["trigger_id"], view=view)

        return listener

    def case_view(self, lang: str, ref: str, email: str, body: dict[str, Any]) -> dict[str, Any]:
        details = review.open_case(self.services, ref, email)
        zone = self.services.org.school(details.school_id).zone
        view = blocks.case_modal(lang, details, zone)
        if details.status != "closed" and not details.restricted:
            view["blocks"].append(plan_buttons(lang, details.ref, details.status))
        return view

    def simple_action(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        run = {"case_ack": review.acknowledge, "case_investigate": review.start_investigation}
        label = {"case_ack": "action.acknowledge", "case_investigate": "action.investigate"}
        self._run(
            body,
            client,
            lambda email: run[action["action_id"]](self.services, action["value"], email),
            label[action["action_id"]],
        )

    def forward(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        ref = body["actions"][0]["block_id"].removeprefix("case:")
        target_user = action.get("selected_user")
        if not target_user:
            return
        try:
            target = self.directory.email_of(target_user)
        except (UnknownUser, SlackApiError):
            self.tell(client, body, t(self.lang_of(body["user"]["id"]), "chat.error.unknown_user"))
            return
        self._run(
            body,
            client,
            lambda email: review.forward(self.services, ref, email, target),
            "action.forward",
        )

    def close_view(self, lang: str, ref: str, email: str, body: dict[str, Any]) -> dict[str, Any]:
        review.authorize(self.services, ref, email, "close")
        container = body.get("container") or {}
        meta = {"channel": container.get("channel_id"), "ts": container.get("message_ts")}
        return blocks.close_modal(lang, ref, meta)

    def submit_close(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        meta = _metadata(view)
        email = self.email_for_submit(ack, body, view)
        if email is None:
            return
        lang = self.services.org.language_of(email)
        reason = state_value(view["state"]["values"], "reason") or ""
        try:
            outcome = review.close(self.services, meta["ref"], email, reason)
        except FieldErrors as errors:
            ack(response_action="errors", errors=errors.render(lang))
            return
        except Refused as refusal:
            ack(response_action="errors", errors={"reason": refusal.text(lang)})
            return
        ack()
        self.refresh(client, outcome, email, "action.close")

    def _run(
        self, body: dict[str, Any], client: WebClient, call: Callable[[str], Outcome], label: str
    ) -> None:
        email = self.actor(body, client)
        if email is None:
            return
        lang = self.services.org.language_of(email)
        try:
            outcome = call(email)
        except Refused as refusal:
            self.tell(client, body, refusal.text(lang))
            return
        except FieldErrors as errors:
            self.tell(client, body, " ".join(errors.render(lang).values()))
            return
        if not outcome.changed:
            self.tell(client, body, t(lang, outcome.key, **outcome.args))
        self.refresh(client, outcome, email, label)
        if body.get("view", {}).get("type") == "home":
            self.publish_home(client, body["user"]["id"], email)
        self.wake()

    def refresh(self, client: WebClient, outcome: Outcome, actor: str, label: str) -> None:
        """Update every leader's message about the case in place: new state, who acted."""
        for msg in delivery.messages_for_case(self.services, outcome.ref, platform="slack"):
            if msg.kind not in blocks.ACTIONABLE or not msg.platform_ref:
                continue
            channel, _, ts = msg.platform_ref.partition(":")
            who = self._mention(actor)
            last = t(msg.lang, "chat.case.last_action", action=t(msg.lang, label), who=who)
            fallback, new_blocks = blocks.notice_message(
                msg.kind, msg.lang, msg.data, status=outcome.status, last_action=last
            )
            try:
                client.chat_update(channel=channel, ts=ts, text=fallback, blocks=new_blocks)
            except SlackApiError as exc:  # cosmetic; the state is in the database
                log.warning("chat.update failed: %s", exc.response.get("error"))

    def _mention(self, email: str) -> str:
        user = self.directory.cached_user(email)
        return f"<@{user}>" if user else email

    # --- App Home ---------------------------------------------------------------------

    def home(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        user = event["user"]
        try:
            email = self.directory.email_of(user)
        except (UnknownUser, SlackApiError):
            return
        self.publish_home(client, user, email)

    def publish_home(self, client: WebClient, user: str, email: str) -> None:
        lang = self.services.org.language_of(email)
        view = blocks.home_view(
            lang,
            review.waiting_for(self.services, email),
            review.my_reports(self.services, email),
            self.zone(email),
        )
        client.views_publish(user_id=user, view=view)


# --- payload parsing ------------------------------------------------------------------


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def state_value(values: dict[str, Any], block_id: str) -> Any:
    """The value of a modal input, whatever its element type."""
    for leaf in (values.get(block_id) or {}).values():
        kind = leaf.get("type")
        if kind == "plain_text_input":
            return leaf.get("value")
        if kind in ("static_select", "radio_buttons"):
            return (leaf.get("selected_option") or {}).get("value")
        if kind in ("checkboxes", "multi_static_select"):
            return [o["value"] for o in leaf.get("selected_options") or []]
        if kind == "users_select":
            return leaf.get("selected_user")
        if kind == "datepicker":
            return leaf.get("selected_date")
    return None


def form_from_state(values: dict[str, Any], *, accused: str | None) -> ReportForm:
    def text_of(name: str) -> str:
        return state_value(values, name) or ""

    return ReportForm(
        school_id=state_value(values, "school"),
        pupils=text_of("pupils"),
        what=text_of("what"),
        when=text_of("when"),
        where=text_of("where"),
        categories=tuple(state_value(values, "categories") or ()),
        accused=accused,
        action_taken=text_of("action_taken"),
        pupil_words=text_of("pupil_words"),
        urgent="yes" in (state_value(values, "urgent") or ()),
    )


def _has_block(view: dict[str, Any], block_id: str) -> bool:
    return any(b.get("block_id") == block_id for b in view.get("blocks", []))


def first_block_of(view: dict[str, Any]) -> str:
    for name in ("pupils", "what"):
        if _has_block(view, name):
            return name
    inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
    return inputs[0] if inputs else "pupils"


class QuietQueue:
    """Runs `work(item)` in one background thread once no item has come for `quiet` seconds.

    A new reporter's e-mail (users.info and a database write) is needed only when they submit
    the form; resolved right after views.open, a burst of new users would slow the modals
    still opening (measured in bench/slack_bench.py: first requests after start).
    """

    def __init__(self, work: Callable[[str], None], quiet: float = 0.3) -> None:
        self._work = work
        self._quiet = quiet
        self._pending: dict[str, None] = {}
        self._last = 0.0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, item: str) -> None:
        with self._cond:
            self._pending[item] = None
            self._last = time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="slack-quiet", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                while (left := self._last + self._quiet - time.monotonic()) > 0:
                    self._cond.wait(left)
                items, self._pending = list(self._pending), {}
            for item in items:
                try:
                    self._work(item)
                except Exception as exc:  # noqa: BLE001 - the next submission resolves it again
                    log.info("background work failed: %s", type(exc).__name__)

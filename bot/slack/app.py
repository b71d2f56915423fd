"""The Slack edge: Bolt listeners that translate payloads into the conversation core's forms
and actions (bot/core), and its results back into Block Kit (bot/slack/blocks.py).

Ack first, always. A listener acks, then hands every slow Slack API call (views.open,
chat.update, uploads, the export's rendering) to a pool of its own (`SlackEdge.later`), so
Bolt's listener threads are free at once: a slow Slack cannot starve the listener that must
ack a submission. Only the work an ack's answer depends on (filing a report, field errors)
runs before the ack, and it is database work.
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

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import actions, flow, forms, words
from bot.core.actions import LastAction
from bot.core.forms import Field, Kind, Result, Submission
from bot.slack import blocks
from bot.slack.directory import SlackDirectory, UnknownUser
from bot.slack.message_text import cut_at_word, plain_text
from handlers import delivery, people, review
from handlers.errors import FieldErrors, Refused
from handlers.i18n import t
from handlers.review import Outcome
from handlers.services import Services

log = logging.getLogger("meldefra.slack")
LISTENER_THREADS = 20
# Slack API calls made after the ack (views.open, chat.update, uploads) and the export.
SLOW_THREADS = 40
MESSAGE_SHORTCUT = "meldefra_message"  # "Meld fra om denne meldingen" (manifest.yml)
# chat.getPermalink errors meaning the bot cannot see the message.
UNREADABLE = {"channel_not_found", "not_in_channel", "message_not_found", "missing_scope"}
FORM_VIEWS = re.compile(rf"^{blocks.VIEW_PREFIX}({'|'.join(forms.FORMS)})$")
# The fields whose change redraws their form (blocks.sends_changes): their action_id is
# their name.
CHANGING = sorted(
    {
        f.name
        for form in forms.FORMS.values()
        for f in form.fields()
        if isinstance(f, Field) and blocks.sends_changes(f)
    }
)
FIELD_CHANGES = re.compile(rf"^({'|'.join(map(re.escape, CHANGING))})$")


def acks_at_once(request: BoltRequest) -> bool:
    """Whether the request's listener only acks and hands the rest to `SlackEdge.later`, so
    bot/http.py may dispatch it on the event loop: slash commands (`command`: a list, the form,
    help). A form's submission files before its ack (database work) and runs in a thread."""
    return isinstance(request.body.get("command"), str)


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
        # bot/http.py checks every request's signature on the raw bytes before Bolt sees it
        # (Socket Mode has none): a second check here would only cost time.
        request_verification_enabled=False,
        # Every listener acks and hands what is slow to SlackEdge.later, so it returns at once:
        # the dispatching thread runs it and answers. With False, Bolt would run it in its
        # listener executor and poll for the ack every 10 ms.
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="slack-listener"
        ),
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
        self.pool = ThreadPoolExecutor(max_workers=SLOW_THREADS, thread_name_prefix="slack-work")
        self.identities = QuietQueue(self.warm_identity)

    # --- helpers ----------------------------------------------------------------------

    def later(self, work: Callable[..., None], *args: Any) -> None:
        """Run slow work after the ack, off Bolt's listener threads."""
        self.pool.submit(self._guarded, work, *args)

    @staticmethod
    def _guarded(work: Callable[..., None], *args: Any) -> None:
        try:
            work(*args)
        except SlackApiError as exc:  # no bodies in the log: they may hold free text
            log.warning("slack call failed: %s", exc.response.get("error"))
        except Exception as exc:
            log.error("slack work failed: %s", type(exc).__name__)

    def lang_of(self, user_id: str) -> str:
        email = self.directory.cached_email(user_id)
        if email:
            return self.services.org.language_of(email)
        return self.services.org.schools[0].language

    def zone(self, email: str) -> Any:
        schools = self.services.org.schools_of(email)
        return (schools[0] if schools else self.services.org.schools[0]).zone

    def tell(self, client: WebClient, body: dict[str, Any], message: str) -> None:
        """A private reply where the person clicked: ephemeral in a channel or DM, a DM from
        a modal or App Home (which have no channel)."""
        message = blocks.escape(message)
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

    def actor(self, body: dict[str, Any], client: WebClient) -> str | None:
        try:
            return self.directory.email_of(body["user"]["id"])
        except (UnknownUser, SlackApiError):
            self.tell(client, body, t(self.lang_of(body["user"]["id"]), "chat.error.unknown_user"))
            return None

    def show(self, client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Open a dialog; on top of the one clicked in, when the click came from a modal."""
        if (body.get("view") or {}).get("type") == "modal":
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    # --- registration -----------------------------------------------------------------

    def register(self, app: App) -> None:
        app.command("/meldefra")(self.command)
        app.shortcut(MESSAGE_SHORTCUT)(self.from_message)
        app.view(FORM_VIEWS)(self.submit)
        app.action(FIELD_CHANGES)(self.field_changed)
        app.action("home_report")(self.open_from_home)
        app.action(re.compile(r"^case_\w+$"))(self.case_action)
        app.options(re.compile(rf"^{blocks.SEARCH_PREFIX}\w+$"))(self.suggest)
        app.event("app_home_opened")(self.home)
        app.action(re.compile(rf"^{blocks.OVERVIEW}\w+$"))(self.overview_action)

    # --- the pickers: options as one types -----------------------------------------------

    def suggest(self, ack: Ack, body: dict[str, Any]) -> None:
        """block_suggestion: the pupils (or staff) matching what was typed, at the school picked
        in the form or the person's own; the answer is the ack (within Slack's 3 s)."""
        user = body["user"]["id"]
        email = self.directory.cached_email(user)
        if email is None:
            try:
                email = self.directory.email_of(user)
            except (UnknownUser, SlackApiError):
                ack(options=[])
                return
        view = body.get("view") or {}
        lang = _metadata(view).get("lang") or self.lang_of(user)
        picked = state_value((view.get("state") or {}).get("values") or {}, "school")
        dataset = str(body.get("action_id", "")).removeprefix(blocks.SEARCH_PREFIX)
        found = forms.search(
            self.services,
            dataset,
            email,
            str(body.get("value") or ""),
            school_id=picked if isinstance(picked, str) else None,
            lang=lang,
        )
        ack(options=blocks.search_options(found, lang))

    # --- typed words and the report form ------------------------------------------------

    def command(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        user = body["user_id"]
        lang = self.lang_of(user)
        intent, rest = words.intent(body.get("text") or "")
        if intent == words.HELP:
            ack(response_type="ephemeral", text=blocks.escape(t(lang, "chat.help")))
            return
        ack()
        if intent in (words.MINE, words.CASES):
            self.later(self.answer_list, respond, user, intent)
            return
        self.later(self.open_report, client, body["trigger_id"], user, rest)

    def open_report(self, client: WebClient, trigger: str, user: str, what: str = "") -> None:
        client.views_open(trigger_id=trigger, view=self.report_view(user, what=what))
        if self.directory.cached_email(user) is None:
            self.identities.add(user)

    def warm_identity(self, user: str) -> None:
        # Before the submission, so it needs no users.info call.
        try:
            self.directory.email_of(user)
        except (SlackApiError, UnknownUser) as exc:
            log.info("identity not resolved yet: %s", type(exc).__name__)

    def report_view(
        self,
        user: str,
        *,
        what: str = "",
        prefill: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
        school: str | None = None,
        permalink: str | None = None,
    ) -> dict[str, Any]:
        """From memory only: the reporter's school and language from the cache."""
        lang = self.lang_of(user)
        prefill = {**({"what": what} if what else {}), **(prefill or {})}
        opened = forms.report_opened(
            self.services.org,
            actor=self.directory.cached_email(user),
            school_id=school,
            prefill=prefill,
        )
        meta = {"lang": lang, **({"permalink": permalink} if permalink else {})}
        return blocks.form_view(opened, lang, metadata=meta, values=values)

    def from_message(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """The message shortcut: the report form with *what happened* from the message and
        its permalink under *where* (kept with the case, shown only to who may open it)."""
        ack()
        self.later(self._from_message, body, client)

    def _from_message(self, body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        lang = self.lang_of(user)
        message = body.get("message") or {}
        channel = str((body.get("channel") or {}).get("id") or "")
        ts = str(message.get("ts") or body.get("message_ts") or "")
        permalink: str | None = None
        readable = bool((message.get("text") or "").strip())
        try:
            found = client.chat_getPermalink(channel=channel, message_ts=ts)
            permalink = str(found["permalink"])
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.info("no permalink: %s", error)
            readable = readable and error not in UNREADABLE
        prefill: dict[str, Any] = {}
        notice = None
        if readable:
            what = plain_text(message["text"], self.names_from(client))
            limit = forms.REPORT.get("what").max_length or 3000  # type: ignore[union-attr]
            if len(what) > limit:
                what = cut_at_word(what, limit)
                notice = t(lang, "chat.shortcut.cut", max=limit)
            prefill["what"] = what
            if permalink:
                prefill["where"] = permalink
        else:
            notice = t(lang, "chat.shortcut.unreadable")
        view = self.report_view(user, prefill=prefill, permalink=permalink if readable else None)
        if notice:
            view["blocks"].insert(1, blocks.context(blocks.escape(notice)))
        client.views_open(trigger_id=body["trigger_id"], view=view)
        self.warm_identity(user)

    @staticmethod
    def names_from(client: WebClient) -> Callable[[str], str | None]:
        """Display names of the people mentioned in a message (looked up once each, at most
        20; the rest stay as their Slack id)."""
        known: dict[str, str | None] = {}

        def name_of(user_id: str) -> str | None:
            if user_id not in known and len(known) < 20:
                try:
                    found = client.users_info(user=user_id).get("user") or {}
                    profile = found.get("profile") or {}
                    known[user_id] = profile.get("display_name") or found.get("real_name")
                except SlackApiError:
                    known[user_id] = None
            return known.get(user_id)

        return name_of

    def answer_list(self, respond: Respond, user: str, intent: str) -> None:
        try:
            email = self.directory.email_of(user)
        except (UnknownUser, SlackApiError):
            respond(
                response_type="ephemeral", text=t(self.lang_of(user), "chat.error.unknown_user")
            )
            return
        lang = self.services.org.language_of(email)
        if intent == words.MINE:
            cases = review.my_reports(self.services, email)
            title, none = "chat.mine.title", "chat.mine.none"
        else:
            cases = review.waiting_for(self.services, email)
            title, none = "chat.cases.title", "chat.home.none"
        answer = blocks.listing(lang, title, cases, self.zone(email)) if cases else t(lang, none)
        respond(response_type="ephemeral", text=answer)

    def open_from_home(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self.later(self.open_report, client, body["trigger_id"], body["user"]["id"])

    def field_changed(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A field that redraws its modal: a choice that shows or hides fields ("en ansatt har
        krenket en elev" asks which employee; "Avslutt saken" asks nothing more), a time
        typed (Enter) shown back as understood under it. Ack first; views.update after."""
        ack()
        self.later(self._field_changed, body, client)

    def _field_changed(self, body: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        name = str(view.get("callback_id", "")).removeprefix(blocks.VIEW_PREFIX)
        if name not in forms.FORMS or "id" not in view:
            return
        form = forms.FORMS[name]
        email = self.actor(body, client)
        if email is None:
            return
        meta = _metadata(view)
        lang = meta.get("lang") or self.services.org.language_of(email)
        values = self.values_of(form, (view.get("state") or {}).get("values") or {})
        for action in body.get("actions") or ():  # the change itself, as the action has it
            changed = state_value({"x": {"a": action}}, "x")
            if action.get("block_id") and changed is not None:
                values[action["block_id"]] = changed
        ref = meta.get("ref")
        if "opened" in meta:
            opened = forms.reopened(name, ref, meta["opened"], values)
        elif not form.about_case:
            school = values.get("school") if isinstance(values.get("school"), str) else None
            opened = forms.report_opened(self.services.org, actor=email, school_id=school)
        else:
            step = flow.open_form(self.services, name, email, lang, ref=ref)
            if isinstance(step, flow.Notice):
                self.tell(client, body, step.text)
                return
            opened = step.opened
        hints = flow.hints(self.services, opened, values, email, lang)
        keep = {k: v for k, v in meta.items() if k not in ("ref", "opened")}
        new_view = blocks.form_view(opened, lang, metadata=keep, values=values, hints=hints)
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
        except SlackApiError as exc:  # hash_conflict: the person kept typing; their next
            log.info("views.update skipped: %s", exc.response.get("error"))  # change retries

    # --- submitting any form -----------------------------------------------------------

    def submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        name = view["callback_id"].removeprefix(blocks.VIEW_PREFIX)
        form = forms.FORMS[name]
        user = body["user"]["id"]
        meta = _metadata(view)
        lang = meta.get("lang") or self.lang_of(user)
        try:
            email = self.directory.email_of(user)
            values = self.values_of(form, view["state"]["values"])
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
        if meta.get("permalink"):  # the message shortcut's report keeps where it came from
            values["where"] = with_permalink(values.get("where"), str(meta["permalink"]))
        submission = Submission(email, values, meta.get("ref"), key=f"slack:{view['id']}")
        if form.slow:  # e.g. the export renders: ack with "working", finish after
            ack(response_action="update", view=blocks.working_view(lang, t(lang, form.title)))
            self.later(self.finish_slow, client, body, view, submission, lang)
            return
        shown = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
        try:
            step = flow.submit(self.services, name, submission, lang, shown=shown)
        except Exception:
            # The modal stays open with the text typed; nothing half-stored (one transaction).
            log.error("submitting %s failed", name)
            ack(
                response_action="errors",
                errors={first_block_of(view): t(lang, "chat.error.try_again")},
            )
            return
        if isinstance(step, flow.Notice):
            ack(response_action="errors", errors={first_block_of(view): step.text})
        elif isinstance(step, flow.Shown):
            ack(response_action="errors", errors=self.field_errors(view, step))
        elif form.closes:
            ack()
        else:
            ack(response_action="update", view=blocks.done_view(lang, step.lines))
        if isinstance(step, flow.Done) and step.result.outcome is not None:
            self.later(self.refresh, client, step.result.outcome, email, step.verb)
        self.wake()

    def values_of(self, form: forms.Form, state: dict[str, Any]) -> dict[str, Any]:
        """The submitted values as the core wants them; a picked Slack user as their e-mail."""
        values: dict[str, Any] = {}
        for f in form.fields():
            if not isinstance(f, Field) or f.name not in state:
                continue
            value = state_value(state, f.name)
            if f.kind == Kind.PERSON:
                value = self.directory.email_of(value) if value else None
            elif f.kind == Kind.TOGGLE:
                value = forms.as_bool(value)
            values[f.name] = value
        return values

    def field_errors(self, view: dict[str, Any], shown: flow.Shown) -> dict[str, str]:
        """Errors beside their fields; those without a field shown go on the first one."""
        rendered = dict(shown.errors)
        if shown.general:  # e.g. "school" when the form had no school picker
            first = first_block_of(view)
            rendered[first] = " ".join(x for x in (rendered.get(first), *shown.general) if x)
        return rendered

    def finish_slow(
        self,
        client: WebClient,
        body: dict[str, Any],
        view: dict[str, Any],
        submission: Submission,
        lang: str,
    ) -> None:
        name = view["callback_id"].removeprefix(blocks.VIEW_PREFIX)
        step = flow.submit(self.services, name, submission, lang)
        if isinstance(step, flow.Done):
            if step.result.file is not None:
                self.send_file(client, body["user"]["id"], step.result, lang)
            texts = step.lines
        elif isinstance(step, flow.Shown):
            texts = [*step.errors.values(), *step.general]
        else:
            texts = [step.text]
        client.views_update(view_id=view["id"], view=blocks.done_view(lang, texts))

    def send_file(self, client: WebClient, user: str, result: Result, lang: str) -> None:
        """The export goes to the person's own DM with the bot, never a channel."""
        made = result.file
        assert made is not None
        dm = self.directory.dm_channel(user)
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

    # --- case actions: buttons on messages, App Home and the case dialog ----------------

    def case_action(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        verb = blocks.verb_of(action["action_id"])
        if verb is not None:
            self.later(self.do_action, verb, body, action, client)

    def do_action(
        self, verb: str, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        declared = actions.ACTIONS[verb]
        ref = action.get("value") or body["actions"][0]["block_id"].split(":", 1)[-1]
        email = self.actor(body, client)
        if email is None:
            return
        lang = self.services.org.language_of(email)
        if declared.form and blocks._inline_person(declared.form):
            try:
                self.pick_person(client, body, action, declared.form, ref, email)
            except (Refused, FieldErrors) as problem:  # a refusal is already on the trail
                self.tell(client, body, _text(problem, lang))
            return
        step = flow.click(self.services, verb, ref, email, lang)
        if isinstance(step, flow.Notice):
            self.tell(client, body, step.text)
        elif isinstance(step, flow.Details):
            self.show(client, body, blocks.case_modal(lang, step.view))
        elif isinstance(step, flow.PlanShown):
            self.show(client, body, blocks.plan_modal(step.view))
        elif isinstance(step, flow.Shown):
            container = body.get("container") or {}
            meta = {"channel": container.get("channel_id"), "ts": container.get("message_ts")}
            self.show(client, body, blocks.form_view(step.opened, lang, metadata=meta))
        elif step.result.outcome is not None:
            self.acted(client, body, step.result.outcome, email, step.verb)

    def pick_person(
        self,
        client: WebClient,
        body: dict[str, Any],
        action: dict[str, Any],
        form_name: str,
        ref: str,
        email: str,
    ) -> None:
        """A person picked on the message itself (forward): the form in one click."""
        picked = action.get("selected_user")
        if not picked:
            return
        form = forms.FORMS[form_name]
        field = next(f for f in form.fields() if isinstance(f, Field))
        try:
            target = self.directory.email_of(picked)
        except (UnknownUser, SlackApiError):
            self.tell(client, body, t(self.lang_of(body["user"]["id"]), "chat.error.unknown_user"))
            return
        try:
            result = forms.submit(
                self.services, form_name, Submission(email, {field.name: target}, ref)
            )
        except FieldErrors as errors:
            if forms.CONFIRM not in errors.errors:
                raise
            # § 12-5: never one click. The form opens with the person picked and asks first.
            lang = self.services.org.language_of(email)
            step = flow.open_form(
                self.services, form_name, email, lang, ref=ref, prefill={field.name: picked}
            )
            if isinstance(step, flow.Notice):
                self.tell(client, body, step.text)
            else:
                container = body.get("container") or {}
                meta = {"channel": container.get("channel_id"), "ts": container.get("message_ts")}
                self.show(client, body, blocks.form_view(step.opened, lang, metadata=meta))
            return
        assert result.outcome is not None
        self.acted(client, body, result.outcome, email, form.action)

    def acted(
        self, client: WebClient, body: dict[str, Any], outcome: Outcome, email: str, verb: str
    ) -> None:
        lang = self.services.org.language_of(email)
        if not outcome.changed:
            self.tell(client, body, t(lang, outcome.key, **outcome.args))
        self.refresh(client, outcome, email, verb)
        if (body.get("view") or {}).get("type") == "home":  # the overview as it was shown
            self.publish_home(client, body["user"]["id"], email, _metadata(body["view"]))
        self.wake()

    def refresh(self, client: WebClient, outcome: Outcome, actor: str, verb: str) -> None:
        """Update every leader's message about the case in place: new state, who acted."""
        last = LastAction(verb, self._mention(actor))
        for msg in delivery.messages_for_case(self.services, outcome.ref, platform="slack"):
            if msg.kind not in actions.ACTIONABLE or not msg.platform_ref:
                continue
            channel, _, ts = msg.platform_ref.partition(":")
            fallback, new_blocks = blocks.notice_message(
                msg.kind, msg.lang, msg.data, status=outcome.status, last=last
            )
            try:
                client.chat_update(channel=channel, ts=ts, text=fallback, blocks=new_blocks)
            except SlackApiError as exc:  # cosmetic; the state is in the database
                log.warning("chat.update failed: %s", exc.response.get("error"))

    def _mention(self, email: str) -> str:
        user = self.directory.cached_user(email)
        return f"<@{user}>" if user else blocks.escape(people.display(self.services, email))

    # --- App Home ---------------------------------------------------------------------

    def home(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        self.later(self._home, event["user"], client)

    def _home(self, user: str, client: WebClient) -> None:
        try:
            email = self.directory.email_of(user)
        except (UnknownUser, SlackApiError):
            return
        self.publish_home(client, user, email)

    def publish_home(
        self, client: WebClient, user: str, email: str, query: dict[str, Any] | None = None
    ) -> None:
        lang = self.services.org.language_of(email)
        view = blocks.home_view(
            lang,
            review.waiting_for(self.services, email),
            review.my_reports(self.services, email),
            self.zone(email),
            flow.show_overview(self.services, email, lang, query),
        )
        client.views_publish(user_id=user, view=view)

    def overview_action(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        """A search typed (Enter), a sort or a page of the overview: App Home again."""
        ack()
        if action["action_id"] == blocks.OVERVIEW_SEARCH:
            shown = _metadata(body.get("view") or {})
            query = {**shown, "text": action.get("value") or "", "page": "1"}
        else:
            query = json.loads(action.get("value") or "{}")
        self.later(self._overview, body["user"]["id"], query, client)

    def _overview(self, user: str, query: dict[str, Any], client: WebClient) -> None:
        try:
            email = self.directory.email_of(user)
        except (UnknownUser, SlackApiError):
            return
        self.publish_home(client, user, email, query)


# --- payload parsing ------------------------------------------------------------------


def _text(problem: Refused | FieldErrors, lang: str) -> str:
    if isinstance(problem, Refused):
        return problem.text(lang)
    return " ".join(problem.render(lang).values())


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
        if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
            return [o["value"] for o in leaf.get("selected_options") or []]
        if kind == "external_select":
            return (leaf.get("selected_option") or {}).get("value")
        if kind == "users_select":
            return leaf.get("selected_user")
        if kind == "datepicker":
            return leaf.get("selected_date")
    return None


def with_permalink(where: Any, permalink: str) -> str:
    """The reported message's permalink stays with the case (in *where*), unless the
    person already has it there or it would make the field too long."""
    typed = where.strip() if isinstance(where, str) else ""
    if permalink in typed:
        return typed
    joined = f"{typed} ({permalink})" if typed else permalink
    limit = forms.REPORT.get("where").max_length or 200  # type: ignore[union-attr]
    return joined if len(joined) <= limit else typed


def first_block_of(view: dict[str, Any]) -> str:
    inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
    for name in ("pupils", "what"):
        if name in inputs:
            return name
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

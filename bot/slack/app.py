"""The Slack edge: Bolt listeners that translate payloads into the conversation core's forms
and actions (bot/core), and its results back into Block Kit (bot/slack/blocks.py).

Ack first, always. A listener acks, then hands every slow Slack API call (views.open,
chat.update, uploads, the export's rendering) to a pool of its own (`SlackEdge.later`), so
Bolt's listener threads are free at once: a slow Slack cannot starve the listener that must
ack a submission. Only the work an ack's answer depends on (filing a report, field errors)
runs before the ack, and it is database work.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import actions, edge, flow, forms, views, words
from bot.core.forms import Field, Submission
from bot.slack import blocks, payloads
from bot.slack.directory import SlackDirectory, UnknownUser
from bot.slack.message_text import shortcut_report
from bot.slack.payloads import FirstForms, Later
from handlers.export import ExportFile
from handlers.i18n import t
from handlers.review import Outcome
from handlers.services import Services

log = logging.getLogger("meldefra.slack")
LISTENER_THREADS = 20
# Slack API calls made after the ack (views.open, chat.update, uploads) and the export.
SLOW_THREADS = 40
WARM_THREADS = 12  # started at once, for the first burst after start
MESSAGE_SHORTCUT = "meldefra_message"  # "Meld fra om denne meldingen" (manifest.yml)
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
    edge = SlackEdge(services, directory, wake, client)
    edge.register(app)
    edge.warm_up()
    return app, directory


@dataclass(frozen=True)
class Here:
    """Where a person acted (the payload: user, trigger, channel or view), to answer there;
    `respond` for a slash command's answer."""

    client: WebClient
    body: dict[str, Any]
    respond: Respond | None = None

    @property
    def user(self) -> str:
        return str(self.body["user"]["id"] if "user" in self.body else self.body["user_id"])


class SlackEdge:
    """The Slack edge (`bot.core.edge.Edge[Here, None]`): Bolt listeners that ask the core
    what comes next, and Block Kit to draw it."""

    def __init__(
        self,
        services: Services,
        directory: SlackDirectory,
        wake: Callable[[], None],
        client: WebClient,
    ) -> None:
        self.services, self.directory, self.wake, self.client = services, directory, wake, client
        self.later = Later(SLOW_THREADS)  # slow work after the ack, off Bolt's threads
        self.first = FirstForms(directory.warm, client)  # forms drawn before we knew who

    def register(self, app: App) -> None:
        app.command("/meldefra")(self.command)
        app.shortcut(MESSAGE_SHORTCUT)(self.acked(self.from_message))
        app.view(FORM_VIEWS)(self.submit)
        app.action(FIELD_CHANGES)(self.acked(self.field_changed))
        app.action("home_report")(self.acked(self.open_report))
        app.action(re.compile(r"^case_\w+$"))(self.acked(self.do_action))
        app.options(re.compile(rf"^{blocks.SEARCH_PREFIX}\w+$"))(self.suggest)
        app.event("app_home_opened")(self.home)
        # A search typed (Enter), a sort or a page of the overview: App Home again.
        app.action(re.compile(rf"^{blocks.OVERVIEW}\w+$"))(self.acked(self._home))

    def acked(self, work: Callable[[Here], None]) -> Callable[..., None]:
        """A listener that acks, then hands `work` where the person acted to the pool."""

        def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            self.later(work, Here(client, body))

        return listener

    # --- the edge: a form, a view, a notice; an update, an upload ----------------------

    def form(self, here: Here, shown: flow.Shown) -> None:
        """A case's form opened from a button (the report opens from memory, `report_view`);
        a person the core prefilled (its e-mail) is drawn as their Slack user."""
        drawn = payloads.as_users(shown, self.directory.user_of)
        lang, meta = self.lang_of(here.user), payloads.message_of(here.body)
        self.show(here, blocks.shown_view(drawn, lang, meta))

    def view(self, here: Here, view: views.View) -> None:
        if isinstance(view, views.CaseView):
            self.show(here, blocks.case_modal(self.lang_of(here.user), view))
        elif isinstance(view, views.PlanView):
            self.show(here, blocks.plan_modal(view))
        elif isinstance(view, views.ListView):
            self.notice(here, [blocks.listing(view)])
        else:  # App Home, with rektor's overview for the query asked or the one it showed
            email, query = self.directory.cached_email(here.user), payloads.home_query(here.body)
            found = flow.show_overview(self.services, email, view.lang, query) if email else None
            here.client.views_publish(user_id=here.user, view=blocks.home_view(view, found))

    def notice(self, here: Here, lines: Sequence[str]) -> None:
        """A private reply where the person acted: the command's answer, ephemeral in a
        channel or DM, a DM from a modal or App Home (which have no channel)."""
        text, channel = blocks.escape("\n".join(lines)), payloads.channel_of(here.body)
        try:
            if here.respond is not None:
                here.respond(response_type="ephemeral", text=text)
            elif channel:
                here.client.chat_postEphemeral(channel=channel, user=here.user, text=text)
            else:
                here.client.chat_postMessage(channel=here.user, text=text)
        except SlackApiError as exc:
            log.warning("could not tell user: %s", exc.response.get("error"))

    def update(self, refresh: flow.Refresh) -> None:
        """A leader's message about the case, in place: new state, who acted."""
        channel, _, ts = str(refresh.sent.platform_ref).partition(":")
        text, new_blocks = blocks.refreshed(refresh)
        try:
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=new_blocks)
        except SlackApiError as exc:  # cosmetic; the state is in the database
            log.warning("chat.update failed: %s", exc.response.get("error"))

    def upload(self, actor: str, lang: str, file: ExportFile) -> None:
        """The export goes to the person's own DM with the bot, never a channel."""
        dm = self.directory.dm_channel(self.directory.user_of(actor))
        try:
            self.client.files_upload_v2(
                channel=dm, content=file.content, filename=file.name, title=file.name
            )
            if file.metadata:
                self.client.files_upload_v2(
                    channel=dm, content=file.metadata_json(), filename=file.metadata_name
                )
        except SlackApiError as exc:
            log.warning("export upload failed: %s", exc.response.get("error"))
            self.client.chat_postMessage(channel=dm, text=t(lang, "chat.error.try_again"))

    # --- helpers ----------------------------------------------------------------------

    def lang_of(self, user_id: str) -> str:
        return flow.lang_of(self.services, self.directory.cached_email(user_id))

    def actor(self, here: Here, user: str | None = None) -> str | None:
        """The e-mail of the person acting (or of `user`, picked by them); unknown: told."""
        if (email := self.directory.find(user or here.user)) is None:
            self.notice(here, [t(self.lang_of(here.user), "chat.error.unknown_user")])
        return email

    def show(self, here: Here, view: dict[str, Any]) -> None:
        """Open a dialog; on top of the one clicked in, when the click came from a modal."""
        if (here.body.get("view") or {}).get("type") == "modal":
            here.client.views_push(trigger_id=here.body["trigger_id"], view=view)
        else:
            here.client.views_open(trigger_id=here.body["trigger_id"], view=view)

    def warm_up(self) -> None:
        """Before the first request: the report form drawn once (the renderers' first calls),
        and threads in the pool for the first burst's views.open (`Later.warm`)."""
        self.report_view("")
        self.later.warm(WARM_THREADS)

    # --- typed words, the report form and the pickers ---------------------------------------

    def command(self, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        here = Here(client, body, respond)
        intent, rest = words.intent(body.get("text") or "")
        if intent == words.HELP:
            help_text = t(self.lang_of(here.user), "chat.help")
            ack(response_type="ephemeral", text=blocks.escape(help_text))
            return
        ack()
        if intent in (words.MINE, words.CASES):
            self.later(self.answer_list, here, intent)
        else:
            self.later(self.open_report, here, {"what": rest})

    def answer_list(self, here: Here, intent: str) -> None:
        if (email := self.actor(here)) is not None:
            edge.draw(self, here, flow.listing(self.services, email, intent))

    def open_report(
        self,
        here: Here,
        prefill: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        notice: str = "",
    ) -> None:
        """The report form, from memory only (the reporter's school and language from the
        cache), with a line on top when there is one to say."""

        def draw() -> dict[str, Any]:
            return self.report_view(here.user, prefill=prefill, meta=meta, notice=notice)

        answer = here.client.views_open(trigger_id=here.body["trigger_id"], view=(view := draw()))
        if self.directory.cached_email(here.user) is None:
            self.first.opened(here.user, view, answer, draw)

    def report_view(
        self,
        user: str,
        *,
        prefill: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        notice: str = "",
    ) -> dict[str, Any]:
        lang, email = self.lang_of(user), self.directory.cached_email(user)
        prefill = {k: v for k, v in (prefill or {}).items() if v}
        opened = forms.report_opened(self.services.org, actor=email, prefill=prefill)
        shown = flow.Shown(opened, general=(notice,) if notice else ())
        return blocks.shown_view(shown, lang, {"lang": lang, **(meta or {})})

    def from_message(self, here: Here) -> None:
        """The message shortcut: the report form with *what happened* from the message and
        its permalink under *where* (kept with the case, shown only to who may open it)."""
        self.open_report(here, *shortcut_report(here.client, here.body, self.lang_of(here.user)))

    def field_changed(self, here: Here) -> None:
        """A field that redraws its modal: a choice that shows or hides fields ("en ansatt har
        krenket en elev" asks which employee; "Avslutt saken" asks nothing more), a time
        typed (Enter) shown back as understood under it (`flow.redraw`). Acked first."""
        view = here.body.get("view") or {}
        name, meta = payloads.form_of(view), payloads.metadata(view)
        if name not in forms.FORMS or "id" not in view or (email := self.actor(here)) is None:
            return
        lang = meta.get("lang") or self.services.org.language_of(email)
        values = payloads.changed_values(forms.FORMS[name], here.body)
        memo, ref = meta.get("opened"), meta.get("ref")
        step = flow.redraw(self.services, name, email, lang, memo, values, ref=ref)
        if isinstance(step, flow.Notice):
            return edge.draw(self, here, step)
        new_view = blocks.shown_view(step, lang, meta)
        try:
            here.client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
        except SlackApiError as exc:  # hash_conflict: the person kept typing; their next
            log.info("views.update skipped: %s", exc.response.get("error"))  # change retries

    def suggest(self, ack: Ack, body: dict[str, Any]) -> None:
        """block_suggestion: the pupils (or staff) matching what was typed, at the school picked
        in the form or the person's own; the answer is the ack (within Slack's 3 s)."""
        user = body["user"]["id"]
        if (email := self.directory.find(user)) is None:
            ack(options=[])
            return
        lang = payloads.metadata(body.get("view") or {}).get("lang") or self.lang_of(user)
        dataset, typed, school = payloads.suggestion(body)
        found = flow.picks(self.services, email, dataset, typed, lang, school=school)
        ack(options=blocks.search_options(found, lang))

    # --- submitting any form -----------------------------------------------------------

    def submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Any form's submission: filed before the ack, which carries the problems beside
        their fields (`payloads.answer`); a slow form acks "working" and finishes after."""
        name, meta = payloads.form_of(view), payloads.metadata(view)
        form, user = forms.FORMS[name], body["user"]["id"]
        lang = meta.get("lang") or self.lang_of(user)
        try:
            email = self.directory.email_of(user)
            submission = payloads.submission(form, view, email, self.directory.email_of)
        except (UnknownUser, SlackApiError) as exc:
            ack(**payloads.answer(form, view, lang, payloads.unknown(exc, lang)))
            return
        lang = self.services.org.language_of(email)
        if form.slow:  # e.g. the export renders: ack with "working", finish after
            ack(response_action="update", view=blocks.working_view(lang, t(lang, form.title)))
            return self.later(self.finish_slow, Here(client, body), view, submission, lang)
        shown = payloads.inputs_of(view)
        step = flow.try_submit(self.services, name, submission, lang, shown=shown)
        ack(**payloads.answer(form, view, lang, step))
        if isinstance(step, flow.Done):
            if step.result.outcome is not None:
                self.later(self.refresh, step.result.outcome, email, step.verb)
            self.wake()

    def finish_slow(
        self, here: Here, view: dict[str, Any], submission: Submission, lang: str
    ) -> None:
        step = flow.submit(self.services, payloads.form_of(view), submission, lang)
        if isinstance(step, flow.Done) and step.result.file is not None:
            self.upload(submission.actor, lang, step.result.file)
        done = blocks.done_view(lang, flow.lines_of(step))
        here.client.views_update(view_id=view["id"], view=done)

    # --- case actions: buttons on messages, App Home and the case dialog ----------------

    def do_action(self, here: Here) -> None:
        """A case's button (on a message, App Home, the case dialog) or a person picked on a
        message (forward; a § 12-5 case asks first): `flow.press` says what to draw."""
        action = here.body["actions"][0]
        verb = blocks.verb_of(action["action_id"])
        if verb is None or (email := self.actor(here)) is None:
            return
        ref = action.get("value") or action["block_id"].split(":", 1)[-1]
        picked, form = None, actions.ACTIONS[verb].form
        if form and blocks.inline_person(form):
            user = action.get("selected_user")
            if not user or (picked := self.actor(here, user)) is None:
                return
        home = (here.body.get("view") or {}).get("type") == "home"
        clicked = flow.press(self.services, verb, ref, email, picked=picked, from_home=home)
        if clicked.step is not None:
            edge.draw(self, here, clicked.step)
        if clicked.outcome is not None:
            self.refresh(clicked.outcome, email, clicked.verb)
            if clicked.home is not None:  # the overview as it was shown
                edge.draw(self, here, clicked.home)
            self.wake()

    def refresh(self, outcome: Outcome, actor: str, verb: str) -> None:
        """Update every leader's message about the case in place: new state, who acted."""
        who = self.directory.mention(actor)
        for refresh in flow.refreshes(self.services, outcome, "slack", verb, who):
            self.update(refresh)

    # --- App Home ---------------------------------------------------------------------

    def home(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") in (None, "home"):
            self.later(self._home, Here(client, {"user": {"id": event["user"]}}))

    def _home(self, here: Here) -> None:
        if (email := self.directory.find(here.user)) is not None:
            edge.draw(self, here, flow.home(self.services, email))

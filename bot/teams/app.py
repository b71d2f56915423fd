"""The Teams edge: Teams SDK handlers that translate activities into the conversation core.

The same flows as bot/slack/app.py, drawn from the same declarations (bot/core): "Meld fra" in
the personal chat and the message extension open the report dialog; every other form
(close, forward, note, aktivitetsplan, evaluation, R-team sharing, export) is a dialog opened
from the leader's card or from the case details, after the form's access check; in-place
actions are Action.Execute and refresh every leader's card. Personal answers (mine, saker, the
case) are given only in the personal chat or in a dialog. An export reaches the person in
their personal chat through a file consent card (the file lands in their OneDrive), never in a
channel. Handlers are synchronous (database work), so each call runs in a worker thread and
the event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from microsoft_teams.api import (
    AdaptiveCardActionCardResponse,
    AdaptiveCardActionMessageResponse,
    AdaptiveCardInvokeActivity,
    Attachment,
    CardTaskModuleTaskInfo,
    ConversationUpdateActivity,
    FileConsentInvokeActivity,
    InstalledActivity,
    MessageActivity,
    MessageActivityInput,
    MessageExtensionFetchTaskInvokeActivity,
    MessageExtensionSubmitActionInvokeActivity,
    MessagingExtensionActionResponse,
    SearchInvokeActivity,
    TaskFetchInvokeActivity,
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleResponse,
    TaskSubmitInvokeActivity,
)
from microsoft_teams.api.models.search.search_response import (
    SearchInvokeResponseValue,
    SearchInvokeResult,
    SearchResponse,
)
from microsoft_teams.apps import ActivityContext, App
from microsoft_teams.cards import AdaptiveCard

from bot.core import actions, flow, forms, words
from bot.core.actions import LastAction
from bot.core.checks import Hint
from bot.core.forms import Field, Opened, Submission
from bot.delivery import PermanentFailure, RetryLater, retry_after_seconds
from bot.teams import cards
from bot.teams.directory import PERSONAL, TeamsDirectory, UnknownUser, user_key
from bot.teams.errors import classify
from handlers import choices, delivery, pending_exports, replies, review
from handlers.errors import FieldErrors, Refused
from handlers.export import ExportFile
from handlers.i18n import t
from handlers.review import Outcome
from handlers.services import Services

log = logging.getLogger("meldefra.teams")
TAGS = re.compile(r"<[^>]+>")
CARD_ATTEMPTS = 8  # a card refresh is cosmetic: the state is in the database
# Where Teams' file consent uploads go: OneDrive for Business / SharePoint, public and national
# clouds (GCC High, DoD, China). Nothing else receives a case file.
UPLOAD_HOST_SUFFIXES = (".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.cn")
SEARCH_RESULTS = 15
CASE_COMMAND = "sak"  # the message extension's command for the cases waiting for you


def attachment(card: cards.Card) -> Attachment:
    return Attachment(content_type=cards.ADAPTIVE, content=card)


def dialog(title: str, card: cards.Card) -> TaskModuleContinueResponse:
    return TaskModuleContinueResponse(
        value=CardTaskModuleTaskInfo(
            title=title, height="large", width="medium", card=attachment(card)
        )
    )


def told(text: str) -> TaskModuleMessageResponse:
    return TaskModuleMessageResponse(value=text)


def card_message(summary: str, card: cards.Card, activity_id: str | None = None) -> Any:
    message = MessageActivityInput(text=summary).add_attachments(attachment(card))
    if activity_id:
        message.id = activity_id  # an id makes the SDK update the message in place (PUT)
    return message


def message_ref(conversation_id: str, activity_id: str) -> str:
    """What the outbox keeps to update a sent card later (conversation ids hold colons)."""
    return f"{conversation_id}|{activity_id}"


def staff_for(services: Services, school_id: str | None) -> list[str]:
    """The people a reporter may name (the school's staff); a school id that is not the org's
    names nobody (the report's own check says what is wrong)."""
    org = services.org
    known = {s.id: s for s in org.schools}
    if school_id and school_id not in known:
        return []
    schools = [known[school_id]] if school_id else list(org.schools)
    people = {p for s in schools for p in s.staff()} | set(org.owner.contacts)
    return sorted(people)


def upload_host(url: str) -> bool:
    """Whether an upload URL is https on a SharePoint/OneDrive host (default port)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return False
    return parts.scheme == "https" and port in (None, 443) and host.endswith(UPLOAD_HOST_SUFFIXES)


def message_text(content: str | None) -> str:
    """A Teams message body (HTML) as the plain text a person would copy."""
    plain = TAGS.sub(" ", re.sub(r"<br\s*/?>|</p>", "\n", content or "", flags=re.I))
    return "\n".join(" ".join(line.split()) for line in html.unescape(plain).splitlines()).strip()


def form_name(data: Mapping[str, Any]) -> str:
    """The form a dialog's data names ("report" for the report dialog and older cards)."""
    name = str(data.get("form") or data.get("dialog") or "")
    return name if name in forms.FORMS else "report"


def personal(activity: Any) -> bool:
    return activity.conversation.conversation_type in (PERSONAL, None)


class TeamsEdge:
    def __init__(
        self,
        services: Services,
        directory: TeamsDirectory,
        app: App,
        wake: Callable[[], None] = lambda: None,
        uploads: Callable[[], httpx.AsyncClient] | None = None,
    ) -> None:
        self.services = services
        self.directory = directory
        self.app = app
        self.wake = wake
        self._retries: set[asyncio.Task[None]] = set()
        # The client for OneDrive uploads (a test routes SharePoint's hosts to a loopback fake).
        self.uploads = uploads or (lambda: httpx.AsyncClient(timeout=60, follow_redirects=False))

    # --- helpers ----------------------------------------------------------------------

    def lang_of(self, activity: Any) -> str:
        email = self.directory.cached_email(user_key(activity))
        if email:
            return self.services.org.language_of(email)
        return self.services.org.schools[0].language

    def zone(self, email: str) -> Any:
        schools = self.services.org.schools_of(email)
        return (schools[0] if schools else self.services.org.schools[0]).zone

    async def actor(self, ctx: ActivityContext[Any]) -> tuple[str, str]:
        """The person acting and their language; raises UnknownUser (answered by the caller)."""
        email = await self.directory.email_of(ctx.activity, ctx.api)
        return email, self.services.org.language_of(email)

    def unknown(self, ctx: ActivityContext[Any]) -> TaskModuleResponse:
        return TaskModuleResponse(
            task=told(t(self.lang_of(ctx.activity), "teams.error.unknown_user"))
        )

    async def who(self, ctx: ActivityContext[Any]) -> str | None:
        try:
            return await self.directory.email_of(ctx.activity, ctx.api)
        except UnknownUser:
            return None

    async def reply(self, ctx: ActivityContext[Any], message: Any) -> None:
        """Answer in the activity's conversation; when the connector (or the bot's token) fails,
        the reply is retried through the outbox and Teams still gets 200."""
        activity = ctx.activity
        try:
            await ctx.send(message)
        except Exception as exc:  # noqa: BLE001 - any failure to send: the outbox retries it
            key = f"{activity.conversation.id}:{activity.id}:{uuid.uuid4().hex}"
            await self.queue_reply(
                activity.conversation.id, message, activity.service_url, exc, key
            )

    async def send_or_queue(self, conversation_id: str, message: Any, service_url: str) -> None:
        """A proactive message sent now, or retried through the outbox when sending fails."""
        try:
            await self.app.send(conversation_id, message, service_url=service_url)
        except Exception as exc:  # noqa: BLE001 - as in reply()
            key = f"{conversation_id}:{uuid.uuid4().hex}"
            await self.queue_reply(conversation_id, message, service_url, exc, key)

    async def queue_reply(
        self, conversation_id: str, message: Any, service_url: str | None, exc: Exception, key: str
    ) -> None:
        log.warning("sending a reply failed (%s); queued for the outbox", type(exc).__name__)
        activity = message.model_dump(mode="json", by_alias=True, exclude_none=True)
        await asyncio.to_thread(
            replies.queue,
            self.services,
            platform="teams",
            conversation=conversation_id,
            service_url=service_url,
            activity=activity,
            lang=self.services.org.schools[0].language,
            key=key,
        )
        self.wake()

    def register(self) -> None:
        app = self.app
        app.on_message(self.on_message)
        app.on_install_add(self.on_install)
        app.on_conversation_update(self.on_conversation_update)
        app.on_dialog_open(self.on_dialog_open)
        app.on_dialog_submit(self.on_dialog_submit)
        app.on_message_ext_open(self.on_extension_open)
        app.on_message_ext_submit(self.on_extension_submit)
        app.on_card_action(self.on_card_action)
        app.on_card_search(self.on_card_search)
        app.on_file_consent(self.on_file_consent)

    # --- the personal chat ------------------------------------------------------------

    async def on_install(self, ctx: ActivityContext[InstalledActivity]) -> None:
        await self.directory.remember_conversation(ctx.activity, ctx.api)
        if personal(ctx.activity):
            email = await self.who(ctx)
            if email is not None:  # the welcome card is the person's home
                await self.reply(ctx, await self.home_message(email, welcome=True))

    async def on_conversation_update(
        self, ctx: ActivityContext[ConversationUpdateActivity]
    ) -> None:
        bot = ctx.activity.recipient.id
        if any(m.id == bot for m in ctx.activity.members_added or []):
            await self.directory.remember_conversation(ctx.activity, ctx.api)

    async def on_message(self, ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        typed = (activity.model_copy(deep=True).strip_mentions_text().text or "").strip()
        await self.directory.remember_conversation(activity, ctx.api)
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(activity)
        intent, rest = words.intent(typed)
        if intent == words.HELP:
            await self.reply(
                ctx, MessageActivityInput(text=t(lang, "teams.help"), text_format="markdown")
            )
        elif intent in (words.MINE, words.CASES) and not personal(activity):
            # A channel or group chat: everyone there would see the person's cases.
            await self.reply(ctx, MessageActivityInput(text=t(lang, "teams.personal_only")))
        elif intent in (words.MINE, words.CASES) and email is None:
            await self.reply(ctx, MessageActivityInput(text=t(lang, "teams.error.unknown_user")))
        elif intent == words.MINE and email is not None:
            cases = await asyncio.to_thread(review.my_reports, self.services, email)
            listed = cards.listing_card(lang, "chat.mine.title", cases, self.zone(email))
            lines = [t(lang, "chat.mine.title")] + [
                cards.summary_line(lang, c, self.zone(email)) for c in cases[:30]
            ]
            summary = "\n\n".join(lines) if cases else t(lang, "chat.mine.none")
            await self.reply(ctx, card_message(summary, listed))
        elif intent == words.CASES and email is not None:
            await self.reply(ctx, await self.home_message(email))
        else:
            start = cards.start_card(lang, what=rest)
            await self.reply(ctx, card_message(t(lang, "teams.start.text"), start))

    async def home_message(self, email: str, *, welcome: bool = False) -> Any:
        lang = self.services.org.language_of(email)
        home = await self.home_card(email, welcome=welcome)
        return card_message(t(lang, "chat.home.waiting"), home)

    async def home_card(
        self, email: str, query: Mapping[str, Any] | None = None, *, welcome: bool = False
    ) -> cards.Card:
        lang = self.services.org.language_of(email)
        waiting = await asyncio.to_thread(review.waiting_for, self.services, email)
        mine = await asyncio.to_thread(review.my_reports, self.services, email)
        shown = await asyncio.to_thread(flow.show_overview, self.services, email, lang, query)
        zone = self.zone(email)
        return cards.home_card(lang, waiting, mine, zone, welcome=welcome, overview=shown)

    # --- forms --------------------------------------------------------------------------

    async def open_form(
        self,
        ctx: ActivityContext[Any],
        name: str,
        ref: str | None,
        *,
        prefill: Mapping[str, Any] | None = None,
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        """A form as a dialog, after its access check (a refusal is on the trail)."""
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(ctx.activity)
        if email is None and forms.FORMS[name].about_case:
            return told(t(lang, "teams.error.unknown_user"))
        step = await asyncio.to_thread(
            flow.open_form, self.services, name, email, lang, ref=ref, prefill=prefill
        )
        if isinstance(step, flow.Notice):
            return told(step.text)
        staff = await self.forward_targets(step.opened, email)
        return self.form_dialog(lang, step.opened, key=uuid.uuid4().hex, staff=staff)

    async def forward_targets(self, opened: Opened, email: str | None) -> list[str] | None:
        """For a case's form with a person to pick: whom the forward would accept (the case's
        school and skoleeier), never every school's staff. None for other forms."""
        if opened.ref is None or email is None:
            return None
        if not any(
            f.kind == forms.Kind.PERSON for f in opened.form.fields() if isinstance(f, Field)
        ):
            return None
        try:
            found = await asyncio.to_thread(choices.choices_for, self.services, opened.ref, email)
        except Refused:
            return []
        return list(found.forward_to)

    def form_dialog(
        self,
        lang: str,
        opened: Opened,
        *,
        key: str,
        values: Mapping[str, Any] | None = None,
        errors: Mapping[str, str] | None = None,
        general: tuple[str, ...] = (),
        staff: list[str] | None = None,
        hints: Mapping[str, Hint] | None = None,
    ) -> TaskModuleContinueResponse:
        if staff is None:
            school = opened.values.get("school") or None
            staff = staff_for(self.services, str(school) if school else None)
        body = cards.form_card(
            lang,
            opened,
            values=values,
            errors=errors,
            general=general,
            staff=staff,
            # One key per opened form: a double submit acts once. What it was opened with
            # comes back with «Sjekk» (TeamsEdge.check_form).
            data={"key": key, "opened": opened.memo()},
            hints=hints,
        )
        title = t(lang, opened.form.title)
        if opened.ref:
            title = f"{title} ({opened.ref})"
        return dialog(title, body)

    async def submit_form(
        self, ctx: ActivityContext[Any], data: Mapping[str, Any]
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        """Submit a form's dialog: done, or the dialog again with what was typed and the
        problems beside their fields."""
        name = form_name(data)
        form = forms.FORMS[name]
        ref = str(data.get("ref") or "") or None
        key = str(data.get("key") or uuid.uuid4().hex)
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(ctx.activity)
        if email is None and form.about_case:
            return told(t(lang, "teams.error.unknown_user"))
        if not form.about_case:
            prefill = {"school": data.get("school")} if data.get("school") else None
            opened = forms.report_opened(self.services.org, actor=email, prefill=prefill)
        else:
            # The handler checks access and reads the plan itself; opening the form again
            # here would log a second view. It is reopened only to show problems.
            opened = Opened(form, ref)
        values = cards.values_from(opened, data)
        again = {**data, **{k: v for k, v in values.items() if isinstance(v, str)}}
        if email is None:
            unknown = (t(lang, "teams.error.unknown_user"),)
            return self.form_dialog(lang, opened, key=key, values=again, general=unknown)
        manager = None if form.about_case else await self.manager_for(ctx.activity, email, values)
        submission = Submission(email, values, ref, key=f"teams:{key}", manager=manager)
        try:
            step = await asyncio.to_thread(flow.submit, self.services, name, submission, lang)
        except Exception:
            # The dialog stays open with the text typed; nothing half-stored (one transaction).
            log.error("submitting %s failed", name)
            failed = (t(lang, "chat.error.try_again"),)
            return self.form_dialog(lang, opened, key=key, values=again, general=failed)
        if isinstance(step, flow.Notice):
            return told(step.text)
        if isinstance(step, flow.Shown):
            return self.form_dialog(
                lang,
                step.opened,
                key=key,
                values=again,
                errors=step.errors,
                general=step.general,
                staff=await self.forward_targets(step.opened, email),
            )
        self.wake()
        return told("\n\n".join(await self.finish(ctx, email, lang, step)))

    async def finish(
        self, ctx: ActivityContext[Any], email: str, lang: str, done: flow.Done
    ) -> list[str]:
        """After an action: every leader's card refreshed, the file offered."""
        if done.result.outcome is not None:
            who = self.actor_name(ctx, email)
            await self.refresh(done.result.outcome, email, who, done.verb)
        lines = list(done.lines)
        if done.result.file is not None:  # not sent yet: it waits for the person's consent
            offer = await self.offer_file(email, lang, done.result.file)
            lines = [offer, *lines[1:]]
        return lines

    async def manager_for(self, activity: Any, email: str, values: Mapping[str, Any]) -> str | None:
        """Ask Entra ID only where org.yml names no nearest leader and the school wants it."""
        org = self.services.org
        school_id = str(values.get("school") or "") or None
        try:
            schools = [org.school(school_id)] if school_id else org.schools_of(email)
        except KeyError:
            return None
        if len(schools) != 1 or not schools[0].graph.managers:
            return None
        unit = schools[0].unit_of(email)
        if unit is not None and unit.leader is not None:
            return None
        return await self.directory.manager_of(user_key(activity))

    # --- the message extension ------------------------------------------------------------

    async def on_extension_open(
        self, ctx: ActivityContext[MessageExtensionFetchTaskInvokeActivity]
    ) -> MessagingExtensionActionResponse:
        value = ctx.activity.value
        if value.command_id == CASE_COMMAND:
            return MessagingExtensionActionResponse(task=await self.pick_case(ctx))
        what = ""
        if value.command_context == "message" and value.message_payload is not None:
            body = value.message_payload.body
            what = message_text(body.content if body else "")
        task = await self.open_form(ctx, "report", None, prefill={"what": what})
        return MessagingExtensionActionResponse(task=task)

    async def on_extension_submit(
        self, ctx: ActivityContext[MessageExtensionSubmitActionInvokeActivity]
    ) -> MessagingExtensionActionResponse:
        data = dict(ctx.activity.value.data or {})
        if ctx.activity.value.command_id != CASE_COMMAND:
            data["form"] = "report"
        return MessagingExtensionActionResponse(task=await self.dialog_step(ctx, data))

    async def pick_case(
        self, ctx: ActivityContext[Any]
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        """*Sak* in the compose box's apps: the cases waiting for you, then the chosen case's
        details and forms as the steps of one dialog (nothing is posted in the chat)."""
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(ctx.activity)
        if email is None:
            return told(t(lang, "teams.error.unknown_user"))
        waiting = await asyncio.to_thread(review.waiting_for, self.services, email)
        if not waiting:
            return told(t(lang, "chat.home.none"))
        picker = cards.case_picker(lang, waiting, self.zone(email))
        return dialog(t(lang, "chat.home.waiting"), picker)

    # --- dialogs ----------------------------------------------------------------------------

    async def on_dialog_open(
        self, ctx: ActivityContext[TaskFetchInvokeActivity]
    ) -> TaskModuleResponse:
        data = ctx.activity.value.data or {}
        ref = str(data.get("ref") or "") or None
        try:
            if data.get("dialog") == cards.CASE and ref:
                return TaskModuleResponse(task=await self.case_dialog(ctx, ref))
        except UnknownUser:
            return self.unknown(ctx)
        name = form_name(data)
        prefill = {"what": data.get("what") or ""} if name == "report" else None
        return TaskModuleResponse(task=await self.open_form(ctx, name, ref, prefill=prefill))

    async def on_dialog_submit(
        self, ctx: ActivityContext[TaskSubmitInvokeActivity]
    ) -> TaskModuleResponse:
        return TaskModuleResponse(task=await self.dialog_step(ctx, ctx.activity.value.data or {}))

    async def dialog_step(
        self, ctx: ActivityContext[Any], data: Mapping[str, Any]
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        """The next step of a dialog: the case chosen, a form opened from the case details
        (`open`), or a form submitted."""
        ref = str(data.get("ref") or "") or None
        if data.get("dialog") == cards.CASE and ref:
            try:
                return await self.case_dialog(ctx, ref)
            except UnknownUser:
                return told(t(self.lang_of(ctx.activity), "teams.error.unknown_user"))
        if data.get("open"):  # a button under the case details: the next form
            return await self.open_form(ctx, form_name(data), ref)
        if data.get("dialog") == cards.RUN and ref:
            return await self.run_from_dialog(ctx, str(data.get("verb") or ""), ref)
        if data.get(cards.CHECK):
            return await self.check_form(ctx, data)
        return await self.submit_form(ctx, data)

    async def check_form(
        self, ctx: ActivityContext[Any], data: Mapping[str, Any]
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        """«Sjekk»: the dialog again with what was typed, only the fields the answers leave
        open, and under each time what it was understood as. Nothing is sent or read again
        (the form's choices come back with the dialog's data)."""
        name = form_name(data)
        form = forms.FORMS[name]
        ref = str(data.get("ref") or "") or None
        key = str(data.get("key") or uuid.uuid4().hex)
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(ctx.activity)
        memo = data.get("opened")
        if isinstance(memo, Mapping):
            opened = forms.reopened(name, ref, memo, {})
        elif not form.about_case:
            school = str(data.get("school") or "") or None
            opened = forms.report_opened(self.services.org, actor=email, school_id=school)
        else:
            return await self.open_form(ctx, name, ref)
        values = cards.values_from(opened, data)
        hints = await asyncio.to_thread(flow.hints, self.services, opened, values, email, lang)
        again = {**data, **values}
        staff = await self.forward_targets(opened, email)
        return self.form_dialog(lang, opened, key=key, values=again, hints=hints, staff=staff)

    async def run_from_dialog(
        self, ctx: ActivityContext[Any], verb: str, ref: str
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        """An action under the case details done in place (melde fra to skoleeier) or a view
        it shows (the aktivitetsplan)."""
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(ctx.activity)
        declared = actions.ACTIONS.get(verb)
        if email is None or declared is None or declared.form is not None:
            return told(t(lang, "chat.error.try_again"))
        step = await asyncio.to_thread(flow.click, self.services, verb, ref, email, lang)
        if isinstance(step, flow.PlanShown):
            return dialog(step.view.title, cards.plan_card(step.view))
        if isinstance(step, flow.Details):
            return dialog(step.view.title, cards.case_card(lang, step.view))
        if not isinstance(step, flow.Done):
            return told(step.text if isinstance(step, flow.Notice) else "")
        self.wake()
        return told("\n\n".join(await self.finish(ctx, email, lang, step)))

    async def case_dialog(
        self, ctx: ActivityContext[Any], ref: str
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        email, lang = await self.actor(ctx)
        step = await asyncio.to_thread(flow.open_case, self.services, ref, email, lang)
        if isinstance(step, flow.Notice):
            return told(step.text)
        return dialog(step.view.title, cards.case_card(lang, step.view))

    # --- the person picker: typeahead over the staff ------------------------------------------

    async def on_card_search(self, ctx: ActivityContext[SearchInvokeActivity]) -> SearchResponse:
        value = ctx.activity.value
        found: list[SearchInvokeResult] = []
        email = await self.who(ctx)
        dataset, _, ref = str(value.dataset or "").partition(":")
        if dataset == cards.STAFF and email is not None:
            if ref:  # a case's form: whom the case may go to, for this person
                try:
                    offered = await asyncio.to_thread(
                        choices.choices_for, self.services, ref, email
                    )
                    people = list(offered.forward_to)
                except (Refused, LookupError):
                    people = []
            else:
                schools = self.services.org.schools_of(email)
                people = staff_for(self.services, schools[0].id if len(schools) == 1 else None)
            typed = (value.query_text or "").strip().lower()
            found = [SearchInvokeResult(title=p, value=p) for p in people if typed in p.lower()][
                :SEARCH_RESULTS
            ]
        elif (value.dataset or "").startswith(cards.SEARCH_PREFIX) and email is not None:
            lang = self.services.org.language_of(email)
            picks = await asyncio.to_thread(
                forms.search,
                self.services,
                value.dataset.removeprefix(cards.SEARCH_PREFIX),
                email,
                value.query_text or "",
                lang=lang,
            )
            if len(picks) > SEARCH_RESULTS:  # the typed text stays the last line
                picks = picks[: SEARCH_RESULTS - 1] + picks[-1:]
            found = [SearchInvokeResult(title=c.text(lang), value=c.value) for c in picks]
        return SearchResponse(value=SearchInvokeResponseValue(results=found))

    # --- exports: a file consent card in the personal chat --------------------------------------

    async def offer_file(self, email: str, lang: str, made: ExportFile) -> str:
        """Ask the person, in their personal chat and nowhere else, to take the export (and its
        metadata) into their OneDrive; the bytes wait in the database (sealed, an hour) until
        they accept, so whichever replica gets the consent can finish it."""
        person = await asyncio.to_thread(self.directory.person, email)
        if person is None or person.reference is None:
            return t(lang, "teams.export.no_chat")
        files = [(made.name, made.content)]
        if made.metadata:
            files.append((made.name.rsplit(".", 1)[0] + ".metadata.json", made.metadata_json()))
        tokens = await asyncio.to_thread(pending_exports.offer, self.services, email, files)
        message = MessageActivityInput(text=t(lang, "teams.export.offer", name=made.name))
        for (name, content), token in zip(files, tokens, strict=True):
            description = t(lang, "teams.export.consent", name=name)
            consent = cards.file_consent(name, len(content), description, token)
            message.add_attachments(Attachment.model_validate(consent))
        ref = person.reference
        await self.send_or_queue(ref.conversation_id, message, ref.service_url)
        return t(lang, "teams.export.offer", name=made.name)

    async def on_file_consent(self, ctx: ActivityContext[FileConsentInvokeActivity]) -> None:
        value = ctx.activity.value
        context = value.context if isinstance(value.context, dict) else {}
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(ctx.activity)
        token = str(context.get("export") or "")
        waiting = None
        if email is not None and token:
            waiting = await asyncio.to_thread(pending_exports.waiting, self.services, token, email)
        if waiting is None:
            await self.reply(ctx, MessageActivityInput(text=t(lang, "teams.export.gone")))
            return
        if value.action != "accept" or value.upload_info is None:
            await asyncio.to_thread(pending_exports.done, self.services, token)
            return
        name, content = waiting
        info = value.upload_info
        url = str(info.upload_url or "")
        if not upload_host(url):
            # Teams hands out OneDrive/SharePoint upload sessions only: anything else is not
            # where this person's files go.
            log.warning("refused an upload URL outside SharePoint/OneDrive")
            await self.reply(ctx, MessageActivityInput(text=t(lang, "chat.error.try_again")))
            return
        headers = {
            "Content-Length": str(len(content)),
            "Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}",
        }
        try:
            async with self.uploads() as client:
                response = await client.put(url, content=content, headers=headers)
                response.raise_for_status()  # a redirect is a failure too: never followed
        except httpx.HTTPError as exc:
            log.warning("uploading an export failed: %s", type(exc).__name__)
            await self.reply(ctx, MessageActivityInput(text=t(lang, "chat.error.try_again")))
            return
        await asyncio.to_thread(pending_exports.done, self.services, token)
        shown = cards.file_info(
            info.name or name,
            str(info.content_url),
            str(info.unique_id or ""),
            str(info.file_type or name.rsplit(".", 1)[-1]),
        )
        reply = MessageActivityInput(text=t(lang, "teams.export.uploaded", name=info.name or name))
        await self.reply(ctx, reply.add_attachments(Attachment.model_validate(shown)))

    # --- the leader's card --------------------------------------------------------------

    async def on_card_action(
        self, ctx: ActivityContext[AdaptiveCardInvokeActivity]
    ) -> AdaptiveCardActionCardResponse | AdaptiveCardActionMessageResponse:
        # Routed on the verb here: the SDK's on_card_action_execute routes on data["action"].
        action = ctx.activity.value.action
        data = action.data or {}
        ref = str(data.get("ref") or "")
        email = await self.who(ctx)
        if email is None:
            return AdaptiveCardActionMessageResponse(
                value=t(self.lang_of(ctx.activity), "teams.error.unknown_user")
            )
        lang = self.services.org.language_of(email)
        if action.verb == cards.OVERVIEW:  # a search, a sort or a page: the home redrawn
            query = dict(data)
            if query.get("search"):
                query["text"] = str(query.get(cards.OVERVIEW_TEXT) or "")
            home = await self.home_card(email, query)
            return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(home))
        declared = actions.ACTIONS.get(action.verb or "")
        if declared is None or declared.run is None:
            return AdaptiveCardActionMessageResponse(value=t(lang, "chat.error.try_again"))
        run = declared.run
        try:
            outcome = await asyncio.to_thread(run, self.services, ref, email)
        except Refused as refusal:
            return AdaptiveCardActionMessageResponse(value=refusal.text(lang))
        except FieldErrors as errors:
            return AdaptiveCardActionMessageResponse(value=" ".join(errors.render(lang).values()))
        self.wake()
        name = self.actor_name(ctx, email)
        verb = declared.verb
        if data.get("list") in cards.LISTS:
            # Clicked on a line of a reminder or digest: every card of the case is updated,
            # and the list answers with that line done and the others as they were.
            await self.refresh(outcome, email, name, verb)
            last = t(lang, "chat.case.last_action", action=t(lang, declared.label), who=name)
            listed = await self.list_card(email, lang, data, {ref: last})
            if listed is not None and outcome.changed:
                return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(listed))
            return AdaptiveCardActionMessageResponse(value=t(lang, outcome.key, **outcome.args))
        clicked = ctx.activity.reply_to_id
        refreshed = await self.refresh(outcome, email, name, verb, clicked=clicked)
        if not outcome.changed or refreshed is None:
            return AdaptiveCardActionMessageResponse(value=t(lang, outcome.key, **outcome.args))
        return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(refreshed))

    async def list_card(
        self, email: str, lang: str, data: Mapping[str, Any], done: Mapping[str, str]
    ) -> cards.Card | None:
        """The reminder (or digest) the person clicked on, re-rendered with `done` added to
        what its buttons say was done before."""
        kind = str(data["list"])
        sent = await asyncio.to_thread(
            delivery.delivered_to, self.services, email, platform="teams"
        )
        found = [
            n
            for n in sent
            if n["kind"] == kind
            and n["data"].get("school") == data.get("school")
            and n["data"].get("date") == data.get("date")
        ]
        if not found:
            return None
        previous = data.get("done")
        before: dict[str, str] = dict(previous) if isinstance(previous, dict) else {}
        notice = found[-1]
        return cards.notice_card(kind, lang, notice["data"], done={**before, **done})[1]

    def actor_name(self, ctx: ActivityContext[Any], email: str) -> str:
        return str(ctx.activity.from_.name or email)

    async def refresh(
        self, outcome: Outcome, actor: str, name: str, verb: str, *, clicked: str | None = None
    ) -> cards.Card | None:
        """Update every leader's card about the case in place: the new state, who acted.

        Returns the card for the message that was clicked, which Teams replaces with the
        invoke's answer; the others are updated through the connector. The clicked message is
        known by its id, or else as the actor's own card (a connector that returns no usable
        ids, like the Agents Playground's)."""
        sent = [
            msg
            for msg in await asyncio.to_thread(
                delivery.messages_for_case, self.services, outcome.ref, platform="teams"
            )
            if msg.kind in cards.ACTIONABLE and msg.platform_ref and "|" in msg.platform_ref
        ]
        ids = [str(msg.platform_ref).rpartition("|")[2] for msg in sent]
        own = None if clicked in ids else next((m for m in sent if m.recipient == actor), None)
        answer: cards.Card | None = None
        for msg, activity_id in zip(sent, ids, strict=True):
            conversation_id = str(msg.platform_ref).rpartition("|")[0]
            summary, card = cards.notice_card(
                msg.kind,
                msg.lang,
                msg.data,
                status=outcome.status,
                last=LastAction(verb, name),
            )
            if clicked is not None and (activity_id == clicked or msg is own):
                answer = card
                continue
            person = await asyncio.to_thread(self.directory.person, msg.recipient or "")
            service_url = person.reference.service_url if person and person.reference else None
            message = card_message(summary, card, activity_id)
            await self.update_card(conversation_id, message, service_url)
        return answer

    async def update_card(
        self, conversation_id: str, message: Any, service_url: str | None, attempt: int = 1
    ) -> None:
        """PUT a card, under the outbox's rules: 429 waits Retry-After, 5xx and no answer back
        off; a retry runs in the background so the person who clicked is answered at once."""
        try:
            await self.app.send(conversation_id, message, service_url=service_url)
            return
        except httpx.HTTPStatusError as exc:
            failure = classify(exc)
        except (httpx.TransportError, OSError) as exc:
            failure = RetryLater(type(exc).__name__)
        if isinstance(failure, PermanentFailure) or attempt >= CARD_ATTEMPTS:
            log.warning("updating a card failed for good: %s", failure.error)
            return
        # The platform's Retry-After clamped as for every notice; garbage means our backoff.
        after = retry_after_seconds(failure.after)
        delay = after if after is not None else min(600.0, 2.0**attempt)
        log.info("updating a card: retry in %.0fs (%s)", delay, failure.error)

        async def later() -> None:
            await asyncio.sleep(delay)
            await self.update_card(conversation_id, message, service_url, attempt + 1)

        task = asyncio.create_task(later())
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def stop(self) -> None:
        """Stop the card updates still waiting to retry (at shutdown)."""
        for task in list(self._retries):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

"""The Teams edge: Teams SDK handlers that translate activities into handler calls.

The same flows as bot/slack/app.py: "Meld fra" in the personal chat and the message extension
(compose box and a message's menu) open the report dialog; the leader's card acts in place
(Action.Execute), opens the details or the close form in dialogs; every permission check is the
handlers'. Handlers are synchronous (database work), so each call runs in a worker thread and
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

import httpx
from microsoft_teams.api import (
    AdaptiveCardActionCardResponse,
    AdaptiveCardActionMessageResponse,
    AdaptiveCardInvokeActivity,
    Attachment,
    CardTaskModuleTaskInfo,
    ConversationUpdateActivity,
    InstalledActivity,
    MessageActivity,
    MessageActivityInput,
    MessageExtensionFetchTaskInvokeActivity,
    MessageExtensionSubmitActionInvokeActivity,
    MessagingExtensionActionResponse,
    TaskFetchInvokeActivity,
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleResponse,
    TaskSubmitInvokeActivity,
)
from microsoft_teams.apps import ActivityContext, App
from microsoft_teams.cards import AdaptiveCard

from bot.delivery import PermanentFailure, RetryLater
from bot.teams import cards
from bot.teams.directory import PERSONAL, TeamsDirectory, UnknownUser, user_key
from bot.teams.errors import classify
from handlers import delivery, report, review
from handlers.errors import FieldErrors, Refused
from handlers.i18n import t
from handlers.report import ReportForm
from handlers.review import Outcome
from handlers.services import Services

log = logging.getLogger("meldefra.teams")
MINE_WORDS = {"mine", "min", "my", "status"}
HELP_WORDS = {"hjelp", "help", "?"}
REPORT_WORDS = re.compile(r"^(meld\s+fr[aå]|report)\b[:\s]*", re.IGNORECASE)
TAGS = re.compile(r"<[^>]+>")
CARD_ATTEMPTS = 8  # a card refresh is cosmetic: the state is in the database
LABELS = {
    cards.ACKNOWLEDGE: "action.acknowledge",
    cards.INVESTIGATE: "action.investigate",
    cards.FORWARD: "action.forward",
    cards.CLOSE: "action.close",
}


def attachment(card: cards.Card) -> Attachment:
    return Attachment(content_type=cards.ADAPTIVE, content=card)


def dialog(title: str, card: cards.Card) -> TaskModuleContinueResponse:
    return TaskModuleContinueResponse(
        value=CardTaskModuleTaskInfo(
            title=title, height="large", width="medium", card=attachment(card)
        )
    )


def card_message(summary: str, card: cards.Card, activity_id: str | None = None) -> Any:
    message = MessageActivityInput(text=summary).add_attachments(attachment(card))
    if activity_id:
        message.id = activity_id  # an id makes the SDK update the message in place (PUT)
    return message


def message_ref(conversation_id: str, activity_id: str) -> str:
    """What the outbox keeps to update a sent card later (conversation ids hold colons)."""
    return f"{conversation_id}|{activity_id}"


def staff_for(services: Services, school_id: str | None) -> list[str]:
    """The people a leader may forward to, or a reporter may name (the school's staff)."""
    org = services.org
    schools = [org.school(school_id)] if school_id else list(org.schools)
    people = {p for s in schools for p in s.staff()} | set(org.owner.contacts)
    return sorted(people)


def form_from_data(data: Mapping[str, Any]) -> ReportForm:
    def text_of(name: str) -> str:
        return str(data.get(name) or "")

    categories = [c for c in text_of("categories").split(",") if c]
    return ReportForm(
        school_id=text_of("school") or None,
        pupils=text_of("pupils"),
        what=text_of("what"),
        when=text_of("when"),
        where=text_of("where"),
        categories=tuple(categories),
        accused=text_of("accused") or None,
        action_taken=text_of("action_taken"),
        pupil_words=text_of("pupil_words"),
        urgent=text_of("urgent") == "yes",
    )


def message_text(content: str | None) -> str:
    """A Teams message body (HTML) as the plain text a person would copy."""
    plain = TAGS.sub(" ", re.sub(r"<br\s*/?>|</p>", "\n", content or "", flags=re.I))
    return "\n".join(" ".join(line.split()) for line in html.unescape(plain).splitlines()).strip()


class TeamsEdge:
    def __init__(
        self,
        services: Services,
        directory: TeamsDirectory,
        app: App,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.services = services
        self.directory = directory
        self.app = app
        self.wake = wake
        self._retries: set[asyncio.Task[None]] = set()

    # --- helpers ----------------------------------------------------------------------

    def lang_of(self, activity: Any) -> str:
        email = self.directory.cached_email(user_key(activity))
        if email:
            return self.services.org.language_of(email)
        return self.services.org.schools[0].language

    def school_of(self, email: str) -> str | None:
        schools = self.services.org.schools_of(email)
        return schools[0].id if len(schools) == 1 else None

    async def actor(self, ctx: ActivityContext[Any]) -> tuple[str, str]:
        """The person acting and their language; raises UnknownUser (answered by the caller)."""
        email = await self.directory.email_of(ctx.activity, ctx.api)
        return email, self.services.org.language_of(email)

    def unknown(self, ctx: ActivityContext[Any]) -> TaskModuleResponse:
        return TaskModuleResponse(
            task=TaskModuleMessageResponse(
                value=t(self.lang_of(ctx.activity), "teams.error.unknown_user")
            )
        )

    async def who(self, ctx: ActivityContext[Any]) -> str | None:
        try:
            return await self.directory.email_of(ctx.activity, ctx.api)
        except UnknownUser:
            return None

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

    # --- the personal chat ------------------------------------------------------------

    async def on_install(self, ctx: ActivityContext[InstalledActivity]) -> None:
        await self.directory.remember_conversation(ctx.activity, ctx.api)

    async def on_conversation_update(
        self, ctx: ActivityContext[ConversationUpdateActivity]
    ) -> None:
        bot = ctx.activity.recipient.id
        if any(m.id == bot for m in ctx.activity.members_added or []):
            await self.directory.remember_conversation(ctx.activity, ctx.api)

    async def on_message(self, ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        words = (activity.model_copy(deep=True).strip_mentions_text().text or "").strip()
        await self.directory.remember_conversation(activity, ctx.api)
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(activity)
        personal = activity.conversation.conversation_type in (PERSONAL, None)
        if words.lower() in HELP_WORDS:
            await ctx.send(MessageActivityInput(text=t(lang, "teams.help"), text_format="markdown"))
        elif words.lower() in MINE_WORDS and not personal:
            # A channel or group chat: everyone there would see the person's cases.
            await ctx.send(MessageActivityInput(text=t(lang, "teams.personal_only")))
        elif words.lower() in MINE_WORDS:
            await ctx.send(MessageActivityInput(text=await self.mine_text(email, lang)))
        else:
            what = REPORT_WORDS.sub("", words, count=1)
            start = cards.start_card(lang, what=what)
            await ctx.send(card_message(t(lang, "teams.start.text"), start))

    async def mine_text(self, email: str | None, lang: str) -> str:
        if email is None:
            return t(lang, "teams.error.unknown_user")
        cases = await asyncio.to_thread(review.my_reports, self.services, email)
        if not cases:
            return t(lang, "chat.mine.none")
        schools = self.services.org.schools_of(email)
        zone = (schools[0] if schools else self.services.org.schools[0]).zone
        lines = [
            t(
                lang,
                "chat.mine.line",
                ref=c.ref,
                status=t(lang, f"status.{c.status}"),
                date=f"{c.created_at.astimezone(zone):%d.%m.%Y}",
            )
            for c in cases[:30]
        ]
        return "\n\n".join([t(lang, "chat.mine.title"), *lines])

    # --- filing -----------------------------------------------------------------------

    async def report_dialog(
        self,
        ctx: ActivityContext[Any],
        values: Mapping[str, Any],
        errors: Mapping[str, str] | None = None,
        key: str | None = None,
    ) -> tuple[str, TaskModuleContinueResponse]:
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(ctx.activity)
        school = str(values.get("school") or "") or (self.school_of(email) if email else None)
        form = cards.report_form(
            lang,
            self.services.org,
            school_id=school,
            staff=staff_for(self.services, school),
            values=values,
            errors=errors,
            # One key per opened form: a double submit files once.
            submit_data={"key": key or uuid.uuid4().hex},
        )
        return lang, dialog(t(lang, "chat.modal.title"), form)

    async def file(
        self, ctx: ActivityContext[Any], data: Mapping[str, Any]
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        """File the report, or the dialog again with the input kept and the errors shown."""
        email = await self.who(ctx)
        lang = self.services.org.language_of(email) if email else self.lang_of(ctx.activity)
        key = str(data.get("key") or uuid.uuid4().hex)
        if email is None:
            return (
                await self.report_dialog(
                    ctx, data, {"school": t(lang, "teams.error.unknown_user")}, key
                )
            )[1]
        form = form_from_data(data)
        manager = await self.manager_for(ctx.activity, email, form)
        try:
            filed = await asyncio.to_thread(
                report.file_report,
                self.services,
                form,
                email,
                submission_key=f"teams:{key}",
                manager=manager,
            )
        except FieldErrors as errors:
            return (await self.report_dialog(ctx, data, errors.render(lang), key))[1]
        except Exception:
            # The dialog stays open with the text typed; nothing half-stored (one transaction).
            log.exception("filing a report failed")
            return (
                await self.report_dialog(
                    ctx, data, {"school": t(lang, "chat.error.try_again")}, key
                )
            )[1]
        self.wake()
        return TaskModuleMessageResponse(value=t(lang, "teams.filed", ref=filed.ref))

    async def manager_for(self, activity: Any, email: str, form: ReportForm) -> str | None:
        """Ask Entra ID only where org.yml names no nearest leader and the school wants it."""
        org = self.services.org
        try:
            schools = [org.school(form.school_id)] if form.school_id else org.schools_of(email)
        except KeyError:
            return None
        if len(schools) != 1 or not schools[0].graph.managers:
            return None
        unit = schools[0].unit_of(email)
        if unit is not None and unit.leader is not None:
            return None
        return await self.directory.manager_of(user_key(activity))

    async def on_extension_open(
        self, ctx: ActivityContext[MessageExtensionFetchTaskInvokeActivity]
    ) -> MessagingExtensionActionResponse:
        value = ctx.activity.value
        what = ""
        if value.command_context == "message" and value.message_payload is not None:
            body = value.message_payload.body
            what = message_text(body.content if body else "")
        _, task = await self.report_dialog(ctx, {"what": what})
        return MessagingExtensionActionResponse(task=task)

    async def on_extension_submit(
        self, ctx: ActivityContext[MessageExtensionSubmitActionInvokeActivity]
    ) -> MessagingExtensionActionResponse:
        return MessagingExtensionActionResponse(
            task=await self.file(ctx, ctx.activity.value.data or {})
        )

    # --- dialogs: report, case details, close -----------------------------------------

    async def on_dialog_open(
        self, ctx: ActivityContext[TaskFetchInvokeActivity]
    ) -> TaskModuleResponse:
        data = ctx.activity.value.data or {}
        name = data.get("dialog")
        try:
            if name == cards.CASE:
                return TaskModuleResponse(task=await self.case_dialog(ctx, str(data.get("ref"))))
            if name == cards.CLOSE:
                return TaskModuleResponse(task=await self.close_dialog(ctx, str(data.get("ref"))))
        except UnknownUser:
            return self.unknown(ctx)
        _, task = await self.report_dialog(ctx, {"what": data.get("what") or ""})
        return TaskModuleResponse(task=task)

    async def on_dialog_submit(
        self, ctx: ActivityContext[TaskSubmitInvokeActivity]
    ) -> TaskModuleResponse:
        data = ctx.activity.value.data or {}
        if data.get("dialog") == cards.CLOSE:
            try:
                return TaskModuleResponse(task=await self.close(ctx, data))
            except UnknownUser:
                return self.unknown(ctx)
        return TaskModuleResponse(task=await self.file(ctx, data))

    async def case_dialog(
        self, ctx: ActivityContext[Any], ref: str
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        email, lang = await self.actor(ctx)
        try:
            details = await asyncio.to_thread(review.open_case, self.services, ref, email)
        except Refused as refusal:
            return TaskModuleMessageResponse(value=refusal.text(lang))
        zone = self.services.org.school(details.school_id).zone
        return dialog(
            t(lang, "chat.case.title", ref=details.ref), cards.case_card(lang, details, zone)
        )

    async def close_dialog(
        self, ctx: ActivityContext[Any], ref: str
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        email, lang = await self.actor(ctx)
        try:
            await asyncio.to_thread(review.authorize, self.services, ref, email, "close")
        except Refused as refusal:
            return TaskModuleMessageResponse(value=refusal.text(lang))
        return dialog(t(lang, "chat.close.title"), cards.close_form(lang, ref))

    async def close(
        self, ctx: ActivityContext[Any], data: Mapping[str, Any]
    ) -> TaskModuleContinueResponse | TaskModuleMessageResponse:
        ref, reason = str(data.get("ref")), str(data.get("reason") or "")
        email, lang = await self.actor(ctx)
        try:
            outcome = await asyncio.to_thread(review.close, self.services, ref, email, reason)
        except FieldErrors as errors:
            error = " ".join(errors.render(lang).values())
            return dialog(
                t(lang, "chat.close.title"), cards.close_form(lang, ref, reason=reason, error=error)
            )
        except Refused as refusal:
            return TaskModuleMessageResponse(value=refusal.text(lang))
        await self.refresh(outcome, email, self.actor_name(ctx, email), cards.CLOSE)
        return TaskModuleMessageResponse(value=t(lang, outcome.key, **outcome.args))

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
        calls: dict[str, Callable[[], Outcome]] = {
            cards.ACKNOWLEDGE: lambda: review.acknowledge(self.services, ref, email),
            cards.INVESTIGATE: lambda: review.start_investigation(self.services, ref, email),
            cards.FORWARD: lambda: review.forward(
                self.services, ref, email, str(data.get("forward_to") or "")
            ),
        }
        if action.verb not in calls:
            return AdaptiveCardActionMessageResponse(value=t(lang, "chat.error.try_again"))
        if action.verb == cards.FORWARD and not data.get("forward_to"):
            return AdaptiveCardActionMessageResponse(value=t(lang, "teams.forward.choose"))
        try:
            outcome = await asyncio.to_thread(calls[action.verb])
        except Refused as refusal:
            return AdaptiveCardActionMessageResponse(value=refusal.text(lang))
        except FieldErrors as errors:
            return AdaptiveCardActionMessageResponse(value=" ".join(errors.render(lang).values()))
        self.wake()
        name = self.actor_name(ctx, email)
        if data.get("list") in cards.LISTS:
            # Clicked on a line of a reminder or digest: every card of the case is updated,
            # and the list answers with that line done and the others as they were.
            await self.refresh(outcome, email, name, action.verb)
            last = t(lang, "chat.case.last_action", action=t(lang, LABELS[action.verb]), who=name)
            listed = await self.list_card(email, lang, data, {ref: last})
            if listed is not None and outcome.changed:
                return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(listed))
            return AdaptiveCardActionMessageResponse(value=t(lang, outcome.key, **outcome.args))
        clicked = ctx.activity.reply_to_id
        refreshed = await self.refresh(outcome, email, name, action.verb, clicked=clicked)
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
            last = t(msg.lang, "chat.case.last_action", action=t(msg.lang, LABELS[verb]), who=name)
            summary, card = cards.notice_card(
                msg.kind,
                msg.lang,
                msg.data,
                staff=staff_for(self.services, msg.data.get("school")),
                status=outcome.status,
                last_action=last,
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
        delay = failure.after if failure.after is not None else min(600.0, 2.0**attempt)
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

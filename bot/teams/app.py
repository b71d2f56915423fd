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
import html
import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import httpx
from microsoft_teams.api import (
    AdaptiveCardActionCardResponse,
    AdaptiveCardActionMessageResponse,
    AdaptiveCardInvokeActivity,
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

from bot.core import actions, edge, flow, forms, views, words
from bot.core.forms import Field, Kind, Opened, Submission
from bot.teams import cards
from bot.teams.directory import PERSONAL, TeamsDirectory, UnknownUser, user_key
from bot.teams.outbound import Outbound, attachment, card_message, onedrive
from handlers.export import ExportFile
from handlers.i18n import t
from handlers.review import Outcome
from handlers.services import Services

log = logging.getLogger("meldefra.teams")
TAGS = re.compile(r"<[^>]+>")
SEARCH_RESULTS = 15
CASE_COMMAND = "sak"  # the message extension's command for the cases waiting for you
Task: TypeAlias = TaskModuleContinueResponse | TaskModuleMessageResponse


def dialog(title: str, card: cards.Card) -> TaskModuleContinueResponse:
    return TaskModuleContinueResponse(
        value=CardTaskModuleTaskInfo(
            title=title, height="large", width="medium", card=attachment(card)
        )
    )


def told(text: str) -> TaskModuleMessageResponse:
    return TaskModuleMessageResponse(value=text)


def message_ref(conversation_id: str, activity_id: str) -> str:
    """What the outbox keeps to update a sent card later (conversation ids hold colons)."""
    return f"{conversation_id}|{activity_id}"


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


@dataclass(frozen=True)
class At:
    """Where a Teams answer goes: the person's language, the dialog's key (one per opened
    form: a double submit acts once), whom its person pickers offer and, for the home,
    rektor's overview under it."""

    lang: str
    key: str = ""
    staff: tuple[tuple[str, str], ...] = ()  # (e-mail, label) for a person picker
    overview: views.OverviewView | None = None


class TeamsEdge:
    """The Teams edge (`bot.core.edge.Edge[At, Any]`): Teams SDK handlers that ask the core
    what comes next, and Adaptive Cards to draw it; `Outbound` posts, updates and uploads."""

    def __init__(
        self,
        services: Services,
        directory: TeamsDirectory,
        app: App,
        wake: Callable[[], None] = lambda: None,
        uploads: Callable[[], httpx.AsyncClient] | None = None,
    ) -> None:
        self.services, self.directory, self.app, self.wake = services, directory, app, wake
        self.out = Outbound(services, directory, app, wake, uploads or onedrive)
        self.stop = self.out.stop

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

    # --- the edge: a form, a view, a notice; an update, an upload ----------------------

    def form(self, at: At, shown: flow.Shown) -> Task:
        # One key per dialog: a double submit acts once. What the form was opened with comes
        # back with «Sjekk svarene» (check_form), so it is drawn again without reading more.
        opened = shown.opened
        data = {"key": at.key, "opened": opened.memo()}
        body = cards.form_card(
            at.lang, opened, values=shown.values, errors=shown.errors, general=shown.general,
            staff=at.staff, data=data, hints=shown.hints,
        )  # fmt: skip
        return dialog(cards.form_title(at.lang, opened), body)

    def view(self, at: At, view: views.View) -> Any:
        """Case details and the plan as a dialog; a list and the home as a card message."""
        if isinstance(view, views.CaseView):
            return dialog(view.title, cards.case_card(at.lang, view))
        if isinstance(view, views.PlanView):
            return dialog(view.title, cards.plan_card(view))
        if isinstance(view, views.HomeView):
            home = cards.home_card(view, at.overview)
            return card_message(t(at.lang, "chat.home.waiting"), home)
        return card_message(*cards.listing(view))

    def notice(self, at: At, lines: Sequence[str]) -> Task:
        return told("\n\n".join(lines))

    async def update(self, refresh: flow.Refresh) -> None:
        """A leader's card sent earlier, again in place (through the connector)."""
        conversation_id, _, activity_id = str(refresh.sent.platform_ref).rpartition("|")
        person = await asyncio.to_thread(self.directory.person, refresh.sent.recipient or "")
        service_url = person.reference.service_url if person and person.reference else None
        message = card_message(*cards.refreshed(refresh), activity_id)
        await self.out.update_card(conversation_id, message, service_url)

    async def upload(self, actor: str, lang: str, file: ExportFile) -> str:
        return await self.out.offer_file(actor, lang, file)

    # --- helpers ----------------------------------------------------------------------

    async def who(self, ctx: ActivityContext[Any]) -> tuple[str | None, str]:
        """The person acting (None when the directory does not know them) and their language."""
        try:
            email: str | None = await self.directory.email_of(ctx.activity, ctx.api)
        except UnknownUser:
            email = None
        known = email or self.directory.cached_email(user_key(ctx.activity))
        return email, flow.lang_of(self.services, known)

    async def staff(self, opened: Opened, email: str | None) -> tuple[tuple[str, str], ...]:
        """Whom the form's person picker offers (a case's form: whom it may go to), each with
        the label it is shown by (the name where the directory has it)."""
        if not any(isinstance(f, Field) and f.kind == Kind.PERSON for f in opened.form.fields()):
            return ()
        if opened.ref is None:
            school = opened.values.get("school") or None
            found = flow.staff_of(self.services, str(school) if school else None)
        else:
            found = await asyncio.to_thread(flow.people_for, self.services, email, opened.ref)
        return await asyncio.to_thread(flow.labelled, self.services, found)

    # --- the personal chat ------------------------------------------------------------

    async def on_install(self, ctx: ActivityContext[InstalledActivity]) -> None:
        await self.directory.remember_conversation(ctx.activity, ctx.api)
        if not personal(ctx.activity):
            return
        email, lang = await self.who(ctx)
        if email is not None:  # the welcome card is the person's home
            at, home = await self.home(email, lang, welcome=True)
            await self.out.reply(ctx, edge.draw(self, at, home))

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
        email, lang = await self.who(ctx)
        intent, rest = words.intent(typed)
        answer: Any
        if intent == words.HELP:
            answer = MessageActivityInput(text=t(lang, "teams.help"), text_format="markdown")
        elif intent in (words.MINE, words.CASES) and not personal(activity):
            # A channel or group chat: everyone there would see the person's cases.
            answer = MessageActivityInput(text=t(lang, "teams.personal_only"))
        elif intent in (words.MINE, words.CASES) and email is None:
            answer = MessageActivityInput(text=t(lang, "teams.error.unknown_user"))
        elif intent in (words.MINE, words.CASES) and email is not None:
            if intent == words.MINE:
                mine = await asyncio.to_thread(flow.listing, self.services, email, intent)
                answer = edge.draw(self, At(lang), mine)
            else:
                answer = edge.draw(self, *await self.home(email, lang))
        else:
            start = cards.start_card(lang, what=rest)
            answer = card_message(t(lang, "teams.start.text"), start)
        await self.out.reply(ctx, answer)

    async def home(
        self,
        email: str,
        lang: str,
        query: Mapping[str, Any] | None = None,
        *,
        welcome: bool = False,
    ) -> tuple[At, views.HomeView]:
        """The person's home and where to draw it: with rektor's overview (skoleeier's, a
        leader's with cases) for the query a search, a sort or a page carried."""
        home = await asyncio.to_thread(flow.home, self.services, email, welcome=welcome)
        shown = await asyncio.to_thread(flow.show_overview, self.services, email, lang, query)
        return At(lang, overview=shown), home

    # --- forms --------------------------------------------------------------------------

    async def open_form(
        self,
        ctx: ActivityContext[Any],
        name: str,
        ref: str | None,
        *,
        prefill: Mapping[str, Any] | None = None,
    ) -> Task:
        """A form as a dialog, after its access check (a refusal is on the trail)."""
        email, lang = await self.who(ctx)
        if email is None and forms.FORMS[name].about_case:
            return told(t(lang, "teams.error.unknown_user"))
        step = await asyncio.to_thread(
            flow.open_form, self.services, name, email, lang, ref=ref, prefill=prefill
        )
        if isinstance(step, flow.Shown):
            return self.form(At(lang, uuid.uuid4().hex, await self.staff(step.opened, email)), step)
        return edge.draw(self, At(lang), step)

    async def submit_form(self, ctx: ActivityContext[Any], data: Mapping[str, Any]) -> Task:
        """Submit a form's dialog: done, or the dialog again with what was typed and the
        problems beside their fields."""
        name = form_name(data)
        form = forms.FORMS[name]
        ref = str(data.get("ref") or "") or None
        key = str(data.get("key") or uuid.uuid4().hex)
        email, lang = await self.who(ctx)
        if email is None and form.about_case:
            return told(t(lang, "teams.error.unknown_user"))
        opened = flow.submitted(self.services, name, email, ref, data.get("school"))
        values = cards.values_from(opened, data)
        again = {**data, **{k: v for k, v in values.items() if isinstance(v, str)}}
        at = At(lang, key, await self.staff(opened, email))
        if email is None:
            unknown = (t(lang, "teams.error.unknown_user"),)
            return self.form(at, flow.Shown(opened, again, general=unknown))
        asks = not form.about_case and flow.asks_manager(self.services, email, values)
        manager = await self.directory.manager_of(user_key(ctx.activity)) if asks else None
        submission = Submission(email, values, ref, key=f"teams:{key}", manager=manager)
        try:
            step = await asyncio.to_thread(flow.submit, self.services, name, submission, lang)
        except Exception:
            # The dialog stays open with the text typed; nothing half-stored (one transaction).
            log.error("submitting %s failed", name)
            failed = (t(lang, "chat.error.try_again"),)
            return self.form(at, flow.Shown(opened, again, general=failed))
        if isinstance(step, flow.Shown):
            at = At(lang, key, await self.staff(step.opened, email))
            return self.form(at, flow.Shown(step.opened, again, step.errors, step.general))
        if isinstance(step, flow.Done):
            self.wake()
            return told("\n\n".join(await self.finish(ctx, email, lang, step)))
        return edge.draw(self, at, step)

    async def finish(
        self, ctx: ActivityContext[Any], email: str, lang: str, done: flow.Done
    ) -> list[str]:
        """After an action: every leader's card refreshed, the file offered."""
        if done.result.outcome is not None:
            await self.refresh(done.result.outcome, email, self.actor_name(ctx, email), done.verb)
        lines = list(done.lines)
        if done.result.file is not None:  # not sent yet: it waits for the person's consent
            lines = [await self.upload(email, lang, done.result.file), *lines[1:]]
        return lines

    # --- the message extension and dialogs ------------------------------------------------

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

    async def pick_case(self, ctx: ActivityContext[Any]) -> Task:
        """*Sak* in the compose box's apps: the cases waiting for you, then the chosen case's
        details and forms as the steps of one dialog (nothing is posted in the chat)."""
        email, lang = await self.who(ctx)
        if email is None:
            return told(t(lang, "teams.error.unknown_user"))
        waiting = await asyncio.to_thread(flow.listing, self.services, email, words.CASES)
        if not waiting.cases:
            return told(t(lang, "chat.home.none"))
        picker = cards.case_picker(lang, waiting.cases, waiting.zone)
        return dialog(t(lang, "chat.home.waiting"), picker)

    async def on_dialog_open(
        self, ctx: ActivityContext[TaskFetchInvokeActivity]
    ) -> TaskModuleResponse:
        data = ctx.activity.value.data or {}
        ref = str(data.get("ref") or "") or None
        if data.get("dialog") == cards.CASE and ref:
            return TaskModuleResponse(task=await self.dialog_step(ctx, data))
        name = form_name(data)
        prefill = {"what": data.get("what") or ""} if name == "report" else None
        return TaskModuleResponse(task=await self.open_form(ctx, name, ref, prefill=prefill))

    async def on_dialog_submit(
        self, ctx: ActivityContext[TaskSubmitInvokeActivity]
    ) -> TaskModuleResponse:
        return TaskModuleResponse(task=await self.dialog_step(ctx, ctx.activity.value.data or {}))

    async def dialog_step(self, ctx: ActivityContext[Any], data: Mapping[str, Any]) -> Task:
        """The next step of a dialog: the case chosen, a form opened from the case details
        (`open`), an action done in place under them (`run`), or a form submitted."""
        ref = str(data.get("ref") or "") or None
        if data.get("open"):  # a button under the case details: the next form
            return await self.open_form(ctx, form_name(data), ref)
        is_case = data.get("dialog") == cards.CASE
        if data.get(cards.CHECK) and not is_case:
            return await self.check_form(ctx, data)
        if not ref or not (is_case or data.get("dialog") == cards.RUN):
            return await self.submit_form(ctx, data)
        email, lang = await self.who(ctx)
        verb = "open" if is_case else str(data.get("verb") or "")
        declared = actions.ACTIONS.get(verb)
        if email is None and is_case:
            return told(t(lang, "teams.error.unknown_user"))
        if email is None or declared is None or declared.form is not None:
            return told(t(lang, "chat.error.try_again"))
        step = await asyncio.to_thread(flow.click, self.services, verb, ref, email, lang)
        if isinstance(step, flow.Done):
            self.wake()
            return told("\n\n".join(await self.finish(ctx, email, lang, step)))
        return edge.draw(self, At(lang), step)

    async def check_form(self, ctx: ActivityContext[Any], data: Mapping[str, Any]) -> Task:
        """«Sjekk svarene»: the dialog again with what was typed, only the fields the answers
        leave open, and under each time what it was understood as. Nothing is sent or read
        again (what the form was opened with comes back with the dialog's data)."""
        name = form_name(data)
        ref = str(data.get("ref") or "") or None
        key = str(data.get("key") or uuid.uuid4().hex)
        email, lang = await self.who(ctx)
        memo = data.get("opened")
        if isinstance(memo, Mapping):
            opened = forms.reopened(name, ref, memo, {})
        elif not forms.FORMS[name].about_case:
            school = str(data.get("school") or "") or None
            opened = forms.report_opened(self.services.org, actor=email, school_id=school)
        else:  # a card from before «Sjekk»: the form opened again (after its access check)
            return await self.open_form(ctx, name, ref)
        values = cards.values_from(opened, data)
        hints = await asyncio.to_thread(flow.hints, self.services, opened, values, email, lang)
        at = At(lang, key, await self.staff(opened, email))
        return self.form(at, flow.Shown(opened, {**data, **values}, hints=hints))

    # --- the pickers: typeahead over the staff and the pupils ------------------------------------

    async def on_card_search(self, ctx: ActivityContext[SearchInvokeActivity]) -> SearchResponse:
        """Typeahead: whom a person picker offers (`staff[:<case>]`) or the core's pickers."""
        value = ctx.activity.value
        email, lang = await self.who(ctx)
        dataset, _, ref = str(value.dataset or "").partition(":")
        name = flow.PERSON if dataset == cards.STAFF else dataset.removeprefix(cards.SEARCH_PREFIX)
        found: list[forms.Choice] = []
        if email is not None and (name == flow.PERSON or dataset.startswith(cards.SEARCH_PREFIX)):
            found = await asyncio.to_thread(
                flow.picks, self.services, email, name, value.query_text or "", lang,
                ref=ref or None, limit=SEARCH_RESULTS,
            )  # fmt: skip
        results = [SearchInvokeResult(title=c.text(lang), value=c.value) for c in found]
        return SearchResponse(value=SearchInvokeResponseValue(results=results))

    async def on_file_consent(self, ctx: ActivityContext[FileConsentInvokeActivity]) -> None:
        email, lang = await self.who(ctx)
        await self.out.on_file_consent(ctx, email, lang)

    # --- the leader's card --------------------------------------------------------------

    async def on_card_action(
        self, ctx: ActivityContext[AdaptiveCardInvokeActivity]
    ) -> AdaptiveCardActionCardResponse | AdaptiveCardActionMessageResponse:
        # Routed on the verb here: the SDK's on_card_action_execute routes on data["action"].
        action = ctx.activity.value.action
        data = action.data or {}
        email, lang = await self.who(ctx)
        if email is not None and action.verb == cards.OVERVIEW:
            # A search, a sort or a page of the overview: the home card redrawn in place.
            query = dict(data)
            if query.get("search"):
                query["text"] = str(query.get(cards.OVERVIEW_TEXT) or "")
            at, home = await self.home(email, lang, query)
            redrawn = cards.home_card(home, at.overview)
            return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(redrawn))
        declared = actions.ACTIONS.get(action.verb or "")
        if email is None or declared is None or declared.run is None:
            key = "teams.error.unknown_user" if email is None else "chat.error.try_again"
            return AdaptiveCardActionMessageResponse(value=t(lang, key))
        ref, verb = str(data.get("ref") or ""), declared.verb
        step = await asyncio.to_thread(flow.click, self.services, verb, ref, email, lang)
        if not isinstance(step, flow.Done) or step.result.outcome is None:
            return AdaptiveCardActionMessageResponse(value=" ".join(flow.lines_of(step)))
        self.wake()
        outcome, name = step.result.outcome, self.actor_name(ctx, email)
        answer: cards.Card | None = None
        if data.get("list") in cards.LISTS:
            # Clicked on a line of a reminder or digest: every card of the case is updated,
            # and the list answers with that line done and the others as they were.
            await self.refresh(outcome, email, name, verb)
            kind = str(data["list"])
            last = t(lang, "chat.case.last_action", action=t(lang, declared.label), who=name)
            where = (data.get("school"), data.get("date"))
            sent = await asyncio.to_thread(
                flow.sent_list, self.services, email, "teams", kind, *where
            )
            answer = cards.list_done(kind, lang, sent, data, {ref: last}) if sent else None
        else:
            clicked = ctx.activity.reply_to_id
            answer = await self.refresh(outcome, email, name, verb, clicked=clicked)
        if not outcome.changed or answer is None:
            return AdaptiveCardActionMessageResponse(value=t(lang, outcome.key, **outcome.args))
        return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(answer))

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
        every = await asyncio.to_thread(flow.refreshes, self.services, outcome, "teams", verb, name)
        every = [r for r in every if "|" in str(r.sent.platform_ref)]
        ids = [str(r.sent.platform_ref).rpartition("|")[2] for r in every]
        mine = next((r for r in every if r.sent.recipient == actor), None)
        own = None if clicked in ids else mine
        answer: cards.Card | None = None
        for refresh, activity_id in zip(every, ids, strict=True):
            if clicked is not None and (activity_id == clicked or refresh is own):
                answer = cards.refreshed(refresh)[1]
            else:
                await self.update(refresh)
        return answer

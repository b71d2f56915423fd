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
from collections.abc import Callable, Sequence
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

from bot.core import edge, flow, forms, views, words
from bot.teams import cards
from bot.teams.directory import PERSONAL, TeamsDirectory, UnknownUser, user_key
from bot.teams.outbound import Outbound, attachment, card_message, clicked_among, onedrive
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
        # back with «Sjekk svarene» (`flow.redraw`), so it is drawn again without reading more.
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
        await self.out.refresh_card(refresh)

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

    async def home(
        self, email: str, lang: str, query: Any = None, *, welcome: bool = False
    ) -> tuple[At, views.HomeView]:
        """The person's home and where to draw it: with rektor's overview (`flow.home_overview`)
        for the query a search, a sort or a page carried."""
        home, shown = await asyncio.to_thread(
            flow.home_overview, self.services, email, lang, query, welcome=welcome
        )
        return At(lang, overview=shown), home

    # --- the personal chat ------------------------------------------------------------

    async def on_install(self, ctx: ActivityContext[InstalledActivity]) -> None:
        await self.directory.remember_conversation(ctx.activity, ctx.api)
        if not personal(ctx.activity):
            return
        email, lang = await self.who(ctx)
        if email is not None:  # the welcome card is the person's home
            await self.out.reply(ctx, edge.draw(self, *await self.home(email, lang, welcome=True)))

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
        elif intent not in (words.MINE, words.CASES):
            answer = card_message(t(lang, "teams.start.text"), cards.start_card(lang, what=rest))
        elif not personal(activity) or email is None:
            # A channel or group chat: everyone there would see the person's cases.
            key = "teams.error.unknown_user" if personal(activity) else "teams.personal_only"
            answer = MessageActivityInput(text=t(lang, key))
        elif intent == words.MINE:
            mine = await asyncio.to_thread(flow.listing, self.services, email, intent)
            answer = edge.draw(self, At(lang), mine)
        else:
            answer = edge.draw(self, *await self.home(email, lang))
        await self.out.reply(ctx, answer)

    # --- dialogs: the forms, the case details, the message extension -----------------------

    async def step(self, ctx: ActivityContext[Any], asked: flow.Asked) -> Task:
        """A dialog's next step as the core decides it (`flow.dialog_step`), drawn: a form, a
        view, a notice; when something was done, every leader's card refreshed and the file
        offered (the person is asked for it in their personal chat)."""
        email, lang = await self.who(ctx)
        manager = None
        if email is not None and flow.needs_manager(self.services, asked, email):
            manager = await self.directory.manager_of(user_key(ctx.activity))
        unknown = t(lang, "teams.error.unknown_user")
        step = await asyncio.to_thread(
            flow.dialog_step,
            self.services,
            asked,
            email,
            lang,
            unknown=unknown,
            platform="teams",
            manager=manager,
        )
        if isinstance(step, flow.Shown):
            staff = await asyncio.to_thread(flow.pickable, self.services, step.opened, email)
            return self.form(At(lang, asked.key, staff), step)
        if not isinstance(step, flow.Done) or email is None:
            return edge.draw(self, At(lang), step)
        self.wake()
        if step.result.outcome is not None:
            name = self.actor_name(ctx, email)
            await self.refresh(step.result.outcome, email, name, step.verb)
        lines = list(step.lines)
        if step.result.file is not None:  # not sent yet: it waits for the person's consent
            lines = [await self.upload(email, lang, step.result.file), *lines[1:]]
        return self.notice(At(lang), lines)

    async def on_dialog_open(
        self, ctx: ActivityContext[TaskFetchInvokeActivity]
    ) -> TaskModuleResponse:
        data = ctx.activity.value.data or {}
        chosen = data.get("dialog") == cards.CASE and data.get("ref")
        return TaskModuleResponse(task=await self.step(ctx, cards.asked(data, opens=not chosen)))

    async def on_dialog_submit(
        self, ctx: ActivityContext[TaskSubmitInvokeActivity]
    ) -> TaskModuleResponse:
        data = ctx.activity.value.data or {}
        return TaskModuleResponse(task=await self.step(ctx, cards.asked(data)))

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
        task = await self.step(ctx, cards.asked({}, opens=True, prefill={"what": what}))
        return MessagingExtensionActionResponse(task=task)

    async def on_extension_submit(
        self, ctx: ActivityContext[MessageExtensionSubmitActionInvokeActivity]
    ) -> MessagingExtensionActionResponse:
        data = dict(ctx.activity.value.data or {})
        if ctx.activity.value.command_id != CASE_COMMAND:
            data["form"] = "report"
        return MessagingExtensionActionResponse(task=await self.step(ctx, cards.asked(data)))

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
        data, verb = action.data or {}, action.verb or ""
        email, lang = await self.who(ctx)
        if email is not None and verb == cards.OVERVIEW:
            # A search, a sort or a page of the overview: the home card redrawn in place.
            at, home = await self.home(email, lang, cards.overview_query(data))
            redrawn = cards.home_card(home, at.overview)
            return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(redrawn))
        if email is None:
            return AdaptiveCardActionMessageResponse(value=t(lang, "teams.error.unknown_user"))
        ref = str(data.get("ref") or "")
        step = await asyncio.to_thread(flow.run, self.services, verb, ref, email, lang)
        if not isinstance(step, flow.Done) or step.result.outcome is None:
            return AdaptiveCardActionMessageResponse(value=" ".join(flow.lines_of(step)))
        self.wake()
        outcome, name = step.result.outcome, self.actor_name(ctx, email)
        answer: cards.Card | None = None
        if data.get("list") in cards.LISTS:
            # Clicked on a line of a reminder or digest: every card of the case is updated,
            # and the list answers with that line done and the others as they were.
            await self.refresh(outcome, email, name, verb)
            found = await asyncio.to_thread(
                flow.line_done, self.services, email, "teams", data, ref, verb, name, lang
            )
            if found is not None:
                answer = cards.list_done(str(data["list"]), lang, found[0], data, found[1])
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
        Returns the card for the message that was clicked (`outbound.clicked_among`), which
        Teams replaces with the invoke's answer; the others are PUT through the connector."""
        every = await asyncio.to_thread(flow.refreshes, self.services, outcome, "teams", verb, name)
        mine, others = clicked_among(every, actor, clicked)
        for refresh in others:
            await self.update(refresh)
        return cards.refreshed(mine)[1] if mine is not None else None

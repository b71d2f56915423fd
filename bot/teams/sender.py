"""Delivers outbox notices in Teams: to the person's 1:1 chat with the bot, or to a channel.

A person without a stored chat gets the app installed through Graph (the org catalog's app),
and the chat that installation creates is used and kept. When that fails, an activity-feed
notification is sent instead and the outbox row records it (`feed:<user id>`). Errors map to
the worker's: 429 → RetryLater(Retry-After); 5xx → RetryLater; 403 BotNotInConversationRoster
or 404 on a person's chat → the chat is forgotten and the app reinstalled; other 4xx →
PermanentFailure (the notice is re-routed to rektor).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from microsoft_teams.api import MessageActivityInput

from bot.delivery import PermanentFailure, RetryLater
from bot.teams import cards
from bot.teams.app import message_ref
from bot.teams.directory import Person, Reference
from bot.teams.errors import classify, error_code, gone
from bot.teams.graph import GraphError
from bot.teams.monthly import monthly_card
from bot.teams.outbound import card_message
from bot.teams.server import TeamsBot
from handlers import replies
from handlers.delivery import Pending
from handlers.monthly import MONTHLY_REPORT

log = logging.getLogger("meldefra.teams.sender")
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


def classify_graph(exc: GraphError) -> Exception:
    if exc.status == 429:
        return RetryLater("graph_throttled", after=exc.retry_after)
    if exc.status == 0 or exc.status >= 500:
        return RetryLater(f"graph_{exc.status or exc.code}")
    return PermanentFailure(f"graph_{exc.status}:{exc.code}")


class TeamsSender:
    platform = "teams"

    def __init__(self, bot: TeamsBot) -> None:
        self.bot = bot
        self.settings = bot.settings
        self.directory = bot.directory

    def deliver(self, item: Pending) -> str | None:
        try:
            return self.bot.run(self._deliver(item))
        except RuntimeError as exc:
            if "not started" in str(exc):
                raise RetryLater("teams_not_started", after=5) from exc
            raise

    async def _deliver(self, item: Pending) -> str:
        if item.channel and item.data.get("platform", "teams") != "teams":
            # e.g. the digest for rteam.slack_channel: not a Teams conversation.
            raise PermanentFailure(f"not_a_teams_channel:{item.data.get('platform')}")
        if item.kind == replies.REPLY:  # an answer that failed while answering: as rendered
            assert item.channel is not None
            message = MessageActivityInput.model_validate(item.data["activity"])
            url = str(item.data.get("service_url") or self._service_url())
            try:
                return await self._send(item.channel, message, url)
            except _Gone as exc:
                raise PermanentFailure(f"chat_gone:{exc}") from exc
        if item.kind == MONTHLY_REPORT:  # the summary and the chart inline
            summary, card = monthly_card(item.lang, item.data)
        else:
            summary, card = cards.notice_card(item.kind, item.lang, item.data)
        message = card_message(summary, card)
        if item.channel:
            try:
                return await self._send(item.channel, message, self._service_url())
            except _Gone as exc:  # the app was removed from the R-team's team
                raise PermanentFailure(f"channel_gone:{exc}") from exc
        assert item.recipient is not None
        person = await asyncio.to_thread(self.directory.person, item.recipient)
        if person is not None and person.reference is not None:
            ref = person.reference
            try:
                return await self._send(ref.conversation_id, message, ref.service_url)
            except _Gone:
                log.info("outbox %s: bot no longer in the chat; reinstalling", item.id)
                await asyncio.to_thread(
                    self.directory.forget_reference, person.aad_id, item.recipient
                )
        return await self._install_and_send(item, person, message, summary)

    async def _install_and_send(
        self, item: Pending, person: Person | None, message: Any, summary: str
    ) -> str:
        graph = self.bot.graph
        if graph is None:
            raise PermanentFailure("teams_no_chat")  # without Graph we cannot reach them
        assert item.recipient is not None
        try:
            aad_id = person.aad_id if person else None
            if aad_id is None:
                user = await graph.user(item.recipient)
                if user is None:
                    raise PermanentFailure("teams_user_not_found")
                aad_id = user.id
        except GraphError as exc:
            raise classify_graph(exc) from exc
        try:
            chat = await self._installed_chat(aad_id)
            service_url = self._service_url()
            sent = await self._send(chat, message, service_url)
        except (GraphError, _Gone, PermanentFailure) as exc:
            reason = exc.error if isinstance(exc, PermanentFailure) else str(exc)
            log.warning(
                "outbox %s: no chat with the bot (%s); activity feed instead", item.id, reason
            )
            return await self._notify(aad_id, summary)
        reference = Reference(chat, service_url, self.settings.teams_tenant_id)
        await asyncio.to_thread(self.directory.store_reference, aad_id, item.recipient, reference)
        return sent

    async def _installed_chat(self, aad_id: str) -> str:
        graph = self.bot.graph
        assert graph is not None
        catalog = self.settings.teams_app_catalog_id
        if not catalog:
            raise PermanentFailure("no TEAMS_APP_CATALOG_ID")
        await graph.install_app(aad_id, catalog)
        chat = await graph.installation_chat(aad_id, str(self.settings.teams_client_id))
        if not chat:
            raise PermanentFailure("installation has no chat")
        return chat

    async def _notify(self, aad_id: str, summary: str) -> str:
        graph = self.bot.graph
        assert graph is not None
        app_id = self.settings.teams_app_catalog_id or self.settings.teams_client_id
        link = f"https://teams.microsoft.com/l/app/{app_id}"
        try:
            await graph.notify(aad_id, topic="Meldefra", text=summary, web_url=link)
        except GraphError as exc:
            raise classify_graph(exc) from exc
        return f"feed:{aad_id}"

    async def _send(self, conversation_id: str, message: Any, service_url: str) -> str:
        try:
            sent = await self.bot.app.send(conversation_id, message, service_url=service_url)
        except httpx.HTTPStatusError as exc:
            if gone(exc):
                raise _Gone(error_code(exc.response) or str(exc.response.status_code)) from exc
            raise classify(exc) from exc
        return message_ref(conversation_id, str(sent.id))

    def _service_url(self) -> str:
        """For a chat or channel with no reference of its own: the service URL Teams last used
        (the tenant's region), else the global one."""
        return self.directory.service_url or DEFAULT_SERVICE_URL


class _Gone(Exception):
    """The bot is not in that conversation any more."""

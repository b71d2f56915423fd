"""What the Teams edge sends on its own: replies and proactive messages (queued in the outbox
when the connector fails), card updates in place (retried under the outbox's rules), and
exports offered through a file consent card in the person's personal chat (never a channel;
the file lands in their OneDrive).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from microsoft_teams.api import Attachment, FileConsentInvokeActivity, MessageActivityInput
from microsoft_teams.apps import ActivityContext, App

from bot.core.flow import Refresh
from bot.delivery import PermanentFailure, RetryLater, retry_after_seconds
from bot.teams import cards
from bot.teams.directory import TeamsDirectory
from bot.teams.errors import classify
from handlers import pending_exports, replies
from handlers.export import ExportFile
from handlers.i18n import t
from handlers.services import Services

log = logging.getLogger("meldefra.teams")
CARD_ATTEMPTS = 8  # a card refresh is cosmetic: the state is in the database
# Where Teams' file consent uploads go: OneDrive for Business / SharePoint, public and national
# clouds (GCC High, DoD, China). Nothing else receives a case file.
UPLOAD_HOST_SUFFIXES = (".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.cn")


def attachment(card: cards.Card) -> Attachment:
    return Attachment(content_type=cards.ADAPTIVE, content=card)


def card_message(summary: str, card: cards.Card, activity_id: str | None = None) -> Any:
    message = MessageActivityInput(text=summary).add_attachments(attachment(card))
    if activity_id:
        message.id = activity_id  # an id makes the SDK update the message in place (PUT)
    return message


def clicked_among(
    every: Sequence[Refresh], actor: str, clicked: str | None
) -> tuple[Refresh | None, list[Refresh]]:
    """Of a case's cards to draw again (`flow.refreshes`), the one the person clicked (Teams
    replaces it with the invoke's answer) and the others (PUT through the connector). The
    clicked card is known by its activity id, or else as the actor's own card (a connector
    that returns no usable ids, like the Agents Playground's); a card with no activity id in
    its reference is left as it is."""
    every = [r for r in every if "|" in str(r.sent.platform_ref)]
    ids = [str(r.sent.platform_ref).rpartition("|")[2] for r in every]
    own = None if clicked in ids else next((r for r in every if r.sent.recipient == actor), None)
    chosen: Refresh | None = None
    others: list[Refresh] = []
    for refresh, activity_id in zip(every, ids, strict=True):
        if clicked is not None and (activity_id == clicked or refresh is own):
            chosen = refresh
        else:
            others.append(refresh)
    return chosen, others


def upload_host(url: str) -> bool:
    """Whether an upload URL is https on a SharePoint/OneDrive host (default port)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return False
    return parts.scheme == "https" and port in (None, 443) and host.endswith(UPLOAD_HOST_SUFFIXES)


def onedrive() -> httpx.AsyncClient:
    """The client for OneDrive uploads (a test routes SharePoint's hosts to a loopback fake)."""
    return httpx.AsyncClient(timeout=60, follow_redirects=False)


@dataclass
class Outbound:
    services: Services
    directory: TeamsDirectory
    app: App
    wake: Callable[[], None]
    uploads: Callable[[], httpx.AsyncClient] = onedrive
    _retries: set[asyncio.Task[None]] = field(default_factory=set)

    # --- post ---------------------------------------------------------------------------

    async def reply(self, ctx: ActivityContext[Any], message: Any) -> None:
        """Answer in the activity's conversation; when the connector (or the bot's token) fails,
        the reply is retried through the outbox and Teams still gets 200."""
        activity = ctx.activity
        try:
            await ctx.send(message)
        except Exception as exc:  # noqa: BLE001 - any failure to send: the outbox retries it
            key = f"{activity.conversation.id}:{activity.id}:{uuid.uuid4().hex}"
            await self.queue(activity.conversation.id, message, activity.service_url, exc, key)

    async def send_or_queue(self, conversation_id: str, message: Any, service_url: str) -> None:
        """A proactive message sent now, or retried through the outbox when sending fails."""
        try:
            await self.app.send(conversation_id, message, service_url=service_url)
        except Exception as exc:  # noqa: BLE001 - as in reply()
            key = f"{conversation_id}:{uuid.uuid4().hex}"
            await self.queue(conversation_id, message, service_url, exc, key)

    async def queue(
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

    # --- update -------------------------------------------------------------------------

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

    async def refresh_card(self, refresh: Refresh) -> None:
        """A case card sent earlier, drawn again with the case's new state and who acted, in
        place (the activity id in its reference), at the recipient's service URL."""
        conversation_id, _, activity_id = str(refresh.sent.platform_ref).rpartition("|")
        person = await asyncio.to_thread(self.directory.person, refresh.sent.recipient or "")
        service_url = person.reference.service_url if person and person.reference else None
        message = card_message(*cards.refreshed(refresh), activity_id)
        await self.update_card(conversation_id, message, service_url)

    async def stop(self) -> None:
        """Stop the card updates still waiting to retry (at shutdown)."""
        for task in list(self._retries):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- upload: a file consent card in the personal chat --------------------------------------

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

    async def on_file_consent(
        self, ctx: ActivityContext[FileConsentInvokeActivity], email: str | None, lang: str
    ) -> None:
        value = ctx.activity.value
        context = value.context if isinstance(value.context, dict) else {}
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

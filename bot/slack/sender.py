"""Delivers outbox notices as Slack DMs (or to a channel), mapping Slack's errors to retries.

Every notice is posted with message metadata carrying its outbox id (`meldefra_notice`). A
notice whose earlier claim lapsed in the middle of a send (`send_started_at` set, no result
recorded: a worker killed, or cut off from the database) is looked for in the conversation's
history since that send (conversations.history with include_all_metadata) before it is sent
again: found, it is recorded as sent with that message. This needs the history scopes
(im:history for DMs, channels:history and groups:history for the R-team's channel); without
them the notice is sent again, as before. The monthly report (files with a comment) carries no
metadata: files.uploadV2 takes none, so it keeps the at-least-once limit.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import PermanentFailure, RetryLater
from bot.slack.blocks import notice_message
from bot.slack.directory import SlackDirectory
from bot.slack.monthly import send_monthly
from handlers.delivery import Pending
from handlers.monthly import MONTHLY_REPORT

log = logging.getLogger("meldefra.slack.sender")
NOTICE_EVENT = "meldefra_notice"  # the metadata event type on every notice we post
# Slack's clock against the database's: look a little further back than the send began.
HISTORY_MARGIN = timedelta(minutes=5)
HISTORY_PAGES = 10  # 2000 messages in one DM since an interrupted send: give up, send again

# The person or channel is gone for good: retrying cannot help, re-routing can.
PERMANENT = {
    "user_not_found",
    "users_not_found",
    "account_inactive",
    "user_disabled",
    "channel_not_found",
    "is_archived",
    "cannot_dm_bot",
    "not_in_channel",
    "user_is_bot",
}


def classify(exc: SlackApiError) -> Exception:
    """Turn a Web API error into RetryLater or PermanentFailure."""
    response = exc.response
    status = response.status_code
    error = (
        str((response.data or {}).get("error", f"http_{status}"))
        if isinstance(response.data, dict)
        else f"http_{status}"
    )
    if status == 429:
        after = response.headers.get("Retry-After") or response.headers.get("retry-after")
        return RetryLater("ratelimited", after=after)  # the worker parses and clamps it
    if status >= 500:
        return RetryLater(f"http_{status}")
    if error in PERMANENT:
        return PermanentFailure(error)
    return RetryLater(error)


class SlackSender:
    platform = "slack"

    def __init__(self, client: WebClient, directory: SlackDirectory) -> None:
        self.client = client
        self.directory = directory

    def deliver(self, item: Pending) -> str | None:
        fallback, blocks = notice_message(item.kind, item.lang, item.data)
        try:
            if item.channel:
                channel = item.channel
            else:
                assert item.recipient is not None
                channel = self.directory.dm_channel(self.directory.user_of(item.recipient))
            if item.kind == MONTHLY_REPORT:  # the summary with the chart and the report as files
                return send_monthly(self.client, channel, item)
            if item.interrupted_send is not None:
                posted = self._posted_before(channel, item)
                if posted is not None:
                    log.info("outbox %s: found in Slack from an interrupted send", item.id)
                    return posted
            response = self.client.chat_postMessage(
                channel=channel,
                text=fallback,
                blocks=blocks,
                unfurl_links=False,
                metadata={
                    "event_type": NOTICE_EVENT,
                    "event_payload": {"notice_id": str(item.id)},
                },
            )
        except SlackApiError as exc:
            raise classify(exc) from exc
        return f"{response['channel']}:{response['ts']}"

    def _posted_before(self, channel: str, item: Pending) -> str | None:
        """The message an interrupted send left in the conversation ("channel:ts"), if any."""
        assert item.interrupted_send is not None
        oldest = f"{(item.interrupted_send - HISTORY_MARGIN).timestamp():.6f}"
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                page = self.client.conversations_history(
                    channel=channel,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            except SlackApiError as exc:
                if (exc.response.data or {}).get("error") == "missing_scope":
                    log.warning("outbox %s: no history scope to check; sending again", item.id)
                    return None
                raise
            for message in page.get("messages") or []:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == NOTICE_EVENT and payload.get("notice_id") == str(
                    item.id
                ):
                    return f"{channel}:{message['ts']}"
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                return None
        return None

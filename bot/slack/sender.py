"""Delivers outbox notices as Slack DMs (or to a channel), mapping Slack's errors to retries."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import PermanentFailure, RetryLater
from bot.slack.blocks import notice_message
from bot.slack.directory import SlackDirectory
from bot.slack.monthly import send_monthly
from handlers.delivery import Pending
from handlers.monthly import MONTHLY_REPORT

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
            response = self.client.chat_postMessage(
                channel=channel, text=fallback, blocks=blocks, unfurl_links=False
            )
        except SlackApiError as exc:
            raise classify(exc) from exc
        return f"{response['channel']}:{response['ts']}"

"""A Slack message's text as plain text, for the report's *what happened*.

Slack sends message text in its own markup: `<@U123>` mentions, `<#C1|kanal>` channels,
`<!here>`, `<https://x|label>` links, `&amp;`/`&lt;`/`&gt;` entities and `*bold*`, `_italic_`,
`~strike~`, `` `code` `` markers. A person reading the report wants what was written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import payloads
from handlers.i18n import t

log = logging.getLogger("meldefra.slack")
# chat.getPermalink errors meaning the bot cannot see the message.
UNREADABLE = {"channel_not_found", "not_in_channel", "message_not_found", "missing_scope"}

_ANGLE = re.compile(r"<([^<>]*)>")
_MARKERS = [
    re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"),
    re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"),
    re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"),
]
_CODE = re.compile(r"```\n?|`")


def plain_text(text: str, name_of: Callable[[str], str | None]) -> str:
    """`name_of(user_id)` gives a person's display name (None: unknown)."""

    def angle(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            name = name_of(target[1:]) or label.lstrip("@") or target[1:]
            return f"@{name}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            special = target[1:].split("^", 1)[0]
            if special in ("channel", "here", "everyone"):
                return f"@{special}"
            return label or special
        if label and label != target.removeprefix("mailto:"):
            return f"{label} ({target})"
        return target.removeprefix("mailto:")

    out = _ANGLE.sub(angle, text)
    for marker in _MARKERS:
        out = marker.sub(r"\1", out)
    out = _CODE.sub("", out)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def cut_at_word(text: str, limit: int) -> str:
    """At most `limit` characters, ending at a word when there is one near the end."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    return (head[:space] if space > limit // 2 else head).rstrip() + "…"


def shortcut_report(
    client: WebClient, body: dict[str, Any], lang: str
) -> tuple[dict[str, str], dict[str, str], str]:
    """The message shortcut's report: the prefill (*what happened* from the message, cut at
    a word when longer than the field; its permalink under *where*), the modal's metadata
    that keeps the permalink with the case, and a line for the top of the form (cut, or
    unreadable: then nothing is taken from the message)."""
    message = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str(message.get("ts") or body.get("message_ts") or "")
    permalink: str | None = None
    readable = bool((message.get("text") or "").strip())
    try:
        permalink = str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.info("no permalink: %s", exc.response.get("error"))
        readable = readable and exc.response.get("error") not in UNREADABLE
    if not readable:
        return {}, {}, t(lang, "chat.shortcut.unreadable")
    limit = payloads.limit("what")
    what = plain_text(message["text"], names_from(client))
    prefill = {"what": cut_at_word(what, limit)}
    if permalink:
        prefill["where"] = permalink
    meta = {"permalink": permalink} if permalink else {}
    return prefill, meta, t(lang, "chat.shortcut.cut", max=limit) if len(what) > limit else ""


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

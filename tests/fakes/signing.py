"""Signed request headers and realistic Slack payloads for tests.

`signed_headers` implements Slack's v0 request signing independently of slack_sdk, so a
test that passes it through Bolt's RequestVerification checks both sides. The payload
builders produce what Slack sends over HTTP (`*_body`: bytes) and over Socket Mode
(`*_payload` / dict builders: the envelope's `payload`).
"""

import hashlib
import hmac
import json
import random
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from tests.fakes.slack_api import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

JsonDict = dict[str, Any]

USER_ID = "U0REPORTER"
USER_NAME = "kari.nordmann"
CHANNEL_ID = "C0GENERAL"
CHANNEL_NAME = "general"
VERIFICATION_TOKEN = "fake-verification-token"  # the deprecated `token` field Slack still sends


def signed_headers(
    body: bytes,
    secret: str,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """X-Slack-Request-Timestamp / X-Slack-Signature for `body`, plus its Content-Type.

    The Content-Type defaults to what Slack sends: JSON for event bodies, form otherwise.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    is_json = body.lstrip().startswith(b"{")
    return {
        "Content-Type": content_type
        or ("application/json" if is_json else "application/x-www-form-urlencoded"),
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": f"v0={digest}",
    }


def new_trigger_id() -> str:
    """A trigger_id in Slack's shape: <digits>.<digits>.<32 hex>."""
    first, second = (random.randrange(10**12, 10**13) for _ in range(2))
    return f"{first}.{second}.{uuid.uuid4().hex}"


def _response_url(kind: str) -> str:
    # Loopback discard port: a listener calling respond() without the test passing
    # FakeSlack.response_url() fails fast instead of reaching hooks.slack.com.
    return f"http://127.0.0.1:9/{kind}/{TEAM_ID}/{random.randrange(10**12)}/{uuid.uuid4().hex}"


def _ts() -> str:
    return f"{time.time():.6f}"


def _team() -> JsonDict:
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


def _user(user_id: str, user_name: str) -> JsonDict:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": TEAM_ID}


# ---- slash commands


def slash_command_payload(
    command: str = "/meldefra",
    text: str = "",
    *,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    channel_id: str = CHANNEL_ID,
    channel_name: str = CHANNEL_NAME,
    response_url: str | None = None,
) -> dict[str, str]:
    """A slash command's fields (the Socket Mode payload; form-encoded over HTTP)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or _response_url("commands"),
        "trigger_id": trigger_id or new_trigger_id(),
    }


def slash_command_body(command: str = "/meldefra", text: str = "", **fields: str) -> bytes:
    """The HTTP body Slack posts for a slash command (see slash_command_payload)."""
    return urlencode(slash_command_payload(command, text, **fields)).encode()


# ---- interactivity


def interactive_body(payload: JsonDict) -> bytes:
    """The HTTP body Slack posts for interactivity: form field `payload` holding JSON."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def _option(value: str, text: str | None = None) -> JsonDict:
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


# State value leaves: view.state.values[block_id][action_id] as Slack sends them.


def plain_text_input(value: str | None) -> JsonDict:
    return {"type": "plain_text_input", "value": value}


def static_select(value: str | None, text: str | None = None) -> JsonDict:
    return {"type": "static_select", "selected_option": _option(value, text) if value else None}


def multi_static_select(values: list[str]) -> JsonDict:
    return {"type": "multi_static_select", "selected_options": [_option(v) for v in values]}


def radio_buttons(value: str | None, text: str | None = None) -> JsonDict:
    return {"type": "radio_buttons", "selected_option": _option(value, text) if value else None}


def checkboxes(values: list[str]) -> JsonDict:
    return {"type": "checkboxes", "selected_options": [_option(v) for v in values]}


def users_select(user_id: str | None) -> JsonDict:
    return {"type": "users_select", "selected_user": user_id}


def external_select(value: str | None, text: str | None = None) -> JsonDict:
    return {"type": "external_select", "selected_option": _option(value, text) if value else None}


def multi_external_select(values: list[str]) -> JsonDict:
    return {"type": "multi_external_select", "selected_options": [_option(v) for v in values]}


def block_suggestion(
    action_id: str,
    value: str,
    *,
    user_id: str,
    block_id: str,
    view: JsonDict | None = None,
    user_name: str = "someone",
) -> JsonDict:
    """What Slack posts while someone types in an external select: the text so far."""
    return {
        "type": "block_suggestion",
        "user": _user(user_id, user_name),
        "team": _team(),
        "api_app_id": "A0MELDEFRA",
        "token": "verification-token",
        "container": {"type": "view", "view_id": (view or {}).get("id", "V0SUGGEST")},
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "view": view or {"id": "V0SUGGEST", "type": "modal", "state": {"values": {}}},
    }


def datepicker(date: str | None) -> JsonDict:
    """`date` is YYYY-MM-DD, as Slack sends it."""
    return {"type": "datepicker", "selected_date": date}


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, JsonDict]],
    *,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    private_metadata: str = "",
    view_id: str = "V0SUBMITTED",
    external_id: str = "",
    title: str = "Meldefra",
) -> JsonDict:
    """A view_submission payload; `values` is block_id -> action_id -> state leaf."""
    blocks = [
        {
            "type": "input",
            "block_id": block_id,
            "label": {"type": "plain_text", "text": block_id, "emoji": True},
            "optional": False,
            "dispatch_action": False,
            "element": {"type": leaf["type"], "action_id": action_id},
        }
        for block_id, actions in values.items()
        for action_id, leaf in actions.items()
    ]
    return {
        "type": "view_submission",
        "team": _team(),
        "user": _user(user_id, user_name),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "blocks": blocks,
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Avbryt", "emoji": True},
            "submit": {"type": "plain_text", "text": "Send", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": external_id,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def button(
    action_id: str, value: str | None = None, *, block_id: str = "actions", text: str = "OK"
) -> JsonDict:
    """One entry of a block_actions payload's `actions` list, for a button click."""
    action: JsonDict = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "type": "button",
        "action_ts": _ts(),
    }
    if value is not None:
        action["value"] = value
    return action


def block_actions(
    *actions: JsonDict,
    user_id: str = USER_ID,
    user_name: str = USER_NAME,
    channel_id: str = CHANNEL_ID,
    message_ts: str | None = None,
    message_text: str = "",
    view: JsonDict | None = None,
    response_url: str | None = None,
) -> JsonDict:
    """A block_actions payload for `actions` (see `button`).

    Without `view` the click came from a bot message in `channel_id` (container "message",
    with `message` and `response_url`); with `view` (a modal or App Home view as Slack
    stores it, e.g. FakeSlack's views.open result) it came from that view.
    """
    payload: JsonDict = {
        "type": "block_actions",
        "user": _user(user_id, user_name),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": list(actions),
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        return payload
    ts = message_ts or _ts()
    payload["container"] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    payload["channel"] = {"id": channel_id, "name": CHANNEL_NAME}
    payload["message"] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": message_text,
        "ts": ts,
        "blocks": [],
    }
    payload["state"] = {"values": {}}
    payload["response_url"] = response_url or _response_url("actions")
    return payload


# ---- Events API


def app_home_opened(
    user_id: str = USER_ID,
    *,
    tab: str = "home",
    channel: str = "D0REPORTER",
    view: JsonDict | None = None,
) -> JsonDict:
    """An app_home_opened event; `view` is present once a Home view was published."""
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel,
        "tab": tab,
        "event_ts": _ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def event_payload(event: JsonDict, *, team_id: str = TEAM_ID) -> JsonDict:
    """The event_callback wrapping `event` (the Socket Mode events_api payload)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def event_body(event: JsonDict, *, team_id: str = TEAM_ID) -> bytes:
    """The HTTP body Slack posts to the Events API URL for `event`."""
    return json.dumps(event_payload(event, team_id=team_id)).encode()

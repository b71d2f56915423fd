"""The real Teams SDK app served over HTTP (uvicorn) against the loopback fake connector and Graph.

Activities are posted to /api/messages as Teams would post them; their serviceUrl points at the
fake, so the bot's replies and proactive messages land there. Inbound auth is off (explicitly,
as in tests only); outgoing calls carry a JWT-shaped token from a provider, so nothing asks
login.microsoftonline.com.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from azure.core.credentials import AccessToken

from bot.config import Settings
from bot.delivery import Worker
from bot.http import build_asgi
from bot.teams.sender import TeamsSender
from bot.teams.server import TeamsBot
from handlers.services import Services
from tests.fakes.teams_api import FakeTeams
from tests.slack_harness import serve_asgi

APP_ID = "00000000-0000-0000-0000-00000000a99e"
BOT_ID = f"28:{APP_ID}"
TENANT = "00000000-0000-0000-0000-0000000000e1"
CATALOG_ID = "catalog-app"
OPENID_PATH = "/botframework/v1/.well-known/openidconfiguration"
PEOPLE = [
    "laerer1@nordby.example",
    "laerer2@nordby.example",
    "laerer3@nordby.example",
    "trinn8@nordby.example",
    "trinn9@nordby.example",
    "rektor@nordby.example",
    "radgiver@nordby.example",
    "skoleeier@kommune.example",
    "vikar@nordby.example",
    "kontaktlaerar1@fjellvik.example",
    "rektor@fjellvik.example",
]


def aad(email: str) -> str:
    return f"aad-{email.split('@')[0]}-{email.split('@')[1].split('.')[0]}"


def teams_id(email: str) -> str:
    return f"29:{aad(email)}"


def dm(email: str) -> str:
    return f"a:dm-{aad(email)}"


def bot_token(scope: Any, tenant_id: Any = None) -> str:
    """The SDK decodes the token (without verifying it), so it must be JWT-shaped."""
    return jwt.encode({"exp": int(time.time()) + 3600, "scope": str(scope)}, "k" * 32, "HS256")


class StaticCredential:
    """An async azure-core credential with a fixed token: Graph without a login call."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("graph-test-token", int(time.time()) + 3600)

    async def close(self) -> None:
        pass


SHAREPOINT = "https://nordby-my.sharepoint.com"  # where the fake OneDrive's uploads go


class SharePointIsTheFake(httpx.AsyncBaseTransport):
    """Name resolution for tests: every host is the loopback fake (over http). The bot decides
    from the URL it was given (https, a SharePoint host) before this is reached."""

    def __init__(self, fake_url: str) -> None:
        self.port = int(fake_url.rsplit(":", 1)[1])
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def uploads_to(fake: FakeTeams) -> Any:
    return lambda: httpx.AsyncClient(
        transport=SharePointIsTheFake(fake.url), timeout=60, follow_redirects=False
    )


def teams_settings(fake: FakeTeams, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "teams_client_id": APP_ID,
        "teams_tenant_id": TENANT,
        "graph_url": f"{fake.url}/v1.0",
        "teams_app_catalog_id": CATALOG_ID,
        "teams_allow_unauthenticated": True,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class TeamsHarness:
    services: Services
    fake: FakeTeams
    bot: TeamsBot
    worker: Worker
    base: str
    http: httpx.Client

    def activity(
        self, email: str, kind: str, *, personal: bool = True, **extra: Any
    ) -> dict[str, Any]:
        conversation = (
            {"id": dm(email), "conversationType": "personal", "tenantId": TENANT}
            if personal
            else {
                "id": "19:general@thread.tacv2",
                "conversationType": "channel",
                "tenantId": TENANT,
            }
        )
        body: dict[str, Any] = {
            "type": kind,
            "id": uuid.uuid4().hex,
            "timestamp": "2026-11-25T09:30:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.fake.url,
            "from": {"id": teams_id(email), "name": email.split("@")[0], "aadObjectId": aad(email)},
            "recipient": {"id": BOT_ID, "name": "Meldefra"},
            "conversation": conversation,
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "nb-NO",
        }
        body.update(extra)
        return body

    def post(
        self, activity: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.http.post(f"{self.base}/api/messages", json=activity, headers=headers or {})

    def install(self, email: str) -> None:
        response = self.post(self.activity(email, "installationUpdate", action="add"))
        assert response.status_code == 200, response.text

    def say(self, email: str, text: str) -> httpx.Response:
        return self.post(self.activity(email, "message", text=text))

    def invoke(self, email: str, name: str, value: dict[str, Any], **extra: Any) -> dict[str, Any]:
        response = self.post(self.activity(email, "invoke", name=name, value=value, **extra))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def open_dialog(self, email: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.invoke(email, "task/fetch", {"data": data})

    def submit_dialog(self, email: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.invoke(email, "task/submit", {"data": data})

    def card_action(
        self, email: str, verb: str, data: dict[str, Any], reply_to: str | None = None
    ) -> dict[str, Any]:
        value = {
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        }
        extra = {"replyToId": reply_to} if reply_to else {}
        return self.invoke(email, "adaptiveCard/action", value, **extra)

    def deliver(self) -> None:
        while self.worker.run_once():
            pass

    def cards_to(self, email: str) -> list[dict[str, Any]]:
        """Adaptive Cards the bot posted or updated in the person's chats, oldest first."""
        found = []
        for conversation in (dm(email), self.fake.chat_of(aad(email))):
            for activity in self.fake.activities_to(conversation):
                for attachment in activity.get("attachments") or []:
                    found.append(attachment["content"])
        return found


def dialog_card(response: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card of a task/fetch or task/submit answer that shows a dialog."""
    task = response["task"]
    assert task["type"] == "continue", task
    return dict(task["value"]["card"]["content"])


def texts(card: dict[str, Any]) -> list[str]:
    """Every TextBlock's text in a card, depth first."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return out


def actions_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a card: its actions and those of the ActionSets in its body."""
    found = list(card.get("actions") or [])
    for element in card.get("body") or []:
        if element.get("type") == "ActionSet":
            found += element["actions"]
    return found


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}


@contextmanager
def teams_bot(
    services: Services, *, signed: bool = False, **settings: Any
) -> Iterator[TeamsHarness]:
    """With `signed`, inbound auth is on (tokens signed with keys the fake publishes as the Bot
    Framework's) and the bot gets its own tokens with a client secret from the fake's login
    authority; otherwise auth is off and fixed tokens are used."""
    with FakeTeams() as fake:
        for email in PEOPLE:
            fake.add_person(aad(email), teams_id(email), email)
        if signed:
            settings = {
                "teams_allow_unauthenticated": False,
                "teams_client_secret": "s3cret",
                "login_authority": fake.url,
                "bot_openid_metadata": f"{fake.url}{OPENID_PATH}",
                **settings,
            }
            bot = TeamsBot(services, teams_settings(fake, **settings), uploads=uploads_to(fake))
        else:
            bot = TeamsBot(
                services,
                teams_settings(fake, **settings),
                token=bot_token,
                graph_credential=StaticCredential(),
                uploads=uploads_to(fake),
            )
        worker = Worker(services, TeamsSender(bot), base_backoff=1)
        with (
            serve_asgi(build_asgi(services, None, [bot])) as base,
            httpx.Client(timeout=15) as http,
        ):
            yield TeamsHarness(services, fake, bot, worker, base, http)

"""The real Bolt app served over HTTP (uvicorn) against the loopback fake Slack."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from slack_bolt import App
from slack_sdk import WebClient

from bot.delivery import Worker
from bot.http import build_asgi
from bot.slack.app import acks_at_once, build_app
from bot.slack.directory import SlackDirectory
from bot.slack.sender import SlackSender
from handlers.services import Services
from tests.fakes.signing import interactive_body, signed_headers, slash_command_body
from tests.fakes.slack_api import FakeSlack

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"

# Slack user ids for the sample org's people.
PEOPLE = {
    "laerer1@nordby.example": "U0LAERER1",
    "laerer2@nordby.example": "U0LAERER2",
    "laerer3@nordby.example": "U0LAERER3",
    "trinn8@nordby.example": "U0TRINN8",
    "trinn9@nordby.example": "U0TRINN9",
    "rektor@nordby.example": "U0REKTOR",
    "radgiver@nordby.example": "U0RADGIVER",
    "skoleeier@kommune.example": "U0EIER",
    "vikar@nordby.example": "U0VIKAR",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_asgi(asgi: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@dataclass
class SlackBot:
    services: Services
    fake: FakeSlack
    app: App
    directory: SlackDirectory
    worker: Worker
    base: str
    http: httpx.Client

    def post(
        self,
        body: bytes,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {**signed_headers(body, secret, timestamp), **(headers or {})}
        return self.http.post(f"{self.base}/slack/events", content=body, headers=sent)

    def command(self, email: str, text: str = "", **kw: Any) -> httpx.Response:
        kw.setdefault("response_url", self.fake.response_url())
        return self.post(slash_command_body(text=text, user_id=PEOPLE[email], **kw))

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(interactive_body(payload))

    def deliver(self) -> None:
        while self.worker.run_once():
            pass

    def dms_to(self, email: str) -> list[dict[str, Any]]:
        channel = self.fake.dm_channel(PEOPLE[email])
        return [
            c.params
            for c in self.fake.calls("chat.postMessage")
            if c.params.get("channel") == channel
        ]

    def last_view(self, method: str = "views.open") -> dict[str, Any]:
        view = self.fake.calls(method)[-1].params["view"]
        return json.loads(view) if isinstance(view, str) else view


@contextmanager
def slack_bot(services: Services) -> Iterator[SlackBot]:
    with FakeSlack(token=TOKEN) as fake:
        for email, user in PEOPLE.items():
            fake.add_user(user, email)
        client = WebClient(token=TOKEN, base_url=fake.url)
        app, directory = build_app(services, client, signing_secret=SECRET)
        worker = Worker(services, SlackSender(client, directory), base_backoff=1)
        asgi = build_asgi(services, app, slack_inline=acks_at_once)  # as `meldefra serve`
        with serve_asgi(asgi) as base, httpx.Client(timeout=10) as http:
            yield SlackBot(services, fake, app, directory, worker, base, http)

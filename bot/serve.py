"""`meldefra serve`: the local console without chat credentials; Slack (and Teams) with them."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.bootstrap import App
from bot.config import Settings
from bot.delivery import Router, Sender, Worker
from handlers import dates
from handlers.i18n import catalogs

if TYPE_CHECKING:
    from bot.http import Part

log = logging.getLogger("meldefra.serve")


class ConfigError(Exception):
    """A setting is missing or contradicts another; the message says which."""


@dataclass
class Runtime:
    """The background threads of a running bot, stopped together."""

    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, name: str, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self.threads.append(thread)

    def shutdown(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)


def warm_up() -> None:
    """Make the first request after start as fast as the rest."""
    dates.warm_up()
    catalogs()


def check_settings(settings: Settings, *, http: bool) -> None:
    if not settings.slack_enabled:
        return
    if http and not settings.slack_signing_secret:
        raise ConfigError("serve --http needs SLACK_SIGNING_SECRET to verify Slack's requests")
    if not http and not settings.slack_app_token:
        raise ConfigError(
            "Socket Mode needs SLACK_APP_TOKEN (xapp-…); or run `meldefra serve --http` "
            "with SLACK_SIGNING_SECRET"
        )


def serve(app: App, *, http: bool, host: str, port: int) -> int:
    settings = app.settings
    check_settings(settings, http=http)
    if not settings.slack_enabled and not settings.teams_enabled and not http:
        return _console(app)
    warm_up()
    runtime = Runtime()
    worker_box: list[Worker] = []

    def wake() -> None:
        if worker_box:
            worker_box[0].wake.set()

    senders: list[Sender] = []
    parts: list[Part] = []
    slack_app = None
    if settings.slack_enabled:
        slack_app, slack_sender = _slack(app, settings, wake)
        senders.append(slack_sender)
    if settings.teams_enabled:
        teams, teams_sender = _teams(app, settings, wake)
        parts.append(teams)
        senders.append(teams_sender)
    if senders:
        sender = senders[0] if len(senders) == 1 else Router(app.services, senders)
        worker_box.append(Worker(app.services, sender))
        runtime.start("outbox", worker_box[0].run_forever, runtime.stop)
    try:
        if http or parts:  # Teams reaches the bot over HTTPS only
            with _socket_mode(slack_app if not http else None, settings):
                _serve_http(app, slack_app if http else None, parts, host, port)
        else:
            _serve_socket_mode(slack_app, settings, runtime)
    finally:
        runtime.shutdown()
    return 0


def _console(app: App) -> int:
    from sqlalchemy.engine import make_url

    from bot.console import Console
    from handlers.i18n import t

    lang = app.services.org.schools[0].language
    url = make_url(app.settings.database_url).render_as_string(hide_password=True)
    banner = [t(lang, "console.welcome"), t(lang, "console.database", url=url)]
    if app.org_is_sample:
        banner.append(t(lang, "console.sample_org", path=app.settings.resolved_org_path()[0]))
    return Console(app.services, banner=banner).run()


def _slack(app: App, settings: Settings, wake: Callable[[], None]):  # type: ignore[no-untyped-def]
    from slack_sdk import WebClient

    from bot.slack.app import build_app
    from bot.slack.sender import SlackSender

    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    slack_app, directory = build_app(
        app.services, client, signing_secret=settings.slack_signing_secret, wake=wake
    )
    return slack_app, SlackSender(client, directory)


def _teams(app: App, settings: Settings, wake: Callable[[], None]):  # type: ignore[no-untyped-def]
    # Imported here only: the Teams SDK and msgraph take seconds and ~60 MB to load.
    from bot.teams.sender import TeamsSender
    from bot.teams.server import TeamsBot

    teams = TeamsBot(app.services, settings, wake=wake)
    return teams, TeamsSender(teams)


def _serve_http(app: App, slack_app: object, parts: list[Part], host: str, port: int) -> None:
    import uvicorn

    from bot.http import build_asgi

    asgi = build_asgi(app.services, slack_app, parts)  # type: ignore[arg-type]
    log.info("serving HTTP on %s:%s%s", host, port, " (Teams at /api/messages)" if parts else "")
    uvicorn.run(asgi, host=host, port=port, log_level="warning", access_log=False)


@contextmanager
def _socket_mode(slack_app: object, settings: Settings) -> Iterator[None]:
    """Slack over Socket Mode beside the HTTP server (when Teams needs HTTP and Slack not)."""
    if slack_app is None:
        yield
        return
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(slack_app, settings.slack_app_token)  # type: ignore[arg-type]
    handler.connect()
    log.info("connected to Slack over Socket Mode")
    try:
        yield
    finally:
        handler.close()


def _serve_socket_mode(slack_app: object, settings: Settings, runtime: Runtime) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(slack_app, settings.slack_app_token)  # type: ignore[arg-type]
    handler.connect()
    log.info("connected to Slack over Socket Mode")

    def stop(*_: object) -> None:
        runtime.stop.set()

    signal.signal(signal.SIGTERM, stop)
    try:
        runtime.stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
        print("meldefra: stopped", file=sys.stderr)

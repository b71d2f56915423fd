"""`meldefra serve`: the local console without chat credentials; Slack (and Teams) with them."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.bootstrap import App
from bot.config import Settings
from bot.delivery import Router, Sender, Wakeup, Worker
from bot.scheduler import Scheduler
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
    on_shutdown: list[Callable[[], None]] = field(default_factory=list)

    def shutdown(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
        for stop in self.on_shutdown:
            stop()


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
    runtime = Runtime()
    if not settings.slack_enabled and not settings.teams_enabled and not http:
        # The console runs the same morning rounds; its inbox shows what they send.
        Scheduler(app.services).start(runtime.stop)
        try:
            return _console(app)
        finally:
            runtime.shutdown()
    warm_up()
    slack_app = None
    parts: list[Part] = []
    wake: Callable[[], None] | None = None
    if settings.teams_enabled:
        # The Teams SDK's connections live on the server's event loop, so with Teams the
        # worker runs in this process and a Router picks Slack or Teams per notice.
        worker_box: list[Worker] = []

        def wake_thread() -> None:
            if worker_box:
                worker_box[0].wake.set()

        wake = wake_thread
        senders: list[Sender] = []
        if settings.slack_enabled:
            slack_app, slack_sender = _slack(app, settings, wake)
            senders.append(slack_sender)
        teams, teams_sender = _teams(app, settings, wake)
        parts.append(teams)
        senders.append(teams_sender)
        sender = senders[0] if len(senders) == 1 else Router(app.services, senders)
        worker_box.append(Worker(app.services, sender))
        runtime.threads.append(_thread("outbox", worker_box[0].run_forever, runtime.stop))
    elif settings.slack_enabled:
        delivery = DeliveryProcess(settings)
        runtime.on_shutdown.append(delivery.stop)
        wake = delivery.wake.set
        slack_app, _ = _slack(app, settings, wake)
    # Safe on several replicas: a round is claimed once per school and period in the database.
    runtime.threads.append(Scheduler(app.services, on_queued=wake).start(runtime.stop))
    try:
        if http or parts:  # Teams reaches the bot over HTTPS only
            with _socket_mode(slack_app if not http else None, settings):
                _serve_http(app, slack_app if http else None, parts, host, port)
        else:
            _serve_socket_mode(slack_app, settings, runtime)
    finally:
        runtime.shutdown()
    return 0


def _thread(name: str, target: Callable[[threading.Event], None],
            stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=target, args=(stop,), name=name, daemon=True)
    thread.start()
    return thread


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


def _slack(app: App, settings: Settings, wake: Callable[[], None]) -> tuple[object, Sender]:
    from slack_sdk import WebClient

    from bot.slack.app import build_app
    from bot.slack.sender import SlackSender

    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    slack_app, directory = build_app(
        app.services, client, signing_secret=settings.slack_signing_secret, wake=wake
    )
    return slack_app, SlackSender(client, directory)


def _teams(app: App, settings: Settings, wake: Callable[[], None]) -> tuple[Part, Sender]:
    # Imported here only: the Teams SDK and msgraph take seconds and ~60 MB to load.
    from bot.teams.sender import TeamsSender
    from bot.teams.server import TeamsBot

    teams = TeamsBot(app.services, settings, wake=wake)
    return teams, TeamsSender(teams)


class DeliveryProcess:
    """The outbox worker in a process of its own.

    Delivering DMs is real work (database, HTTP); in the server's process it competes with
    Slack's acks for the interpreter lock. A second process uses the machine's other core, and
    a multiprocessing.Event lets a listener wake it the moment a notice is queued.
    """

    def __init__(self, settings: Settings) -> None:
        context = multiprocessing.get_context("spawn")
        self.wake = context.Event()
        self._stop = context.Event()
        self._process = context.Process(
            target=_run_delivery, args=(settings, self.wake, self._stop),
            name="meldefra-delivery", daemon=True,
        )  # fmt: skip
        self._process.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()


def _run_delivery(settings: Settings, wake: Wakeup, stop: Wakeup) -> None:
    from slack_sdk import WebClient

    from bot import bootstrap, logs
    from bot.slack.directory import SlackDirectory
    from bot.slack.sender import SlackSender

    logs.setup(settings.log_level, settings.log_format)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    app = bootstrap.build(settings, migrate=False)
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    sender = SlackSender(client, SlackDirectory(app.services, client))
    worker = Worker(app.services, sender, wake=wake)
    while not stop.is_set():
        if not worker.run_once():
            wake.wait(1.0)
            wake.clear()


def _serve_http(app: App, slack_app: object, parts: list[Part], host: str, port: int) -> None:
    import uvicorn

    from bot.http import build_asgi
    from bot.limits import server_options

    asgi = build_asgi(app.services, slack_app, parts)  # type: ignore[arg-type]
    log.info("serving HTTP on %s:%s%s", host, port, " (Teams at /api/messages)" if parts else "")
    uvicorn.run(
        asgi, host=host, port=port, log_level="warning", access_log=False,
        log_config=None,  # uvicorn logs through bot.logs' handler and filter
        **server_options(),  # timeouts for slow clients and half-open connections
    )


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

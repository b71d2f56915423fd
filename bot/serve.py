"""`meldefra serve`: the local console without chat credentials; Slack (and Teams) with them."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.bootstrap import App
from bot.config import Settings
from bot.delivery import Worker
from bot.scheduler import Scheduler
from handlers import dates
from handlers.i18n import catalogs

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
    runtime = Runtime()
    if not settings.slack_enabled and not http:
        # The console runs the same morning rounds; its inbox shows what they send.
        Scheduler(app.services).start(runtime.stop)
        try:
            return _console(app)
        finally:
            runtime.shutdown()
    warm_up()
    slack_app = None
    wake: Callable[[], None] | None = None
    if settings.slack_enabled:
        slack_app, worker = _slack(app, settings)
        runtime.start("outbox-slack", worker.run_forever, runtime.stop)
        wake = worker.wake.set
    # Safe on several replicas: a round is claimed once per school and period in the database.
    runtime.threads.append(Scheduler(app.services, on_queued=wake).start(runtime.stop))
    try:
        if http:
            _serve_http(app, slack_app, host, port)
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


def _slack(app: App, settings: Settings):  # type: ignore[no-untyped-def]
    from slack_sdk import WebClient

    from bot.slack.app import build_app
    from bot.slack.sender import SlackSender

    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    worker_box: list[Worker] = []
    slack_app, directory = build_app(
        app.services,
        client,
        signing_secret=settings.slack_signing_secret,
        wake=lambda: worker_box[0].wake.set() if worker_box else None,
    )
    worker = Worker(app.services, SlackSender(client, directory))
    worker_box.append(worker)
    return slack_app, worker


def _serve_http(app: App, slack_app: object, host: str, port: int) -> None:
    import uvicorn

    from bot.http import build_asgi

    asgi = build_asgi(app.services, slack_app)  # type: ignore[arg-type]
    log.info("serving HTTP on %s:%s", host, port)
    uvicorn.run(asgi, host=host, port=port, log_level="warning", access_log=False)


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

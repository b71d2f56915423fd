"""`meldefra serve`: the local console without chat credentials; Slack (and Teams) with them."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.bootstrap import App
from bot.config import Settings
from bot.delivery import Router, Sender, Wakeup, Worker
from bot.health import Beat, Health, stuck
from bot.metrics import Metrics, QueueObserver
from bot.scheduler import Scheduler
from handlers import dates, ops
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
            thread.join(timeout=20)  # the outbox thread finishes its send and hands back the rest
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


def ensure_schema(database: ops.Database) -> None:
    """`serve` brings a database that is behind up to date (on PostgreSQL under an advisory
    lock, so replicas starting together do not race) and refuses one that is ahead."""
    try:
        if ops.upgrade_if_behind(database):
            log.info("database schema upgraded to %s", ops.schema(database).revision)
    except ops.SchemaAhead as exc:
        raise ConfigError(str(exc)) from exc


def directory_job(app: App) -> dict[str, Any]:
    """The scheduler's directory sync, when org.yml has `directory:`."""
    from bot.directory_cli import scheduled

    job = scheduled(app.services, app.settings)
    return {} if job is None else {"directory": job[0], "directory_every": job[1]}


def serve(app: App, *, http: bool, host: str, port: int) -> int:
    settings = app.settings
    check_settings(settings, http=http)
    ensure_schema(app.database)
    if (
        not settings.encryption_key
        and app.engine.dialect.name == "postgresql"
        and not app.services.org.plaintext_chosen
    ):
        log.warning(
            "MELDEFRA_ENCRYPTION_KEY is not set: reports are stored unencrypted in PostgreSQL "
            "(make a key with `meldefra keys new`, or set policy.plaintext_ok: true in org.yml "
            "if that is a deliberate choice)"
        )
    runtime = Runtime()
    if not settings.slack_enabled and not settings.teams_enabled and not http:
        # The console runs the same morning rounds; its inbox shows what they send.
        Scheduler(app.services, **directory_job(app)).start(runtime.stop)
        try:
            return _console(app)
        finally:
            runtime.shutdown()
    warm_up()
    fiks = _fiks(app, runtime)
    slack_app = None
    parts: list[Part] = []
    wake: Callable[[], None] | None = None
    metrics = Metrics(app.services)
    liveness: ThreadLiveness | DeliveryProcess | None = None
    before_shutdown: Callable[[], None] | None = None
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
        if fiks is not None:
            senders.append(fiks.sender(app.services))
        sender = Router(app.services, senders)  # one sender or two: one path
        beat = Beat()
        worker_box.append(Worker(app.services, sender, observer=metrics, beat=beat))
        thread = _thread("outbox", worker_box[0].run_forever, runtime.stop)
        runtime.threads.append(thread)
        liveness = ThreadLiveness(thread, beat)

        def stop_worker() -> None:
            # Teams sends run on the server's event loop: finish them before it ends.
            runtime.stop.set()
            thread.join(timeout=20)

        before_shutdown = stop_worker
    elif settings.slack_enabled:
        delivery = DeliveryProcess(settings, metrics)
        runtime.on_shutdown.append(delivery.stop)
        wake = delivery.wake.set
        slack_app, _ = _slack(app, settings, wake)
        delivery.wait_ready()
        liveness = delivery
    # Safe on several replicas: a round is claimed once per school and period in the database.
    scheduler = Scheduler(
        app.services, on_queued=wake, on_round=metrics.round, **directory_job(app)
    )
    runtime.threads.append(scheduler.start(runtime.stop))
    health = Health(app.services, worker=liveness)
    # SIGTERM (systemd, Kubernetes): uvicorn answers the requests in flight, then returns; the
    # handler only notes it, so the finally below stops the workers, which hand back what they
    # claimed and did not send.
    signal.signal(signal.SIGTERM, lambda *_: runtime.stop.set())
    try:
        if http or parts:  # Teams reaches the bot over HTTPS only
            with _socket_mode(slack_app if not http else None, settings):
                _serve_http(
                    app,
                    slack_app if http else None,
                    parts,
                    host,
                    port,
                    health=health,
                    metrics=metrics,
                    before_shutdown=before_shutdown,
                )
        else:
            _serve_socket_mode(slack_app, settings, runtime)
    finally:
        runtime.shutdown()
    log.info("stopped")
    return 0


def _fiks(app: App, runtime: Runtime) -> Any:
    """Fiks IO for the sakarkiv, when configured: its replies' thread starts here (the outbox
    sender is given to each Router)."""
    if app.settings.fiks is None:
        return None
    from bot.fiks.wiring import connect

    fiks = connect(app.settings.fiks)
    fiks.start_receiver(app.services, runtime.stop)
    return fiks


def _thread(
    name: str, target: Callable[[threading.Event], None], stop: threading.Event
) -> threading.Thread:
    thread = threading.Thread(target=target, args=(stop,), name=name, daemon=True)
    thread.start()
    return thread


def _console(app: App) -> int:
    from sqlalchemy.engine import make_url

    from bot.console.app import Console
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


class ThreadLiveness:
    """The in-process outbox worker (with Teams), as /healthz sees it."""

    def __init__(self, thread: threading.Thread, beat: Beat) -> None:
        self.thread = thread
        self.beat = beat

    def problem(self) -> str | None:
        if not self.thread.is_alive():
            return "delivery_worker_dead"
        return stuck(self.beat.at)


class DeliveryProcess:
    """The outbox worker in a process of its own, supervised.

    Delivering DMs is real work (database, HTTP); in the server's process it competes with
    Slack's acks for the interpreter lock. A second process uses the machine's other core, and
    a multiprocessing.Event lets a listener wake it the moment a notice is queued.

    A supervisor thread in the server restarts the process when it dies (after 1, 2, 4 … 30 s
    when it keeps dying at once), moves its delivery counts into the metrics, and /healthz asks
    it whether the worker is alive and beating.
    """

    CHECK_EVERY = 0.5
    STEADY_AFTER = 60.0  # a process that ran this long and died is restarted at once

    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self._context = multiprocessing.get_context("spawn")
        self.wake = PipeWake(self._context)
        self.ready = PipeWake(self._context)
        self._stop = PipeWake(self._context)
        self._beat: Any = self._context.Value("d", time.time(), lock=False)
        self._outcomes: Any = None
        self._stopping = threading.Event()
        self.restarts = 0
        self._process = self._spawn()
        self._supervisor = threading.Thread(
            target=self._supervise, name="meldefra-delivery-supervisor", daemon=True
        )
        self._supervisor.start()

    def _spawn(self) -> Any:
        self._beat.value = time.time()
        # A fresh queue for every process: one killed while writing would hold the old queue's
        # lock for ever (the counts it had not yet handed over are lost with it).
        if self._outcomes is not None and self.metrics is not None:
            self.metrics.drain(self._outcomes)
            self.metrics.sources.remove(self._outcomes)
        self._outcomes = self._context.Queue(maxsize=10_000)
        if self.metrics is not None:
            self.metrics.sources.append(self._outcomes)
        process = self._context.Process(
            target=_run_delivery,
            args=(self.settings, self.wake, self._stop, self._beat, self._outcomes, self.ready),
            name="meldefra-delivery", daemon=True,
        )  # fmt: skip
        process.start()
        self._started = time.monotonic()
        return process

    def _supervise(self) -> None:
        quick_deaths = 0
        while not self._stopping.wait(self.CHECK_EVERY):
            if self.metrics is not None:
                self.metrics.drain(self._outcomes)
            if self._process.is_alive():
                continue
            lived = time.monotonic() - self._started
            quick_deaths = 0 if lived > self.STEADY_AFTER else quick_deaths + 1
            pause = min(30.0, 2.0 ** (quick_deaths - 1)) if quick_deaths else 0.0
            log.error(
                "delivery process ended (exit code %s); starting a new one in %.0fs",
                self._process.exitcode, pause,
            )  # fmt: skip
            if self._stopping.wait(pause):
                return
            self._process = self._spawn()
            self.restarts += 1
            if self.metrics is not None:
                self.metrics.restarted()

    @property
    def pid(self) -> int | None:
        return int(self._process.pid) if self._process.pid is not None else None

    def problem(self) -> str | None:
        if not self._process.is_alive():
            return "delivery_worker_dead"
        return stuck(float(self._beat.value))

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until the process has imported and built what it needs. Its start-up is seconds of
        CPU: while the server answers its first requests it would take a core from them."""
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.05):
            if not self._process.is_alive() or time.monotonic() > deadline:
                log.warning("the delivery process is not ready; serving anyway")
                return

    def stop(self) -> None:
        """Let the worker finish the send in flight and hand back what it claimed."""
        self._stopping.set()
        self._supervisor.join(timeout=5)
        self._stop.set()
        self.wake.set()
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.terminate()
        if self.metrics is not None:
            self.metrics.drain(self._outcomes)


class PipeWake:
    """A flag across processes that a killed process cannot wedge. A multiprocessing.Event is
    a Condition: a process killed while waiting on it leaves every later set() (a listener
    queuing a notice) blocked for ever, and with it the lock the next waiter needs. Here set()
    writes a byte without blocking (a full pipe already holds a wake-up) and waiting is a poll
    of the pipe, so a dead peer leaves nothing locked."""

    def __init__(self, context: Any) -> None:
        self._reader, self._writer = context.Pipe(duplex=False)
        os.set_blocking(self._writer.fileno(), False)

    def set(self) -> None:
        try:
            os.write(self._writer.fileno(), b"!")
        except OSError:  # full: a wake-up is pending anyway
            pass

    def is_set(self) -> bool:
        return bool(self._reader.poll(0))

    def wait(self, timeout: float | None = None) -> bool:
        return bool(self._reader.poll(timeout))

    def clear(self) -> None:
        while self._reader.poll(0):
            os.read(self._reader.fileno(), 4096)


def _run_delivery(
    settings: Settings, wake: Wakeup, stop: Wakeup, beat: Any, outcomes: Any, ready: Wakeup
) -> None:
    from slack_sdk import WebClient

    from bot import bootstrap, logs
    from bot.slack.directory import SlackDirectory
    from bot.slack.sender import SlackSender

    parent = os.getppid()
    logs.setup(settings.log_level, settings.log_format)
    # The parent decides when to stop; a SIGTERM to this process itself (systemd signals the
    # whole group) stops it the same way: the send in flight ends, the rest is handed back.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    terminated: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: terminated.append(True))
    app = bootstrap.build(settings, migrate=False)
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    sender = SlackSender(client, SlackDirectory(app.services, client))

    def alive() -> None:
        beat.value = time.time()

    senders: list[Sender] = [sender]
    if settings.fiks is not None:
        from bot.fiks.wiring import connect

        senders.append(connect(settings.fiks).sender(app.services))
    worker = Worker(
        app.services,
        Router(app.services, senders),
        wake=wake,
        observer=QueueObserver(outcomes),
        beat=alive,
    )
    ready.set()
    halt = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(halt,), name="outbox")
    thread.start()
    # The main thread only watches: signal handlers run here, away from the worker's locks.
    while thread.is_alive():
        # A server killed outright (SIGKILL, OOM) cannot stop us: an orphan would go on
        # delivering beside the restarted server's own process.
        if terminated or stop.is_set() or os.getppid() != parent:
            halt.set()
            wake.set()
        thread.join(0.2)
    outcomes.close()
    outcomes.join_thread()


def _serve_http(
    app: App,
    slack_app: object,
    parts: list[Part],
    host: str,
    port: int,
    *,
    health: Health,
    metrics: Metrics,
    before_shutdown: Callable[[], None] | None,
) -> None:
    import uvicorn

    from bot.http import build_asgi
    from bot.limits import server_options

    bolt: Any = slack_app  # a slack_bolt App; typed loosely so this module need not import it
    inline = None
    if bolt is not None:
        from bot.slack.app import acks_at_once

        inline = acks_at_once
    asgi = build_asgi(
        app.services, bolt, parts, health=health, metrics=metrics,
        before_shutdown=before_shutdown, slack_inline=inline,
    )  # fmt: skip
    log.info("serving HTTP on %s:%s%s", host, port, " (Teams at /api/messages)" if parts else "")
    # What start-up built (the org, catalogs, dateparser's and holidays' data) lives as long
    # as the process: out of the collector's sight, a full collection no longer walks it
    # during a request (Meldefra holds about twice the objects of a bare Bolt app).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        asgi,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
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

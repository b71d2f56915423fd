"""The HTTP server: Slack at /slack/events, GET /healthz, GET /metrics, Teams at /api/messages.

One Starlette app under uvicorn. Bolt's App is synchronous, so a Slack request whose listener
does work before its ack (a form's submission files the report) is dispatched in a worker
thread: the event loop keeps accepting requests while it waits on the database. A request whose
listener only acks and hands the rest off (slash commands: `slack_inline`) is dispatched on the
loop itself, with no thread hop.

Before any of it, `bot.limits.BodyGuard`: a Slack request without fresh signature headers gets
401 before its body is read; bodies are limited (413) and must arrive in time (408). The Slack
endpoint then checks the signature on the raw bytes (slack_sdk's SignatureVerifier) before
anything decodes or parses them: garbage gets 401, never a traceback. That is the only check:
bot/slack/app.py builds Bolt without its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

import anyio
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.health import Health
from bot.limits import MB, BodyGuard, Guard
from bot.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.metrics import Measured, Metrics
from handlers.services import Services

log = logging.getLogger("meldefra.http")
SLACK_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"
# Slack's payloads are small (a modal's values, 3000-character fields); a Teams activity can
# carry attachments and a message extension's whole message.
BODY_LIMITS = {SLACK_PATH: 1 * MB, TEAMS_PATH: 4 * MB}
SLACK_MAX_AGE = 60 * 5  # seconds; what Slack and Bolt accept
# Bolt listeners run in these threads; views.open must not wait behind slow work.
THREADS = 40
# A listener dispatched on the event loop that takes longer than this is logged: it is meant
# to ack and hand everything else off within a millisecond or so.
INLINE_WARN_SECONDS = 0.05


class Part(Protocol):
    """Another platform served by this app (bot/teams/server.py's TeamsBot), kept behind a
    protocol so this module imports nothing of it."""

    name: str

    def routes(self) -> list[Route]: ...

    async def startup(self) -> None: ...

    async def shutdown(self) -> None: ...


def build_asgi(
    services: Services,
    slack: App | None,
    parts: Sequence[Part] = (),
    *,
    health: Health | None = None,
    metrics: Metrics | None = None,
    before_shutdown: Callable[[], None] | None = None,
    signing_secret: str | None = None,
    read_timeout: float | None = None,
    slack_inline: Callable[[BoltRequest], bool] | None = None,
) -> Starlette:
    """The app; `health` adds the delivery worker to /healthz, `metrics` serves /metrics and
    measures every request (bot/serve.py gives both). `before_shutdown` runs (in a thread)
    after the last request was answered and before the parts stop: an in-process worker whose
    sends run on this event loop finishes them there. `signing_secret` defaults to the one the
    Bolt app was built with; `read_timeout` (seconds for a request body) to bot.limits'.
    `slack_inline` says which Slack requests are dispatched on the event loop itself, without
    a thread hop (bot/slack/app.py: acks_at_once); every other one runs in a worker thread."""
    checks = health or Health(services)

    async def healthz(request: Request) -> Response:
        ok, report = await anyio.to_thread.run_sync(checks.report)
        body: dict[str, Any] = {"ok": ok, "slack": slack is not None}
        body.update({part.name: True for part in parts})
        body.update(report)
        return JSONResponse(body, status_code=200 if ok else 503)

    routes = [Route("/healthz", healthz, methods=["GET"])]
    guards: dict[str, Guard] = {}
    if metrics is not None:
        registry = metrics

        async def metrics_endpoint(request: Request) -> Response:
            text_body = await anyio.to_thread.run_sync(registry.render)
            return Response(text_body, media_type=METRICS_CONTENT_TYPE)

        routes.append(Route("/metrics", metrics_endpoint, methods=["GET"]))
    if slack is not None:
        # Bolt keeps the secret it verifies with; ours must be the same one.
        secret = signing_secret or getattr(slack, "_signing_secret", None)
        if not secret:
            raise ValueError("serving Slack over HTTP needs its signing secret")
        verifier = SignatureVerifier(secret)
        inline = slack_inline or (lambda _request: False)
        routes.append(
            Route(SLACK_PATH, _slack_endpoint(slack, verifier, inline), methods=["POST"])
        )
        guards[SLACK_PATH] = _slack_headers
    for part in parts:
        routes += part.routes()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        for part in parts:
            await part.startup()
        try:
            yield
        finally:
            if before_shutdown is not None:
                await anyio.to_thread.run_sync(before_shutdown)
            for part in parts:
                await part.shutdown()

    guard_options: dict[str, Any] = {"limits": BODY_LIMITS, "guards": guards}
    if read_timeout is not None:
        guard_options["read_timeout"] = read_timeout
    app = Starlette(
        routes=routes, lifespan=lifespan, middleware=[Middleware(BodyGuard, **guard_options)]
    )
    if metrics is not None:
        app.add_middleware(Measured, metrics=metrics, routes=[r.path for r in routes])
    return app


def _unsigned() -> Response:
    return JSONResponse({"error": "invalid request"}, status_code=401)


def _slack_headers(headers: Headers) -> Response | None:
    """401 before the body is read, unless the request carries a fresh Slack signature."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (timestamp.isdigit() and signature.startswith("v0=") and len(signature) == 67):
        return _unsigned()
    if abs(time.time() - int(timestamp)) > SLACK_MAX_AGE:
        return _unsigned()
    return None


def _slack_endpoint(
    slack: App, verifier: SignatureVerifier, inline: Callable[[BoltRequest], bool]
) -> Any:
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            valid = verifier.is_valid(
                body=raw,
                timestamp=request.headers.get("x-slack-request-timestamp"),
                signature=request.headers.get("x-slack-signature"),
            )
        except (UnicodeDecodeError, ValueError):  # not UTF-8: Slack never signed it
            valid = False
        if not valid:
            log.info("refused a Slack request with a bad signature (%d bytes)", len(raw))
            return _unsigned()
        try:
            bolt_request = BoltRequest(
                body=raw.decode("utf-8"),
                query=dict(request.query_params),
                headers={k: v for k, v in request.headers.items()},
            )
        except ValueError as exc:  # signed but unreadable (JSONDecodeError is a ValueError)
            log.warning("unreadable Slack request: %s", type(exc).__name__)
            return JSONResponse({"error": "unreadable request"}, status_code=400)
        result: BoltResponse
        if inline(bolt_request):
            # The listener only acks and hands the rest to its own pool: the answer needs no
            # thread hop (two GIL hand-overs under load). Watched, should that ever change.
            started = time.perf_counter()
            result = slack.dispatch(bolt_request)
            if (spent := time.perf_counter() - started) > INLINE_WARN_SECONDS:
                log.warning("a Slack request held the event loop for %.0f ms", spent * 1000)
        else:
            result = await anyio.to_thread.run_sync(slack.dispatch, bolt_request)
        headers = {k: v[0] for k, v in result.headers.items() if v}
        return Response(content=result.body, status_code=result.status, headers=headers)

    return endpoint

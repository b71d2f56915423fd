"""The HTTP server: Slack at /slack/events, GET /healthz, GET /metrics, Teams at /api/messages.

One Starlette app under uvicorn. Bolt's App is synchronous, so each Slack request is
dispatched in a worker thread: the event loop keeps accepting requests while one listener
waits on the database or on views.open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

import anyio
from slack_bolt import App, BoltRequest, BoltResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.health import Health
from bot.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.metrics import Measured, Metrics
from handlers.services import Services

SLACK_PATH = "/slack/events"
# Bolt listeners run in these threads; views.open must not wait behind slow work.
THREADS = 40


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
) -> Starlette:
    """The app; `health` adds the delivery worker to /healthz, `metrics` serves /metrics and
    measures every request (bot/serve.py gives both). `before_shutdown` runs (in a thread)
    after the last request was answered and before the parts stop: an in-process worker whose
    sends run on this event loop finishes them there."""
    checks = health or Health(services)

    async def healthz(request: Request) -> Response:
        ok, report = await anyio.to_thread.run_sync(checks.report)
        body: dict[str, Any] = {"ok": ok, "slack": slack is not None}
        body.update({part.name: True for part in parts})
        body.update(report)
        return JSONResponse(body, status_code=200 if ok else 503)

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if metrics is not None:
        registry = metrics

        async def metrics_endpoint(request: Request) -> Response:
            text_body = await anyio.to_thread.run_sync(registry.render)
            return Response(text_body, media_type=METRICS_CONTENT_TYPE)

        routes.append(Route("/metrics", metrics_endpoint, methods=["GET"]))
    if slack is not None:
        routes.append(Route(SLACK_PATH, _slack_endpoint(slack), methods=["POST"]))
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

    app = Starlette(routes=routes, lifespan=lifespan)
    if metrics is not None:
        app.add_middleware(Measured, metrics=metrics, routes=[r.path for r in routes])
    return app


def _slack_endpoint(slack: App) -> Any:
    async def endpoint(request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        bolt_request = BoltRequest(
            body=body,
            query=dict(request.query_params),
            headers={k: v for k, v in request.headers.items()},
        )
        result: BoltResponse = await anyio.to_thread.run_sync(slack.dispatch, bolt_request)
        headers = {k: v[0] for k, v in result.headers.items() if v}
        return Response(content=result.body, status_code=result.status, headers=headers)

    return endpoint

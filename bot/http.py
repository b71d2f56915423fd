"""The HTTP server: Slack at /slack/events, GET /healthz, Teams at /api/messages.

One Starlette app under uvicorn. Bolt's App is synchronous, so each Slack request is
dispatched in a worker thread: the event loop keeps accepting requests while one listener
waits on the database or on views.open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

import anyio
from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

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


def build_asgi(services: Services, slack: App | None, parts: Sequence[Part] = ()) -> Starlette:
    async def healthz(request: Request) -> Response:
        ok = await anyio.to_thread.run_sync(_database_ok, services)
        body: dict[str, bool] = {"ok": ok, "slack": slack is not None}
        body.update({part.name: True for part in parts})
        return JSONResponse(body, status_code=200 if ok else 503)

    routes = [Route("/healthz", healthz, methods=["GET"])]
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
            for part in parts:
                await part.shutdown()

    return Starlette(routes=routes, lifespan=lifespan)


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


def _database_ok(services: Services) -> bool:
    try:
        with services.sessions() as session:
            session.execute(text("select 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False

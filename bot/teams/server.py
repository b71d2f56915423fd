"""Builds the Teams side: the Teams SDK app mounted in our Starlette app, Graph, the directory.

The SDK's HTTP layer is an adapter: `App.initialize()` (no network) hands its request handler,
JWT validation included, to `register_route`; we serve it at /api/messages from our own
Starlette app under uvicorn, beside Slack's endpoint. `App.start()` is never called.

The outbox worker is a thread; the SDK and msgraph are async and bound to uvicorn's event loop,
so the sender hands its coroutines to that loop (`TeamsBot.run`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import anyio
import httpx
import jwt
from microsoft_teams.api.activities import ActivityTypeAdapter
from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
from microsoft_teams.api.auth.credentials import TokenCredentials
from microsoft_teams.apps import App
from microsoft_teams.apps.events import CoreActivity
from microsoft_teams.apps.http.adapter import (
    HttpMethod,
    HttpRequest,
    HttpRouteHandler,
    HttpServerAdapter,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.limits import CLOSE
from bot.teams.app import TeamsEdge
from bot.teams.auth import BotTokenValidator, ClientSecretToken, admit, bearer_token
from bot.teams.directory import TeamsDirectory
from bot.teams.graph import Graph, make_client
from handlers.services import Services

log = logging.getLogger("meldefra.teams")
MESSAGES_PATH = "/api/messages"
T = TypeVar("T")


class NotAnActivity(ValueError):
    """A body that is not a Teams activity (not JSON, not an object, not the SDK's shape)."""


def parse_activity(raw: bytes) -> dict[str, Any]:
    """The body as an activity the SDK will take: run in a worker thread, since a 4 MB body
    costs the event loop tens of milliseconds, and deeply nested JSON raises RecursionError."""
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise NotAnActivity("not an object")
        # What the SDK's handler does with it, so that it cannot fail there (a 500 and a
        # traceback for a sender's mistake).
        core = CoreActivity.model_validate(body).model_dump(by_alias=True, exclude_none=True)
        ActivityTypeAdapter.validate_python(core)
    except (ValueError, RecursionError) as exc:  # JSON, UTF-8 and pydantic errors included
        raise NotAnActivity(type(exc).__name__) from None
    return body


def refused(status: int, error: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def unauthorized() -> Response:
    """401 before the body was read: the connection is closed rather than kept to read and
    throw away the body a sender without a token is still pushing."""
    return refused(401, "unauthorized", CLOSE)


class RouteAdapter(HttpServerAdapter):
    """Receives the SDK's handler at initialize(); our route exists from the start and answers
    503 until then.

    Before the SDK sees a request: with inbound auth on, a JWT-shaped Bearer token signed for
    this bot, checked before the body is read (401 at once otherwise); the body parsed in a
    worker thread (400 unless it is an activity object); then only Teams, the configured
    tenant and the serviceUrl the token was signed for (`auth.admit`, 403)."""

    def __init__(self, *, tenant: str | None = None, local: bool = False) -> None:
        self.handler: HttpRouteHandler | None = None
        self.validator: BotTokenValidator | None = None  # set when inbound auth is on
        self.tenant = tenant
        self.local = local

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        if path == MESSAGES_PATH:
            self.handler = handler

    # Our Starlette app serves the route and runs the server: the SDK never calls these.
    def serve_static(self, path: str, directory: str) -> None:
        return None

    async def start(self, port: int) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def endpoint(self, request: Request) -> Response:
        if self.handler is None:
            return refused(503, "starting")
        claims: dict[str, Any] | None = None
        if not self.local:
            token = bearer_token(request.headers)
            if token is None or self.validator is None:
                return unauthorized()
            try:
                claims = await self.validator.verify(token)
            except jwt.InvalidTokenError as exc:
                log.info("refused a Teams request: %s", type(exc).__name__)
                return unauthorized()
        raw = await request.body()
        try:
            body = await anyio.to_thread.run_sync(parse_activity, raw)
        except NotAnActivity as exc:
            log.info("refused a Teams request that is not an activity: %s", exc)
            return refused(400, "invalid activity")
        url = body.get("serviceUrl")
        if claims is not None:
            try:
                BotTokenValidator.check_service_url(claims, url if isinstance(url, str) else None)
            except jwt.InvalidTokenError:
                log.info("refused a Teams request: serviceUrl not the token's")
                return refused(401, "unauthorized")
        reason = admit(body, tenant=self.tenant, local=self.local)
        if reason is not None:
            log.warning("refused a Teams activity: %s", reason)
            return refused(403, "forbidden")
        result = await self.handler(HttpRequest(body=body, headers=dict(request.headers)))
        if result.get("body") is not None:
            return JSONResponse(result["body"], status_code=result["status"])
        return Response(status_code=result["status"])


def local_token(scope: Any, tenant_id: Any = None) -> str:
    """An unsigned JWT for the Agents Playground's mock connector (auth off, no secret): the
    SDK needs a JWT-shaped token for every outgoing call, and the playground ignores it."""
    import jwt

    claims = {"iss": "meldefra-local", "exp": int(time.time()) + 3600}
    return jwt.encode(claims, "meldefra-local-development-only!", "HS256")


class OwnTokenApp(App):
    """The SDK's App with the bot's own token provider as its only credential.

    The SDK otherwise reads CLIENT_SECRET from the environment itself and asks msal, which takes
    only https authorities and checks unknown hosts against login.microsoftonline.com: the
    connector's token would not come from LOGIN_AUTHORITY, and a test authority would not work.
    Without a provider there is no credential (the SDK sends nothing signed)."""

    def _init_credentials(self) -> TokenCredentials | None:
        token = self.options.token
        client_id = self.options.client_id
        if token is None or not client_id:
            return None
        return TokenCredentials(client_id=client_id, tenant_id=self.options.tenant_id, token=token)


class TeamsBot:
    name = "teams"

    def __init__(
        self,
        services: Services,
        settings: Settings,
        *,
        wake: Callable[[], None] = lambda: None,
        token: Any = None,
        graph_credential: Any = None,
        uploads: Callable[[], httpx.AsyncClient] | None = None,
    ) -> None:
        """`token` (a callable(scope, tenant) returning a JWT) replaces the client secret for the
        Bot Connector; `graph_credential` (async azure-core) replaces it for Graph. Tests use
        both to stay off login.microsoftonline.com, and `uploads` (a client factory) to route
        SharePoint's hosts to a loopback fake."""
        self.services = services
        self.settings = settings
        local = settings.teams_allow_unauthenticated
        if not local and not settings.teams_tenant_id:
            raise ValueError("Teams needs TENANT_ID: only that tenant's activities are accepted")
        self.adapter = RouteAdapter(tenant=settings.teams_tenant_id, local=local)
        self.secret: ClientSecretToken | None = None
        if token is None and settings.teams_client_secret:
            # Tokens from LOGIN_AUTHORITY (a national cloud's login host, or a test's).
            self.secret = ClientSecretToken(
                settings.login_authority,
                settings.teams_tenant_id or "botframework.com",
                str(settings.teams_client_id),
                settings.teams_client_secret,
            )
            token = self.secret
        elif token is None and settings.teams_allow_unauthenticated:
            token = local_token  # local development only: a mock connector checks no token
        self.app = OwnTokenApp(
            client_id=settings.teams_client_id,
            tenant_id=settings.teams_tenant_id,
            http_server_adapter=self.adapter,
            messaging_endpoint=MESSAGES_PATH,
            # Off only when the operator says so (tests, the Agents Playground).
            dangerously_allow_unauthenticated_requests=settings.teams_allow_unauthenticated,
            cloud=with_overrides(
                PUBLIC,
                login_endpoint=settings.login_authority.rstrip("/"),
                openid_metadata_url=settings.bot_openid_metadata,
            ),
            token=token,
        )
        self.validator = BotTokenValidator(
            str(settings.teams_client_id), settings.bot_openid_metadata
        )
        if not local:
            self.adapter.validator = self.validator
        self.graph = self._graph(graph_credential)
        self.directory = TeamsDirectory(
            services,
            self.graph,
            ttl=settings.graph_cache_seconds,
            unauthenticated=settings.teams_allow_unauthenticated,
        )
        self.edge = TeamsEdge(services, self.directory, self.app, wake, uploads)
        self.edge.register()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._refresher: asyncio.Task[None] | None = None

    def _graph(self, credential: Any) -> Graph | None:
        s = self.settings
        if credential is None:
            if self.secret is None or not s.teams_tenant_id:
                return None  # no app credential for Graph: directory from org.yml only
            credential = self.secret
        # The client on the first Graph call: msgraph and kiota are not loaded at start.
        return Graph(lambda: make_client(s.graph_url, credential), root=s.graph_url)

    def routes(self) -> list[Route]:
        return [Route(MESSAGES_PATH, self.adapter.endpoint, methods=["POST"])]

    async def startup(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.app.initialize()
        if not self.settings.teams_allow_unauthenticated:
            # The SDK's own validator fetches the signing keys with a blocking call on the
            # event loop and only from the public cloud; ours is async, cached, configurable.
            server = self.app.server
            assert hasattr(server, "_token_validator"), "Teams SDK changed: token validator"
            server._token_validator = self.validator  # type: ignore[assignment]
        self._refresher = asyncio.create_task(self._refresh_directory())

    async def shutdown(self) -> None:
        await self.edge.stop()
        await self.validator.stop()
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        self.loop = None

    async def _refresh_directory(self) -> None:
        while True:
            try:
                await self.directory.refresh_rteams()
            except Exception:  # keep serving with the R-teams we know
                log.exception("refreshing R-teams from Entra ID failed")
            await asyncio.sleep(min(self.settings.graph_cache_seconds, 300.0))

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine on the server's event loop from another thread (the outbox worker)."""
        loop = self.loop
        if loop is None:
            coro.close()
            raise RuntimeError("teams is not started")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

"""HTTP limits: how big a body may be, how long a client may take, what a request must show first.

`BodyGuard` is ASGI middleware in front of every route:

- a path's guard (e.g. Slack's signature headers present and fresh) answers before anything
  is read, so an unsigned 100 MB POST costs the server a header parse;
- a body larger than the path's limit gets 413: at once when Content-Length says so, and
  while it streams when Content-Length is missing or lies (the app's read raises);
- a body must arrive within `read_timeout` seconds of the first read, else 408.

Through uvicorn's public settings (`server_options`): the keep-alive timeout between requests
and the largest request head (`h11_max_incomplete_event_size`).

`GuardedH11Protocol` closes a connection whose request head has not arrived within
`head_timeout` seconds (a client that connects and sends nothing, or a header a byte at a time).
uvicorn has no setting for that (its keep-alive timer starts only after a response) and no ASGI
middleware can do it (the app is called once the head is complete), so this extends uvicorn's
h11 protocol, an internal class: uvicorn is pinned to the exact version in pyproject.toml, and
tests/test_http_hygiene.py fails when the installed uvicorn or its h11 protocol's source is not
the one this class was checked against (`UVICORN_VERSION`, `H11_IMPL_SHA256`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import h11
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

MB = 1024 * 1024
DEFAULT_LIMIT = 64 * 1024  # routes without a limit of their own (health, metrics) take no body
READ_TIMEOUT = 20.0  # the whole body; a 4 MB Teams activity at 200 kB/s still fits
HEAD_TIMEOUT = 10.0  # from connect (or the end of the last response) to a complete request head
KEEP_ALIVE = 5.0
MAX_HEAD = 16 * 1024  # h11: the request line and headers together

# What GuardedH11Protocol was written against (see the module's docstring). After reading a new
# uvicorn's protocols/http/h11_impl.py against GuardedH11Protocol, update both.
UVICORN_VERSION = "0.55.0"
H11_IMPL_SHA256 = "10f246fcd299a74376ee47177ecae23de40fdccee6c631f5dc8ccf14a4ec1b4e"

# A body cut off mid-stream leaves the connection in an unknown state: answer and close it.
CLOSE = {"Connection": "close"}

Guard = Callable[[Headers], Response | None]


class BodyGuard:
    def __init__(
        self,
        app: ASGIApp,
        limits: Mapping[str, int],
        guards: Mapping[str, Guard] | None = None,
        default_limit: int = DEFAULT_LIMIT,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.app = app
        self.limits = dict(limits)
        self.guards = dict(guards or {})
        self.default_limit = default_limit
        self.read_timeout = read_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = Headers(scope=scope)
        guard = self.guards.get(path)
        refused = guard(headers) if guard is not None else None
        if refused is not None:
            await refused(scope, receive, send)
            return
        limit = self.limits.get(path, self.default_limit)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await Response("invalid content-length", status_code=400)(scope, receive, send)
                return
            if int(declared) > limit:
                await Response("body too large", status_code=413)(scope, receive, send)
                return
        await self.app(scope, self._bounded(receive, limit), send)

    def _bounded(self, receive: Receive, limit: int) -> Receive:
        received = 0
        deadline: float | None = None

        async def bounded() -> Message:
            nonlocal received, deadline
            if deadline is None:
                deadline = anyio.current_time() + self.read_timeout
            try:
                with anyio.fail_after(max(deadline - anyio.current_time(), 0)):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(408, "body too slow", headers=CLOSE) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, "body too large", headers=CLOSE)
                if not message.get("more_body", False):
                    deadline = math.inf  # the body is in; later reads wait for a disconnect
            return message

        return bounded


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for the request head."""

    head_timeout = HEAD_TIMEOUT

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm_head_timer()  # the head is in; the body has BodyGuard's deadline

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.our_state is h11.IDLE and not self.transport.is_closing():
            self._arm_head_timer()  # the next request on this connection has a deadline too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def protocol_with(head_timeout: float) -> type[GuardedH11Protocol]:
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"head_timeout": head_timeout})


def server_options(head_timeout: float = HEAD_TIMEOUT) -> dict[str, Any]:
    """uvicorn settings for every HTTP server Meldefra runs (`meldefra serve`)."""
    return {
        "http": protocol_with(head_timeout),
        "timeout_keep_alive": KEEP_ALIVE,
        "h11_max_incomplete_event_size": MAX_HEAD,
    }

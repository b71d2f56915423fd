"""A loopback fake of Slack's Socket Mode WebSocket server.

Point `FakeSlack(socket_mode=server)` at it: apps.connections.open then hands out
`ws://127.0.0.1:PORT/link/?ticket=...`, and a real `SocketModeHandler` connects here.
Like Slack it greets each connection with `hello`, answers the client's pings (websockets
does that), delivers envelopes and collects the client's acks, and can ask a client to
reconnect with a `disconnect` message.
"""

import asyncio
import itertools
import json
import threading
import uuid
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.fakes.slack_api import APP_ID

JsonDict = dict[str, Any]


class FakeSocketModeServer:
    """Socket Mode server on 127.0.0.1 running its own event loop in a thread."""

    def __init__(self, *, app_id: str = APP_ID, ping_interval: float = 0.2) -> None:
        self.app_id = app_id
        self.ping_interval = ping_interval
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._active: list[ServerConnection] = []  # hello sent, not closed; newest last
        self._connection_count = 0
        self._received: list[JsonDict] = []
        self._acks: dict[str, JsonDict] = {}
        self._seq = itertools.count(1)
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle

    def start(self) -> Self:
        ready = threading.Event()
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._serve(ready),), name="FakeSocketMode", daemon=True
        )
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("fake Socket Mode server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join()
        self._loop = self._stopping = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        async with serve(
            self._connection,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,  # Slack's server does not negotiate permessage-deflate either
            # Slack pings its clients too. Frequent pings keep the built-in client's
            # close() fast: it waits for its blocking recv() (3 s timeout) to return.
            ping_interval=self.ping_interval,
            close_timeout=1,
        ) as server:
            self._port = server.sockets[0].getsockname()[1]
            ready.set()
            await self._stopping.wait()

    # ---- what FakeSlack's apps.connections.open hands out

    def issue_url(self) -> str:
        """A WebSocket URL with a new ticket, as apps.connections.open returns."""
        if self._port is None:
            raise RuntimeError("FakeSocketModeServer is not started")
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self._port}/link/?ticket={ticket}&app_id={self.app_id}"

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self._cond:
            known = ticket in self._tickets
        # A client that skipped apps.connections.open must not get in.
        return None if known else connection.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")

    # ---- connections

    async def _connection(self, ws: ServerConnection) -> None:
        with self._cond:
            num_connections = len(self._active) + 1
        await ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": num_connections,
                    "debug_info": {
                        "host": "applink-fake",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        with self._cond:
            self._active.append(ws)
            self._connection_count += 1
            self._cond.notify_all()
        try:
            async for raw in ws:
                message = json.loads(raw)
                with self._cond:
                    self._received.append(message)
                    if "envelope_id" in message:
                        self._acks[message["envelope_id"]] = message
                    self._cond.notify_all()
        except ConnectionClosed:
            pass  # the built-in client drops the TCP connection without a close frame
        finally:
            with self._cond:
                self._active.remove(ws)
                self._cond.notify_all()

    @property
    def connection_count(self) -> int:
        """Connections accepted so far (hello sent), including closed ones."""
        with self._cond:
            return self._connection_count

    @property
    def active_connections(self) -> int:
        with self._cond:
            return len(self._active)

    def wait_connections(self, count: int, timeout: float = 5) -> None:
        """Block until `count` connections in total have been accepted."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._connection_count >= count, timeout):
                raise TimeoutError(f"{count} connections not reached within {timeout}s")

    def received(self) -> list[JsonDict]:
        """Every JSON message the clients sent, in order."""
        with self._cond:
            return list(self._received)

    # ---- sending

    def _newest_connection(self, timeout: float) -> ServerConnection:
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._active), timeout):
                raise TimeoutError(f"no Socket Mode client connected within {timeout}s")
            return self._active[-1]

    def _send(self, ws: ServerConnection, message: JsonDict, timeout: float) -> None:
        if self._loop is None:
            raise RuntimeError("FakeSocketModeServer is not started")
        asyncio.run_coroutine_threadsafe(ws.send(json.dumps(message)), self._loop).result(timeout)

    def push(
        self,
        envelope_type: str,
        payload: JsonDict,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 5,
    ) -> str:
        """Deliver an envelope to the newest connection (Slack picks one) and return its id.

        `envelope_type` is "slash_commands", "interactive" or "events_api"; by default
        only events_api envelopes say they do not accept a response payload.
        """
        envelope_id = f"{uuid.uuid4()}"
        envelope: JsonDict = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": (
                envelope_type != "events_api"
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if envelope_type == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        self._send(self._newest_connection(timeout), envelope, timeout)
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 5) -> JsonDict:
        """The client's ack for `envelope_id`: {"envelope_id", "payload"?}."""
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"envelope {envelope_id} not acked within {timeout}s")
            return self._acks[envelope_id]

    def disconnect(self, reason: str = "refresh_requested", timeout: float = 5) -> None:
        """Ask every connected client to reconnect, as Slack does before it rotates hosts."""
        with self._cond:
            connections = list(self._active)
        message = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": f"applink-fake-{next(self._seq)}"},
        }
        for ws in connections:
            self._send(ws, message, timeout)

"""A loopback fake of Slack's Web API.

`FakeSlack` is a real HTTP server on 127.0.0.1, so the code under test talks to it
through the real `slack_sdk.WebClient(base_url=fake.url)`: form vs JSON bodies, the
Authorization header, HTTP status codes and dropped connections all go through the
same code paths as in production.
"""

import itertools
import json
import mimetypes
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from tests.fakes.socket_mode import FakeSocketModeServer

# The fake workspace's identity; the payload builders in tests.fakes.signing use the same
# IDs, so events look as if they came from the workspace that auth.test describes.
TEAM_ID = "T0MELDEFRA"
TEAM_NAME = "Meldefra Test"
TEAM_DOMAIN = "meldefra-test"
APP_ID = "A0MELDEFRA"
BOT_ID = "B0MELDEFRA"
BOT_USER_ID = "U0MELDBOT"
BOT_USER_NAME = "meldefra"

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request received by the fake.

    `params` merges the query string and the body (form fields as strings, JSON as sent);
    `headers` has lower-cased names; `at` is `time.monotonic()` on arrival.
    """

    method: str
    params: JsonDict
    headers: dict[str, str]
    at: float


@dataclass
class UploadedFile:
    """A file announced by files.getUploadURLExternal; `data` is set once the bytes arrive."""

    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str | None = None
    channel_id: str | None = None


@dataclass
class _Failure:
    method: str
    status: int
    error: str | None
    retry_after: int | str | None
    drop: bool
    times: int | None  # None: never used up
    channel: str | None
    user: str | None

    def matches(self, method: str, params: JsonDict) -> bool:
        if method != self.method:
            return False
        if self.channel is not None and self.channel not in (
            params.get("channel"),
            params.get("channel_id"),
        ):
            return False
        return self.user is None or self.user in _users_in(params)


class SlackError(Exception):
    """Raised by a method implementation to answer HTTP 200 with ok=false."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _users_in(params: JsonDict) -> set[str]:
    users = {str(params[k]) for k in ("user", "user_id") if params.get(k)}
    users.update(u for u in str(params.get("users") or "").split(",") if u)
    # Posting with channel=<user id> is how apps DM a user, so it counts as that user.
    channel = str(params.get("channel") or "")
    if channel[:1] in ("U", "W"):
        users.add(channel)
    return users


def _json_param(value: Any) -> Any:
    """Form-encoded requests carry JSON arguments (view, blocks, files) as strings."""
    return json.loads(value) if isinstance(value, str) else value


def _metadata(value: Any) -> JsonDict | None:
    """chat.postMessage's `metadata` (a JSON object or its text): event_type (a string) and
    event_payload (an object), or Slack's error."""
    if value in (None, ""):
        return None
    data = _json_param(value)
    if not isinstance(data, dict):
        raise SlackError("invalid_metadata_format")
    if not isinstance(data.get("event_type"), str) or not isinstance(
        data.get("event_payload"), dict
    ):
        raise SlackError("invalid_metadata_schema")
    return {"event_type": data["event_type"], "event_payload": data["event_payload"]}


def _require(params: JsonDict, *names: str) -> None:
    if any(not params.get(n) for n in names):
        raise SlackError("invalid_arguments")


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a client that never hangs up must not block stop()
    # socketserver's default backlog is 5: a burst of connections (bench/slack_bench.py's 50
    # concurrent views.open) would overflow it and a connection would wait a SYN-ACK
    # retransmit (1 s). Slack itself never does that.
    request_queue_size = 128

    def __init__(self, fake: "FakeSlack") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_POST  # AsyncWebClient sends GET with a query string for e.g. users.lookupByEmail

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output readable


class FakeSlack:
    """Fake Slack Web API server: use as `WebClient(token, base_url=fake.url)`.

    `token` / `app_token` turn on token checks (invalid_auth for any other token);
    `socket_mode` is the server that apps.connections.open hands out; `scopes`, when set, go
    back on every Web API reply as the `x-oauth-scopes` header, as Slack sends them.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        app_token: str | None = None,
        socket_mode: "FakeSocketModeServer | None" = None,
        scopes: list[str] | None = None,
    ) -> None:
        self.token = token
        self.scopes = scopes
        self.app_token = app_token
        self.socket_mode = socket_mode
        self.uploads: dict[str, UploadedFile] = {}
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._watchers: list[Callable[[Call], None]] = []
        self._failures: list[_Failure] = []
        self._delays: dict[str, float] = {}
        self._hidden: set[str] = set()  # channels the bot is not in
        self._users: dict[str, JsonDict] = {}
        self._dms: dict[str, str] = {}
        self._messages: dict[tuple[str, str], JsonDict] = {}
        self._metadata: dict[tuple[str, str], JsonDict] = {}  # chat.postMessage's `metadata`
        self._views: dict[str, JsonDict] = {}
        self._seq = itertools.count(1)  # next() on a count is atomic under the GIL
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }

    # ---- lifecycle

    def start(self) -> Self:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits at most one poll
            name="FakeSlack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The Web API base URL, for `WebClient(base_url=...)`."""
        return f"{self.root}/api/"

    # ---- recorded calls

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5) -> list[Call]:
        """Block until `count` calls of `method` arrived, then return all of them so far.

        Needed because Bolt runs listeners (and so their API calls) in worker threads.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.calls(method)) >= count, timeout):
                seen = [c.method for c in self._calls]
                raise TimeoutError(f"{count} x {method} not called within {timeout}s; got {seen}")
            return self.calls(method)

    def wait_match(
        self, method: str, predicate: Callable[[Call], bool], timeout: float = 5
    ) -> Call:
        """Block until a call of `method` satisfying `predicate` arrived; return it."""

        def found() -> Call | None:
            return next(
                (c for c in reversed(self._calls) if c.method == method and predicate(c)), None
            )

        with self._cond:
            if not self._cond.wait_for(lambda: found() is not None, timeout):
                raise TimeoutError(f"no matching {method} within {timeout}s")
            call = found()
            assert call is not None
            return call

    def watch(self, callback: Callable[[Call], None]) -> None:
        """Call `callback` with each call as it is recorded, in the server's thread (it must
        not block; bench/slack_bench.py hands each call to its event loop)."""
        with self._cond:
            self._watchers.append(callback)

    def clear(self) -> None:
        """Forget recorded calls (users, failures and stored objects stay)."""
        with self._cond:
            self._calls.clear()

    # ---- scripting

    def add_user(
        self,
        user_id: str,
        email: str,
        name: str | None = None,
        *,
        deleted: bool = False,
        is_bot: bool = False,
        real_name: str | None = None,
        tz: str = "Europe/Oslo",
    ) -> JsonDict:
        """Add a user to the directory behind users.info and users.lookupByEmail."""
        name = name or email.split("@")[0]
        real_name = real_name or name
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        user: JsonDict = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": name,
                "display_name_normalized": name,
                "email": email,
                "team": TEAM_ID,
            },
        }
        with self._cond:
            self._users[user_id] = user
        return user

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | str | None = None,
        drop: bool = False,
        times: int | None = 1,
        channel: str | None = None,
        user: str | None = None,
    ) -> None:
        """Script the next `times` matching calls of `method` to fail (None: every one).

        status=429 answers ratelimited with Retry-After (default 1 s); status>=500 answers
        internal_error; error=... alone answers HTTP 200 ok=false; drop=True closes the
        connection without a response. `channel` (channel/channel_id) and `user`
        (user/user_id/users, or channel=<user id>) restrict which calls match.
        Failures are used up in the order they were scripted.
        """
        if not (drop or error or status != 200):
            raise ValueError("fail() needs status != 200, error or drop")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._cond:
            self._failures.append(
                _Failure(method, status, error, retry_after, drop, times, channel, user)
            )

    def hide_channel(self, channel: str) -> None:
        """A private channel the bot is not in: chat.getPermalink answers channel_not_found."""
        with self._cond:
            self._hidden.add(channel)

    def slow(self, method: str, seconds: float) -> None:
        """Answer every call of `method` only after `seconds` (0: at once again)."""
        with self._cond:
            self._delays[method] = seconds

    def dm_channel(self, user_id: str) -> str:
        """The DM channel ID that conversations.open returns for `user_id` (stable)."""
        with self._cond:
            return self._dms.setdefault(user_id, f"D{next(self._seq):08d}")

    def response_url(self, kind: str = "commands") -> str:
        """A loopback response_url; posts to it are recorded as method "response_url"."""
        return f"{self.root}/hooks/{kind}/{TEAM_ID}/{next(self._seq)}/{uuid.uuid4().hex}"

    # ---- HTTP plumbing

    def _handle(self, req: _Handler) -> None:
        arrived = time.monotonic()  # before the body is read and parsed: a bigger one costs us
        target = urlsplit(req.path)
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in req.headers.items()}
        if target.path.startswith("/upload/v1/"):
            self._receive_upload(req, target.path.rsplit("/", 1)[-1], body)
            return
        if target.path.startswith("/hooks/"):
            self._record(Call("response_url", json.loads(body or b"{}"), headers, arrived))
            self._reply(req, 200, b"ok", "text/html")
            return
        if not target.path.startswith("/api/"):
            self._reply(req, 404, b"Not Found", "text/plain")
            return

        method = target.path.removeprefix("/api/")
        params: JsonDict = dict(parse_qsl(target.query, keep_blank_values=True))
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/json"):
            params.update(json.loads(body or b"{}"))
        elif content_type.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        self._record(Call(method, params, headers, arrived))
        with self._cond:
            delay = self._delays.get(method, 0.0)
        if delay:
            time.sleep(delay)

        failure = self._take_failure(method, params)
        if failure is not None and failure.drop:
            req.close_connection = True  # no status line at all: the client sees a dead peer
            return
        if failure is not None:
            default = "ratelimited" if failure.status == 429 else "internal_error"
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            error = failure.error or default
            self._reply_json(req, failure.status, {"ok": False, "error": error}, extra)
            return

        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        try:
            self._check_token(method, token)
            impl = self._methods.get(method)
            if impl is None:
                raise SlackError("unknown_method")
            result = impl(params)
        except SlackError as e:
            result = {"ok": False, "error": e.error}
        scopes = {"x-oauth-scopes": ",".join(self.scopes)} if self.scopes is not None else None
        self._reply_json(req, 200, result, scopes)

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher(call)

    def _take_failure(self, method: str, params: JsonDict) -> _Failure | None:
        with self._cond:
            for failure in self._failures:
                if failure.matches(method, params):
                    if failure.times is not None:
                        failure.times -= 1
                        if failure.times == 0:
                            self._failures.remove(failure)
                    return failure
        return None

    def _check_token(self, method: str, token: str | None) -> None:
        expected = self.app_token if method == "apps.connections.open" else self.token
        if expected is None:
            return
        if not token:
            raise SlackError("not_authed")
        if method == "apps.connections.open" and not token.startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        if token != expected:
            raise SlackError("invalid_auth")

    @staticmethod
    def _reply(
        req: _Handler,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        req.send_response(status)
        req.send_header("Content-Type", f"{content_type}; charset=utf-8")
        req.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(body)

    def _reply_json(
        self, req: _Handler, status: int, payload: JsonDict, headers: dict[str, str] | None = None
    ) -> None:
        self._reply(req, status, json.dumps(payload).encode(), "application/json", headers)

    def _receive_upload(self, req: _Handler, file_id: str, body: bytes) -> None:
        with self._cond:
            upload = self.uploads.get(file_id)
            if upload is not None:
                upload.data = body
        if upload is None:
            self._reply(req, 404, b"Not Found", "text/plain")
        else:
            self._reply(req, 200, f"OK - {len(body)}".encode(), "text/plain")

    def _new_ts(self) -> str:
        return f"{int(time.time())}.{next(self._seq):06d}"

    # ---- Web API methods

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_USER_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: JsonDict) -> JsonDict:
        if self.socket_mode is None:
            raise SlackError("fake_has_no_socket_mode_server")
        return {"ok": True, "url": self.socket_mode.issue_url()}

    def _resolve_channel(self, channel: str) -> str:
        # Posting to a user ID lands in (and reports) the bot's DM channel with that user.
        return self.dm_channel(channel) if channel[:1] in ("U", "W") else channel

    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        if not params.get("channel"):
            raise SlackError("channel_not_found")
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackError("no_text")
        channel = self._resolve_channel(str(params["channel"]))
        ts = self._new_ts()
        message: JsonDict = {
            "type": "message",
            "text": params.get("text", ""),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": ts,
        }
        if params.get("blocks"):
            message["blocks"] = _json_param(params["blocks"])
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        metadata = _metadata(params.get("metadata"))
        with self._cond:
            self._messages[(channel, ts)] = message
            if metadata is not None:
                self._metadata[(channel, ts)] = metadata
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _conversations_history(self, params: JsonDict) -> JsonDict:
        """Newest first; `oldest`/`latest` exclusive unless `inclusive`; `limit` (default 100,
        at most 999) with a cursor; message metadata only with include_all_metadata, as Slack.
        A DM needs im:history, a channel channels:history, a private one groups:history."""
        _require(params, "channel")
        channel = str(params["channel"])
        needed = {"D": "im:history", "G": "groups:history"}.get(channel[:1], "channels:history")
        if self.scopes is not None and needed not in self.scopes:
            raise SlackError("missing_scope")
        inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or 9e12)
        limit = min(999, int(params.get("limit") or 100))
        start = int(params.get("cursor") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._cond:
            found = sorted(
                (
                    {
                        **m,
                        **(
                            {"metadata": self._metadata[key]}
                            if with_metadata and key in self._metadata
                            else {}
                        ),
                    }
                    for key, m in self._messages.items()
                    if key[0] == channel
                    and (oldest <= float(key[1]) if inclusive else oldest < float(key[1]))
                    and (float(key[1]) <= latest if inclusive else float(key[1]) < latest)
                ),
                key=lambda m: float(m["ts"]),
                reverse=True,
            )
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _chat_update(self, params: JsonDict) -> JsonDict:
        _require(params, "channel", "ts")
        channel, ts = str(params["channel"]), str(params["ts"])
        with self._cond:
            message = self._messages.get((channel, ts))
            if message is None:
                raise SlackError("message_not_found")
            if "text" in params:
                message["text"] = params["text"]
            if "blocks" in params:
                message["blocks"] = _json_param(params["blocks"])
            message["edited"] = {"user": BOT_USER_ID, "ts": self._new_ts()}
            message = dict(message)
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": message,
        }

    def _chat_delete(self, params: JsonDict) -> JsonDict:
        _require(params, "channel", "ts")
        channel, ts = str(params["channel"]), str(params["ts"])
        with self._cond:
            if self._messages.pop((channel, ts), None) is None:
                raise SlackError("message_not_found")
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        if not params.get("channel"):
            raise SlackError("channel_not_found")
        if not params.get("user"):
            raise SlackError("user_not_in_channel")
        return {"ok": True, "message_ts": self._new_ts()}

    def _chat_get_permalink(self, params: JsonDict) -> JsonDict:
        _require(params, "channel", "message_ts")
        channel, ts = str(params["channel"]), str(params["message_ts"])
        with self._cond:
            if channel in self._hidden:
                raise SlackError("channel_not_found")
        link = f"https://fake-skole.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": params["channel"]}}
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        key = ",".join(sorted(users))
        with self._cond:
            already_open = key in self._dms
        # One user: a DM (D...); several: a multi-person DM, which Slack also keeps stable.
        channel = self.dm_channel(key)
        if len(users) > 1:
            channel = "G" + channel[1:]
        return {
            "ok": True,
            "no_op": already_open,
            "already_open": already_open,
            "channel": {"id": channel},
        }

    def _users_info(self, params: JsonDict) -> JsonDict:
        with self._cond:
            user = self._users.get(str(params.get("user")))
        if user is None:
            raise SlackError("user_not_found")
        return {"ok": True, "user": user}

    def _users_lookup_by_email(self, params: JsonDict) -> JsonDict:
        email = str(params.get("email", "")).lower()
        with self._cond:
            # Slack does not find deactivated users by e-mail (it answers users_not_found).
            found = [
                u
                for u in self._users.values()
                if u["profile"]["email"].lower() == email and not u["deleted"]
            ]
        if not found:
            raise SlackError("users_not_found")
        return {"ok": True, "user": found[0]}

    def _store_view(self, view: JsonDict, view_id: str | None = None) -> JsonDict:
        view_id = view_id or f"V{next(self._seq):08d}"
        stored: JsonDict = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view.get("type", "modal"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.{uuid.uuid4().hex[:8]}",
            "title": view.get("title"),
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        with self._cond:
            self._views[view_id] = stored
        return stored

    def _views_open(self, params: JsonDict) -> JsonDict:
        _require(params, "trigger_id", "view")
        return {"ok": True, "view": self._store_view(_json_param(params["view"]))}

    _views_push = _views_open  # same contract: a trigger_id and a view, answered with the view

    def _views_update(self, params: JsonDict) -> JsonDict:
        _require(params, "view")
        with self._cond:
            if params.get("view_id"):
                current = self._views.get(str(params["view_id"]))
            else:
                external_id = params.get("external_id")
                matches = [v for v in self._views.values() if v["external_id"] == external_id]
                current = matches[0] if external_id and matches else None
        if current is None:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        return {"ok": True, "view": self._store_view(_json_param(params["view"]), current["id"])}

    def _views_publish(self, params: JsonDict) -> JsonDict:
        _require(params, "user_id", "view")
        return {"ok": True, "view": self._store_view(_json_param(params["view"]))}

    def _files_get_upload_url_external(self, params: JsonDict) -> JsonDict:
        _require(params, "filename", "length")
        file_id = f"F{next(self._seq):08d}"
        upload = UploadedFile(file_id, str(params["filename"]), int(params["length"]))
        with self._cond:
            self.uploads[file_id] = upload
        return {"ok": True, "upload_url": f"{self.root}/upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, params: JsonDict) -> JsonDict:
        _require(params, "files")
        files = []
        with self._cond:
            for entry in _json_param(params["files"]):
                upload = self.uploads.get(entry.get("id", ""))
                if upload is None or upload.data is None:
                    raise SlackError("file_not_found")
                upload.title = entry.get("title") or upload.filename
                upload.channel_id = params.get("channel_id")
                files.append(
                    {
                        "id": upload.id,
                        "created": int(time.time()),
                        "name": upload.filename,
                        "title": upload.title,
                        "mimetype": mimetypes.guess_type(upload.filename)[0]
                        or "application/octet-stream",
                        "user": BOT_USER_ID,
                        "size": len(upload.data),
                        "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{upload.id}/"
                        f"{upload.filename}",
                        "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/"
                        f"{upload.id}/{upload.filename}",
                    }
                )
        return {"ok": True, "files": files}

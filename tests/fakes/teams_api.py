"""A loopback fake of the Bot Connector (a Teams service URL) and Microsoft Graph v1.0.

A real HTTP server on 127.0.0.1, so the code under test talks to it through the real Teams SDK
and msgraph-sdk clients. It records every request and can be told to answer the next N
matching requests with an error (403 BotNotInConversationRoster, 404, 429 with Retry-After,
500). People are registered with their Entra object id, Teams id and e-mail; Graph answers
users, managers, group members, app installations and their chats from that table. It is
also the Entra ID authority: POST /{tenant}/oauth2/v2.0/token hands out client-credentials
tokens (JWT-shaped, Graph's with `graph_roles` as the granted application permissions).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    times: int


@dataclass
class FakePerson:
    aad_id: str
    teams_id: str
    email: str
    manager: str | None = None  # the manager's aad id


@dataclass
class FakeTeams:
    people: dict[str, FakePerson] = field(default_factory=dict)  # by aad id
    groups: dict[str, list[str]] = field(default_factory=dict)  # group id -> aad ids
    installable: bool = True  # whether installing the app for a person works
    requests: list[Request] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    installed: set[str] = field(default_factory=set)  # aad ids with the app installed
    # The authority: which app may sign in where, and what Graph permissions it was granted.
    tenant: str = "00000000-0000-0000-0000-0000000000e1"
    client_id: str = "00000000-0000-0000-0000-00000000a99e"
    client_secret: str = "s3cret"
    graph_roles: list[str] = field(
        default_factory=lambda: [
            "User.Read.All",
            "GroupMember.Read.All",
            "TeamsAppInstallation.ReadWriteSelfForUser.All",
            "TeamsActivity.Send",
        ]
    )
    # The Bot Framework's OpenID metadata and signing keys, and a login authority's token
    # endpoint (national clouds; a test signs its own tokens with these keys).
    issuer: str = "https://api.botframework.test"
    jwks: list[JsonDict] = field(default_factory=list)
    tokens_issued: list[JsonDict] = field(default_factory=list)
    delays: list[tuple[re.Pattern[str], float]] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)  # files put in OneDrive

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- set-up -------------------------------------------------------------------------

    def add_person(
        self, aad_id: str, teams_id: str, email: str, manager: str | None = None
    ) -> None:
        self.people[aad_id] = FakePerson(aad_id, teams_id, email, manager)

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests matching `path` (a regex) with this error."""
        body = {"error": {"code": code or f"http{status}", "message": "injected"}}
        self.failures.append(Failure(method, re.compile(path), status, body, headers or {}, times))

    def slow(self, path: str, seconds: float) -> None:
        """Answer requests matching `path` (a regex) only after `seconds`."""
        self.delays.append((re.compile(path), seconds))

    # --- what happened --------------------------------------------------------------------

    def find(self, method: str, path: str) -> list[Request]:
        rx = re.compile(path)
        return [r for r in list(self.requests) if r.method == method and rx.search(r.path)]

    def activities_to(self, conversation_id: str) -> list[JsonDict]:
        """Messages the bot posted (POST) or updated (PUT) in a conversation, oldest first."""
        prefix = f"/v3/conversations/{conversation_id}/activities"
        return [
            r.body
            for r in list(self.requests)
            if r.method in ("POST", "PUT") and r.path.startswith(prefix)
        ]

    def chat_of(self, aad_id: str) -> str:
        return f"19:{aad_id}_bot@unq.gbl.spaces"

    # --- server ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, headers = fake.answer(
                    self.command, self.path, dict(self.headers), raw
                )
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def answer(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(target)
        # msgraph's base URL ends in "/" and its templates start with one: collapse "//".
        path = re.sub(r"/{2,}", "/", unquote(parts.path))
        for pattern, seconds in self.delays:
            if pattern.search(path):
                time.sleep(seconds)
        body: Any = None
        if path.startswith("/upload/"):  # a file put in OneDrive, kept as its bytes
            body = raw
        elif raw and "form-urlencoded" in str(headers.get("Content-Type")):
            body = dict(parse_qsl(raw.decode()))
        elif raw:
            body = json.loads(raw)
        lowered = {k.lower(): v for k, v in headers.items()}  # header names in lower case
        request = Request(method, path, dict(parse_qsl(parts.query)), lowered, body)
        with self._lock:
            self.requests.append(request)
            for failure in self.failures:
                if failure.times > 0 and failure.method == method and failure.path.search(path):
                    failure.times -= 1
                    return failure.status, failure.body, failure.headers
        for route_method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                status, payload = handler(request, *match.groups())
                return status, payload, {}
        return 404, {"error": {"code": "NotFound", "message": path}}, {}

    # --- routes -----------------------------------------------------------------------------

    def _routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("POST", r"/v3/conversations/([^/]+)/activities", self._post_activity),
            ("PUT", r"/v3/conversations/([^/]+)/activities/([^/]+)", self._put_activity),
            ("GET", r"/v3/conversations/([^/]+)/members/([^/]+)", self._member),
            ("GET", r"/v1\.0/users/([^/]+)/manager", self._manager),
            ("GET", r"/v1\.0/users/([^/]+)", self._user),
            ("GET", r"/v1\.0/groups/([^/]+)/members", self._group_members),
            ("POST", r"/v1\.0/users/([^/]+)/teamwork/installedApps", self._install),
            ("GET", r"/v1\.0/users/([^/]+)/teamwork/installedApps", self._installed_apps),
            ("GET", r"/v1\.0/users/([^/]+)/teamwork/installedApps/([^/]+)/chat", self._chat),
            ("POST", r"/v1\.0/users/([^/]+)/teamwork/sendActivityNotification", self._feed),
            ("PUT", r"/upload/([^/]+)", self._upload),
            ("GET", r"/botframework/v1/\.well-known/openidconfiguration", self._openid),
            ("GET", r"/botframework/v1/\.well-known/keys", self._keys),
            ("POST", r"/([^/]+)/oauth2/v2\.0/token", self._token),
        ]

    def _post_activity(self, request: Request, conversation: str) -> tuple[int, Any]:
        return 201, {"id": f"act-{next(self._ids)}"}

    def _put_activity(self, request: Request, conversation: str, activity: str) -> tuple[int, Any]:
        return 200, {"id": activity}

    def _person(self, key: str) -> FakePerson | None:
        key = key.lower()
        return next(
            (p for p in self.people.values() if key in (p.aad_id, p.teams_id, p.email)), None
        )

    def _user_json(self, person: FakePerson) -> JsonDict:
        return {
            "@odata.type": "#microsoft.graph.user",
            "id": person.aad_id,
            "mail": person.email,
            "userPrincipalName": person.email,
        }

    def _member(self, request: Request, conversation: str, member: str) -> tuple[int, Any]:
        person = self._person(member)
        if person is None:
            return 404, {"error": {"code": "MemberNotFoundInConversation"}}
        return 200, {
            "id": person.teams_id,
            "aadObjectId": person.aad_id,
            "email": person.email,
            "userPrincipalName": person.email,
            "name": person.email.split("@")[0],
        }

    def _user(self, request: Request, key: str) -> tuple[int, Any]:
        person = self._person(key)
        if person is None:
            return 404, {"error": {"code": "Request_ResourceNotFound", "message": key}}
        body = self._user_json(person)
        if "manager" in request.query.get("$expand", ""):
            boss = self.people.get(person.manager or "")
            if boss is not None:
                body["manager"] = self._user_json(boss)
        return 200, body

    def _manager(self, request: Request, key: str) -> tuple[int, Any]:
        person = self._person(key)
        boss = self.people.get(person.manager or "") if person else None
        if boss is None:
            return 404, {"error": {"code": "Request_ResourceNotFound", "message": "manager"}}
        return 200, self._user_json(boss)

    def _group_members(self, request: Request, group: str) -> tuple[int, Any]:
        if group not in self.groups:
            return 404, {"error": {"code": "Request_ResourceNotFound", "message": group}}
        return 200, {"value": [self._user_json(self.people[a]) for a in self.groups[group]]}

    def _install(self, request: Request, key: str) -> tuple[int, Any]:
        if not self.installable:
            return 403, {"error": {"code": "Forbidden", "message": "app not allowed"}}
        if key in self.installed:
            return 409, {"error": {"code": "Conflict", "message": "already installed"}}
        self.installed.add(key)
        return 201, None

    def _installed_apps(self, request: Request, key: str) -> tuple[int, Any]:
        if key not in self.installed:
            return 200, {"value": []}
        return 200, {"value": [{"id": f"inst-{key}", "teamsApp": {"id": "catalog-app"}}]}

    def _chat(self, request: Request, key: str, installation: str) -> tuple[int, Any]:
        return 200, {"id": self.chat_of(key), "chatType": "oneOnOne"}

    def _feed(self, request: Request, key: str) -> tuple[int, Any]:
        return 204, None

    def _openid(self, request: Request) -> tuple[int, Any]:
        return 200, {
            "issuer": self.issuer,
            "jwks_uri": f"{self.url}/botframework/v1/.well-known/keys",
        }

    def _keys(self, request: Request) -> tuple[int, Any]:
        return 200, {"keys": self.jwks}

    def _token(self, request: Request, tenant: str) -> tuple[int, Any]:
        """Entra ID's client-credentials grant, with its real error shapes (AADSTS codes)."""
        form = request.body or {}
        if tenant != self.tenant:
            return 400, {
                "error": "invalid_request",
                "error_description": f"AADSTS90002: Tenant '{tenant}' not found.",
            }
        if form.get("client_id") != self.client_id:
            return 400, {
                "error": "unauthorized_client",
                "error_description": "AADSTS700016: Application not found in the directory.",
            }
        if form.get("client_secret") != self.client_secret:
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
            }
        scope = str(form.get("scope", ""))
        claims: JsonDict = {
            "iss": f"{self.url}/{tenant}/v2.0",
            "tid": tenant,
            "aud": scope,
            "appid": self.client_id,
            "exp": int(time.time()) + 3600,
            "n": len(self.tokens_issued) + 1,
        }
        if "botframework" not in scope:  # Graph (its root is the fake's URL in tests)
            claims["roles"] = list(self.graph_roles)
        token = jwt.encode(claims, "fake-authority-signing-secret-0123456789", "HS256")
        self.tokens_issued.append({"tenant": tenant, "scope": scope, "token": token})
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
    def _upload(self, request: Request, name: str) -> tuple[int, Any]:
        """OneDrive's upload session URL from a file consent (one PUT with the whole file)."""
        self.uploads[name] = request.body or b""
        return 201, {"id": f"drive-{name}", "name": name, "size": len(self.uploads[name])}

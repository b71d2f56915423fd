"""Who may talk to the bot, and how the bot gets its own tokens: both from configurable hosts.

Inbound: every POST to /api/messages carries a token signed by the Bot Framework. The signing
keys come from the OpenID metadata at `BOT_OPENID_METADATA` (national clouds use other hosts),
fetched with an async client in the background and cached: a token whose key id is known is
checked at once, without waiting for anything (no lock, no fetch), so a slow key host or a
flood of made-up key ids never holds up a valid request. An unknown key id waits for the one
refetch in flight, started at most once a minute. The issuer is the metadata's own.

What a valid token admits is narrower still (`admit`): only Teams (`channelId` "msteams"), only
the configured tenant, and a serviceUrl that is the one the token was signed for (with auth off,
one of Teams' exact hosts or loopback).

Outbound: a client-credentials token from `LOGIN_AUTHORITY` (login.microsoftonline.com, or a
national cloud's) for the Bot Connector and for Graph, cached until shortly before it expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from azure.core.credentials import AccessToken

log = logging.getLogger("meldefra.teams.auth")
PUBLIC_OPENID_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
PUBLIC_LOGIN_AUTHORITY = "https://login.microsoftonline.com"
TEAMS_CHANNEL = "msteams"
# The Bot Connector's hosts for Teams, exactly (public cloud, GCC, GCC High, DoD): a serviceUrl
# elsewhere is not Teams. A suffix such as .trafficmanager.net would admit anyone's Azure
# Traffic Manager profile.
TEAMS_SERVICE_HOSTS = frozenset(
    {
        "smba.trafficmanager.net",
        "smba.infra.gcc.teams.microsoft.com",
        "smba.infra.gov.teams.microsoft.us",
        "smba.infra.dod.teams.microsoft.us",
    }
)
KEYS_TTL = 24 * 3600.0
REFETCH_EVERY = 60.0  # an unknown key id fetches the keys again at most this often
RETRY_WITHOUT_KEYS = 5.0  # ... and this often while no key was ever had (the host was down)
LEEWAY = 300  # clock skew Bot Framework allows


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def trusted_service_url(url: str | None, *, allow_loopback: bool) -> bool:
    """Whether a serviceUrl is a Bot Connector we may ask about people and send to."""
    if not url:
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if allow_loopback and parts.scheme in ("http", "https") and is_loopback(host):
        return True
    return parts.scheme == "https" and host in TEAMS_SERVICE_HOSTS and parts.port in (None, 443)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The request's Bearer token when it is shaped like a JWT (three base64url parts)."""
    value = headers.get("authorization") or ""
    if not value.startswith("Bearer "):
        return None
    token = value.removeprefix("Bearer ").strip()
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]) or len(token) > 16 * 1024:
        return None
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return token if all(set(p) <= allowed for p in parts) else None


def tenant_ids(activity: Mapping[str, Any]) -> set[str]:
    """The tenants an activity names (its conversation's and its channelData's)."""
    found = set()
    conversation = activity.get("conversation")
    if isinstance(conversation, dict) and conversation.get("tenantId"):
        found.add(str(conversation["tenantId"]))
    data = activity.get("channelData")
    tenant = data.get("tenant") if isinstance(data, dict) else None
    if isinstance(tenant, dict) and tenant.get("id"):
        found.add(str(tenant["id"]))
    return found


def admit(activity: Mapping[str, Any], *, tenant: str | None, local: bool) -> str | None:
    """Why an activity is refused (a short reason for the log), or None when it is admitted.

    Only Teams and only the configured tenant; with inbound auth off (`local`), only Teams'
    own hosts or loopback as the serviceUrl. A tenant is required unless `local` and none is
    configured (the Agents Playground)."""
    if activity.get("channelId") != TEAMS_CHANNEL:
        return "channel"
    named = tenant_ids(activity)
    if tenant is not None and named != {tenant}:
        return "tenant"
    if tenant is None and not local:
        return "tenant"
    url = activity.get("serviceUrl")
    if local and not trusted_service_url(
        url if isinstance(url, str) else None, allow_loopback=True
    ):
        return "service_url"
    return None


class BotTokenValidator:
    """Validates the Bot Framework's inbound tokens (the SDK's validator interface)."""

    def __init__(
        self,
        app_id: str,
        metadata_url: str,
        *,
        client: httpx.AsyncClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.audiences = [app_id, f"api://{app_id}", f"api://botid-{app_id}"]
        self.metadata_url = metadata_url
        self.client = client or httpx.AsyncClient(timeout=10)
        self.monotonic = monotonic
        self.issuer: str | None = None
        self.keys: dict[str, Any] = {}
        self._fetched_at = -1e9  # when the last fetch started (successful or not)
        self._fetching: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        task, self._fetching = self._fetching, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _fetch_in_background(self) -> asyncio.Task[None]:
        """The fetch in flight, or a new one: never two at once."""
        if self._fetching is None or self._fetching.done():
            self._fetched_at = self.monotonic()  # also on failure: no fetch storm
            self._fetching = asyncio.create_task(self._fetch())
        return self._fetching

    async def _fetch(self) -> None:
        try:
            meta = (await self.client.get(self.metadata_url)).raise_for_status().json()
            jwks = (await self.client.get(meta["jwks_uri"])).raise_for_status().json()
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("Bot Framework signing keys unavailable: %s", type(exc).__name__)
            return
        keys = {}
        for key in jwks.get("keys", []) if isinstance(jwks, dict) else []:
            try:
                keys[key["kid"]] = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
            except (KeyError, TypeError, ValueError, jwt.InvalidKeyError):
                continue
        if keys:  # a key host answering nothing usable keeps the keys we have
            self.keys, self.issuer = keys, meta.get("issuer")

    async def _key_for(self, kid: str) -> Any:
        age = self.monotonic() - self._fetched_at
        key = self.keys.get(kid)
        if key is not None:
            if age >= KEYS_TTL:
                self._fetch_in_background()  # served from the cache meanwhile
            return key
        # An unknown key id (a key rollover, or garbage): wait for the one fetch in flight,
        # or start one if the last is more than a minute old; requests whose key is known
        # never wait behind it.
        if self._fetching is not None and not self._fetching.done():
            await asyncio.shield(self._fetching)
        elif age >= (REFETCH_EVERY if self.keys else RETRY_WITHOUT_KEYS):
            await asyncio.shield(self._fetch_in_background())
        return self.keys.get(kid)

    async def verify(self, raw_token: str) -> dict[str, Any]:
        """The token's claims when it is signed by a current key for this bot; raises
        jwt.InvalidTokenError."""
        header = jwt.get_unverified_header(raw_token)  # raises on garbage, costs nothing
        key = await self._key_for(str(header.get("kid") or ""))
        if key is None or not self.issuer:
            raise jwt.InvalidTokenError("unknown signing key")
        claims: dict[str, Any] = jwt.decode(
            raw_token,
            key,
            algorithms=["RS256"],
            audience=self.audiences,
            issuer=self.issuer,
            leeway=LEEWAY,
            options={"require": ["exp", "aud", "iss"]},
        )
        return claims

    @staticmethod
    def check_service_url(claims: Mapping[str, Any], service_url: str | None) -> None:
        claimed = str(claims.get("serviceurl") or "").rstrip("/")
        if not service_url or claimed != service_url.rstrip("/"):
            raise jwt.InvalidTokenError("serviceUrl does not match the token")

    async def validate_token(
        self, raw_token: str, service_url: str | None = None
    ) -> dict[str, Any]:
        """The token's claims; raises jwt.InvalidTokenError."""
        claims = await self.verify(raw_token)
        self.check_service_url(claims, service_url)
        return claims


class ClientSecretToken:
    """App-only tokens (client credentials) from a configurable login authority.

    Callable as the Teams SDK's token provider (scope, tenant) and usable as an async
    azure-core credential for msgraph (`get_token`)."""

    def __init__(
        self,
        authority: str,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.authority = authority.rstrip("/")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.client = client or httpx.AsyncClient(timeout=15)
        self._cache: dict[tuple[str, str], AccessToken] = {}

    async def token(self, scope: str, tenant_id: str | None = None) -> AccessToken:
        tenant = tenant_id if tenant_id and tenant_id != "botframework.com" else self.tenant_id
        cached = self._cache.get((scope, tenant))
        if cached and cached.expires_on - 300 > time.time():
            return cached
        response = await self.client.post(
            f"{self.authority}/{tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "scope": scope,
            },
        )
        response.raise_for_status()
        body = response.json()
        token = AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))
        self._cache[(scope, tenant)] = token
        return token

    async def __call__(self, scope: str | Iterable[str], tenant_id: str | None = None) -> str:
        name = scope if isinstance(scope, str) else " ".join(scope)
        return (await self.token(name, tenant_id)).token

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return await self.token(" ".join(scopes), kwargs.get("tenant_id"))

    async def close(self) -> None:
        pass

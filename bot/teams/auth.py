"""Who may talk to the bot, and how the bot gets its own tokens: both from configurable hosts.

Inbound: every POST to /api/messages carries a token signed by the Bot Framework. The signing
keys come from the OpenID metadata at `BOT_OPENID_METADATA` (national clouds use other hosts),
fetched with an async client and cached, so validating never blocks the event loop: a flood of
bogus tokens costs a header parse each, and an unknown key id refetches the keys at most once a
minute (one fetch shared by every waiting request). The issuer is the metadata's own.

Outbound: a client-credentials token from `LOGIN_AUTHORITY` (login.microsoftonline.com, or a
national cloud's) for the Bot Connector and for Graph, cached until shortly before it expires.

`trusted_service_url` decides whether a request's serviceUrl may be asked who the sender is:
only Microsoft's Teams hosts, and loopback when inbound auth is off (local testing).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from azure.core.credentials import AccessToken

log = logging.getLogger("meldefra.teams.auth")
PUBLIC_OPENID_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
PUBLIC_LOGIN_AUTHORITY = "https://login.microsoftonline.com"
# Where the Bot Connector lives (public cloud, GCC High/DoD, China): a serviceUrl elsewhere is
# not Teams.
TEAMS_HOST_SUFFIXES = (
    ".trafficmanager.net",
    ".botframework.com",
    ".botframework.us",
    ".botframework.azure.us",
    ".botframework.azure.cn",
    ".teams.microsoft.com",
    ".teams.microsoft.us",
    ".infra.lync.com",
)
KEYS_TTL = 24 * 3600.0
REFETCH_EVERY = 60.0  # an unknown key id fetches the keys again at most this often
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
    return parts.scheme == "https" and host.endswith(TEAMS_HOST_SUFFIXES)


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
        self._fetched_at = -1e9
        self._lock = asyncio.Lock()

    async def _refresh(self, *, unknown_kid: bool) -> None:
        async with self._lock:  # one fetch for every request waiting on it
            age = self.monotonic() - self._fetched_at
            if age < (REFETCH_EVERY if unknown_kid else KEYS_TTL):
                return
            self._fetched_at = self.monotonic()  # also on failure: no fetch storm
            try:
                meta = (await self.client.get(self.metadata_url)).raise_for_status().json()
                jwks = (await self.client.get(meta["jwks_uri"])).raise_for_status().json()
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                log.warning("Bot Framework signing keys unavailable: %s", type(exc).__name__)
                return
            keys = {}
            for key in jwks.get("keys", []):
                try:
                    keys[key["kid"]] = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
                except (KeyError, ValueError, jwt.InvalidKeyError):
                    continue
            self.keys, self.issuer = keys, meta.get("issuer")

    async def validate_token(
        self, raw_token: str, service_url: str | None = None
    ) -> dict[str, Any]:
        """The token's claims; raises jwt.InvalidTokenError."""
        header = jwt.get_unverified_header(raw_token)  # raises on garbage, costs nothing
        kid = str(header.get("kid") or "")
        await self._refresh(unknown_kid=False)
        if kid not in self.keys:
            await self._refresh(unknown_kid=True)
        key = self.keys.get(kid)
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
        claimed = str(claims.get("serviceurl") or "").rstrip("/")
        if not service_url or claimed != service_url.rstrip("/"):
            raise jwt.InvalidTokenError("serviceUrl does not match the token")
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

"""Maskinporten: an access token for Fiks IO through the JWT grant (RFC 7523).

The assertion is signed (RS256) with the municipality's key: `kid` when the key is registered
on the Maskinporten client, else the virksomhetssertifikat in `x5c`. The token is kept until
shortly before it expires; `invalidate` (after a 401) fetches a new one at the next call.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable

import httpx
import jwt
from cryptography.hazmat.primitives import serialization

from bot.fiks.keys import KeyPair

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_SECONDS = 100  # Maskinporten accepts at most 120 s between iat and exp
MARGIN = 30.0  # a token is renewed this long before it expires


class TokenError(Exception):
    """No token: `status` is Maskinporten's HTTP status (0 when it could not be reached)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"maskinporten {status}: {reason}")
        self.status = status
        self.reason = reason


class Maskinporten:
    def __init__(
        self,
        url: str,
        client_id: str,
        keys: KeyPair,
        *,
        scope: str = "ks:fiks",
        key_id: str | None = None,
        http: httpx.Client | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.issuer = url if url.endswith("/") else url + "/"
        self.client_id = client_id
        self.keys = keys
        self.scope = scope
        self.key_id = key_id
        self.http = http or httpx.Client(timeout=20.0)
        self.clock = clock or time.time
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def assertion(self) -> str:
        now = int(self.clock())
        claims = {
            "aud": self.issuer,
            "iss": self.client_id,
            "scope": self.scope,
            "iat": now,
            "exp": now + ASSERTION_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        headers: dict[str, object] = {"alg": "RS256"}
        if self.key_id:
            headers["kid"] = self.key_id
        else:
            der = self.keys.certificate.public_bytes(serialization.Encoding.DER)
            headers["x5c"] = [base64.b64encode(der).decode("ascii")]
        return jwt.encode(claims, self.keys.key, algorithm="RS256", headers=headers)

    def token(self) -> str:
        with self._lock:
            if self._token is not None and self.clock() < self._expires - MARGIN:
                return self._token
            try:
                response = self.http.post(
                    self.issuer + "token",
                    data={"grant_type": GRANT, "assertion": self.assertion()},
                )
            except httpx.HTTPError as exc:
                raise TokenError(0, type(exc).__name__) from None
            if response.status_code != 200:
                raise TokenError(response.status_code, _reason(response))
            body = response.json()
            self._token = str(body["access_token"])
            self._expires = self.clock() + float(body.get("expires_in", 120))
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    return str(body.get("error_description") or body.get("error") or response.reason_phrase)[:200]

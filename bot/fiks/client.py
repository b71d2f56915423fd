"""The Fiks IO HTTP API: the catalogue (an account, its public key) and the send API.

Every call carries Maskinporten's token and our integration's id and password (as KS's clients
do); a 401 gets one fresh token and one more try (a token can expire between our check and
Fiks IO's). The archive's certificate is kept an hour: it changes rarely, and a message
encrypted for a replaced key fails at the archive with a feilmelding, which we read.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography import x509

from bot.fiks.maskinporten import Maskinporten

SEND_PATH = "/fiks-io/api/v1/send"
CATALOG_PATH = "/fiks-io/katalog/api/v1/kontoer"
KEY_CACHE_SECONDS = 3600.0
TTL_MS = 7 * 24 * 3600 * 1000  # a message the archive has not read in a week expires


class FiksHttpError(Exception):
    def __init__(self, status: int, reason: str, retry_after: str | None = None) -> None:
        super().__init__(f"fiks io {status}: {reason}")
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class Sent:
    melding_id: str
    message_type: str


class FiksIO:
    def __init__(
        self,
        url: str,
        integration_id: str,
        integration_password: str,
        maskinporten: Maskinporten,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url.rstrip("/")
        self.integration_id = integration_id
        self.integration_password = integration_password
        self.maskinporten = maskinporten
        self.http = http or httpx.Client(timeout=60.0)
        self.clock = clock
        self._keys: dict[str, tuple[float, x509.Certificate]] = {}
        self._lock = threading.Lock()

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.maskinporten.token()}",
            "IntegrasjonId": self.integration_id,
            "IntegrasjonPassord": self.integration_password,
        }

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, self.url + path, headers=self._headers(), **kwargs)
        if response.status_code == 401:
            self.maskinporten.invalidate()
            response = self.http.request(method, self.url + path, headers=self._headers(), **kwargs)
        if response.status_code >= 400:
            raise FiksHttpError(
                response.status_code, response.text[:200], response.headers.get("Retry-After")
            )
        return response

    def account(self, account_id: str) -> dict[str, Any]:
        """The catalogue's entry for an account (kontoId, kontoNavn, fiksOrgNavn …)."""
        return dict(self._call("GET", f"{CATALOG_PATH}/{account_id}").json())

    def public_key(self, account_id: str) -> x509.Certificate:
        """The account's certificate, for encrypting what we send it."""
        with self._lock:
            cached = self._keys.get(account_id)
            if cached is not None and self.clock() - cached[0] < KEY_CACHE_SECONDS:
                return cached[1]
        body = self._call("GET", f"{CATALOG_PATH}/{account_id}/offentligNokkel").json()
        cert = x509.load_pem_x509_certificate(str(body["nokkel"]).encode("ascii"))
        with self._lock:
            self._keys[account_id] = (self.clock(), cert)
        return cert

    def forget_key(self, account_id: str) -> None:
        with self._lock:
            self._keys.pop(account_id, None)

    def send(
        self,
        *,
        sender: str,
        receiver: str,
        message_type: str,
        payload: bytes,
        headers: Mapping[str, str] | None = None,
        reply_to: str | None = None,
    ) -> Sent:
        """POST the message: multipart `metadata` (JSON) and `data` (the encrypted payload)."""
        metadata: dict[str, Any] = {
            "avsenderKontoId": sender,
            "mottakerKontoId": receiver,
            "meldingType": message_type,
            "ttl": TTL_MS,
            "headere": dict(headers or {}),
        }
        if reply_to:
            metadata["svarPaMelding"] = reply_to
        files = {
            "metadata": (None, json.dumps(metadata).encode("utf-8"), "application/json"),
            "data": (str(uuid.uuid4()), payload, "application/octet-stream"),
        }
        body = self._call("POST", SEND_PATH, files=files).json()
        return Sent(str(body["meldingId"]), str(body.get("meldingType", message_type)))

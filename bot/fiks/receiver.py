"""The archive's replies: our Fiks IO account's AMQP queue (fiksio.konto.<account>).

Each message has headers `melding-id`, `type`, `avsender-id` and `svar-til` (the message it
answers) and, unless it is a bare mottatt, an encrypted ASiC-E body. A reply is acknowledged
only after its record is committed; a database hiccup puts it back on the queue (after a
pause), so none is lost, and a reply that comes twice is recorded once (journal.record_reply).
A reply we cannot read is logged and acknowledged: it will not become readable by coming
back. A reply for no journalpost of ours is put back for a short while first: the archive can
answer before our own record of the send has committed (the send API's answer and the
archive's reply race), and only after `unknown_grace` seconds is it dropped as unknown.

Fiks IO's broker takes the integration id as user name and "<password> <Maskinporten token>"
as password; a URL with its own user (a local broker) is used as it is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pika
import pika.exceptions

from bot.delivery import describe
from bot.fiks.config import FiksSettings
from bot.fiks.container import BadContainer, open_payload
from bot.fiks.keys import KeyPair
from bot.fiks.maskinporten import Maskinporten, TokenError
from handlers.archive import arkivmelding as am
from handlers.archive import journal
from handlers.services import Services

log = logging.getLogger("meldefra.fiks")


def queue_name(account: str) -> str:
    return f"fiksio.konto.{account}"


def _header(headers: dict[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class Receiver:
    def __init__(
        self,
        services: Services,
        settings: FiksSettings,
        keys: KeyPair,
        maskinporten: Maskinporten,
        *,
        on_reply: Callable[[str], None] | None = None,
        unknown_grace: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.services = services
        self.settings = settings
        self.keys = keys
        self.maskinporten = maskinporten
        self.on_reply = on_reply
        self.counts: Counter[str] = Counter()  # outcome → how many (metrics)
        self.connected = threading.Event()
        self.unknown_grace = unknown_grace
        self.clock = clock
        self._unknown_since: dict[str, float] = {}  # melding-id → when first seen unknown

    def parameters(self) -> pika.URLParameters:
        params = pika.URLParameters(self.settings.amqp_url)
        if not urlparse(self.settings.amqp_url).username:
            password = f"{self.settings.integration_password} {self.maskinporten.token()}"
            params.credentials = pika.PlainCredentials(self.settings.integration_id, password)
        params.heartbeat = 30
        params.connection_attempts = 1
        return params

    def handle(self, body: bytes, headers: dict[str, Any]) -> str:
        """Record one reply; returns the outcome (journal.record_reply's, or unreadable)."""
        message_type = _header(headers, "type") or ""
        melding_id = _header(headers, "melding-id") or ""
        try:
            files = open_payload(body, self.keys) if body else {}
            reply = journal.Reply(message_type, melding_id, _header(headers, "svar-til"), files)
            return journal.record_reply(self.services, reply)
        except (BadContainer, am.InvalidMessage) as exc:
            log.warning("archive reply %s (%s) unreadable: %s", melding_id, message_type, exc)
            return "unreadable"

    def _wait_for(self, headers: dict[str, Any]) -> bool:
        """True while an unknown reply is young enough to be put back and tried again."""
        melding_id = _header(headers, "melding-id") or ""
        first = self._unknown_since.setdefault(melding_id, self.clock())
        if self.clock() - first < self.unknown_grace:
            return True
        self._unknown_since.pop(melding_id, None)
        return False

    def run_forever(self, stop: threading.Event, max_pause: float = 60.0) -> None:
        failures = 0
        while not stop.is_set():
            try:
                self._consume(stop)
                failures = 0
            except (pika.exceptions.AMQPError, TokenError, OSError) as exc:
                self.connected.clear()
                failures += 1
                pause = min(max_pause, 2.0 ** (failures - 1))
                log.warning("fiks io replies: %s; connecting again in %.0fs", describe(exc), pause)
                stop.wait(pause)

    def _consume(self, stop: threading.Event) -> None:
        connection = pika.BlockingConnection(self.parameters())
        try:
            channel = connection.channel()
            channel.basic_qos(prefetch_count=10)
            self.connected.set()
            queue = queue_name(self.settings.account)
            for method, properties, body in channel.consume(queue, inactivity_timeout=0.5):
                if stop.is_set():
                    break
                if method is None:
                    continue
                try:
                    outcome = self.handle(body or b"", dict(properties.headers or {}))
                except Exception as exc:  # noqa: BLE001 - the database: put it back, pause
                    log.error("fiks io reply not recorded (%s); back on the queue", describe(exc))
                    stop.wait(1.0)
                    channel.basic_nack(method.delivery_tag, requeue=True)
                    continue
                if outcome == "unknown" and self._wait_for(properties.headers or {}):
                    stop.wait(0.2)
                    channel.basic_nack(method.delivery_tag, requeue=True)
                    continue
                channel.basic_ack(method.delivery_tag)
                self.counts[outcome] += 1
                if self.on_reply is not None:
                    self.on_reply(outcome)
            channel.cancel()
        finally:
            self.connected.clear()
            if connection.is_open:
                connection.close()

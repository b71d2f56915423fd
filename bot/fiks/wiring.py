"""Fiks IO's parts for `serve`: the outbox sender and the replies' thread, from the settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from bot.fiks.client import FiksIO
from bot.fiks.config import FiksSettings
from bot.fiks.keys import KeyPair, load
from bot.fiks.maskinporten import Maskinporten
from bot.fiks.receiver import Receiver
from bot.fiks.sender import FiksSender
from handlers.services import Services


@dataclass
class Fiks:
    settings: FiksSettings
    keys: KeyPair  # our account's key: decrypts replies
    signer: KeyPair  # Maskinporten's key: the token and the container's signature
    maskinporten: Maskinporten
    client: FiksIO

    def sender(self, services: Services) -> FiksSender:
        return FiksSender(services, self.settings, self.client, self.signer)

    def receiver(self, services: Services, **options: Any) -> Receiver:
        return Receiver(services, self.settings, self.keys, self.maskinporten, **options)

    def start_receiver(self, services: Services, stop: threading.Event, **options: Any) -> Receiver:
        receiver = self.receiver(services, **options)
        threading.Thread(
            target=receiver.run_forever, args=(stop,), name="fiks-replies", daemon=True
        ).start()
        return receiver


def connect(settings: FiksSettings) -> Fiks:
    keys = load(settings.private_key)
    signer = load(settings.maskinporten_key) if settings.maskinporten_key else keys
    maskinporten = Maskinporten(
        settings.maskinporten_url,
        settings.client_id,
        signer,
        scope=settings.scope,
        key_id=settings.maskinporten_key_id,
    )
    client = FiksIO(
        settings.api_url, settings.integration_id, settings.integration_password, maskinporten
    )
    return Fiks(settings, keys, signer, maskinporten, client)

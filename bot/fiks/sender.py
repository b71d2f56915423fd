"""The outbox sender for journalposter: build the arkivmelding, seal it, send it on Fiks IO.

Errors, as the outbox worker understands them: Fiks IO or Maskinporten unreachable, 5xx, 429,
or our credentials refused (401/403: fixed by the operator, and the journalpost must wait, not
fail) → RetryLater; a message Fiks IO refuses as such (other 4xx) or one that fails our own
schema check → PermanentFailure, which records the journalpost as failed and tells rektor.
A journalpost whose saksmappe has no kvittering yet waits (RetryLater) so the archive always
has the folder before its journalposter.
"""

from __future__ import annotations

import logging

import httpx

from bot.delivery import PermanentFailure, RetryLater
from bot.fiks.client import FiksHttpError, FiksIO
from bot.fiks.config import FiksSettings
from bot.fiks.container import seal
from bot.fiks.keys import KeyPair
from bot.fiks.maskinporten import TokenError
from handlers.archive import arkivmelding as am
from handlers.archive import journal
from handlers.delivery import Pending
from handlers.services import Services

log = logging.getLogger("meldefra.fiks")

WAIT_FOR_FOLDER = 30.0  # seconds between looks for the saksmappe's kvittering
WAIT_STATUSES = (401, 403, 408, 425, 429)


class FiksSender:
    platform = journal.PLATFORM

    def __init__(
        self, services: Services, settings: FiksSettings, fiks: FiksIO, signer: KeyPair
    ) -> None:
        self.services = services
        self.settings = settings
        self.fiks = fiks
        self.signer = signer

    def deliver(self, item: Pending) -> str | None:
        if item.kind != journal.KIND:
            raise PermanentFailure("fiks_not_a_journalpost")
        try:
            message = journal.build(
                self.services,
                str(item.data["ref"]),
                int(item.data["seq"]),
                str(item.data.get("journal") or "") or None,
            )
        except journal.NotYet:
            raise RetryLater("saksmappe_not_yet", after=WAIT_FOR_FOLDER) from None
        except journal.Answered as answered:
            # A send after a crash: the archive's reply came first, nothing to send again.
            return answered.melding_id
        except journal.Gone:
            raise PermanentFailure("journalpost_gone") from None
        except am.InvalidMessage as exc:
            log.error("arkivmelding fails the schema, not sent: %s", str(exc)[:300])
            raise PermanentFailure("arkivmelding_invalid") from None
        try:
            cert = self.fiks.public_key(self.settings.archive_account)
            payload = seal(message.files, self.signer, cert)
            sent = self.fiks.send(
                sender=self.settings.account,
                receiver=self.settings.archive_account,
                message_type=message.message_type,
                payload=payload,
                headers={"klientMeldingId": message.klient_melding_id},
            )
        except TokenError as exc:
            raise RetryLater(f"maskinporten_{exc.status}") from None
        except FiksHttpError as exc:
            if exc.status >= 500 or exc.status in WAIT_STATUSES:
                raise RetryLater(f"fiks_io_{exc.status}", after=exc.retry_after) from None
            raise PermanentFailure(f"fiks_io_{exc.status}") from None
        except httpx.HTTPError as exc:
            raise RetryLater(f"fiks_io_{type(exc).__name__}") from None
        journal.sent(self.services, message.journalpost_id, sent.melding_id)
        return sent.melding_id

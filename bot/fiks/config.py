"""Fiks IO and Maskinporten settings from the environment (documented in README.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REQUIRED = (
    "FIKS_IO_URL",
    "FIKS_IO_AMQP_URL",
    "FIKS_IO_ACCOUNT",
    "FIKS_IO_INTEGRATION_ID",
    "FIKS_IO_INTEGRATION_PASSWORD",
    "FIKS_IO_PRIVATE_KEY",
    "MASKINPORTEN_URL",
    "MASKINPORTEN_CLIENT_ID",
)


class MissingFiksSettings(ValueError):
    """FIKS_ARKIV_ACCOUNT is set but not everything Fiks IO needs."""

    def __init__(self, names: list[str]) -> None:
        super().__init__("Fiks Arkiv needs " + ", ".join(names))
        self.names = names


@dataclass(frozen=True)
class FiksSettings:
    api_url: str  # FIKS_IO_URL, e.g. https://api.fiks.ks.no
    amqp_url: str  # FIKS_IO_AMQP_URL, e.g. amqps://io.fiks.ks.no:5671
    account: str  # FIKS_IO_ACCOUNT: our Fiks IO account (its queue holds the replies)
    integration_id: str
    integration_password: str
    private_key: Path  # FIKS_IO_PRIVATE_KEY: PEM of our account's key (decrypts replies)
    maskinporten_url: str  # MASKINPORTEN_URL: the issuer, e.g. https://maskinporten.no/
    client_id: str  # MASKINPORTEN_CLIENT_ID
    archive_account: str  # FIKS_ARKIV_ACCOUNT: the archive's Fiks IO account
    # Optional: the Maskinporten key (virksomhetssertifikat or the client's own key) when it is
    # not the account's key, and the key's id when registered on the client (else the PEM's
    # certificate goes in x5c).
    maskinporten_key: Path | None = None
    maskinporten_key_id: str | None = None
    scope: str = "ks:fiks"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> FiksSettings | None:
        """The settings, or None when FIKS_ARKIV_ACCOUNT is unset (no journalføring)."""
        e = dict(os.environ if env is None else env)

        def get(name: str) -> str:
            return e.get(name, "").strip()

        if not get("FIKS_ARKIV_ACCOUNT"):
            return None
        missing = [name for name in REQUIRED if not get(name)]
        if missing:
            raise MissingFiksSettings(missing)
        key = get("MASKINPORTEN_KEY")
        return cls(
            api_url=get("FIKS_IO_URL").rstrip("/"),
            amqp_url=get("FIKS_IO_AMQP_URL"),
            account=get("FIKS_IO_ACCOUNT"),
            integration_id=get("FIKS_IO_INTEGRATION_ID"),
            integration_password=get("FIKS_IO_INTEGRATION_PASSWORD"),
            private_key=Path(get("FIKS_IO_PRIVATE_KEY")),
            maskinporten_url=get("MASKINPORTEN_URL"),
            client_id=get("MASKINPORTEN_CLIENT_ID"),
            archive_account=get("FIKS_ARKIV_ACCOUNT"),
            maskinporten_key=Path(key) if key else None,
            maskinporten_key_id=get("MASKINPORTEN_KEY_ID") or None,
        )

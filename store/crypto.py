"""Optional encryption at rest of the free text (case_texts.body), with Fernet keys.

The keys are given by the operator (MELDEFRA_ENCRYPTION_KEY, read in bot/config.py) and
handed to the session factory; the store finds them in `session.info`. New text is sealed
with the first key; every listed key opens old text. Rotating is therefore: put the new key
first, run `meldefra keys rotate` (re-seals every text with it), then drop the old key.

The hash chain holds the digest of the plaintext, so it verifies whether or not a text is
sealed, and after rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import CaseText

KEYRING = "meldefra.keyring"


class SealedTextError(RuntimeError):
    """A sealed text cannot be opened: no key configured, or none of the keys fits."""


class BadKey(ValueError):
    """MELDEFRA_ENCRYPTION_KEY does not hold Fernet keys."""


class Keyring:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise BadKey("MELDEFRA_ENCRYPTION_KEY is empty")
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode("ascii")) for key in keys])
            self._raw = [base64.urlsafe_b64decode(key.strip().encode("ascii")) for key in keys]
        except (ValueError, UnicodeEncodeError) as exc:
            raise BadKey(
                "MELDEFRA_ENCRYPTION_KEY must hold Fernet keys (32 url-safe base64 bytes), "
                "comma-separated; make one with `meldefra keys new`"
            ) from exc

    @classmethod
    def parse(cls, text: str) -> Keyring:
        return cls([k for k in text.split(",") if k.strip()])

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SealedTextError(
                "a sealed case text cannot be opened with the configured keys"
            ) from None

    def derive(self, purpose: bytes) -> list[bytes]:
        """Keys for another use (the directory's names and search index), derived from each
        key, the first key's first: rotating the keys rotates them too."""
        return [hmac.new(raw, purpose, hashlib.sha256).digest() for raw in self._raw]

    def reseal(self, token: str) -> str:
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def seal_bytes(self, data: bytes) -> str:
        return self._fernet.encrypt(data).decode("ascii")

    def open_bytes(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except InvalidToken:
            raise SealedTextError("sealed data cannot be opened with the configured keys") from None


def keyring_of(session: Session) -> Keyring | None:
    ring = session.info.get(KEYRING)
    return ring if isinstance(ring, Keyring) else None


def store_body(session: Session, text: str) -> tuple[str, bool]:
    """The body to store for `text`, and whether it is sealed."""
    ring = keyring_of(session)
    return (ring.seal(text), True) if ring else (text, False)


def body_of(session: Session, row: CaseText) -> str | None:
    """The plaintext of a stored text (None once an archived case's text was removed)."""
    return opened(session, row.body, row.sealed)


def opened(session: Session, body: str | None, sealed: bool) -> str | None:
    """The plaintext of a stored body (a case text, a pupil's name on a case)."""
    if body is None or not sealed:
        return body
    ring = keyring_of(session)
    if ring is None:
        raise SealedTextError("case texts are encrypted: set MELDEFRA_ENCRYPTION_KEY to read them")
    return ring.open(body)


def rotate(session: Session) -> tuple[int, int]:
    """Re-seal every sealed text with the first key and seal any plaintext left.

    Returns (re-sealed, newly sealed). Safe to run again; a row is rewritten at most once.
    """
    ring = keyring_of(session)
    if ring is None:
        raise SealedTextError("set MELDEFRA_ENCRYPTION_KEY (new key first) before rotating")
    resealed = sealed = 0
    texts = select(CaseText).where(CaseText.body.is_not(None)).order_by(CaseText.id)
    for row in session.scalars(texts):
        assert row.body is not None
        resealed += row.sealed
        sealed += not row.sealed
        row.body, row.sealed = _sealed_again(ring, row.body, row.sealed), True
    # The names of the pupils a case is about are sealed like its texts.
    from store.directory_models import CasePupil  # the directory's module imports this one

    pupils = select(CasePupil).where(CasePupil.name.is_not(None)).order_by(CasePupil.id)
    for pupil in session.scalars(pupils):
        assert pupil.name is not None
        resealed += pupil.sealed
        sealed += not pupil.sealed
        pupil.name, pupil.sealed = _sealed_again(ring, pupil.name, pupil.sealed), True
    session.flush()
    return resealed, sealed


def _sealed_again(ring: Keyring, body: str, sealed: bool) -> str:
    return ring.reseal(body) if sealed else ring.seal(body)


def store_bytes(session: Session, data: bytes) -> tuple[str, bool]:
    """Bytes (an export's file) as text to store, and whether it is sealed."""
    ring = keyring_of(session)
    if ring is None:
        return base64.b64encode(data).decode("ascii"), False
    return ring.seal_bytes(data), True


def bytes_of(session: Session, body: str, sealed: bool) -> bytes:
    """What `store_bytes` kept; raises SealedTextError when the keys do not open it."""
    if not sealed:
        return base64.b64decode(body)
    ring = keyring_of(session)
    if ring is None:
        raise SealedTextError("sealed data: set MELDEFRA_ENCRYPTION_KEY to read it")
    return ring.open_bytes(body)

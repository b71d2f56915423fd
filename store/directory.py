"""The directory's names at rest: normalised, sealed, and searchable through keyed prefixes.

Design (docs/ARCHITECTURE.md, "The directory"):
- `fold` is the one normalisation for search and comparison: NFC, case folded, å → aa,
  ø → oe, æ → ae (so "Åse", "Aase" and a decomposed "A\u030ase" are one name), other accents
  dropped ("Zoé" → "zoe"), everything but letters and digits a separator.
- A pupil's or foresatt's name is sealed when the session has a keyring (store/crypto.py):
  AES-GCM under a key derived from each encryption key (the first seals; a 4-byte key id says
  which opens). Not Fernet as the case texts: 300,000 names a municipality took 18 s with
  Fernet, 1.6 s with AES-GCM, and a search opens every candidate. Plain text without a keyring.
- The picker finds pupils through `dir_name_keys`: one tag per part of the name, keyed
  BLAKE2b(index key; school id, the first PREFIX letters of the folded part), 128 bits. A typed
  word of PREFIX letters or more is tagged the same way and looked up; shorter words are
  matched against the school's pupils (a few hundred names to open); the candidates' names are
  always opened and checked against every typed word. The index key is derived from the first
  encryption key, or is a fixed public one without a keyring (the names are then plain text
  anyway); rotating the keys rebuilds the index and re-seals the names (`reseal`).
"""

from __future__ import annotations

import binascii
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import CompoundSelect, Select, delete, intersect, select
from sqlalchemy.orm import Session

from store.crypto import SealedTextError, keyring_of
from store.db import bulk_insert, chunked
from store.directory_models import DirGuardian, DirNameKey, DirPupil

PREFIX = 3
_UNKEYED = b"meldefra directory index (no encryption key configured)"
_FOLDS = str.maketrans({"å": "aa", "ø": "oe", "æ": "ae", "ä": "ae", "ö": "oe", "ß": "ss"})
_SEPARATOR = re.compile(r"[^0-9a-z]+")
_SEALED = "d1:"  # a sealed name: d1:<base64 of key id (4 bytes), nonce (12), AES-GCM text>
# URL-safe base64 through binascii and bytes.translate (str.translate is several times
# slower): a search opens hundreds of names, a sync seals hundreds of thousands.
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
# Tags remembered by one NameIndex (a sync): names repeat, so most parts' tags do too.
_TAG_CACHE = 50_000


def fold(text: str) -> str:
    """'  Åse-Marie  Ødegård ' → 'aase marie oedegaard' (see the module docstring)."""
    if text.isascii():  # most names: no composed letters, no accents
        return " ".join(_SEPARATOR.split(text.lower())).strip()
    text = unicodedata.normalize("NFC", text).casefold().translate(_FOLDS)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_SEPARATOR.split(text)).strip()


def words(text: str) -> list[str]:
    return fold(text).split()


class NameIndex:
    """Sealing, opening and keyed index tags for one session's keys."""

    def __init__(self, session: Session) -> None:
        ring = keyring_of(session)
        self.sealing = ring is not None
        if ring is not None:
            index_key = ring.derive(b"meldefra directory index")[0]
            self._ciphers = {
                hashlib.blake2b(k, digest_size=4).digest(): AESGCM(k)
                for k in ring.derive(b"meldefra directory names")
            }
            self._current = next(iter(self._ciphers))
        else:
            index_key, self._ciphers = _UNKEYED, {}
        self._key = hashlib.blake2b(index_key, digest_size=32).digest()
        self._tags: dict[tuple[str, str], str] = {}

    def key(self, school_id: str, prefix: str) -> str:
        prefix = prefix[:PREFIX]
        tag = self._tags.get((school_id, prefix))
        if tag is None:
            if len(self._tags) >= _TAG_CACHE:
                self._tags.clear()
            data = f"{school_id}\x1f{prefix}".encode()
            tag = hashlib.blake2b(data, key=self._key, digest_size=16).hexdigest()
            self._tags[school_id, prefix] = tag
        return tag

    def keys_of(self, school_id: str, name: str) -> set[str]:
        """The tags of the name's parts: each part's first PREFIX letters (or the whole part)."""
        return {self.key(school_id, w) for w in words(name)}

    def record(self, data: str) -> str:
        """A keyed digest of a source record, to see that it is unchanged without opening it."""
        return hashlib.blake2b(
            b"record\x1f" + data.encode(), key=self._key, digest_size=32
        ).hexdigest()

    def seal(self, name: str) -> tuple[str, bool]:
        if not self._ciphers:
            return name, False
        nonce = os.urandom(12)
        sealed = self._ciphers[self._current].encrypt(nonce, name.encode(), None)
        text = binascii.b2a_base64(self._current + nonce + sealed, newline=False)
        return _SEALED + text.translate(_TO_URLSAFE).decode(), True

    def open(self, stored: str, sealed: bool) -> str:
        if not sealed:
            return stored
        if not self._ciphers:
            raise SealedTextError("names are encrypted: set MELDEFRA_ENCRYPTION_KEY to read them")
        raw = binascii.a2b_base64(stored.removeprefix(_SEALED).encode().translate(_FROM_URLSAFE))
        cipher = self._ciphers.get(raw[:4])
        if cipher is None:
            raise SealedTextError("a sealed name cannot be opened with the configured keys")
        try:
            return cipher.decrypt(raw[4:16], raw[16:], None).decode()
        except InvalidTag:
            raise SealedTextError("a sealed name was changed") from None


def write_keys(session: Session, index: NameIndex, pupils: Iterable[tuple[int, str, str]]) -> int:
    """Index (pupil id, school id, name) rows; returns the number of keys written.

    On SQLite in key order: the tags are random, and a B-tree filled from one end costs a
    third less than one filled at random places. Not on PostgreSQL, whose foreign key check
    locks each row's pupil: in pupil order those locks touch one page after another, in key
    order they are scattered, and the server spent a fifth more."""
    rows: Iterable[tuple[str, int]] = (
        (key, pupil_id)
        for pupil_id, school_id, name in pupils
        for key in index.keys_of(school_id, name)
    )
    if session.get_bind().dialect.name == "sqlite":
        rows = sorted(rows)
    return bulk_insert(session, DirNameKey.__tablename__, ("key", "pupil_id"), rows, times=())


def drop_keys(session: Session, pupil_ids: Iterable[int]) -> None:
    for batch in chunked(pupil_ids):
        session.execute(delete(DirNameKey).where(DirNameKey.pupil_id.in_(batch)))


def pupils_with_keys(keys: list[str]) -> CompoundSelect | Select[Any]:
    """A select of the ids of the pupils that have every one of the keys."""
    first = select(DirNameKey.pupil_id).where(DirNameKey.key == keys[0])
    if len(keys) == 1:
        return first
    return intersect(
        first, *(select(DirNameKey.pupil_id).where(DirNameKey.key == k) for k in keys[1:])
    )


def pupil_digest(
    index: NameIndex,
    *,
    school_id: str,
    name: str,
    birth_date: date | None,
    group: str | None,
    grade: str | None,
    guardians: Iterable[tuple[str, str, str]],
) -> str:
    """The keyed digest of what the directory keeps about a pupil (guardians as (source id,
    name, relation)): equal digests, nothing to write."""
    fields = [
        school_id,
        name,
        birth_date.isoformat() if birth_date else "",
        group or "",
        grade or "",
    ]
    for guardian in sorted(guardians):
        fields += guardian
    return index.record("\x1f".join(fields))


def reseal(session: Session) -> int:
    """After the keys changed (`meldefra keys rotate`): re-seal every name with the first key
    and rebuild the search index and the digests under the new index key. Returns the number
    of pupils re-indexed."""
    index = NameIndex(session)
    count = 0
    ids = list(session.scalars(select(DirPupil.id).order_by(DirPupil.id)))
    for batch in chunked(ids, 2000):
        pupils = list(session.scalars(select(DirPupil).where(DirPupil.id.in_(batch))))
        guardians: dict[int, list[DirGuardian]] = {}
        for guardian in session.scalars(select(DirGuardian).where(DirGuardian.pupil_id.in_(batch))):
            guardians.setdefault(guardian.pupil_id, []).append(guardian)
        drop_keys(session, batch)
        names = []
        for pupil in pupils:
            name = index.open(pupil.name, pupil.sealed)
            kept = []
            for guardian in guardians.get(pupil.id, []):
                guardian_name = index.open(guardian.name, guardian.sealed)
                guardian.name, guardian.sealed = index.seal(guardian_name)
                kept.append((guardian.source_id, guardian_name, guardian.relation))
            pupil.name, pupil.sealed = index.seal(name)
            pupil.digest = pupil_digest(
                index,
                school_id=pupil.school_id,
                name=name,
                birth_date=pupil.birth_date,
                group=pupil.group_name,
                grade=pupil.grade,
                guardians=kept,
            )
            names.append((pupil.id, pupil.school_id, name))
        session.flush()
        write_keys(session, index, names)
        count += len(pupils)
    return count

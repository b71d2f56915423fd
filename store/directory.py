"""The directory's names at rest: normalised, sealed, and searchable through keyed prefixes.

Design (docs/ARCHITECTURE.md, "The directory"):
- `fold` is the one normalisation for search and comparison: NFC, case folded, å → aa,
  ø → oe, æ → ae (so "Åse", "Aase" and a decomposed "A\u030ase" are one name), other accents
  dropped ("Zoé" → "zoe"), everything but letters and digits a separator.
- A pupil's or foresatt's name is stored as a Fernet token when the session has a keyring
  (store/crypto.py), as text otherwise.
- The picker finds pupils through `dir_name_keys`: for every part of the name, each prefix of
  1..PREFIX_MAX letters of its folded form is stored as HMAC-SHA256(index key, school id, prefix),
  cut to 128 bits. A typed word is folded, cut to PREFIX_MAX, keyed the same way and looked up;
  the candidates' names are opened and checked against the whole word. The index key is
  derived from the first encryption key, or is a fixed public one without a keyring (the names
  are then plain text anyway); rotating the keys rebuilds the index (`reseal`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import CompoundSelect, Select, delete, insert, intersect, select
from sqlalchemy.orm import Session

from store.crypto import keyring_of
from store.db import chunked
from store.directory_models import DirGuardian, DirNameKey, DirPupil

PREFIX_MAX = 6
_UNKEYED = b"meldefra directory index (no encryption key configured)"
_FOLDS = str.maketrans({"å": "aa", "ø": "oe", "æ": "ae", "ä": "ae", "ö": "oe", "ß": "ss"})
_SEPARATOR = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """'  Åse-Marie  Ødegård ' → 'aase marie oedegaard' (see the module docstring)."""
    text = unicodedata.normalize("NFC", text).casefold().translate(_FOLDS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_SEPARATOR.split(text)).strip()


def words(text: str) -> list[str]:
    return fold(text).split()


class NameIndex:
    """Keyed prefixes and record digests for one session's key."""

    def __init__(self, session: Session) -> None:
        ring = keyring_of(session)
        self._ring = ring
        key = ring.derive(b"meldefra directory index") if ring else _UNKEYED
        self._mac = hmac.new(key, digestmod=hashlib.sha256)

    def _digest(self, data: str) -> bytes:
        mac = self._mac.copy()
        mac.update(data.encode("utf-8"))
        return mac.digest()

    def key(self, school_id: str, prefix: str) -> str:
        return self._digest(f"{school_id}\x1f{prefix[:PREFIX_MAX]}")[:16].hex()

    def keys_of(self, school_id: str, name: str) -> set[str]:
        """Every indexed prefix of every part of the name."""
        prefixes = {w[:n] for w in words(name) for n in range(1, min(len(w), PREFIX_MAX) + 1)}
        return {self.key(school_id, p) for p in prefixes}

    def record(self, data: str) -> str:
        """A keyed digest of a source record, to see that it is unchanged without opening it."""
        return self._digest(f"record\x1f{data}").hex()

    def seal(self, name: str) -> tuple[str, bool]:
        return (self._ring.seal(name), True) if self._ring else (name, False)

    def open(self, stored: str, sealed: bool) -> str:
        if not sealed:
            return stored
        if self._ring is None:
            from store.crypto import SealedTextError

            raise SealedTextError("names are encrypted: set MELDEFRA_ENCRYPTION_KEY to read them")
        return self._ring.open(stored)


def write_keys(session: Session, index: NameIndex, pupils: Iterable[tuple[int, str, str]]) -> int:
    """Index (pupil id, school id, name) rows; returns the number of keys written."""
    rows = [
        {"key": key, "pupil_id": pupil_id}
        for pupil_id, school_id, name in pupils
        for key in index.keys_of(school_id, name)
    ]
    for batch in chunked(rows, 20000):
        session.execute(insert(DirNameKey), batch)
    return len(rows)


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
    record = [school_id, name, birth_date.isoformat() if birth_date else None, group, grade]
    return index.record(json.dumps([record, sorted(guardians)], ensure_ascii=False))


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

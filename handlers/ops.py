"""The operator's use cases on the database: its schema, the hash chains, the keys sealing the
free text, and whether the file is still the one opened.

The edges (the CLI, `doctor`, `serve`, /healthz, /metrics) ask here and never open sessions or
query models themselves; bot/bootstrap.py is the one place that opens the database and hands
out a `Database` (the unit-of-work factory without the org, for commands that need no org.yml).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from store import crypto, trail
from store import db as store_db
from store.crypto import Keyring, SealedTextError
from store.db import SchemaAhead
from store.models import CaseText

__all__ = ["Database", "Schema", "SchemaAhead", "Verified"]


@dataclass(frozen=True)
class Database:
    sessions: sessionmaker[Session]

    @property
    def engine(self) -> Engine:
        bind = self.sessions.kw["bind"]
        assert isinstance(bind, Engine)
        return bind

    @contextmanager
    def uow(self) -> Iterator[Session]:
        with store_db.transaction(self.sessions) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


@dataclass(frozen=True)
class Schema:
    revision: str | None  # None: never upgraded
    head: str  # what this code's migrations end at

    @property
    def current(self) -> bool:
        return self.revision == self.head

    @property
    def ahead(self) -> bool:
        """Upgraded by a newer Meldefra than this one."""
        return self.revision is not None and not store_db.known_revision(self.revision)


@dataclass(frozen=True)
class Verified:
    cases: int
    events: int
    breaks: list[str]


def head() -> str:
    return store_db.head_revision()


def ping(db: Database) -> None:
    """Raises when the database does not answer (or its file is not the one opened)."""
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def schema(db: Database) -> Schema:
    return Schema(store_db.current_revision(db.engine), head())


def upgrade(db: Database) -> str | None:
    """Apply every migration; the revision the database is at after."""
    store_db.upgrade(db.engine)
    return store_db.current_revision(db.engine)


def upgrade_if_behind(db: Database) -> bool:
    """Upgrade a schema that is behind (True if it did); SchemaAhead for a newer one."""
    return store_db.upgrade_if_behind(db.engine)


def file_problem(db: Database) -> str | None:
    """For SQLite: `database_file_missing` or `database_file_replaced` when the file at the
    path is gone or another than the one this process opened; else None."""
    return store_db.file_problem(db.engine)


def verify(db: Database) -> Verified:
    """Walk every case's hash chain (texts' digests included)."""
    with db.uow() as session:
        cases, events, breaks = trail.verify_all(session)
    return Verified(cases, events, [str(b) for b in breaks])


def rotate_keys(db: Database) -> tuple[int, int]:
    """Re-seal every text with the keyring's first key: (re-sealed, sealed in all)."""
    with db.uow() as session:
        return crypto.rotate(session)


def reseal_directory(db: Database) -> int:
    """Re-seal the directory's names, search tags and digests with the first key: how many."""
    from store.directory import reseal

    with db.uow() as session:
        return reseal(session)


def text_counts(db: Database) -> tuple[int, int]:
    """How many stored texts are sealed, and how many plaintext."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(CaseText.__tablename__):
            return 0, 0
        query = (
            select(CaseText.sealed, func.count())
            .where(CaseText.body.is_not(None))
            .group_by(CaseText.sealed)
        )
        counts = {bool(sealed): int(n) for sealed, n in conn.execute(query)}
    return counts.get(True, 0), counts.get(False, 0)


def unopenable_texts(db: Database, keyring: Keyring) -> int:
    """How many sealed texts none of the keys opens (each is tried: one old key left out of
    MELDEFRA_ENCRYPTION_KEY loses exactly the texts sealed with it)."""
    bad = 0
    query = select(CaseText.body).where(CaseText.sealed.is_(True), CaseText.body.is_not(None))
    with db.engine.connect() as conn:
        for (body,) in conn.execution_options(yield_per=1000).execute(query):
            try:
                keyring.open(body or "")
            except SealedTextError:
                bad += 1
    return bad

"""Engines, sessions and schema upgrades for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import itertools
import os
import weakref
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from store.crypto import KEYRING, Keyring
from store.models import Base, Event

_T = TypeVar("_T")

DEFAULT_URL = "sqlite:///meldefra.db"
MIGRATIONS = Path(__file__).with_name("migrations")


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an event on the trail."""


def normalise_url(url: str) -> str:
    # People paste postgres:// or postgresql:// URLs; Meldefra talks psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(
    url: str = DEFAULT_URL, *, schema: str | None = None, must_exist: bool = False, **kwargs: Any
) -> Engine:
    """An engine with the settings Meldefra relies on.

    SQLite: WAL (readers do not block the writer), foreign keys on, a busy timeout so two
    processes wait for each other instead of failing. PostgreSQL: an optional schema
    (tests give each run its own) through search_path.
    """
    url = normalise_url(url)
    # Bound parameters hold pupil names and free text: never put them in an error or a log line.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(
            _sqlite_existing(url, must_exist), connect_args={"timeout": 30}, **kwargs
        )
        path = sqlite_file(url)
        opened = OpenedFile(Path(os.path.abspath(path))) if path is not None else None
        if opened is not None:
            _OPENED[engine] = opened

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy own transactions; BEGIN IMMEDIATE serialises writers up front.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            if opened is not None:
                opened.note()  # the file now exists: this is the one the engine opened

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            if opened is not None:
                opened.check()  # pooled connections would write on into a deleted file
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, connect_args=connect_args, **kwargs)


class DatabaseFileChanged(RuntimeError):
    """The SQLite file at the database's path is gone, or is another file than the one this
    process opened (deleted and recreated, or replaced by a copy). Its pooled connections would
    go on reading and writing the old, unlinked file: reports accepted into nothing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # database_file_missing or database_file_replaced


class OpenedFile:
    """The SQLite file an engine opened, known by device and inode from its first connection;
    checked (one stat) before every transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity: tuple[int, int] | None = None

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_dev, st.st_ino

    def note(self) -> None:
        if self.identity is None:
            self.identity = self._stat()

    def problem(self) -> str | None:
        now = self._stat()
        if now is None:
            return "database_file_missing"
        if self.identity is not None and now != self.identity:
            return "database_file_replaced"
        return None

    def check(self) -> None:
        if (problem := self.problem()) is not None:
            raise DatabaseFileChanged(problem)


_OPENED: weakref.WeakKeyDictionary[Engine, OpenedFile] = weakref.WeakKeyDictionary()


def file_problem(engine: Engine) -> str | None:
    """Why the engine's SQLite file is not usable (missing, replaced), or None."""
    opened = _OPENED.get(engine)
    return opened.problem() if opened is not None else None


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    u = make_url(normalise_url(url) if isinstance(url, str) else url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return None
    database = u.database.removeprefix("file:") if u.query.get("uri") else u.database
    return Path(database)


def _sqlite_existing(url: str, must_exist: bool) -> str | URL:
    """An existing SQLite file (or one that `must_exist`) is opened read-write only (URI
    mode=rw): if it is deleted under a running server, connecting fails (and /healthz says so)
    instead of SQLite quietly creating an empty database that every request would fail on."""
    u = make_url(url)
    path = sqlite_file(u)
    if path is None or u.query.get("uri") or not (must_exist or path.exists()):
        return url
    return u.set(database=f"file:{path.resolve()}", query={**u.query, "mode": "rw", "uri": "true"})


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def session_factory(engine: Engine, keyring: Keyring | None = None) -> sessionmaker[Session]:
    """Sessions for one engine; with a keyring, free text is sealed at rest (store/crypto.py)."""
    return sessionmaker(engine, expire_on_commit=False, info={KEYRING: keyring})


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def insert_new(
    session: Session,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    *,
    unique: Sequence[str],
    returning: Sequence[InstrumentedAttribute[Any]],
) -> list[tuple[Any, ...]]:
    """Insert the rows whose unique key is free, in one statement; returns `returning` of those.

    INSERT … ON CONFLICT DO NOTHING on both databases: a row whose key exists is skipped, and on
    PostgreSQL a key being inserted by another transaction waits for it to end. This is how
    "at most once" holds across replicas: the database's unique key decides, not memory.
    """
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model.__table__).on_conflict_do_nothing(index_elements=list(unique))
    return [tuple(row) for row in session.execute(stmt.returning(*returning), list(rows))]


def chunked(values: Iterable[_T], size: int = 5000) -> Iterator[list[_T]]:
    """Slices for IN lists: SQLite takes at most 32,766 parameters in one statement."""
    batch: list[_T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_insert(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    times: Collection[str] | None = None,
) -> int:
    """Insert many plain rows (text, integers, booleans) in the session's transaction, through
    the driver: COPY on PostgreSQL, executemany on SQLite. For the directory's hundreds of
    thousands of rows, where building SQLAlchemy's parameters per row costs more than the
    database's work. `times` names the columns that may hold dates or datetimes (converted
    as SQLAlchemy would write them); None: any column may. Returns the number of rows."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0  # no statement at all (not even an empty COPY)
    rows = itertools.chain([first], rows)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    count = 0
    names = ", ".join(columns)
    convert = [i for i, c in enumerate(columns) if times is None or c in times]
    postgresql = session.get_bind().dialect.name == "postgresql"
    value = _pg_value if postgresql else _sqlite_value

    def converted(row: Sequence[Any]) -> Sequence[Any]:
        if not convert:
            return row
        out = list(row)
        for i in convert:
            out[i] = value(out[i])
        return out

    if postgresql:
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(converted(row))
                count += 1
        return count
    cursor = raw.cursor()
    try:
        marks = ", ".join("?" for _ in columns)
        for batch in chunked(rows, 20000):
            values = [converted(row) for row in batch] if convert else batch
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
            count += len(batch)
    finally:
        cursor.close()
    return count


def _pg_value(value: Any) -> Any:
    # Times are kept as naive UTC (store/types.py: UTCDateTime), as SQLAlchemy would write them.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy's SQLite formats for DateTime and Date, so the ORM reads these rows back.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def new_ids(session: Session, table: str, count: int) -> list[int]:
    """`count` fresh ids for rows `bulk_insert` will write with their id given: from the
    table's sequence on PostgreSQL; after the highest on SQLite, whose writer holds the
    database (BEGIN IMMEDIATE) until it commits."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
        )
        return [int(i) for i in session.scalars(query, {"table": table, "n": count})]
    highest = int(session.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}")) or 0)
    return list(range(highest + 1, highest + 1 + count))


# pg_advisory_xact_lock key for schema upgrades ("mfupgrad" as bytes): replicas starting at
# once upgrade one after the other; the later ones find the schema current and do nothing.
UPGRADE_LOCK = 0x6D66757067726164


def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to date with the Alembic migrations shipped in store/migrations.

    On PostgreSQL under an advisory lock held until the upgrade commits, so replicas that
    start together do not race each other's DDL.
    """
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The revision this code's migrations end at."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


class SchemaAhead(RuntimeError):
    """The database was upgraded by a newer Meldefra than this one."""


def upgrade_if_behind(engine: Engine) -> bool:
    """Upgrade a schema that is behind this code's migrations (empty included); True if it
    did. A schema at a revision this code does not know is ahead: SchemaAhead, no change."""
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return False
    if current is not None and not known_revision(current):
        raise SchemaAhead(
            f"the database's schema revision {current} is newer than this Meldefra's ({head}); "
            "run the Meldefra version that upgraded it"
        )
    upgrade(engine)
    return True


def known_revision(revision: str) -> bool:
    """Whether a revision is one of this code's migrations (False: the database is newer)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(_alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


@event.listens_for(Session, "before_flush")
def _refuse_event_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    # The database refuses too (triggers); this catches it earlier with a clear message.
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Event) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError(f"event {obj.id} of case {obj.case_id} is append-only")

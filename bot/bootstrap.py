"""Wires the layers: settings → store engine → handlers' Services (cosmicpython's bootstrap).

The one place that opens the database: every command and the server get their `Services` (or,
for commands that need no org.yml, a `handlers.ops.Database`) from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.config import MissingDatabase, Settings
from handlers.archive import journal
from handlers.clock import Clock, SystemClock
from handlers.ops import Database
from handlers.org import Org, load_org
from handlers.services import Services
from store.db import SchemaAhead, make_engine, session_factory, sqlite_file, upgrade_if_behind


@dataclass
class App:
    settings: Settings
    services: Services
    engine: Engine
    org_is_sample: bool

    @property
    def database(self) -> Database:
        return Database(self.services.sessions)


def _refuse_missing(settings: Settings) -> None:
    if settings.create_database:
        return
    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        raise MissingDatabase(path.resolve())


def open_database(
    settings: Settings, *, must_exist: bool = False, keyring: bool = True
) -> Database:
    """The database alone, as it is (no upgrade), for `verify`, `keys rotate`, `db upgrade` and
    `doctor`. `keyring=False` opens it without the encryption keys (doctor checks them apart);
    `must_exist` refuses to create a missing SQLite file."""
    _refuse_missing(settings)
    engine = make_engine(settings.database_url, must_exist=must_exist)
    return Database(session_factory(engine, keyring=settings.keyring() if keyring else None))


def build(settings: Settings, *, clock: Clock | None = None, migrate: bool | None = None) -> App:
    """Load org.yml (raising OrgError on mistakes) and open the database.

    SQLite databases are upgraded here (one file, one user: nothing to coordinate); `serve`
    upgrades PostgreSQL under an advisory lock (bot/serve.py: ensure_schema), and
    `meldefra db upgrade` does it by hand.
    """
    path, is_sample = settings.resolved_org_path()
    org: Org = load_org(path)
    _refuse_missing(settings)
    # Not migrating (the delivery process): the database was made by whoever started us.
    engine = make_engine(settings.database_url, must_exist=migrate is False)
    if migrate if migrate is not None else engine.dialect.name == "sqlite":
        try:
            upgrade_if_behind(engine)
        except SchemaAhead:
            pass  # left as it is: `serve` refuses it with the reason, other commands may read
        if sqlite_file(settings.database_url) is not None:
            # The file exists now: reopen it read-write only, so that a file deleted under the
            # running server is an error (and /healthz says so), never a new empty database.
            engine.dispose()
            engine = make_engine(settings.database_url)
    sessions = session_factory(engine, keyring=settings.keyring())
    services = Services(org=org, sessions=sessions, clock=clock or SystemClock())
    if settings.fiks is not None:
        journal.install(services)  # journalposter queued with the events that make them
    return App(settings=settings, services=services, engine=engine, org_is_sample=is_sample)

"""Wires the layers: settings → store engine → handlers' Services (cosmicpython's bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.config import Settings
from handlers.clock import Clock, SystemClock
from handlers.org import Org, load_org
from handlers.services import Services
from store.db import make_engine, session_factory, upgrade


@dataclass
class App:
    settings: Settings
    services: Services
    engine: Engine
    org_is_sample: bool


def build(settings: Settings, *, clock: Clock | None = None, migrate: bool | None = None) -> App:
    """Load org.yml (raising OrgError on mistakes) and open the database.

    SQLite databases are upgraded on start (one file, one user: nothing to coordinate);
    PostgreSQL is upgraded by the operator with `meldefra db upgrade`.
    """
    path, is_sample = settings.resolved_org_path()
    org: Org = load_org(path)
    engine = make_engine(settings.database_url)
    if migrate if migrate is not None else engine.dialect.name == "sqlite":
        upgrade(engine)
    sessions = session_factory(engine, keyring=settings.keyring())
    services = Services(org=org, sessions=sessions, clock=clock or SystemClock())
    return App(settings=settings, services=services, engine=engine, org_is_sample=is_sample)

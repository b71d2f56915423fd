"""Shared fixtures: every store and handler test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text

from handlers.clock import FixedClock
from handlers.org import Org, load_org
from handlers.services import Services
from store.db import make_engine, session_factory, upgrade

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ORG = ROOT / "bot" / "sample_org.yml"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OSLO = ZoneInfo("Europe/Oslo")
# Wednesday, a school day, mid-morning.
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=OSLO)


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server; unreachable is a failure, never a skip (CI requires it)."""
    engine = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means the same thing
        pytest.fail(f"PostgreSQL at {PG_URL} is required for the store tests: {exc}")
    finally:
        engine.dispose()
    return PG_URL


def _pg_engine(url: str) -> Iterator[Engine]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema=schema)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'meldefra.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
    else:
        yield from _pg_engine(request.getfixturevalue("pg_server"))


@pytest.fixture
def org() -> Org:
    return load_org(SAMPLE_ORG)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def services(engine: Engine, org: Org, clock: FixedClock) -> Services:
    return Services(org=org, sessions=session_factory(engine), clock=clock)

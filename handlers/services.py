"""What every handler is given: the org directory, the unit-of-work factory and the clock.

Built once by bot/bootstrap.py and passed in (the edges never reach the store directly).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from handlers.clock import Clock, SystemClock
from handlers.org import Org
from store.db import transaction


@dataclass
class Services:
    org: Org
    sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)

    @contextmanager
    def uow(self) -> Iterator[Session]:
        """One transaction: events, projection and outbox rows commit together or not at all."""
        with transaction(self.sessions) as session:
            yield session

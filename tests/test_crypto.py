"""Encryption at rest of the free text, on SQLite and PostgreSQL: transparent, rotatable."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from handlers import review
from handlers.clock import FixedClock
from handlers.org import Org
from handlers.services import Services
from store import crypto, trail
from store.crypto import Keyring, SealedTextError
from store.db import session_factory, transaction

from .planning import LEADER, filed

KEY_1 = Keyring.new_key()
KEY_2 = Keyring.new_key()


def sealed_services(engine: Engine, org: Org, clock: FixedClock, keys: str) -> Services:
    return Services(
        org=org, sessions=session_factory(engine, keyring=Keyring.parse(keys)), clock=clock
    )


def raw_bodies(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT body FROM case_texts ORDER BY id"))]


def test_texts_are_sealed_at_rest_and_read_back_plainly(
    engine: Engine, org: Org, clock: FixedClock
) -> None:
    services = sealed_services(engine, org, clock, KEY_1)
    ref = filed(services, pupils="Ola Nordmann", what="Ble slått i garderoben")
    assert not any("Ola" in body or "garderoben" in body for body in raw_bodies(engine))
    assert review.open_case(services, ref, LEADER).report["what"] == "Ble slått i garderoben"
    with transaction(services.sessions) as s:
        assert trail.verify_all(s)[2] == []
    # Without the key the text cannot be read, but the chain of digests still verifies.
    plain = Services(org=org, sessions=session_factory(engine), clock=clock)
    with pytest.raises(SealedTextError):
        review.open_case(plain, ref, LEADER)
    with transaction(plain.sessions) as s:
        assert trail.verify_all(s)[2] == []
    # A changed token is caught by verify (Fernet tokens are signed).
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_texts SET body = 'gAAAAABbroken' WHERE field = 'what'"))
    with transaction(services.sessions) as s:
        assert [b.problem for b in trail.verify_all(s)[2]] == ["text 'what' changed"]


def test_key_rotation_reseals_everything_with_the_new_key(
    engine: Engine, org: Org, clock: FixedClock
) -> None:
    plain = Services(org=org, sessions=session_factory(engine), clock=clock)
    old_ref = filed(plain, what="Skrevet før kryptering")
    filed(sealed_services(engine, org, clock, KEY_1), what="Skrevet med nøkkel 1")
    rotating = sealed_services(engine, org, clock, f"{KEY_2},{KEY_1}")
    with transaction(rotating.sessions) as s:
        resealed, sealed = crypto.rotate(s)
    assert resealed > 0 and sealed > 0
    assert "Skrevet før kryptering" not in raw_bodies(engine)
    only_new = sealed_services(engine, org, clock, KEY_2)
    assert review.open_case(only_new, old_ref, LEADER).report["what"] == "Skrevet før kryptering"
    assert review.open_case(only_new, "MF-0002", LEADER).report["what"] == "Skrevet med nøkkel 1"
    with pytest.raises(SealedTextError):
        review.open_case(sealed_services(engine, org, clock, KEY_1), old_ref, LEADER)
    with transaction(only_new.sessions) as s:
        assert trail.verify_all(s)[2] == []


def test_a_malformed_key_is_refused_clearly() -> None:
    with pytest.raises(crypto.BadKey, match="meldefra keys new"):
        Keyring.parse("not-a-key")

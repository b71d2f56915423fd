"""The store on both databases: schema, append-only trail, hash chain, outbox."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from store import outbox, trail
from store.db import (
    AppendOnlyError,
    current_revision,
    head_revision,
    is_postgres,
    session_factory,
    transaction,
)
from store.models import Base, Case, Event, Outbox

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def new_case(session, ref_suffix: str = "1") -> Case:  # type: ignore[no-untyped-def]
    case = Case(
        ref=f"T-{ref_suffix}",
        school_id="nordby",
        status="new",
        section="12-4",
        urgent=False,
        leadership_case=False,
        reporter="a@b.example",
        unit=None,
        categories="[]",
        created_at=T0,
        updated_at=T0,
        last_seq=0,
        restricted=False,
    )
    session.add(case)
    session.flush()
    return case


def test_migrations_match_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_chain_links_every_event_and_verifies(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        case = new_case(s)
        e1 = trail.append(s, case, "reported", "a@b.example", T0, {"x": 1}, texts={"what": "Hei"})
        e2 = trail.append(s, case, "acknowledged", "l@b.example", T0 + timedelta(minutes=5))
    assert e1.prev_hash == trail.GENESIS and e2.prev_hash == e1.hash and e2.seq == 2
    with transaction(factory) as s:
        cases, events, breaks = trail.verify_all(s)
    assert (cases, events, breaks) == (1, 2, [])


def test_orm_refuses_update_and_delete_of_events(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        trail.append(s, new_case(s), "reported", "a@b.example", T0, {})
    with pytest.raises(AppendOnlyError), transaction(factory) as s:
        ev = s.query(Event).one()
        ev.actor = "someone.else@b.example"
    with pytest.raises(AppendOnlyError), transaction(factory) as s:
        s.delete(s.query(Event).one())


@pytest.mark.parametrize("sql", ["UPDATE events SET actor = 'x@y.example'", "DELETE FROM events"])
def test_database_itself_refuses_update_and_delete(engine: Engine, sql: str) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        trail.append(s, new_case(s), "reported", "a@b.example", T0, {})
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    if is_postgres(engine):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE events CASCADE"))


def _tamper(engine: Engine, sql: str) -> None:
    """An attacker with direct database access: switch the guard off, change a row."""
    with engine.begin() as conn:
        if is_postgres(engine):
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
            conn.execute(text(sql))
            conn.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(text(sql))


def test_verify_names_a_changed_byte(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        case = new_case(s)
        trail.append(s, case, "reported", "a@b.example", T0, {"unit": "8. trinn"})
        trail.append(s, case, "acknowledged", "l@b.example", T0)
        trail.append(s, case, "closed", "l@b.example", T0, texts={"reason": "ok"})
    _tamper(engine, "UPDATE events SET data = replace(data, '8. trinn', '9. trinn') WHERE seq = 1")
    with transaction(factory) as s:
        _, _, breaks = trail.verify_all(s)
    assert [(b.case_ref, b.seq, b.problem) for b in breaks] == [
        ("T-1", 1, "content changed after it was written")
    ]


def test_verify_detects_changed_text_and_a_removed_event(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        case = new_case(s)
        trail.append(s, case, "reported", "a@b.example", T0, {}, texts={"what": "slo ham"})
        trail.append(s, case, "noted", "l@b.example", T0, texts={"note": "samtale"})
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_texts SET body = 'ingenting' WHERE field = 'what'"))
    with transaction(factory) as s:
        _, _, breaks = trail.verify_all(s)
    assert [b.problem for b in breaks] == ["text 'what' changed"]

    # Archiving removes text (body NULL): the chain of metadata still verifies.
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_texts SET body = NULL"))
    with transaction(factory) as s:
        assert trail.verify_all(s)[2] == []

    if not is_postgres(engine):
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER events_no_delete"))
            conn.execute(
                text("DELETE FROM case_texts WHERE event_id = (SELECT max(id) FROM events)")
            )
            conn.execute(text("DELETE FROM events WHERE seq = 2"))
        with transaction(factory) as s:
            assert [b.problem for b in trail.verify_all(s)[2]] == [
                "events missing at the end of the chain"
            ]


def test_outbox_dedupe_key_sends_once(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        first = outbox.enqueue(
            s,
            kind="reminder",
            lang="nb",
            at=T0,
            data={},
            recipient="l@b.example",
            dedupe_key="reminder:l@b:2026-11-25",
        )
        again = outbox.enqueue(
            s,
            kind="reminder",
            lang="nb",
            at=T0,
            data={},
            recipient="l@b.example",
            dedupe_key="reminder:l@b:2026-11-25",
        )
        assert first is not None and again is None
        assert s.scalar(select(func.count()).select_from(Outbox)) == 1


def test_outbox_needs_a_destination(engine: Engine) -> None:
    with pytest.raises(ValueError), transaction(session_factory(engine)) as s:
        outbox.enqueue(s, kind="x", lang="nb", at=T0, data={})


def test_two_workers_claim_disjoint_rows(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        for i in range(40):
            outbox.enqueue(
                s, kind="k", lang="nb", at=T0, data={"i": i}, recipient=f"p{i}@x.example"
            )
    claimed: list[list[int]] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        got: list[int] = []
        while True:
            with transaction(factory) as s:
                rows = outbox.claim_due(s, now=T0, limit=5)
                if not rows:
                    break
                got.extend(r.id for r in rows)
        claimed.append(got)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    ids = claimed[0] + claimed[1]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 40


def test_claim_lease_expires_so_a_dead_worker_does_not_lose_a_notice(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        outbox.enqueue(s, kind="k", lang="nb", at=T0, data={}, recipient="p@x.example")
    # The lease runs on the database's clock (store/outbox.py: db_now): a short one here, and
    # real time passes; `now` only says what is due.
    with transaction(factory) as s:
        assert len(outbox.claim_due(s, now=T0, lease=timedelta(seconds=1))) == 1  # then dies
    with transaction(factory) as s:
        assert outbox.claim_due(s, now=T0 + timedelta(seconds=10)) == []
    time.sleep(1.2)
    with transaction(factory) as s:  # the lease is short (its holder renews it while alive)
        rows = outbox.claim_due(s, now=T0 + timedelta(seconds=10))
        assert len(rows) == 1 and rows[0].attempts == 2


def test_two_threads_remembering_the_same_new_user_both_succeed(services) -> None:  # type: ignore[no-untyped-def]
    from handlers import identity

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def resolve() -> None:
        barrier.wait()
        try:
            identity.remember(services, "slack", "U0SAME", "same@x.example")
        except BaseException as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=resolve) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert identity.by_user(services, "slack", "U0SAME") == ("same@x.example", {})


def test_database_errors_never_carry_the_free_text(engine: Engine) -> None:
    # Logs must not hold pupil names: SQLAlchemy's error text leaves the parameters out.
    factory = session_factory(engine)
    with transaction(factory) as s:
        case = new_case(s)
        trail.append(s, case, "reported", "a@b.example", T0, {}, texts={"pupils": "Ola Hemmelig"})
    with pytest.raises(DBAPIError) as err, engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor = :secret"), {"secret": "Ola Hemmelig"})
    assert "Ola Hemmelig" not in str(err.value)

"""Fencing the outbox: claim tokens, a renewed short lease, and replicas against a slow Slack.

Every test runs on SQLite and on PostgreSQL. The workers are real Workers with the real Slack
sender against the loopback fake Slack; the kill test runs a worker as a process of its own
and kills it with SIGKILL in the middle of a send.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select

from bot.delivery import Worker
from bot.slack.directory import SlackDirectory
from bot.slack.sender import SlackSender
from handlers import delivery
from handlers.clock import FixedClock, SystemClock
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.models import Event, Outbox
from tests.conftest import ROOT, SAMPLE_ORG
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import PEOPLE, TOKEN

TEACHERS = ["laerer1@nordby.example", "laerer2@nordby.example", "laerer3@nordby.example"]


def outbox_rows(services: Services) -> list[Outbox]:
    with services.uow() as s:
        return list(s.scalars(select(Outbox).order_by(Outbox.id)))


def delivered_events(services: Services) -> Counter[int]:
    with services.uow() as s:
        events = s.scalars(select(Event).where(Event.type == "delivered"))
        return Counter(json.loads(e.data)["outbox_id"] for e in events)


def fake_slack() -> FakeSlack:
    fake = FakeSlack(token=TOKEN).start()
    for email, user in PEOPLE.items():
        fake.add_user(user, email)
    return fake


def posts_per_channel(fake: FakeSlack) -> Counter[str]:
    return Counter(str(c.params["channel"]) for c in fake.calls("chat.postMessage"))


def slack_worker(services: Services, fake: FakeSlack, **kwargs: object) -> Worker:
    client = WebClient(token=TOKEN, base_url=fake.url)
    return Worker(services, SlackSender(client, SlackDirectory(services, client)), **kwargs)  # type: ignore[arg-type]


def test_only_the_claim_holder_records_the_outcome(services: Services, clock: FixedClock) -> None:
    """Leases run on the database's clock (store.outbox.db_now), not the worker's."""
    file_report(services, ReportForm(pupils="X", what="Y"), TEACHERS[0])
    lease = timedelta(seconds=0.4)  # on the database's clock: real time passes
    [first, *_] = delivery.claim(services, limit=1, lease=lease)  # worker A, which then stalls
    assert first.token
    clock.advance(hours=1)  # a worker's own clock plays no part in the lease …
    assert [p for p in delivery.claim(services, limit=3, lease=lease) if p.id == first.id] == []
    time.sleep(0.6)  # … the database's does: A's lease ran out without a renewal
    [second] = [p for p in delivery.claim(services, limit=3, lease=lease) if p.id == first.id]
    assert second.token != first.token
    # A wakes up: it may neither send nor record anything.
    assert not delivery.begin_send(services, first)
    assert not delivery.sent(services, first, platform="slack", ref="A")
    assert not delivery.retry(services, first, after=5, error="x")
    assert delivery.failed(services, first, error="x") is None
    # B, the holder, records it; exactly one `delivered` event.
    assert delivery.begin_send(services, second)
    assert delivery.sent(services, second, platform="slack", ref="B")
    row = next(r for r in outbox_rows(services) if r.id == first.id)
    assert (row.status, row.platform_ref, row.claim_token) == ("sent", "B", None)
    assert delivered_events(services)[first.id] == 1


def test_renewal_keeps_a_claim_and_release_hands_it_back(
    services: Services, clock: FixedClock
) -> None:
    file_report(services, ReportForm(pupils="X", what="Y"), TEACHERS[0])
    lease = timedelta(seconds=1.5)
    held = delivery.claim(services, limit=10, lease=lease)
    assert len(held) == 3
    time.sleep(1.0)
    assert delivery.renew(services, held, lease=lease) == 3
    time.sleep(1.0)  # 2 s after the claim, 1 s after the renewal: still held
    assert delivery.claim(services, lease=lease) == []
    assert delivery.release(services, held[1:]) == 2  # a stopping worker hands two back
    again = delivery.claim(services, lease=lease)
    assert sorted(p.id for p in again) == sorted(p.id for p in held[1:])
    assert all(p.attempts == 1 for p in again)  # the handed-back claim did not count


class AheadClock(SystemClock):
    """A replica whose wall clock runs 20 s ahead of the others'."""

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=20)


@pytest.mark.parametrize("skew", [False, True])
def test_two_replicas_against_a_slow_slack_post_every_notice_once(
    engine: Engine, skew: bool
) -> None:
    """Each send (2 s) outlasts the lease (1.2 s): only the heartbeat keeps the other replica
    from taking a row that is being sent. With one replica's clock 20 s ahead too: leases are
    compared on the database's clock, so it does not see the other's as run out."""
    from handlers.org import load_org
    from store.db import session_factory

    org = load_org(SAMPLE_ORG)
    clocks = [SystemClock(), AheadClock() if skew else SystemClock()]
    services = [Services(org=org, sessions=session_factory(engine), clock=c) for c in clocks]
    for teacher in TEACHERS[:2]:
        file_report(services[0], ReportForm(pupils="X", what="Y"), teacher)
    fake = fake_slack()
    fake.slow("chat.postMessage", 2.0)
    stop = threading.Event()
    workers = [slack_worker(s, fake, batch=1, lease=timedelta(seconds=1.2)) for s in services]
    threads = [
        threading.Thread(target=w.run_forever, args=(stop,), kwargs={"idle": 0.1}) for w in workers
    ]
    try:
        for th in threads:
            th.start()
        deadline = time.monotonic() + 40
        while any(r.status != "sent" for r in outbox_rows(services[0])):
            assert time.monotonic() < deadline, "not every notice was delivered"
            time.sleep(0.1)
    finally:
        stop.set()
        for w in workers:
            w.wake.set()
        for th in threads:
            th.join(timeout=10)
        fake.stop()
    rows = outbox_rows(services[0])
    assert len(rows) == 6
    # Six notices, six posts (the two receipts go to different teachers' DMs).
    assert sum(posts_per_channel(fake).values()) == 6
    assert len(fake.calls("chat.postMessage")) == 6
    assert set(delivered_events(services[0]).values()) == {1}
    assert len({r.platform_ref for r in rows}) == 6
    assert all(r.attempts == 1 for r in rows)


WORKER_SCRIPT = """
import sys, threading
from datetime import timedelta
from slack_sdk import WebClient
from bot import bootstrap
from bot.config import Settings
from bot.delivery import Worker
from bot.slack.directory import SlackDirectory
from bot.slack.sender import SlackSender

app = bootstrap.build(Settings.from_env(), migrate=False)
client = WebClient(token=Settings.from_env().slack_bot_token,
                   base_url=Settings.from_env().slack_api_url)
sender = SlackSender(client, SlackDirectory(app.services, client))
worker = Worker(app.services, sender, batch=int(sys.argv[1]),
                lease=timedelta(seconds=float(sys.argv[2])))
worker.run_forever(threading.Event(), idle=0.1)
"""


def database_url(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{url.database.removeprefix('file:')}"  # type: ignore[union-attr]
    schema = engine.dialect.default_schema_name
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("select current_schema()").scalar_one()
    return url.set(query={"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def start_worker(
    url: str, fake: FakeSlack, tmp_path: Path, *, batch: int, lease: float
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MELDEFRA_ORG": str(SAMPLE_ORG),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": fake.url,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, str(batch), str(lease)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_worker_killed_mid_send_leaves_its_notice_to_the_other_within_seconds(
    engine: Engine, services: Services, tmp_path: Path
) -> None:
    """SIGKILL in the middle of chat.postMessage: the other worker takes that notice over as
    soon as the lease (3 s) runs out, not minutes later. The killed send reached Slack; its
    message carries the notice id in its metadata, so the survivor finds it in the DM's
    history (send_started_at set, no result recorded) and records it instead of posting it
    again: every notice is in Slack once."""
    services.clock = SystemClock()
    file_report(services, ReportForm(pupils="X", what="Y"), TEACHERS[0])
    fake = fake_slack()
    fake.slow("chat.postMessage", 2.0)
    url = database_url(engine)
    doomed = start_worker(url, fake, tmp_path, batch=3, lease=3.0)
    survivor: subprocess.Popen[str] | None = None
    try:
        fake.wait_for("chat.postMessage", timeout=60)  # the first send is in flight
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        killed_at = time.monotonic()
        [in_flight] = [r for r in outbox_rows(services) if r.send_started_at is not None]
        assert in_flight.status == "pending" and in_flight.claim_token is not None
        survivor = start_worker(url, fake, tmp_path, batch=3, lease=3.0)
        deadline = killed_at + 30
        while any(r.status != "sent" for r in outbox_rows(services)):
            assert time.monotonic() < deadline, "the killed worker's notices were not delivered"
            time.sleep(0.1)
        taken_over = time.monotonic() - killed_at
    finally:
        for proc in (doomed, survivor):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)
        fake.stop()
    # Lease 3 s + process start + three 2 s sends; minutes before the fix.
    assert taken_over < 20
    rows = outbox_rows(services)
    assert set(delivered_events(services).values()) == {1}  # one `delivered` event each
    per_channel = posts_per_channel(fake)
    interrupted_channel = fake.dm_channel(PEOPLE[in_flight.recipient or ""])
    assert all(n == 1 for n in per_channel.values()) and len(per_channel) == 3
    [looked] = fake.calls("conversations.history")
    assert looked.params["channel"] == interrupted_channel
    assert looked.params["include_all_metadata"] in ("1", "true", True)
    assert len(rows) == 3 and all(r.status == "sent" for r in rows)
    ours = next(r for r in rows if r.id == in_flight.id)
    assert (ours.platform_ref or "").startswith(f"{interrupted_channel}:")


def test_a_notice_whose_send_was_interrupted_is_sent_when_slack_never_got_it(
    services: Services, clock: FixedClock
) -> None:
    """The other half: a send that never reached Slack (no message with its id in the history)
    is sent, once; a notice never interrupted is posted without looking (no history call)."""
    fake = fake_slack()
    try:
        file_report(services, ReportForm(pupils="X", what="Y"), TEACHERS[0])
        lease = timedelta(seconds=0.3)
        items = delivery.claim(services, limit=10, lease=lease)
        first = items[0]
        assert delivery.begin_send(services, first, lease=lease)  # and then the worker died
        delivery.release(services, items[1:])
        time.sleep(0.5)
        slack_worker(services, fake, lease=timedelta(seconds=15)).run_once()
    finally:
        fake.stop()
    assert [c.params["channel"] for c in fake.calls("conversations.history")] == [
        fake.dm_channel(PEOPLE[first.recipient or ""])
    ]
    assert len(fake.calls("chat.postMessage")) == 3
    assert all(r.status == "sent" for r in outbox_rows(services))
    meta = [
        json.loads(m) if isinstance(m := c.params["metadata"], str) else m
        for c in fake.calls("chat.postMessage")
    ]
    assert sorted(m["event_payload"]["notice_id"] for m in meta) == sorted(
        str(r.id) for r in outbox_rows(services)
    )

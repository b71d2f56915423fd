"""GET /healthz and GET /metrics over HTTP, and schema upgrades, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, text

from bot.delivery import Worker
from bot.health import Beat, Health
from bot.http import build_asgi
from bot.metrics import Metrics
from bot.scheduler import Scheduler
from bot.serve import ThreadLiveness
from bot.slack.directory import SlackDirectory
from bot.slack.sender import SlackSender
from handlers.clock import FixedClock
from handlers.org import Org
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.db import current_revision, head_revision, make_engine, session_factory, upgrade
from tests.fakes.slack_api import FakeSlack
from tests.followup_helpers import oslo
from tests.slack_harness import PEOPLE, TOKEN, serve_asgi

TEACHER = "laerer1@nordby.example"


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database nobody has upgraded yet."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        with eng.connect():
            pass  # the file exists, empty
        yield eng
        eng.dispose()
        return
    url = request.getfixturevalue("pg_server")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(url, schema=schema)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_healthz_is_503_on_a_database_never_upgraded(
    bare_engine: Engine, org: Org, clock: FixedClock
) -> None:
    services = Services(org=org, sessions=session_factory(bare_engine), clock=clock)
    with serve_asgi(build_asgi(services, None)) as base:
        answer = httpx.get(f"{base}/healthz")
        assert answer.status_code == 503
        body = answer.json()
        assert body["ok"] is False
        assert body["database"] == {
            "ok": False,
            "reason": "schema_not_current",
            "revision": None,
            "expected": head_revision(),
        }
        upgrade(bare_engine)
        answer = httpx.get(f"{base}/healthz")
        assert answer.status_code == 200 and answer.json()["database"]["ok"] is True


def test_replicas_upgrading_at_once_take_turns(bare_engine: Engine) -> None:
    """Three replicas start together on an empty database: one upgrades (PostgreSQL: under an
    advisory lock), the others find it current; none fails on the others' DDL."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def replica() -> None:
        barrier.wait()
        try:
            upgrade(bare_engine)
        except BaseException as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert current_revision(bare_engine) == head_revision()


def test_healthz_reports_delivery_falling_behind(services: Services, clock: FixedClock) -> None:
    """The worker is alive but Slack hangs on a send: notices wait, and past the threshold
    /healthz answers 503 with the reason; when Slack answers again it is 200."""
    with FakeSlack(token=TOKEN) as fake:
        for email, user in PEOPLE.items():
            fake.add_user(user, email)
        fake.slow("chat.postMessage", 2.0)
        client = WebClient(token=TOKEN, base_url=fake.url)
        beat = Beat()
        worker = Worker(
            services, SlackSender(client, SlackDirectory(services, client)), batch=1, beat=beat
        )
        stop = threading.Event()
        thread = threading.Thread(target=worker.run_forever, args=(stop,), kwargs={"idle": 0.1})
        health = Health(services, worker=ThreadLiveness(thread, beat), stale_after=300)
        with serve_asgi(build_asgi(services, None, health=health)) as base:
            thread.start()
            try:
                first = httpx.get(f"{base}/healthz").json()
                assert first["ok"] is True and first["delivery"]["ok"] is True
                file_report(services, ReportForm(pupils="X", what="Y"), TEACHER)
                worker.wake.set()
                fake.wait_for("chat.postMessage", timeout=10)  # stuck on the first of three
                clock.advance(minutes=6)
                answer = httpx.get(f"{base}/healthz")
                assert answer.status_code == 503
                delivery = answer.json()["delivery"]
                assert delivery["ok"] is False and delivery["reason"] == "oldest_due_too_old"
                assert delivery["due"] == 3 and delivery["oldest_due_seconds"] == 360.0
                fake.slow("chat.postMessage", 0)
                deadline = time.monotonic() + 20
                while httpx.get(f"{base}/healthz").status_code != 200:
                    assert time.monotonic() < deadline, "delivery did not catch up"
                    time.sleep(0.1)
            finally:
                stop.set()
                worker.wake.set()
                thread.join(timeout=10)
            answer = httpx.get(f"{base}/healthz")
            assert answer.status_code == 503
            assert answer.json()["delivery"]["reason"] == "delivery_worker_dead"


def metric(body: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text exposition."""
    for line in body.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        assert m, line
        got = dict(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if m.group(1) == name and got == labels:
            return float(m.group(3))
    raise AssertionError(f"no sample {name}{labels} in:\n{body}")


def test_metrics_over_http(services: Services, clock: FixedClock) -> None:
    metrics = Metrics(services)
    with FakeSlack(token=TOKEN) as fake:
        for email, user in PEOPLE.items():
            fake.add_user(user, email)
        client = WebClient(token=TOKEN, base_url=fake.url)
        worker = Worker(
            services, SlackSender(client, SlackDirectory(services, client)), observer=metrics
        )
        with serve_asgi(build_asgi(services, None, metrics=metrics)) as base:
            file_report(services, ReportForm(pupils="X", what="Y"), TEACHER)
            clock.advance(seconds=42)
            before = httpx.get(f"{base}/metrics")
            assert before.status_code == 200
            assert before.headers["content-type"].startswith("text/plain; version=0.0.4")
            assert metric(before.text, "meldefra_outbox_due") == 3
            assert metric(before.text, "meldefra_outbox_oldest_due_seconds") == 42
            assert (
                metric(
                    before.text,
                    "meldefra_schema_revision_info",
                    revision=head_revision(),
                    expected=head_revision(),
                )
                == 1
            )
            # One rate limit, one person Slack does not know, the rest sent.
            fake.fail(
                "chat.postMessage",
                status=429,
                retry_after=5,
                channel=fake.dm_channel(PEOPLE[TEACHER]),
            )
            fake.fail(
                "chat.postMessage",
                error="account_inactive",
                channel=fake.dm_channel(PEOPLE["trinn8@nordby.example"]),
            )
            worker.run_once()
            httpx.get(f"{base}/healthz")
            httpx.get(f"{base}/nowhere")
            # The morning round: tomorrow 08:00, the unacknowledged case is reminded.
            clock.set(oslo(2026, 11, 26, 8, 5))
            Scheduler(services, on_round=metrics.round).tick()
            body = httpx.get(f"{base}/metrics").text
    # Rektor's notice went out; the receipt waits (429), the leader's failed (re-routed).
    assert (
        metric(
            body, "meldefra_outbox_deliveries_total", platform="slack", outcome="sent", reason="ok"
        )
        == 1
    )
    assert (
        metric(
            body,
            "meldefra_outbox_deliveries_total",
            platform="slack",
            outcome="retried",
            reason="ratelimited",
        )
        == 1
    )
    assert (
        metric(
            body,
            "meldefra_outbox_deliveries_total",
            platform="slack",
            outcome="failed",
            reason="account_inactive",
        )
        == 1
    )
    assert metric(body, "meldefra_followup_rounds_total", kind="reminders", status="ran") >= 1
    assert metric(body, "meldefra_followup_round_duration_seconds_count", kind="reminders") == 1
    assert (
        metric(
            body,
            "meldefra_http_request_duration_seconds_count",
            route="/healthz",
            method="GET",
            status="200",
        )
        == 1
    )
    assert (
        metric(
            body,
            "meldefra_http_request_duration_seconds_count",
            route="other",
            method="GET",
            status="404",
        )
        == 1
    )
    assert (
        metric(
            body,
            "meldefra_http_request_duration_seconds_bucket",
            route="/metrics",
            method="GET",
            status="200",
            le="+Inf",
        )
        == 1
    )
    assert metric(body, "meldefra_database_up") == 1
    assert "laerer1" not in body and "nordby.example" not in body  # no people in labels


def test_metrics_stay_bounded_whatever_methods_and_paths_are_sent(services: Services) -> None:
    """Issue 19 finding 16: 300 requests with made-up methods (and paths) grew /metrics from
    114 kB to 17 MB. Methods are GET, POST, HEAD or other; paths a route or other."""
    metrics = Metrics(services)
    with serve_asgi(build_asgi(services, None, metrics=metrics)) as base, httpx.Client() as http:
        for method in ("GET", "HEAD", "POST", "BREW"):
            for path in ("/healthz", "/metrics", "/nowhere"):
                http.request(method, f"{base}{path}")
        before = http.get(f"{base}/metrics").text
        for i in range(300):
            http.request(f"M{i}X", f"{base}/healthz" if i % 2 else f"{base}/scan/{i}")
        after = http.get(f"{base}/metrics").text
    assert len(after) - len(before) < 200, (len(before), len(after))
    counts = [
        line for line in after.splitlines()
        if line.startswith("meldefra_http_request_duration_seconds_count")
    ]  # fmt: skip
    assert set(re.findall(r'method="([^"]*)"', "\n".join(counts))) == {
        "GET", "HEAD", "POST", "other"
    }  # fmt: skip
    assert metric(
        after, "meldefra_http_request_duration_seconds_count",
        route="/healthz", method="other", status="405",
    ) == 1 + 150  # fmt: skip
    assert metric(
        after, "meldefra_http_request_duration_seconds_count",
        route="other", method="other", status="404",
    ) == 1 + 150  # fmt: skip

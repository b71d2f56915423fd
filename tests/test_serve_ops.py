"""`meldefra serve --http` as an operator meets it: SIGTERM, a dead delivery process, a deleted
database file, a database behind or ahead of the code. Real processes, loopback fake Slack."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select, text

from store.db import head_revision, make_engine, session_factory, transaction
from store.models import Outbox
from tests.conftest import PG_URL, SAMPLE_ORG
from tests.fakes.signing import interactive_body, signed_headers, slash_command_body
from tests.fakes.slack_api import FakeSlack
from tests.slack_harness import PEOPLE, SECRET, TOKEN, free_port
from tests.test_health import metric
from tests.test_serve import TEACHER, report_submission

DELIVERIES = "meldefra_outbox_deliveries_total"


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def fake_slack() -> FakeSlack:
    fake = FakeSlack(token=TOKEN).start()
    for email, user in PEOPLE.items():
        fake.add_user(user, email)
    return fake


@contextmanager
def server(env: dict[str, str], cwd: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1",
         "--port", str(port)],
        env={**os.environ, "MELDEFRA_ORG": str(SAMPLE_ORG), "SLACK_BOT_TOKEN": TOKEN,
             "SLACK_SIGNING_SECRET": SECRET, **env},
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, proc.communicate()[0]
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return True
        except httpx.TransportError:
            return False

    try:
        wait_until(up, 60, "serve --http did not come up")
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def sqlite_rows(path: Path) -> list[Outbox]:
    engine = make_engine(f"sqlite:///{path}")
    with transaction(session_factory(engine)) as s:
        rows = list(s.scalars(select(Outbox).order_by(Outbox.id)))
    engine.dispose()
    return rows


def file_report(base: str) -> None:
    body = interactive_body(report_submission())
    answer = httpx.post(f"{base}/slack/events", content=body, headers=signed_headers(body, SECRET))
    assert answer.status_code == 200


def delivery_pid(parent: int) -> int | None:
    """The delivery process: the spawned child of `serve` (not multiprocessing's tracker)."""
    children = [
        child
        for task in Path(f"/proc/{parent}/task").iterdir()  # any thread may have started it
        for child in (task / "children").read_text().split()
    ]
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in cmdline:
            return int(child)
    return None


def test_sigterm_answers_requests_in_flight_and_hands_back_claimed_notices(
    tmp_path: Path,
) -> None:
    db = tmp_path / "m.db"
    fake = fake_slack()
    fake.slow("chat.postMessage", 3.0)
    try:
        with server({"DATABASE_URL": f"sqlite:///{db}", "SLACK_API_URL": fake.url}, tmp_path) as (
            proc,
            base,
        ):
            file_report(base)  # three notices: the worker claims them and starts on one
            fake.wait_for("chat.postMessage", timeout=20)
            # A request still arriving when SIGTERM comes (its body trickles in).
            body = slash_command_body(user_id=PEOPLE[TEACHER])
            started = threading.Event()

            def trickle() -> Iterator[bytes]:
                yield body[:10]
                started.set()
                time.sleep(1.0)
                yield body[10:]

            answers: list[int] = []
            client = threading.Thread(
                target=lambda: answers.append(
                    httpx.post(
                        f"{base}/slack/events",
                        content=trickle(),
                        headers={**signed_headers(body, SECRET), "Content-Length": str(len(body))},
                        timeout=20,
                    ).status_code
                )
            )
            client.start()
            started.wait(10)
            time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            client.join(timeout=30)
            output = proc.communicate(timeout=40)[0]
            assert answers == [200], output  # answered, not cut off
            assert proc.returncode == 0, output
    finally:
        fake.stop()
    assert "Traceback" not in output, output
    rows = sqlite_rows(db)
    sent = [r for r in rows if r.status == "sent"]
    handed_back = [r for r in rows if r.status == "pending"]
    assert len(sent) == 1 and len(handed_back) == 2  # the send in flight finished
    # Handed back: another replica may take them at once, and the attempt did not count.
    assert all(r.claimed_until is None and r.claim_token is None for r in handed_back)
    assert all(r.attempts == 0 for r in handed_back)
    assert "claimed notices handed back" in output


def test_a_dead_delivery_process_is_restarted_and_garbage_retry_after_does_not_kill_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "m.db"
    fake = fake_slack()
    try:
        with server({"DATABASE_URL": f"sqlite:///{db}", "SLACK_API_URL": fake.url}, tmp_path) as (
            proc,
            base,
        ):
            first = delivery_pid(proc.pid)
            assert first is not None
            os.kill(first, signal.SIGKILL)
            # Dead: /healthz says so (until the supervisor has started a new one).
            seen_dead = httpx.get(f"{base}/healthz").json()["delivery"]
            wait_until(lambda: delivery_pid(proc.pid) not in (None, first), 20, "not restarted")
            wait_until(lambda: httpx.get(f"{base}/healthz").status_code == 200, 20, "unhealthy")
            # The new process delivers; a 429 with Retry-After 1e999 is a retry, not a crash.
            fake.fail("chat.postMessage", status=429, retry_after="1e999")
            file_report(base)
            fake.wait_for("chat.postMessage", count=4, timeout=30)  # 429, then three
            wait_until(lambda: all(r.status == "sent" for r in sqlite_rows(db)), 20, "unsent")
            assert delivery_pid(proc.pid) != first
            sent = {"platform": "slack", "outcome": "sent", "reason": "ok"}
            wait_until(
                lambda: metric(httpx.get(f"{base}/metrics").text, DELIVERIES, **sent) == 3,
                10,
                "not counted",
            )
            metrics = httpx.get(f"{base}/metrics").text
            health = httpx.get(f"{base}/healthz").json()
    finally:
        fake.stop()
    assert (
        seen_dead["ok"] is False
        and seen_dead["reason"] == "delivery_worker_dead"
        or (
            seen_dead["ok"] is True  # the supervisor was quicker than the request
        )
    )
    assert health["ok"] is True and health["delivery"]["due"] == 0
    # The delivery process's counts reach the server's /metrics.
    assert metric(metrics, "meldefra_delivery_worker_restarts_total") == 1
    retried = {"platform": "slack", "outcome": "retried", "reason": "ratelimited"}
    assert metric(metrics, DELIVERIES, **retried) == 1


def test_healthz_is_503_when_the_sqlite_file_is_deleted(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    fake = fake_slack()
    try:
        with server({"DATABASE_URL": f"sqlite:///{db}", "SLACK_API_URL": fake.url}, tmp_path) as (
            _proc,
            base,
        ):
            assert httpx.get(f"{base}/healthz").status_code == 200
            for path in tmp_path.glob("m.db*"):
                path.unlink()
            answer = httpx.get(f"{base}/healthz")
            assert answer.status_code == 503
            assert answer.json()["database"] == {"ok": False, "reason": "database_file_missing"}
            body = slash_command_body(user_id=PEOPLE[TEACHER])
            httpx.post(f"{base}/slack/events", content=body, headers=signed_headers(body, SECRET))
            time.sleep(1.5)  # the delivery process polls too
            assert httpx.get(f"{base}/healthz").status_code == 503
            assert not db.exists()  # nobody made a new, empty database in its place
    finally:
        fake.stop()


def test_serve_upgrades_a_fresh_postgresql_and_refuses_a_newer_schema(
    tmp_path: Path, pg_server: str
) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(pg_server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_engine(pg_server).url.set(query={"options": f"-csearch_path={schema}"})
    database_url = url.render_as_string(hide_password=False)
    fake = fake_slack()
    try:
        # Two replicas start at once on the never-upgraded database.
        with (
            server({"DATABASE_URL": database_url, "SLACK_API_URL": fake.url}, tmp_path) as (
                _p1,
                one,
            ),
            server({"DATABASE_URL": database_url, "SLACK_API_URL": fake.url}, tmp_path) as (
                _p2,
                two,
            ),
        ):
            for base in (one, two):
                health = httpx.get(f"{base}/healthz").json()
                assert health["ok"] is True
                assert health["database"]["revision"] == head_revision()
        with admin.begin() as conn:
            conn.execute(text(f"UPDATE \"{schema}\".alembic_version SET version_num = '9999_x'"))
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "serve", "--http", "--port", str(free_port())],
            env={**os.environ, "MELDEFRA_ORG": str(SAMPLE_ORG), "SLACK_BOT_TOKEN": TOKEN,
                 "SLACK_SIGNING_SECRET": SECRET, "DATABASE_URL": database_url,
                 "SLACK_API_URL": fake.url},
            cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        fake.stop()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "9999_x" in line and "newer" in line


def test_serve_upgrades_an_old_sqlite_database(tmp_path: Path) -> None:
    """A SQLite file left at an older revision (a Meldefra from before this change)."""
    db = tmp_path / "m.db"
    engine = make_engine(f"sqlite:///{db}")
    from store.db import upgrade

    upgrade(engine, "0003")
    engine.dispose()
    fake = fake_slack()
    try:
        with server({"DATABASE_URL": f"sqlite:///{db}", "SLACK_API_URL": fake.url}, tmp_path) as (
            _proc,
            base,
        ):
            health = httpx.get(f"{base}/healthz").json()
    finally:
        fake.stop()
    assert health["database"] == {
        "ok": True,
        "revision": head_revision(),
        "expected": head_revision(),
    }
    with sqlite3.connect(db) as conn:
        assert conn.execute("select version_num from alembic_version").fetchone()[0] == (
            head_revision()
        )
    assert PG_URL  # the PostgreSQL variant is the test above


def test_a_server_killed_outright_leaves_no_delivery_process_behind(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    fake = fake_slack()
    try:
        with server({"DATABASE_URL": f"sqlite:///{db}", "SLACK_API_URL": fake.url}, tmp_path) as (
            proc,
            _,
        ):
            child = delivery_pid(proc.pid)
            assert child is not None
            proc.kill()  # SIGKILL: no chance to stop its children
            proc.wait(timeout=10)

            def gone() -> bool:
                try:
                    state = Path(f"/proc/{child}/stat").read_text().split(") ")[1][0]
                except FileNotFoundError:
                    return True
                return state == "Z"  # exited, waiting to be reaped by init

            wait_until(gone, 15, "the delivery process outlived its server")
    finally:
        fake.stop()

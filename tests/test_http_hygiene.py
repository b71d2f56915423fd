"""What anyone on the network can send: unsigned garbage, huge bodies, slow or silent clients.

Over real HTTP (uvicorn, raw sockets where a client must misbehave): unsigned or unreadable
Slack requests get 401 before their body is parsed (never 500), bodies over the limit 413
(at once when Content-Length says so, while streaming when it is absent), a body that does not
arrive 408, and a connection that never sends its request is closed.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from slack_sdk import WebClient
from sqlalchemy import func, select
from uvicorn.protocols.http import h11_impl

from bot import limits
from bot.http import BODY_LIMITS, build_asgi
from bot.limits import MB, server_options
from bot.slack.app import build_app
from handlers.services import Services
from store.models import Case
from tests.conftest import SAMPLE_ORG
from tests.fakes.signing import (
    checkboxes,
    interactive_body,
    plain_text_input,
    signed_headers,
    view_submission,
)
from tests.fakes.slack_api import FakeSlack
from tests.processes import stop
from tests.slack_harness import PEOPLE, SECRET, TOKEN, free_port, slack_bot
from tests.teams_harness import teams_bot

TEACHER = "laerer1@nordby.example"


def submission() -> bytes:
    return interactive_body(
        view_submission(
            "meldefra_report",
            {
                "pupils": {"value": plain_text_input("P.Q.")},
                "what": {"value": plain_text_input("Utestengt")},
                "categories": {"categories": checkboxes(["utestenging"])},
            },
            user_id=PEOPLE[TEACHER],
        )
    )


def form(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded"}


def plausible(body: bytes) -> dict[str, str]:
    """Fresh, well-formed signature headers with the wrong key: only the body can tell."""
    return signed_headers(body, "someone-else's-secret")


GARBAGE: list[tuple[str, bytes, Any]] = [
    ("10 MB unsigned", b"payload=" + b"A" * (10 * MB), form),
    ("invalid UTF-8, unsigned", b"payload=\xff\xfe\xfd", form),
    ("invalid UTF-8, plausible signature", b"payload=\xff\xfe\xfd", plausible),
    ("not JSON, unsigned", b"payload={not json", form),
    ("not JSON, plausible signature", b"payload={not json", plausible),
    ("empty, unsigned", b"", form),
    (
        "garbage timestamp",
        b"x",
        lambda b: {**signed_headers(b, SECRET), "X-Slack-Request-Timestamp": "soon"},
    ),
    ("stale", submission(), lambda b: signed_headers(b, SECRET, int(time.time()) - 600)),
]


def count_cases(services: Services) -> int:
    with services.uow() as s:
        return int(s.scalar(select(func.count()).select_from(Case)) or 0)


@pytest.mark.parametrize(("what", "body", "headers"), GARBAGE, ids=[g[0] for g in GARBAGE])
def test_unsigned_or_garbage_gets_401_never_500(
    services: Services, what: str, body: bytes, headers: Any
) -> None:
    with slack_bot(services) as bot:
        answer = bot.http.post(f"{bot.base}/slack/events", content=body, headers=headers(body))
        assert answer.status_code == 401, (what, answer.status_code, answer.text[:200])
        assert "Traceback" not in answer.text
        assert [c.method for c in bot.fake.calls()] in ([], ["auth.test"])  # Bolt's start
        assert count_cases(services) == 0
        # the server is still fine
        good = submission()
        assert bot.post(good).status_code == 200
        assert count_cases(services) == 1


def test_signed_but_unreadable_is_400_not_500(services: Services) -> None:
    with slack_bot(services) as bot:
        for body in (b"payload={not json", b"payload=%7Bnot+json"):
            answer = bot.post(body)
            assert answer.status_code == 400, answer.text
            assert "Traceback" not in answer.text


def test_a_body_over_the_limit_is_413_without_being_read(services: Services) -> None:
    with slack_bot(services) as bot:
        big = b"payload=" + b"A" * (2 * MB)
        # Content-Length says too much: answered before the body is sent (raw socket, so the
        # client can wait for the answer before sending a byte of it).
        host, port = bot.base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            head = "".join(f"{k}: {v}\r\n" for k, v in plausible(big).items())
            sock.sendall(
                f"POST /slack/events HTTP/1.1\r\nHost: x\r\n{head}"
                f"Content-Length: {len(big)}\r\n\r\n".encode()
            )
            assert sock.recv(200).startswith(b"HTTP/1.1 413")

        # No Content-Length (chunked): cut off while it streams.
        def chunks() -> Iterator[bytes]:
            for start in range(0, len(big), 64 * 1024):
                yield big[start : start + 64 * 1024]

        answer = bot.http.post(f"{bot.base}/slack/events", content=chunks(), headers=plausible(big))
        assert answer.status_code == 413
        assert count_cases(services) == 0
        assert bot.post(submission()).status_code == 200  # a real one still gets through


def test_teams_takes_4_mb_and_not_more(services: Services) -> None:
    with teams_bot(services) as teams:
        url = f"{teams.base}/api/messages"
        over = b'{"type": "message", "text": "' + b"a" * (4 * MB) + b'"}'
        assert (
            teams.http.post(
                url, content=over, headers={"Content-Type": "application/json"}
            ).status_code
            == 413
        )

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(over), 256 * 1024):
                yield over[start : start + 256 * 1024]

        streamed = teams.http.post(
            url, content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        # Under the limit it reaches the Teams SDK (which answers for itself), no 413.
        under = teams.activity(TEACHER, "message", text="hjelp " + "a" * (2 * MB))
        assert teams.post(under).status_code != 413
        assert teams.post(teams.activity(TEACHER, "message", text="hjelp")).status_code == 200
        for garbage in (b"\xff\xfe", b"{not json"):
            answer = teams.http.post(
                url, content=garbage, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code in (400, 401) and "Traceback" not in answer.text


# --- timeouts: uvicorn with Meldefra's server options -----------------------------------------


@contextmanager
def guarded_server(services: Services, *, head: float, read: float) -> Iterator[tuple[str, int]]:
    with FakeSlack(token=TOKEN) as fake:
        client = WebClient(token=TOKEN, base_url=fake.url)
        app, _ = build_app(services, client, signing_secret=SECRET)
        asgi = build_asgi(services, app, read_timeout=read)
        port = free_port()
        config = uvicorn.Config(
            asgi, host="127.0.0.1", port=port, log_level="error", **server_options(head)
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        try:
            yield "127.0.0.1", port
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing, or None if it kept the connection open."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


@pytest.fixture
def sqlite_services(tmp_path: Path) -> Services:
    from handlers.clock import FixedClock
    from handlers.org import load_org
    from store.db import make_engine, session_factory, upgrade
    from tests.conftest import NOW

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    return Services(
        org=load_org(SAMPLE_ORG), sessions=session_factory(engine), clock=FixedClock(NOW)
    )


def test_silent_and_slow_clients_are_cut_off(sqlite_services: Services) -> None:
    with guarded_server(sqlite_services, head=1.0, read=1.0) as (host, port):
        # Connects and says nothing (half-open): closed after the head timeout.
        with socket.create_connection((host, port)) as silent:
            started = time.monotonic()
            assert closed_within(silent, 5) is not None
            assert time.monotonic() - started < 4
        # Sends its request line a byte at a time: closed all the same.
        with socket.create_connection((host, port)) as trickle:
            started = time.monotonic()
            try:
                for byte in b"POST /slack/events HTTP/1.1\r\nHost: x\r\n":
                    trickle.sendall(bytes([byte]))
                    time.sleep(0.2)
                    if time.monotonic() - started > 5:
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert closed_within(trickle, 3) is not None
            assert time.monotonic() - started < 6
        # Promises a body and sends part of it: 408 after the read timeout.
        body = submission()
        with socket.create_connection((host, port)) as slow:
            head = "".join(f"{k}: {v}\r\n" for k, v in signed_headers(body, SECRET).items())
            slow.sendall(
                f"POST /slack/events HTTP/1.1\r\nHost: x\r\n{head}"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body[:20]
            )
            answer = closed_within(slow, 5)
            assert answer is not None and answer.startswith(b"HTTP/1.1 408"), answer
        # An idle keep-alive connection is closed too; a normal request is unaffected.
        with httpx.Client() as http:
            assert http.get(f"http://{host}:{port}/healthz").status_code == 200
    assert count_cases(sqlite_services) == 0


def test_meldefra_serve_applies_the_limits(tmp_path: Path) -> None:
    """The operator's `meldefra serve --http`: garbage is 401, big is 413, silence is cut off."""
    port = free_port()
    log = tmp_path / "serve.log"
    with FakeSlack(token=TOKEN) as fake, log.open("w") as sink:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
            "MELDEFRA_ORG": str(SAMPLE_ORG),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": fake.url,
            "SLACK_SIGNING_SECRET": SECRET,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--http", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    httpx.get(f"{url}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            with httpx.Client(base_url=url, timeout=30) as http:
                for what, body, headers in GARBAGE:
                    answer = http.post("/slack/events", content=body, headers=headers(body))
                    assert answer.status_code == 401, what
                big = b"payload=" + b"A" * (2 * MB)
                answer = http.post("/slack/events", content=big, headers=plausible(big))
                assert answer.status_code == 413
            with socket.create_connection(("127.0.0.1", port)) as silent:
                assert closed_within(silent, 20) is not None  # HEAD_TIMEOUT is 10 s
        finally:
            stop(proc)
    output = log.read_text()
    assert "Traceback" not in output, output[-3000:]
    # Issue 19 finding 21: without --host it listened on every interface, /metrics included.
    assert f"serving HTTP on 127.0.0.1:{port}" in output, output[-3000:]


def test_the_proxy_examples_let_through_what_meldefra_takes() -> None:
    """Issue 19 finding 21: the nginx example allowed 1 MB while Teams takes 4 MB."""
    guide = (Path(__file__).parents[1] / "docs" / "OPERATIONS.md").read_text()
    largest = max(BODY_LIMITS.values())
    nginx = re.findall(r"client_max_body_size (\d+)m;", guide)
    caddy = re.findall(r"max_size (\d+)MB", guide)
    assert nginx and caddy
    assert all(int(size) * MB == largest for size in nginx + caddy), (nginx, caddy)


def test_uvicorn_is_the_one_the_head_timeout_was_written_against() -> None:
    """bot/limits.py: GuardedH11Protocol extends uvicorn's internal h11 protocol. A uvicorn
    other than the pinned one, or a changed h11_impl.py, fails here, not silently in
    production: read the new source against GuardedH11Protocol, then update the constants."""
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    pins = [d for d in project["project"]["dependencies"] if re.match(r"uvicorn\b", d)]
    assert pins == [f"uvicorn=={limits.UVICORN_VERSION}"]
    assert uvicorn.__version__ == limits.UVICORN_VERSION
    source = Path(h11_impl.__file__).read_bytes()
    assert hashlib.sha256(source).hexdigest() == limits.H11_IMPL_SHA256
    # What the subclass calls and reads, by name.
    for name in ("connection_made", "data_received", "on_response_complete", "connection_lost"):
        assert callable(getattr(h11_impl.H11Protocol, name))
    assert issubclass(limits.protocol_with(1.0), h11_impl.H11Protocol)

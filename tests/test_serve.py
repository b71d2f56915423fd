"""`meldefra serve` as the operator runs it: a real process, Socket Mode or HTTP, fake Slack."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from store.db import make_engine, session_factory, transaction
from store.models import Case
from tests.conftest import SAMPLE_ORG
from tests.fakes.signing import (
    checkboxes,
    interactive_body,
    plain_text_input,
    signed_headers,
    slash_command_body,
    slash_command_payload,
    view_submission,
)
from tests.fakes.slack_api import FakeSlack
from tests.fakes.socket_mode import FakeSocketModeServer
from tests.slack_harness import PEOPLE, SECRET, TOKEN, free_port

APP_TOKEN = "xapp-1-test"
TEACHER = "laerer1@nordby.example"


@contextmanager
def meldefra(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", *args],
        env={**os.environ, **env}, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def base_env(tmp_path: Path, fake: FakeSlack) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "MELDEFRA_ORG": str(SAMPLE_ORG),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": fake.url,
    }


def stored_cases(tmp_path: Path) -> list[Case]:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with transaction(session_factory(engine)) as s:
        rows = list(s.scalars(select(Case)))
    engine.dispose()
    return rows


def report_submission() -> dict[str, object]:
    return view_submission(
        "meldefra_report",
        {"pupils": {"value": plain_text_input("P.Q.")},
         "what": {"value": plain_text_input("Utestengt fra gruppa")},
         "categories": {"categories": checkboxes(["utestenging"])}},
        user_id=PEOPLE[TEACHER], view_id="V0SERVE",
    )


def test_socket_mode_end_to_end(tmp_path: Path) -> None:
    with FakeSocketModeServer() as socket_server, FakeSlack(
        token=TOKEN, app_token=APP_TOKEN, socket_mode=socket_server
    ) as fake:
        for email, user in PEOPLE.items():
            fake.add_user(user, email)
        env = {**base_env(tmp_path, fake), "SLACK_APP_TOKEN": APP_TOKEN}
        with meldefra([], env, tmp_path) as proc:
            socket_server.wait_connections(1, timeout=30)
            envelope = socket_server.push(
                "slash_commands", slash_command_payload(user_id=PEOPLE[TEACHER], text="hei"))
            socket_server.wait_ack(envelope, timeout=5)
            fake.wait_for("views.open", timeout=5)
            envelope = socket_server.push("interactive", report_submission())
            socket_server.wait_ack(envelope, timeout=5)
            # The delivery process may still be starting on a loaded machine.
            fake.wait_for("chat.postMessage", count=3, timeout=30)
            assert proc.poll() is None
        assert proc.returncode == 0
    assert [c.status for c in stored_cases(tmp_path)] == ["new"]


def test_http_mode_serves_slack_and_healthz(tmp_path: Path) -> None:
    port = free_port()
    with FakeSlack(token=TOKEN) as fake:
        for email, user in PEOPLE.items():
            fake.add_user(user, email)
        env = {**base_env(tmp_path, fake), "SLACK_SIGNING_SECRET": SECRET}
        with meldefra(["--http", "--port", str(port), "--host", "127.0.0.1"], env, tmp_path):
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    health = httpx.get(f"{url}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "serve --http did not come up"
                    time.sleep(0.1)
            assert health.status_code == 200 and health.json()["ok"] is True
            body = slash_command_body(user_id=PEOPLE[TEACHER])
            first = httpx.post(f"{url}/slack/events", content=body,
                               headers=signed_headers(body, SECRET))
            assert first.status_code == 200
            fake.wait_for("views.open", timeout=5)
            forged = httpx.post(f"{url}/slack/events", content=body,
                                headers=signed_headers(body, "not-the-secret"))
            assert forged.status_code == 401
            sub = interactive_body(report_submission())
            assert httpx.post(f"{url}/slack/events", content=sub,
                              headers=signed_headers(sub, SECRET)).status_code == 200
            fake.wait_for("chat.postMessage", count=3, timeout=30)
    [case] = stored_cases(tmp_path)
    assert json.loads(case.categories) == ["utestenging"]


def test_misconfiguration_is_a_clear_error(tmp_path: Path) -> None:
    env = {"MELDEFRA_ORG": str(SAMPLE_ORG), "SLACK_BOT_TOKEN": TOKEN,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], cwd=tmp_path,
                            env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2 and "SLACK_APP_TOKEN" in result.stderr
    result = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--http"], cwd=tmp_path,
                            env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr

"""`meldefra serve` with Teams configured: a real process serving /api/messages beside
/healthz, its outbox worker delivering through the Teams sender to the loopback connector."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ROOT, SAMPLE_ORG
from tests.fakes.teams_api import FakeTeams
from tests.slack_harness import free_port
from tests.teams_harness import APP_ID, BOT_ID, TENANT, aad, dm, teams_id

TEACHER = "laerer1@nordby.example"
PEOPLE = [TEACHER, "trinn8@nordby.example", "rektor@nordby.example", "skoleeier@kommune.example"]


def activity(fake: FakeTeams, email: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "id": f"in-{time.monotonic_ns()}",
        "channelId": "msteams",
        "serviceUrl": fake.url,
        "from": {"id": teams_id(email), "aadObjectId": aad(email)},
        "recipient": {"id": BOT_ID},
        "conversation": {"id": dm(email), "conversationType": "personal", "tenantId": TENANT},
        **extra,
    }


def wait_for(check: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_serve_with_teams_files_and_delivers(tmp_path: Path) -> None:
    port = free_port()
    with FakeTeams() as fake:
        for email in PEOPLE:
            fake.add_person(aad(email), teams_id(email), email)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CLIENT_"))},
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
            "MELDEFRA_ORG": str(SAMPLE_ORG),
            "CLIENT_ID": APP_ID,
            "TENANT_ID": TENANT,
            "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _up(base), timeout=60)
            health = httpx.get(f"{base}/healthz").json()
            assert {k: health[k] for k in ("ok", "slack", "teams")} == {
                "ok": True,
                "slack": False,
                "teams": True,
            }
            assert health["database"]["ok"] and health["delivery"]["ok"]
            for email in PEOPLE:
                install = activity(fake, email, "installationUpdate", action="add")
                assert httpx.post(f"{base}/api/messages", json=install).status_code == 200
            report = {
                "dialog": "report",
                "key": "serve-1",
                "school": "nordby",
                "pupils": "P.Q.",
                "what": "Utestengt fra gruppa",
            }
            answer = httpx.post(
                f"{base}/api/messages",
                json=activity(fake, TEACHER, "invoke", name="task/submit", value={"data": report}),
            ).json()
            assert "MF-0001" in answer["task"]["value"]
            # The worker thread delivers through the server's event loop.
            wait_for(lambda: len(fake.activities_to(dm("trinn8@nordby.example"))) == 1)
            wait_for(lambda: len(fake.activities_to(dm(TEACHER))) == 1)
        finally:
            proc.send_signal(signal.SIGTERM)
            output = proc.communicate(timeout=15)[0]
        assert "Traceback" not in output, output


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz").status_code == 200
    except httpx.TransportError:
        return False


def listening_hosts(port: int) -> set[str]:
    """The addresses a local TCP port listens on (from /proc/net/tcp, state 0A = LISTEN)."""
    hosts = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            hosts.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return hosts


def test_with_auth_off_serve_listens_on_loopback_unless_told(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CLIENT_"))},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "MELDEFRA_ORG": str(SAMPLE_ORG),
        "CLIENT_ID": APP_ID,
        "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: _up(f"http://127.0.0.1:{port}"), timeout=60)
        assert listening_hosts(port) == {"127.0.0.1"}
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=15)[0]
    assert "Traceback" not in output, output

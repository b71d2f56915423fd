"""Slack latency under load: 50 concurrent users filing through /meldefra and the modal.

Run: .venv/bin/python bench/slack_bench.py [--users 50] [--rounds 4]

Both apps run as their own processes behind the same server stack, against one loopback
fake Slack in this process: Meldefra (`meldefra serve --http`, the real product path) and a
bare Bolt app that only acks and calls views.open (bench/bare_bolt.py). Printed: p50/p99 of
time to ack the command, time until views.open reached Slack, and time to ack the
submission, and Meldefra's ratio to the bare app. Targets: ratio <= 1.5, p99 < 300 ms,
first request after start < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.signing import (  # noqa: E402
    interactive_body,
    new_trigger_id,
    plain_text_input,
    signed_headers,
    slash_command_body,
    view_submission,
)
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.slack_harness import free_port  # noqa: E402

SECRET = "bench-secret"
TOKEN = "xoxb-bench"


def bench_org(path: Path, users: int) -> list[str]:
    teachers = [f"laerer{i}@bench.example" for i in range(users)]
    members = ", ".join(teachers)
    path.write_text(
        "owner:\n  name: Bench kommune\n  contacts: [eier@bench.example]\n"
        "schools:\n  - id: bench\n    name: Bench skole\n    principal: rektor@bench.example\n"
        "    leadership: [rektor@bench.example, leder@bench.example]\n"
        f"    units:\n      - name: 8. trinn\n        leader: leder@bench.example\n"
        f"        members: [{members}]\n"
    )
    return teachers


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def wait_up(url: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                if (await http.get(f"{url}/healthz", timeout=1)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


async def one_user(
    http: httpx.AsyncClient,
    url: str,
    fake: FakeSlack,
    user: str,
    samples: dict[str, list[float]],
    round_no: int,
) -> None:
    trigger = new_trigger_id()
    body = slash_command_body(user_id=user, trigger_id=trigger)
    start = time.monotonic()
    response = await http.post(
        f"{url}/slack/events", content=body, headers=signed_headers(body, SECRET)
    )
    acked = time.monotonic()
    assert response.status_code == 200, response.text
    opened = await asyncio.to_thread(_views_open_at, fake, trigger)
    samples["command ack"].append((acked - start) * 1000)
    samples["views.open"].append((opened - start) * 1000)
    payload = view_submission(
        "meldefra_report",
        {
            "pupils": {"value": plain_text_input("A.B.")},
            "what": {"value": plain_text_input("Benchmark-melding")},
        },
        user_id=user,
        view_id=f"V{user}R{round_no}",
    )
    sub = interactive_body(payload)
    start = time.monotonic()
    response = await http.post(
        f"{url}/slack/events", content=sub, headers=signed_headers(sub, SECRET)
    )
    assert response.status_code == 200 and "errors" not in response.text, response.text
    samples["submit ack"].append((time.monotonic() - start) * 1000)


def _views_open_at(fake: FakeSlack, trigger: str) -> float:
    call = fake.wait_match("views.open", lambda c: c.params.get("trigger_id") == trigger, 10)
    return call.at


@contextmanager
def running(name: str, cmd: list[str], env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    args = [*cmd, str(port)] if name == "bare" else [*cmd, "--port", str(port)]
    proc = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


async def measure(
    urls: dict[str, str], fake: FakeSlack, users: list[str], rounds: int
) -> dict[str, dict[str, Any]]:
    """Both apps run at once and their rounds alternate, so both see the same machine load."""
    results: dict[str, dict[str, Any]] = {}
    for name, url in urls.items():
        launched = time.monotonic()
        await wait_up(url)
        first: dict[str, list[float]] = {"command ack": [], "views.open": [], "submit ack": []}
        async with httpx.AsyncClient(timeout=30) as http:
            await one_user(http, url, fake, users[0], first, 0)
        results[name] = {
            "startup": time.monotonic() - launched,
            "first": first,
            "samples": {k: [] for k in first},
        }
    async with httpx.AsyncClient(
        timeout=30, limits=httpx.Limits(max_connections=200, keepalive_expiry=1.0)
    ) as http:
        for r in range(1, rounds + 1):
            for name, url in urls.items():
                samples = results[name]["samples"]
                await asyncio.gather(*(one_user(http, url, fake, u, samples, r) for u in users))
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeSlack(token=TOKEN) as fake:
        org = Path(tmp) / "org.yml"
        emails = bench_org(org, args.users)
        users = [f"U{i:07d}" for i in range(args.users)]
        for user, email in zip(users, emails, strict=True):
            fake.add_user(user, email)
        python = sys.executable
        urls: dict[str, str] = {}
        with ExitStack() as stack:
            for name, cmd in (
                ("bare", [python, str(ROOT / "bench" / "bare_bolt.py")]),
                ("meldefra", [python, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1"]),
            ):
                env = {
                    **os.environ,
                    "SLACK_BOT_TOKEN": TOKEN,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": fake.url,
                    "MELDEFRA_ORG": str(org),
                    "DATABASE_URL": f"sqlite:///{Path(tmp) / (name + '.db')}",
                    "PYTHONPATH": str(ROOT),
                    "MELDEFRA_LOG_LEVEL": "WARNING",
                }
                urls[name] = stack.enter_context(running(name, cmd, env))
            results = await measure(urls, fake, users, args.rounds)

    print(
        f"{args.users} concurrent users x {args.rounds} rounds, over HTTP, fake Slack on "
        f"loopback ({os.cpu_count()} cores)"
    )
    print(
        f"{'metric':<14}{'bare p50':>10}{'bare p99':>10}{'ours p50':>10}{'ours p99':>10}"
        f"{'ratio p50':>11}{'ratio p99':>11}"
    )
    ok = True
    for metric in ("command ack", "views.open", "submit ack"):
        bare = results["bare"]["samples"][metric]  # type: ignore[index]
        ours = results["meldefra"]["samples"][metric]  # type: ignore[index]
        b50, b99 = statistics.median(bare), percentile(bare, 99)
        o50, o99 = statistics.median(ours), percentile(ours, 99)
        r50, r99 = o50 / b50, o99 / b99
        print(
            f"{metric:<14}{b50:>10.1f}{b99:>10.1f}{o50:>10.1f}{o99:>10.1f}{r50:>11.2f}{r99:>11.2f}"
        )
        if metric != "submit ack":
            ok &= r99 <= 1.5 and o99 < 300
    first = results["meldefra"]["first"]  # type: ignore[index]
    first_open = first["views.open"][0]
    print(
        f"first request after start: views.open after {first_open:.0f} ms "
        f"(start-up to healthy: {results['meldefra']['startup']:.2f} s)"
    )
    ok &= first_open < 1000
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    asyncio.run(main())

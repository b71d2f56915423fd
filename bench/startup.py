"""Start-up time and memory of `meldefra serve --http`: Slack only, Teams only, both.

Run: .venv/bin/python bench/startup.py [--runs 5]

Each configuration is started as a real process against loopback fakes until GET /healthz
answers; printed: the median time to healthy and the process's RSS then, with Slack only as
the baseline (the Teams SDK and msgraph are imported only when CLIENT_ID is set).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.slack_harness import free_port  # noqa: E402

SAMPLE_ORG = ROOT / "bot" / "sample_org.yml"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_once(env: dict[str, str]) -> tuple[float, float]:
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1", "--port",
         str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - started, rss_mb(proc.pid)
            except httpx.TransportError:
                pass
            if time.monotonic() - started > 60:
                raise RuntimeError("serve did not become healthy")
            time.sleep(0.02)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        with suppress(ProcessLookupError):  # the delivery process, should it outlive serve
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeSlack(token="xoxb-bench") as fake:
        base = {
            **os.environ,
            "MELDEFRA_ORG": str(SAMPLE_ORG),
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'm.db'}",
            "MELDEFRA_LOG_LEVEL": "ERROR",
        }
        slack = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake.url,
        }
        teams = {
            "CLIENT_ID": "00000000-0000-0000-0000-000000000001",
            "TENANT_ID": "t",
            "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true",
            "GRAPH_URL": "http://127.0.0.1:9/v1.0",
        }
        configs = {"slack only": slack, "teams only": teams, "slack + teams": {**slack, **teams}}
        results: dict[str, tuple[float, float]] = {}
        for name, extra in configs.items():
            runs = [start_once({**base, **extra}) for _ in range(args.runs)]
            results[name] = (
                statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs),
            )
    t0, m0 = results["slack only"]
    print(f"meldefra serve --http until /healthz answers, median of {args.runs} runs")
    print(f"{'config':<16}{'seconds':>9}{'x base':>8}{'RSS MB':>9}{'x base':>8}")
    for name, (secs, mem) in results.items():
        print(f"{name:<16}{secs:>9.2f}{secs / t0:>8.2f}{mem:>9.0f}{mem / m0:>8.2f}")


if __name__ == "__main__":
    main()

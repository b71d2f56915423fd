"""Stopping a `meldefra serve` started by a test, its delivery process included."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def stop(proc: subprocess.Popen[str], timeout: float = 15) -> None:
    """SIGTERM as an operator's service manager sends it. The spawned delivery process and
    multiprocessing's resource tracker are ended too if the server left them behind (uvicorn
    re-raises SIGTERM after shutdown, so the server's own clean-up may not run)."""
    left = children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for pid in left:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

"""Run a Python program with every thread profiled, for bench/slack_bench.py --profile.

    python bench/profiled.py OUT.pstats script.py args…
    python bench/profiled.py OUT.pstats -m module args…

cProfile follows one thread, so each thread gets a profiler of its own as it starts (the
main thread at once). SIGUSR1 marks the start of what is measured, SIGUSR2 its end: OUT.pstats
then holds what every thread did between the two (all of the run if no SIGUSR2 came), merged
(read it with `python -m pstats OUT.pstats`). The clock is each thread's CPU time
(time.thread_time), not the wall: a thread waiting for the interpreter lock or a socket is not
charged for it, so the numbers say where the CPU went. The profiler's own cost inflates
functions with many small calls (about 5x for the Slack path): compare shares between two
programs profiled alike, not absolute times.
"""

from __future__ import annotations

import atexit
import cProfile
import marshal
import runpy
import signal
import sys
import threading
import time
from typing import Any

Stats = dict[Any, Any]

profiles: list[cProfile.Profile] = []
lock = threading.Lock()
marks: dict[str, Stats] = {}


def _profile_this_thread(*_: Any) -> cProfile.Profile:
    profiler = cProfile.Profile(time.thread_time)
    with lock:
        profiles.append(profiler)
    profiler.enable()  # replaces this hook for the rest of the thread
    return profiler


def _marker(main: cProfile.Profile, name: str) -> Any:
    """A signal handler (run by the main thread) that notes every thread's stats so far. The
    main thread's profiler is off meanwhile: the snapshot's own time would be charged to
    whatever the signal interrupted (the event loop's poll)."""

    def mark(*_: Any) -> None:
        main.disable()
        try:
            marks[name] = _snapshot()
        finally:
            main.enable()

    return mark


def _snapshot() -> Stats:
    """Every thread's stats so far, merged. snapshot_stats, not create_stats: disabling
    another thread's profiler from here is not safe; a running thread is read as it stands."""
    merged: Stats = {}
    with lock:
        taken = list(profiles)
    for profiler in taken:
        profiler.snapshot_stats()
        for func, (cc, nc, tt, ct, callers) in profiler.stats.items():  # type: ignore[attr-defined]
            _add_into(merged, func, (cc, nc, tt, ct, callers), 1)
    return merged


def _add_into(into: Stats, func: Any, row: Any, sign: int) -> None:
    cc, nc, tt, ct, callers = row
    if func not in into:
        into[func] = (0, 0, 0.0, 0.0, {})
    pcc, pnc, ptt, pct, pcallers = into[func]
    for caller, value in callers.items():
        old = pcallers.get(caller)
        pcallers[caller] = _scaled(value, sign) if old is None else _sum(old, value, sign)
    into[func] = (pcc + sign * cc, pnc + sign * nc, ptt + sign * tt, pct + sign * ct, pcallers)


def _scaled(a: Any, sign: int) -> Any:
    return tuple(sign * x for x in a) if isinstance(a, tuple) else sign * a


def _sum(a: Any, b: Any, sign: int) -> Any:
    if isinstance(a, tuple):
        return tuple(x + sign * y for x, y in zip(a, b, strict=True))
    return a + sign * b


def _between(start: Stats, end: Stats) -> Stats:
    out: Stats = {}
    for func, row in end.items():
        _add_into(out, func, row, 1)
    for func, row in start.items():
        _add_into(out, func, row, -1)
    return {f: row for f, row in out.items() if row[1] > 0 or row[2] > 1e-9}


def _write(path: str) -> None:
    end = marks.get("end") or _snapshot()
    stats = _between(marks["start"], end) if "start" in marks else end
    with open(path, "wb") as out:
        marshal.dump(stats, out)


def main() -> None:
    out, *rest = sys.argv[1:]
    atexit.register(_write, out)
    # A SIGTERM ends the program through SystemExit, so the stats are written (uvicorn hands
    # the signal on to the handler it found once it has stopped).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main_profiler = _profile_this_thread()
    signal.signal(signal.SIGUSR1, _marker(main_profiler, "start"))
    signal.signal(signal.SIGUSR2, _marker(main_profiler, "end"))
    threading.setprofile(_profile_this_thread)
    if rest[0] == "-m":
        sys.argv = [rest[1], *rest[2:]]
        runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = rest
        runpy.run_path(rest[0], run_name="__main__")


if __name__ == "__main__":
    main()

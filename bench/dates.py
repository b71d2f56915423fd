"""Benchmark: reading the times staff type, our Norwegian front against dateparser alone.

    .venv/bin/python bench/dates.py

Runs every expression of tests/data/dates-nb.tsv through `parse_when` (our normaliser in front
of dateparser) and, as the baseline in the same run, through dateparser with the settings a
plain wrapper would use. Prints the mean time per expression for both and the ratio. Target:
Norwegian forms answered by our own reader in well under a millisecond (ratio ≪ 1).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dateparser  # noqa: E402

from handlers.dates import WhenError, parse_when, warm_up  # noqa: E402

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 25, 13, 30, tzinfo=OSLO)
ROUNDS = 20


def expressions() -> list[tuple[str, str]]:
    rows = []
    for line in (ROOT / "tests" / "data" / "dates-nb.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("mode\t"):
            continue
        mode, expression, _ = line.split("\t")
        rows.append((mode, expression))
    return rows


def ours(rows: list[tuple[str, str]]) -> float:
    started = time.perf_counter()
    for mode, text in rows:
        try:
            parse_when(text, now=NOW, mode=mode)  # type: ignore[arg-type]
        except WhenError:
            pass
    return (time.perf_counter() - started) / len(rows)


def baseline(rows: list[tuple[str, str]]) -> float:
    settings = {
        "DATE_ORDER": "DMY",
        "TIMEZONE": "Europe/Oslo",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": NOW.replace(tzinfo=None),
    }
    started = time.perf_counter()
    for _, text in rows:
        dateparser.parse(text, languages=["nb", "nn", "en"], settings=settings)  # type: ignore[arg-type]
    return (time.perf_counter() - started) / len(rows)


def main() -> None:
    rows = expressions()
    warm_up()
    baseline(rows)  # dateparser loads its language data on first use
    mine, theirs = [], []
    for _ in range(ROUNDS):  # alternate, so load on the machine hits both alike
        mine.append(ours(rows))
        theirs.append(baseline(rows))
    m, t = statistics.median(mine), statistics.median(theirs)
    print(f"{len(rows)} expressions × {ROUNDS} rounds")
    print(f"parse_when       {m * 1e6:9.1f} µs per expression (median of rounds)")
    print(f"dateparser alone {t * 1e6:9.1f} µs per expression")
    print(f"ratio parse_when / dateparser: {m / t:.2f}")


if __name__ == "__main__":
    main()

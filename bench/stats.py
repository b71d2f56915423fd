"""Benchmark: the monthly report round and `meldefra stats` for a whole municipality.

    .venv/bin/python bench/stats.py                      # SQLite files in a temp dir
    .venv/bin/python bench/stats.py --database-url postgresql://postgres@127.0.0.1:5432/test

200 schools (the org of bench/followup.py). Two databases are generated with bulk inserts:
10,000 cases (the baseline) and 100,000 cases. Both hold exactly the same 12 months of cases up
to the end of November 2026 (3,000 in November with their whole trail: acknowledged,
investigated, plans, evaluations, closed; 6,000 in the 11 months before); the rest are closed
cases from earlier years, each with a trail of its own. Measured, each in a fresh child process
(peak RSS its own), inside a transaction rolled back after:

- monthly: the round on Tuesday 1 December 2026 08:00 for all 200 schools (200 rektor reports
  and skoleeier's: figures, medians, 12-month trends; queued, not delivered);
- stats month / stats year: what `meldefra stats --format csv` computes for November, and for
  the school year (1 August – 30 November), all schools side by side.

Targets: under 2 s and under 200 MB peak RSS, and the same cost at 100,000 cases as at 10,000:
the cost must follow the cases in the period, not the cases kept.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from followup import bench_databases, make_org, median, peak_rss_mb  # noqa: E402 - the same municipality

from handlers.clock import FixedClock  # noqa: E402
from handlers.org import Org  # noqa: E402
from handlers.services import Services  # noqa: E402
from store.db import make_engine  # noqa: E402
from store.db import upgrade as upgrade_db  # noqa: E402
from store.models import Case, CaseAccess, Event, PlanItem  # noqa: E402

OSLO = ZoneInfo("Europe/Oslo")
SCHOOLS = 200
AT = datetime(2026, 12, 1, 8, 0, tzinfo=OSLO)  # the first school day of December
NOVEMBER_CASES, YEAR_CASES = 3_000, 6_000  # the same in both databases
SIZES = (10_000, 100_000)
TARGET_SECONDS, TARGET_MB = 2.0, 200.0
REPEAT = 3
KINDS = ("monthly", "stats month", "stats year")


def generate(engine: Engine, org: Org, total: int) -> None:
    upgrade_db(engine)
    rng = random.Random(13)  # the same period cases in both databases
    cases: list[dict[str, Any]] = []
    access: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []

    def add(n: int, created: datetime, trail: list[tuple[str, datetime, dict[str, Any]]]) -> None:
        school = org.schools[n % SCHOOLS]
        unit = school.units[n % len(school.units)]
        reporter = unit.members[n % len(unit.members)]
        types = [ty for ty, _, _ in trail]
        status = "new"
        for ty in types:
            status = {
                "acknowledged": "acknowledged",
                "investigation_started": "investigating",
                "plan_created": "plan",
                "closed": "closed",
            }.get(ty, status)

        def first(ty: str) -> datetime | None:
            return next((at for t, at, _ in trail if t == ty), None)

        cases.append(
            dict(
                id=n, ref=f"MF-{n:06d}", school_id=school.id, status=status,
                section="12-5" if n % 97 == 0 else "12-4", urgent=False,
                leadership_case=False, reporter=reporter, unit=unit.name,
                categories='["mobbing"]', submission_key=None, created_at=created,
                acknowledged_at=first("acknowledged"),
                investigation_at=first("investigation_started"), closed_at=first("closed"),
                escalated_at=None, updated_at=trail[-1][1] if trail else created,
                last_seq=len(trail) + 1,
                restricted=False,
            )
        )  # fmt: skip
        roles = [(reporter, "reporter"), (unit.leader, "leader"), (school.principal, "rektor")]
        if n % 50 == 0:  # about one of the R-team: left out of the rektor's report
            roles.append((school.rteam.members[1], "excluded"))
        for email, role in roles:
            access.append(dict(case_id=n, email=email, role=role, since=created))
        for seq, (ty, at, data) in enumerate([("reported", created, {}), *trail], start=1):
            events.append(
                dict(case_id=n, seq=seq, type=ty, actor="system", at=at, data=json.dumps(data),
                     prev_hash="0" * 64, hash=uuid.uuid4().hex * 2)
            )  # fmt: skip
        for _, at, data in trail:
            if data.get("evaluate_on"):
                items.append(
                    dict(case_id=n, school_id=school.id, kind="evaluation", item_no=None,
                         due_date=date.fromisoformat(data["evaluate_on"]),
                         responsible=None, done="closed" in types, created_at=at)
                )  # fmt: skip

    def full_trail(created: datetime, r: random.Random) -> list[tuple[str, datetime, Any]]:
        trail: list[tuple[str, datetime, Any]] = []
        acked = created + timedelta(hours=r.choice([1, 2, 5, 20, 26, 50, 72]))
        if r.random() < 0.9:
            trail.append(("acknowledged", acked, {}))
            if r.random() < 0.6:
                started = acked + timedelta(hours=2)
                trail.append(("investigation_started", started, {}))
                if r.random() < 0.8:
                    planned = started + timedelta(days=r.choice([1, 3, 6, 9]))
                    due = (planned + timedelta(days=14)).date()
                    trail.append(("plan_created", planned, {"evaluate_on": due.isoformat()}))
                    if r.random() < 0.7:
                        held = datetime.combine(due, datetime.min.time(), OSLO) + timedelta(
                            hours=10, days=r.choice([0, 0, 0, 2])
                        )
                        trail.append(("evaluated", held, {"next_evaluation": None}))
                        trail.append(("closed", held, {"via": "evaluated"}))
                elif r.random() < 0.5:
                    trail.append(("closed", started + timedelta(days=3), {}))
        return trail

    n = 0
    november = datetime(2026, 11, 2, 8, tzinfo=OSLO)
    for k in range(NOVEMBER_CASES):
        n += 1
        created = november + timedelta(minutes=(k * 577) % (27 * 24 * 60))
        add(n, created, full_trail(created, rng))
    year = datetime(2025, 12, 1, 8, tzinfo=OSLO)
    for k in range(YEAR_CASES):
        n += 1
        created = year + timedelta(minutes=(k * 613) % (330 * 24 * 60))
        trail = full_trail(created, rng)
        if not any(ty == "closed" for ty, _, _ in trail) and rng.random() < 0.85:
            last = trail[-1][1] if trail else created
            trail.append(("closed", last + timedelta(days=5), {}))  # most are settled by now
        add(n, created, trail)
    old = datetime(2019, 8, 1, 8, tzinfo=OSLO)
    for k in range(total - n):
        n += 1
        created = old + timedelta(minutes=(k * 37) % (6 * 365 * 24 * 60))
        day = timedelta(days=1)
        add(
            n,
            created,
            [
                ("acknowledged", created + timedelta(hours=3), {}),
                ("investigation_started", created + day, {}),
                ("closed", created + 20 * day, {}),
            ],
        )
    with engine.begin() as conn:
        tables = [(Case, cases), (CaseAccess, access), (Event, events), (PlanItem, items)]
        for table, rows in tables:
            for start in range(0, len(rows), 20_000):
                conn.execute(insert(table), rows[start : start + 20_000])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")


def child(kind: str, url: str, schema: str | None) -> None:
    """Run one round (or one `stats`) and print its cost as JSON."""
    from bot.stats_render import to_csv
    from handlers import monthly, stats

    engine = make_engine(url, schema=schema)
    with engine.connect() as conn:
        outer = conn.begin()
        sessions = sessionmaker(
            conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        services = Services(org=make_org(), sessions=sessions, clock=FixedClock(AT))
        every = [s.id for s in services.org.schools]
        before = peak_rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        if kind == "monthly":
            results = monthly.run_monthly(services, every, at=AT)
            size = sum(len(r.notices) for r in results)
        else:
            first = date(2026, 11, 1) if kind == "stats month" else date(2026, 8, 1)
            period = stats.Period(first, date(2026, 11, 30))
            with services.uow() as session:
                figures = stats.figures_of(stats.load(session, services.org, period, every))
            size = len(to_csv(stats.publish(services.org, period, figures, school_ids=every)))
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu
        outer.rollback()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "rss_mb": peak_rss_mb(),
                "rss_growth_mb": peak_rss_mb() - before,
                "size": size,
            }
        )
    )


def measure(kind: str, url: str, schema: str | None) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", kind, "--database-url", url]
    if schema:
        args += ["--schema", schema]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite files)")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url, args.schema)
        return 0

    org = make_org()

    def fill(engine: Engine, total: int) -> str:
        generate(engine, org, total)
        return f"generated {total:,} cases"

    runs: dict[tuple[int, str], list[dict[str, Any]]] = {}
    with bench_databases(args.database_url, "bench_stats", list(SIZES), fill) as databases:
        for _ in range(REPEAT):  # interleaved: a change in the machine's load hits both sizes
            for total, url, schema in databases:
                for kind in KINDS:
                    runs.setdefault((total, kind), []).append(measure(kind, url, schema))

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nMonthly report and stats on {backend}: {SCHOOLS} schools, at {AT} (Oslo)")
    head = ("cases", "what", "seconds", "x base", "CPU s", "peak RSS", "x base", "size")
    print("{:>8} {:<12} {:>8} {:>7} {:>6} {:>9} {:>7} {:>8}  all runs (s)".format(*head))
    base = {kind: median(runs[(SIZES[0], kind)]) for kind in KINDS}
    ok = True
    for total, _, _ in databases:
        for kind in KINDS:
            m = median(runs[(total, kind)])
            ratio_t = m["seconds"] / base[kind]["seconds"]
            ratio_m = m["rss_mb"] / base[kind]["rss_mb"]
            ok &= m["seconds"] < TARGET_SECONDS and m["rss_mb"] < TARGET_MB
            print(
                f"{total:>8,} {kind:<12} {m['seconds']:>8.3f} {ratio_t:>7.2f} "
                f"{m['cpu_seconds']:>6.2f} "
                f"{m['rss_mb']:>7.1f}MB {ratio_m:>7.2f} {m['size']:>8,}  "
                + " ".join(f"{t:.3f}" for t in m["all_seconds"])
            )
    print(
        f"\nseconds: the median of {REPEAT} fresh processes (CPU s: that run's own CPU time, "
        f"less sensitive to a busy machine; load average now {os.getloadavg()[0]:.1f}); "
        "peak RSS: that run's VmHWM. "
        f"baseline: the {SIZES[0]:,}-case run, measured above. size: notices queued (monthly) "
        f"or bytes of CSV (stats). targets: < {TARGET_SECONDS} s and < {TARGET_MB:.0f} MB: "
        + ("met" if ok else "NOT MET")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

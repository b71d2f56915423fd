"""Benchmark: one morning reminder round and one R-team digest round for a whole municipality.

    .venv/bin/python bench/followup.py                      # SQLite files in a temp dir
    .venv/bin/python bench/followup.py --database-url postgresql://postgres@127.0.0.1:5432/test

200 schools, 15,000 staff. Two databases are generated with bulk inserts: 10,000 cases (the
baseline) and 100,000 cases of which 20,000 open; both hold exactly the same cases with
something due. Each round runs for all 200 schools in a fresh child process (so its peak RSS
is its own), excluding delivery (the notices are queued in the outbox, as in production).
Targets: under 2 s and under 200 MB peak RSS per round, and the same cost at 100,000 cases as
at 10,000: the round's cost must follow the items due, not the cases kept.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import sessionmaker

from handlers.clock import FixedClock
from handlers.org import Digest, Org, Owner, Policy, RTeam, School, Unit
from handlers.services import Services
from store.db import make_engine, upgrade
from store.models import Case, CaseAccess, Event, PlanItem

OSLO = ZoneInfo("Europe/Oslo")
SCHOOLS = 200
UNITS = 7
MEMBERS_PER_UNIT = 9  # + 7 unit leaders + rektor + 4 in the R-team = 75 staff a school
# Monday 23 November 2026, 08:00: a school day, and every school's weekly digest.
AT = datetime(2026, 11, 23, 8, 0, tzinfo=OSLO)
# Cases with something due (the same in both databases).
ESCALATE, REMIND, NO_PLAN, DEADLINES_DUE, UPCOMING = 600, 400, 500, 500, 500
SIZES = ((10_000, 2_000), (100_000, 20_000))  # (cases, open)
TARGET_SECONDS, TARGET_MB = 2.0, 200.0
REPEAT = 3


def make_org() -> Org:
    schools = []
    for i in range(SCHOOLS):
        domain = f"s{i:03d}.example"
        rektor = f"rektor@{domain}"
        units = tuple(
            Unit(
                name=f"{u + 1}. trinn",
                leader=f"leder{u}@{domain}",
                members=tuple(f"laerer{u}-{m}@{domain}" for m in range(MEMBERS_PER_UNIT)),
            )
            for u in range(UNITS)
        )
        team = (rektor, *(f"rteam{k}@{domain}" for k in range(4)))
        schools.append(
            School(
                id=f"s{i:03d}",
                name=f"Skole {i}",
                timezone="Europe/Oslo",
                language="nb",
                principal=rektor,
                leadership=(rektor, *(u.leader for u in units if u.leader)),
                # Half the R-teams have a channel; the other half get the digest as DMs.
                rteam=RTeam(
                    members=team,
                    slack_channel=f"C{i:05d}" if i % 2 else None,
                    digest=Digest(weekday=0, hour=8, minute=0),
                ),
                units=units,
                policy=Policy(),
                closed_days=((date(2026, 10, 5), date(2026, 10, 9)),),
            )
        )
    return Org(owner=Owner("Kommunen", ("skoleeier@kommune.example",)), schools=tuple(schools))


def local(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=OSLO)


def plan_cases(total: int, open_: int) -> Iterator[dict[str, Any]]:
    """Every case's facts: first those with something due, then open ones, then closed ones."""

    def case(
        status: str,
        created: datetime,
        acked: datetime | None = None,
        inv: datetime | None = None,
        due: date | None = None,
    ) -> dict[str, Any]:
        return dict(status=status, created=created, acked=acked, inv=inv, due=due)  # fmt: skip

    started, planned = local(date(2026, 11, 9), 12), local(date(2026, 10, 20))
    due = (
        [case("new", local(date(2026, 11, 16)))] * ESCALATE  # two school days and more
        + [case("new", local(date(2026, 11, 20)))] * REMIND  # one school day
        + [case("investigating", local(date(2026, 11, 2)), started, started)] * NO_PLAN
        + [case("plan", local(date(2026, 10, 1)), planned, planned, date(2026, 11, 20))]
        * DEADLINES_DUE
        + [case("plan", local(date(2026, 10, 1)), planned, planned, date(2026, 11, 25))] * UPCOMING
    )
    yield from due
    recent = local(date(2026, 11, 20), 12)
    for k in range(open_ - len(due)):  # open, nothing due today
        created = local(date(2026, 9, 1)) + timedelta(hours=k % 1500)
        state = ("acknowledged", "plan", "investigating")[k % 3]
        if state == "plan":
            yield case(state, created, created, planned, date(2027, 1, 15))
        else:
            yield case(state, created, created, recent if state == "investigating" else None)
    for k in range(total - open_):  # closed, over the last three years
        created = local(date(2023, 11, 1)) + timedelta(minutes=13 * k % (3 * 365 * 24 * 60))
        yield case("closed", created, created, created)


def generate(engine: Engine, org: Org, total: int, open_: int) -> None:
    upgrade(engine)
    cases, access, events, plan_items = [], [], [], []
    for n, facts in enumerate(plan_cases(total, open_), start=1):
        school = org.schools[n % SCHOOLS]
        unit = school.units[n % UNITS]
        reporter = unit.members[n % MEMBERS_PER_UNIT]
        closed = facts["status"] == "closed"
        created = facts["created"]
        cases.append(
            dict(
                id=n, ref=f"MF-{n:06d}", school_id=school.id, status=facts["status"],
                section="12-4", urgent=n % 17 == 0, leadership_case=False, reporter=reporter,
                unit=unit.name, categories='["mobbing"]', submission_key=None,
                created_at=created, acknowledged_at=facts["acked"],
                investigation_at=facts["inv"], closed_at=created if closed else None,
                escalated_at=None, updated_at=created, last_seq=1, restricted=False,
            )
        )  # fmt: skip
        roles = [(reporter, "reporter"), (unit.leader, "leader"), (school.principal, "rektor")]
        for email, role in roles:
            access.append(dict(case_id=n, email=email, role=role, since=created))
        events.append(
            dict(case_id=n, seq=1, type="reported", actor=reporter, at=created, data="{}",
                 prev_hash="0" * 64, hash=uuid.uuid4().hex * 2)
        )  # fmt: skip
        if facts["due"] is not None:
            plan_items.append(
                dict(case_id=n, school_id=school.id, kind="evaluation", item_no=None,
                     due_date=facts["due"], responsible=unit.members[0], done=False,
                     created_at=created)
            )  # fmt: skip
    with engine.begin() as conn:
        tables = [(Case, cases), (CaseAccess, access), (Event, events), (PlanItem, plan_items)]
        for table, rows in tables:
            for start in range(0, len(rows), 20_000):
                conn.execute(insert(table), rows[start : start + 20_000])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM).

    Not getrusage's ru_maxrss: on Linux that survives exec, so a child would report the
    generator's memory.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def child(kind: str, url: str, schema: str | None) -> None:
    """Run one round for every school and print its cost as JSON (in a fresh process).

    The round runs inside an outer transaction that is rolled back at the end (its own commit
    becomes a savepoint release), so the database stays as generated and every repetition
    measures the same round, cold.
    """
    from handlers import digest, followup

    run = followup.run_reminders if kind == "reminders" else digest.run_digest
    engine = make_engine(url, schema=schema)
    with engine.connect() as conn:
        outer = conn.begin()
        sessions = sessionmaker(
            conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        services = Services(org=make_org(), sessions=sessions, clock=FixedClock(AT))
        before = peak_rss_mb()
        started = time.perf_counter()
        results = run(services, [school.id for school in services.org.schools], at=AT)
        seconds = time.perf_counter() - started
        outer.rollback()
    # Items in the DMs; cases listed in the digests.
    items = sum(
        len(n.data["items"]) if "items" in n.data else len(n.data["new"]) + len(n.data["overdue"])
        for r in results
        for n in r.notices
    )
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mb": peak_rss_mb(),
                "rss_growth_mb": peak_rss_mb() - before,
                "notices": sum(len(r.notices) for r in results),
                "items": items,
                "ran": sum(r.status == "ran" for r in results),
            }
        )
    )


def measure(kind: str, url: str, schema: str | None) -> dict[str, Any]:
    """One round in a fresh process."""
    args = [sys.executable, __file__, "--child", kind, "--database-url", url]
    if schema:
        args += ["--schema", schema]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median time, with every run's time beside it."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return {**ordered[len(ordered) // 2], "all_seconds": [r["seconds"] for r in runs]}


@contextmanager
def bench_databases(
    database_url: str | None, name: str, sizes: list[int], fill: Callable[[Engine, int], str]
) -> Iterator[list[tuple[int, str, str | None]]]:
    """One database per size (a schema of `database_url`'s PostgreSQL, else a SQLite file in
    a temp dir), filled by `fill` (which returns a line for stderr); dropped afterwards.
    Yields (size, url, schema) for the child processes that measure."""
    tmp = tempfile.TemporaryDirectory(prefix="meldefra-bench-")
    admin = make_engine(database_url) if database_url else None
    databases: list[tuple[int, str, str | None]] = []
    try:
        for size in sizes:
            schema = None
            if admin is not None and database_url:
                schema = f"{name}_{size}_{os.getpid()}"
                with admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                url = database_url
            else:
                url = f"sqlite:///{Path(tmp.name) / f'bench-{size}.db'}"
            engine = make_engine(url, schema=schema)
            started = time.perf_counter()
            made = fill(engine, size)
            engine.dispose()
            print(f"{made} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            databases.append((size, url, schema))
        yield databases
    finally:
        if admin is not None:
            with admin.begin() as conn:
                for _size, _url, schema in databases:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
        tmp.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite files)")
    parser.add_argument("--child", choices=["reminders", "digest"], help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url, args.schema)
        return 0

    org = make_org()
    staff = sum(len(s.staff()) for s in org.schools)
    open_of = dict(SIZES)

    def fill(engine: Engine, total: int) -> str:
        generate(engine, org, total, open_of[total])
        return f"generated {total:,} cases ({open_of[total]:,} open)"

    runs: dict[tuple[int, str], list[dict[str, Any]]] = {}
    with bench_databases(args.database_url, "bench", list(open_of), fill) as made:
        databases = [(total, open_of[total], url, schema) for total, url, schema in made]
        # Interleaved, so a change in the machine's load touches both sizes alike.
        for _ in range(REPEAT):
            for total, _, url, schema in databases:
                for kind in ("reminders", "digest"):
                    runs.setdefault((total, kind), []).append(measure(kind, url, schema))
    rows = [
        (total, open_, kind, median(runs[(total, kind)]))
        for total, open_, *_ in databases
        for kind in ("reminders", "digest")
    ]

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nFollow-up rounds on {backend}: {SCHOOLS} schools, {staff:,} staff, at {AT} (Oslo)")
    head = ("cases", "open", "round", "seconds", "x base", "peak RSS", "x base", "notices", "items")
    print("{:>8} {:>7} {:<10} {:>8} {:>7} {:>9} {:>7} {:>8} {:>6}  all runs (s)".format(*head))
    base = {kind: m for total, _, kind, m in rows if total == SIZES[0][0]}
    ok = True
    for total, open_, kind, m in rows:
        ratio_t = m["seconds"] / base[kind]["seconds"]
        ratio_m = m["rss_mb"] / base[kind]["rss_mb"]
        ok &= m["seconds"] < TARGET_SECONDS and m["rss_mb"] < TARGET_MB
        print(
            f"{total:>8,} {open_:>7,} {kind:<10} {m['seconds']:>8.3f} {ratio_t:>7.2f} "
            f"{m['rss_mb']:>7.1f}MB {ratio_m:>7.2f} {m['notices']:>8,} {m['items']:>6,}  "
            + " ".join(f"{t:.3f}" for t in m["all_seconds"])
        )
    print(
        f"\nseconds: the median of {REPEAT} fresh processes; peak RSS: that run's VmHWM. "
        f"baseline: the {SIZES[0][0]:,}-case run of the same round, measured above. "
        f"targets: < {TARGET_SECONDS} s and < {TARGET_MB:.0f} MB per round: "
        + ("met" if ok else "NOT MET")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

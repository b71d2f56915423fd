"""Benchmark: the directory of a municipality of Oslo's size, synced from OneRoster CSV.

    .venv/bin/python bench/directory.py                      # SQLite (a file in a temp dir)
    .venv/bin/python bench/directory.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/directory.py --schools 20         # a tenth of the size
    git archive REF | tar -x -C /tmp/old && .venv/bin/python bench/directory.py --against /tmp/old

Generated OneRoster 1.1 CSV: 200 schools, 100,000 pupils (500 a school, in classes 1A–10C) each
with two foresatte (200,000 guardian users), 15,000 staff, homeroom classes and enrollments,
demographics with every pupil's birthDate. Names are drawn from common Norwegian names, so a
prefix such as "ma" finds many. Names are sealed at rest (a MELDEFRA_ENCRYPTION_KEY is set),
as in production. Measured, each in a fresh child process (its own peak RSS):

- baseline: reading every CSV file with the csv module and nothing else;
- first sync: `meldefra directory sync` into an empty database (read, check, write);
- second sync: the same files again (nothing changes);
- search: 2,000 picker searches (a letter, two letters, a first name, "name class", a class)
  at random schools, each its own transaction, as the picker asks: p50 and p99.

Each measurement gives the wall time, the CPU time of the process and (PostgreSQL) of its
server backends, and the load average of the machine when it ran: on a shared machine the
wall time follows the load, the CPU time follows the code. With `--against DIR` (another
checkout of the code, e.g. `git archive`'d) every phase runs with DIR's code and then with this
tree's, one after the other into two databases, and the ratio new/old is printed: the
comparison holds under any load, the absolute numbers only on a quiet machine.

Targets (wall time on a quiet 2-core machine): first sync under 60 s and 500 MB, second under
15 s, search p99 under 100 ms.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
# A child measuring another checkout of the code (--against) imports that checkout's modules.
if os.environ.get("BENCH_CODE"):
    sys.path.insert(0, os.environ["BENCH_CODE"])
from followup import peak_rss_mb  # noqa: E402

from handlers.clock import FixedClock  # noqa: E402
from handlers.org import parse_org  # noqa: E402
from handlers.services import Services  # noqa: E402
from store.crypto import Keyring  # noqa: E402
from store.db import make_engine, session_factory, upgrade  # noqa: E402

SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "200"))
PUPILS_PER_SCHOOL = 500
STAFF = int(os.environ.get("BENCH_STAFF", str(75 * SCHOOLS)))
TARGETS = {"first sync": (60.0, 500.0), "second sync": (15.0, 500.0)}
SEARCH_P99_MS = 100.0
SEARCHES = 2_000
FIRST = (
    "Emma Nora Olivia Ella Sofie Leah Frida Ingrid Sara Maja Astrid Selma Ada Vilde Hedda Ellinor "
    "Tiril Eva Julie Aurora Kari Åse Marte Ida Nora-Lise Jakob Noah Emil Lucas Oliver Isak "
    "William Filip Aksel Theodor Elias Kasper Magnus Henrik Tobias Mathias Ola Jonas Sander "
    "Håkon Øyvind Bjørn Even Johannes Ask"
).split()
LAST = (
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen "
    "Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Halvorsen "
    "Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand Solberg Svendsen Eide "
    "Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie Amundsen Nguyen Rasmussen "
    "Ali Ødegård Løkken Aas Sæther Bø Nordmann"
).split()
USERS = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
).split(",")
ORG_YML = """
owner: {name: Oslo, contacts: [skoleeier@oslo.example]}
schools:
  - {id: s000, name: Skole 0, principal: rektor@s000.example}
"""


def generate(folder: Path) -> None:
    """The municipality's OneRoster export."""
    rng = random.Random(17)
    with (folder / "orgs.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "name",
                "type",
                "identifier",
                "parentSourcedId",
            ]
        )
        w.writerow(["oslo", "", "", "Oslo kommune", "district", "", ""])
        for s in range(SCHOOLS):
            w.writerow([f"s{s:03d}", "", "", f"Skole {s}", "school", f"97{s:07d}", "oslo"])
    classes = [f"{grade}{letter}" for grade in range(1, 11) for letter in "ABC"]
    with (
        (folder / "users.csv").open("w", newline="") as users,
        (folder / "enrollments.csv").open("w", newline="") as enrollments,
        (folder / "demographics.csv").open("w", newline="") as demographics,
        (folder / "classes.csv").open("w", newline="") as classes_file,
    ):
        u, e, d, c = (csv.writer(f) for f in (users, enrollments, demographics, classes_file))
        u.writerow(USERS)
        e.writerow(
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "classSourcedId",
                "schoolSourcedId",
                "userSourcedId",
                "role",
                "primary",
                "beginDate",
                "endDate",
            ]
        )
        d.writerow(["sourcedId", "status", "dateLastModified", "birthDate", "sex"])
        c.writerow(
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "title",
                "grades",
                "courseSourcedId",
                "classCode",
                "classType",
                "location",
                "schoolSourcedId",
                "termSourcedIds",
                "subjects",
                "subjectCodes",
                "periods",
            ]
        )
        for s in range(SCHOOLS):
            school = f"s{s:03d}"
            for name in classes:
                c.writerow(
                    [
                        f"{school}-{name}",
                        "",
                        "",
                        name,
                        f"{int(name[:-1]):02d}",
                        "",
                        name,
                        "homeroom",
                        "",
                        school,
                        "t1",
                        "",
                        "",
                        "",
                    ]
                )
            for p in range(PUPILS_PER_SCHOOL):
                pupil = f"{school}-p{p:03d}"
                name = classes[p % len(classes)]
                family = rng.choice(LAST)
                guardians = [f"{pupil}-g{k}" for k in range(2)]
                u.writerow(
                    [
                        pupil,
                        "",
                        "",
                        "true",
                        school,
                        "student",
                        pupil,
                        "",
                        rng.choice(FIRST),
                        family,
                        rng.choice(["", "", "", "Marie", "Andreas"]),
                        "",
                        "",
                        "",
                        "",
                        ",".join(guardians),
                        f"{int(name[:-1]):02d}",
                        "",
                    ]
                )
                for guardian in guardians:
                    u.writerow(
                        [
                            guardian,
                            "",
                            "",
                            "true",
                            school,
                            "parent",
                            guardian,
                            "",
                            rng.choice(FIRST),
                            family,
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                        ]
                    )
                e.writerow(
                    [
                        f"e-{pupil}",
                        "",
                        "",
                        f"{school}-{name}",
                        school,
                        pupil,
                        "student",
                        "false",
                        "",
                        "",
                    ]
                )
                year = 2026 - 6 - int(name[:-1])
                d.writerow(
                    [pupil, "", "", f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", ""]
                )
        for t in range(STAFF):
            school = f"s{t % SCHOOLS:03d}"
            u.writerow(
                [
                    f"t{t:05d}",
                    "",
                    "",
                    "true",
                    school,
                    "teacher",
                    f"t{t}",
                    "",
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    "",
                    "",
                    f"ansatt{t}@oslo.example",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )


def _services(engine: Any, key: str) -> Services:
    return Services(
        org=parse_org(ORG_YML),
        sessions=session_factory(engine, Keyring.parse(key)),
        clock=FixedClock(datetime(2026, 12, 6, 10, 0, tzinfo=UTC)),
    )


def _cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process (this one, or a PostgreSQL backend on this host)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(kind: str, folder: Path, url: str, schema: str | None, key: str) -> dict[str, Any]:
    engine = make_engine(url, schema=schema)
    backends: list[int] = []
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _backend(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.append(int(cursor.fetchone()[0]))
            dbapi_conn.commit()

    load = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    out: dict[str, Any] = {}
    if kind == "upgrade":
        upgrade(engine)
    elif kind == "baseline":
        rows = 0
        for name in ("orgs.csv", "users.csv", "classes.csv", "enrollments.csv", "demographics.csv"):
            with (folder / name).open(encoding="utf-8-sig", newline="") as fh:
                rows += sum(1 for _ in csv.reader(fh))
        out["rows"] = rows
    elif kind in ("first sync", "second sync"):
        from handlers import directory_sync, oneroster

        result = directory_sync.apply(_services(engine, key), oneroster.read(folder))
        out["pupils"] = result.pupils.__dict__
        out["staff"] = result.staff.__dict__
    elif kind == "search":
        from handlers.directory import search_pupils

        services = _services(engine, key)
        rng = random.Random(5)
        timings = []
        found = 0
        for i in range(SEARCHES):
            school = f"s{rng.randrange(SCHOOLS):03d}"
            first = rng.choice(FIRST)
            query = [
                first[0],
                first[:2],
                first,
                f"{first[:3]} {rng.randint(1, 10)}{rng.choice('ABC')}",
                f"{rng.randint(1, 10)}{rng.choice('ABC')}",
            ][i % 5]
            t0 = time.perf_counter()
            found += len(search_pupils(services, school, query))
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        out["p50_ms"] = round(timings[len(timings) // 2], 2)
        out["p99_ms"] = round(timings[int(len(timings) * 0.99)], 2)
        out["hits"] = found
    out["seconds"] = round(time.perf_counter() - started, 2)
    out["cpu"] = round(_cpu_seconds() - cpu_started, 2)
    # The backends live as long as the pool: their CPU time is all this child's.
    out["db_cpu"] = round(sum(_cpu_seconds(pid) for pid in set(backends)), 2)
    out["load"] = round(max(load, os.getloadavg()[0]), 1)
    out["peak_mb"] = round(peak_rss_mb(), 1)
    import handlers

    out["code"] = str(Path(handlers.__file__).resolve().parent.parent)
    engine.dispose()
    return out


def run_child(
    kind: str, folder: Path, url: str, schema: str | None, key: str, code: str | None = None
) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", kind, "--schools", str(SCHOOLS)]
    args += ["--folder", str(folder), "--url", url, "--key", key]
    args += ["--schema", schema] if schema else []
    env = {**os.environ, "BENCH_CODE": code or ""}
    done = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _line(kind: str, r: dict[str, Any]) -> str:
    db = f" + {r['db_cpu']:.1f} s database" if r.get("db_cpu") else ""
    return (
        f"{r['seconds']:.1f} s wall, {r['cpu']:.1f} s CPU{db}, {r['peak_mb']:.0f} MB, "
        f"load {r['load']:.1f}"
    )


def _ratio(new: dict[str, Any], old: dict[str, Any]) -> str:
    cpu_new, cpu_old = new["cpu"] + new["db_cpu"], old["cpu"] + old["db_cpu"]
    parts = [f"wall {new['seconds'] / max(old['seconds'], 0.01):.2f}×"]
    parts.append(f"CPU {cpu_new / max(cpu_old, 0.01):.2f}×")
    if "p99_ms" in new:
        parts.append(f"p99 {new['p99_ms'] / max(old['p99_ms'], 0.01):.2f}×")
    return ", ".join(parts)


def main() -> int:
    global SCHOOLS, STAFF
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--schools", type=int, default=SCHOOLS, help="500 pupils each")
    parser.add_argument("--against", metavar="DIR", help="another checkout to compare with")
    parser.add_argument(
        "--no-search", action="store_true", help="measure the syncs only (no picker searches)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.schools != SCHOOLS:
        SCHOOLS, STAFF = args.schools, 75 * args.schools
    if args.child:
        print(json.dumps(child(args.child, Path(args.folder), args.url, args.schema, args.key)))
        return 0
    key = Keyring.new_key()
    codes: list[str | None] = [str(Path(args.against).resolve()), None] if args.against else [None]
    admin = make_engine(args.database_url) if args.database_url else None
    schemas: list[str] = []
    with tempfile.TemporaryDirectory(prefix="meldefra-dir-bench-") as tmp:
        folder = Path(tmp) / "oneroster"
        folder.mkdir()
        started = time.perf_counter()
        generate(folder)
        size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
        print(
            f"generated {size:.0f} MB of OneRoster CSV in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        targets: list[tuple[str, str | None]] = []
        for n, _code in enumerate(codes):
            if admin is not None:
                schema = f"dirbench_{uuid.uuid4().hex[:8]}"
                with admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                schemas.append(schema)
                targets.append((str(args.database_url), schema))
            else:
                targets.append((f"sqlite:///{Path(tmp) / f'bench{n}.db'}", None))
        results: list[dict[str, dict[str, Any]]] = [{} for _ in codes]
        try:
            kinds = ["upgrade", "baseline", "first sync", "second sync", "search"]
            for kind in kinds[:-1] if args.no_search else kinds:
                for n, code in enumerate(codes):
                    url, schema = targets[n]
                    r = run_child(kind, folder, url, schema, key, code)
                    results[n][kind] = r
                    label = f"[{'old' if code else 'new'}] " if args.against else ""
                    print(f"  {label}{kind}: {_line(kind, r)}", file=sys.stderr)
        finally:
            for schema in schemas:
                assert admin is not None
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            if admin is not None:
                admin.dispose()
    ours = results[-1]
    base = ours["baseline"]["seconds"]
    database = "PostgreSQL" if admin is not None else "SQLite"
    print(
        f"{database}: {SCHOOLS} schools, {SCHOOLS * PUPILS_PER_SCHOOL:,} pupils, "
        f"{2 * SCHOOLS * PUPILS_PER_SCHOOL:,} foresatte, {STAFF:,} staff (names sealed)"
    )
    print(f"  baseline (csv read only): {_line('baseline', ours['baseline'])}")
    ok = True
    for kind, (seconds, mb) in TARGETS.items():
        r = ours[kind]
        good = r["seconds"] < seconds and r["peak_mb"] < mb
        ok &= good
        print(
            f"  {kind}: {_line(kind, r)} ({r['seconds'] / base:.1f}× baseline)  "
            f"target < {seconds:.0f} s, < {mb:.0f} MB  {'ok' if good else 'MISSED'}  "
            f"pupils {r['pupils']}"
        )
        if args.against:
            print(f"    against {args.against}: {_ratio(r, results[0][kind])}")
    if args.no_search:
        return 0 if ok else 1
    s = ours["search"]
    good = s["p99_ms"] < SEARCH_P99_MS
    ok &= good
    print(
        f"  search: p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms over {SEARCHES} "
        f"searches ({s['hits']} hits), load {s['load']:.1f}  target p99 < {SEARCH_P99_MS:.0f} ms  "
        f"{'ok' if good else 'MISSED'}"
    )
    if args.against:
        print(f"    against {args.against}: {_ratio(s, results[0]['search'])}")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())

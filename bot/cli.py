"""The `meldefra` command: serve, db upgrade, org check, verify, remind, digest."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime

from bot.config import Settings
from handlers.i18n import t
from handlers.org import Org, OrgError, load_org
from handlers.routing import route

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if getattr(args, "org", None):
        settings = Settings(**{**settings.__dict__, "org_path": args.org})
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args, settings) or 0)
    except OrgError as exc:
        print(f"meldefra: org file has problems:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meldefra",
        description="Melde fra: the duty to act (opplæringslova kap. 12) in Slack and Teams.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the bot (a local console when no chat is set up)")
    serve.add_argument("--org", help="path to org.yml (default: $MELDEFRA_ORG or ./org.yml)")
    serve.add_argument("--http", action="store_true", help="serve Slack over HTTP, not Socket Mode")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP host (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply the schema migrations")
    up.set_defaults(func=cmd_db_upgrade)

    org = sub.add_parser("org", help="the org directory (org.yml)")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    check = org_sub.add_parser("check", help="validate org.yml and show every person's route")
    check.add_argument("path", nargs="?", help="the file (default: $MELDEFRA_ORG or ./org.yml)")
    check.set_defaults(func=cmd_org_check)

    verify = sub.add_parser("verify", help="walk every case's hash chain and name any break")
    verify.set_defaults(func=cmd_verify)

    for name, help_text in (
        ("remind", "run the morning reminder round now (missed or on demand)"),
        ("digest", "send the R-team digest for its latest digest time, if not sent yet"),
    ):
        rounds = sub.add_parser(name, help=help_text)
        rounds.add_argument("--school", help="one school's id (default: every school)")
        rounds.add_argument(
            "--at", help='as if it were this local time, "YYYY-MM-DD HH:MM" (default: now)'
        )
        rounds.add_argument(
            "--dry-run", action="store_true", help="print what would be sent; send nothing"
        )
        rounds.set_defaults(func=cmd_round, round=name)
    return parser


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import threading

    from bot import bootstrap
    from bot.scheduler import Scheduler

    app = bootstrap.build(settings)
    from bot.console import Console

    lang = app.services.org.schools[0].language
    banner = [t(lang, "console.welcome"), t(lang, "console.database", url=_safe_url(settings))]
    if app.org_is_sample:
        path, _ = settings.resolved_org_path()
        banner.append(t(lang, "console.sample_org", path=path))
    stop = threading.Event()
    Scheduler(app.services).start(stop)
    try:
        return Console(app.services, banner=banner).run()
    finally:
        stop.set()


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from store.db import current_revision, make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    print(t("nb", "cli.db_upgraded", revision=current_revision(engine)))
    return 0


def cmd_org_check(args: argparse.Namespace, settings: Settings) -> int:
    path = args.path or settings.resolved_org_path()[0]
    org = load_org(path)
    print(t("nb", "cli.org_ok", path=path, schools=len(org.schools), people=len(org.people())))
    for line in routes_report(org):
        print(line)
    return 0


def routes_report(org: Org) -> list[str]:
    """For every person in every school: who receives their reports, and why."""
    lines: list[str] = []
    for school in org.schools:
        lang = school.language
        lines.append("")
        lines.append(f"{school.name} ({school.id})")
        for person in sorted(school.staff()):
            routing = route(org, school, person)
            lines.append("  " + t(lang, "cli.routes_to", who=person))
            for r in routing.recipients:
                reason = t(lang, r.reason, unit=routing.unit or "")
                lines.append(f"    → {r.email} ({t(lang, 'role.' + r.role)}: {reason})")
    return lines


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    from store import trail
    from store.db import make_engine, session_factory, transaction

    engine = make_engine(settings.database_url)
    with transaction(session_factory(engine)) as session:
        cases, events, breaks = trail.verify_all(session)
    if breaks:
        print(t("nb", "cli.verify_broken"))
        for b in breaks:
            print(f"  {b}")
        return 1
    print(t("nb", "cli.verify_ok", cases=cases, events=events))
    return 0


def cmd_round(args: argparse.Namespace, settings: Settings) -> int:
    """`meldefra remind` and `meldefra digest`: one round per school, or print it (--dry-run)."""
    from bot import bootstrap
    from bot.text import round_lines
    from handlers import digest, followup

    app = bootstrap.build(settings)
    org = app.services.org
    schools = org.schools
    if args.school:
        try:
            schools = (org.school(args.school),)
        except KeyError:
            print(t("nb", "cli.unknown_school", school=args.school), file=sys.stderr)
            return EXIT_USAGE
    local: datetime | None = None
    if args.at:
        try:
            local = datetime.strptime(args.at.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            print(t("nb", "cli.bad_at"), file=sys.stderr)
            return EXIT_USAGE
    run = followup.run_reminders if args.round == "remind" else digest.run_digest
    # --at is each school's own wall-clock time: schools in one zone share one round.
    by_zone: dict[str, list[str]] = {}
    for school in schools:
        by_zone.setdefault(school.timezone, []).append(school.id)
    for zone_schools in by_zone.values():
        zone = org.school(zone_schools[0]).zone
        at = local.replace(tzinfo=zone) if local else app.services.clock.now()
        for result in run(app.services, zone_schools, at=at, dry_run=args.dry_run):
            next_round = followup.next_round_at(org.school(result.school_id), at)
            for line in round_lines("nb", result, next_round=next_round):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

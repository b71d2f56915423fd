"""The `meldefra` command: serve, db upgrade, org check, verify."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

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
    logging.getLogger("alembic").setLevel(logging.WARNING)
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
    return parser


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from bot.serve import ConfigError, serve

    app = bootstrap.build(settings)
    try:
        return serve(app, http=args.http, host=args.host, port=args.port)
    except ConfigError as exc:
        print(f"meldefra: {exc}", file=sys.stderr)
        return EXIT_USAGE


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


if __name__ == "__main__":
    sys.exit(main())

"""`meldefra directory sync` (from OneRoster CSV or Microsoft Graph) and `meldefra directory
show`; the directory part of `meldefra org check`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import bootstrap
from bot.config import Settings
from handlers import directory_sync, oneroster
from handlers.directory import counts, org_problems
from handlers.directory_sync import Snapshot, SyncProblems, SyncResult
from handlers.i18n import t
from handlers.org import Org
from handlers.services import Services

EXIT_USAGE = 2
log = logging.getLogger("meldefra.directory")


class NoSource(Exception):
    """No source given or configured, or the one chosen cannot be used here."""


def add_parsers(sub: Any) -> None:
    directory = sub.add_parser(
        "directory", help="staff, pupils and foresatte from the school's systems"
    )
    dir_sub = directory.add_subparsers(dest="directory_command", required=True)
    sync = dir_sub.add_parser(
        "sync", help="bring the directory up to date (default: org.yml's directory: source)"
    )
    sync.add_argument("--source", choices=directory_sync.SOURCES)
    sync.add_argument("path", nargs="?", help="OneRoster: the folder of CSV files")
    sync.add_argument("--org", help="path to org.yml (default: $MELDEFRA_ORG or ./org.yml)")
    sync.set_defaults(func=cmd_sync)
    show = dir_sub.add_parser("show", help="how many pupils, foresatte and staff each school has")
    show.add_argument("--school", help="one school's id (default: every school)")
    show.add_argument("--org", help="path to org.yml (default: $MELDEFRA_ORG or ./org.yml)")
    show.set_defaults(func=cmd_show)


def read_source(
    org: Org, settings: Settings, source: str | None, path: str | None
) -> Snapshot | str:
    """The snapshot of the chosen source, or the catalog key saying why there is none."""
    configured = org.directory
    source = source or (configured.source if configured else None)
    if source is None:
        return "dir.sync.no_source"
    if source == "oneroster":
        folder = Path(path) if path else (configured.path if configured else None)
        if folder is None:
            return "dir.sync.no_path"
        return oneroster.read(folder)
    if not (settings.teams_client_id and settings.teams_client_secret and settings.teams_tenant_id):
        return "dir.sync.no_graph"
    from bot.teams.graph_directory import read_with_settings

    return read_with_settings(settings)


def sync(services: Services, settings: Settings, source: str | None, path: str | None) -> list[str]:
    """Run one sync; the lines to print (the diff, or one per problem). Raises nothing for a
    broken source: its problems are the lines, and the directory is unchanged."""
    lang = services.org.operator_language
    snapshot = read_source(services.org, settings, source, path)
    if isinstance(snapshot, str):
        raise NoSource(t(lang, snapshot))
    return diff_lines(lang, snapshot.source, directory_sync.apply(services, snapshot))


def scheduled(services: Services, settings: Settings) -> tuple[Callable[[], object], float] | None:
    """The scheduler's directory job and its interval in seconds (None: no `directory:`)."""
    configured = services.org.directory
    if configured is None:
        return None

    def job() -> None:
        try:
            lines = sync(services, settings, None, None)
        except NoSource:
            log.warning("directory sync from %s: the source cannot be used", configured.source)
            return
        except SyncProblems as exc:
            # The problems name files, lines and ids; counted here, shown by the CLI.
            log.warning(
                "directory sync from %s: %d problems, nothing changed; "
                "run `meldefra directory sync` to see them",
                configured.source,
                len(exc.problems),
            )
            return
        log.info("directory sync from %s: %s", configured.source, " ".join(lines))

    return job, configured.every_minutes * 60.0


def diff_lines(lang: str, source: str, result: SyncResult) -> list[str]:
    if result.unchanged:
        return [t(lang, "dir.sync.unchanged", source=source)]
    args = {
        f"{kind}_{what}": getattr(getattr(result, kind), what)
        for kind in ("pupils", "staff", "schools")
        for what in ("added", "changed", "left")
    }
    return [t(lang, "dir.sync.done", source=source, **args)]


def _app(args: argparse.Namespace, settings: Settings) -> bootstrap.App:
    if getattr(args, "org", None):
        settings = Settings(**{**settings.__dict__, "org_path": Path(args.org)})
    return bootstrap.build(settings)


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    app = _app(args, settings)
    lang = app.services.org.operator_language
    try:
        lines = sync(app.services, app.settings, args.source, args.path)
    except NoSource as exc:
        print(f"meldefra: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SyncProblems as exc:
        print(t(lang, "dir.sync.problems", count=len(exc.problems)), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    app = _app(args, settings)
    lang = app.services.org.operator_language
    rows = counts(app.services, args.school)
    if not rows:
        print(t(lang, "dir.show.none"))
        return 0
    for row in rows:
        synced = row.synced_at.astimezone().strftime("%d.%m.%Y %H.%M") if row.synced_at else "–"
        print(
            t(
                lang,
                "dir.show.school",
                name=row.name,
                school=row.school,
                pupils=row.pupils,
                left=row.left,
                guardians=row.guardians,
                staff=row.staff,
                groups=row.groups,
                source=row.source,
                synced=synced,
            )
        )
    return 0


def check_lines(services: Services) -> list[str]:
    """`meldefra org check`'s lines about the directory (none when there is no directory)."""
    lang = services.org.operator_language
    found = org_problems(services)
    if found is None:
        return [] if services.org.directory is None else ["", t(lang, "dir.check.empty")]
    lines = ["", t(lang, "dir.check.header")]
    lines += [f"  {t(lang, key, **values)}" for key, values in found] or [
        f"  {t(lang, 'dir.check.ok')}"
    ]
    return lines

"""The `meldefra` command: serve, db upgrade, org check, verify, remind, digest, export,
case access-log, archive, keys, teams package."""

from __future__ import annotations

import argparse
import errno
import getpass
import hashlib
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot import cli_help, directory_cli, journal_cli, logs, stats_cli
from bot.config import MissingDatabase, Settings
from bot.core.redaction import review_lines
from bot.fiks.config import MissingFiksSettings
from bot.round_args import zone_rounds
from handlers.counts import org_counts
from handlers.errors import FieldErrors, Refused
from handlers.export import CASE_FILE, DOCUMENTS, FILE_STEM, FORMATS, PLAN, ExportFile
from handlers.i18n import LANGS, t
from handlers.org import Org, OrgError, load_org
from handlers.routing import route
from store.crypto import BadKey, SealedTextError

EXIT_USAGE = 2
# Exports, their metadata and the SQLite database hold special-category data: owner only.
PRIVATE_UMASK = 0o077
PRIVATE_FILE = 0o600

log = logging.getLogger("meldefra.cli")


def main(argv: Sequence[str] | None = None) -> int:
    lang = cli_help.cli_language()  # --help and argparse's errors in the operator's language
    with cli_help.argparse_in(lang):
        parser = build_parser()
        cli_help.localize(parser, lang)
        args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except MissingFiksSettings as exc:
        print(f"meldefra: {t('nb', 'arkiv.error.settings', names=', '.join(exc.names))}",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    if getattr(args, "org", None):
        settings = Settings(**{**settings.__dict__, "org_path": args.org})
    # `export` is a command people run by hand: quiet unless asked (-v).
    quiet = args.command == "export" and not getattr(args, "verbose", False)
    logs.setup("WARNING" if quiet else settings.log_level, settings.log_format)
    os.umask(PRIVATE_UMASK)  # every file this process creates, the SQLite database too
    if args.command not in CREATES_DATABASE:
        settings = replace(settings, create_database=False)
    _private_sqlite(settings.database_url)
    try:
        return int(args.func(args, settings) or 0)
    except OrgError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_USAGE
    except MissingDatabase as exc:
        print(t(_cli_lang(settings), "cli.no_database", path=exc.path), file=sys.stderr)
        return EXIT_USAGE
    except (BadKey, SealedTextError) as exc:
        print(f"meldefra: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


# Commands that make or repair a database may create it; every other one only reads (or adds
# to) one that exists, and an empty new file would only say "no such case" or show zeros.
# (doctor reports a missing database itself.)
CREATES_DATABASE = frozenset({"serve", "db", "org", "keys", "teams", "directory", "doctor"})


def _cli_lang(settings: Settings) -> str:
    try:
        path, _ = settings.resolved_org_path()
        return load_org(path).operator_language
    except (OrgError, OSError):
        return "nb"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meldefra",
        description="Melde fra: the duty to act (opplæringslova kap. 12) in Slack and Teams.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the bot (a local console when no chat is set up)")
    serve.add_argument("--org", help="path to org.yml (default: $MELDEFRA_ORG or ./org.yml)")
    serve.add_argument(
        "--http",
        action="store_true",
        help="serve Slack over HTTP, not Socket Mode (Teams is always served over HTTP)",
    )
    serve.add_argument(
        "--host",
        help="the address to listen on (default $MELDEFRA_HOST, else 127.0.0.1: this machine "
        "only; 0.0.0.0 listens on every interface, e.g. in a container)",
    )
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

    doctor = sub.add_parser(
        "doctor", help="check a deployment end to end: org file, database, key, Slack, Teams"
    )
    doctor.add_argument("--org", help="path to org.yml (default: $MELDEFRA_ORG or ./org.yml)")
    doctor.add_argument("--lang", choices=("nb", "nn", "en"), help="default: the org's language")
    doctor.set_defaults(func=cmd_doctor)

    verify = sub.add_parser("verify", help="walk every case's hash chain and name any break")
    verify.set_defaults(func=cmd_verify)

    export = sub.add_parser(
        "export", help="export a case: the case file for the archive, or the aktivitetsplan"
    )
    export.add_argument("ref", help="the case, e.g. MF-0001")
    export.add_argument(
        "--format",
        choices=(*FORMATS, journal_cli.ARKIVMELDING),
        default="pdf",
        help="default pdf; arkivmelding: the case's journalposter as Fiks Arkiv messages "
        "(arkivmelding.xml and the PDFs), one folder each, under --out",
    )
    export.add_argument(
        "--document",
        choices=DOCUMENTS,
        help="case-file (everything, for journalføring; the default), plan (for foresatte; "
        "the default with --anonymize-others) or innsyn (the case file for one pupil's "
        "family: every other pupil and their foresatte replaced; keep the pupil named by "
        "--anonymize-others, default the first). Both print what was replaced",
    )
    export.add_argument(
        "--anonymize-others",
        nargs="?",
        const="1",
        metavar="PUPIL",
        help="the plan for one family: keep PUPIL (name or number; default the first) and "
        "replace every other pupil's name",
    )
    export.add_argument("--lang", choices=LANGS, help="default: the school's language")
    export.add_argument(
        "--out", help="file or folder (default ./exports/); '-' writes the file to stdout"
    )
    export.add_argument(
        "--force", action="store_true", help="overwrite an existing file (and its metadata)"
    )
    export.add_argument(
        "-v", "--verbose", action="store_true", help="also name the metadata file and log"
    )
    _add_as(export)
    export.set_defaults(func=cmd_export)

    case = sub.add_parser("case", help="one case's records")
    case_sub = case.add_subparsers(dest="case_command", required=True)
    log = case_sub.add_parser("access-log", help="who opened the case, and when (innsynslogg)")
    log.add_argument("ref")
    _add_as(log)
    log.set_defaults(func=cmd_access_log)

    archive = sub.add_parser(
        "archive", help="archive a closed, exported case: sperre it and remove its free text"
    )
    archive.add_argument("ref")
    archive.add_argument("--file", help="the exported file handed to the archive (checked)")
    _add_as(archive)
    archive.set_defaults(func=cmd_archive)

    keys = sub.add_parser("keys", help="encryption keys for the free text at rest")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("new", help="print a new key").set_defaults(func=cmd_keys_new)
    keys_sub.add_parser(
        "rotate", help="re-seal every text with the first key in MELDEFRA_ENCRYPTION_KEY"
    ).set_defaults(func=cmd_keys_rotate)

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

    stats_cli.add_parsers(sub)  # stats, monthly
    directory_cli.add_parsers(sub)  # directory sync, directory show
    journal_cli.add_parsers(sub)  # journal

    teams = sub.add_parser("teams", help="Microsoft Teams")
    teams_sub = teams.add_subparsers(dest="teams_command", required=True)
    package = teams_sub.add_parser(
        "package", help="build the Teams app package (zip) to upload to the org catalog"
    )
    package.add_argument("--out", default="meldefra-teams.zip", help="default ./meldefra-teams.zip")
    package.add_argument("--domain", help="where the bot is served (default: $TEAMS_BOT_DOMAIN)")
    package.add_argument("--version", default="1.0.0", help="the app's version (default 1.0.0)")
    package.set_defaults(func=cmd_teams_package)
    return parser


def _add_as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="EMAIL",
        help="act as this person, with their access; default: the server's operator, "
        "logged as operator:<user>",
    )


def _private_sqlite(url: str) -> None:
    """A SQLite file made before 0600 was the rule is made owner-only when next used."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - a bad URL is reported where the database is opened
        return
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    try:
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(PRIVATE_FILE)
    except OSError:
        pass  # not ours to change (read-only mount, another owner): the database still opens


def _actor(args: argparse.Namespace, org: Org) -> tuple[str, bool]:
    """Who the command acts as, and whether that is the operator on the server.

    `--as` is matched without regard to case against org.yml and logged on the trail in the
    org's own spelling, so one person is one name in the innsynslogg."""
    if args.actor:
        wanted = args.actor.strip()
        for person in org.people():
            if person.casefold() == wanted.casefold():
                return person, False
        return wanted, False
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        user = "unknown"
    return f"operator:{user}", True


def _fail(exc: Refused | FieldErrors) -> int:
    if isinstance(exc, Refused):
        print(f"meldefra: {exc.text('nb')}", file=sys.stderr)
        return 1
    for name, message in exc.render("nb").items():
        print(f"meldefra: {name}: {message}", file=sys.stderr)
    return EXIT_USAGE


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from handlers.export import export_case

    app = bootstrap.build(settings)
    actor, operator = _actor(args, app.services.org)
    if args.format == journal_cli.ARKIVMELDING:
        return journal_cli.export_folder(args, settings, actor, operator)
    document = args.document or (PLAN if args.anonymize_others else CASE_FILE)
    out: Path | None = None
    if args.out != "-":
        out = _export_path(
            args.out, f"{FILE_STEM[document]}-{args.ref.strip().upper()}.{args.format}"
        )
        if link := _symlink(out):
            print(f"meldefra: {t('nb', 'cli.symlink', path=link)}", file=sys.stderr)
            return EXIT_USAGE
        if not args.force and (clash := _existing(out)):
            print(f"meldefra: {t('nb', 'cli.exists', path=clash)}", file=sys.stderr)
            return EXIT_USAGE
    try:
        file = export_case(
            app.services,
            args.ref,
            actor,
            document=document,
            fmt=args.format,
            lang=args.lang,
            keep_pupil=args.anonymize_others,
            as_operator=operator,
        )
    except (Refused, FieldErrors) as exc:
        return _fail(exc)
    log.info("exported %s (%s, %s)", file.name, document, args.format, extra={"case": args.ref})
    if out is None:
        sys.stdout.buffer.write(file.content)
        sys.stdout.flush()
        _print_review(file, args.lang, sys.stderr)
        return 0
    out = _export_path(args.out, file.name)
    meta = _metadata_path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_private(out, file.content, overwrite=args.force)
        _write_private(meta, file.metadata_json(), overwrite=args.force)
    except FileExistsError as exc:
        print(f"meldefra: {t('nb', 'cli.exists', path=exc.filename)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symbolic link put there after the check above
            print(f"meldefra: {t('nb', 'cli.symlink', path=exc.filename)}", file=sys.stderr)
            return EXIT_USAGE
        reason = exc.strerror or type(exc).__name__
        print(f"meldefra: {t('nb', 'cli.not_written', path=exc.filename or out, reason=reason)}",
              file=sys.stderr)  # fmt: skip
        return 1
    print(t("nb", "cli.exported", path=out, sha256=file.sha256))
    if args.verbose:
        print(t("nb", "cli.metadata", path=meta))
    _print_review(file, args.lang, sys.stdout)
    return 0


def _print_review(file: ExportFile, lang: str | None, stream: TextIO) -> None:
    """A copy for one party: what was replaced, for the operator's eyes (never the log)."""
    if file.review is not None:
        for line in review_lines(file.review, lang or "nb"):
            print(line, file=stream)


def _export_path(option: str | None, name: str) -> Path:
    out = Path(option or "exports")
    return out / name if out.is_dir() or not out.suffix else out


def _metadata_path(out: Path) -> Path:
    # One metadata file per exported file: the PDF's and the HTML's never overwrite each other.
    return out.with_name(f"{out.name}.metadata.json")


def _existing(out: Path) -> Path | None:
    return next((p for p in (out, _metadata_path(out)) if p.exists()), None)


def _symlink(out: Path) -> Path | None:
    """A symbolic link where the file or its metadata would go: --force must not write
    through it (to wherever it points)."""
    return next((p for p in (out, _metadata_path(out)) if p.is_symlink()), None)


def _write_private(path: Path, content: bytes, *, overwrite: bool) -> None:
    """Write owner-only (0600); never replace an existing file unless told to, and never
    through a symbolic link (O_NOFOLLOW: ELOOP)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if overwrite else os.O_EXCL)
    fd = os.open(path, flags, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as sink:
        os.fchmod(sink.fileno(), PRIVATE_FILE)  # an overwritten file keeps no older mode
        sink.write(content)


def cmd_access_log(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap, text
    from handlers.records import access_log

    app = bootstrap.build(settings)
    actor, operator = _actor(args, app.services.org)
    try:
        log = access_log(app.services, args.ref, actor, as_operator=operator)
    except Refused as exc:
        return _fail(exc)
    school = app.services.org.school(log.school_id)
    print(t(school.language, "log.header", ref=log.ref))
    if not log.entries:
        print(t(school.language, "log.empty"))
    for entry in log.entries:
        at = entry.at.astimezone(school.zone).strftime("%d.%m.%Y %H.%M")
        print(f"{at}  {entry.name or entry.who}  {text.access_line(school.language, entry.what)}")
    return 0


def cmd_archive(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from handlers.records import archive

    digest = None
    if args.file:
        path = Path(args.file)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except FileNotFoundError:
            print(f"meldefra: {t('nb', 'cli.no_file', path=path)}", file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            print(f"meldefra: {t('nb', 'cli.unreadable', path=path, reason=reason)}",
                  file=sys.stderr)  # fmt: skip
            return EXIT_USAGE
    app = bootstrap.build(settings)
    actor, operator = _actor(args, app.services.org)
    try:
        outcome = archive(app.services, args.ref, actor, export_sha256=digest, as_operator=operator)
    except Refused as exc:
        return _fail(exc)
    print(t("nb", outcome.key, **outcome.args))
    return 0


def cmd_keys_new(args: argparse.Namespace, settings: Settings) -> int:
    from store.crypto import Keyring

    print(Keyring.new_key())
    return 0


def cmd_keys_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from handlers import ops

    if settings.keyring() is None:
        print(f"meldefra: {t('nb', 'cli.keys_missing')}", file=sys.stderr)
        return EXIT_USAGE
    database = bootstrap.open_database(settings)
    resealed, sealed = ops.rotate_keys(database)
    pupils = ops.reseal_directory(database)
    print(t("nb", "cli.keys_rotated", resealed=resealed, sealed=sealed))
    if pupils:
        print(t("nb", "dir.keys_rotated", pupils=pupils))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from bot.serve import ConfigError, serve

    app = bootstrap.build(settings)
    # This machine only unless told otherwise: /metrics and /healthz are not for the network.
    host = args.host or settings.host
    try:
        return serve(app, http=args.http, host=host, port=args.port)
    except ConfigError as exc:
        print(f"meldefra: {exc}", file=sys.stderr)
        return EXIT_USAGE


def cmd_teams_package(args: argparse.Namespace, settings: Settings) -> int:
    from bot.teams.package import PackageError, PackageSettings, build, host_of

    lang = "nb"
    try:
        org = load_org(settings.resolved_org_path()[0])
        developer, lang = org.owner.name, org.operator_language
    except OrgError:
        developer = "Meldefra"  # the package does not depend on org.yml being right
    package = PackageSettings(
        app_id=settings.teams_client_id or "",
        domain=host_of(args.domain or settings.teams_bot_domain or ""),
        version=args.version,
        developer=developer,
        privacy_url=settings.teams_privacy_url,
        terms_url=settings.teams_terms_url,
    )
    try:
        out = build(package, Path(args.out))
    except PackageError as exc:
        print(f"meldefra: {t(lang, exc.key, **exc.args_)}", file=sys.stderr)
        return EXIT_USAGE
    print(t(lang, "cli.teams_package", path=out, app_id=package.app_id, domain=package.domain))
    print(t(lang, "teams.package.pages", privacy=package.privacy, terms=package.terms))
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from handlers import ops

    revision = ops.upgrade(bootstrap.open_database(settings, keyring=False))
    print(t("nb", "cli.db_upgraded", revision=revision))
    return 0


def cmd_org_check(args: argparse.Namespace, settings: Settings) -> int:
    path = args.path or settings.resolved_org_path()[0]
    org = load_org(path)
    lang = org.operator_language
    print(t(lang, "cli.org_ok", path=path, counts=org_counts(lang, org)))
    for school in org.schools:
        if school.principal not in school.rteam.members:
            print(
                t(lang, "figures.org.rektor_not_in_rteam", school=school.id, who=school.principal)
            )
    for line in routes_report(org):
        print(line)
    for line in _directory_check(settings, Path(path)):
        print(line)
    return 0


def _directory_check(settings: Settings, path: Path) -> list[str]:
    """The people of org.yml against the directory, when there is a database to ask."""
    from bot import bootstrap
    from store.db import sqlite_file

    db_file = sqlite_file(settings.database_url)
    if db_file is not None and not db_file.exists():
        return []
    app = bootstrap.build(Settings(**{**settings.__dict__, "org_path": path}))
    return directory_cli.check_lines(app.services)


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


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from bot import doctor

    lines, healthy = doctor.run(settings, settings.resolved_org_path()[0], args.lang)
    print("\n".join(lines))
    return 0 if healthy else 1


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from handlers import ops

    verified = ops.verify(bootstrap.open_database(settings))
    if verified.breaks:
        print(t("nb", "cli.verify_broken"))
        for b in verified.breaks:
            print(f"  {b}")
        return 1
    print(t("nb", "cli.verify_ok", cases=verified.cases, events=verified.events))
    return 0


def cmd_round(args: argparse.Namespace, settings: Settings) -> int:
    """`meldefra remind` and `meldefra digest`: one round per school, or print it (--dry-run)."""
    from bot import bootstrap
    from bot.core import flow

    app = bootstrap.build(settings)
    rounds = zone_rounds(args, app)
    if rounds is None:
        return EXIT_USAGE
    for zone_schools, at in rounds:  # remind: and § 12-5 by the hour, where a step has come
        digest = args.round == "digest"
        for line in flow.rounds(
            app.services, "nb", zone_schools, at, digest=digest, dry_run=args.dry_run
        ):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

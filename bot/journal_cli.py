"""`meldefra journal` (a case's journalposter in the sakarkiv, and sending failed ones again)
and `meldefra export REF --format arkivmelding` (the same messages as a folder)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from handlers.errors import Refused
from handlers.i18n import t

ARKIVMELDING = "arkivmelding"


def add_parsers(sub: Any) -> None:
    journal = sub.add_parser(
        "journal", help="a case's journalposter in the sakarkiv (Fiks Arkiv), and their numbers"
    )
    journal.add_argument("ref")
    journal.add_argument(
        "--retry", action="store_true", help="queue the journalposter the archive refused again"
    )
    journal.set_defaults(func=cmd_journal)


def status_lines(lang: str, lines: list[Any]) -> list[str]:
    out = []
    for line in lines:
        state = t(lang, f"arkiv.status.{line.status}", number=line.number, error=line.error or "")
        out.append(t(lang, "arkiv.line", what=t(lang, f"arkiv.kind.{line.kind}"), state=state))
    return out or [t(lang, "arkiv.none")]


def cmd_journal(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from handlers.archive import journal

    app = bootstrap.build(settings)
    lang = app.services.org.operator_language
    try:
        if args.retry:
            count = journal.retry(app.services, args.ref)
            print(t(lang, "arkiv.retried", count=count, ref=args.ref.strip().upper()))
        lines = journal.status(app.services, args.ref)
    except Refused as exc:
        print(f"meldefra: {exc.text(lang)}", file=sys.stderr)
        return 1
    print("\n".join(status_lines(lang, lines)))
    return 0


def export_folder(args: argparse.Namespace, settings: Settings, actor: str, operator: bool) -> int:
    from bot import bootstrap
    from handlers.archive import journal

    app = bootstrap.build(settings)
    ref = args.ref.strip().upper()
    out = Path(args.out or "exports") / f"arkivmelding-{ref}"
    if out.exists() and any(out.iterdir()) and not args.force:
        print(f"meldefra: {t('nb', 'cli.exists', path=out)}", file=sys.stderr)
        return 2
    try:
        written = journal.export_folder(app.services, ref, actor, out, as_operator=operator)
    except Refused as exc:
        print(f"meldefra: {exc.text('nb')}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0

"""`meldefra stats` (the oversight figures for a period) and `meldefra monthly` (the monthly
report round, now or as if at a given time)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from bot.config import Settings
from bot.round_args import zone_rounds
from handlers.i18n import LANGS, t

EXIT_USAGE = 2


def add_parsers(sub: Any) -> None:
    stats = sub.add_parser(
        "stats", help="skoleeier's figures for a period: no names, small counts hidden"
    )
    stats.add_argument("--school", help="one school's id (default: every school, side by side)")
    stats.add_argument(
        "--from", dest="first", help="first day, YYYY-MM-DD (default: 1 August of the school year)"
    )
    stats.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: today)")
    stats.add_argument("--format", choices=("text", "csv", "json", "html", "pdf"), default="text")
    stats.add_argument("--lang", choices=LANGS, default="nb")
    stats.set_defaults(func=cmd_stats)

    monthly = sub.add_parser(
        "monthly", help="send the monthly report if it is due (first school day of the month)"
    )
    monthly.add_argument("--school", help="one school's id (default: every school)")
    monthly.add_argument(
        "--at", help='as if it were this local time, "YYYY-MM-DD HH:MM" (default: now)'
    )
    monthly.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send nothing"
    )
    monthly.set_defaults(func=cmd_monthly)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text.strip()) if text is not None else None


def _iso(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from bot.stats_render import render
    from handlers import stats

    lang = args.lang
    app = bootstrap.build(settings)
    org = app.services.org
    now = app.services.clock.now()
    if args.school and args.school not in {s.id for s in org.schools}:
        print(t(lang, "stats.error.unknown_school", school=args.school), file=sys.stderr)
        return EXIT_USAGE
    zone = org.school(args.school).zone if args.school else org.schools[0].zone
    try:
        last = _date(args.last) or now.astimezone(zone).date()
        first = _date(args.first) or stats.Period.school_year(last).first
    except ValueError:
        bad = args.first if args.first and not _iso(args.first) else args.last
        print(t(lang, "stats.error.bad_date", value=bad), file=sys.stderr)
        return EXIT_USAGE
    if first > last:
        print(t(lang, "stats.error.range"), file=sys.stderr)
        return EXIT_USAGE
    period = stats.Period(first, last)
    every = [s.id for s in org.schools]
    shown = [args.school] if args.school else every
    with app.services.uow() as session:
        figures = stats.figures_of(stats.load(session, org, period, every, as_of=now))
        trend = None
        if args.format in ("html", "pdf"):
            row = args.school or stats.ALL
            trend = {row: stats.trend(session, org, period, every)[row]}
    report = stats.publish(
        org,
        period,
        figures,
        school_ids=shown,
        with_total=not args.school,
        median=stats.median_school(org, figures) if args.school else None,
        trends=trend,
    )
    chart = None
    if args.format in ("html", "pdf"):
        from bot.charts import chart as draw

        chart = draw(report, lang)
    sys.stdout.buffer.write(render(report, args.format, lang, now, chart))
    sys.stdout.flush()
    return 0


def cmd_monthly(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from handlers.followup import ALREADY, DRY_RUN, NOT_DUE
    from handlers.monthly import OWNER_ROUND, run_monthly

    app = bootstrap.build(settings)
    rounds = zone_rounds(args, app)
    if rounds is None:
        return EXIT_USAGE
    for zone_schools, at in rounds:
        for result in run_monthly(app.services, zone_schools, at=at, dry_run=args.dry_run):
            name = (
                t("nb", "cli.monthly.owner")
                if result.school_id == OWNER_ROUND
                else result.school_id
            )
            key = {NOT_DUE: "not_due", ALREADY: "already", DRY_RUN: "dry_run"}.get(
                result.status, "ran"
            )
            print(
                t(
                    "nb",
                    f"cli.monthly.{key}",
                    school=name,
                    period=result.period,
                    count=len(result.notices),
                )
            )
    return 0

"""`meldefra stats` (the oversight figures for a period) and `meldefra monthly` (the monthly
report round, now or as if at a given time)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from typing import Any

from bot.config import Settings
from bot.round_args import zone_rounds
from handlers.dates import format_month
from handlers.i18n import LANGS, t

EXIT_USAGE = 2


def add_parsers(sub: Any) -> None:
    stats = sub.add_parser(
        "stats", help="skoleeier's figures for a period: no names, small counts hidden"
    )
    stats.add_argument("--school", help="one school's id (default: every school, side by side)")
    stats.add_argument(
        "--from",
        dest="first",
        help="first day, YYYY-MM-DD: of a month, a term or a school year (default: last month)",
    )
    stats.add_argument(
        "--to", dest="last", help="last day, YYYY-MM-DD: of that month, term or school year"
    )
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


def _period(first: date | None, last: date | None, today: date) -> Any:
    """The period asked for; by default the last month that has ended."""
    from handlers import stats

    if first is None and last is None:
        return stats.Period.month(today.replace(day=1) - timedelta(days=1))
    if first is None:
        assert last is not None
        first = last.replace(day=1)
    if last is None:
        last = stats.Period.month(first).last
    return stats.Period(first, last)


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
    today = now.astimezone(zone).date()
    try:
        period = _period(_date(args.first), _date(args.last), today)
    except ValueError:
        bad = args.first if args.first and not _iso(args.first) else args.last
        print(t(lang, "stats.error.bad_date", value=bad), file=sys.stderr)
        return EXIT_USAGE
    if period.first > period.last:
        print(t(lang, "stats.error.range"), file=sys.stderr)
        return EXIT_USAGE
    # Only whole months, terms and school years that have ended: two periods a few days apart,
    # or one period seen on two days, would give away the reports between them.
    last_month = stats.Period.month(today.replace(day=1) - timedelta(days=1))
    if period.kind is None or period.last >= today:
        print(
            t(
                lang,
                "figures.error.period",
                month_from=last_month.first.isoformat(),
                month_to=last_month.last.isoformat(),
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    with app.services.uow() as session:
        trend_months = stats.TREND_MONTHS if args.format in ("html", "pdf") else 0
        publisher = stats.Publisher.read(session, org, period, as_of=now, trend_months=trend_months)
    # The operator reads skoleeier's table: one school is its row of that same table.
    report = publisher.owner([args.school] if args.school else None)
    chart = None
    if args.format in ("html", "pdf"):
        from bot.charts import chart as draw

        chart = draw(report, lang)
    sys.stdout.buffer.write(render(report, args.format, lang, now, chart, zone))
    sys.stdout.flush()
    return 0


def cmd_monthly(args: argparse.Namespace, settings: Settings) -> int:
    from bot import bootstrap
    from handlers.followup import ALREADY, DRY_RUN, NOT_DUE
    from handlers.monthly import OWNER_ROUND, reported_month, run_monthly

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
            # The round is kept under the month it runs in; the report covers the month before.
            month = reported_month(result.period).first if result.period else None
            covered = format_month(month, "nb") if month else ""
            print(
                t(
                    "nb",
                    f"cli.monthly.{key}",
                    school=name,
                    period=covered,
                    count=len(result.notices),
                )
            )
            if result.status == DRY_RUN:
                role = "owner" if result.school_id == OWNER_ROUND else "rektor"
                for notice in result.notices:
                    who = notice.recipient or notice.channel or ""
                    print(t("nb", f"figures.monthly.to.{role}", who=who))
    return 0

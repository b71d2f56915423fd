"""The monthly report: skoleeier's oversight figures for the month just ended, sent once.

On the first school day of the month, at the school's `policy.reminder_time`:

- to each rektor: their school's figures against the median school of the municipality (from
  five schools up), and their school's 12-month trend, never holding a case rektor or one of
  the R-team's members is excluded from (a § 12-5 case about the leadership included);
- to skoleeier's contacts (once, with the first school whose round runs): every school side by
  side, the municipality's totals and its 12-month trend.

The notices carry the published figures only (handlers.stats.Publisher: no names, no free
text, no case refs, small counts hidden so that nothing one recipient receives gives them
away); the edges draw the chart and the PDF/HTML report from them when they deliver. Once per
recipient and month, like the digest: the round's claim in `followup_rounds` (kind "monthly",
period YYYY-MM; skoleeier's round under OWNER_ROUND) and the dedupe key
`monthly:{school or owner}:{YYYY-MM}:{e-mail}` on each notice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from handlers import stats
from handlers.calendar import SchoolCalendar, parse_hhmm
from handlers.followup import NOT_DUE, Plan, RoundResult, open_rounds, round_results
from handlers.notices import Notice, emit_many
from handlers.org import Org, School
from handlers.services import Services

MONTHLY = "monthly"  # the round's kind in followup_rounds
MONTHLY_REPORT = "monthly_report"  # the notice's kind
OWNER_ROUND = "@owner"  # skoleeier's round: not a school id (those are a-z, 0-9, - and _)
TREND_MONTHS = 12


def first_school_day(school: School, month: date) -> date:
    calendar = SchoolCalendar.of(school)
    day = month.replace(day=1)
    while not calendar.is_school_day(day):
        day += timedelta(days=1)
    return day


def monthly_due(school: School, at: datetime) -> str | None:
    """The month (YYYY-MM) whose report is due at `at`: from reminder_time on the month's first
    school day until midnight (a bot that was down catches up the same day)."""
    calendar = SchoolCalendar.of(school)
    today = calendar.local_date(at)
    if today != first_school_day(school, today):
        return None
    if at < calendar.local(today, parse_hhmm(school.policy.reminder_time)):
        return None
    return today.strftime("%Y-%m")


def reported_month(period: str) -> stats.Period:
    """The report sent in month `period` (YYYY-MM) covers the month before it."""
    first = date.fromisoformat(f"{period}-01")
    return stats.Period.month(first - timedelta(days=1))


def run_monthly(
    services: Services,
    school_ids: Iterable[str],
    *,
    at: datetime | None = None,
    dry_run: bool = False,
) -> list[RoundResult]:
    """Each due school's report to its rektor, and skoleeier's report with the first school
    due; one result per school (and one for OWNER_ROUND when it was due). A dry run computes
    the same and writes nothing."""
    org = services.org
    now = services.clock.now()
    when = at or now
    schools = [org.school(school_id) for school_id in school_ids]
    periods = {s.id: p for s in schools if (p := monthly_due(s, when)) is not None}
    results = {s.id: RoundResult(s.id, MONTHLY, NOT_DUE) for s in schools if s.id not in periods}
    if periods:
        periods[OWNER_ROUND] = min(periods.values())
        with services.uow() as session:
            mine = open_rounds(session, MONTHLY, periods, now, dry_run=dry_run)
            plan: Plan = [(n, ()) for n in _notices(services, session, org, periods, mine)]
            queued = [n for n, _ in plan] if dry_run else emit_many(session, plan, now)
        results.update(round_results(MONTHLY, periods, mine, queued, dry_run))
    order = [s.id for s in schools] + ([OWNER_ROUND] if OWNER_ROUND in results else [])
    return [results[key] for key in order]


def _notices(
    services: Services,
    session: Session,
    org: Org,
    periods: dict[str, str],
    mine: set[str],
) -> list[Notice]:
    out: list[Notice] = []
    by_month: dict[str, list[str]] = {}
    for school_id in sorted(mine - {OWNER_ROUND}):
        by_month.setdefault(periods[school_id], []).append(school_id)
    if OWNER_ROUND in mine:
        by_month.setdefault(periods[OWNER_ROUND], [])
    for month, school_ids in sorted(by_month.items()):
        # One read of the year serves both audiences: the month, its trend, each rektor's view.
        period = reported_month(month)
        publisher = stats.Publisher.read(session, org, period, trend_months=TREND_MONTHS)
        for school_id in school_ids:
            school = org.school(school_id)
            report = publisher.rektor(school_id)
            rektor = school.principal
            out.append(
                Notice(
                    MONTHLY_REPORT,
                    org.language_of(rektor, school),
                    {**report, "school": school_id, "audience": "rektor", "month": month},
                    recipient=rektor,
                    dedupe_key=f"monthly:{school_id}:{month}:{rektor}",
                )
            )
        if OWNER_ROUND in mine and periods[OWNER_ROUND] == month:
            report = publisher.owner()
            data = {**report, "school": OWNER_ROUND, "audience": "owner", "month": month}
            for contact in org.owner.contacts:
                out.append(
                    Notice(
                        MONTHLY_REPORT,
                        org.language_of(contact),
                        data,
                        recipient=contact,
                        dedupe_key=f"monthly:owner:{month}:{contact}",
                    )
                )
    return out

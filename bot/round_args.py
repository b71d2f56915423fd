"""What `meldefra remind`, `digest` and `monthly` share: which schools, and at what time."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from handlers.i18n import t


def zone_rounds(args: argparse.Namespace, app: Any) -> list[tuple[list[str], datetime]] | None:
    """The schools of `--school` (default all), grouped by time zone, each group with its time:
    `--at` is each school's own wall-clock time, so schools in one zone share one round.
    None, with the reason on stderr, when an argument is wrong."""
    org = app.services.org
    schools = org.schools
    if args.school:
        try:
            schools = (org.school(args.school),)
        except KeyError:
            print(t("nb", "cli.unknown_school", school=args.school), file=sys.stderr)
            return None
    local: datetime | None = None
    if args.at:
        try:
            local = datetime.strptime(args.at.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            print(t("nb", "cli.bad_at"), file=sys.stderr)
            return None
    by_zone: dict[str, list[str]] = {}
    for school in schools:
        by_zone.setdefault(school.timezone, []).append(school.id)
    rounds = []
    for zone_schools in by_zone.values():
        zone = org.school(zone_schools[0]).zone
        rounds.append(
            (zone_schools, local.replace(tzinfo=zone) if local else app.services.clock.now())
        )
    return rounds

"""Issue 21 #11: `digest --dry-run` on a day without a digest shows the period that ends now."""

from __future__ import annotations

from bot import text
from handlers.clock import FixedClock
from handlers.digest import run_digest
from handlers.followup import DRY_RUN
from handlers.services import Services

from .followup_helpers import counts, oslo, report


def test_a_sunday_dry_run_counts_the_cases_filed_since_the_last_digest(
    services: Services, clock: FixedClock
) -> None:
    """Nordby's digest is every 2 weeks on Monday 08:00 (23 November, 7 December). On Sunday
    6 December, two cases filed that day are new since 23 November, not left out beside the
    open counts (the bug printed the digest of 23 November: "siden 9. november: 0")."""
    first = report(services, clock, oslo(2026, 12, 6, 10))
    second = report(services, clock, oslo(2026, 12, 6, 11))
    clock.set(oslo(2026, 12, 6, 15))
    before = counts(services)
    result = run_digest(services, ["nordby"], dry_run=True)[0]
    assert result.status == DRY_RUN and counts(services) == before
    data = result.notices[0].data
    assert [c["ref"] for c in data["new"]] == [first, second]
    assert data["since"] == "2026-11-23" and data["open"]["new"] == 2
    lines = text.lines("digest", "nb", data, edge="console")
    assert "Nye meldinger siden mandag 23. november: 2" in lines, lines


def test_on_the_digest_day_the_dry_run_shows_the_digest_due(
    services: Services, clock: FixedClock
) -> None:
    """On Monday 7 December at 09:00 the dry run is the digest about to be sent: new since
    23 November."""
    filed = report(services, clock, oslo(2026, 12, 1, 10))
    clock.set(oslo(2026, 12, 7, 9))
    data = run_digest(services, ["nordby"], dry_run=True)[0].notices[0].data
    assert data["date"] == "2026-12-07" and data["since"] == "2026-11-23"
    assert [c["ref"] for c in data["new"]] == [filed]

"""The R-team digest: when, where, and what it may say (refs, units, categories; no free text)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot import text
from handlers import digest, followup, plan, review
from handlers.clock import FixedClock
from handlers.digest import digest_due, latest_slot, run_digest
from handlers.followup import ALREADY, DRY_RUN, NOT_DUE, RAN
from handlers.org import Org, RTeam
from handlers.services import Services

from .followup_helpers import (
    LEADER,
    LEADER_9,
    PUPILS,
    REKTOR,
    TEACHER,
    TEACHER_2,
    TEACHER_9,
    WHAT,
    counts,
    oslo,
    queued,
    report,
)

MEMBERS = ["rektor@nordby.example", "radgiver@nordby.example", "helsesykepleier@nordby.example"]


def with_rteam(services: Services, org: Org, **changes: object) -> None:
    nordby = org.school("nordby")
    rteam: RTeam = dataclasses.replace(nordby.rteam, **changes)  # type: ignore[arg-type]
    services.org = dataclasses.replace(
        org, schools=(dataclasses.replace(nordby, rteam=rteam), *org.schools[1:])
    )


def test_every_two_weeks_counts_from_a_fixed_monday_and_skips_closed_days(org: Org) -> None:
    nordby = org.school("nordby")  # every 2 weeks monday 08:00; juleferie 21.12–1.1
    assert digest_due(nordby, oslo(2026, 11, 23, 8)) == "2026-11-23"
    assert digest_due(nordby, oslo(2026, 11, 23, 7, 59)) is None
    assert digest_due(nordby, oslo(2026, 11, 30, 9)) is None  # the week in between
    assert digest_due(nordby, oslo(2026, 12, 7, 9)) == "2026-12-07"
    assert digest_due(nordby, oslo(2026, 12, 21, 9)) is None  # in the Christmas break
    assert digest_due(nordby, oslo(2027, 1, 4, 9)) == "2027-01-04"  # 14 days on over New Year
    assert latest_slot(nordby, oslo(2026, 12, 30)) == oslo(2026, 12, 7)
    fjellvik = org.school("fjellvik")  # friday 12:00, every week
    assert digest_due(fjellvik, oslo(2026, 11, 27, 12)) == "2026-11-27"
    assert digest_due(fjellvik, oslo(2026, 12, 4, 12, 30)) == "2026-12-04"
    assert digest_due(fjellvik, oslo(2026, 12, 4, 11)) is None


def test_digest_content_by_ref_unit_and_category_only(
    services: Services, org: Org, clock: FixedClock
) -> None:
    old = report(services, clock, oslo(2026, 11, 2, 10), TEACHER)  # before the last digest
    investigating = report(services, clock, oslo(2026, 11, 10, 10), TEACHER_9)
    late = report(services, clock, oslo(2026, 11, 18, 10), TEACHER_2, where="Gymgarderoben")
    fresh = report(
        services,
        clock,
        oslo(2026, 11, 20, 10),
        TEACHER,
        categories=("utestenging", "digital_krenkelse"),
        pupil_words="Jeg vil ikke gå på skolen",
        urgent=True,
    )
    clock.set(oslo(2026, 11, 2, 12))
    review.acknowledge(services, old, LEADER)
    clock.set(oslo(2026, 11, 10, 12))
    review.start_investigation(services, investigating, LEADER_9)
    plan.create_plan(
        services,
        old,
        LEADER,
        plan.PlanForm(
            problem="Holdes utenfor",
            pupils="Ola",
            pupil_voice="«Ingen vil være med meg.»",
            tiltak=[plan.TiltakForm("Voksen i storefri", REKTOR, "hver dag")],
            evaluate_when="torsdag 26. november",
        ),
    )
    clock.set(oslo(2026, 11, 23, 8))
    result = run_digest(services, ["nordby"])[0]
    assert result.status == RAN
    assert sorted(n.recipient or "" for n in result.notices) == sorted(MEMBERS)  # no channel set
    [row, *_] = queued(services, "digest")
    stored = row.data
    for secret in (PUPILS, "Kari", WHAT, "Gymgarderoben", "Jeg vil ikke", TEACHER, TEACHER_2):
        assert secret not in stored
    data = json.loads(stored)
    assert data["since"] == "2026-11-09"
    assert [c["ref"] for c in data["new"]] == [investigating, late, fresh]
    assert data["new"][2] == {
        "ref": fresh,
        "unit": "8. trinn",
        "categories": ["digital_krenkelse", "utestenging"],
        "status": "new",
    }
    assert data["open"] == {"new": 2, "acknowledged": 0, "investigating": 1, "plan": 1}
    assert [(c["ref"], c["due"]) for c in data["overdue"]] == [
        (late, "escalated"),
        (fresh, "acknowledge"),
        (investigating, "plan"),
    ]
    assert [(c["ref"], c["on"]) for c in data["upcoming"]] == [(old, "2026-11-26")]
    # Every listed case has exactly these keys: nothing that could carry a name or free text.
    allowed = {"ref", "unit", "categories", "status", "due", "since", "school_days", "on"}
    for section in ("new", "overdue", "upcoming"):
        for entry in data[section]:
            assert set(entry) <= allowed
    rendered = text.render("digest", "nb", data)
    assert "R-team-oversikt for Nordby skole, mandag 23. november" in rendered
    assert f"{fresh} – 8. trinn – digital krenkelse, utestenging: ny" in rendered
    assert "HASTER" not in rendered  # urgency belongs in the leader's DM, not the R-team's list


def test_a_case_about_an_rteam_member_is_left_out(
    services: Services, org: Org, clock: FixedClock
) -> None:
    hidden = report(
        services,
        clock,
        oslo(2026, 11, 16, 10),
        TEACHER,
        categories=("ansatt_krenket_elev",),
        accused="radgiver@nordby.example",
    )
    shown = report(services, clock, oslo(2026, 11, 17, 10), TEACHER)
    clock.set(oslo(2026, 11, 23, 8))
    run_digest(services, ["nordby"])
    for row in queued(services, "digest"):
        data = json.loads(row.data)
        assert [c["ref"] for c in data["new"]] == [shown]
        assert hidden not in row.data and data["open"]["new"] == 1


def test_a_section_12_5_case_only_once_shared_and_never_in_a_channel_with_the_accused(
    services: Services, org: Org, clock: FixedClock
) -> None:
    """§ 12-5 goes to rektor and skoleeier: the R-team's digest lists it only once a leader
    shared it. A channel's members are not known (the accused teacher may be one), so a
    channel digest leaves out every case someone is excluded from; the DMs to the R-team's
    members (none of them excluded) list it."""
    accused = report(
        services,
        clock,
        oslo(2026, 11, 16, 10),
        TEACHER,
        categories=("ansatt_krenket_elev",),
        accused=TEACHER_2,
    )
    clock.set(oslo(2026, 11, 23, 8))

    def listed(services: Services) -> list[tuple[str | None, list[str], int]]:
        result = run_digest(services, ["nordby"], dry_run=True)[0]
        return [
            (n.channel, [c["ref"] for c in n.data["new"]], n.data["open"]["new"])
            for n in result.notices
        ]

    before = listed(services)
    assert len(before) == len(MEMBERS) and all(r == [] and n == 0 for _, r, n in before)
    plan.share_with_rteam(services, accused, REKTOR, "anonymous")
    after = listed(services)
    assert len(after) == len(MEMBERS) and all(r == [accused] and n == 1 for _, r, n in after)
    with_rteam(services, org, slack_channel="C0RTEAM")
    assert listed(services) == [("C0RTEAM", [], 0)]


def test_to_the_rteams_channels_when_set_else_dms(
    services: Services, org: Org, clock: FixedClock
) -> None:
    with_rteam(services, org, slack_channel="C0RTEAM", teams_channel="19:abc@thread.tacv2")
    clock.set(oslo(2026, 11, 23, 9))
    result = run_digest(services, ["nordby"])[0]
    assert [(n.channel, n.recipient, n.data["platform"]) for n in result.notices] == [
        ("C0RTEAM", None, "slack"),
        ("19:abc@thread.tacv2", None, "teams"),
    ]
    assert [r.dedupe_key for r in queued(services, "digest")] == [
        "digest:nordby:2026-11-23:C0RTEAM",
        "digest:nordby:2026-11-23:19:abc@thread.tacv2",
    ]
    assert run_digest(services, ["nordby"])[0].status == ALREADY
    assert len(queued(services, "digest")) == 2


def test_digest_dry_run_writes_nothing_and_no_digest_set_up(
    services: Services, org: Org, clock: FixedClock
) -> None:
    report(services, clock, oslo(2026, 11, 18, 10))
    clock.set(oslo(2026, 11, 23, 9))
    before = counts(services)
    dry = run_digest(services, ["nordby"], dry_run=True)[0]
    assert dry.status == DRY_RUN and len(dry.notices) == 3 and counts(services) == before
    with_rteam(services, org, digest=None)
    assert run_digest(services, ["nordby"])[0].status == NOT_DUE


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_every_language_renders_every_item(lang: str) -> None:
    item = {
        "ref": "MF-0001",
        "since": "2026-11-23",
        "school_days": 2,
        "unit": "8. trinn",
        "categories": ["mobbing"],
        "urgent": True,
        "section": "12-4",
    }
    reminder = {
        "school": "nordby",
        "school_name": "Nordby skole",
        "date": "2026-11-25",
        "items": [{**item, "due": due} for due in followup.DUE_ORDER],
    }
    lines = text.render("reminder", lang, reminder).splitlines()
    assert len(lines) == 2 + len(followup.DUE_ORDER) and all("{" not in ln for ln in lines)
    content = {
        "school": "nordby",
        "school_name": "Nordby skole",
        "date": "2026-11-23",
        "since": "2026-11-09",
        "new": [{"ref": "MF-0001", "unit": None, "categories": [], "status": "new"}],
        "open": {"new": 1, "acknowledged": 0, "investigating": 0, "plan": 0},
        "overdue": [{**item, "due": "escalated"}],
        "upcoming": [{**item, "due": "evaluation", "on": "2026-11-26"}],
    }
    rendered = text.render(digest.DIGEST, lang, content)
    assert "MF-0001" in rendered and "{" not in rendered
    assert {"nb": "mandag", "nn": "måndag", "en": "Monday"}[lang] in rendered

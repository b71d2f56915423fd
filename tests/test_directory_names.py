"""Display names of staff no source names: from Slack's users.info and from the Teams
activity's sender, kept until a directory source names the person (the source wins)."""

from __future__ import annotations

import time

from handlers import directory
from handlers.directory_sync import apply
from handlers.services import Services
from tests.slack_harness import PEOPLE, slack_bot
from tests.teams_harness import teams_bot

from .directory_data import snapshot

TEACHER = "laerer2@nordby.example"


def wait_for_name(services: Services, email: str) -> str | None:
    deadline = time.monotonic() + 10
    while (name := directory.display_name(services, email)) is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return name


def test_slack_users_info_names_a_person_until_a_source_does(services: Services) -> None:
    with slack_bot(services) as bot:
        bot.fake.add_user(PEOPLE[TEACHER], TEACHER, real_name="Lars Lie")
        bot.command(TEACHER)
        bot.fake.wait_for("users.info")
        assert wait_for_name(services, TEACHER) == "Lars Lie"
    assert directory.search_staff(services, None, "lars") == [
        directory.StaffHit(TEACHER, "Lars Lie")
    ]
    directory.remember_display_name(services, TEACHER, "Lars L.", "teams")
    assert directory.display_name(services, TEACHER) == "Lars L."
    # A source that lists the person takes over, and a chat platform no longer renames them.
    snap = snapshot()
    snap.staff.append(snap.staff[0]._replace(source_id="t9", email=TEACHER, name="Lars Olav Lie"))
    apply(services, snap)
    assert directory.display_name(services, TEACHER) == "Lars Olav Lie"
    directory.remember_display_name(services, TEACHER, "Lars", "slack")
    assert directory.display_name(services, TEACHER) == "Lars Olav Lie"


def test_teams_sender_names_a_person(services: Services) -> None:
    with teams_bot(services) as teams:
        assert teams.say(TEACHER, "hjelp").status_code == 200
        assert wait_for_name(services, TEACHER) == "laerer2"

"""org.yml: the public shape, and errors that name the line."""

from __future__ import annotations

import pytest

from handlers.org import OrgError, load_org, parse_org

ISSUE_EXAMPLE = """\
owner:                      # skoleeier
  name: Eksempel kommune
  contacts: [skoleeier@kommune.example]
schools:
  - id: nordby
    name: Nordby skole
    timezone: Europe/Oslo   # default
    language: nb            # nb | nn | en
    principal: rektor@nordby.example
    leadership: [rektor@nordby.example, trinn8@nordby.example]
    rteam:
      members: [rektor@nordby.example, radgiver@nordby.example]
      slack_channel: C0RTEAM          # optional
      digest: monday 08:00            # optional; "every 2 weeks monday 08:00" also valid
    units:
      - name: 8. trinn
        leader: trinn8@nordby.example
        members: [laerer1@nordby.example, laerer2@nordby.example]
"""


def test_the_documented_shape_loads() -> None:
    org = parse_org(ISSUE_EXAMPLE)
    school = org.school("nordby")
    assert org.owner.contacts == ("skoleeier@kommune.example",)
    assert school.principal == "rektor@nordby.example"
    assert school.rteam.slack_channel == "C0RTEAM"
    assert (school.rteam.digest.weekday, school.rteam.digest.hour) == (0, 8)  # type: ignore[union-attr]
    assert school.unit_of("laerer2@nordby.example").name == "8. trinn"  # type: ignore[union-attr]
    assert school.language == "nb" and school.timezone == "Europe/Oslo"


def test_every_two_weeks_digest() -> None:
    org = parse_org(ISSUE_EXAMPLE.replace("monday 08:00 ", "every 2 weeks monday 08:00 "))
    assert org.school("nordby").rteam.digest.every_weeks == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("principal: rektor@nordby.example", "principal: rektor-at-nordby"), 9, "not an e-mail"),
        (("language: nb ", "language: se "), 8, "language must be one of"),
        (("timezone: Europe/Oslo", "timezone: Europe/Osloo"), 7, "unknown time zone"),
        (("digest: monday 08:00", "digest: mondays at eight"), 14, "rteam.digest"),
        (("    units:", "    unitz:"), 15, "unknown key 'unitz'"),
        (("  contacts: [skoleeier@kommune.example]", "  contacts: []"), 2, "at least one"),
        (("        leader: trinn8", "        leader: [trinn8"), 0, "not valid YAML"),
    ],
)
def test_a_malformed_file_names_the_line_and_the_problem(
    change: tuple[str, str], line: int, words: str
) -> None:
    with pytest.raises(OrgError) as err:
        parse_org(ISSUE_EXAMPLE.replace(*change))
    lines = [ln for ln, _ in err.value.problems]
    assert words in str(err.value)
    if line:
        assert line in lines


def test_every_problem_is_reported_at_once() -> None:
    broken = ISSUE_EXAMPLE.replace("language: nb ", "language: xx ").replace(
        "trinn8@nordby.example]\n    rteam", "trinn8-nordby]\n    rteam"
    )
    with pytest.raises(OrgError) as err:
        parse_org(broken)
    assert len(err.value.problems) >= 2


def test_missing_file_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OrgError, match="cannot read"):
        load_org(tmp_path / "nope.yml")


def test_closed_days_and_policy() -> None:
    text = ISSUE_EXAMPLE.replace(
        "    units:",
        "    policy:\n      reminder_time: '07:45'\n      escalate_after_school_days: 2\n"
        "    closed_days: [2026-10-05..2026-10-09, 2026-11-30]\n    units:",
    )
    school = parse_org(text).school("nordby")
    assert school.policy.reminder_time == "07:45"
    assert school.policy.escalate_after_school_days == 2
    assert len(school.closed_days) == 2
    with pytest.raises(OrgError, match="end before they start"):
        parse_org(text.replace("2026-10-05..2026-10-09", "2026-10-09..2026-10-05"))


def test_duplicate_school_ids_are_refused() -> None:
    doubled = ISSUE_EXAMPLE + ISSUE_EXAMPLE.split("schools:\n")[1]
    with pytest.raises(OrgError, match="used twice"):
        parse_org(doubled)

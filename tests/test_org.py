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
        (("principal: rektor@nordby.example", "principal: rektor-at-nordby"), 9,
         "«rektor-at-nordby» er ikke en e-postadresse"),
        (("language: nb ", "language: se "), 8, "språket «se» finnes ikke. Bruk nb, nn eller en"),
        (("timezone: Europe/Oslo", "timezone: Europe/Osloo"), 7, "ukjent tidssone «Europe/Osloo»"),
        (("digest: monday 08:00", "digest: mondays at eight"), 14, "rteam.digest"),
        (("    units:", "    unitz:"), 15, "ukjent nøkkel «unitz»"),
        (("  contacts: [skoleeier@kommune.example]", "  contacts: []"), 2, "minst én"),
        (("        leader: trinn8", "        leader: [trinn8"), 17, "hakeparenteser"),
    ],
)  # fmt: skip
def test_a_malformed_file_names_the_line_and_the_problem(
    change: tuple[str, str], line: int, words: str
) -> None:
    with pytest.raises(OrgError) as err:
        parse_org(ISSUE_EXAMPLE.replace(*change))
    lines = [ln for ln, _ in err.value.problems]
    assert words in str(err.value)
    assert line in lines


def test_every_problem_is_reported_at_once() -> None:
    broken = ISSUE_EXAMPLE.replace("language: nb ", "language: xx ").replace(
        "trinn8@nordby.example]\n    rteam", "trinn8-nordby]\n    rteam"
    )
    with pytest.raises(OrgError) as err:
        parse_org(broken)
    assert len(err.value.problems) >= 2


def test_missing_file_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OrgError, match="kan ikke leses"):
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
    with pytest.raises(OrgError, match="slutter før de starter"):
        parse_org(text.replace("2026-10-05..2026-10-09", "2026-10-09..2026-10-05"))


def test_duplicate_school_ids_are_refused() -> None:
    doubled = ISSUE_EXAMPLE + ISSUE_EXAMPLE.split("schools:\n")[1]
    with pytest.raises(OrgError, match="brukt to ganger"):
        parse_org(doubled)


# --- ambiguities are errors, or explicit ----------------------------------------------------

TWO_UNITS = ISSUE_EXAMPLE.replace(
    "    leadership: [rektor@nordby.example, trinn8@nordby.example]",
    "    leadership: [rektor@nordby.example, trinn8@nordby.example, trinn9@nordby.example]",
) + (
    "      - name: 9. trinn\n"
    "        leader: trinn9@nordby.example\n"
    "        members: [laerer2@nordby.example, laerer3@nordby.example]\n"
)


def test_one_person_in_two_units_is_an_error_naming_both() -> None:
    with pytest.raises(OrgError) as err:
        parse_org(TWO_UNITS)
    [(line, message)] = err.value.problems
    assert line == 21  # in the second unit, where the person is listed again
    assert "laerer2@nordby.example er med i både «8. trinn» og «9. trinn»" in message
    assert "primary_unit" in message


def test_primary_unit_settles_who_the_nearest_leader_is() -> None:
    from handlers.routing import route

    text = TWO_UNITS.replace(
        "    units:", "    primary_unit:\n      laerer2@nordby.example: 9. trinn\n    units:"
    )
    org = parse_org(text)
    school = org.school("nordby")
    assert school.unit_of("laerer2@nordby.example").name == "9. trinn"  # type: ignore[union-attr]
    recipients = [r.email for r in route(org, school, "laerer2@nordby.example").recipients]
    assert recipients[0] == "trinn9@nordby.example"
    assert "rektor@nordby.example" in recipients


@pytest.mark.parametrize(
    ("primary", "words"),
    [
        ("laerer2@nordby.example: 10. trinn", "peker på «10. trinn», som ikke er en enhet"),
        ("laerer1@nordby.example: 9. trinn", "er «9. trinn», men personen er ikke medlem der"),
    ],
)
def test_a_wrong_primary_unit_is_an_error(primary: str, words: str) -> None:
    text = TWO_UNITS.replace("    units:", f"    primary_unit:\n      {primary}\n    units:")
    with pytest.raises(OrgError) as err:
        parse_org(text)
    assert words in str(err.value)
    assert 16 in [line for line, _ in err.value.problems]


def test_a_unit_leader_nobody_at_the_school_is_an_error() -> None:
    typo = ISSUE_EXAMPLE.replace("leader: trinn8@nordby.example", "leader: trinn8@nordby.exmaple")
    with pytest.raises(OrgError) as err:
        parse_org(typo)
    [(line, message)] = err.value.problems
    assert line == 16
    assert "lederen trinn8@nordby.exmaple står ikke noe annet sted ved skolen" in message


# --- in the owner's language, in plain words ---------------------------------------------------


def test_messages_follow_the_first_schools_language_or_owner_language() -> None:
    broken = ISSUE_EXAMPLE.replace("timezone: Europe/Oslo", "timezone: Mars/Olympus")
    with pytest.raises(OrgError) as nynorsk:
        parse_org(broken.replace("language: nb ", "language: nn "))
    assert "Skulen «nordby»: ukjend tidssone «Mars/Olympus»" in str(nynorsk.value)
    owner_en = broken.replace(
        "  name: Eksempel kommune", "  name: Eksempel kommune\n  language: en"
    )
    with pytest.raises(OrgError) as english:
        parse_org(owner_en)
    assert english.value.lang == "en"
    assert "School 'nordby': unknown time zone 'Mars/Olympus'" in str(english.value)
    assert english.value.report().startswith("org.yml has problems. Fix these and try again:")
    assert (
        parse_org(ISSUE_EXAMPLE.replace("language: nb ", "language: nn ")).operator_language == "nn"
    )


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        # PyYAML: "mapping values are not allowed here"
        (("name: Nordby skole", "name: Nordby skole: 1-10"), 6, "Et kolon (:) står der det ikke"),
        # "found character '\t' that cannot start any token"
        (("    units:\n", "    units:\n\t"), 16, "tabulator"),
        # "while scanning a quoted scalar ... found unexpected end of stream"
        (("name: Nordby skole", "name: 'Nordby skole"), 6, "anførselstegn som åpner på linje 6"),
        # "expected <block end>, but found '<block mapping start>'"
        (("    name: Nordby skole", "   name: Nordby skole"), 6, "Innrykket stemmer ikke"),
    ],
)
def test_yaml_errors_say_what_to_fix_on_which_line(
    change: tuple[str, str], line: int, words: str
) -> None:
    with pytest.raises(OrgError) as err:
        parse_org(ISSUE_EXAMPLE.replace(*change, 1))
    [(found_line, message)] = err.value.problems
    assert words in message
    assert found_line == line
    for jargon in ("mapping values", "scalar", "token", "block end", "stream"):
        assert jargon not in message


def test_a_yaml_error_in_an_english_file_is_english() -> None:
    text = ISSUE_EXAMPLE.replace("language: nb ", "language: en ").replace(
        "name: Nordby skole", "name: Nordby skole: 1-10"
    )
    with pytest.raises(OrgError) as err:
        parse_org(text)
    assert "A colon (:) stands where it cannot" in str(err.value)


def test_org_check_exits_2_with_the_line_of_each_problem(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    path = tmp_path / "org.yml"
    path.write_text(TWO_UNITS.replace("leader: trinn8@nordby.example", "leader: x@nordby.example"))
    assert main(["org", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path} har feil. Rett opp dette og prøv igjen:")
    assert f"{path}:16: " in err and f"{path}:21: " in err
    assert "Alt i orden" not in err


def test_a_school_written_as_a_word_is_named_as_a_school_not_a_crash() -> None:
    with pytest.raises(OrgError) as err:
        parse_org("owner: {contacts: [eier@kommune.example]}\nschools:\n  - nordby\n")
    assert err.value.problems == [
        (3, "En skole i schools må være nøkler med verdier (nøkkel: verdi).")
    ]

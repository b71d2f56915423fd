"""Microsoft Graph's education API into the directory, against the loopback fake Graph:
paging, 429 with Retry-After, a broken record and a failing class change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from bot.config import Settings
from bot.teams.graph_directory import read_with_settings
from handlers import directory
from handlers.directory_sync import Change, SyncProblems, apply
from handlers.services import Services

from .fakes.graph_education import FakeEducation


@pytest.fixture
def graph() -> Iterator[FakeEducation]:
    with FakeEducation() as fake:
        fake.add_school("sch-nordby", "Nordby skole", external_id="nordby")
        fake.add_school("sch-fjellvik", "Fjellvik skule", external_id="fjellvik")
        fake.add_student(
            "sch-nordby",
            "u-kari",
            "Kari Nordmann",
            birth="2013-04-02",
            grade="8",
            contacts=[("Anne Nordmann", "parent"), ("Dr. Hansen", "doctor")],
            group="8B",
        )
        fake.add_student("sch-nordby", "u-ola", "Ola Nordmann", birth="2013-09-17", group="8B")
        fake.add_student("sch-nordby", "u-aase", "Åse Ødegård", group="8A")
        fake.add_student("sch-nordby", "u-karianne", "Karianne Berg", group="9A")
        fake.add_student("sch-nordby", "u-noah", "Noah Johansen")
        fake.add_student("sch-fjellvik", "u-kari-f", "Kari Fjell", group="4A")
        fake.add_teacher(["sch-nordby"], "t-line", "Line Larsen", "Laerer1@nordby.example")
        fake.add_teacher(
            ["sch-nordby", "sch-fjellvik"], "t-vikar", "Viktor Moe", "vikar@nordby.example"
        )
        fake.add_class("sch-nordby", "Matematikk 8", ["u-kari", "u-ola", "t-line"])
        yield fake


def settings(fake: FakeEducation) -> Settings:
    return replace(
        Settings(),
        teams_client_id=fake.client_id,
        teams_client_secret=fake.client_secret,
        teams_tenant_id=fake.tenant,
        login_authority=fake.url,
        graph_url=f"{fake.url}/v1.0",
    )


def test_sync_from_graph_with_paging_and_throttling(
    services: Services, graph: FakeEducation
) -> None:
    graph.fail("GET", r"/education/schools/sch-nordby/users$", 429, headers={"Retry-After": "1"})
    result = apply(services, read_with_settings(settings(graph)))
    assert result.pupils == Change(added=6)
    assert result.staff == Change(added=2)
    # The 7 users of Nordby came in four pages of two, the first asked twice (429, then 200).
    nordby_users = graph.find("GET", r"/education/schools/sch-nordby/users$")
    assert [r.query.get("$skiptoken") for r in nordby_users] == [None, None, "2", "4", "6"]
    assert "relatedContacts" in nordby_users[0].query["$select"]
    # Only the classes named like a class are read for their members.
    assert not graph.find("GET", r"/education/classes/class-sch-nordby-Matematikk 8/members")
    assert [h.name for h in directory.search_pupils(services, "nordby", "Kari")] == [
        "Kari Nordmann",
        "Karianne Berg",
    ]
    assert [h.name for h in directory.search_pupils(services, "nordby", "8B")] == [
        "Kari Nordmann",
        "Ola Nordmann",
    ]
    assert [h.name for h in directory.search_pupils(services, "fjellvik", "kari")] == ["Kari Fjell"]
    kari = directory.get_pupil(
        services, directory.search_pupils(services, "nordby", "kari n")[0].id
    )
    assert kari is not None
    assert (kari.birth_date, kari.group, kari.grade) == (date(2013, 4, 2), "8B", "8")
    assert [(g.name, g.relation) for g in kari.guardians] == [("Anne Nordmann", "parent")]
    assert [h.name for h in directory.search_staff(services, "fjellvik", "vik")] == ["Viktor Moe"]
    assert directory.display_name(services, "laerer1@nordby.example") == "Line Larsen"
    # Again: nothing changed.
    assert apply(services, read_with_settings(settings(graph))).unchanged


def test_a_broken_record_or_a_failing_class_changes_nothing(
    services: Services, graph: FakeEducation
) -> None:
    apply(services, read_with_settings(settings(graph)))
    graph.users["u-ola"]["displayName"] = ""
    graph.school_users["sch-nordby"].remove("u-noah")  # would be marked left
    graph.fail("GET", r"/education/classes/class-sch-nordby-8A/members$", 500, times=10)
    with pytest.raises(SyncProblems) as caught:
        apply(services, read_with_settings(settings(graph)))
    assert caught.value.problems == [
        "graph: class class-sch-nordby-8A could not be read (graph 500 http500)",
        "graph: school sch-nordby: student u-ola has no name",
    ]
    assert [h.name for h in directory.search_pupils(services, "nordby", "noah")] == [
        "Noah Johansen"
    ]
    assert [h.name for h in directory.search_pupils(services, "nordby", "8a")] == ["Åse Ødegård"]


def test_graph_not_answering_the_schools(services: Services, graph: FakeEducation) -> None:
    graph.fail("GET", r"/education/schools$", 403, code="Authorization_RequestDenied")
    snapshot = read_with_settings(settings(graph))
    assert snapshot.problems == [
        "graph: the schools could not be read (graph 403 Authorization_RequestDenied)"
    ]

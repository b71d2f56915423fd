"""Issue 21 #15: rektor's overview — every case of the school, open and closed, by status, age
and holder, searchable by case number, date and pupil (the sealed name index); others keep
their own lists; nobody sees a case they are excluded from. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.core import views
from handlers import overview, review
from handlers.clock import FixedClock
from handlers.directory_sync import apply
from handlers.overview import Query
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.models import Event
from tests.directory_data import snapshot
from tests.followup_helpers import OSLO
from tests.test_people import pupil_id

from .planning import LEADER, OTHER_LEADER, OWNER, REKTOR, TEACHER, filed

REKTOR_NAME_FREE = ("Ola", "Kari", "holdt utenfor")


def at(clock: FixedClock, day: int, hour: int = 10) -> None:
    clock.set(datetime(2026, 12, day, hour, tzinfo=OSLO))


def school_of_four(services: Services, clock: FixedClock) -> dict[str, str]:
    """Four cases: new, acknowledged, closed (all 8. trinn, leader trinn8) and one forwarded
    to trinn9; filed on 1, 2, 3 and 4 December."""
    made = {}
    for day, name in ((1, "closed"), (2, "acked"), (3, "new"), (4, "forwarded")):
        at(clock, day)
        made[name] = filed(services)
    review.acknowledge(services, made["acked"], LEADER)
    review.start_investigation(services, made["closed"], LEADER)
    review.close(services, made["closed"], LEADER, "Eleven har det bra.")
    review.forward(services, made["forwarded"], LEADER, OTHER_LEADER)
    at(clock, 6, 12)
    return made


def test_rektor_sees_every_case_grouped_by_status(services: Services, clock: FixedClock) -> None:
    made = school_of_four(services, clock)
    found = overview.overview(services, REKTOR)
    assert found.scope == overview.SCHOOL and found.total == 4
    assert [r.ref for r in found.rows] == [
        made["new"],
        made["forwarded"],
        made["acked"],
        made["closed"],
    ]
    assert found.counts == {"new": 2, "acknowledged": 1, "closed": 1}
    holders = {r.ref: r.holder for r in found.rows}
    assert holders[made["forwarded"]] == OTHER_LEADER and holders[made["new"]] == LEADER
    ages = {r.ref: r.age_days for r in found.rows}
    assert ages[made["new"]] == 3 and ages[made["closed"]] == 3  # closed on the 4th
    view = views.overview_view("nb", found, clock.now())
    assert view.title == "Alle saker ved skolen"
    assert view.summary == "4 saker: ny 2, mottatt 1, avsluttet 1"
    assert [g.heading for g in view.groups] == ["ny (2)", "mottatt (1)", "avsluttet (1)"]
    line = view.groups[0].lines[0].text
    assert line.startswith(f"{made['new']} · ny · 8. trinn · meldt torsdag 3. desember (3 dager)")
    assert "2026-" not in " ".join(x.text for x in view.lines())
    for word in REKTOR_NAME_FREE:  # no pupil names, no free text
        assert word not in " ".join(x.text for x in view.lines())


def test_sorted_by_age_and_by_holder(services: Services, clock: FixedClock) -> None:
    made = school_of_four(services, clock)
    by_age = overview.overview(services, REKTOR, Query(sort="age"))
    assert [r.ref for r in by_age.rows] == [
        made["acked"],
        made["new"],
        made["forwarded"],
        made["closed"],
    ]
    by_holder = overview.overview(services, REKTOR, Query(sort="holder"))
    assert by_holder.rows[-1].holder == OTHER_LEADER
    assert [g.heading for g in views.overview_view("nb", by_holder, clock.now()).groups] == [""]


def test_others_keep_their_own_lists(services: Services, clock: FixedClock) -> None:
    made = school_of_four(services, clock)
    leader = overview.overview(services, LEADER)
    assert leader.scope == overview.OWN
    assert {r.ref for r in leader.rows} == set(made.values())  # forwarded: still on the case
    other = overview.overview(services, OTHER_LEADER)
    assert [r.ref for r in other.rows] == [made["forwarded"]]
    assert overview.overview(services, TEACHER).total == 0  # a reporter holds no case
    assert views.overview_view("nb", other, clock.now()).title == "Saker du har som leder"


def test_nobody_lists_a_case_they_are_excluded_from(services: Services, clock: FixedClock) -> None:
    at(clock, 3)
    ordinary = filed(services)
    about_rektor = filed(services, categories=("ansatt_krenket_elev",), accused=REKTOR)
    assert [r.ref for r in overview.overview(services, REKTOR).rows] == [ordinary]
    owner = overview.overview(services, OWNER)  # skoleeier: every case of the owner's schools
    assert owner.scope == overview.SCHOOL and {r.ref for r in owner.rows} == {
        ordinary,
        about_rektor,
    }


@pytest.mark.parametrize("typed", ["MF-0003", "mf 3", "3", "MF-3"])
def test_search_by_case_number(services: Services, clock: FixedClock, typed: str) -> None:
    made = school_of_four(services, clock)
    found = overview.overview(services, REKTOR, Query(text=typed))
    assert found.searched == "ref" and [r.ref for r in found.rows] == ["MF-0003"] == [made["new"]]
    view = views.overview_view("nb", found, clock.now())
    assert view.summary == f"Saksnummer «{typed}»: 1 sak"


def test_search_by_date(services: Services, clock: FixedClock) -> None:
    made = school_of_four(services, clock)
    found = overview.overview(services, REKTOR, Query(text="2.12"))
    assert found.searched == "date" and [r.ref for r in found.rows] == [made["acked"]]
    assert overview.overview(services, REKTOR, Query(text="i forrige uke")).total == 0
    week = overview.overview(services, REKTOR, Query(text="denne uken"))
    assert week.searched in ("date", "pupil")  # whatever the parser makes of it, no error
    nothing = overview.overview(services, REKTOR, Query(text="i går"))
    assert nothing.total == 0
    assert views.overview_view("nb", nothing, clock.now()).empty == "Fant ingen saker for «i går»."


def test_search_by_pupil_through_the_sealed_name_index(
    services: Services, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply(services, snapshot())
    at(clock, 3)
    kari = pupil_id(services, "Kari Nordmann")
    about_kari = file_report(
        services, ReportForm(what="Holdt utenfor", picked=(f"p:{kari}",)), TEACHER
    ).ref
    filed(services)  # a typed pupil: sealed free text, never searched
    from store import directory as store_directory

    opened: list[object] = []
    real = store_directory.NameIndex.open

    def counting(self: object, *args: object) -> str:
        opened.append(args)
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store_directory.NameIndex, "open", counting)
    found = overview.overview(services, REKTOR, Query(text="kari nord"))
    assert found.searched == "pupil" and [r.ref for r in found.rows] == [about_kari]
    # The tags narrowed the candidates: far fewer names opened than the school has pupils.
    assert 0 < len(opened) < len(snapshot().pupils)
    assert overview.overview(services, REKTOR, Query(text="Ingen Slik")).total == 0


def test_pages_of_twenty(services: Services, clock: FixedClock) -> None:
    at(clock, 3)
    refs = [filed(services) for _ in range(45)]
    first = overview.overview(services, REKTOR, Query(sort="age"))
    assert (first.total, first.pages, len(first.rows)) == (45, 3, 20)
    last = overview.overview(services, REKTOR, Query(sort="age", page=3))
    assert len(last.rows) == 5 and last.page == 3
    beyond = overview.overview(services, REKTOR, Query(page=9))
    assert beyond.page == 3
    view = views.overview_view("nb", first, clock.now())
    assert view.page_line == "Side 1 av 3" and view.next_page == 2 and view.previous_page is None
    assert view.at(page=2) == {"text": "", "sort": "age", "page": "2"}
    seen = {
        r.ref for p in (1, 2, 3) for r in overview.overview(services, REKTOR, Query(page=p)).rows
    }
    assert seen == set(refs)


def test_listing_is_not_an_opening_opening_is(services: Services, clock: FixedClock) -> None:
    made = school_of_four(services, clock)
    overview.overview(services, REKTOR)
    with services.uow() as s:
        assert s.scalars(select(Event).where(Event.type == "viewed")).all() == []
    review.open_case(services, made["new"], REKTOR)
    with services.uow() as s:
        viewed = s.scalars(select(Event).where(Event.type == "viewed")).all()
    assert [(e.actor, json.loads(e.data)) for e in viewed] == [(REKTOR, {"what": "details"})]

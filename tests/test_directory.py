"""The directory's read API on SQLite and PostgreSQL, plain and with names sealed at rest."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from handlers import directory, directory_sync
from handlers.clock import FixedClock
from handlers.directory_sync import Change, SyncProblems, apply
from handlers.org import Org
from handlers.services import Services
from store import directory as store_directory
from store.crypto import Keyring
from store.db import session_factory, transaction
from store.directory import NameIndex, fold, reseal

from .directory_data import pupil, snapshot


def names(hits: list[directory.PupilHit]) -> list[str]:
    return [h.name for h in hits]


@pytest.fixture(params=["plain", "sealed"])
def dir_services(
    request: pytest.FixtureRequest, engine: Engine, org: Org, clock: FixedClock
) -> Services:
    keyring = Keyring.parse(Keyring.new_key()) if request.param == "sealed" else None
    services = Services(org=org, sessions=session_factory(engine, keyring), clock=clock)
    apply(services, snapshot())
    return services


def test_fold_makes_one_name_of_its_spellings() -> None:
    decomposed = "A\u030ase"
    assert fold("Åse") == fold("Aase") == fold(decomposed) == fold("ÅSE") == "aase"
    assert fold("Ødegård") == fold("Oedegaard") == "oedegaard"
    assert fold("Ærlig") == "aerlig"
    assert fold(" Zoé  Anne-Lise ") == "zoe anne lise"


def test_search_by_name_prefix_class_and_both(dir_services: Services) -> None:
    s = dir_services
    assert names(directory.search_pupils(s, "nordby", "Kari")) == ["Kari Nordmann", "Karianne Berg"]
    assert names(directory.search_pupils(s, "nordby", "kari 8b")) == ["Kari Nordmann"]
    assert names(directory.search_pupils(s, "nordby", "8B")) == [
        "Jonas Kristoffersen",
        "Kari Nordmann",
    ]
    assert names(directory.search_pupils(s, "nordby", "8")) == [
        "Åse Marie Ødegård",
        "Jonas Kristoffersen",
        "Kari Nordmann",
    ]
    assert names(directory.search_pupils(s, "nordby", "nordm k")) == ["Kari Nordmann"]
    # Longer than the indexed prefix: the rest of the word is checked on the opened name.
    assert names(directory.search_pupils(s, "nordby", "kristoffersen")) == ["Jonas Kristoffersen"]
    assert names(directory.search_pupils(s, "nordby", "kristoffer")) == ["Jonas Kristoffersen"]
    assert directory.search_pupils(s, "nordby", "kristofferx") == []
    hit = directory.search_pupils(s, "nordby", "kari 8b")[0]
    assert (hit.group, hit.grade) == ("8B", "08")


def test_search_folds_accents_and_spellings(dir_services: Services) -> None:
    s = dir_services
    for typed in ("åse", "Aase", "A\u030aSE", "oedeg", "ødegård", "marie"):
        assert names(directory.search_pupils(s, "nordby", typed)) == ["Åse Marie Ødegård"], typed


def test_search_never_shows_another_schools_pupils(dir_services: Services) -> None:
    s = dir_services
    assert names(directory.search_pupils(s, "fjellvik", "kari")) == ["Kari Fjell"]
    assert "Kari Fjell" not in names(directory.search_pupils(s, "nordby", "kari"))
    assert "Kari Fjell" not in names(directory.search_pupils(s, "nordby", "8b"))
    assert directory.search_pupils(s, "nordby", "fjell") == []
    assert directory.search_pupils(s, "elsewhere", "kari") == []
    assert directory.search_pupils(s, "nordby", "  ") == []


def test_get_pupil_with_foresatte(dir_services: Services) -> None:
    s = dir_services
    hit = directory.search_pupils(s, "nordby", "kari nordmann")[0]
    found = directory.get_pupil(s, hit.id)
    assert found is not None
    assert (found.name, found.birth_date, found.school, found.status) == (
        "Kari Nordmann",
        date(2012, 3, 14),
        "nordby",
        "active",
    )
    assert found.source_id == "p1"
    assert [(g.name, g.relation) for g in found.guardians] == [
        ("Anne Nordmann", "parent"),
        ("Per Nordmann", "parent"),
    ]
    assert directory.get_pupil(s, "999999") is None
    assert directory.get_pupil(s, "not-an-id") is None


def test_names_for_redaction_has_every_pupil_and_foresatt_of_the_school(
    dir_services: Services,
) -> None:
    s = dir_services
    apply(s, snapshot(without=("p4",)))  # Jonas left: still a name to withhold
    found = {(r.name, r.kind) for r in directory.names_for_redaction(s, "nordby")}
    assert found == {
        ("Kari Nordmann", "pupil"),
        ("Åse Marie Ødegård", "pupil"),
        ("Karianne Berg", "pupil"),
        ("Jonas Kristoffersen", "pupil"),
        ("Anne Nordmann", "guardian"),
        ("Per Nordmann", "guardian"),
        ("Zoé Lund", "guardian"),
    }
    kari = directory.search_pupils(s, "nordby", "kari nordmann")[0]
    assert {
        r.name for r in directory.names_for_redaction(s, "nordby") if r.pupil_id == kari.id
    } == {
        "Kari Nordmann",
        "Anne Nordmann",
        "Per Nordmann",
    }
    assert {r.name for r in directory.names_for_redaction(s, "fjellvik")} == {"Kari Fjell"}


def test_staff_search_and_display_names(dir_services: Services) -> None:
    s = dir_services
    assert directory.search_staff(s, "nordby", "r") == [
        directory.StaffHit("rektor@nordby.example", "Rita Rektor")
    ]
    assert {h.email for h in directory.search_staff(s, None, "rektor")} == {
        "rektor@nordby.example",
        "rektor@fjellvik.example",
    }
    assert [h.name for h in directory.search_staff(s, "fjellvik", "v")] == ["Vera Vikar"]
    assert [h.name for h in directory.search_staff(s, "nordby", "laerer")] == ["Line Lærer"]
    assert [h.name for h in directory.search_staff(s, "nordby", "laerer1@")] == ["Line Lærer"]
    assert directory.search_staff(s, "fjellvik", "line") == []
    assert directory.display_name(s, "Rektor@nordby.example") == "Rita Rektor"
    assert directory.display_name(s, "nobody@nordby.example") is None
    assert directory.display_names(s, ["laerer1@nordby.example", "x@y.example"]) == {
        "laerer1@nordby.example": "Line Lærer"
    }


def test_has_directory(dir_services: Services, engine: Engine, org: Org) -> None:
    assert directory.has_directory(dir_services, "nordby")
    assert not directory.has_directory(dir_services, "elsewhere")
    empty = Services(org=org, sessions=session_factory(engine))
    with engine.begin() as conn:
        for table in ("dir_name_keys", "dir_guardians", "dir_pupils"):
            conn.execute(text(f"DELETE FROM {table}"))
    assert not directory.has_directory(empty, "nordby")


def test_second_sync_changes_nothing_and_leavers_are_kept(dir_services: Services) -> None:
    s = dir_services
    again = apply(s, snapshot())
    assert again.unchanged
    moved = pupil("p2", "Åse Marie Ødegård", group="9A", grade="09")
    result = apply(s, snapshot(moved, without=("p2", "p4")))
    assert result.pupils == Change(added=0, changed=1, left=1)
    assert set(names(directory.search_pupils(s, "nordby", "9a"))) == {
        "Åse Marie Ødegård",
        "Karianne Berg",
    }
    assert directory.search_pupils(s, "nordby", "jonas") == []  # left: not offered
    jonas = [
        r for r in directory.names_for_redaction(s, "nordby") if r.name == "Jonas Kristoffersen"
    ]
    pupil_row = directory.get_pupil(s, jonas[0].pupil_id)
    assert pupil_row is not None and pupil_row.status == "left"
    back = apply(s, snapshot())
    assert back.pupils == Change(added=0, changed=2, left=0)
    assert names(directory.search_pupils(s, "nordby", "jonas")) == ["Jonas Kristoffersen"]


def test_an_unchanged_sync_writes_nothing_and_opens_no_name(
    dir_services: Services, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second of two syncs of the same source: every record is recognised by its digest
    (computed from the source's fields, before any sealing), so nothing is sealed, opened,
    indexed or written: only reads reach the database."""
    statements: list[str] = []
    written: list[tuple[str, int]] = []

    def counted(real: Any) -> Any:
        def bulk_insert(session: Any, table: str, *args: Any, **kwargs: Any) -> int:
            rows = real(session, table, *args, **kwargs)
            written.append((table, rows))
            return int(rows)

        return bulk_insert

    def refused(*_args: Any) -> Any:
        raise AssertionError("an unchanged sync sealed or opened a name")

    monkeypatch.setattr(directory_sync, "bulk_insert", counted(directory_sync.bulk_insert))
    monkeypatch.setattr(store_directory, "bulk_insert", counted(store_directory.bulk_insert))
    monkeypatch.setattr(NameIndex, "seal", refused)
    monkeypatch.setattr(NameIndex, "open", refused)

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert apply(dir_services, snapshot()).unchanged
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "SELECT" in statements and set(statements) <= {"BEGIN", "SELECT"}, statements
    assert all(rows == 0 for _table, rows in written), written


def test_a_broken_snapshot_changes_nothing(dir_services: Services) -> None:
    s = dir_services
    broken = snapshot(pupil("p9", "Ny Elev", school="nowhere"), without=("p1",))
    broken.problems.append("users.csv line 7: birthDate '2012-13-01' is not a date")
    with pytest.raises(SyncProblems) as caught:
        apply(s, broken)
    assert caught.value.problems == [
        "users.csv line 7: birthDate '2012-13-01' is not a date",
        "oneroster: pupil p9 is at school nowhere, which the source does not list",
    ]
    assert names(directory.search_pupils(s, "nordby", "kari n")) == ["Kari Nordmann"]


def test_names_are_sealed_at_rest_and_keys_rotate(
    engine: Engine, org: Org, clock: FixedClock
) -> None:
    first = Keyring.new_key()
    sealed = Services(org=org, sessions=session_factory(engine, Keyring.parse(first)), clock=clock)
    apply(sealed, snapshot())
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT name FROM dir_pupils"))]
        stored += [r[0] for r in conn.execute(text("SELECT name FROM dir_guardians"))]
        keys = [r[0] for r in conn.execute(text("SELECT key FROM dir_name_keys"))]
    assert len(stored) == 8 and all(n.startswith("d1:") and "Nordmann" not in n for n in stored)
    assert all(len(k) == 32 and "kari" not in k for k in keys)
    # Rotation: the new key first, the old one still listed to open the old tokens.
    second = Keyring.new_key()
    rotated = Services(
        org=org, sessions=session_factory(engine, Keyring.parse(f"{second},{first}")), clock=clock
    )
    with transaction(rotated.sessions) as session:
        assert reseal(session) == 5
    only_new = Services(
        org=org, sessions=session_factory(engine, Keyring.parse(second)), clock=clock
    )
    assert names(directory.search_pupils(only_new, "nordby", "kari 8b")) == ["Kari Nordmann"]
    assert apply(only_new, snapshot()).unchanged

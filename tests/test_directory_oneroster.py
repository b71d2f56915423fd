"""OneRoster 1.1 CSV into the directory, from the sample school shipped in the package."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from handlers import directory, oneroster
from handlers.directory_sync import Change, SyncProblems, apply
from handlers.services import Services

from .conftest import ROOT

SAMPLE = ROOT / "bot" / "sample_oneroster"


def copy_sample(tmp_path: Path) -> Path:
    target = tmp_path / "oneroster"
    shutil.copytree(SAMPLE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_reading_the_sample_school() -> None:
    snap = oneroster.read(SAMPLE)
    assert snap.problems == []
    assert {(s.source_id, s.name, s.identifier) for s in snap.schools} == {
        ("nordby-skole", "Nordby skole", "974123456"),
        ("fjellvik-skule", "Fjellvik skule", "974654321"),
    }
    kari = next(p for p in snap.pupils if p.source_id == "e-kari")
    assert (kari.name, kari.school, kari.group, kari.grade, kari.birth_date) == (
        "Kari Nordmann",
        "nordby-skole",
        "8B",
        "08",
        date(2013, 4, 2),
    )
    assert [(g.name, g.relation) for g in kari.guardians] == [
        ("Anne Nordmann", "parent"),
        ("Per Nordmann", "parent"),
    ]
    aase = next(p for p in snap.pupils if p.source_id == "e-aase")
    assert aase.name == "Åse Marie Ødegård"
    vikar = next(s for s in snap.staff if s.email == "vikar@nordby.example")
    assert (vikar.name, vikar.schools) == ("Viktor Moe", ("nordby-skole", "fjellvik-skule"))
    assert not any(s.email == "" for s in snap.staff)
    assert len(snap.pupils) == 15 and len(snap.staff) == 15


def test_sync_maps_schools_to_org_yml_and_a_second_sync_changes_nothing(
    services: Services,
) -> None:
    first = apply(services, oneroster.read(SAMPLE))
    assert first.pupils == Change(added=15)
    assert first.staff == Change(added=15)
    assert first.schools == Change(added=2)
    assert apply(services, oneroster.read(SAMPLE)).unchanged
    assert [h.name for h in directory.search_pupils(services, "nordby", "Kari")] == [
        "Kari Nordmann",
        "Karianne Berg",
    ]
    assert [h.name for h in directory.search_pupils(services, "nordby", "8B")] == [
        "Emma Larsen",
        "Jonas Kristiansen",
        "Kari Nordmann",
        "Ola Nordmann",
    ]
    assert [h.name for h in directory.search_pupils(services, "fjellvik", "kari")] == ["Kari Fjell"]
    assert directory.display_name(services, "trinn8@nordby.example") == "Trond Åsheim"


def test_a_pupil_who_leaves_is_marked_left_and_kept(services: Services, tmp_path: Path) -> None:
    folder = copy_sample(tmp_path)
    apply(services, oneroster.read(folder))
    kari_id = directory.search_pupils(services, "nordby", "kari 8b")[0].id
    users = folder / "users.csv"
    users.write_text(
        "".join(
            line
            for line in users.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.startswith("e-kari,")
        ),
        encoding="utf-8",
    )
    edit(folder / "users.csv", "Noah,Johansen", "Noah,Johansen-Li")
    result = apply(services, oneroster.read(folder))
    assert result.pupils == Change(added=0, changed=1, left=1)
    gone = directory.get_pupil(services, kari_id)
    assert gone is not None and (gone.status, gone.name) == ("left", "Kari Nordmann")
    assert directory.search_pupils(services, "nordby", "kari 8b") == []
    assert "Kari Nordmann" in {r.name for r in directory.names_for_redaction(services, "nordby")}
    assert [h.name for h in directory.search_pupils(services, "nordby", "noah")] == [
        "Noah Johansen-Li"
    ]


def test_broken_files_give_one_line_each_and_change_nothing(
    services: Services, tmp_path: Path
) -> None:
    apply(services, oneroster.read(SAMPLE))
    folder = copy_sample(tmp_path)
    edit(folder / "demographics.csv", "e-ola,,,2013-09-17", "e-ola,,,2013-19-17")
    edit(folder / "users.csv", "e-tobias,,,true", ",,,true")
    edit(folder / "users.csv", ",f-jkm,08,", ",f-nobody,08,")
    edit(folder / "users.csv", "Kari,Nordmann", "Karoline,Nordmann")
    (folder / "classes.csv").unlink()
    (folder / "enrollments.csv").write_bytes(b"classSourcedId,userSourcedId\n")
    with pytest.raises(SyncProblems) as caught:
        apply(services, oneroster.read(folder))
    assert caught.value.problems == [
        "users.csv line 21: no sourcedId",
        "demographics.csv line 3: birthDate '2013-19-17' is not a date",
        "enrollments.csv: no column role in the header",
        "users.csv line 19: agentSourcedIds names f-nobody, who is not in users.csv",
    ]
    assert [h.name for h in directory.search_pupils(services, "nordby", "kari 8b")] == [
        "Kari Nordmann"
    ]


def test_unreadable_folder_and_files(tmp_path: Path) -> None:
    assert oneroster.read(tmp_path / "nope").problems == [
        f"{tmp_path / 'nope'}: not a folder of OneRoster CSV files"
    ]
    folder = copy_sample(tmp_path)
    (folder / "orgs.csv").write_bytes("sourcedId,name,type\nx,Sk\xf8le,school\n".encode("latin-1"))
    (folder / "users.csv").unlink()
    problems = oneroster.read(folder).problems
    assert problems[:2] == ["orgs.csv: not UTF-8 text", f"users.csv: missing in {folder}"]

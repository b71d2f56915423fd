"""A small directory for tests: two schools of the sample org, pupils with foresatte, staff."""

from __future__ import annotations

from datetime import date

from handlers.directory_sync import (
    GuardianRecord,
    PupilRecord,
    SchoolRecord,
    Snapshot,
    StaffRecord,
)


def pupil(
    source_id: str,
    name: str,
    school: str = "nordby",
    group: str | None = "8B",
    grade: str | None = "08",
    born: date | None = date(2012, 3, 14),
    guardians: tuple[GuardianRecord, ...] = (),
) -> PupilRecord:
    return PupilRecord(
        source_id=source_id,
        name=name,
        school=school,
        birth_date=born,
        group=group,
        grade=grade,
        guardians=guardians,
    )


def snapshot(*extra: PupilRecord, without: tuple[str, ...] = ()) -> Snapshot:
    pupils = [
        pupil(
            "p1",
            "Kari Nordmann",
            guardians=(
                GuardianRecord("g1", "Anne Nordmann", "parent"),
                GuardianRecord("g2", "Per Nordmann", "parent"),
            ),
        ),
        pupil("p2", "Åse Marie Ødegård", group="8A"),
        pupil("p3", "Karianne Berg", group="9A", grade="09", born=date(2008, 11, 30)),
        pupil(
            "p4", "Jonas Kristoffersen", guardians=(GuardianRecord("g4", "Zoé Lund", "guardian"),)
        ),
        pupil("p5", "Kari Fjell", school="org-fjellvik", group="8B"),
    ]
    return Snapshot(
        source="oneroster",
        schools=[
            SchoolRecord("nordby", "Nordby skole"),
            SchoolRecord("org-fjellvik", "Fjellvik skule", identifier="fjellvik"),
        ],
        staff=[
            StaffRecord("t1", "laerer1@nordby.example", "Line Lærer", ("nordby",)),
            StaffRecord("t2", "Rektor@Nordby.example", "Rita Rektor", ("nordby",)),
            StaffRecord("t3", "rektor@fjellvik.example", "Rolf Rektor", ("org-fjellvik",)),
            StaffRecord("t4", "vikar@nordby.example", "Vera Vikar", ("nordby", "org-fjellvik")),
        ],
        pupils=[p for p in pupils if p.source_id not in without] + list(extra),
    )

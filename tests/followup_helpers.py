"""Helpers shared by the follow-up tests: file reports at a given time, read what was queued."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from handlers.clock import FixedClock
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.models import Case, Event, FollowupRound, Outbox

OSLO = ZoneInfo("Europe/Oslo")
TEACHER = "laerer1@nordby.example"
TEACHER_2 = "laerer2@nordby.example"
TEACHER_9 = "laerer3@nordby.example"
LEADER = "trinn8@nordby.example"
LEADER_9 = "trinn9@nordby.example"
REKTOR = "rektor@nordby.example"
OWNER = "skoleeier@kommune.example"
RADGIVER = "radgiver@nordby.example"
# Free text that must never leave the case: pupil names and what happened.
PUPILS = "Kari Nordmann og Ola Hansen"
WHAT = "Kari ble holdt utenfor og kalt stygge ord i gymgarderoben"


def oslo(y: int, m: int, d: int, h: int = 8, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=OSLO)


def report(
    services: Services,
    clock: FixedClock,
    at: datetime,
    reporter: str = TEACHER,
    **fields: Any,
) -> str:
    clock.set(at)
    fields.setdefault("categories", ("mobbing",))
    form = ReportForm(pupils=PUPILS, what=WHAT, **fields)
    return file_report(services, form, reporter).ref


def queued(services: Services, kind: str = "reminder") -> list[Outbox]:
    with services.uow() as s:
        return list(s.scalars(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)))


def dms(services: Services, day: str) -> dict[str, list[tuple[str, str]]]:
    """Each person's reminder of that day: [(ref, what is due)]."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in queued(services):
        data = json.loads(row.data)
        if data["date"] == day:
            assert row.recipient is not None
            assert row.recipient not in out, "two DMs to one person on one morning"
            out[row.recipient] = [(i["ref"], i["due"]) for i in data["items"]]
    return out


def events_of_type(services: Services, ref: str, type_: str) -> list[dict[str, Any]]:
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None
        rows = s.scalars(
            select(Event).where(Event.case_id == case.id, Event.type == type_).order_by(Event.seq)
        )
        return [json.loads(e.data) for e in rows]


def counts(services: Services) -> tuple[int, int, int]:
    """(outbox rows, events, rounds): what a dry run must leave as it found it."""
    with services.uow() as s:
        return (
            s.scalar(select(func.count()).select_from(Outbox)) or 0,
            s.scalar(select(func.count()).select_from(Event)) or 0,
            s.scalar(select(func.count()).select_from(FollowupRound)) or 0,
        )

"""The reporter learns that the case was closed, in one line with no details (issue 21, 14)."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot import text
from handlers import notices, review
from handlers.services import Services
from store.models import Outbox

from .planning import LEADER, TEACHER, filed


def test_the_reporter_is_told_the_case_was_closed_and_nothing_more(services: Services) -> None:
    ref = filed(services)
    review.acknowledge(services, ref, LEADER)
    review.start_investigation(services, ref, LEADER)
    review.close(services, ref, LEADER, "Eleven har det trygt og godt nå, sier Ola selv.")
    with services.uow() as session:
        rows = session.scalars(select(Outbox).where(Outbox.kind == notices.CLOSED)).all()
        assert [(r.recipient, json.loads(r.data)) for r in rows] == [(TEACHER, {"ref": ref})]
        shown = text.render(notices.CLOSED, "nb", json.loads(rows[0].data), edge="slack")
    assert ref in shown and "avsluttet" in shown
    assert "Ola" not in shown and "trygt" not in shown

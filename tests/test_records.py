"""The innsynslogg and archiving, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers import plan, review
from handlers.clock import FixedClock
from handlers.errors import Refused
from handlers.export import export_case
from handlers.records import access_log, archive
from handlers.services import Services
from store import trail
from store.models import CaseText

from .planning import LEADER, OWNER, REKTOR, TEACHER, close_by_evaluation, planned


def closed_case(services: Services, clock: FixedClock) -> str:
    ref = planned(services)
    clock.advance(days=14)
    close_by_evaluation(services, ref)
    return ref


def test_access_log_lists_who_saw_what_and_when(services: Services, clock: FixedClock) -> None:
    ref = planned(services)
    review.open_case(services, ref, REKTOR)
    clock.advance(minutes=5)
    plan.plan_of(services, ref, LEADER)
    with pytest.raises(Refused):
        review.open_case(services, ref, TEACHER)
    export_case(services, ref, LEADER, document="plan")
    log = access_log(services, ref, REKTOR)
    assert [(e.who, e.what) for e in log.entries] == [
        (REKTOR, "details"),
        (LEADER, "plan"),
        (TEACHER, "refused:open"),
        (LEADER, "export:plan:pdf"),
    ]
    assert log.entries[1].at > log.entries[0].at
    with pytest.raises(Refused):
        access_log(services, ref, TEACHER)


def test_archive_needs_a_closed_case_and_a_current_export(
    services: Services, clock: FixedClock
) -> None:
    ref = planned(services)
    old = export_case(services, ref, REKTOR)  # made while the case was still open
    with pytest.raises(Refused) as err:
        archive(services, ref, REKTOR)
    assert err.value.problem.key == "archive.error.not_closed"
    clock.advance(days=14)
    close_by_evaluation(services, ref)
    with pytest.raises(Refused) as err:
        archive(services, ref, REKTOR)  # the old export misses the evaluation and the closing
    assert err.value.problem.key == "archive.error.not_exported"
    export_case(services, ref, REKTOR, document="plan")  # the plan is not the case file
    with pytest.raises(Refused):
        archive(services, ref, REKTOR)
    current = export_case(services, ref, REKTOR)
    with pytest.raises(Refused) as err:
        archive(services, ref, REKTOR, export_sha256=old.sha256)
    assert err.value.problem.key == "archive.error.file_mismatch"
    with pytest.raises(Refused):
        archive(services, ref, LEADER)  # rektor or skoleeier archives
    out = archive(services, ref, REKTOR, export_sha256=current.sha256)
    assert out.changed and out.args["sha256"] == current.sha256


def test_an_archived_case_is_sperret_without_text_and_still_verifies(
    services: Services, clock: FixedClock
) -> None:
    ref = closed_case(services, clock)
    export_case(services, ref, REKTOR)
    archive(services, ref, REKTOR)
    assert not archive(services, ref, REKTOR).changed
    with services.uow() as s:
        assert all(t.body is None for t in s.scalars(select(CaseText)))
        assert trail.verify_all(s)[2] == []
    # Only rektor and skoleeier may open it, and the text is gone.
    details = review.open_case(services, ref, REKTOR)
    assert details.restricted and details.report["what"] is None
    with pytest.raises(Refused):
        review.open_case(services, ref, LEADER)
    with pytest.raises(Refused):
        review.open_case(services, ref, OWNER)  # a § 12-4 case: skoleeier holds no role
    with pytest.raises(Refused) as err:
        review.add_note(services, ref, REKTOR, "nytt notat")
    assert err.value.problem.key == "refused.archived"
    assert review.status_of(services, ref, TEACHER).status == "closed"
    from .test_plan import types

    assert "archived" in types(services, ref)

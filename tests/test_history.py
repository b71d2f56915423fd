"""A pupil's earlier cases, and `policy.repeat_reports`: the leader told and the R-team digest
marked (refs and counts, never names), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace

from sqlalchemy import select

from bot import text
from handlers import directory, history
from handlers.clock import FixedClock
from handlers.digest import run_digest
from handlers.directory_sync import apply
from handlers.org import Org, RepeatReports
from handlers.services import Services
from store.directory_models import CasePupil
from store.models import Case, Outbox

from .directory_data import snapshot
from .followup_helpers import LEADER, OWNER, RADGIVER, REKTOR, TEACHER, oslo, report


def link(services: Services, ref: str, pupil_id: str) -> None:
    """What the report form does when a pupil is picked (helper "people" writes these)."""
    with services.uow() as session:
        case = session.scalars(select(Case).where(Case.ref == ref)).one()
        session.add(CasePupil(case_id=case.id, pupil_id=int(pupil_id), typed=False))


def with_rule(org: Org, rule: RepeatReports) -> Org:
    school = org.school("nordby")
    changed = replace(school, policy=replace(school.policy, repeat_reports=rule))
    return replace(org, schools=tuple(changed if s.id == "nordby" else s for s in org.schools))


def kari(services: Services) -> str:
    return directory.search_pupils(services, "nordby", "kari nordmann")[0].id


def test_history_shows_refs_the_viewer_may_open_and_counts_the_rest(
    services: Services, clock: FixedClock
) -> None:
    apply(services, snapshot())
    pupil = kari(services)
    first = report(services, clock, oslo(2026, 11, 2, 10), TEACHER)
    second = report(services, clock, oslo(2026, 11, 9, 10), TEACHER)
    other = report(services, clock, oslo(2026, 11, 10, 10), TEACHER)
    for ref in (first, second):
        link(services, ref, pupil)
    assert history.pupil_history(services, pupil, LEADER) == ([second, first], 0)
    assert history.pupil_history(services, pupil, LEADER, besides=second) == ([first], 0)
    # Someone without a role on these cases learns only that there are two.
    assert history.pupil_history(services, pupil, RADGIVER) == ([], 2)
    assert history.pupil_history(services, pupil, OWNER) == ([], 2)
    assert other not in history.pupil_history(services, pupil, LEADER)[0]
    assert history.pupil_history(services, "nope", LEADER) == ([], 0)


def test_a_pupil_who_leaves_keeps_their_cases(services: Services, clock: FixedClock) -> None:
    apply(services, snapshot())
    pupil = kari(services)
    ref = report(services, clock, oslo(2026, 11, 2, 10), TEACHER)
    link(services, ref, pupil)
    assert apply(services, snapshot(without=("p1",))).pupils.left == 1
    assert history.pupil_history(services, pupil, LEADER) == ([ref], 0)
    gone = directory.get_pupil(services, pupil)
    assert gone is not None and gone.status == "left"


def test_repeat_reports_tell_the_leader_and_mark_the_digest(
    services: Services, clock: FixedClock
) -> None:
    services = replace(services, org=with_rule(services.org, RepeatReports(3, "term")))
    apply(services, snapshot())
    pupil = kari(services)
    before_term = report(services, clock, oslo(2026, 7, 30, 10), TEACHER)
    refs = [report(services, clock, oslo(2026, 11, day, 10), TEACHER) for day in (2, 10, 17)]
    for ref in (before_term, *refs):
        link(services, ref, pupil)
    at = oslo(2026, 11, 17, 12)
    school = services.org.school("nordby")
    with services.uow() as session:
        [found] = history.repeats(session, school, at)
        assert (found.count, found.refs, found.period) == (3, sorted(refs), "term")
        case = session.scalars(select(Case).where(Case.ref == refs[-1])).one()
        assert history.notify_repeat(session, services.org, case, at) == 2
        assert history.notify_repeat(session, services.org, case, at) == 0  # once
    with services.uow() as session:
        rows = session.scalars(select(Outbox).where(Outbox.kind == history.REPEAT_REPORTS)).all()
        assert sorted(r.recipient or "" for r in rows) == [REKTOR, LEADER]
        data = json.loads(rows[0].data)
        assert data == {"ref": refs[-1], "count": 3, "period": "term", "since": "2026-08-01"}
    line = text.render(history.REPEAT_REPORTS, "nb", data)
    assert "er meldt fra om 3 ganger dette halvåret" in line and "Kari" not in line
    clock.set(oslo(2026, 11, 23, 8))
    run_digest(services, ["nordby"])
    with services.uow() as session:
        digest = session.scalars(select(Outbox).where(Outbox.kind == "digest")).first()
        assert digest is not None
        stored = digest.data
    assert "Kari" not in stored and "Nordmann" not in stored
    new = {c["ref"]: c.get("repeat") for c in json.loads(stored)["new"]}
    assert new == {refs[1]: 3, refs[2]: 3}
    rendered = text.render("digest", "nb", json.loads(stored))
    assert "eleven er meldt fra om 3 ganger denne perioden" in rendered


def test_period_starts() -> None:
    from handlers.org import load_org

    from .conftest import SAMPLE_ORG

    school = load_org(SAMPLE_ORG).school("nordby")
    at = oslo(2027, 3, 10, 12)  # a Wednesday
    starts = {
        period: history.period_start(RepeatReports(3, period), school, at).isoformat()
        for period in ("week", "month", "term", "year")
    }
    assert starts == {
        "week": "2027-03-08",
        "month": "2027-03-01",
        "term": "2027-01-01",
        "year": "2026-08-01",
    }


def test_a_picked_pupil_links_the_case_and_opening_shows_earlier_cases(
    services: Services, clock: FixedClock
) -> None:
    # Filed through the picker: the case is linked when filed, the third report in the term
    # tells the leaders, and opening a case shows the earlier ones (refs or a count).
    from handlers import review
    from handlers.report import ReportForm, file_report

    services = replace(services, org=with_rule(services.org, RepeatReports(3, "term")))
    apply(services, snapshot())
    pupil = kari(services)
    refs = []
    for day in (2, 10, 17):
        clock.set(oslo(2026, 11, day, 10))
        form = ReportForm(picked=(f"p:{pupil}",), what="Holdt utenfor")
        refs.append(file_report(services, form, TEACHER).ref)
    with services.uow() as session:
        told = session.scalars(select(Outbox).where(Outbox.kind == history.REPEAT_REPORTS)).all()
        assert {json.loads(r.data)["ref"] for r in told} == {refs[-1]}
    shown = review.open_case(services, refs[-1], LEADER)
    assert shown.earlier == (refs[1], refs[0]) and shown.earlier_hidden == 0
    from bot.core.views import case_view

    view = case_view("nb", shown, oslo(2026, 11, 17, 10).tzinfo)
    assert f"Tidligere saker om samme elev: {refs[1]}, {refs[0]}." in view.facts

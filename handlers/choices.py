"""What a person may do with a case right now, so an edge offers only that.

Asked before a menu or a form is shown ("refusals before the typing"): the same
`access.access_of` every action checks, the case's status, whether it has a plan, and whom
it may be forwarded to. What is offered comes from the state machine's table
(`handlers.states`), the same table `review.act` enforces, so nothing offered is refused.
Reading this writes nothing to the trail and returns no free text and no pupil names: it is
not an opening of the case (that is `review.open_case`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from handlers import access, plan, review, serious, states
from handlers.errors import Refused
from handlers.services import Services
from store.models import CaseAccess

OPEN_STATES = review.OPEN_STATES


@dataclass(frozen=True)
class CaseChoices:
    ref: str
    status: str
    seen: access.Access
    restricted: bool  # archived and sperret: nobody changes it
    has_plan: bool
    tiltak: tuple[tuple[int, bool], ...]  # the plan's tiltak in force: (number, carried out)
    rteam_share: str | None
    has_rteam: bool
    forward_to: tuple[str, ...]  # who may receive the case (empty unless the person may act)
    offered: tuple[str, ...] = ()  # the actions of handlers.states this person may take now

    def may(self, action: str) -> bool:
        return action in self.offered

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def may_change(self) -> bool:
        """May act on the case and it is still open."""
        return self.seen.may_act and self.is_open


def choices_for(services: Services, ref: str, actor: str) -> CaseChoices:
    """Raises Refused when the person may not even see the case's status."""
    actor = actor.strip().lower()
    with services.uow() as session:
        case = review.load_case(session, ref)
        seen = access.access_of(session, services.org, case, actor)
        if not seen.may_see_status:
            raise Refused("refused.not_allowed", ref=case.ref)
        current = None
        if seen.may_open:
            current = plan.replay(case.ref, review.trail_entries(session, case))
        school = services.org.school(case.school_id)
        targets: tuple[str, ...] = ()
        if seen.may_act:
            # Those who hold the case already are not offered; who may get it at all is the
            # forward's own rule (a § 12-5 case never goes to the accused's unit).
            taken = set(
                session.scalars(
                    select(CaseAccess.email).where(
                        CaseAccess.case_id == case.id,
                        CaseAccess.role.in_(access.ACTING_ROLES),
                    )
                )
            )
            everyone = review.forward_targets(services, session, case)
            targets = tuple(p for p in everyone if p not in taken and p != actor)
        active = current.active_tiltak() if current else []
        facts = replace(
            access.facts_of(services.org, case),
            has_plan=current is not None,
            open_tiltak=any(t.done_at is None for t in active),
            serious_informed=serious.informed(session, case),
        )
        return CaseChoices(
            ref=case.ref,
            status=case.status,
            seen=seen,
            restricted=case.restricted,
            has_plan=current is not None,
            tiltak=tuple((t.no, t.done_at is not None) for t in active),
            rteam_share=case.rteam_share,
            has_rteam=bool(school.rteam.members),
            forward_to=targets,
            offered=states.offered(facts, seen),
        )

"""§ 12-4 second paragraph: in a serious case rektor melder fra to skoleeier.

Rektor (or the case's leader on rektor's behalf) marks the case serious from the case: an
`owner_informed_serious` event on the trail (who, when, to whom, on whose behalf), skoleeier's
contacts get the case (`case_access`) and a notice. Offered once, in an open § 12-4 case that
is not a leadership case (`handlers.states`); § 12-5's notice is `review.inform_owner`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers import review
from handlers.report import tell_owner
from handlers.review import Outcome
from handlers.services import Services
from store import trail
from store.models import Case

EVENT = "owner_informed_serious"


def informed(session: Session, case: Case) -> bool:
    """Whether skoleeier has been told that this case is serious."""
    return any(ev.type == EVENT for ev in trail.events_of(session, case.id))


def inform_owner_serious(services: Services, ref: str, actor: str) -> Outcome:
    def run(session: Session, case: Case, now: datetime) -> Outcome:
        if informed(session, case):
            return review.already(case)
        school = services.org.school(case.school_id)
        data = {
            "to": list(services.org.owner.contacts),
            "on_behalf_of": school.principal,
            "serious": True,
            "section": "12-4",
        }
        trail.append(session, case, EVENT, actor.lower(), now, data)
        tell_owner(services, session, case, now, "serious")
        key = "result.owner_informed_serious"
        return Outcome(case.ref, case.status, True, key, {"ref": case.ref})

    return review.act(services, ref, actor, "inform_owner_serious", run)

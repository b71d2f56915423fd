"""Need-to-know: who may see and act on a case.

Roles live in case_access (a projection of routed/forwarded events). The person a report is
about holds the role "excluded" and never sees it, whatever other role they have.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Case, CaseAccess

ACTING_ROLES = frozenset({"leader", "rektor", "owner", "forwarded"})
EXCLUDED = "excluded"
REPORTER = "reporter"


def roles_on(session: Session, case: Case, email: str) -> set[str]:
    return set(
        session.scalars(
            select(CaseAccess.role).where(
                CaseAccess.case_id == case.id, CaseAccess.email == email.lower()
            )
        )
    )


def may_handle(roles: set[str]) -> bool:
    """May open the details and act: an assigned leader, rektor, skoleeier or forwardee."""
    return EXCLUDED not in roles and bool(roles & ACTING_ROLES)


def may_see_status(roles: set[str]) -> bool:
    return EXCLUDED not in roles and (REPORTER in roles or may_handle(roles))


def handlers_of(session: Session, case: Case) -> list[str]:
    """Everyone who may act on the case, in the order they got it."""
    rows = session.execute(
        select(CaseAccess.email, CaseAccess.role)
        .where(CaseAccess.case_id == case.id)
        .order_by(CaseAccess.id)
    ).all()
    excluded = {email for email, role in rows if role == EXCLUDED}
    seen: dict[str, None] = {}
    for email, role in rows:
        if role in ACTING_ROLES and email not in excluded:
            seen.setdefault(email, None)
    return list(seen)


def is_excluded(session: Session, case: Case, email: str) -> bool:
    return EXCLUDED in roles_on(session, case, email)

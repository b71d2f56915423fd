"""Need-to-know: who may see and act on a case.

Roles live in case_access (a projection of routed/forwarded events); the org adds what the
roles cannot say: skoleeier's contacts see every § 12-5 case, and the R-team sees a case
once a leader shared it. The person a report is about holds the role "excluded" and never
sees it, whatever else is true. `access_of` is asked on every read and every action.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.org import Org, School
from handlers.states import HANDLERS, Facts, Role, Status
from store.models import Case, CaseAccess

ACTING_ROLES = frozenset(str(r) for r in HANDLERS)
EXCLUDED = str(Role.EXCLUDED)
REPORTER = str(Role.REPORTER)

# What a person may see of a case, from most to least.
FULL = "full"  # every detail, pupil names included
ANONYMOUS = "anonymous"  # the R-team without foresatte's consent: details, no pupil names
STATUS = "status"  # the reporter: the status of their own report, nothing more
NONE = "none"

SHARE_CONSENT = "consent"
SHARE_ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Access:
    level: str
    handles: bool  # holds a leader's role: assigned leader, rektor, skoleeier or forwardee
    may_act: bool  # may change the case (not once it is archived and sperret)
    roles: frozenset[Role] = frozenset()  # what the person is on the case (handlers.states)

    @property
    def may_open(self) -> bool:
        return self.level in (FULL, ANONYMOUS)

    @property
    def may_see_status(self) -> bool:
        return self.level != NONE

    @property
    def may_export(self) -> bool:
        """Export and read the innsynslogg: a leader who may open everything."""
        return self.handles and self.level == FULL


NO_ACCESS = Access(NONE, False, False)
_ROLE_NAMES = frozenset(str(r) for r in Role)
EXCLUDED_ACCESS = Access(NONE, False, False, frozenset({Role.EXCLUDED}))


def roles_on(session: Session, case: Case, email: str) -> set[str]:
    return set(
        session.scalars(
            select(CaseAccess.role).where(
                CaseAccess.case_id == case.id, CaseAccess.email == email.lower()
            )
        )
    )


def access_of(session: Session, org: Org, case: Case, email: str) -> Access:
    email = email.strip().lower()
    stored = roles_on(session, case, email)
    if EXCLUDED in stored:
        return EXCLUDED_ACCESS
    is_owner = email in org.owner.contacts
    handles = bool(stored & ACTING_ROLES) or (is_owner and case.section == "12-5")
    school = _school(org, case)
    principal = school is not None and email == school.principal
    roles = {Role(r) for r in stored if r in _ROLE_NAMES}
    if is_owner and case.section == "12-5":
        roles.add(Role.SKOLEEIER)
    if principal and handles:
        roles.add(Role.REKTOR)
    if case.restricted:
        # Sperret after archiving: only rektor and skoleeier may open it, nobody changes it.
        if handles and (principal or is_owner):
            return Access(FULL, True, False, frozenset(roles))
    elif handles:
        return Access(FULL, True, True, frozenset(roles))
    elif case.rteam_share and school is not None and email in school.rteam.members:
        level = FULL if case.rteam_share == SHARE_CONSENT else ANONYMOUS
        return Access(level, False, False, frozenset(roles | {Role.RTEAM}))
    # `handles` stays true for a leader locked out of a sperret case: they are told why.
    return Access(STATUS if REPORTER in stored else NONE, handles, False, frozenset(roles))


def facts_of(org: Org, case: Case) -> Facts:
    """What the state machine asks of the case itself (handlers.states)."""
    school = _school(org, case)
    return Facts(
        status=Status(case.status),
        section=case.section,
        leadership_case=bool(case.leadership_case),
        restricted=case.restricted,
        has_rteam=bool(school.rteam.members) if school is not None else False,
    )


def _school(org: Org, case: Case) -> School | None:
    try:
        return org.school(case.school_id)
    except KeyError:  # a school removed from org.yml: its cases keep only role-based access
        return None


def handlers_of(session: Session, case: Case) -> list[str]:
    """Everyone who holds an acting role on the case, in the order they got it."""
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

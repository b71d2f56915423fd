"""Who receives a report, and why (opplæringslova § 12-4 and § 12-5).

Pure: takes the org and the report's facts, returns the recipients with the reason for each.
The reasons are catalog keys, so the trail and `meldefra org check` can explain every route.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.org import Org, School

# Roles a recipient holds on the case.
LEADER = "leader"  # nearest leader (unit leader)
REKTOR = "rektor"
OWNER = "owner"  # skoleeier


@dataclass(frozen=True)
class Recipient:
    email: str
    role: str
    reason: str  # catalog key under "route.reason.*"


@dataclass(frozen=True)
class Routing:
    recipients: tuple[Recipient, ...]
    section: str  # "12-4" or "12-5"
    urgent: bool
    leadership_case: bool  # § 12-5 with an offender in the school's leadership
    prompt_owner: bool  # rektor must melde fra to skoleeier (§ 12-5)
    excluded: frozenset[str]  # may never receive, see or be told about the case
    unit: str | None

    def emails(self) -> list[str]:
        return [r.email for r in self.recipients]


def route(
    org: Org,
    school: School,
    reporter: str,
    *,
    accused_employee: str | None = None,
    accused_named: bool = False,
    urgent: bool = False,
    manager: str | None = None,
) -> Routing:
    """`manager` is the reporter's manager from a directory (Entra ID), resolved by the edge:
    it stands in for the unit leader only where org.yml names none, and only when the manager
    works at the school (someone outside it may not read the case).

    `accused_named`: § 12-5 about someone who works at the school but is on no staff list (a
    vikar, an agency assistant, a praksisstudent), named by the reporter: rektor straks."""
    reporter = reporter.lower()
    unit = school.unit_of(reporter)
    unit_name = unit.name if unit else None
    if accused_employee or accused_named:
        return _route_12_5(org, school, (accused_employee or "").lower() or None, unit_name)

    recipients: list[Recipient] = []
    leader = unit.leader if unit else None
    manager = (manager or "").lower() or None
    if leader is None and manager and manager != reporter and manager in school.staff():
        if manager == school.principal:
            recipients.append(Recipient(manager, REKTOR, "route.reason.principal_is_manager"))
        else:
            recipients.append(Recipient(manager, LEADER, "route.reason.directory_manager"))
            recipients.append(Recipient(school.principal, REKTOR, "route.reason.rektor_always"))
    elif unit is None:
        recipients.append(Recipient(school.principal, REKTOR, "route.reason.no_unit"))
    elif unit.leader is None or unit.leader == reporter:
        reason = "route.reason.reporter_is_leader" if unit.leader else "route.reason.unit_no_leader"
        recipients.append(Recipient(school.principal, REKTOR, reason))
    elif unit.leader == school.principal:
        recipients.append(Recipient(school.principal, REKTOR, "route.reason.principal_leads_unit"))
    else:
        recipients.append(Recipient(unit.leader, LEADER, "route.reason.nearest_leader"))
        recipients.append(Recipient(school.principal, REKTOR, "route.reason.rektor_always"))
    return _finish(org, recipients, "12-4", urgent, False, False, frozenset(), unit_name)


def route_raised(
    org: Org,
    school: School,
    recorder: str,
    *,
    accused_employee: str | None = None,
    accused_named: bool = False,
    urgent: bool = False,
) -> Routing:
    """§ 12-6: a matter a pupil or the foresatte raised with a leader of `school` (the pupil's
    school), who wrote it down. That leader holds it as its nearest leader and rektor is always
    told; a § 12-5 matter goes to rektor (skoleeier in a leadership case) as any report does."""
    recorder = recorder.lower()
    unit = school.unit_of(recorder)
    unit_name = unit.name if unit else None
    if accused_employee or accused_named:
        return _route_12_5(org, school, (accused_employee or "").lower() or None, unit_name)
    if recorder == school.principal:
        recipients = [Recipient(recorder, REKTOR, "route.reason.raised_with_rektor")]
    else:
        recipients = [
            Recipient(recorder, LEADER, "route.reason.raised_with_leader"),
            Recipient(school.principal, REKTOR, "route.reason.rektor_always"),
        ]
    return _finish(org, recipients, "12-4", urgent, False, False, frozenset(), unit_name)


def _route_12_5(org: Org, school: School, accused: str | None, unit: str | None) -> Routing:
    if accused is not None and school.is_leadership(accused):
        # Offender in the leadership: straight to skoleeier, and nobody in this school's
        # leadership may receive or open the case.
        excluded = frozenset({accused, school.principal, *school.leadership})
        recipients = [
            Recipient(c, OWNER, "route.reason.leadership_accused") for c in org.owner.contacts
        ]
        return _finish(org, recipients, "12-5", True, True, False, excluded, unit)
    recipients = [Recipient(school.principal, REKTOR, "route.reason.employee_accused")]
    excluded = frozenset({accused}) if accused else frozenset()
    return _finish(org, recipients, "12-5", True, False, True, excluded, unit)


def _finish(
    org: Org,
    recipients: list[Recipient],
    section: str,
    urgent: bool,
    leadership_case: bool,
    prompt_owner: bool,
    excluded: frozenset[str],
    unit: str | None,
) -> Routing:
    seen: set[str] = set()
    kept: list[Recipient] = []
    for r in recipients:
        if r.email not in excluded and r.email not in seen:
            seen.add(r.email)
            kept.append(r)
    if not kept:
        # Never leave a report without a recipient: skoleeier takes it, and the trail says why.
        kept = [
            Recipient(c, OWNER, "route.reason.fallback_owner")
            for c in org.owner.contacts
            if c not in excluded
        ]
    return Routing(
        recipients=tuple(kept),
        section=section,
        urgent=urgent,
        leadership_case=leadership_case,
        prompt_owner=prompt_owner,
        excluded=excluded,
        unit=unit,
    )


# --- Forwards --------------------------------------------------------------------------------


def accused_units(school: School, accused: str | None) -> set[str]:
    """Everyone in the units of the person a § 12-5 report is about (members and leaders of
    every unit they belong to or lead): a forward never goes to the accused's own team."""
    if not accused:
        return set()
    out: set[str] = set()
    for unit in school.units:
        if accused in unit.members or unit.leader == accused:
            out.update(unit.members)
            if unit.leader:
                out.add(unit.leader)
    return out


def forward_targets(
    org: Org,
    school: School,
    *,
    section: str,
    leadership_case: bool,
    accused: str | None,
    excluded: frozenset[str] | set[str],
) -> tuple[str, ...]:
    """Who a case may be forwarded to, in the order a picker lists them.

    § 12-4: the school's staff and skoleeier. § 12-5: the same without the accused's own unit,
    and the municipality's team (`owner.team`). In a leadership case (skoleeier holds it) also
    the school's rektor when rektor is not the one the report is about, and other schools'
    rektors. Never anyone the case is about."""
    accused = (accused or "").lower() or None
    staff = sorted(school.staff())
    others: list[str] = []
    out_of_reach = set(excluded)
    if section == "12-5":
        if leadership_case:
            if school.principal != accused:
                # Skoleeier may bring rektor in: left out by the route, not the accused.
                out_of_reach.discard(school.principal)
                others.append(school.principal)
            others += [s.principal for s in org.schools if s.id != school.id]
        others += org.owner.team
        out_of_reach |= accused_units(school, accused)
    if accused:
        out_of_reach.add(accused)
    candidates = [*staff, *others, *org.owner.contacts]
    return tuple(p for p in dict.fromkeys(candidates) if p not in out_of_reach)

"""The case state machine: a case's statuses, and one table of who may do what in which.

`review.act` asks `check` before every action and `choices` asks `offered` before a menu or a
button row is drawn, so a person is never offered what would then be refused. Adding an
action is one `Rule` in `RULES` (and its handler calling `review.act` with the rule's name).

A rule says which roles on the case may take the action (`roles`), in which statuses it is
offered and done (`statuses`), in which further statuses the handler is still called and
answers for itself though nothing is offered (`accepted`: a retried click is "already done",
a form without a plan says so beside its field), and what else must hold (`when`; refused
with `unmet` when that is set, otherwise it only decides what is offered and the handler
answers). A rule that `changes` the case needs a person who may act (not the R-team, not on an
archived and sperret case); a reading (`changes=False`) needs one who may open the case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from handlers.errors import Refusal


class Status(StrEnum):
    """A case's status (the value stored in `cases.status`)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    PLAN = "plan"  # an aktivitetsplan is in force
    CLOSED = "closed"


OPEN: tuple[Status, ...] = (Status.NEW, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.PLAN)
ALL: tuple[Status, ...] = (*OPEN, Status.CLOSED)


class Role(StrEnum):
    """What a person is on a case. The values of the roles kept in `case_access` are theirs."""

    REPORTER = "reporter"  # sees the status of their own report
    LEADER = "leader"  # the nearest leader the report was routed to
    REKTOR = "rektor"  # the school's principal, on a case they handle
    SKOLEEIER = "owner"  # skoleeier's contacts (§ 12-5, a leadership case)
    FORWARDED = "forwarded"  # a leader the case was forwarded to
    RTEAM = "rteam"  # the R-team, once a case is shared with it: reads, changes nothing
    EXCLUDED = "excluded"  # someone the report is about: nothing at all


HANDLERS = frozenset({Role.LEADER, Role.REKTOR, Role.SKOLEEIER, Role.FORWARDED})
READERS = HANDLERS | {Role.RTEAM}


@dataclass(frozen=True)
class Facts:
    """What the table asks of a case. `has_rteam`, `has_plan` and `open_tiltak` are known
    when a menu is drawn (None while acting: the handler answers for itself)."""

    status: Status
    section: str = "12-4"
    leadership_case: bool = False
    restricted: bool = False
    has_rteam: bool | None = None
    has_plan: bool | None = None
    open_tiltak: bool | None = None  # a tiltak in force not yet carried out
    serious_informed: bool | None = None  # § 12-4: skoleeier already told it is serious


class Standing(Protocol):
    """The person's standing on the case (`handlers.access.Access` is one)."""

    @property
    def roles(self) -> frozenset[Role]: ...
    @property
    def may_act(self) -> bool: ...  # may change the case
    @property
    def may_open(self) -> bool: ...  # may read its details
    @property
    def handles(self) -> bool: ...  # holds a leader's role (told why an archived case refuses)


@dataclass(frozen=True)
class Seen:
    roles: frozenset[Role]
    may_act: bool
    may_open: bool
    handles: bool


@dataclass(frozen=True)
class Rule:
    action: str
    roles: frozenset[Role]
    statuses: Iterable[Status]
    accepted: Iterable[Status] = ()
    changes: bool = True
    when: Callable[[Facts], bool] | None = None
    unmet: str | None = None  # catalog key of the refusal when `when` fails


def _owner_notice_due(f: Facts) -> bool:
    """§ 12-5: rektor melder fra to skoleeier (a leadership case went there directly)."""
    return f.section == "12-5" and not f.leadership_case


def _serious_notice_due(f: Facts) -> bool:
    """§ 12-4 second paragraph: rektor melder fra to skoleeier in a serious case (once; a
    § 12-5 or leadership case is skoleeier's already)."""
    return f.section == "12-4" and not f.leadership_case and f.serious_informed is not True


def _planned(f: Facts) -> bool:
    return bool(f.has_plan if f.has_plan is not None else f.status == Status.PLAN)


BEFORE_PLAN = (Status.NEW, Status.ACKNOWLEDGED, Status.INVESTIGATING)
REOPENERS = frozenset({Role.REKTOR, Role.LEADER, Role.FORWARDED, Role.SKOLEEIER})


def reopened(*, acknowledged: bool, investigated: bool, plan_in_force: bool) -> Status:
    """The status a closed case goes back to when it is reopened: where it stood when it was
    closed (a plan still in force, the investigation, acknowledged, or new), so the clocks of
    that status run again (handlers.followup: the acknowledgement, the missing plan, the
    plan's dates)."""
    if plan_in_force:
        return Status.PLAN
    if investigated:
        return Status.INVESTIGATING
    return Status.ACKNOWLEDGED if acknowledged else Status.NEW


_NOT_PLAN = (*BEFORE_PLAN,)

RULES: dict[str, Rule] = {
    r.action: r
    for r in (
        Rule("open", READERS, ALL, changes=False),
        Rule("show_plan", READERS, ALL, changes=False, when=_planned),
        Rule("export", HANDLERS, ALL, changes=False),
        Rule("acknowledge", HANDLERS, (Status.NEW,), accepted=OPEN),
        Rule("investigate", HANDLERS, (Status.NEW, Status.ACKNOWLEDGED), accepted=OPEN),
        Rule("forward", HANDLERS, OPEN),
        Rule("note", HANDLERS, OPEN),
        Rule("investigation_note", HANDLERS, OPEN),
        Rule("foresatte", HANDLERS, OPEN),
        Rule("age_band", HANDLERS, OPEN),
        Rule("share_rteam", HANDLERS, OPEN, when=lambda f: f.has_rteam is not False),
        Rule("plan", HANDLERS, BEFORE_PLAN, accepted=OPEN),
        Rule("change_plan", HANDLERS, (Status.PLAN,), accepted=_NOT_PLAN),
        Rule("evaluate", HANDLERS, (Status.PLAN,), accepted=_NOT_PLAN),
        Rule(
            "tiltak_done",
            HANDLERS,
            (Status.PLAN,),
            accepted=_NOT_PLAN,
            when=lambda f: f.open_tiltak is not False,
        ),
        Rule("close", HANDLERS, OPEN, accepted=(Status.CLOSED,)),
        Rule(
            "inform_owner",
            frozenset({Role.REKTOR}),
            OPEN,
            when=_owner_notice_due,
            unmet="owner_notice.error.not_needed",
        ),
        # A closed case opened again (the pupil says it has started again): rektor and the
        # leader who holds the case (the nearest leader, or one it was forwarded to), and
        # skoleeier where the case is skoleeier's (§ 12-5, a leadership case). A retried
        # click on a case already open again is "already done".
        Rule("reopen", REOPENERS, (Status.CLOSED,), accepted=OPEN),
        # Rektor, or the case's leader on rektor's behalf (handlers.serious).
        Rule(
            "inform_owner_serious",
            frozenset({Role.REKTOR, Role.LEADER}),
            OPEN,
            when=_serious_notice_due,
            unmet="serious.error.not_needed",
        ),
        # § 12-6: what the statsforvalter did with the case (handlers.statsforvalter); a
        # case often goes there after the school closed it.
        Rule("statsforvalter", HANDLERS, ALL),
    )
}

# Acts at a school rather than on a case: the roles the person holds at the school
# (handlers.matter.school_roles). § 12-6: a leader writes down a matter a pupil or the
# foresatte raised.
SCHOOL_RULES: dict[str, frozenset[Role]] = {
    "record_matter": frozenset({Role.LEADER, Role.REKTOR}),
}


def may_at_school(action: str, roles: frozenset[Role]) -> bool:
    return bool(SCHOOL_RULES[action] & roles)


def check(action: str, facts: Facts, seen: Standing, *, acting: bool = True) -> Refusal | None:
    """None when `action` may be done now; else why not. A refusal of the person (not of the
    case's status) is `logged`: the attempt goes on the trail.

    `acting`: the handler is about to run (statuses in `accepted` pass and conditions without
    an `unmet` key are left to it); otherwise the question is whether to offer it."""
    rule = RULES[action]
    if Role.EXCLUDED in seen.roles:
        return Refusal.of("refused.not_allowed", logged=True)
    may = seen.may_act if rule.changes else seen.may_open
    if not may or not (seen.roles & rule.roles):
        archived = facts.restricted and seen.handles and rule.changes
        return Refusal.of("refused.archived" if archived else "refused.not_allowed", logged=True)
    statuses = set(rule.statuses) | (set(rule.accepted) if acting else set())
    if facts.status not in statuses:
        closed = facts.status == Status.CLOSED
        return Refusal.of("refused.closed" if closed else "refused.state")
    if rule.when is not None and (rule.unmet or not acting) and not rule.when(facts):
        return Refusal.of(rule.unmet or "refused.state")
    return None


def offered(facts: Facts, seen: Standing, among: Iterable[str] | None = None) -> tuple[str, ...]:
    """The actions (in table order) this person may take on the case now."""
    names = RULES if among is None else among
    return tuple(a for a in names if check(a, facts, seen, acting=False) is None)


# A leader on a case's message (the DM or card sent to whoever handles it): each click is
# checked again, so these are what any leader of the case may be offered.
LEADER = Seen(frozenset({Role.LEADER}), may_act=True, may_open=True, handles=True)


def offered_to_leaders(status: Status | str | None, among: Iterable[str]) -> tuple[str, ...]:
    if status is None:
        return tuple(among)
    return offered(Facts(Status(status)), LEADER, among)

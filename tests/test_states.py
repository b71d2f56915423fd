"""The case state machine: one table says what is offered, and what is offered is never
refused; statuses are the enum's, nowhere a bare string."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from bot.core import actions
from handlers import choices, plan, review, states
from handlers.errors import Refused
from handlers.services import Services
from handlers.states import Role, Rule, Status

from .planning import LEADER, OWNER, RADGIVER, REKTOR, TEACHER, filed, plan_form

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = (TEACHER, LEADER, REKTOR, OWNER, RADGIVER, "laerer2@nordby.example")
EMPLOYEE = ("ansatt_krenket_elev",)
SAME = "Samme forhold som en annen sak"  # why it was closed without investigation


def _rektor_policy(services: Services) -> Services:
    org = services.org
    schools = tuple(
        dataclasses.replace(s, policy=dataclasses.replace(s.policy, owner_notice="rektor"))
        for s in org.schools
    )
    return dataclasses.replace(services, org=dataclasses.replace(org, schools=schools))


def _cases(services: Services) -> dict[str, str]:
    """One case in every status, a § 12-5 case, and a case shared with the R-team."""
    made = {"new": filed(services)}
    made["acknowledged"] = filed(services)
    review.acknowledge(services, made["acknowledged"], LEADER)
    made["investigating"] = filed(services)
    review.start_investigation(services, made["investigating"], LEADER)
    made["plan"] = filed(services)
    plan.create_plan(services, made["plan"], LEADER, plan_form())
    made["closed"] = filed(services)
    review.close(services, made["closed"], LEADER, "Ingen grunnlag", why_not_investigated=SAME)
    made["12-5"] = filed(services, categories=EMPLOYEE, accused="laerer2@nordby.example")
    made["shared"] = filed(services)
    plan.create_plan(services, made["shared"], LEADER, plan_form())
    plan.share_with_rteam(services, made["shared"], LEADER, "anonymous")
    return made


def test_what_is_offered_is_never_refused_and_the_rest_is(services: Services) -> None:
    services = _rektor_policy(services)
    for what, ref in _cases(services).items():
        for person in PEOPLE:
            try:
                now = choices.choices_for(services, ref, person)
            except Refused:
                continue  # may not even see the status: offered nothing
            for name, rule in states.RULES.items():
                if name in now.offered:
                    review.authorize(services, ref, person, name)  # raises if refused
                    continue
                answered = now.status in {*rule.statuses, *rule.accepted}
                if answered and (now.seen.roles & rule.roles) and now.seen.may_act:
                    continue  # not offered, the handler answers ("already done")
                if not rule.changes and (now.seen.roles & rule.roles) and now.seen.may_open:
                    continue  # a reading not offered for want of a plan: the reader says so
                with pytest.raises(Refused):
                    review.authorize(services, ref, person, name)
            if now.seen.may_open:
                details = review.open_case(services, ref, person)
                assert details.offered == now.offered, (what, person)


def test_each_person_is_offered_what_their_role_allows(services: Services) -> None:
    services = _rektor_policy(services)
    made = _cases(services)
    # The reporter sees the status of their report, and is offered nothing.
    assert choices.choices_for(services, made["new"], TEACHER).offered == ()
    # The R-team reads a shared case and changes nothing: only the plan to read.
    shared = review.open_case(services, made["shared"], RADGIVER)
    assert set(shared.offered) == {"open", "show_plan"}
    assert [a.verb for a in actions.case_buttons(shared.offered)] == ["show_plan"]
    # No "Bekreft mottatt" once acknowledged, on the case or on the leader's message.
    acknowledged = choices.choices_for(services, made["acknowledged"], LEADER).offered
    assert "acknowledge" not in acknowledged and "investigate" in acknowledged
    assert "acknowledge" not in {a.verb for a in actions.message_actions("acknowledged")}
    assert "acknowledge" in {a.verb for a in actions.message_actions("new")}
    # Melde fra to skoleeier: rektor's, in a § 12-5 case only.
    assert "inform_owner" in choices.choices_for(services, made["12-5"], REKTOR).offered
    assert "inform_owner" not in choices.choices_for(services, made["12-5"], OWNER).offered
    assert "inform_owner" not in choices.choices_for(services, made["new"], REKTOR).offered
    # A closed case is read, exported, reopened (issue 21) and what the statsforvalter does with
    # it recorded (§ 12-6: a case often goes there after the school closed it); nothing more.
    closed = choices.choices_for(services, made["closed"], LEADER).offered
    assert set(closed) == {"open", "export", "statsforvalter", "reopen"}
    # A tiltak carried out: offered while one is waiting, on every edge (a core action).
    planned = review.open_case(services, made["plan"], LEADER)
    assert "tiltak_done" in {a.verb for a in actions.case_buttons(planned.offered)}
    assert "plan" not in planned.offered and "evaluate" in planned.offered


def test_refusals_of_the_person_are_logged_and_of_the_status_are_not(
    services: Services,
) -> None:
    ref = filed(services)
    review.close(services, ref, LEADER, "Ingen grunnlag", why_not_investigated=SAME)
    with pytest.raises(Refused) as closed:
        review.add_note(services, ref, LEADER, "etterpå")
    assert closed.value.problem.key == "refused.closed"
    with pytest.raises(Refused) as other:
        review.add_note(services, ref, TEACHER, "notat")
    assert other.value.problem.key == "refused.not_allowed"
    with services.uow() as s:
        from store import trail

        kinds = [e.type for e in trail.events_of(s, review.load_case(s, ref).id)]
    assert kinds.count("refused") == 1
    # A retried close acts once.
    assert not review.close(services, ref, LEADER, "Igjen", why_not_investigated=SAME).changed


def test_a_new_action_is_one_row_in_the_table(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the law helper will add (reopen a closed case, rektor only) is one rule."""
    monkeypatch.setitem(
        states.RULES, "reopen", Rule("reopen", frozenset({Role.REKTOR}), (Status.CLOSED,))
    )
    ref = filed(services)
    review.close(services, ref, LEADER, "Ingen grunnlag", why_not_investigated=SAME)
    assert "reopen" in choices.choices_for(services, ref, REKTOR).offered
    assert "reopen" not in choices.choices_for(services, ref, LEADER).offered
    review.authorize(services, ref, REKTOR, "reopen")
    with pytest.raises(Refused):
        review.authorize(services, ref, LEADER, "reopen")
    other = filed(services)
    assert "reopen" not in choices.choices_for(services, other, REKTOR).offered


STATUS_WORDS = {str(s) for s in Status}


def _status_literals(path: Path) -> list[str]:
    """`x.status == "new"`, `x.status = "closed"`, `status="plan"` and the like."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        pairs: list[tuple[ast.AST, ast.AST]] = []
        if isinstance(node, ast.Compare):
            pairs += [(node.left, c) for c in node.comparators]
            pairs += [(c, node.left) for c in node.comparators]
        elif isinstance(node, ast.Assign):
            pairs += [(target, node.value) for target in node.targets]
        elif isinstance(node, ast.keyword) and node.arg == "status":
            pairs.append((ast.Name("status"), node.value))
        for target, value in pairs:
            name = getattr(target, "attr", None) or getattr(target, "id", None)
            if (
                name in ("status", "state")
                and isinstance(value, ast.Constant)
                and value.value in STATUS_WORDS
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")  # type: ignore[attr-defined]
    return found


def test_no_status_is_a_bare_string_outside_the_enum() -> None:
    files = [p for layer in ("handlers", "bot", "store") for p in (ROOT / layer).rglob("*.py")]
    found = [hit for p in files if p.name != "states.py" for hit in _status_literals(p)]
    assert found == []

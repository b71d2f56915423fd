"""§ 12-4 second paragraph: rektor (or a leader on rektor's behalf) melder fra to skoleeier in
a serious case, from the case; and closing a case never investigated only with a written
reason (perhaps the case it repeats). Through the handlers and the console, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.core import actions
from handlers import choices, review, serious
from handlers.errors import FieldErrors, Refused
from handlers.export import export_case
from handlers.services import Services
from store.models import Case, CaseAccess, Event, Outbox

from .planning import LEADER, OWNER, REKTOR, TEACHER, filed
from .test_console import events, menu_of, run, who

EMPLOYEE = ("ansatt_krenket_elev",)


def owner_notices(services: Services) -> list[dict[str, object]]:
    with services.uow() as s:
        rows = s.scalars(select(Outbox).where(Outbox.recipient == OWNER).order_by(Outbox.id))
        return [json.loads(r.data) for r in rows]


def trail_of(services: Services, ref: str, kind: str) -> list[Event]:
    with services.uow() as s:
        case_id = s.scalar(select(Case.id).where(Case.ref == ref))
        return list(s.scalars(select(Event).where(Event.case_id == case_id, Event.type == kind)))


def test_rektor_melder_fra_to_skoleeier_in_a_serious_case(services: Services) -> None:
    ref = filed(services)
    assert "inform_owner_serious" in review.open_case(services, ref, REKTOR).offered
    assert "inform_owner_serious" in choices.choices_for(services, ref, LEADER).offered
    # Skoleeier has nothing to open before rektor melder fra.
    with pytest.raises(Refused):
        review.open_case(services, ref, OWNER)
    done = serious.inform_owner_serious(services, ref, REKTOR)
    assert done.changed and done.key == "result.owner_informed_serious"
    [event] = trail_of(services, ref, "owner_informed_serious")
    data = json.loads(event.data)
    assert event.actor == REKTOR
    assert data == {"to": [OWNER], "on_behalf_of": REKTOR, "serious": True, "section": "12-4"}
    [told] = owner_notices(services)
    assert told["reason"] == "route.reason.owner_informed.serious" and told["section"] == "12-4"
    with services.uow() as s:
        roles = s.scalars(select(CaseAccess.role).where(CaseAccess.email == OWNER))
        assert list(roles) == ["owner"]
    assert review.open_case(services, ref, OWNER).ref == ref
    # Not twice: no longer offered, and a retried click changes nothing.
    assert "inform_owner_serious" not in review.open_case(services, ref, REKTOR).offered
    assert not serious.inform_owner_serious(services, ref, REKTOR).changed
    assert len(owner_notices(services)) == 1
    page = export_case(services, ref, REKTOR, fmt="html").content.decode()
    assert (
        "rektor@nordby.example (rektor) meldte fra til skoleeier (skoleeier@kommune.example" in page
    )
    assert "om en alvorlig sak (opplæringslova § 12-4 andre ledd)" in page


def test_a_leader_melder_fra_on_rektors_behalf_and_the_file_says_so(services: Services) -> None:
    ref = filed(services)
    assert serious.inform_owner_serious(services, ref, LEADER).changed
    page = export_case(services, ref, LEADER, fmt="html", lang="nn").content.decode()
    assert "melde frå til skoleeigar" in page and "på vegner av rektor" in page
    english = export_case(services, ref, LEADER, fmt="html", lang="en").content.decode()
    assert "on behalf of principal" in english


def test_offered_only_where_it_applies(services: Services) -> None:
    # A teacher who reported it may not; a § 12-5 case is skoleeier's already; a closed case.
    ref = filed(services)
    with pytest.raises(Refused):
        serious.inform_owner_serious(services, ref, TEACHER)
    assert trail_of(services, ref, "owner_informed_serious") == []
    employee = filed(services, categories=EMPLOYEE, accused="laerer2@nordby.example")
    assert "inform_owner_serious" not in review.open_case(services, employee, REKTOR).offered
    with pytest.raises(Refused) as err:
        serious.inform_owner_serious(services, employee, REKTOR)
    assert err.value.problem.key == "serious.error.not_needed"
    leadership = filed(services, categories=EMPLOYEE, accused="trinn8@nordby.example")
    with pytest.raises(Refused):
        serious.inform_owner_serious(services, leadership, OWNER)
    review.close(services, ref, LEADER, "Har det bra", why_not_investigated="Samme som før")
    assert "inform_owner_serious" not in review.open_case(services, ref, REKTOR).offered
    with pytest.raises(Refused) as err:
        serious.inform_owner_serious(services, ref, REKTOR)
    assert err.value.problem.key == "refused.closed"
    assert trail_of(services, ref, "owner_informed_serious") == []


def test_the_console_offers_it_and_the_trail_records_it(services: Services) -> None:
    ref = filed(services)
    label = "Alvorlig sak: meld fra til skoleeier"
    first = run(services, [who(services, REKTOR), "4", ref, "", "7"])
    offered = menu_of(first, f"Sak {ref} – ny. Hva vil du gjøre?")
    [line] = [x for x in offered if label in x]
    picked = line.split(")")[0]
    assert picked.isdigit()
    shown = run(services, [who(services, REKTOR), "4", ref, picked, "", "7"])
    assert f"Sak {ref}: skoleeier har fått melding om en alvorlig sak." in shown
    assert ("owner_informed_serious", REKTOR) in events(services, ref)
    again = menu_of(shown, f"Sak {ref} – ny. Hva vil du gjøre?")
    assert not [x for x in again if label in x]


# --- closing without investigation -------------------------------------------------------------


def test_closing_uninvestigated_links_the_same_matter_and_the_file_says_so(
    services: Services,
) -> None:
    first = filed(services)
    ref = filed(services)
    conclusion = "Ola har det trygt og godt"
    wrong = (("MF-9999", "close.error.same_as_unknown"), (ref, "close.error.same_as_self"))
    for typed, key in wrong:
        with pytest.raises(FieldErrors) as err:
            review.close(
                services, ref, LEADER, conclusion, why_not_investigated="Samme", same_as=typed
            )
        assert err.value.errors["same_as"].key == key
    why = "Samme forhold som er meldt og undersøkes i den andre saken"
    review.close(services, ref, LEADER, conclusion, why_not_investigated=why, same_as=first.lower())
    [closed] = trail_of(services, ref, "closed")
    assert json.loads(closed.data)["same_as"] == first
    page = export_case(services, ref, REKTOR, fmt="html").content.decode()
    assert f"Saken ble avsluttet uten undersøkelse. Begrunnelse: {why}" in page
    assert f"Samme forhold er allerede sak {first}." in page
    assert f"{LEADER} (nærmeste leder" in page and "avsluttet saken uten undersøkelse" in page


def test_an_investigated_case_closes_with_its_conclusion_only(services: Services) -> None:
    ref = filed(services)
    review.start_investigation(services, ref, LEADER)
    review.close(services, ref, LEADER, "Har det bra", why_not_investigated="ignored")
    [closed] = trail_of(services, ref, "closed")
    data = json.loads(closed.data)
    assert "without_investigation" not in data and "why_not_investigated" not in data["texts"]
    page = export_case(services, ref, REKTOR, fmt="html").content.decode()
    assert "uten undersøkelse" not in page


def test_the_console_close_form_asks_why_no_investigation(services: Services) -> None:
    ref = filed(services)
    close = 1 + [a.verb for a in actions.ACTIONS.values()].index("close")
    shown = run(
        services,
        [
            who(services, LEADER),
            "4",
            ref,
            str(close),
            "Ola har det bra",
            "",  # no reason why no investigation: refused, asked again
            "",
            "Meldt av to lærere om samme episode",
            "",
            "",
            "7",
        ],
    )
    assert "Saken er ikke undersøkt" in shown
    assert review.status_of(services, ref, LEADER).status == "closed"


def test_slack_offers_the_button_in_the_case_and_the_click_melder_fra(services: Services) -> None:
    import time

    from bot.slack import blocks
    from tests.fakes.signing import block_actions, button
    from tests.slack_harness import PEOPLE, slack_bot
    from tests.test_slack import cases, submit_report
    from tests.test_slack_case_run import Run

    with slack_bot(services) as bot:
        submit_report(bot, pupils="Kari Nordmann", what="Kari ble dyttet i gangen")
        bot.deliver()
        run = Run(bot)
        run.ref = cases(bot)[0].ref
        view = run.opened_case()
        action_id = blocks.action_id("inform_owner_serious")
        assert action_id in json.dumps(view["blocks"])
        bot.interact(
            block_actions(
                button(action_id, run.ref, block_id=f"plan:{run.ref}"),
                user_id=PEOPLE[LEADER],
                view=view,
            )
        )
        deadline = time.monotonic() + 10
        while not trail_of(services, run.ref, "owner_informed_serious"):
            assert time.monotonic() < deadline, "the click did not reach the handler"
            time.sleep(0.05)
        [event] = trail_of(services, run.ref, "owner_informed_serious")
        assert event.actor == LEADER
        assert review.open_case(services, run.ref, OWNER).ref == run.ref
        assert action_id not in json.dumps(run.opened_case()["blocks"])

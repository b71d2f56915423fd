"""People, not strings: pupils picked from the register (or typed, and said so), the § 12-5
person picked or typed, one plan per pupil, the 18+ rules from the birth date, and staff by
name in what people read. On SQLite and PostgreSQL, through the real Slack and Teams edges."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.console import Console
from bot.core import forms
from handlers import directory, plan, review
from handlers.clock import FixedClock
from handlers.directory_sync import apply
from handlers.errors import FieldErrors, Refused
from handlers.export import export_case
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.directory_models import CasePupil
from store.models import Case, Event
from tests.directory_data import snapshot
from tests.fakes.signing import (
    block_suggestion,
    checkboxes,
    multi_external_select,
    plain_text_input,
    view_submission,
)
from tests.planning import LEADER, REKTOR, TEACHER, plan_form
from tests.slack_harness import PEOPLE, SlackBot, slack_bot
from tests.teams_harness import TeamsHarness, teams_bot
from tests.test_case_file import clean, html_text, read_both
from tests.test_teams_defects import Signer, bearer

OTHER_SCHOOL = "Kari Fjell"  # a pupil of Fjellvik, never offered at Nordby


@pytest.fixture
def register(services: Services) -> Services:
    apply(services, snapshot())
    return services


def pupil_id(services: Services, name: str) -> str:
    [hit] = [h for h in directory.search_pupils(services, "nordby", name) if h.name == name]
    return hit.id


def labels(options: list[dict[str, object]]) -> list[str]:
    return [str(o["text"]["text"]) for o in options]  # type: ignore[index]


def report(services: Services, **kw: object) -> str:
    base: dict[str, object] = {"what": "Holdt utenfor i friminuttet"}
    base.update(kw)
    return file_report(services, ReportForm(**base), TEACHER).ref  # type: ignore[arg-type]


# --- the picker in Slack: block_suggestion over HTTP to the real Bolt app -----------------------


@pytest.fixture
def bot(register: Services) -> Iterator[SlackBot]:
    with slack_bot(register) as running:
        yield running


def suggest(bot: SlackBot, typed: str, email: str = TEACHER) -> list[dict[str, object]]:
    answer = bot.interact(
        block_suggestion("search_pupils", typed, user_id=PEOPLE[email], block_id="pupils")
    )
    assert answer.status_code == 200
    return list(answer.json()["options"])


def test_slack_picker_finds_kari_and_8b_and_never_another_schools_pupils(bot: SlackBot) -> None:
    bot.command(TEACHER)
    bot.fake.wait_for("views.open")
    [pupils] = [b for b in bot.last_view()["blocks"] if b.get("block_id") == "pupils"]
    assert pupils["element"]["type"] == "multi_external_select"
    assert pupils["element"]["action_id"] == "search_pupils"

    kari = suggest(bot, "Kari")
    assert labels(kari)[:2] == ["Kari Nordmann · 8B", "Karianne Berg · 9A"]
    assert labels(kari)[-1] == "«Kari» (skriv inn, ikke i registeret)"
    assert kari[-1]["value"] == "t:Kari"
    assert labels(suggest(bot, "8B"))[:2] == ["Jonas Kristoffersen · 8B", "Kari Nordmann · 8B"]
    assert labels(suggest(bot, "kari 8b"))[:1] == ["Kari Nordmann · 8B"]
    for typed in ("kari", "fjell", "8b", "Kari Fjell"):
        assert not any(OTHER_SCHOOL in label for label in labels(suggest(bot, typed)[:-1]))
    # Someone who works at no school gets only what they typed back, never a pupil.
    assert [o["value"] for o in suggest(bot, "Kari", email="skoleeier@kommune.example")] == [
        "t:Kari"
    ]

    # Submitting the picks: one from the register, one typed.
    picked = [kari[0]["value"], "t:Ny Elev"]
    values = {
        "pupils": {"search_pupils": multi_external_select([str(v) for v in picked])},
        "what": {"value": plain_text_input("Holdt utenfor i friminuttet")},
        "categories": {"categories": checkboxes([])},
    }
    payload = view_submission("meldefra_report", values, user_id=PEOPLE[TEACHER])
    assert bot.interact(payload).status_code == 200
    with bot.services.uow() as s:
        rows = list(s.scalars(select(CasePupil).order_by(CasePupil.id)))
        assert [(r.pupil_id is not None, r.typed) for r in rows] == [(True, False), (False, True)]


# --- the picker in Teams: an application/search invoke with a signed token -----------------------


@pytest.fixture
def signed(register: Services) -> Iterator[tuple[TeamsHarness, Signer]]:
    with teams_bot(register, signed=True) as harness:
        signer = Signer(harness.fake)
        signer.publish()
        yield harness, signer


def test_teams_picker_finds_kari_and_8b_and_never_another_schools_pupils(
    signed: tuple[TeamsHarness, Signer],
) -> None:
    teams, signer = signed

    def search(typed: str) -> list[dict[str, str]]:
        activity = teams.activity(
            TEACHER,
            "invoke",
            name="application/search",
            value={"queryText": typed, "dataset": "search_pupils", "kind": "search"},
        )
        answer = teams.post(activity, bearer(signer.token()))
        assert answer.status_code == 200
        return list(answer.json()["value"]["results"])

    kari = search("Kari")
    assert [r["title"] for r in kari[:2]] == ["Kari Nordmann · 8B", "Karianne Berg · 9A"]
    assert kari[-1]["value"] == "t:Kari"
    assert [r["title"] for r in search("8B")[:2]] == [
        "Jonas Kristoffersen · 8B",
        "Kari Nordmann · 8B",
    ]
    for typed in ("kari", "fjell", "8b"):
        assert not any(OTHER_SCHOOL in r["title"] for r in search(typed))
    # Unsigned, nothing is searched.
    activity = teams.activity(
        TEACHER,
        "invoke",
        name="application/search",
        value={"queryText": "Kari", "dataset": "search_pupils", "kind": "search"},
    )
    assert teams.post(activity, bearer(Signer(teams.fake).token())).status_code == 401


@pytest.fixture
def teams(register: Services) -> Iterator[TeamsHarness]:
    with teams_bot(register) as harness:
        yield harness


def test_teams_forward_picker_names_staff_and_finds_them_by_name(teams: TeamsHarness) -> None:
    """Names where people read: the forward picker shows "Line Lærer (laerer1@…)", not the
    bare address, and typing a name finds the person (the value stays the e-mail)."""
    ref = report(teams.services, pupils="Ola")
    form = teams.open_dialog(LEADER, {"dialog": "form", "form": "forward", "ref": ref})
    [picker] = [
        e for e in form["task"]["value"]["card"]["content"]["body"] if e.get("id") == "forward_to"
    ]
    titles = {c["value"]: c["title"] for c in picker["choices"]}
    assert titles[TEACHER] == "Line Lærer (laerer1@nordby.example)"
    assert titles["radgiver@nordby.example"] == "radgiver@nordby.example"  # no name known
    query = {"queryText": "line", "dataset": picker["choices.data"]["dataset"], "kind": "search"}
    found = teams.invoke(LEADER, "application/search", query)["value"]["results"]
    assert [(r["title"], r["value"]) for r in found] == [
        ("Line Lærer (laerer1@nordby.example)", TEACHER)
    ]


# --- typed pupils and pupils from elsewhere ---------------------------------------------------


def test_a_typed_pupil_is_marked_typed_in_the_case_file(register: Services) -> None:
    kari = pupil_id(register, "Kari Nordmann")
    ref = report(register, picked=(f"p:{kari}", "t:Ny Elev"))
    details = review.open_case(register, ref, LEADER)
    assert details.report["pupils"] == "Kari Nordmann, Ny Elev"
    _, page = read_both(register, ref, REKTOR)
    clean(page)
    assert "Kari Nordmann (fra elevregisteret)" in page
    assert "Ny Elev (skrevet inn, ikke fra elevregisteret)" in page


def test_a_pupil_of_another_school_cannot_be_picked_only_typed(register: Services) -> None:
    [fjell] = directory.search_pupils(register, "fjellvik", "Kari Fjell")
    with pytest.raises(FieldErrors) as err:
        report(register, picked=(f"p:{fjell.id}",))
    assert err.value.errors["pupils"].key == "people.error.unknown_pupil"
    ref = report(register, picked=("t:Kari Fjell",))
    with register.uow() as s:
        [row] = s.scalars(select(CasePupil).join(Case).where(Case.ref == ref))
        assert row.typed and row.pupil_id is None


def test_console_offers_numbered_matches(register: Services) -> None:
    people = register.org.people()
    answers = iter(
        [
            str(people.index(TEACHER) + 1),
            "1",  # melde fra
            "kari 8b, Ny Elev",  # one search with a match, one typed
            "1",  # Kari Nordmann · 8B
            "Holdt utenfor",
            "",
            "",
            "",
            "",
            "",
            "n",
            "7",
        ]
    )
    out = io.StringIO()
    Console(register, read=lambda prompt: next(answers), out=out).run()
    assert "1) Kari Nordmann · 8B" in out.getvalue()
    # Staff are named in "Hvem er du?", the e-mail beside the name to tell namesakes apart.
    number = people.index(TEACHER) + 1
    listed = f"  {number}) Line Lærer, laerer1@nordby.example (Nordby skole, 8. trinn)"
    assert listed in out.getvalue()
    assert "Hva vil du gjøre, Line Lærer?" in out.getvalue()
    with register.uow() as s:
        rows = list(s.scalars(select(CasePupil).order_by(CasePupil.id)))
    assert [(r.pupil_id is not None, r.typed) for r in rows] == [(True, False), (False, True)]


# --- § 12-5: anyone who works at the school ---------------------------------------------------


def test_a_vikar_can_be_named_in_a_12_5_report(register: Services) -> None:
    ref = report(
        register, pupils="Ola", categories=("ansatt_krenket_elev",), accused="t:Vidar Vikarsen"
    )
    with register.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None and case.section == "12-5" and not case.leadership_case
    details = review.open_case(register, ref, REKTOR)
    assert details.accused == "Vidar Vikarsen"
    _, page = read_both(register, ref, REKTOR)
    assert "Vidar Vikarsen (skrevet inn av den som meldte fra)" in page
    # Staff known only from the register (not in org.yml) are picked, and kept out.
    ref = report(
        register,
        pupils="Ola",
        categories=("ansatt_krenket_elev",),
        accused="s:vikar@nordby.example",
    )
    assert review.open_case(register, ref, REKTOR).accused == "Vera Vikar"
    with pytest.raises(Refused):
        review.open_case(register, ref, "vikar@nordby.example")
    # A single word that matches nobody is still refused: a leader is never missed by a typo.
    with pytest.raises(FieldErrors) as err:
        report(register, pupils="Ola", categories=("ansatt_krenket_elev",), accused="trinn7")
    assert err.value.errors["accused"].key == "people.error.accused_unknown"


# --- names in what people read --------------------------------------------------------------


def test_the_case_file_names_people_by_name(register: Services) -> None:
    ref = report(register, pupils="Ola", categories=("ansatt_krenket_elev",), accused="laerer2")
    review.acknowledge(register, ref, REKTOR)
    _, page = read_both(register, ref, REKTOR)
    assert "Line Lærer (" in page and "Rita Rektor (" in page
    assert "på vegne av rektor Rita Rektor," in page
    assert "rektor rektor@" not in page
    # The e-mail only in the list of persons, where identification needs it.
    assert "Rita Rektor <rektor@nordby.example> – rektor" in page
    assert page.count("rektor@nordby.example") == 1
    result = review.acknowledge(register, ref, REKTOR)
    assert "@" not in str(result.args.get("who", ""))
    details = review.open_case(register, ref, REKTOR)
    assert details.name(details.reporter) == "Line Lærer"


# --- the 18th birthday inside a case ------------------------------------------------------------


def test_an_18_year_olds_foresatte_step_asks(register: Services, clock: FixedClock) -> None:
    # Karianne Berg turns 18 on 30 November 2026; the case starts on 25 November.
    ref = report(register, picked=(f"p:{pupil_id(register, 'Karianne Berg')}",))
    opened = forms.open_form(register, "foresatte", LEADER, ref=ref)
    assert "pupil_agreed" in opened.hidden  # 17 today: nothing to ask
    review.record_foresatte(register, ref, LEADER, "informed", "Telefon med mor")

    clock.advance(days=6)  # 1 December: 18
    opened = forms.open_form(register, "foresatte", LEADER, ref=ref)
    assert "pupil_agreed" not in opened.hidden
    with pytest.raises(FieldErrors) as err:
        review.record_foresatte(register, ref, LEADER, "informed", "Telefon med far")
    assert err.value.errors["pupil_agreed"].key == "parties.error.pupil_agreed"
    # Informed on a day before the birthday: she was 17 then, nothing to ask.
    review.record_foresatte(register, ref, LEADER, "informed", "Brev", on="27.11")
    review.record_foresatte(register, ref, LEADER, "informed", "Telefon med far", pupil_agreed="no")
    with register.uow() as s:
        recorded = [
            json.loads(e.data)
            for e in s.scalars(select(Event).where(Event.type == "foresatte_recorded"))
        ]
    assert [(d.get("adult"), d.get("pupil_agreed")) for d in recorded] == [
        (False, None),
        (False, None),
        (True, "no"),
    ]
    _, page = read_both(register, ref, REKTOR)
    assert "Eleven (18 år eller eldre) var ikke enig i at foresatte ble informert." in page
    assert "Eleven er 18 år eller eldre" in page
    plan.create_plan(register, ref, LEADER, plan_form(pupils=""))
    made = export_case(register, ref, LEADER, document="plan", fmt="html")
    assert "planen gis til eleven" in html_text(made.content)


# --- one plan per pupil -------------------------------------------------------------------------


def test_a_case_about_two_pupils_gets_one_plan_each(register: Services) -> None:
    kari, jonas = pupil_id(register, "Kari Nordmann"), pupil_id(register, "Jonas Kristoffersen")
    ref = report(register, picked=(f"p:{kari}", f"p:{jonas}"))
    plan.create_plan(register, ref, LEADER, plan_form(pupils="", problem="Kari holdes utenfor"))
    opened = forms.open_form(register, "plan", LEADER, ref=ref)
    assert [c.text("nb") for c in opened.choices["free_pupils"]] == ["Jonas Kristoffersen"]
    plan.create_plan(register, ref, LEADER, plan_form(pupils="", pupil=2, problem="Jonas sier"))
    with pytest.raises(FieldErrors) as err:
        plan.create_plan(register, ref, LEADER, plan_form(pupils="", pupil=2))
    assert err.value.errors["pupil"].key == "plan.error.exists"

    both = plan.plans_of(register, ref, LEADER)
    assert [(p.pupil, p.pupils) for p in both] == [
        (1, ["Kari Nordmann"]),
        (2, ["Jonas Kristoffersen"]),
    ]
    assert [x.no for x in both[0].tiltak] == [1, 2] and [x.no for x in both[1].tiltak] == [3, 4]
    # Which plan, when there are two.
    with pytest.raises(FieldErrors) as err:
        plan.evaluate(register, ref, LEADER, plan.EvaluationForm("virker", "Bra", decision="close"))
    assert err.value.errors["pupil"].key == "plan.error.which_pupil"
    closing = plan.EvaluationForm("virker", "Jeg har det bra nå.", decision="close", pupil=1)
    assert plan.evaluate(register, ref, LEADER, closing).key == "plan.result.plan_closed"
    assert review.status_of(register, ref, LEADER).status == "plan"
    closing = plan.EvaluationForm("virker", "Det er bra.", decision="close", pupil=2)
    assert plan.evaluate(register, ref, LEADER, closing).key == "plan.result.closed"
    assert review.status_of(register, ref, LEADER).status == "closed"

    _, page = read_both(register, ref, REKTOR)
    assert "Kari holdes utenfor" in page and "Jonas sier" in page
    # The family's copy of one pupil's plan: that plan, the other pupil replaced.
    made = export_case(register, ref, LEADER, document="plan", fmt="html", keep_pupil="2")
    shown = html_text(made.content)
    assert "Jonas sier" in shown and "Kari holdes utenfor" not in shown

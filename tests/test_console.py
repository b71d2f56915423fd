"""The local console as a school leader meets it first: driven through its real input and
output (the prompts it reads, the lines it prints), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import text
from bot.console import Console
from bot.core import forms
from handlers import plan, review
from handlers.services import Services
from store.models import Case, Event

from .conftest import SAMPLE_ORG
from .planning import LEADER, RADGIVER, TEACHER, filed, planned

Answer = str | BaseException


class Keyboard:
    """A person at the terminal: each answer is a line typed, or Ctrl-C (KeyboardInterrupt)
    or Ctrl-D (EOFError). After the last answer the input ends, as a closed stdin does."""

    def __init__(self, answers: Iterable[Answer]) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.answers:
            raise EOFError
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def run(services: Services, answers: Iterable[Answer], tmp_path: Path | None = None) -> str:
    out = io.StringIO()
    keyboard = Keyboard(answers)
    kw = {"export_dir": tmp_path} if tmp_path else {}
    Console(services, read=keyboard, out=out, **kw).run()  # type: ignore[arg-type]
    assert not keyboard.answers, f"answers left over: {keyboard.answers}\n{out.getvalue()}"
    return out.getvalue()


def who(services: Services, email: str) -> str:
    return str(services.org.people().index(email) + 1)


def plan_answers(services: Services, ref: str) -> list[str]:
    """The leader opens the case and the plan form, and types its texts up to the tiltak."""
    return [
        who(services, LEADER),
        "4",
        ref,
        "6",  # lag aktivitetsplan
        "Ola holdes utenfor",
        "«Ingen vil være med meg»",
        "",
        "",
        "",
        "",
    ]


def events(services: Services, ref: str) -> list[tuple[str, str]]:
    with services.uow() as session:
        case_id = session.scalar(select(Case.id).where(Case.ref == ref))
        rows = session.execute(
            select(Event.type, Event.actor).where(Event.case_id == case_id).order_by(Event.seq)
        )
        return [(t, a) for t, a in rows]


def menu_of(shown: str, title: str) -> list[str]:
    """The numbered lines of the last menu printed under `title`."""
    block = shown.rsplit(title, 1)[1].splitlines()[1:]
    lines = []
    for line in block:
        if not line.startswith("  ") or ")" not in line:
            break
        lines.append(line.strip())
    return lines


def test_the_case_stays_open_after_each_action_and_is_viewed_once(services: Services) -> None:
    ref = filed(services)
    shown = run(
        services,
        [
            who(services, LEADER),
            "4",
            "1",  # the first case waiting: no typing the case number
            "1",  # bekreft mottatt
            "1",  # start undersøkelse (now first: numbers follow what is offered), still here
            "2",  # notat
            "Snakket med Ola",
            "",  # back to the main menu
            "7",
        ],
    )
    assert f"1) {ref}" in shown  # the waiting cases are offered
    assert f"Sak {ref} er bekreftet mottatt av {LEADER}." in shown
    assert f"Undersøkelse startet i sak {ref} av {LEADER}." in shown
    assert f"Notat lagt til i sak {ref}." in shown
    assert f"Sak {ref} – undersøkes. Hva vil du gjøre?" in shown
    trail = [t for t, a in events(services, ref) if a == LEADER]
    assert trail == ["viewed", "acknowledged", "investigation_started", "noted"]
    # The declared actions for the state, numbered 1, 2, 3 … with no gaps (issue 21 #5).
    last = menu_of(shown, f"Sak {ref} – undersøkes. Hva vil du gjøre?")
    assert "1) Videresend" in last and "4) Lag aktivitetsplan" in last and "6) Eksporter" in last
    numbers = [line.split(")")[0].strip() for line in last]
    assert numbers == [str(n) for n in range(1, len(last) + 1)]


def test_enter_at_who_are_you_explains_how_to_quit(services: Services) -> None:
    shown = run(services, ["", "x", "avslutt"])
    assert shown.count("For å avslutte: skriv «avslutt» eller trykk Ctrl-D.") == 2
    assert shown.rstrip().endswith("Ha det.")
    # Ctrl-D (the end of input) at the same prompt leaves with a goodbye too.
    assert run(services, [EOFError()]).rstrip().endswith("Ha det.")


def test_ctrl_c_in_a_report_asks_and_can_go_on(services: Services) -> None:
    shown = run(
        services,
        [
            who(services, TEACHER),
            "1",
            "A.B.",
            KeyboardInterrupt(),  # at "what happened"
            "1",  # go on where I was
            "Dyttet i gangen",
            "",
            "",
            "",
            "",
            "",
            "n",
            "7",
        ],
    )
    assert "Ingenting er sendt eller lagret ennå." in shown
    assert "Meldingen er lagret som sak MF-0001." in shown


def test_a_report_kept_as_draft_is_offered_next_time(services: Services) -> None:
    shown = run(
        services,
        [
            who(services, TEACHER),
            "1",
            "A.B.",
            "Dyttet i gangen",
            "avbryt",  # at "when"
            "2",  # keep as draft
            "1",  # melde fra again
            "1",  # go on with the draft: asked from "when" on
            "",
            "",
            "",
            "",
            "",
            "n",
            "5",
            "7",
        ],
    )
    assert "Utkastet er beholdt til neste gang" in shown
    assert "Du har et utkast her fra i stad." in shown
    assert "Meldingen er lagret som sak MF-0001." in shown
    assert re.search(r"MF-0001  \d\d\.\d\d\.\d{4}  ny", shown)  # «mine»: with its date
    with services.uow() as session:
        assert session.scalar(select(Case.ref)) == "MF-0001"


def test_discarding_and_losing_the_input_are_said_out_loud(services: Services) -> None:
    discarded = run(services, [who(services, TEACHER), "1", "A.B.", EOFError(), "3", "7"])
    assert "Forkastet. Ingenting er lagret." in discarded
    # Ctrl-D and then the input is gone (a script ends): the console says nothing was sent.
    lost = run(services, [who(services, TEACHER), "1", "A.B.", "Dyttet"])
    assert "det du skrev er IKKE sendt eller lagret" in lost
    assert lost.rstrip().endswith("Ha det.")
    with services.uow() as session:
        assert session.scalar(select(Case.ref)) is None


def test_categories_are_refused_unless_they_are_choices(services: Services) -> None:
    shown = run(
        services,
        [
            who(services, TEACHER),
            "1",
            "A.B.",
            "Dyttet",
            "",
            "",
            "abc, 12",
            "2, 1",
            "",
            "",
            "n",
            "7",
        ],
    )
    assert "«abc, 12» er ikke blant valgene: skriv tall fra 1 til" in shown
    assert shown.count("2) mobbing") >= 2  # the choices are shown again
    with services.uow() as session:
        case = session.scalars(select(Case)).one()
        assert sorted(json.loads(case.categories)) == ["krenkelse", "mobbing"]


def test_forms_can_be_left_and_an_empty_reason_goes_back_to_the_case(services: Services) -> None:
    ref = filed(services)
    shown = run(
        services,
        [
            who(services, LEADER),
            "4",
            ref,
            "5",  # avslutt saken
            "",  # no reason: back to the case, nothing done
            "6",  # lag aktivitetsplan
            "Ola",
            "avbryt",  # leave the plan form
            "3",  # discard
            "",
            "7",
        ],
    )
    assert shown.count(f"Sak {ref} – ny. Hva vil du gjøre?") == 3
    assert "Forkastet. Ingenting er lagret." in shown
    # The opening, and the plan form (it shows the pupils named in the report): two views.
    assert [t for t, a in events(services, ref) if a == LEADER] == ["viewed", "viewed"]
    assert review.status_of(services, ref, LEADER).status == "new"


def test_forwarding_offers_the_people_and_refuses_an_unknown_one(services: Services) -> None:
    ref = filed(services)
    shown = run(
        services,
        [
            who(services, LEADER),
            "4",
            ref,
            "3",
            "ukjent@nordby.example",
            "trinn9@nordby.example",
            "",
            "7",
        ],
    )
    assert "ukjent@nordby.example finnes ikke blant dem du kan velge. Velg fra lista:" in shown
    assert "trinn9@nordby.example (Nordby skole, 9. trinn)" in shown
    assert f"Sak {ref} er videresendt til trinn9@nordby.example av {LEADER}." in shown
    # Offered: the school's staff and skoleeier, not those who hold the case already.
    offered = shown.split("«avbryt» for å gå ut uten å lagre.)")[1].split(
        "finnes ikke"
    )[0]
    assert "skoleeier@kommune.example" in offered and "laerer3@nordby.example" in offered
    assert "rektor@nordby.example" not in offered and LEADER not in offered


def test_an_rteam_member_is_offered_only_what_they_may_do(services: Services) -> None:
    ref = planned(services)
    plan.share_with_rteam(services, ref, LEADER, "anonymous")
    shown = run(services, [who(services, RADGIVER), "4", ref, "", "7"])
    actions = menu_of(shown, f"Sak {ref} – aktivitetsplan. Hva vil du gjøre?")
    assert actions == ["1) Vis aktivitetsplanen"], actions
    assert [t for t, a in events(services, ref) if a == RADGIVER] == ["viewed"]


def test_the_console_receipt_speaks_of_the_console(services: Services) -> None:
    shown = run(
        services,
        [who(services, TEACHER), "1", "A.B.", "Dyttet", "", "", "", "", "", "n", "2", "7"],
    )
    assert "Takk, du har meldt fra. Saksnummer MF-0001." in shown
    assert "Du kan følge status under «Mine meldinger (status)» i menyen" in shown
    assert "/meldefra" not in shown


def test_an_unknown_case_number_is_said_and_asked_again(services: Services) -> None:
    ref = filed(services)
    shown = run(services, [who(services, TEACHER), "4", "MF-9999", "", "7"])
    assert "Fant ingen sak MF-9999." in shown
    assert ref not in shown.split("Fant ingen sak")[0]


def test_evaluation_change_plan_share_and_tiltak_done_through_the_declared_forms(
    services: Services,
) -> None:
    ref = planned(services)
    shown = run(
        services,
        [
            who(services, LEADER),
            "4",
            ref,
            "5",  # evaluer tiltakene
            "i går",  # held the day before it is typed
            "1,2",  # eleven og foresatte deltok
            "helsesykepleier",
            "2",  # virker delvis
            "Det er litt bedre i storefri",
            "",
            "",
            "2",  # endre tiltakene
            "om tre uker",
            "1",  # end tiltak 1
            "Ny samtale med Ola",
            "kontaktlærer",
            "fredag 11. desember",
            "9",  # endre aktivitetsplanen
            "",
            "Ola og Kari er ikke lenger sammen i storefri",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",  # no tiltak to add: the empty first field ends the rows
            "6",  # merk tiltak som gjennomført: only those not done are offered
            "1",
            "7",  # del med R-team
            "2",  # uten navn
            "",
            "",
            "7",
        ],
    )
    assert f"Evalueringen er lagret i sak {ref}." in shown
    assert "Neste evaluering: forstått som onsdag 16. desember" in shown
    assert "Evalueringen ble holdt: forstått som tirsdag 24. november" in shown
    assert f"Aktivitetsplanen i sak {ref} er endret." in shown
    assert "1) Tiltak 2" in shown and f"Tiltak 2 i sak {ref} er gjennomført." in shown
    assert f"Sak {ref} er delt med R-team uten elevnavn." in shown
    current = plan.plan_of(services, ref, LEADER)  # (a view of its own, last on the trail)
    assert [(x.no, x.what, x.active) for x in current.tiltak] == [
        (1, "Voksen til stede i storefri", False),
        (2, "Samtale med Ola og foresatte", True),
        (3, "Ny samtale med Ola", True),
    ]
    assert current.problem == "Ola og Kari er ikke lenger sammen i storefri"
    held = current.evaluations[0]
    assert held.held_on == date(2026, 11, 24) and held.at.date() == date(2026, 11, 25)
    assert held.participants == ["pupil", "foresatte"]
    assert held.participants_other == "helsesykepleier"
    assert [(x.no, x.responsible, x.who) for x in current.tiltak][2] == (3, None, "kontaktlærer")
    # The opening, then the plan read by each plan form as it opens; each action once.
    kinds = [t for t, a in events(services, ref) if a == LEADER]
    assert kinds[5:-1] == [
        "viewed",
        "viewed",
        "evaluated",
        "tiltak_ended",
        "tiltak_added",
        "viewed",
        "plan_changed",
        "viewed",  # the tiltak form reads the plan, as in Slack and Teams
        "tiltak_done",
        "rteam_shared",
    ]


def test_a_new_field_in_a_declaration_is_asked_with_no_console_change(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = filed(services)
    extra = forms.Field("extra", forms.Kind.TEXT, "field.where", max_length=10)
    note = forms.FORMS["note"]
    monkeypatch.setitem(forms.FORMS, "note", replace(note, items=(*note.items, extra)))
    keyboard = Keyboard(
        [
            who(services, LEADER),
            "4",
            ref,
            "4",
            "Snakket med Ola",
            "for lang tekst her",
            "Gangen",
            "",
            "7",
        ]
    )
    out = io.StringIO()
    Console(services, read=keyboard, out=out).run()
    assert "Hvor? (valgfritt, Enter for å hoppe over): " in keyboard.prompts
    assert "For lang tekst: høyst 10 tegn (du skrev 18)." in out.getvalue()
    assert f"Notat lagt til i sak {ref}." in out.getvalue()


def test_nynorsk_speakers_get_nynorsk_and_the_console_receipt(services: Services) -> None:
    teacher = "kontaktlaerar1@fjellvik.example"
    shown = run(
        services,
        [who(services, teacher), "1", "A.B.", "Dytta i gangen", "", "", "", "", "", "n", "2", "7"],
    )
    assert "Meldinga er lagra som sak MF-0001." in shown
    assert "Du kan følgje status under «Mine meldingar (status)» i menyen" in shown
    assert "«avbryt» for å gå ut utan å lagre.)" in shown


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_each_edge_tells_the_reporter_in_its_own_words_how_to_follow_the_status(
    lang: str,
) -> None:
    from bot.slack.blocks import notice_message
    from bot.teams.cards import notice_card

    data = {"ref": "MF-0001", "roles": ["leader", "rektor"]}
    slack = json.dumps(notice_message("receipt", lang, data)[1], ensure_ascii=False)
    teams = json.dumps(notice_card("receipt", lang, data)[1], ensure_ascii=False)
    console = text.render("receipt", lang, data, edge="console")
    assert "/meldefra mine" in slack
    assert "/meldefra" not in teams and "mine" in teams
    assert "/meldefra" not in console
    assert {"nb": "Mine meldinger", "nn": "Mine meldingar", "en": "My reports"}[lang] in console


def test_the_words_people_type_elsewhere_work_at_the_menu(services: Services) -> None:
    shown = run(
        services,
        [
            who(services, TEACHER),
            "hjelp",
            "meld fra Ola ble dyttet i gangen",
            "A.B.",
            "",  # Enter keeps what was typed after «meld fra»
            "",
            "",
            "",
            "",
            "",
            "n",
            "mine",
            "7",
        ],
    )
    assert "«mine» (dine meldinger) eller «saker»" in shown
    assert "Ugyldig valg" not in shown
    assert "Meldingen er lagret som sak MF-0001." in shown
    assert re.search(r"MF-0001  \d\d\.\d\d\.\d{4}  ny", shown)
    with services.uow() as session:
        case = session.scalars(select(Case)).one()
    details = review.open_case(services, case.ref, LEADER)
    assert details.report["what"] == "Ola ble dyttet i gangen"


def test_meldefra_serve_says_a_report_cut_off_by_the_end_of_input_was_not_sent(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "MELDEFRA_ORG": str(SAMPLE_ORG),
    }
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "CLIENT_ID"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        input="\n2\n1\nA.B.\nDyttet i gangen\n",  # Enter at "Hvem er du?", then Ctrl-D
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "For å avslutte: skriv «avslutt» eller trykk Ctrl-D." in result.stdout
    assert "Ingenting er sendt eller lagret ennå." in result.stdout
    assert "det du skrev er IKKE sendt eller lagret" in result.stdout
    assert "Traceback" not in result.stderr


def test_the_plan_form_can_be_left_while_fixing_a_mistake(services: Services) -> None:
    ref = filed(services)
    shown = run(
        services,
        [
            *plan_answers(services, ref),
            "Voksen til stede",
            "",  # who: a tiltak begun needs someone to carry it out
            "avbryt",  # asked again at once: leave instead
            "2",  # keep it as a draft
            "6",  # the plan form again: the draft is offered
            "1",
            "Kontaktlærer",
            "i går",  # a date gone by: refused at once
            "fredag 4. desember",
            "",  # no second tiltak
            "om to uker",
            "",
            "7",
        ],
    )
    assert "Må fylles ut." in shown
    assert "Datoen «i går» har allerede vært." in shown
    assert "Utkastet er beholdt til neste gang" in shown and "Du har et utkast her" in shown
    assert f"Aktivitetsplan laget i sak {ref} med 1 tiltak." in shown
    current = plan.plan_of(services, ref, LEADER)
    assert current.pupils == ["Ola Nordmann"] and current.tiltak[0].what == "Voksen til stede"


def test_a_teachers_menu_offers_no_leaders_items(services: Services) -> None:
    """Issue 21 #5: "Kjør påminnelser nå" and the overview are for those who lead; a teacher's
    menu is 1–7, and typing 8 there is refused like any number not offered."""
    people = services.org.people()
    teacher = run(services, [str(people.index(TEACHER) + 1), "8", "", "7"])
    assert "Kjør påminnelser nå" not in teacher and "  7) Avslutt" in teacher
    assert "Ugyldig valg" in teacher
    leader = run(services, [str(people.index(LEADER) + 1), "7"])
    assert "  8) Kjør påminnelser nå" in leader and "  9) Oversikt over saker" in leader

"""§ 12-6: a leader writes down a matter a pupil or a foresatt raised (who, when, how; the
source kept as the one who raised it, routed from the pupil's school), and the statsforvalter's
steps on a case (melding, vedtak, frist, done), the frist followed by the morning round.
Through the handlers and the console, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot import text
from bot.core import forms
from handlers import followup, matter, review, statsforvalter
from handlers.clock import FixedClock
from handlers.directory_sync import apply
from handlers.errors import FieldErrors, Refused
from handlers.export import export_case
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.models import Case, CaseAccess, Event, Outbox

from .directory_data import snapshot
from .followup_helpers import dms, oslo
from .planning import LEADER, OWNER, REKTOR, TEACHER, close_by_evaluation, planned
from .test_console import events, menu_of, run, who

WHAT = "Mor ringte: Kari blir holdt utenfor i storefri hver dag."


def raised(services: Services, recorder: str = LEADER, **kw: Any) -> str:
    base: dict[str, Any] = {
        "pupils": "Kari Nordmann",
        "what": WHAT,
        "raised_by": "foresatt",
        "raiser": "t:Anne Nordmann",
        "raised_on": "mandag",
        "raised_how": "phone",
    }
    base.update(kw)
    return file_report(services, ReportForm(**base), recorder).ref


def rows(services: Services, model: Any, ref: str) -> list[Any]:
    with services.uow() as s:
        case_id = s.scalar(select(Case.id).where(Case.ref == ref))
        return list(s.scalars(select(model).where(model.case_id == case_id)))


def test_the_source_is_who_raised_it_and_the_leader_wrote_it_down(services: Services) -> None:
    ref = raised(services)
    with services.uow() as s:
        case = s.scalar(select(Case).where(Case.ref == ref))
        assert case is not None
        assert case.reporter == "raised:foresatt" and matter.is_raised(case.reporter)
    [reported] = [e for e in rows(services, Event, ref) if e.type == "reported"]
    assert reported.actor == LEADER  # who wrote it down, on the trail
    data = json.loads(reported.data)["raised"]
    # Wednesday 25 November; "mandag" is the 23rd. The foresatt's name is not in the data.
    assert data == {
        "by": "foresatt",
        "on": "2026-11-23",
        "how": "phone",
        "recorded_by": LEADER,
        "with_rektor": False,
        "guardian_id": None,
        "name_typed": True,
    }
    assert "Anne" not in reported.data
    # Routed from the pupil's school: the leader holds it, rektor always told; no receipt.
    routed = json.loads(next(e for e in rows(services, Event, ref) if e.type == "routed").data)
    assert [(r["email"], r["role"], r["reason"]) for r in routed["recipients"]] == [
        (LEADER, "leader", "route.reason.raised_with_leader"),
        (REKTOR, "rektor", "route.reason.rektor_always"),
    ]
    roles = {(a.email, a.role) for a in rows(services, CaseAccess, ref)}
    assert roles == {(LEADER, "leader"), (REKTOR, "rektor")}
    sent = [(o.kind, o.recipient) for o in rows(services, Outbox, ref)]
    assert sorted(sent) == sorted([("new_case", LEADER), ("new_case", REKTOR)])
    # The leader is reminded as the case's holder (never "the reporter", who is not reminded).
    details = review.open_case(services, ref, LEADER)
    assert details.reporter == "raised:foresatt"
    # Acknowledging tells no "reporter" anything.
    review.acknowledge(services, ref, LEADER)
    assert not [o for o in rows(services, Outbox, ref) if o.kind == "acknowledged"]


def test_the_case_file_says_tatt_opp_med_rektor_and_its_date(services: Services) -> None:
    ref = raised(services)
    page = export_case(services, ref, LEADER, fmt="html").content.decode()
    assert "Tatt opp med rektor" in page
    # A leader wrote it down: rektor got it when it was filed (Wednesday 25 November).
    assert "onsdag 25. november 2026 (rektor fikk saken da den ble skrevet ned)" in page
    assert "foresatt Anne Nordmann" in page
    assert "mandag 23. november 2026, på telefon" in page
    assert "skrevet ned av" in page
    assert "meldte fra" not in page.split("Hendelser")[-1].split("trinn8")[0]
    # Rektor writing it down: the day it was raised is the day it was taken up with rektor.
    own = raised(services, REKTOR, raised_by="pupil", raised_on="i går", raised_how="meeting")
    nn = export_case(services, own, REKTOR, fmt="html", lang="nn").content.decode()
    assert "Teke opp med rektor" in nn and "tysdag 24. november 2026" in nn
    assert (
        "eleven (Kari Nordmann)" in export_case(services, own, REKTOR, fmt="html").content.decode()
    )
    en = export_case(services, own, REKTOR, fmt="html", lang="en").content.decode()
    assert "Raised with the head teacher" in en


def test_only_leaders_record_a_raised_matter_and_mistakes_are_beside_their_fields(
    services: Services,
) -> None:
    with pytest.raises(FieldErrors) as err:
        raised(services, TEACHER)
    assert err.value.errors["raised_by"].key == "matter.error.not_leader"
    with pytest.raises(FieldErrors) as err:
        raised(services, raised_how="", raised_on="i morgen", raised_by="foresatt")
    assert set(err.value.errors) == {"raised_how", "raised_on"}
    # The form shows the fields only to the school's leaders.
    assert "raised_by" in forms.report_opened(services.org, actor=TEACHER).hidden
    assert "raised_by" not in forms.report_opened(services.org, actor=LEADER).hidden
    assert "raised_by" not in forms.report_opened(services.org, actor=REKTOR).hidden


def test_a_foresatt_is_picked_from_the_directory(services: Services) -> None:
    apply(services, snapshot())
    found = forms.search(services, forms.GUARDIANS, LEADER, "Kari", lang="nb")
    picked = [c for c in found if c.label.startswith("Anne Nordmann, foresatt til Kari")]
    assert picked and picked[0].value.startswith("g:")
    kari = forms.search(services, forms.PUPILS, LEADER, "Kari Nordmann", lang="nb")[0]
    ref = raised(services, pupils="", picked=(kari.value,), raiser=picked[0].value)
    [reported] = [e for e in rows(services, Event, ref) if e.type == "reported"]
    assert json.loads(reported.data)["raised"]["guardian_id"] == picked[0].value[2:]
    page = export_case(services, ref, LEADER, fmt="html").content.decode()
    assert "foresatt Anne Nordmann" in page
    with pytest.raises(FieldErrors) as err:
        raised(services, raiser="g:99999")
    assert err.value.errors["raiser"].key == "matter.error.unknown_foresatt"


def test_an_innsyn_copy_for_another_family_does_not_name_the_foresatt_who_raised_it(
    services: Services,
) -> None:
    apply(services, snapshot())
    kari = forms.search(services, forms.PUPILS, LEADER, "Kari Nordmann", lang="nb")[0]
    jonas = forms.search(services, forms.PUPILS, LEADER, "Jonas", lang="nb")[0]
    anne = next(
        c
        for c in forms.search(services, forms.GUARDIANS, LEADER, "Kari", lang="nb")
        if c.label.startswith("Anne")
    )
    ref = raised(services, pupils="", picked=(kari.value, jonas.value), raiser=anne.value)
    copy = export_case(
        services, ref, LEADER, document="innsyn", fmt="html", keep_pupil="Jonas Kristoffersen"
    )
    page = copy.content.decode()
    assert "Tatt opp med rektor" in page
    assert "Anne Nordmann" not in page and "Kari Nordmann" not in page


def test_a_raised_12_5_matter_goes_to_rektor_straks(services: Services) -> None:
    ref = raised(services, categories=("ansatt_krenket_elev",), accused="laerer2@nordby.example")
    routed = json.loads(next(e for e in rows(services, Event, ref) if e.type == "routed").data)
    assert [r["email"] for r in routed["recipients"]] == [REKTOR]
    leadership = raised(
        services, REKTOR, categories=("ansatt_krenket_elev",), accused=LEADER, raised_by="pupil"
    )
    routed = json.loads(
        next(e for e in rows(services, Event, leadership) if e.type == "routed").data
    )
    assert [r["email"] for r in routed["recipients"]] == [OWNER]
    with pytest.raises(Refused):
        review.open_case(services, leadership, REKTOR)


# --- the statsforvalter ------------------------------------------------------------------------


def test_each_step_is_its_own_event_and_the_case_file_shows_them(services: Services) -> None:
    ref = raised(services)
    sf = statsforvalter.record_step
    assert sf(services, ref, LEADER, "received", on="i går").key == "sf.result.received"
    with pytest.raises(FieldErrors) as err:
        sf(services, ref, LEADER, "vedtak")
    assert err.value.errors["outcome"].key == "sf.error.outcome"
    sf(services, ref, REKTOR, "vedtak", outcome="Skolen har ikke oppfylt aktivitetsplikten.")
    done = sf(services, ref, REKTOR, "frist", frist="fredag 4. desember")
    assert done.understood["frist"].at.date().isoformat() == "2026-12-04"
    types = [(t, a) for t, a in events(services, ref) if t.startswith("statsforvalter_")]
    assert types == [
        ("statsforvalter_received", LEADER),
        ("statsforvalter_vedtak", REKTOR),
        ("statsforvalter_frist", REKTOR),
    ]
    page = export_case(services, ref, LEADER, fmt="html").content.decode()
    assert "Statsforvalteren fikk melding om saken" in page and "tirsdag 24. november 2026" in page
    assert "Skolen har ikke oppfylt aktivitetsplikten." in page
    assert "Fristen fredag 4. desember 2026 er ikke registrert som oppfylt." in page
    sf(services, ref, LEADER, "done")
    page = export_case(services, ref, LEADER, fmt="html").content.decode()
    assert "ikke registrert som oppfylt" not in page and "Fristen oppfylt" in page
    # A teacher who is not on the case may not record anything.
    with pytest.raises(Refused):
        sf(services, ref, TEACHER, "received")


def test_the_frist_is_reminded_before_and_at_it_until_done_even_when_closed(
    services: Services, clock: FixedClock
) -> None:
    ref = raised(services)
    review.acknowledge(services, ref, LEADER)
    review.start_investigation(services, ref, LEADER)
    review.close(services, ref, LEADER, "Kari har det bra nå, sier hun.")
    statsforvalter.record_step(services, ref, LEADER, "frist", frist="torsdag 10. desember")

    def morning(day: int) -> dict[str, list[tuple[str, str]]]:
        clock.set(oslo(2026, 12, day))
        followup.run_reminders(services, ["nordby"])
        return dms(services, f"2026-12-{day:02d}")

    assert morning(4) == {}  # Friday: four school days ahead
    assert morning(7) == {LEADER: [(ref, "frist")]}  # Monday: three school days ahead
    [dm] = _reminders(services)
    said = "\n".join(text.lines("reminder", "nb", json.loads(dm.data), edge="slack"))
    assert "statsforvalterens frist for skolen er torsdag" in said
    assert morning(10) == {LEADER: [(ref, "frist")]}  # the frist
    assert morning(11) == {LEADER: [(ref, "frist")]}  # past it, not done
    clock.set(oslo(2026, 12, 11, 12))
    statsforvalter.record_step(services, ref, REKTOR, "done")
    assert morning(14) == {}


def test_a_plans_last_evaluation_closing_the_case_leaves_the_frist_running(
    services: Services, clock: FixedClock
) -> None:
    ref = planned(services)
    statsforvalter.record_step(services, ref, LEADER, "frist", frist="fredag 4. desember")
    close_by_evaluation(services, ref)
    assert review.open_case(services, ref, LEADER).status == "closed"
    clock.set(oslo(2026, 12, 4))
    followup.run_reminders(services, ["nordby"])
    assert dms(services, "2026-12-04") == {LEADER: [(ref, "frist")]}


def _reminders(services: Services) -> list[Outbox]:
    with services.uow() as s:
        return list(s.scalars(select(Outbox).where(Outbox.kind == "reminder")))


def test_the_console_records_a_raised_matter_and_a_statsforvalter_step(
    services: Services,
) -> None:
    # Menu 1: melde fra. The leader sees the § 12-6 fields first.
    answers = [who(services, LEADER), "1", "2", "Anne Nordmann", "mandag", "2", "Kari N.", WHAT]
    answers += ["", "", "", "", "", "n", "7"]
    shown = run(services, answers)
    assert "Tatt opp av en elev eller foresatte?" in shown
    # The day understood, in words; no receipt follows (the source gets nothing from the bot).
    assert (
        "lagret som MF-0001: tatt opp av en foresatt mandag 23. november 2026, på telefon" in shown
    )
    ref = "MF-0001"
    assert ("reported", LEADER) in events(services, ref)
    assert review.open_case(services, ref, LEADER).reporter == "raised:foresatt"
    first = run(services, [who(services, LEADER), "4", ref, "", "7"])
    said = "Tatt opp av: foresatt Anne Nordmann, mandag 23. november 2026, på telefon; skrevet ned"
    assert said in first
    assert "raised:" not in first
    offered = menu_of(first, f"Sak {ref} – ny. Hva vil du gjøre?")
    [line] = [x for x in offered if "Statsforvalteren (§ 12-6)" in x]
    picked = line.split(")")[0]
    steps = ["2", "i går", "Skolen må lage en ny plan."]  # vedtak, its day, the outcome
    shown = run(services, [who(services, LEADER), "4", ref, picked, *steps, "", "7"])
    assert f"Sak {ref}: vedtaket fra statsforvalteren er registrert." in shown
    assert ("statsforvalter_vedtak", LEADER) in events(services, ref)


def test_the_12_6_words_say_no_more_than_udir() -> None:
    """Udir: the pupil or the foresatte may go to the statsforvalter after the matter has been
    taken up with rektor. No deadline of days or weeks is stated as law, and nothing is asked
    of them: the school records, it does not decide whether they may."""
    from handlers.i18n import matter as words

    for lang, texts in words.MESSAGES.items():
        hint = texts["matter.field.raised_by.hint"]
        assert (
            "§ 12-6" in hint
            and "rektor" in texts["doc.matter.with_rektor"].lower()
            or (lang == "en" and "head teacher" in texts["doc.matter.with_rektor"])
        )
        for key, value in texts.items():
            wrong = re.search(r"\b(uke|veke|week|virkedag\w*|samtykk\w*|consent|må først)", value)
            assert wrong is None, (lang, key, wrong)
    assert words.MESSAGES["nb"]["doc.matter.with_rektor"] == "Tatt opp med rektor"
    assert words.MESSAGES["nn"]["doc.matter.with_rektor"] == "Teke opp med rektor"
    assert words.MESSAGES["en"]["doc.matter.with_rektor"] == "Raised with the head teacher"

"""The case file as a document, read back from the PDF (pypdf) and the HTML, for scripted
cases on both databases: § 12-4, § 12-5 (a teacher), § 12-5 (the leadership), a plan with two
evaluations, an archived case. Each has the timeline in words, the times as understood, the
employee for those who may read it, and none of: catalog keys, placeholders, JSON, UTC
timestamps, internal field names."""

from __future__ import annotations

import html
import io
import re

import pytest
from pypdf import PdfReader

from handlers import delivery, plan, review
from handlers.clock import FixedClock
from handlers.errors import FieldErrors, Refused
from handlers.export import export_case
from handlers.i18n import catalogs
from handlers.records import archive
from handlers.report import ReportForm, file_report
from handlers.review import InvestigationNote
from handlers.services import Services

from .planning import (
    LEADER,
    OWNER,
    REKTOR,
    TEACHER,
    close_by_evaluation,
    evaluated,
    planned,
)

# Names from the trail's data and the handlers' dataclasses that must never reach a reader.
INTERNAL_NAMES = (
    "leadership_case",
    "prompt_owner",
    "outbox_id",
    "when_at",
    "when_has_time",
    "recipients",
    "request_key",
    "on_behalf_of",
    "no_grounds",
    "without_investigation",
    "why_not_investigated",
    "age_band",
    "investigation_noted",
    "owner_informed",
    "foresatte_recorded",
    "platform",
    "route.reason",
    "ansatt_krenket_elev",
    "case-file",
    "new_case",
)
UTC_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\+00:00|\bUTC\b")
JSON_BITS = re.compile(r"\{\"|\":|\[\{|\": |\btrue\b|\bfalse\b|\bnull\b")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
KEYS = sorted({key for table in catalogs().values() for key in table}, key=len, reverse=True)


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def html_text(content: bytes) -> str:
    body = content.decode()
    body = re.sub(r"<style>.*?</style>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def read_both(services: Services, ref: str, actor: str, **kw: object) -> tuple[str, str]:
    pdf = export_case(services, ref, actor, fmt="pdf", **kw)  # type: ignore[arg-type]
    page = export_case(services, ref, actor, fmt="html", **kw)  # type: ignore[arg-type]
    return " ".join(pdf_text(pdf.content).split()), " ".join(html_text(page.content).split())


def clean(text: str) -> None:
    """Nothing of the machinery shows."""
    for key in KEYS:
        assert key not in text, f"catalog key {key!r} in the document"
    assert not PLACEHOLDER.search(text), PLACEHOLDER.search(text)
    assert not UTC_STAMP.search(text), UTC_STAMP.search(text)
    assert not JSON_BITS.search(text), JSON_BITS.search(text)
    for name in INTERNAL_NAMES:
        assert name not in text, f"internal name {name!r} in the document"


def deliver_all(services: Services, *, fail: str | None = None) -> None:
    for item in delivery.claim(services, limit=100):
        if item.recipient == fail:
            delivery.failed(services, item, error="user_not_found")
        else:
            delivery.sent(services, item, platform="slack", ref="1")


def test_a_12_4_case_reads_as_a_case_file(services: Services, clock: FixedClock) -> None:
    ref = file_report(
        services,
        ReportForm(
            pupils="Ola Nordmann",
            what="Ola ble holdt utenfor av Kari",
            when="i går kl 14",
            where="garderoben",
        ),
        TEACHER,
    ).ref
    deliver_all(services)
    clock.advance(hours=1)
    review.acknowledge(services, ref, LEADER)
    review.note_investigation(
        services,
        ref,
        LEADER,
        InvestigationNote(heard="Ola og kontaktlærer", observed="Ola sitter alene i friminuttene"),
    )
    review.record_foresatte(services, ref, LEADER, "informed", "Telefon med mor", "i dag")
    review.set_age_band(services, ref, LEADER, "under_18")
    review.open_case(services, ref, REKTOR)
    with pytest.raises(Refused):
        review.open_case(services, ref, "laerer3@nordby.example")
    review.close(services, ref, LEADER, "Ola sier han har det bra nå, og vi ser det samme.")
    pdf, page = read_both(services, ref, REKTOR)
    for text in (pdf, page):
        clean(text)
        for expected in (
            "Unntatt offentlighet, offl. § 13 jf. fvl. § 13",
            # The report's time as typed and as understood, in the school's zone.
            "i går kl 14 (forstått som tirsdag 24. november 2026 kl. 14.00)",
            # The timeline in words: who (name and role) did what, local time.
            "25.11.2026 kl. 10.30 laerer1@nordby.example (den som meldte fra) meldte fra",
            "trinn8@nordby.example (nærmeste leder, 8. trinn) bekreftet mottatt",
            "trinn8@nordby.example (nærmeste leder, 8. trinn) startet undersøkelsen",
            # The route with its reasons in words.
            "nærmeste leder for 8. trinn",
            "rektor skal alltid informeres",
            # The investigation, the parties, the conclusion.
            "Hvem er hørt Ola og kontaktlærer",
            "Ola sitter alene i friminuttene",
            "Foresatte informert onsdag 25. november 2026 Telefon med mor",
            "eleven og foresatte skal informeres og høres",
            "Konklusjon, med utgangspunkt i elevens opplevelse Ola sier han har det bra nå",
            # Deliveries summarised, views as the innsynslogg.
            "Melding om ny sak – til rektor@nordby.example (rektor) – levert 25.11.2026 kl. 10.30",
            "rektor@nordby.example (rektor): åpnet saken",
            "laerer3@nordby.example: forsøkte uten tilgang (avvist)",
            "Hendelseskjeden er kontrollert og hel",
        ):
            assert expected in text, expected
    assert "HASTER" not in pdf and "§ 12-5" not in pdf


def test_a_12_5_teacher_case_names_the_employee_and_shows_skoleeier_informed(
    services: Services, clock: FixedClock
) -> None:
    ref = file_report(
        services,
        ReportForm(
            pupils="Ola Nordmann",
            what="Læreren tok hardt tak i Ola",
            categories=("ansatt_krenket_elev",),
            accused="laerer2",  # resolved to the one staff member with that name
        ),
        TEACHER,
    ).ref
    deliver_all(services)
    for reader in (REKTOR, OWNER):
        pdf, page = read_both(services, ref, reader)
        for text in (pdf, page):
            clean(text)
            assert "Ansatt meldingen gjelder (§ 12-5) laerer2@nordby.example" in text
            assert "mistanke om at en som arbeider på skolen, har krenket en elev" in text
            assert (
                "Meldefra meldte fra til skoleeier (skoleeier@kommune.example (skoleeier)) på "
                "vegne av rektor rektor@nordby.example, straks saken kom inn"
            ) in text
    # The employee never sees it.
    with pytest.raises(Refused):
        export_case(services, ref, "laerer2@nordby.example")


def test_a_12_5_leadership_case_is_for_skoleeier_only(
    services: Services, clock: FixedClock
) -> None:
    ref = file_report(
        services,
        ReportForm(
            pupils="Ola Nordmann",
            what="Avdelingslederen kjeftet på Ola foran klassen",
            categories=("ansatt_krenket_elev",),
            accused=LEADER,
        ),
        TEACHER,
    ).ref
    deliver_all(services)
    review.acknowledge(services, ref, OWNER)
    pdf, page = read_both(services, ref, OWNER)
    for text in (pdf, page):
        clean(text)
        assert "Ansatt meldingen gjelder (§ 12-5) trinn8@nordby.example" in text
        assert "direkte til skoleeier" in text
        assert "skoleeier@kommune.example (skoleeier) bekreftet mottatt" in text
    for leader in (REKTOR, LEADER):
        with pytest.raises(Refused):
            export_case(services, ref, leader)


def test_a_case_with_a_plan_and_two_evaluations(services: Services, clock: FixedClock) -> None:
    ref = planned(services)
    clock.advance(days=1)
    plan.change_plan(services, ref, LEADER, plan.PlanChange(problem="Ola blir holdt utenfor."))
    clock.advance(days=13)  # onsdag 9. desember
    evaluated(
        services,
        ref,
        pupil_says="Litt bedre.",
        next_evaluation="fredag 18. desember",
        held_on="i går",  # typed the day after it was held
        participants=["pupil", "foresatte"],
        participants_other="helsesykepleier",
    )
    clock.advance(days=9)
    close_by_evaluation(services, ref)
    pdf, page = read_both(services, ref, REKTOR)
    nn_pdf, nn_page = read_both(services, ref, REKTOR, lang="nn")
    en_pdf, en_page = read_both(services, ref, REKTOR, lang="en")
    for text in (pdf, page, nn_pdf, nn_page, en_pdf, en_page):
        clean(text)
    for text in (pdf, page):
        assert text.count("evaluerte tiltakene") == 2
        # Dated by the day it was held, with the day it was typed and who took part.
        assert "Evaluering tirsdag 8. desember 2026" in text
        assert "Registrert onsdag 9. desember 2026 av" in text
        assert "Eleven, Foresatte, helsesykepleier" in text
        assert "Neste evaluering fredag 18. desember 2026" in text
        assert "Evaluering fredag 18. desember 2026" in text
        # Every version of the plan with its planned evaluation, after the case closed too.
        assert "Versjon 1: laget onsdag 25. november 2026" in text
        assert "Versjon 2: endret torsdag 26. november 2026" in text
        assert "Endret: problemet." in text
        assert text.count("Planlagt evaluering onsdag 9. desember 2026") == 2
        assert "Jeg har det bra nå." in text
        assert "Avsluttet ved evaluering" in text
        assert "la til tiltak 2" in text
    assert "evaluerte tiltaka" in nn_pdf and "Meldt av" not in nn_pdf
    assert "Halden tysdag 8. desember 2026" in nn_page
    for lang in ("nb", "nn", "en"):
        made = export_case(services, ref, LEADER, document="plan", lang=lang)
        clean(" ".join(pdf_text(made.content).split()))
    assert "evaluated the measures" in en_page
    assert "Took part The pupil, Parents (foresatte), helsesykepleier" in en_page


def test_a_plan_ended_without_a_final_evaluation_says_why(services: Services) -> None:
    ref = planned(services)
    review.close(
        services, ref, LEADER, "Saken avsluttes.", plan_end_reason="Ola har flyttet til Bergen."
    )
    pdf, page = read_both(services, ref, REKTOR)
    for text in (pdf, page):
        clean(text)
        assert "Planen ble avsluttet onsdag 25. november 2026 uten sluttevaluering" in text
        assert "Begrunnelse Ola har flyttet til Bergen." in text
        assert "avsluttet aktivitetsplanen uten sluttevaluering" in text  # the timeline
        assert "Planlagt evaluering onsdag 9. desember 2026" in text
        # A tiltak owner kept as words is marked: nobody gets its reminders.
        assert "kontaktlærer (skrevet inn som tekst" in text
    family = pdf_text(export_case(services, ref, LEADER, document="plan").content)
    assert "kontaktlærer" in family and "skrevet inn som tekst" not in family  # the school's


def test_an_archived_case_still_reads(services: Services, clock: FixedClock) -> None:
    ref = planned(services)
    clock.advance(days=14)
    close_by_evaluation(services, ref)
    export_case(services, ref, REKTOR)
    archive(services, ref, REKTOR)
    pdf, page = read_both(services, ref, REKTOR)
    for text in (pdf, page):
        clean(text)
        assert "[fjernet fra Meldefra ved arkivering]" in text
        assert "ja, saken er sperret i Meldefra" in text
        assert "arkiverte saken" in text
        assert "Ola" not in text


def test_the_innsyn_copy_keeps_the_requester_and_lists_the_redaction(
    services: Services, clock: FixedClock
) -> None:
    ref = planned(services)
    pdf, page = read_both(services, ref, REKTOR, document="innsyn", keep_pupil="Ola Nordmann")
    for text in (pdf, page):
        clean(text)
        assert "Innsyn i saksdokumentasjon" in text
        assert "Ola Nordmann" in text and "Kari" not in text and "Hansen" not in text
        assert "Navn på andre elever og deres foresatte er erstattet: elev 2." in text
        assert "Andre opplysninger om dem kan stå igjen" in text
        assert "offentleglova § 3" in text and "offentleglova § 13" in text
        assert "§ 19" not in text
    other = export_case(services, ref, REKTOR, document="innsyn", keep_pupil="2", fmt="html")
    assert "Ola" not in other.content.decode() and "Kari Hansen" in other.content.decode()
    with pytest.raises(FieldErrors):
        export_case(services, ref, REKTOR, document="innsyn", keep_pupil="Per")
    with pytest.raises(Refused):
        export_case(services, ref, TEACHER, document="innsyn")


def test_an_over_18_pupil_is_the_party_in_the_plan(services: Services) -> None:
    ref = planned(services)
    review.set_age_band(services, ref, LEADER, "over_18")
    text = pdf_text(export_case(services, ref, LEADER, document="plan").content)
    assert "planen gis til eleven" in text
    assert "sammen med eleven onsdag 9. desember 2026" in " ".join(text.split())
    assert "med mindre det er særlige grunner" in " ".join(text.split())

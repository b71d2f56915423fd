"""Exports read back: the PDF's text with pypdf, the HTML and JSON as text, on both databases."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from handlers import plan
from handlers.clock import FixedClock
from handlers.errors import FieldErrors, Refused
from handlers.export import export_case
from handlers.plan import EvaluationForm
from handlers.render import font_files
from handlers.services import Services

from .planning import LEADER, REKTOR, TEACHER, planned


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def evaluated(services: Services, clock: FixedClock) -> str:
    ref = planned(services)
    clock.advance(days=14)
    plan.evaluate(
        services,
        ref,
        LEADER,
        EvaluationForm(
            effect="delvis",
            pupil_says="Kari er snillere nå, men jeg er fortsatt alene i garderoben.",
            foresatte_says="Mor er fornøyd med samarbeidet.",
            decision="continue",
            next_evaluation="fredag 18. desember",  # "om to uker" is in the Christmas break
        ),
    )
    return ref


def test_the_plan_for_foresatte_reads_as_a_norwegian_plan(
    services: Services, clock: FixedClock
) -> None:
    assert all(Path(f).is_file() for f in font_files())  # shipped with the package
    ref = evaluated(services, clock)
    file = export_case(services, ref, LEADER, document="plan")
    assert file.name == f"aktivitetsplan-{ref}.pdf" and file.mime == "application/pdf"
    assert file.sha256 == hashlib.sha256(file.content).hexdigest()
    text = pdf_text(file.content)
    for expected in (
        "Aktivitetsplan",
        "Opplæringslova § 12-4 · Nordby skole",
        "Problemet tiltakene skal løse",
        "Ola blir holdt utenfor i friminuttene",
        "Elevens stemme",
        "Ola sier: «Jeg gruer meg til storefri.»",
        "Slik er foresatte hørt",
        "Tiltak 2",
        "Samtale med Ola og foresatte",
        "Hvem gjennomfører tiltaket",
        "fredag 4. desember (fredag 4. desember 2026)",
        "Evaluering onsdag 9. desember 2026",
        "Tiltakene virker delvis",
        "Det eleven sier",
        "Kari er snillere nå, men jeg er fortsatt alene i garderoben.",
        "Tiltakene skal evalueres sammen med eleven og foresatte fredag 18. desember 2026.",
        "statsforvalteren",
    ):
        assert expected in text, expected
    # Nynorsk for a nynorsk school, or on request.
    nn = pdf_text(export_case(services, ref, LEADER, document="plan", lang="nn").content)
    for expected in ("Problemet tiltaka skal løyse", "Eleven si stemme", "Tiltaka verkar delvis"):
        assert expected in nn, expected
    assert "Tiltakene" not in nn


def test_the_copy_for_one_family_hides_the_other_pupils(
    services: Services, clock: FixedClock
) -> None:
    ref = evaluated(services, clock)
    file = export_case(services, ref, LEADER, document="plan", keep_pupil="Ola Nordmann")
    text = pdf_text(file.content)
    assert "Kari" not in text and "Hansen" not in text
    assert "elev 2" in text and "Ola Nordmann" in text and "Ola sier" in text
    assert "elev 2 er snillere nå" in text
    assert file.metadata["anonymized"] is True
    # By number, for the other family: now Ola is the one hidden.
    other = pdf_text(export_case(services, ref, LEADER, document="plan", keep_pupil="2").content)
    assert "Ola" not in other and "Nordmann" not in other and "Kari Hansen" in other
    with pytest.raises(FieldErrors) as err:
        export_case(services, ref, LEADER, document="plan", keep_pupil="Per")
    assert err.value.errors["anonymize_others"].key == "export.error.unknown_pupil"
    with pytest.raises(FieldErrors):
        export_case(services, ref, LEADER, document="case-file", keep_pupil="1")


def test_the_case_file_has_every_event_and_the_chain_check(
    services: Services, clock: FixedClock
) -> None:
    ref = evaluated(services, clock)
    file = export_case(services, ref, REKTOR, document="case-file")
    text = pdf_text(file.content)
    assert "Saksdokumentasjon" in text and "Meldingen" in text
    assert "Ola ble holdt utenfor av Kari" in text  # the report itself
    # The timeline in words, in order.
    steps = ["meldte fra", "bekreftet mottatt", "laget aktivitetsplan", "evaluerte tiltakene"]
    at = [text.index(step) for step in steps]
    assert at == sorted(at)
    assert "25.11.2026 kl. 10.30" in text  # the school's zone, not UTC
    assert "Hendelseskjeden er kontrollert og hel" in text
    assert file.metadata["chain_ok"] is True and file.metadata["head_hash"] in text.replace(
        "\n", ""
    )
    html = export_case(services, ref, REKTOR, document="case-file", fmt="html")
    assert html.name.endswith(".html") and '<html lang="nb">' in html.content.decode()
    assert "Kari er snillere nå" in html.content.decode()
    data = json.loads(export_case(services, ref, REKTOR, fmt="json").content)
    assert data["metadata"]["ref"] == ref and data["metadata"]["chain_ok"] is True
    assert data["plan"]["tiltak"][1]["due"] == "2026-12-04"
    assert [e["seq"] for e in data["events"]] == list(range(1, len(data["events"]) + 1))
    meta = json.loads(file.metadata_json())
    assert meta["sha256"] == file.sha256 and meta["file"] == file.name


def test_only_leaders_export_and_every_export_is_on_the_trail(
    services: Services, clock: FixedClock
) -> None:
    ref = evaluated(services, clock)
    with pytest.raises(Refused):
        export_case(services, ref, TEACHER)
    file = export_case(services, ref, LEADER, document="plan", fmt="html")
    from .test_plan import types

    assert types(services, ref)[-3:] == ["refused", "viewed", "exported"]
    with pytest.raises(FieldErrors):
        export_case(services, ref, LEADER, fmt="docx")
    assert file.metadata["generated_by"] == LEADER

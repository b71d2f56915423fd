"""Copies for one party made from the store, with the school's register from the directory,
on SQLite and PostgreSQL: the innsyn copy, the family's plan and the R-team's view of a case
shared without names leave no trace of any other pupil of the school or their foresatte, in
every form the issue found getting through (names in notes, plans and shares; initials;
decomposed Unicode; "Aase"; "Ola N." … "Nordmann")."""

from __future__ import annotations

import io
import json
import re
import unicodedata

from pypdf import PdfReader

from handlers import plan, review
from handlers.directory_sync import GuardianRecord, SchoolRecord, Snapshot, apply
from handlers.export import export_case
from handlers.redact import COMMON_WORDS, GUARDIAN, PUPIL, fold
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.crypto import Keyring
from store.db import session_factory

from .directory_data import pupil
from .planning import LEADER, RADGIVER, REKTOR, TEACHER

G = GuardianRecord
REGISTER = [
    pupil("s1", "Ola Nordmann", guardians=(G("g1", "Kari Nordmann", "parent"),)),
    pupil(
        "s2",
        "Jonas Knutsen",
        guardians=(G("g2", "Per Knutsen", "parent"), G("g3", "Liv Knutsen", "parent")),
    ),
    pupil("s3", "Emma Larsen", guardians=(G("g4", "Hege Larsen", "parent"),)),
    pupil("s4", "Jonas Berg"),
    pupil("s5", "Emma Kvam"),
    pupil("s6", "Tobias Strand"),
    pupil("s7", "Åse Dahl", guardians=(G("g5", "Bjørn Dahl", "parent"),)),
    pupil("s8", "Kristoffer Fjell", school="org-fjellvik"),  # another school's pupil
]
OTHERS = ["Jonas Knutsen", "Per Knutsen", "Emma Larsen", "Hege Larsen", "Jonas Berg",
          "Emma Kvam", "Tobias Strand", "Åse Dahl", "Bjørn Dahl"]  # fmt: skip
OLAS = ["Ola Nordmann", "Kari Nordmann"]
NFD_AASE = unicodedata.normalize("NFD", "Åse")


def sync(services: Services, *, left: tuple[str, ...] = ()) -> None:
    schools = [
        SchoolRecord("nordby", "Nordby skole"),
        SchoolRecord("org-fjellvik", "Fjellvik skule", identifier="fjellvik"),
    ]
    pupils = [p for p in REGISTER if p.source_id not in left]
    apply(services, Snapshot(source="oneroster", schools=schools, staff=[], pupils=pupils))


def the_case(services: Services) -> str:
    """A case as the issue found it: names everywhere, in every form."""
    assert "A\u030a" in NFD_AASE
    ref = file_report(
        services,
        ReportForm(
            pupils="Ola N. (8B)",
            what=f"Jonas K. og Emma L. ble nevnt i friminuttet. Jonas og Emma får oppfølging. "
            f"{NFD_AASE} så det, og Aase sa at Ola Nordmann gråt.",
        ),
        TEACHER,
    ).ref
    plan.create_plan(
        services,
        ref,
        LEADER,
        plan.PlanForm(
            problem="Ola blir holdt utenfor av Jonas' venner.",
            pupils="Ola N.",
            tiltak=[
                plan.TiltakForm(
                    "Samtale med Emma om oppfølging av BUP-samarbeid", "rådgiver", "fredag"
                ),
                plan.TiltakForm(
                    "Voksen til stede når Nordmann går hjem", "kontaktlærer", "hver dag"
                ),
            ],
            evaluate_when="om to uker",
            pupil_voice="Ola sier: «Emmas mor Hege Larsen var sint.»",
            pupil_heard="Samtale med Ola",
            foresatte_heard="Telefon med Kari Nordmann",
        ),
    )
    review.add_note(services, ref, LEADER, "Tobias har vært innlagt på BUP. Per Knutsen ringte.")
    return ref


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def no_trace(text: str, names: list[str]) -> None:
    """No word of any of `names` in `text`, in any spelling the engine knows (a name that is
    also an everyday word only when capitalised)."""
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", text))
    folded = {fold(w) for w in words}
    capitalised = {fold(w) for w in words if w[0].isupper()}
    for name in names:
        for part in name.split():
            key = fold(part)
            found = capitalised if key in COMMON_WORDS else folded
            assert key not in found and key + "s" not in found, (part, name)


def test_the_innsyn_copy_leaves_no_trace_of_the_others(services: Services) -> None:
    sync(services, left=())
    ref = the_case(services)
    sync(services, left=("s6",))  # Tobias leaves the school: still a name to withhold
    made = export_case(
        services, ref, REKTOR, document="innsyn", keep_pupil="Ola N. (8B)", fmt="html"
    )
    page = made.content.decode()
    no_trace(page, OTHERS)
    assert "Ola Nordmann" in page and "Kari Nordmann" in page  # the family's own stay
    assert "oppfølging av BUP-samarbeid" in page  # what the text says stays, and it says so
    assert "Andre opplysninger om dem kan stå igjen" in page
    assert made.review is not None
    found = {r.name: (r.kind, r.label) for r in made.review.replaced}
    assert found["Jonas Knutsen"] == (PUPIL, "elev 2")
    assert found["Emma Larsen"] == (PUPIL, "elev 3")
    assert found["Hege Larsen"] == (GUARDIAN, "foresatt til elev 3")
    assert found["Tobias Strand"][0] == PUPIL and found["Åse Dahl"][0] == PUPIL
    assert found["Per Knutsen"] == (GUARDIAN, "foresatt til elev 2")
    assert {"Jonas K.", "Jonas", "Jonas'"} <= set(
        next(r.found for r in made.review.replaced if r.name == "Jonas Knutsen")
    )
    # The leader's review is not in the file nor in its metadata.
    assert "Jonas Knutsen" not in json.dumps(made.metadata, ensure_ascii=False)
    pdf = pdf_text(export_case(services, ref, REKTOR, document="innsyn", keep_pupil="1").content)
    no_trace(pdf, OTHERS)


def test_the_familys_plan_leaves_no_trace_of_the_others(services: Services) -> None:
    sync(services)
    ref = the_case(services)
    for keep in (None, "1"):
        made = export_case(services, ref, LEADER, document="plan", keep_pupil=keep)
        text = pdf_text(made.content)
        no_trace(text, OTHERS)
        assert "Ola" in text and "elev" in text
        assert "oppfølging av BUP-samarbeid" in text
        assert made.metadata["anonymized"] is True


def test_the_r_team_without_names_sees_nobody(services: Services) -> None:
    sync(services)
    ref = the_case(services)
    plan.share_with_rteam(services, ref, LEADER, "anonymous")
    details = review.open_case(services, ref, RADGIVER)
    shown = plan.plan_of(services, ref, RADGIVER)
    view = json.dumps(
        [vars(shown), details.report, [e.texts for e in details.trail]],
        ensure_ascii=False,
        default=str,
    )
    no_trace(view, OTHERS + OLAS)
    assert "elev 1" in view and "har vært innlagt på BUP" in view
    assert "Nordmann" not in view  # "Ola N." spelt out once: the surname goes everywhere
    # The leader who handles the case still reads the names.
    assert "Tobias har vært innlagt" in json.dumps(
        [e.texts for e in review.open_case(services, ref, LEADER).trail], ensure_ascii=False
    )


def test_without_a_directory_the_typed_names_are_still_replaced(services: Services) -> None:
    ref = the_case(services)
    plan.share_with_rteam(services, ref, LEADER, "anonymous")
    details = review.open_case(services, ref, RADGIVER)
    view = json.dumps([details.report, [e.texts for e in details.trail]], ensure_ascii=False)
    no_trace(view, OLAS[:1])  # "Ola N." and the "Nordmann" the text spells out
    made = export_case(services, ref, REKTOR, document="innsyn", fmt="html")
    assert made.review is not None and "Tobias" in made.review.unknown


def test_sealed_register_names_redact_the_same(services: Services) -> None:
    keyring = Keyring.parse(Keyring.new_key())
    engine = services.sessions.kw["bind"]
    sealed_services = Services(
        org=services.org, sessions=session_factory(engine, keyring), clock=services.clock
    )
    sync(sealed_services)
    ref = the_case(sealed_services)
    page = export_case(sealed_services, ref, REKTOR, document="innsyn", fmt="html").content.decode()
    no_trace(page, OTHERS)

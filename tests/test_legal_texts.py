"""The law in our texts (issue 20, finding 8): every catalog is read for sentences known to be
wrong, and the receipt and the leader's notice say the duty of the route they are shown on."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from bot import text
from handlers import notices
from handlers.i18n import LANGS, catalogs
from handlers.report import ReportForm, file_report
from handlers.services import Services
from store.models import Outbox

from .planning import OTHER_LEADER, TEACHER

# Known errors, each with why it is wrong.
WRONG = [
    # The duty does not depend on consent: foresatte and an adult pupil are informed and heard.
    (
        r"\b(foresatte|føresette|eleven|the pupil|the parents)\s+"
        r"(samtykker|samtykkjer|consents?)\b",
        "consent",
    ),
    # § 12-5 covers anyone who works at the school, not only employees.
    (r"ikke en ansatt ved skolen|ikkje tilsett ved skulen|does not work at the school", "ansatt"),
    (r"§ 12-5[^\"]*\b(en ansatt|ein tilsett|an employee)\b", "§ 12-5 ansatt"),
    (r"mistanke om at (en ansatt|ein tilsett)", "ansatt"),
    # § 12-4 is about any pupil who lacks a safe environment, not "pupil against pupil".
    (r"elev mot elev|pupil against pupil", "§ 12-4 scope"),
    # A school's own deadline for a plan is local policy, not the law's.
    (r"innen fristen|innan fristen|within the deadline", "local deadline as law"),
]


def _texts() -> list[tuple[str, str, str]]:
    return [(lang, key, value) for lang in LANGS for key, value in catalogs()[lang].items()]


@pytest.mark.parametrize(("pattern", "why"), WRONG, ids=[w[1] for w in WRONG])
def test_no_catalog_states_the_law_wrongly(pattern: str, why: str) -> None:
    found = [(lang, key) for lang, key, value in _texts() if re.search(pattern, value, re.I)]
    assert not found, f"{why}: {found}"


def test_a_plan_is_for_one_pupil_in_every_plan_text() -> None:
    several = re.compile(r"flere elever|fleire elevar|several pupils", re.I)
    found = [
        (lang, key)
        for lang, key, value in _texts()
        if key.startswith("plan.") and several.search(value)
    ]
    assert not found


def _receipt_and_notices(services: Services, form: ReportForm) -> tuple[str, list[str]]:
    ref = file_report(services, form, TEACHER).ref
    with services.uow() as session:
        rows = session.scalars(select(Outbox).order_by(Outbox.id)).all()
        shown = [
            (row.kind, text.render(row.kind, "nb", json.loads(row.data), edge="slack"))
            for row in rows
        ]
    receipt = next(body for kind, body in shown if kind == notices.RECEIPT)
    assert ref in receipt
    return receipt, [body for kind, body in shown if kind == notices.NEW_CASE]


def test_the_receipt_on_the_ordinary_route_says_12_4(services: Services) -> None:
    receipt, _ = _receipt_and_notices(services, ReportForm(pupils="A.B.", what="Dyttet"))
    assert "opplæringslova § 12-4 krever" in receipt
    assert "snarest undersøke" in receipt


def test_the_receipt_on_the_12_5_route_says_straks_not_12_4(services: Services) -> None:
    form = ReportForm(
        pupils="A.B.", what="Lugget", categories=("ansatt_krenket_elev",),
        accused="laerer2@nordby.example",
    )  # fmt: skip
    receipt, new_case = _receipt_and_notices(services, form)
    assert "§ 12-4" not in receipt and "snarest" not in receipt
    assert "§ 12-5" in receipt and "straks" in receipt
    assert all("Rektor skal straks melde fra til skoleeier" in body for body in new_case)


def test_a_leadership_case_never_says_rektor_received_it(services: Services) -> None:
    form = ReportForm(
        pupils="A.B.", what="Lugget", categories=("ansatt_krenket_elev",), accused=OTHER_LEADER
    )
    receipt, new_case = _receipt_and_notices(services, form)
    assert "direkte til skoleeier" in receipt and "til rektor" not in receipt
    assert "§ 12-4" not in receipt
    assert new_case and all("Rektor skal" not in body for body in new_case)
    assert all("direkte til skoleeier" in body for body in new_case)

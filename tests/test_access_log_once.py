"""Issue 21 #10 and #6: one opening of a case is one "åpnet saken" in the innsynslogg (the
list and the case file), and refused attempts say in words what was tried."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from bot import text
from handlers import export, records, review
from handlers.errors import Refused
from handlers.services import Services

from .planning import LEADER, OTHER_LEADER, filed


def test_one_opening_then_an_export_is_one_opened_line(services: Services) -> None:
    ref = filed(services)
    review.open_case(services, ref, LEADER)  # the leader opens the case once
    export.export_choices(services, ref, LEADER)  # the export dialog
    made = export.export_case(services, ref, LEADER, fmt="pdf")
    log = records.access_log(services, ref, LEADER)
    words = [text.access_line("nb", e.what) for e in log.entries]
    assert words == [
        "åpnet saken",
        "åpnet eksportvalget",
        "eksporterte saksdokumentasjonen (pdf)",
    ]
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(made.content)).pages)
    assert " ".join(pdf.split()).count("åpnet saken") == 1


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("nb", "ble avvist (åpne saken)"),
        ("nn", "vart avvist (opne saka)"),
        ("en", "was refused (open the case)"),
    ],
)
def test_a_refused_opening_is_worded_not_named(services: Services, lang: str, line: str) -> None:
    ref = filed(services)
    with pytest.raises(Refused):
        review.open_case(services, ref, OTHER_LEADER)
    log = records.access_log(services, ref, LEADER)
    assert [text.access_line(lang, e.what) for e in log.entries] == [line]
    assert "(open)" not in text.access_line("nb", "refused:open")
    assert text.access_line("nb", "refused:open:plan") == "ble avvist (åpne aktivitetsplanen)"
    assert text.access_line("nb", "refused:plan") == "ble avvist (lage aktivitetsplan)"

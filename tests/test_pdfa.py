"""The case file and the plan are PDF/A-2b, as the municipality's archive keeps documents:
the rules that can be read back from the file (issue 20, finding 9)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from handlers.export import CASE_FILE, PLAN, export_case
from handlers.services import Services

from .planning import REKTOR, planned


def _pdfa_problems(content: bytes) -> list[str]:
    problems = []
    reader = PdfReader(io.BytesIO(content))
    if not content.startswith(b"%PDF-1.7"):
        problems.append("PDF/A-2 is based on PDF 1.7")
    if "/Encrypt" in reader.trailer:
        problems.append("encrypted")
    if not reader.trailer.get("/ID"):
        problems.append("no file ID")
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    if "<pdfaid:part>2</pdfaid:part>" not in xmp or "<pdfaid:conformance>B<" not in xmp:
        problems.append("no pdfaid part 2, conformance B in the XMP")
    intents = [i.get_object() for i in root.get("/OutputIntents", [])]
    if not any(
        i["/S"] == "/GTS_PDFA1" and i.get("/DestOutputProfile") is not None
        and "sRGB" in str(i.get("/OutputConditionIdentifier"))
        for i in intents
    ):  # fmt: skip
        problems.append("no sRGB output intent with its ICC profile")
    for number, page in enumerate(reader.pages, 1):
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for f in fonts:
                descriptor = f.get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                if not embedded:
                    problems.append(f"page {number}: font {f.get('/BaseFont')} not embedded")
    return problems


@pytest.mark.parametrize("document", [CASE_FILE, PLAN])
def test_exports_are_pdf_a_2b(services: Services, document: str) -> None:
    ref = planned(services)
    exported = export_case(services, ref, REKTOR, document=document, fmt="pdf")
    assert _pdfa_problems(exported.content) == []

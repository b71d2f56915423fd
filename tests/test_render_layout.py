"""The PDF never leaves a heading, a label or a timestamp alone at the foot of a page."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from handlers.render import Document, Field, Para, Section, Sub, to_pdf


def _pages(doc: Document) -> list[list[str]]:
    reader = PdfReader(io.BytesIO(to_pdf(doc, datetime(2026, 12, 6, tzinfo=UTC))))
    texts = [page.extract_text() or "" for page in reader.pages]
    return [[line for line in text.splitlines() if line.strip()] for text in texts]


def _doc(filler: int, section: Section) -> Document:
    lines = [Para(f"Linje {n} med litt tekst som fyller siden.") for n in range(filler)]
    return Document(
        title="Saksdokumentasjon",
        subtitle="Sak MF-0001",
        lang="nb",
        sections=[Section("Fyll", lines), section],
        footer="Sak MF-0001",
        page_label="side {page}",
    )


@pytest.mark.parametrize(
    ("section", "marker"),
    [
        (Section("OVERSKRIFT", [Para("Første linje under overskriften.")]), "OVERSKRIFT"),
        (
            Section("Tidslinje", [Field("TIDSPUNKT 25.11.2026 kl. 10.30", "bekreftet mottatt")]),
            "TIDSPUNKT",
        ),
        (Section("Plan", [Sub("UNDEROVERSKRIFT"), Para("Tekst under.")]), "UNDEROVERSKRIFT"),
    ],
)
def test_nothing_is_left_alone_at_the_foot_of_a_page(section: Section, marker: str) -> None:
    # Try every amount of filler that puts the marker near the foot of page one.
    for filler in range(30, 46):
        pages = _pages(_doc(filler, section))
        for page in pages[:-1]:
            body = [ln for ln in page if not ln.startswith("Sak MF-0001 ·")]
            assert marker not in body[-1], (filler, body[-3:])

"""Documents as PDF (fpdf2) or HTML: a small model the exports fill, and its two renderers.

Rendering is pure: the document and a clock's time in, bytes out. The only thing read from
disk is the font. PDF text needs a Unicode TrueType font for æ, ø, å, « », – and §: DejaVu
Sans ships inside the package (handlers/fonts/, with its licence), so every machine renders
the same. Both renderers lay text out ragged-right, never justified (wide gaps read badly).
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
# fpdf2 subsets the font with fontTools, which logs dozens of INFO lines per PDF: noise for a
# person running `meldefra export`, and nothing an operator needs.
logging.getLogger("fontTools").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Sub:
    heading: str


Item = Field | Para | Sub


@dataclass
class Section:
    heading: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    lang: str
    sections: list[Section]
    footer: str  # on every page, e.g. "Sak MF-0001 · Nordby skole"
    page_label: str  # after the footer in a PDF, e.g. "side {page}"
    author: str = "Meldefra"


@cache
def font_files() -> tuple[str, str]:
    """The shipped font (regular, bold); a missing file is a broken install, said plainly."""
    for path in (FONT_REGULAR, FONT_BOLD):
        if not path.is_file():
            raise FileNotFoundError(f"the PDF font is missing from the package: {path}")
    return str(FONT_REGULAR), str(FONT_BOLD)


class _Pdf(FPDF):
    def __init__(self, doc: Document) -> None:
        super().__init__(format="A4")
        self.doc = doc

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_family, "", 8)
        text = f"{self.doc.footer} · {self.doc.page_label.format(page=self.page_no())}"
        self.cell(0, 6, text, align="C")


def to_pdf(doc: Document, created: datetime) -> bytes:
    regular, bold = font_files()
    pdf = _Pdf(doc)
    pdf.add_font("body", "", regular)
    pdf.add_font("body", "B", bold)
    family = "body"
    pdf.set_creation_date(created)  # the clock's time, so the same export is the same bytes
    pdf.set_title(doc.title)
    pdf.set_author(doc.author)
    pdf.set_lang(doc.lang)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()

    def write(text: str, size: float, bold: bool = False, height: float = 5.5) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.multi_cell(0, height, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def keep_with_next(height: float) -> None:
        # A heading, a label or a timestamp never stands alone at the foot of a page: when it
        # and the first lines under it do not fit, they start the next page together.
        if pdf.will_page_break(height + 2 * _LINE):
            pdf.add_page()

    write(doc.title, 18, bold=True, height=9)
    write(doc.subtitle, 10)
    for section in doc.sections:
        pdf.ln(4)
        keep_with_next(7 + (6 if section.items and isinstance(section.items[0], Sub) else 5))
        write(section.heading, 13, bold=True, height=7)
        for item in section.items:
            if isinstance(item, Sub):
                pdf.ln(1.5)
                keep_with_next(6 + 5)
                write(item.heading, 11, bold=True, height=6)
            elif isinstance(item, Field):
                keep_with_next(5)
                write(item.label, 9, bold=True, height=5)
                write(item.value, 10)
            else:
                write(item.text, 10)
    return bytes(pdf.output())


_LINE = 5.5  # the height of one line of body text, mm


_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 48rem; margin: 2rem auto;
       line-height: 1.45; color: #111; }
h1 { margin-bottom: .2rem; } .subtitle { color: #444; margin-top: 0; }
h2 { border-bottom: 1px solid #bbb; margin-top: 2rem; } h3 { margin-bottom: .3rem; }
dt { font-weight: bold; font-size: .9rem; margin-top: .5rem; } dd { margin: 0 0 .2rem 0; }
p, dd { white-space: pre-wrap; } footer { color: #555; font-size: .8rem; margin-top: 3rem; }
"""


def to_html(doc: Document) -> str:
    e = html.escape
    out = [
        "<!doctype html>",
        f'<html lang="{e(doc.lang)}"><head><meta charset="utf-8">',
        f"<title>{e(doc.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(doc.title)}</h1>",
        f'<p class="subtitle">{e(doc.subtitle)}</p>',
    ]
    for section in doc.sections:
        out.append(f"<section><h2>{e(section.heading)}</h2>")
        in_list = False
        for item in section.items:
            if isinstance(item, Field) != in_list:
                out.append("<dl>" if not in_list else "</dl>")
                in_list = not in_list
            if isinstance(item, Sub):
                out.append(f"<h3>{e(item.heading)}</h3>")
            elif isinstance(item, Field):
                out.append(f"<dt>{e(item.label)}</dt><dd>{e(item.value)}</dd>")
            else:
                out.append(f"<p>{e(item.text)}</p>")
        if in_list:
            out.append("</dl>")
        out.append("</section>")
    out.append(f"<footer>{e(doc.footer)}</footer>")
    out.append("</body></html>")
    return "\n".join(out)

"""The legal basis the texts give for a copy made for one party.

An aktivitetsplan is not an enkeltvedtak, so forvaltningsloven §§ 18–19 (partsinnsyn) do not
apply: innsyn follows offentleglova § 3 with § 13 jf. fvl. § 13, and a person's own data
GDPR art. 15. No catalog text, no README line and no user-facing string in the code may cite
fvl. § 19 (or § 18) as the basis."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.i18n import LANGS, catalogs, t

ROOT = Path(__file__).resolve().parents[1]
WRONG = re.compile(
    r"(forvaltningslov(?:en|a)?|fvl\.?|Public Administration Act)[\s,]*§§?\s*1[89]\b",
    re.IGNORECASE,
)


def test_no_catalog_cites_forvaltningsloven_19() -> None:
    for lang, messages in catalogs().items():
        wrong = {key: text for key, text in messages.items() if WRONG.search(text)}
        assert not wrong, (lang, wrong)


def test_no_readme_or_code_cites_forvaltningsloven_19() -> None:
    files = [ROOT / "README.md", *ROOT.glob("docs/*.md")]
    files += [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]
    wrong = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WRONG.search(line)
    ]
    assert not wrong


def test_the_pattern_catches_the_old_wordings() -> None:
    for old in (
        "Navn på andre elever er erstattet: elev 2 (forvaltningsloven § 19).",
        "skjerma (forvaltningslova § 19 andre ledd bokstav a)",
        "the case file for one party, fvl. § 19",
        "withheld (Public Administration Act § 19 second paragraph (a))",
    ):
        assert WRONG.search(old), old


def test_the_innsyn_copy_gives_the_right_basis_in_every_language() -> None:
    for lang in LANGS:
        basis = t(lang, "doc.innsyn.basis")
        assert "offentleglova § 3" in basis and "offentleglova § 13" in basis
        assert re.search(r"forvaltningslov(en|a) § 13", basis)  # jf. fvl. § 13
        assert re.search(r"(artikkel|Article) 15", basis)  # GDPR art. 15

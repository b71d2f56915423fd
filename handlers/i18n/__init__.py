"""Message catalogs: every user-facing string, in bokmål (default), nynorsk and English.

Each module in this package is one area's catalog: a MESSAGES dict {lang: {key: text}}.
Texts use str.format placeholders. A test checks that every language has every key.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

LANGS = ("nb", "nn", "en")
DEFAULT = "nb"


@cache
def catalogs() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for lang, messages in module.MESSAGES.items():
            clash = merged[lang].keys() & messages.keys()
            if clash:
                raise RuntimeError(f"catalog {info.name} redefines {sorted(clash)}")
            merged[lang].update(messages)
    return merged


def t(lang: str | None, key: str, /, **args: object) -> str:
    """The text for `key` in `lang` (falls back to bokmål), with placeholders filled."""
    lang = lang if lang in LANGS else DEFAULT
    table = catalogs()
    text = table[lang].get(key)
    if text is None:
        text = table[DEFAULT][key]  # a missing key is a bug, caught by the catalog test
    return text.format(**args) if args else text


def has(key: str) -> bool:
    return key in catalogs()[DEFAULT]

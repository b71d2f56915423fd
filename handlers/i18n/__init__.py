"""Message catalogs: every user-facing string, in bokmål (default), nynorsk and English.

Each module in this package is one area's catalog: a MESSAGES dict {lang: {key: text}}.
Texts use str.format placeholders. A test checks that every language has every key.
The edges' own words (Slack, Teams, the console, the CLI) live beside them in bot/ and are
added with `register` when bot/ is imported: this layer never imports bot.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache

LANGS = ("nb", "nn", "en")
DEFAULT = "nb"


_REGISTERED: dict[str, Mapping[str, Mapping[str, str]]] = {}


def register(name: str, messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add a catalog kept outside this package (an edge's words, bot/...)."""
    _REGISTERED[name] = messages
    catalogs.cache_clear()


@cache
def catalogs() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    found: list[tuple[str, Mapping[str, Mapping[str, str]]]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        found.append((info.name, importlib.import_module(f"{__name__}.{info.name}").MESSAGES))
    for name, table in [*found, *sorted(_REGISTERED.items())]:
        for lang, messages in table.items():
            clash = merged[lang].keys() & messages.keys()
            if clash:
                raise RuntimeError(f"catalog {name} redefines {sorted(clash)}")
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

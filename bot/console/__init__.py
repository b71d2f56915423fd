"""The local console: the third edge, in a terminal (see `bot.console.app`).

Importing the package costs nothing (its catalog, `bot.console.i18n`, is loaded with every
edge's words by `bot/__init__.py`); the edge itself is loaded when it is first named here
(`from bot.console import Console`), or imported from `bot.console.app`."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["PLATFORM", "Console", "ConsoleSender"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("bot.console.app"), name)
    raise AttributeError(name)

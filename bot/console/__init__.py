"""The local console: the third edge, in a terminal (see `bot.console.app`).

Importing the package costs nothing (its catalog, `bot.console.i18n`, is loaded with every
edge's words by `bot/__init__.py`); the edge itself is loaded when it is first named."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.console.app import PLATFORM, Console, ConsoleSender

__all__ = ["PLATFORM", "Console", "ConsoleSender"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bot.console import app

        return getattr(app, name)
    raise AttributeError(name)

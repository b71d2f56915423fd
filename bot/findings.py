"""One line of `meldefra doctor`: what was checked, how it went, and how to fix it.

Its own module so that the checks of optional parts (bot/fiks/doctor.py) and bot/doctor.py
share it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from handlers.i18n import t

OK, SKIP, BAD = "ok", "skip", "bad"


@dataclass(frozen=True)
class Finding:
    what: str  # catalog key of the part checked
    status: str  # OK, SKIP (not set up) or BAD
    detail: str  # catalog key: the finding (the problem, when BAD)
    args: dict[str, Any]
    fix: str | None = None  # catalog key: how to fix it, when BAD

    def _about(self, what: str) -> Finding:
        return replace(self, what=what)

    def line(self, lang: str) -> str:
        what = t(lang, self.what)
        detail = t(lang, self.detail, **self.args)
        if self.status == BAD:
            fix = t(lang, self.fix or "", **self.args)
            return t(lang, "doctor.bad", what=what, problem=detail, fix=fix)
        return t(
            lang, "doctor.ok" if self.status == OK else "doctor.skip", what=what, detail=detail
        )

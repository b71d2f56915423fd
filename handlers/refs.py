"""Case numbers as people type them: "MF-3", "mf 3", "MF0003" are all MF-0003."""

from __future__ import annotations

import re

PREFIX = "MF"
_TYPED = re.compile(r"(?:MF)?\s*[-–]?\s*0*([0-9]{1,9})", re.IGNORECASE)


def make_ref(number: int) -> str:
    return f"{PREFIX}-{number:04d}"


def canonical_ref(typed: str) -> str:
    """The case number in its stored form; text that is no case number comes back as typed
    (upper-cased and trimmed), so the lookup finds nothing and says so with what was typed."""
    text = typed.strip()
    match = _TYPED.fullmatch(text)
    if match is None:
        return text.upper()
    return make_ref(int(match[1]))

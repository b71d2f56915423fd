"""Pupil names in free text: which names a case holds, and replacing them ("elev 2").

Used for the foresatte version of the aktivitetsplan (the other pupils' names replaced) and
for the R-team when a case is discussed without names. The replacement is textual: whole
names, then each name part (first name, surname) as a whole word, so "Kari" is caught in
"Kari og Ola". Staff are asked to write names the way the plan lists them; the leader
reads the document before it goes to a family.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

_SEPARATORS = re.compile(r"\s*(?:[,;\n/&]|\s(?:og|and)\s)\s*", re.IGNORECASE)
_NAME_SOURCES = {"reported": "pupils", "plan_created": "pupils", "plan_changed": "pupils"}


def split_names(text: str | None) -> list[str]:
    """'Ola N., Kari H. og Per' → ['Ola N.', 'Kari H.', 'Per']."""
    return [name for name in (part.strip() for part in _SEPARATORS.split(text or "")) if name]


def pupil_names(entries: Iterable[tuple[str, Mapping[str, str | None]]]) -> list[str]:
    """Every pupil named by the report or the plan, first mention first, without repeats."""
    seen: dict[str, str] = {}
    for event_type, texts in entries:
        field = _NAME_SOURCES.get(event_type)
        for name in split_names(texts.get(field) if field else None):
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def _parts(name: str) -> set[str]:
    # Name parts worth replacing on their own: start with a capital, two letters or more
    # ("A.B." counts; "(8B)" and "og" do not).
    words = (w.strip("()[]") for w in name.split())
    return {w for w in words if w[:1].isupper() and sum(c.isalpha() for c in w) >= 2}


def _word(text: str) -> str:
    return rf"(?<!\w){re.escape(text)}(?!\w)"


class Pseudonyms:
    """Replaces every name in `names` but `keep` with `label(position)`, 1-based."""

    def __init__(
        self, names: Sequence[str], label: Callable[[int], str], keep: str | None = None
    ) -> None:
        kept_parts = _parts(keep) if keep else set()
        replacements: dict[str, str] = {}
        whole: list[tuple[str, str]] = []
        for position, name in enumerate(names, 1):
            if keep is not None and name.casefold() == keep.casefold():
                continue
            whole.append((name, label(position)))
            for part in _parts(name) - kept_parts:
                replacements.setdefault(part, label(position))
        whole.sort(key=lambda pair: -len(pair[0]))  # "Kari Hansen" before "Kari"
        self._whole = [(re.compile(_word(n), re.IGNORECASE), lab) for n, lab in whole]
        self._parts = [
            (re.compile(_word(part)), lab)
            for part, lab in sorted(replacements.items(), key=lambda pair: -len(pair[0]))
        ]

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        for pattern, label in (*self._whole, *self._parts):
            text = pattern.sub(label, text)
        return text


def find_pupil(names: Sequence[str], wanted: str) -> str | None:
    """The pupil meant by a name (any case) or a 1-based number, or None."""
    wanted = wanted.strip()
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    for name in names:
        if name.casefold() == wanted.casefold():
            return name
    return None

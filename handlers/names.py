"""Pupil names typed on a case: which names a case holds, and replacing them ("elev 2").

The names typed into a report's or a plan's "pupils" field, split into names, and `Pseudonyms`,
which replaces them in one text: the typed-names-only use of `handlers.redact`, which knows
how Norwegian is written about a pupil named "Kari Hansen" (any case, genitive, hyphenated,
aa/å, an initial). Copies for one party use `redact.redact` over all of a case's texts with the
school's whole register.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from handlers import redact

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


def name_parts(name: str) -> set[str]:
    """The parts of a name worth replacing on their own: words of two letters or more that are
    not a class, a grade or a filler word ("A.B." counts; "(8B)", "N." and "og" do not). A
    hyphenated part counts whole and by its halves ("Anne-Lise", "Anne", "Lise")."""
    parts: set[str] = set()
    for word in name.split():
        word = word.strip("()[]{}«»\"',;:")
        pieces = [word, *word.split("-")] if "-" in word else [word]
        for piece in pieces:
            piece = piece.strip("-")
            letters = sum(c.isalpha() for c in piece)
            if (
                letters >= 2
                and not any(c.isdigit() for c in piece)
                and piece.casefold() not in redact.NOT_NAMES
            ):
                parts.add(piece)
    return parts


class Pseudonyms:
    """Replaces every name in `names` but `keep` with `label(position)`, 1-based."""

    def __init__(
        self, names: Sequence[str], label: Callable[[int], str], keep: str | None = None
    ) -> None:
        self._names = list(names)
        self._labels = redact.Labels("nb", pupil=label)
        self._keep = [keep] if keep is not None else []

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        done = redact.redact([text], [], self._labels, case_pupils=self._names, keep=self._keep)
        return done.texts[0]


def find_pupil(names: Sequence[str], wanted: str) -> str | None:
    """The pupil meant by a name (any case) or a 1-based number, or None."""
    wanted = wanted.strip()
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    for name in names:
        if name.casefold() == wanted.casefold():
            return name
    return None

"""Pupil names in free text: which names a case holds, and replacing them ("elev 2").

Used for the foresatte version of the aktivitetsplan (the other pupils' names replaced) and
for the R-team when a case is discussed without names. The replacement is textual, and knows
how Norwegian is written about a pupil named "Kari Hansen":

- the whole name and each name part (first name, surname, each half of "Anne-Lise") as a whole
  word, in any case ("kari", "KARI", "Åse" and "åse"), so "Kari" is caught in "Kari og Ola";
- genitive forms: "Karis mor", "Hansens bror", "Kari's", "Hans'" / "Hans’";
- a hyphenated word containing a name part is replaced whole: "Kari-Marie", "Ola-gjengen".

Everything is replaced in one pass, so a label is never matched again. Staff are still asked
to write names the way the plan lists them; the leader reads a document before it goes to a
family.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

_SEPARATORS = re.compile(r"\s*(?:[,;\n/&]|\s(?:og|and)\s)\s*", re.IGNORECASE)
_NAME_SOURCES = {"reported": "pupils", "plan_created": "pupils", "plan_changed": "pupils"}
# Words in a list of pupils that are not names: "Ola (8B)", "Kari i 9. klasse", "eleven Per".
_NOT_NAMES = frozenset(
    "og i på fra frå av and the in elev eleven elevar elever gutt gutten jente jenta barn "
    "barnet klasse klassen trinn trinnet kl ukjent ukjend unknown mfl".split()
)
_LETTERS = r"[^\W\d_]+"  # a run of letters, æøå and the rest of Unicode included
# Karis, Kari's, and after s, x or z an apostrophe alone: Hans', Hans’ (not 'Kari').
_GENITIVE = r"(?:s|['’]s|(?<=[sxzSXZ])['’])?"


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
                and piece.casefold() not in _NOT_NAMES
            ):
                parts.add(piece)
    return parts


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _term(text: str) -> str:
    return r"\s+".join(re.escape(word) for word in text.split())


class Pseudonyms:
    """Replaces every name in `names` but `keep` with `label(position)`, 1-based."""

    def __init__(
        self, names: Sequence[str], label: Callable[[int], str], keep: str | None = None
    ) -> None:
        kept_parts = {_key(p) for p in name_parts(keep)} if keep else set()
        self._labels: dict[str, str] = {}
        for position, name in enumerate(names, 1):
            if keep is not None and _key(name) == _key(keep):
                continue
            self._labels.setdefault(_key(name), label(position))
            for part in name_parts(name):
                if _key(part) not in kept_parts:
                    self._labels.setdefault(_key(part), label(position))
        self._pattern: re.Pattern[str] | None = None
        if self._labels:
            # Longest first, so "Kari Hansen" wins over "Kari" and "Anne-Lise" over "Anne".
            terms = sorted(self._labels, key=lambda k: (-len(k), k))
            alternatives = "|".join(_term(k) for k in terms)
            self._pattern = re.compile(
                rf"(?<!\w)(?:{_LETTERS}-)*(?P<core>{alternatives}){_GENITIVE}(?:-{_LETTERS})*(?!\w)",
                re.IGNORECASE,
            )

    def _label(self, match: re.Match[str]) -> str:
        core = match.group("core")
        found = self._labels.get(_key(core))
        if found is None:  # case folding differs from the regex's case-insensitive match
            found = next(
                label
                for key, label in self._labels.items()
                if re.fullmatch(_term(key), core, re.IGNORECASE)
            )
        return found

    def __call__(self, text: str | None) -> str | None:
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(self._label, text)


def find_pupil(names: Sequence[str], wanted: str) -> str | None:
    """The pupil meant by a name (any case) or a 1-based number, or None."""
    wanted = wanted.strip()
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    for name in names:
        if name.casefold() == wanted.casefold():
            return name
    return None

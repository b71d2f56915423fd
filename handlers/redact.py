"""Exact redaction: every pupil of the school and their foresatte, replaced wherever they are
named in the free text of a copy made for one party.

A copy for one family (the innsyn copy, the family's plan), the R-team's view of a case shared
without names: each is made from the case's texts by `redact(texts, people, ...)`, where
`people` is the whole register of the school (every pupil, active or left, and their
foresatte) plus the names typed on the case. It knows how Norwegian is written about people:

- any case, and Unicode in either form (NFC or NFD: "Åse" as A + combining ring, pasted from
  a PDF or typed on a Mac); "aa" for "å", "oe" for "ø", "ae" for "æ" ("Aase" is "Åse"),
  "ö"/"ä" for "ø"/"æ", other accents ignored ("Andre" is "André");
- genitive ("Jonas'", "Emmas", "Emma's"; "Emma sin" needs nothing), hyphenated names and any
  hyphenated word around a name part ("Anne-Lise", "Kari-gjengen");
- a name with an initial: "Jonas K.", "O. Nordmann"; a case pupil typed as "Ola N." whose
  surname the text spells out ("Ola Nordmann") has that surname removed everywhere after;
- a first name or a surname alone, when it belongs to someone in the register. A name part
  that is also an everyday word ("per", "liv", "bakken", "hans") counts when capitalised or
  beside the rest of the name, not when written as the word ("per uke", "hans mor").

Each person gets one label for the whole copy ("elev 1", "foresatt til elev 1"); a name that
fits several people and that the copy does not pin down gets a label of its own ("elev 4",
"person 1"). The family's own pupil (and their foresatte) can be kept. What was replaced is
returned for the leader's review, with the capitalised words left in the text that may be
names the register does not know. What the text says about a replaced person is not a name
and stays: the copy says so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from sqlalchemy import select

from handlers import directory
from handlers.i18n import t
from handlers.refs import canonical_ref
from handlers.services import Services
from store.models import Case

PUPIL = "pupil"
GUARDIAN = "guardian"
SOMEONE = "someone"  # a name several people have, not pinned down by the copy


class RegisterName(Protocol):
    """One name from the school's register (the directory's `RedactionName`)."""

    @property
    def pupil_id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class Person:
    pupil: str  # the pupil this person belongs to: their own id for a pupil
    name: str
    kind: str  # PUPIL or GUARDIAN
    typed: bool = False  # typed on the case, not found in the register


@dataclass(frozen=True)
class Replaced:
    """One replacement, for the leader's review (never for logs)."""

    name: str  # as the register or the case writes it; the words found for a SOMEONE
    kind: str  # PUPIL, GUARDIAN or SOMEONE
    label: str  # what the copy shows instead: "elev 2"
    found: tuple[str, ...]  # the forms found in the text: "Jonas K.", "Jonas'"
    count: int


@dataclass(frozen=True)
class Review:
    """What the leader reads before a copy is given out."""

    replaced: list[Replaced]
    unknown: list[str]  # capitalised words left in the text: names the register may not know


@dataclass(frozen=True)
class Redacted:
    texts: list[str | None]
    replaced: list[Replaced]
    unknown: list[str]

    @property
    def review(self) -> Review:
        return Review(self.replaced, self.unknown)


def people_from(register: Iterable[RegisterName]) -> list[Person]:
    return [Person(str(r.pupil_id), r.name, r.kind) for r in register if r.name.strip()]


def register_of(services: Services, school: str) -> list[Person]:
    """Every pupil the directory knows at the school (active or left) and their foresatte;
    none for a school without a directory (then the names typed on the case are all)."""
    return people_from(directory.names_for_redaction(services, school))


def register_for_case(services: Services, ref: str) -> list[Person]:
    """The register of the case's school. Read in a transaction of its own, before the case
    is opened: the directory is read without holding the case's lock."""
    with services.uow() as session:
        school = session.scalar(select(Case.school_id).where(Case.ref == canonical_ref(ref)))
    return register_of(services, school) if school is not None else []


# --- words ---------------------------------------------------------------------------------

_KEEP = frozenset("åøæ")
_FIRST = str.maketrans({"ö": "ø", "ä": "æ", "’": "'"})
_DIGRAPHS = (("aa", "å"), ("oe", "ø"), ("ae", "æ"))


@lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """One spelling for every way a name is written: "Aase", "åse" and "A\u030ase" all
    give "åse". Cached: a school's names and a case's words repeat."""
    if word.isascii():
        plain = word.lower()
    else:
        word = unicodedata.normalize("NFC", word).casefold().translate(_FIRST)
        plain = "".join(ch if ch in _KEEP or ch.isascii() else _bare(ch) for ch in word)
    for digraph, letter in _DIGRAPHS:
        plain = plain.replace(digraph, letter)
    return plain


def _bare(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))


# Name parts that are also everyday words: lowercase and alone, they are the word.
COMMON_WORDS = frozenset(
    fold(w)
    for w in """
    per dag liv sol mai vår tor stein storm ask bo ro fred even else hans siv tone gro lykke lin
    li lie lia berg dal strand haugen haug bakken bakke sand lund holm nes vik mo eik lind ørn
    ulv falk hauk ravn rev bjørn elv fjell skog hagen hage eng enger myr foss ås nord sør vest
    øst vang tangen bø rød hvit brun grønn sommer vinter høst lyng rose lilje iris tea live
    dina mina sine sina mette helle rune are bror kai jo tage dan ruth will mark bill may june
    grace hope faith star sky ha to le vi ly som said long rim dam mai juni juli august april
    vilde alva nor hav ugle and ray art don jack eve amber ruby sander engen dalen lien viken
    berget sanden moen ness bekk bekken lunde vold voll rønning vang solli
    """.split()
)
# Words that start sentences and are no names, for the list of capitalised words left.
_STARTERS = frozenset(
    fold(w)
    for w in """
    det den de dei han hun ho hen vi jeg eg du dere dykk deg meg oss seg hans hennes hennar
    deira deres sin sitt sine i på av fra frå til med om for etter før under over mellom ved
    når da då så men og eller at som hvis viss dersom fordi mens medan hva kva hvem kven hvor
    kvar hvorfor kvifor hvordan korleis ikke ikkje ja nei er var har hadde skal skulle vil
    ville kan kunne må måtte blir ble vart vert eleven elevene elevane elev læreren lærar
    læraren kontaktlærer kontaktlærar rektor foresatte føresette mor far mamma pappa foreldre
    klassen skolen skulen samtale tiltak møte oppfølging alle ingen noen nokon flere fleire
    hele heile mandag tirsdag onsdag torsdag fredag lørdag søndag måndag tysdag laurdag sundag
    januar februar mars april mai juni juli august september oktober november desember
    the a an he she they we it this that there after before when then and but or in on at of
    to with pupil teacher parents mother father voksen voksne vaksen vaksne begge både
    dette disse desse også òg nå no her der etterpå senere seinare deretter
    """.split()
)
_WORD = re.compile(r"(?<![\w-])[^\W\d_]+(?:-[^\W\d_]+)*")
_GENITIVE_S = re.compile(r"['’]s(?!\w)")
_APOSTROPHE = re.compile(r"['’](?!\w)")
_GAP = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int  # with the genitive ending or an initial's dot
    word: str
    initial: str | None  # the letter, folded, of "K." or "K"
    keys: tuple[str, ...]  # the folded forms to look up, best first


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _WORD.finditer(text):
        word, end = m.group(), m.end()
        if len(word) == 1:
            if word.isupper():
                if text[end : end + 1] == ".":
                    end += 1
                out.append(_Token(m.start(), end, word, fold(word), ()))
            continue
        genitive = _GENITIVE_S.match(text, end)
        quoted = m.start() > 0 and text[m.start() - 1] in "'’"
        if genitive:
            end = genitive.end()
        elif word[-1] in "sxzSXZ" and not quoted and _APOSTROPHE.match(text, end):
            end += 1
        whole = fold(word)
        pieces = [fold(p) for p in word.split("-")]
        keys = [whole, *pieces] if len(pieces) > 1 else [whole]
        if not genitive and whole.endswith("s") and len(whole) > 2:  # "Emmas", "Hansens"
            keys.append(whole[:-1])
            if len(pieces) > 1:
                keys.append(pieces[-1][:-1])
        out.append(_Token(m.start(), end, word, None, tuple(dict.fromkeys(keys))))
    return out


# Words in a list of pupils that are not names: "Ola (8B)", "Kari i 9. klasse", "eleven Per".
NOT_NAMES = frozenset(
    "og i på fra frå av and the in elev eleven elevar elever gutt gutten jente jenta barn "
    "barnet klasse klassen trinn trinnet kl ukjent ukjend unknown mfl".split()
)


@lru_cache(maxsize=1 << 16)
def _parts(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """The folded name parts of two letters or more (each half of a hyphenated part too) and
    the initials ("Ola N." → {"ola"}, {"n"}); class tags and filler words are no names."""
    parts: set[str] = set()
    initials: set[str] = set()
    for word in name.split():
        word = word.strip("()[]{}«»\"',;:.")
        if not word or any(c.isdigit() for c in word):
            continue
        if len(word) == 1 and word.isalpha():
            initials.add(fold(word))
            continue
        for piece in [word, *word.split("-")] if "-" in word else [word]:
            piece = fold(piece.strip("-"))
            if sum(c.isalpha() for c in piece) >= 2 and piece not in NOT_NAMES:
                parts.add(piece)
    return frozenset(parts), frozenset(initials)


# --- who a mention is ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    text: str
    candidates: frozenset[int]
    key: str  # the folded words, for a mention that pins nobody down
    pupils_only: bool


@dataclass(frozen=True)
class _Someone:
    key: str
    pupil: bool


@dataclass(frozen=True)
class _Family:
    pupil: str  # the foresatte of this pupil, not telling which


_Target = int | _Someone | _Family


@dataclass
class _Index:
    people: list[Person]
    parts: list[set[str]] = field(default_factory=list)
    initials: list[frozenset[str]] = field(default_factory=list)
    by_key: dict[str, set[int]] = field(default_factory=dict)
    exact: set[int] = field(default_factory=set)  # the case's pupils: matched in any case

    def __post_init__(self) -> None:
        for person in self.people:
            parts, initials = _parts(person.name)
            self.parts.append(set(parts))
            self.initials.append(initials)
        self.rebuild()

    def rebuild(self) -> None:
        self.by_key = {}
        for i, parts in enumerate(self.parts):
            for part in parts:
                self.by_key.setdefault(part, set()).add(i)

    def add(self, person: Person) -> int:
        self.people.append(person)
        parts, initials = _parts(person.name)
        self.parts.append(set(parts))
        self.initials.append(initials)
        for part in parts:
            self.by_key.setdefault(part, set()).add(len(self.people) - 1)
        return len(self.people) - 1

    def lookup(self, token: _Token) -> tuple[set[int], bool, str | None]:
        """Who a word can be, whether it counts alone (a capitalised word, or no everyday
        word), and the part it matched."""
        for key in token.keys:
            found = self.by_key.get(key)
            if found:
                strong = (
                    not token.word.islower() or key not in COMMON_WORDS or bool(found & self.exact)
                )
                return found, strong, key  # the index's own set: read, never changed
        return set(), False, None

    def fits_initial(self, person: int, letter: str, used: AbstractSet[str]) -> bool:
        if letter in self.initials[person]:
            return True
        return any(p.startswith(letter) and p not in used for p in self.parts[person])

    def mentions(self, text: str, tokens: list[_Token] | None = None) -> list[_Mention]:
        tokens = _tokens(text) if tokens is None else tokens
        found: list[_Mention] = []
        i = 0
        while i < len(tokens):
            mention, i = self._mention_at(text, tokens, i)
            if mention is not None:
                found.append(mention)
        return found

    def _mention_at(self, text: str, tokens: list[_Token], i: int) -> tuple[_Mention | None, int]:
        """The longest run of words from tokens[i] that fits one person and holds at least one
        word that counts alone; else (None, i + 1)."""
        candidates: set[int] | None = None
        pending: list[str] = []  # initials before the first name word ("O. Nordmann")
        used: set[str] = set()
        strong = False
        best: tuple[int, set[int]] | None = None
        j = i
        while j < len(tokens):
            token = tokens[j]
            if j > i and not _GAP.fullmatch(text, tokens[j - 1].end, token.start):
                break
            if token.initial is not None:
                if candidates is None:
                    pending.append(token.initial)
                    j += 1
                    continue
                narrowed = {p for p in candidates if self.fits_initial(p, token.initial, used)}
                if not narrowed:
                    if best is not None and best[0] == j:  # "Jonas K." and no Jonas K…
                        pupils = all(self.people[p].kind == PUPIL for p in best[1])
                        return self._unsure(text, tokens[i], token, pupils), j + 1
                    break
                candidates = narrowed
            else:
                found, counts, key = self.lookup(token)
                if key is None:
                    break
                used.add(key)
                if candidates is None and pending:
                    found = {
                        p
                        for p in found
                        if all(self.fits_initial(p, letter, used) for letter in pending)
                    }
                narrowed = found if candidates is None else candidates & found
                if not narrowed:
                    break
                candidates, strong = narrowed, strong or counts
            j += 1
            if strong and candidates:
                best = (j, candidates)
        if best is None:
            return None, i + 1
        end, who = best
        pupils_only = all(self.people[p].kind == PUPIL for p in who)
        return _mention(text, tokens[i], tokens[end - 1], frozenset(who), pupils_only), end

    def _unsure(self, text: str, first: _Token, last: _Token, pupils: bool) -> _Mention:
        return _mention(text, first, last, frozenset(), pupils)


def _mention(
    text: str, first: _Token, last: _Token, who: frozenset[int], pupils_only: bool
) -> _Mention:
    stop = last.end
    if text[stop - 1] == "." and text[stop : stop + 1] in ("", "\n", "\r"):
        stop -= 1  # "… kom med Jonas K." ends a sentence: the full stop stays
    span = text[first.start : stop]
    key = " ".join(fold(w) for w in _WORD.findall(span))
    return _Mention(first.start, stop, span, who, key, pupils_only)


# --- the redaction -------------------------------------------------------------------------


class Labels:
    """What a replaced person is called in the copy, in one language ("elev 2")."""

    def __init__(self, lang: str, pupil: Callable[[int], str] | None = None) -> None:
        self.lang = lang
        self._pupil = pupil

    def pupil(self, n: int) -> str:
        if self._pupil is not None:
            return self._pupil(n)
        return t(self.lang, "plan.pupil_placeholder", n=n)

    def guardian(self, n: int, m: int | None) -> str:
        if m is None:
            return t(self.lang, "redact.label.guardian", n=n)
        return t(self.lang, "redact.label.guardian_n", n=n, m=m)

    def family(self, n: int) -> str:
        return t(self.lang, "redact.label.family", n=n)

    def someone(self, n: int) -> str:
        return t(self.lang, "redact.label.someone", n=n)


def redact(
    texts: Sequence[str | None],
    people: Sequence[Person],
    labels: Labels,
    *,
    case_pupils: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> Redacted:
    """The texts with every person in `people` and every name in `case_pupils` replaced,
    except the pupils named in `keep` (each a name from `case_pupils`) and their foresatte.

    `case_pupils` are the names typed or picked on the case, first named first: they are
    numbered first ("elev 1" is the first pupil the plan names, kept or not), and one that the
    register does not know is redacted all the same. The others are numbered as the texts
    name them.
    """
    return _Redaction(list(people), labels, case_pupils, keep).run(texts)


class _Redaction:
    def __init__(
        self, people: list[Person], labels: Labels, case_pupils: Sequence[str], keep: Sequence[str]
    ) -> None:
        self.index = _Index(people)
        self.labels = labels
        self.case: list[int] = []
        register = len(people)
        kept_names = {fold(" ".join(k.split())) for k in keep}
        self.kept_pupils: set[str] = set()
        linked: dict[str, int] = {}
        # Fullest names first, so "Ola" typed in the report is the plan's "Ola Nordmann".
        for name in sorted(dict.fromkeys(case_pupils), key=lambda n: -len(_parts(n)[0])):
            who = self._register_pupil(name, register)
            if who is None:
                who = self._typed_pupil(name, register)
            if who is None:
                pupil_id = "typed:" + fold(" ".join(name.split()))
                who = self.index.add(Person(pupil_id, name, PUPIL, typed=True))
            linked[name] = who
        for name in case_pupils:
            if linked[name] not in self.case:
                self.case.append(linked[name])
            if fold(" ".join(name.split())) in kept_names:
                self.kept_pupils.add(self.index.people[linked[name]].pupil)
        self.index.exact = set(self.case)

    def _register_pupil(self, name: str, register: int) -> int | None:
        """The register's pupil a typed name means, when it means exactly one: every part of
        the typed name is theirs and every initial fits ("Ola N." is Ola Nordmann)."""
        found = self._fitting(name, range(register))
        return found.pop() if len(found) == 1 else None

    def _typed_pupil(self, name: str, register: int) -> int | None:
        """A pupil typed before with a fuller name ("Ola" after "Ola Nordmann")."""
        found = self._fitting(name, range(register, len(self.index.people)))
        return min(found) if found else None

    def _fitting(self, name: str, among: range) -> set[int]:
        parts, initials = _parts(name)
        if not parts:
            return set()
        found = set.intersection(*(self.index.by_key.get(p, set()) for p in parts))
        return {
            p
            for p in found
            if p in among
            and self.index.people[p].kind == PUPIL
            and all(self.index.fits_initial(p, letter, parts) for letter in initials)
        }

    def _learn(self, texts: Sequence[tuple[str, list[_Token]]]) -> None:
        """A typed "Ola N." spelt out as "Ola Nordmann" (or "O. Nordmann"): the surname is a
        name part of Ola from then on, so "Nordmann" alone goes too."""
        learnt = False
        for who in self.case:
            person = self.index.people[who]
            initials = self.index.initials[who]
            if not person.typed or not initials:
                continue
            for text, tokens in texts:
                for a, b in zip(tokens, tokens[1:], strict=False):
                    if not _GAP.fullmatch(text, a.end, b.start) or b.initial is not None:
                        continue
                    if not b.word[0].isupper() or self.index.lookup(b)[2] is not None:
                        continue
                    if fold(b.word)[0] not in initials:
                        continue
                    if a.initial is not None:
                        fits = any(p.startswith(a.initial) for p in self.index.parts[who])
                    else:
                        fits = who in self.index.lookup(a)[0]
                    if fits:
                        self.index.parts[who].update(b.keys)
                        learnt = True
        if learnt:
            self.index.rebuild()

    def run(self, texts: Sequence[str | None]) -> Redacted:
        normal = [unicodedata.normalize("NFC", x) if x else x for x in texts]
        tokens = [_tokens(x) if x else [] for x in normal]
        self._learn([(x, t) for x, t in zip(normal, tokens, strict=True) if x])
        found = [
            self.index.mentions(x, t) if x else [] for x, t in zip(normal, tokens, strict=True)
        ]
        known = {next(iter(m.candidates)) for ms in found for m in ms if len(m.candidates) == 1}
        focus = known | set(self.case)
        targets = [[self._resolve(m, focus) for m in ms] for ms in found]
        label_of = self._labels(targets)
        out: list[str | None] = []
        seen: dict[_Target, list[str]] = {}
        left: list[_Token] = []  # the words the copy keeps, for the capitalised ones
        for text, words, ms, ts in zip(normal, tokens, found, targets, strict=True):
            if not text:
                out.append(text)
                continue
            pieces, at = [], 0
            gone = []
            for mention, target in zip(ms, ts, strict=True):
                label = label_of.get(target)
                if label is None:  # the family's own pupil or foresatte
                    continue
                pieces += [text[at : mention.start], label]
                at = mention.end
                seen.setdefault(target, []).append(mention.text)
                gone.append((mention.start, mention.end))
            out.append("".join(pieces) + text[at:])
            left += [w for w in words if not any(a <= w.start < b for a, b in gone)]
        replaced = [
            self._replaced(target, label_of[target], forms) for target, forms in seen.items()
        ]
        replaced.sort(key=lambda r: _natural(r.label))
        everything = [w for words in tokens for w in words]
        return Redacted(out, replaced, _capitalised(left, everything, self.index))

    def _resolve(self, mention: _Mention, focus: set[int]) -> _Target:
        candidates = set(mention.candidates)
        if not candidates:
            return _Someone(mention.key, mention.pupils_only)
        for pool in (candidates, candidates & focus):
            if len(pool) == 1:
                return next(iter(pool))
            family = {self.index.people[p].pupil for p in pool}
            if len(family) == 1 and pool:
                pupil = [p for p in pool if self.index.people[p].kind == PUPIL]
                return pupil[0] if pupil else _Family(family.pop())
        return _Someone(mention.key, mention.pupils_only)

    def _labels(self, targets: list[list[_Target]]) -> dict[_Target, str | None]:
        """Numbers in order: the case's pupils first, then as the texts name people."""
        people = self.index.people
        pupil_no: dict[str, int] = {}
        someone_no: dict[str, int] = {}
        guardians: dict[str, list[int]] = {}

        def number(pupil: str) -> int:
            return pupil_no.setdefault(pupil, len(pupil_no) + 1)

        for who in self.case:
            number(people[who].pupil)
        order = list(dict.fromkeys(x for row in targets for x in row))
        for target in order:
            if isinstance(target, int):
                number(people[target].pupil)
                if people[target].kind == GUARDIAN:
                    guardians.setdefault(people[target].pupil, []).append(target)
            elif isinstance(target, _Family):
                number(target.pupil)
            elif target.pupil:
                number("someone:" + target.key)
            else:
                someone_no.setdefault(target.key, len(someone_no) + 1)
        labels: dict[_Target, str | None] = {}
        for target in order:
            if isinstance(target, int):
                person = people[target]
                if person.pupil in self.kept_pupils:
                    labels[target] = None
                elif person.kind == PUPIL:
                    labels[target] = self.labels.pupil(pupil_no[person.pupil])
                else:
                    mine = guardians[person.pupil]
                    m = mine.index(target) + 1 if len(mine) > 1 else None
                    labels[target] = self.labels.guardian(pupil_no[person.pupil], m)
            elif isinstance(target, _Family):
                kept = target.pupil in self.kept_pupils
                labels[target] = None if kept else self.labels.family(pupil_no[target.pupil])
            elif target.pupil:
                labels[target] = self.labels.pupil(pupil_no["someone:" + target.key])
            else:
                labels[target] = self.labels.someone(someone_no[target.key])
        return labels

    def _replaced(self, target: _Target, label: str | None, forms: list[str]) -> Replaced:
        assert label is not None
        found = tuple(dict.fromkeys(forms))
        if isinstance(target, int):
            person = self.index.people[target]
            return Replaced(person.name, person.kind, label, found, len(forms))
        if isinstance(target, _Family):
            names = [p.name for p in self.index.people if p.pupil == target.pupil]
            return Replaced(" / ".join(names), GUARDIAN, label, found, len(forms))
        kind = PUPIL if target.pupil else SOMEONE
        return Replaced(" / ".join(found), kind, label, found, len(forms))


def _natural(label: str) -> list[object]:
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", label)]


def _capitalised(left: list[_Token], everything: list[_Token], index: _Index) -> list[str]:
    """Capitalised words left in the copy that may be names: not an acronym ("BUP"), not a
    word that starts sentences, not a word the texts also write in lowercase, not a name the
    register knows (those left are the family's own)."""
    lowercase = {t.keys[0] for t in everything if t.initial is None and t.word.islower()}
    found: dict[str, str] = {}
    for token in left:
        word = token.word
        if token.initial is not None or not word[0].isupper():
            continue
        if all(p.islower() or (p.isupper() and len(p) <= 5) for p in word.split("-")):
            continue  # an acronym, alone or in a word: "BUP", "BUP-samarbeid"
        key = fold(word)
        if key in _STARTERS or key in lowercase or index.lookup(token)[2] is not None:
            continue
        found.setdefault(key, word)
    return list(found.values())

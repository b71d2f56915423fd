"""The console's widgets: numbered menus, yes/no, and a declared form asked field by field in a
terminal (what Block Kit is to Slack and Adaptive Cards to Teams). bot/console.py is the edge
that uses them; nothing here decides what happens next.

At the keyboard: choices are numbered wherever the set is known; Enter at a menu (or
«avbryt»/«tilbake» anywhere in a form) goes back one step; Ctrl-C or Ctrl-D inside a form asks
before anything typed is thrown away, and a form may be kept as a draft that is offered the
next time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from bot.core import flow, forms
from bot.core.forms import Choice, Field, Kind
from handlers import people
from handlers.i18n import LANGS, t

HANDLED = -1  # `typed` answered the person itself (help): ask again
TEXTS = (Kind.TEXT, Kind.MULTILINE, Kind.DATE)
# What a picker finds for what was typed: (the field, the text, the values so far).
Search = Callable[[Field, str, Mapping[str, Any]], Sequence[Choice]]


class Quit(Exception):
    """Leave the console."""


class Back(Exception):
    """Leave the form or menu without doing anything (what was typed is kept as a draft or
    thrown away, as the person chose)."""


class Interrupted(Exception):
    """Ctrl-C (KeyboardInterrupt) or Ctrl-D (end of input) at a prompt."""


def words_of(key: str) -> frozenset[str]:
    """A word set from every catalog: a person may type it in any of the languages."""
    return frozenset(w.strip().lower() for lang in LANGS for w in t(lang, key).split(","))


@dataclass
class Draft:
    """A form left half-way: what was typed, and the fields still to ask."""

    values: dict[str, Any] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)


class Terminal:
    def __init__(self, read: Callable[[str], str], out: TextIO) -> None:
        self.read = read
        self.out = out
        self.lang = "nb"
        self.drafts: dict[tuple[str, str, str], Draft] = {}  # (person, form, case) → draft
        self.cancel_words = words_of("console.words.cancel")
        self.quit_words = words_of("console.words.quit")

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.say(line)

    def tr(self, key: str, **args: object) -> str:
        return t(self.lang, key, **args)

    def ask(self, prompt: str) -> str:
        """One line from the person. Ctrl-C and Ctrl-D raise Interrupted; the cancel words
        («avbryt», «tilbake») raise Back."""
        try:
            answer = self.read(f"{prompt}: ").strip()
        except (EOFError, KeyboardInterrupt) as exc:
            self.say()
            raise Interrupted from exc
        if answer.lower() in self.cancel_words:
            raise Back
        return answer

    def pick(
        self,
        title: str,
        options: Sequence[str],
        numbers: Sequence[int] | None = None,
        typed: Callable[[str], int | None] | None = None,
    ) -> int | None:
        """A numbered menu; returns the index into `options`, or None to go back (Enter or
        a cancel word). `numbers` keeps fixed numbers when only some options are offered;
        `typed` may read a word instead of a number (the main menu's «mine», «saker»), or
        answer itself and return HANDLED."""
        shown = list(numbers) if numbers is not None else list(range(1, len(options) + 1))
        self.say(title)
        for no, label in zip(shown, options, strict=True):
            self.say(f"  {no}) {label}")
        while True:
            try:
                answer = self.ask(self.tr("console.choose"))
            except Back:
                return None
            if not answer:
                return None
            if answer.isdigit() and int(answer) in shown:
                return shown.index(int(answer))
            index = typed(answer) if typed else None
            if index == HANDLED:
                continue
            if index is not None:
                return index
            self.say(self.tr("console.invalid_choice", first=shown[0], last=shown[-1]))

    def choose(self, title: str, options: Sequence[str], how: str) -> int:
        """One of a numbered list that must be chosen (who you are): the index; the quit
        words raise Quit, anything else is explained by `how` and asked again."""
        self.say(title)
        self.lines(f"  {i}) {option}" for i, option in enumerate(options, 1))
        while True:
            try:
                answer = self.ask(self.tr("console.choose"))
            except Back:
                answer = ""
            if answer.lower() in self.quit_words:
                raise Quit
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return int(answer) - 1
            self.say(self.tr(how, last=len(options)))

    def yes_no(self, question: str) -> bool:
        while True:
            mark = "" if question.endswith("?") else "?"
            answer = self.ask(f"{question}{mark} ({self.tr('console.yes_no')})").lower()
            if answer in ("", "n", "nei", "no"):
                return False
            if answer in ("j", "ja", "y", "yes"):
                return True
            self.say(self.tr("console.yes_no.again"))

    # --- a form, field by field -------------------------------------------------------

    def fill(
        self,
        shown: flow.Shown,
        key: tuple[str, str, str],
        staff: Sequence[tuple[str, str]],
        search: Search,
    ) -> dict[str, Any] | None:
        """Ask a declared form's fields in order; when it comes back with problems, say them
        and ask again only for what was wrong, keeping everything typed. None: nothing in the
        form to fix (the problem is the case's, e.g. a plan exists already). «avbryt», Ctrl-C
        and Ctrl-D go through `leave`, which asks before throwing anything away; leaving
        raises Back. `staff`: whom a PERSON field offers, as (e-mail, description)."""
        opened = shown.opened
        form = opened.form
        fields = [f for f in opened.shown() if isinstance(f, Field)]
        draft: Draft | None = None
        if shown.errors or shown.general:
            if not shown.errors:
                for line in shown.general:
                    self.say(line)
                return None
            self.say(self.tr("console.fix"))
            for name, problem in shown.errors.items():
                self.say(f"  - {form.label_of(self.lang, name)}: {problem}")
            for problem in shown.general:
                self.say(f"  - {problem}")
            values = dict(shown.values)
            todo = [f for f in fields if f.name in shown.errors]
        else:
            draft = self.drafts.pop(key, None)
            if draft is not None and not self._resume_draft():
                draft = None
            values = draft.values if draft else dict(opened.values)
            if draft is None:
                self.say(self.tr("console.form.how"))
                if form.intro:
                    self.say(self.tr(form.intro))
            todo = [f for f in fields if not _settled(f, opened)]
            if draft is not None:
                todo = [f for f in todo if f.name in draft.left]
        fresh = draft is None
        at = 0
        ended: set[str] = set()  # repeat groups the person finished ("tiltak")
        while at < len(todo):
            item = todo[at]
            at += 1
            row = _row_of(opened, item)
            if not opened.visible(item, values) or (row and row[0].name in ended):
                continue
            try:
                values[item.name] = self.ask_field(item, opened, values, staff, search)
                # Enter at a case form's first question, when it is a required text (the
                # reason for closing, the note), is a no: back to the case, nothing asked more.
                first = fresh and item is todo[0] and at == 1
                if first and opened.ref is not None and item.required and not values[item.name]:
                    raise Back
            except (Back, Interrupted) as left:
                self.leave(key, Draft(values, [f.name for f in todo[at - 1 :]]), opened, left)
                at -= 1  # go on where they were
                continue
            if row and row[2] == 0 and not values[item.name] and not item.required:
                ended.add(row[0].name)  # an empty first field ends the rows
        return values

    def _resume_draft(self) -> bool:
        index = self.pick(
            self.tr("console.draft.found"),
            [self.tr("console.draft.resume"), self.tr("console.draft.restart")],
        )
        if index is None:
            raise Back
        return index == 0

    def leave(
        self, key: tuple[str, str, str], draft: Draft, opened: forms.Opened, left: Exception
    ) -> None:
        """The person typed a cancel word or pressed Ctrl-C/Ctrl-D inside a form. Returns
        to go on where they were; raises Back (draft kept or discarded) or Quit. Only what
        the person typed counts, not what the form was opened with."""
        typed = any(
            v not in ("", None, False, [], ()) and v != opened.values.get(k)
            for k, v in draft.values.items()
        )
        if not typed:
            raise Back from left
        self.say(self.tr("console.form.not_sent"))
        try:
            index = self.pick(
                self.tr("console.form.what_now"),
                [
                    self.tr("console.form.go_on"),
                    self.tr("console.form.keep"),
                    self.tr("console.form.discard"),
                ],
            )
        except Interrupted:
            # The input is gone (Ctrl-D twice, or the end of a script): keep it for this
            # session and say so, then leave.
            self.drafts[key] = draft
            self.say(self.tr("console.form.lost"))
            raise Quit from left
        if index == 0:
            return
        if index == 2:
            self.say(self.tr("console.form.discarded"))
        else:
            self.drafts[key] = draft
            self.say(self.tr("console.form.kept"))
        raise Back from left

    def ask_field(
        self,
        f: Field,
        opened: forms.Opened,
        values: dict[str, Any],
        staff: Sequence[tuple[str, str]],
        search: Search,
    ) -> Any:
        """One declared field, by its kind; the value as `forms.submit` takes it."""
        label = opened.form.label_of(self.lang, f.name)
        row = _row_of(opened, f)
        if row and row[2] == 0:
            self.say(self.tr(row[0].heading, n=row[1]))
        before = values.get(f.name)
        prefilled = opened.values.get(f.name)
        keep = bool(prefilled) and before == prefilled and f.kind in TEXTS
        if before not in (None, "", [], (), False) and not keep:
            self.say(self.tr("console.you_typed", value=self._shown(f, opened, before)))
        optional = "" if f.required or f.default else f" {self.tr('console.optional')}"
        if row and row[2] == 0 and not f.required:
            optional = f" {self.tr('console.repeat.done')}"
        if keep:  # filled in from the case (the pupils named in the report): Enter keeps it
            optional = f" {self.tr('console.default', value=prefilled)}"
        hint = f" – {self.tr(f.hint)}" if f.hint and f.kind in (Kind.DATE, Kind.TEXT) else ""
        options = [(c.value, c.text(self.lang)) for c in opened.choices_of(f)]
        if f.kind == Kind.CHOICE:
            return self._ask_one(label + optional, options, f)
        if f.kind == Kind.CHOICES:
            return self._ask_many(label + optional, options)
        if f.kind == Kind.TOGGLE:
            return self.yes_no(
                self.tr("console.toggle", label=label, choice=options[0][1]) if options else label
            )
        if f.kind == Kind.PERSON:
            return self._ask_person(label + optional, staff, f)
        if f.kind == Kind.SEARCH:
            return self._ask_search(label + optional, f, values, search)
        while True:
            answer = self.ask(label + optional + hint)
            if keep and not answer:
                return prefilled
            if f.max_length is None or len(answer) <= f.max_length:
                return answer
            self.say(self.tr("error.too_long", max=f.max_length, length=len(answer)))

    def _shown(self, f: Field, opened: forms.Opened, value: Any) -> str:
        labels = {c.value: c.text(self.lang) for c in opened.choices_of(f)}
        if isinstance(value, list | tuple):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))

    def _ask_one(self, title: str, options: list[tuple[str, str]], f: Field) -> str:
        """A numbered choice. Enter takes the declared default; with none, Enter leaves a
        required choice (the form) and skips an optional one."""
        default = next((label for value, label in options if value == f.default), None)
        if default is not None:
            title += f" {self.tr('console.default', value=default)}"
        index = self.pick(title, [label for _, label in options])
        if index is not None:
            return options[index][0]
        if f.default is not None:
            return f.default
        if f.required:
            raise Back
        return ""

    def _ask_many(self, title: str, options: list[tuple[str, str]]) -> list[str]:
        """Numbers separated by commas; anything else is refused with the choices shown."""
        last = len(options)
        while True:
            for i, (_, label) in enumerate(options, 1):
                self.say(f"  {i}) {label}")
            raw = self.ask(f"{title} – {self.tr('console.many_help')}")
            parts = [p for p in raw.replace(" ", ",").split(",") if p]
            wrong = [p for p in parts if not (p.isdigit() and 1 <= int(p) <= last)]
            if not wrong:
                return list(dict.fromkeys(options[int(p) - 1][0] for p in parts))
            self.say(self.tr("console.not_a_choice", value=raw, last=last))

    def _ask_search(self, title: str, f: Field, values: Mapping[str, Any], search: Search) -> Any:
        """A picker: what is typed is searched (several, with `multi`, separated by commas);
        matches are numbered and the text itself comes last, Enter takes the text. Without
        matches the text is taken as typed, as before the register."""
        answer = self.ask(title)
        if not answer.strip():  # the handler says what is missing, like any other field
            return [] if f.multi else ""
        parts = [p for p in answer.split(",") if p.strip()] if f.multi else [answer]
        picked = [self._search_one(f, part, values, search) for part in parts]
        return picked if f.multi else picked[0]

    def _search_one(self, f: Field, typed: str, values: Mapping[str, Any], search: Search) -> str:
        found = list(search(f, typed, values))
        matches = [c for c in found if not c.value.startswith(people.TYPED)]
        exact = [c for c in matches if c.value.lower() == f"{people.STAFF}{typed.strip().lower()}"]
        if exact or not matches:
            return (exact or found or [Choice(people.TYPED + typed.strip(), "")])[0].value
        index = self.pick(typed.strip(), [c.text(self.lang) for c in found])
        return found[index].value if index is not None else found[-1].value

    def _ask_person(self, title: str, staff: Sequence[tuple[str, str]], f: Field) -> str:
        """A number from the list, or an e-mail on it; someone not on it "finnes ikke"."""
        emails = [email for email, _ in staff]
        while True:
            for i, (_, label) in enumerate(staff, 1):
                self.say(f"  {i}) {label}")
            answer = self.ask(f"{title} – {self.tr('console.person_help')}")
            if not answer:
                if f.required:
                    raise Back
                return ""
            if answer.isdigit() and 1 <= int(answer) <= len(emails):
                return emails[int(answer) - 1]
            if answer.lower() in emails:
                return answer.lower()
            self.say(self.tr("console.no_such_person", who=answer))


def _settled(f: Field, opened: forms.Opened) -> bool:
    """A choice the form's opening already made (the person's only school) is not asked."""
    return f.kind == Kind.CHOICE and f.default is None and bool(opened.values.get(f.name))


def _row_of(opened: forms.Opened, f: Field) -> tuple[forms.Repeat, int, int] | None:
    """For a repeated field ("tiltak.2.when"): its Repeat, the row, and its place in it."""
    group, _, rest = f.name.partition(".")
    row, _, name = rest.partition(".")
    for item in opened.form.parts():
        if isinstance(item, forms.Repeat) and item.name == group and row.isdigit():
            names = [x.name for x in item.fields]
            if name in names:
                return item, int(row), names.index(name)
    return None

"""A declared form drawn as questions in a terminal: what `blocks.form_view` and
`payloads.values_of` are to Slack, in one. Each field is asked by its kind and checked as it is
typed (`flow.check_field`); what the earlier answers leave out is skipped; «tilbake» goes one
question back; «avbryt», Ctrl-C and Ctrl-D ask before anything typed is thrown away, and a form
left half-way may be kept as a draft that is offered the next time. The answers go back to the
edge, which submits them through the core (`flow.submit`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.console.terminal import Back, Interrupted, Quit, StepBack, Terminal, named
from bot.core import flow, forms
from bot.core.forms import Kind
from handlers import people as people_
from handlers.i18n import has
from handlers.services import Services

TEXTS = (Kind.TEXT, Kind.MULTILINE, Kind.DATE)
Key = tuple[str, str, str]  # (person, form, case)


@dataclass
class Draft:
    """A form left half-way: what was typed, and the fields still to ask."""

    values: dict[str, Any] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)


class Prompts:
    def __init__(self, term: Terminal, services: Services) -> None:
        self.term, self.services = term, services
        self.drafts: dict[Key, Draft] = {}

    def fill(
        self,
        me: str,
        shown: flow.Shown,
        people: Sequence[tuple[str, str]] = (),
        own: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """The answers to a form: every field it shows, in order, or (drawn again with
        problems) only those with a problem, keeping everything typed. Leaving raises Back.

        `people`: (e-mail, label) a PERSON field offers. `own`: values the form opened with
        that the person typed themselves («meld fra <what happened>»), which leaving must not
        throw away unasked."""
        opened, term = shown.opened, self.term
        form = opened.form
        key = (me, form.name, opened.ref or "")
        draft = self.drafts.pop(key, None) if not shown.errors else None
        if draft is not None and not self._resume_draft():
            draft = None
        values = draft.values if draft else {**opened.values, **shown.values}
        fields = [f for f in opened.shown() if isinstance(f, forms.Field)]
        if shown.errors or shown.general:
            term.say(term.tr("console.fix"))
            for name, problem in shown.errors.items():
                term.say(f"  - {form.label_of(term.lang, name)}: {problem}")
            term.lines([f"  - {problem}" for problem in shown.general])
            todo = [f for f in fields if f.name in shown.errors]
        else:
            if draft is None:
                term.say(term.tr("console.form.how"))
                if form.intro:
                    term.say(term.tr(form.intro))
            todo = [f for f in fields if not self._settled(f, opened)]
            if draft is not None:
                todo = [f for f in todo if f.name in draft.left]
        initial = {k: v for k, v in opened.values.items() if k not in own}
        at = 0
        asked: list[int] = []  # the questions answered, in order: where «tilbake» goes
        ended: set[str] = set()  # repeat groups the person finished ("tiltak")

        def declined(item: forms.Field, answer: Any) -> bool:
            """Enter at a case form's first question, when it is a required text (the
            reason for closing, the note), is a no: back to the case, nothing asked more."""
            first = draft is None and todo and item is todo[0] and at == 1
            return bool(first) and opened.ref is not None and item.required and not answer

        while at < len(todo):
            item = todo[at]
            at += 1
            row = self._row_of(opened, item)
            if not opened.visible(item, values) or (row and row[0].name in ended):
                continue
            try:
                values[item.name] = self.answer(me, item, opened, values, people, declined)
            except StepBack:
                at = self._step_back(asked, todo, at - 1, opened, ended)
                continue
            except (Back, Interrupted) as left:
                self.leave(key, Draft(values, [f.name for f in todo[at - 1 :]]), initial, left)
                at -= 1  # go on where they were
                continue
            if item.name == forms.CONFIRM and not values[item.name]:
                raise Back  # not sure: nothing is sent, nothing kept
            asked.append(at - 1)
            if row and row[2] == 0 and not values[item.name] and not item.required:
                ended.add(row[0].name)  # an empty first field ends the rows
        return values

    def answer(
        self,
        me: str,
        item: forms.Field,
        opened: forms.Opened,
        values: dict[str, Any],
        people: Sequence[tuple[str, str]],
        declined: Callable[[forms.Field, Any], bool],
    ) -> Any:
        """One field, asked until it passes the check made as it is typed
        (`flow.check_field`); a problem is said and the same field asked again, what was
        understood is said under it."""
        while True:
            value = self.ask_field(me, item, opened, values, people)
            if declined(item, value):
                raise Back
            trial = {**values, item.name: value}
            hint = flow.check_field(self.services, opened, item.name, trial, me, self.term.lang)
            if hint is None:
                return value
            self.term.say(f"  → {hint.text}")
            if hint.ok:
                return value
            values[item.name] = value  # shown as "(Du skrev: …)" when asked again

    def _step_back(
        self,
        asked: list[int],
        todo: Sequence[forms.Field],
        here: int,
        opened: forms.Opened,
        ended: set[str],
    ) -> int:
        """Where «tilbake» goes: the question answered before this one (a repeat group
        ended there is open again); at the first question, the same one."""
        if not asked:
            self.term.say(self.term.tr("console.back.first"))
            return here
        previous = asked.pop()
        row = self._row_of(opened, todo[previous])
        if row is not None:
            ended.discard(row[0].name)
        return previous

    @staticmethod
    def _settled(f: forms.Field, opened: forms.Opened) -> bool:
        """A choice the form's opening already made (the person's only school) is not asked."""
        return f.kind == Kind.CHOICE and f.default is None and bool(opened.values.get(f.name))

    @staticmethod
    def _row_of(opened: forms.Opened, f: forms.Field) -> tuple[forms.Repeat, int, int] | None:
        """For a repeated field ("tiltak.2.when"): its Repeat, the row, and its place in it."""
        group, _, rest = f.name.partition(".")
        row, _, name = rest.partition(".")
        for item in opened.form.items:
            if isinstance(item, forms.Repeat) and item.name == group and row.isdigit():
                names = [x.name for x in item.fields]
                if name in names:
                    return item, int(row), names.index(name)
        return None

    def _resume_draft(self) -> bool:
        tr = self.term.tr
        index = self.term.pick(
            tr("console.draft.found"), [tr("console.draft.resume"), tr("console.draft.restart")]
        )
        if index is None:
            raise Back
        return index == 0

    def leave(self, key: Key, draft: Draft, initial: Mapping[str, Any], left: Exception) -> None:
        """The person typed a cancel word or pressed Ctrl-C/Ctrl-D inside a form. Returns
        to go on where they were; raises Back (draft kept or discarded) or Quit. Only what
        the person typed counts, not what the form was opened with."""
        typed = any(
            v not in ("", None, False, [], ()) and v != initial.get(k)
            for k, v in draft.values.items()
        )
        if not typed:
            raise Back from left
        term, tr = self.term, self.term.tr
        term.say(tr("console.form.not_sent"))
        choices = [tr("console.form.go_on"), tr("console.form.keep"), tr("console.form.discard")]
        try:
            index = term.pick(tr("console.form.what_now"), choices)
        except Interrupted:
            # The input is gone (Ctrl-D twice, or the end of a script): keep it for this
            # session and say so, then leave.
            self.drafts[key] = draft
            term.say(tr("console.form.lost"))
            raise Quit from left
        if index == 0:
            return
        if index == 2:
            term.say(tr("console.form.discarded"))
        else:
            self.drafts[key] = draft
            term.say(tr("console.form.kept"))
        raise Back from left

    def ask_field(
        self,
        me: str,
        f: forms.Field,
        opened: forms.Opened,
        values: dict[str, Any],
        people: Sequence[tuple[str, str]],
    ) -> Any:
        """One declared field, by its kind; the value as `forms.submit` takes it."""
        term, tr = self.term, self.term.tr
        label = opened.form.label_of(term.lang, f.name)
        row = self._row_of(opened, f)
        if row and row[2] == 0:
            term.say(tr(row[0].heading, n=row[1]))
        before = values.get(f.name)
        prefilled = opened.values.get(f.name)
        keep = bool(prefilled) and before == prefilled and f.kind in TEXTS
        if before not in (None, "", [], (), False) and not keep:
            term.say(tr("console.you_typed", value=self._shown(f, opened, before)))
        needed = opened.needed(f, values)
        optional = "" if needed or f.default else f" {tr('console.optional')}"
        if row and row[2] == 0 and not f.required:
            optional = f" {tr('console.repeat.done')}"
        if keep:  # filled in from the case (the pupils named in the report): Enter keeps it
            optional = f" {tr('console.default', value=prefilled)}"
        hint = f" – {tr(f.hint)}" if f.hint and f.kind in (Kind.DATE, Kind.TEXT) else ""
        options = [(c.value, c.text(term.lang)) for c in opened.choices_of(f)]
        if f.kind == Kind.CHOICE:
            return self._ask_one(label + optional, options, f)
        if f.kind == Kind.CHOICES:
            return self._ask_many(label + optional, options)
        if f.kind == Kind.TOGGLE and f.name == forms.CONFIRM:
            return term.yes_no(label)  # "Er du sikker? (j/n)"
        if f.kind == Kind.TOGGLE:  # one question, not the label and the box's text together
            question = f"{f.label}.question"
            return term.yes_no(tr(question) if has(question) else label)
        if f.kind == Kind.PERSON:
            return self._ask_person(label + optional, people, f)
        if f.kind == Kind.SEARCH:
            return self._ask_search(me, label + optional, f, values)
        while True:
            answer = term.ask(label + optional + hint)
            if keep and not answer:
                return prefilled
            if f.max_length is None or len(answer) <= f.max_length:
                return answer
            term.say(tr("error.too_long", max=f.max_length, length=len(answer)))

    def _shown(self, f: forms.Field, opened: forms.Opened, value: Any) -> str:
        labels = {c.value: c.text(self.term.lang) for c in opened.choices_of(f)}
        if isinstance(value, list | tuple):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))

    def _ask_one(self, title: str, options: list[tuple[str, str]], f: forms.Field) -> str:
        """A numbered choice. Enter takes the declared default; with none, Enter leaves a
        required choice (the form) and skips an optional one."""
        default = next((label for value, label in options if value == f.default), None)
        if default is not None:
            title += f" {self.term.tr('console.default', value=default)}"
        labels = [label for _, label in options]
        index = self.term.pick(title, labels, typed=lambda a: named(a, options), in_form=True)
        if index is not None:
            return options[index][0]
        if f.default is not None:
            return f.default
        if f.required:
            raise Back
        return ""

    def _ask_many(self, title: str, options: list[tuple[str, str]]) -> list[str]:
        """Numbers or names («mobbing»), separated by commas; anything else is refused with
        the choices shown."""
        last = len(options)
        while True:
            self.term.lines([f"  {i}) {label}" for i, (_, label) in enumerate(options, 1)])
            raw = self.term.ask(f"{title} – {self.term.tr('console.many_help')}")
            picked: list[int | None] = []
            for part in (p.strip() for p in raw.split(",") if p.strip()):
                numbers = part.split()
                if all(n.isdigit() for n in numbers):
                    picked += [int(n) - 1 if 1 <= int(n) <= last else None for n in numbers]
                else:
                    picked.append(named(part, options))
            if None not in picked:
                return list(dict.fromkeys(options[i][0] for i in picked if i is not None))
            self.term.say(self.term.tr("console.not_a_choice", value=raw, last=last))

    def _ask_search(self, me: str, title: str, f: forms.Field, values: Mapping[str, Any]) -> Any:
        """A picker: what is typed is searched (several, with `multi`, separated by commas);
        matches are numbered and the text itself comes last, Enter takes the text. Without
        matches the text is taken as typed, as before the register."""
        answer = self.term.ask(title)
        if not answer.strip():  # the handler says what is missing, like any other field
            return [] if f.multi else ""
        parts = [p for p in answer.split(",") if p.strip()] if f.multi else [answer]
        picked = [self._search_one(me, f, part, values) for part in parts]
        return picked if f.multi else picked[0]

    def _search_one(self, me: str, f: forms.Field, typed: str, values: Mapping[str, Any]) -> str:
        assert f.search is not None
        school = values.get("school") if isinstance(values.get("school"), str) else None
        found = flow.picks(self.services, me, f.search, typed, self.term.lang, school=school)
        matches = [c for c in found if not c.value.startswith(people_.TYPED)]
        exact = [c for c in matches if c.value.lower() == f"{people_.STAFF}{typed.strip().lower()}"]
        if exact or not matches:
            return (exact or found or [forms.Choice(people_.TYPED + typed.strip(), "")])[0].value
        index = self.term.pick(typed.strip(), [c.text(self.term.lang) for c in found])
        return found[index].value if index is not None else found[-1].value

    def _ask_person(self, title: str, people: Sequence[tuple[str, str]], f: forms.Field) -> str:
        """A number from the list, or an e-mail on it; someone not on it "finnes ikke"."""
        emails = [email for email, _ in people]
        while True:
            self.term.lines([f"  {i}) {label}" for i, (_, label) in enumerate(people, 1)])
            answer = self.term.ask(f"{title} – {self.term.tr('console.person_help')}")
            if not answer:
                if f.required:
                    raise Back
                return ""
            if answer.isdigit() and 1 <= int(answer) <= len(emails):
                return emails[int(answer) - 1]
            if answer.lower() in emails:
                return answer.lower()
            self.term.say(self.term.tr("console.no_such_person", who=answer))

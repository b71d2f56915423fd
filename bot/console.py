"""The local console: Meldefra's flows in a terminal, without Slack or Teams.

Pick who you are from org.yml, file a report through the same fields as the modal, see what
each person receives, and act as the leader. Notices are delivered by the same outbox worker
as in chat, with a sender that keeps them for the console's inbox.

How it behaves at the keyboard: choices are numbered wherever the set is known; Enter at a
menu (or «avbryt»/«tilbake» anywhere in a form) goes back one step; Ctrl-C or Ctrl-D inside a
form asks before anything typed is thrown away, and a form may be kept as a draft that is
offered the next time. An opened case stays open after each action (one `viewed` event per
opening), and only the actions the person may take are offered.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot import text
from bot.core import actions, flow, forms, redaction, views, words
from bot.core.forms import Kind
from bot.delivery import Worker
from handlers import choices, export, followup, matter, people, plan, review
from handlers.dates import format_when
from handlers.delivery import Pending, delivered_to
from handlers.errors import FieldErrors, Refused
from handlers.i18n import LANGS, has, t
from handlers.services import Services

PLATFORM = "console"


class ConsoleSender:
    """Delivery to the console is keeping the notice for the recipient's inbox."""

    platform = PLATFORM

    def deliver(self, item: Pending) -> str | None:
        return None


class Quit(Exception):
    """Leave the console."""


class Back(Exception):
    """Leave the form or menu without doing anything (what was typed is kept as a draft or
    thrown away, as the person chose)."""


class StepBack(Back):
    """«tilbake» typed in a form: the previous question (elsewhere, like any Back)."""


class Interrupted(Exception):
    """Ctrl-C (KeyboardInterrupt) or Ctrl-D (end of input) at a prompt."""


def _words(key: str) -> frozenset[str]:
    """A word set from every catalog: a person may type it in any of the languages."""
    return frozenset(w.strip().lower() for lang in LANGS for w in t(lang, key).split(","))


@dataclass
class Draft:
    """A form left half-way: what was typed, and the fields still to ask."""

    values: dict[str, Any] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)


# The case actions in the order (and with the numbers) the console has always shown them;
# a verb declared in bot.core.actions and missing here is offered after them.
ACTION_ORDER = (
    "acknowledge",
    "investigate",
    "forward",
    "note",
    "close",
    "plan",
    "show_plan",
    "evaluate",
    "tiltak_done",
    "share",
    "export",
    "change_plan",
)
HANDLED = -1  # `typed` answered the person itself (help): ask again
TEXTS = (Kind.TEXT, Kind.MULTILINE, Kind.DATE)


class Console:
    def __init__(
        self,
        services: Services,
        *,
        read: Callable[[str], str] = input,
        out: TextIO | None = None,
        banner: list[str] | None = None,
        export_dir: Path = Path("exports"),
    ) -> None:
        self.services = services
        self.export_dir = export_dir
        self.read = read
        self.out = out or sys.stdout
        self.banner = banner or []
        self.worker = Worker(services, ConsoleSender())
        self.me: str | None = None
        self.lang = "nb"
        self.what = ""  # typed after «meld fra» at the menu: what happened
        self.drafts: dict[tuple[str, str, str], Draft] = {}  # (person, form, case) → draft
        self.cancel_words = _words("console.words.cancel")
        self.back_words = _words("console.words.back")
        self.quit_words = _words("console.words.quit")

    # --- plumbing ---------------------------------------------------------------------

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def ask(self, prompt: str) -> str:
        """One line from the person. Ctrl-C and Ctrl-D raise Interrupted; the cancel words
        («avbryt») raise Back, the back words («tilbake») StepBack."""
        try:
            answer = self.read(f"{prompt}: ").strip()
        except EOFError as exc:
            self.say()
            raise Interrupted from exc
        except KeyboardInterrupt as exc:
            self.say()
            raise Interrupted from exc
        if answer.lower() in self.back_words:
            raise StepBack
        if answer.lower() in self.cancel_words:
            raise Back
        return answer

    def tr(self, key: str, **args: object) -> str:
        return t(self.lang, key, **args)

    def pick(
        self,
        title: str,
        options: Sequence[str],
        numbers: Sequence[int] | None = None,
        typed: Callable[[str], int | None] | None = None,
        *,
        in_form: bool = False,
    ) -> int | None:
        """A numbered menu; returns the index into `options`, or None to go back (Enter or
        a cancel word). `numbers` keeps fixed numbers when only some options are offered;
        `typed` may read a word instead of a number (the main menu's «mine», «saker»), or
        answer itself and return HANDLED. `in_form`: «tilbake» is the previous question
        (StepBack), not this menu's way back."""
        shown = list(numbers) if numbers is not None else list(range(1, len(options) + 1))
        self.say(title)
        for no, label in zip(shown, options, strict=True):
            self.say(f"  {no}) {label}")
        while True:
            try:
                answer = self.ask(self.tr("console.choose"))
            except StepBack:
                if in_form:
                    raise
                return None
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

    def deliver(self) -> None:
        while self.worker.run_once():
            pass

    # --- the main loop ----------------------------------------------------------------

    def run(self) -> int:
        for line in self.banner:
            self.say(line)
        try:
            while True:
                try:
                    if self.me is None:
                        self.choose_person()
                    else:
                        self.menu()
                except Back:
                    continue
        except (Quit, Interrupted, KeyboardInterrupt):
            self.say(self.tr("console.bye"))
        return 0

    def choose_person(self) -> None:
        people = self.services.org.people()
        self.say(self.tr("console.who"))
        for i, described in enumerate(self._described(people), 1):
            self.say(f"  {i}) {described}")
        while True:
            try:
                answer = self.ask(self.tr("console.choose"))
            except Back:
                answer = ""
            if answer.lower() in self.quit_words:
                raise Quit
            if answer.isdigit() and 1 <= int(answer) <= len(people):
                break
            self.say(self.tr("console.who.how", last=len(people)))
        self.me = people[int(answer) - 1]
        self.lang = self.services.org.language_of(self.me)

    def _described(self, emails: Sequence[str]) -> list[str]:
        """Each person as the console lists them: "Line Lærer, laerer1@… (Nordby skole,
        8. trinn)", the names read from the directory in one query."""
        org = self.services.org
        names = people.displays(self.services, emails)
        out = []
        for email in emails:
            parts = []
            for school in org.schools_of(email):
                unit = school.unit_of(email)
                role = "rektor" if email == school.principal else (unit.name if unit else "")
                parts.append(f"{school.name}{', ' + role if role else ''}")
            if email in org.owner.contacts:
                parts.append(org.owner.name)
            name = names.get(email, email)
            who = f"{name}, {email}" if name != email else email
            out.append(f"{who} ({'; '.join(parts)})")
        return out

    def menu(self) -> None:
        assert self.me is not None
        self.deliver()
        actions = [
            ("console.menu.report", self.file_report),
            ("console.menu.inbox", self.inbox),
            ("console.menu.waiting", self.waiting),
            ("console.menu.case", self.act_on_case),
            ("console.menu.mine", self.my_reports),
            ("console.menu.switch", self.switch),
            ("console.menu.quit", self.quit),
            # Last, so the numbers people (and scripts) know stay where they were; only for
            # those who lead (a teacher's menu holds nothing that would be refused or empty).
            ("console.menu.followup", self.run_reminders),
            ("overview.menu", self.overview),
        ]
        numbers = list(range(1, len(actions) + 1))
        if not self._leads(self.me):
            actions, numbers = actions[:-2], numbers[:-2]
        index = self.pick(
            self.tr("console.menu", who=people.display(self.services, self.me)),
            [self.tr(k) for k, _ in actions],
            numbers,
            typed=self._typed,
        )
        if index is None:
            return
        actions[index][1]()

    def _leads(self, email: str) -> bool:
        """Rektor, a leader of a unit or the school's leadership, or skoleeier."""
        org = self.services.org
        if email in org.owner.contacts:
            return True
        return any(
            s.is_leadership(email) or any(u.leader == email for u in s.units)
            for s in org.schools_of(email)
        )

    def _typed(self, answer: str) -> int | None:
        """The words a person may type anywhere Meldefra lives (bot.core.words), as menu
        entries: «meld fra <what happened>», «mine», «saker»; «hjelp» explains."""
        intent, rest = words.intent(answer)
        if intent == words.REPORT:
            self.what = rest
            return 0
        if intent == words.HELP:
            self.say(self.tr("console.help"))
            return HANDLED
        return {words.MINE: 4, words.CASES: 3}.get(intent or "")

    def switch(self) -> None:
        self.me = None

    def quit(self) -> None:
        raise Quit

    def run_reminders(self) -> None:
        """The morning round of every school now, as `meldefra remind` does; then deliver."""
        now = self.services.clock.now()
        org = self.services.org
        schools = [s.id for s in org.schools]
        urgent = followup.run_urgent(self.services, schools, at=now)  # § 12-5 by the hour
        results = followup.run_reminders(self.services, schools, at=now)
        for result in [*results, *(r for r in urgent if r.notices or r.escalated)]:
            next_round = followup.next_round_at(org.school(result.school_id), now)
            for line in text.round_lines(self.lang, result, next_round=next_round):
                self.say(line)
        self.deliver()

    # --- forms: rendered from bot.core.forms -----------------------------------------

    def fill(
        self,
        opened: forms.Opened,
        *,
        people: Sequence[str] = (),
        own: frozenset[str] = frozenset(),
    ) -> forms.Result:
        """Ask a declared form's fields in order, each checked as it is typed (asked again,
        with the problem, until it is right; what was understood is shown under it), skip
        what the earlier answers leave out, submit, and on field errors ask again only for
        what was wrong, keeping everything typed. «tilbake» goes to the previous question;
        «avbryt», Ctrl-C and Ctrl-D go through `leave`, which asks before throwing anything
        away; leaving raises Back.

        `people`: whom a PERSON field offers (the console knows the set; chat platforms
        have their own people pickers). `own`: values the form opened with that the person
        typed themselves («meld fra <what happened>»), which leaving must not throw away
        unasked."""
        form = opened.form
        me = self.me or ""
        key = (me, form.name, opened.ref or "")
        draft = self.drafts.pop(key, None)
        if draft is not None and not self._resume_draft():
            draft = None
        values = draft.values if draft else dict(opened.values)
        if draft is None:
            self.say(self.tr("console.form.how"))
            if form.intro:
                self.say(self.tr(form.intro))
        initial = {k: v for k, v in opened.values.items() if k not in own}
        shown = [f for f in opened.shown() if isinstance(f, forms.Field)]
        todo = [f for f in shown if not self._settled(f, opened)]
        if draft is not None:
            todo = [f for f in todo if f.name in draft.left]
        at = 0
        asked: list[int] = []  # the questions answered, in order: where «tilbake» goes
        ended: set[str] = set()  # repeat groups the person finished ("tiltak")

        def declined(item: forms.Field, answer: Any) -> bool:
            """Enter at a case form's first question, when it is a required text (the
            reason for closing, the note), is a no: back to the case, nothing asked more."""
            first = draft is None and todo and item is todo[0] and at == 1
            return bool(first) and opened.ref is not None and item.required and not answer

        while True:
            while at < len(todo):
                item = todo[at]
                at += 1
                row = self._row_of(opened, item)
                if not opened.visible(item, values) or (row and row[0].name in ended):
                    continue
                try:
                    values[item.name] = self.answer(item, opened, values, people, declined)
                except StepBack:
                    at = self._step_back(asked, todo, at - 1, opened, ended)
                    continue
                except (Back, Interrupted) as left:
                    draft = Draft(values, [f.name for f in todo[at - 1 :]])
                    self.leave(key, draft, initial, left)
                    at -= 1  # go on where they were
                    continue
                if item.name == forms.CONFIRM and not values[item.name]:
                    raise Back  # not sure: nothing is sent, nothing kept
                asked.append(at - 1)
                if row and row[2] == 0 and not values[item.name] and not item.required:
                    ended.add(row[0].name)  # an empty first field ends the rows
            try:
                return forms.submit(
                    self.services, form.name, forms.Submission(me, values, opened.ref)
                )
            except FieldErrors as errors:
                beside, general = form.place(errors, [f.name for f in shown])
                if not beside:  # nothing to fix in this form (e.g. a plan exists already)
                    raise
                self.say(self.tr("console.fix"))
                for name, problem in beside.items():
                    self.say(f"  - {form.label_of(self.lang, name)}: {problem.text(self.lang)}")
                for problem in general:
                    self.say(f"  - {problem.text(self.lang)}")
                todo = [f for f in shown if f.name in beside]
                ended = set()
                asked = []
                at = 0

    def answer(
        self,
        item: forms.Field,
        opened: forms.Opened,
        values: dict[str, Any],
        people: Sequence[str],
        declined: Callable[[forms.Field, Any], bool],
    ) -> Any:
        """One field, asked until it passes the check made as it is typed
        (`flow.check_field`); a problem is said and the same field asked again, what was
        understood is said under it."""
        while True:
            value = self.ask_field(item, opened, values, people)
            if declined(item, value):
                raise Back
            trial = {**values, item.name: value}
            hint = flow.check_field(self.services, opened, item.name, trial, self.me, self.lang)
            if hint is None:
                return value
            self.say(f"  → {hint.text}")
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
            self.say(self.tr("console.back.first"))
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
        index = self.pick(
            self.tr("console.draft.found"),
            [self.tr("console.draft.resume"), self.tr("console.draft.restart")],
        )
        if index is None:
            raise Back
        return index == 0

    def leave(
        self, key: tuple[str, str, str], draft: Draft, initial: Mapping[str, Any], left: Exception
    ) -> None:
        """The person typed a cancel word or pressed Ctrl-C/Ctrl-D inside a form. Returns
        to go on where they were; raises Back (draft kept or discarded) or Quit. Only what
        the person typed counts, not what the form was opened with."""
        typed = any(
            v not in ("", None, False, [], ()) and v != initial.get(k)
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
        f: forms.Field,
        opened: forms.Opened,
        values: dict[str, Any],
        people: Sequence[str],
    ) -> Any:
        """One declared field, by its kind; the value as `forms.submit` takes it."""
        label = opened.form.label_of(self.lang, f.name)
        row = self._row_of(opened, f)
        if row and row[2] == 0:
            self.say(self.tr(row[0].heading, n=row[1]))
        before = values.get(f.name)
        prefilled = opened.values.get(f.name)
        keep = bool(prefilled) and before == prefilled and f.kind in TEXTS
        if before not in (None, "", [], (), False) and not keep:
            self.say(self.tr("console.you_typed", value=self._shown(f, opened, before)))
        needed = opened.needed(f, values)
        optional = "" if needed or f.default else f" {self.tr('console.optional')}"
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
        if f.kind == Kind.TOGGLE and f.name == forms.CONFIRM:
            return self._ask_yes_no(label)  # "Er du sikker? (j/n)"
        if f.kind == Kind.TOGGLE:  # one question, not the label and the box's text together
            question = f"{f.label}.question"
            return self._ask_yes_no(self.tr(question) if has(question) else label)
        if f.kind == Kind.PERSON:
            return self._ask_person(
                label + optional, list(zip(people, self._described(people), strict=True)), f
            )
        if f.kind == Kind.SEARCH:
            return self._ask_search(label + optional, f, values)
        while True:
            answer = self.ask(label + optional + hint)
            if keep and not answer:
                return prefilled
            if f.max_length is None or len(answer) <= f.max_length:
                return answer
            self.say(self.tr("error.too_long", max=f.max_length, length=len(answer)))

    def _shown(self, f: forms.Field, opened: forms.Opened, value: Any) -> str:
        labels = {c.value: c.text(self.lang) for c in opened.choices_of(f)}
        if isinstance(value, list | tuple):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))

    def _ask_one(self, title: str, options: list[tuple[str, str]], f: forms.Field) -> str:
        """A numbered choice. Enter takes the declared default; with none, Enter leaves a
        required choice (the form) and skips an optional one."""
        default = next((label for value, label in options if value == f.default), None)
        if default is not None:
            title += f" {self.tr('console.default', value=default)}"
        labels = [label for _, label in options]
        index = self.pick(title, labels, typed=lambda answer: _named(answer, options), in_form=True)
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
            for i, (_, label) in enumerate(options, 1):
                self.say(f"  {i}) {label}")
            raw = self.ask(f"{title} – {self.tr('console.many_help')}")
            picked: list[int | None] = []
            for part in (p.strip() for p in raw.split(",") if p.strip()):
                numbers = part.split()
                if all(n.isdigit() for n in numbers):
                    picked += [int(n) - 1 if 1 <= int(n) <= last else None for n in numbers]
                else:
                    picked.append(_named(part, options))
            if None not in picked:
                return list(dict.fromkeys(options[i][0] for i in picked if i is not None))
            self.say(self.tr("console.not_a_choice", value=raw, last=last))

    def _ask_yes_no(self, question: str) -> bool:
        while True:
            mark = "" if question.endswith("?") else "?"
            answer = self.ask(f"{question}{mark} ({self.tr('console.yes_no')})").lower()
            if answer in ("", "n", "nei", "no"):
                return False
            if answer in ("j", "ja", "y", "yes"):
                return True
            self.say(self.tr("console.yes_no.again"))

    def _ask_search(self, title: str, f: forms.Field, values: Mapping[str, Any]) -> Any:
        """A picker: what is typed is searched (several, with `multi`, separated by commas);
        matches are numbered and the text itself comes last, Enter takes the text. Without
        matches the text is taken as typed, as before the register."""
        answer = self.ask(title)
        if not answer.strip():  # the handler says what is missing, like any other field
            return [] if f.multi else ""
        parts = [p for p in answer.split(",") if p.strip()] if f.multi else [answer]
        picked = [self._search_one(f, part, values) for part in parts]
        return picked if f.multi else picked[0]

    def _search_one(self, f: forms.Field, typed: str, values: Mapping[str, Any]) -> str:
        assert f.search is not None and self.me is not None
        school = values.get("school") if isinstance(values.get("school"), str) else None
        found = forms.search(
            self.services, f.search, self.me, typed, school_id=school, lang=self.lang
        )
        matches = [c for c in found if not c.value.startswith(people.TYPED)]
        exact = [c for c in matches if c.value.lower() == f"{people.STAFF}{typed.strip().lower()}"]
        if exact or not matches:
            return (exact or found or [forms.Choice(people.TYPED + typed.strip(), "")])[0].value
        index = self.pick(typed.strip(), [c.text(self.lang) for c in found])
        return found[index].value if index is not None else found[-1].value

    def _ask_person(self, title: str, people: list[tuple[str, str]], f: forms.Field) -> str:
        """A number from the list, or an e-mail on it; someone not on it "finnes ikke"."""
        emails = [email for email, _ in people]
        while True:
            for i, (_, label) in enumerate(people, 1):
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

    # --- melde fra --------------------------------------------------------------------

    def file_report(self) -> None:
        assert self.me is not None
        org = self.services.org
        opened = forms.report_opened(org, actor=self.me, prefill={"what": self.what})
        own = frozenset({"what"}) if self.what else frozenset()
        self.what = ""
        schools = org.schools_of(self.me) or list(org.schools)
        staff = sorted({p for s in schools for p in s.staff()} - {self.me})
        try:
            result = self.fill(opened, people=staff, own=own)
        except Back:
            return
        raised = result.filed is not None and result.filed.raised is not None
        # § 12-6: what was written down, and when it was raised, in the core's own words.
        said = result.lines(self.lang, forms.REPORT)[0] if raised else None
        self.say(said or self.tr("console.filed", ref=result.ref))
        if result.filed is not None and result.filed.when is not None:
            self.say(self.tr("when.understood", when=format_when(result.filed.when, self.lang)))
        self.deliver()

    # --- what I have and what waits ---------------------------------------------------

    def inbox(self) -> None:
        assert self.me is not None
        self.deliver()
        received = delivered_to(self.services, self.me, platform=PLATFORM)
        if not received:
            self.say(self.tr("console.nothing"))
        for item in received:
            self.say("—" * 40)
            self.say(text.render(item["kind"], item["lang"], item["data"], edge=PLATFORM))
        self.say("—" * 40)

    def _list(self, cases: list[review.CaseSummary], numbered: bool = False) -> None:
        if not cases:
            self.say(self.tr("console.nothing"))
        for i, c in enumerate(cases, 1):
            flags = " ".join(
                x for x in ("!" if c.urgent else "", "§ 12-5" if c.section == "12-5" else "") if x
            )
            number = f"{i}) " if numbered else ""
            zone = self.services.org.school(c.school_id).zone
            day = f"{c.created_at.astimezone(zone):%d.%m.%Y}"
            status = self.tr("status." + c.status)
            self.say(f"  {number}{c.ref}  {day}  {status:<18} {c.unit or ''} {flags}".rstrip())

    def waiting(self) -> None:
        assert self.me is not None
        self._list(review.waiting_for(self.services, self.me))

    def my_reports(self) -> None:
        assert self.me is not None
        self._list(review.my_reports(self.services, self.me))

    def overview(self) -> None:
        """The school's cases (rektor, skoleeier) or the person's own: numbered lines to open,
        a search, three sorts and pages (bot.core.views.OverviewView)."""
        assert self.me is not None
        values: dict[str, str] = {}
        while True:
            view = flow.show_overview(self.services, self.me, self.lang, values)
            if view is None:
                self.say(self.tr("console.nothing"))
                return
            lines = view.lines()
            self.say(f"{view.title} – {view.summary}")
            number = 0
            for group in view.groups:
                if group.heading:
                    self.say(group.heading)
                for line in group.lines:
                    number += 1
                    self.say(f"  {number}) {line.text}")
            if view.empty:
                self.say(view.empty)
            if view.pages > 1:
                self.say(view.page_line)
            answer = self.ask(self.tr("overview.console.pick")).strip().lower()
            sorts = {letter: sort for letter, (sort, _) in zip("abc", view.sorts, strict=False)}
            steps = {"+": view.next_page, "-": view.previous_page}
            if not answer:
                return
            if answer == "s":
                values = {"text": self.ask(f"{view.search_label} ({view.search_hint})")}
                values["sort"] = view.query.sort
            elif answer in sorts:
                values = view.at(sort=sorts[answer])
            elif answer in steps:
                values = view.at(page=steps[answer] or view.query.page)
            elif answer.isdigit() and 1 <= int(answer) <= len(lines):
                self.open_from_list(lines[int(answer) - 1].ref)
                values = view.at()
            else:
                self.say(self.tr("overview.console.not_a_choice", value=answer))

    def open_from_list(self, ref: str) -> None:
        assert self.me is not None
        step = flow.open_case(self.services, ref, self.me, self.lang)
        if isinstance(step, flow.Notice):
            self.say(step.text)
            return
        self.show(step.details)
        self.on_case(ref)

    # --- a case -----------------------------------------------------------------------

    def act_on_case(self) -> None:
        """Pick a waiting case or type its number; it stays open until Enter."""
        assert self.me is not None
        waiting = review.waiting_for(self.services, self.me)
        if waiting:
            self.say(self.tr("console.menu.waiting") + ":")
            self._list(waiting, numbered=True)
        prompt = self.tr("console.case_ref.pick" if waiting else "console.case_ref")
        while True:
            try:
                answer = self.ask(prompt)
            except Back:
                return
            if not answer:
                return
            if answer.isdigit() and 1 <= int(answer) <= len(waiting):
                ref = waiting[int(answer) - 1].ref
            else:
                ref = answer
            try:
                details = review.open_case(self.services, ref, self.me)
            except Refused as refusal:
                self.say(refusal.text(self.lang))
                continue
            break
        self.show(details)
        self.on_case(details.ref)

    def offered(self, now: choices.CaseChoices) -> list[tuple[int, str, str]]:
        """(number, verb, label key) of what this person may do with the case now: the
        state machine's table (`now.offered`), as the handlers enforce it, numbered 1, 2, 3 …
        in a fixed order (numbers never jump over what is not offered)."""
        later = (v for v in actions.ACTIONS if v not in ACTION_ORDER and v != "open")
        out: list[tuple[int, str, str]] = []
        for verb in (*ACTION_ORDER, *later):
            declared = actions.ACTIONS[verb]
            if now.may(declared.name):
                out.append((len(out) + 1, verb, declared.label))
        return out

    def on_case(self, ref: str) -> None:
        """The actions this person may take, again after each one, until Enter."""
        while True:
            self.deliver()
            try:
                now = choices.choices_for(self.services, ref, self.me or "")
            except Refused as refusal:
                self.say(refusal.text(self.lang))
                return
            offered = self.offered(now)
            title = self.tr("console.case_now", ref=now.ref, status=self.tr("status." + now.status))
            if not offered:
                self.say(title)
                self.say(self.tr("console.case_read_only"))
                return
            try:
                index = self.pick(
                    f"{title} {self.tr('console.back_hint')}",
                    [self.tr(label) for _, _, label in offered],
                    [no for no, _, _ in offered],
                )
            except Interrupted:  # Ctrl-C here leaves the case, not the console
                return
            if index is None:
                return
            try:
                self.do(offered[index][1], now)
            except (Back, Interrupted):
                self.say(self.tr("console.cancelled"))
            except FieldErrors as errors:
                for message in errors.render(self.lang).values():
                    self.say(message)
            except Refused as refusal:
                self.say(refusal.text(self.lang))

    def do(self, verb: str, now: choices.CaseChoices) -> None:
        """One action on the open case: in place, or through its declared form."""
        me = self.me or ""
        if verb == "show_plan":
            return self.show_plan(now.ref)
        if verb == "tiltak_done":
            return self.tiltak_done(now)
        action = actions.ACTIONS[verb]
        if action.confirm and not self._ask_yes_no(self.tr(action.confirm)):
            raise Back
        if action.run is not None:
            step = flow.click(self.services, verb, now.ref, me, self.lang)
            if isinstance(step, flow.Notice | flow.Done):
                self.say(step.text if isinstance(step, flow.Notice) else "\n".join(step.lines))
            return None
        assert action.form is not None
        # The form's own access check runs before any typing (a refusal is on the trail).
        opened = forms.open_form(self.services, action.form, me, ref=now.ref)
        result = self.fill(opened, people=now.forward_to)
        if result.file is not None:
            self.save(result.file)
            return None
        for line in result.lines(self.lang, opened.form, self.services.clock.now()):
            self.say(line)
        return None

    def save(self, file: export.ExportFile) -> None:
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / file.name
        path.write_bytes(file.content)
        self.say(self.tr("console.plan.exported", path=path, sha256=file.sha256))
        if file.review is not None:  # a copy for one party: what the leader reads first
            for line in redaction.review_lines(file.review, self.lang):
                self.say(line)

    # --- the aktivitetsplan -----------------------------------------------------------

    def show_plan(self, ref: str) -> None:
        step = flow.show_plan(self.services, ref, self.me or "", self.lang)
        if isinstance(step, flow.Notice):
            self.say(step.text)
            return
        self.say("=" * 40)
        for heading, lines in step.view.sections:
            self.say(heading.upper())
            for depth, line in lines:
                self.say("  " * depth + line)
        self.say("=" * 40)

    def tiltak_done(self, now: choices.CaseChoices) -> None:
        waiting = [no for no, done in now.tiltak if not done]
        index = self.pick(
            self.tr("console.plan.tiltak_no"), [self.tr("console.tiltak_no", no=n) for n in waiting]
        )
        if index is None:
            raise Back
        outcome = plan.complete_tiltak(self.services, now.ref, self.me or "", waiting[index])
        self.say(self.tr(outcome.key, **outcome.args))

    def show(self, details: review.CaseDetails) -> None:
        self.say("=" * 40)
        self.say(
            self.tr("case.title", ref=details.ref) + f" – {self.tr('status.' + details.status)}"
        )
        if matter.is_raised(details.reporter):  # § 12-6: who raised it, and who wrote it down
            self.say(": ".join(views.reporter(self.lang, details)))
        else:
            self.say(
                self.tr(
                    "case.reported_by",
                    who=details.name(details.reporter),
                    at=details.created_at.astimezone(
                        self.services.org.school(details.school_id).zone
                    ).strftime("%d.%m.%Y %H.%M"),
                )
            )
        for line in text.case_lines(
            self.lang,
            {
                "urgent": details.urgent,
                "section": details.section,
                "unit": details.unit,
                "categories": details.categories,
                "accused": details.accused,
            },
        ):
            self.say(line)
        self.say(self.tr("console.report_text") + ":")
        zone = self.services.org.school(details.school_id).zone
        for label, value in views.case_view(self.lang, details, zone).report:
            if value:
                self.say(f"  {label}: {value}")
        self.say(self.tr("case.trail") + ":")
        for entry in details.trail:
            if entry.type in ("notified", "delivered"):
                continue
            kind = text.event_label(self.lang, entry)
            who = details.name(entry.actor)
            self.say(f"  {entry.at.astimezone(zone):%d.%m %H.%M}  {kind:<24} {who}")
        self.say("=" * 40)


def _named(typed: str, options: Sequence[tuple[str, str]]) -> int | None:
    """The choice a person named instead of numbering it: its label («mobbing», any case),
    its value, or the start of one label only («digital»)."""
    word = " ".join(typed.lower().split())
    if not word or word.isdigit():
        return None
    for i, (value, label) in enumerate(options):
        if word in (label.lower(), value.lower()):
            return i
    starting = [i for i, (_, label) in enumerate(options) if label.lower().startswith(word)]
    return starting[0] if len(starting) == 1 else None

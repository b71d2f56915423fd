"""The console edge (`bot.core.edge.Edge[Here, None]`): Meldefra in a terminal, without Slack or
Teams. Its menus translate what is typed into the core's calls (`bot.core.flow`), as Slack's
listeners translate payloads, and it draws what comes back: a form as questions
(`prompts.py`), a view as lines (`render.py`), a notice as lines; a file is saved.

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.console import render
from bot.console.prompts import Prompts
from bot.console.terminal import HANDLED, Back, Interrupted, Quit, Terminal
from bot.core import actions, edge, flow, redaction, views, words
from bot.core.forms import Submission
from bot.delivery import Worker
from handlers import choices, people
from handlers.delivery import Pending, delivered_to
from handlers.errors import Refused
from handlers.export import ExportFile
from handlers.services import Services

PLATFORM = "console"


class ConsoleSender:
    """Delivery to the console is keeping the notice for the recipient's inbox."""

    platform = PLATFORM

    def deliver(self, item: Pending) -> str | None:
        return None


@dataclass(frozen=True)
class Here:
    """What a form is drawn for: `own`, the values the person typed before it opened («meld
    fra <what happened>»), which leaving must not throw away unasked."""

    own: frozenset[str] = frozenset()


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
        self.services, self.export_dir, self.banner = services, export_dir, banner or []
        self.term = Terminal(read, out)
        self.prompts = Prompts(self.term, services)
        self.worker = Worker(services, ConsoleSender())
        self.me: str | None = None
        self.what = ""  # typed after «meld fra» at the menu: what happened

    @property
    def lang(self) -> str:
        return self.term.lang

    # --- the edge: a form, a view, a notice; an update, an upload ----------------------

    def form(self, here: Here, shown: flow.Shown) -> None:
        """The form as questions, submitted through the core; drawn again with its problems
        until it is done (leaving raises Back)."""
        me, opened = self.me or "", shown.opened
        # Whom its person picker offers (none without one), as the console lists people.
        picked = [p for p in flow.picker_people(self.services, opened, me) if p != me]
        people = list(zip(picked, render.described(self.services, picked), strict=True))
        values = self.prompts.fill(me, shown, people, here.own)
        submission = Submission(me, values, opened.ref)
        step = flow.submit(self.services, opened.form.name, submission, self.lang, opened=opened)
        if isinstance(step, flow.Shown) and not step.errors:
            return self.notice(here, step.general)  # nothing in this form to put right
        if isinstance(step, flow.Done) and step.result.file is not None:
            return self.upload(me, self.lang, step.result.file)
        if isinstance(step, flow.Done) and not opened.form.about_case:
            return self.notice(here, render.filed_lines(self.lang, step.result))
        return edge.draw(self, here, step)

    def view(self, here: Here, view: views.View) -> None:
        if isinstance(view, views.CaseView):
            self.term.lines(render.case_lines(self.lang, view))
            self.on_case(view.ref)
        elif isinstance(view, views.PlanView):
            self.term.lines(render.plan_lines(view))
        elif isinstance(view, views.ListView):
            self.term.lines(render.case_list(self.lang, view.cases, view.zone, numbered=False))
        else:
            self.term.lines(render.home_lines(view))

    def notice(self, here: Here, lines: Sequence[str]) -> None:
        self.term.lines(lines)

    def update(self, refresh: flow.Refresh) -> None:
        """Nothing to draw again: the console shows a case's state when it is next asked."""

    def upload(self, actor: str, lang: str, file: ExportFile) -> None:
        """The file is saved in the export folder; a copy for one party says what was
        replaced in it, for the leader to read first."""
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / file.name
        path.write_bytes(file.content)
        self.term.say(self.term.tr("console.plan.exported", path=path, sha256=file.sha256))
        if file.review is not None:
            self.term.lines(redaction.review_lines(file.review, lang))

    # --- the main loop ----------------------------------------------------------------

    def run(self) -> int:
        self.term.lines(self.banner)
        try:
            while True:
                try:
                    self.choose_person() if self.me is None else self.menu()
                except Back:
                    continue
        except (Quit, Interrupted, KeyboardInterrupt):
            self.term.say(self.term.tr("console.bye"))
        return 0

    def deliver(self) -> None:
        while self.worker.run_once():
            pass

    def choose_person(self) -> None:
        term, everyone = self.term, self.services.org.people()
        term.say(term.tr("console.who"))
        term.lines(
            [f"  {i}) {d}" for i, d in enumerate(render.described(self.services, everyone), 1)]
        )
        while True:
            try:
                answer = term.ask(term.tr("console.choose"))
            except Back:
                answer = ""
            if answer.lower() in term.quit_words:
                raise Quit
            if answer.isdigit() and 1 <= int(answer) <= len(everyone):
                break
            term.say(term.tr("console.who.how", last=len(everyone)))
        self.me = everyone[int(answer) - 1]
        term.lang = self.services.org.language_of(self.me)

    def menu(self) -> None:
        assert self.me is not None
        self.deliver()
        entries: list[tuple[str, Callable[[], None]]] = [
            ("console.menu.report", self.file_report),
            ("console.menu.inbox", self.inbox),
            ("console.menu.waiting", lambda: self.listing(words.CASES)),
            ("console.menu.case", self.act_on_case),
            ("console.menu.mine", lambda: self.listing(words.MINE)),
            ("console.menu.switch", self.switch),
            ("console.menu.quit", self.quit),
            # Last, so the numbers people (and scripts) know stay where they were; only for
            # those who lead (a teacher's menu holds nothing that would be refused or empty).
            ("console.menu.followup", self.run_reminders),
            ("overview.menu", self.overview),
        ]
        numbers = list(range(1, len(entries) + 1))
        if not self.services.org.leads(self.me):
            entries, numbers = entries[:-2], numbers[:-2]
        title = self.term.tr("console.menu", who=people.display(self.services, self.me))
        labels = [self.term.tr(k) for k, _ in entries]
        index = self.term.pick(title, labels, numbers, typed=self._typed)
        if index is not None:
            entries[index][1]()

    def _typed(self, answer: str) -> int | None:
        """The words a person may type anywhere Meldefra lives (bot.core.words), as menu
        entries: «meld fra <what happened>», «mine», «saker»; «hjelp» explains."""
        intent, rest = words.intent(answer)
        if intent == words.REPORT:
            self.what = rest
            return 0
        if intent == words.HELP:
            self.term.say(self.term.tr("console.help"))
            return HANDLED
        return {words.MINE: 4, words.CASES: 3}.get(intent or "")

    def switch(self) -> None:
        self.me = None

    def quit(self) -> None:
        raise Quit

    def run_reminders(self) -> None:
        """The morning round of every school now, as `meldefra remind` does; then deliver."""
        self.term.lines(flow.rounds(self.services, self.lang))
        self.deliver()

    # --- melde fra, what I have and what waits ------------------------------------------

    def file_report(self) -> None:
        prefill = {"what": self.what}
        here = Here(frozenset({"what"}) if self.what else frozenset())
        self.what = ""
        try:
            edge.draw(
                self,
                here,
                flow.open_form(self.services, "report", self.me, self.lang, prefill=prefill),
            )
        except Back:
            return
        self.deliver()

    def inbox(self) -> None:
        """What was delivered to the person here, as the console's inbox shows it."""
        assert self.me is not None
        self.deliver()
        received = delivered_to(self.services, self.me, platform=PLATFORM)
        self.term.lines(render.inbox_lines(self.lang, received, PLATFORM))

    def listing(self, intent: str) -> None:
        assert self.me is not None
        edge.draw(self, Here(), flow.listing(self.services, self.me, intent))

    def overview(self) -> None:
        """The school's cases (rektor, skoleeier) or the person's own: numbered lines to open,
        a search, three sorts and pages (bot.core.views.OverviewView)."""
        assert self.me is not None
        values: dict[str, str] = {}
        while True:
            view = flow.show_overview(self.services, self.me, self.lang, values)
            if view is None:
                return self.term.say(self.term.tr("console.nothing"))
            self.term.lines(render.overview_lines(view))
            answer = self.term.ask(self.term.tr("overview.console.pick")).strip().lower()
            sorts = {letter: sort for letter, (sort, _) in zip("abc", view.sorts, strict=False)}
            steps = {"+": view.next_page, "-": view.previous_page}
            lines = view.lines()
            if not answer:
                return
            if answer == "s":
                typed = self.term.ask(f"{view.search_label} ({view.search_hint})")
                values = {"text": typed, "sort": view.query.sort}
            elif answer in sorts:
                values = view.at(sort=sorts[answer])
            elif answer in steps:
                values = view.at(page=steps[answer] or view.query.page)
            elif answer.isdigit() and 1 <= int(answer) <= len(lines):
                ref = lines[int(answer) - 1].ref
                edge.draw(self, Here(), flow.open_case(self.services, ref, self.me, self.lang))
                values = view.at()
            else:
                self.term.say(self.term.tr("overview.console.not_a_choice", value=answer))

    # --- a case -----------------------------------------------------------------------

    def act_on_case(self) -> None:
        """Pick a waiting case or type its number; it stays open until Enter."""
        assert self.me is not None
        term, view = self.term, flow.listing(self.services, self.me, words.CASES)
        if view.cases:
            term.say(term.tr("console.menu.waiting") + ":")
            term.lines(render.case_list(self.lang, view.cases, view.zone, numbered=True))
        prompt = term.tr("console.case_ref.pick" if view.cases else "console.case_ref")
        while True:
            try:
                answer = term.ask(prompt)
            except Back:
                return
            if not answer:
                return
            numbered = answer.isdigit() and 1 <= int(answer) <= len(view.cases)
            ref = view.cases[int(answer) - 1].ref if numbered else answer
            step = flow.open_case(self.services, ref, self.me, self.lang)
            if isinstance(step, flow.Details):
                return edge.draw(self, Here(), step)
            self.notice(Here(), [step.text])

    def offered(self, now: choices.CaseChoices) -> list[tuple[int, str, str]]:
        """(number, verb, label key) of what this person may do with the case now: the
        state machine's table, numbered 1, 2, 3 … in the core's menu order."""
        return [(i, a.verb, a.label) for i, a in enumerate(actions.menu(now.may), 1)]

    def on_case(self, ref: str) -> None:
        """The actions this person may take, again after each one, until Enter."""
        term = self.term
        while True:
            self.deliver()
            try:
                now = choices.choices_for(self.services, ref, self.me or "")
            except Refused as refusal:
                return term.say(refusal.text(self.lang))
            offered = self.offered(now)
            title = term.tr("console.case_now", ref=now.ref, status=term.tr("status." + now.status))
            if not offered:
                return term.lines([title, term.tr("console.case_read_only")])
            try:
                index = term.pick(
                    f"{title} {term.tr('console.back_hint')}",
                    [term.tr(label) for _, _, label in offered],
                    [no for no, _, _ in offered],
                )
            except Interrupted:  # Ctrl-C here leaves the case, not the console
                return
            if index is None:
                return
            try:
                self.do(offered[index][1], now.ref)
            except (Back, Interrupted):
                term.say(term.tr("console.cancelled"))

    def do(self, verb: str, ref: str) -> None:
        """One action on the open case, through the core: in place, its form or its view."""
        action = actions.ACTIONS[verb]
        if action.confirm and not self.term.yes_no(self.term.tr(action.confirm)):
            raise Back
        edge.draw(self, Here(), flow.click(self.services, verb, ref, self.me, self.lang))


def _is_an_edge(console: Console) -> edge.Edge[Here, None]:
    """mypy checks here that the console is of the edges' kind (`bot.core.edge.Edge`)."""
    return console

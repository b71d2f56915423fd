"""The local console: Meldefra's flows in a terminal, without Slack or Teams.

Pick who you are from org.yml, file a report through the same fields as the modal, see what
each person receives, and act as the leader. Notices are delivered by the same outbox worker
as in chat, with a sender that keeps them for the console's inbox.

The console is an edge like Slack and Teams (`bot.core.edge.Edge`): it asks `bot.core.flow`
what comes next and draws it with its terminal widgets (bot/console_prompt.py); it is also the
in-process edge for flow tests. An opened case stays open after each action (one `viewed`
event per opening), and only the actions the person may take are offered.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot import text
from bot.console_prompt import HANDLED, Back, Interrupted, Quit, Terminal
from bot.core import actions, edge, flow, forms, redaction, views, words
from bot.core.forms import Choice, Field
from bot.delivery import Worker
from handlers import choices, export, followup, review
from handlers.dates import format_when
from handlers.delivery import Pending, delivered_to
from handlers.errors import Refused
from handlers.i18n import t
from handlers.org import Org
from handlers.services import Services

PLATFORM = "console"
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


class ConsoleSender:
    """Delivery to the console is keeping the notice for the recipient's inbox."""

    platform = PLATFORM

    def deliver(self, item: Pending) -> str | None:
        return None


@dataclass(frozen=True)
class At:
    """Where the console is: the case open (None for the report), and whom its forms' person
    pickers offer."""

    ref: str | None = None
    staff: tuple[str, ...] = ()


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
        self.term = Terminal(read, out or sys.stdout)
        self.say, self.tr, self.pick = self.term.say, self.term.tr, self.term.pick
        self.banner = banner or []
        self.worker = Worker(services, ConsoleSender())
        self.me: str | None = None
        self.what = ""  # typed after «meld fra» at the menu: what happened

    # --- the edge: a form, a view, a notice; an update, an upload ----------------------

    def form(self, at: At, shown: flow.Shown) -> dict[str, Any] | None:
        key = (self.me or "", shown.opened.form.name, shown.opened.ref or "")
        staff = [(p, describe(self.services.org, p)) for p in at.staff]
        return self.term.fill(shown, key, staff, self.search)

    def search(self, f: Field, typed: str, values: Mapping[str, Any]) -> Sequence[Choice]:
        assert f.search is not None and self.me is not None
        school = values.get("school") if isinstance(values.get("school"), str) else None
        return forms.search(
            self.services, f.search, self.me, typed, school_id=school, lang=self.term.lang
        )

    def view(self, at: At, view: views.View) -> None:
        self.term.lines(view_lines(self.term.lang, view))

    def notice(self, at: At, lines: Sequence[str]) -> None:
        self.term.lines(lines)

    def update(self, refresh: flow.Refresh) -> None:
        """The console's notices are read in its inbox as they are now: nothing to redraw."""

    def upload(self, actor: str, lang: str, file: export.ExportFile) -> None:
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / file.name
        path.write_bytes(file.content)
        self.say(self.tr("console.plan.exported", path=path, sha256=file.sha256))
        if file.review is not None:  # a copy for one party: what the leader reads first
            self.term.lines(redaction.review_lines(file.review, lang))

    def through(self, at: At, step: flow.Step) -> flow.Done | None:
        """A step to its end: a form is asked and submitted until it is done or left."""
        while isinstance(step, flow.Shown):
            values = self.form(at, step)
            if values is None:
                return None
            name, lang = step.opened.form.name, self.term.lang
            submission = forms.Submission(self.me or "", values, step.opened.ref)
            step = flow.submit(self.services, name, submission, lang, opened=step.opened)
        if isinstance(step, flow.Done) and step.result.file is not None:
            self.upload(self.me or "", self.term.lang, step.result.file)
        elif not (isinstance(step, flow.Done) and step.result.filed):  # the report says more
            edge.draw(self, at, step)
        return step if isinstance(step, flow.Done) else None

    # --- the main loop ----------------------------------------------------------------

    def deliver(self) -> None:
        while self.worker.run_once():
            pass

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
        shown = [describe(self.services.org, p) for p in people]
        self.me = people[self.term.choose(self.tr("console.who"), shown, "console.who.how")]
        self.term.lang = self.services.org.language_of(self.me)

    def menu(self) -> None:
        assert self.me is not None
        self.deliver()
        entries: list[tuple[str, Callable[[], None]]] = [
            ("console.menu.report", self.file_report),
            ("console.menu.inbox", self.inbox),
            ("console.menu.waiting", lambda: self.list_of(words.CASES)),
            ("console.menu.case", self.act_on_case),
            ("console.menu.mine", lambda: self.list_of(words.MINE)),
            ("console.menu.switch", self.switch),
            ("console.menu.quit", self.quit),
            # Last, so the numbers people (and scripts) know stay where they were.
            ("console.menu.followup", self.run_reminders),
        ]
        title = self.tr("console.menu", who=self.me)
        index = self.pick(title, [self.tr(k) for k, _ in entries], typed=self._typed)
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
        for result in followup.run_reminders(self.services, [s.id for s in org.schools], at=now):
            next_round = followup.next_round_at(org.school(result.school_id), now)
            self.term.lines(text.round_lines(self.term.lang, result, next_round=next_round))
        self.deliver()

    # --- melde fra, the inbox and the lists -------------------------------------------

    def file_report(self) -> None:
        assert self.me is not None
        lang = self.term.lang
        step = flow.open_form(self.services, "report", self.me, lang, prefill={"what": self.what})
        self.what = ""
        try:
            done = self.through(
                At(None, tuple(flow.people_for(self.services, self.me, None))), step
            )
        except Back:
            return
        filed = done.result.filed if done else None
        if filed is not None:
            self.say(self.tr("console.filed", ref=filed.ref))
            if filed.when is not None:
                self.say(self.tr("when.understood", when=format_when(filed.when, lang)))
        self.deliver()

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

    def list_of(self, intent: str) -> None:
        assert self.me is not None
        edge.draw(self, At(), flow.listing(self.services, self.me, intent))

    # --- a case -----------------------------------------------------------------------

    def act_on_case(self) -> None:
        """Pick a waiting case or type its number; it stays open until Enter."""
        assert self.me is not None
        waiting = flow.listing(self.services, self.me, words.CASES).cases
        if waiting:
            self.say(self.tr("console.menu.waiting") + ":")
            self.term.lines(case_lines(self.term.lang, waiting, numbered=True))
        prompt = self.tr("console.case_ref.pick" if waiting else "console.case_ref")
        while True:
            try:
                answer = self.term.ask(prompt)
            except Back:
                return
            if not answer:
                return
            number = answer.isdigit() and 1 <= int(answer) <= len(waiting)
            ref = waiting[int(answer) - 1].ref if number else answer
            step = flow.open_case(self.services, ref, self.me, self.term.lang)
            edge.draw(self, At(), step)
            if isinstance(step, flow.Details):
                return self.on_case(step.view.ref)

    def on_case(self, ref: str) -> None:
        """The actions this person may take, again after each one, until Enter."""
        while True:
            self.deliver()
            try:
                now = choices.choices_for(self.services, ref, self.me or "")
            except Refused as refusal:
                self.say(refusal.text(self.term.lang))
                return
            verb = ask_action(self.term, now)
            if verb is None:
                return
            confirm = actions.ACTIONS[verb].confirm
            try:
                if confirm and not self.term.yes_no(self.tr(confirm)):
                    raise Back
                step = flow.click(self.services, verb, now.ref, self.me, self.term.lang)
                self.through(At(now.ref, tuple(now.forward_to)), step)
            except (Back, Interrupted):
                self.say(self.tr("console.cancelled"))


# --- drawing: the views as lines ------------------------------------------------------------


def view_lines(lang: str, view: views.View) -> list[str]:
    """The case details, the aktivitetsplan or a list of cases, as the console prints them."""
    if isinstance(view, views.CaseView):
        return [
            "=" * 40,
            f"{view.title} – {view.state}",
            *(f"{label}: {value}" for label, value in view.people),
            *view.facts,
            t(lang, "console.report_text") + ":",
            *(f"  {label}: {value}" for label, value in view.report),
            view.trail_title + ":",
            *(f"  {line}" for line in view.trail),
            "=" * 40,
        ]
    if isinstance(view, views.PlanView):
        lines = ["=" * 40]
        for heading, items in view.sections:
            lines += [heading.upper(), *("  " * depth + line for depth, line in items)]
        return [*lines, "=" * 40]
    if isinstance(view, views.ListView):
        return case_lines(lang, view.cases)
    return []


def case_lines(lang: str, cases: Sequence[review.CaseSummary], numbered: bool = False) -> list[str]:
    if not cases:
        return [t(lang, "console.nothing")]
    lines = []
    for i, c in enumerate(cases, 1):
        flags = " ".join(
            x for x in ("!" if c.urgent else "", "§ 12-5" if c.section == "12-5" else "") if x
        )
        number = f"{i}) " if numbered else ""
        status = t(lang, "status." + c.status)
        lines.append(f"  {number}{c.ref}  {status:<18} {c.unit or ''} {flags}")
    return lines


def ask_action(term: Terminal, now: choices.CaseChoices) -> str | None:
    """The actions the person may take on the case now, under the numbers they always have;
    None to leave the case (Enter, Ctrl-C, or nothing to do: said)."""
    offered = offered_now(now)
    title = term.tr("console.case_now", ref=now.ref, status=term.tr("status." + now.status))
    if not offered:
        term.lines([title, term.tr("console.case_read_only")])
        return None
    labels, numbers = [term.tr(label) for _, _, label in offered], [no for no, _, _ in offered]
    try:
        index = term.pick(f"{title} {term.tr('console.back_hint')}", labels, numbers)
    except Interrupted:  # Ctrl-C here leaves the case, not the console
        return None
    return None if index is None else offered[index][1]


def offered_now(now: choices.CaseChoices) -> list[tuple[int, str, str]]:
    """(number, verb, label key) of what this person may do with the case now: the state
    machine's table (`now.offered`), as the handlers enforce it, in the console's order."""
    later = (v for v in actions.ACTIONS if v not in ACTION_ORDER and v != "open")
    out = []
    for no, verb in enumerate((*ACTION_ORDER, *later), 1):
        declared = actions.ACTIONS[verb]
        if now.may(declared.name):
            out.append((no, verb, declared.label))
    return out


def describe(org: Org, email: str) -> str:
    """A person as the console lists them: e-mail, schools and role."""
    parts = []
    for school in org.schools_of(email):
        unit = school.unit_of(email)
        role = "rektor" if email == school.principal else (unit.name if unit else "")
        parts.append(f"{school.name}{', ' + role if role else ''}")
    if email in org.owner.contacts:
        parts.append(org.owner.name)
    return f"{email} ({'; '.join(parts)})"

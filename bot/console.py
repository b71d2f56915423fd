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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from bot import text
from bot.delivery import Worker
from handlers import access, choices, export, followup, plan, report, review
from handlers.dates import format_when
from handlers.delivery import Pending, delivered_to
from handlers.errors import FieldErrors, Refused
from handlers.i18n import LANGS, t
from handlers.plan import EvaluationForm, PlanChange, PlanForm, TiltakForm
from handlers.render import Field, Para, Sub
from handlers.report import CATEGORIES, ReportForm
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


class Interrupted(Exception):
    """Ctrl-C (KeyboardInterrupt) or Ctrl-D (end of input) at a prompt."""

    def __init__(self, eof: bool) -> None:
        super().__init__("eof" if eof else "interrupt")
        self.eof = eof


def _words(key: str) -> frozenset[str]:
    """A word set from every catalog: a person may type it in any of the languages."""
    return frozenset(w.strip().lower() for lang in LANGS for w in t(lang, key).split(","))


# --- What the console asks -------------------------------------------------------------------

TEXT, PICK, MULTI, YES_NO, PERSON, TILTAK = "text", "pick", "multi", "yes_no", "person", "tiltak"


@dataclass(frozen=True)
class Ask:
    """One prompt of a form: a text, a choice from a known set, yes/no, a person, tiltak."""

    name: str
    label: str
    kind: str = TEXT
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for PICK, MULTI and PERSON
    hint: str = ""
    # Asked only when this holds for what was typed before (e.g. "next evaluation" unless
    # the decision is to close).
    when: Callable[[dict[str, Any]], bool] | None = None


@dataclass
class Draft:
    """A form left half-way: what was typed, and where to go on."""

    values: dict[str, Any] = field(default_factory=dict)
    at: int = 0


# Numbers of the case actions stay the same whatever is offered, so people (and scripts)
# learn them once: verb, catalog key, and who sees it.
CaseCheck = Callable[[choices.CaseChoices], bool]
CASE_ACTIONS: tuple[tuple[str, str, CaseCheck], ...] = (
    ("acknowledge", "action.acknowledge", lambda c: c.may_change and c.status == "new"),
    (
        "investigate",
        "action.investigate",
        lambda c: c.may_change and c.status in ("new", "acknowledged"),
    ),
    ("forward", "action.forward", lambda c: c.may_change),
    ("note", "action.note", lambda c: c.may_change),
    ("close", "action.close", lambda c: c.may_change),
    ("plan", "action.plan", lambda c: c.may_change and not c.has_plan),
    ("show_plan", "action.show_plan", lambda c: c.seen.may_open and c.has_plan),
    ("evaluate", "action.evaluate", lambda c: c.may_change and c.has_plan),
    (
        "tiltak_done",
        "action.tiltak_done",
        lambda c: c.may_change and any(not done for _, done in c.tiltak),
    ),
    ("share_rteam", "action.share_rteam", lambda c: c.may_change and c.has_rteam),
    ("export", "action.export", lambda c: c.seen.may_export),
    ("change_plan", "action.change_plan", lambda c: c.may_change and c.has_plan),
)


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
        self.drafts: dict[tuple[str, str, str], Draft] = {}  # (person, form, case) → draft
        self.cancel_words = _words("console.words.cancel")
        self.quit_words = _words("console.words.quit")

    # --- plumbing ---------------------------------------------------------------------

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def ask(self, prompt: str) -> str:
        """One line from the person. Ctrl-C and Ctrl-D raise Interrupted; the cancel words
        («avbryt», «tilbake») raise Back."""
        try:
            answer = self.read(f"{prompt}: ").strip()
        except EOFError as exc:
            self.say()
            raise Interrupted(eof=True) from exc
        except KeyboardInterrupt as exc:
            self.say()
            raise Interrupted(eof=False) from exc
        if answer.lower() in self.cancel_words:
            raise Back
        return answer

    def tr(self, key: str, **args: object) -> str:
        return t(self.lang, key, **args)

    def pick(
        self, title: str, options: Sequence[str], numbers: Sequence[int] | None = None
    ) -> int | None:
        """A numbered menu; returns the index into `options`, or None to go back (Enter or
        a cancel word). `numbers` keeps fixed numbers when only some options are offered."""
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
        except (Quit, Interrupted):
            self.say(self.tr("console.bye"))
        return 0

    def choose_person(self) -> None:
        people = self.services.org.people()
        self.say(self.tr("console.who"))
        for i, person in enumerate(people, 1):
            self.say(f"  {i}) {self._describe(person)}")
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

    def _describe(self, email: str) -> str:
        org = self.services.org
        parts = []
        for school in org.schools_of(email):
            unit = school.unit_of(email)
            role = "rektor" if email == school.principal else (unit.name if unit else "")
            parts.append(f"{school.name}{', ' + role if role else ''}")
        if email in org.owner.contacts:
            parts.append(org.owner.name)
        return f"{email} ({'; '.join(parts)})"

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
            # Last, so the numbers people (and scripts) know stay where they were.
            ("console.menu.followup", self.run_reminders),
        ]
        index = self.pick(self.tr("console.menu", who=self.me), [self.tr(k) for k, _ in actions])
        if index is None:
            return
        actions[index][1]()

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
            for line in text.round_lines(self.lang, result, next_round=next_round):
                self.say(line)
        self.deliver()

    # --- forms ------------------------------------------------------------------------

    def fill(
        self,
        form: str,
        ref: str,
        steps: Sequence[Ask],
        submit: Callable[[dict[str, Any]], Any],
        *,
        label: Callable[[str], str] | None = None,
        redo: Callable[[str], Sequence[Ask]] | None = None,
    ) -> Any:
        """Ask the steps, submit, and on field errors ask again only for what was wrong,
        keeping everything typed. «avbryt», Ctrl-C and Ctrl-D leave through `leave`, which
        asks before throwing anything away. Raises Back when the person leaves.

        `redo(name)` gives the steps to ask again for a field the handler named (default:
        the step of that name)."""
        label = label or (lambda name: next((s.label for s in steps if s.name == name), name))
        by_name = {s.name: s for s in steps}
        key = (self.me or "", form, ref)
        draft = self.drafts.pop(key, None)
        if draft is not None and not self._resume_draft():
            draft = None
        values, at = (draft.values, draft.at) if draft else ({}, 0)
        if not draft:
            self.say(self.tr("console.form.how"))
        todo = list(steps)
        while True:
            while at < len(todo):
                step = todo[at]
                if step.when is not None and not step.when(values):
                    values.pop(step.name, None)
                    at += 1
                    continue
                try:
                    values[step.name] = self.ask_step(step, values.get(step.name))
                except (Back, Interrupted) as left:
                    self.leave(key, Draft(values, at), left)
                    continue  # the person chose to go on where they were
                at += 1
            try:
                return submit(values)
            except FieldErrors as errors:
                todo = []
                for name in errors.errors:
                    todo += redo(name) if redo else ([by_name[name]] if name in by_name else [])
                if not todo:  # nothing to fix in this form (e.g. the case has a plan already)
                    raise
                self.say(self.tr("console.fix"))
                for name, message in errors.render(self.lang).items():
                    self.say(f"  - {label(name)}: {message}")
                at = 0

    def _resume_draft(self) -> bool:
        index = self.pick(
            self.tr("console.draft.found"),
            [self.tr("console.draft.resume"), self.tr("console.draft.restart")],
        )
        if index is None:
            raise Back
        return index == 0

    def leave(self, key: tuple[str, str, str], draft: Draft, left: Exception) -> None:
        """The person typed a cancel word or pressed Ctrl-C/Ctrl-D inside a form. Returns
        to go on where they were; raises Back (draft kept or discarded) or Quit."""
        typed = any(v not in ("", None, [], ()) for v in draft.values.values())
        if not typed:
            raise Back
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

    def ask_step(self, step: Ask, before: Any) -> Any:
        suffix = "" if step.required else f" {self.tr('console.optional')}"
        hint = f" – {step.hint}" if step.hint else ""
        if before not in (None, "", [], ()):
            self.say(self.tr("console.you_typed", value=self._shown(step, before)))
        if step.kind == PICK:
            index = self.pick(step.label + suffix, [label for _, label in step.options])
            if index is None:
                if step.required:
                    raise Back
                return ""
            return step.options[index][0]
        if step.kind == MULTI:
            return self._ask_many(step, suffix)
        if step.kind == YES_NO:
            while True:
                answer = self.ask(f"{step.label}? ({self.tr('console.yes_no')})").lower()
                if answer in ("", "n", "nei", "no"):
                    return False
                if answer in ("j", "ja", "y", "yes"):
                    return True
                self.say(self.tr("console.yes_no.again"))
        if step.kind == PERSON:
            return self._ask_person(step, suffix)
        if step.kind == TILTAK:
            return self._ask_tiltak()
        return self.ask(step.label + suffix + hint)

    def _shown(self, step: Ask, value: Any) -> str:
        labels = dict(step.options)
        if isinstance(value, list | tuple):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))

    def _ask_many(self, step: Ask, suffix: str) -> list[str]:
        """Numbers separated by commas; anything else is refused with the choices shown."""
        last = len(step.options)
        while True:
            for i, (_, label) in enumerate(step.options, 1):
                self.say(f"  {i}) {label}")
            raw = self.ask(f"{step.label}{suffix} – {self.tr('console.many_help')}")
            parts = [p for p in raw.replace(" ", ",").split(",") if p]
            wrong = [p for p in parts if not (p.isdigit() and 1 <= int(p) <= last)]
            if not wrong:
                picked = dict.fromkeys(step.options[int(p) - 1][0] for p in parts)
                return list(picked)
            self.say(self.tr("console.not_a_choice", value=", ".join(wrong), last=last))

    def _ask_person(self, step: Ask, suffix: str) -> str:
        """A number from the list, or an e-mail on it; someone not on it "finnes ikke"."""
        people = [value for value, _ in step.options]
        while True:
            for i, (_, label) in enumerate(step.options, 1):
                self.say(f"  {i}) {label}")
            answer = self.ask(f"{step.label}{suffix} – {self.tr('console.person_help')}")
            if not answer:
                if step.required:
                    raise Back
                return ""
            if answer.isdigit() and 1 <= int(answer) <= len(people):
                return people[int(answer) - 1]
            if answer.lower() in people:
                return answer.lower()
            self.say(self.tr("console.no_such_person", who=answer))

    def _ask_tiltak(self) -> list[TiltakForm]:
        tiltak: list[TiltakForm] = []
        while True:
            what = self.ask(self.tr("console.plan.tiltak", no=len(tiltak) + 1))
            if not what:
                return tiltak
            who = self.ask(f"{self.tr('plan.field.who')} – {self.tr('plan.field.who.hint')}")
            when = self.ask(f"{self.tr('plan.field.when')} – {self.tr('plan.field.when.hint')}")
            tiltak.append(TiltakForm(what, who, when))

    # --- melde fra --------------------------------------------------------------------

    def file_report(self) -> None:
        assert self.me is not None
        me = self.me
        org = self.services.org
        schools = org.schools_of(me)
        steps = []
        if len(schools) != 1:
            places = tuple((s.id, s.name) for s in org.schools)
            steps.append(Ask("school", self.tr("field.school"), PICK, True, places))
        staff = sorted({p for s in (schools or org.schools) for p in s.staff()} - {me})
        steps += [
            Ask("pupils", self.tr("field.pupils"), required=True),
            Ask("what", self.tr("field.what"), required=True),
            Ask("when", self.tr("field.when")),
            Ask("where", self.tr("field.where")),
            Ask(
                "categories",
                self.tr("field.categories"),
                MULTI,
                options=tuple((c, self.tr("category." + c)) for c in CATEGORIES),
            ),
            Ask(
                "accused",
                self.tr("field.accused"),
                PERSON,
                True,
                tuple((p, p) for p in staff),
                when=lambda v: report.EMPLOYEE_CATEGORY in (v.get("categories") or ()),
            ),
            Ask("action_taken", self.tr("field.action_taken")),
            Ask("pupil_words", self.tr("field.pupil_words")),
            Ask("urgent", self.tr("field.urgent.yes"), YES_NO),
        ]

        def submit(values: dict[str, Any]) -> report.Filed:
            form = ReportForm(
                school_id=values.get("school") or None,
                **{n: values.get(n) or "" for n in report.MAX_LENGTH},
                categories=tuple(values.get("categories") or ()),
                accused=values.get("accused") or None,
                urgent=bool(values.get("urgent")),
            )
            return report.file_report(self.services, form, me)

        try:
            filed = self.fill("report", "", steps, submit)
        except Back:
            return
        self.say(self.tr("console.filed", ref=filed.ref))
        if filed.when is not None:
            self.say(self.tr("when.understood", when=format_when(filed.when, self.lang)))
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
            self.say(
                f"  {number}{c.ref}  {self.tr('status.' + c.status):<18} {c.unit or ''} {flags}"
            )

    def waiting(self) -> None:
        assert self.me is not None
        self._list(review.waiting_for(self.services, self.me))

    def my_reports(self) -> None:
        assert self.me is not None
        self._list(review.my_reports(self.services, self.me))

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

    def on_case(self, ref: str) -> None:
        """The actions this person may take, again after each one, until Enter."""
        actions: dict[str, Callable[[str], Any]] = {
            "acknowledge": lambda r: review.acknowledge(self.services, r, self.me or ""),
            "investigate": lambda r: review.start_investigation(self.services, r, self.me or ""),
            "forward": self.forward,
            "note": self.note,
            "close": self.close,
            "plan": self.make_plan,
            "show_plan": self.show_plan,
            "evaluate": self.evaluate,
            "tiltak_done": self.tiltak_done,
            "share_rteam": self.share,
            "export": self.export,
            "change_plan": self.change_plan,
        }
        while True:
            self.deliver()
            try:
                now = choices.choices_for(self.services, ref, self.me or "")
            except Refused as refusal:
                self.say(refusal.text(self.lang))
                return
            offered = [(no, a) for no, a in enumerate(CASE_ACTIONS, 1) if a[2](now)]
            title = self.tr("console.case_now", ref=now.ref, status=self.tr("status." + now.status))
            if not offered:
                self.say(title)
                self.say(self.tr("console.case_read_only"))
                return
            try:
                index = self.pick(
                    f"{title} {self.tr('console.back_hint')}",
                    [self.tr(key) for _, (_, key, _) in offered],
                    [no for no, _ in offered],
                )
            except Interrupted:  # Ctrl-C here leaves the case, not the console
                return
            if index is None:
                return
            verb = offered[index][1][0]
            try:
                outcome = actions[verb](now.ref)
            except (Back, Interrupted):
                self.say(self.tr("console.cancelled"))
                continue
            except FieldErrors as errors:
                for message in errors.render(self.lang).values():
                    self.say(message)
                continue
            except Refused as refusal:
                self.say(refusal.text(self.lang))
                continue
            if isinstance(outcome, review.Outcome):
                self.say(self.tr(outcome.key, **outcome.args))
                for name, when in getattr(outcome, "understood", {}).items():
                    when_text = format_when(when, self.lang, now=self.services.clock.now())
                    self.say(
                        self.tr("console.plan.understood", field=self._label(name), when=when_text)
                    )

    def _one(self, form: str, ref: str, step: Ask, submit: Callable[[Any], Any]) -> Any:
        return self.fill(form, ref, [step], lambda values: submit(values[step.name]))

    def forward(self, ref: str) -> review.Outcome:
        now = choices.choices_for(self.services, ref, self.me or "")
        if not now.forward_to:
            self.say(self.tr("console.forward.nobody"))
            raise Back
        step = Ask(
            "forward_to",
            self.tr("field.forward_to"),
            PERSON,
            True,
            tuple((p, self._describe(p)) for p in now.forward_to),
        )
        return self._one(
            "forward", ref, step, lambda to: review.forward(self.services, ref, self.me or "", to)
        )

    def note(self, ref: str) -> review.Outcome:
        step = Ask("note", self.tr("field.note"), required=True)
        return self._text_action("note", ref, step, review.add_note)

    def close(self, ref: str) -> review.Outcome:
        step = Ask("reason", self.tr("field.reason"), required=True)
        return self._text_action("close", ref, step, review.close)

    def _text_action(
        self, form: str, ref: str, step: Ask, action: Callable[[Services, str, str, str], Any]
    ) -> Any:
        """A required text: empty goes back to the case (nothing is done)."""

        def submit(typed: str) -> Any:
            if not typed:
                raise Back
            return action(self.services, ref, self.me or "", typed)

        return self._one(form, ref, step, submit)

    # --- the aktivitetsplan -----------------------------------------------------------

    def _label(self, name: str) -> str:
        """A form field's label; tiltak fields are numbered: "Når gjennomføres tiltaket? (2)"."""
        parts = name.split(".")
        if parts[0] in ("tiltak", "add_tiltak") and len(parts) == 3:
            return f"{self.tr('plan.field.' + parts[2])} ({parts[1]})"
        return self.tr("plan.field." + name)

    def _plan_step(self, name: str, required: bool = False) -> Ask:
        hints = {
            "pupils": "plan.field.pupils.hint",
            "pupil_voice": "plan.field.pupil_voice.hint",
            "evaluate_when": "plan.field.evaluate_when.hint",
            "pupil_says": "plan.field.pupil_says.hint",
        }
        hint = self.tr(hints[name]) if name in hints else ""
        if name in ("tiltak", "add_tiltak"):
            return Ask(name, self._label("tiltak"), TILTAK)
        return Ask(name, self._label(name), required=required, hint=hint)

    def _tiltak_redo(self, steps: Sequence[Ask]) -> Callable[[str], list[Ask]]:
        """A field error on one tiltak ("tiltak.2.when") asks that one field again, and the
        answer goes into that tiltak."""
        by_name = {s.name: s for s in steps}

        def redo(name: str) -> list[Ask]:
            parts = name.split(".")
            if len(parts) == 3 and parts[0] in ("tiltak", "add_tiltak"):
                return [Ask(name, self._label(name), required=True)]
            return [by_name[name]] if name in by_name else []

        return redo

    @staticmethod
    def _settle_tiltak(values: dict[str, Any]) -> None:
        """Move answers for one tiltak field ("tiltak.2.when") into that tiltak."""
        for name in [n for n in values if n.count(".") == 2]:
            group, no, part = name.split(".")
            items = values.get(group) or []
            if no.isdigit() and 1 <= int(no) <= len(items):
                setattr(items[int(no) - 1], part, values.pop(name))

    def make_plan(self, ref: str) -> plan.PlanOutcome:
        required = set(plan.PLAN_REQUIRED)
        steps = [
            self._plan_step(n, n in required)
            for n in (
                "pupils",
                "problem",
                "pupil_voice",
                "pupil_heard",
                "foresatte_heard",
                "tiltak",
                "evaluate_when",
            )
        ]
        me = self.me or ""

        def submit(values: dict[str, Any]) -> plan.PlanOutcome:
            self._settle_tiltak(values)
            form = PlanForm(
                **{n: values.get(n) or "" for n in plan.PLAN_MAX}, tiltak=values.get("tiltak") or []
            )
            return plan.create_plan(self.services, ref, me, form)

        return self.fill(
            "plan", ref, steps, submit, label=self._label, redo=self._tiltak_redo(steps)
        )

    def _end_step(self, ref: str) -> Ask:
        now = choices.choices_for(self.services, ref, self.me or "")
        return Ask(
            "end_tiltak",
            self._label("end_tiltak"),
            MULTI,
            options=tuple((str(no), self.tr("console.tiltak_no", no=no)) for no, _ in now.tiltak),
        )

    def change_plan(self, ref: str) -> plan.PlanOutcome:
        steps = [
            self._plan_step(n)
            for n in (
                "pupils",
                "problem",
                "pupil_voice",
                "pupil_heard",
                "foresatte_heard",
                "evaluate_when",
            )
        ]
        steps += [self._end_step(ref), self._plan_step("add_tiltak")]
        self.say(self.tr("console.plan.change_how"))
        me = self.me or ""

        def submit(values: dict[str, Any]) -> plan.PlanOutcome:
            self._settle_tiltak(values)
            change = PlanChange(
                **{n: values.get(n) or "" for n in plan.PLAN_MAX},
                add_tiltak=values.get("add_tiltak") or [],
                end_tiltak=[int(x) for x in values.get("end_tiltak") or []],
            )
            return plan.change_plan(self.services, ref, me, change)

        return self.fill(
            "change_plan", ref, steps, submit, label=self._label, redo=self._tiltak_redo(steps)
        )

    def evaluate(self, ref: str) -> plan.PlanOutcome:
        def decided(*decisions: str) -> Callable[[dict[str, Any]], bool]:
            return lambda values: values.get("decision") in decisions

        steps = [
            Ask(
                "effect",
                self._label("effect"),
                PICK,
                True,
                tuple((k, self.tr(f"plan.effect.{k}")) for k in plan.EFFECTS),
            ),
            self._plan_step("pupil_says", True),
            self._plan_step("foresatte_says"),
            self._plan_step("notes"),
            Ask(
                "decision",
                self._label("decision"),
                PICK,
                True,
                tuple((k, self.tr(f"plan.decision.{k}")) for k in plan.DECISIONS),
            ),
            replace(self._end_step(ref), when=decided("change")),
            replace(self._plan_step("add_tiltak"), when=decided("change")),
            replace(self._plan_step("next_evaluation", True), when=decided("continue", "change")),
        ]
        me = self.me or ""

        def submit(values: dict[str, Any]) -> plan.PlanOutcome:
            self._settle_tiltak(values)
            form = EvaluationForm(
                **{n: values.get(n) or "" for n in plan.EVALUATION_MAX},
                effect=values.get("effect") or "",
                decision=values.get("decision") or "continue",
                add_tiltak=values.get("add_tiltak") or [],
                end_tiltak=[int(x) for x in values.get("end_tiltak") or []],
            )
            return plan.evaluate(self.services, ref, me, form)

        return self.fill(
            "evaluate", ref, steps, submit, label=self._label, redo=self._tiltak_redo(steps)
        )

    def show_plan(self, ref: str) -> None:
        current = plan.plan_of(self.services, ref, self.me or "")
        zone = self.services.org.school(self._school_of(ref)).zone
        self.say("=" * 40)
        for section in export.plan_text(current, self.lang, zone):
            self.say(section.heading.upper())
            for item in section.items:
                if isinstance(item, Sub):
                    self.say(f"  {item.heading}")
                elif isinstance(item, Field):
                    self.say(f"    {item.label}: {item.value}")
                elif isinstance(item, Para):
                    self.say(f"    {item.text}")
        self.say("=" * 40)

    def _school_of(self, ref: str) -> str:
        return review.status_of(self.services, ref, self.me or "").school_id

    def tiltak_done(self, ref: str) -> plan.PlanOutcome:
        now = choices.choices_for(self.services, ref, self.me or "")
        waiting = [no for no, done in now.tiltak if not done]
        index = self.pick(
            self.tr("console.plan.tiltak_no"), [self.tr("console.tiltak_no", no=n) for n in waiting]
        )
        if index is None:
            raise Back
        return plan.complete_tiltak(self.services, ref, self.me or "", waiting[index])

    def share(self, ref: str) -> plan.PlanOutcome:
        now = choices.choices_for(self.services, ref, self.me or "")
        current = now.rteam_share or "withdrawn"
        bases = tuple((b, self.tr(f"plan.share.{b}")) for b in plan.SHARE_BASES if b != current)
        steps = [
            Ask("basis", self.tr("plan.field.basis"), PICK, True, bases),
            Ask(
                "note",
                self.tr("plan.field.share_note"),
                when=lambda values: values.get("basis") == access.SHARE_CONSENT,
            ),
        ]
        me = self.me or ""

        def submit(values: dict[str, Any]) -> plan.PlanOutcome:
            note = values.get("note") or ""
            return plan.share_with_rteam(self.services, ref, me, values["basis"], note)

        return self.fill("share", ref, steps, submit, label=lambda n: self.tr("plan.field." + n))

    def export(self, ref: str) -> None:
        index = self.pick(
            self.tr("console.plan.document"),
            [self.tr(f"export.document.{d}") for d in export.DOCUMENTS],
        )
        if index is None:
            raise Back
        document = export.DOCUMENTS[index]
        fmt_index = self.pick(self.tr("console.plan.format"), list(export.FORMATS))
        if fmt_index is None:
            raise Back
        keep = self.ask(self.tr("console.plan.keep_pupil")) if document == export.PLAN else ""
        file = export.export_case(
            self.services,
            ref,
            self.me or "",
            document=document,
            fmt=export.FORMATS[fmt_index],
            lang=self.lang,
            keep_pupil=keep or None,
        )
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / file.name
        path.write_bytes(file.content)
        self.say(self.tr("console.plan.exported", path=path, sha256=file.sha256))

    def show(self, details: review.CaseDetails) -> None:
        self.say("=" * 40)
        self.say(
            self.tr("case.title", ref=details.ref) + f" – {self.tr('status.' + details.status)}"
        )
        self.say(
            self.tr(
                "case.reported_by",
                who=details.reporter,
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
            },
        ):
            self.say(line)
        self.say(self.tr("console.report_text") + ":")
        for name in ("pupils", "what", "when", "where", "action_taken", "pupil_words"):
            value = details.report.get(name)
            if value:
                self.say(f"  {self.tr('field.' + name)}: {value}")
        self.say(self.tr("case.trail") + ":")
        zone = self.services.org.school(details.school_id).zone
        for entry in details.trail:
            if entry.type in ("notified", "delivered"):
                continue
            kind = self.tr("event." + entry.type)
            self.say(f"  {entry.at.astimezone(zone):%d.%m %H.%M}  {kind:<24} {entry.actor}")
        self.say("=" * 40)

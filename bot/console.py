"""The local console: Meldefra's flows in a terminal, without Slack or Teams.

Pick who you are from org.yml, file a report through the same fields as the modal, see what
each person receives, and act as the leader. Notices are delivered by the same outbox worker
as in chat, with a sender that keeps them for the console's inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot import text
from bot.delivery import Worker
from handlers import followup, report, review
from handlers.dates import format_when
from handlers.delivery import Pending, delivered_to
from handlers.errors import FieldErrors, Refused
from handlers.i18n import t
from handlers.report import CATEGORIES, ReportForm
from handlers.services import Services

PLATFORM = "console"


class ConsoleSender:
    """Delivery to the console is keeping the notice for the recipient's inbox."""

    platform = PLATFORM

    def deliver(self, item: Pending) -> str | None:
        return None


class Quit(Exception):
    pass


class Console:
    def __init__(
        self,
        services: Services,
        *,
        read: Callable[[str], str] = input,
        out: TextIO | None = None,
        banner: list[str] | None = None,
    ) -> None:
        import sys

        self.services = services
        self.read = read
        self.out = out or sys.stdout
        self.banner = banner or []
        self.worker = Worker(services, ConsoleSender())
        self.me: str | None = None
        self.lang = "nb"

    # --- plumbing ---------------------------------------------------------------------

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def ask(self, prompt: str) -> str:
        try:
            return self.read(f"{prompt}: ").strip()
        except EOFError as exc:
            raise Quit from exc

    def tr(self, key: str, **args: object) -> str:
        return t(self.lang, key, **args)

    def pick(self, title: str, options: list[str]) -> int | None:
        """A numbered menu; returns the index, or None for an empty answer."""
        self.say(title)
        for i, label in enumerate(options, 1):
            self.say(f"  {i}) {label}")
        while True:
            answer = self.ask(self.tr("console.choose"))
            if not answer:
                return None
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return int(answer) - 1
            self.say(self.tr("console.invalid_choice"))

    def deliver(self) -> None:
        while self.worker.run_once():
            pass

    # --- flows ------------------------------------------------------------------------

    def run(self) -> int:
        for line in self.banner:
            self.say(line)
        try:
            while True:
                if self.me is None:
                    self.choose_person()
                    continue
                self.menu()
        except Quit:
            self.say(self.tr("console.bye"))
        return 0

    def choose_person(self) -> None:
        people = self.services.org.people()
        labels = [self._describe(p) for p in people]
        index = self.pick(self.tr("console.who"), labels)
        if index is None:
            raise Quit
        self.me = people[index]
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

    def file_report(self) -> None:
        assert self.me is not None
        org = self.services.org
        form = ReportForm()
        schools = org.schools_of(self.me)
        if len(schools) != 1:
            index = self.pick(self.tr("field.school"), [s.name for s in org.schools])
            if index is None:
                return
            form.school_id = org.schools[index].id
        fields = [
            "pupils",
            "what",
            "when",
            "where",
            "categories",
            "action_taken",
            "pupil_words",
            "urgent",
        ]
        while True:
            for name in fields:
                self._ask_field(form, name)
            if "ansatt_krenket_elev" in form.categories and not form.accused:
                self._ask_field(form, "accused")
            try:
                filed = report.file_report(self.services, form, self.me)
            except FieldErrors as errors:
                # Keep everything typed; ask again only for what was wrong.
                self.say(self.tr("console.fix"))
                for name, message in errors.render(self.lang).items():
                    self.say(f"  - {self.tr('field.' + name)}: {message}")
                fields = [name for name in errors.errors if name != "school"]
                continue
            break
        self.say(self.tr("console.filed", ref=filed.ref))
        if filed.when is not None:
            self.say(self.tr("when.understood", when=format_when(filed.when, self.lang)))
        self.deliver()

    def _ask_field(self, form: ReportForm, name: str) -> None:
        optional = name not in report.REQUIRED
        label = self.tr(f"field.{name}") + (f" {self.tr('console.optional')}" if optional else "")
        if name == "categories":
            for i, key in enumerate(CATEGORIES, 1):
                self.say(f"  {i}) {self.tr('category.' + key)}")
            raw = self.ask(f"{label} – {self.tr('console.categories_help')}")
            picked = [
                CATEGORIES[int(x) - 1]
                for x in raw.replace(" ", "").split(",")
                if x.isdigit() and 1 <= int(x) <= len(CATEGORIES)
            ]
            form.categories = tuple(picked)
        elif name == "urgent":
            answer = self.ask(f"{self.tr('field.urgent.yes')}? ({self.tr('console.yes_no')})")
            form.urgent = answer.lower().startswith(("j", "y"))
        elif name == "accused":
            form.accused = self.ask(self.tr("field.accused") + " (e-post)") or None
        else:
            setattr(form, name, self.ask(label))

    def inbox(self) -> None:
        assert self.me is not None
        self.deliver()
        received = delivered_to(self.services, self.me, platform=PLATFORM)
        if not received:
            self.say(self.tr("console.nothing"))
        for item in received:
            self.say("—" * 40)
            self.say(text.render(item["kind"], item["lang"], item["data"]))
        self.say("—" * 40)

    def _list(self, cases: list[review.CaseSummary]) -> None:
        if not cases:
            self.say(self.tr("console.nothing"))
        for c in cases:
            flags = " ".join(
                x for x in ("!" if c.urgent else "", "§ 12-5" if c.section == "12-5" else "") if x
            )
            self.say(f"  {c.ref}  {self.tr('status.' + c.status):<18} {c.unit or ''} {flags}")

    def waiting(self) -> None:
        assert self.me is not None
        self._list(review.waiting_for(self.services, self.me))

    def my_reports(self) -> None:
        assert self.me is not None
        self._list(review.my_reports(self.services, self.me))

    def act_on_case(self) -> None:
        assert self.me is not None
        ref = self.ask(self.tr("console.case_ref"))
        if not ref:
            return
        try:
            details = review.open_case(self.services, ref, self.me)
        except Refused as refusal:
            self.say(refusal.text(self.lang))
            return
        self.show(details)
        choices = [
            ("action.acknowledge", lambda: review.acknowledge(self.services, ref, self.me or "")),
            (
                "action.investigate",
                lambda: review.start_investigation(self.services, ref, self.me or ""),
            ),
            (
                "action.forward",
                lambda: review.forward(
                    self.services, ref, self.me or "", self.ask(self.tr("field.forward_to"))
                ),
            ),
            (
                "action.note",
                lambda: review.add_note(
                    self.services, ref, self.me or "", self.ask(self.tr("field.note"))
                ),
            ),
            (
                "action.close",
                lambda: review.close(
                    self.services, ref, self.me or "", self.ask(self.tr("field.reason"))
                ),
            ),
        ]
        index = self.pick(self.tr("console.case_actions"), [self.tr(k) for k, _ in choices])
        if index is None:
            return
        try:
            outcome = choices[index][1]()
        except FieldErrors as errors:
            for message in errors.render(self.lang).values():
                self.say(message)
            return
        except Refused as refusal:
            self.say(refusal.text(self.lang))
            return
        self.say(self.tr(outcome.key, **outcome.args))
        self.deliver()

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

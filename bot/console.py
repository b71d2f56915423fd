"""The local console: Meldefra's flows in a terminal, without Slack or Teams.

Pick who you are from org.yml, file a report through the same fields as the modal, see what
each person receives, and act as the leader. Notices are delivered by the same outbox worker
as in chat, with a sender that keeps them for the console's inbox.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot import text
from bot.delivery import Worker
from handlers import export, followup, plan, report, review
from handlers.dates import format_when
from handlers.delivery import Pending, delivered_to
from handlers.errors import FieldErrors, Refused
from handlers.i18n import t
from handlers.plan import EvaluationForm, PlanForm, TiltakForm
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
    pass


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
        import sys

        self.services = services
        self.export_dir = export_dir
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
            ("action.plan", lambda: self.make_plan(ref)),
            ("action.show_plan", lambda: self.show_plan(ref)),
            ("action.evaluate", lambda: self.evaluate(ref)),
            ("action.tiltak_done", lambda: self.tiltak_done(ref)),
            ("action.share_rteam", lambda: self.share(ref)),
            ("action.export", lambda: self.export(ref)),
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
        if outcome is not None:
            self.say(self.tr(outcome.key, **outcome.args))
            for name, when in getattr(outcome, "understood", {}).items():
                when_text = format_when(when, self.lang, now=self.services.clock.now())
                self.say(
                    self.tr("console.plan.understood", field=self._label(name), when=when_text)
                )
        self.deliver()

    # --- the aktivitetsplan -----------------------------------------------------------

    def _label(self, name: str) -> str:
        """A form field's label; tiltak fields are numbered: "Når gjennomføres tiltaket? (2)"."""
        parts = name.split(".")
        if parts[0] == "tiltak" and len(parts) == 3:
            return f"{self.tr('plan.field.' + parts[2])} ({parts[1]})"
        return self.tr("plan.field." + name)

    def _ask_tiltak(self, into: list[TiltakForm]) -> None:
        into.clear()
        while True:
            what = self.ask(self.tr("console.plan.tiltak", no=len(into) + 1))
            if not what:
                return
            who = self.ask(f"{self.tr('plan.field.who')} – {self.tr('plan.field.who.hint')}")
            when = self.ask(f"{self.tr('plan.field.when')} – {self.tr('plan.field.when.hint')}")
            into.append(TiltakForm(what, who, when))

    def _ask_plan_field(self, form: PlanForm | EvaluationForm, name: str) -> None:
        tiltak = form.tiltak if isinstance(form, PlanForm) else form.add_tiltak
        parts = name.split(".")
        if name in ("tiltak", "add_tiltak"):
            self._ask_tiltak(tiltak)
        elif parts[0] == "tiltak" and len(parts) == 3 and int(parts[1]) <= len(tiltak):
            setattr(tiltak[int(parts[1]) - 1], parts[2], self.ask(self._label(name)))
        elif name == "end_tiltak" and isinstance(form, EvaluationForm):
            raw = self.ask(self.tr("console.plan.end_tiltak"))
            form.end_tiltak = [int(x) for x in raw.replace(" ", "").split(",") if x.isdigit()]
        elif name in ("effect", "decision") and isinstance(form, EvaluationForm):
            keys = plan.EFFECTS if name == "effect" else plan.DECISIONS
            index = self.pick(self._label(name), [self.tr(f"plan.{name}.{k}") for k in keys])
            setattr(form, name, keys[index] if index is not None else "")
        else:
            optional = name in ("pupil_heard", "foresatte_heard", "foresatte_says", "notes")
            suffix = f" {self.tr('console.optional')}" if optional else ""
            setattr(form, name, self.ask(self._label(name) + suffix))

    def _until_valid(
        self,
        form: PlanForm | EvaluationForm,
        fields: list[str],
        submit: Callable[[], plan.PlanOutcome],
    ) -> plan.PlanOutcome | None:
        """Ask the fields, submit, and ask again only for what was wrong (keeping the rest)."""
        while True:
            for name in fields:
                self._ask_plan_field(form, name)
            try:
                return submit()
            except FieldErrors as errors:
                if "plan" in errors.errors:  # no plan, or one exists: nothing to fix here
                    self.say(errors.render(self.lang)["plan"])
                    return None
                self.say(self.tr("console.fix"))
                for name, message in errors.render(self.lang).items():
                    self.say(f"  - {self._label(name)}: {message}")
                fields = list(errors.errors)

    def make_plan(self, ref: str) -> plan.PlanOutcome | None:
        form = PlanForm()
        fields = [
            "pupils",
            "problem",
            "pupil_voice",
            "pupil_heard",
            "foresatte_heard",
            "tiltak",
            "evaluate_when",
        ]
        me = self.me or ""
        return self._until_valid(
            form, fields, lambda: plan.create_plan(self.services, ref, me, form)
        )

    def evaluate(self, ref: str) -> plan.PlanOutcome | None:
        form = EvaluationForm()
        for name in ("effect", "pupil_says", "foresatte_says", "notes", "decision"):
            self._ask_plan_field(form, name)
        fields = []
        if form.decision == "change":
            fields += ["end_tiltak", "add_tiltak"]
        if form.decision != "close":
            fields.append("next_evaluation")
        me = self.me or ""
        return self._until_valid(form, fields, lambda: plan.evaluate(self.services, ref, me, form))

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

    def tiltak_done(self, ref: str) -> plan.PlanOutcome | None:
        number = self.ask(self.tr("console.plan.tiltak_no"))
        if not number.isdigit():
            return None
        return plan.complete_tiltak(self.services, ref, self.me or "", int(number))

    def share(self, ref: str) -> plan.PlanOutcome | None:
        index = self.pick(
            self.tr("plan.field.basis"), [self.tr(f"plan.share.{b}") for b in plan.SHARE_BASES]
        )
        if index is None:
            return None
        basis = plan.SHARE_BASES[index]
        note = self.ask(self.tr("plan.field.share_note")) if basis == "consent" else ""
        return plan.share_with_rteam(self.services, ref, self.me or "", basis, note)

    def export(self, ref: str) -> None:
        index = self.pick(
            self.tr("console.plan.document"),
            [self.tr(f"export.document.{d}") for d in export.DOCUMENTS],
        )
        if index is None:
            return
        document = export.DOCUMENTS[index]
        fmt_index = self.pick(self.tr("console.plan.format"), list(export.FORMATS))
        keep = self.ask(self.tr("console.plan.keep_pupil")) if document == export.PLAN else ""
        file = export.export_case(
            self.services,
            ref,
            self.me or "",
            document=document,
            fmt=export.FORMATS[fmt_index or 0],
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
                "accused": details.report_data.get("accused"),
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

"""Every form, declared once: fields in order, kinds, limits, labels, the handler it calls.

See `bot.core` for the contract renderers follow. Limits come from the handlers (they check
them); labels, hints and choices are catalog keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core import checks, redaction
from bot.core.checks import Understand
from handlers import access, export, matter, people, plan, report, review, statsforvalter
from handlers.dates import When, format_when
from handlers.errors import FieldErrors, Problem, in_language
from handlers.export import ExportFile
from handlers.i18n import t
from handlers.org import Org, School
from handlers.report import Filed
from handlers.review import Outcome
from handlers.services import Services


class Kind(StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    DATE = (
        "date"  # typed ("om to uker"), read by handlers.dates; the person sees what was understood
    )
    CHOICE = "choice"
    CHOICES = "choices"
    PERSON = "person"  # a staff member; the value is their e-mail
    TOGGLE = "toggle"
    # Typed to search (`Field.search`: the school's pupils, its staff or its pupils' foresatte,
    # see `search`); what was typed can be kept as it is. Values: handlers.people ("p:<id>",
    # "s:<e-mail>", "t:<text>"), handlers.matter ("g:<id>"); several with `multi`.
    SEARCH = "search"


CONFIRM = review.CONFIRM  # a form's "are you sure?" toggle (the forward of a § 12-5 case)
PUPILS = "pupils"  # Field.search: the pupils of the person's school (handlers.directory)
GUARDIANS = "foresatte"  # Field.search: the foresatte of the school's pupils (handlers.matter)
STAFF = "staff"  # Field.search: staff of the school, or anyone who works there, by name


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # a catalog key, or the text itself when `literal`
    literal: bool = False
    args: tuple[tuple[str, object], ...] = ()  # the catalog text's placeholders

    def text(self, lang: str) -> str:
        return self.label if self.literal else t(lang, self.label, **dict(self.args))


@dataclass(frozen=True)
class Field:
    name: str  # the field's id everywhere (Slack block_id, Teams input id, FieldErrors key)
    kind: Kind
    label: str
    required: bool = False
    max_length: int | None = None
    hint: str | None = None
    placeholder: str | None = None
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None  # filled in when the form opens: Opened.choices[name]
    min_choices: int = 1  # with choices_from: fewer than this and the field is left out
    # (field, value): only when that choice (or one of those choices) is picked
    shown_if: tuple[str, str | tuple[str, ...]] | None = None
    # (field, value): not when that choice (or one of those choices) is picked
    hidden_if: tuple[str, str | tuple[str, ...]] | None = None
    dispatch: bool = False  # picking may change which fields are shown
    default: str | None = None  # the initial choice
    search: str | None = None  # Kind.SEARCH: PUPILS or STAFF
    multi: bool = False  # Kind.SEARCH: several may be picked
    # What the typed value is understood as, shown before the form is sent (bot.core.checks).
    understand: Understand | None = None
    # A repeated row's field: required once the row's first field (this name) is filled in.
    required_with: str | None = None


@dataclass(frozen=True)
class Heading:
    """A line between fields (a tiltak row's number)."""

    key: str
    args: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return t(lang, self.key, **self.args)


@dataclass(frozen=True)
class Repeat:
    """Rows of the same fields, named `<name>.<n>.<field>` (n from 1), like the handlers'
    errors for tiltak. A row with nothing typed in it is not submitted."""

    name: str
    fields: tuple[Field, ...]
    rows: int
    heading: str  # catalog key with {n}
    first_required: tuple[str, ...] = ()  # required in row 1
    # A row begun is a row to finish: its other fields are required once the first is typed
    # (the handler wants every part of a tiltak: what, who, when).
    whole_row: bool = False
    hidden_if: tuple[str, str] | None = None  # as Field.hidden_if, for every row

    def expand(self) -> list[Field | Heading]:
        out: list[Field | Heading] = []
        for n in range(1, self.rows + 1):
            out.append(Heading(self.heading, {"n": n}))
            first = f"{self.name}.{n}.{self.fields[0].name}"
            for f in self.fields:
                name = f"{self.name}.{n}.{f.name}"
                required = n == 1 and f.name in self.first_required
                with_first = first if self.whole_row and name != first else None
                out.append(_renamed(f, name, required, with_first, self.hidden_if))
        return out


def _renamed(
    f: Field,
    name: str,
    required: bool,
    required_with: str | None,
    hidden_if: tuple[str, str] | None,
) -> Field:
    return Field(
        name=name,
        kind=f.kind,
        label=f.label,
        required=required,
        max_length=f.max_length,
        hint=f.hint,
        placeholder=f.placeholder,
        understand=f.understand,
        required_with=required_with,
        hidden_if=hidden_if,
        search=f.search,
        multi=f.multi,
    )


Values = Mapping[str, Any]


@dataclass(frozen=True)
class Submission:
    actor: str  # the submitter's e-mail
    values: Values
    ref: str | None = None  # the case (None for the report)
    key: str | None = None  # makes a retried submission act once (Slack: the view id)
    manager: str | None = None  # the reporter's manager from the directory (report only)


@dataclass(frozen=True)
class Result:
    """What a submission did: what to tell the person, and what to refresh."""

    ref: str
    key: str  # catalog key of the result line
    args: Mapping[str, object] = field(default_factory=dict)
    understood: Mapping[str, When] = field(default_factory=dict)
    outcome: Outcome | None = None  # a case action: refresh every leader's message
    file: ExportFile | None = None
    filed: Filed | None = None

    def lines(self, lang: str, form: Form, now: datetime | None = None) -> list[str]:
        """What to tell the person; for a copy made for one party, the review of what was
        replaced in it (the edges show it where they show the result: never a channel)."""
        # An argument may be words of its own (a day, a choice): shown in the reader's language.
        args = {k: in_language(lang, v) for k, v in self.args.items()}
        out = [t(lang, self.key, **args)]
        if self.file is not None and self.file.review is not None:
            out += redaction.review_lines(self.file.review, lang)
        for name, when in self.understood.items():
            out.append(
                t(
                    lang,
                    "console.plan.understood",
                    field=form.label_of(lang, name),
                    when=format_when(when, lang, now=now),
                )
            )
        return out


Prepare = Callable[[Services, "Form", str, str | None, Values], "Opened"]
Call = Callable[[Services, Submission], Result]


@dataclass(frozen=True)
class Form:
    name: str
    title: str  # catalog key
    submit_label: str  # catalog key
    items: tuple[Field | Repeat, ...]
    call: Call
    prepare: Prepare
    action: str  # the verb in bot.core.actions (what the refreshed message says was done)
    intro: str | None = None  # catalog key
    # False for the report: no case yet, opened from memory (it must open at once).
    about_case: bool = True
    # The answer is one line and the dialog closes (the report: the receipt follows as a
    # message); otherwise the person is told what was done, and what dates were understood.
    closes: bool = False
    # Slow to finish (the export renders a document): an edge that must answer within a
    # deadline (Slack: 3 s) answers "working" first and finishes after.
    slow: bool = False
    # Handler error keys that are not field names: where they are shown.
    error_fields: Mapping[str, str] = field(default_factory=dict)
    # Items derived from a declaration in the handlers, read each time (the report's, from
    # handlers.report.TEXTS): used instead of `items`.
    derive: Callable[[], tuple[Field | Repeat, ...]] | None = None

    def parts(self) -> tuple[Field | Repeat, ...]:
        return self.derive() if self.derive is not None else self.items

    def fields(self) -> list[Field | Heading]:
        out: list[Field | Heading] = []
        for item in self.parts():
            out += item.expand() if isinstance(item, Repeat) else [item]
        return out

    def get(self, name: str) -> Field | None:
        return next((f for f in self.fields() if isinstance(f, Field) and f.name == name), None)

    def label_of(self, lang: str, name: str) -> str:
        """A field's label; a repeated field's label carries its row: "Tiltak (2)"."""
        found = self.get(name)
        parts = name.split(".")
        if found is None and len(parts) == 3:
            found = self.get(f"{parts[0]}.1.{parts[2]}")
        if found is None:
            return name
        label = t(lang, found.label)
        return f"{label} ({parts[1]})" if len(parts) == 3 else label

    def place(
        self, errors: FieldErrors, shown: Iterable[str]
    ) -> tuple[dict[str, Problem], list[Problem]]:
        """Each handler problem beside its field when that field is shown; the rest general."""
        visible = set(shown)
        beside: dict[str, Problem] = {}
        general: list[Problem] = []
        for key, problem in errors.errors.items():
            name = self.error_fields.get(key, key)
            if name in visible and name not in beside:
                beside[name] = problem
            else:
                general.append(problem)
        return beside, general


@dataclass
class Opened:
    """A form ready to show: after the access check, with its prefill and choices."""

    form: Form
    ref: str | None
    values: dict[str, Any] = field(default_factory=dict)
    choices: dict[str, tuple[Choice, ...]] = field(default_factory=dict)  # by choices_from
    hidden: frozenset[str] = frozenset()

    def choices_of(self, f: Field) -> tuple[Choice, ...]:
        return self.choices.get(f.choices_from, ()) if f.choices_from else f.choices

    def shown(self) -> list[Field | Heading]:
        out: list[Field | Heading] = []
        for item in self.form.fields():
            if isinstance(item, Field):
                if item.name in self.hidden:
                    continue
                if item.choices_from and len(self.choices_of(item)) < item.min_choices:
                    continue
            out.append(item)
        return out

    def visible(self, f: Field, values: Values | None = None) -> bool:
        """Whether a field is wanted now, given the values picked (`shown_if`, `hidden_if`):
        a form asks only what the earlier answers leave open."""
        current = values if values is not None else self.values
        if f.hidden_if is not None and _picked(current, *f.hidden_if):
            return False
        return f.shown_if is None or _picked(current, *f.shown_if)

    def needed(self, f: Field, values: Values) -> bool:
        """Whether the handler will want this field filled in, given what is typed so far."""
        if not self.visible(f, values):
            return False
        return f.required or (
            f.required_with is not None and bool(text_of(values, f.required_with).strip())
        )

    def memo(self) -> dict[str, Any]:
        """What the form was opened with beyond its declaration (its choices and hidden
        fields), small and JSON-able: an edge keeps it in the dialog so the form can be
        drawn again as the person types (`reopened`) without reading the case again."""
        return {
            "choices": {
                k: [[c.value, c.label, c.literal] for c in v] for k, v in self.choices.items()
            },
            "hidden": sorted(self.hidden),
        }


def reopened(name: str, ref: str | None, memo: Mapping[str, Any], values: Values) -> Opened:
    """The form drawn again from its `Opened.memo` and the values typed so far."""
    choices = {
        str(k): tuple(Choice(str(v), str(label), bool(literal)) for v, label, literal in found)
        for k, found in (memo.get("choices") or {}).items()
    }
    hidden = frozenset(str(h) for h in memo.get("hidden") or ())
    return Opened(FORMS[name], ref, dict(values), choices, hidden)


def _picked(values: Values, name: str, value: str | tuple[str, ...]) -> bool:
    wanted = value if isinstance(value, tuple) else (value,)
    picked = values.get(name)
    if isinstance(picked, list | tuple | set | frozenset):
        return any(v in picked for v in wanted)
    return picked in wanted


# --- values -----------------------------------------------------------------------------


def as_bool(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(as_bool(v) for v in value)
    return value is True or str(value).strip().lower() in ("yes", "true", "on", "1", "ja")


def text_of(values: Values, name: str) -> str:
    value = values.get(name)
    return value if isinstance(value, str) else ""


def list_of(values: Values, name: str) -> list[str]:
    value = values.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):  # Teams sends a multi-select as "a,b"
        return [v for v in value.split(",") if v]
    return [str(v) for v in value]


def rows_of(values: Values, repeat: Repeat) -> list[dict[str, str]]:
    """The rows a person typed something in, in order."""
    out = []
    for n in range(1, repeat.rows + 1):
        row = {f.name: text_of(values, f"{repeat.name}.{n}.{f.name}") for f in repeat.fields}
        if any(v.strip() for v in row.values()):
            out.append(row)
    return out


# --- preparing: the access check before a form opens -------------------------------------


def _no_check(
    services: Services, form: Form, actor: str, ref: str | None, prefill: Values
) -> Opened:
    return Opened(form, ref, dict(prefill))


def _authorized(action: str) -> Prepare:
    """Only someone who may do `action` on the case sees the form (a refusal is logged)."""

    def prepare(
        services: Services, form: Form, actor: str, ref: str | None, prefill: Values
    ) -> Opened:
        assert ref is not None
        review.authorize(services, ref, actor, action)
        return Opened(form, ref.strip().upper(), dict(prefill))

    return prepare


def _pupil_choices(found: people.CasePeople, positions: Iterable[int]) -> tuple[Choice, ...]:
    wanted = set(positions)
    return tuple(
        Choice(str(p.position), (p.name or "")[:70], literal=True)
        for p in found.pupils
        if p.position in wanted
    )


def _prepare_plan(
    services: Services, form: Form, actor: str, ref: str | None, prefill: Values
) -> Opened:
    """One plan per pupil: the form asks whose plan it is when more than one pupil of the
    case has none yet; a case without pupils on record asks for them as before."""
    assert ref is not None
    review.authorize(services, ref, actor, "plan")
    details = review.open_case(services, ref, actor)
    found = people.case_people(services, ref)
    planned = {p.pupil for p in plan.plans(details.ref, details.trail)}
    free = [p.position for p in found.pupils if p.position not in planned]
    values = {"pupils": details.report.get("pupils") or "", **prefill}
    if not found.pupils:
        return Opened(form, details.ref, values, hidden=frozenset({"pupil"}))
    choices = {"free_pupils": _pupil_choices(found, free)}
    return Opened(form, details.ref, values, choices, frozenset({"pupils"}))


def _tiltak_choices(current: plan.Plan) -> tuple[Choice, ...]:
    return tuple(_tiltak_choice(x) for x in current.active_tiltak()[:10])


def _tiltak_choice(x: plan.Tiltak) -> Choice:
    """ "Tiltak 1: Voksen i storefri" (the number names one tiltak across the case's plans;
    a list that numbers its lines of its own does not make it "1) 1. Voksen")."""
    return Choice(
        str(x.no), "plan.tiltak_choice", args=(("no", x.no), ("what", (x.what or "")[:60]))
    )


def _with_plan(action: str) -> Prepare:
    """A form on a plan: whose plan, when the case has several (one per pupil)."""

    def prepare(
        services: Services, form: Form, actor: str, ref: str | None, prefill: Values
    ) -> Opened:
        assert ref is not None
        review.authorize(services, ref, actor, action)
        found = plan.plans_of(services, ref, actor)
        if not found:
            raise FieldErrors({"plan": Problem("plan.error.no_plan", {"ref": ref.strip().upper()})})
        every = [p for p in found if p.open] or found[:1]
        current = every[0]
        tiltak = tuple(c for p in every for c in _tiltak_choices(p))
        choices = {"active_tiltak": tiltak[:10]}
        values = dict(prefill)
        if len(every) > 1:
            on_case = people.case_people(services, ref)
            choices["plans"] = _pupil_choices(on_case, [p.pupil for p in every if p.pupil])
        hidden = frozenset({"pupils"}) if current.pupil is not None else frozenset()
        return Opened(form, current.ref, values, choices, hidden)

    return prepare


def _prepare_foresatte(
    services: Services, form: Form, actor: str, ref: str | None, prefill: Values
) -> Opened:
    """Which pupil, when the case has several; and, when the register says a pupil is 18 or
    older today, what the pupil thought of informing foresatte."""
    assert ref is not None
    review.authorize(services, ref, actor, "foresatte")
    found = people.case_people(services, ref)
    today = services.clock.now().date()  # the handler decides by the day of the act
    choices = {"case_pupils": _pupil_choices(found, [p.position for p in found.pupils])}
    hidden = frozenset() if found.adult_on(today) else frozenset({"pupil_agreed"})
    return Opened(form, ref.strip().upper(), dict(prefill), choices, hidden)


def _prepare_tiltak_done(
    services: Services, form: Form, actor: str, ref: str | None, prefill: Values
) -> Opened:
    assert ref is not None
    review.authorize(services, ref, actor, "tiltak_done")
    current = plan.plan_of(services, ref, actor)
    waiting = [x for x in current.active_tiltak() if x.done_at is None]
    choices = tuple(_tiltak_choice(x) for x in waiting[:10])
    return Opened(form, current.ref, dict(prefill), {"open_tiltak": choices})


def _prepare_export(
    services: Services, form: Form, actor: str, ref: str | None, prefill: Values
) -> Opened:
    assert ref is not None
    found, names = export.export_choices(services, ref, actor)
    choices = tuple(Choice(value, name[:70], literal=True) for value, name in names)
    return Opened(form, found, dict(prefill), {"plan_pupils": choices})


# --- calling the handlers ---------------------------------------------------------------


def _outcome(o: Outcome) -> Result:
    understood = getattr(o, "understood", {})
    return Result(o.ref, o.key, dict(o.args), understood, outcome=o)


def _call_report(services: Services, s: Submission) -> Result:
    v = s.values
    typed, picked = _pupils_of(v.get("pupils"))
    texts = {name: text_of(v, name) for name in report.TEXTS}
    form = report.ReportForm(
        **{**texts, "pupils": typed},  # the names typed; the register's picks go as `picked`
        picked=picked,
        school_id=text_of(v, "school") or None,
        categories=tuple(list_of(v, "categories")),
        accused=text_of(v, "accused") or None,
        urgent=as_bool(v.get("urgent")),
        **{name: text_of(v, name) for name in MATTER_FIELDS},
    )
    filed = report.file_report(services, form, s.actor, submission_key=s.key, manager=s.manager)
    understood = {"when": filed.when} if filed.when else {}
    if filed.raised is not None:  # § 12-6: no receipt follows; the day as understood
        key, args = matter.filed_line(filed.ref, filed.raised)
        return Result(filed.ref, key, args, understood, filed=filed)
    return Result(filed.ref, "teams.filed", {"ref": filed.ref}, understood, filed=filed)


def _pupils_of(value: Any) -> tuple[str, tuple[str, ...]]:
    """The pupil picker's values ("p:12", "t:Ola N."), or a name list typed as plain text."""
    if isinstance(value, str) and not value.startswith((people.PUPIL, people.TYPED)):
        return value, ()
    return "", tuple(list_of({"v": value}, "v"))


def _ref(s: Submission) -> str:
    assert s.ref is not None, "a case form needs the case"
    return s.ref


def _call_close(services: Services, s: Submission) -> Result:
    v = s.values
    why = text_of(v, "why_not_investigated")
    outcome = review.close(
        services,
        _ref(s),
        s.actor,
        text_of(v, "reason"),
        why_not_investigated=why,
        same_as=text_of(v, "same_as"),
        plan_end_reason=text_of(v, "plan_end_reason"),
    )
    return _outcome(outcome)


def _prepare_close(
    services: Services, form: Form, actor: str, ref: str | None, prefill: Values
) -> Opened:
    """The close form asks only what the case leaves open: why no investigation was needed
    (never investigated), why a plan in force ends without a final evaluation."""
    assert ref is not None
    needs = plan.closing_needs(services, ref, actor)
    hidden: set[str] = set()
    if needs.investigated:
        hidden |= {"why_not_investigated", "same_as"}
    if not needs.plan_in_force:
        hidden.add("plan_end_reason")
    return Opened(form, ref.strip().upper(), dict(prefill), hidden=frozenset(hidden))


def _call_reopen(services: Services, s: Submission) -> Result:
    reason = text_of(s.values, "reason")
    return _outcome(review.reopen(services, _ref(s), s.actor, reason, request_key=s.key))


def _call_note(services: Services, s: Submission) -> Result:
    note = text_of(s.values, "note")
    return _outcome(review.add_note(services, _ref(s), s.actor, note, request_key=s.key))


def _call_investigation(services: Services, s: Submission) -> Result:
    v = s.values
    note = review.InvestigationNote(
        heard=text_of(v, "heard"), observed=text_of(v, "observed"), on=text_of(v, "on")
    )
    return _outcome(review.note_investigation(services, _ref(s), s.actor, note, request_key=s.key))


def _position(values: Values) -> int | None:
    picked = text_of(values, "pupil")
    return int(picked) if picked.isdigit() else None


def _call_foresatte(services: Services, s: Submission) -> Result:
    v = s.values
    outcome = review.record_foresatte(
        services,
        _ref(s),
        s.actor,
        text_of(v, "what"),
        text_of(v, "how"),
        text_of(v, "on"),
        pupil=_position(v),
        pupil_agreed=text_of(v, "pupil_agreed"),
    )
    return _outcome(outcome)


def _call_age_band(services: Services, s: Submission) -> Result:
    band = text_of(s.values, "age_band")
    return _outcome(review.set_age_band(services, _ref(s), s.actor, band))


def _call_forward(services: Services, s: Submission) -> Result:
    target = text_of(s.values, "forward_to")
    if not target:
        raise FieldErrors({"forward_to": Problem("error.required")})
    confirmed = as_bool(s.values.get(review.CONFIRM))
    return _outcome(review.forward(services, _ref(s), s.actor, target, confirmed=confirmed))


def _prepare_forward(
    services: Services, form: Form, actor: str, ref: str | None, prefill: Values
) -> Opened:
    """A § 12-5 case asks "are you sure?" beside the person picked; other cases do not."""
    assert ref is not None
    review.authorize(services, ref, actor, "forward")
    asks = review.needs_confirmation(services, ref)
    hidden = frozenset() if asks else frozenset({review.CONFIRM})
    return Opened(form, ref.strip().upper(), dict(prefill), hidden=hidden)


def _tiltak(values: Values, repeat: Repeat) -> list[plan.TiltakForm]:
    return [plan.TiltakForm(**row) for row in rows_of(values, repeat)]


def _numbers(values: Values, name: str) -> list[int]:
    return [int(n) for n in list_of(values, name) if n.strip().isdigit()]


# The plan's texts: the same fields when it is made and when it is changed.
PLAN_TEXTS = (
    "pupils",
    "problem",
    "pupil_voice",
    "pupil_heard",
    "foresatte_heard",
    "others_heard",
    "best_interests",
    "evaluate_when",
)


def _plan_texts(values: Values) -> dict[str, str]:
    return {name: text_of(values, name) for name in PLAN_TEXTS}


def _call_plan(services: Services, s: Submission) -> Result:
    v = s.values
    form = plan.PlanForm(**_plan_texts(v), tiltak=_tiltak(v, PLAN_TILTAK), pupil=_position(v))
    return _outcome(plan.create_plan(services, _ref(s), s.actor, form, request_key=s.key))


def _call_change_plan(services: Services, s: Submission) -> Result:
    v = s.values
    change = plan.PlanChange(
        **_plan_texts(v),
        add_tiltak=_tiltak(v, CHANGE_TILTAK),
        end_tiltak=_numbers(v, "end_tiltak"),
        pupil=_position(v),
    )
    return _outcome(plan.change_plan(services, _ref(s), s.actor, change))


def _call_evaluate(services: Services, s: Submission) -> Result:
    v = s.values
    form = plan.EvaluationForm(
        effect=text_of(v, "effect"),
        pupil_says=text_of(v, "pupil_says"),
        foresatte_says=text_of(v, "foresatte_says"),
        notes=text_of(v, "notes"),
        decision=text_of(v, "decision"),
        next_evaluation=text_of(v, "next_evaluation"),
        held_on=text_of(v, "held_on"),
        participants=list_of(v, "participants"),
        participants_other=text_of(v, "participants_other"),
        add_tiltak=_tiltak(v, EVALUATION_TILTAK),
        end_tiltak=_numbers(v, "end_tiltak"),
        pupil=_position(v),
    )
    return _outcome(plan.evaluate(services, _ref(s), s.actor, form, request_key=s.key))


def _call_share(services: Services, s: Submission) -> Result:
    v = s.values
    outcome = plan.share_with_rteam(
        services, _ref(s), s.actor, text_of(v, "basis"), text_of(v, "note")
    )
    return _outcome(outcome)


def _call_tiltak_done(services: Services, s: Submission) -> Result:
    picked = text_of(s.values, "tiltak").strip()
    if not picked.isdigit():
        raise FieldErrors({"tiltak": Problem("error.required")})
    return _outcome(plan.complete_tiltak(services, _ref(s), s.actor, int(picked)))


def _call_statsforvalter(services: Services, s: Submission) -> Result:
    v = s.values
    outcome = statsforvalter.record_step(
        services,
        _ref(s),
        s.actor,
        text_of(v, "step"),
        on=text_of(v, "on"),
        outcome=text_of(v, "outcome"),
        frist=text_of(v, "frist"),
    )
    return _outcome(outcome)


def _call_export(services: Services, s: Submission) -> Result:
    v = s.values
    made = export.export_case(
        services,
        _ref(s),
        s.actor,
        document=text_of(v, "document") or export.CASE_FILE,
        fmt=text_of(v, "format") or "pdf",
        lang=services.org.language_of(s.actor.strip().lower()),
        keep_pupil=text_of(v, "anonymize_others") or None,
    )
    return Result(_ref(s).strip().upper(), "chat.export.sent", {"name": made.name}, file=made)


# --- the declarations -------------------------------------------------------------------


def _text(name: str, label: str, limit: int, **kw: Any) -> Field:
    return Field(name, Kind.TEXT, label, max_length=limit, **kw)


def _long(name: str, label: str, limit: int, **kw: Any) -> Field:
    return Field(name, Kind.MULTILINE, label, max_length=limit, **kw)


def _date(name: str, label: str, limit: int, **kw: Any) -> Field:
    """A typed time; `understand` (bot.core.checks) reads it as its handler does."""
    return Field(name, Kind.DATE, label, max_length=limit, **kw)


def _choice(name: str, label: str, values: Sequence[str], key: str, **kw: Any) -> Field:
    return Field(
        name, Kind.CHOICE, label, choices=tuple(Choice(v, key.format(v)) for v in values), **kw
    )


# § 12-6: a leader writing down a matter a pupil or a foresatt raised (handlers.matter); shown
# only to the school's leaders (`report_opened`). Left empty, the leader reports it themself.
_RAISED = ("raised_by", tuple(matter.RAISED_BY))
MATTER: tuple[Field, ...] = (
    _choice(
        "raised_by",
        "matter.field.raised_by",
        matter.RAISED_BY,
        "matter.raised_by.{}",
        hint="matter.field.raised_by.hint",
        dispatch=True,
    ),
    Field(
        "raiser",
        Kind.SEARCH,
        "matter.field.raiser",
        max_length=matter.MAX_NAME,
        hint="matter.field.raiser.hint",
        placeholder="matter.field.raiser.placeholder",
        shown_if=("raised_by", matter.FORESATT),
        search=GUARDIANS,
    ),
    _date("raised_on", "matter.field.raised_on", 100, hint="when.example.past", shown_if=_RAISED),
    _choice("raised_how", "matter.field.raised_how", matter.HOW, "matter.how.{}", shown_if=_RAISED),
)
MATTER_FIELDS = tuple(f.name for f in MATTER)

_SCHOOL = Field(
    "school", Kind.CHOICE, "field.school", choices_from="schools", hint="chat.modal.school_hint"
)
_CATEGORIES = Field(
    "categories",
    Kind.CHOICES,
    "field.categories",
    choices=tuple(Choice(c, f"category.{c}") for c in report.CATEGORIES),
    dispatch=True,  # "en ansatt har krenket en elev" asks which employee
)
_ACCUSED = Field(
    "accused",
    Kind.SEARCH,
    "people.field.accused",
    required=True,
    hint="people.field.accused.hint",
    placeholder="people.field.accused.placeholder",
    shown_if=("categories", report.EMPLOYEE_CATEGORY),
    search=STAFF,
)
# A yes/no: its one choice is the text beside the box.
_URGENT = Field("urgent", Kind.TOGGLE, "field.urgent", choices=(Choice("yes", "field.urgent.yes"),))


def _report_text(x: report.Text) -> Field:
    """A declared text of the report (handlers.report.TEXTS) as the form asks it; the pupils
    with the register's picker (what may be typed is the declared limit)."""
    if x.name == "pupils":
        return Field(
            "pupils",
            Kind.SEARCH,
            "people.field.pupils",
            required=x.required,
            max_length=x.max_length,
            hint="people.field.pupils.hint",
            placeholder="people.field.pupils.placeholder",
            search=PUPILS,
            multi=True,
        )
    kind = Kind.DATE if x.date else Kind.MULTILINE if x.lines else Kind.TEXT
    hint = f"field.{x.name}.hint" if x.hint else None
    placeholder = hint if x.date else None
    label = f"field.{x.name}"
    # A time as staff type it is read back at once ("Forstått: …", bot.core.checks).
    understand = checks.PAST_TIME if x.date else None
    return Field(
        x.name, kind, label, x.required, x.max_length, hint, placeholder, understand=understand
    )


def report_fields() -> tuple[Field, ...]:
    """The report form's fields, in order: the school, the account (the texts declared
    `early`), the categories and the employee (§ 12-5), the other texts, urgent. Read from
    the declaration each time the form is drawn, so a text declared there is asked at once."""
    texts = [_report_text(x) for x in report.TEXTS.values()]
    early = [f for f, x in zip(texts, report.TEXTS.values(), strict=True) if x.early]
    late = [f for f in texts if f not in early]
    return (_SCHOOL, *MATTER, *early, _CATEGORIES, _ACCUSED, *late, _URGENT)


_TILTAK_FIELDS = (
    _long("what", "plan.field.what", plan.TILTAK_MAX["what"]),
    # A staff member picked (gets the reminders), or words kept as typed ("kontaktlærer").
    Field(
        "who",
        Kind.SEARCH,
        "plan.field.who",
        max_length=plan.TILTAK_MAX["who"],
        hint="plans.field.who.hint",
        search=STAFF,
    ),
    _date(
        "when",
        "plan.field.when",
        plan.TILTAK_MAX["when"],
        hint="plan.field.when.hint",
        understand=checks.FUTURE_OR_WORDS,
    ),
)
# An evaluation that closes the case asks nothing about what comes next.
_CLOSING = ("decision", "close")
PLAN_TILTAK = Repeat(
    "tiltak",
    _TILTAK_FIELDS,
    rows=3,
    heading="chat.plan.tiltak_n",
    first_required=("what",),
    whole_row=True,
)
CHANGE_TILTAK = Repeat(
    "tiltak", _TILTAK_FIELDS, rows=2, heading="chat.plan.tiltak_n", whole_row=True
)
EVALUATION_TILTAK = Repeat(
    "tiltak",
    _TILTAK_FIELDS,
    rows=1,
    heading="chat.evaluate.add",
    whole_row=True,
    hidden_if=_CLOSING,
)

_P = plan.PLAN_MAX
_E = plan.EVALUATION_MAX
_PLAN_TEXTS = (
    _long("pupils", "plan.field.pupils", _P["pupils"], hint="plan.field.pupils.hint"),
    _long("problem", "plan.field.problem", _P["problem"]),
    _long(
        "pupil_voice",
        "plan.field.pupil_voice",
        _P["pupil_voice"],
        hint="plan.field.pupil_voice.hint",
    ),
    _long("pupil_heard", "plan.field.pupil_heard", _P["pupil_heard"]),
    _long("foresatte_heard", "plan.field.foresatte_heard", _P["foresatte_heard"]),
    _long("others_heard", "plan.field.others_heard", _P["others_heard"]),
    _long("best_interests", "plan.field.best_interests", _P["best_interests"]),
)
_PLAN_REQUIRED = set(plan.PLAN_REQUIRED) - {"pupils"}  # not when the pupil is picked
# Whose plan: one plan per pupil (the pupils without a plan, or the plans in force).
_NEW_PLAN_PUPIL = Field(
    "pupil",
    Kind.CHOICE,
    "plan.field.pupil",
    hint="plan.field.pupil.hint",
    choices_from="free_pupils",
    min_choices=2,
)
_PLAN_PUPIL = Field("pupil", Kind.CHOICE, "plan.field.pupil", choices_from="plans", min_choices=2)
_END_TILTAK = Field(
    "end_tiltak", Kind.CHOICES, "plan.field.end_tiltak", choices_from="active_tiltak"
)


def _required(f: Field) -> Field:
    return Field(**{**vars(f), "required": True})


FORMS: dict[str, Form] = {}


def _declare(form: Form) -> Form:
    FORMS[form.name] = form
    return form


REPORT = _declare(
    Form(
        name="report",
        title="chat.modal.title",
        submit_label="chat.modal.submit",
        intro="chat.modal.intro",
        items=(),
        derive=report_fields,
        call=_call_report,
        prepare=_no_check,
        action="report",
        about_case=False,
        closes=True,
    )
)
CLOSE = _declare(
    Form(
        name="close",
        title="chat.close.title",
        submit_label="chat.close.submit",
        items=(
            # The conclusion in the pupil's own terms; a case never investigated closes only
            # with a written reason why no investigation was needed, and perhaps the case it
            # repeats (the handler asks for it on "why_not_investigated").
            _long("reason", "field.conclusion", review.MAX_REASON, required=True),
            # Only while a plan is in force: a final evaluation closes it with the pupil;
            # without one, the reason is recorded on the plan.
            _long(
                "plan_end_reason",
                "plans.field.plan_end_reason",
                review.MAX_REASON,
                hint="plans.field.plan_end_reason.hint",
            ),
            _long(
                "why_not_investigated",
                "field.why_not_investigated",
                review.MAX_REASON,
                hint="hint.why_not_investigated",
            ),
            _text("same_as", "field.same_as", review.MAX_REF),
        ),
        call=_call_close,
        prepare=_prepare_close,
        action="close",
    )
)
REOPEN = _declare(
    Form(
        name="reopen",
        title="reopen.title",
        submit_label="reopen.submit",
        intro="reopen.intro",
        items=(_long("reason", "reopen.field.reason", review.MAX_REASON, required=True),),
        call=_call_reopen,
        prepare=_authorized("reopen"),
        action="reopen",
    )
)
FORWARD = _declare(
    Form(
        name="forward",
        title="action.forward",
        submit_label="action.forward",
        items=(
            Field(
                "forward_to",
                Kind.PERSON,
                "field.forward_to",
                required=True,
                placeholder="chat.forward.placeholder",
            ),
            # § 12-5 only (hidden otherwise): the forward is confirmed, never one keystroke.
            Field(
                review.CONFIRM,
                Kind.TOGGLE,
                "duty.forward.confirm",
                hint="duty.forward.confirm.hint",
                choices=(Choice("yes", "duty.forward.confirm.yes"),),
            ),
        ),
        call=_call_forward,
        prepare=_prepare_forward,
        action="forward",
    )
)
NOTE = _declare(
    Form(
        name="note",
        title="chat.note.title",
        submit_label="chat.modal.submit",
        intro="chat.note.intro",
        items=(_long("note", "field.note", review.MAX_NOTE, required=True),),
        call=_call_note,
        prepare=_authorized("note"),
        action="note",
    )
)
INVESTIGATION = _declare(
    Form(
        name="investigation",
        title="action.investigation_note",
        submit_label="chat.modal.submit",
        items=(
            _long("heard", "inv.field.heard", review.MAX_HEARD),
            _long("observed", "inv.field.observed", review.MAX_OBSERVED),
            _date("on", "inv.field.on", 100, hint="when.example.past", understand=checks.PAST_DAY),
        ),
        call=_call_investigation,
        prepare=_authorized("investigation_note"),
        action="investigation_note",
    )
)
FORESATTE = _declare(
    Form(
        name="foresatte",
        title="action.foresatte",
        submit_label="chat.modal.submit",
        items=(
            _choice(
                "what",
                "parties.field.what",
                review.PARTY_EVENTS,
                "parties.field.what.{}",
                required=True,
            ),
            _text("how", "parties.field.how", review.MAX_HOW, required=True),
            _date(
                "on",
                "parties.field.on",
                100,
                hint="when.example.past",
                understand=checks.PAST_DAY,
            ),
            Field(
                "pupil",
                Kind.CHOICE,
                "parties.field.pupil",
                choices_from="case_pupils",
                min_choices=2,
            ),
            _choice(
                "pupil_agreed",
                "parties.field.pupil_agreed",
                review.PUPIL_VIEWS,
                "parties.pupil_agreed.{}",
                hint="parties.field.pupil_agreed.hint",
            ),
        ),
        call=_call_foresatte,
        prepare=_prepare_foresatte,
        action="foresatte",
    )
)
AGE_BAND = _declare(
    Form(
        name="age_band",
        title="action.age_band",
        submit_label="chat.modal.submit",
        items=(
            _choice(
                "age_band",
                "parties.field.age_band",
                review.AGE_BANDS,
                "doc.age_band.{}",
                required=True,
            ),
        ),
        call=_call_age_band,
        prepare=_authorized("age_band"),
        action="age_band",
    )
)
PLAN = _declare(
    Form(
        name="plan",
        title="chat.plan.title",
        submit_label="chat.modal.submit",
        items=(
            _NEW_PLAN_PUPIL,
            *(_required(f) if f.name in _PLAN_REQUIRED else f for f in _PLAN_TEXTS[:3]),
            *_PLAN_TEXTS[3:],
            PLAN_TILTAK,
            _date(
                "evaluate_when",
                "plan.field.evaluate_when",
                _P["evaluate_when"],
                required=True,
                hint="plan.field.evaluate_when.hint",
                understand=checks.FUTURE_DATE,
            ),
        ),
        call=_call_plan,
        prepare=_prepare_plan,
        action="plan",
        error_fields={"tiltak": "tiltak.1.what"},
    )
)
CHANGE_PLAN = _declare(
    Form(
        name="change_plan",
        title="chat.change_plan.title",
        submit_label="chat.modal.submit",
        intro="chat.change_plan.intro",
        items=(
            _PLAN_PUPIL,
            *_PLAN_TEXTS,
            _date(
                "evaluate_when",
                "plan.field.evaluate_when",
                _P["evaluate_when"],
                hint="plan.field.evaluate_when.hint",
                understand=checks.FUTURE_DATE,
            ),
            _END_TILTAK,
            CHANGE_TILTAK,
        ),
        call=_call_change_plan,
        prepare=_with_plan("change_plan"),
        action="change_plan",
        error_fields={"tiltak": "tiltak.1.what"},
    )
)
EVALUATE = _declare(
    Form(
        name="evaluate",
        title="chat.evaluate.title",
        submit_label="chat.modal.submit",
        items=(
            _PLAN_PUPIL,
            _date(
                "held_on",
                "plans.field.held_on",
                _E["held_on"],
                hint="plans.field.held_on.hint",
                understand=checks.PAST_DAY,
            ),
            Field(
                "participants",
                Kind.CHOICES,
                "plans.field.participants",
                choices=tuple(Choice(p, f"plans.participant.{p}") for p in plan.PARTICIPANTS),
            ),
            _text("participants_other", "plans.field.participants_other", _E["participants_other"]),
            _choice("effect", "plan.field.effect", plan.EFFECTS, "plan.effect.{}", required=True),
            _long(
                "pupil_says",
                "plan.field.pupil_says",
                _E["pupil_says"],
                required=True,
                hint="plan.field.pupil_says.hint",
            ),
            _long("foresatte_says", "plan.field.foresatte_says", _E["foresatte_says"]),
            _long("notes", "plan.field.notes", _E["notes"]),
            _choice(
                "decision",
                "plan.field.decision",
                plan.DECISIONS,
                "plan.decision.{}",
                required=True,
                dispatch=True,  # "Avslutt saken" asks nothing about what comes next
            ),
            _date(
                "next_evaluation",
                "plan.field.next_evaluation",
                _E["next_evaluation"],
                required=True,
                hint="plan.field.evaluate_when.hint",
                understand=checks.FUTURE_DATE,
                hidden_if=_CLOSING,
            ),
            Field(**{**vars(_END_TILTAK), "hidden_if": _CLOSING}),
            EVALUATION_TILTAK,
        ),
        call=_call_evaluate,
        prepare=_with_plan("evaluate"),
        action="evaluate",
        error_fields={"tiltak": "tiltak.1.what"},
    )
)
TILTAK_DONE = _declare(
    Form(
        name="tiltak_done",
        title="action.tiltak_done",
        submit_label="chat.modal.submit",
        items=(
            Field(
                "tiltak",
                Kind.CHOICE,
                "plan.field.tiltak_done",
                required=True,
                choices_from="open_tiltak",
            ),
        ),
        call=_call_tiltak_done,
        prepare=_prepare_tiltak_done,
        action="tiltak_done",
    )
)
SHARE = _declare(
    Form(
        name="share",
        title="chat.share.title",
        submit_label="chat.modal.submit",
        items=(
            _choice(
                "basis",
                "plan.field.basis",
                plan.SHARE_BASES,
                "plan.share.{}",
                required=True,
                dispatch=True,  # only consent asks how it was given
            ),
            _text(
                "note",
                "plan.field.share_note",
                plan.MAX_SHARE_NOTE,
                shown_if=("basis", access.SHARE_CONSENT),
            ),
        ),
        call=_call_share,
        prepare=_authorized("share_rteam"),
        action="share",
    )
)
_SF = statsforvalter
STATSFORVALTER = _declare(
    Form(
        name="statsforvalter",
        title="sf.title",
        submit_label="chat.modal.submit",
        intro="sf.intro",
        items=(
            _choice("step", "sf.field.step", _SF.STEPS, "sf.step.{}", required=True, dispatch=True),
            _date(
                "on",
                "sf.field.on",
                100,
                hint="when.example.past",
                shown_if=("step", (_SF.RECEIVED, _SF.VEDTAK, _SF.DONE)),
            ),
            _long("outcome", "sf.field.outcome", _SF.MAX_OUTCOME, shown_if=("step", _SF.VEDTAK)),
            _date(
                "frist",
                "sf.field.frist",
                100,
                hint="plan.field.evaluate_when.hint",
                shown_if=("step", _SF.FRIST),
            ),
        ),
        call=_call_statsforvalter,
        prepare=_authorized("statsforvalter"),
        action="statsforvalter",
    )
)
EXPORT = _declare(
    Form(
        name="export",
        title="chat.export.title",
        submit_label="chat.modal.submit",
        items=(
            _choice(
                "document",
                "chat.export.document",
                export.DOCUMENTS,
                "export.document.{}",
                required=True,
                default=export.CASE_FILE,
            ),
            Field(
                "format",
                Kind.CHOICE,
                "chat.export.format",
                choices=tuple(Choice(f, f"export.format.{f}") for f in export.FORMATS),
                default="pdf",
            ),
            Field(
                "anonymize_others",
                Kind.CHOICE,
                "chat.export.keep_pupil",
                hint="chat.export.keep_pupil.hint",
                choices_from="plan_pupils",
                min_choices=2,
            ),
        ),
        call=_call_export,
        prepare=_prepare_export,
        action="export",
        slow=True,
    )
)


# --- opening and submitting -------------------------------------------------------------


def open_form(
    services: Services,
    name: str,
    actor: str,
    *,
    ref: str | None = None,
    prefill: Values | None = None,
) -> Opened:
    """The form, after its access check (Refused, on the trail) with prefill and choices."""
    form = FORMS[name]
    if not form.about_case:
        return report_opened(services.org, actor=actor, prefill=prefill)
    return form.prepare(services, form, actor.strip().lower(), ref, prefill or {})


def report_opened(
    org: Org,
    *,
    actor: str | None = None,
    school_id: str | None = None,
    prefill: Values | None = None,
) -> Opened:
    """The report form from memory only (it must open at once). The school is asked when the
    person works at several schools or is not known yet."""
    if school_id is None and actor:
        theirs = org.schools_of(actor.strip().lower())
        school_id = theirs[0].id if len(theirs) == 1 else None
    values: dict[str, Any] = {"school": school_id, **(prefill or {})}
    what = text_of(values, "what")
    if len(what) > report.MAX_LENGTH["what"]:
        values["what"] = what[: report.MAX_LENGTH["what"]]
    hidden = frozenset() if len(org.schools) > 1 or school_id is None else frozenset({"school"})
    if not actor or not any(
        matter.may_record(s, actor) for s in org.schools if school_id in (None, s.id)
    ):
        hidden |= set(MATTER_FIELDS)
    schools = tuple(Choice(s.id, s.name, literal=True) for s in org.schools)
    return Opened(REPORT, None, values, {"schools": schools}, hidden)


def submit(services: Services, name: str, submission: Submission) -> Result:
    """Call the form's handler; FieldErrors (mapped with Form.place) or Refused on failure."""
    return FORMS[name].call(services, submission)


# --- searching: the pickers of Kind.SEARCH ---------------------------------------------------


def _known_school(services: Services, school_id: str) -> School | None:
    try:
        return services.org.school(school_id)
    except KeyError:
        return None


def search(
    services: Services,
    dataset: str,
    actor: str,
    query: str,
    *,
    school_id: str | None = None,
    lang: str | None = None,
) -> list[Choice]:
    """What a picker offers for the text typed so far: pupils of the schools the person works
    at (only those: never another school's pupils), or staff; then the text itself, to keep
    a name the register does not have. `school_id`: the school picked in the form."""
    actor = actor.strip().lower()
    lang = lang or services.org.language_of(actor)
    schools = [s for s in services.org.schools_of(actor) if school_id in (None, s.id)]
    if not schools and school_id is not None:
        picked = _known_school(services, school_id)
        schools = [picked] if picked and people.works_at(services, picked, actor) else []
    if dataset == PUPILS:
        found: list[people.Option] = []
        for school in schools:
            found += people.pupil_matches(services, school.id, query)
        typed = people.typed_option(query, lang)
        options = found[: people.SEARCH_LIMIT] + ([typed] if typed else [])
    elif dataset == STAFF:
        options = people.staff_options(services, schools[0] if schools else None, query, lang)
    elif dataset == GUARDIANS:
        options = [
            o for s in schools for o in matter.foresatte_options(services, s.id, query, lang)
        ]
    else:
        options = []
    return [Choice(o.value, o.label, literal=True) for o in options]

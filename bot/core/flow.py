"""The conversation's flow, written once: open a form, submit it, click a case's button,
open a case. Each returns a neutral result an edge only draws:

- `Shown`: a form to draw (after its access check), with the values to keep and the problems
  beside their fields (`errors`) or above them (`general`), in the person's language;
- `Done`: what was done — the lines to tell, the `Result` (its `outcome` to refresh every
  leader's message with `verb`, its `file` to deliver, its `filed` report);
- `Details`: the case details (`views.CaseView`); `PlanShown`: the aktivitetsplan;
- `Notice`: a refusal, or a problem with no form to show it in.

Slack (bot/slack/app.py), Teams (bot/teams/app.py) and the console (bot/console/app.py) call these
and translate payloads; none of them decides what happens next. The handlers are synchronous:
an async edge runs these in a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import text
from bot.core import actions, forms, views, words
from bot.core.checks import Hint, Reading
from bot.core.forms import Field, Kind, Opened, Result, Submission
from handlers import choices, delivery, followup, overview, people, plan, review
from handlers import digest as digests
from handlers.delivery import SentMessage
from handlers.errors import FieldErrors, Problem, Refused
from handlers.i18n import t
from handlers.org import School
from handlers.services import Services

log = logging.getLogger("meldefra.core")


@dataclass(frozen=True)
class Shown:
    opened: Opened
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    general: tuple[str, ...] = ()
    hints: Mapping[str, Hint] = field(default_factory=dict)  # under their fields (`hints`)


@dataclass(frozen=True)
class Done:
    lines: list[str]
    result: Result
    verb: str  # what the refreshed messages say was done ("Bekreft mottatt av X")


@dataclass(frozen=True)
class Details:
    view: views.CaseView
    details: review.CaseDetails


@dataclass(frozen=True)
class PlanShown:
    view: views.PlanView


@dataclass(frozen=True)
class Notice:
    text: str


Step = Shown | Done | Details | PlanShown | Notice


def open_form(
    services: Services,
    name: str,
    actor: str | None,
    lang: str,
    *,
    ref: str | None = None,
    prefill: Mapping[str, Any] | None = None,
) -> Shown | Notice:
    """A form to show, after its access check; a refusal (on the trail) as a notice."""
    form = forms.FORMS[name]
    if not form.about_case:
        return Shown(forms.report_opened(services.org, actor=actor, prefill=prefill))
    if actor is None:
        return Notice(t(lang, "chat.error.unknown_user"))
    try:
        return Shown(forms.open_form(services, name, actor, ref=ref, prefill=prefill))
    except Refused as refusal:
        return Notice(refusal.text(lang))
    except FieldErrors as errors:  # e.g. an evaluation before there is a plan
        return Notice(" ".join(errors.render(lang).values()))


def submit(
    services: Services,
    name: str,
    submission: Submission,
    lang: str,
    *,
    shown: Iterable[str] | None = None,
    opened: Opened | None = None,
) -> Done | Shown | Notice:
    """Call the form's handler. Field errors come back as the form again with what was
    typed, each problem beside its field when that field is `shown` (default: the fields the
    form shows when it opens). An edge that still holds the form it showed passes it as
    `opened`; otherwise a case form is reopened for that, which is logged."""
    form = forms.FORMS[name]
    try:
        result = forms.submit(services, name, submission)
    except FieldErrors as errors:
        again = opened or _reopened(services, form, submission, lang)
        if isinstance(again, Notice):
            return again
        names = shown if shown is not None else _names(again)
        beside, general = form.place(errors, names)
        return Shown(
            again,
            submission.values,
            {n: p.text(lang) for n, p in beside.items()},
            tuple(p.text(lang) for p in general),
        )
    except Refused as refusal:
        return Notice(refusal.text(lang))
    lines = result.lines(lang, form, services.clock.now())
    return Done(lines[:1] if form.closes else lines, result, form.action)


def _reopened(services: Services, form: forms.Form, s: Submission, lang: str) -> Opened | Notice:
    if not form.about_case:
        school = s.values.get("school") or None
        return forms.report_opened(services.org, actor=s.actor, prefill={"school": school})
    try:
        return forms.open_form(services, form.name, s.actor, ref=s.ref)
    except Refused as refusal:
        return Notice(refusal.text(lang))
    except FieldErrors as errors:
        return Notice(" ".join(errors.render(lang).values()))


def _names(opened: Opened) -> list[str]:
    return [f.name for f in opened.shown() if isinstance(f, Field)]


def click(services: Services, verb: str, ref: str, actor: str | None, lang: str) -> Step:
    """A case's button: show the case or its plan, open the action's form, or act in
    place."""
    declared = actions.ACTIONS.get(verb)
    if actor is None:
        return Notice(t(lang, "chat.error.unknown_user"))
    if declared is None:
        return Notice(t(lang, "chat.error.try_again"))
    if declared.form:
        return open_form(services, declared.form, actor, lang, ref=ref)
    if declared.view == actions.PLAN:
        return show_plan(services, ref, actor, lang)
    if declared.run is None:
        return open_case(services, ref, actor, lang)
    try:
        outcome = declared.run(services, ref, actor)
    except Refused as refusal:
        return Notice(refusal.text(lang))
    except FieldErrors as errors:
        return Notice(" ".join(errors.render(lang).values()))
    result = Result(outcome.ref, outcome.key, dict(outcome.args), outcome=outcome)
    return Done([t(lang, outcome.key, **outcome.args)], result, verb)


def open_case(services: Services, ref: str, actor: str, lang: str) -> Details | Notice:
    """The details, for someone allowed to see them (each opening is on the trail)."""
    try:
        details = review.open_case(services, ref, actor)
    except Refused as refusal:
        return Notice(refusal.text(lang))
    zone = services.org.school(details.school_id).zone
    return Details(views.case_view(lang, details, zone), details)


def show_plan(services: Services, ref: str, actor: str, lang: str) -> PlanShown | Notice:
    """Every aktivitetsplan of the case (one per pupil), for someone allowed to read them
    (logged as a view of the plan), staff by name."""
    try:
        every = plan.plans_of(services, ref, actor)
        school = review.status_of(services, ref, actor).school_id
    except Refused as refusal:
        return Notice(refusal.text(lang))
    except FieldErrors as errors:
        return Notice(" ".join(errors.render(lang).values()))
    if not every:
        return Notice(t(lang, "plan.error.no_plan", ref=ref.strip().upper()))
    zone = services.org.school(school).zone
    return PlanShown(views.plan_view(lang, every, zone, people.case_names(services, ref)))


# --- each field as it is typed ------------------------------------------------------------


def check_field(
    services: Services,
    opened: Opened,
    name: str,
    values: Mapping[str, Any],
    actor: str | None,
    lang: str,
) -> Hint | None:
    """One field checked as soon as it is typed, given the values so far: missing when the
    handler will want it, too long, or (a field that declares `understand`) what the value
    was understood as, or why it cannot be. None: nothing to say. The handler checks it all
    again when the form is sent."""
    f = opened.form.get(name)
    if f is None or not opened.visible(f, values):
        return None
    value = values.get(name)
    empty = value in (None, "", [], ()) or (isinstance(value, str) and not value.strip())
    if empty:
        needed = opened.needed(f, values) and f.kind != Kind.TOGGLE
        return Hint(Problem("error.required").text(lang), False) if needed else None
    if isinstance(value, str) and f.max_length is not None and len(value) > f.max_length:
        problem = Problem("error.too_long", {"max": f.max_length, "length": len(value)})
        return Hint(problem.text(lang), False)
    if f.understand is None or not isinstance(value, str):
        return None
    school = _school_for(services, opened, values, actor)
    return f.understand(Reading(services, school, lang), value)


def hints(
    services: Services,
    opened: Opened,
    values: Mapping[str, Any],
    actor: str | None,
    lang: str,
) -> dict[str, Hint]:
    """The hint of every shown field that understands what was typed in it (Slack's modal
    and Teams' dialog show these under their fields); empty fields say nothing here."""
    out: dict[str, Hint] = {}
    for f in opened.shown():
        if isinstance(f, Field) and f.understand is not None and values.get(f.name):
            found = check_field(services, opened, f.name, values, actor, lang)
            if found is not None:
                out[f.name] = found
    return out


def _school_for(
    services: Services, opened: Opened, values: Mapping[str, Any], actor: str | None
) -> School:
    """The school a value is read for: the case's, the one picked in the report, the
    reporter's own, else the first (its zone is the one the handler falls back on)."""
    org = services.org
    if opened.ref is not None and actor:
        try:
            return org.school(review.status_of(services, opened.ref, actor).school_id)
        except (Refused, KeyError):
            pass
    picked = values.get("school") or opened.values.get("school")
    if isinstance(picked, str) and picked:
        try:
            return org.school(picked)
        except KeyError:
            pass
    theirs = org.schools_of(actor.strip().lower()) if actor else []
    return theirs[0] if theirs else org.schools[0]


def show_overview(
    services: Services, actor: str, lang: str, values: Mapping[str, Any] | None = None
) -> views.OverviewView | None:
    """Rektor's overview (the school's cases; skoleeier's: the owner's schools) or a leader's
    own list, for the query an edge carried (`views.query_of`: a search, a sort, a page).
    None for someone who holds no case and sees no school whole: their home stays as it is.
    Listing opens nothing; each case is opened with the declared "open" action (logged)."""
    found = overview.overview(services, actor, views.query_of(values or {}))
    if found.scope == overview.OWN and found.total == 0 and not found.searched:
        return None
    return views.overview_view(lang, found, services.clock.now())


# --- who, lists and home: the same for every edge -------------------------------------------


def lang_of(services: Services, actor: str | None) -> str:
    """The person's language; the first school's when the person is not known yet."""
    if actor:
        return services.org.language_of(actor)
    return services.org.schools[0].language


def zone_of(services: Services, actor: str) -> Any:
    """The time zone dates in the person's lists are written in (their first school's)."""
    schools = services.org.schools_of(actor)
    return (schools[0] if schools else services.org.schools[0]).zone


def listing(services: Services, actor: str, intent: str) -> views.ListView:
    """«mine» (the reports the person filed) or «saker» (the cases waiting for them)."""
    lang = lang_of(services, actor)
    if intent == words.MINE:
        cases = review.my_reports(services, actor)
        title, none = "chat.mine.title", "chat.mine.none"
    else:
        cases = review.waiting_for(services, actor)
        title, none = "chat.cases.title", "chat.home.none"
    return views.ListView(lang, title, tuple(cases), zone_of(services, actor), none)


def home(services: Services, actor: str, *, welcome: bool = False) -> views.HomeView:
    waiting = review.waiting_for(services, actor)
    mine = review.my_reports(services, actor)
    zone = zone_of(services, actor)
    return views.HomeView(lang_of(services, actor), tuple(waiting), tuple(mine), zone, welcome)


@dataclass(frozen=True)
class Refresh:
    """A case message already sent on the edge's platform, to draw again in place with the
    case's new status and who did what (`actions.case_message` of its kind, lang and data)."""

    sent: SentMessage
    status: str
    last: actions.LastAction


def refreshes(
    services: Services, outcome: review.Outcome, platform: str, verb: str, who: str
) -> list[Refresh]:
    """Every leader's message about the case that shows its state (new case, forwarded,
    escalated) on `platform`: what an edge updates after an action. `who`: the actor as the
    platform shows a person (a Slack mention, a Teams name)."""
    last = actions.LastAction(verb, who)
    return [
        Refresh(msg, outcome.status, last)
        for msg in delivery.messages_for_case(services, outcome.ref, platform=platform)
        if msg.kind in actions.ACTIONABLE and msg.platform_ref
    ]


def rounds(
    services: Services,
    lang: str,
    schools: Sequence[str] | None = None,
    at: Any = None,
    *,
    digest: bool = False,
    dry_run: bool = False,
) -> list[str]:
    """The morning round of `schools` (default: every school) at `at` (default: now), and the
    § 12-5 round by the hour where a step has come, as `meldefra remind` runs them (or, with
    `digest`, the R-team's digest, as `meldefra digest`): what each round did, and when the
    next one is due."""
    org = services.org
    at = at or services.clock.now()
    ids = list(schools) if schools is not None else [s.id for s in org.schools]
    if digest:
        results = digests.run_digest(services, ids, at=at, dry_run=dry_run)
    else:
        results = followup.run_reminders(services, ids, at=at, dry_run=dry_run)
        urgent = followup.run_urgent(services, ids, at=at, dry_run=dry_run)
        results += [r for r in urgent if r.notices or r.escalated]
    lines: list[str] = []
    for result in results:
        next_round = followup.next_round_at(org.school(result.school_id), at)
        lines += text.round_lines(lang, result, next_round=next_round)
    return lines


# --- whom a person picker offers ------------------------------------------------------------


def staff_of(services: Services, school_id: str | None) -> list[str]:
    """The people a reporter may name (the school's staff, or every school's, and skoleeier's
    contacts); a school id that is not the org's names nobody (the report's check says what is
    wrong)."""
    org = services.org
    known = {s.id: s for s in org.schools}
    if school_id and school_id not in known:
        return []
    schools = [known[school_id]] if school_id else list(org.schools)
    return sorted({p for s in schools for p in s.staff()} | set(org.owner.contacts))


def labelled(services: Services, emails: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Each person as a picker shows them: "Line Lærer (laerer1@…)" where the directory knows
    the name (the e-mail beside it tells namesakes apart), else the e-mail."""
    names = people.displays(services, emails)
    return tuple((e, f"{names[e]} ({e})" if names.get(e, e) != e else e) for e in emails)


def people_for(services: Services, actor: str | None, ref: str | None) -> list[str]:
    """Whom a person picker offers: for a case's form, whom this person may send the case to
    (its school and skoleeier, never every school's staff; nobody when refused); for the
    report, the staff of the person's school (every school's when they have several)."""
    if ref is None or actor is None:
        schools = services.org.schools_of(actor) if actor else []
        return staff_of(services, schools[0].id if len(schools) == 1 else None)
    try:
        return list(choices.choices_for(services, ref, actor).forward_to)
    except (Refused, LookupError):
        return []


def asks_manager(services: Services, actor: str, values: Mapping[str, Any]) -> bool:
    """Whether the report needs the reporter's manager from the directory: only where org.yml
    names no nearest leader for them and the school wants the directory asked."""
    org = services.org
    school_id = str(values.get("school") or "") or None
    try:
        schools = [org.school(school_id)] if school_id else org.schools_of(actor)
    except KeyError:
        return False
    if len(schools) != 1 or not schools[0].graph.managers:
        return False
    unit = schools[0].unit_of(actor)
    return unit is None or unit.leader is None


def lines_of(step: Step) -> list[str]:
    """What a step says in lines, for an edge that can only show text there (a dialog closed,
    a modal's last view)."""
    if isinstance(step, Done):
        return step.lines
    if isinstance(step, Shown):
        return [*step.errors.values(), *step.general]
    if isinstance(step, Notice):
        return [step.text]
    return []


def submit_one(
    services: Services, name: str, actor: str, ref: str, value: Any, lang: str
) -> Done | Shown | Notice:
    """A case's form of one field filled in where the case is shown (a person picked on the
    message: forward), submitted at once; its problems as a notice. A form that asks to be
    sure first (`forms.CONFIRM`: the forward of a § 12-5 case) is never done in one click: it
    opens with the value picked, and asks."""
    form = forms.FORMS[name]
    field = next(f for f in form.fields() if isinstance(f, Field))
    submission = Submission(actor, {field.name: value}, ref)
    step = submit(services, name, submission, lang, opened=Opened(form, ref))
    if isinstance(step, Shown) and forms.CONFIRM in step.errors:
        return open_form(services, name, actor, lang, ref=ref, prefill={field.name: value})
    return Notice(" ".join(lines_of(step))) if isinstance(step, Shown) else step


def sent_list(
    services: Services, actor: str, platform: str, kind: str, school: Any, date: Any
) -> Mapping[str, Any] | None:
    """The data of the reminder or digest of `kind` for `school` on `date` delivered to the
    person on `platform` (the one they clicked a line of), or None."""
    found = [
        n["data"]
        for n in delivery.delivered_to(services, actor, platform=platform)
        if n["kind"] == kind and n["data"].get("school") == school and n["data"].get("date") == date
    ]
    return found[-1] if found else None


PERSON = "person"  # `picks`: whom a person picker offers (see `people_for`)


def picks(
    services: Services,
    actor: str,
    dataset: str,
    typed: str,
    lang: str,
    *,
    ref: str | None = None,
    school: str | None = None,
    limit: int | None = None,
) -> list[forms.Choice]:
    """What a picker offers for the text typed so far: PERSON (whom the case, or the report,
    may name; matched on the e-mail) or one of the core's search datasets (`forms.search`:
    pupils or staff, the text itself last). At most `limit`, the typed text kept last."""
    if dataset == PERSON:
        wanted = typed.strip().lower()
        found = [
            forms.Choice(email, label, True)
            for email, label in labelled(services, people_for(services, actor, ref))
            if wanted in email or wanted in label.lower()
        ]
        return found[:limit] if limit else found
    found = forms.search(services, dataset, actor, typed, school_id=school, lang=lang)
    return found[: limit - 1] + found[-1:] if limit and len(found) > limit else found


def submitted(
    services: Services, name: str, actor: str | None, ref: str | None, school: Any = None
) -> Opened:
    """The form a submission is read against, for an edge that keeps nothing between opening
    and submitting: the report from memory (with the school picked), a case's form unopened
    (its handler checks access and reads the case itself; opening it again would log a second
    view: `submit` reopens it only to show problems)."""
    form = forms.FORMS[name]
    if form.about_case:
        return Opened(form, ref)
    prefill = {"school": school} if school else None
    return forms.report_opened(services.org, actor=actor, prefill=prefill)


# --- shared by the edges: a form redrawn, submitted, a button pressed ---


def redraw(
    services: Services,
    name: str,
    actor: str | None,
    lang: str,
    memo: Mapping[str, Any] | None,
    values: Mapping[str, Any],
    *,
    ref: str | None = None,
) -> Shown | Notice:
    """A form drawn again as it is filled in (a choice that shows or hides fields, a time
    typed and shown back as understood), with the values so far and the hint under each field
    that understands what was typed in it. From what it was opened with (`Opened.memo`) when
    the edge kept that; the report from memory, at the school picked; else a case's form opened
    again (its access check: a logged read, a refusal as a notice)."""
    if memo is not None:
        opened = forms.reopened(name, ref, memo, values)
    elif not forms.FORMS[name].about_case:
        school = values.get("school")
        school_id = school if isinstance(school, str) else None
        opened = forms.report_opened(services.org, actor=actor, school_id=school_id)
    else:
        step = open_form(services, name, actor, lang, ref=ref)
        if isinstance(step, Notice):
            return step
        opened = step.opened
    return Shown(opened, values, hints=hints(services, opened, values, actor, lang))


def try_submit(
    services: Services,
    name: str,
    submission: Submission,
    lang: str,
    *,
    shown: Iterable[str] | None = None,
) -> Done | Shown | Notice:
    """`submit`, with a failure that is not the person's (the database, a bug) as a notice to
    try again: nothing is half-stored (one transaction), the form can stay open with what was
    typed, and the log names only the form."""
    try:
        return submit(services, name, submission, lang, shown=shown)
    except Exception:
        log.error("submitting %s failed", name)
        return Notice(t(lang, "chat.error.try_again"))


@dataclass(frozen=True)
class Clicked:
    """A case's button clicked (`press`): the step to draw (None when the updated messages
    say what was done), the outcome the case's messages are updated with (`refreshes`, naming
    `verb`), and the home drawn again when the click came from it."""

    step: Step | None
    outcome: review.Outcome | None = None
    verb: str = ""
    home: views.HomeView | None = None


def press(
    services: Services,
    verb: str,
    ref: str,
    actor: str,
    *,
    picked: str | None = None,
    from_home: bool = False,
) -> Clicked:
    """A case's button (`click`), or a person `picked` on the case's message for an action
    whose form asks only that (forward: `submit_one`). A change is shown by the case's
    messages, updated, and by the home when it was clicked there; a step that changed nothing
    (already done, a refusal, a form, a view) is drawn."""
    lang = lang_of(services, actor)
    form = actions.ACTIONS[verb].form
    step: Step
    if form and picked is not None:
        step = submit_one(services, form, actor, ref, picked, lang)
    else:
        step = click(services, verb, ref, actor, lang)
    if not isinstance(step, Done) or step.result.outcome is None:
        return Clicked(step)
    outcome = step.result.outcome
    again = home(services, actor) if from_home else None
    return Clicked(None if outcome.changed else step, outcome, step.verb, again)


# --- shared by the edges: whom a picker offers, the home, a dialog's steps ---


def pickable(services: Services, opened: Opened, actor: str | None) -> tuple[tuple[str, str], ...]:
    """Whom the form's person picker offers (`picker_people`), each as the picker shows them
    (`labelled`)."""
    return labelled(services, picker_people(services, opened, actor))


def picker_people(services: Services, opened: Opened, actor: str | None) -> list[str]:
    """Whom the form's person picker offers: for a case's form whom this person may send the
    case to (`people_for`), for the report the staff of the school it was opened with (every
    school's before one is picked); nobody when the form has no person picker."""
    if not any(isinstance(f, Field) and f.kind == Kind.PERSON for f in opened.form.fields()):
        return []
    if opened.ref is None:
        school = opened.values.get("school") or None
        return staff_of(services, str(school) if school else None)
    return people_for(services, actor, opened.ref)


def home_overview(
    services: Services,
    actor: str,
    lang: str,
    query: Mapping[str, Any] | None = None,
    *,
    welcome: bool = False,
) -> tuple[views.HomeView, views.OverviewView | None]:
    """The person's home and what goes under it: rektor's overview (skoleeier's, a leader's
    with cases; None for the others) for the query a search, a sort or a page carried."""
    return home(services, actor, welcome=welcome), show_overview(services, actor, lang, query)


@dataclass(frozen=True)
class Asked:
    """A step asked of a form's dialog, read from an edge that keeps nothing between steps
    (Teams: each step's data carries what is needed): the form `name` and its case `ref`; the
    values typed (`values`, as the core wants them; `kept`, as the edge draws them again);
    what the form was opened with (`memo`); and whether the step opens the form (`opens`,
    with `prefill`), checks the answers («Sjekk»: `checks`), runs a case's button (`verb`; the
    case chosen: `chosen`) or else submits it under the dialog's `key`."""

    name: str
    ref: str | None = None
    key: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)
    kept: Mapping[str, Any] = field(default_factory=dict)
    memo: Mapping[str, Any] | None = None
    opens: bool = False
    prefill: Mapping[str, Any] | None = None
    checks: bool = False
    verb: str | None = None
    chosen: bool = False

    @property
    def submits(self) -> bool:
        return not (self.opens or self.checks) and self.verb is None


def dialog_step(
    services: Services,
    asked: Asked,
    actor: str | None,
    lang: str,
    *,
    unknown: str,
    platform: str,
    manager: str | None = None,
) -> Step:
    """The next step of a dialog: the case's details or its button's action (`run`), the form
    opened (after its access check), drawn again with what was typed («Sjekk»: `redraw`; a
    case's form with no memo is opened again), or submitted (`submit_kept`; `manager` from the
    directory when `needs_manager` said so; the dialog's key on `platform` names the
    submission, so a double submit acts once). `unknown` is the edge's words for a person it
    cannot name; only the report and «Sjekk» go on without one."""
    about_case = forms.FORMS[asked.name].about_case
    if asked.verb is not None:
        if actor is None:
            return Notice(unknown if asked.chosen else t(lang, "chat.error.try_again"))
        return run(services, asked.verb, asked.ref or "", actor, lang, views_too=True)
    if asked.checks and (asked.memo is not None or not about_case):
        return redraw(services, asked.name, actor, lang, asked.memo, asked.kept, ref=asked.ref)
    if actor is None and about_case:
        return Notice(unknown)
    if asked.opens or asked.checks:
        return open_form(services, asked.name, actor, lang, ref=asked.ref, prefill=asked.prefill)
    key = f"{platform}:{asked.key}"
    submission = Submission(actor or "", asked.values, asked.ref, key=key, manager=manager)
    return submit_kept(services, asked.name, submission, lang, asked.kept, unknown)


def submit_kept(
    services: Services,
    name: str,
    submission: Submission,
    lang: str,
    kept: Mapping[str, Any],
    unknown: str,
) -> Done | Shown | Notice:
    """A form submitted from a dialog that stays open until it is done: the form again with
    what was typed (`kept`, as the edge draws it) and the problems beside their fields; with
    `unknown` above them when the edge does not know who sent it (`submission.actor` empty),
    or "try again" when the handler fails (nothing is half-stored: one transaction)."""
    school = submission.values.get("school")
    opened = submitted(services, name, submission.actor or None, submission.ref, school)
    if not submission.actor:
        return Shown(opened, kept, general=(unknown,))
    try:
        step = submit(services, name, submission, lang)
    except Exception:
        log.error("submitting %s failed", name)
        return Shown(opened, kept, general=(t(lang, "chat.error.try_again"),))
    if isinstance(step, Shown):
        return Shown(step.opened, kept, step.errors, step.general)
    return step


def needs_manager(services: Services, asked: Asked, actor: str) -> bool:
    """Whether the step needs the reporter's manager from the directory: only the report's
    submission, and only as `asks_manager` says."""
    report = not forms.FORMS[asked.name].about_case
    return asked.submits and report and asks_manager(services, actor, asked.values)


def run(
    services: Services, verb: str, ref: str, actor: str, lang: str, *, views_too: bool = False
) -> Step:
    """A case's button that is done where it is shown (no form: a form's button opens its
    form, not this): the action run in place, or with `views_too` also the case or its plan
    shown. Anything else is refused with "try again"."""
    declared = actions.ACTIONS.get(verb)
    if declared is None or declared.form is not None or (declared.run is None and not views_too):
        return Notice(t(lang, "chat.error.try_again"))
    return click(services, verb, ref, actor, lang)


def line_done(
    services: Services,
    actor: str,
    platform: str,
    source: Mapping[str, Any],
    ref: str,
    verb: str,
    who: str,
    lang: str,
) -> tuple[Mapping[str, Any], dict[str, str]] | None:
    """A reminder or digest (`source`: its kind, school and date) one line of which was acted
    on: the list as it was delivered to the person, and that line's case as done ("Bekreft
    mottatt av X"); the others stay as they were. None when the list is not found."""
    kind = str(source.get("list"))
    sent = sent_list(services, actor, platform, kind, source.get("school"), source.get("date"))
    if not sent:
        return None
    label = t(lang, actions.ACTIONS[verb].label)
    return sent, {ref: t(lang, "chat.case.last_action", action=label, who=who)}

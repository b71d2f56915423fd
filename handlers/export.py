"""Export a case: the aktivitetsplan for foresatte, and the full case file for the archive.

`export_case` builds the document from the trail, renders it (handlers/render.py) and
records the export on the trail: a `viewed` event (the innsynslogg) and an `exported` event
with the file's SHA-256, which `records.archive` later names. The edges deliver the bytes:
the CLI writes the file with its JSON metadata beside it; Slack and Teams send it to the
leader's DM, never to a channel.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import access, matter, names, people, redact, review, statsforvalter
from handlers.dates import PARTS, format_date
from handlers.errors import FieldErrors, Problem
from handlers.i18n import LANGS, has, t
from handlers.org import School
from handlers.plan import Evaluation, Plan, plans, replay
from handlers.render import Document, Field, Item, Para, Section, Sub, to_html, to_pdf
from handlers.report import TEXTS
from handlers.review import TrailEntry
from handlers.services import Services
from store import trail
from store.models import Case, CaseAccess

PLAN = "plan"
CASE_FILE = "case-file"
INNSYN = "innsyn"  # the case file for one family (offl. § 3, GDPR art. 15): others replaced
DOCUMENTS = (PLAN, CASE_FILE, INNSYN)
FORMATS = ("pdf", "html", "json")
MIME = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "json": "application/json"}
FILE_STEM = {PLAN: "aktivitetsplan", CASE_FILE: "saksdokumentasjon", INNSYN: "innsyn"}


@dataclass(frozen=True)
class ExportFile:
    name: str  # e.g. aktivitetsplan-MF-0001.pdf
    mime: str
    content: bytes
    sha256: str
    metadata: dict[str, Any]  # what goes beside the file for the archive (JSON)
    # A copy for one party: what was replaced, for the leader's eyes only (never the metadata).
    review: redact.Review | None = None

    @property
    def metadata_name(self) -> str:
        """One metadata file per exported file: "saksdokumentasjon-MF-0001.pdf.metadata.json"."""
        return f"{self.name}.metadata.json"

    def metadata_json(self) -> bytes:
        return json.dumps(self.metadata, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def export_case(
    services: Services,
    ref: str,
    actor: str,
    *,
    document: str = CASE_FILE,
    fmt: str = "pdf",
    lang: str | None = None,
    keep_pupil: str | None = None,
    as_operator: bool = False,
) -> ExportFile:
    """Build, render and record one export, for a person who handles the case.

    The plan and the innsyn copy are copies for one family: every pupil of the school's
    register and their foresatte, and every pupil typed on the case, is replaced wherever the
    texts name them ("elev 2", "foresatt til elev 2"), except the family's own. The plan keeps
    its own pupils, or only `keep_pupil` (a name or 1-based number from the plan's pupils):
    the copy for that pupil's family. The innsyn copy (`document="innsyn"`) is the case file
    for one party: `keep_pupil` (default the first pupil named) is kept, and the document says
    what was replaced. `ExportFile.review` lists the replacements and the capitalised words
    left, for the leader to read before the copy is given out. The case file is for the
    archive and is always complete, so it cannot be anonymized.
    """
    errors: dict[str, Problem] = {}
    if document not in DOCUMENTS:
        errors["document"] = Problem("export.error.document", {"value": document})
    if fmt not in FORMATS:
        errors["format"] = Problem("export.error.format", {"value": fmt})
    if lang is not None and lang not in LANGS:
        errors["lang"] = Problem("export.error.lang", {"value": lang})
    if keep_pupil is not None and document == CASE_FILE:
        errors["anonymize_others"] = Problem("export.error.anonymize_case_file")
    if errors:
        raise FieldErrors(errors)
    register = redact.register_for_case(services, ref) if document != CASE_FILE else []

    found = people.case_people(services, ref)

    def build(session: Session, case: Case, seen: access.Access) -> ExportFile:
        school = services.org.school(case.school_id)
        language = lang or school.language
        now = services.clock.now()
        entries = review.trail_entries(session, case)
        every = plans(case.ref, entries)
        typed_band = review.age_band_of(session, case)
        band = _age_band(typed_band, found, now.astimezone(school.zone))
        for_leader: redact.Review | None = None
        meta: dict[str, Any] = {
            "ref": case.ref,
            "school": school.id,
            "school_name": school.name,
            "section": case.section,
            "status": case.status,
            "document": document,
            "format": fmt,
            "language": language,
            "generated_at": now.isoformat(),
            "generated_by": actor.strip().lower(),
            "through_seq": case.last_seq,
            "anonymized": False,
        }
        if document == PLAN:
            plan, kept = _chosen_plan(every, keep_pupil, case.ref)
            keep = [kept] if kept is not None else plan.pupils
            everyone = list(plan.pupils)
            everyone += [n for n in _everyone(entries, every) if n not in everyone]
            entries, done = review.redacted(entries, language, register, everyone, keep=keep)
            redacted_plan = replay(case.ref, entries, plan.pupil)
            assert redacted_plan is not None
            plan = redacted_plan
            for_leader = done.review
            meta["anonymized"] = kept is not None or bool(done.replaced)
            own = _age_band(typed_band, found, now.astimezone(school.zone), plan.pupil)
            doc = plan_document(
                plan, school.name, language, school.zone, now, own, _labels(done), found.names
            )
            content: dict[str, Any] = {"plan": _plain(asdict(plan))}
        else:
            breaks = trail.verify_case(session, case)
            head = trail.events_of(session, case.id)[-1].hash
            redaction = None
            if document == INNSYN:
                entries, every, redaction, done = _innsyn(
                    entries, every, case.ref, language, keep_pupil, register
                )
                for_leader = done.review
                meta["anonymized"] = True
            meta.update(
                {
                    "events": len(entries),
                    "head_hash": head,
                    "chain_ok": not breaks,
                    "chain_breaks": [str(b) for b in breaks],
                }
            )
            doc = case_file_document(
                case,
                entries,
                every,
                school,
                list(services.org.owner.contacts),
                _roles(session, case),
                language,
                now,
                [str(b) for b in breaks],
                head,
                redaction,
                found.names,
                band,
            )
            content = {
                "events": [_plain(asdict(e)) for e in entries],
                "plan": _plain(asdict(every[0])) if every else None,
                "plans": [_plain(asdict(p)) for p in every],
            }
        if fmt == "pdf":
            data = to_pdf(doc, now)
        elif fmt == "html":
            data = to_html(doc).encode("utf-8")
        else:
            body = {"metadata": meta, **content}
            data = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        name = f"{FILE_STEM[document]}-{case.ref}.{fmt}"
        trail.append(
            session,
            case,
            "exported",
            actor.strip().lower(),
            now,
            {
                "document": document,
                "format": fmt,
                "language": language,
                "sha256": digest,
                "through_seq": meta["through_seq"],
                "anonymized": meta["anonymized"],
            },
        )
        metadata = {**meta, "file": name, "sha256": digest}
        return ExportFile(name, MIME[fmt], data, digest, metadata, for_leader)

    return review.read(
        services,
        ref,
        actor,
        f"export:{document}:{fmt}",
        build,
        as_operator=as_operator,
        need=lambda seen: seen.may_export,
    )


def export_choices(services: Services, ref: str, actor: str) -> tuple[str, list[tuple[str, str]]]:
    """Before the export form opens: the case's ref and whose family a plan copy is for
    (value, name): each pupil's own plan (value: the pupil's position), or the pupils of a
    plan made for several (value: 1, 2, …); for a leader who may export; the opening is
    logged."""

    def pupils(
        session: Session, case: Case, seen: access.Access
    ) -> tuple[str, list[tuple[str, str]]]:
        entries = review.trail_entries(session, case)
        every = plans(case.ref, entries)
        if any(p.pupil is not None for p in every):  # one plan per pupil: the case's pupils
            named = names.pupil_names((e.type, e.texts) for e in entries if e.type == "reported")
        else:
            named = every[0].pupils if every else []
        return case.ref, [(str(i), n) for i, n in enumerate(named, 1)]

    return review.read(services, ref, actor, "export", pupils, need=lambda seen: seen.may_export)


def _plain(value: Any) -> Any:
    """Dates and times as ISO text, so the content is JSON."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _chosen_plan(every: list[Plan], keep: str | None, ref: str) -> tuple[Plan, str | None]:
    """The plan to export and the pupil whose family gets it (the others replaced): with one
    plan per pupil, `keep` (the pupil's position or name) picks the plan too."""
    if not every:
        raise FieldErrors({"document": Problem("plan.error.no_plan", {"ref": ref})})
    unknown = FieldErrors(
        {"anonymize_others": Problem("export.error.unknown_pupil", {"pupil": keep or ""})}
    )
    if keep is None:
        if len(every) > 1:
            raise FieldErrors({"anonymize_others": Problem("plan.error.which_pupil")})
        # One pupil's own plan goes to that pupil's family: the others are always replaced.
        own = every[0]
        return own, (own.pupils[0] if own.pupil is not None and own.pupils else None)
    if any(p.pupil is not None for p in every):
        chosen = next(
            (p for p in every if str(p.pupil) == keep.strip() or names.find_pupil(p.pupils, keep)),
            None,
        )
        if chosen is None or not chosen.pupils:
            raise unknown
        return chosen, chosen.pupils[0]
    kept = names.find_pupil(every[0].pupils, keep)
    if kept is None:
        raise unknown
    return every[0], kept


def _age_band(
    typed: str | None, found: people.CasePeople, now: datetime, pupil: int | None = None
) -> str | None:
    """Under or over 18: from the register's birth date on the day (a typed pupil: as recorded
    with the age band)."""
    adult = found.adult_on(now.date(), pupil)
    if adult is None:
        return typed
    return "over_18" if adult else "under_18"


def _roles(session: Session, case: Case) -> list[tuple[str, str]]:
    rows = session.execute(
        select(CaseAccess.email, CaseAccess.role)
        .where(CaseAccess.case_id == case.id)
        .order_by(CaseAccess.id)
    )
    return [(email, role) for email, role in rows]


def _everyone(entries: list[TrailEntry], every: Sequence[Plan]) -> list[str]:
    """The pupils typed on the case: in the report's order (a pupil's position), then any
    other a plan names, no repeats."""
    found = names.pupil_names((e.type, e.texts) for e in entries)
    found += [n for p in every for n in p.pupils if n not in found]
    return list(dict.fromkeys(found))


def _labels(done: redact.Redacted) -> list[str]:
    return [r.label for r in done.replaced]


def _innsyn(
    entries: list[TrailEntry],
    every: list[Plan],
    ref: str,
    lang: str,
    keep: str | None,
    register: list[redact.Person],
) -> tuple[list[TrailEntry], list[Plan], Redaction, redact.Redacted]:
    """The entries and plans for one party's innsyn: the kept pupil (and their foresatte)
    stay, every other pupil of the register or the case, and their foresatte, is replaced."""
    everyone = _everyone(entries, every)
    if keep is not None:
        kept = names.find_pupil(everyone, keep)
    else:
        kept = everyone[0] if everyone else None
    if kept is None:
        problem = Problem("export.error.unknown_pupil", {"pupil": keep or ""})
        raise FieldErrors({"anonymize_others": problem})
    hidden, done = review.redacted(entries, lang, register, everyone, keep=[kept])
    return hidden, plans(ref, hidden), Redaction(kept, _labels(done)), done


# --- The documents ------------------------------------------------------------------------


class _Words:
    """The catalog in one language, with the date formats documents use."""

    def __init__(self, lang: str, zone: tzinfo, names: Mapping[str, str] | None = None) -> None:
        self.lang = lang
        self.zone = zone
        self.names = dict(names or {})

    def person(self, email: str) -> str:
        """A staff member by name (their e-mail when the directory does not know them)."""
        return self.names.get(email) or email

    def __call__(self, key: str, **args: object) -> str:
        return t(self.lang, key, **args)

    def day(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, self.lang)

    def time(self, value: datetime) -> str:
        local = value.astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M" if self.lang == "en" else "%d.%m.%Y kl. %H.%M")

    def clock(self, value: datetime) -> str:
        local = value.astimezone(self.zone)
        return local.strftime("%H:%M" if self.lang == "en" else "%H.%M")

    def text(self, value: str | None) -> str:
        # None: the text was removed from the bot's store when the case was archived.
        return value if value is not None else self("doc.removed")


def plan_sections(
    plan: Plan, w: _Words, adult: bool = False, *, for_school: bool = False
) -> list[Section]:
    """The plan as opplæringslova § 12-4 wants it written: problem, tiltak, who, when,
    evaluation, with the pupil's own voice. `for_school`: the case file and the views, which
    also say which tiltak owners are words that nobody is reminded by."""
    sections = [
        Section(w("doc.plan.pupils"), [Para("\n".join(plan.pupils) or w("doc.removed"))]),
        Section(w("doc.plan.problem"), [Para(w.text(plan.problem))]),
    ]
    voice: list[Item] = [Field(w("doc.plan.pupil_voice"), w.text(plan.pupil_voice))]
    if plan.pupil_heard:
        voice.append(Field(w("doc.plan.pupil_heard"), plan.pupil_heard))
    if plan.foresatte_heard:
        voice.append(Field(w("doc.plan.foresatte_heard"), plan.foresatte_heard))
    if plan.others_heard:
        voice.append(Field(w("doc.plan.others_heard"), plan.others_heard))
    if plan.best_interests:
        voice.append(Field(w("doc.plan.best_interests"), plan.best_interests))
    sections.append(Section(w("doc.plan.voice"), voice))

    tiltak: list[Item] = []
    for x in plan.tiltak:
        tiltak.append(Sub(w("doc.plan.tiltak_n", no=x.no)))
        tiltak.append(Para(w.text(x.what)))
        if x.responsible:
            who = w.person(x.responsible)
        elif x.who and for_school:  # words kept as typed: nobody of the directory is reminded
            who = w("plans.doc.owner_typed", who=x.who)
        else:
            who = w.text(x.who)
        tiltak.append(Field(w("doc.plan.who"), who))
        when = w.text(x.when)
        if x.due is not None:
            when = w("doc.plan.when_date", text=when, date=w.day(x.due))
        tiltak.append(Field(w("doc.plan.when"), when))
        if x.ended_at is not None:
            tiltak.append(
                Field(w("doc.plan.status"), w("doc.plan.tiltak_ended", date=w.day(x.ended_at)))
            )
        elif x.done_at is not None:
            tiltak.append(
                Field(w("doc.plan.status"), w("doc.plan.tiltak_done", date=w.day(x.done_at)))
            )
    sections.append(Section(w("doc.plan.tiltak"), tiltak))

    sections.append(Section(w("plans.doc.versions"), _versions(plan, w)))

    evaluation: list[Item] = []
    if plan.closed_at is None and plan.evaluate_on is not None:
        key = "doc.plan.evaluate_on_adult" if adult else "doc.plan.evaluate_on"
        evaluation.append(Para(w(key, date=w.day(plan.evaluate_on))))
    for ev in plan.evaluations:
        evaluation.append(Sub(w("doc.plan.evaluation_n", date=w.day(ev.held_on or ev.at))))
        held = w.day(ev.held_on) if ev.held_on else w("plans.doc.not_asked")
        evaluation.append(Field(w("plans.doc.held_on"), held))
        recorded = w("plans.doc.recorded", date=w.day(ev.at), who=w.person(ev.by))
        evaluation.append(Para(recorded))
        evaluation.append(Field(w("plans.doc.participants"), _participants(ev, w)))
        evaluation.append(Field(w("doc.plan.effect"), w(f"plan.effect.{ev.effect}")))
        evaluation.append(Field(w("doc.plan.pupil_says"), w.text(ev.pupil_says)))
        if ev.foresatte_says:
            evaluation.append(Field(w("doc.plan.foresatte_says"), ev.foresatte_says))
        if ev.notes:
            evaluation.append(Field(w("doc.plan.notes"), ev.notes))
        decision = [w(f"doc.plan.decision.{ev.decision}")]
        if ev.added:
            decision.append(w("doc.plan.added", numbers=", ".join(map(str, ev.added))))
        if ev.ended:
            decision.append(w("doc.plan.ended", numbers=", ".join(map(str, ev.ended))))
        evaluation.append(Field(w("doc.plan.decision"), " ".join(decision)))
        if ev.next_evaluation is not None:
            next_on = w.day(ev.next_evaluation)
            evaluation.append(Field(w("plans.doc.next_evaluation"), next_on))
    if evaluation:
        sections.append(Section(w("doc.plan.evaluation"), evaluation))

    if plan.closed_at is not None:
        last = plan.evaluations[-1] if plan.evaluations else None
        if last is not None and last.decision == "close":
            closing: list[Item] = [
                Para(w("doc.plan.closed_safe", date=w.day(plan.closed_at))),
                Field(w("doc.plan.closing_words"), w.text(last.pupil_says)),
            ]
        elif plan.ended_reason is not None:
            closing = [
                Para(w("plans.doc.ended_without_evaluation", date=w.day(plan.closed_at))),
                Field(w("plans.doc.ended_reason"), w.text(plan.ended_reason or None)),
            ]
        else:
            closing = [Para(w("doc.plan.closed", date=w.day(plan.closed_at)))]
        sections.append(Section(w("doc.plan.closed_heading"), closing))
    return sections


def _versions(plan: Plan, w: _Words) -> list[Item]:
    """Every version of the plan with the evaluation date it planned: kept after the case
    closes, so the file shows when each evaluation was due."""
    items: list[Item] = []
    for v in plan.versions:
        items.append(
            Sub(w(f"plans.doc.version.{v.how}", no=v.no, date=w.day(v.at), who=w.person(v.by)))
        )
        changed = [w(f"plans.changed.{name}") for name in v.fields if has(f"plans.changed.{name}")]
        if changed:
            items.append(Para(w("plans.doc.version.fields", fields=", ".join(changed))))
        if v.added:
            items.append(Para(w("doc.plan.added", numbers=", ".join(map(str, v.added)))))
        if v.ended:
            items.append(Para(w("doc.plan.ended", numbers=", ".join(map(str, v.ended)))))
        planned = w.day(v.evaluate_on) if v.evaluate_on else w("plans.doc.not_set")
        items.append(Field(w("plans.doc.planned_evaluation"), planned))
    return items


def _participants(ev: Evaluation, w: _Words) -> str:
    named = [w(f"plans.participant.{p}") for p in ev.participants if has(f"plans.participant.{p}")]
    if ev.participants_other:
        named.append(ev.participants_other)
    return ", ".join(named) if named else w("plans.doc.participants_none")


def plan_text(
    plan: Plan, lang: str, zone: tzinfo, names: Mapping[str, str] | None = None
) -> list[Section]:
    """The plan's sections as the documents show them (for the console and chat views)."""
    return plan_sections(plan, _Words(lang, zone, names), for_school=True)


def _made(plan: Plan, w: _Words) -> list[Item]:
    made: list[Item] = [
        Para(w("doc.plan.made_by", date=w.day(plan.created_at), who=w.person(plan.created_by)))
    ]
    if plan.changed:
        at, who, _ = plan.changed[-1]
        made.append(Para(w("doc.plan.changed_by", date=w.day(at), who=w.person(who))))
    return made


def plan_document(
    plan: Plan,
    school: str,
    lang: str,
    zone: tzinfo,
    now: datetime,
    age_band: str | None = None,
    replaced: list[str] | None = None,
    names: Mapping[str, str] | None = None,
) -> Document:
    """The aktivitetsplan to give the pupil and foresatte (the pupil alone, from 18).
    `replaced`: the labels that stand for other people in this copy, said in the copy."""
    w = _Words(lang, zone, names)
    adult = age_band == "over_18"
    about = Section(
        w("doc.plan.about"),
        [
            *_made(plan, w),
            Para(w("doc.plan.for_adult" if adult else "doc.plan.for_foresatte")),
            Para(w("doc.plan.statsforvalter_adult" if adult else "doc.plan.statsforvalter")),
        ],
    )
    if replaced:
        about.items.append(Para(w("redact.copy.replaced", names=", ".join(replaced))))
    return Document(
        title=w("doc.plan.title"),
        subtitle=w("doc.plan.subtitle", school=school, ref=plan.ref, date=w.day(now))
        + "\n"
        + w("doc.marking"),
        lang=lang,
        sections=[*plan_sections(plan, w, adult), about],
        footer=w("doc.plan.footer", ref=plan.ref, school=school),
        page_label=w("doc.page"),
    )


class _People:
    """Who someone is on this case, in words: "trinn8@nordby.example (nærmeste leder,
    8. trinn)". Roles come from the case's access list and the school's org."""

    def __init__(
        self,
        w: _Words,
        school: School,
        owner: list[str],
        roles: list[tuple[str, str]],
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.w = w
        self.school = school
        self.owner = set(owner)
        self.names = dict(names or {})
        self.roles: dict[str, list[str]] = {}
        for email, role in roles:
            if role != access.EXCLUDED:
                self.roles.setdefault(email, [])
                if role not in self.roles[email]:
                    self.roles[email].append(role)

    def role_words(self, email: str) -> list[str]:
        words: list[str] = []
        roles = list(self.roles.get(email, []))
        if email == self.school.principal and "rektor" not in roles:
            roles.append("rektor")
        if email in self.owner and "owner" not in roles:
            roles.append("owner")
        for role in roles:
            if role == "leader":
                unit = next((u.name for u in self.school.units if u.leader == email), None)
                words.append(
                    self.w("doc.role.leader_of", unit=unit) if unit else self.w("role.leader")
                )
            elif has(f"role.{role}"):
                words.append(self.w(f"role.{role}"))
        if not words and email in self.school.rteam.members:
            words.append(self.w("doc.role.rteam"))
        return words

    def __call__(self, email: str | None) -> str:
        if not email or email == "system":
            return self.w("doc.who.system")
        if email.startswith("operator:"):
            return self.w("doc.who.operator", who=email.removeprefix("operator:"))
        words = self.role_words(email)
        name = self.name(email)
        return f"{name} ({', '.join(words)})" if words else name

    def name(self, email: str | None) -> str:
        """The person's name alone (the e-mail when the directory does not know them)."""
        if not email:
            return self.w("doc.who.system")
        return self.names.get(email) or email

    def many(self, emails: list[str]) -> str:
        return ", ".join(self(e) for e in emails)

    def listing(self) -> list[Item]:
        """Everyone on the case with name, e-mail and roles: the one place e-mails are shown,
        so each person can be identified."""
        items: list[Item] = []
        for email in self.roles:
            if "@" not in email:
                continue
            words = self.role_words(email)
            name = self.names.get(email) or email
            key = "doc.case.person_roles" if words else "doc.case.person"
            items.append(Para(self.w(key, name=name, email=email, roles=", ".join(words))))
        return items


@dataclass(frozen=True)
class Redaction:
    """An innsyn copy: the requester's pupil kept, every other pupil and their foresatte
    replaced; the document says what stands for them and on what basis."""

    kept: str
    replaced: list[str]  # the labels shown instead ("elev 2", "foresatt til elev 2")


def case_file_document(
    case: Case,
    entries: list[TrailEntry],
    every: Sequence[Plan],
    school: School,
    owner: list[str],
    roles: list[tuple[str, str]],
    lang: str,
    now: datetime,
    breaks: list[str],
    head: str,
    redaction: Redaction | None = None,
    names: Mapping[str, str] | None = None,
    age_band: str | None = None,
) -> Document:
    """The case file as a school writes it for the archive and the statsforvaltar: the facts,
    the report with its time as typed and as understood, who got it and why, the
    investigation, the parties, the plan with every evaluation, the conclusion, the timeline
    in words, the deliveries, the innsynslogg and the chain check. No catalog keys, no JSON,
    no UTC: every time in the school's zone."""
    w = _Words(lang, school.zone, names)
    who = _People(w, school, owner, roles, names)
    reported = entries[0]
    sections = [
        _about(case, school, w, who, now, age_band, reported),
        Section(w("doc.case.persons"), who.listing() or [Para(w("doc.none"))]),
        _report(reported, case, w, who),
        _route(entries, case, w, who),
        _investigation(entries, case, w, who),
        _parties(entries, w, age_band),
        _matter(entries, case, school, w, who),
    ]
    if not every:
        sections.append(Section(w("doc.plan.title"), [Para(w("doc.case.no_plan"))]))
    for plan in every:  # one plan per pupil
        title = w("doc.plan.title_for", name=", ".join(plan.pupils)) if plan.pupil else ""
        sections.append(Section(title or w("doc.plan.title"), _made(plan, w)))
        sections.extend(plan_sections(plan, w, for_school=True))
    sections.append(_conclusion(entries, case, w, who))
    sections.append(_timeline(entries, w, who))
    sections.append(_deliveries(entries, w, who))
    sections.append(_access_log(entries, w, who))
    sections.append(_chain(entries, breaks, head, w))
    if redaction is not None:
        sections.append(_redacted(redaction, w))
    title = w("doc.innsyn.title") if redaction is not None else w("doc.case.title")
    return Document(
        title=title,
        subtitle=w("doc.case.subtitle", school=school.name, ref=case.ref, date=w.day(now))
        + "\n"
        + w("doc.marking"),
        lang=lang,
        sections=sections,
        footer=w("doc.case.footer", ref=case.ref, school=school.name),
        page_label=w("doc.page"),
    )


def _about(
    case: Case,
    school: School,
    w: _Words,
    who: _People,
    now: datetime,
    band: str | None,
    reported: TrailEntry,
) -> Section:
    about: list[Item] = [
        Field(w("doc.case.school"), school.name),
        Field(w("doc.case.section"), w(f"doc.case.section_{case.section.replace('-', '_')}")),
        Field(w("doc.case.status"), w(f"status.{case.status}")),
        Field(w("doc.case.reported"), _reported_by(case, reported, w, who)),
    ]
    if case.unit:
        about.append(Field(w("doc.case.unit"), case.unit))
    categories = json.loads(case.categories)
    if categories:
        about.append(
            Field(w("doc.case.categories"), ", ".join(w(f"category.{c}") for c in categories))
        )
    if case.urgent:
        about.append(Field(w("doc.case.urgent"), w("doc.yes")))
    if band in review.AGE_BANDS:
        about.append(Field(w("doc.case.age_band"), w(f"doc.age_band.{band}")))
    if case.closed_at is not None:
        about.append(Field(w("doc.case.closed"), w.time(case.closed_at)))
    if case.rteam_share:
        about.append(Field(w("doc.case.rteam"), w(f"plan.share.{case.rteam_share}")))
    if case.restricted:
        about.append(Field(w("doc.case.archived"), w("doc.case.archived_value")))
    about.append(Field(w("doc.case.exported"), w.time(now)))
    return Section(w("doc.case.about"), about)


def _reported_by(case: Case, reported: TrailEntry, w: _Words, who: _People) -> str:
    """When and by whom; a matter a pupil or a foresatt raised (§ 12-6) names them as its
    source and the leader as the one who wrote it down, never as its reporter."""
    raised = matter.shown(reported.data, reported.texts)
    if raised is None:
        return w("doc.case.at_by", at=w.time(case.created_at), who=who(case.reporter))
    by = matter.raised_by_words(w.lang, raised, _raising_pupil(reported))
    return w("doc.case.recorded", at=w.time(case.created_at), who=who(reported.actor), by=by)


def _raising_pupil(reported: TrailEntry) -> str | None:
    found = names.split_names(reported.texts.get("pupils"))
    return found[0] if found else None


def _matter(
    entries: list[TrailEntry], case: Case, school: School, w: _Words, who: _People
) -> Section:
    """§ 12-6: who raised the matter with the school, when and how, the day it was taken up
    with rektor, and each step of the statsforvalter's handling."""
    items: list[Item] = []
    reported = entries[0]
    raised = matter.shown(reported.data, reported.texts)
    if raised is None:
        items.append(Para(w("doc.matter.not_raised")))
    else:
        by = matter.raised_by_words(w.lang, raised, _raising_pupil(reported))
        how = w(f"matter.how.{raised.how}")
        day = w.day(raised.on)
        items.append(Field(w("doc.matter.raised_by"), by))
        items.append(
            Field(
                w("doc.matter.raised_with"),
                w("doc.matter.raised_with_value", who=who(raised.recorded_by), date=day, how=how),
            )
        )
        # Udir: taken up with rektor personally; a leader's note reaches rektor when filed.
        to_rektor = (
            day
            if raised.with_rektor
            else w("doc.matter.rektor_got_it", date=w.day(case.created_at))
        )
        items.append(Field(w("doc.matter.with_rektor"), to_rektor))
        items.append(
            Field(
                w("doc.matter.recorded_by"),
                w("doc.case.at_by", at=w.time(reported.at), who=who(reported.actor)),
            )
        )
    steps = statsforvalter.steps(entries)
    for step in steps:
        day = w.day(step.day)
        if step.step == statsforvalter.VEDTAK:
            value = w("doc.sf.vedtak_value", date=day, outcome=w.text(step.outcome))
        else:
            value = day
        items.append(Field(w(f"doc.sf.{step.step}"), value))
    open_frist = _open_frist(steps)
    if open_frist is not None:
        items.append(Para(w("doc.sf.open_frist", date=w.day(open_frist))))
    if not steps:
        items.append(Para(w("doc.matter.no_steps")))
    return Section(w("doc.matter.title"), items)


def _open_frist(steps: list[statsforvalter.Step]) -> date | None:
    """The newest frist, unless a "done" was recorded after it."""
    frist: date | None = None
    for step in steps:
        if step.step == statsforvalter.FRIST:
            frist = step.day
        elif step.step == statsforvalter.DONE:
            frist = None
    return frist


def _matter_sentence(e: TrailEntry, w: _Words, who: _People) -> str | None:
    """The timeline's words for a raised matter's report and the statsforvalter's steps."""
    if e.type == "reported":
        raised = matter.shown(e.data, e.texts)
        if raised is None:
            return None
        by = matter.raised_by_words(w.lang, raised, _raising_pupil(e))
        how = w(f"matter.how.{raised.how}")
        return w("doc.tl.raised", who=who(e.actor), by=by, how=how, date=w.day(raised.on))
    if e.type in statsforvalter.EVENTS.values():
        day = date.fromisoformat(e.data["date"])
        return w(f"doc.tl.{e.type}", who=who(e.actor), date=w.day(day))
    return None


def _report(reported: TrailEntry, case: Case, w: _Words, who: _People) -> Section:
    items: list[Item] = []
    for name in TEXTS:  # the report's texts, as handlers.report declares them
        if name not in reported.texts:
            continue
        value = w.text(reported.texts.get(name))
        if name == "pupils":
            value = _pupils(reported, w) or value
        if name == "when" and reported.data.get("when_at"):
            at = datetime.fromisoformat(reported.data["when_at"])
            understood = w.day(at)
            until, part = reported.data.get("when_until"), reported.data.get("when_part")
            if reported.data.get("when_has_time"):
                understood = w("doc.case.day_time", day=understood, time=w.clock(at))
            elif until:
                understood = f"{understood} – {w.day(date.fromisoformat(until))}"
            elif part in PARTS.get(w.lang, {}):
                understood = f"{understood}, {PARTS[w.lang][part]}"
            value = w("doc.case.when_understood", text=value, when=understood)
        items.append(Field(w(f"field.{name}"), value))
    accused = reported.data.get("accused")
    if accused:
        # Shown to those who may read the case file: rektor or skoleeier (§ 12-5); in a
        # leadership case nobody in the school's leadership can export it.
        items.append(Field(w("doc.case.accused"), who(accused)))
    elif reported.texts.get("accused_name"):
        typed = w("doc.case.accused_typed", name=reported.texts["accused_name"])
        items.append(Field(w("doc.case.accused"), typed))
    return Section(w("doc.case.report"), items)


def _pupils(reported: TrailEntry, w: _Words) -> str | None:
    """Each pupil on a line, saying whether the name was picked from the register or typed."""
    typed = reported.data.get("pupils_typed")
    found = names.split_names(reported.texts.get("pupils"))
    if not isinstance(typed, list) or len(typed) != len(found):
        return None
    return "\n".join(
        w("doc.case.pupil_typed" if was_typed else "doc.case.pupil_register", name=name)
        for name, was_typed in zip(found, typed, strict=True)
    )


def _route(entries: list[TrailEntry], case: Case, w: _Words, who: _People) -> Section:
    items: list[Item] = []
    for e in entries:
        if e.type != "routed":
            continue
        for r in e.data.get("recipients", []):
            reason = r.get("reason", "")
            words = w(reason, unit=case.unit or "") if has(reason) else ""
            items.append(Field(who(r.get("email")), words))
        if e.data.get("leadership_case"):
            items.append(Para(w("doc.route.leadership")))
        if e.data.get("excluded"):
            items.append(Para(w("doc.route.excluded", count=len(e.data["excluded"]))))
    for e in entries:
        if e.type in ("owner_informed", "owner_informed_serious"):
            items.append(Para(_owner_sentence(e, w, who)))
    return Section(w("doc.route.heading"), items or [Para(w("doc.none"))])


def _owner_sentence(e: TrailEntry, w: _Words, who: _People) -> str:
    if e.type == "owner_informed_serious":  # § 12-4 second paragraph
        rektor = e.data.get("on_behalf_of")
        key = "doc.tl.owner_informed_serious"
        return w(
            key if e.actor == rektor else f"{key}.on_behalf",
            who=who(e.actor),
            to=who.many(list(e.data.get("to", []))),
            rektor=who(rektor),
        )
    how = e.data.get("how", "at_once")
    how = how if how in ("at_once", "rektor", "clock") else "at_once"
    return w(
        f"doc.tl.owner_informed.{how}",
        who=who(e.actor),
        to=who.many(list(e.data.get("to", []))),
        rektor=who.name(e.data.get("on_behalf_of")),  # the sentence says "rektor" itself
    )


def _investigation(entries: list[TrailEntry], case: Case, w: _Words, who: _People) -> Section:
    items: list[Item] = []
    started = next((e for e in entries if e.type == "investigation_started"), None)
    if started is not None:
        items.append(Para(w("doc.inv.started", at=w.time(started.at), who=who(started.actor))))
    for e in entries:
        if e.type == "investigation_noted":
            day = date.fromisoformat(e.data["on"]) if e.data.get("on") else e.at.date()
            items.append(Sub(w("doc.inv.note", date=w.day(day), who=who(e.actor))))
            if e.texts.get("heard") != "":
                items.append(Field(w("inv.field.heard"), w.text(e.texts.get("heard"))))
            if e.texts.get("observed") != "":
                items.append(Field(w("inv.field.observed"), w.text(e.texts.get("observed"))))
        elif e.type == "noted":
            items.append(Sub(w("doc.inv.free_note", at=w.time(e.at), who=who(e.actor))))
            items.append(Para(w.text(e.texts.get("note"))))
    if not items:
        items.append(Para(w("doc.inv.none")))
    return Section(w("doc.inv.heading"), items)


def _parties(entries: list[TrailEntry], w: _Words, band: str | None) -> Section:
    items: list[Item] = []
    if band in review.AGE_BANDS:
        items.append(Para(w(f"doc.parties.{band}")))
    for e in entries:
        if e.type == "foresatte_recorded" and e.data.get("what") in review.PARTY_EVENTS:
            day = date.fromisoformat(e.data["on"]) if e.data.get("on") else e.at.date()
            items.append(
                Field(
                    w(f"doc.parties.foresatte_{e.data['what']}", date=w.day(day)),
                    w.text(e.texts.get("how")),
                )
            )
            view = e.data.get("pupil_agreed")
            if view in review.PUPIL_VIEWS:
                items.append(Para(w(f"doc.parties.pupil_agreed.{view}")))
    if not items:
        items.append(Para(w("doc.parties.none")))
    return Section(w("doc.parties.heading"), items)


def _conclusion(entries: list[TrailEntry], case: Case, w: _Words, who: _People) -> Section:
    closed = [e for e in entries if e.type == "closed"]
    if not closed or entries.index(closed[-1]) < max(
        (n for n, e in enumerate(entries) if e.type == "reopened"), default=-1
    ):  # never closed, or opened again since (the timeline says when and why)
        return Section(w("doc.conclusion.heading"), [Para(w("doc.conclusion.open"))])
    e = closed[-1]
    items: list[Item] = [Para(w("doc.conclusion.closed", at=w.time(e.at), who=who(e.actor)))]
    if e.data.get("via") == "evaluated":
        items.append(Para(w("doc.conclusion.by_evaluation")))
    elif e.data.get("without_investigation"):
        why = w.text(e.texts.get("why_not_investigated"))
        items.append(Para(w("doc.conclusion.without_investigation", why=why)))
        if e.data.get("same_as"):
            items.append(Para(w("doc.conclusion.same_as", ref=e.data["same_as"])))
        items.append(Field(w("doc.conclusion.words"), w.text(e.texts.get("reason"))))
    elif e.data.get("no_grounds"):  # closed before a reason why no investigation was asked
        items.append(Field(w("doc.conclusion.no_grounds"), w.text(e.texts.get("reason"))))
    else:
        items.append(Field(w("doc.conclusion.words"), w.text(e.texts.get("reason"))))
    return Section(w("doc.conclusion.heading"), items)


# Events the timeline leaves to their own sections (deliveries, innsynslogg).
_NOT_IN_TIMELINE = frozenset({"notified", "delivered", "delivery_failed", "viewed", "refused"})
_WITH_NUMBER = frozenset({"tiltak_added", "tiltak_ended", "tiltak_done"})


def _timeline(entries: list[TrailEntry], w: _Words, who: _People) -> Section:
    items: list[Item] = []
    for e in entries:
        if e.type in _NOT_IN_TIMELINE:
            continue
        items.append(Field(w.time(e.at), _sentence(e, w, who)))
    return Section(w("doc.case.trail"), items)


def _sentence(e: TrailEntry, w: _Words, who: _People) -> str:
    """What happened, in plain words: "trinn8@… (nærmeste leder, 8. trinn) bekreftet mottatt"."""
    actor = who(e.actor)
    d = e.data
    said = _matter_sentence(e, w, who)
    if said is not None:
        return said
    if e.type == "routed":
        return w("doc.tl.routed", to=who.many([r.get("email") for r in d.get("recipients", [])]))
    if e.type == "acknowledged" and d.get("implied"):
        return w("doc.tl.acknowledged_implied", who=actor)
    if e.type == "forwarded":  # a § 12-5 forward was confirmed first (handlers.review)
        key = "doc.tl.forwarded.confirmed" if d.get("confirmed") else "doc.tl.forwarded"
        return w(key, who=actor, to=who(d.get("to")))
    if e.type == "escalated" and "working_hours" in d:  # § 12-5 by the hour (followup)
        to = who.many(list(d.get("to", [])))
        return w("doc.tl.escalated.hours", to=to, hours=d["working_hours"])
    if e.type == "escalated":
        return w("doc.tl.escalated", to=who.many(list(d.get("to", []))))
    if e.type in ("owner_informed", "owner_informed_serious"):
        return _owner_sentence(e, w, who)
    if e.type in ("journalfoert", "journal_failed", "archive_folder_closed"):
        kind = f"arkiv.kind.{d.get('kind', '')}"
        what = w(kind) if has(kind) else ""
        number = d.get("journalpostnummer") or d.get("saksnummer") or ""
        return w(f"doc.tl.{e.type}", number=number, what=what)
    if e.type in _WITH_NUMBER:
        return w(f"doc.tl.{e.type}", who=actor, no=d.get("no", ""))
    if e.type == "reopened":
        return w("doc.tl.reopened", who=actor, reason=w.text(e.texts.get("reason")))
    if e.type == "closed" and d.get("without_investigation"):
        return w("doc.tl.closed_without_investigation", who=actor)
    if e.type == "closed" and d.get("no_grounds"):
        return w("doc.tl.closed_no_grounds", who=actor)
    if e.type == "rteam_shared":
        basis = d.get("basis", "")
        share = w(f"plan.share.{basis}") if has(f"plan.share.{basis}") else w("event.rteam_shared")
        return w("doc.tl.rteam_shared", who=actor, share=share)
    if e.type == "exported":
        document = d.get("document", "")
        words = w(f"log.document.{document}") if has(f"log.document.{document}") else ""
        return w("doc.tl.exported", who=actor, document=words, format=str(d.get("format", "")))
    if e.type == "foresatte_recorded" and d.get("what") in review.PARTY_EVENTS:
        return w(f"doc.tl.foresatte_{d['what']}", who=actor)
    if e.type == "age_band_set" and d.get("age_band") in review.AGE_BANDS:
        return w(f"doc.tl.age_band.{d['age_band']}", who=actor)
    if has(f"doc.tl.{e.type}"):
        return w(f"doc.tl.{e.type}", who=actor)
    # An event this version has no sentence for: its label when the catalog has one.
    if has(f"event.{e.type}"):
        return w("doc.tl.other_labelled", who=actor, what=w(f"event.{e.type}"))
    return w("doc.tl.other", who=actor)


def _deliveries(entries: list[TrailEntry], w: _Words, who: _People) -> Section:
    """Each notice in one line: what, to whom, when queued, and whether it arrived. A
    delivery is matched to its notice by kind and recipient, oldest first (the outbox row's
    id is not known yet when the notice is recorded)."""
    outcomes: dict[tuple[str, str], list[TrailEntry]] = {}
    for e in entries:
        if e.type in ("delivered", "delivery_failed"):
            key = (str(e.data.get("kind")), str(e.data.get("recipient") or e.data.get("channel")))
            outcomes.setdefault(key, []).append(e)
    items: list[Item] = []
    arrived = 0
    for e in entries:
        if e.type != "notified":
            continue
        kind = str(e.data.get("kind", ""))
        what = w(f"doc.notice.{kind}") if has(f"doc.notice.{kind}") else w("doc.notice.other")
        to = who(e.data.get("recipient")) if e.data.get("recipient") else w("doc.notice.channel")
        waiting = outcomes.get((kind, str(e.data.get("recipient") or e.data.get("channel"))))
        outcome = waiting.pop(0) if waiting else None
        if outcome is None:
            state = w("doc.delivery.pending")
        elif outcome.type == "delivered":
            arrived += 1
            state = w("doc.delivery.delivered", at=w.time(outcome.at))
        else:
            state = w("doc.delivery.failed", at=w.time(outcome.at))
        items.append(Field(w.time(e.at), w("doc.delivery.line", what=what, to=to, state=state)))
    if items:
        items.insert(0, Para(w("doc.delivery.summary", count=len(items), delivered=arrived)))
    return Section(w("doc.delivery.heading"), items or [Para(w("doc.none"))])


def _access_log(entries: list[TrailEntry], w: _Words, who: _People) -> Section:
    items: list[Item] = []
    for e in entries:
        if e.type == "viewed":
            items.append(
                Field(w.time(e.at), f"{who(e.actor)}: {_viewed(str(e.data.get('what')), w)}")
            )
        elif e.type == "refused":
            items.append(Field(w.time(e.at), f"{who(e.actor)}: {w('doc.log.refused')}"))
    return Section(w("doc.log.heading"), items or [Para(w("log.empty"))])


def _viewed(what: str, w: _Words) -> str:
    return access_words(w.lang, what)


def access_words(lang: str, what: str) -> str:
    """One innsynslogg entry in words (`records.AccessEntry.what`): "åpnet saken",
    "eksporterte saksdokumentasjonen (pdf)", "åpnet eksportvalget", "ble avvist (åpne
    saken)". Only the case's details are "åpnet saken": one opening, one such line."""
    kind, _, rest = what.partition(":")
    if kind == "refused":
        return t(lang, "log.refused", action=refused_action(lang, rest))
    document, _, fmt = rest.partition(":")
    if kind == "export" and has(f"log.document.{document}"):
        return t(lang, "log.export", document=t(lang, f"log.document.{document}"), format=fmt)
    if kind == "export":  # the export dialog, opened without exporting (yet)
        return t(lang, "log.export_dialog")
    if kind in ("details", "plan"):
        return t(lang, f"log.{kind}")
    return t(lang, "doc.log.opened_other")


def refused_action(lang: str, action: str) -> str:
    """What a refused attempt tried, in words ("åpne saken"), never the action's name."""
    if action == "open":
        name = "details"
    elif action.startswith("open:export:"):  # an export of a document
        name = "export"
    elif action.startswith("open:"):  # a reading other than the details (the plan, ...)
        name = "read_" + action.removeprefix("open:").partition(":")[0]
    else:
        name = action
    key = f"log.action.{name}"
    return t(lang, key if has(key) else "log.action.other")


def _chain(entries: list[TrailEntry], breaks: list[str], head: str, w: _Words) -> Section:
    chain: list[Item] = []
    if breaks:
        chain.append(Para(w("doc.case.chain_broken", count=len(breaks))))
        chain.extend(Para(b) for b in breaks)
    else:
        chain.append(Para(w("doc.case.chain_ok", events=len(entries))))
    chain.append(Field(w("doc.case.head_hash"), head))
    return Section(w("doc.case.chain"), chain)


def _redacted(redaction: Redaction, w: _Words) -> Section:
    items: list[Item] = [Para(w("doc.innsyn.kept", pupil=redaction.kept))]
    if redaction.replaced:
        items.append(Para(w("redact.copy.replaced", names=", ".join(redaction.replaced))))
    items.append(Para(w("doc.innsyn.basis")))
    return Section(w("doc.innsyn.heading"), items)

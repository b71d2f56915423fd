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
from dataclasses import asdict, dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from handlers import access, names, review
from handlers.dates import format_date
from handlers.errors import FieldErrors, Problem
from handlers.i18n import LANGS, has, t
from handlers.plan import Plan, replay
from handlers.render import Document, Field, Item, Para, Section, Sub, to_html, to_pdf
from handlers.review import TrailEntry
from handlers.services import Services
from store import trail
from store.models import Case

PLAN = "plan"
CASE_FILE = "case-file"
DOCUMENTS = (PLAN, CASE_FILE)
FORMATS = ("pdf", "html", "json")
MIME = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "json": "application/json"}
FILE_STEM = {PLAN: "aktivitetsplan", CASE_FILE: "saksdokumentasjon"}
REPORT_FIELDS = ("pupils", "what", "when", "where", "action_taken", "pupil_words")
# Event data that says nothing to a reader of the case file.
_QUIET_DATA = frozenset({"texts", "request_key"})


@dataclass(frozen=True)
class ExportFile:
    name: str  # e.g. aktivitetsplan-MF-0001.pdf
    mime: str
    content: bytes
    sha256: str
    metadata: dict[str, Any]  # what goes beside the file for the archive (JSON)

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

    `keep_pupil` (a name or 1-based number from the plan's pupils) makes the foresatte
    version for that pupil's family: every other pupil's name is replaced ("elev 2").
    The case file is for the archive and is always complete, so it cannot be anonymized.
    """
    errors: dict[str, Problem] = {}
    if document not in DOCUMENTS:
        errors["document"] = Problem("export.error.document", {"value": document})
    if fmt not in FORMATS:
        errors["format"] = Problem("export.error.format", {"value": fmt})
    if lang is not None and lang not in LANGS:
        errors["lang"] = Problem("export.error.lang", {"value": lang})
    if keep_pupil is not None and document != PLAN:
        errors["anonymize_others"] = Problem("export.error.anonymize_case_file")
    if errors:
        raise FieldErrors(errors)

    def build(session: Session, case: Case, seen: access.Access) -> ExportFile:
        school = services.org.school(case.school_id)
        language = lang or school.language
        now = services.clock.now()
        entries = review.trail_entries(session, case)
        plan = replay(case.ref, entries)
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
            "anonymized": keep_pupil is not None,
        }
        if document == PLAN:
            if plan is None:
                raise FieldErrors({"document": Problem("plan.error.no_plan", {"ref": case.ref})})
            if keep_pupil is not None:
                kept = names.find_pupil(plan.pupils, keep_pupil)
                if kept is None:
                    raise FieldErrors(
                        {
                            "anonymize_others": Problem(
                                "export.error.unknown_pupil", {"pupil": keep_pupil}
                            )
                        }
                    )
                everyone = plan.pupils + [
                    n
                    for n in names.pupil_names((e.type, e.texts) for e in entries)
                    if n not in plan.pupils
                ]
                entries = review.without_names(entries, language, everyone, keep=kept)
                plan = replay(case.ref, entries)
                assert plan is not None
            doc = plan_document(plan, school.name, language, school.zone, now)
            content: dict[str, Any] = {"plan": _plain(asdict(plan))}
        else:
            breaks = trail.verify_case(session, case)
            head = trail.events_of(session, case.id)[-1].hash
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
                plan,
                school.name,
                language,
                school.zone,
                now,
                [str(b) for b in breaks],
                head,
            )
            content = {
                "events": [_plain(asdict(e)) for e in entries],
                "plan": _plain(asdict(plan)) if plan else None,
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
                "anonymized": keep_pupil is not None,
            },
        )
        return ExportFile(name, MIME[fmt], data, digest, {**meta, "file": name, "sha256": digest})

    return review.read(
        services,
        ref,
        actor,
        f"export:{document}:{fmt}",
        build,
        as_operator=as_operator,
        need=lambda seen: seen.may_export,
    )


def _plain(value: Any) -> Any:
    """Dates and times as ISO text, so the content is JSON."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --- The documents ------------------------------------------------------------------------


class _Words:
    """The catalog in one language, with the date formats documents use."""

    def __init__(self, lang: str, zone: tzinfo) -> None:
        self.lang = lang
        self.zone = zone

    def __call__(self, key: str, **args: object) -> str:
        return t(self.lang, key, **args)

    def day(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, self.lang)

    def time(self, value: datetime) -> str:
        local = value.astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M" if self.lang == "en" else "%d.%m.%Y kl. %H.%M")

    def text(self, value: str | None) -> str:
        # None: the text was removed from the bot's store when the case was archived.
        return value if value is not None else self("doc.removed")


def plan_sections(plan: Plan, w: _Words) -> list[Section]:
    """The plan as opplæringslova § 12-4 wants it written: problem, tiltak, who, when,
    evaluation, with the pupil's own voice."""
    sections = [
        Section(w("doc.plan.pupils"), [Para("\n".join(plan.pupils) or w("doc.removed"))]),
        Section(w("doc.plan.problem"), [Para(w.text(plan.problem))]),
    ]
    voice: list[Item] = [Field(w("doc.plan.pupil_voice"), w.text(plan.pupil_voice))]
    if plan.pupil_heard:
        voice.append(Field(w("doc.plan.pupil_heard"), plan.pupil_heard))
    if plan.foresatte_heard:
        voice.append(Field(w("doc.plan.foresatte_heard"), plan.foresatte_heard))
    sections.append(Section(w("doc.plan.voice"), voice))

    tiltak: list[Item] = []
    for x in plan.tiltak:
        tiltak.append(Sub(w("doc.plan.tiltak_n", no=x.no)))
        tiltak.append(Para(w.text(x.what)))
        tiltak.append(Field(w("doc.plan.who"), w.text(x.who)))
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

    evaluation: list[Item] = []
    if plan.closed_at is None and plan.evaluate_on is not None:
        evaluation.append(Para(w("doc.plan.evaluate_on", date=w.day(plan.evaluate_on))))
    for ev in plan.evaluations:
        evaluation.append(Sub(w("doc.plan.evaluation_n", date=w.day(ev.at))))
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
    if evaluation:
        sections.append(Section(w("doc.plan.evaluation"), evaluation))

    if plan.closed_at is not None:
        last = plan.evaluations[-1] if plan.evaluations else None
        if last is not None and last.decision == "close":
            closing: list[Item] = [
                Para(w("doc.plan.closed_safe", date=w.day(plan.closed_at))),
                Field(w("doc.plan.closing_words"), w.text(last.pupil_says)),
            ]
        else:
            closing = [Para(w("doc.plan.closed", date=w.day(plan.closed_at)))]
        sections.append(Section(w("doc.plan.closed_heading"), closing))
    return sections


def plan_text(plan: Plan, lang: str, zone: tzinfo) -> list[Section]:
    """The plan's sections as the documents show them (for the console and chat views)."""
    return plan_sections(plan, _Words(lang, zone))


def _made(plan: Plan, w: _Words) -> list[Item]:
    made: list[Item] = [
        Para(w("doc.plan.made_by", date=w.day(plan.created_at), who=plan.created_by))
    ]
    if plan.changed:
        at, who, _ = plan.changed[-1]
        made.append(Para(w("doc.plan.changed_by", date=w.day(at), who=who)))
    return made


def plan_document(plan: Plan, school: str, lang: str, zone: tzinfo, now: datetime) -> Document:
    """The aktivitetsplan to give the pupil and foresatte."""
    w = _Words(lang, zone)
    about = Section(w("doc.plan.about"), [*_made(plan, w), Para(w("doc.plan.statsforvalter"))])
    return Document(
        title=w("doc.plan.title"),
        subtitle=w("doc.plan.subtitle", school=school, ref=plan.ref, date=w.day(now)),
        lang=lang,
        sections=[*plan_sections(plan, w), about],
        footer=w("doc.plan.footer", ref=plan.ref, school=school),
        page_label=w("doc.page"),
    )


def case_file_document(
    case: Case,
    entries: list[TrailEntry],
    plan: Plan | None,
    school: str,
    lang: str,
    zone: tzinfo,
    now: datetime,
    breaks: list[str],
    head: str,
) -> Document:
    """Everything about the case for journalføring: facts, the report, the plan with its
    evaluations, every event in order with actor and time, and the chain check."""
    w = _Words(lang, zone)
    reported = entries[0]
    about: list[Item] = [
        Field(w("doc.case.school"), school),
        Field(w("doc.case.section"), w("doc.case.section_value", section=case.section)),
        Field(w("doc.case.status"), w(f"status.{case.status}")),
        Field(
            w("doc.case.reported"),
            w("doc.case.at_by", at=w.time(case.created_at), who=case.reporter),
        ),
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
    if case.closed_at is not None:
        about.append(Field(w("doc.case.closed"), w.time(case.closed_at)))
    if case.rteam_share:
        about.append(Field(w("doc.case.rteam"), w(f"plan.share.{case.rteam_share}")))
    about.append(Field(w("doc.case.exported"), w.time(now)))

    report: list[Item] = [
        Field(w(f"field.{name}"), w.text(reported.texts.get(name)))
        for name in REPORT_FIELDS
        if name in reported.texts
    ]
    sections = [Section(w("doc.case.about"), about), Section(w("doc.case.report"), report)]
    if plan is None:
        sections.append(Section(w("doc.plan.title"), [Para(w("doc.case.no_plan"))]))
    else:
        sections.append(Section(w("doc.plan.title"), _made(plan, w)))
        sections.extend(plan_sections(plan, w))

    events: list[Item] = []
    for e in entries:
        label = w(f"event.{e.type}") if has(f"event.{e.type}") else e.type
        events.append(Sub(f"#{e.seq}  {w.time(e.at)}  {label}"))
        events.append(Para(w("doc.case.actor", who=e.actor)))
        details = _details(e.data)
        if details:
            events.append(Para(details))
        for name, body in sorted(e.texts.items()):
            events.append(Field(_text_label(w, e.type, name), w.text(body)))
    sections.append(Section(w("doc.case.trail"), events))

    chain: list[Item] = []
    if breaks:
        chain.append(Para(w("doc.case.chain_broken", count=len(breaks))))
        chain.extend(Para(b) for b in breaks)
    else:
        chain.append(Para(w("doc.case.chain_ok", events=len(entries))))
    chain.append(Field(w("doc.case.head_hash"), head))
    sections.append(Section(w("doc.case.chain"), chain))
    return Document(
        title=w("doc.case.title"),
        subtitle=w("doc.case.subtitle", school=school, ref=case.ref, date=w.day(now)),
        lang=lang,
        sections=sections,
        footer=w("doc.plan.footer", ref=case.ref, school=school),
        page_label=w("doc.page"),
    )


def _details(data: dict[str, Any]) -> str:
    """An event's data as "key: value" lines (metadata only; free text comes apart)."""
    shown = {
        k: v for k, v in sorted(data.items()) if k not in _QUIET_DATA and v not in (None, [], {})
    }
    return "; ".join(
        f"{k}: {json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
        for k, v in shown.items()
    )


def _text_label(w: _Words, event_type: str, name: str) -> str:
    # The report's fields have the report's labels; a tiltak's "when" is not "when did it happen".
    keys = [f"field.{name}", f"plan.field.{name}"]
    if event_type != "reported":
        keys.reverse()
    return next((w(key) for key in keys if has(key)), name)

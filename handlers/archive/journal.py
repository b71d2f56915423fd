"""A case's journal in the municipality's sakarkiv: what is journalført, when, and what the
archive answered.

Which events become journalposter (type after Noark: I inngående, U utgående, X organinternt
uten oppfølging), each with its PDF as the case stood at that moment:

- `reported` → the report (X); the first journalpost also creates the saksmappe;
- `plan_created` / `plan_changed` → the aktivitetsplan given to the pupil and foresatte (U);
- `evaluated` → the evaluation (X);
- `foresatte_recorded` with `heard` → what foresatte raised (I);
- `owner_informed` → the § 12-5 melding to skoleeier (U);
- `closed` → the case file at closure (X); once it is journalført, the saksmappe is closed
  (`…arkivmelding.oppdater`: saksstatus avsluttet).

The journalpost row and its outbox row are written in the event's own transaction (a trail
listener installed by the bootstrap when Fiks Arkiv is configured), so nothing is lost and
(case, seq) keeps it single. The transport (bot/fiks/) builds the message at send time from
the trail (`build`), records that Fiks IO took it (`sent`) and hands back each reply
(`record_reply`): a kvittering puts "journalført som 2026/1234-3" on the trail, a feilmelding
reaches rektor (and the operator, in the log and /metrics).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import access, directory, notices, review
from handlers.archive import arkivmelding as am
from handlers.export import CASE_FILE, FILE_STEM, PLAN, case_file_document, plan_document
from handlers.i18n import t
from handlers.org import ArchiveSettings, Org, School
from handlers.plan import plans, replay
from handlers.render import to_pdf
from handlers.services import Services
from store import outbox, trail
from store.journal import OPEN_STATES, JournalPost, of_case
from store.journal import counts as store_counts
from store.models import Case, Event

log = logging.getLogger("meldefra.journal")

KIND = "journalpost"  # the outbox kind
CHANNEL = "fiks-arkiv"  # the outbox "channel": the archive's Fiks IO account
PLATFORM = "fiks"  # the Router's sender for it
FAILED_NOTICE = "journal_failed"  # to rektor: the archive refused a journalpost

JOURNALPOSTTYPE = {
    "reported": "X",
    "plan": "U",
    "evaluated": "X",
    "foresatte": "I",
    "owner_informed": "U",
    "case_file": "X",
}
CLOSE_FOLDER = "close_folder"  # the oppdater that ends the saksmappe
# Not content: a case file stays current after them (records.archive).
EVENTS = ("journalfoert", "journal_failed", "archive_folder_closed")
_NAMESPACE = uuid.UUID("0b9f4c2e-6c1d-4a8e-9d59-3f1f2b9a7e11")


def kind_of(type_: str, data: Mapping[str, Any]) -> str | None:
    """The journalpost an event makes, or None."""
    if type_ == "reported":
        return "reported"
    if type_ in ("plan_created", "plan_changed"):
        return "plan"
    if type_ == "evaluated":
        return "evaluated"
    if type_ == "foresatte_recorded" and data.get("what") == "heard":
        return "foresatte"
    if type_ == "owner_informed":
        return "owner_informed"
    if type_ == "closed":
        return "case_file"
    return None


def install(services: Services) -> None:
    """Journalføre from now on: every new session tells `on_append` of each event."""
    info = services.sessions.kw.setdefault("info", {})
    info[trail.ON_APPEND] = [listener(services.org)]


def listener(org: Org) -> Callable[..., None]:
    def on_append(
        session: Session,
        case: Case,
        type_: str,
        seq: int,
        at: datetime,
        data: Mapping[str, Any],
    ) -> None:
        kind = kind_of(type_, data)
        if kind is None:
            return
        school = next((s for s in org.schools if s.id == case.school_id), None)
        if school is None or school.archive is None:
            return
        queue(session, case, school, kind, seq, at)

    return on_append


def queue(session: Session, case: Case, school: School, kind: str, seq: int, at: datetime) -> None:
    session.add(
        JournalPost(
            case_id=case.id,
            seq=seq,
            kind=kind,
            status="queued",
            klient_melding_id=str(uuid.uuid5(_NAMESPACE, f"{case.ref}:{seq}:{kind}")),
            created_at=at,
            updated_at=at,
        )
    )
    _enqueue(session, case, school, kind, seq, at)


def _enqueue(
    session: Session, case: Case, school: School, kind: str, seq: int, at: datetime
) -> None:
    outbox.enqueue(
        session,
        kind=KIND,
        lang=school.language,
        at=at,
        data={"platform": PLATFORM, "ref": case.ref, "seq": seq, "journal": kind},
        channel=CHANNEL,
        case_id=case.id,
    )


class NotYet(Exception):
    """Wait: the saksmappe is not made yet (its first journalpost has no kvittering), or an
    earlier journalpost of the case is not sent yet (the archive numbers them as they come)."""


class Answered(Exception):
    """The archive already answered this journalpost (a send after a crash): do not resend."""

    def __init__(self, melding_id: str | None) -> None:
        super().__init__("answered")
        self.melding_id = melding_id


class Gone(Exception):
    """Nothing to send: the journalpost is not known, failed, or the school left the archive."""


@dataclass(frozen=True)
class Message:
    """One Fiks Arkiv message, ready for the transport."""

    journalpost_id: int
    message_type: str
    klient_melding_id: str
    files: list[tuple[str, bytes]]  # arkivmelding.xml first, then the documents


@dataclass(frozen=True)
class Built:
    kind: str
    seq: int
    xml: bytes
    documents: list[am.Document]


def build(services: Services, ref: str, seq: int, kind: str | None = None) -> Message:
    """The message for a case's journalpost, rendered from the trail as it stood then (or the
    oppdater that closes the saksmappe, `kind` close_folder)."""
    with services.uow() as session:
        case = review.load_case(session, ref)
        rows = of_case(session, case.id)
        jp = next((r for r in rows if r.seq == seq and kind in (None, r.kind)), None)
        if jp is None or jp.status == "failed":
            raise Gone(ref)
        if jp.status in ("received", "done"):
            raise Answered(jp.melding_id)
        first = rows[0]
        if first.id != jp.id and first.status != "done":
            raise NotYet(ref)
        if any(r.seq < jp.seq and r.status == "queued" for r in rows):
            raise NotYet(ref)  # in the case's order: an earlier one is still to be sent
        school = services.org.school(case.school_id)
        if school.archive is None:
            raise Gone(ref)
        if jp.kind == CLOSE_FOLDER:
            closed = case.closed_at or jp.created_at
            xml = am.close_folder(folder_of(case, school, school.archive), closed)
            return Message(jp.id, am.OPPDATER, jp.klient_melding_id, [(am.PAYLOAD, xml)])
        pupils: list[str] = []
        if jp.kind in ("plan", "foresatte"):
            upto = [e for e in review.trail_entries(session, case) if e.seq <= seq]
            plan = replay(case.ref, upto)
            pupils = list(plan.pupils) if plan is not None else []
    # Outside the transaction: the directory reads in its own (one SQLite writer at a time).
    guardians = _guardians(services, school.id, pupils)
    settings = school.archive
    with services.uow() as session:
        case = review.load_case(session, ref)
        built = _build(
            services,
            session,
            case,
            school,
            settings,
            jp.kind,
            seq,
            first.id == jp.id,
            guardians,
        )
    return Message(
        jp.id,
        am.OPPRETT,
        jp.klient_melding_id,
        [(am.PAYLOAD, built.xml), *((d.filename, d.content) for d in built.documents)],
    )


def _guardians(services: Services, school: str, pupils: Sequence[str]) -> dict[str, list[str]]:
    """The foresatte of the plan's pupils, by the pupil's name as written in the case, from
    the directory when the school has one and the name is one pupil there."""
    if not pupils or not directory.has_directory(services, school):
        return {}
    found: dict[str, list[str]] = {}
    for name in pupils:
        hits = [
            h
            for h in directory.search_pupils(services, school, name, limit=5)
            if h.name.casefold() == name.strip().casefold()
        ]
        if len(hits) != 1:
            continue
        pupil = directory.get_pupil(services, hits[0].id)
        if pupil is not None and pupil.guardians:
            found[name] = [g.name for g in pupil.guardians]
    return found


def _build(
    services: Services,
    session: Session,
    case: Case,
    school: School,
    settings: ArchiveSettings,
    kind: str,
    seq: int,
    with_folder: bool,
    guardians: Mapping[str, list[str]] | None = None,
) -> Built:
    lang = school.language
    entries = review.trail_entries(session, case)
    event = next(e for e in entries if e.seq == seq)
    upto = [e for e in entries if e.at <= event.at]
    plan = replay(case.ref, upto, pupil=event.data.get("pupil"))
    now = event.at
    documents: list[am.Document] = []
    stem = f"{case.ref}-{seq}"
    title = t(lang, f"arkiv.jp.{kind}", ref=case.ref, version=_version(plan))
    if kind in ("plan", "evaluated") and plan is not None:
        doc = plan_document(
            plan, school.name, lang, school.zone, now, review.age_band_of(session, case)
        )
        documents.append(am.Document(title, f"{FILE_STEM[PLAN]}-{stem}.pdf", to_pdf(doc, now)))
    else:
        breaks = [str(b) for b in trail.verify_case(session, case)]
        head = next(ev.hash for ev in trail.events_of(session, case.id) if ev.seq == event.seq)
        doc = case_file_document(
            case,
            upto,
            plans(case.ref, upto),
            school,
            list(services.org.owner.contacts),
            _roles(session, case),
            lang,
            now,
            breaks,
            head,
        )
        documents.append(am.Document(title, f"{FILE_STEM[CASE_FILE]}-{stem}.pdf", to_pdf(doc, now)))
    key = str(_event_id(session, case, seq))
    entry = am.Entry(
        key=key,
        journalposttype=JOURNALPOSTTYPE[kind],
        title=title,
        created=event.at,
        day=event.at.astimezone(school.zone).date(),
        author=event.actor if "@" in event.actor else am.SYSTEM,
        documents=documents,
        parties=_parties(services, kind, plan, lang, session, case, guardians or {}),
    )
    folder = folder_of(case, school, settings)
    return Built(kind, seq, am.opprett(folder, entry, with_folder=with_folder), documents)


def folder_of(case: Case, school: School, settings: ArchiveSettings) -> am.Folder:
    """The saksmappe: a title without names, klassering and unit from org.yml."""
    return am.Folder(
        ref=case.ref,
        title=t(school.language, "arkiv.saksmappe.title", school=school.name, ref=case.ref),
        created=case.created_at,
        klassering=settings.klassering,
        klassifikasjonssystem=settings.klassifikasjonssystem,
        admin_unit=settings.admin_unit,
        arkivdel=settings.arkivdel,
    )


def _version(plan: Any) -> int:
    return len(plan.changed) + 1 if plan is not None else 1


def _roles(session: Session, case: Case) -> list[tuple[str, str]]:
    from handlers.export import _roles as roles  # the case file's own reading of the roles

    return roles(session, case)


def _event_id(session: Session, case: Case, seq: int) -> int:
    return int(
        session.scalars(select(Event.id).where(Event.case_id == case.id, Event.seq == seq)).one()
    )


def _parties(
    services: Services,
    kind: str,
    plan: Any,
    lang: str,
    session: Session,
    case: Case,
    guardians: Mapping[str, list[str]],
) -> list[am.Party]:
    """The korrespondanseparter: the plan's pupils (and foresatte, below 18) for what goes
    home, the pupils' foresatte for what they raised, skoleeier for the § 12-5 melding. The
    foresatte by name from the directory when it knows them, else "<pupil> og foresatte"."""
    if kind == "owner_informed":
        owner = services.org.owner
        contacts: list[str | None] = [*owner.contacts] or [None]
        return [am.Party("EM", owner.name, email, is_person=False) for email in contacts]
    if kind not in ("plan", "foresatte"):
        return []
    pupils = list(plan.pupils) if plan is not None else []
    adult = review.age_band_of(session, case) == "over_18"
    if kind == "plan":
        names: list[str] = []
        for p in pupils:
            if adult:
                names.append(t(lang, "arkiv.part.pupil", pupil=p))
            elif p in guardians:
                names += [p, *guardians[p]]
            else:
                names.append(t(lang, "arkiv.part.pupil_foresatte", pupil=p))
        return [am.Party("EM", n) for n in names or [t(lang, "arkiv.part.pupil_unnamed")]]
    senders: list[str] = []
    for p in pupils:
        senders += guardians.get(p) or [t(lang, "arkiv.part.foresatte_of", pupil=p)]
    return [am.Party("EA", n) for n in senders or [t(lang, "arkiv.part.foresatte")]]


def sent(services: Services, journalpost_id: int, melding_id: str) -> None:
    """Fiks IO took the message: remember its id (the replies name it)."""
    with services.uow() as session:
        jp = session.get(JournalPost, journalpost_id, with_for_update=True)
        if jp is None:
            return
        jp.melding_id = melding_id
        if jp.status == "queued":
            jp.status = "sent"
            jp.updated_at = services.clock.now()


@dataclass(frozen=True)
class Reply:
    """A message from the archive: its type, the message it answers, its files."""

    message_type: str
    melding_id: str
    svar_paa: str | None
    files: Mapping[str, bytes]


def record_reply(services: Services, reply: Reply) -> str:
    """Record one reply; returns what it was: received, journalfoert, failed, duplicate,
    unknown (no journalpost of ours) or ignored (a type we do not read)."""
    kvittering = None
    if reply.message_type == am.KVITTERING[1]:  # oppdater: no payload
        return _folder_closed(services, reply)
    if reply.message_type in am.KVITTERING:
        xml = reply.files.get(am.KVITTERING_FILE)
        if xml is None:
            log.warning("archive reply %s: a kvittering without its file", reply.melding_id)
            return "ignored"
        kvittering = am.read_kvittering(xml)
    now = services.clock.now()
    with services.uow() as session:
        jp = _journalpost_of(session, reply, kvittering)
        if jp is None:
            log.warning(
                "archive reply %s (%s): no such journalpost", reply.melding_id, reply.message_type
            )
            return "unknown"
        case = session.get(Case, jp.case_id, with_for_update=True)
        assert case is not None
        if reply.message_type in am.MOTTATT:
            if jp.status in ("queued", "sent"):
                jp.status, jp.updated_at = "received", now
                return "received"
            return "duplicate"
        if kvittering is not None and kvittering.error is None:
            if jp.status == "done":
                return "duplicate"
            return _journalfoert(services, session, case, jp, kvittering, now)
        if kvittering is not None or am.is_feilmelding(reply.message_type):
            if jp.status in ("done", "failed"):
                return "duplicate"
            error = (
                kvittering.error
                if kvittering is not None and kvittering.error
                else am.read_feilmelding(reply.message_type, _first_file(reply.files))
            )
            _failed(services, session, case, jp, reply.message_type.rsplit(".", 1)[-1], error, now)
            return "failed"
    return "ignored"


def _first_file(files: Mapping[str, bytes]) -> bytes | None:
    return next(iter(files.values()), None)


def _journalpost_of(
    session: Session, reply: Reply, kvittering: am.Receipt | None
) -> JournalPost | None:
    """By the message it answers, else (a send whose id we never recorded: a crash between
    Fiks IO's answer and our commit) by our eksternNoekkel in the kvittering."""
    if reply.svar_paa:
        jp = session.scalars(
            select(JournalPost).where(JournalPost.melding_id == reply.svar_paa).with_for_update()
        ).first()
        if jp is not None:
            return jp
    if kvittering is not None and kvittering.key and kvittering.key.isdigit():
        event = session.get(Event, int(kvittering.key))
        if event is not None:
            return session.scalars(
                select(JournalPost)
                .where(
                    JournalPost.case_id == event.case_id,
                    JournalPost.seq == event.seq,
                    JournalPost.kind != CLOSE_FOLDER,
                )
                .with_for_update()
            ).first()
    return None


def _journalfoert(
    services: Services,
    session: Session,
    case: Case,
    jp: JournalPost,
    receipt: am.Receipt,
    now: datetime,
) -> str:
    rows = of_case(session, case.id)
    saksnummer = receipt.saksnummer or next((r.saksnummer for r in rows if r.saksnummer), None)
    number = (
        f"{saksnummer}-{receipt.journalpostnummer}"
        if saksnummer and receipt.journalpostnummer is not None
        else (saksnummer or receipt.system_id or "?")
    )
    jp.status, jp.updated_at = "done", now
    jp.saksnummer = saksnummer
    jp.journalpostnummer = number
    jp.mappe_system_id = receipt.mappe_system_id or jp.mappe_system_id
    jp.system_id = receipt.system_id
    trail.append(
        session,
        case,
        "journalfoert",
        "system",
        now,
        {"seq": jp.seq, "kind": jp.kind, "saksnummer": saksnummer, "journalpostnummer": number},
    )
    school = services.org.school(case.school_id)
    if jp.kind == "case_file" and school.archive is not None:
        queue(session, case, school, CLOSE_FOLDER, jp.seq, now)
    if (
        jp.kind == "case_file"
        and school.archive is not None
        and school.archive.sperre_after_journal
        and not case.restricted
    ):
        from handlers.records import sperre  # records imports this module

        sperre(session, case, "system", now, {"journalpostnummer": number, "seq": jp.seq})
    return "journalfoert"


def _folder_closed(services: Services, reply: Reply) -> str:
    """The archive's kvittering of the oppdater: the saksmappe is avsluttet there."""
    now = services.clock.now()
    with services.uow() as session:
        jp = _journalpost_of(session, reply, None)
        if jp is None:
            log.warning("archive reply %s (oppdater): no such message of ours", reply.melding_id)
            return "unknown"
        if jp.status == "done":
            return "duplicate"
        case = session.get(Case, jp.case_id, with_for_update=True)
        assert case is not None
        saksnummer = next((r.saksnummer for r in of_case(session, case.id) if r.saksnummer), None)
        jp.status, jp.updated_at = "done", now
        jp.saksnummer = jp.journalpostnummer = saksnummer
        trail.append(
            session,
            case,
            "archive_folder_closed",
            "system",
            now,
            {"seq": jp.seq, "kind": jp.kind, "saksnummer": saksnummer},
        )
        return "folder_closed"


def _failed(
    services: Services,
    session: Session,
    case: Case,
    jp: JournalPost,
    code: str,
    error: str,
    now: datetime,
) -> None:
    jp.status, jp.updated_at, jp.error = "failed", now, error[:500]
    trail.append(
        session,
        case,
        "journal_failed",
        "system",
        now,
        {"seq": jp.seq, "kind": jp.kind, "code": code},
    )
    log.warning(
        "archive refused journalpost %s-%s (%s, %s): %s",
        case.ref,
        jp.seq,
        jp.kind,
        code,
        error[:300],
    )
    school = services.org.school(case.school_id)
    target = school.principal
    if access.is_excluded(session, case, target):
        target = next(iter(services.org.owner.contacts), target)
    notices.emit(
        session,
        notices.Notice(
            kind=FAILED_NOTICE,
            lang=services.org.language_of(target, school),
            recipient=target,
            data={"ref": case.ref, "journal": jp.kind, "code": code, "error": error[:300]},
            dedupe_key=f"journal_failed:{case.id}:{jp.seq}:{jp.updated_at.isoformat()}",
        ),
        now,
        case,
    )


def send_failed(
    services: Services, session: Session, case: Case, data: Mapping[str, Any], error: str
) -> None:
    """The outbox gave up on a journalpost (refused by Fiks IO, or too many tries): the same
    as a feilmelding, so rektor hears of it; it is never re-routed to a person."""
    seq = int(data.get("seq", 0))
    jp = session.scalars(
        select(JournalPost)
        .where(
            JournalPost.case_id == case.id,
            JournalPost.seq == seq,
            JournalPost.kind == str(data.get("journal", "")),
        )
        .with_for_update()
    ).first()
    if jp is not None and jp.status in OPEN_STATES:
        _failed(services, session, case, jp, "send", error, services.clock.now())


def retry(services: Services, ref: str) -> int:
    """Queue a case's failed journalposter again (after the cause was fixed); the same keys,
    so an archive that did take one recognises it. Returns how many."""
    now = services.clock.now()
    with services.uow() as session:
        case = review.load_case(session, ref, lock=True)
        school = services.org.school(case.school_id)
        again = [jp for jp in of_case(session, case.id) if jp.status == "failed"]
        for jp in again:
            jp.status, jp.error, jp.updated_at = "queued", None, now
            _enqueue(session, case, school, jp.kind, jp.seq, now)
        return len(again)


@dataclass(frozen=True)
class Line:
    """One journalpost of a case, for the case details, the case file and the CLI."""

    seq: int
    kind: str
    status: str
    number: str | None
    error: str | None


def lines_of(session: Session, case: Case) -> list[Line]:
    return [
        Line(jp.seq, jp.kind, jp.status, jp.journalpostnummer, jp.error)
        for jp in of_case(session, case.id)
    ]


def counts(services: Services) -> list[tuple[str, int]]:
    """Journalposter by state for /metrics: pending, done, failed."""
    with services.uow() as session:
        found = store_counts(session)
    pending = sum(found[s] for s in OPEN_STATES)
    return [("pending", pending), ("done", found["done"]), ("failed", found["failed"])]


def status(services: Services, ref: str) -> list[Line]:
    with services.uow() as session:
        return lines_of(session, review.load_case(session, ref))


def closing_receipt(session: Session, case: Case) -> dict[str, Any] | None:
    """The `journalfoert` event of the case file at closure, if it came after the case's last
    change (what `meldefra archive` needs instead of an exported file)."""
    found: dict[str, Any] | None = None
    for e in review.trail_entries(session, case):
        if e.type == "journalfoert" and e.data.get("kind") == "case_file":
            found = {"seq": e.seq, **e.data}
    return found


def export_folder(
    services: Services, ref: str, actor: str, out: Path, *, as_operator: bool = False
) -> list[Path]:
    """`meldefra export REF --format arkivmelding`: every journalpost of the case so far as a
    folder an archivist can import (NN-kind/arkivmelding.xml and its PDFs), the same XML as
    Fiks Arkiv gets. Needs `archive.klassering` in org.yml for the saksmappe."""

    def write(session: Session, case: Case, seen: access.Access) -> list[Path]:
        school = services.org.school(case.school_id)
        if school.archive is None:
            from handlers.errors import Refused

            raise Refused("arkiv.error.no_settings", school=school.id)
        entries = review.trail_entries(session, case)
        written: list[Path] = []
        n = 0
        for e in entries:
            kind = kind_of(e.type, e.data)
            if kind is None:
                continue
            n += 1
            built = _build(services, session, case, school, school.archive, kind, e.seq, n == 1)
            folder = out / f"{n:02d}-{kind}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / am.PAYLOAD).write_bytes(built.xml)
            written.append(folder / am.PAYLOAD)
            for d in built.documents:
                (folder / d.filename).write_bytes(d.content)
                written.append(folder / d.filename)
        trail.append(
            session,
            case,
            "exported",
            actor.strip().lower(),
            services.clock.now(),
            {"document": "arkivmelding", "format": "xml", "files": len(written)},
        )
        return written

    return review.read(
        services,
        ref,
        actor,
        "export:arkivmelding:xml",
        write,
        as_operator=as_operator,
        need=lambda seen: seen.may_export,
    )

"""The case as a record: the innsynslogg (who saw what, when) and archiving.

Archiving follows the archive law: records of psychosocial school-environment cases are
kept permanently in the municipality's archive, so a closed case is first exported (the
case file), then archived here: the `archived` event names the export's SHA-256, the case
is sperret (only rektor and skoleeier may open it, and nobody can change it), and its free
text is removed from the bot's store. The events stay, so `meldefra verify` still passes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from handlers import access, people, review
from handlers.archive import journal
from handlers.errors import Refused
from handlers.export import CASE_FILE
from handlers.plan import settle_items
from handlers.review import OPERATOR, Outcome
from handlers.services import Services
from handlers.states import Status
from store import trail
from store.models import Case

# Events that do not change what a case file says: an export stays current after them.
_NOT_CONTENT = frozenset(
    {"viewed", "exported", "refused", "notified", "delivered", "delivery_failed", *journal.EVENTS}
)


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    who: str
    what: str  # "details", "plan", "export:<document>:<format>" or "refused:<action>"
    name: str = ""  # who, by name (the e-mail when the directory does not know them)


@dataclass(frozen=True)
class AccessLog:
    ref: str
    school_id: str
    entries: list[AccessEntry]


def access_log(services: Services, ref: str, actor: str, *, as_operator: bool = False) -> AccessLog:
    """Every opening of the case and every refused attempt, oldest first (innsynslogg).

    For those who handle the case (and the operator). Reading the log is not itself logged:
    it shows who saw the case, and holds no case content.
    """
    actor = actor.strip().lower()
    log = _access_log(services, ref, actor, as_operator)
    known = people.displays(services, [e.who for e in log.entries])
    entries = [replace(e, name=known.get(e.who, e.who)) for e in log.entries]
    return replace(log, entries=entries)


def _access_log(services: Services, ref: str, actor: str, as_operator: bool) -> AccessLog:
    with services.uow() as session:
        case = review.load_case(session, ref, lock=True)
        seen = OPERATOR if as_operator else access.access_of(session, services.org, case, actor)
        if not seen.may_export:
            now = services.clock.now()
            trail.append(session, case, "refused", actor, now, {"action": "access_log"})
            refusal = Refused("refused.not_allowed", ref=case.ref)
        else:
            out: list[AccessEntry] = []
            for ev in trail.events_of(session, case.id):
                data = json.loads(ev.data)
                if ev.type == "viewed":
                    out.append(AccessEntry(ev.at, ev.actor, str(data.get("what", "details"))))
                elif ev.type == "refused":
                    out.append(AccessEntry(ev.at, ev.actor, f"refused:{data.get('action', '')}"))
            return AccessLog(case.ref, case.school_id, out)
    raise refusal


def archive(
    services: Services,
    ref: str,
    actor: str,
    *,
    export_sha256: str | None = None,
    as_operator: bool = False,
) -> Outcome:
    """Archive a closed, exported case: record the export, sperre the case, remove its text.

    Refused unless the case is closed and its case file was exported after its last change.
    With `export_sha256` (the file handed to the archive), that exact export must be on the
    trail. Rektor, skoleeier or the operator may archive.
    """
    actor = actor.strip().lower()
    with services.uow() as session:
        case = review.load_case(session, ref, lock=True)
        now = services.clock.now()
        if case.restricted:
            return review.already(case)
        if not (as_operator or _may_archive(services, session, case, actor)):
            trail.append(session, case, "refused", actor, now, {"action": "archive"})
            refusal = Refused("refused.not_allowed", ref=case.ref)
        elif case.status != Status.CLOSED:
            refusal = Refused("archive.error.not_closed", ref=case.ref)
        else:
            exports = _current_exports(session, case)
            chosen = [e for e in exports if export_sha256 in (None, e["sha256"])]
            receipt = journal.closing_receipt(session, case) if export_sha256 is None else None
            if receipt is not None and not exports:
                # Journalført through Fiks Arkiv: the receipt on the trail stands for the file.
                number = receipt.get("journalpostnummer")
                removed = sperre(
                    session, case, actor, now, {"journalpostnummer": number, "seq": receipt["seq"]}
                )
                return Outcome(
                    case.ref,
                    case.status,
                    True,
                    "result.archived_journal",
                    {"ref": case.ref, "number": number, "count": removed},
                )
            if not exports:
                refusal = Refused("archive.error.not_exported", ref=case.ref)
            elif not chosen:
                refusal = Refused("archive.error.file_mismatch", ref=case.ref)
            else:
                export = chosen[-1]
                removed = sperre(
                    session,
                    case,
                    actor,
                    now,
                    {
                        "export_sha256": export["sha256"],
                        "export_seq": export["seq"],
                        "export_format": export["format"],
                    },
                )
                return Outcome(
                    case.ref,
                    case.status,
                    True,
                    "result.archived",
                    {"ref": case.ref, "sha256": export["sha256"], "count": removed},
                )
    raise refusal


def sperre(session: Session, case: Case, actor: str, now: datetime, what: dict[str, object]) -> int:
    """The archive step itself: free text removed, `archived` on the trail naming what went
    to the archive (an export's SHA-256, or the journalpost number of the case file), the
    case sperret. Returns how many texts were removed."""
    removed = trail.remove_texts(session, case)
    trail.append(session, case, "archived", actor, now, {**what, "texts_removed": removed})
    case.restricted = True
    settle_items(session, case)
    return removed


def _may_archive(services: Services, session: Session, case: Case, actor: str) -> bool:
    seen = access.access_of(session, services.org, case, actor)
    principal = services.org.school(case.school_id).principal
    return seen.may_export and (actor == principal or actor in services.org.owner.contacts)


def _current_exports(session: Session, case: Case) -> list[dict[str, object]]:
    """Case-file exports made after the case's last change (older ones miss something)."""
    exports: list[dict[str, object]] = []
    for ev in trail.events_of(session, case.id):
        data = json.loads(ev.data)
        if ev.type == "exported" and data.get("document") == CASE_FILE:
            exports.append({"seq": ev.seq, "sha256": data["sha256"], "format": data["format"]})
        elif ev.type not in _NOT_CONTENT:
            exports = []
    return exports

"""The case trail: append events with a SHA-256 chain, read them back, verify every chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from store import case_pupils, crypto
from store.models import Case, CaseText, Event

GENESIS = "0" * 64
# session.info key: callables told of every appended event, in the event's transaction
# (case, type, seq, at, data); the journal (handlers/archive/journal.py) queues journalposter
# this way. Set on the session factory by the bot's bootstrap; absent, nothing is told.
ON_APPEND = "on_append"


def _tell(
    session: Session, case: Case, type_: str, seq: int, at: datetime, data: Mapping[str, Any]
) -> None:
    for listener in session.info.get(ON_APPEND, ()):
        listener(session, case, type_, seq, at, data)


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def text_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def event_hash(
    prev_hash: str, case_id: int, seq: int, type_: str, actor: str, at: datetime, data: str
) -> str:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    material = "\x1f".join([prev_hash, str(case_id), str(seq), type_, actor, stamp, data])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def append(
    session: Session,
    case: Case,
    type_: str,
    actor: str,
    at: datetime,
    data: Mapping[str, Any] | None = None,
    texts: Mapping[str, str] | None = None,
) -> Event:
    """Append one event to the case's chain.

    Free text goes to case_texts; the event holds only each text's digest, so the chain still
    verifies after an archived case's text is removed. `case` must be locked or freshly made
    (and flushed) in this transaction: the (case_id, seq) unique key turns a concurrent append
    into an error instead of a fork.
    """
    body = dict(data or {})
    texts = {k: v for k, v in (texts or {}).items() if v}
    if texts:
        body["texts"] = {field: text_digest(value) for field, value in sorted(texts.items())}
    seq = case.last_seq + 1
    data_json = canonical_json(body)
    prev_hash = case.last_hash or GENESIS
    ev = Event(
        case_id=case.id,
        seq=seq,
        type=type_,
        actor=actor,
        at=at,
        data=data_json,
        prev_hash=prev_hash,
        hash=event_hash(prev_hash, case.id, seq, type_, actor, at, data_json),
    )
    # No flush here: the unit of work inserts the events in the order they were added, and
    # a transaction's events go to the database together.
    session.add(ev)
    case.last_seq = seq
    case.last_hash = ev.hash
    case.updated_at = at
    for field, value in texts.items():
        stored, sealed = crypto.store_body(session, value)
        session.add(
            CaseText(
                case_id=case.id,
                event=ev,
                field=field,
                body=stored,
                sealed=sealed,
                sha256=text_digest(value),
            )
        )
    _tell(session, case, type_, seq, at, body)
    return ev


def append_many(
    session: Session, entries: Sequence[tuple[Case, str, str, datetime, Mapping[str, Any]]]
) -> None:
    """Append metadata-only events (case, type, actor, at, data) to many cases at once.

    The same chain as `append`, built in memory from each case's chain head, in one
    multi-row insert. A follow-up round writes thousands of events; one round trip each
    would make its cost a matter of latency. The cases must be locked, as for `append`.
    """
    if not entries:
        return
    rows = []
    for case, type_, actor, at, data in entries:
        prev_hash = case.last_hash or GENESIS
        seq = case.last_seq + 1
        data_json = canonical_json(data)
        digest = event_hash(prev_hash, case.id, seq, type_, actor, at, data_json)
        rows.append(
            {
                "case_id": case.id,
                "seq": seq,
                "type": type_,
                "actor": actor,
                "at": at,
                "data": data_json,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        case.last_hash = digest
        case.last_seq = seq
        case.updated_at = at
    # Core, not the ORM's bulk path: these rows are never read back in this transaction.
    session.execute(insert(cast(Table, Event.__table__)), rows)
    for (case, type_, _actor, at, data), row in zip(entries, rows, strict=True):
        _tell(session, case, type_, int(cast(int, row["seq"])), at, data)


def events_of(session: Session, case_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)))


def texts_of(session: Session, case_id: int) -> dict[int, dict[str, str | None]]:
    """Free text per event id (None where an archived case's text was removed).

    Sealed texts are opened with the session's keyring, so readers never see ciphertext.
    """
    out: dict[int, dict[str, str | None]] = {}
    for row in session.scalars(select(CaseText).where(CaseText.case_id == case_id)):
        out.setdefault(row.event_id, {})[row.field] = crypto.body_of(session, row)
    return out


def remove_texts(session: Session, case: Case) -> int:
    """Remove a case's free text (archiving). The events and the digests stay, so the chain
    still verifies. Returns how many texts were removed."""
    rows = list(
        session.scalars(
            select(CaseText).where(CaseText.case_id == case.id, CaseText.body.is_not(None))
        )
    )
    for row in rows:
        row.body, row.sealed = None, False
    case_pupils.remove_names(session, case.id)
    session.flush()
    return len(rows)


@dataclass(frozen=True)
class Break:
    case_id: int
    case_ref: str
    seq: int
    event_id: int
    problem: str

    def __str__(self) -> str:
        return f"{self.case_ref} event #{self.seq} (id {self.event_id}): {self.problem}"


def verify_case(session: Session, case: Case) -> list[Break]:
    return list(
        _verify(case, events_of(session, case.id), _texts_by_event(session, case.id), session)
    )


def verify_all(session: Session) -> tuple[int, int, list[Break]]:
    """Walk every chain. Returns (cases checked, events checked, breaks)."""
    breaks: list[Break] = []
    cases = events = 0
    for case in session.scalars(select(Case).order_by(Case.id)):
        evs = events_of(session, case.id)
        cases += 1
        events += len(evs)
        breaks.extend(_verify(case, evs, _texts_by_event(session, case.id), session))
    return cases, events, breaks


def _texts_by_event(session: Session, case_id: int) -> dict[int, list[CaseText]]:
    out: dict[int, list[CaseText]] = {}
    for row in session.scalars(select(CaseText).where(CaseText.case_id == case_id)):
        out.setdefault(row.event_id, []).append(row)
    return out


def _verify(
    case: Case, evs: Iterable[Event], texts: dict[int, list[CaseText]], session: Session
) -> Iterable[Break]:
    prev = GENESIS
    expected_seq = 1
    for ev in evs:
        if ev.seq != expected_seq:
            yield Break(case.id, case.ref, ev.seq, ev.id, f"sequence gap: expected #{expected_seq}")
        if ev.prev_hash != prev:
            yield Break(case.id, case.ref, ev.seq, ev.id, "does not link to the previous event")
        actual = event_hash(ev.prev_hash, ev.case_id, ev.seq, ev.type, ev.actor, ev.at, ev.data)
        if actual != ev.hash:
            yield Break(case.id, case.ref, ev.seq, ev.id, "content changed after it was written")
        try:
            digests = json.loads(ev.data).get("texts", {})
        except ValueError:
            digests = {}
            yield Break(case.id, case.ref, ev.seq, ev.id, "data is not valid JSON")
        for row in texts.get(ev.id, []):
            if row.body is None:
                continue  # removed when the case was archived
            if digests.get(row.field) != row.sha256 or not _body_matches(session, row):
                yield Break(case.id, case.ref, ev.seq, ev.id, f"text '{row.field}' changed")
        prev = ev.hash
        expected_seq = ev.seq + 1
    if expected_seq - 1 != case.last_seq or prev != case.last_hash:
        yield Break(case.id, case.ref, expected_seq, 0, "events missing at the end of the chain")


def _body_matches(session: Session, row: CaseText) -> bool:
    if row.sealed and crypto.keyring_of(session) is None:
        return True  # without the key only the digest can be checked; Fernet tokens are signed
    try:
        body = crypto.body_of(session, row)
    except crypto.SealedTextError:
        return False  # a token no configured key opens: changed, or sealed with a lost key
    return body is not None and text_digest(body) == row.sha256

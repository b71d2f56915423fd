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

from store.db import chunked
from store.models import Case, CaseText, Event

GENESIS = "0" * 64


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
    in this transaction: the (case_id, seq) unique key turns a concurrent append into an error
    instead of a fork.
    """
    body = dict(data or {})
    texts = {k: v for k, v in (texts or {}).items() if v}
    if texts:
        body["texts"] = {field: text_digest(value) for field, value in sorted(texts.items())}
    prev = session.scalar(
        select(Event.hash).where(Event.case_id == case.id).order_by(Event.seq.desc()).limit(1)
    )
    seq = case.last_seq + 1
    data_json = canonical_json(body)
    prev_hash = prev or GENESIS
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
    session.add(ev)
    case.last_seq = seq
    case.updated_at = at
    session.flush()
    for field, value in texts.items():
        session.add(
            CaseText(
                case_id=case.id, event_id=ev.id, field=field, body=value, sha256=text_digest(value)
            )
        )
    return ev


def append_many(
    session: Session, entries: Sequence[tuple[Case, str, str, datetime, Mapping[str, Any]]]
) -> None:
    """Append metadata-only events (case, type, actor, at, data) to many cases at once.

    The same chain as `append`, built in memory: one query for every case's last hash, one
    multi-row insert. A follow-up round writes thousands of events; one round trip each
    would make its cost a matter of latency. The cases must be locked, as for `append`.
    """
    if not entries:
        return
    session.flush()  # the cases' last_seq must match what is stored
    cases = {case.id: case for case, *_ in entries}
    last_hash: dict[int, str] = {}
    for ids in chunked(cases):
        last_hash.update(
            session.execute(
                select(Event.case_id, Event.hash)
                .join(Case, (Case.id == Event.case_id) & (Case.last_seq == Event.seq))
                .where(Case.id.in_(ids))
            ).all()
        )
    rows = []
    for case, type_, actor, at, data in entries:
        prev_hash = last_hash.get(case.id, GENESIS)
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
        last_hash[case.id] = digest
        case.last_seq = seq
        case.updated_at = at
    # Core, not the ORM's bulk path: these rows are never read back in this transaction.
    session.execute(insert(cast(Table, Event.__table__)), rows)


def events_of(session: Session, case_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)))


def texts_of(session: Session, case_id: int) -> dict[int, dict[str, str | None]]:
    """Free text per event id (None where an archived case's text was removed)."""
    out: dict[int, dict[str, str | None]] = {}
    for row in session.scalars(select(CaseText).where(CaseText.case_id == case_id)):
        out.setdefault(row.event_id, {})[row.field] = row.body
    return out


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
    return list(_verify(case, events_of(session, case.id), _texts_by_event(session, case.id)))


def verify_all(session: Session) -> tuple[int, int, list[Break]]:
    """Walk every chain. Returns (cases checked, events checked, breaks)."""
    breaks: list[Break] = []
    cases = events = 0
    for case in session.scalars(select(Case).order_by(Case.id)):
        evs = events_of(session, case.id)
        cases += 1
        events += len(evs)
        breaks.extend(_verify(case, evs, _texts_by_event(session, case.id)))
    return cases, events, breaks


def _texts_by_event(session: Session, case_id: int) -> dict[int, list[CaseText]]:
    out: dict[int, list[CaseText]] = {}
    for row in session.scalars(select(CaseText).where(CaseText.case_id == case_id)):
        out.setdefault(row.event_id, []).append(row)
    return out


def _verify(case: Case, evs: Iterable[Event], texts: dict[int, list[CaseText]]) -> Iterable[Break]:
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
            if row.body is not None and (
                digests.get(row.field) != row.sha256 or text_digest(row.body) != row.sha256
            ):
                yield Break(case.id, case.ref, ev.seq, ev.id, f"text '{row.field}' changed")
        prev = ev.hash
        expected_seq = ev.seq + 1
    if expected_seq - 1 != case.last_seq:
        yield Break(case.id, case.ref, expected_seq, 0, "events missing at the end of the chain")

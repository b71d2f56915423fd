"""Journalført as the case goes: Fiks Arkiv over Fiks IO, end to end against loopback fakes of
Maskinporten, the catalogue and the send API, an archive answering through a real RabbitMQ,
and the real outbox worker, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pika
import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from sqlalchemy import Engine, select

from bot import text
from bot.delivery import Router, Worker
from bot.fiks.config import FiksSettings
from bot.fiks.receiver import Receiver
from bot.fiks.wiring import Fiks, connect
from handlers import plan
from handlers.archive import arkivmelding as am
from handlers.archive import journal
from handlers.clock import FixedClock
from handlers.delivery import Pending
from handlers.export import export_case
from handlers.org import ArchiveSettings, Org
from handlers.records import archive
from handlers.review import open_case, trail_entries
from handlers.services import Services
from store.db import session_factory
from store.journal import JournalPost
from store.models import Case, Outbox
from tests.conftest import NOW
from tests.fakes.fiks import AMQP_URL, FakeFiks, new_keys
from tests.planning import LEADER, REKTOR, close_by_evaluation, filed, plan_form

KINDS = ["reported", "plan", "evaluated", "evaluated", "case_file"]


@pytest.fixture(scope="module")
def amqp() -> None:
    """RabbitMQ on 127.0.0.1:5672; unreachable is a failure, never a skip."""
    try:
        pika.BlockingConnection(pika.URLParameters(AMQP_URL)).close()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means the same thing
        pytest.fail(f"RabbitMQ at {AMQP_URL} is required for the Fiks IO tests: {exc}")


@pytest.fixture(scope="module")
def keypairs() -> tuple:
    return new_keys("Meldefra kommune"), new_keys("Sakarkivet")


@pytest.fixture
def fake(amqp: None, keypairs: tuple) -> Iterator[FakeFiks]:
    ours, archive_keys = keypairs
    fake = FakeFiks(ours=ours, archive_keys=archive_keys).start()
    yield fake
    fake.stop()


@pytest.fixture
def key_file(tmp_path: Path, keypairs: tuple) -> Path:
    ours = keypairs[0]
    path = tmp_path / "fiks-io.pem"
    path.write_bytes(
        ours.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + ours.certificate.public_bytes(serialization.Encoding.PEM)
    )
    return path


def archive_org(org: Org, *, sperre: bool = False) -> Org:
    settings = ArchiveSettings("B31", "ORD", "Oppvekst", None, sperre)
    return dataclasses.replace(
        org, schools=tuple(dataclasses.replace(s, archive=settings) for s in org.schools)
    )


@pytest.fixture
def fiks_services(engine: Engine, org: Org, clock: FixedClock) -> Services:
    services = Services(org=archive_org(org), sessions=session_factory(engine), clock=clock)
    journal.install(services)
    return services


class Inbox:
    """The chat platform for people's notices (what reaches rektor)."""

    platform = "console"

    def __init__(self) -> None:
        self.items: list[Pending] = []

    def deliver(self, item: Pending) -> str | None:
        self.items.append(item)
        return None


@dataclasses.dataclass
class Stack:
    """One running Meldefra: its Fiks IO parts, the outbox worker and the replies' thread."""

    fiks: Fiks
    worker: Worker
    receiver: Receiver
    inbox: Inbox
    stop: threading.Event

    def close(self) -> None:
        self.stop.set()


def start(services: Services, fake: FakeFiks, key_file: Path) -> Stack:
    settings = FiksSettings.from_env(fake.env(str(key_file)))
    assert settings is not None
    fiks = connect(settings)
    inbox = Inbox()
    worker = Worker(services, Router(services, [inbox, fiks.sender(services)]), batch=20)
    stop = threading.Event()
    receiver = fiks.start_receiver(services, stop, unknown_grace=1.0)
    assert receiver.connected.wait(10), "the receiver did not reach RabbitMQ"
    return Stack(fiks, worker, receiver, inbox, stop)


def until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def rows(services: Services, ref: str) -> list[JournalPost]:
    with services.uow() as session:
        case = session.scalars(select(Case).where(Case.ref == ref)).one()
        return list(
            session.scalars(
                select(JournalPost).where(JournalPost.case_id == case.id).order_by(JournalPost.seq)
            )
        )


def deliver_all(services: Services, stack: Stack, ref: str, step: float = 31.0) -> None:
    """Run the worker until every journalpost of the case has an answer (the clock moves past
    each wait for the saksmappe's kvittering)."""
    for _ in range(60):
        stack.worker.run_once()
        if all(r.status in ("done", "failed") for r in rows(services, ref)):
            return
        time.sleep(0.1)
        assert isinstance(services.clock, FixedClock)
        services.clock.advance(seconds=step)
    raise AssertionError([(r.kind, r.status) for r in rows(services, ref)])


def numbers_on_trail(services: Services, ref: str) -> list[str]:
    with services.uow() as session:
        case = session.scalars(select(Case).where(Case.ref == ref)).one()
        return [
            e.data["journalpostnummer"]
            for e in trail_entries(session, case)
            if e.type == "journalfoert"
        ]


def scripted_case(services: Services) -> str:
    ref = filed(services)
    plan.create_plan(services, ref, LEADER, plan_form())
    plan.evaluate(
        services,
        ref,
        LEADER,
        plan.EvaluationForm(
            effect="delvis", pupil_says="Litt bedre.", next_evaluation="om to uker"
        ),
    )
    close_by_evaluation(services, ref)
    return ref


def test_a_scripted_case_is_journalfoert_in_order_once_each_across_a_restart_and_an_outage(
    fiks_services: Services, fake: FakeFiks, key_file: Path
) -> None:
    services = fiks_services
    first = start(services, fake, key_file)
    ref = filed(services)
    plan.create_plan(services, ref, LEADER, plan_form())
    deliver_all(services, first, ref)
    assert [r.kind for r in rows(services, ref)] == ["reported", "plan"]
    first.close()  # a restart: a new process with nothing in memory

    fake.down = True  # Fiks IO is down for an hour while the case goes on
    plan.evaluate(
        services,
        ref,
        LEADER,
        plan.EvaluationForm(
            effect="delvis", pupil_says="Litt bedre.", next_evaluation="om to uker"
        ),
    )
    close_by_evaluation(services, ref)
    second = start(services, fake, key_file)
    assert isinstance(services.clock, FixedClock)
    for _ in range(12):
        second.worker.run_once()
        services.clock.advance(minutes=5)
    assert len(fake.received) == 2  # nothing got through, nothing was given up
    with services.uow() as session:
        waiting = session.scalars(select(Outbox).where(Outbox.kind == journal.KIND)).all()
        assert {o.status for o in waiting if o.status != "sent"} == {"pending"}
        assert any(o.last_error == "fiks_io_503" for o in waiting)
    fake.down = False
    services.clock.advance(minutes=15)  # past the longest backoff
    deliver_all(services, second, ref)
    second.close()

    assert [r.kind for r in rows(services, ref)] == [*KINDS, journal.CLOSE_FOLDER]
    assert [r.status for r in rows(services, ref)] == ["done"] * 6
    # The saksmappe is closed last, by an oppdater.
    closing = fake.received.pop()
    assert closing.metadata["meldingType"] == am.OPPDATER
    assert fake.archive.closed == {ref}
    # Once each, in order: the saksmappe with the report, then each journalpost in it.
    keys = [
        etree.fromstring(m.files[am.PAYLOAD]).findtext(
            f"{{{am.NS_OPPRETT}}}registrering/{{{am.NS_OPPRETT}}}referanseEksternNoekkel/"
            f"{{{am.NS_MDK}}}noekkel"
        )
        for m in fake.received
    ]
    assert len(keys) == len(set(keys)) == 5
    types = [fake.archive.entries[k].journalposttype for k in keys]
    assert types == ["X", "U", "X", "X", "X"]
    first_xml = etree.fromstring(fake.received[0].files[am.PAYLOAD])
    assert first_xml.find(f"{{{am.NS_OPPRETT}}}mappe") is not None
    assert all(
        etree.fromstring(m.files[am.PAYLOAD]).find(f"{{{am.NS_OPPRETT}}}mappe") is None
        for m in fake.received[1:]
    )
    title = first_xml.findtext(f"{{{am.NS_OPPRETT}}}mappe/{{{am.NS_OPPRETT}}}tittel")
    assert title == f"Skolemiljøsak – Nordby skole, {ref}"
    for m in fake.received:  # no pupil names in any title
        for el in etree.fromstring(m.files[am.PAYLOAD]).iter(f"{{{am.NS_OPPRETT}}}tittel"):
            assert "Ola" not in (el.text or "") and "Kari" not in (el.text or "")
        assert any(name.endswith(".pdf") for name in m.files)
    # Every number on the trail and in the case file.
    expected = [fake.archive.number_of(k) for k in keys]
    assert expected[0] == "2026/1234-1" and expected[-1] == "2026/1234-5"
    assert numbers_on_trail(services, ref) == expected
    html = export_case(services, ref, REKTOR, fmt="html").content.decode()
    for number in expected:
        assert number in html
    assert "Saksmappen 2026/1234 ble avsluttet i sakarkivet" in html
    details = open_case(services, ref, REKTOR)  # the case details every edge draws
    labels = [text.event_label("nb", e) for e in details.trail]
    assert [f"Journalført {n}" for n in expected] == [x for x in labels if x.startswith("Journ")]
    # The token's claims and the multipart metadata were checked by the fake on every call.
    claims = fake.token_requests[0]["claims"]
    assert claims["scope"] == "ks:fiks" and claims["iss"] == fake.client_id
    assert all(m.metadata["meldingType"] == am.OPPRETT for m in fake.received)


def test_an_expired_token_is_renewed_and_the_journalpost_sent_once(
    fiks_services: Services, fake: FakeFiks, key_file: Path
) -> None:
    stack = start(fiks_services, fake, key_file)
    ref = filed(fiks_services)
    stack.worker.run_once()
    assert len(fake.token_requests) == 1
    fake.expire_tokens()  # Fiks IO now refuses the token our cache still thinks is good
    plan.create_plan(fiks_services, ref, LEADER, plan_form())
    deliver_all(fiks_services, stack, ref)
    stack.close()
    assert fake.refused_calls >= 1
    assert len(fake.token_requests) == 2
    assert len(fake.received) == 2
    assert [r.status for r in rows(fiks_services, ref)] == ["done", "done"]


def test_a_feilmelding_reaches_rektor_with_what_to_fix_and_a_retry_journalfoerer(
    fiks_services: Services, fake: FakeFiks, key_file: Path
) -> None:
    from bot import text
    from bot.metrics import Metrics

    stack = start(fiks_services, fake, key_file)
    fake.archive.fail_next = "ugyldigforespoersel"
    ref = filed(fiks_services)
    deliver_all(fiks_services, stack, ref)
    [row] = rows(fiks_services, ref)
    assert row.status == "failed" and "Klassering B99" in (row.error or "")
    until(lambda: bool(stack.worker.run_once() or stack.inbox.items))
    [notice] = [i for i in stack.inbox.items if i.kind == journal.FAILED_NOTICE]
    assert notice.recipient == REKTOR
    words = text.render(notice.kind, notice.lang, notice.data)
    assert "Klassering B99" in words and f"meldefra journal {ref} --retry" in words
    assert 'meldefra_journalposts{state="failed"} 1.0' in Metrics(fiks_services).render().decode()

    assert journal.retry(fiks_services, ref) == 1
    deliver_all(fiks_services, stack, ref)
    stack.close()
    assert [r.status for r in rows(fiks_services, ref)] == ["done"]
    assert numbers_on_trail(fiks_services, ref) == ["2026/1234-1"]
    assert 'meldefra_journalposts{state="failed"} 0.0' in Metrics(fiks_services).render().decode()


def test_a_send_whose_answer_was_lost_is_not_journalfoert_twice(
    fiks_services: Services, fake: FakeFiks, key_file: Path
) -> None:
    fake.drop_after_accept = 1  # Fiks IO takes the message; we never hear that it did
    stack = start(fiks_services, fake, key_file)
    ref = filed(fiks_services)
    deliver_all(fiks_services, stack, ref)
    plan.create_plan(fiks_services, ref, LEADER, plan_form())
    deliver_all(fiks_services, stack, ref)
    stack.close()
    assert len(fake.archive.entries) == 2  # one journalpost each in the archive
    assert numbers_on_trail(fiks_services, ref) == ["2026/1234-1", "2026/1234-2"]
    assert len(fake.received) <= 3  # at most the one resend, answered by the archive's key


def test_a_receipt_that_arrives_twice_and_one_for_nobody_change_nothing(
    fiks_services: Services, fake: FakeFiks, key_file: Path
) -> None:
    stack = start(fiks_services, fake, key_file)
    ref = filed(fiks_services)
    deliver_all(fiks_services, stack, ref)
    kvittering = fake.replies[-1]
    fake.publish(kvittering["type"], kvittering["svar_til"], kvittering["files"])
    other = dataclasses.replace(
        fake.archive.entries[next(iter(fake.archive.entries))], key="999999999"
    )
    fake.publish(
        f"{am.OPPRETT}.kvittering",
        "00000000-0000-0000-0000-000000000000",
        {am.KVITTERING_FILE: fake.archive.kvittering(other, False)},
    )
    until(lambda: stack.receiver.counts["unknown"] == 1 and fake.queued() == 0)
    stack.close()
    assert stack.receiver.counts["duplicate"] >= 1
    assert numbers_on_trail(fiks_services, ref) == ["2026/1234-1"]


def test_archive_sperrer_once_the_closing_case_file_is_journalfoert(
    engine: Engine, org: Org, clock: FixedClock, fake: FakeFiks, key_file: Path
) -> None:
    services = Services(
        org=archive_org(org, sperre=True), sessions=session_factory(engine), clock=clock
    )
    journal.install(services)
    stack = start(services, fake, key_file)
    ref = scripted_case(services)
    deliver_all(services, stack, ref)
    stack.close()
    with services.uow() as session:
        case = session.scalars(select(Case).where(Case.ref == ref)).one()
        assert case.restricted
        archived = [e for e in trail_entries(session, case) if e.type == "archived"]
        assert archived[0].data["journalpostnummer"] == "2026/1234-5"
        assert all(v is None for e in trail_entries(session, case) for v in e.texts.values())


def test_meldefra_archive_needs_the_closing_receipt_then_sperrer(
    fiks_services: Services, fake: FakeFiks, key_file: Path
) -> None:
    stack = start(fiks_services, fake, key_file)
    ref = scripted_case(fiks_services)
    outcome = None
    from handlers.errors import Refused

    with pytest.raises(Refused):
        archive(fiks_services, ref, REKTOR)  # nothing exported, nothing journalført yet
    deliver_all(fiks_services, stack, ref)
    stack.close()
    outcome = archive(fiks_services, ref, REKTOR)
    assert outcome.key == "result.archived_journal"
    assert outcome.args["number"] == "2026/1234-5"


def archive_org_file(tmp_path: Path, extra: str = "klassering: B31, admin_unit: Oppvekst") -> Path:
    from tests.conftest import SAMPLE_ORG

    text = SAMPLE_ORG.read_text(encoding="utf-8").replace(
        "    principal: rektor@nordby.example\n",
        f"    principal: rektor@nordby.example\n    archive: {{{extra}}}\n",
    )
    path = tmp_path / "org.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_org_yml_archive_settings_and_their_mistakes(tmp_path: Path) -> None:
    from handlers.org import OrgError, load_org

    org = load_org(
        archive_org_file(tmp_path, "klassering: B31, admin_unit: Oppvekst, sperre: after_journal")
    )
    nordby = org.school("nordby")
    assert nordby.archive == ArchiveSettings("B31", None, "Oppvekst", None, True)
    assert org.school("fjellvik").archive is None
    with pytest.raises(OrgError) as refused:
        load_org(archive_org_file(tmp_path, "admin_unit: Oppvekst, sperre: sometimes"))
    problems = " ".join(p for _, p in refused.value.problems)
    assert "klassering" in problems


def test_export_as_arkivmelding_writes_the_same_messages_as_a_folder_without_fiks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.bootstrap import build
    from bot.cli import main
    from bot.config import Settings

    db = tmp_path / "meldefra.db"
    org_path = archive_org_file(tmp_path)
    for name in ("FIKS_ARKIV_ACCOUNT", "MELDEFRA_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("MELDEFRA_ORG", str(org_path))
    app = build(Settings.from_env(), clock=FixedClock(NOW))
    assert app.settings.fiks is None  # no Fiks IO: nothing is queued for the archive
    ref = scripted_case(app.services)
    with app.services.uow() as session:
        assert session.scalars(select(JournalPost)).all() == []
    out = tmp_path / "exports"
    assert main(["export", ref, "--format", "arkivmelding", "--out", str(out)]) == 0
    folders = sorted(p.name for p in (out / f"arkivmelding-{ref}").iterdir())
    assert folders == [f"{n:02d}-{kind}" for n, kind in enumerate(KINDS, start=1)]
    for n, folder in enumerate(folders):
        xml = (out / f"arkivmelding-{ref}" / folder / am.PAYLOAD).read_bytes()
        am.validate(xml, am.OPPRETT)
        root = etree.fromstring(xml)
        assert (root.find(f"{{{am.NS_OPPRETT}}}mappe") is not None) == (n == 0)
        for name in root.iter(f"{{{am.NS_OPPRETT}}}referanseDokumentfil"):
            pdf = out / f"arkivmelding-{ref}" / folder / (name.text or "")
            assert pdf.read_bytes().startswith(b"%PDF")
    assert f"arkivmelding-{ref}" in capsys.readouterr().out


def test_doctor_checks_the_token_the_account_and_the_archive_key(
    fake: FakeFiks, key_file: Path, tmp_path: Path
) -> None:
    from bot.config import Settings
    from bot.fiks.doctor import check_fiks
    from bot.findings import BAD, OK

    env = fake.env(str(key_file))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", fiks=FiksSettings.from_env(env)
    )
    [found] = check_fiks(settings)
    assert found.status == OK, found
    assert found.args["account"] == fake.account
    assert found.args["until"]
    wrong = Settings(fiks=FiksSettings.from_env({**env, "MASKINPORTEN_CLIENT_ID": "someone-else"}))
    [refused] = check_fiks(wrong)
    assert (refused.status, refused.detail) == (BAD, "doctor.fiks.token_bad")
    unknown = Settings(fiks=FiksSettings.from_env({**env, "FIKS_ARKIV_ACCOUNT": "no-such"}))
    [missing] = check_fiks(unknown)
    assert (missing.status, missing.detail) == (BAD, "doctor.fiks.archive_bad")
    with pytest.raises(ValueError, match="FIKS_IO_URL"):
        FiksSettings.from_env({**env, "FIKS_IO_URL": ""})
    assert FiksSettings.from_env({**env, "FIKS_ARKIV_ACCOUNT": ""}) is None


def test_a_half_configured_fiks_is_one_line_naming_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("FIKS_ARKIV_ACCOUNT", "5b1c7f0e-2a4b-4c8e-9d1f-0e2a4b6c8d0f")
    monkeypatch.delenv("FIKS_IO_URL", raising=False)
    assert main(["journal", "MF-0001"]) == 2
    err = capsys.readouterr().err
    assert "FIKS_IO_URL" in err and "Traceback" not in err


def test_the_plan_goes_home_to_the_foresatte_the_directory_knows(fiks_services: Services) -> None:
    from handlers.directory_sync import apply
    from tests.directory_data import snapshot

    apply(fiks_services, snapshot())
    ref = filed(fiks_services, pupils="Kari Nordmann")
    plan.create_plan(fiks_services, ref, LEADER, plan_form(pupils="Kari Nordmann\nUkjent Elev"))
    [_, plan_row] = rows(fiks_services, ref)
    with fiks_services.uow() as session:  # the saksmappe's kvittering, as the archive gives it
        first = session.scalars(
            select(JournalPost)
            .where(JournalPost.case_id == plan_row.case_id)
            .order_by(JournalPost.seq)
        ).first()
        assert first is not None
        first.status = "done"
    message = journal.build(fiks_services, ref, plan_row.seq)
    xml = etree.fromstring(dict(message.files)[am.PAYLOAD])
    parties = [
        (p.findtext(f"{{{am.NS_OPPRETT}}}korrespondanseparttype/{{{am.NS_MDK}}}kode"),
         p.findtext(f"{{{am.NS_OPPRETT}}}korrespondansepartNavn"))
        for p in xml.iter(f"{{{am.NS_OPPRETT}}}korrespondansepart")
    ]  # fmt: skip
    assert parties == [
        ("EM", "Kari Nordmann"),
        ("EM", "Anne Nordmann"),
        ("EM", "Per Nordmann"),
        ("EM", "Ukjent Elev og foresatte"),
    ]
    assert all(
        p.findtext(f"{{{am.NS_OPPRETT}}}erSkjermet") == "true"
        for p in xml.iter(f"{{{am.NS_OPPRETT}}}korrespondansepart")
    )

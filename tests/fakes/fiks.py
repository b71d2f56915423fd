"""Loopback fakes of Maskinporten, the Fiks IO catalogue and send API, and of an archive
answering on Fiks Arkiv V1 through a real AMQP broker (RabbitMQ on 127.0.0.1:5672).

Each checks what the real one would: the JWT grant's signature (x5c) and claims, the
integration's headers and the bearer token on every Fiks IO call, the multipart metadata, and
that the payload decrypts with the archive account's key into an ASiC-E container holding a
schema-valid arkivmelding.xml and every file it names. The fake archive answers as KS's
protocol says: `…opprett.mottatt`, then `…opprett.kvittering` (arkivmelding-kvittering.xml)
or a feilmelding, encrypted for our account's certificate, on our account's queue, with the
headers KS's clients read (melding-id, type, avsender-id, svar-til).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pika
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from bot.fiks import container
from bot.fiks.keys import KeyPair, self_signed
from handlers.archive import arkivmelding as am

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
ISSUER_PATH = "/maskinporten/"


def new_keys(name: str) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return KeyPair(key, self_signed(key, name), True)


@dataclass
class Received:
    """One message the send API took."""

    melding_id: str
    metadata: dict[str, Any]
    files: dict[str, bytes]
    token: str


@dataclass
class ArchivedEntry:
    key: str
    folder: str
    journalpostnummer: int
    title: str
    journalposttype: str
    files: list[str]


@dataclass
class FakeArchive:
    """The municipality's archive behind Fiks Arkiv: saksmapper by eksternNoekkel."""

    saksaar: int = 2026
    next_case: int = 1234
    folders: dict[str, int] = field(default_factory=dict)  # folder key → sakssekvensnummer
    entries: dict[str, ArchivedEntry] = field(default_factory=dict)  # journalpost key → entry
    closed: set[str] = field(default_factory=set)  # saksmapper avsluttet by an oppdater
    fail_next: str | None = None  # a feilmelding type for the next message
    auto_reply: bool = True

    def take(self, xml: bytes, files: dict[str, bytes]) -> tuple[bytes, bool]:
        """File one arkivmelding; returns the kvittering XML and whether it was new."""
        ns = {"a": am.NS_OPPRETT, "m": am.NS_MDK}
        root = etree.fromstring(xml)
        mappe = root.find("a:mappe", ns)
        made_folder = False
        if mappe is not None:
            key = mappe.findtext("a:referanseEksternNoekkel/m:noekkel", namespaces=ns) or ""
            assert mappe.findtext("a:skjerming/a:tilgangsrestriksjon/m:kode", namespaces=ns) == "13"
            assert mappe.findtext("a:klassifikasjon/a:klasseID", namespaces=ns)
            if key not in self.folders:
                self.folders[key] = self.next_case
                self.next_case += 1
                made_folder = True
        reg = root.find("a:registrering", ns)
        assert reg is not None
        folder = (
            reg.findtext(
                "a:referanseForelderMappe/m:referanseEksternNoekkel/m:noekkel", namespaces=ns
            )
            or ""
        )
        if folder not in self.folders:
            raise LookupError(folder)
        key = reg.findtext("a:referanseEksternNoekkel/m:noekkel", namespaces=ns) or ""
        assert reg.findtext("a:referanseEksternNoekkel/m:fagsystem", namespaces=ns) == "Meldefra"
        named = [el.text or "" for el in reg.iter(f"{{{am.NS_OPPRETT}}}referanseDokumentfil")]
        for name in named:
            assert name in files, f"{name} is named but not in the container"
        new = key not in self.entries
        if new:
            number = 1 + sum(1 for e in self.entries.values() if e.folder == folder)
            self.entries[key] = ArchivedEntry(
                key,
                folder,
                number,
                reg.findtext("a:tittel", namespaces=ns) or "",
                reg.findtext("a:journalposttype/m:kode", namespaces=ns) or "",
                named,
            )
        entry = self.entries[key]
        return self.kvittering(entry, made_folder or not new), new

    def kvittering(self, entry: ArchivedEntry, with_folder: bool) -> bytes:
        k = am.NS_KVITTERING
        m = am.NS_MDK
        xsi = am.XSI
        root = etree.Element(
            f"{{{k}}}arkivmeldingKvittering", nsmap={None: k, "mdk": m, "xsi": xsi}
        )
        if with_folder:
            f = etree.SubElement(root, f"{{{k}}}mappeKvittering")
            f.set(f"{{{xsi}}}type", "saksmappeKvittering")
            etree.SubElement(f, f"{{{k}}}systemID").text = str(
                uuid.uuid5(uuid.NAMESPACE_URL, entry.folder)
            )
            ref = etree.SubElement(f, f"{{{k}}}referanseEksternNoekkel")
            etree.SubElement(ref, f"{{{m}}}fagsystem").text = "Meldefra"
            etree.SubElement(ref, f"{{{m}}}noekkel").text = entry.folder
            etree.SubElement(f, f"{{{k}}}opprettetEllerEksisterende").text = "Opprettet"
            etree.SubElement(f, f"{{{k}}}saksaar").text = str(self.saksaar)
            etree.SubElement(f, f"{{{k}}}sakssekvensnummer").text = str(self.folders[entry.folder])
        r = etree.SubElement(root, f"{{{k}}}registreringKvittering")
        r.set(f"{{{xsi}}}type", "journalpostKvittering")
        etree.SubElement(r, f"{{{k}}}systemID").text = str(
            uuid.uuid5(uuid.NAMESPACE_URL, entry.key)
        )
        ref = etree.SubElement(r, f"{{{k}}}referanseEksternNoekkel")
        etree.SubElement(ref, f"{{{m}}}fagsystem").text = "Meldefra"
        etree.SubElement(ref, f"{{{m}}}noekkel").text = entry.key
        etree.SubElement(r, f"{{{k}}}opprettetEllerEksisterende").text = "Opprettet"
        etree.SubElement(r, f"{{{k}}}journalaar").text = str(self.saksaar)
        etree.SubElement(r, f"{{{k}}}journalpostnummer").text = str(entry.journalpostnummer)
        xml = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
        am.validate(xml, f"{am.OPPRETT}.kvittering")
        return xml

    def number_of(self, key: str) -> str:
        e = self.entries[key]
        return f"{self.saksaar}/{self.folders[e.folder]}-{e.journalpostnummer}"


def feilmelding(kind: str, text: str) -> bytes:
    ns = am.NS_FEIL[kind]
    base = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/feil/feilmelding/v1"
    root = etree.Element(f"{{{ns}}}{kind}", nsmap={None: ns, "f": base})
    etree.SubElement(root, f"{{{base}}}feilId").text = str(uuid.uuid4())
    etree.SubElement(root, f"{{{base}}}feilmelding").text = text
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


class FakeFiks:
    """Maskinporten + the Fiks IO HTTP API + the archive, on one loopback server."""

    def __init__(self, *, ours: KeyPair, archive_keys: KeyPair) -> None:
        self.ours = ours
        self.archive_keys = archive_keys
        self.client_id = "meldefra-test-client"
        self.account = str(uuid.uuid4())
        self.archive_account = str(uuid.uuid4())
        self.integration_id = str(uuid.uuid4())
        self.integration_password = "integrasjon-passord"
        self.archive = FakeArchive()
        self.received: list[Received] = []
        self.token_requests: list[dict[str, Any]] = []
        self.tokens: dict[str, float] = {}  # token → expiry (monotonic)
        self.token_seconds = 120.0
        self.down = False  # every Fiks IO call answers 503
        self.drop_after_accept = 0  # accept this many sends, then hang up without answering
        self.refused_calls = 0
        self.replies: list[dict[str, Any]] = []  # what the archive published
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.accounts = {
            self.account: ours.certificate,
            self.archive_account: archive_keys.certificate,
        }

    @property
    def issuer(self) -> str:
        return self.url + ISSUER_PATH

    @property
    def queue(self) -> str:
        return f"fiksio.konto.{self.account}"

    def env(self, key_path: str) -> dict[str, str]:
        return {
            "FIKS_IO_URL": self.url,
            "FIKS_IO_AMQP_URL": AMQP_URL,
            "FIKS_IO_ACCOUNT": self.account,
            "FIKS_IO_INTEGRATION_ID": self.integration_id,
            "FIKS_IO_INTEGRATION_PASSWORD": self.integration_password,
            "FIKS_IO_PRIVATE_KEY": key_path,
            "MASKINPORTEN_URL": self.issuer,
            "MASKINPORTEN_CLIENT_ID": self.client_id,
            "FIKS_ARKIV_ACCOUNT": self.archive_account,
        }

    def start(self) -> FakeFiks:
        self.thread.start()
        with self._amqp() as channel:
            channel.queue_declare(self.queue)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        with self._amqp() as channel:
            channel.queue_delete(self.queue)

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0.0

    # --- the broker -------------------------------------------------------------------------

    class _Channel:
        def __init__(self) -> None:
            self.connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
            self.channel = self.connection.channel()

        def __enter__(self) -> Any:
            return self.channel

        def __exit__(self, *exc: object) -> None:
            self.connection.close()

    def _amqp(self) -> FakeFiks._Channel:
        return FakeFiks._Channel()

    def publish(
        self, message_type: str, svar_til: str | None, files: dict[str, bytes] | None
    ) -> str:
        """A message from the archive account to ours (encrypted for our certificate)."""
        melding_id = str(uuid.uuid4())
        headers = {
            "melding-id": melding_id,
            "type": message_type,
            "avsender-id": self.archive_account,
        }
        if svar_til:
            headers["svar-til"] = svar_til
        body = b""
        if files:
            body = container.seal(list(files.items()), self.archive_keys, self.ours.certificate)
        with self._amqp() as channel:
            channel.basic_publish(
                "", self.queue, body, pika.BasicProperties(headers=headers, delivery_mode=2)
            )
        self.replies.append({"type": message_type, "svar_til": svar_til, "files": files})
        return melding_id

    def queued(self) -> int:
        with self._amqp() as channel:
            return int(channel.queue_declare(self.queue, passive=True).method.message_count)

    def answer(self, message: Received) -> None:
        """What the archive sends back for one message it read."""
        xml = message.files[am.PAYLOAD]
        if message.metadata["meldingType"] == am.OPPDATER:
            ns = {"o": am.NS_OPPDATER, "m": am.NS_MDK}
            root = etree.fromstring(xml)
            key = root.findtext(
                "o:mappeOppdateringer/o:referanseTilMappe/m:referanseEksternNoekkel/m:noekkel",
                namespaces=ns,
            )
            assert key in self.archive.folders
            assert root.findtext("o:mappeOppdateringer/o:saksstatus/m:kode", namespaces=ns) == "A"
            self.archive.closed.add(key or "")
            self.publish(f"{am.OPPDATER}.mottatt", message.melding_id, None)
            self.publish(f"{am.OPPDATER}.kvittering", message.melding_id, None)
            return
        self.publish(f"{am.OPPRETT}.mottatt", message.melding_id, None)
        if self.archive.fail_next:
            kind, self.archive.fail_next = self.archive.fail_next, None
            text = "Klassering B99 finnes ikke i arkivdelen"
            self.publish(
                f"{am.PREFIX}.feilmelding.{kind}",
                message.melding_id,
                {"feilmelding.xml": feilmelding(kind, text)},
            )
            return
        kvittering, _new = self.archive.take(xml, message.files)
        self.publish(
            f"{am.OPPRETT}.kvittering", message.melding_id, {am.KVITTERING_FILE: kvittering}
        )

    # --- HTTP -------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _authorized(self) -> str | None:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                ok_integration = (
                    self.headers.get("IntegrasjonId") == fake.integration_id
                    and self.headers.get("IntegrasjonPassord") == fake.integration_password
                )
                with fake.lock:
                    expiry = fake.tokens.get(token)
                if not ok_integration or expiry is None or expiry < time.monotonic():
                    fake.refused_calls += 1
                    self._json(401, {"error": "unauthorized"})
                    return None
                return token

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if fake.down:
                    return self._json(503, {"error": "down"})
                if self._authorized() is None:
                    return
                parts = self.path.strip("/").split("/")
                # fiks-io/katalog/api/v1/kontoer/{id}[/offentligNokkel]
                if parts[:5] != ["fiks-io", "katalog", "api", "v1", "kontoer"] or len(parts) < 6:
                    return self._json(404, {})
                account = parts[5]
                cert = fake.accounts.get(account)
                if cert is None:
                    return self._json(404, {"error": "no such account"})
                if parts[6:] == ["offentligNokkel"]:
                    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
                    return self._json(200, {"nokkel": pem, "serial": str(cert.serial_number)})
                return self._json(
                    200,
                    {"kontoId": account, "kontoNavn": "Meldefra test", "fiksOrgNavn": "Kommune"},
                )

            def do_POST(self) -> None:  # noqa: N802
                if self.path == ISSUER_PATH + "token":
                    return self._token()
                if fake.down:
                    self._body()
                    return self._json(503, {"error": "down"})
                if self.path != "/fiks-io/api/v1/send":
                    return self._json(404, {})
                token = self._authorized()
                if token is None:
                    self._body()
                    return
                self._send(token)

            def _token(self) -> None:
                form = dict(p.split("=", 1) for p in self._body().decode().split("&") if "=" in p)
                from urllib.parse import unquote_plus

                form = {k: unquote_plus(v) for k, v in form.items()}
                assert form.get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer"
                assertion = form["assertion"]
                header = jwt.get_unverified_header(assertion)
                cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
                claims = jwt.decode(
                    assertion,
                    cert.public_key(),
                    algorithms=["RS256"],
                    audience=fake.issuer,
                    options={"require": ["exp", "iat", "iss", "aud", "jti"]},
                )
                fake.token_requests.append({"header": header, "claims": claims})
                if (
                    claims["iss"] != fake.client_id
                    or claims.get("scope") != "ks:fiks"
                    or claims["exp"] - claims["iat"] > 120
                    or cert.public_key().public_numbers()
                    != fake.ours.key.public_key().public_numbers()
                ):
                    return self._json(400, {"error": "invalid_grant"})
                token = uuid.uuid4().hex
                with fake.lock:
                    fake.tokens[token] = time.monotonic() + fake.token_seconds
                self._json(
                    200,
                    {
                        "access_token": token,
                        "token_type": "Bearer",
                        "expires_in": int(fake.token_seconds),
                        "scope": "ks:fiks",
                    },
                )

            def _send(self, token: str) -> None:
                raw = self._body()
                head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
                message = BytesParser(policy=HTTP).parsebytes(head + raw)
                parts = {
                    p.get_param("name", header="content-disposition"): p
                    for p in message.iter_parts()
                }
                meta_part = parts["metadata"]
                assert meta_part.get_content_type() == "application/json"
                metadata = json.loads(meta_part.get_payload(decode=True))
                assert metadata["avsenderKontoId"] == fake.account
                assert metadata["mottakerKontoId"] == fake.archive_account
                assert metadata["meldingType"] in (am.OPPRETT, am.OPPDATER)
                data = parts["data"].get_payload(decode=True)
                files = container.open_payload(data, fake.archive_keys)
                am.validate(files[am.PAYLOAD], metadata["meldingType"])
                melding_id = str(uuid.uuid4())
                received = Received(melding_id, metadata, files, token)
                with fake.lock:
                    fake.received.append(received)
                    drop = fake.drop_after_accept > 0
                    if drop:
                        fake.drop_after_accept -= 1
                if fake.archive.auto_reply:
                    fake.answer(received)
                if drop:
                    # Fiks IO took it, but the answer never reaches us (a crash, a cut line).
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._json(
                    200,
                    {
                        "meldingId": melding_id,
                        "meldingType": metadata["meldingType"],
                        "avsenderKontoId": metadata["avsenderKontoId"],
                        "mottakerKontoId": metadata["mottakerKontoId"],
                        "ttl": metadata.get("ttl"),
                        "headere": metadata.get("headere", {}),
                    },
                )

        return Handler

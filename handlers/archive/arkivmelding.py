"""KS Fiks Arkiv V1 messages: the arkivmelding we send, the replies we read.

Built with lxml and validated against the V1 schemas shipped in ./xsd (MIT, KS) before
anything leaves: an archive refuses an invalid message only after the round trip, and a
message that is wrong once is wrong on every retry.

One case is one saksmappe (eksternNoekkel: fagsystem "Meldefra", noekkel the case ref); each
journalpost refers to it by that key (referanseForelderMappe) and carries its own key (the
event id), so a message sent twice is recognised by the archive and by us.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

from lxml import etree

XSD_DIR = Path(__file__).with_name("xsd")
_BASE = "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv"
NS_OPPRETT = f"{_BASE}/arkivmelding/opprett/v1"
NS_OPPDATER = f"{_BASE}/arkivmelding/oppdater/v1"
NS_KVITTERING = f"{_BASE}/arkivmelding/opprett/kvittering/v1"
NS_FEIL = {
    "ugyldigforespoersel": f"{_BASE}/feil/ugyldigforespoersel/v1",
    "serverfeil": f"{_BASE}/feil/serverfeil/v1",
    "ikkefunnet": f"{_BASE}/feil/ikkefunnet/v1",
}
NS_MDK = f"{_BASE}/metadatakatalog/v1"  # the children of the shared types live here
XSI = "http://www.w3.org/2001/XMLSchema-instance"

PREFIX = "no.ks.fiks.arkiv.v1"
OPPRETT = f"{PREFIX}.arkivering.arkivmelding.opprett"
OPPDATER = f"{PREFIX}.arkivering.arkivmelding.oppdater"
MOTTATT = (f"{OPPRETT}.mottatt", f"{OPPDATER}.mottatt")
KVITTERING = (f"{OPPRETT}.kvittering", f"{OPPDATER}.kvittering")
# The feilmelding types (one spelled "fik" in KS's own list of replies; both are read).
FEILMELDING_PREFIXES = (f"{PREFIX}.feilmelding.", "no.ks.fik.arkiv.v1.feilmelding.")
PAYLOAD = "arkivmelding.xml"
KVITTERING_FILE = "arkivmelding-kvittering.xml"

FAGSYSTEM = "Meldefra"
SYSTEM = "Meldefra"
TILGANGSRESTRIKSJON = "13"
SKJERMINGSHJEMMEL = "Offl. § 13 jf. fvl. § 13"

_SCHEMAS = {
    OPPRETT: "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.xsd",
    OPPDATER: "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.oppdater.xsd",
    f"{OPPRETT}.kvittering": "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.kvittering.xsd",
    **{
        f"{PREFIX}.feilmelding.{name}": f"no.ks.fiks.arkiv.v1.feilmelding.{name}.xsd"
        for name in NS_FEIL
    },
}


class InvalidMessage(ValueError):
    """The XML does not follow the Fiks Arkiv V1 schema (what is wrong, without content)."""


@dataclass(frozen=True)
class Folder:
    """The case's saksmappe."""

    ref: str
    title: str
    created: datetime
    klassering: str
    klassifikasjonssystem: str | None = None
    admin_unit: str | None = None
    arkivdel: str | None = None


@dataclass(frozen=True)
class Party:
    """A korrespondansepart: EA avsender, EM mottaker, IM internal mottaker (Noark codes)."""

    kind: str
    name: str
    email: str | None = None
    is_person: bool = True


@dataclass(frozen=True)
class Document:
    title: str
    filename: str
    content: bytes
    mime: str = "application/pdf"


@dataclass(frozen=True)
class Entry:
    """One journalpost: its key (the event id), type (I, U, X), title, dates and documents.
    The first document is the hoveddokument, the rest vedlegg."""

    key: str
    journalposttype: str
    title: str
    created: datetime
    day: date
    author: str
    documents: Sequence[Document]
    parties: Sequence[Party] = field(default_factory=tuple)


def _sub(parent: etree._Element, tag: str, text: str | None = None, ns: str = NS_OPPRETT):
    el = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _code(parent: etree._Element, tag: str, code: str, ns: str = NS_OPPRETT) -> None:
    el = _sub(parent, tag, ns=ns)
    _sub(el, "kode", code, ns=NS_MDK)


def _key(parent: etree._Element, tag: str, noekkel: str, ns: str = NS_OPPRETT) -> None:
    el = _sub(parent, tag, ns=ns)
    _sub(el, "fagsystem", FAGSYSTEM, ns=NS_MDK)
    _sub(el, "noekkel", noekkel, ns=NS_MDK)


def _skjerming(parent: etree._Element) -> None:
    el = _sub(parent, "skjerming")
    _code(el, "tilgangsrestriksjon", TILGANGSRESTRIKSJON)
    _sub(el, "skjermingshjemmel", SKJERMINGSHJEMMEL)


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _folder(root: etree._Element, folder: Folder) -> None:
    m = _sub(root, "mappe")
    m.set(f"{{{XSI}}}type", "saksmappe")
    _sub(m, "tittel", folder.title)
    _sub(m, "opprettetDato", _stamp(folder.created))
    _sub(m, "opprettetAv", SYSTEM)
    if folder.arkivdel:
        _code(m, "arkivdel", folder.arkivdel)
    _skjerming(m)
    k = _sub(m, "klassifikasjon")
    if folder.klassifikasjonssystem:
        _sub(k, "klassifikasjonssystemID", folder.klassifikasjonssystem)
    _sub(k, "klasseID", folder.klassering)
    _key(m, "referanseEksternNoekkel", folder.ref)
    _sub(m, "saksdato", folder.created.date().isoformat())
    if folder.admin_unit:
        unit = _sub(m, "administrativEnhet")
        _sub(unit, "navn", folder.admin_unit, ns=NS_MDK)
    _code(m, "saksstatus", "B")


def _documents(r: etree._Element, entry: Entry) -> None:
    for n, doc in enumerate(entry.documents, start=1):
        d = _sub(r, "dokumentbeskrivelse")
        _code(d, "dokumenttype", "DOK")
        _code(d, "dokumentstatus", "F")
        _sub(d, "tittel", doc.title)
        _sub(d, "opprettetDato", _stamp(entry.created))
        _sub(d, "opprettetAv", SYSTEM)
        _code(d, "tilknyttetRegistreringSom", "H" if n == 1 else "V")
        _sub(d, "dokumentnummer", str(n))
        _skjerming(d)
        o = _sub(d, "dokumentobjekt")
        _sub(o, "versjonsnummer", "1")
        _code(o, "variantformat", "P")
        _sub(o, "mimeType", doc.mime)
        _sub(o, "filnavn", doc.filename)
        _sub(o, "referanseDokumentfil", doc.filename)
        _sub(o, "sjekksum", hashlib.sha256(doc.content).hexdigest())
        _sub(o, "sjekksumAlgoritme", "SHA256")
        _sub(o, "filstoerrelse", str(len(doc.content)))


def opprett(folder: Folder, entry: Entry, *, with_folder: bool) -> bytes:
    """arkivmelding.xml for one journalpost (and, the first time, the saksmappe too)."""
    root = etree.Element(
        f"{{{NS_OPPRETT}}}arkivmelding", nsmap={None: NS_OPPRETT, "mdk": NS_MDK, "xsi": XSI}
    )
    _sub(root, "system", SYSTEM)
    _sub(root, "antallFiler", str(len(entry.documents)))
    if with_folder:
        _folder(root, folder)
    r = _sub(root, "registrering")
    r.set(f"{{{XSI}}}type", "journalpost")
    _sub(r, "opprettetDato", _stamp(entry.created))
    _sub(r, "opprettetAv", SYSTEM)
    parent = _sub(r, "referanseForelderMappe")
    _key(parent, "referanseEksternNoekkel", folder.ref, ns=NS_MDK)
    _skjerming(r)
    _documents(r, entry)
    _sub(r, "tittel", entry.title)
    _sub(r, "forfatter", entry.author)
    for party in entry.parties:
        p = _sub(r, "korrespondansepart")
        _code(p, "korrespondanseparttype", party.kind)
        _sub(p, "korrespondansepartNavn", party.name)
        if party.email:
            _sub(p, "epostadresse", party.email)
        _sub(p, "erSkjermet", "true")
        _sub(p, "erPersonnavn", "true" if party.is_person else "false")
    _key(r, "referanseEksternNoekkel", entry.key)
    _code(r, "journalposttype", entry.journalposttype)
    _code(r, "journalstatus", "J")
    _sub(r, "dokumentetsDato", entry.day.isoformat())
    if entry.journalposttype == "I":
        _sub(r, "mottattDato", _stamp(entry.created))
    elif entry.journalposttype == "U":
        _sub(r, "sendtDato", _stamp(entry.created))
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml, OPPRETT)
    return bytes(xml)


def close_folder(folder: Folder, closed: datetime) -> bytes:
    """arkivmelding.xml (oppdater) that ends the saksmappe: saksstatus avsluttet."""
    ns = NS_OPPDATER
    root = etree.Element(
        f"{{{ns}}}arkivmeldingOppdatering", nsmap={None: ns, "mdk": NS_MDK, "xsi": XSI}
    )
    m = _sub(root, "mappeOppdateringer", ns=ns)
    m.set(f"{{{XSI}}}type", "saksmappeOppdatering")
    ref = _sub(m, "referanseTilMappe", ns=ns)
    _key(ref, "referanseEksternNoekkel", folder.ref, ns=NS_MDK)
    _sub(m, "avsluttetDato", _stamp(closed), ns=ns)
    _sub(m, "avsluttetAv", SYSTEM, ns=ns)
    _code(m, "saksstatus", "A", ns=ns)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml, OPPDATER)
    return bytes(xml)


@cache
def _schema(message_type: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_DIR / _SCHEMAS[message_type])))


def validate(xml: bytes, message_type: str) -> None:
    """Raise InvalidMessage unless `xml` is valid for the message type's schema."""
    try:
        doc = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise InvalidMessage(f"not XML: {exc.msg}") from None
    schema = _schema(message_type)
    if not schema.validate(doc):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:3])
        raise InvalidMessage(errors)


@dataclass(frozen=True)
class Receipt:
    """What a kvittering says about one journalpost (and its saksmappe, when it made it)."""

    key: str | None  # our eksternNoekkel of the journalpost
    folder_key: str | None
    saksaar: int | None
    sakssekvensnummer: int | None
    journalpostnummer: int | None
    mappe_system_id: str | None
    system_id: str | None
    error: str | None = None  # registreringFeilet / mappeFeilet

    @property
    def saksnummer(self) -> str | None:
        if self.saksaar is None or self.sakssekvensnummer is None:
            return None
        return f"{self.saksaar}/{self.sakssekvensnummer}"


def _int(el: etree._Element | None) -> int | None:
    if el is None or not (el.text or "").strip():
        return None
    try:
        return int((el.text or "").strip())
    except ValueError:
        return None


def _text(el: etree._Element | None) -> str | None:
    return (el.text or "").strip() or None if el is not None else None


def read_kvittering(xml: bytes) -> Receipt:
    """The numbers from arkivmelding-kvittering.xml (validated first)."""
    validate(xml, f"{OPPRETT}.kvittering")
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    ns = {"k": NS_KVITTERING, "m": NS_MDK}
    folder = root.find("k:mappeKvittering", ns)
    record = root.find("k:registreringKvittering", ns)
    failed = root.find("k:registreringFeilet", ns)
    if failed is None:
        failed = root.find("k:mappeFeilet", ns)
    error = None
    if failed is not None:
        error = _text(failed.find("k:feilmelding", ns))
    return Receipt(
        key=_text(record.find("k:referanseEksternNoekkel/m:noekkel", ns))
        if record is not None
        else None,
        folder_key=_text(folder.find("k:referanseEksternNoekkel/m:noekkel", ns))
        if folder is not None
        else None,
        saksaar=_int(folder.find("k:saksaar", ns)) if folder is not None else None,
        sakssekvensnummer=_int(folder.find("k:sakssekvensnummer", ns))
        if folder is not None
        else None,
        journalpostnummer=_int(record.find("k:journalpostnummer", ns))
        if record is not None
        else None,
        mappe_system_id=_text(folder.find("k:systemID", ns)) if folder is not None else None,
        system_id=_text(record.find("k:systemID", ns)) if record is not None else None,
        error=error,
    )


def read_feilmelding(message_type: str, xml: bytes | None) -> str:
    """A feilmelding's text ("feilmelding"), or the type's last word when it has no payload."""
    name = message_type.rsplit(".", 1)[-1]
    if not xml or name not in NS_FEIL:
        return name
    try:
        validate(xml, f"{PREFIX}.feilmelding.{name}")
    except InvalidMessage:
        return name
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    text = root.findtext(f"{{{_BASE}/feil/feilmelding/v1}}feilmelding")
    if text is None:
        text = next((el.text for el in root.iter() if el.tag.endswith("feilmelding")), None)
    return (text or name).strip()[:400]


def is_feilmelding(message_type: str) -> bool:
    return message_type.startswith(FEILMELDING_PREFIXES)

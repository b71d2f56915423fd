"""The Fiks IO payload: an ASiC-E container (ETSI EN 319 162, CAdES) encrypted as CMS.

Sending: the files go into a zip whose first entry is the uncompressed `mimetype`; a
META-INF/ASiCManifest.xml lists each file with its SHA-256, and META-INF/signature.p7s is our
detached CMS signature over that manifest (as fiks-io-asice-handler writes it). The zip is
then CMS enveloped data (AES-256-CBC, the key wrapped for the receiving account's
certificate). Receiving is the way back: decrypt with our key, check the manifest's digests,
return the files by name.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7
from lxml import etree

from bot.fiks.keys import KeyPair

MIMETYPE = "application/vnd.etsi.asic-e+zip"
MANIFEST = "META-INF/ASiCManifest.xml"
SIGNATURE = "META-INF/signature.p7s"
NS_ASIC = "http://uri.etsi.org/02918/v1.2.1#"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


class BadContainer(ValueError):
    """Not a container we can read (not ours to decrypt, not a zip, a digest that differs)."""


def _mime(name: str) -> str:
    if name.endswith(".xml"):
        return "application/xml"
    if name.endswith(".pdf"):
        return "application/pdf"
    return "application/octet-stream"


def manifest(files: Sequence[tuple[str, bytes]]) -> bytes:
    root = etree.Element(f"{{{NS_ASIC}}}ASiCManifest", nsmap={None: NS_ASIC, "ds": NS_DS})
    sig = etree.SubElement(root, f"{{{NS_ASIC}}}SigReference")
    sig.set("URI", SIGNATURE)
    sig.set("MimeType", "application/x-pkcs7-signature")
    for n, (name, content) in enumerate(files):
        ref = etree.SubElement(root, f"{{{NS_ASIC}}}DataObjectReference")
        ref.set("URI", name)
        ref.set("MimeType", _mime(name))
        if n == 0:
            ref.set("Rootfile", "true")
        etree.SubElement(ref, f"{{{NS_DS}}}DigestMethod").set("Algorithm", SHA256)
        digest = etree.SubElement(ref, f"{{{NS_DS}}}DigestValue")
        digest.text = base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def asice(files: Sequence[tuple[str, bytes]], signer: KeyPair) -> bytes:
    """The signed container, unencrypted."""
    names = [name for name, _ in files]
    if len(set(names)) != len(names) or any(
        n == "mimetype" or n.startswith("META-INF/") for n in names
    ):
        raise ValueError("file names must be unique and not reserved")
    listed = manifest(files)
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(listed)
        .add_signer(signer.certificate, signer.key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for name, content in files:
            z.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(MANIFEST, listed, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(SIGNATURE, signature, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def encrypt(data: bytes, recipient: x509.Certificate) -> bytes:
    """CMS enveloped data (DER) for the recipient's certificate."""
    return (
        pkcs7.PKCS7EnvelopeBuilder()
        .set_data(data)
        .set_content_encryption_algorithm(algorithms.AES256)
        .add_recipient(recipient)
        .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


def seal(files: Sequence[tuple[str, bytes]], signer: KeyPair, recipient: x509.Certificate) -> bytes:
    """What goes in the send API's `data` part."""
    return encrypt(asice(files, signer), recipient)


def open_payload(data: bytes, keys: KeyPair) -> dict[str, bytes]:
    """The files of an encrypted container addressed to us, by name (manifest checked)."""
    try:
        plain = pkcs7.pkcs7_decrypt_der(data, keys.certificate, keys.key, [])
    except ValueError as exc:
        raise BadContainer(f"cannot decrypt: {exc}") from None
    return read_asice(plain)


def read_asice(plain: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(plain)) as z:
            entries = {info.filename: z.read(info) for info in z.infolist()}
            first = z.infolist()[0].filename if z.infolist() else ""
    except zipfile.BadZipFile:
        raise BadContainer("not a zip") from None
    if first != "mimetype" or entries.get("mimetype") != MIMETYPE.encode("ascii"):
        raise BadContainer("not an ASiC-E container")
    files = {n: c for n, c in entries.items() if n != "mimetype" and not n.startswith("META-INF/")}
    listed = entries.get(MANIFEST)
    if listed is not None:
        root = etree.fromstring(listed, parser=etree.XMLParser(resolve_entities=False))
        for ref in root.iter(f"{{{NS_ASIC}}}DataObjectReference"):
            name = ref.get("URI", "")
            value = ref.findtext(f"{{{NS_DS}}}DigestValue") or ""
            content = files.get(name)
            if (
                content is None
                or base64.b64encode(hashlib.sha256(content).digest()).decode() != value
            ):
                raise BadContainer(f"digest of {name!r} differs from the manifest")
    return files

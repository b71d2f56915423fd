"""Our keys: a PEM file with a private key and, optionally, its certificate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class KeyPair:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    from_file: bool  # False: a certificate made here for the key (no x5c for Maskinporten)


def load(path: Path) -> KeyPair:
    data = path.read_bytes()
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path}: Fiks IO needs an RSA key")
    certs = [c for c in x509.load_pem_x509_certificates(data)] if b"CERTIFICATE" in data else []
    if certs:
        return KeyPair(key, certs[0], True)
    return KeyPair(key, self_signed(key), False)


def self_signed(key: rsa.RSAPrivateKey, name: str = "Meldefra") -> x509.Certificate:
    """A certificate for a bare key (CMS recipients and signers are named by certificates)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime(2020, 1, 1, tzinfo=UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * 30))
        .sign(key, hashes.SHA256())
    )

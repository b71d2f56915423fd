"""`meldefra teams package`: the Teams app package (a zip) to upload to the org catalog.

manifest.json from the template in appPackage/ with the ids filled in from the settings, and
the two icons, all at the zip's root as Teams requires. Imports nothing of the Teams SDK.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).with_name("appPackage")
ICONS = {"color.png": (192, 192), "outline.png": (32, 32)}
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
DOMAIN = re.compile(r"^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$")


class PackageError(ValueError):
    """A setting the package needs is missing or wrong: `key` names the catalog message
    (handlers/i18n/first_run.py) that says which, `args` fill it."""

    def __init__(self, key: str, **args: object) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


def host_of(typed: str) -> str:
    """'https://Meldefra.Kommune.no/' → 'meldefra.kommune.no': people paste the address."""
    host = typed.strip().lower()
    host = re.sub(r"^https?://", "", host)
    return host.rstrip("/")


@dataclass(frozen=True)
class PackageSettings:
    app_id: str  # the bot's Entra app id (CLIENT_ID)
    domain: str  # where the bot is served, e.g. meldefra.kommune.no (TEAMS_BOT_DOMAIN)
    version: str
    developer: str
    # Teams shows both in the app's details; default: pages on the bot's domain (the README
    # says to publish them there, or to set TEAMS_PRIVACY_URL / TEAMS_TERMS_URL).
    privacy_url: str | None = None
    terms_url: str | None = None

    @property
    def privacy(self) -> str:
        return self.privacy_url or f"https://{self.domain}/privacy"

    @property
    def terms(self) -> str:
        return self.terms_url or f"https://{self.domain}/terms"

    def check(self) -> None:
        if not GUID.match(self.app_id):
            raise PackageError("teams.package.client_id", value=self.app_id)
        if not DOMAIN.match(self.domain):
            raise PackageError("teams.package.domain", value=self.domain)
        if not re.fullmatch(r"\d+\.\d+\.\d+", self.version):
            raise PackageError("teams.package.version", value=self.version)
        for setting, url in (("TEAMS_PRIVACY_URL", self.privacy), ("TEAMS_TERMS_URL", self.terms)):
            if not re.fullmatch(r"https://[^\s/]+(/\S*)?", url):
                raise PackageError("teams.package.url", setting=setting, value=url)


def manifest(settings: PackageSettings) -> dict[str, Any]:
    settings.check()
    text = (TEMPLATE_DIR / "manifest.json").read_text(encoding="utf-8")
    values = {
        "app_id": settings.app_id,
        "domain": settings.domain,
        "version": settings.version,
        "developer": settings.developer,
        "privacy_url": settings.privacy,
        "terms_url": settings.terms,
    }
    filled = re.sub(r"\{\{(\w+)\}\}", lambda m: json.dumps(values[m[1]])[1:-1], text)
    data: dict[str, Any] = json.loads(filled)
    return data


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise PackageError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def build(settings: PackageSettings, out: Path) -> Path:
    """Write the zip; returns its path."""
    data = manifest(settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(data, ensure_ascii=False, indent=2))
        for name, size in ICONS.items():
            icon = (TEMPLATE_DIR / name).read_bytes()
            if png_size(icon) != size:
                raise PackageError("teams.package.icon", name=name, width=size[0], height=size[1])
            zf.writestr(name, icon)
    return out

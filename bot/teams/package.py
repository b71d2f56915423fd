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
    """A setting the package needs is missing or wrong; the message says which."""


@dataclass(frozen=True)
class PackageSettings:
    app_id: str  # the bot's Entra app id (CLIENT_ID)
    domain: str  # where the bot is served, e.g. meldefra.kommune.no (TEAMS_BOT_DOMAIN)
    version: str
    developer: str

    def check(self) -> None:
        if not GUID.match(self.app_id):
            raise PackageError(f"CLIENT_ID must be the bot's app id (a GUID), not {self.app_id!r}")
        if not DOMAIN.match(self.domain):
            raise PackageError(
                f"TEAMS_BOT_DOMAIN (or --domain) must be a host name such as "
                f"meldefra.kommune.no, not {self.domain!r}"
            )
        if not re.fullmatch(r"\d+\.\d+\.\d+", self.version):
            raise PackageError(f"the version must look like 1.0.0, not {self.version!r}")


def manifest(settings: PackageSettings) -> dict[str, Any]:
    settings.check()
    text = (TEMPLATE_DIR / "manifest.json").read_text(encoding="utf-8")
    values = {
        "app_id": settings.app_id,
        "domain": settings.domain,
        "version": settings.version,
        "developer": settings.developer,
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
                raise PackageError(f"{name} must be {size[0]}×{size[1]} pixels")
            zf.writestr(name, icon)
    return out

"""Draw the Teams app icons (bot/teams/appPackage/color.png and outline.png).

Run once when the design changes; the PNGs are committed. Pure Python (zlib), no Pillow:
color.png is 192×192, a white speech bubble with an exclamation mark on the accent colour;
outline.png is 32×32, the same bubble in white on transparent, as Teams requires.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

ACCENT = (0x1F, 0x5F, 0x7A, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[float, float], Pixel]) -> bytes:
    """An RGBA PNG; `pixel(x, y)` gets coordinates scaled to 0..1."""
    rows = b"".join(
        b"\x00"
        + b"".join(bytes(pixel((x + 0.5) / width, (y + 0.5) / height)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def in_bubble(x: float, y: float) -> bool:
    body = 0.18 <= x <= 0.82 and 0.2 <= y <= 0.68
    tail = 0.3 <= x <= 0.45 and 0.68 <= y <= 0.82 and (x - 0.3) <= (0.82 - y)
    return body or tail


def in_mark(x: float, y: float) -> bool:
    return 0.46 <= x <= 0.54 and (0.28 <= y <= 0.5 or 0.56 <= y <= 0.62)


def color(x: float, y: float) -> Pixel:
    if in_bubble(x, y) and not in_mark(x, y):
        return WHITE
    return ACCENT


def outline(x: float, y: float) -> Pixel:
    return WHITE if in_bubble(x, y) and not in_mark(x, y) else CLEAR


def main(folder: str) -> None:
    out = Path(folder)
    (out / "color.png").write_bytes(png(192, 192, color))
    (out / "outline.png").write_bytes(png(32, 32, outline))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bot/teams/appPackage")

"""Issue 21 #10: the stats documents say when they were made in the schools' local time."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.stats_render import made_at, render
from tests.test_stats_cli import env, on_disk, run  # noqa: F401 - fixtures

MADE = datetime(2026, 12, 7, 9, 11, tzinfo=UTC)  # 10.11 in Oslo (winter time)


def test_made_at_is_local_and_norwegian() -> None:
    assert made_at(MADE, "nb") == "mandag 7. desember 2026 kl. 10.11"
    assert made_at(MADE, "nn") == "måndag 7. desember 2026 kl. 10.11"
    assert made_at(MADE, "en") == "Monday 7 December 2026 10:11"
    summer = datetime(2026, 6, 1, 9, 11, tzinfo=UTC)
    assert made_at(summer, "nb").endswith("kl. 11.11")


def test_the_pdf_and_html_say_laget_at_local_time(
    env: Path,  # noqa: F811
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    report = json.loads(run(capsysbinary, "--format", "json"))
    pdf = render(report, "pdf", "nb", MADE)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    assert "Laget mandag 7. desember 2026 kl. 10.11" in flat, flat[:300]
    assert "09:11" not in flat and "2026-12-07" not in flat
    page = render(report, "html", "nb", MADE).decode()
    assert "Laget mandag 7. desember 2026 kl. 10.11" in page

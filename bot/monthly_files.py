"""The monthly report's parts for a chat edge: summary text, chart, and the full report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.charts import Chart, chart
from bot.stats_render import render, report_name, summary


@dataclass(frozen=True)
class MonthlyFiles:
    summary: str
    chart: Chart
    pdf: tuple[str, bytes]
    html: tuple[str, bytes]


def monthly_files(lang: str, data: dict[str, Any], created: datetime) -> MonthlyFiles:
    drawn = chart(data, lang)
    return MonthlyFiles(
        "\n".join(summary(data, lang)),
        drawn,
        (report_name(data, "pdf"), render(data, "pdf", lang, created, drawn)),
        (report_name(data, "html"), render(data, "html", lang, created, drawn)),
    )

"""The monthly report's chart, as a PNG, with a text alternative holding the same numbers.

Drawn from the published figures only (handlers.stats.publish: small counts already hidden),
so the picture can show nothing the table does not. matplotlib (Agg, no display) is imported
here, inside the function that draws, never when the bot or the CLI starts (~0.3 s and 30 MB).

Left: the last 12 months, new reports (bars; "<5" as a hatched bar of height 4, "*" as no
bar) and the median hours to acknowledgement (line, from five cases up). Right: each school's
90th percentile of school days to acknowledgement against its escalation deadline (rektor's
chart: their school and the median school).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from bot.stats_render import month_label, number
from handlers.i18n import t
from handlers.stats import ALL, MEDIAN, SMALL

DPI = 100
WIDTH_IN = 10.0
COMPACT = (6.0, 3.2)  # the trend alone, small enough for a Teams card's inline image


@dataclass(frozen=True)
class Chart:
    png: bytes
    alt: str  # the text alternative: the same numbers in words
    width: int
    height: int


def _label(row: dict[str, Any], lang: str) -> str:
    if row["id"] == ALL:
        return t(lang, "stats.row.all")
    if row["id"] == MEDIAN:
        return t(lang, "stats.row.median")
    return str(row["name"])


def trend_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    trends = report.get("trend") or {}
    return next(iter(trends.values()), [])


def school_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in report["rows"] if r["id"] != ALL]


def alt_text(report: dict[str, Any], lang: str, *, compact: bool = False) -> str:
    lines = [t(lang, "chart.alt.title", title=t(lang, "chart.trend.title"))]
    for month in trend_of(report):
        lines.append(
            t(
                lang,
                "chart.alt.month",
                month=month_label(month["month"], lang),
                reports=month["reports"],
                hours=number(month["ack_median_hours"], lang),
            )
        )
    if not compact:
        lines.append(t(lang, "chart.alt.title", title=t(lang, "chart.schools.title")))
        for row in school_rows(report):
            deadline = row.get("escalate_after_school_days")
            lines.append(
                t(
                    lang,
                    "chart.alt.school",
                    school=_label(row, lang),
                    value=number(row["durations"]["ack_school_days"]["p90"], lang),
                    deadline="–" if deadline is None else deadline,
                )
            )
    return "\n".join(lines)


def chart(report: dict[str, Any], lang: str, *, compact: bool = False) -> Chart:
    """The chart as PNG bytes (size known from the figure: width × height pixels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    schools = [] if compact else school_rows(report)
    if compact:
        width_in, height_in = COMPACT
    else:
        width_in, height_in = WIDTH_IN, max(4.0, 1.6 + 0.22 * len(schools))
    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    if compact:
        trend_ax = fig.add_subplot(1, 1, 1)
    else:
        grid = fig.add_gridspec(1, 2, width_ratios=(1.1, 1.0), wspace=0.45)
        trend_ax = fig.add_subplot(grid[0, 0])
    _draw_trend(trend_ax, trend_of(report), lang)
    if not compact:
        _draw_schools(fig.add_subplot(grid[0, 1]), schools, lang)
    fig.subplots_adjust(left=0.08 if compact else 0.06, right=0.92 if compact else 0.97)
    drawn = io.BytesIO()
    fig.savefig(drawn, format="png", dpi=DPI, metadata={"Software": None})
    plt.close("all")
    return Chart(
        _small_png(drawn.getvalue()),
        alt_text(report, lang, compact=compact),
        round(width_in * DPI),
        round(height_in * DPI),
    )


def _draw_trend(ax: Any, months: list[dict[str, Any]], lang: str) -> None:
    labels = [m["month"][2:] for m in months]  # "26-11": short enough for 12 bars
    xs = list(range(len(months)))
    for x, month in zip(xs, months, strict=True):
        value = month["reports"]
        if isinstance(value, int):
            ax.bar(x, value, color="#4a7ab5")
        elif value == SMALL:
            ax.bar(x, 4, color="white", edgecolor="#4a7ab5", hatch="//")
            ax.annotate(SMALL, (x, 4), ha="center", va="bottom", fontsize=7)
        else:
            ax.annotate(str(value), (x, 0), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(xs, labels, rotation=60, fontsize=7)
    ax.set_ylabel(t(lang, "chart.trend.reports"), color="#4a7ab5")
    ax.set_title(t(lang, "chart.trend.title"), fontsize=10)
    hours_ax = ax.twinx()
    points = [(x, m["ack_median_hours"]) for x, m in zip(xs, months, strict=True)]
    shown = [(x, h) for x, h in points if h is not None]
    if shown:
        hours_ax.plot([x for x, _ in shown], [h for _, h in shown], "o-", color="#c0504d")
    hours_ax.set_ylim(bottom=0)
    hours_ax.set_ylabel(t(lang, "chart.trend.hours"), color="#c0504d", fontsize=8)


def _draw_schools(ax: Any, rows: list[dict[str, Any]], lang: str) -> None:
    names = [_label(r, lang) for r in rows]
    ys = list(range(len(rows)))[::-1]
    for y, row in zip(ys, rows, strict=True):
        value = row["durations"]["ack_school_days"]["p90"]
        if value is None:
            ax.annotate(t(lang, "chart.schools.no_data"), (0, y), va="center", fontsize=7)
        else:
            ax.barh(y, max(value, 0.05), color="#4a7ab5")
        deadline = row.get("escalate_after_school_days")
        if deadline is not None:
            ax.plot([deadline, deadline], [y - 0.4, y + 0.4], color="#c0504d", linewidth=2)
    ax.plot([], [], color="#c0504d", linewidth=2, label=t(lang, "chart.schools.deadline"))
    ax.legend(fontsize=7, loc="lower right")
    ax.set_yticks(ys, names, fontsize=7)
    ax.set_xlim(left=0)
    ax.set_title(t(lang, "chart.schools.title"), fontsize=9, wrap=True)


def _small_png(png: bytes) -> bytes:
    """The same picture with a 64-colour palette: a third of the bytes (a Teams card holds at
    most 28 KB, and the PDF and the outbox carry it too)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=64).save(out, format="PNG", optimize=True)
    return out.getvalue()

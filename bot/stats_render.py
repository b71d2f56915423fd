"""The published figures (handlers.stats.publish) as text, CSV, JSON, HTML or PDF, and the
monthly report's short summary. Rendering only: what may be shown was decided before.

CSV has one line per school (and the municipality), the machine keys of handlers.stats as
the header, for spreadsheets and dashboards; JSON is the published report itself. HTML and
PDF hold every table, the legend, and (when given) the chart with its text alternative.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from handlers import stats
from handlers.dates import format_date, format_month, format_span
from handlers.i18n import t
from handlers.render import font_files
from handlers.report import CATEGORIES
from handlers.review import OPEN_STATES
from handlers.stats import ALL, MEDIAN

FORMATS = ("text", "csv", "json", "html", "pdf")
SCHOOL_ZONE = ZoneInfo("Europe/Oslo")  # the schools' zone when the caller names none


def made_at(created: datetime, lang: str, zone: tzinfo = SCHOOL_ZONE) -> str:
    """When a document was made, as its readers' clocks show it: "mandag 7. desember 2026
    kl. 10.11" (the schools' local time, never UTC)."""
    local = created.astimezone(zone)
    clock = f"{local:%H:%M}" if lang == "en" else f"kl. {local:%H.%M}"
    return f"{format_date(local.date(), lang)} {clock}"


# (section, columns): a count column's key, or ("dur", name, "median" | "p90").
Column = str | tuple[str, str, str]
SECTIONS: tuple[tuple[str, tuple[Column, ...]], ...] = (
    ("reports", ("reports", *(f"unit.{u}" for u in stats.UNIT_TYPES))),
    ("categories", tuple(f"category.{c}" for c in CATEGORIES)),
    (
        "ack",
        (
            "ack.acknowledged",
            "ack.pending",
            ("dur", "ack_hours", "median"),
            ("dur", "ack_hours", "p90"),
            ("dur", "ack_school_days", "median"),
            ("dur", "ack_school_days", "p90"),
        ),
    ),
    (
        "section_12_5",
        (
            "section_12_5",
            "owner.informed",
            "owner.pending",
            ("dur", "owner_hours", "median"),
            ("dur", "owner_hours", "p90"),
        ),
    ),
    ("plans", ("plans", *(f"plan.{o}" for o in stats.PLAN_OUTCOMES))),
    ("evaluations", ("evaluations", *(f"evaluation.{o}" for o in stats.EVALUATION_OUTCOMES))),
    ("closed", ("closed", *(f"closed.{o}" for o in stats.CLOSE_REASONS))),
    (
        "open",
        ("open", *(f"open.{s}" for s in OPEN_STATES), *(f"age.{a}" for a in stats.AGE_BUCKETS)),
    ),
)


def header(col: Column, lang: str) -> str:
    if isinstance(col, tuple):
        _, name, stat = col
        return t(lang, f"stats.{stat}", unit=t(lang, f"stats.dur.{name}"))
    if col.startswith("category."):
        return t(lang, col)
    if col.startswith("open."):
        return t(lang, f"status.{col.split('.', 1)[1]}")
    return t(lang, f"stats.col.{col}")


def number(value: Any, lang: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:.1f}"
        return text.replace(".", ",") if lang in ("nb", "nn") else text
    return str(value)


def cell(row: dict[str, Any], col: Column, lang: str) -> str:
    if isinstance(col, tuple):
        _, name, stat = col
        return number(row["durations"][name][stat], lang)
    return number(row["counts"][col], lang)


def row_label(row: dict[str, Any], lang: str) -> str:
    if row["id"] == ALL:
        return t(lang, "stats.row.all")
    if row["id"] == MEDIAN:
        return t(lang, "stats.row.median")
    return str(row["name"])


def period_label(report: dict[str, Any], lang: str) -> str:
    """The period in words ("november 2026"), never ISO in a sentence."""
    first, last = (date.fromisoformat(report["period"][k]) for k in ("from", "to"))
    return format_span(first, last, lang)


def month_label(month: str, lang: str) -> str:
    """ "2026-11" as "november 2026"."""
    return format_month(date.fromisoformat(f"{month}-01"), lang)


def title(report: dict[str, Any], lang: str) -> str:
    month = report.get("month")
    if month and report.get("audience") == "owner":
        return t(lang, "monthly.title.owner", month=month_label(report["period"]["from"][:7], lang))
    if month:
        school = next(r["name"] for r in report["rows"] if r["id"] not in (ALL, MEDIAN))
        month = month_label(report["period"]["from"][:7], lang)
        return t(lang, "monthly.title.rektor", month=month, school=school)
    return t(lang, "stats.title", period=period_label(report, lang))


def tables(report: dict[str, Any], lang: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """(heading, column headers, rows) per section, every cell as shown."""
    out = []
    for section, cols in SECTIONS:
        headers = [t(lang, "stats.row"), *(header(c, lang) for c in cols)]
        rows = [[row_label(r, lang), *(cell(r, c, lang) for c in cols)] for r in report["rows"]]
        out.append((t(lang, f"stats.section.{section}"), headers, rows))
    return out


def to_text(report: dict[str, Any], lang: str) -> str:
    lines = [title(report, lang), ""]
    for heading, headers, rows in tables(report, lang):
        lines.append(heading)
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
        for r in [headers, *rows]:
            lines.append(
                "  ".join(
                    v.ljust(w) if i == 0 else v.rjust(w)
                    for i, (v, w) in enumerate(zip(r, widths, strict=True))
                ).rstrip()
            )
        lines.append("")
    lines.append(t(lang, "stats.legend"))
    return "\n".join(lines) + "\n"


def to_csv(report: dict[str, Any]) -> str:
    counts = [c for c, _ in stats.columns()]
    durations = [f"{name}.{stat}" for name in stats.DURATIONS for stat in ("median", "p90")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["period_from", "period_to", "school", "school_name", *counts, *durations])
    for row in report["rows"]:
        writer.writerow(
            [
                report["period"]["from"],
                report["period"]["to"],
                row["id"],
                row["name"] or "",
                *(row["counts"][c] for c in counts),
                *(
                    "" if (v := row["durations"][name][stat]) is None else v
                    for name in stats.DURATIONS
                    for stat in ("median", "p90")
                ),
            ]
        )
    return out.getvalue()


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def to_html(
    report: dict[str, Any],
    lang: str,
    created: datetime,
    chart: Any | None = None,
    zone: tzinfo = SCHOOL_ZONE,
) -> str:
    import base64

    e = html.escape
    name = title(report, lang)
    out = [
        "<!doctype html>",
        f'<html lang="{e(lang)}"><head><meta charset="utf-8"><title>{e(name)}</title>',
        "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2rem;color:#111}"
        "table{border-collapse:collapse;margin-bottom:1.5rem}th,td{border:1px solid #bbb;"
        "padding:.2rem .5rem;font-size:.85rem}td{text-align:right}td:first-child{text-align:"
        "left}th{background:#eee}</style></head><body>",
        f"<h1>{e(name)}</h1>",
        f"<p>{e(t(lang, 'stats.subtitle', created=made_at(created, lang, zone)))}</p>",
    ]
    if chart is not None:
        data = base64.b64encode(chart.png).decode("ascii")
        out.append(
            f'<figure><img src="data:image/png;base64,{data}" width="{chart.width}" '
            f'height="{chart.height}" alt="{e(chart.alt)}">'
            f"<figcaption><pre>{e(chart.alt)}</pre></figcaption></figure>"
        )
    for heading, headers, rows in tables(report, lang):
        out.append(f"<h2>{e(heading)}</h2><table><thead><tr>")
        out.append("".join(f'<th scope="col">{e(h)}</th>' for h in headers))
        out.append("</tr></thead><tbody>")
        for r in rows:
            out.append(
                f'<tr><th scope="row">{e(r[0])}</th>'
                + "".join(f"<td>{e(v)}</td>" for v in r[1:])
                + "</tr>"
            )
        out.append("</tbody></table>")
    out.append(f"<p>{e(t(lang, 'stats.legend'))}</p></body></html>")
    return "\n".join(out)


def to_pdf(
    report: dict[str, Any],
    lang: str,
    created: datetime,
    chart: Any | None = None,
    zone: tzinfo = SCHOOL_ZONE,
) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    fonts = font_files()
    pdf = FPDF(orientation="landscape", format="A4")
    if fonts is not None:
        pdf.add_font("body", "", fonts[0])
        pdf.add_font("body", "B", fonts[1])
        family = "body"
    else:
        family = "helvetica"

    def fit(text: str) -> str:
        if fonts is not None:
            return text
        stand_ins = str.maketrans({"–": "-", "«": '"', "»": '"', "“": '"', "”": '"'})
        return text.translate(stand_ins).encode("latin-1", "replace").decode("latin-1")

    name = title(report, lang)
    pdf.set_creation_date(created)
    pdf.set_title(fit(name))
    pdf.set_author("Meldefra")
    pdf.set_lang(lang)
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_margins(12, 12, 12)
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, fit(name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(family, "", 9)
    subtitle = t(lang, "stats.subtitle", created=made_at(created, lang, zone))
    pdf.multi_cell(0, 5, fit(subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if chart is not None:
        width = pdf.epw
        height = width * chart.height / chart.width
        if height > pdf.eph - 30:
            height = pdf.eph - 30
            width = height * chart.width / chart.height
        pdf.image(io.BytesIO(chart.png), w=width, h=height, alt_text=fit(chart.alt))
    for heading, headers, rows in tables(report, lang):
        pdf.ln(3)
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(0, 6, fit(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(family, "", 7.5)
        first = 50.0
        rest = (pdf.epw - first) / max(1, len(headers) - 1)
        widths: Sequence[float] = (first, *([rest] * (len(headers) - 1)))
        with pdf.table(col_widths=widths, line_height=4, text_align="RIGHT") as table:
            for r in [headers, *rows]:
                line = table.row()
                for value in r:
                    line.cell(fit(value))
    pdf.ln(3)
    pdf.set_font(family, "", 8)
    pdf.multi_cell(0, 4, fit(t(lang, "stats.legend")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def render(
    report: dict[str, Any],
    fmt: str,
    lang: str,
    created: datetime,
    chart: Any | None = None,
    zone: tzinfo = SCHOOL_ZONE,
) -> bytes:
    """The report in `fmt`; HTML and PDF say when they were made in `zone` (the school's)."""
    if fmt == "text":
        return to_text(report, lang).encode("utf-8")
    if fmt == "csv":
        return to_csv(report).encode("utf-8")
    if fmt == "json":
        return to_json(report).encode("utf-8")
    if fmt == "html":
        return to_html(report, lang, created, chart, zone).encode("utf-8")
    if fmt == "pdf":
        return to_pdf(report, lang, created, chart, zone)
    raise ValueError(f"unknown format {fmt}")


# --- The monthly report's message ----------------------------------------------------------


def summary(report: dict[str, Any], lang: str) -> list[str]:
    """The short summary in the chat message: a few figures, as shown in the report."""
    rows = {r["id"]: r for r in report["rows"]}
    owner = report.get("audience") == "owner"
    main = rows[ALL] if owner else next(r for r in report["rows"] if r["id"] not in (ALL, MEDIAN))
    counts = main["counts"]
    lines = [title(report, lang)]
    if owner:
        lines.append(t(lang, "monthly.summary.reports_all", value=counts["reports"]))
    elif MEDIAN in rows:  # from five schools up
        median = rows[MEDIAN]["counts"]["reports"]
        lines.append(t(lang, "monthly.summary.reports", value=counts["reports"], median=median))
    else:
        lines.append(t(lang, "figures.summary.reports", value=counts["reports"]))
    ack = main["durations"]["ack_hours"]
    if ack["median"] is None:
        lines.append(t(lang, "monthly.summary.ack_unknown"))
    else:
        lines.append(
            t(
                lang,
                "monthly.summary.ack",
                median=number(ack["median"], lang),
                p90=number(ack["p90"], lang),
            )
        )
    lines.append(
        t(lang, "monthly.summary.plans", within=counts["plan.within"], plans=counts["plans"])
    )
    lines.append(t(lang, "monthly.summary.evaluations", value=counts["evaluation.overdue"]))
    if owner:
        lines.append(t(lang, "monthly.summary.section_12_5", value=counts["section_12_5"]))
    lines.append(t(lang, "monthly.summary.open", value=counts["open"]))
    lines.append(t(lang, "monthly.privacy"))
    return lines


def report_name(report: dict[str, Any], ext: str) -> str:
    who = "kommunen" if report.get("audience") == "owner" else str(report.get("school", "skole"))
    return f"manedsrapport-{report['period']['from'][:7]}-{who}.{ext}"

"""The monthly report in Slack: one upload to the person's DM with the summary as its message,
the chart (PNG, with its text alternative) and the full report as PDF and HTML.

One `files.uploadV2` call (its `initial_comment` is the summary), so a retry after a failure
does not leave a summary without its files or post it twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.monthly_files import monthly_files
from handlers.delivery import Pending

ALT_MAX = 1000  # Slack's limit for a file's alt text; the full one is in the PDF and HTML


def send_monthly(client: WebClient, channel: str, item: Pending) -> str:
    parts = monthly_files(item.lang, item.data, datetime.now(UTC))
    alt = parts.chart.alt
    if len(alt) > ALT_MAX:
        alt = alt[: ALT_MAX - 1] + "…"
    base = parts.pdf[0].rsplit(".", 1)[0]
    response = client.files_upload_v2(
        channel=channel,
        initial_comment=parts.summary,
        file_uploads=[
            {"content": parts.chart.png, "filename": f"{base}.png", "title": base, "alt_txt": alt},
            {"content": parts.pdf[1], "filename": parts.pdf[0], "title": parts.pdf[0]},
            {"content": parts.html[1], "filename": parts.html[0], "title": parts.html[0]},
        ],
    )
    files = response.get("files") or []
    return f"{channel}:files:" + ",".join(str(f.get("id")) for f in files)

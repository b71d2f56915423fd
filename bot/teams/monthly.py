"""The monthly report in Teams: a card with the summary and the chart inline.

Teams shows an image in a card from a data URI, and a bot's card is at most 28 KB: the compact
chart (the 12-month trend) goes inline when the card stays under that, else the card carries
the chart's text alternative only. The text alternative is always the image's `altText` and is
shown under it, so the same numbers are there without the picture.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from bot.charts import chart
from bot.stats_render import summary
from bot.teams.cards import VERSION, Card, textblock

CARD_MAX = 28 * 1024  # bytes: Teams' limit for a bot message with a card


def monthly_card(lang: str, data: dict[str, Any]) -> tuple[str, Card]:
    lines = summary(data, lang)
    drawn = chart(data, lang, compact=True)
    body: list[dict[str, Any]] = [textblock(lines[0], weight="Bolder", size="Medium")]
    body += [textblock(line) for line in lines[1:]]
    card: Card = {
        "type": "AdaptiveCard",
        "version": VERSION,
        "body": body,
    }
    image = {
        "type": "Image",
        "url": "data:image/png;base64," + base64.b64encode(drawn.png).decode("ascii"),
        "altText": drawn.alt,
        "width": f"{drawn.width}px",
    }
    alt = textblock(drawn.alt, isSubtle=True, size="Small")
    with_image = {**card, "body": [*body, image, alt]}
    if len(json.dumps(with_image).encode("utf-8")) <= CARD_MAX:
        return lines[0], with_image
    return lines[0], {**card, "body": [*body, alt]}

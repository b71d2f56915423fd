"""The leader's review of a copy made for one party (an innsyn copy, a family's plan), declared
once: what was replaced by what, and the capitalised words left that may be names the register
does not know. Slack shows it in the export's dialog, Teams in its dialog, the console and the
command line in the terminal; it is never logged and never sent to a channel."""

from __future__ import annotations

from handlers.i18n import t
from handlers.redact import Review

MAX_LINES = 40  # replacements, and capitalised words, shown before "… and N more"


def review_lines(review: Review, lang: str, limit: int = MAX_LINES) -> list[str]:
    lines = [t(lang, "redact.review.title")]
    if review.replaced:
        lines.append(t(lang, "redact.review.replaced"))
        for r in review.replaced[:limit]:
            found = ", ".join(r.found)
            line = t(lang, "redact.review.line", label=r.label, name=r.name, found=found, n=r.count)
            lines.append(line)
        if len(review.replaced) > limit:
            lines.append(t(lang, "redact.review.more", count=len(review.replaced) - limit))
    else:
        lines.append(t(lang, "redact.review.nothing"))
    if review.unknown:
        words = ", ".join(review.unknown[:limit])
        lines.append(t(lang, "redact.review.unknown", words=words))
        if len(review.unknown) > limit:
            lines.append(t(lang, "redact.review.more", count=len(review.unknown) - limit))
    lines.append(t(lang, "redact.review.read"))
    return lines

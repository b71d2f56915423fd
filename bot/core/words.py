"""The words a person may type to the bot, per language, in one place.

`/meldefra hjelp` in Slack, "mine" in the Teams chat, "saker" in the console: every edge asks
`intent`. A person may use any language's words, whatever their own language is.
"""

from __future__ import annotations

import re

HELP = "help"
MINE = "mine"  # my own reports and their status
CASES = "cases"  # the cases waiting for me (a leader's home)
REPORT = "report"  # "meld fra <what happened>": open the report form, prefilled

WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    HELP: {
        "nb": ("hjelp", "hjelp!", "?"),
        "nn": ("hjelp", "hjelp!", "?"),
        "en": ("help", "?"),
    },
    MINE: {
        "nb": ("mine", "min", "mine meldinger", "status"),
        "nn": ("mine", "mi", "mine meldingar", "status"),
        "en": ("my", "mine", "my reports", "status"),
    },
    CASES: {
        "nb": ("saker", "mine saker", "venter"),
        "nn": ("saker", "mine saker", "ventar"),
        "en": ("cases", "my cases", "waiting"),
    },
    # A prefix: what follows it is what happened.
    REPORT: {
        "nb": ("meld fra",),
        "nn": ("meld frå", "meld fra"),
        "en": ("report",),
    },
}


def _prefix_pattern() -> re.Pattern[str]:
    words = sorted({w for ws in WORDS[REPORT].values() for w in ws}, key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"^(?:{alternatives})(?:\b|$)[:\s]*", re.IGNORECASE)


_REPORT_PREFIX = _prefix_pattern()


def words_for(intent_name: str) -> frozenset[str]:
    """Every language's words for one intent."""
    return frozenset(w for ws in WORDS[intent_name].values() for w in ws)


def intent(typed: str) -> tuple[str | None, str]:
    """What the person asked for, and the rest of what they typed.

    ("help", ""), ("mine", ""), ("cases", ""), ("report", "what happened …"), or
    (None, the text) when it is none of them (Slack's `/meldefra <text>` prefills it).
    """
    cleaned = " ".join(typed.split())
    lowered = cleaned.lower()
    for name in (HELP, MINE, CASES):
        if lowered in words_for(name):
            return name, ""
    stripped = typed.strip()
    match = _REPORT_PREFIX.match(stripped)
    if match:
        return REPORT, stripped[match.end() :]
    return None, stripped

"""Every language has every key, and every placeholder matches across languages."""

from __future__ import annotations

import string

import bot  # noqa: F401 - adds the edges' catalogs (bot/...) to the ones checked here
from handlers.i18n import LANGS, catalogs, t


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_catalog_has_every_key() -> None:
    table = catalogs()
    keys = set().union(*(table[lang].keys() for lang in LANGS))
    for lang in LANGS:
        assert keys - table[lang].keys() == set(), f"{lang} is missing keys"


def test_the_edges_words_are_checked_too() -> None:
    # Slack and Teams (chat.*), Teams' own, the console's and the CLI's live in bot/.
    table = catalogs()["nn"]
    for key in ("chat.help", "chat.plan.title", "teams.export.offer", "console.bye", "cli.exists"):
        assert key in table, key


def test_placeholders_agree_across_languages() -> None:
    table = catalogs()
    for key, text in table["nb"].items():
        for lang in LANGS:
            assert placeholders(table[lang][key]) == placeholders(text), (lang, key)


def test_words_follow_the_design() -> None:
    # "melde fra", never "varsle"; nynorsk says "melde frå".
    for key, text in catalogs()["nb"].items():
        assert "varsle " not in text.lower(), key
    assert "melde frå" in t("nn", "notice.new_case.prompt_owner")
    assert t("xx", "status.new") == "ny"  # unknown language falls back to bokmål


def test_nynorsk_words_the_issue_fixed() -> None:
    # "Meldt av", one product name, the law's "skoleeigar", "blir" not "vert".
    for key, text in catalogs()["nn"].items():
        assert "Meldefrå" not in text and "skuleeigar" not in text, key
        assert "Meld av" not in text and " vert " not in f" {text} ", key

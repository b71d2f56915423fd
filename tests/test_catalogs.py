"""Every language has every key, and every placeholder matches across languages."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import string
from pathlib import Path

import bot  # noqa: F401 - adds the edges' catalogs (bot/...) to the ones checked here
from handlers.i18n import LANGS, catalogs, t

ROOT = Path(__file__).resolve().parents[1]


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


# --- the product's words and the edges' words ------------------------------------------------

EDGE_PREFIXES = ("console.", "cli.", "slack.", "teams.")

# Keys named like an edge's words that a handler really produces (the text comes out of
# handlers/, so it stays in handlers/i18n). Each with the module that produces it, e.g.
#   "teams.package.url",  # handlers/first_run.py: a setting the validation refuses
# Empty: every edge's words live beside its renderer in bot/.
HANDLERS_PRODUCE: frozenset[str] = frozenset()


def _handlers_catalog_keys() -> dict[str, set[str]]:
    """{module of handlers/i18n: every key it holds, in any language}."""
    import handlers.i18n as package

    found: dict[str, set[str]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        messages = importlib.import_module(f"{package.__name__}.{info.name}").MESSAGES
        found[info.name] = set().union(*(table.keys() for table in messages.values()))
    return found


def _words_handlers_use() -> tuple[set[str], set[str]]:
    """Every string the code of handlers/ (not its catalogs) holds, and the fixed starts of its
    f-strings (f"matter.how.{how}" gives "matter.how."): the keys it may produce."""
    strings: set[str] = set()
    starts: set[str] = set()
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        if "i18n" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.JoinedStr):
                first = node.values[0] if node.values else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    starts.add(first.value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
    return strings, starts


def _used_by_handlers(key: str, strings: set[str], starts: set[str]) -> bool:
    return key in strings or any(start and key.startswith(start) for start in starts)


def test_handlers_catalogs_hold_no_edge_words() -> None:
    """A key named for an edge (console., cli., slack., teams.) that no handler produces is
    that edge's word: it belongs in the edge's catalog beside its renderer (bot/console/i18n.py,
    bot/cli_i18n.py, bot/teams/i18n.py, bot/core/i18n_chat.py), not in handlers/i18n."""
    strings, starts = _words_handlers_use()
    misplaced = sorted(
        f"handlers/i18n/{module}.py: {key}"
        for module, keys in _handlers_catalog_keys().items()
        for key in keys
        if key.startswith(EDGE_PREFIXES)
        and not (key in HANDLERS_PRODUCE and _used_by_handlers(key, strings, starts))
    )
    assert misplaced == [], "edge words in handlers' catalogs: move them to bot/"


def test_the_allow_list_names_only_what_handlers_produce() -> None:
    strings, starts = _words_handlers_use()
    held = set().union(*_handlers_catalog_keys().values())
    for key in HANDLERS_PRODUCE:
        assert key.startswith(EDGE_PREFIXES), key
        assert key in held and _used_by_handlers(key, strings, starts), key


def test_the_word_rule_sees_what_handlers_produce() -> None:
    """The scan finds a key a handler names outright and one it builds (f"matter.how.{how}"),
    and not one only bot/ uses."""
    strings, starts = _words_handlers_use()
    assert _used_by_handlers("calendar.weekend", strings, starts)
    assert _used_by_handlers("matter.how.meeting", strings, starts)
    assert not _used_by_handlers("cli.round.to", strings, starts)

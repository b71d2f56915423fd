"""`meldefra --help` in the operator's language (MELDEFRA_LANG, else the org's, else bokmål).

The parser is built in English as before (bot.cli.build_parser); `localize` then puts each
command's and option's help in the language from bot/cli_help_i18n.py, keyed by the command's
path and the option's dest (`cli.help.export.document`), so a new option shows its English
help until it is translated. argparse's own words ("usage:", "options", "show this help
message and exit", its errors) come through its gettext calls: `argparse_in` answers them
from ARGPARSE_WORDS while the parser is built and used.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from handlers.i18n import LANGS, has, t

ARGPARSE_WORDS: dict[str, dict[str, str]] = {
    "nb": {
        "usage: ": "bruk: ",
        "options": "valg",
        "positional arguments": "argumenter",
        "show this help message and exit": "vis denne hjelpen og avslutt",
        "%(prog)s: error: %(message)s\n": "%(prog)s: feil: %(message)s\n",
        "the following arguments are required: %s": "dette mangler: %s",
        "unrecognized arguments: %s": "ukjente argumenter: %s",
        "invalid choice: %(value)r (choose from %(choices)s)": (
            "ugyldig valg: %(value)r (velg blant %(choices)s)"
        ),
        "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
        "expected one argument": "venter én verdi",
        "invalid %(type)s value: %(value)r": "ugyldig verdi: %(value)r",
        "ambiguous option: %(option)s could match %(matches)s": (
            "tvetydig valg: %(option)s kan bety %(matches)s"
        ),
    },
    "nn": {
        "usage: ": "bruk: ",
        "options": "val",
        "positional arguments": "argument",
        "show this help message and exit": "vis denne hjelpa og avslutt",
        "%(prog)s: error: %(message)s\n": "%(prog)s: feil: %(message)s\n",
        "the following arguments are required: %s": "dette manglar: %s",
        "unrecognized arguments: %s": "ukjende argument: %s",
        "invalid choice: %(value)r (choose from %(choices)s)": (
            "ugyldig val: %(value)r (vel mellom %(choices)s)"
        ),
        "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
        "expected one argument": "ventar éin verdi",
        "invalid %(type)s value: %(value)r": "ugyldig verdi: %(value)r",
        "ambiguous option: %(option)s could match %(matches)s": (
            "tvetydig val: %(option)s kan tyde %(matches)s"
        ),
    },
    "en": {},
}


def cli_language(environ: dict[str, str] | None = None) -> str:
    """MELDEFRA_LANG when set to nb, nn or en; else the org file's operator language (when
    it can be read); else bokmål."""
    env = os.environ if environ is None else environ
    chosen = (env.get("MELDEFRA_LANG") or "").strip().lower()
    if chosen in LANGS:
        return chosen
    from handlers.org import OrgError, load_org

    path = Path(env.get("MELDEFRA_ORG") or "org.yml")
    try:
        return load_org(path).operator_language if path.is_file() else "nb"
    except (OrgError, OSError, ValueError):
        return "nb"


@contextmanager
def argparse_in(lang: str) -> Iterator[None]:
    """argparse's own words in `lang` while the block runs (its gettext calls look `_` up
    in its module at each call)."""
    words = ARGPARSE_WORDS.get(lang, {})
    before: Callable[[str], str] = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda text: words.get(text, text)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = before  # type: ignore[attr-defined]


def localize(parser: argparse.ArgumentParser, lang: str, path: str = "") -> None:
    """Every help text of `parser` and its subcommands in `lang`, where the catalog has it."""

    def word(key: str, default: str | None) -> str | None:
        return t(lang, key) if has(key) else default

    if not path:
        parser.description = word("cli.help.description", parser.description)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for listed in action._choices_actions:
                key = f"cli.help.{path}{listed.dest}"
                listed.help = word(key, listed.help)
            for name, sub in action.choices.items():
                sub.description = word(f"cli.help.{path}{name}", sub.description)
                localize(sub, lang, f"{path}{name}.")
        elif action.dest != "help" and action.help not in (None, argparse.SUPPRESS):
            action.help = word(f"cli.help.{path}{action.dest}", action.help)

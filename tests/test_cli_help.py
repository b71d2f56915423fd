"""Issue 21 #6: `meldefra --help` in the operator's language (MELDEFRA_LANG), argparse's own
words included ("usage:", "options:", "show this help message and exit", its errors)."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import main
from bot.cli_help import cli_language


def helped(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out = capsys.readouterr()
    assert done.value.code in (0, 2)
    return " ".join((out.out + out.err).split())  # argparse wraps lines at the terminal width


def test_help_in_bokmal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MELDEFRA_LANG", "nb")
    shown = helped(capsys, "--help")
    assert shown.startswith("bruk: meldefra")
    assert "valg:" in shown and "vis denne hjelpen og avslutt" in shown
    assert "kjør boten (en lokal konsoll når ingen chat er satt opp)" in shown
    assert "Melde fra: aktivitetsplikten" in shown
    for english in ("usage:", "options:", "show this help message", "run the bot"):
        assert english not in shown
    export = helped(capsys, "export", "--help")
    assert "saken, f.eks. MF-0001" in export and "skriv over en fil som finnes" in export
    wrong = helped(capsys, "exprt")
    assert "meldefra: feil:" in wrong and "ugyldig valg: 'exprt'" in wrong


def test_help_in_nynorsk_and_english(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MELDEFRA_LANG", "nn")
    shown = helped(capsys, "digest", "--help")
    assert "val:" in shown and "skriv ut oversikta for perioden som sluttar no" in shown
    monkeypatch.setenv("MELDEFRA_LANG", "en")
    shown = helped(capsys, "--help")
    assert "usage: meldefra" in shown and "run the bot" in shown


def test_argparse_is_left_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """The words are swapped only while the CLI builds and reads its arguments."""
    monkeypatch.setenv("MELDEFRA_LANG", "nb")
    before = argparse._  # type: ignore[attr-defined]
    with pytest.raises(SystemExit):
        main(["--help"])
    assert argparse._ is before  # type: ignore[attr-defined]
    assert argparse.ArgumentParser().format_usage().startswith("usage:")


def test_the_language_comes_from_the_environment_else_the_org(tmp_path: object) -> None:
    assert cli_language({"MELDEFRA_LANG": "nn"}) == "nn"
    assert cli_language({"MELDEFRA_LANG": "xx", "MELDEFRA_ORG": "/nonexistent.yml"}) == "nb"


def test_every_help_text_has_its_words_in_every_language() -> None:
    """Each command's and option's help is in the catalog (nb, nn, en): a new option shows
    English until it is added there, and this test says which."""
    from bot.cli import build_parser
    from handlers.i18n import LANGS, catalogs

    def keys(parser: argparse.ArgumentParser, path: str = "") -> list[str]:
        out = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                out += [f"cli.help.{path}{listed.dest}" for listed in action._choices_actions]
                for name, sub in action.choices.items():
                    out += keys(sub, f"{path}{name}.")
            elif action.dest != "help" and action.help:
                out.append(f"cli.help.{path}{action.dest}")
        return out

    wanted = keys(build_parser())
    for lang in LANGS:
        assert [k for k in wanted if k not in catalogs()[lang]] == [], lang

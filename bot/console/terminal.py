"""The console's platform: a keyboard and a screen. What Slack's WebClient is to the Slack edge:
lines out, one answer in, numbered menus, yes or no, and the words that leave a form or a menu
(in every catalog language, so a person may type them in any)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from handlers.i18n import LANGS, t

HANDLED = -1  # `typed` answered the person itself (help): ask again


class Quit(Exception):
    """Leave the console."""


class Back(Exception):
    """Leave the form or menu without doing anything (what was typed is kept as a draft or
    thrown away, as the person chose)."""


class StepBack(Back):
    """«tilbake» typed in a form: the previous question (elsewhere, like any Back)."""


class Interrupted(Exception):
    """Ctrl-C (KeyboardInterrupt) or Ctrl-D (end of input) at a prompt."""


def _words(key: str) -> frozenset[str]:
    """A word set from every catalog: a person may type it in any of the languages."""
    return frozenset(w.strip().lower() for lang in LANGS for w in t(lang, key).split(","))


class Terminal:
    def __init__(self, read: Callable[[str], str] = input, out: TextIO | None = None) -> None:
        self.read = read
        self.out = out or sys.stdout
        self.lang = "nb"
        self.cancel_words = _words("console.words.cancel")
        self.back_words = _words("console.words.back")
        self.quit_words = _words("console.words.quit")

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def lines(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.say(line)

    def tr(self, key: str, **args: object) -> str:
        return t(self.lang, key, **args)

    def ask(self, prompt: str) -> str:
        """One line from the person. Ctrl-C and Ctrl-D raise Interrupted; the cancel words
        («avbryt») raise Back, the back words («tilbake») StepBack."""
        try:
            answer = self.read(f"{prompt}: ").strip()
        except (EOFError, KeyboardInterrupt) as exc:
            self.say()
            raise Interrupted from exc
        if answer.lower() in self.back_words:
            raise StepBack
        if answer.lower() in self.cancel_words:
            raise Back
        return answer

    def pick(
        self,
        title: str,
        options: Sequence[str],
        numbers: Sequence[int] | None = None,
        typed: Callable[[str], int | None] | None = None,
        *,
        in_form: bool = False,
    ) -> int | None:
        """A numbered menu; returns the index into `options`, or None to go back (Enter or
        a cancel word). `numbers` keeps fixed numbers when only some options are offered;
        `typed` may read a word instead of a number (the main menu's «mine», «saker»), or
        answer itself and return HANDLED. `in_form`: «tilbake» is the previous question
        (StepBack), not this menu's way back."""
        shown = list(numbers) if numbers is not None else list(range(1, len(options) + 1))
        self.say(title)
        for no, label in zip(shown, options, strict=True):
            self.say(f"  {no}) {label}")
        while True:
            try:
                answer = self.ask(self.tr("console.choose"))
            except StepBack:
                if in_form:
                    raise
                return None
            except Back:
                return None
            if not answer:
                return None
            if answer.isdigit() and int(answer) in shown:
                return shown.index(int(answer))
            index = typed(answer) if typed else None
            if index == HANDLED:
                continue
            if index is not None:
                return index
            self.say(self.tr("console.invalid_choice", first=shown[0], last=shown[-1]))

    def yes_no(self, question: str) -> bool:
        while True:
            mark = "" if question.endswith("?") else "?"
            answer = self.ask(f"{question}{mark} ({self.tr('console.yes_no')})").lower()
            if answer in ("", "n", "nei", "no"):
                return False
            if answer in ("j", "ja", "y", "yes"):
                return True
            self.say(self.tr("console.yes_no.again"))


def named(typed: str, options: Sequence[tuple[str, str]]) -> int | None:
    """The choice a person named instead of numbering it: its label («mobbing», any case),
    its value, or the start of one label only («digital»)."""
    word = " ".join(typed.lower().split())
    if not word or word.isdigit():
        return None
    for i, (value, label) in enumerate(options):
        if word in (label.lower(), value.lower()):
            return i
    starting = [i for i, (_, label) in enumerate(options) if label.lower().startswith(word)]
    return starting[0] if len(starting) == 1 else None

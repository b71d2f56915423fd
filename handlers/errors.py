"""Errors a handler returns to the person, as catalog keys (rendered in their language)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.i18n import t


@dataclass(frozen=True)
class Problem:
    key: str
    args: dict[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        # An argument may itself be words with a text(lang), like a Problem: shown in the
        # reader's language ("for example «om to uker»"), not the writer's.
        args = {k: in_language(lang, v) for k, v in self.args.items()}
        return t(lang, self.key, **args)


def in_language(lang: str, value: object) -> object:
    """A value that is words of its own (has `text(lang)`) in the reader's language."""
    text = getattr(value, "text", None)
    return text(lang) if callable(text) else value


class FieldErrors(Exception):
    """The form has mistakes; each field names its problem. Nothing was stored."""

    def __init__(self, errors: dict[str, Problem]) -> None:
        super().__init__(", ".join(f"{k}: {v.key}" for k, v in errors.items()))
        self.errors = errors

    def render(self, lang: str) -> dict[str, str]:
        return {name: problem.text(lang) for name, problem in self.errors.items()}


class Refused(Exception):
    """The person may not do this. The attempt is on the trail when the case exists."""

    def __init__(self, key: str, **args: object) -> None:
        super().__init__(key)
        self.problem = Problem(key, dict(args))

    def text(self, lang: str) -> str:
        return self.problem.text(lang)


@dataclass(frozen=True)
class Refusal:
    """An action not done, as a value: the person refused (`problem`, a catalog key), or the
    form's fields wrong (`fields`). `logged`: the attempt goes on the case's trail.
    `review.act` raises it as `Refused` or `FieldErrors` once its transaction is committed."""

    problem: Problem | None = None
    fields: Mapping[str, Problem] = field(default_factory=dict)
    logged: bool = False

    @classmethod
    def of(cls, key: str, *, logged: bool = False, **args: object) -> Refusal:
        return cls(Problem(key, dict(args)), logged=logged)

    @classmethod
    def on_fields(cls, errors: Mapping[str, Problem]) -> Refusal:
        return cls(fields=dict(errors))

    def error(self, ref: str | None = None) -> Refused | FieldErrors:
        if self.problem is None:
            return FieldErrors(dict(self.fields))
        args = {"ref": ref, **self.problem.args} if ref else dict(self.problem.args)
        return Refused(self.problem.key, **args)

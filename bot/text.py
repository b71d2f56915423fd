"""Notices as plain text, in the recipient's language (the console; fallbacks for chat)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from handlers import notices
from handlers.i18n import t

Data = Mapping[str, Any]


def roles_text(lang: str, roles: list[str]) -> str:
    return ", ".join(t(lang, f"role.{r}") for r in roles)


def categories_text(lang: str, categories: list[str]) -> str:
    return ", ".join(t(lang, f"category.{c}") for c in categories)


def case_lines(lang: str, data: Data) -> list[str]:
    """The facts a notice may carry: never pupil names or free text."""
    lines = []
    if data.get("urgent"):
        lines.append(t(lang, "notice.new_case.urgent"))
    if data.get("section") == "12-5":
        lines.append(t(lang, "notice.new_case.section_12_5"))
    if data.get("unit"):
        lines.append(t(lang, "notice.unit", unit=data["unit"]))
    if data.get("categories"):
        lines.append(
            t(lang, "notice.categories", categories=categories_text(lang, data["categories"]))
        )
    return lines


def _receipt(lang: str, d: Data) -> list[str]:
    return [
        t(lang, "notice.receipt.title", ref=d["ref"]),
        t(lang, "notice.receipt.routed", roles=roles_text(lang, d["roles"])),
        t(lang, "notice.receipt.next"),
        t(lang, "notice.receipt.rights"),
    ]


def _new_case(lang: str, d: Data) -> list[str]:
    lines = [
        t(lang, "notice.new_case.title", ref=d["ref"], school=d["school_name"]),
        t(
            lang,
            "notice.new_case.role",
            role=t(lang, f"role.{d['role']}"),
            reason=t(lang, d["reason"], unit=d.get("unit") or ""),
        ),
        *case_lines(lang, d),
    ]
    if d.get("prompt_owner"):
        lines.append(t(lang, "notice.new_case.prompt_owner"))
    lines.append(t(lang, "notice.new_case.open_hint"))
    return lines


def _forwarded(lang: str, d: Data) -> list[str]:
    return [
        t(lang, "notice.forwarded.title", ref=d["ref"]),
        *case_lines(lang, d),
        t(lang, "notice.new_case.open_hint"),
    ]


RENDERERS: dict[str, Callable[[str, Data], list[str]]] = {
    notices.RECEIPT: _receipt,
    notices.NEW_CASE: _new_case,
    notices.ACKNOWLEDGED: lambda lang, d: [t(lang, "notice.acknowledged.title", ref=d["ref"])],
    notices.FORWARDED: _forwarded,
    notices.ESCALATED: lambda lang, d: [
        t(lang, "notice.escalated.title", ref=d["ref"]),
        *case_lines(lang, d),
    ],
}


def render(kind: str, lang: str, data: Data) -> str:
    return "\n".join(RENDERERS[kind](lang, data))


def access_line(lang: str, what: str) -> str:
    """One innsynslogg entry in words: "åpnet saken", "eksporterte saksdokumentasjon (pdf)"."""
    kind, _, rest = what.partition(":")
    if kind == "export":
        document, _, fmt = rest.partition(":")
        return t(lang, "log.export", document=t(lang, f"log.document.{document}"), format=fmt)
    if kind == "refused":
        return t(lang, "log.refused", action=rest)
    return t(lang, f"log.{kind}") if kind in ("details", "plan") else what

"""Counts in sentences, with the noun in the right number: "1 skole", "2 skoler"."""

from __future__ import annotations

from handlers.i18n import t
from handlers.org import Org


def counted(lang: str, noun: str, count: int) -> str:
    """ "1 skole", "2 skoler" (catalog keys count.<noun>.one and count.<noun>.many)."""
    return t(lang, f"count.{noun}.{'one' if count == 1 else 'many'}", count=count)


def org_counts(lang: str, org: Org) -> str:
    """ "1 skole, 12 personer": what an org file holds."""
    schools = counted(lang, "school", len(org.schools))
    return t(lang, "count.and", first=schools, second=counted(lang, "person", len(org.people())))

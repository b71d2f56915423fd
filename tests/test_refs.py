"""Case numbers as people type them (issue 21: "MF-3" was not found, it had to be "MF-0003")."""

from __future__ import annotations

import pytest

from handlers import review
from handlers.refs import canonical_ref
from handlers.services import Services

from .planning import LEADER, filed


@pytest.mark.parametrize(
    ("typed", "ref"),
    [
        ("MF-0003", "MF-0003"),
        ("MF-3", "MF-0003"),
        ("mf-3", "MF-0003"),
        ("mf 3", "MF-0003"),
        ("MF3", "MF-0003"),
        (" MF–12 ", "MF-0012"),
        ("3", "MF-0003"),
        ("MF-12345", "MF-12345"),
        ("sak tre", "SAK TRE"),
    ],
)
def test_typed_case_numbers(typed: str, ref: str) -> None:
    assert canonical_ref(typed) == ref


def test_a_case_opens_by_its_short_number(services: Services) -> None:
    ref = filed(services)
    assert ref == "MF-0001"
    assert review.open_case(services, "mf-1", LEADER).ref == ref

"""A report with "when" as teachers say it: filed in one pass, understood, and in the case file."""

from __future__ import annotations

from handlers import export
from handlers.services import Services

from .planning import TEACHER
from .test_case_file import html_text
from .test_console import run, who


def test_a_console_report_with_i_dag_i_friminuttet_is_filed_in_one_pass(
    services: Services,
) -> None:
    shown = run(
        services,
        [
            who(services, TEACHER),
            "1",  # melde fra
            "A.B.",
            "Dyttet i gangen",
            "i dag i friminuttet",  # when
            "",
            "",
            "",
            "",
            "n",
            "7",
        ],
    )
    assert "Meldingen er lagret som sak MF-0001." in shown
    assert ", i friminuttet" in shown  # shown back as understood, with the day
    assert "Må fylles ut" not in shown and "forstår ikke" not in shown.lower()


def test_the_case_file_says_what_was_typed_and_the_moment_understood(
    services: Services,
) -> None:
    run(
        services,
        [who(services, TEACHER), "1", "A.B.", "Dyttet", "i går på bussen"]
        + ["", "", "", "", "n", "7"],
    )
    rektor = services.org.schools[0].principal
    page = export.export_case(services, "MF-0001", rektor, fmt="html")
    text = " ".join(html_text(page.content).split())
    assert "i går på bussen (forstått som" in text
    assert ", på bussen)" in text

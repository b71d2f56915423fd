"""`meldefra remind` and `meldefra digest`, and the console's "Kjør påminnelser nå"."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import Console
from handlers.clock import FixedClock
from handlers.org import load_org
from handlers.services import Services
from store.db import make_engine, session_factory, upgrade

from .conftest import SAMPLE_ORG
from .followup_helpers import LEADER, PUPILS, REKTOR, WHAT, counts, oslo, report


@pytest.fixture
def on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Services, FixedClock]:
    """A SQLite file the CLI opens through DATABASE_URL, with one report filed on Tuesday."""
    url = f"sqlite:///{tmp_path / 'meldefra.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MELDEFRA_ORG", str(SAMPLE_ORG))
    engine = make_engine(url)
    upgrade(engine)
    clock = FixedClock(oslo(2026, 11, 24, 9))
    services = Services(org=load_org(SAMPLE_ORG), sessions=session_factory(engine), clock=clock)
    report(services, clock, oslo(2026, 11, 24, 9))
    return services, clock


def test_remind_dry_run_prints_what_would_be_sent_and_sends_nothing(
    on_disk: tuple[Services, FixedClock], capsys: pytest.CaptureFixture[str]
) -> None:
    services, _ = on_disk
    before = counts(services)
    assert main(["remind", "--at", "2026-11-26 08:00", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert counts(services) == before
    assert "nordby: prøvekjøring for torsdag 26. november, ingenting sendes." in out
    assert f"til {LEADER}" in out and f"til {REKTOR}" in out
    assert "Sak MF-0001 – 8. trinn – mobbing: ESKALERT" in out
    assert "fjellvik: ingenting å sende for torsdag 26. november." in out
    assert PUPILS not in out and WHAT not in out


def test_remind_queues_once_and_says_so(
    on_disk: tuple[Services, FixedClock], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["remind", "--school", "nordby", "--at", "2026-11-25 10:15"]) == 0
    assert main(["remind", "--school", "nordby", "--at", "2026-11-25 10:15"]) == 0
    assert main(["remind", "--school", "nordby", "--at", "2026-11-28 08:00"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "nordby: påminnelser for onsdag 25. november lagt i kø for sending: 1.",
        "nordby: runden for onsdag 25. november er allerede kjørt.",
        "nordby: ikke en skoledag. Neste runde: mandag 30. november kl. 08.00.",
    ]


def test_digest_command(
    on_disk: tuple[Services, FixedClock], capsys: pytest.CaptureFixture[str]
) -> None:
    services, _ = on_disk
    before = counts(services)
    assert main(["digest", "--school", "nordby", "--at", "2026-11-30 09:00", "--dry-run"]) == 0
    assert counts(services) == before
    dry = capsys.readouterr().out
    # The latest digest time before Monday 30 November is Monday 23 November (every 2 weeks).
    # Not a digest day: the period that ends now (issue 21 #11), dated in words (#6).
    assert "nordby: prøvekjøring for mandag 30. november" in dry and "R-team-oversikt" in dry
    assert main(["digest", "--at", "2026-11-27 12:30"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "nordby: R-team-oversikten for mandag 23. november er lagt i kø for sending: 3.",
        "fjellvik: R-team-oversikten for fredag 27. november er lagt i kø for sending: 2.",
    ]


def test_mistakes_exit_2_with_a_clear_message(
    on_disk: tuple[Services, FixedClock], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["remind", "--school", "sørby"]) == 2
    assert "Ukjent skole: sørby." in capsys.readouterr().err
    assert main(["digest", "--at", "i morgen"]) == 2
    assert "--at må skrives som «ÅÅÅÅ-MM-DD TT:MM»" in capsys.readouterr().err


def test_console_runs_reminders_and_the_leader_sees_them(
    services: Services, clock: FixedClock
) -> None:
    report(services, clock, oslo(2026, 11, 25, 10, 30))
    clock.set(oslo(2026, 11, 26, 8, 5))
    people = services.org.people()
    answers = iter([str(people.index(LEADER) + 1), "8", "2", "7"])
    out = io.StringIO()
    Console(services, read=lambda prompt: next(answers), out=out).run()
    shown = out.getvalue()
    assert "8) Kjør påminnelser nå" in shown
    assert "nordby: påminnelser for torsdag 26. november lagt i kø for sending: 1." in shown
    assert "God morgen! Dette venter på deg ved Nordby skole torsdag 26. november:" in shown
    assert "• Sak MF-0001 – 8. trinn – mobbing: ikke bekreftet mottatt" in shown

"""The `meldefra` command and the local console, as a person at a terminal uses them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from bot.cli import main
from bot.console import Console
from handlers.services import Services
from store.db import make_engine

from .conftest import SAMPLE_ORG
from .test_org import ISSUE_EXAMPLE


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_org_check_prints_every_route(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "org.yml"
    path.write_text(ISSUE_EXAMPLE)
    assert main(["org", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "laerer1@nordby.example melder fra til:" in out
    assert "→ trinn8@nordby.example (nærmeste leder: nærmeste leder for 8. trinn)" in out
    assert "→ rektor@nordby.example (rektor: rektor skal alltid informeres)" in out


def test_malformed_org_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "org.yml"
    path.write_text(ISSUE_EXAMPLE.replace("language: nb ", "language: sv "))
    result = run_cli("org", "check", str(path), cwd=Path(__file__).parents[1])
    assert result.returncode == 2
    assert f"{path}:8:" in result.stderr and "språket «sv» finnes ikke" in result.stderr
    # serve refuses to start with it too
    result = run_cli("serve", cwd=tmp_path, env={"MELDEFRA_ORG": str(path)})
    assert result.returncode == 2 and ":8:" in result.stderr


def test_verify_detects_a_byte_changed_in_an_event_row(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    env = {"DATABASE_URL": f"sqlite:///{db}", "MELDEFRA_ORG": str(SAMPLE_ORG)}
    answers = "2\n1\nA.B.\nSlo\n\n\n\n\n\nn\n7\n"
    filed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        input=answers,
        env={**os.environ, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "MF-0001" in filed.stdout, filed.stdout + filed.stderr
    ok = run_cli("verify", cwd=tmp_path, env=env)
    assert ok.returncode == 0 and "Alle kjeder er hele: 1 saker" in ok.stdout
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER events_no_update"))
        conn.execute(text("UPDATE events SET actor = 'laerer1@nordby.exampl3' WHERE seq = 1"))
    engine.dispose()
    broken = run_cli("verify", cwd=tmp_path, env=env)
    assert broken.returncode == 1
    assert "MF-0001 event #1" in broken.stdout and "content changed" in broken.stdout


def test_console_flow_end_to_end(services: Services) -> None:
    people = services.org.people()

    def who(email: str) -> str:
        return str(people.index(email) + 1)

    answers = iter(
        [
            who("laerer1@nordby.example"),
            "1",  # melde fra
            "",  # pupils left empty: said at once, and asked again
            "K.L.",
            "Dyttet i gangen",
            "i morgen",  # in the future: said at once, and asked again
            "i går kl 14",
            "",
            "2",
            "",
            "",
            "n",
            "6",  # switch person
            who("trinn8@nordby.example"),
            "2",  # inbox
            "4",
            "MF-0001",
            "1",  # open, acknowledge
            "",  # the case stays open until Enter
            "6",
            who("laerer1@nordby.example"),
            "2",  # the reporter sees the acknowledgement
            "5",  # and the status
            "7",
        ]
    )
    out = io.StringIO()
    Console(services, read=lambda prompt: next(answers), out=out).run()
    shown = out.getvalue()
    assert "Må fylles ut." in shown and "er fram i tid" in shown
    assert "Meldingen er lagret som sak MF-0001." in shown
    assert "Forstått: tirsdag 24. november kl. 14.00" in shown  # under the field
    assert "Forstått som tirsdag 24. november kl. 14.00" in shown  # with the receipt
    assert "Ny melding: sak MF-0001 (Nordby skole)" in shown
    assert "Dyttet i gangen" in shown  # the leader opened the case
    assert "Sak MF-0001 er bekreftet mottatt av trinn8@nordby.example." in shown
    assert "Meldingen din (sak MF-0001) er bekreftet mottatt." in shown
    assert "MF-0001  25.11.2026  mottatt" in shown  # «mine»: the day it was reported

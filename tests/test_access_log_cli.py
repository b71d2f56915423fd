"""Issue 19 #13: `meldefra case access-log` reads every innsynslogg entry, also the one a leader
leaves by opening the Eksporter dialog without exporting (a `viewed` entry with what=export and
no document), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.core import forms
from handlers.services import Services
from store.models import Event
from tests.test_cli_hygiene import Cli, cli, env  # noqa: F401 - fixtures

from .planning import LEADER


def test_the_access_log_reads_an_opened_export_dialog(
    cli: Cli,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    services: Services,
) -> None:
    opened = forms.open_form(services, "export", LEADER, ref="MF-0001")
    assert opened.form.name == "export"
    with services.uow() as s:
        viewed = s.scalars(select(Event.data).where(Event.type == "viewed"))
        whats = [json.loads(data).get("what") for data in viewed]
    assert "export" in whats  # the dialog's reading is on the trail, with no document named

    log = cli("case", "access-log", "MF-0001", env=env)
    assert log.returncode == 0, log.stderr
    assert "Traceback" not in log.stderr and "KeyError" not in log.stderr
    lines = [ln for ln in log.stdout.splitlines() if LEADER in ln]
    assert any(ln.endswith(f"{LEADER}  åpnet eksportvalget") for ln in lines), lines
    assert not any("log.document" in ln for ln in log.stdout.splitlines())

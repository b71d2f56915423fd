"""`meldefra export`, `case access-log`, `archive` and `keys`, and the plan in the console."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.cli import main
from bot.console import Console
from handlers.clock import FixedClock
from handlers.org import load_org
from handlers.services import Services
from store.crypto import Keyring
from store.db import make_engine, session_factory, upgrade

from .conftest import NOW, SAMPLE_ORG
from .planning import LEADER, close_by_evaluation, filed, planned


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: bytes
    stderr: bytes


Cli = Callable[..., Ran]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> Cli:
    """`meldefra ARGS` in this process (a subprocess costs seconds of imports), with `env`."""

    def run(*args: str, env: dict[str, str]) -> Ran:
        for name in ("DATABASE_URL", "MELDEFRA_ORG", "MELDEFRA_ENCRYPTION_KEY"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code = main(list(args))
        captured = capsysbinary.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


def prepared(tmp_path: Path, keys: str | None = None) -> tuple[dict[str, str], Services]:
    """A SQLite database with a closed case MF-0001 that has a plan, made by the handlers."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    upgrade(engine)
    keyring = Keyring.parse(keys) if keys else None
    clock = FixedClock(NOW)
    services = Services(load_org(SAMPLE_ORG), session_factory(engine, keyring=keyring), clock)
    ref = planned(services)
    clock.advance(days=14)
    close_by_evaluation(services, ref)
    env = {"DATABASE_URL": url, "MELDEFRA_ORG": str(SAMPLE_ORG)}
    if keys:
        env["MELDEFRA_ENCRYPTION_KEY"] = keys
    return env, services


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_export_access_log_and_archive_from_the_command_line(tmp_path: Path, cli: Cli) -> None:
    env, _ = prepared(tmp_path)
    out = tmp_path / "arkiv"
    done = cli("export", "MF-0001", "--format", "pdf", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr.decode()
    pdf = out / "saksdokumentasjon-MF-0001.pdf"
    meta = out / "saksdokumentasjon-MF-0001.pdf.metadata.json"
    assert "Hendelseskjeden er kontrollert og hel" in text_of(pdf.read_bytes())
    assert '"chain_ok": true' in meta.read_text() and pdf.name in done.stdout.decode()

    family = cli(
        "export",
        "MF-0001",
        "--anonymize-others",
        "Ola Nordmann",
        "--out",
        "-",
        env=env,
    )
    assert family.returncode == 0, family.stderr.decode()
    plan_text = text_of(family.stdout)
    assert "Aktivitetsplan" in plan_text and "Ola Nordmann" in plan_text
    assert "Kari" not in plan_text
    html = cli("export", "MF-0001", "--format", "html", "--out", "-", "--lang", "nn", env=env)
    assert "Saksdokumentasjon" in html.stdout.decode() and "Hendingskjeda" in html.stdout.decode()
    denied = cli("export", "MF-0001", "--as", "laerer1@nordby.example", env=env)
    assert denied.returncode == 1 and "ikke tilgang" in denied.stderr.decode()

    log = cli("case", "access-log", "MF-0001", env=env)
    lines = log.stdout.decode().splitlines()
    assert lines[0] == "Innsynslogg for sak MF-0001: hvem har sett saken, og når"
    assert any("operator:" in ln and "eksporterte saksdokumentasjonen (pdf)" in ln for ln in lines)
    assert any("laerer1@nordby.example  ble avvist (eksportere saken)" in ln for ln in lines)

    # The file handed to the archive must be the current export; html was exported after it,
    # which is fine: exports change nothing in the case.
    archived = cli("archive", "MF-0001", "--file", str(pdf), env=env)
    assert archived.returncode == 0, archived.stderr.decode()
    assert "Sak MF-0001 er arkivert" in archived.stdout.decode()
    verify = cli("verify", env=env)
    assert verify.returncode == 0 and "Alle kjeder er hele" in verify.stdout.decode()
    removed = cli("export", "MF-0001", "--format", "html", "--out", "-", env=env)
    assert "[fjernet fra Meldefra ved arkivering]" in removed.stdout.decode()
    assert "Kari" not in removed.stdout.decode()


def test_archive_refuses_an_open_case_and_unknown_refs(tmp_path: Path, cli: Cli) -> None:
    env, services = prepared(tmp_path)
    ref = filed(services)
    open_case = cli("archive", ref, env=env)
    assert open_case.returncode == 1 and "ikke avsluttet" in open_case.stderr.decode()
    unknown = cli("case", "access-log", "MF-9999", env=env)
    assert unknown.returncode == 1 and "Fant ingen sak MF-9999" in unknown.stderr.decode()


def test_keys_new_and_rotate(tmp_path: Path, cli: Cli) -> None:
    first = cli("keys", "new", env={}).stdout.decode().strip()
    env, _ = prepared(tmp_path, keys=first)
    second = cli("keys", "new", env={}).stdout.decode().strip()
    rotated = cli("keys", "rotate", env={**env, "MELDEFRA_ENCRYPTION_KEY": f"{second},{first}"})
    assert rotated.returncode == 0 and "kryptert på nytt" in rotated.stdout.decode()
    only_new = {**env, "MELDEFRA_ENCRYPTION_KEY": second}
    assert cli("verify", env=only_new).returncode == 0
    exported = cli("export", "MF-0001", "--format", "html", "--out", "-", env=only_new)
    assert "Jeg gruer meg til storefri" in exported.stdout.decode()
    wrong = cli("export", "MF-0001", env={**env, "MELDEFRA_ENCRYPTION_KEY": "nope"})
    assert wrong.returncode == 2 and "meldefra keys new" in wrong.stderr.decode()


def test_console_makes_and_exports_a_plan(services: Services, tmp_path: Path) -> None:
    ref = filed(services, pupils="Ola Nordmann, Kari Hansen")
    people = services.org.people()
    answers = iter(
        [
            str(people.index(LEADER) + 1),
            "4",
            ref,
            "6",  # lag aktivitetsplan
            "2",  # one plan per pupil: Kari's
            "Ola holdes utenfor i storefri",
            "«Ingen vil være med meg»",
            "Samtale 24.11",
            "",
            "",  # others heard
            "",  # barnets beste
            "Voksen til stede i storefri",
            "laerer1@nordby.example",
            "i går",  # a date gone by: said at once, and asked again
            "fredag 4. desember",
            "",
            "om to uker",
            "8",  # eksporter: the case is still open
            "1",
            "1",
            "2",  # Kari's own plan: the copy for Kari's family
            "",
            "7",
        ]
    )
    out = io.StringIO()
    Console(services, read=lambda prompt: next(answers), out=out, export_dir=tmp_path).run()
    shown = out.getvalue()
    assert "Datoen «i går» har allerede vært." in shown
    assert f"Aktivitetsplan laget i sak {ref} med 1 tiltak." in shown
    assert "forstått som onsdag 9. desember" in shown
    pdf = tmp_path / f"aktivitetsplan-{ref}.pdf"
    text = text_of(pdf.read_bytes())
    assert "Kari Hansen" in text and "Ola" not in text and "elev 2 holdes utenfor" in text
    # The leader's review of the copy, printed beside the file.
    assert "Les gjennom før kopien gis ut" in shown
    assert "elev 2: Ola Nordmann (skrevet som Ola Nordmann, Ola; antall: " in shown


def test_export_is_quiet_and_writes_one_metadata_file_per_file(
    tmp_path: Path, cli: Cli, caplog: pytest.LogCaptureFixture
) -> None:
    env, _ = prepared(tmp_path)
    caplog.set_level(logging.INFO)
    out = tmp_path / "ut"
    pdf = cli("export", "MF-0001", "--document", "plan", "--out", str(out), env=env)
    html = cli(
        "export", "MF-0001", "--document", "plan", "--format", "html", "--out", str(out), env=env
    )
    assert pdf.returncode == 0 and html.returncode == 0, pdf.stderr + html.stderr
    # One line each and the review of the family's copy; no metadata line, no fontTools lines.
    lines = pdf.stdout.decode().splitlines()
    assert lines[0].startswith("Skrev ") and pdf.stderr == b""
    assert lines[1:] == [
        "Les gjennom før kopien gis ut",
        "Ingen navn er erstattet.",
        "Ord med stor forbokstav som står igjen (kan være navn registeret ikke kjenner): Telefon",
        "Det som står om en erstattet person, står igjen. Les gjennom kopien før den gis ut.",
    ]
    assert not [r for r in caplog.records if r.name.startswith("fontTools")]
    first = json.loads((out / "aktivitetsplan-MF-0001.pdf.metadata.json").read_text())
    second = json.loads((out / "aktivitetsplan-MF-0001.html.metadata.json").read_text())
    assert (first["format"], second["format"]) == ("pdf", "html")
    assert first["sha256"] != second["sha256"]
    loud = cli("export", "MF-0001", "-v", "--out", str(out), env=env)
    assert "Metadata:" in loud.stdout.decode()


def test_innsyn_copy_from_the_command_line(tmp_path: Path, cli: Cli) -> None:
    env, _ = prepared(tmp_path)
    done = cli(
        "export",
        "MF-0001",
        "--document",
        "innsyn",
        "--anonymize-others",
        "Ola Nordmann",
        "--format",
        "html",
        "--out",
        "-",
        env=env,
    )
    assert done.returncode == 0, done.stderr.decode()
    page = done.stdout.decode()
    assert "Innsyn i saksdokumentasjon" in page and "Ola Nordmann" in page
    assert "Kari" not in page and "Hansen" not in page
    assert "Navn på andre elever og deres foresatte er erstattet: elev 2." in page
    # The review goes to the terminal (stderr: stdout is the file), never to the log.
    review = done.stderr.decode()
    assert "Les gjennom før kopien gis ut" in review
    assert "elev 2: Kari Hansen (skrevet som Kari, Kari Hansen; antall: 3)" in review
    assert "kan være navn registeret ikke kjenner): Telefon" in review

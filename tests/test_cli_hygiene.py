"""The CLI with a school's data: no silent overwrite, no traceback, files 0600, one spelling.

Run as `meldefra …` in this process (with the environment an operator sets), on SQLite and on
PostgreSQL; the database file and permission checks need SQLite's file.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from bot.cli import main
from handlers.services import Services
from store.models import Event
from tests.conftest import PG_URL, SAMPLE_ORG

from .planning import REKTOR, planned


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., Ran]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    before = os.umask(0o022)  # what a shell usually has
    os.umask(before)

    def run(*args: str, env: dict[str, str]) -> Ran:
        for name in ("DATABASE_URL", "MELDEFRA_ORG", "MELDEFRA_ENCRYPTION_KEY"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        os.umask(0o022)
        code = main(list(args))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield run
    os.umask(before)


def database_url(engine: Engine, tmp_path: Path) -> str:
    """The URL `meldefra` needs to reach the fixture's database (its own schema on PostgreSQL)."""
    if engine.dialect.name == "sqlite":
        return f"sqlite:///{engine.url.database}"
    with engine.connect() as conn:
        schema = conn.execute(text("show search_path")).scalar_one()
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def env(engine: Engine, services: Services, tmp_path: Path) -> dict[str, str]:
    planned(services)  # MF-0001
    return {"DATABASE_URL": database_url(engine, tmp_path), "MELDEFRA_ORG": str(SAMPLE_ORG)}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_export_never_overwrites_without_force(
    cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "saken.pdf"
    out.write_bytes(b"the archive's copy")
    ran = cli("export", "MF-0001", "--out", str(out), env=env)
    assert ran.returncode == 2
    assert ran.stderr.count("\n") == 1 and "finnes allerede" in ran.stderr
    assert "--force" in ran.stderr and str(out) in ran.stderr
    assert out.read_bytes() == b"the archive's copy"
    assert not (tmp_path / "saken.pdf.metadata.json").exists()
    # The metadata file alone is enough to refuse: the pair belongs together.
    meta_only = tmp_path / "ny.pdf.metadata.json"
    meta_only.write_text("{}")
    assert cli("export", "MF-0001", "--out", str(tmp_path / "ny.pdf"), env=env).returncode == 2
    # A folder: the file inside it counts.
    folder = tmp_path / "eksport"
    assert cli("export", "MF-0001", "--out", str(folder), env=env).returncode == 0
    again = cli("export", "MF-0001", "--out", str(folder), env=env)
    assert again.returncode == 2 and "finnes allerede" in again.stderr
    # --force overwrites, and the result is owner-only even where the old file was not.
    out.chmod(0o644)
    forced = cli("export", "MF-0001", "--out", str(out), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert mode(out) == 0o600 and mode(tmp_path / "saken.pdf.metadata.json") == 0o600


def test_exports_and_metadata_are_owner_only(
    cli: Cli, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ran = cli("export", "MF-0001", "--format", "json", env=env)
    assert ran.returncode == 0, ran.stderr
    written = sorted((tmp_path / "exports").iterdir())
    assert [p.name for p in written] == [
        "saksdokumentasjon-MF-0001.json",
        "saksdokumentasjon-MF-0001.json.metadata.json",
    ]
    assert all(mode(p) == 0o600 for p in written), [oct(mode(p)) for p in written]
    assert mode(tmp_path / "exports") & 0o077 == 0


def test_the_sqlite_database_is_owner_only(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "ny.db"
    env = {"DATABASE_URL": f"sqlite:///{db}", "MELDEFRA_ORG": str(SAMPLE_ORG)}
    assert cli("db", "upgrade", env=env).returncode == 0
    assert mode(db) == 0o600
    db.chmod(0o644)  # made by an older version
    assert cli("verify", env=env).returncode == 0
    assert mode(db) == 0o600


def test_archive_with_a_missing_file_is_one_clear_line(
    cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "finnes-ikke.pdf"
    ran = cli("archive", "MF-0001", "--file", str(missing), env=env)
    assert ran.returncode == 2
    assert ran.stderr == f"meldefra: Finner ikke filen {missing}.\n"
    folder = cli("archive", "MF-0001", "--file", str(tmp_path), env=env)
    assert folder.returncode == 2 and folder.stderr.count("\n") == 1
    assert str(tmp_path) in folder.stderr


def test_archive_missing_file_from_a_shell_has_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MELDEFRA_ORG": str(SAMPLE_ORG)}  # fmt: skip
    ran = subprocess.run(
        [sys.executable, "-m", "bot.cli", "archive", "MF-0001", "--file", "/nonexistent"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 2
    assert "Traceback" not in ran.stderr
    assert ran.stderr.strip().splitlines()[-1] == "meldefra: Finner ikke filen /nonexistent."


def test_as_is_logged_in_the_orgs_spelling(
    cli: Cli, env: dict[str, str], services: Services, tmp_path: Path
) -> None:
    shouted = "RektoR@Nordby.EXAMPLE"
    ran = cli(
        "export", "MF-0001", "--as", f" {shouted} ", "--out", str(tmp_path / "x.pdf"), env=env
    )
    assert ran.returncode == 0, ran.stderr
    log = cli("case", "access-log", "MF-0001", "--as", f"  {shouted} ", env=env)
    assert log.returncode == 0
    assert REKTOR in log.stdout and shouted not in log.stdout
    with services.uow() as s:
        actors = set(s.scalars(select(Event.actor).where(Event.type.in_(["exported", "viewed"]))))
    assert actors == {REKTOR}, actors  # the org's spelling, every time


def test_export_force_never_writes_through_a_symbolic_link(
    cli: Cli, env: dict[str, str], tmp_path: Path
) -> None:
    """Issue 19 finding 21: `export --force` followed a symlink at --out and wrote the case
    file wherever it pointed."""
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_bytes(b"not Meldefra's")
    out = tmp_path / "saken.pdf"
    out.symlink_to(elsewhere)
    ran = cli("export", "MF-0001", "--out", str(out), "--force", env=env)
    assert ran.returncode == 2
    assert "symbolsk lenke" in ran.stderr and str(out) in ran.stderr
    assert elsewhere.read_bytes() == b"not Meldefra's" and out.is_symlink()
    # The metadata file's place counts too, and a dangling link is still a link.
    meta = tmp_path / "ny.pdf.metadata.json"
    meta.symlink_to(tmp_path / "missing.json")
    ran = cli("export", "MF-0001", "--out", str(tmp_path / "ny.pdf"), "--force", env=env)
    assert ran.returncode == 2 and "symbolsk lenke" in ran.stderr
    assert not (tmp_path / "missing.json").exists() and not (tmp_path / "ny.pdf").exists()

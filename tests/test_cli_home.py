"""The CLI finds its database the same way from any folder, and never makes an empty one to
read from (issue 21: "Fant ingen sak MF-0001" and all-zero stats from a new empty file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings

from .conftest import SAMPLE_ORG


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("DATABASE_URL", "MELDEFRA_ORG", "MELDEFRA_HOME", "MELDEFRA_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_meldefra_home_names_the_database_and_the_org_file(tmp_path: Path) -> None:
    (tmp_path / "org.yml").write_text(SAMPLE_ORG.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings.from_env({"MELDEFRA_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'meldefra.db'}"
    assert settings.resolved_org_path() == (tmp_path / "org.yml", False)
    # DATABASE_URL and MELDEFRA_ORG still win.
    explicit = Settings.from_env(
        {"MELDEFRA_HOME": str(tmp_path), "DATABASE_URL": "sqlite:///x.db", "MELDEFRA_ORG": "o.yml"}
    )
    assert (explicit.database_url, explicit.org_path) == ("sqlite:///x.db", Path("o.yml"))


@pytest.mark.parametrize(
    "command",
    [["stats"], ["verify"], ["export", "MF-0001"], ["case", "access-log", "MF-0001"]],
)
def test_a_reading_command_in_the_wrong_folder_says_so_and_creates_nothing(
    command: list[str],
    tmp_path: Path,
    clean_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clean_env.chdir(elsewhere)
    clean_env.setenv("MELDEFRA_ORG", str(SAMPLE_ORG))
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "Fant ingen database" in err and "MELDEFRA_HOME" in err
    assert str(elsewhere / "meldefra.db") in err
    assert os.listdir(elsewhere) == []


def test_from_another_folder_meldefra_home_finds_the_same_database(
    tmp_path: Path, clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    clean_env.setenv("MELDEFRA_ORG", str(SAMPLE_ORG))
    clean_env.chdir(home)
    assert main(["db", "upgrade"]) == 0  # a command that makes the database may create it
    assert (home / "meldefra.db").exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clean_env.chdir(elsewhere)
    clean_env.setenv("MELDEFRA_HOME", str(home))
    capsys.readouterr()
    assert main(["verify"]) == 0
    assert os.listdir(elsewhere) == []


def test_the_slash_commands_usage_hint_names_saker() -> None:
    manifest = (Path(__file__).resolve().parents[1] / "manifest.yml").read_text(encoding="utf-8")
    assert 'usage_hint: "[hva skjedde] | mine | saker | hjelp"' in manifest

"""`meldefra teams package`: the zip Teams accepts, and Teams staying out of Slack-only starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from bot.teams.package import png_size
from tests.conftest import ROOT

APP_ID = "0b4c5a3e-1111-4d2e-9f00-7a1b2c3d4e5f"


def meldefra(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("CLIENT_ID", "TEAMS_BOT_DOMAIN")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_package_holds_the_manifest_and_icons_at_the_root(tmp_path: Path) -> None:
    out = tmp_path / "pkg" / "meldefra.zip"
    env = {"CLIENT_ID": APP_ID, "TEAMS_BOT_DOMAIN": "meldefra.kommune.example"}
    done = meldefra(["teams", "package", "--out", str(out), "--version", "1.2.3"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
        assert png_size(zf.read("color.png")) == (192, 192)
        assert png_size(zf.read("outline.png")) == (32, 32)

    assert manifest["manifestVersion"] == "1.19"
    assert manifest["$schema"].endswith("/v1.19/MicrosoftTeams.schema.json")
    assert manifest["id"] == APP_ID and manifest["version"] == "1.2.3"
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"personal", "team"}
    commands = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert commands[0] == "Meld fra" and "saker" in commands
    # Exports come as a file consent card in the personal chat: the schema's bots.supportsFiles
    # (a boolean, personal scope); command titles ≤ 32, descriptions ≤ 128, at most 10.
    assert bot["supportsFiles"] is True
    listed = bot["commandLists"][0]["commands"]
    assert len(listed) <= 10
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in listed)
    [extension] = manifest["composeExtensions"]
    action, case = extension["commands"]
    assert case["id"] == "sak" and case["fetchTask"] is True
    assert set(case["context"]) <= {"compose", "commandBox", "message"}
    assert extension["botId"] == APP_ID
    assert action["type"] == "action" and action["fetchTask"] is True
    assert set(action["context"]) == {"compose", "message"}
    assert manifest["validDomains"] == ["meldefra.kommune.example"]
    assert manifest["webApplicationInfo"] == {
        "id": APP_ID,
        "resource": f"api://meldefra.kommune.example/botid-{APP_ID}",
    }
    assert manifest["developer"]["name"] == "Eksempel kommune"  # skoleeier from org.yml
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_package_refuses_missing_or_wrong_settings(tmp_path: Path) -> None:
    missing = meldefra(["teams", "package", "--out", str(tmp_path / "x.zip")], {}, tmp_path)
    assert missing.returncode == 2 and "CLIENT_ID" in missing.stderr
    bad = meldefra(
        ["teams", "package", "--domain", "https://x.example/api"], {"CLIENT_ID": APP_ID}, tmp_path
    )
    assert bad.returncode == 2 and "TEAMS_BOT_DOMAIN" in bad.stderr
    assert not (tmp_path / "x.zip").exists()


def test_slack_and_console_never_import_teams_or_graph() -> None:
    code = (
        "import sys, bot.cli, bot.serve, bot.http, bot.delivery, bot.slack.app, bot.console;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('microsoft_teams', 'msgraph')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_package_speaks_norwegian_trims_a_pasted_address_and_names_its_pages(
    tmp_path: Path,
) -> None:
    # Issue 21: an English "CLIENT_ID must be …", a pasted https://…/ refused, invented links.
    missing = meldefra(["teams", "package", "--domain", "example.no"], {}, tmp_path)
    assert missing.returncode == 2
    assert "Sett CLIENT_ID til botens app-id fra Entra ID" in missing.stderr
    out = tmp_path / "p.zip"
    env = {"CLIENT_ID": APP_ID, "TEAMS_PRIVACY_URL": "https://kommune.example/personvern"}
    done = meldefra(
        ["teams", "package", "--domain", "https://Example.no/", "--out", str(out)], env, tmp_path
    )
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["validDomains"] == ["example.no"]
    assert manifest["developer"]["privacyUrl"] == "https://kommune.example/personvern"
    assert manifest["developer"]["termsOfUseUrl"] == "https://example.no/terms"
    assert "https://example.no/terms" in done.stdout and "TEAMS_TERMS_URL" in done.stdout


def test_the_package_zip_is_not_committed_by_accident() -> None:
    ignored = (Path(__file__).resolve().parents[1] / ".gitignore").read_text(encoding="utf-8")
    assert "meldefra-teams.zip" in ignored.split()

"""`meldefra doctor` against a real database (SQLite and PostgreSQL), the loopback fake Slack
and the fake Entra ID / Graph: one line per part, what is wrong and how to fix it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, text

from bot.cli import main
from bot.doctor import manifest_scopes
from handlers.clock import FixedClock
from handlers.org import Org
from handlers.services import Services
from store.crypto import Keyring
from store.db import make_engine, session_factory, upgrade
from tests.fakes.slack_api import FakeSlack
from tests.fakes.socket_mode import FakeSocketModeServer
from tests.fakes.teams_api import FakeTeams

from .conftest import SAMPLE_ORG
from .planning import filed

BOT_TOKEN, APP_TOKEN = "xoxb-doctor", "xapp-doctor"
KEY_1, KEY_2 = Keyring.new_key(), Keyring.new_key()


@dataclass
class Deployment:
    slack: FakeSlack
    teams: FakeTeams
    env: dict[str, str]


def database_url(engine: Engine) -> str:
    """The engine's URL as an operator would set DATABASE_URL (with the test's schema)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.execute(text("SHOW search_path")).scalar()
        url += f"?options=-csearch_path%3D{schema}"
    return url


@pytest.fixture
def deployment(engine: Engine, org: Org, clock: FixedClock) -> Iterator[Deployment]:
    """A healthy deployment: texts sealed with KEY_1, Slack and Teams fully set up."""
    services = Services(org, session_factory(engine, keyring=Keyring.parse(KEY_1)), clock)
    filed(services, what="Ble holdt utenfor")
    with (
        FakeSocketModeServer() as socket_mode,
        FakeSlack(
            token=BOT_TOKEN, app_token=APP_TOKEN, scopes=manifest_scopes(), socket_mode=socket_mode
        ) as slack,
        FakeTeams() as teams,
    ):
        env = {
            "DATABASE_URL": database_url(engine),
            "MELDEFRA_ORG": str(SAMPLE_ORG),
            "MELDEFRA_ENCRYPTION_KEY": KEY_1,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": slack.url,
            "CLIENT_ID": teams.client_id,
            "CLIENT_SECRET": teams.client_secret,
            "TENANT_ID": teams.tenant,
            "ENTRA_AUTHORITY_URL": teams.url,
            "GRAPH_URL": f"{teams.url}/v1.0",
        }
        yield Deployment(slack, teams, env)


def doctor(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str]
) -> tuple[int, list[str]]:
    for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "MELDEFRA_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(["doctor"])
    return code, capsys.readouterr().out.splitlines()


def line_about(lines: list[str], part: str) -> str:
    [found] = [line for line in lines if f"  {part}:" in line]
    return found


def test_a_healthy_deployment_passes_every_check(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = doctor(monkeypatch, capsys, deployment.env)
    assert code == 0, "\n".join(lines)
    assert lines[-1] == "Alt i orden."
    # Fiks Arkiv is not set up here (tests/test_fiks.py checks its own doctor lines).
    assert all(line.startswith("OK ") for line in lines[:-1] if "Fiks" not in line), lines
    assert "2 skoler, 15 personer" in line_about(lines, "Organisasjonsfila")
    assert "på nyeste revisjon" in line_about(lines, "Databaseskjemaet")
    assert "åpner alle 2 krypterte tekster" in line_about(lines, "Krypteringsnøkkelen")
    assert "som meldefra" in line_about(lines, "Slack-tokenet")
    assert "files:write" in line_about(lines, "Slack-tillatelsene")
    assert "TeamsActivity.Send" in line_about(lines, "Graph-tillatelsene")
    # It asked the platforms themselves, with the configured credentials.
    [auth] = deployment.slack.calls("auth.test")
    assert auth.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    tokens = deployment.teams.find("POST", r"/oauth2/v2\.0/token")
    assert [r.body["scope"] for r in tokens] == [
        "https://api.botframework.com/.default",
        f"{deployment.teams.url}/.default",
    ]
    # The database password never reaches the output.
    assert all("postgres:" not in line or ":***@" in line for line in lines)


def test_every_broken_part_gets_its_own_line_and_fix(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deployment.slack.scopes = [s for s in manifest_scopes() if s != "files:write"]
    deployment.teams.graph_roles.remove("TeamsActivity.Send")
    env = {**deployment.env, "MELDEFRA_ENCRYPTION_KEY": KEY_2, "SLACK_APP_TOKEN": "xapp-stale"}
    code, lines = doctor(monkeypatch, capsys, env)
    assert code == 1
    assert lines[-1] == "4 ting må rettes."
    key = line_about(lines, "Krypteringsnøkkelen")
    assert key.startswith("FEIL ")
    assert "2 av 2 krypterte tekster kan ikke åpnes" in key and "keys rotate" in key
    scopes = line_about(lines, "Slack-tillatelsene")
    assert "tokenet mangler files:write" in scopes and "installer appen på nytt" in scopes
    app = line_about(lines, "Slack-app-tokenet")
    assert "(invalid_auth)" in app and "connections:write" in app
    graph = line_about(lines, "Graph-tillatelsene")
    assert "appen mangler TeamsActivity.Send" in graph and "Grant admin consent" in graph
    assert line_about(lines, "Slack-tokenet").startswith("OK ")
    assert line_about(lines, "Teams-innloggingen").startswith("OK ")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"CLIENT_SECRET": "expired"}, "AADSTS7000215"),
        ({"TENANT_ID": "another-tenant"}, "sjekk TENANT_ID"),
        ({"CLIENT_ID": "not-the-app"}, "sjekk CLIENT_ID"),
        ({"TENANT_ID": ""}, "TENANT_ID mangler"),
    ],
)
def test_teams_credentials_refused_say_which_setting(
    deployment: Deployment,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, str],
    words: str,
) -> None:
    code, lines = doctor(monkeypatch, capsys, {**deployment.env, **change})
    assert code == 1
    teams = line_about(lines, "Teams-innloggingen")
    assert teams.startswith("FEIL ") and words in teams
    assert not any("Graph-tillatelsene" in line for line in lines)  # no sign-in, no Graph


def test_an_old_schema_a_broken_org_and_a_refused_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    org = tmp_path / "org.yml"
    org.write_text(SAMPLE_ORG.read_text().replace("timezone: Europe/Oslo", "timezone: Oslo"))
    with FakeSlack(token=BOT_TOKEN) as slack:
        env = {
            "DATABASE_URL": str(engine.url),
            "MELDEFRA_ORG": str(org),
            "MELDEFRA_ENCRYPTION_KEY": "not-a-key",
            "SLACK_BOT_TOKEN": "xoxb-revoked",
            "SLACK_API_URL": slack.url,
            "CLIENT_ID": "",
        }
        code, lines = doctor(monkeypatch, capsys, env)
    assert code == 1
    assert lines[-1] == "4 ting må rettes."
    org_line = line_about(lines, "Organisasjonsfila")
    tz_line = SAMPLE_ORG.read_text().splitlines().index("    timezone: Europe/Oslo") + 1
    assert f"linje {tz_line}: Skolen «nordby»: ukjent tidssone «Oslo»" in org_line
    assert f"meldefra org check {org}" in org_line
    schema = line_about(lines, "Databaseskjemaet")
    assert "på revisjon 0002" in schema and "kjør «meldefra db upgrade»" in schema
    assert "ikke gyldige Fernet-nøkler" in line_about(lines, "Krypteringsnøkkelen")
    slack_line = line_about(lines, "Slack-tokenet")
    assert "Slack avviste tokenet (invalid_auth)" in slack_line and "SLACK_BOT_TOKEN" in slack_line
    assert line_about(lines, "Teams-innloggingen").startswith("– ")


def test_an_unreachable_database_and_slack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {
        "DATABASE_URL": "postgresql://meldefra:hemmelig@127.0.0.1:9/meldefra",
        "MELDEFRA_ORG": str(SAMPLE_ORG),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "CLIENT_ID": "",
    }
    code, lines = doctor(monkeypatch, capsys, env)
    assert code == 1
    database = line_about(lines, "Databasen")
    assert "svarer ikke (postgresql://meldefra:***@127.0.0.1:9/meldefra)" in database
    assert "hemmelig" not in "\n".join(lines)
    assert "sjekk DATABASE_URL" in database
    slack_line = line_about(lines, "Slack-tokenet")
    assert "får ikke kontakt med http://127.0.0.1:9/api/auth.test" in slack_line
    assert "sjekk SLACK_API_URL" in slack_line


def test_doctor_speaks_the_owners_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    org = tmp_path / "org.yml"
    org.write_text(
        SAMPLE_ORG.read_text().replace("  name: Eksempel kommune", "  name: X\n  language: en")
    )
    env = {"DATABASE_URL": str(engine.url), "MELDEFRA_ORG": str(org), "CLIENT_ID": ""}
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    code, lines = doctor(monkeypatch, capsys, env)
    # Neither Slack nor Teams: nobody could melde fra, so it is a problem (issue 21), in English.
    assert code == 1
    assert "neither Slack nor Teams is set up" in line_about(lines, "Chat")
    assert "SLACK_BOT_TOKEN" in line_about(lines, "Chat")
    key_line = line_about(lines, "The encryption key")
    assert "not set: free text is stored unencrypted." in key_line
    assert "meldefra keys new" in key_line and "policy.plaintext_ok: true" in key_line


def test_a_missing_sqlite_file_is_reported_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "nowhere.db"
    env = {"DATABASE_URL": f"sqlite:///{db}", "MELDEFRA_ORG": str(SAMPLE_ORG), "CLIENT_ID": ""}
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    code, lines = doctor(monkeypatch, capsys, env)
    assert code == 1
    database = line_about(lines, "Databasen")
    assert f"databasefila {db} finnes ikke" in database and "meldefra db upgrade" in database
    assert not db.exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://meldefra@127.0.0.1:9/meldefra?password=hemmelig",
        "postgresql://127.0.0.1:9/meldefra?sslmode=disable&PASSWORD=hemmelig",
        "postgresql://meldefra:hemmelig@127.0.0.1:9/meldefra?password=hemmelig",
        "postgresql://meldefra:hemmelig@[::1/meldefra",  # malformed: an unclosed IPv6 host
        "postgresql://meldefra:hemmelig@127.0.0.1:port/meldefra",  # malformed: the port
        "sqlite:////no/such/dir/x.db?password=hemmelig",
        "not a url, password=hemmelig",
    ],
)
def test_doctor_never_prints_a_password_and_never_crashes_on_the_url(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 19 finding 21: `?password=` was printed, and a malformed URL crashed doctor."""
    env = {"DATABASE_URL": url, "MELDEFRA_ORG": str(SAMPLE_ORG), "CLIENT_ID": ""}
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    code, lines = doctor(monkeypatch, capsys, env)
    assert code == 1
    output = "\n".join(lines) + capsys.readouterr().err
    assert "hemmelig" not in output, output
    assert "sjekk DATABASE_URL" in line_about(lines, "Databasen") or "finnes ikke" in line_about(
        lines, "Databasen"
    )


def test_unencrypted_storage_is_a_problem_unless_the_operator_chose_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 20, finding 10: without a key, doctor must not end with "Alt i orden".
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    org = tmp_path / "org.yml"
    org.write_text(SAMPLE_ORG.read_text())
    env = {"DATABASE_URL": str(engine.url), "MELDEFRA_ORG": str(org), "CLIENT_ID": ""}
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    code, lines = doctor(monkeypatch, capsys, env)
    assert code == 1
    assert line_about(lines, "Krypteringsnøkkelen").startswith("FEIL")
    data = yaml.safe_load(SAMPLE_ORG.read_text())
    for school in data["schools"]:
        school.setdefault("policy", {})["plaintext_ok"] = True
    if isinstance(data.get("directory"), dict) and data["directory"].get("path"):
        data["directory"]["path"] = str(SAMPLE_ORG.parent / data["directory"]["path"])
    chosen = yaml.safe_dump(data, allow_unicode=True)
    org.write_text(chosen)
    code, lines = doctor(monkeypatch, capsys, env)
    assert not line_about(lines, "Krypteringsnøkkelen").startswith("FEIL")
